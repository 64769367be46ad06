/*
 * test_match.c - matching alerts to ground truth and the summaries built
 * from it, against counts and metrics worked out by hand in the comments:
 * flow grain (either direction, wildcard ports, protocol, window edges at
 * exactly the tolerance and 1 ns past it, false units deduplicated per
 * flow), host grain (roles, CIDR, start - tolerance, delays clamped at 0),
 * packet grain by pcap_cnt (duplicates, benign packets, out-of-range and
 * unplaced alerts, ROC over every packet, per-class rows) and by time
 * (nearest labelled packet, ties, unsorted times), whole captures, benign
 * captures, pooling captures, unscored detectors, errors, allocation
 * failures.
 */
#include "../../kt.h"

#include <math.h>

#include "kenchi/eval.h"
#include "eval_test.h"
#include "util/alloc.h"


#define MS(x) ((int64_t)(x) * 1000000LL)     /* milliseconds -> ns */
#define SEC(x) ((int64_t)(x) * 1000000000LL)

static struct kn_eval_dataset *dataset(const char *doc)
{
	char err[KN_ERRBUF_SIZE] = "";
	struct kn_eval_load_opts o = { .skip_files = 1 };
	struct kn_eval_dataset *ds = kn_eval_dataset_load_mem("t.json", doc, strlen(doc), &o, err);
	if (!ds)
		fprintf(stderr, "%s\n", err);
	return ds;
}

/* An alert at ts_ns between src:sport and dst:dport (NULL: no address). */
static struct kn_eval_alert al(int64_t ts_ns, const char *src, int sport, const char *dst,
			       int dport, int proto, uint64_t pcap_cnt, double score)
{
	struct kn_eval_alert a = { .ts_ns = ts_ns, .sport = (uint16_t)sport,
				   .dport = (uint16_t)dport, .proto = (int16_t)proto,
				   .pcap_cnt = pcap_cnt, .score = score };
	if (src && kn_eval_addr_parse(src, &a.src) != 0)
		abort();
	if (dst && kn_eval_addr_parse(dst, &a.dst) != 0)
		abort();
	return a;
}

static struct kn_eval_alert pk(uint64_t pcap_cnt, double score)
{
	return al(0, NULL, 0, NULL, 0, -1, pcap_cnt, score);
}

static struct kn_eval_alert at(int64_t ts_ns, double score)
{
	return al(ts_ns, NULL, 0, NULL, 0, -1, 0, score);
}

static struct kn_eval_scorer *scorer(const struct kn_eval_dataset *ds, int64_t tol)
{
	char err[KN_ERRBUF_SIZE];
	struct kn_eval_match_opts o = { .tolerance_ns = tol };
	return kn_eval_scorer_new(ds, &o, err);
}

static int add(struct kn_eval_scorer *s, size_t cap, const struct kn_eval_alert *a, size_t n,
	       const struct kn_eval_packets *p)
{
	char err[KN_ERRBUF_SIZE] = "";
	int rc = kn_eval_scorer_add(s, cap, a, n, p, err);
	if (rc)
		fprintf(stderr, "%s\n", err);
	return rc;
}

/* ---------------------------------------------------------- flow grain */

static const char flow_doc[] =
	"{\"kenchi_dataset\":1,\"grain\":\"flow\",\"captures\":[{\"path\":\"f.pcap\",\"labels\":["
	"{\"class\":\"scan\",\"flow\":{\"src\":\"10.0.0.1\",\"dst\":\"10.0.0.2\",\"dport\":80,"
	"\"proto\":\"tcp\"},\"start\":\"100\",\"end\":\"200\"},"
	"{\"class\":\"c2\",\"flow\":{\"src\":\"10.0.0.3\",\"dst\":\"192.0.2.9\",\"proto\":\"udp\"},"
	"\"start\":\"100\",\"end\":\"200\"}]}]}";

static void test_flow(void)
{
	struct kn_eval_dataset *ds = dataset(flow_doc);
	KT_REQUIRE(ds);
	struct kn_eval_scorer *s = scorer(ds, SEC(1));
	KT_REQUIRE(s);
	const struct kn_eval_alert a[] = {
		/* 1: label 0 seen from the server side (reverse direction) */
		al(SEC(102), "10.0.0.2", 80, "10.0.0.1", 5555, 6, 0, 0.9),
		/* 2: label 0 at end + tolerance exactly: matches */
		al(SEC(201), "10.0.0.1", 5555, "10.0.0.2", 80, 6, 0, 0.6),
		/* 3: the same flow 1 ns later: false (unit U1) */
		al(SEC(201) + 1, "10.0.0.1", 5555, "10.0.0.2", 80, 6, 0, 0.8),
		/* 4, 5: a benign UDP flow, both directions: one unit U2 */
		al(SEC(150), "10.0.0.7", 1000, "10.0.0.8", 53, 17, 0, 0.3),
		al(SEC(150), "10.0.0.8", 53, "10.0.0.7", 1000, 17, 0, 0.5),
		/* 6: label 0's hosts on port 81: false (U3) */
		al(SEC(150), "10.0.0.1", 5555, "10.0.0.2", 81, 6, 0, 0.1),
		/* 7: label 1's hosts over TCP, the label says UDP: false (U4) */
		al(SEC(150), "10.0.0.3", 1, "192.0.2.9", 2, 6, 0, 0.2),
	};
	KT_REQUIRE(add(s, 0, a, 7, NULL) == 0);

	/* items 2 (one per label), tp 1 (label 0), fn 1; fp = units U1..U4.
	 * precision 1/5, recall 1/2, F1 = 2 * 0.1 / 0.7 = 2/7.
	 * Samples: positive 0.9 (best of alerts 1, 2); negatives U1 0.8,
	 * U2 0.5, U4 0.2, U3 0.1; label 1 unranked. AP = 1/2 * 1/1 = 0.5.
	 * ROC: benign flows unknown -> NaN. Delay: 102 - 100 = 2 s. */
	struct kn_eval_summary m;
	KT_REQUIRE(kn_eval_scorer_summary(s, KN_EVAL_ALL, &m) == 0);
	KT_EQ(m.grain, KN_EVAL_GRAIN_FLOW);
	KT_EQ(m.c.items, 2);
	KT_EQ(m.c.tp, 1);
	KT_EQ(m.c.fn, 1);
	KT_EQ(m.c.fp, 4);
	KT_EQ(m.c.alerts, 7);
	KT_EQ(m.c.alerts_true, 2);
	KT_EQ(m.c.alerts_false, 5);
	KT_EQ(m.c.labels, 2);
	KT_EQ(m.c.labels_detected, 1);
	KT_NEAR(m.precision, 0.2);
	KT_NEAR(m.recall, 0.5);
	KT_NEAR(m.f1, 2.0 / 7);
	KT_NEAR(m.pr_auc, 0.5);
	KT_NAN(m.roc_auc);
	KT_NAN(m.eer);
	KT_NAN(m.tpr_at_fpr_001);
	KT_EQ(m.undefined, KN_EVAL_U_NO_NEGATIVES);
	KT_EQ(m.delay_n, 1);
	KT_NEAR(m.delay_mean_s, 2);
	KT_NEAR(m.delay_median_s, 2);

	/* class scan (0): tp 1 of 1, fp 4: precision 1/5, recall 1,
	 * F1 = 0.4 / 1.2 = 1/3; its positive is ranked first: AP 1. */
	KT_REQUIRE(kn_eval_scorer_summary(s, 0, &m) == 0);
	KT_EQ(m.c.items, 1);
	KT_EQ(m.c.tp, 1);
	KT_EQ(m.c.fp, 4);
	KT_EQ(m.c.alerts_true, 2);
	KT_NEAR(m.precision, 0.2);
	KT_NEAR(m.recall, 1);
	KT_NEAR(m.f1, 1.0 / 3);
	KT_NEAR(m.pr_auc, 1);
	/* class c2 (1): missed: precision 0/4, recall 0, F1 0, AP 0, no delay */
	KT_REQUIRE(kn_eval_scorer_summary(s, 1, &m) == 0);
	KT_EQ(m.c.tp, 0);
	KT_EQ(m.c.fn, 1);
	KT_NEAR(m.precision, 0);
	KT_NEAR(m.recall, 0);
	KT_NEAR(m.f1, 0);
	KT_NEAR(m.pr_auc, 0);
	KT_EQ(m.delay_n, 0);
	KT_CHECK(m.undefined & KN_EVAL_U_NO_DELAY);

	size_t n;
	const struct kn_eval_label_result *r = kn_eval_scorer_labels(s, &n);
	KT_REQUIRE(n == 2);
	KT_EQ(r[0].alerts, 2);
	KT_EQ(r[0].items_detected, 1);
	KT_EQ(r[0].first_alert_ns, SEC(102));
	KT_EQ(r[0].start_ns, SEC(100));
	KT_EQ(r[0].delay_ns, SEC(2));
	KT_EQ(r[1].alerts, 0);
	KT_CHECK(r[1].first_alert_ns == INT64_MIN && r[1].delay_ns == INT64_MIN);
	KT_EQ(r[1].start_ns, SEC(100));

	/* the curve behind it: 5 scored thresholds and the -inf group */
	struct kn_eval_curve cv;
	KT_REQUIRE(kn_eval_scorer_curve(s, KN_EVAL_ALL, &cv) == 0);
	KT_EQ(cv.n, 6);
	KT_EQ(cv.pos, 2);
	KT_EQ(cv.neg, 4);
	KT_EQ(cv.neg_known, 0);
	kn_eval_curve_fini(&cv);

	char err[KN_ERRBUF_SIZE];
	KT_EQ(kn_eval_scorer_add(s, 0, a, 1, NULL, err), -KN_EINVAL);   /* twice */
	KT_EQ_STR(err, "scorer: capture f.pcap was already added");
	KT_EQ(kn_eval_scorer_add(s, 1, a, 1, NULL, err), -KN_EINVAL);
	KT_EQ(kn_eval_scorer_summary(s, 2, &m), -KN_EINVAL);           /* no class 2 */
	KT_EQ(kn_eval_scorer_summary(s, -2, &m), -KN_EINVAL);
	kn_eval_scorer_free(s);
	kn_eval_dataset_free(ds);
}

/* ---------------------------------------------------------- host grain */

static void test_host(void)
{
	struct kn_eval_dataset *ds = dataset(
		"{\"kenchi_dataset\":1,\"grain\":\"host\",\"captures\":[{\"path\":\"h.pcap\","
		"\"labels\":[{\"class\":\"scan\",\"host\":\"10.0.0.5\",\"role\":\"src\",\"start\":"
		"\"100\",\"end\":\"200\"},{\"class\":\"c2\",\"host\":\"10.1.0.0/16\",\"start\":"
		"\"100\",\"end\":\"200\"}]}]}");
	KT_REQUIRE(ds);
	struct kn_eval_scorer *s = scorer(ds, SEC(2));
	KT_REQUIRE(s);
	const struct kn_eval_alert a[] = {
		/* start - tolerance exactly: label 0 (delay clamped to 0) */
		al(SEC(98), "10.0.0.5", 1, "10.0.0.9", 2, 6, 0, NAN),
		/* 1 ns earlier: false, pair {10.0.0.5, 10.0.0.9} */
		al(SEC(98) - 1, "10.0.0.5", 1, "10.0.0.9", 2, 6, 0, NAN),
		/* 10.0.0.5 as destination, role src: false, the same pair */
		al(SEC(150), "10.0.0.9", 1, "10.0.0.5", 2, 17, 0, NAN),
		/* a destination inside 10.1/16, role any: label 1 */
		al(SEC(150), "10.0.0.9", 1, "10.1.2.3", 2, 6, 0, NAN),
		/* end + tolerance exactly, source inside 10.1/16: label 1 */
		al(SEC(202), "10.1.0.1", 1, "10.0.0.5", 2, 6, 0, NAN),
	};
	KT_REQUIRE(add(s, 0, a, 5, NULL) == 0);
	/* tp 2, fn 0, fp 1 (one address pair): precision 2/3, recall 1,
	 * F1 = (4/3) / (5/3) = 0.8. Delays: label 0 max(98 - 100, 0) = 0,
	 * label 1 150 - 100 = 50: mean 25, median (0 + 50) / 2 = 25, max 50.
	 * No alert has a score: curve metrics undefined. */
	struct kn_eval_summary m;
	KT_REQUIRE(kn_eval_scorer_summary(s, KN_EVAL_ALL, &m) == 0);
	KT_EQ(m.grain, KN_EVAL_GRAIN_HOST);
	KT_EQ(m.c.tp, 2);
	KT_EQ(m.c.fn, 0);
	KT_EQ(m.c.fp, 1);
	KT_EQ(m.c.alerts_true, 3);
	KT_EQ(m.c.alerts_false, 2);
	KT_NEAR(m.precision, 2.0 / 3);
	KT_NEAR(m.recall, 1);
	KT_NEAR(m.f1, 0.8);
	KT_EQ(m.delay_n, 2);
	KT_NEAR(m.delay_mean_s, 25);
	KT_NEAR(m.delay_median_s, 25);
	KT_NEAR(m.delay_max_s, 50);
	KT_NAN(m.pr_auc);
	KT_EQ(m.undefined, KN_EVAL_U_UNSCORED | KN_EVAL_U_NO_NEGATIVES);
	size_t n;
	const struct kn_eval_label_result *r = kn_eval_scorer_labels(s, &n);
	KT_REQUIRE(n == 2);
	KT_EQ(r[0].delay_ns, 0);
	KT_EQ(r[0].first_alert_ns, SEC(98));
	KT_EQ(r[1].alerts, 2);
	kn_eval_scorer_free(s);
	kn_eval_dataset_free(ds);
}

/* -------------------------------------------------- packet grain, pcap_cnt */

static const char pkt_doc[] =
	"{\"kenchi_dataset\":1,\"grain\":\"packet\",\"captures\":[{\"path\":\"p.pcap\",\"packets\":"
	"10,\"labels\":[{\"class\":\"x\",\"packets\":[[3,5]]},{\"class\":\"y\",\"packets\":[8]}]}]}";

static void test_packets(void)
{
	struct kn_eval_dataset *ds = dataset(pkt_doc);
	KT_REQUIRE(ds);
	struct kn_eval_scorer *s = scorer(ds, 0);
	KT_REQUIRE(s);
	const struct kn_eval_alert a[] = {
		pk(3, 0.9), pk(3, 0.4), pk(5, 0.2),   /* x: packets 3 (twice) and 5 */
		pk(1, 0.5), pk(1, 0.7), pk(9, 0.1),   /* benign packets 1 (twice) and 9 */
		pk(11, 0.3),                          /* beyond the 10 packets: unplaced */
		at(SEC(5), 0.6),                      /* no pcap_cnt, no times: unplaced */
	};
	KT_REQUIRE(add(s, 0, a, 8, NULL) == 0);
	/* items: packets 3, 4, 5 (x) and 8 (y) = 4; detected 3 and 5: tp 2,
	 * fn 2. False units: packet 1, packet 9, two unplaced alerts: fp 4.
	 * precision 2/6, recall 2/4, F1 = (1/3) / (5/6) = 0.4.
	 * Samples: P .9 (pkt 3), P .2 (pkt 5); N .7 (pkt 1), .1 (pkt 9), .3,
	 * .6 (unplaced); unranked: P 2 (pkts 4, 8), N 10 - 4 - 2 = 4 (pkts 2,
	 * 6, 7, 10). P = 4, N = 8.
	 * U: .9 beats 8 = 8; .2 beats .1 and 4 unranked = 5; each unranked P
	 * ties 4 = 2 each -> 4. U = 17, AUC = 17/32.
	 * Points: .9 (1,0) .7 (1,1) .6 (1,2) .3 (1,3) .2 (2,3) .1 (2,4) -inf (4,8).
	 * AP = 1/4 * 1 + 1/4 * 2/5 = 0.35.
	 * EER: FPR - FNR at (2,4) = 4/8 - (1 - 2/4) = 0: 0.5.
	 * TPR at FPR <= 1 % (fp 0): 1/4. */
	struct kn_eval_summary m;
	KT_REQUIRE(kn_eval_scorer_summary(s, KN_EVAL_ALL, &m) == 0);
	KT_EQ(m.grain, KN_EVAL_GRAIN_PACKET);
	KT_EQ(m.c.items, 4);
	KT_EQ(m.c.tp, 2);
	KT_EQ(m.c.fn, 2);
	KT_EQ(m.c.fp, 4);
	KT_EQ(m.c.alerts, 8);
	KT_EQ(m.c.alerts_true, 3);
	KT_EQ(m.c.alerts_false, 5);
	KT_EQ(m.c.alerts_unplaced, 2);
	KT_EQ(m.c.labels_detected, 1);
	KT_NEAR(m.precision, 1.0 / 3);
	KT_NEAR(m.recall, 0.5);
	KT_NEAR(m.f1, 0.4);
	KT_NEAR(m.roc_auc, 17.0 / 32);
	KT_NEAR(m.pr_auc, 0.35);
	KT_NEAR(m.eer, 0.5);
	KT_NEAR(m.tpr_at_fpr_001, 0.25);
	KT_NEAR(m.tpr_at_fpr_0001, 0.25);
	KT_EQ(m.undefined, KN_EVAL_U_NO_DELAY);   /* no packet times, no windows */

	/* class x: P = 3 (.9, .2, pkt 4 unranked), the same 8 negatives.
	 * U = 8 + 5 + 2 = 15, AUC = 15/24. AP = 1/3 * 1 + 1/3 * 2/5 = 7/15.
	 * precision 2/6, recall 2/3, F1 = 2 * (2/9) / 1 = 4/9. */
	KT_REQUIRE(kn_eval_scorer_summary(s, 0, &m) == 0);
	KT_EQ(m.c.items, 3);
	KT_EQ(m.c.tp, 2);
	KT_NEAR(m.roc_auc, 15.0 / 24);
	KT_NEAR(m.pr_auc, 7.0 / 15);
	KT_NEAR(m.precision, 1.0 / 3);
	KT_NEAR(m.recall, 2.0 / 3);
	KT_NEAR(m.f1, 4.0 / 9);
	/* class y: its one packet unranked, tied with 4 of 8 negatives:
	 * AUC = 4 * 1/2 / 8 = 0.25; AP 0; precision 0/4, recall 0, F1 0. */
	KT_REQUIRE(kn_eval_scorer_summary(s, 1, &m) == 0);
	KT_NEAR(m.roc_auc, 0.25);
	KT_NEAR(m.pr_auc, 0);
	KT_NEAR(m.precision, 0);
	KT_NEAR(m.f1, 0);
	kn_eval_scorer_free(s);
	kn_eval_dataset_free(ds);
}

/* A training prefix: packets 1..4 are not scored. */
static const char train_doc[] =
	"{\"kenchi_dataset\":1,\"grain\":\"packet\",\"captures\":[{\"path\":\"p.pcap\",\"packets\":"
	"10,\"train_packets\":4,\"labels\":[{\"class\":\"x\",\"packets\":[[7,8]]}]}]}";

static void test_train_prefix(void)
{
	struct kn_eval_dataset *ds = dataset(train_doc);
	KT_REQUIRE(ds);
	KT_EQ(ds->captures[0].train_packets, 4);
	struct kn_eval_scorer *s = scorer(ds, 0);
	KT_REQUIRE(s);
	const struct kn_eval_alert a[] = {
		pk(2, 0.9), pk(4, 0.95),   /* in training: ignored */
		pk(7, 0.8), pk(5, 0.5),
	};
	KT_REQUIRE(add(s, 0, a, 4, NULL) == 0);
	/* items 7, 8: tp 1 (7), fn 1 (8); fp 1 (packet 5). Negatives: the 6
	 * scored packets minus the 2 labelled = 4 (5, 6, 9, 10); 5 at .5, the
	 * other 3 unranked. Positives 7 (.8), 8 (-inf). U: .8 beats 4 = 4;
	 * the -inf positive ties 3 = 1.5; AUC = 5.5/8. Without the prefix the
	 * two training alerts would be 2 more false packets and 4 more
	 * negatives. */
	struct kn_eval_summary m;
	KT_REQUIRE(kn_eval_scorer_summary(s, KN_EVAL_ALL, &m) == 0);
	KT_EQ(m.c.tp, 1);
	KT_EQ(m.c.fn, 1);
	KT_EQ(m.c.fp, 1);
	KT_EQ(m.c.alerts, 4);
	KT_EQ(m.c.alerts_true + m.c.alerts_false, 2);
	KT_NEAR(m.precision, 0.5);
	KT_NEAR(m.roc_auc, 5.5 / 8);
	kn_eval_scorer_free(s);
	kn_eval_dataset_free(ds);

	/* refused: outside packet grain, a label inside the prefix, a prefix
	 * as long as the capture */
	static const char *const bad[] = {
		"{\"kenchi_dataset\":1,\"grain\":\"host\",\"captures\":[{\"path\":\"p\","
		"\"train_packets\":4,\"benign\":true}]}",
		"{\"kenchi_dataset\":1,\"grain\":\"packet\",\"captures\":[{\"path\":\"p\","
		"\"train_packets\":7,\"labels\":[{\"class\":\"x\",\"packets\":[[7,8]]}]}]}",
		"{\"kenchi_dataset\":1,\"grain\":\"packet\",\"captures\":[{\"path\":\"p\","
		"\"packets\":10,\"train_packets\":10,\"benign\":true}]}",
	};
	static const char *const why[] = { "applies to packet grain only",
		"labels[0] starts inside the training period", "is not below the capture's 10" };
	for (size_t i = 0; i < 3; i++) {
		char err[KN_ERRBUF_SIZE] = "";
		struct kn_eval_load_opts o = { .skip_files = 1 };
		struct kn_eval_dataset *d = kn_eval_dataset_load_mem("t.json", bad[i],
								     strlen(bad[i]), &o, err);
		KT_CHECK(d == NULL);
		if (!strstr(err, why[i]))
			KT_EQ_STR(err, why[i]);
		kn_eval_dataset_free(d);
	}
}

/* ---------------------------------------------------- packet grain, times */

static const char time_doc[] =
	"{\"kenchi_dataset\":1,\"grain\":\"packet\",\"captures\":[{\"path\":\"t.pcap\",\"labels\":"
	"[{\"class\":\"z\",\"packets\":[[3,4]]}]}]}";

static void test_packet_times(void)
{
	/* packets 1..6 at 10.0, 10.5, 11.0, 11.0, 12.0, 20.0 s; z = 3, 4 */
	static const int64_t ts[] = { MS(10000), MS(10500), MS(11000), MS(11000), MS(12000),
				      MS(20000) };
	const struct kn_eval_packets p = { ts, 6 };
	struct kn_eval_dataset *ds = dataset(time_doc);
	KT_REQUIRE(ds);
	struct kn_eval_scorer *s = scorer(ds, MS(250));
	KT_REQUIRE(s);
	const struct kn_eval_alert a[] = {
		at(MS(11200), 0.9),   /* labelled 3 and 4 at 0.2 s: the lower, 3 */
		at(MS(10600), 0.5),   /* labelled 0.4 s away; packet 2 at 0.1 s: false */
		at(MS(11250), 0.8),   /* labelled at exactly the tolerance: 3 */
		at(MS(15000), 0.4),   /* nothing within 0.25 s: unplaced */
		at(MS(10250), 0.3),   /* packets 1 and 2 both 0.25 s away: the earlier, 1 */
	};
	KT_REQUIRE(add(s, 0, a, 5, &p) == 0);
	/* items 2, tp 1 (packet 3), fn 1. fp: packets 2 and 1, one unplaced = 3.
	 * Delay: start 11.0 (earliest of 3, 4), first true alert 11.2: 0.2 s.
	 * N = 6: P = 2; negatives: .5 (pkt 2), .4 (unplaced), .3 (pkt 1) and
	 * 6 - 2 - 2 = 2 unranked (pkts 5, 6): 5. Positives: .9, pkt 4 unranked.
	 * U = 5 (.9 beats all) + 2 * 1/2 = 6, AUC = 6/10. AP = 1/2.
	 * Points (tp,fp): .9 (1,0) .5 (1,1) .4 (1,2) .3 (1,3): FPR - FNR goes
	 * 0.4 - 0.5 = -0.1 -> 0.6 - 0.5 = +0.1, w = 1/2: EER = 0.5. */
	struct kn_eval_summary m;
	KT_REQUIRE(kn_eval_scorer_summary(s, KN_EVAL_ALL, &m) == 0);
	KT_EQ(m.c.items, 2);
	KT_EQ(m.c.tp, 1);
	KT_EQ(m.c.fp, 3);
	KT_EQ(m.c.alerts_true, 2);
	KT_EQ(m.c.alerts_false, 3);
	KT_EQ(m.c.alerts_unplaced, 1);
	KT_EQ(m.delay_n, 1);
	KT_NEAR(m.delay_mean_s, 0.2);
	KT_NEAR(m.roc_auc, 0.6);
	KT_NEAR(m.pr_auc, 0.5);
	KT_NEAR(m.eer, 0.5);
	KT_NEAR(m.tpr_at_fpr_001, 0.5);
	KT_EQ(m.undefined, 0);
	size_t n;
	const struct kn_eval_label_result *r = kn_eval_scorer_labels(s, &n);
	KT_REQUIRE(n == 1);
	KT_EQ(r[0].items, 2);
	KT_EQ(r[0].items_detected, 1);
	KT_EQ(r[0].start_ns, MS(11000));
	KT_EQ(r[0].first_alert_ns, MS(11200));
	kn_eval_scorer_free(s);
	kn_eval_dataset_free(ds);
}

static void test_packet_times_unsorted(void)
{
	/* packets 1..6 at 12.0, 10.5, 11.0, 11.0, 10.0, 20.0 s (out of order) */
	static const int64_t ts[] = { MS(12000), MS(10500), MS(11000), MS(11000), MS(10000),
				      MS(20000) };
	const struct kn_eval_packets p = { ts, 6 };
	struct kn_eval_dataset *ds = dataset(time_doc);
	KT_REQUIRE(ds);
	struct kn_eval_scorer *s = scorer(ds, MS(250));
	KT_REQUIRE(s);
	const struct kn_eval_alert a[] = {
		at(MS(10250), 0.3),   /* packets 5 (10.0) and 2 (10.5) tie: the earlier, 5 */
		pk(5, 0.2),           /* packet 5 again: the same false unit */
		at(MS(10600), 0.5),   /* packet 2 */
		at(MS(11200), 0.9),   /* packet 3 */
	};
	KT_REQUIRE(add(s, 0, a, 4, &p) == 0);
	struct kn_eval_summary m;
	KT_REQUIRE(kn_eval_scorer_summary(s, KN_EVAL_ALL, &m) == 0);
	KT_EQ(m.c.tp, 1);
	KT_EQ(m.c.alerts_false, 3);
	KT_EQ(m.c.fp, 2);          /* packets 5 and 2 */
	KT_EQ(m.c.alerts_unplaced, 0);
	kn_eval_scorer_free(s);

	/* packet times must cover the labels: z names packet 4 */
	char err[KN_ERRBUF_SIZE];
	const struct kn_eval_packets three = { ts, 3 };
	s = scorer(ds, 0);
	KT_REQUIRE(s);
	KT_EQ(kn_eval_scorer_add(s, 0, a, 1, &three, err), -KN_EINVAL);
	KT_EQ_STR(err, "t.json: capture t.pcap: labels[0] names packet 4 but the capture has 3 "
		  "packets; fix the label's ranges");
	kn_eval_scorer_free(s);
	kn_eval_dataset_free(ds);
}

/* ------------------------------------------------ whole and benign captures */

static void test_whole(void)
{
	struct kn_eval_dataset *ds = dataset(
		"{\"kenchi_dataset\":1,\"grain\":\"packet\",\"captures\":["
		"{\"path\":\"w4.pcap\",\"packets\":4,\"attack\":\"dos\"},"
		"{\"path\":\"w.pcap\",\"attack\":\"dos\"},"
		"{\"path\":\"wf.pcap\",\"grain\":\"flow\",\"attack\":\"dos\"},"
		"{\"path\":\"b.pcap\",\"grain\":\"flow\",\"benign\":true}]}");
	KT_REQUIRE(ds);
	struct kn_eval_scorer *s = scorer(ds, 0);
	struct kn_eval_summary m;
	char err[KN_ERRBUF_SIZE];
	KT_REQUIRE(s);

	/* packet grain, 4 packets all attack: items 4, one detected; no
	 * benign packet: ROC undefined, AP = 1/4 * 1 (one step). */
	struct kn_eval_alert a = pk(2, 1);
	KT_REQUIRE(add(s, 0, &a, 1, NULL) == 0);
	KT_REQUIRE(kn_eval_scorer_summary(s, KN_EVAL_ALL, &m) == 0);
	KT_EQ(m.c.items, 4);
	KT_EQ(m.c.tp, 1);
	KT_EQ(m.c.fp, 0);
	KT_NAN(m.roc_auc);
	KT_NEAR(m.pr_auc, 0.25);
	KT_CHECK(m.undefined & KN_EVAL_U_NO_NEGATIVES);

	/* without a packet count: refused until the times give one */
	KT_EQ(kn_eval_scorer_add(s, 1, &a, 1, NULL, err), -KN_EINVAL);
	KT_EQ_STR(err, "capture w.pcap: a whole-capture attack at packet grain needs the "
		  "packet count; give \"packets\" in the manifest or the packet times");
	static const int64_t ts[] = { SEC(50), SEC(40), SEC(60) };
	const struct kn_eval_packets p = { ts, 3 };
	a = pk(3, 1);
	a.ts_ns = SEC(60);
	KT_REQUIRE(add(s, 1, &a, 1, &p) == 0);
	/* its delay: first alert 60 s - earliest packet 40 s = 20 s */
	KT_REQUIRE(kn_eval_scorer_summary(s, KN_EVAL_ALL, &m) == 0);
	KT_EQ(m.c.items, 7);
	KT_EQ(m.c.tp, 2);
	KT_EQ(m.delay_n, 1);
	KT_NEAR(m.delay_mean_s, 20);

	/* flow grain: any alert of the capture detects its one item */
	const struct kn_eval_alert f[] = {
		al(SEC(1), "10.0.0.1", 1, "10.0.0.2", 2, 6, 0, 1),
		al(SEC(9), NULL, 0, NULL, 0, -1, 0, 1),
	};
	KT_REQUIRE(add(s, 2, f, 2, NULL) == 0);
	/* benign, flow grain: 3 alerts on 2 flows = 2 false units */
	const struct kn_eval_alert b[] = {
		al(SEC(1), "10.0.0.1", 1, "10.0.0.2", 2, 6, 0, 1),
		al(SEC(2), "10.0.0.2", 2, "10.0.0.1", 1, 6, 0, 1),
		al(SEC(3), "10.0.0.1", 1, "10.0.0.2", 2, 17, 0, 1),
	};
	KT_REQUIRE(add(s, 3, b, 3, NULL) == 0);
	/* overall: items 4 + 3 + 1 = 8, tp 1 + 1 + 1 = 3, fp 2. Mixed grains. */
	KT_REQUIRE(kn_eval_scorer_summary(s, KN_EVAL_ALL, &m) == 0);
	KT_EQ(m.grain, KN_EVAL_GRAIN_MIXED);
	KT_EQ(m.c.items, 8);
	KT_EQ(m.c.tp, 3);
	KT_EQ(m.c.fp, 2);
	KT_EQ(m.c.alerts_true, 4);
	KT_EQ(m.c.alerts_false, 3);
	KT_NEAR(m.precision, 0.6);
	kn_eval_scorer_free(s);

	/* the benign capture alone: no items, all alerts false */
	s = scorer(ds, 0);
	KT_REQUIRE(s && add(s, 3, b, 3, NULL) == 0);
	KT_REQUIRE(kn_eval_scorer_summary(s, KN_EVAL_ALL, &m) == 0);
	KT_EQ(m.c.items, 0);
	KT_EQ(m.c.fp, 2);
	KT_NEAR(m.precision, 0);
	KT_NAN(m.recall);
	KT_NAN(m.f1);
	KT_NAN(m.pr_auc);
	KT_CHECK(m.undefined & KN_EVAL_U_NO_ITEMS);
	/* class dos has no item in what was added: recall undefined */
	KT_REQUIRE(kn_eval_scorer_summary(s, 0, &m) == 0);
	KT_EQ(m.c.items, 0);
	KT_NAN(m.recall);
	kn_eval_scorer_free(s);

	/* nothing added */
	s = scorer(ds, 0);
	KT_REQUIRE(s && kn_eval_scorer_summary(s, KN_EVAL_ALL, &m) == 0);
	KT_EQ(m.grain, KN_EVAL_GRAIN_PACKET);
	KT_EQ(m.undefined, KN_EVAL_U_NO_ITEMS | KN_EVAL_U_NO_ALERTS | KN_EVAL_U_NO_NEGATIVES |
		      KN_EVAL_U_UNSCORED | KN_EVAL_U_NO_DELAY);
	kn_eval_scorer_free(s);
	kn_eval_dataset_free(ds);
}

/* ------------------------------------------------------- pooled, scores */

static void test_pooled(void)
{
	struct kn_eval_dataset *ds = dataset(
		"{\"kenchi_dataset\":1,\"grain\":\"packet\",\"captures\":["
		"{\"path\":\"a.pcap\",\"packets\":4,\"labels\":[{\"class\":\"a\",\"packets\":[[1,2]]}]},"
		"{\"path\":\"b.pcap\",\"packets\":4,\"benign\":true}]}");
	KT_REQUIRE(ds);
	struct kn_eval_scorer *s = scorer(ds, 0);
	KT_REQUIRE(s);
	struct kn_eval_alert a = pk(1, 0.9), b = pk(3, 0.95);
	KT_REQUIRE(add(s, 0, &a, 1, NULL) == 0);
	KT_REQUIRE(add(s, 1, &b, 1, NULL) == 0);
	/* P = 2 (.9, one unranked); N = 2 + 4 = 6 (.95 ranked, 5 unranked).
	 * U: .9 beats 5 unranked = 5; unranked P ties 5 = 2.5. AUC = 7.5/12.
	 * TPR at FPR <= 1 %: the top score is benign: 0. */
	struct kn_eval_summary m;
	KT_REQUIRE(kn_eval_scorer_summary(s, KN_EVAL_ALL, &m) == 0);
	KT_NEAR(m.roc_auc, 0.625);
	KT_NEAR(m.tpr_at_fpr_001, 0);
	KT_NEAR(m.precision, 0.5);
	KT_NEAR(m.recall, 0.5);
	kn_eval_scorer_free(s);

	/* an alert without score next to scored ones ranks above them */
	s = scorer(ds, 0);
	KT_REQUIRE(s);
	const struct kn_eval_alert c[] = { pk(1, NAN), pk(3, 5) };
	KT_REQUIRE(add(s, 0, c, 2, NULL) == 0);
	/* P = 2 (+inf, pkt 2 unranked), N = 2 (5, pkt 4 unranked):
	 * +inf beats both = 2; unranked P beats nothing, ties 1 = 0.5: 2.5/4 */
	KT_REQUIRE(kn_eval_scorer_summary(s, KN_EVAL_ALL, &m) == 0);
	KT_NEAR(m.roc_auc, 0.625);
	kn_eval_scorer_free(s);
	kn_eval_dataset_free(ds);
}

static void test_errors(void)
{
	char err[KN_ERRBUF_SIZE];
	struct kn_eval_dataset *ds = dataset(pkt_doc);
	KT_REQUIRE(ds);
	struct kn_eval_match_opts o = { .tolerance_ns = -1 };
	KT_CHECK(kn_eval_scorer_new(ds, &o, err) == NULL);
	KT_EQ_STR(err, "scorer: the time tolerance must be >= 0");
	KT_CHECK(kn_eval_scorer_new(NULL, NULL, err) == NULL);

	struct kn_eval_scorer *s = kn_eval_scorer_new(ds, NULL, err);
	KT_REQUIRE(s);
	static const int64_t ts[9] = { 0 };
	const struct kn_eval_packets p = { ts, 9 };
	KT_EQ(kn_eval_scorer_add(s, 0, NULL, 0, &p, err), -KN_EINVAL);
	KT_EQ_STR(err, "capture p.pcap: 9 packet times given, the manifest says 10 packets; fix "
		  "\"packets\" or the capture");
	KT_EQ(kn_eval_scorer_add(s, 0, NULL, 1, NULL, err), -KN_EINVAL);
	/* a failed add changed nothing: the capture can still be added */
	KT_EQ(kn_eval_scorer_add(s, 0, NULL, 0, NULL, err), 0);
	kn_eval_scorer_free(s);
	kn_eval_scorer_free(NULL);
	kn_eval_dataset_free(ds);
}

/* Every allocation of scoring fails in turn: an error, the scorer
 * unchanged (the same summary afterwards), no leak. */
static void test_alloc_faults(void)
{
	struct kn_eval_dataset *ds = dataset(pkt_doc);
	const struct kn_eval_alert a[] = { pk(3, 0.9), pk(1, 0.5), pk(11, 0.3), at(0, 0.6) };
	unsigned long n;
	KT_REQUIRE(ds);
	for (n = 1; n < 200; n++) {
		char err[KN_ERRBUF_SIZE];
		struct kn_eval_summary m;
		kn_alloc_fail_at(n);
		struct kn_eval_scorer *s = kn_eval_scorer_new(ds, NULL, err);
		int rc = s ? kn_eval_scorer_add(s, 0, a, 4, NULL, err) : -KN_ENOMEM;
		int rs = s && !rc ? kn_eval_scorer_summary(s, KN_EVAL_ALL, &m) : -KN_ENOMEM;
		kn_alloc_fail_at(0);
		if (s && rc) {   /* unchanged: nothing counted */
			KT_REQUIRE(kn_eval_scorer_summary(s, KN_EVAL_ALL, &m) == 0);
			KT_EQ(m.c.alerts, 0);
			KT_EQ(m.c.labels, 0);
		}
		kn_eval_scorer_free(s);
		if (rs == 0) {
			KT_EQ(m.c.fp, 3);
			break;
		}
	}
	KT_CHECK(n < 200);
#ifdef KN_ALLOC_FAULTS
	KT_CHECK(n > 3);   /* the failures were really injected */
#endif
	kn_eval_dataset_free(ds);
}

static const struct kt_case cases[] = {
	KT_CASE(test_flow),
	KT_CASE(test_host),
	KT_CASE(test_packets),
	KT_CASE(test_train_prefix),
	KT_CASE(test_packet_times),
	KT_CASE(test_packet_times_unsorted),
	KT_CASE(test_whole),
	KT_CASE(test_pooled),
	KT_CASE(test_errors),
	KT_CASE(test_alloc_faults),
};

KT_MAIN("eval_match", cases)
