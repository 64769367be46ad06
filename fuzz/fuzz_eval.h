/*
 * fuzz_eval.h - checks shared by the eval fuzz targets (fuzz_eval_eve.c,
 * fuzz_eval_adapters.c): a reader's statistics must add up with the input's
 * lines, and the alerts it produced are scored against the target's fixed
 * dataset with every summary metric in range.
 */
#ifndef KN_FUZZ_EVAL_H
#define KN_FUZZ_EVAL_H

#include <math.h>
#include <stdlib.h>

#include "kenchi/eval.h"

static void fuzz_eval_range(double v)
{
	if (!isnan(v) && (v < 0 || v > 1))
		abort();
}

/* Scores l against ds; captures from index first_timed on get 64 packet
 * times from base_ns (13 steps of 0.1 s, repeated). */
static void fuzz_eval_score(const struct kn_eval_dataset *ds, const struct kn_eval_alerts *l,
			    int64_t base_ns, size_t first_timed)
{
	static int64_t ts[64];
	struct kn_eval_match_opts o = { .tolerance_ns = 1000000000 };
	char err[KN_ERRBUF_SIZE];
	struct kn_eval_scorer *s = kn_eval_scorer_new(ds, &o, err);

	if (!s)
		return;
	for (int i = 0; i < 64; i++)
		ts[i] = base_ns + (int64_t)(i % 13) * 100000000LL;
	struct kn_eval_packets p = { ts, 64 };
	for (size_t c = 0; c < ds->n_captures; c++) {
		err[0] = '\0';
		int rc = kn_eval_scorer_add(s, c, l->v, l->n, c >= first_timed ? &p : NULL, err);
		if (rc && !err[0])
			abort();
	}
	for (int k = KN_EVAL_ALL; k < (int)ds->n_classes; k++) {
		struct kn_eval_summary m;
		if (kn_eval_scorer_summary(s, k, &m) != 0)
			continue;
		if (m.c.tp > m.c.items || m.c.alerts_true + m.c.alerts_false > m.c.alerts)
			abort();
		fuzz_eval_range(m.precision);
		fuzz_eval_range(m.recall);
		fuzz_eval_range(m.roc_auc);
		fuzz_eval_range(m.pr_auc);
		fuzz_eval_range(m.eer);
		fuzz_eval_range(m.tpr_at_fpr_001);
	}
	kn_eval_scorer_free(s);
}

/* The statistics of a read of data[0..size) that returned rc. */
static void fuzz_eval_stats(const uint8_t *data, size_t size, int rc,
			    const struct kn_eval_eve_stats *st, const struct kn_eval_alerts *l)
{
	uint64_t nl = 0;

	for (size_t i = 0; i < size; i++)
		nl += data[i] == '\n';
	nl += size && data[size - 1] != '\n';
	if ((rc == 0 && st->lines != nl) || st->lines > nl || st->alerts != l->n ||
	    st->alerts + st->other + st->malformed > st->lines)
		abort();
	for (uint64_t i = 0; i < st->malformed && i < KN_EVAL_EVE_BAD_KEPT; i++)
		if (st->bad[i].line < 1 || st->bad[i].line > st->lines || !st->bad[i].why[0])
			abort();
}

#endif
