/*
 * test_tls_fp.c - JA3, JA3S and JA4 through the parser, against the worked
 * examples of their specifications: the salesforce/ja3 README (two strings
 * and their MD5) and FoxIO's JA4 technical details (cipher hash
 * 8daaf6152771, extension hash e5627efa2ab1 / 6d807ffa2a79, the fingerprint
 * t13d1516h2_8daaf6152771_e5627efa2ab1, the ALPN rules). GREASE values are
 * mixed into every list and must not change anything.
 */
#include "../../../kt.h"
#include "../app_test.h"
#include "app/tls/tls.h"
#include "tls_build.h"

static struct tb tb;

/* Feeds one ClientHello (and optionally a ServerHello) and returns the
 * flow's tls event line (owned by t), or NULL. */
static const char *run_hello(struct at *t, const struct tb_hello *h, const struct tb_ext *sx,
			     size_t n_sx, uint16_t sver, uint16_t scipher)
{
	int i;

	if (at_init(t, "tls", 6, 40000, 443) != 0)
		return NULL;
	tb.n = 0;
	tb_client_hello(&tb, h);
	at_feed(t, 0, tb.b, tb.n);
	if (sver) {
		tb.n = 0;
		tb_server_hello(&tb, sver, scipher, sx, n_sx);
		at_feed(t, 1, tb.b, tb.n);
	}
	at_end(t);
	i = at_find(t, "\"event_type\":\"tls\"");
	return i < 0 ? NULL : t->ev[i];
}

/* README: "769,47-53-5-10-49161-49162-49171-49172-50-56-19-4,0-10-11,
 * 23-24-25,0" --> ada70206e40642a3e4461f35503241d5. */
static void test_ja3_readme_example(void)
{
	static const uint16_t ciphers[] = { 47, 53, 5, 10, 0x0a0a, 49161, 49162, 49171, 49172,
					    50, 56, 19, 4 };
	static const uint8_t sni[] = { 0, 8, 0, 0, 5, 'a', '.', 'c', 'o', 'm' };
	static const uint8_t groups[] = { 0, 8, 0x2a, 0x2a, 0, 23, 0, 24, 0, 25 };
	static const uint8_t formats[] = { 1, 0 };
	const struct tb_ext exts[] = { { 0x3a3a, NULL, 0 },
				       { 0, sni, sizeof sni },
				       { 10, groups, sizeof groups },
				       { 11, formats, sizeof formats } };
	struct tb_hello h = { .version = 769, .ciphers = ciphers,
			      .n_ciphers = sizeof ciphers / 2, .exts = exts, .n_exts = 4 };
	struct at t;
	const char *ev = run_hello(&t, &h, NULL, 0, 0, 0);

	KT_REQUIRE(ev);
	KT_CHECK(strstr(ev, "\"ja3\":{\"hash\":\"ada70206e40642a3e4461f35503241d5\","
			    "\"string\":\"769,47-53-5-10-49161-49162-49171-49172-50-56-19-4,"
			    "0-10-11,23-24-25,0\"}") != NULL);
	KT_CHECK(strstr(ev, "\"sni\":\"a.com\"") != NULL);
	KT_CHECK(strstr(ev, "\"version\":\"UNDETERMINED\"") != NULL);
	KT_CHECK(strstr(ev, "\"ja3s\"") == NULL);
	at_fini(&t);
}

/* README: no extensions -> "769,4-5-10-9-100-98-3-6-19-18-99,,," -->
 * de350869b8c85de67a350c8d186f11e6. Also with an empty extension block. */
static void test_ja3_readme_no_extensions(void)
{
	static const uint16_t ciphers[] = { 4, 5, 10, 9, 100, 98, 3, 6, 19, 18, 99 };
	struct tb_hello h = { .version = 769, .ciphers = ciphers, .n_ciphers = 11,
			      .no_ext_block = 1 };
	const char *want = "\"ja3\":{\"hash\":\"de350869b8c85de67a350c8d186f11e6\","
			   "\"string\":\"769,4-5-10-9-100-98-3-6-19-18-99,,,\"}";
	struct at t;
	const char *ev = run_hello(&t, &h, NULL, 0, 0, 0);

	KT_REQUIRE(ev);
	KT_CHECK(strstr(ev, want) != NULL);
	/* JA4 with neither SNI nor extensions: "i", 00 extensions, no ALPN. */
	KT_CHECK(strstr(ev, "\"ja4\":\"t10i110000_") != NULL);
	KT_CHECK(strstr(ev, "_000000000000\"") != NULL);
	at_fini(&t);
	h.no_ext_block = 0;
	ev = run_hello(&t, &h, NULL, 0, 0, 0);
	KT_REQUIRE(ev);
	KT_CHECK(strstr(ev, want) != NULL);
	at_fini(&t);
}

/* JA3S: "Version,Cipher,Extensions" of the ServerHello. */
static void test_ja3s(void)
{
	static const uint16_t ciphers[] = { 0xc02f };
	static const uint8_t reneg[] = { 0 }, formats[] = { 1, 0 };
	const struct tb_ext sx[] = { { 65281, reneg, 1 }, { 11, formats, 2 }, { 35, NULL, 0 } };
	struct tb_hello h = { .version = 0x0303, .ciphers = ciphers, .n_ciphers = 1 };
	struct at t;
	char want[160];
	char md5[33];
	const char *s = "771,49199,65281-11-35";
	const char *ev = run_hello(&t, &h, sx, 3, 0x0303, 0xc02f);

	KT_REQUIRE(ev);
	tls_md5_hex(s, strlen(s), md5);
	snprintf(want, sizeof want, "\"ja3s\":{\"hash\":\"%s\",\"string\":\"%s\"}", md5, s);
	KT_CHECK(strstr(ev, want) != NULL);
	KT_EQ_STR(md5, "ccc514751b175866924439bdbb5bba34");   /* tshark, mix.pcap frame 56016 */
	KT_CHECK(strstr(ev, "\"version\":\"TLS 1.2\"") != NULL);
	at_fini(&t);
}

/* The JA4 technical details example: 15 ciphers, 16 extensions (SNI and
 * ALPN "h2" included), eight signature algorithms, TLS 1.3 offered. */
static const uint16_t ja4_ciphers[] = { 0x1301, 0x1302, 0x1303, 0xc02b, 0xc02f, 0xc02c, 0xc030,
					0xcca9, 0xcca8, 0xc013, 0xc014, 0x009c, 0x009d, 0x002f,
					0x0035, 0xdada };
static const uint8_t ja4_sni[] = { 0, 14, 0, 0, 11, 'e', 'x', 'a', 'm', 'p', 'l', 'e', '.',
				   'c', 'o', 'm' };
static const uint8_t ja4_alpn[] = { 0, 12, 2, 'h', '2', 8, 'h', 't', 't', 'p', '/', '1', '.',
				    '1' };
static const uint8_t ja4_sigalgs[] = { 0, 18, 0x04, 0x03, 0x08, 0x04, 0x04, 0x01, 0x05, 0x03,
				       0x08, 0x05, 0x05, 0x01, 0x08, 0x06, 0x06, 0x01, 0x3a,
				       0x3a };
static const uint8_t ja4_versions[] = { 6, 0x7a, 0x7a, 0x03, 0x04, 0x03, 0x03 };
static const uint8_t ja4_nosig[] = { 0, 0 };

static void ja4_exts(struct tb_ext *x, const uint8_t *sig, size_t sig_len)
{
	static const uint16_t order[] = { 0x001b, 0x0000, 0x0033, 0x0010, 0x4469, 0x0017, 0x002d,
					  0x000d, 0x0005, 0x0023, 0x0012, 0x002b, 0xff01, 0x000b,
					  0x000a, 0x0015 };
	x[0] = (struct tb_ext){ 0x9a9a, NULL, 0 };
	for (size_t i = 0; i < 16; i++) {
		x[i + 1] = (struct tb_ext){ order[i], NULL, 0 };
		if (order[i] == 0x0000)
			x[i + 1].data = ja4_sni, x[i + 1].len = sizeof ja4_sni;
		if (order[i] == 0x0010)
			x[i + 1].data = ja4_alpn, x[i + 1].len = sizeof ja4_alpn;
		if (order[i] == 0x000d)
			x[i + 1].data = sig, x[i + 1].len = sig_len;
		if (order[i] == 0x002b)
			x[i + 1].data = ja4_versions, x[i + 1].len = sizeof ja4_versions;
	}
}

static void test_ja4_spec_example(void)
{
	struct tb_ext x[17];
	struct tb_hello h = { .version = 0x0303, .ciphers = ja4_ciphers, .n_ciphers = 16,
			      .exts = x, .n_exts = 17 };
	struct at t;
	const char *ev;
	char hex[65];
	const char *sorted = "002f,0035,009c,009d,1301,1302,1303,c013,c014,c02b,c02c,c02f,"
			     "c030,cca8,cca9";

	/* The spec's intermediate hashes, as OpenSSL computes them here. */
	tls_sha256_hex(sorted, strlen(sorted), hex);
	KT_CHECK(strncmp(hex, "8daaf6152771", 12) == 0);
	ja4_exts(x, ja4_sigalgs, sizeof ja4_sigalgs);
	ev = run_hello(&t, &h, NULL, 0, 0, 0);
	KT_REQUIRE(ev);
	KT_CHECK(strstr(ev, "\"ja4\":\"t13d1516h2_8daaf6152771_e5627efa2ab1\"") != NULL);
	at_fini(&t);

	/* No signature algorithms: the string ends before the "_". */
	ja4_exts(x, ja4_nosig, sizeof ja4_nosig);
	ev = run_hello(&t, &h, NULL, 0, 0, 0);
	KT_REQUIRE(ev);
	KT_CHECK(strstr(ev, "\"ja4\":\"t13d1516h2_8daaf6152771_6d807ffa2a79\"") != NULL);
	at_fini(&t);
}

static const char *ja4_of(struct at *t, const uint16_t *ciphers, size_t nc,
			  const struct tb_ext *x, size_t nx, uint16_t version)
{
	struct tb_hello h = { .version = version, .ciphers = ciphers, .n_ciphers = nc,
			      .exts = x, .n_exts = nx };
	const char *ev = run_hello(t, &h, NULL, 0, 0, 0);
	const char *p = ev ? strstr(ev, "\"ja4\":\"") : NULL;
	return p ? p + 7 : "";
}

/* First/last ALPN character, with the hex fallback of the spec's list. */
static void test_ja4_alpn(void)
{
	static const struct {
		uint8_t v[8];
		uint8_t len;
		const char *want;
	} cases[] = {
		{ { 'h', 't', 't', 'p', '/', '1', '.', '1' }, 8, "h1" },
		{ { 'x' }, 1, "xx" },
		{ { 0xab }, 1, "ab" },
		{ { 0xab, 0xcd }, 2, "ad" },
		{ { 0x30, 0xab }, 2, "3b" },
		{ { 0x30, 0x31, 0xab, 0xcd }, 4, "3d" },
		{ { 0x30, 0xab, 0xcd, 0x31 }, 4, "01" },
		{ { 0 }, 0, "00" },
	};
	static const uint16_t c[] = { 0x1301 };

	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		uint8_t alpn[16] = { 0, (uint8_t)(cases[i].len + 1), cases[i].len };
		struct tb_ext x = { 16, alpn, (size_t)cases[i].len + 3 };
		struct at t;
		const char *j;
		memcpy(alpn + 3, cases[i].v, cases[i].len);
		j = ja4_of(&t, c, 1, &x, 1, 0x0303);
		/* "t12i0101" then the two ALPN characters */
		KT_CHECK(strlen(j) > 10 && strncmp(j, "t12i0101", 8) == 0 &&
			 strncmp(j + 8, cases[i].want, 2) == 0);
		at_fini(&t);
	}
}

/* Versions, counts capped at 99, empty lists hashed as zeros. */
static void test_ja4_fields(void)
{
	static uint16_t many[120];
	static const uint8_t sv[] = { 4, 0x03, 0x02, 0x03, 0x01 };
	struct tb_ext x = { 43, sv, sizeof sv };
	struct at t;
	const char *j;

	for (int i = 0; i < 120; i++)
		many[i] = (uint16_t)(0x0100 + i);
	j = ja4_of(&t, many, 120, NULL, 0, 0x0300);
	KT_CHECK(strncmp(j, "t", 1) == 0 && strncmp(j, "ts3i990000_", 11) == 0);
	at_fini(&t);
	j = ja4_of(&t, NULL, 0, &x, 1, 0x0303);
	KT_CHECK(strncmp(j, "t11i000100_000000000000_", 24) == 0);
	at_fini(&t);
	j = ja4_of(&t, NULL, 0, NULL, 0, 0x0301);
	KT_CHECK(strncmp(j, "t10i000000_000000000000_000000000000", 36) == 0);
	at_fini(&t);
	/* An SNI extension present makes "d" even when its name is unusable. */
	{
		static const uint8_t bad_sni[] = { 0, 3, 1, 0, 0 };
		struct tb_ext s = { 0, bad_sni, sizeof bad_sni };
		j = ja4_of(&t, NULL, 0, &s, 1, 0x0303);
		KT_CHECK(strncmp(j, "t12d000100_", 11) == 0);
		at_fini(&t);
	}
}

static const struct kt_case cases[] = {
	KT_CASE(test_ja3_readme_example),
	KT_CASE(test_ja3_readme_no_extensions),
	KT_CASE(test_ja3s),
	KT_CASE(test_ja4_spec_example),
	KT_CASE(test_ja4_alpn),
	KT_CASE(test_ja4_fields),
};

KT_MAIN("app_tls_fp", cases)
