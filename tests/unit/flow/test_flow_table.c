/*
 * test_flow_table.c - the flow table: matching both directions, counters,
 * VLAN/tunnel separation, ICMP pairing, flush, stats, flow ids, names and
 * configuration errors.
 */
#include "flow_test.h"
#include "../../kt.h"
#include "util/alloc.h"

static void test_both_directions_one_flow(void)
{
	struct ft_rec rec;
	struct kn_flow_table *t = ft_table(&rec, 0, 0);
	struct kn_packet p;
	struct kn_flow *f, *g;

	KT_REQUIRE(t);
	ft_pkt(&p, 17, "192.168.1.52", 54585, "8.8.8.8", 53, 1 * FT_S);
	p.frag_bytes = 74;
	f = kn_flow_lookup(t, &p);
	KT_REQUIRE(f);
	KT_CHECK(p.flow == f);
	KT_EQ(p.dir, 0);
	KT_EQ(f->state, KN_FLOW_NEW);
	for (int i = 0; i < 2; i++) {
		ft_pkt(&p, 17, "192.168.1.52", 54585, "8.8.8.8", 53, 2 * FT_S + (uint64_t)i);
		p.frag_bytes = 80;
		KT_CHECK(kn_flow_lookup(t, &p) == f);
	}
	for (int i = 0; i < 2; i++) {
		ft_pkt(&p, 17, "8.8.8.8", 53, "192.168.1.52", 54585, 3 * FT_S + (uint64_t)i);
		p.frag_bytes = 300;
		g = kn_flow_lookup(t, &p);
		KT_CHECK(g == f);
		KT_EQ(p.dir, 1);
	}
	KT_EQ(f->pkts[0], 3);
	KT_EQ(f->pkts[1], 2);
	KT_EQ(f->bytes[0], 74 + 80 + 80);
	KT_EQ(f->bytes[1], 600);
	KT_EQ(f->state, KN_FLOW_ESTABLISHED);
	KT_EQ(f->start_ns, 1 * FT_S);
	KT_EQ(f->last_ns, 3 * FT_S + 1);
	KT_EQ(f->key.sport, 54585);
	KT_EQ(f->key.dport, 53);
	KT_EQ(f->key.src.b[0], 192);
	KT_EQ(f->flags, 0);
	KT_EQ(kn_flow_table_stats(t)->created, 1);
	KT_EQ(kn_flow_table_stats(t)->udp, 1);
	kn_flow_table_free(t);
}

static void test_defrag_counts(void)
{
	struct ft_rec rec;
	struct kn_flow_table *t = ft_table(&rec, 0, 0);
	struct kn_packet p;
	struct kn_flow *f;

	KT_REQUIRE(t);
	ft_pkt(&p, 17, "10.0.0.1", 5000, "10.0.0.2", 5001, FT_S);
	p.flags |= KN_PKT_REASSEMBLED;
	p.frag_count = 3;
	p.frag_bytes = 4514;
	p.caplen = 4000;
	f = kn_flow_lookup(t, &p);
	KT_REQUIRE(f);
	KT_EQ(f->pkts[0], 3);
	KT_EQ(f->bytes[0], 4514);
	/* a fragment held by defrag is not tracked */
	ft_pkt(&p, 17, "10.0.0.1", 5000, "10.0.0.2", 5001, FT_S);
	p.flags |= KN_PKT_FRAGMENT;
	KT_CHECK(kn_flow_lookup(t, &p) == NULL);
	KT_CHECK(p.flow == NULL);
	/* not IP */
	ft_pkt(&p, 17, "10.0.0.1", 5000, "10.0.0.2", 5001, FT_S);
	p.ip_version = 0;
	KT_CHECK(kn_flow_lookup(t, &p) == NULL);
	KT_EQ(f->pkts[0], 3);
	KT_EQ(kn_flow_table_stats(t)->created, 1);
	KT_EQ(kn_flow_table_stats(t)->memcap_drops, 0);
	kn_flow_table_free(t);
}

static void test_vlan_tunnel_separate_flows(void)
{
	struct ft_rec rec;
	struct kn_flow_table *t = ft_table(&rec, 0, 0);
	struct kn_packet p;
	struct kn_flow *f[4];

	KT_REQUIRE(t);
	for (int i = 0; i < 4; i++) {
		ft_tcp(&p, "10.1.1.1", 40000, "10.2.2.2", 443, KN_TCP_SYN, 1, 0, 0, FT_S);
		if (i == 1)
			p.vlan[0] = 10;
		if (i == 2)
			p.vlan[0] = 20;
		if (i == 3)
			p.tunnel_id = 4242;
		ft_rehash(&p);
		f[i] = kn_flow_lookup(t, &p);
		KT_REQUIRE(f[i]);
	}
	KT_CHECK(f[0] != f[1] && f[1] != f[2] && f[2] != f[3] && f[0] != f[3]);
	KT_EQ(f[2]->key.vlan[0], 20);
	KT_EQ(f[3]->key.tunnel_id, 4242);
	/* the reply on VLAN 20 goes to the VLAN 20 flow */
	ft_tcp(&p, "10.2.2.2", 443, "10.1.1.1", 40000, KN_TCP_SYN | KN_TCP_ACK, 9, 2, 0, FT_S + 1);
	p.vlan[0] = 20;
	ft_rehash(&p);
	KT_CHECK(kn_flow_lookup(t, &p) == f[2]);
	KT_EQ(p.dir, 1);
	KT_EQ(f[2]->tcp_state, KN_TCP_SYN_RECV);
	KT_EQ(f[1]->tcp_state, KN_TCP_SYN_SENT);
	KT_EQ(kn_flow_table_stats(t)->created, 4);
	kn_flow_table_free(t);
}

static void test_icmp_echo_pairing(void)
{
	struct ft_rec rec;
	struct kn_flow_table *t = ft_table(&rec, 0, 0);
	struct kn_packet p;
	struct kn_flow *f, *g;

	KT_REQUIRE(t);
	ft_icmp(&p, "192.168.0.89", "192.168.0.1", 8, 0, FT_S);
	f = kn_flow_lookup(t, &p);
	KT_REQUIRE(f);
	KT_EQ(f->key.sport, 8);
	KT_EQ(f->key.dport, 0);
	KT_EQ(f->icmp_type, 8);
	ft_icmp(&p, "192.168.0.1", "192.168.0.89", 0, 0, FT_S + 1000);
	KT_CHECK(kn_flow_lookup(t, &p) == f);
	KT_EQ(p.dir, 1);
	KT_EQ(f->state, KN_FLOW_ESTABLISHED);
	KT_EQ(f->pkts[0], 1);
	KT_EQ(f->pkts[1], 1);
	/* the other host pinging back is another flow */
	ft_icmp(&p, "192.168.0.1", "192.168.0.89", 8, 0, FT_S + 2000);
	g = kn_flow_lookup(t, &p);
	KT_CHECK(g && g != f);
	/* a reply seen first: its receiver is the client, key as the request */
	ft_icmp(&p, "10.9.9.9", "10.0.0.5", 0, 0, FT_S + 3000);
	g = kn_flow_lookup(t, &p);
	KT_REQUIRE(g);
	KT_EQ(p.dir, 1);
	KT_CHECK(g->flags & KN_FLOW_F_SWAPPED);
	KT_EQ(g->key.src.b[3], 5);
	KT_EQ(g->key.sport, 8);
	KT_EQ(g->key.dport, 0);
	KT_EQ(g->icmp_type, 0);
	ft_icmp(&p, "10.0.0.5", "10.9.9.9", 8, 0, FT_S + 4000);
	KT_CHECK(kn_flow_lookup(t, &p) == g);
	KT_EQ(p.dir, 0);
	KT_EQ(kn_flow_table_stats(t)->icmp, 3);
	kn_flow_table_free(t);
}

static void test_icmp_one_way_and_v6(void)
{
	struct ft_rec rec;
	struct kn_flow_table *t = ft_table(&rec, 0, 0);
	struct kn_packet p;
	struct kn_flow *a, *b, *c;

	KT_REQUIRE(t);
	/* port unreachable both ways: one-way type, two flows */
	ft_icmp(&p, "10.0.0.1", "10.0.0.2", 3, 3, FT_S);
	a = kn_flow_lookup(t, &p);
	ft_icmp(&p, "10.0.0.2", "10.0.0.1", 3, 3, FT_S);
	b = kn_flow_lookup(t, &p);
	KT_REQUIRE(a && b && a != b);
	KT_EQ(a->key.sport, 3);
	KT_EQ(a->key.dport, 3);
	ft_icmp(&p, "10.0.0.1", "10.0.0.2", 3, 3, FT_S + 1);
	KT_CHECK(kn_flow_lookup(t, &p) == a);
	KT_EQ(a->pkts[0], 2);
	KT_EQ(a->pkts[1], 0);
	/* ICMPv6 neighbour solicitation / advertisement pair */
	ft_icmp(&p, "fe80::200:86ff:fe05:80da", "fe80::260:97ff:fe07:69ea", 135, 0, FT_S);
	c = kn_flow_lookup(t, &p);
	KT_REQUIRE(c);
	KT_EQ(c->key.proto, 58);
	KT_EQ(c->key.sport, 135);
	KT_EQ(c->key.dport, 136);
	ft_icmp(&p, "fe80::260:97ff:fe07:69ea", "fe80::200:86ff:fe05:80da", 136, 0, FT_S + 5);
	KT_CHECK(kn_flow_lookup(t, &p) == c);
	KT_EQ(p.dir, 1);
	/* router advertisement first (IPv4 9 <-> 10): swapped */
	ft_icmp(&p, "10.0.0.254", "224.0.0.1", 9, 0, FT_S);
	a = kn_flow_lookup(t, &p);
	KT_REQUIRE(a);
	KT_CHECK(a->flags & KN_FLOW_F_SWAPPED);
	KT_EQ(a->key.sport, 10);
	kn_flow_table_free(t);
}

static void test_other_protocol(void)
{
	struct ft_rec rec;
	struct kn_flow_table *t = ft_table(&rec, 0, 0);
	struct kn_packet p;
	struct kn_flow *f;

	KT_REQUIRE(t);
	ft_pkt(&p, 47, "10.1.12.1", 0, "10.1.12.2", 0, FT_S);
	f = kn_flow_lookup(t, &p);
	ft_pkt(&p, 47, "10.1.12.2", 0, "10.1.12.1", 0, FT_S + 1);
	KT_REQUIRE(f && kn_flow_lookup(t, &p) == f);
	KT_EQ(p.dir, 1);
	KT_EQ(f->state, KN_FLOW_ESTABLISHED);
	KT_EQ(f->key.sport, 0);
	KT_EQ(kn_flow_table_stats(t)->other, 1);
	kn_flow_table_free(t);
}

static void test_flush_and_reuse(void)
{
	struct ft_rec rec;
	struct kn_flow_table *t = ft_table(&rec, 0, 0);
	struct kn_packet p;
	const struct kn_flow_stats *s;

	KT_REQUIRE(t);
	for (uint16_t i = 0; i < 10; i++) {
		ft_pkt(&p, 17, "10.0.0.1", (uint16_t)(1000 + i), "10.0.0.2", 53, FT_S + i);
		KT_REQUIRE(kn_flow_lookup(t, &p));
	}
	s = kn_flow_table_stats(t);
	KT_EQ(s->active, 10);
	kn_flow_table_flush(t, 5 * FT_S);
	KT_EQ(rec.n, 10);
	for (unsigned i = 0; i < rec.n; i++) {
		KT_EQ(rec.e[i].reason, KN_FLOW_END_SHUTDOWN);
		KT_EQ(rec.e[i].now_ns, 5 * FT_S);
	}
	KT_EQ(s->active, 0);
	KT_EQ(s->ended_shutdown, 10);
	KT_EQ(s->mem_in_use, 65536 * sizeof(void *));
	/* reusable: the same tuple starts a fresh flow */
	ft_pkt(&p, 17, "10.0.0.1", 1000, "10.0.0.2", 53, 6 * FT_S);
	KT_REQUIRE(kn_flow_lookup(t, &p));
	KT_EQ(p.flow->pkts[0], 1);
	KT_EQ(p.flow->start_ns, 6 * FT_S);
	KT_EQ(s->created, 11);
	KT_EQ(s->active, 1);
	kn_flow_table_flush(t, 0);  /* earlier than the clock: ends at the clock */
	KT_EQ(rec.n, 11);
	KT_EQ(rec.e[10].now_ns, 6 * FT_S);
	kn_flow_table_free(t);
}

static void test_stats_and_memory(void)
{
	struct ft_rec rec;
	struct kn_flow_table *t = ft_table(&rec, 0, 1000);
	struct kn_packet p;
	const struct kn_flow_stats *s;

	KT_REQUIRE(t);
	s = kn_flow_table_stats(t);
	KT_EQ(s->mem_in_use, 1024 * sizeof(void *));  /* rounded up to a power of two */
	ft_tcp(&p, "10.0.0.1", 1234, "10.0.0.2", 80, KN_TCP_SYN, 1, 0, 0, FT_S);
	KT_CHECK(kn_flow_lookup(t, &p));
	ft_pkt(&p, 17, "10.0.0.1", 1234, "10.0.0.2", 80, FT_S);
	KT_CHECK(kn_flow_lookup(t, &p));
	ft_icmp(&p, "10.0.0.1", "10.0.0.2", 8, 0, FT_S);
	KT_CHECK(kn_flow_lookup(t, &p));
	ft_pkt(&p, 132, "10.0.0.1", 1234, "10.0.0.2", 80, FT_S);
	KT_CHECK(kn_flow_lookup(t, &p));
	KT_EQ(s->created, 4);
	KT_EQ(s->tcp, 1);
	KT_EQ(s->udp, 1);
	KT_EQ(s->icmp, 1);
	KT_EQ(s->other, 1);
	KT_EQ(s->active, 4);
	KT_EQ(s->peak_active, 4);
	KT_EQ(s->mem_in_use, 1024 * sizeof(void *) + 4 * FLOW_REC_SIZE);
	KT_EQ(s->mem_peak, s->mem_in_use);
	kn_flow_table_flush(t, 2 * FT_S);
	KT_EQ(s->peak_active, 4);
	KT_EQ(s->mem_peak, 1024 * sizeof(void *) + 4 * FLOW_REC_SIZE);
	KT_EQ(s->mem_in_use, 1024 * sizeof(void *));
	kn_flow_table_free(t);
}

/* Feeds 200 flows (3 packets each) to `t`, only those with hash & 1 ==
 * `parity` when parity >= 0; records flow ids by flow index. */
static void feed_ids(struct kn_flow_table *t, int parity, uint64_t ids[200])
{
	struct kn_packet p;
	char src[32];

	for (int round = 0; round < 3; round++) {
		for (int i = 0; i < 200; i++) {
			snprintf(src, sizeof src, "10.0.%d.%d", i / 100, i % 100 + 1);
			if (round == 1)
				ft_pkt(&p, 17, "10.9.9.9", 53, src, (uint16_t)(2000 + i),
				       FT_S * 10 + (uint64_t)(round * 200 + i));
			else
				ft_pkt(&p, 17, src, (uint16_t)(2000 + i), "10.9.9.9", 53,
				       FT_S * 10 + (uint64_t)(round * 200 + i));
			if (parity >= 0 && (int)(p.hash & 1) != parity)
				continue;
			if (kn_flow_lookup(t, &p) && round == 0)
				ids[i] = p.flow->flow_id;
		}
	}
}

static void test_flow_id_deterministic(void)
{
	struct kn_flow_config cfg;
	char err[KN_ERRBUF_SIZE];
	struct kn_flow_table *one, *w0, *w1;
	uint64_t a[200], b[200];
	int distinct = 1;

	kn_flow_config_default(&cfg);
	one = kn_flow_table_new(&cfg, NULL, NULL, 0, err);
	w0 = kn_flow_table_new(&cfg, NULL, NULL, 0, err);
	w1 = kn_flow_table_new(&cfg, NULL, NULL, 1, err);
	KT_REQUIRE(one && w0 && w1);
	memset(a, 0, sizeof a);
	memset(b, 0, sizeof b);
	feed_ids(one, -1, a);
	feed_ids(w0, 0, b);
	feed_ids(w1, 1, b);
	for (int i = 0; i < 200; i++) {
		KT_CHECK(a[i] != 0);
		KT_CHECK(a[i] < (1ULL << 51));
		KT_EQ(a[i], b[i]);
		for (int j = 0; j < i; j++)
			distinct &= a[i] != a[j];
	}
	KT_CHECK(distinct);
	KT_EQ(kn_flow_table_stats(w0)->created + kn_flow_table_stats(w1)->created, 200);
	kn_flow_table_free(one);
	kn_flow_table_free(w0);
	kn_flow_table_free(w1);
}

static void test_names(void)
{
	KT_EQ_STR(kn_flow_state_name(KN_FLOW_NEW), "new");
	KT_EQ_STR(kn_flow_state_name(KN_FLOW_ESTABLISHED), "established");
	KT_EQ_STR(kn_flow_state_name(KN_FLOW_CLOSED), "closed");
	KT_EQ_STR(kn_flow_state_name(99), "unknown");
	KT_EQ_STR(kn_tcp_state_name(KN_TCP_NONE), "none");
	KT_EQ_STR(kn_tcp_state_name(KN_TCP_SYN_SENT), "syn_sent");
	KT_EQ_STR(kn_tcp_state_name(KN_TCP_SYN_RECV), "syn_recv");
	KT_EQ_STR(kn_tcp_state_name(KN_TCP_ESTABLISHED), "established");
	KT_EQ_STR(kn_tcp_state_name(KN_TCP_FIN_WAIT1), "fin_wait1");
	KT_EQ_STR(kn_tcp_state_name(KN_TCP_FIN_WAIT2), "fin_wait2");
	KT_EQ_STR(kn_tcp_state_name(KN_TCP_TIME_WAIT), "time_wait");
	KT_EQ_STR(kn_tcp_state_name(KN_TCP_LAST_ACK), "last_ack");
	KT_EQ_STR(kn_tcp_state_name(KN_TCP_CLOSE_WAIT), "close_wait");
	KT_EQ_STR(kn_tcp_state_name(KN_TCP_CLOSING), "closing");
	KT_EQ_STR(kn_tcp_state_name(KN_TCP_CLOSED), "closed");
	KT_EQ_STR(kn_tcp_state_name(11), "unknown");
	KT_EQ_STR(kn_flow_end_reason_name(KN_FLOW_END_TIMEOUT), "timeout");
	KT_EQ_STR(kn_flow_end_reason_name(KN_FLOW_END_FORCED), "forced");
	KT_EQ_STR(kn_flow_end_reason_name(KN_FLOW_END_SHUTDOWN), "shutdown");
	KT_EQ_STR(kn_flow_end_reason_name(3), "unknown");
}

static void test_config_errors(void)
{
	struct kn_flow_config cfg;
	char err[KN_ERRBUF_SIZE];

	kn_flow_config_default(&cfg);
	KT_EQ(cfg.memcap, 128ULL << 20);
	KT_EQ(cfg.hash_size, 65536);
	KT_EQ(cfg.timeout_new, 30 * FT_S);
	KT_EQ(cfg.timeout_established, 300 * FT_S);
	KT_EQ(cfg.timeout_closed, 60000000000ULL);
	KT_EQ(cfg.timeout_tcp_established, 600 * FT_S);
	KT_EQ(cfg.timeout_tcp_new, 60 * FT_S);
	KT_EQ(cfg.timeout_udp_established, 300 * FT_S);
	KT_EQ(cfg.timeout_icmp, 30 * FT_S);
	err[0] = 0;
	KT_CHECK(kn_flow_table_new(NULL, NULL, NULL, 0, err) == NULL);
	KT_CHECK(strstr(err, "configuration") != NULL);
	cfg.hash_size = 0;
	err[0] = 0;
	KT_CHECK(kn_flow_table_new(&cfg, NULL, NULL, 0, err) == NULL);
	KT_CHECK(strstr(err, "hash_size") != NULL);
	cfg.hash_size = 1024;
	cfg.memcap = 1024 * sizeof(void *);  /* buckets fit, no flow does */
	err[0] = 0;
	KT_CHECK(kn_flow_table_new(&cfg, NULL, NULL, 0, err) == NULL);
	KT_CHECK(strstr(err, "memcap") != NULL);
	KT_CHECK(kn_flow_table_new(&cfg, NULL, NULL, 0, NULL) == NULL);  /* no errbuf: fine */
	kn_flow_table_free(NULL);
	kn_flow_table_timeout(NULL, 1);
	kn_flow_table_flush(NULL, 1);
}

/* With -Dalloc_faults=true: every allocation of table creation and of the
 * first slab can fail without a crash; a failed slab drops the packet. */
static void test_allocation_failures(void)
{
	struct kn_flow_config cfg;
	char err[KN_ERRBUF_SIZE];
	struct kn_packet p;
	void *probe;

	kn_alloc_fail_at(1);
	probe = kn_malloc(16);
	kn_alloc_fail_at(0);
	if (probe) {
		kn_free(probe);
		KT_SKIP("built without alloc_faults");
	}
	kn_flow_config_default(&cfg);
	for (unsigned long n = 1; n <= 3; n++) {
		struct kn_flow_table *t;

		kn_alloc_fail_at(n);
		t = kn_flow_table_new(&cfg, NULL, NULL, 0, err);
		if (t) {
			ft_pkt(&p, 17, "10.0.0.1", 1, "10.0.0.2", 2, FT_S);
			KT_CHECK(kn_flow_lookup(t, &p) == NULL);   /* n == 3: the slab */
			KT_EQ(kn_flow_table_stats(t)->memcap_drops, 1);
			kn_alloc_fail_at(0);
			KT_CHECK(kn_flow_lookup(t, &p) != NULL);   /* recovers */
		}
		KT_CHECK(t != NULL || strstr(err, "out of memory") != NULL);
		kn_alloc_fail_at(0);
		kn_flow_table_free(t);
	}
}

static const struct kt_case cases[] = {
	KT_CASE(test_both_directions_one_flow),
	KT_CASE(test_defrag_counts),
	KT_CASE(test_vlan_tunnel_separate_flows),
	KT_CASE(test_icmp_echo_pairing),
	KT_CASE(test_icmp_one_way_and_v6),
	KT_CASE(test_other_protocol),
	KT_CASE(test_flush_and_reuse),
	KT_CASE(test_stats_and_memory),
	KT_CASE(test_flow_id_deterministic),
	KT_CASE(test_names),
	KT_CASE(test_config_errors),
	KT_CASE(test_allocation_failures),
};

KT_MAIN("flow_table", cases)
