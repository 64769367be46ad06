/*
 * ruleset.c - the rule set object: creation with its variables, the
 * accessors of rules, errors and per-keyword counts, the sid registry that
 * rejects a second rule with the same gid:sid, the keyword name index
 * (hash of the constant keyword table, built per set: no globals), and the
 * classification.config loader.
 */
#include <stdio.h>
#include <string.h>

#include "detect/detect_int.h"
#include "util/alloc.h"

#define KW_INDEX_CAP 1024        /* power of two, > 2x the keyword count */

static uint32_t name_hash(const char *s, size_t n)
{
	uint32_t h = 2166136261u;
	for (size_t i = 0; i < n; i++)
		h = (h ^ (uint8_t)s[i]) * 16777619u;
	return h;
}

static int build_kw_index(struct kn_ruleset *rs)
{
	rs->kw_index_cap = KW_INDEX_CAP;
	rs->kw_index = kn_calloc(KW_INDEX_CAP, sizeof *rs->kw_index);
	if (!rs->kw_index)
		return -KN_ENOMEM;
	for (unsigned k = 0; k < kn_rule_keyword_count(); k++) {
		const char *nm = detect_keyword(k)->name;
		uint32_t h = name_hash(nm, strlen(nm)) & (KW_INDEX_CAP - 1);
		while (rs->kw_index[h])
			h = (h + 1) & (KW_INDEX_CAP - 1);
		rs->kw_index[h] = (uint16_t)(k + 1);
	}
	return 0;
}

int detect_keyword_lookup(const struct kn_ruleset *rs, const char *s, size_t n)
{
	uint32_t h = name_hash(s, n) & (KW_INDEX_CAP - 1);
	while (rs->kw_index[h]) {
		unsigned k = rs->kw_index[h] - 1u;
		if (kw_is(s, n, detect_keyword(k)->name))
			return (int)k;
		h = (h + 1) & (KW_INDEX_CAP - 1);
	}
	return -1;
}

struct kn_ruleset *kn_ruleset_new(const struct kn_rule_vars *vars, char *err)
{
	struct kn_ruleset *rs = kn_calloc(1, sizeof *rs);
	if (!rs)
		goto fail;
	if (!vars) {
		rs->own_vars = kn_rule_vars_new(err);
		if (!rs->own_vars)
			goto fail;
		vars = rs->own_vars;
	}
	rs->vars = vars;
	unsigned nk = kn_rule_keyword_count();
	rs->kw_rules = kn_calloc(nk, sizeof *rs->kw_rules);
	rs->kw_seen = kn_calloc(nk, 1);
	rs->pool = detect_pool_new();
	if (!rs->kw_rules || !rs->kw_seen || !rs->pool || build_kw_index(rs))
		goto fail;
	return rs;
fail:
	kn_ruleset_free(rs);
	if (err)
		snprintf(err, KN_ERRBUF_SIZE, "rule set: out of memory");
	return NULL;
}

void kn_ruleset_free(struct kn_ruleset *rs)
{
	if (!rs)
		return;
	/* the arena goes with the last set using rules from it */
	if (rs->pool) {
		detect_pool_adopt(rs->pool, &rs->arena);
		detect_pool_put(rs->pool);
	}
	detect_arena_free(&rs->arena);
	for (size_t i = 0; i < rs->n_held; i++)
		detect_pool_put(rs->held[i]);
	kn_free(rs->held);
	kn_free(rs->rule_pool);
	kn_free(rs->text_hash);
	kn_free(rs->reuse_index);
	kn_rule_vars_free(rs->own_vars);
	kn_free(rs->rules);
	kn_free(rs->errs);
	kn_free(rs->kw_rules);
	kn_free(rs->kw_seen);
	kn_free(rs->classes);
	kn_free(rs->sids);
	kn_free(rs->kw_index);
	kn_free(rs->tmp_opts);
	kn_free(rs);
}

size_t kn_ruleset_count(const struct kn_ruleset *rs)
{
	return rs ? rs->n_rules : 0;
}

const struct kn_rule *kn_ruleset_rule(const struct kn_ruleset *rs, size_t i)
{
	return rs && i < rs->n_rules ? &rs->rules[i] : NULL;
}

size_t kn_ruleset_error_count(const struct kn_ruleset *rs)
{
	return rs ? (size_t)rs->n_errs_total : 0;
}

const struct kn_rule_error *kn_ruleset_error(const struct kn_ruleset *rs, size_t i)
{
	return rs && i < rs->n_errs ? &rs->errs[i] : NULL;
}

uint64_t kn_ruleset_keyword_rules(const struct kn_ruleset *rs, unsigned kw)
{
	return rs && kw < kn_rule_keyword_count() ? rs->kw_rules[kw] : 0;
}

static size_t sid_slot(uint64_t key, size_t cap)
{
	return (size_t)(key * 0x9e3779b97f4a7c15ull >> 20) & (cap - 1);
}

static int sid_grow(struct kn_ruleset *rs)
{
	size_t cap = rs->sid_cap ? rs->sid_cap * 2 : 1024;
	struct detect_sid *nv = kn_calloc(cap, sizeof *nv);
	if (!nv)
		return -KN_ENOMEM;
	for (size_t i = 0; i < rs->sid_cap; i++) {
		if (!rs->sids[i].key)
			continue;
		size_t h = sid_slot(rs->sids[i].key, cap);
		while (nv[h].key)
			h = (h + 1) & (cap - 1);
		nv[h] = rs->sids[i];
	}
	kn_free(rs->sids);
	rs->sids = nv;
	rs->sid_cap = cap;
	return 0;
}

int detect_sid_add(struct kn_ruleset *rs, uint32_t gid, uint32_t sid, uint32_t idx,
		   uint32_t *found)
{
	uint64_t key = ((uint64_t)gid << 32 | sid) + 1;
	if ((rs->n_sids + 1) * 2 > rs->sid_cap && sid_grow(rs))
		return -KN_ENOMEM;
	size_t h = sid_slot(key, rs->sid_cap);
	while (rs->sids[h].key) {
		if (rs->sids[h].key == key) {
			*found = rs->sids[h].idx;
			return 1;
		}
		h = (h + 1) & (rs->sid_cap - 1);
	}
	rs->sids[h] = (struct detect_sid){ key, idx };
	rs->n_sids++;
	return 0;
}

/* ----------------------------------------------------- classification */

const struct detect_class *detect_class_find(const struct kn_ruleset *rs, const char *name,
					     size_t len)
{
	for (size_t i = 0; i < rs->n_classes; i++)
		if (kw_is(name, len, rs->classes[i].name))
			return &rs->classes[i];
	return NULL;
}

static int class_line(struct kn_ruleset *rs, const char *s, size_t n, const char *path,
		      unsigned line, char *err)
{
	static const char head[] = "config classification:";
	const char *name, *text, *prio;
	size_t nl, tl, pl;
	int64_t p;
	if (n < sizeof head - 1 || memcmp(s, head, sizeof head - 1) != 0)
		goto bad;
	s += sizeof head - 1;
	n -= sizeof head - 1;
	if (!kw_next_item(&s, &n, &name, &nl) || !kw_next_item(&s, &n, &text, &tl) ||
	    !kw_next_item(&s, &n, &prio, &pl) || n || !nl || kw_int(prio, pl, 1, 255, &p))
		goto bad;
	struct detect_class *cl = (struct detect_class *)detect_class_find(rs, name, nl);
	if (!cl) {
		if (rs->n_classes >= 4096)
			goto bad;
		if (rs->n_classes == rs->cap_classes) {
			size_t cap = rs->cap_classes ? rs->cap_classes * 2 : 64;
			struct detect_class *nv = kn_realloc_array(rs->classes, cap, sizeof *nv);
			if (!nv)
				return -KN_ENOMEM;
			rs->classes = nv;
			rs->cap_classes = cap;
		}
		cl = &rs->classes[rs->n_classes++];
	}
	cl->name = detect_strndup(&rs->arena, name, nl);
	cl->text = detect_strndup(&rs->arena, text, tl);
	cl->priority = (int)p;
	return cl->name && cl->text ? 0 : -KN_ENOMEM;
bad:
	snprintf(err, KN_ERRBUF_SIZE, "%s:%u: expected 'config classification: "
		 "name,description,priority' with a priority of 1-255", path, line);
	return -KN_EFORMAT;
}

int kn_ruleset_load_classification(struct kn_ruleset *rs, const char *path, char *err)
{
	FILE *f = fopen(path, "r");
	if (!f) {
		snprintf(err, KN_ERRBUF_SIZE, "%s: cannot open the classification file", path);
		return -KN_EIO;
	}
	char buf[1024];
	unsigned line = 0;
	int rc = 0;
	while (rc == 0 && fgets(buf, sizeof buf, f)) {
		line++;
		size_t n = strlen(buf);
		if (n == sizeof buf - 1 && buf[n - 1] != '\n') {
			snprintf(err, KN_ERRBUF_SIZE, "%s:%u: line longer than 1 KiB", path, line);
			rc = -KN_EFORMAT;
			break;
		}
		const char *s = buf;
		kw_trim(&s, &n);
		if (n == 0 || s[0] == '#')
			continue;
		rc = class_line(rs, s, n, path, line, err);
	}
	fclose(f);
	return rc;
}
