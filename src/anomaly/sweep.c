/*
 * sweep.c - the "icmp_sweep" behaviour detector: one source pinging many
 * hosts of a live network to find which are up (the discovery step before
 * a port scan).
 *
 * port_scan reports echo sweeps whose probes mostly go unanswered; on a
 * live subnet more than a fifth are answered and it holds back (a browser
 * looks the same on TCP). Echo requests are rarer in ordinary traffic, so
 * here, per source, in a fixed table (det_net.h) and a 600 s tumbling
 * window: the echo requests (ICMP type 8, ICMPv6 128) to unicast
 * addresses, the distinct hosts asked (a 1024-bit linear-counting sketch),
 * the echo replies it got back and the first and last host asked. A source
 * is reported when it asked at least 16 distinct hosts, at most 3 requests
 * per host (a monitoring system pinging its fleet every minute repeats
 * each host many times within the window; it is reported once when it
 * starts, and never again once its hosts repeat) and more than a fifth of
 * the requests were answered (port_scan reports the others). Reported again
 * (subject to the context's rate limit) when its hosts grew by half.
 * Score 1 - 2^(-hosts / 16). ARP sweeps are not seen here: the detectors
 * see IP packets of flows only.
 *
 * Probes. An echo request that carries no data at all is not what an
 * operating system's ping sends (Linux, BSD, macOS and Windows tools all
 * send a payload, usually with a timestamp in it): it is the host-discovery
 * probe of a raw-packet scanner (nmap's -PE/-sn sends exactly that; the
 * classic Snort rule "ICMP PING NMAP" is itype 8 with dsize 0). The first
 * such request from a source in a window is reported at once as
 * ICMP_PROBE, score 0.3 (low: one packet, and hand-made test packets look
 * the same), before the sweep it usually starts is one; the sweep's own
 * report (0.5 and up) still passes the context's rate limit. A request
 * cut short by the capture's snap length is not taken for one.
 */
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "det_net.h"
#include "kenchi/detector.h"
#include "util/hash.h"
#include "util/json.h"

#define WINDOW_NS (600ull * 1000000000ull)
#define HOST_BITS 1024
#define MIN_HOSTS 16

struct source {
	struct det_slot slot;
	struct kn_addr addr, first_dst, last_dst;
	uint8_t v6;
	uint32_t requests, replies, hosts, reported;
	uint8_t probed;   /* ICMP_PROBE reported in this window */
	uint64_t start_ns;
	uint64_t bits[HOST_BITS / 64];
};

struct sweep {
	struct det_table src;
};

static int sweep_init(void *state, const struct kn_detect_config *cfg, uint64_t budget,
		      char *errbuf)
{
	struct sweep *s = state;

	(void)cfg;
	if (det_table_init(&s->src, budget, sizeof(struct source)) != 0) {
		snprintf(errbuf, KN_ERRBUF_SIZE, "icmp_sweep: out of memory (source table)");
		return -KN_ENOMEM;
	}
	return 0;
}

static void sweep_fini(void *state)
{
	det_table_fini(&((struct sweep *)state)->src);
}

static uint64_t sweep_memuse(const void *state)
{
	return det_table_memuse(&((const struct sweep *)state)->src);
}

struct finding {
	const struct source *e;
	char src[48], first[48], last[48];
};

static void evidence(const void *arg, struct kn_json *j)
{
	const struct finding *f = arg;

	kn_json_str(j, "scanner", f->src);
	kn_json_u64(j, "hosts", f->e->hosts);
	kn_json_u64(j, "requests", f->e->requests);
	kn_json_u64(j, "replies", f->e->replies);
	kn_json_str(j, "first_target", f->first);
	kn_json_str(j, "last_target", f->last);
	kn_json_double(j, "window_s", (double)(f->e->slot.last_ns - f->e->start_ns) / 1e9, 3);
}

static void report(struct kn_detect_call *c, const struct kn_packet *p, const struct source *e)
{
	struct finding f = { .e = e };
	char why[300];

	kn_detect_addr_text(&e->addr, e->v6, f.src, sizeof f.src);
	kn_detect_addr_text(&e->first_dst, e->v6, f.first, sizeof f.first);
	kn_detect_addr_text(&e->last_dst, e->v6, f.last, sizeof f.last);
	snprintf(why, sizeof why, "%s sent %u echo requests to %u hosts (%s ... %s) in %.1f s; "
		 "%u replies: a ping sweep mapping which hosts are up", f.src, e->requests,
		 e->hosts, f.first, f.last, (double)(e->slot.last_ns - e->start_ns) / 1e9,
		 e->replies);
	struct kn_detection d = {
		.event = "ICMP_SWEEP", .score = 1.0 - exp2(-(double)e->hosts / MIN_HOSTS),
		.key = f.src, .explanation = why, .flow = p->flow, .dir = p->dir,
		.evidence = evidence, .arg = &f };
	kn_detect_report(c, &d);
}

static void report_probe(struct kn_detect_call *c, const struct kn_packet *p,
			 const struct source *e)
{
	struct finding f = { .e = e };
	char why[300];

	kn_detect_addr_text(&e->addr, e->v6, f.src, sizeof f.src);
	kn_detect_addr_text(&p->dst, e->v6, f.first, sizeof f.first);
	snprintf(f.last, sizeof f.last, "%s", f.first);
	snprintf(why, sizeof why, "%s sent an echo request without data to %s: the host-discovery "
		 "probe of a raw-packet scanner (nmap -sn/-PE sends these; ping tools always send "
		 "data)", f.src, f.first);
	struct kn_detection d = {
		.event = "ICMP_PROBE", .score = 0.3, .key = f.src, .explanation = why,
		.flow = p->flow, .dir = p->dir, .evidence = evidence, .arg = &f };
	kn_detect_report(c, &d);
}

static void request(struct sweep *s, struct kn_detect_call *c, const struct kn_packet *p, int v6)
{
	uint64_t h = det_addr_hash(&p->src, v6, 0x70696e67);
	struct source *e = det_table_find(&s->src, h, p->ts_ns, 1, NULL);

	if (!e->start_ns || p->ts_ns >= e->start_ns + WINDOW_NS) {   /* a new window */
		memset((char *)e + sizeof e->slot, 0, sizeof *e - sizeof e->slot);
		e->addr = p->src;
		e->v6 = (uint8_t)v6;
		e->start_ns = p->ts_ns;
		e->first_dst = p->dst;
	}
	e->requests++;
	e->last_dst = p->dst;
	if (p->payload_len == 0 && !(p->flags & KN_PKT_TRUNCATED) && !e->probed) {
		e->probed = 1;
		report_probe(c, p, e);
	}
	if (!det_sketch_add(e->bits, HOST_BITS, det_addr_bits(&p->dst, v6, 0x74676574)))
		return;
	e->hosts++;
	if (e->hosts >= MIN_HOSTS && e->requests <= 3ull * e->hosts &&
	    5ull * e->replies > e->requests && 2ull * e->hosts >= 3ull * e->reported) {
		e->reported = e->hosts;
		report(c, p, e);
	}
}

static void sweep_packet(void *state, struct kn_detect_call *c, const struct kn_packet *p)
{
	struct sweep *s = state;
	int v6 = p->ip_version == 6;

	if ((p->ip_version != 4 && !v6) || p->proto != (v6 ? 58 : 1))
		return;
	if (p->icmp_type == (v6 ? 128 : 8)) {
		if (det_unicast(&p->dst, v6))
			request(s, c, p, v6);
	} else if (p->icmp_type == (v6 ? 129 : 0)) {
		struct source *e = det_table_find(&s->src, det_addr_hash(&p->dst, v6, 0x70696e67),
						  p->ts_ns, 0, NULL);
		if (e)
			e->replies++;
	}
}

const struct kn_detector kn_detector_icmp_sweep = {
	.name = "icmp_sweep",
	.ctx_size = sizeof(struct sweep),
	.init = sweep_init,
	.fini = sweep_fini,
	.packet = sweep_packet,
	.memuse = sweep_memuse,
};
