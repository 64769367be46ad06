/*
 * tcp.c - TCP header and options (RFC 9293, 7323, 2018).
 *
 * Part of the decode stage: fills p->tcp (sequence numbers, flags, window,
 * MSS, window scale, SACK-permitted, SACK blocks, timestamps), the ports and
 * the payload bounds. A header that does not fit is invalid (OTHER); a
 * damaged option list is informational: the options before the damage
 * are kept and the packet still goes to its flow.
 */
#include "decode_int.h"

#define TCP_HLEN 20

enum { OPT_EOL = 0, OPT_NOP = 1, OPT_MSS = 2, OPT_WS = 3, OPT_SACKOK = 4, OPT_SACK = 5,
       OPT_TS = 8 };

#define WSCALE_MAX 14 /* RFC 7323 2.3: larger shifts are treated as 14 */

/* One known option of valid length into t; 0, or the event it deserves. */
static unsigned tcp_option(struct kn_tcp_hdr *t, const uint8_t *o, uint8_t olen)
{
	switch (o[0]) {
	case OPT_MSS:
		if (olen != 4)
			return KN_DEV_TCP_OPT_INVALID_LEN;
		t->mss = rd16(o + 2);
		return 0;
	case OPT_WS:
		if (olen != 3)
			return KN_DEV_TCP_OPT_INVALID_LEN;
		t->wscale = o[2] > WSCALE_MAX ? WSCALE_MAX : o[2];
		return 0;
	case OPT_SACKOK:
		if (olen != 2)
			return KN_DEV_TCP_OPT_INVALID_LEN;
		t->sack_permitted = 1;
		return 0;
	case OPT_TS:
		if (olen != 10)
			return KN_DEV_TCP_OPT_INVALID_LEN;
		t->has_ts = 1;
		t->ts_val = rd32(o + 2);
		t->ts_ecr = rd32(o + 6);
		return 0;
	case OPT_SACK:
		if (olen < 10 || olen > 34 || (olen - 2) % 8)
			return KN_DEV_TCP_OPT_INVALID_LEN;
		t->sack_count = (uint8_t)((olen - 2) / 8);
		for (unsigned i = 0; i < t->sack_count; i++) {
			t->sack[i][0] = rd32(o + 2 + 8 * i);
			t->sack[i][1] = rd32(o + 6 + 8 * i);
		}
		return 0;
	default:
		return 0;
	}
}

static void tcp_options(struct decode_ctx *c, struct kn_tcp_hdr *t, const uint8_t *o, uint32_t n)
{
	uint32_t seen = 0;

	for (uint32_t i = 0; i < n;) {
		uint8_t kind = o[i];
		if (kind == OPT_EOL)
			break;
		if (kind == OPT_NOP) {
			i++;
			continue;
		}
		if (n - i < 2 || o[i + 1] < 2 || o[i + 1] > n - i) {
			decode_event(c, KN_DEV_TCP_INVALID_OPTLEN);
			return;
		}
		uint8_t olen = o[i + 1];
		uint32_t bit = kind < 32 ? 1u << kind : 0;
		if (seen & bit & (1u << OPT_MSS | 1u << OPT_WS | 1u << OPT_SACKOK |
				  1u << OPT_SACK | 1u << OPT_TS)) {
			decode_event(c, KN_DEV_TCP_OPT_DUPLICATE); /* first one wins */
		} else {
			unsigned ev = tcp_option(t, o + i, olen);
			if (ev)
				decode_event(c, ev);
		}
		seen |= bit;
		i += olen;
	}
}

int decode_tcp(struct decode_ctx *c, uint32_t off, uint32_t len)
{
	c->d->stats.tcp++;
	struct kn_packet *p = c->p;
	struct kn_tcp_hdr *t = &p->tcp;
	const uint8_t *h = c->data + off;
	uint32_t avail = decode_avail(c, off, len);

	if (KN_UNLIKELY(avail < TCP_HLEN))
		return decode_fail(c, KN_DEV_TCP_PKT_TOO_SMALL);
	uint32_t hlen = (uint32_t)(h[12] >> 4) * 4;
	if (KN_UNLIKELY(hlen < TCP_HLEN))
		return decode_fail(c, KN_DEV_TCP_HLEN_TOO_SMALL);
	if (KN_UNLIKELY(hlen > avail))
		return decode_fail(c, KN_DEV_TCP_PKT_TOO_SMALL);
	p->sport = rd16(h);
	p->dport = rd16(h + 2);
	p->flags |= KN_PKT_HAS_PORTS;
	t->seq = rd32(h + 4);
	t->ack = rd32(h + 8);
	t->flags = h[13];
	t->window = rd16(h + 14);
	t->hlen = (uint8_t)hlen;
	t->wscale = 0xff;
	if (hlen > TCP_HLEN)
		tcp_options(c, t, h + TCP_HLEN, hlen - TCP_HLEN);
	p->payload_off = off + hlen;
	p->payload_len = avail - hlen;
	return KN_DECODE_IP;
}
