/*
 * test_verdict.c - the per-packet verdicts (src/engine/verdict.h) and the
 * detector context's verdict hook: a finding latches its subject host (an
 * explicit IP, the flow side named by dir, a MAC) for latch_s of packet
 * time, a packet scores the highest latched score of its hosts, a lower
 * later report takes over when the higher one expires, a clock that goes
 * back stays latched, a tiny table evicts the least recently reported host;
 * and in the detector context, informational findings (rarity) never reach
 * the verdict hook while behaviour findings (port_scan) do, suppressed
 * repeats included.
 */
#include <stdio.h>
#include <string.h>

#include "../../kt.h"

#include "engine/verdict.h"
#include "kenchi/detector.h"

#define S(x) ((uint64_t)((x) * 1e9))

static struct kn_addr ip4(unsigned a, unsigned b, unsigned c, unsigned d)
{
	struct kn_addr x;
	memset(&x, 0, sizeof x);
	x.b[0] = (uint8_t)a, x.b[1] = (uint8_t)b, x.b[2] = (uint8_t)c, x.b[3] = (uint8_t)d;
	return x;
}

static const uint8_t mac_a[6] = { 0x00, 0xe0, 0x4d, 0x3c, 0x25, 0x7b };
static const uint8_t mac_b[6] = { 0x4c, 0x09, 0xd4, 0xc6, 0x12, 0x7b };

/* An IPv4 packet src -> dst at t seconds, with Ethernet addresses when
 * esrc is not NULL. */
static struct kn_packet ip_pkt(struct kn_addr src, struct kn_addr dst, double t,
			       const uint8_t *esrc, const uint8_t *edst)
{
	struct kn_packet p;
	memset(&p, 0, sizeof p);
	p.ip_version = 4;
	p.src = src;
	p.dst = dst;
	p.ts_ns = S(t);
	if (esrc) {
		memcpy(p.eth_src, esrc, 6);
		memcpy(p.eth_dst, edst, 6);
		p.flags |= KN_PKT_ETH;
	}
	return p;
}

static struct kn_detection ip_finding(struct kn_addr a, double score, double t)
{
	struct kn_detection d;
	memset(&d, 0, sizeof d);
	d.subject = a;
	d.subject_set = 1;
	d.score = score;
	d.ts_ns = S(t);
	return d;
}

static void test_ip_latch_and_expiry(void)
{
	char err[KN_ERRBUF_SIZE];
	struct verdict_table *v = verdict_new(1 << 16, 600, err);
	KT_REQUIRE(v != NULL);
	struct kn_addr scanner = ip4(192, 168, 2, 7), victim = ip4(192, 168, 2, 2),
		       other = ip4(192, 168, 2, 9);
	struct kn_packet before = ip_pkt(scanner, victim, 99, NULL, NULL);

	KT_CHECK(verdict_score(v, &before) == 0);
	struct kn_detection d = ip_finding(scanner, 0.5, 100);
	verdict_note(v, &d);
	/* either direction of the scanner's traffic, not the bystanders' */
	struct kn_packet p1 = ip_pkt(scanner, victim, 100, NULL, NULL);
	struct kn_packet p2 = ip_pkt(victim, scanner, 400, NULL, NULL);
	struct kn_packet p3 = ip_pkt(victim, other, 400, NULL, NULL);
	KT_CHECK(verdict_score(v, &p1) == 0.5);
	KT_CHECK(verdict_score(v, &p2) == 0.5);
	KT_CHECK(verdict_score(v, &p3) == 0);
	/* a higher report at 300 s, a lower one at 800 s */
	d = ip_finding(scanner, 0.9, 300);
	verdict_note(v, &d);
	d = ip_finding(scanner, 0.3, 800);
	verdict_note(v, &d);
	struct kn_packet p4 = ip_pkt(scanner, other, 900, NULL, NULL);     /* 0.9 holds to 900 */
	struct kn_packet p5 = ip_pkt(scanner, other, 900.5, NULL, NULL);   /* then 0.3 */
	struct kn_packet p6 = ip_pkt(scanner, other, 1400, NULL, NULL);    /* 0.3 to 1400 */
	struct kn_packet p7 = ip_pkt(scanner, other, 1400.5, NULL, NULL);  /* nothing */
	struct kn_packet back = ip_pkt(scanner, other, 50, NULL, NULL);    /* clock went back */
	KT_CHECK(verdict_score(v, &p4) > 0.89 && verdict_score(v, &p4) < 0.91);
	KT_CHECK(verdict_score(v, &p5) > 0.29 && verdict_score(v, &p5) < 0.31);
	KT_CHECK(verdict_score(v, &p6) > 0.29 && verdict_score(v, &p6) < 0.31);
	KT_CHECK(verdict_score(v, &p7) == 0);
	KT_CHECK(verdict_score(v, &back) > 0.89);
	/* a report after everything expired starts afresh */
	d = ip_finding(scanner, 0.2, 3000);
	verdict_note(v, &d);
	struct kn_packet p8 = ip_pkt(other, scanner, 3001, NULL, NULL);
	KT_CHECK(verdict_score(v, &p8) > 0.19 && verdict_score(v, &p8) < 0.21);
	verdict_free(v);
}

static void test_flow_side_and_mac(void)
{
	char err[KN_ERRBUF_SIZE];
	struct verdict_table *v = verdict_new(1 << 16, 60, err);
	KT_REQUIRE(v != NULL);
	struct kn_flow f;
	memset(&f, 0, sizeof f);
	f.key.ip_version = 4;
	f.key.src = ip4(10, 0, 0, 1);
	f.key.dst = ip4(10, 0, 0, 2);
	struct kn_detection d;
	memset(&d, 0, sizeof d);
	d.flow = &f;
	d.dir = 1;   /* about the flow's destination */
	d.score = 0.6;
	d.ts_ns = S(10);
	verdict_note(v, &d);
	struct kn_packet to_dst = ip_pkt(ip4(10, 0, 0, 3), ip4(10, 0, 0, 2), 20, NULL, NULL);
	struct kn_packet src_only = ip_pkt(ip4(10, 0, 0, 1), ip4(10, 0, 0, 3), 20, NULL, NULL);
	KT_CHECK(verdict_score(v, &to_dst) > 0.59 && verdict_score(v, &to_dst) < 0.61);
	KT_CHECK(verdict_score(v, &src_only) == 0);

	/* a MAC subject: the ARP spoofer; IP packets it forwards carry it */
	memset(&d, 0, sizeof d);
	memcpy(d.subject_mac, mac_a, 6);
	d.subject_mac_set = 1;
	d.score = 0.9;
	d.ts_ns = S(30);
	verdict_note(v, &d);
	struct kn_packet via = ip_pkt(ip4(1, 1, 1, 1), ip4(1, 1, 1, 2), 40, mac_b, mac_a);
	struct kn_packet not_via = ip_pkt(ip4(1, 1, 1, 1), ip4(1, 1, 1, 2), 40, mac_b, mac_b);
	struct kn_packet late = ip_pkt(ip4(1, 1, 1, 1), ip4(1, 1, 1, 2), 91, mac_a, mac_b);
	KT_CHECK(verdict_score(v, &via) > 0.89);
	KT_CHECK(verdict_score(v, &not_via) == 0);
	KT_CHECK(verdict_score(v, &late) == 0);   /* 61 s after, latch 60 s */
	/* an ARP packet from the spoofer: by MAC; by its sender IP too */
	struct kn_packet arp;
	memset(&arp, 0, sizeof arp);
	arp.flags = KN_PKT_ARP | KN_PKT_ETH;
	memcpy(arp.eth_src, mac_a, 6);
	memset(arp.eth_dst, 0xff, 6);
	arp.ts_ns = S(35);
	KT_CHECK(verdict_score(v, &arp) > 0.89);
	memcpy(arp.eth_src, mac_b, 6);
	memcpy(arp.arp.spa, f.key.dst.b, 4);   /* 10.0.0.2, latched at 0.6 */
	KT_CHECK(verdict_score(v, &arp) > 0.59 && verdict_score(v, &arp) < 0.61);
	verdict_free(v);
}

static void test_bounded(void)
{
	char err[KN_ERRBUF_SIZE];
	struct verdict_stats st;

	KT_CHECK(verdict_new(64, 600, err) == NULL);   /* below one set */
	KT_CHECK(strstr(err, "memcap") != NULL);
	KT_CHECK(verdict_new(1 << 16, -1, err) == NULL);
	struct verdict_table *v = verdict_new(600, 600, err);   /* one set of 8 */
	KT_REQUIRE(v != NULL);
	verdict_stats(v, &st);
	KT_EQ(st.slots, 8);
	for (unsigned i = 0; i < 9; i++) {
		struct kn_detection d = ip_finding(ip4(10, 1, 0, i), 0.5, i);
		verdict_note(v, &d);
	}
	verdict_stats(v, &st);
	KT_EQ(st.notes, 9);
	KT_EQ(st.evicted, 1);
	/* the first (least recently reported) host went */
	struct kn_packet first = ip_pkt(ip4(10, 1, 0, 0), ip4(8, 8, 8, 8), 10, NULL, NULL);
	struct kn_packet last = ip_pkt(ip4(10, 1, 0, 8), ip4(8, 8, 8, 8), 10, NULL, NULL);
	KT_CHECK(verdict_score(v, &first) == 0);
	KT_CHECK(verdict_score(v, &last) == 0.5);
	verdict_free(v);
}

/* ---- the detector context's verdict hook ---- */

/* The anomaly tests' rig, with a verdict hook: its report callback takes
 * the struct seen that starts struct hooks. */
#include "unit/anomaly/detect_test.h"
#include "unit/anomaly/det_packets.h"

struct hooks {
	struct seen seen;   /* first: rig_on_report's user */
	unsigned verdicts;
	char verdict_detector[32];
	struct kn_addr subject;
};

static void on_verdict(void *user, const struct kn_detection *d)
{
	struct hooks *h = user;
	h->verdicts++;
	snprintf(h->verdict_detector, sizeof h->verdict_detector, "%s", d->detector);
	h->subject = d->subject_set ? d->subject : d->dir ? d->flow->key.dst : d->flow->key.src;
}

static void hooked_rig(struct rig *r, struct hooks *h)
{
	struct kn_detect_config cfg;
	struct kn_detect_callbacks cb = { .report = rig_on_report, .verdict = on_verdict, .user = h };
	char err[KN_ERRBUF_SIZE];

	rig_init(r, 0);   /* then its context is replaced by one with the hook */
	kn_detect_ctx_free(r->ctx);
	memset(h, 0, sizeof *h);
	kn_detect_config_default(&cfg);
	r->ctx = kn_detect_ctx_new(&cfg, &cb, err);
	KT_REQUIRE(r->ctx != NULL);
}

static int vals_buffer(const struct kn_tx *tx, unsigned buf, unsigned index,
		       const uint8_t **data, uint32_t *len)
{
	const char *s = buf == KN_BUF_JA3_HASH ? "bbbb2222" : buf == KN_BUF_JA4_HASH ?
			"t12d0909h1_b" : buf == KN_BUF_TLS_SNI ? "evil.example" : NULL;
	(void)tx;
	if (index || !s)
		return 0;
	*data = (const uint8_t *)s;
	*len = (uint32_t)strlen(s);
	return 1;
}

static void test_info_detector_does_not_latch(void)
{
	struct rig r;
	struct hooks h;
	struct kn_addr pc = ip4(10, 0, 0, 5), web = ip4(93, 184, 216, 34);

	hooked_rig(&r, &h);
	pkt(&r, pc, web, 6, 40000, 443, 0x02, 0, 1, 0);   /* the host appears */
	/* after rarity's 300 s of learning: a first-seen JA3 (informational) */
	struct kn_tx x = { .id = 1, .buffer = vals_buffer };
	r.flow.key.src = pc;
	r.flow.key.dst = web;
	r.flow.key.dport = 443;
	r.flow.key.proto = 6;
	r.flow.key.ip_version = 4;
	kn_detect_tx(r.ctx, &r.flow, "tls", &x, S(410), ++r.n);
	KT_EQ(h.seen.n, 1);
	KT_EQ_STR(h.seen.detector, "rarity");
	KT_EQ(h.verdicts, 0);

	/* a vertical SYN scan refused by RSTs (port_scan, a behaviour): the
	 * verdict hook gets every finding, rate-limited repeats included */
	struct kn_addr a = ip4(192, 168, 1, 7), v = ip4(192, 168, 1, 1);
	r.flow.key.src = a;   /* the rig's one flow stands for each probe's */
	r.flow.key.dst = v;
	for (unsigned port = 1; port <= 100; port++) {
		pkt(&r, a, v, 6, 40000, (uint16_t)port, 0x02, 0, 1, 500 + port * 0.01);
		pkt(&r, v, a, 6, (uint16_t)port, 40000, 0x14, 1, 1, 500 + port * 0.01);
	}
	KT_CHECK(h.seen.n >= 2);
	KT_EQ_STR(h.seen.detector, "port_scan");
	KT_EQ_STR(h.verdict_detector, "port_scan");
	KT_CHECK(!memcmp(h.subject.b, a.b, 16));
	KT_CHECK(h.verdicts >= h.seen.n);
	kn_detect_ctx_free(r.ctx);
}

static const struct kt_case cases[] = {
	KT_CASE(test_ip_latch_and_expiry),
	KT_CASE(test_flow_side_and_mac),
	KT_CASE(test_bounded),
	KT_CASE(test_info_detector_does_not_latch),
};

KT_MAIN("engine_verdict", cases)
