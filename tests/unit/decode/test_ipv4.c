/*
 * test_ipv4.c - IPv4 header and options: decoded fields, each malformed
 * header variant and its event, snaplen truncation versus a length lie,
 * Ethernet padding, option validation, protocols without a decoder.
 */
#include "decode_test.h"

static struct kn_craft *udp4(const void *opts, size_t optlen)
{
	struct kn_craft *c = dt_craft();
	if (!c)
		return NULL;
	kn_craft_eth(c, NULL, NULL);
	kn_craft_ipv4(c, "172.16.1.2", "172.16.3.4", 17);
	if (optlen)
		kn_craft_ipv4_opts(c, opts, optlen);
	kn_craft_udp(c, 1234, 5678);
	kn_craft_payload(c, NULL, 40);
	return c;
}

static void test_fields(void)
{
	struct kn_decoder *d = dt_decoder();
	struct kn_craft *c = udp4(NULL, 0);
	struct kn_packet p;
	KT_REQUIRE(d && c);
	kn_craft_ip_ttl(c, 3);
	KT_EQ(dt_decode(d, c, &p), KN_DECODE_IP);
	KT_EQ(p.ttl, 3);
	KT_EQ(p.ip_len, 68);
	KT_EQ(p.proto, 17);
	KT_EQ(p.payload_len, 40);
	KT_CHECK(dt_addr_is(&p.src, "172.16.1.2"));
	for (int i = 4; i < 16; i++)
		KT_EQ(p.src.b[i], 0);
	KT_CHECK(!(p.flags & (KN_PKT_FRAGMENT | KN_PKT_TUNNELED | KN_PKT_REASSEMBLED)));
	kn_free(c);
	kn_decoder_free(d);
}

/* Malformed headers: each gives its event and OTHER. */
static void test_bad_headers(void)
{
	struct kn_decoder *d = dt_decoder();
	struct kn_craft *c = udp4(NULL, 0);
	struct kn_packet p;
	KT_REQUIRE(d && c);
	size_t n = kn_craft_finish(c);
	uint8_t *ip = c->buf + 14;
	static const struct {
		int at;
		uint8_t val;
		unsigned ev;
	} cases[] = {
		{ 0, 0x65, KN_DEV_IPV4_WRONG_IP_VERSION },
		{ 0, 0x44, KN_DEV_IPV4_HLEN_TOO_SMALL },
		{ 0, 0x4f, KN_DEV_IPV4_HLEN_TOO_SMALL }, /* 60 bytes, 40 in the frame */
		{ 3, 10, KN_DEV_IPV4_IPLEN_SMALLER_THAN_HLEN },
		{ 2, 0x7f, KN_DEV_IPV4_TRUNC_PKT },
	};
	for (unsigned i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		kn_craft_finish(c);
		if (cases[i].at == 0 && cases[i].val == 0x4f) {
			/* Header length beyond the frame. */
			dt_packet(&p, c->buf, 14 + 40, 14 + 40, KN_LINK_ETHERNET, 1);
			ip[0] = 0x4f;
		} else {
			ip[cases[i].at] = cases[i].val;
			dt_packet(&p, c->buf, (uint32_t)n, (uint32_t)n, KN_LINK_ETHERNET, 1);
		}
		KT_EQ(kn_decode(d, &p), KN_DECODE_OTHER);
		KT_CHECK(dt_has_event(&p, cases[i].ev));
		KT_EQ(p.ip_version, 0);
	}
	dt_packet(&p, c->buf, 14 + 19, 14 + 19, KN_LINK_ETHERNET, 1);
	KT_EQ(kn_decode(d, &p), KN_DECODE_OTHER);
	KT_CHECK(dt_has_event(&p, KN_DEV_IPV4_PKT_TOO_SMALL));
	KT_EQ(kn_decoder_stats(d)->invalid, 6);
	KT_EQ(kn_decoder_stats(d)->events[KN_DEV_IPV4_HLEN_TOO_SMALL], 2);
	kn_free(c);
	kn_decoder_free(d);
}

/* Snaplen cut: decoded, flagged, payload bounded by what was captured.
 * Padding: the IP length bounds the payload. */
static void test_truncation_and_padding(void)
{
	struct kn_decoder *d = dt_decoder();
	struct kn_craft *c = udp4(NULL, 0);
	struct kn_packet p;
	KT_REQUIRE(d && c);
	size_t n = kn_craft_finish(c);
	dt_packet(&p, c->buf, 14 + 20 + 8 + 10, (uint32_t)n, KN_LINK_ETHERNET, 1);
	KT_EQ(kn_decode(d, &p), KN_DECODE_IP);
	KT_CHECK(p.flags & KN_PKT_TRUNCATED);
	KT_EQ(p.ip_len, 68);
	KT_EQ(p.payload_len, 10);
	KT_EQ(p.n_events, 0);
	/* The same cut frame claiming to be whole: the IP length lies. */
	dt_packet(&p, c->buf, 14 + 20 + 8 + 10, 14 + 20 + 8 + 10, KN_LINK_ETHERNET, 1);
	KT_EQ(kn_decode(d, &p), KN_DECODE_OTHER);
	KT_CHECK(dt_has_event(&p, KN_DEV_IPV4_TRUNC_PKT));
	kn_craft_init(c);
	kn_craft_eth(c, NULL, NULL);
	kn_craft_ipv4(c, "10.0.0.1", "10.0.0.2", 6);
	kn_craft_tcp(c, 1, 2, 0, 0, KN_TCP_ACK, 100);
	kn_craft_trailer(c, "\xde\xad\xbe\xef\x01\x02", 6);
	KT_EQ(dt_decode(d, c, &p), KN_DECODE_IP);
	KT_EQ(p.payload_len, 0);
	KT_EQ(p.ip_len, 40);
	KT_CHECK(!(p.flags & KN_PKT_TRUNCATED));
	kn_free(c);
	kn_decoder_free(d);
}

static void test_valid_options(void)
{
	struct kn_decoder *d = dt_decoder();
	struct kn_packet p;
	KT_REQUIRE(d);
	/* Router alert, NOP, record route with room for 2 addresses, EOL. */
	static const uint8_t opts[] = { 148, 4, 0, 0, 1, 7, 11, 4, 0, 0, 0, 0, 0, 0, 0, 0, 0 };
	struct kn_craft *c = udp4(opts, sizeof opts);
	KT_REQUIRE(c);
	KT_EQ(dt_decode(d, c, &p), KN_DECODE_IP);
	KT_EQ(p.n_events, 0);
	KT_EQ(p.l4_off, 14 + 40);
	KT_EQ(p.sport, 1234);
	kn_free(c);
	/* Timestamp with addresses (flag 1): records of 8 bytes. */
	static const uint8_t ts[] = { 68, 20, 13, 0x01, 10, 0, 0, 1, 0, 0, 0, 5, 0, 0, 0, 0, 0, 0, 0, 0 };
	c = udp4(ts, sizeof ts);
	KT_REQUIRE(c);
	KT_EQ(dt_decode(d, c, &p), KN_DECODE_IP);
	KT_EQ(p.n_events, 0);
	kn_free(c);
	kn_decoder_free(d);
}

static void test_bad_options(void)
{
	struct kn_decoder *d = dt_decoder();
	struct kn_packet p;
	KT_REQUIRE(d);
	static const struct {
		uint8_t opts[8];
		size_t len;
		int ret;
		unsigned ev;
	} cases[] = {
		{ { 7, 1, 0, 0 }, 4, KN_DECODE_OTHER, KN_DEV_IPV4_OPT_INVALID_LEN },     /* len < 2 */
		{ { 1, 7, 9, 4 }, 4, KN_DECODE_OTHER, KN_DEV_IPV4_OPT_INVALID_LEN },     /* past the end */
		{ { 7, 7, 5 }, 8, KN_DECODE_OTHER, KN_DEV_IPV4_OPT_MALFORMED },          /* RR ptr 5 */
		{ { 148, 3 }, 4, KN_DECODE_OTHER, KN_DEV_IPV4_OPT_INVALID_LEN },         /* RTRALT != 4 */
		{ { 68, 8, 3 }, 8, KN_DECODE_OTHER, KN_DEV_IPV4_OPT_MALFORMED },         /* TS ptr 3 */
		{ { 150, 4 }, 4, KN_DECODE_IP, KN_DEV_IPV4_OPT_UNKNOWN },
		{ { 148, 4, 0, 0, 148, 4 }, 8, KN_DECODE_IP, KN_DEV_IPV4_OPT_DUPLICATE },
		{ { 1, 1, 1, 148 }, 4, KN_DECODE_IP, KN_DEV_IPV4_OPT_EOL_REQUIRED },
	};
	for (unsigned i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		size_t len = cases[i].len;
		struct kn_craft *c = udp4(cases[i].opts, len);
		KT_REQUIRE(c);
		KT_EQ(dt_decode(d, c, &p), cases[i].ret);
		KT_CHECK(dt_has_event(&p, cases[i].ev));
		kn_free(c);
	}
	kn_decoder_free(d);
}

static void test_other_protocols(void)
{
	struct kn_decoder *d = dt_decoder();
	struct kn_craft *c = dt_craft();
	struct kn_packet p;
	KT_REQUIRE(d && c);
	kn_craft_eth(c, NULL, NULL);
	kn_craft_ipv4(c, "10.0.0.1", "224.0.0.5", 89); /* OSPF */
	kn_craft_payload(c, NULL, 44);
	KT_EQ(dt_decode(d, c, &p), KN_DECODE_IP);
	KT_EQ(p.proto, 89);
	KT_EQ(p.l4_off, 34);
	KT_EQ(p.payload_off, 34);
	KT_EQ(p.payload_len, 44);
	KT_CHECK(!(p.flags & KN_PKT_HAS_PORTS));
	KT_EQ(kn_decoder_stats(d)->other_ip, 1);
	kn_craft_init(c);
	kn_craft_eth(c, NULL, NULL);
	kn_craft_ipv4(c, "10.0.0.1", "10.0.0.2", 58); /* ICMPv6 in IPv4 */
	kn_craft_payload(c, NULL, 8);
	KT_EQ(dt_decode(d, c, &p), KN_DECODE_IP);
	KT_CHECK(dt_has_event(&p, KN_DEV_IPV4_WITH_ICMPV6));
	kn_free(c);
	kn_decoder_free(d);
}

static void test_truncate_every_length(void)
{
	struct kn_decoder *d = dt_decoder();
	KT_REQUIRE(d);
	static const uint8_t opts[] = { 148, 4, 0, 0, 68, 8, 5, 0, 0, 0, 0, 0 };
	struct kn_craft *c = udp4(opts, sizeof opts);
	KT_REQUIRE(c);
	size_t n = kn_craft_finish(c);
	KT_CHECK(dt_truncate_all(d, c->buf, n, KN_LINK_ETHERNET) == 2 * (n + 1));
	kn_free(c);
	kn_decoder_free(d);
}

static const struct kt_case cases[] = {
	KT_CASE(test_fields),
	KT_CASE(test_bad_headers),
	KT_CASE(test_truncation_and_padding),
	KT_CASE(test_valid_options),
	KT_CASE(test_bad_options),
	KT_CASE(test_other_protocols),
	KT_CASE(test_truncate_every_length),
};

KT_MAIN("decode_ipv4", cases)
