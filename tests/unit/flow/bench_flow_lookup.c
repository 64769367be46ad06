/*
 * bench_flow_lookup.c - throughput of kn_flow_table_timeout + kn_flow_lookup
 * (what a worker does per packet) on a synthetic mix of 100k flows: 60%
 * TCP, 35% UDP, 5% ICMP echo, both directions. Not a test; run by hand:
 *
 *   bench_flow_lookup [packets-millions] [flows]
 *
 * Two access patterns: uniform (every packet picks a random flow: the
 * cache-hostile worst case) and trains (8 consecutive packets per flow, as
 * real traffic tends to come).
 */
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

#include "flow_test.h"
#include "util/alloc.h"

static double now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

static uint64_t rng(uint64_t *s)
{
	*s += 0x9e3779b97f4a7c15ULL;
	return kn_mix64(*s);
}

/* Packet templates: [2i] client->server, [2i+1] server->client of flow i. */
static void make_templates(struct kn_packet *tpl, uint32_t flows)
{
	for (uint32_t i = 0; i < flows; i++) {
		char c[32], s[32];
		unsigned kind = i % 20;

		snprintf(c, sizeof c, "10.%u.%u.%u", (i >> 16) & 255, (i >> 8) & 255, i & 255);
		snprintf(s, sizeof s, "172.16.%u.%u", (i >> 8) % 7, i % 13 + 1);
		if (kind == 0) {
			ft_icmp(&tpl[2 * i], c, s, 8, 0, 0);
			ft_icmp(&tpl[2 * i + 1], s, c, 0, 0, 0);
		} else if (kind < 8) {
			ft_pkt(&tpl[2 * i], 17, c, (uint16_t)(1024 + i % 60000), s, 53, 0);
			ft_pkt(&tpl[2 * i + 1], 17, s, 53, c, (uint16_t)(1024 + i % 60000), 0);
		} else {
			ft_tcp(&tpl[2 * i], c, (uint16_t)(1024 + i % 60000), s, 443, KN_TCP_ACK, 1, 1, 100, 0);
			ft_tcp(&tpl[2 * i + 1], s, 443, c, (uint16_t)(1024 + i % 60000), KN_TCP_ACK, 1, 1,
			       1400, 0);
		}
	}
}

/* What decode writes into the (hot) packet, stored compactly in capture
 * order so that the harness streams through it like a capture buffer. */
struct compact {
	struct kn_addr src, dst;
	uint16_t sport, dport;
	uint32_t hash;
	uint8_t proto, tcp_flags, icmp_type;
};

#define SEQ_LEN (1u << 20)

static void make_sequence(struct compact *seq, const struct kn_packet *tpl, uint32_t flows,
			  unsigned train)
{
	uint64_t seed = 42;

	for (uint32_t n = 0; n < SEQ_LEN;) {
		uint64_t r = rng(&seed);
		const struct kn_packet *p = &tpl[2 * (uint32_t)(r % flows)];

		for (unsigned k = 0; k < train && n < SEQ_LEN; k++, n++) {
			const struct kn_packet *q = p + ((r >> (40 + k)) & 1);
			struct compact *c = &seq[n];

			c->src = q->src;
			c->dst = q->dst;
			c->sport = q->sport;
			c->dport = q->dport;
			c->hash = q->hash;
			c->proto = q->proto;
			c->tcp_flags = q->tcp.flags;
			c->icmp_type = q->icmp_type;
		}
	}
}

static void fill(struct kn_packet *p, const struct compact *c, uint64_t ts)
{
	p->src = c->src;
	p->dst = c->dst;
	p->sport = c->sport;
	p->dport = c->dport;
	p->hash = c->hash;
	p->proto = c->proto;
	p->tcp.flags = c->tcp_flags;
	p->icmp_type = c->icmp_type;
	p->ts_ns = ts;
}

static double run(const struct kn_packet *tpl, struct compact *seq, uint32_t flows,
		  uint64_t packets, unsigned train)
{
	struct kn_flow_config cfg;
	char err[KN_ERRBUF_SIZE];
	struct kn_flow_table *t;
	struct kn_packet pkt;
	uint64_t ts = 1000 * FT_S, hits = 0;
	double t0, t1;

	kn_flow_config_default(&cfg);
	t = kn_flow_table_new(&cfg, NULL, NULL, 0, err);
	if (!t)
		return 0;
	make_sequence(seq, tpl, flows, train);
	for (uint32_t i = 0; i < 2 * flows; i++) {   /* warm: every flow exists */
		pkt = tpl[i];
		pkt.ts_ns = ts;
		kn_flow_lookup(t, &pkt);
	}
	pkt = tpl[0];
	t0 = now_s();
	for (uint64_t n = 0; n < packets; n++) {
		ts += 1000;
		fill(&pkt, &seq[n & (SEQ_LEN - 1)], ts);
		kn_flow_table_timeout(t, ts);
		hits += kn_flow_lookup(t, &pkt) != NULL;
	}
	t1 = now_s();
	if (hits != packets || kn_flow_table_stats(t)->created != flows)
		fprintf(stderr, "bench: unexpected: %llu hits, %llu flows\n", (unsigned long long)hits,
			(unsigned long long)kn_flow_table_stats(t)->created);
	kn_flow_table_free(t);
	return (double)packets / (t1 - t0);
}

int main(int argc, char **argv)
{
	uint64_t packets = (argc > 1 ? strtoull(argv[1], NULL, 10) : 20) * 1000000ULL;
	uint32_t flows = argc > 2 ? (uint32_t)strtoul(argv[2], NULL, 10) : 100000;
	struct kn_packet *tpl = flows ? kn_calloc(2 * (size_t)flows, sizeof *tpl) : NULL;
	struct compact *seq = kn_calloc(SEQ_LEN, sizeof *seq);

	if (!tpl || !seq)
		return 1;
	make_templates(tpl, flows);
	printf("flows %u, packets %llu, record %zu bytes\n", flows, (unsigned long long)packets,
	       FLOW_REC_SIZE);
	printf("uniform:   %.2f M packets/s\n", run(tpl, seq, flows, packets, 1) / 1e6);
	printf("trains(8): %.2f M packets/s\n", run(tpl, seq, flows, packets, 8) / 1e6);
	kn_free(seq);
	kn_free(tpl);
	return 0;
}
