/*
 * detector.h - behaviour detectors: registered `kn_detector`s that watch
 * packets and application transactions for what no signature names (DNS
 * tunnels first; scans, beacons, DGA and exfiltration follow the same
 * shape), each with its own configuration and memory cap, reporting
 * `anomaly` events with a score, the detector's name, an explanation an
 * analyst can read and the evidence behind it.
 *
 * Pipeline position: app -> DETECT. A worker owns one struct kn_detect_ctx
 * and feeds it every transaction the app layer logs (kn_detect_tx) and
 * every packet of a flow (kn_detect_packet). A detector reports through
 * kn_detect_report(); the context rate-limits reports per detector, event
 * and key (one report of each per `repeat_s` of packet time unless the
 * score grows by half) and hands them to the caller's callback, which
 * writes the EVE event (kn_eve_detection).
 *
 * Adding a detector is one `const struct kn_detector` in its own file under
 * src/anomaly/ and one line in the registry (src/anomaly/detectors.c).
 */
#ifndef KENCHI_DETECTOR_H
#define KENCHI_DETECTOR_H

#include <stddef.h>
#include <stdio.h>
#include <stdint.h>

#include "kenchi/app.h"
#include "kenchi/flow.h"
#include "kenchi/kenchi.h"
#include "kenchi/packet.h"

struct kn_json;

/* One finding. The strings are borrowed for the duration of the callback. */
struct kn_detection {
	const char *detector;      /* registry name, e.g. "dns_tunnel" */
	const char *event;         /* what was seen, e.g. "DNS_TUNNEL" */
	double score;              /* 0..1, higher = surer */
	const char *key;           /* what it is about (a base domain, a host) */
	const char *explanation;   /* one sentence for the analyst */
	const struct kn_flow *flow;/* the flow of the last evidence, or NULL */
	int dir;                   /* 0: the flow's src is the actor */
	uint64_t ts_ns, pcap_cnt;  /* the packet that tipped it */
	/* The host the finding is about (a scanner, a flood's victim, an ARP
	 * spoofer), whose later packets the per-packet verdicts mark
	 * (`kenchi run --detect-scores`): subject when subject_set, else the
	 * flow's side named by dir (0: src, 1: dst); subject_mac (with
	 * subject_mac_set) for findings about a link-layer host (ARP). */
	struct kn_addr subject;
	uint8_t subject_set, subject_v6, subject_mac_set;
	uint8_t subject_mac[6];
	/* Writes the evidence members into the open "evidence" object. */
	void (*evidence)(const void *arg, struct kn_json *j);
	const void *arg;
};

struct kn_detect_config {
	int enabled;               /* 0: no detector runs */
	uint64_t memcap;           /* bytes for all detectors' state (default 16 MiB) */
	double repeat_s;           /* seconds between reports of one key (default 300) */
	/* dns_tunnel */
	unsigned dns_min_label;    /* a "long" label has at least this many bytes (default 20) */
	unsigned dns_alert_queries;/* long, random-looking queries under one base domain
	                              that make a tunnel (default 2) */
	/* beacon */
	double beacon_learn_s;     /* channels periodic within this much packet time
	                              of the first packet are known heartbeats (default 300) */
	/* exfil, rarity, dark_addr: the baseline / first-seen learning period in
	 * packet time from the first packet the detector saw (default 300 s) */
	double learn_s;
	/* exfil: a host's upload to external addresses in one 60 s window is
	 * reported when it is at least exfil_min_bytes (default 256 KiB) and
	 * exfil_ratio times its own baseline (default 10) */
	uint64_t exfil_min_bytes;
	double exfil_ratio;
	/* Internal ("home") networks: up to KN_DETECT_PREFIXES; none = RFC 1918,
	 * 100.64/10, 169.254/16, fc00::/7 and fe80::/10. dark_nets: unused
	 * address space the sensor watches (darknet mode of dark_addr). */
	struct kn_detect_prefix {
		struct kn_addr addr;   /* IPv4 in b[0..3], rest zero */
		uint8_t bits, v6;
	} home_nets[8], dark_nets[8];
	unsigned n_home_nets, n_dark_nets;
	/* dga: a saved DGA model (kn_dga_model_save_file); NULL = the dga
	 * detector does not run */
	const char *dga_model;
	/* arp: a sender asking for at least arp_scan_targets distinct IPv4
	 * addresses (default 16) within arp_scan_window_s (default 10), fewer
	 * than half of them answered, is sweeping; an IPv4 address claimed by a
	 * new MAC while the MAC it is bound to asserted it within arp_alive_s
	 * (default 600) is being spoofed by the new MAC. */
	unsigned arp_scan_targets;
	double arp_scan_window_s, arp_alive_s;
	/* flood: a host receiving at least flood_min_syns TCP SYNs within 10 s
	 * of which at most a tenth complete the handshake (default 200) */
	unsigned flood_min_syns;
	/* reflection: a host receiving at least reflect_min_packets unsolicited
	 * UDP datagrams from amplifier ports of at least reflect_min_sources
	 * external hosts within 10 s (defaults 50 and 16) */
	unsigned reflect_min_packets, reflect_min_sources;
	/* brute_force: one client's new connections to one login service of a
	 * host within 60 s (default 8), or its failed logins there (FTP 530,
	 * SMTP 535) within 60 s (default 3) */
	unsigned brute_min_conns, brute_min_failures;
	/* icmp_tunnel: echoes of one pair whose payload is no ping fill
	 * pattern before a report (default 3) */
	unsigned icmp_tunnel_min_echoes;
	/* doh: the score of a connection to a public DNS-over-HTTPS/TLS
	 * resolver (a policy finding; default 0.3) */
	double doh_score;
};
#define KN_DETECT_PREFIXES 8

/* Parses a comma-separated list of CIDR prefixes ("10.0.0.0/8,fd00::/8"; a
 * bare address is /32 or /128) into out[max]. Returns the count, or
 * -KN_EINVAL with the offending item and the fix in errbuf. */
KN_WARN_UNUSED int kn_detect_parse_prefixes(const char *list, struct kn_detect_prefix *out,
					    unsigned max, char *errbuf);
/* 1 when a (v6 or IPv4) is inside one of the n prefixes. */
int kn_detect_prefix_match(const struct kn_detect_prefix *p, unsigned n,
			   const struct kn_addr *a, int v6);

void kn_detect_config_default(struct kn_detect_config *cfg);

/* Sets one numeric setting of cfg by its field name ("brute_min_failures",
 * "repeat_s", ... as in struct kn_detect_config; sizes take K/M/G) from
 * text, checked for type and range. 0, or -KN_EINVAL with the setting, the
 * value and the accepted range (or, for an unknown name, every name) in
 * errbuf. */
KN_WARN_UNUSED int kn_detect_config_set(struct kn_detect_config *cfg, const char *name,
					const char *value, char *errbuf);
/* The settings kn_detect_config_set takes: name, range and what it does,
 * with the value in cfg, one per line, to f. */
void kn_detect_config_print(const struct kn_detect_config *cfg, FILE *f);

/* The registered detectors' names in registry order (the EVE
 * anomaly.detector values): up to max into out; returns how many exist. */
size_t kn_detect_names(const char **out, size_t max);

struct kn_detect_stats {
	uint64_t tx_seen, reports, suppressed, evicted;
	uint64_t memuse;
};

struct kn_detect_callbacks {
	void (*report)(void *user, const struct kn_detection *d);
	/* Optional: every finding of a detector without KN_DETECTOR_INFO,
	 * before rate limiting (a suppressed repeat still renews the host's
	 * per-packet verdict), called before report. */
	void (*verdict)(void *user, const struct kn_detection *d);
	void *user;
};

struct kn_detect_ctx;
struct kn_detect_call;     /* what a detector's hooks are given to report with */

/* kn_detector.flags */
enum kn_detector_flag {
	/* Findings are informational (first-seen items), not about a host's
	 * behaviour: they do not mark the subject's later packets. */
	KN_DETECTOR_INFO = 1u << 0,
	/* The packet hook also gets link-layer packets without a flow (ARP,
	 * KN_PKT_ARP); without this flag it sees only packets with a flow. */
	KN_DETECTOR_LINK = 1u << 1,
};

/* A detector: its state lives in ctx_size bytes the context allocates. */
struct kn_detector {
	const char *name;
	size_t ctx_size;
	unsigned flags;            /* enum kn_detector_flag */
	/* 0, or -KN_ENOMEM / -KN_EINVAL with the reason in errbuf. `budget` is
	 * this detector's share of the memcap in bytes. */
	int (*init)(void *state, const struct kn_detect_config *cfg, uint64_t budget,
		    char *errbuf);
	void (*fini)(void *state);
	/* Optional hooks. */
	void (*tx)(void *state, struct kn_detect_call *c, const struct kn_flow *f,
		   const char *app_proto, const struct kn_tx *tx);
	void (*packet)(void *state, struct kn_detect_call *c, const struct kn_packet *p);
	/* Bytes of state in use, for stats. */
	uint64_t (*memuse)(const void *state);
};

/* NULL with errbuf on a bad config or no memory. */
KN_WARN_UNUSED struct kn_detect_ctx *kn_detect_ctx_new(const struct kn_detect_config *cfg,
						       const struct kn_detect_callbacks *cb,
						       char *errbuf);
void kn_detect_ctx_free(struct kn_detect_ctx *c);

/* A logged transaction (ts_ns and pcap_cnt of the packet that completed it). */
void kn_detect_tx(struct kn_detect_ctx *c, const struct kn_flow *f, const char *app_proto,
		  const struct kn_tx *tx, uint64_t ts_ns, uint64_t pcap_cnt);
/* A packet of a flow (after flow lookup), or a link-layer packet without a
 * flow (ARP: p->flow NULL, only for KN_DETECTOR_LINK detectors). */
void kn_detect_packet(struct kn_detect_ctx *c, const struct kn_packet *p);

void kn_detect_stats(const struct kn_detect_ctx *c, struct kn_detect_stats *out);

/* For detectors: the time and packet of the current call, and the report. */
uint64_t kn_detect_time_ns(const struct kn_detect_call *c);
uint64_t kn_detect_pcap_cnt(const struct kn_detect_call *c);
/* Reports d (its detector, ts_ns and pcap_cnt are filled in when 0/NULL),
 * unless the same detector reported the same event about the same key
 * within repeat_s and d's score is not half again that report's. Returns 1
 * when reported, 0 when suppressed. */
int kn_detect_report(struct kn_detect_call *c, struct kn_detection *d);
/* An address as text for keys and explanations: dotted IPv4, or IPv6 as
 * eight uncompressed hex groups (v6 set). Cut to fit n bytes. */
void kn_detect_addr_text(const struct kn_addr *a, int v6, char *out, size_t n);
/* An Ethernet address as "aa:bb:cc:dd:ee:ff" (18 bytes with the NUL; cut
 * to fit n). */
void kn_detect_mac_text(const uint8_t mac[6], char *out, size_t n);

#endif
