import { execa } from 'execa';
import { existsSync } from 'node:fs';
import which from 'which';
import { LocalLtoError } from '../errors';
import { debianPackageFor, LlvmToolKind, resolveLlvmTool, resolveRustc, ResolvedTool, ToolchainOptions } from './discover';
import { rustLldPath, RustcInfo } from './rustc';
import { formatLlvmVersion, LlvmVersion } from './version';

/** One line of the doctor's findings. */
export interface DoctorCheck {
  ok: boolean;
  text: string;
  /** Debian package that fixes it, when one does. */
  fix?: string;
}

export interface DoctorReport {
  rustc?: RustcInfo;
  /** rustc's absolute path when it was given as a name on PATH. */
  rustcPath?: string;
  tools: Partial<Record<LlvmToolKind | 'rust-lld', ResolvedTool | { error: string }>>;
  checks: DoctorCheck[];
  ok: boolean;
}

const v = (x: LlvmVersion) => formatLlvmVersion(x);

/**
 * The toolchain the pipeline would use (same discovery as the executors), with each
 * pairing checked: a tool that reads bitcode must be of an LLVM at least as new as every
 * producer (rustc, clang, llvm-link's output); the rustc book's linker-plugin-LTO table
 * pairs each rustc with clang/lld of its own LLVM major, which is recommended.
 */
export async function runDoctor(options: ToolchainOptions, env: NodeJS.ProcessEnv = process.env): Promise<DoctorReport> {
  const checks: DoctorCheck[] = [];
  const tools: DoctorReport['tools'] = {};
  let rustc: RustcInfo;
  try {
    rustc = await resolveRustc(options, env);
  } catch (e) {
    const error = e instanceof Error ? e.message : String(e);
    return { tools, checks: [{ ok: false, text: error, fix: 'rustup (https://rustup.rs)' }], ok: false };
  }
  const major = rustc.llvm.major;
  for (const kind of ['clang', 'llvm-link', 'ld.lld', 'llvm-objcopy'] as const) {
    try {
      tools[kind] = await resolveLlvmTool(kind, rustc, options, env);
    } catch (e) {
      if (!(e instanceof LocalLtoError)) throw e;
      tools[kind] = { error: e.message };
      checks.push({ ok: false, text: `${kind}: ${e.message}`, fix: debianPackageFor(kind, major) });
    }
  }
  const rustLld = rustLldPath(rustc);
  if (existsSync(rustLld)) {
    const r = await execa(rustLld, ['-flavor', 'gnu', '--version'], { reject: false, stdin: 'ignore' });
    const m = /(\d+)\.(\d+)\.(\d+)/.exec(r.stdout);
    if (m) tools['rust-lld'] = { kind: 'ld.lld', path: rustLld, prefixArgs: ['-flavor', 'gnu'], version: { major: +m[1], minor: +m[2], patch: +m[3] }, source: 'rust-lld' };
  }
  const found = (k: LlvmToolKind) => (tools[k] && 'version' in tools[k]! ? (tools[k] as ResolvedTool) : undefined);
  const clang = found('clang');
  const link = found('llvm-link');
  const lld = found('ld.lld');
  const producers: Array<[string, LlvmVersion]> = [[`rustc ${rustc.release}`, rustc.llvm], ...(clang ? [[`clang`, clang.version] as [string, LlvmVersion]] : [])];
  const readers: Array<[LlvmToolKind, ResolvedTool | undefined, Array<[string, LlvmVersion]>]> = [
    ['llvm-link', link, producers],
    ['ld.lld', lld, [...producers, ...(link ? [['llvm-link', link.version] as [string, LlvmVersion]] : [])]],
  ];
  for (const [kind, reader, from] of readers) {
    if (!reader) continue;
    for (const [name, produced] of from) {
      const ok = reader.version.major >= produced.major;
      checks.push({
        ok,
        text: `${kind} (LLVM ${v(reader.version)}) reads bitcode of ${name} (LLVM ${v(produced)}): ${ok ? 'compatible' : 'INCOMPATIBLE, the reader is older'}`,
        ...(ok ? {} : { fix: debianPackageFor(kind, produced.major) }),
      });
    }
  }
  for (const [kind, tool] of [['clang', clang], ['llvm-link', link], ['ld.lld', lld]] as const) {
    if (tool && tool.version.major !== major) {
      checks.push({
        ok: true,
        text: `${kind} is LLVM ${tool.version.major}, rustc's LLVM is ${major}: works if newer, but the rustc book's linker-plugin LTO table recommends the same major`,
        fix: debianPackageFor(kind, major),
      });
    }
  }
  const rustcPath = (await which(rustc.path, { nothrow: true, path: env.PATH ?? '' })) ?? rustc.path;
  return { rustc, rustcPath, tools, checks, ok: checks.every((c) => c.ok) };
}

/** The doctor's findings as printed lines. */
export function formatDoctor(report: DoctorReport): string {
  const lines = ['nx-local-lto toolchain'];
  if (report.rustc) {
    const r = report.rustc;
    lines.push(`  ${"rustc".padEnd(12)} ${r.release} (LLVM ${v(r.llvm)})  ${report.rustcPath ?? r.path}  host ${r.host}`);
  }
  for (const kind of ['clang', 'llvm-link', 'ld.lld', 'llvm-objcopy', 'rust-lld'] as const) {
    const t = report.tools[kind];
    if (!t) lines.push(`  ${kind.padEnd(12)} not found`);
    else if ('error' in t) lines.push(`  ${kind.padEnd(12)} MISSING`);
    else lines.push(`  ${kind.padEnd(12)} LLVM ${v(t.version)}  ${t.path}${kind === 'rust-lld' ? '' : `  (${t.source})`}`);
  }
  lines.push('checks');
  for (const c of report.checks) lines.push(`  ${c.ok ? 'ok  ' : 'FAIL'} ${c.text}${c.fix ? ` -> apt-get install -y ${c.fix}` : ''}`);
  const packages = [...new Set(report.checks.filter((c) => c.fix).map((c) => c.fix!))];
  lines.push(report.ok ? 'toolchain OK' : `toolchain has gaps; install: ${packages.join(' ')}`);
  if (report.ok && packages.length) lines.push(`recommended: apt-get install -y ${packages.join(' ')}`);
  return lines.join('\n');
}
