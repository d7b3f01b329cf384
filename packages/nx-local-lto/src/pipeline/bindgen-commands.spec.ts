import { execa } from 'execa';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { bindgenArgs, BINDINGS_FILES, umbrellaHeaderText, wrapperUnitText } from './bindgen-commands';

describe('BINDGEN command line and the wrapper unit', () => {
  it('puts the umbrella first, allow-lists as given and clang arguments after --', () => {
    const args = bindgenArgs({
      umbrella: 'bindings.h', functions: ['io_.*'], types: ['iocb'], vars: [], includeDirs: ['/ws/inc'], defines: ['A=1'],
      target: 'x86_64-unknown-linux-gnu', rustOut: 'bindings.rs', wrappersOut: 'wrappers.c',
    });
    expect(args).toEqual([
      'bindings.h', '--output', 'bindings.rs', '--use-core', '--wrap-static-fns', '--wrap-static-fns-path', 'wrappers',
      '--allowlist-function', 'io_.*', '--allowlist-type', 'iocb',
      '--', '--target=x86_64-unknown-linux-gnu', '-I/ws/inc', '-DA=1',
    ]);
  });

  // Real bindgen and clang-22 on a header whose static inline function kbuild's
  // -fno-delete-null-pointer-checks would keep out of Rust callers (F3b).
  const kbuildLike = ['-mcmodel=kernel', '-mno-red-zone', '-fno-PIE', '-fno-delete-null-pointer-checks'];
  it('makes bindgen\'s wrappers always-inline under the kernel profile; bindgen\'s file alone is not (control)', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'local-lto-bindgen-unit-'));
    writeFileSync(join(dir, 'probe.h'), 'static inline int probe_twice(int v) { return 2 * v; }\nint probe_plain(int v);\n');
    writeFileSync(join(dir, BINDINGS_FILES.umbrella), umbrellaHeaderText(['probe.h']));
    writeFileSync(join(dir, BINDINGS_FILES.unit), wrapperUnitText());
    await execa('bindgen', bindgenArgs({
      umbrella: BINDINGS_FILES.umbrella, functions: [], types: [], vars: [], includeDirs: [dir], defines: [],
      target: 'x86_64-unknown-linux-gnu', rustOut: BINDINGS_FILES.rust, wrappersOut: BINDINGS_FILES.wrappers,
    }), { cwd: dir });
    expect(readFileSync(join(dir, BINDINGS_FILES.wrappers), 'utf8')).toMatch(/^#include "bindings.h"\n[\s\S]*int probe_twice__extern\(int v\) \{ return probe_twice\(v\); \}/);
    expect(readFileSync(join(dir, BINDINGS_FILES.rust), 'utf8')).toMatch(/#\[link_name = "probe_twice__extern"\]\s*pub fn probe_twice/);
    const attributesOf = async (source: string) => {
      const bc = join(dir, `${source}.bc`);
      await execa('clang-22', ['--target=x86_64-unknown-linux-gnu', '-flto=thin', '-O2', ...kbuildLike, `-I${dir}`, '-c', source, '-o', bc], { cwd: dir });
      const { stdout } = await execa('llvm-dis-22', [bc, '-o', '-']);
      const group = /define .*@probe_twice__extern\(.*#(\d+)/.exec(stdout)?.[1];
      return new RegExp(`^attributes #${group} = \\{(.*)\\}$`, 'm').exec(stdout)?.[1] ?? '';
    };
    const unit = await attributesOf(BINDINGS_FILES.unit);
    expect(unit).toMatch(/\balwaysinline\b/);
    expect(unit).toMatch(/\bnull_pointer_is_valid\b/);
    expect(await attributesOf(BINDINGS_FILES.wrappers)).not.toMatch(/\balwaysinline\b/);
  });
});
