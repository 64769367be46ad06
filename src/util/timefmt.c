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

/* Writes v (0..99) as two digits; the divisions by 10 compile to multiplies. */
static inline char *put2(char *p, unsigned v)
{
	p[0] = (char)('0' + v / 10);
	p[1] = (char)('0' + v % 10);
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

size_t kn_time_format(uint64_t ts_ns, char out[KN_TIME_LEN])
{
	uint64_t secs = ts_ns / 1000000000u;
	unsigned usec = (unsigned)(ts_ns % 1000000000u / 1000u);
	unsigned sod = (unsigned)(secs % 86400u);
	int64_t year;
	unsigned month, day;
	kn_civil_from_days((int64_t)(secs / 86400u), &year, &month, &day);

	char *p = out;
	p = put2(p, (unsigned)(year / 100));  /* year < 10000 for any uint64_t ns */
	p = put2(p, (unsigned)(year % 100));
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
