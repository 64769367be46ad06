/*
 * train.c - `kenchi train`: trains the online anomaly model (model.h:
 * AfterImage features + KitNET ensembles) on the first packets of one or
 * more captures, calibrates its threshold on the training scores and saves
 * it for `kenchi run --model`.
 *
 * Packets are read and decoded exactly as `kenchi run` does (same decoder
 * defaults, fragments expired on the same packet clock), so a model trained
 * here equals the one `kenchi run --train-packets N --model-out` builds on
 * the same traffic. Without --packets the whole input is the training set
 * (counted in a first pass over the files).
 */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "cli.h"
#include "kenchi/capture.h"
#include "kenchi/decode.h"
#include "kenchi/model.h"
#include "util/size.h"

#define MAX_FILES 256
#define PROGRESS_EVERY 65536u
#define EXPIRE_EVERY_NS 1000000000ull

static const char train_usage[] =
	"usage: kenchi train -r CAPTURE [-r CAPTURE ...] -o MODEL [options]\n"
	"\n"
	"Trains kenchi's online anomaly model (AfterImage's damped statistics per\n"
	"host, host pair and socket over five windows, scored by KitNET autoencoder\n"
	"ensembles; Kitsune, NDSS 2018) on the first packets of the captures, sets\n"
	"its threshold from the training scores and saves it for\n"
	"'kenchi run --model MODEL'. Train on traffic you consider normal.\n"
	"\n"
	"  -r, --read FILE          a pcap or pcapng file (repeatable: read in order)\n"
	"  -o, --output MODEL       where to write the model\n"
	"  -n, --packets N          train on the first N packets (default: all of\n"
	"                           them; at least 10). Of N, N/5 + 1 map the\n"
	"                           features to autoencoders, the rest train them\n"
	"                           (Kitsune-py's FMgrace 5000 + ADgrace 20000 = 25001)\n"
	"      --features pair-only|kitsune  pair-only covariance (default: bounded\n"
	"                           work per packet) or Kitsune-py's exact statistics\n"
	"                           (several times slower)\n"
	"      --ensembles 1|2      1: Kitsune's raw inputs; 2 (default): also an\n"
	"                           ensemble on log-compressed inputs, the larger\n"
	"                           threshold-scaled score kept\n"
	"      --max-ae N           most features per autoencoder (default 10)\n"
	"      --lr X               learning rate (default 0.1)\n"
	"      --hidden-ratio X     hidden units per input, (0, 1] (default 0.75)\n"
	"      --seed N             weight initialisation (default 1)\n"
	"      --threshold-quantile X  quantile of the late training scores taken as\n"
	"                           the threshold, (0, 1] (default 1: their maximum)\n"
	"      --feature-memcap SIZE  AfterImage tables (default 64M)\n"
	"  -q, --quiet              no summary\n"
	"      --progress / --no-progress  progress on stderr (default: on a terminal)\n"
	"  -h, --help               this help\n"
	"\n"
	"Exit status: 0 saved, 1 input or output error, 2 usage.\n";

struct train_opts {
	const char *files[MAX_FILES];
	unsigned n_files;
	const char *out;
	uint64_t packets;          /* 0 = all */
	struct kn_model_config cfg;
	int quiet, progress;
};

enum { OPT_FEATURES = 256, OPT_ENSEMBLES, OPT_MAXAE, OPT_LR, OPT_HIDDEN, OPT_SEED, OPT_QUANT,
       OPT_FMEM, OPT_PROGRESS, OPT_NOPROGRESS };

static const struct option long_opts[] = {
	{ "read", required_argument, NULL, 'r' },
	{ "output", required_argument, NULL, 'o' },
	{ "packets", required_argument, NULL, 'n' },
	{ "features", required_argument, NULL, OPT_FEATURES },
	{ "ensembles", required_argument, NULL, OPT_ENSEMBLES },
	{ "max-ae", required_argument, NULL, OPT_MAXAE },
	{ "lr", required_argument, NULL, OPT_LR },
	{ "hidden-ratio", required_argument, NULL, OPT_HIDDEN },
	{ "seed", required_argument, NULL, OPT_SEED },
	{ "threshold-quantile", required_argument, NULL, OPT_QUANT },
	{ "feature-memcap", required_argument, NULL, OPT_FMEM },
	{ "quiet", no_argument, NULL, 'q' },
	{ "progress", no_argument, NULL, OPT_PROGRESS },
	{ "no-progress", no_argument, NULL, OPT_NOPROGRESS },
	{ "help", no_argument, NULL, 'h' },
	{ NULL, 0, NULL, 0 },
};

static int bad(const char *opt, const char *val, const char *want)
{
	fprintf(stderr, "kenchi train: invalid %s '%s': expected %s (see kenchi train --help)\n",
		opt, val, want);
	return 2;
}

/* A number in (lo, hi]; want says so in words. */
static int parse_real(const char *opt, const char *val, double lo, double hi, const char *want,
		      double *dst)
{
	char *end;
	errno = 0;
	double v = strtod(val, &end);
	if (errno || end == val || *end || !(v <= hi) || !(v > lo))
		return bad(opt, val, want);
	*dst = v;
	return 0;
}

static int parse_count(const char *opt, const char *val, uint64_t lo, uint64_t hi,
		       uint64_t *dst)
{
	unsigned long long v;
	if (kn_parse_size(val, &v) != 0 || v < lo || v > hi)
		return bad(opt, val, "a whole number in the range the help gives");
	*dst = v;
	return 0;
}

static int parse_one(struct train_opts *o, int c, const char *arg)
{
	uint64_t v = 0;
	int rc = 0;

	switch (c) {
	case 'r':
		if (o->n_files >= MAX_FILES)
			return bad("-r", arg, "at most 256 files");
		o->files[o->n_files++] = arg;
		return 0;
	case 'o': o->out = arg; return 0;
	case 'q': o->quiet = 1; return 0;
	case OPT_PROGRESS: o->progress = 1; return 0;
	case OPT_NOPROGRESS: o->progress = 0; return 0;
	case 'n': return parse_count("--packets", arg, KN_MODEL_MIN_TRAIN, KN_MODEL_MAX_TRAIN,
				     &o->packets);
	case OPT_FEATURES:
		if (strcmp(arg, "kitsune") && strcmp(arg, "pair-only"))
			return bad("--features", arg, "kitsune or pair-only");
		o->cfg.kitsune_exact = !strcmp(arg, "kitsune");
		return 0;
	case OPT_ENSEMBLES:
		if (!(rc = parse_count("--ensembles", arg, 1, 2, &v)))
			o->cfg.ensembles = (unsigned)v;
		return rc;
	case OPT_MAXAE:
		if (!(rc = parse_count("--max-ae", arg, 1, KN_AI_FEATURES, &v)))
			o->cfg.max_ae = (unsigned)v;
		return rc;
	case OPT_SEED: return parse_count("--seed", arg, 0, UINT64_MAX, &o->cfg.seed);
	case OPT_FMEM: return parse_count("--feature-memcap", arg, 1u << 20, 1ull << 40,
					  &o->cfg.feature_memcap);
	case OPT_LR: return parse_real("--lr", arg, 0, 100, "a number above 0, at most 100",
				       &o->cfg.lr);
	case OPT_HIDDEN: return parse_real("--hidden-ratio", arg, 0, 1,
					   "a number above 0, at most 1", &o->cfg.hidden_ratio);
	case OPT_QUANT: return parse_real("--threshold-quantile", arg, 0, 1,
					  "a number above 0, at most 1",
					  &o->cfg.threshold_quantile);
	default:
		fprintf(stderr, "see 'kenchi train --help'\n");
		return 2;
	}
}

static int parse_args(struct train_opts *o, int argc, char **argv)
{
	int c, rc;

	optind = 1;
	while ((c = getopt_long(argc, argv, "r:o:n:qh", long_opts, NULL)) != -1) {
		if (c == 'h') {
			fputs(train_usage, stdout);
			return -1;
		}
		if ((rc = parse_one(o, c, optarg)) != 0)
			return rc;
	}
	for (int i = optind; i < argc; i++)
		if ((rc = parse_one(o, 'r', argv[i])) != 0)
			return rc;
	if (!o->n_files || !o->out) {
		fprintf(stderr, "kenchi train: %s; usage: kenchi train -r CAPTURE -o MODEL "
			"(see --help)\n", !o->n_files ? "no capture given" : "no -o MODEL given");
		return 2;
	}
	return 0;
}

/* Packets in the files (first pass without --packets) into *out; 1 and a
 * message on a read error. */
static int count_packets(const struct train_opts *o, uint64_t *out)
{
	char err[KN_ERRBUF_SIZE];
	struct kn_packet p;
	uint64_t n = 0;

	for (unsigned i = 0; i < o->n_files; i++) {
		struct kn_capture *c = kn_capture_open_file(o->files[i], err);
		int rc = 0;
		while (c && (rc = kn_capture_next(c, &p, err)) == 1)
			n++;
		kn_capture_close(c);
		if (!c || rc < 0) {
			fprintf(stderr, "kenchi train: %s\n", err);
			return 1;
		}
	}
	*out = n;
	return 0;
}

static double mono_s(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

struct feed {
	struct kn_model *m;
	struct kn_decoder *dec;
	uint64_t index, last_expire_ns;
	int progress;
	double t0;
};

/* Feeds one file until the model is trained; 0 or 1 (error printed). */
static int feed_file(struct feed *f, const char *path, uint64_t goal)
{
	char err[KN_ERRBUF_SIZE];
	struct kn_capture *c = kn_capture_open_file(path, err);
	struct kn_packet p;
	struct kn_ai_packet ap;
	int rc = 0;

	memset(&p, 0, sizeof p);
	while (c && !kn_model_trained(f->m) && (rc = kn_capture_next(c, &p, err)) == 1) {
		p.index = ++f->index;
		p.flow = NULL;
		int kind = kn_decode(f->dec, &p);
		if (p.ts_ns - f->last_expire_ns >= EXPIRE_EVERY_NS) {
			f->last_expire_ns = p.ts_ns;
			kn_decoder_expire(f->dec, p.ts_ns);
		}
		kn_ai_packet_from(&p, kind, &ap);
		(void)kn_model_process(f->m, &ap);
		if (f->progress && f->index % PROGRESS_EVERY == 0)
			fprintf(stderr, "\r\033[Kkenchi train: %llu of %llu packets (%.0f%%), %.1f s",
				(unsigned long long)f->index, (unsigned long long)goal,
				100.0 * (double)f->index / (double)goal, mono_s() - f->t0);
	}
	kn_capture_close(c);
	if (!c || rc < 0) {
		fprintf(stderr, "%skenchi train: %s\n", f->progress ? "\n" : "", err);
		return 1;
	}
	return 0;
}

static void summary(const struct train_opts *o, const struct kn_model *m, double secs)
{
	struct kn_model_info in;

	kn_model_get_info(m, &in);
	fprintf(stderr, "kenchi train: %s: trained on %llu packets in %.2f s (%.0f packets/s); "
		"features %s; %u ensemble%s of %u",
		o->out, (unsigned long long)in.train_packets, secs,
		secs > 0 ? (double)in.train_packets / secs : 0.0,
		in.kitsune_exact ? "kitsune" : "pair-only", in.ensembles,
		in.ensembles == 1 ? "" : "s", in.n_ae[0]);
	if (in.ensembles == 2)
		fprintf(stderr, " and %u", in.n_ae[1]);
	fprintf(stderr, " autoencoders; threshold %.6g", in.threshold[0]);
	if (in.ensembles == 2)
		fprintf(stderr, " and %.6g (log inputs)", in.threshold[1]);
	fprintf(stderr, "; memory %.1f MiB\n", (double)in.memory / 1048576.0);
}

static int train(struct train_opts *o)
{
	char err[KN_ERRBUF_SIZE];
	struct feed f = { .progress = o->progress, .t0 = mono_s() };
	int rc = 1;

	if (!o->packets) {
		if (count_packets(o, &o->packets) != 0)
			return 1;
		if (o->packets < KN_MODEL_MIN_TRAIN) {
			fprintf(stderr, "kenchi train: the input has %llu packets; the model needs "
				"at least %u to train on\n", (unsigned long long)o->packets,
				KN_MODEL_MIN_TRAIN);
			return 1;
		}
	}
	o->cfg.train_packets = o->packets;
	if (!(f.m = kn_model_new(&o->cfg, err)) || !(f.dec = kn_decoder_new(NULL, err))) {
		fprintf(stderr, "kenchi train: %s\n", err);
		goto out;
	}
	for (unsigned i = 0; i < o->n_files && !kn_model_trained(f.m); i++)
		if (feed_file(&f, o->files[i], o->packets) != 0)
			goto out;
	if (f.progress)
		fputc('\n', stderr);
	if (!kn_model_trained(f.m)) {
		fprintf(stderr, "kenchi train: the input has %llu packets, fewer than the %llu to "
			"train on; give more captures or a smaller --packets\n",
			(unsigned long long)f.index, (unsigned long long)o->packets);
		goto out;
	}
	if (kn_model_save(f.m, o->out, err) != 0) {
		fprintf(stderr, "kenchi train: %s\n", err);
		goto out;
	}
	if (!o->quiet)
		summary(o, f.m, mono_s() - f.t0);
	rc = 0;
out:
	kn_decoder_free(f.dec);
	kn_model_free(f.m);
	return rc;
}

int cmd_train(int argc, char **argv)
{
	struct train_opts o;
	int rc;

	memset(&o, 0, sizeof o);
	kn_model_config_default(&o.cfg);
	o.progress = isatty(STDERR_FILENO);
	if ((rc = parse_args(&o, argc, argv)) != 0)
		return rc < 0 ? 0 : rc;
	return train(&o);
}
