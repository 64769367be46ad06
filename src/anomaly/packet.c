/*
 * packet.c - a decoded struct kn_packet -> the fields AfterImage keys its
 * statistics by (struct kn_ai_packet): Ethernet MACs, the innermost IP
 * addresses with TCP/UDP ports (those quoted by an ICMP error, as tshark
 * reports them), ICMPv4, and ARP's protocol addresses, which the decoder
 * does not keep, so ARP is parsed here from the frame with every length
 * checked against caplen.
 */
#include <string.h>

#include "anomaly/anomaly_int.h"
#include "kenchi/decode.h"

#define ETH_HLEN 14

static uint16_t rd16(const uint8_t *p)
{
	return (uint16_t)(p[0] << 8 | p[1]);
}

/* Offset of the ARP header in an Ethernet frame (after 802.1Q/ad tags), or
 * 0 when the frame does not carry ARP. */
static uint32_t arp_offset(const struct kn_packet *pkt)
{
	uint32_t off = 12;
	for (int tags = 0; tags < 4; tags++) {
		if (pkt->caplen < off + 2)
			return 0;
		uint16_t type = rd16(pkt->data + off);
		if (type == 0x0806)
			return off + 2;
		if (type != 0x8100 && type != 0x88a8 && type != 0x9100)
			return 0;
		off += 4;
	}
	return 0;
}

/* ARP: sender and target protocol addresses when they are IPv4. */
static void fill_arp(const struct kn_packet *pkt, uint32_t off, struct kn_ai_packet *out)
{
	out->kind = KN_AI_ARP;
	if (pkt->caplen < off + 8)
		return;
	const uint8_t *h = pkt->data + off;
	uint32_t hlen = h[4], plen = h[5];
	if (rd16(h + 2) != 0x0800 || plen != 4 || pkt->caplen < off + 8 + 2 * (hlen + plen))
		return;
	out->ip_version = 4;
	memcpy(out->src_ip.b, h + 8 + hlen, 4);
	memcpy(out->dst_ip.b, h + 8 + 2 * hlen + plen, 4);
}

static void fill_ip(const struct kn_packet *pkt, struct kn_ai_packet *out)
{
	out->kind = KN_AI_IP;
	out->ip_version = pkt->ip_version;
	out->proto = pkt->proto;
	out->src_ip = pkt->src;
	out->dst_ip = pkt->dst;
	if (pkt->flags & KN_PKT_FRAGMENT)
		return;
	if ((pkt->proto == 6 || pkt->proto == 17) && (pkt->flags & KN_PKT_HAS_PORTS)) {
		out->port_kind = KN_AI_PORTS_L4;
		out->sport = pkt->sport;
		out->dport = pkt->dport;
		return;
	}
	if (pkt->proto != 1 && pkt->proto != 58)
		return;
	out->icmp_type = pkt->icmp_type;
	out->icmp_code = pkt->icmp_code;
	const struct kn_icmp_quote *q = &pkt->quote;
	if ((pkt->flags & KN_PKT_ICMP_ERROR) && q->ip_version && (q->proto == 6 || q->proto == 17) &&
	    (q->sport | q->dport)) {
		out->port_kind = KN_AI_PORTS_L4;
		out->sport = q->sport;
		out->dport = q->dport;
	} else if (pkt->proto == 1) {
		out->port_kind = KN_AI_PORTS_ICMP;
	}
}

void kn_ai_packet_from(const struct kn_packet *pkt, int decode_rc, struct kn_ai_packet *out)
{
	memset(out, 0, sizeof *out);
	out->ts_ns = pkt->ts_ns;
	out->frame_len = pkt->wirelen;
	int eth = pkt->linktype == KN_LINK_ETHERNET && !(pkt->flags & KN_PKT_REASSEMBLED) &&
		  pkt->caplen >= ETH_HLEN;
	if (eth) {
		out->has_mac = 1;
		memcpy(out->dst_mac, pkt->data, 6);
		memcpy(out->src_mac, pkt->data + 6, 6);
	}
	if ((decode_rc == KN_DECODE_IP || decode_rc == KN_DECODE_HELD) &&
	    (pkt->ip_version == 4 || pkt->ip_version == 6)) {
		fill_ip(pkt, out);
		return;
	}
	uint32_t arp = eth ? arp_offset(pkt) : 0;
	if (arp)
		fill_arp(pkt, arp, out);
	else
		out->kind = KN_AI_OTHER;
}
