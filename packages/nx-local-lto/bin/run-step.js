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
 * one-line errors, exit status 1 on failure.
 */
const { join } = require('node:path');
const { pluginSourceDir } = require('./plugin-source');

// Nx's task environment can hold both (CI sets NO_COLOR, Nx FORCE_COLOR): FORCE_COLOR wins, as
// Node says in a warning on every link; drop the one that is ignored anyway.
if (process.env.FORCE_COLOR !== undefined) delete process.env.NO_COLOR;

function usage(message) {
  process.stderr.write(`run-step: ${message}\nusage: run-step.js [--validated] <executor> <project>:<target> <projectRoot> '<options JSON>'\n`);
  process.exit(2);
}

const argv = process.argv.slice(2);
const validated = argv[0] === '--validated';
const [executor, task, projectRoot, json, ...rest] = validated ? argv.slice(1) : argv;
if (rest.length || json === undefined) usage('expected four arguments');
if (!/^[a-z-]+$/.test(executor)) usage(`unknown executor '${executor}'`);
const [projectName, targetName] = task.split(':');
let options;
try {
  options = JSON.parse(json);
} catch (e) {
  usage(`the options are not JSON (${e.message})`);
}
const root = process.cwd();
const context = {
  root,
  cwd: root,
  projectName,
  targetName,
  isVerbose: process.env.NX_VERBOSE_LOGGING === 'true',
  projectsConfigurations: { version: 2, projects: { [projectName]: { root: projectRoot } } },
};
const dir = pluginSourceDir();
const step = require(join(dir, 'executors', executor, 'executor'));
if (validated && !step.validatedStep) usage(`executor '${executor}' has no step for validated options`);
const run = validated
  ? (o, c) => require(join(dir, 'executors', 'run-executor')).runValidated(executor, () => o, o, c, step.validatedStep)
  : step.default;
run(options, context).then(
  (result) => {
    process.exitCode = result && result.success ? 0 : 1;
  },
  (e) => {
    process.stderr.write(`${task}: ${e && e.message ? e.message : String(e)}\n`);
    process.exitCode = 1;
  },
);
