/*
 * stream_rec.h - fixtures for the stream stage unit tests: a hand-built
 * flow, crafted TCP packets, and a recorder that keeps every callback of
 * the reassembler and checks the callback contract of stream.h as it goes
 * (offsets contiguous per direction, GAP iff data NULL with len > 0, START
 * first, nothing after END).
 *
 * The recorder's per-direction text holds the delivered bytes with each gap
 * shown as '~' repeated len times, so a test can assert the exact stream.
 */
#ifndef KENCHI_TESTS_STREAM_REC_H
#define KENCHI_TESTS_STREAM_REC_H

#include <stdio.h>
#include <string.h>

#include "kenchi/stream.h"
#include "util/alloc.h"

#define REC_MAX_EV 16384
#define REC_TEXT (256u * 1024u)

struct rec_ev {
	int dir;
	uint64_t off;
	uint32_t len;
	unsigned flags;
	const uint8_t *data;
};

struct rec {
	struct rec_ev *ev;
	size_t n;
	char *text[2];         /* NUL-terminated, gaps as '~' */
	size_t text_len[2];
	uint64_t next[2];      /* expected offset of the next callback */
	int started[2], ended[2];
	int violations;        /* callback contract breaches seen */
	char why[160];         /* the first one */
};

static inline void rec_violation(struct rec *r, const char *what, size_t i)
{
	if (!r->violations++)
		snprintf(r->why, sizeof r->why, "event %zu: %s", i, what);
}

static inline void rec_append(struct rec *r, int dir, const uint8_t *data, uint32_t len)
{
	for (uint32_t i = 0; i < len && r->text_len[dir] < REC_TEXT; i++)
		r->text[dir][r->text_len[dir]++] = data ? (char)data[i] : '~';
	r->text[dir][r->text_len[dir]] = '\0';
}

static inline void rec_check(struct rec *r, int dir, const uint8_t *data, uint32_t len,
	uint64_t off, unsigned flags)
{
	size_t i = r->n;

	if (dir != 0 && dir != 1) {
		rec_violation(r, "bad dir", i);
		return;
	}
	if (r->ended[dir])
		rec_violation(r, "callback after END", i);
	if (off != r->next[dir])
		rec_violation(r, "offset not contiguous", i);
	if ((flags & KN_STREAM_GAP) && (data || !len))
		rec_violation(r, "GAP with data or len 0", i);
	if (!(flags & KN_STREAM_GAP) && len && !data)
		rec_violation(r, "data NULL without GAP", i);
	if (!!(flags & KN_STREAM_START) == r->started[dir])
		rec_violation(r, "START not exactly on the first callback", i);
}

static inline void rec_on_data(void *user, struct kn_flow *flow, int dir, const uint8_t *data,
	uint32_t len, uint64_t offset, unsigned flags)
{
	struct rec *r = user;

	(void)flow;
	rec_check(r, dir, data, len, offset, flags);
	if (dir != 0 && dir != 1)
		return;
	if (r->n < REC_MAX_EV)
		r->ev[r->n++] = (struct rec_ev){ dir, offset, len, flags, data };
	r->next[dir] = offset + len;
	r->started[dir] = 1;
	r->ended[dir] |= !!(flags & KN_STREAM_END);
	rec_append(r, dir, data, len);
}

static inline int rec_init(struct rec *r)
{
	memset(r, 0, sizeof(*r));
	r->ev = kn_calloc(REC_MAX_EV, sizeof(*r->ev));
	r->text[0] = kn_calloc(REC_TEXT + 1, 1);
	r->text[1] = kn_calloc(REC_TEXT + 1, 1);
	return r->ev && r->text[0] && r->text[1];
}

static inline void rec_fini(struct rec *r)
{
	kn_free(r->ev);
	kn_free(r->text[0]);
	kn_free(r->text[1]);
}

static inline void rec_dump(const struct rec *r)
{
	for (size_t i = 0; i < r->n; i++)
		fprintf(stderr, "  ev %zu: dir %d off %llu len %u flags 0x%x\n", i, r->ev[i].dir,
			(unsigned long long)r->ev[i].off, r->ev[i].len, r->ev[i].flags);
}

/* Event i is exactly (dir, off, len, flags); dumps the events when not. */
static inline int rec_ev_is(const struct rec *r, size_t i, int dir, uint64_t off, uint32_t len,
	unsigned flags)
{
	int ok = i < r->n && r->ev[i].dir == dir && r->ev[i].off == off && r->ev[i].len == len &&
		 r->ev[i].flags == flags;
	if (!ok) {
		fprintf(stderr, "expected ev %zu: dir %d off %llu len %u flags 0x%x; got:\n", i, dir,
			(unsigned long long)off, len, flags);
		rec_dump(r);
	}
	return ok;
}

/* Number of events of `dir` whose flags include all of `flags`. */
static inline size_t rec_count(const struct rec *r, int dir, unsigned flags)
{
	size_t c = 0;
	for (size_t i = 0; i < r->n; i++)
		c += r->ev[i].dir == dir && (r->ev[i].flags & flags) == flags;
	return c;
}

/* A test connection: context, hand-built flow, recorder, ISNs. */
struct fx {
	struct kn_stream_ctx *ctx;
	struct kn_flow flow;
	struct rec rec;
	uint32_t isn[2];
	uint32_t ack[2];       /* acknowledgement each side sends (default: peer ISN + 1) */
	uint64_t ts_ns;
};

static inline int fx_init(struct fx *fx, const struct kn_stream_config *cfg)
{
	struct kn_stream_config def;
	char errbuf[KN_ERRBUF_SIZE];

	memset(fx, 0, sizeof(*fx));
	if (!cfg) {
		kn_stream_config_default(&def);
		cfg = &def;
	}
	fx->flow.key.proto = 6;
	fx->flow.flow_id = 1;
	if (rec_init(&fx->rec))
		fx->ctx = kn_stream_ctx_new(cfg, rec_on_data, &fx->rec, errbuf);
	if (!fx->ctx)
		rec_fini(&fx->rec);
	return fx->ctx != NULL;
}

static inline void fx_fini(struct fx *fx)
{
	if (fx->flow.stream)
		kn_stream_flow_end(fx->ctx, &fx->flow);
	kn_stream_ctx_free(fx->ctx);
	rec_fini(&fx->rec);
}

/* Feeds one TCP packet; the payload is the whole captured frame here. */
static inline void fx_pkt(struct fx *fx, int dir, uint32_t seq, uint32_t ack, uint8_t flags,
	const void *payload, uint32_t len)
{
	struct kn_packet pkt;

	memset(&pkt, 0, sizeof(pkt));
	pkt.data = payload;
	pkt.caplen = pkt.wirelen = len;
	pkt.payload_off = 0;
	pkt.payload_len = len;
	pkt.ip_version = 4;
	pkt.proto = 6;
	pkt.tcp.seq = seq;
	pkt.tcp.ack = ack;
	pkt.tcp.flags = flags;
	pkt.tcp.window = 65535;
	pkt.tcp.hlen = 20;
	pkt.tcp.wscale = 0xff;
	pkt.ts_ns = fx->ts_ns += 1000;
	pkt.flow = &fx->flow;
	pkt.dir = (uint8_t)dir;
	kn_stream_packet(fx->ctx, &pkt);
}

static inline void fx_handshake(struct fx *fx, uint32_t isn0, uint32_t isn1)
{
	fx->isn[0] = isn0;
	fx->isn[1] = isn1;
	fx->ack[0] = isn1 + 1;
	fx->ack[1] = isn0 + 1;
	fx_pkt(fx, 0, isn0, 0, KN_TCP_SYN, NULL, 0);
	fx_pkt(fx, 1, isn1, isn0 + 1, KN_TCP_SYN | KN_TCP_ACK, NULL, 0);
	fx_pkt(fx, 0, isn0 + 1, isn1 + 1, KN_TCP_ACK, NULL, 0);
}

/* Data of `dir` at stream offset `off` (after the handshake). */
static inline void fx_data_n(struct fx *fx, int dir, uint64_t off, const void *s, uint32_t len)
{
	fx_pkt(fx, dir, fx->isn[dir] + 1 + (uint32_t)off, fx->ack[dir], KN_TCP_ACK | KN_TCP_PSH,
	       s, len);
}

static inline void fx_data(struct fx *fx, int dir, uint64_t off, const char *s)
{
	fx_data_n(fx, dir, off, s, (uint32_t)strlen(s));
}

/* A pure ACK from `dir` acknowledging the peer's stream up to offset `off`. */
static inline void fx_ack(struct fx *fx, int dir, uint64_t off)
{
	fx->ack[dir] = fx->isn[dir ^ 1] + 1 + (uint32_t)off;
	fx_pkt(fx, dir, fx->isn[dir] + 1, fx->ack[dir], KN_TCP_ACK, NULL, 0);
}

static inline const char *fx_text(const struct fx *fx, int dir)
{
	return fx->rec.text[dir];
}

#endif
