import { chmodSync, linkSync, mkdtempSync, readFileSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { askTool, askToolSync } from './answer-memo';

/** A tool (a shell script) that counts how often it really ran. */
function countingTool(dir: string, name: string, body = 'echo "v1 $*"'): { file: string; runs: () => number } {
  const file = join(dir, name);
  const count = join(dir, `${name}.runs`);
  writeFileSync(count, '');
  writeFileSync(file, `#!/bin/sh\necho x >> '${count}'\n${body}\n`);
  chmodSync(file, 0o755);
  return { file, runs: () => readFileSync(count, 'utf8').split('\n').filter(Boolean).length };
}

describe('answer memo: a tool asked the same question in another process', () => {
  const dir = mkdtempSync(join(tmpdir(), 'local-lto-answers-'));
  const env = { ...process.env, XDG_CACHE_HOME: join(dir, 'cache') };

  it('is answered from the memo while the tool file is the same, and asked again once it changes', async () => {
    const tool = countingTool(dir, 'mytool');
    expect((await askTool(tool.file, ['--version'], { env })).stdout).toBe('v1 --version\n');
    expect((await askTool(tool.file, ['--version'], { env })).stdout).toBe('v1 --version\n');
    expect(askToolSync(tool.file, ['--version'], { env }).stdout).toBe('v1 --version\n');
    expect(tool.runs()).toBe(1);
    // Another question (arguments, input) is asked.
    await askTool(tool.file, ['-vV'], { env });
    askToolSync(tool.file, ['-vV'], { env, input: 'x' });
    expect(tool.runs()).toBe(3);
    // The tool replaced (new contents and times): asked again, the new answer.
    writeFileSync(tool.file, readFileSync(tool.file, 'utf8').replace('v1', 'v2'));
    utimesSync(tool.file, new Date(), new Date(Date.now() + 5000));
    expect((await askTool(tool.file, ['--version'], { env })).stdout).toBe('v2 --version\n');
    expect(tool.runs()).toBe(4);
  });

  it('never remembers a failed answer or a rustup proxy (its answer depends on the toolchain rustup picks)', async () => {
    const failing = countingTool(dir, 'broken', 'exit 3');
    for (let i = 0; i < 2; i++) expect((await askTool(failing.file, ['--version'], { env })).failed).toBe(true);
    expect(failing.runs()).toBe(2);
    const rustup = countingTool(dir, 'rustup');
    linkSync(rustup.file, join(dir, 'rustc'));
    for (let i = 0; i < 2; i++) await askTool(join(dir, 'rustc'), ['-vV'], { env });
    expect(rustup.runs()).toBe(2);
    // Control: the same script under another name beside no rustup is remembered.
    const other = mkdtempSync(join(tmpdir(), 'local-lto-answers-'));
    const plain = countingTool(other, 'rustc');
    for (let i = 0; i < 2; i++) await askTool(plain.file, ['-vV'], { env });
    expect(plain.runs()).toBe(1);
  });
});
