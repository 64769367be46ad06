/*
 * test_reuse.c - a rule set loaded to replace another (live reload) takes
 * the unchanged rules from it: same parsed content, new file and line,
 * memory that stays valid whichever set is freed first; changed rules,
 * rules split differently over lines, other variables or another
 * classification are parsed again; duplicate sids are still reported.
 * (Run under ASan in CI: a rule pointing into freed memory fails there.)
 */
#include "../../kt.h"

#include <stdlib.h>
#include <unistd.h>

#include "detect_test.h"

static const char v1[] =
	"alert tcp $HOME_NET any -> $EXTERNAL_NET 80 (msg:\"one\"; content:\"abc\"; "
	"pcre:\"/a+b/i\"; classtype:trojan-activity; sid:1; rev:1;)\n"
	"alert udp any any -> any 53 (msg:\"two\"; content:\"|01 00|\"; depth:4; sid:2;)\n"
	"alert http any any -> any any (msg:\"three\"; http.uri; content:\"/x\"; sid:3;)\n";

/* rule 1 unchanged but one line lower, rule 2 changed, rule 3 split over
 * two lines, a new rule 4 */
static const char v2[] =
	"# a comment line first\n"
	"alert tcp $HOME_NET any -> $EXTERNAL_NET 80 (msg:\"one\"; content:\"abc\"; "
	"pcre:\"/a+b/i\"; classtype:trojan-activity; sid:1; rev:1;)\n"
	"alert udp any any -> any 53 (msg:\"two\"; content:\"|01 00|\"; depth:6; sid:2;)\n"
	"alert http any any -> any any (msg:\"three\"; \\\nhttp.uri; content:\"/x\"; sid:3;)\n"
	"alert tcp any any -> any any (msg:\"four\"; flags:S; sid:4;)\n";

static struct kn_ruleset *load_over(const char *text, const struct kn_ruleset *base,
				    struct kn_rule_vars *vars, int *reuse_rc)
{
	char err[KN_ERRBUF_SIZE];
	struct kn_rules_file_stats st;
	struct kn_ruleset *rs = kn_ruleset_new(vars, err);
	if (!rs)
		return NULL;
	*reuse_rc = kn_ruleset_reuse_from(rs, base);
	int rc = kn_ruleset_load_mem(rs, "new.rules", text, strlen(text), &st, err);
	kn_ruleset_reuse_end(rs);
	if (rc != 0) {
		kn_ruleset_free(rs);
		return NULL;
	}
	return rs;
}

static void test_unchanged_rule_taken(void)
{
	struct kn_ruleset *a = dt_load(v1, NULL);
	KT_REQUIRE(a && kn_ruleset_count(a) == 3);
	int on = -1;
	struct kn_ruleset *b = load_over(v2, a, NULL, &on);
	KT_REQUIRE(b);
	KT_EQ(on, 1);
	KT_EQ(kn_ruleset_count(b), 4);
	KT_EQ(kn_ruleset_reused(b), 1);          /* only sid 1 is the same text */
	const struct kn_rule *r1 = kn_ruleset_rule(b, 0);
	KT_EQ(r1->sid, 1);
	KT_CHECK(r1->opts == kn_ruleset_rule(a, 0)->opts);   /* shared, not parsed */
	KT_EQ_STR(r1->file, "new.rules");
	KT_EQ(r1->line, 2);
	KT_EQ(kn_ruleset_rule(b, 1)->opts[1].u.content->depth.value, 6);   /* parsed again */
	KT_CHECK(kn_ruleset_rule(b, 2)->opts != kn_ruleset_rule(a, 2)->opts);
	/* keyword counts include the taken rule */
	KT_EQ(kn_ruleset_keyword_rules(b, (unsigned)kn_rule_keyword_by_name("pcre")), 1);
	/* the old set goes first (as after a reload): b's rule stays whole */
	kn_ruleset_free(a);
	KT_EQ_STR(r1->msg, "one");
	KT_EQ_STR(kn_rule_keyword_name(r1->opts[2].kw), "pcre");
	KT_EQ_STR(r1->opts[2].u.pcre->regex, "a+b");
	/* and a third generation takes it from b: memory of a still alive */
	struct kn_ruleset *c = load_over(v2, b, NULL, &on);
	KT_REQUIRE(c);
	KT_EQ(kn_ruleset_reused(c), 4);
	kn_ruleset_free(b);
	KT_EQ(kn_ruleset_rule(c, 0)->opts[1].u.content->len, 3);
	KT_CHECK(!memcmp(kn_ruleset_rule(c, 0)->opts[1].u.content->bytes, "abc", 3));
	KT_EQ_STR(kn_ruleset_rule(c, 3)->msg, "four");
	kn_ruleset_free(c);
}

static void test_new_set_freed_first(void)
{
	struct kn_ruleset *a = dt_load(v1, NULL);
	int on;
	struct kn_ruleset *b = load_over(v1, a, NULL, &on);
	KT_REQUIRE(a && b);
	KT_EQ(kn_ruleset_reused(b), 3);
	kn_ruleset_free(b);     /* a failed reload is dropped: a keeps its rules */
	KT_EQ_STR(kn_ruleset_rule(a, 2)->msg, "three");
	kn_ruleset_free(a);
}

static void test_context_changes_parse_again(void)
{
	char err[KN_ERRBUF_SIZE];
	struct kn_ruleset *a = dt_load(v1, NULL);
	struct kn_rule_vars *vars = kn_rule_vars_new(err);
	KT_REQUIRE(a && vars);
	KT_CHECK(kn_rule_vars_set(vars, KN_VAR_ADDRESS, "HOME_NET", "10.1.0.0/16", err) == 0);
	int on = -1;
	struct kn_ruleset *b = load_over(v1, a, vars, &on);
	KT_REQUIRE(b);
	KT_EQ(on, 0);                         /* $HOME_NET differs: nothing taken */
	KT_EQ(kn_ruleset_reused(b), 0);
	KT_EQ(kn_ruleset_count(b), 3);
	kn_ruleset_free(b);
	kn_rule_vars_free(vars);

	/* another classification gives classtype another priority */
	struct kn_ruleset *c = kn_ruleset_new(NULL, err);
	KT_REQUIRE(c);
	static const char cls[] = "config classification: trojan-activity,A Trojan,1\n";
	char path[] = "/tmp/kenchi-reuse-XXXXXX";
	int fd = mkstemp(path);
	KT_REQUIRE(fd >= 0);
	KT_CHECK(write(fd, cls, sizeof cls - 1) == (ssize_t)(sizeof cls - 1));
	close(fd);
	KT_CHECK(kn_ruleset_load_classification(c, path, err) == 0);
	unlink(path);
	KT_EQ(kn_ruleset_reuse_from(c, a), 0);
	kn_ruleset_reuse_end(c);
	kn_ruleset_free(c);
	kn_ruleset_free(a);
}

static void test_duplicate_sid_still_reported(void)
{
	static const char twice[] =
		"alert udp any any -> any 53 (msg:\"two\"; content:\"|01 00|\"; depth:4; sid:2;)\n"
		"alert udp any any -> any 53 (msg:\"two\"; content:\"|01 00|\"; depth:4; sid:2;)\n";
	struct kn_ruleset *a = dt_load(v1, NULL);
	int on;
	struct kn_ruleset *b = load_over(twice, a, NULL, &on);
	KT_REQUIRE(a && b);
	KT_EQ(kn_ruleset_count(b), 1);
	KT_EQ(kn_ruleset_reused(b), 1);
	KT_EQ(kn_ruleset_error_count(b), 1);
	KT_CHECK(strstr(kn_ruleset_error(b, 0)->message, "already used") != NULL);
	KT_EQ(kn_ruleset_error(b, 0)->line, 2);
	kn_ruleset_free(a);
	kn_ruleset_free(b);
}

static const struct kt_case cases[] = {
	KT_CASE(test_unchanged_rule_taken), KT_CASE(test_new_set_freed_first),
	KT_CASE(test_context_changes_parse_again), KT_CASE(test_duplicate_sid_still_reported),
};

KT_MAIN("detect_reuse", cases)
