/*
 * test_dns_tunnel.c - the behaviour detector registry and its first
 * detector, dns_tunnel, driven as a worker drives them: DNS query
 * transactions (the dns.query buffer) on a flow. Tunnels of the real tools'
 * name shapes (iodine's base32 labels, dnscat2's hex) are reported after
 * the configured number of distinct long random subdomains, with score,
 * key, explanation and evidence; what ordinary lookups do (one long CDN
 * name again and again, long English labels, reverse lookups, mDNS) is
 * not; many distinct subdomains are reported by volume; reports are rate
 * limited per key; the table evicts under a tiny memcap; on a flow that
 * carried no query (a one-way span), the answers' questions are read.
 */
#include <stdio.h>
#include <string.h>

#include "../../kt.h"

#include "detect_test.h"

static const char *cur_name;

/* cur_name as a query's dns.query, or for a tx of dir 1 (an answer here)
 * as the question it repeats (dns.response.query). */
static int one_name(const struct kn_tx *tx, unsigned buf, unsigned index,
		    const uint8_t **data, uint32_t *len)
{
	if (buf != (tx->dir ? KN_BUF_DNS_RESPONSE_QUERY : KN_BUF_DNS_QUERY) || index)
		return 0;
	*data = (const uint8_t *)cur_name;
	*len = (uint32_t)strlen(cur_name);
	return 1;
}

/* A query for name at second t. */
static void ask(struct rig *r, const char *name, double t)
{
	struct kn_tx tx = { .id = r->n, .buffer = one_name };
	cur_name = name;
	kn_detect_tx(r->ctx, &r->flow, "dns", &tx, (uint64_t)(t * 1e9) + 1, ++r->n);
}

static void test_tunnel(void)
{
	static const char *const names[] = {
		"vaaaakardli.pirate.sea",   /* short: not long enough */
		"laegpumiplhhpz12ynd1efljwlkjcgwy.pirate.sea",
		"LAEGPUMIPLHHPZ12YND1EFLJWLKJCGWY.pirate.sea.",   /* the same, case and dot */
		"147901b8d3df9cc46c59d600078b3316ce.pirate.sea",
		"yrbi02.pirate.sea",
		"504d01b8d3d714495f7e54000838b18a3b.pirate.sea",
	};
	struct rig r;
	rig_init(&r, 0);
	for (unsigned i = 0; i < 6; i++)
		ask(&r, names[i], i);
	KT_EQ(r.seen.n, 1);                         /* the third is rate-limited */
	KT_EQ(r.seen.pcap_cnt, 4);                  /* the second distinct one */
	KT_EQ_STR(r.seen.key, "pirate.sea");
	KT_EQ_STR(r.seen.detector, "dns_tunnel");
	KT_CHECK(r.seen.score > 0.68 && r.seen.score < 0.69);   /* 1 - 2^(-2/3) / 2 */
	KT_CHECK(strstr(r.seen.expl, "2 distinct long random-looking subdomains") != NULL);
	KT_CHECK(strstr(r.seen.evidence, "\"queries\":4") != NULL);
	KT_CHECK(strstr(r.seen.evidence, "\"long_random_subdomains\":2") != NULL);
	KT_CHECK(strstr(r.seen.evidence, "\"example\":\"laegpumiplhhpz12ynd1efljwlkjcgwy."
			     "pirate.sea\"") != NULL);
	struct kn_detect_stats st;
	kn_detect_stats(r.ctx, &st);
	KT_EQ(st.tx_seen, 6);
	KT_EQ(st.reports, 1);
	kn_detect_ctx_free(r.ctx);
}

static uint64_t cur_type;

static int one_type(const struct kn_tx *tx, unsigned what, unsigned index, uint64_t *out)
{
	(void)tx;
	if (what != KN_TXN_DNS_RRTYPE || index)
		return 0;
	*out = cur_type;
	return 1;
}

/* iodine asks for NULL records (type 10) from its first short handshake
 * name on: one such question is a report; the same names as A, TXT or
 * MX questions are not (too short), nor is a tx that gives no types. */
static void test_null_records(void)
{
	static const uint64_t types[] = { 1, 16, 15, 28 };
	struct rig r;
	rig_init(&r, 0);
	for (unsigned i = 0; i < 4; i++) {
		struct kn_tx tx = { .id = r.n, .buffer = one_name, .number = one_type };
		cur_name = "yrb0pe.t1.biillpi.com";
		cur_type = types[i];
		kn_detect_tx(r.ctx, &r.flow, "dns", &tx, (uint64_t)i * 1000000000u + 1, ++r.n);
	}
	ask(&r, "yrb0pe.t1.biillpi.com", 5);        /* no number(): type unknown */
	KT_EQ(r.seen.n, 0);
	struct kn_tx tx = { .id = r.n, .buffer = one_name, .number = one_type };
	cur_name = "vaaaakaxj2u.t1.biillpi.com";
	cur_type = 10;
	kn_detect_tx(r.ctx, &r.flow, "dns", &tx, 6000000001u, ++r.n);
	KT_EQ(r.seen.n, 1);
	KT_EQ(r.seen.pcap_cnt, 6);
	KT_EQ_STR(r.seen.key, "biillpi.com");
	KT_CHECK(r.seen.score > 0.59 && r.seen.score < 0.61);
	KT_CHECK(strstr(r.seen.expl, "1 queries for NULL records") != NULL);
	KT_CHECK(strstr(r.seen.evidence, "\"null_queries\":1") != NULL);
	KT_CHECK(strstr(r.seen.evidence, "\"example\":\"vaaaakaxj2u.t1.biillpi.com\"") != NULL);
	kn_detect_ctx_free(r.ctx);
}

/* Answers only, as a sensor on a one-way span sees them: the flow's first
 * packet is the resolver's (its src), the client sent nothing. Their
 * questions count: dnscat2-like names are reported at the second distinct
 * one, a NULL question at once. The same answers on flows whose client
 * sent its query are not read (the query was), so nothing is reported. */
static void test_one_way(void)
{
	static const char *const names[] = {
		"147901b8d3df9cc46c59d600078b3316ce.pirate.sea",
		"504d01b8d3d714495f7e54000838b18a3b.pirate.sea",
		"9a1c01b8d3e2fd2f0f0c2a00083a7b1c55.pirate.sea",
	};
	for (int two_way = 0; two_way < 2; two_way++) {
		struct rig r;
		rig_init(&r, 0);
		r.flow.key.sport = 53;
		r.flow.pkts[0] = 1;   /* the answer */
		r.flow.pkts[1] = (uint64_t)two_way;   /* the query, when seen */
		for (unsigned i = 0; i < 3; i++) {
			struct kn_tx tx = { .id = r.n, .dir = 1, .buffer = one_name };
			cur_name = names[i];
			kn_detect_tx(r.ctx, &r.flow, "dns", &tx, (uint64_t)i * 1000000000u + 1, ++r.n);
		}
		struct kn_tx tx = { .id = r.n, .dir = 1, .buffer = one_name, .number = one_type };
		cur_name = "vaaaakaxj2u.t1.biillpi.com";
		cur_type = 10;
		kn_detect_tx(r.ctx, &r.flow, "dns", &tx, 6000000001u, ++r.n);
		if (two_way) {
			KT_EQ(r.seen.n, 0);
		} else {
			KT_EQ(r.seen.n, 2);
			KT_EQ_STR(r.seen.key, "biillpi.com");   /* the last: the NULL question */
			KT_EQ(r.seen.pcap_cnt, 4);
		}
		kn_detect_ctx_free(r.ctx);
	}
}

static void test_ordinary(void)
{
	char name[256];
	struct rig r;
	rig_init(&r, 0);
	for (unsigned i = 0; i < 50; i++) {
		/* a load balancer's long name, asked again and again */
		ask(&r, "internal-api-gw-7f3k2p9q1x.us-east-1.elb.amazonaws.com", i);
		ask(&r, "www.example.com", i);
		/* long labels made of words */
		snprintf(name, sizeof name, "%s.example.org", i % 3 == 0 ?
			 "thisisaverylongsubdomainname" : i % 3 == 1 ? "anotherquitelongwordyname" :
			 "documentationforeveryone");
		ask(&r, name, i);
		/* reverse lookups of many distinct addresses, mDNS */
		snprintf(name, sizeof name, "%u.%u.2.0.192.in-addr.arpa", i, 255 - i);
		ask(&r, name, i);
		snprintf(name, sizeof name, "host-%08x-%08x._http._tcp.local", i * 2654435761u, i);
		ask(&r, name, i);
	}
	KT_EQ(r.seen.n, 0);
	kn_detect_ctx_free(r.ctx);
}

static void test_volume_and_rate(void)
{
	char name[256];
	struct rig r;
	rig_init(&r, 0);
	/* short, low-entropy but ever new names: a tunnel by volume */
	for (unsigned i = 0; i < 200; i++) {
		snprintf(name, sizeof name, "user%06u.data.example.net", i * 7);
		ask(&r, name, i * 0.5);
	}
	KT_EQ(r.seen.n, 1);
	KT_EQ_STR(r.seen.key, "example.net");
	KT_CHECK(strstr(r.seen.expl, "distinct subdomains") != NULL);
	KT_CHECK(r.seen.score > 0.69 && r.seen.score < 0.71);
	/* 128 distinct came within repeat_s (300 s) of the first report: that
	 * one was suppressed; 256, much later, is reported */
	struct kn_detect_stats st;
	kn_detect_stats(r.ctx, &st);
	KT_EQ(st.suppressed, 1);
	for (unsigned i = 0; i < 1000 && r.seen.n == 1; i++) {
		snprintf(name, sizeof name, "user%06u.data.example.net", 900000 + i);
		ask(&r, name, 1000 + i);
	}
	KT_EQ(r.seen.n, 2);
	if (!strstr(r.seen.expl, "distinct subdomains (mean 15 bytes)"))
		KT_EQ_STR(r.seen.expl, "... distinct subdomains (mean 15 bytes) ...");
	kn_detect_ctx_free(r.ctx);
}

static void test_country_code_base_and_memcap(void)
{
	char name[256];
	struct rig r;
	rig_init(&r, 1);   /* the smallest table: 64 domains */
	for (unsigned i = 0; i < 3; i++) {
		snprintf(name, sizeof name, "q%07xzk9w4m2b8n6v1c3x5z7%u.exfil.example.co.uk", i, i);
		ask(&r, name, i);
	}
	KT_EQ(r.seen.n, 1);
	KT_EQ_STR(r.seen.key, "example.co.uk");
	for (unsigned i = 0; i < 1000; i++) {   /* many domains through a tiny table */
		snprintf(name, sizeof name, "www.site%u.example", i);
		ask(&r, name, 10 + i);
	}
	struct kn_detect_stats st;
	kn_detect_stats(r.ctx, &st);
	/* + 64 KiB: the other detectors' smallest tables (16 entries each) */
	KT_CHECK(st.memuse < 64 * 1024 + 4096 * 32 + 64 * 1024);
	KT_EQ(r.seen.n, 1);
	kn_detect_ctx_free(r.ctx);
}

static void test_disabled_and_bad_config(void)
{
	struct kn_detect_config cfg;
	struct kn_detect_callbacks cb = { 0 };
	char err[KN_ERRBUF_SIZE] = "";

	kn_detect_config_default(&cfg);
	cfg.dns_min_label = 2;
	KT_CHECK(kn_detect_ctx_new(&cfg, &cb, err) == NULL);
	KT_CHECK(strstr(err, "dns_min_label") != NULL);
	kn_detect_config_default(&cfg);
	cfg.enabled = 0;
	struct kn_detect_ctx *c = kn_detect_ctx_new(&cfg, &cb, err);
	KT_REQUIRE(c != NULL);
	struct kn_flow f;
	memset(&f, 0, sizeof f);
	struct kn_tx tx = { .buffer = one_name };
	cur_name = "laegpumiplhhpz12ynd1efljwlkjcgwy.pirate.sea";
	kn_detect_tx(c, &f, "dns", &tx, 1, 1);   /* nothing runs */
	kn_detect_ctx_free(c);
}

static const struct kt_case cases[] = {
	KT_CASE(test_tunnel),
	KT_CASE(test_null_records),
	KT_CASE(test_one_way),
	KT_CASE(test_ordinary),
	KT_CASE(test_volume_and_rate),
	KT_CASE(test_country_code_base_and_memcap),
	KT_CASE(test_disabled_and_bad_config),
};

KT_MAIN("anomaly_dns_tunnel", cases)
