import { TargetConfiguration } from '@nx/devkit';
import { join } from 'node:path';
import { cBitcodePath, defaultCBitcodeDir } from '../executors/clang-bc/output-paths';
import { ClangBcExecutorOptions } from '../executors/clang-bc/schema';
import clangBcSchema from '../executors/clang-bc/schema.json';
import { cBitcodeStep } from '../executors/clang-bc/step';
import { LldRelocatableExecutorOptions } from '../executors/lld-relocatable/schema';
import lldSchema from '../executors/lld-relocatable/schema.json';
import { rustOutputPaths } from '../executors/rust-bc/output-paths';
import { RustBcExecutorOptions } from '../executors/rust-bc/schema';
import rustBcSchema from '../executors/rust-bc/schema.json';
import { rustBitcodeStep } from '../executors/rust-bc/step';
import { validateOptions } from '../options/validate-options';
import { clangBitcodeArgs, rustBitcodeArgs, sanitizeRustFlags } from '../pipeline/commands';
import { guardedScript, shellCommand, shellWord, WORKSPACE_ROOT } from '../process/shell-command';
import { MANIFEST_FILE } from './manifest';
import { packageDirIn } from './package-dir';
import { CommandTool, CommandToolFact, InferenceFacts } from './targets';
import { CLIENT_DIR_WORDS, linkClientName } from '../link-server/client';
import { nativeToolIdentityInput, TOOLCHAIN_ID_SCRIPT } from './tool-identity';

/** The plugin option that picks the shape of inferred targets (nx.json `plugins[].options`). */
export type InferredTargets = 'commands' | 'executors';

/** Options that make a step more than its command line (another tool, a fallback, a kernel tree): the executor runs those. */
const EXECUTOR_ONLY = ['rustc', 'clang', 'llvmLink', 'linker', 'objcopy', 'cc', 'fallback', 'kernelDir', 'selfContained', 'runtimeCrateRoot'];

/**
 * The tools the link (lld-relocatable) runs, set for its discovery; it keys on them but clang,
 * as the executor target does (clang only answers its CPU-feature query for the report).
 */
const LINK_TOOLS: CommandTool[] = ['rustc', 'clang', 'llvm-link', 'ld.lld', 'llvm-objcopy'];
const LINK_KEY_TOOLS: CommandTool[] = ['rustc', 'llvm-link', 'ld.lld', 'llvm-objcopy'];

/** Flags that make clang write something other than bitcode; the executor names them (assertWroteBitcode). */
const NOT_BITCODE = ['-fno-lto', '-S', '-E'];

type Tools = Record<CommandTool, CommandToolFact>;

/**
 * A tool as the command runs it: its variable if set, else the path default discovery found
 * (`"${LOCAL_LTO_CLANG:-/usr/bin/clang-22}"`), then its leading arguments; shell words.
 */
function toolWords(t: CommandToolFact): string[] {
  return [`"\${${t.env}:-${t.path.replace(/["$`\\]/g, '\\$&')}}"`, ...t.prefixArgs.map(shellWord)];
}
type Converted = Pick<TargetConfiguration, 'executor' | 'options'> & { tools: CommandTool[] };

/**
 * `target` as an `nx:run-commands` target when the command route can run it: Nx runs such a
 * target's command itself, with no Node process that loads Nx and the plugin (about 0.7 s per
 * task). The command lines are the executors' own (src/pipeline/commands.ts through the same
 * step functions), the link runs the lld-relocatable executor through bin/run-step.js, and
 * the tool identity is the tools' own version output. Everything else about the target
 * (inputs, outputs, dependsOn, metadata) is kept. Targets the route cannot run (kernel profile,
 * bindings, self-contained, a tool or fallback chosen in the options) stay executor targets.
 */
export function asCommandTarget(target: TargetConfiguration, project: { name: string; root: string }, targetName: string, facts: InferenceFacts): TargetConfiguration {
  const tools = facts.toolchain?.commands;
  if (!tools || !target.executor || !target.options) return target;
  if (EXECUTOR_ONLY.some((o) => o in target.options) || target.options.profile === 'kernel') return target;
  const converted = convert(target, project, targetName, facts.toolchain!.host, tools, facts.workspaceRoot);
  if (!converted) return target;
  const { tools: used, ...shape } = converted;
  const inputs = target.inputs?.map((input) =>
    typeof input === 'object' && 'runtime' in input && input.runtime.includes(TOOLCHAIN_ID_SCRIPT)
      ? nativeToolIdentityInput(used.map((t) => toolWords(tools[t])[0]))
      : input,
  );
  return {
    ...target,
    ...shape,
    ...(inputs ? { inputs } : {}),
    metadata: { ...target.metadata, executor: target.executor } as TargetConfiguration['metadata'],
  };
}

function convert(target: TargetConfiguration, project: { name: string; root: string }, targetName: string, host: string, tools: Tools, workspaceRoot: string): Converted | undefined {
  const task = `${project.name}:${targetName}`;
  const manifest = join(project.root, MANIFEST_FILE);
  switch (target.executor) {
    case 'nx-local-lto:rust-bc': {
      const options = validateOptions<RustBcExecutorOptions>(rustBcSchema, { ...target.options });
      if (Object.keys(options.bindings).length) return undefined;
      const { flags, ignored } = sanitizeRustFlags(options.rustflags);
      if (ignored.length) return undefined; // the executor says why it drops them
      const out = rustOutputPaths(options, project.root, project.name);
      const step = rustBitcodeStep(options, out.crateName, flags, WORKSPACE_ROOT, { bitcodeOut: out.bitcode, depInfoOut: out.depInfo, metadataOut: out.metadata });
      // $RUSTFLAGS first, as the executor takes them: the pipeline's own settings after it win.
      const rustc = [...toolWords(tools.rustc), '$RUSTFLAGS', ...rustBitcodeArgs(step).map(shellWord)].join(' ');
      return command(guardedScript([rustc], [out.bitcode, out.depInfo, ...(out.metadata ? [out.metadata] : [])]), task, manifest, ['rustc']);
    }
    case 'nx-local-lto:clang-bc': {
      const options = validateOptions<ClangBcExecutorOptions>(clangBcSchema, { ...target.options });
      if (options.cflags.some((f) => NOT_BITCODE.includes(f))) return undefined;
      const outputDir = options.outputDir ?? defaultCBitcodeDir(project.root);
      const outputs: string[] = [];
      const commands = options.sources.map((source) => {
        const bitcode = cBitcodePath(outputDir, options.sourceRoot ?? project.root, source);
        const depFile = bitcode.replace(/\.bc$/, '.d');
        outputs.push(bitcode, depFile);
        const step = cBitcodeStep(options, host, WORKSPACE_ROOT, source, { bitcodeOut: bitcode, depFileOut: depFile, depTarget: bitcode });
        return [...toolWords(tools.clang), ...clangBitcodeArgs(step).map(shellWord)].join(' ');
      });
      return command(guardedScript(commands, outputs), task, manifest, ['rustc', 'clang']);
    }
    case 'nx-local-lto:lld-relocatable': {
      const options = validateOptions<LldRelocatableExecutorOptions>(lldSchema, { ...target.options });
      if (options.mode === 'calls') return undefined;
      const script = join(packageDirIn(workspaceRoot), 'bin', 'run-step.js');
      // The executor's discovery reads the variables: set to what the identity input hashes, its tools are the ones keyed.
      const toolEnv = LINK_TOOLS.map((t) => `${tools[t].env}=${toolWords(tools[t])[0]}`);
      // The options validated with the schema's defaults: run-step.js runs the step without loading ajv again.
      // NODE_EXTRA_CA_CERTS= : Node reads and parses that bundle at every start (0.06 s here); the link opens no TLS connection.
      // The link client (when compiled) hands the step to a link server, else runs the same node command (src/link-server).
      const client = `c=${CLIENT_DIR_WORDS}/${linkClientName()}; [ -x "$c" ] || c=;`;
      const line = [client, ...toolEnv, 'NODE_EXTRA_CA_CERTS=', '${c:+"$c"}', shellCommand('node', [script, '--validated', 'lld-relocatable', task, project.root, JSON.stringify(options)])].join(' ');
      return command(line, task, manifest, LINK_KEY_TOOLS);
    }
    default:
      return undefined;
  }
}

/**
 * The run-commands shape. Options given on the command line (`nx run x:rust-bc --optLevel=3`)
 * reach the script through `{args}` and stop it with one line naming them: the command already
 * holds the options, and appended to a compiler's arguments they would change the build unseen.
 */
function command(line: string, task: string, manifest: string, tools: CommandTool[]): Converted {
  const refuse = `echo "nx-local-lto: ${task} got $* on the command line; its options come from ${manifest} (or declare the target in project.json to run the executor with options)" >&2; exit 2`;
  return { executor: 'nx:run-commands', options: { command: `set -- {args}; [ $# = 0 ] || { ${refuse}; }; ${line}`, forwardAllArgs: false }, tools };
}
