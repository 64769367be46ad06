/*
 * eval.c - `kenchi eval`: scores detectors on labelled captures. Reads the
 * options, loads the dataset manifests and detector configs, makes the
 * captures ready (eval_run.c), scores every detector on every group of
 * captures (eval_score.c) and writes the terminal table, JSON and HTML
 * reports (src/eval/report_*.c).
 */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "cli.h"
#include "eval_cli.h"
#include "util/alloc.h"

static const char eval_usage[] =
	"usage: kenchi eval [options] MANIFEST...\n"
	"\n"
	"Scores detectors on labelled captures: runs each detector on every capture of\n"
	"the datasets (manifests: docs/eval-manifest.md), matches its findings to the\n"
	"ground truth and reports TP/FP/FN, precision, recall, F1, ROC/PR AUC, EER,\n"
	"TPR at FPR 0.1%% and 1%%, detection delay and cost (wall, CPU, peak RSS,\n"
	"packets/s), overall, per attack class and per capture.\n"
	"\n"
	"detectors (docs/eval-detectors.md):\n"
	"  -d, --detector CONFIG  a detector config file (JSON), or 'kenchi' for kenchi\n"
	"                         itself run in-process (repeatable; default: kenchi)\n"
	"datasets:\n"
	"  -b, --base-dir DIR     capture paths are relative to DIR (default: the\n"
	"                         directory of each manifest)\n"
	"  -c, --capture NAME     score only this capture (repeatable; 'PREFIX*' matches\n"
	"                         names starting with PREFIX)\n"
	"      --no-hash          neither check nor compute the captures' SHA-256\n"
	"  -t, --tolerance S      time tolerance of matching in seconds (default 1)\n"
	"reports:\n"
	"      --json FILE        the results as JSON (stable field names)\n"
	"      --html FILE        a self-contained HTML report with ROC and PR curves\n"
	"  -w, --work-dir DIR     keep unpacked captures and detector outputs in DIR\n"
	"                         (default: a temporary directory, removed at the end)\n"
	"  -q, --quiet            no progress lines on stderr\n"
	"  -h, --help             this help\n"
	"\n"
	"example (with ../shared/data beside the checkout; scripts/eval-shared.sh):\n"
	"  kenchi eval -b ../shared/data -d datasets/detectors/suricata-ref.json \\\n"
	"      -d kenchi --html report.html --json report.json datasets/shared.json\n"
	"\n"
	"Exit status: 0 ok; 1 a manifest, config or detector run failed (the reports are\n"
	"still written when possible); 2 usage.\n";

#define MAX_ITEMS 256

static int usage_error(const char *fmt, const char *arg)
{
	fprintf(stderr, "kenchi eval: ");
	fprintf(stderr, fmt, arg);
	fprintf(stderr, "; see 'kenchi eval --help'\n");
	return 2;
}

static int add_item(const char **list, size_t *n, const char *v, const char *what)
{
	if (*n >= MAX_ITEMS)
		return usage_error("too many %s (at most 256)", what);
	list[(*n)++] = v;
	return 0;
}

static int parse_tolerance(const char *s, double *out)
{
	char *end;

	errno = 0;
	double v = strtod(s, &end);
	if (errno || end == s || *end || !(v >= 0) || v > 86400)
		return usage_error("--tolerance '%s': give seconds from 0 to 86400", s);
	*out = v;
	return 0;
}

static int parse_args(struct ev_opts *o, int argc, char **argv)
{
	static const struct option long_opts[] = {
		{ "detector", required_argument, NULL, 'd' },
		{ "base-dir", required_argument, NULL, 'b' },
		{ "capture", required_argument, NULL, 'c' },
		{ "no-hash", no_argument, NULL, 'H' },
		{ "tolerance", required_argument, NULL, 't' },
		{ "json", required_argument, NULL, 'J' },
		{ "html", required_argument, NULL, 'M' },
		{ "work-dir", required_argument, NULL, 'w' },
		{ "quiet", no_argument, NULL, 'q' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	int c, rc = 0;

	optind = 1;
	while (!rc && (c = getopt_long(argc, argv, "d:b:c:t:w:qh", long_opts, NULL)) != -1) {
		switch (c) {
		case 'd': rc = add_item(o->detectors, &o->n_detectors, optarg, "detectors"); break;
		case 'b': o->base_dir = optarg; break;
		case 'c': rc = add_item(o->captures, &o->n_captures, optarg, "--capture"); break;
		case 'H': o->no_hash = 1; break;
		case 't': rc = parse_tolerance(optarg, &o->tolerance_s); break;
		case 'J': o->json = optarg; break;
		case 'M': o->html = optarg; break;
		case 'w': o->work_dir = optarg; break;
		case 'q': o->quiet = 1; break;
		case 'h': fputs(eval_usage, stdout); return -1;
		default: return 2;
		}
	}
	for (int i = optind; !rc && i < argc; i++)
		rc = add_item(o->manifests, &o->n_manifests, argv[i], "manifests");
	if (!rc && o->n_manifests == 0)
		return usage_error("%s", "no manifest given");
	if (!rc && o->n_detectors == 0)
		o->detectors[o->n_detectors++] = "kenchi";
	return rc;
}

/* The command line, for the report. */
static char *join_args(int argc, char **argv)
{
	size_t n = strlen("kenchi") + 1;
	for (int i = 0; i < argc; i++)
		n += strlen(argv[i]) + 1;
	char *s = kn_malloc(n), *p = s;
	if (!s)
		return NULL;
	p += sprintf(p, "kenchi");
	for (int i = 0; i < argc; i++)
		p += sprintf(p, " %s", argv[i]);
	return s;
}

static int make_work_dir(struct ev_opts *o, char *errbuf)
{
	if (o->work_dir) {
		snprintf(o->work, sizeof o->work, "%s", o->work_dir);
		return ev_mkdirs(o->work, errbuf);
	}
	const char *tmp = getenv("TMPDIR");
	snprintf(o->work, sizeof o->work, "%s/kenchi-eval-XXXXXX", tmp && *tmp ? tmp : "/tmp");
	if (!mkdtemp(o->work)) {
		snprintf(errbuf, KN_ERRBUF_SIZE, "cannot create a directory under %s: %s (set "
			 "TMPDIR or give --work-dir)", tmp && *tmp ? tmp : "/tmp", strerror(errno));
		return -1;
	}
	o->temp_work = 1;
	return 0;
}

int cmd_eval(int argc, char **argv)
{
	static struct ev_opts o;
	char errbuf[KN_ERRBUF_SIZE] = "";
	int rc;

	memset(&o, 0, sizeof o);
	o.tolerance_s = 1.0;
	if ((rc = parse_args(&o, argc, argv)) != 0)
		return rc < 0 ? 0 : rc;
	time_t now = time(NULL);
	strftime(o.created, sizeof o.created, "%Y-%m-%dT%H:%M:%SZ", gmtime(&now));
	if (!(o.command = join_args(argc, argv)))
		return fprintf(stderr, "kenchi eval: out of memory\n"), 1;
	if (make_work_dir(&o, errbuf) != 0) {
		fprintf(stderr, "kenchi eval: %s\n", errbuf);
		kn_free(o.command);
		return 1;
	}
	rc = ev_evaluate(&o);
	if (o.temp_work)
		ev_rmtree(o.work);
	kn_free(o.command);
	return rc;
}
