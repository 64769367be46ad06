/*
 * app_int.h - private structures of the application-layer core (src/app):
 * the per-worker context, the per-flow record behind kn_flow.app, and the
 * context of one parser call.
 */
#ifndef KN_APP_INT_H
#define KN_APP_INT_H

#include "kenchi/app.h"

struct kn_app_ctx {
	struct kn_app_config cfg;
	struct kn_app_hooks hooks;
	struct kn_app_stats stats;
	uint64_t ts_ns, pcap_cnt;   /* the current packet */
	/* Per-context parser state, by parser id (kn_app_parser.ctx_size);
	 * NULL when a parser has none or its ctx_init failed. */
	void **parser_ctx;
};

/* kn_flow.app */
struct app_flow {
	/* (ordered so the record keeps its size, 88 bytes, with the two
	 * cached pointers: the byte fields share words) */
	uint8_t proto;              /* parser id, 0 = not (yet) detected */
	uint8_t failed;             /* detection gave up on this flow */
	uint8_t dir_failed[2];      /* detection gave up on a direction */
	uint8_t nomem;              /* no parser state (memcap): nothing is parsed */
	uint8_t seen_data;          /* some payload was seen */
	uint8_t first_dir;          /* direction that spoke first (0xff: none yet) */
	uint8_t late_chunks;        /* chunks looked at for a protocol begun late */
	uint32_t pend_len[2];       /* bytes kept while probing, per direction */
	uint8_t *pend[2];           /* probe_max bytes each, allocated on demand */
	/* Bytes of an undecided direction that were not kept: missing before
	 * the kept bytes (a gap before any was kept) and after them (a gap,
	 * probe_max or the memcap; once non-zero nothing more is kept). The
	 * parser receives them as gaps around the kept bytes, so it never
	 * sees two pieces of a stream joined across a hole. */
	uint32_t lost_before[2], lost_after[2];
	/* The parser of proto and its per-context state, kept with proto so
	 * feeding a chunk looks neither up (NULL while proto is 0). */
	const struct kn_app_parser *parser;
	void *pctx;
	void *state;                /* the parser's state */
	const uint8_t *switch_rest; /* borrowed from the chunk being parsed */
	uint32_t switch_len;
	uint8_t orig_proto;         /* protocol before a switch (0: none) */
	uint8_t switch_dir;         /* a switch was requested during this parse call */
	uint8_t switch_pending;
};

/* The context of one parser call (struct kn_app_call is opaque to parsers). */
struct kn_app_call {
	struct kn_app_ctx *ctx;
	struct kn_flow *flow;
	const struct kn_app_parser *parser;
	void *pctx;                 /* the parser's per-context state, or NULL */
};

/* app.c */
/* Parser `id`'s per-context state, or NULL (tests look at caches). */
void *app_parser_ctx(struct kn_app_ctx *ctx, unsigned id);
int app_mem_charge(struct kn_app_ctx *ctx, size_t bytes);
void app_mem_credit(struct kn_app_ctx *ctx, size_t bytes);
void app_event(struct kn_app_ctx *ctx, const struct kn_flow *flow, const char *proto, int dir,
	       const char *layer, const char *event);
int app_flow_start_parser(struct kn_app_ctx *ctx, struct kn_flow *flow,
			  struct app_flow *af, unsigned id);
void app_flow_parse(struct kn_app_ctx *ctx, struct kn_flow *flow, struct app_flow *af,
		    int dir, const uint8_t *data, uint32_t len, unsigned flags);
void app_pending_free(struct kn_app_ctx *ctx, struct app_flow *af);

/* detect.c */
void app_detect_tcp(struct kn_app_ctx *ctx, struct kn_flow *flow, struct app_flow *af,
		    int dir, const uint8_t *data, uint32_t len, unsigned flags);
void app_detect_udp(struct kn_app_ctx *ctx, struct kn_flow *flow, struct app_flow *af,
		    int dir, const uint8_t *data, uint32_t len);
void app_detect_finish(struct kn_app_ctx *ctx, struct kn_flow *flow, struct app_flow *af);
/* Chunks of an undecided or failed flow looked at for a protocol started
 * late (both directions). */
#define APP_LATE_CHUNKS 64
/* A TLS ClientHello or client HTTP request line at a chunk start of an
 * undecided or failed flow starts that parser (its first APP_LATE_CHUNKS
 * such chunks); 1 when a parser took the chunk. */
int app_detect_late(struct kn_app_ctx *ctx, struct kn_flow *flow, struct app_flow *af, int dir,
		    const uint8_t *data, uint32_t len, unsigned flags);

#endif
