/*
 * kw_header.c - keywords of thresholds (threshold, detection_filter) and of
 * packet headers: ttl, id, window, itype, icode, icmp_id, icmp_seq, seq,
 * ack, dsize (number comparisons), stream_size, ipopts, TCP flags,
 * fragbits and ip_proto.
 */
#include <stdio.h>
#include <string.h>

#include "detect/detect_int.h"

/* ------------------------------------------------------------ thresholds */

static int thr_parse(struct rule_ctx *c, struct kn_rule_opt *o, const char *a, size_t n,
		     int with_type)
{
	static const char *const types[] = { "limit", "threshold", "both", "backoff" };
	static const char *const tracks[] = { "by_src", "by_dst", "by_rule", "by_both",
					      "by_flow" };
	struct kn_rule_threshold *t = detect_alloc(&c->rs->arena, sizeof *t);
	unsigned have = 0;
	const char *it;
	size_t il;
	if (!t)
		return -KN_ENOMEM;
	t->type = KN_THR_THRESHOLD;
	while (kw_next_item(&a, &n, &it, &il)) {
		const char *sp = memchr(it, ' ', il);
		const char *v = sp ? sp + 1 : it + il;
		size_t kl = sp ? (size_t)(sp - it) : il, vl = il - kl - (sp ? 1 : 0);
		int64_t num;
		kw_trim(&v, &vl);
		unsigned i = 0;
		if (with_type && kw_is(it, kl, "type")) {
			while (i < 4 && !kw_is(v, vl, types[i]))
				i++;
			if (i == 4)
				return kw_fail(c, "threshold type is limit, threshold, both or backoff");
			t->type = (uint8_t)i, have |= 1;
		} else if (kw_is(it, kl, "track")) {
			while (i < 5 && !kw_is(v, vl, tracks[i]))
				i++;
			if (i == 5)
				return kw_fail(c, "%s track is by_src, by_dst, by_rule, by_both or "
					       "by_flow", c->kw);
			t->track = (uint8_t)i, have |= 2;
		} else if (kw_is(it, kl, "count") && !kw_int(v, vl, 1, 0xffffffffLL, &num)) {
			t->count = (uint32_t)num, have |= 4;
		} else if (kw_is(it, kl, "seconds") && !kw_int(v, vl, 1, 0xffffffffLL, &num)) {
			t->seconds = (uint32_t)num, have |= 8;
		} else if (with_type && kw_is(it, kl, "multiplier") &&
			   !kw_int(v, vl, 1, 0xffffffffLL, &num)) {
			t->multiplier = (uint32_t)num, have |= 16;
		} else {
			return kw_fail(c, "%s part '%.*s' is not understood: expected %s'track "
				       "by_src|by_dst', 'count N', 'seconds N'", c->kw,
				       (int)(il > 40 ? 40 : il), it, with_type ? "'type limit|"
				       "threshold|both', " : "");
		}
	}
	unsigned need = t->type == KN_THR_BACKOFF ? (1 | 2 | 4 | 16) : with_type ? 15 : 14;
	if ((have & need) != need)
		return kw_fail(c, "%s needs %s", c->kw, t->type == KN_THR_BACKOFF
			       ? "type backoff, track, count and multiplier"
			       : with_type ? "type, track, count and seconds"
					   : "track, count and seconds");
	o->u.threshold = t;
	return 0;
}

int kw_threshold(struct rule_ctx *c, struct kn_rule_opt *o, const char *a, size_t n)
{
	return thr_parse(c, o, a, n, 1);
}

int kw_detection_filter(struct rule_ctx *c, struct kn_rule_opt *o, const char *a,
			       size_t n)
{
	return thr_parse(c, o, a, n, 0);
}

/* ------------------------------------------------------------- headers */

#define NUM_KW(fn, max)                                                              \
	int fn(struct rule_ctx *c, struct kn_rule_opt *o, const char *a, size_t n) \
	{                                                                            \
		return kw_num_cmp(c, a, n, (max), &o->u.num);                        \
	}
NUM_KW(kw_u8_cmp, 255)
NUM_KW(kw_u16_cmp, 65535)
NUM_KW(kw_u32_cmp, 0xffffffffu)

int kw_stream_size(struct rule_ctx *c, struct kn_rule_opt *o, const char *a, size_t n)
{
	static const char *const sides[] = { "server", "client", "both", "either" };
	const char *side, *op, *val;
	size_t sl, ol, vl;
	if (!kw_next_item(&a, &n, &side, &sl) || !kw_next_item(&a, &n, &op, &ol) ||
	    !kw_next_item(&a, &n, &val, &vl) || n)
		return kw_fail(c, "stream_size is '<server|client|both|either>,<op>,<bytes>'");
	unsigned i = 0;
	while (i < 4 && !kw_is(side, sl, sides[i]))
		i++;
	if (i == 4)
		return kw_fail(c, "stream_size side is server, client, both or either");
	char buf[48];
	if (ol + vl + 1 >= sizeof buf)
		return kw_fail(c, "stream_size value is too long");
	/* "!=" and "=" as the comparison reader spells them */
	int ne = kw_is(op, ol, "!=");
	snprintf(buf, sizeof buf, "%.*s%.*s", ne ? 1 : (int)ol, ne ? "!" : op, (int)vl, val);
	if (!(kw_is(op, ol, "<") || kw_is(op, ol, ">") || kw_is(op, ol, "=") || ne ||
	      kw_is(op, ol, "<=") || kw_is(op, ol, ">=")))
		return kw_fail(c, "stream_size operator is <, >, =, !=, <= or >=");
	int rc = kw_num_cmp(c, buf, strlen(buf), 0xffffffffu, &o->u.num);
	o->u.num.side = (uint8_t)i;
	return rc;
}

int kw_ipopts(struct rule_ctx *c, struct kn_rule_opt *o, const char *a, size_t n)
{
	static const char *const opts[] = { "rr", "eol", "nop", "ts", "sec", "esec", "lsrr",
					    "lsrre", "ssrr", "satid", "any" };
	for (unsigned i = 0; i < sizeof opts / sizeof opts[0]; i++)
		if (kw_is(a, n, opts[i])) {
			o->u.str = opts[i];
			return 0;
		}
	return kw_fail(c, "ipopts is one of rr, eol, nop, ts, sec, esec, lsrr, lsrre, ssrr, "
		       "satid, any");
}

/* Letters of a bit mask with an optional modifier (+ * !) before or after. */
static int letters(struct rule_ctx *c, const char *s, size_t n, const char *alpha,
		   const uint8_t *bits, uint8_t *out, char *mod)
{
	*out = 0;
	for (size_t i = 0; i < n; i++) {
		const char *p = strchr(alpha, s[i]);
		if ((s[i] == '+' || s[i] == '*' || s[i] == '!') && mod) {
			if (*mod)
				return kw_fail(c, "%s has two modifiers: use one of + * !", c->kw);
			*mod = s[i];
		} else if (s[i] && p) {
			*out |= bits[p - alpha];
		} else {
			return kw_fail(c, "'%c' is not a %s letter (use %s)", s[i], c->kw, alpha);
		}
	}
	return 0;
}

int kw_flags(struct rule_ctx *c, struct kn_rule_opt *o, const char *a, size_t n)
{
	static const char alpha[] = "FSRPAUCE0120";
	static const uint8_t bits[] = { 0x01, 0x02, 0x04, 0x08, 0x10, 0x20, 0x80, 0x40, 0,
					0x80, 0x40, 0 };
	const char *comma = memchr(a, ',', n);
	size_t fl = comma ? (size_t)(comma - a) : n;
	char mod = 0;
	int rc = letters(c, a, fl, alpha, bits, &o->u.mask.bits, &mod);
	if (rc == 0 && comma)
		rc = letters(c, comma + 1, n - fl - 1, alpha, bits, &o->u.mask.ignore, NULL);
	o->u.mask.mod = mod;
	return rc;
}

int kw_fragbits(struct rule_ctx *c, struct kn_rule_opt *o, const char *a, size_t n)
{
	static const uint8_t bits[] = { 0x20, 0x40, 0x80 };   /* M D R in the IP flags byte */
	char mod = 0;
	int rc = letters(c, a, n, "MDR", bits, &o->u.mask.bits, &mod);
	o->u.mask.mod = mod;
	return rc;
}

int kw_ip_proto(struct rule_ctx *c, struct kn_rule_opt *o, const char *a, size_t n)
{
	static const struct { const char *n; unsigned v; } names[] = {
		{ "ip", 0 }, { "icmp", 1 }, { "igmp", 2 }, { "tcp", 6 }, { "udp", 17 },
		{ "ipv6", 41 }, { "gre", 47 }, { "esp", 50 }, { "ah", 51 }, { "ipv6-icmp", 58 },
		{ "icmpv6", 58 }, { "sctp", 132 }, { "pim", 103 },
	};
	const char *v = a;
	size_t vl = n, pre = 0;
	while (pre < vl && (v[pre] == '!' || v[pre] == '<' || v[pre] == '>' || v[pre] == '='))
		pre++;
	for (unsigned i = 0; i < sizeof names / sizeof names[0]; i++)
		if (kw_is(v + pre, vl - pre, names[i].n)) {
			char buf[16];
			snprintf(buf, sizeof buf, "%.*s%u", (int)pre, v, names[i].v);
			return kw_num_cmp(c, buf, strlen(buf), 255, &o->u.num);
		}
	return kw_num_cmp(c, a, n, 255, &o->u.num);
}

