// SPDX-License-Identifier: MIT
'use strict';
/**
 * Where the plugin's code is loaded from by the scripts in bin/, which run without Nx:
 * 1. the package's own src/ when it ships compiled JS (the published package);
 * 2. in the source workspace, the compiled copy `npm run build:plugin` writes to
 *    dist/packages/nx-local-lto, when its package.json (stamped with the time the compile
 *    started) is not older than any source file under src/: no TypeScript loading, ~0.1 s instead
 *    of ~1-2 s per call. Any source saved since then (an edit, a git checkout) falls back to 3;
 * 3. the TypeScript source through @swc-node/register (the transpiler Nx uses to load this plugin from source).
 * The code is the same whichever is used.
 */
const { existsSync, readdirSync, statSync } = require('node:fs');
const { join } = require('node:path');

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

/** The plugin's src/ folder to require modules from (compiled when possible). */
function pluginSourceDir() {
  const own = join(__dirname, '..', 'src');
  if (existsSync(join(own, 'index.js'))) return own;
  const built = join(__dirname, '..', '..', '..', 'dist', 'packages', 'nx-local-lto');
  try {
    if (statSync(join(built, 'package.json')).mtimeMs >= newestMtime(own)) return join(built, 'src');
  } catch {
    // not built
  }
  require('@swc-node/register');
  return own;
}

module.exports = { pluginSourceDir };
