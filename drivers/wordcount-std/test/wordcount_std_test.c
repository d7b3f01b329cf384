// SPDX-License-Identifier: MIT
/*
 * Host test of wordcount-std, linked with plain cc against the driver object alone (no Rust
 * library, no libstd): std's HashMap, String and format! at work, and a rank past the end
 * panicking through std's panic hook (message on stderr) into abort(), checked in a child.
 */
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "wordcount_std.h"

static int failures;

#define CHECK(cond)                                                        \
	do {                                                               \
		if (!(cond)) {                                             \
			fprintf(stderr, "FAIL %s:%d: %s\n", __FILE__, __LINE__, #cond); \
			failures++;                                        \
		}                                                          \
	} while (0)

/*
 * Runs wordcount_rank(wc, rank) in a child whose stderr goes into `err`; returns its wait
 * status (or -1). The child exits with the rank's count when there is no panic.
 */
static int rank_in_child(struct wordcount *wc, uint32_t rank, char *err, size_t cap)
{
	int fds[2], status;
	ssize_t n, got = 0;
	pid_t pid;

	if (pipe(fds) != 0)
		return -1;
	pid = fork();
	if (pid == 0) {
		dup2(fds[1], STDERR_FILENO);
		close(fds[0]);
		_exit((int)wordcount_rank(wc, rank));
	}
	close(fds[1]);
	/* Read to the end (a backtrace under RUST_BACKTRACE may be long), keeping what fits. */
	while (pid > 0) {
		char chunk[256];

		n = read(fds[0], chunk, sizeof(chunk));
		if (n <= 0)
			break;
		if ((size_t)got < cap - 1) {
			size_t keep = (size_t)n < cap - 1 - (size_t)got ? (size_t)n : cap - 1 - (size_t)got;

			memcpy(err + got, chunk, keep);
			got += (ssize_t)keep;
		}
	}
	err[got] = '\0';
	close(fds[0]);
	if (pid < 0 || waitpid(pid, &status, 0) != pid)
		return -1;
	return status;
}

int main(void)
{
	static const char text[] = "the cat and The dog and THE bird";
	char buf[64], err[512];
	size_t len;
	int status;
	struct wordcount *wc = wordcount_new();

	CHECK(wordcount_add(wc, text, strlen(text)) == 8);
	CHECK(wordcount_add(wc, "\xff\xfe", 2) == -1);
	CHECK(wordcount_get(wc, "the", 3) == 3);
	CHECK(wordcount_get(wc, "AND", 3) == 2);
	CHECK(wordcount_get(wc, "fish", 4) == 0);

	len = wordcount_summary(wc, buf, sizeof(buf));
	printf("summary: %.*s\n", (int)len, buf);
	CHECK(len == strlen("5 distinct, top the=3") && memcmp(buf, "5 distinct, top the=3", len) == 0);
	/* std::io::Write on a short buffer keeps what fits. */
	CHECK(wordcount_summary(wc, buf, 4) == 4 && memcmp(buf, "5 di", 4) == 0);

	status = rank_in_child(wc, 1, err, sizeof(err));
	CHECK(status != -1 && WIFEXITED(status) && WEXITSTATUS(status) == 2);
	status = rank_in_child(wc, 5, err, sizeof(err));
	printf("panic: %s", err);
	CHECK(status != -1 && WIFSIGNALED(status) && WTERMSIG(status) == SIGABRT);
	CHECK(strstr(err, "panicked at drivers/wordcount-std/src/lib.rs:") != NULL);
	CHECK(strstr(err, "index out of bounds: the len is 5 but the index is 5") != NULL);

	wordcount_free(wc);
	if (failures) {
		fprintf(stderr, "wordcount-std: %d check(s) failed\n", failures);
		return 1;
	}
	printf("wordcount-std: all checks passed\n");
	return 0;
}
