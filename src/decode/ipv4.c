/*
 * ipv4.c - IPv4 header and options (RFC 791 and the option RFCs).
 *
 * Part of the decode stage: validates the header against the length the
 * enclosing layer gives it, describes it in the packet (addresses, TTL,
 * ip_len, l3_off), validates the options, and hands fragments to defrag
 * and everything else to the protocol switch (ip.c).
 *
 * Length policy: an IP total length beyond what the wire frame (or the
 * enclosing header) holds is malformed (ipv4.trunc_pkt). One beyond what
 * was captured but within the wire length is a snaplen cut: the packet is
 * decoded with KN_PKT_TRUNCATED and payload_len bounded by caplen.
 */
#include "decode_int.h"

#define IPV4_HLEN 20

/* Option types (RFC 791, 1108, 1393, 2113, 4782, CIPSO draft). */
enum {
	OPT_EOL = 0, OPT_NOP = 1, OPT_RR = 7, OPT_QS = 25, OPT_TS = 68, OPT_TR = 82,
	OPT_SEC = 130, OPT_LSRR = 131, OPT_ESEC = 133, OPT_CIPSO = 134, OPT_SID = 136,
	OPT_SSRR = 137, OPT_RTRALT = 148,
};

/* Route options: pointer is 1-based, >= 4, a multiple of 4, and at most
 * one past the option. */
static unsigned check_route(const uint8_t *o, uint8_t olen)
{
	if (olen < 3)
		return KN_DEV_IPV4_OPT_INVALID_LEN;
	uint8_t ptr = o[2];
	if (ptr < 4 || ptr % 4 || ptr > olen + 1)
		return KN_DEV_IPV4_OPT_MALFORMED;
	return 0;
}

/* Timestamp (RFC 781): records are 4 bytes, or 8 with flag 1 or 3. */
static unsigned check_timestamp(const uint8_t *o, uint8_t olen)
{
	if (olen < 4)
		return KN_DEV_IPV4_OPT_INVALID_LEN;
	uint8_t ptr = o[2];
	uint8_t flag = o[3] & 0x0f;
	unsigned rec = (flag == 1 || flag == 3) ? 8 : 4;
	if (ptr < 5 || (ptr - 5) % rec || ptr > olen + 1)
		return KN_DEV_IPV4_OPT_MALFORMED;
	return 0;
}

/* Returns a fatal event for a malformed known option, 0 when acceptable;
 * *bit receives the option's duplicate-detection bit (0 if none). */
static unsigned check_option(const uint8_t *o, uint8_t olen, uint32_t *bit)
{
	*bit = 0;
	switch (o[0]) {
	case OPT_RR: *bit = 1u << 0; return check_route(o, olen);
	case OPT_LSRR: *bit = 1u << 1; return check_route(o, olen);
	case OPT_SSRR: *bit = 1u << 2; return check_route(o, olen);
	case OPT_TS: *bit = 1u << 3; return check_timestamp(o, olen);
	case OPT_SID: *bit = 1u << 4; return olen == 4 ? 0 : KN_DEV_IPV4_OPT_INVALID_LEN;
	case OPT_RTRALT: *bit = 1u << 5; return olen == 4 ? 0 : KN_DEV_IPV4_OPT_INVALID_LEN;
	case OPT_QS: *bit = 1u << 6; return olen == 8 ? 0 : KN_DEV_IPV4_OPT_INVALID_LEN;
	case OPT_CIPSO: *bit = 1u << 7; return olen >= 6 ? 0 : KN_DEV_IPV4_OPT_INVALID_LEN;
	case OPT_SEC: *bit = 1u << 8; return olen >= 3 ? 0 : KN_DEV_IPV4_OPT_INVALID_LEN;
	case OPT_TR: *bit = 1u << 9; return olen == 12 ? 0 : KN_DEV_IPV4_OPT_INVALID_LEN;
	case OPT_ESEC: return 0;
	default: return KN_DEV_IPV4_OPT_UNKNOWN; /* informational */
	}
}

/* Walks the options. Broken lengths and malformed known options make the
 * header invalid (-1); unknown and duplicate options are informational. */
static int ipv4_options(struct decode_ctx *c, const uint8_t *o, uint32_t n)
{
	uint32_t seen = 0;

	for (uint32_t i = 0; i < n;) {
		if (o[i] == OPT_EOL)
			break;
		if (o[i] == OPT_NOP) {
			i++;
			continue;
		}
		if (n - i < 2) {
			decode_event(c, KN_DEV_IPV4_OPT_EOL_REQUIRED);
			break;
		}
		uint8_t olen = o[i + 1];
		uint32_t bit = 0;
		unsigned ev = (olen < 2 || olen > n - i) ? KN_DEV_IPV4_OPT_INVALID_LEN
							 : check_option(o + i, olen, &bit);
		if (ev)
			decode_event(c, ev);
		if (ev && ev != KN_DEV_IPV4_OPT_UNKNOWN)
			return -1;
		if (seen & bit)
			decode_event(c, KN_DEV_IPV4_OPT_DUPLICATE);
		seen |= bit;
		i += olen;
	}
	return 0;
}

/* Header checks in the order that names the most specific fault. */
static unsigned ipv4_header_fault(const uint8_t *h, uint32_t avail, uint32_t len)
{
	if (avail < IPV4_HLEN)
		return KN_DEV_IPV4_PKT_TOO_SMALL;
	if (h[0] >> 4 != 4)
		return KN_DEV_IPV4_WRONG_IP_VERSION;
	uint32_t hlen = (h[0] & 0x0fu) * 4;
	if (hlen < IPV4_HLEN || hlen > avail)
		return KN_DEV_IPV4_HLEN_TOO_SMALL;
	uint32_t iplen = rd16(h + 2);
	if (iplen < hlen)
		return KN_DEV_IPV4_IPLEN_SMALLER_THAN_HLEN;
	if (iplen > len)
		return KN_DEV_IPV4_TRUNC_PKT;
	return 0;
}

int decode_ipv4(struct decode_ctx *c, uint32_t off, uint32_t len)
{
	c->d->stats.ipv4++;
	struct kn_packet *p = c->p;
	const uint8_t *h = c->data + off;
	uint32_t avail = decode_avail(c, off, len);
	unsigned fault = ipv4_header_fault(h, avail, len);

	if (KN_UNLIKELY(fault))
		return decode_fail(c, fault);
	if (decode_too_deep(c))
		return KN_DECODE_OTHER;
	uint32_t hlen = (h[0] & 0x0fu) * 4;
	uint32_t iplen = rd16(h + 2);
	if (KN_UNLIKELY(hlen > IPV4_HLEN) && ipv4_options(c, h + IPV4_HLEN, hlen - IPV4_HLEN) < 0)
		return KN_DECODE_OTHER;
	if (iplen > avail)
		p->flags |= KN_PKT_TRUNCATED;
	p->ip_version = 4;
	p->ttl = h[8];
	p->l3_off = off;
	p->ip_len = iplen;
	decode_set_addr4(&p->src, h + 12);
	decode_set_addr4(&p->dst, h + 16);
	decode_l4_reset(p);
	if (KN_UNLIKELY(rd16(h + 6) & 0x3fff)) { /* MF or offset: a fragment */
		p->proto = h[9];
		c->d->stats.frag_ipv4++;
		return defrag_ipv4(c, off, hlen, iplen);
	}
	return decode_ip_payload(c, h[9], off + hlen, iplen - hlen);
}
