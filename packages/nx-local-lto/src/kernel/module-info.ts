import { existsSync } from 'node:fs';
import { runTool } from '../process/run-tool';

/** kmod's modinfo: in /sbin, which is not on every user's PATH. */
function modinfo(): string {
  return ['/usr/sbin/modinfo', '/sbin/modinfo'].find(existsSync) ?? 'modinfo';
}

/**
 * The name the kernel gives a module (its `.modinfo` `name=`, from KBUILD_MODNAME), which
 * rmmod takes and which prefixes its pr_* lines; not always the file's name (a copy renamed
 * `kuid-nolto.ko` is still `kuid`).
 */
export async function moduleName(file: string, cwd: string, verbose: boolean): Promise<string> {
  const { stdout } = await runTool(modinfo(), ['-F', 'name', file], { cwd, verbose });
  const name = stdout.trim();
  return name || file.replace(/^.*\//, '').replace(/\.ko$/, '').replace(/-/g, '_');
}
