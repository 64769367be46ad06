/*
 * eval_cli.h - the parts of `kenchi eval` (eval.c: options and the run,
 * eval_run.c: capture staging and running detectors, eval_build.c: turning
 * scorer results into the report).
 */
#ifndef KN_CLI_EVAL_CLI_H
#define KN_CLI_EVAL_CLI_H

#include <stdint.h>

#include "kenchi/eval.h"
#include "kenchi/eval_detector.h"
#include "kenchi/eval_report.h"

/* The options of one `kenchi eval` run. */
struct ev_opts {
	const char *detectors[256];
	size_t n_detectors;
	const char *manifests[256];
	size_t n_manifests;
	const char *captures[256];   /* --capture filters */
	size_t n_captures;
	const char *base_dir, *json, *html, *work_dir;
	double tolerance_s;
	int no_hash, quiet;
	char work[4096];             /* the work directory in use */
	int temp_work;               /* made by this run: removed at the end */
	char created[32];            /* ISO time of the run */
	char *command;               /* the command line */
};

/* The whole evaluation (eval_score.c): returns the exit status. */
int ev_evaluate(const struct ev_opts *o);

/* A capture made ready for the detectors. */
struct ev_capture {
	size_t idx;            /* index in the dataset */
	char *pcap;            /* the plain capture file detectors read */
	int64_t *ts_ns;        /* packet times, n of them */
	uint64_t n;
	char sha256[65];       /* of the stored file, "" when not computed */
	char *error;           /* staging failed: the reason (capture left out) */
};

/* What running one detector on one capture gave. */
struct ev_outcome {
	struct kn_eval_alerts alerts;
	struct kn_eval_cost cost;
	char *error;           /* NULL, or why there are no findings */
	char *note;            /* NULL, or a remark (malformed lines skipped) */
	int missing;           /* 1: a precomputed output does not exist (left out) */
};

/* Makes c ready: a gzip-compressed capture is unpacked into workdir; the
 * packets' times are read; the sha256 of the stored file is computed when
 * the manifest gives none and hash is set. 0, or -1 with c->error set. */
int ev_stage(const struct kn_eval_capture *mc, struct ev_capture *c, const char *workdir,
	     int hash);
void ev_capture_fini(struct ev_capture *c);

/* Runs detector d on capture c (outdir exists and is empty) and reads its
 * findings. Always fills out (error set on failure). */
void ev_run(const struct kn_eval_detector *d, const struct kn_eval_capture *mc,
	    const struct ev_capture *c, const char *outdir, struct ev_outcome *out);
void ev_outcome_fini(struct ev_outcome *o);

/* The version a detector reports: its "version", else the first line of
 * its version_command's output, else "". A new string. */
char *ev_detector_version(const struct kn_eval_detector *d);

/* mkdir -p; 0 or -1 with errbuf. */
int ev_mkdirs(const char *path, char *errbuf);
/* rm -r of a directory this run made. */
void ev_rmtree(const char *path);

#endif
