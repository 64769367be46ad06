/*
 * flood.c - the "flood" behaviour detector: a host receiving TCP SYNs at a
 * rate no service sees from its clients, most of which never complete the
 * handshake (a SYN flood, usually from spoofed sources, or from one
 * source hammering one port).
 *
 * Per destination host, in a fixed table (det_net.h) and a 10 s tumbling
 * window: the SYNs it received (SYN without ACK), the distinct sources and
 * destination ports (linear-counting sketches), and the handshakes that
 * completed (the client's ACK that follows its SYN). A busy web
 * server receives as many SYNs, but its clients complete them; a flood's
 * spoofed sources never do. A host is reported, as the finding's subject
 * (the victim), when it received at least flood_min_syns SYNs in the
 * window, at most a tenth of them completed, and either they came from at
 * least 32 sources (spoofed) or they went to at most 4 ports (one source
 * flooding a service; one source trying many ports is port_scan's). Score
 * 1 - 2^(-syns / flood_min_syns): 0.5 at the threshold. Considered again
 * when the SYNs doubled, and in each later window the flood lasts (the
 * context's rate limit decides what is written; the per-packet verdicts
 * see every finding).
 */
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "det_net.h"
#include "kenchi/detector.h"
#include "util/hash.h"
#include "util/json.h"

#define WINDOW_NS (10ull * 1000000000ull)
#define SRC_BITS 1024
#define PORT_BITS 64
#define SPOOFED_SOURCES 32
#define FEW_PORTS 4

struct victim {
	struct det_slot slot;
	struct kn_addr addr, last_src;
	uint8_t v6;
	uint16_t last_port;
	uint32_t syns, completed, sources, ports, reported;
	uint64_t start_ns;
	uint64_t src_bits[SRC_BITS / 64], port_bits[PORT_BITS / 64];
};

struct flood {
	struct det_table hosts;
	unsigned min_syns;
};

static int flood_init(void *state, const struct kn_detect_config *cfg, uint64_t budget,
		      char *errbuf)
{
	struct flood *s = state;

	if (cfg->flood_min_syns < 10) {
		snprintf(errbuf, KN_ERRBUF_SIZE, "flood: flood_min_syns %u is too low (give at "
			 "least 10; default 200)", cfg->flood_min_syns);
		return -KN_EINVAL;
	}
	s->min_syns = cfg->flood_min_syns;
	if (det_table_init(&s->hosts, budget, sizeof(struct victim)) != 0) {
		snprintf(errbuf, KN_ERRBUF_SIZE, "flood: out of memory (host table)");
		return -KN_ENOMEM;
	}
	return 0;
}

static void flood_fini(void *state)
{
	det_table_fini(&((struct flood *)state)->hosts);
}

static uint64_t flood_memuse(const void *state)
{
	return det_table_memuse(&((const struct flood *)state)->hosts);
}

/* The distinct sources behind the sketch, and the window's first SYN to
 * its last in seconds. */
static unsigned distinct(uint32_t bits)
{
	return det_sketch_estimate(bits, SRC_BITS);
}

static double window_s(const struct victim *e)
{
	return det_span_s(e->start_ns, e->slot.last_ns);
}

/* ----------------------------------------------------------- report */

struct finding {
	const struct victim *e;
	char victim[48], last_src[48];
	const char *kind;
};

static void evidence(const void *arg, struct kn_json *j)
{
	const struct finding *f = arg;
	const struct victim *e = f->e;

	kn_json_str(j, "victim", f->victim);
	kn_json_str(j, "kind", f->kind);
	kn_json_u64(j, "syns", e->syns);
	kn_json_u64(j, "completed", e->completed);
	kn_json_u64(j, "sources", distinct(e->sources));
	kn_json_u64(j, "ports", e->ports);
	kn_json_u64(j, "last_port", e->last_port);
	kn_json_str(j, "last_source", f->last_src);
	kn_json_double(j, "window_s", window_s(e), 3);
}

static void report(struct flood *s, struct kn_detect_call *c, const struct kn_packet *p,
		   const struct victim *e)
{
	struct finding f = { .e = e };
	char why[400];
	double secs = window_s(e);

	kn_detect_addr_text(&e->addr, e->v6, f.victim, sizeof f.victim);
	kn_detect_addr_text(&e->last_src, e->v6, f.last_src, sizeof f.last_src);
	f.kind = e->sources >= SPOOFED_SOURCES ? "spoofed" : "single";
	snprintf(why, sizeof why, "%s received %u TCP SYNs in %.2f s from %s%u source%s to %u "
		 "port%s (last %u); %u completed the handshake: a SYN flood", f.victim, e->syns,
		 secs, e->sources >= SPOOFED_SOURCES ? "about " : "", distinct(e->sources),
		 e->sources == 1 ? "" : "s", e->ports, e->ports == 1 ? "" : "s", e->last_port,
		 e->completed);
	struct kn_detection d = {
		.event = "SYN_FLOOD", .score = 1.0 - exp2(-(double)e->syns / s->min_syns),
		.key = f.victim, .explanation = why, .flow = p->flow, .dir = p->dir,
		.subject = e->addr, .subject_set = 1, .subject_v6 = e->v6,
		.evidence = evidence, .arg = &f };
	kn_detect_report(c, &d);
}

/* ----------------------------------------------------------- packets */

static void syn(struct flood *s, struct kn_detect_call *c, const struct kn_packet *p, int v6)
{
	uint64_t h = det_addr_hash(&p->dst, v6, 0x666c6f6f);
	struct victim *e = det_table_find(&s->hosts, h, p->ts_ns, 1, NULL);

	if (!e->start_ns || p->ts_ns >= e->start_ns + WINDOW_NS) {
		memset((char *)e + sizeof e->slot, 0, sizeof *e - sizeof e->slot);
		e->addr = p->dst;   /* a new window */
		e->v6 = (uint8_t)v6;
		e->start_ns = p->ts_ns;
	}
	e->syns++;
	e->last_src = p->src;
	e->last_port = p->dport;
	e->sources += (uint32_t)det_sketch_add(e->src_bits, SRC_BITS,
					   det_addr_bits(&p->src, v6, 0x73726373));
	e->ports += (uint32_t)det_sketch_add(e->port_bits, PORT_BITS, kn_mix64(p->dport + 1u));
	if (e->syns < s->min_syns || e->syns < 2ull * e->reported ||
	    10ull * e->completed > e->syns ||
	    (e->sources < SPOOFED_SOURCES && e->ports > FEW_PORTS))
		return;
	e->reported = e->syns;
	report(s, c, p, e);
}

static void flood_packet(void *state, struct kn_detect_call *c, const struct kn_packet *p)
{
	struct flood *s = state;
	int v6 = p->ip_version == 6;
	uint8_t fl = p->tcp.flags;

	if ((p->ip_version != 4 && !v6) || p->proto != 6 || !p->flow)
		return;
	if ((fl & (KN_TCP_SYN | KN_TCP_ACK | KN_TCP_RST)) == KN_TCP_SYN) {
		if (p->dir == 0 && det_unicast(&p->dst, v6))
			syn(s, c, p, v6);
		return;
	}
	/* the client's ACK after its SYN completes it (whether or not the
	 * server's SYN-ACK was captured: one-sided captures) */
	if (p->dir == 0 && p->flow->pkts[0] == 2 && (fl & KN_TCP_ACK) &&
	    !(fl & (KN_TCP_SYN | KN_TCP_RST)) && (p->flow->tcp_flags[0] & KN_TCP_SYN)) {
		struct victim *e = det_table_find(&s->hosts, det_addr_hash(&p->dst, v6, 0x666c6f6f),
						  p->ts_ns, 0, NULL);
		if (e)
			e->completed++;
	}
}

const struct kn_detector kn_detector_flood = {
	.name = "flood",
	.ctx_size = sizeof(struct flood),
	.init = flood_init,
	.fini = flood_fini,
	.packet = flood_packet,
	.memuse = flood_memuse,
};
