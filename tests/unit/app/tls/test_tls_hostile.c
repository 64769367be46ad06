/*
 * test_tls_hostile.c - the TLS parser on malformed and adversarial input:
 * record and message lengths that lie, overflowing extensions, zero-length
 * everything, garbage and oversized certificates, SSLv2, gaps, a tiny
 * memcap and failing allocations. Each case checks the event raised, what
 * is still logged, and that memory comes back. Certificates for the
 * name-format cases are made here with OpenSSL.
 */
#include <openssl/bn.h>
#include <openssl/evp.h>
#include <openssl/x509.h>

#include "../../../kt.h"
#include "../app_test.h"
#include "tls_build.h"
#include "tls_samples.h"
#include "util/alloc.h"

static struct tb tb;

static int start(struct at *t)
{
	tb.n = 0;
	return at_init(t, "tls", 6, 40000, 443);
}

static void feed_tb(struct at *t, int dir)
{
	at_feed(t, dir, tb.b, tb.n);
	tb.n = 0;
}

static const char *tls_event(const struct at *t)
{
	int i = at_find(t, "\"event_type\":\"tls\"");
	return i < 0 ? "" : t->ev[i];
}

static unsigned anomalies(const struct at *t, const char *name)
{
	char want[96];
	snprintf(want, sizeof want, "\"event\":\"%s\"", name);
	return at_count(t, want);
}

static void done(struct at *t)
{
	at_end(t);
	KT_CHECK(!t->bad_json);
	KT_EQ(kn_app_ctx_stats(t->ctx)->mem_in_use, 0);
	at_fini(t);
}

static const uint16_t one_cipher[] = { 0xc02f };

/* A ClientHello without extension block, followed by raw bytes as its
 * extension block; handshake and record lengths patched to match. */
static void hello_with_raw_exts(const uint8_t *raw, size_t n)
{
	struct tb_hello h = { .version = 0x0303, .ciphers = one_cipher, .n_ciphers = 1,
			      .no_ext_block = 1 };
	size_t hs;

	tb_client_hello(&tb, &h);
	tb_bytes(&tb, raw, n);
	hs = tb.n - 9;
	tb.b[3] = (uint8_t)((tb.n - 5) >> 8), tb.b[4] = (uint8_t)(tb.n - 5);
	tb.b[6] = (uint8_t)(hs >> 16), tb.b[7] = (uint8_t)(hs >> 8), tb.b[8] = (uint8_t)hs;
}

/* -------------------------------------------------------------- records */

static void test_record_lengths(void)
{
	static const uint8_t max_ok[] = { 23, 3, 3, 0x48, 0x00 };   /* 18432 */
	static const uint8_t too_long[] = { 23, 3, 3, 0x48, 0x01 };  /* 18433 */
	static uint8_t payload[18432];
	struct at t;

	KT_REQUIRE(start(&t) == 0);
	at_feed(&t, 1, max_ok, sizeof max_ok);
	at_feed(&t, 1, payload, sizeof payload);
	at_feed(&t, 1, too_long, sizeof too_long);
	at_feed(&t, 1, payload, 100);
	KT_EQ(anomalies(&t, "INVALID_RECORD_LENGTH"), 1);
	KT_EQ(t.n, 1);
	done(&t);
}

static void test_record_type_and_version(void)
{
	struct tb_hello h = { .version = 0x0303, .ciphers = one_cipher, .n_ciphers = 1 };
	static const uint8_t junk[] = { 0x42, 0x42, 0x42 };
	struct at t;

	KT_REQUIRE(start(&t) == 0);
	tb_client_hello(&tb, &h);
	tb.b[1] = 5;   /* record version 5.1: reported, the record still read */
	feed_tb(&t, 0);
	tb_client_hello(&tb, &h);
	tb.b[1] = 7;
	feed_tb(&t, 0);
	at_feed(&t, 0, junk, sizeof junk);
	at_feed(&t, 0, junk, sizeof junk);
	at_end(&t);
	KT_EQ(anomalies(&t, "INVALID_RECORD_VERSION"), 1);
	KT_EQ(anomalies(&t, "INVALID_RECORD_TYPE"), 1);
	KT_CHECK(strstr(tls_event(&t), "\"string\":\"771,49199,,,\"") != NULL);
	at_fini(&t);
}

/* One ClientHello in records of 1, 7 and 50 bytes: the same JA3. */
static void test_message_across_records(void)
{
	static const uint8_t sni[] = { 0, 6, 0, 0, 3, 'a', '.', 'b' };
	const struct tb_ext x[] = { { 0, sni, sizeof sni }, { 23, NULL, 0 } };
	struct tb_hello h = { .version = 0x0303, .ciphers = one_cipher, .n_ciphers = 1,
			      .exts = x, .n_exts = 2, .session_id_len = 32 };
	static const size_t frags[] = { 1, 7, 50 };
	struct tb whole;

	tb.n = 0;
	tb_client_hello(&tb, &h);
	memcpy(whole.b, tb.b + 9, tb.n - 9);
	whole.n = tb.n - 9;
	for (size_t i = 0; i < 3; i++) {
		struct at t;
		KT_REQUIRE(start(&t) == 0);
		tb_handshake(&tb, 1, whole.b, whole.n, frags[i]);
		feed_tb(&t, 0);
		at_end(&t);
		KT_CHECK(strstr(tls_event(&t), "\"sni\":\"a.b\"") != NULL);
		KT_CHECK(strstr(tls_event(&t), "\"string\":\"771,49199,0-23,,\"") != NULL);
		KT_EQ(t.n, 1);
		at_fini(&t);
	}
}

/* A message claiming 16 MiB: reported, kept bounded, skipped, and the
 * message after it is read. */
static void test_huge_message_length(void)
{
	static uint8_t rec[5 + 16384];
	struct tb_hello h = { .version = 0x0303, .ciphers = one_cipher, .n_ciphers = 1 };
	uint32_t left = 0xffffff + 4;
	struct at t;

	KT_REQUIRE(start(&t) == 0);
	memset(rec, 0x11, sizeof rec);
	rec[0] = 22, rec[1] = 3, rec[2] = 3, rec[3] = 0x40, rec[4] = 0;
	rec[5] = 1, rec[6] = 0xff, rec[7] = 0xff, rec[8] = 0xff;
	while (left) {
		uint32_t n = left < 16384 ? left : 16384;
		rec[3] = (uint8_t)(n >> 8), rec[4] = (uint8_t)n;
		at_feed(&t, 0, rec, 5 + n);
		KT_CHECK(kn_app_ctx_stats(t.ctx)->mem_in_use < 80 * 1024);
		left -= n;
		memset(rec + 5, 0x11, 4);
	}
	KT_EQ(anomalies(&t, "RECORD_OVERFLOW"), 1);
	tb_client_hello(&tb, &h);
	feed_tb(&t, 0);
	at_end(&t);
	KT_CHECK(strstr(tls_event(&t), "\"string\":\"771,49199,,,\"") != NULL);
	KT_EQ(kn_app_ctx_stats(t.ctx)->mem_in_use, 0);
	at_fini(&t);
}

/* ----------------------------------------------------------- extensions */

static void check_raw(const uint8_t *raw, size_t n, const char *event, const char *want)
{
	struct at t;

	KT_REQUIRE(start(&t) == 0);
	hello_with_raw_exts(raw, n);
	feed_tb(&t, 0);
	at_end(&t);
	if (event)
		KT_CHECK(anomalies(&t, event) == 1);
	if (!strstr(tls_event(&t), want)) {
		kt_fail(__FILE__, __LINE__, "want %s", want);
		at_dump(&t);
	}
	KT_EQ(kn_app_ctx_stats(t.ctx)->mem_in_use, 0);
	at_fini(&t);
}

static void test_extension_overflows(void)
{
	/* second extension claims 255 bytes of a 4-byte remainder */
	static const uint8_t a[] = { 0, 8, 0, 23, 0, 0, 0, 11, 0, 0xff };
	/* block claims 256 bytes, 4 present */
	static const uint8_t b[] = { 1, 0, 0, 23, 0, 0 };
	/* one stray byte where the block length should be */
	static const uint8_t c[] = { 0 };
	/* SNI list longer than the extension */
	static const uint8_t d[] = { 0, 10, 0, 0, 0, 6, 0, 16, 0, 0, 3, 'a' };
	/* SNI of type 1, then a host name */
	static const uint8_t e[] = { 0, 16, 0, 0, 0, 12, 0, 10, 1, 0, 1, 'x',
				     0, 0, 3, 'a', '.', 'b' };
	/* two SNI extensions: the first is kept */
	static const uint8_t f[] = { 0, 22, 0, 0, 0, 7, 0, 5, 0, 0, 2, 'o', 'k',
				     0, 0, 0, 7, 0, 5, 0, 0, 2, 'n', 'o' };
	/* supported_groups whose list overflows: cut to what is there */
	static const uint8_t g[] = { 0, 8, 0, 10, 0, 4, 0, 16, 0, 23 };
	/* ALPN whose first name overflows: no ALPN in JA4 */
	static const uint8_t h[] = { 0, 8, 0, 16, 0, 4, 0, 2, 9, 'h' };

	check_raw(a, sizeof a, "HANDSHAKE_INVALID_LENGTH", "\"string\":\"771,49199,23,,\"");
	check_raw(b, sizeof b, "HANDSHAKE_INVALID_LENGTH", "\"string\":\"771,49199,23,,\"");
	check_raw(c, sizeof c, "HANDSHAKE_INVALID_LENGTH", "\"string\":\"771,49199,,,\"");
	check_raw(d, sizeof d, "INVALID_SNI_LENGTH", "\"string\":\"771,49199,0,,\"");
	check_raw(e, sizeof e, "INVALID_SNI_TYPE", "\"sni\":\"a.b\"");
	check_raw(f, sizeof f, "MULTIPLE_SNI_EXTENSIONS", "\"sni\":\"ok\"");
	check_raw(g, sizeof g, NULL, "\"string\":\"771,49199,10,23,\"");
	check_raw(h, sizeof h, NULL, "\"ja4\":\"t12i010100_");
}

static void test_zero_lengths(void)
{
	static const uint8_t empty_records[] = { 22, 3, 3, 0, 0, 23, 3, 3, 0, 0, 21, 3, 3, 0, 0 };
	static const uint8_t empty_hello[] = { 22, 3, 3, 0, 4, 1, 0, 0, 0 };
	static const uint8_t empty_sni[] = { 0, 9, 0, 0, 0, 5, 0, 3, 0, 0, 0 };
	struct tb_hello h = { .version = 0x0303 };
	struct at t;

	KT_REQUIRE(start(&t) == 0);
	at_feed(&t, 0, empty_records, sizeof empty_records);
	at_feed(&t, 0, empty_hello, sizeof empty_hello);
	KT_EQ(anomalies(&t, "HANDSHAKE_INVALID_LENGTH"), 1);
	tb_client_hello(&tb, &h);   /* no cipher, no extension */
	feed_tb(&t, 0);
	tb_server_hello(&tb, 0x0303, 0, NULL, 0);
	tb_handshake(&tb, 11, NULL, 0, 0);   /* empty Certificate message */
	feed_tb(&t, 1);
	KT_EQ(anomalies(&t, "CERTIFICATE_INVALID_LENGTH"), 1);
	at_end(&t);
	KT_CHECK(strstr(tls_event(&t), "\"ja3\":{\"hash\":\"") != NULL);
	KT_CHECK(strstr(tls_event(&t), "\"string\":\"771,,,,\"") != NULL);
	KT_CHECK(strstr(tls_event(&t), "\"ja3s\":{\"hash\":\"") != NULL);
	KT_CHECK(strstr(tls_event(&t), "\"string\":\"771,0,\"") != NULL);
	KT_CHECK(strstr(tls_event(&t), "\"ja4\":\"t12i000000_000000000000_000000000000\"") !=
		 NULL);
	KT_CHECK(strstr(tls_event(&t), "\"subject\"") == NULL);
	KT_EQ(kn_app_ctx_stats(t.ctx)->mem_in_use, 0);
	at_fini(&t);

	/* An empty host name is still the name the client sent. */
	KT_REQUIRE(start(&t) == 0);
	hello_with_raw_exts(empty_sni, sizeof empty_sni);
	feed_tb(&t, 0);
	at_end(&t);
	KT_CHECK(strstr(tls_event(&t), "\"sni\":\"\"") != NULL);
	at_fini(&t);
}

/* ---------------------------------------------------------- certificates */

struct cert_opts {
	int multi_rdn, bmp, unknown_oid, other_signer, high_serial;
};

/* A certificate made with OpenSSL: subject "C=FR, O=Kenchi Test, CN=leaf"
 * plus the requested oddities, issuer = subject, EC P-256. DER in *der
 * (OPENSSL_free), length returned; 0 on failure. */
static int make_cert(const struct cert_opts *o, unsigned char **der)
{
	EVP_PKEY *key = EVP_EC_gen("P-256"), *signer = o->other_signer ? EVP_EC_gen("P-256") : NULL;
	X509 *x = X509_new();
	X509_NAME *n = X509_NAME_new();
	static const unsigned char bmp[] = { 0, 'h', 0, 0xe9, 0x20, 0xac };
	static const unsigned char serial[] = { 0x80, 0x01 };
	ASN1_INTEGER *sn = NULL;
	int len = 0;

	*der = NULL;
	if (!key || !x || !n || (o->other_signer && !signer))
		goto out;
	X509_set_version(x, 2);
	if (o->high_serial) {
		BIGNUM *bn = BN_bin2bn(serial, 2, NULL);
		sn = BN_to_ASN1_INTEGER(bn, NULL);
		BN_free(bn);
		X509_set_serialNumber(x, sn);
	} else {
		ASN1_INTEGER_set(X509_get_serialNumber(x), 0x1234);
	}
	X509_NAME_add_entry_by_txt(n, "C", MBSTRING_ASC, (const unsigned char *)"FR", -1, -1, 0);
	X509_NAME_add_entry_by_txt(n, "O", MBSTRING_ASC, (const unsigned char *)"Kenchi Test",
				   -1, -1, 0);
	X509_NAME_add_entry_by_txt(n, "CN", MBSTRING_ASC, (const unsigned char *)"leaf", -1, -1,
				   0);
	if (o->multi_rdn)
		X509_NAME_add_entry_by_txt(n, "OU", MBSTRING_ASC, (const unsigned char *)"unit",
					   -1, -1, -1);
	if (o->bmp)
		X509_NAME_add_entry_by_txt(n, "L", V_ASN1_BMPSTRING, bmp, sizeof bmp, -1, 0);
	if (o->unknown_oid)
		X509_NAME_add_entry_by_txt(n, "1.2.3.4", MBSTRING_ASC,
					   (const unsigned char *)"x", -1, -1, 0);
	X509_NAME_add_entry_by_txt(n, "emailAddress", MBSTRING_ASC,
				   (const unsigned char *)"a@b.c", -1, -1, 0);
	X509_set_subject_name(x, n);
	X509_set_issuer_name(x, n);
	ASN1_TIME_set_string(X509_getm_notBefore(x), "20240102030405Z");
	ASN1_TIME_set_string(X509_getm_notAfter(x), "20991231235959Z");
	X509_set_pubkey(x, key);
	if (X509_sign(x, signer ? signer : key, EVP_sha256()) <= 0)
		goto out;
	len = i2d_X509(x, der);
	if (len < 0)
		len = 0;
out:
	ASN1_INTEGER_free(sn);
	X509_NAME_free(n);
	X509_free(x);
	EVP_PKEY_free(key);
	EVP_PKEY_free(signer);
	return len;
}

/* ClientHello, ServerHello (TLS 1.2), then a Certificate message holding
 * `leaf` and `pad` bytes of further (fake) certificates. */
static void cert_flow(struct at *t, const uint8_t *leaf, size_t leaf_len, size_t pad)
{
	struct tb_hello h = { .version = 0x0303, .ciphers = one_cipher, .n_ciphers = 1 };
	static struct tb body;
	size_t list;

	tb_client_hello(&tb, &h);
	feed_tb(t, 0);
	tb_server_hello(&tb, 0x0303, 0xc02f, NULL, 0);
	body.n = 0;
	list = tb_open(&body, 3);
	tb_u24(&body, (unsigned)leaf_len);
	tb_bytes(&body, leaf, leaf_len);
	while (pad >= 3 + 1000) {
		tb_u24(&body, 1000);
		memset(body.b + body.n, 0x30, 1000);
		body.n += 1000;
		pad -= 1003;
	}
	tb_close(&body, list, 3);
	tb_handshake(&tb, 11, body.b, body.n, 0);
	feed_tb(t, 1);
}

static void test_generated_certificates(void)
{
	static const struct {
		struct cert_opts o;
		const char *subject, *serial;
		int self_signed;
	} cases[] = {
		{ { 0 }, "C=FR, O=Kenchi Test, CN=leaf, Email=a@b.c", "12:34", 1 },
		{ { .multi_rdn = 1 }, "C=FR, O=Kenchi Test, CN=leaf + OU=unit, Email=a@b.c", "12:34",
		  1 },
		{ { .bmp = 1 }, "C=FR, O=Kenchi Test, CN=leaf, L=h\xc3\xa9\xe2\x82\xac, Email=a@b.c",
		  "12:34", 1 },
		{ { .unknown_oid = 1 }, "C=FR, O=Kenchi Test, CN=leaf, 1.2.3.4=x, Email=a@b.c",
		  "12:34", 1 },
		{ { .other_signer = 1 }, "C=FR, O=Kenchi Test, CN=leaf, Email=a@b.c", "12:34", 0 },
		{ { .high_serial = 1 }, "C=FR, O=Kenchi Test, CN=leaf, Email=a@b.c", "00:80:01", 1 },
	};

	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		unsigned char *der;
		int len = make_cert(&cases[i].o, &der);
		char want[256];
		struct at t;
		KT_REQUIRE(len > 0);
		KT_REQUIRE(start(&t) == 0);
		cert_flow(&t, der, (size_t)len, 0);
		OPENSSL_free(der);
		KT_EQ(t.n, 1);   /* logged on the certificate */
		snprintf(want, sizeof want, "\"subject\":\"%s\",\"issuerdn\":\"%s\",\"serial\":\"%s\"",
			 cases[i].subject, cases[i].subject, cases[i].serial);
		if (!strstr(tls_event(&t), want)) {
			kt_fail(__FILE__, __LINE__, "case %zu: want %s", i, want);
			at_dump(&t);
		}
		KT_CHECK(strstr(tls_event(&t), "\"notbefore\":\"2024-01-02T03:04:05\","
						"\"notafter\":\"2099-12-31T23:59:59\"") != NULL);
		KT_REQUIRE(t.n_assets == 1);
		KT_EQ(t.assets[0].tls.self_signed, cases[i].self_signed);
		KT_EQ(t.assets[0].tls.not_before, 1704164645);
		done(&t);
	}
}

static void test_garbage_certificate(void)
{
	uint8_t junk[300];
	struct at t;

	for (size_t i = 0; i < sizeof junk; i++)
		junk[i] = (uint8_t)(i * 7 + 3);
	junk[0] = 0x30;
	KT_REQUIRE(start(&t) == 0);
	cert_flow(&t, junk, sizeof junk, 0);
	KT_EQ(anomalies(&t, "INVALID_CERTIFICATE"), 1);
	KT_EQ(at_count(&t, "\"event_type\":\"tls\""), 1);
	KT_CHECK(strstr(tls_event(&t), "\"subject\"") == NULL);
	KT_CHECK(strstr(tls_event(&t), "\"version\":\"TLS 1.2\"") != NULL);
	KT_REQUIRE(t.n_assets == 1);
	KT_EQ(t.assets[0].tls.has_cert, 0);
	done(&t);
}

/* A 100 KB certificate chain: the leaf is read from the kept 64 KiB. */
static void test_huge_certificate_message(void)
{
	struct cert_opts o = { 0 };
	unsigned char *der;
	int len = make_cert(&o, &der);
	struct at t;

	KT_REQUIRE(len > 0);
	KT_REQUIRE(start(&t) == 0);
	cert_flow(&t, der, (size_t)len, 100 * 1024);
	OPENSSL_free(der);
	KT_EQ(anomalies(&t, "RECORD_OVERFLOW"), 1);
	KT_EQ(anomalies(&t, "CERTIFICATE_INVALID_LENGTH"), 0);
	KT_CHECK(strstr(tls_event(&t), "\"subject\":\"C=FR, O=Kenchi Test, CN=leaf") != NULL);
	KT_CHECK(kn_app_ctx_stats(t.ctx)->mem_peak < 100 * 1024);
	done(&t);
}

/* ---------------------------------------------------------------- SSLv2 */

static void test_sslv2(void)
{
	struct at t;

	/* Detected by content; an SSLv2 hello has no JA3 or JA4. */
	KT_REQUIRE(at_init(&t, NULL, 6, 59062, 443) == 0);
	at_feed(&t, 0, sslv2_client_hello, sizeof sslv2_client_hello);
	at_feed(&t, 1, sslv2_server_hello, sizeof sslv2_server_hello);
	KT_EQ(t.n, 1);
	KT_CHECK(strstr(tls_event(&t),
			"\"tls\":{\"subject\":\"C=US, ST=Virginia, L=Herndon, O=Parallels, "
			"OU=Plesk, CN=plesk, Email=info@plesk.com\"") != NULL);
	KT_CHECK(strstr(tls_event(&t), "\"version\":\"SSLv2\"") != NULL);
	KT_CHECK(strstr(tls_event(&t), "\"ja3\"") == NULL);
	KT_CHECK(strstr(tls_event(&t), "\"ja4\"") == NULL);
	at_end(&t);
	KT_EQ_STR(t.app_proto, "tls");
	KT_REQUIRE(t.n_assets == 1);
	KT_EQ_STR(t.assets[0].version, "SSLv2");
	at_fini(&t);

	/* An SSLv2-compatible hello answered in TLS: the answer decides. */
	KT_REQUIRE(start(&t) == 0);
	at_feed(&t, 0, sslv2_client_hello, sizeof sslv2_client_hello);
	at_feed(&t, 1, emotet_server_flight, sizeof emotet_server_flight);
	KT_CHECK(strstr(tls_event(&t), "\"version\":\"TLS 1.2\"") != NULL);
	KT_CHECK(strstr(tls_event(&t), "\"ja3s\":{\"hash\":\"ec74a5c51106f0419184d0dd08fb05bc\"") !=
		 NULL);
	done(&t);
}

/* ------------------------------------------------------------------ gaps */

static void test_gaps(void)
{
	static const uint8_t app[] = { 23, 3, 3, 0, 100 };
	static const uint8_t hb[] = { 24, 3, 3, 0, 3, 1, 0, 0 };
	static uint8_t zeros[100];
	struct at t;

	/* Inside a record: the next header is still found. */
	KT_REQUIRE(start(&t) == 0);
	at_feed(&t, 0, app, sizeof app);
	at_feed(&t, 0, zeros, 10);
	at_gap(&t, 0, 80);
	at_feed(&t, 0, zeros, 10);
	at_feed(&t, 0, hb, sizeof hb);
	KT_EQ(anomalies(&t, "HEARTBEAT_MESSAGE"), 1);
	done(&t);

	/* Across a record boundary: the direction stops. */
	KT_REQUIRE(start(&t) == 0);
	at_feed(&t, 0, app, sizeof app);
	at_gap(&t, 0, 101);
	at_feed(&t, 0, hb, sizeof hb);
	KT_EQ(anomalies(&t, "HEARTBEAT_MESSAGE"), 0);
	done(&t);

	/* Inside the server's handshake: no certificate, logged at the end. */
	KT_REQUIRE(start(&t) == 0);
	at_feed(&t, 0, emotet_client_hello, sizeof emotet_client_hello);
	at_feed(&t, 1, emotet_server_flight, 100);
	at_gap(&t, 1, 200);
	at_feed(&t, 1, emotet_server_flight + 300, sizeof emotet_server_flight - 300);
	at_feed(&t, 0, emotet_client_finish, sizeof emotet_client_finish);
	at_feed(&t, 1, emotet_server_finish, sizeof emotet_server_finish);
	KT_EQ(at_count(&t, "\"event_type\":\"tls\""), 1);   /* both ChangeCipherSpecs seen */
	KT_CHECK(strstr(tls_event(&t), "\"ja3s\":{\"hash\":\"ec74a5c5") != NULL);
	KT_CHECK(strstr(tls_event(&t), "\"subject\"") == NULL);
	done(&t);
}

/* --------------------------------------------------------------- memory */

static void run_emotet(struct at *t)
{
	at_feed(t, 0, emotet_client_hello, sizeof emotet_client_hello);
	at_feed(t, 1, emotet_server_flight, sizeof emotet_server_flight);
	at_feed(t, 0, emotet_client_finish, sizeof emotet_client_finish);
	at_feed(t, 1, emotet_server_finish, sizeof emotet_server_finish);
}

static void test_small_memcaps(void)
{
	for (uint64_t cap = 512; cap < 16384; cap += 509) {
		struct kn_app_config cfg;
		struct at t;
		kn_app_config_default(&cfg);
		cfg.memcap = cap;
		cfg.probe_max = 256;
		KT_REQUIRE(at_init_cfg(&t, "tls", 6, 40000, 443, &cfg) == 0 || t.ctx);
		run_emotet(&t);
		at_end(&t);
		KT_CHECK(!t.bad_json);
		KT_EQ(kn_app_ctx_stats(t.ctx)->mem_in_use, 0);
		at_fini(&t);
	}
}

/* Every allocation of the flow failing in turn (effective in builds with
 * -Dalloc_faults=true): no crash, no leak, memory accounted back. */
static void test_allocation_failures(void)
{
	for (unsigned long n = 1; n < 120; n++) {
		struct at t;
		int ok;
		kn_alloc_fail_at(0);
		ok = start(&t) == 0;
		kn_alloc_fail_at(n);
		if (ok)
			run_emotet(&t);
		kn_alloc_fail_at(0);
		if (t.ctx) {
			if (t.flow.app)
				at_end(&t);
			KT_EQ(kn_app_ctx_stats(t.ctx)->mem_in_use, 0);
		}
		at_fini(&t);
	}
}

/* Pseudo-random bytes behind a valid record header, one byte at a time. */
static void test_noise(void)
{
	uint32_t x = 12345;

	for (int round = 0; round < 50; round++) {
		struct at t;
		uint8_t b[600];
		KT_REQUIRE(start(&t) == 0);
		for (size_t i = 0; i < sizeof b; i++) {
			x = x * 1103515245u + 12345u;
			b[i] = (uint8_t)(x >> 16);
		}
		b[0] = 22, b[1] = 3, b[2] = 3, b[3] = 2, b[4] = 0x50;
		for (size_t i = 0; i < sizeof b; i++)
			at_feed(&t, (int)(i / 300), b + i, 1);
		done(&t);
	}
}

static const struct kt_case cases[] = {
	KT_CASE(test_record_lengths),
	KT_CASE(test_record_type_and_version),
	KT_CASE(test_message_across_records),
	KT_CASE(test_huge_message_length),
	KT_CASE(test_extension_overflows),
	KT_CASE(test_zero_lengths),
	KT_CASE(test_generated_certificates),
	KT_CASE(test_garbage_certificate),
	KT_CASE(test_huge_certificate_message),
	KT_CASE(test_sslv2),
	KT_CASE(test_gaps),
	KT_CASE(test_small_memcaps),
	KT_CASE(test_allocation_failures),
	KT_CASE(test_noise),
};

KT_MAIN("app_tls_hostile", cases)
