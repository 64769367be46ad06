/*
 * model_bench.c - throughput of the online anomaly model (kenchi/model.h)
 * per core, used by hand (BENCHMARKS.md, "Online anomaly model"):
 *
 *   kn_model_bench [-n PACKETS] [-r ROUNDS] [-k] [-e 1|2] [-K KERNEL] FILE [FILE...]
 *
 * Each FILE (pcap, or pcap.gz unpacked in memory) is decoded once into
 * packet records. The records are replayed as one endless capture: pass r
 * of the file is shifted r * (its span + 1 s) in time, so the clock only
 * moves forward and the same hosts keep talking. A model (the defaults:
 * pair-only features, two ensembles; -k: Kitsune-exact features; -e 1:
 * the raw-input ensemble only; -K base|avx2|avx512: that scoring kernel
 * instead of the fastest the CPU runs) learns from the first 25,001
 * packets of that stream, then every round times PACKETS packets (default
 * 1,000,000) of each of, one after the other:
 *   floor     a bare loop touching each packet record (the shifted copy
 *             and two of its fields), the cost of handing packets over;
 *   features  kn_afterimage_update() alone (its own extractor, trained on
 *             the same prefix, fed the same packets);
 *   scoring   the ensembles alone (model_score()) on feature vectors
 *             computed beforehand (a ring of 8,192, cycled);
 *   both      kn_model_process(), features + scoring, as the sensor runs it.
 * Time is CPU time of the process (the machine may be shared). Prints,
 * per file, a Markdown table with the median over ROUNDS (default 3) of
 * each packets/s and its ratio to the floor's.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <zlib.h>

#include "anomaly/kitnet_int.h"
#include "anomaly/model_int.h"
#include "kenchi/capture.h"
#include "kenchi/decode.h"
#include "kenchi/model.h"
#include "util/alloc.h"

#define MAX_PKTS 2000000u
#define MAX_FILE (512u << 20)
#define RING 8192u
#define MAX_ROUNDS 15

enum { S_FLOOR, S_FEATURES, S_SCORING, S_BOTH, S_COUNT };
static const char *const stage_name[S_COUNT] = { "floor: touch each packet record",
	"features (AfterImage)", "scoring (KitNET ensembles)", "both (kn_model_process)" };

static double cpu_s(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

/* The decoded capture replayed endlessly (file comment). */
struct replay {
	struct kn_ai_packet *pk;
	size_t n;
	uint64_t span;     /* ns between passes */
};

static void replay_get(const struct replay *rp, uint64_t i, struct kn_ai_packet *out)
{
	*out = rp->pk[i % rp->n];
	out->ts_ns += i / rp->n * rp->span;
}

/* The whole file in memory (gunzipped when it is gzip data), or NULL. */
static uint8_t *slurp(const char *path, size_t *len)
{
	gzFile in = gzopen(path, "rb");
	size_t cap = 1u << 20, n = 0;
	uint8_t *buf = kn_malloc(cap);
	int got = 0;
	while (in && buf && (got = gzread(in, buf + n, (unsigned)(cap - n))) > 0) {
		n += (size_t)got;
		if (n == cap && cap < MAX_FILE) {
			uint8_t *bigger = kn_realloc_array(buf, 2, cap);
			if (!bigger)
				break;
			buf = bigger;
			cap *= 2;
		}
		if (n == cap) {
			fprintf(stderr, "kn_model_bench: %s: only its first %u MiB are used\n", path,
				MAX_FILE >> 20);
			break;
		}
	}
	if (!in || !buf || got < 0 || n == 0) {
		fprintf(stderr, "kn_model_bench: %s: cannot read it (missing, empty or corrupt gzip)\n",
			path);
		kn_free(buf);
		buf = NULL;
	}
	if (in)
		gzclose(in);
	*len = n;
	return buf;
}

/* Decodes path into rp; 0 or -1 (message printed). */
static int load(const char *path, struct replay *rp)
{
	char err[KN_ERRBUF_SIZE];
	size_t len;
	uint8_t *buf = slurp(path, &len);
	struct kn_capture *c = buf ? kn_capture_open_mem(buf, len, path, err) : NULL;
	struct kn_decoder *d = c ? kn_decoder_new(NULL, err) : NULL;
	struct kn_packet p;
	int rc = 0;
	rp->n = 0;
	if (buf && !d) /* the capture's messages name the file */
		fprintf(stderr, "kn_model_bench: %s\n", err);
	while (d && rp->n < MAX_PKTS && (rc = kn_capture_next(c, &p, err)) == 1)
		kn_ai_packet_from(&p, kn_decode(d, &p), &rp->pk[rp->n++]);
	if (rc < 0) /* a damaged tail: the packets before it are used */
		fprintf(stderr, "kn_model_bench: %s\n", err);
	kn_decoder_free(d);
	kn_capture_close(c);
	kn_free(buf);
	if (rp->n == 0) {
		if (d)
			fprintf(stderr, "kn_model_bench: %s: no packets\n", path);
		return -1;
	}
	rp->span = rp->pk[rp->n - 1].ts_ns - rp->pk[0].ts_ns + 1000000000ull;
	return 0;
}

struct bench {
	const struct replay *rp;
	struct kn_model *m;
	struct kn_afterimage *ai;
	uint64_t next_model, next_ai, next_floor;  /* replay positions */
	double *ring;                              /* RING feature vectors */
	double sink;
};

__attribute__((noinline)) static double run_floor(struct bench *b, uint64_t count)
{
	uint64_t sum = 0;
	double t0 = cpu_s();
	for (uint64_t i = 0; i < count; i++) {
		struct kn_ai_packet p;
		replay_get(b->rp, b->next_floor++, &p);
		sum += p.ts_ns + p.frame_len;
	}
	double dt = cpu_s() - t0;
	b->sink += (double)(sum & 0xffff);
	return dt;
}

__attribute__((noinline)) static double run_features(struct bench *b, uint64_t count)
{
	double x[KN_AI_FEATURES], t0 = cpu_s();
	for (uint64_t i = 0; i < count; i++) {
		struct kn_ai_packet p;
		replay_get(b->rp, b->next_ai++, &p);
		kn_afterimage_update(b->ai, &p, x);
		b->sink += x[99];
	}
	return cpu_s() - t0;
}

__attribute__((noinline)) static double run_scoring(struct bench *b, uint64_t count)
{
	double t0 = cpu_s();
	for (uint64_t i = 0; i < count; i++)
		b->sink += model_score(b->m, b->ring + (i % RING) * KN_AI_FEATURES);
	return cpu_s() - t0;
}

__attribute__((noinline)) static double run_both(struct bench *b, uint64_t count)
{
	double t0 = cpu_s();
	for (uint64_t i = 0; i < count; i++) {
		struct kn_ai_packet p;
		replay_get(b->rp, b->next_model++, &p);
		b->sink += kn_model_process(b->m, &p);
	}
	return cpu_s() - t0;
}

/* Trains the model on the first train_packets of the replay, feeds the
 * same packets to the lone extractor, then fills the ring of vectors. */
static int bench_init(struct bench *b, const struct replay *rp, int exact, unsigned ensembles,
		      int kernel)
{
	char err[KN_ERRBUF_SIZE];
	struct kn_model_config mc;
	struct kn_afterimage_config ac;
	kn_model_config_default(&mc);
	mc.kitsune_exact = exact;
	mc.ensembles = ensembles;
	kn_afterimage_config_default(&ac);
	ac.memcap = mc.feature_memcap;
	ac.kitsune_exact = exact;
	b->rp = rp;
	b->m = kn_model_new(&mc, err);
	b->ai = b->m ? kn_afterimage_new(&ac, err) : NULL;
	b->ring = kn_calloc(RING, KN_AI_FEATURES * sizeof(double));
	if (!b->m || !b->ai || !b->ring) {
		fprintf(stderr, "kn_model_bench: %s\n", b->ring ? err : "out of memory");
		return -1;
	}
	while (!kn_model_trained(b->m)) {
		struct kn_ai_packet p;
		replay_get(rp, b->next_model++, &p);
		(void)kn_model_process(b->m, &p);
	}
	for (unsigned e = 0; kernel >= 0 && e < ensembles; e++) {
		if (kitnet_exec_use(b->m->k[e], (enum kitnet_kernel)kernel) != 0) {
			fprintf(stderr, "kn_model_bench: this CPU (or build) lacks that kernel\n");
			return -1;
		}
	}
	(void)run_features(b, b->next_model);
	for (unsigned i = 0; i < RING; i++) {
		struct kn_ai_packet p;
		replay_get(rp, b->next_ai++, &p);
		kn_afterimage_update(b->ai, &p, b->ring + (size_t)i * KN_AI_FEATURES);
	}
	return 0;
}

static void bench_fini(struct bench *b)
{
	kn_model_free(b->m);
	kn_afterimage_free(b->ai);
	kn_free(b->ring);
}

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;
	return (x > y) - (x < y);
}

static double median(double *v, int n)
{
	qsort(v, (size_t)n, sizeof *v, cmp_double);
	return n % 2 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
}

static const char *const kernel_name[] = { "base", "avx2", "avx512" };

static int bench_file(const char *path, struct replay *rp, uint64_t count, int rounds, int exact,
		      unsigned ensembles, int kernel)
{
	struct bench b;
	double rate[S_COUNT][MAX_ROUNDS];
	memset(&b, 0, sizeof b);
	if (load(path, rp) < 0 || bench_init(&b, rp, exact, ensembles, kernel) < 0) {
		bench_fini(&b);
		return -1;
	}
	for (int r = 0; r < rounds; r++) {
		rate[S_FLOOR][r] = (double)count / run_floor(&b, count);
		rate[S_FEATURES][r] = (double)count / run_features(&b, count);
		rate[S_SCORING][r] = (double)count / run_scoring(&b, count);
		rate[S_BOTH][r] = (double)count / run_both(&b, count);
	}
	struct kn_model_info mi;
	kn_model_get_info(b.m, &mi);
	printf("\n%s: %zu packets decoded, model trained on the first %llu (%s features, "
	       "%u + %u autoencoders, %s kernel), %llu packets per stage and round, median of %d "
	       "rounds (CPU time; checksum %g)\n\n",
	       path, rp->n, (unsigned long long)mi.train_packets, exact ? "Kitsune-exact" : "pair-only",
	       mi.n_ae[0], mi.n_ae[1], kernel < 0 ? "fastest" : kernel_name[kernel],
	       (unsigned long long)count, rounds, b.sink);
	printf("| stage | packets/s | vs floor | ns/packet |\n|---|---|---|---|\n");
	double floor = median(rate[S_FLOOR], rounds);
	for (int s = 0; s < S_COUNT; s++) {
		double v = median(rate[s], rounds);
		printf("| %s | %.0f k | %.4f | %.0f |\n", stage_name[s], v / 1e3, v / floor, 1e9 / v);
	}
	bench_fini(&b);
	return 0;
}

/* An unsigned option value in [lo, hi], or 0 after a message. */
static unsigned long long parse_num(const char *opt, const char *s, unsigned long long lo,
				    unsigned long long hi)
{
	char *end;
	unsigned long long v = strtoull(s ? s : "", &end, 10);
	if (!s || *s == '\0' || *end != '\0' || v < lo || v > hi) {
		fprintf(stderr, "kn_model_bench: %s needs a number in %llu..%llu, not '%s'\n", opt,
			lo, hi, s ? s : "");
		return 0;
	}
	return v;
}

int main(int argc, char **argv)
{
	unsigned long long count = 1000000, rounds = 3, ensembles = 2;
	int exact = 0, i = 1, failed = 0, kernel = -1;
	for (; i < argc && argv[i][0] == '-'; i++) {
		const char *val = i + 1 < argc ? argv[i + 1] : NULL;
		if (!strcmp(argv[i], "-n"))
			count = parse_num("-n", val, 1000, 1ull << 34), i++;
		else if (!strcmp(argv[i], "-r"))
			rounds = parse_num("-r", val, 1, MAX_ROUNDS), i++;
		else if (!strcmp(argv[i], "-e"))
			ensembles = parse_num("-e", val, 1, 2), i++;
		else if (!strcmp(argv[i], "-k"))
			exact = 1;
		else if (!strcmp(argv[i], "-K")) {
			for (int kk = 0; val && kk < 3; kk++)
				kernel = strcmp(val, kernel_name[kk]) ? kernel : kk;
			count = kernel < 0 ? 0 : count, i++;
		}
		else
			count = 0;
		if (!count || !rounds || !ensembles)
			break;
	}
	if (i >= argc || !count || !rounds || !ensembles) {
		fprintf(stderr, "usage: kn_model_bench [-n PACKETS] [-r ROUNDS (1..%d)] [-k] "
				"[-e 1|2] [-K base|avx2|avx512] FILE.pcap[.gz]...\n", MAX_ROUNDS);
		return 2;
	}
	struct replay rp = { kn_calloc(MAX_PKTS, sizeof(struct kn_ai_packet)), 0, 0 };
	if (!rp.pk)
		return 1;
	for (; i < argc; i++)
		failed |= bench_file(argv[i], &rp, count, (int)rounds, exact,
				     (unsigned)ensembles, kernel) < 0;
	kn_free(rp.pk);
	return failed;
}
