/*
 * scorer.c - accumulates the matching results of a dataset's captures
 * (match.c) and turns them into summaries: counts, precision, recall, F1,
 * curve metrics (metrics.c) and detection delays, overall or per attack
 * class. Definitions in include/kenchi/eval.h.
 *
 * A capture is matched into a temporary result first and committed only
 * when everything it needs is allocated, so a failed add leaves the scorer
 * as it was.
 */
#include "eval/eval_int.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "util/alloc.h"

/* Per attack class, what the summaries need. */
struct cls_tally {
	uint64_t items, tp, alerts_true, labels, labels_detected;
};

struct kn_eval_scorer {
	const struct kn_eval_dataset *ds;
	int64_t tol;
	uint8_t *added;                   /* per capture */
	unsigned grains;                  /* bit per grain of the captures added */
	int scored, neg_known, n_added;
	struct kn_eval_counts all;
	struct cls_tally *cls;            /* ds->n_classes */
	uint64_t neg_unranked;
	struct kn_eval_sample *samples;
	size_t n_samples, cap_samples;
	struct kn_eval_label_result *res;
	size_t n_res, cap_res;
};

struct kn_eval_scorer *kn_eval_scorer_new(const struct kn_eval_dataset *ds,
					  const struct kn_eval_match_opts *opts, char *errbuf)
{
	struct kn_eval_scorer *s;

	if (!ds || (opts && opts->tolerance_ns < 0)) {
		eval_fail(errbuf, -KN_EINVAL, "scorer: %s", ds ? "the time tolerance must be >= 0" :
			  "no dataset");
		return NULL;
	}
	if (!(s = kn_calloc(1, sizeof *s)) ||
	    !(s->added = kn_calloc(ds->n_captures ? ds->n_captures : 1, 1)) ||
	    (ds->n_classes && !(s->cls = kn_calloc(ds->n_classes, sizeof *s->cls)))) {
		kn_eval_scorer_free(s);
		eval_fail(errbuf, -KN_ENOMEM, "scorer: out of memory");
		return NULL;
	}
	s->ds = ds;
	s->tol = opts ? opts->tolerance_ns : 0;
	s->neg_known = 1;
	return s;
}

void kn_eval_scorer_free(struct kn_eval_scorer *s)
{
	if (!s)
		return;
	kn_free(s->added);
	kn_free(s->cls);
	kn_free(s->samples);
	kn_free(s->res);
	kn_free(s);
}

/* Grows *v (of *cap elements of size sz) to hold `need`. */
static int reserve(void **v, size_t *cap, size_t need, size_t sz)
{
	size_t c = *cap ? *cap : 64;
	void *p;

	if (need <= *cap)
		return 0;
	while (c < need)
		c *= 2;
	if (!(p = kn_realloc_array(*v, c, sz)))
		return -KN_ENOMEM;
	*v = p;
	*cap = c;
	return 0;
}

static void add_counts(struct kn_eval_counts *to, const struct kn_eval_counts *c)
{
	to->items += c->items;
	to->tp += c->tp;
	to->fn += c->fn;
	to->fp += c->fp;
	to->alerts += c->alerts;
	to->alerts_true += c->alerts_true;
	to->alerts_false += c->alerts_false;
	to->alerts_unplaced += c->alerts_unplaced;
	to->labels += c->labels;
	to->labels_detected += c->labels_detected;
}

static struct kn_eval_label_result label_result(const struct eval_cap *ec, size_t capture,
						size_t i)
{
	const struct eval_lab *l = &ec->lab[i];
	struct kn_eval_label_result r = {
		.capture = capture, .label = i, .items = l->items, .items_detected = l->detected,
		.alerts = l->alerts, .first_alert_ns = l->first_ns, .start_ns = l->start_ns,
		.delay_ns = INT64_MIN,
	};
	if (l->first_ns != INT64_MIN && l->start_ns != INT64_MIN)
		r.delay_ns = l->first_ns > l->start_ns ? l->first_ns - l->start_ns : 0;
	return r;
}

/* Adds a matched capture; cannot fail (room reserved by the caller). */
static void commit(struct kn_eval_scorer *s, const struct eval_cap *ec, size_t capture)
{
	struct kn_eval_counts c = ec->c;

	if (ec->n_samples)
		memcpy(s->samples + s->n_samples, ec->samples, ec->n_samples * sizeof *ec->samples);
	s->n_samples += ec->n_samples;
	for (size_t i = 0; i < ec->cap->n_labels; i++) {
		const struct eval_lab *l = &ec->lab[i];
		struct cls_tally *t = &s->cls[ec->cap->labels[i].cls];
		t->items += l->items;
		t->tp += l->detected;
		t->labels++;
		t->labels_detected += l->detected > 0;
		c.items += l->items;
		c.tp += l->detected;
		c.labels++;
		c.labels_detected += l->detected > 0;
		s->res[s->n_res++] = label_result(ec, capture, i);
	}
	c.fn = c.items - c.tp;
	for (size_t k = 0; k < s->ds->n_classes; k++)
		s->cls[k].alerts_true += ec->cls_alerts[k];
	add_counts(&s->all, &c);
	s->neg_unranked += ec->neg_unranked;
	s->neg_known &= ec->neg_known;
	s->scored |= ec->scored;
	s->grains |= 1u << ec->cap->grain;
	s->added[capture] = 1;
	s->n_added++;
}

/* The packet count of the capture for this add, checked against pk. */
static int packet_count(const struct kn_eval_scorer *s, const struct kn_eval_capture *c,
			const struct kn_eval_packets *pk, uint64_t *n, char *errbuf)
{
	*n = c->packets;
	if (!pk)
		return 0;
	if (!pk->ts_ns || pk->n == 0 || (c->packets && pk->n != c->packets))
		return eval_fail(errbuf, -KN_EINVAL, "capture %s: %llu packet times given, the "
				 "manifest says %llu packets; fix \"packets\" or the capture",
				 c->name, (unsigned long long)pk->n, (unsigned long long)c->packets);
	*n = pk->n;
	return eval_labels_check_packets(c, pk->n, s->ds->source, errbuf);
}

int kn_eval_scorer_add(struct kn_eval_scorer *s, size_t capture,
		       const struct kn_eval_alert *alerts, size_t n_alerts,
		       const struct kn_eval_packets *pk, char *errbuf)
{
	struct eval_cap ec;
	int rc;

	if (!s || capture >= s->ds->n_captures || (!alerts && n_alerts))
		return eval_fail(errbuf, -KN_EINVAL, "scorer: bad capture index or alerts");
	if (s->added[capture])
		return eval_fail(errbuf, -KN_EINVAL, "scorer: capture %s was already added",
				 s->ds->captures[capture].name);
	if ((rc = eval_cap_init(&ec, s->ds, capture)) != 0)
		return eval_fail(errbuf, rc, "scorer: out of memory");
	ec.pk = pk;
	ec.tol = s->tol;
	if ((rc = packet_count(s, ec.cap, pk, &ec.n_packets, errbuf)) == 0 &&
	    (rc = eval_match(&ec, alerts, n_alerts, errbuf)) == 0) {
		if (reserve((void **)&s->samples, &s->cap_samples, s->n_samples + ec.n_samples,
			    sizeof *s->samples) ||
		    reserve((void **)&s->res, &s->cap_res, s->n_res + ec.cap->n_labels,
			    sizeof *s->res))
			rc = eval_fail(errbuf, -KN_ENOMEM, "scorer: out of memory");
		else
			commit(s, &ec, capture);
	}
	eval_cap_fini(&ec);
	return rc;
}

const struct kn_eval_label_result *kn_eval_scorer_labels(const struct kn_eval_scorer *s,
							 size_t *n)
{
	*n = s ? s->n_res : 0;
	return s ? s->res : NULL;
}

/* ---------------------------------------------------------- summaries */

/* The counts of class cls, or overall. */
static struct kn_eval_counts class_counts(const struct kn_eval_scorer *s, int cls)
{
	struct kn_eval_counts c = s->all;
	if (cls == KN_EVAL_ALL)
		return c;
	const struct cls_tally *t = &s->cls[cls];
	c.items = t->items;
	c.tp = t->tp;
	c.fn = t->items - t->tp;
	c.alerts_true = t->alerts_true;
	c.labels = t->labels;
	c.labels_detected = t->labels_detected;
	return c;
}

int kn_eval_scorer_curve(const struct kn_eval_scorer *s, int cls, struct kn_eval_curve *out)
{
	struct kn_eval_sample *v = NULL;
	size_t n = 0;
	int rc;

	memset(out, 0, sizeof *out);
	if (!s || cls < KN_EVAL_ALL || (cls >= 0 && (size_t)cls >= s->ds->n_classes))
		return -KN_EINVAL;
	if (s->n_samples && !(v = kn_calloc(s->n_samples, sizeof *v)))
		return -KN_ENOMEM;
	for (size_t i = 0; i < s->n_samples; i++)
		if (cls == KN_EVAL_ALL || s->samples[i].cls < 0 || s->samples[i].cls == cls)
			v[n++] = s->samples[i];
	struct kn_eval_counts c = class_counts(s, cls);
	rc = kn_eval_curve_build(out, v, n, c.fn, s->neg_unranked, s->neg_known && s->n_added);
	kn_free(v);
	return rc;
}

static int cmp_i64(const void *a, const void *b)
{
	int64_t x = *(const int64_t *)a, y = *(const int64_t *)b;
	return (x > y) - (x < y);
}

/* Mean, median and max of the known delays of class cls (or all). */
static int delays(const struct kn_eval_scorer *s, int cls, struct kn_eval_summary *out)
{
	int64_t *d = s->n_res ? kn_calloc(s->n_res, sizeof *d) : NULL;
	size_t n = 0;
	double sum = 0;

	if (s->n_res && !d)
		return -KN_ENOMEM;
	for (size_t i = 0; i < s->n_res; i++) {
		const struct kn_eval_label_result *r = &s->res[i];
		uint32_t c = s->ds->captures[r->capture].labels[r->label].cls;
		if (r->delay_ns != INT64_MIN && (cls == KN_EVAL_ALL || (uint32_t)cls == c))
			d[n++] = r->delay_ns;
	}
	out->delay_n = n;
	out->delay_mean_s = out->delay_median_s = out->delay_max_s = NAN;
	if (n) {
		qsort(d, n, sizeof *d, cmp_i64);
		for (size_t i = 0; i < n; i++)
			sum += (double)d[i] / 1e9;
		out->delay_mean_s = sum / (double)n;
		out->delay_median_s = n % 2 ? (double)d[n / 2] / 1e9 :
				      ((double)d[n / 2 - 1] + (double)d[n / 2]) / 2e9;
		out->delay_max_s = (double)d[n - 1] / 1e9;
	}
	kn_free(d);
	return 0;
}

static void curve_metrics(const struct kn_eval_curve *cv, struct kn_eval_summary *out)
{
	out->roc_auc = kn_eval_roc_auc(cv);
	out->pr_auc = kn_eval_pr_auc(cv);
	out->eer = kn_eval_eer(cv);
	out->tpr_at_fpr_0001 = kn_eval_tpr_at_fpr(cv, 0.001);
	out->tpr_at_fpr_001 = kn_eval_tpr_at_fpr(cv, 0.01);
}

static unsigned undefined_bits(const struct kn_eval_scorer *s, const struct kn_eval_summary *o,
			       const struct kn_eval_curve *cv)
{
	unsigned u = 0;
	if (o->c.items == 0)
		u |= KN_EVAL_U_NO_ITEMS;
	if (o->c.tp + o->c.fp == 0)
		u |= KN_EVAL_U_NO_ALERTS;
	if (!cv->neg_known || cv->neg == 0)
		u |= KN_EVAL_U_NO_NEGATIVES;
	if (!s->scored)
		u |= KN_EVAL_U_UNSCORED;
	if (o->delay_n == 0)
		u |= KN_EVAL_U_NO_DELAY;
	return u;
}

int kn_eval_scorer_summary(const struct kn_eval_scorer *s, int cls, struct kn_eval_summary *out)
{
	struct kn_eval_curve cv;
	int rc;

	memset(out, 0, sizeof *out);
	if ((rc = kn_eval_scorer_curve(s, cls, &cv)) != 0)
		return rc;
	if ((rc = delays(s, cls, out)) != 0) {
		kn_eval_curve_fini(&cv);
		return rc;
	}
	out->c = class_counts(s, cls);
	out->grain = s->grains == 0 ? s->ds->grain : (s->grains & (s->grains - 1)) ?
		     KN_EVAL_GRAIN_MIXED : (uint8_t)__builtin_ctz(s->grains);
	out->precision = kn_eval_precision(out->c.tp, out->c.fp);
	out->recall = kn_eval_recall(out->c.tp, out->c.fn);
	out->f1 = kn_eval_f1(out->precision, out->recall);
	curve_metrics(&cv, out);
	out->undefined = undefined_bits(s, out, &cv);
	if (!s->scored) {
		out->roc_auc = out->pr_auc = out->eer = NAN;
		out->tpr_at_fpr_0001 = out->tpr_at_fpr_001 = NAN;
	}
	kn_eval_curve_fini(&cv);
	return 0;
}
