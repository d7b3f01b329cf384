import { ExecutorContext } from '@nx/devkit';
import { LocalLtoError } from '../errors';
import { validateOptions } from '../options/validate-options';
import { taskOutput } from '../process/task-output';

/** Options every executor of this plugin accepts. */
export interface CommonExecutorOptions {
  verbose?: boolean;
}

/** True when the user asked for command lines (`verbose` option or `nx ... --verbose`). */
export function isVerbose(options: CommonExecutorOptions): boolean {
  return options.verbose === true || process.env.NX_VERBOSE_LOGGING === 'true';
}

/**
 * The frame of every executor: validate the options against `schema` (ajv, defaults
 * applied), run `body`, and turn any failure into `{ success: false }` with a message
 * (never a stack trace unless --verbose).
 */
export async function runExecutor<O extends CommonExecutorOptions>(
  name: string,
  schema: object,
  rawOptions: O,
  context: ExecutorContext,
  body: (options: O, context: ExecutorContext) => Promise<void>,
): Promise<{ success: boolean }> {
  try {
    const options = validateOptions<O>(schema, rawOptions);
    await body(options, context);
    return { success: true };
  } catch (e) {
    const message = e instanceof Error ? e.message : String(e);
    taskOutput.error(`${context.projectName}:${context.targetName} (nx-local-lto:${name}): ${message}`);
    if (!(e instanceof LocalLtoError) && e instanceof Error && isVerbose(rawOptions)) taskOutput.error(e.stack ?? '');
    return { success: false };
  }
}
