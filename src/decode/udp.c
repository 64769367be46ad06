/*
 * udp.c - UDP (RFC 768), SCTP common header (RFC 9260) and ESP (RFC 4303).
 *
 * Part of the decode stage: ports and payload bounds, then the UDP-borne
 * tunnels chosen by well-known port (VXLAN 4789, Geneve 6081 and
 * GRE-in-UDP 4754 by destination; Teredo 3544, GTP-U 2152 and AYIYA 5072
 * either way; see tunnel.c). A UDP datagram that does not parse as its
 * tunnel stays a plain UDP packet.
 */
#include "decode_int.h"

#define UDP_HLEN 8
#define SCTP_HLEN 12
#define ESP_HLEN 8

#define PORT_VXLAN 4789
#define PORT_GENEVE 6081
#define PORT_TEREDO 3544
#define PORT_GRE_UDP 4754
#define PORT_GTPU 2152
#define PORT_AYIYA 5072

/* The tunnel a UDP payload may hold, by port; KN_DECODE_IP when none. */
static int udp_tunnel(struct decode_ctx *c, uint16_t sport, uint16_t dport, uint32_t off,
		      uint32_t len)
{
	switch (dport) {
	case PORT_VXLAN: return decode_vxlan(c, off, len);
	case PORT_GENEVE: return decode_geneve(c, off, len);
	case PORT_GRE_UDP: return decode_gre_udp(c, off, len);
	case PORT_TEREDO: return decode_teredo(c, off, len);
	case PORT_GTPU: return decode_gtpu(c, off, len);
	case PORT_AYIYA: return decode_ayiya(c, off, len);
	default: break;
	}
	switch (sport) {
	case PORT_TEREDO: return decode_teredo(c, off, len);
	case PORT_GTPU: return decode_gtpu(c, off, len);
	case PORT_AYIYA: return decode_ayiya(c, off, len);
	default: return KN_DECODE_IP;
	}
}

int decode_udp(struct decode_ctx *c, uint32_t off, uint32_t len)
{
	c->d->stats.udp++;
	struct kn_packet *p = c->p;
	const uint8_t *h = c->data + off;
	uint32_t avail = decode_avail(c, off, len);

	if (KN_UNLIKELY(len < UDP_HLEN))
		return decode_fail(c, KN_DEV_UDP_HLEN_TOO_SMALL);
	if (KN_UNLIKELY(avail < UDP_HLEN))
		return decode_fail(c, KN_DEV_UDP_PKT_TOO_SMALL);
	uint32_t ulen = rd16(h + 4);
	if (KN_UNLIKELY(ulen > len))
		return decode_fail(c, KN_DEV_UDP_PKT_TOO_SMALL);
	if (KN_UNLIKELY(ulen < UDP_HLEN))
		return decode_fail(c, KN_DEV_UDP_LEN_INVALID);
	p->sport = rd16(h);
	p->dport = rd16(h + 2);
	p->flags |= KN_PKT_HAS_PORTS;
	p->payload_off = off + UDP_HLEN;
	p->payload_len = (ulen < avail ? ulen : avail) - UDP_HLEN;
	/* Tunnels: the inner length is the UDP payload per the UDP header. */
	return udp_tunnel(c, p->sport, p->dport, off + UDP_HLEN, ulen - UDP_HLEN);
}

int decode_sctp(struct decode_ctx *c, uint32_t off, uint32_t len)
{
	c->d->stats.sctp++;
	struct kn_packet *p = c->p;
	uint32_t avail = decode_avail(c, off, len);

	if (avail < SCTP_HLEN)
		return decode_fail(c, KN_DEV_SCTP_PKT_TOO_SMALL);
	p->sport = rd16(c->data + off);
	p->dport = rd16(c->data + off + 2);
	p->flags |= KN_PKT_HAS_PORTS;
	p->payload_off = off + SCTP_HLEN;
	p->payload_len = avail - SCTP_HLEN;
	return KN_DECODE_IP;
}

/* ESP ends decoding: the rest is encrypted. The SPI and sequence number
 * must be there. */
int decode_esp(struct decode_ctx *c, uint32_t off, uint32_t len)
{
	c->d->stats.esp++;
	uint32_t avail = decode_avail(c, off, len);

	if (avail < ESP_HLEN)
		return decode_fail(c, KN_DEV_ESP_PKT_TOO_SMALL);
	c->p->payload_off = off + ESP_HLEN;
	c->p->payload_len = avail - ESP_HLEN;
	return KN_DECODE_IP;
}
