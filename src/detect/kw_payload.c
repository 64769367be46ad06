/*
 * kw_payload.c - content and its modifiers (nocase, depth, offset,
 * distance, within, startswith, endswith, rawbytes, fast_pattern, replace),
 * uricontent, pcre with its PCRE and Suricata flags, and isdataat.
 *
 * A content is decoded once here (|hex| runs, \" \; \\ \: escapes) into
 * bytes in the arena. Modifiers act on the last content of the rule and
 * refuse the combinations Suricata refuses (relative with absolute
 * positions, startswith with positions, a keyword given twice, depth or
 * within shorter than the content, two fast patterns).
 */
#include <stdio.h>
#include <string.h>

#include "detect/detect_int.h"

static int hexval(char ch)
{
	if (ch >= '0' && ch <= '9')
		return ch - '0';
	if (ch >= 'a' && ch <= 'f')
		return ch - 'a' + 10;
	if (ch >= 'A' && ch <= 'F')
		return ch - 'A' + 10;
	return -1;
}

int detect_content_bytes(struct rule_ctx *c, const char *s, size_t len, uint8_t **out,
			 uint32_t *outlen)
{
	uint8_t *b = detect_alloc(&c->rs->arena, len + 1);
	size_t w = 0;
	int hex = 0, nib = -1;
	if (!b)
		return -KN_ENOMEM;
	for (size_t i = 0; i < len; i++) {
		char ch = s[i];
		if (ch == '|') {
			if (hex && nib >= 0)
				return kw_fail(c, "odd number of hex digits before byte %zu: write "
					       "each byte as two digits (|0A|)", i + 1);
			hex = !hex;
		} else if (hex) {
			if (ch == ' ' || ch == '\t')
				continue;
			int v = hexval(ch);
			if (v < 0)
				return kw_fail(c, "'%c' at byte %zu is not a hex digit inside |...|",
					       ch, i + 1);
			if (nib < 0) {
				nib = v;
			} else {
				b[w++] = (uint8_t)(nib << 4 | v);
				nib = -1;
			}
		} else if (ch == '\\') {
			char nx = i + 1 < len ? s[i + 1] : 0;
			if (nx != '"' && nx != ';' && nx != '\\' && nx != ':' && nx != '|')
				return kw_fail(c, "'\\%c' at byte %zu is not an escape: only \\\" \\; "
					       "\\: \\\\ are; write other bytes as |hex|",
					       nx ? nx : ' ', i + 1);
			b[w++] = (uint8_t)nx;
			i++;
		} else if (ch == '"') {
			return kw_fail(c, "unescaped '\"' at byte %zu inside the string: write "
				       "\\\" or |22|", i + 1);
		} else {
			b[w++] = (uint8_t)ch;
		}
	}
	if (hex)
		return kw_fail(c, "a '|' hex run is not closed: add the closing '|'");
	*out = b;
	*outlen = (uint32_t)w;
	return 0;
}

/* [!]"string" into bytes; *negated set. */
static int quoted_bytes(struct rule_ctx *c, const char *a, size_t n, int *negated,
			uint8_t **out, uint32_t *outlen)
{
	int q;
	kw_trim(&a, &n);
	*negated = n && a[0] == '!';
	if (*negated)
		a++, n--;
	kw_unquote(&a, &n, &q);
	if (!q && ((n && a[0] == '"') || (n && a[n - 1] == '"')))
		return kw_fail(c, "unbalanced '\"': write %s:\"...\";", c->kw);
	int rc = detect_content_bytes(c, a, n, out, outlen);
	if (rc == 0 && *outlen == 0)
		return kw_fail(c, "%s is empty: give at least one byte", c->kw);
	return rc;
}

int kw_content(struct rule_ctx *c, struct kn_rule_opt *o, const char *a, size_t n)
{
	struct kn_rule_content *ct = detect_alloc(&c->rs->arena, sizeof *ct);
	uint8_t *bytes;
	int neg;
	if (!ct)
		return -KN_ENOMEM;
	int rc = quoted_bytes(c, a, n, &neg, &bytes, &ct->len);
	if (rc)
		return rc;
	ct->bytes = bytes;
	ct->flags = neg ? KN_CONTENT_NEGATED : 0;
	ct->depth.var = ct->offset.var = ct->distance.var = ct->within.var = -1;
	o->u.content = ct;
	c->last_content = (int)c->n_opts - 1;
	c->last_payload = c->last_content;
	return 0;
}

int kw_uricontent(struct rule_ctx *c, struct kn_rule_opt *o, const char *a, size_t n)
{
	int rc = kw_content(c, o, a, n);
	if (rc == 0 && c->rule->app && strcmp(c->rule->proto, "http") &&
	    strcmp(c->rule->proto, "http1") && strcmp(c->rule->proto, "http2"))
		return kw_fail(c, "uricontent inspects http, but the rule's protocol is %s",
			       c->rule->proto);
	o->buffer = KN_BUF_HTTP_URI;
	return rc;
}

static struct kn_rule_content *last_content(struct rule_ctx *c, const char *kw)
{
	if (c->last_content < 0) {
		kw_fail(c, "'%s' modifies a content: put it after 'content:\"...\";'", kw);
		return NULL;
	}
	return (struct kn_rule_content *)c->rs->tmp_opts[c->last_content].u.content;
}

static int set_pos(struct rule_ctx *c, struct kn_rule_content *ct, const char *kw,
		   uint32_t flag, struct kn_rule_val *dst, const char *a, size_t n,
		   int64_t min)
{
	if (ct->flags & flag)
		return kw_fail(c, "'%s' is given twice for one content", kw);
	if (ct->flags & KN_CONTENT_STARTSWITH)
		return kw_fail(c, "'%s' cannot be used with startswith on one content", kw);
	uint32_t rel = KN_CONTENT_DISTANCE | KN_CONTENT_WITHIN;
	uint32_t abs = KN_CONTENT_DEPTH | KN_CONTENT_OFFSET;
	if (((flag & rel) && (ct->flags & abs)) || ((flag & abs) && (ct->flags & rel)))
		return kw_fail(c, "'%s' mixes a relative position (distance/within) with an "
			       "absolute one (depth/offset) on one content: use one kind", kw);
	int rc = kw_val(c, a, n, min, KN_RULE_MAX_CONTENT_POS, dst);
	if (rc)
		return rc;
	if (dst->var < 0 && (flag & (KN_CONTENT_DEPTH | KN_CONTENT_WITHIN)) &&
	    dst->value < (int64_t)ct->len)
		return kw_fail(c, "%s:%lld is shorter than the content (%u bytes): it can never "
			       "match; make it at least %u", kw, (long long)dst->value, ct->len,
			       ct->len);
	ct->flags |= flag;
	return 0;
}

int kw_content_mod(struct rule_ctx *c, struct kn_rule_opt *o, const char *a, size_t n)
{
	const char *kw = detect_keyword(o->kw)->name;
	struct kn_rule_content *ct = last_content(c, kw);
	if (!ct)
		return -KN_EINVAL;
	o->u.content = ct;
	o->buffer = c->rs->tmp_opts[c->last_content].buffer;
	if (!strcmp(kw, "nocase") || !strcmp(kw, "rawbytes")) {
		uint32_t f = kw[0] == 'n' ? KN_CONTENT_NOCASE : KN_CONTENT_RAWBYTES;
		if (ct->flags & f)
			return kw_fail(c, "'%s' is given twice for one content", kw);
		ct->flags |= f;
		return 0;
	}
	if (!strcmp(kw, "depth"))
		return set_pos(c, ct, kw, KN_CONTENT_DEPTH, &ct->depth, a, n, 1);
	if (!strcmp(kw, "offset"))
		return set_pos(c, ct, kw, KN_CONTENT_OFFSET, &ct->offset, a, n, 0);
	if (!strcmp(kw, "distance"))
		return set_pos(c, ct, kw, KN_CONTENT_DISTANCE, &ct->distance, a, n,
			       -(int64_t)KN_RULE_MAX_CONTENT_POS);
	if (!strcmp(kw, "within"))
		return set_pos(c, ct, kw, KN_CONTENT_WITHIN, &ct->within, a, n, 1);
	uint32_t f = kw[0] == 's' ? KN_CONTENT_STARTSWITH : KN_CONTENT_ENDSWITH;
	if (ct->flags & f)
		return kw_fail(c, "'%s' is given twice for one content", kw);
	if (f == KN_CONTENT_STARTSWITH &&
	    (ct->flags & (KN_CONTENT_DEPTH | KN_CONTENT_OFFSET | KN_CONTENT_DISTANCE |
			  KN_CONTENT_WITHIN)))
		return kw_fail(c, "startswith cannot be used with depth, offset, distance or "
			       "within on one content");
	ct->flags |= f;
	return 0;
}

int kw_fast_pattern(struct rule_ctx *c, struct kn_rule_opt *o, const char *a, size_t n)
{
	struct kn_rule_content *ct = last_content(c, "fast_pattern");
	if (!ct)
		return -KN_EINVAL;
	for (size_t i = 0; i < c->n_opts - 1; i++) {
		const struct kn_rule_opt *x = &c->rs->tmp_opts[i];
		if (x->u.content && x->kw == o->kw)
			return kw_fail(c, "fast_pattern is used twice: one content per rule can "
				       "be the fast pattern");
	}
	o->u.content = ct;
	ct->flags |= KN_CONTENT_FAST_PATTERN;
	if (!a || !n)
		return 0;
	if (kw_is(a, n, "only")) {
		ct->flags |= KN_CONTENT_FP_ONLY;
		return 0;
	}
	const char *off, *l;
	size_t ol, ll;
	int64_t vo, vl;
	if (!kw_next_item(&a, &n, &off, &ol) || !kw_next_item(&a, &n, &l, &ll) || n ||
	    kw_int(off, ol, 0, 65535, &vo) || kw_int(l, ll, 1, 65535, &vl))
		return kw_fail(c, "fast_pattern takes nothing, 'only', or '<offset>,<length>'");
	if (vo + vl > (int64_t)ct->len)
		return kw_fail(c, "fast_pattern:%lld,%lld reaches past the content's %u bytes",
			       (long long)vo, (long long)vl, ct->len);
	ct->flags |= KN_CONTENT_FP_CHOP;
	ct->fp_offset = (uint16_t)vo;
	ct->fp_len = (uint16_t)vl;
	return 0;
}

int kw_replace(struct rule_ctx *c, struct kn_rule_opt *o, const char *a, size_t n)
{
	struct kn_rule_content *ct = last_content(c, "replace");
	uint8_t *bytes;
	uint32_t len;
	int neg;
	if (!ct)
		return -KN_EINVAL;
	int rc = quoted_bytes(c, a, n, &neg, &bytes, &len);
	if (rc)
		return rc;
	if (neg || len != ct->len || (ct->flags & KN_CONTENT_NEGATED))
		return kw_fail(c, "replace needs a positive content of the same length (%u "
			       "bytes)", ct->len);
	ct->replace = bytes;
	ct->replace_len = len;
	ct->flags |= KN_CONTENT_REPLACE;
	o->u.content = ct;
	return 0;
}

/* ----------------------------------------------------------------- pcre */

static int pcre_flag(char f, uint32_t *flags, int *buf)
{
	static const char opt[] = "ismxAEGRBO";
	static const uint32_t bits[] = { KN_PCRE_CASELESS, KN_PCRE_DOTALL, KN_PCRE_MULTILINE,
					 KN_PCRE_EXTENDED, KN_PCRE_ANCHORED, KN_PCRE_DOLLAR_ENDONLY,
					 KN_PCRE_UNGREEDY, KN_PCRE_RELATIVE, KN_PCRE_RAWBYTES,
					 KN_PCRE_MATCH_LIMIT };
	static const struct { char f; int buf; } bufs[] = {
		{ 'U', KN_BUF_HTTP_URI }, { 'I', KN_BUF_HTTP_RAW_URI },
		{ 'P', KN_BUF_HTTP_REQUEST_BODY }, { 'Q', KN_BUF_HTTP_RESPONSE_BODY },
		{ 'H', KN_BUF_HTTP_HEADER }, { 'D', KN_BUF_HTTP_RAW_HEADER },
		{ 'M', KN_BUF_HTTP_METHOD }, { 'C', KN_BUF_HTTP_COOKIE },
		{ 'S', KN_BUF_HTTP_STAT_CODE }, { 'Y', KN_BUF_HTTP_STAT_MSG },
		{ 'V', KN_BUF_HTTP_USER_AGENT }, { 'W', KN_BUF_HTTP_HOST },
		{ 'Z', KN_BUF_HTTP_RAW_HOST },
	};
	const char *p = f ? strchr(opt, f) : NULL;
	if (p) {
		*flags |= bits[p - opt];
		return 0;
	}
	for (unsigned i = 0; i < sizeof bufs / sizeof bufs[0]; i++)
		if (bufs[i].f == f) {
			if (*buf >= 0 && *buf != bufs[i].buf)
				return -2;
			*buf = bufs[i].buf;
			return 0;
		}
	return -1;
}

/* The regex string: "/re/flags[, capture]"[, capture] or unquoted /re/flags. */
static int pcre_split(struct rule_ctx *c, const char *a, size_t n, const char **s, size_t *sl,
		      const char **cap, size_t *capl)
{
	*cap = NULL;
	*capl = 0;
	if (n && a[0] == '"') {
		const char *close = NULL;
		for (size_t i = 1; i < n; i++)   /* the last quote: the regex may hold \" */
			if (a[i] == '"')
				close = a + i;
		if (!close)
			return kw_fail(c, "pcre has an unbalanced '\"': write pcre:\"/regex/flags\";");
		*s = a + 1;
		*sl = (size_t)(close - *s);
		const char *rest = close + 1;
		size_t rl = n - (size_t)(rest - a);
		kw_trim(&rest, &rl);
		if (rl && rest[0] != ',')
			return kw_fail(c, "text after the pcre string: only ', <capture>' may follow");
		if (rl)
			*cap = rest + 1, *capl = rl - 1;
	} else {
		*s = a;
		*sl = n;
	}
	if (*sl < 2 || (*s)[0] != '/')
		return kw_fail(c, "pcre is \"/regex/flags\": the regex must start with '/'");
	return 0;
}

int kw_pcre(struct rule_ctx *c, struct kn_rule_opt *o, const char *a, size_t n)
{
	struct kn_rule_pcre *pc = detect_alloc(&c->rs->arena, sizeof *pc);
	const char *s = NULL, *cap;
	size_t sl = 0, capl;
	if (!pc)
		return -KN_ENOMEM;
	if (n && a[0] == '!') {
		pc->flags |= KN_PCRE_NEGATED;
		a++, n--;
		kw_trim(&a, &n);
	}
	int rc = pcre_split(c, a, n, &s, &sl, &cap, &capl);
	if (rc)
		return rc;
	size_t last = sl - 1;
	while (last > 0 && s[last] != '/')
		last--;
	if (last == 0)
		return kw_fail(c, "pcre regex is not closed by '/' before its flags");
	if (last == 1)
		return kw_fail(c, "pcre regex is empty");
	int buf = -1;
	size_t i = last + 1;
	for (; i < sl && s[i] != ','; i++) {
		if (s[i] == ' ')
			continue;
		rc = pcre_flag(s[i], &pc->flags, &buf);
		if (rc == -1)
			return kw_fail(c, "pcre flag '%c' is unknown: use i s m x A E G R B O or a "
				       "buffer flag U I P Q H D M C S Y V W Z", s[i]);
		if (rc == -2)
			return kw_fail(c, "pcre has two buffer flags: use one of U I P Q H D M C "
				       "S Y V W Z");
	}
	if (i < sl)              /* a capture inside the quotes */
		cap = s + i + 1, capl = sl - i - 1;
	if (buf >= 0) {
		if (c->cur_buffer != KN_RULE_BUF_PAYLOAD && !detect_same_buffer(c->cur_buffer, buf))
			return kw_fail(c, "pcre flag for %s used after the sticky buffer %s: "
				       "drop the flag or the buffer", kn_app_buffer_name((unsigned)buf),
				       detect_buffer_name(c->cur_buffer));
		if (c->cur_buffer == KN_RULE_BUF_PAYLOAD)
			o->buffer = (int16_t)buf;
	}
	if (!(pc->regex = detect_strndup(&c->rs->arena, s + 1, last - 1)))
		return -KN_ENOMEM;
	if (cap) {
		kw_trim(&cap, &capl);
		if (!capl)
			return kw_fail(c, "nothing after the ',' of pcre: name the capture "
				       "(pkt:name or flow:name) or drop the ','");
		if (!(pc->capture = detect_strndup(&c->rs->arena, cap, capl)))
			return -KN_ENOMEM;
	}
	o->u.pcre = pc;
	c->last_payload = (int)c->n_opts - 1;
	return 0;
}

/* isdataat:[!]<pos>[,relative][,rawbytes] */
int kw_isdataat(struct rule_ctx *c, struct kn_rule_opt *o, const char *a, size_t n)
{
	struct kn_rule_isdataat *d = detect_alloc(&c->rs->arena, sizeof *d);
	const char *it;
	size_t il;
	if (!d)
		return -KN_ENOMEM;
	if (n && a[0] == '!')
		d->negated = 1, a++, n--;
	if (!kw_next_item(&a, &n, &it, &il))   /* "isdataat:!" alone: no position */
		return kw_fail(c, "isdataat needs a position: isdataat:[!]<pos>[,relative]");
	int rc = kw_val(c, it, il, 0, 65535, &d->pos);
	while (rc == 0 && kw_next_item(&a, &n, &it, &il)) {
		if (kw_is(it, il, "relative"))
			d->relative = 1;
		else if (kw_is(it, il, "rawbytes"))
			d->rawbytes = 1;
		else
			rc = kw_fail(c, "isdataat option '%.*s' is unknown: use relative or "
				     "rawbytes", (int)(il > 32 ? 32 : il), it);
	}
	o->u.isdataat = d;
	c->last_payload = (int)c->n_opts - 1;
	return rc;
}
