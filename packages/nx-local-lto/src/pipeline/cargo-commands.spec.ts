import { cargoBitcodeArgs, cargoBuildRustflags, cargoMetadataArgs } from './cargo-commands';

describe('cargo command lines', () => {
  const step = {
    manifestPath: 'drivers/b/Cargo.toml',
    targetDir: 'dist/drivers/b/cargo',
    target: 'x86_64-unknown-linux-gnu',
    optLevel: 's',
    profile: 'user' as const,
    rustflags: ['-Cdebuginfo=1'],
    workspaceRoot: '/ws',
    cargoHome: '/home/u/.cargo',
    bitcodeOut: 'dist/drivers/b/rust/b.bc.tmp',
    rustc: '/usr/bin/rustc',
  };

  it('builds a fat-LTO staticlib in the local-lto profile with the lock file, bitcode to the given path', () => {
    const args = cargoBitcodeArgs(step);
    expect(args.slice(0, 12)).toEqual(['rustc', '--manifest-path', 'drivers/b/Cargo.toml', '--locked', '--lib', '--crate-type', 'staticlib', '--profile', 'local-lto', '--target', 'x86_64-unknown-linux-gnu', '--target-dir']);
    expect(args).toEqual(expect.arrayContaining(['profile.local-lto.lto="fat"', 'profile.local-lto.panic="abort"', 'profile.local-lto.codegen-units=1', 'profile.local-lto.opt-level="s"', 'build.rustc="/usr/bin/rustc"']));
    // -Clto=fat is never passed as a rustc flag (cargo would build dependencies without bitcode, F21).
    expect(args.some((a) => /lto=fat/.test(a) && a.startsWith('-C'))).toBe(false);
    const dashdash = args.indexOf('--');
    expect(args.slice(dashdash + 1)).toEqual(['-Cdebuginfo=1', '--emit=llvm-bc=dist/drivers/b/rust/b.bc.tmp,link']);
  });

  it('passes the profile flags and both path remappings to every crate through build.rustflags', () => {
    expect(cargoBuildRustflags(step)).toEqual(['-Crelocation-model=pic', '--remap-path-prefix=/ws=.', '--remap-path-prefix=/home/u/.cargo=/cargo-home']);
    // The kernel profile's flags are the tree's (src/kernel/rust-flags.ts), as for rust-bc; none without a tree.
    const config = cargoBitcodeArgs({ ...step, profile: 'kernel', kernelRustflags: ['-Ccode-model=kernel', '-Cno-redzone=yes'] }).find((a) => a.startsWith('build.rustflags='))!;
    expect(JSON.parse(config.slice('build.rustflags='.length))).toEqual(['-Ccode-model=kernel', '-Cno-redzone=yes', '--remap-path-prefix=/ws=.', '--remap-path-prefix=/home/u/.cargo=/cargo-home']);
    expect(() => cargoBitcodeArgs({ ...step, profile: 'kernel' })).toThrow(/kernel tree's flags/);
  });

  it('reads metadata offline with the lock file', () => {
    expect(cargoMetadataArgs('d/Cargo.toml')).toEqual(['metadata', '--format-version', '1', '--locked', '--offline', '--manifest-path', 'd/Cargo.toml']);
  });
});
