/*
 * ip.c - the two switches around the IP layer: by version nibble (raw IP
 * links, MPLS, tunnels that do not say which family they carry) and by
 * protocol number (from IPv4, or IPv6 after its extension headers) to the
 * transport and tunnel decoders.
 *
 * Part of the decode stage. Protocols without a decoder (OSPF, IGMP, PIM...)
 * are still IP packets: they are described with l4_off = payload_off at
 * the IP payload and counted in other_ip.
 */
#include "decode_int.h"

void decode_set_addr4(struct kn_addr *a, const uint8_t *b)
{
	memset(a->b, 0, sizeof a->b);
	memcpy(a->b, b, 4);
}

int decode_ip_any(struct decode_ctx *c, uint32_t off, uint32_t len, unsigned bad_version_ev)
{
	if (decode_avail(c, off, len) < 1)
		return decode_fail(c, bad_version_ev);
	switch (c->data[off] >> 4) {
	case 4:
		return decode_ipv4(c, off, len);
	case 6:
		return decode_ipv6(c, off, len);
	default:
		return decode_fail(c, bad_version_ev);
	}
}

int decode_ip_payload(struct decode_ctx *c, uint8_t proto, uint32_t off, uint32_t len)
{
	struct kn_packet *p = c->p;

	p->proto = proto;
	p->l4_off = off;
	p->payload_off = off;
	p->payload_len = decode_avail(c, off, len);
	switch (proto) {
	case 6:
		return decode_tcp(c, off, len);
	case 17:
		return decode_udp(c, off, len);
	case 1:
		if (p->ip_version == 4)
			return decode_icmpv4(c, off, len);
		decode_event(c, KN_DEV_IPV6_WITH_ICMPV4);
		break;
	case 58:
		if (p->ip_version == 6)
			return decode_icmpv6(c, off, len);
		decode_event(c, KN_DEV_IPV4_WITH_ICMPV6);
		break;
	case 132:
		return decode_sctp(c, off, len);
	case 47:
		return decode_gre(c, off, len);
	case 4:
		return decode_ipip(c, 4, off, len);
	case 41:
		return decode_ipip(c, 6, off, len);
	case 50:
		return decode_esp(c, off, len);
	default:
		break;
	}
	c->d->stats.other_ip++;
	return KN_DECODE_IP;
}
