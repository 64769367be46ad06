/*
 * flow_int.h - private structures of the flow stage (src/flow), shared by
 * its files and by its unit tests; nothing outside src/flow and
 * tests/unit/flow includes it.
 *
 * Layout of the stage:
 *   flow_key.c      packet -> lookup keys (ICMP port equivalents, directions)
 *   flow_tcp.c      TCP state machine and the generic new/established/closed state
 *   flow_pool.c     slab allocator of flow records (no malloc per flow)
 *   flow_timeout.c  per-timeout-class LRU lists, idle expiry, memcap victims
 *   flow_table.c    the hash table: lookup, create, end, flush, stats
 *   community_id.c  Community ID v1 of a flow key
 *   flow_names.c    EVE names of states and end reasons
 *
 * A flow record is a struct kn_flow followed by a few private fields, on a
 * 64-byte boundary so that its three cache lines are always three (key and
 * hash in the first, counters in the second, links in the third).
 */
#ifndef KN_FLOW_INT_H
#define KN_FLOW_INT_H

#include <stddef.h>
#include <stdint.h>

#include "kenchi/flow.h"

/* Timeout classes: every flow is on exactly one LRU list, the one of its
 * (protocol, state) timeout. All flows of a list share one timeout, so the
 * list ordered by last_ns is also ordered by expiry time. */
enum flow_tclass {
	FLOW_TC_NEW = 0,       /* any protocol but ICMP, state new */
	FLOW_TC_ESTABLISHED,   /* other protocols (SCTP, GRE, ...), established */
	FLOW_TC_CLOSED,        /* TCP closed (RST, or FIN handshake completed) */
	FLOW_TC_TCP_EST,       /* TCP established .. time_wait */
	FLOW_TC_UDP_EST,       /* UDP seen both ways */
	FLOW_TC_ICMP,          /* ICMP / ICMPv6, state new */
	FLOW_TC_TCP_NEW,       /* TCP before the handshake completes */
	FLOW_TC_COUNT,
	FLOW_TC_NONE = 0xff,   /* not on a list yet */
};

#define FLOW_REC_ALIGN 64

struct flow_rec {
	struct kn_flow f;      /* first member: &rec->f == (struct kn_flow *)rec */
	uint32_t fin_next[2];  /* sequence number just past each side's FIN */
	uint8_t fin_seen;      /* bit d: side d sent a FIN (fin_next[d] valid) */
	uint8_t fin_acked;     /* bit d: side d's FIN was acknowledged by its peer */
	uint8_t tclass;        /* enum flow_tclass: the list the record is on */
} __attribute__((aligned(FLOW_REC_ALIGN)));

/* Bytes charged to the memcap for each flow. */
#define FLOW_REC_SIZE sizeof(struct flow_rec)

static inline struct flow_rec *flow_rec_of(struct kn_flow *f)
{
	return (struct flow_rec *)f;
}

/* ---- flow_pool.c: records come from slabs and are recycled ---- */

struct flow_slab;

struct flow_pool {
	struct flow_slab *slabs;   /* every slab, for freeing */
	struct flow_rec *free;     /* recycled records, linked by f.hnext */
	uint64_t bytes;            /* bytes allocated for slabs */
};

void flow_pool_init(struct flow_pool *p);
/* A zeroed record, or NULL when a new slab cannot be allocated. */
struct flow_rec *flow_pool_get(struct flow_pool *p);
void flow_pool_put(struct flow_pool *p, struct flow_rec *r);
void flow_pool_fini(struct flow_pool *p);

/* ---- the table ---- */

struct flow_list {
	struct kn_flow *head, *tail;  /* head = least recently active */
};

struct kn_flow_table {
	struct kn_flow **buckets;
	uint32_t mask;                  /* buckets - 1 */
	uint8_t worker;
	kn_flow_end_fn on_end;
	void *user;
	uint64_t clock;                 /* time of the latest packet or tick (may go back) */
	uint64_t next_expire;           /* no list head expires before this (lower bound) */
	uint64_t memcap;
	int ignore_vlan;                /* kn_flow_config.ignore_vlan */
	uint64_t timeout[FLOW_TC_COUNT];
	struct flow_list lists[FLOW_TC_COUNT];
	struct flow_pool pool;
	struct kn_flow_stats stats;
};

/* ---- flow_key.c ---- */

/* ICMP/ICMPv6 "port equivalents" of Community ID: *sport = type, *dport =
 * the counterpart type for request/reply pairs, else the code. Returns 1
 * for a request/reply pair type (the flow is two-way), 0 for a one-way type. */
int flow_icmp_ports(uint8_t proto, uint8_t type, uint8_t code, uint16_t *sport, uint16_t *dport);
/* 1 when `type` is the reply half of a request/reply pair. */
int flow_icmp_is_reply(uint8_t proto, uint8_t type);

/* Builds the key of the packet in its own direction (*fwd) and reversed
 * (*rev). Returns 1 when the reverse direction belongs to the same flow,
 * 0 for one-way ICMP types (errors, redirects...). Key padding is zeroed. */
int flow_key_build(const struct kn_packet *pkt, struct kn_flow_key *fwd, struct kn_flow_key *rev);

/* Bytes of a key that are compared (everything but the trailing padding). */
#define FLOW_KEY_CMP_LEN (offsetof(struct kn_flow_key, ip_version) + 1)

/* ---- flow_tcp.c ---- */

/* Whether the first packet of a new flow was sent by the server: SYN/ACK
 * first, or a midstream packet from a port < 1024 to a port >= 1024. */
int flow_tcp_first_is_server(const struct kn_packet *pkt);
/* Initial TCP state of a new flow from its first packet's flags. */
void flow_tcp_start(struct flow_rec *r, uint8_t tcp_flags);
/* Advances the TCP state machine with one packet sent in direction dir. */
void flow_tcp_update(struct flow_rec *r, const struct kn_packet *pkt, unsigned dir);
/* 1 when a SYN without ACK must end the flow and start a new one. */
int flow_tcp_is_reuse(const struct kn_flow *f, uint8_t tcp_flags);
/* Generic state (enum kn_flow_state) of a flow after a packet. */
uint8_t flow_state_of(const struct kn_flow *f);

/* ---- flow_timeout.c ---- */

enum flow_tclass flow_tclass_of(const struct kn_flow *f);
/* last_ns + the timeout of the flow's class, saturating (r must be on a
 * list: tclass != FLOW_TC_NONE). */
static inline uint64_t flow_expiry(const struct kn_flow_table *t, const struct flow_rec *r)
{
	uint64_t to = t->timeout[r->tclass], last = r->f.last_ns;

	return last > UINT64_MAX - to ? UINT64_MAX : last + to;
}
/* Puts r on the list of its current class, in last_ns order. Call after
 * every update; `touched` says last_ns grew. O(1) unless the packet is older
 * than the newest flows of the list. */
void flow_lru_place(struct kn_flow_table *t, struct flow_rec *r, int touched);
void flow_lru_remove(struct kn_flow_table *t, struct flow_rec *r);
/* Ends the flows at the list heads that are idle past their timeout at the
 * table clock; recomputes next_expire. */
void flow_sweep(struct kn_flow_table *t);
/* The least recently active flow with last_ns before the clock, or NULL. */
struct flow_rec *flow_lru_victim(const struct kn_flow_table *t);
void flow_timeouts_from_config(struct kn_flow_table *t, const struct kn_flow_config *cfg);

/* ---- flow_table.c ---- */

/* Unlinks r, counts the end, calls the end callback, recycles the record. */
void flow_end(struct kn_flow_table *t, struct flow_rec *r, int reason, uint64_t now_ns);

/* Test hooks: bytes of flow slabs and bucket array actually allocated. */
uint64_t flow_table_alloc_bytes(const struct kn_flow_table *t);

#endif
