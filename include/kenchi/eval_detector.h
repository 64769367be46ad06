/*
 * eval_detector.h - how `kenchi eval` runs a detector and where it finds its
 * findings: the detector config file (docs/eval-detectors.md) and the
 * placeholder templates in it.
 *
 * A detector is one of three kinds:
 *   kenchi   kenchi's own sensor, run in-process (a forked child per
 *            capture, so its CPU time and peak memory are measured alone),
 *            with extra `kenchi run` options;
 *   command  any program, run per capture from a shell command template
 *            ({pcap}, {outdir}, ...), whose findings are read from an output
 *            path template afterwards;
 *   files    precomputed outputs, one per capture, found by a path template
 *            (Suricata's reference EVE files: "{name}.eve.json.gz").
 * and writes one of the formats eval reads: EVE JSON, Zeek notice/weird
 * logs, Snort 3 alert_json or a scored CSV.
 *
 * Config (JSON, "kenchi_detector": 1), e.g.
 *   {"kenchi_detector": 1, "name": "suricata-7.0.4-ref", "kind": "files",
 *    "files": "../../shared/data/ref/suricata/{name}.eve.json.gz",
 *    "version": "7.0.4"}
 * Relative paths in "files" are resolved against the config file's
 * directory.
 */
#ifndef KENCHI_EVAL_DETECTOR_H
#define KENCHI_EVAL_DETECTOR_H

#include <stddef.h>

#include "kenchi/kenchi.h"

#define KN_EVAL_DETECTOR_VERSION 1
#define KN_EVAL_PARTS_MAX 64     /* "parts" a config may list */

enum kn_eval_det_kind {
	KN_EVAL_DET_KENCHI = 0,
	KN_EVAL_DET_COMMAND = 1,
	KN_EVAL_DET_FILES = 2,
};

enum kn_eval_format {
	KN_EVAL_FMT_EVE = 0,
	KN_EVAL_FMT_ZEEK = 1,    /* notice.log + weird.log (JSON or TSV) */
	KN_EVAL_FMT_SNORT = 2,   /* Snort 3 alert_json */
	KN_EVAL_FMT_CSV = 3,     /* scored CSV */
};

/* "kenchi", "command", "files" / "eve", "zeek", "snort", "csv"; NULL out of range. */
const char *kn_eval_det_kind_name(unsigned kind);
const char *kn_eval_format_name(unsigned fmt);

struct kn_eval_detector {
	char *name;            /* unique in a report; [A-Za-z0-9._+-], 1..64 bytes */
	char *description;     /* "" when absent */
	char *version;         /* as configured, "" when absent */
	char *version_command; /* shell command whose first output line is the
	                          version, NULL when absent */
	uint8_t kind;          /* enum kn_eval_det_kind */
	uint8_t format;        /* enum kn_eval_format */
	unsigned eve_types;    /* KN_EVAL_EVE_* mask (EVE only) */
	char *command;         /* command: the shell template */
	char *output;          /* command: output path template; files: path template */
	char **args;           /* kenchi: extra `kenchi run` options */
	size_t n_args;
	double timeout_s;      /* command and kenchi: per capture, 0 = none */
	int tz_offset_min;     /* snort: the sensor's zone, minutes east of UTC */
	char **parts;          /* "parts": names of the tool's own detectors
	                          (EVE anomaly.detector) scored apart as well,
	                          each as a row "NAME.PART" */
	size_t n_parts;
	char *config;          /* the config file read, "" when built in */
	char *base_dir;        /* the config file's directory */
};

/* Reads a detector config; NULL with errbuf naming the file, the key and
 * the fix ("d.json: kind: \"sim\" is not a kind; use kenchi, command or
 * files"). Unknown keys are errors (a typo would change what is scored). */
KN_WARN_UNUSED struct kn_eval_detector *kn_eval_detector_load_file(const char *path,
								   char *errbuf);
KN_WARN_UNUSED struct kn_eval_detector *kn_eval_detector_load_mem(const char *name,
	const void *data, size_t len, const char *base_dir, char *errbuf);
/* The built-in detector "kenchi": kind kenchi, no extra options, EVE
 * alerts and detection anomalies. NULL when out of memory. */
KN_WARN_UNUSED struct kn_eval_detector *kn_eval_detector_builtin(void);
void kn_eval_detector_free(struct kn_eval_detector *d);

/* What placeholders stand for. NULL members are left unexpanded (an error
 * when the template uses them). */
struct kn_eval_subst {
	const char *pcap;      /* {pcap}: the capture file to read (plain pcap) */
	const char *outdir;    /* {outdir}: the directory for this run's output */
	const char *name;      /* {name}: the manifest's capture name */
	const char *path;      /* {path}: the capture path as in the manifest */
	const char *stem;      /* {stem}: file name of {path} without directories
	                          and without .gz / .pcap / .pcapng */
};

/* Expands {pcap} {outdir} {name} {path} {stem} in tmpl ("{{" and "}}" are
 * literal braces). shell_quote 1 wraps each value in single quotes for
 * /bin/sh (values are paths of any bytes). Returns 0 with a new string in
 * *out (kn_free it), or -KN_EINVAL with errbuf naming the unknown or
 * unset placeholder, -KN_ENOMEM. */
KN_WARN_UNUSED int kn_eval_expand(const char *tmpl, const struct kn_eval_subst *s,
				  int shell_quote, char **out, char *errbuf);

#endif
