/*
 * run_rules.h - the signature part of `kenchi run`: rule files, variables
 * and classification loaded into a rule set, compiled into the signature
 * engine, and a report of what loaded on stderr.
 */
#ifndef KN_CLI_RUN_RULES_H
#define KN_CLI_RUN_RULES_H

#include "kenchi/rules.h"
#include "kenchi/sig.h"

#define RUN_MAX_RULE_FILES 256

struct run_rules {
	const char *files[RUN_MAX_RULE_FILES];
	unsigned n_files;
	const char *vars_path;        /* --vars */
	const char *class_path;       /* --classification */
	const char *thresh_path;      /* --threshold-file */
	int strict;                   /* --strict-rules: a failed rule is fatal */
	const struct kn_ruleset *base; /* reload: the set being replaced (unchanged rules
					* are taken from it), cleared after loading */
	struct kn_rule_vars *vars;
	struct kn_ruleset *rs;
	struct kn_sig_engine *engine;
};

/* Adds a -S file: 0 or 2 (too many). */
int run_rules_add(struct run_rules *r, const char *path);
/* Loads and compiles (nothing without files). Prints a summary unless
 * quiet, and the failed rules (the first few, or all with strict). Returns
 * 0, or 1 (unreadable file, bad --vars/--classification, out of memory,
 * or a failed rule with strict). */
int run_rules_load(struct run_rules *r, int quiet);
void run_rules_free(struct run_rules *r);

/* The behaviour detectors' home networks from --vars HOME_NET when no
 * --home-net was given: a plain list of addresses and prefixes (brackets
 * and nesting allowed) of at most KN_DETECT_PREFIXES; anything else
 * (negation, variables, "any", too many) leaves the detectors' defaults,
 * with a note. 0, or 1 when the vars file cannot be read. */
struct kn_detect_config;
int run_home_from_vars(const char *vars_path, struct kn_detect_config *d, int quiet);

/* Live reload (SIGHUP): a thread that, when run_reload_request() was
 * called, loads the same files again into a new engine, hands it to the
 * running engine (kn_engine_set_sig) and frees the previous rules once no
 * worker uses them. A reload that fails leaves the running rules alone. */
struct kn_engine;
struct run_reload;
struct run_reload *run_reload_start(struct run_rules *initial, struct kn_engine *e, int quiet);
void run_reload_request(void);   /* async-signal-safe */
/* Stops the thread (before the engine is freed); the rules it still holds
 * are freed by run_reload_free() after the engine. */
void run_reload_stop(struct run_reload *r);
void run_reload_free(struct run_reload *r);

#endif
