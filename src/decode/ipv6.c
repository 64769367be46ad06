/*
 * ipv6.c - IPv6 header and extension headers (RFC 8200): hop-by-hop,
 * routing, fragment, destination options, AH; ESP and "no next header"
 * end the walk.
 *
 * Part of the decode stage: describes the header in the packet, walks the
 * extension chain (each header bounds-checked against the payload length
 * and the captured bytes), hands real fragments to defrag and the upper
 * layer to the protocol switch (ip.c). Length policy as for IPv4 (ipv4.c).
 */
#include "decode_int.h"

#define IPV6_HLEN 40

enum {
	NH_HOPOPTS = 0, NH_ROUTING = 43, NH_FRAGMENT = 44, NH_AH = 51, NH_NONE = 59,
	NH_DSTOPTS = 60,
};

/* Which extension headers were met, for the duplicate events. */
struct ext_seen {
	uint8_t hh, rh, fh, ah;
	uint8_t dh_since_rh; /* destination options since the last routing header */
};

/* Options we know (RFC 2473, 2675, 2711, 4782, 5570, 6275, 6553, 6621,
 * 6744, 6788, 8250, 9486) and the RFC 4727 experimental values. */
static int ipv6_option_known(uint8_t t)
{
	switch (t) {
	case 0x04: case 0x05: case 0x07: case 0x0f: case 0x11: case 0x26: case 0x31:
	case 0x63: case 0x6d: case 0x8b: case 0x8c: case 0xc2: case 0xc9:
	case 0x1e: case 0x3e: case 0x5e: case 0x7e: case 0x9e: case 0xbe: case 0xde: case 0xfe:
		return 1;
	default:
		return 0;
	}
}

/* TLV options of hop-by-hop and destination options headers; everything
 * here is informational (the header length already bounds the walk). */
static void ipv6_options(struct decode_ctx *c, const uint8_t *o, uint32_t n, int hbh)
{
	int only_padding = 1;

	for (uint32_t i = 0; i < n;) {
		uint8_t t = o[i];
		if (t == 0) { /* Pad1 */
			i++;
			continue;
		}
		if (n - i < 2 || (uint32_t)o[i + 1] + 2 > n - i) {
			decode_event(c, KN_DEV_IPV6_EXTHDR_INVALID_OPTLEN);
			return;
		}
		if (t == 1) {
			if (o[i + 1] == 0)
				decode_event(c, KN_DEV_IPV6_ZERO_LEN_PADN);
		} else {
			only_padding = 0;
			if (!ipv6_option_known(t))
				decode_event(c, hbh ? KN_DEV_IPV6_HOPOPTS_UNKNOWN_OPT
						    : KN_DEV_IPV6_DSTOPTS_UNKNOWN_OPT);
		}
		i += 2u + o[i + 1];
	}
	if (only_padding)
		decode_event(c, hbh ? KN_DEV_IPV6_HOPOPTS_ONLY_PADDING
				    : KN_DEV_IPV6_DSTOPTS_ONLY_PADDING);
}

/* Per-type checks of a generic extension header h of hlen bytes. */
static void ipv6_ext_check(struct decode_ctx *c, uint8_t nh, const uint8_t *h, uint32_t hlen,
			   struct ext_seen *s)
{
	switch (nh) {
	case NH_HOPOPTS:
		if (s->hh++)
			decode_event(c, KN_DEV_IPV6_EXTHDR_DUPL_HH);
		ipv6_options(c, h + 2, hlen - 2, 1);
		break;
	case NH_DSTOPTS:
		if (s->dh_since_rh++)
			decode_event(c, KN_DEV_IPV6_EXTHDR_DUPL_DH);
		ipv6_options(c, h + 2, hlen - 2, 0);
		break;
	case NH_ROUTING:
		if (s->rh++)
			decode_event(c, KN_DEV_IPV6_EXTHDR_DUPL_RH);
		if (h[2] == 0)
			decode_event(c, KN_DEV_IPV6_RH_TYPE_0);
		s->dh_since_rh = 0;
		break;
	case NH_AH:
		if (s->ah++)
			decode_event(c, KN_DEV_IPV6_EXTHDR_DUPL_AH);
		if (h[2] || h[3])
			decode_event(c, KN_DEV_IPV6_EXTHDR_AH_RES_NOT_NULL);
		break;
	}
}

/* The upper layer: unassigned protocol numbers (146-252) and 255 are
 * flagged, everything goes to the protocol switch. */
static int ipv6_upper(struct decode_ctx *c, uint8_t nh, uint32_t off, uint32_t len)
{
	if (nh == NH_NONE && decode_avail(c, off, len) > 0)
		decode_event(c, KN_DEV_IPV6_DATA_AFTER_NONE_HEADER);
	else if ((nh >= 146 && nh <= 252) || nh == 255)
		decode_event(c, KN_DEV_IPV6_UNKNOWN_NEXT_HEADER);
	return decode_ip_payload(c, nh, off, len);
}

/* A fragment header at off: 0 to go on with an atomic fragment (RFC 6946),
 * else the defrag result in *ret. */
static int ipv6_fragment(struct decode_ctx *c, uint32_t l3, uint32_t off, uint32_t nh_pos,
			 struct ext_seen *s, int *ret)
{
	const uint8_t *h = c->data + off;
	uint16_t fo = rd16(h + 2);

	if (s->fh++)
		decode_event(c, KN_DEV_IPV6_EXTHDR_DUPL_FH);
	if (h[1] != 0 || (fo & 0x0006))
		decode_event(c, KN_DEV_IPV6_FH_NON_ZERO_RES_FIELD);
	if ((fo & 0xfff8) == 0 && !(fo & 1)) {
		decode_event(c, KN_DEV_IPV6_EXTHDR_USELESS_FH);
		return 0;
	}
	c->p->proto = h[0];
	c->d->stats.frag_ipv6++;
	*ret = defrag_ipv6(c, l3, off, nh_pos, c->p->ip_len);
	return 1;
}

/* Walks the chain from the header after the fixed one; every step either
 * consumes at least 8 bytes or returns, so the loop is bounded. */
static int ipv6_walk(struct decode_ctx *c, uint32_t l3, uint8_t nh, uint32_t off, uint32_t len)
{
	struct ext_seen seen = {0};
	uint32_t nh_pos = 6; /* where the current nh value sits, from l3 */

	for (;;) {
		uint32_t avail = decode_avail(c, off, len), hlen;
		const uint8_t *h = c->data + off;
		switch (nh) {
		case NH_HOPOPTS:
		case NH_DSTOPTS:
		case NH_ROUTING:
		case NH_AH:
			if (avail < 8)
				return decode_fail(c, KN_DEV_IPV6_TRUNC_EXTHDR);
			hlen = nh == NH_AH ? (h[1] + 2u) * 4 : (h[1] + 1u) * 8;
			if (hlen > avail)
				return decode_fail(c, KN_DEV_IPV6_TRUNC_EXTHDR);
			ipv6_ext_check(c, nh, h, hlen, &seen);
			break;
		case NH_FRAGMENT: {
			if (avail < 8)
				return decode_fail(c, KN_DEV_IPV6_TRUNC_EXTHDR);
			int ret;
			if (ipv6_fragment(c, l3, off, nh_pos, &seen, &ret))
				return ret;
			hlen = 8;
			break;
		}
		default:
			return ipv6_upper(c, nh, off, len);
		}
		nh_pos = off - l3;
		nh = h[0];
		off += hlen;
		len -= hlen;
	}
}

int decode_ipv6(struct decode_ctx *c, uint32_t off, uint32_t len)
{
	c->d->stats.ipv6++;
	struct kn_packet *p = c->p;
	const uint8_t *h = c->data + off;
	uint32_t avail = decode_avail(c, off, len);

	if (KN_UNLIKELY(avail < IPV6_HLEN))
		return decode_fail(c, KN_DEV_IPV6_PKT_TOO_SMALL);
	if (KN_UNLIKELY(h[0] >> 4 != 6))
		return decode_fail(c, KN_DEV_IPV6_WRONG_IP_VERSION);
	uint32_t iplen = IPV6_HLEN + rd16(h + 4);
	if (KN_UNLIKELY(iplen > len))
		return decode_fail(c, KN_DEV_IPV6_TRUNC_PKT);
	if (decode_too_deep(c))
		return KN_DECODE_OTHER;
	if (iplen > avail)
		p->flags |= KN_PKT_TRUNCATED;
	p->ip_version = 6;
	p->ttl = h[7];
	p->l3_off = off;
	p->ip_len = iplen;
	memcpy(p->src.b, h + 8, 16);
	memcpy(p->dst.b, h + 24, 16);
	decode_l4_reset(p);
	return ipv6_walk(c, off, h[6], off + IPV6_HLEN, iplen - IPV6_HLEN);
}
