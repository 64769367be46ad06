/*
 * test_flood.c - the flood behaviour detector: a spoofed SYN flood (300
 * sources) and one source flooding one port are reported at the 200th SYN
 * with the victim as subject; not reported: a busy web server whose 400
 * clients complete their handshakes, a dead server retried by 30 clients
 * over 80 s, a vertical port scan (port_scan's), a flood split across
 * two 10 s windows, the web server seen one way (no SYN-ACK captured); a
 * tiny table stays bounded; a bad setting is refused.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../../kt.h"

#include "detect_test.h"
#include "det_packets.h"
#include "det_focus.h"

static unsigned u64_member(const char *json, const char *key)
{
	const char *p = strstr(json, key);
	return p ? (unsigned)strtoul(p + strlen(key), NULL, 10) : 0;
}

static void test_spoofed(void)
{
	struct focus f;
	struct kn_addr victim = v4(10, 0, 0, 10);

	focus_init(&f, "flood", 0, NULL);
	for (unsigned i = 0; i < 300; i++)   /* random public sources, one SYN each */
		fpkt(&f, v4(20 + i % 150, i / 150 + 1, i % 7, 108), victim, 6,
		     (uint16_t)(1024 + i), 25565, KN_TCP_SYN, 0, 0, 1, 0, NULL, 0, i * 0.001);
	KT_EQ(f.r.seen.n, 1);            /* at 200 SYNs; 400 never came */
	KT_EQ(f.first_cnt, 200);
	KT_EQ_STR(f.r.seen.event, "SYN_FLOOD");
	KT_EQ_STR(f.r.seen.key, "10.0.0.10");
	KT_EQ_STR(f.subject, "10.0.0.10");
	KT_CHECK(f.r.seen.score > 0.499 && f.r.seen.score < 0.501);
	KT_CHECK(strstr(f.r.seen.expl, "10.0.0.10 received 200 TCP SYNs in 0.20 s from about ") ==
		 f.r.seen.expl);
	KT_CHECK(strstr(f.r.seen.expl, "to 1 port (last 25565); 0 completed the handshake") != NULL);
	KT_CHECK(strstr(f.r.seen.evidence, "\"kind\":\"spoofed\"") != NULL);
	/* 200 sources set about 1024 (1 - e^(-200/1024)) = 181 sketch bits,
	 * which linear counting turns back into about 200 */
	unsigned sources = u64_member(f.r.seen.evidence, "\"sources\":");
	KT_CHECK(sources >= 185 && sources <= 215);
	kn_detect_ctx_free(f.r.ctx);
}

static void test_single_source(void)
{
	struct focus f;

	focus_init(&f, "flood", 0, NULL);
	for (unsigned i = 0; i < 450; i++)   /* hping3 -S -p 80 --faster */
		fpkt(&f, v4(203, 0, 113, 9), v4(192, 168, 5, 20), 6, (uint16_t)(2000 + i), 80,
		     KN_TCP_SYN, 0, 0, 1, 0, NULL, 0, 1 + i * 0.01);
	KT_EQ(f.r.seen.n, 2);            /* 200 (0.50) and 400 (0.75) */
	KT_EQ(f.first_cnt, 200);
	KT_EQ_STR(f.subject, "192.168.5.20");
	KT_CHECK(strstr(f.r.seen.expl, "received 400 TCP SYNs in 3.99 s from 1 source to 1 port "
			"(last 80)") != NULL);
	KT_CHECK(strstr(f.r.seen.evidence, "\"kind\":\"single\"") != NULL);
	kn_detect_ctx_free(f.r.ctx);
}

static void test_quiet(void)
{
	struct focus f;
	struct kn_addr web = v4(10, 0, 0, 80);

	focus_init(&f, "flood", 0, NULL);
	for (unsigned i = 0; i < 400; i++) {   /* 400 clients in 8 s, all complete */
		struct kn_addr c = v4(100 + i % 100, 20, i % 5, 1);
		double t = i * 0.02;
		f.r.flow.tcp_flags[1] = 0;
		fpkt(&f, c, web, 6, (uint16_t)(30000 + i), 443, KN_TCP_SYN, 0, 0, 1, 0, NULL, 0, t);
		fpkt(&f, web, c, 6, 443, (uint16_t)(30000 + i), KN_TCP_SYN | KN_TCP_ACK, 0, 1, 1, 1,
		     NULL, 0, t + 0.005);
		f.r.flow.tcp_flags[1] = KN_TCP_SYN | KN_TCP_ACK;
		fpkt(&f, c, web, 6, (uint16_t)(30000 + i), 443, KN_TCP_ACK, 0, 0, 2, 1, NULL, 0,
		     t + 0.01);
	}
	KT_EQ(f.r.seen.n, 0);
	for (unsigned i = 0; i < 400; i++) {   /* the same seen one way (no SYN-ACK) */
		struct kn_addr c = v4(100 + i % 100, 21, i % 5, 1);
		fpkt(&f, c, v4(10, 0, 0, 81), 6, (uint16_t)(30000 + i), 443, KN_TCP_SYN, 0, 0, 1, 0,
		     NULL, 0, 20 + i * 0.02);
		fpkt(&f, c, v4(10, 0, 0, 81), 6, (uint16_t)(30000 + i), 443, KN_TCP_ACK, 0, 0, 2, 0,
		     NULL, 0, 20 + i * 0.02 + 0.01);
	}
	KT_EQ(f.r.seen.n, 0);
	for (unsigned i = 0; i < 240; i++)   /* a dead server: 30 clients retrying for 80 s */
		fpkt(&f, v4(10, 1, 0, 1 + i % 30), v4(10, 0, 0, 99), 6, (uint16_t)(40000 + i), 445,
		     KN_TCP_SYN, 0, 0, 1, 0, NULL, 0, 100 + i / 3.0);
	KT_EQ(f.r.seen.n, 0);
	for (unsigned port = 1; port <= 400; port++)   /* a vertical scan in 4 s */
		fpkt(&f, v4(10, 1, 1, 7), v4(10, 0, 0, 50), 6, 50000, (uint16_t)port, KN_TCP_SYN,
		     0, 0, 1, 0, NULL, 0, 200 + port * 0.01);
	KT_EQ(f.r.seen.n, 0);
	for (unsigned i = 0; i < 300; i++)   /* 150 SYNs in each of two windows */
		fpkt(&f, v4(30 + i % 100, 1, 1, 1), v4(10, 0, 0, 60), 6, (uint16_t)(1000 + i), 80,
		     KN_TCP_SYN, 0, 0, 1, 0, NULL, 0, 300 + (i < 150 ? i * 0.05 : 12 + i * 0.01));
	KT_EQ(f.r.seen.n, 0);
	kn_detect_ctx_free(f.r.ctx);
}

static void bad_min(struct kn_detect_config *cfg)
{
	cfg->flood_min_syns = 3;
}

static void test_limits(void)
{
	struct focus f;
	struct kn_detect_stats st;
	struct kn_detect_config cfg;
	struct kn_detect_callbacks cb = { 0 };
	char err[KN_ERRBUF_SIZE] = "";

	focus_init(&f, "flood", 1, NULL);   /* the smallest tables */
	for (unsigned i = 0; i < 20000; i++)
		fpkt(&f, v4(20, 1, i >> 8 & 255, i & 255), v4(10, 9, i >> 8 & 255, i & 255), 6, 1000,
		     80, KN_TCP_SYN, 0, 0, 1, 0, NULL, 0, i * 0.0001);
	kn_detect_stats(f.r.ctx, &st);
	KT_CHECK(st.memuse < 4u << 20);
	KT_EQ(f.r.seen.n, 0);
	kn_detect_ctx_free(f.r.ctx);

	kn_detect_config_default(&cfg);
	bad_min(&cfg);
	KT_CHECK(kn_detect_ctx_new(&cfg, &cb, err) == NULL);
	KT_CHECK(strstr(err, "flood_min_syns 3 is too low") != NULL);
}

static const struct kt_case cases[] = {
	KT_CASE(test_spoofed),
	KT_CASE(test_single_source),
	KT_CASE(test_quiet),
	KT_CASE(test_limits),
};

KT_MAIN("anomaly_flood", cases)
