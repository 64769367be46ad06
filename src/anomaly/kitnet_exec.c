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
 * sorted by size and scored eight at a time (sixteen with the AVX-512
 * kernel: x->lanes), one member per vector lane:
 * group input i is the vector of the members' i-th inputs, weight (i, j)
 * the vector of their w[i][j] (zero where a member has fewer inputs or
 * hidden units), so the encoder and the decoder (tied weights) are plain
 * 8-wide multiply-adds with independent hidden units: no horizontal sums,
 * gathers or branches inside, and little padding; each group runs in a
 * function made for its number of hidden units, which keeps their sums in
 * registers. Larger members and the output layer are scored one at a time
 * with rows padded to 8 (encoder rows w[i][0..n_hid), decoder rows
 * w[0..n_vis)[j]), 16 columns per pass. Weights and biases are stored
 * negated, so the layers compute the negated activations the sigmoid
 * 1 / (1 + e^-a) takes (negation is exact: the same sums). Each feature
 * feeds one input slot (the map is a partition): the features are
 * sanitised (non-finite -> 0), optionally log-compressed (log1p_fast();
 * training uses the same function through kitnet_log1p(), so a feature
 * constant in training still scales to exactly 0) and scaled by their
 * training range in double precision, 4 at a time, rounded to float and
 * stored in their slots (with the AVX-512 kernel, 8 at a time, and when
 * every member is grouped, a row of 16 slots at a time: perm_rows()).
 *
 * Accuracy. The sigmoid (sigmoid_neg8() in kitnet_kernel.h): Cody-Waite
 * reduction to |r| <= ln2 / 2, a degree-5 minimax polynomial (1.35e-7),
 * 2^n added to the exponent; on the clamped range [-87, 88]. With float
 * weights and sums, scores differ from the double-precision reference
 * (kitnet_score_double(), the arithmetic of training) by less than 1e-5
 * relative plus 1e-7 absolute (largest measured: 1.1e-6 relative on
 * models of 100 features, 3.7e-6 on one of 24);
 * tests/unit/anomaly/test_kitnet_exec.c checks that bound on trained
 * models with every kernel. Subnormal results are flushed to zero inside
 * the kernel.
 *
 * Portability. GCC vector extensions (clang has them too); the kernel
 * (kitnet_kernel.h) is compiled three times: for baseline x86-64 (SSE2;
 * each 8-wide operation split in two; exact divisions), for AVX2 + FMA
 * (fused multiply-adds, min / max clamps, the sigmoid's division as a
 * reciprocal estimate and one Newton step) and for AVX-512 (F, VL, DQ,
 * BW: groups of 16 members, 8 doubles per step of the inputs' log1p and
 * scaling, the output layer of up to 16 members in one vector per half),
 * chosen when the plan is built (__builtin_cpu_supports; the plan's
 * layout follows the kernel, and the memory allocated fits either). They
 * may differ in the last bits of a score (by less than the bound above;
 * the test checks that too), so a score depends on the CPU, not only on
 * the model; on one machine a saved and reloaded model scores the same
 * bits. The double-precision parts (log1p_fast(), the scaling) have no
 * multiply-add to fuse and are not contracted (C17 mode for GCC, the
 * pragma below for clang): they give training's bits in every kernel.
 */
#include <math.h>
#include <string.h>
#if defined(__x86_64__)
#include <immintrin.h>
#endif

#include "anomaly/kitnet_int.h"
#include "anomaly/vec.h"

#if defined(__clang__)
#pragma clang fp contract(off)
#endif

#define KX_INLINE static inline __attribute__((always_inline))
#define PAD8(n) (((size_t)(n) + 7u) & ~(size_t)7u)
#define LANES 8u
/* Members per group: LANES, or 16 for the AVX-512 kernel (x->lanes). */
#define GROUP_LANES_MAX 16u


/* ---- the plan ------------------------------------------------------------ */

/* Floats of one layer in the row layout. */
static size_t rows_floats(unsigned nv, unsigned nh)
{
	return (size_t)nv * PAD8(nh) + (size_t)nh * PAD8(nv) + PAD8(nh) + 2 * PAD8(nv);
}

/* Floats of one group of `lanes` members with at most nv inputs and nh
 * hidden. */
static size_t group_floats(unsigned nv, unsigned nh, unsigned lanes)
{
	return lanes * ((size_t)nv * nh + nh + 2 * (size_t)nv + 1);
}

size_t kitnet_exec_floats_worst(unsigned n, unsigned max_ae)
{
	/* groups (n_hid <= n_vis): at most 8 (nv^2 + 6 nv + 4) floats each;
	 * over groups sorted by size, sum nv^2 <= 16^2 + 2 n and sum nv <= 17 +
	 * n; at most n groups. Larger members: 2 nv (nv + 7) + 3 (nv + 7) each,
	 * <= 2 n (m + 7) + 6 n in all; the output layer (n_ae <= n inputs)
	 * likewise; staging (plan_need) <= 14 n + 184. test_kitnet_exec.c
	 * checks the bound on random maps. Groups of 16 (the AVX-512 kernel)
	 * take at most twice the floats of the two groups of 8 they merge, and
	 * the slots, members' RMSEs and staging at most twice those of groups
	 * of 8: twice the bound, plus the 64-byte alignment. */
	size_t m = max_ae, nn = n;
	return 2 * (8 * (256 + 2 * nn + 6 * (17 + nn) + 4 * nn) + 2 * nn * (m + 7) + 6 * nn +
		    2 * nn * (nn + 7) + 3 * (nn + 7) + 14 * nn + 184) +
	       GROUP_LANES_MAX;
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
	unsigned nv = k->ae[perm[0]].n_vis, nh = k->ae[perm[0]].n_hid, L = x->lanes;
	G->n_vis = nv, G->n_hid = nh, G->in = (unsigned)*slot;
	memset(mem, 0, group_floats(nv, nh, L) * sizeof *mem);
	G->w = mem, mem += (size_t)nv * nh * L;
	G->hbias = mem, mem += (size_t)nh * L;
	G->vbias = mem, mem += (size_t)nv * L;
	G->mask = mem, mem += (size_t)nv * L;
	G->inv_vis = mem, mem += L;
	for (unsigned l = 0; l < L; l++) {
		const struct kitnet_ae *ae = l < cnt ? &k->ae[perm[l]] : NULL;
		unsigned off = ae ? member_offset(k, perm[l]) : 0;
		for (unsigned i = 0; ae && i < ae->n_vis; i++) {
			slot_set(x, *slot + i * L + l, k->order[off + i], ae, i);
			for (unsigned j = 0; j < ae->n_hid; j++)
				G->w[(i * nh + j) * L + l] = -(float)ae->w[i * ae->n_hid + j];
			G->vbias[i * L + l] = -(float)ae->vbias[i];
			G->mask[i * L + l] = 1.0f;
		}
		for (unsigned j = 0; ae && j < ae->n_hid; j++)
			G->hbias[j * L + l] = -(float)ae->hbias[j];
		G->inv_vis[l] = ae ? 1.0f / (float)ae->n_vis : 0.0f;
	}
	*slot += (size_t)nv * L;
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
			float v = -(float)ae->w[(size_t)i * nh + j];
			L->w[(size_t)i * hp + j] = v;
			L->wt[(size_t)j * vp + i] = v;
		}
		L->vbias[i] = -(float)ae->vbias[i];
		L->mask[i] = 1.0f;
	}
	for (unsigned j = 0; j < nh; j++)
		L->hbias[j] = -(float)ae->hbias[j];
	return mem;
}

/* Floats the plan of a map with these cluster sizes takes in groups of
 * `lanes` members (layers and staging, as plan_layout() carves them) and
 * its input slots. */
static size_t plan_need(const unsigned *sizes, unsigned n_ae, double ratio, unsigned lanes,
			size_t *slots)
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
	/* groups of `lanes` in decreasing size: each sized by its first member */
	for (unsigned v = KITNET_GROUP_MAX; v >= 1; v--) {
		for (unsigned i = 0; i < count[v]; i++, in_group = (in_group + 1) % lanes) {
			if (in_group != 0)
				continue;
			need += group_floats(v, kitnet_hidden(v, ratio), lanes);
			*slots += (size_t)v * lanes;
			groups++;
		}
	}
	/* xn (64-byte aligned), xo, y, rm (see plan_layout) */
	return need + 16 + *slots + 16 + PAD8(n_ae) + 16 + PAD8(max_hid) + 16 +
	       (size_t)groups * lanes + rows + 16;
}

/* Either layout (groups of 8 or 16) fits, 64-byte aligned: the kernel is
 * chosen after allocation and tests switch between them. */
size_t kitnet_exec_floats(const unsigned *sizes, unsigned n_ae, double ratio)
{
	size_t slots, n8 = plan_need(sizes, n_ae, ratio, LANES, &slots);
	size_t n16 = plan_need(sizes, n_ae, ratio, GROUP_LANES_MAX, &slots);
	return (n8 > n16 ? n8 : n16) + GROUP_LANES_MAX;
}

/* The AVX-512 kernel's rows of slots (kitnet_int.h, KITNET_PERM_*):
 * which feature each slot of the group rows takes, when every member is
 * grouped and the features and rows fit; else none (n_perm_rows 0). */
static void perm_rows(struct kn_kitnet *k)
{
	struct kitnet_exec *x = &k->exec;
	unsigned n = k->cfg.n_features;
	size_t rows = x->n_slots / GROUP_LANES_MAX;
	x->n_perm_rows = 0;
	if (x->lanes != GROUP_LANES_MAX || x->n_rows > 0 || n > KITNET_PERM_FEATURES ||
	    rows > KITNET_PERM_ROWS)
		return;
	memset(x->perm_idx, 0, sizeof x->perm_idx);
	memset(x->perm_mask, 0, sizeof x->perm_mask);
	for (unsigned f = 0; f < n; f++) {
		unsigned r = x->slot_of[f] / GROUP_LANES_MAX, l = x->slot_of[f] % GROUP_LANES_MAX;
		x->perm_idx[r][l] = (int32_t)f;
		x->perm_mask[r][0] |= (uint16_t)(((f >> 5) & 1u) << l);
		x->perm_mask[r][1] |= (uint16_t)(((f >> 6) & 1u) << l);
		x->perm_mask[r][2] |= (uint16_t)(1u << l);
	}
	x->n_perm_rows = (unsigned)rows;
}

/* Carves the layers and staging out of x->mem and fills the input slots.
 * Returns 0, or -1 when they do not fit (the caller then scores in
 * double precision). */
static int plan_layout(struct kn_kitnet *k)
{
	struct kitnet_exec *x = &k->exec;
	unsigned ng = plan_order(k, x->perm), n_ae = k->n_ae, max_hid = k->out.n_hid, L = x->lanes;
	size_t skip = ((uintptr_t)x->mem & 63) ? (64 - ((uintptr_t)x->mem & 63)) / sizeof(float) : 0;
	float *mem = x->mem + skip;
	size_t slot = 0, slots;
	x->n_groups = x->n_rows = 0;
	if (plan_need(k->sizes, n_ae, k->cfg.hidden_ratio, L, &slots) + skip > x->mem_len)
		return -1;
	for (unsigned c = 0; c < ng; c += L, x->n_groups++) {
		unsigned cnt = ng - c < L ? ng - c : L;
		mem = group_build(k, &x->group[x->n_groups], x->perm + c, cnt, &slot, mem);
		for (unsigned l = 0; l < cnt; l++)
			x->rm_of[x->perm[c + l]] = x->n_groups * L + l;
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
		x->rm_of[x->perm[p]] = x->n_groups * L + (p - ng);
	mem = rows_build(&x->layer[x->n_rows], &k->out, 0, mem);
	x->n_slots = slot;
	for (size_t f = k->cfg.n_features; f < PAD8(k->cfg.n_features); f++)
		x->slot_of[f] = (unsigned)slot; /* padding features: a spare slot */
	mem += (16 - (size_t)(mem - (x->mem + skip)) % 16) % 16; /* xn 64-byte aligned */
	x->xn = mem, mem += slot + 16;
	x->xo = mem, mem += PAD8(n_ae) + 16;
	x->y = mem, mem += PAD8(max_hid) + 16;
	x->rm = mem, mem += (size_t)x->n_groups * L + x->n_rows + 16;
	memset(x->xn, 0, (size_t)(mem - x->xn) * sizeof *mem);
	perm_rows(k);
	return 0;
}

/* ---- vector helpers ------------------------------------------------------- */

/* Macros, not functions: no vector crosses a call, whatever a kernel's
 * target (clang refuses a call between a function with AVX and one
 * without when a 32-byte vector is passed or returned). */

/* Unaligned loads and stores: ld8, ld4d, store8, store4d (vec.h). */

/* A vector of copies of f: a constant f gives a vector constant (GCC builds
 * the vector at run time, element by element, when f reaches it as an
 * inlined function's argument). f is read more than once. */
#define splat8(f) ((v8f){ (f), (f), (f), (f), (f), (f), (f), (f) })
#define splat4d(d) ((v4d){ (d), (d), (d), (d) })
#define splat16(f) ((v16f){ (f), (f), (f), (f), (f), (f), (f), (f), \
			    (f), (f), (f), (f), (f), (f), (f), (f) })
#define splat8d(d) ((v8d){ (d), (d), (d), (d), (d), (d), (d), (d) })

/* Lanes of a where m is set (all ones), else b (m is read twice). */
#define sel8(m, a, b) ((v8f)(((v8i)(a) & (m)) | ((v8i)(b) & ~(m))))
#define sel4d(m, a, b) ((v4d)(((v4l)(a) & (m)) | ((v4l)(b) & ~(m))))

/* ---- the kernel ------------------------------------------------------------ */

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

/* The three kernels (kitnet_kernel.h). */
#define KX(name) name##_base
#define KX_FN KX_INLINE
#define KX_ATTR
#define KX_FMA 0
#define KX_W512 0
#include "anomaly/kitnet_kernel.h"
#undef KX
#undef KX_FN
#undef KX_ATTR
#undef KX_FMA
#undef KX_W512

double kitnet_log1p(double a)
{
	return log1p_fast_base(splat4d(a))[0]; /* the kernels' operations, bit for bit */
}

static double score_base(struct kn_kitnet *k, const double *in)
{
	CSR_ENTER();
	double v = score_body_base(k, in);
	CSR_LEAVE();
	return v;
}

static void score2_base(struct kn_kitnet *a, struct kn_kitnet *b, const double *in, double *s)
{
	CSR_ENTER();
	score_pair_base(a, b, in, s);
	CSR_LEAVE();
}

#if defined(__x86_64__)
#define KX(name) name##_avx2
#define KX_FN KX_INLINE __attribute__((target("avx2,fma")))
#define KX_ATTR __attribute__((target("avx2,fma")))
#define KX_FMA 1
#define KX_W512 0
#include "anomaly/kitnet_kernel.h"
#undef KX
#undef KX_FN
#undef KX_ATTR
#undef KX_FMA
#undef KX_W512

__attribute__((target("avx2,fma"))) static double score_avx2(struct kn_kitnet *k,
							     const double *in)
{
	CSR_ENTER();
	double v = score_body_avx2(k, in);
	CSR_LEAVE();
	return v;
}

__attribute__((target("avx2,fma"))) static void score2_avx2(struct kn_kitnet *a,
							    struct kn_kitnet *b,
							    const double *in, double *s)
{
	CSR_ENTER();
	score_pair_avx2(a, b, in, s);
	CSR_LEAVE();
}

#define KX_AVX512 "avx512f,avx512vl,avx512dq,avx512bw,avx2,fma"
#define KX(name) name##_avx512
#define KX_FN KX_INLINE __attribute__((target(KX_AVX512)))
#define KX_ATTR __attribute__((target(KX_AVX512)))
#define KX_FMA 1
#define KX_W512 1
#include "anomaly/kitnet_kernel.h"
#undef KX
#undef KX_FN
#undef KX_ATTR
#undef KX_FMA
#undef KX_W512

__attribute__((target(KX_AVX512))) static double score_avx512(struct kn_kitnet *k,
							      const double *in)
{
	CSR_ENTER();
	double v = score_body_avx512(k, in);
	CSR_LEAVE();
	return v;
}

__attribute__((target(KX_AVX512))) static void score2_avx512(struct kn_kitnet *a,
							     struct kn_kitnet *b,
							     const double *in, double *s)
{
	CSR_ENTER();
	score_pair_avx512(a, b, in, s);
	CSR_LEAVE();
}
#endif

/* ---- building and dispatch --------------------------------------------------- */

/* Whether this CPU (and build target) can run a kernel. The AVX2 kernel
 * also uses FMA (x86 CPUs with AVX2 have it; checked anyway); the AVX-512
 * one F, VL, DQ and BW (every AVX-512 CPU since Skylake-X) besides. */
static int kernel_supported(enum kitnet_kernel which)
{
	if (which == KITNET_KERNEL_BASE)
		return 1;
#if defined(__x86_64__)
	int avx2 = __builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma");
	if (which == KITNET_KERNEL_AVX2)
		return avx2;
	if (which == KITNET_KERNEL_AVX512)
		return avx2 && __builtin_cpu_supports("avx512f") &&
		       __builtin_cpu_supports("avx512vl") && __builtin_cpu_supports("avx512dq") &&
		       __builtin_cpu_supports("avx512bw");
#endif
	return 0;
}

/* The plan for `which` (supported): groups of 16 for the AVX-512 kernel,
 * of 8 otherwise. */
static void exec_build(struct kn_kitnet *k, enum kitnet_kernel which)
{
	struct kitnet_exec *x = &k->exec;
	size_t pad = PAD8(k->cfg.n_features);
	memset(x->lo, 0, pad * sizeof *x->lo);
	memset(x->inv, 0, pad * sizeof *x->inv);
	x->lanes = which == KITNET_KERNEL_AVX512 ? GROUP_LANES_MAX : LANES;
	if (plan_layout(k) < 0) {
		x->score = kitnet_score_double; /* cannot happen with kitnet_alloc's sizes */
		x->score2 = NULL;
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
	x->score2 = score2_base;
#if defined(__x86_64__)
	if (which == KITNET_KERNEL_AVX2)
		x->score = score_avx2, x->score2 = score2_avx2;
	else if (which == KITNET_KERNEL_AVX512)
		x->score = score_avx512, x->score2 = score2_avx512;
#endif
}

void kitnet_exec_build(struct kn_kitnet *k)
{
	enum kitnet_kernel which = KITNET_KERNEL_BASE;
	if (kernel_supported(KITNET_KERNEL_AVX512))
		which = KITNET_KERNEL_AVX512;
	else if (kernel_supported(KITNET_KERNEL_AVX2))
		which = KITNET_KERNEL_AVX2;
	exec_build(k, which);
}

int kitnet_exec_use(struct kn_kitnet *k, enum kitnet_kernel which)
{
	if (k->exec.score == kitnet_score_double || !kernel_supported(which))
		return -KN_ENOTSUP;
	exec_build(k, which);
	return k->exec.score == kitnet_score_double ? -KN_ENOTSUP : 0;
}
