/*
 * timefmt.c - EVE timestamp formatting (see timefmt.h).
 *
 * Leaf utility. The date comes from the classic era-based conversion of a
 * day count to a proleptic Gregorian date: shift the epoch to 0000-03-01 so
 * that the leap day ends each 400-year era's years, then split the day
 * number into era, year of era and day of year with integer division only.
 * Each field is then written two digits at a time.
 */
#include "util/timefmt.h"

#include <string.h>

/* "00" "01" ... "99": the two digits of v are digit_pairs[2v], [2v+1]. */
static const char digit_pairs[201] =
	"00010203040506070809101112131415161718192021222324252627282930313233343536373839"
	"40414243444546474849505152535455565758596061626364656667686970717273747576777879"
	"8081828384858687888990919293949596979899";

/* Writes v (0..99) as two digits. */
static inline char *put2(char *p, unsigned v)
{
	memcpy(p, digit_pairs + 2 * v, 2);
	return p + 2;
}

void kn_civil_from_days(int64_t days, int64_t *year, unsigned *month, unsigned *day)
{
	/* 719468 = days from 0000-03-01 to 1970-01-01. */
	int64_t z = days + 719468;
	int64_t era = (z >= 0 ? z : z - 146096) / 146097;
	uint64_t doe = (uint64_t)(z - era * 146097);                       /* [0, 146096] */
	uint64_t yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365; /* [0, 399] */
	uint64_t doy = doe - (365 * yoe + yoe / 4 - yoe / 100);             /* [0, 365] */
	uint64_t mp = (5 * doy + 2) / 153;                                  /* March = 0 */
	*day = (unsigned)(doy - (153 * mp + 2) / 5 + 1);
	*month = (unsigned)(mp < 10 ? mp + 3 : mp - 9);
	*year = (int64_t)yoe + era * 400 + (*month <= 2);
}

/* kn_civil_from_days() for the days of a uint64_t nanosecond time (fewer
 * than 2^18 of them): the same steps in unsigned 32-bit arithmetic, which
 * is cheaper than the signed 64-bit general case on this per-event path. */
static void civil_from_days_u32(uint32_t days, unsigned *year, unsigned *month, unsigned *day)
{
	uint32_t z = days + 719468;
	uint32_t era = z / 146097;
	uint32_t doe = z - era * 146097;
	uint32_t yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
	uint32_t doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
	uint32_t mp = (5 * doy + 2) / 153;
	*day = doy - (153 * mp + 2) / 5 + 1;
	*month = mp < 10 ? mp + 3 : mp - 9;
	*year = yoe + era * 400 + (*month <= 2);
}

size_t kn_time_format(uint64_t ts_ns, char out[KN_TIME_LEN])
{
	uint64_t secs = ts_ns / 1000000000u;
	unsigned usec = (unsigned)(ts_ns - secs * 1000000000u) / 1000u;
	uint32_t days = (uint32_t)(secs / 86400u);
	unsigned sod = (unsigned)(secs - (uint64_t)days * 86400u);
	unsigned year, month, day;
	civil_from_days_u32(days, &year, &month, &day);

	char *p = out;
	p = put2(p, year / 100);  /* year < 10000 for any uint64_t ns */
	p = put2(p, year % 100);
	*p++ = '-';
	p = put2(p, month);
	*p++ = '-';
	p = put2(p, day);
	*p++ = 'T';
	p = put2(p, sod / 3600);
	*p++ = ':';
	p = put2(p, sod / 60 % 60);
	*p++ = ':';
	p = put2(p, sod % 60);
	*p++ = '.';
	p = put2(p, usec / 10000);
	p = put2(p, usec / 100 % 100);
	p = put2(p, usec % 100);
	memcpy(p, "+0000", 6);
	return (size_t)(p + 5 - out);
}
