/*
 * kw_byte.c - byte_test, byte_jump, byte_extract and byte_math: the
 * positional arguments, then the optional words (relative, big, little,
 * string with hex/dec/oct, dce, align, from_beginning, from_end,
 * multiplier, post_offset, bitmask, endian). Names set by byte_extract and
 * byte_math become rule variables that later numbers may use.
 */
#include <string.h>

#include "detect/detect_int.h"

enum { ALLOW_ALIGN = 1, ALLOW_JUMP = 2, ALLOW_MULT = 4, ALLOW_BITMASK = 8,
       ALLOW_ALIGN_N = 16 };

static int base_word(const char *s, size_t n)
{
	return kw_is(s, n, "hex") ? 16 : kw_is(s, n, "dec") ? 10 : kw_is(s, n, "oct") ? 8 : 0;
}

/* One optional word; 0 handled, -KN_EINVAL otherwise (message set). */
static int byte_word(struct rule_ctx *c, struct kn_rule_byte *b, const char *s, size_t n,
		     unsigned allow)
{
	int64_t v;
	int base = base_word(s, n);
	if (kw_is(s, n, "relative"))
		b->flags |= KN_BYTE_RELATIVE;
	else if (kw_is(s, n, "big"))
		b->flags &= ~KN_BYTE_LITTLE;
	else if (kw_is(s, n, "little"))
		b->flags |= KN_BYTE_LITTLE;
	else if (kw_is(s, n, "dce"))
		b->flags |= KN_BYTE_DCE;
	else if (kw_is(s, n, "string"))
		b->flags |= KN_BYTE_STRING;
	else if (base)
		b->flags |= KN_BYTE_STRING, b->base = (uint8_t)base;
	else if (n > 7 && !memcmp(s, "string ", 7) && (base = base_word(s + 7, n - 7)))
		b->flags |= KN_BYTE_STRING, b->base = (uint8_t)base;
	else if ((allow & ALLOW_ALIGN) && kw_is(s, n, "align"))
		b->flags |= KN_BYTE_ALIGN;
	else if ((allow & ALLOW_JUMP) && kw_is(s, n, "from_beginning"))
		b->flags |= KN_BYTE_FROM_BEGINNING;
	else if ((allow & ALLOW_JUMP) && kw_is(s, n, "from_end"))
		b->flags |= KN_BYTE_FROM_END;
	else if ((allow & ALLOW_JUMP) && n > 12 && !memcmp(s, "post_offset ", 12) &&
		 !kw_int(s + 12, n - 12, -65535, 65535, &v))
		b->post_offset = v;
	else if ((allow & ALLOW_MULT) && n > 11 && !memcmp(s, "multiplier ", 11) &&
		 !kw_int(s + 11, n - 11, 1, 65535, &v))
		b->multiplier = (uint32_t)v;
	else if ((allow & ALLOW_ALIGN_N) && n > 6 && !memcmp(s, "align ", 6) &&
		 !kw_int(s + 6, n - 6, 2, 4, &v) && v != 3)
		b->align = (uint8_t)v;
	else if ((allow & ALLOW_BITMASK) && n > 8 && !memcmp(s, "bitmask ", 8) &&
		 !kw_int(s + 8, n - 8, 1, 0xffffffffLL, &v))
		b->bitmask = (uint32_t)v, b->flags |= KN_BYTE_BITMASK;
	else if (n > 7 && !memcmp(s, "endian ", 7) &&
		 (kw_is(s + 7, n - 7, "big") || kw_is(s + 7, n - 7, "little") ||
		  kw_is(s + 7, n - 7, "dce")))
		b->flags |= s[7] == 'l' ? KN_BYTE_LITTLE : s[7] == 'd' ? KN_BYTE_DCE : 0;
	else
		return kw_fail(c, "%s option '%.*s' is unknown", c->kw, (int)(n > 32 ? 32 : n), s);
	return 0;
}

static int byte_rest(struct rule_ctx *c, struct kn_rule_byte *b, const char *a, size_t n,
		     unsigned allow)
{
	const char *it;
	size_t il;
	while (kw_next_item(&a, &n, &it, &il)) {
		int rc = byte_word(c, b, it, il, allow);
		if (rc)
			return rc;
	}
	if ((b->flags & KN_BYTE_STRING) && !b->base)
		b->base = 10;
	if ((b->flags & (KN_BYTE_FROM_BEGINNING | KN_BYTE_FROM_END)) ==
	    (KN_BYTE_FROM_BEGINNING | KN_BYTE_FROM_END))
		return kw_fail(c, "%s cannot jump both from_beginning and from_end", c->kw);
	return 0;
}

static struct kn_rule_byte *byte_new(struct rule_ctx *c, struct kn_rule_opt *o)
{
	struct kn_rule_byte *b = detect_alloc(&c->rs->arena, sizeof *b);
	if (b) {
		b->multiplier = 1;
		b->result = -1;
		b->nbytes.var = b->offset.var = b->value.var = -1;
		o->u.byte = b;
		c->last_payload = (int)c->n_opts - 1;
	}
	return b;
}

static int check_nbytes(struct rule_ctx *c, const struct kn_rule_byte *b, int zero_ok)
{
	int64_t nb = b->nbytes.value;
	if (b->flags & KN_BYTE_STRING) {
		if (nb > 23 || (nb == 0 && !zero_ok))
			return kw_fail(c, "%s reads 1-23 bytes of a string number", c->kw);
	} else if (nb > 8 || (nb == 0 && !zero_ok)) {
		return kw_fail(c, "%s reads 1-8 bytes (binary); add 'string' for text numbers",
			       c->kw);
	}
	return 0;
}

int kw_byte_test(struct rule_ctx *c, struct kn_rule_opt *o, const char *a, size_t n)
{
	struct kn_rule_byte *b = byte_new(c, o);
	const char *nb, *op, *val, *off;
	size_t nbl, opl, vl, offl;
	if (!b)
		return -KN_ENOMEM;
	if (!kw_next_item(&a, &n, &nb, &nbl) || !kw_next_item(&a, &n, &op, &opl) ||
	    !kw_next_item(&a, &n, &val, &vl) || !kw_next_item(&a, &n, &off, &offl))
		return kw_fail(c, "byte_test needs <bytes>,<op>,<value>,<offset>");
	int rc = kw_val(c, nb, nbl, 0, 64, &b->nbytes);
	if (rc == 0 && b->nbytes.var >= 0)
		return kw_fail(c, "byte_test: the number of bytes must be a number");
	if (opl && op[0] == '!') {
		b->flags |= KN_BYTE_NEGATED;
		op++, opl--;
		if (opl == 0 || kw_is(op, opl, "="))   /* "!" and "!=" are Suricata's "not equal" */
			op = "=", opl = 1;
	}
	if (!(kw_is(op, opl, "<") || kw_is(op, opl, ">") || kw_is(op, opl, "=") ||
	      kw_is(op, opl, "<=") || kw_is(op, opl, ">=") || kw_is(op, opl, "&") ||
	      kw_is(op, opl, "^")))
		return kw_fail(c, "byte_test operator '%.*s' is unknown: use < > = <= >= & ^ "
			       "(with ! to negate)", (int)(opl > 8 ? 8 : opl), op);
	memcpy(b->op, op, opl);
	if (rc == 0)
		rc = kw_val(c, val, vl, 0, INT64_MAX, &b->value);
	if (rc == 0)
		rc = kw_val(c, off, offl, -65535, 65535, &b->offset);
	if (rc == 0)
		rc = byte_rest(c, b, a, n, ALLOW_BITMASK);
	return rc ? rc : check_nbytes(c, b, 1);
}

int kw_byte_jump(struct rule_ctx *c, struct kn_rule_opt *o, const char *a, size_t n)
{
	struct kn_rule_byte *b = byte_new(c, o);
	const char *nb, *off;
	size_t nbl, offl;
	if (!b)
		return -KN_ENOMEM;
	if (!kw_next_item(&a, &n, &nb, &nbl) || !kw_next_item(&a, &n, &off, &offl))
		return kw_fail(c, "byte_jump needs <bytes>,<offset>");
	int rc = kw_val(c, nb, nbl, 0, 64, &b->nbytes);
	if (rc == 0 && b->nbytes.var >= 0)
		return kw_fail(c, "byte_jump: the number of bytes must be a number");
	if (rc == 0)
		rc = kw_val(c, off, offl, -65535, 65535, &b->offset);
	if (rc == 0)
		rc = byte_rest(c, b, a, n, ALLOW_ALIGN | ALLOW_JUMP | ALLOW_MULT | ALLOW_BITMASK);
	return rc ? rc : check_nbytes(c, b, 1);   /* 0 bytes: Suricata jumps by 0 */
}

int kw_byte_extract(struct rule_ctx *c, struct kn_rule_opt *o, const char *a, size_t n)
{
	struct kn_rule_byte *b = byte_new(c, o);
	const char *nb, *off, *name;
	size_t nbl, offl, namel;
	if (!b)
		return -KN_ENOMEM;
	if (!kw_next_item(&a, &n, &nb, &nbl) || !kw_next_item(&a, &n, &off, &offl) ||
	    !kw_next_item(&a, &n, &name, &namel))
		return kw_fail(c, "byte_extract needs <bytes>,<offset>,<name>");
	int64_t v;
	if (kw_int(nb, nbl, 1, 64, &v))
		return kw_fail(c, "byte_extract: the number of bytes must be 1-8 (or 1-23 "
			       "with string)");
	b->nbytes.value = v;
	int rc = kw_val(c, off, offl, -65535, 65535, &b->offset);
	if (rc == 0)
		rc = byte_rest(c, b, a, n, ALLOW_MULT | ALLOW_ALIGN_N);
	if (rc == 0)
		rc = check_nbytes(c, b, 0);
	if (rc)
		return rc;
	int idx = kw_add_byte_var(c, name, namel);
	if (idx < 0)
		return idx;
	b->result = (int16_t)idx;
	return 0;
}

/* byte_math:bytes <n>,offset <n>,oper <op>,rvalue <v>,result <name>[,...] */
int kw_byte_math(struct rule_ctx *c, struct kn_rule_opt *o, const char *a, size_t n)
{
	static const char *const ops[] = { "+", "-", "*", "/", "<<", ">>" };
	struct kn_rule_byte *b = byte_new(c, o);
	const char *it, *result = NULL;
	size_t il, resl = 0;
	unsigned have = 0;
	int rc = 0;
	if (!b)
		return -KN_ENOMEM;
	while (rc == 0 && kw_next_item(&a, &n, &it, &il)) {
		const char *sp = memchr(it, ' ', il);
		const char *v = sp ? sp + 1 : it + il;
		size_t kl = sp ? (size_t)(sp - it) : il, vl = il - kl - (sp ? 1 : 0);
		kw_trim(&v, &vl);
		if (kw_is(it, kl, "bytes"))
			rc = kw_val(c, v, vl, 1, 10, &b->nbytes), have |= 1;
		else if (kw_is(it, kl, "offset"))
			rc = kw_val(c, v, vl, -65535, 65535, &b->offset), have |= 2;
		else if (kw_is(it, kl, "oper")) {
			unsigned i = 0;
			while (i < 6 && !kw_is(v, vl, ops[i]))
				i++;
			if (i == 6)
				rc = kw_fail(c, "byte_math oper is one of + - * / << >>");
			else
				memcpy(b->op, ops[i], strlen(ops[i])), have |= 4;
		} else if (kw_is(it, kl, "rvalue"))
			rc = kw_val(c, v, vl, 0, 0xffffffffLL, &b->value), have |= 8;
		else if (kw_is(it, kl, "result"))
			result = v, resl = vl, have |= 16;
		else
			rc = byte_word(c, b, it, il, ALLOW_BITMASK);
	}
	if (rc)
		return rc;
	if (have != 31)
		return kw_fail(c, "byte_math needs bytes, offset, oper, rvalue and result");
	if ((b->flags & KN_BYTE_STRING) && !b->base)
		b->base = 10;
	int idx = kw_add_byte_var(c, result, resl);
	if (idx < 0)
		return idx;
	b->result = (int16_t)idx;
	return 0;
}
