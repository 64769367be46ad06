/*
 * keywords.c - THE keyword table of the rule language (one entry per name,
 * aliases included) and the parsers of meta keywords (msg, sid, rev, gid,
 * classtype, priority, reference, metadata, target), flow state (flow,
 * flowbits, xbits), sticky buffers, legacy content modifiers, transforms,
 * bsize and urilen. Payload keywords live in kw_payload.c and kw_byte.c,
 * thresholds and header keywords in kw_header.c. Each entry says whether
 * the engine matches the keyword (KW_SUPPORTED) or only parses it; a
 * keyword missing from the table fails its rule. Adding a keyword is one
 * line here plus its callback.
 */
#include <stdio.h>
#include <string.h>

#include "detect/detect_int.h"
#include "util/alloc.h"

/* ----------------------------------------------------------- generic */

static int kw_none(struct rule_ctx *c, struct kn_rule_opt *o, const char *a, size_t n)
{
	(void)c, (void)o, (void)a, (void)n;
	return 0;
}

/* Parsed only: the argument is kept as written (o->text). */
static int kw_generic(struct rule_ctx *c, struct kn_rule_opt *o, const char *a, size_t n)
{
	(void)c, (void)a, (void)n;
	o->u.str = o->text;
	return 0;
}

/* "http.uri" for "http" rules, "dns.query" for "dns" rules... */
static const char *buffer_proto(int buf)
{
	static const struct { const char *prefix, *proto; } map[] = {
		{ "http.", "http" }, { "dns.", "dns" }, { "tls.", "tls" }, { "ja3", "tls" },
		{ "ja4", "tls" }, { "ssh.", "ssh" }, { "smtp.", "smtp" }, { "smb.", "smb" },
		{ "dhcp.", "dhcp" },
	};
	const char *name = buf >= 0 ? kn_app_buffer_name((unsigned)buf) : NULL;
	for (unsigned i = 0; name && i < sizeof map / sizeof map[0]; i++)
		if (strncmp(name, map[i].prefix, strlen(map[i].prefix)) == 0)
			return map[i].proto;
	return NULL;
}

static const char *rule_app(const struct kn_rule *r)
{
	if (!r->app)
		return NULL;
	if (!strcmp(r->proto, "http1") || !strcmp(r->proto, "http2"))
		return "http";
	if (!strcmp(r->proto, "ssl"))
		return "tls";
	return r->proto;
}

/* A buffer of protocol X in a rule of application protocol Y fails. */
static int check_proto(struct rule_ctx *c, int buf)
{
	const char *bp = buffer_proto(buf), *rp = rule_app(c->rule);
	if (!bp || !rp || !strcmp(bp, rp))
		return 0;
	if (!strcmp(rp, "quic") && !strcmp(bp, "tls") && buf != KN_BUF_TLS_SNI)
		return 0;    /* ja3 / ja4 over QUIC */
	return kw_fail(c, "'%s' inspects %s, but the rule's protocol is %s: change the "
		       "protocol to %s (or tcp)", kn_app_buffer_name((unsigned)buf), bp,
		       c->rule->proto, bp);
}

static int kw_sticky(struct rule_ctx *c, struct kn_rule_opt *o, const char *a, size_t n)
{
	(void)a, (void)n;
	int buf = detect_keyword(o->kw)->buffer;
	int rc = check_proto(c, buf);
	if (rc)
		return rc;
	c->cur_buffer = buf;
	o->buffer = (int16_t)buf;
	return 0;
}

int kw_legacy_modifier(struct rule_ctx *c, struct kn_rule_opt *o, const char *a, size_t n)
{
	(void)a, (void)n;
	int buf = detect_keyword(o->kw)->buffer;
	if (c->last_content < 0)
		return kw_fail(c, "'%s' modifies the content before it: put it after a "
			       "content (or use the sticky buffer %s before the content)",
			       detect_keyword(o->kw)->name, kn_app_buffer_name((unsigned)buf));
	struct kn_rule_opt *co = &c->rs->tmp_opts[c->last_content];
	if (co->buffer != KN_RULE_BUF_PAYLOAD && !detect_same_buffer(co->buffer, buf))
		return kw_fail(c, "the content before '%s' already inspects another buffer "
			       "(%s): use one buffer per content", detect_keyword(o->kw)->name,
			       detect_buffer_name(co->buffer));
	int rc = check_proto(c, buf);
	if (rc)
		return rc;
	if (co->buffer == KN_RULE_BUF_PAYLOAD)
		co->buffer = (int16_t)buf;
	o->buffer = co->buffer;
	return 0;
}

static int kw_transform(struct rule_ctx *c, struct kn_rule_opt *o, const char *a, size_t n)
{
	(void)a, (void)n;
	if (c->cur_buffer == KN_RULE_BUF_PAYLOAD)
		return kw_fail(c, "transform '%s' needs a sticky buffer before it (e.g. "
			       "'dns.query; %s;')", detect_keyword(o->kw)->name,
			       detect_keyword(o->kw)->name);
	o->u.str = o->text;
	o->buffer = (int16_t)c->cur_buffer;   /* the buffer it transforms */
	return 0;
}

/* base64_data, pkt_data, and sticky buffers no app parser names yet:
 * the buffer is the keyword's (negative) table value. */
static int kw_special_buffer(struct rule_ctx *c, struct kn_rule_opt *o, const char *a,
			     size_t n)
{
	(void)a, (void)n;
	c->cur_buffer = detect_keyword(o->kw)->buffer;
	o->buffer = (int16_t)c->cur_buffer;
	o->u.str = o->text;
	return 0;
}

/* --------------------------------------------------------------- meta */

static char *unescape_text(struct rule_ctx *c, const char *s, size_t n)
{
	char *out = detect_alloc(&c->rs->arena, n + 1);
	size_t w = 0;
	for (size_t i = 0; out && i < n; i++) {
		if (s[i] == '\\' && i + 1 < n)
			i++;
		out[w++] = s[i];
	}
	return out;
}

static int kw_msg(struct rule_ctx *c, struct kn_rule_opt *o, const char *a, size_t n)
{
	int q;
	kw_unquote(&a, &n, &q);
	if (!q && n && (a[0] == '"' || a[n - 1] == '"'))
		return kw_fail(c, "msg has an unbalanced '\"': write msg:\"text\";");
	char *m = unescape_text(c, a, n);
	if (!m)
		return -KN_ENOMEM;
	c->rule->msg = m;
	o->u.str = m;
	return 0;
}

static int kw_u32(struct rule_ctx *c, struct kn_rule_opt *o, const char *a, size_t n,
		  uint32_t *dst, int64_t min)
{
	int64_t v;
	if (*dst)
		return kw_fail(c, "'%s' is given twice", c->kw);
	if (kw_int(a, n, min, 0xffffffffLL, &v))
		return kw_fail(c, "'%s' needs a number %lld-4294967295, not '%.*s'", c->kw,
			       (long long)min, (int)(n > 40 ? 40 : n), a);
	*dst = (uint32_t)v;
	o->u.num.a = (uint64_t)v;
	return 0;
}

static int kw_sid(struct rule_ctx *c, struct kn_rule_opt *o, const char *a, size_t n)
{
	return kw_u32(c, o, a, n, &c->rule->sid, 1);
}

static int kw_rev(struct rule_ctx *c, struct kn_rule_opt *o, const char *a, size_t n)
{
	return kw_u32(c, o, a, n, &c->rule->rev, 0);
}

static int kw_gid(struct rule_ctx *c, struct kn_rule_opt *o, const char *a, size_t n)
{
	c->rule->gid = 0;
	return kw_u32(c, o, a, n, &c->rule->gid, 1);
}

static int kw_classtype(struct rule_ctx *c, struct kn_rule_opt *o, const char *a, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (!((a[i] >= 'a' && a[i] <= 'z') || (a[i] >= 'A' && a[i] <= 'Z') ||
		      (a[i] >= '0' && a[i] <= '9') || a[i] == '-' || a[i] == '_'))
			return kw_fail(c, "classtype '%.*s' is not a name (letters, digits, "
				       "'-', '_')", (int)(n > 40 ? 40 : n), a);
	if (c->rs->n_classes && !detect_class_find(c->rs, a, n))
		return kw_fail(c, "unknown classtype '%.*s': add it to classification.config "
			       "or use a known one", (int)(n > 40 ? 40 : n), a);
	if (c->rule->classtype)
		return kw_fail(c, "classtype is given twice");
	c->rule->classtype = detect_strndup(&c->rs->arena, a, n);
	o->u.str = c->rule->classtype;
	return c->rule->classtype ? 0 : -KN_ENOMEM;
}

static int kw_priority(struct rule_ctx *c, struct kn_rule_opt *o, const char *a, size_t n)
{
	int64_t v;
	if (kw_int(a, n, 1, 255, &v))
		return kw_fail(c, "priority needs a number 1-255 (1 is the highest)");
	c->rule->priority = (int32_t)v;
	o->u.num.a = (uint64_t)v;
	return 0;
}

static int kw_reference(struct rule_ctx *c, struct kn_rule_opt *o, const char *a, size_t n)
{
	(void)o;
	const char *comma = memchr(a, ',', n);
	if (!comma || comma == a)
		return kw_fail(c, "reference needs 'type,value' (e.g. reference:cve,2021-44228;)");
	const char *t = a, *v = comma + 1;
	size_t tl = (size_t)(comma - a), vl = n - tl - 1;
	kw_trim(&t, &tl);
	kw_trim(&v, &vl);
	if (c->n_refs == c->cap_refs) {
		unsigned cap = c->cap_refs ? c->cap_refs * 2 : 4;
		if (cap > 256)
			return kw_fail(c, "more than 256 references in one rule");
		struct kn_rule_reference *nv = kn_realloc_array(c->refs, cap, sizeof *nv);
		if (!nv)
			return -KN_ENOMEM;
		c->refs = nv;
		c->cap_refs = cap;
	}
	struct kn_rule_reference *r = &c->refs[c->n_refs];
	r->type = detect_strndup(&c->rs->arena, t, tl);
	r->value = detect_strndup(&c->rs->arena, v, vl);
	if (!r->type || !r->value)
		return -KN_ENOMEM;
	c->n_refs++;
	return 0;
}

static int kw_target(struct rule_ctx *c, struct kn_rule_opt *o, const char *a, size_t n)
{
	if (kw_is(a, n, "src_ip"))
		o->u.flags = 0;
	else if (kw_is(a, n, "dest_ip"))
		o->u.flags = 1;
	else
		return kw_fail(c, "target is src_ip or dest_ip");
	return 0;
}

/* -------------------------------------------------------------- flow */

static int kw_flow(struct rule_ctx *c, struct kn_rule_opt *o, const char *a, size_t n)
{
	static const struct { const char *w; uint32_t f; } words[] = {
		{ "established", KN_RULE_FLOW_ESTABLISHED }, { "not_established", KN_RULE_FLOW_NOT_ESTABLISHED },
		{ "stateless", KN_RULE_FLOW_STATELESS }, { "to_server", KN_RULE_FLOW_TO_SERVER },
		{ "from_client", KN_RULE_FLOW_TO_SERVER }, { "to_client", KN_RULE_FLOW_TO_CLIENT },
		{ "from_server", KN_RULE_FLOW_TO_CLIENT }, { "only_stream", KN_RULE_FLOW_ONLY_STREAM },
		{ "no_stream", KN_RULE_FLOW_NO_STREAM }, { "only_frag", KN_RULE_FLOW_ONLY_FRAG },
		{ "no_frag", KN_RULE_FLOW_NO_FRAG },
	};
	const char *it;
	size_t il;
	uint32_t f = 0;
	while (kw_next_item(&a, &n, &it, &il)) {
		unsigned i = 0;
		while (i < sizeof words / sizeof words[0] && !kw_is(it, il, words[i].w))
			i++;
		if (i == sizeof words / sizeof words[0])
			return kw_fail(c, "flow option '%.*s' is unknown: use established, "
				       "not_established, stateless, to_server, to_client, "
				       "only_stream, no_stream, only_frag, no_frag",
				       (int)(il > 32 ? 32 : il), it);
		if (f & words[i].f)
			return kw_fail(c, "flow option '%s' is given twice", words[i].w);
		f |= words[i].f;
	}
	if ((f & KN_RULE_FLOW_TO_SERVER) && (f & KN_RULE_FLOW_TO_CLIENT))
		return kw_fail(c, "flow cannot be both to_server and to_client");
	if ((f & KN_RULE_FLOW_ESTABLISHED) && (f & (KN_RULE_FLOW_NOT_ESTABLISHED | KN_RULE_FLOW_STATELESS)))
		return kw_fail(c, "flow cannot be established and not_established/stateless");
	if ((f & KN_RULE_FLOW_ONLY_STREAM) && (f & KN_RULE_FLOW_NO_STREAM))
		return kw_fail(c, "flow cannot be both only_stream and no_stream");
	o->u.flags = f;
	return 0;
}

static int bit_name_ok(const char *s, size_t n)
{
	if (n == 0 || n > 256)
		return 0;
	for (size_t i = 0; i < n; i++)
		if ((unsigned char)s[i] <= ' ' || s[i] == '|' || s[i] == '&' || s[i] == ',' ||
		    s[i] == '"')
			return 0;
	return 1;
}

/* "a", "a|b|c" or "a&b" into bits->names. */
static int bit_names(struct rule_ctx *c, struct kn_rule_bits *b, const char *s, size_t n)
{
	size_t count = 1;
	int any = memchr(s, '|', n) != NULL, all = memchr(s, '&', n) != NULL;
	if (any && all)
		return kw_fail(c, "mix of '|' and '&' in '%s' names: use one of them", c->kw);
	char sep = any ? '|' : '&';
	for (size_t i = 0; i < n; i++)
		count += s[i] == sep;
	if (count > 64)
		return kw_fail(c, "more than 64 names in one '%s'", c->kw);
	const char **names = detect_alloc(&c->rs->arena, count * sizeof *names);
	if (!names)
		return -KN_ENOMEM;
	for (size_t k = 0; k < count; k++) {
		const char *e = memchr(s, sep, n);
		size_t l = e ? (size_t)(e - s) : n;
		const char *t = s;
		size_t tl = l;
		kw_trim(&t, &tl);
		if (!bit_name_ok(t, tl))
			return kw_fail(c, "'%.*s' is not a %s name (no spaces, quotes or commas)",
				       (int)(tl > 40 ? 40 : tl), t, c->kw);
		if (!(names[k] = detect_strndup(&c->rs->arena, t, tl)))
			return -KN_ENOMEM;
		s += l + (e ? 1 : 0);
		n -= l + (e ? 1 : 0);
	}
	b->names = names;
	b->n_names = (uint32_t)count;
	b->any_of = (uint8_t)any;
	return 0;
}

static int bits_cmd(const char *s, size_t n)
{
	static const char *const cmds[] = { "set", "unset", "toggle", "isset", "isnotset",
					    "noalert" };
	for (int i = 0; i < 6; i++)
		if (kw_is(s, n, cmds[i]))
			return i;
	return -1;
}

static int kw_flowbits(struct rule_ctx *c, struct kn_rule_opt *o, const char *a, size_t n)
{
	const char *cmd, *rest = a;
	size_t cl, rl = n;
	struct kn_rule_bits *b = detect_alloc(&c->rs->arena, sizeof *b);
	if (!b)
		return -KN_ENOMEM;
	kw_next_item(&rest, &rl, &cmd, &cl);
	int k = bits_cmd(cmd, cl);
	if (k < 0)
		return kw_fail(c, "flowbits command '%.*s' is unknown: use set, unset, toggle, "
			       "isset, isnotset or noalert", (int)(cl > 32 ? 32 : cl), cmd);
	b->cmd = (uint8_t)k;
	o->u.bits = b;
	kw_trim(&rest, &rl);
	if (k == KN_BITS_NOALERT)
		return rl ? kw_fail(c, "'flowbits:noalert' takes no name") : 0;
	if (!rl)
		return kw_fail(c, "flowbits:%.*s needs a name: flowbits:%.*s,name;", (int)cl, cmd,
			       (int)cl, cmd);
	return bit_names(c, b, rest, rl);
}

/* xbits:<set|unset|isset|isnotset|toggle>,<name>,track <ip_src|ip_dst|ip_pair|tx>[,expire <s>] */
static int kw_xbits(struct rule_ctx *c, struct kn_rule_opt *o, const char *a, size_t n)
{
	static const char *const tracks[] = { "ip_src", "ip_dst", "ip_pair", "tx" };
	const char *it;
	size_t il;
	struct kn_rule_bits *b = detect_alloc(&c->rs->arena, sizeof *b);
	if (!b)
		return -KN_ENOMEM;
	o->u.bits = b;
	kw_next_item(&a, &n, &it, &il);
	int k = bits_cmd(it, il);
	if (k < 0 || k == KN_BITS_NOALERT)
		return kw_fail(c, "xbits command '%.*s' is unknown: use set, unset, toggle, "
			       "isset or isnotset", (int)(il > 32 ? 32 : il), it);
	b->cmd = (uint8_t)k;
	if (!kw_next_item(&a, &n, &it, &il))
		return kw_fail(c, "xbits needs a name after the command");
	int rc = bit_names(c, b, it, il);
	if (rc)
		return rc;
	int have_track = 0;
	while (kw_next_item(&a, &n, &it, &il)) {
		int64_t v;
		if (il > 6 && memcmp(it, "track ", 6) == 0) {
			const char *t = it + 6;
			size_t tl = il - 6;
			kw_trim(&t, &tl);
			unsigned i = 0;
			while (i < 4 && !kw_is(t, tl, tracks[i]))
				i++;
			if (i == 4)
				return kw_fail(c, "xbits track is ip_src, ip_dst, ip_pair or tx");
			b->track = (uint8_t)i;
			have_track = 1;
		} else if (il > 7 && memcmp(it, "expire ", 7) == 0 &&
			   kw_int(it + 7, il - 7, 1, 0xffffffffLL, &v) == 0) {
			b->expire = (uint32_t)v;
		} else {
			return kw_fail(c, "xbits option '%.*s' is unknown: use 'track <ip_src|"
				       "ip_dst|ip_pair|tx>' or 'expire <seconds>'",
				       (int)(il > 32 ? 32 : il), it);
		}
	}
	return have_track ? 0 : kw_fail(c, "xbits needs 'track ip_src|ip_dst|ip_pair|tx'");
}

static int kw_app_event(struct rule_ctx *c, struct kn_rule_opt *o, const char *a, size_t n)
{
	size_t i = a[0] == '!' ? 1 : 0;
	for (; i < n; i++)
		if (!((a[i] >= 'a' && a[i] <= 'z') || (a[i] >= 'A' && a[i] <= 'Z') ||
		      (a[i] >= '0' && a[i] <= '9') || a[i] == '_' || a[i] == '.' || a[i] == '-'))
			return kw_fail(c, "app-layer-event is 'proto.event_name' (e.g. "
				       "http.request_field_too_long)");
	o->u.str = o->text;
	return 0;
}

/* Length keywords of a buffer: bsize follows the sticky buffer. */
static int kw_bsize(struct rule_ctx *c, struct kn_rule_opt *o, const char *a, size_t n)
{
	if (c->cur_buffer == KN_RULE_BUF_PAYLOAD)
		return kw_fail(c, "bsize needs a sticky buffer before it (e.g. 'http.uri; "
			       "bsize:10;'); use dsize for the packet payload");
	return kw_num_cmp(c, a, n, 0xffffffffu, &o->u.num);
}

static int kw_urilen(struct rule_ctx *c, struct kn_rule_opt *o, const char *a, size_t n)
{
	const char *comma = memchr(a, ',', n);
	size_t l = comma ? (size_t)(comma - a) : n;
	int raw = 0;
	if (comma) {
		const char *w = comma + 1;
		size_t wl = n - l - 1;
		kw_trim(&w, &wl);
		if (kw_is(w, wl, "raw"))
			raw = 1;
		else if (!kw_is(w, wl, "norm"))
			return kw_fail(c, "urilen takes ',norm' or ',raw' after the length");
	}
	int rc = check_proto(c, KN_BUF_HTTP_URI);
	if (rc == 0)
		rc = kw_num_cmp(c, a, l, 65535, &o->u.num);
	o->u.num.side = (uint8_t)raw;
	return rc;
}

/* -------------------------------------------------------------- table */

#define S KW_SUPPORTED
#define STICKY(nm, buf, sup) \
	{ nm, kw_sticky, KW_STICKY | KW_NOARG | (sup), KN_BUF_##buf, NULL }
#define MODIF(nm, buf, sup) \
	{ nm, kw_legacy_modifier, KW_MODIFIER | KW_NOARG | (sup), KN_BUF_##buf, NULL }
#define TRANSFORM(nm) { nm, kw_transform, KW_TRANSFORM, 0, NULL }
#define GENERIC(nm) { nm, kw_generic, 0, 0, NULL }
#define OTHER_STICKY(nm) { nm, kw_special_buffer, KW_STICKY | KW_NOARG, KN_RULE_BUF_OTHER, NULL }
#define GENERIC_ARG(nm, use) { nm, kw_generic, KW_ARG, 0, use }

static const struct kn_keyword table[] = {
	/* meta */
	{ "msg", kw_msg, S | KW_ARG, 0, "msg:\"text\";" },
	{ "sid", kw_sid, S | KW_ARG, 0, "sid:<number>;" },
	{ "rev", kw_rev, S | KW_ARG, 0, "rev:<number>;" },
	{ "gid", kw_gid, S | KW_ARG, 0, "gid:<number>;" },
	{ "classtype", kw_classtype, S | KW_ARG, 0, "classtype:<name>;" },
	{ "priority", kw_priority, S | KW_ARG, 0, "priority:<1-255>;" },
	{ "reference", kw_reference, S | KW_ARG, 0, "reference:<type>,<value>;" },
	{ "metadata", kw_generic, S | KW_ARG, 0, "metadata:<key> <value>[, ...];" },
	{ "target", kw_target, S | KW_ARG, 0, "target:src_ip|dest_ip;" },
	/* payload */
	{ "content", kw_content, S | KW_ARG | KW_PAYLOAD, 0, "content:[!]\"bytes|0D 0A|\";" },
	{ "uricontent", kw_uricontent, S | KW_ARG, KN_BUF_HTTP_URI, "uricontent:\"bytes\";" },
	{ "nocase", kw_content_mod, S | KW_NOARG, 0, NULL },
	{ "depth", kw_content_mod, S | KW_ARG, 0, "depth:<bytes>;" },
	{ "offset", kw_content_mod, S | KW_ARG, 0, "offset:<bytes>;" },
	{ "distance", kw_content_mod, S | KW_ARG, 0, "distance:<bytes>;" },
	{ "within", kw_content_mod, S | KW_ARG, 0, "within:<bytes>;" },
	{ "startswith", kw_content_mod, S | KW_NOARG, 0, NULL },
	{ "endswith", kw_content_mod, S | KW_NOARG, 0, NULL },
	{ "rawbytes", kw_content_mod, S | KW_NOARG, 0, NULL },
	{ "fast_pattern", kw_fast_pattern, S, 0, "fast_pattern[:only|<offset>,<length>];" },
	{ "replace", kw_replace, KW_ARG, 0, "replace:\"bytes\";" },
	{ "isdataat", kw_isdataat, S | KW_ARG | KW_PAYLOAD, 0, "isdataat:[!]<pos>[,relative];" },
	{ "pcre", kw_pcre, S | KW_ARG | KW_PAYLOAD, 0, "pcre:[!]\"/regex/flags\";" },
	{ "byte_test", kw_byte_test, S | KW_ARG | KW_PAYLOAD, 0,
	  "byte_test:<bytes>,[!]<op>,<value>,<offset>[,relative][,big|little][,string,dec|hex|oct];" },
	{ "byte_jump", kw_byte_jump, S | KW_ARG | KW_PAYLOAD, 0,
	  "byte_jump:<bytes>,<offset>[,relative][,multiplier N][,align][,from_beginning]...;" },
	{ "byte_extract", kw_byte_extract, S | KW_ARG | KW_PAYLOAD, 0,
	  "byte_extract:<bytes>,<offset>,<name>[,relative]...;" },
	{ "byte_math", kw_byte_math, S | KW_ARG | KW_PAYLOAD, 0,
	  "byte_math:bytes <n>,offset <n>,oper <op>,rvalue <v>,result <name>...;" },
	{ "dsize", kw_u16_cmp, S | KW_ARG, 0, "dsize:[<>!]<n> or <a><><b>;" },
	{ "bsize", kw_bsize, S | KW_ARG | KW_PAYLOAD, 0, "bsize:[<>]<n> or <a><><b>;" },
	{ "urilen", kw_urilen, S | KW_ARG, 0, "urilen:[<>]<n>[,norm|raw];" },
	{ "base64_decode", kw_generic, KW_PAYLOAD, 0, NULL },
	{ "base64_data", kw_special_buffer, KW_NOARG, KN_RULE_BUF_BASE64, NULL },
	{ "pkt_data", kw_special_buffer, S | KW_NOARG, KN_RULE_BUF_PAYLOAD, NULL },
	{ "frame", kw_special_buffer, KW_ARG, KN_RULE_BUF_OTHER, "frame:<proto>.<frame>;" },
	{ "dataset", kw_generic, KW_ARG | KW_PAYLOAD, 0, "dataset:<cmd>,<name>[,...];" },
	{ "datarep", kw_generic, KW_ARG | KW_PAYLOAD, 0, "datarep:<name>,<op>,<value>[,...];" },
	{ "entropy", kw_generic, KW_ARG | KW_PAYLOAD, 0, "entropy:value <op><n>;" },
	{ "asn1", kw_generic, KW_ARG | KW_PAYLOAD, 0, "asn1:<options>;" },
	{ "lua", kw_generic, KW_ARG, 0, "lua:<script>;" },
	{ "luajit", kw_generic, KW_ARG, 0, "luajit:<script>;" },
	/* flow and state */
	{ "flow", kw_flow, S | KW_ARG, 0, "flow:established,to_server;" },
	{ "flowbits", kw_flowbits, S | KW_ARG, 0, "flowbits:set|isset|...,<name>;" },
	{ "xbits", kw_xbits, KW_ARG, 0, "xbits:set,<name>,track ip_src;" },
	GENERIC_ARG("flowint", "flowint:<name>,<op>[,<value>];"),
	GENERIC_ARG("flowvar", "flowvar:<name>,\"<content>\";"),
	GENERIC_ARG("pktvar", "pktvar:<name>,\"<content>\";"),
	{ "stream_size", kw_stream_size, KW_ARG, 0,
	  "stream_size:<server|client|both|either>,<op>,<bytes>;" },
	GENERIC_ARG("flow.age", "flow.age:<op><seconds>;"),
	GENERIC_ARG("flow.pkts", NULL),
	GENERIC_ARG("flow.bytes", NULL),
	{ "threshold", kw_threshold, S | KW_ARG, 0,
	  "threshold:type limit|threshold|both,track by_src|by_dst,count N,seconds N;" },
	{ "detection_filter", kw_detection_filter, S | KW_ARG, 0,
	  "detection_filter:track by_src|by_dst,count N,seconds N;" },
	{ "noalert", kw_none, S | KW_NOARG, 0, NULL },
	GENERIC("tag"),
	{ "app-layer-event", kw_app_event, S | KW_ARG, 0, "app-layer-event:<proto>.<event>;" },
	GENERIC_ARG("app-layer-protocol", "app-layer-protocol:[!]<proto>;"),
	GENERIC("prefilter"),
	GENERIC_ARG("config", "config:logging disable,type tx,scope tx;"),
	GENERIC_ARG("requires", "requires:feature <name>, version >= <v>;"),
	GENERIC_ARG("hostbits", "hostbits:set,<name>,track ip_src;"),
	GENERIC("bypass"),
	GENERIC("filestore"),
	GENERIC_ARG("iprep", "iprep:<side>,<category>,<op>,<value>;"),
	GENERIC_ARG("geoip", "geoip:<side>,<countries>;"),
	GENERIC("ftpbounce"),
	GENERIC_ARG("rpc", "rpc:<app>,<version|*>,<proc|*>;"),
	/* ip / tcp / udp / icmp headers */
	{ "ttl", kw_u8_cmp, S | KW_ARG, 0, "ttl:[<>!]<0-255>;" },
	{ "id", kw_u16_cmp, S | KW_ARG, 0, "id:<0-65535>;" },
	{ "ipopts", kw_ipopts, S | KW_ARG, 0, "ipopts:rr|ts|lsrr|...;" },
	{ "fragbits", kw_fragbits, S | KW_ARG, 0, "fragbits:[+*!]<MDR>;" },
	{ "fragoffset", kw_u16_cmp, KW_ARG, 0, "fragoffset:[!<>]<n>;" },
	{ "sameip", kw_none, KW_NOARG, 0, NULL },
	{ "ip_proto", kw_ip_proto, KW_ARG, 0, "ip_proto:[!<>]<number|name>;" },
	{ "tos", kw_u8_cmp, KW_ARG, 0, "tos:[!]<0-255>;" },
	{ "flags", kw_flags, S | KW_ARG, 0, "flags:[!*+]<FSRPAUCE0>[,<ignored>];" },
	{ "seq", kw_u32_cmp, S | KW_ARG, 0, "seq:<number>;" },
	{ "ack", kw_u32_cmp, S | KW_ARG, 0, "ack:<number>;" },
	{ "window", kw_u16_cmp, S | KW_ARG, 0, "window:[!]<0-65535>;" },
	{ "tcp.mss", kw_u16_cmp, KW_ARG, 0, "tcp.mss:[<>]<n>;" },
	{ "itype", kw_u8_cmp, S | KW_ARG, 0, "itype:[<>]<0-255>;" },
	{ "icode", kw_u8_cmp, S | KW_ARG, 0, "icode:[<>]<0-255>;" },
	{ "icmp_id", kw_u16_cmp, S | KW_ARG, 0, "icmp_id:<0-65535>;" },
	{ "icmp_seq", kw_u16_cmp, S | KW_ARG, 0, "icmp_seq:<0-65535>;" },
	/* sticky buffers the app layer fills */
	STICKY("http.uri", HTTP_URI, S), STICKY("http.uri.raw", HTTP_RAW_URI, S),
	STICKY("http.raw_uri", HTTP_RAW_URI, S), STICKY("http.method", HTTP_METHOD, S),
	STICKY("http.host", HTTP_HOST, S), STICKY("http.user_agent", HTTP_USER_AGENT, S),
	STICKY("http.header", HTTP_HEADER, S), STICKY("http.header.raw", HTTP_RAW_HEADER, S),
	STICKY("http.cookie", HTTP_COOKIE, S), STICKY("http.request_body", HTTP_REQUEST_BODY, S),
	STICKY("http.stat_code", HTTP_STAT_CODE, S), STICKY("http.stat_msg", HTTP_STAT_MSG, S),
	STICKY("http.response_header", HTTP_RESPONSE_HEADER, S),
	STICKY("http.response_body", HTTP_RESPONSE_BODY, S),
	STICKY("http.server", HTTP_SERVER, S), STICKY("http.protocol", HTTP_PROTOCOL, S),
	STICKY("http_protocol", HTTP_PROTOCOL, S),
	STICKY("http.content_type", HTTP_CONTENT_TYPE, S),
	STICKY("http_content_type", HTTP_CONTENT_TYPE, S),
	STICKY("file.data", FILE_DATA, S), STICKY("file_data", FILE_DATA, S),
	STICKY("dns.query", DNS_QUERY, S), STICKY("dns_query", DNS_QUERY, S),
	STICKY("tls.sni", TLS_SNI, S), STICKY("tls_sni", TLS_SNI, S),
	STICKY("tls.cert_subject", TLS_CERT_SUBJECT, S),
	STICKY("tls_cert_subject", TLS_CERT_SUBJECT, S),
	STICKY("tls.cert_issuer", TLS_CERT_ISSUER, S),
	STICKY("tls_cert_issuer", TLS_CERT_ISSUER, S),
	STICKY("tls.cert_serial", TLS_CERT_SERIAL, S),
	STICKY("tls_cert_serial", TLS_CERT_SERIAL, S),
	STICKY("tls.cert_fingerprint", TLS_CERT_FINGERPRINT, S),
	STICKY("tls_cert_fingerprint", TLS_CERT_FINGERPRINT, S),
	STICKY("ja3.hash", JA3_HASH, S), STICKY("ja3_hash", JA3_HASH, S),
	STICKY("ja3.string", JA3_STRING, S), STICKY("ja3_string", JA3_STRING, S),
	STICKY("ja3s.hash", JA3S_HASH, S), STICKY("ja3s_hash", JA3S_HASH, S),
	STICKY("ja3s.string", JA3S_STRING, S), STICKY("ja3s_string", JA3S_STRING, S),
	STICKY("ja4.hash", JA4_HASH, S),
	STICKY("ssh.proto", SSH_PROTO, S), STICKY("ssh_proto", SSH_PROTO, S),
	STICKY("ssh.software", SSH_SOFTWARE, S), STICKY("ssh_software", SSH_SOFTWARE, S),
	STICKY("ssh.hassh", SSH_HASSH, S), STICKY("ssh.hassh.server", SSH_HASSH_SERVER, S),
	STICKY("smtp.helo", SMTP_HELO, S), STICKY("smtp.mail_from", SMTP_MAIL_FROM, S),
	STICKY("smtp.rcpt_to", SMTP_RCPT_TO, S),
	STICKY("http.request_line", HTTP_REQUEST_LINE, S),
	STICKY("http_request_line", HTTP_REQUEST_LINE, S),
	STICKY("http.response_line", HTTP_RESPONSE_LINE, S),
	STICKY("http_response_line", HTTP_RESPONSE_LINE, S),
	STICKY("http.header_names", HTTP_HEADER_NAMES, S),
	STICKY("http_header_names", HTTP_HEADER_NAMES, S),
	STICKY("http.referer", HTTP_REFERER, S), STICKY("http_referer", HTTP_REFERER, S),
	STICKY("http.accept", HTTP_ACCEPT, S), STICKY("http_accept", HTTP_ACCEPT, S),
	STICKY("http.accept_enc", HTTP_ACCEPT_ENC, S), STICKY("http_accept_enc", HTTP_ACCEPT_ENC, S),
	STICKY("http.accept_lang", HTTP_ACCEPT_LANG, S),
	STICKY("http_accept_lang", HTTP_ACCEPT_LANG, S),
	STICKY("http.connection", HTTP_CONNECTION, S),
	STICKY("http_connection", HTTP_CONNECTION, S),
	STICKY("http.content_len", HTTP_CONTENT_LEN, S),
	STICKY("http_content_len", HTTP_CONTENT_LEN, S),
	STICKY("http.start", HTTP_START, S), STICKY("http_start", HTTP_START, S),
	STICKY("http.location", HTTP_LOCATION, S),
	STICKY("tls.certs", TLS_CERTS, S),
	/* sticky buffers named by the rule language, not filled yet */
	STICKY("http.host.raw", HTTP_RAW_HOST, 0),
	STICKY("http.request_header", HTTP_REQUEST_HEADER, 0),
	STICKY("tls.subjectaltname", TLS_SUBJECT_ALT_NAME, 0),
	STICKY("file.name", FILE_NAME, 0), STICKY("smb.named_pipe", SMB_NAMED_PIPE, 0),
	STICKY("smb.share", SMB_SHARE, 0), STICKY("smb_named_pipe", SMB_NAMED_PIPE, 0),
	STICKY("smb_share", SMB_SHARE, 0),
	/* sticky buffers of protocols the app layer does not parse yet */
	OTHER_STICKY("dcerpc.stub_data"), OTHER_STICKY("dce_stub_data"),
	OTHER_STICKY("ssh.hassh.string"), OTHER_STICKY("ssh.hassh.server.string"),
	OTHER_STICKY("krb5_cname"), OTHER_STICKY("krb5_sname"), OTHER_STICKY("krb5.cname"),
	OTHER_STICKY("krb5.sname"), OTHER_STICKY("sip.method"), OTHER_STICKY("sip.uri"),
	OTHER_STICKY("sip.protocol"), OTHER_STICKY("sip.stat_code"), OTHER_STICKY("sip.stat_msg"),
	OTHER_STICKY("sip.request_line"), OTHER_STICKY("sip.response_line"),
	OTHER_STICKY("quic.sni"), OTHER_STICKY("quic.ua"), OTHER_STICKY("quic.cyu.hash"),
	OTHER_STICKY("quic.cyu.string"), OTHER_STICKY("http2.header_name"),
	OTHER_STICKY("http2.header"), OTHER_STICKY("snmp.community"), OTHER_STICKY("snmp.usm"),
	OTHER_STICKY("mqtt.connect.clientid"), OTHER_STICKY("mqtt.connect.username"),
	OTHER_STICKY("mqtt.connect.password"), OTHER_STICKY("mqtt.connect.willtopic"),
	OTHER_STICKY("mqtt.connect.willmessage"), OTHER_STICKY("mqtt.publish.topic"),
	OTHER_STICKY("mqtt.publish.message"), OTHER_STICKY("mqtt.subscribe.topic"),
	OTHER_STICKY("mqtt.unsubscribe.topic"), OTHER_STICKY("dnp3_data"),
	OTHER_STICKY("dnp3.data"), OTHER_STICKY("smb.ntlmssp_user"),
	OTHER_STICKY("smb.ntlmssp_domain"), OTHER_STICKY("file.magic"),
	OTHER_STICKY("rfb.name"), OTHER_STICKY("ike.vendor"), OTHER_STICKY("ike.init_spi"),
	OTHER_STICKY("ike.resp_spi"), OTHER_STICKY("ike.key_exchange_payload"),
	OTHER_STICKY("ike.nonce_payload"), OTHER_STICKY("dns.answer.name"),
	OTHER_STICKY("dns.queries.rrname"), OTHER_STICKY("dns.answers.rrname"),
	OTHER_STICKY("tls.random"), OTHER_STICKY("tls.random_time"),
	OTHER_STICKY("tls.random_bytes"),
	/* legacy content modifiers */
	MODIF("http_uri", HTTP_URI, S), MODIF("http_raw_uri", HTTP_RAW_URI, S),
	MODIF("http_method", HTTP_METHOD, S), MODIF("http_client_body", HTTP_REQUEST_BODY, S),
	MODIF("http_header", HTTP_HEADER, S), MODIF("http_raw_header", HTTP_RAW_HEADER, S),
	MODIF("http_cookie", HTTP_COOKIE, S), MODIF("http_user_agent", HTTP_USER_AGENT, S),
	MODIF("http_host", HTTP_HOST, S), MODIF("http_raw_host", HTTP_RAW_HOST, 0),
	MODIF("http_stat_code", HTTP_STAT_CODE, S), MODIF("http_stat_msg", HTTP_STAT_MSG, S),
	MODIF("http_server_body", HTTP_RESPONSE_BODY, S),
	/* transforms of the current sticky buffer */
	{ "dotprefix", kw_transform, KW_TRANSFORM | S, 0, NULL },
	TRANSFORM("strip_whitespace"), TRANSFORM("compress_whitespace"),
	TRANSFORM("to_md5"), TRANSFORM("to_sha1"), TRANSFORM("to_sha256"),
	TRANSFORM("to_lowercase"), TRANSFORM("to_uppercase"), TRANSFORM("url_decode"),
	TRANSFORM("xor"), TRANSFORM("pcrexform"), TRANSFORM("header_lowercase"),
	TRANSFORM("strip_pseudo_headers"), TRANSFORM("from_base64"),
	/* other protocol and file keywords, parsed only */
	GENERIC_ARG("tls.version", NULL), GENERIC_ARG("ssl_version", NULL),
	GENERIC_ARG("ssl_state", NULL), GENERIC_ARG("tls.subject", NULL),
	GENERIC_ARG("tls.issuerdn", NULL), GENERIC_ARG("tls.fingerprint", NULL),
	GENERIC("tls.store"), GENERIC_ARG("tls_cert_notbefore", NULL),
	GENERIC_ARG("tls_cert_notafter", NULL), GENERIC("tls_cert_expired"),
	GENERIC("tls_cert_valid"), GENERIC_ARG("dns.opcode", NULL),
	GENERIC_ARG("ssh.protoversion", NULL), GENERIC_ARG("ssh.softwareversion", NULL),
	GENERIC_ARG("filename", NULL), GENERIC_ARG("fileext", NULL),
	GENERIC_ARG("filemagic", NULL), GENERIC_ARG("filemd5", NULL),
	GENERIC_ARG("filesha1", NULL), GENERIC_ARG("filesha256", NULL),
	GENERIC_ARG("filesize", NULL), GENERIC_ARG("dcerpc.iface", NULL),
	GENERIC_ARG("dcerpc.opnum", NULL), GENERIC_ARG("krb5_msg_type", NULL),
	GENERIC_ARG("snmp.version", NULL), GENERIC_ARG("ftpdata_command", NULL), GENERIC("icmpv4.hdr"),
	GENERIC("icmpv6.hdr"), GENERIC("ipv4.hdr"), GENERIC("ipv6.hdr"), GENERIC("tcp.hdr"),
	GENERIC("udp.hdr"), GENERIC_ARG("icmpv6.mtu", NULL), OTHER_STICKY("quic.version"),
	GENERIC_ARG("http2.frametype", NULL),
	GENERIC_ARG("http2.errorcode", NULL), GENERIC_ARG("http2.settings", NULL),
	GENERIC_ARG("http2.priority", NULL), GENERIC_ARG("http2.window", NULL),
	GENERIC_ARG("http2.size_update", NULL), GENERIC_ARG("template", NULL),
	GENERIC_ARG("mqtt.type", NULL), GENERIC_ARG("mqtt.qos", NULL),
	GENERIC_ARG("mqtt.flags", NULL), GENERIC_ARG("mqtt.protocol_version", NULL),
	GENERIC_ARG("mqtt.connect.flags", NULL), GENERIC_ARG("mqtt.reason_code", NULL),
	GENERIC_ARG("enip_command", NULL), GENERIC_ARG("cip_service", NULL),
	GENERIC_ARG("modbus", NULL), GENERIC_ARG("dnp3_func", NULL),
	GENERIC_ARG("dnp3_ind", NULL), GENERIC_ARG("dnp3_obj", NULL),
	GENERIC_ARG("tls.cert_chain_len", NULL), GENERIC_ARG("krb5.ticket_encryption", NULL),
	GENERIC_ARG("krb5_err_code", NULL), GENERIC_ARG("nfs_version", NULL),
	GENERIC_ARG("nfs_procedure", NULL), GENERIC_ARG("dhcp.leasetime", NULL),
	GENERIC_ARG("dhcp.renewal_time", NULL), GENERIC_ARG("dhcp.rebinding_time", NULL),
	GENERIC_ARG("dce_iface", NULL), GENERIC_ARG("dce_opnum", NULL),
	GENERIC_ARG("tcp.flags", NULL), OTHER_STICKY("ip.src"), OTHER_STICKY("ip.dst"),
	GENERIC_ARG("snmp.pdu_type", NULL), GENERIC_ARG("ike.exchtype", NULL),
	GENERIC_ARG("ike.chosen_sa_attribute", NULL), GENERIC_ARG("rfb.secresult", NULL),
	GENERIC_ARG("rfb.sectype", NULL),
	/* Suricata's own event rules (decoder, stream, checksums) */
	{ "decode-event", kw_generic, S | KW_ARG, 0, "decode-event:<layer>.<event>;" },
	GENERIC_ARG("stream-event", "stream-event:<event>;"),
	GENERIC_ARG("engine-event", "engine-event:<event>;"),
	{ "ipv4-csum", kw_generic, S | KW_ARG, 0, "ipv4-csum:valid|invalid;" },
	{ "tcpv4-csum", kw_generic, S | KW_ARG, 0, "tcpv4-csum:valid|invalid;" },
	{ "tcpv6-csum", kw_generic, S | KW_ARG, 0, "tcpv6-csum:valid|invalid;" },
	{ "udpv4-csum", kw_generic, S | KW_ARG, 0, "udpv4-csum:valid|invalid;" },
	{ "udpv6-csum", kw_generic, S | KW_ARG, 0, "udpv6-csum:valid|invalid;" },
	{ "icmpv4-csum", kw_generic, S | KW_ARG, 0, "icmpv4-csum:valid|invalid;" },
	{ "icmpv6-csum", kw_generic, S | KW_ARG, 0, "icmpv6-csum:valid|invalid;" },
};

#undef S

const struct kn_keyword *detect_keyword(unsigned kw)
{
	return kw < sizeof table / sizeof table[0] ? &table[kw] : NULL;
}

unsigned kn_rule_keyword_count(void)
{
	return (unsigned)(sizeof table / sizeof table[0]);
}

const char *kn_rule_keyword_name(unsigned kw)
{
	return kw < kn_rule_keyword_count() ? table[kw].name : NULL;
}

int kn_rule_keyword_supported(unsigned kw)
{
	return kw < kn_rule_keyword_count() && (table[kw].flags & KW_SUPPORTED);
}

int kn_rule_keyword_by_name(const char *name)
{
	for (unsigned i = 0; name && i < kn_rule_keyword_count(); i++)
		if (strcmp(table[i].name, name) == 0)
			return (int)i;
	return -1;
}
