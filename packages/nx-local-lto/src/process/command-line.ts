const SAFE = /^[\w@%+=:,./-]+$/;

/** Quotes one argument for display so the printed line can be pasted into a POSIX shell. */
export function shellQuote(arg: string): string {
  if (arg !== '' && SAFE.test(arg)) return arg;
  return `'${arg.replace(/'/g, `'\\''`)}'`;
}

/** The command line `file args...` as a user would type it (display only: nothing runs it). */
export function formatCommandLine(file: string, args: readonly string[]): string {
  return [file, ...args].map(shellQuote).join(' ');
}
