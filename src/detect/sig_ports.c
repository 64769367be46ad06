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
 * every range boundary, the rules covering a segment are its class
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

/* A rule's port set is narrow at <= 1024 ports (sig_ports_narrow). */
static uint32_t port_count(const struct kn_rule_ports *p)
{
	uint32_t total = 0;
	for (uint32_t i = 0; i < p->n; i++)
		total += (uint32_t)(p->v[i].hi - p->v[i].lo) + 1;
	return total;
}

/* 0: by destination port, 1: by source port, -1: broad (the group's own
 * database). A bidirectional rule's ports may be either packet's. */
static int rule_side(const struct kn_rule *r)
{
	if (r->bidir)
		return -1;
	int d = sig_ports_narrow(&r->dport), s = sig_ports_narrow(&r->sport);
	if (d && s)
		return port_count(&r->sport) < port_count(&r->dport);
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

struct pr {                          /* one port range of a narrow rule */
	uint32_t lo, hi;
	uint32_t fp;                         /* index in the side's fast patterns */
};

static int u32_cmp(const void *a, const void *b)
{
	uint32_t x = *(const uint32_t *)a, y = *(const uint32_t *)b;
	return x < y ? -1 : x > y;
}

/* Segment holding port: the last start <= port; -1 when before the first. */
static long seg_of(const uint32_t *start, uint32_t n, uint32_t port)
{
	uint32_t lo = 0, hi = n;
	while (lo < hi) {
		uint32_t mid = lo + (hi - lo) / 2;
		if (start[mid] <= port)
			lo = mid + 1;
		else
			hi = mid;
	}
	return (long)lo - 1;
}

/* The build of one side: its fast patterns, the segments and, per
 * segment, the sorted fast-pattern indexes covering it (CSR). */
struct side {
	struct sig_fp *fps;
	uint32_t n_fp;
	uint32_t *start, n_seg;
	uint32_t *first, *members;
	int32_t *cls;                        /* class of each segment, -1 none */
};

static void side_free(struct side *s)
{
	kn_free(s->fps);
	kn_free(s->start);
	kn_free(s->first);
	kn_free(s->members);
	kn_free(s->cls);
}

/* Segments and their members from the side's rules' port ranges. */
static int side_segments(struct side *s, const struct kn_sig_engine *e, int by_src)
{
	size_t n_pr = 0, k = 0;
	for (uint32_t i = 0; i < s->n_fp; i++) {
		const struct kn_rule *r = e->rules[s->fps[i].rule].r;
		n_pr += by_src ? r->sport.n : r->dport.n;
	}
	struct pr *prs = kn_calloc(n_pr + 1, sizeof *prs);
	s->start = kn_calloc(2 * n_pr + 1, sizeof *s->start);
	if (!prs || !s->start) {
		kn_free(prs);
		return -KN_ENOMEM;
	}
	for (uint32_t i = 0; i < s->n_fp; i++) {
		const struct kn_rule *r = e->rules[s->fps[i].rule].r;
		const struct kn_rule_ports *p = by_src ? &r->sport : &r->dport;
		for (uint32_t j = 0; j < p->n; j++)
			prs[k++] = (struct pr){ p->v[j].lo, p->v[j].hi, i };
	}
	uint32_t nb = 0;
	for (size_t i = 0; i < k; i++) {
		s->start[nb++] = prs[i].lo;
		if (prs[i].hi < 65535)
			s->start[nb++] = prs[i].hi + 1;
	}
	qsort(s->start, nb, sizeof *s->start, u32_cmp);
	s->n_seg = 0;
	for (uint32_t i = 0; i < nb; i++)
		if (s->n_seg == 0 || s->start[s->n_seg - 1] != s->start[i])
			s->start[s->n_seg++] = s->start[i];

	/* CSR of members: count, then place (a rule's ranges are disjoint) */
	int rc = 0;
	s->first = kn_calloc((size_t)s->n_seg + 1, sizeof *s->first);
	uint32_t *fill = kn_calloc((size_t)s->n_seg + 1, sizeof *fill);
	if (!s->first || !fill)
		rc = -KN_ENOMEM;
	for (int pass = 0; rc == 0 && pass < 2; pass++) {
		for (size_t i = 0; i < k; i++)
			for (long g = seg_of(s->start, s->n_seg, prs[i].lo);
			     g >= 0 && (uint32_t)g < s->n_seg && s->start[g] <= prs[i].hi; g++) {
				if (pass)
					s->members[s->first[g] + fill[g]++] = prs[i].fp;
				else
					s->first[g + 1]++;
			}
		if (pass == 0) {
			for (uint32_t g = 0; g < s->n_seg; g++)
				s->first[g + 1] += s->first[g];
			s->members = kn_calloc((size_t)s->first[s->n_seg] + 1, sizeof *s->members);
			if (!s->members)
				rc = -KN_ENOMEM;
		}
	}
	for (uint32_t g = 0; rc == 0 && g < s->n_seg; g++)
		qsort(s->members + s->first[g], s->first[g + 1] - s->first[g], sizeof *s->members,
		      u32_cmp);
	kn_free(fill);
	kn_free(prs);
	return rc;
}

static uint64_t members_hash(const struct side *s, uint32_t g)
{
	return kn_fnv1a64(KN_FNV1A64_INIT, s->members + s->first[g],
			  (s->first[g + 1] - s->first[g]) * sizeof *s->members);
}

static int same_members(const struct side *s, uint32_t a, uint32_t b)
{
	uint32_t na = s->first[a + 1] - s->first[a], nb = s->first[b + 1] - s->first[b];
	return na == nb && !memcmp(s->members + s->first[a], s->members + s->first[b],
				   na * sizeof *s->members);
}

/* Gives each non-empty segment a class (the first segment with the same
 * members names it), classes numbered from base; returns the count. */
static uint32_t side_classes(struct side *s, uint32_t base, uint32_t *rep, uint64_t *h)
{
	uint32_t n = 0;
	for (uint32_t g = 0; g < s->n_seg; g++) {
		s->cls[g] = -1;
		if (s->first[g + 1] == s->first[g])
			continue;
		h[g] = members_hash(s, g);
		for (uint32_t c = 0; c < n; c++)
			if (h[rep[c]] == h[g] && same_members(s, rep[c], g)) {
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

/* Builds class group cg from the members of segment g. */
static int class_build(struct sig_group *cg, const struct side *s, uint32_t g, uint16_t prof,
		       char *err)
{
	uint32_t n = s->first[g + 1] - s->first[g];
	struct sig_fp *v = kn_calloc(n + 1, sizeof *v);
	if (!v)
		return -KN_ENOMEM;
	for (uint32_t i = 0; i < n; i++)
		v[i] = s->fps[s->members[s->first[g] + i]];
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
	if (!s->n_seg)
		return 0;
	m->start = kn_calloc(s->n_seg, sizeof *m->start);
	m->cls = kn_calloc(s->n_seg, sizeof *m->cls);
	if (!m->start || !m->cls)
		return -KN_ENOMEM;
	for (uint32_t g = 0; g < s->n_seg; g++) {
		m->start[g] = (uint16_t)s->start[g];
		m->cls[g] = s->cls[g];
	}
	m->n = s->n_seg;
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
			sd[k].cls = kn_calloc((size_t)sd[k].n_seg + 1, sizeof *sd[k].cls);
			rep[k] = kn_calloc((size_t)sd[k].n_seg + 1, sizeof *rep[k]);
			h[k] = kn_calloc((size_t)sd[k].n_seg + 1, sizeof *h[k]);
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
		for (uint32_t i = 0; rc == 0 && sd[k].cls && i < sd[k].n_seg; i++)
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
