import { mkdtempSync, readdirSync, readFileSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { delimiter, join } from 'node:path';
import { execa } from 'execa';
import type { InlineReport } from '../packages/nx-local-lto/src/inline/report';
import { copyWorkspace, isolatedNxEnv, nx } from './support/workspace';

/** A PATH on which every program is found except clang (the machine's own PATH, clang-less). */
function pathWithoutClang(): string {
  const bin = mkdtempSync(join(tmpdir(), 'local-lto-noclang-'));
  const seen = new Set<string>();
  for (const dir of (process.env.PATH ?? '').split(delimiter)) {
    let names: string[] = [];
    try {
      names = readdirSync(dir);
    } catch {
      continue;
    }
    for (const name of names) {
      if (name.startsWith('clang') || seen.has(name)) continue;
      seen.add(name);
      symlinkSync(join(dir, name), join(bin, name));
    }
  }
  return bin;
}

/** Issue kernel-profile, point 3: building without clang. */
describe('build without clang', () => {
  let ws: string;
  let path: string;

  beforeAll(async () => {
    ws = await copyWorkspace('local-lto-native-');
    path = pathWithoutClang();
    await expect(execa('clang-22', ['--version'], { env: { PATH: path }, extendEnv: false, reject: false })).resolves.toMatchObject({ failed: true });
  });

  it('fails by default, naming the Debian packages and the fallback', async () => {
    const run = await nx(ws, ['build', 'kuid', '--outputStyle=static'], isolatedNxEnv({ PATH: path }));
    expect(run.exitCode).not.toBe(0);
    expect(run.all).toMatch(/no clang for LLVM 22 .*apt-get install -y clang-22 lld-22 llvm-22.*LOCAL_LTO_FALLBACK=native/);
  });

  it('with fallback native: working objects, one warning line, every helper a call with the reason', async () => {
    const run = await nx(ws, ['run-many', '-t', 'test', '-p', 'kuid', 'uring-nop', '--outputStyle=static'], isolatedNxEnv({ PATH: path, LOCAL_LTO_FALLBACK: 'native' }));
    expect(run.exitCode).toBe(0);
    expect(run.all).toMatch(/kuid: (\d+) of \1 checks passed/);
    expect(run.all).toMatch(/uring-nop: submitted 256 NOPs, reaped 256 completions, 0 with wrong user data or result/);
    expect(String(run.all).match(/building without LTO \(fallback "native"\)/g)).toHaveLength(2);
    for (const driver of ['kuid', 'uring-nop']) {
      const report: InlineReport = JSON.parse(readFileSync(join(ws, 'dist/drivers', driver, 'inline-report.json'), 'utf8'));
      expect(report.build).toBe('native');
      const sites = report.helpers.flatMap((h) => h.callSites);
      expect(sites.length).toBeGreaterThan(0);
      for (const s of sites) {
        expect(s.verdict).toBe('call');
        expect(s.diagnosis?.cause).toBe('native-fallback');
      }
      // The symbol policy still holds: no helper is exported.
      const { stdout } = await execa('nm', ['--extern-only', '--defined-only', join(ws, 'dist/drivers', driver, `${driver}.o`)]);
      expect(stdout).not.toMatch(/rust_helper_/);
      expect(stdout.trim().length).toBeGreaterThan(0);
    }
  });
});
