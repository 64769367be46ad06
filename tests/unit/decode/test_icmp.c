/*
 * test_icmp.c - ICMP and ICMPv6: type, code, echo identifier; the quoted
 * header of error messages (addresses, protocol, ports); unknown types and
 * codes; MLD hop limit; quotes that cannot be decoded.
 */
#include "decode_test.h"

static void test_echo(void)
{
	struct kn_decoder *d = dt_decoder();
	struct kn_craft *c = dt_craft();
	struct kn_packet p;
	KT_REQUIRE(d && c);
	kn_craft_eth(c, NULL, NULL);
	kn_craft_ipv4(c, "10.0.0.1", "10.0.0.2", 1);
	kn_craft_icmp(c, 8, 0, 0x4242, 7);
	kn_craft_payload(c, NULL, 56);
	KT_EQ(dt_decode(d, c, &p), KN_DECODE_IP);
	KT_EQ(p.icmp_type, 8);
	KT_EQ(p.icmp_code, 0);
	KT_EQ(p.icmp_id, 0x4242);
	KT_EQ(p.sport, 0);
	KT_EQ(p.dport, 0);
	KT_EQ(p.payload_len, 56);
	KT_CHECK(!(p.flags & (KN_PKT_HAS_PORTS | KN_PKT_ICMP_ERROR)));
	KT_EQ(p.n_events, 0);
	kn_craft_init(c);
	kn_craft_eth(c, NULL, NULL);
	kn_craft_ipv6(c, "2001:db8::1", "2001:db8::2", 58);
	kn_craft_icmp6(c, 129, 0, 0x99, 1);
	KT_EQ(dt_decode(d, c, &p), KN_DECODE_IP);
	KT_EQ(p.icmp_type, 129);
	KT_EQ(p.icmp_id, 0x99);
	KT_EQ(p.n_events, 0);
	/* Non-echo messages have no identifier. */
	kn_craft_init(c);
	kn_craft_eth(c, NULL, NULL);
	kn_craft_ipv6(c, "fe80::1", "ff02::1", 58);
	kn_craft_ip_ttl(c, 255);
	kn_craft_icmp6(c, 134, 0, 0x1234, 0);
	KT_EQ(dt_decode(d, c, &p), KN_DECODE_IP);
	KT_EQ(p.icmp_id, 0);
	KT_EQ(kn_decoder_stats(d)->icmpv4, 1);
	KT_EQ(kn_decoder_stats(d)->icmpv6, 2);
	kn_free(c);
	kn_decoder_free(d);
}

static void test_unreachable_quote_v4(void)
{
	struct kn_decoder *d = dt_decoder();
	struct kn_craft *c = dt_craft();
	struct kn_packet p;
	KT_REQUIRE(d && c);
	kn_craft_eth(c, NULL, NULL);
	kn_craft_ipv4(c, "192.0.2.254", "10.0.0.1", 1);
	kn_craft_icmp(c, 3, 3, 0, 0);
	kn_craft_ipv4(c, "10.0.0.1", "192.0.2.53", 17);
	kn_craft_udp(c, 40000, 53);
	KT_EQ(dt_decode(d, c, &p), KN_DECODE_IP);
	KT_CHECK(p.flags & KN_PKT_ICMP_ERROR);
	KT_EQ(p.icmp_type, 3);
	KT_EQ(p.icmp_code, 3);
	KT_CHECK(dt_addr_is(&p.src, "192.0.2.254"));
	KT_EQ(p.quote.ip_version, 4);
	KT_EQ(p.quote.proto, 17);
	KT_CHECK(dt_addr_is(&p.quote.src, "10.0.0.1"));
	KT_CHECK(dt_addr_is(&p.quote.dst, "192.0.2.53"));
	KT_EQ(p.quote.sport, 40000);
	KT_EQ(p.quote.dport, 53);
	KT_EQ(p.n_events, 0);
	/* A quote too short for the inner header: still an ICMP packet. */
	size_t n = kn_craft_finish(c);
	dt_packet(&p, c->buf, 34 + 8 + 12, 34 + 8 + 12, KN_LINK_ETHERNET, 1);
	c->buf[17] = 40;
	KT_EQ(kn_decode(d, &p), KN_DECODE_IP);
	KT_CHECK(dt_has_event(&p, KN_DEV_ICMPV4_IPV4_TRUNC_PKT));
	KT_CHECK(!(p.flags & KN_PKT_ICMP_ERROR));
	KT_EQ(p.quote.ip_version, 0);
	kn_craft_finish(c);
	c->buf[34 + 8] = 0x65;
	dt_packet(&p, c->buf, (uint32_t)n, (uint32_t)n, KN_LINK_ETHERNET, 1);
	KT_EQ(kn_decode(d, &p), KN_DECODE_IP);
	KT_CHECK(dt_has_event(&p, KN_DEV_ICMPV4_IPV4_UNKNOWN_VER));
	kn_free(c);
	kn_decoder_free(d);
}

static void test_packet_too_big_quote_v6(void)
{
	struct kn_decoder *d = dt_decoder();
	struct kn_craft *c = dt_craft();
	struct kn_packet p;
	KT_REQUIRE(d && c);
	kn_craft_eth(c, NULL, NULL);
	kn_craft_ipv6(c, "2001:db8::fe", "2001:db8::1", 58);
	kn_craft_icmp6(c, 2, 0, 0, 1280);
	kn_craft_ipv6(c, "2001:db8::1", "2001:db8:9::9", 60);
	static const uint8_t pad[6] = { 1, 4 };
	kn_craft_ipv6_ext(c, 60, 6, pad, sizeof pad);
	kn_craft_tcp(c, 22, 61000, 1, 1, KN_TCP_ACK, 1);
	KT_EQ(dt_decode(d, c, &p), KN_DECODE_IP);
	KT_CHECK(p.flags & KN_PKT_ICMP_ERROR);
	KT_EQ(p.quote.ip_version, 6);
	KT_EQ(p.quote.proto, 6);
	KT_CHECK(dt_addr_is(&p.quote.dst, "2001:db8:9::9"));
	KT_EQ(p.quote.sport, 22);
	KT_EQ(p.quote.dport, 61000);
	size_t n = kn_craft_finish(c);
	dt_packet(&p, c->buf, 14 + 40 + 8 + 30, (uint32_t)n, KN_LINK_ETHERNET, 1);
	KT_EQ(kn_decode(d, &p), KN_DECODE_IP);
	KT_CHECK(dt_has_event(&p, KN_DEV_ICMPV6_IPV6_TRUNC_PKT));
	kn_free(c);
	kn_decoder_free(d);
}

static void test_unknown_types_and_codes(void)
{
	struct kn_decoder *d = dt_decoder();
	struct kn_packet p;
	KT_REQUIRE(d);
	static const struct {
		int v6;
		uint8_t type, code, ttl;
		unsigned ev;
	} cases[] = {
		{ 0, 44, 0, 64, KN_DEV_ICMPV4_UNKNOWN_TYPE },
		{ 0, 3, 16, 64, KN_DEV_ICMPV4_UNKNOWN_CODE },
		{ 0, 8, 1, 64, KN_DEV_ICMPV4_UNKNOWN_CODE },
		{ 1, 0, 0, 64, KN_DEV_ICMPV6_UNKNOWN_TYPE },
		{ 1, 50, 0, 64, KN_DEV_ICMPV6_UNASSIGNED_TYPE },
		{ 1, 200, 0, 64, KN_DEV_ICMPV6_EXPERIMENTATION_TYPE },
		{ 1, 1, 9, 64, KN_DEV_ICMPV6_UNKNOWN_CODE },
		{ 1, 128, 3, 64, KN_DEV_ICMPV6_UNKNOWN_CODE },
		{ 1, 131, 0, 64, KN_DEV_ICMPV6_MLD_INVALID_HL },
	};
	for (unsigned i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		struct kn_craft *c = dt_craft();
		KT_REQUIRE(c);
		kn_craft_eth(c, NULL, NULL);
		if (cases[i].v6) {
			kn_craft_ipv6(c, "fe80::1", "ff02::16", 58);
			kn_craft_ip_ttl(c, cases[i].ttl);
			kn_craft_icmp6(c, cases[i].type, cases[i].code, 0, 0);
		} else {
			kn_craft_ipv4(c, "10.0.0.1", "10.0.0.2", 1);
			kn_craft_icmp(c, cases[i].type, cases[i].code, 0, 0);
		}
		kn_craft_payload(c, NULL, 40);
		KT_EQ(dt_decode(d, c, &p), KN_DECODE_IP);
		KT_CHECK(dt_has_event(&p, cases[i].ev));
		kn_free(c);
	}
	/* MLD with hop limit 1 is fine. */
	struct kn_craft *c = dt_craft();
	KT_REQUIRE(c);
	kn_craft_eth(c, NULL, NULL);
	kn_craft_ipv6(c, "fe80::1", "ff02::16", 58);
	kn_craft_ip_ttl(c, 1);
	kn_craft_icmp6(c, 143, 0, 0, 0);
	KT_EQ(dt_decode(d, c, &p), KN_DECODE_IP);
	KT_EQ(p.n_events, 0);
	/* Too short for an ICMP header. */
	kn_craft_init(c);
	kn_craft_eth(c, NULL, NULL);
	kn_craft_ipv4(c, "10.0.0.1", "10.0.0.2", 1);
	kn_craft_payload(c, "\x08\x00\x00", 3);
	KT_EQ(dt_decode(d, c, &p), KN_DECODE_OTHER);
	KT_CHECK(dt_has_event(&p, KN_DEV_ICMPV4_PKT_TOO_SMALL));
	kn_craft_init(c);
	kn_craft_eth(c, NULL, NULL);
	kn_craft_ipv6(c, "fe80::1", "ff02::16", 58);
	kn_craft_payload(c, "\x80\x00\x00\x00", 4);
	KT_EQ(dt_decode(d, c, &p), KN_DECODE_OTHER);
	KT_CHECK(dt_has_event(&p, KN_DEV_ICMPV6_PKT_TOO_SMALL));
	kn_free(c);
	kn_decoder_free(d);
}

static void test_truncate_every_length(void)
{
	struct kn_decoder *d = dt_decoder();
	struct kn_craft *c = dt_craft();
	KT_REQUIRE(d && c);
	kn_craft_eth(c, NULL, NULL);
	kn_craft_ipv4(c, "192.0.2.254", "10.0.0.1", 1);
	kn_craft_icmp(c, 11, 0, 0, 0);
	kn_craft_ipv4(c, "10.0.0.1", "192.0.2.53", 6);
	kn_craft_tcp(c, 1, 2, 3, 4, KN_TCP_SYN, 5);
	size_t n = kn_craft_finish(c);
	KT_CHECK(dt_truncate_all(d, c->buf, n, KN_LINK_ETHERNET) > 0);
	kn_craft_init(c);
	kn_craft_eth(c, NULL, NULL);
	kn_craft_ipv6(c, "2001:db8::fe", "2001:db8::1", 58);
	kn_craft_icmp6(c, 1, 4, 0, 0);
	kn_craft_ipv6(c, "2001:db8::1", "2001:db8:9::9", 0);
	static const uint8_t pad[6] = { 1, 4 };
	kn_craft_ipv6_ext(c, 0, 44, pad, sizeof pad);
	kn_craft_ipv6_frag(c, 17, 0, 1, 3);
	kn_craft_udp(c, 1, 2);
	n = kn_craft_finish(c);
	KT_CHECK(dt_truncate_all(d, c->buf, n, KN_LINK_ETHERNET) > 0);
	kn_free(c);
	kn_decoder_free(d);
}

static const struct kt_case cases[] = {
	KT_CASE(test_echo),
	KT_CASE(test_unreachable_quote_v4),
	KT_CASE(test_packet_too_big_quote_v6),
	KT_CASE(test_unknown_types_and_codes),
	KT_CASE(test_truncate_every_length),
};

KT_MAIN("decode_icmp", cases)
