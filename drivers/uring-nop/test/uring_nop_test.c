// SPDX-License-Identifier: MIT
/*
 * Host program of the uring-nop driver: sets up a real io_uring, lets the driver object
 * queue NOPs and reap their completions in batches, and checks every completion's user data.
 * Usage: uring_nop_test [N]   (N NOPs in all, default 256)
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "uring_nop.h"

#define RING_ENTRIES 32

int main(int argc, char **argv)
{
	unsigned total = argc > 1 ? (unsigned)strtoul(argv[1], NULL, 10) : 256;
	struct io_uring ring;
	int err = io_uring_queue_init(RING_ENTRIES, &ring, 0);
	if (err < 0) {
		fprintf(stderr, "uring-nop: io_uring_queue_init: %s\n", strerror(-err));
		return 2;
	}
	unsigned done = 0, bad_total = 0;
	uint64_t base = 0x5eed0000;
	while (done < total) {
		unsigned want = total - done < RING_ENTRIES ? total - done : RING_ENTRIES;
		uint64_t first = base + done;
		unsigned queued = uring_nop_queue(&ring, want, first);
		err = io_uring_submit_and_wait(&ring, queued);
		if (err < 0 || (unsigned)err != queued) {
			fprintf(stderr, "uring-nop: submit: %d of %u\n", err, queued);
			return 1;
		}
		unsigned reaped = 0, bad = 0;
		while (reaped < queued) {
			uint32_t wrong = 0;
			unsigned got = uring_nop_reap(&ring, queued - reaped, first, &wrong);
			reaped += got;
			bad += wrong;
			if (!got)
				io_uring_submit_and_wait(&ring, 1);
		}
		bad_total += bad;
		done += queued;
	}
	io_uring_queue_exit(&ring);
	printf("uring-nop: submitted %u NOPs, reaped %u completions, %u with wrong user data or result\n", total, done, bad_total);
	return bad_total == 0 && done == total ? 0 : 1;
}
