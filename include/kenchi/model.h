/*
 * model.h - the online anomaly model as the sensor runs it: AfterImage's
 * per-packet features (anomaly.h) scored by one or two KitNET autoencoder
 * ensembles, trained on the first packets it sees (or by `kenchi train` on a
 * capture), saved to and loaded from a versioned model file, and able to say
 * in words which features made a packet anomalous.
 *
 * Pipeline position: capture -> decode -> MODEL. The engine feeds it every
 * decoded packet from the reader thread (Kitsune's host statistics need all
 * of a host's packets, whatever worker owns the flow), so one model serves
 * any number of workers.
 *
 * Training (Kitsune's phases): of train_packets packets, the first
 * train_packets / 5 + 1 map the features into clusters and the rest train
 * the autoencoders (Kitsune-py's FMgrace 5000 + ADgrace 20000 are
 * train_packets 25001, the training prefix of the shared splices). The
 * threshold is the threshold_quantile of the late training scores.
 *
 * Scores are in threshold units: kn_model_process() returns the packet's
 * reconstruction error divided by the trained threshold (with two ensembles,
 * raw and log-compressed inputs, the larger of the two ratios), so > 1 means
 * "worse than anything late in training". 0 while training.
 *
 * Memory: everything is allocated by kn_model_new() / kn_model_load()
 * (AfterImage tables from feature_memcap, the ensembles for the worst-case
 * map); processing a packet never allocates and cannot fail. An instance
 * belongs to one thread.
 */
#ifndef KENCHI_MODEL_H
#define KENCHI_MODEL_H

#include <stddef.h>
#include <stdint.h>

#include "kenchi/anomaly.h"
#include "kenchi/kenchi.h"

#define KN_MODEL_MIN_TRAIN 10u
#define KN_MODEL_MAX_TRAIN (1ull << 40)

struct kn_model_config {
	uint64_t train_packets;    /* packets learned from, >= 10 (25001) */
	unsigned max_ae;           /* most features per autoencoder, 1..100 (10) */
	double lr;                 /* SGD learning rate (0.1) */
	double hidden_ratio;       /* hidden units per input, (0, 1] (0.75) */
	uint64_t seed;             /* weight initialisation (1) */
	double threshold_quantile; /* (0, 1] (1.0: the largest late training score) */
	int kitsune_exact;         /* AfterImage mode (anomaly.h): 1 Kitsune-py's exact
	                              statistics, 0 pair-only covariance (0: bounded work
	                              per packet, ROC AUC >= Kitsune-py's on every splice) */
	uint64_t feature_memcap;   /* AfterImage tables, >= 1 MiB (64 MiB) */
	unsigned ensembles;        /* 1: Kitsune's raw inputs; 2: raw and log inputs (2) */
};

/* The defaults in parentheses above. */
void kn_model_config_default(struct kn_model_config *cfg);

struct kn_model_info {
	int trained;               /* 1 once scoring */
	uint64_t packets;          /* packets processed */
	uint64_t train_packets;
	unsigned ensembles, n_ae[2];
	double threshold[2];       /* each ensemble's raw threshold (NAN while training) */
	int kitsune_exact;
	uint64_t memory;           /* bytes held by features and ensembles */
};

/* One feature that deviates from training, for explanations. */
struct kn_model_reason {
	unsigned feature;          /* 0..99, layout in anomaly.h */
	double value;              /* this packet's value */
	double train_mean, train_min, train_max;
	double excess;             /* distance outside [min, max], in training ranges */
};

struct kn_model;

/* New untrained model; NULL with the reason in errbuf on a bad config or
 * out of memory. */
KN_WARN_UNUSED struct kn_model *kn_model_new(const struct kn_model_config *cfg, char *errbuf);
/* NULL is a no-op. */
void kn_model_free(struct kn_model *m);

/* Adds the packet to the features and learns from or scores them: 0 while
 * training, then the score in threshold units (>= 0, finite). */
double kn_model_process(struct kn_model *m, const struct kn_ai_packet *p);

/* 1 once the model scores (after train_packets packets, or loaded). */
int kn_model_trained(const struct kn_model *m);

void kn_model_get_info(const struct kn_model *m, struct kn_model_info *info);

/* The features of the last processed packet furthest outside their training
 * ranges, at most max of them and one per kind of statistic (the same
 * statistic over another window is not repeated), largest first. Returns
 * how many (0 before training ended or when every feature is inside its
 * range). */
unsigned kn_model_reasons(const struct kn_model *m, struct kn_model_reason *out, unsigned max);

/* One sentence an analyst can read about reason r of packet p, e.g.
 * "packet count from 10.0.0.5 to 10.0.0.9 over 100 ms is 40x its usual
 * (812 vs a training mean of 20; at most 35 in training)". Writes at most n
 * bytes (NUL included); returns buf. */
char *kn_model_reason_text(const struct kn_model_reason *r, const struct kn_ai_packet *p,
			   char *buf, size_t n);

/* Saves a trained model (format: src/anomaly/model_io.c, "KNMODEL" version
 * 1 holding the feature configuration, the training statistics of each
 * feature and the KNKITNET ensembles). 0, or -KN_EINVAL (still training) /
 * -KN_ENOMEM / -KN_EIO with the reason, naming path, in errbuf. */
KN_WARN_UNUSED int kn_model_save(const struct kn_model *m, const char *path, char *errbuf);
/* Loads a model saved by kn_model_save (ready to score; the feature tables
 * start empty, sized by feature_memcap, or by the memcap it was trained
 * with when 0: memory is the operator's decision, not the file's). NULL
 * with a one-line reason naming the file, the byte offset and the fix on
 * an unreadable, truncated, corrupt or inconsistent file, or out of
 * memory. */
KN_WARN_UNUSED struct kn_model *kn_model_load(const char *path, uint64_t feature_memcap,
					      char *errbuf);
/* The same from memory; name is used in the messages. */
KN_WARN_UNUSED struct kn_model *kn_model_load_mem(const void *buf, size_t len, const char *name,
						  uint64_t feature_memcap, char *errbuf);

#endif
