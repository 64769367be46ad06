/*
 * test_icmp_tunnel.c - the icmp_tunnel behaviour detector: echoes
 * carrying IPv4 packets with a fixed sequence number (icmptunnel) are
 * reported at the third, and random data of varying sizes (ptunnel-like)
 * too, with the requesting client as subject; not reported: Linux,
 * Windows, zero-filled and `ping -p` pings of any length, a monitor whose
 * own constant payload is no pattern, one odd payload resent under one
 * sequence number, three odd echoes among 80 pings; the
 * pattern checks read at most 512 bytes of a large payload.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../../kt.h"

#include "detect_test.h"
#include "det_packets.h"
#include "det_focus.h"

/* An echo request client -> server and its reply, same payload. */
static void echo(struct focus *f, struct kn_addr c, struct kn_addr s, uint16_t seq,
		 const uint8_t *payload, uint32_t len, double t)
{
	fpkt(f, c, s, 1, 0, 0, 8, seq, 0, 1, 0, payload, len, t);
	fpkt(f, s, c, 1, 0, 0, 0, seq, 1, 1, 1, payload, len, t + 0.001);
}

/* An IPv4 packet of len bytes (an inner ping) as icmptunnel sends it. */
static void inner_ip(uint8_t *d, uint32_t len, unsigned n)
{
	memset(d, 0, len);
	d[0] = 0x45;
	d[2] = (uint8_t)(len >> 8);
	d[3] = (uint8_t)len;
	d[8] = 64;
	d[9] = 1;
	memcpy(d + 12, "\x0a\x5f\x01\x01\x0a\x5f\x01\x02", 8);
	d[20] = 8;
	d[24] = 0x3d;
	d[27] = (uint8_t)n;
	for (uint32_t i = 28; i < len; i++)
		d[i] = (uint8_t)(i * 7 + n);
}

static void test_ip_inside(void)
{
	struct focus f;
	uint8_t d[84];

	focus_init(&f, "icmp_tunnel", 0, NULL);
	for (unsigned i = 0; i < 5; i++) {
		inner_ip(d, sizeof d, i);
		echo(&f, v4(192, 168, 2, 131), v4(192, 168, 2, 132), 0, d, sizeof d, i);
	}
	/* the third data echo is the second request's reply (packet 3) */
	KT_EQ(f.r.seen.n, 1);
	KT_EQ(f.first_cnt, 3);
	KT_EQ_STR(f.r.seen.event, "ICMP_TUNNEL");
	KT_EQ_STR(f.subject, "192.168.2.131");
	KT_EQ_STR(f.r.seen.key, "192.168.2.131");
	KT_CHECK(f.r.seen.score > 0.79 && f.r.seen.score < 0.81);
	KT_EQ_STR(f.r.seen.expl, "192.168.2.131 and 192.168.2.132 exchanged 3 ICMP echoes, 3 of "
		  "them carrying data no ping sends (3 with an IP header inside, sizes 84-84, 1 "
		  "repeated sequence numbers, 252 bytes): a tunnel over ICMP");
	kn_detect_ctx_free(f.r.ctx);
}

static void test_random_data(void)
{
	struct focus f;
	uint8_t d[600];
	uint32_t x = 12345;

	focus_init(&f, "icmp_tunnel", 0, NULL);
	for (unsigned i = 0; i < 4; i++) {
		uint32_t len = 100 + 150 * i;
		for (uint32_t k = 0; k < len; k++)
			d[k] = (uint8_t)((x = x * 1103515245u + 12345u) >> 24);
		fpkt(&f, v4(10, 0, 0, 5), v4(203, 0, 113, 1), 1, 0, 0, 8, (uint16_t)i, 0, 1, 0, d,
		     len, i);
	}
	/* requests only, counting sequence, but the sizes vary: at the third */
	KT_EQ(f.r.seen.n, 1);
	KT_EQ(f.first_cnt, 3);
	KT_EQ_STR(f.subject, "10.0.0.5");
	KT_CHECK(f.r.seen.score > 0.59 && f.r.seen.score < 0.61);
	KT_CHECK(strstr(f.r.seen.evidence, "\"ip_inside\":0,\"seq_repeats\":0,\"size_min\":100,"
			"\"size_max\":400,\"bytes\":750") != NULL);
	kn_detect_ctx_free(f.r.ctx);
}

static void test_pings(void)
{
	struct focus f;
	uint8_t d[1500];
	static const char win[] = "abcdefghijklmnopqrstuvwabcdefghi";

	focus_init(&f, "icmp_tunnel", 0, NULL);
	for (unsigned i = 0; i < 40; i++) {
		double t = i;
		/* Linux: 16-byte timestamp, then bytes counting from 0x10 */
		for (unsigned k = 0; k < 56; k++)
			d[k] = (uint8_t)k;
		memcpy(d, &t, sizeof t);
		d[9] = (uint8_t)(i * 31);
		echo(&f, v4(10, 0, 0, 1), v4(8, 8, 8, 8), (uint16_t)i, d, 56, t);
		/* Windows: a..w cycle */
		echo(&f, v4(10, 0, 0, 2), v4(8, 8, 8, 8), (uint16_t)i, (const uint8_t *)win, 32, t);
		/* zeros, growing sizes (a path MTU probe) */
		memset(d, 0, sizeof d);
		echo(&f, v4(10, 0, 0, 3), v4(8, 8, 4, 4), (uint16_t)i, d, 64 + 30 * i, t);
		/* ping -p ff00aa -s 100: 16-byte timestamp, then the pattern */
		for (unsigned k = 0; k < 100; k++)
			d[k] = (const uint8_t[]){ 0xff, 0x00, 0xaa }[k % 3];
		memcpy(d, &t, sizeof t);
		echo(&f, v4(10, 0, 0, 4), v4(1, 1, 1, 1), (uint16_t)i, d, 100, t);
		/* a monitor's own constant text, sequence counting */
		echo(&f, v4(10, 0, 0, 6), v4(10, 0, 9, 1), (uint16_t)i,
		     (const uint8_t *)"probe from monitor-7 v2.1 (ok)", 30, t);
	}
	/* the same odd payload sent again and again with one sequence number */
	for (unsigned i = 0; i < 10; i++)
		fpkt(&f, v4(10, 0, 0, 7), v4(10, 0, 9, 2), 1, 0, 0, 8, 0, 0, 1, 0,
		     "#JSb[abR^79aV(kDAN,(C\\A+p V+MF7", 32, i);
	/* three IP-carrying echoes among the 80 pings of 10.0.0.1 */
	for (unsigned i = 0; i < 3; i++) {
		inner_ip(d, 84, i);
		fpkt(&f, v4(10, 0, 0, 1), v4(8, 8, 8, 8), 1, 0, 0, 8, 0, 0, 1, 0, d, 84, 50 + i);
	}
	KT_EQ(f.r.seen.n, 0);
	kn_detect_ctx_free(f.r.ctx);
}

static void test_large(void)
{
	struct focus f;
	uint8_t d[1400];

	focus_init(&f, "icmp_tunnel", 0, NULL);
	/* counting for the first 512 bytes, data after: judged a ping */
	for (unsigned k = 0; k < sizeof d; k++)
		d[k] = k < 512 ? (uint8_t)k : (uint8_t)(k * 13 + 5);
	for (unsigned i = 0; i < 8; i++)
		fpkt(&f, v4(10, 0, 0, 8), v4(10, 0, 0, 9), 1, 0, 0, 8, 0, 0, 1, 0, d,
		     (uint32_t)sizeof d - i, i);
	KT_EQ(f.r.seen.n, 0);
	d[100] ^= 1;   /* data within the bytes read (3 of 11 echoes): reported */
	for (unsigned i = 0; i < 3; i++)
		fpkt(&f, v4(10, 0, 0, 8), v4(10, 0, 0, 9), 1, 0, 0, 8, 0, 0, 1, 0, d,
		     (uint32_t)sizeof d - i, 20 + i);
	KT_EQ(f.r.seen.n, 1);
	kn_detect_ctx_free(f.r.ctx);
}

static const struct kt_case cases[] = {
	KT_CASE(test_ip_inside),
	KT_CASE(test_random_data),
	KT_CASE(test_pings),
	KT_CASE(test_large),
};

KT_MAIN("anomaly_icmp_tunnel", cases)
