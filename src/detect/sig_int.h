/*
 * sig_int.h - what the signature engine's files share: the compiled rule
 * (struct sig_rule), the prefilter groups and their Hyperscan databases,
 * the engine and the per-worker context.
 *
 * sig_build.c compiles a rule set into an engine (sig_rule per rule, rule
 * order, fast patterns), sig_prefilter.c turns fast patterns into Hyperscan
 * databases and scans buffers with them, sig_match.c is the per-worker
 * path (packets, transactions, header checks, alerts) and sig_state.c the
 * state that outlives one packet (flowbits per flow, thresholds).
 */
#ifndef KN_SIG_INT_H
#define KN_SIG_INT_H

#include <hs/hs.h>

#include "detect/detect_int.h"
#include "detect/inspect.h"
#include "kenchi/sig.h"

/* One inspection list: the options of a rule on one buffer, rule order. */
struct sig_list {
	int16_t buffer;                      /* app buffer id or KN_RULE_BUF_PAYLOAD */
	uint8_t dotprefix;                   /* transform: the list reads "." + the value */
	uint16_t n;
	const struct kn_rule_opt **opts;
	pcre2_code **re;                     /* parallel to opts, NULL for non-pcre */
};

/* Header keywords checked before any payload (kinds of struct sig_hdr). */
enum sig_hdr_kind {
	SIG_H_TTL = 0, SIG_H_ID, SIG_H_IPOPTS, SIG_H_FRAGBITS, SIG_H_FLAGS, SIG_H_SEQ, SIG_H_ACK,
	SIG_H_WINDOW, SIG_H_ITYPE, SIG_H_ICODE, SIG_H_ICMP_ID, SIG_H_ICMP_SEQ, SIG_H_DSIZE,
	SIG_H_IPV4_CSUM, SIG_H_TCPV4_CSUM, SIG_H_TCPV6_CSUM, SIG_H_UDPV4_CSUM, SIG_H_UDPV6_CSUM,
	SIG_H_ICMPV4_CSUM, SIG_H_ICMPV6_CSUM,
};

struct sig_hdr {
	uint8_t kind;                        /* enum sig_hdr_kind */
	uint8_t want;                        /* checksums: 1 valid, 0 invalid */
	const struct kn_rule_opt *o;
};

/* Rule kinds: where a rule is evaluated. */
enum sig_kind {
	SIG_PKT = 0,     /* on packets: header keywords and/or payload list */
	SIG_TX,          /* on transactions: app buffer lists */
	SIG_DEV,         /* on a decoder event (decode-event) */
	SIG_AEV,         /* on an application-layer event (app-layer-event) */
};

/* flowbits operation of a rule; a bit's id is a hash of its name. */
struct sig_bits {
	uint8_t cmd;                         /* enum kn_rule_bits_cmd */
	uint8_t any_of;
	uint16_t n;
	const uint32_t *ids;
};

/* A suppress entry of threshold.config on a rule (sig_thresh.c). */
struct sig_suppress {
	struct sig_suppress *next;
	uint8_t has_addrs;                   /* 0: every alert of the rule */
	uint8_t track;                       /* 0 by_src, 1 by_dst, 2 by_either */
	struct kn_rule_addrs addrs;
};

/* A rate_filter of threshold.config: past count matches in seconds, the
 * new action holds for timeout seconds. kenchi is passive: "pass" silences
 * the alerts meanwhile, "alert" keeps them, drop/reject are not applied. */
struct sig_rate {
	uint8_t track;                       /* enum kn_rule_track */
	uint8_t silence;                     /* new_action pass */
	uint32_t count, seconds, timeout;
};

struct sig_rule {
	const struct kn_rule *r;
	uint32_t index;                      /* in the rule set */
	uint8_t kind;                        /* enum sig_kind */
	uint8_t ipproto;                     /* 0 any */
	uint8_t app;                         /* an app proto rule: app_proto must be `app_proto` */
	uint8_t noalert;
	uint8_t pass;                        /* pass rule: its match silences the packet/tx */
	uint32_t flow_flags;                 /* KN_FLOW_* of the flow keyword, 0 none */
	const char *app_proto;               /* "http", "tls", ... (app rules) */
	const char *category;
	uint16_t n_lists, n_hdr, n_bits;
	struct sig_list *lists;
	struct sig_hdr *hdr;
	struct sig_bits *bits;
	const struct kn_rule_threshold *threshold;  /* threshold or detection_filter, NULL */
	uint8_t is_filter;                   /* threshold above is a detection_filter */
	int8_t dir_hint;                     /* tx rules: 0 to_server buffers, 1 to_client, -1 both */
	struct sig_suppress *suppress;       /* threshold.config suppress entries */
	const struct sig_rate *rate;         /* threshold.config rate_filter, NULL */
	int16_t dev;                         /* SIG_DEV: decoder event id */
	const char *aev;                     /* SIG_AEV: "http.response_header_invalid" */
};

/* Address index of one family (sig_addr.c): segments of the address
 * line, each with the rules whose set covers it. */
struct sig_aidx {
	unsigned __int128 *bounds;           /* segment starts, sorted */
	uint32_t n;
	uint32_t *first, *rules;             /* CSR: segment s -> rules[first[s]..first[s+1]) */
};

#define SIG_APP_CLASSES 8

/* Port -> class of one side of a payload group (sig_ports.c): segments
 * of the port line, each with its class in the group's cls or -1. */
struct sig_pmap {
	uint32_t n;
	uint16_t *start;                     /* segment starts, sorted */
	int32_t *cls;
};

/* A prefilter group: the rules that can apply to one kind of buffer. */
struct sig_group {
	hs_database_t *db;                   /* NULL when no rule has a fast pattern here */
	uint32_t n_pat;
	uint32_t min_len;                    /* shortest pattern: shorter data is not scanned */
	uint32_t *pat_first, *pat_rules;     /* CSR: pattern p -> rules pat_rules[first[p]..first[p+1]) */
	uint32_t n_always;
	uint32_t *always;                    /* rules without a fast pattern (rule order) */
	/* rules without a fast pattern whose source (else destination) set
	 * is narrow: found by address instead of being always checked */
	struct sig_aidx by_src[2], by_dst[2];  /* [0] IPv4, [1] IPv6 */
	struct sig_aidx by_dport[2], by_sport[2];  /* [0] only: ports */
	uint32_t n_indexed;
	/* TCP and UDP payload groups: the rules with a narrow port set are
	 * in port classes, not in db (sig_ports.c), */
	struct sig_pmap ports[2];            /* [0] by destination port, [1] by source */
	struct sig_group *cls;
	uint32_t n_cls;
	/* and the rules of an app protocol (`alert http ... content:...`) in
	 * a class of their protocol, scanned in that protocol's flows only */
	uint8_t n_app;
	const char *app_name[SIG_APP_CLASSES];
	int32_t app_cls[SIG_APP_CLASSES];
	uint16_t prof;                       /* profile slot: payload group, then app buffer */
};

/* The class of port in m, -1 none. */
static inline int32_t sig_pmap_class(const struct sig_pmap *m, uint16_t port)
{
	uint32_t lo = 0, hi = m->n;
	while (lo < hi) {
		uint32_t mid = lo + (hi - lo) / 2;
		if (m->start[mid] <= port)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo ? m->cls[lo - 1] : -1;
}

/* Payload groups: transport x direction. */
enum { SIG_T_TCP = 0, SIG_T_UDP, SIG_T_OTHER, SIG_T_COUNT };
#define SIG_PAYLOAD_GROUPS (SIG_T_COUNT * 2)
/* Profile slots: payload groups, app buffers, then the payload groups'
 * classes (port and app protocol, "payload tcp to_server classes"). */
#define SIG_PROF_CLASSES (SIG_PAYLOAD_GROUPS + KN_BUF_COUNT)

struct kn_sig_engine {
	const struct kn_ruleset *rs;
	struct detect_arena arena;
	struct sig_rule *rules;              /* evaluation order */
	uint32_t n_rules;
	const char **skip;                   /* per rule of the set: reason, NULL compiled */
	struct sig_group payload[SIG_PAYLOAD_GROUPS];  /* [transport * 2 + dir] */
	struct sig_group app[KN_BUF_COUNT];  /* one per app buffer (rules of either direction) */
	uint32_t *dev_first, *dev_rules;     /* CSR: decoder event -> SIG_DEV rules */
	uint32_t *aev, n_aev;                /* SIG_AEV rules */
	uint32_t n_bit_names;                /* flowbit names used (ids are name hashes) */
	uint32_t max_list;                   /* longest list (scratch sizing) */
	struct kn_sig_build_stats st;
};

/* ------------------------------------------------------------ prefilter */

/* Builds g->db from fast patterns: pats[i] (bytes, len, nocase) entering
 * rule rules[i] (n entries, rule order). Identical patterns are merged.
 * 0, -KN_ENOMEM, -KN_EINVAL (Hyperscan refused: err says why). */
struct sig_fp {
	const uint8_t *bytes;
	uint32_t len;
	uint8_t nocase;
	uint32_t rule;
};
int sig_group_build(struct sig_group *g, struct sig_fp *fps, size_t n, char *err);
void sig_group_free(struct sig_group *g);

/* sig_ports.c: moves the fast patterns of rules with a narrow port set
 * out of fps[0..*n) (which keeps the others, *n updated) into g's port
 * classes, each class with its database. 0, -KN_ENOMEM, -KN_EINVAL. */
int sig_ports_split(const struct kn_sig_engine *e, struct sig_group *g, struct sig_fp *fps,
		    size_t *n, char *err);
void sig_ports_free(struct sig_group *g);

/* sig_pcre.c: compiled pcre shared by every engine of the process (one
 * per distinct pattern and flags, reference counted): NULL + reason in err
 * when it does not compile; put releases one reference. */
pcre2_code *sig_pcre_get(const struct kn_rule_pcre *p, char *err, size_t errsz);
void sig_pcre_put(pcre2_code *code);
size_t sig_pcre_cached(void);

/* sig_addr.c */
int sig_addrs_narrow(const struct kn_rule_addrs *a, unsigned log2_v4);
int sig_aidx_build(struct sig_aidx idx[2], const struct kn_sig_engine *e, const uint32_t *rules,
		   uint32_t n, int dst);
void sig_aidx_free(struct sig_aidx idx[2]);
uint32_t sig_ports_count(const struct kn_rule_ports *p);
int sig_ports_narrow(const struct kn_rule_ports *p);
int sig_pidx_build(struct sig_aidx idx[2], const struct kn_sig_engine *e, const uint32_t *rules,
		   uint32_t n, int dst);
uint32_t sig_aidx_port(const struct sig_aidx idx[2], uint16_t port, const uint32_t **out);
uint32_t sig_aidx_lookup(const struct sig_aidx idx[2], const struct kn_addr *a, unsigned ipv,
			 const uint32_t **out);

/* ----------------------------------------------------- worker context */

/* Flow state: flowbits (a small sorted set of bit ids) and whether the flow
 * alerted. Allocated on first use, freed by kn_sig_flow_end(). */
enum { SIG_APP_UNKNOWN = 0, SIG_APP_PENDING, SIG_APP_VISIBLE };
struct sig_flow {
	uint32_t n, cap;
	uint32_t *bits;
	uint8_t alerted;
	uint8_t app_vis;                     /* SIG_APP_*: sig_flow_app_visible() */
	uint8_t app_dir;                     /* direction of the packet that revealed it */
	uint8_t enc;                         /* SIG_APP_* for encryption: sig_flow_encrypted() */
	uint8_t enc_dir;
};

/* One threshold / detection_filter counter. */
struct sig_thr {
	uint64_t key;                        /* hash of (rule, tracked address); 0 free */
	uint32_t rule;
	uint32_t count;
	uint64_t start_ns;
	uint64_t until_ns;                   /* rate_filter: new action holds until then */
	uint8_t addr[16];
};

/* The smallest signature memcap: a 16-slot threshold table in a quarter. */
#define SIG_MEMCAP_MIN 4096u

struct kn_sig_ctx {
	const struct kn_sig_engine *e;
	struct kn_sig_config cfg;
	struct kn_sig_hooks hooks;
	hs_scratch_t *scratch;
	struct sig_inspect insp;
	uint32_t *stamp;                     /* per rule: generation it became a candidate */
	uint32_t gen;
	uint32_t *cand;                      /* candidates of the current scan */
	uint32_t n_cand;
	struct sig_thr *thr;                 /* open addressing, thr_cap slots, at most a
	                                        quarter of the memcap (sig_thr_init) */
	uint32_t thr_cap, thr_n;
	uint8_t proto_only;                  /* the engine has protocol-only TCP packet rules */
	uint8_t *xbuf;                       /* transformed buffer value (dotprefix) */
	size_t xcap;
	uint32_t n_alerts;                   /* alerts of the current packet or tx */
	const struct kn_packet *alert_pkt;   /* packet kn_sig_packet() last counted, or NULL */
	struct kn_sig_stats st;
};

/* sig_state.c */
int sig_flow_isset(const struct kn_flow *f, uint32_t id);
/* Applies set/unset/toggle of rule s to the flow; counted against the memcap. */
void sig_flow_bits_apply(struct kn_sig_ctx *c, struct kn_flow *f, const struct sig_rule *s);
/* Whether the flowbits conditions (isset/isnotset) of s hold. */
int sig_flow_bits_check(const struct kn_flow *f, const struct sig_rule *s);
void sig_flow_mark_alerted(struct kn_sig_ctx *c, struct kn_flow *f);
/* Protocol-only packet rules (an app protocol, no content: `alert http any
 * any -> any any (flow:to_server;)`) see a TCP flow's protocol as Suricata's
 * IDS mode does, once the peer has acknowledged the data that revealed it:
 * 1 when app_proto (kn_app_proto_of of p's flow, this packet) is visible to
 * them on packet p. Call on every TCP packet with a flow (it follows the
 * flow's packets to find that moment). */
int sig_flow_app_visible(struct kn_sig_ctx *c, const struct kn_packet *p, const char *app_proto);
/* Suricata's default encryption handling: 1 when packet p's payload is
 * left alone because the app layer found its TCP flow encrypted
 * (kn_app_flow_opaque), with the same timing as sig_flow_app_visible(). */
int sig_flow_encrypted(struct kn_sig_ctx *c, const struct kn_packet *p);
/* Threshold / detection_filter: 1 when this match may alert. */
int sig_threshold_pass(struct kn_sig_ctx *c, const struct sig_rule *s,
		       const struct kn_addr *src, const struct kn_addr *dst, uint64_t ts_ns);
/* rate_filter: 1 when this match may alert. */
int sig_rate_pass(struct kn_sig_ctx *c, const struct sig_rule *s, const struct kn_addr *src,
		  const struct kn_addr *dst, uint64_t ts_ns);
int sig_thr_init(struct kn_sig_ctx *c);
void sig_thr_fini(struct kn_sig_ctx *c);

/* sig_match.c: the checks of a packet rule (protocol, flow, header,
 * header keywords, flowbits, and the payload's first plen bytes: the
 * packet's payload_len, or 0 when the payload is not inspected); of a rule
 * on a flow's data in direction dir (no packet: app events); reporting a
 * match. */
int sig_pkt_rule_ok(struct kn_sig_ctx *c, const struct sig_rule *s, const struct kn_packet *p,
		    uint32_t plen, const char *app_proto);
int sig_flow_rule_ok(struct kn_sig_ctx *c, const struct sig_rule *s, const struct kn_flow *f,
		     const char *app_proto, int dir);
void sig_matched(struct kn_sig_ctx *c, const struct sig_rule *s, struct kn_sig_alert *a,
		 const struct kn_addr *src, const struct kn_addr *dst);
/* Starts counting alerts for packet p (packet_alert_max); cont: go on
 * with the count when p is the packet kn_sig_packet() just counted. */
void sig_alerts_begin(struct kn_sig_ctx *c, const struct kn_packet *p, int cont);

/* sig_events.c */
int sig_csum_ok(const struct sig_hdr *h, const struct kn_packet *p);
/* sig_thresh.c */
int sig_suppressed(const struct sig_rule *s, const struct kn_addr *src, const struct kn_addr *dst,
		   unsigned ipv);
int sig_decode_event_id(const char *name);

/* sig_match.c: address / port set membership (sorted ranges). */
int sig_addr_in(const struct kn_rule_addrs *set, const struct kn_addr *a, unsigned ip_version);
int sig_port_in(const struct kn_rule_ports *set, uint16_t port);

#endif
