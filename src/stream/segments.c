/*
 * segments.c - the out-of-order buffer of one direction: a sorted,
 * non-overlapping, doubly linked list of segment nodes, filled under the
 * overlap policy FIRST.
 *
 * Part of src/stream (see stream_int.h). Only bytes that are not yet
 * covered are stored; bytes of the new segment that fall on buffered ones
 * are compared with them and dropped (the first copy wins). The list is
 * searched from whichever end is nearer to the new segment, so the two
 * common cases - new data after the last hole (near the tail) and the
 * retransmission that fills the first hole (near the head) - cost O(1).
 * The node count per direction is bounded by the caller (ctx->max_segs).
 */
#include "stream/stream_int.h"

#include <string.h>

static inline uint32_t min_u32(uint32_t a, uint32_t b)
{
	return a < b ? a : b;
}

/* The first node whose end lies after `off`, NULL if none. */
static struct stream_seg *first_ending_after(const struct stream_dir *d, uint64_t off)
{
	struct stream_seg *n = d->tail;

	if (!n || stream_seg_end(n) <= off)
		return NULL;
	if (off < d->head->off)
		return d->head;
	if (off >= n->off)
		return n;
	if (off - d->head->off < n->off - off) {
		n = d->head;
		while (stream_seg_end(n) <= off)
			n = n->next;
		return n;
	}
	while (n->prev && stream_seg_end(n->prev) > off)
		n = n->prev;
	return n;
}

static void link_before(struct stream_dir *d, struct stream_seg *before, struct stream_seg *s)
{
	s->next = before;
	s->prev = before ? before->prev : d->tail;
	if (s->prev)
		s->prev->next = s;
	else
		d->head = s;
	if (before)
		before->prev = s;
	else
		d->tail = s;
	d->nsegs++;
}

/* Buffers the uncovered range [off, off + len) in front of `before` (NULL =
 * at the tail), first into the spare room of the node ending at `off`.
 * Returns 0, or -KN_ENOMEM when the memcap refused part of it. */
static int store_range(struct kn_stream_ctx *ctx, struct stream_dir *d,
	struct stream_seg *before, uint64_t off, const uint8_t *p, uint32_t len)
{
	struct stream_seg *prev = before ? before->prev : d->tail;

	if (prev && stream_seg_end(prev) == off && prev->len < prev->cap) {
		uint32_t n = min_u32(len, prev->cap - prev->len);
		memcpy(prev->data + prev->len, p, n);
		prev->len += n;
		d->ooo_bytes += n;
		off += n;
		p += n;
		len -= n;
	}
	while (len) {
		struct stream_seg *s = stream_seg_alloc(ctx, len);
		if (!s)
			return -KN_ENOMEM;
		uint32_t n = min_u32(len, s->cap);
		memcpy(s->data, p, n);
		s->off = off;
		s->len = n;
		link_before(d, before, s);
		d->ooo_bytes += n;
		off += n;
		p += n;
		len -= n;
	}
	return 0;
}

void stream_segs_put(struct kn_stream_ctx *ctx, struct stream_dir *d, uint64_t off,
	const uint8_t *p, uint32_t len, struct stream_put *res)
{
	const uint64_t end = off + len;
	struct stream_seg *n = first_ending_after(d, off);
	uint64_t cur = off;

	while (cur < end) {
		if (!n || n->off > cur) {
			uint64_t stop = (n && n->off < end) ? n->off : end;
			if (store_range(ctx, d, n, cur, p + (cur - off), (uint32_t)(stop - cur)) < 0) {
				res->dropped = 1;
				return;
			}
			res->stored = 1;
			cur = stop;
			continue;
		}
		/* n covers cur: FIRST, keep n's bytes and note whether they differ */
		uint64_t oend = end < stream_seg_end(n) ? end : stream_seg_end(n);
		res->overlapped = 1;
		if (memcmp(n->data + (cur - n->off), p + (cur - off), (size_t)(oend - cur)) != 0)
			res->diff = 1;
		cur = oend;
		n = n->next;
	}
}

struct stream_seg *stream_segs_pop(struct stream_dir *d)
{
	struct stream_seg *s = d->head;

	if (!s)
		return NULL;
	d->head = s->next;
	if (d->head)
		d->head->prev = NULL;
	else
		d->tail = NULL;
	d->nsegs--;
	d->ooo_bytes -= s->len;
	s->next = NULL;
	return s;
}

void stream_segs_free_all(struct kn_stream_ctx *ctx, struct stream_dir *d)
{
	struct stream_seg *s = d->head;

	while (s) {
		struct stream_seg *next = s->next;
		stream_seg_free(ctx, s);
		s = next;
	}
	d->head = d->tail = NULL;
	d->nsegs = 0;
	d->ooo_bytes = 0;
}
