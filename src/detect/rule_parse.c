/*
 * rule_parse.c - reads rules files: lines joined at a trailing backslash,
 * comments and blank lines skipped, then each rule's header (action,
 * protocol, addresses, ports, direction) and its options, handed one by one
 * to the keyword table (keywords.c). A rule that fails is recorded with the
 * physical line and column of the fault, the keyword and a fix; the rest of
 * the file goes on. Lengths are bounded (KN_RULE_MAX_*), every scan is
 * linear, and nothing here trusts a byte of the file.
 */
#include <stdio.h>
#include <string.h>

#include "detect/detect_int.h"
#include "util/alloc.h"

#define MAX_SEGMENTS 4096        /* physical lines of one rule */

/* Where the bytes of a joined rule came from. */
struct seg {
	size_t start;            /* offset in the joined text */
	uint32_t line;           /* physical line */
};

struct joined {
	char *text;
	size_t len;
	struct seg segs[MAX_SEGMENTS];
	unsigned n_segs;
	uint32_t first_line;     /* physical line the rule starts on */
	int too_long;            /* KN_RULE_MAX_LEN or MAX_SEGMENTS exceeded */
};

static const struct {
	const char *name;
	uint8_t ipproto, app;
} protos[] = {
	{ "ip", 0, 0 }, { "ipv4", 0, 0 }, { "ip4", 0, 0 }, { "ipv6", 0, 0 }, { "ip6", 0, 0 },
	{ "tcp", 6, 0 }, { "udp", 17, 0 }, { "icmp", 1, 0 }, { "icmpv4", 1, 0 },
	{ "icmpv6", 58, 0 }, { "sctp", 132, 0 }, { "pkthdr", 0, 0 }, { "tcp-pkt", 6, 0 },
	{ "tcp-stream", 6, 0 }, { "http", 6, 1 }, { "http1", 6, 1 }, { "http2", 6, 1 },
	{ "ftp", 6, 1 }, { "ftp-data", 6, 1 }, { "tls", 6, 1 }, { "ssl", 6, 1 },
	{ "smb", 6, 1 }, { "dcerpc", 0, 1 }, { "dns", 0, 1 }, { "smtp", 6, 1 },
	{ "imap", 6, 1 }, { "pop3", 6, 1 }, { "ssh", 6, 1 }, { "dhcp", 17, 1 },
	{ "nfs", 0, 1 }, { "ntp", 17, 1 }, { "tftp", 17, 1 }, { "krb5", 0, 1 },
	{ "ike", 17, 1 }, { "ikev2", 17, 1 }, { "snmp", 17, 1 }, { "sip", 0, 1 },
	{ "rfb", 6, 1 }, { "mqtt", 6, 1 }, { "rdp", 6, 1 }, { "enip", 0, 1 },
	{ "dnp3", 6, 1 }, { "modbus", 6, 1 }, { "quic", 17, 1 }, { "bittorrent-dht", 17, 1 },
	{ "telnet", 6, 1 }, { "pgsql", 6, 1 }, { "websocket", 6, 1 }, { "ldap", 0, 1 },
	{ "irc", 6, 1 },
};

static const char *const actions[] = {
	[KN_RULE_ALERT] = "alert", [KN_RULE_PASS] = "pass", [KN_RULE_DROP] = "drop",
	[KN_RULE_REJECT] = "reject", [KN_RULE_REJECTSRC] = "rejectsrc",
	[KN_RULE_REJECTDST] = "rejectdst", [KN_RULE_REJECTBOTH] = "rejectboth",
	[KN_RULE_CONFIG] = "config",
};

/* ------------------------------------------------------------ errors */

static int add_error(struct kn_ruleset *rs, const char *file, uint32_t line, uint32_t col,
		     const char *kw, const char *msg, uint32_t sid)
{
	rs->n_errs_total++;
	if (rs->n_errs >= 100000)
		return 0;
	if (rs->n_errs == rs->cap_errs) {
		size_t cap = rs->cap_errs ? rs->cap_errs * 2 : 64;
		struct kn_rule_error *nv = kn_realloc_array(rs->errs, cap, sizeof *nv);
		if (!nv)
			return -KN_ENOMEM;
		rs->errs = nv;
		rs->cap_errs = cap;
	}
	const char *k = detect_strndup(&rs->arena, kw, strlen(kw));
	const char *m = detect_strndup(&rs->arena, msg, strlen(msg));
	if (!k || !m)
		return -KN_ENOMEM;
	rs->errs[rs->n_errs++] = (struct kn_rule_error){ file, line, col, k, m, sid };
	return 0;
}

static void locate(const struct joined *j, size_t off, uint32_t *line, uint32_t *col)
{
	unsigned i = j->n_segs ? j->n_segs - 1 : 0;
	while (i > 0 && j->segs[i].start > off)
		i--;
	*line = j->n_segs ? j->segs[i].line : j->first_line;
	*col = (uint32_t)(off - (j->n_segs ? j->segs[i].start : 0)) + 1;
}

/* Best effort: the sid of a failed rule, for the report. */
static uint32_t find_sid(const char *s, size_t len)
{
	for (size_t i = 1; i + 4 < len; i++) {
		if (memcmp(s + i, "sid", 3) != 0 || !(s[i - 1] == ' ' || s[i - 1] == ';' ||
						     s[i - 1] == '(' || s[i - 1] == '\t'))
			continue;
		size_t k = i + 3;
		while (k < len && (s[k] == ' ' || s[k] == '\t'))
			k++;
		if (k >= len || s[k] != ':')
			continue;
		uint64_t v = 0;
		for (k++; k < len && s[k] == ' '; k++)
			;
		for (; k < len && s[k] >= '0' && s[k] <= '9' && v < 0xffffffffu; k++)
			v = v * 10 + (uint64_t)(s[k] - '0');
		return v <= 0xffffffffu ? (uint32_t)v : 0;
	}
	return 0;
}

/* ---------------------------------------------------------------- header */

struct hdr_err {
	size_t off;
	const char *part;
	char msg[320];
};

/* The next header token: ends at whitespace or '(' outside brackets. */
static int next_token(const char *s, size_t len, size_t *pos, size_t *start, size_t *tlen)
{
	size_t i = *pos;
	while (i < len && (s[i] == ' ' || s[i] == '\t'))
		i++;
	*start = i;
	int depth = 0;
	for (; i < len; i++) {
		if (s[i] == '[')
			depth++;
		else if (s[i] == ']')
			depth--;
		else if (depth <= 0 && (s[i] == ' ' || s[i] == '\t' || s[i] == '('))
			break;
	}
	*tlen = i - *start;
	*pos = i;
	return depth > 0 ? -1 : *tlen > 0;
}

static int parse_action(struct kn_rule *r, const char *s, size_t n, struct hdr_err *e)
{
	for (unsigned i = 0; i < sizeof actions / sizeof actions[0]; i++)
		if (kw_is(s, n, actions[i])) {
			r->action = (uint8_t)i;
			return 0;
		}
	snprintf(e->msg, sizeof e->msg, "'%.*s' is not an action: use alert, pass, drop, "
		 "reject, rejectsrc, rejectdst, rejectboth or config", (int)(n > 40 ? 40 : n), s);
	return -KN_EINVAL;
}

static int parse_proto(struct kn_rule *r, const char *s, size_t n, struct hdr_err *e)
{
	char low[24];
	for (size_t i = 0; i < n && i < sizeof low - 1; i++)
		low[i] = (char)(s[i] >= 'A' && s[i] <= 'Z' ? s[i] + 32 : s[i]);
	for (unsigned i = 0; n < sizeof low && i < sizeof protos / sizeof protos[0]; i++)
		if (kw_is(low, n, protos[i].name)) {
			r->proto = protos[i].name;
			r->ipproto = protos[i].ipproto;
			r->app = protos[i].app;
			return 0;
		}
	snprintf(e->msg, sizeof e->msg, "'%.*s' is not a protocol: use ip, tcp, udp, icmp or "
		 "an application protocol (http, dns, tls, ssh, smtp, smb, ftp, dhcp, ...)",
		 (int)(n > 40 ? 40 : n), s);
	return -KN_EINVAL;
}

static int parse_set(struct kn_ruleset *rs, struct kn_rule *r, int which, const char *s,
		     size_t n, size_t off, struct hdr_err *e)
{
	static const char *const parts[] = { "source address", "source port",
					     "destination address", "destination port" };
	size_t pos = 0;
	char why[256];
	int rc;
	if (which == 0 || which == 2)
		rc = detect_parse_addrs(rs->vars, &rs->arena, s, n, which ? &r->dst : &r->src,
					why, sizeof why, &pos);
	else
		rc = detect_parse_ports(rs->vars, &rs->arena, s, n,
					which == 3 ? &r->dport : &r->sport, why, sizeof why, &pos);
	if (rc == -KN_EINVAL) {
		e->off = off + (pos < n ? pos : 0);
		snprintf(e->msg, sizeof e->msg, "%s: %s", parts[which], why);
	}
	return rc;
}

/* Action to destination port; *opts_at is set to the offset of '('. */
static int parse_header(struct kn_ruleset *rs, struct kn_rule *r, const char *s, size_t len,
			size_t *opts_at, struct hdr_err *e)
{
	size_t pos = 0, st[7], tl[7];
	int rc = 0;
	for (int i = 0; i < 7; i++) {
		int got = next_token(s, len, &pos, &st[i], &tl[i]);
		if (got < 0) {
			e->off = st[i];
			snprintf(e->msg, sizeof e->msg, "'[' is not closed by ']' in the header: "
				 "close the group");
			return -KN_EINVAL;
		}
		if (!got) {
			e->off = pos;
			snprintf(e->msg, sizeof e->msg, "the header ends early: a rule is 'action "
				 "proto src_addr src_port -> dst_addr dst_port (options)'");
			return -KN_EINVAL;
		}
	}
	e->off = st[0];
	rc = parse_action(r, s + st[0], tl[0], e);
	if (rc == 0 && (e->off = st[1], 1))
		rc = parse_proto(r, s + st[1], tl[1], e);
	if (rc == 0) {
		e->off = st[4];
		if (kw_is(s + st[4], tl[4], "<>"))
			r->bidir = 1;
		else if (!kw_is(s + st[4], tl[4], "->")) {
			snprintf(e->msg, sizeof e->msg, "'%.*s' is not a direction: use -> or <>",
				 (int)(tl[4] > 20 ? 20 : tl[4]), s + st[4]);
			rc = -KN_EINVAL;
		}
	}
	static const int map[4] = { 2, 3, 5, 6 };
	for (int k = 0; rc == 0 && k < 4; k++) {
		e->off = st[map[k]];
		rc = parse_set(rs, r, k, s + st[map[k]], tl[map[k]], st[map[k]], e);
	}
	if (rc)
		return rc;
	while (pos < len && (s[pos] == ' ' || s[pos] == '\t'))
		pos++;
	if (pos >= len || s[pos] != '(') {
		e->off = pos;
		snprintf(e->msg, sizeof e->msg, "expected '(' and the options after the "
			 "destination port");
		return -KN_EINVAL;
	}
	*opts_at = pos;
	return 0;
}

/* --------------------------------------------------------------- options */

struct opt_err {
	size_t off;
	char kw[48];
};

static int push_opt(struct rule_ctx *c, struct kn_rule_opt **o)
{
	struct kn_ruleset *rs = c->rs;
	if (c->n_opts >= KN_RULE_MAX_OPTIONS)
		return kw_fail(c, "more than %d options in one rule", KN_RULE_MAX_OPTIONS);
	if (c->n_opts == rs->cap_opts) {
		size_t cap = rs->cap_opts ? rs->cap_opts * 2 : 64;
		struct kn_rule_opt *nv = kn_realloc_array(rs->tmp_opts, cap, sizeof *nv);
		if (!nv)
			return -KN_ENOMEM;
		rs->tmp_opts = nv;
		rs->cap_opts = cap;
	}
	*o = &rs->tmp_opts[c->n_opts];
	memset(*o, 0, sizeof **o);
	return 0;
}

/* One option: name [: value] ; -- value ends at the first ';' not escaped by '\'. */
static int parse_option(struct rule_ctx *c, const char *s, size_t len, size_t *pos,
			struct opt_err *e)
{
	size_t i = *pos, ns = i;
	while (i < len && s[i] != ':' && s[i] != ';' && s[i] != ' ' && s[i] != '\t')
		i++;
	size_t nl = i - ns;
	snprintf(e->kw, sizeof e->kw, "%.*s", (int)(nl > 40 ? 40 : nl), s + ns);
	e->off = ns;
	c->kw = e->kw;
	while (i < len && (s[i] == ' ' || s[i] == '\t'))
		i++;
	const char *arg = NULL;
	size_t alen = 0;
	if (i < len && s[i] == ':') {
		size_t as = ++i;
		while (i < len && s[i] != ';')
			i += (s[i] == '\\' && i + 1 < len) ? 2 : 1;
		arg = s + as;
		alen = i - as;
	}
	if (i >= len || s[i] != ';')
		return kw_fail(c, "option '%s' is not ended by ';' (a ';' inside a value "
			       "must be written \\; or |3B|)", e->kw);
	*pos = i + 1;
	if (nl == 0)
		return kw_fail(c, "empty option: two ';' in a row or a ':' without a keyword");
	int kw = detect_keyword_lookup(c->rs, s + ns, nl);
	if (kw < 0)
		return kw_fail(c, "unknown keyword '%s': kenchi does not know it (check the "
			       "spelling, or remove it to load the rule)", e->kw);
	const struct kn_keyword *k = detect_keyword((unsigned)kw);
	if (arg)
		kw_trim(&arg, &alen);
	if ((k->flags & KW_NOARG) && arg && alen)
		return kw_fail(c, "'%s' takes no value: write '%s;'", k->name, k->name);
	if ((k->flags & KW_ARG) && (!arg || !alen))
		return kw_fail(c, "'%s' needs a value: %s", k->name, k->usage ? k->usage : "");
	struct kn_rule_opt *o = NULL;
	int rc = push_opt(c, &o);
	if (rc)
		return rc;
	o->kw = (uint16_t)kw;
	o->buffer = (int16_t)c->cur_buffer;
	o->column = (uint32_t)ns;    /* offset for now; made a column by the caller */
	if (arg && alen && !(o->text = detect_strndup(&c->rs->arena, arg, alen)))
		return -KN_ENOMEM;
	if (!c->rs->kw_seen[kw]) {
		c->rs->kw_seen[kw] = 1;
		c->rs->kw_rules[kw]++;
	}
	c->n_opts++;
	rc = k->parse(c, o, arg, arg ? alen : 0);
	if (rc == 0 && !(k->flags & KW_SUPPORTED))
		c->rule->unsupported++;
	return rc;
}

static int parse_options(struct rule_ctx *c, const char *s, size_t len, size_t pos,
			 struct opt_err *e)
{
	pos++;                       /* '(' */
	for (;;) {
		while (pos < len && (s[pos] == ' ' || s[pos] == '\t'))
			pos++;
		if (pos >= len) {
			e->off = len;
			snprintf(e->kw, sizeof e->kw, ")");
			c->kw = e->kw;
			return kw_fail(c, "the options are not closed by ')'");
		}
		if (s[pos] == ')')
			break;
		int rc = parse_option(c, s, len, &pos, e);
		if (rc)
			return rc;
	}
	size_t end = pos + 1;
	while (end < len && (s[end] == ' ' || s[end] == '\t'))
		end++;
	if (end < len) {
		e->off = end;
		snprintf(e->kw, sizeof e->kw, ")");
		c->kw = e->kw;
		return kw_fail(c, "text after the closing ')': one rule per line, or end a "
			       "line with '\\' to continue the rule");
	}
	return 0;
}

/* ------------------------------------------------------------ one rule */

/* The sid: registered last, once nothing else can fail. */
static int register_sid(struct rule_ctx *c)
{
	struct kn_rule *r = c->rule;
	uint32_t prev;
	int rc = detect_sid_add(c->rs, r->gid, r->sid, (uint32_t)c->rs->n_rules, &prev);
	if (rc <= 0)
		return rc;
	/* as Suricata: a higher rev replaces the earlier rule */
	if (r->rev <= c->rs->rules[prev].rev)
		return kw_fail(c, "sid %u (gid %u) is already used by an earlier rule with "
			       "rev %u: give this rule its own sid or a higher rev", r->sid,
			       r->gid, c->rs->rules[prev].rev);
	c->replaces = prev;
	return 0;
}

static int finish_rule(struct rule_ctx *c)
{
	struct kn_rule *r = c->rule;
	struct kn_ruleset *rs = c->rs;
	c->kw = "sid";
	if (r->sid == 0)
		return kw_fail(c, "the rule has no sid: add 'sid:<number>;' (every rule "
			       "needs a unique signature id)");
	if (r->priority == 0) {
		const struct detect_class *cl =
			r->classtype ? detect_class_find(rs, r->classtype, strlen(r->classtype))
				     : NULL;
		r->priority = cl ? cl->priority : 3;
	}
	if (!r->msg)
		r->msg = "";
	struct kn_rule_opt *opts = detect_alloc(&rs->arena, c->n_opts * sizeof *opts);
	const char **vars = detect_alloc(&rs->arena, c->n_byte_vars * sizeof *vars);
	struct kn_rule_reference *refs = detect_alloc(&rs->arena, c->n_refs * sizeof *refs);
	if (!opts || !vars || !refs)
		return -KN_ENOMEM;
	memcpy(opts, rs->tmp_opts, c->n_opts * sizeof *opts);
	memcpy(vars, c->byte_vars, c->n_byte_vars * sizeof *vars);
	if (c->n_refs)
		memcpy(refs, c->refs, c->n_refs * sizeof *refs);
	r->opts = opts;
	r->n_opts = (uint32_t)c->n_opts;
	r->byte_vars = vars;
	r->n_byte_vars = c->n_byte_vars;
	r->refs = refs;
	r->n_refs = c->n_refs;
	return register_sid(c);
}

/* Offset of the sid option of the rule being parsed (0 when none). */
static size_t sid_offset(const struct rule_ctx *c)
{
	int sid = kn_rule_keyword_by_name("sid");
	for (size_t i = 0; i < c->n_opts; i++)
		if (c->rs->tmp_opts[i].kw == sid)
			return c->rs->tmp_opts[i].column;
	return 0;
}

/* Room for one more rule (and its pool and text hash). */
static int reserve_rule(struct kn_ruleset *rs)
{
	if (rs->n_rules < rs->cap_rules)
		return 0;
	size_t cap = rs->cap_rules ? rs->cap_rules * 2 : 256;
	struct kn_rule *nv = kn_realloc_array(rs->rules, cap, sizeof *nv);
	if (nv)
		rs->rules = nv;
	struct detect_pool **np = kn_realloc_array(rs->rule_pool, cap, sizeof *np);
	if (np)
		rs->rule_pool = np;
	uint64_t(*nh)[2] = kn_realloc_array(rs->text_hash, cap, sizeof *nh);
	if (nh)
		rs->text_hash = nh;
	if (!nv || !np || !nh)
		return -KN_ENOMEM;
	rs->cap_rules = cap;
	return 0;
}

/* The rule's text hash (ruleset_reuse.c): its text and line splits. */
static void text_hash(const struct joined *j, uint64_t h[2])
{
	size_t starts[MAX_SEGMENTS];
	for (unsigned i = 0; i < j->n_segs; i++)
		starts[i] = j->segs[i].start;
	detect_text_hash(j->text, j->len, starts, j->n_segs, h);
}

/* Parses one joined rule (or takes it unchanged from the set being
 * replaced). 0 loaded, -KN_EINVAL recorded as an error, -KN_ENOMEM. */
static int parse_rule(struct kn_ruleset *rs, const char *file, const struct joined *j,
		      struct kn_rules_file_stats *st)
{
	struct kn_rule r = { .gid = 1 };
	struct rule_ctx c = { .rs = rs, .rule = &r, .cur_buffer = KN_RULE_BUF_PAYLOAD,
			      .last_content = -1, .last_payload = -1, .replaces = -1 };
	struct hdr_err he = { 0 };
	struct opt_err oe = { 0 };
	const char *kw = "header", *msg = he.msg;
	size_t off = 0, opts_at = 0;
	int rc;
	if ((rc = reserve_rule(rs)) != 0)     /* room first: a registered sid has its rule */
		return rc;
	memset(rs->kw_seen, 0, kn_rule_keyword_count());
	uint64_t h[2];
	text_hash(j, h);
	if (!j->too_long) {
		uint32_t line, col;
		locate(j, 0, &line, &col);
		if ((rc = detect_reuse_rule(rs, h, file, line)) <= 0) {
			st->loaded += rc == 0;
			st->unsupported += rc == 0 && rs->rules[rs->n_rules - 1].unsupported > 0;
			return rc;
		}
	}
	if (j->too_long) {
		rc = -KN_EINVAL;
		snprintf(he.msg, sizeof he.msg, "the rule is longer than %u bytes or %u lines; "
			 "split it or check for a missing line end", KN_RULE_MAX_LEN, MAX_SEGMENTS);
	} else if (memchr(j->text, '\0', j->len)) {
		rc = -KN_EINVAL;
		off = (size_t)((const char *)memchr(j->text, '\0', j->len) - j->text);
		snprintf(he.msg, sizeof he.msg, "NUL byte in the rule: rules are text");
	} else {
		rc = parse_header(rs, &r, j->text, j->len, &opts_at, &he);
		off = he.off;
		if (rc == 0) {
			rc = parse_options(&c, j->text, j->len, opts_at, &oe);
			off = oe.off;
			if (rc == 0) {
				rc = finish_rule(&c);
				off = sid_offset(&c);
			}
			kw = c.kw ? c.kw : "";
			msg = c.msg;
		}
	}
	kn_free(c.refs);
	if (rc == -KN_ENOMEM)
		return rc;
	if (rc) {
		uint32_t line, col;
		locate(j, off, &line, &col);
		st->failed++;
		return add_error(rs, file, line, col, kw, msg, find_sid(j->text, j->len));
	}
	for (uint32_t i = 0; i < r.n_opts; i++) {
		uint32_t line, col;
		locate(j, ((struct kn_rule_opt *)r.opts)[i].column, &line, &col);
		((struct kn_rule_opt *)r.opts)[i].column = col;
	}
	r.file = file;
	locate(j, 0, &r.line, &(uint32_t){ 0 });
	size_t at = c.replaces >= 0 ? (size_t)c.replaces : rs->n_rules++;
	rs->rules[at] = r;
	rs->rule_pool[at] = rs->pool;
	memcpy(rs->text_hash[at], h, sizeof h);
	st->replaced += c.replaces >= 0;
	st->loaded++;
	st->unsupported += r.unsupported > 0;
	return 0;
}

/* ------------------------------------------------------------- files */

static int is_blank_or_comment(const char *s, size_t n)
{
	size_t i = 0;
	while (i < n && (s[i] == ' ' || s[i] == '\t'))
		i++;
	return i == n || s[i] == '#';
}

static void join_add(struct joined *j, const char *s, size_t n, uint32_t line)
{
	if (j->n_segs >= MAX_SEGMENTS || j->len + n > KN_RULE_MAX_LEN) {
		j->too_long = 1;
		return;
	}
	j->segs[j->n_segs++] = (struct seg){ j->len, line };
	memcpy(j->text + j->len, s, n);
	j->len += n;
}

int kn_ruleset_load_mem(struct kn_ruleset *rs, const char *name, const char *data,
			size_t len, struct kn_rules_file_stats *st, char *err)
{
	struct kn_rules_file_stats dummy;
	st = st ? st : &dummy;
	memset(st, 0, sizeof *st);
	const char *file = detect_strndup(&rs->arena, name, strlen(name));
	struct joined *j = kn_calloc(1, sizeof *j);
	char *text = kn_malloc(KN_RULE_MAX_LEN + 1);
	int rc = 0, in_rule = 0;
	if (!file || !j || !text) {
		rc = -KN_ENOMEM;
		goto fail;
	}
	j->text = text;
	for (size_t p = 0; p < len;) {
		const char *s = data + p, *e = memchr(s, '\n', len - p);
		size_t n = e ? (size_t)(e - s) : len - p;
		p += n + 1;
		st->lines++;
		if (n && s[n - 1] == '\r')
			n--;
		if (!in_rule && is_blank_or_comment(s, n))
			continue;
		int more = n && s[n - 1] == '\\';
		if (!in_rule) {
			j->len = 0;
			j->n_segs = 0;
			j->too_long = 0;
			j->first_line = (uint32_t)st->lines;
			in_rule = 1;
		}
		join_add(j, s, n - (size_t)more, (uint32_t)st->lines);
		if (more && p < len)
			continue;
		in_rule = 0;
		st->rules++;
		if ((rc = parse_rule(rs, file, j, st)) != 0)
			goto fail;
	}
	kn_free(text);
	kn_free(j);
	return 0;
fail:
	kn_free(text);
	kn_free(j);
	if (err)
		snprintf(err, KN_ERRBUF_SIZE, "%s: out of memory loading rules", name);
	return rc;
}

int kn_ruleset_load_file(struct kn_ruleset *rs, const char *path,
			 struct kn_rules_file_stats *st, char *err)
{
	FILE *f = fopen(path, "rb");
	if (!f) {
		snprintf(err, KN_ERRBUF_SIZE, "%s: cannot open the rules file", path);
		return -KN_EIO;
	}
	size_t cap = 1 << 20, n = 0;
	char *buf = kn_malloc(cap);
	int rc = buf ? 0 : -KN_ENOMEM;
	while (rc == 0) {
		if (n == cap) {
			char *nb = cap >= KN_RULE_MAX_FILE ? NULL : kn_realloc_array(buf, cap * 2, 1);
			if (!nb) {
				rc = cap >= KN_RULE_MAX_FILE ? -KN_EFORMAT : -KN_ENOMEM;
				break;
			}
			buf = nb;
			cap *= 2;
		}
		size_t got = fread(buf + n, 1, cap - n, f);
		n += got;
		if (got == 0)
			rc = ferror(f) ? -KN_EIO : 1;
	}
	fclose(f);
	if (rc == 1)
		rc = kn_ruleset_load_mem(rs, path, buf, n, st, err);
	else
		snprintf(err, KN_ERRBUF_SIZE, "%s: %s", path,
			 rc == -KN_EFORMAT ? "larger than 512 MiB: not a rules file"
			 : rc == -KN_EIO ? "read error" : "out of memory");
	kn_free(buf);
	return rc;
}
