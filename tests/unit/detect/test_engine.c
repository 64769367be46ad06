/*
 * test_engine.c - the signature engine's prefilter build: rules with a
 * narrow port set or an app protocol go into class databases of their own
 * (sig_ports.c), counted in the build stats; a fast pattern ending in a
 * run of one byte is cut; every allocation of a build failing in turn
 * ends in a clean "out of memory" or a complete engine (run under ASan
 * with allocation faults in CI).
 */
#include "../../kt.h"

#include <stdio.h>
#include <stdlib.h>

#include "detect_test.h"
#include "kenchi/sig.h"
#include "util/alloc.h"

static struct kn_sig_engine *build(const char *text, struct kn_ruleset **rs,
				   struct kn_sig_build_stats *st)
{
	char err[KN_ERRBUF_SIZE];
	*rs = dt_load(text, NULL);
	if (!*rs)
		return NULL;
	struct kn_sig_engine *e = kn_sig_engine_new(*rs, st, err);
	if (!e)
		printf("  build failed: %s\n", err);
	return e;
}

/* One UDP rule on port 5093, no flow keyword: both directions' groups
 * hold it in a class, neither has a database of its own. */
static void test_port_class_only(void)
{
	struct kn_ruleset *rs;
	struct kn_sig_build_stats st;
	struct kn_sig_engine *e =
		build("alert udp any any -> any 5093 (content:\"SENTINEL-1\"; sid:1;)\n", &rs, &st);
	KT_CHECK(e != NULL);
	KT_EQ(st.compiled, 1);
	KT_EQ(st.prefiltered, 1);
	KT_EQ(st.databases, 2);      /* the to_server and to_client groups' class of 5093 */
	kn_sig_engine_free(e);
	kn_ruleset_free(rs);
}

/* Broad rules stay in the groups' own databases; a source-port rule, a
 * range and list rule and an app-protocol rule add classes; bidirectional
 * and negated port sets are broad. */
static void test_classes_and_broad(void)
{
	static const char t[] =
		"alert udp any any -> any any (content:\"BROAD-UDP\"; sid:1;)\n"
		"alert udp any 5093 -> any any (flow:to_client; content:\"SRC-PORT\"; sid:2;)\n"
		"alert tcp any any -> any [1000:1010,2000] (flow:to_server; content:\"RANGE\"; sid:3;)\n"
		"alert tcp any any <> any 7000 (flow:to_server; content:\"BIDIR\"; sid:4;)\n"
		"alert tcp any any -> any !53 (flow:to_server; content:\"NEGATED\"; sid:5;)\n"
		"alert http any any -> any any (flow:to_server; content:\"APP-MARK\"; sid:6;)\n";
	struct kn_ruleset *rs;
	struct kn_sig_build_stats st;
	struct kn_sig_engine *e = build(t, &rs, &st);
	KT_CHECK(e != NULL);
	KT_EQ(st.compiled, 6);
	/* udp to_server and to_client: BROAD-UDP; udp to_client: the class
	 * of source port 5093; tcp to_server: BIDIR + NEGATED, the class of
	 * 1000-1010 and 2000 (one class: the same rules), the http class */
	KT_EQ(st.databases, 2 + 1 + 1 + 1 + 1);
	KT_EQ(st.patterns, 2 + 1 + 2 + 1 + 1);
	kn_sig_engine_free(e);
	kn_ruleset_free(rs);
}

/* The fast pattern of a content ending in a run of zeros is its prefix
 * up to the strongest 8 bytes; a content without such a run is whole. */
static void test_cut(void)
{
	static const char t[] =
		"alert udp any any -> any any (content:\"z|00 00 00 00 00 00 00 00 00 00 00|\"; sid:1;)\n"
		"alert udp any any -> any any (content:\"|01 00 00 00 00 f1 00 10 00 01 00 00 00 00 00 00|\"; sid:2;)\n"
		"alert udp any any -> any any (content:\"abcdefghij|00 00 00|\"; sid:3;)\n";
	struct kn_ruleset *rs;
	struct kn_sig_build_stats st;
	struct kn_sig_engine *e = build(t, &rs, &st);
	const char *buf;
	const uint8_t *b;
	uint32_t n;
	int nocase;
	KT_CHECK(e != NULL);
	KT_CHECK(kn_sig_engine_fast_pattern(e, 0, &buf, &b, &n, &nocase));
	KT_EQ(n, 8);                 /* "z" + 7 zeros */
	KT_CHECK(b[0] == 'z' && b[7] == 0);
	KT_CHECK(kn_sig_engine_fast_pattern(e, 1, &buf, &b, &n, &nocase));
	KT_EQ(n, 12);                /* ends after "f1 00 10 00 01 00 00" */
	KT_CHECK(b[5] == 0xf1 && b[9] == 0x01);
	KT_CHECK(kn_sig_engine_fast_pattern(e, 2, &buf, &b, &n, &nocase));
	KT_EQ(n, 13);                /* a run of 3 is no run: whole */
	kn_sig_engine_free(e);
	kn_ruleset_free(rs);
}

static const char fault_rules[] =
	"alert udp any any -> any 5093 (content:\"z|00 00 00 00 00 00 00 00 00 00 00|\"; sid:1;)\n"
	"alert udp any 53 -> any any (flow:to_client; content:\"SRC\"; sid:2;)\n"
	"alert tcp any any -> any [139,445] (flow:to_server; content:\"SMB\"; sid:3;)\n"
	"alert http any any -> any any (flow:to_server; content:\"APP\"; sid:4;)\n"
	"alert http any any -> any any (http.uri; content:\"/x\"; sid:5;)\n"
	"alert tcp [10.0.0.1,10.0.0.2] any -> any any (flags:S; sid:6;)\n";

/* Builds rs's engine with allocation n failing, n = 1, 2, ... until 20
 * builds in a row succeed: each NULL with an out-of-memory message, or
 * the whole engine. Returns the failed builds. */
static unsigned fault_loop(const struct kn_ruleset *rs, size_t want)
{
	unsigned fails = 0, ok_run = 0;
	for (unsigned long n = 1; n < 20000 && ok_run < 20; n++) {
		char err[KN_ERRBUF_SIZE] = "";
		kn_alloc_fail_at(n);
		struct kn_sig_engine *e = kn_sig_engine_new(rs, NULL, err);
		kn_alloc_fail_at(0);
		if (e) {
			KT_EQ(kn_sig_engine_compiled(e), want);
			ok_run++;
		} else {
			KT_CHECK(strstr(err, "out of memory") != NULL);
			fails++;
			ok_run = 0;
		}
		kn_sig_engine_free(e);
	}
	return fails;
}

/* Every allocation of an engine build failing in turn (effective in
 * -Dalloc_faults builds): the six rules' build, Hyperscan compiles
 * included; then 200 more rules, whose padded databases (sig_prefilter.c)
 * an engine kept alive holds, so the builds take them from the cache
 * instead of compiling each time. */
static void test_alloc_faults(void)
{
	struct kn_ruleset *rs = dt_load(fault_rules, NULL);
	KT_CHECK(rs != NULL);
	printf("  %u builds failed cleanly\n", fault_loop(rs, 6));
	kn_ruleset_free(rs);

	size_t cap = sizeof fault_rules + 200 * 80, k;
	char *t = malloc(cap);
	KT_CHECK(t != NULL);
	k = (size_t)snprintf(t, cap, "%s", fault_rules);
	for (int i = 0; i < 200; i++)
		k += (size_t)snprintf(t + k, cap - k,
				      "alert tcp any any -> any any (content:\"FILL-%03d\"; sid:%d;)\n",
				      i, 100 + i);
	char err[KN_ERRBUF_SIZE];
	rs = dt_load(t, NULL);
	KT_CHECK(rs != NULL);
	struct kn_sig_engine *keep = kn_sig_engine_new(rs, NULL, err);
	KT_CHECK(keep != NULL);
	printf("  %u builds failed cleanly (206 rules)\n", fault_loop(rs, 206));
	kn_sig_engine_free(keep);
	kn_ruleset_free(rs);
	free(t);
}

static const struct kt_case cases[] = {
	KT_CASE(test_port_class_only), KT_CASE(test_classes_and_broad), KT_CASE(test_cut),
	KT_CASE(test_alloc_faults),
};

KT_MAIN("detect_engine", cases)
