/*
 * report_text.c - the terminal table of a `kenchi eval` run: per group a
 * heading, one line per detector with the counts, rates, curve metrics,
 * mean delay and cost, the detector's errors under it, then one line per
 * attack class and detector.
 *
 * Formats are fixed so that tests and scripts can compare text: rates with
 * 3 decimals, magnitudes with 3 significant digits (report_util.c), "-"
 * for a metric that does not apply or a cost not measured. Columns are as
 * wide as their widest cell; names are left-aligned, numbers right-aligned,
 * two spaces apart. Control characters in names (from user files) print as
 * '?' so a name cannot drive the terminal.
 */
#include "eval/report_int.h"

#include <math.h>
#include <string.h>

#define TEXT_COLS 16
#define N_OF(a) (sizeof(a) / sizeof((a)[0]))

/* The cells of one line: text[j] points at a name or at num[j]. */
struct text_row {
	const char *text[TEXT_COLS];
	char num[TEXT_COLS][REPORT_NUM_MAX];
};

struct text_table {
	const char *const *head;   /* column titles */
	size_t ncols;
	size_t nleft;              /* the first nleft columns are left-aligned */
	size_t nrows;
	void (*fill)(const struct kn_eval_report *r, size_t g, size_t i, struct text_row *row);
};

/* Characters a terminal shows for s (UTF-8 continuation bytes take no
 * room of their own). */
static size_t text_width(const char *s)
{
	size_t w = 0;
	for (; *s; s++)
		w += ((unsigned char)*s & 0xc0) != 0x80;
	return w;
}

static void put_clean(FILE *out, const char *s)
{
	for (; *s; s++) {
		unsigned char c = (unsigned char)*s;
		fputc(c < 0x20 || c == 0x7f ? '?' : c, out);
	}
}

static void put_cell(FILE *out, const char *s, size_t width, int left, int last)
{
	size_t w = text_width(s);
	if (!left)
		for (; w < width; w++)
			fputc(' ', out);
	put_clean(out, s);
	if (left && !last)
		for (; w < width; w++)
			fputc(' ', out);
}

static void print_line(FILE *out, const struct text_table *t, const char *const *cells,
		       const size_t *width)
{
	fputs("  ", out);
	for (size_t j = 0; j < t->ncols; j++) {
		if (j)
			fputs("  ", out);
		put_cell(out, cells[j], width[j], j < t->nleft, j + 1 == t->ncols);
	}
	fputc('\n', out);
}

/* Two passes over the rows: widths, then the lines. */
static void print_table(FILE *out, const struct kn_eval_report *r, size_t g,
			const struct text_table *t)
{
	size_t width[TEXT_COLS];
	struct text_row row;

	for (size_t j = 0; j < t->ncols; j++)
		width[j] = text_width(t->head[j]);
	for (size_t i = 0; i < t->nrows; i++) {
		t->fill(r, g, i, &row);
		if (!row.text[0])
			continue;
		for (size_t j = 0; j < t->ncols; j++) {
			size_t w = text_width(row.text[j]);
			width[j] = w > width[j] ? w : width[j];
		}
	}
	print_line(out, t, t->head, width);
	for (size_t i = 0; i < t->nrows; i++) {
		t->fill(r, g, i, &row);
		if (row.text[0])   /* NULL: a row the table leaves out */
			print_line(out, t, row.text, width);
	}
}

/* ------------------------------------------------------------ tables */

static const char *const summary_head[] = {
	"detector", "tp", "fp", "fn", "prec", "recall", "f1", "roc_auc", "pr_auc", "eer",
	"tpr@0.1%", "tpr@1%", "delay_s", "pkts/s", "wall_s",
};

static void summary_row(const struct kn_eval_report *r, size_t g, size_t i,
			struct text_row *row)
{
	const struct kn_eval_report_result *res = &r->detectors[i].results[g];
	const struct kn_eval_summary *s = &res->all;
	const char **t = row->text;
	char (*n)[REPORT_NUM_MAX] = row->num;

	size_t scored = 0;

	for (size_t c = 0; c < r->groups[g].n_captures; c++)
		scored += !res->captures || !res->captures[c].error;
	t[0] = r->detectors[i].name;
	/* nothing scored (every capture failed or had no output): no counts */
	t[1] = scored ? report_fmt_u64(n[1], s->c.tp) : "-";
	t[2] = scored ? report_fmt_u64(n[2], s->c.fp) : "-";
	t[3] = scored ? report_fmt_u64(n[3], s->c.fn) : "-";
	t[4] = report_fmt_rate(n[4], s->precision);
	t[5] = report_fmt_rate(n[5], s->recall);
	t[6] = report_fmt_rate(n[6], s->f1);
	t[7] = report_fmt_rate(n[7], s->roc_auc);
	t[8] = report_fmt_rate(n[8], s->pr_auc);
	t[9] = report_fmt_rate(n[9], s->eer);
	t[10] = report_fmt_rate(n[10], s->tpr_at_fpr_0001);
	t[11] = report_fmt_rate(n[11], s->tpr_at_fpr_001);
	t[12] = report_fmt_delay(n[12], s);
	t[13] = report_fmt_sig(n[13], res->cost.pkts_per_s);
	t[14] = report_fmt_sig(n[14], res->cost.wall_s);
}

static const char *const class_head[] = {
	"class", "detector", "items", "tp", "fn", "recall", "pr_auc", "delay_s",
};

/* Row i: class i / detectors, detector i % detectors; a detector's part
 * only where it found something of the class. */
static void class_row(const struct kn_eval_report *r, size_t g, size_t i, struct text_row *row)
{
	size_t cls = i / r->n_detectors, d = i % r->n_detectors;
	static const struct kn_eval_summary none = { .precision = NAN, .recall = NAN,
						     .pr_auc = NAN };
	const struct kn_eval_summary *classes = r->detectors[d].results[g].classes;
	const struct kn_eval_summary *s = classes ? &classes[cls] : &none;
	const char **t = row->text;
	char (*n)[REPORT_NUM_MAX] = row->num;

	t[0] = r->detectors[d].part_of && s->c.tp == 0 ? NULL : r->groups[g].classes[cls];
	t[1] = r->detectors[d].name;
	t[2] = report_fmt_u64(n[2], s->c.items);
	t[3] = report_fmt_u64(n[3], s->c.tp);
	t[4] = report_fmt_u64(n[4], s->c.fn);
	t[5] = report_fmt_rate(n[5], s->recall);
	t[6] = report_fmt_rate(n[6], s->pr_auc);
	t[7] = report_fmt_delay(n[7], s);
}

/* ------------------------------------------------------------- group */

static void print_heading(FILE *out, const struct kn_eval_report_group *grp)
{
	const char *grain = kn_eval_grain_name(grp->grain);

	fputs("dataset ", out);
	put_clean(out, grp->dataset ? grp->dataset : "?");
	fprintf(out, ", %s grain, %zu capture%s, classes: ", grain ? grain : "?",
		grp->n_captures, grp->n_captures == 1 ? "" : "s");
	if (grp->n_classes == 0)
		fputs("none", out);
	for (size_t c = 0; c < grp->n_classes; c++) {
		fputs(c ? ", " : "", out);
		put_clean(out, grp->classes[c]);
	}
	fputc('\n', out);
}

/* Failed captures named one by one per detector; the rest counted. */
#define TEXT_CAPTURE_ERRORS 3

/* "  NAME: error: TEXT" for the result's errors and the first failed
 * captures (all of them are in the JSON and HTML reports). */
static void print_errors(FILE *out, const struct kn_eval_report *r, size_t g)
{
	const struct kn_eval_report_group *grp = &r->groups[g];

	for (size_t d = 0; d < r->n_detectors; d++) {
		const struct kn_eval_report_result *res = &r->detectors[d].results[g];
		for (size_t e = 0; e < res->n_errors; e++) {
			fputs("  ", out);
			put_clean(out, r->detectors[d].name);
			fputs(": error: ", out);
			put_clean(out, res->errors[e]);
			fputc('\n', out);
		}
		size_t failed = 0;
		for (size_t c = 0; c < grp->n_captures && res->captures; c++) {
			if (!res->captures[c].error || ++failed > TEXT_CAPTURE_ERRORS)
				continue;
			fputs("  ", out);
			put_clean(out, r->detectors[d].name);
			fputs(": capture ", out);
			put_clean(out, grp->captures[c].name);
			fputs(": ", out);
			put_clean(out, res->captures[c].error);
			fputc('\n', out);
		}
		if (failed > TEXT_CAPTURE_ERRORS) {
			fputs("  ", out);
			put_clean(out, r->detectors[d].name);
			fprintf(out, ": %zu more captures left out (see the JSON or HTML "
				"report)\n", failed - TEXT_CAPTURE_ERRORS);
		}
	}
}

void kn_eval_report_text(FILE *out, const struct kn_eval_report *r)
{
	for (size_t g = 0; g < r->n_groups; g++) {
		const struct kn_eval_report_group *grp = &r->groups[g];
		struct text_table sum = { summary_head, N_OF(summary_head), 1, r->n_detectors,
					  summary_row };
		struct text_table cls = { class_head, N_OF(class_head), 2,
					  grp->n_classes * r->n_detectors, class_row };

		if (g)
			fputc('\n', out);
		print_heading(out, grp);
		if (r->n_detectors == 0) {
			fputs("  no detector\n", out);
			continue;
		}
		print_table(out, r, g, &sum);
		print_errors(out, r, g);
		if (grp->n_classes) {
			fputc('\n', out);
			print_table(out, r, g, &cls);
		}
	}
}
