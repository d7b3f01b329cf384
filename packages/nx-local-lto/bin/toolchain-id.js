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
 * of major M > rust-lld), loaded as plugin-source.js says. Nothing here re-implements discovery.
 *
 * When a tool cannot be resolved, the error goes to stderr, a random line to stdout, and the
 * exit status is 1. Nx 22 ignores a runtime input's exit status and hashes its output, so the
 * random line is what keeps a missing tool from ever matching a cache entry: the task runs and
 * fails in the executor, whose discovery reports the same error.
 */
const { execFileSync } = require('node:child_process');
const { randomUUID } = require('node:crypto');
const { join } = require('node:path');
const { pluginSourceDir } = require('./plugin-source');

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

/** discover and rustc, from the folder toolchainDir() picks. */
function loadToolchain() {
  const dir = join(pluginSourceDir(), 'toolchain');
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
