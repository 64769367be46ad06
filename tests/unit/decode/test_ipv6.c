/*
 * test_ipv6.c - IPv6 header and extension headers: fields, the walk over
 * hop-by-hop / routing / destination options / AH to the transport, ESP
 * and no-next-header, atomic fragments, and the informational and fatal
 * events of each malformed variant.
 */
#include "decode_test.h"

static struct kn_craft *v6(uint8_t next)
{
	struct kn_craft *c = dt_craft();
	if (c) {
		kn_craft_eth(c, NULL, NULL);
		kn_craft_ipv6(c, "2001:db8:1::10", "2001:db8:2::20", next);
	}
	return c;
}

static void test_fields(void)
{
	struct kn_decoder *d = dt_decoder();
	struct kn_craft *c = v6(6);
	struct kn_packet p;
	KT_REQUIRE(d && c);
	kn_craft_ip_ttl(c, 17);
	kn_craft_tcp(c, 443, 50000, 7, 9, KN_TCP_ACK | KN_TCP_PSH, 500);
	kn_craft_payload(c, NULL, 100);
	KT_EQ(dt_decode(d, c, &p), KN_DECODE_IP);
	KT_EQ(p.ip_version, 6);
	KT_EQ(p.ttl, 17);
	KT_EQ(p.ip_len, 40 + 20 + 100);
	KT_EQ(p.l3_off, 14);
	KT_EQ(p.l4_off, 54);
	KT_EQ(p.payload_len, 100);
	KT_CHECK(dt_addr_is(&p.src, "2001:db8:1::10"));
	KT_CHECK(dt_addr_is(&p.dst, "2001:db8:2::20"));
	KT_EQ(p.n_events, 0);
	kn_free(c);
	kn_decoder_free(d);
}

/* HBH (router alert) -> routing type 2 -> dst options -> AH -> UDP. */
static void test_extension_chain(void)
{
	struct kn_decoder *d = dt_decoder();
	struct kn_craft *c = v6(0);
	struct kn_packet p;
	KT_REQUIRE(d && c);
	static const uint8_t ra[] = { 5, 2, 0, 0, 0, 0 };           /* router alert, 2 Pad1 */
	static const uint8_t rt2[] = { 2, 1, 0, 0, 0, 0, 0x20, 0x01, 0x0d, 0xb8, 0, 0, 0, 0, 0, 0,
				       0, 0, 0, 0, 0, 1 };
	static const uint8_t tel[] = { 4, 1, 4, 0, 0, 0 };          /* tunnel limit, 3 Pad1 */
	static const uint8_t ah[] = { 0, 0, 0, 0, 1, 0, 0, 0, 2, 0, 0, 0, 9, 9, 9, 9, 9, 9, 9, 9, 9, 9 };
	kn_craft_ipv6_ext(c, 0, 43, ra, sizeof ra);
	kn_craft_ipv6_ext(c, 43, 60, rt2, sizeof rt2);
	kn_craft_ipv6_ext(c, 60, 51, tel, sizeof tel);
	kn_craft_ipv6_ext(c, 51, 17, ah, sizeof ah);
	kn_craft_udp(c, 500, 4500);
	kn_craft_payload(c, NULL, 12);
	KT_EQ(dt_decode(d, c, &p), KN_DECODE_IP);
	KT_EQ(p.proto, 17);
	KT_EQ(p.l4_off, 14 + 40 + 8 + 24 + 8 + 24);
	KT_EQ(p.sport, 500);
	KT_EQ(p.payload_len, 12);
	KT_EQ(p.n_events, 0);
	kn_free(c);
	kn_decoder_free(d);
}

static void test_informational_events(void)
{
	struct kn_decoder *d = dt_decoder();
	struct kn_packet p;
	KT_REQUIRE(d);
	static const uint8_t pad_only[] = { 1, 4, 0, 0, 0, 0 };
	static const uint8_t zero_padn[] = { 1, 0, 0, 0, 0, 0 };
	static const uint8_t unknown[] = { 0x3f, 2, 0, 0, 1, 0 };
	static const uint8_t rh0[] = { 0, 0, 0, 0, 0, 0 };
	static const struct {
		uint8_t type;
		const uint8_t *body;
		unsigned ev;
	} cases[] = {
		{ 0, pad_only, KN_DEV_IPV6_HOPOPTS_ONLY_PADDING },
		{ 60, pad_only, KN_DEV_IPV6_DSTOPTS_ONLY_PADDING },
		{ 0, zero_padn, KN_DEV_IPV6_ZERO_LEN_PADN },
		{ 0, unknown, KN_DEV_IPV6_HOPOPTS_UNKNOWN_OPT },
		{ 60, unknown, KN_DEV_IPV6_DSTOPTS_UNKNOWN_OPT },
		{ 43, rh0, KN_DEV_IPV6_RH_TYPE_0 },
	};
	for (unsigned i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		struct kn_craft *c = v6(cases[i].type);
		KT_REQUIRE(c);
		kn_craft_ipv6_ext(c, cases[i].type, 17, cases[i].body, 6);
		kn_craft_udp(c, 1, 2);
		KT_EQ(dt_decode(d, c, &p), KN_DECODE_IP);
		KT_CHECK(dt_has_event(&p, cases[i].ev));
		KT_EQ(p.sport, 1);
		kn_free(c);
	}
	/* Duplicates: two hop-by-hop, two routing, two AH, two dst opts. */
	static const struct { uint8_t type; unsigned ev; } dups[] = {
		{ 0, KN_DEV_IPV6_EXTHDR_DUPL_HH }, { 43, KN_DEV_IPV6_EXTHDR_DUPL_RH },
		{ 60, KN_DEV_IPV6_EXTHDR_DUPL_DH }, { 51, KN_DEV_IPV6_EXTHDR_DUPL_AH },
	};
	static const uint8_t body[6] = { 1, 4 };
	for (unsigned i = 0; i < 4; i++) {
		struct kn_craft *c = v6(dups[i].type);
		KT_REQUIRE(c);
		kn_craft_ipv6_ext(c, dups[i].type, dups[i].type, body, 6);
		kn_craft_ipv6_ext(c, dups[i].type, 17, body, 6);
		kn_craft_udp(c, 1, 2);
		KT_EQ(dt_decode(d, c, &p), KN_DECODE_IP);
		KT_CHECK(dt_has_event(&p, dups[i].ev));
		kn_free(c);
	}
	/* AH with a non-zero reserved field. */
	static const uint8_t ahres[10] = { 0, 1 };
	struct kn_craft *c = v6(51);
	KT_REQUIRE(c);
	kn_craft_ipv6_ext(c, 51, 17, ahres, sizeof ahres);
	kn_craft_udp(c, 1, 2);
	KT_EQ(dt_decode(d, c, &p), KN_DECODE_IP);
	KT_CHECK(dt_has_event(&p, KN_DEV_IPV6_EXTHDR_AH_RES_NOT_NULL));
	kn_free(c);
	/* Option length running past its header. */
	static const uint8_t runs[] = { 1, 9, 0, 0, 0, 0 };
	c = v6(60);
	KT_REQUIRE(c);
	kn_craft_ipv6_ext(c, 60, 17, runs, sizeof runs);
	kn_craft_udp(c, 1, 2);
	KT_EQ(dt_decode(d, c, &p), KN_DECODE_IP);
	KT_CHECK(dt_has_event(&p, KN_DEV_IPV6_EXTHDR_INVALID_OPTLEN));
	kn_free(c);
	kn_decoder_free(d);
}

static void test_esp_none_atomic(void)
{
	struct kn_decoder *d = dt_decoder();
	struct kn_craft *c = v6(50);
	struct kn_packet p;
	KT_REQUIRE(d && c);
	kn_craft_payload(c, "\0\0\1\0\0\0\0\7encrypted", 17);
	KT_EQ(dt_decode(d, c, &p), KN_DECODE_IP);
	KT_EQ(p.proto, 50);
	KT_EQ(p.payload_len, 9);
	KT_EQ(kn_decoder_stats(d)->esp, 1);
	kn_free(c);
	c = v6(59);
	KT_REQUIRE(c);
	KT_EQ(dt_decode(d, c, &p), KN_DECODE_IP);
	KT_EQ(p.proto, 59);
	KT_EQ(p.n_events, 0);
	kn_craft_payload(c, "junk", 4);
	KT_EQ(dt_decode(d, c, &p), KN_DECODE_IP);
	KT_CHECK(dt_has_event(&p, KN_DEV_IPV6_DATA_AFTER_NONE_HEADER));
	kn_free(c);
	/* Atomic fragment (offset 0, no more): decoded in place. */
	c = v6(44);
	KT_REQUIRE(c);
	kn_craft_ipv6_frag(c, 17, 0, 0, 77);
	kn_craft_udp(c, 9, 10);
	KT_EQ(dt_decode(d, c, &p), KN_DECODE_IP);
	KT_CHECK(dt_has_event(&p, KN_DEV_IPV6_EXTHDR_USELESS_FH));
	KT_EQ(p.dport, 10);
	KT_EQ(kn_decoder_stats(d)->frag_ipv6, 0);
	/* Non-zero reserved bits in the fragment header. */
	c->buf[14 + 40 + 1] = 1;
	dt_packet(&p, c->buf, (uint32_t)c->len, (uint32_t)c->len, KN_LINK_ETHERNET, 1);
	KT_EQ(kn_decode(d, &p), KN_DECODE_IP);
	KT_CHECK(dt_has_event(&p, KN_DEV_IPV6_FH_NON_ZERO_RES_FIELD));
	kn_free(c);
	/* Unassigned next header. */
	c = v6(200);
	KT_REQUIRE(c);
	kn_craft_payload(c, NULL, 8);
	KT_EQ(dt_decode(d, c, &p), KN_DECODE_IP);
	KT_CHECK(dt_has_event(&p, KN_DEV_IPV6_UNKNOWN_NEXT_HEADER));
	kn_free(c);
	kn_decoder_free(d);
}

static void test_bad_headers(void)
{
	struct kn_decoder *d = dt_decoder();
	struct kn_craft *c = v6(60);
	struct kn_packet p;
	KT_REQUIRE(d && c);
	static const uint8_t body[6] = { 1, 4 };
	kn_craft_ipv6_ext(c, 60, 17, body, 6);
	kn_craft_udp(c, 1, 2);
	size_t n = kn_craft_finish(c);
	dt_packet(&p, c->buf, 14 + 39, 14 + 39, KN_LINK_ETHERNET, 1);
	KT_EQ(kn_decode(d, &p), KN_DECODE_OTHER);
	KT_CHECK(dt_has_event(&p, KN_DEV_IPV6_PKT_TOO_SMALL));
	c->buf[14] = 0x40;
	dt_packet(&p, c->buf, (uint32_t)n, (uint32_t)n, KN_LINK_ETHERNET, 1);
	KT_EQ(kn_decode(d, &p), KN_DECODE_OTHER);
	KT_CHECK(dt_has_event(&p, KN_DEV_IPV6_WRONG_IP_VERSION));
	kn_craft_finish(c);
	c->buf[14 + 4] = 0x10; /* payload length 4096 */
	dt_packet(&p, c->buf, (uint32_t)n, (uint32_t)n, KN_LINK_ETHERNET, 1);
	KT_EQ(kn_decode(d, &p), KN_DECODE_OTHER);
	KT_CHECK(dt_has_event(&p, KN_DEV_IPV6_TRUNC_PKT));
	kn_craft_finish(c);
	c->buf[14 + 41] = 5; /* dst opts length 48 bytes */
	dt_packet(&p, c->buf, (uint32_t)n, (uint32_t)n, KN_LINK_ETHERNET, 1);
	KT_EQ(kn_decode(d, &p), KN_DECODE_OTHER);
	KT_CHECK(dt_has_event(&p, KN_DEV_IPV6_TRUNC_EXTHDR));
	/* Snaplen in the middle of the options: cannot walk on. */
	kn_craft_finish(c);
	dt_packet(&p, c->buf, 14 + 44, (uint32_t)n, KN_LINK_ETHERNET, 1);
	KT_EQ(kn_decode(d, &p), KN_DECODE_OTHER);
	KT_CHECK(dt_has_event(&p, KN_DEV_IPV6_TRUNC_EXTHDR));
	/* ICMPv4 in IPv6 is wrong but still IP. */
	kn_free(c);
	c = v6(1);
	KT_REQUIRE(c);
	kn_craft_payload(c, NULL, 8);
	KT_EQ(dt_decode(d, c, &p), KN_DECODE_IP);
	KT_CHECK(dt_has_event(&p, KN_DEV_IPV6_WITH_ICMPV4));
	kn_free(c);
	kn_decoder_free(d);
}

static void test_truncate_every_length(void)
{
	struct kn_decoder *d = dt_decoder();
	struct kn_craft *c = v6(0);
	KT_REQUIRE(d && c);
	static const uint8_t ra[] = { 5, 2, 0, 0, 1, 0 };
	kn_craft_ipv6_ext(c, 0, 60, ra, sizeof ra);
	kn_craft_ipv6_ext(c, 60, 44, ra, sizeof ra);
	kn_craft_ipv6_frag(c, 6, 0, 0, 5);
	kn_craft_tcp(c, 1, 2, 3, 4, KN_TCP_SYN, 5);
	kn_craft_tcp_mss(c, 1220);
	kn_craft_payload(c, NULL, 10);
	size_t n = kn_craft_finish(c);
	KT_CHECK(dt_truncate_all(d, c->buf, n, KN_LINK_ETHERNET) > 0);
	kn_free(c);
	kn_decoder_free(d);
}

static const struct kt_case cases[] = {
	KT_CASE(test_fields),
	KT_CASE(test_extension_chain),
	KT_CASE(test_informational_events),
	KT_CASE(test_esp_none_atomic),
	KT_CASE(test_bad_headers),
	KT_CASE(test_truncate_every_length),
};

KT_MAIN("decode_ipv6", cases)
