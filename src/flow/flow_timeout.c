/*
 * flow_timeout.c - idle timeouts: timeout classes, their LRU lists, the
 * expiry sweep and the choice of memcap victims.
 *
 * Flow stage, called from flow_table.c and by the engine through
 * kn_flow_table_timeout before every packet. Each flow sits on the list of
 * its timeout class (protocol x state, see enum flow_tclass) ordered by
 * last_ns, oldest first; all flows of a list share a timeout, so the list
 * head is the next to expire and a sweep only looks at one head per class. The table
 * keeps next_expire, the earliest head expiry, so a sweep with nothing due
 * is one comparison.
 *
 * Time is packet time. The clock is the time of the latest packet (or
 * engine tick): it follows the capture, backwards too, like Suricata's, so
 * a capture whose timestamps restart (concatenated or repeated files) does
 * not expire every flow of its later part at once. A flow is expired when
 * clock > last_ns + timeout (last_ns never decreases) and its end is
 * reported at last_ns + timeout, whenever the sweep notices it.
 * Captures are not always time-ordered: a packet older than the list tail
 * is inserted in order by walking back from the tail, at most
 * FLOW_LRU_MAX_WALK steps; beyond that (grossly disordered input) it is
 * placed after a newer flow and may be swept late, never early, and the
 * lookup of its next packet still checks its own expiry exactly.
 */
#include <stdint.h>

#include "flow/flow_int.h"

#define PROTO_ICMP 1
#define PROTO_TCP 6
#define PROTO_UDP 17
#define PROTO_ICMPV6 58

#define FLOW_LRU_MAX_WALK 32

#define NS_PER_S 1000000000ULL

void kn_flow_config_default(struct kn_flow_config *cfg)
{
	cfg->memcap = 128ULL << 20;
	cfg->hash_size = 65536;
	cfg->timeout_new = 30 * NS_PER_S;
	cfg->timeout_tcp_new = 60 * NS_PER_S;
	cfg->timeout_established = 300 * NS_PER_S;
	cfg->timeout_closed = 60 * NS_PER_S;
	cfg->timeout_tcp_established = 600 * NS_PER_S;
	cfg->timeout_udp_established = 300 * NS_PER_S;
	cfg->timeout_icmp = 30 * NS_PER_S;
	cfg->ignore_vlan = 0;
}

void flow_timeouts_from_config(struct kn_flow_table *t, const struct kn_flow_config *cfg)
{
	t->timeout[FLOW_TC_NEW] = cfg->timeout_new;
	t->timeout[FLOW_TC_ESTABLISHED] = cfg->timeout_established;
	t->timeout[FLOW_TC_CLOSED] = cfg->timeout_closed;
	t->timeout[FLOW_TC_TCP_EST] = cfg->timeout_tcp_established;
	t->timeout[FLOW_TC_UDP_EST] = cfg->timeout_udp_established;
	t->timeout[FLOW_TC_ICMP] = cfg->timeout_icmp;
	t->timeout[FLOW_TC_TCP_NEW] = cfg->timeout_tcp_new;
}

enum flow_tclass flow_tclass_of(const struct kn_flow *f)
{
	uint8_t proto = f->key.proto;

	if (f->state == KN_FLOW_NEW) {
		if (proto == PROTO_ICMP || proto == PROTO_ICMPV6)
			return FLOW_TC_ICMP;
		return proto == PROTO_TCP ? FLOW_TC_TCP_NEW : FLOW_TC_NEW;
	}
	if (f->state == KN_FLOW_CLOSED)
		return FLOW_TC_CLOSED;
	if (proto == PROTO_TCP)
		return FLOW_TC_TCP_EST;
	return proto == PROTO_UDP ? FLOW_TC_UDP_EST : FLOW_TC_ESTABLISHED;
}

static void list_unlink(struct flow_list *l, struct kn_flow *f)
{
	if (f->lru_prev)
		f->lru_prev->lru_next = f->lru_next;
	else
		l->head = f->lru_next;
	if (f->lru_next)
		f->lru_next->lru_prev = f->lru_prev;
	else
		l->tail = f->lru_prev;
	f->lru_prev = f->lru_next = NULL;
}

/* Inserts f in last_ns order, searching back from the tail (bounded). */
static void list_insert_ordered(struct flow_list *l, struct kn_flow *f)
{
	struct kn_flow *pos = l->tail;
	unsigned steps = 0;

	while (pos && pos->last_ns > f->last_ns && steps++ < FLOW_LRU_MAX_WALK)
		pos = pos->lru_prev;
	f->lru_prev = pos;
	f->lru_next = pos ? pos->lru_next : l->head;
	if (f->lru_next)
		f->lru_next->lru_prev = f;
	else
		l->tail = f;
	if (pos)
		pos->lru_next = f;
	else
		l->head = f;
}

void flow_lru_place(struct kn_flow_table *t, struct flow_rec *r, int touched)
{
	enum flow_tclass c = flow_tclass_of(&r->f);
	struct flow_list *l = &t->lists[c];
	uint64_t exp;

	if (c == r->tclass) {
		/* Same list: only a newer last_ns can break the order. */
		if (!touched || l->tail == &r->f)
			return;
		list_unlink(l, &r->f);
	} else {
		if (r->tclass != FLOW_TC_NONE)
			list_unlink(&t->lists[r->tclass], &r->f);
		r->tclass = (uint8_t)c;
	}
	list_insert_ordered(l, &r->f);
	exp = flow_expiry(t, r);
	if (exp < t->next_expire)
		t->next_expire = exp;
}

void flow_lru_remove(struct kn_flow_table *t, struct flow_rec *r)
{
	if (r->tclass == FLOW_TC_NONE)
		return;
	list_unlink(&t->lists[r->tclass], &r->f);
	r->tclass = FLOW_TC_NONE;
}

void flow_sweep(struct kn_flow_table *t)
{
	uint64_t next = UINT64_MAX;

	for (unsigned c = 0; c < FLOW_TC_COUNT; c++) {
		struct kn_flow *f;

		while ((f = t->lists[c].head) != NULL) {
			uint64_t exp = flow_expiry(t, flow_rec_of(f));

			if (t->clock <= exp) {
				if (exp < next)
					next = exp;
				break;
			}
			flow_end(t, flow_rec_of(f), KN_FLOW_END_TIMEOUT, exp);
		}
	}
	t->next_expire = next;
}

struct flow_rec *flow_lru_victim(const struct kn_flow_table *t)
{
	struct kn_flow *best = NULL;

	for (unsigned c = 0; c < FLOW_TC_COUNT; c++) {
		struct kn_flow *f = t->lists[c].head;

		/* A flow active at this very instant is not idle: never evicted. */
		if (f && f->last_ns < t->clock && (!best || f->last_ns < best->last_ns))
			best = f;
	}
	return best ? flow_rec_of(best) : NULL;
}

void kn_flow_table_timeout(struct kn_flow_table *t, uint64_t now_ns)
{
	if (!t)
		return;
	t->clock = now_ns;
	if (t->clock > t->next_expire)
		flow_sweep(t);
}
