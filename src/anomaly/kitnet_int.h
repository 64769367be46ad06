/*
 * kitnet_int.h - private structures of the KitNET scoring model
 * (kenchi/anomaly.h, "KitNET"), shared by its four files and the unit
 * tests; nothing else includes it.
 *
 *   kitnet.c      one autoencoder (train / execute), the ensemble, phases,
 *                 threshold
 *   kitnet_map.c  the feature mapper: running correlations, single-linkage
 *                 clustering, the dendrogram cut
 *   kitnet_io.c   save / load (file format described there)
 *   kitnet_exec.c the scoring phase: a single-precision plan of the trained
 *                 model and its vector kernels (kitnet_kernel.h)
 *
 * Every array lives in one arena of doubles allocated by kn_kitnet_new()
 * (or the loader), sized for the worst case, so nothing allocates later.
 */
#ifndef KN_KITNET_INT_H
#define KN_KITNET_INT_H

#include <stddef.h>
#include <stdint.h>

#include "kenchi/anomaly.h"

/* Keeps 1e-16 of slack in the 0-1 scaling so a constant input gives 0. */
#define KITNET_NORM_EPS 1e-16
#define KITNET_RING_MAX 65536u
/* Bound on a scaled input: 1e6 training ranges away. */
#define KITNET_XN_MAX 1e6

/* One autoencoder with tied weights: n_vis inputs, n_hid sigmoid hidden
 * units. w is n_vis x n_hid, row-major (w[i * n_hid + j]). */
struct kitnet_ae {
	unsigned n_vis, n_hid;
	double *w, *hbias, *vbias; /* n_vis * n_hid, n_hid, n_vis */
	double *min, *max;         /* per input, running over training */
	double *xn, *y, *z, *dh;   /* scratch: n_vis, n_hid, n_vis, n_hid */
};

/* Doubles an autoencoder of this shape takes from the arena. */
size_t kitnet_ae_doubles(unsigned n_vis, unsigned n_hid);
/* Points ae's arrays into mem (kitnet_ae_doubles() of them, zeroed), min at
 * +inf and max at -inf. Returns mem + that count. */
double *kitnet_ae_carve(struct kitnet_ae *ae, unsigned n_vis, unsigned n_hid, double *mem);
/* ceil(ratio * n), at least 1. */
unsigned kitnet_hidden(unsigned n, double ratio);
/* Weights uniform in [-1/n_vis, 1/n_vis] from *rng (splitmix64 state). */
void kitnet_ae_init(struct kitnet_ae *ae, uint64_t *rng);
/* Widens min/max with x, scales, one SGD step; returns the RMSE before it. */
double kitnet_ae_train(struct kitnet_ae *ae, const double *x, double lr);
/* RMSE of reconstructing x (scaled with the training min/max). */
double kitnet_ae_execute(struct kitnet_ae *ae, const double *x);

/* The feature mapper's running statistics (Welford): count, means and the
 * co-moment matrix (upper triangle used, n x n row-major). */
struct kitnet_fm {
	unsigned n;
	uint64_t count;
	double *mean, *dev, *com; /* n, n (scratch), n * n */
};

void kitnet_fm_update(struct kitnet_fm *fm, const double *x);
/* Correlation distance 1 - r into dist (n x n, symmetric, diagonal 0),
 * clamped to [0, 2]; a feature with no variance is at distance 1 from all. */
void kitnet_fm_distance(const struct kitnet_fm *fm, double *dist);
/* Single-linkage clustering of dist (n x n) cut into clusters of at most
 * max_size: order receives the n feature indices cluster by cluster,
 * sizes[c] each cluster's length. Returns the number of clusters. work
 * must hold kitnet_cluster_work(n) unsigned. */
size_t kitnet_cluster_work(unsigned n);
unsigned kitnet_cluster(const double *dist, unsigned n, unsigned max_size, unsigned *order,
			unsigned *sizes, unsigned *work, double *dwork);

/* Members with at most this many inputs are scored 8 (or 16) at a time. */
#define KITNET_GROUP_MAX 16

/* The scoring phase's single-precision copy of one autoencoder in the row
 * layout (kitnet_exec.c): encoder rows w[i] of PAD8(n_hid) floats, decoder
 * rows wt[j] of PAD8(n_vis) floats, biases and the mask of real inputs (1,
 * then 0), all zero-padded, weights and biases negated; its inputs start
 * at input slot `in`. */
struct kitnet_xlayer {
	unsigned n_vis, n_hid, in;
	float *w, *wt, *hbias, *vbias, *mask;
};

/* Up to L = 8 (16 for the AVX-512 kernel) members scored together, one
 * per vector lane: L floats per input i (from slot in + L i), per weight
 * (i * n_hid + j), per bias and mask entry (weights and biases negated),
 * and 1 / n_vis of each lane. */
struct kitnet_xgroup {
	unsigned n_vis, n_hid, in;
	float *w, *hbias, *vbias, *mask, *inv_vis;
};

/* AVX-512 plans of at most KITNET_PERM_FEATURES features whose members
 * are all grouped, in at most KITNET_PERM_ROWS rows of 16 slots, fill
 * their slots a row at a time from the scaled features held in registers
 * (kitnet_kernel.h, inputs_perm16()). */
#define KITNET_PERM_FEATURES 128
#define KITNET_PERM_ROWS 64

/* The scoring plan (kitnet_exec.c), allocated with the model, built by
 * kitnet_exec_build() when training ends or a model is loaded. */
struct kitnet_exec {
	unsigned n_groups, n_rows;        /* groups, then members in row layout */
	unsigned lanes;                   /* members per group: 8, or 16 (AVX-512) */
	struct kitnet_xgroup *group;      /* capacity n_features */
	struct kitnet_xlayer *layer;      /* n_rows members, then the output layer */
	unsigned *perm;                   /* members: grouped by size, then the rest */
	unsigned *rm_of;                  /* member c's RMSE is rm[rm_of[c]] */
	size_t n_slots;                   /* input slots (xn) */
	unsigned *slot_of;                /* feature f feeds input slot slot_of[f]
	                                     (PAD8(n_features) entries) */
	double *lo, *inv;                 /* feature f's training minimum, 1 / range */
	double *t, *g;                    /* the features (padded), output layer's inputs */
	double *out_lo, *out_inv;         /* output layer's scaling */
	float *xn, *xo, *y, *rm;          /* input slots, output layer's inputs,
	                                     hidden values, member RMSEs */
	float *mem;                       /* layers and staging */
	size_t mem_len;
	/* rows of input slots filled whole (KITNET_PERM_*), else 0: lane l of
	 * row r (slot 16 r + l) takes feature perm_idx[r][l] where bit l of
	 * perm_mask[r][2] is set, else 0; perm_mask[r][0] and [1]: lanes whose
	 * feature has bit 5, bit 6 set (its register pair). The masks follow
	 * from the indices, but deriving them per row (byte indices widened,
	 * three tests) made kn_model_process() 1.2x slower on dos_synflood
	 * (BENCHMARKS step 6), so they are stored. */
	unsigned n_perm_rows;
	int32_t perm_idx[KITNET_PERM_ROWS][16];
	uint16_t perm_mask[KITNET_PERM_ROWS][3];
	double (*score)(struct kn_kitnet *k, const double *x);
	/* two models with the same kernel (score2 equal) at once: s[0] of k, s[1]
	 * of the second (kn_kitnet_process2()); NULL without a plan */
	void (*score2)(struct kn_kitnet *k, struct kn_kitnet *k2, const double *x, double *s);
};

struct kn_kitnet {
	struct kn_kitnet_config cfg;
	int phase;
	uint64_t processed;
	double threshold;

	unsigned n_ae;
	unsigned *order, *sizes;     /* the map: n_features, n_ae (capacity n) */
	struct kitnet_ae *ae;        /* n_ae ensemble members (capacity n) */
	struct kitnet_ae out;        /* output layer over n_ae RMSEs */
	double *xs, *xin, *rmse;     /* sanitised input, gather buffer, ensemble RMSEs (n each) */

	struct kitnet_fm fm;         /* map phase only (NULL arrays after load) */
	double *dist, *dwork;        /* n * n and 2n, map phase */
	unsigned *cwork;             /* clustering scratch */
	double *ring;                /* training scores kept for the threshold */
	size_t ring_cap, ring_len, ring_pos;

	struct kitnet_exec exec;     /* scoring phase */
	double *arena, *arena_free;  /* remaining doubles for the autoencoders */
	size_t arena_len;
	uint64_t memory;
	uint64_t rng;
};

/* Allocates a model: for training (sizes NULL: the mapper's state, the
 * threshold ring and an arena for the worst-case map) or, for the loader,
 * in the scoring phase for the map with these n_ae cluster sizes (the
 * caller fills order, sizes and the weights). NULL + errbuf on failure. */
struct kn_kitnet *kitnet_alloc(const struct kn_kitnet_config *cfg, const unsigned *sizes,
			       unsigned n_ae, char *errbuf);
/* NULL when cfg is valid, else what is wrong with it (static text). */
const char *kitnet_config_error(const struct kn_kitnet_config *cfg);

/* Builds the autoencoders for the map in k->order / k->sizes / k->n_ae from
 * the arena (which must be large enough) and initialises their weights. */
void kitnet_build_layers(struct kn_kitnet *k);
/* Doubles the autoencoders of a map with these cluster sizes need. */
size_t kitnet_layers_doubles(const unsigned *sizes, unsigned n_ae, double ratio);

/* kitnet_exec.c: floats of the scoring plan for a map with these cluster
 * sizes, and an upper bound for any map of n features into clusters of at
 * most max_ae. */
size_t kitnet_exec_floats(const unsigned *sizes, unsigned n_ae, double ratio);
size_t kitnet_exec_floats_worst(unsigned n, unsigned max_ae);
/* The scoring kernels: baseline (SSE2 on x86-64), AVX2 + FMA, AVX-512
 * (F, VL, DQ, BW; groups of 16 members). */
enum kitnet_kernel { KITNET_KERNEL_BASE, KITNET_KERNEL_AVX2, KITNET_KERNEL_AVX512 };
/* Builds the plan from the trained double-precision layers (no allocation)
 * for the fastest kernel the CPU runs. */
void kitnet_exec_build(struct kn_kitnet *k);
/* Tests and benchmarks: rebuilds the plan for kernel `which` (no
 * allocation); -KN_ENOTSUP when the CPU (or the build target) lacks it. */
int kitnet_exec_use(struct kn_kitnet *k, enum kitnet_kernel which);
/* sign-less log(1 + a) for finite a >= 0, relative error below 1e-12: the
 * log_inputs transform of training and scoring (the same bits in both). */
double kitnet_log1p(double a);
/* kitnet.c: the double-precision score (what training computes), the
 * reference for the plan. */
double kitnet_score_double(struct kn_kitnet *k, const double *x);

#endif
