/*
 * dark_addr.c - the "dark_addr" behaviour detector: traffic to addresses
 * nobody uses.
 *
 * Inside the network: an internal address that has never sent a packet
 * (no host answers there) but that several sources try to reach is a
 * darknet inside the network; whoever knocks on it is exploring (a worm, a
 * scanner walking an address list, a misconfigured device). Alive hosts
 * are remembered from the first packet of each flow direction they send,
 * and from a connection's second packet when it acknowledges (the SYN was
 * answered: alive, though a one-way span may never show it speaking);
 * a knock is a TCP SYN or an echo request (what a live host answers: UDP
 * sinks such as syslog collectors never answer, so UDP does not count);
 * dark candidates keep the sources (a 64-bit sketch plus the first four),
 * packets and ports tried. A candidate is reported when 3 or more
 * distinct sources have tried it, the address still never sent anything,
 * and the learning period (learn_s of packet time from the first packet)
 * is over, so quiet but alive hosts had time to speak; reported again
 * (subject to the context's rate limit) when its sources double. Score
 * 1 - 2^(-sources / 3): 0.5 at 3.
 *
 * Darknet mode (dark_nets configured: unused address space the sensor
 * watches): every source that sends to it is a scanner (DARKNET_SOURCE,
 * once per source while it stays in the table, learning period or not),
 * and per destination port
 * and protocol, the sources new to that port are counted in 600 s
 * windows against the port's own baseline (exponentially weighted mean of
 * past windows, weight 0.2): 10 or more new sources and at least four
 * times the baseline plus 5, after the learning period, is a new scanning
 * campaign (DARKNET_PORT_SURGE, key "port N/proto").
 *
 * All state is in fixed tables (det_net.h) sharing the detector's budget;
 * the least recently active entries are replaced.
 */
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "det_net.h"
#include "kenchi/detector.h"
#include "util/hash.h"
#include "util/json.h"

#define MIN_SOURCES 3
#define ALIVE_SEED 0x616c6976   /* hash seed of the alive and dark tables */
#define KEEP_SOURCES 4
#define SURGE_WINDOW_NS (600ull * 1000000000ull)
#define SURGE_MIN 10

struct alive {
	struct det_slot slot;
};

struct dark {
	struct det_slot slot;
	struct kn_addr addr;
	uint8_t v6, n_kept;
	uint16_t last_port;
	uint32_t sources, pkts, reported;
	uint64_t first_ns;
	uint64_t src_bits;             /* one bit per source hash */
	struct kn_addr kept[KEEP_SOURCES];
};

struct port {
	struct det_slot slot;
	uint16_t port;
	uint8_t proto, reported;
	uint32_t cur, windows;         /* new sources this window, past windows */
	uint64_t win_start;
	double base;
};

struct dark_state {
	struct det_table alive, dark, pairs, ports;
	struct det_home home;
	struct kn_detect_prefix nets[KN_DETECT_PREFIXES];
	unsigned n_nets;
	uint64_t first_ns, learn_ns;
};

static void dark_fini(void *state);

static int dark_init(void *state, const struct kn_detect_config *cfg, uint64_t budget,
		     char *errbuf)
{
	struct dark_state *d = state;
	uint64_t share = cfg->n_dark_nets ? budget / 4 : budget / 2;

	det_home_init(&d->home, cfg);
	d->n_nets = cfg->n_dark_nets;
	memcpy(d->nets, cfg->dark_nets, d->n_nets * sizeof d->nets[0]);
	d->learn_ns = (uint64_t)(cfg->learn_s * 1e9);
	/* the pair and port tables only exist in darknet mode */
	if (det_table_init(&d->alive, share, sizeof(struct alive)) != 0 ||
	    det_table_init(&d->dark, share, sizeof(struct dark)) != 0 ||
	    (d->n_nets && (det_table_init(&d->pairs, share * 3 / 4, sizeof(struct alive)) != 0 ||
			   det_table_init(&d->ports, share / 4, sizeof(struct port)) != 0))) {
		snprintf(errbuf, KN_ERRBUF_SIZE, "dark_addr: out of memory (tables)");
		dark_fini(d);        /* the framework frees a failed init's state only */
		return -KN_ENOMEM;
	}
	return 0;
}

static void dark_fini(void *state)
{
	struct dark_state *d = state;
	det_table_fini(&d->alive);
	det_table_fini(&d->dark);
	det_table_fini(&d->pairs);
	det_table_fini(&d->ports);
}

static uint64_t dark_memuse(const void *state)
{
	const struct dark_state *d = state;
	return det_table_memuse(&d->alive) + det_table_memuse(&d->dark) +
	       (d->pairs.slots ? det_table_memuse(&d->pairs) + det_table_memuse(&d->ports) : 0);
}

/* ----------------------------------------------------------- reports */

struct finding {
	const struct dark *dk;
	const struct port *pt;
	char addr[48], src[48];
};

static void dark_evidence(const void *arg, struct kn_json *j)
{
	const struct finding *f = arg;
	const struct dark *dk = f->dk;
	char ip[48];

	kn_json_str(j, "dark_address", f->addr);
	kn_json_u64(j, "sources", dk->sources);
	kn_json_u64(j, "packets", dk->pkts);
	kn_json_u64(j, "last_port", dk->last_port);
	kn_json_double(j, "dark_for_s", (double)(dk->slot.last_ns - dk->first_ns) / 1e9, 3);
	kn_json_open_array(j, "first_sources");
	for (unsigned i = 0; i < dk->n_kept; i++) {
		kn_detect_addr_text(&dk->kept[i], dk->v6, ip, sizeof ip);
		kn_json_str(j, NULL, ip);
	}
	kn_json_close_array(j);
}

static void report_dark(struct kn_detect_call *c, const struct kn_packet *p, const struct dark *dk)
{
	struct finding f = { .dk = dk };
	char why[640], list[200] = "";
	size_t o = 0;

	kn_detect_addr_text(&dk->addr, dk->v6, f.addr, sizeof f.addr);
	for (unsigned i = 0; i < dk->n_kept && o < sizeof list - 50; i++) {
		kn_detect_addr_text(&dk->kept[i], dk->v6, f.src, sizeof f.src);
		o += (size_t)snprintf(list + o, sizeof list - o, "%s%s", i ? ", " : "", f.src);
	}
	snprintf(why, sizeof why, "internal address %s has never sent a packet, yet %u sources "
		 "(%s%s) sent it %u connection attempts over %.1f s (last to port %u): an "
		 "address sweep, or a flood at a host that cannot answer", f.addr, dk->sources, list,
		 dk->sources > dk->n_kept ? ", ..." : "", dk->pkts,
		 (double)(dk->slot.last_ns - dk->first_ns) / 1e9, dk->last_port);
	struct kn_detection d = {
		.event = "DARK_ADDRESS", .score = 1.0 - exp2(-(double)dk->sources / MIN_SOURCES),
		.key = f.addr, .explanation = why, .flow = p->flow, .dir = p->dir,
		.evidence = dark_evidence, .arg = &f };
	kn_detect_report(c, &d);
}

static void source_evidence(const void *arg, struct kn_json *j)
{
	const struct finding *f = arg;
	kn_json_str(j, "scanner", f->src);
	kn_json_str(j, "darknet_address", f->addr);
}

static void report_source(struct kn_detect_call *c, const struct kn_packet *p)
{
	struct finding f = { 0 };
	char why[300];

	kn_detect_addr_text(&p->src, p->ip_version == 6, f.src, sizeof f.src);
	kn_detect_addr_text(&p->dst, p->ip_version == 6, f.addr, sizeof f.addr);
	snprintf(why, sizeof why, "%s sent to %s (port %u/%u), inside the configured unused "
		 "address space: nothing legitimate lives there, so the sender is scanning",
		 f.src, f.addr, p->dport, p->proto);
	struct kn_detection d = {
		.event = "DARKNET_SOURCE", .score = 0.7, .key = f.src, .explanation = why,
		.flow = p->flow, .dir = p->dir, .evidence = source_evidence, .arg = &f };
	kn_detect_report(c, &d);
}

static void port_evidence(const void *arg, struct kn_json *j)
{
	const struct finding *f = arg;
	kn_json_u64(j, "port", f->pt->port);
	kn_json_u64(j, "proto", f->pt->proto);
	kn_json_u64(j, "new_sources", f->pt->cur);
	kn_json_double(j, "baseline_sources", f->pt->base, 2);
	kn_json_u64(j, "baseline_windows", f->pt->windows);
	kn_json_u64(j, "window_s", SURGE_WINDOW_NS / 1000000000ull);
	kn_json_str(j, "last_source", f->src);
}

static void report_port(struct kn_detect_call *c, const struct kn_packet *p,
			const struct port *pt)
{
	struct finding f = { .pt = pt };
	char key[32], why[300];

	kn_detect_addr_text(&p->src, p->ip_version == 6, f.src, sizeof f.src);
	snprintf(key, sizeof key, "port %u/%s", pt->port, pt->proto == 6 ? "tcp" :
		 pt->proto == 17 ? "udp" : "other");
	snprintf(why, sizeof why, "%u sources new to %s hit the darknet within %u s (usually "
		 "%.1f per window over %u windows): a new scanning campaign", pt->cur, key,
		 (unsigned)(SURGE_WINDOW_NS / 1000000000ull), pt->base, pt->windows);
	struct kn_detection d = {
		.event = "DARKNET_PORT_SURGE",
		.score = 1.0 - 0.5 * SURGE_MIN / (double)pt->cur, .key = key, .explanation = why,
		.flow = p->flow, .dir = p->dir, .evidence = port_evidence, .arg = &f };
	kn_detect_report(c, &d);
}

/* ----------------------------------------------------------- packets */

/* Darknet mode: the source, and the port's count of new sources. */
static void darknet(struct dark_state *d, struct kn_detect_call *c, const struct kn_packet *p,
		    int learning)
{
	int v6 = p->ip_version == 6, fresh;
	uint64_t sh = det_addr_hash(&p->src, v6, 0x73726364);
	uint64_t ph = kn_mix64(sh ^ ((uint64_t)p->dport << 8 | p->proto)) | 1;

	(void)det_table_find(&d->pairs, sh, p->ts_ns, 1, &fresh);
	if (fresh)   /* no baseline needed: nothing lives there */
		report_source(c, p);
	(void)det_table_find(&d->pairs, ph, p->ts_ns, 1, &fresh);
	if (!fresh)
		return;
	struct port *pt = det_table_find(&d->ports, (uint64_t)p->dport << 8 | p->proto | 1u << 31,
					 p->ts_ns, 1, NULL);
	pt->slot.last_ns = p->ts_ns;
	if (!pt->win_start || p->ts_ns >= pt->win_start + SURGE_WINDOW_NS) {
		if (pt->win_start) {
			pt->base = pt->windows ? 0.8 * pt->base + 0.2 * pt->cur : pt->cur;
			pt->windows++;
		}
		pt->port = p->dport, pt->proto = p->proto;
		pt->win_start = p->ts_ns;
		pt->cur = 0;
		pt->reported = 0;
	}
	pt->cur++;
	if (!learning && !pt->reported && pt->cur >= SURGE_MIN && pt->cur >= 4 * pt->base + 5) {
		pt->reported = 1;
		report_port(c, p, pt);
	}
}

/* Inside the network: a connection attempt to an internal address that
 * never spoke. */
static void knock(struct dark_state *d, struct kn_detect_call *c, const struct kn_packet *p,
		  int learning)
{
	int v6 = p->ip_version == 6, fresh;
	uint64_t h = det_addr_hash(&p->dst, v6, ALIVE_SEED);

	if (det_table_find(&d->alive, h, p->ts_ns, 0, NULL))
		return;
	struct dark *dk = det_table_find(&d->dark, h, p->ts_ns, 1, &fresh);
	if (fresh) {
		dk->addr = p->dst;
		dk->v6 = (uint8_t)v6;
		dk->first_ns = p->ts_ns;
	}
	dk->slot.last_ns = p->ts_ns;
	dk->pkts++;
	dk->last_port = p->dport;
	uint64_t bit = 1ull << (det_addr_bits(&p->src, v6, 0x6b6e) % 64);
	if (!(dk->src_bits & bit)) {
		dk->src_bits |= bit;
		dk->sources++;
		if (dk->n_kept < KEEP_SOURCES)
			dk->kept[dk->n_kept++] = p->src;
	}
	if (!learning && dk->sources >= MIN_SOURCES && dk->sources >= 2 * dk->reported) {
		dk->reported = dk->sources;
		report_dark(c, p, dk);
	}
}

/* A TCP SYN or an echo request: a live host answers these (a UDP sink
 * such as a syslog or NetFlow collector never does, so UDP is not a knock). */
static int asks_answer(const struct kn_packet *p)
{
	if (p->proto == 6)
		return (p->tcp.flags & (KN_TCP_SYN | KN_TCP_ACK)) == KN_TCP_SYN;
	return (p->proto == 1 && p->icmp_type == 8) || (p->proto == 58 && p->icmp_type == 128);
}

/* a is alive. (A dark entry it may have is never consulted again: knock()
 * asks the alive table first; it ages out.) */
static void mark_alive(struct dark_state *d, const struct kn_addr *a, int v6, uint64_t now)
{
	(void)det_table_find(&d->alive, det_addr_hash(a, v6, ALIVE_SEED), now, 1, NULL);
}

/* The initiator's second TCP packet, an ACK after its SYN: the SYN was
 * answered, so the destination is alive even when the sensor never sees
 * it speak (a one-way span that carries only the inbound traffic). */
static int answered(const struct kn_packet *p)
{
	return p->proto == 6 && p->dir == 0 && p->flow->pkts[0] == 2 &&
	       (p->flow->tcp_flags[0] & KN_TCP_SYN) &&
	       (p->tcp.flags & (KN_TCP_SYN | KN_TCP_ACK | KN_TCP_RST)) == KN_TCP_ACK;
}

static void dark_packet(void *state, struct kn_detect_call *c, const struct kn_packet *p)
{
	struct dark_state *d = state;
	int v6 = p->ip_version == 6;

	if ((p->ip_version != 4 && !v6) || !p->flow)
		return;
	if (answered(p)) {
		if (det_internal(&d->home, &p->dst, v6))
			mark_alive(d, &p->dst, v6, p->ts_ns);
		return;
	}
	if (p->flow->pkts[p->dir] != 1)
		return;   /* the first packet of each direction of a flow */
	if (!d->first_ns)
		d->first_ns = p->ts_ns | 1;
	int learning = p->ts_ns < d->first_ns + d->learn_ns;
	if (d->n_nets && kn_detect_prefix_match(d->nets, d->n_nets, &p->dst, v6)) {
		darknet(d, c, p, learning);
		return;
	}
	if (!det_internal(&d->home, &p->src, v6) && !det_internal(&d->home, &p->dst, v6))
		return;
	if (det_internal(&d->home, &p->src, v6))   /* it speaks: alive, not dark */
		mark_alive(d, &p->src, v6, p->ts_ns);
	if (p->dir == 0 && asks_answer(p) && det_internal(&d->home, &p->dst, v6) &&
	    det_unicast(&p->dst, v6))
		knock(d, c, p, learning);
}

const struct kn_detector kn_detector_dark_addr = {
	.name = "dark_addr",
	.ctx_size = sizeof(struct dark_state),
	.init = dark_init,
	.fini = dark_fini,
	.packet = dark_packet,
	.memuse = dark_memuse,
};
