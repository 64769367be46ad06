/*
 * train_dga.c - `kenchi train-dga`: trains the DGA name model (anomaly.h
 * "DGA names") from text files and saves it for `kenchi run --dga-model`.
 *
 * Files are read line by line (any size); a line that is not a usable word
 * or name is skipped and counted, and the first such line of each file is
 * named in the summary, so a wrong file (a CSV, a zone file) shows at once.
 * A file with no usable line at all is an error.
 */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "kenchi/anomaly.h"

#define MAX_FILES 1023 /* DGA groups 1..KN_DGA_MAX_GROUPS - 1 */
#define DEFAULT_WORDS "/usr/share/dict/american-english"

static const char train_dga_usage[] =
	"usage: kenchi train-dga -o MODEL -b NAMES [-b NAMES ...] [-d NAMES ...] [options]\n"
	"\n"
	"Trains the DGA name model that 'kenchi run --dga-model MODEL' scores every\n"
	"DNS query name with (the dga detector): a character trigram model of\n"
	"normal labels from a word list and the benign names, a dictionary for word\n"
	"segmentation, and, given known DGA names, a classifier fitted on the benign\n"
	"names against them. The threshold is set on the benign names (--fpr).\n"
	"Every file holds one word or DNS name a line.\n"
	"\n"
	"  -o, --output MODEL   where to write the model\n"
	"  -b, --benign FILE    DNS names of ordinary traffic, e.g. your resolver's\n"
	"                       log or a top-sites list (repeatable; 20 names at least)\n"
	"  -d, --dga FILE       known DGA names, one malware family a file\n"
	"                       (repeatable; none: the language model alone scores)\n"
	"  -w, --words FILE     word list (default " DEFAULT_WORDS ",\n"
	"                       Debian's wamerican)\n"
	"      --fpr X          share of the benign names allowed to score above the\n"
	"                       threshold, in (0, 0.5] (default 0.01)\n"
	"  -q, --quiet          no summary\n"
	"  -h, --help           this help\n"
	"\n"
	"Exit status: 0 saved, 1 input or output error, 2 usage.\n";

struct src {
	const char *path;
	enum kn_dga_kind kind;
};

struct dga_opts {
	struct src files[2 * MAX_FILES + 1];
	unsigned n_files, n_benign, n_dga;
	const char *out, *words;
	double fpr;
	int quiet;
};

static const struct option long_opts[] = {
	{ "output", required_argument, NULL, 'o' },
	{ "benign", required_argument, NULL, 'b' },
	{ "dga", required_argument, NULL, 'd' },
	{ "words", required_argument, NULL, 'w' },
	{ "fpr", required_argument, NULL, 'f' },
	{ "quiet", no_argument, NULL, 'q' },
	{ "help", no_argument, NULL, 'h' },
	{ NULL, 0, NULL, 0 },
};

static int bad(const char *opt, const char *val, const char *want)
{
	fprintf(stderr,
		"kenchi train-dga: invalid %s '%s': expected %s (see kenchi train-dga --help)\n",
		opt, val, want);
	return 2;
}

static int add_src(struct dga_opts *o, const char *path, enum kn_dga_kind kind, unsigned *count)
{
	if (*count >= MAX_FILES)
		return bad(kind == KN_DGA_DGA ? "-d" : "-b", path, "at most 1023 such files");
	(*count)++;
	o->files[o->n_files++] = (struct src){ path, kind };
	return 0;
}

static int parse_args(struct dga_opts *o, int argc, char **argv)
{
	int c, rc;
	char *end;

	optind = 1;
	while ((c = getopt_long(argc, argv, "o:b:d:w:qh", long_opts, NULL)) != -1) {
		switch (c) {
		case 'h': fputs(train_dga_usage, stdout); return -1;
		case 'o': o->out = optarg; break;
		case 'w': o->words = optarg; break;
		case 'q': o->quiet = 1; break;
		case 'b':
			if ((rc = add_src(o, optarg, KN_DGA_BENIGN, &o->n_benign)) != 0)
				return rc;
			break;
		case 'd':
			if ((rc = add_src(o, optarg, KN_DGA_DGA, &o->n_dga)) != 0)
				return rc;
			break;
		case 'f':
			errno = 0;
			o->fpr = strtod(optarg, &end);
			if (errno || end == optarg || *end || !(o->fpr > 0 && o->fpr <= 0.5))
				return bad("--fpr", optarg, "a number above 0, at most 0.5");
			break;
		default: fprintf(stderr, "see 'kenchi train-dga --help'\n"); return 2;
		}
	}
	if (optind < argc) {
		fprintf(stderr, "kenchi train-dga: unexpected argument '%s': name files with -b "
			"(benign) or -d (DGA) (see --help)\n", argv[optind]);
		return 2;
	}
	if (!o->out || !o->n_benign) {
		fprintf(stderr, "kenchi train-dga: %s; usage: kenchi train-dga -o MODEL -b NAMES "
			"(see --help)\n", !o->out ? "no -o MODEL given" :
			"no -b NAMES given (benign DNS names, one a line: the threshold is set on "
			"them)");
		return 2;
	}
	return 0;
}

struct tally {
	unsigned long long lines, added, skipped, first_skipped;
};

/* Adds every line of path as kind into tr; 0, or 1 with the reason printed
 * (unreadable, out of memory, no usable line). */
static int add_file(struct kn_dga_trainer *tr, const char *path, enum kn_dga_kind kind,
		    struct tally *t)
{
	static const char *const what[] = { "word", "DNS name", "DNS name" };
	FILE *f = fopen(path, "rb");
	char *line = NULL;
	size_t cap = 0;
	ssize_t n;
	int rc = 0;

	memset(t, 0, sizeof *t);
	if (!f) {
		fprintf(stderr, "kenchi train-dga: %s: %s\n", path, strerror(errno));
		return 1;
	}
	while ((n = getline(&line, &cap, f)) >= 0) {
		t->lines++;
		int r = kn_dga_trainer_add(tr, line, (size_t)n - (n > 0 && line[n - 1] == '\n'),
					   kind);
		if (r < 0) {
			fprintf(stderr, "kenchi train-dga: %s line %llu: out of memory\n", path,
				t->lines);
			rc = 1;
			break;
		}
		if (r == 1) {
			t->added++;
		} else if (strspn(line, " \t\r\n") < (size_t)n) { /* blank lines are no error */
			if (!t->skipped++)
				t->first_skipped = t->lines;
		}
	}
	if (!rc && ferror(f)) {
		fprintf(stderr, "kenchi train-dga: %s: %s\n", path, strerror(errno));
		rc = 1;
	}
	if (!rc && !t->added) {
		fprintf(stderr, "kenchi train-dga: %s: no usable %s in its %llu line%s (one %s a "
			"line%s)\n", path, what[kind], t->lines, t->lines == 1 ? "" : "s",
			what[kind], kind == KN_DGA_WORD ? ", letters only" : ", e.g. www.example.com");
		rc = 1;
	}
	free(line);
	fclose(f);
	return rc;
}

static void report(const char *path, enum kn_dga_kind kind, const struct tally *t)
{
	static const char *const what[] = { "word", "benign name", "DGA name" };
	fprintf(stderr, "  %s: %llu %s%s", path, t->added, what[kind], t->added == 1 ? "" : "s");
	if (t->skipped)
		fprintf(stderr, ", %llu line%s skipped (%s; the first: line %llu)", t->skipped,
			t->skipped == 1 ? "" : "s",
			kind == KN_DGA_WORD ? "not letters only" : "no scorable label",
			t->first_skipped);
	fputc('\n', stderr);
}

static int train_dga(const struct dga_opts *o)
{
	char err[KN_ERRBUF_SIZE];
	struct kn_dga_trainer *tr = kn_dga_trainer_new(err);
	struct kn_dga_model *m = NULL;
	struct tally t, tw;
	unsigned long long benign = 0, dga = 0;
	unsigned group = 0;
	int rc = 1;

	if (!tr) {
		fprintf(stderr, "kenchi train-dga: %s\n", err);
		return 1;
	}
	if (add_file(tr, o->words, KN_DGA_WORD, &tw) != 0) {
		if (!strcmp(o->words, DEFAULT_WORDS))
			fprintf(stderr, "kenchi train-dga: install Debian's word list (apt-get install "
				"wamerican) or give another with --words FILE\n");
		goto out;
	}
	if (!o->quiet) {
		fprintf(stderr, "kenchi train-dga: reading\n");
		report(o->words, KN_DGA_WORD, &tw);
	}
	for (unsigned i = 0; i < o->n_files; i++) {
		const struct src *s = &o->files[i];
		if (s->kind == KN_DGA_DGA && kn_dga_trainer_group(tr, ++group) != 0)
			goto out; /* cannot happen: at most MAX_FILES groups */
		if (add_file(tr, s->path, s->kind, &t) != 0)
			goto out;
		*(s->kind == KN_DGA_DGA ? &dga : &benign) += t.added;
		if (!o->quiet)
			report(s->path, s->kind, &t);
	}
	if (!(m = kn_dga_trainer_finish(tr, o->fpr, err))) {
		fprintf(stderr, "kenchi train-dga: %s%s\n", err,
			benign < 20 ? "; give more ordinary DNS names with -b" : "");
		goto out;
	}
	if (kn_dga_model_save_file(m, o->out, err) != 0) {
		fprintf(stderr, "kenchi train-dga: %s\n", err);
		goto out;
	}
	if (!o->quiet) {
		fprintf(stderr, "kenchi train-dga: %s: %llu words, %llu benign names, ", o->out,
			tw.added, benign);
		if (dga)
			fprintf(stderr, "%llu DGA names of %u famil%s (language model and classifier)",
				dga, group, group == 1 ? "y" : "ies");
		else
			fprintf(stderr, "no DGA names (language model alone)");
		fprintf(stderr, "; threshold %.4f (%.3g%% of the benign names above it)\n",
			kn_dga_model_threshold(m), 100 * o->fpr);
	}
	rc = 0;
out:
	kn_dga_model_free(m);
	kn_dga_trainer_free(tr);
	return rc;
}

int cmd_train_dga(int argc, char **argv)
{
	struct dga_opts o;
	int rc;

	memset(&o, 0, sizeof o);
	o.words = DEFAULT_WORDS;
	o.fpr = 0.01;
	if ((rc = parse_args(&o, argc, argv)) != 0)
		return rc < 0 ? 0 : rc;
	return train_dga(&o);
}
