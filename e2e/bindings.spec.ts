import { execa } from 'execa';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { codeReferences } from '../packages/nx-local-lto/src/elf/code-references';
import { readElf } from '../packages/nx-local-lto/src/elf/elf';
import type { InlineReport } from '../packages/nx-local-lto/src/inline/report';
import { ranTasks, taskSections } from './support/nx-output';
import { copyWorkspace, digests, isolatedNxEnv, nx } from './support/workspace';

/**
 * Issue "header-bindings" acceptance, as a new user would go: `nx g nx-local-lto:driver
 * --header=libaio.h --link-lib=aio` over a header no sample uses (Debian libaio-dev), a crate
 * that calls five of its static inline functions through bindgen's wrappers, real `nx build`
 * and `nx test`, and real I/O compared with a plain C program doing the same.
 */

const WRAPPED = ['io_prep_pwrite', 'io_prep_pread', 'io_prep_fsync', 'io_prep_fdsync', 'io_set_eventfd'];
const FUNCTIONS = ['io_setup', 'io_destroy', 'io_submit', 'io_getevents', ...WRAPPED];

/** The driver: write, fsync, fdatasync, read back, each through the ring with an eventfd. */
const LIB_RS = `// SPDX-License-Identifier: MIT
//! aio-io: writes a buffer to a file, syncs it and reads it back through Linux AIO, calling
//! libaio's static inline functions through bindgen's wrappers.
#![no_std]

use core::ffi::{c_int, c_void};
use core::ptr;

#[allow(non_camel_case_types, non_upper_case_globals, non_snake_case, dead_code, clippy::all)]
pub mod sys {
    include!(env!("LOCAL_LTO_BINDINGS"));
}

/// Submits \`cb\`, waits for its completion and returns its result (negative errno on failure).
unsafe fn complete(ctx: sys::io_context_t, cb: *mut sys::iocb) -> i64 {
    let mut list = [cb];
    if sys::io_submit(ctx, 1, list.as_mut_ptr()) != 1 {
        return -1000;
    }
    let mut event: sys::io_event = core::mem::zeroed();
    if sys::io_getevents(ctx, 1, 1, &mut event, ptr::null_mut()) != 1 || event.obj != cb {
        return -1001;
    }
    event.res as i64
}

/// results[0..4]: write, fsync, fdatasync, read. Returns io_destroy's result, or io_setup's error.
#[no_mangle]
pub unsafe extern "C" fn aio_io_roundtrip(fd: c_int, efd: c_int, data: *mut u8, back: *mut u8, len: usize, results: *mut i64) -> c_int {
    let mut ctx: sys::io_context_t = ptr::null_mut();
    let err = sys::io_setup(4, &mut ctx);
    if err != 0 {
        return err;
    }
    let mut cb: sys::iocb = core::mem::zeroed();
    sys::io_prep_pwrite(&mut cb, fd, data as *mut c_void, len, 0);
    sys::io_set_eventfd(&mut cb, efd);
    *results.add(0) = complete(ctx, &mut cb);
    sys::io_prep_fsync(&mut cb, fd);
    sys::io_set_eventfd(&mut cb, efd);
    *results.add(1) = complete(ctx, &mut cb);
    sys::io_prep_fdsync(&mut cb, fd);
    sys::io_set_eventfd(&mut cb, efd);
    *results.add(2) = complete(ctx, &mut cb);
    sys::io_prep_pread(&mut cb, fd, back as *mut c_void, len, 0);
    sys::io_set_eventfd(&mut cb, efd);
    *results.add(3) = complete(ctx, &mut cb);
    sys::io_destroy(ctx)
}
`;

const HEADER = `/* SPDX-License-Identifier: MIT */
#ifndef AIO_IO_DRIVER_H
#define AIO_IO_DRIVER_H
#include <libaio.h>
#include <stddef.h>
#include <stdint.h>
int aio_io_roundtrip(int fd, int efd, uint8_t *data, uint8_t *back, size_t len, int64_t *results);
#endif
`;

/** One main for both programs: the host test (driver object) and the plain C one. */
const MAIN_C = `// SPDX-License-Identifier: MIT
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/eventfd.h>
#include <unistd.h>
#include "aio_io.h"

#define LEN 12288

int main(int argc, char **argv)
{
	static uint8_t data[LEN], back[LEN];
	for (unsigned i = 0; i < LEN; i++)
		data[i] = (uint8_t)(i * 131u + 7u);
	int fd = open(argv[1], O_RDWR | O_CREAT | O_TRUNC, 0600);
	int efd = eventfd(0, 0);
	if (argc < 2 || fd < 0 || efd < 0) {
		perror("aio-io: open/eventfd");
		return 2;
	}
	int64_t r[4] = { 0, 0, 0, 0 };
	int end = aio_io_roundtrip(fd, efd, data, back, LEN, r);
	uint64_t events = 0;
	if (read(efd, &events, sizeof(events)) != sizeof(events))
		events = 0;
	int same = memcmp(data, back, LEN) == 0;
	printf("aio-io: end=%d write=%lld fsync=%lld fdatasync=%lld read=%lld eventfd=%llu same-bytes=%d\\n", end,
	       (long long)r[0], (long long)r[1], (long long)r[2], (long long)r[3], (unsigned long long)events, same);
	close(fd);
	return end == 0 && same && r[0] == LEN && r[3] == LEN ? 0 : 1;
}
`;

/** The plain C program's aio_io_roundtrip: the same libaio calls, written in C. */
const PLAIN_C = `// SPDX-License-Identifier: MIT
#include "aio_io.h"

static int64_t complete(io_context_t ctx, struct iocb *cb)
{
	struct iocb *list[1] = { cb };
	struct io_event event;
	if (io_submit(ctx, 1, list) != 1)
		return -1000;
	if (io_getevents(ctx, 1, 1, &event, NULL) != 1 || event.obj != cb)
		return -1001;
	return (int64_t)event.res;
}

int aio_io_roundtrip(int fd, int efd, uint8_t *data, uint8_t *back, size_t len, int64_t *results)
{
	io_context_t ctx = 0;
	int err = io_setup(4, &ctx);
	if (err)
		return err;
	struct iocb cb;
	io_prep_pwrite(&cb, fd, data, len, 0);
	io_set_eventfd(&cb, efd);
	results[0] = complete(ctx, &cb);
	io_prep_fsync(&cb, fd);
	io_set_eventfd(&cb, efd);
	results[1] = complete(ctx, &cb);
	io_prep_fdsync(&cb, fd);
	io_set_eventfd(&cb, efd);
	results[2] = complete(ctx, &cb);
	io_prep_pread(&cb, fd, back, len, 0);
	io_set_eventfd(&cb, efd);
	results[3] = complete(ctx, &cb);
	return io_destroy(ctx);
}
`;

const RESULT_LINE = /^aio-io: end=.*$/m;

describe('a driver generated over <libaio.h> (header bindings)', () => {
  let ws: string;
  let env: Record<string, string>;
  let files: string;
  const root = 'drivers/aio-io';
  const dist = (p: string) => join(ws, 'dist', root, p);
  const manifestPath = () => join(ws, root, 'local-lto.json');
  const editManifest = (edit: (m: any) => void) => {
    const m = JSON.parse(readFileSync(manifestPath(), 'utf8'));
    edit(m);
    writeFileSync(manifestPath(), `${JSON.stringify(m, null, 2)}\n`);
  };
  let testRun: { exitCode: number; all: string };

  beforeAll(async () => {
    ws = await copyWorkspace();
    env = isolatedNxEnv();
    files = mkdtempSync(join(tmpdir(), 'local-lto-aio-'));
    const gen = await nx(ws, ['g', 'nx-local-lto:driver', 'aio-io', '--header=libaio.h', '--link-lib=aio', `--functions=${FUNCTIONS.join(',')}`, '--no-interactive'], env);
    if (gen.exitCode !== 0) throw new Error(`nx g failed:\n${gen.all}`);
    // The user's part: the crate's code and the host test over it.
    writeFileSync(join(ws, root, 'src/lib.rs'), LIB_RS);
    writeFileSync(join(ws, root, 'include/aio_io.h'), HEADER);
    writeFileSync(join(ws, root, 'test/aio_io_test.c'), MAIN_C);
    editManifest((m) => (m.test.args = [join(files, 'through-driver.bin')]));
    testRun = await nx(ws, ['test', 'aio-io', '--outputStyle=static'], env);
  });

  it('generates the manifest bindgen and the host test read', () => {
    const m = JSON.parse(readFileSync(manifestPath(), 'utf8'));
    expect(m.bindings).toEqual({ headers: ['libaio.h'], functions: FUNCTIONS });
    expect(m.test.linkLibs).toEqual(['aio']);
    expect(m.sources).toBeUndefined();
  });

  it('builds, runs bindgen first, and inlines every wrapper the crate calls', () => {
    expect(testRun.exitCode).toBe(0);
    expect(ranTasks(taskSections(testRun.all))).toEqual(['aio-io:bindgen', 'aio-io:build', 'aio-io:clang-bc', 'aio-io:rust-bc', 'aio-io:test']);
    const report: InlineReport = JSON.parse(readFileSync(dist('inline-report.json'), 'utf8'));
    const sites = report.helpers.flatMap((h) => h.callSites.map((c) => ({ helper: h.symbol, caller: c.caller, verdict: c.verdict })));
    expect([...new Set(sites.map((s) => s.helper))].sort()).toEqual(WRAPPED.map((f) => `${f}__extern`).sort());
    expect(sites.filter((s) => s.verdict !== 'inlined')).toEqual([]);
    expect(report.summary.leakedHelpers).toBe(0);
  });

  it('leaves no call to a wrapper in the object, while its real library calls stay (control)', async () => {
    const obj = dist('aio-io.o');
    const refs = codeReferences(readElf(obj)).map((r) => r.to);
    expect(refs.filter((t) => t.endsWith('__extern'))).toEqual([]);
    // The same reader sees the calls that must remain: libaio's exported functions.
    expect(refs).toEqual(expect.arrayContaining(['io_setup', 'io_submit', 'io_getevents', 'io_destroy']));
    const { stdout } = await execa('llvm-nm-22', ['--extern-only', obj]);
    expect(stdout).not.toMatch(/__extern/);
    expect(stdout).toMatch(/ T aio_io_roundtrip$/m);
  });

  it('does real I/O that gives the same bytes and results as a plain C program', async () => {
    const driverLine = RESULT_LINE.exec(testRun.all)?.[0];
    expect(driverLine).toMatch(/end=0 write=12288 .* read=12288 eventfd=4 same-bytes=1$/);
    writeFileSync(join(files, 'aio_io.h'), HEADER);
    writeFileSync(join(files, 'main.c'), MAIN_C);
    writeFileSync(join(files, 'plain.c'), PLAIN_C);
    await execa('cc', ['-O2', '-I', files, join(files, 'main.c'), join(files, 'plain.c'), '-laio', '-o', join(files, 'plain')]);
    const plain = await execa(join(files, 'plain'), [join(files, 'plain.bin')]);
    expect(plain.stdout.trim()).toBe(driverLine);
    expect(readFileSync(join(files, 'through-driver.bin')).equals(readFileSync(join(files, 'plain.bin')))).toBe(true);
  });

  it('builds again from the cache', async () => {
    const again = await nx(ws, ['build', 'aio-io', '--outputStyle=static'], env);
    expect(again.exitCode).toBe(0);
    expect(ranTasks(taskSections(again.all))).toEqual([]);
  });

  it('reruns bindgen and what depends on it when an allow-list changes', async () => {
    const before = readFileSync(dist('bindings/bindings.rs'), 'utf8');
    editManifest((m) => m.bindings.functions.push('io_prep_poll'));
    const run = await nx(ws, ['build', 'aio-io', '--outputStyle=static'], env);
    expect(run.exitCode).toBe(0);
    expect(ranTasks(taskSections(run.all))).toEqual(['aio-io:bindgen', 'aio-io:build', 'aio-io:clang-bc', 'aio-io:rust-bc']);
    const after = readFileSync(dist('bindings/bindings.rs'), 'utf8');
    expect(before).not.toMatch(/io_prep_poll__extern/);
    expect(after).toMatch(/#\[link_name = "io_prep_poll__extern"\]/);
    expect(readFileSync(dist('bindings/wrappers.c'), 'utf8')).toMatch(/^void io_prep_poll__extern\(/m);
  });

  it('fails on a header bindgen cannot parse with its message and command line, writing nothing', async () => {
    writeFileSync(join(ws, root, 'include/broken.h'), 'int broken(int;\n');
    editManifest((m) => {
      m.bindings.headers.push('broken.h');
      m.bindings.includeDirs = ['include'];
    });
    const before = digests(join(ws, 'dist', root));
    const run = await nx(ws, ['build', 'aio-io', '--outputStyle=static'], env);
    expect(run.exitCode).not.toBe(0);
    expect(run.all).toMatch(/Unable to generate bindings: clang diagnosed error: .*broken\.h:1:\d+: error: expected '\)'/);
    expect(run.all).toMatch(/command: \S*bindgen bindings\.h --output bindings\.rs --use-core --wrap-static-fns .* -- --target=x86_64-unknown-linux-gnu -I\S+\/drivers\/aio-io\/include/);
    expect(run.all).toMatch(/Failed tasks:\s*\n\s*- aio-io:bindgen/);
    expect(digests(join(ws, 'dist', root))).toEqual(before);
  });
});
