/*
 * test_flow_stress.c - memory per flow and a million flows through one
 * table: expiring by timeout, and evicted by the memcap, with memory that
 * stays bounded by the live flows (and so by the memcap).
 */
#include <malloc.h>
#include <stdio.h>

#include "flow_test.h"
#include "../../kt.h"

#define MILLION 1000000u

/* Flow i: a distinct UDP 5-tuple. */
static void nth_flow(struct kn_packet *p, uint32_t i, uint64_t ts)
{
	memset(p, 0, sizeof *p);
	p->ip_version = 4;
	p->proto = 17;
	p->src.b[0] = 10;
	p->src.b[1] = (uint8_t)(i >> 16);
	p->src.b[2] = (uint8_t)(i >> 8);
	p->src.b[3] = (uint8_t)i;
	p->dst.b[0] = 192;
	p->dst.b[1] = 168;
	p->dst.b[3] = 1;
	p->sport = (uint16_t)(1024 + (i >> 24));
	p->dport = 53;
	p->flags = KN_PKT_HAS_PORTS;
	p->ts_ns = ts;
	p->caplen = p->wirelen = 80;
	p->frag_count = 1;
	p->frag_bytes = 80;
	ft_rehash(p);
}

static size_t heap_bytes(void)
{
	struct mallinfo2 mi = mallinfo2();

	return mi.uordblks + mi.hblkhd;
}

static void test_bytes_per_flow(void)
{
	struct kn_flow_config cfg;
	char err[KN_ERRBUF_SIZE];
	struct kn_flow_table *t;
	struct kn_packet p;
	size_t heap0 = heap_bytes(), heap1;
	const uint32_t n = 100000;
	double table_bpf, heap_bpf;

	kn_flow_config_default(&cfg);
	t = kn_flow_table_new(&cfg, NULL, NULL, 0, err);
	KT_REQUIRE(t);
	for (uint32_t i = 0; i < n; i++) {
		nth_flow(&p, i, FT_S + i);
		KT_REQUIRE(kn_flow_lookup(t, &p));
	}
	heap1 = heap_bytes();
	KT_EQ(kn_flow_table_stats(t)->active, n);
	table_bpf = (double)flow_table_alloc_bytes(t) / n;
	heap_bpf = (double)(heap1 - heap0) / n;
	fprintf(stderr, "flow_stress: %zu-byte records; %.1f bytes/flow allocated by the table, "
		"%.1f bytes/flow heap growth (100k idle flows, 65536 buckets)\n",
		FLOW_REC_SIZE, table_bpf, heap1 > heap0 ? heap_bpf : 0.0);
	KT_EQ(FLOW_REC_SIZE, 192);
	KT_CHECK(table_bpf <= 256.0);
	/* the real allocator agrees (when mallinfo2 sees it: not under ASan) */
	KT_CHECK(heap1 <= heap0 || heap_bpf <= 256.0);
	KT_EQ(kn_flow_table_stats(t)->mem_in_use, 65536 * sizeof(void *) + (uint64_t)n * FLOW_REC_SIZE);
	kn_flow_table_free(t);
}

static void test_million_flows_expire(void)
{
	struct kn_flow_config cfg;
	char err[KN_ERRBUF_SIZE];
	struct kn_flow_table *t;
	struct kn_packet p;
	const struct kn_flow_stats *s;

	kn_flow_config_default(&cfg);
	cfg.timeout_new = FT_S;      /* one new flow every 10 us: ~100k live */
	t = kn_flow_table_new(&cfg, NULL, NULL, 0, err);
	KT_REQUIRE(t);
	s = kn_flow_table_stats(t);
	for (uint32_t i = 0; i < MILLION; i++) {
		uint64_t ts = FT_S + (uint64_t)i * 10000;

		kn_flow_table_timeout(t, ts);
		nth_flow(&p, i, ts);
		if (!kn_flow_lookup(t, &p))
			break;
	}
	KT_EQ(s->created, MILLION);
	KT_EQ(s->memcap_drops, 0);
	KT_EQ(s->ended_forced, 0);
	KT_CHECK(s->peak_active <= 100001);
	KT_CHECK(s->peak_active >= 99999);
	KT_EQ(s->ended_timeout + s->active, MILLION);
	/* records are recycled: slabs for the peak, not for a million */
	KT_CHECK(t->pool.bytes <= (s->peak_active + 512) * (FLOW_REC_SIZE + 1));
	KT_CHECK(s->mem_peak <= 65536 * sizeof(void *) + s->peak_active * FLOW_REC_SIZE);
	kn_flow_table_flush(t, FT_S + (uint64_t)MILLION * 10000);
	KT_EQ(s->ended_timeout + s->ended_shutdown, MILLION);
	KT_EQ(s->active, 0);
	kn_flow_table_free(t);
}

struct evict_check {
	uint64_t count, last_start;
	int in_order;
};

static void on_evict(void *user, struct kn_flow *f, int reason, uint64_t now_ns)
{
	struct evict_check *c = user;

	(void)now_ns;
	c->in_order &= reason == KN_FLOW_END_FORCED && f->start_ns > c->last_start;
	c->last_start = f->start_ns;
	c->count++;
}

static void test_million_flows_memcap(void)
{
	struct kn_flow_config cfg;
	char err[KN_ERRBUF_SIZE];
	struct kn_flow_table *t;
	struct kn_packet p;
	struct evict_check chk = { 0, 0, 1 };
	const struct kn_flow_stats *s;
	const uint64_t cap_flows = 10000;

	kn_flow_config_default(&cfg);
	cfg.hash_size = 16384;
	cfg.memcap = 16384 * sizeof(void *) + cap_flows * FLOW_REC_SIZE;
	t = kn_flow_table_new(&cfg, on_evict, &chk, 0, err);
	KT_REQUIRE(t);
	s = kn_flow_table_stats(t);
	for (uint32_t i = 0; i < MILLION; i++) {
		nth_flow(&p, i, FT_S + (uint64_t)i * 1000);
		if (!kn_flow_lookup(t, &p))
			break;
	}
	KT_EQ(s->created, MILLION);
	KT_EQ(s->active, cap_flows);
	KT_EQ(s->ended_forced, MILLION - cap_flows);
	KT_EQ(s->memcap_hits, MILLION - cap_flows);
	KT_EQ(chk.count, MILLION - cap_flows);
	KT_CHECK(chk.in_order);                  /* oldest first, every time */
	KT_CHECK(s->mem_peak <= cfg.memcap);
	KT_CHECK(t->pool.bytes <= (cap_flows + 512) * (FLOW_REC_SIZE + 1));
	kn_flow_table_free(t);
}

static const struct kt_case cases[] = {
	KT_CASE(test_bytes_per_flow),
	KT_CASE(test_million_flows_expire),
	KT_CASE(test_million_flows_memcap),
};

KT_MAIN("flow_stress", cases)
