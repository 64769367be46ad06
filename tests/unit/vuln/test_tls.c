/*
 * test_tls.c - weak TLS judgement: deprecated protocol versions, the table
 * of weak cipher suites (IANA wire values and names), certificate validity
 * at the packet's time, self-signed certificates, and their combinations.
 */
#include "../../kt.h"

#include "kenchi/vuln.h"

#define T_2024 1704067200LL  /* 2024-01-01T00:00:00Z */

static void test_versions(void)
{
	struct kn_vuln_finding f[KN_VULN_MAX_FINDINGS];
	struct kn_asset_tls t = { 0 };
	static const struct { uint16_t v; const char *name; int weak; } vs[] = {
		{ 0x0002, "SSLv2", 1 }, { 0x0200, "SSLv2", 1 }, { 0x0300, "SSLv3", 1 },
		{ 0x0301, "TLSv1", 1 }, { 0x0302, "TLS 1.1", 1 }, { 0x0303, "TLS 1.2", 0 },
		{ 0x0304, "TLS 1.3", 0 }, { 0x7f1c, NULL, 0 }, { 0xfeff, NULL, 0 }, { 0, NULL, 0 },
	};
	for (size_t i = 0; i < sizeof vs / sizeof vs[0]; i++) {
		t.version = vs[i].v;
		const char *name = kn_vuln_tls_version_name(vs[i].v);
		KT_CHECK(vs[i].name ? (name && !strcmp(name, vs[i].name)) : name == NULL);
		unsigned n = kn_vuln_tls_findings(&t, T_2024, f);
		KT_EQ(n, vs[i].weak);
		if (n) {
			KT_EQ(f[0].type, KN_VULN_PROTOCOL_DEPRECATED);
			KT_EQ_STR(f[0].name, vs[i].name);
		}
	}
}

static void test_cipher_table(void)
{
	static const struct { uint16_t id; const char *name, *weakness; } weak[] = {
		{ 0x0000, "TLS_NULL_WITH_NULL_NULL", "null" },
		{ 0x0004, "TLS_RSA_WITH_RC4_128_MD5", "rc4" },
		{ 0x0005, "TLS_RSA_WITH_RC4_128_SHA", "rc4" },
		{ 0x0003, "TLS_RSA_EXPORT_WITH_RC4_40_MD5", "export" },
		{ 0x0009, "TLS_RSA_WITH_DES_CBC_SHA", "des" },
		{ 0x000A, "TLS_RSA_WITH_3DES_EDE_CBC_SHA", "3des" },
		{ 0x0014, "TLS_DHE_RSA_EXPORT_WITH_DES40_CBC_SHA", "export" },
		{ 0x0018, "TLS_DH_anon_WITH_RC4_128_MD5", "anon" },
		{ 0x0034, "TLS_DH_anon_WITH_AES_128_CBC_SHA", "anon" },
		{ 0x003B, "TLS_RSA_WITH_NULL_SHA256", "null" },
		{ 0x00A7, "TLS_DH_anon_WITH_AES_256_GCM_SHA384", "anon" },
		{ 0xC011, "TLS_ECDHE_RSA_WITH_RC4_128_SHA", "rc4" },
		{ 0xC012, "TLS_ECDHE_RSA_WITH_3DES_EDE_CBC_SHA", "3des" },
		{ 0xC019, "TLS_ECDH_anon_WITH_AES_256_CBC_SHA", "anon" },
		{ 0xC03B, "TLS_ECDHE_PSK_WITH_NULL_SHA384", "null" },
	};
	/* strong suites are not in the table */
	static const uint16_t strong[] = { 0x002F, 0x0035, 0x009C, 0x009D, 0xC02B, 0xC02F,
					   0xC030, 0xCCA8, 0x1301, 0x1302, 0x1303, 0x00FF,
					   0x5600, 0xFFFF };
	const char *w = NULL;

	for (size_t i = 0; i < sizeof weak / sizeof weak[0]; i++) {
		const char *name = kn_vuln_weak_cipher(weak[i].id, &w);
		KT_CHECK(name && !strcmp(name, weak[i].name));
		KT_CHECK(w && !strcmp(w, weak[i].weakness));
	}
	for (size_t i = 0; i < sizeof strong / sizeof strong[0]; i++)
		KT_CHECK(kn_vuln_weak_cipher(strong[i], &w) == NULL);
	KT_CHECK(kn_vuln_weak_cipher(0x0005, NULL) != NULL);
	/* Every entry is reachable by binary search (the table is sorted), and
	 * every name says why it is weak. */
	unsigned found = 0;
	for (unsigned v = 0; v <= 0xffff; v++) {
		const char *name = kn_vuln_weak_cipher((uint16_t)v, &w);
		if (!name)
			continue;
		found++;
		KT_CHECK(strncmp(name, "TLS_", 4) == 0);
		KT_CHECK(strstr(name, "NULL") || strstr(name, "EXPORT") || strstr(name, "anon") ||
			 strstr(name, "RC4") || strstr(name, "DES"));
	}
	KT_EQ(found, 89);  /* the number of rows of weak_suites[] in src/vuln/tls.c */
}

static void test_cipher_finding(void)
{
	struct kn_vuln_finding f[KN_VULN_MAX_FINDINGS];
	struct kn_asset_tls t = { .version = 0x0303, .cipher = 0xC011, .has_cipher = 1 };
	KT_EQ(kn_vuln_tls_findings(&t, T_2024, f), 1);
	KT_EQ(f[0].type, KN_VULN_WEAK_CIPHER);
	KT_EQ_STR(f[0].name, "TLS_ECDHE_RSA_WITH_RC4_128_SHA");
	KT_EQ_STR(f[0].weakness, "rc4");
	t.has_cipher = 0;  /* cipher 0xC011 but not known: nothing */
	KT_EQ(kn_vuln_tls_findings(&t, T_2024, f), 0);
	t.has_cipher = 1;
	t.cipher = 0x0000;  /* NULL_WITH_NULL_NULL negotiated is a finding too */
	KT_EQ(kn_vuln_tls_findings(&t, T_2024, f), 1);
	t.cipher = 0xC02F;
	KT_EQ(kn_vuln_tls_findings(&t, T_2024, f), 0);
	KT_EQ(kn_vuln_tls_findings(NULL, T_2024, f), 0);
}

static void test_certificates(void)
{
	struct kn_vuln_finding f[KN_VULN_MAX_FINDINGS];
	struct kn_asset_tls t = {
		.version = 0x0303, .has_cert = 1,
		.not_before = T_2024 - 86400, .not_after = T_2024 + 86400,
		.subject = "CN=a", .issuer = "CN=b",
	};
	KT_EQ(kn_vuln_tls_findings(&t, T_2024, f), 0);
	/* expired one second before the packet; valid through its last second */
	t.not_after = T_2024 - 1;
	KT_EQ(kn_vuln_tls_findings(&t, T_2024, f), 1);
	KT_EQ(f[0].type, KN_VULN_CERT_EXPIRED);
	KT_EQ(f[0].when, T_2024 - 1);
	t.not_after = T_2024;
	KT_EQ(kn_vuln_tls_findings(&t, T_2024, f), 0);
	/* not yet valid */
	t.not_before = T_2024 + 10;
	t.not_after = T_2024 + 86400;
	KT_EQ(kn_vuln_tls_findings(&t, T_2024, f), 1);
	KT_EQ(f[0].type, KN_VULN_CERT_NOT_YET_VALID);
	KT_EQ(f[0].when, T_2024 + 10);
	/* self-signed */
	t.not_before = T_2024 - 10;
	t.self_signed = 1;
	KT_EQ(kn_vuln_tls_findings(&t, T_2024, f), 1);
	KT_EQ(f[0].type, KN_VULN_CERT_SELF_SIGNED);
	/* certificate facts are ignored without has_cert, or with no dates */
	t.has_cert = 0;
	KT_EQ(kn_vuln_tls_findings(&t, T_2024, f), 0);
	t.has_cert = 1;
	t.not_before = t.not_after = 0;
	t.self_signed = 0;
	KT_EQ(kn_vuln_tls_findings(&t, T_2024, f), 0);
	/* dates before 1970 and far in the future */
	t.not_before = -2208988800LL;  /* 1900 */
	t.not_after = -1;
	KT_EQ(kn_vuln_tls_findings(&t, T_2024, f), 1);
	KT_EQ(f[0].type, KN_VULN_CERT_EXPIRED);
	t.not_after = INT64_MAX;
	KT_EQ(kn_vuln_tls_findings(&t, T_2024, f), 0);
}

/* Everything wrong at once: all findings, in enum order. */
static void test_all_findings(void)
{
	struct kn_vuln_finding f[KN_VULN_MAX_FINDINGS];
	struct kn_asset_tls t = {
		.version = 0x0300, .cipher = 0x0003, .has_cipher = 1, .has_cert = 1,
		.self_signed = 1, .not_before = 1000000000, .not_after = 1100000000,
	};
	KT_EQ(kn_vuln_tls_findings(&t, T_2024, f), 4);
	KT_EQ(f[0].type, KN_VULN_PROTOCOL_DEPRECATED);
	KT_EQ_STR(f[0].name, "SSLv3");
	KT_EQ(f[1].type, KN_VULN_WEAK_CIPHER);
	KT_EQ_STR(f[1].weakness, "export");
	KT_EQ(f[2].type, KN_VULN_CERT_EXPIRED);
	KT_EQ(f[3].type, KN_VULN_CERT_SELF_SIGNED);
	KT_EQ_STR(kn_vuln_finding_name(KN_VULN_PROTOCOL_DEPRECATED), "protocol_deprecated");
	KT_EQ_STR(kn_vuln_finding_name(KN_VULN_WEAK_CIPHER), "weak_cipher");
	KT_EQ_STR(kn_vuln_finding_name(KN_VULN_CERT_EXPIRED), "cert_expired");
	KT_EQ_STR(kn_vuln_finding_name(KN_VULN_CERT_NOT_YET_VALID), "cert_not_yet_valid");
	KT_EQ_STR(kn_vuln_finding_name(KN_VULN_CERT_SELF_SIGNED), "cert_self_signed");
	KT_CHECK(kn_vuln_finding_name(99) == NULL);
}

static const struct kt_case cases[] = {
	KT_CASE(test_versions), KT_CASE(test_cipher_table), KT_CASE(test_cipher_finding),
	KT_CASE(test_certificates), KT_CASE(test_all_findings),
};

KT_MAIN("vuln_tls", cases)
