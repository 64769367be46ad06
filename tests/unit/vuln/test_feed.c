/*
 * test_feed.c - loading NVD CVE API 2.0 feeds (the sample feed, malformed
 * JSON with line and column, wrong schemas, hostile values, empty and
 * several files) and matching products and versions against them: each
 * kind of range bound, exact versions with and without updates, OpenSSH's
 * "p1" convention, vendor aliases, scores and ordering.
 */
#include "../../kt.h"

#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#include "kenchi/vuln.h"
#include "util/alloc.h"
#include "vuln/vuln_int.h"

#ifndef KN_SOURCE_ROOT
#define KN_SOURCE_ROOT "."
#endif
#define SAMPLE KN_SOURCE_ROOT "/feeds/sample-nvd.json"

static int load_str(struct kn_vuln_feed *f, const char *doc, char *err)
{
	return kn_vuln_feed_load_mem(f, "t.json", doc, strlen(doc), err);
}

/* A one-CVE document: id, CVSS v3.1 score, and the cpeMatch array text. */
static char *doc1(const char *id, const char *score, const char *matches)
{
	static char buf[8192];
	snprintf(buf, sizeof buf,
		 "{\"format\":\"NVD_CVE\",\"version\":\"2.0\",\"vulnerabilities\":[{\"cve\":{"
		 "\"id\":\"%s\",\"metrics\":{\"cvssMetricV31\":[{\"type\":\"Primary\","
		 "\"cvssData\":{\"baseScore\":%s}}]},\"configurations\":[{\"nodes\":[{"
		 "\"operator\":\"OR\",\"negate\":false,\"cpeMatch\":[%s]}]}]}}]}",
		 id, score, matches);
	return buf;
}

/* The ids matched by product/version, comma-joined, into out. */
static const char *ids(const struct kn_vuln_feed *f, const char *product, const char *version)
{
	static char out[1024];
	struct kn_vuln_cve c[64];
	unsigned n = kn_vuln_feed_match(f, product, version, c, 64);
	out[0] = '\0';
	for (unsigned i = 0; i < n && i < 64; i++) {
		if (i)
			strcat(out, ",");
		strcat(out, c[i].id);
	}
	return out;
}

static struct kn_vuln_feed *sample(void)
{
	char err[KN_ERRBUF_SIZE] = "";
	struct kn_vuln_feed *f = kn_vuln_feed_new();
	if (f && kn_vuln_feed_load_file(f, SAMPLE, err) != 0) {
		fprintf(stderr, "%s\n", err);
		kn_vuln_feed_free(f);
		return NULL;
	}
	return f;
}

static void test_sample_feed(void)
{
	struct kn_vuln_feed *f = sample();
	struct kn_vuln_feed_stats st;
	KT_REQUIRE(f);
	kn_vuln_feed_stats(f, &st);
	KT_EQ(st.files, 1);
	KT_EQ(st.entries, 13);
	KT_EQ(st.cves, 13);
	KT_EQ(st.entries_skipped, 0);
	KT_EQ(st.matches, 17);
	KT_EQ(st.matches_skipped, 0);
	KT_EQ(st.matches_context, 2);   /* the Fedora CPEs of CVE-2021-41773 */
	KT_CHECK(st.bytes > 0);
	/* OpenSSH 7.4p1 (7.4 with update p1), best score first */
	KT_EQ_STR(ids(f, "openssh", "7.4p1"), "CVE-2023-38408,CVE-2023-48795,CVE-2018-15473");
	KT_EQ_STR(ids(f, "openssh", "7.4"), "CVE-2023-38408,CVE-2023-48795,CVE-2018-15473");
	KT_EQ_STR(ids(f, "openssh", "7.2p2"),
		  "CVE-2023-38408,CVE-2016-6210,CVE-2023-48795,CVE-2018-15473");
	/* 7.7p1 is still "through 7.7"; 7.3 is no longer "before 7.3" */
	KT_EQ_STR(ids(f, "OpenSSH", "7.7p1"), "CVE-2023-38408,CVE-2023-48795,CVE-2018-15473");
	KT_EQ_STR(ids(f, "openssh", "8.9p1"), "CVE-2023-38408,CVE-2024-6387,CVE-2023-48795");
	KT_EQ_STR(ids(f, "openssh", "9.3p1"), "CVE-2023-38408,CVE-2024-6387,CVE-2023-48795");
	KT_EQ_STR(ids(f, "openssh", "9.3p2"), "CVE-2024-6387,CVE-2023-48795");
	KT_EQ_STR(ids(f, "openssh", "9.7p1"), "CVE-2024-6387");
	KT_EQ_STR(ids(f, "openssh", "9.8p1"), "");
	KT_EQ_STR(ids(f, "openssh", "3.9p1"),
		  "CVE-2023-38408,CVE-2024-6387,CVE-2016-6210,CVE-2023-48795,CVE-2018-15473");
	KT_EQ_STR(ids(f, "openssh", "6.6p1-hpn14v4"),
		  "CVE-2023-38408,CVE-2016-6210,CVE-2023-48795,CVE-2018-15473");
	/* Apache: exact versions and ranges */
	KT_EQ_STR(ids(f, "apache httpd", "2.4.49"),
		  "CVE-2021-42013,CVE-2021-44790,CVE-2021-41773");
	KT_EQ_STR(ids(f, "Apache", "2.4.50"), "CVE-2021-42013,CVE-2021-44790");
	KT_EQ_STR(ids(f, "apache", "2.4.29"), "CVE-2021-44790,CVE-2019-0211");
	KT_EQ_STR(ids(f, "apache", "2.4.38"), "CVE-2021-44790,CVE-2019-0211");
	KT_EQ_STR(ids(f, "apache", "2.4.39"), "CVE-2021-44790");
	KT_EQ_STR(ids(f, "apache", "2.4.16"), "CVE-2021-44790");
	KT_EQ_STR(ids(f, "apache", "2.4.52"), "");
	/* versions less precise than a bound are not placed against it
	 * ("Server: Apache/2.4" could be 2.4.0 .. 2.4.62) */
	KT_EQ_STR(ids(f, "apache", "2.4"), "");
	KT_EQ_STR(ids(f, "apache", "2"), "");
	KT_EQ_STR(ids(f, "apache", "2.2"), "CVE-2021-44790");
	KT_EQ_STR(ids(f, "nginx", "1.18"), "CVE-2021-23017");
	KT_EQ_STR(ids(f, "openssh", "9"), "");          /* 9.0 .. 9.9: straddles 9.3, 9.6, 9.8p1 */
	/* nginx under both vendors */
	KT_EQ_STR(ids(f, "nginx", "1.12.1"), "CVE-2021-23017,CVE-2017-7529");
	KT_EQ_STR(ids(f, "nginx", "1.18.0"), "CVE-2021-23017");
	KT_EQ_STR(ids(f, "nginx", "1.20.1"), "");
	KT_EQ_STR(ids(f, "nginx", "0.6.17"), "CVE-2017-7529");
	/* Dropbear's year.release versions, OpenSSL's letters */
	KT_EQ_STR(ids(f, "dropbear", "2016.73"), "CVE-2016-7406");
	KT_EQ_STR(ids(f, "dropbear", "2019.78"), "");
	KT_EQ_STR(ids(f, "openssl", "1.0.1f"), "CVE-2014-0160");
	KT_EQ_STR(ids(f, "openssl", "1.0.1"), "CVE-2014-0160");
	KT_EQ_STR(ids(f, "openssl", "1.0.1g"), "");
	KT_EQ_STR(ids(f, "openssl", "1.0.0t"), "");
	/* no version, unknown product, nothing comparable */
	KT_EQ_STR(ids(f, "openssh", NULL), "");
	KT_EQ_STR(ids(f, "openssh", "unknown"), "");
	KT_EQ_STR(ids(f, "gopher", "1.0"), "");
	KT_EQ_STR(ids(f, NULL, "1.0"), "");
	kn_vuln_feed_free(f);
}

static void test_scores_and_cap(void)
{
	struct kn_vuln_feed *f = sample();
	struct kn_vuln_cve c[8];
	KT_REQUIRE(f);
	unsigned n = kn_vuln_feed_match(f, "openssh", "3.9p1", c, 2);
	KT_EQ(n, 5);  /* the total, though only two were written */
	KT_EQ_STR(c[0].id, "CVE-2023-38408");
	KT_EQ(c[0].score10, 98);
	KT_EQ_STR(c[0].severity, "CRITICAL");
	KT_EQ_STR(c[1].id, "CVE-2024-6387");
	KT_EQ(c[1].score10, 81);
	n = kn_vuln_feed_match(f, "openssh", "7.7", c, 8);
	KT_EQ(n, 3);
	KT_EQ_STR(c[2].id, "CVE-2018-15473");
	KT_EQ(c[2].score10, 53);         /* v3.0 chosen over v2 */
	KT_EQ_STR(c[2].severity, "MEDIUM");
	kn_vuln_feed_free(f);
}

static void test_bound_kinds(void)
{
	char err[KN_ERRBUF_SIZE];
	struct kn_vuln_feed *f = kn_vuln_feed_new();
	KT_REQUIRE(f);
	KT_EQ(load_str(f, doc1("CVE-2000-0001", "5.0",
		"{\"vulnerable\":true,\"criteria\":\"cpe:2.3:a:lighttpd:lighttpd:*:*:*:*:*:*:*:*\","
		"\"versionStartExcluding\":\"1.4.10\",\"versionEndIncluding\":\"1.4.20\"}"), err), 0);
	KT_EQ(load_str(f, doc1("CVE-2000-0002", "6.0",
		"{\"vulnerable\":true,\"criteria\":\"cpe:2.3:a:lighttpd:lighttpd:*:*:*:*:*:*:*:*\","
		"\"versionStartIncluding\":\"1.4.20\",\"versionEndExcluding\":\"1.4.30\"}"), err), 0);
	KT_EQ(load_str(f, doc1("CVE-2000-0003", "7.0",
		"{\"vulnerable\":true,\"criteria\":\"cpe:2.3:a:lighttpd:lighttpd:*:*:*:*:*:*:*:*\","
		"\"versionStartExcluding\":\"1.4.50\"}"), err), 0);
	KT_EQ(load_str(f, doc1("CVE-2000-0004", "8.0",
		"{\"vulnerable\":true,\"criteria\":\"cpe:2.3:a:lighttpd:lighttpd:*:*:*:*:*:*:*:*\"}"),
		err), 0);
	/* 0004 (all versions) always matches */
	KT_EQ_STR(ids(f, "lighttpd", "1.4.10"), "CVE-2000-0004");
	KT_EQ_STR(ids(f, "lighttpd", "1.4.11"), "CVE-2000-0004,CVE-2000-0001");
	KT_EQ_STR(ids(f, "lighttpd", "1.4.20"), "CVE-2000-0004,CVE-2000-0002,CVE-2000-0001");
	KT_EQ_STR(ids(f, "lighttpd", "1.4.29"), "CVE-2000-0004,CVE-2000-0002");
	KT_EQ_STR(ids(f, "lighttpd", "1.4.30"), "CVE-2000-0004");
	KT_EQ_STR(ids(f, "lighttpd", "1.4.50"), "CVE-2000-0004");
	KT_EQ_STR(ids(f, "lighttpd", "1.4.51"), "CVE-2000-0004,CVE-2000-0003");
	KT_EQ_STR(ids(f, "lighttpd", "1.4.55 (Debian)"), "CVE-2000-0004,CVE-2000-0003");
	kn_vuln_feed_free(f);
}

static void test_exact_versions(void)
{
	char err[KN_ERRBUF_SIZE];
	struct kn_vuln_feed *f = kn_vuln_feed_new();
	KT_REQUIRE(f);
	KT_EQ(load_str(f, doc1("CVE-2001-0001", "5.0",
		"{\"vulnerable\":true,\"criteria\":\"cpe:2.3:a:openbsd:openssh:7.4:p1:*:*:*:*:*:*\"},"
		"{\"vulnerable\":true,\"criteria\":\"cpe:2.3:a:openbsd:openssh:7.5:-:*:*:*:*:*:*\"},"
		"{\"vulnerable\":true,\"criteria\":\"cpe:2.3:a:openbsd:openssh:7.6:*:*:*:*:*:*:*\"},"
		"{\"vulnerable\":true,\"criteria\":\"cpe:2.3:a:openbsd:openssh:7.7p1:*:*:*:*:*:*:*\"},"
		"{\"vulnerable\":true,\"criteria\":\"cpe:2.3:a:exim:exim:4.92:*:*:*:*:*:*:*\"},"
		"{\"vulnerable\":true,\"criteria\":\"cpe:2.3:a:exim:exim:4.93:rc1:*:*:*:*:*:*\"}"),
		err), 0);
	KT_EQ_STR(ids(f, "openssh", "7.4p1"), "CVE-2001-0001");   /* update p1 */
	KT_EQ_STR(ids(f, "openssh", "7.4p2"), "");
	KT_EQ_STR(ids(f, "openssh", "7.4"), "");                  /* 7.4 (OpenBSD) is not 7.4:p1 */
	KT_EQ_STR(ids(f, "openssh", "7.5"), "CVE-2001-0001");     /* update "-": none */
	KT_EQ_STR(ids(f, "openssh", "7.5p1"), "");
	KT_EQ_STR(ids(f, "openssh", "7.6"), "CVE-2001-0001");     /* update "*": any */
	KT_EQ_STR(ids(f, "openssh", "7.6p1"), "CVE-2001-0001");
	KT_EQ_STR(ids(f, "openssh", "7.7p1"), "CVE-2001-0001");   /* update in the version */
	KT_EQ_STR(ids(f, "openssh", "7.7"), "");
	KT_EQ_STR(ids(f, "exim", "4.92"), "CVE-2001-0001");
	KT_EQ_STR(ids(f, "exim", "4.92.3"), "");
	KT_EQ_STR(ids(f, "exim", "4.93"), "");
	KT_EQ_STR(ids(f, "exim", "4.93rc1"), "CVE-2001-0001");
	KT_EQ_STR(ids(f, "exim", "4.93-RC1"), "CVE-2001-0001");
	kn_vuln_feed_free(f);
}

/* Entries that are valid JSON but unusable are skipped and counted. */
static void test_skipped_entries(void)
{
	char err[KN_ERRBUF_SIZE];
	struct kn_vuln_feed_stats st;
	struct kn_vuln_feed *f = kn_vuln_feed_new();
	KT_REQUIRE(f);
	static const char doc[] =
		"{\"vulnerabilities\":["
		"{\"cve\":{\"id\":\"not-a-cve\"}},"
		"{\"nocve\":1},"
		"7,"
		"{\"cve\":{\"id\":\"CVE-2002-0001\",\"vulnStatus\":\"Rejected\"}},"
		"{\"cve\":{\"id\":\"CVE-2002-0002\"}},"
		"{\"cve\":{\"id\":\"CVE-2002-0003\",\"configurations\":[{\"negate\":true,\"nodes\":[{"
		"\"cpeMatch\":[{\"vulnerable\":true,\"criteria\":\"cpe:2.3:a:a:b:*:*:*:*:*:*:*:*\"}]}]},"
		"{\"nodes\":[{\"negate\":true,\"cpeMatch\":["
		"{\"vulnerable\":true,\"criteria\":\"cpe:2.3:a:a:b:*:*:*:*:*:*:*:*\"}]}]}]}},"
		"{\"cve\":{\"id\":\"CVE-2002-0004\",\"configurations\":[{\"nodes\":[{\"cpeMatch\":["
		"{\"vulnerable\":true,\"criteria\":\"cpe:2.3:a:a:b:2.*:*:*:*:*:*:*:*\"},"
		"{\"vulnerable\":true,\"criteria\":\"cpe:/a:a:b:2\"},"
		"{\"vulnerable\":\"yes\",\"criteria\":\"cpe:2.3:a:a:b:2:*:*:*:*:*:*:*\"},"
		"{\"vulnerable\":true,\"criteria\":\"cpe:2.3:a:a:b:*:*:*:*:*:*:*:*\","
		"\"versionEndExcluding\":\"2\",\"versionEndIncluding\":\"3\"},"
		"{\"vulnerable\":true,\"criteria\":\"cpe:2.3:a:a:b:*:*:*:*:*:*:*:*\","
		"\"versionEndExcluding\":7},"
		"{\"vulnerable\":true,\"criteria\":\"cpe:2.3:a:a:b:1.0:*:*:*:*:*:*:*\","
		"\"versionEndExcluding\":\"2\"},"
		"{\"vulnerable\":true,\"criteria\":\"cpe:2.3:a:a:b:-:*:*:*:*:*:*:*\"},"
		"{\"vulnerable\":false,\"criteria\":\"cpe:2.3:a:a:b:1:*:*:*:*:*:*:*\"},"
		"{\"vulnerable\":true,\"criteria\":\"cpe:2.3:h:a:b:1:*:*:*:*:*:*:*\"},"
		"\"junk\""
		"]}]}]}},"
		"{\"cve\":{\"id\":\"CVE-2002-0005\",\"configurations\":[{\"nodes\":[{\"cpeMatch\":["
		"{\"vulnerable\":true,\"criteria\":\"cpe:2.3:a:a:b:1.0:*:*:*:*:*:*:*\"}]}]}]}}"
		"]}";
	KT_EQ(load_str(f, doc, err), 0);
	kn_vuln_feed_stats(f, &st);
	KT_EQ(st.entries, 8);
	KT_EQ(st.cves, 1);
	KT_EQ(st.entries_skipped, 7);
	KT_EQ(st.matches, 1);
	KT_EQ(st.matches_skipped, 2 + 8);
	KT_EQ(st.matches_context, 2);
	KT_CHECK(strncmp(st.first_skip, "t.json: vulnerabilities[0]: ", 28) == 0);
	KT_EQ_STR(ids(f, "a b", "1.0"), "");  /* "a b" -> a_b:a_b, not a:b */
	kn_vuln_feed_free(f);
}

static void test_malformed_json(void)
{
	char err[KN_ERRBUF_SIZE];
	struct kn_vuln_feed *f = kn_vuln_feed_new();
	KT_REQUIRE(f);
	KT_EQ(load_str(f, "{\n  \"vulnerabilities\": [\n    {\"cve\": }\n  ]\n}", err), -KN_EFORMAT);
	KT_CHECK(strncmp(err, "t.json:3:", 9) == 0);
	KT_CHECK(strstr(err, "invalid JSON") != NULL);
	KT_EQ(load_str(f, "", err), -KN_EFORMAT);               /* empty file */
	KT_CHECK(strncmp(err, "t.json:", 7) == 0);
	KT_EQ(load_str(f, "{\"vulnerabilities\":[]", err), -KN_EFORMAT);  /* truncated */
	KT_EQ(load_str(f, "{\"a\":1,\"a\":2}", err), -KN_EFORMAT);        /* duplicate key */
	KT_EQ(load_str(f, "{\"vulnerabilities\":[]} x", err), -KN_EFORMAT);
	KT_EQ(load_str(f, "{\"vulnerabilities\":[1e999]}", err), -KN_EFORMAT);
	KT_EQ(kn_vuln_feed_load_mem(f, "t.json", "{\"v\":\"a\0b\"}", 11, err), -KN_EFORMAT);
	/* nesting far deeper than the parser's limit */
	size_t depth = 100000;
	char *deep = malloc(2 * depth + 1);
	KT_REQUIRE(deep);
	memset(deep, '[', depth);
	memset(deep + depth, ']', depth);
	deep[2 * depth] = '\0';
	KT_EQ(load_str(f, deep, err), -KN_EFORMAT);
	free(deep);
	struct kn_vuln_feed_stats st;
	kn_vuln_feed_stats(f, &st);
	KT_EQ(st.files, 0);
	kn_vuln_feed_free(f);
}

static void test_wrong_schema(void)
{
	char err[KN_ERRBUF_SIZE];
	struct kn_vuln_feed *f = kn_vuln_feed_new();
	KT_REQUIRE(f);
	KT_EQ(load_str(f, "[]", err), -KN_EFORMAT);
	KT_CHECK(strstr(err, "t.json: the top level is an array") != NULL);
	KT_EQ(load_str(f, "\"x\"", err), -KN_EFORMAT);
	KT_EQ(load_str(f, "{}", err), -KN_EFORMAT);
	KT_CHECK(strstr(err, "no \"vulnerabilities\" array") != NULL);
	KT_EQ(load_str(f, "{\"vulnerabilities\":{}}", err), -KN_EFORMAT);
	KT_EQ(load_str(f, "{\"CVE_data_type\":\"CVE\",\"CVE_Items\":[]}", err), -KN_EFORMAT);
	KT_CHECK(strstr(err, "NVD 1.1") != NULL);
	KT_EQ(load_str(f, "{\"format\":\"MITRE\",\"vulnerabilities\":[]}", err), -KN_EFORMAT);
	KT_CHECK(strstr(err, "\"format\"") != NULL);
	kn_vuln_feed_free(f);
}

static void test_empty_feed(void)
{
	char err[KN_ERRBUF_SIZE];
	struct kn_vuln_feed_stats st;
	struct kn_vuln_feed *f = kn_vuln_feed_new();
	KT_REQUIRE(f);
	KT_EQ(load_str(f, "{\"resultsPerPage\":0,\"vulnerabilities\":[]}", err), 0);
	kn_vuln_feed_stats(f, &st);
	KT_EQ(st.files, 1);
	KT_EQ(st.entries, 0);
	KT_EQ_STR(ids(f, "openssh", "7.4p1"), "");
	kn_vuln_feed_free(f);
	kn_vuln_feed_free(NULL);
}

/* Hostile values: huge and odd scores, over-long strings, big numbers in
 * versions; nothing crashes and nothing out of range is stored. */
static void test_hostile_values(void)
{
	char err[KN_ERRBUF_SIZE];
	struct kn_vuln_cve c[4];
	struct kn_vuln_feed *f = kn_vuln_feed_new();
	KT_REQUIRE(f);
	static const char *const scores[] = { "1e300", "-1", "10.05", "\"9.8\"", "null", "10",
					      "0", "5.55" };
	for (size_t i = 0; i < sizeof scores / sizeof scores[0]; i++) {
		char id[32];
		snprintf(id, sizeof id, "CVE-2003-%04zu", i + 1);
		KT_EQ(load_str(f, doc1(id, scores[i],
			"{\"vulnerable\":true,\"criteria\":\"cpe:2.3:a:p:p:*:*:*:*:*:*:*:*\","
			"\"versionEndIncluding\":\"99999999999999999999999999999.1\"}"), err), 0);
	}
	unsigned n = kn_vuln_feed_match(f, "p", "12345678901234567890123.4", c, 4);
	KT_EQ(n, 8);
	KT_EQ_STR(c[0].id, "CVE-2003-0006");  /* 10 */
	KT_EQ(c[0].score10, 100);
	KT_EQ_STR(c[0].severity, "CRITICAL");
	KT_EQ(c[1].score10, 56);              /* 5.55 rounded */
	KT_EQ_STR(c[1].severity, "MEDIUM");
	KT_EQ(c[2].score10, 0);
	KT_EQ_STR(c[2].severity, "NONE");
	KT_EQ(c[3].has_score, 0);             /* the rest had no valid score */
	KT_CHECK(c[3].severity == NULL);
	/* over-long id, criteria, bound: skipped, not truncated */
	char big[6000], m[7000];
	memset(big, '9', 5000);
	big[5000] = '\0';
	snprintf(m, sizeof m, "{\"vulnerable\":true,\"criteria\":\"cpe:2.3:a:q:q:*:*:*:*:*:*:*:*\","
		 "\"versionEndIncluding\":\"%s\"}", big);
	KT_EQ(load_str(f, doc1("CVE-2003-0100", "1", m), err), 0);
	snprintf(m, sizeof m, "{\"vulnerable\":true,\"criteria\":\"cpe:2.3:a:q:%s:*:*:*:*:*:*:*:*\"}",
		 big);
	KT_EQ(load_str(f, doc1("CVE-2003-0101", "1", m), err), 0);
	KT_EQ(load_str(f, doc1("CVE-2003-012345678901234567890123456789", "1",
		"{\"vulnerable\":true,\"criteria\":\"cpe:2.3:a:q:q:*:*:*:*:*:*:*:*\"}"), err), 0);
	KT_EQ_STR(ids(f, "q", "1"), "");
	kn_vuln_feed_free(f);
}

static void test_several_files_and_duplicates(void)
{
	char err[KN_ERRBUF_SIZE];
	struct kn_vuln_feed_stats st;
	struct kn_vuln_feed *f = sample();
	KT_REQUIRE(f);
	/* the same file again: CVEs are not listed twice */
	KT_EQ(kn_vuln_feed_load_file(f, SAMPLE, err), 0);
	KT_EQ_STR(ids(f, "openssh", "9.3p2"), "CVE-2024-6387,CVE-2023-48795");
	/* a failing file leaves the feed as it was */
	KT_EQ(load_str(f, "{\"vulnerabilities\":[", err), -KN_EFORMAT);
	kn_vuln_feed_stats(f, &st);
	KT_EQ(st.files, 2);
	KT_EQ(load_str(f, doc1("CVE-2004-0001", "3.1",
		"{\"vulnerable\":true,\"criteria\":\"cpe:2.3:a:openbsd:openssh:*:*:*:*:*:*:*:*\","
		"\"versionStartIncluding\":\"9.3\",\"versionEndExcluding\":\"9.4\"}"), err), 0);
	KT_EQ_STR(ids(f, "openssh", "9.3p2"), "CVE-2024-6387,CVE-2023-48795,CVE-2004-0001");
	kn_vuln_feed_free(f);
}

static void test_file_errors(void)
{
	char err[KN_ERRBUF_SIZE];
	struct kn_vuln_feed *f = kn_vuln_feed_new();
	KT_REQUIRE(f);
	KT_EQ(kn_vuln_feed_load_file(f, "/nonexistent/feed.json", err), -KN_EIO);
	KT_CHECK(strstr(err, "/nonexistent/feed.json") != NULL);
	KT_CHECK(strstr(err, "No such file") != NULL);
	KT_EQ(kn_vuln_feed_load_file(f, "/", err), -KN_EIO);
	KT_CHECK(strstr(err, "not a regular file") != NULL);
	KT_EQ(kn_vuln_feed_load_mem(f, "big.json", "{}", KN_VULN_FEED_MAX_FILE + 1, err),
	      -KN_EINVAL);
	KT_CHECK(strstr(err, "split it") != NULL);
	KT_EQ(kn_vuln_feed_load_mem(NULL, "x", "{}", 2, err), -KN_EINVAL);
	/* a malformed file on disk names the file, line and column */
	char path[] = "/tmp/kenchi-feed-XXXXXX";
	int fd = mkstemp(path);
	KT_REQUIRE(fd >= 0);
	static const char bad[] = "{\"vulnerabilities\": [\n  {\"cve\": {\"id\": \"CVE-1-2\",}}\n]}";
	KT_REQUIRE(write(fd, bad, sizeof bad - 1) == (ssize_t)(sizeof bad - 1));
	close(fd);
	KT_EQ(kn_vuln_feed_load_file(f, path, err), -KN_EFORMAT);
	char want[64];
	snprintf(want, sizeof want, "%s:2:", path);
	KT_CHECK(strncmp(err, want, strlen(want)) == 0);
	unlink(path);
	kn_vuln_feed_free(f);
}

/* With allocation-failure injection (-Dalloc_faults=true): failing each
 * allocation of a load in turn gives -KN_ENOMEM with the feed as it was
 * (here: the sample already loaded once), or success; never a crash. */
static void test_alloc_failures(void)
{
#ifdef KN_ALLOC_FAULTS
	char err[KN_ERRBUF_SIZE];
	int failures = 0, successes = 0;
	/* 300 CVEs of 300 products: the arena, maps and arrays all grow */
	size_t cap = 300 * 200 + 64, len = 0;
	char *doc = malloc(cap);
	KT_REQUIRE(doc);
	len += (size_t)snprintf(doc + len, cap - len, "{\"vulnerabilities\":[");
	for (int i = 0; i < 300; i++)
		len += (size_t)snprintf(doc + len, cap - len,
			"%s{\"cve\":{\"id\":\"CVE-2005-%04d\",\"configurations\":[{\"nodes\":[{"
			"\"cpeMatch\":[{\"vulnerable\":true,\"criteria\":"
			"\"cpe:2.3:a:zz%d:zz%d:*:*:*:*:*:*:*:*\",\"versionEndExcluding\":\"2\"}]}]}]}}",
			i ? "," : "", i, i, i);
	snprintf(doc + len, cap - len, "]}");
	for (unsigned long n = 1; n < 60; n++) {
		struct kn_vuln_feed *f = sample();
		KT_REQUIRE(f);
		kn_alloc_fail_at(n);
		int rc = load_str(f, doc, err);
		kn_alloc_fail_at(0);
		KT_CHECK(rc == 0 || rc == -KN_ENOMEM);
		if (rc == 0) {
			successes++;
			KT_EQ_STR(ids(f, "zz299", "1"), "CVE-2005-0299");
		} else {
			failures++;
			KT_CHECK(strstr(err, "out of memory") != NULL);
			KT_EQ_STR(ids(f, "zz0", "1"), "");
			KT_EQ_STR(ids(f, "zz299", "1"), "");
			KT_EQ(load_str(f, doc, err), 0);  /* and it loads afterwards */
			KT_EQ_STR(ids(f, "zz299", "1"), "CVE-2005-0299");
		}
		KT_EQ_STR(ids(f, "openssh", "9.3p2"), "CVE-2024-6387,CVE-2023-48795");
		struct kn_vuln_feed_stats st;
		kn_vuln_feed_stats(f, &st);
		KT_EQ(st.files, 2);
		KT_EQ(st.cves, 13 + 300);
		kn_vuln_feed_free(f);
	}
	free(doc);
	KT_CHECK(failures > 0 && successes > 0);
	/* the first load of an empty feed fails as cleanly */
	for (unsigned long n = 1; n < 30; n++) {
		struct kn_vuln_feed *f = kn_vuln_feed_new();
		KT_REQUIRE(f);
		kn_alloc_fail_at(n);
		int rc = kn_vuln_feed_load_file(f, SAMPLE, err);
		kn_alloc_fail_at(0);
		KT_CHECK(rc == 0 || rc == -KN_ENOMEM);
		KT_EQ_STR(ids(f, "nginx", "1.18.0"), rc == 0 ? "CVE-2021-23017" : "");
		kn_vuln_feed_free(f);
	}
#else
	KT_SKIP("needs a build with -Dalloc_faults=true");
#endif
}

static const struct kt_case cases[] = {
	KT_CASE(test_sample_feed), KT_CASE(test_scores_and_cap), KT_CASE(test_bound_kinds),
	KT_CASE(test_exact_versions), KT_CASE(test_skipped_entries), KT_CASE(test_malformed_json),
	KT_CASE(test_wrong_schema), KT_CASE(test_empty_feed), KT_CASE(test_hostile_values),
	KT_CASE(test_several_files_and_duplicates), KT_CASE(test_file_errors),
	KT_CASE(test_alloc_failures),
};

KT_MAIN("vuln_feed", cases)
