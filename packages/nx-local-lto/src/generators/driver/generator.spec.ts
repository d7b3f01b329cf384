import { addProjectConfiguration, readJson, Tree, writeJson } from '@nx/devkit';
import { createTreeWithEmptyWorkspace } from '@nx/devkit/testing';
import { driverGenerator, helperComputation } from './generator';
import { DriverGeneratorSchema } from './schema';

/** Every pending change of the tree, content included: equal before and after means nothing was written. */
const changes = (tree: Tree) => tree.listChanges().map((c) => ({ path: c.path, type: c.type, content: c.content?.toString() }));
const read = (tree: Tree, path: string) => {
  const content = tree.read(path, 'utf-8');
  if (content === null) throw new Error(`${path} was not generated`);
  return content;
};

/** The files the generator wrote under drivers/, sorted. */
function driverFilesWritten(tree: Tree): string[] {
  return tree.listChanges().filter((c) => c.path.startsWith('drivers/')).map((c) => c.path).sort();
}

describe('nx-local-lto:driver', () => {
  let tree: Tree;
  beforeEach(() => {
    tree = createTreeWithEmptyWorkspace();
  });

  describe('with defaults', () => {
    beforeEach(async () => {
      await driverGenerator(tree, { name: 'probe' });
    });

    it('writes exactly the driver files under drivers/<name>', () => {
      const created = driverFilesWritten(tree);
      expect(created).toEqual([
        'drivers/probe/README.md',
        'drivers/probe/helpers/probe_helpers.c',
        'drivers/probe/include/probe.h',
        'drivers/probe/local-lto.json',
        'drivers/probe/src/lib.rs',
        'drivers/probe/test/probe_test.c',
      ]);
    });

    it('writes a driver manifest the plugin infers the targets from', () => {
      expect(readJson(tree, 'drivers/probe/local-lto.json')).toEqual({
        kind: 'driver',
        name: 'probe',
        crateRoot: 'src/lib.rs',
        profile: 'user',
        sources: ['helpers/probe_helpers.c'],
        includeDirs: ['include'],
        libs: [],
        test: { sources: ['test/probe_test.c'] },
      });
    });

    it('generates one helper named example', () => {
      const header = read(tree, 'drivers/probe/include/probe.h');
      expect(header).toContain('static inline uint32_t example_inline(uint32_t v)');
      expect(header).toContain(`return ${helperComputation(0).expression};`);
      expect(header).toContain('uint32_t rust_helper_example(uint32_t v);');
      expect(header).toContain('uint32_t probe_example(uint32_t v);');
      expect(header).toMatch(/#ifndef __rust_helper\n(?:.*\n)*?#define __rust_helper __attribute__\(\(__always_inline__\)\)\n#endif/);
      expect(header).toMatch(/^#ifndef PROBE_DRIVER_H\n#define PROBE_DRIVER_H$/m);
      expect(header.trimEnd().endsWith('#endif')).toBe(true);

      expect(read(tree, 'drivers/probe/helpers/probe_helpers.c')).toContain(
        '#include "probe.h"\n\n__rust_helper uint32_t rust_helper_example(uint32_t v) { return example_inline(v); }\n',
      );

      const lib = read(tree, 'drivers/probe/src/lib.rs');
      expect(lib).toContain('#![no_std]');
      expect(lib).toMatch(/extern "C" \{\n\s+pub fn rust_helper_example\(v: u32\) -> u32;\n\s+\}/);
      expect(lib).toMatch(/#\[inline\]\npub fn example\(v: u32\) -> u32 \{\n.*\n\s+unsafe \{ bindings::rust_helper_example\(v\) \}\n\}/);
      expect(lib).toMatch(/#\[no_mangle\]\npub extern "C" fn probe_example\(v: u32\) -> u32 \{\n\s+example\(v\)\n\}/);
      // Nothing in the crate can panic: no plain arithmetic, indexing or unwrap.
      expect(lib).not.toMatch(/[^/]\s[+*-]\s|\[\d|unwrap|panic!/);

      const test = read(tree, 'drivers/probe/test/probe_test.c');
      expect(test).toContain('#include "probe.h"');
      expect(test).toContain('check("probe_example", v, probe_example(v), example_inline(v));');
      expect(test).toContain('printf("probe: %d of %d checks passed\\n", checks - failures, checks);');
      expect(test).toContain('return failures ? 1 : 0;');

      const readme = read(tree, 'drivers/probe/README.md');
      expect(readme).toMatch(/^# probe\n/);
      expect(readme).toContain('nx build probe');
      expect(readme).toContain('dist/drivers/probe/inline-report.json');
    });

    it('registers the plugin in nx.json (runs init)', () => {
      const nx = readJson(tree, 'nx.json');
      expect(nx.plugins).toContain('nx-local-lto');
      expect(nx.namedInputs.localLtoToolchain).toHaveLength(5);
    });
  });

  it('takes helpers as a comma-separated string or a list, each with its own computation', async () => {
    await driverGenerator(tree, { name: 'one', helpers: ' a, b ,c,d,e,f ' });
    await driverGenerator(tree, { name: 'two', helpers: ['a', 'b', 'c', 'd', 'e', 'f'] });
    expect(read(tree, 'drivers/two/include/two.h').replace(/two|TWO/g, 'X')).toBe(read(tree, 'drivers/one/include/one.h').replace(/one|ONE/g, 'X'));

    const header = read(tree, 'drivers/one/include/one.h');
    const bodies = [...header.matchAll(/static inline uint32_t (\w+)_inline\(uint32_t v\)\n\{\n\treturn (.*);\n\}/g)];
    expect(bodies.map((m) => m[1])).toEqual(['a', 'b', 'c', 'd', 'e', 'f']);
    expect(new Set(bodies.map((m) => m[2])).size).toBe(6);

    const helpersC = read(tree, 'drivers/one/helpers/one_helpers.c');
    const lib = read(tree, 'drivers/one/src/lib.rs');
    const test = read(tree, 'drivers/one/test/one_test.c');
    for (const x of ['a', 'b', 'c', 'd', 'e', 'f']) {
      expect(helpersC).toContain(`__rust_helper uint32_t rust_helper_${x}(uint32_t v) { return ${x}_inline(v); }`);
      expect(header).toContain(`uint32_t rust_helper_${x}(uint32_t v);`);
      expect(header).toContain(`uint32_t one_${x}(uint32_t v);`);
      expect(lib).toContain(`pub fn rust_helper_${x}(v: u32) -> u32;`);
      expect(lib).toContain(`pub fn ${x}(v: u32) -> u32 {`);
      expect(lib).toContain(`pub extern "C" fn one_${x}(v: u32) -> u32 {\n    ${x}(v)\n}`);
      expect(test).toContain(`check("one_${x}", v, one_${x}(v), ${x}_inline(v));`);
    }
  });

  it('gives every helper index a different computation', () => {
    const expressions = Array.from({ length: 64 }, (_, i) => helperComputation(i).expression);
    expect(new Set(expressions).size).toBe(64);
  });

  it("uses the name with '-' as '_' for the crate, files and symbols", async () => {
    await driverGenerator(tree, { name: 'my-probe', helpers: 'x' });
    const manifest = readJson(tree, 'drivers/my-probe/local-lto.json');
    expect(manifest.name).toBe('my-probe');
    expect(manifest.sources).toEqual(['helpers/my_probe_helpers.c']);
    expect(manifest.test).toEqual({ sources: ['test/my_probe_test.c'] });
    expect(read(tree, 'drivers/my-probe/include/my_probe.h')).toContain('#ifndef MY_PROBE_DRIVER_H');
    expect(read(tree, 'drivers/my-probe/src/lib.rs')).toContain('pub extern "C" fn my_probe_x(v: u32) -> u32');
    expect(read(tree, 'drivers/my-probe/test/my_probe_test.c')).toContain('printf("my-probe: %d of %d checks passed\\n"');
  });

  it('writes into --directory, normalized', async () => {
    await driverGenerator(tree, { name: 'probe', directory: 'hw/./net//probe-dir/' });
    expect(readJson(tree, 'hw/net/probe-dir/local-lto.json').name).toBe('probe');
    expect(tree.exists('hw/net/probe-dir/src/lib.rs')).toBe(true);
    expect(tree.exists('drivers/probe')).toBe(false);
    expect(read(tree, 'hw/net/probe-dir/README.md')).toContain('dist/hw/net/probe-dir/probe.o');
  });

  describe('with --profile=kernel: an out-of-tree Linux module', () => {
    beforeEach(async () => {
      await driverGenerator(tree, { name: 'kd', profile: 'kernel', helpers: 'scale,mix,hash' });
    });

    it('writes the module layout: module glue, no host test', () => {
      const created = driverFilesWritten(tree);
      expect(created).toEqual([
        'drivers/kd/README.md',
        'drivers/kd/helpers/kd_helpers.c',
        'drivers/kd/include/kd.h',
        'drivers/kd/local-lto.json',
        'drivers/kd/module/kd_main.c',
        'drivers/kd/src/lib.rs',
      ]);
    });

    it('writes a kernel manifest with the module glue and the lines the VM test expects, no flags and no tree', () => {
      const expected = [0, 1, 42, 0xffffffff].flatMap((v) => ['scale', 'mix', 'hash'].map((h, i) => `kd_${h}(${v}) = ${helperComputation(i, 'kernel').apply(v)} ok`));
      expect(readJson(tree, 'drivers/kd/local-lto.json')).toEqual({
        kind: 'driver',
        name: 'kd',
        crateRoot: 'src/lib.rs',
        profile: 'kernel',
        sources: ['helpers/kd_helpers.c'],
        includeDirs: ['include'],
        libs: [],
        module: {
          glue: ['module/kd_main.c'],
          vmTest: { expect: [...expected, 'refcount count 2 ok', 'refcount released 1 ok', 'all 14 checks passed'] },
        },
      });
      expect(readJson(tree, 'drivers/kd/local-lto.json').module.vmTest.expect).toContain('kd_scale(42) = 40629 ok');
    });

    it('writes helpers over the kernel headers with kernel types and the __rust_helper convention', () => {
      const header = read(tree, 'drivers/kd/include/kd.h');
      for (const h of ['linux/types.h', 'linux/refcount.h', 'linux/bitops.h', 'linux/hash.h']) expect(header).toContain(`#include <${h}>`);
      expect(header).not.toMatch(/stdint|uint32_t/);
      expect(header).toMatch(/#ifndef __rust_helper\n#define __rust_helper __always_inline\n#endif/);
      expect(header).toContain(`static inline u32 scale_inline(u32 v)\n{\n\treturn ${helperComputation(0, 'kernel').expression};\n}`);
      expect(helperComputation(1, 'kernel').expression).toMatch(/^rol32\(v, \d+\) \^ 0x[0-9a-f]+u$/);
      expect(helperComputation(2, 'kernel').expression).toMatch(/^hash_32\(v \^ \(v >> \d+\), \d+\)$/);
      expect(header).toContain('return rol32(v, ');
      expect(header).toContain('return hash_32(v ^ ');
      expect(header).toContain('struct kd_refcount_cycle kd_refcount_cycle(refcount_t *r);');

      const helpersC = read(tree, 'drivers/kd/helpers/kd_helpers.c');
      for (const x of ['scale', 'mix', 'hash']) expect(helpersC).toContain(`__rust_helper u32 rust_helper_${x}(u32 v) { return ${x}_inline(v); }`);
      expect(helpersC).toContain('__rust_helper void rust_helper_refcount_inc(refcount_t *r) { refcount_inc(r); }');
      expect(helpersC).toContain('__rust_helper bool rust_helper_refcount_dec_and_test(refcount_t *r) { return refcount_dec_and_test(r); }');
      expect(helpersC.match(/^__rust_helper /gm)).toHaveLength(3 + 4);
    });

    it('writes a no_std crate that cannot panic, with a Refcount over the helpers', () => {
      const lib = read(tree, 'drivers/kd/src/lib.rs');
      expect(lib).toContain('#![no_std]');
      expect(lib).toContain('pub fn rust_helper_refcount_dec_and_test(r: *mut Refcount) -> bool;');
      expect(lib).toMatch(/#\[repr\(transparent\)\]\npub struct Refcount\(UnsafeCell<i32>\);/);
      expect(lib).toContain('pub extern "C" fn kd_mix(v: u32) -> u32 {\n    mix(v)\n}');
      expect(lib).toContain('pub extern "C" fn kd_refcount_cycle(r: &Refcount) -> RefcountCycle {');
      // Nothing in the code (comments aside) can panic: no plain arithmetic, indexing or unwrap.
      expect(lib.replace(/\/\/.*$/gm, '')).not.toMatch(/\s[+*-]\s|\[\d|unwrap|expect\(|panic!/);
    });

    it('writes module glue that prints and checks every value, then the final line', () => {
      const glue = read(tree, 'drivers/kd/module/kd_main.c');
      expect(glue).toContain('module_init(kd_init);');
      expect(glue).toContain('module_exit(kd_exit);');
      expect(glue).toContain('MODULE_LICENSE("GPL");');
      expect(glue).toContain('#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt');
      expect(glue).toContain('static const u32 values[] = { 0, 1, 42, 0xffffffff };');
      for (const x of ['scale', 'mix', 'hash']) expect(glue).toContain(`passed += kd_check("kd_${x}", v, kd_${x}(v), ${x}_inline(v));`);
      expect(glue).toContain('pr_info("%s(%u) = %u ok\\n", fn, arg, rust);');
      expect(glue).toContain('pr_info("all 14 checks passed\\n");');
      expect(glue).toContain('rust = kd_refcount_cycle(&kd_refs);');
    });

    it('writes a README saying how to build, load and test', () => {
      const readme = read(tree, 'drivers/kd/README.md');
      expect(readme).toMatch(/^# kd\n/);
      for (const s of ['nx build kd', 'nx run kd:module', 'nx test kd', 'sudo insmod dist/drivers/kd/kd.ko', 'sudo rmmod kd', 'LOCAL_LTO_KERNEL_DIR', '`kernelDir`', 'all 14 checks passed']) {
        expect(readme).toContain(s);
      }
    });

    it('keeps a kernel c-library of --libs in the manifest', async () => {
      writeJson(tree, 'libs/kh/local-lto.json', { kind: 'c-library', profiles: ['user', 'kernel'] });
      await driverGenerator(tree, { name: 'kd2', profile: 'kernel', libs: 'kh' });
      expect(readJson(tree, 'drivers/kd2/local-lto.json')).toMatchObject({ profile: 'kernel', libs: ['kh'] });
    });
  });

  it('computes in JavaScript what each helper computes in C, modulo 2^32', () => {
    // 0xffffffff * 3 + 40503 wraps to 40500; rol32 and the golden-ratio multiply wrap too.
    expect(helperComputation(0, 'kernel').apply(0xffffffff)).toBe(40500);
    expect(helperComputation(1, 'user').apply(1)).toBe(((1 << 8) ^ 0x5bd1e996) >>> 0);
    expect(helperComputation(1, 'user').apply(0x80000000)).toBe((0x80 ^ 0x5bd1e996) >>> 0);
    expect(helperComputation(2, 'user').apply(1)).toBe(7);
    expect(helperComputation(2, 'kernel').apply(1)).toBe(Number((0x61c88647n * 1n) % 2n ** 32n >> 2n));
    for (let i = 0; i < 12; i++) {
      for (const p of ['user', 'kernel'] as const) {
        for (const v of [0, 1, 42, 0xffffffff]) expect(helperComputation(i, p).apply(v)).toBe(helperComputation(i, p).apply(v) >>> 0);
      }
    }
  });

  it('lists c-libraries from libs/ in the manifest', async () => {
    writeJson(tree, 'libs/kernel-helpers/local-lto.json', { kind: 'c-library', sources: ['src/kuid.c'], includeDirs: ['include'] });
    writeJson(tree, 'libs/more/local-lto.json', { kind: 'c-library' });
    await driverGenerator(tree, { name: 'a', libs: 'kernel-helpers, more' });
    await driverGenerator(tree, { name: 'b', libs: ['more'] });
    expect(readJson(tree, 'drivers/a/local-lto.json').libs).toEqual(['kernel-helpers', 'more']);
    expect(readJson(tree, 'drivers/b/local-lto.json').libs).toEqual(['more']);
    expect(read(tree, 'drivers/a/src/lib.rs')).not.toContain('pub use');
  });

  it('uses rust-crate libraries from libs/: listed in the manifest and re-exported by the crate', async () => {
    writeJson(tree, 'libs/kernel-helpers/local-lto.json', { kind: 'c-library' });
    writeJson(tree, 'libs/kernel/local-lto.json', { kind: 'rust-crate', libs: ['kernel-helpers'] });
    writeJson(tree, 'libs/my-support/local-lto.json', { kind: 'rust-crate', crateName: 'support' });
    await driverGenerator(tree, { name: 'uses-kernel', libs: 'kernel,kernel-helpers,my-support' });
    expect(readJson(tree, 'drivers/uses-kernel/local-lto.json').libs).toEqual(['kernel', 'kernel-helpers', 'my-support']);
    const lib = read(tree, 'drivers/uses-kernel/src/lib.rs');
    expect(lib).toMatch(/#!\[no_std\]\n\n\/\/\/ The Rust support crate `kernel` \(project `kernel`, `--extern`\)[^\n]*\n\/\/\/[^\n]*\npub use kernel;\n/);
    expect(lib).toContain('\npub use support;\n');
    expect(lib).not.toContain('pub use kernel_helpers');
    expect(read(tree, 'drivers/uses-kernel/README.md')).toContain('Libraries used: `kernel`, `kernel-helpers`, `my-support`.');
  });

  describe('rejects, with one line and writing nothing,', () => {
    const rejects = async (options: Partial<DriverGeneratorSchema> & Record<string, unknown>, message: string | RegExp) => {
      const before = changes(tree);
      const error = await driverGenerator(tree, options).then(
        () => undefined,
        (e: Error) => e,
      );
      expect(error).toBeInstanceOf(Error);
      expect(error!.message).not.toContain('\n');
      if (typeof message === 'string') expect(error!.message).toBe(message);
      else expect(error!.message).toMatch(message);
      expect(changes(tree)).toEqual(before);
    };

    it('a name that is no Rust crate name', async () => {
      await rejects({ name: '9bad' }, /^driver name '9bad' is not valid: use lowercase letters, digits, '-' and '_', starting with a letter/);
      await rejects({ name: 'Probe' }, /^driver name 'Probe' is not valid/);
      await rejects({ name: 'a.b' }, /^driver name 'a.b' is not valid/);
      await rejects({ name: '../evil' }, /^driver name '..\/evil' is not valid/);
      await rejects({ name: 'self' }, /^driver name 'self' cannot be a Rust crate name/);
      await rejects({ name: 'core' }, /^driver name 'core' cannot be a Rust crate name/);
    });

    it('a missing name', async () => {
      await rejects({}, "option 'name' is required");
    });

    it('a directory outside the workspace or absolute', async () => {
      await rejects({ name: 'probe', directory: '../evil' }, "directory '../evil' is outside the workspace or is its root; give a folder inside it, e.g. drivers/<name>");
      await rejects({ name: 'probe', directory: 'drivers/../../evil' }, /^directory 'drivers\/..\/..\/evil' is outside the workspace/);
      await rejects({ name: 'probe', directory: '.' }, /^directory '.' is outside the workspace or is its root/);
      await rejects({ name: 'probe', directory: '/tmp/evil' }, "directory '/tmp/evil' must be relative to the workspace root, e.g. drivers/<name>");
      await rejects({ name: 'probe', directory: 'C:\\evil' }, /^directory 'C:\\evil' must be relative/);
      await rejects({ name: 'probe', directory: 'node_modules/probe' }, /^directory 'node_modules\/probe' is inside node_modules\//);
    });

    it('a library not built for the requested profile', async () => {
      writeJson(tree, 'libs/user-only/local-lto.json', { kind: 'c-library' });
      await rejects({ name: 'probe', profile: 'kernel', libs: 'user-only' }, `library 'user-only' is not built for the kernel profile: add "kernel" to "profiles" in libs/user-only/local-lto.json`);
    });

    it('options the schema does not accept', async () => {
      await rejects({ name: 'probe', profile: 'fast' as never }, `option 'profile' is "fast"; accepted values: "user", "kernel"`);
      await rejects({ name: 'probe', typo: true }, /^unknown option 'typo'; accepted options: name, directory, profile, header, functions, linkLib, helpers, libs, skipFormat$/);
      await rejects({ name: 'probe', helpers: 3 as never }, /^option 'helpers' must be of type string, got 3$/);
    });

    it('an existing project (project.json or local-lto.json) or folder', async () => {
      addProjectConfiguration(tree, 'taken', { root: 'apps/taken' });
      await rejects({ name: 'taken' }, "a project named 'taken' already exists (in apps/taken); choose another name");
      writeJson(tree, 'elsewhere/kuid/local-lto.json', { kind: 'driver' });
      await rejects({ name: 'kuid' }, "a project named 'kuid' already exists (in elsewhere/kuid); choose another name");
      writeJson(tree, 'other/x/local-lto.json', { kind: 'driver', name: 'named-in-manifest' });
      await rejects({ name: 'named-in-manifest' }, /^a project named 'named-in-manifest' already exists \(in other\/x\)/);
      tree.write('drivers/probe/notes.txt', 'mine');
      await rejects({ name: 'probe' }, "directory 'drivers/probe' already exists; choose another name or --directory");
      await rejects({ name: 'inner', directory: 'apps/taken/inner' }, /^directory 'apps\/taken\/inner' is inside project 'taken' \(apps\/taken\)/);
    });

    it('helper names that are not identifiers, repeat or clash', async () => {
      await rejects({ name: 'probe', helpers: 'ok,Bad' }, /^helper name 'Bad' is not valid/);
      await rejects({ name: 'probe', helpers: 'a-b' }, /^helper name 'a-b' is not valid/);
      await rejects({ name: 'probe', helpers: 'fn' }, /^helper name 'fn' is a Rust keyword/);
      await rejects({ name: 'probe', helpers: 'a,a' }, "helper 'a' is listed twice in option 'helpers'");
      await rejects({ name: 'probe', helpers: ' , ' }, /^option 'helpers' lists no helper/);
      await rejects({ name: 'probe', helpers: 'a,a_inline' }, "helpers 'a' and 'a_inline' would both define 'a_inline'; rename one of them");
      await rejects({ name: 'probe', helpers: 'probe_x,x' }, "helpers 'probe_x' and 'x' would both define 'probe_x'; rename one of them");
    });

    it('a kernel helper that would clash with the refcount helpers or the module glue, a name too long for a module', async () => {
      await rejects({ name: 'kd', profile: 'kernel', helpers: 'refcount_inc' }, "helper 'refcount_inc' would define 'rust_helper_refcount_inc', already defined by the refcount helpers of the kernel template; choose another name");
      await rejects({ name: 'kd', profile: 'kernel', helpers: 'ok,init' }, "helper 'init' would define 'kd_init', already defined by the module glue of the kernel template; choose another name");
      await rejects({ name: 'kd', profile: 'kernel', helpers: 'refcount_cycle' }, /^helper 'refcount_cycle' would define 'kd_refcount_cycle', already defined by the Rust refcount export/);
      await rejects({ name: `k${'x'.repeat(49)}`, profile: 'kernel' }, /^driver name 'kx+' is too long for a kernel module: the module 'kx+_calls' would exceed the kernel's 55 characters; use at most 49$/);
    });

    it('header options that are not valid or mix with helpers', async () => {
      await rejects({ name: 'probe', header: 'libaio.h', helpers: 'a' }, /^options 'header' and 'helpers' exclude each other/);
      await rejects({ name: 'probe', linkLib: 'aio' }, /^options 'functions' and 'link-lib' go with 'header'/);
      await rejects({ name: 'probe', header: '../x.h' }, /^header '..\/x.h' is not valid/);
      await rejects({ name: 'probe', header: 'a.h', linkLib: 'a b' }, /^library 'a b' of option 'link-lib' is not valid/);
      await rejects({ name: 'probe', header: 'a.h', functions: 'io_(' }, "function pattern 'io_(' of option 'functions' is not a valid regular expression");
      await rejects({ name: 'probe', header: 'a.h', profile: 'kernel' }, /^option 'header' is for the user profile/);
    });

    it('a rust-crate built for another profile', async () => {
      writeJson(tree, 'libs/support/local-lto.json', { kind: 'rust-crate' });
      await rejects({ name: 'probe', profile: 'kernel', libs: 'support' }, `library 'support' is a rust-crate built for the user profile, not kernel: set "profile" in libs/support/local-lto.json`);
    });

    it('libs that are not c-libraries or rust-crates under libs/', async () => {
      writeJson(tree, 'libs/kernel-helpers/local-lto.json', { kind: 'c-library' });
      writeJson(tree, 'libs/support/local-lto.json', { kind: 'rust-crate' });
      writeJson(tree, 'libs/drv/local-lto.json', { kind: 'driver' });
      tree.write('libs/broken/local-lto.json', '{ nope');
      const available = 'libraries in libs/: kernel-helpers (c-library), support (rust-crate)';
      await rejects({ name: 'probe', libs: 'nope' }, `library 'nope' not found: libs/nope/local-lto.json does not exist (${available})`);
      await rejects({ name: 'probe', libs: ['kernel-helpers', 'drv'] }, `library 'drv' is neither a c-library nor a rust-crate: libs/drv/local-lto.json has kind "driver" (${available})`);
      await rejects({ name: 'probe', libs: 'broken' }, /^library 'broken': libs\/broken\/local-lto.json is not valid JSON/);
      await rejects({ name: 'probe', libs: '../kernel-helpers' }, /^library name '..\/kernel-helpers' is not valid/);
      await rejects({ name: 'probe', libs: 'kernel-helpers,kernel-helpers' }, "library 'kernel-helpers' is listed twice in option 'libs'");
    });
  });

  describe('with --header (the real-library path)', () => {
    beforeEach(async () => {
      await driverGenerator(tree, { name: 'aio-probe', header: ['<libaio.h>'], functions: 'io_prep_.*,io_setup', linkLib: ['-laio'] });
    });

    it('writes a crate over the bindings and no helper', () => {
      const created = tree.listChanges().filter((c) => c.path.startsWith('drivers/')).map((c) => c.path).sort();
      expect(created).toEqual([
        'drivers/aio-probe/README.md',
        'drivers/aio-probe/include/aio_probe.h',
        'drivers/aio-probe/local-lto.json',
        'drivers/aio-probe/src/lib.rs',
        'drivers/aio-probe/test/aio_probe_test.c',
      ]);
      const lib = read(tree, 'drivers/aio-probe/src/lib.rs');
      expect(lib).toContain('include!(env!("LOCAL_LTO_BINDINGS"));');
      expect(lib).not.toContain('rust_helper_');
      expect(read(tree, 'drivers/aio-probe/include/aio_probe.h')).toContain('#include <libaio.h>');
    });

    it('declares the bindings and the library the host test links', () => {
      const manifest = readJson(tree, 'drivers/aio-probe/local-lto.json');
      expect(manifest.bindings).toEqual({ headers: ['libaio.h'], functions: ['io_prep_.*', 'io_setup'] });
      expect(manifest.test).toEqual({ sources: ['test/aio_probe_test.c'], linkLibs: ['aio'] });
      expect(manifest.sources).toBeUndefined();
    });
  });
});
