/*
 * rules.c - `kenchi rules check`: loads Suricata rules files with the
 * detect stage's parser and reports, per file, the rules seen, loaded and
 * failed; then every failed rule (file:line:column, sid, keyword, reason and
 * fix), the failures grouped by keyword, and a per-keyword support table
 * (rules using it, whether the engine matches it or only parses it).
 * Exit status: 0 all rules loaded, 1 some rule failed or a file could not be
 * read, 2 usage error.
 */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "kenchi/rules.h"
#include "kenchi/sig.h"

static void usage(FILE *out)
{
	fprintf(out,
		"usage: kenchi rules check [options] FILE...\n"
		"       kenchi rules profile [options] -r CAPTURE RULES... (see its --help)\n\n"
		"Parses Suricata 7 rules files and lists every rule that does not load,\n"
		"with file:line:column, the keyword and the fix, then how many rules use\n"
		"each keyword and whether kenchi's engine matches it or only parses it.\n\n"
		"options:\n"
		"  --vars FILE            address/port groups: a suricata.yaml (vars:) or\n"
		"                         'NAME: value' lines (default: Suricata's stock values)\n"
		"  --classification FILE  classification.config: classtypes are checked\n"
		"                         against it (default: none, any classtype loads)\n"
		"  -q, --quiet            only the counts and the failed rules\n"
		"  --engine               also build the engine and list each loaded rule:\n"
		"                         its fast pattern (the literal the prefilter looks\n"
		"                         for) or why the engine leaves it out\n"
		"  -h, --help             this help\n\n"
		"exit status: 0 every rule loaded, 1 a rule failed or a file was unreadable,\n"
		"2 usage error\n");
}

static void print_failures(const struct kn_ruleset *rs)
{
	size_t n = kn_ruleset_error_count(rs);
	if (!n)
		return;
	printf("\nfailed rules (%zu):\n", n);
	for (size_t i = 0;; i++) {
		const struct kn_rule_error *e = kn_ruleset_error(rs, i);
		if (!e)
			break;
		printf("%s:%u:%u: sid %u: %s: %s\n", e->file, e->line, e->column, e->sid,
		       e->keyword, e->message);
	}
	if (n > 100000)
		printf("... and %zu more (only the first 100000 are kept)\n", n - 100000);
}

/* Failures counted by keyword, most frequent first. */
static void print_reasons(const struct kn_ruleset *rs)
{
	struct reason { const char *kw; size_t n; } top[64];
	size_t nt = 0;
	for (size_t i = 0;; i++) {
		const struct kn_rule_error *e = kn_ruleset_error(rs, i);
		if (!e)
			break;
		size_t k = 0;
		while (k < nt && strcmp(top[k].kw, e->keyword))
			k++;
		if (k == nt && nt < 64)
			top[nt++] = (struct reason){ e->keyword, 0 };
		if (k < nt)
			top[k].n++;
	}
	if (!nt)
		return;
	for (size_t i = 1; i < nt; i++)
		for (size_t j = i; j > 0 && top[j].n > top[j - 1].n; j--) {
			struct reason t = top[j];
			top[j] = top[j - 1];
			top[j - 1] = t;
		}
	printf("\nfailures by keyword:\n");
	for (size_t i = 0; i < nt; i++)
		printf("  %-24s %zu\n", top[i].kw, top[i].n);
}

static void print_support(const struct kn_ruleset *rs)
{
	printf("\nkeywords used (rules using each; 'parsed only' = loads, not matched yet):\n");
	printf("  %-24s %8s  %s\n", "keyword", "rules", "supported");
	for (unsigned k = 0; k < kn_rule_keyword_count(); k++) {
		uint64_t n = kn_ruleset_keyword_rules(rs, k);
		if (n)
			printf("  %-24s %8llu  %s\n", kn_rule_keyword_name(k),
			       (unsigned long long)n,
			       kn_rule_keyword_supported(k) ? "yes" : "parsed only");
	}
}

static int plain_byte(uint8_t c)
{
	return c >= 0x20 && c < 0x7f && c != '|' && c != '"' && c != ';' && c != '\\';
}

/* A literal as rules write it: text, |hex hex| for the other bytes. */
static void print_literal(const uint8_t *p, uint32_t n)
{
	for (uint32_t i = 0; i < n; i++) {
		if (plain_byte(p[i])) {
			putchar(p[i]);
			continue;
		}
		putchar('|');
		for (;; i++) {
			printf("%02x", p[i]);
			if (i + 1 >= n || plain_byte(p[i + 1]))
				break;
			putchar(' ');
		}
		putchar('|');
	}
}

/* Each loaded rule: its fast pattern, or why the engine leaves it out. */
static int print_engine(const struct kn_ruleset *rs)
{
	char err[KN_ERRBUF_SIZE];
	struct kn_sig_build_stats st;
	struct kn_sig_engine *e = kn_sig_engine_new(rs, &st, err);
	if (!e) {
		fprintf(stderr, "kenchi rules check: the engine cannot be built: %s\n", err);
		return 1;
	}
	printf("\nengine: %zu of %zu loaded rules (fast pattern: the literal the prefilter "
	       "looks for):\n", kn_sig_engine_compiled(e), kn_ruleset_count(rs));
	for (size_t i = 0; i < kn_ruleset_count(rs); i++) {
		const struct kn_rule *r = kn_ruleset_rule(rs, i);
		const char *why = kn_sig_engine_skip_reason(e, i), *buf;
		const uint8_t *b;
		uint32_t n;
		int nocase;
		if (!r)
			continue;
		printf("%s:%u: sid %u: ", r->file, r->line, r->sid);
		if (why) {
			printf("not in the engine: %s\n", why);
		} else if (kn_sig_engine_fast_pattern(e, i, &buf, &b, &n, &nocase)) {
			printf("fast pattern %s \"", buf);
			print_literal(b, n);
			printf("\"%s\n", nocase ? " nocase" : "");
		} else {
			printf("no fast pattern: evaluated on every packet or transaction it "
			       "may apply to\n");
		}
	}
	kn_sig_engine_free(e);
	return 0;
}

static int check(int argc, char **argv)
{
	static const struct option longs[] = {
		{ "vars", required_argument, NULL, 'v' },
		{ "classification", required_argument, NULL, 'c' },
		{ "quiet", no_argument, NULL, 'q' },
		{ "engine", no_argument, NULL, 'e' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	const char *vars_path = NULL, *class_path = NULL;
	int quiet = 0, engine = 0, opt, status = 0;
	char err[KN_ERRBUF_SIZE];
	optind = 1;
	while ((opt = getopt_long(argc, argv, "qh", longs, NULL)) != -1) {
		switch (opt) {
		case 'v': vars_path = optarg; break;
		case 'c': class_path = optarg; break;
		case 'q': quiet = 1; break;
		case 'e': engine = 1; break;
		case 'h': usage(stdout); return 0;
		default: usage(stderr); return 2;
		}
	}
	if (optind >= argc) {
		fprintf(stderr, "kenchi rules check: give at least one rules file\n");
		usage(stderr);
		return 2;
	}
	struct kn_rule_vars *vars = kn_rule_vars_new(err);
	struct kn_ruleset *rs = NULL;
	if (!vars || (vars_path && kn_rule_vars_load_file(vars, vars_path, err)) ||
	    !(rs = kn_ruleset_new(vars, err)) ||
	    (class_path && kn_ruleset_load_classification(rs, class_path, err))) {
		fprintf(stderr, "kenchi rules check: %s\n", err);
		kn_ruleset_free(rs);
		kn_rule_vars_free(vars);
		return 1;
	}
	struct kn_rules_file_stats tot = { 0 };
	for (int i = optind; i < argc; i++) {
		struct kn_rules_file_stats st;
		if (kn_ruleset_load_file(rs, argv[i], &st, err)) {
			fprintf(stderr, "kenchi rules check: %s\n", err);
			status = 1;
			continue;
		}
		printf("%s: %llu rules, %llu loaded, %llu failed, %llu with parsed-only "
		       "keywords", argv[i], (unsigned long long)st.rules,
		       (unsigned long long)st.loaded, (unsigned long long)st.failed,
		       (unsigned long long)st.unsupported);
		if (st.replaced)
			printf(", %llu replaced an earlier rev", (unsigned long long)st.replaced);
		printf("\n");
		tot.rules += st.rules, tot.loaded += st.loaded, tot.failed += st.failed;
		tot.unsupported += st.unsupported;
	}
	printf("total: %llu rules, %llu loaded (%.2f%%), %llu failed, %llu with parsed-only "
	       "keywords\n", (unsigned long long)tot.rules, (unsigned long long)tot.loaded,
	       tot.rules ? 100.0 * (double)tot.loaded / (double)tot.rules : 100.0,
	       (unsigned long long)tot.failed, (unsigned long long)tot.unsupported);
	print_failures(rs);
	if (!quiet) {
		print_reasons(rs);
		print_support(rs);
	}
	if (engine && print_engine(rs))
		status = 1;
	if (tot.failed)
		status = 1;
	kn_ruleset_free(rs);
	kn_rule_vars_free(vars);
	return status;
}

int cmd_rules(int argc, char **argv)
{
	if (argc < 2 || !strcmp(argv[1], "-h") || !strcmp(argv[1], "--help")) {
		usage(argc < 2 ? stderr : stdout);
		return argc < 2 ? 2 : 0;
	}
	if (!strcmp(argv[1], "check"))
		return check(argc - 1, argv + 1);
	if (!strcmp(argv[1], "profile"))
		return cmd_rules_profile(argc - 1, argv + 1);
	fprintf(stderr, "kenchi rules: '%s' is not a rules command (try 'check' or 'profile')\n",
		argv[1]);
	return 2;
}
