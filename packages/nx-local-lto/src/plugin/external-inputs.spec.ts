import { execa } from 'execa';
import { execFileSync } from 'node:child_process';
import { appendFileSync, mkdirSync, mkdtempSync, rmSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CBitcodeStep, clangBitcodeArgs } from '../pipeline/commands';
import { folderContentsInput, folderInput, headerFilesInput } from './external-inputs';

/**
 * The header key of a C target (real clang-22 and sh): the headers outside the workspace,
 * by content, listed from the compile's dependency file or by clang -M, the same either way.
 */
describe('headerFilesInput', () => {
  const ws = mkdtempSync(join(tmpdir(), 'local-lto-headers-ws-'));
  const outside = mkdtempSync(join(tmpdir(), 'local-lto-headers-sys-'));
  const clang = 'clang-22';
  mkdirSync(join(ws, 'src'));
  mkdirSync(join(ws, 'include'));
  writeFileSync(join(outside, 'vendor.h'), '#define VENDOR 1\n');
  writeFileSync(join(ws, 'include', 'own.h'), '#include <vendor.h>\n');
  writeFileSync(join(ws, 'src', 'a.c'), '#include <stdint.h>\n#include "own.h"\nuint32_t a(void) { return VENDOR; }\n');
  const step: CBitcodeStep = {
    source: 'src/a.c', target: 'x86_64-unknown-linux-gnu', ltoMode: 'thin', optLevel: '2', profile: 'user',
    includeDirs: ['include', outside], defines: [], cflags: [], workspaceRoot: ws,
    bitcodeOut: 'dist/a.bc', depFileOut: 'dist/a.d', depTarget: 'dist/a.bc',
  };
  const key = () => execFileSync('sh', ['-c', headerFilesInput(clang, [{ step, depFile: 'dist/a.d' }]).runtime], { cwd: ws, encoding: 'utf8' });
  const compile = () => {
    mkdirSync(join(ws, 'dist'), { recursive: true });
    execFileSync(clang, clangBitcodeArgs(step), { cwd: ws });
  };

  it('lists the outside headers by content, none of the workspace, in the same order with or without the dependency file', () => {
    rmSync(join(ws, 'dist'), { recursive: true, force: true });
    const fromClang = key();
    expect(fromClang).toContain(`${join(outside, 'vendor.h')}\n`);
    expect(fromClang).toMatch(/ \/usr\/include\/stdint\.h\n/);
    expect(fromClang).not.toContain(ws);
    compile();
    expect(key()).toBe(fromClang);
  });

  it('changes when an outside header is edited; a stale dependency file (a header newer) is not trusted', () => {
    compile();
    const before = key();
    writeFileSync(join(outside, 'vendor.h'), '#define VENDOR 2\n');
    expect(key()).not.toBe(before);
    // A new outside header included through a workspace header edited after the compile: the .d
    // does not list it, the workspace header is newer than the .d, so clang lists it.
    writeFileSync(join(outside, 'extra.h'), '#define EXTRA 1\n');
    writeFileSync(join(ws, 'include', 'own.h'), '#include <vendor.h>\n#include <extra.h>\n');
    utimesSync(join(ws, 'include', 'own.h'), new Date(), new Date(Date.now() + 10000));
    expect(key()).toContain(join(outside, 'extra.h'));
  });
  it('does not take the list from a dependency file older than a file that decides the flags (another include folder)', () => {
    writeFileSync(join(ws, 'include', 'own.h'), '#include <vendor.h>\n');
    compile();
    const other = mkdtempSync(join(tmpdir(), 'local-lto-headers-sys2-'));
    writeFileSync(join(other, 'vendor.h'), '#define VENDOR 3\n');
    const moved = { ...step, includeDirs: ['include', other] };
    const keyOf = (flagFiles: string[]) => execFileSync('sh', ['-c', headerFilesInput(clang, [{ step: moved, depFile: 'dist/a.d' }], flagFiles).runtime], { cwd: ws, encoding: 'utf8' });
    writeFileSync(join(ws, 'local-lto.json'), '{}\n');
    utimesSync(join(ws, 'local-lto.json'), new Date(), new Date(Date.now() + 10000));
    expect(keyOf(['local-lto.json'])).toContain(join(other, 'vendor.h'));
    // Control: without the manifest as a flag file, the old dependency file's list is taken.
    expect(keyOf([])).not.toContain(join(other, 'vendor.h'));
  });

});

/** Runs a runtime input's command as Nx does: through the shell, at the workspace root. */
const hashText = async (cwd: string, dir: string) => (await execa(folderContentsInput(dir).runtime, { shell: true, cwd })).stdout;

describe('folder inputs', () => {
  /** A workspace with a crate folder under node_modules (src, Cargo.toml, a cargo target/ folder). */
  function workspace(): string {
    const ws = mkdtempSync(join(tmpdir(), 'local-lto-folder-input-'));
    const crate = join(ws, 'node_modules/pkg/runtime/rust');
    mkdirSync(join(crate, 'src'), { recursive: true });
    mkdirSync(join(crate, 'target'), { recursive: true });
    writeFileSync(join(crate, 'Cargo.toml'), '[package]\nname = "rt"\n');
    writeFileSync(join(crate, 'src/lib.rs'), '#![no_std]\n');
    writeFileSync(join(crate, 'target/junk'), 'build output\n');
    return ws;
  }
  const dir = 'node_modules/pkg/runtime/rust';

  it('hashes the same text in two checkouts, and another after an edit (control)', async () => {
    const a = workspace();
    const b = workspace();
    const before = await hashText(a, dir);
    expect(before).toMatch(/^[0-9a-f]{64} {2}\.\/Cargo\.toml\n[0-9a-f]{64} {2}\.\/src\/lib\.rs$/);
    expect(await hashText(b, dir)).toBe(before);
    appendFileSync(join(b, dir, 'src/lib.rs'), '// upgraded\n');
    expect(await hashText(b, dir)).not.toBe(before);
    // A crate's target/ folder is not source.
    appendFileSync(join(a, dir, 'target/junk'), 'more\n');
    expect(await hashText(a, dir)).toBe(before);
  });

  it('a missing folder hashes as a stable error text, and the command succeeds', async () => {
    const ws = workspace();
    const r = await execa(folderContentsInput('node_modules/none').runtime, { shell: true, cwd: ws });
    expect(r.exitCode).toBe(0);
    expect(r.stdout).toMatch(/node_modules\/none/);
  });

  it('is a workspace glob where Nx hashes files, contents elsewhere', () => {
    expect(folderInput('libs/bits')).toBe('{workspaceRoot}/libs/bits/**/*');
    expect(folderInput('node_modules/nx-local-lto/runtime/rust')).toEqual(folderContentsInput('node_modules/nx-local-lto/runtime/rust'));
    expect(folderInput('../outside/crate')).toEqual(folderContentsInput('../outside/crate'));
  });
});
