import { execa } from 'execa';
import { chmodSync, linkSync, mkdirSync, mkdtempSync, readFileSync, symlinkSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { nativeToolIdentityInput, TOOLCHAIN_ID_SCRIPT, toolIdentityInput, toolPathsOf, withToolPaths } from './tool-identity';

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

  describe('bin/tool-id.sh (the command targets\' identity input)', () => {
    const dir = mkdtempSync(join(tmpdir(), 'local-lto-tool-id-'));
    const env = { PATH: `${join(dir, 'bin')}:${process.env.PATH}`, XDG_CACHE_HOME: join(dir, 'cache') };
    mkdirSync(join(dir, 'bin'));
    /** A tool (a shell script) that counts how often it really ran. */
    const countingTool = (name: string, body = 'echo "v1 $*"') => {
      const file = join(dir, 'bin', name);
      const count = `${file}.runs`;
      writeFileSync(count, '');
      writeFileSync(file, `#!/bin/sh\necho x >> '${count}'\n${body}\n`);
      chmodSync(file, 0o755);
      return { file, runs: () => readFileSync(count, 'utf8').split('\n').filter(Boolean).length };
    };
    const id = (...words: string[]) => runtime(nativeToolIdentityInput(words).runtime, env);

    it('remembers each answer by file identity, a multi-link tool under its name too, and asks again once the file changes', async () => {
      const tool = countingTool('mytool');
      const first = await id('mytool');
      expect(first.stdout).toBe(`mytool: ${tool.file}\nv1 --version`);
      expect((await id(tool.file)).stdout).toBe(`${tool.file}: ${tool.file}\nv1 --version`);
      expect(tool.runs()).toBe(1);
      // LLVM's tools on Debian have two links; a multi-call binary answers by its name.
      linkSync(tool.file, join(dir, 'bin', 'othername'));
      await id('othername');
      await id('othername');
      await id('mytool');
      expect(tool.runs()).toBe(3);
      writeFileSync(tool.file, readFileSync(tool.file, 'utf8').replace('v1', 'v2'));
      utimesSync(tool.file, new Date(), new Date(Date.now() + 5000));
      expect((await id('mytool')).stdout).toBe(`mytool: ${tool.file}\nv2 --version`);
      expect(tool.runs()).toBe(4);
    });

    it('always asks a rustup proxy, a hard or a symbolic link (control: the same file under no rustup is remembered)', async () => {
      const rustup = countingTool('rustup', 'echo "rustc $*"');
      linkSync(rustup.file, join(dir, 'bin', 'rustc'));
      symlinkSync('rustup', join(dir, 'bin', 'cargo'));
      for (let i = 0; i < 2; i++) expect((await id('rustc', 'cargo')).stdout).toBe(`rustc: ${join(dir, 'bin', 'rustc')}\ncargo: ${join(dir, 'bin', 'cargo')}\nrustc -vV\nrustc --version`);
      expect(rustup.runs()).toBe(4);
      const other = join(dir, 'elsewhere');
      mkdirSync(other);
      symlinkSync(rustup.file, join(other, 'rustc'));
      for (let i = 0; i < 2; i++) await id(join(other, 'rustc'));
      expect(rustup.runs()).toBe(5);
    });

    it('a tool that is missing or fails prints bytes that never repeat, and exits 1', async () => {
      countingTool('broken', 'exit 3');
      for (const words of [['mytool', 'nosuchtool'], ['broken']]) {
        const [a, b] = [await id(...words), await id(...words)];
        expect([a.exitCode, b.exitCode]).toEqual([1, 1]);
        expect(a.stdout).not.toBe(b.stdout);
      }
    });
  });
});
