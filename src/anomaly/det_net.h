/*
 * det_net.h - address helpers the behaviour detectors share (det_net.c):
 * which addresses are "internal" (the configured home networks, or RFC
 * 1918, CGNAT, link-local and ULA by default) and which are unicast; and
 * the fixed tables they keep their state in: arrays of entries that start
 * with a struct det_slot, found by a 64-bit key hash among 8 probes, the
 * least recently active of them replaced when full (two keys with the
 * same hash share an entry: rare, and only merges their counts); and the
 * payload bytes a packet carries in its frame.
 */
#ifndef KN_ANOMALY_DET_NET_H
#define KN_ANOMALY_DET_NET_H

#include "kenchi/detector.h"

/* A detector's copy of the home networks (taken at init). */
struct det_home {
	struct kn_detect_prefix nets[KN_DETECT_PREFIXES];
	unsigned n;
};

void det_home_init(struct det_home *h, const struct kn_detect_config *cfg);
/* 1 when a is internal: inside a home network, or with none configured
 * inside 10/8, 172.16/12, 192.168/16, 100.64/10, 169.254/16, fc00::/7,
 * fe80::/10. */
int det_internal(const struct det_home *h, const struct kn_addr *a, int v6);
/* 1 for a unicast address: not multicast, not 255.255.255.255, not x.x.x.0
 * or x.x.x.255 of an internal /24 (directed broadcast), not unspecified. */
int det_unicast(const struct kn_addr *a, int v6);
/* A key hash of an address (never 0: its low bit is always set, so it
 * must not pick sketch bits; det_addr_bits does). */
uint64_t det_addr_hash(const struct kn_addr *a, int v6, uint64_t seed);
/* A hash of an address whose every bit varies, for sketch positions. */
uint64_t det_addr_bits(const struct kn_addr *a, int v6, uint64_t seed);

/* Linear-counting sketches (distinct hosts, ports, names in a window):
 * det_sketch_add sets bit h % n of bits[n / 64] and returns 1 when it was
 * clear; det_sketch_estimate turns `set` bits of an m-bit sketch into the
 * distinct items behind them (-m ln(1 - set / m); a full sketch: 7m). */
int det_sketch_add(uint64_t *bits, unsigned n, uint64_t h);
unsigned det_sketch_estimate(uint32_t set, unsigned m);
/* Seconds from start_ns to last_ns (0 when the capture's time stepped back). */
double det_span_s(uint64_t start_ns, uint64_t last_ns);

/* The transport payload of p present in its frame: where it starts, its
 * bytes in *n (payload_len, fewer when the frame was cut short; 0 with a
 * NULL return when there are none). */
static inline const uint8_t *det_payload(const struct kn_packet *p, uint32_t *n)
{
	*n = 0;
	if (!p->data || !p->payload_len || p->payload_off > p->caplen)
		return NULL;
	uint32_t have = p->caplen - p->payload_off;
	*n = have < p->payload_len ? have : p->payload_len;
	return p->data + p->payload_off;
}

/* The header every table entry starts with. */
struct det_slot {
	uint64_t hash;     /* 0 = free */
	uint64_t last_ns;  /* last activity, for replacement */
};

struct det_table {
	unsigned char *slots;
	size_t n, stride;
	uint64_t evicted;
};

/* n = budget / stride entries (at least 16). 0 or -KN_ENOMEM. */
KN_WARN_UNUSED int det_table_init(struct det_table *t, uint64_t budget, size_t stride);
void det_table_fini(struct det_table *t);
uint64_t det_table_memuse(const struct det_table *t);
/* The entry of key hash h (h != 0), or NULL when absent and !create. With
 * create the entry is marked active now (last_ns); a created one is zeroed
 * but for its header, and *fresh (when not NULL) says so. */
void *det_table_find(struct det_table *t, uint64_t h, uint64_t now, int create, int *fresh);

#endif
