/*
 * metrics.c - detection metrics from counts and from ranked samples: the
 * ROC/PR curve over distinct score thresholds, ROC AUC (trapezoids, equal
 * to Mann-Whitney U with ties counted 1/2), average precision, equal error
 * rate and TPR at a bounded FPR. Definitions in include/kenchi/eval.h;
 * shared/tools/detmetrics.py computes the same ROC-side figures.
 *
 * Pure arithmetic on caller data: the only allocation is the curve's
 * point array.
 */
#include "eval/eval_int.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "util/alloc.h"

double kn_eval_precision(uint64_t tp, uint64_t fp)
{
	return tp + fp ? (double)tp / (double)(tp + fp) : NAN;
}

double kn_eval_recall(uint64_t tp, uint64_t fn)
{
	return tp + fn ? (double)tp / (double)(tp + fn) : NAN;
}

double kn_eval_f1(double precision, double recall)
{
	if (isnan(precision) || isnan(recall))
		return NAN;
	if (precision + recall == 0)
		return 0;
	return 2 * precision * recall / (precision + recall);
}

/* ------------------------------------------------------------ curve */

/* Decreasing score; ties in any order (a tie group is one threshold). */
static int cmp_desc(const void *a, const void *b)
{
	double x = ((const struct kn_eval_sample *)a)->score;
	double y = ((const struct kn_eval_sample *)b)->score;
	return (x < y) - (x > y);
}

/* Number of distinct scores of sorted samples. */
static size_t groups(const struct kn_eval_sample *s, size_t n)
{
	size_t g = 0;
	for (size_t i = 0; i < n; i++)
		g += i == 0 || s[i].score != s[i - 1].score;
	return g;
}

int kn_eval_curve_build(struct kn_eval_curve *c, struct kn_eval_sample *s, size_t n,
			uint64_t pos_unranked, uint64_t neg_unranked, int neg_known)
{
	uint64_t tp = 0, fp = 0;
	size_t k = 0, cap;

	memset(c, 0, sizeof *c);
	for (size_t i = 0; i < n; i++)
		if (isnan(s[i].score))
			return -KN_EINVAL;
	if (!neg_known)
		neg_unranked = 0;
	if (n > 1)
		qsort(s, n, sizeof *s, cmp_desc);
	cap = groups(s, n) + 1;   /* + the unranked group at -inf */
	if (!(c->pts = kn_calloc(cap, sizeof *c->pts)))
		return -KN_ENOMEM;
	for (size_t i = 0; i < n; i++) {
		if (i == 0 || s[i].score != s[i - 1].score)
			c->pts[k++].threshold = s[i].score;
		if (s[i].cls >= 0)
			tp++;
		else
			fp++;
		c->pts[k - 1].tp = tp;
		c->pts[k - 1].fp = fp;
	}
	if (pos_unranked || neg_unranked) {
		if (k == 0 || c->pts[k - 1].threshold != -INFINITY)
			c->pts[k++].threshold = -INFINITY;
		tp += pos_unranked;
		fp += neg_unranked;
		c->pts[k - 1].tp = tp;
		c->pts[k - 1].fp = fp;
	}
	c->n = k;
	c->pos = tp;
	c->neg = fp;
	c->neg_known = (uint8_t)(neg_known != 0);
	if (k == 0) {
		kn_free(c->pts);
		c->pts = NULL;
	}
	return 0;
}

void kn_eval_curve_fini(struct kn_eval_curve *c)
{
	if (!c)
		return;
	kn_free(c->pts);
	memset(c, 0, sizeof *c);
}

static int roc_defined(const struct kn_eval_curve *c)
{
	return c->neg_known && c->pos > 0 && c->neg > 0;
}

double kn_eval_roc_auc(const struct kn_eval_curve *c)
{
	double area = 0;  /* in units of (1 negative) x (1/2 positive) */
	uint64_t tp0 = 0, fp0 = 0;

	if (!roc_defined(c))
		return NAN;
	for (size_t i = 0; i < c->n; i++) {
		area += (double)(c->pts[i].fp - fp0) * (double)(c->pts[i].tp + tp0);
		tp0 = c->pts[i].tp;
		fp0 = c->pts[i].fp;
	}
	return area / 2 / ((double)c->pos * (double)c->neg);
}

double kn_eval_pr_auc(const struct kn_eval_curve *c)
{
	double ap = 0;
	uint64_t tp0 = 0;

	if (c->pos == 0)
		return NAN;
	for (size_t i = 0; i < c->n && c->pts[i].threshold != -INFINITY; i++) {
		const struct kn_eval_point *p = &c->pts[i];
		ap += (double)(p->tp - tp0) / (double)c->pos *
		      ((double)p->tp / (double)(p->tp + p->fp));
		tp0 = p->tp;
	}
	return ap;
}

double kn_eval_eer(const struct kn_eval_curve *c)
{
	double fpr0 = 0, fnr0 = 1;

	if (!roc_defined(c))
		return NAN;
	for (size_t i = 0; i < c->n; i++) {
		double fpr = (double)c->pts[i].fp / (double)c->neg;
		double fnr = 1 - (double)c->pts[i].tp / (double)c->pos;
		double d0 = fpr0 - fnr0, d1 = fpr - fnr;   /* rises from -1 to +1 */
		if (d1 >= 0) {
			double w = d1 == d0 ? 0 : -d0 / (d1 - d0);
			return (fpr0 + w * (fpr - fpr0) + fnr0 + w * (fnr - fnr0)) / 2;
		}
		fpr0 = fpr;
		fnr0 = fnr;
	}
	return 1;  /* not reached: the last point is (1, 1) */
}

double kn_eval_tpr_at_fpr(const struct kn_eval_curve *c, double max_fpr)
{
	uint64_t best = 0;  /* the point (0, 0): flag nothing */

	if (!roc_defined(c) || isnan(max_fpr))
		return NAN;
	for (size_t i = 0; i < c->n; i++)
		if ((double)c->pts[i].fp <= max_fpr * (double)c->neg + 1e-9 &&
		    c->pts[i].tp > best)
			best = c->pts[i].tp;
	return (double)best / (double)c->pos;
}
