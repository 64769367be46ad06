/*
 * test_kitnet_exec.c - KitNET's single-precision scoring plan
 * (src/anomaly/kitnet_exec.c) against the double-precision reference
 * (kitnet_score_double(), the arithmetic of training, whose single steps
 * test_kitnet.c checks by hand): trained models of 100 features with raw
 * and log inputs, members scored 8 at a time and (max_ae 40) one at a
 * time, in-range, out-of-range and hostile vectors, with the baseline
 * kernel and (on CPUs that have them) the AVX2 + FMA and AVX-512 ones,
 * which agree within the same bound; the AVX-512 kernel's rows of slots
 * give the same bits as a store per feature; the plan's memory bound holds
 * for any map, with groups of 8 or of 16.
 */
#include "../../kt.h"

#include <math.h>
#include <stdio.h>
#include <string.h>

#include "anomaly/kitnet_int.h"
#include "kenchi/anomaly.h"

#define NF 100

/* The documented bound (kitnet_exec.c): relative 1e-5 plus absolute 1e-7. */
#define TOL_REL 1e-5
#define TOL_ABS 1e-7

static const char *const kernel_name[3] = { "baseline", "AVX2 + FMA", "AVX-512" };

static double uniform(uint64_t *s)
{
	uint64_t z = (*s += 0x9e3779b97f4a7c15ull);
	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
	return (double)((z ^ (z >> 31)) >> 11) * 0x1.0p-53;
}

/* Traffic-like vectors: 50 features driven by 5 latent signals (so the
 * mapper finds clusters), 40 heavy-tailed ones (1 .. 3000, like weights
 * and variances), 9 near-constant ones (1e-20, 5) and one constant (with
 * log inputs it scales to exactly 0 only if the kernels' log1p gives
 * training's bits: its range is 0, so 1e16 times any difference). */
static void vector(uint64_t *s, double *x)
{
	double z[5];
	for (int i = 0; i < 5; i++)
		z[i] = uniform(s);
	for (int i = 0; i < 50; i++)
		x[i] = z[i % 5] * (1 + i) + 0.01 * uniform(s);
	for (int i = 50; i < 90; i++)
		x[i] = exp(8 * uniform(s)) * (i % 3 ? 1 : -1);
	for (int i = 90; i < NF; i++)
		x[i] = i % 2 ? 1e-20 : 5 + 1e-9 * uniform(s);
	x[NF - 1] = 1234.5678;
}

/* Vectors of NF_FEW features driven by 3 latent signals, 4 heavy-tailed
 * ones and a constant: a model of them has few members (at most 16: the
 * AVX-512 kernel's output layer then fits one 16-float vector). */
#define NF_FEW 24
static void vector_few(uint64_t *s, double *x)
{
	double z[3];
	for (int i = 0; i < 3; i++)
		z[i] = uniform(s);
	for (int i = 0; i < NF_FEW - 5; i++)
		x[i] = z[i % 3] * (1 + i) + 0.01 * uniform(s);
	for (int i = NF_FEW - 5; i < NF_FEW - 1; i++)
		x[i] = exp(8 * uniform(s)) * (i % 3 ? 1 : -1);
	x[NF_FEW - 1] = 1234.5678;
}

/* The vectors of the model under test and their length. */
static void (*make_vector)(uint64_t *s, double *x) = vector;
static unsigned n_features = NF;

static struct kn_kitnet *trained(unsigned max_ae, int log_inputs, uint64_t *s)
{
	struct kn_kitnet_config cfg;
	char err[KN_ERRBUF_SIZE];
	double x[NF];
	kn_kitnet_config_default(&cfg, n_features);
	cfg.max_ae = max_ae;
	cfg.fm_grace = 999;
	cfg.ad_grace = 3000;
	cfg.log_inputs = log_inputs;
	struct kn_kitnet *k = kn_kitnet_new(&cfg, err);
	if (!k) {
		printf("# %s\n", err);
		return NULL;
	}
	for (int i = 0; i < 4000; i++) {
		make_vector(s, x);
		(void)kn_kitnet_process(k, x);
	}
	return k;
}

/* Scores n vectors of each kind with the plan and the reference; returns
 * the largest relative difference, fails beyond the bound. */
static double compare(struct kn_kitnet *k, uint64_t *s, int n)
{
	double x[NF], worst = 0;
	for (int i = 0; i < 3 * n; i++) {
		make_vector(s, x);
		int nf = (int)n_features;
		if (i >= n) /* out of range: a tenfold burst on some features */
			for (int f = i % 7; f < nf; f += 7)
				x[f] *= 10;
		if (i >= 2 * n) { /* hostile values */
			x[i % nf] = NAN;
			x[(i + 1) % nf] = i % 2 ? INFINITY : -1e300;
			x[(i + 2) % nf] = 1e300;
		}
		double want = kitnet_score_double(k, x), got = k->exec.score(k, x);
		if (!(fabs(got - want) <= TOL_REL * want + TOL_ABS)) {
			KT_CHECK(fabs(got - want) <= TOL_REL * want + TOL_ABS);
			printf("# vector %d: plan %.9g, reference %.9g\n", i, got, want);
			return INFINITY;
		}
		double rel = fabs(got - want) / (want > 1e-3 ? want : 1e-3);
		worst = rel > worst ? rel : worst;
	}
	return worst;
}

/* Checks every kernel the CPU has on a model trained by make_vector();
 * returns its number of members. */
static unsigned check_model(unsigned max_ae, int log_inputs, int want_rows)
{
	uint64_t s = 42 + max_ae + (uint64_t)log_inputs;
	struct kn_kitnet *k = trained(max_ae, log_inputs, &s);
	if (!k) {
		KT_CHECK(k);
		return 0;
	}
	KT_EQ(k->phase, KN_KITNET_SCORE);
	KT_CHECK(k->exec.score != kitnet_score_double);
	KT_CHECK(k->exec.n_groups > 0);
	KT_CHECK(want_rows ? k->exec.n_rows > 0 : k->exec.n_rows == 0);
	for (int kern = KITNET_KERNEL_BASE; kern <= KITNET_KERNEL_AVX512; kern++) {
		if (kitnet_exec_use(k, (enum kitnet_kernel)kern) != 0) {
			printf("# no %s on this CPU or target: that kernel is not checked\n",
			       kernel_name[kern]);
			continue;
		}
		KT_EQ(k->exec.lanes, kern == KITNET_KERNEL_AVX512 ? 16u : 8u);
		uint64_t s2 = s;
		double worst = compare(k, &s2, 500);
		printf("# max_ae %u, log_inputs %d, %s kernel: %u members (%u groups, %u alone), "
		       "largest relative difference %.2g\n", max_ae, log_inputs, kernel_name[kern],
		       k->n_ae, k->exec.n_groups, k->exec.n_rows, worst);
		KT_CHECK(worst < TOL_REL);
	}
	unsigned n_ae = k->n_ae;
	kn_kitnet_free(k);
	return n_ae;
}

static void test_grouped_raw(void)
{
	check_model(10, 0, 0);
}

static void test_grouped_log(void)
{
	check_model(10, 1, 0);
}

/* Few members (at most 16): the AVX-512 kernel's output layer in one
 * vector per half. */
static void test_few_members(void)
{
	make_vector = vector_few, n_features = NF_FEW;
	unsigned raw = check_model(10, 0, 0), logs = check_model(10, 1, 0);
	make_vector = vector, n_features = NF;
	KT_CHECK(raw >= 2 && raw <= 16);
	KT_CHECK(logs >= 2 && logs <= 16);
}

/* max_ae 40: clusters above KITNET_GROUP_MAX use the row layout. */
static void test_rows_log(void)
{
	check_model(40, 1, 1);
}

/* The AVX2 + FMA and AVX-512 kernels round differently from the baseline
 * one (fused multiply-adds, a refined reciprocal in the sigmoid), so their
 * bits may differ, but never by more than the documented bound. */
static void kernels_agree(enum kitnet_kernel which)
{
	uint64_t s = 5;
	struct kn_kitnet *k = trained(10, 1, &s);
	KT_REQUIRE(k);
	if (kitnet_exec_use(k, which) != 0) {
		kn_kitnet_free(k);
		printf("# no %s on this CPU or target\n", kernel_name[which]);
		KT_SKIP("kernel not supported here");
	}
	double x[NF], worst = 0;
	int ok = 1;
	for (int i = 0; i < 500 && ok; i++) {
		vector(&s, x);
		x[i % NF] *= i % 3 ? 1 : 100;
		KT_REQUIRE(kitnet_exec_use(k, which) == 0);
		double a = kn_kitnet_process(k, x);
		KT_REQUIRE(kitnet_exec_use(k, KITNET_KERNEL_BASE) == 0);
		double b = kn_kitnet_process(k, x);
		ok = a > 0 && fabs(a - b) <= TOL_REL * b + TOL_ABS;
		worst = fmax(worst, fabs(a - b) / b);
	}
	printf("# largest relative difference between the %s and baseline kernels %.2g\n",
	       kernel_name[which], worst);
	KT_CHECK(ok);
	kn_kitnet_free(k);
}

static void test_kernels_agree(void)
{
	kernels_agree(KITNET_KERNEL_AVX2);
}

static void test_avx512_agrees(void)
{
	kernels_agree(KITNET_KERNEL_AVX512);
}

/* kn_kitnet_process2() interleaves two models' stages: the same bits as
 * two kn_kitnet_process() calls with every kernel (grouped raw + log
 * members, and a log model with members in the row layout), on in-range,
 * out-of-range and hostile vectors; with the two on different kernels, or
 * one still training, it falls back to the two calls (the training one
 * learns from the vector). */
static void test_pair_same_bits(void)
{
	uint64_t s = 77;
	struct kn_kitnet *a = trained(10, 0, &s), *b = trained(10, 1, &s), *c = trained(40, 1, &s);
	KT_REQUIRE(a && b && c);
	KT_CHECK(c->exec.n_rows > 0);
	struct kn_kitnet *pairs[2][2] = { { a, b }, { c, a } };
	int checked = 0;
	for (int kern = KITNET_KERNEL_BASE; kern <= KITNET_KERNEL_AVX512; kern++) {
		if (kitnet_exec_use(a, (enum kitnet_kernel)kern) != 0)
			continue;
		KT_REQUIRE(kitnet_exec_use(b, (enum kitnet_kernel)kern) == 0);
		KT_REQUIRE(kitnet_exec_use(c, (enum kitnet_kernel)kern) == 0);
		for (int p = 0; p < 2; p++) {
			struct kn_kitnet *x0 = pairs[p][0], *x1 = pairs[p][1];
			uint64_t before = x0->processed, vs = 9;
			double x[NF];
			int same = 1;
			for (int i = 0; i < 600 && same; i++) {
				vector(&vs, x);
				if (i >= 200)
					x[i % NF] *= 1000;
				if (i >= 400)
					x[(i + 3) % NF] = i % 2 ? NAN : -INFINITY;
				double r[2] = { -1, -1 };
				kn_kitnet_process2(x0, x1, x, r);
				double w0 = kn_kitnet_process(x0, x), w1 = kn_kitnet_process(x1, x);
				same = memcmp(&r[0], &w0, sizeof w0) == 0 &&
				       memcmp(&r[1], &w1, sizeof w1) == 0 && w0 > 0 && w1 > 0;
				if (!same)
					printf("# %s kernel, pair %d, vector %d: %.17g %.17g vs %.17g %.17g\n",
					       kernel_name[kern], p, i, r[0], r[1], w0, w1);
			}
			KT_CHECK(same);
			KT_EQ(x0->processed, before + 1200); /* both calls counted */
			checked++;
		}
	}
	KT_CHECK(checked >= 2);
	/* different kernels: the two calls */
	if (kitnet_exec_use(a, KITNET_KERNEL_AVX2) == 0) {
		KT_REQUIRE(kitnet_exec_use(b, KITNET_KERNEL_BASE) == 0);
		double x[NF], r[2];
		vector(&s, x);
		kn_kitnet_process2(a, b, x, r);
		KT_CHECK(r[0] == kn_kitnet_process(a, x) && r[1] == kn_kitnet_process(b, x));
	}
	/* one still training: it learns, returns 0, the other scores */
	struct kn_kitnet_config cfg;
	char err[KN_ERRBUF_SIZE];
	kn_kitnet_config_default(&cfg, NF);
	struct kn_kitnet *t = kn_kitnet_new(&cfg, err);
	KT_REQUIRE(t);
	double x[NF], r[2];
	vector(&s, x);
	kn_kitnet_process2(t, b, x, r);
	KT_EQ(r[0], 0.0);
	KT_CHECK(r[1] > 0 && r[1] == kn_kitnet_process(b, x));
	struct kn_kitnet_info info;
	kn_kitnet_get_info(t, &info);
	KT_EQ(info.processed, (uint64_t)1);
	kn_kitnet_free(t);
	kn_kitnet_free(a);
	kn_kitnet_free(b);
	kn_kitnet_free(c);
}

/* The AVX-512 kernel fills the input slots of an all-grouped plan a row
 * at a time (perm_rows()): the same slots, hence the same bits, as one
 * store per feature (n_perm_rows 0), for 100 features (four register
 * pairs), 24 (one), and a map of more than 16 members (two groups); a plan
 * with members in the row layout stores feature by feature. */
static void test_perm_rows_same_bits(void)
{
	uint64_t s = 31;
	struct kn_kitnet *m[4];
	m[0] = trained(10, 0, &s);
	m[1] = trained(5, 1, &s);
	m[3] = trained(40, 1, &s);
	make_vector = vector_few, n_features = NF_FEW;
	m[2] = trained(10, 1, &s);
	make_vector = vector, n_features = NF;
	KT_REQUIRE(m[0] && m[1] && m[2] && m[3]);
	if (kitnet_exec_use(m[0], KITNET_KERNEL_AVX512) != 0) {
		for (int i = 0; i < 4; i++)
			kn_kitnet_free(m[i]);
		KT_SKIP("no AVX-512 on this CPU or target");
	}
	for (int i = 0; i < 4; i++) {
		struct kn_kitnet *k = m[i];
		KT_REQUIRE(kitnet_exec_use(k, KITNET_KERNEL_AVX512) == 0);
		struct kitnet_exec *x = &k->exec;
		unsigned nf = k->cfg.n_features, rows = x->n_perm_rows;
		if (i == 3) {
			KT_CHECK(x->n_rows > 0 && rows == 0);
			continue;
		}
		KT_CHECK(rows > 0 && rows * 16 == x->n_slots);
		KT_CHECK(i != 1 || x->n_groups >= 2);
		uint64_t vs = 3;
		double v[NF];
		float slots[KITNET_PERM_ROWS * 16];
		int same = 1;
		for (int t = 0; t < 300 && same; t++) {
			if (nf == NF)
				vector(&vs, v);
			else
				vector_few(&vs, v);
			if (t >= 100)
				v[t % nf] *= 1000;
			if (t >= 200)
				v[(t + 3) % nf] = t % 2 ? NAN : -INFINITY;
			double a = x->score(k, v);
			memcpy(slots, x->xn, x->n_slots * sizeof *slots);
			x->n_perm_rows = 0;
			double b = x->score(k, v);
			x->n_perm_rows = rows;
			same = memcmp(&a, &b, sizeof a) == 0 && a > 0 &&
			       memcmp(slots, x->xn, x->n_slots * sizeof *slots) == 0;
			if (!same)
				printf("# model %d, vector %d: %.17g vs %.17g\n", i, t, a, b);
		}
		KT_CHECK(same);
	}
	for (int i = 0; i < 4; i++)
		kn_kitnet_free(m[i]);
}

/* kitnet_alloc() sizes a training model's plan with the worst-case bound:
 * it must hold every map, here random partitions of n features. */
static void test_plan_bound(void)
{
	uint64_t s = 11;
	unsigned sizes[512];
	const unsigned ns[] = { 1, 7, 100, 300, 512 };
	for (unsigned t = 0; t < 2000; t++) {
		unsigned n = ns[t % 5], m = 1 + (unsigned)(uniform(&s) * n), left = n, c = 0;
		double ratio = t % 3 ? 0.75 : 1.0;
		while (left > 0) {
			unsigned v = 1 + (unsigned)(uniform(&s) * m);
			v = t % 4 == 0 ? m : v; /* all clusters of the largest size */
			sizes[c++] = v < left ? v : left;
			left -= sizes[c - 1];
		}
		size_t need = kitnet_exec_floats(sizes, c, ratio);
		size_t bound = kitnet_exec_floats_worst(n, m);
		if (need > bound) {
			printf("# n %u, max_ae %u, %u clusters: %zu floats > bound %zu\n", n, m, c,
			       need, bound);
			KT_CHECK(need <= bound);
			return;
		}
	}
}

static const struct kt_case cases[] = {
	KT_CASE(test_grouped_raw),
	KT_CASE(test_grouped_log),
	KT_CASE(test_few_members),
	KT_CASE(test_rows_log),
	KT_CASE(test_kernels_agree),
	KT_CASE(test_avx512_agrees),
	KT_CASE(test_pair_same_bits),
	KT_CASE(test_perm_rows_same_bits),
	KT_CASE(test_plan_bound),
};

KT_MAIN("anomaly_kitnet_exec", cases)
