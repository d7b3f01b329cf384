import { readFileSync } from 'node:fs';
import { BitstreamError, BitstreamReader } from './bitstream';
import { BitcodeFormatError, streamExtent } from './module-info';

/**
 * Function attributes read from a bitcode file with the plugin's own bitstream reader
 * (block, record and attribute-kind codes from LLVM's `LLVMBitCodes.h`; record layout from
 * `BitcodeReader::parseAttributeGroupBlock`, LLVM 22):
 * - PARAMATTR_GROUP_BLOCK (10), record PARAMATTR_GRP_CODE_ENTRY (3):
 *   `[grpid, paramidx, entry...]`, each entry `0 kind` (enum), `1 kind value` (integer),
 *   `3 key... 0` (string), `4 key... 0 value... 0` (string with value), `5 kind` / `6 kind
 *   typeid` (type), `7 kind bitwidth lo hi` (constant range), `8 kind n bitwidth (lo hi)xn`
 *   (constant range list). `paramidx` 0xFFFFFFFF is the function itself.
 * - PARAMATTR_BLOCK (9), record PARAMATTR_CODE_ENTRY (2): one attribute list per record, as
 *   the group ids it is made of.
 * - MODULE_CODE_FUNCTION operand 6 (after strtab offset/size, type, callingconv, isproto,
 *   linkage): 1-based index into those lists, 0 for none.
 */
export interface FunctionAttributes {
  /** Enum and integer attributes by IR name (`noinline`, `optnone`, `null_pointer_is_valid`, `uwtable`...). Unknown ids appear as `attr#<id>`. */
  enums: Set<string>;
  /** Integer attributes' values by IR name (e.g. `uwtable` -> 2). */
  ints: Map<string, number>;
  /** String attributes (`"target-features"`, `"target-cpu"`, `"no-builtins"`...): key -> value ('' when none). */
  strings: Map<string, string>;
  /** True when a record held an entry this reader cannot decode; what follows it in that record is not listed. */
  incomplete: boolean;
}

const MODULE_BLOCK_ID = 8;
const PARAMATTR_BLOCK_ID = 9;
const PARAMATTR_GROUP_BLOCK_ID = 10;
const STRTAB_BLOCK_ID = 23;
const PARAMATTR_CODE_ENTRY = 2;
const PARAMATTR_GRP_CODE_ENTRY = 3;
const MODULE_CODE_FUNCTION = 8;
const STRTAB_BLOB = 1;
/** AttributeList::FunctionIndex (~0U). */
export const FUNCTION_INDEX = 0xffffffff;

/** AttributeKindCodes of LLVMBitCodes.h (LLVM 22), by their IR spelling. */
const ATTR_KIND_NAMES: Record<number, string> = {
  1: 'align', 2: 'alwaysinline', 3: 'byval', 4: 'inlinehint', 5: 'inreg', 6: 'minsize', 7: 'naked', 8: 'nest', 9: 'noalias',
  10: 'nobuiltin', 11: 'nocapture', 12: 'noduplicate', 13: 'noimplicitfloat', 14: 'noinline', 15: 'nonlazybind', 16: 'noredzone',
  17: 'noreturn', 18: 'nounwind', 19: 'optsize', 20: 'readnone', 21: 'readonly', 22: 'returned', 23: 'returns_twice', 24: 'signext',
  25: 'alignstack', 26: 'ssp', 27: 'sspreq', 28: 'sspstrong', 29: 'sret', 30: 'sanitize_address', 31: 'sanitize_thread',
  32: 'sanitize_memory', 33: 'uwtable', 34: 'zeroext', 35: 'builtin', 36: 'cold', 37: 'optnone', 38: 'inalloca', 39: 'nonnull',
  40: 'jumptable', 41: 'dereferenceable', 42: 'dereferenceable_or_null', 43: 'convergent', 44: 'safestack', 45: 'argmemonly',
  46: 'swiftself', 47: 'swifterror', 48: 'norecurse', 49: 'inaccessiblememonly', 50: 'inaccessiblemem_or_argmemonly',
  51: 'allocsize', 52: 'writeonly', 53: 'speculatable', 54: 'strictfp', 55: 'sanitize_hwaddress', 56: 'nocf_check',
  57: 'optforfuzzing', 58: 'shadowcallstack', 59: 'speculative_load_hardening', 60: 'immarg', 61: 'willreturn', 62: 'nofree',
  63: 'nosync', 64: 'sanitize_memtag', 65: 'preallocated', 66: 'nomerge', 67: 'null_pointer_is_valid', 68: 'noundef', 69: 'byref',
  70: 'mustprogress', 71: 'nocallback', 72: 'hot', 73: 'noprofile', 74: 'vscale_range', 75: 'swiftasync',
  76: 'nosanitize_coverage', 77: 'elementtype', 78: 'disable_sanitizer_instrumentation', 79: 'nosanitize_bounds',
  80: 'allocalign', 81: 'allocptr', 82: 'allockind', 83: 'presplitcoroutine', 84: 'fn_ret_thunk_extern', 85: 'skipprofile',
  86: 'memory', 87: 'nofpclass', 88: 'optdebug', 89: 'writable', 90: 'coro_only_destroy_when_complete', 91: 'dead_on_unwind',
  92: 'range', 93: 'sanitize_numerical_stability', 94: 'initializes', 95: 'hybrid_patchable', 96: 'sanitize_realtime',
  97: 'sanitize_realtime_blocking', 98: 'coro_elide_safe', 99: 'noext', 100: 'nodivergencesource', 101: 'sanitize_type',
  102: 'captures', 103: 'dead_on_return', 104: 'sanitize_alloc_token', 105: 'nocreateundeforpoison', 106: 'denormal_fpenv',
  107: 'nooutline',
};

/** IR name of an attribute kind id (`attr#<id>` for ids newer than LLVM 22's list). */
export function attributeKindName(id: number): string {
  return ATTR_KIND_NAMES[id] ?? `attr#${id}`;
}

/** One decoded PARAMATTR_GRP_CODE_ENTRY record. */
export interface AttributeGroup {
  id: number;
  paramIndex: number;
  attributes: FunctionAttributes;
}

export function emptyAttributes(): FunctionAttributes {
  return { enums: new Set(), ints: new Map(), strings: new Map(), incomplete: false };
}

/** Reads a NUL-terminated string of character operands from `ops[i]`; returns it and the index after the NUL, or undefined. */
function cString(ops: readonly number[], i: number): [string, number] | undefined {
  let s = '';
  for (; i < ops.length; i++) {
    if (ops[i] === 0) return [s, i + 1];
    s += String.fromCharCode(ops[i]);
  }
  return undefined;
}

/**
 * Decodes the operands of one PARAMATTR_GRP_CODE_ENTRY record. An entry kind this reader
 * does not know (or a wide constant range, whose operand count depends on 64-bit words)
 * stops decoding that record: `incomplete` is set and nothing after it is guessed.
 */
export function decodeAttributeGroup(ops: readonly number[]): AttributeGroup {
  const attributes = emptyAttributes();
  const group: AttributeGroup = { id: ops[0], paramIndex: ops[1], attributes };
  let i = 2;
  const stop = () => {
    attributes.incomplete = true;
    i = ops.length;
  };
  while (i < ops.length) {
    const kind = ops[i];
    if (kind === 0) {
      if (i + 1 >= ops.length) return stop(), group;
      attributes.enums.add(attributeKindName(ops[i + 1]));
      i += 2;
    } else if (kind === 1) {
      if (i + 2 >= ops.length) return stop(), group;
      const name = attributeKindName(ops[i + 1]);
      attributes.enums.add(name);
      attributes.ints.set(name, ops[i + 2]);
      i += 3;
    } else if (kind === 3 || kind === 4) {
      const key = cString(ops, i + 1);
      if (!key) return stop(), group;
      let value = '';
      let next = key[1];
      if (kind === 4) {
        const v = cString(ops, next);
        if (!v) return stop(), group;
        [value, next] = v;
      }
      attributes.strings.set(key[0], value);
      i = next;
    } else if (kind === 5 || kind === 6) {
      if (i + (kind === 6 ? 2 : 1) >= ops.length) return stop(), group;
      attributes.enums.add(attributeKindName(ops[i + 1]));
      i += kind === 6 ? 3 : 2;
    } else if (kind === 7) {
      // [7, kind, bitwidth, lower, upper] for bit widths up to 64 (sign-rotated values).
      const width = ops[i + 2];
      if (width === undefined || width > 64 || i + 4 >= ops.length) return stop(), group;
      attributes.enums.add(attributeKindName(ops[i + 1]));
      i += 5;
    } else if (kind === 8) {
      // [8, kind, count, bitwidth, (lower, upper) x count].
      const count = ops[i + 2];
      const width = ops[i + 3];
      if (count === undefined || width === undefined || width > 64 || i + 3 + 2 * count >= ops.length) return stop(), group;
      attributes.enums.add(attributeKindName(ops[i + 1]));
      i += 4 + 2 * count;
    } else {
      return stop(), group;
    }
  }
  return group;
}

/**
 * The function attributes (attribute groups with paramidx 0xFFFFFFFF) of every function
 * defined or declared in the bitcode file, by name. Throws BitcodeFormatError naming the file.
 */
export function readFunctionAttributes(path: string, bytes: Uint8Array = readFileSync(path)): Map<string, FunctionAttributes> {
  try {
    return parse(bytes);
  } catch (e) {
    if (e instanceof BitstreamError || e instanceof BitcodeFormatError) {
      throw new BitcodeFormatError(`${path}: function attributes not readable (${e.message})`);
    }
    throw e;
  }
}

function parse(bytes: Uint8Array): Map<string, FunctionAttributes> {
  const [start, end] = streamExtent(bytes);
  if (end - start < 8 || bytes[start] !== 0x42 || bytes[start + 1] !== 0x43 || bytes[start + 2] !== 0xc0 || bytes[start + 3] !== 0xde) {
    throw new BitcodeFormatError('missing the BC 0xC0DE magic');
  }
  const reader = new BitstreamReader(bytes, start + 4, end);
  const groups = new Map<number, AttributeGroup>();
  const lists: number[][] = [];
  const functions: Array<{ offset: number; size: number; paramAttr: number }> = [];
  let strtab: Uint8Array | undefined;
  let sawModule = false;

  const readRecords = (blockId: number, onRecord: (code: number, ops: number[]) => void) => {
    reader.enterBlock(blockId);
    for (let e = reader.next(); e.kind !== 'end'; e = reader.next()) {
      if (e.kind === 'block') reader.skipBlock(e.blockId);
      else onRecord(e.record.code, e.record.ops);
    }
  };

  for (let entry = reader.next(); entry.kind !== 'end'; entry = reader.next()) {
    if (entry.kind !== 'block') continue;
    if (entry.blockId === MODULE_BLOCK_ID && !sawModule) {
      sawModule = true;
      reader.enterBlock(MODULE_BLOCK_ID);
      for (let e = reader.next(); e.kind !== 'end'; e = reader.next()) {
        if (e.kind === 'block') {
          if (e.blockId === PARAMATTR_GROUP_BLOCK_ID) {
            readRecords(e.blockId, (code, ops) => {
              if (code === PARAMATTR_GRP_CODE_ENTRY && ops.length >= 2) {
                const g = decodeAttributeGroup(ops);
                groups.set(g.id, g);
              }
            });
          } else if (e.blockId === PARAMATTR_BLOCK_ID) {
            readRecords(e.blockId, (code, ops) => {
              if (code === PARAMATTR_CODE_ENTRY) lists.push(ops);
            });
          } else {
            reader.skipBlock(e.blockId);
          }
        } else if (e.record.code === MODULE_CODE_FUNCTION) {
          const ops = e.record.ops;
          functions.push({ offset: ops[0], size: ops[1], paramAttr: ops[6] ?? 0 });
        }
      }
    } else if (entry.blockId === STRTAB_BLOCK_ID && !strtab) {
      reader.enterBlock(STRTAB_BLOCK_ID);
      for (let e = reader.next(); e.kind !== 'end'; e = reader.next()) {
        if (e.kind === 'block') reader.skipBlock(e.blockId);
        else if (e.record.code === STRTAB_BLOB && !strtab) strtab = e.record.blob;
      }
    } else {
      reader.skipBlock(entry.blockId);
    }
  }
  if (!strtab) throw new BitcodeFormatError('no string table (LLVM older than 5.0)');
  const names = Buffer.from(strtab.buffer, strtab.byteOffset, strtab.byteLength);
  const result = new Map<string, FunctionAttributes>();
  for (const f of functions) {
    const attrs = emptyAttributes();
    const list = f.paramAttr > 0 ? lists[f.paramAttr - 1] : undefined;
    for (const groupId of list ?? []) {
      const g = groups.get(groupId);
      if (!g || g.paramIndex !== FUNCTION_INDEX) continue;
      g.attributes.enums.forEach((a) => attrs.enums.add(a));
      g.attributes.ints.forEach((v, k) => attrs.ints.set(k, v));
      g.attributes.strings.forEach((v, k) => attrs.strings.set(k, v));
      attrs.incomplete ||= g.attributes.incomplete;
    }
    result.set(names.toString('utf8', f.offset, f.offset + f.size), attrs);
  }
  return result;
}

/** Short text of a function's attributes for messages, e.g. `noinline optnone "no-builtins"`. */
export function formatAttributes(a: FunctionAttributes): string {
  const strings = [...a.strings].map(([k, v]) => (v ? `"${k}"="${v}"` : `"${k}"`));
  return [...[...a.enums].sort(), ...strings.sort()].join(' ');
}
