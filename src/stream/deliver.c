/*
 * deliver.c - the output side of the stream stage: every callback of a
 * direction goes through stream_emit(), which clips at the FIN and at the
 * depth, adds the START / OVERLAP_DIFF / FIN / DEPTH flags and advances the
 * direction's next offset. Around it: delivery of a segment that starts at
 * the next expected byte (zero-copy when nothing is buffered), draining of
 * buffered nodes that became contiguous, and flushing with gaps.
 *
 * Part of src/stream (see stream_int.h and the policies in reassembly.c).
 */
#include "stream/stream_int.h"

#include <string.h>

void stream_emit(struct kn_stream_ctx *ctx, struct kn_flow *flow, int dir,
	struct stream_dir *d, const uint8_t *data, uint32_t len, unsigned flags)
{
	const uint64_t depth = ctx->cfg.depth;
	const uint64_t off = d->next_off;

	if (d->flags & STREAM_D_CLOSED)
		return;
	if ((d->flags & STREAM_D_FIN) && off + len >= d->fin_off) {
		len = d->fin_off > off ? (uint32_t)(d->fin_off - off) : 0;
		flags |= KN_STREAM_FIN;
	}
	if (depth && off + len >= depth) {
		len = depth > off ? (uint32_t)(depth - off) : 0;
		flags |= KN_STREAM_DEPTH;
		ctx->stats.depth_reached++;
	}
	if (len == 0 && !(flags & (KN_STREAM_FIN | KN_STREAM_RST | KN_STREAM_DEPTH)))
		return;
	if (len && !data) {
		flags |= KN_STREAM_GAP;
		ctx->stats.gaps++;
		ctx->stats.gap_bytes += len;
	} else {
		ctx->stats.bytes += len;
	}
	if (!(d->flags & STREAM_D_STARTED))
		flags |= KN_STREAM_START;
	if (d->flags & STREAM_D_DIFF)
		flags |= KN_STREAM_OVERLAP_DIFF;
	d->flags = (d->flags | STREAM_D_STARTED) & ~(uint32_t)STREAM_D_DIFF;
	if (flags & (KN_STREAM_FIN | KN_STREAM_RST | KN_STREAM_DEPTH))
		d->flags |= STREAM_D_CLOSED;
	d->next_off = off + len;
	ctx->on_data(ctx->user, flow, dir, data, len, off, flags);
	if (d->flags & STREAM_D_CLOSED)
		stream_segs_free_all(ctx, d);
}

/* Delivers what a popped node holds past next_off, then frees it. */
static void emit_node(struct kn_stream_ctx *ctx, struct kn_flow *flow, int dir,
	struct stream_dir *d, struct stream_seg *s)
{
	uint64_t end = stream_seg_end(s);

	if (end > d->next_off) {
		uint32_t skip = s->off < d->next_off ? (uint32_t)(d->next_off - s->off) : 0;
		stream_emit(ctx, flow, dir, d, s->data + skip, s->len - skip, 0);
	}
	stream_seg_free(ctx, s);
}

/* Delivers the buffered nodes that start at (or before) next_off, then the
 * FIN when its offset is reached. */
void stream_drain(struct kn_stream_ctx *ctx, struct kn_flow *flow, int dir,
	struct stream_dir *d)
{
	while (!(d->flags & STREAM_D_CLOSED) && d->head && d->head->off <= d->next_off)
		emit_node(ctx, flow, dir, d, stream_segs_pop(d));
	if ((d->flags & (STREAM_D_FIN | STREAM_D_CLOSED)) == STREAM_D_FIN &&
	    d->next_off >= d->fin_off)
		stream_emit(ctx, flow, dir, d, NULL, 0, 0);
}

/* `p` holds `len` new bytes starting exactly at next_off. Pieces that fill
 * holes are passed straight from `p` (no copy); where a buffered node
 * already covers the range, the node's bytes win (FIRST) and are compared. */
void stream_deliver_new(struct kn_stream_ctx *ctx, struct kn_flow *flow, int dir,
	struct stream_dir *d, const uint8_t *p, uint32_t len, struct stream_put *res)
{
	const uint64_t start = d->next_off, end = start + len;

	while (!(d->flags & STREAM_D_CLOSED) && d->next_off < end) {
		struct stream_seg *s = d->head;
		const uint8_t *at = p + (d->next_off - start);
		if (KN_LIKELY(!s || s->off >= end)) {
			stream_emit(ctx, flow, dir, d, at, (uint32_t)(end - d->next_off), 0);
			break;
		}
		if (s->off > d->next_off) {
			stream_emit(ctx, flow, dir, d, at, (uint32_t)(s->off - d->next_off), 0);
			continue;
		}
		uint64_t oend = end < stream_seg_end(s) ? end : stream_seg_end(s);
		uint64_t skip = d->next_off - s->off;
		res->overlapped = 1;
		if (memcmp(s->data + skip, at, (size_t)(oend - d->next_off)) != 0) {
			res->diff = 1;
			d->flags |= STREAM_D_DIFF;
		}
		emit_node(ctx, flow, dir, d, stream_segs_pop(d));
	}
	stream_drain(ctx, flow, dir, d);
}

/* Delivers everything up to `target`: buffered nodes where present, gaps
 * (data NULL) for the holes between them; then whatever became contiguous. */
void stream_flush_to(struct kn_stream_ctx *ctx, struct kn_flow *flow, int dir,
	struct stream_dir *d, uint64_t target)
{
	while (!(d->flags & STREAM_D_CLOSED) && d->next_off < target) {
		struct stream_seg *s = d->head;
		if (s && s->off <= d->next_off) {
			emit_node(ctx, flow, dir, d, stream_segs_pop(d));
			continue;
		}
		uint64_t stop = (s && s->off < target) ? s->off : target;
		uint64_t gap = stop - d->next_off;
		stream_emit(ctx, flow, dir, d, NULL, gap > UINT32_MAX ? UINT32_MAX : (uint32_t)gap, 0);
	}
	stream_drain(ctx, flow, dir, d);
}

/* Delivers all that is known of the direction: up to its FIN when one was
 * seen (the missing bytes before it become gaps), else to the end of the
 * last buffered node or of the acknowledged bytes, whichever is further. */
void stream_flush_all(struct kn_stream_ctx *ctx, struct kn_flow *flow, int dir,
	struct stream_dir *d)
{
	uint64_t target = d->acked_off;

	if (d->flags & STREAM_D_FIN)
		target = d->fin_off;
	else if (d->tail && stream_seg_end(d->tail) > target)
		target = stream_seg_end(d->tail);
	stream_flush_to(ctx, flow, dir, d, target);
}

/* Declares the holes that the other side acknowledged, up to the last byte
 * the capture holds beyond them (a buffered node or the FIN). An ACK alone
 * does not declare a hole at the end of what was captured: captures often
 * show the ACK just before the segment it acknowledges, and that segment
 * must not be lost. Such a hole is declared by the next later segment, the
 * FIN, RST or flow end. */
void stream_ack_flush(struct kn_stream_ctx *ctx, struct kn_flow *flow, int dir,
	struct stream_dir *d)
{
	uint64_t seen = d->tail ? stream_seg_end(d->tail) : d->next_off;

	if ((d->flags & STREAM_D_FIN) && d->fin_off > seen)
		seen = d->fin_off;
	uint64_t target = d->acked_off < seen ? d->acked_off : seen;
	if (target > d->next_off)
		stream_flush_to(ctx, flow, dir, d, target);
}

/* Forces gaps (skipping to the lowest buffered node) while the direction
 * buffers more than cfg.max_ooo_bytes or ctx->max_segs nodes. */
void stream_enforce_ooo_limit(struct kn_stream_ctx *ctx, struct kn_flow *flow, int dir,
	struct stream_dir *d)
{
	while (d->head && !(d->flags & STREAM_D_CLOSED) &&
	       (d->ooo_bytes > ctx->cfg.max_ooo_bytes || d->nsegs > ctx->max_segs))
		stream_flush_to(ctx, flow, dir, d, d->head->off);
}
