/*
 * test_hostile.c - rule files built to hurt: a 1 MiB line, unbalanced
 * quotes, deep negation and bracket nesting, enormous port and address
 * lists, endless continuation lines, NUL bytes, random bytes, many options
 * and many rules (time must stay linear), and every allocation failing in
 * turn (builds with -Dalloc_faults=true). Each gives errors or loads, never
 * a crash or a hang.
 */
#include "../../kt.h"

#include <stdio.h>
#include <stdlib.h>
#include <time.h>

#include "detect_test.h"
#include "util/alloc.h"

static double now(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* Loads `text` and returns the first error message ("" when none). */
static const char *first_error(const char *text, size_t len, struct kn_rules_file_stats *st,
			       struct kn_ruleset **out)
{
	char err[KN_ERRBUF_SIZE];
	struct kn_ruleset *rs = kn_ruleset_new(NULL, err);
	*out = rs;
	if (!rs || kn_ruleset_load_mem(rs, "h.rules", text, len, st, err))
		return NULL;
	const struct kn_rule_error *e = kn_ruleset_error(rs, 0);
	return e ? e->message : "";
}

static void test_huge_line(void)
{
	size_t n = 1u << 20;
	static const char tail[] = "\"; sid:1;)\nalert ip any any -> any any (sid:2;)\n";
	char *t = malloc(n + 64 + sizeof tail);
	KT_REQUIRE(t);
	int k = snprintf(t, 64, "alert tcp any any -> any any (content:\"");
	memset(t + k, 'a', n);
	memcpy(t + k + n, tail, sizeof tail);
	struct kn_rules_file_stats st;
	struct kn_ruleset *rs;
	const char *m = first_error(t, strlen(t), &st, &rs);
	KT_REQUIRE(m);
	KT_CHECK(strstr(m, "longer than") != NULL);
	KT_EQ(st.failed, 1);
	KT_EQ(st.loaded, 1);
	KT_EQ(kn_ruleset_error(rs, 0)->line, 1);
	kn_ruleset_free(rs);
	free(t);
}

static void test_unbalanced_quotes(void)
{
	const char *t = "alert tcp any any -> any any (msg:\"open; content:\"x; sid:1;)\n"
			"alert tcp any any -> any any (content:\"\"\"; sid:2;)\n"
			"alert tcp any any -> any any (pcre:\"/a/; sid:3;)\n"
			"alert tcp any any -> any any (msg:\"ok\"; sid:4;)\n";
	struct kn_rules_file_stats st;
	struct kn_ruleset *rs;
	KT_REQUIRE(first_error(t, strlen(t), &st, &rs));
	KT_EQ(st.rules, 4);
	KT_EQ(st.failed, 3);
	KT_EQ(st.loaded, 1);
	KT_EQ(kn_ruleset_rule(rs, 0)->sid, 4);
	kn_ruleset_free(rs);
}

static void test_deep_nesting(void)
{
	size_t n = 20000;
	char *t = malloc(3 * n + 128);
	KT_REQUIRE(t);
	/* !!!!...1.2.3.4 */
	size_t k = (size_t)sprintf(t, "alert ip ");
	memset(t + k, '!', n);
	k += n;
	k += (size_t)sprintf(t + k, "1.2.3.4 any -> any any (sid:1;)\nalert ip ");
	for (size_t i = 0; i < n; i++)
		t[k++] = '[';
	t[k++] = '1';
	for (size_t i = 0; i < n; i++)
		t[k++] = ']';
	sprintf(t + k, " any -> any any (sid:2;)\n");
	struct kn_rules_file_stats st;
	struct kn_ruleset *rs;
	double t0 = now();
	const char *m = first_error(t, strlen(t), &st, &rs);
	KT_CHECK(now() - t0 < 2.0);
	KT_REQUIRE(m);
	KT_EQ(st.failed, 2);
	KT_CHECK(strstr(m, "too many '!'") != NULL);
	KT_CHECK(strstr(kn_ruleset_error(rs, 1)->message, "nest too deep") != NULL);
	kn_ruleset_free(rs);
	free(t);
}

static void test_enormous_sets(void)
{
	size_t cap = 1u << 20;
	char *t = malloc(cap);
	KT_REQUIRE(t);
	/* 5000 ports: over the 4096 item bound */
	size_t k = (size_t)sprintf(t, "alert tcp any [");
	for (int i = 0; i < 5000; i++)
		k += (size_t)sprintf(t + k, "%s%d", i ? "," : "", i * 13 % 65536);
	k += (size_t)sprintf(t + k, "] -> any any (sid:1;)\n");
	/* 4000 ports fit, and merge to ranges */
	k += (size_t)sprintf(t + k, "alert tcp any [");
	for (int i = 0; i < 4000; i++)
		k += (size_t)sprintf(t + k, "%s%d", i ? "," : "", i);
	k += (size_t)sprintf(t + k, "] -> any [0:65535,!1:65534] (sid:2;)\n");
	struct kn_rules_file_stats st;
	struct kn_ruleset *rs;
	double t0 = now();
	const char *m = first_error(t, k, &st, &rs);
	KT_CHECK(now() - t0 < 2.0);
	KT_REQUIRE(m);
	KT_CHECK(strstr(m, "more than 4096 items") != NULL);
	KT_EQ(st.loaded, 1);
	const struct kn_rule *r = kn_ruleset_rule(rs, 0);
	KT_REQUIRE(r);
	KT_EQ(r->sport.n, 1);
	KT_EQ(r->sport.v[0].hi, 3999);
	KT_EQ(r->dport.n, 2);    /* 0 and 65535 */
	KT_EQ(r->dport.v[1].lo, 65535);
	kn_ruleset_free(rs);
	free(t);
}

static void test_continuations_nul(void)
{
	size_t n = 100000;
	char *t = malloc(2 * n + 256);
	KT_REQUIRE(t);
	size_t k = (size_t)sprintf(t, "alert tcp any any -> any any (\\\n");
	for (size_t i = 0; i < n; i++)
		t[k++] = '\\', t[k++] = '\n';
	k += (size_t)sprintf(t + k, "sid:1;)\nalert ip any any -> any any (msg:\"a");
	t[k++] = '\0';
	k += (size_t)sprintf(t + k, "b\"; sid:2;)\nalert ip any any -> any any (sid:3;)");
	struct kn_rules_file_stats st;
	struct kn_ruleset *rs;
	double t0 = now();
	const char *m = first_error(t, k, &st, &rs);
	KT_CHECK(now() - t0 < 2.0);
	KT_REQUIRE(m);
	KT_CHECK(strstr(m, "lines") != NULL);
	KT_EQ(st.rules, 3);
	KT_EQ(st.failed, 2);
	KT_CHECK(strstr(kn_ruleset_error(rs, 1)->message, "NUL byte") != NULL);
	KT_EQ(kn_ruleset_rule(rs, 0)->sid, 3);
	kn_ruleset_free(rs);
	free(t);
}

static void test_random_bytes(void)
{
	static const char alphabet[] = "alert tcp any -> <> ()[]!$:;,\"|\\/ \n0123456789abcdef"
				       "content pcre sid msg byte_test flow http.uri#";
	char *t = malloc(1 << 16);
	KT_REQUIRE(t);
	srand(7);
	for (int round = 0; round < 200; round++) {
		size_t n = (size_t)(rand() % (1 << 16));
		for (size_t i = 0; i < n; i++)
			t[i] = (round & 1) ? (char)(rand() & 0xff)
					   : alphabet[rand() % (sizeof alphabet - 1)];
		struct kn_rules_file_stats st;
		struct kn_ruleset *rs;
		KT_CHECK(first_error(t, n, &st, &rs) != NULL);
		KT_EQ(st.loaded + st.failed, st.rules);
		kn_ruleset_free(rs);
	}
	free(t);
}

/* 2000 rules of 1000 options each: time grows linearly. */
static void test_many_options(void)
{
	size_t cap = 32u << 20, k = 0;
	char *t = malloc(cap);
	KT_REQUIRE(t);
	for (int r = 0; r < 2000; r++) {
		k += (size_t)sprintf(t + k, "alert tcp any any -> any any (");
		for (int i = 0; i < 997; i++)
			k += (size_t)sprintf(t + k, "content:\"a%d\"; ", i);
		k += (size_t)sprintf(t + k, "fast_pattern; sid:%d;)\n", r + 1);
	}
	struct kn_rules_file_stats st;
	struct kn_ruleset *rs;
	double t0 = now();
	KT_REQUIRE(first_error(t, k, &st, &rs));
	double dt = now() - t0;
	KT_EQ(st.loaded, 2000);
	KT_CHECK(dt < 10.0);
	printf("  2000 rules x 1000 options (%.1f MB): %.2f s\n", (double)k / 1e6, dt);
	kn_ruleset_free(rs);
	free(t);
}

/* Every allocation fails in turn: the load fails cleanly or succeeds. */
static void test_alloc_faults(void)
{
	static const char t[] =
		"alert http $HOME_NET any -> $EXTERNAL_NET any (msg:\"m\"; flow:established; "
		"http.uri; content:\"/a\"; pcre:\"/b/U\"; byte_extract:1,0,v; reference:url,x; "
		"flowbits:set,a|b; threshold:type limit,track by_src,count 1,seconds 1; sid:1;)\n"
		"alert tcp any any -> any [80,!81] (content:\"x\"; bad; sid:2;)\n";
	for (unsigned long n = 1; n < 400; n++) {
		char err[KN_ERRBUF_SIZE];
		kn_alloc_fail_at(n);
		struct kn_ruleset *rs = kn_ruleset_new(NULL, err);
		int rc = rs ? kn_ruleset_load_mem(rs, "f", t, sizeof t - 1, NULL, err)
			    : -KN_ENOMEM;
		kn_alloc_fail_at(0);
		KT_CHECK(rc == 0 || rc == -KN_ENOMEM);
		if (rc == 0)
			KT_EQ(kn_ruleset_count(rs), 1);
		kn_ruleset_free(rs);
	}
}

static const struct kt_case cases[] = {
	KT_CASE(test_huge_line), KT_CASE(test_unbalanced_quotes), KT_CASE(test_deep_nesting),
	KT_CASE(test_enormous_sets), KT_CASE(test_continuations_nul),
	KT_CASE(test_random_bytes), KT_CASE(test_many_options), KT_CASE(test_alloc_faults),
};

KT_MAIN("detect_hostile", cases)
