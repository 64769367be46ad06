/*
 * inspect_byte.c - the numeric payload keywords of an inspection list:
 * byte_test, byte_jump, byte_extract, byte_math (binary big/little endian
 * or ASCII numbers in base 8/10/16), isdataat, and the length checks bsize
 * and urilen. Called by the list walk in inspect.c, one option at a time.
 *
 * Semantics are Suricata 7's (detect-bytetest.c, detect-bytejump.c,
 * detect-byte-extract.c, detect-bytemath.c, util-byte.c): where the bytes
 * are read from (offset, relative to the cursor), the "not enough data"
 * rules, strtoull-like string numbers, bitmask with its right shift by the
 * mask's trailing zeros, multiplier and alignment, and which keywords move
 * the cursor. All positions are computed in 64-bit signed arithmetic from
 * values clamped to +-2^40, so no input can overflow them.
 */
#include <string.h>

#include "detect/inspect.h"

#define POS_LIMIT ((int64_t)1 << 40)   /* far beyond any buffer (len is 32-bit) */

int64_t sig_val(const struct sig_inspect *s, const struct kn_rule_val *v)
{
	if (v->var < 0)
		return v->value;
	return v->var < KN_RULE_MAX_BYTE_VARS ? s->vars[v->var] : 0;
}

/* A signed position or offset, clamped so sums of a few stay exact. */
static int64_t clamp_pos(int64_t v)
{
	return v > POS_LIMIT ? POS_LIMIT : v < -POS_LIMIT ? -POS_LIMIT : v;
}

/* Binary number of n (0..8) bytes. */
static uint64_t read_binary(const uint8_t *p, unsigned n, int little)
{
	uint64_t v = 0;
	for (unsigned i = 0; i < n; i++) {
		unsigned k = little ? n - 1 - i : i;
		v = v << 8 | p[k];
	}
	return v;
}

static int digit_value(uint8_t ch)
{
	if (ch >= '0' && ch <= '9')
		return ch - '0';
	if (ch >= 'a' && ch <= 'z')
		return ch - 'a' + 10;
	if (ch >= 'A' && ch <= 'Z')
		return ch - 'A' + 10;
	return 99;
}

static int is_c_space(uint8_t ch)
{
	return ch == ' ' || (ch >= '\t' && ch <= '\r');
}

/* An ASCII number in p[0..n) as strtoull() reads the NUL-terminated copy
 * Suricata makes (util-byte.c ByteExtractString): leading white space, a
 * sign (a minus negates modulo 2^64), "0x" before hex digits, then digits
 * of the base. Returns the bytes consumed (> 0), or -1 when there is no
 * digit or the value overflows 64 bits. */
static int read_string(const uint8_t *p, unsigned n, unsigned base, uint64_t *out)
{
	unsigned i = 0, end = 0;
	while (end < n && p[end])
		end++;
	while (i < end && is_c_space(p[i]))
		i++;
	int neg = i < end && p[i] == '-';
	if (i < end && (p[i] == '-' || p[i] == '+'))
		i++;
	if (base == 16 && i + 2 < end && p[i] == '0' && (p[i + 1] == 'x' || p[i + 1] == 'X') &&
	    digit_value(p[i + 2]) < 16)
		i += 2;
	unsigned first = i;
	uint64_t v = 0;
	for (; i < end && (unsigned)digit_value(p[i]) < base; i++) {
		unsigned d = (unsigned)digit_value(p[i]);
		if (v > (UINT64_MAX - d) / base)
			return -1;
		v = v * base + d;
	}
	if (i == first)
		return -1;
	*out = neg ? (uint64_t)0 - v : v;
	return (int)i;
}

/* Where a byte_* keyword reads: cursor + offset (relative) or offset.
 * 0 when nbytes bytes are available there (*at set), -1 otherwise.
 * need_left: at least one byte must follow the read position (Suricata's
 * "no relative base" check of the relative forms). */
static int read_at(const struct sig_buf *b, int relative, int64_t offset, unsigned nbytes,
		   int need_left, int64_t *at)
{
	int64_t pos = clamp_pos(offset) + (relative ? (int64_t)b->cursor : 0);
	int64_t left = (int64_t)b->len - pos;
	if (need_left && left <= 0)
		return -1;
	if (pos < 0 || (int64_t)nbytes > left)
		return -1;
	*at = pos;
	return 0;
}

/* Extracts the number at `at`: string (base) or binary. *used = bytes
 * consumed. 0 or -1 (no number there). */
static int extract(const struct sig_buf *b, const struct kn_rule_byte *k, unsigned nbytes,
		   int64_t at, uint64_t *val, unsigned *used)
{
	const uint8_t *p = b->p + at;
	if (nbytes == 0) {        /* byte_jump:0 / byte_test:0: the value 0 */
		*val = 0;
		*used = 0;
		return 0;
	}
	if (k->flags & KN_BYTE_STRING) {
		unsigned base = k->base == 8 || k->base == 16 ? k->base : 10;
		int r = read_string(p, nbytes, base, val);
		if (r <= 0)
			return -1;
		*used = (unsigned)r;
		return 0;
	}
	if (nbytes > 8)
		return -1;
	*val = read_binary(p, nbytes, (k->flags & (KN_BYTE_LITTLE | KN_BYTE_DCE)) != 0);
	*used = nbytes;
	return 0;
}

/* Mask, then shift right by the mask's trailing zero bits (Suricata). */
static uint64_t apply_bitmask(const struct kn_rule_byte *k, uint64_t v)
{
	if (!(k->flags & KN_BYTE_BITMASK))
		return v;
	v &= k->bitmask;
	if (v && k->bitmask)
		v >>= __builtin_ctz(k->bitmask);
	return v;
}

static int compare(const char *op, uint64_t v, uint64_t want)
{
	if (op[0] == '<')
		return op[1] == '=' ? v <= want : v < want;
	if (op[0] == '>')
		return op[1] == '=' ? v >= want : v > want;
	if (op[0] == '&')
		return (v & want) != 0;
	if (op[0] == '^')
		return (v ^ want) != 0;
	return v == want;
}

/* The value a byte_test / byte_extract reads: its position (*at), the
 * number (*v) and the bytes used. 0, or 1 when it is not in the buffer. */
static int read_value(struct sig_inspect *s, const struct kn_rule_byte *k, struct sig_buf *b,
		      int64_t *at, uint64_t *v, unsigned *used)
{
	unsigned nbytes = (unsigned)k->nbytes.value;
	int rel = (k->flags & KN_BYTE_RELATIVE) != 0;
	if (k->nbytes.value > 23)
		return 1;
	return read_at(b, rel, sig_val(s, &k->offset), nbytes, rel, at) ||
	       extract(b, k, nbytes, *at, v, used);
}

enum sig_step sig_byte_test(struct sig_inspect *s, const struct kn_rule_byte *k,
			    struct sig_buf *b)
{
	int64_t at;
	uint64_t v;
	unsigned used;
	if (b->len == 0 || k->nbytes.value < 0 || read_value(s, k, b, &at, &v, &used))
		return SIG_STEP_NOMATCH;
	v = apply_bitmask(k, v);
	int hit = compare(k->op, v, (uint64_t)sig_val(s, &k->value));
	if (k->flags & KN_BYTE_NEGATED)
		hit = !hit;
	return hit ? SIG_STEP_MATCH : SIG_STEP_NOMATCH;
}

/* byte_jump's value after multiplier, align (to 4) and post_offset, as
 * Suricata computes it in 64-bit unsigned arithmetic, read back signed. */
static int64_t jump_distance(const struct kn_rule_byte *k, uint64_t v)
{
	v *= k->multiplier ? k->multiplier : 1;
	if ((k->flags & KN_BYTE_ALIGN) && v % 4)
		v += 4 - v % 4;
	v += (uint64_t)k->post_offset;
	return clamp_pos((int64_t)v);
}

enum sig_step sig_byte_jump(struct sig_inspect *s, const struct kn_rule_byte *k,
			    struct sig_buf *b)
{
	int64_t at, to;
	uint64_t v = 0;
	unsigned used = 0, nbytes = (unsigned)k->nbytes.value;
	if (b->len == 0 || k->nbytes.value < 0 || k->nbytes.value > 23)
		return SIG_STEP_NOMATCH;
	int rel = (k->flags & KN_BYTE_RELATIVE) != 0;
	if (read_at(b, rel, sig_val(s, &k->offset), nbytes, rel && nbytes, &at) ||
	    extract(b, k, nbytes, at, &v, &used))
		return SIG_STEP_NOMATCH;
	int64_t d = jump_distance(k, v);
	if (k->flags & KN_BYTE_FROM_BEGINNING)
		to = d;
	else if (k->flags & KN_BYTE_FROM_END)
		to = (int64_t)b->len + d;
	else
		to = at + (int64_t)used + d;
	if (to > (int64_t)b->len)
		return SIG_STEP_NOMATCH;
	b->cursor = to < 0 ? 0 : (uint32_t)to;   /* before the start: the start (Suricata 7) */
	return SIG_STEP_MATCH;
}

static void set_var(struct sig_inspect *s, int16_t idx, uint64_t v)
{
	if (idx >= 0 && idx < KN_RULE_MAX_BYTE_VARS)
		s->vars[idx] = (int64_t)v;
}

enum sig_step sig_byte_extract(struct sig_inspect *s, const struct kn_rule_byte *k,
			       struct sig_buf *b)
{
	int64_t at;
	uint64_t v;
	unsigned used;
	if (b->len == 0 || k->nbytes.value < 1 || read_value(s, k, b, &at, &v, &used))
		return SIG_STEP_NOMATCH;
	v *= k->multiplier ? k->multiplier : 1;
	if ((k->align == 2 || k->align == 4) && v % k->align)
		v += k->align - v % k->align;
	b->cursor = (uint32_t)(at + used);
	set_var(s, k->result, v);
	return SIG_STEP_MATCH;
}

/* byte_math's operation; 0 when it is undefined (division by zero). */
static int math_op(const char *op, uint64_t *v, uint64_t r)
{
	switch (op[0]) {
	case '+': *v += r; return 1;
	case '-': *v -= r; return 1;
	case '*': *v *= r; return 1;
	case '/':
		if (r == 0)
			return 0;
		*v /= r;
		return 1;
	case '<': *v = r < 64 ? *v << r : 0; return 1;
	case '>': *v = r < 64 ? *v >> r : 0; return 1;
	default: return 1;
	}
}

enum sig_step sig_byte_math(struct sig_inspect *s, const struct kn_rule_byte *k,
			    struct sig_buf *b)
{
	int64_t at, nb = sig_val(s, &k->nbytes);
	uint64_t v;
	unsigned used;
	if (b->len == 0 || nb < 1 || nb > 10)
		return SIG_STEP_NOMATCH;
	int rel = (k->flags & KN_BYTE_RELATIVE) != 0;
	if (read_at(b, rel, sig_val(s, &k->offset), (unsigned)nb, rel, &at) ||
	    extract(b, k, (unsigned)nb, at, &v, &used))
		return SIG_STEP_NOMATCH;
	b->cursor = (uint32_t)(at + used);
	if (!math_op(k->op, &v, (uint64_t)sig_val(s, &k->value)))
		return SIG_STEP_NOMATCH;
	set_var(s, k->result, apply_bitmask(k, v));
	return SIG_STEP_MATCH;
}

enum sig_step sig_isdataat(const struct sig_inspect *s, const struct kn_rule_isdataat *d,
			   const struct sig_buf *b)
{
	uint64_t at = (uint64_t)sig_val(s, &d->pos);
	int present;
	if (d->pos.var >= 0 && at >= 100000000u)   /* Suricata: a huge variable is never data */
		present = 0;
	else if (d->relative)
		present = (uint64_t)b->cursor + at <= b->len;   /* at bytes left after the cursor */
	else
		present = at < b->len;                        /* the byte at `at` exists */
	return present != (d->negated != 0) ? SIG_STEP_MATCH : SIG_STEP_NOMATCH;
}

enum sig_step sig_length(const struct kn_rule_num *num, uint64_t len)
{
	int hit;
	switch (num->op) {
	case KN_CMP_NE: hit = len != num->a; break;
	case KN_CMP_LT: hit = len < num->a; break;
	case KN_CMP_GT: hit = len > num->a; break;
	case KN_CMP_LE: hit = len <= num->a; break;
	case KN_CMP_GE: hit = len >= num->a; break;
	case KN_CMP_RANGE: hit = len > num->a && len < num->b; break;
	default: hit = len == num->a; break;
	}
	return hit ? SIG_STEP_MATCH : SIG_STEP_NOMATCH;
}
