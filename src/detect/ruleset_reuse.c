/*
 * ruleset_reuse.c - a rule set loaded beside the one it replaces (a live
 * reload) takes every unchanged rule from it instead of parsing it again,
 * so a reload holds one copy of the unchanged rules, not two.
 *
 * A rule is unchanged when its text (and how it was split over lines) is
 * the same and so are the variables and the classification it was parsed
 * with: the parse would give the same result. Its struct kn_rule is copied
 * (file and line are the new ones); what it points to stays in the memory
 * of the set it was parsed in. That memory (the set's arena) lives in a
 * reference-counted pool: a set holds a reference on its own pool and on
 * every pool its reused rules point into, and the arena is freed when the
 * last set using it goes. Rules are matched by a 128-bit hash of their
 * text (two independent 64-bit hashes), kept per rule (16 bytes).
 */
#include <stdatomic.h>
#include <string.h>

#include "detect/detect_int.h"
#include "util/alloc.h"
#include "util/hash.h"

struct detect_pool {
	atomic_uint refs;
	struct detect_arena arena;       /* filled when the owning set is freed */
};

struct detect_pool *detect_pool_new(void)
{
	struct detect_pool *p = kn_calloc(1, sizeof *p);
	if (p)
		atomic_init(&p->refs, 1);
	return p;
}

void detect_pool_put(struct detect_pool *p)
{
	if (p && atomic_fetch_sub(&p->refs, 1) == 1) {
		detect_arena_free(&p->arena);
		kn_free(p);
	}
}

void detect_pool_adopt(struct detect_pool *p, struct detect_arena *a)
{
	p->arena = *a;
	memset(a, 0, sizeof *a);
}

/* ------------------------------------------------------------ hashes */

void detect_text_hash(const char *text, size_t len, const size_t *seg_starts, unsigned n_segs,
		      uint64_t out[2])
{
	/* two independent 64-bit hashes; where the rule was split over
	 * lines moves option columns, so the split points count too */
	size_t segs = n_segs * sizeof *seg_starts;
	out[0] = kn_hash64(seg_starts, segs, kn_hash64(text, len, 0x243f6a8885a308d3ULL));
	out[1] = kn_fnv1a64(kn_fnv1a64(KN_FNV1A64_INIT, text, len), seg_starts, segs);
}

/* What the parse of a rule depends on besides its text: the variables and
 * the classification (classtype gives the default priority). */
static uint64_t context_hash(const struct kn_ruleset *rs)
{
	uint64_t h = kn_rule_vars_fingerprint(rs->vars);
	for (size_t i = 0; i < rs->n_classes; i++) {
		const struct detect_class *c = &rs->classes[i];
		h = kn_fnv1a64(h, c->name, strlen(c->name) + 1);
		h = kn_fnv1a64(h, c->text, strlen(c->text) + 1);
		h = kn_fnv1a64(h, &c->priority, sizeof c->priority);
	}
	return h;
}

/* ------------------------------------------------------------- reuse */

void kn_ruleset_reuse_end(struct kn_ruleset *rs)
{
	kn_free(rs->reuse_index);
	rs->reuse_index = NULL;
	rs->reuse_cap = 0;
	rs->base = NULL;
}

int kn_ruleset_reuse_from(struct kn_ruleset *rs, const struct kn_ruleset *base)
{
	kn_ruleset_reuse_end(rs);
	if (!base || !base->n_rules || context_hash(rs) != context_hash(base))
		return 0;
	size_t cap = 16;
	while (cap < base->n_rules * 2)
		cap *= 2;
	rs->reuse_index = kn_calloc(cap, sizeof *rs->reuse_index);
	if (!rs->reuse_index)
		return -KN_ENOMEM;
	rs->reuse_cap = cap;
	for (size_t i = 0; i < base->n_rules; i++) {
		size_t s = base->text_hash[i][0] & (cap - 1);
		while (rs->reuse_index[s])
			s = (s + 1) & (cap - 1);
		rs->reuse_index[s] = (uint32_t)i + 1;
	}
	rs->base = base;
	return 1;
}

/* The base rule with this text hash, or -1. */
static long find_base(const struct kn_ruleset *rs, const uint64_t h[2])
{
	for (size_t s = h[0] & (rs->reuse_cap - 1); rs->reuse_index[s];
	     s = (s + 1) & (rs->reuse_cap - 1)) {
		uint32_t i = rs->reuse_index[s] - 1;
		if (rs->base->text_hash[i][0] == h[0] && rs->base->text_hash[i][1] == h[1])
			return (long)i;
	}
	return -1;
}

/* Takes a reference on pool p unless the set holds one. */
static int hold(struct kn_ruleset *rs, struct detect_pool *p)
{
	for (size_t i = rs->n_held; i-- > 0;)
		if (rs->held[i] == p)
			return 0;
	if (rs->n_held == rs->cap_held) {
		size_t cap = rs->cap_held ? rs->cap_held * 2 : 4;
		struct detect_pool **nv = kn_realloc_array(rs->held, cap, sizeof *nv);
		if (!nv)
			return -KN_ENOMEM;
		rs->held = nv;
		rs->cap_held = cap;
	}
	atomic_fetch_add(&p->refs, 1);
	rs->held[rs->n_held++] = p;
	return 0;
}

int detect_reuse_rule(struct kn_ruleset *rs, const uint64_t h[2], const char *file,
		      uint32_t line)
{
	if (!rs->base)
		return 1;
	long k = find_base(rs, h);
	if (k < 0)
		return 1;
	const struct kn_rule *b = &rs->base->rules[k];
	uint32_t prev;
	int rc = detect_sid_add(rs, b->gid, b->sid, (uint32_t)rs->n_rules, &prev);
	if (rc != 0)
		return rc < 0 ? rc : 1;   /* a duplicate sid: the parse reports it */
	struct detect_pool *p = rs->base->rule_pool[k];
	if ((rc = hold(rs, p)) != 0)
		return rc;
	struct kn_rule *r = &rs->rules[rs->n_rules];
	*r = *b;
	r->file = file;
	r->line = line;
	rs->rule_pool[rs->n_rules] = p;
	memcpy(rs->text_hash[rs->n_rules], h, sizeof rs->text_hash[0]);
	rs->n_rules++;
	rs->n_reused++;
	for (uint32_t i = 0; i < r->n_opts; i++) {
		unsigned kw = r->opts[i].kw;
		if (!rs->kw_seen[kw]) {
			rs->kw_seen[kw] = 1;
			rs->kw_rules[kw]++;
		}
	}
	return 0;
}

size_t kn_ruleset_reused(const struct kn_ruleset *rs)
{
	return rs ? rs->n_reused : 0;
}
