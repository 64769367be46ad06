/*
 * test_size.c - kn_parse_size, the one size grammar of the command line
 * and the detectors' text settings: plain bytes, K/M/G binary multiples in
 * either case with an optional "i", "B" or "iB"; refused: no leading digit
 * (a sign, a space, empty), fractions, other units or trailing junk, and
 * sizes past 2^64 - 1.
 */
#include "kt.h"

#include "util/size.h"

static void test_accepted(void)
{
	static const struct { const char *s; unsigned long long v; } ok[] = {
		{ "0", 0 }, { "65536", 65536 }, { "64k", 64ull << 10 }, { "64K", 64ull << 10 },
		{ "128M", 128ull << 20 }, { "2G", 2ull << 30 }, { "64KiB", 64ull << 10 },
		{ "2GB", 2ull << 30 }, { "1Mi", 1ull << 20 }, { "7B", 7 },
		{ "17179869183G", 17179869183ull << 30 },
	};
	for (size_t i = 0; i < sizeof ok / sizeof ok[0]; i++) {
		unsigned long long v = 1;
		KT_EQ(kn_parse_size(ok[i].s, &v), 0);
		KT_EQ(v, ok[i].v);
	}
}

static void test_refused(void)
{
	static const char *const bad[] = { "", "-1", "+1", " 1", "1.5K", "1.5", "2T", "1KB2",
					   "K", "1 K", "18446744073709551616", "17179869184G" };
	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		unsigned long long v = 42;
		KT_EQ(kn_parse_size(bad[i], &v), -1);
		KT_EQ(v, 42);
	}
}

static const struct kt_case cases[] = {
	KT_CASE(test_accepted),
	KT_CASE(test_refused),
};

KT_MAIN("util_size", cases)
