// SPDX-License-Identifier: MIT
/*
 * Host test of bitset-user, linked with plain cc against the driver object alone (no Rust
 * library): a table grows (Vec, malloc/realloc), bitflags drops unknown bits, and an index
 * past the end panics through local_lto_panic (defined here), checked in a child process.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "bitset_user.h"

#define PANIC_EXIT 42

static int failures;

#define CHECK(cond)                                                        \
	do {                                                               \
		if (!(cond)) {                                             \
			fprintf(stderr, "FAIL %s:%d: %s\n", __FILE__, __LINE__, #cond); \
			failures++;                                        \
		}                                                          \
	} while (0)

/* The driver's panic path: print the message and leave with a code the parent checks. */
void local_lto_panic(const char *msg, size_t len)
{
	printf("panic: %.*s\n", (int)len, msg);
	fflush(stdout);
	_exit(PANIC_EXIT);
}

/* Runs bitset_table_get(table, index) in a child; returns its exit status (or -1). */
static int get_in_child(struct bitset_table *table, uint32_t index)
{
	int status;
	pid_t pid = fork();

	if (pid == 0) {
		uint32_t bits = bitset_table_get(table, index);
		_exit((int)bits);
	}
	if (pid < 0 || waitpid(pid, &status, 0) != pid || !WIFEXITED(status))
		return -1;
	return WEXITSTATUS(status);
}

int main(void)
{
	static const uint8_t masks[] = { 0xff, 0x01, 0x30 };
	struct bitset_table *table = bitset_table_new();
	uint32_t i;

	CHECK(table != NULL);
	for (i = 0; i < 1000; i++)
		CHECK(bitset_table_push(table, i) == i);
	CHECK(bitset_table_get(table, 5) == (BITSET_READ | BITSET_EXEC));
	CHECK(bitset_table_get(table, 0xff) == 7); /* unknown bits dropped */
	/* 1000 entries of i & 7: 125 of each value 0..7, 12 bits per 8 entries. */
	CHECK(bitset_table_count(table) == 1500);
	CHECK(bitset_mask_bits(masks, sizeof(masks)) == 11);

	/* Positive control: an index inside the table returns normally in the child. */
	CHECK(get_in_child(table, 3) == 3);
	/* Past the end: slice indexing panics and local_lto_panic runs. */
	CHECK(get_in_child(table, 1000) == PANIC_EXIT);

	bitset_table_free(table);
	if (failures) {
		fprintf(stderr, "%d check(s) failed\n", failures);
		return 1;
	}
	printf("bitset-user: all checks passed\n");
	return 0;
}
