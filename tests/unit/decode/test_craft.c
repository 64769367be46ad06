/*
 * test_craft.c - the frame crafter the other tests rely on: lengths, type
 * fields and checksums checked with an independent computation here,
 * fragmentation, misuse reporting, and the TCP session generator (checked
 * through the decoder and through the pcap writer adapter).
 */
#include "decode_test.h"
#include "pcapw.h"

/* Plain one's complement sum over big-endian 16-bit words. */
static uint32_t ocsum(const uint8_t *b, size_t n, uint32_t acc)
{
	for (size_t i = 0; i < n; i++)
		acc += (i & 1) ? b[i] : (uint32_t)b[i] << 8;
	return acc;
}

static int folds_to_ffff(uint32_t acc)
{
	while (acc >> 16)
		acc = (acc & 0xffff) + (acc >> 16);
	return acc == 0xffff;
}

static void test_ipv4_tcp_checksums(void)
{
	struct kn_craft *c = dt_craft();
	KT_REQUIRE(c);
	kn_craft_eth(c, NULL, NULL);
	kn_craft_ipv4(c, "192.0.2.10", "198.51.100.20", 6);
	kn_craft_tcp(c, 1234, 80, 100, 200, KN_TCP_ACK | KN_TCP_PSH, 512);
	kn_craft_tcp_ts(c, 1, 2);
	kn_craft_payload(c, "GET / HTTP/1.0\r\n\r\n", 18);
	size_t n = kn_craft_finish(c);
	KT_EQ(n, 14 + 20 + 32 + 18);
	KT_EQ(c->linktype, 1);
	const uint8_t *ip = c->buf + 14, *tcp = ip + 20;
	KT_EQ(c->buf[12], 0x08);
	KT_EQ(c->buf[13], 0x00);
	KT_EQ(ip[0], 0x45);
	KT_EQ(ip[2] << 8 | ip[3], 70);
	KT_CHECK(folds_to_ffff(ocsum(ip, 20, 0)));
	KT_EQ(tcp[12] >> 4, 8);
	uint32_t ph = ocsum(ip + 12, 8, 0) + 6 + 50;
	KT_CHECK(folds_to_ffff(ocsum(tcp, 50, ph)));
	kn_free(c);
}

static void test_ipv6_udp_icmp6_checksums(void)
{
	struct kn_craft *c = dt_craft();
	KT_REQUIRE(c);
	kn_craft_eth(c, NULL, NULL);
	kn_craft_vlan(c, 0x8100, 9);
	kn_craft_ipv6(c, "2001:db8::1", "2001:db8::2", 17);
	kn_craft_udp(c, 53, 5353);
	kn_craft_payload(c, NULL, 13);
	size_t n = kn_craft_finish(c);
	KT_EQ(n, 14 + 4 + 40 + 8 + 13);
	KT_EQ(c->buf[12] << 8 | c->buf[13], 0x8100);
	KT_EQ(c->buf[16] << 8 | c->buf[17], 0x86dd);
	const uint8_t *ip = c->buf + 18, *udp = ip + 40;
	KT_EQ(ip[4] << 8 | ip[5], 21);
	KT_EQ(udp[4] << 8 | udp[5], 21);
	uint32_t ph = ocsum(ip + 8, 32, 0) + 17 + 21;
	KT_CHECK(folds_to_ffff(ocsum(udp, 21, ph)));
	kn_craft_init(c);
	kn_craft_ipv6(c, "fe80::1", "ff02::1", 58);
	kn_craft_icmp6(c, 128, 0, 1, 2);
	kn_craft_payload(c, NULL, 7);
	n = kn_craft_finish(c);
	KT_EQ(c->linktype, KN_LINK_RAW);
	ph = ocsum(c->buf + 8, 32, 0) + 58 + 15;
	KT_CHECK(folds_to_ffff(ocsum(c->buf + 40, 15, ph)));
	kn_free(c);
}

static void test_tunnel_lengths_and_types(void)
{
	struct kn_craft *c = dt_craft();
	KT_REQUIRE(c);
	kn_craft_eth(c, NULL, NULL);
	kn_craft_pppoe(c, 5);
	kn_craft_ipv4(c, "10.0.0.1", "10.0.0.2", 47);
	kn_craft_gre(c, KN_CRAFT_GRE_CSUM, 0, 0);
	kn_craft_eth(c, NULL, NULL);
	kn_craft_ipv6(c, "::1", "::2", 17);
	kn_craft_udp(c, 1, 6081);
	kn_craft_geneve(c, 77);
	kn_craft_ipv4(c, "10.1.0.1", "10.1.0.2", 17);
	kn_craft_udp(c, 1, 2);
	kn_craft_trailer(c, NULL, 5);
	size_t n = kn_craft_finish(c);
	KT_REQUIRE(n > 0);
	const uint8_t *b = c->buf;
	KT_EQ(b[12] << 8 | b[13], 0x8864);
	KT_EQ(b[18] << 8 | b[19], n - 5 - 14 - 6);  /* PPPoE length */
	KT_EQ(b[20] << 8 | b[21], 0x0021);
	KT_EQ(b[24] << 8 | b[25], n - 5 - 22);      /* outer IPv4 length */
	KT_EQ(b[44] << 8 | b[45], 0x6558);          /* GRE protocol */
	KT_CHECK(folds_to_ffff(ocsum(b + 42, n - 5 - 42, 0)));
	long gen = kn_craft_layer_off(c, KN_CRAFT_GENEVE, 0);
	KT_REQUIRE(gen > 0);
	KT_EQ(b[gen + 2] << 8 | b[gen + 3], 0x0800);
	KT_EQ(kn_craft_layer_off(c, KN_CRAFT_UDP, 1), gen + 8 + 20);
	KT_EQ(kn_craft_layer_off(c, KN_CRAFT_UDP, 2), -1);
	kn_free(c);
}

/* The later tunnel headers: GTP-U length and extension chain, the 802.11
 * frame control, SNAP type and A-MSDU subframe length, AYIYA fields. */
static void test_tunnel_headers2(void)
{
	struct kn_craft *c = dt_craft();
	KT_REQUIRE(c);
	kn_craft_eth(c, NULL, NULL);
	kn_craft_ipv4(c, "10.0.0.1", "10.0.0.2", 17);
	kn_craft_udp(c, 2152, 2152);
	kn_craft_gtpu(c, 0x01020304, 0);
	kn_craft_gtpu_ext(c, 0x85, "\x10\x09", 2);
	kn_craft_gtpu_ext(c, 0x40, "\x01\x02\x03", 3);
	kn_craft_ipv4(c, "10.1.0.1", "10.1.0.2", 47);
	kn_craft_gre(c, 0, 0, 0);
	kn_craft_wlan(c, KN_CRAFT_WLAN_QOS | KN_CRAFT_WLAN_AMSDU | KN_CRAFT_WLAN_TODS |
			 KN_CRAFT_WLAN_FROMDS);
	kn_craft_ipv6(c, "::1", "::2", 17);
	kn_craft_udp(c, 5072, 9);
	kn_craft_ayiya(c, 4);
	kn_craft_payload(c, NULL, 3);
	size_t n = kn_craft_finish(c);
	KT_REQUIRE(n > 0);
	const uint8_t *b = c->buf;
	long g = kn_craft_layer_off(c, KN_CRAFT_GTPU, 0);
	KT_EQ(g, 42);
	static const uint8_t gtpu[] = { 0x34, 0xff, 0, 0, 1, 2, 3, 4, 0, 0, 0, 0x85,
					1, 0x10, 0x09, 0x40, 2, 1, 2, 3, 0, 0, 0, 0 };
	KT_CHECK(memcmp(b + g + 4, gtpu + 4, sizeof gtpu - 4) == 0);
	KT_EQ(b[g], 0x34);
	KT_EQ(b[g + 1], 0xff);
	KT_EQ(b[g + 2] << 8 | b[g + 3], n - g - 8); /* GTP-U length */
	long w = kn_craft_layer_off(c, KN_CRAFT_WLAN, 0);
	KT_REQUIRE(w > 0);
	KT_EQ(b[w - 2] << 8 | b[w - 1], 0x8200); /* GRE protocol */
	KT_EQ(b[w], 0x88);                       /* QoS data */
	KT_EQ(b[w + 1], 0x03);                   /* To DS, From DS */
	KT_EQ(b[w + 30], 0x80);                  /* QoS control: A-MSDU */
	long ip6 = kn_craft_layer_off(c, KN_CRAFT_IPV6, 0);
	KT_EQ(ip6, w + 32 + 14 + 8);
	KT_EQ(b[ip6 - 2] << 8 | b[ip6 - 1], 0x86dd);           /* SNAP type */
	KT_EQ(b[ip6 - 10] << 8 | b[ip6 - 9], n - (ip6 - 8));    /* subframe length */
	KT_CHECK(memcmp(b + ip6 - 8, "\xaa\xaa\x03\x00\x00\x00", 6) == 0);
	long a = kn_craft_layer_off(c, KN_CRAFT_AYIYA, 0);
	KT_EQ(a, ip6 + 48);
	KT_CHECK(memcmp(b + a, "\x41\x52\x11\x04", 4) == 0);
	KT_EQ(n - a, 44 + 3);
	/* Extensions only right after their GTP-U header. */
	kn_craft_gtpu_ext(c, 0x85, "", 0);
	KT_CHECK(c->error);
	kn_free(c);
}

static void test_fragment(void)
{
	struct kn_craft *c = dt_craft();
	struct kn_craft *out = kn_calloc(8, sizeof *out);
	KT_REQUIRE(c && out);
	kn_craft_eth(c, NULL, NULL);
	kn_craft_ipv4(c, "10.0.0.1", "10.0.0.2", 17);
	kn_craft_udp(c, 1, 2);
	kn_craft_payload(c, NULL, 992); /* 1000 bytes of IP payload */
	kn_craft_finish(c);
	KT_EQ(kn_craft_fragment(c, 300, out, 8), 4); /* 296 per fragment */
	KT_EQ(kn_craft_fragment(c, 300, out, 3), 0);
	size_t total = 0;
	for (int i = 0; i < 4; i++) {
		const uint8_t *ip = out[i].buf + 14;
		uint16_t fo = (uint16_t)(ip[6] << 8 | ip[7]);
		KT_EQ((fo & 0x1fff) * 8, 296 * i);
		KT_EQ(!!(fo & 0x2000), i < 3);
		KT_CHECK(folds_to_ffff(ocsum(ip, 20, 0)));
		size_t plen = (size_t)(ip[2] << 8 | ip[3]) - 20;
		KT_CHECK(memcmp(ip + 20, c->buf + 34 + 296 * i, plen) == 0);
		total += plen;
	}
	KT_EQ(total, 1000);
	/* IPv6: a fragment header after the hop-by-hop header. */
	kn_craft_init(c);
	kn_craft_ipv6(c, "2001:db8::1", "2001:db8::2", 0);
	static const uint8_t pad[6] = { 1, 4 };
	kn_craft_ipv6_ext(c, 0, 17, pad, 6);
	kn_craft_udp(c, 1, 2);
	kn_craft_payload(c, NULL, 100);
	kn_craft_finish(c);
	c->frag_id = 0x01020304;
	KT_CHECK(kn_craft_fragment_at(c, 64, 44, 0, &out[0]) > 0);
	const uint8_t *f = out[0].buf;
	KT_EQ(f[6], 0);     /* IPv6 -> hop-by-hop */
	KT_EQ(f[40], 44);   /* hop-by-hop -> fragment */
	KT_EQ(f[48], 17);   /* fragment -> UDP */
	KT_EQ(f[50] << 8 | f[51], 64);
	KT_EQ(f[55], 4);
	KT_EQ(f[4] << 8 | f[5], 8 + 8 + 44);
	KT_EQ(kn_craft_fragment_at(c, 63, 8, 1, &out[0]), 0); /* not a multiple of 8 */
	KT_EQ(kn_craft_fragment_at(c, 64, 60, 1, &out[0]), 0); /* past the end */
	kn_free(out);
	kn_free(c);
}

static void test_misuse(void)
{
	struct kn_craft *c = dt_craft();
	KT_REQUIRE(c);
	kn_craft_eth(c, NULL, NULL);
	kn_craft_tcp_mss(c, 1); /* no TCP header to extend */
	KT_CHECK(c->error);
	KT_EQ(kn_craft_finish(c), 0);
	kn_craft_init(c);
	kn_craft_ipv4(c, "10.0.0.256", "10.0.0.1", 6);
	KT_EQ(kn_craft_finish(c), 0);
	kn_craft_init(c);
	kn_craft_ipv4(c, "10.0.0.1", "10.0.0.2", 17);
	kn_craft_payload(c, NULL, 65600);
	KT_EQ(kn_craft_finish(c), 0);
	kn_craft_init(c);
	kn_craft_ipv4(c, "10.0.0.1", "10.0.0.2", 17);
	kn_craft_payload(c, NULL, 65520); /* IPv4 total length > 65535 */
	KT_EQ(kn_craft_finish(c), 0);
	kn_craft_init(c);
	kn_craft_tcp(c, 1, 2, 3, 4, 0, 5);
	static const uint8_t big[44] = {0};
	kn_craft_tcp_opt_raw(c, big, sizeof big); /* over 60 bytes of header */
	KT_CHECK(c->error);
	kn_free(c);
}

struct sink {
	struct kn_decoder *d;
	unsigned frames, syn, fin, data, bad;
	uint64_t bytes[2], last_ts;
	struct kn_pcapw *w;
};

static void sink_frame(void *user, uint64_t ts, const uint8_t *frame, size_t len)
{
	struct sink *s = user;
	struct kn_packet p;
	dt_packet(&p, frame, (uint32_t)len, (uint32_t)len, KN_LINK_ETHERNET, ts);
	if (kn_decode(s->d, &p) != KN_DECODE_IP || p.n_events || ts <= s->last_ts)
		s->bad++;
	s->last_ts = ts;
	s->frames++;
	s->syn += !!(p.tcp.flags & KN_TCP_SYN);
	s->fin += !!(p.tcp.flags & KN_TCP_FIN);
	s->data += p.payload_len > 0;
	s->bytes[p.sport == 80] += p.payload_len;
	if (s->w)
		kn_craft_emit_pcapw(s->w, ts, frame, len);
}

static void test_tcp_session(void)
{
	struct sink s = { .d = dt_decoder() };
	KT_REQUIRE(s.d);
	s.w = kn_pcapw_open_mem(KN_PCAPW_PCAP_NS, 1, 65535);
	struct kn_craft_session cfg = {
		.client = "10.0.0.1", .server = "10.0.0.2", .client_port = 40000, .server_port = 80,
		.client_isn = 1000, .server_isn = 5000, .mss = 1000, .start_ns = 1000000000ull,
		.request = "GET / HTTP/1.1\r\nHost: x\r\n\r\n", .request_len = 27,
		.response_len = 2500,
	};
	size_t n = kn_craft_tcp_session(&cfg, sink_frame, &s);
	KT_EQ(n, 3 + 2 + 6 + 3);
	KT_EQ(s.frames, n);
	KT_EQ(s.bad, 0);
	KT_EQ(s.syn, 2);
	KT_EQ(s.fin, 2);
	KT_EQ(s.data, 4);
	KT_EQ(s.bytes[0], 27);
	KT_EQ(s.bytes[1], 2500);
	if (s.w) {
		size_t len = 0;
		KT_CHECK(kn_pcapw_mem(s.w, &len) != NULL);
		KT_CHECK(len > 24 + n * 16);
		KT_EQ(kn_pcapw_close(s.w), 0);
	}
	/* IPv6 and a VLAN; bad arguments give 0. */
	cfg.client = "2001:db8::1";
	cfg.server = "2001:db8::2";
	cfg.vlan = 12;
	s.w = NULL;
	s.frames = 0;
	s.last_ts = 0;
	KT_EQ(kn_craft_tcp_session(&cfg, sink_frame, &s), 14);
	KT_EQ(s.bad, 0);
	cfg.server = "not an address";
	KT_EQ(kn_craft_tcp_session(&cfg, sink_frame, &s), 0);
	KT_EQ(kn_craft_tcp_session(NULL, sink_frame, &s), 0);
	kn_decoder_free(s.d);
}

static const struct kt_case cases[] = {
	KT_CASE(test_ipv4_tcp_checksums),
	KT_CASE(test_ipv6_udp_icmp6_checksums),
	KT_CASE(test_tunnel_lengths_and_types),
	KT_CASE(test_tunnel_headers2),
	KT_CASE(test_fragment),
	KT_CASE(test_misuse),
	KT_CASE(test_tcp_session),
};

KT_MAIN("decode_craft", cases)
