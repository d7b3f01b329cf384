import { ExecutorContext } from '@nx/devkit';
import { copyFileSync, existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { LocalLtoError } from '../../errors';
import { withStagedOutputs } from '../../fs/staged-outputs';
import { bindgenArgs, BINDINGS_FILES, umbrellaHeaderText, wrapperUnitText } from '../../pipeline/bindgen-commands';
import { runTool } from '../../process/run-tool';
import { taskOutput } from '../../process/task-output';
import { resolveRustc } from '../../toolchain/discover';
import { assertInputsExist, projectRootOf } from '../inputs';
import { isVerbose, runExecutor } from '../run-executor';
import { bindingsPaths, defaultBindingsDir } from './output-paths';
import { BindgenExecutorOptions } from './schema';
import schema from './schema.json';

/** bindgen's choice, as bin/toolchain-id.js makes it for the cache key: option > $LOCAL_LTO_BINDGEN > PATH. */
export function bindgenPath(options: { bindgen?: string }): string {
  return options.bindgen || process.env.LOCAL_LTO_BINDGEN || 'bindgen';
}

async function generate(options: BindgenExecutorOptions, context: ExecutorContext): Promise<void> {
  const root = context.root;
  const dir = options.outputDir ?? defaultBindingsDir(projectRootOf(context));
  assertInputsExist(root, options.includeDirs.map((d): [string, string, 'dir'] => ['includeDirs', d, 'dir']));
  const target = options.target ?? (await resolveRustc(options)).host;
  const out = bindingsPaths(dir);
  const finals = [out.rust, out.umbrella, out.wrappers, out.unit].map((p) => join(root, p));
  taskOutput.log(`  BINDGEN ${options.headers.join(' ')} -> ${dir}`);
  await withStagedOutputs('bindgen', finals, async ([rustTmp, umbrellaTmp, wrappersTmp, unitTmp]) => {
    // bindgen writes the umbrella's name as given into the wrappers' #include, and writes its
    // outputs even when the header fails to parse: run it in a scratch folder on the bare
    // name, then take only what a successful run wrote.
    const scratch = mkdtempSync(join(tmpdir(), 'local-lto-bindgen-'));
    try {
      writeFileSync(join(scratch, BINDINGS_FILES.umbrella), umbrellaHeaderText(options.headers));
      const args = bindgenArgs({
        umbrella: BINDINGS_FILES.umbrella,
        functions: options.functions,
        types: options.types,
        vars: options.vars,
        includeDirs: options.includeDirs.map((d) => join(root, d)),
        defines: options.defines,
        target,
        rustOut: BINDINGS_FILES.rust,
        wrappersOut: BINDINGS_FILES.wrappers,
      });
      try {
        await runTool(bindgenPath(options), args, { cwd: scratch, verbose: isVerbose(options) });
      } catch (e) {
        const hint = e instanceof LocalLtoError && / was not found\n/.test(e.message)
          ? '\nbindgen-cli is not installed: run `bash scripts/setup.sh` (or `cargo install bindgen-cli --locked --version 0.73.2`), or set option \'bindgen\' / $LOCAL_LTO_BINDGEN'
          : '';
        throw new LocalLtoError(`bindgen failed on ${options.headers.join(', ')} (working directory ${scratch}, where ${BINDINGS_FILES.umbrella} includes them)\n${(e as Error).message}${hint}`);
      }
      copyFileSync(join(scratch, BINDINGS_FILES.rust), rustTmp);
      copyFileSync(join(scratch, BINDINGS_FILES.umbrella), umbrellaTmp);
      // No static inline function in the allow-lists: bindgen writes no wrapper file.
      const wrappers = join(scratch, BINDINGS_FILES.wrappers);
      if (existsSync(wrappers)) copyFileSync(wrappers, wrappersTmp);
      else writeFileSync(wrappersTmp, '/* bindgen wrapped no static inline function. */\n');
      writeFileSync(unitTmp, wrapperUnitText());
    } finally {
      rmSync(scratch, { recursive: true, force: true });
    }
  });
}

/** nx-local-lto:bindgen: C headers to Rust declarations plus always-inline C wrappers of their static inline functions. */
export default function bindgenExecutor(options: BindgenExecutorOptions, context: ExecutorContext) {
  return runExecutor('bindgen', schema, options, context, generate);
}
