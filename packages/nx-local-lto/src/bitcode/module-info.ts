import { readFileSync } from 'node:fs';
import { BitstreamError, BitstreamReader, recordString } from './bitstream';

/**
 * What the pipeline needs to know about a bitcode file before it links it, read from the
 * file itself (block and record codes from LLVM's `LLVMBitCodes.h`).
 */
export interface BitcodeModuleInfo {
  /** IDENTIFICATION string, e.g. `LLVM22.1.2-rust-1.95.0-stable` (rustc) or `LLVM22.1.8` (clang). */
  producer: string;
  /** Target triple of the (first) module, e.g. `x86_64-unknown-linux-gnu`. */
  triple: string;
  /** LLVM data layout string of the (first) module. */
  dataLayout: string;
  /**
   * Which LTO partition `ld.lld` puts the module in: `thin` when it carries a ThinLTO
   * summary (GLOBALVAL_SUMMARY_BLOCK, rustc's default and `clang -flto=thin`), `full`
   * otherwise (plain `clang -emit-llvm`, `clang -flto=full`, `rustc -Clto=fat`).
   */
  ltoMode: 'thin' | 'full';
  /** Functions defined or declared in the module. */
  functions: BitcodeFunction[];
  /** Global variables defined or declared in the module (Rust statics, C globals). */
  globals: BitcodeFunction[];
}

export interface BitcodeFunction {
  name: string;
  /** True for a declaration (no body in this module). */
  isDeclaration: boolean;
  /** True for internal or private linkage (not visible outside the module). */
  isLocal: boolean;
}

const IDENTIFICATION_BLOCK_ID = 13;
const MODULE_BLOCK_ID = 8;
const STRTAB_BLOCK_ID = 23;
const GLOBALVAL_SUMMARY_BLOCK_ID = 20;
const IDENTIFICATION_CODE_STRING = 1;
const MODULE_CODE_VERSION = 1;
const MODULE_CODE_TRIPLE = 2;
const MODULE_CODE_DATALAYOUT = 3;
const MODULE_CODE_GLOBALVAR = 7;
const MODULE_CODE_FUNCTION = 8;
const STRTAB_BLOB = 1;
// Encoded linkages that are internal or private (BitcodeReader's getDecodedLinkage).
const LOCAL_LINKAGES = new Set([3, 9, 13, 14]);

/** Raised for a file that is not LLVM bitcode or is damaged; the message names the file. */
export class BitcodeFormatError extends Error {}

/** Reads `path` (or the given bytes) and returns its module facts; throws BitcodeFormatError. */
export function readBitcodeModuleInfo(path: string, bytes: Uint8Array = readFileSync(path)): BitcodeModuleInfo {
  try {
    return parse(bytes);
  } catch (e) {
    if (e instanceof BitstreamError || e instanceof BitcodeFormatError) {
      throw new BitcodeFormatError(`${path}: not readable as LLVM bitcode (${e.message})`);
    }
    throw e;
  }
}

/** Start and end (bytes) of the bitstream inside a file, past the optional bitcode wrapper header. */
export function streamExtent(bytes: Uint8Array): [number, number] {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  if (bytes.length >= 20 && view.getUint32(0, true) === 0x0b17c0de) {
    const offset = view.getUint32(8, true);
    const size = view.getUint32(12, true);
    return [offset, offset + size];
  }
  return [0, bytes.length];
}

function parse(bytes: Uint8Array): BitcodeModuleInfo {
  const [start, end] = streamExtent(bytes);
  if (end - start < 8 || bytes[start] !== 0x42 || bytes[start + 1] !== 0x43 || bytes[start + 2] !== 0xc0 || bytes[start + 3] !== 0xde) {
    throw new BitcodeFormatError('missing the BC 0xC0DE magic');
  }
  const reader = new BitstreamReader(bytes, start + 4, end);
  let producer = '';
  let triple = '';
  let dataLayout = '';
  let hasThinSummary = false;
  let version = 0;
  type RawSymbol = { offset: number; size: number; isDeclaration: boolean; isLocal: boolean };
  const rawFunctions: RawSymbol[] = [];
  const rawGlobals: RawSymbol[] = [];
  let strtab: Uint8Array | undefined;

  for (let entry = reader.next(); entry.kind !== 'end'; entry = reader.next()) {
    if (entry.kind !== 'block') continue;
    const id = entry.blockId;
    if (id === IDENTIFICATION_BLOCK_ID) {
      reader.enterBlock(id);
      for (let e = reader.next(); e.kind !== 'end'; e = reader.next()) {
        if (e.kind === 'record' && e.record.code === IDENTIFICATION_CODE_STRING && !producer) producer = recordString(e.record.ops);
        else if (e.kind === 'block') reader.skipBlock(e.blockId);
      }
    } else if (id === MODULE_BLOCK_ID) {
      reader.enterBlock(id);
      for (let e = reader.next(); e.kind !== 'end'; e = reader.next()) {
        if (e.kind === 'block') {
          if (e.blockId === GLOBALVAL_SUMMARY_BLOCK_ID) hasThinSummary = true;
          reader.skipBlock(e.blockId);
          continue;
        }
        const { code, ops } = e.record;
        if (code === MODULE_CODE_VERSION) version = ops[0];
        else if (code === MODULE_CODE_TRIPLE && !triple) triple = recordString(ops);
        else if (code === MODULE_CODE_DATALAYOUT && !dataLayout) dataLayout = recordString(ops);
        else if (code === MODULE_CODE_FUNCTION) {
          rawFunctions.push({ offset: ops[0], size: ops[1], isDeclaration: ops[4] === 1, isLocal: LOCAL_LINKAGES.has(ops[5]) });
        } else if (code === MODULE_CODE_GLOBALVAR) {
          // [strtab offset, strtab size, type, isconst, initid (0: declaration), linkage, ...]
          rawGlobals.push({ offset: ops[0], size: ops[1], isDeclaration: ops[4] === 0, isLocal: LOCAL_LINKAGES.has(ops[5]) });
        }
      }
    } else if (id === STRTAB_BLOCK_ID) {
      reader.enterBlock(id);
      for (let e = reader.next(); e.kind !== 'end'; e = reader.next()) {
        if (e.kind === 'record' && e.record.code === STRTAB_BLOB) strtab = e.record.blob;
        else if (e.kind === 'block') reader.skipBlock(e.blockId);
      }
    } else {
      reader.skipBlock(id);
    }
  }
  if (!producer) throw new BitcodeFormatError('no IDENTIFICATION block (bitcode from LLVM older than 4.0)');
  if (version < 2 || !strtab) throw new BitcodeFormatError(`module version ${version} has no string table (LLVM older than 5.0)`);
  const names = Buffer.from(strtab.buffer, strtab.byteOffset, strtab.byteLength);
  const named = (list: RawSymbol[]) =>
    list.map((f) => ({ name: names.toString('utf8', f.offset, f.offset + f.size), isDeclaration: f.isDeclaration, isLocal: f.isLocal }));
  return { producer, triple, dataLayout, ltoMode: hasThinSummary ? 'thin' : 'full', functions: named(rawFunctions), globals: named(rawGlobals) };
}

/**
 * The LLVM version in a producer string: `LLVM22.1.2-rust-1.95.0-stable` gives
 * `{ major: 22, minor: 1, patch: 2 }`; undefined when the string names no version.
 */
export function producerLlvmVersion(producer: string): { major: number; minor: number; patch: number } | undefined {
  const m = /LLVM\s*(\d+)\.(\d+)(?:\.(\d+))?/.exec(producer);
  if (!m) return undefined;
  return { major: Number(m[1]), minor: Number(m[2]), patch: Number(m[3] ?? 0) };
}
