/*
 * stream_int.h - internals of the stream stage (TCP reassembly), shared by
 * the files of src/stream only: the per-flow and per-direction state, the
 * buffered segment nodes, the memory pools and the functions each file
 * provides to the others.
 *
 * Files, in reading order: reassembly.c (public API, per-packet dispatch,
 * the policies), deliver.c (callbacks, gaps, FIN/depth clipping), segments.c
 * (the sorted out-of-order segment list, overlap policy FIRST), mem.c
 * (pools and the memcap).
 */
#ifndef KN_STREAM_INT_H
#define KN_STREAM_INT_H

#include <stdint.h>

#include "kenchi/stream.h"

/* Sequence distances are computed as signed 32-bit serial differences
 * (RFC 1982). Data, ACKs or FINs more than this far from the next expected
 * byte are counted as bad_seq and ignored: no buffering, no gap. */
#define STREAM_MAX_AHEAD (1u << 30)

/* Buffered out-of-order bytes live in nodes of two size classes (header
 * included), taken from per-class free lists. A segment longer than a large
 * node spans several nodes; contiguous small segments are packed into the
 * spare room of the node before them. */
#define STREAM_NODE_SMALL 256u
#define STREAM_NODE_LARGE 2048u

/* Free nodes kept for reuse per pool; beyond this they go back to libc. */
#define STREAM_POOL_MAX_FREE 1024u

/* One buffered, not yet delivered range of a direction. */
struct stream_seg {
	struct stream_seg *prev, *next;
	uint64_t off;    /* stream offset of data[0] */
	uint32_t len;    /* bytes held */
	uint32_t cap;    /* bytes that fit in data[] */
	uint8_t data[];
};

enum stream_dir_flag {
	STREAM_D_ACTIVE = 1u << 0,    /* offset 0 is placed (SYN or first data seen) */
	STREAM_D_SYN = 1u << 1,       /* placed by a SYN */
	STREAM_D_FIN = 1u << 2,       /* a FIN was seen: fin_off is valid */
	STREAM_D_CLOSED = 1u << 3,    /* FIN, RST or depth delivered: nothing more but END */
	STREAM_D_STARTED = 1u << 4,   /* KN_STREAM_START was delivered */
	STREAM_D_DIFF = 1u << 5,      /* KN_STREAM_OVERLAP_DIFF pending for the next delivery */
};

/* One direction. Invariant: the buffered list is sorted by offset, its
 * ranges do not overlap, and every node starts after next_off (a node that
 * becomes contiguous is delivered at once). */
struct stream_dir {
	struct stream_seg *head, *tail;
	uint64_t next_off;    /* stream offset of the next byte to deliver */
	uint64_t fin_off;     /* stream offset of the FIN (with STREAM_D_FIN) */
	uint64_t acked_off;   /* highest offset the other side acknowledged */
	uint32_t base_seq;    /* sequence number of stream offset 0 */
	uint32_t ooo_bytes;   /* payload bytes buffered */
	uint32_t nsegs;       /* nodes buffered */
	uint32_t flags;       /* enum stream_dir_flag */
};

/* The object behind kn_flow.stream. */
struct stream_flow {
	struct stream_dir dir[2];
	int reset;            /* a RST ended the connection: ignore everything */
};

/* A free list of equally sized blocks. */
struct stream_pool {
	void *free;
	uint32_t nfree;
	uint32_t size;
};

/* Internal counters, for tests. */
struct stream_extra_stats {
	uint64_t live_flows;  /* flows holding state now */
};

struct kn_stream_ctx {
	struct kn_stream_config cfg;
	kn_stream_data_fn on_data;
	void *user;
	uint32_t max_segs;    /* nodes buffered per direction before a gap is forced */
	struct kn_stream_stats stats;
	struct stream_extra_stats extra;
	struct stream_pool flow_pool, small_pool, large_pool;
};

/* mem.c: every byte allocated (live or pooled) is in stats.mem_in_use. */
void stream_pools_init(struct kn_stream_ctx *ctx);
void stream_pools_fini(struct kn_stream_ctx *ctx);
void *stream_pool_get(struct kn_stream_ctx *ctx, struct stream_pool *pool);
void stream_pool_put(struct kn_stream_ctx *ctx, struct stream_pool *pool, void *p);
struct stream_seg *stream_seg_alloc(struct kn_stream_ctx *ctx, uint32_t want);
void stream_seg_free(struct kn_stream_ctx *ctx, struct stream_seg *s);

/* segments.c */
struct stream_put {
	int stored;       /* some new bytes were buffered */
	int overlapped;   /* some bytes were already buffered */
	int diff;         /* ... and differed from the new ones */
	int dropped;      /* the memcap refused some new bytes */
};

static inline uint64_t stream_seg_end(const struct stream_seg *s)
{
	return s->off + s->len;
}

void stream_segs_put(struct kn_stream_ctx *ctx, struct stream_dir *d, uint64_t off,
	const uint8_t *p, uint32_t len, struct stream_put *res);
struct stream_seg *stream_segs_pop(struct stream_dir *d);
void stream_segs_free_all(struct kn_stream_ctx *ctx, struct stream_dir *d);

/* deliver.c: `dir` is the index of `d` in the flow's stream_flow. */
void stream_emit(struct kn_stream_ctx *ctx, struct kn_flow *flow, int dir,
	struct stream_dir *d, const uint8_t *data, uint32_t len, unsigned flags);
void stream_deliver_new(struct kn_stream_ctx *ctx, struct kn_flow *flow, int dir,
	struct stream_dir *d, const uint8_t *p, uint32_t len, struct stream_put *res);
void stream_drain(struct kn_stream_ctx *ctx, struct kn_flow *flow, int dir,
	struct stream_dir *d);
void stream_flush_to(struct kn_stream_ctx *ctx, struct kn_flow *flow, int dir,
	struct stream_dir *d, uint64_t target);
void stream_flush_all(struct kn_stream_ctx *ctx, struct kn_flow *flow, int dir,
	struct stream_dir *d);
void stream_ack_flush(struct kn_stream_ctx *ctx, struct kn_flow *flow, int dir,
	struct stream_dir *d);
void stream_enforce_ooo_limit(struct kn_stream_ctx *ctx, struct kn_flow *flow, int dir,
	struct stream_dir *d);

/* reassembly.c: counters without a public field (tests and the lead). */
const struct stream_extra_stats *stream_ctx_extra_stats(const struct kn_stream_ctx *ctx);

#endif
