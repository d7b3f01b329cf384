/**
 * An error the user can act on: its message names the option, file or tool at fault and
 * the fix. Executors print the message alone (no stack trace) and report failure.
 */
export class LocalLtoError extends Error {
  override name = 'LocalLtoError';
}
