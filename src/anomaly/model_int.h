/*
 * model_int.h - the online anomaly model's structure (kenchi/model.h),
 * shared by model.c (training, scoring, explanations) and model_io.c (the
 * model file), and bench/model_bench.c (which times model_score() alone);
 * nothing else includes it.
 */
#ifndef KN_MODEL_INT_H
#define KN_MODEL_INT_H

#include <stdint.h>

#include "kenchi/model.h"

#define MODEL_MAX_ENSEMBLES 2

struct kn_model {
	struct kn_model_config cfg;
	struct kn_afterimage *ai;
	struct kn_kitnet *k[MODEL_MAX_ENSEMBLES];  /* [1]: log_inputs, with ensembles 2 */
	double thr[MODEL_MAX_ENSEMBLES];           /* each ensemble's threshold, > 0 */
	uint64_t packets;
	int trained;
	double x[KN_AI_FEATURES];                  /* the last packet's features */
	/* Each feature over the training packets (non-finite values as 0):
	 * running minimum, maximum and sum, then the mean once trained. */
	double fmin[KN_AI_FEATURES], fmax[KN_AI_FEATURES], fmean[KN_AI_FEATURES];
};

/* Fills the KitNET configuration of ensemble e (0 raw, 1 log inputs). */
void model_kitnet_config(const struct kn_model_config *cfg, unsigned e,
			 struct kn_kitnet_config *kc);
/* NULL when cfg is valid, else what is wrong (static text). */
const char *model_config_error(const struct kn_model_config *cfg);
/* The score of feature vector x (KN_AI_FEATURES values) by a trained
 * model, in threshold units: kn_model_process() without the features
 * (also timed alone by bench/model_bench.c). */
double model_score(struct kn_model *m, const double *x);
/* A model shell with its AfterImage, no ensembles (the loader adds them). */
struct kn_model *model_alloc(const struct kn_model_config *cfg, char *errbuf);

#endif
