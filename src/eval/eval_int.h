/*
 * eval_int.h - names shared between the files of the evaluation harness
 * (src/eval): error formatting, the JSON-path cursor used in manifest
 * messages (manifest.c, manifest_label.c, manifest_file.c), and the
 * per-capture matching that the scorer drives (match.c, scorer.c).
 *
 * src/eval reads only what detectors write and the operator's manifest; it
 * uses src/util for allocation and hashing and nothing else of kenchi.
 */
#ifndef KN_EVAL_EVAL_INT_H
#define KN_EVAL_EVAL_INT_H

#include <stddef.h>
#include <stdint.h>

#include <jansson.h>

#include "kenchi/eval.h"

/* Writes the message into errbuf (KN_ERRBUF_SIZE) when errbuf is not NULL
 * and returns rc. */
int eval_fail(char *errbuf, int rc, const char *fmt, ...) KN_PRINTF(3, 4);

/* ------------------------------------------------------- manifest.c */

/* Where in the manifest the loader is: "captures[2].labels[0].end". */
struct eval_jpath {
	char s[256];
	size_t len;
};

/* Appends ".key" (or "key" at the root) / "[i]"; return the length to
 * restore with eval_jpath_pop. Over-long paths are cut, never overflow. */
size_t eval_jpath_key(struct eval_jpath *p, const char *key);
size_t eval_jpath_idx(struct eval_jpath *p, size_t i);
void eval_jpath_pop(struct eval_jpath *p, size_t len);

/* The state of one manifest load. */
struct eval_load {
	struct kn_eval_dataset *ds;
	const char *name;              /* the manifest's name in messages */
	const struct kn_eval_load_opts *opts;
	struct eval_jpath path;
	char *errbuf;
	const char *doc;               /* the format's documentation named in
	                                  messages; NULL: docs/eval-manifest.md */
};

/* "NAME: PATH: message" into errbuf; returns rc. */
int eval_load_err(struct eval_load *l, int rc, const char *fmt, ...) KN_PRINTF(3, 4);

/* Fails with the first key of obj not in the NULL-terminated list. */
int eval_check_keys(struct eval_load *l, json_t *obj, const char *const *known);

/* Typed members of obj (path set to the key in messages). *present says
 * whether the key was there; a missing required key is an error. */
int eval_get_str(struct eval_load *l, json_t *obj, const char *key, int required,
		 const char **out);
int eval_get_uint(struct eval_load *l, json_t *obj, const char *key, uint64_t min,
		  uint64_t max, uint64_t *out, int *present);
int eval_get_time(struct eval_load *l, json_t *obj, const char *key, int64_t *out,
		  int *present);
/* The class index of the "class" member (interned into ds->classes). */
int eval_get_class(struct eval_load *l, json_t *obj, const char *key, uint32_t *out);

/* ------------------------------------------------- manifest_label.c */

/* Parses capture->labels from the "labels" array (grain already set).
 * The path points at the capture. */
int eval_labels_load(struct eval_load *l, struct kn_eval_capture *c, json_t *labels);
/* Checks every packet range of c against n packets; the message names the
 * label and range. */
int eval_labels_check_packets(const struct kn_eval_capture *c, uint64_t n, const char *who,
			      char *errbuf);
void eval_labels_free(struct kn_eval_capture *c);

/* -------------------------------------------------- manifest_file.c */

/* Reads a whole regular file of at most max bytes into a new buffer
 * (kn_free it; NULL with *len 0 for an empty file). 0, -KN_EIO, -KN_EINVAL
 * (too big), -KN_ENOMEM; errbuf names the file. */
int eval_read_file(const char *path, size_t max, char **out, size_t *len, char *errbuf);

/* Resolves c->path against the base directory into c->file, then (per
 * opts->skip_files) checks the file and its sha256. */
int eval_capture_file(struct eval_load *l, struct kn_eval_capture *c);

/* The directory part of a path ("." when none); a new string. */
char *eval_dirname(const char *path);

/* ---------------------------------------------------------- match.c */

/* What one label gathered while a capture was matched. */
struct eval_lab {
	uint64_t items, detected, alerts;
	int64_t first_ns, start_ns;   /* INT64_MIN when none / unknown */
};

/* The result of matching one capture's alerts: label tallies, samples and
 * counts, committed to the scorer in one step (scorer.c). */
struct eval_cap {
	const struct kn_eval_dataset *ds;
	const struct kn_eval_capture *cap;
	const struct kn_eval_packets *pk;   /* NULL: no packet times */
	uint64_t n_packets;                 /* known count, 0 unknown */
	int64_t tol;
	struct eval_lab *lab;               /* cap->n_labels */
	uint64_t *cls_alerts;               /* alerts matching each class */
	uint32_t *cls_seen;                 /* last alert (+1) counted per class */
	struct kn_eval_sample *samples;
	size_t n_samples, cap_samples;
	struct kn_eval_counts c;            /* alerts*, fp (items/tp come from lab) */
	uint64_t neg_unranked;
	int neg_known, scored;
};

/* Matches alerts[0..n) against ec->cap's labels at its grain, filling ec
 * (allocated by the caller with eval_cap_init). 0, -KN_EINVAL (message),
 * -KN_ENOMEM. */
int eval_match(struct eval_cap *ec, const struct kn_eval_alert *alerts, size_t n,
	       char *errbuf);
int eval_cap_init(struct eval_cap *ec, const struct kn_eval_dataset *ds, size_t capture);
void eval_cap_fini(struct eval_cap *ec);

/* The score an alert contributes to a sample (NaN -> +inf). */
double eval_alert_score(const struct kn_eval_alert *a);


/* ---------------------------------------------------------- lines.c */

/* The line reader of the alert loaders (eve.c, zeek.c, snort.c, csv.c) and
 * the helpers the adapters share. Limits default as in struct kn_eval_eve_opts. */
#define EVAL_DEFAULT_MAX_LINE (16u << 20)
#define EVAL_DEFAULT_MAX_ALERTS (1u << 26)
/* Bytes of a signature kept; longer text is cut. */
#define EVAL_MAX_SIGNATURE 1023

struct eval_lines {
	const char *name;              /* the input's name in messages */
	const char *tag;               /* prefix of the reasons kept ("weird.log: "), or NULL */
	size_t max_line;               /* longer lines are malformed ("line too long") */
	struct kn_eval_eve_stats *st;  /* lines and malformed lines are counted here */
	uint64_t line;                 /* the current line of this input, 1-based */
	char *errbuf;
	/* Handles one line without its '\n' (nor a '\r' before it): 0, or a
	 * negative -KN_E* code that stops reading (errbuf set). */
	int (*fn)(void *arg, const char *s, size_t len);
	void *arg;
};

/* Every line of buf[0..len) (the last may lack its '\n'), or of the file at
 * path (plain or gzip; reading buffers at most max_line + 1 bytes). 0, the
 * first error of fn, -KN_EIO (open, read, truncated gzip), -KN_ENOMEM. */
int eval_lines_mem(struct eval_lines *r, const char *buf, size_t len);
int eval_lines_file(struct eval_lines *r, const char *path);
/* Counts the current line as malformed, keeping the reason (after r->tag)
 * among the first KN_EVAL_EVE_BAD_KEPT. */
void eval_lines_bad(struct eval_lines *r, const char *fmt, ...) KN_PRINTF(2, 3);
/* Appends a unless the list holds max_alerts already (-KN_EFULL); counts it
 * in st->alerts. 0, -KN_EFULL, -KN_ENOMEM (errbuf names input and line). */
int eval_lines_push(struct eval_lines *r, struct kn_eval_alerts *l, size_t max_alerts,
		    const struct kn_eval_alert *a);
/* The JSON object on a line (json_decref it), or NULL after counting the
 * line malformed ("invalid JSON at column N: ...", "not a JSON object"). */
json_t *eval_lines_json(struct eval_lines *r, const char *s, size_t len);
/* The text of a JSON string without an embedded NUL, else NULL. */
const char *eval_json_str(json_t *v);
/* The event's "proto": a name (unknown names: -1) or a number 0..255 into
 * *out (absent: *out untouched). 0, or -1 when it is neither. */
int eval_json_proto(json_t *ev, int16_t *out);
/* s[0..n) cut at EVAL_MAX_SIGNATURE bytes (and at a NUL) into buf, which
 * holds EVAL_MAX_SIGNATURE + 1 bytes; returns buf. */
char *eval_sig_copy(char *buf, const char *s, size_t n);
/* An ICMP alert with an IPv6 address is ICMPv6 (58): Zeek and Snort name
 * both "icmp". */
void eval_fix_icmp6(struct kn_eval_alert *a);

#endif
