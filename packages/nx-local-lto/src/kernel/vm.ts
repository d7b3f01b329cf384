import { execa } from 'execa';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { LocalLtoError } from '../errors';
import { formatCommandLine } from '../process/command-line';
import { taskOutput } from '../process/task-output';
import { buildInitramfs, InitStep, MARKER } from './initramfs';

export const QEMU = 'qemu-system-x86_64';

/**
 * QEMU's command line: TCG (KVM fails on nested PVM hosts), one CPU, no display and no network
 * (no option ROMs to run), power-off ends QEMU, a panic reboots at once (`panic=-1`), which
 * `-no-reboot` turns into an exit. Two serial ports: ttyS0, the kernel's console, on stdout;
 * ttyS1, the init script's report, into `reportFile`. The kernel writes an oops to its console
 * at any moment, even in the middle of a line a program is writing there, so the report gets a
 * port of its own.
 */
export function qemuArgs(image: string, initramfs: string, reportFile: string): string[] {
  return [
    '-accel', 'tcg', '-cpu', 'max', '-m', '512', '-smp', '1',
    '-display', 'none', '-vga', 'none', '-monitor', 'none', '-no-reboot', '-nic', 'none',
    '-serial', 'stdio', '-serial', `file:${reportFile}`,
    '-kernel', image, '-initrd', initramfs,
    '-append', 'console=ttyS0 quiet panic=-1',
  ];
}

export interface StepResult {
  step: InitStep;
  /** False when the VM stopped (panic, timeout) before the step began. */
  reached: boolean;
  /** Exit status of insmod/rmmod; undefined when the step did not finish. */
  status?: number;
  /** What insmod/rmmod itself printed (`insmod: can't insert 'x.ko': invalid module format`). */
  output: string[];
  /** Kernel log lines written during the step, without their timestamps. */
  log: string[];
  /** /proc/sys/kernel/tainted after the step. */
  tainted?: number;
}

export interface VmRun {
  /** `uname -r` of the booted kernel. */
  release?: string;
  steps: StepResult[];
  /** The init script reached its end (every step ran). */
  completed: boolean;
  /** Kernel lines that tell of a crash or warning (oops, BUG, panic, WARNING), in order. */
  crashes: string[];
  /** The kernel console's last line, for messages about a VM that stopped early. */
  lastConsoleLine?: string;
}

const CRASH = /Kernel panic|Oops:|BUG:|kernel BUG at|general protection fault|WARNING: CPU: \d+ PID:|Call Trace:/;
const TIMESTAMP = /^\[\s*\d+\.\d+\]\s?/;

const lines = (text: string) => text.split('\n').map((l) => l.replace(/\r/g, ''));

/**
 * Turns what a boot with `initScript(steps)` wrote (`report`: the init script's port; `console`:
 * the kernel's) into one result per step (pure).
 */
export function parseRun(report: string, console: string, steps: readonly InitStep[]): VmRun {
  const run: VmRun = {
    steps: steps.map((step) => ({ step, reached: false, output: [], log: [] })),
    completed: false,
    crashes: [],
    lastConsoleLine: lines(console).filter((l) => l.trim()).at(-1),
  };
  const crash = (text: string) => {
    if (CRASH.test(text) && !run.crashes.includes(text.trim())) run.crashes.push(text.trim());
  };
  lines(console).forEach((l) => crash(l.replace(TIMESTAMP, '')));
  let current: StepResult | undefined;
  let phase: 'output' | 'log' = 'output';
  for (const line of lines(report)) {
    if (line.startsWith(`${MARKER} `)) {
      const [word, index, value] = line.slice(MARKER.length + 1).trim().split(/\s+/);
      const result = run.steps[Number(index)];
      if (word === 'boot') run.release = index;
      else if (word === 'done') { run.completed = true; current = undefined; }
      else if (word === 'begin' && result) { current = result; result.reached = true; phase = 'output'; }
      else if (word === 'status' && result) { result.status = Number(value); phase = 'log'; }
      else if (word === 'tainted' && result) { result.tainted = Number(value); current = undefined; }
      continue;
    }
    if (!current || !line.trim()) continue;
    const text = line.replace(TIMESTAMP, '');
    if (phase === 'log') crash(text);
    (phase === 'output' ? current.output : current.log).push(text);
  }
  return run;
}

/** Taint flags by bit (kernel/panic.c): the letters `/proc/sys/kernel/tainted` stands for. */
const TAINT_LETTERS = 'PFSRMBUDAWCIOELKXT';
/** Out-of-tree (O) and unsigned (E): what loading any module of ours sets. */
const EXPECTED_TAINT = (1 << 12) | (1 << 13);

/** The taint flags set beyond O and E, as letters (`D`: died, `W`: warning), empty when none. */
export function unexpectedTaint(tainted: number): string {
  let letters = '';
  for (let bit = 0; bit < 32; bit++) {
    if ((tainted & (1 << bit)) && !(EXPECTED_TAINT & (1 << bit))) letters += TAINT_LETTERS[bit] ?? `(bit ${bit})`;
  }
  return letters;
}

export interface BootOptions {
  image: string;
  timeoutMs: number;
  verbose: boolean;
}

/** What the VM was doing when it stopped, for error lines. */
function whereStopped(run: VmRun): string {
  const last = [...run.steps].reverse().find((s) => s.reached);
  if (!last) return run.release ? 'before the first step' : 'before its init ran';
  const what = last.step.kind === 'insmod' ? `insmod ${last.step.file}` : `rmmod ${last.step.module}`;
  return `during '${what}'`;
}

/**
 * Boots `image` with an initramfs that runs `steps`, bounded by `timeoutMs`, and returns the
 * parsed console. Throws one line when QEMU is missing, fails, or the VM does not power off
 * in time (naming the step it was in and its last console line).
 */
export async function bootSteps(steps: readonly InitStep[], options: BootOptions): Promise<VmRun> {
  const scratch = mkdtempSync(join(tmpdir(), 'local-lto-vm-'));
  try {
    const initramfs = join(scratch, 'initramfs.cpio');
    const reportFile = join(scratch, 'report.txt');
    await buildInitramfs(steps, initramfs, options.verbose);
    const args = qemuArgs(options.image, initramfs, reportFile);
    if (options.verbose) taskOutput.log(`$ ${formatCommandLine(QEMU, args)}`);
    const result = await execa(QEMU, args, {
      reject: false, stdin: 'ignore', all: true, timeout: options.timeoutMs, forceKillAfterDelay: 2000,
    });
    if (result.code === 'ENOENT') throw new LocalLtoError(`${QEMU} was not found: run scripts/setup.sh (it installs qemu-system-x86)`);
    const report = existsSync(reportFile) ? readFileSync(reportFile, 'utf8') : '';
    const run = parseRun(report, String(result.all ?? ''), steps);
    const last = `last console line: '${run.lastConsoleLine ?? '(none)'}'`;
    if (result.timedOut) {
      throw new LocalLtoError(`the VM did not power off within ${options.timeoutMs} ms (option 'timeoutMs'), ${whereStopped(run)}; ${last}`);
    }
    if (result.failed) throw new LocalLtoError(`${QEMU} exited with code ${result.exitCode}; ${last}\n  command: ${formatCommandLine(QEMU, args)}`);
    if (!run.completed) {
      const crash = run.crashes.length ? `'${run.crashes[0]}', then ` : '';
      throw new LocalLtoError(`the VM stopped ${whereStopped(run)}: ${crash}${last}`);
    }
    return run;
  } finally {
    rmSync(scratch, { recursive: true, force: true });
  }
}
