/*
 * flow_table.c - the flow hash table: lookup, creation, end, flush, stats.
 *
 * Flow stage entry point (kn_flow_lookup), called by a worker for every
 * decoded IP packet, after decode and before stream. Buckets are chosen by
 * the decoder's symmetric hash (pkt->hash & mask) and chained through
 * kn_flow.hnext; a flow matches when its stored hash and its key equal the
 * packet's key in either direction (one direction only for one-way ICMP
 * types). A lookup is one probe with no allocation in the steady state:
 * records come from flow_pool.c and timeouts are kept by flow_timeout.c.
 *
 * Ownership: the table owns its flows. Every flow is handed exactly once to
 * the end callback (timeout, forced eviction, shutdown) and recycled when
 * the callback returns. The callback must not call back into the table.
 *
 * Memcap: mem_in_use = bucket array + FLOW_REC_SIZE per live flow. A flow
 * that would exceed the memcap first evicts the least recently active flow
 * that is not active at this very instant (ended "forced"); when there is
 * none the packet is not tracked (memcap_drops).
 *
 * flow_id: a 64-bit mix of (hash, start_ns, key, creation flags) masked to
 * 51 bits, so the id of a flow does not depend on which worker or how many
 * workers saw it.
 */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "flow/flow_int.h"
#include "util/alloc.h"
#include "util/hash.h"

#define PROTO_ICMP 1
#define PROTO_TCP 6
#define PROTO_UDP 17
#define PROTO_ICMPV6 58

#define FLOW_ID_MASK ((1ULL << 51) - 1)
#define FLOW_HASH_MAX (1u << 30)

_Static_assert(offsetof(struct kn_flow_key, ip_version) == 45,
	       "struct kn_flow_key must have no padding before ip_version");
_Static_assert(offsetof(struct flow_rec, f) == 0, "struct kn_flow first in flow_rec");
_Static_assert(sizeof(struct flow_rec) <= 256, "flow record within the per-flow budget");

static void KN_PRINTF(2, 3) errf(char *errbuf, const char *fmt, ...)
{
	va_list ap;

	if (!errbuf)
		return;
	va_start(ap, fmt);
	vsnprintf(errbuf, KN_ERRBUF_SIZE, fmt, ap);
	va_end(ap);
}

static int config_buckets(const struct kn_flow_config *cfg, uint32_t *buckets, char *errbuf)
{
	uint32_t n = 1;

	if (!cfg) {
		errf(errbuf, "flow: no configuration");
		return -KN_EINVAL;
	}
	if (cfg->hash_size == 0 || cfg->hash_size > FLOW_HASH_MAX) {
		errf(errbuf, "flow: hash_size %u out of range 1..%u", cfg->hash_size, FLOW_HASH_MAX);
		return -KN_EINVAL;
	}
	while (n < cfg->hash_size)
		n <<= 1;
	if (cfg->memcap < (uint64_t)n * sizeof(struct kn_flow *) + FLOW_REC_SIZE) {
		errf(errbuf, "flow: memcap %llu below the %llu bytes of %u buckets plus one flow",
		     (unsigned long long)cfg->memcap,
		     (unsigned long long)((uint64_t)n * sizeof(struct kn_flow *) + FLOW_REC_SIZE), n);
		return -KN_EINVAL;
	}
	*buckets = n;
	return 0;
}

struct kn_flow_table *kn_flow_table_new(const struct kn_flow_config *cfg, kn_flow_end_fn on_end,
					void *user, unsigned worker, char *errbuf)
{
	struct kn_flow_table *t;
	uint32_t n;

	if (config_buckets(cfg, &n, errbuf) < 0)
		return NULL;
	t = kn_calloc(1, sizeof *t);
	if (!t)
		goto fail;
	t->buckets = kn_calloc(n, sizeof *t->buckets);
	if (!t->buckets)
		goto fail;
	t->mask = n - 1;
	t->worker = (uint8_t)worker;
	t->on_end = on_end;
	t->user = user;
	t->memcap = cfg->memcap;
	t->ignore_vlan = cfg->ignore_vlan;
	t->next_expire = UINT64_MAX;
	flow_timeouts_from_config(t, cfg);
	flow_pool_init(&t->pool);
	t->stats.mem_in_use = t->stats.mem_peak = (uint64_t)n * sizeof *t->buckets;
	return t;
fail:
	kn_free(t);
	errf(errbuf, "flow: out of memory for a table of %u buckets", n);
	return NULL;
}

void kn_flow_table_free(struct kn_flow_table *t)
{
	if (!t)
		return;
	flow_pool_fini(&t->pool);
	kn_free(t->buckets);
	kn_free(t);
}

const struct kn_flow_stats *kn_flow_table_stats(const struct kn_flow_table *t)
{
	return &t->stats;
}

uint64_t flow_table_alloc_bytes(const struct kn_flow_table *t)
{
	return t->pool.bytes + ((uint64_t)t->mask + 1) * sizeof *t->buckets + sizeof *t;
}

/* An ending TCP flow of 2+ packets with a SYN (or SYN-ACK) and an ACK:
 * seen both ways, or one side only (kn_flow_stats.tcp_one_way). Flows
 * without a handshake (picked up midstream) say nothing of the view. */
static void count_one_way(struct kn_flow_stats *s, const struct kn_flow *f)
{
	uint8_t fl = f->tcp_flags[0] | f->tcp_flags[1];
	if (f->key.proto != PROTO_TCP || f->pkts[0] + f->pkts[1] < 2 || !(fl & KN_TCP_ACK) ||
	    !(fl & KN_TCP_SYN))
		return;
	s->tcp_acked++;
	s->tcp_one_way += f->pkts[0] == 0 || f->pkts[1] == 0;
}

void flow_end(struct kn_flow_table *t, struct flow_rec *r, int reason, uint64_t now_ns)
{
	struct kn_flow **pp = &t->buckets[r->f.hash & t->mask];

	while (*pp && *pp != &r->f)
		pp = &(*pp)->hnext;
	if (*pp)
		*pp = r->f.hnext;
	flow_lru_remove(t, r);
	t->stats.active--;
	t->stats.mem_in_use -= FLOW_REC_SIZE;
	count_one_way(&t->stats, &r->f);
	if (reason == KN_FLOW_END_TIMEOUT)
		t->stats.ended_timeout++;
	else if (reason == KN_FLOW_END_FORCED)
		t->stats.ended_forced++;
	else
		t->stats.ended_shutdown++;
	if (t->on_end)
		t->on_end(t->user, &r->f, reason, now_ns);
	flow_pool_put(&t->pool, r);
}

/* A record within the memcap: evicts the least recently active flow when
 * the memcap (or the system allocator) refuses a new one. */
static struct flow_rec *rec_alloc(struct kn_flow_table *t)
{
	struct flow_rec *r, *victim;

	if (t->stats.mem_in_use + FLOW_REC_SIZE > t->memcap) {
		t->stats.memcap_hits++;
		victim = flow_lru_victim(t);
		if (!victim)
			return NULL;
		flow_end(t, victim, KN_FLOW_END_FORCED, t->clock);
	}
	r = flow_pool_get(&t->pool);
	if (!r && (victim = flow_lru_victim(t)) != NULL) {
		flow_end(t, victim, KN_FLOW_END_FORCED, t->clock);
		r = flow_pool_get(&t->pool);
	}
	if (!r)
		return NULL;
	t->stats.mem_in_use += FLOW_REC_SIZE;
	if (t->stats.mem_in_use > t->stats.mem_peak)
		t->stats.mem_peak = t->stats.mem_in_use;
	return r;
}

static uint64_t flow_id_of(const struct kn_flow *f)
{
	uint64_t w[6] = { 0 };
	uint64_t x;

	memcpy(w, &f->key, FLOW_KEY_CMP_LEN);
	x = kn_mix64(f->start_ns + 0x6b656e6368692d66ULL) ^ ((uint64_t)f->hash << 16) ^ f->flags;
	for (unsigned i = 0; i < 6; i++)
		x = kn_mix64(x + w[i] + 0x9e3779b97f4a7c15ULL);
	x &= FLOW_ID_MASK;
	return x ? x : 1;
}

/* Whether the first packet was sent by the flow's server (its receiver is
 * the client): TCP SYN/ACK or midstream from a well-known port; an ICMP
 * reply type. */
static int first_is_server(const struct kn_packet *pkt, int two_way)
{
	if (pkt->proto == PROTO_TCP)
		return flow_tcp_first_is_server(pkt);
	if (pkt->proto == PROTO_ICMP || pkt->proto == PROTO_ICMPV6)
		return two_way && flow_icmp_is_reply(pkt->proto, pkt->icmp_type);
	return 0;
}

static void count_created(struct kn_flow_stats *s, uint8_t proto)
{
	s->created++;
	if (++s->active > s->peak_active)
		s->peak_active = s->active;
	if (proto == PROTO_TCP)
		s->tcp++;
	else if (proto == PROTO_UDP)
		s->udp++;
	else if (proto == PROTO_ICMP || proto == PROTO_ICMPV6)
		s->icmp++;
	else
		s->other++;
}

static struct flow_rec *flow_create(struct kn_flow_table *t, const struct kn_packet *pkt,
				    const struct kn_flow_key *fwd, const struct kn_flow_key *rev,
				    int two_way, uint8_t flags, unsigned *dir)
{
	struct flow_rec *r = rec_alloc(t);
	struct kn_flow **bucket;
	int swapped;

	if (!r)
		return NULL;
	swapped = first_is_server(pkt, two_way);
	memcpy(&r->f.key, swapped ? rev : fwd, sizeof r->f.key);
	r->f.hash = pkt->hash;
	r->f.flags = (uint8_t)(flags | (swapped ? KN_FLOW_F_SWAPPED : 0));
	r->f.worker = t->worker;
	r->f.start_ns = r->f.last_ns = pkt->ts_ns;
	r->tclass = FLOW_TC_NONE;
	if (pkt->proto == PROTO_ICMP || pkt->proto == PROTO_ICMPV6) {
		r->f.icmp_type = pkt->icmp_type;
		r->f.icmp_code = pkt->icmp_code;
	} else if (pkt->proto == PROTO_TCP) {
		flow_tcp_start(r, pkt->tcp.flags);
	}
	r->f.flow_id = flow_id_of(&r->f);
	bucket = &t->buckets[pkt->hash & t->mask];
	r->f.hnext = *bucket;
	*bucket = &r->f;
	count_created(&t->stats, pkt->proto);
	*dir = swapped ? 1u : 0u;
	return r;
}

/* Key equality; with ignore_vlan the VLAN ids are not compared (the flow
 * keeps those of its first packet, which its events show). */
static int key_eq(const struct kn_flow_table *t, const struct kn_flow_key *stored,
		  const struct kn_flow_key *k)
{
	if (KN_LIKELY(!t->ignore_vlan))
		return memcmp(stored, k, FLOW_KEY_CMP_LEN) == 0;
	struct kn_flow_key m = *k;
	memcpy(m.vlan, stored->vlan, sizeof m.vlan);
	return memcmp(stored, &m, FLOW_KEY_CMP_LEN) == 0;
}

static struct flow_rec *flow_find(const struct kn_flow_table *t, uint32_t hash,
				  const struct kn_flow_key *fwd, const struct kn_flow_key *rev,
				  int two_way, unsigned *dir)
{
	for (struct kn_flow *f = t->buckets[hash & t->mask]; f; f = f->hnext) {
		if (f->hash != hash)
			continue;
		/* likely the one: fetch its counter and link lines meanwhile */
		__builtin_prefetch((const char *)f + 64, 1);
		__builtin_prefetch((const char *)f + 128, 1);
		if (key_eq(t, &f->key, fwd)) {
			*dir = 0;
			return flow_rec_of(f);
		}
		if (two_way && key_eq(t, &f->key, rev)) {
			*dir = 1;
			return flow_rec_of(f);
		}
	}
	return NULL;
}

/* Ends a found flow that the packet cannot continue: idle past its timeout
 * at the table clock, or a TCP tuple reused by a new SYN after a close
 * (ended as a timeout at min(expiry, clock); the new flow gets
 * KN_FLOW_F_TCP_REUSE in *flags). Returns 1 when the flow goes on. */
static int flow_still_current(struct kn_flow_table *t, struct flow_rec *r,
			      const struct kn_packet *pkt, uint8_t *flags)
{
	uint64_t exp = flow_expiry(t, r);

	if (t->clock > exp) {
		flow_end(t, r, KN_FLOW_END_TIMEOUT, exp);
		return 0;
	}
	if (r->f.key.proto == PROTO_TCP && flow_tcp_is_reuse(&r->f, pkt->tcp.flags)) {
		t->stats.tcp_reuse++;
		*flags |= KN_FLOW_F_TCP_REUSE;
		flow_end(t, r, KN_FLOW_END_TIMEOUT, exp < t->clock ? exp : t->clock);
		return 0;
	}
	return 1;
}

static void flow_update(struct kn_flow_table *t, struct flow_rec *r, const struct kn_packet *pkt,
			unsigned dir)
{
	struct kn_flow *f = &r->f;
	int touched = 0;

	/* frag_count 0 means the producer did not fill the defrag fields. */
	f->pkts[dir] += pkt->frag_count ? pkt->frag_count : 1u;
	f->bytes[dir] += pkt->frag_count ? pkt->frag_bytes : pkt->caplen;
	if (f->key.proto == PROTO_TCP) {
		f->tcp_flags[dir] |= pkt->tcp.flags;
		flow_tcp_update(r, pkt, dir);
	}
	f->state = flow_state_of(f);
	if (pkt->ts_ns > f->last_ns) {
		f->last_ns = pkt->ts_ns;
		touched = 1;
	}
	flow_lru_place(t, r, touched);
}

struct kn_flow *kn_flow_lookup(struct kn_flow_table *t, struct kn_packet *pkt)
{
	struct kn_flow_key fwd, rev;
	struct flow_rec *r;
	unsigned dir = 0;
	uint8_t flags = 0;
	int two_way;

	pkt->flow = NULL;
	pkt->dir = 0;
	if (KN_UNLIKELY(pkt->ip_version == 0 || (pkt->flags & KN_PKT_FRAGMENT)))
		return NULL;
	__builtin_prefetch(&t->buckets[pkt->hash & t->mask]);
	t->clock = pkt->ts_ns;
	if (KN_UNLIKELY(t->clock > t->next_expire))
		flow_sweep(t);
	two_way = flow_key_build(pkt, &fwd, &rev);
	r = flow_find(t, pkt->hash, &fwd, &rev, two_way, &dir);
	if (r) {
		/* flow_lru_place will write the links of both LRU neighbours */
		if (r->f.lru_prev)
			__builtin_prefetch(&r->f.lru_prev->lru_next, 1);
		if (r->f.lru_next)
			__builtin_prefetch(&r->f.lru_next->lru_prev, 1);
		if (!flow_still_current(t, r, pkt, &flags))
			r = NULL;
	}
	if (!r) {
		r = flow_create(t, pkt, &fwd, &rev, two_way, flags, &dir);
		if (KN_UNLIKELY(!r)) {
			t->stats.memcap_drops++;
			return NULL;
		}
	}
	flow_update(t, r, pkt, dir);
	pkt->flow = &r->f;
	pkt->dir = (uint8_t)dir;
	return &r->f;
}

void kn_flow_table_flush(struct kn_flow_table *t, uint64_t now_ns)
{
	uint64_t end_ns;

	if (!t)
		return;
	end_ns = now_ns > t->clock ? now_ns : t->clock;
	/* Flows already idle past their timeout at the clock end as timeouts,
	 * exactly as a sweep would have reported them; the rest shut down. */
	for (unsigned c = 0; c < FLOW_TC_COUNT; c++) {
		struct kn_flow *f;

		while ((f = t->lists[c].head) != NULL) {
			struct flow_rec *r = flow_rec_of(f);
			uint64_t exp = flow_expiry(t, r);

			if (t->clock > exp)
				flow_end(t, r, KN_FLOW_END_TIMEOUT, exp);
			else
				flow_end(t, r, KN_FLOW_END_SHUTDOWN, end_ns);
		}
	}
	t->clock = end_ns;
	t->next_expire = UINT64_MAX;
}
