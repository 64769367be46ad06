/*
 * rules_profile.c - `kenchi rules profile`: runs the signature engine over
 * capture files with one worker and profiling on, then prints the rules
 * that cost the most time (evaluations, matches, total and per evaluation)
 * and what each prefilter group cost (scans, bytes, time). Events go
 * nowhere: this measures, it does not report alerts.
 */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "cli/run_rules.h"
#include "kenchi/engine.h"

#define PROFILE_MAX_FILES 256

static void usage(FILE *out)
{
	fprintf(out,
		"usage: kenchi rules profile [options] -r CAPTURE [-r ...] RULES...\n\n"
		"Runs the rules over the captures (one worker, no output) and lists the\n"
		"rules and prefilter buffers that took the most time.\n\n"
		"options:\n"
		"  -r, --read FILE          capture to run (repeatable)\n"
		"  -n, --top N              rules listed (default 20)\n"
		"      --vars FILE          address/port groups (suricata.yaml or NAME VALUE)\n"
		"      --classification FILE  classification.config\n"
		"      --threshold-file FILE  threshold.config\n"
		"  -h, --help               this help\n\n"
		"exit status: 0 done, 1 a capture or rules file could not be read, 2 usage\n");
}

struct prof_row {
	size_t rule;
	uint64_t ns;
};

static int row_cmp(const void *a, const void *b)
{
	const struct prof_row *x = a, *y = b;
	return (x->ns < y->ns) - (x->ns > y->ns);
}

static void print_rules(const struct kn_ruleset *rs, const struct kn_sig_profile *p, unsigned top,
			double total_ns)
{
	struct prof_row *rows = calloc(p->n_rules + 1, sizeof *rows);
	size_t n = 0;
	if (!rows)
		return;
	for (size_t i = 0; i < p->n_rules; i++)
		if (p->rule[i].checks)
			rows[n++] = (struct prof_row){ i, p->rule[i].ns };
	qsort(rows, n, sizeof *rows, row_cmp);
	printf("\nrules by time (%zu evaluated; top %u):\n", n, top);
	printf("  %10s %10s %8s %10s %9s %6s  %s\n", "sid", "checks", "matches", "total ms",
	       "ns/check", "share", "msg");
	for (size_t k = 0; k < n && k < top; k++) {
		const struct kn_sig_rule_prof *r = &p->rule[rows[k].rule];
		const struct kn_rule *rule = kn_ruleset_rule(rs, rows[k].rule);
		printf("  %10u %10llu %8llu %10.2f %9.0f %5.1f%%  %.60s\n", rule->sid,
		       (unsigned long long)r->checks, (unsigned long long)r->matches,
		       (double)r->ns / 1e6, (double)r->ns / (double)r->checks,
		       total_ns > 0 ? 100.0 * (double)r->ns / total_ns : 0.0, rule->msg);
	}
	free(rows);
}

static void print_groups(const struct kn_sig_profile *p, double *scan_ns)
{
	char name[64];
	*scan_ns = 0;
	printf("\nprefilter (Hyperscan) by buffer:\n");
	printf("  %-32s %10s %10s %10s %9s\n", "buffer", "scans", "MB", "total ms", "ns/scan");
	for (unsigned g = 0; g < p->n_groups; g++) {
		const struct kn_sig_group_prof *gp = &p->group[g];
		if (!gp->scans)
			continue;
		*scan_ns += (double)gp->ns;
		printf("  %-32s %10llu %10.2f %10.2f %9.0f\n", kn_sig_profile_group_name(g, name, sizeof name),
		       (unsigned long long)gp->scans, (double)gp->bytes / 1e6, (double)gp->ns / 1e6,
		       (double)gp->ns / (double)gp->scans);
	}
}

static int run_profile(struct run_rules *rr, const char *const *files, unsigned n_files,
		       unsigned top)
{
	char err[KN_ERRBUF_SIZE] = "";
	struct kn_engine_config cfg;
	struct kn_engine_totals t;
	struct kn_sig_profile *prof = kn_sig_profile_new(rr->engine);
	if (!prof) {
		fprintf(stderr, "kenchi rules profile: out of memory\n");
		return 1;
	}
	kn_engine_config_default(&cfg);
	cfg.files = files;
	cfg.n_files = n_files;
	cfg.workers = 1;
	cfg.eve_kind = KN_EVE_FILE;
	cfg.eve_path = "/dev/null";
	cfg.stats_interval_ms = 0;
	cfg.sig = rr->engine;
	cfg.sig_cfg.profile = prof;
	struct kn_engine *e = kn_engine_new(&cfg, err);
	int rc = e ? kn_engine_run(e, err) : -1;
	if (rc != 0) {
		fprintf(stderr, "kenchi rules profile: %s\n", err);
		kn_engine_free(e);
		kn_sig_profile_free(prof);
		return 1;
	}
	kn_engine_totals(e, &t);
	double rule_ns = 0, scan_ns = 0;
	for (size_t i = 0; i < prof->n_rules; i++)
		rule_ns += (double)prof->rule[i].ns;
	printf("%llu packets in %.2f s; %llu alerts\n", (unsigned long long)t.packets, t.wall_s,
	       (unsigned long long)t.alerts);
	print_groups(prof, &scan_ns);
	print_rules(rr->rs, prof, top, rule_ns);
	printf("\ntime: prefilter scans %.1f ms, rule evaluations %.1f ms (%.0f%% and %.0f%% of "
	       "the run's %.2f s)\n", scan_ns / 1e6, rule_ns / 1e6,
	       t.wall_s > 0 ? scan_ns / 1e7 / t.wall_s : 0.0,
	       t.wall_s > 0 ? rule_ns / 1e7 / t.wall_s : 0.0, t.wall_s);
	kn_engine_free(e);
	kn_sig_profile_free(prof);
	return 0;
}

int cmd_rules_profile(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "read", required_argument, NULL, 'r' }, { "top", required_argument, NULL, 'n' },
		{ "vars", required_argument, NULL, 'v' },
		{ "classification", required_argument, NULL, 'c' },
		{ "threshold-file", required_argument, NULL, 't' },
		{ "help", no_argument, NULL, 'h' }, { NULL, 0, NULL, 0 },
	};
	static struct run_rules rr;
	const char *files[PROFILE_MAX_FILES];
	unsigned n_files = 0, top = 20;
	int c;

	memset(&rr, 0, sizeof rr);
	optind = 1;
	while ((c = getopt_long(argc, argv, "r:n:h", opts, NULL)) != -1) {
		switch (c) {
		case 'r':
			if (n_files == PROFILE_MAX_FILES)
				return fprintf(stderr, "kenchi rules profile: too many captures\n"), 2;
			files[n_files++] = optarg;
			break;
		case 'n': top = (unsigned)strtoul(optarg, NULL, 10); break;
		case 'v': rr.vars_path = optarg; break;
		case 'c': rr.class_path = optarg; break;
		case 't': rr.thresh_path = optarg; break;
		case 'h': usage(stdout); return 0;
		default: usage(stderr); return 2;
		}
	}
	for (int i = optind; i < argc; i++)
		if (run_rules_add(&rr, argv[i]) != 0)
			return 2;
	if (!n_files || !rr.n_files || top == 0) {
		fprintf(stderr, "kenchi rules profile: give -r CAPTURE and at least one rules file "
			"(see --help)\n");
		return 2;
	}
	int rc = run_rules_load(&rr, 0);
	if (rc == 0)
		rc = run_profile(&rr, files, n_files, top);
	run_rules_free(&rr);
	return rc;
}
