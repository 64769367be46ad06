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

#endif
