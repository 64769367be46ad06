/*
 * defrag.h - data structures of IP defragmentation, shared by defrag.c
 * (fragment handling, reassembly, expiry) and defrag_mem.c (pools, memcap,
 * tracker table). Private to the decode stage.
 *
 * A tracker holds one datagram in reassembly: a sorted list of disjoint
 * pieces (fragment data copied into fixed-size pool blocks, first data
 * wins), the header of the offset-0 fragment, and the capture accounting
 * (how many packets and bytes it stands for). Trackers sit in a hash table
 * keyed by (version, src, dst, id, proto, vlan ids, tunnel id) and in an
 * age list (oldest first) for expiry.
 *
 * Memory: pieces and trackers come from free lists refilled by slabs;
 * in-use pieces + trackers are bounded by the memcap, their number by
 * max_trackers. The bucket array and the 64 KiB reassembly buffer are a
 * fixed overhead allocated at the first fragment, outside the memcap.
 */
#ifndef KN_DECODE_DEFRAG_H
#define KN_DECODE_DEFRAG_H

#include <stdint.h>

#include "decode_int.h"

#define DEFRAG_PIECE_DATA 496    /* a piece block is 512 bytes */
#define DEFRAG_HDR_MAX 128       /* IPv4 header, or IPv6 unfragmentable part */
#define DEFRAG_MAX_FRAGS 1024    /* fragments per datagram */
#define DEFRAG_DATAGRAM_MAX 65535
#define DEFRAG_BUF_SIZE (DEFRAG_DATAGRAM_MAX + DEFRAG_HDR_MAX)

struct defrag_piece {
	struct defrag_piece *next;
	uint32_t off, len; /* bytes [off, off+len) of the datagram payload */
	uint8_t data[DEFRAG_PIECE_DATA];
};

/* Compared with memcmp: always zero-initialised before filling. */
struct defrag_key {
	struct kn_addr src, dst;
	uint32_t id, tunnel_id;
	uint16_t vlan[2];
	uint8_t version, proto; /* proto is 0 for IPv6 (RFC 8200 key) */
	uint8_t pad[2];
};

struct defrag_tracker {
	struct defrag_key key;
	struct defrag_tracker *hnext;         /* bucket chain, or free list */
	struct defrag_tracker *older, *newer; /* age list */
	struct defrag_piece *head, *tail;
	uint64_t created_ns;
	uint64_t frag_bytes;   /* captured bytes of the fragments held */
	uint32_t frag_count;   /* captured packets they stand for */
	uint32_t nfrags;       /* fragments accepted */
	uint32_t hash;
	uint32_t total;        /* payload length, known once the last fragment came */
	uint32_t covered;      /* payload bytes present */
	uint32_t max_end;      /* highest payload end seen */
	uint16_t hdr_len;      /* 0 until the offset-0 fragment came */
	uint16_t nh_pos;       /* IPv6: offset in hdr of the byte naming the payload */
	uint8_t seen_last;
	uint8_t next_proto;    /* IPv6: the fragment header's next header */
	uint8_t hdr[DEFRAG_HDR_MAX];
};

struct defrag_slab {
	struct defrag_slab *next;
};

struct defrag {
	uint64_t memcap, timeout_ns;
	uint32_t max_trackers, ntrackers, mask;
	uint64_t mem;                        /* pieces + trackers in use, bytes */
	struct defrag_tracker **buckets;     /* NULL until the first fragment */
	struct defrag_tracker *oldest, *newest;
	struct defrag_tracker *free_trackers;
	struct defrag_piece *free_pieces;
	struct defrag_slab *slabs;
	uint8_t *buf;                        /* reassembly output */
};

/* defrag_mem.c */
int defrag_ready(struct defrag *f);
struct defrag_piece *defrag_piece_get(struct kn_decoder *d);
struct defrag_tracker *defrag_tracker_get(struct kn_decoder *d, const struct defrag_key *key,
					  uint32_t hash, uint64_t now_ns);
/* Unlinks t and returns it and its pieces to the pools. */
void defrag_tracker_release(struct kn_decoder *d, struct defrag_tracker *t);
struct defrag_tracker *defrag_lookup(const struct defrag *f, const struct defrag_key *key,
				     uint32_t hash);

#endif
