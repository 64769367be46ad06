/*
 * test_beacon.c - the beacon behaviour detector on connection starts built
 * as the decoder and flow table leave them: a host calling one public
 * address every 30 s +- 0.5 s from after the learning period is reported
 * after 8 intervals (period, jitter, key, evidence); heartbeats that
 * existed during the learning period, jittery traffic, private and
 * broadcast destinations, a destination many sources call, and empty UDP
 * datagrams are not.
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

/* A connection start src -> dst:dport at second t (TCP SYN, or a UDP
 * datagram of payload bytes). */
static void start(struct rig *r, struct kn_addr src, struct kn_addr dst, uint8_t proto,
		  uint16_t dport, uint32_t payload, double t)
{
	struct kn_packet p;
	memset(&p, 0, sizeof p);
	p.ip_version = 4;
	p.proto = proto;
	p.src = src;
	p.dst = dst;
	p.sport = (uint16_t)(40000 + r->n % 20000);
	p.dport = dport;
	p.tcp.flags = KN_TCP_SYN;
	p.payload_len = payload;
	p.ts_ns = (uint64_t)(t * 1e9) + 1;
	p.index = ++r->n;
	r->flow.pkts[0] = 1;
	r->flow.pkts[1] = 0;
	p.flow = &r->flow;
	kn_detect_packet(r->ctx, &p);
}

/* A deterministic jitter in [-a, a]. */
static double jitter(unsigned i, double a)
{
	return a * ((double)((i * 2654435761u) % 1001) / 500.0 - 1.0);
}

static void test_beacon_after_learning(void)
{
	struct rig r;
	struct kn_addr pc = v4(10, 1, 0, 12), cam = v4(192, 168, 2, 126);
	rig_init(&r, 0);
	/* a known heartbeat from the start: every 40 s for an hour */
	for (unsigned i = 0; i < 90; i++)
		start(&r, cam, v4(54, 154, 5, 26), 17, 32100, 48, i * 40.0);
	KT_EQ(r.seen.n, 0);
	/* a new channel at 400 s: every 30 s +- 0.5 s */
	for (unsigned i = 0; i < 9; i++)
		start(&r, pc, v4(203, 0, 113, 50), 6, 80, 0, 400 + i * 30.0 + jitter(i, 0.5));
	KT_EQ(r.seen.n, 1);   /* at the 9th connection: 8 intervals */
	KT_EQ_STR(r.seen.key, "10.1.0.12->203.0.113.50:80");
	KT_EQ_STR(r.seen.event, "BEACON");
	KT_CHECK(r.seen.score >= 0.5 && r.seen.score <= 1);
	if (!strstr(r.seen.expl, "10.1.0.12 connected to 203.0.113.50 port 80 every "))
		KT_EQ_STR(r.seen.expl, "10.1.0.12 connected to 203.0.113.50 port 80 every ...");
	KT_CHECK(strstr(r.seen.evidence, "\"period_s\":29.") != NULL ||
		 strstr(r.seen.evidence, "\"period_s\":30.") != NULL);
	KT_CHECK(strstr(r.seen.evidence, "\"intervals\":8,\"connections\":9") != NULL);
	kn_detect_ctx_free(r.ctx);
}

static void test_not_beacons(void)
{
	struct rig r;
	struct kn_addr pc = v4(10, 1, 0, 12);
	rig_init(&r, 0);
	start(&r, pc, v4(10, 1, 0, 2), 17, 53, 40, 0);   /* the sensor's clock starts */
	for (unsigned i = 0; i < 40; i++) {
		double t = 400 + i * 30.0;
		/* a human: 10-60 s apart */
		start(&r, pc, v4(198, 51, 100, 7), 6, 443, 0, 400 + i * 35.0 + jitter(i, 25));
		/* internal polling, broadcast, loopback */
		start(&r, pc, v4(10, 7, 9, 6), 6, 445, 0, t);
		start(&r, pc, v4(192, 168, 1, 255), 17, 137, 50, t);
		start(&r, pc, v4(127, 0, 0, 1), 6, 389, 0, t);
		/* empty UDP datagrams */
		start(&r, pc, v4(198, 51, 100, 9), 17, 9999, 0, t);
		/* a service three hosts call on a timer (NTP-like) */
		for (unsigned h = 0; h < 3; h++)
			start(&r, v4(10, 1, 0, 20 + h), v4(198, 51, 100, 123), 17, 123, 48,
			      t + h * 0.001);
	}
	KT_EQ(r.seen.n, 0);
	kn_detect_ctx_free(r.ctx);
}

static const struct kt_case cases[] = {
	KT_CASE(test_beacon_after_learning),
	KT_CASE(test_not_beacons),
};

KT_MAIN("anomaly_beacon", cases)
