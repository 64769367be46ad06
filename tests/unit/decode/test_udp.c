/*
 * test_udp.c - UDP (ports, payload bounds, each length fault), SCTP and
 * ESP headers.
 */
#include "decode_test.h"

static struct kn_craft *udp6(size_t payload)
{
	struct kn_craft *c = dt_craft();
	if (c) {
		kn_craft_eth(c, NULL, NULL);
		kn_craft_ipv6(c, "fe80::1", "ff02::fb", 17);
		kn_craft_udp(c, 5353, 5353);
		kn_craft_payload(c, NULL, payload);
	}
	return c;
}

static void test_fields(void)
{
	struct kn_decoder *d = dt_decoder();
	struct kn_craft *c = udp6(33);
	struct kn_packet p;
	KT_REQUIRE(d && c);
	KT_EQ(dt_decode(d, c, &p), KN_DECODE_IP);
	KT_EQ(p.proto, 17);
	KT_EQ(p.sport, 5353);
	KT_EQ(p.dport, 5353);
	KT_EQ(p.l4_off, 54);
	KT_EQ(p.payload_off, 62);
	KT_EQ(p.payload_len, 33);
	KT_CHECK(p.flags & KN_PKT_HAS_PORTS);
	KT_EQ(p.data[p.payload_off], 1); /* the crafter's pattern starts at 1 */
	kn_free(c);
	kn_decoder_free(d);
}

static void test_length_faults(void)
{
	struct kn_decoder *d = dt_decoder();
	struct kn_craft *c = udp6(33);
	struct kn_packet p;
	KT_REQUIRE(d && c);
	size_t n = kn_craft_finish(c);
	uint8_t *u = c->buf + 54;
	/* UDP length beyond the IP payload. */
	u[4] = 0x01;
	dt_packet(&p, c->buf, (uint32_t)n, (uint32_t)n, KN_LINK_ETHERNET, 1);
	KT_EQ(kn_decode(d, &p), KN_DECODE_OTHER);
	KT_CHECK(dt_has_event(&p, KN_DEV_UDP_PKT_TOO_SMALL));
	/* UDP length below its own header. */
	u[4] = 0, u[5] = 7;
	dt_packet(&p, c->buf, (uint32_t)n, (uint32_t)n, KN_LINK_ETHERNET, 1);
	KT_EQ(kn_decode(d, &p), KN_DECODE_OTHER);
	KT_CHECK(dt_has_event(&p, KN_DEV_UDP_LEN_INVALID));
	/* UDP length shorter than the IP payload: the payload follows UDP. */
	u[5] = 8 + 10;
	dt_packet(&p, c->buf, (uint32_t)n, (uint32_t)n, KN_LINK_ETHERNET, 1);
	KT_EQ(kn_decode(d, &p), KN_DECODE_IP);
	KT_EQ(p.payload_len, 10);
	/* An IP payload of 6 bytes cannot hold a UDP header. */
	kn_craft_init(c);
	kn_craft_eth(c, NULL, NULL);
	kn_craft_ipv4(c, "10.0.0.1", "10.0.0.2", 17);
	kn_craft_payload(c, "abcdef", 6);
	KT_EQ(dt_decode(d, c, &p), KN_DECODE_OTHER);
	KT_CHECK(dt_has_event(&p, KN_DEV_UDP_HLEN_TOO_SMALL));
	/* Snaplen inside the UDP payload: decoded, truncated. */
	kn_free(c);
	c = udp6(100);
	KT_REQUIRE(c);
	n = kn_craft_finish(c);
	dt_packet(&p, c->buf, 70, (uint32_t)n, KN_LINK_ETHERNET, 1);
	KT_EQ(kn_decode(d, &p), KN_DECODE_IP);
	KT_CHECK(p.flags & KN_PKT_TRUNCATED);
	KT_EQ(p.payload_len, 8);
	KT_EQ(kn_decoder_stats(d)->udp, 5);
	kn_free(c);
	kn_decoder_free(d);
}

static void test_sctp_esp(void)
{
	struct kn_decoder *d = dt_decoder();
	struct kn_craft *c = dt_craft();
	struct kn_packet p;
	KT_REQUIRE(d && c);
	kn_craft_eth(c, NULL, NULL);
	kn_craft_ipv4(c, "10.0.0.1", "10.0.0.2", 132);
	kn_craft_sctp(c, 2905, 2905, 0xabcdef);
	kn_craft_payload(c, NULL, 16);
	KT_EQ(dt_decode(d, c, &p), KN_DECODE_IP);
	KT_EQ(p.proto, 132);
	KT_EQ(p.sport, 2905);
	KT_EQ(p.payload_off, 34 + 12);
	KT_EQ(p.payload_len, 16);
	KT_CHECK(p.flags & KN_PKT_HAS_PORTS);
	dt_packet(&p, c->buf, 34 + 11, 34 + 11, KN_LINK_ETHERNET, 1);
	c->buf[17] = 31;
	KT_EQ(kn_decode(d, &p), KN_DECODE_OTHER);
	KT_CHECK(dt_has_event(&p, KN_DEV_SCTP_PKT_TOO_SMALL));
	kn_craft_init(c);
	kn_craft_eth(c, NULL, NULL);
	kn_craft_ipv4(c, "10.0.0.1", "10.0.0.2", 50);
	kn_craft_payload(c, NULL, 7);
	KT_EQ(dt_decode(d, c, &p), KN_DECODE_OTHER);
	KT_CHECK(dt_has_event(&p, KN_DEV_ESP_PKT_TOO_SMALL));
	kn_free(c);
	kn_decoder_free(d);
}

static void test_truncate_every_length(void)
{
	struct kn_decoder *d = dt_decoder();
	struct kn_craft *c = udp6(20);
	KT_REQUIRE(d && c);
	size_t n = kn_craft_finish(c);
	KT_CHECK(dt_truncate_all(d, c->buf, n, KN_LINK_ETHERNET) > 0);
	kn_free(c);
	kn_decoder_free(d);
}

static const struct kt_case cases[] = {
	KT_CASE(test_fields),
	KT_CASE(test_length_faults),
	KT_CASE(test_sctp_esp),
	KT_CASE(test_truncate_every_length),
};

KT_MAIN("decode_udp", cases)
