import { execa } from 'execa';
import { appendFileSync, mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { folderContentsInput, folderInput } from './external-inputs';

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
