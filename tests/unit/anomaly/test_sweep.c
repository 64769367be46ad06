/*
 * test_sweep.c - the icmp_sweep behaviour detector: a ping sweep of a live
 * /24 (half the hosts answer; port_scan stays quiet on it) is reported with
 * its hosts, requests and replies; not reported: a sweep nobody answers
 * (port_scan's), a monitoring host pinging 10 hosts every 10 s, one host
 * pinged 500 times; a tiny table stays bounded. A scanner's echo request
 * without data is reported at once (ICMP_PROBE) and its sweep still is;
 * a request whose data the snap length cut off is not a probe.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../../kt.h"

#include "detect_test.h"
#include "det_packets.h"

static void test_live_sweep(void)
{
	struct rig r;
	struct kn_addr a = v4(192, 168, 1, 109);
	rig_init(&r, 0);
	for (unsigned h = 1; h <= 60; h++) {
		pkt(&r, a, v4(192, 168, 1, h), 1, 0, 0, 8, 0, 1, h * 0.05);
		if (h % 2)   /* odd hosts are up */
			pkt(&r, v4(192, 168, 1, h), a, 1, 0, 0, 0, 1, 1, h * 0.05 + 0.001);
	}
	/* considered at 16 hosts (score 0.5), 24 (0.65 < 1.5 x 0.5: held back
	 * by the context), 36 (0.79), 54 (0.90, held back): two reports. Hosts
	 * are sketch bits: a few of the 60 may share one. */
	KT_EQ(r.seen.n, 2);
	KT_EQ_STR(r.seen.detector, "icmp_sweep");
	KT_EQ_STR(r.seen.event, "ICMP_SWEEP");
	KT_EQ_STR(r.seen.key, "192.168.1.109");
	KT_CHECK(r.seen.score > 0.78 && r.seen.score < 0.80);
	KT_CHECK(strstr(r.seen.expl, "192.168.1.109 sent ") == r.seen.expl);
	KT_CHECK(strstr(r.seen.expl, " echo requests to 36 hosts (192.168.1.1 ... 192.168.1.") !=
		 NULL);
	KT_CHECK(strstr(r.seen.expl, "a ping sweep mapping which hosts are up") != NULL);
	KT_CHECK(strstr(r.seen.evidence, "\"first_target\":\"192.168.1.1\"") != NULL);
	/* every odd host answered: about half the requests by the report */
	const char *rp = strstr(r.seen.evidence, "\"replies\":");
	KT_REQUIRE(rp != NULL);
	unsigned replies = (unsigned)strtoul(rp + 10, NULL, 10);
	KT_CHECK(replies >= 17 && replies <= 20);
	kn_detect_ctx_free(r.ctx);
}

static void test_quiet(void)
{
	struct rig r;
	rig_init(&r, 0);
	for (unsigned round = 0; round < 60; round++)   /* a monitor: 10 hosts, every 10 s */
		for (unsigned h = 1; h <= 10; h++) {
			pkt(&r, v4(10, 0, 0, 2), v4(10, 0, 3, h), 1, 0, 0, 8, 0, 1, round * 10.0 + h);
			pkt(&r, v4(10, 0, 3, h), v4(10, 0, 0, 2), 1, 0, 0, 0, 1, 1, round * 10.0 + h);
		}
	for (unsigned i = 0; i < 500; i++) {   /* ping -c 500 */
		pkt(&r, v4(10, 0, 0, 3), v4(8, 8, 8, 8), 1, 0, 0, 8, 0, 1, i);
		pkt(&r, v4(8, 8, 8, 8), v4(10, 0, 0, 3), 1, 0, 0, 0, 1, 1, i);
	}
	for (unsigned h = 1; h <= 40; h++)   /* to broadcast and multicast */
		pkt(&r, v4(10, 0, 0, 4), v4(224, 0, 0, h), 1, 0, 0, 8, 0, 1, h);
	KT_EQ(r.seen.n, 0);
	for (unsigned h = 1; h <= 40; h++)   /* nobody answers: port_scan's alone */
		pkt(&r, v4(10, 0, 0, 9), v4(10, 0, 1, h), 1, 0, 0, 8, 0, 1, 700 + h * 0.1);
	KT_EQ(r.seen.n, 2);
	KT_EQ_STR(r.seen.detector, "port_scan");
	kn_detect_ctx_free(r.ctx);
}

/* An echo request src -> dst at t carrying len bytes of data. */
static void echo(struct rig *r, struct kn_addr src, struct kn_addr dst, uint32_t len,
		 uint16_t flags, double t)
{
	struct kn_packet p;
	pkt_head(r, &p, src, dst, 1, 0, 0, 8, 0, t);
	p.payload_len = len;
	p.flags = flags;
	r->flow.pkts[0] = r->flow.pkts[1] = 1;
	kn_detect_packet(r->ctx, &p);
}

static void test_probe(void)
{
	struct rig r;
	struct kn_addr a = v4(192, 168, 1, 109);
	rig_init(&r, 0);
	echo(&r, a, v4(192, 168, 1, 1), 0, 0, 1.0);   /* nmap -sn: no data */
	KT_EQ(r.seen.n, 1);
	KT_EQ_STR(r.seen.event, "ICMP_PROBE");
	KT_EQ_STR(r.seen.key, "192.168.1.109");
	KT_CHECK(r.seen.score > 0.29 && r.seen.score < 0.31);
	KT_CHECK(strstr(r.seen.expl, "192.168.1.109 sent an echo request without data to "
				     "192.168.1.1: ") == r.seen.expl);
	KT_CHECK(strstr(r.seen.evidence, "\"first_target\":\"192.168.1.1\"") != NULL);
	/* the sweep that follows: no second probe report in the window, the
	 * sweep's own at 16 and 36 hosts (as in test_live_sweep) */
	for (unsigned h = 2; h <= 40; h++) {
		echo(&r, a, v4(192, 168, 1, h), 0, 0, 1.0 + h * 0.01);
		pkt(&r, v4(192, 168, 1, h), a, 1, 0, 0, 0, 1, 1, 1.0 + h * 0.01 + 0.001);
	}
	KT_EQ(r.seen.n, 3);
	KT_EQ_STR(r.seen.event, "ICMP_SWEEP");
	echo(&r, a, v4(192, 168, 1, 1), 0, 0, 700.0);   /* a new window: reported again */
	KT_EQ(r.seen.n, 4);
	KT_EQ_STR(r.seen.event, "ICMP_PROBE");
	kn_detect_ctx_free(r.ctx);

	rig_init(&r, 0);
	echo(&r, v4(10, 0, 0, 5), v4(10, 0, 0, 1), 56, 0, 1.0);   /* ping: data */
	echo(&r, v4(10, 0, 0, 6), v4(10, 0, 0, 1), 32, 0, 1.0);   /* Windows ping */
	echo(&r, v4(10, 0, 0, 7), v4(10, 0, 0, 1), 0, KN_PKT_TRUNCATED, 1.0);   /* snaplen cut */
	echo(&r, v4(10, 0, 0, 8), v4(224, 0, 0, 1), 0, 0, 1.0);   /* multicast */
	KT_EQ(r.seen.n, 0);
	kn_detect_ctx_free(r.ctx);
}

static void test_memcap(void)
{
	struct rig r;
	struct kn_detect_stats st;
	rig_init(&r, 1);
	for (unsigned s = 0; s < 5000; s++)
		pkt(&r, v4(10, 5, s >> 8, s & 255), v4(10, 0, 0, 1), 1, 0, 0, 8, 0, 1, s * 0.01);
	kn_detect_stats(r.ctx, &st);
	KT_CHECK(st.memuse < 2u << 20);
	KT_EQ(r.seen.n, 0);
	kn_detect_ctx_free(r.ctx);
}

static const struct kt_case cases[] = {
	KT_CASE(test_live_sweep),
	KT_CASE(test_quiet),
	KT_CASE(test_probe),
	KT_CASE(test_memcap),
};

KT_MAIN("anomaly_icmp_sweep", cases)
