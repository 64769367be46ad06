/*
 * engine_int.h - private structures of the engine (src/engine): the worker
 * (flow table + stream context + EVE batch of one thread), the SPSC ring
 * that feeds it in threaded mode, and the engine object itself.
 */
#ifndef KN_ENGINE_INT_H
#define KN_ENGINE_INT_H

#include <pthread.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdio.h>

#include "kenchi/capture.h"
#include "kenchi/engine.h"
#include "util/alloc.h"
#include "util/json.h"
#include "verdict.h"

/* Counters a worker publishes for the stats thread (copied under lock at
 * most every few thousand packets, never per packet). */
struct worker_stats {
	struct kn_flow_stats flow;
	struct kn_stream_stats stream;
	struct kn_app_stats app;
	struct kn_vuln_stats vuln;
	struct kn_sig_stats sig;
	uint64_t flow_events, flow_pkts, flow_bytes, json_overflows;
	uint64_t stream_bytes, stream_gaps;
};

enum slot_kind { SLOT_PACKET = 0, SLOT_TICK, SLOT_END };

#define SLOT_INLINE 1792

struct ring_slot {
	struct kn_packet pkt;
	uint64_t now_ns;          /* packet clock when the packet was read */
	uint64_t peak_ns;         /* highest clock since this worker's previous slot */
	uint32_t kind;            /* enum slot_kind */
	uint32_t big_cap;
	uint8_t *big;             /* owned; for frames larger than SLOT_INLINE */
	uint8_t data[SLOT_INLINE];
};

struct ring {
	_Alignas(64) _Atomic uint64_t head;  /* written by the producer */
	_Alignas(64) _Atomic uint64_t tail;  /* written by the consumer */
	_Alignas(64) uint64_t size, mask;
	struct ring_slot *slots;
};

/* A worker's Community IDs of live flows with app-layer events (see
 * flow_cid() in worker.c): sets of WORKER_CID_WAYS slots, the set chosen by
 * flow id. 1024 slots of 88 bytes: enough for the flows with app-layer
 * events alive at once in busy captures (~500 on mix.pcap). */
#define WORKER_CID_SETS 256   /* a power of two */
#define WORKER_CID_WAYS 4

struct worker_cid_cache {
	uint64_t flow_id[WORKER_CID_SETS][WORKER_CID_WAYS];  /* 0 = free slot */
	struct worker_cid {
		struct kn_flow_key key;
		char cid[KN_COMMUNITY_ID_LEN];
	} slot[WORKER_CID_SETS][WORKER_CID_WAYS];
};

/* Bytes of EVE lines a worker batches per sink write: 256 KiB, a few
 * hundred events per write system call (64 KiB took four times as many
 * calls for the same bytes). */
#define WORKER_EVE_BATCH (256u << 10)

struct worker {
	unsigned id;
	struct kn_engine *eng;
	struct kn_flow_table *flows;
	struct kn_stream_ctx *streams;
	struct kn_app_ctx *app;
	struct kn_vuln_ctx *vuln;     /* assets and vulnerabilities (borrows eng->vuln_feed) */
	struct kn_detect_ctx *det;    /* behaviour detectors */
	struct kn_sig_ctx *sig;       /* signatures (NULL without rules) */
	uint64_t sig_gen;             /* generation of the engine sig uses */
	struct kn_sig_stats sig_base; /* counters of the contexts replaced by reloads */
	_Atomic(const struct kn_sig_engine *) sig_engine;  /* read by the reload thread */
	struct kn_eve_writer eve;
	struct kn_json json;
	uint16_t cid_seed;
	struct kn_community_id_ctx *cid_ctx;  /* owned: this thread's SHA-1 state */
	struct worker_cid_cache *cid_cache;   /* owned */
	uint64_t flow_events, flow_pkts, flow_bytes, json_overflows;
	uint64_t stream_bytes, stream_gaps, since_publish;
	const struct kn_packet *cur_pkt;  /* the packet being processed (flow-less findings) */

	/* threaded mode only */
	struct ring ring;
	uint64_t peak_ns;         /* reader side: highest clock since the last slot sent */
	uint64_t ring_big_bytes;  /* reader side: bytes of the slots' large-frame buffers */
	pthread_t thread;
	int started;
	pthread_mutex_t pub_lock;
	struct worker_stats pub;
};

/* The online anomaly model on the reader thread (model_feed.c). */
#define ENGINE_MODEL_RECENT 1024
struct engine_model {
	struct kn_model *m;
	FILE *csv;                   /* model_scores, or NULL */
	char *csv_buf;               /* its stdio buffer (owned) */
	uint64_t scored, reports, suppressed;
	uint64_t first_ts_ns;        /* first packet scored (warm-up of a loaded model) */
	int saved, failed;           /* model_out written; an error to report */
	char err[KN_ERRBUF_SIZE];
	struct engine_model_recent { /* rate limit per source host */
		uint64_t key, ts_ns;
		double score;
	} recent[ENGINE_MODEL_RECENT];
};

struct kn_engine {
	struct kn_engine_config cfg;
	struct kn_eve_sink *sink;
	struct kn_decoder *dec;
	struct kn_vuln_feed *vuln_feed;  /* read-only once loaded; shared by the workers */
	struct kn_sig_ctx *sig;       /* reader thread: decoder-event rules on non-IP packets */
	uint64_t sig_gen;             /* generation the reader's sig uses */
	_Atomic(const struct kn_sig_engine *) sig_engine;  /* what the reader's sig uses */
	_Atomic(const struct kn_sig_engine *) sig_next;    /* the current rules (reload) */
	_Atomic uint64_t sig_next_gen;
	pthread_mutex_t sig_lock;     /* sig_next and sig_next_gen change together */
	int sig_lock_init;
	struct kn_eve_writer eve;     /* reader thread's batch: anomalies and stats */
	struct kn_json json;
	struct worker *workers;
	unsigned n_workers;
	struct kn_capture *cap;       /* current input (reader thread only) */
	struct engine_model *model;   /* NULL without a model */
	struct verdict_table *verdict;/* --detect-scores (verdict_feed.c), else NULL */
	FILE *verdict_csv;
	char *verdict_csv_buf;        /* its stdio buffer (owned) */

	atomic_int stop;
	atomic_int rotate;

	uint64_t now_ns;              /* packet clock: time of the latest packet (may go back) */
	uint64_t pkt_index;
	uint64_t bytes;
	uint64_t ip_packets;
	uint64_t anomaly_events;
	uint64_t anomaly_suppressed;  /* over decode_events_rate */
	uint64_t rate_sec[KN_DEV_COUNT];  /* per event kind: second of the current window */
	uint32_t rate_n[KN_DEV_COUNT];    /* events logged in that second */
	uint64_t dispatch_drops;      /* packets a ring could not take a copy of */
	uint64_t last_expire_ns;
	struct kn_capture_stats cap_total;   /* capture counters of closed inputs */
	uint64_t start_mono_ns, last_stats_mono_ns, last_progress_mono_ns;
	uint64_t input_size, input_pos_done;  /* for progress over several files */
	double wall_s, cpu_s;
	int progress_shown;
};

/* worker.c */
int worker_init(struct worker *w, struct kn_engine *e, unsigned id, char *errbuf);
void worker_fini(struct worker *w);
void worker_packet(struct worker *w, struct kn_packet *pkt, uint64_t now_ns);
/* A link-layer packet without a flow (ARP) for the detectors. */
void worker_link(struct worker *w, const struct kn_packet *pkt, uint64_t now_ns);
void worker_finish(struct worker *w, uint64_t now_ns);
void worker_snapshot(struct worker *w, struct worker_stats *out);
void worker_publish(struct worker *w);
/* A new signature engine was set: switch the worker's context to it. */
void worker_sig_switch(struct worker *w);
/* a += b (signature counters). */
void stats_add_sig(struct kn_sig_stats *a, const struct kn_sig_stats *b);
/* The current signature engine and its generation (under sig_lock). */
const struct kn_sig_engine *engine_sig_current(struct kn_engine *e, uint64_t *gen);

/* dispatch.c: threaded mode */
int dispatch_start(struct kn_engine *e, char *errbuf);
void dispatch_packet(struct kn_engine *e, const struct kn_packet *pkt);
void dispatch_tick(struct kn_engine *e);
void dispatch_drain(struct kn_engine *e);
void dispatch_finish(struct kn_engine *e);

/* model_feed.c: the online anomaly model (NULL e->model: nothing to do) */
int engine_model_init(struct kn_engine *e, char *errbuf);
void engine_model_packet(struct kn_engine *e, const struct kn_packet *pkt, int decode_rc);
/* Flushes the scores; 0, or -KN_EIO with errbuf when saving or writing failed. */
int engine_model_finish(struct kn_engine *e, char *errbuf);
void engine_model_fini(struct kn_engine *e);

/* verdict_feed.c: per-packet detector verdicts (NULL e->verdict: off) */
int engine_verdict_init(struct kn_engine *e, char *errbuf);
void engine_verdict_note(struct kn_engine *e, const struct kn_detection *d);
void engine_verdict_packet(struct kn_engine *e, const struct kn_packet *pkt);
int engine_verdict_finish(struct kn_engine *e, char *errbuf);
void engine_verdict_fini(struct kn_engine *e);

/* stats.c */
void stats_emit(struct kn_engine *e, int final);
void stats_collect(const struct kn_engine *e, struct worker_stats *sum,
		   struct kn_capture_stats *cap);
uint64_t stats_mono_ns(void);
uint64_t stats_wall_ns(void);

#endif
