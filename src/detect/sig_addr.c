/*
 * sig_addr.c - the address index of the rules without a fast pattern.
 *
 * Most rules with nothing to prefilter on are address-list rules (block
 * lists, Tor nodes, compromised hosts: `alert tcp [1.2.3.4,...] any ->
 * $HOME_NET any (threshold...)`), thousands of them in ET Open. Checking
 * each on every packet costs hundreds of rule checks per packet, so a
 * rule whose source (else destination) set is narrow is entered in an
 * index of that side instead: the address line of each family is cut into
 * segments at every range boundary, and each segment lists the rules whose
 * range covers it (CSR). A packet looks its source and destination up
 * (one binary search each) and only the rules found become candidates.
 * The rest with a narrow destination (else source) port set are indexed
 * the same way by port (`alert tcp any any -> $HOME_NET 1433 (flags:S;
 * threshold...)`). Rules broad on every side ($HOME_NET, any, !$HOME_NET,
 * any port) stay in the group's always list.
 */
#include <stdlib.h>
#include <string.h>

#include "detect/sig_int.h"
#include "util/alloc.h"

typedef unsigned __int128 u128;

static u128 key_of(const uint8_t *b, unsigned fam)
{
	u128 k = 0;
	for (unsigned i = 0; i < (fam == 6 ? 16u : 4u); i++)
		k = k << 8 | b[i];
	return k;
}

/* Narrow: at most 2^log2_v4 IPv4 addresses, no IPv6 range wider than a
 * /64. */
int sig_addrs_narrow(const struct kn_rule_addrs *a, unsigned log2_v4)
{
	if (a->any || a->n == 0)
		return 0;
	u128 v4 = 0;
	for (uint32_t i = 0; i < a->n; i++) {
		const struct kn_rule_iprange *r = &a->v[i];
		u128 span = key_of(r->hi, r->family) - key_of(r->lo, r->family);
		if (r->family == 6 ? span >> 64 != 0 : (v4 += span + 1) > ((u128)1 << log2_v4))
			return 0;
	}
	return 1;
}

struct seg_range {
	u128 lo, hi;
	uint32_t rule;
};

static int u128_cmp(const void *a, const void *b)
{
	u128 x = *(const u128 *)a, y = *(const u128 *)b;
	return x < y ? -1 : x > y;
}

/* Index of the last boundary <= k, or -1. */
static long seg_find(const u128 *b, uint32_t n, u128 k)
{
	uint32_t lo = 0, hi = n;
	while (lo < hi) {
		uint32_t mid = lo + (hi - lo) / 2;
		if (b[mid] <= k)
			lo = mid + 1;
		else
			hi = mid;
	}
	return (long)lo - 1;
}

static uint32_t unique_bounds(u128 *b, uint32_t n)
{
	uint32_t m = 0;
	qsort(b, n, sizeof *b, u128_cmp);
	for (uint32_t i = 0; i < n; i++)
		if (m == 0 || b[m - 1] != b[i])
			b[m++] = b[i];
	return m;
}

/* Fills the CSR of x from ranges rs[0..n): two passes (count, place). */
static int fill_segments(struct sig_aidx *x, const struct seg_range *rs, size_t n)
{
	x->first = kn_calloc((size_t)x->n + 1, sizeof *x->first);
	if (!x->first)
		return -KN_ENOMEM;
	for (int pass = 0; pass < 2; pass++) {
		uint32_t *fill = pass ? kn_calloc((size_t)x->n + 1, sizeof *fill) : NULL;
		if (pass && !fill)
			return -KN_ENOMEM;
		for (size_t i = 0; i < n; i++) {
			for (long s = seg_find(x->bounds, x->n, rs[i].lo);
			     s >= 0 && (uint32_t)s < x->n && x->bounds[s] <= rs[i].hi; s++) {
				if (pass)
					x->rules[x->first[s] + fill[s]++] = rs[i].rule;
				else
					x->first[s + 1]++;
			}
		}
		if (!pass) {
			for (uint32_t s = 0; s < x->n; s++)
				x->first[s + 1] += x->first[s];
			x->rules = kn_calloc((size_t)x->first[x->n] + 1, sizeof *x->rules);
			if (!x->rules)
				return -KN_ENOMEM;
		}
		kn_free(fill);
	}
	return 0;
}

static int build_family(struct sig_aidx *x, const struct seg_range *rs, size_t n)
{
	if (n == 0)
		return 0;
	x->bounds = kn_calloc(n * 2, sizeof *x->bounds);
	if (!x->bounds)
		return -KN_ENOMEM;
	uint32_t nb = 0;
	for (size_t i = 0; i < n; i++) {
		x->bounds[nb++] = rs[i].lo;
		if (rs[i].hi + 1 != 0)
			x->bounds[nb++] = rs[i].hi + 1;
	}
	x->n = unique_bounds(x->bounds, nb);
	return fill_segments(x, rs, n);
}

/* Builds idx[0] (IPv4) and idx[1] (IPv6) over side `dst` of the rules
 * rules[0..n) (indexes into e->rules). */
int sig_aidx_build(struct sig_aidx idx[2], const struct kn_sig_engine *e, const uint32_t *rules,
		   uint32_t n, int dst)
{
	size_t total = 0, k[2] = { 0, 0 };
	for (uint32_t i = 0; i < n; i++) {
		const struct kn_rule *r = e->rules[rules[i]].r;
		total += dst ? r->dst.n : r->src.n;
	}
	struct seg_range *rs[2] = { kn_calloc(total + 1, sizeof **rs),
				    kn_calloc(total + 1, sizeof **rs) };
	int rc = rs[0] && rs[1] ? 0 : -KN_ENOMEM;
	for (uint32_t i = 0; rc == 0 && i < n; i++) {
		const struct kn_rule *r = e->rules[rules[i]].r;
		const struct kn_rule_addrs *a = dst ? &r->dst : &r->src;
		for (uint32_t j = 0; j < a->n; j++) {
			unsigned f = a->v[j].family == 6;
			rs[f][k[f]++] = (struct seg_range){ key_of(a->v[j].lo, a->v[j].family),
							    key_of(a->v[j].hi, a->v[j].family),
							    rules[i] };
		}
	}
	for (unsigned f = 0; rc == 0 && f < 2; f++)
		rc = build_family(&idx[f], rs[f], k[f]);
	kn_free(rs[0]);
	kn_free(rs[1]);
	return rc;
}

/* Ports in a set's ranges (0 for any). */
uint32_t sig_ports_count(const struct kn_rule_ports *p)
{
	uint32_t total = 0;
	for (uint32_t i = 0; i < p->n; i++)
		total += (uint32_t)(p->v[i].hi - p->v[i].lo) + 1;
	return total;
}

/* Narrow port set: at most 1024 ports. */
int sig_ports_narrow(const struct kn_rule_ports *p)
{
	return !p->any && p->n && sig_ports_count(p) <= 1024;
}

/* The same index over ports (side dst: the rule's dport set, else its
 * sport set), in idx[0]; looked up with sig_aidx_port(). */
int sig_pidx_build(struct sig_aidx idx[2], const struct kn_sig_engine *e, const uint32_t *rules,
		   uint32_t n, int dst)
{
	size_t total = 0, k = 0;
	for (uint32_t i = 0; i < n; i++) {
		const struct kn_rule *r = e->rules[rules[i]].r;
		total += dst ? r->dport.n : r->sport.n;
	}
	struct seg_range *rs = kn_calloc(total + 1, sizeof *rs);
	if (!rs)
		return -KN_ENOMEM;
	for (uint32_t i = 0; i < n; i++) {
		const struct kn_rule *r = e->rules[rules[i]].r;
		const struct kn_rule_ports *p = dst ? &r->dport : &r->sport;
		for (uint32_t j = 0; j < p->n; j++)
			rs[k++] = (struct seg_range){ p->v[j].lo, p->v[j].hi, rules[i] };
	}
	int rc = build_family(&idx[0], rs, k);
	kn_free(rs);
	return rc;
}

uint32_t sig_aidx_port(const struct sig_aidx idx[2], uint16_t port, const uint32_t **out)
{
	const struct sig_aidx *x = &idx[0];
	if (!x->n)
		return 0;
	long s = seg_find(x->bounds, x->n, port);
	if (s < 0 || (uint32_t)s >= x->n)
		return 0;
	*out = x->rules + x->first[s];
	return x->first[s + 1] - x->first[s];
}

void sig_aidx_free(struct sig_aidx idx[2])
{
	for (unsigned f = 0; f < 2; f++) {
		kn_free(idx[f].bounds);
		kn_free(idx[f].first);
		kn_free(idx[f].rules);
		memset(&idx[f], 0, sizeof idx[f]);
	}
}

/* The rules of the segment holding address a: *out and the count. */
uint32_t sig_aidx_lookup(const struct sig_aidx idx[2], const struct kn_addr *a, unsigned ipv,
			 const uint32_t **out)
{
	const struct sig_aidx *x = &idx[ipv == 6];
	if (!x->n)
		return 0;
	long s = seg_find(x->bounds, x->n, key_of(a->b, ipv == 6 ? 6 : 4));
	if (s < 0 || (uint32_t)s >= x->n)
		return 0;
	*out = x->rules + x->first[s];
	return x->first[s + 1] - x->first[s];
}
