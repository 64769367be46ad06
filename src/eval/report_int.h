/*
 * report_int.h - names shared by the report writers of `kenchi eval`
 * (report_text.c, report_json.c, report_html.c, report_svg.c): the
 * atomically replaced output file, the fixed number formats the text and
 * HTML tables share, the points of ROC and PR curves (JSON and plots draw
 * the same ones), curve thinning for plots and the detector palette.
 *
 * The writers only read the report (include/kenchi/eval_report.h); these
 * helpers live in report_util.c and report_svg.c.
 */
#ifndef KN_EVAL_REPORT_INT_H
#define KN_EVAL_REPORT_INT_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "kenchi/eval_report.h"

/* ------------------------------------------------------ output file */

/* A file being written. A regular file (or a path that does not exist yet)
 * is written as PATH.tmp and renamed over PATH on success, so readers never
 * see half a report; any other existing file (a device such as /dev/full or
 * /dev/stdout, a FIFO) is written in place. */
struct report_file {
	FILE *f;
	const char *path;
	char *tmp;       /* PATH.tmp, NULL when written in place */
};

/* Opens the file. 0, -KN_EIO or -KN_ENOMEM, errbuf naming the file. */
int report_file_open(struct report_file *rf, const char *path, char *errbuf);
/* Flushes (reporting a full disk), syncs, closes and renames into place.
 * 0 or -KN_EIO with errbuf naming the file; the temporary file is removed
 * on failure. rf is closed either way. */
int report_file_commit(struct report_file *rf, char *errbuf);
/* Closes and removes the temporary file (after an error of the writer). */
void report_file_abort(struct report_file *rf);

/* ----------------------------------------------------- number formats */

/* Room for every formatted number below. */
#define REPORT_NUM_MAX 40

/* A rate or a metric in [0, 1]: "%.3f"; "-" when NaN. */
const char *report_fmt_rate(char *buf, double v);
/* Seconds, packets per second and other magnitudes: 3 significant digits
 * ("%.3g"), whole numbers from 999.5 up ("%.0f"); "-" when NaN, infinite or
 * negative (not measured). */
const char *report_fmt_sig(char *buf, double v);
/* A count. */
const char *report_fmt_u64(char *buf, uint64_t v);
/* The mean detection delay of a summary ("-" when no delay is known). */
const char *report_fmt_delay(char *buf, const struct kn_eval_summary *s);
/* A double for JSON: the shortest of %.15g/%.16g/%.17g that reads back as
 * the same double, always with a '.' or an exponent ("2.0"); NULL (write
 * null) when NaN or infinite. */
const char *report_fmt_json(char *buf, double v);

/* ------------------------------------------------------------ curves */

/* A point of a plotted curve, both coordinates in [0, 1]. */
struct report_xy {
	double x, y;
};

/* The ROC points of a curve: (0, 0), then (fp/neg, tp/pos) for each point,
 * then (1, 1) unless the last point is already there. 0 points (out NULL)
 * when the ROC is undefined: no curve, negatives unknown or none, no
 * positive. 0 or -KN_ENOMEM; *out is kn_free'd by the caller. */
int report_roc_points(const struct kn_eval_curve *c, struct report_xy **out, size_t *n);
/* The PR points (recall, precision) = (tp/pos, tp/(tp+fp)) of each point
 * except those with tp + fp == 0 and the group tied at -inf (not an
 * operating point). 0 points when there is no curve or no positive. */
int report_pr_points(const struct kn_eval_curve *c, struct report_xy **out, size_t *n);

/* Drops the vertices of a polyline that do not change its shape: repeated
 * points and points on the straight segment between their neighbours
 * (going on in the same direction), so a staircase keeps every corner. When
 * more than max remain (max >= 2), simplifies further (Douglas-Peucker,
 * doubling the tolerance from 1e-4 of the axis) until at most max remain;
 * the ends are always kept. Returns the new number of points (p is
 * compacted in place), or 0 with *nomem set when scratch memory failed
 * (p is then unchanged). */
size_t report_thin(struct report_xy *p, size_t n, size_t max, int *nomem);

/* ------------------------------------------------------------- palette */

/* Detector colours (Okabe-Ito, without yellow): detector i gets
 * report_palette[i % REPORT_PALETTE_N]; from the second round on its
 * curves are dashed as well. */
#define REPORT_PALETTE_N 7
extern const char *const report_palette[REPORT_PALETTE_N];

/* --------------------------------------------------------- HTML / SVG */

/* Writes s HTML-escaped (& < > " ' and control characters). */
void report_html_esc(FILE *f, const char *s);

/* The ROC and PR plots of group g (two <figure>s with an inline <svg> and
 * a legend). 0 or -KN_ENOMEM. */
int report_svg_plots(FILE *f, const struct kn_eval_report *r, size_t g);

#endif
