/*
 * kitnet_int.h - private structures of the KitNET scoring model
 * (kenchi/anomaly.h, "KitNET"), shared by its three files and the unit
 * tests; nothing else includes it.
 *
 *   kitnet.c      one autoencoder (train / execute), the ensemble, phases,
 *                 threshold
 *   kitnet_map.c  the feature mapper: running correlations, single-linkage
 *                 clustering, the dendrogram cut
 *   kitnet_io.c   save / load (file format described there)
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

#endif
