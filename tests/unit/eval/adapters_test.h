/*
 * adapters_test.h - what the tests of the alert adapters share
 * (test_adapters.c: Zeek and Snort; test_adapters_csv.c: the scored CSV):
 * the reference time, checks of malformed-line reasons and addresses, and
 * writing test files. Include after kt.h.
 */
#ifndef KN_TESTS_ADAPTERS_TEST_H
#define KN_TESTS_ADAPTERS_TEST_H

#include <stdio.h>
#include <string.h>

#include <zlib.h>

#include "kenchi/eval.h"

#define T "\t"
/* 2025-11-01T12:34:56Z */
#define NOV1 1762000496LL

struct bad {
	uint64_t line;
	const char *why;
};

static inline void check_bad(const struct kn_eval_eve_stats *st, const struct bad *want, size_t n)
{
	for (size_t i = 0; i < n && i < KN_EVAL_EVE_BAD_KEPT; i++) {
		KT_EQ(st->bad[i].line, want[i].line);
		KT_EQ_STR(st->bad[i].why, want[i].why);
	}
}

static inline void check_v4(const struct kn_eval_addr *a, int b0, int b1, int b2, int b3)
{
	KT_EQ(a->family, 4);
	KT_EQ(a->bytes[0], b0);
	KT_EQ(a->bytes[1], b1);
	KT_EQ(a->bytes[2], b2);
	KT_EQ(a->bytes[3], b3);
}

static inline void check_v6(const struct kn_eval_addr *a, const char *text)
{
	struct kn_eval_addr want;
	KT_REQUIRE(kn_eval_addr_parse(text, &want) == 0);
	KT_EQ(a->family, 6);
	KT_CHECK(memcmp(a->bytes, want.bytes, 16) == 0);
}

static inline int write_gz(const char *path, const char *text)
{
	gzFile z = gzopen(path, "wb");
	if (!z)
		return -1;
	gzputs(z, text);
	return gzclose(z) == Z_OK ? 0 : -1;
}

static inline int write_plain(const char *path, const char *text)
{
	FILE *f = fopen(path, "w");
	if (!f)
		return -1;
	fputs(text, f);
	return fclose(f);
}

#endif
