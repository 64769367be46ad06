/*
 * test_tls_cert_cache.c - the per-worker certificate cache (tls_cache.c):
 * a certificate seen again on the same context is not decoded again and
 * yields exactly the same event, asset and buffers (a rejected one the same
 * INVALID_CERTIFICATE); the cache stays within its entry and byte bounds,
 * keeps recently used entries (clock) and is charged to the app memcap as
 * per-context memory, never as flow memory.
 */
#include <openssl/evp.h>
#include <openssl/x509.h>

#include "../../../kt.h"
#include "../app_test.h"
#include "app/app_int.h"
#include "app/tls/tls.h"
#include "util/digest.h"
#include "tls_build.h"
#include "tls_samples.h"

static struct tb tb, body;

static struct tls_cache *cache_of(struct at *t)
{
	return app_parser_ctx(t->ctx, kn_app_parser_id("tls"));
}

/* The flow ended: the next one (another port, another flow id) in the same
 * context, forced to TLS. */
static int next_flow(struct at *t)
{
	if (t->flow.app)
		at_end(t);
	t->flow.key.sport++;
	t->flow.flow_id++;
	return kn_app_flow_set_proto(t->ctx, &t->flow, kn_app_parser_id("tls"));
}

static void emotet_flow(struct at *t)
{
	at_feed(t, 0, emotet_client_hello, sizeof emotet_client_hello);
	at_feed(t, 1, emotet_server_flight, sizeof emotet_server_flight);
	at_feed(t, 0, emotet_client_finish, sizeof emotet_client_finish);
	at_feed(t, 1, emotet_server_finish, sizeof emotet_server_finish);
}

/* The event from "tls": on (the head differs per flow). */
static const char *tls_body(const struct at *t, unsigned i)
{
	const char *s = i < t->n ? strstr(t->ev[i], "\"tls\":{") : NULL;
	return s ? s : "";
}

/* Every named buffer of the TLS transaction, concatenated. */
static char buffers[4096];
static size_t buffers_len;

static void on_tx_buffers(void *user, const struct kn_flow *flow, const char *app_proto,
			  const struct kn_tx *tx, uint64_t ts_ns, uint64_t pcap_cnt)
{
	at_on_tx(user, flow, app_proto, tx, ts_ns, pcap_cnt);
	for (unsigned b = 0; tx->buffer && b < KN_BUF_COUNT; b++) {
		const uint8_t *d;
		uint32_t n;
		if (tx->buffer(tx, b, 0, &d, &n) && buffers_len + n + 1 < sizeof buffers) {
			memcpy(buffers + buffers_len, d, n);
			buffers_len += n;
			buffers[buffers_len++] = '|';
		}
	}
}

/* The same certificate on a second flow: a cache hit, and the same tls
 * body, server asset and buffers as the first (decoded) time. */
static void test_hit_is_identical(void)
{
	char first_body[4096], first_buffers[4096];
	struct at_asset first_asset;
	struct tls_cache *tc;
	struct at t;

	KT_REQUIRE(at_init(&t, "tls", 6, 49803, 443) == 0);
	tc = cache_of(&t);
	KT_REQUIRE(tc != NULL);
	t.ctx->hooks.tx = on_tx_buffers;   /* records the buffers too */
	buffers_len = 0;
	emotet_flow(&t);
	at_end(&t);
	KT_REQUIRE(t.n == 1 && t.n_assets == 1);
	KT_EQ(tc->misses, 1);
	KT_EQ(tc->hits, 0);
	KT_EQ(tc->count, 1);
	snprintf(first_body, sizeof first_body, "%s", tls_body(&t, 0));
	memcpy(first_buffers, buffers, buffers_len);
	first_buffers[buffers_len] = '\0';
	first_asset = t.assets[0];
	KT_CHECK(strstr(first_body, "\"subject\":\"C=GB, ST=London") != NULL);
	KT_CHECK(strstr(first_buffers, "43:a2:39:73:ac:4d:2c:15") != NULL);

	for (int round = 0; round < 3; round++) {
		buffers_len = 0;
		KT_REQUIRE(next_flow(&t) == 0);
		emotet_flow(&t);
		at_end(&t);
		KT_REQUIRE(t.n == 2u + (unsigned)round && t.n_assets == 2u + (unsigned)round);
		KT_EQ_STR(tls_body(&t, t.n - 1), first_body);
		buffers[buffers_len] = '\0';
		KT_EQ_STR(buffers, first_buffers);
		KT_CHECK(memcmp(&t.assets[t.n_assets - 1], &first_asset, sizeof first_asset) == 0);
	}
	KT_EQ(tc->hits, 3);
	KT_EQ(tc->misses, 1);
	KT_EQ(tc->count, 1);
	/* The entry is per-context memory: flows are back to zero. */
	KT_EQ(kn_app_ctx_stats(t.ctx)->mem_in_use, 0);
	KT_EQ(kn_app_ctx_stats(t.ctx)->mem_ctx, tc->bytes);
	KT_CHECK(tc->bytes > 0 && tc->bytes <= TLS_CACHE_ENTRY_MAX);
	KT_CHECK(!t.bad_json);
	at_fini(&t);
}

/* A certificate OpenSSL rejects: cached as such, the event raised each
 * time, nothing logged from it. */
static void test_rejected_certificate(void)
{
	static const uint16_t cipher[] = { 0xc02f };
	static const uint8_t junk[] = { 0x30, 0x03, 0x02, 0x01, 0x05 };
	struct tb_hello h = { .version = 0x0303, .ciphers = cipher, .n_ciphers = 1 };
	struct tls_cache *tc;
	struct at t;

	KT_REQUIRE(at_init(&t, "tls", 6, 40000, 443) == 0);
	tc = cache_of(&t);
	KT_REQUIRE(tc != NULL);
	for (int round = 0; round < 2; round++) {
		size_t list;
		if (round)
			KT_REQUIRE(next_flow(&t) == 0);
		tb.n = body.n = 0;
		tb_client_hello(&tb, &h);
		at_feed(&t, 0, tb.b, tb.n);
		tb.n = 0;
		tb_server_hello(&tb, 0x0303, 0xc02f, NULL, 0);
		list = tb_open(&body, 3);
		tb_u24(&body, sizeof junk);
		tb_bytes(&body, junk, sizeof junk);
		tb_close(&body, list, 3);
		tb_handshake(&tb, 11, body.b, body.n, 0);
		at_feed(&t, 1, tb.b, tb.n);
		at_end(&t);
	}
	KT_EQ(at_count(&t, "\"event\":\"INVALID_CERTIFICATE\""), 2);
	KT_EQ(at_count(&t, "\"event_type\":\"tls\""), 2);
	KT_EQ(at_count(&t, "\"subject\""), 0);
	KT_EQ(tc->hits, 1);
	KT_EQ(tc->misses, 1);
	KT_EQ(kn_app_ctx_stats(t.ctx)->mem_in_use, 0);
	at_fini(&t);
}

/* ------------------------------------------------- the cache on its own */

static void key_of(uint32_t i, uint8_t key[32])
{
	kn_digest(KN_SHA256, &i, sizeof i, key);
}

/* Puts entry i with a subject of subject_len bytes. */
static void put(struct tls_cache *tc, uint32_t i, size_t subject_len)
{
	static char text[20000];
	struct tls_cert c;
	uint8_t key[32];

	memset(&c, 0, sizeof c);
	memset(text, 'a' + (int)(i % 26), sizeof text);
	c.parsed = 1;
	c.subject.p = text;
	c.subject.len = (uint32_t)subject_len;
	c.issuer.p = text;
	c.issuer.len = 3;
	snprintf(c.fingerprint, sizeof c.fingerprint, "fp-%u", i);
	key_of(i, key);
	tls_cache_put(tc, NULL, key, &c);
}

static int has(struct tls_cache *tc, uint32_t i)
{
	uint8_t key[32];
	uint64_t hits = tc->hits, misses = tc->misses;
	int found;

	key_of(i, key);
	found = tls_cache_get(tc, key) != NULL;
	tc->hits = hits;   /* looking does not count */
	tc->misses = misses;
	return found;
}

/* More certificates than entries: never more than TLS_CACHE_ENTRIES, the
 * oldest unused go first, a recently hit one survives a full turn. */
static void test_entry_bound_and_clock(void)
{
	static struct tls_cache tc;
	uint8_t key[32];

	memset(&tc, 0, sizeof tc);
	KT_REQUIRE(tls_cache_init(&tc, NULL) == 0);
	for (uint32_t i = 0; i < TLS_CACHE_ENTRIES; i++)
		put(&tc, i, 40);
	KT_EQ(tc.count, TLS_CACHE_ENTRIES);
	KT_EQ(tc.evictions, 0);
	key_of(0, key);
	KT_CHECK(tls_cache_get(&tc, key) != NULL);   /* entry 0 is now recently used */
	put(&tc, TLS_CACHE_ENTRIES, 40);
	KT_EQ(tc.count, TLS_CACHE_ENTRIES);
	KT_EQ(tc.evictions, 1);
	KT_CHECK(has(&tc, 0));                       /* second chance */
	KT_CHECK(!has(&tc, 1));                      /* the oldest unused went */
	KT_CHECK(has(&tc, TLS_CACHE_ENTRIES));
	for (uint32_t i = 0; i < 3 * TLS_CACHE_ENTRIES; i++)
		put(&tc, 10000 + i, 40);
	KT_EQ(tc.count, TLS_CACHE_ENTRIES);
	KT_CHECK(tc.bytes <= tc.budget);
	KT_CHECK(has(&tc, 10000 + 3 * TLS_CACHE_ENTRIES - 1));
	/* A hit gives back what was put. */
	{
		const struct tls_cached_cert *e;
		key_of(10000 + 3 * TLS_CACHE_ENTRIES - 1, key);
		e = tls_cache_get(&tc, key);
		KT_REQUIRE(e != NULL);
	}
	/* Putting a key already there does not duplicate it. */
	put(&tc, 10000 + 3 * TLS_CACHE_ENTRIES - 1, 40);
	KT_EQ(tc.count, TLS_CACHE_ENTRIES);
	tls_cache_free(&tc);
	KT_EQ(tc.count, 0);
}

/* Large entries: the byte budget binds before the entry count; an entry
 * past TLS_CACHE_ENTRY_MAX, or past a small memcap's budget, is not kept. */
static void test_byte_bound(void)
{
	static struct tls_cache tc;
	struct kn_app_config cfg;

	memset(&tc, 0, sizeof tc);
	KT_REQUIRE(tls_cache_init(&tc, NULL) == 0);
	KT_EQ(tc.budget, TLS_CACHE_BYTES);
	for (uint32_t i = 0; i < 1000; i++) {
		put(&tc, i, 10000);
		KT_CHECK(tc.bytes <= tc.budget);
	}
	KT_CHECK(tc.count < TLS_CACHE_BYTES / 10000 + 1);
	KT_CHECK(tc.count >= TLS_CACHE_BYTES / 10500);
	KT_CHECK(has(&tc, 999));
	put(&tc, 5000, TLS_CACHE_ENTRY_MAX);
	KT_CHECK(!has(&tc, 5000));
	KT_EQ(tc.refused, 1);
	tls_cache_free(&tc);

	memset(&tc, 0, sizeof tc);
	kn_app_config_default(&cfg);
	cfg.memcap = 32 * 1024;   /* budget 2 KiB */
	KT_REQUIRE(tls_cache_init(&tc, &cfg) == 0);
	KT_EQ(tc.budget, 2048);
	put(&tc, 1, 3000);
	KT_CHECK(!has(&tc, 1));
	for (uint32_t i = 0; i < 50; i++)
		put(&tc, i, 100);
	KT_CHECK(tc.bytes <= 2048);
	KT_CHECK(tc.count > 0);
	tls_cache_free(&tc);
}

/* Through a context with a memcap so small that nothing is cached: the
 * certificate is decoded each time, memory stays balanced. */
static void test_charged_to_memcap(void)
{
	struct kn_app_config cfg;
	struct tls_cache *tc;
	struct at t;

	kn_app_config_default(&cfg);
	cfg.memcap = 6 * 1024;    /* budget 384 bytes: not even one emotet entry */
	KT_REQUIRE(at_init_cfg(&t, "tls", 6, 49803, 443, &cfg) == 0);
	tc = cache_of(&t);
	KT_REQUIRE(tc != NULL);
	for (int round = 0; round < 3; round++) {
		if (round)
			KT_REQUIRE(next_flow(&t) == 0);
		emotet_flow(&t);
		at_end(&t);
	}
	KT_EQ(at_count(&t, "\"subject\":\"C=GB, ST=London, L=London"), 3);
	KT_EQ(tc->count, 0);
	KT_EQ(tc->refused, 3);
	KT_EQ(kn_app_ctx_stats(t.ctx)->mem_in_use, 0);
	KT_EQ(kn_app_ctx_stats(t.ctx)->mem_ctx, tc->bytes);
	KT_CHECK(kn_app_ctx_stats(t.ctx)->mem_peak <= cfg.memcap);
	at_fini(&t);
}

static const struct kt_case cases[] = {
	KT_CASE(test_hit_is_identical),
	KT_CASE(test_rejected_certificate),
	KT_CASE(test_entry_bound_and_clock),
	KT_CASE(test_byte_bound),
	KT_CASE(test_charged_to_memcap),
};

KT_MAIN("app_tls_cert_cache", cases)
