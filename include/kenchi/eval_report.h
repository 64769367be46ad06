/*
 * eval_report.h - the results of one `kenchi eval` run and the three ways
 * of writing them: a terminal table, machine-readable JSON and a
 * self-contained HTML page with ROC and PR curves drawn as inline SVG.
 *
 * The report is plain data filled by the caller (the `kenchi eval` command)
 * from kn_eval_scorer summaries and curves plus what it measured while
 * running the detectors; the writers only read it. All strings and arrays
 * are borrowed: the caller owns them and keeps them alive while writing.
 *
 * Layout: detectors x groups. A GROUP is the captures of one dataset that
 * share one grain (a manifest whose captures have several grains makes one
 * group per grain; the JSON's `datasets` entries are groups, told apart by
 * `name` and `grain`). Every detector has one result per group, in the same
 * order as report->groups.
 *
 * Stable JSON (other tools read it; names never change, new keys may be
 * added). One object:
 *   {"kenchi_eval_report": 1, "created": ISO time, "kenchi_version",
 *    "command": argv joined, "tolerance_s",
 *    "datasets": [{"name", "grain", "manifest", "manifest_sha256",
 *                  "captures": [{"name", "file", "sha256", "packets"}]}],
 *    "detectors": [{"name", "kind", "version", "command", "config",
 *       "datasets": [{"name", "grain", "tp", "fp", "fn", "precision",
 *          "recall", "f1", "roc_auc", "pr_auc", "eer",
 *          "tpr_at_fpr": {"0.001", "0.01"}, "delay_s", "wall_s", "cpu_s",
 *          "peak_rss_kb", "pkts_per_s",
 *          extensions: "items", "alerts", "alerts_false", "labels",
 *          "labels_detected", "delay_max_s", "packets", "errors": [text],
 *          "classes": [{"class", "items", "tp", "fn", "precision",
 *                       "recall", "f1", "roc_auc", "pr_auc", "delay_s"}],
 *          "captures": [{"name", "tp", "fp", "fn", "precision", "recall",
 *                        "f1", "roc_auc", "pr_auc", "eer", "tpr_at_fpr",
 *                        "delay_s", "wall_s", "cpu_s", "peak_rss_kb",
 *                        "pkts_per_s", "alerts", "error"}],
 *          "curve": {"roc": [[fpr, tpr]...] or null, "pr": [[recall,
 *                    precision]...]}}]}]}
 * A metric that does not apply (NaN in a summary, a cost not measured:
 * negative) is JSON null. delay_s is the mean detection delay.
 */
#ifndef KENCHI_EVAL_REPORT_H
#define KENCHI_EVAL_REPORT_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "kenchi/eval.h"

/* The version of the JSON document ("kenchi_eval_report": 1). */
#define KN_EVAL_REPORT_VERSION 1

/* What running a detector on captures cost. A value not measured is < 0
 * (a precomputed output has no cost: every field -1). */
struct kn_eval_cost {
	double wall_s;        /* elapsed seconds */
	double cpu_s;         /* user + system CPU seconds (children included) */
	double peak_rss_kb;   /* largest resident set of one run, KiB */
	double packets;       /* packets in the captures run */
	double pkts_per_s;    /* packets / wall_s */
};

/* One capture of a group, as the report names it. */
struct kn_eval_report_capture {
	const char *name;     /* the manifest's capture name */
	const char *file;     /* the file read (resolved path) */
	const char *sha256;   /* of the file as stored, hex; "" when not computed */
	uint64_t packets;     /* 0 when unknown */
};

/* The captures of one dataset with one grain. */
struct kn_eval_report_group {
	const char *dataset;        /* dataset name */
	uint8_t grain;              /* enum kn_eval_grain (never MIXED) */
	const char *manifest;       /* the manifest file as given */
	const char *manifest_sha256;/* hex of the manifest file's bytes */
	const struct kn_eval_report_capture *captures;
	size_t n_captures;
	const char *const *classes; /* attack classes of this group's labels */
	size_t n_classes;
};

/* One capture's result for one detector. */
struct kn_eval_report_capres {
	struct kn_eval_summary s;   /* this capture alone */
	struct kn_eval_cost cost;
	const char *error;          /* NULL, or why the detector produced nothing
	                               for it (counted as no alerts) */
};

/* One detector on one group. */
struct kn_eval_report_result {
	struct kn_eval_summary all;              /* every capture of the group */
	const struct kn_eval_summary *classes;   /* group->n_classes, same order */
	const struct kn_eval_curve *curve;       /* overall curve, NULL when unscored */
	const struct kn_eval_report_capres *captures;  /* group->n_captures */
	struct kn_eval_cost cost;                /* summed over the captures run
	                                            (peak_rss_kb: the largest) */
	const char *const *errors;               /* problems worth the reader's eye */
	size_t n_errors;
};

struct kn_eval_report_detector {
	const char *name;
	const char *kind;       /* "kenchi", "command", "files" */
	const char *version;    /* as configured or measured; "" unknown */
	const char *command;    /* the command template / options / file pattern */
	const char *config;     /* the config file read, "" when built in */
	const struct kn_eval_report_result *results;  /* one per group */
	const char *part_of;    /* a part's whole detector ("kenchi" for
	                           "kenchi.port_scan"), NULL for a whole one */
};

struct kn_eval_report {
	const char *created;        /* ISO 8601 UTC time of the run */
	const char *kenchi_version;
	const char *command;        /* the kenchi eval command line */
	double tolerance_s;
	const struct kn_eval_report_group *groups;
	size_t n_groups;
	const struct kn_eval_report_detector *detectors;
	size_t n_detectors;
};

/* The terminal table: one block per group, one line per detector (tp, fp,
 * fn, precision, recall, F1, ROC AUC, PR AUC, TPR@0.1%, delay, pkts/s),
 * then per class. Column widths fit the names. */
void kn_eval_report_text(FILE *out, const struct kn_eval_report *r);

/* The JSON document above, one line-broken object. 0, or -KN_EIO with the
 * reason (file named) in errbuf (-KN_ENOMEM when memory ran out). The file
 * is written as PATH.tmp and renamed over PATH; an existing non-regular
 * file (a device, a FIFO) is written in place. */
KN_WARN_UNUSED int kn_eval_report_json(const struct kn_eval_report *r, const char *path,
				       char *errbuf);

/* A self-contained HTML page (no script, no external resource): per group
 * the summary table of all detectors, ROC and PR plots (inline SVG, one
 * colour per detector, axes with ticks, legend), the per-class table and
 * the per-capture table; at the end the provenance (datasets with
 * hashes, detectors with versions and commands, the eval command line).
 * Text is HTML-escaped. 0, or -KN_EIO with errbuf (-KN_ENOMEM when memory
 * ran out); written like the JSON (PATH.tmp renamed over PATH). */
KN_WARN_UNUSED int kn_eval_report_html(const struct kn_eval_report *r, const char *path,
				       char *errbuf);

#endif
