/*
 * hash.h - fast non-cryptographic hashing for tables and worker selection.
 *
 * Leaf utility. kn_hash_tuple() is symmetric: swapping (addr_a, port_a) with
 * (addr_b, port_b) gives the same value, so both directions of a flow land in
 * the same bucket and on the same worker.
 */
#ifndef KN_UTIL_HASH_H
#define KN_UTIL_HASH_H

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

static inline uint64_t kn_hash_addr16(const uint8_t a[16])
{
	uint64_t hi, lo;
	memcpy(&hi, a, 8);
	memcpy(&lo, a + 8, 8);
	return kn_mix64(hi ^ kn_mix64(lo + 0x9e3779b97f4a7c15ULL));
}

/* Symmetric tuple hash. `extra` carries protocol, VLAN ids and tunnel id. */
static inline uint32_t kn_hash_tuple(const uint8_t addr_a[16], uint16_t port_a,
				     const uint8_t addr_b[16], uint16_t port_b,
				     uint64_t extra)
{
	uint64_t ha = kn_hash_addr16(addr_a) + port_a;
	uint64_t hb = kn_hash_addr16(addr_b) + port_b;
	/* Commutative combination keeps the hash symmetric. */
	uint64_t h = kn_mix64((ha + hb) ^ kn_mix64(ha ^ hb) ^ kn_mix64(extra + 0x51ed270b27ULL));
	return (uint32_t)(h ^ (h >> 32));
}

#endif
