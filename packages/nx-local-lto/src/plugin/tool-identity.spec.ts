import { execa } from 'execa';
import { TOOLCHAIN_ID_SCRIPT, toolIdentityInput, toolPathsOf, withToolPaths } from './tool-identity';

/** Runs a runtime input's command the way Nx 22 does (`sh -c`, workspace root as cwd). */
const runtime = (command: string, env: Record<string, string> = {}) => execa('sh', ['-c', command], { reject: false, env, cwd: process.cwd() });

describe('tool identity inputs', () => {
  it('runs bin/toolchain-id.js once for all of a target\'s tools, passing only the tool paths a target sets', () => {
    expect(toolIdentityInput(['clang'])).toEqual({ runtime: `node '${TOOLCHAIN_ID_SCRIPT}' clang` });
    expect(toolIdentityInput(['rustc', 'clang'], { rustc: '/opt/rust/bin/rustc', clang: "/opt/it's/clang" })).toEqual({
      runtime: `node '${TOOLCHAIN_ID_SCRIPT}' rustc clang '--rustc=/opt/rust/bin/rustc' '--clang=/opt/it'\\''s/clang'`,
    });
  });

  it('re-points a target at the tool paths its project.json options set, leaving other inputs alone', () => {
    const target = { inputs: ['{projectRoot}/**/*.c', { env: 'RUSTFLAGS' }, toolIdentityInput(['rustc', 'clang'])] };
    const paths = toolPathsOf({ clang: '/usr/bin/clang-22', sources: ['a.c'], linker: '' });
    expect(paths).toEqual({ clang: '/usr/bin/clang-22' });
    const repointed = withToolPaths(target, paths);
    expect(repointed.inputs).toEqual(['{projectRoot}/**/*.c', { env: 'RUSTFLAGS' }, toolIdentityInput(['rustc', 'clang'], paths)]);
    expect(withToolPaths(repointed, { clang: '/opt/clang' }).inputs?.[2]).toEqual(toolIdentityInput(['rustc', 'clang'], { clang: '/opt/clang' }));
    expect(withToolPaths(target, {})).toBe(target);
  });

  it('prints the resolved path and version of each tool, in the order given (real tools)', async () => {
    const rustc = await runtime(toolIdentityInput(['rustc']).runtime);
    expect(rustc.exitCode).toBe(0);
    expect(rustc.stdout).toMatch(/^rustc: \/\S+\n[\s\S]*^LLVM version: \d+/m);
    const clang = await runtime(toolIdentityInput(['clang']).runtime);
    expect(clang.exitCode).toBe(0);
    expect(clang.stdout).toMatch(/^clang: \/\S*clang\S*\n.*clang version \d+/);
    const both = await runtime(toolIdentityInput(['rustc', 'clang']).runtime);
    expect(both.exitCode).toBe(0);
    expect(both.stdout).toBe(`${rustc.stdout}\n${clang.stdout}`);
  });

  it('a tool that cannot be resolved exits 1 with the discovery error and output that never repeats', async () => {
    const command = toolIdentityInput(['rustc', 'clang']).runtime;
    const env = { PATH: process.env.PATH ?? '', LOCAL_LTO_CLANG: '/no/such/clang' };
    const [a, b] = [await runtime(command, env), await runtime(command, env)];
    expect(a.exitCode).toBe(1);
    expect(a.stderr).toMatch(/\$LOCAL_LTO_CLANG names '\/no\/such\/clang'/);
    expect(a.stdout).toMatch(/^unresolved rustc clang [0-9a-f-]{36}$/);
    expect(b.stdout).not.toBe(a.stdout);
  });
});
