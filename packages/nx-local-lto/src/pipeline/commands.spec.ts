import { clangBitcodeArgs, llvmLinkArgs, rustBitcodeArgs, sanitizeRustFlags } from './commands';

describe('sanitizeRustFlags', () => {
  it('drops the settings the pipeline owns, in every spelling, and says why', () => {
    const { flags, ignored } = sanitizeRustFlags([
      '-Ccodegen-units=16', '-C', 'codegen-units=4', '--codegen=incremental=/tmp/x', '-C', 'incremental', '-Cpanic=unwind',
      '--emit', 'obj', '-o', 'x.o', '-Cdebuginfo=1', '-C', 'opt-level=3', '--cfg', 'feature="a"',
    ]);
    expect(flags).toEqual(['-Cdebuginfo=1', '-C', 'opt-level=3', '--cfg', 'feature="a"']);
    expect(ignored.map((i) => i.flag)).toEqual([
      '-Ccodegen-units=16', '-C codegen-units=4', '--codegen=incremental=/tmp/x', '-C incremental', '-Cpanic=unwind', '--emit obj', '-o x.o',
    ]);
    expect(ignored[0].why).toMatch(/one codegen unit/);
  });
});

describe('command lines', () => {
  it('rust-bc forces one codegen unit and panic=abort and remaps the workspace path', () => {
    const args = rustBitcodeArgs({
      crateRoot: 'd/src/lib.rs', crateName: 'd', edition: '2021', optLevel: '2', profile: 'user', cfg: ['x'],
      externs: { kernel: 'dist/libs/kernel/rust/libkernel.rmeta' }, rustflags: [], workspaceRoot: '/ws',
      bitcodeOut: 'o.bc', depInfoOut: 'o.d',
    });
    expect(args).toEqual(expect.arrayContaining(['-Ccodegen-units=1', '-Cpanic=abort', '--remap-path-prefix=/ws=.', '--emit=dep-info=o.d,llvm-bc=o.bc', '--extern', 'kernel=dist/libs/kernel/rust/libkernel.rmeta', '-L', 'dependency=dist/libs/kernel/rust', '--cfg', 'x']));
    expect(args[args.length - 1]).toBe('d/src/lib.rs');
  });

  it('clang-bc passes the triple and LTO mode before user flags, so a user override is visible to the checks', () => {
    const args = clangBitcodeArgs({
      source: 'a.c', target: 'x86_64-unknown-linux-gnu', ltoMode: 'thin', optLevel: '2', profile: 'user', includeDirs: ['inc'],
      defines: ['X=$(touch pwned)'], cflags: ['--target=i686-linux-gnu'], workspaceRoot: '/ws', bitcodeOut: 'a.bc', depFileOut: 'a.d', depTarget: 'a.bc',
    });
    expect(args.indexOf('--target=x86_64-unknown-linux-gnu')).toBeLessThan(args.indexOf('--target=i686-linux-gnu'));
    expect(args).toContain('-flto=thin');
    expect(args).toContain('-DX=$(touch pwned)');
  });

  it('llvm-link puts the Rust bitcode first and internalizes only the helpers', () => {
    expect(llvmLinkArgs('r.bc', ['a.bc', 'b.bc'], 'm.bc')).toEqual(['r.bc', '--internalize', 'a.bc', 'b.bc', '-o', 'm.bc']);
    expect(llvmLinkArgs('r.bc', [], 'm.bc')).toEqual(['r.bc', '-o', 'm.bc']);
  });
});
