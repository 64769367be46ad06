/*
 * defrag_mem.c - memory of IP defragmentation: the piece and tracker
 * pools (free lists refilled by slabs, so the steady state allocates
 * nothing per fragment), the memcap and tracker-count limits, and the
 * tracker hash table and age list.
 *
 * Part of the decode stage; used by defrag.c. Limits: a piece or tracker
 * is only handed out while the bytes in use stay within the memcap (and
 * trackers within max_trackers); slabs are kept until defrag_free, so the
 * memory allocated stays below memcap + one slab of each kind.
 */
#include <stddef.h>
#include <string.h>

#include "defrag.h"
#include "util/alloc.h"

#define SLAB_PIECES 64
#define SLAB_TRACKERS 32
#define BUCKETS_MIN 16u
#define BUCKETS_MAX (1u << 20)

/* Slab header padded so the objects after it stay 16-byte aligned. */
#define SLAB_HDR 16
_Static_assert(sizeof(struct defrag_slab) <= SLAB_HDR, "slab header fits its padding");

struct defrag *defrag_new(const struct kn_decode_config *cfg)
{
	struct defrag *f = kn_calloc(1, sizeof *f);
	if (!f)
		return NULL;
	f->memcap = cfg->defrag_memcap;
	f->timeout_ns = cfg->defrag_timeout_ns;
	f->max_trackers = cfg->defrag_max_trackers;
	return f;
}

void defrag_free(struct defrag *f)
{
	if (!f)
		return;
	for (struct defrag_slab *s = f->slabs, *n; s; s = n) {
		n = s->next;
		kn_free(s);
	}
	kn_free(f->buckets);
	kn_free(f->buf);
	kn_free(f);
}

/* Bucket count: a power of two near a quarter of the trackers that can
 * exist at once (bounded by both limits): chains stay short when full,
 * and the array stays small enough for the cache in normal times. */
static uint32_t bucket_count(const struct defrag *f)
{
	uint64_t want = f->memcap / sizeof(struct defrag_tracker);
	if (want > f->max_trackers)
		want = f->max_trackers;
	want /= 4;
	uint32_t n = BUCKETS_MIN;
	while (n < want && n < BUCKETS_MAX)
		n <<= 1;
	return n;
}

int defrag_ready(struct defrag *f)
{
	if (KN_LIKELY(f->buckets != NULL))
		return 0;
	uint32_t n = bucket_count(f);
	f->buf = kn_malloc(DEFRAG_BUF_SIZE);
	f->buckets = kn_calloc(n, sizeof *f->buckets);
	if (!f->buf || !f->buckets) {
		kn_free(f->buf);
		kn_free(f->buckets);
		f->buf = NULL;
		f->buckets = NULL;
		return -1;
	}
	f->mask = n - 1;
	return 0;
}

static void *slab_new(struct defrag *f, size_t objsize, unsigned n)
{
	struct defrag_slab *s = kn_calloc(1, SLAB_HDR + objsize * n);
	if (!s)
		return NULL;
	s->next = f->slabs;
	f->slabs = s;
	return (uint8_t *)s + SLAB_HDR;
}

static void mem_add(struct kn_decoder *d, int64_t delta)
{
	struct defrag *f = d->defrag;
	f->mem = (uint64_t)((int64_t)f->mem + delta);
	d->stats.defrag_mem_in_use = f->mem;
	if (f->mem > d->stats.defrag_mem_peak)
		d->stats.defrag_mem_peak = f->mem;
}

struct defrag_piece *defrag_piece_get(struct kn_decoder *d)
{
	struct defrag *f = d->defrag;

	if (f->mem + sizeof(struct defrag_piece) > f->memcap)
		return NULL;
	if (!f->free_pieces) {
		struct defrag_piece *arr = slab_new(f, sizeof *arr, SLAB_PIECES);
		if (!arr)
			return NULL;
		for (unsigned i = 0; i < SLAB_PIECES; i++) {
			arr[i].next = f->free_pieces;
			f->free_pieces = &arr[i];
		}
	}
	struct defrag_piece *pc = f->free_pieces;
	f->free_pieces = pc->next;
	pc->next = NULL;
	mem_add(d, (int64_t)sizeof *pc);
	return pc;
}

/* kn_decode() checks this one time stamp instead of the age list. */
static void update_due(struct kn_decoder *d)
{
	const struct defrag *f = d->defrag;
	uint64_t due = UINT64_MAX;
	if (f->oldest && f->oldest->created_ns <= UINT64_MAX - f->timeout_ns)
		due = f->oldest->created_ns + f->timeout_ns;
	d->defrag_due_ns = due;
}

static void link_tracker(struct defrag *f, struct defrag_tracker *t)
{
	struct defrag_tracker **b = &f->buckets[t->hash & f->mask];
	t->hnext = *b;
	*b = t;
	t->older = f->newest;
	t->newer = NULL;
	if (f->newest)
		f->newest->newer = t;
	else
		f->oldest = t;
	f->newest = t;
}

struct defrag_tracker *defrag_tracker_get(struct kn_decoder *d, const struct defrag_key *key,
					  uint32_t hash, uint64_t now_ns)
{
	struct defrag *f = d->defrag;

	if (f->ntrackers >= f->max_trackers ||
	    f->mem + sizeof(struct defrag_tracker) > f->memcap)
		return NULL;
	if (!f->free_trackers) {
		struct defrag_tracker *arr = slab_new(f, sizeof *arr, SLAB_TRACKERS);
		if (!arr)
			return NULL;
		for (unsigned i = 0; i < SLAB_TRACKERS; i++) {
			arr[i].hnext = f->free_trackers;
			f->free_trackers = &arr[i];
		}
	}
	struct defrag_tracker *t = f->free_trackers;
	f->free_trackers = t->hnext;
	memset(t, 0, offsetof(struct defrag_tracker, hdr)); /* hdr is filled before use */
	t->key = *key;
	t->hash = hash;
	t->created_ns = now_ns;
	link_tracker(f, t);
	if (f->oldest == t)
		update_due(d);
	f->ntrackers++;
	mem_add(d, (int64_t)sizeof *t);
	return t;
}

static void unlink_tracker(struct defrag *f, struct defrag_tracker *t)
{
	struct defrag_tracker **b = &f->buckets[t->hash & f->mask];
	while (*b != t)
		b = &(*b)->hnext;
	*b = t->hnext;
	if (t->older)
		t->older->newer = t->newer;
	else
		f->oldest = t->newer;
	if (t->newer)
		t->newer->older = t->older;
	else
		f->newest = t->older;
}

void defrag_tracker_release(struct kn_decoder *d, struct defrag_tracker *t)
{
	struct defrag *f = d->defrag;
	int64_t freed = (int64_t)sizeof *t;

	int was_oldest = f->oldest == t;
	unlink_tracker(f, t);
	if (was_oldest)
		update_due(d);
	for (struct defrag_piece *pc = t->head, *n; pc; pc = n) {
		n = pc->next;
		pc->next = f->free_pieces;
		f->free_pieces = pc;
		freed += (int64_t)sizeof *pc;
	}
	t->hnext = f->free_trackers;
	f->free_trackers = t;
	f->ntrackers--;
	mem_add(d, -freed);
}

struct defrag_tracker *defrag_lookup(const struct defrag *f, const struct defrag_key *key,
				     uint32_t hash)
{
	for (struct defrag_tracker *t = f->buckets[hash & f->mask]; t; t = t->hnext)
		if (t->hash == hash && memcmp(&t->key, key, sizeof *key) == 0)
			return t;
	return NULL;
}
