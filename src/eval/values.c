/*
 * values.c - the small value parsers shared by the manifest and the alert
 * loaders: IP addresses and networks, times (ISO 8601 as EVE writes them,
 * or decimal epoch seconds), IP protocol names, grain names; and the error
 * formatter of src/eval.
 *
 * Everything here parses operator files or detector output: strict
 * (trailing garbage is an error), bounded, no locale, no libc time zone.
 */
#include "eval/eval_int.h"

#include <arpa/inet.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

int eval_fail(char *errbuf, int rc, const char *fmt, ...)
{
	va_list ap;

	if (!errbuf)
		return rc;
	va_start(ap, fmt);
	vsnprintf(errbuf, KN_ERRBUF_SIZE, fmt, ap);
	va_end(ap);
	return rc;
}

const char *kn_eval_grain_name(unsigned grain)
{
	static const char *const names[] = { "packet", "flow", "host", "mixed" };
	return grain < 4 ? names[grain] : NULL;
}

/* ------------------------------------------------------- addresses */

int kn_eval_addr_parse(const char *s, struct kn_eval_addr *out)
{
	memset(out, 0, sizeof *out);
	if (!s)
		return -KN_EINVAL;
	if (inet_pton(AF_INET, s, out->bytes) == 1) {
		out->family = 4;
		return 0;
	}
	if (inet_pton(AF_INET6, s, out->bytes) == 1) {
		out->family = 6;
		return 0;
	}
	memset(out, 0, sizeof *out);
	return -KN_EINVAL;
}

/* 1 when every bit of a from bit `prefix` on is zero. */
static int host_bits_zero(const struct kn_eval_addr *a, unsigned prefix)
{
	unsigned bits = a->family == 4 ? 32 : 128;
	for (unsigned b = prefix; b < bits; b++)
		if (a->bytes[b / 8] & (0x80u >> (b % 8)))
			return 0;
	return 1;
}

int kn_eval_net_parse(const char *s, struct kn_eval_net *out)
{
	char buf[64];
	const char *slash = s ? strchr(s, '/') : NULL;
	size_t n = slash ? (size_t)(slash - s) : (s ? strlen(s) : 0);
	unsigned prefix = 0, max;

	memset(out, 0, sizeof *out);
	if (!s || n == 0 || n >= sizeof buf)
		return -KN_EINVAL;
	memcpy(buf, s, n);
	buf[n] = '\0';
	if (kn_eval_addr_parse(buf, &out->addr) != 0)
		return -KN_EINVAL;
	max = out->addr.family == 4 ? 32 : 128;
	if (!slash) {
		out->prefix = (uint8_t)max;
		return 0;
	}
	const char *p = slash + 1;
	if (!*p || strlen(p) > 3)
		return -KN_EINVAL;
	for (; *p; p++) {
		if (*p < '0' || *p > '9')
			return -KN_EINVAL;
		prefix = prefix * 10 + (unsigned)(*p - '0');
	}
	if (prefix > max || !host_bits_zero(&out->addr, prefix))
		return -KN_EINVAL;
	out->prefix = (uint8_t)prefix;
	return 0;
}

int kn_eval_net_contains(const struct kn_eval_net *n, const struct kn_eval_addr *a)
{
	unsigned full = n->prefix / 8, rest = n->prefix % 8;

	if (!a->family || a->family != n->addr.family)
		return 0;
	if (memcmp(n->addr.bytes, a->bytes, full) != 0)
		return 0;
	if (rest) {
		uint8_t mask = (uint8_t)(0xffu << (8 - rest));
		if ((n->addr.bytes[full] ^ a->bytes[full]) & mask)
			return 0;
	}
	return 1;
}

/* ----------------------------------------------------------- times */

#define MAX_EPOCH_S 8589934592LL  /* 2^33 s: year 2242, far inside int64 ns */

/* Reads exactly n digits; -1 when one is not a digit. */
static long digits(const char *s, unsigned n)
{
	long v = 0;
	for (unsigned i = 0; i < n; i++) {
		if (s[i] < '0' || s[i] > '9')
			return -1;
		v = v * 10 + (s[i] - '0');
	}
	return v;
}

/* Days since 1970-01-01 of a proleptic Gregorian date (month 1..12). */
static int64_t days_from_civil(int64_t y, unsigned m, unsigned d)
{
	y -= m <= 2;
	int64_t era = (y >= 0 ? y : y - 399) / 400;
	int64_t yoe = y - era * 400;                                   /* 0..399 */
	int64_t doy = (153 * (m > 2 ? m - 3 : m + 9) + 2) / 5 + d - 1;  /* 0..365 */
	int64_t doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;           /* 0..146096 */
	return era * 146097 + doe - 719468;
}

static unsigned days_in_month(long y, unsigned m)
{
	static const unsigned dm[12] = { 31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31 };
	int leap = (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
	return m == 2 && leap ? 29 : dm[m - 1];
}

/* ".123456789" (1..9 digits) at *s into nanoseconds; advances *s. Nothing
 * when *s does not start with '.'. -1 on a bad fraction. */
static int fraction_ns(const char **s, int64_t *ns)
{
	const char *p = *s;
	int64_t v = 0, scale = 100000000;
	unsigned n = 0;

	*ns = 0;
	if (*p != '.')
		return 0;
	for (p++; *p >= '0' && *p <= '9'; p++, n++) {
		if (n >= 9)
			return -1;
		v += (*p - '0') * scale;
		scale /= 10;
	}
	if (n == 0)
		return -1;
	*ns = v;
	*s = p;
	return 0;
}

/* "Z", "+HHMM", "+HH:MM", "-HHMM" at the end of s into seconds east of UTC. */
static int zone_offset(const char *s, int64_t *off)
{
	long h, m;
	int sign;

	if (!strcmp(s, "Z") || !strcmp(s, "z")) {
		*off = 0;
		return 0;
	}
	if (*s != '+' && *s != '-')
		return -1;
	sign = *s == '-' ? -1 : 1;
	h = digits(s + 1, 2);
	if (h < 0)
		return -1;
	if (s[3] == ':')
		s++;
	m = digits(s + 3, 2);
	if (h < 0 || m < 0 || h > 23 || m > 59 || s[5] != '\0')
		return -1;
	*off = sign * (h * 3600 + m * 60);
	return 0;
}

static int parse_iso(const char *s, int64_t *out)
{
	long y = digits(s, 4), mo = digits(s + 5, 2), d = digits(s + 8, 2);
	long h = digits(s + 11, 2), mi = digits(s + 14, 2), se = digits(s + 17, 2);
	int64_t frac, off, secs;
	const char *p = s + 19;

	if (y < 1970 || mo < 1 || mo > 12 || d < 1 || h < 0 || h > 23 || mi < 0 || mi > 59 ||
	    se < 0 || se > 60 || s[4] != '-' || s[7] != '-' || (s[10] != 'T' && s[10] != ' ') ||
	    s[13] != ':' || s[16] != ':')
		return -KN_EINVAL;
	if ((unsigned long)d > days_in_month(y, (unsigned)mo))
		return -KN_EINVAL;
	if (fraction_ns(&p, &frac) != 0 || zone_offset(p, &off) != 0)
		return -KN_EINVAL;
	secs = days_from_civil(y, (unsigned)mo, (unsigned)d) * 86400 + h * 3600 + mi * 60 + se - off;
	if (secs < 0 || secs >= MAX_EPOCH_S)
		return -KN_EINVAL;
	*out = secs * 1000000000 + frac;
	return 0;
}

static int parse_epoch(const char *s, int64_t *out)
{
	int64_t secs = 0, frac;
	const char *p = s;

	if (*p < '0' || *p > '9')
		return -KN_EINVAL;
	for (; *p >= '0' && *p <= '9'; p++) {
		secs = secs * 10 + (*p - '0');
		if (secs >= MAX_EPOCH_S)
			return -KN_EINVAL;
	}
	if (fraction_ns(&p, &frac) != 0 || *p != '\0')
		return -KN_EINVAL;
	*out = secs * 1000000000 + frac;
	return 0;
}

int kn_eval_time_parse(const char *s, int64_t *ns)
{
	size_t n = s ? strlen(s) : 0;

	if (n == 0 || n > 40)
		return -KN_EINVAL;
	/* A date has its '-' at offset 4; epoch seconds are digits and '.'. */
	if (n >= 20 && s[4] == '-')
		return parse_iso(s, ns);
	return parse_epoch(s, ns);
}

/* -------------------------------------------------------- protocols */

int kn_eval_proto_parse(const char *s)
{
	static const struct {
		const char *name;
		int num;
	} names[] = {
		{ "icmp", 1 }, { "igmp", 2 }, { "tcp", 6 }, { "udp", 17 }, { "gre", 47 },
		{ "esp", 50 }, { "ah", 51 }, { "ipv6-icmp", 58 }, { "icmpv6", 58 },
		{ "icmp6", 58 }, { "sctp", 132 },
	};
	int v = 0;

	if (!s || !*s)
		return -1;
	for (size_t i = 0; i < sizeof names / sizeof names[0]; i++)
		if (!strcasecmp(s, names[i].name))
			return names[i].num;
	if (strlen(s) > 3)
		return -1;
	for (; *s; s++) {
		if (*s < '0' || *s > '9')
			return -1;
		v = v * 10 + (*s - '0');
	}
	return v <= 255 ? v : -1;
}
