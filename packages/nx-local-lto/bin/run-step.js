#!/usr/bin/env node
// SPDX-License-Identifier: MIT
'use strict';
/**
 * Runs one of the plugin's executors without Nx: `node run-step.js [--validated] <executor>
 * <project>:<target> <projectRoot> '<options as JSON>'`, from the workspace root. `--validated`
 * (the inferred targets pass it): the options are the schema-validated ones, defaults applied,
 * so the step runs without loading ajv again (about 0.05 s); else they are validated here. The inferred `nx:run-commands`
 * targets call it for the steps that are more than a tool's command line (the link, with its
 * checks and inline report): Nx runs a run-commands target without a Node process of its own,
 * and this one loads only the executor's code, not Nx (about 0.6 s less per task).
 * The executor is the same function Nx would run: options validated against its schema,
 * one-line errors, exit status 1 on failure. The link command usually reaches it through
 * bin/link-client.c, which runs the same arguments in a link server (src/link-server) and
 * execs this script only when none answers.
 */
const { join } = require('node:path');
const { pluginSourceDir } = require('./plugin-source');

// Nx's task environment can hold both (CI sets NO_COLOR, Nx FORCE_COLOR): FORCE_COLOR wins, as
// Node says in a warning on every link; drop the one that is ignored anyway.
if (process.env.FORCE_COLOR !== undefined) delete process.env.NO_COLOR;

const dir = pluginSourceDir();
const argv = process.argv.slice(2);
// The link command's client found no server (LOCAL_LTO_LINK_SOCKET) or is not compiled yet: see to both, in the background.
if (argv[0] === '--validated' && argv[1] === 'lld-relocatable') require(join(dir, 'link-server', 'client')).prepareLinkServer();
require(join(dir, 'executors', 'run-step'))
  .runStep(argv, process.cwd())
  .then((code) => {
    process.exitCode = code;
  });
