/*
 * test_metrics.c - precision/recall/F1 and the curve metrics (ROC AUC,
 * average precision, EER, TPR at FPR) against values computed by hand in
 * the comments: ties, all-equal scores, perfect and inverted rankings,
 * positives and negatives tied at -inf (unranked), undefined cases, the
 * FPR bound at exactly 1/N.
 */
#include "../../kt.h"

#include <math.h>

#include "kenchi/eval.h"
#include "eval_test.h"


#define P(s) { (s), 0 }    /* a positive of class 0 */
#define N(s) { (s), -1 }   /* a negative */

static void test_counts(void)
{
	KT_NEAR(kn_eval_precision(3, 1), 0.75);          /* 3 / (3 + 1) */
	KT_NEAR(kn_eval_recall(3, 3), 0.5);              /* 3 / (3 + 3) */
	KT_NEAR(kn_eval_f1(0.75, 0.5), 0.6);             /* 2 * .375 / 1.25 */
	KT_NAN(kn_eval_precision(0, 0));
	KT_NAN(kn_eval_recall(0, 0));
	KT_NAN(kn_eval_f1(NAN, 0.5));
	KT_NEAR(kn_eval_f1(kn_eval_precision(0, 1), kn_eval_recall(0, 1)), 0);  /* P = R = 0 */
}

static void test_ties(void)
{
	/* positives 0.9, 0.5, 0.5; negatives 0.5, 0.1 (P = 3, N = 2).
	 * Mann-Whitney: 0.9 beats both negatives (2); each 0.5 ties 0.5 (1/2)
	 * and beats 0.1 (1): 1.5 each. U = 2 + 3 = 5; AUC = 5 / 6.
	 * Points (tp, fp): 0.9 -> (1, 0); 0.5 -> (3, 1); 0.1 -> (3, 2).
	 * AP = 1/3 * 1/1 + 2/3 * 3/4 = 1/3 + 1/2 = 5/6.
	 * EER: (FPR, FNR) (0, 1) -> (0, 2/3) -> (1/2, 0); FPR - FNR goes
	 * -2/3 -> +1/2, w = (2/3) / (7/6) = 4/7: FPR = 4/7 * 1/2 = 2/7,
	 * FNR = 2/3 * 3/7 = 2/7. EER = 2/7.
	 * TPR at FPR <= 1 %: only points with fp = 0: (1, 0) -> 1/3. */
	struct kn_eval_sample s[] = { N(0.5), P(0.5), N(0.1), P(0.9), P(0.5) };
	struct kn_eval_curve c;
	KT_REQUIRE(kn_eval_curve_build(&c, s, 5, 0, 0, 1) == 0);
	KT_EQ(c.n, 3);
	KT_EQ(c.pos, 3);
	KT_EQ(c.neg, 2);
	KT_NEAR(c.pts[1].threshold, 0.5);
	KT_EQ(c.pts[1].tp, 3);
	KT_EQ(c.pts[1].fp, 1);
	KT_NEAR(kn_eval_roc_auc(&c), 5.0 / 6);
	KT_NEAR(kn_eval_pr_auc(&c), 5.0 / 6);
	KT_NEAR(kn_eval_eer(&c), 2.0 / 7);
	KT_NEAR(kn_eval_tpr_at_fpr(&c, 0.01), 1.0 / 3);
	KT_NEAR(kn_eval_tpr_at_fpr(&c, 0.001), 1.0 / 3);
	KT_NEAR(kn_eval_tpr_at_fpr(&c, 0.5), 1.0);       /* (3, 1): FPR 1/2 <= 0.5 */
	kn_eval_curve_fini(&c);
}

static void test_all_equal(void)
{
	/* 2 positives, 3 negatives, all 0.7: one point (2, 3).
	 * AUC = every pair tied = 1/2. AP = 1 * 2/5 = 0.4.
	 * EER: (0, 1) -> (1, 0): crossing at w = 1/2 -> 0.5.
	 * TPR at FPR <= 1 %: only (0, 0) qualifies -> 0. */
	struct kn_eval_sample s[] = { P(0.7), N(0.7), N(0.7), P(0.7), N(0.7) };
	struct kn_eval_curve c;
	KT_REQUIRE(kn_eval_curve_build(&c, s, 5, 0, 0, 1) == 0);
	KT_EQ(c.n, 1);
	KT_NEAR(kn_eval_roc_auc(&c), 0.5);
	KT_NEAR(kn_eval_pr_auc(&c), 0.4);
	KT_NEAR(kn_eval_eer(&c), 0.5);
	KT_NEAR(kn_eval_tpr_at_fpr(&c, 0.01), 0);
	kn_eval_curve_fini(&c);
}

static void test_perfect_and_inverted(void)
{
	/* Perfect: positives 3, 2 above negatives 1, 0: AUC 1, AP 1.
	 * EER: (0, 1) -> (0, 1/2) -> (0, 0): FPR - FNR reaches 0 at (0, 0): 0.
	 * TPR at FPR <= 0.1 %: (2, 0) -> 1. */
	struct kn_eval_sample a[] = { N(1), P(3), N(0), P(2) };
	struct kn_eval_curve c;
	KT_REQUIRE(kn_eval_curve_build(&c, a, 4, 0, 0, 1) == 0);
	KT_NEAR(kn_eval_roc_auc(&c), 1);
	KT_NEAR(kn_eval_pr_auc(&c), 1);
	KT_NEAR(kn_eval_eer(&c), 0);
	KT_NEAR(kn_eval_tpr_at_fpr(&c, 0.001), 1);
	kn_eval_curve_fini(&c);

	/* Inverted: positives 0, 1 below negatives 2, 3: AUC 0.
	 * Points (tp, fp): 3 -> (0, 1); 2 -> (0, 2); 1 -> (1, 2); 0 -> (2, 2).
	 * AP = 1/2 * 1/3 + 1/2 * 2/4 = 1/6 + 1/4 = 5/12.
	 * EER: (FPR, FNR) (0, 1) -> (1/2, 1) -> (1, 1): FPR - FNR = 0 at
	 * (1, 1): EER 1. TPR at FPR <= 1 %: 0. */
	struct kn_eval_sample b[] = { P(0), N(2), P(1), N(3) };
	KT_REQUIRE(kn_eval_curve_build(&c, b, 4, 0, 0, 1) == 0);
	KT_NEAR(kn_eval_roc_auc(&c), 0);
	KT_NEAR(kn_eval_pr_auc(&c), 5.0 / 12);
	KT_NEAR(kn_eval_eer(&c), 1);
	KT_NEAR(kn_eval_tpr_at_fpr(&c, 0.01), 0);
	kn_eval_curve_fini(&c);
}

static void test_unranked(void)
{
	/* Scored: positive 0.8, negatives 0.8 and 0.2; unranked (at -inf):
	 * 1 positive, 2 negatives. P = 2, N = 4.
	 * Mann-Whitney: pos 0.8 vs 0.8 (1/2), 0.2 (1), two -inf (2) = 3.5;
	 * pos -inf vs 0.8, 0.2 (0), two -inf (1/2 each) = 1. U = 4.5, AUC =
	 * 4.5 / 8 = 0.5625. Trapezoids: points (1,1) (1,2) (2,4):
	 * [1*(0+1) + 1*(1+1) + 2*(1+2)] / 2 / 8 = 9 / 16. Same.
	 * AP: 0.8 -> recall 1/2 at precision 1/2 = 0.25; 0.2 adds no
	 * recall; the -inf group is not a step: AP = 0.25.
	 * EER: (0,1) (1/4,1/2) (1/2,1/2): FPR - FNR reaches 0 at (1/2, 1/2): 0.5. */
	struct kn_eval_sample s[] = { N(0.2), P(0.8), N(0.8) };
	struct kn_eval_curve c;
	KT_REQUIRE(kn_eval_curve_build(&c, s, 3, 1, 2, 1) == 0);
	KT_EQ(c.n, 3);
	KT_CHECK(c.pts[2].threshold == -INFINITY);
	KT_EQ(c.pos, 2);
	KT_EQ(c.neg, 4);
	KT_NEAR(kn_eval_roc_auc(&c), 0.5625);
	KT_NEAR(kn_eval_pr_auc(&c), 0.25);
	KT_NEAR(kn_eval_eer(&c), 0.5);
	KT_NEAR(kn_eval_tpr_at_fpr(&c, 0.01), 0);
	kn_eval_curve_fini(&c);

	/* A sample scored -inf joins the unranked group (one point), the
	 * same curve as above. */
	struct kn_eval_sample t[] = { N(0.2), P(0.8), N(0.8), N(-INFINITY) };
	KT_REQUIRE(kn_eval_curve_build(&c, t, 4, 1, 1, 1) == 0);
	KT_EQ(c.n, 3);
	KT_EQ(c.pts[2].fp, 4);
	KT_NEAR(kn_eval_roc_auc(&c), 0.5625);
	kn_eval_curve_fini(&c);

	/* Nothing scored at all: only unranked, one point at -inf; every
	 * pair tied: AUC 1/2; no step above -inf: AP 0. */
	KT_REQUIRE(kn_eval_curve_build(&c, NULL, 0, 3, 5, 1) == 0);
	KT_EQ(c.n, 1);
	KT_NEAR(kn_eval_roc_auc(&c), 0.5);
	KT_NEAR(kn_eval_pr_auc(&c), 0);
	kn_eval_curve_fini(&c);
}

static void test_undefined(void)
{
	struct kn_eval_curve c;

	/* No positives: every metric undefined. */
	struct kn_eval_sample a[] = { N(1), N(2) };
	KT_REQUIRE(kn_eval_curve_build(&c, a, 2, 0, 0, 1) == 0);
	KT_NAN(kn_eval_roc_auc(&c));
	KT_NAN(kn_eval_pr_auc(&c));
	KT_NAN(kn_eval_eer(&c));
	KT_NAN(kn_eval_tpr_at_fpr(&c, 0.01));
	kn_eval_curve_fini(&c);

	/* No negatives: ROC side undefined; AP = 1 (all positives first). */
	struct kn_eval_sample b[] = { P(1), P(2) };
	KT_REQUIRE(kn_eval_curve_build(&c, b, 2, 0, 0, 1) == 0);
	KT_NAN(kn_eval_roc_auc(&c));
	KT_NAN(kn_eval_eer(&c));
	KT_NEAR(kn_eval_pr_auc(&c), 1);
	kn_eval_curve_fini(&c);

	/* Negatives unknown (flow/host grain): ROC side undefined even with
	 * negatives among the samples; unranked negatives are ignored.
	 * AP: 0.9 -> (1, 0): 1/2 * 1; 0.5 -> (1, 1): no step. AP = 0.5. */
	struct kn_eval_sample d[] = { P(0.9), N(0.5) };
	KT_REQUIRE(kn_eval_curve_build(&c, d, 2, 1, 99, 0) == 0);
	KT_EQ(c.neg, 1);
	KT_NAN(kn_eval_roc_auc(&c));
	KT_NAN(kn_eval_tpr_at_fpr(&c, 0.01));
	KT_NEAR(kn_eval_pr_auc(&c), 0.5);
	kn_eval_curve_fini(&c);

	/* Empty: nothing at all. */
	KT_REQUIRE(kn_eval_curve_build(&c, NULL, 0, 0, 0, 1) == 0);
	KT_EQ(c.n, 0);
	KT_NAN(kn_eval_roc_auc(&c));
	KT_NAN(kn_eval_pr_auc(&c));
	kn_eval_curve_fini(&c);

	/* NaN scores are refused. */
	struct kn_eval_sample e[] = { P(NAN) };
	KT_EQ(kn_eval_curve_build(&c, e, 1, 0, 0, 1), -KN_EINVAL);
	KT_CHECK(c.pts == NULL);
}

/* Fills s with the curve of the FPR-bound test: positives 3 at 6, 2 at 4,
 * 5 at 0; one negative at 5 and the other `neg - 1` at 0. */
static size_t bound_samples(struct kn_eval_sample *s, size_t neg)
{
	size_t n = 0;
	for (int i = 0; i < 3; i++)
		s[n++] = (struct kn_eval_sample)P(6);
	for (int i = 0; i < 2; i++)
		s[n++] = (struct kn_eval_sample)P(4);
	for (int i = 0; i < 5; i++)
		s[n++] = (struct kn_eval_sample)P(0);
	s[n++] = (struct kn_eval_sample)N(5);
	for (size_t i = 1; i < neg; i++)
		s[n++] = (struct kn_eval_sample)N(0);
	return n;
}

static void test_fpr_bound(void)
{
	static struct kn_eval_sample s[1010];
	struct kn_eval_curve c;

	/* Points (tp, fp): 6 -> (3, 0); 5 -> (3, 1); 4 -> (5, 1); 0 -> (10, N).
	 * N = 1000: FPR <= 0.1 % allows fp <= 1: best tp 5 -> 0.5 (not
	 * interpolated towards (10, 1000)); FPR <= 1 % allows fp <= 10: 0.5. */
	size_t n = bound_samples(s, 1000);
	KT_REQUIRE(kn_eval_curve_build(&c, s, n, 0, 0, 1) == 0);
	KT_NEAR(kn_eval_tpr_at_fpr(&c, 0.001), 0.5);
	KT_NEAR(kn_eval_tpr_at_fpr(&c, 0.01), 0.5);
	kn_eval_curve_fini(&c);

	/* N = 999: 0.1 % of 999 = 0.999 < 1 false positive: only fp = 0
	 * points: (3, 0) -> 0.3. */
	n = bound_samples(s, 999);
	KT_REQUIRE(kn_eval_curve_build(&c, s, n, 0, 0, 1) == 0);
	KT_NEAR(kn_eval_tpr_at_fpr(&c, 0.001), 0.3);
	KT_NEAR(kn_eval_tpr_at_fpr(&c, 0.01), 0.5);
	kn_eval_curve_fini(&c);
}

static const struct kt_case cases[] = {
	KT_CASE(test_counts),
	KT_CASE(test_ties),
	KT_CASE(test_all_equal),
	KT_CASE(test_perfect_and_inverted),
	KT_CASE(test_unranked),
	KT_CASE(test_undefined),
	KT_CASE(test_fpr_bound),
};

KT_MAIN("eval_metrics", cases)
