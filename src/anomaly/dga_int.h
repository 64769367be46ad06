/*
 * dga_int.h - internals shared by the DGA name scorer's two files:
 * dga_model.c (alphabet, label choice, features, trigram tables, save/load)
 * and dga.c (the trainer: counting, cross-fitting, the logistic fit).
 */
#ifndef KN_ANOMALY_DGA_INT_H
#define KN_ANOMALY_DGA_INT_H

#include <stddef.h>
#include <stdint.h>

#include "kenchi/anomaly.h"

/* Symbols: 0 = label boundary, 1-26 = a-z, 27-36 = 0-9, 37 = '-' or '_'. */
#define DGA_A 38
#define DGA_TRI ((size_t)DGA_A * DGA_A * DGA_A)
#define DGA_WORD_SHORT 3 /* dictionary words shorter than this are not stored */
#define DGA_WORD_MIN 4   /* shorter words count only in the second segmentation */
#define DGA_WORD_MAX 20  /* nor longer ones */
#define DGA_NAME_MAX 253
#define DGA_FORMAT_VERSION 2u /* 1: 16 features, one net (refused) */
#define DGA_HIDDEN 16
/* net[]: w1 (DGA_HIDDEN x features, row per unit), b1, w2, b2 */
#define DGA_W1 0
#define DGA_B1 (DGA_HIDDEN * KN_DGA_FEATURES)
#define DGA_W2 (DGA_B1 + DGA_HIDDEN)
#define DGA_B2 (DGA_W2 + DGA_HIDDEN)
#define DGA_NPARAM (DGA_B2 + 1)
#define DGA_NETS 5 /* the classifier averages this many nets (seeds) */
#define DGA_NWEIGHTS (DGA_NETS * DGA_NPARAM)

struct kn_dga_model {
	float logp[DGA_TRI]; /* log2 p(c | a b) at (a * A + b) * A + c */
	uint64_t *words;      /* sorted, strictly increasing word hashes */
	size_t nwords;
	/* the same hashes in an open-addressed table for lookups (built by
	 * dga_dict_index; 0 marks an empty slot, so a word hashing to 0 is
	 * word_zero instead) */
	uint64_t *slots;
	size_t slot_mask;
	int word_zero;
	double mean[KN_DGA_FEATURES], scale[KN_DGA_FEATURES];
	/* the classifier: DGA_NETS nets of DGA_HIDDEN tanh units and a
	 * logistic output each, net k at net + k * DGA_NPARAM */
	double net[DGA_NWEIGHTS];
	double threshold;
};

/* Symbol of byte c, or -1 when c cannot be in a scored label. */
int dga_symbol(unsigned char c);

/* The label of name to score (see anomaly.h): 1 with [*off, *off + *n),
 * 0 when there is none. */
int dga_pick_label(const char *name, size_t len, size_t *off, size_t *n);

/* Converts a label to symbols (at most KN_DGA_LABEL_MAX); returns the
 * count, 0 when a byte is not allowed. */
size_t dga_label_symbols(const char *label, size_t n, uint8_t *sym);

/* Hash of a lower-case word as stored in the dictionary. */
uint64_t dga_word_hash(const uint8_t *sym, size_t n);

/* Builds m->slots from m->words: 0 or -KN_ENOMEM. */
int dga_dict_index(struct kn_dga_model *m);

/* The features of a label in symbols, with the trigram table logp and the
 * dictionary of m (indexed). */
void dga_features(const float *logp, const struct kn_dga_model *m, const uint8_t *sym, size_t n,
		  double f[KN_DGA_FEATURES]);

/* Witten-Bell interpolated trigram log2 probabilities from trigram counts
 * (c3 at (a * A + b) * A + c). */
void dga_lm_from_counts(const uint32_t *c3, float *logp);

/* Adds the trigrams of a label (boundary padded) to c3 with weight w. */
void dga_lm_count(uint32_t *c3, const uint8_t *sym, size_t n, uint32_t w);

/* Classifier output in [0, 1] for standardised features z; hidden
 * activations to t when t is not NULL. */
double dga_net(const double *net, const double z[KN_DGA_FEATURES], double *t);

/* Score of raw features: standardised with the model's mean and scale. */
double dga_logistic(const struct kn_dga_model *m, const double f[KN_DGA_FEATURES]);

#endif
