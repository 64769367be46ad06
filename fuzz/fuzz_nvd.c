/*
 * fuzz_nvd.c - libFuzzer target for the vulnerability feed loader
 * (src/vuln): the input is loaded as an NVD CVE API 2.0 document; when it
 * loads, products are matched against it (names and versions the sample
 * feed uses, and the "x:x" name of an unknown product "x"), and matching is
 * checked to be repeatable and the results well-formed. The input also
 * drives the version comparison (two strings cut from it must compare
 * antisymmetrically) and the product table. Seeds: fuzz/corpus/nvd/.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "kenchi/vuln.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static int sgn(int v)
{
	return (v > 0) - (v < 0);
}

static void check_match(const struct kn_vuln_feed *f, const char *product, const char *version)
{
	struct kn_vuln_cve a[16], b[16];
	unsigned n = kn_vuln_feed_match(f, product, version, a, 16);
	unsigned m = kn_vuln_feed_match(f, product, version, b, 16);
	if (n != m)
		abort();
	for (unsigned i = 0; i < n && i < 16; i++) {
		if (strcmp(a[i].id, b[i].id) != 0 || strncmp(a[i].id, "CVE-", 4) != 0 ||
		    a[i].score10 > 100 || (a[i].has_score && !a[i].severity))
			abort();
		/* sorted: score descending */
		if (i && a[i - 1].has_score && a[i].has_score && a[i - 1].score10 < a[i].score10)
			abort();
	}
}

/* Two NUL-terminated strings cut from the input at its first '\n'. */
static void check_versions(const uint8_t *data, size_t size)
{
	char a[128], b[128];
	size_t cut = 0;
	while (cut < size && data[cut] != '\n')
		cut++;
	size_t na = cut < sizeof a - 1 ? cut : sizeof a - 1;
	size_t rest = cut < size ? size - cut - 1 : 0;
	size_t nb = rest < sizeof b - 1 ? rest : sizeof b - 1;
	memcpy(a, data, na);
	a[na] = '\0';
	memcpy(b, data + (cut < size ? cut + 1 : size), nb);
	b[nb] = '\0';
	if (sgn(kn_vuln_version_cmp(a, b)) != -sgn(kn_vuln_version_cmp(b, a)))
		abort();
	if (kn_vuln_version_cmp(a, a) != 0)
		abort();
	const char *names[2];
	char buf[KN_VULN_CPE_BUF];
	unsigned k = kn_vuln_product_cpes(a, names, 2, buf);
	for (unsigned i = 0; i < k; i++)
		if (!strchr(names[i], ':'))
			abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const char *const probes[][2] = {
		{ "openssh", "7.4p1" }, { "openssh", "9.3p2" }, { "openssh", "3.9p1" },
		{ "apache httpd", "2.4.49" }, { "nginx", "1.18.0" }, { "dropbear", "2016.73" },
		{ "openssl", "1.0.1f" }, { "x", "1" }, { "x", "1.0rc1" }, { "x", "99.99p9" },
	};
	char err[KN_ERRBUF_SIZE];
	struct kn_vuln_feed *f = kn_vuln_feed_new();

	check_versions(data, size);
	if (!f)
		return 0;
	if (kn_vuln_feed_load_mem(f, "fuzz.json", data, size, err) == 0) {
		struct kn_vuln_feed_stats st;
		kn_vuln_feed_stats(f, &st);
		if (st.files != 1 || st.cves > st.entries)
			abort();
		for (size_t i = 0; i < sizeof probes / sizeof probes[0]; i++)
			check_match(f, probes[i][0], probes[i][1]);
	} else if (!err[0]) {
		abort();  /* every failure explains itself */
	}
	kn_vuln_feed_free(f);
	return 0;
}
