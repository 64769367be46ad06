/*
 * reflection.c - the "reflection" behaviour detector: a host receiving
 * answers it never asked for from the service ports of many external
 * hosts (an amplification DDoS: the attacker sends small requests with the
 * victim's address as source to open SNMP, NTP, DNS, SSDP, CLDAP,
 * memcached... servers, whose larger answers all go to the victim).
 *
 * An unsolicited answer is a UDP datagram from an amplifier port (table
 * below) to a unicast address, from an external address (det_net.h), in a
 * flow whose first packet it was or whose earlier packets all came the
 * same way: the victim sent nothing to that source and port first (a
 * host's own DNS or NTP lookups open their flows, so the answers come the
 * other way). Per victim, in a fixed table and a 10 s tumbling window: the
 * unsolicited datagrams and their bytes, the distinct sources (a 1024-bit
 * linear-counting sketch) and the last source port. A victim is reported,
 * as the finding's subject, when it received at least reflect_min_packets
 * of them from at least reflect_min_sources sources in the window (one
 * resolver answering late, or a few devices answering a discovery
 * broadcast, are far fewer). Score 1 - 2^(-sources / reflect_min_sources).
 * Considered again when the datagrams doubled, and in every later window.
 * Held while most TCP connections are seen from one side only (a one-way
 * span: the victim's own requests would go unseen; watch_view()).
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

/* UDP services that answer a small request with a larger response and
 * have been used for reflection. */
static const struct amp_port {
	uint16_t port;
	const char *name;
} amp_ports[] = {
	{ 7, "echo" }, { 17, "qotd" }, { 19, "chargen" }, { 53, "dns" }, { 69, "tftp" },
	{ 111, "portmap" }, { 123, "ntp" }, { 137, "netbios" }, { 161, "snmp" },
	{ 389, "cldap" }, { 427, "slp" }, { 520, "rip" }, { 1434, "mssql" },
	{ 1900, "ssdp" }, { 3283, "ard" }, { 3702, "ws-discovery" }, { 5353, "mdns" },
	{ 5683, "coap" }, { 10001, "ubiquiti" }, { 11211, "memcached" },
	{ 37810, "dvr" },
};

struct victim {
	struct det_slot slot;
	struct kn_addr addr, last_src;
	uint8_t v6;
	uint16_t last_port;
	uint32_t packets, sources, reported;
	uint64_t bytes, start_ns;
	uint64_t src_bits[SRC_BITS / 64];
};

struct reflection {
	struct det_table hosts;
	struct det_home home;
	unsigned min_packets, min_sources;
	uint32_t one_sided, two_sided;   /* TCP connections at their 3rd packet one way */
};

static int refl_init(void *state, const struct kn_detect_config *cfg, uint64_t budget,
		     char *errbuf)
{
	struct reflection *s = state;

	if (cfg->reflect_min_packets < 2 || cfg->reflect_min_sources < 2) {
		snprintf(errbuf, KN_ERRBUF_SIZE, "reflection: reflect_min_packets %u and "
			 "reflect_min_sources %u must be at least 2 (defaults 50 and 16)",
			 cfg->reflect_min_packets, cfg->reflect_min_sources);
		return -KN_EINVAL;
	}
	s->min_packets = cfg->reflect_min_packets;
	s->min_sources = cfg->reflect_min_sources;
	det_home_init(&s->home, cfg);
	if (det_table_init(&s->hosts, budget, sizeof(struct victim)) != 0) {
		snprintf(errbuf, KN_ERRBUF_SIZE, "reflection: out of memory (host table)");
		return -KN_ENOMEM;
	}
	return 0;
}

static void refl_fini(void *state)
{
	det_table_fini(&((struct reflection *)state)->hosts);
}

static uint64_t refl_memuse(const void *state)
{
	return det_table_memuse(&((const struct reflection *)state)->hosts);
}

/* The amplifier service of a source port, or NULL. */
static const char *amp_service(uint16_t port)
{
	for (size_t i = 0; i < sizeof amp_ports / sizeof amp_ports[0]; i++)
		if (amp_ports[i].port == port)
			return amp_ports[i].name;
	return NULL;
}

/* The distinct sources behind the sketch, and the window's first
 * datagram to its last in seconds. */
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
	const char *service;
};

static void evidence(const void *arg, struct kn_json *j)
{
	const struct finding *f = arg;
	const struct victim *e = f->e;

	kn_json_str(j, "victim", f->victim);
	kn_json_str(j, "service", f->service);
	kn_json_u64(j, "source_port", e->last_port);
	kn_json_u64(j, "packets", e->packets);
	kn_json_u64(j, "bytes", e->bytes);
	kn_json_u64(j, "sources", distinct(e->sources));
	kn_json_str(j, "last_source", f->last_src);
	kn_json_double(j, "window_s", window_s(e), 3);
}

static void report(struct reflection *s, struct kn_detect_call *c, const struct kn_packet *p,
		   const struct victim *e, const char *service)
{
	struct finding f = { .e = e, .service = service };
	char why[400];

	kn_detect_addr_text(&e->addr, e->v6, f.victim, sizeof f.victim);
	kn_detect_addr_text(&e->last_src, e->v6, f.last_src, sizeof f.last_src);
	snprintf(why, sizeof why, "%s received %u unsolicited UDP datagrams (%llu bytes) from "
		 "the %s port %u of about %u external hosts in %.3f s without asking them: "
		 "a reflection/amplification DDoS", f.victim, e->packets,
		 (unsigned long long)e->bytes, service, e->last_port, distinct(e->sources),
		 window_s(e));
	struct kn_detection d = {
		.event = "UDP_REFLECTION",
		.score = 1.0 - exp2(-(double)e->sources / s->min_sources),
		.key = f.victim, .explanation = why, .flow = p->flow, .dir = p->dir,
		.subject = e->addr, .subject_set = 1, .subject_v6 = e->v6,
		.evidence = evidence, .arg = &f };
	kn_detect_report(c, &d);
}

/* ----------------------------------------------------------- packets */

/* The sensor's view, from TCP: a connection's third packet one way, an ACK
 * from a side whose SYN (or SYN-ACK) was seen, and whether the other side
 * has shown a packet. Most showing none is a one-way span (or asymmetric
 * routing), where every answer looks unsolicited because the requests go
 * by unseen: reports are held then. (Flows without a handshake do not
 * count: they say nothing of the view.) The counts are halved past 1024
 * so the view follows changes. */
static void watch_view(struct reflection *s, const struct kn_packet *p)
{
	if (p->proto != 6 || !p->flow || p->flow->pkts[p->dir] != 3 ||
	    !(p->tcp.flags & KN_TCP_ACK) || !(p->flow->tcp_flags[p->dir] & KN_TCP_SYN))
		return;
	if (p->flow->pkts[!p->dir])
		s->two_sided++;
	else
		s->one_sided++;
	if (s->one_sided + s->two_sided > 1024)
		s->one_sided /= 2, s->two_sided /= 2;
}

static int one_way_view(const struct reflection *s)
{
	return s->one_sided >= 10 && s->one_sided > s->two_sided;
}

static void refl_packet(void *state, struct kn_detect_call *c, const struct kn_packet *p)
{
	struct reflection *s = state;
	int v6 = p->ip_version == 6;
	const char *service;

	watch_view(s, p);
	/* the victim never sent on this flow: its first packet came from the
	 * amplifier and nothing went back; not to the same port (NTP, DNS,
	 * mDNS peers) nor to 162 (SNMP traps, which some agents send from
	 * 161) */
	if ((p->ip_version != 4 && !v6) || p->proto != 17 || !p->flow || p->dir != 0 ||
	    p->flow->pkts[1] != 0 || !(service = amp_service(p->sport)) ||
	    p->dport == p->sport || p->dport == 162 || !det_unicast(&p->dst, v6) ||
	    det_internal(&s->home, &p->src, v6))
		return;
	uint64_t h = det_addr_hash(&p->dst, v6, 0x72666c63);
	struct victim *e = det_table_find(&s->hosts, h, p->ts_ns, 1, NULL);
	if (!e->start_ns || p->ts_ns >= e->start_ns + WINDOW_NS) {
		memset((char *)e + sizeof e->slot, 0, sizeof *e - sizeof e->slot);
		e->addr = p->dst;   /* a new window */
		e->v6 = (uint8_t)v6;
		e->start_ns = p->ts_ns;
	}
	e->packets++;
	e->bytes += p->payload_len;
	e->last_src = p->src;
	e->last_port = p->sport;
	e->sources += (uint32_t)det_sketch_add(e->src_bits, SRC_BITS,
					       det_addr_bits(&p->src, v6, 0x616d7073));
	if (e->packets >= s->min_packets && e->sources >= s->min_sources &&
	    e->packets >= 2ull * e->reported && !one_way_view(s)) {
		e->reported = e->packets;
		report(s, c, p, e, service);
	}
}

const struct kn_detector kn_detector_reflection = {
	.name = "reflection",
	.ctx_size = sizeof(struct reflection),
	.init = refl_init,
	.fini = refl_fini,
	.packet = refl_packet,
	.memuse = refl_memuse,
};
