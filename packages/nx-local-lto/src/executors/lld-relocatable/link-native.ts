import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { readElf, STB_LOCAL, STT_FUNC, STT_OBJECT } from '../../elf/elf';
import { exportableNames } from '../../elf/symbol-policy';
import { LocalLtoError } from '../../errors';
import { nativeRelocatableArgs } from '../../pipeline/commands';
import { runTool } from '../../process/run-tool';
import { taskOutput } from '../../process/task-output';
import { localLtoPackages, nativeObjectPath, NATIVE_FALLBACK_REASON } from '../../toolchain/build-mode';
import { RustcInfo } from '../../toolchain/rustc';
import { LinkStep } from './link-step';
import { LldRelocatableExecutorOptions } from './schema';

/**
 * The native fallback (no clang of rustc's LLVM major, `fallback: native`): the objects
 * rust-bc and clang-bc wrote beside where the bitcode would be, linked with GNU `ld -r`.
 * Nothing is inlined; every helper call is reported with the reason and the packages that
 * would make it local LTO. Prints the one warning line of such a build.
 */
export function prepareNativeLink(options: LldRelocatableExecutorOptions, rustc: RustcInfo, root: string, why: string): LinkStep {
  const rustObject = nativeObjectPath(options.rustBitcode);
  const helperObjects = options.bitcode.map(nativeObjectPath);
  for (const [option, path] of [['rustBitcode', rustObject], ...helperObjects.map((p) => ['bitcode', p])]) {
    if (!existsSync(join(root, path))) {
      throw new LocalLtoError(`the native fallback needs ${path} (in place of option '${option}'), which does not exist: run rust-bc and clang-bc with fallback "native" first`);
    }
  }
  const packages = localLtoPackages(rustc.llvm.major);
  taskOutput.warn(`lld-relocatable: ${why}: building without LTO (fallback "native"), helpers stay calls; apt-get install -y ${packages.join(' ')} for local LTO`);
  const rust = readElf(join(root, rustObject));
  const helpers = helperObjects.map((p) => ({ path: p, elf: readElf(join(root, p)) }));
  const defined = helpers.flatMap((h) => h.elf.symbols.filter((s) => s.type === STT_FUNC && s.shndx !== 0).map((s) => ({ ...s, definedIn: h.path })));
  return {
    defaultExports: exportableNames(
      rust.symbols
        .filter((s) => s.shndx !== 0 && (s.type === STT_OBJECT || s.type === STT_FUNC))
        .map((s) => ({ name: s.name, isDeclaration: false, isLocal: s.bind === STB_LOCAL })),
    ),
    objcopy: 'objcopy',
    link: async (out, _scratch, verbose) => {
      taskOutput.log(`  LD-R     (native) ${out.slice(root.length + 1).replace(/\.tmp-[^/]*$/, '')}`);
      await runTool('ld', nativeRelocatableArgs([rustObject, ...helperObjects, ...options.objects], out), { cwd: root, verbose });
    },
    reportFacts: async () => ({
      helpers: defined.filter((s) => s.bind !== STB_LOCAL).map((s) => ({ symbol: s.name, definedIn: s.definedIn })),
      cFunctions: new Set(defined.map((s) => s.name)),
      remarks: [],
      nativeFallback: { reason: NATIVE_FALLBACK_REASON, packages },
    }),
  };
}
