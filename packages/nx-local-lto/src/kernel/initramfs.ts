import { execa } from 'execa';
import { chmodSync, copyFileSync, existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import { LocalLtoError } from '../errors';
import { formatCommandLine, shellQuote } from '../process/command-line';
import { taskOutput } from '../process/task-output';

/** busybox-static's binary: one static program that is the whole user space of the VM. */
export const BUSYBOX = '/bin/busybox';

/** The prefix of every line the init script prints for the report parser (src/kernel/vm.ts). */
export const MARKER = '@@LOCAL-LTO';

/** The guest's serial port that carries the init script's report (ttyS0 is the kernel's console). */
export const REPORT_TTY = '/dev/ttyS1';

/** One action of the VM's init: load a module file (with parameters) or unload a module by name. */
export type InitStep =
  | { kind: 'insmod'; file: string; params: readonly string[] }
  | { kind: 'rmmod'; module: string };

/** Where step `index`'s module file sits inside the VM (one folder per step: two files may share a name). */
export function modulePathInVm(index: number, file: string): string {
  return `/modules/${index}/${basename(file)}`;
}

/**
 * The VM's /init (busybox sh), which reports on REPORT_TTY: for each step, its command's own
 * output, then markers with its exit status, the kernel log lines it caused (`dmesg -c`, the
 * ring buffer emptied before each step) and the taint mask; then power off. The kernel's
 * console shows only emergency messages and oopses (`dmesg -n 1`).
 */
export function initScript(steps: readonly InitStep[]): string {
  const lines = [
    '#!/bin/busybox sh',
    '/bin/busybox --install -s /bin',
    'export PATH=/bin',
    'mount -t proc proc /proc',
    'mount -t sysfs sysfs /sys',
    'mount -t devtmpfs devtmpfs /dev',
    // The report goes to a port the kernel never writes to (see qemuArgs in vm.ts).
    `exec >${REPORT_TTY} 2>&1`,
    'dmesg -n 1',
    'dmesg -c >/dev/null',
    `echo "${MARKER} boot $(uname -r)"`,
  ];
  steps.forEach((step, i) => {
    const command = step.kind === 'insmod'
      ? ['insmod', modulePathInVm(i, step.file), ...step.params]
      : ['rmmod', step.module];
    lines.push(
      `echo "${MARKER} begin ${i}"`,
      `${command.map(shellQuote).join(' ')} 2>&1`,
      `echo "${MARKER} status ${i} $?"`,
      'dmesg -c',
      `echo "${MARKER} tainted ${i} $(cat /proc/sys/kernel/tainted)"`,
    );
  });
  lines.push(`echo "${MARKER} done"`, 'poweroff -f', '');
  return lines.join('\n');
}

/**
 * Writes a newc initramfs to `out`: busybox, the steps' module files and the generated /init.
 * The archive is made by GNU cpio from a file list on its stdin (argument array, no shell).
 */
export async function buildInitramfs(steps: readonly InitStep[], out: string, verbose: boolean): Promise<void> {
  if (!existsSync(BUSYBOX)) throw new LocalLtoError(`${BUSYBOX} is missing: run scripts/setup.sh (it installs busybox-static)`);
  const root = mkdtempSync(join(tmpdir(), 'local-lto-initramfs-'));
  try {
    const entries = ['bin', 'proc', 'sys', 'dev', 'modules'];
    entries.forEach((d) => mkdirSync(join(root, d)));
    copyFileSync(BUSYBOX, join(root, 'bin/busybox'));
    chmodSync(join(root, 'bin/busybox'), 0o755);
    entries.push('bin/busybox');
    steps.forEach((step, i) => {
      if (step.kind !== 'insmod') return;
      const inVm = modulePathInVm(i, step.file).slice(1);
      mkdirSync(join(root, 'modules', String(i)));
      copyFileSync(step.file, join(root, inVm));
      entries.push(`modules/${i}`, inVm);
    });
    writeFileSync(join(root, 'init'), initScript(steps), { mode: 0o755 });
    entries.push('init');
    const args = ['--create', '--format=newc', '--quiet', `--file=${out}`];
    if (verbose) taskOutput.log(`$ (cd ${shellQuote(root)} && printf '%s\\n' ${entries.map(shellQuote).join(' ')} | ${formatCommandLine('cpio', args)})`);
    const result = await execa('cpio', args, { cwd: root, input: `${entries.join('\n')}\n`, reject: false });
    if (result.failed) {
      const why = result.code === 'ENOENT' ? 'cpio was not found: run scripts/setup.sh (it installs cpio)' : `cpio failed: ${String(result.stderr).trim()}`;
      throw new LocalLtoError(why);
    }
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
}
