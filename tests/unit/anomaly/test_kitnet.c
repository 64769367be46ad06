/*
 * test_kitnet.c - the KitNET scoring model (kenchi/anomaly.h): one SGD step
 * of a 3-input autoencoder against values computed by hand (formulas in
 * the comments, digits from a separate calculation), the feature mapper on
 * crafted distance matrices and correlated data, the phases, determinism,
 * save/load round trips and hostile model files (every truncation, flipped
 * bits, and consistent-checksum files with wrong contents).
 */
#include "../../kt.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "anomaly/kitnet_int.h"
#include "kenchi/anomaly.h"
#include "util/alloc.h"

#define KT_NEAR(a, b, tol)                                                        \
	do {                                                                      \
		double kt_x_ = (a), kt_y_ = (b);                                  \
		if (!(fabs(kt_x_ - kt_y_) <= (tol)))                              \
			kt_fail(__FILE__, __LINE__, "%s ~ %s (%.17g != %.17g)", #a, \
				#b, kt_x_, kt_y_);                                \
	} while (0)

/* Inputs x = (1, 3, 0.5), ranges [0,2] [0,4] [-1,1] -> xn = (0.5, 0.75,
 * 0.75); W = [[0.2,-0.1],[0.4,0.3],[-0.5,0.1]], biases 0, lr 0.1.
 * y_j = sig(sum_i xn_i W_ij); z_i = sig(sum_j W_ij y_j); e = xn - z;
 * dh_j = (sum_i e_i W_ij) y_j (1 - y_j); W_ij += lr (xn_i dh_j + e_i y_j). */
static void test_autoencoder_step(void)
{
	double mem[64];
	struct kitnet_ae ae;
	KT_REQUIRE(kitnet_ae_doubles(3, 2) <= 64);
	KT_EQ(kitnet_hidden(3, 0.5), 2);
	kitnet_ae_carve(&ae, 3, 2, mem);
	const double w[6] = { 0.2, -0.1, 0.4, 0.3, -0.5, 0.1 };
	memcpy(ae.w, w, sizeof w);
	const double lo[3] = { 0, 0, -1 }, hi[3] = { 2, 4, 1 }, x[3] = { 1, 3, 0.5 };
	memcpy(ae.min, lo, sizeof lo);
	memcpy(ae.max, hi, sizeof hi);
	/* Execute first: same RMSE, nothing learned. */
	KT_NEAR(kitnet_ae_execute(&ae, x), 0.1954615044897981, 1e-12);
	KT_NEAR(ae.w[0], 0.2, 0);
	KT_NEAR(kitnet_ae_train(&ae, x, 0.1), 0.1954615044897981, 1e-12);
	KT_NEAR(ae.y[0], 0.5062496744995104, 1e-12);
	KT_NEAR(ae.y[1], 0.5621765008857981, 1e-12);
	const double w2[6] = { 0.1983243243909844,  -0.099666581271803, 0.4063532847289427,
			       0.310346466381244,   -0.4865184227620703, 0.11826224142634317 };
	for (int i = 0; i < 6; i++)
		KT_NEAR(ae.w[i], w2[i], 1e-12);
	KT_NEAR(ae.hbias[0], -0.0022116648332725737, 1e-12);
	KT_NEAR(ae.hbias[1], 0.001932428203734648, 1e-12);
	KT_NEAR(ae.vbias[0], -0.0011256169062087375, 1e-12);
	KT_NEAR(ae.vbias[1], 0.015826248899454554, 1e-12);
	KT_NEAR(ae.vbias[2], 0.029906835748293926, 1e-12);
	/* A value outside the range widens it: max[1] becomes 5. */
	const double x2[3] = { 1, 5, 0.5 };
	kitnet_ae_train(&ae, x2, 0.1);
	KT_NEAR(ae.max[1], 5, 0);
	KT_NEAR(ae.xn[1], 1.0, 1e-12);
}

/* The first training vector sets min = max = x, so it scales to 0: then
 * y = sig(0) = 0.5, z_i = sig(0.5 w_i) and the RMSE is sqrt(mean(z^2)). */
static void test_autoencoder_first_vector(void)
{
	double mem[64];
	struct kitnet_ae ae;
	uint64_t rng = 7;
	kitnet_ae_carve(&ae, 2, 1, mem);
	kitnet_ae_init(&ae, &rng);
	double w0 = ae.w[0], w1 = ae.w[1];
	KT_CHECK(fabs(w0) <= 0.5 && fabs(w1) <= 0.5 && w0 != w1);
	const double x[2] = { 4, -2 };
	double z0 = 1 / (1 + exp(-0.5 * w0)), z1 = 1 / (1 + exp(-0.5 * w1));
	KT_NEAR(kitnet_ae_train(&ae, x, 0.1), sqrt((z0 * z0 + z1 * z1) / 2), 1e-15);
	KT_NEAR(ae.xn[0], 0, 0);
	KT_NEAR(ae.min[1], -2, 0);
	KT_NEAR(ae.max[1], -2, 0);
}

/* Cluster output as sets: each cluster sorted, clusters by first member. */
static void canonical(unsigned *order, const unsigned *sizes, unsigned nc, char *out, size_t len)
{
	unsigned start[16], k = 0;
	for (unsigned c = 0, off = 0; c < nc; off += sizes[c], c++) {
		start[c] = off;
		for (unsigned i = off + 1; i < off + sizes[c]; i++)
			for (unsigned j = i; j > off && order[j - 1] > order[j]; j--) {
				unsigned t = order[j];
				order[j] = order[j - 1];
				order[j - 1] = t;
			}
	}
	out[0] = '\0';
	for (unsigned first = 0; first < 16; first++)
		for (unsigned c = 0; c < nc; c++) {
			if (order[start[c]] != first)
				continue;
			k += (unsigned)snprintf(out + k, len - k, "{");
			for (unsigned i = 0; i < sizes[c]; i++)
				k += (unsigned)snprintf(out + k, len - k, i ? ",%u" : "%u",
							order[start[c] + i]);
			k += (unsigned)snprintf(out + k, len - k, "}");
		}
}

/* Six features: {0,3} at 0.1, 1-4 0.15, 4-5 0.2, 1-5 0.3, the two groups
 * 0.5 apart, feature 2 at 0.9 from all. Single linkage: 0-3, 1-4, then 5,
 * then the groups, then 2. */
static void test_cluster_crafted(void)
{
	double d[36];
	for (int i = 0; i < 36; i++)
		d[i] = (i % 7 == 0) ? 0 : 0.5;
	for (int i = 0; i < 6; i++)
		d[i * 6 + 2] = d[2 * 6 + i] = i == 2 ? 0 : 0.9;
	d[0 * 6 + 3] = d[3 * 6 + 0] = 0.1;
	d[1 * 6 + 4] = d[4 * 6 + 1] = 0.15;
	d[4 * 6 + 5] = d[5 * 6 + 4] = 0.2;
	d[1 * 6 + 5] = d[5 * 6 + 1] = 0.3;
	unsigned order[6], sizes[6], work[128];
	double dwork[12];
	char got[128];
	KT_REQUIRE(kitnet_cluster_work(6) <= 128);
	unsigned nc = kitnet_cluster(d, 6, 3, order, sizes, work, dwork);
	KT_EQ(nc, 3);
	canonical(order, sizes, nc, got, sizeof got);
	KT_EQ_STR(got, "{0,3}{1,4,5}{2}");
	nc = kitnet_cluster(d, 6, 2, order, sizes, work, dwork);
	canonical(order, sizes, nc, got, sizeof got);
	KT_EQ_STR(got, "{0,3}{1,4}{2}{5}");
	nc = kitnet_cluster(d, 6, 6, order, sizes, work, dwork);
	KT_EQ(nc, 1);
	KT_EQ(sizes[0], 6);
	nc = kitnet_cluster(d, 6, 1, order, sizes, work, dwork);
	KT_EQ(nc, 6);
	nc = kitnet_cluster(d, 1, 1, order, sizes, work, dwork);
	KT_EQ(nc, 1);
	KT_EQ(order[0], 0);
}

static uint64_t lcg(uint64_t *s)
{
	*s = *s * 6364136223846793005ull + 1442695040888963407ull;
	return *s >> 33;
}

static double unit(uint64_t *s)
{
	return (double)lcg(s) / 2147483648.0;
}

/* f0 = t, f1 = 2t + 1 (r = 1), f2 = -3t (r = -1), f3 independent, f4
 * constant, f5 = f3 + small noise. */
static void crafted(uint64_t *s, double *x)
{
	double t = unit(s), u = unit(s);
	x[0] = t;
	x[1] = 2 * t + 1;
	x[2] = -3 * t;
	x[3] = u;
	x[4] = 7;
	x[5] = u + 0.01 * unit(s);
}

static void test_mapper_correlations(void)
{
	double mean[6] = { 0 }, dev[6], com[36] = { 0 }, dist[36], x[6];
	struct kitnet_fm fm = { 6, 0, mean, dev, com };
	uint64_t s = 42;
	for (int i = 0; i < 2000; i++) {
		crafted(&s, x);
		kitnet_fm_update(&fm, x);
	}
	kitnet_fm_distance(&fm, dist);
	KT_NEAR(mean[0], 0.5, 0.02);
	KT_NEAR(com[0] / 2000, 1.0 / 12, 0.005); /* variance of U(0, 1) */
	KT_NEAR(dist[0 * 6 + 1], 0, 1e-9);
	KT_NEAR(dist[0 * 6 + 2], 2, 1e-9);
	KT_NEAR(dist[0 * 6 + 4], 1, 0);
	KT_NEAR(dist[4 * 6 + 4], 0, 0);
	KT_CHECK(dist[3 * 6 + 5] < 0.01);
	KT_CHECK(fabs(dist[0 * 6 + 3] - 1) < 0.1);
	KT_NEAR(dist[1 * 6 + 0], dist[0 * 6 + 1], 0);
}

static struct kn_kitnet *small_model(uint64_t seed, unsigned max_ae)
{
	struct kn_kitnet_config cfg;
	char err[KN_ERRBUF_SIZE];
	kn_kitnet_config_default(&cfg, 6);
	cfg.max_ae = max_ae;
	cfg.fm_grace = 99;
	cfg.ad_grace = 400;
	cfg.seed = seed;
	struct kn_kitnet *k = kn_kitnet_new(&cfg, err);
	if (!k)
		printf("# %s\n", err);
	return k;
}

/* Feeds n crafted vectors; returns the sum of the scores, scores[] gets
 * the last 200 (when given). */
static double feed(struct kn_kitnet *k, uint64_t *s, int n, double *scores)
{
	double x[6], sum = 0;
	for (int i = 0; i < n; i++) {
		crafted(s, x);
		double v = kn_kitnet_process(k, x);
		sum += v;
		if (scores && i >= n - 200)
			scores[i - (n - 200)] = v;
	}
	return sum;
}

static int same_cluster(const struct kn_kitnet *k, unsigned a, unsigned b)
{
	for (unsigned c = 0, off = 0; c < k->n_ae; off += k->sizes[c], c++) {
		int has = 0;
		for (unsigned i = off; i < off + k->sizes[c]; i++)
			has += k->order[i] == a || k->order[i] == b;
		if (has)
			return has == 2;
	}
	return 0;
}

static void test_phases_and_scores(void)
{
	struct kn_kitnet *k = small_model(1, 2);
	KT_REQUIRE(k);
	struct kn_kitnet_info info;
	uint64_t s = 9;
	KT_CHECK(isnan(kn_kitnet_threshold(k)));
	KT_NEAR(feed(k, &s, 100, NULL), 0, 0);
	kn_kitnet_get_info(k, &info);
	KT_EQ(info.phase, KN_KITNET_TRAIN);
	/* f0/f1 (r = 1) and f3/f5 (r ~ 1) are mapped together; f2 (r = -1) and
	 * f4 (constant) are at distance 2 and 1: 3 or 4 clusters of <= 2. */
	KT_CHECK(info.n_ae == 3 || info.n_ae == 4);
	KT_CHECK(same_cluster(k, 0, 1) && same_cluster(k, 3, 5) && !same_cluster(k, 0, 2));
	KT_NEAR(feed(k, &s, 399, NULL), 0, 0);
	kn_kitnet_get_info(k, &info);
	KT_EQ(info.phase, KN_KITNET_TRAIN);
	KT_NEAR(feed(k, &s, 1, NULL), 0, 0);
	kn_kitnet_get_info(k, &info);
	KT_EQ(info.phase, KN_KITNET_SCORE);
	KT_EQ(info.processed, 500);
	double thr = kn_kitnet_threshold(k);
	KT_CHECK(isfinite(thr) && thr > 0);
	double normal[200];
	feed(k, &s, 200, normal);
	double worst = 0;
	for (int i = 0; i < 200; i++)
		worst = normal[i] > worst ? normal[i] : worst;
	KT_CHECK(normal[0] > 0);
	/* Broken correlations and values far out of range score above all. */
	double odd[6] = { 0.9, 1.0, 2.5, 0.1, 40, 0.9 };
	double v = kn_kitnet_process(k, odd);
	KT_CHECK(v > worst && v > thr);
	double bad[6] = { NAN, INFINITY, 0, 0, 7, 0 };
	KT_CHECK(isfinite(kn_kitnet_process(k, bad)));
	/* 1e300 is clamped to 1e6 training ranges: huge but finite. */
	double huge[6] = { 1e300, -1e300, 1e300, 0.5, 7, 0.5 };
	v = kn_kitnet_process(k, huge);
	KT_CHECK(isfinite(v) && v > 1000);
	kn_kitnet_free(k);
}

static void test_determinism(void)
{
	double a[200], b[200], c[200];
	struct kn_kitnet *k1 = small_model(5, 3), *k2 = small_model(5, 3), *k3 = small_model(6, 3);
	KT_REQUIRE(k1 && k2 && k3);
	uint64_t s1 = 3, s2 = 3, s3 = 3;
	feed(k1, &s1, 800, a);
	feed(k2, &s2, 800, b);
	feed(k3, &s3, 800, c);
	KT_CHECK(memcmp(a, b, sizeof a) == 0);
	KT_CHECK(memcmp(a, c, sizeof a) != 0);
	kn_kitnet_free(k1);
	kn_kitnet_free(k2);
	kn_kitnet_free(k3);
}

static void test_config_errors(void)
{
	struct kn_kitnet_config cfg;
	char err[KN_ERRBUF_SIZE];
	kn_kitnet_config_default(&cfg, 100);
	cfg.max_ae = 101;
	KT_CHECK(!kn_kitnet_new(&cfg, err));
	KT_CHECK(strstr(err, "max_ae") != NULL);
	kn_kitnet_config_default(&cfg, 0);
	KT_CHECK(!kn_kitnet_new(&cfg, err));
	kn_kitnet_config_default(&cfg, 100);
	cfg.hidden_ratio = 1.5;
	KT_CHECK(!kn_kitnet_new(&cfg, err));
	KT_CHECK(strstr(err, "hidden_ratio") != NULL);
	cfg.hidden_ratio = 0.75;
	cfg.lr = NAN;
	KT_CHECK(!kn_kitnet_new(&cfg, err));
}

/* ---- save / load ---------------------------------------------------------- */

static const char *tmp_path(char *buf, size_t len, const char *what)
{
	snprintf(buf, len, "/tmp/kn_test_kitnet_%ld_%s.bin", (long)getpid(), what);
	return buf;
}

static uint8_t *slurp(const char *path, size_t *len)
{
	FILE *f = fopen(path, "rb");
	uint8_t *buf = kn_malloc(1 << 20);
	*len = f && buf ? fread(buf, 1, 1 << 20, f) : 0;
	if (f)
		fclose(f);
	return buf;
}

static struct kn_kitnet *trained(void)
{
	struct kn_kitnet *k = small_model(11, 3);
	uint64_t s = 17;
	if (k)
		feed(k, &s, 500, NULL);
	return k;
}

static void test_save_load_roundtrip(void)
{
	char path[256], err[KN_ERRBUF_SIZE];
	struct kn_kitnet *k = small_model(11, 3);
	KT_REQUIRE(k);
	tmp_path(path, sizeof path, "rt");
	KT_EQ(kn_kitnet_save(k, path, err), -KN_EINVAL);
	KT_CHECK(strstr(err, "still training") != NULL);
	kn_kitnet_free(k);
	k = trained();
	KT_REQUIRE(k);
	KT_EQ(kn_kitnet_save(k, path, err), 0);
	struct kn_kitnet *l = kn_kitnet_load(path, err);
	if (!l)
		printf("# %s\n", err);
	KT_REQUIRE(l);
	struct kn_kitnet_info a, b;
	kn_kitnet_get_info(k, &a);
	kn_kitnet_get_info(l, &b);
	KT_EQ(b.phase, KN_KITNET_SCORE);
	KT_EQ(b.n_ae, a.n_ae);
	KT_CHECK(memcmp(&a.threshold, &b.threshold, sizeof a.threshold) == 0);
	double sa[200], sb[200];
	uint64_t s1 = 99, s2 = 99;
	feed(k, &s1, 200, sa);
	feed(l, &s2, 200, sb);
	KT_CHECK(memcmp(sa, sb, sizeof sa) == 0);
	KT_CHECK(sa[0] > 0);
	kn_kitnet_free(l);
	kn_kitnet_free(k);
	remove(path);
	KT_CHECK(!kn_kitnet_load(path, err));
	KT_CHECK(strstr(err, "cannot open") != NULL);
}

static uint64_t fnv1a(const uint8_t *p, size_t n)
{
	uint64_t h = 0xcbf29ce484222325ull;
	for (size_t i = 0; i < n; i++)
		h = (h ^ p[i]) * 0x100000001b3ull;
	return h;
}

/* Rewrites the trailing checksum so only the content check can refuse. */
static void reseal(uint8_t *p, size_t len)
{
	uint64_t h = fnv1a(p, len - 8);
	for (int i = 0; i < 8; i++)
		p[len - 8 + i] = (uint8_t)(h >> (8 * i));
}

static void put32(uint8_t *p, uint32_t v)
{
	for (int i = 0; i < 4; i++)
		p[i] = (uint8_t)(v >> (8 * i));
}

/* Loads a modified copy; the load must fail with want in the message. */
static int refused(const uint8_t *orig, size_t len, size_t at, uint32_t value, int seal,
		   const char *want)
{
	char err[KN_ERRBUF_SIZE] = "";
	uint8_t *p = kn_malloc(len);
	if (!p)
		return 0;
	memcpy(p, orig, len);
	put32(p + at, value);
	if (seal)
		reseal(p, len);
	struct kn_kitnet *k = kn_kitnet_load_mem(p, len, "m.bin", err);
	kn_free(p);
	if (k || !strstr(err, want) || !strstr(err, "m.bin")) {
		printf("# byte %zu = %u: %s\n", at, value, k ? "accepted" : err);
		kn_kitnet_free(k);
		return 0;
	}
	return 1;
}

static void test_hostile_files(void)
{
	char path[256], err[KN_ERRBUF_SIZE];
	struct kn_kitnet *k = trained();
	KT_REQUIRE(k);
	tmp_path(path, sizeof path, "hostile");
	KT_EQ(kn_kitnet_save(k, path, err), 0);
	unsigned n_ae = k->n_ae;
	kn_kitnet_free(k);
	size_t len;
	uint8_t *m = slurp(path, &len);
	remove(path);
	KT_REQUIRE(m && len > 100);
	/* Every truncation is refused. */
	int accepted = 0;
	for (size_t n = 0; n < len; n++) {
		struct kn_kitnet *t = kn_kitnet_load_mem(m, n, "m.bin", err);
		accepted += t != NULL;
		kn_kitnet_free(t);
	}
	KT_EQ(accepted, 0);
	/* A flipped bit anywhere fails the checksum (or the magic). */
	for (size_t at = 0; at < len; at += 37) {
		m[at] ^= 0x10;
		struct kn_kitnet *t = kn_kitnet_load_mem(m, len, "m.bin", err);
		m[at] ^= 0x10;
		accepted += t != NULL;
		kn_kitnet_free(t);
	}
	KT_EQ(accepted, 0);
	KT_CHECK(refused(m, len, 100, 0xdeadbeef, 0, "checksum mismatch"));
	KT_CHECK(refused(m, len, 8, 2, 1, "version 2"));
	KT_CHECK(refused(m, len, 12, 0, 1, "n_features"));
	KT_CHECK(refused(m, len, 12, 4097, 1, "n_features"));
	KT_CHECK(refused(m, len, 20, 7, 1, "7 clusters for 6 features"));
	KT_CHECK(refused(m, len, 24, 2, 1, "unknown flags 0x2"));
	KT_CHECK(refused(m, len, 28, 1, 1, "reserved word 0x1"));
	KT_CHECK(refused(m, len, 88, 4, 1, "has 4 features (must be 1..3)"));
	KT_CHECK(refused(m, len, 88, 0, 1, "has 0 features"));
	size_t map = 88 + 4 * (size_t)n_ae;
	KT_CHECK(refused(m, len, map, 6, 1, "out of range"));
	uint32_t second = (uint32_t)(m[map + 4] | m[map + 5] << 8);
	KT_CHECK(refused(m, len, map, second, 1, "listed twice"));
	size_t ae0 = map + 4 * 6;
	KT_CHECK(refused(m, len, ae0, 9, 1, "autoencoder 0 has 9 inputs"));
	KT_CHECK(refused(m, len, ae0 + 4, 0, 1, "hidden units"));
	KT_CHECK(refused(m, len, ae0 + 12, 0x7ff80000, 1, "min[0] is not a finite number"));
	KT_CHECK(refused(m, len, ae0 + 20, 0x7ff00000, 1, "not a finite number"));
	KT_CHECK(refused(m, len, 0, 0x4b4e4b4a, 1, "no \"KNKITNET\" magic"));
	/* Extra bytes before the checksum. */
	uint8_t *big = kn_malloc(len + 3);
	KT_REQUIRE(big);
	memcpy(big, m, len - 8);
	memset(big + len - 8, 0, 3);
	reseal(big, len + 3);
	KT_CHECK(!kn_kitnet_load_mem(big, len + 3, "m.bin", err));
	KT_CHECK(strstr(err, "3 unexpected bytes") != NULL);
	/* The intact file still loads. */
	k = kn_kitnet_load_mem(m, len, "m.bin", err);
	KT_CHECK(k != NULL);
	kn_kitnet_free(k);
	kn_free(big);
	kn_free(m);
}

/* Every allocation of kn_kitnet_new() and of the loader failing in turn
 * (in builds with KN_ALLOC_FAULTS; elsewhere each call simply succeeds):
 * NULL with a message, no leak (ASan), then success. */
static void test_allocation_failures(void)
{
	char path[256], err[KN_ERRBUF_SIZE];
	struct kn_kitnet *k = trained();
	KT_REQUIRE(k);
	tmp_path(path, sizeof path, "alloc");
	KT_EQ(kn_kitnet_save(k, path, err), 0);
	kn_kitnet_free(k);
	int failures = 0, loaded = 0;
	for (unsigned long n = 1; n <= 40; n++) {
		kn_alloc_fail_at(n);
		struct kn_kitnet *a = small_model(1, 3);
		kn_alloc_fail_at(n);
		err[0] = '\0';
		struct kn_kitnet *b = kn_kitnet_load(path, err);
		kn_alloc_fail_at(0);
		failures += !a + !b;
		loaded += b != NULL;
		if (!b)
			KT_CHECK(strstr(err, "out of memory") != NULL);
		kn_kitnet_free(a);
		kn_kitnet_free(b);
	}
	remove(path);
	KT_CHECK(loaded > 0);
	printf("# %d constructions/loads refused under injected allocation failures\n", failures);
}

static const struct kt_case cases[] = {
	KT_CASE(test_autoencoder_step),
	KT_CASE(test_autoencoder_first_vector),
	KT_CASE(test_cluster_crafted),
	KT_CASE(test_mapper_correlations),
	KT_CASE(test_phases_and_scores),
	KT_CASE(test_determinism),
	KT_CASE(test_config_errors),
	KT_CASE(test_save_load_roundtrip),
	KT_CASE(test_hostile_files),
	KT_CASE(test_allocation_failures),
};

KT_MAIN("anomaly_kitnet", cases)
