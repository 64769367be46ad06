/*
 * test_exfil.c - the exfil behaviour detector on packets built as the
 * decoder leaves them: a host that uploads ~20 kB a minute and downloads
 * 200 kB, then pushes 1.5 MB out in a minute, is reported once, at the
 * packet that crosses 256 KiB, with its baseline and top destination; not
 * reported: large downloads, internal-to-internal copies, an upload within
 * the learning period, a host whose usual upload is 2 MB a minute sending
 * 3 MB, and an upload spread evenly over minutes under the floor; a tiny
 * memcap keeps its table small under many hosts.
 */
#include <stdio.h>
#include <string.h>

#include "../../kt.h"

#include "detect_test.h"

static struct kn_addr v4(unsigned a, unsigned b, unsigned c, unsigned d)
{
	struct kn_addr x;
	memset(&x, 0, sizeof x);
	x.b[0] = (uint8_t)a, x.b[1] = (uint8_t)b, x.b[2] = (uint8_t)c, x.b[3] = (uint8_t)d;
	return x;
}

/* A TCP data packet src -> dst of len payload bytes at time t. */
static void data(struct rig *r, struct kn_addr src, struct kn_addr dst, uint16_t dport,
		 uint32_t len, double t)
{
	struct kn_packet p;
	memset(&p, 0, sizeof p);
	p.ip_version = 4;
	p.proto = 6;
	p.src = src;
	p.dst = dst;
	p.sport = 40000;
	p.dport = dport;
	p.tcp.flags = 0x18;
	p.payload_len = len;
	p.ts_ns = (uint64_t)(t * 1e9) + 1;
	p.index = ++r->n;
	p.flow = &r->flow;
	kn_detect_packet(r->ctx, &p);
}

/* Ten minutes of ordinary use from t0: each minute up kB out (10 packets)
 * and down kB in. */
static void ordinary(struct rig *r, struct kn_addr host, struct kn_addr web, double t0,
		     unsigned up, unsigned down)
{
	for (unsigned m = 0; m < 10; m++)
		for (unsigned i = 0; i < 10; i++) {
			double t = t0 + m * 60 + i * 5;
			data(r, host, web, 443, up * 100, t);
			data(r, web, host, 40000, down * 100, t + 0.1);
		}
}

static void test_upload_spike(void)
{
	struct rig r;
	struct kn_addr host = v4(10, 1, 0, 13), web = v4(93, 184, 216, 34),
		       drop = v4(198, 51, 100, 77);
	rig_init(&r, 0);
	ordinary(&r, host, web, 0, 20, 200);
	KT_EQ(r.seen.n, 0);
	uint64_t first = r.n + 1;
	for (unsigned i = 0; i < 1500; i++) {   /* 1.5 MB in 30 s, a few acks back */
		data(&r, host, drop, 443, 1000, 700 + i * 0.02);
		if (i % 100 == 0)
			data(&r, drop, host, 40000, 40, 700 + i * 0.02);
	}
	KT_EQ(r.seen.n, 1);
	KT_EQ_STR(r.seen.detector, "exfil");
	KT_EQ_STR(r.seen.event, "EXFILTRATION");
	KT_EQ_STR(r.seen.key, "10.1.0.13");
	/* 256 KiB = 262,144 bytes: crossed by the 263rd upload packet, which
	 * follows 3 ack packets (i = 0, 100, 200) */
	KT_EQ(r.seen.pcap_cnt, first + 262 + 3);
	KT_CHECK(strstr(r.seen.evidence, "\"bytes_out\":263000,\"bytes_in\":120,") != NULL);
	KT_CHECK(strstr(r.seen.evidence, "\"baseline_bytes\":20000,\"baseline_windows\":10") != NULL);
	KT_CHECK(strstr(r.seen.evidence,
			"\"top_destinations\":[{\"ip\":\"198.51.100.77\",\"port\":443,"
			"\"bytes\":263000}]") != NULL);
	KT_CHECK(strstr(r.seen.expl, "10.1.0.13 sent 0.3 MB to external hosts within 60 s "
			"(received 0.0 MB), 13 times its usual 20.0 kB per active minute (10 "
			"minutes seen); most went to 198.51.100.77:443 (0.3 MB)") == r.seen.expl);
	/* threshold 256 KiB (above 10 x 20 kB and 20 kB + 8 x deviation);
	 * score 1 - 262144 / (2 x 263000) */
	KT_CHECK(r.seen.score > 0.5015 && r.seen.score < 0.5018);
	kn_detect_ctx_free(r.ctx);
}

static void test_benign(void)
{
	struct rig r;
	struct kn_addr pc = v4(192, 168, 1, 20), nas = v4(192, 168, 1, 2),
		       web = v4(151, 101, 1, 69), backup = v4(10, 0, 0, 50);
	rig_init(&r, 0);
	ordinary(&r, pc, web, 0, 5, 100);
	ordinary(&r, backup, web, 0, 2000, 50);      /* uploads 2 MB a minute */
	for (unsigned i = 0; i < 3000; i++) {
		data(&r, web, pc, 40000, 16000, 700 + i * 0.01);   /* a 48 MB download */
		data(&r, pc, web, 443, 100, 700 + i * 0.01);
		data(&r, pc, nas, 445, 4000, 700 + i * 0.01);      /* 12 MB to the NAS */
		data(&r, backup, web, 443, 1000, 700 + i * 0.01);  /* 3 MB: its usual */
	}
	for (unsigned m = 0; m < 20; m++)   /* 200 kB every minute: under the floor */
		data(&r, pc, web, 443, 200000, 800 + m * 60);
	KT_EQ(r.seen.n, 0);
	kn_detect_ctx_free(r.ctx);

	rig_init(&r, 0);   /* 5 MB out 10 s after the first packet: still learning */
	for (unsigned i = 0; i < 5000; i++)
		data(&r, pc, web, 443, 1000, 10 + i * 0.001);
	KT_EQ(r.seen.n, 0);
	kn_detect_ctx_free(r.ctx);
}

static void test_memcap(void)
{
	struct rig r;
	struct kn_detect_stats st;
	rig_init(&r, 1);   /* the smallest tables */
	for (unsigned h = 0; h < 20000; h++)
		data(&r, v4(10, 2, h >> 8, h & 255), v4(8, 8, 8, 8), 53, 100, h * 0.01);
	/* after learning, a fresh host (no baseline) sending 2 MB: the floor */
	for (unsigned i = 0; i < 2000; i++)
		data(&r, v4(10, 3, 0, 1), v4(8, 8, 4, 4), 443, 1000, 400 + i * 0.001);
	kn_detect_stats(r.ctx, &st);
	KT_CHECK(st.memuse < 2u << 20);
	KT_EQ(r.seen.n, 1);
	KT_EQ_STR(r.seen.key, "10.3.0.1");
	kn_detect_ctx_free(r.ctx);
}

static const struct kt_case cases[] = {
	KT_CASE(test_upload_spike),
	KT_CASE(test_benign),
	KT_CASE(test_memcap),
};

KT_MAIN("anomaly_exfil", cases)
