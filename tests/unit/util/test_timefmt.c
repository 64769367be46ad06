/*
 * test_timefmt.c - unit tests of the EVE timestamp formatter
 * (src/util/timefmt.c) against the C library's gmtime_r: fixed known
 * instants, 10,000 random instants 1970..2100, every leap day and the
 * end of the uint64_t range.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "kt.h"
#include "util/timefmt.h"

/* The expected text built from gmtime_r and snprintf. */
static void reference(uint64_t ts_ns, char out[64])
{
	time_t secs = (time_t)(ts_ns / 1000000000u);
	struct tm tm;
	gmtime_r(&secs, &tm);
	snprintf(out, 64, "%04d-%02d-%02dT%02d:%02d:%02d.%06u+0000", tm.tm_year + 1900,
		 tm.tm_mon + 1, tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec,
		 (unsigned)(ts_ns % 1000000000u / 1000u));
}

static void test_known_instants(void)
{
	char out[KN_TIME_LEN];
	KT_EQ(kn_time_format(0, out), 31);
	KT_EQ_STR(out, "1970-01-01T00:00:00.000000+0000");
	/* From a Suricata EVE line of the zeek_http capture. */
	kn_time_format(1389719041819644000ull, out);
	KT_EQ_STR(out, "2014-01-14T17:04:01.819644+0000");
	/* Sub-microsecond digits are truncated, not rounded. */
	kn_time_format(1389719041819644999ull, out);
	KT_EQ_STR(out, "2014-01-14T17:04:01.819644+0000");
	kn_time_format(951782400ull * 1000000000u, out);  /* leap day of a /400 year */
	KT_EQ_STR(out, "2000-02-29T00:00:00.000000+0000");
	kn_time_format(4102444799999999999ull, out);      /* last instant of 2099 */
	KT_EQ_STR(out, "2099-12-31T23:59:59.999999+0000");
	kn_time_format(4102444800ull * 1000000000u, out);
	KT_EQ_STR(out, "2100-01-01T00:00:00.000000+0000");
	kn_time_format(4107542399ull * 1000000000u, out);  /* 2100 is not a leap year */
	KT_EQ_STR(out, "2100-02-28T23:59:59.000000+0000");
	kn_time_format(4107542400ull * 1000000000u, out);
	KT_EQ_STR(out, "2100-03-01T00:00:00.000000+0000");
	/* The largest representable instant. */
	kn_time_format(UINT64_MAX, out);
	KT_EQ_STR(out, "2554-07-21T23:34:33.709551+0000");
	KT_EQ(strlen(out), KN_TIME_LEN - 1);
}

static void test_random_vs_gmtime(void)
{
	char out[KN_TIME_LEN], want[64];
	uint64_t end_2100 = 4133980800ull;  /* 2101-01-01 */
	srand(2024);
	for (int i = 0; i < 10000; i++) {
		uint64_t r = ((uint64_t)rand() << 33) ^ ((uint64_t)rand() << 11) ^ (uint64_t)rand();
		uint64_t ts = r % (end_2100 * 1000000000u);
		KT_EQ(kn_time_format(ts, out), 31);
		reference(ts, want);
		if (strcmp(out, want) != 0) {
			KT_EQ_STR(out, want);
			return;
		}
	}
}

static void test_leap_days_and_day_edges(void)
{
	char out[KN_TIME_LEN], want[64];
	int leap_days = 0;
	/* Every day boundary from 1970 to 2100 (+/- 1 ns), which covers every
	 * month end and each Feb 29. */
	for (uint64_t day = 0; day < 47847; day++) {
		uint64_t edge = day * 86400u * 1000000000u;
		for (int k = 0; k < 2; k++) {
			uint64_t ts = k ? edge + 86400ull * 1000000000u - 1 : edge;
			kn_time_format(ts, out);
			reference(ts, want);
			if (strcmp(out, want) != 0) {
				KT_EQ_STR(out, want);
				return;
			}
		}
		leap_days += strncmp(out + 4, "-02-29", 6) == 0;
	}
	KT_EQ(leap_days, 32);  /* 1972 .. 2096 */
}

static void test_civil_from_days(void)
{
	int64_t y;
	unsigned m, d;
	kn_civil_from_days(0, &y, &m, &d);
	KT_CHECK(y == 1970 && m == 1 && d == 1);
	kn_civil_from_days(-1, &y, &m, &d);
	KT_CHECK(y == 1969 && m == 12 && d == 31);
	kn_civil_from_days(11016, &y, &m, &d);
	KT_CHECK(y == 2000 && m == 2 && d == 29);
}

static const struct kt_case cases[] = {
	KT_CASE(test_known_instants),
	KT_CASE(test_random_vs_gmtime),
	KT_CASE(test_leap_days_and_day_edges),
	KT_CASE(test_civil_from_days),
};

KT_MAIN("util_timefmt", cases)
