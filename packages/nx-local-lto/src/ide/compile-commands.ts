import { cBitcodePath, defaultCBitcodeDir } from '../executors/clang-bc/output-paths';
import { ClangBcExecutorOptions } from '../executors/clang-bc/schema';
import clangBcSchema from '../executors/clang-bc/schema.json';
import { cBitcodeStep, kernelStepFlags } from '../executors/clang-bc/step';
import { validateOptions } from '../options/validate-options';
import { clangBitcodeArgs } from '../pipeline/commands';
import { ResolvedTool, resolveLlvmTool, resolveRustc } from '../toolchain/discover';
import { RustcInfo } from '../toolchain/rustc';
import { IdeProject, targetsRunning } from './projects';

/** One entry of a JSON compilation database (clang's `compile_commands.json` format). */
export interface CompileCommand {
  /** The folder the compiler runs in: the workspace root (absolute). */
  directory: string;
  /** The C file, relative to `directory`. */
  file: string;
  /** The compiler and its arguments, exactly as the clang-bc executor runs them. */
  arguments: string[];
  /** The bitcode file the build writes. */
  output: string;
}

/**
 * One entry per C file that a `nx-local-lto:clang-bc` target compiles (drivers' clang-bc,
 * c-libraries' build), in project and source order. Each target's options go through the
 * executor's schema (defaults) and its toolchain discovery (`clang`, `rustc`, env, PATH)
 * and its step function, so the arguments are the build's own: the real output and
 * dependency-file paths, not the temporaries the executor renames into place.
 */
export async function compileCommands(projects: readonly IdeProject[], workspaceRoot: string): Promise<CompileCommand[]> {
  const entries: CompileCommand[] = [];
  /** Discovery runs once per distinct `rustc`/`clang` option pair (it starts processes). */
  const tools = new Map<string, Promise<{ rustc: RustcInfo; clang: ResolvedTool }>>();
  for (const project of projects) {
    for (const [name, target] of targetsRunning(project, 'nx-local-lto:clang-bc')) {
      let options: ClangBcExecutorOptions;
      try {
        options = validateOptions<ClangBcExecutorOptions>(clangBcSchema, target.options ?? {});
      } catch (e) {
        throw new Error(`${project.name}:${name}: ${(e as Error).message}`);
      }
      const key = JSON.stringify([options.rustc, options.clang]);
      if (!tools.has(key)) tools.set(key, resolveRustc(options).then(async (rustc) => ({ rustc, clang: await resolveLlvmTool('clang', rustc, options) })));
      const { rustc, clang } = await tools.get(key)!;
      const outputDir = options.outputDir ?? defaultCBitcodeDir(project.root);
      const kernel = await kernelStepFlags(options, clang, workspaceRoot, project.name);
      for (const source of options.sources) {
        const bitcode = cBitcodePath(outputDir, options.sourceRoot ?? project.root, source);
        const depFile = bitcode.replace(/\.bc$/, '.d');
        const step = cBitcodeStep(options, rustc.host, workspaceRoot, source, { bitcodeOut: bitcode, depFileOut: depFile, depTarget: bitcode }, kernel);
        entries.push({ directory: workspaceRoot, file: source, arguments: [clang.path, ...clang.prefixArgs, ...clangBitcodeArgs(step)], output: bitcode });
      }
    }
  }
  return entries;
}
