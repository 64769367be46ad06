/*
 * kitnet_kernel.h - the scoring kernel of kitnet_exec.c (the file comment
 * there describes the plan and the arithmetic), included by it three
 * times: KX_FMA 0 for baseline x86-64 (or any other target: plain
 * multiplies and adds, an exact division in the sigmoid), KX_FMA 1 for
 * AVX2 + FMA (fused multiply-adds, min / max clamps, a reciprocal
 * estimate refined by one Newton step in the sigmoid), and KX_FMA 1 with
 * KX_W512 1 for AVX-512: groups of 16 members in 16-float vectors, the
 * inputs sanitised, log-compressed and scaled 8 doubles at a time in one
 * pass without a staging copy (the same IEEE operations in the same order
 * as the 4-wide code: the same bits) and stored into their slots one by
 * one (a scatter instruction was slower on AMD Zen 5); an output layer of up to 16 members in one vector per half, the row
 * layout as in the AVX2 kernel. Each copy's functions are named KX(name)
 * and carry the attributes KX_FN (inline) or KX_ATTR (out of line); the
 * vector types and their loads and stores (ld8, ld4d, ld16, store8,
 * store4d, store16) come from vec.h, the helper macros (splat8, splat4d,
 * splat16, splat8d, sel8, sel4d) from kitnet_exec.c. Nothing else
 * includes it.
 */

#if KX_W512
#define KX_GL 16u /* members per group */
#else
#define KX_GL LANES
#endif

#if KX_FMA
#define KX_MADD(a, b, c) ((v8f)_mm256_fmadd_ps((__m256)(a), (__m256)(b), (__m256)(c)))
#define KX_NMADD(a, b, c) ((v8f)_mm256_fnmadd_ps((__m256)(a), (__m256)(b), (__m256)(c)))
#define KX_MAX(a, b) ((v8f)_mm256_max_ps((__m256)(a), (__m256)(b)))
#define KX_MIN(a, b) ((v8f)_mm256_min_ps((__m256)(a), (__m256)(b)))
#define KX_MAXD(a, b) ((v4d)_mm256_max_pd((__m256d)(a), (__m256d)(b)))
#define KX_MIND(a, b) ((v4d)_mm256_min_pd((__m256d)(a), (__m256d)(b)))
/* the same bits as sel4d(): the masks are whole lanes */
#define KX_SEL4D(m, a, b) ((v4d)_mm256_blendv_pd((__m256d)(b), (__m256d)(a), (__m256d)(m)))
#else
#define KX_MADD(a, b, c) ((a) * (b) + (c))
#define KX_NMADD(a, b, c) ((c) - (a) * (b))
#define KX_MAX(a, b) sel8((a) > (b), (a), (b))
#define KX_MIN(a, b) sel8((a) < (b), (a), (b))
#define KX_MAXD(a, b) sel4d((a) > (b), (a), (b))
#define KX_MIND(a, b) sel4d((a) < (b), (a), (b))
#define KX_SEL4D sel4d
#endif

/* log(1 + a) for a >= 0 finite, with one division: 2 atanh(s) by its
 * series to s^15 (|s| <= 0.1716: truncation below 1e-14 relative), where
 * s = a / (2 + a) when a < sqrt(2) - 1 (exact up to one rounding, however
 * small a is), else 1 + a = 2^e m with m in [sqrt(1/2), sqrt(2)) and
 * s = (m - 1) / (m + 1) (the rounding of 1 + a is then below 4e-16 of the
 * result). Relative error below 1e-13 (measured against long double). */
KX_FN v4d KX(log1p_fast)(v4d a)
{
	v4d u = splat4d(1.0) + a;
	v4u bits = (v4u)u;
	/* the exponent as a double: 2^52 + biased exponent, minus 2^52 + 1023
	 * (logical shifts and no int64 -> double conversion: AVX2 has none) */
	v4d e = (v4d)((bits >> 52) | 0x4330000000000000ull) - splat4d(0x1p52 + 1023.0);
	v4d m = (v4d)((bits & 0x000fffffffffffffull) | 0x3ff0000000000000ull); /* [1, 2) */
	v4l big = m > splat4d(1.4142135623730951);
	m = KX_SEL4D(big, m * splat4d(0.5), m);
	e += (v4d)((v4l)splat4d(1.0) & big);
	v4l small = a < splat4d(0.41421356237309503);
	v4d num = KX_SEL4D(small, a, m - splat4d(1.0));
	v4d den = KX_SEL4D(small, splat4d(2.0) + a, m + splat4d(1.0));
	e = (v4d)((v4l)e & ~small);
	v4d s = num / den, s2 = s * s, s4 = s2 * s2, s8 = s4 * s4;
	/* 2 + 2/3 s^2 + ... + 2/15 s^14 in Estrin's form: a short chain */
	v4d p01 = splat4d(2.0) + s2 * splat4d(2.0 / 3);
	v4d p23 = splat4d(2.0 / 5) + s2 * splat4d(2.0 / 7);
	v4d p45 = splat4d(2.0 / 9) + s2 * splat4d(2.0 / 11);
	v4d p67 = splat4d(2.0 / 13) + s2 * splat4d(2.0 / 15);
	v4d p = (p01 + s4 * p23) + s8 * (p45 + s4 * p67);
	return e * splat4d(0.6931471805599453) + s * p;
}

/* t[0..n) = in[0..n), non-finite values as 0 (t is zero-padded past n). */
KX_FN void KX(copy_in)(double *t, const double *in, unsigned n)
{
	unsigned i = 0;
	for (; i + 4 <= n; i += 4) {
		v4d v = ld4d(in + i);
		v = (v4d)((v4l)v & (v - v == splat4d(0.0))); /* inf, NaN -> 0 */
		store4d(t + i, v);
	}
	for (; i < n; i++)
		t[i] = in[i] - in[i] == 0 ? in[i] : 0.0;
}

/* In place over n finite doubles (n a multiple of 4): sign(v) log1p(|v|). */
KX_FN void KX(log_in)(double *t, size_t n)
{
	const v4l sign = (v4l)splat4d(-0.0);
	for (size_t i = 0; i < n; i += 4) {
		v4d v = ld4d(t + i);
		v4l sb = (v4l)v & sign;
		v = (v4d)((v4l)KX(log1p_fast)((v4d)((v4l)v & ~sign)) | sb);
		store4d(t + i, v);
	}
}

/* Scales n finite doubles g[] (n a multiple of 4; the features after
 * copy_in(), or the members' RMSEs) to float: (v - lo) * inv clamped to
 * +-KITNET_XN_MAX; value i goes to xn[i], or with slot_of to
 * xn[slot_of[i]]. */
KX_FN void KX(scale_in)(const double *g, const double *lo, const double *inv, size_t n,
			const unsigned *slot_of, float *xn)
{
	const v4d top = splat4d(KITNET_XN_MAX), bottom = splat4d(-KITNET_XN_MAX);
	for (size_t i = 0; i < n; i += 4) {
		v4d v = (ld4d(g + i) - ld4d(lo + i)) * ld4d(inv + i);
		v = KX_MAXD(KX_MIND(v, top), bottom);
		v4f f = __builtin_convertvector(v, v4f);
		if (!slot_of) {
			memcpy(xn + i, &f, sizeof f);
			continue;
		}
		xn[slot_of[i]] = f[0];
		xn[slot_of[i + 1]] = f[1];
		xn[slot_of[i + 2]] = f[2];
		xn[slot_of[i + 3]] = f[3];
	}
}

/* 1 / (1 + e^v), the sigmoid of -v (the plan's weights and biases are
 * negated, so the layers compute -a for a unit's activation a). e^v in
 * float (file comment), NaN as -87: v = n ln2 + r, |r| <= ln2 / 2, e^r
 * from the minimax polynomial of degree 5 for relative error on that
 * range (1.35e-7 with these float coefficients, 7.5e-8 exact; Remez), 2^n
 * added to its exponent as an integer (over the clamped range n is in
 * [-126, 127] and r > 0.33 at -126, r < 0 at 127: the result stays a
 * normal float, and equals p * 2^n). */
KX_FN v8f KX(sigmoid_neg8)(v8f v)
{
	const v8f magic = splat8(12582912.0f);
	v = KX_MIN(KX_MAX(v, splat8(-87.0f)), splat8(88.0f));
	v8f t = KX_MADD(v, splat8(1.44269504f), magic); /* round(v / ln2) in the low bits */
	v8f n = t - magic;
	v8f r = KX_NMADD(n, splat8(-2.12194440e-4f), KX_NMADD(n, splat8(0.693359375f), v));
	v8f p = KX_MADD(splat8(0.008297654800117016f), r, splat8(0.04191538318991661f));
	p = KX_MADD(p, r, splat8(0.16667574644088745f));
	p = KX_MADD(p, r, splat8(0.49998894333839417f));
	p = KX_MADD(p, r, splat8(0.9999997019767761f));
	p = KX_MADD(p, r, splat8(1.0000001192092896f));
	v8f d = (v8f)((v8i)p + ((v8i)t << 23)) + splat8(1.0f); /* the low bits of t: n */
#if KX_FMA
	/* 12-bit estimate, one Newton step: relative error below 2.5e-7
	 * (for d beyond 2^126, 0 or a result below 1e-38, as the division's) */
	v8f y = (v8f)_mm256_rcp_ps((__m256)d);
	return KX_MADD(y, KX_NMADD(d, y, splat8(1.0f)), y);
#else
	return splat8(1.0f) / d;
#endif
}

/* sqrt of x >= 0 lane-wise, without a libm call per lane: x times
 * 1/sqrt(x + 1e-30) from the exponent-halving guess and three Newton
 * steps; 0 stays 0, relative error below 3e-7 for x >= 1e-20 (the 1e-30
 * adds 5e-31 / x below that). */
KX_FN v8f KX(sqrt8)(v8f x)
{
	v8f h = x + splat8(1e-30f);
	v8f y = (v8f)(0x5f375a86 - ((v8i)h >> 1));
	v8f half = splat8(0.5f) * h;
#pragma GCC unroll 3
	for (int i = 0; i < 3; i++)
		y = y * KX_NMADD(half * y, y, splat8(1.5f));
	return x * y;
}

/* Eight members at once (file comment), nh hidden units each: their RMSEs
 * into rm[0..8). Called with a constant nh, so the loops over the hidden
 * units unroll and their sums stay in registers: the encoder adds input
 * i to every hidden unit, the decoder reconstructs one input at a time. */
KX_FN void KX(group_nh)(const struct kitnet_xgroup *G, const float *x, float *rm,
			const unsigned nh)
{
	unsigned nv = G->n_vis;
	v8f y[KITNET_GROUP_MAX], sse = splat8(0.0f);
	const float *w = G->w;
#pragma GCC unroll 16
	for (unsigned j = 0; j < nh; j++)
		y[j] = ld8(G->hbias + j * LANES);
	for (unsigned i = 0; i < nv; i++, w += nh * LANES) {
		v8f xi = ld8(x + i * LANES);
#pragma GCC unroll 16
		for (unsigned j = 0; j < nh; j++)
			y[j] = KX_MADD(xi, ld8(w + j * LANES), y[j]);
	}
#pragma GCC unroll 16
	for (unsigned j = 0; j < nh; j++)
		y[j] = KX(sigmoid_neg8)(y[j]);
	w = G->w;
	for (unsigned i = 0; i < nv; i++, w += nh * LANES) {
		v8f a = ld8(G->vbias + i * LANES);
#pragma GCC unroll 16
		for (unsigned j = 0; j < nh; j++)
			a = KX_MADD(y[j], ld8(w + j * LANES), a);
		v8f e = (ld8(x + i * LANES) - KX(sigmoid_neg8)(a)) * ld8(G->mask + i * LANES);
		sse = KX_MADD(e, e, sse);
	}
	store8(rm, KX(sqrt8)(sse * ld8(G->inv_vis)));
}

#if KX_W512
/* ---- AVX-512 only: 8 doubles, 16 floats per vector ---- */

#define KZ_MADD(a, b, c) ((v16f)_mm512_fmadd_ps((__m512)(a), (__m512)(b), (__m512)(c)))
#define KZ_NMADD(a, b, c) ((v16f)_mm512_fnmadd_ps((__m512)(a), (__m512)(b), (__m512)(c)))

/* log1p_fast() on 8 lanes: the same operations in the same order (masked
 * where the 4-wide code selects whole lanes), so the same bits as
 * kitnet_log1p(). */
KX_FN v8d KX(log1p_fast8)(v8d a)
{
	v8d u = splat8d(1.0) + a;
	v8u bits = (v8u)u;
	v8d e = (v8d)((bits >> 52) | 0x4330000000000000ull) - splat8d(0x1p52 + 1023.0);
	v8d m = (v8d)((bits & 0x000fffffffffffffull) | 0x3ff0000000000000ull); /* [1, 2) */
	__mmask8 big = _mm512_cmp_pd_mask((__m512d)m, (__m512d)splat8d(1.4142135623730951),
					  _CMP_GT_OQ);
	m = (v8d)_mm512_mask_mul_pd((__m512d)m, big, (__m512d)m, (__m512d)splat8d(0.5));
	e = (v8d)_mm512_mask_add_pd((__m512d)e, big, (__m512d)e, (__m512d)splat8d(1.0));
	__mmask8 small = _mm512_cmp_pd_mask((__m512d)a, (__m512d)splat8d(0.41421356237309503),
					    _CMP_LT_OQ);
	v8d num = (v8d)_mm512_mask_blend_pd(small, (__m512d)(m - splat8d(1.0)), (__m512d)a);
	v8d den = (v8d)_mm512_mask_blend_pd(small, (__m512d)(m + splat8d(1.0)),
					    (__m512d)(splat8d(2.0) + a));
	e = (v8d)_mm512_maskz_mov_pd((__mmask8)~small, (__m512d)e); /* +0 where small */
	v8d s = num / den, s2 = s * s, s4 = s2 * s2, s8 = s4 * s4;
	v8d p01 = splat8d(2.0) + s2 * splat8d(2.0 / 3);
	v8d p23 = splat8d(2.0 / 5) + s2 * splat8d(2.0 / 7);
	v8d p45 = splat8d(2.0 / 9) + s2 * splat8d(2.0 / 11);
	v8d p67 = splat8d(2.0 / 13) + s2 * splat8d(2.0 / 15);
	v8d p = (p01 + s4 * p23) + s8 * (p45 + s4 * p67);
	return e * splat8d(0.6931471805599453) + s * p;
}

/* Features in[i..i+8) (lanes past n read as 0) sanitised, log-compressed
 * when log_inputs, scaled and clamped as copy_in(), log_in() and
 * scale_in() do (the same IEEE operations in the same order: the same
 * bits), rounded to float. */
KX_FN __m256 KX(scaled8)(const struct kitnet_exec *x, const double *in, unsigned i, unsigned n,
			 int log_inputs)
{
	const __m512d top = _mm512_set1_pd(KITNET_XN_MAX), bottom = _mm512_set1_pd(-KITNET_XN_MAX);
	const __m512i sign = _mm512_set1_epi64((long long)0x8000000000000000ull);
	__mmask8 live = n - i >= 8 ? 0xff : (__mmask8)((1u << (n - i)) - 1);
	__m512d v = _mm512_maskz_loadu_pd(live, in + i);
	__mmask8 finite = _mm512_cmp_pd_mask(_mm512_sub_pd(v, v), _mm512_setzero_pd(), _CMP_EQ_OQ);
	v = _mm512_maskz_mov_pd(finite, v); /* inf, NaN -> 0 */
	if (log_inputs) {
		__m512i sb = _mm512_and_si512((__m512i)v, sign);
		v8d l = KX(log1p_fast8)((v8d)_mm512_andnot_si512(sign, (__m512i)v));
		v = (__m512d)_mm512_or_si512((__m512i)l, sb);
	}
	v = _mm512_mul_pd(_mm512_sub_pd(v, _mm512_loadu_pd(x->lo + i)), _mm512_loadu_pd(x->inv + i));
	v = _mm512_max_pd(_mm512_min_pd(v, top), bottom);
	return _mm512_cvtpd_ps(v);
}

/* The n features in[] into their input slots, 8 at a time, each stored
 * into its slot (slot_of): the lanes past n scale to 0 and go to the spare
 * slot, as the padding does in the other kernels. */
KX_FN void KX(inputs8)(const struct kitnet_exec *x, const double *in, unsigned n,
		       int log_inputs, float *xn)
{
	for (unsigned i = 0; i < n; i += 8) {
		/* by halves, lane by lane: faster than a scatter on Zen 5, and than
		 * reloading the vector's lanes from memory */
		__m256 f = KX(scaled8)(x, in, i, n, log_inputs);
		v4f f0 = (v4f)_mm256_castps256_ps128(f), f1 = (v4f)_mm256_extractf128_ps(f, 1);
		const unsigned *so = x->slot_of + i;
		xn[so[0]] = f0[0];
		xn[so[1]] = f0[1];
		xn[so[2]] = f0[2];
		xn[so[3]] = f0[3];
		xn[so[4]] = f1[0];
		xn[so[5]] = f1[1];
		xn[so[6]] = f1[2];
		xn[so[7]] = f1[3];
	}
}

/* inputs8() for a plan with rows of slots (x->n_perm_rows, n <=
 * KITNET_PERM_FEATURES): the scaled features stay in eight 16-float
 * registers, and each row of 16 slots is picked from them by permutes
 * (feature f: register f / 16, lane f % 16; bits 5 and 6 of f choose among
 * four register pairs) and stored whole: a row costs four permutes and
 * three blends instead of sixteen index loads and scalar stores, and the
 * group's wide loads of it then read one store, not sixteen (two models
 * of 100 features: 5-10 ns less per packet on AMD Zen 5; a gather per row
 * instead of the permutes was 70 ns slower). The same values in the same
 * slots. */
KX_FN void KX(inputs_perm16)(const struct kitnet_exec *x, const double *in, unsigned n,
			     int log_inputs, float *xn)
{
	__m512 F[8];
#pragma GCC unroll 8
	for (unsigned j = 0; j < 8; j++) {
		__m256 lo = _mm256_setzero_ps(), hi = lo;
		if (16 * j < n)
			lo = KX(scaled8)(x, in, 16 * j, n, log_inputs);
		if (16 * j + 8 < n)
			hi = KX(scaled8)(x, in, 16 * j + 8, n, log_inputs);
		F[j] = _mm512_insertf32x8(_mm512_castps256_ps512(lo), hi, 1);
	}
	for (unsigned r = 0; r < x->n_perm_rows; r++) {
		__m512i idx = _mm512_loadu_si512(x->perm_idx[r]);
		__mmask16 m5 = x->perm_mask[r][0], m6 = x->perm_mask[r][1], live = x->perm_mask[r][2];
		__m512 q = _mm512_mask_mov_ps(_mm512_permutex2var_ps(F[0], idx, F[1]), m5,
					      _mm512_permutex2var_ps(F[2], idx, F[3]));
		if (n > 64) {
			__m512 q1 = _mm512_mask_mov_ps(_mm512_permutex2var_ps(F[4], idx, F[5]), m5,
						       _mm512_permutex2var_ps(F[6], idx, F[7]));
			q = _mm512_mask_mov_ps(q, m6, q1);
		}
		_mm512_store_ps(xn + 16 * r, _mm512_maskz_mov_ps(live, q));
	}
}

/* The output layer's inputs xo[0..n) (n the members): member c's RMSE
 * rm[rm_of[c]] scaled as scale_in() does, one at a time (the same
 * operations and clamps): no staging array read back by wider loads than
 * wrote it. */
KX_FN void KX(scale_out)(const float *rm, const unsigned *rm_of, const double *lo,
			 const double *inv, unsigned n, float *xo)
{
	const __m128d top = _mm_set_sd(KITNET_XN_MAX), bottom = _mm_set_sd(-KITNET_XN_MAX);
	for (unsigned c = 0; c < n; c++) {
		__m128d v = _mm_set_sd(((double)rm[rm_of[c]] - lo[c]) * inv[c]);
		xo[c] = (float)_mm_cvtsd_f64(_mm_max_sd(_mm_min_sd(v, top), bottom));
	}
}

/* sigmoid_neg8() on 16 lanes; the reciprocal from a 14-bit estimate and
 * one Newton step (below 1e-7 relative). */
KX_FN v16f KX(sigmoid_neg16)(v16f v)
{
	const v16f magic = splat16(12582912.0f);
	v = (v16f)_mm512_min_ps(_mm512_max_ps((__m512)v, (__m512)splat16(-87.0f)),
				(__m512)splat16(88.0f));
	v16f t = KZ_MADD(v, splat16(1.44269504f), magic);
	v16f nn = t - magic;
	v16f r = KZ_NMADD(nn, splat16(-2.12194440e-4f), KZ_NMADD(nn, splat16(0.693359375f), v));
	v16f p = KZ_MADD(splat16(0.008297654800117016f), r, splat16(0.04191538318991661f));
	p = KZ_MADD(p, r, splat16(0.16667574644088745f));
	p = KZ_MADD(p, r, splat16(0.49998894333839417f));
	p = KZ_MADD(p, r, splat16(0.9999997019767761f));
	p = KZ_MADD(p, r, splat16(1.0000001192092896f));
	v16f d = (v16f)((v16i)p + ((v16i)t << 23)) + splat16(1.0f);
	v16f y = (v16f)_mm512_rcp14_ps((__m512)d);
	return KZ_MADD(y, KZ_NMADD(d, y, splat16(1.0f)), y);
}

/* group_nh() on groups of 16 members; the RMSE's square root by the
 * instruction (exact). */
KX_FN void KX(group16_nh)(const struct kitnet_xgroup *G, const float *x, float *rm,
			  const unsigned nh)
{
	unsigned nv = G->n_vis;
	v16f y[KITNET_GROUP_MAX], sse = splat16(0.0f);
	const float *w = G->w;
#pragma GCC unroll 16
	for (unsigned j = 0; j < nh; j++)
		y[j] = ld16(G->hbias + j * 16);
	for (unsigned i = 0; i < nv; i++, w += nh * 16) {
		v16f xi = ld16(x + i * 16);
#pragma GCC unroll 16
		for (unsigned j = 0; j < nh; j++)
			y[j] = KZ_MADD(xi, ld16(w + j * 16), y[j]);
	}
#pragma GCC unroll 16
	for (unsigned j = 0; j < nh; j++)
		y[j] = KX(sigmoid_neg16)(y[j]);
	w = G->w;
	for (unsigned i = 0; i < nv; i++, w += nh * 16) {
		v16f a = ld16(G->vbias + i * 16);
#pragma GCC unroll 16
		for (unsigned j = 0; j < nh; j++)
			a = KZ_MADD(y[j], ld16(w + j * 16), a);
		v16f e = (ld16(x + i * 16) - KX(sigmoid_neg16)(a)) * ld16(G->mask + i * 16);
		sse = KZ_MADD(e, e, sse);
	}
	store16(rm, (v16f)_mm512_sqrt_ps((__m512)(sse * ld16(G->inv_vis))));
}

#undef KZ_MADD
#undef KZ_NMADD
#endif

#if KX_W512
#define KX_GROUP_NH(G, x, rm, n) KX(group16_nh)(G, x, rm, n)
#else
#define KX_GROUP_NH(G, x, rm, n) KX(group_nh)(G, x, rm, n)
#endif

/* group_nh() (group16_nh() in the AVX-512 kernel) for each constant nh,
 * out of line: a small function of its own gets the registers to itself. */
#define KX_GROUP(n)                                                                   \
	__attribute__((noinline)) KX_ATTR static void KX(group_##n)(                  \
		const struct kitnet_xgroup *G, const float *x, float *rm)             \
	{                                                                             \
		KX_GROUP_NH(G, x, rm, n);                                             \
	}
KX_GROUP(1) KX_GROUP(2) KX_GROUP(3) KX_GROUP(4) KX_GROUP(5) KX_GROUP(6) KX_GROUP(7) KX_GROUP(8)
KX_GROUP(9) KX_GROUP(10) KX_GROUP(11) KX_GROUP(12) KX_GROUP(13) KX_GROUP(14) KX_GROUP(15)
KX_GROUP(16)
#undef KX_GROUP

/* The group's members scored by the function for its n_hid (at most
 * KITNET_GROUP_MAX). */
static void (*const KX(group_fn)[KITNET_GROUP_MAX])(const struct kitnet_xgroup *, const float *,
						    float *) = {
	KX(group_1), KX(group_2), KX(group_3), KX(group_4), KX(group_5), KX(group_6),
	KX(group_7), KX(group_8), KX(group_9), KX(group_10), KX(group_11), KX(group_12),
	KX(group_13), KX(group_14), KX(group_15), KX(group_16)
};

/* Two 8-wide blocks of a row-layout layer's sums: a[0] over rows[i *
 * stride .. + 8), a[1] over the next 8 columns, each the sum over i < n
 * of c[i] times the row, with even and odd i in separate partial sums
 * (short dependency chains). */
KX_FN void KX(rows_dot2)(const float *rows, size_t stride, const float *c, unsigned n, v8f *a)
{
	v8f a0 = splat8(0.0f), a1 = a0, b0 = a0, b1 = a0;
	unsigned i = 0;
	for (; i + 2 <= n; i += 2) {
		const float *r = rows + i * stride;
		v8f c0 = splat8(c[i]), c1 = splat8(c[i + 1]);
		a0 = KX_MADD(c0, ld8(r), a0);
		b0 = KX_MADD(c0, ld8(r + 8), b0);
		a1 = KX_MADD(c1, ld8(r + stride), a1);
		b1 = KX_MADD(c1, ld8(r + stride + 8), b1);
	}
	if (i < n) {
		v8f c0 = splat8(c[i]);
		a0 = KX_MADD(c0, ld8(rows + i * stride), a0);
		b0 = KX_MADD(c0, ld8(rows + i * stride + 8), b0);
	}
	a[0] = a0 + a1;
	a[1] = b0 + b1;
}

/* One 8-wide block: rows_dot2() without the second. */
KX_FN v8f KX(rows_dot1)(const float *rows, size_t stride, const float *c, unsigned n)
{
	v8f a0 = splat8(0.0f), a1 = a0;
	unsigned i = 0;
	for (; i + 2 <= n; i += 2) {
		a0 = KX_MADD(splat8(c[i]), ld8(rows + i * stride), a0);
		a1 = KX_MADD(splat8(c[i + 1]), ld8(rows + (i + 1) * stride), a1);
	}
	if (i < n)
		a0 = KX_MADD(splat8(c[i]), ld8(rows + i * stride), a0);
	return a0 + a1;
}

/* Squared reconstruction error of the masked lanes of x over one
 * 8-wide block of a row-layout layer: negated activation a. */
KX_FN v8f KX(rows_err)(const struct kitnet_xlayer *L, const float *x, size_t b, v8f a, v8f sse)
{
	v8f e = (ld8(x + b) - KX(sigmoid_neg8)(ld8(L->vbias + b) + a)) * ld8(L->mask + b);
	return KX_MADD(e, e, sse);
}

/* RMSE of one layer in the row layout on its scaled inputs x (8-wide loads
 * past n_vis read finite values and are masked); y: hidden scratch. Both
 * halves 16 columns at a time. */
KX_FN float KX(layer_run)(const struct kitnet_xlayer *L, const float *x, float *y)
{
	unsigned nv = L->n_vis, nh = L->n_hid;
	size_t hp = PAD8(nh), vp = PAD8(nv), b = 0;
	v8f a[2], sse = splat8(0.0f);
	for (; b + 16 <= hp; b += 16) {
		KX(rows_dot2)(L->w + b, hp, x, nv, a);
		store8(y + b, KX(sigmoid_neg8)(ld8(L->hbias + b) + a[0]));
		store8(y + b + 8, KX(sigmoid_neg8)(ld8(L->hbias + b + 8) + a[1]));
	}
	if (b < hp)
		store8(y + b, KX(sigmoid_neg8)(ld8(L->hbias + b) +
					       KX(rows_dot1)(L->w + b, hp, x, nv)));
	for (b = 0; b + 16 <= vp; b += 16) {
		KX(rows_dot2)(L->wt + b, vp, y, nh, a);
		sse = KX(rows_err)(L, x, b, a[0], sse);
		sse = KX(rows_err)(L, x, b + 8, a[1], sse);
	}
	if (b < vp)
		sse = KX(rows_err)(L, x, b, KX(rows_dot1)(L->wt + b, vp, y, nh), sse);
	float s = ((sse[0] + sse[1]) + (sse[2] + sse[3])) + ((sse[4] + sse[5]) + (sse[6] + sse[7]));
	return sqrtf(s / (float)nv);
}

#if KX_W512
/* A 16-lane mask of the first n lanes (n <= 16). */
#define KZ_FIRST(n) ((__mmask16)((n) >= 16 ? 0xffffu : (1u << (n)) - 1u))

/* layer_run() for a layer of at most 16 inputs and 16 hidden units (the
 * output layer of up to 16 members): each half in one 16-float vector,
 * the hidden values kept in a register (lane j broadcast by a permute),
 * four partial sums per half; larger layers go to layer_run(). */
KX_FN float KX(layer_run16)(const struct kitnet_xlayer *L, const float *x, float *y)
{
	unsigned nv = L->n_vis, nh = L->n_hid;
	size_t hp = PAD8(nh), vp = PAD8(nv);
	if (hp > 16 || vp > 16)
		return KX(layer_run)(L, x, y);
	__mmask16 mh = KZ_FIRST(hp), mv = KZ_FIRST(vp);
	__m512 a0 = _mm512_setzero_ps(), a1 = a0, a2 = a0, a3 = a0;
	unsigned i = 0, j = 0;
	for (; i + 4 <= nv; i += 4) {
		const float *w = L->w + i * hp;
		a0 = _mm512_fmadd_ps(_mm512_set1_ps(x[i]), _mm512_maskz_loadu_ps(mh, w), a0);
		a1 = _mm512_fmadd_ps(_mm512_set1_ps(x[i + 1]), _mm512_maskz_loadu_ps(mh, w + hp), a1);
		a2 = _mm512_fmadd_ps(_mm512_set1_ps(x[i + 2]),
				     _mm512_maskz_loadu_ps(mh, w + 2 * hp), a2);
		a3 = _mm512_fmadd_ps(_mm512_set1_ps(x[i + 3]),
				     _mm512_maskz_loadu_ps(mh, w + 3 * hp), a3);
	}
	for (; i < nv; i++)
		a0 = _mm512_fmadd_ps(_mm512_set1_ps(x[i]), _mm512_maskz_loadu_ps(mh, L->w + i * hp),
				     a0);
	__m512 h = _mm512_add_ps(_mm512_add_ps(a0, a1), _mm512_add_ps(a2, a3));
	h = (__m512)KX(sigmoid_neg16)((v16f)_mm512_add_ps(_mm512_maskz_loadu_ps(mh, L->hbias), h));
	a0 = a1 = a2 = a3 = _mm512_setzero_ps();
#define KZ_LANE(v, j) _mm512_permutexvar_ps(_mm512_set1_epi32((int)(j)), (v))
	for (; j + 4 <= nh; j += 4) {
		const float *wt = L->wt + j * vp;
		a0 = _mm512_fmadd_ps(KZ_LANE(h, j), _mm512_maskz_loadu_ps(mv, wt), a0);
		a1 = _mm512_fmadd_ps(KZ_LANE(h, j + 1), _mm512_maskz_loadu_ps(mv, wt + vp), a1);
		a2 = _mm512_fmadd_ps(KZ_LANE(h, j + 2), _mm512_maskz_loadu_ps(mv, wt + 2 * vp), a2);
		a3 = _mm512_fmadd_ps(KZ_LANE(h, j + 3), _mm512_maskz_loadu_ps(mv, wt + 3 * vp), a3);
	}
	for (; j < nh; j++)
		a0 = _mm512_fmadd_ps(KZ_LANE(h, j), _mm512_maskz_loadu_ps(mv, L->wt + j * vp), a0);
#undef KZ_LANE
	__m512 r = _mm512_add_ps(_mm512_add_ps(a0, a1), _mm512_add_ps(a2, a3));
	r = (__m512)KX(sigmoid_neg16)((v16f)_mm512_add_ps(_mm512_maskz_loadu_ps(mv, L->vbias), r));
	__m512 e = _mm512_mul_ps(_mm512_sub_ps(_mm512_maskz_loadu_ps(mv, x), r),
				 _mm512_maskz_loadu_ps(mv, L->mask));
	return sqrtf(_mm512_reduce_add_ps(_mm512_mul_ps(e, e)) / (float)nv);
}
#undef KZ_FIRST
#define KX_LAYER_RUN KX(layer_run16)
#else
#define KX_LAYER_RUN KX(layer_run)
#endif

/* The scoring phase in three stages (score_body() runs them in turn,
 * score_pair() interleaves two models'): the features in[] into the input
 * slots; */
KX_FN void KX(stage_in)(const struct kn_kitnet *k, const double *in)
{
	const struct kitnet_exec *x = &k->exec;
	unsigned n = k->cfg.n_features;
#if KX_W512
	if (x->n_perm_rows)
		KX(inputs_perm16)(x, in, n, k->cfg.log_inputs, x->xn);
	else
		KX(inputs8)(x, in, n, k->cfg.log_inputs, x->xn);
#else
	KX(copy_in)(x->t, in, n); /* padded with zeros to a multiple of 8 */
	if (k->cfg.log_inputs)
		KX(log_in)(x->t, PAD8(n));
	KX(scale_in)(x->t, x->lo, x->inv, PAD8(n), x->slot_of, x->xn);
#endif
}

/* the members' RMSEs; */
KX_FN void KX(stage_members)(const struct kn_kitnet *k)
{
	const struct kitnet_exec *x = &k->exec;
	float *xn = x->xn, *rm = x->rm;
	for (unsigned c = 0; c < x->n_groups; c++) {
		const struct kitnet_xgroup *G = &x->group[c];
		KX(group_fn)[G->n_hid - 1](G, xn + G->in, rm + c * KX_GL);
	}
	for (unsigned r = 0; r < x->n_rows; r++) {
		const struct kitnet_xlayer *L = &x->layer[r];
		rm[x->n_groups * KX_GL + r] = KX_LAYER_RUN(L, xn + L->in, x->y);
	}
}

/* the output layer's RMSE over them: the score. */
KX_FN double KX(stage_out)(const struct kn_kitnet *k)
{
	const struct kitnet_exec *x = &k->exec;
	unsigned n_ae = k->n_ae;
	float *rm = x->rm;
#if KX_W512
	KX(scale_out)(rm, x->rm_of, x->out_lo, x->out_inv, n_ae, x->xo);
#else
	double *g = x->g;
	for (unsigned c = 0; c < n_ae; c++)
		g[c] = rm[x->rm_of[c]];
	KX(scale_in)(g, x->out_lo, x->out_inv, PAD8(n_ae), NULL, x->xo);
#endif
	return KX_LAYER_RUN(&x->layer[x->n_rows], x->xo, x->y);
}

/* kn_kitnet_process() in the scoring phase: the score of features in. */
KX_FN double KX(score_body)(const struct kn_kitnet *k, const double *in)
{
	KX(stage_in)(k, in);
	KX(stage_members)(k);
	return KX(stage_out)(k);
}

/* Two models' scores of the same features, stage by stage: each stage of
 * one is independent of the other's, so the CPU runs one model's long
 * dependency chains (the log1p and scaling of the inputs, the sigmoids)
 * beside the other's instead of one after the other (~0.88 of the time of
 * two score_body() calls on AMD Zen 5). The same operations: the same
 * bits as score_body(). */
KX_FN void KX(score_pair)(const struct kn_kitnet *a, const struct kn_kitnet *b,
			  const double *in, double *s)
{
	KX(stage_in)(a, in);
	KX(stage_in)(b, in);
	KX(stage_members)(a);
	KX(stage_members)(b);
	s[0] = KX(stage_out)(a);
	s[1] = KX(stage_out)(b);
}

#undef KX_GL
#undef KX_GROUP_NH
#undef KX_LAYER_RUN
#undef KX_MADD
#undef KX_NMADD
#undef KX_MAX
#undef KX_MIN
#undef KX_MAXD
#undef KX_MIND
#undef KX_SEL4D
