/*
 * stream.h - TCP stream reassembly: turns the segments of each direction of
 * a TCP flow into an ordered byte stream for the application layer.
 *
 * Pipeline position: after flow (consumes packets whose pkt->flow is set),
 * before app. API style: PUSH. The context is created with one data
 * callback; kn_stream_packet() feeds a TCP packet and, before returning,
 * calls the callback zero or more times with the newly contiguous bytes of
 * that packet's direction, in stream order. Bytes are delivered exactly
 * once. The `data` pointer is borrowed for the duration of the call only.
 *
 * Policies (see src/stream/README or the .c file header for the details):
 * - overlap: FIRST wins - bytes already received for a sequence range are
 *   kept, later different bytes for the same range are dropped and counted
 *   (stats.overlaps_diff) and flagged KN_STREAM_OVERLAP_DIFF on the next
 *   delivery.
 * - gaps: a hole is declared (callback with KN_STREAM_GAP, data NULL, len =
 *   missing bytes) when the other side acknowledges past it, when the
 *   direction closes (FIN/RST), when the flow ends, or when the buffered
 *   out-of-order data of the direction exceeds its per-direction limit.
 * - memcap: out-of-order segments are buffered under a context-wide memcap;
 *   a segment refused by the memcap is counted (stats.memcap_drops) and its
 *   range later reported as a gap.
 * - depth: at most `depth` bytes per direction are delivered (0 = all); the
 *   callback gets KN_STREAM_DEPTH once when the depth is reached.
 * A context and its flows belong to one worker thread.
 */
#ifndef KENCHI_STREAM_H
#define KENCHI_STREAM_H

#include <stdint.h>

#include "kenchi/flow.h"
#include "kenchi/kenchi.h"
#include "kenchi/packet.h"

/* Flags of a data callback. */
enum kn_stream_flag {
	KN_STREAM_GAP = 1u << 0,           /* `len` bytes are missing here; data is NULL */
	KN_STREAM_FIN = 1u << 1,           /* direction closed normally (after this data) */
	KN_STREAM_RST = 1u << 2,           /* connection reset */
	KN_STREAM_DEPTH = 1u << 3,         /* reassembly depth reached: no more data this direction */
	KN_STREAM_OVERLAP_DIFF = 1u << 4,  /* a retransmission with different bytes was seen */
	KN_STREAM_START = 1u << 5,         /* first delivery of this direction */
	KN_STREAM_END = 1u << 6,           /* last callback of this direction (flow ending) */
};

/* dir: 0 = client to server, 1 = server to client (kn_packet.dir).
 * offset: stream offset of data[0] (0 = first byte after the SYN, or the
 * first byte seen for a midstream pick-up). len may be 0 with FIN/RST/END. */
typedef void (*kn_stream_data_fn)(void *user, struct kn_flow *flow, int dir,
	const uint8_t *data, uint32_t len, uint64_t offset, unsigned flags);

struct kn_stream_config {
	uint64_t memcap;          /* bytes for buffered segments and per-flow state */
	uint64_t depth;           /* bytes delivered per direction, 0 = unlimited */
	uint32_t max_ooo_bytes;   /* out-of-order bytes buffered per direction before a gap is forced */
	int midstream;            /* pick up flows without a SYN (1 = yes) */
	int async_oneside;        /* 1: a flow whose first packet is the SYN/ACK (a
	                             capture of the server side only) is reassembled
	                             without `midstream` (Suricata's stream.async-oneside) */
	int midstream_policy;     /* enum kn_midstream_policy: what happens to a flow
	                             picked up mid-stream (applied by the engine) */
};

/* What the sensor does with a TCP flow picked up mid-stream, i.e. whose
 * client SYN was not captured (kn_flow_tcp_pickup): Suricata's
 * stream.midstream-policy, as far as it means something for a passive
 * sensor. With `midstream` off such a flow is never reassembled whatever
 * the policy; its packets still meet the packet rules under IGNORE. */
enum kn_midstream_policy {
	KN_MIDSTREAM_IGNORE = 0,  /* inspect it as any other flow (the default) */
	KN_MIDSTREAM_PASS_FLOW,   /* no signature inspection of the flow (its
	                             transactions are still parsed and logged) */
	KN_MIDSTREAM_BYPASS,      /* neither reassembly, app layer nor signatures:
	                             only the flow is accounted (what an inline
	                             device dropping or bypassing it leaves to see) */
};

void kn_stream_config_default(struct kn_stream_config *cfg);

struct kn_stream_stats {
	uint64_t segments;        /* TCP packets with payload seen */
	uint64_t bytes;           /* bytes delivered in order */
	uint64_t retransmits;     /* segments entirely before the next expected byte */
	uint64_t overlaps;        /* segments overlapping buffered data */
	uint64_t overlaps_diff;   /* overlaps whose bytes differed */
	uint64_t ooo_segments;    /* segments buffered out of order */
	uint64_t gaps, gap_bytes;
	uint64_t memcap_drops;    /* segments refused by the memcap */
	uint64_t depth_reached;   /* directions that reached the depth */
	uint64_t bad_seq;         /* segments far outside any plausible window, ignored */
	uint64_t malformed;       /* packets whose payload bounds are inconsistent, ignored */
	uint64_t mem_in_use, mem_peak;
};

struct kn_stream_ctx;

KN_WARN_UNUSED struct kn_stream_ctx *kn_stream_ctx_new(const struct kn_stream_config *cfg,
	kn_stream_data_fn on_data, void *user, char *errbuf);
/* Frees the context; flows must have been ended first. NULL is a no-op. */
void kn_stream_ctx_free(struct kn_stream_ctx *ctx);

/* Feeds one TCP packet (pkt->proto == 6, pkt->flow and pkt->dir set). */
void kn_stream_packet(struct kn_stream_ctx *ctx, struct kn_packet *pkt);

/* Delivers what remains of both directions (with gaps), calls the callback
 * with KN_STREAM_END for each direction that had state, and frees
 * flow->stream. Call from the flow table's end callback. */
void kn_stream_flow_end(struct kn_stream_ctx *ctx, struct kn_flow *flow);

const struct kn_stream_stats *kn_stream_ctx_stats(const struct kn_stream_ctx *ctx);

#endif
