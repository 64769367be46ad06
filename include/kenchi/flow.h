/*
 * flow.h - the flow table: bidirectional flows keyed by a symmetric hash of
 * addresses, ports, protocol, VLAN ids and tunnel id; the TCP state machine;
 * per-protocol idle timeouts; a memcap with eviction of the oldest idle
 * flows; flushing at end of input.
 *
 * Pipeline position: after decode (consumes decoded struct kn_packet), before
 * stream. A table and its flows belong to exactly one worker thread; nothing
 * here locks. Every ended flow is handed once to the table's end callback,
 * which is where the stream/app stages release their per-flow state and
 * output writes the EVE `flow` event; the flow memory is reused after the
 * callback returns.
 */
#ifndef KENCHI_FLOW_H
#define KENCHI_FLOW_H

#include <stdint.h>

#include "kenchi/kenchi.h"
#include "kenchi/packet.h"

/* Flow key, stored in the direction of the flow's client (initiator):
 * src/sport is the client, dst/dport the server. For ICMP/ICMPv6, sport and
 * dport hold the Community ID "port equivalents" (type, and the counterpart
 * type or the code), so both directions of an echo exchange share a flow. */
struct kn_flow_key {
	struct kn_addr src, dst;
	uint16_t sport, dport;
	uint16_t vlan[2];
	uint32_t tunnel_id;
	uint8_t proto;
	uint8_t ip_version;
};

/* TCP connection states (RFC 793 names as Suricata logs them). */
enum kn_tcp_state {
	KN_TCP_NONE = 0,
	KN_TCP_SYN_SENT,
	KN_TCP_SYN_RECV,
	KN_TCP_ESTABLISHED,
	KN_TCP_FIN_WAIT1,
	KN_TCP_FIN_WAIT2,
	KN_TCP_TIME_WAIT,
	KN_TCP_LAST_ACK,
	KN_TCP_CLOSE_WAIT,
	KN_TCP_CLOSING,
	KN_TCP_CLOSED,
};

/* Generic flow state, logged as flow.state: "new", "established", "closed". */
enum kn_flow_state {
	KN_FLOW_NEW = 0,
	KN_FLOW_ESTABLISHED,
	KN_FLOW_CLOSED,
};

/* Why a flow ended, logged as flow.reason. */
enum kn_flow_end_reason {
	KN_FLOW_END_TIMEOUT = 0,  /* "timeout": idle longer than its protocol/state timeout */
	KN_FLOW_END_FORCED,       /* "forced": evicted because the memcap was reached */
	KN_FLOW_END_SHUTDOWN,     /* "shutdown": still active at end of input / exit */
};

/* kn_flow.flags */
enum kn_flow_flag {
	KN_FLOW_F_MIDSTREAM = 1u << 0,  /* TCP flow picked up without a SYN */
	KN_FLOW_F_SWAPPED = 1u << 1,    /* direction decided after the first packet (e.g. SYN/ACK first) */
	KN_FLOW_F_TCP_REUSE = 1u << 2,  /* a new SYN reused a closed tuple: the old flow was ended */
};

struct kn_flow {
	struct kn_flow_key key;
	uint32_t hash;           /* symmetric hash (kn_packet.hash of its packets) */
	struct kn_flow *hnext;   /* hash bucket chain (private to src/flow; next to key
	                            and hash so a chain walk reads one cache line) */
	uint8_t state;           /* enum kn_flow_state */
	uint8_t tcp_state;       /* enum kn_tcp_state */
	uint8_t tcp_flags[2];    /* OR of TCP flags seen [0] to server, [1] to client */
	uint8_t icmp_type, icmp_code;  /* of the first ICMP packet */
	uint8_t flags;           /* enum kn_flow_flag */
	uint8_t worker;          /* index of the owning worker */
	uint64_t flow_id;        /* unique in the run, non-zero, stable across worker counts */
	uint64_t start_ns, last_ns;
	uint64_t pkts[2];        /* [0] to server, [1] to client */
	uint64_t bytes[2];       /* captured frame bytes, same indexing */

	/* Per-flow state slots of the later stages. Each is owned by its stage,
	 * which must release it from the end callback. */
	void *stream;            /* stream stage (struct defined in src/stream) */
	void *app;               /* application layer */
	void *sig;               /* signature engine (flowbits, alerted) */

	/* Table links: private to src/flow. */
	struct kn_flow *lru_prev, *lru_next;  /* least recently used order */
};

/* A TCP flow whose client SYN was not captured: its first packet was a
 * SYN/ACK or carried no SYN (Suricata's midstream pick-up). */
static inline int kn_flow_tcp_pickup(const struct kn_flow *f)
{
	return f->key.proto == 6 && (f->flags & (KN_FLOW_F_MIDSTREAM | KN_FLOW_F_SWAPPED)) != 0;
}

/* Flow table configuration. Timeouts are in nanoseconds of packet time. */
struct kn_flow_config {
	uint64_t memcap;         /* bytes for flow records and buckets */
	uint32_t hash_size;      /* buckets, rounded up to a power of two */
	uint64_t timeout_new;          /* non-TCP flows in state new (seen one way only) */
	uint64_t timeout_tcp_new;      /* TCP before the handshake completes */
	uint64_t timeout_established;  /* established (non-TCP: seen both ways) */
	uint64_t timeout_closed;       /* TCP closed / RST */
	uint64_t timeout_tcp_established; /* TCP established; others use the generic ones */
	uint64_t timeout_udp_established;
	uint64_t timeout_icmp;         /* ICMP in state new; established ICMP uses timeout_established */
	int ignore_vlan;               /* 1: VLAN ids are not part of the flow key (traffic
	                                  whose two directions carry different tags;
	                                  Suricata's vlan.use-for-tracking: false). The
	                                  decoder's ignore_vlan must match (packet hash) */
};

/* Fills *cfg with the defaults, Suricata 7's stock flow timeouts: new 30 s
 * (TCP 60 s), established 300 s (TCP 600 s), TCP closed 60 s, ICMP new 30 s;
 * memcap 128 MiB, 65536 buckets. */
void kn_flow_config_default(struct kn_flow_config *cfg);

/* Called once for every ended flow. `now_ns` is the packet time at which the
 * end was decided (the EVE event's timestamp). The flow may not be kept. */
typedef void (*kn_flow_end_fn)(void *user, struct kn_flow *flow, int reason, uint64_t now_ns);

struct kn_flow_stats {
	uint64_t created, active, peak_active;
	uint64_t tcp, udp, icmp, other;        /* created, per protocol */
	uint64_t ended_timeout, ended_forced, ended_shutdown;
	uint64_t tcp_reuse;                    /* SYN on a closed tuple started a new flow */
	/* TCP flows ended with 2+ packets, a SYN (or SYN-ACK) and an ACK among
	 * them, and of those the ones whose packets all came from one side: a
	 * side whose peer never showed (a one-way span, asymmetric routing) */
	uint64_t tcp_acked, tcp_one_way;
	uint64_t memcap_hits;                  /* allocations refused by the memcap */
	uint64_t memcap_drops;                 /* packets not tracked: memcap and nothing evictable */
	uint64_t mem_in_use, mem_peak;         /* bytes */
};

struct kn_flow_table;

/* Creates a table. `worker` is stored in each flow and mixed into flow ids
 * only through the first packet (see flow_id contract in src/flow).
 * Returns NULL (errbuf set) on a bad config or allocation failure. */
KN_WARN_UNUSED struct kn_flow_table *kn_flow_table_new(const struct kn_flow_config *cfg,
	kn_flow_end_fn on_end, void *user, unsigned worker, char *errbuf);

/* Frees the table and all flows WITHOUT calling the end callback: call
 * kn_flow_table_flush first to report them. NULL is a no-op. */
void kn_flow_table_free(struct kn_flow_table *t);

/* Finds or creates the flow of a decoded IP packet (ip_version != 0),
 * updates its counters, TCP state and timestamps, and sets pkt->flow and
 * pkt->dir. Also ends idle flows whose timeout has passed at pkt->ts_ns
 * (amortised). Returns the flow, or NULL when the memcap is reached and no
 * flow could be evicted (counted in memcap_drops). */
struct kn_flow *kn_flow_lookup(struct kn_flow_table *t, struct kn_packet *pkt);

/* Sets the table clock to `now_ns` (the time of the latest packet; it may
 * go backwards with unordered captures) and ends every flow idle past its
 * timeout at that time. O(1) when nothing is due. */
void kn_flow_table_timeout(struct kn_flow_table *t, uint64_t now_ns);

/* Ends every flow with reason shutdown (end of input). */
void kn_flow_table_flush(struct kn_flow_table *t, uint64_t now_ns);

const struct kn_flow_stats *kn_flow_table_stats(const struct kn_flow_table *t);

/* Names as logged in EVE: "new"/"established"/"closed"; "syn_sent"...;
 * "timeout"/"forced"/"shutdown". */
const char *kn_flow_state_name(unsigned state);
const char *kn_tcp_state_name(unsigned tcp_state);
const char *kn_flow_end_reason_name(unsigned reason);

/* Community ID v1 (https://github.com/corelight/community-id-spec) of a
 * flow key: writes "1:<base64 of SHA-1>" (30 chars + NUL) into out, which
 * must hold KN_COMMUNITY_ID_LEN bytes. Returns 0, or -KN_EINVAL. */
#define KN_COMMUNITY_ID_LEN 32
int kn_community_id(const struct kn_flow_key *key, uint16_t seed, char *out);

/* The Community ID of the flow a decoded IP packet belongs to (either
 * direction gives the same), without a flow table: for events written
 * before flow lookup. 0, or -KN_EINVAL for a packet without IP. */
int kn_community_id_of_packet(const struct kn_packet *pkt, uint16_t seed, char *out);

/* For many Community IDs on one thread (a worker's events): a context
 * whose SHA-1 state is set up once, so each ID costs about a third less.
 * Owned by its creator, used by one thread at a time. NULL when out of
 * memory; kn_community_id_ctx_free(NULL) is a no-op. */
struct kn_community_id_ctx;
KN_WARN_UNUSED struct kn_community_id_ctx *kn_community_id_ctx_new(void);
void kn_community_id_ctx_free(struct kn_community_id_ctx *c);
/* kn_community_id() hashing with c (NULL c: the same as kn_community_id()). */
int kn_community_id_with(struct kn_community_id_ctx *c, const struct kn_flow_key *key,
			 uint16_t seed, char *out);

#endif
