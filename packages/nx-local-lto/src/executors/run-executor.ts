import { ExecutorContext } from '@nx/devkit';
import { LocalLtoError } from '../errors';
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
  // Loaded here, not at the top: a step run with options validated at inference (bin/run-step.js) skips ajv's load.
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const { validateOptions } = require('../options/validate-options') as typeof import('../options/validate-options');
  return runValidated(name, () => validateOptions<O>(schema, rawOptions), rawOptions, context, body);
}

/**
 * The frame without schema validation, for options validated (defaults applied) already: what
 * bin/run-step.js runs for an inferred command target, whose options the plugin validated
 * against the same schema when it inferred the target.
 */
export async function runValidated<O extends CommonExecutorOptions>(
  name: string,
  options: () => O,
  rawOptions: O,
  context: ExecutorContext,
  body: (options: O, context: ExecutorContext) => Promise<void>,
): Promise<{ success: boolean }> {
  try {
    await body(options(), context);
    return { success: true };
  } catch (e) {
    const message = e instanceof Error ? e.message : String(e);
    taskOutput.error(`${context.projectName}:${context.targetName} (nx-local-lto:${name}): ${message}`);
    if (!(e instanceof LocalLtoError) && e instanceof Error && isVerbose(rawOptions)) taskOutput.error(e.stack ?? '');
    return { success: false };
  }
}
