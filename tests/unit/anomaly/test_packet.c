/*
 * test_packet.c - kn_ai_packet_from(): crafted frames decoded by kenchi's
 * decoder, then reduced to AfterImage's key fields: TCP/UDP ports, the
 * ports quoted by an ICMP error (as tshark reports them), ICMPv4 and
 * ICMPv6, ARP's protocol addresses parsed from the frame (also behind a
 * VLAN tag, and every truncation of it), non-IP frames and MACs.
 */
#include "../../kt.h"

#include "../decode/decode_test.h"
#include "kenchi/anomaly.h"

static const uint8_t mac_a[6] = { 0x02, 0, 0, 0, 0, 0x0a };
static const uint8_t mac_b[6] = { 0x02, 0, 0, 0, 0, 0x0b };

/* Decodes the crafted frame at t = 2 s and fills *ap. */
static void reduce(struct kn_craft *c, struct kn_ai_packet *ap)
{
	struct kn_decoder *d = dt_decoder();
	struct kn_packet p;
	if (!d) {
		memset(ap, 0, sizeof *ap);
		return;
	}
	int rc = dt_decode_at(d, c, &p, 2000000000ull);
	kn_ai_packet_from(&p, rc, ap);
	kn_decoder_free(d);
}

static int ip4_is(const struct kn_addr *a, const char *s)
{
	uint8_t b[4];
	return inet_pton(AF_INET, s, b) == 1 && memcmp(a->b, b, 4) == 0;
}

static void test_udp(void)
{
	struct kn_craft *c = dt_craft();
	struct kn_ai_packet ap;
	KT_REQUIRE(c);
	kn_craft_eth(c, mac_a, mac_b);
	kn_craft_ipv4(c, "10.0.0.1", "10.0.0.2", 17);
	kn_craft_udp(c, 40000, 53);
	kn_craft_payload(c, "abcd", 4);
	reduce(c, &ap);
	KT_EQ(ap.kind, KN_AI_IP);
	KT_EQ(ap.ip_version, 4);
	KT_EQ(ap.port_kind, KN_AI_PORTS_L4);
	KT_EQ(ap.sport, 40000);
	KT_EQ(ap.dport, 53);
	KT_EQ(ap.frame_len, 14 + 20 + 8 + 4);
	KT_EQ(ap.ts_ns, 2000000000ull);
	KT_CHECK(ap.has_mac && memcmp(ap.src_mac, mac_a, 6) == 0 && memcmp(ap.dst_mac, mac_b, 6) == 0);
	KT_CHECK(ip4_is(&ap.src_ip, "10.0.0.1") && ip4_is(&ap.dst_ip, "10.0.0.2"));
	kn_free(c);
}

/* Destination unreachable quoting UDP 10.0.0.1:40000 -> 192.0.2.53:53:
 * the outer addresses with the quoted ports. */
static void test_icmp_error_ports(void)
{
	struct kn_craft *c = dt_craft();
	struct kn_ai_packet ap;
	KT_REQUIRE(c);
	kn_craft_eth(c, NULL, NULL);
	kn_craft_ipv4(c, "192.0.2.254", "10.0.0.1", 1);
	kn_craft_icmp(c, 3, 3, 0, 0);
	kn_craft_ipv4(c, "10.0.0.1", "192.0.2.53", 17);
	kn_craft_udp(c, 40000, 53);
	reduce(c, &ap);
	KT_EQ(ap.kind, KN_AI_IP);
	KT_EQ(ap.port_kind, KN_AI_PORTS_L4);
	KT_EQ(ap.sport, 40000);
	KT_EQ(ap.dport, 53);
	KT_EQ(ap.icmp_type, 3);
	KT_CHECK(ip4_is(&ap.src_ip, "192.0.2.254") && ip4_is(&ap.dst_ip, "10.0.0.1"));
	kn_free(c);
}

static void test_icmp_echo(void)
{
	struct kn_craft *c = dt_craft();
	struct kn_ai_packet ap;
	KT_REQUIRE(c);
	kn_craft_eth(c, NULL, NULL);
	kn_craft_ipv4(c, "10.0.0.1", "10.0.0.2", 1);
	kn_craft_icmp(c, 8, 0, 7, 1);
	reduce(c, &ap);
	KT_EQ(ap.kind, KN_AI_IP);
	KT_EQ(ap.port_kind, KN_AI_PORTS_ICMP);
	KT_EQ(ap.icmp_type, 8);
	/* ICMPv6: tshark's icmp.type is ICMPv4 only, so no socket suffix */
	kn_craft_init(c);
	kn_craft_eth(c, NULL, NULL);
	kn_craft_ipv6(c, "2001:db8::1", "2001:db8::2", 58);
	kn_craft_icmp6(c, 128, 0, 7, 1);
	reduce(c, &ap);
	KT_EQ(ap.kind, KN_AI_IP);
	KT_EQ(ap.ip_version, 6);
	KT_EQ(ap.port_kind, KN_AI_PORTS_NONE);
	KT_EQ(ap.src_ip.b[0], 0x20);
	KT_EQ(ap.dst_ip.b[15], 2);
	kn_free(c);
}

static void test_arp(void)
{
	struct kn_craft *c = dt_craft();
	struct kn_ai_packet ap;
	KT_REQUIRE(c);
	kn_craft_eth(c, mac_a, NULL);
	kn_craft_vlan(c, 0x8100, 12);
	kn_craft_arp(c, 1, "192.168.1.5", "192.168.1.1");
	reduce(c, &ap);
	KT_EQ(ap.kind, KN_AI_ARP);
	KT_EQ(ap.ip_version, 4);
	KT_CHECK(ip4_is(&ap.src_ip, "192.168.1.5") && ip4_is(&ap.dst_ip, "192.168.1.1"));
	KT_CHECK(ap.has_mac && memcmp(ap.src_mac, mac_a, 6) == 0);
	/* every truncation, from an exactly sized copy: no read past caplen */
	size_t n = kn_craft_finish(c);
	struct kn_decoder *d = dt_decoder();
	KT_REQUIRE(d);
	for (size_t len = 0; len < n; len++) {
		uint8_t *copy = kn_malloc(len ? len : 1);
		struct kn_packet p;
		KT_REQUIRE(copy);
		memcpy(copy, c->buf, len);
		dt_packet(&p, copy, (uint32_t)len, (uint32_t)n, KN_LINK_ETHERNET, 1);
		kn_ai_packet_from(&p, kn_decode(d, &p), &ap);
		KT_CHECK(ap.ip_version == 0 || len >= 14 + 4 + 28);
		KT_EQ(ap.has_mac, len >= 14);
		kn_free(copy);
	}
	kn_decoder_free(d);
	kn_free(c);
}

/* A frame that is neither IP nor ARP (LLDP): hosts are the MACs. */
static void test_other(void)
{
	struct kn_craft *c = dt_craft();
	struct kn_ai_packet ap;
	KT_REQUIRE(c);
	kn_craft_eth(c, mac_a, mac_b);
	kn_craft_set_type(c, 0x88cc);
	kn_craft_payload(c, "\x02\x07\x04\x00\x00\x00\x00\x00\x0a", 9);
	reduce(c, &ap);
	KT_EQ(ap.kind, KN_AI_OTHER);
	KT_EQ(ap.ip_version, 0);
	KT_CHECK(ap.has_mac && memcmp(ap.dst_mac, mac_b, 6) == 0);
	kn_free(c);
}

static const struct kt_case cases[] = {
	KT_CASE(test_udp),
	KT_CASE(test_icmp_error_ports),
	KT_CASE(test_icmp_echo),
	KT_CASE(test_arp),
	KT_CASE(test_other),
};

KT_MAIN("anomaly_packet", cases)
