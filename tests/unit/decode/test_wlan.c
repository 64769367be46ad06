/*
 * test_wlan.c - 802.11 frames tunnelled in Aruba GRE (protocol types
 * 0x8200-0x83f0): a real frame from mix.pcap, the MAC header variants (3
 * and 4 addresses, QoS, HT control, A-MSDU), LLC/SNAP to IPv4, IPv6 and
 * VLAN, the frames left undecoded (management, control, null, protected,
 * fragments: the outer GRE packet, counted, no event), cut headers, and
 * truncation at every length.
 */
#include "decode_test.h"

/* mix.pcap frame 192738 (first 128 of 532 bytes): VLAN 300, IPv4, GRE
 * 0x8200, QoS data To DS, LLC/SNAP, IPv4 10.37.36.92:59020 ->
 * 192.0.78.150:80 "GET / HTTP/1". */
static const uint8_t aruba_frame[] =
	"\x00\x11\xdc\x00\x00\x01\xf0\x5c\x19\xcf\xc8\xd6"
	"\x81\x00\x01\x2c\x08\x00\x45\x00\x02\x02\x4b\x3e"
	"\x00\x00\xff\x2f\x2d\xa9\x0a\x03\x22\xab\x0a\x21"
	"\x0a\x17\x00\x00\x82\x00\x88\x01\x00\x00\xf0\x5c"
	"\x19\x7c\x8d\x70\x5c\x5f\x67\x02\x2e\x7a\x00\x11"
	"\xdc\x00\x00\x01\xa0\x80\x00\x00\xaa\xaa\x03\x00"
	"\x00\x00\x08\x00\x45\x00\x01\xc8\xfd\xae\x40\x00"
	"\x80\x06\xbe\x69\x0a\x25\x24\x5c\xc0\x00\x4e\x96"
	"\xe6\x8c\x00\x50\xe6\xd0\xbf\x2e\xc1\xd3\xcf\x9c"
	"\x50\x18\x04\x04\xef\x78\x00\x00\x47\x45\x54\x20"
	"\x2f\x20\x48\x54\x54\x50\x2f\x31";

#define ARUBA_WIRELEN 532
#define WLAN_OFF 42 /* Ethernet, VLAN, IPv4, GRE */

/* Decodes bytes[0..caplen) (wire length wirelen) from an exact heap copy. */
static int decode_bytes(struct kn_decoder *d, const uint8_t *bytes, uint32_t caplen,
			uint32_t wirelen, struct kn_packet *p, uint8_t **copy)
{
	*copy = kn_malloc(caplen);
	if (!*copy)
		return -1;
	memcpy(*copy, bytes, caplen);
	dt_packet(p, *copy, caplen, wirelen, KN_LINK_ETHERNET, 1000000000ull);
	return kn_decode(d, p);
}

static void test_aruba_real_frame(void)
{
	struct kn_decoder *d = dt_decoder();
	struct kn_packet p;
	uint8_t *copy;
	KT_REQUIRE(d);
	int r = decode_bytes(d, aruba_frame, sizeof aruba_frame - 1, ARUBA_WIRELEN, &p, &copy);
	KT_EQ(r, KN_DECODE_IP);
	KT_CHECK(dt_addr_is(&p.src, "10.37.36.92"));
	KT_CHECK(dt_addr_is(&p.dst, "192.0.78.150"));
	KT_EQ(p.sport, 59020);
	KT_EQ(p.dport, 80);
	KT_EQ(p.proto, 6);
	KT_EQ(p.l3_off, WLAN_OFF + 26 + 8);
	KT_EQ(p.tunnel_depth, 1);
	KT_CHECK(p.flags & KN_PKT_TUNNELED);
	KT_EQ(p.vlan[0], 300);
	KT_EQ(p.n_events, 0);
	KT_CHECK(memcmp(copy + p.payload_off, "GET / HTTP/1", 12) == 0);
	const struct kn_decode_stats *st = kn_decoder_stats(d);
	KT_EQ(st->gre, 1);
	KT_EQ(st->wlan, 1);
	KT_EQ(st->wlan_skipped, 0);
	KT_EQ(st->llc, 1);
	KT_EQ(st->ipv4, 2);
	kn_free(copy);
	kn_decoder_free(d);
}

static void outer_gre(struct kn_craft *c)
{
	kn_craft_eth(c, NULL, NULL);
	kn_craft_ipv4(c, "10.3.34.171", "10.33.10.23", 47);
	kn_craft_gre(c, 0, 0, 0);
}

static void inner_tcp(struct kn_craft *c)
{
	kn_craft_ipv4(c, "192.168.1.10", "192.168.2.20", 6);
	kn_craft_tcp(c, 49152, 8080, 1, 0, KN_TCP_SYN, 1000);
}

/* Crafts outer GRE + 802.11 (opts) + inner TCP and decodes it; the inner
 * packet must be described with its IPv4 header at l3. */
static void check_variant(struct kn_decoder *d, struct kn_craft *c, unsigned opts, uint32_t l3)
{
	struct kn_packet p;
	kn_craft_init(c);
	outer_gre(c);
	kn_craft_wlan(c, opts);
	inner_tcp(c);
	KT_EQ(dt_decode(d, c, &p), KN_DECODE_IP);
	KT_CHECK(dt_addr_is(&p.src, "192.168.1.10"));
	KT_EQ(p.dport, 8080);
	KT_EQ(p.l3_off, l3);
	KT_EQ(p.tunnel_depth, 1);
	KT_EQ(p.n_events, 0);
}

static void test_header_variants(void)
{
	struct kn_decoder *d = dt_decoder();
	struct kn_craft *c = dt_craft();
	KT_REQUIRE(d && c);
	const uint32_t base = 14 + 20 + 4, llc = 8;
	check_variant(d, c, KN_CRAFT_WLAN_FROMDS, base + 24 + llc);
	check_variant(d, c, KN_CRAFT_WLAN_TODS, base + 24 + llc);
	/* Order without QoS: strictly ordered, no HT control field. */
	check_variant(d, c, KN_CRAFT_WLAN_TODS | KN_CRAFT_WLAN_ORDER, base + 24 + llc);
	check_variant(d, c, KN_CRAFT_WLAN_TODS | KN_CRAFT_WLAN_FROMDS, base + 30 + llc);
	check_variant(d, c, KN_CRAFT_WLAN_QOS, base + 26 + llc);
	check_variant(d, c, KN_CRAFT_WLAN_QOS | KN_CRAFT_WLAN_ORDER, base + 30 + llc);
	check_variant(d, c, KN_CRAFT_WLAN_QOS | KN_CRAFT_WLAN_ORDER | KN_CRAFT_WLAN_TODS |
			    KN_CRAFT_WLAN_FROMDS, base + 36 + llc);
	/* A-MSDU: the first subframe. */
	check_variant(d, c, KN_CRAFT_WLAN_QOS | KN_CRAFT_WLAN_AMSDU, base + 26 + 14 + llc);
	KT_EQ(kn_decoder_stats(d)->wlan, 8);
	KT_EQ(kn_decoder_stats(d)->wlan_skipped, 0);
	kn_free(c);
	kn_decoder_free(d);
}

/* The GRE protocol types of the Aruba range are decoded, others are not. */
static void test_gre_types(void)
{
	struct kn_decoder *d = dt_decoder();
	struct kn_craft *c = dt_craft();
	struct kn_packet p;
	KT_REQUIRE(d && c);
	static const struct { uint16_t type; int wlan; } types[] = {
		{ 0x8200, 1 }, { 0x8210, 1 }, { 0x8240, 1 }, { 0x8300, 1 }, { 0x83f0, 1 },
		{ 0x8201, 0 }, { 0x8400, 0 }, { 0x8202, 0 }, { 0x81f0, 0 },
	};
	for (unsigned i = 0; i < sizeof types / sizeof types[0]; i++) {
		kn_craft_init(c);
		outer_gre(c);
		kn_craft_set_type(c, types[i].type);
		kn_craft_wlan(c, KN_CRAFT_WLAN_QOS | KN_CRAFT_WLAN_FROMDS);
		inner_tcp(c);
		KT_EQ(dt_decode(d, c, &p), KN_DECODE_IP);
		KT_EQ(p.tunnel_depth, types[i].wlan ? 1 : 0);
		KT_EQ(p.proto, types[i].wlan ? 6 : 47);
	}
	KT_EQ(kn_decoder_stats(d)->wlan, 5);
	kn_free(c);
	kn_decoder_free(d);
}

static void test_inner_protocols(void)
{
	struct kn_decoder *d = dt_decoder();
	struct kn_craft *c = dt_craft();
	struct kn_packet p;
	KT_REQUIRE(d && c);
	outer_gre(c);
	kn_craft_wlan(c, KN_CRAFT_WLAN_QOS | KN_CRAFT_WLAN_TODS);
	kn_craft_ipv6(c, "2001:db8::1", "2001:db8::2", 17);
	kn_craft_udp(c, 5353, 53);
	KT_EQ(dt_decode(d, c, &p), KN_DECODE_IP);
	KT_EQ(p.ip_version, 6);
	KT_EQ(p.dport, 53);
	KT_EQ(p.tunnel_depth, 1);
	/* A VLAN tag after SNAP (ethertype 0x8100). */
	kn_craft_init(c);
	outer_gre(c);
	kn_craft_wlan(c, KN_CRAFT_WLAN_TODS);
	kn_craft_vlan(c, 0x8100, 77);
	inner_tcp(c);
	KT_EQ(dt_decode(d, c, &p), KN_DECODE_IP);
	KT_EQ(p.vlan[0], 77);
	KT_EQ(p.dport, 8080);
	/* ARP: not IP, so the GRE packet is described. */
	kn_craft_init(c);
	outer_gre(c);
	kn_craft_wlan(c, KN_CRAFT_WLAN_TODS);
	kn_craft_arp(c, 1, "10.0.0.1", "10.0.0.2");
	KT_EQ(dt_decode(d, c, &p), KN_DECODE_IP);
	KT_EQ(p.proto, 47);
	KT_EQ(p.tunnel_depth, 0);
	KT_EQ(p.n_events, 0);
	KT_EQ(kn_decoder_stats(d)->arp, 1);
	/* LLC that is not SNAP with the Ethernet OUI (802.1H bridge tunnel):
	 * the GRE packet, no event. */
	long w = kn_craft_layer_off(c, KN_CRAFT_WLAN, 0);
	KT_REQUIRE(w > 0);
	c->buf[w + 24 + 5] = 0xf8;
	dt_packet(&p, c->buf, (uint32_t)c->len, (uint32_t)c->len, KN_LINK_ETHERNET, 1);
	KT_EQ(kn_decode(d, &p), KN_DECODE_IP);
	KT_EQ(p.proto, 47);
	KT_EQ(p.n_events, 0);
	kn_free(c);
	kn_decoder_free(d);
}

/* Frames with nothing we can decode: the outer GRE packet, described
 * whole, counted in wlan_skipped, no event, not invalid. */
static void test_skipped_frames(void)
{
	struct kn_decoder *d = dt_decoder();
	struct kn_craft *c = dt_craft();
	struct kn_packet p;
	KT_REQUIRE(d && c);
	outer_gre(c);
	kn_craft_wlan(c, KN_CRAFT_WLAN_QOS | KN_CRAFT_WLAN_TODS);
	inner_tcp(c);
	size_t n = kn_craft_finish(c);
	long w = kn_craft_layer_off(c, KN_CRAFT_WLAN, 0);
	KT_REQUIRE(n > 0 && w > 0);
	static const struct { uint8_t fc0, fc1, seq; } frames[] = {
		{ 0x80, 0x00, 0x10 }, /* beacon (management) */
		{ 0x40, 0x00, 0x10 }, /* probe request */
		{ 0xd4, 0x00, 0x10 }, /* ACK (control) */
		{ 0xb4, 0x00, 0x10 }, /* RTS */
		{ 0x48, 0x01, 0x10 }, /* null data */
		{ 0xc8, 0x01, 0x10 }, /* QoS null */
		{ 0x88, 0x41, 0x10 }, /* protected QoS data */
		{ 0x88, 0x05, 0x10 }, /* more fragments */
		{ 0x88, 0x01, 0x11 }, /* fragment 1 */
		{ 0x89, 0x01, 0x10 }, /* protocol version 1 */
		{ 0x8c, 0x01, 0x10 }, /* reserved frame type 3 */
	};
	for (unsigned i = 0; i < sizeof frames / sizeof frames[0]; i++) {
		kn_craft_finish(c);
		c->buf[w] = frames[i].fc0;
		c->buf[w + 1] = frames[i].fc1;
		c->buf[w + 22] = frames[i].seq;
		dt_packet(&p, c->buf, (uint32_t)n, (uint32_t)n, KN_LINK_ETHERNET, 1);
		KT_EQ(kn_decode(d, &p), KN_DECODE_IP);
		KT_EQ(p.proto, 47);
		KT_EQ(p.tunnel_depth, 0);
		KT_CHECK(!(p.flags & KN_PKT_TUNNELED));
		KT_EQ(p.payload_off, (uint32_t)w);
		KT_EQ(p.n_events, 0);
	}
	const struct kn_decode_stats *st = kn_decoder_stats(d);
	KT_EQ(st->wlan, 11);
	KT_EQ(st->wlan_skipped, 11);
	KT_EQ(st->invalid, 0);
	KT_EQ(st->llc, 0);
	kn_free(c);
	kn_decoder_free(d);
}

/* Cut MAC header, LLC or A-MSDU subframe header: wlan.pkt_too_small, and
 * the GRE packet is described. */
static void test_cut_headers(void)
{
	struct kn_decoder *d = dt_decoder();
	struct kn_craft *c = dt_craft();
	struct kn_packet p;
	KT_REQUIRE(d && c);
	const uint32_t w = 14 + 20 + 4;
	/* GRE payload lengths: 1 (no frame control), 20 (MAC header cut), 28
	 * (4-address header cut), 26 + 4 (LLC cut); with A-MSDU 26 + 10. */
	static const struct { unsigned opts; uint32_t keep; } cuts[] = {
		{ KN_CRAFT_WLAN_TODS, 1 },
		{ KN_CRAFT_WLAN_TODS, 20 },
		{ KN_CRAFT_WLAN_TODS | KN_CRAFT_WLAN_FROMDS, 28 },
		{ KN_CRAFT_WLAN_QOS | KN_CRAFT_WLAN_TODS, 30 },
		{ KN_CRAFT_WLAN_QOS | KN_CRAFT_WLAN_ORDER | KN_CRAFT_WLAN_TODS, 28 },
		{ KN_CRAFT_WLAN_QOS | KN_CRAFT_WLAN_AMSDU, 36 },
	};
	for (unsigned i = 0; i < sizeof cuts / sizeof cuts[0]; i++) {
		kn_craft_init(c);
		outer_gre(c);
		kn_craft_wlan(c, cuts[i].opts);
		inner_tcp(c);
		size_t n = kn_craft_finish(c);
		KT_REQUIRE(n > w + cuts[i].keep);
		/* The outer IPv4 header says the frame ends there. */
		uint32_t len = w + cuts[i].keep;
		c->buf[16] = (uint8_t)((len - 14) >> 8);
		c->buf[17] = (uint8_t)(len - 14);
		dt_packet(&p, c->buf, len, len, KN_LINK_ETHERNET, 1);
		KT_EQ(kn_decode(d, &p), KN_DECODE_IP);
		KT_CHECK(dt_has_event(&p, KN_DEV_WLAN_PKT_TOO_SMALL));
		KT_EQ(p.proto, 47);
		KT_EQ(p.tunnel_depth, 0);
	}
	KT_EQ(kn_decoder_stats(d)->events[KN_DEV_WLAN_PKT_TOO_SMALL], 6);
	KT_EQ(kn_decoder_stats(d)->invalid, 0);
	kn_free(c);
	kn_decoder_free(d);
}

/* A-MSDU subframe lengths that lie: longer than the frame (capped), or
 * too short for LLC/SNAP. */
static void test_amsdu_lengths(void)
{
	struct kn_decoder *d = dt_decoder();
	struct kn_craft *c = dt_craft();
	struct kn_packet p;
	KT_REQUIRE(d && c);
	outer_gre(c);
	kn_craft_wlan(c, KN_CRAFT_WLAN_QOS | KN_CRAFT_WLAN_AMSDU);
	inner_tcp(c);
	size_t n = kn_craft_finish(c);
	long w = kn_craft_layer_off(c, KN_CRAFT_WLAN, 0);
	KT_REQUIRE(n > 0 && w > 0);
	uint8_t *len_field = c->buf + w + 26 + 12;
	KT_EQ(len_field[0] << 8 | len_field[1], 8 + 40);
	len_field[0] = 0xff;
	dt_packet(&p, c->buf, (uint32_t)n, (uint32_t)n, KN_LINK_ETHERNET, 1);
	KT_EQ(kn_decode(d, &p), KN_DECODE_IP);
	KT_EQ(p.dport, 8080);
	len_field[0] = 0;
	len_field[1] = 5;
	KT_EQ(kn_decode(d, &p), KN_DECODE_IP);
	KT_CHECK(dt_has_event(&p, KN_DEV_WLAN_PKT_TOO_SMALL));
	KT_EQ(p.proto, 47);
	/* MSDU cut inside the inner IPv4 header: its event, the GRE packet. */
	len_field[1] = 8 + 12;
	KT_EQ(kn_decode(d, &p), KN_DECODE_IP);
	KT_CHECK(p.n_events > 0);
	KT_EQ(p.proto, 47);
	kn_free(c);
	kn_decoder_free(d);
}

static void test_truncate_every_length(void)
{
	struct kn_decoder *d = dt_decoder();
	struct kn_craft *c = dt_craft();
	KT_REQUIRE(d && c);
	KT_CHECK(dt_truncate_all(d, aruba_frame, sizeof aruba_frame - 1, KN_LINK_ETHERNET) > 0);
	static const unsigned variants[] = {
		KN_CRAFT_WLAN_QOS | KN_CRAFT_WLAN_ORDER | KN_CRAFT_WLAN_TODS | KN_CRAFT_WLAN_FROMDS,
		KN_CRAFT_WLAN_QOS | KN_CRAFT_WLAN_AMSDU | KN_CRAFT_WLAN_ORDER,
	};
	for (unsigned i = 0; i < sizeof variants / sizeof variants[0]; i++) {
		kn_craft_init(c);
		outer_gre(c);
		kn_craft_wlan(c, variants[i]);
		kn_craft_vlan(c, 0x8100, 5);
		kn_craft_ipv6(c, "2001:db8::1", "2001:db8::2", 6);
		kn_craft_tcp(c, 1, 2, 3, 4, KN_TCP_SYN, 5);
		kn_craft_tcp_mss(c, 100);
		size_t n = kn_craft_finish(c);
		KT_REQUIRE(n > 0);
		struct kn_packet p;
		dt_packet(&p, c->buf, (uint32_t)n, (uint32_t)n, KN_LINK_ETHERNET, 1);
		KT_EQ(kn_decode(d, &p), KN_DECODE_IP);
		KT_EQ(p.tcp.mss, 100);
		KT_EQ(p.vlan[0], 5);
		KT_CHECK(dt_truncate_all(d, c->buf, n, KN_LINK_ETHERNET) > 0);
	}
	kn_free(c);
	kn_decoder_free(d);
}

static const struct kt_case cases[] = {
	KT_CASE(test_aruba_real_frame),
	KT_CASE(test_header_variants),
	KT_CASE(test_gre_types),
	KT_CASE(test_inner_protocols),
	KT_CASE(test_skipped_frames),
	KT_CASE(test_cut_headers),
	KT_CASE(test_amsdu_lengths),
	KT_CASE(test_truncate_every_length),
};

KT_MAIN("decode_wlan", cases)
