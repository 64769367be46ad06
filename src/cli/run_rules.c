/*
 * run_rules.c - loads the rule files of `kenchi run -S` into a rule set
 * (with --vars and --classification, else the classification.config beside
 * the first rule file, as rule distributions ship it) and compiles the
 * signature engine. One line says what loaded and what the engine left
 * out; failed rules are listed with file, line, column and reason.
 */
#include <malloc.h>
#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "cli/run_rules.h"
#include "kenchi/detector.h"
#include "kenchi/engine.h"
#include "util/alloc.h"

int run_rules_add(struct run_rules *r, const char *path)
{
	if (r->n_files >= RUN_MAX_RULE_FILES) {
		fprintf(stderr, "kenchi run: too many rule files (at most %d)\n", RUN_MAX_RULE_FILES);
		return 2;
	}
	r->files[r->n_files++] = path;
	return 0;
}

/* classification.config in the directory of path, when there is one. */
static int sibling_classification(const char *path, char *out, size_t n)
{
	const char *slash = strrchr(path, '/');
	int len = slash ? (int)(slash - path) : 1;
	snprintf(out, n, "%.*s/classification.config", len, slash ? path : ".");
	return access(out, R_OK) == 0;
}

static int setup(struct run_rules *r, char *err)
{
	char cls[4096];
	r->vars = kn_rule_vars_new(err);
	if (!r->vars)
		return 1;
	if (r->vars_path && kn_rule_vars_load_file(r->vars, r->vars_path, err) != 0)
		return 1;
	r->rs = kn_ruleset_new(r->vars, err);
	if (!r->rs)
		return 1;
	const char *cp = r->class_path;
	if (!cp && sibling_classification(r->files[0], cls, sizeof cls))
		cp = cls;
	if (cp && kn_ruleset_load_classification(r->rs, cp, err) != 0)
		return 1;
	return 0;
}

static void list_errors(const struct kn_ruleset *rs, size_t max)
{
	size_t n = kn_ruleset_error_count(rs);
	for (size_t i = 0; i < n && i < max; i++) {
		const struct kn_rule_error *e = kn_ruleset_error(rs, i);
		fprintf(stderr, "kenchi run: %s:%u:%u: %s%s%s (sid %u)\n", e->file, e->line,
			e->column, e->keyword && *e->keyword ? e->keyword : "",
			e->keyword && *e->keyword ? ": " : "", e->message, e->sid);
	}
	if (n > max)
		fprintf(stderr, "kenchi run: ... and %zu more failed rules "
			"(kenchi rules check FILE lists them all)\n", n - max);
}

static void summary(const struct run_rules *r, uint64_t failed, const struct kn_sig_build_stats *st)
{
	fprintf(stderr,
		"kenchi run: rules: %llu loaded from %u file%s, %llu failed; %llu in the "
		"engine (%llu use keywords not matched yet, %llu protocols not parsed, %llu "
		"other), %llu fast patterns in %llu databases (%.1f MiB), built in %.2f s\n",
		(unsigned long long)kn_ruleset_count(r->rs), r->n_files, r->n_files == 1 ? "" : "s",
		(unsigned long long)failed, (unsigned long long)st->compiled,
		(unsigned long long)st->skipped_unsupported, (unsigned long long)st->skipped_app,
		(unsigned long long)st->skipped_other, (unsigned long long)st->patterns,
		(unsigned long long)st->databases, (double)st->db_bytes / (1024.0 * 1024.0),
		st->seconds);
}

int run_rules_load(struct run_rules *r, int quiet)
{
	char err[KN_ERRBUF_SIZE] = "";
	uint64_t failed = 0;
	struct kn_sig_build_stats st;

	if (!r->n_files)
		return 0;
	if (setup(r, err)) {
		fprintf(stderr, "kenchi run: %s\n", err);
		return 1;
	}
	/* a reload takes the unchanged rules from the set it replaces */
	if (r->base && kn_ruleset_reuse_from(r->rs, r->base) < 0) {
		fprintf(stderr, "kenchi run: rule reload: out of memory\n");
		return 1;
	}
	for (unsigned i = 0; i < r->n_files; i++) {
		struct kn_rules_file_stats fs;
		if (kn_ruleset_load_file(r->rs, r->files[i], &fs, err) != 0) {
			fprintf(stderr, "kenchi run: %s\n", err);
			return 1;
		}
		failed += fs.failed;
	}
	kn_ruleset_reuse_end(r->rs);
	r->base = NULL;
	if (failed && (r->strict || !quiet))
		list_errors(r->rs, r->strict ? (size_t)-1 : 5);
	if (failed && r->strict) {
		fprintf(stderr, "kenchi run: %llu rule%s failed to load and --strict-rules is set; "
			"fix them or drop --strict-rules\n", (unsigned long long)failed,
			failed == 1 ? "" : "s");
		return 1;
	}
	r->engine = kn_sig_engine_new(r->rs, &st, err);
	if (!r->engine) {
		fprintf(stderr, "kenchi run: %s\n", err);
		return 1;
	}
	/* Hyperscan's compiler and the parser free a lot when done: give those
	 * pages back now rather than keep them in the heap for the whole run */
	malloc_trim(0);
	if (r->thresh_path) {
		struct kn_sig_thresh_stats ts;
		if (kn_sig_engine_load_thresholds(r->engine, r->thresh_path, &ts, err) != 0) {
			fprintf(stderr, "kenchi run: %s\n", err);
			return 1;
		}
		if (!quiet)
			fprintf(stderr, "kenchi run: %s: %llu suppress, %llu threshold, %llu "
				"rate_filter entries applied; %llu rate_filter entries with drop or "
				"reject not applied (IPS verdicts; kenchi only watches)\n",
				r->thresh_path, (unsigned long long)ts.suppress,
				(unsigned long long)ts.threshold, (unsigned long long)ts.rate_filter,
				(unsigned long long)ts.rate_filter_ignored);
	}
	if (!quiet)
		summary(r, failed, &st);
	return 0;
}

void run_rules_free(struct run_rules *r)
{
	kn_sig_engine_free(r->engine);
	kn_ruleset_free(r->rs);
	kn_rule_vars_free(r->vars);
	r->engine = NULL;
	r->rs = NULL;
	r->vars = NULL;
}

/* ------------------------------------------------------------ reload */

static volatile sig_atomic_t reload_wanted;

struct run_reload {
	pthread_t thread;
	struct kn_engine *eng;
	struct run_rules *cur;        /* the rules the engine was last given */
	struct run_rules *old;        /* replaced, freed once no worker uses them */
	struct run_rules *initial;    /* cmd_run's own (not heap) */
	int quiet;
	atomic_int done;
};

void run_reload_request(void)
{
	reload_wanted = 1;
}

static void sleep_ms(long ms)
{
	struct timespec ts = { ms / 1000, (ms % 1000) * 1000000L };
	nanosleep(&ts, NULL);
}

static void release(struct run_reload *r, struct run_rules *rules)
{
	run_rules_free(rules);
	if (rules != r->initial)
		kn_free(rules);
}

static void reload_once(struct run_reload *r)
{
	struct timespec t0, t1;
	struct run_rules *next = kn_calloc(1, sizeof *next);
	if (!next) {
		fprintf(stderr, "kenchi run: rule reload: out of memory; the previous rules stay\n");
		return;
	}
	clock_gettime(CLOCK_MONOTONIC, &t0);
	memcpy(next->files, r->cur->files, sizeof next->files);
	next->n_files = r->cur->n_files;
	next->vars_path = r->cur->vars_path;
	next->class_path = r->cur->class_path;
	next->thresh_path = r->cur->thresh_path;
	next->strict = r->cur->strict;
	next->base = r->cur->rs;
	if (run_rules_load(next, 1) != 0) {
		fprintf(stderr, "kenchi run: rule reload failed (see above); the previous rules "
			"stay in use\n");
		release(r, next);
		return;
	}
	kn_engine_set_sig(r->eng, next->engine);
	r->old = r->cur;
	r->cur = next;
	clock_gettime(CLOCK_MONOTONIC, &t1);
	if (!r->quiet)
		fprintf(stderr, "kenchi run: rules reloaded: %zu rules (%zu unchanged, shared "
			"with the previous set), %llu in the engine, built in %.2f s; workers "
			"switch at their next packet\n",
			kn_ruleset_count(next->rs), kn_ruleset_reused(next->rs),
			(unsigned long long)kn_sig_engine_compiled(next->engine),
			(double)(t1.tv_sec - t0.tv_sec) + (double)(t1.tv_nsec - t0.tv_nsec) / 1e9);
	/* the previous rules go once every worker has moved on */
	while (!atomic_load(&r->done) && kn_engine_sig_in_use(r->eng, r->old->engine))
		sleep_ms(10);
	if (!kn_engine_sig_in_use(r->eng, r->old->engine)) {
		release(r, r->old);
		r->old = NULL;
	}
}

static void *reload_main(void *arg)
{
	struct run_reload *r = arg;
	while (!atomic_load(&r->done)) {
		if (reload_wanted && !r->old) {
			reload_wanted = 0;
			reload_once(r);
		}
		sleep_ms(50);
	}
	return NULL;
}

struct run_reload *run_reload_start(struct run_rules *initial, struct kn_engine *e, int quiet)
{
	struct run_reload *r = kn_calloc(1, sizeof *r);
	if (!r)
		return NULL;
	r->eng = e;
	r->cur = r->initial = initial;
	r->quiet = quiet;
	if (pthread_create(&r->thread, NULL, reload_main, r) != 0) {
		kn_free(r);
		return NULL;
	}
	return r;
}

void run_reload_stop(struct run_reload *r)
{
	if (!r)
		return;
	atomic_store(&r->done, 1);
	pthread_join(r->thread, NULL);
}

void run_reload_free(struct run_reload *r)
{
	if (!r)
		return;
	if (r->old)
		release(r, r->old);
	release(r, r->cur);
	kn_free(r);
}

/* HOME_NET's value without brackets and blanks into out; 0 when it is not
 * a plain list (negation, a variable, "any"). */
static int plain_list(const char *v, char *out, size_t n)
{
	size_t k = 0;

	if (strchr(v, '!') || strchr(v, '$') || strstr(v, "any"))
		return 0;
	for (; *v && k + 1 < n; v++)
		if (*v != '[' && *v != ']' && *v != ' ' && *v != '\t' && *v != '"' && *v != '\'')
			out[k++] = *v;
	out[k] = '\0';
	return *v == '\0' && k > 0;
}

int run_home_from_vars(const char *vars_path, struct kn_detect_config *d, int quiet)
{
	char err[KN_ERRBUF_SIZE], list[1024];
	struct kn_rule_vars *v;
	const char *home;
	int k = 0;

	if (!vars_path || d->n_home_nets)
		return 0;
	if (!(v = kn_rule_vars_new(err)) || kn_rule_vars_load_file(v, vars_path, err) != 0) {
		fprintf(stderr, "kenchi run: %s\n", err);
		kn_rule_vars_free(v);
		return 1;
	}
	home = kn_rule_vars_get(v, KN_VAR_ADDRESS, "HOME_NET");
	if (home && plain_list(home, list, sizeof list))
		k = kn_detect_parse_prefixes(list, d->home_nets, KN_DETECT_PREFIXES, err);
	if (k > 0) {
		d->n_home_nets = (unsigned)k;
		if (!quiet)
			fprintf(stderr, "kenchi run: behaviour detectors' home networks: %s (HOME_NET "
				"of %s)\n", list, vars_path);
	} else if (home && !quiet) {
		fprintf(stderr, "kenchi run: HOME_NET of %s (%.200s) is not a plain list of at most "
			"%u prefixes; the behaviour detectors keep their default internal networks "
			"(give --home-net LIST)\n", vars_path, home, KN_DETECT_PREFIXES);
	}
	kn_rule_vars_free(v);
	return 0;
}
