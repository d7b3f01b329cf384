import { LocalLtoError } from '../errors';
import { resolveLlvmTool, resolveRustc } from './discover';
import { parseLlvmVersion } from './version';

describe('toolchain discovery on this machine', () => {
  const env = { PATH: process.env.PATH };
  it('reads rustc -vV and picks clang, llvm-link and ld.lld of its LLVM major', async () => {
    const rustc = await resolveRustc({}, {});
    expect(rustc.llvm.major).toBeGreaterThanOrEqual(17);
    expect(rustc.host).toMatch(/^x86_64-/);
    for (const kind of ['clang', 'llvm-link', 'ld.lld'] as const) {
      const tool = await resolveLlvmTool(kind, rustc, {}, env);
      expect(tool.version.major).toBe(rustc.llvm.major);
      expect(tool.path).toMatch(new RegExp(`${kind.replace('.', '\\.')}-${rustc.llvm.major}$`));
      expect(tool.source).toBe('versioned');
    }
  });

  it('an explicit option wins over the environment, which wins over PATH', async () => {
    const rustc = await resolveRustc({}, {});
    const rustLld = `${rustc.sysroot}/lib/rustlib/${rustc.host}/bin/rust-lld`;
    const fromEnv = await resolveLlvmTool('ld.lld', rustc, {}, { ...env, LOCAL_LTO_LD: rustLld });
    expect(fromEnv).toMatchObject({ source: 'env', prefixArgs: ['-flavor', 'gnu'] });
    expect(fromEnv.version.major).toBe(rustc.llvm.major);
    const fromOption = await resolveLlvmTool('ld.lld', rustc, { linker: 'ld.lld-14' }, { ...env, LOCAL_LTO_LD: rustLld });
    expect(fromOption).toMatchObject({ source: 'option', path: 'ld.lld-14' });
  });

  it('falls back to rust-lld when no ld.lld of the major is on PATH', async () => {
    const rustc = await resolveRustc({}, {});
    const tool = await resolveLlvmTool('ld.lld', rustc, {}, { PATH: '/nonexistent' } as NodeJS.ProcessEnv);
    expect(tool.source).toBe('rust-lld');
  });

  it('names the Debian package when nothing fits, and a broken override', async () => {
    const rustc = await resolveRustc({}, {});
    const noPath = resolveLlvmTool('clang', { ...rustc, llvm: { major: 99, minor: 0, patch: 0 } }, {}, env);
    await expect(noPath).rejects.toThrow(LocalLtoError);
    await expect(noPath).rejects.toThrow(/no clang for LLVM 99 .*apt-get install -y clang-99/);
    await expect(resolveLlvmTool('clang', rustc, {}, { ...env, LOCAL_LTO_CLANG: '/no/such/clang' })).rejects.toThrow(/\$LOCAL_LTO_CLANG names '\/no\/such\/clang'/);
  });
});

describe('parseLlvmVersion', () => {
  it.each([
    ['Debian clang version 22.1.8 (1~deb12u1)', 22],
    ['Debian LLD 22.1.8 (compatible with GNU linkers)', 22],
    ['Debian LLVM version 14.0.6', 14],
    ['LLD 22.1.2 (/checkout/src/llvm-project/llvm 1cb4e38) (compatible with GNU linkers)', 22],
  ])('%s', (text, major) => expect(parseLlvmVersion(text)?.major).toBe(major));
});
