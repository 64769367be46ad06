/*
 * fuzz_eval_manifest.c - libFuzzer target for the dataset manifest loader
 * (src/eval): the input is loaded as a manifest (capture files not
 * touched). A manifest that loads must hold together (classes in range,
 * packet ranges sorted, disjoint and from 1, windows ordered), and is then
 * scored: alerts aimed at each label (its first packet, its flow in both
 * directions, its host at the window's edges) plus stray ones, with and
 * without packet times; every count and metric must stay in range.
 * Failures must explain themselves. Seeds: fuzz/corpus/eval_manifest/.
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "kenchi/eval.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define MAX_ALERTS 64

static void check_labels(const struct kn_eval_dataset *ds, const struct kn_eval_capture *c)
{
	for (size_t i = 0; i < c->n_labels; i++) {
		const struct kn_eval_label *l = &c->labels[i];
		if (l->cls >= ds->n_classes || l->win.end_ns < l->win.start_ns)
			abort();
		for (size_t j = 0; j < l->n_ranges; j++) {
			const struct kn_eval_range *r = &l->ranges[j];
			if (r->first < 1 || r->last < r->first || (c->packets && r->last > c->packets))
				abort();
			if (j && r->first <= l->ranges[j - 1].last)
				abort();
		}
	}
}

static void check_range(double v)
{
	if (!isnan(v) && (v < 0 || v > 1))
		abort();
}

static void check_summary(const struct kn_eval_summary *m)
{
	if (m->c.tp > m->c.items || m->c.tp + m->c.fn != m->c.items ||
	    m->c.alerts_true + m->c.alerts_false > m->c.alerts ||
	    m->c.labels_detected > m->c.labels)
		abort();
	check_range(m->precision);
	check_range(m->recall);
	check_range(m->f1);
	check_range(m->roc_auc);
	check_range(m->pr_auc);
	check_range(m->eer);
	check_range(m->tpr_at_fpr_0001);
	check_range(m->tpr_at_fpr_001);
	if (m->delay_n && !(m->delay_mean_s >= 0))
		abort();
}

/* Alerts aimed at the labels of c, and two strays. */
static size_t make_alerts(const struct kn_eval_capture *c, struct kn_eval_alert *a)
{
	size_t n = 0;
	for (size_t i = 0; i < c->n_labels && n + 3 < MAX_ALERTS; i++) {
		const struct kn_eval_label *l = &c->labels[i];
		struct kn_eval_alert x = { .proto = l->proto, .score = (double)(i % 5) };
		x.ts_ns = l->win.start_ns == INT64_MIN ? 0 : l->win.start_ns;
		x.src = l->src.addr;
		x.dst = l->dst.addr;
		x.sport = l->sport < 0 ? 1 : (uint16_t)l->sport;
		x.dport = l->dport < 0 ? 2 : (uint16_t)l->dport;
		x.pcap_cnt = l->n_ranges ? l->ranges[0].first : 0;
		a[n++] = x;
		struct kn_eval_alert y = x;   /* reversed, at the window's end */
		y.src = x.dst;
		y.dst = x.src;
		y.sport = x.dport;
		y.dport = x.sport;
		y.ts_ns = l->win.end_ns == INT64_MAX ? INT64_MAX : l->win.end_ns;
		y.score = NAN;
		y.pcap_cnt = l->n_ranges ? l->ranges[l->n_ranges - 1].last : 0;
		a[n++] = y;
	}
	a[n++] = (struct kn_eval_alert){ .ts_ns = 5, .proto = -1, .score = 0.5, .pcap_cnt = 1 };
	a[n++] = (struct kn_eval_alert){ .ts_ns = INT64_MIN, .proto = 6, .score = -1e300 };
	return n;
}

static void score(const struct kn_eval_dataset *ds, int with_times)
{
	static int64_t ts[256];
	struct kn_eval_alert a[MAX_ALERTS];
	struct kn_eval_match_opts o = { .tolerance_ns = with_times ? 1000 : 0 };
	char err[KN_ERRBUF_SIZE];
	struct kn_eval_scorer *s = kn_eval_scorer_new(ds, &o, err);
	if (!s)
		return;
	for (size_t i = 0; i < 256; i++)
		ts[i] = (int64_t)((i * 7919) % 256) * 500;   /* out of order, with ties */
	for (size_t c = 0; c < ds->n_captures && c < 16; c++) {
		const struct kn_eval_capture *cap = &ds->captures[c];
		struct kn_eval_packets p = { ts, cap->packets ? cap->packets : 200 };
		size_t n = make_alerts(cap, a);
		err[0] = '\0';
		int rc = kn_eval_scorer_add(s, c, a, n,
					    with_times && p.n <= 256 ? &p : NULL, err);
		if (rc && !err[0])
			abort();
	}
	for (int k = KN_EVAL_ALL; k < (int)ds->n_classes && k < 8; k++) {
		struct kn_eval_summary m;
		if (kn_eval_scorer_summary(s, k, &m) == 0)
			check_summary(&m);
	}
	kn_eval_scorer_free(s);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct kn_eval_load_opts o = { .skip_files = 1, .base_dir = "/data" };
	char err[KN_ERRBUF_SIZE] = "";
	struct kn_eval_dataset *ds = kn_eval_dataset_load_mem("fuzz.json", data, size, &o, err);

	if (!ds) {
		if (!err[0])
			abort();   /* every failure explains itself */
		return 0;
	}
	if (ds->n_captures == 0)
		abort();
	for (size_t i = 0; i < ds->n_captures; i++) {
		const struct kn_eval_capture *c = &ds->captures[i];
		if (!c->name[0] || !c->file || (c->benign && c->n_labels))
			abort();
		check_labels(ds, c);
		if (kn_eval_dataset_find(ds, c->name) != (long)i)
			abort();
	}
	score(ds, 0);
	score(ds, 1);
	/* a packet count that every label fits, then one too small */
	for (size_t i = 0; i < ds->n_captures && i < 4; i++) {
		if (kn_eval_dataset_set_packets(ds, i, 1, err) != 0 && !err[0])
			abort();
	}
	kn_eval_dataset_free(ds);
	return 0;
}
