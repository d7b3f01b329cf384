import { readFileSync } from 'node:fs';

/**
 * A reader for little-endian ELF relocatable objects (ELF32 and ELF64): sections,
 * the symbol table and every REL/RELA relocation, per the System V gABI. Enough to
 * judge inlining from the object itself, which is the ground truth (ARCHITECTURE F9).
 */

export const ET_REL = 1;
export const SHF_EXECINSTR = 0x4;
export const STT_OBJECT = 1;
export const STT_FUNC = 2;
export const STT_SECTION = 3;
export const STB_LOCAL = 0;
export const STB_GLOBAL = 1;
export const STB_WEAK = 2;
export const EM_X86_64 = 62;
const SHT_SYMTAB = 2;
const SHT_RELA = 4;
const SHT_REL = 9;

export interface ElfSection {
  index: number;
  name: string;
  type: number;
  flags: number;
  /** Bytes the section takes in memory (sh_size). */
  size: number;
  /** Section this one refers to (sh_info): for a relocation section, the section it patches. */
  info: number;
}

export interface ElfSymbol {
  index: number;
  name: string;
  value: number;
  size: number;
  type: number;
  bind: number;
  /** st_other's visibility: 0 default, 1 internal, 2 hidden, 3 protected. */
  visibility: number;
  /** Section index; 0 for undefined. */
  shndx: number;
}

export interface ElfRelocation {
  /** Index of the section the relocation patches. */
  target: number;
  offset: number;
  type: number;
  symbol: number;
  addend: number;
}

export interface ElfObject {
  type: number;
  machine: number;
  sections: ElfSection[];
  symbols: ElfSymbol[];
  relocations: ElfRelocation[];
}

/** Raised for a file that is not a little-endian ELF object; the message names the file. */
export class ElfFormatError extends Error {}

/** Reads and decodes the ELF file at `path`. */
export function readElf(path: string): ElfObject {
  const buf = readFileSync(path);
  try {
    return parseElf(buf);
  } catch (e) {
    if (e instanceof RangeError || e instanceof ElfFormatError) throw new ElfFormatError(`${path}: not a readable ELF object (${e.message})`);
    throw e;
  }
}

export function parseElf(buf: Buffer): ElfObject {
  if (buf.length < 52 || buf.readUInt32BE(0) !== 0x7f454c46) throw new ElfFormatError('missing the ELF magic');
  const is64 = buf[4] === 2;
  if (buf[5] !== 1) throw new ElfFormatError('big-endian ELF is not supported');
  const word = (off: number) => (is64 ? Number(buf.readBigUInt64LE(off)) : buf.readUInt32LE(off));
  const type = buf.readUInt16LE(16);
  const machine = buf.readUInt16LE(18);
  const shoff = word(is64 ? 40 : 32);
  const shentsize = buf.readUInt16LE(is64 ? 58 : 46);
  const shnum = buf.readUInt16LE(is64 ? 60 : 48);
  const shstrndx = buf.readUInt16LE(is64 ? 62 : 50);

  const raw = Array.from({ length: shnum }, (_, index) => {
    const base = shoff + index * shentsize;
    return {
      index,
      nameOffset: buf.readUInt32LE(base),
      type: buf.readUInt32LE(base + 4),
      flags: word(base + 8),
      offset: word(is64 ? base + 24 : base + 16),
      size: word(is64 ? base + 32 : base + 20),
      link: buf.readUInt32LE(is64 ? base + 40 : base + 24),
      info: buf.readUInt32LE(is64 ? base + 44 : base + 28),
    };
  });
  const cString = (tableOffset: number, at: number) => {
    const start = tableOffset + at;
    const end = buf.indexOf(0, start);
    return buf.toString('utf8', start, end < 0 ? buf.length : end);
  };
  const shstr = raw[shstrndx];
  const sections: ElfSection[] = raw.map((s) => ({
    index: s.index,
    name: shstr ? cString(shstr.offset, s.nameOffset) : '',
    type: s.type,
    flags: s.flags,
    size: s.size,
    info: s.info,
  }));

  const symtab = raw.find((s) => s.type === SHT_SYMTAB);
  const symbols: ElfSymbol[] = [];
  if (symtab) {
    const strtab = raw[symtab.link];
    const entsize = is64 ? 24 : 16;
    for (let i = 0; i < symtab.size / entsize; i++) {
      const base = symtab.offset + i * entsize;
      const info = buf[is64 ? base + 4 : base + 12];
      symbols.push({
        index: i,
        name: cString(strtab.offset, buf.readUInt32LE(base)),
        value: is64 ? Number(buf.readBigUInt64LE(base + 8)) : buf.readUInt32LE(base + 4),
        size: is64 ? Number(buf.readBigUInt64LE(base + 16)) : buf.readUInt32LE(base + 8),
        type: info & 0xf,
        bind: info >> 4,
        visibility: buf[is64 ? base + 5 : base + 13] & 3,
        shndx: buf.readUInt16LE(is64 ? base + 6 : base + 14),
      });
    }
  }

  const relocations: ElfRelocation[] = [];
  for (const s of raw) {
    if (s.type !== SHT_RELA && s.type !== SHT_REL) continue;
    const hasAddend = s.type === SHT_RELA;
    const entsize = is64 ? (hasAddend ? 24 : 16) : hasAddend ? 12 : 8;
    for (let i = 0; i < s.size / entsize; i++) {
      const base = s.offset + i * entsize;
      const offset = word(base);
      const info = word(base + (is64 ? 8 : 4));
      const addend = hasAddend ? (is64 ? Number(buf.readBigInt64LE(base + 16)) : buf.readInt32LE(base + 8)) : 0;
      relocations.push({
        target: s.info,
        offset,
        type: is64 ? info % 2 ** 32 : info & 0xff,
        symbol: is64 ? Math.floor(info / 2 ** 32) : info >>> 8,
        addend,
      });
    }
  }
  return { type, machine, sections, symbols, relocations };
}
