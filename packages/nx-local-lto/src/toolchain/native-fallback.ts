/**
 * The native fallback's names, apart from the tool discovery in build-mode.ts so the
 * plugin's inference (which only names them) does not load execa and the discovery code
 * into every project graph run.
 */

/** Environment variable that sets `fallback` when the option is not given. */
export const FALLBACK_ENV = 'LOCAL_LTO_FALLBACK';

/** Where the native fallback writes the object that stands in for bitcode `x.bc`: `x.o`. */
export function nativeObjectPath(bitcodePath: string): string {
  return bitcodePath.replace(/\.bc$/, '') + '.o';
}
