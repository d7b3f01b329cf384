#!/usr/bin/env node
// SPDX-License-Identifier: MIT
'use strict';
/**
 * `npm run build:plugin`: the publishable, compiled plugin in dist/packages/nx-local-lto/.
 *
 * - tsc -p packages/nx-local-lto/tsconfig.lib.json: src/**.ts (no specs, no testing
 *   helpers) to CommonJS + declarations, mirroring the source layout (src/**.js);
 * - copies what the compiled code reads at run time or Nx reads beside it: executors.json,
 *   generators.json (their extension-less paths resolve to the .js files), README.md, bin/,
 *   runtime/ (the local-lto-rt crate and the per-profile runtime C that drivers build with),
 *   every .json under src/ (executor and generator schemas, inline-report.schema.json), the
 *   hand-written schema.d.ts files the declarations import, and the generators' files/ and files-<profile>/ templates;
 * - writes package.json: the source one with "main": "./src/index.js" and "types";
 * - links node_modules to the source package's (its nested dependencies; npm pack leaves it out).
 *
 * Then `npm pack dist/packages/nx-local-lto` gives the tarball. The output is written to a
 * temp folder beside dist/ and moved into place at the end, so dist/packages/nx-local-lto is
 * never half-built (bin/toolchain-id.js of the workspace uses it when it is up to date).
 * package.json's mtime is set to the time the compile started: a source saved after it is
 * newer, so the workspace's toolchain-id.js then falls back to the TypeScript sources.
 */
const { execFileSync } = require('node:child_process');
const fs = require('node:fs');
const path = require('node:path');

const root = path.join(__dirname, '..');
const pkgDir = path.join(root, 'packages', 'nx-local-lto');
const outDir = path.join(root, 'dist', 'packages', 'nx-local-lto');
const tmpOut = `${outDir}.tmp-${process.pid}`;

/** Files under `dir` (recursively), relative to it. */
function walk(dir, rel = '') {
  return fs.readdirSync(path.join(dir, rel), { withFileTypes: true }).flatMap((e) => {
    const r = path.join(rel, e.name);
    return e.isDirectory() ? walk(dir, r) : [r];
  });
}

function copy(relFromPkg) {
  const dest = path.join(tmpOut, relFromPkg);
  fs.mkdirSync(path.dirname(dest), { recursive: true });
  fs.copyFileSync(path.join(pkgDir, relFromPkg), dest);
}

/** Source files the compiled package needs besides the .js/.d.ts tsc writes. */
function isAsset(relFromPkg) {
  const parts = relFromPkg.split(path.sep);
  if (parts.includes('testing') || /\.spec\.ts$/.test(relFromPkg)) return false;
  return relFromPkg.endsWith('.json') || relFromPkg.endsWith('schema.d.ts') || parts.some((p) => p === 'files' || p.startsWith('files-'));
}

function main() {
  const started = new Date();
  fs.rmSync(tmpOut, { recursive: true, force: true });
  const tsc = require.resolve('typescript/bin/tsc');
  execFileSync(process.execPath, [tsc, '-p', path.join(pkgDir, 'tsconfig.lib.json'), '--outDir', tmpOut], { stdio: 'inherit' });

  for (const file of ['executors.json', 'generators.json', 'README.md']) copy(file);
  for (const file of walk(pkgDir, 'bin')) copy(file);
  for (const file of walk(pkgDir, 'runtime')) if (!file.split(path.sep).includes('target')) copy(file);
  for (const file of walk(pkgDir, 'src')) if (isAsset(file)) copy(file);

  const source = JSON.parse(fs.readFileSync(path.join(pkgDir, 'package.json'), 'utf8'));
  // The "nx" field declares this workspace's own doctor target; a published package has none.
  const { nx: _workspaceTargets, ...published } = source;
  const pkg = { ...published, main: './src/index.js', types: './src/index.d.ts' };
  fs.writeFileSync(path.join(tmpOut, 'package.json'), `${JSON.stringify(pkg, null, 2)}\n`);
  fs.utimesSync(path.join(tmpOut, 'package.json'), started, started);
  // The dependencies npm nests under the package (versions other than the root's hoisted ones,
  // e.g. js-yaml 4 beside jest's js-yaml 3): the compiled code resolves them as its source does.
  const nested = path.join(pkgDir, 'node_modules');
  if (fs.existsSync(nested)) fs.symlinkSync(path.relative(outDir, nested), path.join(tmpOut, 'node_modules'));

  fs.rmSync(outDir, { recursive: true, force: true });
  fs.mkdirSync(path.dirname(outDir), { recursive: true });
  fs.renameSync(tmpOut, outDir);
  console.log(`build-plugin: ${path.relative(root, outDir)} (npm pack ${path.relative(root, outDir)} gives the tarball)`);
}

try {
  main();
} catch (e) {
  fs.rmSync(tmpOut, { recursive: true, force: true });
  console.error(`build-plugin: ${e.message.split('\n')[0]}`);
  process.exit(1);
}
