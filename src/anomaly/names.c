/*
 * names.c - Kitsune-py's names of the 100 AfterImage features (its
 * netStat header, used by explanations and by the reproduction test), and
 * the conversion of capture time to the double Kitsune-py computes with.
 */
#include <math.h>
#include <stdio.h>

#include "anomaly/anomaly_int.h"

static const char *const lambda_names[KN_AI_LAMBDAS] = { "5", "3", "1", "0.1", "0.01" };
static const char *const names_1d[3] = { "weight", "mean", "std" };
static const char *const names_2d[7] = { "weight_0", "mean_0", "std_0", "radius_0_1",
	"magnitude_0_1", "covariance_0_1", "pcc_0_1" };

const char *kn_afterimage_feature_name(unsigned i, char *buf, size_t len)
{
	/* groups in output order: prefix, features per lambda, first index */
	static const struct {
		const char *prefix;
		unsigned per, first;
	} groups[4] = { { "MI_dir", 3, 0 }, { "HH", 7, 15 }, { "HH_jit", 3, 50 },
			{ "HpHp", 7, 65 } };
	if (i >= KN_AI_FEATURES || !buf)
		return NULL;
	int g = 3;
	while (i < groups[g].first)
		g--;
	unsigned off = i - groups[g].first;
	unsigned lam = off / groups[g].per, k = off % groups[g].per;
	const char *stat = groups[g].per == 3 ? names_1d[k] : names_2d[k];
	int n = snprintf(buf, len, "%s_%s_%s", groups[g].prefix, lambda_names[lam], stat);
	return n < 0 || (size_t)n >= len ? NULL : buf;
}

/* The nearest double to ns / 1e9, ties to even: with s whole seconds,
 * 2^e <= s < 2^(e+1), the result has 52 - e fraction bits, so its
 * significand is s * 2^k + round(r * 2^k / 1e9) with k = 52 - e and
 * r = ns mod 1e9 (exact integers while k <= 33). */
double kn_afterimage_seconds(uint64_t ns)
{
	uint64_t s = ns / 1000000000u, r = ns % 1000000000u;
	if (s < (1u << 19)) /* early 1970 and test clocks: k > 33 */
		return (double)((long double)ns / 1e9L);
	int e = 63 - __builtin_clzll(s);
	int k = 52 - e;
	uint64_t frac = r << k;
	uint64_t q = frac / 1000000000u, rem = frac % 1000000000u;
	uint64_t m = (s << k) + q;
	if (rem > 500000000u || (rem == 500000000u && (m & 1)))
		m++;
	return ldexp((double)m, -k);
}
