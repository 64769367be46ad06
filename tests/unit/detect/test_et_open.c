/*
 * test_et_open.c - the acceptance figure of the parser: every .rules file
 * of ../shared/data/rules/et-open (Emerging Threats Open, 14,966 enabled
 * rules per its README) is loaded with Suricata's classification.config,
 * and at least 98% must load. Prints the load rate, time and the top
 * failure reasons; checks a few rules' parsed values. Skipped when the
 * shared data is absent (KN_SHARED_DATA overrides <source>/../shared/data).
 */
#include "../../kt.h"

#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <time.h>

#include "kenchi/app.h"
#include "kenchi/rules.h"

#ifndef KN_SOURCE_ROOT
#define KN_SOURCE_ROOT "."
#endif

static int name_cmp(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

static const struct kn_rule *by_sid(const struct kn_ruleset *rs, uint32_t sid)
{
	for (size_t i = 0; i < kn_ruleset_count(rs); i++)
		if (kn_ruleset_rule(rs, i)->sid == sid)
			return kn_ruleset_rule(rs, i);
	return NULL;
}

static void print_reasons(const struct kn_ruleset *rs)
{
	for (size_t i = 0; i < kn_ruleset_error_count(rs) && i < 20; i++) {
		const struct kn_rule_error *e = kn_ruleset_error(rs, i);
		if (e)
			printf("  %s:%u:%u: sid %u: %s: %s\n", e->file, e->line, e->column, e->sid,
			       e->keyword, e->message);
	}
}

/* Spot checks of parsed values against the rule text. */
static void spot_checks(const struct kn_ruleset *rs)
{
	/* emerging-exploit.rules: byte_jump:0,0,relative,post_offset -13 */
	const struct kn_rule *r = by_sid(rs, 2061797);
	KT_REQUIRE(r);
	for (uint32_t i = 0; i < r->n_opts; i++)
		if (!strcmp(kn_rule_keyword_name(r->opts[i].kw), "byte_jump"))
			KT_EQ(r->opts[i].u.byte->post_offset, -13);
	/* emerging-phishing.rules: pcre "/^\d{5,20}\x22/QR" after file.data */
	r = by_sid(rs, 2025870);
	KT_REQUIRE(r);
	for (uint32_t i = 0; i < r->n_opts; i++)
		if (!strcmp(kn_rule_keyword_name(r->opts[i].kw), "pcre")) {
			KT_EQ(r->opts[i].buffer, KN_BUF_FILE_DATA);
			KT_CHECK(r->opts[i].u.pcre->flags & KN_PCRE_RELATIVE);
		}
	KT_EQ_STR(r->classtype, "social-engineering");
	KT_EQ(r->priority, 2);   /* classification.config: social-engineering,...,2 */
}

static void test_et_open(void)
{
	const char *env = getenv("KN_SHARED_DATA");
	char dir[4096], path[4400], err[KN_ERRBUF_SIZE];
	snprintf(dir, sizeof dir, "%s/rules/et-open", env ? env : KN_SOURCE_ROOT "/../shared/data");
	DIR *d = opendir(dir);
	if (!d)
		KT_SKIP("no ET Open rules at %.300s (set KN_SHARED_DATA)", dir);
	char *names[256];
	size_t nn = 0;
	for (struct dirent *de; (de = readdir(d)) && nn < 256;) {
		size_t l = strlen(de->d_name);
		if (l > 6 && !strcmp(de->d_name + l - 6, ".rules"))
			names[nn++] = strdup(de->d_name);
	}
	closedir(d);
	qsort(names, nn, sizeof names[0], name_cmp);
	struct kn_ruleset *rs = kn_ruleset_new(NULL, err);
	KT_REQUIRE(rs);
	snprintf(path, sizeof path, "%s/../classification.config", dir);
	KT_EQ(kn_ruleset_load_classification(rs, path, err), 0);
	struct kn_rules_file_stats tot = { 0 };
	struct timespec t0, t1;
	clock_gettime(CLOCK_MONOTONIC, &t0);
	for (size_t i = 0; i < nn; i++) {
		struct kn_rules_file_stats st;
		snprintf(path, sizeof path, "%s/%s", dir, names[i]);
		KT_EQ(kn_ruleset_load_file(rs, path, &st, err), 0);
		tot.rules += st.rules, tot.loaded += st.loaded, tot.failed += st.failed;
		tot.unsupported += st.unsupported;
		free(names[i]);
	}
	clock_gettime(CLOCK_MONOTONIC, &t1);
	double rate = tot.rules ? 100.0 * (double)tot.loaded / (double)tot.rules : 0;
	printf("  ET Open: %zu files, %llu rules, %llu loaded (%.2f%%), %llu failed, %llu with "
	       "parsed-only keywords, %.3f s\n", nn, (unsigned long long)tot.rules,
	       (unsigned long long)tot.loaded, rate, (unsigned long long)tot.failed,
	       (unsigned long long)tot.unsupported,
	       (double)(t1.tv_sec - t0.tv_sec) + (double)(t1.tv_nsec - t0.tv_nsec) / 1e9);
	print_reasons(rs);
	KT_EQ(tot.rules, 14966);     /* README: 14,966 enabled rules */
	KT_CHECK(rate >= 98.0);
	KT_EQ(tot.loaded + tot.failed, tot.rules);
	spot_checks(rs);
	kn_ruleset_free(rs);
}

static const struct kt_case cases[] = {
	KT_CASE(test_et_open),
};

KT_MAIN("detect_et_open", cases)
