/*
 * test_port_scan.c - the port_scan behaviour detector on packets built as
 * the decoder leaves them: a vertical SYN scan answered by RSTs, a
 * horizontal echo sweep, a UDP sweep refused by ICMP errors are reported
 * (kind, score, explanation, evidence); a browser's many answered
 * connections, a device retrying a few unreachable servers, multicast and
 * a resolver's answers to many client ports (a one-way span) are not (a
 * scan from source port 53 to service ports is); the 600 s window restarts; a tiny table evicts cleanly.
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

static uint16_t src_port = 40000;   /* of the packets send() builds */

/* A packet src -> dst; tcp flags for proto 6, icmp type for proto 1. */
static void send(struct rig *r, struct kn_addr src, struct kn_addr dst, uint8_t proto,
		 uint16_t dport, uint8_t flags_or_type, int dir, double t)
{
	struct kn_packet p;
	memset(&p, 0, sizeof p);
	p.ip_version = 4;
	p.proto = proto;
	p.src = src;
	p.dst = dst;
	p.sport = src_port;
	p.dport = dport;
	p.tcp.flags = flags_or_type;
	p.icmp_type = flags_or_type;
	p.payload_len = proto == 1 ? 32 : 0;   /* echoes with data, as ping sends (icmp_sweep
						* reports empty ones of its own) */
	p.ts_ns = (uint64_t)(t * 1e9) + 1;
	p.index = ++r->n;
	p.flow = &r->flow;
	p.dir = (uint8_t)dir;
	r->flow.pkts[0] = r->flow.pkts[1] = 0;
	r->flow.pkts[dir] = 1;   /* each packet opens its own flow */
	kn_detect_packet(r->ctx, &p);
}

static void test_vertical(void)
{
	struct rig r;
	struct kn_addr a = v4(192, 168, 1, 7), v = v4(192, 168, 1, 1);
	rig_init(&r, 0);
	for (unsigned port = 1; port <= 100; port++) {
		send(&r, a, v, 6, (uint16_t)port, 0x02, 0, port * 0.01);
		if (port == 22 || port == 80)    /* two open ports answer */
			send(&r, v, a, 6, 40000, 0x12, 1, port * 0.01);
		else
			send(&r, v, a, 6, 40000, 0x14, 1, port * 0.01);
	}
	/* considered at 16 targets (0.5), 24 (0.65 < 1.5 x 0.5: held back), 36
	 * (0.79), 54 (0.90 < 1.5 x 0.79), ... */
	KT_EQ(r.seen.n, 2);
	KT_EQ_STR(r.seen.key, "192.168.1.7");
	KT_EQ_STR(r.seen.event, "PORT_SCAN_VERTICAL");
	KT_CHECK(r.seen.score > 0.789 && r.seen.score < 0.790);
	KT_CHECK(strstr(r.seen.expl, "192.168.1.7 probed 36 ports (1-36) of 192.168.1.1") != NULL);
	KT_CHECK(strstr(r.seen.evidence, "\"kind\":\"vertical\"") != NULL);
	/* at the 36th probe: the answers to ports 1-35 are in (22 open) */
	KT_CHECK(strstr(r.seen.evidence, "\"answered\":1,\"refused\":34") != NULL);
	kn_detect_ctx_free(r.ctx);
}

static void test_sweeps(void)
{
	struct rig r;
	rig_init(&r, 0);
	for (unsigned h = 1; h <= 40; h++)   /* echo sweep, 3 hosts answer */
		send(&r, v4(10, 0, 0, 9), v4(10, 0, 1, h), 1, 0, 8, 0, h * 0.1);
	for (unsigned h = 1; h <= 3; h++)
		send(&r, v4(10, 0, 1, h), v4(10, 0, 0, 9), 1, 0, 0, 1, 5 + h);
	KT_EQ(r.seen.n, 2);   /* at 16 and 36 hosts (40 probed) */
	KT_EQ_STR(r.seen.event, "PORT_SCAN_HORIZONTAL");
	/* counts are sketch bits: two of the 33 targets may share one */
	KT_CHECK(strncmp(r.seen.expl, "10.0.0.9 probed 3", 17) == 0);
	KT_CHECK(strstr(r.seen.expl, "hosts (1 ports)") != NULL);

	/* UDP to one port of many hosts, refused by ICMP port unreachable */
	for (unsigned h = 1; h <= 20; h++) {
		send(&r, v4(10, 0, 0, 50), v4(10, 0, 2, h), 17, 40125, 0, 0, 10 + h * 0.1);
		struct kn_packet e;
		memset(&e, 0, sizeof e);
		e.ip_version = 4, e.proto = 1, e.icmp_type = 3, e.icmp_code = 3;
		e.src = v4(10, 0, 2, h), e.dst = v4(10, 0, 0, 50);
		e.flags = KN_PKT_ICMP_ERROR;
		e.quote.src = v4(10, 0, 0, 50), e.quote.dst = e.src, e.quote.proto = 17;
		e.ts_ns = (uint64_t)((10 + h * 0.1) * 1e9), e.flow = &r.flow, e.dir = 0;
		kn_detect_packet(r.ctx, &e);
	}
	KT_EQ(r.seen.n, 3);
	KT_EQ_STR(r.seen.key, "10.0.0.50");
	/* at the 16th host or so (sketch bits): all earlier probes refused */
	KT_CHECK(strstr(r.seen.evidence, "\"answered\":0,\"refused\":1") != NULL);
	kn_detect_ctx_free(r.ctx);
}

static void test_benign(void)
{
	struct rig r;
	struct kn_addr pc = v4(10, 1, 0, 10), cam = v4(192, 168, 2, 113);
	rig_init(&r, 0);
	for (unsigned h = 1; h <= 100; h++) {   /* a browser: every connection answered */
		send(&r, pc, v4(93, 184, 0, h), 6, 443, 0x02, 0, h);
		send(&r, v4(93, 184, 0, h), pc, 6, 40000, 0x12, 1, h);
	}
	for (unsigned i = 0; i < 300; i++)      /* a camera retrying its 8 servers */
		send(&r, cam, v4(50, 19, 254, 1 + i % 8), 17, 10240, 0, 0, i * 0.5);
	for (unsigned i = 0; i < 100; i++)      /* mDNS, SSDP */
		send(&r, pc, v4(224, 0, 0, 251), 17, (uint16_t)(5353 + i), 0, 0, i);
	src_port = 53;   /* a resolver's answers alone (a one-way span) */
	for (unsigned h = 1; h <= 100; h++)
		send(&r, v4(10, 1, 0, 2), v4(10, 1, 1, h), 17, (uint16_t)(30000 + h), 0, 0, h);
	KT_EQ(r.seen.n, 0);
	for (unsigned port = 1; port <= 40; port++)   /* but from port 53 to ports < 1024 */
		send(&r, v4(10, 1, 0, 3), v4(10, 1, 1, 1), 17, (uint16_t)port, 0, 0, 200 + port);
	src_port = 40000;
	KT_EQ(r.seen.n, 2);   /* at 16 and 36 ports */
	KT_EQ_STR(r.seen.key, "10.1.0.3");
	kn_detect_ctx_free(r.ctx);
}

static void test_window_and_eviction(void)
{
	struct rig r;
	struct kn_addr a = v4(10, 9, 9, 9), v = v4(10, 9, 9, 1);
	rig_init(&r, 1);   /* the smallest tables */
	for (unsigned port = 1; port <= 10; port++)   /* 10 targets, then quiet */
		send(&r, a, v, 6, (uint16_t)port, 0x02, 0, port);
	for (unsigned port = 11; port <= 20; port++)  /* 10 more, 700 s later: new window */
		send(&r, a, v, 6, (uint16_t)port, 0x02, 0, 700 + port);
	KT_EQ(r.seen.n, 0);
	for (unsigned h = 0; h < 5000; h++) {         /* many sources through a small table */
		/* 16 a second (1000 a second never completing would be flood's) */
		send(&r, v4(172, 16, h >> 8, h & 255), v, 6, 80, 0x02, 0, 800 + h * 0.06);
		/* v answers (a silent v would be dark_addr's finding) */
		send(&r, v, v4(172, 16, h >> 8, h & 255), 6, 40000, 0x12, 1, 800 + h * 0.06);
	}
	struct kn_detect_stats st;
	kn_detect_stats(r.ctx, &st);
	KT_EQ(r.seen.n, 0);
	KT_CHECK(st.memuse < 2u << 20);
	kn_detect_ctx_free(r.ctx);
}

static const struct kt_case cases[] = {
	KT_CASE(test_vertical),
	KT_CASE(test_sweeps),
	KT_CASE(test_benign),
	KT_CASE(test_window_and_eviction),
};

KT_MAIN("anomaly_port_scan", cases)
