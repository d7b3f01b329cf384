import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import { isMap, parseAllDocuments } from 'yaml';

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

/** Reads the inline remarks in `files`; documents of other passes are ignored. */
export function readInlineRemarks(files: string[]): InlineRemark[] {
  const remarks: InlineRemark[] = [];
  for (const file of files) {
    for (const doc of parseAllDocuments(readFileSync(file, 'utf8'))) {
      if (!isMap(doc.contents)) continue;
      const tag = (doc.contents.tag ?? '').replace(/^!/, '');
      if (tag !== 'Passed' && tag !== 'Missed' && tag !== 'Analysis') continue;
      const body = doc.toJS({}) as { Pass?: string; Name?: string; Function?: string; Args?: Array<Record<string, unknown>> };
      if (body.Pass !== 'inline') continue;
      const args = body.Args ?? [];
      const value = (key: string) => args.find((a) => key in a)?.[key];
      const message = args
        .map((a) => Object.entries(a).find(([k]) => k !== 'DebugLoc')?.[1])
        .filter((v) => v !== undefined)
        .join('');
      remarks.push({
        kind: tag,
        name: body.Name ?? '',
        caller: String(value('Caller') ?? body.Function ?? ''),
        callee: String(value('Callee') ?? ''),
        message,
      });
    }
  }
  return remarks;
}
