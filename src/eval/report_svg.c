/*
 * report_svg.c - the ROC and PR plots of the HTML report of `kenchi eval`:
 * for one group, two inline SVG figures (no script, no external resource)
 * with a frame, a grid, ticks 0, 0.2 .. 1 with labels, axis titles, the
 * dashed chance diagonal on the ROC plot, one polyline per detector in its
 * palette colour, and a legend below naming each detector with its AUC (or
 * why it has no curve). A detector without scores gets its single operating
 * point (recall, precision) as a marker on the PR plot.
 *
 * The ROC polyline joins the curve's points (ties make the diagonal steps
 * the trapezoid AUC counts); the PR polyline is the step function whose
 * area is the average precision: precision p_i over recall (r_i-1, r_i].
 * Curves with many points are thinned (report_thin) to at most
 * PLOT_VERTICES_MAX vertices.
 */
#include "eval/report_int.h"

#include <math.h>
#include <string.h>

#include "util/alloc.h"

/* Plot geometry in SVG user units: the plot area and the whole picture. */
#define PLOT_X0 60.0
#define PLOT_Y0 15.0
#define PLOT_SIDE 270.0
#define SVG_W 350
#define SVG_H 340
/* Vertices drawn per curve at most. */
#define PLOT_VERTICES_MAX 2000

/* ---------------------------------------------------------- thinning */

/* b adds nothing between a and c: on the straight line from a to c (the
 * sine of the turn below 1e-9) and not turning back. */
static int redundant(struct report_xy a, struct report_xy b, struct report_xy c)
{
	double ux = b.x - a.x, uy = b.y - a.y, vx = c.x - b.x, vy = c.y - b.y;
	double cross = ux * vy - uy * vx, dot = ux * vx + uy * vy;

	return fabs(cross) <= 1e-9 * hypot(ux, uy) * hypot(vx, vy) && dot >= 0;
}

static double seg_dist(struct report_xy a, struct report_xy b, struct report_xy q)
{
	double dx = b.x - a.x, dy = b.y - a.y, l2 = dx * dx + dy * dy, t = 0;

	if (l2 > 0) {
		t = ((q.x - a.x) * dx + (q.y - a.y) * dy) / l2;
		t = t < 0 ? 0 : t > 1 ? 1 : t;
	}
	return hypot(q.x - (a.x + t * dx), q.y - (a.y + t * dy));
}

/* Douglas-Peucker with an explicit stack: marks in keep[] the vertices
 * that stay at tolerance eps; returns their number. */
static size_t dp_mark(const struct report_xy *p, size_t n, double eps, unsigned char *keep,
		      size_t *stack)
{
	size_t sp = 0, kept = 2;

	memset(keep, 0, n);
	keep[0] = keep[n - 1] = 1;
	stack[sp++] = 0;
	stack[sp++] = n - 1;
	while (sp) {
		size_t hi = stack[--sp], lo = stack[--sp], far = 0;
		double dmax = eps;
		for (size_t i = lo + 1; i < hi; i++) {
			double d = seg_dist(p[lo], p[hi], p[i]);
			if (d > dmax) {
				dmax = d;
				far = i;
			}
		}
		if (!far)
			continue;
		keep[far] = 1;
		kept++;
		stack[sp++] = lo;
		stack[sp++] = far;
		stack[sp++] = far;
		stack[sp++] = hi;
	}
	return kept;
}

static size_t simplify(struct report_xy *p, size_t n, size_t max, int *nomem)
{
	unsigned char *keep = kn_malloc(n);
	size_t *stack = kn_calloc(n, 2 * sizeof *stack);
	size_t k = 0;

	if (!keep || !stack) {
		*nomem = 1;
		kn_free(keep);
		kn_free(stack);
		return 0;
	}
	for (double eps = 1e-4; dp_mark(p, n, eps, keep, stack) > max; eps *= 2)
		;
	for (size_t i = 0; i < n; i++)
		if (keep[i])
			p[k++] = p[i];
	kn_free(keep);
	kn_free(stack);
	return k;
}

size_t report_thin(struct report_xy *p, size_t n, size_t max, int *nomem)
{
	size_t k = 0;

	*nomem = 0;
	for (size_t i = 0; i < n; i++) {
		struct report_xy q = p[i];
		if (k && p[k - 1].x == q.x && p[k - 1].y == q.y)
			continue;
		while (k >= 2 && redundant(p[k - 2], p[k - 1], q))
			k--;
		p[k++] = q;
	}
	if (k > max && max >= 2)
		k = simplify(p, k, max, nomem);
	return k;
}

/* ------------------------------------------------------------ drawing */

static double clamp01(double v)
{
	return !(v >= 0) ? 0 : v > 1 ? 1 : v;
}

static double px(double x)
{
	return PLOT_X0 + clamp01(x) * PLOT_SIDE;
}

static double py(double y)
{
	return PLOT_Y0 + (1 - clamp01(y)) * PLOT_SIDE;
}

static const char *colour(size_t d)
{
	return report_palette[d % REPORT_PALETTE_N];
}

/* Detectors past the palette's first round are dashed too. */
static const char *dashes(size_t d)
{
	static const char *const pat[] = { "", " stroke-dasharray=\"8 3\"",
					   " stroke-dasharray=\"2 3\"",
					   " stroke-dasharray=\"8 3 2 3\"" };
	return pat[(d / REPORT_PALETTE_N) % 4];
}

static void svg_axes(FILE *f, const char *xtitle, const char *ytitle, int chance)
{
	double x1 = PLOT_X0 + PLOT_SIDE, y1 = PLOT_Y0 + PLOT_SIDE;

	fprintf(f, "<rect class=\"frame\" x=\"%.0f\" y=\"%.0f\" width=\"%.0f\" "
		"height=\"%.0f\"></rect>\n", PLOT_X0, PLOT_Y0, PLOT_SIDE, PLOT_SIDE);
	for (int t = 0; t <= 5; t++) {
		double v = t / 5.0, x = px(v), y = py(v);
		if (t > 0 && t < 5)
			fprintf(f, "<line class=\"grid\" x1=\"%.1f\" y1=\"%.0f\" x2=\"%.1f\" "
				"y2=\"%.0f\"></line><line class=\"grid\" x1=\"%.0f\" y1=\"%.1f\" "
				"x2=\"%.0f\" y2=\"%.1f\"></line>\n",
				x, PLOT_Y0, x, y1, PLOT_X0, y, x1, y);
		fprintf(f, "<line class=\"tick\" x1=\"%.1f\" y1=\"%.0f\" x2=\"%.1f\" y2=\"%.0f\">"
			"</line><text class=\"tl\" x=\"%.1f\" y=\"%.0f\" text-anchor=\"middle\">"
			"%.1f</text>\n", x, y1, x, y1 + 5, x, y1 + 19, v);
		fprintf(f, "<line class=\"tick\" x1=\"%.0f\" y1=\"%.1f\" x2=\"%.0f\" y2=\"%.1f\">"
			"</line><text class=\"tl\" x=\"%.0f\" y=\"%.1f\" text-anchor=\"end\">"
			"%.1f</text>\n", PLOT_X0 - 5, y, PLOT_X0, y, PLOT_X0 - 8, y + 4, v);
	}
	fprintf(f, "<text class=\"at\" x=\"%.0f\" y=\"%.0f\" text-anchor=\"middle\">%s</text>\n",
		PLOT_X0 + PLOT_SIDE / 2, y1 + 42, xtitle);
	fprintf(f, "<text class=\"at\" x=\"16\" y=\"%.0f\" text-anchor=\"middle\" "
		"transform=\"rotate(-90 16 %.0f)\">%s</text>\n", PLOT_Y0 + PLOT_SIDE / 2,
		PLOT_Y0 + PLOT_SIDE / 2, ytitle);
	if (chance)
		fprintf(f, "<line class=\"chance\" x1=\"%.0f\" y1=\"%.0f\" x2=\"%.0f\" "
			"y2=\"%.0f\"></line>\n", PLOT_X0, y1, x1, PLOT_Y0);
}

/* The PR step function through points p[0..n): 2n vertices. */
static struct report_xy *pr_steps(const struct report_xy *p, size_t n, size_t *out_n)
{
	struct report_xy *v = kn_calloc(n, 2 * sizeof *v);
	size_t k = 0;

	if (!v)
		return NULL;
	v[k++] = (struct report_xy){ 0, p[0].y };
	v[k++] = p[0];
	for (size_t i = 1; i < n; i++) {
		v[k++] = (struct report_xy){ p[i - 1].x, p[i].y };
		v[k++] = p[i];
	}
	*out_n = k;
	return v;
}

/* Draws detector d's curve (ROC or PR steps); 1 when drawn, 0 when it has
 * none, -KN_ENOMEM. */
static int svg_curve(FILE *f, const struct kn_eval_curve *c, size_t d, int roc)
{
	struct report_xy *p, *v = NULL;
	size_t n, nv = 0;
	int nomem = 0;
	int rc = roc ? report_roc_points(c, &p, &n) : report_pr_points(c, &p, &n);

	if (rc || n == 0)
		return rc;
	if (roc) {
		v = p;
		nv = n;
		p = NULL;
	} else if (!(v = pr_steps(p, n, &nv))) {
		kn_free(p);
		return -KN_ENOMEM;
	}
	kn_free(p);
	nv = report_thin(v, nv, PLOT_VERTICES_MAX, &nomem);
	if (nomem) {
		kn_free(v);
		return -KN_ENOMEM;
	}
	fprintf(f, "<polyline class=\"curve\" fill=\"none\" stroke-width=\"2\" stroke=\"%s\"%s "
		"points=\"", colour(d), dashes(d));
	for (size_t i = 0; i < nv; i++)
		fprintf(f, "%s%.1f,%.1f", i ? " " : "", px(v[i].x), py(v[i].y));
	fputs("\"></polyline>\n", f);
	kn_free(v);
	return 1;
}

/* The legend entry of detector d: colour swatch, name, area or why none. */
static void legend_item(FILE *f, const struct kn_eval_report *r, size_t g, size_t d, int roc,
			int drawn, int marker)
{
	const struct kn_eval_report_result *res = &r->detectors[d].results[g];
	const struct kn_eval_summary *s = &res->all;
	char a[REPORT_NUM_MAX], b[REPORT_NUM_MAX];

	fprintf(f, "<li><span class=\"sw%s\" style=\"border-color:%s\"></span> ",
		d >= REPORT_PALETTE_N ? " dash" : "", colour(d));
	report_html_esc(f, r->detectors[d].name);
	if (drawn)
		fprintf(f, ": %s %s", roc ? "AUC" : "AP", report_fmt_rate(a, roc ? s->roc_auc :
									 s->pr_auc));
	else if (!res->curve || (s->undefined & KN_EVAL_U_UNSCORED))
		fputs(": no scores", f);
	else if (res->curve->pos == 0)
		fputs(": no attack items", f);
	else if (roc && res->curve->neg_known)
		fputs(": no ROC (no benign sample)", f);
	else
		fputs(roc ? ": no ROC (the benign population is unknown at this grain)" :
			    ": no curve", f);
	if (marker)
		fprintf(f, " (one operating point: precision %s, recall %s)",
			report_fmt_rate(a, s->precision), report_fmt_rate(b, s->recall));
	fputs("</li>\n", f);
}

/* Whether a curve has points to draw (as report_roc/pr_points). */
static int has_curve(const struct kn_eval_curve *c, int roc)
{
	if (!c || c->pos == 0)
		return 0;
	if (roc)
		return c->neg_known && c->neg > 0;
	for (size_t i = 0; i < c->n; i++)
		if (c->pts[i].threshold != -INFINITY && c->pts[i].tp + c->pts[i].fp > 0)
			return 1;
	return 0;
}

/* An unscored detector with a defined precision and recall: its one
 * operating point goes on the PR plot. */
static int has_marker(const struct kn_eval_report_result *res)
{
	const struct kn_eval_summary *s = &res->all;

	if (res->curve && !(s->undefined & KN_EVAL_U_UNSCORED))
		return 0;
	return !isnan(s->precision) && !isnan(s->recall);
}

static int svg_plot(FILE *f, const struct kn_eval_report *r, size_t g, int roc)
{
	size_t nd = r->n_detectors, shown = 0;

	fprintf(f, "<figure class=\"plot\">\n<svg xmlns=\"http://www.w3.org/2000/svg\" "
		"viewBox=\"0 0 %d %d\" width=\"%d\" height=\"%d\" role=\"img\">\n<title>%s curve "
		"of ", SVG_W, SVG_H, SVG_W, SVG_H, roc ? "ROC" : "Precision-recall");
	report_html_esc(f, r->groups[g].dataset);
	fputs("</title>\n", f);
	svg_axes(f, roc ? "false positive rate" : "recall",
		 roc ? "true positive rate" : "precision", roc);
	for (size_t d = 0; d < nd; d++) {
		const struct kn_eval_report_result *res = &r->detectors[d].results[g];
		const struct kn_eval_summary *s = &res->all;
		int rc = has_curve(res->curve, roc) ? svg_curve(f, res->curve, d, roc) : 0;
		if (rc < 0)
			return rc;
		shown += (size_t)rc;
		if (!roc && !rc && has_marker(res)) {
			fprintf(f, "<circle class=\"op\" cx=\"%.1f\" cy=\"%.1f\" r=\"5\" "
				"fill=\"%s\"></circle>\n", px(s->recall), py(s->precision),
				colour(d));
			shown++;
		}
	}
	if (!shown)
		fprintf(f, "<text class=\"empty\" x=\"%.0f\" y=\"%.0f\" text-anchor=\"middle\">"
			"no curve to draw</text>\n", PLOT_X0 + PLOT_SIDE / 2,
			PLOT_Y0 + PLOT_SIDE / 2);
	fprintf(f, "</svg>\n<figcaption><strong>%s</strong>\n<ul class=\"legend\">\n",
		roc ? "ROC" : "Precision-recall");
	for (size_t d = 0; d < nd; d++) {
		const struct kn_eval_report_result *res = &r->detectors[d].results[g];
		int drawn = has_curve(res->curve, roc);
		legend_item(f, r, g, d, roc, drawn, !roc && !drawn && has_marker(res));
	}
	fputs("</ul>\n</figcaption>\n</figure>\n", f);
	return 0;
}

int report_svg_plots(FILE *f, const struct kn_eval_report *r, size_t g)
{
	int rc;

	fputs("<div class=\"plots\">\n", f);
	if ((rc = svg_plot(f, r, g, 1)) != 0 || (rc = svg_plot(f, r, g, 0)) != 0)
		return rc;
	fputs("</div>\n", f);
	return 0;
}
