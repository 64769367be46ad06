/*
 * test_doh.c - the doh behaviour detector: a SYN to 1.1.1.1:443 is
 * reported at once with the client as subject (a second resolver within
 * repeat_s is held back by the context), DoQ to 8.8.8.8:853 over UDP and
 * an IPv6 resolver too; a TLS hello naming mozilla.cloudflare-dns.com at
 * another address is reported from the transaction; not reported: the
 * resolver's plain DNS, its port 80, its SYN-ACK, an ordinary HTTPS
 * server, look-alike names; a bad score is refused.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../../kt.h"

#include "detect_test.h"
#include "det_packets.h"
#include "det_focus.h"

static void test_resolver_address(void)
{
	struct focus f;
	struct kn_addr c = v4(192, 168, 2, 211);

	focus_init(&f, "doh", 0, NULL);
	fpkt(&f, c, v4(1, 1, 1, 1), 6, 44404, 443, KN_TCP_SYN, 0, 0, 1, 0, NULL, 0, 1);
	KT_EQ(f.r.seen.n, 1);
	KT_EQ(f.first_cnt, 1);
	KT_EQ_STR(f.r.seen.event, "ENCRYPTED_DNS");
	KT_EQ_STR(f.subject, "192.168.2.211");
	KT_EQ_STR(f.r.seen.key, "192.168.2.211");
	KT_CHECK(f.r.seen.score > 0.29 && f.r.seen.score < 0.31);
	KT_EQ_STR(f.r.seen.expl, "192.168.2.211 connected to 1.1.1.1 port 443, a public "
		  "dns-over-https resolver: name lookups bypassing the local resolver");
	KT_EQ_STR(f.r.seen.evidence, "\"evidence\":{\"client\":\"192.168.2.211\","
		  "\"resolver\":\"1.1.1.1\",\"port\":443,\"transport\":\"dns-over-https\"}");
	/* the same client again within repeat_s: held back */
	fpkt(&f, c, v4(9, 9, 9, 9), 6, 44405, 443, KN_TCP_SYN, 0, 0, 1, 0, NULL, 0, 2);
	KT_EQ(f.r.seen.n, 1);
	/* DNS over QUIC from another client */
	fpkt(&f, v4(192, 168, 2, 7), v4(8, 8, 8, 8), 17, 50000, 853, 0, 0, 0, 1, 0, "x", 1, 3);
	KT_EQ(f.r.seen.n, 2);
	KT_CHECK(strstr(f.r.seen.expl, "port 853, a public dns-over-tls/quic resolver") != NULL);
	kn_detect_ctx_free(f.r.ctx);
}

static void test_v6(void)
{
	struct focus f;
	struct kn_packet p;

	focus_init(&f, "doh", 0, NULL);
	memset(&p, 0, sizeof p);
	p.ip_version = 6;
	p.proto = 6;
	p.src.b[0] = 0xfd, p.src.b[15] = 5;
	memcpy(p.dst.b, "\x26\x06\x47\x00\x47\x00\0\0\0\0\0\0\0\0\x11\x11", 16);
	p.sport = 41000;
	p.dport = 443;
	p.tcp.flags = KN_TCP_SYN;
	p.ts_ns = 1000;
	p.index = 1;
	p.flow = &f.r.flow;
	f.r.flow.pkts[0] = 1;
	kn_detect_packet(f.r.ctx, &p);
	KT_EQ(f.r.seen.n, 1);
	KT_EQ_STR(f.subject, "fd00:0:0:0:0:0:0:5");
	KT_CHECK(strstr(f.r.seen.expl, "connected to 2606:4700:4700:0:0:0:0:1111 port 443") != NULL);
	kn_detect_ctx_free(f.r.ctx);
}

/* A TLS transaction whose SNI buffer is the test's name. */
static const char *tx_sni;

static int sni_buffer(const struct kn_tx *tx, unsigned buf, unsigned index,
		      const uint8_t **data, uint32_t *len)
{
	(void)tx;
	if (buf != KN_BUF_TLS_SNI || index)
		return 0;
	*data = (const uint8_t *)tx_sni;
	*len = (uint32_t)strlen(tx_sni);
	return 1;
}

static void hello(struct focus *f, struct kn_addr c, struct kn_addr s, const char *sni,
		  double t)
{
	struct kn_tx tx = { .buffer = sni_buffer };

	memset(&f->r.flow.key, 0, sizeof f->r.flow.key);
	f->r.flow.key.src = c;
	f->r.flow.key.dst = s;
	f->r.flow.key.sport = 50123;
	f->r.flow.key.dport = 443;
	f->r.flow.key.proto = 6;
	f->r.flow.key.ip_version = 4;
	tx_sni = sni;
	kn_detect_tx(f->r.ctx, &f->r.flow, "tls", &tx, (uint64_t)(t * 1e9), ++f->r.n);
}

static void test_sni(void)
{
	struct focus f;

	focus_init(&f, "doh", 0, NULL);
	hello(&f, v4(10, 0, 0, 3), v4(104, 16, 249, 249), "Mozilla.Cloudflare-DNS.com", 1);
	KT_EQ(f.r.seen.n, 1);
	KT_EQ_STR(f.subject, "10.0.0.3");
	KT_CHECK(strstr(f.r.seen.expl, "connected to 104.16.249.249 port 443 naming "
			"cloudflare-dns.com, a public dns-over-https") != NULL);
	KT_CHECK(strstr(f.r.seen.evidence, "\"sni\":\"cloudflare-dns.com\"") != NULL);
	hello(&f, v4(10, 0, 0, 4), v4(104, 16, 1, 1), "notcloudflare-dns.com", 2);
	hello(&f, v4(10, 0, 0, 4), v4(104, 16, 1, 1), "cloudflare-dns.com.example.org", 3);
	hello(&f, v4(10, 0, 0, 4), v4(104, 16, 1, 1), "www.google.com", 4);
	hello(&f, v4(10, 0, 0, 4), v4(104, 16, 1, 1), "google", 5);
	/* at a listed address the SYN was the finding */
	hello(&f, v4(10, 0, 0, 4), v4(8, 8, 8, 8), "dns.google", 6);
	KT_EQ(f.r.seen.n, 1);
	kn_detect_ctx_free(f.r.ctx);
}

static void test_quiet(void)
{
	struct focus f;
	struct kn_addr c = v4(192, 168, 2, 50);

	focus_init(&f, "doh", 0, NULL);
	fpkt(&f, c, v4(8, 8, 8, 8), 17, 40000, 53, 0, 0, 0, 1, 0, "q", 1, 1);
	fpkt(&f, c, v4(1, 1, 1, 1), 6, 40001, 80, KN_TCP_SYN, 0, 0, 1, 0, NULL, 0, 2);
	fpkt(&f, v4(1, 1, 1, 1), c, 6, 443, 40002, KN_TCP_SYN | KN_TCP_ACK, 0, 1, 1, 1, NULL, 0,
	     3);
	fpkt(&f, c, v4(1, 1, 1, 1), 6, 40002, 443, KN_TCP_ACK, 0, 0, 2, 1, NULL, 0, 4);
	fpkt(&f, c, v4(93, 184, 216, 34), 6, 40003, 443, KN_TCP_SYN, 0, 0, 1, 0, NULL, 0, 5);
	fpkt(&f, c, v4(1, 1, 1, 1), 17, 40004, 443, 0, 0, 0, 2, 1, "x", 1, 6);
	KT_EQ(f.r.seen.n, 0);
	kn_detect_ctx_free(f.r.ctx);
}

static void test_config(void)
{
	struct kn_detect_config cfg;
	struct kn_detect_callbacks cb = { 0 };
	char err[KN_ERRBUF_SIZE] = "";

	kn_detect_config_default(&cfg);
	cfg.doh_score = 1.5;
	KT_CHECK(kn_detect_ctx_new(&cfg, &cb, err) == NULL);
	KT_CHECK(strstr(err, "doh: doh_score must be within 0..1") != NULL);
}

static const struct kt_case cases[] = {
	KT_CASE(test_resolver_address),
	KT_CASE(test_v6),
	KT_CASE(test_sni),
	KT_CASE(test_quiet),
	KT_CASE(test_config),
};

KT_MAIN("anomaly_doh", cases)
