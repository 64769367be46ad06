/*
 * test_tls_parse.c - the TLS parser on real handshakes (tls_samples.h):
 * the EVE "tls" body must equal Suricata 7.0.4's for the same flows (plus
 * "ja4", checked against an independent implementation of the JA4 spec),
 * whatever the chunking (whole flights, every split point, one byte at a
 * time); the event comes once, when the handshake is done; the server
 * asset, the named buffers and content detection.
 */
#include "../../../kt.h"
#include "../app_test.h"
#include "tls_samples.h"

/* Suricata 7.0.4, pcaps/malware/ndpi_emotet.pcap, port 49803. */
static const char emotet_tls[] =
	"\"tls\":{\"subject\":\"C=GB, ST=London, L=London, O=Global Security, OU=IT "
	"Department, CN=example.com\",\"issuerdn\":\"C=GB, ST=London, L=London, O=Global "
	"Security, OU=IT Department, CN=example.com\",\"serial\":\"4B:C8:ED:DA:C0:12:55:79:04:"
	"BA:44:CF:4A:09:F8:1E:7E:D3:AD:06\",\"fingerprint\":\"43:a2:39:73:ac:4d:2c:15:7b:d6:4e:"
	"32:ea:22:11:b7:97:65:1a:93\",\"version\":\"TLS 1.2\",\"notbefore\":\"2022-04-21T10:08:"
	"46\",\"notafter\":\"2023-04-21T10:08:46\",\"ja3\":{\"hash\":\"51c64c77e60f3980eea90869b"
	"68c58a8\",\"string\":\"771,49196-49195-49200-49199-49188-49187-49192-49191-49162-49161-"
	"49172-49171-157-156-61-60-53-47-10,10-11-13-35-23-65281,29-23-24,0\"},\"ja3s\":{\"hash\""
	":\"ec74a5c51106f0419184d0dd08fb05bc\",\"string\":\"771,49200,65281-11-35-23\"},\"ja4\":"
	"\"t12i190600_d83cc789557e_2dae41c691ec\"}}";

/* The same capture, port 49804 (resumption). */
static const char resumed_tls[] =
	"\"tls\":{\"session_resumed\":true,\"version\":\"TLS 1.2\",\"ja3\":{\"hash\":\"51c64c77e"
	"60f3980eea90869b68c58a8\",\"string\":\"771,49196-49195-49200-49199-49188-49187-49192-"
	"49191-49162-49161-49172-49171-157-156-61-60-53-47-10,10-11-13-35-23-65281,29-23-24,0\"},"
	"\"ja3s\":{\"hash\":\"fd4bc6cea4877646ccd62f0792ec0b62\",\"string\":\"771,49200,65281-23"
	"\"},\"ja4\":\"t12i190600_d83cc789557e_2dae41c691ec\"}}";

/* pcaps/c2/slips_test-cc-capture-1.pcap, port 39210 (TLS 1.3). */
static const char c2_tls[] =
	"\"tls\":{\"sni\":\"testing.com\",\"version\":\"TLS 1.3\",\"ja3\":{\"hash\":\"f436b9416f"
	"37d134cadd04886327d3e8\",\"string\":\"771,4866-4867-4865-49196-49200-159-52393-52392-"
	"52394-49195-49199-158-49188-49192-107-49187-49191-103-49162-49172-57-49161-49171-51-157-"
	"156-61-60-53-47-255,0-11-10-13172-16-22-23-49-13-43-45-51-21,29-23-30-25-24,0-1-2\"},"
	"\"ja3s\":{\"hash\":\"907bf3ecef1c987c889946b737b43de8\",\"string\":\"771,4866,51-43\"},"
	"\"ja4\":\"t13d3113h2_e8f1e7e78f70_ce5650b735ce\"}}";

/* Feeds data in chunks of `step` bytes (0: whole). */
static void feed_steps(struct at *t, int dir, const uint8_t *d, size_t n, size_t step)
{
	if (!step)
		step = n;
	for (size_t off = 0; off < n; off += step)
		at_feed(t, dir, d + off, n - off < step ? n - off : step);
}

static void emotet_flow(struct at *t, size_t step)
{
	feed_steps(t, 0, emotet_client_hello, sizeof emotet_client_hello, step);
	feed_steps(t, 1, emotet_server_flight, sizeof emotet_server_flight, step);
	feed_steps(t, 0, emotet_client_finish, sizeof emotet_client_finish, step);
	feed_steps(t, 1, emotet_server_finish, sizeof emotet_server_finish, step);
}

static void test_full_handshake(void)
{
	struct at t;

	KT_REQUIRE(at_init(&t, "tls", 6, 49803, 443) == 0);
	at_feed(&t, 0, emotet_client_hello, sizeof emotet_client_hello);
	KT_EQ(at_count(&t, "\"event_type\":\"tls\""), 0);
	at_feed(&t, 1, emotet_server_flight, sizeof emotet_server_flight);
	/* Logged as soon as the server's certificate is in (Suricata too). */
	KT_EQ(at_count(&t, "\"event_type\":\"tls\""), 1);
	at_feed(&t, 0, emotet_client_finish, sizeof emotet_client_finish);
	at_feed(&t, 1, emotet_server_finish, sizeof emotet_server_finish);
	at_end(&t);
	KT_EQ(t.n, 1);
	KT_CHECK(!t.bad_json);
	KT_CHECK(at_find(&t, emotet_tls, "\"src_port\":49803,\"dest_ip\":\"10.0.0.2\"") >= 0);
	KT_CHECK(strstr(t.ev[0], "\"tx_id\"") == NULL);
	KT_EQ_STR(t.app_proto, "tls");
	KT_EQ(kn_app_ctx_stats(t.ctx)->mem_in_use, 0);
	at_fini(&t);
}

/* One byte at a time, and 7 and 100 bytes at a time: the same body. */
static void test_chunking(void)
{
	static const size_t steps[] = { 1, 7, 100 };

	for (size_t i = 0; i < sizeof steps / sizeof steps[0]; i++) {
		struct at t;
		KT_REQUIRE(at_init(&t, "tls", 6, 49803, 443) == 0);
		emotet_flow(&t, steps[i]);
		at_end(&t);
		KT_EQ(t.n, 1);
		KT_CHECK(at_find(&t, emotet_tls) >= 0);
		at_fini(&t);
	}
}

/* The server flight cut in two at every byte. */
static void test_every_split(void)
{
	size_t bad = 0;

	for (size_t cut = 1; cut < sizeof emotet_server_flight; cut++) {
		struct at t;
		KT_REQUIRE(at_init(&t, "tls", 6, 49803, 443) == 0);
		at_feed(&t, 0, emotet_client_hello, sizeof emotet_client_hello);
		at_feed(&t, 1, emotet_server_flight, cut);
		at_feed(&t, 1, emotet_server_flight + cut, sizeof emotet_server_flight - cut);
		at_end(&t);
		bad += t.n != 1 || at_find(&t, emotet_tls) < 0;
		at_fini(&t);
	}
	KT_EQ(bad, 0);
}

static void test_asset(void)
{
	struct at t;
	const struct at_asset *a;

	KT_REQUIRE(at_init(&t, "tls", 6, 49803, 443) == 0);
	emotet_flow(&t, 0);
	at_end(&t);
	KT_REQUIRE(t.n_assets == 1);
	a = &t.assets[0];
	KT_EQ(a->role, KN_ASSET_SERVER);
	KT_EQ_STR(a->service, "tls");
	KT_EQ_STR(a->version, "TLSv1.2");
	KT_EQ_STR(a->product, "");
	KT_REQUIRE(a->has_tls);
	KT_EQ(a->tls.version, 0x0303);
	KT_EQ(a->tls.cipher, 0xc030);
	KT_CHECK(a->tls.has_cipher && a->tls.has_cert);
	KT_EQ(a->tls.self_signed, 1);           /* subject == issuer, RSA signature verifies */
	KT_EQ(a->tls.not_before, 1650535726);   /* 2022-04-21T10:08:46Z */
	KT_EQ(a->tls.not_after, 1682071726);
	at_fini(&t);
}

static void test_tls13(void)
{
	struct at t;

	KT_REQUIRE(at_init(&t, "tls", 6, 39210, 443) == 0);
	at_feed(&t, 0, c2_client_hello, sizeof c2_client_hello);
	at_feed(&t, 1, c2_server_flight, sizeof c2_server_flight);
	/* Logged on the ServerHello: nothing after it is readable. */
	KT_EQ(t.n, 1);
	KT_CHECK(at_find(&t, c2_tls) >= 0);
	at_end(&t);
	KT_EQ(t.n, 1);
	KT_REQUIRE(t.n_assets == 1);
	KT_EQ_STR(t.assets[0].version, "TLSv1.3");
	KT_EQ(t.assets[0].tls.version, 0x0304);
	KT_EQ(t.assets[0].tls.cipher, 0x1302);
	KT_EQ(t.assets[0].tls.has_cert, 0);
	at_fini(&t);
}

static void test_resumption(void)
{
	struct at t;

	KT_REQUIRE(at_init(&t, "tls", 6, 49804, 443) == 0);
	at_feed(&t, 0, resumed_client_hello, sizeof resumed_client_hello);
	at_feed(&t, 1, resumed_server_flight, sizeof resumed_server_flight);
	KT_EQ(t.n, 0);   /* no certificate: wait for both ChangeCipherSpecs */
	at_feed(&t, 0, resumed_client_finish, sizeof resumed_client_finish);
	KT_EQ(t.n, 1);
	KT_CHECK(at_find(&t, resumed_tls) >= 0);
	at_end(&t);
	KT_EQ(t.n, 1);
	at_fini(&t);
}

/* Only a ClientHello: logged at flow end, version UNDETERMINED. */
static void test_pending_at_flow_end(void)
{
	struct at t;

	KT_REQUIRE(at_init(&t, "tls", 6, 39210, 443) == 0);
	at_feed(&t, 0, c2_client_hello, sizeof c2_client_hello);
	KT_EQ(t.n, 0);
	at_end(&t);
	KT_EQ(t.n, 1);
	/* Logged at flow end: no pcap_cnt in the head (as Suricata). */
	KT_CHECK(strstr(t.ev[0], "\"pcap_cnt\"") == NULL);
	KT_CHECK(at_find(&t, "\"tls\":{\"sni\":\"testing.com\",\"version\":"
			     "\"UNDETERMINED\",\"ja3\":{\"hash\":\"f436b941") >= 0);
	KT_CHECK(strstr(t.ev[0], "ja3s") == NULL);
	KT_EQ(t.n_assets, 0);
	at_fini(&t);
}

/* ------------------------------------------------------------- buffers */

struct buf_seen {
	char v[KN_BUF_COUNT][512];
	int has[KN_BUF_COUNT];
	int txs;
	unsigned certs;            /* tls.certs values */
	uint32_t cert0_len;
	uint8_t cert0_head[2];
};

static void on_tx(void *user, const struct kn_flow *flow, const char *app_proto,
		  const struct kn_tx *tx, uint64_t ts_ns, uint64_t pcap_cnt)
{
	struct buf_seen *s = user;
	(void)flow, (void)app_proto, (void)ts_ns, (void)pcap_cnt;
	s->txs++;
	for (unsigned b = 0; b < KN_BUF_COUNT; b++) {
		const uint8_t *d;
		uint32_t n;
		if (!tx->buffer(tx, b, 0, &d, &n))
			continue;
		s->has[b] = 1;
		snprintf(s->v[b], sizeof s->v[b], "%.*s", (int)n, (const char *)d);
		if (b == KN_BUF_TLS_CERTS) {   /* one value per certificate */
			s->cert0_len = n;
			memcpy(s->cert0_head, d, n < 2 ? n : 2);
			while (tx->buffer(tx, b, s->certs, &d, &n))
				s->certs++;
			continue;
		}
		KT_CHECK(!tx->buffer(tx, b, 1, &d, &n));   /* single-valued */
	}
}

static void run_buffers(struct buf_seen *s, const uint8_t *const *data, const size_t *len,
			const int *dirs, size_t n)
{
	char err[KN_ERRBUF_SIZE];
	struct kn_app_config cfg;
	struct kn_app_hooks h = { .tx = on_tx, .user = s };
	struct kn_app_ctx *ctx;
	struct kn_flow flow;

	memset(s, 0, sizeof *s);
	memset(&flow, 0, sizeof flow);
	flow.key.proto = 6;
	flow.key.ip_version = 4;
	kn_app_config_default(&cfg);
	ctx = kn_app_ctx_new(&cfg, &h, err);
	KT_REQUIRE(ctx);
	KT_REQUIRE(kn_app_flow_set_proto(ctx, &flow, kn_app_parser_id("tls")) == 0);
	for (size_t i = 0; i < n; i++)
		kn_app_stream_data(ctx, &flow, dirs[i], data[i], (uint32_t)len[i], 0);
	kn_app_flow_end(ctx, &flow, 0, NULL);
	kn_app_ctx_free(ctx);
}

static void test_buffers(void)
{
	struct buf_seen s;
	const uint8_t *d[] = { emotet_client_hello, emotet_server_flight };
	const size_t l[] = { sizeof emotet_client_hello, sizeof emotet_server_flight };
	const int dirs[] = { 0, 1 };
	const uint8_t *d13[] = { c2_client_hello, c2_server_flight };
	const size_t l13[] = { sizeof c2_client_hello, sizeof c2_server_flight };

	run_buffers(&s, d, l, dirs, 2);
	KT_EQ(s.txs, 1);
	KT_EQ_STR(s.v[KN_BUF_TLS_CERT_SUBJECT], "C=GB, ST=London, L=London, O=Global Security, "
						"OU=IT Department, CN=example.com");
	KT_EQ_STR(s.v[KN_BUF_TLS_CERT_ISSUER], s.v[KN_BUF_TLS_CERT_SUBJECT]);
	KT_EQ_STR(s.v[KN_BUF_TLS_CERT_SERIAL], "4B:C8:ED:DA:C0:12:55:79:04:BA:44:CF:4A:09:F8:1E:"
					       "7E:D3:AD:06");
	KT_EQ_STR(s.v[KN_BUF_TLS_CERT_FINGERPRINT], "43:a2:39:73:ac:4d:2c:15:7b:d6:4e:32:ea:22:"
						    "11:b7:97:65:1a:93");
	KT_EQ_STR(s.v[KN_BUF_JA3_HASH], "51c64c77e60f3980eea90869b68c58a8");
	KT_CHECK(strncmp(s.v[KN_BUF_JA3_STRING], "771,49196-49195-", 16) == 0);
	KT_EQ_STR(s.v[KN_BUF_JA3S_HASH], "ec74a5c51106f0419184d0dd08fb05bc");
	KT_EQ_STR(s.v[KN_BUF_JA3S_STRING], "771,49200,65281-11-35-23");
	KT_EQ_STR(s.v[KN_BUF_JA4_HASH], "t12i190600_d83cc789557e_2dae41c691ec");
	KT_CHECK(!s.has[KN_BUF_TLS_SNI]);
	KT_CHECK(!s.has[KN_BUF_HTTP_URI] && !s.has[KN_BUF_SSH_PROTO]);
	/* tls.certs: the server's certificate as sent (DER: a SEQUENCE with a
	 * two-byte length, 4 + that many bytes) */
	KT_EQ(s.certs, 1);
	KT_CHECK(s.cert0_head[0] == 0x30 && s.cert0_head[1] == 0x82);
	KT_CHECK(s.cert0_len > 400 && s.cert0_len < 1378);

	run_buffers(&s, d13, l13, dirs, 2);
	KT_EQ_STR(s.v[KN_BUF_TLS_SNI], "testing.com");
	KT_CHECK(!s.has[KN_BUF_TLS_CERT_SUBJECT] && !s.has[KN_BUF_TLS_CERT_FINGERPRINT]);
	KT_EQ(s.certs, 0);   /* TLS 1.3: the certificate is encrypted */
	KT_EQ_STR(s.v[KN_BUF_JA4_HASH], "t13d3113h2_e8f1e7e78f70_ce5650b735ce");
}

/* ----------------------------------------------------------- detection */

static void test_detection(void)
{
	const struct kn_app_parser *p = kn_app_parser_get(kn_app_parser_id("tls"));
	static const uint8_t http[] = "GET / HTTP/1.1\r\n";
	static const uint8_t sslv2[] = { 0x80, 0x2e, 0x01, 0x00, 0x02, 0x00, 0x15, 0x00, 0x00,
					 0x00, 0x10 };
	struct at t;

	KT_REQUIRE(p && p->probe);
	for (uint32_t n = 0; n < 6; n++)
		KT_EQ(p->probe(emotet_client_hello, n, 0, 6), KN_PROBE_MORE);
	KT_EQ(p->probe(emotet_client_hello, 6, 0, 6), KN_PROBE_YES);
	KT_EQ(p->probe(emotet_server_flight, sizeof emotet_server_flight, 1, 6), KN_PROBE_YES);
	KT_EQ(p->probe(http, sizeof http - 1, 0, 6), KN_PROBE_NO);
	KT_EQ(p->probe(emotet_client_finish, sizeof emotet_client_finish, 0, 6), KN_PROBE_NO);
	KT_EQ(p->probe(sslv2, sizeof sslv2, 0, 6), KN_PROBE_YES);
	KT_EQ(p->probe(sslv2, 5, 0, 6), KN_PROBE_MORE);

	/* On an unusual port, found by content, then parsed from the start. */
	KT_REQUIRE(at_init(&t, NULL, 6, 50000, 8443) == 0);
	at_feed(&t, 0, emotet_client_hello, 3);
	at_feed(&t, 0, emotet_client_hello + 3, sizeof emotet_client_hello - 3);
	at_feed(&t, 1, emotet_server_flight, sizeof emotet_server_flight);
	at_end(&t);
	KT_EQ_STR(t.app_proto, "tls");
	KT_CHECK(at_find(&t, emotet_tls) >= 0);
	at_fini(&t);
}

/* The session is encrypted (kn_app_flow_opaque) at the first application
 * data record after the handshake, not before: the handshake's encrypted
 * Finished records (content type 22) do not count, nor does 0-RTT data
 * before the ServerHello; a session picked up after its hellos is encrypted
 * at its first application data record. */
static void test_opaque(void)
{
	static const uint8_t app_data[] = { 0x17, 0x03, 0x03, 0x00, 0x04, 0xde, 0xad, 0xbe, 0xef };
	struct at t;

	KT_REQUIRE(at_init(&t, "tls", 6, 49803, 443) == 0);
	emotet_flow(&t, 0);
	KT_EQ(t.n, 1);   /* the handshake was logged */
	KT_EQ(kn_app_flow_opaque(&t.flow), 0);
	at_feed(&t, 1, app_data, 3);   /* a record header cut short: not yet */
	KT_EQ(kn_app_flow_opaque(&t.flow), 0);
	at_feed(&t, 1, app_data + 3, sizeof app_data - 3);
	KT_EQ(kn_app_flow_opaque(&t.flow), 1);
	at_fini(&t);

	KT_REQUIRE(at_init(&t, "tls", 6, 39210, 443) == 0);
	at_feed(&t, 0, c2_client_hello, sizeof c2_client_hello);
	at_feed(&t, 0, app_data, sizeof app_data);   /* early data */
	KT_EQ(kn_app_flow_opaque(&t.flow), 0);
	at_feed(&t, 1, c2_server_flight, sizeof c2_server_flight);
	at_feed(&t, 0, app_data, sizeof app_data);
	KT_EQ(kn_app_flow_opaque(&t.flow), 1);
	at_fini(&t);

	KT_REQUIRE(at_init(&t, "tls", 6, 50000, 443) == 0);
	at_feed(&t, 1, app_data, sizeof app_data);
	KT_EQ(kn_app_flow_opaque(&t.flow), 1);
	at_fini(&t);
}

static const struct kt_case cases[] = {
	KT_CASE(test_full_handshake),
	KT_CASE(test_chunking),
	KT_CASE(test_every_split),
	KT_CASE(test_asset),
	KT_CASE(test_tls13),
	KT_CASE(test_resumption),
	KT_CASE(test_pending_at_flow_end),
	KT_CASE(test_buffers),
	KT_CASE(test_detection),
	KT_CASE(test_opaque),
};

KT_MAIN("app_tls_parse", cases)
