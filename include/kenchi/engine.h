/*
 * engine.h - the sensor pipeline assembled: capture -> decode -> flow ->
 * stream -> output, on one thread or on one reader plus N workers.
 *
 * Threads: with workers == 1 everything runs on the caller's thread. With
 * workers >= 2 the caller's thread reads and decodes, and hands each IP
 * packet to worker (hash % N) through a single-producer single-consumer
 * ring; each worker owns its flow table, stream context and EVE batch, so
 * the per-packet path takes no lock. Flow events are identical (as a set)
 * for any number of workers: timeouts are decided on one global packet
 * clock that travels with every packet.
 */
#ifndef KENCHI_ENGINE_H
#define KENCHI_ENGINE_H

#include <stdint.h>
#include <stdio.h>

#include "kenchi/decode.h"
#include "kenchi/detector.h"
#include "kenchi/sig.h"
#include "kenchi/eve.h"
#include "kenchi/flow.h"
#include "kenchi/kenchi.h"
#include "kenchi/model.h"
#include "kenchi/stream.h"
#include "kenchi/vuln.h"

#define KN_MAX_WORKERS 64

struct kn_engine_config {
	/* Input: either capture files (read in order, one packet numbering and
	 * one flow table across them) or one live interface. */
	const char *const *files;
	unsigned n_files;
	const char *iface;
	const char *bpf;          /* live only; NULL = no filter */
	int snaplen;              /* live only */
	int promisc;              /* live only */

	unsigned workers;         /* 1..KN_MAX_WORKERS */

	/* Output: kind (enum kn_eve_kind) and path (file or socket; ignored for stdout). */
	int eve_kind;
	const char *eve_path;
	int log_decode_anomalies; /* one anomaly event per decoder event */
	uint32_t decode_events_rate; /* at most this many anomaly events per decoder event
	                                kind per second of packet time (0 = no limit); the
	                                rest are counted as suppressed, never lost */
	uint16_t community_id_seed;

	uint64_t stats_interval_ms;  /* periodic stats events (wall clock), 0 = only final */
	int progress;                /* progress line on stderr while reading files */

	struct kn_decode_config decode;
	struct kn_flow_config flow;
	struct kn_stream_config stream;
	struct kn_app_config app;

	/* Vulnerability feeds (NVD CVE API 2.0 JSON files), loaded once by
	 * kn_engine_new and shared read-only by the workers; none = assets and
	 * weak TLS only. */
	const char *const *vuln_feeds;
	unsigned n_vuln_feeds;
	struct kn_vuln_config vuln;

	/* Behaviour detectors (detector.h): each worker runs them on its flows'
	 * transactions and packets. */
	struct kn_detect_config detect;
	/* Per-packet verdicts of the detectors (verdict.c): a "packet,score"
	 * CSV line for every packet, the highest score of a finding about the
	 * packet's source or destination (IP address, or Ethernet address for
	 * link-layer findings) made at or before it and at most verdict_latch_s
	 * of packet time before it (default 600), 0 otherwise. The hosts are
	 * kept in a table of verdict_memcap bytes (default 4 MiB; the least
	 * recently reported host is evicted). Needs workers == 1 (the lines
	 * come out in packet order). NULL: off. */
	const char *detect_scores;
	double verdict_latch_s;
	uint64_t verdict_memcap;

	/* Online anomaly model (model.h): fed every decoded packet on the
	 * reader thread (Kitsune's host statistics need all of a host's
	 * packets, whichever worker owns the flow), so it works the same with
	 * any number of workers. Packets scoring above the trained threshold
	 * are "anomaly" events of detector "kitnet" (rate-limited per source
	 * host like the detectors: detect.repeat_s). Off unless model_path or
	 * model.train_packets (with model_online) is given. */
	const char *model_path;      /* load a trained model (kenchi train) */
	int model_online;            /* train on the first model.train_packets packets */
	struct kn_model_config model;/* the online training settings */
	const char *model_out;       /* save the online-trained model here */
	const char *model_scores;    /* per-packet "packet,score" CSV (scored packets) */
	uint64_t model_memcap;       /* a loaded model's feature tables (0: as trained) */

	/* Signatures (sig.h): a compiled rule set shared read-only by the
	 * workers (borrowed: must outlive the engine), NULL = none. */
	const struct kn_sig_engine *sig;
	struct kn_sig_config sig_cfg;
};

/* Defaults: 1 worker, eve.json in the current directory, decode anomalies
 * logged, stats every 8 s, stage defaults. */
void kn_engine_config_default(struct kn_engine_config *cfg);

/* Totals of a run, for the summary and for tests. */
struct kn_engine_totals {
	uint64_t packets, bytes, ip_packets, decoder_events, invalid;
	uint64_t flows, flow_events, flow_pkts, flow_bytes;
	uint64_t ended_timeout, ended_forced, ended_shutdown;
	uint64_t tcp_acked, tcp_one_way;   /* kn_flow_stats: TCP seen one side only */
	uint64_t flow_memcap_drops;  /* IP packets in no flow: flow memcap or ring memcap */
	uint64_t stream_bytes, stream_gaps;
	uint64_t app_txs, app_events, app_flows, app_failed;
	uint64_t alerts;             /* signature alerts */
	uint64_t model_scored, model_reports; /* online anomaly model */
	uint64_t mem_peak_app;
	uint64_t capture_drops, capture_ifdrops;
	uint64_t eve_events, eve_dropped, eve_write_errors;
	uint64_t mem_peak_flow, mem_peak_stream, mem_peak_defrag;
	uint64_t mem_peak_sig;       /* signature state, all workers */
	uint64_t mem_detect;         /* behaviour detectors' tables, largest worker */
	double wall_s, cpu_s;
};

struct kn_engine;

KN_WARN_UNUSED struct kn_engine *kn_engine_new(const struct kn_engine_config *cfg, char *errbuf);

/* Runs until every input is consumed, kn_engine_stop() is called or an
 * input fails. All flows are flushed and all events written in every
 * case. Returns 0, or a negative -KN_E code with errbuf naming the file and
 * byte offset of the fault (everything before it was processed). */
KN_WARN_UNUSED int kn_engine_run(struct kn_engine *e, char *errbuf);

/* Live rule reload: makes sig the engine's signature engine (any thread,
 * while kn_engine_run runs; the engine must have been created with a
 * cfg.sig). Each worker, and the reader for decoder-event rules, switches
 * to it at its next packet: no packet waits for the switch and none is
 * skipped. Flowbits of live flows carry over (their ids are name hashes);
 * threshold counters start again. The previous engine stays in use until
 * kn_engine_sig_in_use() says it is not: only then may it be freed. */
void kn_engine_set_sig(struct kn_engine *e, const struct kn_sig_engine *sig);
int kn_engine_sig_in_use(struct kn_engine *e, const struct kn_sig_engine *sig);

/* Async-signal-safe requests: stop reading; reopen the EVE file. */
void kn_engine_stop(struct kn_engine *e);
void kn_engine_rotate(struct kn_engine *e);

void kn_engine_totals(const struct kn_engine *e, struct kn_engine_totals *out);
/* Writes the human summary of the run. */
void kn_engine_summary(const struct kn_engine *e, FILE *out);

/* The engine's vulnerability feed (owned by the engine; empty when no
 * feed file was given), e.g. for kn_vuln_feed_stats(). */
const struct kn_vuln_feed *kn_engine_vuln_feed(const struct kn_engine *e);

void kn_engine_free(struct kn_engine *e);

#endif
