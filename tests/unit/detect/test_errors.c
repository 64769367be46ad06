/*
 * test_errors.c - every kind of rule error: the rule fails with the
 * keyword, the physical line and column of the fault and a reason naming
 * the fix, and the rules around it still load.
 */
#include "../../kt.h"

#include <stdio.h>

#include "detect_test.h"

struct err_case {
	const char *rule;        /* one line, no newline */
	const char *keyword;
	unsigned column;
	const char *want;        /* part of the message */
};

static const struct err_case cases[] = {
	{ "alert tcp any any -> any any (msg:\"x\"; bogus_kw:1; sid:1;)", "bogus_kw", 40,
	  "unknown keyword 'bogus_kw'" },
	{ "alert tcp any any -> any any (msg:\"x\"; sid:1)", "sid", 40, "not ended by ';'" },
	{ "alert tcp any any -> any any (msg:\"x\"; sid:1;", ")", 46, "not closed by ')'" },
	{ "alert tcp any any -> any any (sid:1;) extra", ")", 39, "text after the closing" },
	{ "alert tcp any any -> any any (content:\"abc; sid:1;)", "content", 31,
	  "unbalanced '\"'" },
	{ "alert tcp any any -> any any (content:\"|4|\"; sid:1;)", "content", 31,
	  "odd number of hex digits" },
	{ "alert tcp any any -> any any (content:\"|4G|\"; sid:1;)", "content", 31,
	  "'G' at byte 3 is not a hex digit" },
	{ "alert tcp any any -> any any (content:\"|41\"; sid:1;)", "content", 31,
	  "hex run is not closed" },
	{ "alert tcp any any -> any any (content:\"a\\x41\"; sid:1;)", "content", 31,
	  "'\\x' at byte 2 is not an escape" },
	{ "alert tcp any any -> any any (msg:\"open; sid:1;)", "msg", 31, "unbalanced '\"'" },
	{ "alert tcp any any -> any any (content:\"\"; sid:1;)", "content", 31, "is empty" },
	{ "alert tcp any any -> any any (content:\"abcd\"; depth:2; sid:1;)", "depth", 47,
	  "shorter than the content (4 bytes)" },
	{ "alert tcp any any -> any any (content:\"ab\"; depth:4; within:5; sid:1;)", "within",
	  54, "mixes a relative position" },
	{ "alert tcp any any -> any any (content:\"ab\"; startswith; offset:1; sid:1;)",
	  "offset", 57, "cannot be used with startswith" },
	{ "alert tcp any any -> any any (content:\"ab\"; nocase; nocase; sid:1;)", "nocase", 53,
	  "given twice" },
	{ "alert tcp any any -> any any (nocase; content:\"a\"; sid:1;)", "nocase", 31,
	  "put it after 'content" },
	{ "alert tcp any any -> any any (content:\"a\"; fast_pattern; content:\"b\"; "
	  "fast_pattern; sid:1;)", "fast_pattern", 71, "fast_pattern is used twice" },
	{ "alert tcp any any -> any any (content:\"ab\"; distance:zz; sid:1;)", "distance", 45,
	  "neither a number nor a variable" },
	{ "alert tcp any any -> any any (nocase:1; sid:1;)", "nocase", 31, "takes no value" },
	{ "alert tcp any any -> any any (depth; sid:1;)", "depth", 31, "needs a value" },
	{ "alert tcp any any -> any any (pcre:\"/a/k\"; sid:1;)", "pcre", 31,
	  "pcre flag 'k' is unknown" },
	{ "alert tcp any any -> any any (pcre:\"/a/UI\"; sid:1;)", "pcre", 31,
	  "two buffer flags" },
	{ "alert tcp any any -> any any (pcre:\"abc\"; sid:1;)", "pcre", 31, "must start with" },
	{ "alert tcp any any -> any any (pcre:\"/abc\"; sid:1;)", "pcre", 31, "not closed by '/'" },
	{ "alert http any any -> any any (http.uri; pcre:\"/a/H\"; sid:1;)", "pcre", 42,
	  "used after the sticky buffer http.uri" },
	{ "alert tcp any any -> any any (http_uri; sid:1;)", "http_uri", 31,
	  "modifies the content before it" },
	{ "alert tcp any any -> any any (dotprefix; sid:1;)", "dotprefix", 31,
	  "needs a sticky buffer" },
	{ "alert tcp any any -> any any (bsize:5; sid:1;)", "bsize", 31, "needs a sticky buffer" },
	{ "alert dns any any -> any any (http.uri; content:\"a\"; sid:1;)", "http.uri", 31,
	  "the rule's protocol is dns" },
	{ "alert tcp any any -> any any (byte_test:2,~,1,0; sid:1;)", "byte_test", 31,
	  "operator '~' is unknown" },
	{ "alert tcp any any -> any any (byte_test:9,=,1,0; sid:1;)", "byte_test", 31,
	  "reads 1-8 bytes" },
	{ "alert tcp any any -> any any (byte_jump:2; sid:1;)", "byte_jump", 31,
	  "needs <bytes>,<offset>" },
	{ "alert tcp any any -> any any (byte_test:1,=,nope,0; sid:1;)", "byte_test", 31,
	  "'nope' is neither a number nor a variable" },
	{ "alert tcp any any -> any any (byte_math:bytes 1,offset 0,oper %,rvalue 1,result r;"
	  " sid:1;)", "byte_math", 31, "oper is one of" },
	{ "alert tcp any any -> any any (flow:to_server,to_client; sid:1;)", "flow", 31,
	  "both to_server and to_client" },
	{ "alert tcp any any -> any any (flow:sideways; sid:1;)", "flow", 31,
	  "'sideways' is unknown" },
	{ "alert tcp any any -> any any (flowbits:maybe,x; sid:1;)", "flowbits", 31,
	  "'maybe' is unknown" },
	{ "alert tcp any any -> any any (flowbits:set; sid:1;)", "flowbits", 31, "needs a name" },
	{ "alert tcp any any -> any any (threshold:type limit,track by_src,count 1; sid:1;)",
	  "threshold", 31, "needs type, track, count and seconds" },
	{ "alert tcp any any -> any any (threshold:type limit,track by_x,count 1,seconds 1; "
	  "sid:1;)", "threshold", 31, "track is by_src" },
	{ "alert tcp any any -> any any (dsize:>70000; sid:1;)", "dsize", 31,
	  "not a comparison" },
	{ "alert tcp any any -> any any (dsize:9<>3; sid:1;)", "dsize", 31, "not a comparison" },
	{ "alert tcp any any -> any any (flags:SX; sid:1;)", "flags", 31, "'X' is not a flags" },
	{ "alert tcp any any -> any any (ipopts:foo; sid:1;)", "ipopts", 31, "ipopts is one of" },
	{ "alert tcp any any -> any any (sid:abc;)", "sid", 31, "needs a number" },
	{ "alert tcp any any -> any any (sid:1; sid:2;)", "sid", 38, "given twice" },
	{ "alert tcp any any -> any any (priority:0; sid:1;)", "priority", 31, "1-255" },
	{ "alert tcp any any -> any any (reference:nocomma; sid:1;)", "reference", 31,
	  "type,value" },
	{ "alert tcp any any -> any any (target:both; sid:1;)", "target", 31,
	  "src_ip or dest_ip" },
	{ "alert tcp any any -> any any (msg:\"no sid\";)", "sid", 1, "has no sid" },
	{ "alert tcp any any -> any any (msg:\"x\"; ;sid:1;)", "", 40, "empty option" },
	{ "warn tcp any any -> any any (sid:1;)", "header", 1, "'warn' is not an action" },
	{ "alert tpc any any -> any any (sid:1;)", "header", 7, "'tpc' is not a protocol" },
	{ "alert tcp any any => any any (sid:1;)", "header", 19, "'=>' is not a direction" },
	{ "alert tcp any any -> any (sid:1;)", "header", 26, "header ends early" },
	{ "alert tcp any any", "header", 18, "header ends early" },
	{ "alert tcp any any -> any any sid:1;", "header", 30, "expected '('" },
};

/* Each bad rule sits between two good rules: both still load. */
static void test_each_error(void)
{
	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		char text[1024];
		snprintf(text, sizeof text, "alert tcp any any -> any any (sid:100;)\n%s\n"
			 "alert tcp any any -> any any (sid:101;)\n", cases[i].rule);
		struct kn_rules_file_stats st;
		struct kn_ruleset *rs = dt_load(text, &st);
		KT_REQUIRE(rs);
		const struct kn_rule_error *e = kn_ruleset_error(rs, 0);
		if (!e || st.failed != 1 || st.loaded != 2) {
			kt_fail(__FILE__, __LINE__, "case %zu (%s): failed %llu loaded %llu", i,
				cases[i].rule, (unsigned long long)st.failed,
				(unsigned long long)st.loaded);
			kn_ruleset_free(rs);
			continue;
		}
		if (strcmp(e->keyword, cases[i].keyword) || e->line != 2 ||
		    e->column != cases[i].column || !strstr(e->message, cases[i].want) ||
		    strcmp(e->file, "t.rules"))
			kt_fail(__FILE__, __LINE__, "case %zu: got %s:%u:%u '%s': %s", i, e->file,
				e->line, e->column, e->keyword, e->message);
		kn_ruleset_free(rs);
	}
}

/* The sid of a failed rule is reported when it can be read. */
static void test_error_sid_and_lines(void)
{
	const char *t = "alert tcp any any -> any any (sid:1;)\n"
			"alert tcp any any -> any any (msg:\"a\"; \\\n"
			"   content:\"|zz|\"; sid:4242;)\n";
	struct kn_rules_file_stats st;
	struct kn_ruleset *rs = dt_load(t, &st);
	KT_REQUIRE(rs);
	KT_EQ(st.lines, 3);
	KT_EQ(st.failed, 1);
	const struct kn_rule_error *e = kn_ruleset_error(rs, 0);
	KT_REQUIRE(e);
	KT_EQ(e->sid, 4242);
	KT_EQ(e->line, 3);       /* the continuation line holding the content */
	KT_EQ(e->column, 4);
	KT_EQ(kn_ruleset_error_count(rs), 1);
	KT_CHECK(kn_ruleset_error(rs, 1) == NULL);
	kn_ruleset_free(rs);
}

static const struct kt_case tcases[] = {
	KT_CASE(test_each_error), KT_CASE(test_error_sid_and_lines),
};

KT_MAIN("detect_errors", tcases)
