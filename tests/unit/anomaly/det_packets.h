/*
 * det_packets.h - packets as the decoder leaves them for the behaviour
 * detector tests (include after detect_test.h): IPv4 addresses and one
 * packet of a fresh flow or of the rig's current flow.
 */
#ifndef KN_TESTS_DET_PACKETS_H
#define KN_TESTS_DET_PACKETS_H

static inline struct kn_addr v4(unsigned a, unsigned b, unsigned c, unsigned d)
{
	struct kn_addr x;
	memset(&x, 0, sizeof x);
	x.b[0] = (uint8_t)a, x.b[1] = (uint8_t)b, x.b[2] = (uint8_t)c, x.b[3] = (uint8_t)d;
	return x;
}

/* The decoded header of an IPv4 packet src -> dst at time t (s) on the
 * rig's flow in direction dir, numbered next: proto 6 with TCP flags, 17,
 * or 1 with an ICMP type. The rest of *p is zero. */
static inline void pkt_head(struct rig *r, struct kn_packet *p, struct kn_addr src,
			    struct kn_addr dst, uint8_t proto, uint16_t sport, uint16_t dport,
			    uint8_t flags_or_type, int dir, double t)
{
	memset(p, 0, sizeof *p);
	p->ip_version = 4;
	p->proto = proto;
	p->src = src;
	p->dst = dst;
	p->sport = sport;
	p->dport = dport;
	p->tcp.flags = proto == 6 ? flags_or_type : 0;
	p->icmp_type = proto == 1 ? flags_or_type : 0;
	p->ts_ns = (uint64_t)(t * 1e9) + 1;
	p->index = ++r->n;
	p->flow = &r->flow;
	p->dir = (uint8_t)dir;
}

/* A packet src -> dst at time t (s): proto 6 with TCP flags, 17, or 1 with
 * an ICMP type. first: it opens its own flow in direction dir (the flow's
 * packet counter for dir is 1), else it is a later packet (counter 5). */
static inline void pkt(struct rig *r, struct kn_addr src, struct kn_addr dst, uint8_t proto,
		uint16_t sport, uint16_t dport, uint8_t flags_or_type, int dir, int first,
		double t)
{
	struct kn_packet p;
	pkt_head(r, &p, src, dst, proto, sport, dport, flags_or_type, dir, t);
	p.payload_len = proto == 6 ? 0 : 32;
	r->flow.pkts[0] = r->flow.pkts[1] = 5;
	r->flow.pkts[dir] = first ? 1 : 5;
	kn_detect_packet(r->ctx, &p);
}

#endif
