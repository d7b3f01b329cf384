import { ExecutorContext } from '@nx/devkit';
import { basename, isAbsolute, join } from 'node:path';
import { LocalLtoError } from '../../errors';
import { taskOutput } from '../../process/task-output';
import { checkExpected, checkKernelHealthy, checkLoadedAndUnloaded, checkRefused, checkSameLines, printedLines, unprefixedLines } from '../../kernel/checks';
import { InitStep } from '../../kernel/initramfs';
import { findKernelImage } from '../../kernel/kernel-image';
import { moduleName } from '../../kernel/module-info';
import { bootSteps, StepResult } from '../../kernel/vm';
import { assertInputsExist } from '../inputs';
import { isVerbose, runExecutor } from '../run-executor';
import { VmTestExecutorOptions } from './schema';
import schema from './schema.json';

interface Module { file: string; path: string; params: string[]; name: string }
/** Where a module's insmod and rmmod steps sit in the init script. */
interface Loaded { module: Module; insmod: number; rmmod: number }

/** Load `modules` in order, then unload them in reverse; returns where each one's steps are. */
function round(modules: readonly Module[], steps: InitStep[]): Loaded[] {
  const loaded = modules.map((module) => {
    steps.push({ kind: 'insmod', file: module.path, params: module.params });
    return { module, insmod: steps.length - 1, rmmod: -1 };
  });
  [...loaded].reverse().forEach((l) => {
    steps.push({ kind: 'rmmod', module: l.module.name });
    l.rmmod = steps.length - 1;
  });
  return loaded;
}

async function test(options: VmTestExecutorOptions, context: ExecutorContext): Promise<void> {
  const root = context.root;
  const verbose = isVerbose(options);
  if (options.expectLoadFailure && options.compareWith) {
    throw new LocalLtoError(`options 'expectLoadFailure' and 'compareWith' exclude each other: a refused module prints no values to compare`);
  }
  const specs = options.modules.map((m) => (typeof m === 'string' ? { path: m, params: [] } : { path: m.path, params: m.params ?? [] }));
  assertInputsExist(root, [
    ...specs.map((m, i): [string, string] => [`modules[${i}]`, m.path]),
    ...(options.compareWith ? [['compareWith', options.compareWith] as [string, string]] : []),
  ]);
  const absolute = (p: string) => (isAbsolute(p) ? p : join(root, p));
  const image = findKernelImage({ kernelDir: options.kernelDir, kernelImage: options.kernelImage && absolute(options.kernelImage) }, root);
  const describe = async (file: string, params: string[]): Promise<Module> =>
    ({ file, path: absolute(file), params, name: await moduleName(absolute(file), root, verbose) });
  const modules = await Promise.all(specs.map((m) => describe(m.path, m.params)));
  modules.forEach((m, i) => {
    const j = modules.findIndex((o) => o.name === m.name);
    if (j < i) throw new LocalLtoError(`options 'modules[${j}]' and 'modules[${i}]' are both module '${m.name}': the kernel loads a module name once`);
  });
  const underTest = modules[modules.length - 1];
  const other = options.compareWith ? await describe(options.compareWith, underTest.params) : undefined;

  const steps: InitStep[] = [];
  const first = round(modules, steps);
  const second = other ? round([...modules.slice(0, -1), other], steps) : [];
  taskOutput.log(`  VM-TEST  ${modules.map((m) => basename(m.file)).join(' + ')}${other ? `, then ${basename(other.file)}` : ''} on ${image.path}${image.release ? ` (${image.release})` : ''}`);
  const started = Date.now();
  const run = await bootSteps(steps, { image: image.path, timeoutMs: options.timeoutMs, verbose });
  const seconds = ((Date.now() - started) / 1000).toFixed(1);
  const result = (i: number): StepResult => run.steps[i];

  const problems: Array<string | undefined> = [checkKernelHealthy(run)];
  for (const l of [...first.slice(0, -1), ...second.slice(0, -1)]) {
    problems.push(checkLoadedAndUnloaded(result(l.insmod), result(l.rmmod), l.module.file));
  }
  const printed = (l: Loaded) => printedLines(result(l.insmod), l.module.name);
  const show = (l: Loaded) => {
    const file = basename(l.module.file);
    printed(l).forEach((line) => taskOutput.log(`  ${file} | ${line}`));
    if (verbose) unprefixedLines(result(l.insmod), l.module.name).forEach((line) => taskOutput.log(`  ${file} (kernel) | ${line}`));
  };
  const main = first[first.length - 1];
  show(main);
  if (options.expectLoadFailure) {
    problems.push(checkRefused(result(main.insmod), options.expectLoadFailure, main.module.file));
  } else {
    problems.push(checkLoadedAndUnloaded(result(main.insmod), result(main.rmmod), main.module.file));
    problems.push(checkExpected(printed(main), options.expect, main.module.file, unprefixedLines(result(main.insmod), main.module.name)));
  }
  const twin = second[second.length - 1];
  if (twin) {
    show(twin);
    problems.push(checkLoadedAndUnloaded(result(twin.insmod), result(twin.rmmod), twin.module.file));
    problems.push(checkExpected(printed(twin), options.expect, twin.module.file, unprefixedLines(result(twin.insmod), twin.module.name)));
    problems.push(checkSameLines(printed(main), printed(twin), main.module.file, twin.module.file));
  }
  const failed = problems.filter((p): p is string => p !== undefined);
  if (failed.length) throw new LocalLtoError(failed.join('; '));

  const verdict = options.expectLoadFailure
    ? `refused as expected ('${options.expectLoadFailure}')`
    : `loaded, printed ${printed(main).length} line(s) (${options.expect.length} expected, all found), unloaded${twin ? `; ${basename(twin.module.file)} printed the same` : ''}`;
  taskOutput.log(`  VM-TEST  passed: ${basename(main.module.file)} ${verdict}; kernel ${run.release}, ${seconds} s`);
}

/** nx-local-lto:vm-test: load kernel modules in a QEMU VM and check what they print. */
export default function vmTestExecutor(options: VmTestExecutorOptions, context: ExecutorContext) {
  return runExecutor('vm-test', schema, options, context, test);
}
