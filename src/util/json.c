/*
 * json.c - the JSON writer behind every EVE event (see json.h).
 *
 * Leaf utility. Each call reserves the worst case of what it writes with a
 * single comparison (growing the buffer only when a document is bigger than
 * any before), then writes without further checks. Strings are copied in
 * runs of bytes that need no escaping; integers use a two-digits-at-a-time
 * table; doubles use scaled integer arithmetic with a snprintf fallback for
 * huge values, so the hot path never calls into stdio.
 */
#include "util/json.h"

#include <math.h>
#include <stdio.h>
#include <string.h>

#include "util/alloc.h"

/* Byte classes for escaping and UTF-8 validation. */
enum {
	C_SAFE = 0,   /* copied as is */
	C_ESC = 1,    /* control character, '"' or '\\' */
	C_LEAD2 = 2,  /* C2..DF: lead of a 2-byte sequence */
	C_LEAD3 = 3,  /* E0..EF */
	C_LEAD4 = 4,  /* F0..F4 */
	C_BAD = 5,    /* continuation byte alone, C0, C1, F5..FF: never valid first */
};

static const uint8_t byte_class[256] = {
	1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, /* 00 */
	1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, /* 10 */
	0, 0, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, /* 20: '"' */
	0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, /* 30 */
	0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, /* 40 */
	0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1, 0, 0, 0, /* 50: '\\' */
	0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, /* 60 */
	0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, /* 70 */
	5, 5, 5, 5, 5, 5, 5, 5, 5, 5, 5, 5, 5, 5, 5, 5, /* 80 */
	5, 5, 5, 5, 5, 5, 5, 5, 5, 5, 5, 5, 5, 5, 5, 5, /* 90 */
	5, 5, 5, 5, 5, 5, 5, 5, 5, 5, 5, 5, 5, 5, 5, 5, /* a0 */
	5, 5, 5, 5, 5, 5, 5, 5, 5, 5, 5, 5, 5, 5, 5, 5, /* b0 */
	5, 5, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, /* c0 */
	2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, /* d0 */
	3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3, /* e0 */
	4, 4, 4, 4, 4, 5, 5, 5, 5, 5, 5, 5, 5, 5, 5, 5, /* f0 */
};

static const char hex_lower[] = "0123456789abcdef";

/* "00" "01" ... "99": the two digits of v are digit_pairs[2v], [2v+1]. */
static const char digit_pairs[201] =
	"00010203040506070809101112131415161718192021222324252627282930313233343536373839"
	"40414243444546474849505152535455565758596061626364656667686970717273747576777879"
	"8081828384858687888990919293949596979899";

static inline void put2(char *p, unsigned v)
{
	memcpy(p, digit_pairs + 2 * v, 2);
}

/* Worst-case growth of one input byte when escaped ("\u00XX"). */
#define ESC_MAX 6

int kn_json_init(struct kn_json *j, size_t initial_cap, size_t max_cap)
{
	memset(j, 0, sizeof *j);
	if (max_cap < 64)
		return -KN_EINVAL;
	if (initial_cap < 64)
		initial_cap = 64;
	if (initial_cap > max_cap)
		initial_cap = max_cap;
	j->buf = kn_malloc(initial_cap);
	if (!j->buf)
		return -KN_ENOMEM;
	j->cap = initial_cap;
	j->max = max_cap;
	j->buf[0] = '\0';
	return 0;
}

void kn_json_fini(struct kn_json *j)
{
	kn_free(j->buf);
	memset(j, 0, sizeof *j);
}

void kn_json_reset(struct kn_json *j)
{
	j->len = 0;
	j->depth = 0;
	j->need_comma = 0;
	j->overflow = 0;
	if (j->buf)
		j->buf[0] = '\0';
}

const char *kn_json_text(const struct kn_json *j, size_t *len)
{
	if (j->overflow || !j->buf)
		return NULL;
	if (len)
		*len = j->len;
	return j->buf;
}

/* Slow path of reserve(): doubles the buffer until n more bytes (plus the
 * NUL) fit, never past max. Returns 0 and sets overflow when impossible. */
static int grow(struct kn_json *j, size_t n)
{
	if (j->overflow || !j->buf)
		goto fail;
	if (n > j->max || j->len + 1 > j->max - n)
		goto fail;
	size_t need = j->len + n + 1;
	size_t cap = j->cap;
	while (cap < need)
		cap = cap > j->max / 2 ? j->max : cap * 2;
	char *nb = kn_realloc_array(j->buf, cap, 1);
	if (!nb)
		goto fail;
	j->buf = nb;
	j->cap = cap;
	return 1;
fail:
	j->overflow = 1;
	return 0;
}

/* Makes room for n more bytes plus the terminating NUL. */
static inline int reserve(struct kn_json *j, size_t n)
{
	if (KN_LIKELY(!j->overflow && j->cap - j->len > n))
		return 1;
	return grow(j, n);
}

/* Validates the UTF-8 sequence whose lead byte s[0] has class c (2..4) and
 * returns its length, or 0 when it is not a valid sequence (overlong forms,
 * surrogates and code points past U+10FFFF are rejected). */
static size_t utf8_seq_len(const uint8_t *s, size_t n, unsigned c)
{
	if (n < c || (s[1] & 0xc0) != 0x80)
		return 0;
	if (c == C_LEAD2)
		return 2;
	if ((s[2] & 0xc0) != 0x80)
		return 0;
	if (c == C_LEAD3) {
		if ((s[0] == 0xe0 && s[1] < 0xa0) || (s[0] == 0xed && s[1] > 0x9f))
			return 0;
		return 3;
	}
	if ((s[3] & 0xc0) != 0x80)
		return 0;
	if ((s[0] == 0xf0 && s[1] < 0x90) || (s[0] == 0xf4 && s[1] > 0x8f))
		return 0;
	return 4;
}

static char *escape_byte(char *p, uint8_t b)
{
	char short_form = 0;
	switch (b) {
	case '"': short_form = '"'; break;
	case '\\': short_form = '\\'; break;
	case '\b': short_form = 'b'; break;
	case '\f': short_form = 'f'; break;
	case '\n': short_form = 'n'; break;
	case '\r': short_form = 'r'; break;
	case '\t': short_form = 't'; break;
	}
	*p++ = '\\';
	if (short_form) {
		*p++ = short_form;
		return p;
	}
	memcpy(p, "u00", 3);
	p[3] = hex_lower[b >> 4];
	p[4] = hex_lower[b & 15];
	return p + 5;
}

/* Eight bytes at a time (SWAR): non-zero when any byte of w is a control
 * character, '"', '\\' or >= 0x80 (the callers only test for zero). Bytes
 * >= 0x80 are caught by w's own high bits. For the lowest other byte b
 * that needs escaping, nothing below it borrows, so b - 0x20 (b < 0x20)
 * or (b ^ c) - 1 (b == c) wraps and sets its high bit; when no byte needs
 * escaping, no subtraction wraps or borrows: no false positives, and no
 * "& ~w" masks needed (as the general zero-byte test has). */
#define ONES 0x0101010101010101ull
#define HIGHS 0x8080808080808080ull
static inline uint64_t needs_escape8(uint64_t w)
{
	uint64_t ctl = w - ONES * 0x20;
	uint64_t quote = (w ^ (ONES * '"')) - ONES;
	uint64_t bslash = (w ^ (ONES * '\\')) - ONES;
	return (ctl | quote | bslash | w) & HIGHS;
}

/* Copies the last r (< 8) bytes of a plain run, s[0..r), to p when none of
 * them needs escaping; returns 0 (having written nothing that counts)
 * otherwise. `back` bytes before s were just copied verbatim to the bytes
 * before p: when they make up a whole word, one 8-byte load ending at s + r
 * covers the tail (rewriting some bytes with the same values), so short
 * tails cost one check instead of a loop over bytes. */
static inline int plain_tail(char *p, const uint8_t *s, size_t r, size_t back)
{
	if (r + back >= 8 && r > 0) {
		uint64_t w;
		memcpy(&w, s + r - 8, 8);
		if (needs_escape8(w))
			return 0;
		memcpy(p + r - 8, &w, 8);
		return 1;
	}
	if (r >= 4) {  /* two 4-byte halves, overlapping when r < 8 */
		uint32_t lo, hi;
		memcpy(&lo, s, 4);
		memcpy(&hi, s + r - 4, 4);
		if (needs_escape8(lo | (uint64_t)hi << 32))
			return 0;
		memcpy(p, &lo, 4);
		memcpy(p + r - 4, &hi, 4);
		return 1;
	}
	if (r == 0)
		return 1;
	/* 1 to 3 bytes (short keys, small words): the first, middle and last
	 * (some the same byte when r < 3) in one word padded with spaces,
	 * which need no escaping; no loop. */
	size_t mid = r / 2;
	uint64_t w = (ONES * ' ') << 24 | s[0] | (uint64_t)s[mid] << 8 | (uint64_t)s[r - 1] << 16;
	if (needs_escape8(w))
		return 0;
	p[0] = (char)s[0];
	p[mid] = (char)s[mid];
	p[r - 1] = (char)s[r - 1];
	return 1;
}

/* Copies s[0..n) to p and returns 1 when no byte of it needs escaping;
 * returns 0 otherwise (what was written to p does not count). */
static inline int copy_plain(char *p, const uint8_t *s, size_t n)
{
	size_t i = 0;
	for (; i + 8 <= n; i += 8) {
		uint64_t w;
		memcpy(&w, s + i, 8);
		if (needs_escape8(w))
			return 0;
		memcpy(p + i, &w, 8);
	}
	return plain_tail(p + i, s + i, n - i, i);
}

int kn_json_copy_plain(char *out, const char *s, size_t n)
{
	return copy_plain(out, (const uint8_t *)s, n);
}

/* Length of the next run of bytes that are copied verbatim. */
static inline size_t safe_run(const uint8_t *s, size_t n)
{
	size_t i = 0;
	for (; i + 8 <= n; i += 8) {
		uint64_t w;
		memcpy(&w, s + i, 8);
		if (needs_escape8(w))
			break;
	}
	while (i < n && byte_class[s[i]] == C_SAFE)
		i++;
	return i;
}

/* Handles the byte at s[0] that is not C_SAFE: copies the valid UTF-8
 * sequence it starts, or escapes it. Returns the input bytes consumed. */
static size_t escape_special(char **p, const uint8_t *s, size_t n)
{
	unsigned c = byte_class[s[0]];
	size_t seq = (c >= C_LEAD2 && c <= C_LEAD4) ? utf8_seq_len(s, n, c) : 0;
	if (seq) {
		memcpy(*p, s, seq);
		*p += seq;
		return seq;
	}
	*p = escape_byte(*p, s[0]);
	return 1;
}

/* Writes the escaped form of s[0..n) at p (room for ESC_MAX * n bytes must
 * exist) and returns the new end. Plain text moves eight bytes at a time,
 * and so does the tail of a plain run (plain_tail()). Inline: as a call it
 * cost an eighth of writing a typical short string member. */
static inline char *escape_bytes(char *p, const uint8_t *s, size_t n)
{
	size_t i = 0, run = 0;  /* s[run..i) was copied verbatim just before p */
	for (;;) {
		while (i + 8 <= n) {
			uint64_t w;
			memcpy(&w, s + i, 8);
			if (needs_escape8(w))
				break;
			memcpy(p, &w, 8);
			p += 8;
			i += 8;
		}
		if (n - i < 8 && plain_tail(p, s + i, n - i, i - run))
			return p + (n - i);
		while (i < n && byte_class[s[i]] == C_SAFE)
			*p++ = (char)s[i++];
		if (i == n)
			return p;
		i += escape_special(&p, s + i, n - i);
		run = i;
	}
}

/* Exact length escape_bytes() would write: used only when the worst case
 * does not fit, so a long string near max_cap is not refused needlessly. */
static size_t escaped_len(const uint8_t *s, size_t n)
{
	size_t out = 0, i = 0;
	while (i < n) {
		size_t run = safe_run(s + i, n - i);
		out += run;
		i += run;
		if (i == n)
			break;
		char tmp[ESC_MAX], *t = tmp;
		i += escape_special(&t, s + i, n - i);
		out += (size_t)(t - tmp);
	}
	return out;
}

/* Reserves room for the member prefix (comma, quoted key, colon) plus
 * value_len bytes and writes the prefix. Returns where the value goes, or
 * NULL when the document overflowed. The key's escaping is assumed worst
 * case except near max, where it is measured, so the limit is exact. */
static char *begin_value_klen(struct kn_json *j, const char *key, size_t klen,
			      size_t value_len)
{
	size_t want = 4 + ESC_MAX * klen + value_len;
	if (KN_UNLIKELY(j->len + want >= j->max))
		want = (size_t)j->need_comma + (key ? escaped_len((const uint8_t *)key, klen) + 3 : 0) +
		       value_len;
	if (!reserve(j, want))
		return NULL;
	char *p = j->buf + j->len;
	if (j->need_comma)
		*p++ = ',';
	if (key) {
		*p++ = '"';
		p = escape_bytes(p, (const uint8_t *)key, klen);
		*p++ = '"';
		*p++ = ':';
	}
	return p;
}

/* The member prefix when the buffer already has room for the longest one
 * (comma, quotes, colon, key) and value_len more bytes, and the key needs no
 * escaping (all of ours): the key is copied a word at a time, checked as it
 * goes. Returns where the value goes, or NULL (nothing committed) when
 * begin_value_klen() must decide. */
static inline char *fast_member(struct kn_json *j, const char *key, size_t klen,
				size_t value_len)
{
	if (KN_UNLIKELY(j->overflow || j->cap - j->len <= klen + 4 + value_len))
		return NULL;
	char *p = j->buf + j->len;
	if (j->need_comma)
		*p++ = ',';
	if (!key)
		return p;
	*p++ = '"';
	if (KN_UNLIKELY(!copy_plain(p, (const uint8_t *)key, klen)))
		return NULL;
	p += klen;
	p[0] = '"';
	p[1] = ':';
	return p + 2;
}

/* fast_member(), or the general case. */
static inline char *begin_member(struct kn_json *j, const char *key, size_t klen,
				 size_t value_len)
{
	char *p = fast_member(j, key, klen, value_len);
	if (KN_LIKELY(p != NULL))
		return p;
	return begin_value_klen(j, key, klen, value_len);
}

static inline void end_value(struct kn_json *j, char *p)
{
	*p = '\0';
	j->len = (size_t)(p - j->buf);
	j->need_comma = 1;
}

static void open_container(struct kn_json *j, const char *key, size_t klen, char c)
{
	char *p = begin_member(j, key, klen, 1);
	if (!p)
		return;
	*p++ = c;
	*p = '\0';
	j->len = (size_t)(p - j->buf);
	j->need_comma = 0;
	j->depth++;
}

static void close_container(struct kn_json *j, char c)
{
	if (j->depth == 0 || !reserve(j, 1))
		return;
	j->buf[j->len++] = c;
	j->buf[j->len] = '\0';
	j->need_comma = 1;
	j->depth--;
}

void kn_json_open_klen(struct kn_json *j, const char *key, size_t klen)
{
	open_container(j, key, klen, '{');
}

void kn_json_close(struct kn_json *j)
{
	close_container(j, '}');
}

void kn_json_open_array_klen(struct kn_json *j, const char *key, size_t klen)
{
	open_container(j, key, klen, '[');
}

void kn_json_close_array(struct kn_json *j)
{
	close_container(j, ']');
}

void kn_json_strn_klen(struct kn_json *j, const char *key, size_t klen, const char *s,
		       size_t n)
{
	const uint8_t *u = (const uint8_t *)s;
	size_t worst = n <= (SIZE_MAX - 2) / ESC_MAX ? ESC_MAX * n + 2 : SIZE_MAX / 2;
	char *p = fast_member(j, key, klen, worst);
	if (!p) {
		/* When the worst case would not fit under max, size the value
		 * exactly (a second pass, only for strings that big). */
		if (j->len + 5 + ESC_MAX * klen + worst > j->max)
			worst = escaped_len(u, n) + 2;
		p = begin_value_klen(j, key, klen, worst);
		if (!p)
			return;
	}
	*p++ = '"';
	p = escape_bytes(p, u, n);
	*p++ = '"';
	end_value(j, p);
}

void kn_json_members(struct kn_json *j, const char *text, size_t n)
{
	if (n == 0)
		return;
	char *p = begin_member(j, NULL, 0, n);
	if (!p)
		return;
	memcpy(p, text, n);
	end_value(j, p + n);
}

/* Writes v (< 10^8) in decimal, without leading zeros, at out; returns
 * the number of digits. 32-bit arithmetic: cheaper than 64-bit. */
static inline size_t u32_to_dec(uint32_t v, char *out)
{
	size_t n = v < 10 ? 1 : v < 100 ? 2 : v < 1000 ? 3 : v < 10000 ? 4 :
		   v < 100000 ? 5 : v < 1000000 ? 6 : v < 10000000 ? 7 : 8;
	char *p = out + n;
	while (v >= 100) {
		p -= 2;
		put2(p, v % 100);
		v /= 100;
	}
	if (v >= 10)
		put2(p - 2, v);
	else
		p[-1] = (char)('0' + v);
	return n;
}

/* Writes exactly eight digits of v (< 10^8), zero-padded. */
static inline void put8(char *p, uint32_t v)
{
	uint32_t hi = v / 10000, lo = v % 10000;
	put2(p, hi / 100);
	put2(p + 2, hi % 100);
	put2(p + 4, lo / 100);
	put2(p + 6, lo % 100);
}

/* Big values (flow ids have 16 or 17 digits) are cut into groups of eight
 * digits so that the digit loop runs on 32-bit numbers. */
size_t kn_u64_to_dec(uint64_t v, char *out)
{
	if (v < 100000000)
		return u32_to_dec((uint32_t)v, out);
	uint64_t hi = v / 100000000;
	uint32_t lo = (uint32_t)(v - hi * 100000000);
	size_t n;
	if (hi < 100000000) {
		n = u32_to_dec((uint32_t)hi, out);
	} else {  /* 17 to 20 digits: hi has 9 to 12 */
		uint32_t top = (uint32_t)(hi / 100000000);
		n = u32_to_dec(top, out);
		put8(out + n, (uint32_t)(hi - (uint64_t)top * 100000000));
		n += 8;
	}
	put8(out + n, lo);
	return n + 8;
}

static void write_literal(struct kn_json *j, const char *key, size_t klen, const char *lit,
			  size_t n)
{
	char *p = begin_member(j, key, klen, n);
	if (!p)
		return;
	memcpy(p, lit, n);
	end_value(j, p + n);
}

/* Integers go straight into the buffer when it has room for the longest
 * one; otherwise (growth, or near max) they are formatted on the stack
 * first so that the reservation is exact. */
void kn_json_u64_klen(struct kn_json *j, const char *key, size_t klen, uint64_t v)
{
	char *p = fast_member(j, key, klen, KN_U64_DIGITS);
	if (p) {
		end_value(j, p + kn_u64_to_dec(v, p));
		return;
	}
	char tmp[KN_U64_DIGITS];
	write_literal(j, key, klen, tmp, kn_u64_to_dec(v, tmp));
}

void kn_json_i64_klen(struct kn_json *j, const char *key, size_t klen, int64_t v)
{
	char tmp[KN_U64_DIGITS + 1];
	uint64_t mag = (uint64_t)v;
	size_t sign = v < 0;
	if (sign) {
		tmp[0] = '-';
		mag = 0 - mag;  /* well defined for INT64_MIN too */
	}
	write_literal(j, key, klen, tmp, sign + kn_u64_to_dec(mag, tmp + sign));
}

void kn_json_bool_klen(struct kn_json *j, const char *key, size_t klen, int v)
{
	if (v)
		write_literal(j, key, klen, "true", 4);
	else
		write_literal(j, key, klen, "false", 5);
}

void kn_json_null_klen(struct kn_json *j, const char *key, size_t klen)
{
	write_literal(j, key, klen, "null", 4);
}

void kn_json_raw_klen(struct kn_json *j, const char *key, size_t klen, const char *json_text,
		      size_t n)
{
	write_literal(j, key, klen, json_text, n);
}

/* Formats v (finite) with `decimals` digits into out and returns the length.
 * Values whose scaled magnitude is an exact double integer use integer
 * arithmetic (rounding half away from zero); larger ones go to snprintf,
 * with a locale's decimal comma turned back into a point. */
static size_t format_double(double v, int decimals, char *out, size_t out_size)
{
	static const uint64_t pow10[10] = { 1, 10, 100, 1000, 10000, 100000, 1000000,
		10000000, 100000000, 1000000000 };
	double mag = fabs(v);
	if (decimals <= 9 && mag * (double)pow10[decimals] < 9.0e15) {
		uint64_t q = (uint64_t)(mag * (double)pow10[decimals] + 0.5);
		uint64_t ip = q / pow10[decimals], fp = q % pow10[decimals];
		char *p = out;
		if (v < 0 && q != 0)
			*p++ = '-';
		p += kn_u64_to_dec(ip, p);
		if (decimals > 0) {
			*p++ = '.';
			for (int d = decimals - 1; d >= 0; d--) {
				p[d] = (char)('0' + fp % 10);
				fp /= 10;
			}
			p += decimals;
		}
		return (size_t)(p - out);
	}
	int n = snprintf(out, out_size, "%.*f", decimals, v);
	if (n < 0 || (size_t)n >= out_size)
		return 0;
	for (int i = 0; i < n; i++)
		if (out[i] == ',')
			out[i] = '.';
	return (size_t)n;
}

void kn_json_double_klen(struct kn_json *j, const char *key, size_t klen, double v,
			 int decimals)
{
	if (!isfinite(v)) {
		kn_json_null_klen(j, key, klen);
		return;
	}
	if (decimals < 0)
		decimals = 0;
	if (decimals > 17)
		decimals = 17;
	char tmp[400];  /* DBL_MAX has 309 integer digits */
	size_t n = format_double(v, decimals, tmp, sizeof tmp);
	if (n == 0) {
		kn_json_null_klen(j, key, klen);
		return;
	}
	write_literal(j, key, klen, tmp, n);
}
