/*
 * test_version.c - the building blocks of CVE matching: version
 * comparison (the table of README "Version comparison"), the version token
 * of an asset, OpenSSH's release/update split, CPE 2.3 parsing, the
 * product -> CPE name table, and the keyed hash of the dedup table.
 */
#include "../../kt.h"

#include "kenchi/vuln.h"
#include "vuln/vuln_int.h"

struct vcase {
	const char *a, *b;
	int want;  /* sign of kn_vuln_version_cmp(a, b) */
};

static const struct vcase vcases[] = {
	/* plain dotted numbers */
	{ "2.4.29", "2.4.29", 0 }, { "2.4.29", "2.4.3", 1 }, { "2.4.9", "2.4.10", -1 },
	{ "1.18.0", "1.18", 0 }, { "1.0", "1.0.0.0", 0 }, { "1.0", "1.0.1", -1 },
	{ "10.0", "9.9.9", 1 }, { "2019.78", "2016.74", 1 }, { "2020.81", "2020.81", 0 },
	{ "007", "7", 0 }, { "1.02", "1.2", 0 },
	/* numbers longer than any integer type */
	{ "99999999999999999999999.1", "99999999999999999999998.9", 1 },
	{ "1.00000000000000000000000000001", "1.1", 0 },
	/* letter suffixes are newer than the release they follow */
	{ "7.4p1", "7.4", 1 }, { "7.4p1", "7.4p2", -1 }, { "7.4p1", "7.5", -1 },
	{ "9.3p2", "9.3p1", 1 }, { "1.0.2k", "1.0.2", 1 }, { "1.0.2k", "1.0.2l", -1 },
	{ "1.0.1f", "1.0.1g", -1 }, { "1.0a", "1.0.1", -1 }, { "7.4p1", "7.4.1", -1 },
	{ "1.0.2K", "1.0.2k", 0 },
	/* pre-releases are older */
	{ "1.0rc1", "1.0", -1 }, { "1.0-rc1", "1.0rc2", -1 }, { "1.0beta2", "1.0rc1", -1 },
	{ "1.0alpha", "1.0beta", -1 }, { "1.0dev", "1.0alpha", -1 }, { "2.0-rc1", "1.9.9", 1 },
	{ "1.0.0-beta1", "1.0.0", -1 }, { "1.0rc1", "1.0p1", -1 },
	/* separators are equivalent; empty and NULL */
	{ "1_2-3", "1.2.3", 0 }, { "1..2", "1.2", 0 }, { "", "", 0 }, { "", "0", 0 },
	{ "", "1", -1 }, { NULL, "1", -1 }, { "1", NULL, 1 }, { NULL, NULL, 0 },
};

static int sgn(int v)
{
	return (v > 0) - (v < 0);
}

static void test_version_cmp_table(void)
{
	for (size_t i = 0; i < sizeof vcases / sizeof vcases[0]; i++) {
		const struct vcase *c = &vcases[i];
		int got = sgn(kn_vuln_version_cmp(c->a, c->b));
		int rev = sgn(kn_vuln_version_cmp(c->b, c->a));
		if (got != c->want || rev != -c->want) {
			kt_fail(__FILE__, __LINE__, "cmp(%s, %s) = %d / reverse %d, want %d",
				c->a ? c->a : "NULL", c->b ? c->b : "NULL", got, rev, c->want);
			return;
		}
	}
}

/* Transitivity over a sorted list: every pair compares as its positions. */
static void test_version_order(void)
{
	static const char *const sorted[] = {
		"0.9", "1.0dev", "1.0alpha1", "1.0beta", "1.0pre", "1.0rc1", "1.0", "1.0a",
		"1.0b", "1.0.1", "1.0.1f", "1.0.1g", "1.0.2", "1.1", "7.4", "7.4p1", "7.4p2",
		"7.5", "9.3p2", "10", "2016.74", "2019.78",
	};
	size_t n = sizeof sorted / sizeof sorted[0];
	for (size_t i = 0; i < n; i++)
		for (size_t k = 0; k < n; k++)
			if (sgn(kn_vuln_version_cmp(sorted[i], sorted[k])) != (i > k) - (i < k)) {
				kt_fail(__FILE__, __LINE__, "%s vs %s", sorted[i], sorted[k]);
				return;
			}
}

static void test_version_token(void)
{
	char t[KN_VULN_MAX_VERSION + 1];
	KT_EQ(vuln_version_token("7.4p1", t), 5);
	KT_EQ_STR(t, "7.4p1");
	KT_EQ(vuln_version_token("1.18.0 (Ubuntu)", t), 6);
	KT_EQ_STR(t, "1.18.0");
	KT_EQ(vuln_version_token("v2.4.29", t), 6);
	KT_EQ_STR(t, "2.4.29");
	KT_EQ(vuln_version_token("7.4p1 Debian-10+deb9u7", t), 5);
	KT_EQ(vuln_version_token("2.4.29/Unix", t), 6);
	KT_EQ(vuln_version_token("for_Windows_7.7", t), 0);
	KT_EQ_STR(t, "");
	KT_EQ(vuln_version_token("", t), 0);
	KT_EQ(vuln_version_token(NULL, t), 0);
	char longv[200];
	memset(longv, '1', sizeof longv - 1);
	longv[sizeof longv - 1] = '\0';
	KT_EQ(vuln_version_token(longv, t), 0);  /* too long: not matched at all */
}

static void test_version_split(void)
{
	char rel[KN_VULN_MAX_VERSION + 1], upd[KN_VULN_MAX_VERSION + 1];
	vuln_version_split("7.4p1", rel, upd);
	KT_EQ_STR(rel, "7.4");
	KT_EQ_STR(upd, "p1");
	vuln_version_split("6.6.1p1", rel, upd);
	KT_EQ_STR(rel, "6.6.1");
	KT_EQ_STR(upd, "p1");
	vuln_version_split("6.6p1-hpn14v4", rel, upd);
	KT_EQ_STR(rel, "6.6");
	KT_EQ_STR(upd, "p1");
	vuln_version_split("9.7", rel, upd);
	KT_EQ_STR(rel, "9.7");
	KT_EQ_STR(upd, "");
	vuln_version_split("3.4+p1+gssapi", rel, upd);
	KT_EQ_STR(rel, "3.4");
	KT_EQ_STR(upd, "");
	vuln_version_split("5.", rel, upd);
	KT_EQ_STR(rel, "5");
	KT_CHECK(vuln_version_has_update("9.3p2"));
	KT_CHECK(!vuln_version_has_update("9.3"));
	KT_CHECK(!vuln_version_has_update("2.4.49"));
}

static void test_version_imprecise(void)
{
	KT_CHECK(vuln_version_imprecise("2.4", "2.4.51"));
	KT_CHECK(vuln_version_imprecise("2", "2.4.51"));
	KT_CHECK(vuln_version_imprecise("2", "2.0.1"));
	KT_CHECK(vuln_version_imprecise("", "1"));
	KT_CHECK(!vuln_version_imprecise("2.4", "2.4.0"));
	KT_CHECK(!vuln_version_imprecise("2.4", "2.4.0.0"));
	KT_CHECK(!vuln_version_imprecise("2.2", "2.4.51"));
	KT_CHECK(!vuln_version_imprecise("3", "2.4.51"));
	KT_CHECK(!vuln_version_imprecise("2.4.49", "2.4.51"));
	KT_CHECK(!vuln_version_imprecise("2.4.49", "2.4"));
	KT_CHECK(!vuln_version_imprecise("9.3", "9.3p2"));    /* a release, not a prefix */
	KT_CHECK(!vuln_version_imprecise("9.3p1", "9.3.1"));
	KT_CHECK(!vuln_version_imprecise("1.0.1", "1.0.1g"));
	KT_CHECK(!vuln_version_imprecise("1.0rc1", "1.0.1"));
}

static void test_cpe_parse(void)
{
	struct vuln_cpe c;
	KT_EQ(vuln_cpe_parse("cpe:2.3:a:openbsd:openssh:7.4:p1:*:*:*:*:*:*", &c), 0);
	KT_EQ(c.part, 'a');
	KT_EQ_STR(c.vendor, "openbsd");
	KT_EQ_STR(c.product, "openssh");
	KT_EQ_STR(c.version, "7.4");
	KT_EQ_STR(c.update, "p1");
	KT_EQ(vuln_cpe_parse("cpe:2.3:a:apache:http_server:*:*:*:*:*:*:*:*", &c), 0);
	KT_EQ_STR(c.version, "*");
	/* escapes are removed; an escaped '*' is a character, not a wildcard */
	KT_EQ(vuln_cpe_parse("cpe:2.3:a:cisco:ios:12.2\\(33\\)sxi:-:*:*:*:*:*:*", &c), 0);
	KT_EQ_STR(c.version, "12.2(33)sxi");
	KT_EQ_STR(c.update, "-");
	KT_EQ(vuln_cpe_parse("cpe:2.3:a:x:y\\:z:1\\*:*:*:*:*:*:*:*", &c), 0);
	KT_EQ_STR(c.product, "y:z");
	KT_EQ_STR(c.version, "1*");
	KT_EQ(vuln_cpe_parse("cpe:2.3:o:linux:linux_kernel:5.4:*:*:*:*:*:*:*", &c), 0);
	KT_EQ(c.part, 'o');
	KT_EQ(vuln_cpe_parse("cpe:2.3:A:OpenBSD:OpenSSH:7.4:*:*:*:*:*:*:*", &c), 0);
	KT_EQ_STR(c.vendor, "openbsd");  /* names compare in lower case */
	/* rejected: other formats, embedded wildcards, ANY names, short, long */
	KT_CHECK(vuln_cpe_parse("cpe:/a:openbsd:openssh:7.4", &c) != 0);
	KT_CHECK(vuln_cpe_parse("cpe:2.3:a:apache:http_server:2.4.*:*:*:*:*:*:*:*", &c) != 0);
	KT_CHECK(vuln_cpe_parse("cpe:2.3:a:apache:http_server:2.4.?:*:*:*:*:*:*:*", &c) != 0);
	KT_CHECK(vuln_cpe_parse("cpe:2.3:a:*:openssh:7.4:*:*:*:*:*:*:*", &c) != 0);
	KT_CHECK(vuln_cpe_parse("cpe:2.3:a:openbsd", &c) != 0);
	KT_CHECK(vuln_cpe_parse("cpe:2.3:a:openbsd:openssh:7.4", &c) != 0);
	KT_CHECK(vuln_cpe_parse("cpe:2.3:a::openssh:7.4:*:*:*:*:*:*:*", &c) != 0);
	KT_CHECK(vuln_cpe_parse("cpe:2.3:ab:x:y:1:*:*:*:*:*:*:*", &c) != 0);
	KT_CHECK(vuln_cpe_parse("", &c) != 0);
	char big[400];
	snprintf(big, sizeof big, "cpe:2.3:a:%0200d:y:1:*:*:*:*:*:*:*", 1);
	KT_CHECK(vuln_cpe_parse(big, &c) != 0);
	KT_CHECK(vuln_cpe_parse("cpe:2.3:a:x:y:1:\\", &c) != 0);
}

static void test_product_table(void)
{
	const char *n[4];
	char buf[KN_VULN_CPE_BUF];
	unsigned flags;

	KT_EQ(kn_vuln_product_cpes("openssh", n, 4, buf), 1);
	KT_EQ_STR(n[0], "openbsd:openssh");
	KT_EQ(vuln_product_lookup("OpenSSH", n, 4, buf, &flags), 1);
	KT_CHECK(flags & VULN_P_UPDATE_SUFFIX);
	KT_EQ(kn_vuln_product_cpes("nginx", n, 4, buf), 2);
	KT_EQ_STR(n[0], "f5:nginx");
	KT_EQ_STR(n[1], "nginx:nginx");
	KT_EQ(kn_vuln_product_cpes("nginx", n, 1, buf), 1);
	KT_EQ(kn_vuln_product_cpes("Apache httpd", n, 4, buf), 1);
	KT_EQ_STR(n[0], "apache:http_server");
	KT_EQ(kn_vuln_product_cpes("apache-httpd", n, 4, buf), 1);
	KT_EQ_STR(n[0], "apache:http_server");
	KT_EQ(kn_vuln_product_cpes("  Apache__HTTPD ", n, 4, buf), 1);
	KT_EQ_STR(n[0], "apache:http_server");
	KT_EQ(kn_vuln_product_cpes("Microsoft-IIS", n, 4, buf), 1);
	KT_EQ_STR(n[0], "microsoft:internet_information_services");
	KT_EQ(kn_vuln_product_cpes("dropbear", n, 4, buf), 1);
	KT_EQ_STR(n[0], "dropbear_ssh_project:dropbear_ssh");
	KT_EQ(kn_vuln_product_cpes("exim", n, 4, buf), 1);
	KT_EQ_STR(n[0], "exim:exim");
	KT_EQ(kn_vuln_product_cpes("postfix", n, 4, buf), 1);
	KT_EQ(kn_vuln_product_cpes("lighttpd", n, 4, buf), 1);
	KT_EQ(kn_vuln_product_cpes("openssl", n, 4, buf), 1);
	KT_EQ_STR(n[0], "openssl:openssl");
	/* unknown: NAME:NAME */
	KT_EQ(kn_vuln_product_cpes("Some Server", n, 4, buf), 1);
	KT_EQ_STR(n[0], "some_server:some_server");
	KT_EQ(kn_vuln_product_cpes("", n, 4, buf), 0);
	KT_EQ(kn_vuln_product_cpes(" - ", n, 4, buf), 0);
	KT_EQ(kn_vuln_product_cpes(NULL, n, 4, buf), 0);
	char longp[100];
	memset(longp, 'x', sizeof longp - 1);
	longp[sizeof longp - 1] = '\0';
	KT_EQ(kn_vuln_product_cpes(longp, n, 4, buf), 0);
	memset(longp, 'x', 64);
	longp[64] = '\0';
	KT_EQ(kn_vuln_product_cpes(longp, n, 4, buf), 1);  /* the longest accepted */
	KT_EQ(strlen(n[0]), 129);
}

/* SipHash-2-4 with 128-bit output: the reference vectors for key 00..0f
 * and messages 00, 00 01, ... (first bytes of the published table). */
static void test_siphash128(void)
{
	uint8_t key[16], msg[64];
	uint64_t h[2];
	for (int i = 0; i < 16; i++)
		key[i] = (uint8_t)i;
	for (int i = 0; i < 64; i++)
		msg[i] = (uint8_t)i;
	vuln_siphash128(key, msg, 0, h);
	static const uint8_t want0[16] = { 0xa3, 0x81, 0x7f, 0x04, 0xba, 0x25, 0xa8, 0xe6,
					   0x6d, 0xf6, 0x72, 0x14, 0xc7, 0x55, 0x02, 0x93 };
	uint8_t got[16];
	for (int i = 0; i < 8; i++) {
		got[i] = (uint8_t)(h[0] >> (8 * i));
		got[8 + i] = (uint8_t)(h[1] >> (8 * i));
	}
	KT_CHECK(memcmp(got, want0, 16) == 0);
	/* every length differs from its neighbours; one key bit changes it */
	uint64_t prev[2] = { h[0], h[1] };
	for (size_t n = 1; n <= 64; n++) {
		vuln_siphash128(key, msg, n, h);
		KT_CHECK(h[0] != prev[0] || h[1] != prev[1]);
		prev[0] = h[0];
		prev[1] = h[1];
	}
	key[15] ^= 1;
	uint64_t h2[2];
	vuln_siphash128(key, msg, 64, h2);
	KT_CHECK(h2[0] != h[0] && h2[1] != h[1]);
}

static const struct kt_case cases[] = {
	KT_CASE(test_version_cmp_table), KT_CASE(test_version_order), KT_CASE(test_version_token),
	KT_CASE(test_version_split), KT_CASE(test_version_imprecise), KT_CASE(test_cpe_parse),
	KT_CASE(test_product_table),
	KT_CASE(test_siphash128),
};

KT_MAIN("vuln_version", cases)
