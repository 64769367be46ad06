/*
 * features.c - the damped incremental statistics of Kitsune's AfterImage
 * and kn_afterimage_update(), the per-packet feature vector (anomaly.h).
 *
 * Four groups of streams, each in its own tables: MI (source MAC + IP,
 * frame sizes), HH (IP, frame sizes, with pair statistics), HH_jit (IP
 * pair, inter-arrival times) and HpHp (socket, frame sizes, with pair
 * statistics). Every stream holds the five decay windows side by side
 * (struct-of-arrays over lambda), so one packet updates all five in one
 * loop.
 *
 * Kitsune-py's arithmetic is followed operation for operation so the
 * features equal its reference output to the last bit (tests/unit/anomaly),
 * which also fixes these behaviours of the reference:
 * - sums start with w = 1e-20 and are decayed only when time moves forward;
 * - the "std" feature is the variance |SS/w - mean^2|; radius is
 *   sqrt(var_a^2 + var_b^2); pcc = cov / (std_a * std_b), 0 when that is 0;
 * - the peer stream's mean and variance are those computed at its own last
 *   packet (0 before its first);
 * - the residual-product sum of a pair (its covariance) is decayed with the
 *   pair's own clock, and only the sending side's last residual is decayed;
 * - (kitsune_exact) a stream's packet updates the covariance with EVERY
 *   stream it is paired with, and decays those peers' sums to now; the
 *   current pair's covariance is then updated once more. Pair-only mode
 *   (kitsune_exact 0) does the last step only.
 *
 * Tables are bounded (the memcap): the least recently used entry makes
 * room for a new one (Kitsune-py never forgets, so this is ours). A pair
 * is keyed by its two streams' ids AND their generations (how many
 * streams have held each id), so a pair outlives an evicted stream
 * without ever being found again: it ages out of its own table. With
 * Kitsune-exact features a stream also lists its pairs (each packet
 * updates all of them) and an evicted stream takes them with it; the
 * pair-only mode keeps no lists, only each stream's first pair (for a
 * stream sending to itself, below), so an eviction is one table
 * operation. Under a flood of new sources (every packet new streams and
 * pairs, every table full) that, with table.c fetching each table's next
 * victim an eviction ahead, takes a fifth off the features' cost
 * (BENCHMARKS.md, step 6).
 *
 * Speed: a packet's six stream keys are hashed first and their tables'
 * home slots prefetched together, so those cache misses overlap instead of
 * queueing (prefetching the entries and eviction victims too was measured
 * slower: 1.04-1.09x the time);
 * the HH and HpHp pairs are looked up after both groups' streams for the
 * same reason; a stream's pair list starts in its table node, so evicting
 * a stream finds its pairs without reading its value; the decay factors
 * of the last two time gaps are kept
 * (struct decay_memo); the five windows' arithmetic runs in vector lanes
 * (4 + 1), and kn_afterimage_update() with everything it inlines is also
 * compiled for AVX2 (4-wide divisions), picked when the program loads.
 * None of this changes a feature's bits (nor does the pair-only mode's
 * bookkeeping while nothing is evicted).
 */
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "anomaly/anomaly_int.h"
#include "anomaly/vec.h"
#include "util/alloc.h"
#include "util/hash.h"

#define NL KN_AI_LAMBDAS

/* The five windows' arithmetic in vector lanes: windows 0-3 in a v4d, 4
 * alone. The same IEEE operations on the same values (no contraction:
 * C17 mode), so the same bits as one window at a time; the inline
 * functions taking vectors are always inlined (no vector crosses a
 * call). */
#define VI static inline __attribute__((always_inline))
/* kn_afterimage_update() (with the arithmetic inlined into it) compiled
 * twice, for baseline x86-64 and for AVX2 (4-wide divisions), chosen at
 * load time: the same operations, the same bits. GCC only: clang 14 emits
 * the clones but not the symbol itself (the link fails). */
#if defined(__x86_64__) && defined(__linux__) && defined(__GNUC__) && !defined(__clang__)
#define KN_AI_CLONES __attribute__((target_clones("avx2", "default")))
#else
#define KN_AI_CLONES
#endif

/* a[i] *= f[i] for the five windows. */
VI void mul5(double *a, const double *f)
{
	store4d(a, ld4d(a) * ld4d(f));
	a[4] *= f[4];
}

/* |v| lane-wise (fabs). */
VI v4d abs4(v4d v)
{
	return (v4d)((v4l)v & ~(v4l)(v4d){ -0.0, -0.0, -0.0, -0.0 });
}

/* sqrt lane-wise, correctly rounded like sqrt(). */
VI v4d sqrt4(v4d v)
{
#if defined(__x86_64__)
	typedef double v2d __attribute__((vector_size(16)));
	v2d lo = __builtin_ia32_sqrtpd((v2d){ v[0], v[1] });
	v2d hi = __builtin_ia32_sqrtpd((v2d){ v[2], v[3] });
	return (v4d){ lo[0], lo[1], hi[0], hi[1] };
#else
	return (v4d){ sqrt(v[0]), sqrt(v[1]), sqrt(v[2]), sqrt(v[3]) };
#endif
}

static const double lambdas[NL] = { 5, 3, 1, 0.1, 0.01 };

/* Kitsune-py squares with pow(x, 2) and decays with pow(2, x). glibc's pow
 * is not always correctly rounded, so pow(x, 2) differs from x * x in the
 * last bit for about 1 value in 1200, and variances of near-constant
 * streams (|SS/w - mean^2|, a difference of close numbers) inherit that
 * difference magnified. The exact mode therefore calls pow() itself; the
 * 2 is read through a volatile so the compiler can turn neither call into
 * something else: pow(x, 2) into x * x, nor pow(2, x) into exp2(x) (clang
 * does: glibc's exp2 differs from its pow in the last bit, and a
 * covariance of HpHp went from Kitsune-py's exact 0 to -1.3e-9). The
 * pair-only mode uses x * x and exp2(). */
static volatile const double two = 2.0;

static inline double square(double x, int exact)
{
	return exact ? pow(x, two) : x * x;
}

VI v4d square4(v4d x, int exact)
{
	if (exact)
		return (v4d){ square(x[0], 1), square(x[1], 1), square(x[2], 1), square(x[3], 1) };
	return x * x;
}

/* 2^(-lambda * dt) for the five lambdas. Exact: five pow() calls, as
 * Kitsune-py. Otherwise one exp2() for lambda 0.01 and the others as its
 * powers (x^10, x^100, x^300, x^500; this relies on the lambdas being
 * 5, 3, 1, 0.1, 0.01): relative error below 2e-13 (measured over dt from
 * 1 ns to 6 h) for one libm call instead of five. (Any other rounding,
 * e.g. an inline polynomial, moves features that are differences of
 * nearly equal sums - variances of constant-size streams - by their whole
 * size, and the scores of the packets that have them by up to 4x: this
 * arithmetic is kept as it is.) */
static void decay_factors(double dt, int exact, double f[NL])
{
	if (exact) {
		for (int i = 0; i < NL; i++)
			f[i] = pow(two, -lambdas[i] * dt);
		return;
	}
	double a = exp2(-0.01 * dt), a2 = a * a, a5 = a2 * a2 * a;
	double b = a5 * a5, b2 = b * b, b5 = b2 * b2 * b;   /* lambda 0.1 */
	double c = b5 * b5, c2 = c * c;                     /* lambda 1 */
	f[4] = a;
	f[3] = b;
	f[2] = c;
	f[1] = c2 * c;
	f[0] = c2 * c2 * c;
}

/* The last two decays computed. Several streams of one packet often last
 * saw a packet at the same instant (a host's MI and HH streams always do,
 * a connection's jitter and socket streams usually), so their factors are
 * reused instead of computed again: the same bits, a third fewer exp2(). */
struct decay_memo {
	double dt[2], f[2][NL];
	unsigned next;
};

/* The factors for dt, in m: valid until the next call. */
VI const double *decay_get(struct decay_memo *m, double dt, int exact)
{
	for (int k = 0; k < 2; k++)
		if (m->dt[k] == dt)
			return m->f[k];
	unsigned k = m->next;
	decay_factors(dt, exact, m->f[k]);
	m->dt[k] = dt;
	m->next ^= 1;
	return m->f[k];
}

/* 1-D stream (MI, jitter). */
struct stat1 {
	double last;             /* time of the last decay */
	double ls[NL], ss[NL], w[NL];
};

/* Stream with pair statistics (HH, HpHp). */
struct stat2 {
	struct stat1 s;
	uint32_t gen;    /* streams that held this id (kept across reuse): in pair keys.
			  * Wraps after 2^32 reuses of one id; a stale pair is evicted long
			  * before (each new stream makes a new pair; < 2^28 pairs fit) */
	uint32_t first;  /* pair-only: the stream's first pair (self_pair()), or NIL */
	double mean[NL], var[NL];  /* as of the last packet, 0 before; the standard
				    * deviations and squares pair_out() takes are
				    * computed from them again (the same operations:
				    * the same bits), so an entry is 5 cache lines,
				    * not 7 */
};

/* Two streams' shared residual-product sum. end[0] is the stream that sent
 * the pair's first packet. */
struct pair {
	uint32_t end[2];
	uint32_t next[2], prev[2];   /* links in end[i]'s list, ANOMALY_NIL at the ends */
	double last;
	double cs[NL], w[NL], res[2][NL];
};

struct group2 {
	struct anomaly_table streams, pairs;  /* values: struct stat2, struct pair */
	int lists;                            /* streams list their pairs: kitsune_exact */
	struct decay_memo *memo;              /* the instance's */
};

struct kn_afterimage {
	struct kn_afterimage_config cfg;
	struct anomaly_table mi, jit;  /* values: struct stat1 */
	struct group2 hh, hp;
	struct decay_memo memo;
	uint64_t packets;
	uint64_t memory;
};

static inline struct stat2 *st(const struct group2 *g, uint32_t id)
{
	return anomaly_val(&g->streams, id);
}

static inline struct pair *pr(const struct group2 *g, uint32_t id)
{
	return anomaly_val(&g->pairs, id);
}

/* Stream id's pair list: its first link (pair id * 2 + side), kept in the
 * table node's spare word, so an evicted stream's pairs are found from
 * the node line its removal reads anyway (hash, LRU links), not from the
 * last line of its value. */
static inline uint32_t *pairs_of(const struct group2 *g, uint32_t id)
{
	return anomaly_aux(&g->streams, id);
}

/* ---- the statistics ---- */

static void stat1_init(struct stat1 *s, double t)
{
	s->last = t;
	for (int i = 0; i < NL; i++) {
		s->ls[i] = 0;
		s->ss[i] = 0;
		s->w[i] = 1e-20;
	}
}

VI void stat1_decay(struct stat1 *s, double t, int exact, struct decay_memo *m)
{
	double dt = t - s->last;
	if (!(dt > 0))
		return;
	const double *f = decay_get(m, dt, exact);
	mul5(s->ls, f);
	mul5(s->ss, f);
	mul5(s->w, f);
	s->last = t;
}

/* Adds value v (v_sq = its square) at t. */
VI void stat1_insert(struct stat1 *s, double v, double v_sq, double t, int exact,
		     struct decay_memo *m)
{
	stat1_decay(s, t, exact, m);
	store4d(s->ls, ld4d(s->ls) + v);
	store4d(s->ss, ld4d(s->ss) + v_sq);
	store4d(s->w, ld4d(s->w) + 1.0);
	s->ls[4] += v;
	s->ss[4] += v_sq;
	s->w[4] += 1;
}

/* weight, mean, variance per lambda into out[3 * i ...]. */
VI void stat1_out(const struct stat1 *s, double *out, int exact)
{
	v4d w = ld4d(s->w), mean = ld4d(s->ls) / w;
	v4d var = abs4(ld4d(s->ss) / w - square4(mean, exact));
	for (int i = 0; i < 4; i++) {
		out[3 * i] = w[i];
		out[3 * i + 1] = mean[i];
		out[3 * i + 2] = var[i];
	}
	double mean4 = s->ls[4] / s->w[4];
	out[12] = s->w[4];
	out[13] = mean4;
	out[14] = fabs(s->ss[4] / s->w[4] - square(mean4, exact));
}

VI void stat2_insert(struct stat2 *s, double v, double v_sq, double t, int exact,
		     struct decay_memo *m)
{
	stat1_insert(&s->s, v, v_sq, t, exact, m);
	v4d w = ld4d(s->s.w), mean = ld4d(s->s.ls) / w;
	store4d(s->mean, mean);
	store4d(s->var, abs4(ld4d(s->s.ss) / w - square4(mean, exact)));
	s->mean[4] = s->s.ls[4] / s->s.w[4];
	s->var[4] = fabs(s->s.ss[4] / s->s.w[4] - square(s->mean[4], exact));
}

/* The packet (value v at t) of stream sid updates pair pid. */
VI void pair_update(struct group2 *g, uint32_t pid, uint32_t sid, double v, double t,
		    int exact)
{
	struct pair *p = pr(g, pid);
	int side = p->end[0] == sid ? 0 : 1;
	if (exact)
		stat1_decay(&st(g, p->end[!side])->s, t, 1, g->memo);
	double dt = t - p->last;
	if (dt > 0) {
		const double *f = decay_get(g->memo, dt, exact);
		mul5(p->cs, f);
		mul5(p->w, f);
		mul5(p->res[side], f);
		p->last = t;
	}
	const double *mean = st(g, sid)->mean;
	v4d r = v - ld4d(mean);
	store4d(p->cs, ld4d(p->cs) + r * ld4d(p->res[!side]));
	store4d(p->w, ld4d(p->w) + 1.0);
	store4d(p->res[side], r);
	double r4 = v - mean[4];
	p->cs[4] += r4 * p->res[!side][4];
	p->w[4] += 1;
	p->res[side][4] = r4;
}

/* weight, mean, variance of x, radius, magnitude, covariance, pcc. */
VI void pair_out(const struct stat2 *x, const struct stat2 *y, const struct pair *p,
		 int exact, double *out)
{
	v4d xv = ld4d(x->var), yv = ld4d(y->var), xm = ld4d(x->mean), ym = ld4d(y->mean);
	v4d cov = ld4d(p->cs) / ld4d(p->w), sdp = sqrt4(xv) * sqrt4(yv);
	v4d rad = sqrt4(square4(xv, exact) + square4(yv, exact));
	v4d mag = sqrt4(square4(xm, exact) + square4(ym, exact));
	v4d pcc = cov / sdp; /* used only where sdp != 0 */
	for (int i = 0; i < NL; i++) {
		double *o = out + 7 * i;
		o[0] = x->s.w[i];
		o[1] = x->mean[i];
		o[2] = x->var[i];
		if (i < 4) {
			o[3] = rad[i];
			o[4] = mag[i];
			o[5] = cov[i];
			o[6] = sdp[i] != 0 ? pcc[i] : 0;
			continue;
		}
		double cov4 = p->cs[4] / p->w[4], sdp4 = sqrt(x->var[4]) * sqrt(y->var[4]);
		o[3] = sqrt(square(x->var[4], exact) + square(y->var[4], exact));
		o[4] = sqrt(square(x->mean[4], exact) + square(y->mean[4], exact));
		o[5] = cov4;
		o[6] = sdp4 != 0 ? cov4 / sdp4 : 0;
	}
}

/* ---- pair lists: every stream lists its pairs (link = pair id * 2 + side) ---- */

static uint32_t *link_next(struct group2 *g, uint32_t link)
{
	return &pr(g, link >> 1)->next[link & 1];
}

static void list_push(struct group2 *g, uint32_t pid, int side)
{
	struct pair *p = pr(g, pid);
	uint32_t *head = pairs_of(g, p->end[side]);
	uint32_t link = pid * 2 + (uint32_t)side;
	p->prev[side] = ANOMALY_NIL;
	p->next[side] = *head;
	if (*head != ANOMALY_NIL)
		pr(g, *head >> 1)->prev[*head & 1] = link;
	*head = link;
}

static void list_unlink(struct group2 *g, uint32_t pid, int side)
{
	struct pair *p = pr(g, pid);
	if (p->prev[side] != ANOMALY_NIL)
		*link_next(g, p->prev[side]) = p->next[side];
	else
		*pairs_of(g, p->end[side]) = p->next[side];
	if (p->next[side] != ANOMALY_NIL)
		pr(g, p->next[side] >> 1)->prev[p->next[side] & 1] = p->prev[side];
}

/* Eviction of a pair: out of both streams' lists. */
static void pair_evicted(void *ctx, uint32_t pid)
{
	struct group2 *g = ctx;
	list_unlink(g, pid, 0);
	list_unlink(g, pid, 1);
}

/* Eviction of a stream: its pairs go with it. */
static void stream_evicted(void *ctx, uint32_t sid)
{
	struct group2 *g = ctx;
	while (*pairs_of(g, sid) != ANOMALY_NIL) {
		uint32_t pid = *pairs_of(g, sid) >> 1;
		pair_evicted(g, pid);
		anomaly_table_remove(&g->pairs, pid);
	}
}

static uint32_t stream_get(struct group2 *g, const struct anomaly_key *k, uint32_t h, double t)
{
	uint32_t id = anomaly_table_find(&g->streams, k, h);
	if (id != ANOMALY_NIL)
		return id;
	id = anomaly_table_add(&g->streams, k, h);
	struct stat2 *s = st(g, id);
	uint32_t gen = s->gen + 1;
	memset(s, 0, sizeof *s);
	stat1_init(&s->s, t);
	s->gen = gen;
	s->first = ANOMALY_NIL;
	*pairs_of(g, id) = ANOMALY_NIL;
	return id;
}

/* The key of the pair of streams x and y (in either order): their ids
 * and generations. */
static struct anomaly_key pair_key(const struct group2 *g, uint32_t x, uint32_t y)
{
	uint64_t lo = x < y ? x : y, hi = x < y ? y : x;
	uint64_t glo = st(g, (uint32_t)lo)->gen, ghi = st(g, (uint32_t)hi)->gen;
	struct anomaly_key k = { { lo | hi << 32, glo | ghi << 32, 0 }, { 0, 0, 0 } };
	return k;
}

/* A pair key's hash: its one non-zero word mixed (the pair tables only
 * ever see this hash, so it need not equal anomaly_key_hash()). */
static uint32_t pair_hash(const struct anomaly_key *k)
{
	uint64_t h = kn_mix64(k->a.tag ^ k->a.lo * 0x9e3779b97f4a7c15ULL);
	return (uint32_t)(h ^ (h >> 32));
}

static uint32_t pair_get(struct group2 *g, uint32_t x, uint32_t y, double t)
{
	struct anomaly_key k = pair_key(g, x, y);
	uint32_t h = pair_hash(&k);
	uint32_t id = anomaly_table_find(&g->pairs, &k, h);
	if (id != ANOMALY_NIL)
		return id;
	id = anomaly_table_add(&g->pairs, &k, h);
	struct pair *p = pr(g, id);
	memset(p, 0, sizeof *p);
	p->end[0] = x;
	p->end[1] = y;
	p->last = t;
	for (int i = 0; i < NL; i++)
		p->w[i] = 1e-20;
	if (g->lists) {
		list_push(g, id, 0);
		list_push(g, id, 1);
	} else {
		if (st(g, x)->first == ANOMALY_NIL)
			st(g, x)->first = id;
		if (st(g, y)->first == ANOMALY_NIL)
			st(g, y)->first = id;
	}
	return id;
}

/* A stream sending to itself (e.g. an Ethernet loopback frame): Kitsune-py
 * takes the first pair in the stream's list that has the stream at either
 * end, i.e. its oldest pair, whatever the peer; only a stream without pairs
 * gets a pair with itself. Lists are newest first, so walk to the end.
 * Without lists, the stream's first pair, while it lives (its node's key
 * still names its two streams as they are now); once it was evicted, a
 * pair with itself (the lists would give the oldest pair left). */
static uint32_t self_pair(struct group2 *g, uint32_t x, double t)
{
	if (!g->lists) {
		uint32_t f = st(g, x)->first;
		if (f != ANOMALY_NIL) {
			const struct pair *q = pr(g, f);
			struct anomaly_key k = pair_key(g, q->end[0], q->end[1]);
			const struct anomaly_key *nk = &anomaly_node(&g->pairs, f)->key;
			if ((q->end[0] == x || q->end[1] == x) && memcmp(nk, &k, sizeof k) == 0)
				return f;
		}
		return pair_get(g, x, x, t);
	}
	uint32_t l = *pairs_of(g, x);
	if (l == ANOMALY_NIL)
		return pair_get(g, x, x, t);
	while (*link_next(g, l) != ANOMALY_NIL)
		l = *link_next(g, l);
	return l >> 1;
}

/* HH or HpHp, first half: stream k1 (hash h1) sent v to stream k2 (h2)
 * at t; the streams are updated and their ids returned in *x, *y, and the
 * pair's table lines are prefetched for group_pair(). */
VI void group_streams(struct group2 *g, int exact, const struct anomaly_key *k1, uint32_t h1,
		      const struct anomaly_key *k2, uint32_t h2, double v, double t,
		      uint32_t *x, uint32_t *y)
{
	*x = stream_get(g, k1, h1, t);
	stat2_insert(st(g, *x), v, v * v, t, exact, g->memo);
	if (exact) {
		for (uint32_t l = *pairs_of(g, *x); l != ANOMALY_NIL; l = *link_next(g, l))
			pair_update(g, l >> 1, *x, v, t, 1);
	}
	*y = stream_get(g, k2, h2, t);
	struct anomaly_key pk = pair_key(g, *x, *y);
	anomaly_table_prefetch(&g->pairs, pair_hash(&pk));
}

/* Second half: the pair's statistics; 35 features to out. */
VI void group_pair(struct group2 *g, int exact, uint32_t x, uint32_t y, double v, double t,
		   double *out)
{
	uint32_t p = x == y ? self_pair(g, x, t) : pair_get(g, x, y, t);
	pair_update(g, p, x, v, t, exact);
	const struct pair *q = pr(g, p);
	pair_out(st(g, x), st(g, q->end[q->end[0] == x]), q, exact, out);
}

static struct stat1 *stat1_get(struct anomaly_table *tb, const struct anomaly_key *k, uint32_t h,
			       double t)
{
	uint32_t id = anomaly_table_find(tb, k, h);
	if (id != ANOMALY_NIL)
		return anomaly_val(tb, id);
	struct stat1 *s = anomaly_val(tb, anomaly_table_add(tb, k, h));
	stat1_init(s, t);
	return s;
}

/* ---- keys, as Kitsune-py names its streams ---- */

/* Keys are built as whole 64-bit words, so hashing and comparing them just
 * after they are written reads whole stores (no store-forwarding stall). */
static struct anomaly_ep ep_mac(const struct kn_ai_packet *p, int dst)
{
	struct anomaly_ep e = { 0, 0, 0 };
	if (p->has_mac) {
		e.tag = ANOMALY_EP_MAC;
		memcpy(&e.lo, dst ? p->dst_mac : p->src_mac, 6);
	}
	return e;
}

/* The host: IP address, ARP protocol address, else the MAC. */
static struct anomaly_ep ep_host(const struct kn_ai_packet *p, int dst)
{
	const struct kn_addr *ip = dst ? &p->dst_ip : &p->src_ip;
	struct anomaly_ep e = { 0, 0, 0 };
	if (p->kind == KN_AI_OTHER)
		return ep_mac(p, dst);
	if (p->ip_version == 4) {
		uint32_t v4;
		memcpy(&v4, ip->b, 4);
		e.tag = ANOMALY_EP_V4;
		e.lo = v4;
	} else if (p->ip_version == 6) {
		e.tag = ANOMALY_EP_V6;
		memcpy(&e.lo, ip->b, 8);
		memcpy(&e.hi, ip->b + 8, 8);
	}
	return e;
}

/* The socket: host + port ("icmp" for ICMP); for ARP the MAC alone. */
static struct anomaly_ep ep_socket(const struct kn_ai_packet *p, int dst)
{
	if (p->kind == KN_AI_ARP)
		return ep_mac(p, dst);
	struct anomaly_ep e = ep_host(p, dst);
	if (p->kind != KN_AI_IP)
		return e;
	if (p->port_kind == KN_AI_PORTS_L4)
		e.tag |= (uint64_t)ANOMALY_PORT_NUM << 8 | (uint64_t)(dst ? p->dport : p->sport) << 16;
	else if (p->port_kind == KN_AI_PORTS_ICMP)
		e.tag |= (uint64_t)ANOMALY_PORT_ICMP << 8;
	return e;
}

/* The packet's six stream keys, their hashes, and the prefetches of their
 * home slots (their cache misses overlap). */
enum { K_MI, K_HH1, K_HH2, K_JIT, K_HP1, K_HP2, K_COUNT };

static void packet_keys(struct kn_afterimage *ai, const struct kn_ai_packet *p,
			struct anomaly_key *k, uint32_t *h)
{
	static const struct anomaly_ep none = { 0, 0, 0 };
	struct anomaly_ep src = ep_host(p, 0), dst = ep_host(p, 1);
	const struct anomaly_table *tb[K_COUNT] = { &ai->mi, &ai->hh.streams, &ai->hh.streams,
						    &ai->jit, &ai->hp.streams, &ai->hp.streams };
	k[K_MI] = (struct anomaly_key){ ep_mac(p, 0), src };
	k[K_HH1] = (struct anomaly_key){ src, none };
	k[K_HH2] = (struct anomaly_key){ dst, none };
	k[K_JIT] = (struct anomaly_key){ src, dst };
	k[K_HP1] = (struct anomaly_key){ ep_socket(p, 0), none };
	k[K_HP2] = (struct anomaly_key){ ep_socket(p, 1), none };
	for (int i = 0; i < K_COUNT; i++) {
		h[i] = anomaly_key_hash(&k[i]);
		anomaly_table_prefetch(tb[i], h[i]);
	}
}

KN_AI_CLONES void kn_afterimage_update(struct kn_afterimage *ai, const struct kn_ai_packet *p,
			  double out[KN_AI_FEATURES])
{
	struct anomaly_key k[K_COUNT];
	uint32_t h[K_COUNT], hx, hy, px, py;
	double t = kn_afterimage_seconds(p->ts_ns);
	double v = (double)p->frame_len;
	int exact = ai->cfg.kitsune_exact;
	ai->packets++;
	packet_keys(ai, p, k, h);

	struct stat1 *s = stat1_get(&ai->mi, &k[K_MI], h[K_MI], t);
	stat1_insert(s, v, v * v, t, exact, &ai->memo); /* frame lengths: v * v is exact */
	stat1_out(s, out, exact);

	/* the two groups' tables are disjoint: their stream halves first, so
	 * the pairs' misses overlap too */
	group_streams(&ai->hh, exact, &k[K_HH1], h[K_HH1], &k[K_HH2], h[K_HH2], v, t, &hx, &hy);
	group_streams(&ai->hp, exact, &k[K_HP1], h[K_HP1], &k[K_HP2], h[K_HP2], v, t, &px, &py);
	group_pair(&ai->hh, exact, hx, hy, v, t, out + 15);

	s = stat1_get(&ai->jit, &k[K_JIT], h[K_JIT], t);
	double gap = t - s->last;
	gap = gap > 0 ? gap : 0;
	stat1_insert(s, gap, square(gap, exact), t, exact, &ai->memo);
	stat1_out(s, out + 50, exact);

	group_pair(&ai->hp, exact, px, py, v, t, out + 65);
}

/* ---- life cycle ---- */

enum { T_MI, T_HH, T_HHP, T_JIT, T_HP, T_HPP, T_COUNT };

/* Share of the memcap per table (sum 100) and value size per entry. */
static const unsigned share[T_COUNT] = { 10, 10, 15, 15, 20, 30 };
static const size_t val_size[T_COUNT] = { sizeof(struct stat1), sizeof(struct stat2),
	sizeof(struct pair), sizeof(struct stat1), sizeof(struct stat2), sizeof(struct pair) };

static struct anomaly_table *table_of(struct kn_afterimage *ai, int i)
{
	struct anomaly_table *t[T_COUNT] = { &ai->mi, &ai->hh.streams, &ai->hh.pairs, &ai->jit,
					     &ai->hp.streams, &ai->hp.pairs };
	return t[i];
}

void kn_afterimage_config_default(struct kn_afterimage_config *cfg)
{
	cfg->memcap = 64u << 20;
	cfg->kitsune_exact = 1;
}

static int group_init(struct group2 *g, uint32_t ns, uint32_t np, int lists)
{
	g->lists = lists;
	if (anomaly_table_init(&g->streams, ns, sizeof(struct stat2),
			       lists ? stream_evicted : NULL, g) < 0 ||
	    anomaly_table_init(&g->pairs, np, sizeof(struct pair), lists ? pair_evicted : NULL,
			       g) < 0)
		return -KN_ENOMEM;
	return 0;
}

struct kn_afterimage *kn_afterimage_new(const struct kn_afterimage_config *cfg, char *errbuf)
{
	struct kn_afterimage_config c;
	kn_afterimage_config_default(&c);
	if (cfg)
		c = *cfg;
	if (c.memcap < (1u << 20)) {
		snprintf(errbuf, KN_ERRBUF_SIZE,
			 "anomaly: memcap %llu bytes is below the minimum of 1 MiB; raise it",
			 (unsigned long long)c.memcap);
		return NULL;
	}
	struct kn_afterimage *ai = kn_calloc(1, sizeof *ai);
	if (!ai)
		goto fail;
	ai->cfg = c;
	ai->hh.memo = ai->hp.memo = &ai->memo; /* dt 0 in it never matches: decays need dt > 0 */
	uint32_t cap[T_COUNT];
	uint64_t budget = c.memcap - sizeof *ai;
	for (int i = 0; i < T_COUNT; i++) {
		/* entry (node + value, padded to 64) + at most 4 slots of 8 bytes */
		uint64_t per = anomaly_table_bytes(1, val_size[i]) - 16 + 32;
		uint64_t n = budget / 100 * share[i] / per;
		cap[i] = n > (1u << 28) ? (1u << 28) : (uint32_t)n;
		ai->memory += anomaly_table_bytes(cap[i], val_size[i]);
	}
	ai->memory += sizeof *ai;
	if (anomaly_table_init(&ai->mi, cap[T_MI], sizeof(struct stat1), NULL, NULL) < 0 ||
	    anomaly_table_init(&ai->jit, cap[T_JIT], sizeof(struct stat1), NULL, NULL) < 0 ||
	    group_init(&ai->hh, cap[T_HH], cap[T_HHP], c.kitsune_exact) < 0 ||
	    group_init(&ai->hp, cap[T_HP], cap[T_HPP], c.kitsune_exact) < 0)
		goto fail;
	return ai;
fail:
	snprintf(errbuf, KN_ERRBUF_SIZE, "anomaly: out of memory for %llu bytes of tables",
		 (unsigned long long)c.memcap);
	kn_afterimage_free(ai);
	return NULL;
}

void kn_afterimage_free(struct kn_afterimage *ai)
{
	if (!ai)
		return;
	for (int i = 0; i < T_COUNT; i++)
		anomaly_table_fini(table_of(ai, i));
	kn_free(ai);
}

void kn_afterimage_get_stats(const struct kn_afterimage *ai, struct kn_afterimage_stats *st)
{
	memset(st, 0, sizeof *st);
	st->packets = ai->packets;
	st->memory = ai->memory;
	for (int i = 0; i < T_COUNT; i++) {
		const struct anomaly_table *t = table_of((struct kn_afterimage *)ai, i);
		st->entries[i] = t->count;
		st->capacity[i] = t->cap;
		st->evictions[i] = t->evictions;
	}
}
