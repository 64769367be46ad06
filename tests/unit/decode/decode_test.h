/*
 * decode_test.h - helpers shared by the decode unit tests: a crafter on
 * the heap, decoding a crafted frame into a packet pre-filled with garbage
 * (decode must initialise its fields itself), event and address checks,
 * and the truncation loop that decodes every prefix of a frame from an
 * exactly sized heap copy (so ASan sees any read past the end).
 */
#ifndef KN_TEST_DECODE_TEST_H
#define KN_TEST_DECODE_TEST_H

#include <arpa/inet.h>
#include <stdint.h>
#include <string.h>

#include "craft.h"
#include "kenchi/decode.h"
#include "kt.h"
#include "util/alloc.h"

static inline struct kn_craft *dt_craft(void)
{
	struct kn_craft *c = kn_malloc(sizeof *c);
	if (c)
		kn_craft_init(c);
	return c;
}

static inline struct kn_decoder *dt_decoder(void)
{
	char err[KN_ERRBUF_SIZE];
	return kn_decoder_new(NULL, err);
}

/* Capture fields for `len` bytes at data (caplen = wirelen = len). */
static inline void dt_packet(struct kn_packet *p, const uint8_t *data, uint32_t caplen,
			     uint32_t wirelen, uint16_t linktype, uint64_t ts_ns)
{
	memset(p, 0x5a, sizeof *p);
	p->data = data;
	p->caplen = caplen;
	p->wirelen = wirelen;
	p->linktype = linktype;
	p->ts_ns = ts_ns;
	p->index = 1;
	p->flags = 0;
	p->flow = NULL;
	p->dir = 0;
}

/* Finishes c and decodes it into p at time ts_ns. */
static inline int dt_decode_at(struct kn_decoder *d, struct kn_craft *c, struct kn_packet *p,
			       uint64_t ts_ns)
{
	size_t n = kn_craft_finish(c);
	dt_packet(p, c->buf, (uint32_t)n, (uint32_t)n, c->linktype, ts_ns);
	return kn_decode(d, p);
}

static inline int dt_decode(struct kn_decoder *d, struct kn_craft *c, struct kn_packet *p)
{
	return dt_decode_at(d, c, p, 1000000000ull);
}

static inline int dt_has_event(const struct kn_packet *p, unsigned ev)
{
	for (unsigned i = 0; i < p->n_events; i++)
		if (p->events[i] == ev)
			return 1;
	return 0;
}

/* Address as text, for KT_EQ_STR. */
static inline const char *dt_addr(const struct kn_addr *a, int v6, char *buf, size_t len)
{
	return inet_ntop(v6 ? AF_INET6 : AF_INET, a->b, buf, (socklen_t)len);
}

static inline int dt_addr_is(const struct kn_addr *a, const char *s)
{
	struct kn_addr want;
	memset(&want, 0, sizeof want);
	if (strchr(s, ':'))
		inet_pton(AF_INET6, s, want.b);
	else
		inet_pton(AF_INET, s, want.b);
	return memcmp(a->b, want.b, 16) == 0;
}

/* Checks the contract on any decoded packet. */
static inline void dt_check_invariants(const struct kn_packet *p, int r)
{
	KT_CHECK(r == KN_DECODE_IP || r == KN_DECODE_OTHER || r == KN_DECODE_HELD);
	KT_CHECK(p->n_events <= KN_PKT_MAX_EVENTS);
	for (unsigned i = 0; i < p->n_events; i++)
		KT_CHECK(kn_decode_event_name(p->events[i]) != NULL);
	if (r == KN_DECODE_IP) {
		KT_CHECK(p->ip_version == 4 || p->ip_version == 6);
		KT_CHECK(p->payload_off + p->payload_len <= p->caplen);
		KT_CHECK(p->l3_off <= p->l4_off && p->l4_off <= p->payload_off);
		KT_CHECK(p->hash == kn_packet_hash(p));
		KT_CHECK(p->frag_count >= 1);
	}
	if (r == KN_DECODE_OTHER && !(p->flags & KN_PKT_FRAGMENT))
		KT_CHECK(p->frag_count >= 1);
}

/* Decodes every prefix of frame[0..len) twice: cut by the capture
 * (caplen < wirelen) and as a short frame on the wire. Each prefix is an
 * exactly sized heap copy. Returns the number of decodes done. */
static inline unsigned dt_truncate_all(struct kn_decoder *d, const uint8_t *frame, size_t len,
				       uint16_t linktype)
{
	unsigned n = 0;
	for (size_t cut = 0; cut <= len; cut++) {
		uint8_t *copy = cut ? kn_malloc(cut) : NULL;
		if (cut && !copy)
			return n;
		if (cut)
			memcpy(copy, frame, cut);
		for (int snap = 0; snap < 2; snap++) {
			struct kn_packet p;
			dt_packet(&p, copy, (uint32_t)cut, snap ? (uint32_t)len : (uint32_t)cut,
				  linktype, 1000000000ull + n);
			int r = kn_decode(d, &p);
			dt_check_invariants(&p, r);
			n++;
		}
		kn_free(copy);
	}
	return n;
}

#endif
