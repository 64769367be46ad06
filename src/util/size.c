/*
 * size.c - sizes as operators type them (size.h).
 */
#include "util/size.h"

#include <ctype.h>
#include <errno.h>
#include <stdlib.h>

int kn_parse_size(const char *s, unsigned long long *out)
{
	char *end;
	if (!isdigit((unsigned char)*s))
		return -1;  /* strtoull would take "-1" as 2^64-1 */
	errno = 0;
	unsigned long long v = strtoull(s, &end, 10);
	if (errno || end == s)
		return -1;
	unsigned shift = 0;
	switch (*end) {
	case 'k': case 'K': shift = 10; end++; break;
	case 'm': case 'M': shift = 20; end++; break;
	case 'g': case 'G': shift = 30; end++; break;
	default: break;
	}
	if (*end == 'i' || *end == 'B')
		end += (*end == 'i') + (end[*end == 'i'] == 'B');
	if (*end || (shift && v > (~0ULL >> shift)))
		return -1;
	*out = v << shift;
	return 0;
}
