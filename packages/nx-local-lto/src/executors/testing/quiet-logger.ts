import { logger } from '@nx/devkit';

/**
 * Silences what executors print through Nx's logger and console during a spec, keeping the
 * error lines in `errors` (the one-line messages the specs assert on). Undone by
 * `jest.restoreAllMocks()`.
 */
export function captureExecutorErrors(errors: string[]): void {
  jest.spyOn(logger, 'error').mockImplementation((...a: unknown[]) => void errors.push(a.join(' ')));
  jest.spyOn(logger, 'warn').mockImplementation(() => undefined);
  jest.spyOn(logger, 'info').mockImplementation(() => undefined);
  jest.spyOn(console, 'log').mockImplementation(() => undefined);
}
