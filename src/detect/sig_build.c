/*
 * sig_build.c - compiles a parsed rule set into the signature engine:
 * each rule becomes a struct sig_rule (header checks, one inspection list
 * per buffer, flowbits, threshold), rules are put in evaluation order
 * (pass rules, then flowbit setters, then the rest, each in file order),
 * and every rule's fast pattern enters the prefilter group where it can
 * match (sig_prefilter.c). Rules the engine cannot match are left out with
 * a reason: a parsed-only keyword, an application protocol kenchi does not
 * parse, a pcre PCRE2 refuses, or payload and app buffers in one rule.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "detect/sig_int.h"
#include "kenchi/decode.h"
#include "util/alloc.h"

/* Keyword ids the engine needs, resolved once by name. */
static struct {
	int content, uricontent, pcre, byte_test, byte_jump, byte_extract, byte_math, isdataat, bsize, urilen;
	int dsize, flow, flowbits, threshold, detection_filter, noalert, app_event;
	int ttl, id, ipopts, fragbits, flags, seq, ack, window, itype, icode, icmp_id, icmp_seq;
	int decode_event, flowint, dotprefix, csum[7];
} K;

static const char *const csum_names[7] = { "ipv4-csum", "tcpv4-csum", "tcpv6-csum", "udpv4-csum",
					   "udpv6-csum", "icmpv4-csum", "icmpv6-csum" };

static void resolve_keywords(void)
{
	K.content = kn_rule_keyword_by_name("content");
	K.uricontent = kn_rule_keyword_by_name("uricontent");
	K.pcre = kn_rule_keyword_by_name("pcre");
	K.byte_test = kn_rule_keyword_by_name("byte_test");
	K.byte_jump = kn_rule_keyword_by_name("byte_jump");
	K.byte_extract = kn_rule_keyword_by_name("byte_extract");
	K.byte_math = kn_rule_keyword_by_name("byte_math");
	K.isdataat = kn_rule_keyword_by_name("isdataat");
	K.bsize = kn_rule_keyword_by_name("bsize");
	K.urilen = kn_rule_keyword_by_name("urilen");
	K.dsize = kn_rule_keyword_by_name("dsize");
	K.flow = kn_rule_keyword_by_name("flow");
	K.flowbits = kn_rule_keyword_by_name("flowbits");
	K.threshold = kn_rule_keyword_by_name("threshold");
	K.detection_filter = kn_rule_keyword_by_name("detection_filter");
	K.noalert = kn_rule_keyword_by_name("noalert");
	K.app_event = kn_rule_keyword_by_name("app-layer-event");
	K.ttl = kn_rule_keyword_by_name("ttl");
	K.id = kn_rule_keyword_by_name("id");
	K.ipopts = kn_rule_keyword_by_name("ipopts");
	K.fragbits = kn_rule_keyword_by_name("fragbits");
	K.flags = kn_rule_keyword_by_name("flags");
	K.seq = kn_rule_keyword_by_name("seq");
	K.ack = kn_rule_keyword_by_name("ack");
	K.window = kn_rule_keyword_by_name("window");
	K.itype = kn_rule_keyword_by_name("itype");
	K.icode = kn_rule_keyword_by_name("icode");
	K.icmp_id = kn_rule_keyword_by_name("icmp_id");
	K.icmp_seq = kn_rule_keyword_by_name("icmp_seq");
	K.decode_event = kn_rule_keyword_by_name("decode-event");
	K.flowint = kn_rule_keyword_by_name("flowint");
	K.dotprefix = kn_rule_keyword_by_name("dotprefix");
	for (unsigned i = 0; i < 7; i++)
		K.csum[i] = kn_rule_keyword_by_name(csum_names[i]);
}

/* The checksum keyword index of kw (0..6), or -1. */
static int csum_index(int kw)
{
	for (int i = 0; i < 7; i++)
		if (K.csum[i] == kw)
			return i;
	return -1;
}

/* flowint that only counts (name,+,n / name,-,n / name,=,n): nothing tests
 * it in the rule that sets it, so it does not change what that rule matches. */
static int flowint_setter(const struct kn_rule_opt *o)
{
	const char *t = o->text ? strchr(o->text, ',') : NULL;
	if (!t)
		return 0;
	t++;
	while (*t == ' ')
		t++;
	return (t[0] == '+' || t[0] == '-' || t[0] == '=') && (t[1] == ',' || t[1] == ' ');
}

static int is_list_kw(int kw)
{
	return kw >= 0 && sig_inspect_keyword((unsigned)kw);
}

static int hdr_kind(int kw)
{
	const int map[][2] = {
		{ K.ttl, SIG_H_TTL }, { K.id, SIG_H_ID }, { K.ipopts, SIG_H_IPOPTS },
		{ K.fragbits, SIG_H_FRAGBITS }, { K.flags, SIG_H_FLAGS }, { K.seq, SIG_H_SEQ },
		{ K.ack, SIG_H_ACK }, { K.window, SIG_H_WINDOW }, { K.itype, SIG_H_ITYPE },
		{ K.icode, SIG_H_ICODE }, { K.icmp_id, SIG_H_ICMP_ID },
		{ K.icmp_seq, SIG_H_ICMP_SEQ }, { K.dsize, SIG_H_DSIZE },
	};
	for (size_t i = 0; i < sizeof map / sizeof map[0]; i++)
		if (map[i][0] == kw)
			return map[i][1];
	return -1;
}

/* Parsed-only keywords that do not change what matches. */
static int is_noop_kw(const char *name)
{
	static const char *const noop[] = { "tag", "prefilter", "bypass", "filestore",
					    "requires", "metadata", "config" };
	for (size_t i = 0; i < sizeof noop / sizeof noop[0]; i++)
		if (!strcmp(name, noop[i]))
			return 1;
	return 0;
}

/* The app_proto name kenchi's app layer reports for a rule protocol, or
 * NULL when it has no parser for it. */
static const char *app_name(const char *proto)
{
	static const char *const map[][2] = {
		{ "http", "http" }, { "http1", "http" }, { "tls", "tls" }, { "ssl", "tls" },
		{ "dns", "dns" }, { "ssh", "ssh" }, { "smtp", "smtp" }, { "dhcp", "dhcp" },
	};
	for (size_t i = 0; i < sizeof map / sizeof map[0]; i++)
		if (!strcmp(proto, map[i][0]))
			return map[i][1];
	return NULL;
}

/* ------------------------------------------------------- one rule */

struct build {
	struct kn_sig_engine *e;
	uint32_t n_names;                    /* flowbit names used */
	char reason[256];
};

/* A flowbit's id: a hash of its name, so that a flow's bits keep their
 * meaning when the rules are reloaded into a new engine. */
static int intern_bit(struct build *b, const char *name, uint32_t *id)
{
	uint32_t h = 2166136261u;
	for (const unsigned char *p = (const unsigned char *)name; *p; p++)
		h = (h ^ *p) * 16777619u;
	*id = h;
	b->n_names++;
	return 0;
}

/* The list of buffer buf in s, created if new. */
static struct sig_list *list_of(struct sig_rule *s, int buf)
{
	for (unsigned i = 0; i < s->n_lists; i++)
		if (detect_same_buffer(s->lists[i].buffer, buf))
			return &s->lists[i];
	struct sig_list *l = &s->lists[s->n_lists++];
	l->buffer = (int16_t)buf;
	return l;
}

static int skip(struct build *b, const char *fmt, const char *arg)
{
	snprintf(b->reason, sizeof b->reason, fmt, arg);
	return 1;
}

/* First pass: which keywords, which buffers. 1 = the rule is left out. */
static int check_rule(struct build *b, const struct kn_rule *r)
{
	if (r->action == KN_RULE_CONFIG)
		return skip(b, "%s rules (logging settings) are not matched", "config");
	if (r->app && !app_name(r->proto))
		return skip(b, "application protocol '%s' is not parsed by kenchi", r->proto);
	for (uint32_t i = 0; i < r->n_opts; i++) {
		const struct kn_rule_opt *o = &r->opts[i];
		const char *name = kn_rule_keyword_name(o->kw);
		if ((int)o->kw == K.flowint && flowint_setter(o))
			continue;
		if (!kn_rule_keyword_supported(o->kw) && !is_noop_kw(name))
			return skip(b, "keyword '%s' is parsed but not matched yet", name);
		if ((int)o->kw == K.app_event && o->u.str && o->u.str[0] == '!')
			return skip(b, "negated %s is not matched yet", name);
		if (is_list_kw(o->kw) && o->buffer < KN_RULE_BUF_PAYLOAD)
			return skip(b, "buffer '%s' is not inspected yet", detect_buffer_name(o->buffer));
		if ((int)o->kw == K.dotprefix && o->buffer < 0)
			return skip(b, "buffer '%s' is not inspected yet", detect_buffer_name(o->buffer));
		/* a transform applies to its buffer's whole list: only before
		 * the buffer's first match keyword, as Suricata requires */
		for (uint32_t j = 0; (int)o->kw == K.dotprefix && j < i; j++)
			if (is_list_kw(r->opts[j].kw) && detect_same_buffer(r->opts[j].buffer, o->buffer))
				return skip(b, "%s after a match on its buffer is not matched", name);
	}
	return 0;
}

/* The buffer whose list option o goes to. */
static int opt_buffer(const struct kn_rule_opt *o)
{
	if ((int)o->kw == K.urilen)
		return o->u.num.side ? KN_BUF_HTTP_RAW_URI : KN_BUF_HTTP_URI;
	return o->buffer;
}

/* How many options of r go to buf's list: its exact size (the engine's
 * lists are most of its memory after the rules themselves). */
static unsigned list_size(const struct kn_rule *r, int buf)
{
	unsigned k = 0;
	for (uint32_t i = 0; i < r->n_opts; i++)
		if (is_list_kw(r->opts[i].kw) && detect_same_buffer(opt_buffer(&r->opts[i]), buf))
			k++;
	return k;
}

static int add_list_opt(struct build *b, struct sig_rule *s, const struct kn_rule *r,
			const struct kn_rule_opt *o)
{
	int buf = opt_buffer(o);
	struct sig_list *l = list_of(s, buf);
	if (!l->opts) {
		unsigned cap = list_size(r, buf);
		l->opts = detect_alloc(&b->e->arena, cap * sizeof *l->opts);
		l->re = detect_alloc(&b->e->arena, cap * sizeof *l->re);
		if (!l->opts || !l->re)
			return -KN_ENOMEM;
	}
	l->opts[l->n] = o;
	if ((int)o->kw == K.pcre) {
		char err[200];
		l->re[l->n] = sig_pcre_get(o->u.pcre, err, sizeof err);
		if (!l->re[l->n])
			return skip(b, "pcre does not compile: %s", err);
	}
	l->n++;
	if (l->n > b->e->max_list)
		b->e->max_list = l->n;
	return 0;
}

static int add_bits(struct build *b, struct sig_rule *s, const struct kn_rule_bits *bits)
{
	if (bits->cmd == KN_BITS_NOALERT) {
		s->noalert = 1;
		return 0;
	}
	struct sig_bits *sb = &s->bits[s->n_bits++];
	uint32_t *ids = detect_alloc(&b->e->arena, (bits->n_names + 1) * sizeof *ids);
	if (!ids)
		return -KN_ENOMEM;
	for (uint32_t i = 0; i < bits->n_names; i++)
		if (intern_bit(b, bits->names[i], &ids[i]) != 0)
			return -KN_ENOMEM;
	sb->cmd = bits->cmd;
	sb->any_of = bits->any_of;
	sb->n = (uint16_t)bits->n_names;
	sb->ids = ids;
	return 0;
}

static int set_dev(struct build *b, struct sig_rule *s, const struct kn_rule_opt *o)
{
	int id = o->u.str ? sig_decode_event_id(o->u.str) : -1;
	if (id < 0)
		return skip(b, "decode-event '%s' is not an event kenchi's decoder raises",
			    o->u.str ? o->u.str : "");
	s->dev = (int16_t)id;
	return 0;
}

static int set_aev(struct build *b, struct sig_rule *s, const struct kn_rule_opt *o)
{
	size_t n = strlen(o->u.str);
	char *v = detect_strndup(&b->e->arena, o->u.str, n);
	if (!v)
		return -KN_ENOMEM;
	s->aev = v;
	return 0;
}

/* Second pass: fills s from r's options. 0, 1 (left out: b->reason), <0. */
static int fill_rule(struct build *b, struct sig_rule *s, const struct kn_rule *r)
{
	unsigned nl = 0, nh = 0, nb = 0;
	struct detect_arena *a = &b->e->arena;

	for (uint32_t i = 0; i < r->n_opts; i++) {   /* sizes first: exact arrays */
		int kw = r->opts[i].kw;
		if (is_list_kw(kw) || kw == K.dotprefix)
			nl++;
		else if (hdr_kind(kw) >= 0 || csum_index(kw) >= 0)
			nh++;
		else if (kw == K.flowbits)
			nb++;
	}
	s->lists = detect_alloc(a, (nl ? nl : 1) * sizeof *s->lists);
	s->hdr = nh ? detect_alloc(a, nh * sizeof *s->hdr) : NULL;
	s->bits = nb ? detect_alloc(a, nb * sizeof *s->bits) : NULL;
	if (!s->lists || (nh && !s->hdr) || (nb && !s->bits))
		return -KN_ENOMEM;
	for (uint32_t i = 0; i < r->n_opts; i++) {
		const struct kn_rule_opt *o = &r->opts[i];
		int kw = o->kw, h = hdr_kind(kw), rc = 0;
		if (is_list_kw(kw))
			rc = add_list_opt(b, s, r, o);
		else if (kw == K.dotprefix)
			list_of(s, o->buffer)->dotprefix = 1;
		else if (h >= 0)
			s->hdr[s->n_hdr++] = (struct sig_hdr){ (uint8_t)h, 0, o };
		else if (kw == K.flow)
			s->flow_flags = o->u.flags;
		else if (kw == K.flowbits)
			rc = add_bits(b, s, o->u.bits);
		else if (kw == K.threshold || kw == K.detection_filter) {
			s->threshold = o->u.threshold;
			s->is_filter = kw == K.detection_filter;
		} else if (kw == K.noalert)
			s->noalert = 1;
		else if (kw == K.decode_event)
			rc = set_dev(b, s, o);
		else if (kw == K.app_event)
			rc = set_aev(b, s, o);
		else if (csum_index(kw) >= 0)
			s->hdr[s->n_hdr++] = (struct sig_hdr){
				(uint8_t)(SIG_H_IPV4_CSUM + csum_index(kw)),
				(uint8_t)(o->u.str && !strstr(o->u.str, "invalid")), o };
		if (rc)
			return rc;
	}
	return 0;
}

/* Where a compiled rule is evaluated, and its direction hint. */
static int classify(struct build *b, struct sig_rule *s)
{
	int payload = 0, app = 0;
	for (unsigned i = 0; i < s->n_lists; i++) {
		if (s->lists[i].buffer == KN_RULE_BUF_PAYLOAD)
			payload = 1;
		else
			app = 1;
	}
	if (payload && app)
		return skip(b, "%s in one rule are not inspected together yet",
			    "the packet payload and application buffers");
	if ((s->dev >= 0 || s->aev) && (payload || app))
		return skip(b, "%s with content are not matched yet", "event keywords");
	if (s->dev >= 0 && s->aev)
		return skip(b, "%s in one rule are not matched yet", "decoder and app-layer events");
	s->kind = s->dev >= 0 ? SIG_DEV : s->aev ? SIG_AEV : app ? SIG_TX : SIG_PKT;
	s->dir_hint = -1;
	if (s->flow_flags & KN_RULE_FLOW_TO_SERVER)
		s->dir_hint = 0;
	else if (s->flow_flags & KN_RULE_FLOW_TO_CLIENT)
		s->dir_hint = 1;
	return 0;
}

static const char *category_of(const struct kn_ruleset *rs, const char *classtype)
{
	if (!classtype)
		return "";
	for (size_t i = 0; i < rs->n_classes; i++)
		if (!strcmp(rs->classes[i].name, classtype))
			return rs->classes[i].text;
	return "";
}

static int compile_rule(struct build *b, const struct kn_rule *r, uint32_t index)
{
	struct kn_sig_engine *e = b->e;
	struct sig_rule *s = &e->rules[e->n_rules];
	int rc;

	memset(s, 0, sizeof *s);
	s->dev = -1;
	b->reason[0] = 0;
	if (check_rule(b, r))
		return 1;
	rc = fill_rule(b, s, r);
	if (rc == 0)
		rc = classify(b, s);
	if (rc != 0) {
		for (unsigned i = 0; i < s->n_lists; i++)
			for (unsigned j = 0; j < s->lists[i].n; j++)
				if (s->lists[i].re[j])
					sig_pcre_put(s->lists[i].re[j]);
		return rc;
	}
	s->r = r;
	s->index = index;
	s->ipproto = r->ipproto;
	s->pass = r->action == KN_RULE_PASS;
	s->app = r->app;
	s->app_proto = r->app ? app_name(r->proto) : NULL;
	s->category = category_of(e->rs, r->classtype);
	e->n_rules++;
	return 0;
}

/* ---------------------------------------------------------- ordering */

static int order_class(const struct sig_rule *s)
{
	int sets = 0, checks = 0;
	if (s->pass)
		return 0;
	for (unsigned i = 0; i < s->n_bits; i++) {
		if (s->bits[i].cmd == KN_BITS_ISSET || s->bits[i].cmd == KN_BITS_ISNOTSET)
			checks = 1;
		else
			sets = 1;
	}
	return sets && !checks ? 1 : sets ? 2 : 3;
}

static int rule_cmp(const void *a, const void *b)
{
	const struct sig_rule *x = a, *y = b;
	int cx = order_class(x), cy = order_class(y);
	if (cx != cy)
		return cx - cy;
	return x->index < y->index ? -1 : x->index > y->index;
}

/* ---------------------------------------------------- fast patterns */

/* The prefilter literal of a rule (bytes of its fast pattern). */
struct fp_pick {
	const uint8_t *bytes;
	uint32_t len;
	uint8_t nocase;
};

/* How selective a literal is, as Suricata ranks fast patterns: each
 * distinct byte counts 3 (a letter: case may be folded), 4 (printable, or
 * 0x00, 0x01, 0xff: common in binary data) or 6 (any other), each repeat
 * 1. A run of zeros scores low: such a literal matches (and its prefilter
 * confirms) all over binary payloads. */
static unsigned fp_strength(const uint8_t *p, uint32_t n)
{
	uint8_t seen[256] = { 0 };
	unsigned st = 0;
	for (uint32_t i = 0; i < n; i++) {
		uint8_t b = p[i];
		if (seen[b]) {
			st++;
			continue;
		}
		seen[b] = 1;
		if ((b >= 'a' && b <= 'z') || (b >= 'A' && b <= 'Z'))
			st += 3;
		else if ((b >= 0x20 && b < 0x7f) || b == 0x00 || b == 0x01 || b == 0xff)
			st += 4;
		else
			st += 6;
	}
	return st;
}

/* The longest run of one byte value in p[0..n). */
static uint32_t longest_run(const uint8_t *p, uint32_t n)
{
	uint32_t best = n ? 1 : 0, run = 1;
	for (uint32_t i = 1; i < n; i++) {
		run = p[i] == p[i - 1] ? run + 1 : 1;
		if (run > best)
			best = run;
	}
	return best;
}

/* Hyperscan's literal matchers key on a literal's last 8 bytes: a
 * literal longer than that ending in a run of one byte ("z" then eleven
 * zeros, base64 ending in "AAAA...") is verified at every such run of the
 * data, in binary payloads all the time (the Sentinel LM rules' literal
 * alone tripled the scan time of every UDP packet). Such a literal is
 * given to the prefilter cut after its strongest 8-byte window (the last
 * of equals): a prefix of the content, so every packet that holds the
 * content still holds it, and the rule's evaluation checks the whole
 * content. Returns the length to keep. */
#define FP_KEY 8
static uint32_t fp_cut(const uint8_t *p, uint32_t n)
{
	if (n <= FP_KEY || longest_run(p + n - FP_KEY, FP_KEY) < 4)
		return n;
	uint32_t end = n, best_st = 0, best_run = FP_KEY + 1;
	for (uint32_t e = FP_KEY; e <= n; e++) {
		unsigned st = fp_strength(p + e - FP_KEY, FP_KEY);
		uint32_t run = longest_run(p + e - FP_KEY, FP_KEY);
		if (st > best_st || (st == best_st && run <= best_run))
			end = e, best_st = st, best_run = run;
	}
	return end;
}

/* The fast pattern of s: its explicit fast_pattern, else its strongest
 * positive content (fp_strength, then the longer; of an app buffer for tx
 * rules), its bytes in *out (the fast_pattern:offset,length part when
 * chopped). In a dotprefix list the buffer read is "." + the value: a
 * leading "." may be that added one, so the literal looked for in the
 * value starts after it; a literal ending in a run is cut (fp_cut). 0
 * when none. */
static int fast_pattern(const struct sig_rule *s, int *buf, struct fp_pick *out)
{
	const struct kn_rule_content *best = NULL;
	const struct sig_list *in = NULL;
	unsigned best_st = 0;
	for (unsigned i = 0; i < s->n_lists && !(best && (best->flags & KN_CONTENT_FAST_PATTERN)); i++) {
		const struct sig_list *l = &s->lists[i];
		for (unsigned j = 0; j < l->n; j++) {
			if ((int)l->opts[j]->kw != K.content && (int)l->opts[j]->kw != K.uricontent)
				continue;
			const struct kn_rule_content *c = l->opts[j]->u.content;
			if (c->flags & KN_CONTENT_NEGATED)
				continue;
			if (c->flags & KN_CONTENT_FAST_PATTERN) {
				best = c, in = l;
				break;
			}
			unsigned st = fp_strength(c->bytes, c->len);
			if (!best || st > best_st || (st == best_st && c->len > best->len))
				best = c, in = l, best_st = st;
		}
	}
	if (!best)
		return 0;
	*buf = in->buffer;
	out->bytes = best->bytes;
	out->len = best->len;
	out->nocase = (best->flags & KN_CONTENT_NOCASE) != 0;
	if (best->flags & KN_CONTENT_FP_CHOP) {
		out->bytes += best->fp_offset;
		out->len = best->fp_len;
	}
	if (in->dotprefix && out->bytes == best->bytes && out->len && out->bytes[0] == '.')
		out->bytes++, out->len--;
	out->len = fp_cut(out->bytes, out->len);
	return out->len > 0;
}

/* The payload groups a packet rule belongs to (bit per group). */
static unsigned payload_groups(const struct sig_rule *s)
{
	unsigned t = s->ipproto == 6 ? 1u << SIG_T_TCP
		     : s->ipproto == 17 ? 1u << SIG_T_UDP
		     : s->ipproto ? 1u << SIG_T_OTHER
		     : s->app ? (1u << SIG_T_TCP) | (1u << SIG_T_UDP)
		     : (1u << SIG_T_COUNT) - 1;
	unsigned d = s->dir_hint == 0 ? 1u : s->dir_hint == 1 ? 2u : 3u, m = 0;
	for (unsigned g = 0; g < SIG_T_COUNT; g++)
		if (t & (1u << g))
			m |= d << (g * 2);
	return m;
}

struct fp_sets {
	struct sig_fp *v[SIG_PAYLOAD_GROUPS + KN_BUF_COUNT];
	size_t n[SIG_PAYLOAD_GROUPS + KN_BUF_COUNT];
	uint32_t *always[SIG_PAYLOAD_GROUPS + KN_BUF_COUNT];
	uint32_t n_always[SIG_PAYLOAD_GROUPS + KN_BUF_COUNT];
};

static void add_to_group(struct fp_sets *f, unsigned g, const struct fp_pick *c, uint32_t rule)
{
	if (!c) {
		f->always[g][f->n_always[g]++] = rule;
		return;
	}
	struct sig_fp *fp = &f->v[g][f->n[g]++];
	fp->bytes = c->bytes;
	fp->len = c->len;
	fp->nocase = c->nocase;
	fp->rule = rule;
}

/* Calls fn(f, group, fast pattern or NULL, rule) for every group each
 * rule enters (a tx rule: its fast pattern's buffer, else its first list's;
 * a packet rule: each payload group of its transport and direction). */
static void for_each_entry(struct kn_sig_engine *e, struct fp_sets *f,
			   void (*fn)(struct fp_sets *, unsigned, const struct fp_pick *, uint32_t))
{
	for (uint32_t i = 0; i < e->n_rules; i++) {
		struct sig_rule *s = &e->rules[i];
		int buf = KN_RULE_BUF_PAYLOAD;
		struct fp_pick pick;
		if (s->kind == SIG_DEV || s->kind == SIG_AEV)
			continue;
		const struct fp_pick *c = fast_pattern(s, &buf, &pick) ? &pick : NULL;
		if (s->kind == SIG_TX) {
			if (!c)
				buf = s->lists[0].buffer;
			fn(f, SIG_PAYLOAD_GROUPS + (unsigned)buf, c, i);
		} else {
			unsigned m = payload_groups(s);
			for (unsigned g = 0; g < SIG_PAYLOAD_GROUPS; g++)
				if (m & (1u << g))
					fn(f, g, c, i);
		}
	}
}

static void count_entry(struct fp_sets *f, unsigned g, const struct fp_pick *c, uint32_t rule)
{
	(void)rule;
	if (c)
		f->n[g]++;
	else
		f->n_always[g]++;
}

/* Each group's fast patterns and always-rules, in arrays of their exact
 * size (counted first: ET Open has ~60 groups, most of them small). */
static int collect_fps(struct kn_sig_engine *e, struct fp_sets *f)
{
	unsigned ng = SIG_PAYLOAD_GROUPS + KN_BUF_COUNT;
	for_each_entry(e, f, count_entry);
	for (unsigned g = 0; g < ng; g++) {
		f->v[g] = kn_calloc(f->n[g] + 1, sizeof *f->v[g]);
		f->always[g] = kn_calloc(f->n_always[g] + 1, sizeof *f->always[g]);
		if (!f->v[g] || !f->always[g])
			return -KN_ENOMEM;
		f->n[g] = f->n_always[g] = 0;
	}
	for_each_entry(e, f, add_to_group);
	for (uint32_t i = 0; i < e->n_rules; i++) {
		const struct sig_rule *s = &e->rules[i];
		int buf;
		struct fp_pick pick;
		if (s->kind == SIG_DEV || s->kind == SIG_AEV)
			continue;
		if (fast_pattern(s, &buf, &pick))
			e->st.prefiltered++;
		else
			e->st.always++;
	}
	return 0;
}

/* Moves the always-rules of a payload group with a narrow source (else
 * destination) address set, else a narrow destination (else source) port
 * set, into the group's address and port indexes. */
static int index_always(struct kn_sig_engine *e, struct sig_group *g)
{
	uint32_t *side[4], n[4] = { 0, 0, 0, 0 }, keep = 0;
	int rc = 0;
	for (unsigned k = 0; k < 4; k++)
		if (!(side[k] = kn_calloc(g->n_always + 1, sizeof *side[k])))
			rc = -KN_ENOMEM;
	for (uint32_t i = 0; rc == 0 && i < g->n_always; i++) {
		const struct kn_rule *r = e->rules[g->always[i]].r;
		/* the most selective side: a short address list (<= 2^20), a port
		 * set, then a long list (block lists with /8s, <= 2^28; $HOME_NET
		 * is that wide too but selects little, so ports come first) */
		int k = r->bidir ? -1 : sig_addrs_narrow(&r->src, 20) ? 0
			: sig_addrs_narrow(&r->dst, 20) ? 1 : sig_ports_narrow(&r->dport) ? 2
			: sig_ports_narrow(&r->sport) ? 3 : sig_addrs_narrow(&r->src, 28) ? 0
			: sig_addrs_narrow(&r->dst, 28) ? 1 : -1;
		if (k >= 0)
			side[k][n[k]++] = g->always[i];
		else
			g->always[keep++] = g->always[i];
	}
	if (rc == 0)
		rc = sig_aidx_build(g->by_src, e, side[0], n[0], 0);
	if (rc == 0)
		rc = sig_aidx_build(g->by_dst, e, side[1], n[1], 1);
	if (rc == 0)
		rc = sig_pidx_build(g->by_dport, e, side[2], n[2], 1);
	if (rc == 0)
		rc = sig_pidx_build(g->by_sport, e, side[3], n[3], 0);
	if (rc == 0) {
		g->n_always = keep;
		g->n_indexed = n[0] + n[1] + n[2] + n[3];
	}
	for (unsigned k = 0; k < 4; k++)
		kn_free(side[k]);
	return rc;
}

/* Decoder-event rules by event id (CSR), app-layer-event rules in a list. */
static int build_events(struct kn_sig_engine *e)
{
	e->dev_first = kn_calloc(KN_DEV_COUNT + 1, sizeof *e->dev_first);
	e->dev_rules = kn_calloc(e->n_rules + 1, sizeof *e->dev_rules);
	e->aev = kn_calloc(e->n_rules + 1, sizeof *e->aev);
	uint32_t *fill = kn_calloc(KN_DEV_COUNT + 1, sizeof *fill);
	int rc = e->dev_first && e->dev_rules && e->aev && fill ? 0 : -KN_ENOMEM;
	for (uint32_t i = 0; rc == 0 && i < e->n_rules; i++) {
		if (e->rules[i].kind == SIG_DEV)
			e->dev_first[e->rules[i].dev + 1]++;
		else if (e->rules[i].kind == SIG_AEV)
			e->aev[e->n_aev++] = i;
	}
	for (unsigned v = 0; rc == 0 && v < KN_DEV_COUNT; v++)
		e->dev_first[v + 1] += e->dev_first[v];
	for (uint32_t i = 0; rc == 0 && i < e->n_rules; i++) {
		unsigned v = (unsigned)e->rules[i].dev;
		if (e->rules[i].kind == SIG_DEV)
			e->dev_rules[e->dev_first[v] + fill[v]++] = i;
	}
	kn_free(fill);
	return rc;
}

static void count_group(struct kn_sig_engine *e, const struct sig_group *g)
{
	size_t sz = 0;
	e->st.patterns += g->n_pat;
	if (g->db) {
		e->st.databases++;
		if (hs_database_size(g->db, &sz) == HS_SUCCESS)
			e->st.db_bytes += sz;
	}
}

static int build_groups(struct kn_sig_engine *e, char *err)
{
	struct fp_sets f;
	unsigned ng = SIG_PAYLOAD_GROUPS + KN_BUF_COUNT;
	int rc;

	memset(&f, 0, sizeof f);
	rc = collect_fps(e, &f);
	for (unsigned g = 0; rc == 0 && g < ng; g++) {
		struct sig_group *grp = g < SIG_PAYLOAD_GROUPS ? &e->payload[g]
				       : &e->app[g - SIG_PAYLOAD_GROUPS];
		grp->prof = (uint16_t)g;
		if (g < SIG_PAYLOAD_GROUPS && g / 2 != SIG_T_OTHER)
			rc = sig_ports_split(e, grp, f.v[g], &f.n[g], err);
		if (rc == 0)
			rc = sig_group_build(grp, f.v[g], f.n[g], err);
		grp->always = f.always[g];
		grp->n_always = f.n_always[g];
		f.always[g] = NULL;
		if (rc == 0 && g < SIG_PAYLOAD_GROUPS)
			rc = index_always(e, grp);
		count_group(e, grp);
		for (uint32_t k = 0; k < grp->n_cls; k++)
			count_group(e, &grp->cls[k]);
	}
	for (unsigned g = 0; g < ng; g++) {
		kn_free(f.v[g]);
		kn_free(f.always[g]);
	}
	if (rc == -KN_ENOMEM)
		snprintf(err, KN_ERRBUF_SIZE, "out of memory building the prefilter");
	return rc;
}

/* ------------------------------------------------------------ engine */

static int compile_all(struct build *b, char *err)
{
	struct kn_sig_engine *e = b->e;
	size_t n = kn_ruleset_count(e->rs);

	e->rules = kn_calloc(n + 1, sizeof *e->rules);
	e->skip = kn_calloc(n + 1, sizeof *e->skip);
	if (!e->rules || !e->skip)
		goto nomem;
	for (size_t i = 0; i < n; i++) {
		const struct kn_rule *r = kn_ruleset_rule(e->rs, i);
		int rc = compile_rule(b, r, (uint32_t)i);
		if (rc < 0)
			goto nomem;
		if (rc == 0)
			continue;
		e->skip[i] = detect_strndup(&e->arena, b->reason, strlen(b->reason));
		if (!e->skip[i])
			goto nomem;
		if (strstr(b->reason, "parsed but not matched"))
			e->st.skipped_unsupported++;
		else if (strstr(b->reason, "application protocol"))
			e->st.skipped_app++;
		else
			e->st.skipped_other++;
	}
	e->st.rules = n;
	e->st.compiled = e->n_rules;
	qsort(e->rules, e->n_rules, sizeof *e->rules, rule_cmp);
	return 0;
nomem:
	snprintf(err, KN_ERRBUF_SIZE, "out of memory compiling the rules");
	return -KN_ENOMEM;
}

struct kn_sig_engine *kn_sig_engine_new(const struct kn_ruleset *rs, struct kn_sig_build_stats *st,
					 char *err)
{
	struct timespec t0, t1;
	struct build b;
	struct kn_sig_engine *e = kn_calloc(1, sizeof *e);

	clock_gettime(CLOCK_MONOTONIC, &t0);
	if (!e) {
		snprintf(err, KN_ERRBUF_SIZE, "out of memory compiling the rules");
		return NULL;
	}
	resolve_keywords();   /* idempotent: ids come from the static keyword table */
	memset(&b, 0, sizeof b);
	b.e = e;
	e->rs = rs;
	int rc = compile_all(&b, err);
	if (rc == 0)
		rc = build_groups(e, err);
	if (rc == 0 && (rc = build_events(e)) != 0)
		snprintf(err, KN_ERRBUF_SIZE, "out of memory compiling the rules");
	e->n_bit_names = b.n_names;
	if (rc != 0) {
		kn_sig_engine_free(e);
		return NULL;
	}
	clock_gettime(CLOCK_MONOTONIC, &t1);
	e->st.seconds = (double)(t1.tv_sec - t0.tv_sec) + (double)(t1.tv_nsec - t0.tv_nsec) / 1e9;
	if (st)
		*st = e->st;
	return e;
}

void kn_sig_engine_free(struct kn_sig_engine *e)
{
	if (!e)
		return;
	for (uint32_t i = 0; i < e->n_rules; i++)
		for (unsigned l = 0; l < e->rules[i].n_lists; l++)
			for (unsigned j = 0; j < e->rules[i].lists[l].n; j++)
				if (e->rules[i].lists[l].re[j])
					sig_pcre_put(e->rules[i].lists[l].re[j]);
	for (unsigned g = 0; g < SIG_PAYLOAD_GROUPS; g++)
		sig_group_free(&e->payload[g]);
	for (unsigned g = 0; g < KN_BUF_COUNT; g++)
		sig_group_free(&e->app[g]);
	kn_free(e->rules);
	kn_free(e->skip);
	kn_free(e->dev_first);
	kn_free(e->dev_rules);
	kn_free(e->aev);
	detect_arena_free(&e->arena);
	kn_free(e);
}

size_t kn_sig_engine_compiled(const struct kn_sig_engine *e)
{
	return e->n_rules;
}

const struct kn_ruleset *kn_sig_engine_rules(const struct kn_sig_engine *e)
{
	return e->rs;
}

const char *kn_sig_engine_skip_reason(const struct kn_sig_engine *e, size_t rule_index)
{
	return rule_index < e->st.rules ? e->skip[rule_index] : NULL;
}

int kn_sig_engine_fast_pattern(const struct kn_sig_engine *e, size_t rule_index,
			       const char **buffer, const uint8_t **bytes, uint32_t *len,
			       int *nocase)
{
	for (uint32_t i = 0; i < e->n_rules; i++) {
		const struct sig_rule *s = &e->rules[i];
		struct fp_pick pick;
		int buf = KN_RULE_BUF_PAYLOAD;
		if (s->index != rule_index)
			continue;
		if (s->kind == SIG_DEV || s->kind == SIG_AEV || !fast_pattern(s, &buf, &pick))
			return 0;
		*buffer = buf == KN_RULE_BUF_PAYLOAD ? "payload" : kn_app_buffer_name((unsigned)buf);
		*bytes = pick.bytes;
		*len = pick.len;
		*nocase = pick.nocase;
		return 1;
	}
	return 0;
}
