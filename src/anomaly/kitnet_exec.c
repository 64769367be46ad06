/*
 * kitnet_exec.c - KitNET's scoring phase at packet rate: a single-precision
 * copy of a trained model laid out for 8-wide vectors, built once when
 * training ends (or a model is loaded), and the kernel that scores a
 * feature vector with it (kn_kitnet_process() in the scoring phase).
 * Training and the model file stay in double precision (kitnet.c,
 * kitnet_io.c); the plan is allocated with the model, so scoring never
 * allocates.
 *
 * Layout. The ensemble's members of at most KITNET_GROUP_MAX inputs are
 * sorted by size and scored eight at a time, one member per vector lane:
 * group input i is the vector of the members' i-th inputs, weight (i, j)
 * the vector of their w[i][j] (zero where a member has fewer inputs or
 * hidden units), so the encoder and the decoder (tied weights) are plain
 * 8-wide multiply-adds with independent hidden units: no horizontal sums,
 * gathers or branches inside, and little padding. Larger members and the
 * output layer are scored one at a time with rows padded to 8 (encoder
 * rows w[i][0..n_hid), decoder rows w[0..n_vis)[j]). Each feature feeds
 * one input slot (the map is a partition): the features are sanitised
 * (non-finite -> 0), optionally log-compressed (log1p_fast(); training
 * uses the same function through kitnet_log1p(), so a feature constant in
 * training still scales to exactly 0) and scaled by their training range
 * in double precision, 4 at a time, rounded to float and stored in their
 * slots.
 *
 * Accuracy. The sigmoid uses exp_fast8(): Cody-Waite reduction to |r| <=
 * ln2 / 2, a degree-7 polynomial (truncation 5e-9), 2^n written into the
 * exponent; relative error below 3e-7 on the clamped range [-87, 88].
 * With float weights and sums, scores differ from the double-precision
 * reference (kitnet_score_double(), the arithmetic of training) by less
 * than 1e-5 relative plus 1e-7 absolute (largest measured: 6.5e-7 relative);
 * tests/unit/anomaly/test_kitnet_exec.c checks that bound on trained
 * models. Subnormal results are flushed to zero inside the kernel.
 *
 * Portability. GCC vector extensions (clang has them too), compiled twice:
 * for baseline x86-64 (SSE2; each 8-wide operation split in two) and with
 * AVX2, chosen when the plan is built (__builtin_cpu_supports). Both do
 * the same operations in the same order without fused multiply-adds, so
 * they return the same bits, and so does a saved and reloaded model.
 */
#include <math.h>
#include <string.h>
#if defined(__x86_64__)
#include <xmmintrin.h>
#endif

#include "anomaly/kitnet_int.h"

/* Every function taking or returning a 32-byte vector is static and
 * always inlined into the two kernels: no such vector crosses a call, so
 * the ABI warning GCC and clang give for them without AVX does not apply. */
#if defined(__clang__)
#pragma clang diagnostic ignored "-Wunknown-warning-option"
#pragma clang diagnostic ignored "-Wpsabi"
#elif defined(__GNUC__)
#pragma GCC diagnostic ignored "-Wpsabi"
#endif

#define KX_INLINE static inline __attribute__((always_inline))
#define PAD8(n) (((size_t)(n) + 7u) & ~(size_t)7u)
#define LANES 8u

typedef float v8f __attribute__((vector_size(32)));
typedef int32_t v8i __attribute__((vector_size(32)));
typedef double v4d __attribute__((vector_size(32)));
typedef int64_t v4l __attribute__((vector_size(32)));
typedef uint64_t v4u __attribute__((vector_size(32)));
typedef float v4f __attribute__((vector_size(16)));

/* ---- the plan ------------------------------------------------------------ */

/* Floats of one layer in the row layout. */
static size_t rows_floats(unsigned nv, unsigned nh)
{
	return (size_t)nv * PAD8(nh) + (size_t)nh * PAD8(nv) + PAD8(nh) + 2 * PAD8(nv);
}

/* Floats of one group of members with at most nv inputs and nh hidden. */
static size_t group_floats(unsigned nv, unsigned nh)
{
	return LANES * ((size_t)nv * nh + nh + 2 * (size_t)nv + 1);
}

size_t kitnet_exec_floats_worst(unsigned n, unsigned max_ae)
{
	/* groups (n_hid <= n_vis): at most 8 (nv^2 + 6 nv + 4) floats each;
	 * over groups sorted by size, sum nv^2 <= 16^2 + 2 n and sum nv <= 17 +
	 * n; at most n groups. Larger members: 2 nv (nv + 7) + 3 (nv + 7) each,
	 * <= 2 n (m + 7) + 6 n in all; the output layer (n_ae <= n inputs)
	 * likewise; staging (plan_need) <= 14 n + 184. test_kitnet_exec.c
	 * checks the bound on random maps. */
	size_t m = max_ae, nn = n;
	return 8 * (256 + 2 * nn + 6 * (17 + nn) + 4 * nn) + 2 * nn * (m + 7) + 6 * nn +
	       2 * nn * (nn + 7) + 3 * (nn + 7) + 14 * nn + 184 + LANES;
}

/* Member c's position in k->order (the first of its inputs). */
static unsigned member_offset(const struct kn_kitnet *k, unsigned c)
{
	unsigned off = 0;
	for (unsigned i = 0; i < c; i++)
		off += k->sizes[i];
	return off;
}

/* x->perm: the members of at most KITNET_GROUP_MAX inputs by decreasing
 * size (stable), then the others in order. Returns how many are grouped. */
static unsigned plan_order(const struct kn_kitnet *k, unsigned *perm)
{
	unsigned ng = 0, n = 0;
	for (unsigned c = 0; c < k->n_ae; c++) {
		if (k->sizes[c] > KITNET_GROUP_MAX)
			continue;
		unsigned j = ng++;
		while (j > 0 && k->sizes[perm[j - 1]] < k->sizes[c]) {
			perm[j] = perm[j - 1];
			j--;
		}
		perm[j] = c;
	}
	n = ng;
	for (unsigned c = 0; c < k->n_ae; c++)
		if (k->sizes[c] > KITNET_GROUP_MAX)
			perm[n++] = c;
	return ng;
}

/* Feature f (input i of ae) feeds input slot s; the other slots are
 * padding, zero from the build on. */
static void slot_set(struct kitnet_exec *x, size_t s, unsigned f, const struct kitnet_ae *ae,
		     unsigned i)
{
	x->slot_of[f] = (unsigned)s;
	x->lo[f] = ae->min[i];
	x->inv[f] = 1.0 / (ae->max[i] - ae->min[i] + KITNET_NORM_EPS);
}

/* One group of members perm[0..cnt) (largest first) at input slot *slot. */
static float *group_build(struct kn_kitnet *k, struct kitnet_xgroup *G, const unsigned *perm,
			  unsigned cnt, size_t *slot, float *mem)
{
	struct kitnet_exec *x = &k->exec;
	unsigned nv = k->ae[perm[0]].n_vis, nh = k->ae[perm[0]].n_hid;
	G->n_vis = nv, G->n_hid = nh, G->in = (unsigned)*slot;
	memset(mem, 0, group_floats(nv, nh) * sizeof *mem);
	G->w = mem, mem += (size_t)nv * nh * LANES;
	G->hbias = mem, mem += (size_t)nh * LANES;
	G->vbias = mem, mem += (size_t)nv * LANES;
	G->mask = mem, mem += (size_t)nv * LANES;
	G->inv_vis = mem, mem += LANES;
	for (unsigned l = 0; l < LANES; l++) {
		const struct kitnet_ae *ae = l < cnt ? &k->ae[perm[l]] : NULL;
		unsigned off = ae ? member_offset(k, perm[l]) : 0;
		for (unsigned i = 0; ae && i < ae->n_vis; i++) {
			slot_set(x, *slot + i * LANES + l, k->order[off + i], ae, i);
			for (unsigned j = 0; j < ae->n_hid; j++)
				G->w[(i * nh + j) * LANES + l] = (float)ae->w[i * ae->n_hid + j];
			G->vbias[i * LANES + l] = (float)ae->vbias[i];
			G->mask[i * LANES + l] = 1.0f;
		}
		for (unsigned j = 0; ae && j < ae->n_hid; j++)
			G->hbias[j * LANES + l] = (float)ae->hbias[j];
		G->inv_vis[l] = ae ? 1.0f / (float)ae->n_vis : 0.0f;
	}
	*slot += (size_t)nv * LANES;
	return mem;
}

/* A double-precision autoencoder into the row layout at mem. */
static float *rows_build(struct kitnet_xlayer *L, const struct kitnet_ae *ae, unsigned in,
			 float *mem)
{
	unsigned nv = ae->n_vis, nh = ae->n_hid;
	size_t hp = PAD8(nh), vp = PAD8(nv);
	L->n_vis = nv, L->n_hid = nh, L->in = in;
	memset(mem, 0, rows_floats(nv, nh) * sizeof *mem);
	L->w = mem, mem += (size_t)nv * hp;
	L->wt = mem, mem += (size_t)nh * vp;
	L->hbias = mem, mem += hp;
	L->vbias = mem, mem += vp;
	L->mask = mem, mem += vp;
	for (unsigned i = 0; i < nv; i++) {
		for (unsigned j = 0; j < nh; j++) {
			float v = (float)ae->w[(size_t)i * nh + j];
			L->w[(size_t)i * hp + j] = v;
			L->wt[(size_t)j * vp + i] = v;
		}
		L->vbias[i] = (float)ae->vbias[i];
		L->mask[i] = 1.0f;
	}
	for (unsigned j = 0; j < nh; j++)
		L->hbias[j] = (float)ae->hbias[j];
	return mem;
}

/* Floats the plan of a map with these cluster sizes takes (layers and
 * staging, as plan_layout() carves them) and its input slots. */
static size_t plan_need(const unsigned *sizes, unsigned n_ae, double ratio, size_t *slots)
{
	unsigned count[KITNET_GROUP_MAX + 1] = { 0 }, groups = 0, rows = 0, in_group = 0;
	unsigned max_hid = kitnet_hidden(n_ae, ratio);
	size_t need = rows_floats(n_ae, max_hid);
	*slots = 0;
	for (unsigned c = 0; c < n_ae; c++) {
		unsigned h = kitnet_hidden(sizes[c], ratio);
		if (sizes[c] <= KITNET_GROUP_MAX) {
			count[sizes[c]]++;
			continue;
		}
		need += rows_floats(sizes[c], h);
		*slots += PAD8(sizes[c]);
		max_hid = h > max_hid ? h : max_hid;
		rows++;
	}
	/* groups of 8 in decreasing size: each sized by its first member */
	for (unsigned v = KITNET_GROUP_MAX; v >= 1; v--) {
		for (unsigned i = 0; i < count[v]; i++, in_group = (in_group + 1) % LANES) {
			if (in_group != 0)
				continue;
			need += group_floats(v, kitnet_hidden(v, ratio));
			*slots += (size_t)v * LANES;
			groups++;
		}
	}
	/* xn, xo, y, rm (see plan_layout) */
	return need + *slots + 16 + PAD8(n_ae) + 16 + PAD8(max_hid) + 16 +
	       (size_t)groups * LANES + rows + 16;
}

size_t kitnet_exec_floats(const unsigned *sizes, unsigned n_ae, double ratio)
{
	size_t slots;
	return plan_need(sizes, n_ae, ratio, &slots) + LANES;
}

/* Carves the layers and staging out of x->mem and fills the input slots.
 * Returns 0, or -1 when they do not fit (the caller then scores in
 * double precision). */
static int plan_layout(struct kn_kitnet *k)
{
	struct kitnet_exec *x = &k->exec;
	unsigned ng = plan_order(k, x->perm), n_ae = k->n_ae, max_hid = k->out.n_hid;
	size_t skip = ((uintptr_t)x->mem & 31) ? (32 - ((uintptr_t)x->mem & 31)) / sizeof(float) : 0;
	float *mem = x->mem + skip;
	size_t slot = 0, slots;
	x->n_groups = x->n_rows = 0;
	if (plan_need(k->sizes, n_ae, k->cfg.hidden_ratio, &slots) + skip > x->mem_len)
		return -1;
	for (unsigned c = 0; c < ng; c += LANES, x->n_groups++) {
		unsigned cnt = ng - c < LANES ? ng - c : LANES;
		mem = group_build(k, &x->group[x->n_groups], x->perm + c, cnt, &slot, mem);
		for (unsigned l = 0; l < cnt; l++)
			x->rm_of[x->perm[c + l]] = x->n_groups * LANES + l;
	}
	for (unsigned p = ng; p < n_ae; p++, x->n_rows++) {
		const struct kitnet_ae *ae = &k->ae[x->perm[p]];
		unsigned off = member_offset(k, x->perm[p]);
		mem = rows_build(&x->layer[x->n_rows], ae, (unsigned)slot, mem);
		for (unsigned i = 0; i < ae->n_vis; i++)
			slot_set(x, slot + i, k->order[off + i], ae, i);
		slot += PAD8(ae->n_vis);
		max_hid = ae->n_hid > max_hid ? ae->n_hid : max_hid;
	}
	for (unsigned p = ng; p < n_ae; p++)
		x->rm_of[x->perm[p]] = x->n_groups * LANES + (p - ng);
	mem = rows_build(&x->layer[x->n_rows], &k->out, 0, mem);
	x->n_slots = slot;
	for (size_t f = k->cfg.n_features; f < PAD8(k->cfg.n_features); f++)
		x->slot_of[f] = (unsigned)slot; /* padding features: a spare slot */
	x->xn = mem, mem += slot + 16;
	x->xo = mem, mem += PAD8(n_ae) + 16;
	x->y = mem, mem += PAD8(max_hid) + 16;
	x->rm = mem, mem += (size_t)x->n_groups * LANES + x->n_rows + 16;
	memset(x->xn, 0, (size_t)(mem - x->xn) * sizeof *mem);
	return 0;
}

/* ---- vector helpers ------------------------------------------------------- */

KX_INLINE v8f ld8(const float *p)
{
	v8f v;
	memcpy(&v, p, sizeof v);
	return v;
}

KX_INLINE v4d ld4d(const double *p)
{
	v4d v;
	memcpy(&v, p, sizeof v);
	return v;
}

KX_INLINE v8f splat8(float f)
{
	return (v8f){ f, f, f, f, f, f, f, f };
}

KX_INLINE v4d splat4d(double d)
{
	return (v4d){ d, d, d, d };
}

/* Lanes of a where m is set (all ones), else b. */
KX_INLINE v8f sel8(v8i m, v8f a, v8f b)
{
	return (v8f)(((v8i)a & m) | ((v8i)b & ~m));
}

KX_INLINE v4d sel4d(v4l m, v4d a, v4d b)
{
	return (v4d)(((v4l)a & m) | ((v4l)b & ~m));
}

/* e^v in float (file comment); NaN counts as -87. */
KX_INLINE v8f exp_fast8(v8f v)
{
	const v8f lo = splat8(-87.0f), hi = splat8(88.0f), magic = splat8(12582912.0f);
	v = sel8(v > lo, v, lo);
	v = sel8(v < hi, v, hi);
	v8f t = v * splat8(1.44269504f) + magic; /* round(v / ln2) in the low bits */
	v8f n = t - magic;
	v8f r = (v - n * splat8(0.693359375f)) - n * splat8(-2.12194440e-4f);
	/* Estrin's scheme: a short dependency chain */
	v8f r2 = r * r, r4 = r2 * r2;
	v8f p01 = splat8(1.0f) + r, p23 = splat8(0.5f) + r * splat8(1.0f / 6);
	v8f p45 = splat8(1.0f / 24) + r * splat8(1.0f / 120);
	v8f p67 = splat8(1.0f / 720) + r * splat8(1.0f / 5040);
	v8f p = (p01 + r2 * p23) + r4 * (p45 + r2 * p67);
	v8i e = ((v8i)t - 0x4b400000 + 127) << 23; /* (n + 127) << 23 */
	return p * (v8f)e;
}

KX_INLINE v8f sigmoid8(v8f a)
{
	return splat8(1.0f) / (splat8(1.0f) + exp_fast8(-a));
}

/* log(1 + a) for a >= 0 finite, with one division: 2 atanh(s) by its
 * series to s^15 (|s| <= 0.1716: truncation below 1e-14 relative), where
 * s = a / (2 + a) when a < sqrt(2) - 1 (exact up to one rounding, however
 * small a is), else 1 + a = 2^e m with m in [sqrt(1/2), sqrt(2)) and
 * s = (m - 1) / (m + 1) (the rounding of 1 + a is then below 4e-16 of the
 * result). Relative error below 1e-13 (measured against long double). */
KX_INLINE v4d log1p_fast(v4d a)
{
	v4d u = splat4d(1.0) + a;
	v4u bits = (v4u)u;
	/* the exponent as a double: 2^52 + biased exponent, minus 2^52 + 1023
	 * (logical shifts and no int64 -> double conversion: AVX2 has none) */
	v4d e = (v4d)((bits >> 52) | 0x4330000000000000ull) - splat4d(0x1p52 + 1023.0);
	v4d m = (v4d)((bits & 0x000fffffffffffffull) | 0x3ff0000000000000ull); /* [1, 2) */
	v4l big = m > splat4d(1.4142135623730951);
	m = sel4d(big, m * splat4d(0.5), m);
	e += (v4d)((v4l)splat4d(1.0) & big);
	v4l small = a < splat4d(0.41421356237309503);
	v4d num = sel4d(small, a, m - splat4d(1.0));
	v4d den = sel4d(small, splat4d(2.0) + a, m + splat4d(1.0));
	e = (v4d)((v4l)e & ~small);
	v4d s = num / den, s2 = s * s, s4 = s2 * s2, s8 = s4 * s4;
	/* 2 + 2/3 s^2 + ... + 2/15 s^14 in Estrin's form: a short chain */
	v4d p01 = splat4d(2.0) + s2 * splat4d(2.0 / 3), p23 = splat4d(2.0 / 5) + s2 * splat4d(2.0 / 7);
	v4d p45 = splat4d(2.0 / 9) + s2 * splat4d(2.0 / 11);
	v4d p67 = splat4d(2.0 / 13) + s2 * splat4d(2.0 / 15);
	v4d p = (p01 + s4 * p23) + s8 * (p45 + s4 * p67);
	return e * splat4d(0.6931471805599453) + s * p;
}

KX_INLINE void store8(float *p, v8f v)
{
	memcpy(p, &v, sizeof v);
}

/* sum over i < n of c[i] * rows[i * stride .. + 8), in four independent
 * partial sums (i mod 4) added pairwise: short dependency chains, and the
 * same order in both kernels. */
KX_INLINE v8f rows_dot(const float *rows, size_t stride, const float *c, unsigned n)
{
	v8f a0 = splat8(0.0f), a1 = a0, a2 = a0, a3 = a0;
	unsigned i = 0;
	for (; i + 4 <= n; i += 4) {
		a0 += splat8(c[i]) * ld8(rows + i * stride);
		a1 += splat8(c[i + 1]) * ld8(rows + (i + 1) * stride);
		a2 += splat8(c[i + 2]) * ld8(rows + (i + 2) * stride);
		a3 += splat8(c[i + 3]) * ld8(rows + (i + 3) * stride);
	}
	for (; i < n; i++)
		a0 += splat8(c[i]) * ld8(rows + i * stride);
	return (a0 + a1) + (a2 + a3);
}


double kitnet_log1p(double a)
{
	return log1p_fast(splat4d(a))[0]; /* the kernels' operations, bit for bit */
}

/* ---- the kernel ------------------------------------------------------------ */

/* In place over n doubles (n a multiple of 4): non-finite -> 0, then
 * sign(v) log1p(|v|). */
KX_INLINE void log_in(double *t, size_t n)
{
	const v4l sign = (v4l)splat4d(-0.0);
	for (size_t i = 0; i < n; i += 4) {
		v4d v = ld4d(t + i);
		v = (v4d)((v4l)v & (v - v == splat4d(0.0))); /* inf, NaN -> 0 */
		v4l sb = (v4l)v & sign;
		v = (v4d)((v4l)log1p_fast((v4d)((v4l)v & ~sign)) | sb);
		memcpy(t + i, &v, sizeof v);
	}
}

/* Scales n doubles g[] (n a multiple of 4) to float: non-finite -> 0,
 * then (v - lo) * inv clamped to +-KITNET_XN_MAX (NaN -> -XN_MAX); value
 * i goes to xn[i], or with slot_of to xn[slot_of[i]]. */
KX_INLINE void scale_in(const double *g, const double *lo, const double *inv, size_t n,
			const unsigned *slot_of, float *xn)
{
	const v4d top = splat4d(KITNET_XN_MAX), bottom = splat4d(-KITNET_XN_MAX);
	for (size_t i = 0; i < n; i += 4) {
		v4d v = ld4d(g + i);
		v = (v4d)((v4l)v & (v - v == splat4d(0.0))); /* inf, NaN -> 0 */
		v = (v - ld4d(lo + i)) * ld4d(inv + i);
		v = sel4d(v < top, v, top);
		v = sel4d(v >= bottom, v, bottom);
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

/* sqrt of x >= 0 lane-wise, without a libm call per lane: x times
 * 1/sqrt(x + 1e-30) from the exponent-halving guess and three Newton
 * steps; 0 stays 0, relative error below 3e-7 for x >= 1e-20 (the 1e-30
 * adds 5e-31 / x below that). */
KX_INLINE v8f sqrt8(v8f x)
{
	v8f h = x + splat8(1e-30f);
	v8f y = (v8f)(0x5f375a86 - ((v8i)h >> 1));
	v8f half = splat8(0.5f) * h;
	y = y * (splat8(1.5f) - half * y * y);
	y = y * (splat8(1.5f) - half * y * y);
	y = y * (splat8(1.5f) - half * y * y);
	return x * y;
}

/* Error of lane-wise reconstruction a of inputs xi, masked, squared. */
KX_INLINE v8f sq_err(v8f xi, v8f a, v8f mask)
{
	v8f e = (xi - sigmoid8(a)) * mask;
	return e * e;
}

/* Eight members at once (file comment): their RMSEs into rm[0..8). The
 * encoder computes 4 hidden units per pass over the inputs, the decoder 4
 * inputs per pass over the hidden units (then one at a time). */
KX_INLINE void group_run(const struct kitnet_xgroup *G, const float *x, float *rm)
{
	unsigned nv = G->n_vis, nh = G->n_hid;
	size_t row = (size_t)nh * LANES; /* one input's weights */
	v8f y[KITNET_GROUP_MAX];
	unsigned j = 0;
	for (; j + 4 <= nh; j += 4) {
		const float *w = G->w + j * LANES, *b = G->hbias + j * LANES;
		v8f a0 = ld8(b), a1 = ld8(b + 8), a2 = ld8(b + 16), a3 = ld8(b + 24);
		for (unsigned i = 0; i < nv; i++, w += row) {
			v8f xi = ld8(x + i * LANES);
			a0 += xi * ld8(w);
			a1 += xi * ld8(w + 8);
			a2 += xi * ld8(w + 16);
			a3 += xi * ld8(w + 24);
		}
		y[j] = sigmoid8(a0);
		y[j + 1] = sigmoid8(a1);
		y[j + 2] = sigmoid8(a2);
		y[j + 3] = sigmoid8(a3);
	}
	for (; j < nh; j++) {
		const float *w = G->w + j * LANES;
		v8f a0 = ld8(G->hbias + j * LANES);
		for (unsigned i = 0; i < nv; i++, w += row)
			a0 += ld8(x + i * LANES) * ld8(w);
		y[j] = sigmoid8(a0);
	}
	v8f sse = splat8(0.0f);
	unsigned i = 0;
	for (; i + 4 <= nv; i += 4) {
		const float *w = G->w + i * row, *b = G->vbias + i * LANES;
		v8f a0 = ld8(b), a1 = ld8(b + 8), a2 = ld8(b + 16), a3 = ld8(b + 24);
		for (unsigned j = 0; j < nh; j++, w += LANES) {
			a0 += y[j] * ld8(w);
			a1 += y[j] * ld8(w + row);
			a2 += y[j] * ld8(w + 2 * row);
			a3 += y[j] * ld8(w + 3 * row);
		}
		const float *xi = x + i * LANES, *mk = G->mask + i * LANES;
		sse += (sq_err(ld8(xi), a0, ld8(mk)) + sq_err(ld8(xi + 8), a1, ld8(mk + 8))) +
		       (sq_err(ld8(xi + 16), a2, ld8(mk + 16)) + sq_err(ld8(xi + 24), a3, ld8(mk + 24)));
	}
	for (; i < nv; i++) {
		const float *w = G->w + i * row;
		v8f a0 = ld8(G->vbias + i * LANES);
		for (unsigned j = 0; j < nh; j++)
			a0 += y[j] * ld8(w + j * LANES);
		sse += sq_err(ld8(x + i * LANES), a0, ld8(G->mask + i * LANES));
	}
	store8(rm, sqrt8(sse * ld8(G->inv_vis)));
}

/* RMSE of one layer in the row layout on its scaled inputs x (8-wide loads
 * past n_vis read finite values and are masked); y: hidden scratch. */
KX_INLINE float layer_run(const struct kitnet_xlayer *L, const float *x, float *y)
{
	unsigned nv = L->n_vis, nh = L->n_hid;
	size_t hp = PAD8(nh), vp = PAD8(nv);
	for (size_t b = 0; b < hp; b += 8)
		store8(y + b, sigmoid8(ld8(L->hbias + b) + rows_dot(L->w + b, hp, x, nv)));
	v8f sse = splat8(0.0f);
	for (size_t b = 0; b < vp; b += 8) {
		v8f a = ld8(L->vbias + b) + rows_dot(L->wt + b, vp, y, nh);
		v8f e = (ld8(x + b) - sigmoid8(a)) * ld8(L->mask + b);
		sse += e * e;
	}
	float s = ((sse[0] + sse[1]) + (sse[2] + sse[3])) + ((sse[4] + sse[5]) + (sse[6] + sse[7]));
	return sqrtf(s / (float)nv);
}

KX_INLINE double score_body(const struct kn_kitnet *k, const double *in)
{
	const struct kitnet_exec *x = &k->exec;
	unsigned n = k->cfg.n_features, n_ae = k->n_ae;
	float *xn = x->xn, *rm = x->rm;
	double *g = x->g;
	memcpy(x->t, in, n * sizeof *in); /* padded with zeros to a multiple of 8 */
	if (k->cfg.log_inputs)
		log_in(x->t, PAD8(n));
	scale_in(x->t, x->lo, x->inv, PAD8(n), x->slot_of, xn);
	for (unsigned c = 0; c < x->n_groups; c++)
		group_run(&x->group[c], xn + x->group[c].in, rm + c * LANES);
	for (unsigned r = 0; r < x->n_rows; r++)
		rm[x->n_groups * LANES + r] = layer_run(&x->layer[r], xn + x->layer[r].in, x->y);
	for (unsigned c = 0; c < n_ae; c++)
		g[c] = rm[x->rm_of[c]];
	scale_in(g, x->out_lo, x->out_inv, PAD8(n_ae), NULL, x->xo);
	return layer_run(&x->layer[x->n_rows], x->xo, x->y);
}

/* Subnormal floats (a sigmoid near 0 times a small weight, a tiny error
 * squared) take a slow path in the FPU: the kernels flush them to zero
 * (MXCSR FTZ and DAZ, the caller's setting restored after). The scores
 * change by less than 1e-37. */
#if defined(__x86_64__)
#define FTZ_DAZ 0x8040u
#define CSR_ENTER() unsigned csr_ = _mm_getcsr(); _mm_setcsr(csr_ | FTZ_DAZ)
#define CSR_LEAVE() _mm_setcsr(csr_)
#else
#define CSR_ENTER() (void)0
#define CSR_LEAVE() (void)0
#endif

static double score_base(struct kn_kitnet *k, const double *in)
{
	CSR_ENTER();
	double v = score_body(k, in);
	CSR_LEAVE();
	return v;
}

#if defined(__x86_64__)
__attribute__((target("avx2"))) static double score_avx2(struct kn_kitnet *k, const double *in)
{
	CSR_ENTER();
	double v = score_body(k, in);
	CSR_LEAVE();
	return v;
}
#endif

/* ---- building and dispatch --------------------------------------------------- */

void kitnet_exec_build(struct kn_kitnet *k)
{
	struct kitnet_exec *x = &k->exec;
	size_t pad = PAD8(k->cfg.n_features);
	memset(x->lo, 0, pad * sizeof *x->lo);
	memset(x->inv, 0, pad * sizeof *x->inv);
	if (plan_layout(k) < 0) {
		x->score = kitnet_score_double; /* cannot happen with kitnet_alloc's sizes */
		return;
	}
	memset(x->t, 0, pad * sizeof *x->t);
	memset(x->g, 0, pad * sizeof *x->g);
	memset(x->out_lo, 0, pad * sizeof *x->out_lo);
	memset(x->out_inv, 0, pad * sizeof *x->out_inv);
	for (unsigned c = 0; c < k->n_ae; c++) {
		x->out_lo[c] = k->out.min[c];
		x->out_inv[c] = 1.0 / (k->out.max[c] - k->out.min[c] + KITNET_NORM_EPS);
	}
	x->score = score_base;
#if defined(__x86_64__)
	if (__builtin_cpu_supports("avx2"))
		x->score = score_avx2;
#endif
}

int kitnet_exec_use_avx2(struct kn_kitnet *k, int on)
{
	if (k->exec.score == kitnet_score_double)
		return -KN_ENOTSUP;
#if defined(__x86_64__)
	if (on && !__builtin_cpu_supports("avx2"))
		return -KN_ENOTSUP;
	k->exec.score = on ? score_avx2 : score_base;
	return 0;
#else
	if (on)
		return -KN_ENOTSUP;
	k->exec.score = score_base;
	return 0;
#endif
}
