/*
 * reassembly.c - TCP stream reassembly (public API of include/kenchi/stream.h):
 * places each TCP segment of a flow direction in its byte stream and hands
 * the bytes, in order and exactly once, to the context's callback.
 *
 * Pipeline position: after flow (pkt->flow, pkt->dir set), before app.
 * One context per worker thread; the per-flow state hangs off
 * kn_flow.stream. Files: see stream_int.h.
 *
 * Policies:
 * - Placement. Offset 0 of a direction is the byte after its SYN (dir 0) or
 *   SYN/ACK (dir 1). When only the other direction's SYN was captured (the
 *   flow began in the capture, one handshake packet is missing), a
 *   direction starts at the first acknowledgement the other side sends
 *   for it, or at its own first data segment if that comes first. Without
 *   any SYN, a direction starts at its first data segment when
 *   cfg.midstream is set; otherwise the flow is not reassembled, nor is a
 *   flow whose first packet was the SYN/ACK (kn_flow_tcp_pickup: Suricata
 *   also takes that for a mid-stream pick-up) unless cfg.async_oneside
 *   is set. Sequence
 *   numbers are compared as signed 32-bit serial differences, so streams
 *   cross 2^32 freely; offsets are 64-bit. Data, ACKs and FINs more than
 *   1 GiB from the next expected byte are counted (bad_seq) and ignored.
 * - Delivery. A segment starting at the next expected byte is delivered at
 *   once, straight from the packet (no copy). A later segment is copied into
 *   the direction's out-of-order buffer and delivered when the hole before
 *   it fills.
 * - Overlap FIRST. Bytes already received win: bytes before the next
 *   expected one are dropped (a segment with nothing else is a retransmit);
 *   bytes falling on buffered ones are compared and dropped (overlaps,
 *   and overlaps_diff + KN_STREAM_OVERLAP_DIFF on the next delivery of the
 *   direction when they differ); only uncovered ranges are stored. A segment
 *   bringing no new byte counts as a retransmit. Delivered bytes are not
 *   kept, so a retransmission of them is not compared.
 * - Gaps (callback with data NULL, KN_STREAM_GAP, len = missing bytes):
 *   1. when the other direction acknowledges past the next expected byte:
 *      up to the ACK, but not past the last byte captured beyond the hole
 *      (a buffered segment or the FIN). Captures often show an ACK just
 *      before the segment it acknowledges, which must not become a gap, so
 *      a hole at the end of what was captured waits for a later segment,
 *      the FIN, RST or flow end;
 *   2. on RST (both directions) and at flow end: up to the FIN, else to the
 *      further of the last buffered byte and the last acknowledged one;
 *   3. when the direction buffers more than cfg.max_ooo_bytes (0 = buffer
 *      nothing) or more than max(64, max_ooo_bytes / 256) nodes (at most
 *      65536, which bounds the list walks): the stream skips to the lowest
 *      buffered node.
 *   A FIN alone does not create a gap (it may overtake the last data
 *   segment); the peer's ACK of it does.
 * - FIN. Once every byte before the FIN is delivered the direction gets
 *   KN_STREAM_FIN, on its last data (or gap) or alone with len 0. Later data
 *   of the direction is ignored.
 * - RST. Ends the connection: each direction that is not closed yet is
 *   flushed with gaps and gets KN_STREAM_RST (len 0). All later packets of
 *   the flow are ignored.
 * - Depth. At most cfg.depth stream offsets per direction (gaps included;
 *   0 = unlimited). The delivery reaching it carries KN_STREAM_DEPTH; the
 *   direction then keeps no buffer and delivers nothing but its END.
 * - Memcap. Per-flow state and buffer nodes (in use or pooled) are counted
 *   in mem_in_use against cfg.memcap. A flow whose state is refused is not
 *   reassembled (memcap_drops per refused packet); an out-of-order segment
 *   refused is dropped (memcap_drops) and its range becomes a gap later.
 *   State is allocated on the first SYN or payload a flow would place.
 * - START marks the first callback of a direction, END its last: exactly one
 *   len-0 callback from kn_stream_flow_end for each direction that was placed.
 * The callback runs inside kn_stream_packet / kn_stream_flow_end and must not
 * call back into the same context. Within one packet the peer direction's
 * bytes released by its ACK are delivered before the packet's own.
 */
#include "stream/stream_int.h"

#include <stdio.h>
#include <string.h>

#include "util/alloc.h"

#define MIB (1024u * 1024u)

void kn_stream_config_default(struct kn_stream_config *cfg)
{
	cfg->memcap = 256ull * MIB;
	cfg->depth = 1 * MIB;
	cfg->max_ooo_bytes = 1 * MIB;
	cfg->midstream = 0;
	cfg->async_oneside = 0;
	cfg->midstream_policy = KN_MIDSTREAM_IGNORE;
}

struct kn_stream_ctx *kn_stream_ctx_new(const struct kn_stream_config *cfg,
	kn_stream_data_fn on_data, void *user, char *errbuf)
{
	struct kn_stream_ctx *ctx;

	if (!cfg || !on_data) {
		if (errbuf)
			snprintf(errbuf, KN_ERRBUF_SIZE, "stream: config and data callback are required");
		return NULL;
	}
	ctx = kn_calloc(1, sizeof(*ctx));
	if (!ctx) {
		if (errbuf)
			snprintf(errbuf, KN_ERRBUF_SIZE, "stream: out of memory for the context");
		return NULL;
	}
	ctx->cfg = *cfg;
	ctx->on_data = on_data;
	ctx->user = user;
	ctx->max_segs = cfg->max_ooo_bytes / 256u;
	if (ctx->max_segs < 64)
		ctx->max_segs = 64;
	if (ctx->max_segs > 65536)
		ctx->max_segs = 65536;
	stream_pools_init(ctx);
	return ctx;
}

void kn_stream_ctx_free(struct kn_stream_ctx *ctx)
{
	if (!ctx)
		return;
	stream_pools_fini(ctx);
	kn_free(ctx);
}

const struct kn_stream_stats *kn_stream_ctx_stats(const struct kn_stream_ctx *ctx)
{
	return &ctx->stats;
}

const struct stream_extra_stats *stream_ctx_extra_stats(const struct kn_stream_ctx *ctx)
{
	return &ctx->extra;
}

static inline uint32_t next_seq(const struct stream_dir *d)
{
	return d->base_seq + (uint32_t)d->next_off;
}

/* Serial distance from the next expected byte; 0 with bad_seq counted when
 * it is more than STREAM_MAX_AHEAD away in either sense. */
static int seq_rel(struct kn_stream_ctx *ctx, const struct stream_dir *d, uint32_t seq,
	int32_t *rel)
{
	*rel = (int32_t)(seq - next_seq(d));
	if (KN_UNLIKELY(*rel > (int32_t)STREAM_MAX_AHEAD || *rel < -(int32_t)STREAM_MAX_AHEAD)) {
		ctx->stats.bad_seq++;
		return 0;
	}
	return 1;
}

/* A SYN places offset 0 of its direction, again if nothing was delivered
 * or buffered yet (retransmitted SYN with a new ISN). */
static void on_syn(struct stream_dir *d, uint32_t seq)
{
	const uint32_t used = STREAM_D_STARTED | STREAM_D_FIN;

	if ((d->flags & STREAM_D_ACTIVE) && ((d->flags & used) || d->head || d->next_off))
		return;
	d->base_seq = seq + 1;
	d->next_off = 0;
	d->acked_off = 0;
	d->flags |= STREAM_D_ACTIVE | STREAM_D_SYN;
}

static void count_put(struct kn_stream_ctx *ctx, const struct stream_put *res)
{
	ctx->stats.overlaps += res->overlapped != 0;
	ctx->stats.overlaps_diff += res->diff != 0;
	ctx->stats.ooo_segments += res->stored != 0;
	ctx->stats.memcap_drops += res->dropped != 0;
	ctx->stats.retransmits += !res->stored && !res->dropped;
}

/* Buffers a segment that starts after the next expected byte, clipped at
 * the FIN and at the depth, then enforces the out-of-order limits. */
static void put_ooo(struct kn_stream_ctx *ctx, struct kn_flow *flow, int dir,
	struct stream_dir *d, uint64_t off, const uint8_t *p, uint32_t len)
{
	uint64_t lim = UINT64_MAX;
	struct stream_put res = { 0 };

	if (d->flags & STREAM_D_FIN)
		lim = d->fin_off;
	if (ctx->cfg.depth && ctx->cfg.depth < lim)
		lim = ctx->cfg.depth;
	if (off >= lim)
		return;
	if (off + len > lim)
		len = (uint32_t)(lim - off);
	stream_segs_put(ctx, d, off, p, len, &res);
	if (res.diff)
		d->flags |= STREAM_D_DIFF;
	count_put(ctx, &res);
	if (d->acked_off > d->next_off)
		stream_ack_flush(ctx, flow, dir, d);
	stream_enforce_ooo_limit(ctx, flow, dir, d);
}

/* Records the FIN's offset; the first FIN seen wins. */
static void record_fin(struct kn_stream_ctx *ctx, struct stream_dir *d, uint32_t fin_seq)
{
	int32_t rel;

	if ((d->flags & STREAM_D_FIN) || !seq_rel(ctx, d, fin_seq, &rel))
		return;
	d->fin_off = d->next_off + (rel > 0 ? (uint32_t)rel : 0);
	d->flags |= STREAM_D_FIN;
}

/* Places `len` bytes at sequence `seq` of direction `dir`. */
static void on_data(struct kn_stream_ctx *ctx, struct kn_flow *flow, int dir,
	struct stream_dir *d, uint32_t seq, const uint8_t *p, uint32_t len)
{
	int32_t rel;

	if (!seq_rel(ctx, d, seq, &rel))
		return;
	if (rel < 0) {
		uint32_t behind = (uint32_t)(-(int64_t)rel);
		if (behind >= len) {
			ctx->stats.retransmits++;
			return;
		}
		p += behind;
		len -= behind;
		rel = 0;
	}
	if (KN_LIKELY(rel == 0)) {
		struct stream_put res = { .stored = 1 };
		stream_deliver_new(ctx, flow, dir, d, p, len, &res);
		ctx->stats.overlaps += res.overlapped != 0;
		ctx->stats.overlaps_diff += res.diff != 0;
		return;
	}
	put_ooo(ctx, flow, dir, d, d->next_off + (uint32_t)rel, p, len);
}

/* The payload and FIN of one packet. A direction without a SYN is placed
 * by its first data (see the placement policy). The FIN is recorded first
 * so that it travels with the packet's own data when that is in order. */
static void on_segment(struct kn_stream_ctx *ctx, struct kn_flow *flow, struct stream_flow *st,
	int dir, uint32_t seq, const uint8_t *p, uint32_t len, int fin)
{
	struct stream_dir *d = &st->dir[dir];

	if (KN_UNLIKELY(!(d->flags & STREAM_D_ACTIVE))) {
		if (!len || (!ctx->cfg.midstream && !(st->dir[dir ^ 1].flags & STREAM_D_SYN)))
			return;
		d->base_seq = seq;
		d->flags |= STREAM_D_ACTIVE;
	}
	if (d->flags & STREAM_D_CLOSED)
		return;
	if (KN_UNLIKELY(fin))
		record_fin(ctx, d, seq + len);
	if (len)
		on_data(ctx, flow, dir, d, seq, p, len);
	if (KN_UNLIKELY(fin)) {
		stream_drain(ctx, flow, dir, d);
		if (d->acked_off > d->next_off)
			stream_ack_flush(ctx, flow, dir, d);
	}
}

/* An ACK from one side past the other side's next expected byte: those
 * bytes were sent but not captured (see stream_ack_flush for when the gap
 * is declared). When the other side's SYN was not captured but this side's
 * was, the ACK places it instead. */
static void on_ack(struct kn_stream_ctx *ctx, struct kn_flow *flow, struct stream_flow *st,
	int peer, uint32_t ack)
{
	struct stream_dir *d = &st->dir[peer];
	int32_t rel = (int32_t)(ack - next_seq(d));
	uint64_t target;

	if (KN_UNLIKELY(!(d->flags & STREAM_D_ACTIVE))) {
		if (st->dir[peer ^ 1].flags & STREAM_D_SYN) {
			d->base_seq = ack;
			d->flags |= STREAM_D_ACTIVE;
		}
		return;
	}
	if ((d->flags & STREAM_D_CLOSED) || rel <= 0)
		return;
	if (rel > (int32_t)STREAM_MAX_AHEAD) {
		ctx->stats.bad_seq++;
		return;
	}
	target = d->next_off + (uint32_t)rel;
	if (target > d->acked_off)
		d->acked_off = target;
	stream_ack_flush(ctx, flow, peer, d);
}

static void on_rst(struct kn_stream_ctx *ctx, struct kn_flow *flow, struct stream_flow *st)
{
	st->reset = 1;
	for (int dir = 0; dir < 2; dir++) {
		struct stream_dir *d = &st->dir[dir];
		if ((d->flags & (STREAM_D_ACTIVE | STREAM_D_CLOSED)) != STREAM_D_ACTIVE)
			continue;
		stream_flush_all(ctx, flow, dir, d);
		stream_emit(ctx, flow, dir, d, NULL, 0, KN_STREAM_RST);
	}
}

/* Lazily allocates the flow's state when this packet would place a
 * direction (a SYN, or payload with midstream pick-up). */
static struct stream_flow *flow_state(struct kn_stream_ctx *ctx, struct kn_flow *flow,
	uint8_t tcp_flags, uint32_t len)
{
	struct stream_flow *st;

	if (!(tcp_flags & KN_TCP_SYN) && !(len && ctx->cfg.midstream))
		return NULL;
	if (!ctx->cfg.midstream && kn_flow_tcp_pickup(flow) &&
	    !(ctx->cfg.async_oneside && (tcp_flags & KN_TCP_SYN)))
		return NULL;   /* began with a SYN/ACK: the client SYN was not seen either */
	st = stream_pool_get(ctx, &ctx->flow_pool);
	if (!st) {
		ctx->stats.memcap_drops++;
		return NULL;
	}
	memset(st, 0, sizeof(*st));
	flow->stream = st;
	ctx->extra.live_flows++;
	return st;
}

void kn_stream_packet(struct kn_stream_ctx *ctx, struct kn_packet *pkt)
{
	struct kn_flow *flow = pkt->flow;
	uint32_t len = pkt->payload_len;

	if (KN_UNLIKELY(!flow || pkt->proto != 6))
		return;
	const uint8_t tf = pkt->tcp.flags;
	if (KN_UNLIKELY(len && (pkt->payload_off > pkt->caplen ||
				len > pkt->caplen - pkt->payload_off))) {
		ctx->stats.malformed++;
		len = 0;
	}
	ctx->stats.segments += len != 0;
	struct stream_flow *st = flow->stream;
	if (KN_UNLIKELY(!st) && !(st = flow_state(ctx, flow, tf, len)))
		return;
	if (st->reset)
		return;
	if (KN_UNLIKELY(tf & KN_TCP_RST)) {
		on_rst(ctx, flow, st);
		return;
	}
	const int dir = pkt->dir & 1;
	uint32_t seq = pkt->tcp.seq;
	if (KN_UNLIKELY(tf & KN_TCP_SYN))
		on_syn(&st->dir[dir], seq++);
	/* The acknowledgement first: what the peer sent before this packet
	 * reaches the callback before this packet's own bytes (a response
	 * after a hole in its request is delivered after the request). */
	if (tf & KN_TCP_ACK)
		on_ack(ctx, flow, st, dir ^ 1, pkt->tcp.ack);
	if (len || (tf & KN_TCP_FIN))
		on_segment(ctx, flow, st, dir, seq, len ? pkt->data + pkt->payload_off : NULL,
			   len, tf & KN_TCP_FIN);
}

void kn_stream_flow_end(struct kn_stream_ctx *ctx, struct kn_flow *flow)
{
	struct stream_flow *st = flow->stream;

	if (!st)
		return;
	for (int dir = 0; dir < 2; dir++) {
		struct stream_dir *d = &st->dir[dir];
		if (!(d->flags & STREAM_D_ACTIVE))
			continue;
		stream_flush_all(ctx, flow, dir, d);
		unsigned flags = KN_STREAM_END;
		if (!(d->flags & STREAM_D_STARTED))
			flags |= KN_STREAM_START;
		if (d->flags & STREAM_D_DIFF)
			flags |= KN_STREAM_OVERLAP_DIFF;
		ctx->on_data(ctx->user, flow, dir, NULL, 0, d->next_off, flags);
		stream_segs_free_all(ctx, d);
	}
	stream_pool_put(ctx, &ctx->flow_pool, st);
	flow->stream = NULL;
	ctx->extra.live_flows--;
}
