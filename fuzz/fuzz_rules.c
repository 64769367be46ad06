/*
 * fuzz_rules.c - libFuzzer target for the rule parser (src/detect): the
 * input is loaded as a rules file. The counts must add up, every error must
 * name a line of the input, a keyword and a reason, and every loaded rule
 * must hold together: a sid, known keyword ids, buffers in range, sorted
 * disjoint address and port ranges, byte variables that exist.
 * Seeds: fuzz/corpus/rules/ (real ET Open rules and edge cases).
 */
#include <stdlib.h>
#include <string.h>

#include "kenchi/app.h"
#include "kenchi/rules.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void check_sets(const struct kn_rule *r)
{
	const struct kn_rule_ports *ports[2] = { &r->sport, &r->dport };
	const struct kn_rule_addrs *addrs[2] = { &r->src, &r->dst };
	for (int k = 0; k < 2; k++) {
		const struct kn_rule_ports *p = ports[k];
		if ((p->any && p->n) || (!p->any && !p->n))
			abort();
		for (uint32_t i = 0; i < p->n; i++)
			if (p->v[i].lo > p->v[i].hi || (i && p->v[i].lo <= p->v[i - 1].hi))
				abort();
		const struct kn_rule_addrs *a = addrs[k];
		if ((a->any && a->n) || (!a->any && !a->n))
			abort();
		for (uint32_t i = 0; i < a->n; i++) {
			const struct kn_rule_iprange *x = &a->v[i];
			if ((x->family != 4 && x->family != 6) || memcmp(x->lo, x->hi, 16) > 0)
				abort();
			if (i && x->family == a->v[i - 1].family &&
			    memcmp(x->lo, a->v[i - 1].hi, 16) <= 0)
				abort();
		}
	}
}

static void check_rule(const struct kn_rule *r, uint64_t lines)
{
	if (!r->sid || !r->gid || !r->msg || !r->proto || r->line < 1 || r->line > lines ||
	    r->unsupported > r->n_opts)
		abort();
	check_sets(r);
	for (uint32_t i = 0; i < r->n_opts; i++) {
		const struct kn_rule_opt *o = &r->opts[i];
		const char *name = kn_rule_keyword_name(o->kw);
		if (!name || o->buffer < KN_RULE_BUF_OTHER || o->buffer >= (int)KN_BUF_COUNT ||
		    o->column < 1)
			abort();
		if (!strcmp(name, "content") && (!o->u.content->len || !o->u.content->bytes))
			abort();
		if (!strcmp(name, "content") && o->u.content->depth.var >= (int)r->n_byte_vars)
			abort();
		if (!strcmp(name, "pcre") && !o->u.pcre->regex[0])
			abort();
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct kn_rule_vars *vars;
	char err[KN_ERRBUF_SIZE];
	if (!vars) {
		vars = kn_rule_vars_new(err);
		if (!vars || kn_rule_vars_set(vars, KN_VAR_ADDRESS, "LOOP", "[$LOOP2,1.1.1.1]", err) ||
		    kn_rule_vars_set(vars, KN_VAR_ADDRESS, "LOOP2", "!$LOOP", err))
			abort();
	}
	struct kn_ruleset *rs = kn_ruleset_new(vars, err);
	if (!rs)
		return 0;
	struct kn_rules_file_stats st;
	int rc = kn_ruleset_load_mem(rs, "fuzz.rules", (const char *)data, size, &st, err);
	if (rc == 0) {
		if (st.loaded + st.failed != st.rules || st.replaced > st.loaded ||
		    st.loaded - st.replaced != kn_ruleset_count(rs) ||
		    st.failed != kn_ruleset_error_count(rs) || st.unsupported > st.loaded)
			abort();
		for (size_t i = 0; i < kn_ruleset_count(rs); i++)
			check_rule(kn_ruleset_rule(rs, i), st.lines);
		for (size_t i = 0; i < kn_ruleset_error_count(rs); i++) {
			const struct kn_rule_error *e = kn_ruleset_error(rs, i);
			if (!e || e->line < 1 || e->line > st.lines || !e->message[0] || !e->keyword)
				abort();
		}
	} else if (rc != -KN_ENOMEM) {
		abort();
	}
	kn_ruleset_free(rs);
	return 0;
}
