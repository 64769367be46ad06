/*
 * http_pool.c - the HTTP parser's per-worker pool of freed buffer blocks.
 *
 * A transaction owns some 25 buffers (request and status lines, raw and
 * cooked header blocks, header names and values, the header table, host,
 * normalised URI, kept body bytes), each grown by doubling from 128 bytes.
 * With malloc, every growth is a realloc and every transaction ends in a
 * burst of frees, and sizes past glibc's small per-thread caches go
 * through its bins: ~3% of the whole pipeline's time on mix.pcap. Blocks
 * whose size is a power of two from 128 B to 64 KiB are kept here when
 * freed and handed to the next buffer of that size.
 *
 * Bounds and policy: at most HTTP_POOL_PER_CLASS blocks of each size and
 * `budget` bytes in all (HTTP_POOL_BYTES, or 1/16 of the app memcap when
 * smaller); pooled bytes are charged to the memcap as per-context memory
 * (a block taken from the pool moves back to the flow's account, which the
 * caller charges). A block the pool cannot take is freed. The pool is the
 * parser's per-context state (kn_app_parser.ctx_size): one per worker, no
 * locking.
 *
 * Transactions are pool blocks too (1 KiB ones, http.c).
 *
 * The pool also holds the one EVP_MD_CTX with which files hashed at close
 * are digested (http_file.c), instead of one context made per file, and a
 * scratch JSON document (http_log.c). Both are charged once, at their
 * largest, as per-context memory. And it keeps up to HTTP_POOL_DECODERS
 * content decoders with their inflate states (http_body.c), within the
 * same byte budget as the blocks.
 *
 * App stage, used by http.c (struct http_buf, transactions), http_msg.c
 * (header tables), http_body.c (decoders), http_file.c (digests) and
 * http_log.c (JSON).
 */
#include <openssl/evp.h>

#include "app/http/http_int.h"
#include "util/alloc.h"
#include "util/json.h"

/* What an EVP_MD_CTX costs, roughly, for the memcap. */
#define POOL_MD_COST 512u

int http_pool_init(void *pctx, const struct kn_app_config *cfg)
{
	struct http_pool *pool = pctx;

	pool->budget = HTTP_POOL_BYTES;
	if (cfg && cfg->memcap / 16 < pool->budget)
		pool->budget = (size_t)(cfg->memcap / 16);
	return 0;
}

void http_pool_free(void *pctx)
{
	struct http_pool *pool = pctx;

	for (unsigned c = 0; c < HTTP_POOL_CLASSES; c++) {
		while (pool->n[c])
			kn_free(pool->blocks[c][--pool->n[c]]);
	}
	http_decoders_free(pool);
	pool->bytes = 0;
	EVP_MD_CTX_free(pool->md);
	pool->md = NULL;
	if (pool->obj)
		kn_json_fini(pool->obj);
	kn_free(pool->obj);
	pool->obj = NULL;
}

/* The class of a block size, or -1 when such blocks are not pooled: a
 * power of two (one bit set) in range, its class from its bit number. */
static int class_of(size_t size)
{
	if (size < (size_t)1 << HTTP_POOL_MIN_SHIFT ||
	    size > (size_t)1 << (HTTP_POOL_MIN_SHIFT + HTTP_POOL_CLASSES - 1) ||
	    (size & (size - 1)))
		return -1;
	return __builtin_ctzll((unsigned long long)size) - (int)HTTP_POOL_MIN_SHIFT;
}

static struct http_pool *pool_of(struct http_state *st)
{
	return st->c ? st->pool : NULL;
}

void *http_block_alloc(struct http_state *st, size_t size)
{
	struct http_pool *pool = pool_of(st);
	int c = class_of(size);

	if (pool && c >= 0 && pool->n[c]) {
		pool->bytes -= size;
		pool->reused++;
		kn_app_ctx_mem_credit(st->c, size);
		return pool->blocks[c][--pool->n[c]];
	}
	if (pool)
		pool->allocated++;
	return kn_malloc(size);
}

void http_block_free(struct http_state *st, void *p, size_t size)
{
	struct http_pool *pool = pool_of(st);
	int c = class_of(size);

	if (!p)
		return;
	if (!pool || c < 0 || pool->n[c] == HTTP_POOL_PER_CLASS ||
	    pool->bytes + size > pool->budget || kn_app_ctx_mem_charge(st->c, size) != 0) {
		kn_free(p);
		return;
	}
	pool->blocks[c][pool->n[c]++] = p;
	pool->bytes += size;
}

void *http_pool_md(struct http_state *st)
{
	struct http_pool *pool = pool_of(st);

	if (!pool)
		return NULL;
	if (!pool->md && kn_app_ctx_mem_charge(st->c, POOL_MD_COST) == 0) {
		pool->md = EVP_MD_CTX_new();
		if (!pool->md)
			kn_app_ctx_mem_credit(st->c, POOL_MD_COST);
	}
	return pool->md;
}

struct kn_json *http_pool_json(struct http_state *st)
{
	struct http_pool *pool = pool_of(st);
	size_t cost = sizeof *pool->obj + HTTP_POOL_JSON_MAX;

	if (!pool || pool->obj)
		return pool ? pool->obj : NULL;
	if (kn_app_ctx_mem_charge(st->c, cost) != 0)
		return NULL;
	pool->obj = kn_malloc(sizeof *pool->obj);
	if (!pool->obj || kn_json_init(pool->obj, 1024, HTTP_POOL_JSON_MAX) != 0) {
		kn_free(pool->obj);
		pool->obj = NULL;
		kn_app_ctx_mem_credit(st->c, cost);
	}
	return pool->obj;
}
