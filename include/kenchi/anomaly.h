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

/* ---------------------------------------------------------------------------
 * KitNET: the scoring model on top of the features (Mirsky et al., NDSS 2018).
 *
 * An ensemble of small autoencoders scores each feature vector by how badly
 * it is reconstructed. kn_kitnet_process() goes through three phases:
 *   1. map (packets 0..fm_grace, i.e. fm_grace + 1 vectors, Kitsune-py's
 *      count): the correlation of every feature pair is accumulated; after
 *      the last of them the features are clustered (single-linkage
 *      agglomerative clustering of the correlation distance 1 - r, the
 *      dendrogram cut into clusters of at most max_ae features);
 *   2. train (the next ad_grace vectors): one autoencoder per cluster, then
 *      an output autoencoder fed with the ensemble's RMSEs, each trained by
 *      one SGD step per vector;
 *   3. score: nothing is learned any more; the output autoencoder's RMSE is
 *      returned (>= 0; 0 during phases 1-2).
 * Each autoencoder scales its inputs to [0, 1] with the minimum and maximum
 * seen in training, has ceil(hidden_ratio * n) sigmoid hidden units and tied
 * weights (decoder = transposed encoder, own biases), initial weights
 * uniform in [-1/n, 1/n] from a deterministic generator seeded by cfg.seed.
 * A non-finite input counts as 0, and a scaled input is clamped to +-1e6
 * (a million training ranges away), so scores are always finite. All
 * memory is allocated by kn_kitnet_new() (sized for the worst case map):
 * processing never allocates and cannot fail. An instance belongs to one
 * thread. Scoring runs in single precision on a copy of the trained
 * weights laid out for SIMD (src/anomaly/kitnet_exec.c): within 1e-5
 * relative (plus 1e-7) of training's double-precision arithmetic, and the
 * same bits on every x86-64, with or without AVX2.
 *
 * On the splices of shared/data/anomaly the best of the measured uses was
 * two models over the same features, one with log_inputs 0 and one with 1,
 * each score divided by its own model's kn_kitnet_threshold() and the larger
 * ratio kept (tests/unit/anomaly/kitnet_splices.c, mode "+both").
 * ------------------------------------------------------------------------- */

#define KN_KITNET_MAX_FEATURES 4096

struct kn_kitnet_config {
	unsigned n_features;       /* vector width, 1..KN_KITNET_MAX_FEATURES */
	unsigned max_ae;           /* most features per ensemble autoencoder, 1..n_features (10) */
	uint64_t fm_grace;         /* map phase: fm_grace + 1 vectors (5000) */
	uint64_t ad_grace;         /* training phase: ad_grace vectors, >= 1 (50000) */
	double lr;                 /* SGD learning rate, > 0 and finite (0.1) */
	double hidden_ratio;       /* hidden units per input, (0, 1] (0.75) */
	uint64_t seed;             /* weight initialisation (1) */
	double threshold_quantile; /* see kn_kitnet_threshold(), (0, 1] (1.0 = max) */
	int log_inputs;            /* 0: Kitsune's inputs (default); 1: kenchi's option, every
	                              input x becomes sign(x) * log(1 + |x|) before the model */
};

/* Kitsune's defaults (in parentheses above) for n_features inputs. */
void kn_kitnet_config_default(struct kn_kitnet_config *cfg, unsigned n_features);

enum kn_kitnet_phase { KN_KITNET_MAP = 0, KN_KITNET_TRAIN = 1, KN_KITNET_SCORE = 2 };

struct kn_kitnet_info {
	int phase;             /* enum kn_kitnet_phase */
	uint64_t processed;    /* vectors given to kn_kitnet_process() */
	unsigned n_features;
	unsigned n_ae;         /* ensemble autoencoders (clusters); 0 before the map */
	double threshold;      /* kn_kitnet_threshold() */
	uint64_t memory;       /* bytes held */
};

struct kn_kitnet;

/* New untrained model. NULL with the reason in errbuf on a bad config or
 * out of memory (-KN_EINVAL / -KN_ENOMEM situations). */
KN_WARN_UNUSED struct kn_kitnet *kn_kitnet_new(const struct kn_kitnet_config *cfg, char *errbuf);
/* NULL is a no-op. */
void kn_kitnet_free(struct kn_kitnet *k);

/* One feature vector (cfg.n_features doubles): learns from it during the
 * map and training phases and returns 0, then returns its anomaly score
 * (output RMSE, >= 0, finite). Cannot fail. */
double kn_kitnet_process(struct kn_kitnet *k, const double *x);
/* Two models over the same vector x (the same n_features): s[0] =
 * kn_kitnet_process(a, x), s[1] = kn_kitnet_process(b, x), the same bits;
 * when both score with the same kernel, their work is interleaved, which
 * is faster than the two calls (the model of kn_model_new() with two
 * ensembles runs this way). a and b must differ. */
void kn_kitnet_process2(struct kn_kitnet *a, struct kn_kitnet *b, const double *x, double s[2]);

/* Threshold calibrated on the training phase: the threshold_quantile
 * quantile (nearest rank; 1.0 = the maximum) of the output RMSEs of the
 * last half of the training vectors (at most 65,536 of them), each computed
 * before that vector's own SGD step, i.e. as it would have been scored.
 * NAN before the scoring phase. */
double kn_kitnet_threshold(const struct kn_kitnet *k);

void kn_kitnet_get_info(const struct kn_kitnet *k, struct kn_kitnet_info *info);

/* Saves a model in the scoring phase to path (format: src/anomaly/kitnet_io.c,
 * "KNKITNET" version 1, little-endian, FNV-1a checksum). 0, or -KN_EINVAL
 * (not trained yet) / -KN_EIO with the reason in errbuf. */
KN_WARN_UNUSED int kn_kitnet_save(const struct kn_kitnet *k, const char *path, char *errbuf);
/* The same into a new buffer (*out, owned by the caller, freed with
 * kn_free) of *out_len bytes. 0, -KN_EINVAL (not trained) or -KN_ENOMEM. */
KN_WARN_UNUSED int kn_kitnet_save_mem(const struct kn_kitnet *k, uint8_t **out, size_t *out_len,
				      char *errbuf);
/* Loads a saved model (scoring phase; scores equal the saved model's bit
 * for bit). NULL with a one-line reason naming the file and byte offset on
 * an unreadable, truncated, corrupt or inconsistent file or out of memory. */
KN_WARN_UNUSED struct kn_kitnet *kn_kitnet_load(const char *path, char *errbuf);
/* The same from memory; name is used in error messages. */
KN_WARN_UNUSED struct kn_kitnet *kn_kitnet_load_mem(const void *buf, size_t len, const char *name,
						    char *errbuf);

#endif

/*
 * ---- DGA names (dga.c, dga_model.c) ----
 *
 * Scores a DNS name for how much its most telling label looks generated by a
 * domain generation algorithm. A model holds a character trigram language
 * model of normal labels (Witten-Bell smoothed, trained from a word list such
 * as Debian's wamerican plus benign names, e.g. the names seen locally), a
 * dictionary of the word list (hashes of words of 3 to 20 letters) for
 * word-segmentation features, and a classifier over 25 features of the label
 * (the language model's bits per character, the spread of its per-character
 * cost and its dearest 4-character window, length, digit/vowel ratios,
 * consonant and vowel runs, entropy, distinct characters, dictionary
 * coverage with and without 3-letter words, vowel/consonant alternation,
 * ...). When known DGA names are given, the classifier (the mean of 5 nets
 * of one hidden layer of 16 tanh units, each from its own seed) is fitted on
 * the benign names against them; DGA names may be grouped by family
 * (kn_dga_trainer_group), a family then weighing the square root of its
 * size. Without any DGA names it scores by the language model's bits per
 * character alone. The threshold is chosen on the benign training names (a
 * target false positive rate), with benign features cross-fitted (2 folds)
 * so the benign names in the language model do not make the threshold
 * optimistic.
 *
 * The label scored is the longest label left of the public suffix (the last
 * label, or the last two when they look like "com.br" / "co.uk"); ties go to
 * the rightmost. So "www.google.com" scores "google" and
 * "x3fq9k2.ddns.net" scores "x3fq9k2". Cost per name: one pass over the
 * label, a dictionary segmentation of at most 63 * 18 lookups in a hash
 * table (built at training or loading: 16 to 32 bytes a word) and the 5
 * nets (2,000 multiply-adds, 80 exp); no allocation. A model is immutable
 * after training or loading and can be shared by threads.
 *
 * Saved form (kn_dga_model_save): "KNDGA" magic, version 2 (version 1, 16
 * features and one net, is refused with a "retrain" message), little-endian
 * sizes, the trigram log-probability table, the sorted dictionary hashes,
 * the feature scaling, weights and threshold. The loader checks every size,
 * that probabilities are finite and each context's distribution sums to 1,
 * that hashes are strictly increasing, that the weights are finite.
 */
#ifndef KENCHI_ANOMALY_DGA_H
#define KENCHI_ANOMALY_DGA_H

#include <stddef.h>
#include <stdint.h>

#include "kenchi/kenchi.h"

#define KN_DGA_FEATURES 25
#define KN_DGA_LABEL_MAX 63       /* longer labels are scored on their first 63 bytes */
#define KN_DGA_MAX_WORDS (1u << 20)  /* dictionary entries a model may hold */
#define KN_DGA_MAX_GROUPS 1024       /* groups of DGA names (kn_dga_trainer_group) */

/* What a training line is. */
enum kn_dga_kind {
	KN_DGA_WORD = 0,    /* a dictionary word: language model and dictionary */
	KN_DGA_BENIGN = 1,  /* a benign DNS name: language model and classifier */
	KN_DGA_DGA = 2,     /* a known DGA name: classifier only */
};

struct kn_dga_trainer;
struct kn_dga_model;

/* New empty trainer; NULL with the reason in errbuf when out of memory. */
KN_WARN_UNUSED struct kn_dga_trainer *kn_dga_trainer_new(char *errbuf);
/* NULL is a no-op. */
void kn_dga_trainer_free(struct kn_dga_trainer *tr);

/* Adds one word or name (len bytes, no NUL needed; surrounding blanks and a
 * trailing dot are ignored, upper case folded). Returns 1 when added, 0 when
 * skipped (empty, longer than 253 bytes, a word with characters other than
 * letters, a name with no scorable label, or a word list entry beyond
 * KN_DGA_MAX_WORDS), -KN_EINVAL on a bad kind, -KN_ENOMEM. */
KN_WARN_UNUSED int kn_dga_trainer_add(struct kn_dga_trainer *tr, const char *s, size_t len,
				      enum kn_dga_kind kind);

/* Sets the group (e.g. the malware family, 0 to KN_DGA_MAX_GROUPS - 1) of
 * the DGA names added next; 0 until set. In the classifier's DGA class a
 * group of n names weighs sqrt(n) (not n), so that a family with many
 * names does not crowd out the others. 0 or -KN_EINVAL when group is out
 * of range. */
KN_WARN_UNUSED int kn_dga_trainer_group(struct kn_dga_trainer *tr, unsigned group);

/* Adds every line of buf (LF or CRLF) as kn_dga_trainer_add() would.
 * Returns the number added (skipped lines are counted in *skipped when
 * skipped is not NULL), or a negative error. */
KN_WARN_UNUSED long kn_dga_trainer_add_lines(struct kn_dga_trainer *tr, const char *buf,
					     size_t len, enum kn_dga_kind kind, size_t *skipped);

/* Builds the model. target_fpr in (0, 0.5]: the threshold is the smallest
 * score above which at most that fraction of the (cross-fitted) benign
 * training names fall. NULL with the reason in errbuf when there are fewer
 * than 20 benign names or out of memory. The trainer stays usable. */
KN_WARN_UNUSED struct kn_dga_model *kn_dga_trainer_finish(struct kn_dga_trainer *tr,
							  double target_fpr, char *errbuf);

/* NULL is a no-op. */
void kn_dga_model_free(struct kn_dga_model *m);

/* Score in [0, 1] above which a name is reported as DGA-like. */
double kn_dga_model_threshold(const struct kn_dga_model *m);

/* What kn_dga_score_name() found. */
struct kn_dga_result {
	double score;          /* [0, 1]; >= threshold means DGA-like */
	double bits_per_char;  /* the language model's cost of the label */
	size_t label_off;      /* the label scored: name[label_off, +label_len) */
	size_t label_len;
	double features[KN_DGA_FEATURES];  /* unscaled, for explanations */
};

/* Scores a dotted DNS name (len bytes; a trailing dot is ignored). Returns
 * 1 when a label was scored, 0 when the name has none (empty, only a
 * suffix, or a label of other than letters, digits, '-' and '_'), in which
 * case out->score is 0. Cannot fail otherwise. */
int kn_dga_score_name(const struct kn_dga_model *m, const char *name, size_t len,
		      struct kn_dga_result *out);

/* Serialises the model into a new buffer (*out, owned by the caller, freed
 * with kn_free) of *out_len bytes. 0 or -KN_ENOMEM. */
KN_WARN_UNUSED int kn_dga_model_save(const struct kn_dga_model *m, uint8_t **out,
				     size_t *out_len);
/* Loads a saved model from memory. NULL with a one-line reason in errbuf
 * (bad magic, unsupported version, size mismatch, invalid table) or when
 * out of memory. */
KN_WARN_UNUSED struct kn_dga_model *kn_dga_model_load(const uint8_t *buf, size_t len,
						      char *errbuf);
/* File forms of the two above; errors name the path. */
KN_WARN_UNUSED int kn_dga_model_save_file(const struct kn_dga_model *m, const char *path,
					  char *errbuf);
KN_WARN_UNUSED struct kn_dga_model *kn_dga_model_load_file(const char *path, char *errbuf);

#endif
