/*
 * timefmt.h - EVE timestamps: "2014-01-14T17:04:01.819644+0000".
 *
 * Leaf utility used by the output stage for every event. Always UTC with
 * microseconds (truncated, as Suricata logs them). The calendar date is
 * computed arithmetically from the day number (no gmtime/localtime: they
 * are slow and touch process-wide state), so it is thread-safe and needs no
 * cache. Valid for every uint64_t nanosecond time (1970 .. 2554).
 */
#ifndef KN_UTIL_TIMEFMT_H
#define KN_UTIL_TIMEFMT_H

#include <stddef.h>
#include <stdint.h>

/* Bytes of a formatted timestamp including the NUL (31 characters + 1). */
#define KN_TIME_LEN 32

/* Writes the timestamp of ts_ns (nanoseconds since the Unix epoch) into out,
 * NUL-terminated, and returns its length (always KN_TIME_LEN - 1). */
size_t kn_time_format(uint64_t ts_ns, char out[KN_TIME_LEN]);

/* Proleptic Gregorian date of a day number (days since 1970-01-01). */
void kn_civil_from_days(int64_t days, int64_t *year, unsigned *month, unsigned *day);

#endif
