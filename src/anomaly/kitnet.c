/*
 * kitnet.c - the anomaly stage's scoring model: KitNET (Mirsky et al.,
 * NDSS 2018), an ensemble of small autoencoders over the AfterImage
 * features, written from the paper's definitions (kenchi/anomaly.h
 * documents the phases and the contract).
 *
 * One autoencoder here: inputs scaled to [0, 1] by the running training
 * minimum and maximum, hidden y = sigmoid(x W + b_h), reconstruction
 * z = sigmoid(y W^T + b_v) (tied weights). One SGD step per training vector
 * with error e = x - z:
 *   d_h = (e W) .* y .* (1 - y)
 *   W  += lr * (x^T d_h + e^T y),  b_h += lr * d_h,  b_v += lr * e
 * which is the gradient of the cross-entropy reconstruction loss of a
 * sigmoid autoencoder (the denoising-autoencoder update KitNET builds on,
 * without corruption); the score is the RMSE of e, taken before the step.
 * Loops run over contiguous double arrays (row-major W) so the compiler
 * can vectorise them; nothing allocates after kn_kitnet_new(). Once
 * trained (or loaded), vectors are scored by the single-precision plan of
 * kitnet_exec.c; kitnet_score_double() here stays the reference.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "anomaly/kitnet_int.h"
#include "util/alloc.h"

/* ---- one autoencoder ---------------------------------------------------- */

unsigned kitnet_hidden(unsigned n, double ratio)
{
	double h = ceil((double)n * ratio);
	if (!(h >= 1))
		return 1;
	return h > (double)n ? n : (unsigned)h;
}

size_t kitnet_ae_doubles(unsigned n_vis, unsigned n_hid)
{
	return (size_t)n_vis * n_hid + 3u * (size_t)n_hid + 5u * (size_t)n_vis;
}

double *kitnet_ae_carve(struct kitnet_ae *ae, unsigned n_vis, unsigned n_hid, double *mem)
{
	ae->n_vis = n_vis;
	ae->n_hid = n_hid;
	memset(mem, 0, kitnet_ae_doubles(n_vis, n_hid) * sizeof *mem);
	ae->w = mem;
	mem += (size_t)n_vis * n_hid;
	ae->hbias = mem, mem += n_hid;
	ae->y = mem, mem += n_hid;
	ae->dh = mem, mem += n_hid;
	ae->vbias = mem, mem += n_vis;
	ae->min = mem, mem += n_vis;
	ae->max = mem, mem += n_vis;
	ae->xn = mem, mem += n_vis;
	ae->z = mem, mem += n_vis;
	for (unsigned i = 0; i < n_vis; i++) {
		ae->min[i] = INFINITY;
		ae->max[i] = -INFINITY;
	}
	return mem;
}

/* splitmix64: small, fast, and the same sequence on every platform. */
static uint64_t next_u64(uint64_t *s)
{
	uint64_t z = (*s += 0x9e3779b97f4a7c15ull);
	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
	return z ^ (z >> 31);
}

void kitnet_ae_init(struct kitnet_ae *ae, uint64_t *rng)
{
	double a = 1.0 / (double)ae->n_vis;
	size_t nw = (size_t)ae->n_vis * ae->n_hid;
	for (size_t i = 0; i < nw; i++) {
		double u = (double)(next_u64(rng) >> 11) * 0x1.0p-53; /* [0, 1) */
		ae->w[i] = -a + 2.0 * a * u;
	}
}

/* e^v, v clamped to [-708, 709] (NaN counts as -708): v = n ln2 + r with |r| <= ln2 / 2,
 * e^r by its Taylor series to degree 13 (truncation below 3e-18
 * relative), 2^n written into the exponent bits. Branch-free and free of
 * library calls so that loops over arrays of it vectorise; the same bits on
 * every platform (libm's exp may differ in the last place). */
static inline double exp_fast(double v)
{
	const double shift = 0x1.8p52, ln2_hi = 0x1.62e42fee00000p-1,
		     ln2_lo = 0x1.a39ef35793c76p-33;
	v = v > -708.0 ? v : -708.0; /* NaN -> -708 */
	v = v < 709.0 ? v : 709.0;
	double t = v * 0x1.71547652b82fep0 + shift; /* n in the low mantissa bits */
	double n = t - shift;
	double r = (v - n * ln2_hi) - n * ln2_lo;
	double p = 1.0 / 6227020800.0;
	p = p * r + 1.0 / 479001600.0;
	p = p * r + 1.0 / 39916800.0;
	p = p * r + 1.0 / 3628800.0;
	p = p * r + 1.0 / 362880.0;
	p = p * r + 1.0 / 40320.0;
	p = p * r + 1.0 / 5040.0;
	p = p * r + 1.0 / 720.0;
	p = p * r + 1.0 / 120.0;
	p = p * r + 1.0 / 24.0;
	p = p * r + 1.0 / 6.0;
	p = p * r + 0.5;
	p = p * r + 1.0;
	p = p * r + 1.0;
	uint64_t tb, sb;
	memcpy(&tb, &t, sizeof tb);
	sb = (tb - 0x4338000000000000ull + 1023u) << 52; /* (n + 1023) << 52 */
	double scale;
	memcpy(&scale, &sb, sizeof scale);
	return p * scale;
}

static inline double sigmoid(double v)
{
	return 1.0 / (1.0 + exp_fast(-v));
}

/* a . b with four partial sums: independent additions instead of one
 * chain bound by the adder's latency (the order is fixed, so results are
 * the same on every run). */
static inline double dot(const double *a, const double *b, unsigned n)
{
	double s0 = 0, s1 = 0, s2 = 0, s3 = 0;
	unsigned j = 0;
	for (; j + 4 <= n; j += 4) {
		s0 += a[j] * b[j];
		s1 += a[j + 1] * b[j + 1];
		s2 += a[j + 2] * b[j + 2];
		s3 += a[j + 3] * b[j + 3];
	}
	for (; j < n; j++)
		s0 += a[j] * b[j];
	return (s0 + s1) + (s2 + s3);
}

/* Inputs scaled by the training range, then clamped to +-KITNET_XN_MAX (a
 * NaN from an overflowing range goes to the lower bound): far outside the
 * range still scores high, and every score stays finite. */
static void scale(struct kitnet_ae *ae, const double *x)
{
	for (unsigned i = 0; i < ae->n_vis; i++) {
		double v = (x[i] - ae->min[i]) / (ae->max[i] - ae->min[i] + KITNET_NORM_EPS);
		v = v > KITNET_XN_MAX ? KITNET_XN_MAX : v;
		ae->xn[i] = v >= -KITNET_XN_MAX ? v : -KITNET_XN_MAX;
	}
}

/* y = sigmoid(xn W + b_h); z = xn - sigmoid(y W^T + b_v) (the error);
 * returns the sum of squared errors. */
static double forward(struct kitnet_ae *ae)
{
	unsigned nv = ae->n_vis, nh = ae->n_hid;
	double *y = ae->y;
	memcpy(y, ae->hbias, nh * sizeof *y);
	for (unsigned i = 0; i < nv; i++) {
		const double *row = ae->w + (size_t)i * nh;
		double xi = ae->xn[i];
		for (unsigned j = 0; j < nh; j++)
			y[j] += xi * row[j];
	}
	for (unsigned j = 0; j < nh; j++)
		y[j] = sigmoid(y[j]);
	double sse = 0;
	for (unsigned i = 0; i < nv; i++) {
		double e = ae->xn[i] - sigmoid(ae->vbias[i] + dot(ae->w + (size_t)i * nh, y, nh));
		ae->z[i] = e;
		sse += e * e;
	}
	return sse;
}

/* The SGD step from the error in ae->z (see the file comment). */
static void backward(struct kitnet_ae *ae, double lr)
{
	unsigned nv = ae->n_vis, nh = ae->n_hid;
	double *dh = ae->dh;
	const double *y = ae->y, *e = ae->z;
	memset(dh, 0, nh * sizeof *dh);
	for (unsigned i = 0; i < nv; i++) {
		const double *row = ae->w + (size_t)i * nh;
		for (unsigned j = 0; j < nh; j++)
			dh[j] += e[i] * row[j];
	}
	for (unsigned j = 0; j < nh; j++)
		dh[j] *= y[j] * (1.0 - y[j]);
	for (unsigned i = 0; i < nv; i++) {
		double *row = ae->w + (size_t)i * nh;
		double a = lr * ae->xn[i], b = lr * e[i];
		for (unsigned j = 0; j < nh; j++)
			row[j] += a * dh[j] + b * y[j];
		ae->vbias[i] += b;
	}
	for (unsigned j = 0; j < nh; j++)
		ae->hbias[j] += lr * dh[j];
}

double kitnet_ae_train(struct kitnet_ae *ae, const double *x, double lr)
{
	for (unsigned i = 0; i < ae->n_vis; i++) {
		ae->min[i] = x[i] < ae->min[i] ? x[i] : ae->min[i];
		ae->max[i] = x[i] > ae->max[i] ? x[i] : ae->max[i];
	}
	scale(ae, x);
	double sse = forward(ae);
	backward(ae, lr);
	return sqrt(sse / ae->n_vis);
}

double kitnet_ae_execute(struct kitnet_ae *ae, const double *x)
{
	scale(ae, x);
	return sqrt(forward(ae) / ae->n_vis);
}

/* ---- configuration and allocation --------------------------------------- */

void kn_kitnet_config_default(struct kn_kitnet_config *cfg, unsigned n_features)
{
	memset(cfg, 0, sizeof *cfg);
	cfg->n_features = n_features;
	cfg->max_ae = 10;
	cfg->fm_grace = 5000;
	cfg->ad_grace = 50000;
	cfg->lr = 0.1;
	cfg->hidden_ratio = 0.75;
	cfg->seed = 1;
	cfg->threshold_quantile = 1.0;
}

const char *kitnet_config_error(const struct kn_kitnet_config *cfg)
{
	if (cfg->n_features < 1 || cfg->n_features > KN_KITNET_MAX_FEATURES)
		return "n_features must be 1..4096";
	if (cfg->max_ae < 1 || cfg->max_ae > cfg->n_features)
		return "max_ae must be 1..n_features";
	if (cfg->ad_grace < 1)
		return "ad_grace must be at least 1";
	if (!(cfg->lr > 0) || !isfinite(cfg->lr))
		return "lr must be a finite number above 0";
	if (!(cfg->hidden_ratio > 0 && cfg->hidden_ratio <= 1))
		return "hidden_ratio must be in (0, 1]";
	if (!(cfg->threshold_quantile > 0 && cfg->threshold_quantile <= 1))
		return "threshold_quantile must be in (0, 1]";
	if (cfg->log_inputs != 0 && cfg->log_inputs != 1)
		return "log_inputs must be 0 or 1";
	return NULL;
}

size_t kitnet_layers_doubles(const unsigned *sizes, unsigned n_ae, double ratio)
{
	size_t total = kitnet_ae_doubles(n_ae, kitnet_hidden(n_ae, ratio));
	for (unsigned c = 0; c < n_ae; c++)
		total += kitnet_ae_doubles(sizes[c], kitnet_hidden(sizes[c], ratio));
	return total;
}

/* Arena doubles for a training model: any map of n features into clusters
 * of at most m gives sum n_c * h_c <= n * m for the ensemble and at most
 * n * n for the output layer, plus 8 per input or hidden unit. */
static size_t worst_layers(unsigned n, unsigned m)
{
	return (size_t)n * m + (size_t)n * n + 16u * (size_t)n;
}

static void *take(struct kn_kitnet *k, size_t n, size_t size, int *failed)
{
	void *p = kn_calloc(n ? n : 1, size);
	if (!p)
		*failed = 1;
	else
		k->memory += (uint64_t)(n ? n : 1) * size;
	return p;
}

/* The map phase's arrays: statistics, distances, clustering scratch and
 * the ring of training scores. */
static void take_training(struct kn_kitnet *k, int *failed)
{
	unsigned n = k->cfg.n_features;
	uint64_t half = k->cfg.ad_grace / 2;
	k->ring_cap = half < 1 ? 1 : half > KITNET_RING_MAX ? KITNET_RING_MAX : (size_t)half;
	k->fm.n = n;
	k->fm.mean = take(k, n, sizeof(double), failed);
	k->fm.dev = take(k, n, sizeof(double), failed);
	k->fm.com = take(k, (size_t)n * n, sizeof(double), failed);
	k->dist = take(k, (size_t)n * n, sizeof(double), failed);
	k->dwork = take(k, 2u * (size_t)n, sizeof(double), failed);
	k->cwork = take(k, kitnet_cluster_work(n), sizeof(unsigned), failed);
	k->ring = take(k, k->ring_cap, sizeof(double), failed);
}

/* The scoring plan's arrays (kitnet_exec.c); mem_len is set. */
static void take_exec(struct kn_kitnet *k, int *failed)
{
	struct kitnet_exec *x = &k->exec;
	unsigned n = k->cfg.n_features;
	size_t pad = ((size_t)n + 7) & ~(size_t)7;
	x->group = take(k, n, sizeof *x->group, failed);
	x->layer = take(k, (size_t)n + 1, sizeof *x->layer, failed);
	x->perm = take(k, n, sizeof *x->perm, failed);
	x->rm_of = take(k, n, sizeof *x->rm_of, failed);
	x->slot_of = take(k, pad, sizeof *x->slot_of, failed);
	x->lo = take(k, pad, sizeof(double), failed);
	x->inv = take(k, pad, sizeof(double), failed);
	x->g = take(k, pad, sizeof(double), failed);
	x->out_lo = take(k, pad, sizeof(double), failed);
	x->out_inv = take(k, pad, sizeof(double), failed);
	x->t = take(k, pad, sizeof(double), failed);
	x->mem = take(k, x->mem_len, sizeof(float), failed);
}

struct kn_kitnet *kitnet_alloc(const struct kn_kitnet_config *cfg, const unsigned *sizes,
			       unsigned n_ae, char *errbuf)
{
	const char *why = kitnet_config_error(cfg);
	if (why) {
		snprintf(errbuf, KN_ERRBUF_SIZE, "kitnet: %s", why);
		return NULL;
	}
	struct kn_kitnet *k = kn_calloc(1, sizeof *k);
	if (!k)
		goto fail;
	int failed = 0;
	unsigned n = cfg->n_features;
	k->cfg = *cfg;
	k->rng = cfg->seed;
	k->threshold = NAN;
	k->memory = sizeof *k;
	k->order = take(k, n, sizeof(unsigned), &failed);
	k->sizes = take(k, n, sizeof(unsigned), &failed);
	k->ae = take(k, n, sizeof(struct kitnet_ae), &failed);
	k->xs = take(k, n, sizeof(double), &failed);
	k->xin = take(k, n, sizeof(double), &failed);
	k->rmse = take(k, n, sizeof(double), &failed);
	if (sizes) {
		k->arena_len = kitnet_layers_doubles(sizes, n_ae, cfg->hidden_ratio);
		k->exec.mem_len = kitnet_exec_floats(sizes, n_ae, cfg->hidden_ratio);
	} else {
		k->arena_len = worst_layers(n, cfg->max_ae);
		k->exec.mem_len = kitnet_exec_floats_worst(n, cfg->max_ae);
	}
	k->arena = k->arena_free = take(k, k->arena_len, sizeof(double), &failed);
	take_exec(k, &failed);
	if (!sizes)
		take_training(k, &failed);
	if (failed)
		goto fail;
	return k;
fail:
	kn_kitnet_free(k);
	snprintf(errbuf, KN_ERRBUF_SIZE, "kitnet: out of memory for a model of %u features",
		 cfg->n_features);
	return NULL;
}

struct kn_kitnet *kn_kitnet_new(const struct kn_kitnet_config *cfg, char *errbuf)
{
	return kitnet_alloc(cfg, NULL, 0, errbuf);
}

void kn_kitnet_free(struct kn_kitnet *k)
{
	if (!k)
		return;
	kn_free(k->order);
	kn_free(k->sizes);
	kn_free(k->ae);
	kn_free(k->xs);
	kn_free(k->xin);
	kn_free(k->rmse);
	kn_free(k->arena);
	kn_free(k->exec.group);
	kn_free(k->exec.layer);
	kn_free(k->exec.perm);
	kn_free(k->exec.rm_of);
	kn_free(k->exec.slot_of);
	kn_free(k->exec.lo);
	kn_free(k->exec.inv);
	kn_free(k->exec.g);
	kn_free(k->exec.out_lo);
	kn_free(k->exec.out_inv);
	kn_free(k->exec.t);
	kn_free(k->exec.mem);
	kn_free(k->fm.mean);
	kn_free(k->fm.dev);
	kn_free(k->fm.com);
	kn_free(k->dist);
	kn_free(k->dwork);
	kn_free(k->cwork);
	kn_free(k->ring);
	kn_free(k);
}

void kitnet_build_layers(struct kn_kitnet *k)
{
	double ratio = k->cfg.hidden_ratio;
	double *mem = k->arena;
	for (unsigned c = 0; c < k->n_ae; c++) {
		mem = kitnet_ae_carve(&k->ae[c], k->sizes[c], kitnet_hidden(k->sizes[c], ratio), mem);
		kitnet_ae_init(&k->ae[c], &k->rng);
	}
	mem = kitnet_ae_carve(&k->out, k->n_ae, kitnet_hidden(k->n_ae, ratio), mem);
	kitnet_ae_init(&k->out, &k->rng);
	k->arena_free = mem;
}

/* ---- the phases --------------------------------------------------------- */

/* Non-finite inputs count as 0; with log_inputs, heavy-tailed features
 * (weights, variances spanning decades) are compressed first so the 0-1
 * scaling does not squash all but the largest values towards 0. */
static void sanitise(struct kn_kitnet *k, const double *x)
{
	for (unsigned i = 0; i < k->cfg.n_features; i++)
		k->xs[i] = isfinite(x[i]) ? x[i] : 0.0;
	if (k->cfg.log_inputs)
		for (unsigned i = 0; i < k->cfg.n_features; i++)
			k->xs[i] = copysign(kitnet_log1p(fabs(k->xs[i])), k->xs[i]);
}

/* Each ensemble member gets its inputs gathered into xin and trains or
 * scores; their RMSEs (k->rmse) are the output layer's input. Returns the
 * output layer's RMSE. */
static double run_layers(struct kn_kitnet *k, int train)
{
	const unsigned *idx = k->order;
	for (unsigned c = 0; c < k->n_ae; c++) {
		struct kitnet_ae *ae = &k->ae[c];
		for (unsigned i = 0; i < ae->n_vis; i++)
			k->xin[i] = k->xs[idx[i]];
		idx += ae->n_vis;
		k->rmse[c] = train ? kitnet_ae_train(ae, k->xin, k->cfg.lr)
				   : kitnet_ae_execute(ae, k->xin);
	}
	if (train)
		return kitnet_ae_train(&k->out, k->rmse, k->cfg.lr);
	return kitnet_ae_execute(&k->out, k->rmse);
}

double kitnet_score_double(struct kn_kitnet *k, const double *x)
{
	sanitise(k, x);
	return run_layers(k, 0);
}

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;
	return (x > y) - (x < y);
}

/* Training is over: the threshold from the ring (file comment of the
 * header); the mapper's state is no longer needed but stays allocated. */
static void finish_training(struct kn_kitnet *k)
{
	size_t n = k->ring_len;
	qsort(k->ring, n, sizeof *k->ring, cmp_double);
	size_t rank = (size_t)ceil(k->cfg.threshold_quantile * (double)n);
	k->threshold = k->ring[rank < 1 ? 0 : rank > n ? n - 1 : rank - 1];
	k->phase = KN_KITNET_SCORE;
	kitnet_exec_build(k);
}

static void train_step(struct kn_kitnet *k)
{
	double score = run_layers(k, 1);
	k->ring[k->ring_pos] = score;
	k->ring_pos = (k->ring_pos + 1) % k->ring_cap;
	if (k->ring_len < k->ring_cap)
		k->ring_len++;
}

double kn_kitnet_process(struct kn_kitnet *k, const double *x)
{
	if (k->phase == KN_KITNET_SCORE) {
		k->processed++;
		return k->exec.score(k, x);
	}
	sanitise(k, x);
	if (k->phase == KN_KITNET_MAP) {
		kitnet_fm_update(&k->fm, k->xs);
		if (k->processed == k->cfg.fm_grace) {
			kitnet_fm_distance(&k->fm, k->dist);
			k->n_ae = kitnet_cluster(k->dist, k->cfg.n_features, k->cfg.max_ae, k->order,
						 k->sizes, k->cwork, k->dwork);
			kitnet_build_layers(k);
			k->phase = KN_KITNET_TRAIN;
		}
	} else {
		train_step(k);
		if (k->processed == k->cfg.fm_grace + k->cfg.ad_grace)
			finish_training(k);
	}
	k->processed++;
	return 0.0;
}

void kn_kitnet_process2(struct kn_kitnet *a, struct kn_kitnet *b, const double *x, double s[2])
{
	if (a->phase == KN_KITNET_SCORE && b->phase == KN_KITNET_SCORE && a->exec.score2 &&
	    a->exec.score2 == b->exec.score2 && a->cfg.n_features == b->cfg.n_features) {
		a->processed++, b->processed++;
		a->exec.score2(a, b, x, s);
		return;
	}
	s[0] = kn_kitnet_process(a, x);
	s[1] = kn_kitnet_process(b, x);
}

double kn_kitnet_threshold(const struct kn_kitnet *k)
{
	return k->phase == KN_KITNET_SCORE ? k->threshold : NAN;
}

void kn_kitnet_get_info(const struct kn_kitnet *k, struct kn_kitnet_info *info)
{
	memset(info, 0, sizeof *info);
	info->phase = k->phase;
	info->processed = k->processed;
	info->n_features = k->cfg.n_features;
	info->n_ae = k->n_ae;
	info->threshold = kn_kitnet_threshold(k);
	info->memory = k->memory;
}
