/*
 * icmp.c - ICMP (RFC 792 and successors) and ICMPv6 (RFC 4443, 4861,
 * 3810 and the IANA registries).
 *
 * Part of the decode stage: type, code, echo identifier, payload bounds;
 * unknown types and codes are informational events. For error messages the
 * quoted IP header and the first 8 bytes after it are decoded into p->quote
 * (addresses, protocol, ports) with KN_PKT_ICMP_ERROR, so later stages can
 * tie the error to the flow it is about. A quote that cannot be decoded is
 * an informational event; the ICMP packet itself is still valid.
 */
#include "decode_int.h"

#define ICMP_HLEN 8

/* Highest valid code per ICMPv4 type, -1 for unassigned types. */
static int icmpv4_max_code(uint8_t type)
{
	switch (type) {
	case 0: case 4: case 8: case 10: case 13: case 14: case 15: case 16: case 17: case 18:
		return 0;
	case 3: return 15;
	case 5: return 3;
	case 9: return 16; /* 0 and 16 (RFC 2002) */
	case 11: return 1;
	case 12: return 2;
	case 40: return 5; /* Photuris, RFC 2521 */
	case 42: case 43: return 4; /* extended echo, RFC 8335 */
	default: return -1;
	}
}

static int icmpv4_is_error(uint8_t type)
{
	return type == 3 || type == 4 || type == 5 || type == 11 || type == 12;
}

/* Ports of a quoted transport header, when 4 bytes of it are present. */
static void quote_ports(struct kn_icmp_quote *q, const uint8_t *l4, uint32_t have)
{
	if (have < 4 || (q->proto != 6 && q->proto != 17 && q->proto != 132))
		return;
	q->sport = rd16(l4);
	q->dport = rd16(l4 + 2);
}

static void icmpv4_quote(struct decode_ctx *c, uint32_t off, uint32_t avail)
{
	const uint8_t *h = c->data + off;
	struct kn_icmp_quote *q = &c->p->quote;

	if (avail < 20) {
		decode_event(c, KN_DEV_ICMPV4_IPV4_TRUNC_PKT);
		return;
	}
	uint32_t hlen = (h[0] & 0x0fu) * 4;
	if (h[0] >> 4 != 4) {
		decode_event(c, KN_DEV_ICMPV4_IPV4_UNKNOWN_VER);
		return;
	}
	if (hlen < 20 || hlen > avail) {
		decode_event(c, KN_DEV_ICMPV4_IPV4_TRUNC_PKT);
		return;
	}
	q->ip_version = 4;
	q->proto = h[9];
	decode_set_addr4(&q->src, h + 12);
	decode_set_addr4(&q->dst, h + 16);
	/* Only the first fragment quotes a transport header. */
	if ((rd16(h + 6) & 0x1fff) == 0)
		quote_ports(q, h + hlen, avail - hlen);
	c->p->flags |= KN_PKT_ICMP_ERROR;
}

int decode_icmpv4(struct decode_ctx *c, uint32_t off, uint32_t len)
{
	c->d->stats.icmpv4++;
	struct kn_packet *p = c->p;
	const uint8_t *h = c->data + off;
	uint32_t avail = decode_avail(c, off, len);

	if (avail < ICMP_HLEN)
		return decode_fail(c, KN_DEV_ICMPV4_PKT_TOO_SMALL);
	p->icmp_type = h[0];
	p->icmp_code = h[1];
	p->payload_off = off + ICMP_HLEN;
	p->payload_len = avail - ICMP_HLEN;
	int max_code = icmpv4_max_code(h[0]);
	if (max_code < 0)
		decode_event(c, KN_DEV_ICMPV4_UNKNOWN_TYPE);
	else if (h[1] > max_code)
		decode_event(c, KN_DEV_ICMPV4_UNKNOWN_CODE);
	if (h[0] == 0 || h[0] == 8)
		p->icmp_id = rd16(h + 4);
	else if (icmpv4_is_error(h[0]))
		icmpv4_quote(c, off + ICMP_HLEN, avail - ICMP_HLEN);
	return KN_DECODE_IP;
}

/* Skips the quoted packet's simple extension headers to reach its ports. */
static void icmpv6_quote_l4(struct kn_icmp_quote *q, const uint8_t *h, uint32_t avail)
{
	uint8_t nh = h[6];
	uint32_t off = 40;

	for (int i = 0; i < 8 && avail - off >= 8; i++) {
		if (nh == 0 || nh == 43 || nh == 60) {
			uint32_t hl = (h[off + 1] + 1u) * 8;
			if (hl > avail - off)
				break;
			nh = h[off];
			off += hl;
		} else if (nh == 44) {
			if (rd16(h + off + 2) & 0xfff8)
				break; /* not the first fragment: no ports */
			nh = h[off];
			off += 8;
		} else {
			break;
		}
	}
	q->proto = nh;
	quote_ports(q, h + off, avail - off);
}

static void icmpv6_quote(struct decode_ctx *c, uint32_t off, uint32_t avail)
{
	const uint8_t *h = c->data + off;
	struct kn_icmp_quote *q = &c->p->quote;

	if (avail < 40) {
		decode_event(c, KN_DEV_ICMPV6_IPV6_TRUNC_PKT);
		return;
	}
	if (h[0] >> 4 != 6) {
		decode_event(c, KN_DEV_ICMPV6_IPV6_UNKNOWN_VER);
		return;
	}
	q->ip_version = 6;
	memcpy(q->src.b, h + 8, 16);
	memcpy(q->dst.b, h + 24, 16);
	icmpv6_quote_l4(q, h, avail);
	c->p->flags |= KN_PKT_ICMP_ERROR;
}

/* The event an ICMPv6 type/code deserves, or 0. */
static unsigned icmpv6_type_event(uint8_t type, uint8_t code)
{
	if (type == 100 || type == 101 || type == 200 || type == 201)
		return KN_DEV_ICMPV6_EXPERIMENTATION_TYPE;
	if (type == 0 || type == 127 || type == 255)
		return KN_DEV_ICMPV6_UNKNOWN_TYPE;
	if ((type >= 5 && type <= 99) || (type >= 102 && type <= 126) || (type >= 162 && type <= 199) ||
	    type >= 202)
		return KN_DEV_ICMPV6_UNASSIGNED_TYPE;
	static const uint8_t max_code[5] = { 0, 8, 0, 1, 10 }; /* types 1..4 */
	if (type <= 4)
		return code > max_code[type] ? KN_DEV_ICMPV6_UNKNOWN_CODE : 0;
	if ((type == 128 || type == 129 || (type >= 133 && type <= 137)) && code != 0)
		return KN_DEV_ICMPV6_UNKNOWN_CODE;
	return 0;
}

int decode_icmpv6(struct decode_ctx *c, uint32_t off, uint32_t len)
{
	c->d->stats.icmpv6++;
	struct kn_packet *p = c->p;
	const uint8_t *h = c->data + off;
	uint32_t avail = decode_avail(c, off, len);

	if (avail < ICMP_HLEN)
		return decode_fail(c, KN_DEV_ICMPV6_PKT_TOO_SMALL);
	uint8_t type = h[0];
	p->icmp_type = type;
	p->icmp_code = h[1];
	p->payload_off = off + ICMP_HLEN;
	p->payload_len = avail - ICMP_HLEN;
	unsigned ev = icmpv6_type_event(type, h[1]);
	if (ev)
		decode_event(c, ev);
	/* MLD (RFC 2710, 3810) must stay on the link. */
	if ((type == 130 || type == 131 || type == 132 || type == 143) && p->ttl != 1)
		decode_event(c, KN_DEV_ICMPV6_MLD_INVALID_HL);
	if (type == 128 || type == 129)
		p->icmp_id = rd16(h + 4);
	else if (type >= 1 && type <= 4)
		icmpv6_quote(c, off + ICMP_HLEN, avail - ICMP_HLEN);
	return KN_DECODE_IP;
}
