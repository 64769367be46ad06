/*
 * test_defrag.c - IPv4/IPv6 reassembly: in order, out of order, duplicate
 * and overlapping fragments (first data wins), a missing fragment and the
 * timeout, memcap and tracker exhaustion, tiny fragments, too many
 * fragments, datagrams over 65535 bytes, invalid lengths, truncated
 * fragments, per-VLAN keys, fragmented tunnels, and the accounting
 * (frag_count / frag_bytes, dropped and held fragments).
 */
#include "decode_test.h"

#define SEC 1000000000ull

struct fx {
	struct kn_decoder *d;
	struct kn_craft *orig;  /* the whole datagram */
	struct kn_craft *frag;  /* one fragment at a time */
	uint64_t bytes;         /* frame bytes fed */
};

static int fx_init(struct fx *f, const struct kn_decode_config *cfg)
{
	char err[KN_ERRBUF_SIZE];
	memset(f, 0, sizeof *f);
	f->d = kn_decoder_new(cfg, err);
	f->orig = dt_craft();
	f->frag = dt_craft();
	return f->d && f->orig && f->frag ? 0 : -1;
}

static void fx_fini(struct fx *f)
{
	kn_decoder_free(f->d);
	kn_free(f->orig);
	kn_free(f->frag);
}

/* A UDP datagram of `len` payload bytes (pattern), optionally in a VLAN. */
static void udp_datagram(struct kn_craft *c, int v6, size_t len, uint16_t vlan)
{
	kn_craft_init(c);
	kn_craft_eth(c, NULL, NULL);
	if (vlan)
		kn_craft_vlan(c, 0x8100, vlan);
	if (v6)
		kn_craft_ipv6(c, "2001:db8::1", "2001:db8::2", 17);
	else
		kn_craft_ipv4(c, "10.0.0.1", "10.0.0.2", 17);
	kn_craft_udp(c, 4000, 5000);
	kn_craft_payload(c, NULL, len);
	kn_craft_finish(c);
}

/* Decodes payload bytes [off, off+len) of f->orig as one fragment. */
static int fx_feed(struct fx *f, size_t off, size_t len, int more, uint64_t ts,
		   struct kn_packet *p)
{
	size_t n = kn_craft_fragment_at(f->orig, off, len, more, f->frag);
	if (!n)
		return -1;
	f->bytes += n;
	dt_packet(p, f->frag->buf, (uint32_t)n, (uint32_t)n, f->frag->linktype, ts);
	int r = kn_decode(f->d, p);
	dt_check_invariants(p, r);
	return r;
}

/* The reassembled packet carries exactly the original UDP datagram. */
static void check_reassembled(const struct kn_packet *p, const struct kn_craft *orig,
			      size_t udp_payload, uint32_t frags, uint64_t bytes)
{
	KT_CHECK(p->flags & KN_PKT_REASSEMBLED);
	KT_CHECK(!(p->flags & KN_PKT_FRAGMENT));
	KT_EQ(p->l3_off, 0);
	KT_EQ(p->frag_count, frags);
	KT_EQ(p->frag_bytes, bytes);
	KT_EQ(p->sport, 4000);
	KT_EQ(p->dport, 5000);
	KT_EQ(p->payload_len, udp_payload);
	KT_EQ(p->caplen, p->ip_len);
	long udp = kn_craft_layer_off(orig, KN_CRAFT_UDP, 0);
	KT_REQUIRE(udp > 0);
	KT_CHECK(memcmp(p->data + p->l4_off, orig->buf + udp, 8 + udp_payload) == 0);
}

static void test_in_order_and_reverse(void)
{
	struct fx f;
	struct kn_packet p;
	KT_REQUIRE(fx_init(&f, NULL) == 0);
	for (int v6 = 0; v6 < 2; v6++) {
		for (int reverse = 0; reverse < 2; reverse++) {
			udp_datagram(f.orig, v6, 2992, 0); /* UDP total 3000 */
			f.bytes = 0;
			static const size_t offs[3] = { 0, 1000, 2000 };
			for (int k = 0; k < 3; k++) {
				int i = reverse ? 2 - k : k;
				int r = fx_feed(&f, offs[i], 1000, i < 2, SEC, &p);
				if (k < 2) {
					KT_EQ(r, KN_DECODE_HELD);
					KT_CHECK(p.flags & KN_PKT_FRAGMENT);
				} else {
					KT_EQ(r, KN_DECODE_IP);
				}
			}
			check_reassembled(&p, f.orig, 2992, 3, f.bytes);
			KT_EQ(p.ip_version, v6 ? 6 : 4);
			KT_EQ(p.linktype, v6 ? KN_LINK_IPV6 : KN_LINK_IPV4);
			KT_EQ(p.ip_len, (v6 ? 40 : 20) + 3000);
			KT_EQ(p.n_events, 0);
		}
	}
	const struct kn_decode_stats *st = kn_decoder_stats(f.d);
	KT_EQ(st->defrag_reassembled, 4);
	KT_EQ(st->frag_ipv4, 6);
	KT_EQ(st->frag_ipv6, 6);
	KT_EQ(st->defrag_frags_held, 0);
	KT_EQ(st->defrag_mem_in_use, 0);
	KT_CHECK(st->defrag_mem_peak > 0);
	fx_fini(&f);
}

static void test_duplicate_and_overlap(void)
{
	struct fx f;
	struct kn_packet p;
	KT_REQUIRE(fx_init(&f, NULL) == 0);
	udp_datagram(f.orig, 0, 1592, 0); /* 1600 bytes of UDP */
	KT_EQ(fx_feed(&f, 0, 800, 1, SEC, &p), KN_DECODE_HELD);
	KT_EQ(fx_feed(&f, 0, 800, 1, SEC, &p), KN_DECODE_HELD); /* exact duplicate */
	KT_CHECK(dt_has_event(&p, KN_DEV_IPV4_FRAG_OVERLAP));
	KT_EQ(fx_feed(&f, 800, 800, 0, SEC, &p), KN_DECODE_IP);
	check_reassembled(&p, f.orig, 1592, 3, f.bytes);
	/* Overlap with other bytes: the first ones win. */
	struct kn_craft *other = dt_craft();
	KT_REQUIRE(other);
	udp_datagram(other, 0, 1592, 0);
	long pay = kn_craft_layer_off(other, KN_CRAFT_PAYLOAD, 0);
	memset(other->buf + pay, 0xee, 1592);
	kn_craft_finish(other);
	f.bytes = 0;
	KT_EQ(fx_feed(&f, 0, 808, 1, 2 * SEC, &p), KN_DECODE_HELD);
	size_t n = kn_craft_fragment_at(other, 400, 808, 1, f.frag);
	KT_REQUIRE(n > 0);
	f.bytes += n;
	dt_packet(&p, f.frag->buf, (uint32_t)n, (uint32_t)n, KN_LINK_ETHERNET, 2 * SEC);
	KT_EQ(kn_decode(f.d, &p), KN_DECODE_HELD);
	KT_CHECK(dt_has_event(&p, KN_DEV_IPV4_FRAG_OVERLAP));
	KT_EQ(fx_feed(&f, 1208, 392, 0, 2 * SEC, &p), KN_DECODE_IP);
	KT_EQ(p.frag_count, 3);
	KT_EQ(p.frag_bytes, f.bytes);
	/* [0, 808) original, [808, 1208) from the overlapping fragment. */
	const uint8_t *u = p.data + p.l4_off;
	KT_CHECK(memcmp(u, f.orig->buf + 14 + 20, 808) == 0);
	KT_EQ(u[808], 0xee);
	KT_EQ(u[1207], 0xee);
	KT_CHECK(u[1208] != 0xee);
	kn_free(other);
	fx_fini(&f);
}

static void test_missing_then_timeout(void)
{
	struct fx f;
	struct kn_packet p;
	KT_REQUIRE(fx_init(&f, NULL) == 0);
	udp_datagram(f.orig, 1, 2392, 0);
	KT_EQ(fx_feed(&f, 0, 800, 1, 10 * SEC, &p), KN_DECODE_HELD);
	KT_EQ(fx_feed(&f, 1600, 800, 0, 11 * SEC, &p), KN_DECODE_HELD);
	const struct kn_decode_stats *st = kn_decoder_stats(f.d);
	KT_EQ(st->defrag_frags_held, 2);
	kn_decoder_expire(f.d, 69 * SEC); /* 59 s after the first: kept */
	KT_EQ(st->defrag_frags_held, 2);
	kn_decoder_expire(f.d, 70 * SEC);
	KT_EQ(st->defrag_frags_held, 0);
	KT_EQ(st->defrag_timeouts, 1);
	KT_EQ(st->events[KN_DEV_DEFRAG_TIMEOUT], 2);
	KT_EQ(st->defrag_frags_dropped, 2);
	KT_EQ(st->defrag_mem_in_use, 0);
	/* The missing piece arriving late starts a new datagram. */
	KT_EQ(fx_feed(&f, 800, 800, 1, 71 * SEC, &p), KN_DECODE_HELD);
	/* Lazy expiry: a later packet of any kind drops it. */
	udp_datagram(f.frag, 0, 10, 0);
	dt_packet(&p, f.frag->buf, (uint32_t)f.frag->len, (uint32_t)f.frag->len,
		  KN_LINK_ETHERNET, 200 * SEC);
	KT_EQ(kn_decode(f.d, &p), KN_DECODE_IP);
	KT_EQ(st->defrag_timeouts, 2);
	KT_EQ(st->events[KN_DEV_DEFRAG_TIMEOUT], 3);
	KT_EQ(st->defrag_frags_held, 0);
	fx_fini(&f);
}

static void test_memcap(void)
{
	struct kn_decode_config cfg;
	kn_decode_config_default(&cfg);
	cfg.defrag_memcap = 16384;
	struct fx f;
	struct kn_packet p;
	KT_REQUIRE(fx_init(&f, &cfg) == 0);
	udp_datagram(f.orig, 0, 30000, 0);
	int r = KN_DECODE_HELD, held = 0;
	for (size_t off = 0; off < 30000 && r == KN_DECODE_HELD; off += 1480, held++)
		r = fx_feed(&f, off, 1480, 1, SEC, &p);
	KT_EQ(r, KN_DECODE_OTHER);
	KT_CHECK(dt_has_event(&p, KN_DEV_DEFRAG_MEMCAP));
	KT_CHECK(p.flags & KN_PKT_FRAGMENT);
	const struct kn_decode_stats *st = kn_decoder_stats(f.d);
	KT_EQ(st->defrag_memcap_drops, 1);
	KT_EQ(st->defrag_frags_dropped, (uint64_t)held);
	KT_EQ(st->events[KN_DEV_DEFRAG_MEMCAP], (uint64_t)held);
	KT_EQ(st->defrag_frags_held, 0);
	KT_EQ(st->defrag_mem_in_use, 0);
	KT_CHECK(st->defrag_mem_peak <= cfg.defrag_memcap);
	/* Afterwards small datagrams still reassemble. */
	udp_datagram(f.orig, 0, 1000, 0);
	KT_EQ(fx_feed(&f, 0, 504, 1, SEC, &p), KN_DECODE_HELD);
	KT_EQ(fx_feed(&f, 504, 504, 0, SEC, &p), KN_DECODE_IP);
	fx_fini(&f);
	/* The tracker limit. */
	kn_decode_config_default(&cfg);
	cfg.defrag_max_trackers = 2;
	KT_REQUIRE(fx_init(&f, &cfg) == 0);
	for (int i = 0; i < 3; i++) {
		udp_datagram(f.orig, 0, 1000, 0);
		f.orig->buf[14 + 5] = (uint8_t)i; /* IP id */
		r = fx_feed(&f, 0, 504, 1, SEC, &p);
		KT_EQ(r, i < 2 ? KN_DECODE_HELD : KN_DECODE_OTHER);
	}
	KT_CHECK(dt_has_event(&p, KN_DEV_DEFRAG_MEMCAP));
	fx_fini(&f);
	/* Defrag disabled: every fragment is dropped with the same event. */
	cfg.defrag_max_trackers = 0;
	KT_REQUIRE(fx_init(&f, &cfg) == 0);
	udp_datagram(f.orig, 0, 1000, 0);
	KT_EQ(fx_feed(&f, 0, 504, 1, SEC, &p), KN_DECODE_OTHER);
	KT_CHECK(dt_has_event(&p, KN_DEV_DEFRAG_MEMCAP));
	fx_fini(&f);
}

static void test_tiny_and_too_many(void)
{
	struct fx f;
	struct kn_packet p;
	KT_REQUIRE(fx_init(&f, NULL) == 0);
	/* A TCP SYN cut into 8-byte fragments: the header spans three. */
	kn_craft_eth(f.orig, NULL, NULL);
	kn_craft_ipv4(f.orig, "10.0.0.1", "10.0.0.2", 6);
	kn_craft_tcp(f.orig, 1, 22, 5, 0, KN_TCP_SYN, 1024);
	kn_craft_tcp_mss(f.orig, 536);
	kn_craft_payload(f.orig, "tiny", 4);
	kn_craft_finish(f.orig);
	static const size_t order[4] = { 16, 0, 24, 8 };
	for (int k = 0; k < 4; k++) {
		size_t off = order[k];
		int r = fx_feed(&f, off, off == 24 ? 4 : 8, off != 24, SEC, &p);
		KT_EQ(r, k < 3 ? KN_DECODE_HELD : KN_DECODE_IP);
	}
	KT_EQ(p.dport, 22);
	KT_EQ(p.tcp.mss, 536);
	KT_EQ(p.payload_len, 4);
	KT_EQ(p.frag_count, 4);
	/* 1025 fragments of one datagram: too many. */
	udp_datagram(f.orig, 0, 9000, 0);
	int r = KN_DECODE_HELD;
	size_t k = 0;
	for (; k < 1100 && r == KN_DECODE_HELD; k++)
		r = fx_feed(&f, 8 * k, 8, 1, 2 * SEC, &p);
	KT_EQ(k, 1025);
	KT_EQ(r, KN_DECODE_OTHER);
	KT_CHECK(dt_has_event(&p, KN_DEV_DEFRAG_MAX_FRAGS));
	KT_EQ(kn_decoder_stats(f.d)->events[KN_DEV_DEFRAG_MAX_FRAGS], 1025);
	KT_EQ(kn_decoder_stats(f.d)->defrag_frags_held, 0);
	fx_fini(&f);
}

static void test_bad_lengths(void)
{
	struct fx f;
	struct kn_packet p;
	KT_REQUIRE(fx_init(&f, NULL) == 0);
	/* Over 65535: an IPv4 fragment at offset 65528 with 16 bytes. */
	udp_datagram(f.orig, 0, 200, 0);
	KT_EQ(fx_feed(&f, 0, 64, 1, SEC, &p), KN_DECODE_HELD);
	KT_REQUIRE(kn_craft_fragment_at(f.orig, 64, 16, 1, f.frag) > 0);
	f.frag->buf[14 + 6] = 0x3f, f.frag->buf[14 + 7] = 0xff; /* MF, offset 65528 */
	dt_packet(&p, f.frag->buf, (uint32_t)f.frag->len, (uint32_t)f.frag->len, KN_LINK_ETHERNET, SEC);
	KT_EQ(kn_decode(f.d, &p), KN_DECODE_OTHER);
	KT_CHECK(dt_has_event(&p, KN_DEV_IPV4_FRAG_PKT_TOO_LARGE));
	const struct kn_decode_stats *st = kn_decoder_stats(f.d);
	KT_EQ(st->events[KN_DEV_IPV4_FRAG_PKT_TOO_LARGE], 2); /* itself + the held one */
	KT_EQ(st->defrag_frags_held, 0);
	/* Same in IPv6 (offset field max 65528, 16 bytes). */
	udp_datagram(f.orig, 1, 200, 0);
	KT_REQUIRE(kn_craft_fragment_at(f.orig, 64, 16, 0, f.frag) > 0);
	f.frag->buf[14 + 40 + 2] = 0xff, f.frag->buf[14 + 40 + 3] = 0xf8;
	dt_packet(&p, f.frag->buf, (uint32_t)f.frag->len, (uint32_t)f.frag->len, KN_LINK_ETHERNET, SEC);
	KT_EQ(kn_decode(f.d, &p), KN_DECODE_OTHER);
	KT_CHECK(dt_has_event(&p, KN_DEV_IPV6_FRAG_PKT_TOO_LARGE));
	/* Non-last fragments must carry a multiple of 8 bytes. */
	KT_EQ(fx_feed(&f, 0, 60, 1, SEC, &p), KN_DECODE_OTHER);
	KT_CHECK(dt_has_event(&p, KN_DEV_IPV6_FRAG_INVALID_LENGTH));
	udp_datagram(f.orig, 0, 200, 0);
	KT_EQ(fx_feed(&f, 0, 61, 1, SEC, &p), KN_DECODE_OTHER);
	KT_CHECK(dt_has_event(&p, KN_DEV_IPV4_FRAG_INVALID_LENGTH));
	/* Two "last" fragments that disagree on the end. */
	KT_EQ(fx_feed(&f, 0, 64, 1, SEC, &p), KN_DECODE_HELD);
	KT_EQ(fx_feed(&f, 128, 80, 0, SEC, &p), KN_DECODE_HELD);
	KT_EQ(fx_feed(&f, 64, 72, 0, SEC, &p), KN_DECODE_OTHER);
	KT_CHECK(dt_has_event(&p, KN_DEV_IPV4_FRAG_INVALID_LENGTH));
	KT_EQ(st->defrag_frags_held, 0);
	/* Cut by the snaplen: cannot be reassembled. */
	KT_REQUIRE(kn_craft_fragment_at(f.orig, 0, 64, 1, f.frag) > 0);
	dt_packet(&p, f.frag->buf, 60, (uint32_t)f.frag->len, KN_LINK_ETHERNET, SEC);
	KT_EQ(kn_decode(f.d, &p), KN_DECODE_OTHER);
	KT_CHECK(dt_has_event(&p, KN_DEV_IPV4_FRAG_IGNORED));
	KT_EQ(st->defrag_frags_dropped, st->frag_ipv4 + st->frag_ipv6);
	fx_fini(&f);
}

static void test_keys_vlan_and_id(void)
{
	struct fx f;
	struct kn_packet p;
	KT_REQUIRE(fx_init(&f, NULL) == 0);
	udp_datagram(f.orig, 0, 1000, 10);
	KT_EQ(fx_feed(&f, 0, 504, 1, SEC, &p), KN_DECODE_HELD);
	udp_datagram(f.orig, 0, 1000, 20); /* same addresses and id, VLAN 20 */
	KT_EQ(fx_feed(&f, 504, 504, 0, SEC, &p), KN_DECODE_HELD);
	KT_EQ(fx_feed(&f, 0, 504, 1, SEC, &p), KN_DECODE_IP);
	KT_EQ(p.vlan[0], 20);
	KT_EQ(p.frag_count, 2);
	KT_EQ(kn_decoder_stats(f.d)->defrag_frags_held, 1);
	fx_fini(&f);
}

/* An outer IPv4 datagram carrying GRE is fragmented; the reassembled one
 * is decoded through the tunnel. IPv6 keeps its hop-by-hop header. */
static void test_fragmented_tunnel_and_v6_exthdr(void)
{
	struct fx f;
	struct kn_packet p;
	KT_REQUIRE(fx_init(&f, NULL) == 0);
	kn_craft_eth(f.orig, NULL, NULL);
	kn_craft_ipv4(f.orig, "203.0.113.1", "203.0.113.2", 47);
	kn_craft_gre(f.orig, KN_CRAFT_GRE_KEY, 42, 0);
	kn_craft_ipv4(f.orig, "192.168.0.1", "192.168.0.2", 17);
	kn_craft_udp(f.orig, 4000, 5000);
	kn_craft_payload(f.orig, NULL, 1500);
	kn_craft_finish(f.orig);
	KT_EQ(fx_feed(&f, 0, 1000, 1, SEC, &p), KN_DECODE_HELD);
	KT_EQ(fx_feed(&f, 1000, 536, 0, SEC, &p), KN_DECODE_IP);
	KT_CHECK(p.flags & KN_PKT_REASSEMBLED);
	KT_CHECK(p.flags & KN_PKT_TUNNELED);
	KT_EQ(p.tunnel_depth, 1);
	KT_EQ(p.l3_off, 20 + 8);
	KT_EQ(p.payload_len, 1500);
	KT_CHECK(dt_addr_is(&p.src, "192.168.0.1"));
	kn_craft_init(f.orig);
	kn_craft_eth(f.orig, NULL, NULL);
	kn_craft_ipv6(f.orig, "2001:db8::1", "2001:db8::2", 0);
	static const uint8_t ra[6] = { 5, 2, 0, 0, 0, 0 };
	kn_craft_ipv6_ext(f.orig, 0, 6, ra, sizeof ra);
	kn_craft_tcp(f.orig, 443, 1025, 1, 2, KN_TCP_ACK, 9);
	kn_craft_payload(f.orig, NULL, 1200);
	kn_craft_finish(f.orig);
	KT_EQ(fx_feed(&f, 0, 608, 1, SEC, &p), KN_DECODE_HELD);
	KT_EQ(fx_feed(&f, 608, 612, 0, SEC, &p), KN_DECODE_IP);
	KT_EQ(p.l4_off, 48);
	KT_EQ(p.ip_len, 48 + 20 + 1200);
	KT_EQ(p.sport, 443);
	KT_EQ(p.payload_len, 1200);
	KT_EQ(p.data[6], 0); /* next header still hop-by-hop */
	KT_EQ(p.data[40], 6); /* whose next header is TCP */
	fx_fini(&f);
}

/* IPv6 with an unfragmentable part too long to keep (> 128 bytes): the
 * datagram is rebuilt on the fixed header alone. */
static void test_long_unfragmentable_part(void)
{
	struct fx f;
	struct kn_packet p;
	KT_REQUIRE(fx_init(&f, NULL) == 0);
	uint8_t opts[150] = { 1, 148 }; /* one PadN of 148 bytes */
	kn_craft_eth(f.orig, NULL, NULL);
	kn_craft_ipv6(f.orig, "2001:db8::1", "2001:db8::2", 0);
	kn_craft_ipv6_ext(f.orig, 0, 17, opts, sizeof opts);
	kn_craft_udp(f.orig, 4000, 5000);
	kn_craft_payload(f.orig, NULL, 100);
	kn_craft_finish(f.orig);
	KT_EQ(fx_feed(&f, 0, 56, 1, SEC, &p), KN_DECODE_HELD);
	KT_EQ(fx_feed(&f, 56, 52, 0, SEC, &p), KN_DECODE_IP);
	KT_EQ(p.l4_off, 40);
	KT_EQ(p.ip_len, 40 + 108);
	KT_EQ(p.data[6], 17);
	check_reassembled(&p, f.orig, 100, 2, f.bytes);
	fx_fini(&f);
}

/* Fragments inside a fragmented tunnel: the outer datagrams are
 * reassembled, then the inner one; the result stands for every frame. */
static void test_nested_reassembly(void)
{
	struct fx f;
	struct kn_packet p;
	KT_REQUIRE(fx_init(&f, NULL) == 0);
	struct kn_craft *inner = dt_craft();
	KT_REQUIRE(inner);
	kn_craft_ipv4(inner, "192.168.0.1", "192.168.0.2", 17);
	kn_craft_udp(inner, 4000, 5000);
	kn_craft_payload(inner, NULL, 392); /* 400 bytes of inner IP payload */
	kn_craft_finish(inner);
	uint64_t frames = 0;
	for (unsigned half = 0; half < 2; half++) {
		size_t in = kn_craft_fragment_at(inner, half * 200, 200, !half, f.frag);
		KT_REQUIRE(in > 0);
		kn_craft_init(f.orig);
		kn_craft_eth(f.orig, NULL, NULL);
		kn_craft_ipv4(f.orig, "203.0.113.1", "203.0.113.2", 47);
		f.orig->buf[14 + 5] = (uint8_t)(10 + half); /* outer id */
		kn_craft_gre(f.orig, 0, 0, 0);
		kn_craft_set_type(f.orig, 0x0800); /* GRE -> IPv4 (the raw fragment) */
		kn_craft_raw(f.orig, f.frag->buf, in);
		kn_craft_finish(f.orig);
		f.bytes = 0;
		KT_EQ(fx_feed(&f, 0, 120, 1, SEC, &p), KN_DECODE_HELD);
		int r = fx_feed(&f, 120, 4 + in - 120, 0, SEC, &p);
		frames += f.bytes;
		KT_EQ(r, half ? KN_DECODE_IP : KN_DECODE_HELD);
	}
	KT_CHECK(p.flags & KN_PKT_REASSEMBLED);
	KT_EQ(p.frag_count, 4);
	KT_EQ(p.frag_bytes, frames);
	KT_EQ(p.dport, 5000);
	KT_EQ(p.payload_len, 392);
	KT_EQ(p.tunnel_depth, 1);
	KT_EQ(kn_decoder_stats(f.d)->defrag_reassembled, 3);
	KT_EQ(kn_decoder_stats(f.d)->defrag_frags_held, 0);
	kn_free(inner);
	fx_fini(&f);
}

/* Many datagrams, fragments shuffled and some lost, then flushed: every
 * fragment is reassembled or dropped, none counted twice. */
static void test_accounting_shuffled(void)
{
	struct fx f;
	struct kn_packet p;
	KT_REQUIRE(fx_init(&f, NULL) == 0);
	struct kn_craft *all = kn_calloc(96, sizeof *all);
	KT_REQUIRE(all);
	size_t n = 0;
	uint64_t in_flows = 0, seed = 12345;
	for (int dg = 0; dg < 24; dg++) {
		udp_datagram(f.orig, dg & 1, 1500 + (size_t)dg * 8, 0);
		if (dg & 1)
			f.orig->frag_id = (uint32_t)dg;
		else
			f.orig->buf[14 + 5] = (uint8_t)dg;
		size_t k = kn_craft_fragment(f.orig, 504, all + n, 96 - n);
		KT_REQUIRE(k == 4 || k == 3);
		n += k;
	}
	for (size_t i = n - 1; i > 0; i--) {
		seed = seed * 6364136223846793005ull + 1442695040888963407ull;
		size_t j = (size_t)(seed >> 33) % (i + 1);
		struct kn_craft *t = kn_malloc(sizeof *t);
		KT_REQUIRE(t);
		*t = all[i], all[i] = all[j], all[j] = *t;
		kn_free(t);
	}
	size_t fed = 0;
	for (size_t i = 0; i < n; i++) {
		if (i % 17 == 5)
			continue; /* lost */
		fed++;
		dt_packet(&p, all[i].buf, (uint32_t)all[i].len, (uint32_t)all[i].len,
			  KN_LINK_ETHERNET, SEC + i);
		int r = kn_decode(f.d, &p);
		dt_check_invariants(&p, r);
		if (r == KN_DECODE_IP)
			in_flows += p.frag_count;
	}
	kn_decoder_expire(f.d, UINT64_MAX);
	const struct kn_decode_stats *st = kn_decoder_stats(f.d);
	KT_CHECK(st->defrag_reassembled > 0 && st->defrag_reassembled < 24);
	KT_EQ(in_flows + st->defrag_frags_dropped, fed);
	KT_EQ(st->frag_ipv4 + st->frag_ipv6, fed);
	KT_EQ(st->defrag_frags_held, 0);
	KT_EQ(st->defrag_mem_in_use, 0);
	kn_free(all);
	fx_fini(&f);
}

static void test_truncate_fragments(void)
{
	struct fx f;
	KT_REQUIRE(fx_init(&f, NULL) == 0);
	for (int v6 = 0; v6 < 2; v6++) {
		udp_datagram(f.orig, v6, 100, 0);
		for (size_t off = 0; off < 108; off += 56) {
			size_t n = kn_craft_fragment_at(f.orig, off, off ? 52 : 56, !off, f.frag);
			KT_REQUIRE(n > 0);
			KT_CHECK(dt_truncate_all(f.d, f.frag->buf, n, KN_LINK_ETHERNET) > 0);
		}
	}
	kn_decoder_expire(f.d, UINT64_MAX);
	KT_EQ(kn_decoder_stats(f.d)->defrag_frags_held, 0);
	fx_fini(&f);
}

static const struct kt_case cases[] = {
	KT_CASE(test_in_order_and_reverse),
	KT_CASE(test_duplicate_and_overlap),
	KT_CASE(test_missing_then_timeout),
	KT_CASE(test_memcap),
	KT_CASE(test_tiny_and_too_many),
	KT_CASE(test_bad_lengths),
	KT_CASE(test_keys_vlan_and_id),
	KT_CASE(test_fragmented_tunnel_and_v6_exthdr),
	KT_CASE(test_long_unfragmentable_part),
	KT_CASE(test_nested_reassembly),
	KT_CASE(test_accounting_shuffled),
	KT_CASE(test_truncate_fragments),
};

KT_MAIN("decode_defrag", cases)
