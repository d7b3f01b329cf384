#!/usr/bin/env node
// SPDX-License-Identifier: MIT
'use strict';
/**
 * `link-server.js <socket>`: the link server (src/link-server/server.ts), started by
 * run-step.js in the background; `link-server.js --client <file>`: compiles bin/link-client.c
 * to <file>. Neither prints: both run detached from any task.
 */
const { join } = require('node:path');
const { statSync } = require('node:fs');
const { pluginSourceDir } = require('./plugin-source');

const dir = pluginSourceDir();
if (process.argv[2] === '--client') {
  require(join(dir, 'link-server', 'client')).compileLinkClient(process.env.LOCAL_LTO_CLANG || 'cc', process.argv[3]);
} else if (require('node:fs').existsSync(join(dir, 'index.js'))) {
  // The code this server runs: refused requests once another would be loaded (a rebuilt plugin, a source edited).
  const stamp = () => {
    const d = pluginSourceDir();
    return `${d}:${statSync(join(d, '..', 'package.json')).mtimeMs}`;
  };
  require(join(dir, 'link-server', 'server')).serveLinks(process.argv[2], stamp);
}
// Else the plugin runs from its TypeScript source (no compiled copy up to date): no server, whose code would go stale unseen.
