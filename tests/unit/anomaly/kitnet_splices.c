/*
 * kitnet_splices.c - run by hand, never by the test suite: kenchi's
 * AfterImage + KitNET on every splice of ../shared/data/anomaly (see its
 * README), with Kitsune-py's settings (maxAE 10, FMgrace 5000, ADgrace
 * 20000, lr 0.1, hidden ratio 0.75: training on packets 0..25,000, scoring
 * 25,001..end), against Kitsune-py's AUC from the README's table.
 *
 *   kitnet_splices OUTDIR [DATADIR] [MODE] [seed] [names]
 *
 * MODE: "kitsune" (default) or "pair-only" (AfterImage), then "+log" for
 * KitNET's log_inputs, or "+both": two models, Kitsune's inputs and
 * log_inputs, each score divided by its model's threshold, the larger one
 * kept (the AUC of each model alone is printed too).
 * (names: only the splices whose names occur in this string.)
 *
 * Each NAME.pcap.gz is gunzipped to /tmp, decoded with kenchi, and
 * OUTDIR/NAME.csv gets the scored packets as "packet,score" (1-based
 * packet numbers 25,002..end; docs/eval-detectors.md, "Scored CSV"). One
 * line per splice: ROC AUC (Mann-Whitney, ties halved) against NAME.labels
 * beside Kitsune-py's, TPR at FPR <= 0.1 % beside Kitsune-py's, the TPR at
 * the model's own threshold (max of the late training scores) and its FPR,
 * and packets/s of AfterImage + KitNET and of KitNET alone (CPU time;
 * decoding not included).
 */
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <zlib.h>

#include "kenchi/anomaly.h"
#include "kenchi/capture.h"
#include "kenchi/decode.h"
#include "util/alloc.h"

#ifndef KN_SOURCE_ROOT
#define KN_SOURCE_ROOT "."
#endif

#define MAX_PKTS 200000

/* README "Reference results: Kitsune-py": AUC and TPR@FPR 0.1 %. */
static const struct splice {
	const char *name;
	double auc, tpr001;
} splices[] = {
	{ "scan_tcp_vertical", 0.9996, 0.9716 },   { "scan_tcp_syn", 0.9954, 0.6111 },
	{ "scan_udp_sweep", 0.9846, 0.0000 },      { "scan_arp_sweep", 0.9960, 0.0000 },
	{ "scan_icmp", 0.8757, 0.0000 },           { "bruteforce_ssh", 0.9977, 0.4788 },
	{ "bruteforce_ftp", 0.9908, 0.0000 },      { "dnstunnel_iodine_ndpi", 0.9966, 0.9338 },
	{ "dnstunnel_dns2tcp", 0.9766, 0.4200 },   { "dnstunnel_dnscat2", 0.8486, 0.0000 },
	{ "dnstunnel_iodine_dm", 0.9538, 0.0000 }, { "icmptunnel", 0.9894, 0.2206 },
	{ "c2_beacon", 0.9994, 0.9682 },           { "dos_synflood", 0.5991, 0.0000 },
	{ "ddos_snmp_reflection", 0.6237, 0.0000 }, { "mitm_arp_spoof", 0.9949, 0.0000 },
	{ "malware_emotet", 0.9627, 0.4497 },      { "malware_slips_test7", 0.9691, 0.0985 },
	{ "ad_rpcdump", 0.9394, 0.7273 },          { "ad_kerbrute_spray", 0.9978, 0.0303 },
	{ "ad_psexec", 0.9996, 0.9280 },
};

struct scored {
	double score;
	int label;
};

static double cpu_now(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

static int gunzip(const char *from, const char *to)
{
	gzFile in = gzopen(from, "rb");
	FILE *out = fopen(to, "wb");
	char buf[65536];
	int n = 0, ok = in && out;
	while (ok && (n = gzread(in, buf, sizeof buf)) > 0)
		ok = fwrite(buf, 1, (size_t)n, out) == (size_t)n;
	ok = ok && n == 0;
	if (in)
		gzclose(in);
	if (out && fclose(out) != 0)
		ok = 0;
	if (!ok)
		fprintf(stderr, "kitnet_splices: cannot gunzip %s to %s\n", from, to);
	return ok;
}

/* Decodes the capture into pk; returns the count (0 on error). */
static size_t load_pcap(const char *path, struct kn_ai_packet *pk)
{
	char err[KN_ERRBUF_SIZE];
	struct kn_capture *c = kn_capture_open_file(path, err);
	struct kn_decoder *d = c ? kn_decoder_new(NULL, err) : NULL;
	struct kn_packet p;
	size_t n = 0;
	if (!c || !d)
		fprintf(stderr, "kitnet_splices: %s\n", err);
	while (c && d && n < MAX_PKTS && kn_capture_next(c, &p, err) == 1)
		kn_ai_packet_from(&p, kn_decode(d, &p), &pk[n++]);
	kn_decoder_free(d);
	kn_capture_close(c);
	return n;
}

/* One 0/1 per line into labels; returns the count, or 0 on a bad line. */
static size_t load_labels(const char *path, int *labels)
{
	FILE *f = fopen(path, "r");
	char line[64];
	size_t n = 0;
	if (!f) {
		fprintf(stderr, "kitnet_splices: %s: %s\n", path, strerror(errno));
		return 0;
	}
	while (n < MAX_PKTS && fgets(line, sizeof line, f)) {
		if ((line[0] != '0' && line[0] != '1') || (line[1] != '\n' && line[1] != '\0')) {
			fprintf(stderr, "kitnet_splices: %s:%zu: expected 0 or 1\n", path, n + 1);
			n = 0;
			break;
		}
		labels[n++] = line[0] - '0';
	}
	fclose(f);
	return n;
}

static int by_score(const void *a, const void *b)
{
	double x = ((const struct scored *)a)->score, y = ((const struct scored *)b)->score;
	return (x > y) - (x < y);
}

/* Mann-Whitney AUC with ties halved (average ranks); s sorted ascending. */
static double auc(const struct scored *s, size_t n)
{
	double rank_sum = 0, pos = 0;
	for (size_t i = 0; i < n;) {
		size_t j = i;
		while (j < n && s[j].score == s[i].score)
			j++;
		double avg = (double)(i + 1 + j) / 2.0; /* ranks i+1 .. j */
		for (size_t t = i; t < j; t++)
			if (s[t].label) {
				rank_sum += avg;
				pos++;
			}
		i = j;
	}
	double neg = (double)n - pos;
	return (rank_sum - pos * (pos + 1) / 2) / (pos * neg);
}

/* Best TPR of a threshold (flag score >= t) whose FPR <= max_fpr. */
static double tpr_at(const struct scored *s, size_t n, double max_fpr)
{
	double pos = 0, neg = 0, tp = 0, fp = 0, best = 0;
	for (size_t i = 0; i < n; i++)
		s[i].label ? pos++ : neg++;
	for (size_t i = n; i > 0;) {
		size_t j = i;
		while (j > 0 && s[j - 1].score == s[i - 1].score) {
			j--;
			s[j].label ? tp++ : fp++;
		}
		if (fp / neg <= max_fpr && tp / pos > best)
			best = tp / pos;
		i = j;
	}
	return best;
}

static void at_threshold(const struct scored *s, size_t n, double thr, double *tpr, double *fpr)
{
	double pos = 0, neg = 0, tp = 0, fp = 0;
	for (size_t i = 0; i < n; i++) {
		s[i].label ? pos++ : neg++;
		if (s[i].score > thr)
			s[i].label ? tp++ : fp++;
	}
	*tpr = tp / pos;
	*fpr = fp / neg;
}

struct run {
	struct kn_ai_packet *pk;
	int *labels;
	struct scored *sc;
	const char *outdir;
	int exact, log_inputs, both;
	struct scored *sc_raw, *sc_log; /* "both": each model's own scores */
	uint64_t seed;
	double *feat; /* MAX_PKTS * KN_AI_FEATURES */
	double total_pkts, total_ai, total_kn;
};

static struct kn_kitnet *make_kitnet(uint64_t seed, int log_inputs)
{
	struct kn_kitnet_config cfg;
	char err[KN_ERRBUF_SIZE];
	kn_kitnet_config_default(&cfg, KN_AI_FEATURES);
	cfg.max_ae = 10;
	cfg.fm_grace = 5000;
	cfg.ad_grace = 20000;
	cfg.lr = 0.1;
	cfg.hidden_ratio = 0.75;
	cfg.seed = seed;
	cfg.log_inputs = log_inputs;
	struct kn_kitnet *k = kn_kitnet_new(&cfg, err);
	if (!k)
		fprintf(stderr, "kitnet_splices: %s\n", err);
	return k;
}

/* Features of n packets into feat (timed: *t_ai), then their scores
 * (timed: *t_kn); the scored ones into r->sc and the CSV. Returns the
 * number scored, 0 on error. */
static size_t score_all(struct run *r, size_t n, FILE *csv, double *thr, double *t_ai,
			double *t_kn)
{
	struct kn_afterimage_config acfg;
	char err[KN_ERRBUF_SIZE];
	kn_afterimage_config_default(&acfg);
	acfg.kitsune_exact = r->exact;
	struct kn_afterimage *ai = kn_afterimage_new(&acfg, err);
	struct kn_kitnet *k = make_kitnet(r->seed, r->log_inputs);
	struct kn_kitnet *k2 = r->both ? make_kitnet(r->seed, 1) : NULL;
	size_t m = 0;
	if (!ai || !k || (r->both && !k2))
		goto out;
	double t0 = cpu_now();
	for (size_t i = 0; i < n; i++)
		kn_afterimage_update(ai, &r->pk[i], r->feat + i * KN_AI_FEATURES);
	double t1 = cpu_now();
	for (size_t i = 0; i < n; i++) {
		double *f = r->feat + i * KN_AI_FEATURES;
		double v = kn_kitnet_process(k, f);
		if (k2) {
			double v2 = kn_kitnet_process(k2, f);
			if (i > 25000) {
				r->sc_raw[m] = (struct scored){ v, r->labels[i] };
				r->sc_log[m] = (struct scored){ v2, r->labels[i] };
				v /= kn_kitnet_threshold(k);
				v2 /= kn_kitnet_threshold(k2);
				v = v > v2 ? v : v2;
			}
		}
		if (i > 25000)
			r->sc[m++] = (struct scored){ v, r->labels[i] };
	}
	*t_ai = t1 - t0;
	*t_kn = cpu_now() - t1;
	*thr = k2 ? 1.0 : kn_kitnet_threshold(k); /* "both": scores are in thresholds */
	fprintf(csv, "packet,score\n");
	for (size_t i = 0; i < m; i++)
		fprintf(csv, "%zu,%.17g\n", i + 25002, r->sc[i].score);
out:
	kn_afterimage_free(ai);
	kn_kitnet_free(k);
	kn_kitnet_free(k2);
	return m;
}

static int one(struct run *r, const char *datadir, const struct splice *sp)
{
	char gz[1024], pcap[1024], lab[1024], out[1024];
	snprintf(gz, sizeof gz, "%s/%s.pcap.gz", datadir, sp->name);
	snprintf(pcap, sizeof pcap, "/tmp/kitnet_splice_%s.pcap", sp->name);
	snprintf(lab, sizeof lab, "%s/%s.labels", datadir, sp->name);
	snprintf(out, sizeof out, "%s/%s.csv", r->outdir, sp->name);
	if (!gunzip(gz, pcap))
		return 0;
	size_t n = load_pcap(pcap, r->pk);
	remove(pcap);
	size_t nl = load_labels(lab, r->labels);
	if (n == 0 || n != nl) {
		fprintf(stderr, "kitnet_splices: %s: %zu packets, %zu labels\n", sp->name, n, nl);
		return 0;
	}
	FILE *csv = fopen(out, "w");
	double thr = NAN, t_ai = 0, t_kn = 0;
	size_t m = csv ? score_all(r, n, csv, &thr, &t_ai, &t_kn) : 0;
	if (csv && fclose(csv) != 0)
		m = 0;
	if (m == 0) {
		fprintf(stderr, "kitnet_splices: %s: cannot score or write %s\n", sp->name, out);
		return 0;
	}
	double ttpr, tfpr;
	at_threshold(r->sc, m, thr, &ttpr, &tfpr);
	qsort(r->sc, m, sizeof *r->sc, by_score);
	double a = auc(r->sc, m), t = tpr_at(r->sc, m, 0.001);
	double a4 = round(a * 1e4) / 1e4; /* the README's precision */
	printf("| %-21s | %.4f | %.4f | %s | %.4f | %.4f | %.4f / %.4f | %8.0f | %8.0f |", sp->name,
	       a, sp->auc, a4 < sp->auc - 1e-9 ? "LOWER" : a4 > sp->auc + 1e-9 ? "higher" : "equal",
	       t, sp->tpr001, ttpr, tfpr, (double)n / (t_ai + t_kn), (double)n / t_kn);
	if (r->both) {
		qsort(r->sc_raw, m, sizeof *r->sc_raw, by_score);
		qsort(r->sc_log, m, sizeof *r->sc_log, by_score);
		printf(" %.4f | %.4f |", auc(r->sc_raw, m), auc(r->sc_log, m));
	}
	printf("\n");
	fflush(stdout);
	r->total_pkts += (double)n;
	r->total_ai += t_ai;
	r->total_kn += t_kn;
	return 1;
}

int main(int argc, char **argv)
{
	if (argc < 2) {
		fprintf(stderr, "usage: kitnet_splices OUTDIR [DATADIR] "
				"[kitsune|pair-only][+log|+both] [seed] [names]\n");
		return 2;
	}
	const char *datadir = argc > 2 ? argv[2] : KN_SOURCE_ROOT "/../shared/data/anomaly";
	struct run r = { 0 };
	r.outdir = argv[1];
	r.exact = !(argc > 3 && strstr(argv[3], "pair-only"));
	r.log_inputs = argc > 3 && strstr(argv[3], "log") != NULL;
	r.both = argc > 3 && strstr(argv[3], "both") != NULL;
	r.log_inputs = r.log_inputs && !r.both; /* "both": the first model is Kitsune's */
	r.seed = argc > 4 ? strtoull(argv[4], NULL, 10) : 1;
	const char *only = argc > 5 ? argv[5] : NULL;
	r.pk = kn_calloc(MAX_PKTS, sizeof *r.pk);
	r.labels = kn_calloc(MAX_PKTS, sizeof *r.labels);
	r.sc = kn_calloc(MAX_PKTS, sizeof *r.sc);
	r.feat = kn_calloc((size_t)MAX_PKTS * KN_AI_FEATURES, sizeof *r.feat);
	r.sc_raw = kn_calloc(MAX_PKTS, sizeof *r.sc_raw);
	r.sc_log = kn_calloc(MAX_PKTS, sizeof *r.sc_log);
	if (!r.pk || !r.labels || !r.sc || !r.feat || !r.sc_raw || !r.sc_log)
		return 2;
	printf("AfterImage (%s) + KitNET%s%s: maxAE 10, FMgrace 5000, ADgrace 20000, lr 0.1, "
	       "hidden 0.75, seed %llu\n\n", r.exact ? "kitsune_exact" : "pair-only",
	       r.log_inputs ? " (log_inputs)" : "", r.both ? " (both: raw and log_inputs)" : "",
	       (unsigned long long)r.seed);
	printf("| splice | AUC kenchi | AUC Kitsune-py | vs | TPR@FPR0.1%% kenchi | Kitsune-py | "
	       "TPR / FPR at own threshold | pkt/s AfterImage+KitNET | pkt/s KitNET |%s\n"
	       "|---|---|---|---|---|---|---|---|---|%s\n",
	       r.both ? " AUC raw only | AUC log only |" : "", r.both ? "---|---|" : "");
	int failed = 0;
	for (size_t i = 0; i < sizeof splices / sizeof splices[0]; i++)
		if (!only || strstr(only, splices[i].name))
			failed += !one(&r, datadir, &splices[i]);
	printf("\nall splices: %.0f packets/s of AfterImage + KitNET, %.0f of AfterImage, "
	       "%.0f of KitNET (CPU time)\n", r.total_pkts / (r.total_ai + r.total_kn),
	       r.total_pkts / r.total_ai, r.total_pkts / r.total_kn);
	kn_free(r.pk);
	kn_free(r.labels);
	kn_free(r.sc);
	kn_free(r.feat);
	kn_free(r.sc_raw);
	kn_free(r.sc_log);
	return failed ? 1 : 0;
}
