import { ExecutorContext } from '@nx/devkit';
import { LocalLtoError } from '../../errors';
import { taskOutput } from '../../process/task-output';
import { kernelDoctor } from '../../kernel/doctor';
import { formatDoctor, runDoctor } from '../../toolchain/doctor';
import { checkRemoteCache } from '../../toolchain/remote-cache';
import { runExecutor } from '../run-executor';
import { DoctorExecutorOptions } from './schema';
import schema from './schema.json';

async function doctor(options: DoctorExecutorOptions, context: ExecutorContext): Promise<void> {
  const report = await runDoctor(options);
  taskOutput.log(formatDoctor(report));
  const clang = report.tools.clang && 'version' in report.tools.clang ? report.tools.clang : undefined;
  const kernel = await kernelDoctor(options.kernelDir, context.root, clang, options.kernel);
  taskOutput.log(kernel.lines.join('\n'));
  for (const c of kernel.checks.filter((k) => !k.ok)) taskOutput.log(`FAIL ${c.text} -> apt-get install -y ${c.fix}`);
  if (kernel.checks.some((c) => !c.ok)) throw new LocalLtoError(`the kernel profile cannot build or test modules here; install ${kernel.checks.filter((c) => !c.ok).map((c) => c.fix).join(' ')} (scripts/setup.sh does)`);
  const cache = options.remoteCache ? await checkRemoteCache(process.env, { timeoutMs: options.remoteCacheTimeoutMs, writeProbe: options.remoteCacheWriteProbe }) : undefined;
  if (cache) taskOutput.log(`${cache.ok ? 'ok  ' : 'FAIL'} ${cache.text}`);
  if (!report.ok) {
    const packages = [...new Set(report.checks.filter((c) => !c.ok && c.fix).map((c) => c.fix!))];
    throw new LocalLtoError(`the toolchain cannot build with local LTO${packages.length ? `; install ${packages.join(' ')} (apt-get install -y ${packages.join(' ')})` : ''}`);
  }
  if (cache && !cache.ok) throw new LocalLtoError(cache.text);
}

/** nx-local-lto:doctor: print the toolchain in use and whether it fits together, and check the remote cache. */
export default function doctorExecutor(options: DoctorExecutorOptions, context: ExecutorContext) {
  return runExecutor('doctor', schema, options, context, doctor);
}
