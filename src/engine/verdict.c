/*
 * verdict.c - the per-packet verdict table (verdict.h): which hosts the
 * behaviour detectors reported, with what score and when, so that every
 * later packet to or from such a host within the latch carries the score.
 * An analyst reads a finding as "this host is scanning / flooded /
 * spoofing"; its later packets are the attack, and this is what makes that
 * reading measurable packet by packet (`kenchi run --detect-scores`).
 *
 * Engine stage, on the thread of the one worker whose detectors feed it.
 * Bounded: a fixed slot array sized from the memcap, no allocation after
 * verdict_new.
 */
#include "verdict.h"

#include <stdio.h>
#include <string.h>

#include "util/alloc.h"
#include "util/hash.h"

#define WAYS 8
#define NONE (-1.0f)

enum subject_kind { SUBJ_V4 = 4, SUBJ_V6 = 6, SUBJ_MAC = 'm' };

struct slot {
	uint64_t h;            /* hash of kind + address; 0 = free */
	uint8_t addr[16];      /* IPv4 in [0..3], MAC in [0..5], rest zero */
	uint8_t kind;          /* enum subject_kind */
	float hi, run;         /* highest report within the latch; highest after it (NONE) */
	uint64_t hi_ns, run_ns;
};

struct verdict_table {
	struct slot *slots;
	uint64_t sets;         /* a power of two */
	uint64_t latch_ns;
	struct verdict_stats st;
};

struct verdict_table *verdict_new(uint64_t memcap, double latch_s, char *errbuf)
{
	uint64_t sets = 1;
	struct verdict_table *v;

	if (memcap < WAYS * sizeof(struct slot) || !(latch_s >= 0 && latch_s <= 1e7)) {
		snprintf(errbuf, KN_ERRBUF_SIZE, "verdicts: the memcap (--verdict-memcap) must hold "
			 "one set of %d hosts (%zu bytes) and the latch (--verdict-latch) be 0..1e7 s "
			 "(got %llu bytes, %g s)",
			 WAYS, WAYS * sizeof(struct slot), (unsigned long long)memcap, latch_s);
		return NULL;
	}
	while (sets * 2 * WAYS * sizeof(struct slot) <= memcap && sets < (1ull << 30))
		sets *= 2;
	if (!(v = kn_calloc(1, sizeof *v)) || !(v->slots = kn_calloc(sets * WAYS, sizeof *v->slots))) {
		kn_free(v);
		snprintf(errbuf, KN_ERRBUF_SIZE, "verdicts: out of memory for %llu hosts "
			 "(lower --verdict-memcap)", (unsigned long long)(sets * WAYS));
		return NULL;
	}
	v->sets = sets;
	v->latch_ns = (uint64_t)(latch_s * 1e9);
	v->st.slots = sets * WAYS;
	return v;
}

void verdict_free(struct verdict_table *v)
{
	if (!v)
		return;
	kn_free(v->slots);
	kn_free(v);
}

/* A report made at r still holds at packet time t (a clock that went back
 * counts as within the latch: the report was made before in packet order). */
static int holds(const struct verdict_table *v, uint64_t r, uint64_t t)
{
	return t < r || t - r <= v->latch_ns;
}

static uint64_t key_hash(const uint8_t addr[16], uint8_t kind)
{
	return kn_hash64(addr, 16, 0x7665726469637400ull + kind) | 1;
}

static struct slot *find(const struct verdict_table *v, const uint8_t addr[16], uint8_t kind,
			 uint64_t h)
{
	struct slot *set = &v->slots[(h >> 7) % v->sets * WAYS];

	for (unsigned i = 0; i < WAYS; i++)
		if (set[i].h == h && set[i].kind == kind && !memcmp(set[i].addr, addr, 16))
			return &set[i];
	return NULL;
}

static uint64_t last_ns(const struct slot *s)
{
	return s->hi_ns > s->run_ns ? s->hi_ns : s->run_ns;
}

/* A slot for a new host: a free one, else the one reported least recently. */
static struct slot *claim(struct verdict_table *v, uint64_t h)
{
	struct slot *set = &v->slots[(h >> 7) % v->sets * WAYS], *old = &set[0];

	for (unsigned i = 0; i < WAYS; i++) {
		if (!set[i].h)
			return &set[i];
		if (last_ns(&set[i]) < last_ns(old))
			old = &set[i];
	}
	v->st.evicted++;
	return old;
}

static void latch(struct verdict_table *v, const uint8_t addr[16], uint8_t kind, float score,
		  uint64_t ts)
{
	uint64_t h = key_hash(addr, kind);
	struct slot *s = find(v, addr, kind, h);

	v->st.notes++;
	if (!s) {
		s = claim(v, h);
		*s = (struct slot){ .h = h, .kind = kind, .hi = NONE, .run = NONE };
		memcpy(s->addr, addr, 16);
	}
	if (s->hi != NONE && !holds(v, s->hi_ns, ts)) {
		/* the best report expired: the best one made after it takes over */
		int keep = s->run != NONE && holds(v, s->run_ns, ts);
		s->hi = keep ? s->run : NONE;
		s->hi_ns = s->run_ns;
		s->run = NONE;
	}
	if (s->hi == NONE || score >= s->hi) {
		s->hi = score;
		s->hi_ns = ts;
		s->run = NONE;
	} else {
		if (s->run == NONE || !holds(v, s->run_ns, ts) || score > s->run)
			s->run = score;
		s->run_ns = ts;
	}
}

void verdict_note(struct verdict_table *v, const struct kn_detection *d)
{
	uint8_t addr[16];
	float score = d->score > 0 ? (float)d->score : 0.0f;
	const struct kn_addr *ip = NULL;
	int v6 = 0;

	if (d->subject_set) {
		ip = &d->subject;
		v6 = d->subject_v6;
	} else if (d->flow) {
		ip = d->dir ? &d->flow->key.dst : &d->flow->key.src;
		v6 = d->flow->key.ip_version == 6;
	}
	if (ip) {
		memcpy(addr, ip->b, 16);
		if (!v6)
			memset(addr + 4, 0, 12);
		latch(v, addr, v6 ? SUBJ_V6 : SUBJ_V4, score, d->ts_ns);
	}
	if (d->subject_mac_set) {
		memset(addr, 0, sizeof addr);
		memcpy(addr, d->subject_mac, 6);
		latch(v, addr, SUBJ_MAC, score, d->ts_ns);
	}
}

static double lookup(const struct verdict_table *v, const uint8_t addr[16], uint8_t kind,
		     uint64_t t)
{
	const struct slot *s = find(v, addr, kind, key_hash(addr, kind));

	if (!s)
		return 0;
	if (s->hi != NONE && holds(v, s->hi_ns, t))
		return s->hi;
	if (s->run != NONE && holds(v, s->run_ns, t))
		return s->run;
	return 0;
}

static double max2(double a, double b)
{
	return a > b ? a : b;
}

static double mac_score(const struct verdict_table *v, const uint8_t mac[6], uint64_t t)
{
	uint8_t addr[16] = { 0 };

	memcpy(addr, mac, 6);
	return lookup(v, addr, SUBJ_MAC, t);
}

double verdict_score(const struct verdict_table *v, const struct kn_packet *p)
{
	uint8_t addr[16];
	double s = 0;

	if (p->ip_version == 4 || p->ip_version == 6) {
		uint8_t kind = p->ip_version == 6 ? SUBJ_V6 : SUBJ_V4;
		s = max2(lookup(v, p->src.b, kind, p->ts_ns), lookup(v, p->dst.b, kind, p->ts_ns));
	} else if (p->flags & KN_PKT_ARP) {
		memset(addr, 0, sizeof addr);
		memcpy(addr, p->arp.spa, 4);    /* the sender's IP, not the asked-for one */
		s = lookup(v, addr, SUBJ_V4, p->ts_ns);
	}
	if (p->flags & KN_PKT_ETH)
		s = max2(s, max2(mac_score(v, p->eth_src, p->ts_ns),
				 mac_score(v, p->eth_dst, p->ts_ns)));
	return s;
}

void verdict_stats(const struct verdict_table *v, struct verdict_stats *out)
{
	*out = v->st;
}

size_t verdict_slot_bytes(void)
{
	return sizeof(struct slot);
}
