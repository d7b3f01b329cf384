/* SPDX-License-Identifier: MIT */
#ifndef WORDCOUNT_STD_H
#define WORDCOUNT_STD_H

#include <stddef.h>
#include <stdint.h>

struct wordcount;

struct wordcount *wordcount_new(void);
/* Counts the words (split at whitespace, ASCII case folded) of `len` bytes of UTF-8; returns how many, or -1 if not UTF-8. */
int32_t wordcount_add(struct wordcount *wc, const char *text, size_t len);
/* How often `word` was seen. */
uint32_t wordcount_get(const struct wordcount *wc, const char *word, size_t len);
/* Writes "<distinct> distinct, top <word>=<count>" into buf (not NUL-terminated); returns the bytes written. */
size_t wordcount_summary(const struct wordcount *wc, char *buf, size_t cap);
/* The rank-th most frequent word's count; a rank past the end panics: std's panic hook prints to stderr, then abort(). */
uint32_t wordcount_rank(const struct wordcount *wc, uint32_t rank);
void wordcount_free(struct wordcount *wc);

#endif
