/*
 * dedup.c - the per-worker memory of what was already reported: a bounded
 * table of 128-bit keyed digests (SipHash-2-4, 128-bit output) kept in
 * least-recently-seen order.
 *
 * Vuln stage, used by vuln.c for assets and findings. Digests, not the
 * asset strings, are stored (32 bytes an entry whatever the banner length);
 * the hash key is random per context, so a crafted banner cannot be made
 * to collide with another host's asset and hide it. When the table is full
 * the least recently seen entry is forgotten (counted): that asset is
 * simply reported again if it shows up later.
 */
#include "vuln/vuln_int.h"

#include <endian.h>
#include <string.h>

#include "util/alloc.h"

/* ------------------------------------------------------------ SipHash */

/* The helpers are inline so that the state stays in registers: as calls,
 * each round loaded and stored the four words (twice the instructions). */
static inline uint64_t rotl(uint64_t x, int b)
{
	return (x << b) | (x >> (64 - b));
}

static inline uint64_t load_le64(const uint8_t *p)
{
	uint64_t v;
	memcpy(&v, p, 8);
	return le64toh(v);
}

struct sip {
	uint64_t v0, v1, v2, v3;
};

static inline void sip_round(struct sip *s)
{
	s->v0 += s->v1;
	s->v1 = rotl(s->v1, 13) ^ s->v0;
	s->v0 = rotl(s->v0, 32);
	s->v2 += s->v3;
	s->v3 = rotl(s->v3, 16) ^ s->v2;
	s->v0 += s->v3;
	s->v3 = rotl(s->v3, 21) ^ s->v0;
	s->v2 += s->v1;
	s->v1 = rotl(s->v1, 17) ^ s->v2;
	s->v2 = rotl(s->v2, 32);
}

static inline void sip_block(struct sip *s, uint64_t m)
{
	s->v3 ^= m;
	sip_round(s);
	sip_round(s);
	s->v0 ^= m;
}

void vuln_siphash128(const uint8_t key[16], const void *data, size_t len, uint64_t out[2])
{
	const uint8_t *p = data;
	uint64_t k0 = load_le64(key), k1 = load_le64(key + 8);
	struct sip s = {
		k0 ^ 0x736f6d6570736575ULL, k1 ^ 0x646f72616e646f6dULL ^ 0xee,
		k0 ^ 0x6c7967656e657261ULL, k1 ^ 0x7465646279746573ULL,
	};
	size_t i;
	uint8_t last[8] = { 0 };

	for (i = 0; i + 8 <= len; i += 8)
		sip_block(&s, load_le64(p + i));
	memcpy(last, p + i, len - i);
	last[7] = (uint8_t)len;
	sip_block(&s, load_le64(last));
	s.v2 ^= 0xee;
	for (int r = 0; r < 4; r++)
		sip_round(&s);
	out[0] = s.v0 ^ s.v1 ^ s.v2 ^ s.v3;
	s.v1 ^= 0xdd;
	for (int r = 0; r < 4; r++)
		sip_round(&s);
	out[1] = s.v0 ^ s.v1 ^ s.v2 ^ s.v3;
}

/* -------------------------------------------------------- the table */

int vuln_seen_init(struct vuln_seen *s, uint32_t max)
{
	memset(s, 0, sizeof *s);
	s->max = max;
	s->lru_head = s->lru_tail = VULN_NONE;
	return 0;
}

void vuln_seen_fini(struct vuln_seen *s)
{
	kn_free(s->e);
	kn_free(s->bucket);
	memset(s, 0, sizeof *s);
}

size_t vuln_seen_bytes(const struct vuln_seen *s)
{
	return (size_t)s->cap * sizeof *s->e + (size_t)s->nbuckets * sizeof *s->bucket;
}

static uint32_t bucket_of(const struct vuln_seen *s, const uint64_t h[2])
{
	return (uint32_t)h[0] & (s->nbuckets - 1);
}

static void lru_unlink(struct vuln_seen *s, uint32_t i)
{
	struct vuln_seen_entry *e = &s->e[i];
	if (e->prev_lru != VULN_NONE)
		s->e[e->prev_lru].next_lru = e->next_lru;
	else
		s->lru_head = e->next_lru;
	if (e->next_lru != VULN_NONE)
		s->e[e->next_lru].prev_lru = e->prev_lru;
	else
		s->lru_tail = e->prev_lru;
}

static void lru_push(struct vuln_seen *s, uint32_t i)
{
	struct vuln_seen_entry *e = &s->e[i];
	e->prev_lru = VULN_NONE;
	e->next_lru = s->lru_head;
	if (s->lru_head != VULN_NONE)
		s->e[s->lru_head].prev_lru = i;
	s->lru_head = i;
	if (s->lru_tail == VULN_NONE)
		s->lru_tail = i;
}

static void chain_insert(struct vuln_seen *s, uint32_t i)
{
	uint32_t b = bucket_of(s, s->e[i].h);
	s->e[i].next = s->bucket[b];
	s->bucket[b] = i;
}

static void chain_remove(struct vuln_seen *s, uint32_t i)
{
	uint32_t *p = &s->bucket[bucket_of(s, s->e[i].h)];
	while (*p != i)
		p = &s->e[*p].next;
	*p = s->e[i].next;
}

/* Doubles the entry array (and the buckets with it) up to max. */
static int grow(struct vuln_seen *s)
{
	uint32_t cap = s->cap ? s->cap * 2 : 256;
	if (cap > s->max)
		cap = s->max;
	uint32_t nb = 1;
	while (nb < cap)
		nb <<= 1;
	struct vuln_seen_entry *e = kn_realloc_array(s->e, cap, sizeof *e);
	if (!e)
		return -KN_ENOMEM;
	s->e = e;
	if (nb != s->nbuckets) {
		uint32_t *b = kn_realloc_array(s->bucket, nb, sizeof *b);
		if (!b)
			return -KN_ENOMEM;  /* entries grew; cap unchanged, retried later */
		s->bucket = b;
		s->nbuckets = nb;
		memset(b, 0xff, (size_t)nb * sizeof *b);
		for (uint32_t i = 0; i < s->n; i++)
			chain_insert(s, i);
	}
	s->cap = cap;
	return 0;
}

int vuln_seen_add(struct vuln_seen *s, const uint64_t h[2])
{
	uint32_t i;

	if (s->nbuckets) {
		for (i = s->bucket[bucket_of(s, h)]; i != VULN_NONE; i = s->e[i].next) {
			if (s->e[i].h[0] == h[0] && s->e[i].h[1] == h[1]) {
				lru_unlink(s, i);
				lru_push(s, i);
				return 0;
			}
		}
	}
	if (s->n < s->max && s->n == s->cap && grow(s) != 0)
		return -KN_ENOMEM;
	if (s->n < s->cap) {
		i = s->n++;
	} else {
		i = s->lru_tail;  /* full: forget the least recently seen */
		lru_unlink(s, i);
		chain_remove(s, i);
		s->evictions++;
	}
	s->e[i].h[0] = h[0];
	s->e[i].h[1] = h[1];
	chain_insert(s, i);
	lru_push(s, i);
	return 1;
}
