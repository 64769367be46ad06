/*
 * detect_test.h - helpers of the rule parser tests: load rules from a
 * string, find a rule's n-th option of a keyword, read the first error.
 */
#ifndef KN_TEST_DETECT_H
#define KN_TEST_DETECT_H

#include <string.h>

#include "kenchi/app.h"
#include "kenchi/rules.h"

/* A rule set holding `text` (file name "t.rules"); NULL on failure. */
static inline struct kn_ruleset *dt_load(const char *text, struct kn_rules_file_stats *st)
{
	char err[KN_ERRBUF_SIZE];
	struct kn_ruleset *rs = kn_ruleset_new(NULL, err);
	struct kn_rules_file_stats dummy;
	if (rs && kn_ruleset_load_mem(rs, "t.rules", text, strlen(text), st ? st : &dummy,
				      err) != 0) {
		kn_ruleset_free(rs);
		return NULL;
	}
	return rs;
}

/* The n-th (from 0) option of keyword `name` in rule r, or NULL. */
static inline const struct kn_rule_opt *dt_opt(const struct kn_rule *r, const char *name,
					       unsigned nth)
{
	int kw = kn_rule_keyword_by_name(name);
	for (uint32_t i = 0; r && kw >= 0 && i < r->n_opts; i++)
		if (r->opts[i].kw == (unsigned)kw && nth-- == 0)
			return &r->opts[i];
	return NULL;
}

/* The error of a one-rule text, or NULL when it loaded. The set is kept in
 * *out for the caller to free. */
static inline const struct kn_rule_error *dt_error(const char *text, struct kn_ruleset **out)
{
	*out = dt_load(text, NULL);
	return *out ? kn_ruleset_error(*out, 0) : NULL;
}

#endif
