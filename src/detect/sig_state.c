/*
 * sig_state.c - signature state that outlives one packet: flowbits (a
 * sorted set of bit ids per flow, hanging off kn_flow.sig) with the flow's
 * "alerted" mark, and the threshold / detection_filter counters of a
 * worker (an open-addressing table keyed by rule and tracked address).
 *
 * Memory: each flow's set and the counter table are charged to the
 * context's memcap; a set that cannot grow leaves the bit unset (counted
 * in memcap_refusals), a full counter table reuses the slot of the oldest
 * window.
 */
#include <string.h>

#include "detect/sig_int.h"
#include "util/alloc.h"

/* ------------------------------------------------------------ flowbits */

static struct sig_flow *flow_state(struct kn_sig_ctx *c, struct kn_flow *f)
{
	if (f->sig)
		return f->sig;
	if (c->st.mem_in_use + sizeof(struct sig_flow) > c->cfg.memcap) {
		c->st.memcap_refusals++;
		return NULL;
	}
	f->sig = kn_calloc(1, sizeof(struct sig_flow));
	if (!f->sig) {
		c->st.memcap_refusals++;
		return NULL;
	}
	c->st.mem_in_use += sizeof(struct sig_flow);
	if (c->st.mem_in_use > c->st.mem_peak)
		c->st.mem_peak = c->st.mem_in_use;
	return f->sig;
}

/* Index of id in the sorted set, or where it would go (*found set). */
static uint32_t find_bit(const struct sig_flow *s, uint32_t id, int *found)
{
	uint32_t lo = 0, hi = s->n;
	while (lo < hi) {
		uint32_t mid = lo + (hi - lo) / 2;
		if (s->bits[mid] < id)
			lo = mid + 1;
		else
			hi = mid;
	}
	*found = lo < s->n && s->bits[lo] == id;
	return lo;
}

int sig_flow_isset(const struct kn_flow *f, uint32_t id)
{
	int found = 0;
	if (f && f->sig)
		find_bit(f->sig, id, &found);
	return found;
}

static void bit_set(struct kn_sig_ctx *c, struct sig_flow *s, uint32_t id)
{
	int found;
	uint32_t at = find_bit(s, id, &found);
	if (found)
		return;
	if (s->n == s->cap) {
		uint32_t cap = s->cap ? s->cap * 2 : 4;
		size_t more = (size_t)(cap - s->cap) * sizeof *s->bits;
		uint32_t *v = c->st.mem_in_use + more <= c->cfg.memcap
			      ? kn_realloc_array(s->bits, cap, sizeof *v) : NULL;
		if (!v) {
			c->st.memcap_refusals++;
			return;
		}
		s->bits = v;
		s->cap = cap;
		c->st.mem_in_use += more;
		if (c->st.mem_in_use > c->st.mem_peak)
			c->st.mem_peak = c->st.mem_in_use;
	}
	memmove(s->bits + at + 1, s->bits + at, (s->n - at) * sizeof *s->bits);
	s->bits[at] = id;
	s->n++;
}

static void bit_unset(struct sig_flow *s, uint32_t id)
{
	int found;
	uint32_t at = find_bit(s, id, &found);
	if (!found)
		return;
	memmove(s->bits + at, s->bits + at + 1, (s->n - at - 1) * sizeof *s->bits);
	s->n--;
}

void sig_flow_bits_apply(struct kn_sig_ctx *c, struct kn_flow *f, const struct sig_rule *r)
{
	for (unsigned i = 0; i < r->n_bits; i++) {
		const struct sig_bits *b = &r->bits[i];
		if (b->cmd != KN_BITS_SET && b->cmd != KN_BITS_UNSET && b->cmd != KN_BITS_TOGGLE)
			continue;
		struct sig_flow *s = flow_state(c, f);
		if (!s)
			return;
		for (unsigned k = 0; k < b->n; k++) {
			if (b->cmd == KN_BITS_SET ||
			    (b->cmd == KN_BITS_TOGGLE && !sig_flow_isset(f, b->ids[k])))
				bit_set(c, s, b->ids[k]);
			else
				bit_unset(s, b->ids[k]);
		}
	}
}

int sig_flow_bits_check(const struct kn_flow *f, const struct sig_rule *r)
{
	for (unsigned i = 0; i < r->n_bits; i++) {
		const struct sig_bits *b = &r->bits[i];
		if (b->cmd != KN_BITS_ISSET && b->cmd != KN_BITS_ISNOTSET)
			continue;
		unsigned set = 0;
		for (unsigned k = 0; k < b->n; k++)
			set += (unsigned)sig_flow_isset(f, b->ids[k]);
		int want_set = b->cmd == KN_BITS_ISSET;
		/* isset a|b: any set; isset a&b: all set; isnotset a|b: any unset;
		 * isnotset a&b: all unset */
		int ok = want_set ? (b->any_of ? set > 0 : set == b->n)
				  : (b->any_of ? set < b->n : set == 0);
		if (!ok)
			return 0;
	}
	return 1;
}

/* A fact of a TCP flow's app layer (its protocol, its encryption) shown on
 * packet p reaches detection from the peer's next packet that is not a SYN
 * on (the peer acknowledging the data that revealed it: Suricata's IDS mode
 * hands a direction's bytes to its app layer then). *st: SIG_APP_*, *dir:
 * where it showed. 1 once visible. */
static int peer_visible(uint8_t *st, uint8_t *dir, const struct kn_packet *p)
{
	if (*st == SIG_APP_UNKNOWN) {
		*st = SIG_APP_PENDING;
		*dir = (uint8_t)(p->dir & 1);
	} else if ((p->dir & 1) != *dir && !(p->tcp.flags & KN_TCP_SYN)) {
		*st = SIG_APP_VISIBLE;
	}
	return *st == SIG_APP_VISIBLE;
}

/* Protocol-only packet rules see a TCP flow's protocol once it is known,
 * with peer_visible()'s timing. Without room for the state the protocol
 * is visible at once. */
int sig_flow_app_visible(struct kn_sig_ctx *c, const struct kn_packet *p, const char *app_proto)
{
	struct kn_flow *f = (struct kn_flow *)p->flow;   /* the sig slot is this stage's */
	struct sig_flow *s = f->sig;
	if (s && s->app_vis == SIG_APP_VISIBLE)
		return 1;
	if (!app_proto || !strcmp(app_proto, "failed"))
		return 0;
	if (!s && !(s = flow_state(c, f)))
		return 1;
	return peer_visible(&s->app_vis, &s->app_dir, p);
}

int sig_flow_encrypted(struct kn_sig_ctx *c, const struct kn_packet *p)
{
	struct kn_flow *f = (struct kn_flow *)p->flow;
	struct sig_flow *s = f->sig;
	if (s && s->enc == SIG_APP_VISIBLE)
		return 1;
	if (!kn_app_flow_opaque(f))
		return 0;
	if (!s && !(s = flow_state(c, f)))
		return 1;
	return peer_visible(&s->enc, &s->enc_dir, p);
}

void sig_flow_mark_alerted(struct kn_sig_ctx *c, struct kn_flow *f)
{
	struct sig_flow *s = flow_state(c, f);
	if (s)
		s->alerted = 1;
}

int kn_sig_flow_alerted(const struct kn_flow *f)
{
	return f->sig && ((const struct sig_flow *)f->sig)->alerted;
}

void kn_sig_flow_end(struct kn_sig_ctx *c, struct kn_flow *f)
{
	struct sig_flow *s = f->sig;
	if (!s)
		return;
	/* saturating: after a rule reload the state was charged to the old context */
	uint64_t sz = sizeof *s + (uint64_t)s->cap * sizeof *s->bits;
	c->st.mem_in_use -= sz <= c->st.mem_in_use ? sz : c->st.mem_in_use;
	kn_free(s->bits);
	kn_free(s);
	f->sig = NULL;
}

/* ---------------------------------------------------------- thresholds */

#define SIG_THR_SLOTS 4096u      /* power of two; 32 bytes... per slot */
#define SIG_THR_MIN 16u          /* at least two probe runs */
#define SIG_THR_PROBE 8u

/* The threshold table, sized once: SIG_THR_SLOTS, or fewer (a power of
 * two, at least SIG_THR_MIN) so that it takes at most a quarter of the
 * memcap and flow state keeps the rest. */
int sig_thr_init(struct kn_sig_ctx *c)
{
	c->thr_cap = SIG_THR_SLOTS;
	while (c->thr_cap > SIG_THR_MIN &&
	       (uint64_t)c->thr_cap * sizeof *c->thr > c->cfg.memcap / 4)
		c->thr_cap /= 2;
	c->thr = kn_calloc(c->thr_cap, sizeof *c->thr);
	if (!c->thr)
		return -KN_ENOMEM;
	c->st.mem_in_use += (uint64_t)c->thr_cap * sizeof *c->thr;
	c->st.mem_peak = c->st.mem_in_use;
	return 0;
}

void sig_thr_fini(struct kn_sig_ctx *c)
{
	kn_free(c->thr);
	c->thr = NULL;
}

static uint64_t thr_hash(uint32_t rule, const uint8_t *addr)
{
	uint64_t h = 0x9e3779b97f4a7c15ull ^ rule;
	for (unsigned i = 0; i < 16; i++)
		h = (h ^ addr[i]) * 0x100000001b3ull;
	return h | 1;
}

/* The counter of (rule, addr): found, or a free / the oldest slot reset. */
static struct sig_thr *thr_slot(struct kn_sig_ctx *c, uint32_t rule, const uint8_t *addr,
				uint64_t ts_ns)
{
	uint64_t key = thr_hash(rule, addr);
	struct sig_thr *old = NULL;
	for (unsigned i = 0; i < SIG_THR_PROBE; i++) {
		struct sig_thr *t = &c->thr[(key + i) & (c->thr_cap - 1)];
		if (t->key == key && t->rule == rule && !memcmp(t->addr, addr, 16))
			return t;
		if (!t->key || !old || t->start_ns < old->start_ns)
			old = t;
		if (!t->key)
			break;
	}
	*old = (struct sig_thr){ .key = key, .rule = rule, .start_ns = ts_ns };
	memcpy(old->addr, addr, 16);
	return old;
}

/* The tracked address of an alert (by_both: the two mixed, either order,
 * as Suricata's ip pair). */
static const uint8_t *tracked(unsigned track, const struct kn_addr *src, const struct kn_addr *dst,
			      uint8_t pair[16])
{
	static const uint8_t none[16];
	if (track == KN_TRACK_SRC)
		return src->b;
	if (track == KN_TRACK_DST)
		return dst->b;
	if (track != KN_TRACK_BOTH)
		return none;
	const struct kn_addr *lo = memcmp(src->b, dst->b, 16) <= 0 ? src : dst;
	const struct kn_addr *hi = lo == src ? dst : src;
	for (unsigned i = 0; i < 16; i++)
		pair[i] = (uint8_t)(lo->b[i] ^ (hi->b[(i + 5) % 16] * 31u));
	return pair;
}

int sig_rate_pass(struct kn_sig_ctx *c, const struct sig_rule *s, const struct kn_addr *src,
		  const struct kn_addr *dst, uint64_t ts_ns)
{
	const struct sig_rate *r = s->rate;
	uint8_t pair[16];
	/* its own counters: the rule index with the top bit set */
	struct sig_thr *e = thr_slot(c, s->index | 0x80000000u, tracked(r->track, src, dst, pair),
				     ts_ns);
	uint64_t window = (uint64_t)r->seconds * 1000000000ull;

	if (e->until_ns && ts_ns < e->until_ns)
		return !r->silence;
	e->until_ns = 0;
	if (ts_ns >= e->start_ns + window) {
		e->start_ns = ts_ns;
		e->count = 0;
	}
	if (++e->count <= r->count)
		return 1;
	e->until_ns = ts_ns + (uint64_t)r->timeout * 1000000000ull;
	return !r->silence;
}

int sig_threshold_pass(struct kn_sig_ctx *c, const struct sig_rule *s, const struct kn_addr *src,
		       const struct kn_addr *dst, uint64_t ts_ns)
{
	const struct kn_rule_threshold *t = s->threshold;
	uint8_t pair[16];
	const uint8_t *addr = tracked(t->track, src, dst, pair);
	struct sig_thr *e = thr_slot(c, s->index, addr, ts_ns);
	uint64_t window = (uint64_t)t->seconds * 1000000000ull;

	if (ts_ns >= e->start_ns + window && e->count) {
		e->start_ns = ts_ns;
		e->count = 0;
	}
	e->count++;
	if (s->is_filter)                 /* detection_filter: every match past count */
		return e->count > t->count;
	switch (t->type) {
	case KN_THR_LIMIT: return e->count <= t->count;
	case KN_THR_THRESHOLD:
		if (e->count >= t->count) {
			e->count = 0;
			return 1;
		}
		return 0;
	case KN_THR_BOTH: return e->count == t->count;
	case KN_THR_BACKOFF: {
		/* alert at 1, then count, count*m, count*m^2 ... */
		uint64_t next = 1;
		while (next < e->count)
			next = next == 1 ? t->count : next * (t->multiplier ? t->multiplier : 2);
		return next == e->count;
	}
	}
	return 1;
}
