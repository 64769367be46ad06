/*
 * alerts.c - the normalised list of a detector's findings (struct
 * kn_eval_alerts) that every adapter fills: the EVE loader (eve.c) today,
 * Zeek, Snort and CSV adapters later. The scorer reads it (match.c).
 */
#include "eval/eval_int.h"

#include <math.h>
#include <string.h>

#include "util/alloc.h"

void kn_eval_alerts_init(struct kn_eval_alerts *l)
{
	memset(l, 0, sizeof *l);
}

void kn_eval_alerts_fini(struct kn_eval_alerts *l)
{
	if (!l)
		return;
	for (size_t i = 0; i < l->n; i++) {
		kn_free(l->v[i].signature);
		kn_free(l->v[i].detector);
	}
	kn_free(l->v);
	memset(l, 0, sizeof *l);
}

int kn_eval_alerts_push(struct kn_eval_alerts *l, const struct kn_eval_alert *a)
{
	char *sig = NULL, *det = NULL;

	if (l->n == l->cap) {
		size_t cap = l->cap ? l->cap * 2 : 64;
		struct kn_eval_alert *v = kn_realloc_array(l->v, cap, sizeof *v);
		if (!v)
			return -KN_ENOMEM;
		l->v = v;
		l->cap = cap;
	}
	if (a->signature && !(sig = kn_strdup(a->signature)))
		return -KN_ENOMEM;
	if (a->detector && !(det = kn_strdup(a->detector))) {
		kn_free(sig);
		return -KN_ENOMEM;
	}
	l->v[l->n] = *a;
	l->v[l->n].signature = sig;
	l->v[l->n].detector = det;
	l->n++;
	return 0;
}

double eval_alert_score(const struct kn_eval_alert *a)
{
	return isnan(a->score) ? INFINITY : a->score;
}
