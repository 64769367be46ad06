/*
 * test_link.c - link layers and layer-2.5 encapsulations: Ethernet, 802.3
 * LLC frames, SLL, SLL2, null/loop, raw IP, Cisco HDLC, ARP, unknown
 * ethertypes, VLAN (single, QinQ, 802.1ad, too many, left out of the hash), 802.1ah, VN-tag, DCE, MPLS (IPv4, IPv6,
 * explicit null, pseudowire, bad labels), PPPoE session and discovery, and
 * the max_layers limit.
 */
#include "decode_test.h"

static void tcp_payload(struct kn_craft *c)
{
	kn_craft_tcp(c, 40000, 80, 1000, 0, KN_TCP_SYN, 64240);
	kn_craft_payload(c, "hello", 5);
}

static void test_ethernet_ipv4_tcp(void)
{
	struct kn_decoder *d = dt_decoder();
	struct kn_craft *c = dt_craft();
	struct kn_packet p;
	KT_REQUIRE(d && c);
	kn_craft_eth(c, NULL, NULL);
	kn_craft_ipv4(c, "192.0.2.1", "198.51.100.7", 6);
	tcp_payload(c);
	KT_EQ(dt_decode(d, c, &p), KN_DECODE_IP);
	KT_EQ(p.ip_version, 4);
	KT_EQ(p.proto, 6);
	KT_CHECK(dt_addr_is(&p.src, "192.0.2.1"));
	KT_CHECK(dt_addr_is(&p.dst, "198.51.100.7"));
	KT_EQ(p.sport, 40000);
	KT_EQ(p.dport, 80);
	KT_EQ(p.l3_off, 14);
	KT_EQ(p.l4_off, 34);
	KT_EQ(p.payload_off, 54);
	KT_EQ(p.payload_len, 5);
	KT_EQ(p.ip_len, 45);
	KT_EQ(p.vlan[0], 0);
	KT_EQ(p.tunnel_depth, 0);
	KT_EQ(p.n_events, 0);
	KT_EQ(p.frag_count, 1);
	KT_EQ(p.frag_bytes, 59);
	KT_CHECK(p.flags & KN_PKT_HAS_PORTS);
	KT_CHECK(!(p.flags & KN_PKT_TRUNCATED));
	KT_EQ(p.hash, kn_packet_hash(&p));
	KT_EQ(kn_decoder_stats(d)->ethernet, 1);
	KT_EQ(kn_decoder_stats(d)->ipv4, 1);
	KT_EQ(kn_decoder_stats(d)->tcp, 1);
	kn_free(c);
	kn_decoder_free(d);
}

static void test_ethernet_short_and_llc(void)
{
	struct kn_decoder *d = dt_decoder();
	struct kn_packet p;
	KT_REQUIRE(d);
	uint8_t frame[60] = {0};
	dt_packet(&p, frame, 13, 13, KN_LINK_ETHERNET, 1);
	KT_EQ(kn_decode(d, &p), KN_DECODE_OTHER);
	KT_CHECK(dt_has_event(&p, KN_DEV_ETHERNET_PKT_TOO_SMALL));
	KT_EQ(kn_decoder_stats(d)->invalid, 1);
	/* 802.3 frame: the type field is a length (<= 1500), LLC follows. */
	frame[12] = 0x00;
	frame[13] = 0x2e;
	frame[14] = 0x42;
	frame[15] = 0x42;
	dt_packet(&p, frame, 60, 60, KN_LINK_ETHERNET, 1);
	KT_EQ(kn_decode(d, &p), KN_DECODE_OTHER);
	KT_EQ(p.n_events, 0);
	KT_EQ(kn_decoder_stats(d)->unknown_ethertype, 0);
	frame[12] = 0x88;
	frame[13] = 0xcc; /* LLDP */
	dt_packet(&p, frame, 60, 60, KN_LINK_ETHERNET, 1);
	KT_EQ(kn_decode(d, &p), KN_DECODE_OTHER);
	KT_EQ(kn_decoder_stats(d)->unknown_ethertype, 1);
	KT_EQ(kn_decoder_stats(d)->invalid, 1);
	kn_decoder_free(d);
}

static void test_arp(void)
{
	struct kn_decoder *d = dt_decoder();
	struct kn_craft *c = dt_craft();
	struct kn_packet p;
	KT_REQUIRE(d && c);
	kn_craft_eth(c, NULL, NULL);
	kn_craft_arp(c, 1, "10.0.0.1", "10.0.0.2");
	kn_craft_trailer(c, NULL, 18);
	KT_EQ(dt_decode(d, c, &p), KN_DECODE_OTHER);
	KT_EQ(p.n_events, 0);
	KT_EQ(p.ip_version, 0);
	KT_EQ(kn_decoder_stats(d)->arp, 1);
	KT_EQ(kn_decoder_stats(d)->invalid, 0);
	/* the fields for the detectors: Ethernet addresses and the ARP body */
	static const uint8_t a1[6] = { 2, 0, 0, 0, 0, 1 }, b2[6] = { 2, 0, 0, 0, 0, 2 };
	static const uint8_t spa[4] = { 10, 0, 0, 1 }, tpa[4] = { 10, 0, 0, 2 }, zero[6];
	KT_EQ(p.flags & (KN_PKT_ETH | KN_PKT_ARP), KN_PKT_ETH | KN_PKT_ARP);
	KT_CHECK(!memcmp(p.eth_src, a1, 6) && !memcmp(p.eth_dst, b2, 6));
	KT_EQ(p.arp.op, 1);
	KT_CHECK(!memcmp(p.arp.sha, a1, 6) && !memcmp(p.arp.tha, zero, 6));
	KT_CHECK(!memcmp(p.arp.spa, spa, 4) && !memcmp(p.arp.tpa, tpa, 4));
	/* cut short: Ethernet addresses still, no ARP fields, no event */
	size_t n = kn_craft_finish(c);
	for (size_t len = 14; len < 42; len += 9) {
		dt_packet(&p, c->buf, (uint32_t)len, (uint32_t)len, KN_LINK_ETHERNET, 1);
		KT_EQ(kn_decode(d, &p), KN_DECODE_OTHER);
		KT_EQ(p.flags & (KN_PKT_ETH | KN_PKT_ARP), KN_PKT_ETH);
		KT_EQ(p.arp.op, 0);
		KT_EQ(p.n_events, 0);
	}
	/* another hardware type (not Ethernet/IPv4): not described */
	c->buf[14 + 1] = 6;
	dt_packet(&p, c->buf, (uint32_t)n, (uint32_t)n, KN_LINK_ETHERNET, 1);
	KT_EQ(kn_decode(d, &p), KN_DECODE_OTHER);
	KT_EQ(p.flags & KN_PKT_ARP, 0);
	/* an IP packet has its Ethernet addresses but no ARP */
	kn_craft_init(c);
	kn_craft_eth(c, b2, a1);
	kn_craft_ipv4(c, "10.0.0.2", "10.0.0.1", 17);
	kn_craft_udp(c, 53, 40000);
	KT_EQ(dt_decode(d, c, &p), KN_DECODE_IP);
	KT_EQ(p.flags & (KN_PKT_ETH | KN_PKT_ARP), KN_PKT_ETH);
	KT_CHECK(!memcmp(p.eth_src, b2, 6) && !memcmp(p.eth_dst, a1, 6));
	kn_free(c);
	kn_decoder_free(d);
}

static void test_sll_and_sll2(void)
{
	struct kn_decoder *d = dt_decoder();
	struct kn_craft *c = dt_craft();
	struct kn_packet p;
	KT_REQUIRE(d && c);
	kn_craft_sll(c);
	kn_craft_ipv6(c, "2001:db8::1", "2001:db8::2", 17);
	kn_craft_udp(c, 5353, 53);
	kn_craft_payload(c, NULL, 20);
	KT_EQ(c->linktype, KN_LINK_SLL);
	KT_EQ(dt_decode(d, c, &p), KN_DECODE_IP);
	KT_EQ(p.ip_version, 6);
	KT_EQ(p.l3_off, 16);
	KT_EQ(p.sport, 5353);
	KT_EQ(p.payload_len, 20);
	KT_CHECK(dt_addr_is(&p.dst, "2001:db8::2"));
	kn_craft_init(c);
	kn_craft_sll2(c);
	kn_craft_ipv4(c, "10.1.1.1", "10.2.2.2", 17);
	kn_craft_udp(c, 1000, 2000);
	KT_EQ(c->linktype, KN_LINK_SLL2);
	KT_EQ(dt_decode(d, c, &p), KN_DECODE_IP);
	KT_EQ(p.l3_off, 20);
	KT_EQ(p.dport, 2000);
	KT_EQ(kn_decoder_stats(d)->sll, 2);
	uint8_t shortf[15] = {0};
	dt_packet(&p, shortf, 15, 15, KN_LINK_SLL, 1);
	KT_EQ(kn_decode(d, &p), KN_DECODE_OTHER);
	KT_CHECK(dt_has_event(&p, KN_DEV_SLL_PKT_TOO_SMALL));
	dt_packet(&p, shortf, 15, 15, KN_LINK_SLL2, 1);
	KT_EQ(kn_decode(d, &p), KN_DECODE_OTHER);
	KT_CHECK(dt_has_event(&p, KN_DEV_SLL2_PKT_TOO_SMALL));
	kn_free(c);
	kn_decoder_free(d);
}

static void test_null_and_loop(void)
{
	struct kn_decoder *d = dt_decoder();
	struct kn_craft *c = dt_craft();
	struct kn_packet p;
	KT_REQUIRE(d && c);
	kn_craft_null(c, 0);
	kn_craft_ipv4(c, "127.0.0.1", "127.0.0.2", 17);
	kn_craft_udp(c, 1, 2);
	KT_EQ(c->linktype, KN_LINK_NULL);
	KT_EQ(dt_decode(d, c, &p), KN_DECODE_IP);
	KT_EQ(p.l3_off, 4);
	/* The same AF written big-endian (a capture from such a host). */
	c->buf[0] = 0, c->buf[3] = 2;
	dt_packet(&p, c->buf, (uint32_t)c->len, (uint32_t)c->len, KN_LINK_NULL, 1);
	KT_EQ(kn_decode(d, &p), KN_DECODE_IP);
	/* Loop (108): network order, IPv6 as AF 24, 28 or 30. */
	static const uint32_t afs[] = { 24, 28, 30 };
	for (unsigned i = 0; i < 3; i++) {
		kn_craft_init(c);
		kn_craft_null(c, 1);
		kn_craft_set_type(c, (uint16_t)afs[i]);
		kn_craft_ipv6(c, "::1", "::1", 17);
		kn_craft_udp(c, 1, 2);
		KT_EQ(c->linktype, KN_LINK_LOOP);
		KT_EQ(dt_decode(d, c, &p), KN_DECODE_IP);
		KT_EQ(p.ip_version, 6);
	}
	c->buf[3] = 7; /* AF 7: not IP */
	dt_packet(&p, c->buf, (uint32_t)c->len, (uint32_t)c->len, KN_LINK_LOOP, 1);
	KT_EQ(kn_decode(d, &p), KN_DECODE_OTHER);
	KT_CHECK(dt_has_event(&p, KN_DEV_LTNULL_UNSUPPORTED_TYPE));
	dt_packet(&p, c->buf, 3, 3, KN_LINK_NULL, 1);
	KT_EQ(kn_decode(d, &p), KN_DECODE_OTHER);
	KT_CHECK(dt_has_event(&p, KN_DEV_LTNULL_PKT_TOO_SMALL));
	kn_free(c);
	kn_decoder_free(d);
}

static void test_raw_links(void)
{
	struct kn_decoder *d = dt_decoder();
	struct kn_craft *c = dt_craft();
	struct kn_packet p;
	KT_REQUIRE(d && c);
	kn_craft_ipv4(c, "10.0.0.1", "10.0.0.2", 6);
	tcp_payload(c);
	KT_EQ(c->linktype, KN_LINK_RAW);
	size_t n = kn_craft_finish(c);
	static const uint16_t links[] = { KN_LINK_RAW, KN_LINK_IPV4, KN_LINK_IPV6, 12, 14 };
	for (unsigned i = 0; i < 5; i++) {
		dt_packet(&p, c->buf, (uint32_t)n, (uint32_t)n, links[i], 1);
		KT_EQ(kn_decode(d, &p), KN_DECODE_IP);
		KT_EQ(p.l3_off, 0);
		KT_EQ(p.payload_len, 5);
	}
	c->buf[0] = 0x55; /* version 5 */
	dt_packet(&p, c->buf, (uint32_t)n, (uint32_t)n, KN_LINK_RAW, 1);
	KT_EQ(kn_decode(d, &p), KN_DECODE_OTHER);
	KT_CHECK(dt_has_event(&p, KN_DEV_IPRAW_INVALID_IPV));
	KT_EQ(kn_decoder_stats(d)->raw, 6);
	/* Unknown link type: nothing to say, no event. */
	dt_packet(&p, c->buf, (uint32_t)n, (uint32_t)n, 147, 1);
	KT_EQ(kn_decode(d, &p), KN_DECODE_OTHER);
	KT_EQ(p.n_events, 0);
	kn_free(c);
	kn_decoder_free(d);
}

/* Cisco HDLC (104): the raw IPv4 packet behind address 0x0f, control 0,
 * ethertype 0x0800; a header cut short is chdlc.pkt_too_small. */
static void test_chdlc(void)
{
	struct kn_decoder *d = dt_decoder();
	struct kn_craft *c = dt_craft();
	struct kn_packet p;
	uint8_t frame[256];
	KT_REQUIRE(d && c);
	kn_craft_ipv4(c, "10.0.0.1", "10.0.0.2", 6);
	tcp_payload(c);
	size_t n = kn_craft_finish(c);
	KT_REQUIRE(n + 4 <= sizeof frame);
	frame[0] = 0x0f, frame[1] = 0, frame[2] = 0x08, frame[3] = 0x00;
	memcpy(frame + 4, c->buf, n);
	dt_packet(&p, frame, (uint32_t)n + 4, (uint32_t)n + 4, KN_LINK_CHDLC, 1);
	KT_EQ(kn_decode(d, &p), KN_DECODE_IP);
	KT_EQ(p.l3_off, 4);
	KT_EQ(p.dport, 80);
	KT_EQ(p.payload_len, 5);
	dt_packet(&p, frame, 3, 3, KN_LINK_CHDLC, 1);
	KT_EQ(kn_decode(d, &p), KN_DECODE_OTHER);
	KT_CHECK(dt_has_event(&p, KN_DEV_CHDLC_PKT_TOO_SMALL));
	kn_free(c);
	kn_decoder_free(d);
}

/* ignore_vlan: the tags are decoded but left out of the packet hash, so
 * both directions of a flow tagged differently hash alike. */
static void test_ignore_vlan_hash(void)
{
	struct kn_decode_config cfg;
	char err[KN_ERRBUF_SIZE];
	kn_decode_config_default(&cfg);
	KT_EQ(cfg.ignore_vlan, 0);
	cfg.ignore_vlan = 1;
	struct kn_decoder *d = kn_decoder_new(&cfg, err);
	struct kn_craft *c = dt_craft();
	struct kn_packet p;
	KT_REQUIRE(d && c);
	kn_craft_eth(c, NULL, NULL);
	kn_craft_vlan(c, 0x8100, 100);
	kn_craft_ipv4(c, "10.0.0.1", "10.0.0.2", 17);
	kn_craft_udp(c, 53, 5353);
	KT_EQ(dt_decode(d, c, &p), KN_DECODE_IP);
	KT_EQ(p.vlan[0], 100);
	uint32_t tagged = p.hash;
	kn_craft_init(c);
	kn_craft_eth(c, NULL, NULL);
	kn_craft_ipv4(c, "10.0.0.2", "10.0.0.1", 17);
	kn_craft_udp(c, 5353, 53);
	KT_EQ(dt_decode(d, c, &p), KN_DECODE_IP);
	KT_EQ(p.vlan[0], 0);
	KT_EQ(p.hash, tagged);
	kn_free(c);
	kn_decoder_free(d);
}

static void test_vlan_qinq(void)
{
	struct kn_decoder *d = dt_decoder();
	struct kn_craft *c = dt_craft();
	struct kn_packet p;
	KT_REQUIRE(d && c);
	kn_craft_eth(c, NULL, NULL);
	kn_craft_vlan(c, 0x88a8, 100);
	kn_craft_vlan(c, 0x8100, 200);
	kn_craft_ipv4(c, "10.0.0.1", "10.0.0.2", 17);
	kn_craft_udp(c, 53, 5353);
	KT_EQ(dt_decode(d, c, &p), KN_DECODE_IP);
	KT_EQ(p.vlan[0], 100);
	KT_EQ(p.vlan[1], 200);
	KT_EQ(p.l3_off, 22);
	KT_EQ(kn_decoder_stats(d)->vlan, 1);
	KT_EQ(kn_decoder_stats(d)->vlan_qinq, 1);
	uint32_t h_qinq = p.hash;
	/* Priority and DEI bits are not part of the id. */
	c->buf[14] |= 0xf0;
	dt_packet(&p, c->buf, (uint32_t)c->len, (uint32_t)c->len, KN_LINK_ETHERNET, 1);
	KT_EQ(kn_decode(d, &p), KN_DECODE_IP);
	KT_EQ(p.vlan[0], 100);
	KT_EQ(p.hash, h_qinq);
	/* Same 5-tuple, other VLAN: another flow hash. */
	kn_craft_init(c);
	kn_craft_eth(c, NULL, NULL);
	kn_craft_vlan(c, 0x8100, 101);
	kn_craft_ipv4(c, "10.0.0.1", "10.0.0.2", 17);
	kn_craft_udp(c, 53, 5353);
	KT_EQ(dt_decode(d, c, &p), KN_DECODE_IP);
	KT_EQ(p.vlan[0], 101);
	KT_EQ(p.vlan[1], 0);
	KT_CHECK(p.hash != h_qinq);
	/* Three tags (0x9100 too) are fine, four are too many. */
	kn_craft_init(c);
	kn_craft_eth(c, NULL, NULL);
	kn_craft_vlan(c, 0x9100, 1);
	kn_craft_vlan(c, 0x88a8, 2);
	kn_craft_vlan(c, 0x8100, 3);
	kn_craft_ipv4(c, "10.0.0.1", "10.0.0.2", 17);
	kn_craft_udp(c, 53, 5353);
	KT_EQ(dt_decode(d, c, &p), KN_DECODE_IP);
	KT_EQ(p.vlan[0], 1);
	KT_EQ(p.vlan[1], 2);
	kn_craft_init(c);
	kn_craft_eth(c, NULL, NULL);
	for (int i = 0; i < 4; i++)
		kn_craft_vlan(c, 0x8100, (uint16_t)(10 + i));
	kn_craft_ipv4(c, "10.0.0.1", "10.0.0.2", 17);
	kn_craft_udp(c, 53, 5353);
	KT_EQ(dt_decode(d, c, &p), KN_DECODE_OTHER);
	KT_CHECK(dt_has_event(&p, KN_DEV_VLAN_TOO_MANY_LAYERS));
	/* A tag cut short. */
	dt_packet(&p, c->buf, 16, 16, KN_LINK_ETHERNET, 1);
	KT_EQ(kn_decode(d, &p), KN_DECODE_OTHER);
	KT_CHECK(dt_has_event(&p, KN_DEV_VLAN_HEADER_TOO_SMALL));
	kn_free(c);
	kn_decoder_free(d);
}

static void test_8021ah_vntag_dce(void)
{
	struct kn_decoder *d = dt_decoder();
	struct kn_craft *c = dt_craft();
	struct kn_packet p;
	KT_REQUIRE(d && c);
	static const uint8_t itag[16] = { 0, 0, 0x12, 0x34, 2, 0, 0, 0, 0, 9, 2, 0, 0, 0, 0, 8 };
	kn_craft_eth(c, NULL, NULL);
	kn_craft_set_type(c, 0x88e7);
	kn_craft_raw(c, itag, sizeof itag);
	kn_craft_raw(c, "\x08\x00", 2);
	kn_craft_ipv4(c, "10.9.9.9", "10.8.8.8", 17);
	kn_craft_udp(c, 7, 7);
	KT_EQ(dt_decode(d, c, &p), KN_DECODE_IP);
	KT_EQ(p.l3_off, 14 + 18);
	KT_EQ(kn_decoder_stats(d)->ieee8021ah, 1);
	dt_packet(&p, c->buf, 20, 20, KN_LINK_ETHERNET, 1);
	KT_EQ(kn_decode(d, &p), KN_DECODE_OTHER);
	KT_CHECK(dt_has_event(&p, KN_DEV_IEEE8021AH_HEADER_TOO_SMALL));
	kn_craft_init(c);
	kn_craft_eth(c, NULL, NULL);
	kn_craft_set_type(c, 0x8926);
	kn_craft_raw(c, "\x80\x01\x00\x02\x08\x00", 6);
	kn_craft_ipv4(c, "10.9.9.9", "10.8.8.8", 17);
	kn_craft_udp(c, 7, 7);
	KT_EQ(dt_decode(d, c, &p), KN_DECODE_IP);
	KT_EQ(p.l3_off, 20);
	KT_EQ(kn_decoder_stats(d)->vntag, 1);
	dt_packet(&p, c->buf, 17, 17, KN_LINK_ETHERNET, 1);
	KT_EQ(kn_decode(d, &p), KN_DECODE_OTHER);
	KT_CHECK(dt_has_event(&p, KN_DEV_VNTAG_HEADER_TOO_SMALL));
	/* Cisco DCE (FabricPath): 2 bytes, then a whole Ethernet header. */
	kn_craft_init(c);
	kn_craft_eth(c, NULL, NULL);
	kn_craft_set_type(c, 0x8903);
	kn_craft_raw(c, "\0\0", 2);
	kn_craft_eth(c, NULL, NULL);
	kn_craft_ipv4(c, "1.1.1.4", "2.2.2.2", 132);
	kn_craft_sctp(c, 57005, 48879, 0);
	KT_EQ(dt_decode(d, c, &p), KN_DECODE_IP);
	KT_EQ(p.l3_off, 14 + 2 + 14);
	KT_EQ(p.sport, 57005);
	KT_EQ(kn_decoder_stats(d)->dce, 1);
	dt_packet(&p, c->buf, 14 + 15, 14 + 15, KN_LINK_ETHERNET, 1);
	KT_EQ(kn_decode(d, &p), KN_DECODE_OTHER);
	KT_CHECK(dt_has_event(&p, KN_DEV_DCE_PKT_TOO_SMALL));
	kn_free(c);
	kn_decoder_free(d);
}

/* 802.3 + LLC/SNAP, 802.1BR E-tag and NSH all lead to the IP inside. */
static void test_llc_etag_nsh(void)
{
	struct kn_decoder *d = dt_decoder();
	struct kn_craft *c = dt_craft();
	struct kn_packet p;
	KT_REQUIRE(d && c);
	kn_craft_eth(c, NULL, NULL);
	kn_craft_set_type(c, 48);  /* an 802.3 length */
	kn_craft_raw(c, "\xaa\xaa\x03\x00\x00\x00\x08\x00", 8);
	kn_craft_ipv4(c, "192.168.1.1", "192.168.1.2", 6);
	kn_craft_tcp(c, 12345, 80, 100, 0, KN_TCP_SYN, 8192);
	KT_EQ(dt_decode(d, c, &p), KN_DECODE_IP);
	KT_EQ(p.l3_off, 14 + 8);
	KT_EQ(p.dport, 80);
	KT_EQ(kn_decoder_stats(d)->llc, 1);
	kn_craft_init(c);
	kn_craft_eth(c, NULL, NULL);
	kn_craft_set_type(c, 0x893f);
	kn_craft_raw(c, "\x00\x00\x10\x01\x00\x00\x86\xdd", 8);
	kn_craft_ipv6(c, "2001:db8::1", "2001:db8::2", 17);
	kn_craft_udp(c, 5353, 53);
	KT_EQ(dt_decode(d, c, &p), KN_DECODE_IP);
	KT_EQ(p.l3_off, 14 + 8);
	KT_EQ(p.ip_version, 6);
	KT_EQ(kn_decoder_stats(d)->etag, 1);
	dt_packet(&p, c->buf, 14 + 5, 14 + 5, KN_LINK_ETHERNET, 1);
	KT_EQ(kn_decode(d, &p), KN_DECODE_OTHER);
	KT_CHECK(dt_has_event(&p, KN_DEV_ETAG_HEADER_TOO_SMALL));
	/* NSH: version 0, length 2 words (8 bytes), MD type 2, next protocol
	 * IPv4, service path 0x000101 index 255. */
	static const uint8_t nsh[8] = { 0x00, 0x02, 0x02, 0x01, 0x00, 0x01, 0x01, 0xff };
	kn_craft_init(c);
	kn_craft_eth(c, NULL, NULL);
	kn_craft_set_type(c, 0x894f);
	kn_craft_raw(c, nsh, sizeof nsh);
	kn_craft_ipv4(c, "10.0.0.1", "10.0.0.2", 17);
	kn_craft_udp(c, 52377, 52464);
	KT_EQ(dt_decode(d, c, &p), KN_DECODE_IP);
	KT_EQ(p.l3_off, 14 + 8);
	KT_EQ(p.sport, 52377);
	KT_EQ(kn_decoder_stats(d)->nsh, 1);
	c->buf[14] = 0x40;  /* version 1 */
	dt_packet(&p, c->buf, (uint32_t)c->len, (uint32_t)c->len, KN_LINK_ETHERNET, 1);
	KT_EQ(kn_decode(d, &p), KN_DECODE_OTHER);
	KT_CHECK(dt_has_event(&p, KN_DEV_NSH_UNSUPPORTED_VERSION));
	c->buf[14] = 0x00;
	c->buf[15] = 0x01;  /* 4 bytes: shorter than the two mandatory headers */
	dt_packet(&p, c->buf, (uint32_t)c->len, (uint32_t)c->len, KN_LINK_ETHERNET, 1);
	KT_EQ(kn_decode(d, &p), KN_DECODE_OTHER);
	KT_CHECK(dt_has_event(&p, KN_DEV_NSH_BAD_HEADER_LENGTH));
	c->buf[15] = 0x02;
	c->buf[17] = 0x09;  /* next protocol 9: unknown */
	dt_packet(&p, c->buf, (uint32_t)c->len, (uint32_t)c->len, KN_LINK_ETHERNET, 1);
	KT_EQ(kn_decode(d, &p), KN_DECODE_OTHER);
	KT_CHECK(dt_has_event(&p, KN_DEV_NSH_UNKNOWN_PAYLOAD));
	dt_packet(&p, c->buf, 14 + 6, 14 + 6, KN_LINK_ETHERNET, 1);
	KT_EQ(kn_decode(d, &p), KN_DECODE_OTHER);
	KT_CHECK(dt_has_event(&p, KN_DEV_NSH_HEADER_TOO_SMALL));
	kn_free(c);
	kn_decoder_free(d);
}

static void test_mpls(void)
{
	struct kn_decoder *d = dt_decoder();
	struct kn_craft *c = dt_craft();
	struct kn_packet p;
	KT_REQUIRE(d && c);
	kn_craft_eth(c, NULL, NULL);
	kn_craft_mpls(c, 1000, 0);
	kn_craft_mpls(c, 2000, 1);
	kn_craft_ipv4(c, "10.0.0.1", "10.0.0.2", 6);
	tcp_payload(c);
	KT_EQ(dt_decode(d, c, &p), KN_DECODE_IP);
	KT_EQ(p.l3_off, 22);
	KT_EQ(p.dport, 80);
	kn_craft_init(c);
	kn_craft_eth(c, NULL, NULL);
	kn_craft_mpls(c, 2, 1); /* IPv6 explicit null */
	kn_craft_ipv6(c, "2001:db8::1", "2001:db8::2", 17);
	kn_craft_udp(c, 1, 2);
	KT_EQ(dt_decode(d, c, &p), KN_DECODE_IP);
	KT_EQ(p.ip_version, 6);
	/* Ethernet pseudowire with a control word. */
	kn_craft_init(c);
	kn_craft_eth(c, NULL, NULL);
	kn_craft_mpls(c, 3000, 1);
	kn_craft_raw(c, "\0\0\0\0", 4);
	kn_craft_eth(c, NULL, NULL);
	kn_craft_ipv4(c, "10.0.0.3", "10.0.0.4", 17);
	kn_craft_udp(c, 1, 2);
	KT_EQ(dt_decode(d, c, &p), KN_DECODE_IP);
	KT_EQ(p.l3_off, 14 + 4 + 4 + 14);
	KT_CHECK(dt_addr_is(&p.src, "10.0.0.3"));
	KT_EQ(kn_decoder_stats(d)->mpls, 3);
	/* Bad labels and payloads. */
	static const struct { uint32_t label; unsigned ev; } bad[] = {
		{ 3, KN_DEV_MPLS_BAD_LABEL_IMPLICIT_NULL },
		{ 1, KN_DEV_MPLS_BAD_LABEL_ROUTER_ALERT },
		{ 5, KN_DEV_MPLS_BAD_LABEL_RESERVED },
	};
	for (unsigned i = 0; i < 3; i++) {
		kn_craft_init(c);
		kn_craft_eth(c, NULL, NULL);
		kn_craft_mpls(c, bad[i].label, 1);
		kn_craft_ipv4(c, "10.0.0.1", "10.0.0.2", 17);
		kn_craft_udp(c, 1, 2);
		KT_EQ(dt_decode(d, c, &p), KN_DECODE_OTHER);
		KT_CHECK(dt_has_event(&p, bad[i].ev));
	}
	kn_craft_init(c);
	kn_craft_eth(c, NULL, NULL);
	kn_craft_mpls(c, 100, 1);
	kn_craft_payload(c, "\x55\x00\x00\x00", 4);
	KT_EQ(dt_decode(d, c, &p), KN_DECODE_OTHER);
	KT_CHECK(dt_has_event(&p, KN_DEV_MPLS_UNKNOWN_PAYLOAD_TYPE));
	dt_packet(&p, c->buf, 16, 16, KN_LINK_ETHERNET, 1);
	KT_EQ(kn_decode(d, &p), KN_DECODE_OTHER);
	KT_CHECK(dt_has_event(&p, KN_DEV_MPLS_HEADER_TOO_SMALL));
	kn_free(c);
	kn_decoder_free(d);
}

static void test_pppoe(void)
{
	struct kn_decoder *d = dt_decoder();
	struct kn_craft *c = dt_craft();
	struct kn_packet p;
	KT_REQUIRE(d && c);
	kn_craft_eth(c, NULL, NULL);
	kn_craft_pppoe(c, 0x1234);
	kn_craft_ipv4(c, "100.64.0.1", "8.8.8.8", 17);
	kn_craft_udp(c, 40000, 53);
	kn_craft_payload(c, NULL, 30);
	kn_craft_trailer(c, NULL, 4);
	KT_EQ(dt_decode(d, c, &p), KN_DECODE_IP);
	KT_EQ(p.l3_off, 22);
	KT_EQ(p.payload_len, 30);
	kn_craft_init(c);
	kn_craft_eth(c, NULL, NULL);
	kn_craft_pppoe(c, 1);
	kn_craft_ipv6(c, "2001:db8::1", "2001:db8::2", 17);
	kn_craft_udp(c, 1, 2);
	KT_EQ(dt_decode(d, c, &p), KN_DECODE_IP);
	KT_EQ(p.ip_version, 6);
	/* LCP: control traffic, not IP, not an error. */
	kn_craft_init(c);
	kn_craft_eth(c, NULL, NULL);
	kn_craft_pppoe(c, 1);
	kn_craft_set_type(c, 0xc021);
	kn_craft_payload(c, "\x09\x01\x00\x08\x00\x00\x00\x00", 8);
	KT_EQ(dt_decode(d, c, &p), KN_DECODE_OTHER);
	KT_EQ(p.n_events, 0);
	/* Unknown and unsupported PPP protocols. */
	kn_craft_init(c);
	kn_craft_eth(c, NULL, NULL);
	kn_craft_pppoe(c, 1);
	kn_craft_set_type(c, 0x0201);
	kn_craft_payload(c, NULL, 8);
	KT_EQ(dt_decode(d, c, &p), KN_DECODE_OTHER);
	KT_CHECK(dt_has_event(&p, KN_DEV_PPP_WRONG_TYPE));
	c->buf[20] = 0x00, c->buf[21] = 0x2d; /* VJ compressed TCP */
	dt_packet(&p, c->buf, (uint32_t)c->len, (uint32_t)c->len, KN_LINK_ETHERNET, 1);
	KT_EQ(kn_decode(d, &p), KN_DECODE_OTHER);
	KT_CHECK(dt_has_event(&p, KN_DEV_PPP_UNSUP_PROTO));
	c->buf[15] = 0x09; /* code PADI in a session frame */
	dt_packet(&p, c->buf, (uint32_t)c->len, (uint32_t)c->len, KN_LINK_ETHERNET, 1);
	KT_EQ(kn_decode(d, &p), KN_DECODE_OTHER);
	KT_CHECK(dt_has_event(&p, KN_DEV_PPPOE_WRONG_CODE));
	c->buf[15] = 0;
	c->buf[18] = 0x7f; /* length beyond the frame */
	dt_packet(&p, c->buf, (uint32_t)c->len, (uint32_t)c->len, KN_LINK_ETHERNET, 1);
	KT_EQ(kn_decode(d, &p), KN_DECODE_OTHER);
	KT_CHECK(dt_has_event(&p, KN_DEV_PPPOE_PKT_TOO_SMALL));
	/* Discovery: counted, not IP. */
	c->buf[12] = 0x88, c->buf[13] = 0x63;
	dt_packet(&p, c->buf, (uint32_t)c->len, (uint32_t)c->len, KN_LINK_ETHERNET, 1);
	KT_EQ(kn_decode(d, &p), KN_DECODE_OTHER);
	KT_EQ(p.n_events, 0);
	KT_EQ(kn_decoder_stats(d)->pppoe, 8);
	kn_free(c);
	kn_decoder_free(d);
}

static void test_max_layers(void)
{
	char err[KN_ERRBUF_SIZE];
	struct kn_decode_config cfg;
	kn_decode_config_default(&cfg);
	cfg.max_layers = 3;
	struct kn_decoder *d = kn_decoder_new(&cfg, err);
	struct kn_craft *c = dt_craft();
	struct kn_packet p;
	KT_REQUIRE(d && c);
	kn_craft_eth(c, NULL, NULL);
	kn_craft_vlan(c, 0x8100, 5);
	kn_craft_ipv4(c, "10.0.0.1", "10.0.0.2", 17);
	kn_craft_udp(c, 1, 2);
	KT_EQ(dt_decode(d, c, &p), KN_DECODE_IP); /* eth, vlan, ipv4 */
	kn_craft_init(c);
	kn_craft_eth(c, NULL, NULL);
	kn_craft_vlan(c, 0x8100, 5);
	kn_craft_vlan(c, 0x8100, 6);
	kn_craft_ipv4(c, "10.0.0.1", "10.0.0.2", 17);
	kn_craft_udp(c, 1, 2);
	KT_EQ(dt_decode(d, c, &p), KN_DECODE_OTHER);
	KT_CHECK(dt_has_event(&p, KN_DEV_TOO_MANY_LAYERS));
	kn_free(c);
	kn_decoder_free(d);
}

static const struct kt_case cases[] = {
	KT_CASE(test_ethernet_ipv4_tcp),
	KT_CASE(test_ethernet_short_and_llc),
	KT_CASE(test_arp),
	KT_CASE(test_sll_and_sll2),
	KT_CASE(test_null_and_loop),
	KT_CASE(test_raw_links),
	KT_CASE(test_chdlc),
	KT_CASE(test_ignore_vlan_hash),
	KT_CASE(test_vlan_qinq),
	KT_CASE(test_8021ah_vntag_dce),
	KT_CASE(test_llc_etag_nsh),
	KT_CASE(test_mpls),
	KT_CASE(test_pppoe),
	KT_CASE(test_max_layers),
};

KT_MAIN("decode_link", cases)
