/**
 * A reader for LLVM's bitstream container (the format under every `.bc` file),
 * as described in LLVM's "LLVM Bitcode File Format" reference. It reads records and
 * skips whole blocks by their length word, so finding a module's triple in a large
 * Rust bitcode file costs a few kilobytes of reads, not a parse of every function.
 */

/** One operand of an abbreviation (DEFINE_ABBREV). */
type AbbrevOp =
  | { kind: 'literal'; value: number }
  | { kind: 'fixed'; width: number }
  | { kind: 'vbr'; width: number }
  | { kind: 'array' }
  | { kind: 'char6' }
  | { kind: 'blob' };

type Abbrev = AbbrevOp[];

/** A record: its code, its operands, and the bytes of a blob operand if it has one. */
export interface BitstreamRecord {
  code: number;
  ops: number[];
  blob?: Uint8Array;
}

/** What `next()` found in the current block. */
export type BitstreamEntry =
  | { kind: 'record'; record: BitstreamRecord }
  | { kind: 'block'; blockId: number }
  | { kind: 'end' };

const END_BLOCK = 0;
const ENTER_SUBBLOCK = 1;
const DEFINE_ABBREV = 2;
const UNABBREV_RECORD = 3;
const BLOCKINFO_BLOCK_ID = 0;
const BLOCKINFO_CODE_SETBID = 1;
const CHAR6 = 'abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789._';

/** Thrown on a truncated or malformed stream; the message says where. */
export class BitstreamError extends Error {}

interface Scope {
  abbrevWidth: number;
  abbrevs: Abbrev[];
  blockId: number;
  endBit: number;
}

/**
 * Cursor over a bitstream. Start it after the magic bytes; call `next()` to walk the
 * current block, `enterBlock()` / `skipBlock()` after a `block` entry.
 */
export class BitstreamReader {
  private bit: number;
  private readonly scopes: Scope[];
  private readonly blockInfo = new Map<number, Abbrev[]>();

  /** `startByte`/`endByte`: the stream's extent inside `buf` (bytes). */
  constructor(private readonly buf: Uint8Array, startByte: number, endByte: number) {
    this.bit = startByte * 8;
    this.scopes = [{ abbrevWidth: 2, abbrevs: [], blockId: -1, endBit: endByte * 8 }];
  }

  /** True once the top level has been read to its end. */
  atEnd(): boolean {
    return this.scopes.length === 1 && this.bit + 32 > this.scope().endBit;
  }

  /** The next entry of the current block (records inside skipped blocks are never seen). */
  next(): BitstreamEntry {
    for (;;) {
      const scope = this.scope();
      if (this.scopes.length === 1 && this.atEnd()) return { kind: 'end' };
      const id = this.read(scope.abbrevWidth);
      if (id === END_BLOCK) {
        if (this.scopes.length === 1) throw new BitstreamError('END_BLOCK at top level');
        this.align32();
        this.scopes.pop();
        return { kind: 'end' };
      }
      if (id === ENTER_SUBBLOCK) {
        const blockId = this.readVBR(8);
        return { kind: 'block', blockId };
      }
      if (id === DEFINE_ABBREV) {
        const abbrev = this.readAbbrevDefinition();
        if (scope.blockId === BLOCKINFO_BLOCK_ID) this.addBlockInfoAbbrev(abbrev);
        else scope.abbrevs.push(abbrev);
        continue;
      }
      const record = id === UNABBREV_RECORD ? this.readUnabbreviated() : this.readAbbreviated(id);
      if (scope.blockId === BLOCKINFO_BLOCK_ID) {
        if (record.code === BLOCKINFO_CODE_SETBID) this.currentInfoBlock = record.ops[0];
        continue;
      }
      return { kind: 'record', record };
    }
  }

  /** Enter the block announced by the last `block` entry. */
  enterBlock(blockId: number): void {
    const abbrevWidth = this.readVBR(4);
    this.align32();
    const words = this.read(32);
    const endBit = this.bit + words * 32;
    if (endBit > this.scope().endBit) throw new BitstreamError(`block ${blockId} runs past the end of the stream`);
    const inherited = this.blockInfo.get(blockId) ?? [];
    this.scopes.push({ abbrevWidth, abbrevs: [...inherited], blockId, endBit });
    if (blockId === BLOCKINFO_BLOCK_ID) this.currentInfoBlock = -1;
  }

  /** Skip the block announced by the last `block` entry, unread. BLOCKINFO is always read. */
  skipBlock(blockId: number): void {
    if (blockId === BLOCKINFO_BLOCK_ID) {
      this.enterBlock(blockId);
      while (this.next().kind !== 'end');
      return;
    }
    this.readVBR(4);
    this.align32();
    const words = this.read(32);
    this.bit += words * 32;
    if (this.bit > this.scope().endBit) throw new BitstreamError(`block ${blockId} runs past the end of the stream`);
  }

  private currentInfoBlock = -1;

  private addBlockInfoAbbrev(abbrev: Abbrev): void {
    if (this.currentInfoBlock < 0) throw new BitstreamError('DEFINE_ABBREV in BLOCKINFO before SETBID');
    const list = this.blockInfo.get(this.currentInfoBlock) ?? [];
    list.push(abbrev);
    this.blockInfo.set(this.currentInfoBlock, list);
  }

  private scope(): Scope {
    return this.scopes[this.scopes.length - 1];
  }

  private read(width: number): number {
    let result = 0;
    let shift = 0;
    let left = width;
    while (left > 0) {
      const byteIndex = this.bit >>> 3;
      if (byteIndex >= this.buf.length || this.bit >= this.scope().endBit) {
        throw new BitstreamError(`truncated bitstream at byte ${byteIndex}`);
      }
      const offset = this.bit & 7;
      const take = Math.min(8 - offset, left);
      const bits = (this.buf[byteIndex] >>> offset) & ((1 << take) - 1);
      result += bits * 2 ** shift;
      shift += take;
      left -= take;
      this.bit += take;
    }
    return result;
  }

  private readVBR(width: number): number {
    const high = 2 ** (width - 1);
    let result = 0;
    let shift = 0;
    for (;;) {
      const piece = this.read(width);
      result += (piece % high) * 2 ** shift;
      if (piece < high) return result;
      shift += width - 1;
      if (shift > 70) throw new BitstreamError('VBR value too long');
    }
  }

  private align32(): void {
    this.bit = Math.ceil(this.bit / 32) * 32;
  }

  private readAbbrevDefinition(): Abbrev {
    const count = this.readVBR(5);
    const ops: Abbrev = [];
    for (let i = 0; i < count; i++) {
      if (this.read(1) === 1) {
        ops.push({ kind: 'literal', value: this.readVBR(8) });
        continue;
      }
      const encoding = this.read(3);
      if (encoding === 1) ops.push({ kind: 'fixed', width: this.readVBR(5) });
      else if (encoding === 2) ops.push({ kind: 'vbr', width: this.readVBR(5) });
      else if (encoding === 3) ops.push({ kind: 'array' });
      else if (encoding === 4) ops.push({ kind: 'char6' });
      else if (encoding === 5) ops.push({ kind: 'blob' });
      else throw new BitstreamError(`unknown abbreviation encoding ${encoding}`);
    }
    return ops;
  }

  private readUnabbreviated(): BitstreamRecord {
    const code = this.readVBR(6);
    const count = this.readVBR(6);
    const ops: number[] = [];
    for (let i = 0; i < count; i++) ops.push(this.readVBR(6));
    return { code, ops };
  }

  private readScalar(op: AbbrevOp): number {
    switch (op.kind) {
      case 'literal':
        return op.value;
      case 'fixed':
        return op.width === 0 ? 0 : this.read(op.width);
      case 'vbr':
        return op.width === 0 ? 0 : this.readVBR(op.width);
      case 'char6':
        return CHAR6.charCodeAt(this.read(6));
      default:
        throw new BitstreamError(`${op.kind} is not a scalar operand`);
    }
  }

  private readAbbreviated(id: number): BitstreamRecord {
    const abbrev = this.scope().abbrevs[id - 4];
    if (!abbrev) throw new BitstreamError(`undefined abbreviation id ${id} in block ${this.scope().blockId}`);
    const values: number[] = [];
    let blob: Uint8Array | undefined;
    for (let i = 0; i < abbrev.length; i++) {
      const op = abbrev[i];
      if (op.kind === 'array') {
        const element = abbrev[++i];
        const length = this.readVBR(6);
        for (let j = 0; j < length; j++) values.push(this.readScalar(element));
      } else if (op.kind === 'blob') {
        const length = this.readVBR(6);
        this.align32();
        const start = this.bit >>> 3;
        if (start + length > this.buf.length) throw new BitstreamError('blob runs past the end of the stream');
        blob = this.buf.subarray(start, start + length);
        this.bit += length * 8;
        this.align32();
      } else {
        values.push(this.readScalar(op));
      }
    }
    const [code, ...ops] = values;
    return { code, ops, blob };
  }
}

/** Turns a record's operands (one character code each) into a string. */
export function recordString(ops: number[]): string {
  return String.fromCharCode(...ops);
}
