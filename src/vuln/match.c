/*
 * match.c - which CVEs of the feed affect a product at a version: finds
 * the product's CPE names, walks their rules (sorted by name, so each is a
 * binary search away) and checks exact versions and version ranges.
 *
 * Vuln stage, called by the per-worker context (vuln.c) once per new asset;
 * the feed is read-only here, so any number of workers share it. The
 * OpenSSH convention of NVD is handled: the portable suffix "p1" is the CPE
 * update field, so "7.4p1" is version 7.4 (update p1). A bound without an
 * update ("versionEndIncluding 7.7") is compared with the release only
 * (7.7p1 is 7.7), a bound with one ("versionEndExcluding 9.3p2") with the
 * whole version.
 */
#include "vuln/vuln_int.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "util/alloc.h"

/* An asset's version, prepared once for every rule. */
struct asset_ver {
	char full[2 * KN_VULN_MAX_VERSION + 2];  /* what exact rules compare */
	char rel[KN_VULN_MAX_VERSION + 1];       /* release, for update-suffix products */
	int suffix;                              /* VULN_P_UPDATE_SUFFIX product */
};

static void prepare(struct asset_ver *av, const char *token, unsigned flags)
{
	char upd[KN_VULN_MAX_VERSION + 1];

	av->suffix = (flags & VULN_P_UPDATE_SUFFIX) != 0;
	if (!av->suffix) {
		snprintf(av->full, sizeof av->full, "%s", token);
		av->rel[0] = '\0';
		return;
	}
	vuln_version_split(token, av->rel, upd);
	snprintf(av->full, sizeof av->full, "%s%s", av->rel, upd);
}

/* The asset's version against a bound or exact version that has
 * (has_upd) or has not an update part. */
static int cmp_as(const struct asset_ver *av, const char *v, int has_upd)
{
	return kn_vuln_version_cmp(av->suffix && !has_upd ? av->rel : av->full, v);
}

/* An asset version that is only a prefix of a bound ("Apache/2.4" against
 * "2.4.51": ServerTokens Minor) cannot be placed on either side of it. */
static int undecided(const struct asset_ver *av, const char *v, int has_upd)
{
	return vuln_version_imprecise(av->suffix && !has_upd ? av->rel : av->full, v);
}

static int exact_matches(const struct kn_vuln_feed *f, const struct vuln_rule *r,
			 const struct asset_ver *av)
{
	const char *v = f->arena + r->version;
	char both[2 * KN_VULN_MAX_VERSION + 2];

	if (r->flags & RULE_UPDATE_ANY)
		return cmp_as(av, v, (r->flags & RULE_VERSION_UPD) != 0) == 0;
	if (r->flags & RULE_UPDATE_NA)
		return kn_vuln_version_cmp(av->full, v) == 0;
	snprintf(both, sizeof both, "%s%s", v, f->arena + r->update);
	return kn_vuln_version_cmp(av->full, both) == 0;
}

static int rule_matches(const struct kn_vuln_feed *f, const struct vuln_rule *r,
			const struct asset_ver *av)
{
	if (r->flags & RULE_EXACT)
		return exact_matches(f, r, av);
	if (r->start != VULN_NONE) {
		int upd = (r->flags & RULE_START_UPD) != 0;
		int c = cmp_as(av, f->arena + r->start, upd);
		if (c < 0 || (c == 0 && !(r->flags & RULE_START_INCL)) ||
		    undecided(av, f->arena + r->start, upd))
			return 0;
	}
	if (r->end != VULN_NONE) {
		int upd = (r->flags & RULE_END_UPD) != 0;
		int c = cmp_as(av, f->arena + r->end, upd);
		if (c > 0 || (c == 0 && !(r->flags & RULE_END_INCL)) ||
		    undecided(av, f->arena + r->end, upd))
			return 0;
	}
	return 1;
}

/* The rules of key k: [*lo, *hi). */
static void key_range(const struct kn_vuln_feed *f, uint32_t k, size_t *lo, size_t *hi)
{
	size_t a = 0, b = f->n_rules;
	while (a < b) {
		size_t m = a + (b - a) / 2;
		if (f->rules[m].key < k)
			a = m + 1;
		else
			b = m;
	}
	*lo = a;
	for (b = a; b < f->n_rules && f->rules[b].key == k; b++)
		;
	*hi = b;
}

static int cmp_u32(const void *a, const void *b)
{
	uint32_t x = *(const uint32_t *)a, y = *(const uint32_t *)b;
	return (x > y) - (x < y);
}

/* Highest score first, unscored last, then id. */
static int cmp_cve(const void *a, const void *b)
{
	const struct kn_vuln_cve *x = a, *y = b;
	int sx = x->has_score ? x->score10 : -1, sy = y->has_score ? y->score10 : -1;
	if (sx != sy)
		return sy - sx;
	return strcmp(x->id, y->id);
}

/* Collects the cves[] indices of matching rules of every CPE name into
 * hits (room for all rules of those names). Returns their number. */
static size_t collect(const struct kn_vuln_feed *f, const uint32_t *keys, unsigned nk,
		      const struct asset_ver *av, uint32_t *hits)
{
	size_t n = 0;
	for (unsigned i = 0; i < nk; i++) {
		size_t lo, hi;
		key_range(f, keys[i], &lo, &hi);
		for (size_t r = lo; r < hi; r++)
			if ((n == 0 || hits[n - 1] != f->rules[r].cve) &&
			    rule_matches(f, &f->rules[r], av))
				hits[n++] = f->rules[r].cve;
	}
	return n;
}

/* Sorts, dedups hits, and writes the best `max` to out. */
static unsigned report(const struct kn_vuln_feed *f, uint32_t *hits, size_t n,
		       struct kn_vuln_cve *out, unsigned max)
{
	struct kn_vuln_cve *all;
	size_t u = 0;

	qsort(hits, n, sizeof *hits, cmp_u32);
	for (size_t i = 0; i < n; i++)
		if (u == 0 || hits[u - 1] != hits[i])
			hits[u++] = hits[i];
	if (!(all = kn_calloc(u, sizeof *all)))
		return 0;
	for (size_t i = 0; i < u; i++) {
		const struct vuln_cve_rec *c = &f->cves[hits[i]];
		all[i].id = c->id;
		all[i].has_score = c->has_score;
		all[i].score10 = c->score10;
		all[i].severity = c->has_score ? vuln_severity_names[c->severity] : NULL;
	}
	qsort(all, u, sizeof *all, cmp_cve);
	if (out && max)
		memcpy(out, all, (u < max ? u : max) * sizeof *out);
	kn_free(all);
	return (unsigned)u;
}

unsigned kn_vuln_feed_match(const struct kn_vuln_feed *f, const char *product,
			    const char *version, struct kn_vuln_cve *out, unsigned max)
{
	return vuln_feed_match(f, product, version, out, max, 1);
}

unsigned vuln_feed_match(const struct kn_vuln_feed *f, const char *product,
			 const char *version, struct kn_vuln_cve *out, unsigned max, int guess)
{
	const char *names[2];
	char buf[KN_VULN_CPE_BUF], token[KN_VULN_MAX_VERSION + 1];
	uint32_t keys[2];
	unsigned flags, nk = 0;
	size_t total = 0;
	struct asset_ver av;

	if (!f || !f->n_rules || !vuln_version_token(version, token))
		return 0;
	unsigned nn = vuln_product_lookup(product, names, 2, buf, &flags);
	if ((flags & VULN_P_FALLBACK) && !guess)
		return 0;
	for (unsigned i = 0; i < nn; i++) {
		uint32_t k = vuln_feed_key_find(f, names[i]);
		if (k == VULN_NONE)
			continue;
		size_t lo, hi;
		key_range(f, k, &lo, &hi);
		keys[nk++] = k;
		total += hi - lo;
	}
	if (!total)
		return 0;
	prepare(&av, token, flags);
	uint32_t *hits = kn_calloc(total, sizeof *hits);
	if (!hits)
		return 0;
	size_t n = collect(f, keys, nk, &av, hits);
	unsigned got = n ? report(f, hits, n, out, max) : 0;
	kn_free(hits);
	return got;
}
