/*
 * test_dark_addr.c - the dark_addr behaviour detector: an internal address
 * that never sent a packet, knocked on by three sources after the learning
 * period, is reported (again when its sources double); not reported:
 * knocks during learning, on live hosts, on a host that answers before the
 * third source, on external and broadcast addresses, UDP to a collector
 * that never answers, a server seen only through its clients' packets
 * (their ACKs after the SYN: a one-way span). Darknet mode: the prefix list parser (and its
 * errors), every source into the configured unused space reported once
 * (learning or not), a per-port surge of new sources reported against the
 * port's baseline and not a steady trickle. A tiny memcap stays bounded.
 */
#include <stdio.h>
#include <string.h>

#include "../../kt.h"

#include "detect_test.h"
#include "det_packets.h"

/* A SYN from src to dst:port opening its own flow. */
static void knock(struct rig *r, struct kn_addr src, struct kn_addr dst, uint16_t port, double t)
{
	pkt(r, src, dst, 6, 40000, port, 0x02, 0, 1, t);
}

static void test_inside(void)
{
	struct rig r;
	struct kn_addr gw = v4(10, 0, 0, 1), pc = v4(10, 0, 0, 5), pc2 = v4(10, 0, 0, 6),
		       live = v4(10, 0, 0, 50), outside = v4(203, 0, 113, 9);
	rig_init(&r, 0);
	knock(&r, pc, gw, 53, 0);
	knock(&r, live, gw, 123, 5);
	knock(&r, pc2, gw, 53, 6);
	for (unsigned s = 0; s < 5; s++)   /* during learning */
		knock(&r, v4(10, 0, 1, s + 1), v4(10, 0, 0, 99), 445, 10 + s);
	KT_EQ(r.seen.n, 0);
	knock(&r, pc, live, 22, 400);      /* a live host */
	knock(&r, pc2, live, 22, 401);
	knock(&r, outside, live, 22, 402);
	knock(&r, pc, v4(8, 8, 8, 8), 53, 403);
	knock(&r, pc2, v4(8, 8, 8, 8), 53, 403);
	knock(&r, outside, v4(8, 8, 8, 8), 53, 403);
	knock(&r, pc, v4(10, 0, 0, 255), 137, 404);
	knock(&r, pc2, v4(10, 0, 0, 255), 137, 404);
	knock(&r, outside, v4(10, 0, 0, 255), 137, 404);
	for (unsigned s = 0; s < 5; s++)   /* syslog to a collector that never answers */
		pkt(&r, v4(10, 0, 2, s + 1), v4(10, 0, 0, 60), 17, 40000, 514, 0, 0, 1, 404 + s);
	knock(&r, pc, v4(10, 0, 0, 201), 80, 405);   /* answers before the third */
	knock(&r, pc2, v4(10, 0, 0, 201), 80, 406);
	pkt(&r, v4(10, 0, 0, 201), pc2, 6, 80, 40000, 0x12, 1, 1, 406.1);
	knock(&r, outside, v4(10, 0, 0, 201), 80, 407);
	KT_EQ(r.seen.n, 0);

	knock(&r, pc, v4(10, 0, 0, 200), 445, 410);
	knock(&r, pc2, v4(10, 0, 0, 200), 445, 411);
	knock(&r, pc2, v4(10, 0, 0, 200), 139, 411.5);
	KT_EQ(r.seen.n, 0);
	knock(&r, outside, v4(10, 0, 0, 200), 22, 412);
	KT_EQ(r.seen.n, 1);
	KT_EQ_STR(r.seen.detector, "dark_addr");
	KT_EQ_STR(r.seen.event, "DARK_ADDRESS");
	KT_EQ_STR(r.seen.key, "10.0.0.200");
	KT_CHECK(r.seen.score > 0.499 && r.seen.score < 0.501);
	KT_CHECK(strstr(r.seen.expl, "internal address 10.0.0.200 has never sent a packet, yet "
			"3 sources (10.0.0.5, 10.0.0.6, 203.0.113.9) sent it 4 connection attempts "
			"over 2.0 s (last to port 22)") == r.seen.expl);
	KT_CHECK(strstr(r.seen.evidence, "\"first_sources\":[\"10.0.0.5\",\"10.0.0.6\","
			"\"203.0.113.9\"]") != NULL);
	for (unsigned s = 0; s < 3; s++)   /* the same three again: nothing new */
		knock(&r, s == 0 ? pc : s == 1 ? pc2 : outside, v4(10, 0, 0, 200), 23, 420 + s);
	KT_EQ(r.seen.n, 1);
	for (unsigned s = 0; s < 3; s++)   /* three more sources: 6 = twice 3 */
		knock(&r, v4(172, 16, 0, s + 1), v4(10, 0, 0, 200), 23, 430 + s);
	KT_EQ(r.seen.n, 2);
	KT_CHECK(r.seen.score > 0.749 && r.seen.score < 0.751);
	KT_CHECK(strstr(r.seen.expl, "6 sources (10.0.0.5, 10.0.0.6, 203.0.113.9, 172.16.0.1, "
			"...)") != NULL);
	kn_detect_ctx_free(r.ctx);
}

/* A new flow client:sport -> dst:443 whose only packets are a SYN at t1
 * and a second one with TCP flags `second` at t2, both from the client. */
static void syn_then(struct rig *r, struct kn_addr client, struct kn_addr dst, uint16_t sport,
		     uint8_t second, double t1, double t2)
{
	struct kn_packet p;
	memset(&r->flow, 0, sizeof r->flow);
	pkt_head(r, &p, client, dst, 6, sport, 443, 0x02, 0, t1);
	r->flow.pkts[0] = 1, r->flow.tcp_flags[0] = 0x02;
	kn_detect_packet(r->ctx, &p);
	pkt_head(r, &p, client, dst, 6, sport, 443, second, 0, t2);
	r->flow.pkts[0] = 2, r->flow.tcp_flags[0] |= second;
	kn_detect_packet(r->ctx, &p);
}

/* Only the inbound half of the traffic is seen (a one-way span): clients'
 * connections to an internal server that never shows a packet of its own.
 * A client's ACK after its SYN says the server answered: not dark. Three
 * sources whose SYNs are never followed by an ACK still report. */
static void test_one_way(void)
{
	struct rig r;
	struct kn_addr server = v4(10, 0, 0, 80), dark = v4(10, 0, 0, 81);
	rig_init(&r, 0);
	knock(&r, v4(10, 0, 0, 5), v4(10, 0, 0, 1), 53, 0);   /* learning starts */
	for (unsigned s = 0; s < 6; s++)
		syn_then(&r, v4(198, 51, 100, s + 1), server, (uint16_t)(40000 + s), 0x10, 400 + s,
			 400.1 + s);
	KT_EQ(r.seen.n, 0);
	for (unsigned s = 0; s < 3; s++)   /* SYN, then its retransmission */
		syn_then(&r, v4(198, 51, 100, s + 1), dark, (uint16_t)(41000 + s), 0x02, 410 + s,
			 411 + s);
	KT_EQ(r.seen.n, 1);
	KT_EQ_STR(r.seen.key, "10.0.0.81");
	kn_detect_ctx_free(r.ctx);
}

static void test_prefixes(void)
{
	struct kn_detect_prefix p[KN_DETECT_PREFIXES];
	char err[KN_ERRBUF_SIZE];

	KT_EQ(kn_detect_parse_prefixes("198.18.0.0/15,fd00::/8,192.0.2.7", p, 8, err), 3);
	KT_EQ(p[0].bits, 15);
	KT_EQ(p[1].v6, 1);
	KT_EQ(p[2].bits, 32);
	struct kn_addr a = v4(198, 19, 255, 1), b = v4(198, 20, 0, 1), c = v4(192, 0, 2, 7);
	KT_EQ(kn_detect_prefix_match(p, 3, &a, 0), 1);
	KT_EQ(kn_detect_prefix_match(p, 3, &b, 0), 0);
	KT_EQ(kn_detect_prefix_match(p, 3, &c, 0), 1);
	KT_EQ(kn_detect_prefix_match(p, 3, &c, 1), 0);   /* the same bytes as IPv6 */
	KT_EQ(kn_detect_parse_prefixes("10.0.0.0/8,bogus", p, 8, err), -KN_EINVAL);
	KT_CHECK(strstr(err, "\"bogus\" at column 12") != NULL);
	KT_EQ(kn_detect_parse_prefixes("10.0.0.0/33", p, 8, err), -KN_EINVAL);
	KT_EQ(kn_detect_parse_prefixes("1.0.0.0/8,2.0.0.0/8", p, 1, err), -KN_EINVAL);
	KT_CHECK(strstr(err, "more than 1 prefixes") != NULL);
	KT_EQ(kn_detect_parse_prefixes("", p, 8, err), 0);
}

/* A rig watching 198.18.0.0/15 as a darknet. */
static void rig_darknet(struct rig *r)
{
	struct kn_detect_config cfg;
	struct kn_detect_callbacks cb = { .report = rig_on_report, .user = &r->seen };
	char err[KN_ERRBUF_SIZE];

	memset(r, 0, sizeof *r);
	kn_detect_config_default(&cfg);
	KT_REQUIRE(kn_detect_parse_prefixes("198.18.0.0/15", cfg.dark_nets, KN_DETECT_PREFIXES,
					    err) == 1);
	cfg.n_dark_nets = 1;
	r->ctx = kn_detect_ctx_new(&cfg, &cb, err);
	KT_REQUIRE(r->ctx != NULL);
}

static void test_darknet(void)
{
	struct rig r;
	rig_darknet(&r);
	for (unsigned s = 0; s < 20; s++)   /* learning: sources yes, surges no */
		knock(&r, v4(45, 0, 0, s + 1), v4(198, 18, 0, s), 23, s);
	KT_EQ(r.seen.n, 20);
	KT_EQ_STR(r.seen.event, "DARKNET_SOURCE");
	knock(&r, v4(45, 9, 9, 9), v4(198, 18, 7, 7), 3389, 400);
	KT_EQ(r.seen.n, 21);
	KT_EQ_STR(r.seen.event, "DARKNET_SOURCE");
	KT_EQ_STR(r.seen.key, "45.9.9.9");
	KT_CHECK(strstr(r.seen.expl, "45.9.9.9 sent to 198.18.7.7 (port 3389/6), inside the "
			"configured unused address space") == r.seen.expl);
	knock(&r, v4(45, 9, 9, 9), v4(198, 18, 7, 8), 3389, 401);
	KT_EQ(r.seen.n, 21);

	/* port 80: 4 new sources per 600 s window for 5 windows, then 20: a
	 * baseline near 4 needs 4 x 4 + 5 = 21 */
	unsigned k = 0;
	for (unsigned w = 0; w < 5; w++)
		for (unsigned s = 0; s < 4; s++, k++)
			knock(&r, v4(60, 0, k >> 8, k & 255), v4(198, 19, 0, 1), 80,
			      1000 + w * 600 + s);
	for (unsigned s = 0; s < 20; s++, k++)
		knock(&r, v4(60, 0, k >> 8, k & 255), v4(198, 19, 0, 1), 80, 4000 + s);
	KT_EQ_STR(r.seen.event, "DARKNET_SOURCE");
	/* port 5555, never seen: 10 new sources in a window is a campaign */
	for (unsigned s = 0; s < 10; s++)
		knock(&r, v4(61, 0, 0, s + 1), v4(198, 19, 1, s), 5555, 5000 + s);
	KT_EQ_STR(r.seen.event, "DARKNET_PORT_SURGE");
	KT_EQ_STR(r.seen.key, "port 5555/tcp");
	KT_CHECK(strstr(r.seen.expl, "10 sources new to port 5555/tcp hit the darknet within "
			"600 s") == r.seen.expl);
	KT_CHECK(r.seen.score > 0.499 && r.seen.score < 0.501);
	/* 20 + 1 + 40 + 10 source reports and one surge */
	KT_EQ(r.seen.n, 72);
	kn_detect_ctx_free(r.ctx);
}

static void test_memcap(void)
{
	struct rig r;
	struct kn_detect_stats st;
	rig_init(&r, 1);
	for (unsigned s = 0; s < 20000; s++)
		knock(&r, v4(10, 7, s >> 8, s & 255), v4(10, 8, s & 255, s >> 8), 445, s * 0.01);
	kn_detect_stats(r.ctx, &st);
	KT_CHECK(st.memuse < 2u << 20);
	kn_detect_ctx_free(r.ctx);
}

static const struct kt_case cases[] = {
	KT_CASE(test_inside),
	KT_CASE(test_one_way),
	KT_CASE(test_prefixes),
	KT_CASE(test_darknet),
	KT_CASE(test_memcap),
};

KT_MAIN("anomaly_dark_addr", cases)
