/*
 * flow_test.h - helpers shared by the flow stage's unit tests: decoded
 * packets built by hand (hashed with kn_hash_tuple as decode does) and a
 * recorder of end-callback events.
 *
 * Header-only, included by one test binary at a time.
 */
#ifndef KN_TESTS_FLOW_TEST_H
#define KN_TESTS_FLOW_TEST_H

#include <arpa/inet.h>
#include <string.h>

#include "flow/flow_int.h"
#include "kenchi/flow.h"
#include "kenchi/packet.h"
#include "util/hash.h"

#define FT_S 1000000000ULL  /* ns per second */

/* Parses "a.b.c.d" or an IPv6 literal; returns the IP version (0 = bad). */
static inline int ft_addr(struct kn_addr *a, const char *s)
{
	memset(a, 0, sizeof *a);
	if (inet_pton(AF_INET, s, a->b) == 1)
		return 4;
	if (inet_pton(AF_INET6, s, a->b) == 1)
		return 6;
	return 0;
}

/* The symmetric hash as the decoder computes it: ports for TCP/UDP/SCTP,
 * 0/0 otherwise (so an ICMP request and its reply share a bucket), and
 * protocol, VLAN ids and tunnel id mixed in `extra`. */
static inline void ft_rehash(struct kn_packet *p)
{
	uint64_t extra = (uint64_t)p->proto | (uint64_t)p->vlan[0] << 8 |
			 (uint64_t)p->vlan[1] << 20 | (uint64_t)p->tunnel_id << 32;

	p->hash = kn_hash_tuple(p->src.b, p->sport, p->dst.b, p->dport, extra);
}

static inline void ft_pkt(struct kn_packet *p, uint8_t proto, const char *src, uint16_t sport,
			  const char *dst, uint16_t dport, uint64_t ts_ns)
{
	memset(p, 0, sizeof *p);
	p->ip_version = (uint8_t)ft_addr(&p->src, src);
	ft_addr(&p->dst, dst);
	p->proto = proto;
	if (proto == 6 || proto == 17 || proto == 132) {
		p->sport = sport;
		p->dport = dport;
		p->flags |= KN_PKT_HAS_PORTS;
	}
	p->ts_ns = ts_ns;
	p->caplen = p->wirelen = 100;
	p->frag_count = 1;
	p->frag_bytes = 100;
	ft_rehash(p);
}

static inline void ft_tcp(struct kn_packet *p, const char *src, uint16_t sport, const char *dst,
			  uint16_t dport, uint8_t flags, uint32_t seq, uint32_t ack,
			  uint32_t payload_len, uint64_t ts_ns)
{
	ft_pkt(p, 6, src, sport, dst, dport, ts_ns);
	p->tcp.flags = flags;
	p->tcp.seq = seq;
	p->tcp.ack = ack;
	p->tcp.hlen = 20;
	p->payload_len = payload_len;
	p->caplen = p->wirelen = 54 + payload_len;
	p->frag_bytes = p->caplen;
}

static inline void ft_icmp(struct kn_packet *p, const char *src, const char *dst, uint8_t type,
			   uint8_t code, uint64_t ts_ns)
{
	ft_pkt(p, 1, src, 0, dst, 0, ts_ns);
	if (p->ip_version == 6) {
		p->proto = 58;
		ft_rehash(p);
	}
	p->icmp_type = type;
	p->icmp_code = code;
}

/* ---- end-callback recorder ---- */

#define FT_MAX_ENDS 64

struct ft_end {
	struct kn_flow flow;  /* copy taken in the callback */
	int reason;
	uint64_t now_ns;
};

struct ft_rec {
	unsigned n;           /* callbacks seen (may exceed FT_MAX_ENDS) */
	struct ft_end e[FT_MAX_ENDS];
};

static inline void ft_on_end(void *user, struct kn_flow *f, int reason, uint64_t now_ns)
{
	struct ft_rec *r = user;

	if (r->n < FT_MAX_ENDS) {
		r->e[r->n].flow = *f;
		r->e[r->n].reason = reason;
		r->e[r->n].now_ns = now_ns;
	}
	r->n++;
}

/* A table with the default configuration but the given memcap and bucket
 * count (0 = default), ends recorded in *rec. */
static inline struct kn_flow_table *ft_table(struct ft_rec *rec, uint64_t memcap, uint32_t buckets)
{
	struct kn_flow_config cfg;
	char err[KN_ERRBUF_SIZE];

	kn_flow_config_default(&cfg);
	/* The TCP state tests run with closed flows expiring at once, so that
	 * a packet after the close shows expiry versus reuse exactly. */
	cfg.timeout_closed = 0;
	if (memcap)
		cfg.memcap = memcap;
	if (buckets)
		cfg.hash_size = buckets;
	memset(rec, 0, sizeof *rec);
	return kn_flow_table_new(&cfg, ft_on_end, rec, 0, err);
}

#endif
