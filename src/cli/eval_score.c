/*
 * eval_score.c - the run of `kenchi eval`: loads detectors and datasets,
 * makes the selected captures ready, forms groups (the captures of one
 * dataset with one grain), runs every detector on every capture of every
 * group, scores the findings per capture and per group (overall and per
 * class), and hands the results to the report writers.
 */
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "eval_cli.h"
#include "kenchi/detector.h"
#include "util/alloc.h"

struct ev_ds {
	struct kn_eval_dataset *ds;
	const char *manifest;
	char sha256[65];
	struct ev_capture *caps;     /* one per dataset capture */
	uint8_t *ready;              /* selected and staged */
};

struct ev_group {
	size_t ds;
	uint8_t grain;
	size_t *caps, n_caps;        /* dataset capture indexes */
	uint32_t *cls;               /* dataset class indexes used by the group */
	const char **cls_names;
	size_t n_cls;
	struct kn_eval_report_capture *rcaps;
};

/* One detector on one group; owns what the report borrows. */
struct ev_res {
	struct kn_eval_report_result r;
	struct kn_eval_summary *classes;
	struct kn_eval_curve curve;
	struct kn_eval_report_capres *caps;
	char **cap_errors;           /* per capture: why it was left out, or NULL */
	char **errors;
	size_t n_errors;
};

/* A row of the report: a detector, or one of its parts (its findings whose
 * EVE anomaly.detector is `part`), scored from the same runs. */
struct ev_row {
	size_t det;
	const char *part;            /* NULL: the whole detector */
	char *name;                  /* "kenchi.port_scan" for a part, else NULL */
};

struct ev_state {
	const struct ev_opts *o;
	struct kn_eval_detector **dets;
	char **versions;
	size_t n_dets;
	struct ev_row *rows;         /* each detector, then its parts */
	size_t n_rows;
	struct ev_ds *dss;
	size_t n_dss;
	struct ev_group *groups;
	size_t n_groups;
	struct ev_res *res;          /* n_rows x n_groups */
	size_t runs, runs_total;
	int failed;
};

static void progress(const struct ev_state *s, const char *fmt, ...) KN_PRINTF(2, 3);
static void progress(const struct ev_state *s, const char *fmt, ...)
{
	va_list ap;

	if (s->o->quiet)
		return;
	va_start(ap, fmt);
	fprintf(stderr, "kenchi eval: ");
	vfprintf(stderr, fmt, ap);
	fputc('\n', stderr);
	va_end(ap);
}

static void fail(struct ev_state *s, const char *what)
{
	fprintf(stderr, "kenchi eval: %s\n", what);
	s->failed = 1;
}

/* ---------------------------------------------------------- loading */

/* The built-in kenchi is scored per behaviour detector as well. */
static int builtin_parts(struct kn_eval_detector *det)
{
	const char *names[KN_EVAL_PARTS_MAX];
	size_t n = kn_detect_names(names, KN_EVAL_PARTS_MAX);

	n = n < KN_EVAL_PARTS_MAX ? n : KN_EVAL_PARTS_MAX;
	if (!(det->parts = kn_calloc(n + 1, sizeof *det->parts)))
		return -1;
	for (size_t i = 0; i < n; i++) {
		if (!(det->parts[i] = kn_strdup(names[i])))
			return -1;
		det->n_parts++;
	}
	return 0;
}

static int make_rows(struct ev_state *s)
{
	size_t n = 0;

	for (size_t i = 0; i < s->n_dets; i++)
		n += 1 + s->dets[i]->n_parts;
	if (!(s->rows = kn_calloc(n, sizeof *s->rows)))
		return fail(s, "out of memory"), -1;
	for (size_t i = 0; i < s->n_dets; i++) {
		const struct kn_eval_detector *det = s->dets[i];
		s->rows[s->n_rows++] = (struct ev_row){ i, NULL, NULL };
		for (size_t k = 0; k < det->n_parts; k++) {
			struct ev_row *r = &s->rows[s->n_rows++];
			size_t len = strlen(det->name) + strlen(det->parts[k]) + 2;
			r->det = i;
			r->part = det->parts[k];
			if (!(r->name = kn_malloc(len)))
				return fail(s, "out of memory"), -1;
			snprintf(r->name, len, "%s.%s", det->name, det->parts[k]);
		}
	}
	return 0;
}

static int load_detectors(struct ev_state *s)
{
	char errbuf[KN_ERRBUF_SIZE];

	s->dets = kn_calloc(s->o->n_detectors, sizeof *s->dets);
	s->versions = kn_calloc(s->o->n_detectors, sizeof *s->versions);
	if (!s->dets || !s->versions)
		return fail(s, "out of memory"), -1;
	for (size_t i = 0; i < s->o->n_detectors; i++) {
		const char *d = s->o->detectors[i];
		struct kn_eval_detector *det = !strcmp(d, "kenchi") ? kn_eval_detector_builtin() :
					       kn_eval_detector_load_file(d, errbuf);
		if (!det)
			return fail(s, strcmp(d, "kenchi") ? errbuf : "out of memory"), -1;
		s->dets[s->n_dets++] = det;
		for (size_t k = 0; k + 1 < s->n_dets; k++)
			if (!strcmp(s->dets[k]->name, det->name)) {
				snprintf(errbuf, sizeof errbuf, "%s: detector name '%s' is used "
					 "twice; give each config its own name", d, det->name);
				return fail(s, errbuf), -1;
			}
		if (!(s->versions[i] = ev_detector_version(det)))
			return fail(s, "out of memory"), -1;
		if (!strcmp(d, "kenchi") && builtin_parts(det) != 0)
			return fail(s, "out of memory"), -1;
	}
	return make_rows(s);
}

static int selected(const struct ev_opts *o, const char *name)
{
	if (!o->n_captures)
		return 1;
	for (size_t i = 0; i < o->n_captures; i++) {
		const char *f = o->captures[i];
		size_t n = strlen(f);
		if (n && f[n - 1] == '*' ? !strncmp(f, name, n - 1) : !strcmp(f, name))
			return 1;
	}
	return 0;
}

/* Stages the selected captures of one dataset. */
static void stage_dataset(struct ev_state *s, struct ev_ds *d)
{
	char errbuf[KN_ERRBUF_SIZE];

	for (size_t i = 0; i < d->ds->n_captures; i++) {
		const struct kn_eval_capture *mc = &d->ds->captures[i];
		struct ev_capture *c = &d->caps[i];
		c->idx = i;
		if (!selected(s->o, mc->name))
			continue;
		progress(s, "reading %s", mc->file);
		if (ev_stage(mc, c, s->o->work, !s->o->no_hash) != 0) {
			snprintf(errbuf, sizeof errbuf, "%s: capture %s left out: %s", d->manifest,
				 mc->name, c->error ? c->error : "out of memory");
			fail(s, errbuf);
		} else if (kn_eval_dataset_set_packets(d->ds, i, c->n, errbuf) != 0) {
			fail(s, errbuf);
		} else {
			d->ready[i] = 1;
		}
	}
}

static int load_datasets(struct ev_state *s)
{
	struct kn_eval_load_opts lo = { .base_dir = s->o->base_dir,
					.skip_files = s->o->no_hash ? 2 : 0 };
	char errbuf[KN_ERRBUF_SIZE];

	if (!(s->dss = kn_calloc(s->o->n_manifests, sizeof *s->dss)))
		return fail(s, "out of memory"), -1;
	for (size_t i = 0; i < s->o->n_manifests; i++) {
		struct ev_ds *d = &s->dss[s->n_dss];
		d->manifest = s->o->manifests[i];
		progress(s, "loading %s", d->manifest);
		if (!(d->ds = kn_eval_dataset_load_file(d->manifest, &lo, errbuf))) {
			fail(s, errbuf);
			continue;
		}
		s->n_dss++;
		if (kn_eval_sha256_file(d->manifest, d->sha256) != 0)
			d->sha256[0] = '\0';
		d->caps = kn_calloc(d->ds->n_captures, sizeof *d->caps);
		d->ready = kn_calloc(d->ds->n_captures, 1);
		if (!d->caps || !d->ready)
			return fail(s, "out of memory"), -1;
		stage_dataset(s, d);
	}
	return 0;
}

/* ----------------------------------------------------------- groups */

static int group_add_classes(struct ev_group *g, const struct kn_eval_dataset *ds)
{
	if (!(g->cls = kn_calloc(ds->n_classes + 1, sizeof *g->cls)) ||
	    !(g->cls_names = kn_calloc(ds->n_classes + 1, sizeof *g->cls_names)))
		return -1;
	for (uint32_t k = 0; k < ds->n_classes; k++) {
		int used = 0;
		for (size_t i = 0; i < g->n_caps && !used; i++) {
			const struct kn_eval_capture *c = &ds->captures[g->caps[i]];
			for (size_t l = 0; l < c->n_labels && !used; l++)
				used = c->labels[l].cls == k;
		}
		if (used) {
			g->cls[g->n_cls] = k;
			g->cls_names[g->n_cls++] = ds->classes[k];
		}
	}
	return 0;
}

static int make_group(struct ev_state *s, size_t di, uint8_t grain)
{
	struct ev_ds *d = &s->dss[di];
	struct ev_group *g = &s->groups[s->n_groups];

	g->ds = di;
	g->grain = grain;
	if (!(g->caps = kn_calloc(d->ds->n_captures, sizeof *g->caps)) ||
	    !(g->rcaps = kn_calloc(d->ds->n_captures, sizeof *g->rcaps)))
		return -1;
	for (size_t i = 0; i < d->ds->n_captures; i++) {
		const struct kn_eval_capture *mc = &d->ds->captures[i];
		if (!d->ready[i] || mc->grain != grain)
			continue;
		g->rcaps[g->n_caps] = (struct kn_eval_report_capture){
			mc->name, mc->file, d->caps[i].sha256, d->caps[i].n };
		g->caps[g->n_caps++] = i;
	}
	if (g->n_caps == 0) {   /* nothing of this grain: no group */
		kn_free(g->caps);
		kn_free(g->rcaps);
		memset(g, 0, sizeof *g);
		return 0;
	}
	s->n_groups++;
	return group_add_classes(g, d->ds);
}

static int make_groups(struct ev_state *s)
{
	if (!(s->groups = kn_calloc(s->n_dss * 3 + 1, sizeof *s->groups)))
		return -1;
	for (size_t d = 0; d < s->n_dss; d++)
		for (uint8_t grain = 0; grain < 3; grain++)
			if (make_group(s, d, grain) != 0)
				return -1;
	for (size_t g = 0; g < s->n_groups; g++)
		s->runs_total += s->groups[g].n_caps * s->n_dets;
	s->res = kn_calloc(s->n_rows * s->n_groups + 1, sizeof *s->res);
	return s->res ? 0 : -1;
}

/* ---------------------------------------------------------- scoring */

static int add_error(struct ev_res *r, const char *cap, const char *msg)
{
	char buf[KN_ERRBUF_SIZE + 256];
	char **e = kn_realloc_array(r->errors, r->n_errors + 1, sizeof *e);

	if (!e)
		return -1;
	r->errors = e;
	snprintf(buf, sizeof buf, "%s: %s", cap, msg);
	return (e[r->n_errors] = kn_strdup(buf)) ? (int)(r->n_errors++, 0) : -1;
}

/* A summary for a capture that was not scored: nothing counted, nothing defined. */
static void empty_summary(struct kn_eval_summary *s, uint8_t grain)
{
	memset(s, 0, sizeof *s);
	s->grain = grain;
	s->precision = s->recall = s->f1 = s->roc_auc = s->pr_auc = s->eer = NAN;
	s->tpr_at_fpr_0001 = s->tpr_at_fpr_001 = NAN;
	s->delay_mean_s = s->delay_median_s = s->delay_max_s = NAN;
	s->undefined = KN_EVAL_U_NO_ITEMS | KN_EVAL_U_NO_ALERTS | KN_EVAL_U_NO_NEGATIVES |
		       KN_EVAL_U_UNSCORED | KN_EVAL_U_NO_DELAY;
}

/* The score of one capture alone, and its part of the group's score. */
static int score_capture(const struct kn_eval_dataset *ds, size_t idx,
			 const struct ev_capture *c, const struct ev_outcome *out,
			 const struct kn_eval_match_opts *mo, struct kn_eval_scorer *group,
			 struct kn_eval_report_capres *cr, char *errbuf)
{
	struct kn_eval_packets pk = { c->ts_ns, c->n };
	struct kn_eval_scorer *one = kn_eval_scorer_new(ds, mo, errbuf);
	int rc = one ? 0 : -1;

	if (!rc)
		rc = kn_eval_scorer_add(one, idx, out->alerts.v, out->alerts.n, &pk, errbuf);
	if (!rc)
		rc = kn_eval_scorer_summary(one, KN_EVAL_ALL, &cr->s);
	if (!rc)
		rc = kn_eval_scorer_add(group, idx, out->alerts.v, out->alerts.n, &pk, errbuf);
	kn_eval_scorer_free(one);
	return rc;
}

static void add_cost(struct kn_eval_cost *sum, const struct kn_eval_cost *c)
{
	if (c->wall_s >= 0)
		sum->wall_s = (sum->wall_s < 0 ? 0 : sum->wall_s) + c->wall_s;
	if (c->cpu_s >= 0)
		sum->cpu_s = (sum->cpu_s < 0 ? 0 : sum->cpu_s) + c->cpu_s;
	if (c->peak_rss_kb > sum->peak_rss_kb)
		sum->peak_rss_kb = c->peak_rss_kb;
	if (c->wall_s >= 0)   /* packets of the runs that were timed */
		sum->packets = (sum->packets < 0 ? 0 : sum->packets) + c->packets;
	sum->pkts_per_s = sum->wall_s > 0 ? sum->packets / sum->wall_s : -1;
}

/* The rows scored from one detector's runs: the detector and its parts. */
struct ev_rowset {
	size_t first, n;             /* rows first..first+n-1 of the state */
	struct ev_res **res;
	struct kn_eval_scorer **scorers;
};

/* The findings of a part: shallow copies into *tmp (grown as needed). */
static size_t part_alerts(const struct kn_eval_alerts *all, const char *part,
			  struct kn_eval_alert **tmp, size_t *cap)
{
	size_t n = 0;

	for (size_t i = 0; i < all->n; i++) {
		const struct kn_eval_alert *a = &all->v[i];
		if (!a->detector || strcmp(a->detector, part))
			continue;
		if (n == *cap) {
			size_t c = *cap ? *cap * 2 : 64;
			struct kn_eval_alert *v = kn_realloc_array(*tmp, c, sizeof *v);
			if (!v)
				return SIZE_MAX;
			*tmp = v;
			*cap = c;
		}
		(*tmp)[n++] = *a;
	}
	return n;
}

/* Scores one run's findings for every row of the set. */
static int score_rows(struct ev_state *s, const struct ev_group *g, size_t k,
		      struct ev_rowset *rs, const struct ev_outcome *out,
		      const struct kn_eval_match_opts *mo)
{
	struct ev_ds *d = &s->dss[g->ds];
	size_t idx = g->caps[k], cap = 0;
	const char *cname = d->ds->captures[idx].name;
	struct kn_eval_alert *tmp = NULL;
	char errbuf[KN_ERRBUF_SIZE] = "";
	int rc = 0;

	for (size_t r = 0; r < rs->n; r++) {
		const char *part = s->rows[rs->first + r].part;
		struct ev_res *res = rs->res[r];
		struct ev_outcome one = *out;
		if (part) {
			size_t n = part_alerts(&out->alerts, part, &tmp, &cap);
			if (n == SIZE_MAX) {
				rc = -1;
				break;
			}
			one.alerts.v = tmp;
			one.alerts.n = n;
		}
		if (score_capture(d->ds, idx, &d->caps[idx], &one, mo, rs->scorers[r],
				  &res->caps[k], errbuf) != 0)
			rc |= add_error(res, cname, errbuf[0] ? errbuf : "out of memory");
		if (out->note)
			rc |= add_error(res, cname, out->note);
		add_cost(&res->r.cost, &out->cost);
	}
	kn_free(tmp);
	return rc;
}

/* A run that failed: every row of the set leaves the capture out. */
static int fail_rows(const struct ev_group *g, size_t k, struct ev_rowset *rs,
		     struct ev_outcome *out)
{
	for (size_t r = 0; r < rs->n; r++) {
		struct kn_eval_report_capres *cr = &rs->res[r]->caps[k];
		cr->cost = out->cost;
		empty_summary(&cr->s, g->grain);
		if (!(rs->res[r]->cap_errors[k] = r ? kn_strdup(out->error) : out->error))
			return -1;
		cr->error = rs->res[r]->cap_errors[k];
	}
	out->error = NULL;   /* kept for the report */
	return 0;
}

/* Runs detector di on capture k of group g and scores its rows. */
static int run_one(struct ev_state *s, size_t di, const struct ev_group *g, size_t k,
		   struct ev_rowset *rs, const struct kn_eval_match_opts *mo)
{
	const struct kn_eval_detector *det = s->dets[di];
	struct ev_ds *d = &s->dss[g->ds];
	size_t idx = g->caps[k];
	const struct kn_eval_capture *mc = &d->ds->captures[idx];
	char outdir[4096], errbuf[KN_ERRBUF_SIZE] = "";
	struct ev_outcome out;
	int rc = 0;

	if (snprintf(outdir, sizeof outdir, "%s/%s/%s/%s", s->o->work, det->name, d->ds->name,
		     mc->name) >= (int)sizeof outdir)
		snprintf(errbuf, sizeof errbuf, "the work directory path is too long");
	else
		ev_rmtree(outdir);
	if (errbuf[0] || ev_mkdirs(outdir, errbuf) != 0)
		return fail(s, errbuf), add_error(rs->res[0], mc->name, errbuf);
	ev_run(det, mc, &d->caps[idx], outdir, &out);
	s->runs++;
	for (size_t r = 0; r < rs->n; r++)
		rs->res[r]->caps[k].cost = out.cost;
	if (out.error) {
		const char *why = out.error;
		if (!out.missing)
			s->failed = 1;
		progress(s, "[%zu/%zu] %s on %s: %s", s->runs, s->runs_total, det->name,
			 mc->name, why);
		rc = fail_rows(g, k, rs, &out);
	} else {
		rc = score_rows(s, g, k, rs, &out, mo);
		const struct kn_eval_report_capres *cr = &rs->res[0]->caps[k];
		progress(s, "[%zu/%zu] %s on %s: %zu findings, tp %llu fp %llu fn %llu%s",
			 s->runs, s->runs_total, det->name, mc->name, out.alerts.n,
			 (unsigned long long)cr->s.c.tp, (unsigned long long)cr->s.c.fp,
			 (unsigned long long)cr->s.c.fn, out.note ? " (see notes)" : "");
	}
	ev_outcome_fini(&out);
	if (s->o->temp_work)
		ev_rmtree(outdir);   /* outputs can be large; kept only with --work-dir */
	return rc;
}

/* The group's summaries once every capture is in. */
static int summarise(const struct ev_group *g, struct ev_res *res,
		     const struct kn_eval_scorer *scorer)
{
	if (kn_eval_scorer_summary(scorer, KN_EVAL_ALL, &res->r.all) != 0)
		return -1;
	for (size_t k = 0; k < g->n_cls; k++)
		if (kn_eval_scorer_summary(scorer, (int)g->cls[k], &res->classes[k]) != 0)
			return -1;
	if (!(res->r.all.undefined & KN_EVAL_U_UNSCORED)) {
		if (kn_eval_scorer_curve(scorer, KN_EVAL_ALL, &res->curve) != 0)
			return -1;
		res->r.curve = &res->curve;
	}
	return 0;
}

static int res_init(const struct ev_group *g, struct ev_res *res)
{
	res->r.cost = (struct kn_eval_cost){ -1, -1, -1, -1, -1 };
	res->classes = kn_calloc(g->n_cls + 1, sizeof *res->classes);
	res->caps = kn_calloc(g->n_caps, sizeof *res->caps);
	res->cap_errors = kn_calloc(g->n_caps, sizeof *res->cap_errors);
	return res->classes && res->caps && res->cap_errors ? 0 : -1;
}

static void res_publish(struct ev_res *res)
{
	res->r.classes = res->classes;
	res->r.captures = res->caps;
	res->r.errors = (const char *const *)res->errors;
	res->r.n_errors = res->n_errors;
}

/* Detector di (row `first` and its parts) on group gi. */
static int score_group(struct ev_state *s, size_t first, size_t gi)
{
	const struct ev_group *g = &s->groups[gi];
	size_t di = s->rows[first].det, n = 1 + s->dets[di]->n_parts;
	struct kn_eval_match_opts mo = { (int64_t)(s->o->tolerance_s * 1e9) };
	char errbuf[KN_ERRBUF_SIZE];
	struct ev_rowset rs = { first, n, kn_calloc(n, sizeof *rs.res),
				kn_calloc(n, sizeof *rs.scorers) };
	int rc = rs.res && rs.scorers ? 0 : -1;

	for (size_t r = 0; !rc && r < n; r++) {
		rs.res[r] = &s->res[(first + r) * s->n_groups + gi];
		rs.scorers[r] = kn_eval_scorer_new(s->dss[g->ds].ds, &mo, errbuf);
		rc = rs.scorers[r] ? res_init(g, rs.res[r]) : -1;
	}
	for (size_t k = 0; k < g->n_caps && !rc; k++)
		rc = run_one(s, di, g, k, &rs, &mo);
	for (size_t r = 0; !rc && r < n; r++)
		rc = summarise(g, rs.res[r], rs.scorers[r]);
	for (size_t r = 0; rs.res && rs.scorers && r < n; r++) {
		if (rs.res[r])
			res_publish(rs.res[r]);
		kn_eval_scorer_free(rs.scorers[r]);
	}
	kn_free(rs.res);
	kn_free(rs.scorers);
	return rc;
}

/* ----------------------------------------------------------- report */

static int write_reports(struct ev_state *s)
{
	struct kn_eval_report_group *groups = kn_calloc(s->n_groups + 1, sizeof *groups);
	struct kn_eval_report_detector *dets = kn_calloc(s->n_rows, sizeof *dets);
	struct kn_eval_report_result *results = kn_calloc(s->n_rows * s->n_groups + 1,
							  sizeof *results);
	char errbuf[KN_ERRBUF_SIZE];
	int rc = 0;

	if (!groups || !dets || !results) {
		rc = -1;
		goto out;
	}
	for (size_t g = 0; g < s->n_groups; g++) {
		const struct ev_group *eg = &s->groups[g];
		const struct ev_ds *d = &s->dss[eg->ds];
		groups[g] = (struct kn_eval_report_group){ d->ds->name, eg->grain, d->manifest,
			d->sha256, eg->rcaps, eg->n_caps, eg->cls_names, eg->n_cls };
	}
	for (size_t i = 0; i < s->n_rows; i++) {
		const struct ev_row *row = &s->rows[i];
		const struct kn_eval_detector *det = s->dets[row->det];
		for (size_t g = 0; g < s->n_groups; g++)
			results[i * s->n_groups + g] = s->res[i * s->n_groups + g].r;
		dets[i] = (struct kn_eval_report_detector){ row->name ? row->name : det->name,
			kn_eval_det_kind_name(det->kind), s->versions[row->det],
			det->kind == KN_EVAL_DET_COMMAND ? det->command :
			det->kind == KN_EVAL_DET_FILES ? det->output : "kenchi run (in-process)",
			det->config, results + i * s->n_groups, row->part ? det->name : NULL };
	}
	struct kn_eval_report r = { s->o->created, kn_version(), s->o->command,
				    s->o->tolerance_s, groups, s->n_groups, dets, s->n_rows };
	kn_eval_report_text(stdout, &r);
	fflush(stdout);
	if (s->o->json && kn_eval_report_json(&r, s->o->json, errbuf) != 0)
		fail(s, errbuf);
	else if (s->o->json)
		progress(s, "wrote %s", s->o->json);
	if (s->o->html && kn_eval_report_html(&r, s->o->html, errbuf) != 0)
		fail(s, errbuf);
	else if (s->o->html)
		progress(s, "wrote %s", s->o->html);
out:
	kn_free(groups);
	kn_free(dets);
	kn_free(results);
	return rc;
}

static void free_state(struct ev_state *s)
{
	for (size_t i = 0; i < s->n_rows * s->n_groups; i++) {
		struct ev_res *r = &s->res[i];
		for (size_t k = 0; k < r->n_errors; k++)
			kn_free(r->errors[k]);
		kn_free(r->errors);
		for (size_t k = 0; r->cap_errors && k < s->groups[i % s->n_groups].n_caps; k++)
			kn_free(r->cap_errors[k]);
		kn_free(r->cap_errors);
		kn_free(r->classes);
		kn_free(r->caps);
		kn_eval_curve_fini(&r->curve);
	}
	kn_free(s->res);
	for (size_t g = 0; g < s->n_groups; g++) {
		kn_free(s->groups[g].caps);
		kn_free(s->groups[g].rcaps);
		kn_free(s->groups[g].cls);
		kn_free(s->groups[g].cls_names);
	}
	kn_free(s->groups);
	for (size_t d = 0; d < s->n_dss; d++) {
		for (size_t i = 0; s->dss[d].caps && i < s->dss[d].ds->n_captures; i++)
			ev_capture_fini(&s->dss[d].caps[i]);
		kn_free(s->dss[d].caps);
		kn_free(s->dss[d].ready);
		kn_eval_dataset_free(s->dss[d].ds);
	}
	kn_free(s->dss);
	for (size_t i = 0; i < s->n_dets; i++) {
		kn_eval_detector_free(s->dets[i]);
		kn_free(s->versions[i]);
	}
	kn_free(s->dets);
	kn_free(s->versions);
	for (size_t i = 0; i < s->n_rows; i++)
		kn_free(s->rows[i].name);
	kn_free(s->rows);
}

int ev_evaluate(const struct ev_opts *o)
{
	struct ev_state s = { .o = o };
	int rc = load_detectors(&s);

	if (!rc)
		rc = load_datasets(&s);
	if (!rc && (rc = make_groups(&s)) != 0)
		fail(&s, "out of memory");
	if (!rc && s.n_groups == 0)
		fail(&s, o->n_captures ? "no capture matches --capture" : "no capture to score");
	for (size_t ri = 0; !rc && ri < s.n_rows; ri++)
		for (size_t gi = 0; !rc && s.rows[ri].part == NULL && gi < s.n_groups; gi++)
			if ((rc = score_group(&s, ri, gi)) != 0)
				fail(&s, "out of memory");
	if (!rc && s.n_groups && write_reports(&s) != 0)
		fail(&s, "out of memory");
	free_state(&s);
	return s.failed || rc ? 1 : 0;
}
