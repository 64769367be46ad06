/*
 * dga.c - training of the DGA name scorer (anomaly.h, "DGA names").
 *
 * The trainer counts character trigrams of dictionary words and benign
 * names, keeps the dictionary's word hashes and the labels of the benign and
 * DGA names it is given. kn_dga_trainer_finish() builds the trigram tables,
 * computes every training label's features - a benign label with the tables
 * of the OTHER half of the benign names (2-fold cross-fitting, halves by a
 * hash of the label), so that its own trigrams do not make it look more
 * normal than unseen benign names - standardises them, fits DGA_NETS small
 * neural networks (one hidden tanh layer, logistic output; the score is
 * their mean) on the class-balanced log loss by minibatch Adam, each from
 * its own fixed seed, with the DGA names' groups (families) tempered so that
 * a family with many names does not crowd out the others, and sets the
 * threshold from the benign training scores. Scoring and the saved form are
 * in dga_model.c.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "anomaly/dga_int.h"
#include "util/alloc.h"
#include "util/hash.h"

/* Classifier training: minibatch Adam on the class-balanced log loss, for
 * each of the DGA_NETS nets from its own seed. */
#define EPOCHS 15
#define BATCH 64
#define LEARN_RATE 0.01
#define ADAM_B1 0.9
#define ADAM_B2 0.999
#define L2 1e-4
/* A DGA group of n names weighs n^(1 - GROUP_POW) in the DGA class: 0
 * would weigh names alike (big families crowd out small ones), 1 groups
 * alike (a family of 200 names as much as one of 1200). */
#define GROUP_POW 0.5
#ifndef BENIGN_WEIGHT
#define BENIGN_WEIGHT 4 /* a benign name's trigrams count this many times a word's */
#endif

struct sample {
	uint8_t sym[KN_DGA_LABEL_MAX];
	uint8_t n, dga, fold;
	uint16_t group; /* of a DGA name: kn_dga_trainer_group() */
};

struct kn_dga_trainer {
	uint32_t *c3[3]; /* trigram counts: words, benign fold 0, benign fold 1 */
	uint64_t *words;  /* word hashes as added (sorted at finish) */
	size_t nwords, words_cap;
	struct sample *samples;
	size_t nsamples, samples_cap, nbenign, ndga;
	unsigned group; /* of the DGA names added next */
};

struct kn_dga_trainer *kn_dga_trainer_new(char *errbuf)
{
	struct kn_dga_trainer *tr = kn_calloc(1, sizeof *tr);
	for (int i = 0; tr && i < 3; i++)
		if (!(tr->c3[i] = kn_calloc(DGA_TRI, sizeof(uint32_t)))) {
			kn_dga_trainer_free(tr);
			tr = NULL;
		}
	if (!tr)
		snprintf(errbuf, KN_ERRBUF_SIZE, "dga trainer: out of memory");
	return tr;
}

void kn_dga_trainer_free(struct kn_dga_trainer *tr)
{
	if (!tr)
		return;
	for (int i = 0; i < 3; i++)
		kn_free(tr->c3[i]);
	kn_free(tr->words);
	kn_free(tr->samples);
	kn_free(tr);
}

/* Grows *arr (of *cap elements of size) to hold one more. */
static int grow(void **arr, size_t *cap, size_t used, size_t size)
{
	if (used < *cap)
		return 0;
	size_t ncap = *cap ? *cap * 2 : 1024;
	void *n = kn_realloc_array(*arr, ncap, size);
	if (!n)
		return -KN_ENOMEM;
	*arr = n;
	*cap = ncap;
	return 0;
}

static int add_word(struct kn_dga_trainer *tr, const char *s, size_t len)
{
	uint8_t sym[KN_DGA_LABEL_MAX];
	if (len > KN_DGA_LABEL_MAX)
		return 0;
	for (size_t i = 0; i < len; i++) {
		int c = dga_symbol((unsigned char)s[i]);
		if (c < 1 || c > 26)
			return 0; /* letters only: no possessives, digits, hyphens */
		sym[i] = (uint8_t)c;
	}
	if (len >= DGA_WORD_SHORT && len <= DGA_WORD_MAX && tr->nwords < KN_DGA_MAX_WORDS) {
		if (grow((void **)&tr->words, &tr->words_cap, tr->nwords, sizeof *tr->words))
			return -KN_ENOMEM;
		tr->words[tr->nwords++] = dga_word_hash(sym, len);
	}
	dga_lm_count(tr->c3[0], sym, len, 1);
	return 1;
}

static int add_name(struct kn_dga_trainer *tr, const char *s, size_t len, int dga)
{
	size_t off, n;
	if (!dga_pick_label(s, len, &off, &n))
		return 0;
	if (grow((void **)&tr->samples, &tr->samples_cap, tr->nsamples, sizeof *tr->samples))
		return -KN_ENOMEM;
	struct sample *sm = &tr->samples[tr->nsamples];
	size_t ns = dga_label_symbols(s + off, n, sm->sym);
	if (ns == 0)
		return 0;
	sm->n = (uint8_t)ns;
	sm->dga = (uint8_t)dga;
	sm->fold = (uint8_t)(dga_word_hash(sm->sym, ns) >> 63);
	sm->group = (uint16_t)(dga ? tr->group : 0);
	if (!dga)
		dga_lm_count(tr->c3[1 + sm->fold], sm->sym, ns, 1);
	tr->nsamples++;
	tr->nbenign += !dga;
	tr->ndga += dga != 0;
	return 1;
}

int kn_dga_trainer_add(struct kn_dga_trainer *tr, const char *s, size_t len,
		       enum kn_dga_kind kind)
{
	while (len > 0 && (s[0] == ' ' || s[0] == '\t'))
		s++, len--;
	while (len > 0 && (s[len - 1] == ' ' || s[len - 1] == '\t' || s[len - 1] == '\r'))
		len--;
	if (len == 0 || len > DGA_NAME_MAX)
		return 0;
	switch (kind) {
	case KN_DGA_WORD:
		return add_word(tr, s, len);
	case KN_DGA_BENIGN:
		return add_name(tr, s, len, 0);
	case KN_DGA_DGA:
		return add_name(tr, s, len, 1);
	}
	return -KN_EINVAL;
}

int kn_dga_trainer_group(struct kn_dga_trainer *tr, unsigned group)
{
	if (group >= KN_DGA_MAX_GROUPS)
		return -KN_EINVAL;
	tr->group = group;
	return 0;
}

long kn_dga_trainer_add_lines(struct kn_dga_trainer *tr, const char *buf, size_t len,
			      enum kn_dga_kind kind, size_t *skipped)
{
	long added = 0;
	size_t skip = 0;
	for (size_t i = 0; i < len;) {
		const char *nl = memchr(buf + i, '\n', len - i);
		size_t end = nl ? (size_t)(nl - buf) : len;
		int rc = kn_dga_trainer_add(tr, buf + i, end - i, kind);
		if (rc < 0)
			return rc;
		added += rc;
		skip += rc == 0 && end > i;
		i = end + 1;
	}
	if (skipped)
		*skipped = skip;
	return added;
}

static int cmp_u64(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;
	return x < y ? -1 : x > y;
}

static int cmp_desc(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;
	return x > y ? -1 : x < y;
}

/* The model's sorted, deduplicated dictionary and its index. */
static int build_dictionary(struct kn_dga_trainer *tr, struct kn_dga_model *m)
{
	if (tr->nwords == 0)
		return dga_dict_index(m);
	m->words = kn_calloc(tr->nwords, sizeof *m->words);
	if (!m->words)
		return -KN_ENOMEM;
	memcpy(m->words, tr->words, tr->nwords * sizeof *m->words);
	qsort(m->words, tr->nwords, sizeof *m->words, cmp_u64);
	size_t n = 1;
	for (size_t i = 1; i < tr->nwords; i++)
		if (m->words[i] != m->words[n - 1])
			m->words[n++] = m->words[i];
	m->nwords = n;
	return dga_dict_index(m);
}

/* sum = word counts + BENIGN_WEIGHT * the benign fold tables a and b. */
static void sum_counts(const struct kn_dga_trainer *tr, uint32_t *sum, int a, int b)
{
	for (size_t i = 0; i < DGA_TRI; i++) {
		uint64_t v = tr->c3[0][i];
		v += (uint64_t)tr->c3[a][i] * BENIGN_WEIGHT;
		v += b > 0 ? (uint64_t)tr->c3[b][i] * BENIGN_WEIGHT : 0;
		sum[i] = v > UINT32_MAX ? UINT32_MAX : (uint32_t)v;
	}
}

/* The model's table from everything; fold[k] leaves out benign fold k, for
 * that fold's features. */
static void build_lms(const struct kn_dga_trainer *tr, uint32_t *sum, struct kn_dga_model *m,
		      float *fold[2])
{
	for (int k = 0; k < 2; k++) {
		sum_counts(tr, sum, 2 - k, -1);
		dga_lm_from_counts(sum, fold[k]);
	}
	sum_counts(tr, sum, 1, 2);
	dga_lm_from_counts(sum, m->logp);
}

/* Features of every sample (x: nsamples * KN_DGA_FEATURES), then the
 * model's mean and scale from them. */
static void sample_features(const struct kn_dga_trainer *tr, struct kn_dga_model *m,
			    float *fold[2], double *x)
{
	for (size_t i = 0; i < tr->nsamples; i++) {
		const struct sample *s = &tr->samples[i];
		const float *lm = s->dga ? m->logp : fold[s->fold];
		dga_features(lm, m, s->sym, s->n, x + i * KN_DGA_FEATURES);
	}
	for (int j = 0; j < KN_DGA_FEATURES; j++) {
		double sum = 0, sq = 0;
		for (size_t i = 0; i < tr->nsamples; i++)
			sum += x[i * KN_DGA_FEATURES + (size_t)j];
		m->mean[j] = sum / (double)tr->nsamples;
		for (size_t i = 0; i < tr->nsamples; i++) {
			double d = x[i * KN_DGA_FEATURES + (size_t)j] - m->mean[j];
			sq += d * d;
		}
		double sd = sqrt(sq / (double)tr->nsamples);
		m->scale[j] = sd > 1e-9 ? sd : 1.0;
	}
}

/* Deterministic pseudo-random numbers (xorshift64*) for initialisation
 * and shuffling: two trainings on the same input give the same model. */
static uint64_t next_rand(uint64_t *st)
{
	*st ^= *st >> 12;
	*st ^= *st << 25;
	*st ^= *st >> 27;
	return *st * 0x2545f4914f6cdd1dULL;
}

static double rand_unit(uint64_t *st)
{
	return (double)(next_rand(st) >> 11) / 9007199254740992.0 * 2.0 - 1.0;
}

/* Adds one sample's gradient of the weighted log loss to g. */
static void backprop(const double *net, const double *z, double y, double c, double *g)
{
	double t[DGA_HIDDEN];
	double d = c * (dga_net(net, z, t) - y);
	g[DGA_B2] += d;
	for (int h = 0; h < DGA_HIDDEN; h++) {
		g[DGA_W2 + h] += d * t[h];
		double da = d * net[DGA_W2 + h] * (1.0 - t[h] * t[h]);
		g[DGA_B1 + h] += da;
		for (int j = 0; j < KN_DGA_FEATURES; j++)
			g[DGA_W1 + h * KN_DGA_FEATURES + j] += da * z[j];
	}
}

struct adam {
	double m[DGA_NPARAM], v[DGA_NPARAM];
	double b1t, b2t;
};

static void adam_step(struct adam *a, double *net, const double *g, double scale)
{
	a->b1t *= ADAM_B1;
	a->b2t *= ADAM_B2;
	for (int i = 0; i < DGA_NPARAM; i++) {
		double gi = g[i] * scale + (i < DGA_B1 || (i >= DGA_W2 && i < DGA_B2) ? L2 * net[i] : 0);
		a->m[i] = ADAM_B1 * a->m[i] + (1 - ADAM_B1) * gi;
		a->v[i] = ADAM_B2 * a->v[i] + (1 - ADAM_B2) * gi * gi;
		double mh = a->m[i] / (1 - a->b1t), vh = a->v[i] / (1 - a->b2t);
		net[i] -= LEARN_RATE * mh / (sqrt(vh) + 1e-8);
	}
}

/* Each DGA group's weight per name into weight (KN_DGA_MAX_GROUPS): the
 * DGA class weighs as much as the benign class (nsamples / 2 each), a group
 * of c names c^(1 - GROUP_POW) of it. */
static void group_weights(const struct kn_dga_trainer *tr, double *weight)
{
	double sum = 0;
	memset(weight, 0, KN_DGA_MAX_GROUPS * sizeof *weight);
	for (size_t i = 0; i < tr->nsamples; i++)
		weight[tr->samples[i].group] += tr->samples[i].dga != 0;
	for (size_t g = 0; g < KN_DGA_MAX_GROUPS; g++)
		sum += weight[g] > 0 ? pow(weight[g], 1.0 - GROUP_POW) : 0.0;
	for (size_t g = 0; g < KN_DGA_MAX_GROUPS; g++)
		if (weight[g] > 0)
			weight[g] = (double)tr->nsamples / 2.0 * pow(weight[g], -GROUP_POW) / sum;
}

/* Minibatch Adam on the weighted log loss over standardised z (nsamples *
 * KN_DGA_FEATURES) from seed into net (DGA_NPARAM); weight as from
 * group_weights(); order is a scratch permutation of nsamples. */
static void fit_net(const struct kn_dga_trainer *tr, const double *z, const double *weight,
		    size_t *order, double *net, uint64_t seed)
{
	uint64_t st = 0x9e3779b97f4a7c15ULL + seed * 0x632be59bd9b4e019ULL;
	size_t n = tr->nsamples;
	double wb = (double)n / (2.0 * (double)tr->nbenign);
	struct adam a = {.b1t = 1, .b2t = 1};

	memset(net, 0, DGA_NPARAM * sizeof *net);
	for (int i = 0; i < DGA_B1; i++)
		net[i] = rand_unit(&st) / sqrt((double)KN_DGA_FEATURES);
	for (int h = 0; h < DGA_HIDDEN; h++)
		net[DGA_W2 + h] = rand_unit(&st) / sqrt((double)DGA_HIDDEN);
	for (size_t i = 0; i < n; i++)
		order[i] = i;
	for (int ep = 0; ep < EPOCHS; ep++) {
		for (size_t i = n; i > 1; i--) {
			size_t j = next_rand(&st) % i, t = order[i - 1];
			order[i - 1] = order[j];
			order[j] = t;
		}
		for (size_t b = 0; b < n; b += BATCH) {
			double g[DGA_NPARAM] = {0};
			size_t e = b + BATCH < n ? b + BATCH : n;
			for (size_t k = b; k < e; k++) {
				const struct sample *s = &tr->samples[order[k]];
				backprop(net, z + order[k] * KN_DGA_FEATURES, s->dga,
					 s->dga ? weight[s->group] : wb, g);
			}
			adam_step(&a, net, g, 1.0 / (double)(e - b));
		}
	}
}

/* Standardises x into z, then fits the DGA_NETS nets; without DGA examples
 * the score is a logistic of the normal model's bits per character. */
static int fit(const struct kn_dga_trainer *tr, const double *x, struct kn_dga_model *m)
{
	memset(m->net, 0, sizeof m->net);
	if (tr->ndga == 0) {
		for (int k = 0; k < DGA_NETS; k++) {
			m->net[k * DGA_NPARAM + DGA_W1] = 1.0;
			m->net[k * DGA_NPARAM + DGA_W2] = 4.0;
		}
		return 0;
	}
	double *z = kn_calloc(tr->nsamples, KN_DGA_FEATURES * sizeof *z);
	size_t *order = kn_calloc(tr->nsamples, sizeof *order);
	double *weight = kn_calloc(KN_DGA_MAX_GROUPS, sizeof *weight);
	if (!z || !order || !weight) {
		kn_free(z);
		kn_free(order);
		kn_free(weight);
		return -KN_ENOMEM;
	}
	for (size_t i = 0; i < tr->nsamples * KN_DGA_FEATURES; i++)
		z[i] = (x[i] - m->mean[i % KN_DGA_FEATURES]) / m->scale[i % KN_DGA_FEATURES];
	group_weights(tr, weight);
	for (int k = 0; k < DGA_NETS; k++)
		fit_net(tr, z, weight, order, m->net + k * DGA_NPARAM, (uint64_t)k);
	kn_free(z);
	kn_free(order);
	kn_free(weight);
	return 0;
}

/* Threshold: at most target_fpr of the benign training labels at or above. */
static int set_threshold(const struct kn_dga_trainer *tr, const double *x, double target_fpr,
			 struct kn_dga_model *m)
{
	double *s = kn_calloc(tr->nbenign, sizeof *s);
	size_t n = 0;
	if (!s)
		return -KN_ENOMEM;
	for (size_t i = 0; i < tr->nsamples; i++)
		if (!tr->samples[i].dga)
			s[n++] = dga_logistic(m, x + i * KN_DGA_FEATURES);
	qsort(s, n, sizeof *s, cmp_desc);
	size_t k = (size_t)floor(target_fpr * (double)n);
	if (k >= n)
		k = n - 1;
	m->threshold = fmin(1.0, nextafter(s[k], 2.0));
	kn_free(s);
	return 0;
}

struct kn_dga_model *kn_dga_trainer_finish(struct kn_dga_trainer *tr, double target_fpr,
					   char *errbuf)
{
	struct kn_dga_model *m = NULL;
	uint32_t *sum = NULL;
	float *fold[2] = {NULL, NULL};
	double *x = NULL;

	if (tr->nbenign < 20 || !(target_fpr > 0 && target_fpr <= 0.5)) {
		snprintf(errbuf, KN_ERRBUF_SIZE,
			 "dga trainer: %zu benign names (need 20) or target false positive rate "
			 "%g outside (0, 0.5]",
			 tr->nbenign, target_fpr);
		return NULL;
	}
	m = kn_calloc(1, sizeof *m);
	sum = kn_calloc(DGA_TRI, sizeof *sum);
	int ok = m && sum;
	for (int k = 0; k < 2; k++)
		ok &= (fold[k] = kn_calloc(DGA_TRI, sizeof(float))) != NULL;
	x = kn_calloc(tr->nsamples, KN_DGA_FEATURES * sizeof *x);
	if (!ok || !x || build_dictionary(tr, m) != 0)
		goto nomem;
	build_lms(tr, sum, m, fold);
	sample_features(tr, m, fold, x);
	if (fit(tr, x, m) != 0 || set_threshold(tr, x, target_fpr, m) != 0)
		goto nomem;
	goto done;
nomem:
	snprintf(errbuf, KN_ERRBUF_SIZE, "dga trainer: out of memory building the model");
	kn_dga_model_free(m);
	m = NULL;
done:
	kn_free(sum);
	for (int k = 0; k < 2; k++)
		kn_free(fold[k]);
	kn_free(x);
	return m;
}
