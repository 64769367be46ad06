/*
 * test_arp.c - the arp behaviour detector on ARP packets as decode leaves
 * them (KN_PKT_ARP, no flow): an unanswered sweep of a /24 is ARP_SCAN
 * about the sender's IP and MAC from its 16th target; a new MAC claiming
 * the gateway's address while the gateway is alive is ARP_SPOOF about the
 * claiming MAC (the gateway's own later replies are not); a capture that
 * starts with the poisoning (unsolicited unicast replies) is ARP_SPOOF
 * too. Not reported: a gateway refreshing a few neighbours, a host with
 * two addresses, an address taken over after its holder fell silent,
 * answered requests, replies to requests the sensor missed, IP packets; a
 * tiny memcap stays bounded.
 */
#include <stdio.h>
#include <string.h>

#include "../../kt.h"

#include "detect_test.h"

#define ETH_BCAST ((const uint8_t *)"\xff\xff\xff\xff\xff\xff")

static const uint8_t gw_mac[6] = { 0x4c, 0x09, 0xd4, 0xc6, 0x12, 0x7b };
static const uint8_t pc_mac[6] = { 0x5c, 0xcf, 0x7f, 0x05, 0xf2, 0xc6 };
static const uint8_t evil_mac[6] = { 0x00, 0xe0, 0x4d, 0x3c, 0x25, 0x7b };
static const uint8_t zero_mac[6];

static struct detected {
	unsigned n;
	int subject_set, subject_mac_set;
	uint8_t subject[4], subject_mac[6];
} last;

/* The rig's report callback, plus the subject of the last finding. */
static void on_report(void *user, const struct kn_detection *d)
{
	rig_on_report(user, d);
	last.n++;
	last.subject_set = d->subject_set;
	last.subject_mac_set = d->subject_mac_set;
	memcpy(last.subject, d->subject.b, 4);
	memcpy(last.subject_mac, d->subject_mac, 6);
}

static void arp_rig(struct rig *r, uint64_t memcap)
{
	struct kn_detect_config cfg;
	struct kn_detect_callbacks cb = { .report = on_report, .user = &r->seen };
	char err[KN_ERRBUF_SIZE];

	rig_init(r, 0);
	kn_detect_ctx_free(r->ctx);
	kn_detect_config_default(&cfg);
	if (memcap)
		cfg.memcap = memcap;
	r->ctx = kn_detect_ctx_new(&cfg, &cb, err);
	KT_REQUIRE(r->ctx != NULL);
	memset(&last, 0, sizeof last);
}

/* An ARP packet at t seconds: op, sender MAC/IP, target MAC/IP; the
 * Ethernet destination is broadcast for requests, the target for replies. */
static void arp(struct rig *r, uint16_t op, const uint8_t sha[6], unsigned sip,
		const uint8_t tha[6], unsigned tip, double t)
{
	struct kn_packet p;
	memset(&p, 0, sizeof p);
	p.flags = KN_PKT_ARP | KN_PKT_ETH;
	p.ts_ns = (uint64_t)(t * 1e9) + 1;
	p.index = ++r->n;
	memcpy(p.eth_src, sha, 6);
	memcpy(p.eth_dst, op == 1 ? ETH_BCAST : tha, 6);
	p.arp.op = op;
	memcpy(p.arp.sha, sha, 6);
	memcpy(p.arp.tha, tha, 6);
	const uint8_t s[4] = { 192, 168, 2, (uint8_t)sip }, d[4] = { 192, 168, 2, (uint8_t)tip };
	memcpy(p.arp.spa, s, 4);
	memcpy(p.arp.tpa, d, 4);
	kn_detect_packet(r->ctx, &p);
}

static void test_sweep(void)
{
	struct rig r;
	arp_rig(&r, 0);
	static const uint8_t scanner[6] = { 0x00, 0x0c, 0x29, 0x20, 0xa8, 0x7f };
	for (unsigned h = 0; h < 15; h++)
		arp(&r, 1, scanner, 128, zero_mac, h, h * 0.004);
	KT_EQ(r.seen.n, 0);
	arp(&r, 1, scanner, 128, zero_mac, 15, 0.06);   /* the 16th target */
	KT_EQ(r.seen.n, 1);
	KT_EQ(r.seen.pcap_cnt, 16);
	KT_EQ_STR(r.seen.detector, "arp");
	KT_EQ_STR(r.seen.event, "ARP_SCAN");
	KT_EQ_STR(r.seen.key, "00:0c:29:20:a8:7f");
	KT_CHECK(r.seen.score > 0.49 && r.seen.score < 0.51);   /* 1 - 2^-1 */
	KT_EQ_STR(r.seen.expl, "192.168.2.128 (00:0c:29:20:a8:7f) asked who has 16 addresses "
		  "(192.168.2.0 ... 192.168.2.15) in 0.1 s with 16 requests and got 0 replies: "
		  "an ARP sweep mapping the local network");
	KT_CHECK(strstr(r.seen.evidence, "\"targets\":16,\"requests\":16,\"replies\":0") != NULL);
	const uint8_t ip[4] = { 192, 168, 2, 128 };
	KT_CHECK(last.subject_set && !memcmp(last.subject, ip, 4));
	KT_CHECK(last.subject_mac_set && !memcmp(last.subject_mac, scanner, 6));
	/* the rest of the /24: again at 24 (0.65: held back by the context's
	 * rate limit), 36 (0.79), 54, 81, 122, 183 (0.9+: held back) */
	for (unsigned h = 16; h < 256; h++)
		arp(&r, 1, scanner, 128, zero_mac, h, 0.06 + h * 0.004);
	KT_CHECK(r.seen.n >= 2 && r.seen.n <= 4);
	kn_detect_ctx_free(r.ctx);
}

/* A sweep whose requests share one time stamp (an even one: no window
 * start may be 1 ns past it) is one window of 0 s. */
static void test_same_time(void)
{
	struct rig r;
	struct kn_packet p;
	static const uint8_t scanner[6] = { 2, 0, 0, 0, 0, 0x66 };
	arp_rig(&r, 0);
	memset(&p, 0, sizeof p);
	p.flags = KN_PKT_ARP | KN_PKT_ETH;
	p.arp.op = 1;
	memcpy(p.arp.sha, scanner, 6);
	memcpy(p.eth_src, scanner, 6);
	const uint8_t ip[4] = { 10, 0, 0, 66 };
	memcpy(p.arp.spa, ip, 4);
	for (unsigned h = 0; h < 20; h++) {   /* 16 distinct map bits, or a few more */
		const uint8_t t[4] = { 10, 0, 1, (uint8_t)h };
		memcpy(p.arp.tpa, t, 4);
		p.ts_ns = 2000000000ull;
		p.index = ++r.n;
		kn_detect_packet(r.ctx, &p);
	}
	KT_EQ(r.seen.n, 1);
	KT_CHECK(strstr(r.seen.expl, "asked who has 16 addresses (10.0.1.0 ... 10.0.1.") != NULL);
	KT_CHECK(strstr(r.seen.expl, ") in 0.0 s with ") != NULL);
	KT_CHECK(strstr(r.seen.evidence, "\"window_s\":0.000") != NULL);
	kn_detect_ctx_free(r.ctx);
}

static void test_spoof(void)
{
	struct rig r;
	arp_rig(&r, 0);
	/* the gateway (.1) and a PC (.108) learn each other */
	arp(&r, 1, gw_mac, 1, zero_mac, 108, 0);
	arp(&r, 2, pc_mac, 108, gw_mac, 1, 0.001);
	arp(&r, 1, pc_mac, 108, zero_mac, 1, 300);
	arp(&r, 2, gw_mac, 1, pc_mac, 108, 300.001);
	KT_EQ(r.seen.n, 0);
	/* the attacker tells the PC it is the gateway */
	arp(&r, 2, evil_mac, 1, pc_mac, 108, 400);
	KT_EQ(r.seen.n, 1);
	KT_EQ_STR(r.seen.event, "ARP_SPOOF");
	KT_EQ_STR(r.seen.key, "00:e0:4d:3c:25:7b 192.168.2.1");
	KT_CHECK(r.seen.score > 0.89 && r.seen.score < 0.91);
	KT_EQ_STR(r.seen.expl, "00:e0:4d:3c:25:7b claims 192.168.2.1 in an ARP reply, but "
		  "4c:09:d4:c6:12:7b has held that address for 400 s and asserted it 100 s ago: "
		  "ARP spoofing, 00:e0:4d:3c:25:7b is putting itself in the middle of "
		  "192.168.2.1's traffic");
	KT_CHECK(strstr(r.seen.evidence, "\"holder_mac\":\"4c:09:d4:c6:12:7b\",\"claiming_mac\":"
			"\"00:e0:4d:3c:25:7b\",\"op\":\"reply\",\"gratuitous\":false") != NULL);
	KT_CHECK(last.subject_mac_set && !memcmp(last.subject_mac, evil_mac, 6));
	KT_CHECK(!last.subject_set);   /* never the victim's address */
	/* the real gateway answering again is not a change of binding */
	arp(&r, 1, pc_mac, 108, zero_mac, 1, 410);
	arp(&r, 2, gw_mac, 1, pc_mac, 108, 410.001);
	KT_EQ(r.seen.n, 1);
	kn_detect_ctx_free(r.ctx);
}

static void test_poisoning_from_the_start(void)
{
	struct rig r;
	arp_rig(&r, 0);
	/* no binding known: replies nobody asked for, to two victims */
	for (unsigned i = 0; i < 2; i++) {
		arp(&r, 2, evil_mac, 153, pc_mac, 157, i);
		arp(&r, 2, evil_mac, 157, gw_mac, 153, i + 0.0001);
	}
	KT_EQ(r.seen.n, 1);   /* at the third */
	KT_EQ(r.seen.pcap_cnt, 3);
	KT_EQ_STR(r.seen.event, "ARP_SPOOF");
	KT_EQ_STR(r.seen.key, "00:e0:4d:3c:25:7b");
	KT_CHECK(r.seen.score > 0.69 && r.seen.score < 0.71);
	KT_CHECK(strstr(r.seen.expl, "sent 3 ARP replies nobody asked for in 1 s, claiming "
			"192.168.2.153, 192.168.2.157") != NULL);
	KT_CHECK(strstr(r.seen.evidence, "\"claimed_ips\":[\"192.168.2.153\",\"192.168.2.157\"]")
		 != NULL);
	KT_CHECK(last.subject_mac_set && !memcmp(last.subject_mac, evil_mac, 6));
	kn_detect_ctx_free(r.ctx);
}

static void test_quiet(void)
{
	struct rig r;
	arp_rig(&r, 0);
	static const uint8_t two_ips[6] = { 0x50, 0xc7, 0xbf, 0x1c, 0x9c, 0xa6 };
	for (unsigned round = 0; round < 20; round++) {
		double t = round * 60.0;
		/* the gateway refreshes 6 neighbours a minute; they answer */
		for (unsigned h = 101; h <= 106; h++) {
			arp(&r, 1, gw_mac, 1, zero_mac, h, t + h * 0.01);
			arp(&r, 2, pc_mac, h, gw_mac, 1, t + h * 0.01 + 0.001);
		}
		/* a host with two addresses asks for the gateway from both */
		arp(&r, 1, two_ips, 117, zero_mac, 1, t + 5);
		arp(&r, 2, gw_mac, 1, two_ips, 117, t + 5.001);
		arp(&r, 1, two_ips, 120, zero_mac, 1, t + 6);
		arp(&r, 2, gw_mac, 1, two_ips, 120, t + 6.001);
		/* gratuitous announcements */
		arp(&r, 1, two_ips, 117, zero_mac, 117, t + 7);
		arp(&r, 2, gw_mac, 1, ETH_BCAST, 1, t + 8);
	}
	/* an address (.50) whose holder fell silent is taken over quietly */
	arp(&r, 1, evil_mac, 50, zero_mac, 1, 1300);
	arp(&r, 1, pc_mac, 50, zero_mac, 1, 1300 + 601);
	/* replies to requests the sensor did not see (one direction of a
	 * link), each for the replier's own address */
	for (unsigned i = 0; i < 10; i++)
		arp(&r, 2, pc_mac, 108, gw_mac, 1, 1500 + i);
	/* a sweep that is answered (a live subnet) */
	for (unsigned h = 0; h < 40; h++) {
		arp(&r, 1, gw_mac, 1, zero_mac, h + 2, 2000 + h * 0.01);
		arp(&r, 2, pc_mac, h + 2, gw_mac, 1, 2000 + h * 0.01 + 0.001);
	}
	KT_EQ(r.seen.n, 0);
	/* IP packets of flows: not for this detector */
	struct kn_packet p;
	memset(&p, 0, sizeof p);
	p.ip_version = 4;
	p.flags = KN_PKT_ETH;
	p.flow = &r.flow;
	for (unsigned i = 0; i < 100; i++) {
		p.ts_ns = (uint64_t)(3000 + i) * 1000000000ull;
		p.index = ++r.n;
		kn_detect_packet(r.ctx, &p);
	}
	KT_EQ(r.seen.n, 0);
	kn_detect_ctx_free(r.ctx);
}

static void test_memcap(void)
{
	struct rig r;
	struct kn_detect_stats st0, st;
	struct kn_packet p;
	arp_rig(&r, 64u << 10);   /* a few KiB for arp's tables */
	memset(&p, 0, sizeof p);
	p.flags = KN_PKT_ARP | KN_PKT_ETH;
	p.arp.op = 1;
	kn_detect_stats(r.ctx, &st0);
	/* 20,000 hosts, each asking for one neighbour once */
	for (unsigned i = 0; i < 20000; i++) {
		const uint8_t mac[6] = { 2, 0, (uint8_t)(i >> 16), (uint8_t)(i >> 8), (uint8_t)i, 1 };
		const uint8_t ip[4] = { 10, (uint8_t)(i >> 16), (uint8_t)(i >> 8), (uint8_t)i };
		memcpy(p.arp.sha, mac, 6);
		memcpy(p.eth_src, mac, 6);
		memcpy(p.arp.spa, ip, 4);
		p.arp.tpa[0] = 10;
		p.arp.tpa[3] = (uint8_t)(i * 7);
		p.ts_ns = (uint64_t)i * 10000000ull + 1;
		p.index = ++r.n;
		kn_detect_packet(r.ctx, &p);
	}
	kn_detect_stats(r.ctx, &st);
	KT_EQ(st.memuse, st0.memuse);   /* fixed tables, evicting */
	KT_EQ(r.seen.n, 0);
	kn_detect_ctx_free(r.ctx);
}

static const struct kt_case cases[] = {
	KT_CASE(test_sweep),
	KT_CASE(test_same_time),
	KT_CASE(test_spoof),
	KT_CASE(test_poisoning_from_the_start),
	KT_CASE(test_quiet),
	KT_CASE(test_memcap),
};

KT_MAIN("anomaly_arp", cases)
