/*
 * test_tcp.c - TCP header and options: sequence numbers, flags, window,
 * MSS, window scale, SACK-permitted, SACK blocks, timestamps; absent
 * options; malformed option lists (informational); headers too short
 * (invalid); and the flow hash being the same in both directions.
 */
#include "decode_test.h"

static struct kn_craft *tcp4(uint8_t flags)
{
	struct kn_craft *c = dt_craft();
	if (c) {
		kn_craft_eth(c, NULL, NULL);
		kn_craft_ipv4(c, "10.10.0.1", "10.20.0.2", 6);
		kn_craft_tcp(c, 51000, 443, 0xfffffff0u, 0x12345678u, flags, 29200);
	}
	return c;
}

static void test_header_fields(void)
{
	struct kn_decoder *d = dt_decoder();
	struct kn_craft *c = tcp4(KN_TCP_ACK | KN_TCP_PSH | KN_TCP_ECE);
	struct kn_packet p;
	KT_REQUIRE(d && c);
	kn_craft_payload(c, "0123456789", 10);
	KT_EQ(dt_decode(d, c, &p), KN_DECODE_IP);
	KT_EQ(p.tcp.seq, 0xfffffff0u);
	KT_EQ(p.tcp.ack, 0x12345678u);
	KT_EQ(p.tcp.flags, KN_TCP_ACK | KN_TCP_PSH | KN_TCP_ECE);
	KT_EQ(p.tcp.window, 29200);
	KT_EQ(p.tcp.hlen, 20);
	KT_EQ(p.tcp.mss, 0);
	KT_EQ(p.tcp.wscale, 0xff);
	KT_EQ(p.tcp.sack_permitted, 0);
	KT_EQ(p.tcp.has_ts, 0);
	KT_EQ(p.tcp.sack_count, 0);
	KT_EQ(p.payload_off, 54);
	KT_EQ(p.payload_len, 10);
	KT_CHECK(memcmp(p.data + p.payload_off, "0123456789", 10) == 0);
	kn_free(c);
	kn_decoder_free(d);
}

static void test_syn_options(void)
{
	struct kn_decoder *d = dt_decoder();
	struct kn_craft *c = tcp4(KN_TCP_SYN);
	struct kn_packet p;
	KT_REQUIRE(d && c);
	kn_craft_tcp_mss(c, 1460);
	kn_craft_tcp_sackok(c);
	kn_craft_tcp_ts(c, 1000001, 0);
	kn_craft_tcp_wscale(c, 7);
	KT_EQ(dt_decode(d, c, &p), KN_DECODE_IP);
	KT_EQ(p.tcp.hlen, 44);
	KT_EQ(p.tcp.mss, 1460);
	KT_EQ(p.tcp.sack_permitted, 1);
	KT_EQ(p.tcp.has_ts, 1);
	KT_EQ(p.tcp.ts_val, 1000001);
	KT_EQ(p.tcp.ts_ecr, 0);
	KT_EQ(p.tcp.wscale, 7);
	KT_EQ(p.payload_len, 0);
	KT_EQ(p.n_events, 0);
	kn_free(c);
	/* Shift above 14 is treated as 14 (RFC 7323). */
	c = tcp4(KN_TCP_SYN);
	KT_REQUIRE(c);
	kn_craft_tcp_wscale(c, 20);
	KT_EQ(dt_decode(d, c, &p), KN_DECODE_IP);
	KT_EQ(p.tcp.wscale, 14);
	kn_free(c);
	kn_decoder_free(d);
}

static void test_sack_blocks(void)
{
	struct kn_decoder *d = dt_decoder();
	struct kn_packet p;
	KT_REQUIRE(d);
	static const uint32_t blocks[4][2] = { { 100, 200 }, { 300, 400 }, { 500, 600 }, { 7, 8 } };
	for (unsigned n = 1; n <= 4; n++) {
		struct kn_craft *c = tcp4(KN_TCP_ACK);
		KT_REQUIRE(c);
		kn_craft_tcp_sack(c, blocks, n);
		KT_EQ(dt_decode(d, c, &p), KN_DECODE_IP);
		KT_EQ(p.tcp.sack_count, n);
		for (unsigned i = 0; i < n; i++) {
			KT_EQ(p.tcp.sack[i][0], blocks[i][0]);
			KT_EQ(p.tcp.sack[i][1], blocks[i][1]);
		}
		KT_EQ(p.n_events, 0);
		kn_free(c);
	}
	kn_decoder_free(d);
}

static void test_bad_options(void)
{
	struct kn_decoder *d = dt_decoder();
	struct kn_packet p;
	KT_REQUIRE(d);
	static const struct {
		uint8_t opt[8];
		size_t len;
		unsigned ev;
	} cases[] = {
		{ { 2, 3, 5, 0 }, 4, KN_DEV_TCP_OPT_INVALID_LEN },        /* MSS length 3 */
		{ { 3, 4, 7, 0 }, 4, KN_DEV_TCP_OPT_INVALID_LEN },        /* WS length 4 */
		{ { 8, 8, 0, 0, 0, 0, 0, 0 }, 8, KN_DEV_TCP_OPT_INVALID_LEN }, /* TS length 8 */
		{ { 5, 6, 0, 0, 0, 1 }, 8, KN_DEV_TCP_OPT_INVALID_LEN },  /* SACK 6 */
		{ { 2, 1, 0, 0 }, 4, KN_DEV_TCP_INVALID_OPTLEN },         /* length 1 */
		{ { 1, 1, 1, 2 }, 4, KN_DEV_TCP_INVALID_OPTLEN },         /* no length byte */
		{ { 2, 12, 5, 0 }, 4, KN_DEV_TCP_INVALID_OPTLEN },        /* past the header */
		{ { 2, 4, 5, 0, 2, 4, 6, 0 }, 8, KN_DEV_TCP_OPT_DUPLICATE },
	};
	for (unsigned i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		struct kn_craft *c = tcp4(KN_TCP_SYN);
		KT_REQUIRE(c);
		kn_craft_tcp_opt_raw(c, cases[i].opt, cases[i].len);
		kn_craft_payload(c, "x", 1);
		KT_EQ(dt_decode(d, c, &p), KN_DECODE_IP); /* still the flow's packet */
		KT_CHECK(dt_has_event(&p, cases[i].ev));
		KT_EQ(p.payload_len, 1);
		kn_free(c);
	}
	/* The first MSS wins over a duplicate. */
	KT_EQ(p.tcp.mss, 0x0500);
	kn_decoder_free(d);
}

static void test_short_headers(void)
{
	struct kn_decoder *d = dt_decoder();
	struct kn_craft *c = tcp4(KN_TCP_SYN);
	struct kn_packet p;
	KT_REQUIRE(d && c);
	kn_craft_tcp_mss(c, 1000);
	size_t n = kn_craft_finish(c);
	c->buf[34 + 12] = 0x40; /* data offset 4: 16 bytes */
	dt_packet(&p, c->buf, (uint32_t)n, (uint32_t)n, KN_LINK_ETHERNET, 1);
	KT_EQ(kn_decode(d, &p), KN_DECODE_OTHER);
	KT_CHECK(dt_has_event(&p, KN_DEV_TCP_HLEN_TOO_SMALL));
	c->buf[34 + 12] = 0xf0; /* 60 bytes: past the IP payload */
	dt_packet(&p, c->buf, (uint32_t)n, (uint32_t)n, KN_LINK_ETHERNET, 1);
	KT_EQ(kn_decode(d, &p), KN_DECODE_OTHER);
	KT_CHECK(dt_has_event(&p, KN_DEV_TCP_PKT_TOO_SMALL));
	kn_craft_finish(c);
	/* An IP packet with 12 bytes of TCP. */
	dt_packet(&p, c->buf, 34 + 12, 34 + 12, KN_LINK_ETHERNET, 1);
	c->buf[16] = 0, c->buf[17] = 32;
	KT_EQ(kn_decode(d, &p), KN_DECODE_OTHER);
	KT_CHECK(dt_has_event(&p, KN_DEV_TCP_PKT_TOO_SMALL));
	KT_EQ(kn_decoder_stats(d)->invalid, 3);
	KT_EQ(kn_decoder_stats(d)->tcp, 3);
	kn_free(c);
	kn_decoder_free(d);
}

static void test_hash_symmetric(void)
{
	struct kn_decoder *d = dt_decoder();
	struct kn_craft *c = dt_craft();
	struct kn_packet p;
	KT_REQUIRE(d && c);
	static const char *addr[2][2] = { { "10.1.2.3", "10.4.5.6" }, { "2001:db8::7", "2001:db8::8" } };
	for (int v6 = 0; v6 < 2; v6++) {
		uint32_t h[2];
		for (int dir = 0; dir < 2; dir++) {
			kn_craft_init(c);
			kn_craft_eth(c, NULL, NULL);
			if (v6)
				kn_craft_ipv6(c, addr[1][dir], addr[1][!dir], 6);
			else
				kn_craft_ipv4(c, addr[0][dir], addr[0][!dir], 6);
			kn_craft_tcp(c, dir ? 80 : 33333, dir ? 33333 : 80, 1, 1, KN_TCP_ACK, 1);
			KT_EQ(dt_decode(d, c, &p), KN_DECODE_IP);
			h[dir] = p.hash;
		}
		KT_EQ(h[0], h[1]);
		KT_CHECK(h[0] != 0);
	}
	/* A different port is a different flow. */
	uint32_t h0 = p.hash;
	kn_craft_init(c);
	kn_craft_eth(c, NULL, NULL);
	kn_craft_ipv6(c, addr[1][1], addr[1][0], 6);
	kn_craft_tcp(c, 81, 33333, 1, 1, KN_TCP_ACK, 1);
	KT_EQ(dt_decode(d, c, &p), KN_DECODE_IP);
	KT_CHECK(p.hash != h0);
	kn_free(c);
	kn_decoder_free(d);
}

static void test_truncate_every_length(void)
{
	struct kn_decoder *d = dt_decoder();
	struct kn_craft *c = tcp4(KN_TCP_SYN);
	KT_REQUIRE(d && c);
	static const uint32_t blocks[2][2] = { { 1, 2 }, { 3, 4 } };
	kn_craft_tcp_mss(c, 1460);
	kn_craft_tcp_sack(c, blocks, 2);
	kn_craft_tcp_ts(c, 5, 6);
	kn_craft_payload(c, NULL, 3);
	size_t n = kn_craft_finish(c);
	KT_CHECK(dt_truncate_all(d, c->buf, n, KN_LINK_ETHERNET) > 0);
	kn_free(c);
	kn_decoder_free(d);
}

static const struct kt_case cases[] = {
	KT_CASE(test_header_fields),
	KT_CASE(test_syn_options),
	KT_CASE(test_sack_blocks),
	KT_CASE(test_bad_options),
	KT_CASE(test_short_headers),
	KT_CASE(test_hash_symmetric),
	KT_CASE(test_truncate_every_length),
};

KT_MAIN("decode_tcp", cases)
