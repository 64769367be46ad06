/*
 * test_kitsune.c - the AfterImage features against Kitsune-py's own output:
 * ../shared/data/kitsune/mirai2000.pcap read with kenchi's capture and
 * decoder, 100 features per packet compared with
 * kitsune_py_features_mirai2000.csv (Kitsune-py's netStat vectors, header =
 * its feature names) within a relative 1e-6 (absolute 1e-9 near zero) for
 * every packet and column; the worst column and packet are printed. Skipped
 * when the shared data is absent (KN_SHARED_DATA, else
 * <source>/../shared/data).
 */
#include "../../kt.h"

#include <math.h>
#include <sys/stat.h>

#include "kenchi/anomaly.h"
#include "kenchi/capture.h"
#include "kenchi/decode.h"
#include "util/alloc.h"

#ifndef KN_SOURCE_ROOT
#define KN_SOURCE_ROOT "."
#endif

#define NPKT 2000
#define NF KN_AI_FEATURES

static char dir[1024];

static int data_dir(void)
{
	const char *env = getenv("KN_SHARED_DATA");
	snprintf(dir, sizeof dir, "%s/kitsune", env ? env : KN_SOURCE_ROOT "/../shared/data");
	struct stat st;
	return stat(dir, &st) == 0 && S_ISDIR(st.st_mode);
}

/* The CSV: header line then NPKT lines of NF numbers. */
struct ref {
	char names[NF][64];
	double *v;  /* NPKT * NF */
};

static int parse_header(struct ref *r, char *line)
{
	int n = 0;
	for (char *tok = line; tok && n < NF; n++) {
		char *comma = strchr(tok, ',');
		if (comma)
			*comma = '\0';
		snprintf(r->names[n], sizeof r->names[n], "%.63s", tok);
		tok = comma ? comma + 1 : NULL;
	}
	return n == NF;
}

/* Numbers of one row; 0 on a malformed line (reason printed). */
static int parse_row(struct ref *r, int row, char *line)
{
	char *p = line;
	for (int j = 0; j < NF; j++) {
		char *end;
		r->v[row * NF + j] = strtod(p, &end);
		if (end == p || (*end != ',' && j < NF - 1) || (j == NF - 1 && *end != '\0')) {
			printf("# csv line %d column %d: not a number\n", row + 2, j + 1);
			return 0;
		}
		p = end + 1;
	}
	return 1;
}

static char *chomp(char *line)
{
	line[strcspn(line, "\r\n")] = '\0';
	return line;
}

static int load_ref(struct ref *r)
{
	char path[1100], line[8192];
	snprintf(path, sizeof path, "%s/kitsune_py_features_mirai2000.csv", dir);
	FILE *f = fopen(path, "r");
	if (!f)
		return 0;
	r->v = kn_calloc((size_t)NPKT * NF, sizeof *r->v);
	int ok = r->v && fgets(line, sizeof line, f) && parse_header(r, chomp(line));
	for (int i = 0; ok && i < NPKT; i++)
		ok = fgets(line, sizeof line, f) && parse_row(r, i, chomp(line));
	fclose(f);
	return ok;
}

/* Features of the first NPKT packets of mirai2000.pcap into out. */
static int run_pcap(int exact, double *out)
{
	char path[1100], err[KN_ERRBUF_SIZE];
	snprintf(path, sizeof path, "%s/mirai2000.pcap", dir);
	struct kn_afterimage_config cfg;
	kn_afterimage_config_default(&cfg);
	cfg.kitsune_exact = exact;
	struct kn_capture *c = kn_capture_open_file(path, err);
	struct kn_decoder *d = kn_decoder_new(NULL, err);
	struct kn_afterimage *ai = kn_afterimage_new(&cfg, err);
	int n = 0;
	struct kn_packet pkt;
	struct kn_ai_packet ap;
	while (c && d && ai && n < NPKT && kn_capture_next(c, &pkt, err) == 1) {
		kn_ai_packet_from(&pkt, kn_decode(d, &pkt), &ap);
		kn_afterimage_update(ai, &ap, out + (size_t)n * NF);
		n++;
	}
	kn_afterimage_free(ai);
	kn_decoder_free(d);
	kn_capture_close(c);
	return n;
}

static int close_enough(double got, double want)
{
	double diff = fabs(got - want);
	return diff <= 1e-9 || diff <= 1e-6 * fabs(want);
}

/* Counts mismatches over the columns where skip[j] is 0; prints the worst
 * relative error (over reference values above 1e-9) and the first misses. */
static int compare(const struct ref *r, const double *got, const int *skip, const char *what)
{
	int bad = 0, wrow = 0, wcol = 0;
	double worst = 0;
	for (int i = 0; i < NPKT; i++) {
		for (int j = 0; j < NF; j++) {
			double g = got[i * NF + j], w = r->v[i * NF + j];
			if (skip[j])
				continue;
			if (!close_enough(g, w) && ++bad <= 5)
				printf("# %s: packet %d %s: %.10g, Kitsune-py %.10g\n", what, i + 1,
				       r->names[j], g, w);
			double rel = fabs(w) > 1e-9 ? fabs(g - w) / fabs(w) : 0;
			if (rel > worst || isnan(g)) {
				worst = isnan(g) ? INFINITY : rel;
				wrow = i + 1;
				wcol = j;
			}
		}
	}
	printf("# %s: %d of %d values off; worst relative error %.3g at packet %d, %s\n", what,
	       bad, NPKT * NF, worst, wrow, r->names[wcol]);
	return bad;
}

static void test_kitsune_features(void)
{
	if (!data_dir())
		KT_SKIP("%.200s absent: the shared captures are not available here "
			"(set KN_SHARED_DATA)", dir);
	struct ref r;
	double *got = kn_calloc((size_t)NPKT * NF, sizeof *got);
	KT_REQUIRE(got);
	KT_REQUIRE(load_ref(&r));
	KT_EQ(run_pcap(1, got), NPKT);
	char name[64];
	for (int j = 0; j < NF; j++)
		KT_EQ_STR(kn_afterimage_feature_name((unsigned)j, name, sizeof name), r.names[j]);
	int none[NF] = { 0 };
	KT_EQ(compare(&r, got, none, "kitsune_exact"), 0);
	kn_free(got);
	kn_free(r.v);
}

/* Pair-only mode: only the covariance and pcc columns of HH and HpHp may
 * differ from the reference, and on this capture they do. */
static void test_pair_only_mode(void)
{
	if (!data_dir())
		KT_SKIP("%.200s absent (set KN_SHARED_DATA)", dir);
	struct ref r;
	double *got = kn_calloc((size_t)NPKT * NF, sizeof *got);
	KT_REQUIRE(got);
	KT_REQUIRE(load_ref(&r));
	KT_EQ(run_pcap(0, got), NPKT);
	int skip[NF] = { 0 }, only_cov[NF];
	for (int j = 0; j < NF; j++) {
		int cov = strstr(r.names[j], "covariance") || strstr(r.names[j], "pcc");
		skip[j] = cov;
		only_cov[j] = !cov;
	}
	KT_EQ(compare(&r, got, skip, "pair_only, other columns"), 0);
	KT_CHECK(compare(&r, got, only_cov, "pair_only, covariance columns") > 100);
	kn_free(got);
	kn_free(r.v);
}

static const struct kt_case cases[] = {
	KT_CASE(test_kitsune_features),
	KT_CASE(test_pair_only_mode),
};

KT_MAIN("anomaly_kitsune_features", cases)
