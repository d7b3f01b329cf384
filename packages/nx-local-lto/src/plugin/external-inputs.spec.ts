import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CBitcodeStep, clangBitcodeArgs } from '../pipeline/commands';
import { headerFilesInput } from './external-inputs';

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
});
