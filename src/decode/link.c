/*
 * link.c - link-layer headers: Ethernet (and 802.3 length frames), Linux
 * cooked SLL and SLL2, BSD null/loopback, Cisco HDLC, raw IP; and the ethertype switch
 * every layer that names its payload by ethertype goes through; the
 * outermost Ethernet addresses and Ethernet/IPv4 ARP fields (for the
 * behaviour detectors and the per-packet verdicts).
 *
 * Part of the decode stage: first step of kn_decode(). The dispatch is a
 * plain switch on the pcap link type (hot path). Link headers that are too
 * short raise their layer's pkt_too_small event.
 */
#include <string.h>

#include "decode_int.h"

#define ETH_HLEN 14
#define SLL_HLEN 16
#define SLL2_HLEN 20
#define NULL_HLEN 4
#define ARP_LEN 28   /* Ethernet/IPv4 ARP: 8-byte header, 2 x (6 + 4) addresses */

/* BSD AF_ values found in null/loopback headers. */
#define BSD_AF_INET 2
#define BSD_AF_INET6_NETBSD 24
#define BSD_AF_INET6_FREEBSD 28
#define BSD_AF_INET6_DARWIN 30

int decode_ethernet(struct decode_ctx *c, uint32_t off, uint32_t len)
{
	c->d->stats.ethernet++;
	if (decode_avail(c, off, len) < ETH_HLEN)
		return decode_fail(c, KN_DEV_ETHERNET_PKT_TOO_SMALL);
	if (decode_too_deep(c))
		return KN_DECODE_OTHER;
	if (!(c->p->flags & KN_PKT_ETH) && !c->p->tunnel_depth) {
		memcpy(c->p->eth_dst, c->data + off, 6);
		memcpy(c->p->eth_src, c->data + off + 6, 6);
		c->p->flags |= KN_PKT_ETH;
	}
	c->seg_vlans = 0;
	return decode_ethertype(c, rd16(c->data + off + 12), off + ETH_HLEN, len - ETH_HLEN);
}

/* Ethernet/IPv4 ARP outside tunnels fills p->arp; anything else (other
 * hardware or protocol types, short or tunnelled packets) is left alone.
 * ARP is never an IP packet: the result is always KN_DECODE_OTHER. */
static int decode_arp(struct decode_ctx *c, uint32_t off, uint32_t len)
{
	const uint8_t *a = c->data + off;

	if (decode_avail(c, off, len) < ARP_LEN || c->p->tunnel_depth)
		return KN_DECODE_OTHER;
	if (rd16(a) != 1 || rd16(a + 2) != 0x0800 || a[4] != 6 || a[5] != 4)
		return KN_DECODE_OTHER;
	struct kn_arp *arp = &c->p->arp;
	arp->op = rd16(a + 6);
	memcpy(arp->sha, a + 8, 6);
	memcpy(arp->spa, a + 14, 4);
	memcpy(arp->tha, a + 18, 6);
	memcpy(arp->tpa, a + 24, 4);
	c->p->flags |= KN_PKT_ARP;
	return KN_DECODE_OTHER;
}

int decode_ethertype(struct decode_ctx *c, uint16_t type, uint32_t off, uint32_t len)
{
	struct kn_decode_stats *st = &c->d->stats;

	switch (type) {
	case 0x0800:
		return decode_ipv4(c, off, len);
	case 0x86dd:
		return decode_ipv6(c, off, len);
	case 0x8100:
	case 0x88a8:
	case 0x9100:
		return decode_vlan(c, off, len);
	case 0x8847:
	case 0x8848:
		return decode_mpls(c, off, len);
	case 0x8864:
		return decode_pppoe_session(c, off, len);
	case 0x8863: /* PPPoE discovery: no IP inside */
		st->pppoe++;
		return KN_DECODE_OTHER;
	case 0x88e7:
		return decode_8021ah(c, off, len);
	case 0x8926:
		return decode_vntag(c, off, len);
	case 0x8903:
		return decode_dce(c, off, len);
	case 0x893f:
		return decode_etag(c, off, len);
	case 0x894f:
		return decode_nsh(c, off, len);
	case 0x0806:
		st->arp++;
		return decode_arp(c, off, len);
	case 0x8035:
		st->arp++;
		return KN_DECODE_OTHER;
	default:
		/* Values up to 1500 are 802.3 lengths (LLC frames), not types. */
		if (type <= 1500)
			return decode_llc(c, off, len);
		st->unknown_ethertype++;
		return KN_DECODE_OTHER;
	}
}

static int decode_sll(struct decode_ctx *c, uint32_t len)
{
	c->d->stats.sll++;
	if (decode_avail(c, 0, len) < SLL_HLEN)
		return decode_fail(c, KN_DEV_SLL_PKT_TOO_SMALL);
	/* The protocol field is an ethertype for the hardware types that carry
	 * IP; small values (802.2, CAN, ...) land in the OTHER default. */
	return decode_ethertype(c, rd16(c->data + 14), SLL_HLEN, len - SLL_HLEN);
}

static int decode_sll2(struct decode_ctx *c, uint32_t len)
{
	c->d->stats.sll++;
	if (decode_avail(c, 0, len) < SLL2_HLEN)
		return decode_fail(c, KN_DEV_SLL2_PKT_TOO_SMALL);
	return decode_ethertype(c, rd16(c->data), SLL2_HLEN, len - SLL2_HLEN);
}

/* Cisco HDLC (104): address (0x0f unicast, 0x8f broadcast), control, then
 * an ethertype; what follows is decoded as after an Ethernet header. */
#define CHDLC_HLEN 4
static int decode_chdlc(struct decode_ctx *c, uint32_t len)
{
	if (decode_avail(c, 0, len) < CHDLC_HLEN)
		return decode_fail(c, KN_DEV_CHDLC_PKT_TOO_SMALL);
	return decode_ethertype(c, rd16(c->data + 2), CHDLC_HLEN, len - CHDLC_HLEN);
}

/* Null (0) stores the AF in the writer's byte order, loop (108) in network
 * order. A value with high bits set is a byte-swapped small AF. */
static int decode_null(struct decode_ctx *c, uint32_t len, int network_order)
{
	c->d->stats.null++;
	if (decode_avail(c, 0, len) < NULL_HLEN)
		return decode_fail(c, KN_DEV_LTNULL_PKT_TOO_SMALL);
	const uint8_t *h = c->data;
	uint32_t af = network_order ? rd32(h) : (uint32_t)h[3] << 24 | (uint32_t)h[2] << 16 |
							   (uint32_t)h[1] << 8 | h[0];
	if (af > 0xffff)
		af = __builtin_bswap32(af);
	switch (af) {
	case BSD_AF_INET:
		return decode_ipv4(c, NULL_HLEN, len - NULL_HLEN);
	case BSD_AF_INET6_NETBSD:
	case BSD_AF_INET6_FREEBSD:
	case BSD_AF_INET6_DARWIN:
		return decode_ipv6(c, NULL_HLEN, len - NULL_HLEN);
	default:
		return decode_fail(c, KN_DEV_LTNULL_UNSUPPORTED_TYPE);
	}
}

int decode_link(struct decode_ctx *c)
{
	const struct kn_packet *p = c->p;
	/* The link layer's length is what was on the wire; captured bytes
	 * are bounded separately by c->cap. */
	uint32_t len = p->wirelen > p->caplen ? p->wirelen : p->caplen;

	switch (p->linktype) {
	case KN_LINK_ETHERNET:
		return decode_ethernet(c, 0, len);
	case KN_LINK_SLL:
		return decode_sll(c, len);
	case KN_LINK_SLL2:
		return decode_sll2(c, len);
	case KN_LINK_RAW:
	case KN_LINK_IPV4:
	case KN_LINK_IPV6:
	case 12: /* LINKTYPE_RAW as some BSDs number DLT_RAW */
	case 14:
		c->d->stats.raw++;
		return decode_ip_any(c, 0, len, KN_DEV_IPRAW_INVALID_IPV);
	case KN_LINK_NULL:
		return decode_null(c, len, 0);
	case KN_LINK_CHDLC:
		return decode_chdlc(c, len);
	case KN_LINK_LOOP:
		return decode_null(c, len, 1);
	default:
		return KN_DECODE_OTHER;
	}
}
