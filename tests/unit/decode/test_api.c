/*
 * test_api.c - the decoder's public surface: configuration defaults and
 * validation, event names, packet field initialisation, the flow hash,
 * two independent decoders in one process, and allocation failures.
 */
#include "decode_test.h"

static void test_config(void)
{
	struct kn_decode_config cfg;
	kn_decode_config_default(&cfg);
	KT_EQ(cfg.defrag_memcap, 32u << 20);
	KT_EQ(cfg.defrag_timeout_ns, 60ull * 1000000000ull);
	KT_EQ(cfg.defrag_max_trackers, 65536);
	KT_EQ(cfg.max_layers, 16);
	char err[KN_ERRBUF_SIZE] = "";
	cfg.max_layers = 0;
	KT_CHECK(kn_decoder_new(&cfg, err) == NULL);
	KT_CHECK(strstr(err, "max_layers") != NULL);
	cfg.max_layers = 65;
	KT_CHECK(kn_decoder_new(&cfg, err) == NULL);
	cfg.max_layers = 64;
	struct kn_decoder *d = kn_decoder_new(&cfg, err);
	KT_CHECK(d != NULL);
	kn_decoder_free(d);
	kn_decoder_free(NULL);
}

static void test_event_names(void)
{
	for (unsigned i = 0; i < KN_DEV_COUNT; i++) {
		const char *n = kn_decode_event_name(i);
		KT_REQUIRE(n != NULL);
		const char *dot = strchr(n, '.');
		KT_CHECK(dot != NULL && dot != n && dot[1] != 0);
		for (unsigned j = 0; j < i; j++)
			KT_CHECK(strcmp(n, kn_decode_event_name(j)) != 0);
	}
	KT_CHECK(kn_decode_event_name(KN_DEV_COUNT) == NULL);
	KT_CHECK(kn_decode_event_name(~0u) == NULL);
	KT_EQ_STR(kn_decode_event_name(KN_DEV_IPV4_TRUNC_PKT), "ipv4.trunc_pkt");
	KT_EQ_STR(kn_decode_event_name(KN_DEV_TCP_INVALID_OPTLEN), "tcp.invalid_optlen");
	KT_EQ_STR(kn_decode_event_name(KN_DEV_IPV6_EXTHDR_DUPL_FH), "ipv6.exthdr_dupl_fh");
	KT_EQ_STR(kn_decode_event_name(KN_DEV_GRE_PKT_TOO_SMALL), "gre.pkt_too_small");
	KT_EQ_STR(kn_decode_event_name(KN_DEV_VLAN_TOO_MANY_LAYERS), "vlan.too_many_layers");
	KT_EQ_STR(kn_decode_event_name(KN_DEV_DEFRAG_MEMCAP), "defrag.memcap");
	KT_EQ_STR(kn_decode_event_name(KN_DEV_DEFRAG_TIMEOUT), "defrag.timeout");
}

/* Fields left from a previous, tunnelled TCP packet must not leak into
 * the next one (the caller does not zero the packet). */
static void test_fields_reset(void)
{
	struct kn_decoder *d = dt_decoder();
	struct kn_craft *c = dt_craft();
	struct kn_packet p;
	KT_REQUIRE(d && c);
	kn_craft_eth(c, NULL, NULL);
	kn_craft_vlan(c, 0x8100, 7);
	kn_craft_ipv4(c, "1.1.1.1", "2.2.2.2", 47);
	kn_craft_gre(c, KN_CRAFT_GRE_KEY, 3, 0);
	kn_craft_ipv4(c, "3.3.3.3", "4.4.4.4", 6);
	kn_craft_tcp(c, 1, 2, 3, 4, KN_TCP_SYN, 5);
	kn_craft_tcp_mss(c, 1200);
	KT_EQ(dt_decode(d, c, &p), KN_DECODE_IP);
	KT_EQ(p.tcp.mss, 1200);
	kn_craft_init(c);
	kn_craft_eth(c, NULL, NULL);
	kn_craft_ipv4(c, "5.5.5.5", "6.6.6.6", 1);
	kn_craft_icmp(c, 0, 0, 9, 9);
	size_t n = kn_craft_finish(c);
	/* Same struct, not re-initialised by the caller. */
	p.data = c->buf;
	p.caplen = p.wirelen = (uint32_t)n;
	p.flags = KN_PKT_STABLE;
	KT_EQ(kn_decode(d, &p), KN_DECODE_IP);
	KT_EQ(p.vlan[0], 0);
	KT_EQ(p.tunnel_id, 0);
	KT_EQ(p.tunnel_depth, 0);
	KT_EQ(p.sport, 0);
	KT_EQ(p.tcp.mss, 0);
	KT_EQ(p.tcp.seq, 0);
	KT_EQ(p.icmp_id, 9);
	KT_EQ(p.flags, KN_PKT_STABLE | KN_PKT_ETH);   /* Ethernet addresses are decoded */
	KT_EQ(p.n_events, 0);
	KT_EQ(p.frag_count, 1);
	KT_EQ(p.frag_bytes, n);
	kn_free(c);
	kn_decoder_free(d);
}

static void test_hash_by_hand(void)
{
	struct kn_packet a, b;
	memset(&a, 0, sizeof a);
	a.ip_version = 4;
	a.proto = 17;
	a.src.b[0] = 10, a.src.b[3] = 1;
	a.dst.b[0] = 10, a.dst.b[3] = 2;
	a.sport = 1000;
	a.dport = 53;
	b = a;
	b.src = a.dst, b.dst = a.src, b.sport = a.dport, b.dport = a.sport;
	KT_EQ(kn_packet_hash(&a), kn_packet_hash(&b));
	b.tunnel_id = 1;
	KT_CHECK(kn_packet_hash(&a) != kn_packet_hash(&b));
	b.tunnel_id = 0;
	b.vlan[1] = 3;
	KT_CHECK(kn_packet_hash(&a) != kn_packet_hash(&b));
	/* The decoder stores the same value. */
	struct kn_decoder *d = dt_decoder();
	struct kn_craft *c = dt_craft();
	struct kn_packet p;
	KT_REQUIRE(d && c);
	kn_craft_ipv4(c, "10.0.0.2", "10.0.0.1", 17);
	kn_craft_udp(c, 53, 1000);
	KT_EQ(dt_decode(d, c, &p), KN_DECODE_IP);
	KT_EQ(p.hash, kn_packet_hash(&a));
	kn_free(c);
	kn_decoder_free(d);
}

/* Two decoders: statistics and reassembly state stay apart. */
static void test_two_instances(void)
{
	struct kn_decoder *d1 = dt_decoder(), *d2 = dt_decoder();
	struct kn_craft *c = dt_craft(), *f = dt_craft();
	struct kn_packet p;
	KT_REQUIRE(d1 && d2 && c && f);
	kn_craft_eth(c, NULL, NULL);
	kn_craft_ipv4(c, "10.0.0.1", "10.0.0.2", 17);
	kn_craft_udp(c, 1, 2);
	kn_craft_payload(c, NULL, 100);
	kn_craft_finish(c);
	size_t n = kn_craft_fragment_at(c, 0, 56, 1, f);
	dt_packet(&p, f->buf, (uint32_t)n, (uint32_t)n, KN_LINK_ETHERNET, 1);
	KT_EQ(kn_decode(d1, &p), KN_DECODE_HELD);
	n = kn_craft_fragment_at(c, 56, 52, 0, f);
	dt_packet(&p, f->buf, (uint32_t)n, (uint32_t)n, KN_LINK_ETHERNET, 1);
	KT_EQ(kn_decode(d2, &p), KN_DECODE_HELD); /* d2 has not seen the first */
	dt_packet(&p, f->buf, (uint32_t)n, (uint32_t)n, KN_LINK_ETHERNET, 1);
	KT_EQ(kn_decode(d1, &p), KN_DECODE_IP);
	KT_EQ(kn_decoder_stats(d1)->pkts, 2);
	KT_EQ(kn_decoder_stats(d2)->pkts, 1);
	KT_EQ(kn_decoder_stats(d2)->defrag_frags_held, 1);
	KT_EQ(kn_decoder_stats(d1)->defrag_frags_held, 0);
	kn_free(c);
	kn_free(f);
	kn_decoder_free(d1);
	kn_decoder_free(d2);
}

/* With -Dalloc_faults=true: every allocation of the decoder's life fails
 * in turn; construction reports it, reassembly turns it into an event. */
static void test_alloc_failures(void)
{
	kn_alloc_fail_at(1);
	void *probe = kn_malloc(16);
	kn_alloc_fail_at(0);
	if (probe) {
		kn_free(probe);
		KT_SKIP("built without KN_ALLOC_FAULTS");
	}
	struct kn_craft *c = dt_craft(), *f = dt_craft();
	KT_REQUIRE(c && f);
	kn_craft_eth(c, NULL, NULL);
	kn_craft_ipv4(c, "10.0.0.1", "10.0.0.2", 17);
	kn_craft_udp(c, 1, 2);
	kn_craft_payload(c, NULL, 100);
	kn_craft_finish(c);
	int completed = 0;
	for (unsigned long k = 1; k < 12; k++) {
		char err[KN_ERRBUF_SIZE];
		kn_alloc_fail_at(k);
		struct kn_decoder *d = kn_decoder_new(NULL, err);
		if (!d) {
			kn_alloc_fail_at(0);
			continue;
		}
		struct kn_packet p;
		int r = 0;
		for (size_t off = 0; off < 108; off += 56) {
			size_t n = kn_craft_fragment_at(c, off, off ? 52 : 56, !off, f);
			dt_packet(&p, f->buf, (uint32_t)n, (uint32_t)n, KN_LINK_ETHERNET, 1);
			r = kn_decode(d, &p);
			dt_check_invariants(&p, r);
		}
		kn_alloc_fail_at(0);
		completed += r == KN_DECODE_IP;
		if (r != KN_DECODE_IP)
			KT_CHECK(kn_decoder_stats(d)->events[KN_DEV_DEFRAG_MEMCAP] > 0);
		kn_decoder_free(d);
	}
	KT_CHECK(completed > 0);
	kn_free(c);
	kn_free(f);
}

static const struct kt_case cases[] = {
	KT_CASE(test_config),
	KT_CASE(test_event_names),
	KT_CASE(test_fields_reset),
	KT_CASE(test_hash_by_hand),
	KT_CASE(test_two_instances),
	KT_CASE(test_alloc_failures),
};

KT_MAIN("decode_api", cases)
