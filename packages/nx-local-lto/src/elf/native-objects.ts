import { ElfObject, STB_LOCAL, STT_SECTION } from './elf';

const STT_FILE = 4;
const STV_DEFAULT = 0;

/** What a native object in the driver's link defines and needs (by symbol name). */
export interface NativeObjectSymbols {
  path: string;
  /** Non-local symbols it defines. */
  defines: string[];
  /** Of those, the ones with default visibility: its API, exported like the crate's #[no_mangle] items. */
  exports: string[];
  /** Non-local symbols it references and does not define. */
  needs: string[];
}

/** The named, non-local symbols of a native ELF object, split into defined and undefined. */
export function nativeObjectSymbols(path: string, elf: ElfObject): NativeObjectSymbols {
  const named = elf.symbols.filter((s) => s.name && s.bind !== STB_LOCAL && s.type !== STT_SECTION && s.type !== STT_FILE);
  const defined = named.filter((s) => s.shndx !== 0);
  const uniq = (xs: string[]) => [...new Set(xs)].sort();
  return {
    path,
    defines: uniq(defined.map((s) => s.name)),
    exports: uniq(defined.filter((s) => s.visibility === STV_DEFAULT).map((s) => s.name)),
    needs: uniq(named.filter((s) => s.shndx === 0).map((s) => s.name)),
  };
}
