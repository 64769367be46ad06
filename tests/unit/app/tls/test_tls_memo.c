/*
 * test_tls_memo.c - the fingerprints of many flows on one context (one
 * worker): JA3, JA3S and JA4 are the same whether their digests come from
 * the context's memo of recent texts or are computed afresh, however the
 * memo's slots are shared and replaced; long cipher lists (sorted without
 * qsort up to 4096 values, streamed to the digest when their text is
 * longer than the memo keeps) against the spec's construction.
 */
#include <arpa/inet.h>

#include "../../../kt.h"
#include "../app_test.h"
#include "app/tls/tls.h"
#include "tls_build.h"

static struct tb tb;

struct fp {
	char ja3[33], ja3s[33], ja4[40];
};

/* The value of "key":"..." after `after` in s, into out. */
static void value_of(const char *s, const char *after, const char *key, char *out, size_t cap)
{
	const char *p = s ? strstr(s, after) : NULL;
	size_t n = 0;

	out[0] = '\0';
	if (p)
		p = strstr(p, key);
	if (!p)
		return;
	p += strlen(key);
	while (p[n] && p[n] != '"' && n + 1 < cap)
		n++;
	memcpy(out, p, n);
	out[n] = '\0';
}

/* A new TLS flow on t's context (the last one has ended). */
static void new_flow(struct at *t)
{
	memset(&t->flow, 0, sizeof t->flow);
	t->flow.key.ip_version = 4;
	t->flow.key.proto = 6;
	inet_pton(AF_INET, "10.0.0.1", t->flow.key.src.b);
	inet_pton(AF_INET, "10.0.0.2", t->flow.key.dst.b);
	t->flow.key.sport = 40000;
	t->flow.key.dport = 443;
	t->flow.flow_id = 99;
	KT_CHECK(kn_app_flow_set_proto(t->ctx, &t->flow, kn_app_parser_id("tls")) == 0);
}

/* Feeds a ClientHello and a ServerHello on t's current flow, ends it, and
 * reads the fingerprints of its event. */
static void run_flow(struct at *t, const struct tb_hello *h, uint16_t scipher, struct fp *out)
{
	static const uint8_t reneg[] = { 0 };
	const struct tb_ext sx[] = { { 0xff01, reneg, sizeof reneg }, { 23, NULL, 0 } };
	unsigned first = t->n;
	int i = -1;

	tb.n = 0;
	tb_client_hello(&tb, h);
	at_feed(t, 0, tb.b, tb.n);
	tb.n = 0;
	tb_server_hello(&tb, 0x0303, scipher, sx, 2);
	at_feed(t, 1, tb.b, tb.n);
	at_end(t);
	for (unsigned k = first; k < t->n; k++)   /* this flow's event */
		if (strstr(t->ev[k], "\"event_type\":\"tls\""))
			i = (int)k;
	value_of(i >= 0 ? t->ev[i] : NULL, "\"ja3\":", "\"hash\":\"", out->ja3, sizeof out->ja3);
	value_of(i >= 0 ? t->ev[i] : NULL, "\"ja3s\":", "\"hash\":\"", out->ja3s, sizeof out->ja3s);
	value_of(i >= 0 ? t->ev[i] : NULL, "\"tls\":", "\"ja4\":\"", out->ja4, sizeof out->ja4);
}

/* Hello k of a family of 150 distinct hellos (cipher and group lists,
 * extension order and signature algorithms all vary with k). */
#define N_HELLOS 150
static uint16_t ciphers[N_HELLOS][8];
static uint8_t groups[N_HELLOS][8], sigs[N_HELLOS][8];
static struct tb_ext exts[N_HELLOS][4];

static void hello_k(unsigned k, struct tb_hello *h)
{
	static const uint8_t sni[] = { 0, 8, 0, 0, 5, 'a', '.', 'c', 'o', 'm' };
	unsigned nc = 2 + k % 6;

	for (unsigned i = 0; i < nc; i++)
		ciphers[k][i] = (uint16_t)(0xc000 + (k * 7 + i * 13) % 251);
	groups[k][0] = 0, groups[k][1] = 4;
	groups[k][2] = 0, groups[k][3] = (uint8_t)(23 + k % 3);
	groups[k][4] = 0, groups[k][5] = 29;
	sigs[k][0] = 0, sigs[k][1] = 4;
	sigs[k][2] = 4, sigs[k][3] = (uint8_t)(k % 5 + 1);
	sigs[k][4] = 8, sigs[k][5] = 4;
	exts[k][k % 2 ? 0 : 1] = (struct tb_ext){ 0, sni, sizeof sni };
	exts[k][k % 2 ? 1 : 0] = (struct tb_ext){ 10, groups[k], 6 };
	exts[k][2] = (struct tb_ext){ 13, sigs[k], 6 };
	exts[k][3] = (struct tb_ext){ (uint16_t)(0xff00 + k % 4), NULL, 0 };
	*h = (struct tb_hello){ .version = 0x0303, .ciphers = ciphers[k], .n_ciphers = nc,
				.exts = exts[k], .n_exts = 4 };
}

static void test_memo_transparent(void)
{
	static struct fp want[N_HELLOS];
	struct tb_hello h;
	struct at t;
	struct fp got;

	/* Each hello on a context of its own: nothing remembered. */
	for (unsigned k = 0; k < N_HELLOS; k++) {
		KT_REQUIRE(at_init(&t, "tls", 6, 40000, 443) == 0);
		hello_k(k, &h);
		run_flow(&t, &h, (uint16_t)(0xc02b + k % 3), &want[k]);
		KT_CHECK(strlen(want[k].ja3) == 32 && strlen(want[k].ja3s) == 32 &&
			 strlen(want[k].ja4) == 36);
		at_fini(&t);
	}
	/* All of them on one context, three times over, in changing order:
	 * more texts than the memo has slots, each seen again. */
	KT_REQUIRE(at_init(&t, "tls", 6, 40000, 443) == 0);
	for (unsigned round = 0; round < 3; round++) {
		for (unsigned i = 0; i < N_HELLOS; i++) {
			unsigned k = round == 1 ? N_HELLOS - 1 - i : (i * 7 + round) % N_HELLOS;
			if (i)
				new_flow(&t);
			hello_k(k, &h);
			run_flow(&t, &h, (uint16_t)(0xc02b + k % 3), &got);
			KT_EQ_STR(got.ja3, want[k].ja3);
			KT_EQ_STR(got.ja3s, want[k].ja3s);
			KT_EQ_STR(got.ja4, want[k].ja4);
		}
		if (round < 2)
			new_flow(&t);
	}
	KT_CHECK(!t.bad_json);
	at_fini(&t);
}

/* The JA4 cipher hash of a list: SHA-256 of its sorted non-GREASE values
 * as 4-hex words joined by ',' (built here the spec's way). */
static void ja4_b(const uint16_t *v, size_t n, char out[13])
{
	static uint16_t s[8192];
	static char text[8192 * 5];
	char hex[65];
	size_t k = 0, len = 0;

	for (size_t i = 0; i < n; i++)
		if (!tls_grease(v[i]))
			s[k++] = v[i];
	for (size_t i = 1; i < k; i++)   /* (slow and obvious) */
		for (size_t j = i; j > 0 && s[j - 1] > s[j]; j--) {
			uint16_t x = s[j];
			s[j] = s[j - 1];
			s[j - 1] = x;
		}
	for (size_t i = 0; i < k; i++)
		len += (size_t)snprintf(text + len, sizeof text - len, "%s%04x", i ? "," : "", s[i]);
	tls_sha256_hex(text, len, hex);
	memcpy(out, hex, 12);
	out[12] = '\0';
}

static void test_long_cipher_lists(void)
{
	static const size_t sizes[] = { 100, 127, 128, 700, 4096, 5000 };
	static uint16_t v[5000];
	struct at t;

	for (size_t s = 0; s < sizeof sizes / sizeof sizes[0]; s++) {
		size_t n = sizes[s];
		struct tb_hello h = { .version = 0x0303, .ciphers = v, .n_ciphers = n };
		struct fp got;
		char b[13];
		for (size_t i = 0; i < n; i++)   /* scrambled, with repeats and GREASE */
			v[i] = (uint16_t)(i % 97 == 5 ? 0x2a2a : (i * 7919u) % 3001u + 1);
		ja4_b(v, n, b);
		KT_REQUIRE(at_init(&t, "tls", 6, 40000, 443) == 0);
		run_flow(&t, &h, 0x002f, &got);
		KT_CHECK(strlen(got.ja4) == 36 && strncmp(got.ja4 + 11, b, 12) == 0);
		at_fini(&t);
	}
}

static const struct kt_case cases[] = {
	KT_CASE(test_memo_transparent),
	KT_CASE(test_long_cipher_lists),
};
KT_MAIN("app_tls_memo", cases)
