/*
 * det_net.c - address helpers of the behaviour detectors (det_net.h) and
 * the prefix lists of their configuration (detector.h): parsing
 * "10.0.0.0/8,fd00::/8" and matching an address against a list.
 */
#include <math.h>
#include <arpa/inet.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "det_net.h"
#include "util/alloc.h"
#include "util/hash.h"

/* One item ("a.b.c.d/n", "x::/n" or a bare address) of len bytes. */
static int parse_one(const char *s, size_t len, struct kn_detect_prefix *out)
{
	char buf[64], *slash, *end;
	long bits;

	if (len == 0 || len >= sizeof buf)
		return -KN_EINVAL;
	memcpy(buf, s, len);
	buf[len] = 0;
	memset(out, 0, sizeof *out);
	slash = strchr(buf, '/');
	if (slash)
		*slash = 0;
	out->v6 = strchr(buf, ':') != NULL;
	if (inet_pton(out->v6 ? AF_INET6 : AF_INET, buf, out->addr.b) != 1)
		return -KN_EINVAL;
	bits = out->v6 ? 128 : 32;
	if (slash) {
		bits = strtol(slash + 1, &end, 10);
		if (end == slash + 1 || *end || bits < 0 || bits > (out->v6 ? 128 : 32))
			return -KN_EINVAL;
	}
	out->bits = (uint8_t)bits;
	return 0;
}

int kn_detect_parse_prefixes(const char *list, struct kn_detect_prefix *out, unsigned max,
			     char *errbuf)
{
	unsigned n = 0;
	const char *s = list;

	while (s && *s) {
		size_t len = strcspn(s, ",");
		if (n == max) {
			snprintf(errbuf, KN_ERRBUF_SIZE, "prefix list \"%s\": more than %u prefixes; "
				 "give at most %u (merge neighbours)", list, max, max);
			return -KN_EINVAL;
		}
		if (parse_one(s, len, &out[n]) != 0) {
			snprintf(errbuf, KN_ERRBUF_SIZE, "prefix list: \"%.*s\" at column %zu is not an "
				 "address or prefix (write a.b.c.d/n or x:y::/n)", (int)(len < 64 ? len : 64),
				 s, (size_t)(s - list) + 1);
			return -KN_EINVAL;
		}
		n++;
		s += len;
		if (*s == ',')
			s++;
	}
	return (int)n;
}

static int in_prefix(const struct kn_detect_prefix *p, const struct kn_addr *a, int v6)
{
	unsigned full = p->bits / 8u, rest = p->bits % 8u;

	if (!p->v6 != !v6)
		return 0;
	if (memcmp(p->addr.b, a->b, full) != 0)
		return 0;
	if (!rest)
		return 1;
	uint8_t mask = (uint8_t)(0xff00u >> rest);
	return (p->addr.b[full] & mask) == (a->b[full] & mask);
}

int kn_detect_prefix_match(const struct kn_detect_prefix *p, unsigned n,
			   const struct kn_addr *a, int v6)
{
	for (unsigned i = 0; i < n; i++)
		if (in_prefix(&p[i], a, v6))
			return 1;
	return 0;
}

void det_home_init(struct det_home *h, const struct kn_detect_config *cfg)
{
	h->n = cfg->n_home_nets < KN_DETECT_PREFIXES ? cfg->n_home_nets : KN_DETECT_PREFIXES;
	memcpy(h->nets, cfg->home_nets, h->n * sizeof h->nets[0]);
}

int det_internal(const struct det_home *h, const struct kn_addr *a, int v6)
{
	const uint8_t *b = a->b;

	if (h->n)
		return kn_detect_prefix_match(h->nets, h->n, a, v6);
	if (v6)
		return (b[0] & 0xfe) == 0xfc || (b[0] == 0xfe && (b[1] & 0xc0) == 0x80);
	return b[0] == 10 || (b[0] == 172 && (b[1] & 0xf0) == 16) ||
	       (b[0] == 192 && b[1] == 168) || (b[0] == 100 && (b[1] & 0xc0) == 64) ||
	       (b[0] == 169 && b[1] == 254);
}

int det_unicast(const struct kn_addr *a, int v6)
{
	static const uint8_t zero[16];

	if (v6)
		return a->b[0] != 0xff && memcmp(a->b, zero, 16) != 0;
	if ((a->b[0] & 0xf0) >= 0xe0 || a->b[0] == 0)
		return 0;   /* multicast, reserved, broadcast, 0/8 */
	return a->b[3] != 255 && a->b[3] != 0;
}

uint64_t det_addr_hash(const struct kn_addr *a, int v6, uint64_t seed)
{
	return det_addr_bits(a, v6, seed) | 1;
}

uint64_t det_addr_bits(const struct kn_addr *a, int v6, uint64_t seed)
{
	return kn_hash64(a->b, v6 ? 16 : 4, seed + (uint64_t)v6);
}

int det_sketch_add(uint64_t *bits, unsigned n, uint64_t h)
{
	uint64_t b = h % n;
	int fresh = !(bits[b / 64] & (1ull << (b % 64)));

	bits[b / 64] |= 1ull << (b % 64);
	return fresh;
}

unsigned det_sketch_estimate(uint32_t set, unsigned m)
{
	if (set >= m)
		return m * 7;   /* full: about m ln m or more */
	return (unsigned)lround(-(double)m * log1p(-(double)set / m));
}

double det_span_s(uint64_t start_ns, uint64_t last_ns)
{
	return last_ns > start_ns ? (double)(last_ns - start_ns) / 1e9 : 0;
}

int det_table_init(struct det_table *t, uint64_t budget, size_t stride)
{
	size_t n = (size_t)(budget / stride);

	t->n = n < 16 ? 16 : n;
	t->stride = stride;
	t->evicted = 0;
	t->slots = kn_calloc(t->n, stride);
	return t->slots ? 0 : -KN_ENOMEM;
}

void det_table_fini(struct det_table *t)
{
	kn_free(t->slots);
	t->slots = NULL;
}

uint64_t det_table_memuse(const struct det_table *t)
{
	return (uint64_t)t->n * t->stride;
}

#define PROBES 8

void *det_table_find(struct det_table *t, uint64_t h, uint64_t now, int create, int *fresh)
{
	size_t i0 = (size_t)(h % t->n), victim = i0;
	struct det_slot *e;

	if (fresh)
		*fresh = 0;
	for (size_t k = 0; k < PROBES; k++) {
		e = (struct det_slot *)(t->slots + ((i0 + k) % t->n) * t->stride);
		if (e->hash == h) {
			if (create)
				e->last_ns = now;
			return e;
		}
		if (!e->hash) {
			victim = (i0 + k) % t->n;
			break;
		}
		if (e->last_ns < ((struct det_slot *)(t->slots + victim * t->stride))->last_ns)
			victim = (i0 + k) % t->n;
	}
	if (!create)
		return NULL;
	e = (struct det_slot *)(t->slots + victim * t->stride);
	if (e->hash)
		t->evicted++;
	memset(e, 0, t->stride);
	e->hash = h;
	e->last_ns = now;
	if (fresh)
		*fresh = 1;
	return e;
}
