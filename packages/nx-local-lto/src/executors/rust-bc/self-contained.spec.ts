import { ExecutorContext } from '@nx/devkit';
import { captureExecutorErrors } from '../testing/quiet-logger';
import { execa } from 'execa';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { repoRoot } from '../testing/fixture-workspace';
import rustBc from './executor';

/** rust-bc with selfContained (the rustc route of issue rust-runtime), real rustc. */
describe('rust-bc selfContained', () => {
  const root = mkdtempSync(join(tmpdir(), 'local-lto-selfcontained-'));
  const context = {
    root,
    cwd: root,
    isVerbose: false,
    projectName: 'sc',
    targetName: 'rust-bc',
    projectsConfigurations: { version: 2, projects: { sc: { root: 'sc' } } },
    nxJsonConfiguration: {},
    projectGraph: { nodes: {}, dependencies: {} },
  } as unknown as ExecutorContext;
  const errors: string[] = [];
  const runtime = join(repoRoot, 'packages/nx-local-lto/runtime/rust/src/lib.rs');
  const nm = async (file: string) => (await execa('llvm-nm-22', [join(root, file)])).stdout;

  beforeAll(() => {
    mkdirSync(join(root, 'sc/src'), { recursive: true });
    writeFileSync(
      join(root, 'sc/src/lib.rs'),
      [
        '#![no_std]',
        'extern crate alloc;',
        'extern crate local_lto_rt;',
        '#[no_mangle]',
        'pub extern "C" fn sc_get(p: *const u32, n: usize, i: usize) -> u32 {',
        '    let v: alloc::vec::Vec<u32> = unsafe { core::slice::from_raw_parts(p, n) }.to_vec();',
        '    v[i]',
        '}',
      ].join('\n'),
    );
    captureExecutorErrors(errors);
  });
  afterAll(() => {
    jest.restoreAllMocks();
    rmSync(root, { recursive: true, force: true });
  });

  it('writes one module with the runtime, core and alloc code inside: only the runtime C and memcpy left undefined', async () => {
    expect(await rustBc({ crateRoot: 'sc/src/lib.rs', selfContained: true, runtimeCrateRoot: runtime } as never, context)).toEqual({ success: true });
    const symbols = await nm('dist/sc/rust/sc.bc');
    expect(symbols).toMatch(/^-* T sc_get$/m);
    const undef = symbols.split('\n').filter((l) => / U /.test(l)).map((l) => l.trim().split(/\s+/)[1]).sort();
    expect(undef.filter((s) => !/^(local_lto_rt_\w+|rust_eh_personality|memcpy)$/.test(s))).toEqual([]);
    expect(undef).toEqual(expect.arrayContaining(['local_lto_rt_alloc', 'local_lto_rt_panic']));
    expect(readFileSync(join(root, 'dist/sc/rust/sc.d'), 'utf8')).not.toMatch(/local-lto-rustc-|\.tmp-/);
  });

  it('without selfContained the same crate leaves core and alloc undefined (control)', async () => {
    writeFileSync(join(root, 'sc/src/plain.rs'), '#![no_std]\n#[no_mangle]\npub extern "C" fn p(s: &[u32], i: usize) -> u32 { s[i] }\n');
    expect(await rustBc({ crateRoot: 'sc/src/plain.rs', outputPath: 'dist/sc/plain.bc' } as never, context)).toEqual({ success: true });
    expect(await nm('dist/sc/plain.bc')).toMatch(/ U _RNv\w*4core9panicking18panic_bounds_check$/m);
  });

  it('refuses externs with one line naming both options and the cargo route', async () => {
    writeFileSync(join(root, 'sc/libk.rmeta'), '');
    errors.length = 0;
    expect(await rustBc({ crateRoot: 'sc/src/lib.rs', selfContained: true, externs: { k: 'sc/libk.rmeta' } } as never, context)).toEqual({ success: false });
    expect(errors.join('\n')).toMatch(/option 'selfContained' cannot be used with 'externs' \(k\).*build the driver through cargo instead/);
  });
});
