#!/usr/bin/env node
// SPDX-License-Identifier: MIT
'use strict';
/**
 * Prints the identity of one tool the way the executors resolve it, for Nx `runtime` cache
 * inputs: `node toolchain-id.js <rustc|clang|llvm-link|ld.lld|cc> [--rustc=P] [--clang=P]
 * [--llvm-link=P] [--linker=P] [--cc=P]`.
 *
 * Output: the resolved path, then the tool's own version text (`rustc -vV`, `<tool> --version`).
 * The lookup is src/toolchain/discover.ts itself (option > env > <tool>-M > unsuffixed tool
 * of major M > rust-lld), loaded from compiled JS when the package ships it, else from the
 * TypeScript source through @swc-node/register (the same transpiler Nx uses to load this
 * plugin from source). Nothing here re-implements discovery.
 *
 * When the tool cannot be resolved, the error goes to stderr, a random line to stdout, and the
 * exit status is 1. Nx 22 ignores a runtime input's exit status and hashes its output, so the
 * random line is what keeps a missing tool from ever matching a cache entry: the task runs and
 * fails in the executor, whose discovery reports the same error.
 */
const { execFileSync } = require('node:child_process');
const { randomUUID } = require('node:crypto');
const { existsSync } = require('node:fs');
const { join } = require('node:path');

const TOOLS = ['rustc', 'clang', 'llvm-link', 'ld.lld', 'llvm-objcopy', 'cc'];
/** Command-line flag -> discover.ts option name. */
const FLAGS = { rustc: 'rustc', clang: 'clang', 'llvm-link': 'llvmLink', linker: 'linker', objcopy: 'objcopy', cc: 'cc' };

function usage(message) {
  process.stderr.write(`toolchain-id: ${message}\nusage: toolchain-id.js <${TOOLS.join('|')}> [--rustc=PATH] [--clang=PATH] [--llvm-link=PATH] [--linker=PATH] [--objcopy=PATH] [--cc=PATH]\n`);
  process.exit(2);
}

function parseArgs(argv) {
  const [tool, ...rest] = argv;
  if (!TOOLS.includes(tool)) usage(`unknown tool '${tool ?? ''}'`);
  const options = {};
  for (const arg of rest) {
    const m = /^--([a-z-]+)=(.*)$/.exec(arg);
    if (!m || !(m[1] in FLAGS)) usage(`unknown argument '${arg}'`);
    if (m[2]) options[FLAGS[m[1]]] = m[2];
  }
  return { tool, options };
}

/** discover.ts and rustc.ts: compiled JS when present, else the TS source. */
function loadToolchain() {
  const dir = join(__dirname, '..', 'src', 'toolchain');
  if (!existsSync(join(dir, 'discover.js'))) require('@swc-node/register');
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
  const { resolveRustc, resolveLlvmTool } = loadToolchain();
  const rustc = await resolveRustc(options);
  if (tool === 'rustc') return `rustc: ${await onPath(rustc.path)}\n${run(rustc.path, ['-vV'])}`;
  const found = await resolveLlvmTool(tool, rustc, options);
  const path = await onPath(found.path);
  return `${tool}: ${[path, ...found.prefixArgs].join(' ')}\n${run(found.path, [...found.prefixArgs, '--version'])}`;
}

const { tool, options } = parseArgs(process.argv.slice(2));
identity(tool, options).then(
  (text) => process.stdout.write(`${text}\n`),
  (e) => {
    process.stderr.write(`toolchain-id: ${e && e.message ? e.message : String(e)}\n`);
    process.stdout.write(`unresolved ${tool} ${randomUUID()}\n`);
    process.exitCode = 1;
  },
);
