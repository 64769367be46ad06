/*
 * test_tunnel_udp.c - the UDP tunnels chosen by port and verified before
 * they are trusted: GTP-U (G-PDUs with optional fields and extension
 * header chains), GRE-in-UDP and AYIYA. Real frames from mix.pcap, crafted
 * variants, look-alikes on the same ports that must stay plain UDP,
 * hostile headers (lengths, extension chains), the fallback to the outer
 * packet, tunnel ids, and truncation at every length.
 */
#include "decode_test.h"

/* mix.pcap frame 35054 (first 96 of 664 bytes): UDP 5906 -> 2152, GTP-U
 * G-PDU TEID 0x9e40ba4f, IPv4 10.131.17.170:51803 -> 173.199.115.168:80. */
static const uint8_t gtpu_frame[] =
	"\x00\x00\x0c\x07\xac\xe8\x88\xe0\xf3\xc8\xbf\xf0"
	"\x08\x00\x45\x00\x02\x8a\xa6\x28\x00\x00\x3f\x11"
	"\x74\xfd\xa7\x37\x69\xf4\xcf\xe9\x7d\x28\x17\x12"
	"\x08\x68\x02\x76\x31\x4a\x30\xff\x02\x66\x9e\x40"
	"\xba\x4f\x45\x00\x02\x66\x35\x48\x40\x00\x80\x06"
	"\x85\xad\x0a\x83\x11\xaa\xad\xc7\x73\xa8\xca\x5b"
	"\x00\x50\xe8\xef\x28\x20\xe4\x79\xc3\x20\x50\x18"
	"\x10\xe0\x21\xa1\x00\x00\x47\x45\x54\x20\x2f\x61";

/* mix.pcap frame 225002 (whole): UDP 40987 -> 4754, GRE 0x0800, IPv4
 * 172.17.0.2:36518 -> 192.0.78.150:80, an HTTP request. */
static const uint8_t gre_udp_frame[] =
	"\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00"
	"\x08\x00\x45\x00\x00\x90\xb2\x88\x40\x00\x40\x11"
	"\x01\x18\xc0\xa8\x00\x6b\xc0\xa8\x05\x01\xa0\x1b"
	"\x12\x92\x00\x7c\x00\x00\x00\x00\x08\x00\x45\x00"
	"\x00\x70\x2b\xa6\x40\x00\x40\x06\x54\x38\xac\x11"
	"\x00\x02\xc0\x00\x4e\x96\x8e\xa6\x00\x50\x11\x6b"
	"\x88\x5b\x65\x29\x85\xc4\x50\x18\x01\xf6\x46\x88"
	"\x00\x00\x47\x45\x54\x20\x2f\x20\x48\x54\x54\x50"
	"\x2f\x31\x2e\x31\x0d\x0a\x48\x6f\x73\x74\x3a\x20"
	"\x7a\x65\x65\x6b\x2e\x6f\x72\x67\x0d\x0a\x55\x73"
	"\x65\x72\x2d\x41\x67\x65\x6e\x74\x3a\x20\x63\x75"
	"\x72\x6c\x2f\x37\x2e\x38\x37\x2e\x30\x0d\x0a\x41"
	"\x63\x63\x65\x70\x74\x3a\x20\x2a\x2f\x2a\x0d\x0a"
	"\x0d\x0a";

/* mix.pcap frame 8567 (first 150 of 1070 bytes): UDP 53859 -> 5072, AYIYA
 * forward (16-byte identity, SHA-1 signature, next header 41), IPv6
 * 2001:4978:f:4c::2:53382 -> 2001:4860:b002::68:80. */
static const uint8_t ayiya_frame[] =
	"\x00\x06\x25\x59\xa2\x20\x00\x17\xf2\x4c\x7a\x35"
	"\x08\x00\x45\x00\x04\x20\x2f\x7e\x00\x00\x40\x11"
	"\x49\x1d\xc0\xa8\x03\x65\xd8\x0e\x62\x16\xd2\x63"
	"\x13\xd0\x04\x0c\xb0\x76\x41\x52\x11\x29\x4a\xf6"
	"\x4c\x05\x20\x01\x49\x78\x00\x0f\x00\x4c\x00\x00"
	"\x00\x00\x00\x00\x00\x02\x0d\xaa\x85\x2e\xb7\x12"
	"\x51\xdd\x42\x58\x8b\x9f\xfc\xe0\xc0\x97\xed\xc6"
	"\x94\x71\x60\x00\x00\x00\x03\xb0\x06\x40\x20\x01"
	"\x49\x78\x00\x0f\x00\x4c\x00\x00\x00\x00\x00\x00"
	"\x00\x02\x20\x01\x48\x60\xb0\x02\x00\x00\x00\x00"
	"\x00\x00\x00\x00\x00\x68\xd0\x86\x00\x50\x5b\x2a"
	"\xbe\x4a\x39\x75\x2f\x7f\x50\x18\xff\xff\xaa\xed"
	"\x00\x00\x47\x45\x54\x20";

/* mix.pcap frame 8558 (whole): an AYIYA heartbeat (opcode 0, next header
 * 59) from the same tunnel: plain UDP. */
static const uint8_t ayiya_heartbeat[] =
	"\x00\x06\x25\x59\xa2\x20\x00\x17\xf2\x4c\x7a\x35"
	"\x08\x00\x45\x00\x00\x48\xd3\x59\x00\x00\x40\x11"
	"\xa9\x19\xc0\xa8\x03\x65\xd8\x0e\x62\x16\xd2\x63"
	"\x13\xd0\x00\x34\xdc\xe5\x41\x52\x10\x3b\x4a\xf6"
	"\x4c\x00\x20\x01\x49\x78\x00\x0f\x00\x4c\x00\x00"
	"\x00\x00\x00\x00\x00\x02\x16\xdc\xc8\x9a\x05\xdc"
	"\xc8\xa3\xe8\x88\x33\x7f\xd3\x07\x66\x79\x16\xd3"
	"\xd1\x8c";

#define UDP_PAYLOAD 42 /* Ethernet, IPv4, UDP */

/* Decodes bytes[0..caplen) (wire length wirelen) from an exact heap copy,
 * freed by the caller. */
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

static void outer_udp(struct kn_craft *c, uint16_t sport, uint16_t dport)
{
	kn_craft_eth(c, NULL, NULL);
	kn_craft_ipv4(c, "203.0.113.1", "203.0.113.2", 17);
	kn_craft_udp(c, sport, dport);
}

static void inner_tcp(struct kn_craft *c)
{
	kn_craft_ipv4(c, "192.168.1.10", "192.168.2.20", 6);
	kn_craft_tcp(c, 49152, 8080, 1, 0, KN_TCP_SYN, 1000);
}

static void check_inner(const struct kn_packet *p, uint32_t l3)
{
	KT_CHECK(dt_addr_is(&p->src, "192.168.1.10"));
	KT_EQ(p->dport, 8080);
	KT_EQ(p->proto, 6);
	KT_EQ(p->l3_off, l3);
	KT_EQ(p->tunnel_depth, 1);
	KT_CHECK(p->flags & KN_PKT_TUNNELED);
	KT_EQ(p->n_events, 0);
}

/* The outer UDP packet is what is described. */
static void check_plain_udp(const struct kn_packet *p, uint16_t dport)
{
	KT_EQ(p->proto, 17);
	KT_EQ(p->dport, dport);
	KT_EQ(p->tunnel_depth, 0);
	KT_CHECK(!(p->flags & KN_PKT_TUNNELED));
	KT_EQ(p->payload_off, UDP_PAYLOAD);
}

/* ---- GTP-U ---- */

static void test_gtpu_real_frame(void)
{
	struct kn_decoder *d = dt_decoder();
	struct kn_packet p;
	uint8_t *copy;
	KT_REQUIRE(d);
	KT_EQ(decode_bytes(d, gtpu_frame, sizeof gtpu_frame - 1, 664, &p, &copy), KN_DECODE_IP);
	KT_CHECK(dt_addr_is(&p.src, "10.131.17.170"));
	KT_CHECK(dt_addr_is(&p.dst, "173.199.115.168"));
	KT_EQ(p.sport, 51803);
	KT_EQ(p.dport, 80);
	KT_EQ(p.l3_off, UDP_PAYLOAD + 8);
	KT_EQ(p.tunnel_depth, 1);
	KT_EQ(p.n_events, 0);
	KT_CHECK(memcmp(copy + p.payload_off, "GET /a", 6) == 0);
	KT_EQ(kn_decoder_stats(d)->gtpu, 1);
	kn_free(copy);
	kn_decoder_free(d);
}

static void test_gtpu_variants(void)
{
	struct kn_decoder *d = dt_decoder();
	struct kn_craft *c = dt_craft();
	struct kn_packet p;
	KT_REQUIRE(d && c);
	/* Sequence number. */
	outer_udp(c, 2152, 2152);
	kn_craft_gtpu(c, 1, KN_CRAFT_GTPU_SEQ);
	inner_tcp(c);
	KT_EQ(dt_decode(d, c, &p), KN_DECODE_IP);
	check_inner(&p, UDP_PAYLOAD + 12);
	/* N-PDU number and a PDU session container (5G, type 0x85). */
	kn_craft_init(c);
	outer_udp(c, 2152, 2152);
	kn_craft_gtpu(c, 2, KN_CRAFT_GTPU_NPDU);
	kn_craft_gtpu_ext(c, 0x85, "\x10\x09", 2);
	inner_tcp(c);
	KT_EQ(dt_decode(d, c, &p), KN_DECODE_IP);
	check_inner(&p, UDP_PAYLOAD + 12 + 4);
	/* A chain of three, one long; E flag alone (no S, no PN). */
	kn_craft_init(c);
	outer_udp(c, 40000, 2152);
	kn_craft_gtpu(c, 3, 0);
	kn_craft_gtpu_ext(c, 0x40, "\x12\x34", 2);           /* UDP port */
	kn_craft_gtpu_ext(c, 0x85, "\x00\x01\x02\x03\x04\x05\x06\x07\x08\x09", 10);
	kn_craft_gtpu_ext(c, 0x03, "\x00", 1);
	inner_tcp(c);
	KT_EQ(dt_decode(d, c, &p), KN_DECODE_IP);
	check_inner(&p, UDP_PAYLOAD + 12 + 4 + 12 + 4);
	/* Downlink from port 2152 to another port; IPv6 user packet. */
	kn_craft_init(c);
	outer_udp(c, 2152, 33333);
	kn_craft_gtpu(c, 4, 0);
	kn_craft_ipv6(c, "2001:db8::1", "2001:db8::2", 17);
	kn_craft_udp(c, 5353, 53);
	KT_EQ(dt_decode(d, c, &p), KN_DECODE_IP);
	KT_EQ(p.ip_version, 6);
	KT_EQ(p.dport, 53);
	KT_EQ(p.l3_off, UDP_PAYLOAD + 8);
	KT_EQ(p.tunnel_depth, 1);
	/* Teredo inside GTP-U (seen in mix.pcap): two tunnels. */
	kn_craft_init(c);
	outer_udp(c, 2152, 2152);
	kn_craft_gtpu(c, 5, KN_CRAFT_GTPU_SEQ);
	kn_craft_ipv4(c, "10.0.0.1", "65.55.158.118", 17);
	kn_craft_udp(c, 50000, 3544);
	kn_craft_ipv6(c, "2001:0:4136:e378::1", "2001:db8::2", 17);
	kn_craft_udp(c, 1000, 2000);
	KT_EQ(dt_decode(d, c, &p), KN_DECODE_IP);
	KT_EQ(p.tunnel_depth, 2);
	KT_EQ(p.dport, 2000);
	KT_EQ(kn_decoder_stats(d)->gtpu, 5);
	KT_EQ(kn_decoder_stats(d)->invalid, 0);
	kn_free(c);
	kn_decoder_free(d);
}

/* Port 2152 is no proof: other GTP messages, versions and payloads, and
 * random bytes stay plain UDP, without an event. */
static void test_gtpu_lookalikes(void)
{
	struct kn_decoder *d = dt_decoder();
	struct kn_craft *c = dt_craft();
	struct kn_packet p;
	KT_REQUIRE(d && c);
	outer_udp(c, 2152, 2152);
	kn_craft_gtpu(c, 1, KN_CRAFT_GTPU_SEQ);
	inner_tcp(c);
	size_t n = kn_craft_finish(c);
	KT_REQUIRE(n > 0);
	uint8_t *g = c->buf + UDP_PAYLOAD;
	static const struct { uint8_t b0, b1, inner0; } cases[] = {
		{ 0x32, 1, 0x45 },    /* echo request */
		{ 0x32, 2, 0x45 },    /* echo response */
		{ 0x32, 26, 0x45 },   /* error indication */
		{ 0x30, 254, 0x45 },  /* end marker */
		{ 0x12, 255, 0x45 },  /* GTP' (protocol type 0) */
		{ 0x52, 255, 0x45 },  /* version 2 */
		{ 0x48, 32, 0x45 },   /* GTPv2-C create session */
		{ 0x32, 255, 0x02 },  /* G-PDU of an Ethernet/unstructured session */
	};
	for (unsigned i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		kn_craft_finish(c);
		g[0] = cases[i].b0;
		g[1] = cases[i].b1;
		g[12] = cases[i].inner0;
		dt_packet(&p, c->buf, (uint32_t)n, (uint32_t)n, KN_LINK_ETHERNET, 1);
		KT_EQ(kn_decode(d, &p), KN_DECODE_IP);
		check_plain_udp(&p, 2152);
		KT_EQ(p.n_events, 0);
	}
	/* Not GTP at all: DNS-looking bytes, and an empty G-PDU. */
	kn_craft_init(c);
	outer_udp(c, 53, 2152);
	kn_craft_payload(c, "\x12\x34\x01\x00\x00\x01\x00\x00\x00\x00\x00\x00", 12);
	KT_EQ(dt_decode(d, c, &p), KN_DECODE_IP);
	check_plain_udp(&p, 2152);
	kn_craft_init(c);
	outer_udp(c, 2152, 2152);
	kn_craft_gtpu(c, 1, 0);
	KT_EQ(dt_decode(d, c, &p), KN_DECODE_IP);
	check_plain_udp(&p, 2152);
	KT_EQ(p.n_events, 0);
	/* GTP-U on another port is not looked for. */
	kn_craft_init(c);
	outer_udp(c, 1000, 2153);
	kn_craft_gtpu(c, 1, 0);
	inner_tcp(c);
	KT_EQ(dt_decode(d, c, &p), KN_DECODE_IP);
	check_plain_udp(&p, 2153);
	KT_EQ(kn_decoder_stats(d)->events[KN_DEV_GTPU_PKT_TOO_SMALL], 0);
	kn_free(c);
	kn_decoder_free(d);
}

/* Broken G-PDU headers: their event, and the outer UDP packet. */
static void test_gtpu_hostile(void)
{
	struct kn_decoder *d = dt_decoder();
	struct kn_craft *c = dt_craft();
	struct kn_packet p;
	KT_REQUIRE(d && c);
	outer_udp(c, 2152, 2152);
	kn_craft_gtpu(c, 1, KN_CRAFT_GTPU_SEQ);
	kn_craft_gtpu_ext(c, 0x85, "\x10\x09", 2);
	inner_tcp(c);
	size_t n = kn_craft_finish(c);
	KT_REQUIRE(n > 0);
	uint8_t *g = c->buf + UDP_PAYLOAD;
	/* GTP length beyond the UDP payload. */
	g[2] = 0x10;
	dt_packet(&p, c->buf, (uint32_t)n, (uint32_t)n, KN_LINK_ETHERNET, 1);
	KT_EQ(kn_decode(d, &p), KN_DECODE_IP);
	KT_CHECK(dt_has_event(&p, KN_DEV_GTPU_PKT_TOO_SMALL));
	check_plain_udp(&p, 2152);
	/* Optional fields announced, message too short for them. */
	kn_craft_finish(c);
	g[2] = 0;
	g[3] = 2;
	KT_EQ(kn_decode(d, &p), KN_DECODE_IP);
	KT_CHECK(dt_has_event(&p, KN_DEV_GTPU_PKT_TOO_SMALL));
	/* Extension header of length 0. */
	kn_craft_finish(c);
	g[12] = 0;
	KT_EQ(kn_decode(d, &p), KN_DECODE_IP);
	KT_CHECK(dt_has_event(&p, KN_DEV_GTPU_BAD_EXT_HEADER));
	check_plain_udp(&p, 2152);
	/* Extension header running past the message. */
	kn_craft_finish(c);
	g[12] = 0x40;
	KT_EQ(kn_decode(d, &p), KN_DECODE_IP);
	KT_CHECK(dt_has_event(&p, KN_DEV_GTPU_PKT_TOO_SMALL));
	/* The chain goes on into the user packet (0x45 = a length of 276). */
	kn_craft_finish(c);
	g[15] = 0x85;
	KT_EQ(kn_decode(d, &p), KN_DECODE_IP);
	KT_CHECK(dt_has_event(&p, KN_DEV_GTPU_PKT_TOO_SMALL));
	/* An endless chain: 17 one-word extension headers. */
	kn_craft_init(c);
	outer_udp(c, 2152, 2152);
	kn_craft_gtpu(c, 1, 0);
	for (int i = 0; i < 17; i++)
		kn_craft_gtpu_ext(c, 0x85, "\x00\x00", 2);
	inner_tcp(c);
	KT_EQ(dt_decode(d, c, &p), KN_DECODE_IP);
	KT_CHECK(dt_has_event(&p, KN_DEV_GTPU_BAD_EXT_HEADER));
	check_plain_udp(&p, 2152);
	/* 16 are fine. */
	kn_craft_init(c);
	outer_udp(c, 2152, 2152);
	kn_craft_gtpu(c, 1, 0);
	for (int i = 0; i < 16; i++)
		kn_craft_gtpu_ext(c, 0x85, "\x00\x00", 2);
	inner_tcp(c);
	KT_EQ(dt_decode(d, c, &p), KN_DECODE_IP);
	check_inner(&p, UDP_PAYLOAD + 12 + 16 * 4);
	/* A broken user packet: the outer UDP packet, with the inner event. */
	kn_craft_init(c);
	outer_udp(c, 2152, 2152);
	kn_craft_gtpu(c, 1, 0);
	inner_tcp(c);
	n = kn_craft_finish(c);
	c->buf[UDP_PAYLOAD + 8] = 0x4f; /* IHL 60 bytes */
	dt_packet(&p, c->buf, (uint32_t)n, (uint32_t)n, KN_LINK_ETHERNET, 1);
	KT_EQ(kn_decode(d, &p), KN_DECODE_IP);
	KT_CHECK(p.n_events > 0);
	check_plain_udp(&p, 2152);
	KT_EQ(kn_decoder_stats(d)->invalid, 0);
	kn_free(c);
	kn_decoder_free(d);
}

/* One bearer, two TEIDs (one per direction): one flow. */
static void test_gtpu_tunnel_id(void)
{
	struct kn_decoder *d = dt_decoder();
	struct kn_craft *c = dt_craft();
	struct kn_packet p;
	KT_REQUIRE(d && c);
	uint32_t tid[2], hash[2];
	for (int dir = 0; dir < 2; dir++) {
		kn_craft_init(c);
		kn_craft_eth(c, NULL, NULL);
		kn_craft_ipv4(c, dir ? "203.0.113.2" : "203.0.113.1",
			      dir ? "203.0.113.1" : "203.0.113.2", 17);
		kn_craft_udp(c, 2152, 2152);
		kn_craft_gtpu(c, dir ? 0x1111 : 0x2222, 0);
		kn_craft_ipv4(c, dir ? "10.0.0.2" : "10.0.0.1", dir ? "10.0.0.1" : "10.0.0.2", 6);
		kn_craft_tcp(c, dir ? 80 : 5000, dir ? 5000 : 80, 1, 1, KN_TCP_ACK, 1);
		KT_EQ(dt_decode(d, c, &p), KN_DECODE_IP);
		tid[dir] = p.tunnel_id;
		hash[dir] = p.hash;
	}
	KT_EQ(tid[0], tid[1]);
	KT_CHECK(tid[0] != 0x1111 && tid[0] != 0x2222 && tid[0] != 0);
	KT_EQ(hash[0], hash[1]);
	kn_free(c);
	kn_decoder_free(d);
}

/* ---- GRE-in-UDP ---- */

static void test_gre_udp(void)
{
	struct kn_decoder *d = dt_decoder();
	struct kn_craft *c = dt_craft();
	struct kn_packet p;
	uint8_t *copy;
	KT_REQUIRE(d && c);
	uint32_t n = sizeof gre_udp_frame - 1;
	KT_EQ(decode_bytes(d, gre_udp_frame, n, n, &p, &copy), KN_DECODE_IP);
	KT_CHECK(dt_addr_is(&p.src, "172.17.0.2"));
	KT_CHECK(dt_addr_is(&p.dst, "192.0.78.150"));
	KT_EQ(p.sport, 36518);
	KT_EQ(p.dport, 80);
	KT_EQ(p.l3_off, UDP_PAYLOAD + 4);
	KT_EQ(p.tunnel_depth, 1);
	KT_CHECK(memcmp(copy + p.payload_off, "GET / HTTP/1.1\r\n", 16) == 0);
	kn_free(copy);
	/* Checksum, key and sequence number; Ethernet; MPLS; IPv6. */
	outer_udp(c, 40000, 4754);
	kn_craft_gre(c, KN_CRAFT_GRE_CSUM | KN_CRAFT_GRE_KEY | KN_CRAFT_GRE_SEQ, 7, 9);
	inner_tcp(c);
	KT_EQ(dt_decode(d, c, &p), KN_DECODE_IP);
	check_inner(&p, UDP_PAYLOAD + 16);
	kn_craft_init(c);
	outer_udp(c, 40000, 4754);
	kn_craft_gre(c, 0, 0, 0);
	kn_craft_eth(c, NULL, NULL);
	inner_tcp(c);
	KT_EQ(dt_decode(d, c, &p), KN_DECODE_IP);
	check_inner(&p, UDP_PAYLOAD + 4 + 14);
	kn_craft_init(c);
	outer_udp(c, 40000, 4754);
	kn_craft_gre(c, KN_CRAFT_GRE_KEY, 1, 0);
	kn_craft_mpls(c, 16, 1);
	inner_tcp(c);
	KT_EQ(dt_decode(d, c, &p), KN_DECODE_IP);
	check_inner(&p, UDP_PAYLOAD + 8 + 4);
	kn_craft_init(c);
	outer_udp(c, 40000, 4754);
	kn_craft_gre(c, 0, 0, 0);
	kn_craft_ipv6(c, "2001:db8::1", "2001:db8::2", 17);
	kn_craft_udp(c, 1, 53);
	KT_EQ(dt_decode(d, c, &p), KN_DECODE_IP);
	KT_EQ(p.ip_version, 6);
	KT_EQ(p.dport, 53);
	KT_EQ(kn_decoder_stats(d)->gre, 5);
	kn_free(c);
	kn_decoder_free(d);
}

/* Not verified as GRE: plain UDP, no GRE event. A broken inner packet:
 * the outer UDP packet with its UDP payload. */
static void test_gre_udp_lookalikes(void)
{
	struct kn_decoder *d = dt_decoder();
	struct kn_craft *c = dt_craft();
	struct kn_packet p;
	KT_REQUIRE(d && c);
	outer_udp(c, 40000, 4754);
	kn_craft_gre(c, KN_CRAFT_GRE_KEY, 1, 0);
	inner_tcp(c);
	size_t n = kn_craft_finish(c);
	KT_REQUIRE(n > 0);
	uint8_t *g = c->buf + UDP_PAYLOAD;
	static const uint8_t bad[][4] = {
		{ 0x20, 0x01, 0x08, 0x00 }, /* version 1 */
		{ 0x60, 0x00, 0x08, 0x00 }, /* routing present */
		{ 0x21, 0x00, 0x08, 0x00 }, /* recursion */
		{ 0x20, 0x08, 0x08, 0x00 }, /* reserved flag */
		{ 0x20, 0x00, 0x88, 0xbe }, /* ERSPAN: not named by RFC 8086 */
		{ 0x20, 0x00, 0x12, 0x34 }, /* unknown protocol */
		{ 0xb0, 0x00, 0x08, 0x00 }, /* C K S: 16 bytes, longer than the datagram */
	};
	for (unsigned i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		kn_craft_finish(c);
		memcpy(g, bad[i], 4);
		uint32_t len = i + 1 < sizeof bad / sizeof bad[0] ? (uint32_t)n : UDP_PAYLOAD + 12;
		if (len != n) { /* UDP and IPv4 lengths to match */
			c->buf[38] = 0, c->buf[39] = 20;
			c->buf[16] = 0, c->buf[17] = 40;
		}
		dt_packet(&p, c->buf, len, len, KN_LINK_ETHERNET, 1);
		KT_EQ(kn_decode(d, &p), KN_DECODE_IP);
		check_plain_udp(&p, 4754);
		KT_EQ(p.n_events, 0);
	}
	KT_EQ(kn_decoder_stats(d)->gre, 0);
	/* GRE-in-UDP is looked for by destination port only. */
	kn_craft_init(c);
	outer_udp(c, 4754, 40000);
	kn_craft_gre(c, 0, 0, 0);
	inner_tcp(c);
	KT_EQ(dt_decode(d, c, &p), KN_DECODE_IP);
	check_plain_udp(&p, 40000);
	/* Inner IPv4 header broken. */
	kn_craft_init(c);
	outer_udp(c, 40000, 4754);
	kn_craft_gre(c, 0, 0, 0);
	inner_tcp(c);
	n = kn_craft_finish(c);
	c->buf[UDP_PAYLOAD + 4] = 0x44; /* IHL 16 bytes */
	dt_packet(&p, c->buf, (uint32_t)n, (uint32_t)n, KN_LINK_ETHERNET, 1);
	KT_EQ(kn_decode(d, &p), KN_DECODE_IP);
	KT_CHECK(dt_has_event(&p, KN_DEV_IPV4_HLEN_TOO_SMALL));
	check_plain_udp(&p, 4754);
	KT_EQ(p.payload_len, (uint32_t)n - UDP_PAYLOAD);
	kn_free(c);
	kn_decoder_free(d);
}

/* ---- AYIYA ---- */

static void test_ayiya(void)
{
	struct kn_decoder *d = dt_decoder();
	struct kn_craft *c = dt_craft();
	struct kn_packet p;
	uint8_t *copy;
	KT_REQUIRE(d && c);
	KT_EQ(decode_bytes(d, ayiya_frame, sizeof ayiya_frame - 1, 1070, &p, &copy), KN_DECODE_IP);
	KT_EQ(p.ip_version, 6);
	KT_CHECK(dt_addr_is(&p.src, "2001:4978:f:4c::2"));
	KT_CHECK(dt_addr_is(&p.dst, "2001:4860:b002::68"));
	KT_EQ(p.sport, 53382);
	KT_EQ(p.dport, 80);
	KT_EQ(p.l3_off, UDP_PAYLOAD + 44);
	KT_EQ(p.tunnel_depth, 1);
	KT_EQ(p.n_events, 0);
	KT_CHECK(memcmp(copy + p.payload_off, "GET ", 4) == 0);
	kn_free(copy);
	/* The heartbeat of the same tunnel stays UDP. */
	uint32_t n = sizeof ayiya_heartbeat - 1;
	KT_EQ(decode_bytes(d, ayiya_heartbeat, n, n, &p, &copy), KN_DECODE_IP);
	check_plain_udp(&p, 5072);
	KT_EQ(p.n_events, 0);
	kn_free(copy);
	/* IPv4 inside, from the server's port. */
	outer_udp(c, 5072, 53859);
	kn_craft_ayiya(c, 4);
	inner_tcp(c);
	KT_EQ(dt_decode(d, c, &p), KN_DECODE_IP);
	check_inner(&p, UDP_PAYLOAD + 44);
	KT_EQ(kn_decoder_stats(d)->ayiya, 2);
	kn_free(c);
	kn_decoder_free(d);
}

static void test_ayiya_lookalikes(void)
{
	struct kn_decoder *d = dt_decoder();
	struct kn_craft *c = dt_craft();
	struct kn_packet p;
	KT_REQUIRE(d && c);
	outer_udp(c, 53859, 5072);
	kn_craft_ayiya(c, 41);
	kn_craft_ipv6(c, "2001:db8::1", "2001:db8::2", 17);
	kn_craft_udp(c, 1, 2);
	size_t n = kn_craft_finish(c);
	KT_REQUIRE(n > 0);
	uint8_t *a = c->buf + UDP_PAYLOAD;
	static const struct { uint8_t idlen_type, opcode, next; } cases[] = {
		{ 0x41, 0x12, 41 }, /* opcode echo request */
		{ 0x41, 0x10, 41 }, /* opcode noop */
		{ 0x41, 0x11, 17 }, /* next header UDP */
		{ 0x41, 0x11, 4 },  /* says IPv4, holds IPv6 */
		{ 0xf1, 0x11, 41 }, /* identity of 32768 bytes */
		{ 0x31, 0x11, 41 }, /* identity of 8: the version nibble is not 6 */
	};
	for (unsigned i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		kn_craft_finish(c);
		a[0] = cases[i].idlen_type;
		a[2] = cases[i].opcode;
		a[3] = cases[i].next;
		dt_packet(&p, c->buf, (uint32_t)n, (uint32_t)n, KN_LINK_ETHERNET, 1);
		KT_EQ(kn_decode(d, &p), KN_DECODE_IP);
		check_plain_udp(&p, 5072);
		KT_EQ(p.n_events, 0);
	}
	KT_EQ(kn_decoder_stats(d)->ayiya, 0);
	/* A broken inner IPv6 packet: the outer UDP packet, inner event kept. */
	kn_craft_finish(c);
	memcpy(a, "\x41\x52\x11\x29", 4);
	a[44 + 4] = 0xff; /* payload length beyond the datagram */
	dt_packet(&p, c->buf, (uint32_t)n, (uint32_t)n, KN_LINK_ETHERNET, 1);
	KT_EQ(kn_decode(d, &p), KN_DECODE_IP);
	KT_CHECK(p.n_events > 0);
	check_plain_udp(&p, 5072);
	kn_free(c);
	kn_decoder_free(d);
}

static void test_truncate_every_length(void)
{
	struct kn_decoder *d = dt_decoder();
	struct kn_craft *c = dt_craft();
	KT_REQUIRE(d && c);
	KT_CHECK(dt_truncate_all(d, gtpu_frame, sizeof gtpu_frame - 1, KN_LINK_ETHERNET) > 0);
	KT_CHECK(dt_truncate_all(d, gre_udp_frame, sizeof gre_udp_frame - 1, KN_LINK_ETHERNET) > 0);
	KT_CHECK(dt_truncate_all(d, ayiya_frame, sizeof ayiya_frame - 1, KN_LINK_ETHERNET) > 0);
	/* GTP-U with an extension chain, GRE-in-UDP to Ethernet, AYIYA to
	 * IPv4, nested. */
	outer_udp(c, 2152, 2152);
	kn_craft_gtpu(c, 1, KN_CRAFT_GTPU_SEQ | KN_CRAFT_GTPU_NPDU);
	kn_craft_gtpu_ext(c, 0x85, "\x10\x09\x01\x02\x03", 5);
	kn_craft_gtpu_ext(c, 0x40, "\x08\x68", 2);
	kn_craft_ipv6(c, "2001:db8::1", "2001:db8::2", 17);
	kn_craft_udp(c, 1, 4754);
	kn_craft_gre(c, KN_CRAFT_GRE_KEY | KN_CRAFT_GRE_SEQ, 1, 2);
	kn_craft_eth(c, NULL, NULL);
	kn_craft_ipv4(c, "10.0.0.1", "10.0.0.2", 17);
	kn_craft_udp(c, 5072, 9);
	kn_craft_ayiya(c, 4);
	kn_craft_ipv4(c, "10.1.0.1", "10.1.0.2", 6);
	kn_craft_tcp(c, 1, 2, 3, 4, KN_TCP_SYN, 5);
	kn_craft_tcp_mss(c, 100);
	size_t n = kn_craft_finish(c);
	KT_REQUIRE(n > 0);
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
	KT_CASE(test_gtpu_real_frame),
	KT_CASE(test_gtpu_variants),
	KT_CASE(test_gtpu_lookalikes),
	KT_CASE(test_gtpu_hostile),
	KT_CASE(test_gtpu_tunnel_id),
	KT_CASE(test_gre_udp),
	KT_CASE(test_gre_udp_lookalikes),
	KT_CASE(test_ayiya),
	KT_CASE(test_ayiya_lookalikes),
	KT_CASE(test_truncate_every_length),
};

KT_MAIN("decode_tunnel_udp", cases)
