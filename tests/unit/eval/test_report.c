/*
 * test_report.c - the report writers of `kenchi eval` on a report built by
 * hand: two detectors (one scored, one without scores) on two groups (a
 * packet-grain dataset with hostile names and a flow-grain one whose ROC
 * is undefined), NaN metrics and unmeasured (negative) costs.
 *   text: exact lines of the terminal table, the number formats;
 *   JSON: parsed back with jansson, exactly the stable keys in order, values
 *         (null for NaN / not measured, numbers that read back equal);
 *   HTML: two <svg> per group, the polylines' first and last points, the
 *         operating-point marker, escaped names, no script, balanced tags;
 *   curve thinning; unwritable paths, a directory, /dev/full (skipped when
 *   absent) and allocation failures.
 * With KN_REPORT_SAMPLE=FILE in the environment the HTML report is also
 * written to FILE (tests/integration/html_shot.py screenshots it).
 */
#include "../../kt.h"

#include <math.h>
#include <sys/stat.h>
#include <unistd.h>

#include <jansson.h>

#include "eval/report_int.h"
#include "kenchi/eval_report.h"
#include "util/alloc.h"

#define HOSTILE_DS "demo<script>x</script>&\"q'"
#define HOSTILE_DET "suri<&>\"'"
#define HOSTILE_DS_ESC "demo&lt;script&gt;x&lt;/script&gt;&amp;&quot;q&#39;"
#define HOSTILE_DET_ESC "suri&lt;&amp;&gt;&quot;&#39;"

/* Everything the report points at. */
struct fixture {
	struct kn_eval_report r;
	struct kn_eval_report_group g[2];
	struct kn_eval_report_capture cap0[2], cap1[1];
	const char *cls0[2], *cls1[1];
	struct kn_eval_report_detector det[2];
	struct kn_eval_report_result res0[2], res1[2];
	struct kn_eval_summary cl00[2], cl01[1], cl10[2], cl11[1];
	struct kn_eval_report_capres cr00[2], cr01[1], cr10[2], cr11[1];
	struct kn_eval_point p00[3], p01[3];
	struct kn_eval_curve c00, c01;
	const char *err00[1];
};

static const struct kn_eval_cost no_cost = { -1, -1, -1, -1, -1 };

/* A summary with every rate undefined (then set what applies). */
static struct kn_eval_summary blank(uint8_t grain)
{
	struct kn_eval_summary s = {
		.grain = grain, .precision = NAN, .recall = NAN, .f1 = NAN, .roc_auc = NAN,
		.pr_auc = NAN, .eer = NAN, .tpr_at_fpr_0001 = NAN, .tpr_at_fpr_001 = NAN,
		.delay_mean_s = NAN, .delay_median_s = NAN, .delay_max_s = NAN,
	};
	return s;
}

static struct kn_eval_summary counts(uint8_t grain, uint64_t tp, uint64_t fp, uint64_t fn)
{
	struct kn_eval_summary s = blank(grain);
	s.c.tp = tp;
	s.c.fp = fp;
	s.c.fn = fn;
	s.c.items = tp + fn;
	s.precision = kn_eval_precision(tp, fp);
	s.recall = kn_eval_recall(tp, fn);
	s.f1 = kn_eval_f1(s.precision, s.recall);
	return s;
}

/* Detector 0 ("kenchi", scored) on group 0 (packet grain, 10 negatives):
 * scores 0.9 (2 attack packets), 0.5 (1 attack, 1 benign), 2 attack and 9
 * benign packets unranked. ROC (0,0) (0,.5) (.1,.75) (1,1): AUC = .1 * .625
 * + .9 * .875 = .85; AP = .5 * 1 + .25 * .75 = .6875. */
static void fill_group0(struct fixture *fx)
{
	struct kn_eval_report_result *a = &fx->res0[0], *b = &fx->res1[0];

	fx->p00[0] = (struct kn_eval_point){ 0.9, 2, 0 };
	fx->p00[1] = (struct kn_eval_point){ 0.5, 3, 1 };
	fx->p00[2] = (struct kn_eval_point){ -INFINITY, 4, 10 };
	fx->c00 = (struct kn_eval_curve){ fx->p00, 3, 4, 10, 1 };
	a->all = counts(KN_EVAL_GRAIN_PACKET, 3, 1, 1);
	a->all.c.alerts = 7;
	a->all.c.alerts_false = 1;
	a->all.c.labels = 2;
	a->all.c.labels_detected = 2;
	a->all.roc_auc = 0.85;
	a->all.pr_auc = 0.6875;
	a->all.eer = 0.2;
	a->all.tpr_at_fpr_0001 = 0.5;
	a->all.tpr_at_fpr_001 = 0.5;
	a->all.delay_n = 2;
	a->all.delay_mean_s = 1.5;
	a->all.delay_max_s = 2.25;
	a->curve = &fx->c00;
	a->cost = (struct kn_eval_cost){ 2.5, 2.0, 10240, 150, 60 };
	fx->cl00[0] = counts(KN_EVAL_GRAIN_PACKET, 2, 1, 1);   /* precision 2/3 */
	fx->cl00[0].delay_n = 1;
	fx->cl00[0].delay_mean_s = 0.5;
	fx->cl00[1] = counts(KN_EVAL_GRAIN_PACKET, 1, 1, 0);
	a->classes = fx->cl00;
	fx->cr00[0].s = counts(KN_EVAL_GRAIN_PACKET, 3, 1, 0);
	fx->cr00[0].s.c.alerts = 7;
	fx->cr00[0].cost = (struct kn_eval_cost){ 2.5, 2.0, 10240, 100, 40 };
	fx->cr00[1].s = counts(KN_EVAL_GRAIN_PACKET, 0, 0, 1);
	fx->cr00[1].cost = no_cost;
	fx->cr00[1].error = "exit status 2 <stderr>";
	a->captures = fx->cr00;
	fx->err00[0] = "capture cap&2: exit status 2";
	a->errors = fx->err00;
	a->n_errors = 1;

	/* Detector 1 (files, no scores): 2 of 4 found, 2 false; no cost. */
	b->all = counts(KN_EVAL_GRAIN_PACKET, 2, 2, 2);
	b->all.undefined = KN_EVAL_U_UNSCORED;
	b->cost = no_cost;
	fx->cl10[0] = counts(KN_EVAL_GRAIN_PACKET, 1, 2, 2);
	fx->cl10[1] = counts(KN_EVAL_GRAIN_PACKET, 1, 2, 0);
	b->classes = fx->cl10;
	fx->cr10[0].s = b->all;
	fx->cr10[0].cost = no_cost;
	fx->cr10[1].s = counts(KN_EVAL_GRAIN_PACKET, 0, 0, 0);
	fx->cr10[1].cost = no_cost;
	b->captures = fx->cr10;
}

/* Group 1 (flow grain, negatives unknown): detector 0 scores 2.0 (one
 * attack flow), 1.0 (one false flow), one attack flow unranked: PR points
 * (.5, 1) (.5, .5), no ROC. Detector 1 found nothing. */
static void fill_group1(struct fixture *fx)
{
	struct kn_eval_report_result *a = &fx->res0[1], *b = &fx->res1[1];

	fx->p01[0] = (struct kn_eval_point){ 2.0, 1, 0 };
	fx->p01[1] = (struct kn_eval_point){ 1.0, 1, 1 };
	fx->p01[2] = (struct kn_eval_point){ -INFINITY, 2, 1 };
	fx->c01 = (struct kn_eval_curve){ fx->p01, 3, 2, 1, 0 };
	a->all = counts(KN_EVAL_GRAIN_FLOW, 1, 1, 1);
	a->all.pr_auc = 0.5;
	a->all.undefined = KN_EVAL_U_NO_NEGATIVES;
	a->curve = &fx->c01;
	a->cost = (struct kn_eval_cost){ 0.125, 0.1, 2048, 1e6, 8e6 };
	fx->cl01[0] = a->all;
	a->classes = fx->cl01;
	fx->cr01[0].s = a->all;
	fx->cr01[0].cost = a->cost;
	a->captures = fx->cr01;
	b->all = counts(KN_EVAL_GRAIN_FLOW, 0, 0, 2);
	b->all.undefined = KN_EVAL_U_UNSCORED | KN_EVAL_U_NO_ALERTS;
	b->cost = no_cost;
	fx->cl11[0] = b->all;
	b->classes = fx->cl11;
	fx->cr11[0].s = b->all;
	fx->cr11[0].cost = no_cost;
	b->captures = fx->cr11;
}

static void fixture_init(struct fixture *fx)
{
	memset(fx, 0, sizeof *fx);
	fx->cap0[0] = (struct kn_eval_report_capture){ "cap-1", "/data/a.pcap",
		"9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08", 100 };
	fx->cap0[1] = (struct kn_eval_report_capture){ "cap&2", "/data/b<b>.pcap", "", 0 };
	fx->cap1[0] = (struct kn_eval_report_capture){ "f1", "/data/f1.pcap", "", 5000 };
	fx->cls0[0] = "dos";
	fx->cls0[1] = "scan<i>";
	fx->cls1[0] = "bruteforce";
	fx->g[0] = (struct kn_eval_report_group){ HOSTILE_DS, KN_EVAL_GRAIN_PACKET,
		"sets/demo.json", "00ff", fx->cap0, 2, fx->cls0, 2 };
	fx->g[1] = (struct kn_eval_report_group){ "flows", KN_EVAL_GRAIN_FLOW,
		"sets/flows.json", "11ee", fx->cap1, 1, fx->cls1, 1 };
	fill_group0(fx);
	fill_group1(fx);
	fx->det[0] = (struct kn_eval_report_detector){ "kenchi", "kenchi", "0.1.0",
		"kenchi run -c {config} {pcap}", "/etc/kenchi.conf", fx->res0, NULL };
	fx->det[1] = (struct kn_eval_report_detector){ HOSTILE_DET, "files", "",
		"out/*.eve.json", "", fx->res1, NULL };
	fx->r = (struct kn_eval_report){ "2024-05-06T07:08:09Z", "0.1.0",
		"kenchi eval --dataset sets/demo.json", 0.1, fx->g, 2, fx->det, 2 };
}

/* The whole file in a new buffer (kn_free it), NULL when unreadable. */
static char *slurp(const char *path)
{
	FILE *f = fopen(path, "rb");
	char *buf = NULL;
	long n;

	if (!f)
		return NULL;
	if (fseek(f, 0, SEEK_END) == 0 && (n = ftell(f)) >= 0 && fseek(f, 0, SEEK_SET) == 0 &&
	    (buf = kn_malloc((size_t)n + 1)) != NULL) {
		if (fread(buf, 1, (size_t)n, f) != (size_t)n) {
			kn_free(buf);
			buf = NULL;
		} else {
			buf[n] = '\0';
		}
	}
	fclose(f);
	return buf;
}

static size_t count(const char *hay, const char *needle)
{
	size_t n = 0;
	for (const char *p = hay; (p = strstr(p, needle)) != NULL; p++)
		n++;
	return n;
}

static int exists(const char *path)
{
	struct stat st;
	return stat(path, &st) == 0;
}

static void tmp_path(char *out, size_t size, const char *name)
{
	snprintf(out, size, "/tmp/kn_test_report_%ld_%s", (long)getpid(), name);
}

/* ---------------------------------------------------------------- text */

static void test_text(void)
{
	struct fixture fx;
	char *buf = NULL;
	size_t len = 0;
	FILE *f;

	fixture_init(&fx);
	KT_REQUIRE((f = open_memstream(&buf, &len)) != NULL);
	kn_eval_report_text(f, &fx.r);
	fclose(f);
	KT_REQUIRE(buf != NULL);
	/* Heading, header, one line per detector; widths from the widest cell
	 * ("suri<&>\"'" is 9 wide, "pkts/s" 6, "tpr@0.1%" 8). */
	KT_CHECK(strstr(buf,
		"dataset " HOSTILE_DS ", packet grain, 2 captures, classes: dos, scan<i>\n"
		"  detector   tp  fp  fn   prec  recall     f1  roc_auc  pr_auc    eer  tpr@0.1%"
		"  tpr@1%  delay_s  pkts/s  wall_s\n"
		"  kenchi      3   1   1  0.750   0.750  0.750    0.850   0.688  0.200     0.500"
		"   0.500      1.5      60     2.5\n"
		"  " HOSTILE_DET "   2   2   2  0.500   0.500  0.500        -       -      -"
		"         -       -        -       -       -\n"
		"  kenchi: error: capture cap&2: exit status 2\n"
		"  kenchi: capture cap&2: exit status 2 <stderr>\n\n") == buf);
	/* Per class: the class's items, tp, fn, recall per detector. */
	KT_CHECK(strstr(buf, "  class    detector   items  tp  fn  recall  pr_auc  delay_s\n"
			     "  dos      kenchi         3   2   1   0.667       -      0.5\n"
			     "  dos      " HOSTILE_DET "      3   1   2   0.333       -        -\n"
			     "  scan<i>  kenchi         1   1   0   1.000       -        -\n") !=
		 NULL);
	/* The flow group: magnitudes of 1000 and more as whole numbers. */
	KT_CHECK(strstr(buf, "\ndataset flows, flow grain, 1 capture, classes: bruteforce\n") !=
		 NULL);
	KT_CHECK(strstr(buf, "  kenchi      1   1   1  0.500   0.500  0.500        -   0.500"
			     "    -         -       -        -  8000000   0.125\n") != NULL);
	free(buf);
}

/* Control characters in names cannot reach the terminal. */
static void test_text_control(void)
{
	struct fixture fx;
	char *buf = NULL;
	size_t len = 0;
	FILE *f;

	fixture_init(&fx);
	fx.det[0].name = "ev\x1b[2Jil";
	KT_REQUIRE((f = open_memstream(&buf, &len)) != NULL);
	kn_eval_report_text(f, &fx.r);
	fclose(f);
	KT_CHECK(strchr(buf, '\x1b') == NULL);
	KT_CHECK(strstr(buf, "  ev?[2Jil    3   1   1  0.750") != NULL);
	free(buf);
}

/* ---------------------------------------------------------------- JSON */

/* obj has exactly these keys, in this order. */
static int keys_are(json_t *obj, const char *const *keys)
{
	size_t i = 0;
	const char *k;
	json_t *v;

	if (!json_is_object(obj))
		return 0;
	json_object_foreach(obj, k, v) {
		if (!keys[i] || strcmp(k, keys[i]) != 0) {
			fprintf(stderr, "key %zu: %s, expected %s\n", i, k,
				keys[i] ? keys[i] : "end");
			return 0;
		}
		i++;
	}
	return keys[i] == NULL;
}

static const char *const k_top[] = { "kenchi_eval_report", "created", "kenchi_version",
	"command", "tolerance_s", "datasets", "detectors", NULL };
static const char *const k_group[] = { "name", "grain", "manifest", "manifest_sha256",
	"captures", NULL };
static const char *const k_cap[] = { "name", "file", "sha256", "packets", NULL };
static const char *const k_det[] = { "name", "kind", "version", "command", "config",
	"datasets", NULL };
static const char *const k_res[] = { "name", "grain", "tp", "fp", "fn", "precision",
	"recall", "f1", "roc_auc", "pr_auc", "eer", "tpr_at_fpr", "delay_s", "wall_s", "cpu_s",
	"peak_rss_kb", "pkts_per_s", "items", "alerts", "alerts_false", "labels",
	"labels_detected", "delay_max_s", "packets", "errors", "classes", "captures", "curve",
	NULL };
static const char *const k_class[] = { "class", "items", "tp", "fn", "precision", "recall",
	"f1", "roc_auc", "pr_auc", "delay_s", NULL };
static const char *const k_capres[] = { "name", "tp", "fp", "fn", "precision", "recall",
	"f1", "roc_auc", "pr_auc", "eer", "tpr_at_fpr", "delay_s", "wall_s", "cpu_s",
	"peak_rss_kb", "pkts_per_s", "alerts", "error", NULL };
static const char *const k_tpr[] = { "0.001", "0.01", NULL };
static const char *const k_curve[] = { "roc", "pr", NULL };

#define NUM(o, k) json_real_value(json_object_get((o), (k)))
#define INT(o, k) json_integer_value(json_object_get((o), (k)))
#define STR(o, k) json_string_value(json_object_get((o), (k)))
#define ISNULL(o, k) json_is_null(json_object_get((o), (k)))

/* p is [x, y] with exactly these doubles. */
static int pair_is(json_t *p, double x, double y)
{
	return json_is_array(p) && json_array_size(p) == 2 &&
	       json_is_real(json_array_get(p, 0)) && json_is_real(json_array_get(p, 1)) &&
	       json_real_value(json_array_get(p, 0)) == x &&
	       json_real_value(json_array_get(p, 1)) == y;
}

/* Every object of the document has the stable keys. */
static void check_keys(json_t *doc)
{
	json_t *dets = json_object_get(doc, "detectors"), *g, *d, *res, *x;
	size_t i, j, k;

	KT_CHECK(keys_are(doc, k_top));
	json_array_foreach(json_object_get(doc, "datasets"), i, g) {
		KT_CHECK(keys_are(g, k_group));
		json_array_foreach(json_object_get(g, "captures"), j, x)
			KT_CHECK(keys_are(x, k_cap));
	}
	KT_EQ(json_array_size(dets), 2);
	json_array_foreach(dets, i, d) {
		KT_CHECK(keys_are(d, k_det));
		KT_EQ(json_array_size(json_object_get(d, "datasets")), 2);
		json_array_foreach(json_object_get(d, "datasets"), j, res) {
			KT_CHECK(keys_are(res, k_res));
			KT_CHECK(keys_are(json_object_get(res, "tpr_at_fpr"), k_tpr));
			json_array_foreach(json_object_get(res, "classes"), k, x)
				KT_CHECK(keys_are(x, k_class));
			json_array_foreach(json_object_get(res, "captures"), k, x) {
				KT_CHECK(keys_are(x, k_capres));
				KT_CHECK(keys_are(json_object_get(x, "tpr_at_fpr"), k_tpr));
			}
			if (!ISNULL(res, "curve"))
				KT_CHECK(keys_are(json_object_get(res, "curve"), k_curve));
		}
	}
}

/* Detector 0 on group 0: values, nulls, the curve. */
static void check_scored(json_t *res)
{
	json_t *cls, *cap, *roc, *pr, *tpr = json_object_get(res, "tpr_at_fpr");

	KT_EQ_STR(STR(res, "name"), HOSTILE_DS);
	KT_EQ_STR(STR(res, "grain"), "packet");
	KT_EQ(INT(res, "tp"), 3);
	KT_EQ(INT(res, "fn"), 1);
	KT_CHECK(NUM(res, "precision") == 0.75 && NUM(res, "roc_auc") == 0.85);
	KT_CHECK(NUM(res, "pr_auc") == 0.6875 && NUM(res, "eer") == 0.2);
	KT_CHECK(NUM(tpr, "0.001") == 0.5 && NUM(tpr, "0.01") == 0.5);
	KT_CHECK(NUM(res, "delay_s") == 1.5 && NUM(res, "delay_max_s") == 2.25);
	KT_CHECK(NUM(res, "wall_s") == 2.5 && NUM(res, "peak_rss_kb") == 10240);
	KT_EQ(INT(res, "packets"), 150);
	KT_EQ(INT(res, "alerts"), 7);
	KT_EQ(INT(res, "labels_detected"), 2);
	KT_EQ_STR(json_string_value(json_array_get(json_object_get(res, "errors"), 0)),
		  "capture cap&2: exit status 2");
	cls = json_array_get(json_object_get(res, "classes"), 0);
	KT_EQ_STR(STR(cls, "class"), "dos");
	KT_CHECK(NUM(cls, "precision") == 2.0 / 3 && NUM(cls, "recall") == 2.0 / 3);
	KT_CHECK(ISNULL(cls, "pr_auc") && NUM(cls, "delay_s") == 0.5);
	cls = json_array_get(json_object_get(res, "classes"), 1);
	KT_EQ_STR(STR(cls, "class"), "scan<i>");
	KT_CHECK(ISNULL(cls, "delay_s"));
	cap = json_array_get(json_object_get(res, "captures"), 1);
	KT_EQ_STR(STR(cap, "name"), "cap&2");
	KT_EQ_STR(STR(cap, "error"), "exit status 2 <stderr>");
	KT_CHECK(ISNULL(cap, "precision") && ISNULL(cap, "wall_s") && ISNULL(cap, "pkts_per_s"));
	KT_CHECK(ISNULL(json_array_get(json_object_get(res, "captures"), 0), "error"));
	roc = json_object_get(json_object_get(res, "curve"), "roc");
	pr = json_object_get(json_object_get(res, "curve"), "pr");
	KT_EQ(json_array_size(roc), 4);
	KT_CHECK(pair_is(json_array_get(roc, 0), 0, 0) && pair_is(json_array_get(roc, 1), 0, 0.5));
	KT_CHECK(pair_is(json_array_get(roc, 2), 0.1, 0.75) &&
		 pair_is(json_array_get(roc, 3), 1, 1));
	KT_EQ(json_array_size(pr), 2);
	KT_CHECK(pair_is(json_array_get(pr, 0), 0.5, 1) &&
		 pair_is(json_array_get(pr, 1), 0.75, 0.75));
}

/* Detector 1 (no scores, no cost) and the flow group. */
static void check_unscored(json_t *d0, json_t *d1)
{
	json_t *res = json_array_get(json_object_get(d1, "datasets"), 0);
	json_t *flow = json_array_get(json_object_get(d0, "datasets"), 1);
	json_t *curve = json_object_get(flow, "curve"), *pr = json_object_get(curve, "pr");

	KT_EQ_STR(STR(d1, "name"), HOSTILE_DET);
	KT_EQ_STR(STR(d1, "version"), "");
	KT_CHECK(NUM(res, "precision") == 0.5 && ISNULL(res, "roc_auc") && ISNULL(res, "eer"));
	KT_CHECK(ISNULL(json_object_get(res, "tpr_at_fpr"), "0.001"));
	KT_CHECK(ISNULL(res, "delay_s") && ISNULL(res, "wall_s") && ISNULL(res, "cpu_s"));
	KT_CHECK(ISNULL(res, "peak_rss_kb") && ISNULL(res, "pkts_per_s"));
	KT_CHECK(ISNULL(res, "packets") && ISNULL(res, "curve"));
	KT_EQ(json_array_size(json_object_get(res, "errors")), 0);
	KT_EQ_STR(STR(flow, "grain"), "flow");
	KT_EQ(INT(flow, "packets"), 1000000);
	KT_CHECK(NUM(flow, "pkts_per_s") == 8e6 && NUM(flow, "wall_s") == 0.125);
	KT_CHECK(ISNULL(curve, "roc"));
	KT_EQ(json_array_size(pr), 2);
	KT_CHECK(pair_is(json_array_get(pr, 0), 0.5, 1) &&
		 pair_is(json_array_get(pr, 1), 0.5, 0.5));
	res = json_array_get(json_object_get(d1, "datasets"), 1);
	KT_CHECK(ISNULL(res, "precision") && NUM(res, "recall") == 0);
}

static void test_json(void)
{
	struct fixture fx;
	char path[256], tmp[300], err[KN_ERRBUF_SIZE] = "";
	json_error_t jerr;
	json_t *doc, *g0, *cap;

	fixture_init(&fx);
	tmp_path(path, sizeof path, "r.json");
	snprintf(tmp, sizeof tmp, "%s.tmp", path);
	KT_REQUIRE(kn_eval_report_json(&fx.r, path, err) == 0);
	KT_CHECK(!exists(tmp));
	doc = json_load_file(path, 0, &jerr);
	unlink(path);
	KT_REQUIRE(doc != NULL);
	check_keys(doc);
	KT_EQ(INT(doc, "kenchi_eval_report"), 1);
	KT_EQ_STR(STR(doc, "created"), "2024-05-06T07:08:09Z");
	KT_EQ_STR(STR(doc, "command"), "kenchi eval --dataset sets/demo.json");
	KT_CHECK(json_is_real(json_object_get(doc, "tolerance_s")) &&
		 NUM(doc, "tolerance_s") == 0.1);
	g0 = json_array_get(json_object_get(doc, "datasets"), 0);
	KT_EQ_STR(STR(g0, "name"), HOSTILE_DS);
	KT_EQ_STR(STR(g0, "manifest_sha256"), "00ff");
	cap = json_array_get(json_object_get(g0, "captures"), 0);
	KT_EQ(INT(cap, "packets"), 100);
	KT_EQ(strlen(STR(cap, "sha256")), 64);
	cap = json_array_get(json_object_get(g0, "captures"), 1);
	KT_EQ_STR(STR(cap, "file"), "/data/b<b>.pcap");
	KT_CHECK(ISNULL(cap, "sha256") && ISNULL(cap, "packets"));
	check_scored(json_array_get(json_object_get(json_array_get(json_object_get(doc,
		"detectors"), 0), "datasets"), 0));
	check_unscored(json_array_get(json_object_get(doc, "detectors"), 0),
		       json_array_get(json_object_get(doc, "detectors"), 1));
	json_decref(doc);
}

/* Numbers read back as the same double, shortest first, reals stay reals. */
static void test_json_numbers(void)
{
	char b[REPORT_NUM_MAX];
	const double v[] = { 0.1, 1.0 / 3, 2.0 / 3, 1e-300, 123456789.125, 0.85, 5e-324 };

	KT_EQ_STR(report_fmt_json(b, 0.1), "0.1");
	KT_EQ_STR(report_fmt_json(b, 2), "2.0");
	KT_EQ_STR(report_fmt_json(b, 1e22), "1e+22");
	KT_EQ_STR(report_fmt_json(b, 1.0 / 3), "0.3333333333333333");
	KT_CHECK(report_fmt_json(b, NAN) == NULL && report_fmt_json(b, INFINITY) == NULL);
	for (size_t i = 0; i < sizeof v / sizeof v[0]; i++)
		KT_CHECK(strtod(report_fmt_json(b, v[i]), NULL) == v[i]);
}

/* The table formats: 3 decimals for rates, 3 significant digits without
 * exponent from 999.5 up, "-" for what does not apply. */
static void test_formats(void)
{
	char b[REPORT_NUM_MAX];
	struct kn_eval_summary s = blank(KN_EVAL_GRAIN_PACKET);

	KT_EQ_STR(report_fmt_rate(b, 0.1234), "0.123");
	KT_EQ_STR(report_fmt_rate(b, 1), "1.000");
	KT_EQ_STR(report_fmt_rate(b, NAN), "-");
	KT_EQ_STR(report_fmt_sig(b, 12.345), "12.3");
	KT_EQ_STR(report_fmt_sig(b, 0.000123), "0.000123");
	KT_EQ_STR(report_fmt_sig(b, 999.4), "999");
	KT_EQ_STR(report_fmt_sig(b, 999.6), "1000");
	KT_EQ_STR(report_fmt_sig(b, 1234567.8), "1234568");
	KT_EQ_STR(report_fmt_sig(b, 0), "0");
	KT_EQ_STR(report_fmt_sig(b, -1), "-");
	KT_EQ_STR(report_fmt_sig(b, INFINITY), "-");
	KT_EQ_STR(report_fmt_u64(b, UINT64_MAX), "18446744073709551615");
	s.delay_mean_s = 3;   /* no delay counted: the mean means nothing */
	KT_EQ_STR(report_fmt_delay(b, &s), "-");
	s.delay_n = 1;
	KT_EQ_STR(report_fmt_delay(b, &s), "3");
}

/* ---------------------------------------------------------------- HTML */

static const char *const void_tags[] = { "meta", "br", "hr", "img", "input", "link", "col",
	"wbr", "area", "base", "source", NULL };

/* Every element opened is closed, in order (void elements and "/>" aside).
 * 1 when balanced. */
static int tags_balanced(const char *s)
{
	char stack[64][16];
	size_t sp = 0;

	while ((s = strchr(s, '<')) != NULL) {
		const char *end = strchr(s, '>');
		char name[16];
		size_t n = 0;
		int closing = s[1] == '/';
		if (!end)
			return 0;
		if (s[1] == '!') {
			s = end + 1;
			continue;
		}
		for (const char *p = s + 1 + closing; n < sizeof name - 1 &&
		     ((*p >= 'a' && *p <= 'z') || (*p >= '0' && *p <= '9')); p++)
			name[n++] = *p;
		name[n] = '\0';
		s = end + 1;
		if (end[-1] == '/')
			continue;
		int is_void = 0;
		for (size_t i = 0; void_tags[i]; i++)
			is_void |= strcmp(name, void_tags[i]) == 0;
		if (is_void && !closing)
			continue;
		if (closing) {
			if (sp == 0 || strcmp(stack[sp - 1], name) != 0)
				return 0;
			sp--;
		} else {
			if (sp == 64)
				return 0;
			memcpy(stack[sp++], name, n + 1);
		}
	}
	return sp == 0;
}

static void test_html(void)
{
	struct fixture fx;
	char path[256], tmp[300], err[KN_ERRBUF_SIZE] = "";
	const char *sample = getenv("KN_REPORT_SAMPLE");
	char *html;

	fixture_init(&fx);
	tmp_path(path, sizeof path, "r.html");
	snprintf(tmp, sizeof tmp, "%s.tmp", path);
	KT_REQUIRE(kn_eval_report_html(&fx.r, path, err) == 0);
	KT_CHECK(!exists(tmp));
	html = slurp(path);
	unlink(path);
	KT_REQUIRE(html != NULL);
	KT_CHECK(strncmp(html, "<!DOCTYPE html>\n", 16) == 0);
	KT_EQ(count(html, "<svg "), 4);
	KT_EQ(count(html, "</svg>"), 4);
	/* Detector 0: ROC and PR on group 0, PR only on group 1 (flow grain). */
	KT_EQ(count(html, "<polyline"), 3);
	KT_CHECK(strstr(html, "stroke=\"#0072b2\" points=\"60.0,285.0 60.0,150.0 87.0,82.5 "
			      "330.0,15.0\"") != NULL);
	KT_CHECK(strstr(html, "points=\"60.0,15.0 195.0,15.0 195.0,82.5 262.5,82.5\"") != NULL);
	KT_CHECK(strstr(html, "points=\"60.0,15.0 195.0,15.0 195.0,150.0\"") != NULL);
	/* Detector 1: no scores; its operating point (.5, .5) on group 0's PR. */
	KT_EQ(count(html, "<circle"), 1);
	KT_CHECK(strstr(html, "cx=\"195.0\" cy=\"150.0\" r=\"5\" fill=\"#d55e00\"") != NULL);
	KT_EQ(count(html, HOSTILE_DET_ESC ": no scores"), 4);   /* 2 groups x 2 plots */
	KT_CHECK(strstr(html, HOSTILE_DET_ESC ": no scores (one operating point: precision "
			      "0.500, recall 0.500)") != NULL);
	KT_CHECK(strstr(html, "kenchi: AUC 0.850") != NULL);
	KT_CHECK(strstr(html, "kenchi: AP 0.688") != NULL);
	KT_CHECK(strstr(html, "kenchi: no ROC") != NULL);
	KT_CHECK(strstr(html, "<meta name=\"kenchi-palette\" content=\"#0072b2,#d55e00,") !=
		 NULL);
	/* Hostile names only escaped; no script, no external resource. */
	KT_CHECK(strcasestr(html, "<script") == NULL);
	KT_CHECK(strstr(html, "<i>") == NULL && strstr(html, "<b>") == NULL);
	KT_CHECK(count(html, HOSTILE_DS_ESC) >= 3);
	KT_CHECK(strstr(html, "scan&lt;i&gt;") && strstr(html, "cap&amp;2"));
	KT_CHECK(strstr(html, "exit status 2 &lt;stderr&gt;") != NULL);
	KT_CHECK(strstr(html, "/data/b&lt;b&gt;.pcap") != NULL);
	KT_CHECK(!strstr(html, "href=") && !strstr(html, "src=") && !strstr(html, "url("));
	KT_CHECK(strstr(html, "9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08"));
	KT_CHECK(strstr(html, "<pre>kenchi eval --dataset sets/demo.json</pre>") != NULL);
	KT_CHECK(tags_balanced(html));
	KT_CHECK(!tags_balanced("<table><tr><td>x</tr></table>"));
	kn_free(html);
	if (sample && *sample && kn_eval_report_html(&fx.r, sample, err) != 0)
		fprintf(stderr, "KN_REPORT_SAMPLE: %s\n", err);
}

/* A staircase of 20000 points is thinned to at most 2000 vertices that
 * still start at (0, 0) and end at (1, 1). */
static void test_html_thin(void)
{
	enum { N = 20000 };
	struct fixture fx;
	struct kn_eval_point *pts = kn_calloc(N, sizeof *pts);
	char path[256], err[KN_ERRBUF_SIZE];
	char *html = NULL, *pl, *end;

	KT_REQUIRE(pts != NULL);
	fixture_init(&fx);
	for (size_t i = 0; i < N; i++)   /* alternate a positive and a negative */
		pts[i] = (struct kn_eval_point){ (double)(N - i), (i + 2) / 2, (i + 1) / 2 };
	fx.c00 = (struct kn_eval_curve){ pts, N, N / 2, N / 2, 1 };
	tmp_path(path, sizeof path, "thin.html");
	KT_CHECK(kn_eval_report_html(&fx.r, path, err) == 0);
	html = slurp(path);
	unlink(path);
	kn_free(pts);
	KT_REQUIRE(html != NULL);
	KT_REQUIRE((pl = strstr(html, "<polyline")) && (pl = strstr(pl, "points=\"")));
	pl += 8;
	KT_REQUIRE((end = strchr(pl, '"')) != NULL);
	*end = '\0';
	KT_CHECK(strncmp(pl, "60.0,285.0 ", 11) == 0);
	KT_CHECK(end - pl > 11 && strcmp(end - 11, " 330.0,15.0") == 0);
	KT_CHECK(count(pl, ",") <= 2000 && count(pl, ",") >= 2);
	kn_free(html);
}

/* Repeated and collinear points go, corners and turns back stay; too many
 * vertices are simplified within a small fraction of the axis. */
static void test_thin(void)
{
	struct report_xy p[] = { { 0, 0 }, { 0, 0.25 }, { 0, 0.5 }, { 0, 0.5 }, { 0.5, 0.5 },
				 { 1, 0.5 }, { 1, 1 } };
	struct report_xy back[] = { { 0, 0 }, { 1, 0 }, { 0.5, 0 } };
	enum { N = 50000 };
	struct report_xy *c = kn_calloc(N, sizeof *c), *orig = kn_calloc(N, sizeof *c);
	size_t n, j = 0;
	int nomem;

	n = report_thin(p, 7, 2000, &nomem);
	KT_EQ(n, 4);
	KT_CHECK(p[1].x == 0 && p[1].y == 0.5 && p[2].x == 1 && p[2].y == 0.5);
	KT_CHECK(p[3].x == 1 && p[3].y == 1);
	KT_EQ(report_thin(back, 3, 2000, &nomem), 3);
	KT_REQUIRE(c && orig);
	for (size_t i = 0; i < N; i++)   /* y = sqrt(x), x increasing */
		orig[i] = c[i] = (struct report_xy){ (double)i / (N - 1),
						     sqrt((double)i / (N - 1)) };
	n = report_thin(c, N, 2000, &nomem);
	KT_CHECK(!nomem && n <= 2000 && n > 10);
	KT_CHECK(c[0].x == 0 && c[n - 1].x == 1 && c[n - 1].y == 1);
	for (size_t i = 0; i < N; i++) {   /* the thinned line stays within 0.005 */
		double t, y;
		while (j + 2 < n && c[j + 1].x < orig[i].x)
			j++;
		t = (orig[i].x - c[j].x) / (c[j + 1].x - c[j].x);
		y = c[j].y + t * (c[j + 1].y - c[j].y);
		if (fabs(y - orig[i].y) > 0.005) {
			KT_CHECK(fabs(y - orig[i].y) <= 0.005);
			break;
		}
	}
	kn_free(c);
	kn_free(orig);
}

/* ---------------------------------------------------------------- errors */

static void test_unwritable(void)
{
	struct fixture fx;
	char err[KN_ERRBUF_SIZE] = "";
	const char *bad = "/nonexistent-kn-report-dir/r.json";
	struct stat st;

	fixture_init(&fx);
	KT_EQ(kn_eval_report_json(&fx.r, bad, err), -KN_EIO);
	KT_CHECK(strstr(err, bad) != NULL);
	err[0] = '\0';
	KT_EQ(kn_eval_report_html(&fx.r, "/nonexistent-kn-report-dir/r.html", err), -KN_EIO);
	KT_CHECK(strstr(err, "/nonexistent-kn-report-dir/r.html") != NULL);
	KT_EQ(kn_eval_report_json(&fx.r, "/tmp", err), -KN_EIO);
	KT_CHECK(strstr(err, "/tmp: is a directory") != NULL);
	if (stat("/dev/full", &st) != 0 || !S_ISCHR(st.st_mode))
		KT_SKIP("/dev/full absent");
	err[0] = '\0';
	KT_EQ(kn_eval_report_json(&fx.r, "/dev/full", err), -KN_EIO);
	KT_CHECK(strstr(err, "/dev/full: write failed") != NULL);
	KT_EQ(kn_eval_report_html(&fx.r, "/dev/full", err), -KN_EIO);
	/* Written in place, never renamed over the device. */
	KT_CHECK(stat("/dev/full", &st) == 0 && S_ISCHR(st.st_mode));
	KT_CHECK(!exists("/dev/full.tmp"));
}

/* An existing report is replaced whole. */
static void test_replace(void)
{
	struct fixture fx;
	char path[256], err[KN_ERRBUF_SIZE];
	FILE *f;
	char *s;

	fixture_init(&fx);
	tmp_path(path, sizeof path, "old.json");
	KT_REQUIRE((f = fopen(path, "w")) != NULL);
	fputs("old content that is longer than nothing\n", f);
	fclose(f);
	KT_CHECK(kn_eval_report_json(&fx.r, path, err) == 0);
	s = slurp(path);
	unlink(path);
	KT_REQUIRE(s != NULL);
	KT_CHECK(strncmp(s, "{\n  \"kenchi_eval_report\": 1,\n", 29) == 0);
	KT_CHECK(strstr(s, "old content") == NULL);
	kn_free(s);
}

/* Every allocation failing in turn: -KN_ENOMEM and no file left, until
 * the writer gets all it needs (only in builds with fault injection). */
static void test_alloc_faults(void)
{
	struct fixture fx;
	char path[256], tmp[300], err[KN_ERRBUF_SIZE];

	fixture_init(&fx);
	tmp_path(path, sizeof path, "faults");
	snprintf(tmp, sizeof tmp, "%s.tmp", path);
	for (int which = 0; which < 2; which++) {
		int rc = -1, failed = 0;
		for (unsigned long n = 1; n < 500 && rc != 0; n++) {
			kn_alloc_fail_at(n);
			rc = which ? kn_eval_report_html(&fx.r, path, err) :
				     kn_eval_report_json(&fx.r, path, err);
			kn_alloc_fail_at(0);
			KT_CHECK(rc == 0 || rc == -KN_ENOMEM);
			KT_CHECK(!exists(tmp));
			KT_CHECK(rc == 0 || !exists(path));
			failed += rc != 0;
		}
		KT_EQ(rc, 0);
#ifdef KN_ALLOC_FAULTS
		KT_CHECK(failed >= 3);   /* escaper or file name, then the curves */
#endif
		(void)failed;
		unlink(path);
	}
}

static const struct kt_case cases[] = {
	KT_CASE(test_text),
	KT_CASE(test_text_control),
	KT_CASE(test_json),
	KT_CASE(test_json_numbers),
	KT_CASE(test_formats),
	KT_CASE(test_html),
	KT_CASE(test_html_thin),
	KT_CASE(test_thin),
	KT_CASE(test_unwritable),
	KT_CASE(test_replace),
	KT_CASE(test_alloc_faults),
};

KT_MAIN("eval_report", cases)
