/*
 * rarity.c - the "rarity" behaviour detector: what this network has never
 * shown before. After a learning period (learn_s of packet time from the
 * first packet or transaction seen) it reports the first sighting of
 *   - a TLS client fingerprint (JA3 or JA4 hash): new client software, a
 *     tool or implant with its own TLS stack;
 *   - an HTTP User-Agent;
 *   - a listening service: an internal server address, port and protocol
 *     that answered (a TCP SYN-ACK, or the first UDP reply of a flow from a
 *     port below 1024): a new listener, a backdoor, a rogue server.
 * The TLS server name (SNI) is remembered too and named in the report when
 * it is new with the fingerprint, but a new SNI alone is not reported: a
 * network meets new sites all day.
 *
 * Novelty is only reported for an established host: one first seen at
 * least learn_s earlier (a device that joins the network has everything to
 * learn, so its first learn_s are its own learning period, and a new
 * device is not itself the finding). When packet time jumps by more than
 * an hour (or learn_s when longer: a capture resumed after a gap, the
 * sensor moved), everything learns again from that point: what changed in
 * the gap is unknown.
 *
 * What has been seen is a set of 64-bit hashes of (kind, value) in a fixed
 * table (det_net.h): an entry seen again is refreshed, a full probe
 * sequence replaces its least recently seen entry, so under memory
 * pressure the rarest values are forgotten first and may be reported
 * again when they come back. Everything seen during learning enters the
 * set silently. Score 0.6 for a service or fingerprint, 0.4 for a user
 * agent (free text: software updates change it).
 */
#include <stdio.h>
#include <string.h>

#include "det_net.h"
#include "kenchi/detector.h"
#include "util/hash.h"
#include "util/json.h"

enum kind { K_JA3, K_JA4, K_UA, K_SERVICE, K_SNI, K_KINDS };

static const char *const kind_name[K_KINDS] = { "JA3", "JA4", "user agent", "service", "SNI" };

struct seen {
	struct det_slot slot;
};

struct host {
	struct det_slot slot;
	uint64_t first_ns;
};

struct rarity {
	struct det_table set, hosts;
	struct det_home home;
	uint64_t first_ns, last_ns, learn_ns;
};

static int rarity_init(void *state, const struct kn_detect_config *cfg, uint64_t budget,
		       char *errbuf)
{
	struct rarity *r = state;

	det_home_init(&r->home, cfg);
	r->learn_ns = (uint64_t)(cfg->learn_s * 1e9);
	if (det_table_init(&r->set, budget / 2, sizeof(struct seen)) != 0 ||
	    det_table_init(&r->hosts, budget / 2, sizeof(struct host)) != 0) {
		det_table_fini(&r->set);
		snprintf(errbuf, KN_ERRBUF_SIZE, "rarity: out of memory (seen set)");
		return -KN_ENOMEM;
	}
	return 0;
}

static void rarity_fini(void *state)
{
	det_table_fini(&((struct rarity *)state)->set);
	det_table_fini(&((struct rarity *)state)->hosts);
}

static uint64_t rarity_memuse(const void *state)
{
	const struct rarity *r = state;
	return det_table_memuse(&r->set) + det_table_memuse(&r->hosts);
}

#define GAP_NS (3600ull * 1000000000ull)

/* The clock: the network's learning period restarts after a gap. */
static void tick(struct rarity *r, uint64_t now)
{
	if (!r->first_ns || now > r->last_ns + (r->learn_ns > GAP_NS ? r->learn_ns : GAP_NS))
		r->first_ns = now | 1;
	if (now > r->last_ns)
		r->last_ns = now;
}

/* 1 when the host has been seen for learn_s (and the network too). */
static int established(struct rarity *r, const struct kn_addr *a, int v6, uint64_t now)
{
	int fresh;
	struct host *h = det_table_find(&r->hosts, det_addr_hash(a, v6, 0x686f7374), now, 1,
					&fresh);

	if (fresh || h->first_ns < r->first_ns)
		h->first_ns = now;   /* new, or known only from before a gap */
	h->slot.last_ns = now;
	return now >= h->first_ns + r->learn_ns && now >= r->first_ns + r->learn_ns;
}

/* Records (kind, value); 1 when it is new to the network. */
static int first_seen(struct rarity *r, enum kind k, const void *v, size_t len, uint64_t now)
{
	int fresh;
	uint64_t h = kn_hash64(v, len, 0x72617265u + (uint64_t)k) | 1;
	struct det_slot *e = det_table_find(&r->set, h, now, 1, &fresh);

	e->last_ns = now;
	return fresh;
}

/* ----------------------------------------------------------- report */

#define VALUE_MAX 128

struct finding {
	unsigned new_mask;              /* bits of enum kind */
	char value[K_KINDS][VALUE_MAX]; /* "" when absent */
	char host[48], server[48];
	uint16_t port;
};

static void evidence(const void *arg, struct kn_json *j)
{
	static const char *const member[K_KINDS] = { "ja3", "ja4", "user_agent", "service", "sni" };
	const struct finding *f = arg;

	kn_json_str(j, "host", f->host);
	kn_json_str(j, "server", f->server);
	kn_json_u64(j, "server_port", f->port);
	kn_json_open_array(j, "new");
	for (unsigned k = 0; k < K_KINDS; k++)
		if (f->new_mask & (1u << k))
			kn_json_str(j, NULL, member[k]);
	kn_json_close_array(j);
	for (unsigned k = 0; k < K_KINDS; k++)
		if (f->value[k][0])
			kn_json_str(j, member[k], f->value[k]);
}

/* The first new kind names the event and the key. */
static void report(struct kn_detect_call *c, const struct kn_flow *flow, int dir,
		   struct finding *f)
{
	static const char *const event[K_KINDS] = { "NEW_JA3", "NEW_JA4", "NEW_USER_AGENT",
						    "NEW_SERVICE", "NEW_SNI" };
	unsigned k = 0;
	char key[VALUE_MAX + 16], why[512];

	while (k < K_KINDS && !(f->new_mask & (1u << k)))
		k++;
	if (k == K_KINDS)
		return;
	snprintf(key, sizeof key, "%s %s", kind_name[k], f->value[k]);
	if (k == K_SERVICE)
		snprintf(why, sizeof why, "first time service %s answered on this network "
			 "(to %s)", f->value[k], f->host);
	else
		snprintf(why, sizeof why, "first time %s %s seen on this network, from host %s "
			 "to %s:%u%s%s", kind_name[k], f->value[k], f->host,
			 f->value[K_SNI][0] ? f->value[K_SNI] : f->server, f->port,
			 (f->new_mask & (1u << K_SNI)) ? " (a server name also never seen)" : "",
			 k == K_JA3 && (f->new_mask & (1u << K_JA4)) ? "; its JA4 is new too" : "");
	struct kn_detection d = {
		.event = event[k], .score = k == K_UA ? 0.4 : 0.6, .key = key,
		.explanation = why, .flow = flow, .dir = dir, .evidence = evidence, .arg = f };
	kn_detect_report(c, &d);
}

/* Copies a buffer as printable text (other bytes become '.'). */
static void text_of(char *out, const uint8_t *v, uint32_t len)
{
	size_t n = len < VALUE_MAX - 1 ? len : VALUE_MAX - 1;
	for (size_t i = 0; i < n; i++)
		out[i] = v[i] >= 0x20 && v[i] < 0x7f && v[i] != '"' && v[i] != '\\' ? (char)v[i] : '.';
	out[n] = 0;
}

/* ------------------------------------------------------------ hooks */

/* Looks up buffer buf of the tx as kind k (new or not, its value kept). */
static void check(struct rarity *r, struct finding *f, const struct kn_tx *tx, unsigned buf,
		  enum kind k, uint64_t now)
{
	const uint8_t *v;
	uint32_t len;

	if (!tx->buffer(tx, buf, 0, &v, &len) || !len)
		return;
	text_of(f->value[k], v, len);
	if (first_seen(r, k, v, len, now))
		f->new_mask |= 1u << k;
}

static void rarity_tx(void *state, struct kn_detect_call *c, const struct kn_flow *flow,
		      const char *app_proto, const struct kn_tx *tx)
{
	struct rarity *r = state;
	struct finding f;
	uint64_t now = kn_detect_time_ns(c);
	int v6 = flow->key.ip_version == 6;

	if (!tx->buffer || !app_proto)
		return;
	memset(&f, 0, sizeof f);
	tick(r, now);
	if (!strcmp(app_proto, "tls")) {
		check(r, &f, tx, KN_BUF_JA3_HASH, K_JA3, now);
		check(r, &f, tx, KN_BUF_JA4_HASH, K_JA4, now);
		check(r, &f, tx, KN_BUF_TLS_SNI, K_SNI, now);
	} else if (!strcmp(app_proto, "http")) {
		check(r, &f, tx, KN_BUF_HTTP_USER_AGENT, K_UA, now);
	} else {
		return;
	}
	const struct kn_addr *client = tx->dir ? &flow->key.dst : &flow->key.src;
	if (!established(r, client, v6, now) || !(f.new_mask & ~(1u << K_SNI)))
		return;
	/* tx->dir 0: the flow's src is the client */
	kn_detect_addr_text(tx->dir ? &flow->key.dst : &flow->key.src, v6, f.host, sizeof f.host);
	kn_detect_addr_text(tx->dir ? &flow->key.src : &flow->key.dst, v6, f.server,
			    sizeof f.server);
	f.port = tx->dir ? flow->key.sport : flow->key.dport;
	report(c, flow, tx->dir, &f);
}

/* The first packet of a flow each way registers its (internal) sender as
 * a host; an internal server answering (a SYN-ACK, or a UDP flow's first
 * reply from a port below 1024) is a service. */
static void rarity_packet(void *state, struct kn_detect_call *c, const struct kn_packet *p)
{
	struct rarity *r = state;
	struct finding f;
	int v6 = p->ip_version == 6;

	if ((p->ip_version != 4 && !v6) || !p->flow || p->flow->pkts[p->dir] != 1)
		return;
	tick(r, p->ts_ns);
	if (!det_internal(&r->home, &p->src, v6))
		return;
	int known = established(r, &p->src, v6, p->ts_ns);
	int tcp = p->proto == 6 &&
		  (p->tcp.flags & (KN_TCP_SYN | KN_TCP_ACK)) == (KN_TCP_SYN | KN_TCP_ACK);
	int udp = p->proto == 17 && p->dir == 1 && p->sport < 1024;
	if (!tcp && !udp)
		return;
	memset(&f, 0, sizeof f);
	kn_detect_addr_text(&p->src, v6, f.server, sizeof f.server);
	kn_detect_addr_text(&p->dst, v6, f.host, sizeof f.host);
	f.port = p->sport;
	snprintf(f.value[K_SERVICE], VALUE_MAX, "%s:%u/%s", f.server, f.port, tcp ? "tcp" : "udp");
	if (!first_seen(r, K_SERVICE, f.value[K_SERVICE], strlen(f.value[K_SERVICE]), p->ts_ns) ||
	    !known)
		return;
	f.new_mask = 1u << K_SERVICE;
	report(c, p->flow, p->dir, &f);
}

const struct kn_detector kn_detector_rarity = {
	.name = "rarity",
	.ctx_size = sizeof(struct rarity),
	.flags = KN_DETECTOR_INFO,   /* first-seen items: no per-packet verdict */
	.init = rarity_init,
	.fini = rarity_fini,
	.tx = rarity_tx,
	.packet = rarity_packet,
	.memuse = rarity_memuse,
};
