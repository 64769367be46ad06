/*
 * test_tunnel.c - tunnels decoded to the inner packet: GRE (plain, key,
 * checksum+sequence, Ethernet, MPLS), ERSPAN II/III, PPTP, VXLAN, Geneve,
 * Teredo, IP-in-IP in all four family pairs, nesting, tunnel ids, the
 * fallback to the outer packet, and GRE header faults.
 */
#include "decode_test.h"

static void inner_tcp(struct kn_craft *c)
{
	kn_craft_ipv4(c, "192.168.1.10", "192.168.2.20", 6);
	kn_craft_tcp(c, 49152, 8080, 1, 0, KN_TCP_SYN, 1000);
}

static void outer4(struct kn_craft *c, uint8_t proto)
{
	kn_craft_eth(c, NULL, NULL);
	kn_craft_ipv4(c, "203.0.113.1", "203.0.113.2", proto);
}

/* The inner TCP packet of inner_tcp() is what is described. */
static void check_inner(const struct kn_packet *p, uint32_t l3)
{
	KT_CHECK(dt_addr_is(&p->src, "192.168.1.10"));
	KT_EQ(p->sport, 49152);
	KT_EQ(p->dport, 8080);
	KT_EQ(p->proto, 6);
	KT_EQ(p->l3_off, l3);
	KT_CHECK(p->flags & KN_PKT_TUNNELED);
	KT_EQ(p->tunnel_depth, 1);
	KT_CHECK(p->tunnel_id != 0);
}

static void test_gre_variants(void)
{
	struct kn_decoder *d = dt_decoder();
	struct kn_craft *c = dt_craft();
	struct kn_packet p;
	KT_REQUIRE(d && c);
	outer4(c, 47);
	kn_craft_gre(c, 0, 0, 0);
	inner_tcp(c);
	KT_EQ(dt_decode(d, c, &p), KN_DECODE_IP);
	check_inner(&p, 38);
	uint32_t tid_nokey = p.tunnel_id;
	kn_craft_init(c);
	outer4(c, 47);
	kn_craft_gre(c, KN_CRAFT_GRE_KEY, 0xfeed, 0);
	inner_tcp(c);
	KT_EQ(dt_decode(d, c, &p), KN_DECODE_IP);
	check_inner(&p, 42);
	KT_EQ(p.tunnel_id, tid_nokey); /* a GRE key is no flow identity */
	kn_craft_init(c);
	outer4(c, 47);
	kn_craft_gre(c, KN_CRAFT_GRE_CSUM | KN_CRAFT_GRE_KEY | KN_CRAFT_GRE_SEQ, 7, 99);
	inner_tcp(c);
	KT_EQ(dt_decode(d, c, &p), KN_DECODE_IP);
	check_inner(&p, 50);
	KT_EQ(p.tunnel_id, tid_nokey);
	/* Transparent Ethernet bridging. */
	kn_craft_init(c);
	outer4(c, 47);
	kn_craft_gre(c, 0, 0, 0);
	kn_craft_eth(c, NULL, NULL);
	inner_tcp(c);
	KT_EQ(dt_decode(d, c, &p), KN_DECODE_IP);
	check_inner(&p, 38 + 14);
	KT_EQ(p.tunnel_id, tid_nokey);
	/* MPLS over GRE. */
	kn_craft_init(c);
	outer4(c, 47);
	kn_craft_gre(c, 0, 0, 0);
	kn_craft_mpls(c, 77, 1);
	inner_tcp(c);
	KT_EQ(dt_decode(d, c, &p), KN_DECODE_IP);
	check_inner(&p, 42);
	/* Unknown payload type: the GRE packet itself. */
	kn_craft_init(c);
	outer4(c, 47);
	kn_craft_gre(c, 0, 0, 0);
	kn_craft_set_type(c, 0x1234);
	kn_craft_payload(c, NULL, 20);
	KT_EQ(dt_decode(d, c, &p), KN_DECODE_IP);
	KT_EQ(p.proto, 47);
	KT_EQ(p.tunnel_depth, 0);
	KT_EQ(p.payload_off, 38);
	KT_EQ(kn_decoder_stats(d)->gre, 6);
	kn_free(c);
	kn_decoder_free(d);
}

static void test_gre_faults(void)
{
	struct kn_decoder *d = dt_decoder();
	struct kn_craft *c = dt_craft();
	struct kn_packet p;
	KT_REQUIRE(d && c);
	outer4(c, 47);
	kn_craft_gre(c, KN_CRAFT_GRE_KEY, 1, 0);
	inner_tcp(c);
	size_t n = kn_craft_finish(c);
	uint8_t *g = c->buf + 34;
	static const struct { uint8_t b0, b1; unsigned ev; } cases[] = {
		{ 0x20, 0x02, KN_DEV_GRE_WRONG_VERSION },
		{ 0x21, 0x00, KN_DEV_GRE_VERSION0_RECUR },
		{ 0x20, 0x08, KN_DEV_GRE_VERSION0_FLAGS },
		{ 0x20 | 0x80 | 0x10, 0x00, 0 }, /* C+K+S: 16 bytes, fits */
		{ 0xa0, 0x01, KN_DEV_GRE_VERSION1_CHKSUM },
		{ 0x60, 0x01, KN_DEV_GRE_VERSION1_ROUTE },
		{ 0x28, 0x01, KN_DEV_GRE_VERSION1_SSR },
		{ 0x22, 0x01, KN_DEV_GRE_VERSION1_RECUR },
		{ 0x20, 0x09, KN_DEV_GRE_VERSION1_FLAGS },
		{ 0x00, 0x01, KN_DEV_GRE_VERSION1_NO_KEY },
		{ 0x20, 0x01, KN_DEV_GRE_VERSION1_WRONG_PROTOCOL },
	};
	for (unsigned i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		kn_craft_finish(c);
		g[0] = cases[i].b0;
		g[1] = cases[i].b1;
		dt_packet(&p, c->buf, (uint32_t)n, (uint32_t)n, KN_LINK_ETHERNET, 1);
		int r = kn_decode(d, &p);
		if (cases[i].ev) {
			KT_EQ(r, KN_DECODE_OTHER);
			KT_CHECK(dt_has_event(&p, cases[i].ev));
		} else {
			KT_EQ(r, KN_DECODE_IP);
		}
	}
	/* Header fields beyond the packet. */
	kn_craft_finish(c);
	g[0] = 0xb0; /* C K S: 16 bytes */
	g[1] = 0;
	dt_packet(&p, c->buf, 34 + 12, 34 + 12, KN_LINK_ETHERNET, 1);
	c->buf[17] = 32;
	KT_EQ(kn_decode(d, &p), KN_DECODE_OTHER);
	KT_CHECK(dt_has_event(&p, KN_DEV_GRE_VERSION0_HDR_TOO_BIG));
	dt_packet(&p, c->buf, 34 + 3, 34 + 3, KN_LINK_ETHERNET, 1);
	c->buf[17] = 23;
	KT_EQ(kn_decode(d, &p), KN_DECODE_OTHER);
	KT_CHECK(dt_has_event(&p, KN_DEV_GRE_PKT_TOO_SMALL));
	/* Routing present with a broken source route entry. */
	kn_craft_init(c);
	outer4(c, 47);
	kn_craft_raw(c, "\x40\x00\x08\x00\x00\x00\x00\x00\x08\x00\x00\x09\x01\x02", 14);
	n = kn_craft_finish(c);
	dt_packet(&p, c->buf, (uint32_t)n, (uint32_t)n, KN_LINK_ETHERNET, 1);
	KT_EQ(kn_decode(d, &p), KN_DECODE_OTHER);
	KT_CHECK(dt_has_event(&p, KN_DEV_GRE_VERSION0_MALFORMED_SRE_HDR));
	kn_free(c);
	kn_decoder_free(d);
}

static void test_erspan(void)
{
	struct kn_decoder *d = dt_decoder();
	struct kn_craft *c = dt_craft();
	struct kn_packet p;
	KT_REQUIRE(d && c);
	outer4(c, 47);
	kn_craft_gre(c, KN_CRAFT_GRE_SEQ, 0, 5);
	kn_craft_erspan(c, 2, 33);
	kn_craft_eth(c, NULL, NULL);
	inner_tcp(c);
	KT_EQ(dt_decode(d, c, &p), KN_DECODE_IP);
	check_inner(&p, 42 + 8 + 14);
	kn_craft_init(c);
	outer4(c, 47);
	kn_craft_gre(c, KN_CRAFT_GRE_SEQ, 0, 5);
	kn_craft_erspan(c, 3, 33);
	kn_craft_eth(c, NULL, NULL);
	inner_tcp(c);
	KT_EQ(dt_decode(d, c, &p), KN_DECODE_IP);
	check_inner(&p, 42 + 12 + 14);
	c->buf[42] = 0x50; /* version 5 */
	dt_packet(&p, c->buf, (uint32_t)c->len, (uint32_t)c->len, KN_LINK_ETHERNET, 1);
	KT_EQ(kn_decode(d, &p), KN_DECODE_OTHER);
	KT_CHECK(dt_has_event(&p, KN_DEV_ERSPAN_UNSUPPORTED_VERSION));
	/* Type I: no sequence number, no ERSPAN header. */
	kn_craft_init(c);
	outer4(c, 47);
	kn_craft_gre(c, 0, 0, 0);
	kn_craft_set_type(c, 0x88be);
	kn_craft_eth(c, NULL, NULL);
	inner_tcp(c);
	KT_EQ(dt_decode(d, c, &p), KN_DECODE_IP);
	check_inner(&p, 38 + 14);
	KT_EQ(kn_decoder_stats(d)->erspan, 4);
	kn_free(c);
	kn_decoder_free(d);
}

static void test_pptp(void)
{
	struct kn_decoder *d = dt_decoder();
	struct kn_craft *c = dt_craft();
	struct kn_packet p;
	KT_REQUIRE(d && c);
	outer4(c, 47);
	kn_craft_gre_pptp(c, 0x1111, 1);
	kn_craft_ppp(c);
	inner_tcp(c);
	KT_EQ(dt_decode(d, c, &p), KN_DECODE_IP);
	check_inner(&p, 34 + 12 + 4);
	/* PPP control (LCP) inside: the GRE packet is described. */
	kn_craft_init(c);
	outer4(c, 47);
	kn_craft_gre_pptp(c, 0x1111, 2);
	kn_craft_ppp(c);
	kn_craft_set_type(c, 0xc021);
	kn_craft_payload(c, NULL, 10);
	KT_EQ(dt_decode(d, c, &p), KN_DECODE_IP);
	KT_EQ(p.proto, 47);
	KT_EQ(p.tunnel_depth, 0);
	KT_CHECK(!(p.flags & KN_PKT_TUNNELED));
	kn_free(c);
	kn_decoder_free(d);
}

static void test_vxlan_geneve(void)
{
	struct kn_decoder *d = dt_decoder();
	struct kn_craft *c = dt_craft();
	struct kn_packet p;
	KT_REQUIRE(d && c);
	outer4(c, 17);
	kn_craft_udp(c, 55555, 4789);
	kn_craft_vxlan(c, 0xabcde);
	kn_craft_eth(c, NULL, NULL);
	kn_craft_vlan(c, 0x8100, 42);
	inner_tcp(c);
	KT_EQ(dt_decode(d, c, &p), KN_DECODE_IP);
	check_inner(&p, 34 + 8 + 8 + 18);
	KT_EQ(p.tunnel_id, 0xabcde);
	KT_EQ(p.vlan[0], 42);
	KT_EQ(kn_decoder_stats(d)->vxlan, 1);
	/* Without the I flag it is just UDP to port 4789. */
	c->buf[42] = 0;
	dt_packet(&p, c->buf, (uint32_t)c->len, (uint32_t)c->len, KN_LINK_ETHERNET, 1);
	KT_EQ(kn_decode(d, &p), KN_DECODE_IP);
	KT_EQ(p.proto, 17);
	KT_EQ(p.dport, 4789);
	KT_EQ(p.tunnel_depth, 0);
	kn_craft_init(c);
	outer4(c, 17);
	kn_craft_udp(c, 55555, 6081);
	kn_craft_geneve(c, 0x123456);
	kn_craft_geneve_opts(c, "\x01\x02\x80\x01\xaa\xbb\xcc\xdd", 8);
	kn_craft_eth(c, NULL, NULL);
	inner_tcp(c);
	KT_EQ(dt_decode(d, c, &p), KN_DECODE_IP);
	check_inner(&p, 34 + 8 + 16 + 14);
	KT_EQ(p.tunnel_id, 0x123456);
	kn_craft_init(c);
	outer4(c, 17);
	kn_craft_udp(c, 55555, 6081);
	kn_craft_geneve(c, 9);
	inner_tcp(c); /* IPv4 directly */
	KT_EQ(dt_decode(d, c, &p), KN_DECODE_IP);
	check_inner(&p, 34 + 8 + 8);
	kn_craft_init(c);
	outer4(c, 17);
	kn_craft_udp(c, 55555, 6081);
	kn_craft_geneve(c, 9);
	kn_craft_set_type(c, 0x0806);
	kn_craft_payload(c, NULL, 28);
	KT_EQ(dt_decode(d, c, &p), KN_DECODE_IP);
	KT_CHECK(dt_has_event(&p, KN_DEV_GENEVE_UNKNOWN_PAYLOAD_TYPE));
	KT_EQ(p.dport, 6081);
	kn_free(c);
	kn_decoder_free(d);
}

static void test_teredo(void)
{
	struct kn_decoder *d = dt_decoder();
	struct kn_craft *c = dt_craft();
	struct kn_packet p;
	KT_REQUIRE(d && c);
	outer4(c, 17);
	kn_craft_udp(c, 3544, 40000);
	kn_craft_raw(c, "\x00\x00\x9c\x2f\xff\xff\xff\xfe", 8); /* origin indication */
	kn_craft_ipv6(c, "2001:0:4136:e378::1", "2001:db8::2", 17);
	kn_craft_udp(c, 1000, 2000);
	KT_EQ(dt_decode(d, c, &p), KN_DECODE_IP);
	KT_EQ(p.ip_version, 6);
	KT_EQ(p.l3_off, 34 + 8 + 8);
	KT_EQ(p.sport, 1000);
	KT_EQ(p.tunnel_depth, 1);
	KT_EQ(kn_decoder_stats(d)->teredo, 1);
	/* Random bytes to port 3544 stay UDP. */
	kn_craft_init(c);
	outer4(c, 17);
	kn_craft_udp(c, 3544, 40000);
	kn_craft_payload(c, NULL, 60);
	KT_EQ(dt_decode(d, c, &p), KN_DECODE_IP);
	KT_EQ(p.proto, 17);
	KT_EQ(p.tunnel_depth, 0);
	kn_free(c);
	kn_decoder_free(d);
}

static void test_ip_in_ip(void)
{
	struct kn_decoder *d = dt_decoder();
	struct kn_craft *c = dt_craft();
	struct kn_packet p;
	KT_REQUIRE(d && c);
	for (int outer6 = 0; outer6 < 2; outer6++) {
		for (int inner6 = 0; inner6 < 2; inner6++) {
			kn_craft_init(c);
			kn_craft_eth(c, NULL, NULL);
			uint8_t proto = inner6 ? 41 : 4;
			if (outer6)
				kn_craft_ipv6(c, "2001:db8::a", "2001:db8::b", proto);
			else
				kn_craft_ipv4(c, "198.51.100.1", "198.51.100.2", proto);
			if (inner6)
				kn_craft_ipv6(c, "fd00::1", "fd00::2", 17);
			else
				kn_craft_ipv4(c, "10.0.0.1", "10.0.0.2", 17);
			kn_craft_udp(c, 111, 222);
			KT_EQ(dt_decode(d, c, &p), KN_DECODE_IP);
			KT_EQ(p.ip_version, inner6 ? 6 : 4);
			KT_EQ(p.l3_off, outer6 ? 54 : 34);
			KT_EQ(p.tunnel_depth, 1);
			KT_EQ(p.dport, 222);
		}
	}
	const struct kn_decode_stats *st = kn_decoder_stats(d);
	KT_EQ(st->ipv4_in_ipv4, 1);
	KT_EQ(st->ipv6_in_ipv4, 1);
	KT_EQ(st->ipv4_in_ipv6, 1);
	KT_EQ(st->ipv6_in_ipv6, 1);
	/* Wrong inner version behind an IPv6 outer header. */
	kn_craft_init(c);
	kn_craft_eth(c, NULL, NULL);
	kn_craft_ipv6(c, "2001:db8::a", "2001:db8::b", 4);
	kn_craft_ipv6(c, "fd00::1", "fd00::2", 17);
	KT_EQ(dt_decode(d, c, &p), KN_DECODE_IP);
	KT_CHECK(dt_has_event(&p, KN_DEV_IPV4_IN_IPV6_WRONG_IP_VER));
	KT_EQ(p.proto, 4);
	KT_EQ(p.tunnel_depth, 0);
	kn_craft_init(c);
	kn_craft_eth(c, NULL, NULL);
	kn_craft_ipv6(c, "2001:db8::a", "2001:db8::b", 41);
	kn_craft_payload(c, NULL, 20);
	KT_EQ(dt_decode(d, c, &p), KN_DECODE_IP);
	KT_CHECK(dt_has_event(&p, KN_DEV_IPV6_IN_IPV6_PKT_TOO_SMALL));
	kn_free(c);
	kn_decoder_free(d);
}

/* Broken or non-IP inner packets: the outer packet is described again,
 * with the inner events kept. */
static void test_fallback_to_outer(void)
{
	struct kn_decoder *d = dt_decoder();
	struct kn_craft *c = dt_craft();
	struct kn_packet p;
	KT_REQUIRE(d && c);
	outer4(c, 17);
	kn_craft_udp(c, 55555, 4789);
	kn_craft_vxlan(c, 5);
	kn_craft_eth(c, NULL, NULL);
	kn_craft_arp(c, 1, "10.0.0.1", "10.0.0.2");
	KT_EQ(dt_decode(d, c, &p), KN_DECODE_IP);
	KT_EQ(p.proto, 17);
	KT_EQ(p.sport, 55555);
	KT_EQ(p.dport, 4789);
	KT_EQ(p.l3_off, 14);
	KT_EQ(p.tunnel_depth, 0);
	KT_EQ(p.tunnel_id, 0);
	KT_CHECK(!(p.flags & KN_PKT_TUNNELED));
	KT_CHECK(p.flags & KN_PKT_HAS_PORTS);
	KT_EQ(kn_decoder_stats(d)->arp, 1);
	kn_craft_init(c);
	outer4(c, 47);
	kn_craft_gre(c, 0, 0, 0);
	inner_tcp(c);
	size_t n = kn_craft_finish(c);
	c->buf[38] = 0x46; /* inner IHL 6, no room for it */
	c->buf[38 + 2] = 0, c->buf[38 + 3] = 22;
	dt_packet(&p, c->buf, (uint32_t)n, (uint32_t)n, KN_LINK_ETHERNET, 1);
	KT_EQ(kn_decode(d, &p), KN_DECODE_IP);
	KT_CHECK(dt_has_event(&p, KN_DEV_IPV4_IPLEN_SMALLER_THAN_HLEN));
	KT_EQ(p.proto, 47);
	KT_CHECK(dt_addr_is(&p.src, "203.0.113.1"));
	KT_EQ(kn_decoder_stats(d)->invalid, 0);
	kn_free(c);
	kn_decoder_free(d);
}

static void test_nested(void)
{
	struct kn_decoder *d = dt_decoder();
	struct kn_craft *c = dt_craft();
	struct kn_packet p;
	KT_REQUIRE(d && c);
	outer4(c, 47);
	kn_craft_gre(c, KN_CRAFT_GRE_KEY, 5, 0);
	kn_craft_ipv6(c, "2001:db8::1", "2001:db8::2", 17);
	kn_craft_udp(c, 1111, 4789);
	kn_craft_vxlan(c, 0);
	kn_craft_eth(c, NULL, NULL);
	inner_tcp(c);
	KT_EQ(dt_decode(d, c, &p), KN_DECODE_IP);
	KT_EQ(p.tunnel_depth, 2);
	KT_EQ(p.l3_off, 14 + 20 + 8 + 40 + 8 + 8 + 14);
	KT_EQ(p.dport, 8080);
	/* VNI 0: the innermost tunnel is named by its depth, not the GRE key. */
	KT_CHECK(p.tunnel_id != 0 && p.tunnel_id != 5);
	uint32_t tid_depth2 = p.tunnel_id;
	kn_craft_init(c);
	outer4(c, 47);
	kn_craft_gre(c, 0, 0, 0);
	inner_tcp(c);
	KT_EQ(dt_decode(d, c, &p), KN_DECODE_IP);
	KT_CHECK(p.tunnel_id != tid_depth2); /* depth 1 and depth 2 differ */
	kn_free(c);
	kn_decoder_free(d);
}

/* Mirror sessions: the two directions of one connection arrive through
 * GRE from different outer addresses under different keys (as ERSPAN
 * sessions per direction do); they share tunnel id and flow hash. The same
 * inner tuple in two VXLAN networks (VNIs) is two flows. */
static void test_symmetric_tunnel_id(void)
{
	struct kn_decoder *d = dt_decoder();
	struct kn_craft *c = dt_craft();
	struct kn_packet p;
	KT_REQUIRE(d && c);
	uint32_t tid[2], hash[2];
	for (int dir = 0; dir < 2; dir++) {
		kn_craft_init(c);
		kn_craft_eth(c, NULL, NULL);
		kn_craft_ipv4(c, dir ? "203.0.113.9" : "203.0.113.1", "203.0.113.2", 47);
		kn_craft_gre(c, KN_CRAFT_GRE_KEY, dir ? 0x02000000 : 0, 0);
		kn_craft_ipv4(c, dir ? "10.0.0.2" : "10.0.0.1", dir ? "10.0.0.1" : "10.0.0.2", 6);
		kn_craft_tcp(c, dir ? 80 : 5000, dir ? 5000 : 80, 1, 1, KN_TCP_ACK, 1);
		KT_EQ(dt_decode(d, c, &p), KN_DECODE_IP);
		tid[dir] = p.tunnel_id;
		hash[dir] = p.hash;
	}
	KT_EQ(tid[0], tid[1]);
	KT_EQ(hash[0], hash[1]);
	for (int vni = 1; vni <= 2; vni++) {
		kn_craft_init(c);
		outer4(c, 17);
		kn_craft_udp(c, 55555, 4789);
		kn_craft_vxlan(c, (uint32_t)vni);
		kn_craft_eth(c, NULL, NULL);
		kn_craft_ipv4(c, "10.0.0.1", "10.0.0.2", 6);
		kn_craft_tcp(c, 5000, 80, 1, 1, KN_TCP_ACK, 1);
		KT_EQ(dt_decode(d, c, &p), KN_DECODE_IP);
		tid[vni - 1] = p.tunnel_id;
		hash[vni - 1] = p.hash;
	}
	KT_EQ(tid[0], 1);
	KT_EQ(tid[1], 2);
	KT_CHECK(hash[0] != hash[1]);
	kn_free(c);
	kn_decoder_free(d);
}

static void test_truncate_every_length(void)
{
	struct kn_decoder *d = dt_decoder();
	struct kn_craft *c = dt_craft();
	KT_REQUIRE(d && c);
	outer4(c, 47);
	kn_craft_gre(c, KN_CRAFT_GRE_CSUM | KN_CRAFT_GRE_KEY | KN_CRAFT_GRE_SEQ, 1, 2);
	kn_craft_ipv6(c, "2001:db8::1", "2001:db8::2", 17);
	kn_craft_udp(c, 1, 6081);
	kn_craft_geneve(c, 3);
	kn_craft_geneve_opts(c, "\x01\x02\x80\x01\xaa\xbb\xcc\xdd", 8);
	kn_craft_eth(c, NULL, NULL);
	kn_craft_pppoe(c, 3);
	kn_craft_ipv4(c, "10.0.0.1", "10.0.0.2", 41);
	kn_craft_ipv6(c, "fd00::1", "fd00::2", 6);
	kn_craft_tcp(c, 1, 2, 3, 4, KN_TCP_SYN, 5);
	kn_craft_tcp_mss(c, 100);
	size_t n = kn_craft_finish(c);
	KT_CHECK(n > 0);
	struct kn_packet p;
	dt_packet(&p, c->buf, (uint32_t)n, (uint32_t)n, KN_LINK_ETHERNET, 1);
	KT_EQ(kn_decode(d, &p), KN_DECODE_IP);
	KT_EQ(p.tunnel_depth, 3);
	KT_EQ(p.tcp.mss, 100);
	KT_CHECK(dt_truncate_all(d, c->buf, n, KN_LINK_ETHERNET) > 0);
	kn_free(c);
	kn_decoder_free(d);
}

static const struct kt_case cases[] = {
	KT_CASE(test_gre_variants),
	KT_CASE(test_gre_faults),
	KT_CASE(test_erspan),
	KT_CASE(test_pptp),
	KT_CASE(test_vxlan_geneve),
	KT_CASE(test_teredo),
	KT_CASE(test_ip_in_ip),
	KT_CASE(test_fallback_to_outer),
	KT_CASE(test_nested),
	KT_CASE(test_symmetric_tunnel_id),
	KT_CASE(test_truncate_every_length),
};

KT_MAIN("decode_tunnel", cases)
