import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import { FAILSAFE_SCHEMA, loadAll, Type } from 'js-yaml';

/**
 * One LLVM optimization remark of the `inline` pass, as written by
 * `ld.lld --opt-remarks-filename F --opt-remarks-passes inline` (YAML documents tagged
 * `!Passed`, `!Missed` or `!Analysis`).
 */
export interface InlineRemark {
  kind: 'Passed' | 'Missed' | 'Analysis';
  /** Remark name, e.g. `Inlined`, `AlwaysInline`, `NoDefinition`, `NotInlined`, `TooCostly`. */
  name: string;
  caller: string;
  callee: string;
  /** The remark's text with its arguments filled in, as `-Rpass` would print it. */
  message: string;
}

/**
 * The remark files for `filename`: the file itself (regular LTO) and the per-task files
 * ThinLTO writes beside it (`<filename>.thin.<N>.yaml`).
 */
export function remarkFiles(filename: string): string[] {
  const dir = dirname(filename);
  const base = basename(filename);
  if (!existsSync(dir)) return [];
  return readdirSync(dir)
    .filter((f) => f === base || f.startsWith(`${base}.thin.`))
    .sort()
    .map((f) => join(dir, f));
}

/**
 * The remark kinds LLVM's YAML serializer tags documents with. js-yaml (one file, loaded in
 * about 4 ms where the yaml package took 25-40 ms on every link) refuses unknown tags, so each
 * kind is a mapping type here, the tag kept under KIND. Failsafe: every scalar stays the text
 * LLVM wrote (a message's `Cost: 0x10` is not turned into 16).
 */
const KIND = Symbol('remark kind');
const REMARK_KINDS = ['Passed', 'Missed', 'Analysis', 'AnalysisFPCommute', 'AnalysisAliasing', 'Failure'];
const REMARK_SCHEMA = FAILSAFE_SCHEMA.extend(
  REMARK_KINDS.map((kind) => new Type(`!${kind}`, { kind: 'mapping', construct: (body: Record<string, unknown> | null) => ({ ...body, [KIND]: kind }) })),
);

interface RemarkDocument {
  [KIND]?: string;
  Pass?: string;
  Name?: string;
  Function?: string;
  Args?: Array<Record<string, unknown>>;
}

/** Reads the inline remarks in `files`; documents of other passes are ignored. */
export function readInlineRemarks(files: string[]): InlineRemark[] {
  const remarks: InlineRemark[] = [];
  for (const file of files) {
    for (const doc of loadAll(readFileSync(file, 'utf8'), undefined, { schema: REMARK_SCHEMA, filename: file }) as Array<RemarkDocument | null>) {
      const kind = doc?.[KIND];
      if (kind !== 'Passed' && kind !== 'Missed' && kind !== 'Analysis') continue;
      if (doc!.Pass !== 'inline') continue;
      const args = doc!.Args ?? [];
      const value = (key: string) => args.find((a) => key in a)?.[key];
      const message = args
        .map((a) => Object.entries(a).find(([k]) => k !== 'DebugLoc')?.[1])
        .filter((v) => v !== undefined)
        .join('');
      remarks.push({
        kind,
        name: doc!.Name ?? '',
        caller: String(value('Caller') ?? doc!.Function ?? ''),
        callee: String(value('Callee') ?? ''),
        message,
      });
    }
  }
  return remarks;
}
