/*
 * sig.h - the signature engine: a parsed rule set (rules.h) compiled for
 * matching, and the per-worker context that matches packets and
 * application-layer transactions against it and reports alerts.
 *
 * Pipeline position: the detect stage. It is handed what the stages before
 * it produced: decoded packets with their flow (flow.h, packet.h) and
 * complete transactions with their named buffers (app.h). It reports each
 * alert through a callback; output formats it (kn_eve_alert in eve.h).
 *
 * How matching works (src/detect/sig_*.c): every rule is compiled once into
 * header checks (protocol, addresses, ports, flow, header keywords) and one
 * inspection list per buffer (the packet payload or an app buffer). Each
 * rule's fast pattern (its explicit fast_pattern, else its longest positive
 * content) goes into one Hyperscan literal database per buffer and, for
 * the payload, per (transport, direction) group; only rules whose fast
 * pattern occurs, plus the few without any content, are evaluated fully.
 * Rules that set flowbits are evaluated before rules that test them.
 *
 * Threads: a struct kn_sig_engine is immutable after kn_sig_engine_new()
 * and shared by all workers; each worker has its own struct kn_sig_ctx
 * (Hyperscan scratch, PCRE2 match data, flow state, thresholds). Per-flow
 * state (flowbits) hangs off kn_flow.sig and is freed by kn_sig_flow_end().
 * Thresholds and detection_filter count per worker (with one worker, as
 * Suricata counts them; with several, per worker: documented limitation).
 */
#ifndef KENCHI_SIG_H
#define KENCHI_SIG_H

#include <stddef.h>
#include <stdint.h>

#include "kenchi/app.h"
#include "kenchi/flow.h"
#include "kenchi/kenchi.h"
#include "kenchi/packet.h"
#include "kenchi/rules.h"

struct kn_sig_engine;
struct kn_sig_ctx;

/* What compiling a rule set did. */
struct kn_sig_build_stats {
	uint64_t rules;          /* rules in the set */
	uint64_t compiled;       /* in the engine */
	uint64_t skipped_unsupported; /* use a parsed-only keyword */
	uint64_t skipped_app;    /* application protocol kenchi does not parse (smb, ftp...) */
	uint64_t skipped_other;  /* pcre that PCRE2 refused, a mix the engine cannot
				  * inspect (payload and app buffers in one rule), non-alert actions */
	uint64_t prefiltered;    /* rules entered through a fast pattern */
	uint64_t always;         /* rules evaluated on every packet/tx of their group */
	uint64_t patterns;       /* distinct fast patterns */
	uint64_t databases;      /* Hyperscan databases */
	uint64_t db_bytes;       /* their size */
	double seconds;          /* wall time of the build */
};

/* Compiles every loaded rule of rs that the engine can match. rs must
 * outlive the engine (rules are borrowed). Rules the engine cannot match
 * are counted in st, each with its reason (kn_sig_engine_skip_reason). NULL
 * + err on no memory or a Hyperscan failure. */
KN_WARN_UNUSED struct kn_sig_engine *kn_sig_engine_new(const struct kn_ruleset *rs,
							struct kn_sig_build_stats *st,
							char *err);
void kn_sig_engine_free(struct kn_sig_engine *e);
/* Rules in the engine. */
size_t kn_sig_engine_compiled(const struct kn_sig_engine *e);
/* The rule set the engine was built from. */
const struct kn_ruleset *kn_sig_engine_rules(const struct kn_sig_engine *e);
/* Why rule i of the set is not in the engine, or NULL when it is. */
const char *kn_sig_engine_skip_reason(const struct kn_sig_engine *e, size_t rule_index);
/* The prefilter literal of rule i of the set (Hyperscan looks for it, the
 * rule is evaluated only where it occurs): its buffer ("payload" or an app
 * buffer name), bytes, length and case mode. 0 when the rule has none (it
 * is evaluated on every packet or transaction of its group) or is not in
 * the engine. Looks the rule up: for tools, not per packet. */
int kn_sig_engine_fast_pattern(const struct kn_sig_engine *e, size_t rule_index,
			       const char **buffer, const uint8_t **bytes, uint32_t *len,
			       int *nocase);

struct kn_sig_thresh_stats {
	uint64_t suppress, threshold;        /* entries applied */
	uint64_t rate_filter;                /* applied: new_action pass silences, alert keeps */
	uint64_t rate_filter_ignored;        /* new_action drop/reject: IPS verdicts, not applied */
};

/* Applies a threshold.config (Suricata's syntax: suppress, threshold,
 * event_filter, rate_filter lines) to the engine's rules; call before any
 * context uses the engine. 0, -KN_EIO, -KN_EFORMAT (err names the file,
 * line and the expected form), -KN_ENOMEM. */
KN_WARN_UNUSED int kn_sig_engine_load_thresholds(struct kn_sig_engine *e, const char *path,
						 struct kn_sig_thresh_stats *st, char *err);

/* An alert, handed to the callback and borrowed for its duration. Exactly
 * one of pkt and tx is set: a packet alert (payload/header rules) or a
 * transaction alert (rules on app buffers). */
struct kn_sig_alert {
	const struct kn_rule *rule;
	const char *category;    /* classification text of the classtype, "" when none */
	const struct kn_flow *flow;   /* may be NULL for packets without a flow */
	const struct kn_packet *pkt;
	const struct kn_tx *tx;
	const char *app_proto;   /* of the flow, NULL when none */
	int dir;                 /* 0: src is the flow's client, 1: src is the server */
	uint64_t ts_ns, pcap_cnt;
	const char *verdict;     /* EVE verdict.action ("alert": kenchi is passive) when
				  * kn_sig_config.alert_verdict, else NULL */
};

struct kn_sig_hooks {
	void (*alert)(void *user, const struct kn_sig_alert *a);
	void *user;
};

/* Rule profiling (kenchi rules profile): time and counts per rule and per
 * prefilter group, filled by one context (one worker: no locking). */
struct kn_sig_rule_prof {
	uint64_t checks;         /* full evaluations (candidates) */
	uint64_t matches;
	uint64_t ns;             /* time in those evaluations */
};

struct kn_sig_group_prof {
	uint64_t scans, bytes, ns;   /* prefilter scans of this group */
};

struct kn_sig_profile {
	size_t n_rules;                      /* of the rule set */
	struct kn_sig_rule_prof *rule;       /* by index in the rule set */
	unsigned n_groups;
	struct kn_sig_group_prof *group;     /* kn_sig_profile_group_name() names them */
};

/* A zeroed profile for engine e; NULL on no memory. */
struct kn_sig_profile *kn_sig_profile_new(const struct kn_sig_engine *e);
void kn_sig_profile_free(struct kn_sig_profile *p);
/* "payload tcp to_server", "http.uri"... for group g. */
const char *kn_sig_profile_group_name(unsigned g, char *buf, size_t n);

struct kn_sig_config {
	uint64_t memcap;         /* bytes of flow state and thresholds per worker */
	struct kn_sig_profile *profile;   /* NULL: no profiling (the normal case) */
	int tcp_checksums;       /* 1: tcpv4-csum / tcpv6-csum compute the checksum; 0: every
				  * TCP packet counts as valid (Suricata's -k none: captures
				  * with checksum offload would otherwise alert on every packet) */
	int midstream;           /* 1: TCP sessions picked up mid-stream (no client SYN,
				  * kn_flow_tcp_pickup) are reassembled (stream midstream)
				  * and so can be established for flow:established, as in
				  * Suricata with stream.midstream; 0: they never are */
	int async_oneside;       /* 1: the same for sessions whose first packet was the
				  * SYN/ACK (stream async_oneside) */
	uint32_t packet_alert_max; /* alerts reported per packet (and per transaction);
				  * the rest, later in rule order, are counted in
				  * alert_overflow (their flowbits still apply). 0 = no
				  * limit; default 15, Suricata's packet-alert-max */
	int alert_verdict;       /* 1: alerts carry verdict "alert" (kn_sig_alert.verdict) */
	int encryption_full;     /* 1: payload rules also inspect the packets of a flow the
				  * app layer found encrypted (kn_app_flow_opaque); 0 (the
				  * default): they skip them, as Suricata's TLS/SSH
				  * encryption-handling "default" does */
};

/* memcap 16 MiB, tcp_checksums 0, packet_alert_max 15. */
void kn_sig_config_default(struct kn_sig_config *cfg);

struct kn_sig_stats {
	uint64_t packets;        /* packets inspected */
	uint64_t txs;            /* transactions inspected */
	uint64_t candidates;     /* rules evaluated fully */
	uint64_t alerts;         /* alerts reported */
	uint64_t suppressed;     /* matches held back by threshold / detection_filter / noalert */
	uint64_t alert_overflow; /* alerts past packet_alert_max on one packet or tx */
	uint64_t encrypted;      /* packets whose payload was not inspected: encrypted */
	uint64_t memcap_refusals;
	uint64_t pcre_limit_hits, budget_hits;
	uint64_t mem_in_use, mem_peak;
};

/* A worker's context on engine e (borrowed: must outlive the context).
 * NULL + err on no memory. */
KN_WARN_UNUSED struct kn_sig_ctx *kn_sig_ctx_new(const struct kn_sig_engine *e,
						  const struct kn_sig_config *cfg,
						  const struct kn_sig_hooks *hooks, char *err);
void kn_sig_ctx_free(struct kn_sig_ctx *c);

/* A decoded packet (pkt->flow may be NULL): header and payload rules. */
void kn_sig_packet(struct kn_sig_ctx *c, const struct kn_packet *pkt);
/* A complete transaction of a flow: rules on its buffers. */
void kn_sig_tx(struct kn_sig_ctx *c, const struct kn_flow *flow, const char *app_proto,
	       const struct kn_tx *tx, uint64_t ts_ns, uint64_t pcap_cnt);
/* Decoder-event rules on the events a packet carries (pkt->flow may be
 * NULL: packets the decoder could not finish have none). */
void kn_sig_decoder(struct kn_sig_ctx *c, const struct kn_packet *pkt);
/* An application-layer event of a flow (app.h hooks: event "MEMCAP_REACHED",
 * "RESPONSE_HEADER_INVALID"...) for app-layer-event rules. */
void kn_sig_app_event(struct kn_sig_ctx *c, const struct kn_flow *flow, const char *app_proto,
		      int dir, const char *event, uint64_t ts_ns, uint64_t pcap_cnt);
/* The flow ends: its state is freed. */
void kn_sig_flow_end(struct kn_sig_ctx *c, struct kn_flow *flow);
/* 1 when an alert was reported on the flow (EVE flow.alerted). */
int kn_sig_flow_alerted(const struct kn_flow *flow);

/* Counters of the context (refreshed by the call). */
const struct kn_sig_stats *kn_sig_ctx_stats(struct kn_sig_ctx *c);

#endif
