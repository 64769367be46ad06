/*
 * report_json.c - the machine-readable report of a `kenchi eval` run: the
 * stable JSON document described in include/kenchi/eval_report.h, written
 * to PATH.tmp and renamed over PATH.
 *
 * The document is streamed (a curve can have a point per distinct score),
 * indented two spaces; tpr_at_fpr and each curve's points are on one
 * line. Strings go through the project's JSON escaper
 * (src/util/json.h: always valid JSON in valid UTF-8 whatever the bytes).
 * Numbers are written so they read back as the same double (report_util.c)
 * and metrics are always reals ("1.0"), counts integers. A metric that does
 * not apply (NaN), a cost not measured (negative), an unknown capture
 * packet count (0) or sha256 ("") and a missing delay are null. Curves are
 * written whole, not thinned: "roc" is null when undefined (negatives
 * unknown), "pr" is an array (empty when the group has no attack item),
 * and "curve" itself is null for a detector without scores.
 */
#include "eval/report_int.h"

#include <math.h>
#include <string.h>

#include "eval/eval_int.h"
#include "util/alloc.h"
#include "util/json.h"

/* Longest string written (a longer one fails the report: no silent cut). */
#define JW_STRING_MAX (64u << 20)

struct jw {
	FILE *f;
	struct kn_json esc;   /* scratch: one escaped string at a time */
	unsigned depth;       /* open objects and arrays */
	unsigned inl;         /* depth from which members share one line; 0 none */
	uint64_t used;        /* bit d: the container at depth d has a member */
	int err;              /* -KN_ENOMEM: a string could not be escaped */
};

static void jw_string(struct jw *w, const char *s)
{
	const char *t;

	kn_json_reset(&w->esc);
	kn_json_str(&w->esc, NULL, s);
	if (!(t = kn_json_text(&w->esc, NULL))) {
		w->err = -KN_ENOMEM;
		t = "null";
	}
	fputs(t, w->f);
}

/* The comma, line break and indentation before a member, then its key. */
static void jw_member(struct jw *w, const char *key)
{
	if (w->depth) {
		uint64_t bit = 1ull << (w->depth & 63);
		int had = (w->used & bit) != 0;
		if (had)
			fputc(',', w->f);
		if (w->inl && w->depth >= w->inl) {
			if (had)
				fputc(' ', w->f);
		} else {
			fprintf(w->f, "\n%*s", (int)(2 * w->depth), "");
		}
		w->used |= bit;
	}
	if (key) {
		jw_string(w, key);
		fputs(": ", w->f);
	}
}

/* Opens '{' or '['; inline: its members stay on this line. */
static void jw_open(struct jw *w, const char *key, char c, int inl)
{
	jw_member(w, key);
	fputc(c, w->f);
	w->depth++;
	w->used &= ~(1ull << (w->depth & 63));
	if (inl && !w->inl)
		w->inl = w->depth;
}

static void jw_close(struct jw *w, char c)
{
	uint64_t bit = 1ull << (w->depth & 63);
	int on_line = w->inl && w->depth >= w->inl;

	if ((w->used & bit) && !on_line)
		fprintf(w->f, "\n%*s", (int)(2 * (w->depth - 1)), "");
	fputc(c, w->f);
	if (w->inl == w->depth)
		w->inl = 0;
	w->depth--;
}

static void jw_str(struct jw *w, const char *key, const char *s)
{
	jw_member(w, key);
	if (s)
		jw_string(w, s);
	else
		fputs("null", w->f);
}

static void jw_null(struct jw *w, const char *key)
{
	jw_member(w, key);
	fputs("null", w->f);
}

static void jw_u64(struct jw *w, const char *key, uint64_t v)
{
	jw_member(w, key);
	fprintf(w->f, "%llu", (unsigned long long)v);
}

/* A real; null when NaN or infinite. */
static void jw_real(struct jw *w, const char *key, double v)
{
	char buf[REPORT_NUM_MAX];
	const char *t = report_fmt_json(buf, v);

	jw_member(w, key);
	fputs(t ? t : "null", w->f);
}

/* A measured cost; null when not measured (negative). */
static void jw_cost(struct jw *w, const char *key, double v)
{
	if (v < 0)
		jw_null(w, key);
	else
		jw_real(w, key, v);
}

/* ----------------------------------------------------------- members */

static void jw_delay(struct jw *w, const char *key, const struct kn_eval_summary *s,
		     double v)
{
	if (s->delay_n == 0)
		jw_null(w, key);
	else
		jw_real(w, key, v);
}

/* precision .. tpr_at_fpr of a summary. */
static void jw_rates(struct jw *w, const struct kn_eval_summary *s, int roc_side)
{
	jw_real(w, "precision", s->precision);
	jw_real(w, "recall", s->recall);
	jw_real(w, "f1", s->f1);
	jw_real(w, "roc_auc", s->roc_auc);
	jw_real(w, "pr_auc", s->pr_auc);
	if (!roc_side)
		return;
	jw_real(w, "eer", s->eer);
	jw_open(w, "tpr_at_fpr", '{', 1);
	jw_real(w, "0.001", s->tpr_at_fpr_0001);
	jw_real(w, "0.01", s->tpr_at_fpr_001);
	jw_close(w, '}');
}

static void jw_costs(struct jw *w, const struct kn_eval_cost *c)
{
	jw_cost(w, "wall_s", c->wall_s);
	jw_cost(w, "cpu_s", c->cpu_s);
	jw_cost(w, "peak_rss_kb", c->peak_rss_kb);
	jw_cost(w, "pkts_per_s", c->pkts_per_s);
}

static int jw_points(struct jw *w, const char *key, const struct kn_eval_curve *c, int roc)
{
	struct report_xy *p;
	size_t n;
	int rc = roc ? report_roc_points(c, &p, &n) : report_pr_points(c, &p, &n);

	if (rc)
		return rc;
	if (roc && n == 0) {
		jw_null(w, key);
		return 0;
	}
	jw_open(w, key, '[', 1);
	for (size_t i = 0; i < n; i++) {
		jw_open(w, NULL, '[', 1);
		jw_real(w, NULL, p[i].x);
		jw_real(w, NULL, p[i].y);
		jw_close(w, ']');
	}
	jw_close(w, ']');
	kn_free(p);
	return 0;
}

static int jw_curve(struct jw *w, const struct kn_eval_curve *c)
{
	int rc;

	if (!c) {
		jw_null(w, "curve");
		return 0;
	}
	jw_open(w, "curve", '{', 0);
	if ((rc = jw_points(w, "roc", c, 1)) != 0 || (rc = jw_points(w, "pr", c, 0)) != 0)
		return rc;
	jw_close(w, '}');
	return 0;
}

static void jw_class(struct jw *w, const char *name, const struct kn_eval_summary *s)
{
	jw_open(w, NULL, '{', 0);
	jw_str(w, "class", name);
	jw_u64(w, "items", s->c.items);
	jw_u64(w, "tp", s->c.tp);
	jw_u64(w, "fn", s->c.fn);
	jw_rates(w, s, 0);
	jw_delay(w, "delay_s", s, s->delay_mean_s);
	jw_close(w, '}');
}

static void jw_capres(struct jw *w, const char *name, const struct kn_eval_report_capres *cr)
{
	const struct kn_eval_summary *s = &cr->s;

	jw_open(w, NULL, '{', 0);
	jw_str(w, "name", name);
	jw_u64(w, "tp", s->c.tp);
	jw_u64(w, "fp", s->c.fp);
	jw_u64(w, "fn", s->c.fn);
	jw_rates(w, s, 1);
	jw_delay(w, "delay_s", s, s->delay_mean_s);
	jw_costs(w, &cr->cost);
	jw_u64(w, "alerts", s->c.alerts);
	jw_str(w, "error", cr->error);
	jw_close(w, '}');
}

/* The packets a detector ran over: a count, or null when not measured. */
static void jw_packets(struct jw *w, double v)
{
	if (v >= 0 && v < 1.8e19 && v == floor(v))
		jw_u64(w, "packets", (uint64_t)v);
	else
		jw_cost(w, "packets", v);
}

/* One detector's result on one group. */
static int jw_result(struct jw *w, const struct kn_eval_report_group *grp,
		     const struct kn_eval_report_result *res)
{
	const struct kn_eval_summary *s = &res->all;

	jw_open(w, NULL, '{', 0);
	jw_str(w, "name", grp->dataset);
	jw_str(w, "grain", kn_eval_grain_name(grp->grain));
	jw_u64(w, "tp", s->c.tp);
	jw_u64(w, "fp", s->c.fp);
	jw_u64(w, "fn", s->c.fn);
	jw_rates(w, s, 1);
	jw_delay(w, "delay_s", s, s->delay_mean_s);
	jw_costs(w, &res->cost);
	jw_u64(w, "items", s->c.items);
	jw_u64(w, "alerts", s->c.alerts);
	jw_u64(w, "alerts_false", s->c.alerts_false);
	jw_u64(w, "labels", s->c.labels);
	jw_u64(w, "labels_detected", s->c.labels_detected);
	jw_delay(w, "delay_max_s", s, s->delay_max_s);
	jw_packets(w, res->cost.packets);
	jw_open(w, "errors", '[', 0);
	for (size_t e = 0; e < res->n_errors; e++)
		jw_str(w, NULL, res->errors[e]);
	jw_close(w, ']');
	jw_open(w, "classes", '[', 0);
	for (size_t c = 0; c < grp->n_classes && res->classes; c++)
		jw_class(w, grp->classes[c], &res->classes[c]);
	jw_close(w, ']');
	jw_open(w, "captures", '[', 0);
	for (size_t c = 0; c < grp->n_captures && res->captures; c++)
		jw_capres(w, grp->captures[c].name, &res->captures[c]);
	jw_close(w, ']');
	if (jw_curve(w, res->curve))
		return -KN_ENOMEM;
	jw_close(w, '}');
	return 0;
}

static void jw_group(struct jw *w, const struct kn_eval_report_group *grp)
{
	jw_open(w, NULL, '{', 0);
	jw_str(w, "name", grp->dataset);
	jw_str(w, "grain", kn_eval_grain_name(grp->grain));
	jw_str(w, "manifest", grp->manifest);
	jw_str(w, "manifest_sha256", grp->manifest_sha256);
	jw_open(w, "captures", '[', 0);
	for (size_t c = 0; c < grp->n_captures; c++) {
		const struct kn_eval_report_capture *cap = &grp->captures[c];
		jw_open(w, NULL, '{', 0);
		jw_str(w, "name", cap->name);
		jw_str(w, "file", cap->file);
		jw_str(w, "sha256", cap->sha256 && *cap->sha256 ? cap->sha256 : NULL);
		if (cap->packets)
			jw_u64(w, "packets", cap->packets);
		else
			jw_null(w, "packets");
		jw_close(w, '}');
	}
	jw_close(w, ']');
	jw_close(w, '}');
}

static int jw_detector(struct jw *w, const struct kn_eval_report *r, size_t d)
{
	const struct kn_eval_report_detector *det = &r->detectors[d];

	jw_open(w, NULL, '{', 0);
	jw_str(w, "name", det->name);
	jw_str(w, "kind", det->kind);
	jw_str(w, "version", det->version);
	jw_str(w, "command", det->command);
	jw_str(w, "config", det->config);
	if (det->part_of)
		jw_str(w, "part_of", det->part_of);
	jw_open(w, "datasets", '[', 0);
	for (size_t g = 0; g < r->n_groups; g++)
		if (jw_result(w, &r->groups[g], &det->results[g]))
			return -KN_ENOMEM;
	jw_close(w, ']');
	jw_close(w, '}');
	return 0;
}

static int jw_report(struct jw *w, const struct kn_eval_report *r)
{
	jw_open(w, NULL, '{', 0);
	jw_u64(w, "kenchi_eval_report", KN_EVAL_REPORT_VERSION);
	jw_str(w, "created", r->created);
	jw_str(w, "kenchi_version", r->kenchi_version);
	jw_str(w, "command", r->command);
	jw_real(w, "tolerance_s", r->tolerance_s);
	jw_open(w, "datasets", '[', 0);
	for (size_t g = 0; g < r->n_groups; g++)
		jw_group(w, &r->groups[g]);
	jw_close(w, ']');
	jw_open(w, "detectors", '[', 0);
	for (size_t d = 0; d < r->n_detectors; d++)
		if (jw_detector(w, r, d))
			return -KN_ENOMEM;
	jw_close(w, ']');
	jw_close(w, '}');
	fputc('\n', w->f);
	return w->err;
}

int kn_eval_report_json(const struct kn_eval_report *r, const char *path, char *errbuf)
{
	struct report_file rf;
	struct jw w;
	int rc;

	memset(&w, 0, sizeof w);
	if (kn_json_init(&w.esc, 256, JW_STRING_MAX * 6 + 64) != 0)
		return eval_fail(errbuf, -KN_ENOMEM, "%s: out of memory", path ? path : "report");
	if ((rc = report_file_open(&rf, path, errbuf)) != 0) {
		kn_json_fini(&w.esc);
		return rc;
	}
	w.f = rf.f;
	if ((rc = jw_report(&w, r)) != 0) {
		report_file_abort(&rf);
		kn_json_fini(&w.esc);
		return eval_fail(errbuf, rc, "%s: out of memory while writing the report", path);
	}
	kn_json_fini(&w.esc);
	return report_file_commit(&rf, errbuf);
}
