/*
 * sig_match.c - the signature engine's per-worker path: a packet or a
 * transaction is scanned with the prefilter databases of its groups, the
 * candidate rules (plus the group's rules without a fast pattern) are put
 * in evaluation order and each is checked fully: protocol, flow keyword,
 * addresses and ports, header keywords, flowbits, then its inspection
 * lists (inspect.c). A match applies its flowbits and, unless noalert or a
 * threshold holds it back, is reported as an alert.
 *
 * Packet rules see the transport payload of each packet (for TCP, each
 * segment as captured); transaction rules see a complete transaction's
 * buffers, every value of a multi-valued buffer (DNS queries) in turn, and
 * a rule on a buffer of both sides (ssh.software) reads each side apart.
 * At most packet_alert_max alerts are reported per packet or transaction.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "detect/sig_int.h"
#include "util/alloc.h"

/* ----------------------------------------------------------- sets */

static inline int range_cmp(const uint8_t *a, const uint8_t *b, unsigned n)
{
	if (n == 4) {   /* IPv4: one big-endian word */
		uint32_t x = (uint32_t)a[0] << 24 | (uint32_t)a[1] << 16 | (uint32_t)a[2] << 8 | a[3];
		uint32_t y = (uint32_t)b[0] << 24 | (uint32_t)b[1] << 16 | (uint32_t)b[2] << 8 | b[3];
		return (x > y) - (x < y);
	}
	return memcmp(a, b, n);
}

int sig_addr_in(const struct kn_rule_addrs *set, const struct kn_addr *a, unsigned ip_version)
{
	if (set->any)
		return 1;
	unsigned fam = ip_version == 6 ? 6 : 4, n = fam == 6 ? 16 : 4;
	size_t lo = 0, hi = set->n;
	/* ranges are sorted by family, then start: binary search the last
	 * range of this family starting at or before a */
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		const struct kn_rule_iprange *r = &set->v[mid];
		if (r->family < fam || (r->family == fam && range_cmp(r->lo, a->b, n) <= 0))
			lo = mid + 1;
		else
			hi = mid;
	}
	if (lo == 0)
		return 0;
	const struct kn_rule_iprange *r = &set->v[lo - 1];
	return r->family == fam && range_cmp(a->b, r->hi, n) <= 0;
}

int sig_port_in(const struct kn_rule_ports *set, uint16_t port)
{
	if (set->any)
		return 1;
	size_t lo = 0, hi = set->n;
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		if (set->v[mid].lo <= port)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo > 0 && port <= set->v[lo - 1].hi;
}

/* src -> dst (and the reverse for <> rules) against the rule header. */
static int header_ok(const struct kn_rule *r, const struct kn_addr *src, const struct kn_addr *dst,
		     uint16_t sport, uint16_t dport, unsigned ipv, int ports)
{
	int fwd = sig_addr_in(&r->src, src, ipv) && sig_addr_in(&r->dst, dst, ipv) &&
		  (!ports || (sig_port_in(&r->sport, sport) && sig_port_in(&r->dport, dport)));
	if (fwd || !r->bidir)
		return fwd;
	return sig_addr_in(&r->src, dst, ipv) && sig_addr_in(&r->dst, src, ipv) &&
	       (!ports || (sig_port_in(&r->sport, dport) && sig_port_in(&r->dport, sport)));
}

/* ------------------------------------------------------ header keywords */

static int num_ok(const struct kn_rule_num *n, uint64_t v)
{
	switch (n->op) {
	case KN_CMP_EQ: return v == n->a;
	case KN_CMP_NE: return v != n->a;
	case KN_CMP_LT: return v < n->a;
	case KN_CMP_GT: return v > n->a;
	case KN_CMP_LE: return v <= n->a;
	case KN_CMP_GE: return v >= n->a;
	case KN_CMP_RANGE: return v > n->a && v < n->b;
	}
	return 0;
}

static int mask_ok(const struct kn_rule_bitmask *m, uint8_t v)
{
	v &= (uint8_t)~m->ignore;
	switch (m->mod) {
	case '+': return (v & m->bits) == m->bits;
	case '*': return (v & m->bits) != 0 || m->bits == 0;
	case '!': return (v & m->bits) == 0;
	default: return v == m->bits;
	}
}

/* IPv4 options present (by Suricata's names) in the header at l3. */
static int ipopt_ok(const struct kn_packet *p, const char *want)
{
	static const struct { const char *name; uint8_t type; } map[] = {
		{ "eol", 0 }, { "nop", 1 }, { "rr", 7 }, { "ts", 68 }, { "sec", 130 },
		{ "esec", 133 }, { "lsrr", 131 }, { "lsrre", 131 }, { "ssrr", 137 },
		{ "satid", 136 },
	};
	if (p->ip_version != 4 || p->l3_off + 20 > p->caplen)
		return 0;
	const uint8_t *ip = p->data + p->l3_off;
	unsigned hl = (ip[0] & 15u) * 4u;
	if (hl <= 20 || p->l3_off + hl > p->caplen)
		return 0;
	for (unsigned i = 20; i < hl;) {
		uint8_t t = ip[i];
		if (!strcmp(want, "any"))
			return 1;
		for (size_t k = 0; k < sizeof map / sizeof map[0]; k++)
			if (map[k].type == t && !strcmp(map[k].name, want))
				return 1;
		if (t == 0)
			break;
		if (t == 1) {
			i++;
			continue;
		}
		if (i + 1 >= hl || ip[i + 1] < 2)
			break;
		i += ip[i + 1];
	}
	return 0;
}

static int ip_field(const struct kn_packet *p, unsigned off, unsigned n, uint32_t *v)
{
	if (p->ip_version != 4 || p->l3_off + off + n > p->caplen)
		return 0;
	const uint8_t *b = p->data + p->l3_off + off;
	*v = n == 1 ? b[0] : (uint32_t)b[0] << 8 | b[1];
	return 1;
}

static int icmp_echo_field(const struct kn_packet *p, unsigned off, uint32_t *v)
{
	if ((p->proto != 1 && p->proto != 58) || p->l4_off + 8 > p->caplen)
		return 0;
	int echo = p->proto == 1 ? (p->icmp_type == 0 || p->icmp_type == 8)
				 : (p->icmp_type == 128 || p->icmp_type == 129);
	if (!echo)
		return 0;
	const uint8_t *b = p->data + p->l4_off + off;
	*v = (uint32_t)b[0] << 8 | b[1];
	return 1;
}

static int hdr_one(const struct kn_sig_ctx *c, const struct sig_hdr *h, const struct kn_packet *p)
{
	const struct kn_rule_opt *o = h->o;
	uint32_t v = 0;
	int tcp = p->proto == 6, icmp = p->proto == 1 || p->proto == 58;

	switch (h->kind) {
	case SIG_H_TTL: return p->ip_version && num_ok(&o->u.num, p->ttl);
	case SIG_H_ID: return ip_field(p, 4, 2, &v) && num_ok(&o->u.num, v);
	case SIG_H_IPOPTS: return ipopt_ok(p, o->u.str);
	case SIG_H_FRAGBITS: return ip_field(p, 6, 1, &v) && mask_ok(&o->u.mask, (uint8_t)(v & 0xe0));
	case SIG_H_FLAGS: return tcp && mask_ok(&o->u.mask, p->tcp.flags);
	case SIG_H_SEQ: return tcp && num_ok(&o->u.num, p->tcp.seq);
	case SIG_H_ACK: return tcp && num_ok(&o->u.num, p->tcp.ack);
	case SIG_H_WINDOW: return tcp && num_ok(&o->u.num, p->tcp.window);
	case SIG_H_ITYPE: return icmp && num_ok(&o->u.num, p->icmp_type);
	case SIG_H_ICODE: return icmp && num_ok(&o->u.num, p->icmp_code);
	case SIG_H_ICMP_ID: return icmp_echo_field(p, 4, &v) && num_ok(&o->u.num, v);
	case SIG_H_ICMP_SEQ: return icmp_echo_field(p, 6, &v) && num_ok(&o->u.num, v);
	case SIG_H_DSIZE:
		/* "not equal" needs a payload (Suricata: dsize:!9 skips empty packets) */
		if (o->u.num.op == KN_CMP_NE && !p->payload_len)
			return 0;
		return num_ok(&o->u.num, p->payload_len);
	case SIG_H_TCPV4_CSUM: case SIG_H_TCPV6_CSUM:
		/* TCP checksums are not validated unless asked (-k all): a TCP
		 * packet then counts as valid, as Suricata's with -k none */
		if (!c->cfg.tcp_checksums)
			return tcp && p->ip_version == (h->kind == SIG_H_TCPV4_CSUM ? 4 : 6) && h->want;
		return sig_csum_ok(h, p);
	default: return sig_csum_ok(h, p);
	}
}

/* ------------------------------------------------------------- flow */

/* TCP: the handshake was seen (a session picked up mid-stream is
 * established only with midstream pick-up on, as in Suricata with
 * stream.midstream, or async_oneside for a SYN/ACK first: without, Suricata
 * keeps no session for it). */
static int pickup_tracked(const struct kn_sig_ctx *c, const struct kn_flow *f)
{
	if (!kn_flow_tcp_pickup(f) || c->cfg.midstream)
		return 1;
	return c->cfg.async_oneside && !(f->flags & KN_FLOW_F_MIDSTREAM);
}

static int flow_established(const struct kn_sig_ctx *c, const struct kn_flow *f)
{
	if (f->key.proto == 6)
		return f->tcp_state >= KN_TCP_ESTABLISHED && pickup_tracked(c, f);
	return f->pkts[0] && f->pkts[1];
}

/* The flow keyword for data in direction dir (0 to server). */
static int flow_ok(const struct kn_sig_ctx *c, const struct sig_rule *s, const struct kn_flow *f,
		   int dir)
{
	uint32_t ff = s->flow_flags;
	if (!ff)
		return 1;
	if (!f)
		return (ff & (KN_RULE_FLOW_ESTABLISHED | KN_RULE_FLOW_TO_SERVER | KN_RULE_FLOW_TO_CLIENT)) == 0;
	if ((ff & KN_RULE_FLOW_ESTABLISHED) && !flow_established(c, f))
		return 0;
	if ((ff & KN_RULE_FLOW_NOT_ESTABLISHED) && flow_established(c, f))
		return 0;
	if ((ff & KN_RULE_FLOW_TO_SERVER) && dir != 0)
		return 0;
	if ((ff & KN_RULE_FLOW_TO_CLIENT) && dir != 1)
		return 0;
	return 1;
}

/* ------------------------------------------------------------ alerts */

void sig_matched(struct kn_sig_ctx *c, const struct sig_rule *s, struct kn_sig_alert *a,
		    const struct kn_addr *src, const struct kn_addr *dst)
{
	struct kn_flow *f = (struct kn_flow *)a->flow;   /* the sig slot is this stage's */

	if (f && s->n_bits)
		sig_flow_bits_apply(c, f, s);
	if (s->suppress &&
	    sig_suppressed(s, src, dst, a->pkt ? a->pkt->ip_version : f ? f->key.ip_version : 4)) {
		c->st.suppressed++;
		return;
	}
	if (s->rate && !sig_rate_pass(c, s, src, dst, a->ts_ns)) {
		c->st.suppressed++;
		return;
	}
	if (s->noalert || (s->threshold && !sig_threshold_pass(c, s, src, dst, a->ts_ns))) {
		c->st.suppressed++;
		return;
	}
	if (c->cfg.packet_alert_max && c->n_alerts >= c->cfg.packet_alert_max) {
		c->st.alert_overflow++;
		return;
	}
	c->n_alerts++;
	if (f)
		sig_flow_mark_alerted(c, f);
	a->rule = s->r;
	a->verdict = c->cfg.alert_verdict ? "alert" : NULL;
	a->category = s->category;
	c->st.alerts++;
	if (c->hooks.alert)
		c->hooks.alert(c->hooks.user, a);
}

/* packet_alert_max counts the alerts of one packet, its decoder-event
 * rules included: kn_sig_decoder() right after kn_sig_packet() on the same
 * packet goes on counting (cont), anything else starts again. */
void sig_alerts_begin(struct kn_sig_ctx *c, const struct kn_packet *p, int cont)
{
	if (!cont || c->alert_pkt != p)
		c->n_alerts = 0;
	c->alert_pkt = cont ? NULL : p;
}

/* -------------------------------------------------------- candidates */

struct scan_arg {
	struct kn_sig_ctx *c;
	const struct sig_group *g;
};

static void add_cand(struct kn_sig_ctx *c, uint32_t rule)
{
	if (c->stamp[rule] == c->gen)
		return;
	c->stamp[rule] = c->gen;
	c->cand[c->n_cand++] = rule;
}

static int on_hs_match(unsigned id, unsigned long long from, unsigned long long to,
		       unsigned flags, void *ctx)
{
	struct scan_arg *s = ctx;
	(void)from, (void)to, (void)flags;
	if (id >= s->g->n_pat)
		return 0;   /* a filler literal (sig_prefilter.c) */
	for (uint32_t i = s->g->pat_first[id]; i < s->g->pat_first[id + 1]; i++)
		add_cand(s->c, s->g->pat_rules[i]);
	return 0;
}

static void new_generation(struct kn_sig_ctx *c)
{
	c->n_cand = 0;
	if (++c->gen == 0) {
		memset(c->stamp, 0, c->e->n_rules * sizeof *c->stamp);
		c->gen = 1;
	}
}

static uint64_t now_ns(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

static void scan_group(struct kn_sig_ctx *c, const struct sig_group *g, const uint8_t *data,
		       uint32_t len, int with_always)
{
	struct scan_arg arg = { c, g };
	struct kn_sig_profile *prof = c->cfg.profile;
	if (g->db && len >= g->min_len) {
		uint64_t t0 = prof ? now_ns() : 0;
		hs_scan(g->db, (const char *)data, len, 0, c->scratch, on_hs_match, &arg);
		if (prof) {
			struct kn_sig_group_prof *gp = &prof->group[g->prof];
			gp->scans++;
			gp->bytes += len;
			gp->ns += now_ns() - t0;
		}
	}
	for (uint32_t i = 0; with_always && i < g->n_always; i++)
		add_cand(c, g->always[i]);
}

/* The classes of a payload group the packet needs (sig_ports.c): those
 * of its destination and source ports, and its flow's app protocol's
 * (looked up into *app_proto when the group has protocol classes). */
static void scan_classes(struct kn_sig_ctx *c, const struct sig_group *g,
			 const struct kn_packet *p, uint32_t plen, const char **app_proto)
{
	const uint8_t *data = p->data + p->payload_off;
	if (p->flags & KN_PKT_HAS_PORTS) {
		int32_t k = sig_pmap_class(&g->ports[0], p->dport);
		if (k >= 0)
			scan_group(c, &g->cls[k], data, plen, 0);
		if ((k = sig_pmap_class(&g->ports[1], p->sport)) >= 0)
			scan_group(c, &g->cls[k], data, plen, 0);
	}
	if (g->n_app && p->flow && !*app_proto)
		*app_proto = kn_app_proto_of(p->flow);
	for (unsigned a = 0; *app_proto && a < g->n_app; a++)
		if (!strcmp(*app_proto, g->app_name[a])) {
			scan_group(c, &g->cls[g->app_cls[a]], data, plen, 0);
			break;
		}
}

/* The group's address-indexed rules for the packet's addresses. */
static void scan_addresses(struct kn_sig_ctx *c, const struct sig_group *g,
			   const struct kn_packet *p)
{
	const uint32_t *v;
	uint32_t n;
	if (!g->n_indexed)
		return;
	n = sig_aidx_lookup(g->by_src, &p->src, p->ip_version, &v);
	for (uint32_t i = 0; i < n; i++)
		add_cand(c, v[i]);
	n = sig_aidx_lookup(g->by_dst, &p->dst, p->ip_version, &v);
	for (uint32_t i = 0; i < n; i++)
		add_cand(c, v[i]);
	if (!(p->flags & KN_PKT_HAS_PORTS))
		return;   /* port-indexed rules need ports (a rule with ports never matches without) */
	n = sig_aidx_port(g->by_dport, p->dport, &v);
	for (uint32_t i = 0; i < n; i++)
		add_cand(c, v[i]);
	n = sig_aidx_port(g->by_sport, p->sport, &v);
	for (uint32_t i = 0; i < n; i++)
		add_cand(c, v[i]);
}

static void profile_rule(struct kn_sig_ctx *c, const struct sig_rule *s, int ok, uint64_t t0)
{
	struct kn_sig_rule_prof *rp = &c->cfg.profile->rule[s->index];
	rp->checks++;
	rp->matches += ok != 0;
	rp->ns += now_ns() - t0;
}

static int u32_cmp(const void *a, const void *b)
{
	uint32_t x = *(const uint32_t *)a, y = *(const uint32_t *)b;
	return x < y ? -1 : x > y;
}

static void sort_cands(struct kn_sig_ctx *c)
{
	if (c->n_cand > 24) {
		qsort(c->cand, c->n_cand, sizeof *c->cand, u32_cmp);
	} else {   /* the usual few: insertion sort */
		for (uint32_t i = 1; i < c->n_cand; i++) {
			uint32_t v = c->cand[i], k = i;
			for (; k > 0 && c->cand[k - 1] > v; k--)
				c->cand[k] = c->cand[k - 1];
			c->cand[k] = v;
		}
	}
	c->st.candidates += c->n_cand;
}

static void begin_rule(struct kn_sig_ctx *c)
{
	memset(c->insp.vars, 0, sizeof c->insp.vars);
	c->insp.budget = SIG_INSPECT_BUDGET;
}

/* ---------------------------------------------------------- packets */

int sig_pkt_rule_ok(struct kn_sig_ctx *c, const struct sig_rule *s, const struct kn_packet *p,
		    uint32_t plen, const char *app_proto)
{
	const struct kn_flow *f = p->flow;
	if (s->ipproto && s->ipproto != p->proto)
		return 0;
	if (s->app && (!app_proto || strcmp(app_proto, s->app_proto) != 0))
		return 0;
	if (!flow_ok(c, s, f, p->dir))
		return 0;
	if (!header_ok(s->r, &p->src, &p->dst, p->sport, p->dport, p->ip_version,
		       (p->flags & KN_PKT_HAS_PORTS) != 0))
		return 0;
	for (unsigned i = 0; i < s->n_hdr; i++)
		if (!hdr_one(c, &s->hdr[i], p))
			return 0;
	if (s->n_bits && !sig_flow_bits_check(f, s))
		return 0;
	if (s->n_lists) {
		const struct sig_list *l = &s->lists[0];
		begin_rule(c);
		if (!plen || !sig_inspect_buffer(&c->insp, l->opts, l->re, l->n,
						 p->data + p->payload_off, plen))
			return 0;
	}
	return 1;
}

void kn_sig_packet(struct kn_sig_ctx *c, const struct kn_packet *p)
{
	if (!p->ip_version)
		return;
	unsigned t = p->proto == 6 ? SIG_T_TCP : p->proto == 17 ? SIG_T_UDP : SIG_T_OTHER;
	const struct sig_group *g = &c->e->payload[t * 2 + (p->dir ? 1 : 0)];

	c->st.packets++;
	sig_alerts_begin(c, p, 0);
	/* protocol-only rules: the protocol shows once the peer acknowledged it */
	const char *app_proto = NULL;
	int visible = 1, tcp_flow = p->flow && p->proto == 6;
	if (c->proto_only && tcp_flow) {
		app_proto = kn_app_proto_of(p->flow);
		visible = sig_flow_app_visible(c, p, app_proto);
	}
	/* an encrypted session's payload is left to the app layer: the packet
	 * is inspected as if it had none (asked on every packet: the peer's ACK
	 * ends the wait) */
	uint32_t plen = p->payload_len;
	if (tcp_flow && !c->cfg.encryption_full && sig_flow_encrypted(c, p) && plen) {
		plen = 0;
		c->st.encrypted++;
	}
	new_generation(c);
	scan_group(c, g, p->data + p->payload_off, plen, 1);
	if (g->n_cls && plen)
		scan_classes(c, g, p, plen, &app_proto);
	scan_addresses(c, g, p);
	if (!c->n_cand)
		return;
	sort_cands(c);
	if (p->flow && !app_proto)
		app_proto = kn_app_proto_of(p->flow);
	for (uint32_t i = 0; i < c->n_cand; i++) {
		const struct sig_rule *s = &c->e->rules[c->cand[i]];
		uint64_t t0 = c->cfg.profile ? now_ns() : 0;
		int hide = !visible && tcp_flow && s->app && !s->n_lists;
		int ok = sig_pkt_rule_ok(c, s, p, plen, hide ? NULL : app_proto);
		if (c->cfg.profile)
			profile_rule(c, s, ok, t0);
		if (!ok)
			continue;
		if (s->pass)
			return;
		struct kn_sig_alert a = {
			.flow = p->flow, .pkt = p, .app_proto = app_proto,
			.dir = p->dir, .ts_ns = p->ts_ns, .pcap_cnt = p->index,
		};
		sig_matched(c, s, &a, &p->src, &p->dst);
	}
}

/* ------------------------------------------------------- transactions */

/* Direction of the data in an app buffer: 1 for response-side buffers. */
static int buffer_dir(int buf)
{
	switch (buf) {
	case KN_BUF_HTTP_STAT_CODE: case KN_BUF_HTTP_STAT_MSG: case KN_BUF_HTTP_RESPONSE_HEADER:
	case KN_BUF_HTTP_RESPONSE_BODY: case KN_BUF_FILE_DATA: case KN_BUF_HTTP_SERVER:
	case KN_BUF_HTTP_RESPONSE_LINE: case KN_BUF_HTTP_LOCATION:
	case KN_BUF_TLS_CERT_SUBJECT: case KN_BUF_TLS_CERT_ISSUER: case KN_BUF_TLS_CERT_SERIAL:
	case KN_BUF_TLS_CERT_FINGERPRINT: case KN_BUF_JA3S_HASH: case KN_BUF_JA3S_STRING:
	case KN_BUF_SSH_HASSH_SERVER: case KN_BUF_TLS_CERTS: case KN_BUF_TLS_SUBJECT_ALT_NAME:
		return 1;
	default:
		return 0;
	}
}

/* Buffers whose values come from either side (the header is checked both
 * ways): value 0 is the client's, value 1 the server's, either may lack. */
static int buffer_both(int buf)
{
	return buf == KN_BUF_SSH_PROTO || buf == KN_BUF_SSH_SOFTWARE ||
	       buf == KN_BUF_HTTP_PROTOCOL || buf == KN_BUF_HTTP_CONTENT_TYPE ||
	       buf == KN_BUF_HTTP_HEADER || buf == KN_BUF_HTTP_RAW_HEADER ||
	       buf == KN_BUF_HTTP_COOKIE || buf == KN_BUF_HTTP_CONTENT_LEN ||
	       buf == KN_BUF_HTTP_HEADER_NAMES || buf == KN_BUF_HTTP_START;
}

static int tx_value(const struct kn_tx *tx, int buf, unsigned i, const uint8_t **d, uint32_t *n)
{
	if (!tx->buffer)
		return 0;
	if (tx->buffer(tx, (unsigned)buf, i, d, n))
		return 1;
	/* file.data of HTTP is the response body (one buffer, two names) */
	if (buf == KN_BUF_FILE_DATA)
		return tx->buffer(tx, KN_BUF_HTTP_RESPONSE_BODY, i, d, n);
	if (buf == KN_BUF_HTTP_RESPONSE_BODY)
		return tx->buffer(tx, KN_BUF_FILE_DATA, i, d, n);
	return 0;
}

/* Some value of the list's buffer satisfies the list: the value's index,
 * or -1. Two-sided buffers (ssh.software...) number their values by side
 * (0 client, 1 server) and may lack either; only >= 0 tries that value
 * alone (the side a rule reads). */
#define SIG_MAX_VALUES 64

/* "." + d[0..n) in the context's transform buffer (grown as needed, kept
 * for the next values), or NULL without memory. */
static const uint8_t *dot_value(struct kn_sig_ctx *c, const uint8_t *d, uint32_t n)
{
	if ((size_t)n + 1 > c->xcap) {
		size_t cap = (size_t)n + 1 > 256 ? ((size_t)n + 1) * 2 : 256;
		uint8_t *p = kn_realloc_array(c->xbuf, cap, 1);
		if (!p)
			return NULL;
		c->xbuf = p;
		c->xcap = cap;
	}
	c->xbuf[0] = '.';
	if (n)
		memcpy(c->xbuf + 1, d, n);
	return c->xbuf;
}

static int list_ok(struct kn_sig_ctx *c, const struct sig_list *l, const struct kn_tx *tx,
		   int only)
{
	const uint8_t *d;
	uint32_t n;
	int sided = buffer_both(l->buffer);
	unsigned lo = only >= 0 ? (unsigned)only : 0, hi = only >= 0 ? lo + 1 : SIG_MAX_VALUES;
	for (unsigned i = lo; i < hi; i++) {
		if (!tx_value(tx, l->buffer, i, &d, &n)) {
			if (sided && i == 0 && only < 0)
				continue;
			break;
		}
		if (l->dotprefix) {
			if (!(d = dot_value(c, d, n)))
				continue;   /* no memory for the copy: this value cannot match */
			n++;
		}
		int64_t vars[KN_RULE_MAX_BYTE_VARS];
		memcpy(vars, c->insp.vars, sizeof vars);
		if (sig_inspect_buffer(&c->insp, l->opts, l->re, l->n, d, n))
			return (int)i;
		memcpy(c->insp.vars, vars, sizeof vars);
	}
	return -1;
}

static int tx_header_ok(const struct sig_rule *s, const struct kn_flow *f, int dir)
{
	const struct kn_flow_key *k = &f->key;
	int ports = k->proto == 6 || k->proto == 17 || k->proto == 132;
	if (dir == 0)
		return header_ok(s->r, &k->src, &k->dst, k->sport, k->dport, k->ip_version, ports);
	return header_ok(s->r, &k->dst, &k->src, k->dport, k->sport, k->ip_version, ports);
}

/* Direction the rule reads the tx in: its flow keyword, else its first
 * buffer's side; -1 when the buffer has both sides: the rule reads each
 * side in turn, as Suricata inspects a transaction once per direction. */
static int tx_dir(const struct sig_rule *s)
{
	if (s->dir_hint >= 0)
		return s->dir_hint;
	int buf = s->lists[0].buffer;
	return buffer_both(buf) ? -1 : buffer_dir(buf);
}

/* Rule s on the tx read in direction dir (0 to server): the header
 * oriented so, and two-sided buffers give that side's value only. */
static int tx_rule_ok(struct kn_sig_ctx *c, const struct sig_rule *s, const struct kn_flow *f,
		      const char *app_proto, const struct kn_tx *tx, int dir)
{
	if (s->ipproto && s->ipproto != f->key.proto)
		return 0;
	if (s->app && (!app_proto || strcmp(app_proto, s->app_proto) != 0))
		return 0;
	if (s->n_hdr)
		return 0;   /* packet header keywords have no packet here */
	if (!tx_header_ok(s, f, dir))
		return 0;
	if ((s->flow_flags & KN_RULE_FLOW_ESTABLISHED) &&
	    (!pickup_tracked(c, f) || !(f->pkts[0] && f->pkts[1])))
		return 0;
	if (s->n_bits && !sig_flow_bits_check(f, s))
		return 0;
	begin_rule(c);
	for (unsigned i = 0; i < s->n_lists; i++) {
		const struct sig_list *l = &s->lists[i];
		if (list_ok(c, l, tx, buffer_both(l->buffer) ? dir : -1) < 0)
			return 0;
	}
	return 1;
}

int sig_flow_rule_ok(struct kn_sig_ctx *c, const struct sig_rule *s, const struct kn_flow *f,
		     const char *app_proto, int dir)
{
	if (s->ipproto && s->ipproto != f->key.proto)
		return 0;
	if (s->app && (!app_proto || strcmp(app_proto, s->app_proto) != 0))
		return 0;
	if (s->n_hdr || s->n_lists || !flow_ok(c, s, f, dir) || !tx_header_ok(s, f, dir))
		return 0;
	return !s->n_bits || sig_flow_bits_check(f, s);
}

static void tx_candidates(struct kn_sig_ctx *c, const struct kn_tx *tx)
{
	const struct kn_sig_engine *e = c->e;
	for (unsigned b = 0; b < KN_BUF_COUNT; b++) {
		const struct sig_group *g = &e->app[b];
		const uint8_t *d;
		uint32_t n;
		if (!g->db && !g->n_always)
			continue;
		unsigned i = 0, seen = 0;
		for (; i < SIG_MAX_VALUES; i++) {
			if (!tx_value(tx, (int)b, i, &d, &n)) {
				if (i == 0 && buffer_both((int)b))
					continue;
				break;
			}
			seen++;
			scan_group(c, g, d, n, 0);
		}
		if (seen)
			scan_group(c, g, NULL, 0, 1);
	}
}

void kn_sig_tx(struct kn_sig_ctx *c, const struct kn_flow *f, const char *app_proto,
	       const struct kn_tx *tx, uint64_t ts_ns, uint64_t pcap_cnt)
{
	if (!tx->buffer || !f)
		return;
	c->st.txs++;
	c->n_alerts = 0;
	c->alert_pkt = NULL;
	new_generation(c);
	tx_candidates(c, tx);
	if (!c->n_cand)
		return;
	sort_cands(c);
	for (uint32_t i = 0; i < c->n_cand; i++) {
		const struct sig_rule *s = &c->e->rules[c->cand[i]];
		int d = tx_dir(s), last = d < 0 ? 1 : d;
		for (int dir = d < 0 ? 0 : d; dir <= last; dir++) {
			uint64_t t0 = c->cfg.profile ? now_ns() : 0;
			int ok = tx_rule_ok(c, s, f, app_proto, tx, dir);
			if (c->cfg.profile)
				profile_rule(c, s, ok, t0);
			if (!ok)
				continue;
			if (s->pass)
				return;
			const struct kn_flow_key *k = &f->key;
			struct kn_sig_alert a = {
				.flow = f, .tx = tx, .app_proto = app_proto, .dir = dir,
				.ts_ns = ts_ns, .pcap_cnt = pcap_cnt,
			};
			sig_matched(c, s, &a, dir ? &k->dst : &k->src, dir ? &k->src : &k->dst);
		}
	}
}

/* ------------------------------------------------------------ profile */

struct kn_sig_profile *kn_sig_profile_new(const struct kn_sig_engine *e)
{
	struct kn_sig_profile *p = kn_calloc(1, sizeof *p);
	if (!p)
		return NULL;
	p->n_rules = e->st.rules;
	p->n_groups = SIG_PROF_CLASSES + SIG_PAYLOAD_GROUPS;
	p->rule = kn_calloc(p->n_rules + 1, sizeof *p->rule);
	p->group = kn_calloc(p->n_groups, sizeof *p->group);
	if (!p->rule || !p->group) {
		kn_sig_profile_free(p);
		return NULL;
	}
	return p;
}

void kn_sig_profile_free(struct kn_sig_profile *p)
{
	if (!p)
		return;
	kn_free(p->rule);
	kn_free(p->group);
	kn_free(p);
}

const char *kn_sig_profile_group_name(unsigned g, char *buf, size_t n)
{
	static const char *const tname[SIG_T_COUNT] = { "tcp", "udp", "other" };
	if (g < SIG_PAYLOAD_GROUPS)
		snprintf(buf, n, "payload %s %s", tname[g / 2], g % 2 ? "to_client" : "to_server");
	else if (g >= SIG_PROF_CLASSES && g < SIG_PROF_CLASSES + SIG_PAYLOAD_GROUPS)
		snprintf(buf, n, "payload %s %s classes", tname[(g - SIG_PROF_CLASSES) / 2],
			 (g - SIG_PROF_CLASSES) % 2 ? "to_client" : "to_server");
	else
		snprintf(buf, n, "%s", kn_app_buffer_name(g - SIG_PAYLOAD_GROUPS)
				       ? kn_app_buffer_name(g - SIG_PAYLOAD_GROUPS) : "?");
	return buf;
}

/* ------------------------------------------------------------ context */

void kn_sig_config_default(struct kn_sig_config *cfg)
{
	cfg->memcap = 16u << 20;
	cfg->midstream = 0;
	cfg->async_oneside = 0;
	cfg->packet_alert_max = 15;
	cfg->alert_verdict = 0;
}

static int alloc_scratch(struct kn_sig_ctx *c, const struct sig_group *g)
{
	if (g->db && hs_alloc_scratch(g->db, &c->scratch) != HS_SUCCESS)
		return -KN_ENOMEM;
	for (uint32_t k = 0; k < g->n_cls; k++)
		if (alloc_scratch(c, &g->cls[k]) != 0)
			return -KN_ENOMEM;
	return 0;
}

struct kn_sig_ctx *kn_sig_ctx_new(const struct kn_sig_engine *e, const struct kn_sig_config *cfg,
				  const struct kn_sig_hooks *hooks, char *err)
{
	struct kn_sig_ctx *c;
	int rc;

	if (cfg->memcap < SIG_MEMCAP_MIN) {
		snprintf(err, KN_ERRBUF_SIZE, "signature memcap %llu bytes is below the minimum "
			 "%u (the smallest threshold table); raise --sig-memcap",
			 (unsigned long long)cfg->memcap, SIG_MEMCAP_MIN);
		return NULL;
	}
	c = kn_calloc(1, sizeof *c);
	rc = c ? 0 : -KN_ENOMEM;
	if (c) {
		c->e = e;
		c->cfg = *cfg;
		c->hooks = *hooks;
		c->gen = 1;
		for (uint32_t i = 0; i < e->n_rules; i++) {
			const struct sig_rule *s = &e->rules[i];
			if (s->kind == SIG_PKT && s->app && !s->n_lists && (!s->ipproto || s->ipproto == 6))
				c->proto_only = 1;
		}
		c->stamp = kn_calloc(e->n_rules + 1, sizeof *c->stamp);
		c->cand = kn_calloc(e->n_rules + 1, sizeof *c->cand);
		if (!c->stamp || !c->cand || sig_inspect_init(&c->insp) != 0 || sig_thr_init(c))
			rc = -KN_ENOMEM;
		for (unsigned g = 0; rc == 0 && g < SIG_PAYLOAD_GROUPS; g++)
			rc = alloc_scratch(c, &e->payload[g]);
		for (unsigned g = 0; rc == 0 && g < KN_BUF_COUNT; g++)
			rc = alloc_scratch(c, &e->app[g]);
	}
	if (rc != 0) {
		snprintf(err, KN_ERRBUF_SIZE, "signature engine: out of memory for a worker");
		kn_sig_ctx_free(c);
		return NULL;
	}
	return c;
}

void kn_sig_ctx_free(struct kn_sig_ctx *c)
{
	if (!c)
		return;
	if (c->scratch)
		hs_free_scratch(c->scratch);
	sig_inspect_fini(&c->insp);
	sig_thr_fini(c);
	kn_free(c->stamp);
	kn_free(c->cand);
	kn_free(c->xbuf);
	kn_free(c);
}

const struct kn_sig_stats *kn_sig_ctx_stats(struct kn_sig_ctx *c)
{
	c->st.pcre_limit_hits = c->insp.pcre_limit_hits;
	c->st.budget_hits = c->insp.budget_hits;
	return &c->st;
}
