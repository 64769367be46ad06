/*
 * eval_test.h - checks shared by the eval unit tests: floating-point
 * results equal to hand-computed values within 1e-12, and NaN where a
 * metric is undefined. Include after kt.h.
 */
#ifndef KN_TESTS_EVAL_TEST_H
#define KN_TESTS_EVAL_TEST_H

#include <math.h>

#define KT_NEAR(a, b)                                                            \
	do {                                                                     \
		double kt_x_ = (a), kt_y_ = (b);                                 \
		if (!(fabs(kt_x_ - kt_y_) <= 1e-12))                             \
			kt_fail(__FILE__, __LINE__, "%s ~ %s (%.15g != %.15g)", #a, #b, \
				kt_x_, kt_y_);                                   \
	} while (0)
#define KT_NAN(a) KT_CHECK(isnan(a))

#endif
