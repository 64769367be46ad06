/*
 * report_html.c - the HTML report of a `kenchi eval` run: one
 * self-contained HTML5 file (inline <style> and inline <svg>, no script,
 * no font, image or link to fetch) that a browser opens from disk.
 *
 * Per group: a heading, the summary table (a row per detector, the metrics
 * of the terminal table), the detectors' errors, the ROC and PR plots
 * (report_svg.c), the per-class and the per-capture tables. At the end a
 * "Reproduce" section: when and with what the run was made, each dataset's
 * manifest and capture files with their hashes, each detector's kind,
 * version, command and config. Every name and text from the run is
 * HTML-escaped (names come from user files). The palette of the detector
 * curves is in <meta name="kenchi-palette"> for tools that check a
 * rendering (tests/integration/html_shot.py). Written to PATH.tmp and
 * renamed over PATH.
 */
#include "eval/report_int.h"

#include <math.h>
#include <string.h>

#include "eval/eval_int.h"

#define N_OF(a) (sizeof(a) / sizeof((a)[0]))

static const char page_style[] =
	"body{font-family:system-ui,-apple-system,\"Segoe UI\",Roboto,\"Helvetica Neue\","
	"Arial,sans-serif;color:#222;background:#fff;line-height:1.4;max-width:1240px;"
	"margin:1.5em auto;padding:0 1em}\n"
	"h1{font-size:1.5em;margin-bottom:.2em}\n"
	"h2{font-size:1.25em;border-bottom:1px solid #ccc;padding-bottom:.2em;margin-top:2em}\n"
	"h3{font-size:1.05em;margin-top:1.4em}\n"
	".sub{color:#555;font-weight:normal}\n"
	"table{border-collapse:collapse;margin:.4em 0 1em;font-size:.88em}\n"
	"th,td{border:1px solid #ccc;padding:.2em .55em;vertical-align:top}\n"
	"th{background:#f2f2f2;text-align:left;font-weight:600}\n"
	"td.n{text-align:right;font-variant-numeric:tabular-nums;white-space:nowrap}\n"
	"td.err,li.err{color:#a40000}\n"
	"code,pre{font-family:ui-monospace,SFMono-Regular,Menlo,Consolas,monospace;"
	"font-size:.88em}\n"
	"pre{background:#f6f6f6;border:1px solid #ddd;padding:.5em;white-space:pre-wrap;"
	"word-break:break-all}\n"
	".plots{display:flex;flex-wrap:wrap;gap:1.5em}\n"
	"figure.plot{margin:0}\n"
	"figcaption{font-size:.88em;max-width:350px}\n"
	"ul.legend{list-style:none;padding:0;margin:.3em 0}\n"
	".sw{display:inline-block;width:14px;height:0;border-top:3px solid;"
	"vertical-align:middle}\n"
	".sw.dash{border-top-style:dashed}\n"
	"svg .frame{fill:#fff;stroke:#888}\n"
	"svg .grid{stroke:#e6e6e6}\n"
	"svg .tick{stroke:#888}\n"
	"svg .chance{stroke:#999;stroke-dasharray:5 4}\n"
	"svg .curve{fill:none;stroke-width:2;stroke-linejoin:round}\n"
	"svg text{font-size:11px;fill:#333}\n"
	"svg .at{font-size:12px}\n";

void report_html_esc(FILE *f, const char *s)
{
	if (!s)
		return;
	for (; *s; s++) {
		unsigned char c = (unsigned char)*s;
		switch (c) {
		case '&': fputs("&amp;", f); break;
		case '<': fputs("&lt;", f); break;
		case '>': fputs("&gt;", f); break;
		case '"': fputs("&quot;", f); break;
		case '\'': fputs("&#39;", f); break;
		default:
			if ((c < 0x20 && c != '\t' && c != '\n') || c == 0x7f)
				fputs("&#xfffd;", f);
			else
				fputc(c, f);
		}
	}
}

/* ------------------------------------------------------------- cells */

static void th_row(FILE *f, const char *const *head, size_t n)
{
	fputs("<thead><tr>", f);
	for (size_t j = 0; j < n; j++)
		fprintf(f, "<th>%s</th>", head[j]);
	fputs("</tr></thead>\n<tbody>\n", f);
}

/* A number we formatted (nothing to escape). */
static void td_num(FILE *f, const char *s)
{
	fprintf(f, "<td class=\"n\">%s</td>", s);
}

static void td_text(FILE *f, const char *s)
{
	fputs("<td>", f);
	report_html_esc(f, s);
	fputs("</td>", f);
}

static void td_code(FILE *f, const char *s)
{
	fputs("<td><code>", f);
	report_html_esc(f, s);
	fputs("</code></td>", f);
}

static void td_u64(FILE *f, uint64_t v)
{
	char b[REPORT_NUM_MAX];
	td_num(f, report_fmt_u64(b, v));
}

static void td_rate(FILE *f, double v)
{
	char b[REPORT_NUM_MAX];
	td_num(f, report_fmt_rate(b, v));
}

static void td_sig(FILE *f, double v)
{
	char b[REPORT_NUM_MAX];
	td_num(f, report_fmt_sig(b, v));
}

static void td_delay(FILE *f, const struct kn_eval_summary *s)
{
	char b[REPORT_NUM_MAX];
	td_num(f, report_fmt_delay(b, s));
}

/* ------------------------------------------------------------ tables */

static const char *const summary_head[] = {
	"detector", "tp", "fp", "fn", "precision", "recall", "F1", "ROC AUC", "PR AUC", "EER",
	"TPR@0.1% FPR", "TPR@1% FPR", "delay (mean s)", "alerts", "pkts/s", "wall s",
};

static void summary_table(FILE *f, const struct kn_eval_report *r, size_t g)
{
	fputs("<table class=\"summary\">\n", f);
	th_row(f, summary_head, N_OF(summary_head));
	for (size_t d = 0; d < r->n_detectors; d++) {
		const struct kn_eval_report_result *res = &r->detectors[d].results[g];
		const struct kn_eval_summary *s = &res->all;
		fputs("<tr>", f);
		td_text(f, r->detectors[d].name);
		td_u64(f, s->c.tp);
		td_u64(f, s->c.fp);
		td_u64(f, s->c.fn);
		td_rate(f, s->precision);
		td_rate(f, s->recall);
		td_rate(f, s->f1);
		td_rate(f, s->roc_auc);
		td_rate(f, s->pr_auc);
		td_rate(f, s->eer);
		td_rate(f, s->tpr_at_fpr_0001);
		td_rate(f, s->tpr_at_fpr_001);
		td_delay(f, s);
		td_u64(f, s->c.alerts);
		td_sig(f, res->cost.pkts_per_s);
		td_sig(f, res->cost.wall_s);
		fputs("</tr>\n", f);
	}
	fputs("</tbody>\n</table>\n", f);
}

/* The detectors' errors as a list (nothing when there is none). */
static void error_list(FILE *f, const struct kn_eval_report *r, size_t g)
{
	int open = 0;

	for (size_t d = 0; d < r->n_detectors; d++) {
		const struct kn_eval_report_result *res = &r->detectors[d].results[g];
		for (size_t e = 0; e < res->n_errors; e++) {
			if (!open++)
				fputs("<ul class=\"errors\">\n", f);
			fputs("<li class=\"err\">", f);
			report_html_esc(f, r->detectors[d].name);
			fputs(": ", f);
			report_html_esc(f, res->errors[e]);
			fputs("</li>\n", f);
		}
	}
	if (open)
		fputs("</ul>\n", f);
}

static const char *const class_head[] = {
	"class", "detector", "items", "tp", "fn", "recall", "precision", "PR AUC", "ROC AUC",
	"delay (mean s)",
};

static void class_table(FILE *f, const struct kn_eval_report *r, size_t g)
{
	const struct kn_eval_report_group *grp = &r->groups[g];

	fputs("<h3>Per attack class</h3>\n", f);
	if (!grp->n_classes) {
		fputs("<p>No attack class in these captures.</p>\n", f);
		return;
	}
	fputs("<table class=\"classes\">\n", f);
	th_row(f, class_head, N_OF(class_head));
	for (size_t c = 0; c < grp->n_classes; c++)
		for (size_t d = 0; d < r->n_detectors; d++) {
			const struct kn_eval_summary *s;
			if (!r->detectors[d].results[g].classes)
				continue;
			s = &r->detectors[d].results[g].classes[c];
			fputs("<tr>", f);
			td_text(f, grp->classes[c]);
			td_text(f, r->detectors[d].name);
			td_u64(f, s->c.items);
			td_u64(f, s->c.tp);
			td_u64(f, s->c.fn);
			td_rate(f, s->recall);
			td_rate(f, s->precision);
			td_rate(f, s->pr_auc);
			td_rate(f, s->roc_auc);
			td_delay(f, s);
			fputs("</tr>\n", f);
		}
	fputs("</tbody>\n</table>\n", f);
}

static const char *const capture_head[] = {
	"capture", "detector", "tp", "fp", "fn", "precision", "recall", "ROC AUC",
	"delay (mean s)", "wall s", "pkts/s", "error",
};

static void capture_table(FILE *f, const struct kn_eval_report *r, size_t g)
{
	const struct kn_eval_report_group *grp = &r->groups[g];

	fputs("<h3>Per capture</h3>\n<table class=\"captures\">\n", f);
	th_row(f, capture_head, N_OF(capture_head));
	for (size_t c = 0; c < grp->n_captures; c++)
		for (size_t d = 0; d < r->n_detectors; d++) {
			const struct kn_eval_report_capres *cr;
			if (!r->detectors[d].results[g].captures)
				continue;
			cr = &r->detectors[d].results[g].captures[c];
			fputs("<tr>", f);
			td_text(f, grp->captures[c].name);
			td_text(f, r->detectors[d].name);
			td_u64(f, cr->s.c.tp);
			td_u64(f, cr->s.c.fp);
			td_u64(f, cr->s.c.fn);
			td_rate(f, cr->s.precision);
			td_rate(f, cr->s.recall);
			td_rate(f, cr->s.roc_auc);
			td_delay(f, &cr->s);
			td_sig(f, cr->cost.wall_s);
			td_sig(f, cr->cost.pkts_per_s);
			fputs(cr->error ? "<td class=\"err\">" : "<td>", f);
			report_html_esc(f, cr->error);
			fputs("</td></tr>\n", f);
		}
	fputs("</tbody>\n</table>\n", f);
}

/* ------------------------------------------------------------- group */

static int group_section(FILE *f, const struct kn_eval_report *r, size_t g)
{
	const struct kn_eval_report_group *grp = &r->groups[g];
	const char *grain = kn_eval_grain_name(grp->grain);
	int rc;

	fprintf(f, "<section class=\"group\" id=\"group-%zu\">\n<h2>", g + 1);
	report_html_esc(f, grp->dataset);
	fprintf(f, " <span class=\"sub\">(%s grain, %zu capture%s)</span></h2>\n",
		grain ? grain : "?", grp->n_captures, grp->n_captures == 1 ? "" : "s");
	fputs("<p>Attack classes: ", f);
	for (size_t c = 0; c < grp->n_classes; c++) {
		fputs(c ? ", " : "", f);
		report_html_esc(f, grp->classes[c]);
	}
	fputs(grp->n_classes ? ".</p>\n" : "none.</p>\n", f);
	if (r->n_detectors) {
		summary_table(f, r, g);
		error_list(f, r, g);
		if ((rc = report_svg_plots(f, r, g)) != 0)
			return rc;
		class_table(f, r, g);
		capture_table(f, r, g);
	} else {
		fputs("<p>No detector was run.</p>\n", f);
	}
	fputs("</section>\n", f);
	return 0;
}

/* ---------------------------------------------------------- reproduce */

static void kv_row(FILE *f, const char *key, const char *value)
{
	fprintf(f, "<tr><th>%s</th>", key);
	td_text(f, value);
	fputs("</tr>\n", f);
}

static void reproduce_group(FILE *f, const struct kn_eval_report_group *grp)
{
	static const char *const head[] = { "capture", "file", "sha256", "packets" };
	const char *grain = kn_eval_grain_name(grp->grain);

	fputs("<h4>", f);
	report_html_esc(f, grp->dataset);
	fprintf(f, " <span class=\"sub\">(%s grain)</span></h4>\n<p>manifest <code>",
		grain ? grain : "?");
	report_html_esc(f, grp->manifest);
	fputs("</code>, sha256 <code>", f);
	report_html_esc(f, grp->manifest_sha256);
	fputs("</code></p>\n<table class=\"files\">\n", f);
	th_row(f, head, N_OF(head));
	for (size_t c = 0; c < grp->n_captures; c++) {
		const struct kn_eval_report_capture *cap = &grp->captures[c];
		char b[REPORT_NUM_MAX];
		fputs("<tr>", f);
		td_text(f, cap->name);
		td_code(f, cap->file);
		td_code(f, cap->sha256 && *cap->sha256 ? cap->sha256 : "-");
		td_num(f, cap->packets ? report_fmt_u64(b, cap->packets) : "-");
		fputs("</tr>\n", f);
	}
	fputs("</tbody>\n</table>\n", f);
}

static void reproduce(FILE *f, const struct kn_eval_report *r)
{
	static const char *const head[] = { "detector", "kind", "version", "command", "config" };
	char tol[REPORT_NUM_MAX];

	fputs("<section id=\"reproduce\">\n<h2>Reproduce</h2>\n<table class=\"kv\">\n<tbody>\n",
	      f);
	kv_row(f, "created", r->created);
	kv_row(f, "kenchi version", r->kenchi_version);
	kv_row(f, "tolerance (s)", report_fmt_json(tol, r->tolerance_s) ? tol : "-");
	fputs("</tbody>\n</table>\n<p>Command:</p>\n<pre>", f);
	report_html_esc(f, r->command);
	fputs("</pre>\n<h3>Datasets</h3>\n", f);
	for (size_t g = 0; g < r->n_groups; g++)
		reproduce_group(f, &r->groups[g]);
	fputs("<h3>Detectors</h3>\n<table class=\"detectors\">\n", f);
	th_row(f, head, N_OF(head));
	for (size_t d = 0; d < r->n_detectors; d++) {
		const struct kn_eval_report_detector *det = &r->detectors[d];
		fputs("<tr>", f);
		td_text(f, det->name);
		td_text(f, det->kind);
		td_text(f, det->version && *det->version ? det->version : "unknown");
		td_code(f, det->command);
		td_code(f, det->config && *det->config ? det->config : "(built in)");
		fputs("</tr>\n", f);
	}
	fputs("</tbody>\n</table>\n</section>\n", f);
}

/* ---------------------------------------------------------------- page */

static int write_page(FILE *f, const struct kn_eval_report *r)
{
	int rc;

	fputs("<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n"
	      "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n"
	      "<meta name=\"generator\" content=\"kenchi eval\">\n"
	      "<meta name=\"kenchi-palette\" content=\"", f);
	for (size_t i = 0; i < REPORT_PALETTE_N; i++)
		fprintf(f, "%s%s", i ? "," : "", report_palette[i]);
	fputs("\">\n<title>kenchi eval report ", f);
	report_html_esc(f, r->created);
	fprintf(f, "</title>\n<style>\n%s</style>\n</head>\n<body>\n<h1>kenchi eval report</h1>\n"
		"<p class=\"sub\">", page_style);
	report_html_esc(f, r->created);
	fputs(", kenchi ", f);
	report_html_esc(f, r->kenchi_version);
	fprintf(f, ", %zu detector%s, %zu group%s (a dataset's captures of one grain). "
		"&ldquo;-&rdquo;: does not apply or not measured.</p>\n", r->n_detectors,
		r->n_detectors == 1 ? "" : "s", r->n_groups, r->n_groups == 1 ? "" : "s");
	for (size_t g = 0; g < r->n_groups; g++)
		if ((rc = group_section(f, r, g)) != 0)
			return rc;
	reproduce(f, r);
	fputs("</body>\n</html>\n", f);
	return 0;
}

int kn_eval_report_html(const struct kn_eval_report *r, const char *path, char *errbuf)
{
	struct report_file rf;
	int rc;

	if ((rc = report_file_open(&rf, path, errbuf)) != 0)
		return rc;
	if ((rc = write_page(rf.f, r)) != 0) {
		report_file_abort(&rf);
		return eval_fail(errbuf, rc, "%s: out of memory while writing the report", path);
	}
	return report_file_commit(&rf, errbuf);
}
