/**
 * The report protocol between the VM's /init and its parser, and the judges, on the text a
 * boot writes (the same runs on the real kernel are in vm.spec.ts).
 */
import { checkExpected, checkRefused, checkSameLines, matches, printedLines } from './checks';
import { initScript, InitStep, MARKER } from './initramfs';
import { parseRun, unexpectedTaint } from './vm';

const steps: InitStep[] = [
  { kind: 'insmod', file: '/w/dist/kuid.ko', params: ['msg=a b', 'n=3'] },
  { kind: 'rmmod', module: 'kuid' },
];

describe('init script', () => {
  it('runs each step with its arguments quoted, between markers, then powers off', () => {
    const script = initScript(steps);
    expect(script).toContain(`insmod /modules/0/kuid.ko 'msg=a b' n=3 2>&1\necho "${MARKER} status 0 $?"\ndmesg -c\n`);
    expect(script).toContain('rmmod kuid 2>&1\n');
    expect(script.trimEnd().split('\n').slice(-2)).toEqual([`echo "${MARKER} done"`, 'poweroff -f']);
  });
});

describe('report parser', () => {
  const report = [
    `${MARKER} boot 6.1.0-57-amd64`,
    `${MARKER} begin 0`,
    `${MARKER} status 0 0`,
    '[    2.859234] kuid: loading out-of-tree module taints kernel.',
    '[    2.860627] kuid: module verification failed: signature and/or required key missing - tainting kernel',
    '[    2.866175] kuid: uid=1000\r',
    '[    2.866180] clocksource: Switched to clocksource tsc',
    '[    2.866190] kuid: refcount=2',
    `${MARKER} tainted 0 12288`,
    `${MARKER} begin 1`,
    `${MARKER} status 1 0`,
    `${MARKER} tainted 1 12288`,
    `${MARKER} done`,
  ].join('\r\n');

  it('gives each step its status, its kernel lines and its taint', () => {
    const run = parseRun(report, '', steps);
    expect(run).toMatchObject({ release: '6.1.0-57-amd64', completed: true, crashes: [] });
    expect(run.steps.map((s) => [s.reached, s.status, s.tainted])).toEqual([[true, 0, 12288], [true, 0, 12288]]);
    // The module's lines: its name prefix, no loader notes, no other kernel line.
    expect(printedLines(run.steps[0], 'kuid')).toEqual(['uid=1000', 'refcount=2']);
  });

  it('finds an oops on the console, and a VM that stopped early is not completed', () => {
    const cut = report.slice(0, report.indexOf(`${MARKER} tainted 0`));
    const run = parseRun(cut, 'Booting\r\n[    8.67] BUG: kernel NULL pointer dereference, address: 0000000000000000\r\n', steps);
    expect(run.completed).toBe(false);
    expect(run.steps.map((s) => s.reached)).toEqual([true, false]);
    expect(run.crashes).toEqual(['BUG: kernel NULL pointer dereference, address: 0000000000000000']);
  });
});

describe('judges', () => {
  it('taint: O and E are expected, anything else is named by its letter', () => {
    expect(unexpectedTaint(12288)).toBe('');
    expect(unexpectedTaint(12288 | (1 << 7) | (1 << 9))).toBe('DW');
  });

  it('expect: text or /regex/', () => {
    expect(matches('uid=1000', 'uid=1000 gid=0')).toBe(true);
    expect(matches('/^uid=\\d+$/', 'uid=1000')).toBe(true);
    expect(matches('/^uid=\\d+$/', 'uid=x')).toBe(false);
    expect(checkExpected(['uid=1000'], ['uid=1000', 'refcount=2'], 'kuid.ko', ['tsc: unstable']))
      .toBe(`kuid.ko did not print 'refcount=2' (option 'expect'); it printed 'uid=1000'; lines without the module's name prefix do not count: 'tsc: unstable'`);
  });

  it('expectLoadFailure: refused with the message, else named', () => {
    const step = steps[0];
    const refused = { step, reached: true, status: 8, output: ["insmod: can't insert '/modules/0/kuid.ko': invalid module format"], log: ['module: kuid: Unknown rela relocation: 41'] };
    expect(checkRefused(refused, 'Unknown rela relocation', 'kuid.ko')).toBeUndefined();
    expect(checkRefused(refused, 'Exec format', 'kuid.ko')).toMatch(/^kuid\.ko was refused, but without 'Exec format' \(option 'expectLoadFailure'\); the kernel said /);
    expect(checkRefused({ ...refused, status: 0, output: [], log: [] }, 'Unknown rela relocation', 'kuid.ko'))
      .toBe(`kuid.ko loaded, but option 'expectLoadFailure' says the kernel must refuse it ('Unknown rela relocation')`);
  });

  it('compareWith: the first differing line, or a missing one', () => {
    expect(checkSameLines(['a=1', 'b=2'], ['a=1', 'b=2'], 'x.ko', 'y.ko')).toBeUndefined();
    expect(checkSameLines(['a=1', 'b=2'], ['a=1'], 'x.ko', 'y.ko'))
      .toBe(`x.ko and y.ko (option 'compareWith') differ at printed line 2: 'b=2' vs (no line)`);
  });
});
