/**
 * The VM runner and the vm-test executor on the real tools: modules built by kbuild against
 * Debian's installed headers (gcc-12, the tree's own compiler), booted in QEMU with the kernel
 * image of the same ABI that scripts/setup.sh caches.
 */
import type { ExecutorContext } from '@nx/devkit';
import { execa } from 'execa';
import { copyFileSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import vmTestExecutor from '../executors/vm-test/executor';
import { VmTestExecutorOptions } from '../executors/vm-test/schema';
import { captureTaskOutput } from '../process/task-output';
import { checkKernelHealthy, printedLines } from './checks';
import { InitStep } from './initramfs';
import { findKernelImage } from './kernel-image';
import { resolveKernelTree } from './tree';

const kernelRelease = (tree: string) => resolveKernelTree(tree, '/').release;
import { bootSteps, unexpectedTaint } from './vm';

/** A module printing values computed from its parameter; OFFSET changes one of them. */
const HELLO = `#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt
#include <linux/init.h>
#include <linux/module.h>
#ifndef OFFSET
#define OFFSET 0
#endif
static int value = 7;
module_param(value, int, 0444);
static int __init hello_init(void)
{
	int i, sum = 0;
	for (i = 1; i <= value; i++) sum += i;
	pr_info("value=%d square=%d\\n", value, value * value + OFFSET);
	pr_info("sum=%d\\n", sum);
	return 0;
}
static void __exit hello_exit(void) { pr_info("bye\\n"); }
module_init(hello_init);
module_exit(hello_exit);
MODULE_LICENSE("GPL");
`;

/** A module whose init refuses to load. */
const EINVAL = `#include <linux/init.h>
#include <linux/module.h>
static int __init einval_init(void) { pr_err("einval: refusing\\n"); return -EINVAL; }
module_init(einval_init);
MODULE_LICENSE("GPL");
`;

/** A module whose init dereferences NULL: an oops in insmod's process. */
const OOPS = `#include <linux/init.h>
#include <linux/module.h>
static int *volatile nowhere;
static int __init oops_init(void) { return *nowhere; }
module_init(oops_init);
MODULE_LICENSE("GPL");
`;

/** Sets the type of the first relocation of `section` to `type` (ELF64 little-endian). */
function patchRelocationType(file: string, section: string, type: number): void {
  const elf = readFileSync(file);
  const shoff = Number(elf.readBigUInt64LE(0x28));
  const shentsize = elf.readUInt16LE(0x3a);
  const shnum = elf.readUInt16LE(0x3c);
  const header = (i: number) => shoff + i * shentsize;
  const strtab = Number(elf.readBigUInt64LE(header(elf.readUInt16LE(0x3e)) + 24));
  for (let i = 0; i < shnum; i++) {
    const nameOffset = strtab + elf.readUInt32LE(header(i));
    const name = elf.subarray(nameOffset, elf.indexOf(0, nameOffset)).toString();
    if (name !== section) continue;
    elf.writeUInt32LE(type, Number(elf.readBigUInt64LE(header(i) + 24)) + 8);
    writeFileSync(file, elf);
    return;
  }
  throw new Error(`${file} has no section ${section}`);
}

/** The tree of Debian's linux-headers-amd64 (its ABI changes with Debian's updates). */
async function debianTree(): Promise<string> {
  const { stdout } = await execa('dpkg-query', ['-W', '-f=${Depends}', 'linux-headers-amd64']);
  const headers = /linux-headers-\S+-amd64/.exec(stdout)?.[0];
  if (!headers) throw new Error(`linux-headers-amd64 depends on no headers package ('${stdout}'): run scripts/setup.sh`);
  return `/usr/src/${headers}`;
}

let dir: string;
let tree: string;
let image: string;

beforeAll(async () => {
  tree = await debianTree();
  await execa('gcc-12', ['--version']);
  image = findKernelImage({ kernelDir: tree }, '/').path;
  dir = mkdtempSync(join(tmpdir(), 'local-lto-vm-spec-'));
  for (const name of ['hello', 'hello_twin', 'hello_off']) writeFileSync(join(dir, `${name}.c`), HELLO);
  writeFileSync(join(dir, 'einval.c'), EINVAL);
  writeFileSync(join(dir, 'oops.c'), OOPS);
  writeFileSync(join(dir, 'Kbuild'), 'obj-m := hello.o hello_twin.o hello_off.o einval.o oops.o\nCFLAGS_hello_off.o := -DOFFSET=1\n');
  await execa('make', ['-s', '-C', tree, `M=${dir}`, 'modules']);
  // The loader's switch on relocation types has no case for R_X86_64_REX_GOTPCRELX (42).
  copyFileSync(join(dir, 'hello.ko'), join(dir, 'badrel.ko'));
  patchRelocationType(join(dir, 'badrel.ko'), '.rela.init.text', 42);
}, 120000);

afterAll(() => rmSync(dir, { recursive: true, force: true }));

const context = (): ExecutorContext => ({
  root: dir,
  cwd: dir,
  isVerbose: false,
  projectName: 'mod',
  targetName: 'test',
  projectsConfigurations: { version: 2, projects: { mod: { root: '.' } } },
  nxJsonConfiguration: {},
  projectGraph: { nodes: {}, dependencies: {} },
}) as unknown as ExecutorContext;

async function vmTest(options: Partial<VmTestExecutorOptions>) {
  const { value, output } = await captureTaskOutput(() => vmTestExecutor({ kernelDir: tree, ...options } as VmTestExecutorOptions, context()));
  return { success: value.success, output };
}

describe('kernel image', () => {
  it('is fetched once: scripts/setup-kernel.sh says nothing when the image is cached', async () => {
    const { stdout, stderr } = await execa('bash', [join(__dirname, '../../../../scripts/setup-kernel.sh')]);
    expect(stdout + stderr).toBe('');
  });

  it('is found from the tree release, and its absence names the release, the package and setup.sh', () => {
    const release = kernelRelease(tree);
    expect(release).toMatch(/^\d+\.\d+\.\d+-\d+-amd64$/);
    expect(() => findKernelImage({ kernelDir: tree }, '/', { LOCAL_LTO_KERNEL_CACHE: dir })).toThrow(
      `no kernel image for release ${release} in ${dir}/${release}: run scripts/setup.sh (it downloads linux-image-${release}-unsigned), or set LOCAL_LTO_KERNEL_IMAGE`,
    );
  });
});

describe('VM runner', () => {
  it('loads, refuses and unloads modules in one boot, reporting each step and an oops', async () => {
    const steps: InitStep[] = [
      { kind: 'insmod', file: join(dir, 'hello.ko'), params: ['value=9'] },
      { kind: 'rmmod', module: 'hello' },
      { kind: 'insmod', file: join(dir, 'einval.ko'), params: [] },
      { kind: 'insmod', file: join(dir, 'badrel.ko'), params: [] },
      { kind: 'rmmod', module: 'hello' },
      { kind: 'insmod', file: join(dir, 'oops.ko'), params: [] },
    ];
    const run = await bootSteps(steps, { image, timeoutMs: 120000, verbose: false });
    expect(run.release).toBe(kernelRelease(tree));
    const [hello, unload, einval, badrel, unloadBad, oops] = run.steps;
    expect(hello.status).toBe(0);
    expect(printedLines(hello, 'hello')).toEqual(['value=9 square=81', 'sum=45']);
    expect(unload.status).toBe(0);
    expect(unload.log).toEqual(['hello: bye']);
    // Negative controls: init returning -EINVAL, and a relocation the loader cannot apply.
    expect(einval.status).not.toBe(0);
    expect(einval.log).toContain('einval: refusing');
    expect(badrel.status).not.toBe(0);
    expect(badrel.log).toContain('module: hello: Unknown rela relocation: 42');
    expect(badrel.output.join('\n')).toMatch(/invalid module format/);
    expect(unloadBad.status).not.toBe(0);
    // Only O and E until the oops; then D (died), and the oops is named.
    expect(run.steps.slice(0, -1).map((s) => unexpectedTaint(s.tainted ?? -1))).toEqual(['', '', '', '', '']);
    expect(oops.status).not.toBe(0);
    expect(unexpectedTaint(oops.tainted ?? 0)).toContain('D');
    expect(checkKernelHealthy(run)).toMatch(/^the kernel reported 'BUG: kernel NULL pointer dereference, address: 0+'/);
  }, 120000);

  it('kills a VM that does not power off in time, with a clear message', async () => {
    const steps: InitStep[] = [{ kind: 'insmod', file: join(dir, 'hello.ko'), params: [] }];
    await expect(bootSteps(steps, { image, timeoutMs: 1000, verbose: false })).rejects.toThrow(
      /^the VM did not power off within 1000 ms \(option 'timeoutMs'\), before its init ran; last console line: /,
    );
  }, 30000);
});

describe('vm-test executor', () => {
  it('checks the printed values, and that a second build prints the same ones', async () => {
    const { success, output } = await vmTest({
      modules: [{ path: 'hello.ko', params: ['value=9'] }],
      expect: ['value=9 square=81', '/^sum=\\d+$/'],
      compareWith: 'hello_twin.ko',
    });
    expect(output).toContain('  hello.ko | value=9 square=81\n');
    expect(output).toContain('  hello_twin.ko | sum=45\n');
    expect(output).toMatch(/VM-TEST {2}passed: hello\.ko loaded, printed 2 line\(s\) \(2 expected, all found\), unloaded; hello_twin\.ko printed the same; kernel \S+-amd64/);
    expect(success).toBe(true);
  }, 120000);

  it('fails naming the first differing line when the second build prints another value', async () => {
    const { success, output } = await vmTest({
      modules: [{ path: 'hello.ko', params: ['value=9'] }],
      expect: ['value=9'],
      compareWith: 'hello_off.ko',
    });
    expect(success).toBe(false);
    expect(output).toContain(`hello.ko and hello_off.ko (option 'compareWith') differ at printed line 1: 'value=9 square=81' vs 'value=9 square=82'`);
  }, 120000);

  it('passes a negative control only when the kernel refuses the module with the expected message', async () => {
    const refused = await vmTest({ modules: ['badrel.ko'], expectLoadFailure: 'Unknown rela relocation' });
    expect(refused.output).toMatch(/passed: badrel\.ko refused as expected \('Unknown rela relocation'\)/);
    expect(refused.success).toBe(true);
    const loaded = await vmTest({ modules: ['einval.ko'], expect: ['refusing'] });
    expect(loaded.success).toBe(false);
    expect(loaded.output).toMatch(/einval\.ko was refused by the kernel \(insmod exit \d+\): .*'einval: refusing'/);
  }, 120000);
});
