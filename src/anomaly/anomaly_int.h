/*
 * anomaly_int.h - private structures of the anomaly stage (src/anomaly),
 * shared by its files; nothing outside src/anomaly includes it.
 *
 * Layout of the stage:
 *   table.c     fixed-capacity key -> id tables (open addressing, LRU eviction)
 *   features.c  the damped statistics and kn_afterimage_update()
 *   names.c     Kitsune-py's feature names, the time conversion
 *   packet.c    struct kn_packet -> struct kn_ai_packet (ARP, MACs)
 * (The behaviour detectors in this folder use kenchi/detector.h, not this.)
 */
#ifndef KN_ANOMALY_INT_H
#define KN_ANOMALY_INT_H

#include <stddef.h>
#include <stdint.h>

#include "kenchi/anomaly.h"

#define ANOMALY_NIL UINT32_MAX

/* One end of a statistic as Kitsune-py names it: an address (or MAC, or
 * nothing) and, for sockets, what follows it. Kitsune-py builds its keys by
 * concatenating text; tagging each part keeps the same identities. */
enum anomaly_ep_kind { ANOMALY_EP_NONE = 0, ANOMALY_EP_V4, ANOMALY_EP_V6, ANOMALY_EP_MAC };
enum anomaly_ep_port { ANOMALY_PORT_NONE = 0, ANOMALY_PORT_NUM, ANOMALY_PORT_ICMP };

struct anomaly_ep {
	uint64_t tag;     /* kind | port kind << 8 | port << 16 */
	uint64_t lo, hi;  /* address bytes 0-7 and 8-15 (IPv4, MAC: in lo), else 0 */
};

/* A table key: one or two ends (b zero when unused), compared as words. */
struct anomaly_key {
	struct anomaly_ep a, b;
};

struct anomaly_node {
	struct anomaly_key key;
	uint32_t hash;
	uint32_t lru_prev, lru_next; /* ANOMALY_NIL at the ends; lru_next links the free list */
	uint32_t aux;                /* the owner's word (the table never reads it), kept in
				      * the node's cache line: fills its padding */
};

/* Called before the least recently used entry `id` is dropped to make room. */
typedef void (*anomaly_evict_fn)(void *ctx, uint32_t id);

/* Maps keys to ids in [0, cap). Entry id is a node followed by the caller's
 * value (val_size bytes) in one block of `stride` bytes, so a lookup touches
 * one slot and one entry. The most recently looked up or added entry is at
 * lru_head. */
struct anomaly_table {
	uint32_t cap, count, mask;   /* mask + 1 = slots, a power of two >= 2 * cap */
	uint32_t lru_head, lru_tail, free_head;
	uint64_t *slots;             /* hash << 32 | (id + 1), 0 = empty */
	uint8_t *mem;                /* cap entries of stride bytes */
	size_t stride;               /* node + value, a multiple of 64 */
	uint64_t evictions;
	anomaly_evict_fn evict;
	void *evict_ctx;
};

/* Bytes a table of cap entries with val_size-byte values allocates. */
size_t anomaly_table_bytes(uint32_t cap, size_t val_size);
/* Everything allocated here, values zeroed; -KN_ENOMEM, or -KN_EINVAL for
 * cap < 2. */
KN_WARN_UNUSED int anomaly_table_init(struct anomaly_table *t, uint32_t cap, size_t val_size,
				      anomaly_evict_fn evict, void *ctx);
void anomaly_table_fini(struct anomaly_table *t);
uint32_t anomaly_key_hash(const struct anomaly_key *k);
/* The id of key (made the most recently used), or ANOMALY_NIL. */
uint32_t anomaly_table_find(struct anomaly_table *t, const struct anomaly_key *k, uint32_t hash);
/* Adds a key known to be absent, evicting the least recently used entry when
 * full; returns its id (the caller initialises the value). */
uint32_t anomaly_table_add(struct anomaly_table *t, const struct anomaly_key *k, uint32_t hash);
/* Drops entry id (no callback). */
void anomaly_table_remove(struct anomaly_table *t, uint32_t id);

static inline struct anomaly_node *anomaly_node(const struct anomaly_table *t, uint32_t id)
{
	return (struct anomaly_node *)(void *)(t->mem + (size_t)id * t->stride);
}

/* The owner's word of entry id (struct anomaly_node): undefined until the
 * owner sets it after anomaly_table_add(). */
static inline uint32_t *anomaly_aux(const struct anomaly_table *t, uint32_t id)
{
	return &anomaly_node(t, id)->aux;
}

/* The value of entry id (8-byte aligned, valid while the entry lives). */
static inline void *anomaly_val(const struct anomaly_table *t, uint32_t id)
{
	return t->mem + (size_t)id * t->stride + sizeof(struct anomaly_node);
}

/* Prefetch hint for a lookup of hash coming soon: its home slot, so that
 * the cache misses of several tables overlap. Never changes the table.
 * (Hints for the entry and, in a full table, the eviction victim here
 * were measured: features 1.04-1.09x slower. A full table fetches its
 * next victim one eviction ahead instead: table.c.) */
static inline void anomaly_table_prefetch(const struct anomaly_table *t, uint32_t hash)
{
	__builtin_prefetch(&t->slots[hash & t->mask]);
}

#endif
