/*
 * anomaly.h - the online anomaly model's per-packet feature extractor:
 * damped incremental statistics over five decay windows, after the
 * "AfterImage" of Kitsune (Mirsky et al., NDSS 2018).
 *
 * Pipeline position: capture -> decode -> ANOMALY (features, then the
 * autoencoder ensemble that scores them). A struct kn_afterimage keeps, per
 * decay factor lambda in {5, 3, 1, 0.1, 0.01} (1/s; a weight halves every
 * 1/lambda seconds), a weight w, linear sum LS and squared sum SS for each
 * stream: every sum is multiplied by 2^(-lambda * dt) when the stream next
 * sees a packet dt seconds later, then the packet's value is added (w += 1).
 * mean = LS/w, variance = |SS/w - mean^2|. Two streams that talk to each
 * other also share a damped sum of residual products (approximate
 * covariance) from which radius, magnitude, covariance and correlation
 * coefficient are read. kn_afterimage_update() returns 100 features:
 *
 *   [0, 15)   MI_dir  per lambda: weight, mean, variance of frame sizes sent
 *                     by the source (MAC, IP) pair
 *   [15, 50)  HH      per lambda: weight, mean, variance of the source IP's
 *                     frame sizes, then radius, magnitude, covariance, pcc
 *                     between the source IP's and destination IP's streams
 *   [50, 65)  HH_jit  per lambda: weight, mean, variance of the time between
 *                     packets from source IP to destination IP
 *   [65, 100) HpHp    as HH with sockets (IP + port) as streams
 *
 * The "std" columns of Kitsune-py hold the variance, and its radius is
 * sqrt(var_a^2 + var_b^2); kenchi reproduces that (kn_afterimage_feature_name
 * gives Kitsune-py's header names). With kitsune_exact set (the default) the
 * statistics equal Kitsune-py's reference implementation bit for bit,
 * including its quirks (see features.c): a stream's packet also updates its
 * covariance with every stream it ever talked to. With kitsune_exact 0 only
 * the pair's own covariance is updated: bounded work per packet.
 *
 * Memory: one fixed-capacity table per key kind, sized from the memcap at
 * kn_afterimage_new(); when a table is full its least recently used entry is
 * evicted (a stream with its covariances). No allocation per packet. An
 * instance belongs to one thread.
 */
#ifndef KENCHI_ANOMALY_H
#define KENCHI_ANOMALY_H

#include <stddef.h>
#include <stdint.h>

#include "kenchi/kenchi.h"
#include "kenchi/packet.h"

#define KN_AI_LAMBDAS 5
#define KN_AI_FEATURES 100

/* What a packet is, as far as the feature keys go. */
enum kn_ai_kind {
	KN_AI_OTHER = 0, /* neither IP nor ARP: hosts are named by their MACs */
	KN_AI_IP = 1,    /* IPv4 or IPv6 (ip_version), ports per port_kind */
	KN_AI_ARP = 2,   /* ARP: src_ip/dst_ip = sender/target IPv4 (ip_version 4),
	                    or no addresses (ip_version 0) for non-IPv4 ARP */
};

/* What completes an IP address into a socket key (KN_AI_IP only). */
enum kn_ai_port_kind {
	KN_AI_PORTS_NONE = 0, /* no TCP/UDP ports and not ICMPv4 (e.g. ICMPv6, IGMP) */
	KN_AI_PORTS_L4 = 1,   /* TCP/UDP ports (of the quoted header for ICMP errors) */
	KN_AI_PORTS_ICMP = 2, /* ICMPv4 without quoted ports */
};

/* The fields the extractor reads from a packet. Zero every byte before
 * filling it by hand (unused addresses must be zero). */
struct kn_ai_packet {
	uint64_t ts_ns;        /* capture time, ns since the epoch */
	uint32_t frame_len;    /* length on the wire */
	uint8_t kind;          /* enum kn_ai_kind */
	uint8_t ip_version;    /* 4 or 6 (IP), 4 or 0 (ARP), 0 (OTHER) */
	uint8_t port_kind;     /* enum kn_ai_port_kind */
	uint8_t has_mac;       /* src_mac/dst_mac hold the Ethernet addresses */
	uint8_t proto;         /* IP protocol number (informational) */
	uint8_t icmp_type, icmp_code;
	uint8_t src_mac[6], dst_mac[6];
	struct kn_addr src_ip, dst_ip;
	uint16_t sport, dport; /* with KN_AI_PORTS_L4 */
};

/* Fills *out from a decoded packet. decode_rc is kn_decode()'s return value:
 * IP and HELD packets give KN_AI_IP (the innermost IP layer; a held fragment
 * has no ports), OTHER ones are parsed for ARP from the frame (Ethernet,
 * 802.1Q/ad tags), else KN_AI_OTHER. MACs come from an Ethernet link layer.
 * Never reads past pkt->caplen.
 *
 * Kitsune-py reads tshark's first occurrence of each field, so it differs
 * where kenchi's decoder is more precise: in a tunnel it pairs the OUTER IP
 * addresses with the inner ports (kenchi: innermost addresses and ports);
 * it sees every IP fragment as a frame (kenchi: the reassembled datagram,
 * its length, no MACs); and its keys are concatenated text, so
 * "10.0.0.1" + "53" and "10.0.0.15" + "3" are one socket to it (not here).
 * None of these occur in the reference capture. */
void kn_ai_packet_from(const struct kn_packet *pkt, int decode_rc, struct kn_ai_packet *out);

struct kn_afterimage_config {
	uint64_t memcap;     /* bytes for all tables; default 64 MiB, minimum 1 MiB */
	int kitsune_exact;   /* 1: Kitsune-py's semantics (default); 0: pair-only covariance */
};

/* memcap 64 MiB, kitsune_exact 1. */
void kn_afterimage_config_default(struct kn_afterimage_config *cfg);

struct kn_afterimage_stats {
	uint64_t packets;
	uint64_t entries[6];    /* in use: MI, HH streams, HH pairs, jitter, HpHp streams, HpHp pairs */
	uint64_t capacity[6];   /* table capacities, same order */
	uint64_t evictions[6];  /* least recently used entries dropped for a new one */
	uint64_t memory;        /* bytes allocated, <= memcap */
};

struct kn_afterimage;

/* New extractor (cfg NULL = defaults). NULL with the reason in errbuf on a
 * memcap below 1 MiB or out of memory. */
KN_WARN_UNUSED struct kn_afterimage *kn_afterimage_new(const struct kn_afterimage_config *cfg,
						       char *errbuf);
/* NULL is a no-op. */
void kn_afterimage_free(struct kn_afterimage *ai);

/* Adds one packet to the statistics and writes its KN_AI_FEATURES features
 * to out (layout in the file comment). Packets must come in capture order;
 * one earlier than its predecessor is treated as simultaneous with the
 * latest time its streams saw (no negative decay). Cannot fail. */
void kn_afterimage_update(struct kn_afterimage *ai, const struct kn_ai_packet *p,
			  double out[KN_AI_FEATURES]);

void kn_afterimage_get_stats(const struct kn_afterimage *ai, struct kn_afterimage_stats *st);

/* Kitsune-py's header name of feature i ("MI_dir_5_weight", "HH_0.1_pcc_0_1",
 * "HH_jit_1_std", ...) written to buf; returns buf, or NULL when i >= 100 or
 * len is too small (64 bytes always suffice). */
const char *kn_afterimage_feature_name(unsigned i, char *buf, size_t len);

/* Capture time in seconds as the nearest double to ts_ns / 1e9 (what a
 * reader of tshark's decimal frame.time_epoch gets). Exposed for tests. */
double kn_afterimage_seconds(uint64_t ts_ns);

#endif
