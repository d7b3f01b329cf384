import { StepResult, unexpectedTaint, VmRun } from './vm';

/**
 * The judges of a VM run, each a pure function that returns one line saying what is wrong,
 * or undefined when the check passes.
 */

/** Lines the module loader writes about any unsigned out-of-tree module, not the module's own. */
const LOADER_NOTES = [
  /: loading out-of-tree module taints kernel\.$/,
  /: module verification failed: signature and\/or required key missing - tainting kernel$/,
  /: module license '.*' taints kernel\.$/,
  /^Disabling lock debugging due to kernel taint$/,
];

/** A step's kernel log lines that are not the loader's notes about taint. */
function ownLog(result: StepResult): string[] {
  return result.log.filter((l) => !LOADER_NOTES.some((n) => n.test(l)));
}

/**
 * What the module printed during a step: its kernel log lines that carry its `name: ` prefix
 * (pr_fmt(KBUILD_MODNAME ": "), as the kernel's pr_* convention and Rust's pr_info! write them),
 * the prefix removed. Lines without it are the rest of the kernel's, which may land in the same
 * window (a clocksource switch, a late driver) and must not decide a comparison.
 */
export function printedLines(result: StepResult, name: string): string[] {
  const prefix = `${name}: `;
  return ownLog(result).filter((l) => l.startsWith(prefix)).map((l) => l.slice(prefix.length));
}

/** The step's kernel lines without the module's prefix (not counted as the module's). */
export function unprefixedLines(result: StepResult, name: string): string[] {
  return ownLog(result).filter((l) => !l.startsWith(`${name}: `));
}

/** `/regex/flags` is a regular expression; anything else must appear as it is. */
export function matches(pattern: string, line: string): boolean {
  const re = /^\/(.*)\/([a-z]*)$/s.exec(pattern);
  return re ? new RegExp(re[1], re[2]).test(line) : line.includes(pattern);
}

function quoted(lines: readonly string[]): string {
  return lines.length ? lines.map((l) => `'${l}'`).join(', ') : 'nothing';
}

/** The module loaded (insmod exit 0) and was unloaded (rmmod exit 0). */
export function checkLoadedAndUnloaded(insmod: StepResult, rmmod: StepResult, file: string): string | undefined {
  if (insmod.status !== 0) {
    const why = [...insmod.output, ...ownLog(insmod)];
    return `${file} was refused by the kernel (insmod exit ${insmod.status}): ${quoted(why)}`;
  }
  if (rmmod.status !== 0) return `${file} loaded but did not unload (rmmod exit ${rmmod.status}): ${quoted([...rmmod.output, ...rmmod.log])}`;
  return undefined;
}

/** Every pattern of `expect` appears in a line the module printed (`others`: the step's unprefixed kernel lines, named when nothing matched). */
export function checkExpected(printed: readonly string[], expect: readonly string[], file: string, others: readonly string[] = []): string | undefined {
  const missing = expect.filter((p) => !printed.some((l) => matches(p, l)));
  if (!missing.length) return undefined;
  const unprefixed = others.length ? `; lines without the module's name prefix do not count: ${quoted(others)}` : '';
  return `${file} did not print ${quoted(missing)} (option 'expect'); it printed ${quoted(printed)}${unprefixed}`;
}

/** The module was refused and the kernel (or insmod) said `message`. */
export function checkRefused(insmod: StepResult, message: string, file: string): string | undefined {
  const said = [...insmod.output, ...insmod.log];
  if (insmod.status === 0) return `${file} loaded, but option 'expectLoadFailure' says the kernel must refuse it ('${message}')`;
  if (!said.some((l) => matches(message, l))) {
    return `${file} was refused, but without '${message}' (option 'expectLoadFailure'); the kernel said ${quoted(said)}`;
  }
  return undefined;
}

/** Two builds of one module printed the same lines, in the same order. */
export function checkSameLines(a: readonly string[], b: readonly string[], fileA: string, fileB: string): string | undefined {
  const n = Math.max(a.length, b.length);
  for (let i = 0; i < n; i++) {
    if (a[i] !== b[i]) {
      const show = (l: string | undefined) => (l === undefined ? '(no line)' : `'${l}'`);
      return `${fileA} and ${fileB} (option 'compareWith') differ at printed line ${i + 1}: ${show(a[i])} vs ${show(b[i])}`;
    }
  }
  return undefined;
}

/** No oops, BUG, WARNING or panic, and no taint beyond out-of-tree (O) and unsigned (E). */
export function checkKernelHealthy(run: VmRun): string | undefined {
  if (run.crashes.length) return `the kernel reported '${run.crashes[0]}'${run.crashes.length > 1 ? ` (+${run.crashes.length - 1} more lines)` : ''}`;
  for (const s of run.steps) {
    const letters = s.tainted === undefined ? '' : unexpectedTaint(s.tainted);
    if (letters) {
      const what = s.step.kind === 'insmod' ? `insmod ${s.step.file}` : `rmmod ${s.step.module}`;
      return `the kernel was tainted '${letters}' after '${what}' (only O and E, out-of-tree and unsigned, are expected)`;
    }
  }
  return undefined;
}
