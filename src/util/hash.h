/*
 * hash.h - fast non-cryptographic hashing for tables and worker selection.
 *
 * Leaf utility. kn_hash_tuple() is symmetric: swapping (addr_a, port_a) with
 * (addr_b, port_b) gives the same value, so both directions of a flow land in
 * the same bucket and on the same worker.
 */
#ifndef KN_UTIL_HASH_H
#define KN_UTIL_HASH_H

#include <stddef.h>
#include <stdint.h>
#include <string.h>

/* 64-bit finaliser (from the public-domain splitmix64 constants). */
static inline uint64_t kn_mix64(uint64_t x)
{
	x ^= x >> 30;
	x *= 0xbf58476d1ce4e5b9ULL;
	x ^= x >> 27;
	x *= 0x94d049bb133111ebULL;
	x ^= x >> 31;
	return x;
}

/* A seeded hash of n bytes for tables keyed by short strings (names,
 * domains): 8 bytes at a time through kn_mix64. Not collision-proof: table
 * probes compare whole keys. */
static inline uint64_t kn_hash64(const void *data, size_t n, uint64_t seed)
{
	const unsigned char *p = data;
	uint64_t h = kn_mix64(seed ^ (n * 0x9e3779b97f4a7c15ULL));

	for (; n >= 8; n -= 8, p += 8) {
		uint64_t w;
		memcpy(&w, p, 8);
		h = kn_mix64(h ^ w);
	}
	uint64_t tail = 0;
	memcpy(&tail, p, n);
	return kn_mix64(h ^ tail ^ ((uint64_t)n << 56));
}

/* FNV-1a, 64 bits, continuing from h (start with KN_FNV1A64_INIT): one byte
 * at a time, for checksums of files and fingerprints where the exact,
 * published function matters more than speed. */
#define KN_FNV1A64_INIT 0xcbf29ce484222325ULL
static inline uint64_t kn_fnv1a64(uint64_t h, const void *data, size_t n)
{
	const unsigned char *p = data;
	for (size_t i = 0; i < n; i++)
		h = (h ^ p[i]) * 0x100000001b3ULL;
	return h;
}

/* Symmetric tuple hash. `extra` carries protocol, VLAN ids and tunnel id.
 * Sums are commutative, so swapping the ends gives the same value; one
 * finaliser mixes the result (a table probe compares whole keys, so this
 * only has to spread, not to be collision-proof). */
static inline uint32_t kn_hash_tuple(const uint8_t addr_a[16], uint16_t port_a,
				     const uint8_t addr_b[16], uint16_t port_b,
				     uint64_t extra)
{
	uint64_t a0, a1, b0, b1;
	memcpy(&a0, addr_a, 8);
	memcpy(&a1, addr_a + 8, 8);
	memcpy(&b0, addr_b, 8);
	memcpy(&b1, addr_b + 8, 8);
	uint64_t lo = a0 + b0, hi = a1 + b1;
	uint64_t ports = ((uint64_t)(port_a + port_b) << 32) | (uint64_t)(port_a ^ port_b);
	uint64_t h = kn_mix64(lo ^ (hi << 29 | hi >> 35) ^ ports ^ (extra * 0x9e3779b97f4a7c15ULL));
	return (uint32_t)(h ^ (h >> 32));
}

#endif
