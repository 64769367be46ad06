/*
 * sig_ports.c - the port classes of a TCP or UDP payload prefilter group.
 *
 * A rule whose destination (else source) port set is narrow (at most 1024
 * ports: `-> $HOME_NET 445`, `$HTTP_PORTS -> any`) matches only packets on
 * those ports, so its fast pattern need not be looked for in the others.
 * ET Open has ~1,400 such payload rules (SMB on 139/445, Oracle on 1521,
 * TFTP on 69, SIP on 5060...): in one database per transport and
 * direction they were half the literals every packet was scanned for, and
 * most of the prefilter's hits (TFTP's "|00 01|" in every DNS message).
 *
 * The same holds for app-protocol rules with a payload content (`alert
 * http ... flow:to_client; content:"CLSID"...`, 300 in ET Open): they
 * match only in flows of their protocol.
 *
 * A payload group's own database keeps the rules broad on both ports and
 * of no app protocol. An app-protocol rule goes into its protocol's class;
 * the others by side (the smaller of their destination and source port
 * sets) into port classes: the side's port line is cut into segments at
 * every range boundary (sig_pidx_build(), the port index of the rules
 * without a fast pattern), the rules covering a segment are its class
 * (segments with the same rules share one) and each class has a database
 * of its own. A packet scans the group's database, then the class of its
 * destination port and of its source port if they have one (a binary
 * search each), and its flow's protocol's. The rules' evaluation still
 * checks ports and protocol: classes only decide which literals are
 * looked for where.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "detect/sig_int.h"
#include "util/alloc.h"
#include "util/hash.h"

/* 0: by destination port, 1: by source port, -1: broad (the group's own
 * database). A bidirectional rule's ports may be either packet's. */
static int rule_side(const struct kn_rule *r)
{
	if (r->bidir)
		return -1;
	int d = sig_ports_narrow(&r->dport), s = sig_ports_narrow(&r->sport);
	if (d && s)
		return sig_ports_count(&r->sport) < sig_ports_count(&r->dport);
	return d ? 0 : s ? 1 : -1;
}

/* Index of app protocol name in g's list (added when new, -1 when the
 * list is full: the rule then goes by its ports). */
static int app_index(struct sig_group *g, const char *name)
{
	for (unsigned a = 0; a < g->n_app; a++)
		if (!strcmp(g->app_name[a], name))
			return (int)a;
	if (g->n_app == SIG_APP_CLASSES)
		return -1;
	g->app_name[g->n_app] = name;
	return g->n_app++;
}

static int u32_cmp(const void *a, const void *b)
{
	uint32_t x = *(const uint32_t *)a, y = *(const uint32_t *)b;
	return x < y ? -1 : x > y;
}

/* The build of one side: its fast patterns (in rule order), and the port
 * index of their rules (sig_pidx_build: segments of the port line, the
 * rules covering each, here sorted). */
struct side {
	struct sig_fp *fps;
	uint32_t n_fp;
	struct sig_aidx idx[2];              /* [0] only */
	int32_t *cls;                        /* class of each segment, -1 none */
};

static void side_free(struct side *s)
{
	kn_free(s->fps);
	sig_aidx_free(s->idx);
	kn_free(s->cls);
}

/* The side's segments with the rules covering each, sorted (a class is a
 * set of rules). */
static int side_segments(struct side *s, const struct kn_sig_engine *e, int by_src)
{
	uint32_t *rules = kn_calloc(s->n_fp + 1, sizeof *rules);
	if (!rules)
		return -KN_ENOMEM;
	for (uint32_t i = 0; i < s->n_fp; i++)
		rules[i] = s->fps[i].rule;
	int rc = sig_pidx_build(s->idx, e, rules, s->n_fp, !by_src);
	kn_free(rules);
	const struct sig_aidx *x = &s->idx[0];
	for (uint32_t g = 0; rc == 0 && g < x->n; g++)
		qsort(x->rules + x->first[g], x->first[g + 1] - x->first[g], sizeof *x->rules,
		      u32_cmp);
	return rc;
}

/* The fast pattern of rule r in the side (fps are in rule order). */
static const struct sig_fp *fp_of(const struct side *s, uint32_t r)
{
	uint32_t lo = 0, hi = s->n_fp;
	while (hi - lo > 1) {
		uint32_t mid = lo + (hi - lo) / 2;
		if (s->fps[mid].rule <= r)
			lo = mid;
		else
			hi = mid;
	}
	return &s->fps[lo];
}

static uint64_t members_hash(const struct sig_aidx *x, uint32_t g)
{
	return kn_fnv1a64(KN_FNV1A64_INIT, x->rules + x->first[g],
			  (x->first[g + 1] - x->first[g]) * sizeof *x->rules);
}

static int same_members(const struct sig_aidx *x, uint32_t a, uint32_t b)
{
	uint32_t na = x->first[a + 1] - x->first[a], nb = x->first[b + 1] - x->first[b];
	return na == nb && !memcmp(x->rules + x->first[a], x->rules + x->first[b],
				   na * sizeof *x->rules);
}

/* Gives each non-empty segment a class (the first segment with the same
 * members names it), classes numbered from base; returns the count. */
static uint32_t side_classes(struct side *s, uint32_t base, uint32_t *rep, uint64_t *h)
{
	const struct sig_aidx *x = &s->idx[0];
	uint32_t n = 0;
	for (uint32_t g = 0; g < x->n; g++) {
		s->cls[g] = -1;
		if (x->first[g + 1] == x->first[g])
			continue;
		h[g] = members_hash(x, g);
		for (uint32_t c = 0; c < n; c++)
			if (h[rep[c]] == h[g] && same_members(x, rep[c], g)) {
				s->cls[g] = (int32_t)(base + c);
				break;
			}
		if (s->cls[g] < 0) {
			rep[n] = g;
			s->cls[g] = (int32_t)(base + n++);
		}
	}
	return n;
}

/* Builds class group cg from the rules of segment g. */
static int class_build(struct sig_group *cg, const struct side *s, uint32_t g, uint16_t prof,
		       char *err)
{
	const struct sig_aidx *x = &s->idx[0];
	uint32_t n = x->first[g + 1] - x->first[g];
	struct sig_fp *v = kn_calloc(n + 1, sizeof *v);
	if (!v)
		return -KN_ENOMEM;
	for (uint32_t i = 0; i < n; i++)
		v[i] = *fp_of(s, x->rules[x->first[g] + i]);
	cg->prof = prof;
	int rc = sig_group_build(cg, v, n, err);
	kn_free(v);
	return rc;
}

/* The app-protocol rules' classes: one per protocol, in g->cls from
 * base on. */
static int app_classes(const struct kn_sig_engine *e, struct sig_group *g, struct sig_fp *fps,
		       uint32_t n, uint32_t base, char *err)
{
	int rc = 0;
	struct sig_fp *v = kn_calloc(n + 1, sizeof *v);
	if (!v)
		return -KN_ENOMEM;
	for (uint32_t a = 0; rc == 0 && a < g->n_app; a++) {
		uint32_t k = 0;
		for (uint32_t i = 0; i < n; i++)
			if (!strcmp(e->rules[fps[i].rule].app_proto, g->app_name[a]))
				v[k++] = fps[i];
		g->app_cls[a] = (int32_t)(base + a);
		g->cls[base + a].prof = (uint16_t)(SIG_PROF_CLASSES + g->prof);
		rc = sig_group_build(&g->cls[base + a], v, k, err);
	}
	kn_free(v);
	return rc;
}

static int map_build(struct sig_pmap *m, const struct side *s)
{
	const struct sig_aidx *x = &s->idx[0];
	if (!x->n)
		return 0;
	m->start = kn_calloc(x->n, sizeof *m->start);
	m->cls = kn_calloc(x->n, sizeof *m->cls);
	if (!m->start || !m->cls)
		return -KN_ENOMEM;
	for (uint32_t g = 0; g < x->n; g++) {
		m->start[g] = (uint16_t)x->bounds[g];
		m->cls[g] = s->cls[g];
	}
	m->n = x->n;
	return 0;
}

int sig_ports_split(const struct kn_sig_engine *e, struct sig_group *g, struct sig_fp *fps,
		    size_t *n, char *err)
{
	struct side sd[3];
	size_t keep = 0;
	int rc = 0;

	memset(sd, 0, sizeof sd);
	for (int k = 0; k < 3; k++)
		if (!(sd[k].fps = kn_calloc(*n + 1, sizeof *sd[k].fps)))
			rc = -KN_ENOMEM;
	for (size_t i = 0; rc == 0 && i < *n; i++) {
		const struct sig_rule *sr = &e->rules[fps[i].rule];
		int k = sr->app && sr->app_proto && app_index(g, sr->app_proto) >= 0 ? 2
			: rule_side(sr->r);
		if (k < 0)
			fps[keep++] = fps[i];
		else
			sd[k].fps[sd[k].n_fp++] = fps[i];
	}
	if (rc == 0)
		*n = keep;

	uint32_t n_cls = 0, *rep[2] = { NULL, NULL };
	uint64_t *h[2] = { NULL, NULL };
	for (int k = 0; rc == 0 && k < 2; k++) {
		if (!sd[k].n_fp)
			continue;
		rc = side_segments(&sd[k], e, k);
		if (rc == 0) {
			sd[k].cls = kn_calloc((size_t)sd[k].idx[0].n + 1, sizeof *sd[k].cls);
			rep[k] = kn_calloc((size_t)sd[k].idx[0].n + 1, sizeof *rep[k]);
			h[k] = kn_calloc((size_t)sd[k].idx[0].n + 1, sizeof *h[k]);
			if (!sd[k].cls || !rep[k] || !h[k])
				rc = -KN_ENOMEM;
		}
		if (rc == 0)
			n_cls += side_classes(&sd[k], n_cls, rep[k], h[k]);
	}
	if (rc == 0 && n_cls + g->n_app && !(g->cls = kn_calloc(n_cls + g->n_app, sizeof *g->cls)))
		rc = -KN_ENOMEM;
	if (rc == 0)
		g->n_cls = n_cls + g->n_app;
	if (rc == 0)
		rc = app_classes(e, g, sd[2].fps, sd[2].n_fp, n_cls, err);
	for (int k = 0, c = 0; rc == 0 && k < 2; k++) {
		for (uint32_t i = 0; rc == 0 && sd[k].cls && i < sd[k].idx[0].n; i++)
			if (sd[k].cls[i] == c &&
			    (rc = class_build(&g->cls[c], &sd[k], i,
					      (uint16_t)(SIG_PROF_CLASSES + g->prof), err)) == 0)
				c++;
		if (rc == 0)
			rc = map_build(&g->ports[k], &sd[k]);
	}
	if (rc == -KN_ENOMEM)
		snprintf(err, KN_ERRBUF_SIZE, "out of memory building the prefilter");
	kn_free(rep[0]);
	kn_free(rep[1]);
	kn_free(h[0]);
	kn_free(h[1]);
	side_free(&sd[0]);
	side_free(&sd[1]);
	side_free(&sd[2]);
	return rc;
}

void sig_ports_free(struct sig_group *g)
{
	for (uint32_t c = 0; c < g->n_cls; c++)
		sig_group_free(&g->cls[c]);
	kn_free(g->cls);
	for (int k = 0; k < 2; k++) {
		kn_free(g->ports[k].start);
		kn_free(g->ports[k].cls);
	}
	g->cls = NULL;
	g->n_cls = 0;
	g->n_app = 0;
	memset(g->ports, 0, sizeof g->ports);
}
