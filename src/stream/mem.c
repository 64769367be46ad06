/*
 * mem.c - memory of the stream stage: free-list pools for the per-flow
 * state and the buffered segment nodes, and the context-wide memcap.
 *
 * Part of src/stream (see stream_int.h). Every block this stage allocates,
 * whether in use by a flow or parked on a free list, is counted in
 * stats.mem_in_use, which never exceeds cfg.memcap: a request that would
 * exceed it first returns the parked blocks to libc, and fails (NULL) if
 * that is not enough. Callers turn a NULL into a counted drop. After warm-up
 * the pools serve every request, so the packet path does not call malloc.
 */
#include "stream/stream_int.h"

#include "util/alloc.h"

struct pool_item {
	struct pool_item *next;
};

void stream_pools_init(struct kn_stream_ctx *ctx)
{
	ctx->flow_pool.size = (uint32_t)sizeof(struct stream_flow);
	ctx->small_pool.size = STREAM_NODE_SMALL;
	ctx->large_pool.size = STREAM_NODE_LARGE;
}

static void pool_trim(struct kn_stream_ctx *ctx, struct stream_pool *pool)
{
	struct pool_item *it = pool->free;

	while (it) {
		struct pool_item *next = it->next;
		kn_free(it);
		ctx->stats.mem_in_use -= pool->size;
		it = next;
	}
	pool->free = NULL;
	pool->nfree = 0;
}

void stream_pools_fini(struct kn_stream_ctx *ctx)
{
	pool_trim(ctx, &ctx->flow_pool);
	pool_trim(ctx, &ctx->small_pool);
	pool_trim(ctx, &ctx->large_pool);
}

/* Accounts `size` more bytes, releasing parked blocks when the memcap is
 * near. Returns 0, or -KN_ENOMEM when the memcap refuses. */
static int mem_reserve(struct kn_stream_ctx *ctx, uint64_t size)
{
	struct kn_stream_stats *st = &ctx->stats;

	if (st->mem_in_use + size > ctx->cfg.memcap) {
		stream_pools_fini(ctx);
		if (st->mem_in_use + size > ctx->cfg.memcap)
			return -KN_ENOMEM;
	}
	st->mem_in_use += size;
	if (st->mem_in_use > st->mem_peak)
		st->mem_peak = st->mem_in_use;
	return 0;
}

void *stream_pool_get(struct kn_stream_ctx *ctx, struct stream_pool *pool)
{
	struct pool_item *it = pool->free;

	if (KN_LIKELY(it != NULL)) {
		pool->free = it->next;
		pool->nfree--;
		return it;
	}
	if (mem_reserve(ctx, pool->size) < 0)
		return NULL;
	it = kn_malloc(pool->size);
	if (!it)
		ctx->stats.mem_in_use -= pool->size;
	return it;
}

void stream_pool_put(struct kn_stream_ctx *ctx, struct stream_pool *pool, void *p)
{
	struct pool_item *it = p;

	if (pool->nfree >= STREAM_POOL_MAX_FREE) {
		kn_free(it);
		ctx->stats.mem_in_use -= pool->size;
		return;
	}
	it->next = pool->free;
	pool->free = it;
	pool->nfree++;
}

/* A node able to hold up to `want` bytes (fewer when `want` exceeds a large
 * node: the caller loops). NULL when the memcap refuses. */
struct stream_seg *stream_seg_alloc(struct kn_stream_ctx *ctx, uint32_t want)
{
	const uint32_t small_cap = STREAM_NODE_SMALL - (uint32_t)sizeof(struct stream_seg);
	struct stream_pool *pool = want <= small_cap ? &ctx->small_pool : &ctx->large_pool;
	struct stream_seg *s = stream_pool_get(ctx, pool);

	if (!s)
		return NULL;
	s->prev = s->next = NULL;
	s->off = 0;
	s->len = 0;
	s->cap = pool->size - (uint32_t)sizeof(struct stream_seg);
	return s;
}

void stream_seg_free(struct kn_stream_ctx *ctx, struct stream_seg *s)
{
	const uint32_t small_cap = STREAM_NODE_SMALL - (uint32_t)sizeof(struct stream_seg);

	stream_pool_put(ctx, s->cap == small_cap ? &ctx->small_pool : &ctx->large_pool, s);
}
