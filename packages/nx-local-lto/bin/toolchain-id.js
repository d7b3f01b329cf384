#!/usr/bin/env node
// SPDX-License-Identifier: MIT
'use strict';
/**
 * Prints the identity of the tools a target runs, resolved the way the executors resolve
 * them, for one Nx `runtime` cache input per target: `node toolchain-id.js <tool>...
 * [--rustc=P] [--clang=P] [--llvm-link=P] [--linker=P] [--objcopy=P] [--cc=P] [--bindgen=P]`, tools
 * among rustc, clang, llvm-link, ld.lld, llvm-objcopy, cc, bindgen.
 *
 * Output, per tool in the order given: the resolved path, then the tool's own version text
 * (`rustc -vV`, `<tool> --version`). One process for all of a target's tools: each process
 * costs a Node start and a rustc query, and Nx runs the command again in each hashing round.
 * The lookup is src/toolchain/discover.ts itself (option > env > <tool>-M > unsuffixed tool
 * of major M > rust-lld), loaded from compiled JS when the package ships it or the source
 * workspace has an up-to-date `npm run build:plugin` output, else from the TypeScript source
 * through @swc-node/register (the same transpiler Nx uses to load this plugin from source).
 * Nothing here re-implements discovery.
 *
 * When a tool cannot be resolved, the error goes to stderr, a random line to stdout, and the
 * exit status is 1. Nx 22 ignores a runtime input's exit status and hashes its output, so the
 * random line is what keeps a missing tool from ever matching a cache entry: the task runs and
 * fails in the executor, whose discovery reports the same error.
 */
const { execFileSync } = require('node:child_process');
const { randomUUID } = require('node:crypto');
const { existsSync, readdirSync, statSync } = require('node:fs');
const { join } = require('node:path');

const TOOLS = ['rustc', 'clang', 'llvm-link', 'ld.lld', 'llvm-objcopy', 'cc', 'bindgen'];
/** Command-line flag -> discover.ts option name. */
const FLAGS = { rustc: 'rustc', clang: 'clang', 'llvm-link': 'llvmLink', linker: 'linker', objcopy: 'objcopy', cc: 'cc', bindgen: 'bindgen' };

function usage(message) {
  process.stderr.write(`toolchain-id: ${message}\nusage: toolchain-id.js <${TOOLS.join('|')}>... [--rustc=PATH] [--clang=PATH] [--llvm-link=PATH] [--linker=PATH] [--objcopy=PATH] [--cc=PATH] [--bindgen=PATH]\n`);
  process.exit(2);
}

function parseArgs(argv) {
  const tools = argv.filter((a) => !a.startsWith('--'));
  if (!tools.length) usage('no tool named');
  for (const tool of tools) if (!TOOLS.includes(tool)) usage(`unknown tool '${tool}'`);
  const options = {};
  for (const arg of argv.filter((a) => a.startsWith('--'))) {
    const m = /^--([a-z-]+)=(.*)$/.exec(arg);
    if (!m || !(m[1] in FLAGS)) usage(`unknown argument '${arg}'`);
    if (m[2]) options[FLAGS[m[1]]] = m[2];
  }
  return { tools, options };
}

/**
 * Newest mtime (ms) of the files under `dir` that the compiled package is built from (not
 * `*.spec.ts` nor `testing/`, which scripts/build-plugin.js leaves out), 0 when it does not exist.
 */
function newestMtime(dir) {
  let newest = 0;
  let entries;
  try {
    entries = readdirSync(dir, { withFileTypes: true });
  } catch {
    return 0;
  }
  for (const e of entries) {
    if (e.name === 'testing' || e.name.endsWith('.spec.ts')) continue;
    const p = join(dir, e.name);
    newest = Math.max(newest, e.isDirectory() ? newestMtime(p) : statSync(p).mtimeMs);
  }
  return newest;
}

/**
 * The folder discover and rustc are loaded from:
 * 1. the package's own src/toolchain when it ships compiled JS (the published package);
 * 2. in the source workspace, the compiled copy `npm run build:plugin` writes to
 *    dist/packages/nx-local-lto, when its package.json (stamped with the time the compile
 *    started) is not older than any source file under src/: no TypeScript loading, ~0.1 s instead
 *    of ~1-2 s per call. Any source saved since then (an edit, a git checkout) falls back to 3;
 * 3. the TypeScript source through @swc-node/register.
 * The printed identity is the same whichever is used, so the choice never changes a cache key.
 */
function toolchainDir() {
  const own = join(__dirname, '..', 'src', 'toolchain');
  if (existsSync(join(own, 'discover.js'))) return own;
  const built = join(__dirname, '..', '..', '..', 'dist', 'packages', 'nx-local-lto');
  try {
    if (statSync(join(built, 'package.json')).mtimeMs >= newestMtime(join(__dirname, '..', 'src'))) return join(built, 'src', 'toolchain');
  } catch {
    // not built
  }
  require('@swc-node/register');
  return own;
}

/** discover and rustc, from the folder toolchainDir() picks. */
function loadToolchain() {
  const dir = toolchainDir();
  return { ...require(join(dir, 'discover')), ...require(join(dir, 'rustc')) };
}

/** `text` of a command's stdout (the tool already ran successfully in discovery). */
function run(file, args) {
  return execFileSync(file, args, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] }).trim();
}

/** A tool named without a folder (`rustc`, `$LOCAL_LTO_CLANG=clang-22`) as the file PATH gives. */
async function onPath(name) {
  return (await require('which')(name, { nothrow: true })) || name;
}

async function identity(tool, options) {
  if (tool === 'cc') {
    // host-test's choice: option cc > $CC > cc.
    const given = options.cc || process.env.CC || 'cc';
    const path = await onPath(given);
    return `cc: ${path}\n${run(path, ['--version'])}`;
  }
  if (tool === 'bindgen') {
    // The bindgen executor's choice: option bindgen > $LOCAL_LTO_BINDGEN > bindgen. Its
    // verbose version names the libclang it loaded, which decides what it parses.
    const given = options.bindgen || process.env.LOCAL_LTO_BINDGEN || 'bindgen';
    const path = await onPath(given);
    return `bindgen: ${path}\n${run(path, ['--version', '--verbose'])}`;
  }
  const { resolveRustc, resolveLlvmTool } = loadToolchain();
  const rustc = await resolveRustc(options);
  if (tool === 'rustc') return `rustc: ${await onPath(rustc.path)}\n${run(rustc.path, ['-vV'])}`;
  const found = await resolveLlvmTool(tool, rustc, options);
  const path = await onPath(found.path);
  return `${tool}: ${[path, ...found.prefixArgs].join(' ')}\n${run(found.path, [...found.prefixArgs, '--version'])}`;
}

const { tools, options } = parseArgs(process.argv.slice(2));
Promise.all(tools.map((tool) => identity(tool, options))).then(
  (texts) => process.stdout.write(`${texts.join('\n')}\n`),
  (e) => {
    process.stderr.write(`toolchain-id: ${e && e.message ? e.message : String(e)}\n`);
    process.stdout.write(`unresolved ${tools.join(' ')} ${randomUUID()}\n`);
    process.exitCode = 1;
  },
);
