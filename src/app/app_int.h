/*
 * app_int.h - private structures of the application-layer core (src/app):
 * the per-worker context, the per-flow record behind kn_flow.app, and the
 * context of one parser call.
 */
#ifndef KN_APP_INT_H
#define KN_APP_INT_H

#include "kenchi/app.h"

/* Freed blocks of one size kept for reuse: a flow's records come and go
 * with every flow, and malloc/free of them cost more than the rest of a
 * short flow's detection. At most APP_FREE_MAX blocks are kept per list
 * (freed with the context); the memcap accounting is unchanged (charged
 * while a block is in use). */
#define APP_FREE_MAX 32
struct app_free_list {
	unsigned n;
	void *block[APP_FREE_MAX];
};

/* The probe order of one transport: the parsers with a probe for it. */
struct app_prober {
	const struct kn_app_parser *p;
	unsigned id;
};

struct kn_app_ctx {
	struct kn_app_config cfg;
	struct kn_app_hooks hooks;
	struct kn_app_stats stats;
	uint64_t ts_ns, pcap_cnt;   /* the current packet */
	/* Per-context parser state, by parser id (kn_app_parser.ctx_size);
	 * NULL when a parser has none or its ctx_init failed. */
	void **parser_ctx;
	/* The parsers to probe for TCP [0] and UDP [1], in id order (so ties
	 * go as in the registry), each list ended by a NULL parser. */
	struct app_prober *probers[2];
	struct app_free_list free_flows;    /* struct app_flow */
	struct app_free_list free_probes;   /* probe buffers (cfg.probe_max bytes) */
	struct app_free_list *free_states;  /* parser states, by parser id */
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
	uint8_t opaque;             /* the rest is encrypted (kn_app_opaque) */
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
/* A probe buffer (cfg.probe_max bytes, not zeroed; NULL when out of
 * memory), and its return. Neither charges the memcap. */
uint8_t *app_probe_buf_get(struct kn_app_ctx *ctx);
void app_probe_buf_put(struct kn_app_ctx *ctx, uint8_t *buf);

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

/* Whether a chunk (len > 0) can start what app_detect_late() looks for:
 * a TLS handshake record (0x16), or from the client an HTTP request,
 * whose method (as every one the HTTP probe knows) starts with a capital
 * letter. Most chunks of failed flows are neither: they are counted
 * without a call. */
static inline int app_late_candidate(const uint8_t *data, int dir)
{
	return data[0] == 0x16 || (dir == 0 && data[0] >= 'A' && data[0] <= 'Z');
}

#endif
