/*
 * json_check.h - a strict, minimal JSON validator for tests (header only).
 *
 * Used by the json writer tests (tests/unit/util) and the EVE tests
 * (tests/unit/output) to prove that every document we write parses: RFC 8259
 * grammar, no raw control characters in strings, valid escapes (surrogate
 * escapes must pair), strictly valid UTF-8 (no overlongs, surrogates or code
 * points past U+10FFFF), nothing after the top-level value.
 */
#ifndef KN_TESTS_JSON_CHECK_H
#define KN_TESTS_JSON_CHECK_H

#include <stddef.h>
#include <stdint.h>

struct jc {
	const uint8_t *p, *end;
	int depth;
};

static inline int jc_value(struct jc *c);

static inline void jc_ws(struct jc *c)
{
	while (c->p < c->end && (*c->p == ' ' || *c->p == '\t' || *c->p == '\n' || *c->p == '\r'))
		c->p++;
}

static inline int jc_lit(struct jc *c, const char *lit)
{
	size_t n = strlen(lit);
	if ((size_t)(c->end - c->p) < n || memcmp(c->p, lit, n) != 0)
		return 0;
	c->p += n;
	return 1;
}

static inline int jc_hex4(struct jc *c, unsigned *v)
{
	*v = 0;
	for (int i = 0; i < 4; i++, c->p++) {
		if (c->p >= c->end)
			return 0;
		unsigned ch = *c->p, d;
		if (ch >= '0' && ch <= '9')
			d = ch - '0';
		else if ((ch | 0x20) >= 'a' && (ch | 0x20) <= 'f')
			d = (ch | 0x20) - 'a' + 10;
		else
			return 0;
		*v = *v << 4 | d;
	}
	return 1;
}

/* One valid UTF-8 sequence of 2..4 bytes at c->p. */
static inline int jc_utf8(struct jc *c)
{
	const uint8_t *s = c->p;
	size_t left = (size_t)(c->end - s), n;
	uint32_t cp;
	if (s[0] >= 0xc2 && s[0] <= 0xdf) {
		n = 2;
		cp = s[0] & 0x1f;
	} else if (s[0] >= 0xe0 && s[0] <= 0xef) {
		n = 3;
		cp = s[0] & 0x0f;
	} else if (s[0] >= 0xf0 && s[0] <= 0xf4) {
		n = 4;
		cp = s[0] & 0x07;
	} else {
		return 0;
	}
	if (left < n)
		return 0;
	for (size_t i = 1; i < n; i++) {
		if ((s[i] & 0xc0) != 0x80)
			return 0;
		cp = cp << 6 | (s[i] & 0x3f);
	}
	if ((n == 3 && cp < 0x800) || (n == 4 && cp < 0x10000) || cp > 0x10ffff ||
	    (cp >= 0xd800 && cp <= 0xdfff))
		return 0;
	c->p += n;
	return 1;
}

static inline int jc_string(struct jc *c)
{
	if (c->p >= c->end || *c->p != '"')
		return 0;
	c->p++;
	while (c->p < c->end) {
		uint8_t ch = *c->p;
		if (ch == '"') {
			c->p++;
			return 1;
		}
		if (ch < 0x20)
			return 0;
		if (ch >= 0x80) {
			if (!jc_utf8(c))
				return 0;
			continue;
		}
		c->p++;
		if (ch != '\\')
			continue;
		if (c->p >= c->end)
			return 0;
		ch = *c->p++;
		if (ch == 'u') {
			unsigned v, lo;
			if (!jc_hex4(c, &v))
				return 0;
			if (v >= 0xdc00 && v <= 0xdfff)
				return 0;
			if (v >= 0xd800 && v <= 0xdbff) {
				if (!jc_lit(c, "\\u") || !jc_hex4(c, &lo) || lo < 0xdc00 || lo > 0xdfff)
					return 0;
			}
		} else if (!strchr("\"\\/bfnrt", ch) || ch == 0) {
			return 0;
		}
	}
	return 0;
}

static inline int jc_number(struct jc *c)
{
	const uint8_t *start = c->p;
	if (c->p < c->end && *c->p == '-')
		c->p++;
	if (c->p >= c->end)
		return 0;
	if (*c->p == '0') {
		c->p++;
	} else if (*c->p >= '1' && *c->p <= '9') {
		while (c->p < c->end && *c->p >= '0' && *c->p <= '9')
			c->p++;
	} else {
		return 0;
	}
	if (c->p < c->end && *c->p == '.') {
		c->p++;
		const uint8_t *d = c->p;
		while (c->p < c->end && *c->p >= '0' && *c->p <= '9')
			c->p++;
		if (c->p == d)
			return 0;
	}
	if (c->p < c->end && (*c->p == 'e' || *c->p == 'E')) {
		c->p++;
		if (c->p < c->end && (*c->p == '+' || *c->p == '-'))
			c->p++;
		const uint8_t *d = c->p;
		while (c->p < c->end && *c->p >= '0' && *c->p <= '9')
			c->p++;
		if (c->p == d)
			return 0;
	}
	return c->p > start;
}

/* Object or array: open char consumed by the caller. */
static inline int jc_container(struct jc *c, int object)
{
	char close = object ? '}' : ']';
	if (++c->depth > 64)
		return 0;
	jc_ws(c);
	if (c->p < c->end && *c->p == close) {
		c->p++;
		c->depth--;
		return 1;
	}
	for (;;) {
		jc_ws(c);
		if (object) {
			if (!jc_string(c))
				return 0;
			jc_ws(c);
			if (!jc_lit(c, ":"))
				return 0;
		}
		if (!jc_value(c))
			return 0;
		jc_ws(c);
		if (c->p >= c->end)
			return 0;
		if (*c->p == ',') {
			c->p++;
			continue;
		}
		if (*c->p != (uint8_t)close)
			return 0;
		c->p++;
		c->depth--;
		return 1;
	}
}

static inline int jc_value(struct jc *c)
{
	jc_ws(c);
	if (c->p >= c->end)
		return 0;
	switch (*c->p) {
	case '{': c->p++; return jc_container(c, 1);
	case '[': c->p++; return jc_container(c, 0);
	case '"': return jc_string(c);
	case 't': return jc_lit(c, "true");
	case 'f': return jc_lit(c, "false");
	case 'n': return jc_lit(c, "null");
	default: return jc_number(c);
	}
}

/* 1 when s[0..n) is exactly one valid JSON document. */
static inline int json_valid(const char *s, size_t n)
{
	struct jc c = { (const uint8_t *)s, (const uint8_t *)s + n, 0 };
	if (!jc_value(&c))
		return 0;
	jc_ws(&c);
	return c.p == c.end;
}

#endif
