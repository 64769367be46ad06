/*
 * encap.c - layer-2.5 encapsulations between the link header and IP:
 * 802.1Q/802.1ad VLAN tags, 802.1ah (PBB) I-tags, VN-tags, Cisco DCE
 * (FabricPath) headers, MPLS label
 * stacks (incl. Ethernet pseudowires), PPPoE sessions and PPP.
 *
 * Part of the decode stage, called from the ethertype switch (link.c) and
 * from GRE (tunnel.c, for PPP and MPLS). Each header counts as one layer
 * against cfg.max_layers; the outermost two VLAN ids are kept in p->vlan.
 */
#include "decode_int.h"

#define VLAN_HLEN 4
#define VLAN_MAX_TAGS 3 /* per Ethernet segment, like Suricata's QinQinQ */
#define PBB_HLEN 18     /* I-tag (4) + customer MACs (12) + ethertype (2) */
#define VNTAG_HLEN 6
#define ETAG_HLEN 8      /* 802.1BR E-TAG after its ethertype: 6 bytes + next type */
#define LLC_SNAP_HLEN 8  /* DSAP AA, SSAP AA, control 03, OUI 00-00-00, ethertype */
#define NSH_MIN_HLEN 8   /* RFC 8300 base header + service path header */
#define DCE_HLEN 2 /* then a whole inner Ethernet header */
#define MPLS_HLEN 4
#define PPPOE_HLEN 6

int decode_vlan(struct decode_ctx *c, uint32_t off, uint32_t len)
{
	if (decode_avail(c, off, len) < VLAN_HLEN)
		return decode_fail(c, KN_DEV_VLAN_HEADER_TOO_SMALL);
	if (++c->seg_vlans > VLAN_MAX_TAGS)
		return decode_fail(c, KN_DEV_VLAN_TOO_MANY_LAYERS);
	if (decode_too_deep(c))
		return KN_DECODE_OTHER;
	const uint8_t *h = c->data + off;
	if (c->vlans < 2)
		c->p->vlan[c->vlans++] = rd16(h) & 0x0fff;
	if (c->seg_vlans == 1)
		c->d->stats.vlan++;
	else if (c->seg_vlans == 2)
		c->d->stats.vlan_qinq++;
	return decode_ethertype(c, rd16(h + 2), off + VLAN_HLEN, len - VLAN_HLEN);
}

int decode_8021ah(struct decode_ctx *c, uint32_t off, uint32_t len)
{
	c->d->stats.ieee8021ah++;
	if (decode_avail(c, off, len) < PBB_HLEN)
		return decode_fail(c, KN_DEV_IEEE8021AH_HEADER_TOO_SMALL);
	if (decode_too_deep(c))
		return KN_DECODE_OTHER;
	c->seg_vlans = 0; /* a new customer Ethernet header starts here */
	return decode_ethertype(c, rd16(c->data + off + 16), off + PBB_HLEN, len - PBB_HLEN);
}

int decode_vntag(struct decode_ctx *c, uint32_t off, uint32_t len)
{
	c->d->stats.vntag++;
	if (decode_avail(c, off, len) < VNTAG_HLEN)
		return decode_fail(c, KN_DEV_VNTAG_HEADER_TOO_SMALL);
	if (decode_too_deep(c))
		return KN_DECODE_OTHER;
	return decode_ethertype(c, rd16(c->data + off + 4), off + VNTAG_HLEN, len - VNTAG_HLEN);
}

int decode_etag(struct decode_ctx *c, uint32_t off, uint32_t len)
{
	c->d->stats.etag++;
	if (decode_avail(c, off, len) < ETAG_HLEN)
		return decode_fail(c, KN_DEV_ETAG_HEADER_TOO_SMALL);
	if (decode_too_deep(c))
		return KN_DECODE_OTHER;
	return decode_ethertype(c, rd16(c->data + off + 6), off + ETAG_HLEN, len - ETAG_HLEN);
}

/* An 802.3 frame (length instead of type): only LLC/SNAP with the Ethernet
 * OUI carries a protocol we decode; anything else (STP, CDP...) is not IP. */
int decode_llc(struct decode_ctx *c, uint32_t off, uint32_t len)
{
	const uint8_t *h = c->data + off;
	if (decode_avail(c, off, len) < LLC_SNAP_HLEN || h[0] != 0xaa || h[1] != 0xaa ||
	    h[2] != 0x03 || h[3] || h[4] || h[5])
		return KN_DECODE_OTHER;
	c->d->stats.llc++;
	if (decode_too_deep(c))
		return KN_DECODE_OTHER;  /* SNAP can nest: bounded like every layer */
	return decode_ethertype(c, rd16(h + 6), off + LLC_SNAP_HLEN, len - LLC_SNAP_HLEN);
}

/* Network Service Header (RFC 8300), version 0: base header, service path
 * header and metadata, then IPv4 (1), IPv6 (2), Ethernet (3), NSH (4) or
 * MPLS (5). */
int decode_nsh(struct decode_ctx *c, uint32_t off, uint32_t len)
{
	const uint8_t *h = c->data + off;
	c->d->stats.nsh++;
	if (decode_avail(c, off, len) < NSH_MIN_HLEN)
		return decode_fail(c, KN_DEV_NSH_HEADER_TOO_SMALL);
	if (h[0] >> 6)
		return decode_fail(c, KN_DEV_NSH_UNSUPPORTED_VERSION);
	uint32_t hlen = (uint32_t)(h[1] & 0x3f) * 4;
	if (hlen < NSH_MIN_HLEN || decode_avail(c, off, len) < hlen)
		return decode_fail(c, KN_DEV_NSH_BAD_HEADER_LENGTH);
	if (decode_too_deep(c))
		return KN_DECODE_OTHER;
	off += hlen;
	len -= hlen;
	switch (h[3]) {
	case 1: return decode_ipv4(c, off, len);
	case 2: return decode_ipv6(c, off, len);
	case 3: return decode_ethernet(c, off, len);
	case 4: return decode_nsh(c, off, len);
	case 5: return decode_mpls(c, off, len);
	default: return decode_fail(c, KN_DEV_NSH_UNKNOWN_PAYLOAD);
	}
}

int decode_dce(struct decode_ctx *c, uint32_t off, uint32_t len)
{
	c->d->stats.dce++;
	if (decode_avail(c, off, len) < DCE_HLEN + 14)
		return decode_fail(c, KN_DEV_DCE_PKT_TOO_SMALL);
	return decode_ethernet(c, off + DCE_HLEN, len - DCE_HLEN);
}

/* Labels 0-15 are reserved (RFC 3032, RFC 7274): the event a label
 * deserves, or -1 when it is acceptable. */
static int mpls_label_event(uint32_t label, int bottom)
{
	if (label == 3)
		return KN_DEV_MPLS_BAD_LABEL_IMPLICIT_NULL;
	if (label == 1 && bottom)
		return KN_DEV_MPLS_BAD_LABEL_ROUTER_ALERT;
	/* 7 (entropy label indicator) and 13 (GAL) are assigned. */
	if (label >= 4 && label <= 15 && label != 7 && label != 13)
		return KN_DEV_MPLS_BAD_LABEL_RESERVED;
	return -1;
}

/* After the bottom label: explicit-null labels name the family, otherwise
 * the first nibble does; 0 is a pseudowire control word before Ethernet. */
static int mpls_payload(struct decode_ctx *c, uint32_t label, uint32_t off, uint32_t len)
{
	if (label == 0)
		return decode_ipv4(c, off, len);
	if (label == 2)
		return decode_ipv6(c, off, len);
	if (decode_avail(c, off, len) < 1)
		return decode_fail(c, KN_DEV_MPLS_PKT_TOO_SMALL);
	switch (c->data[off] >> 4) {
	case 4:
		return decode_ipv4(c, off, len);
	case 6:
		return decode_ipv6(c, off, len);
	case 0:
		if (decode_avail(c, off, len) < 4)
			return decode_fail(c, KN_DEV_MPLS_PKT_TOO_SMALL);
		return decode_ethernet(c, off + 4, len - 4);
	default:
		return decode_fail(c, KN_DEV_MPLS_UNKNOWN_PAYLOAD_TYPE);
	}
}

int decode_mpls(struct decode_ctx *c, uint32_t off, uint32_t len)
{
	c->d->stats.mpls++;
	if (decode_too_deep(c))
		return KN_DECODE_OTHER;
	/* The whole stack is one layer; the walk is bounded by the bytes. */
	for (;;) {
		if (decode_avail(c, off, len) < MPLS_HLEN)
			return decode_fail(c, KN_DEV_MPLS_HEADER_TOO_SMALL);
		uint32_t e = rd32(c->data + off);
		uint32_t label = e >> 12;
		int bottom = (e >> 8) & 1;
		int ev = mpls_label_event(label, bottom);
		if (ev >= 0)
			return decode_fail(c, (unsigned)ev);
		off += MPLS_HLEN;
		len -= MPLS_HLEN;
		if (bottom)
			return mpls_payload(c, label, off, len);
	}
}

int decode_pppoe_session(struct decode_ctx *c, uint32_t off, uint32_t len)
{
	c->d->stats.pppoe++;
	if (decode_avail(c, off, len) < PPPOE_HLEN + 2)
		return decode_fail(c, KN_DEV_PPPOE_PKT_TOO_SMALL);
	if (decode_too_deep(c))
		return KN_DECODE_OTHER;
	const uint8_t *h = c->data + off;
	if (h[1] != 0) /* session data always has code 0 */
		return decode_fail(c, KN_DEV_PPPOE_WRONG_CODE);
	uint32_t plen = rd16(h + 4);
	if (plen < 2 || plen > len - PPPOE_HLEN)
		return decode_fail(c, KN_DEV_PPPOE_PKT_TOO_SMALL);
	return decode_ppp(c, off + PPPOE_HLEN, plen);
}

/* PPP protocols that carry data we do not decode (VJ-compressed TCP, IPX,
 * AppleTalk, multilink, compressed or encrypted datagrams, bridging). */
static int ppp_known_data_proto(uint16_t proto)
{
	switch (proto) {
	case 0x0023: case 0x0029: case 0x002b: case 0x002d: case 0x002f:
	case 0x0031: case 0x003d: case 0x00fb: case 0x00fd:
		return 1;
	default:
		return 0;
	}
}

int decode_ppp(struct decode_ctx *c, uint32_t off, uint32_t len)
{
	uint32_t avail = decode_avail(c, off, len);
	const uint8_t *h = c->data + off;

	c->d->stats.ppp++;
	/* Address/control bytes (ff 03) appear in PPTP's GRE payload. */
	if (avail >= 2 && h[0] == 0xff && h[1] == 0x03) {
		h += 2, off += 2, len -= 2, avail -= 2;
	}
	if (avail < 1)
		return decode_fail(c, KN_DEV_PPP_PKT_TOO_SMALL);
	uint16_t proto;
	if (h[0] & 1) { /* protocol field compression: one byte */
		proto = h[0];
		off += 1, len -= 1;
	} else {
		if (avail < 2)
			return decode_fail(c, KN_DEV_PPP_PKT_TOO_SMALL);
		proto = rd16(h);
		off += 2, len -= 2;
	}
	if (proto == 0x0021)
		return decode_ipv4(c, off, len);
	if (proto == 0x0057)
		return decode_ipv6(c, off, len);
	if (proto >= 0x4000) /* link, network and authentication control */
		return KN_DECODE_OTHER;
	return decode_fail(c, ppp_known_data_proto(proto) ? KN_DEV_PPP_UNSUP_PROTO
							  : KN_DEV_PPP_WRONG_TYPE);
}
