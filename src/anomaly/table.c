/*
 * table.c - the anomaly stage's fixed-capacity tables: key -> id with open
 * addressing (linear probing, backward-shift deletion, so no tombstones)
 * and a least-recently-used list. A slot holds the entry's hash beside its
 * id, so probing and deletion compare hashes without touching the entries,
 * and an entry holds its node (key, hash, LRU links) and the caller's value
 * together: a hit costs one slot and one entry. Ids are stable for an
 * entry's life, so values link to each other by id. Everything is
 * allocated at init; a full table evicts its least recently used entry
 * (after telling the owner through the evict callback), and then fetches
 * the next victim's lines ahead of its eviction.
 */
#include <string.h>

#include "anomaly/anomaly_int.h"
#include "util/alloc.h"
#include "util/hash.h"

static uint32_t slot_count(uint32_t cap)
{
	uint32_t n = 2;
	while (n < 2 * (uint64_t)cap)
		n <<= 1;
	return n;
}

static size_t stride_of(size_t val_size)
{
	return (sizeof(struct anomaly_node) + val_size + 63) & ~(size_t)63;
}

size_t anomaly_table_bytes(uint32_t cap, size_t val_size)
{
	return (size_t)cap * stride_of(val_size) + (size_t)slot_count(cap) * sizeof(uint64_t);
}

int anomaly_table_init(struct anomaly_table *t, uint32_t cap, size_t val_size,
		       anomaly_evict_fn evict, void *ctx)
{
	memset(t, 0, sizeof *t);
	if (cap < 2 || cap > (UINT32_MAX >> 2))
		return -KN_EINVAL;
	uint32_t slots = slot_count(cap);
	t->stride = stride_of(val_size);
	t->slots = kn_calloc(slots, sizeof *t->slots);
	t->mem = kn_calloc(cap, t->stride);
	if (!t->slots || !t->mem) {
		anomaly_table_fini(t);
		return -KN_ENOMEM;
	}
	t->cap = cap;
	t->mask = slots - 1;
	t->lru_head = t->lru_tail = ANOMALY_NIL;
	for (uint32_t i = 0; i < cap; i++)
		anomaly_node(t, i)->lru_next = i + 1 < cap ? i + 1 : ANOMALY_NIL;
	t->free_head = 0;
	t->evict = evict;
	t->evict_ctx = ctx;
	return 0;
}

void anomaly_table_fini(struct anomaly_table *t)
{
	kn_free(t->slots);
	kn_free(t->mem);
	t->slots = NULL;
	t->mem = NULL;
}

uint32_t anomaly_key_hash(const struct anomaly_key *k)
{
	/* independent multiplies (they overlap), one finaliser */
	uint64_t h = (k->a.tag ^ k->a.tag >> 29) * 0x9e3779b97f4a7c15ULL +
		     (k->a.lo ^ k->a.lo >> 29) * 0xff51afd7ed558ccdULL +
		     (k->a.hi ^ k->a.hi >> 29) * 0xc4ceb9fe1a85ec53ULL +
		     (k->b.tag ^ k->b.tag >> 29) * 0xbf58476d1ce4e5b9ULL +
		     (k->b.lo ^ k->b.lo >> 29) * 0x94d049bb133111ebULL +
		     (k->b.hi ^ k->b.hi >> 29) * 0xd6e8feb86659fd93ULL;
	h = kn_mix64(h);
	return (uint32_t)(h ^ (h >> 32));
}

static int key_equal(const struct anomaly_key *x, const struct anomaly_key *y)
{
	return ((x->a.tag ^ y->a.tag) | (x->a.lo ^ y->a.lo) | (x->a.hi ^ y->a.hi) |
		(x->b.tag ^ y->b.tag) | (x->b.lo ^ y->b.lo) | (x->b.hi ^ y->b.hi)) == 0;
}

static void lru_unlink(struct anomaly_table *t, uint32_t id)
{
	struct anomaly_node *n = anomaly_node(t, id);
	if (n->lru_prev != ANOMALY_NIL)
		anomaly_node(t, n->lru_prev)->lru_next = n->lru_next;
	else
		t->lru_head = n->lru_next;
	if (n->lru_next != ANOMALY_NIL)
		anomaly_node(t, n->lru_next)->lru_prev = n->lru_prev;
	else
		t->lru_tail = n->lru_prev;
}

static void lru_push_front(struct anomaly_table *t, uint32_t id)
{
	struct anomaly_node *n = anomaly_node(t, id);
	n->lru_prev = ANOMALY_NIL;
	n->lru_next = t->lru_head;
	if (t->lru_head != ANOMALY_NIL)
		anomaly_node(t, t->lru_head)->lru_prev = id;
	else
		t->lru_tail = id;
	t->lru_head = id;
}

static uint64_t slot_of(uint32_t hash, uint32_t id)
{
	return (uint64_t)hash << 32 | (id + 1);
}

uint32_t anomaly_table_find(struct anomaly_table *t, const struct anomaly_key *k, uint32_t hash)
{
	for (uint32_t s = hash & t->mask;; s = (s + 1) & t->mask) {
		uint64_t v = t->slots[s];
		if (v == 0)
			return ANOMALY_NIL;
		uint32_t id = (uint32_t)v - 1;
		if ((uint32_t)(v >> 32) == hash && key_equal(&anomaly_node(t, id)->key, k)) {
			if (t->lru_head != id) {
				lru_unlink(t, id);
				lru_push_front(t, id);
			}
			return id;
		}
	}
}

/* Removes id from the slot array, shifting later members of its probe run
 * back so every remaining key stays reachable from its home slot. */
static void slot_delete(struct anomaly_table *t, uint32_t id)
{
	uint64_t me = slot_of(anomaly_node(t, id)->hash, id);
	uint32_t s = anomaly_node(t, id)->hash & t->mask;
	while (t->slots[s] != me)
		s = (s + 1) & t->mask;
	uint32_t hole = s;
	for (s = (s + 1) & t->mask; t->slots[s] != 0; s = (s + 1) & t->mask) {
		uint32_t home = (uint32_t)(t->slots[s] >> 32) & t->mask;
		/* The entry may move to the hole unless its home lies in (hole, s]. */
		if (((s - home) & t->mask) >= ((s - hole) & t->mask)) {
			t->slots[hole] = t->slots[s];
			hole = s;
		}
	}
	t->slots[hole] = 0;
}

void anomaly_table_remove(struct anomaly_table *t, uint32_t id)
{
	slot_delete(t, id);
	lru_unlink(t, id);
	anomaly_node(t, id)->lru_next = t->free_head;
	t->free_head = id;
	t->count--;
}

/* A full table evicts again on its next add, most likely a packet later:
 * what that eviction and the add after it will touch is fetched now, one
 * eviction ahead, so those misses overlap with the packet's work instead
 * of stalling it. The new tail's node was just written (lru_unlink); its
 * slot, its value's lines (the add reinitialises them) and the node of the
 * entry after it (the tail after that) are fetched. Prefetching the same
 * lines on the add itself, too late to overlap, was measured slower.
 * (Always inlined: GCC finds a function of prefetches alone free of side
 * effects and drops its calls.) */
static inline __attribute__((always_inline)) void
prefetch_next_victim(const struct anomaly_table *t)
{
	if (t->lru_tail == ANOMALY_NIL)
		return;
	const struct anomaly_node *n = anomaly_node(t, t->lru_tail);
	__builtin_prefetch(&t->slots[n->hash & t->mask]);
	if (n->lru_prev != ANOMALY_NIL)
		__builtin_prefetch(anomaly_node(t, n->lru_prev));
	for (size_t o = 64; o < t->stride; o += 64)
		__builtin_prefetch((const char *)n + o, 1);
}

uint32_t anomaly_table_add(struct anomaly_table *t, const struct anomaly_key *k, uint32_t hash)
{
	if (t->free_head == ANOMALY_NIL) {
		uint32_t victim = t->lru_tail;
		if (t->evict)
			t->evict(t->evict_ctx, victim);
		anomaly_table_remove(t, victim);
		t->evictions++;
		prefetch_next_victim(t);
	}
	uint32_t id = t->free_head;
	struct anomaly_node *n = anomaly_node(t, id);
	t->free_head = n->lru_next;
	n->key = *k;
	n->hash = hash;
	uint32_t s = hash & t->mask;
	while (t->slots[s] != 0)
		s = (s + 1) & t->mask;
	t->slots[s] = slot_of(hash, id);
	lru_push_front(t, id);
	t->count++;
	return id;
}
