/*
 * tunnel.c - tunnels decoded down to their inner packet: GRE (RFC 2784,
 * 2890; PPTP's enhanced GRE, RFC 2637), ERSPAN types I-III, 802.11 frames
 * in Aruba GRE (wlan.c), GRE-in-UDP (RFC 8086), VXLAN (RFC 7348), Geneve
 * (RFC 8926), Teredo (RFC 4380), GTP-U (3GPP TS 29.281), AYIYA
 * (draft-massar-v6ops-ayiya) and IP-in-IP (protocols 4 and 41, both outer
 * families).
 *
 * Part of the decode stage, reached from the protocol switch (ip.c) and
 * from UDP (udp.c). Entering a tunnel counts one layer, increments
 * p->tunnel_depth and sets p->tunnel_id, which the flow key includes: the
 * VNI of a VXLAN or Geneve tunnel (a virtual network: the same addresses
 * in two VNIs are two hosts), else TUNNEL_ID_DEPTH | depth. GRE keys,
 * ERSPAN session ids, GTP-U TEIDs and the outer addresses are not
 * identities: mirror sessions carry the two directions of one connection
 * under different keys or from different switches, a GTP-U bearer has one
 * TEID per direction, and Suricata keys flows the same way (addresses,
 * ports, VLANs and tunnel depth).
 *
 * The UDP-borne tunnels are chosen by port (udp.c), so each verifies its
 * header first and leaves anything else a plain UDP packet, silently.
 *
 * Fallback policy: when the inner packet is broken or is not IP (ARP in
 * VXLAN, PPP control in PPTP...), the outer packet is described again and
 * returned as IP, keeping the inner events: the captured packet is still
 * counted in a flow (the tunnel's own). Not after defrag took the packet.
 */
#include "decode_int.h"

#define GRE_C 0x8000
#define GRE_R 0x4000
#define GRE_K 0x2000
#define GRE_S 0x1000
#define GRE_SSR 0x0800
#define GRE_RECUR 0x0700
#define GRE_A 0x0080      /* v1 acknowledgment present */
#define GRE_FLAGS0 0x00f8 /* reserved in v0 */
#define GRE_FLAGS1 0x0078 /* reserved in v1 */
#define GRE_VERSION 0x0007

enum tunnel_inner { INNER_ETHERNET, INNER_IPV4, INNER_IPV6, INNER_PPP, INNER_MPLS, INNER_WLAN };

/* The outer description, to restore on fallback. */
struct tunnel_snap {
	struct kn_addr src, dst;
	uint32_t tunnel_id, l3_off, l4_off, payload_off, payload_len, ip_len;
	uint16_t flags, sport, dport, vlan[2];
	uint8_t ip_version, proto, ttl, tunnel_depth, vlans;
};

static void snap_save(const struct decode_ctx *c, struct tunnel_snap *s)
{
	const struct kn_packet *p = c->p;
	s->src = p->src;
	s->dst = p->dst;
	s->tunnel_id = p->tunnel_id;
	s->l3_off = p->l3_off;
	s->l4_off = p->l4_off;
	s->payload_off = p->payload_off;
	s->payload_len = p->payload_len;
	s->ip_len = p->ip_len;
	s->flags = p->flags;
	s->sport = p->sport;
	s->dport = p->dport;
	s->vlan[0] = p->vlan[0];
	s->vlan[1] = p->vlan[1];
	s->ip_version = p->ip_version;
	s->proto = p->proto;
	s->ttl = p->ttl;
	s->tunnel_depth = p->tunnel_depth;
	s->vlans = c->vlans;
}

static void snap_restore(struct decode_ctx *c, const struct tunnel_snap *s)
{
	struct kn_packet *p = c->p;
	p->src = s->src;
	p->dst = s->dst;
	p->tunnel_id = s->tunnel_id;
	p->l3_off = s->l3_off;
	p->l4_off = s->l4_off;
	p->payload_off = s->payload_off;
	p->payload_len = s->payload_len;
	p->ip_len = s->ip_len;
	/* A cut seen inside stays true of the frame. */
	p->flags = s->flags | (p->flags & KN_PKT_TRUNCATED);
	p->sport = s->sport;
	p->dport = s->dport;
	p->vlan[0] = s->vlan[0];
	p->vlan[1] = s->vlan[1];
	p->ip_version = s->ip_version;
	p->proto = s->proto;
	p->ttl = s->ttl;
	p->tunnel_depth = s->tunnel_depth;
	p->icmp_type = p->icmp_code = 0;
	p->icmp_id = 0;
	c->vlans = s->vlans;
}

/* Tunnel ids of tunnels without a VNI: above every 24-bit VNI. */
#define TUNNEL_ID_DEPTH 0x01000000u

/* vni: the VXLAN/Geneve network identifier, 0 for other tunnels. */
static int tunnel_enter(struct decode_ctx *c, enum tunnel_inner kind, uint32_t vni, uint32_t off,
			uint32_t len)
{
	struct kn_packet *p = c->p;
	struct tunnel_snap s;
	int r;

	if (decode_too_deep(c))
		return KN_DECODE_IP; /* the outer packet stays described */
	snap_save(c, &s);
	p->tunnel_depth++;
	p->tunnel_id = vni ? vni : TUNNEL_ID_DEPTH | p->tunnel_depth;
	p->flags |= KN_PKT_TUNNELED;
	switch (kind) {
	case INNER_ETHERNET: r = decode_ethernet(c, off, len); break;
	case INNER_IPV4: r = decode_ipv4(c, off, len); break;
	case INNER_IPV6: r = decode_ipv6(c, off, len); break;
	case INNER_PPP: r = decode_ppp(c, off, len); break;
	case INNER_WLAN: r = decode_wlan(c, off, len); break;
	default: r = decode_mpls(c, off, len); break;
	}
	if (r != KN_DECODE_OTHER || c->defrag_done)
		return r;
	snap_restore(c, &s);
	return KN_DECODE_IP;
}

/* ERSPAN type II (8-byte header, version 1) and III (12 bytes, version 2,
 * plus an 8-byte platform subheader when the O bit is set), then the
 * mirrored Ethernet frame. Type I has no header. */
static int decode_erspan(struct decode_ctx *c, int type, uint32_t off, uint32_t len)
{
	uint32_t avail = decode_avail(c, off, len), hlen = 0;
	const uint8_t *h = c->data + off;

	c->d->stats.erspan++;
	if (type == 2) {
		if (avail < 8)
			return decode_fail(c, KN_DEV_ERSPAN_HEADER_TOO_SMALL);
		if (h[0] >> 4 != 1)
			return decode_fail(c, KN_DEV_ERSPAN_UNSUPPORTED_VERSION);
		hlen = 8;
	} else if (type == 3) {
		if (avail < 12)
			return decode_fail(c, KN_DEV_ERSPAN_HEADER_TOO_SMALL);
		if (h[0] >> 4 != 2)
			return decode_fail(c, KN_DEV_ERSPAN_UNSUPPORTED_VERSION);
		hlen = (h[11] & 1) ? 20 : 12;
		if (avail < hlen)
			return decode_fail(c, KN_DEV_ERSPAN_HEADER_TOO_SMALL);
	}
	return tunnel_enter(c, INNER_ETHERNET, 0, off + hlen, len - hlen);
}

/* Aruba controllers tunnel 802.11 frames under GRE protocol types
 * 0x8200-0x83f0 in steps of 0x10 (0x8200 and 0x8210 the usual ones). */
static inline int gre_type_aruba(uint16_t proto)
{
	return (proto & 0xfe0f) == 0x8200;
}

/* The GRE payload by protocol type; unknown types leave the GRE packet
 * described as itself. */
static int gre_payload(struct decode_ctx *c, uint16_t proto, uint16_t flags, uint32_t off,
		       uint32_t len)
{
	c->p->payload_off = off;
	c->p->payload_len = decode_avail(c, off, len);
	switch (proto) {
	case 0x0800: return tunnel_enter(c, INNER_IPV4, 0, off, len);
	case 0x86dd: return tunnel_enter(c, INNER_IPV6, 0, off, len);
	case 0x6558: return tunnel_enter(c, INNER_ETHERNET, 0, off, len);
	case 0x8847:
	case 0x8848: return tunnel_enter(c, INNER_MPLS, 0, off, len);
	case 0x880b: return tunnel_enter(c, INNER_PPP, 0, off, len);
	case 0x88be: return decode_erspan(c, (flags & GRE_S) ? 2 : 1, off, len);
	case 0x22eb: return decode_erspan(c, 3, off, len);
	default:
		if (gre_type_aruba(proto))
			return tunnel_enter(c, INNER_WLAN, 0, off, len);
		return KN_DECODE_IP;
	}
}

/* Source route entries (RFC 1701): af(2) offset(1) length(1) + length
 * bytes, ended by an entry with af 0 and length 0. Returns the header
 * length after them, 0 when malformed. */
static uint32_t gre_sre_end(const uint8_t *h, uint32_t hlen, uint32_t avail)
{
	while (avail - hlen >= 4) {
		uint16_t af = rd16(h + hlen);
		uint8_t slen = h[hlen + 3];
		hlen += 4;
		if (af == 0 && slen == 0)
			return hlen;
		if (slen > avail - hlen)
			return 0;
		hlen += slen;
	}
	return 0;
}

static int decode_gre_v0(struct decode_ctx *c, const uint8_t *h, uint32_t off, uint32_t len,
			 uint32_t avail)
{
	uint16_t flags = rd16(h);
	uint32_t hlen = 4;

	if (flags & GRE_RECUR)
		return decode_fail(c, KN_DEV_GRE_VERSION0_RECUR);
	if (flags & GRE_FLAGS0)
		return decode_fail(c, KN_DEV_GRE_VERSION0_FLAGS);
	hlen += (flags & (GRE_C | GRE_R)) ? 4 : 0;
	hlen += (flags & GRE_K) ? 4 : 0; /* the key is no flow identity (see top) */
	hlen += (flags & GRE_S) ? 4 : 0;
	if (hlen > avail)
		return decode_fail(c, KN_DEV_GRE_VERSION0_HDR_TOO_BIG);
	if ((flags & GRE_R) && (hlen = gre_sre_end(h, hlen, avail)) == 0)
		return decode_fail(c, KN_DEV_GRE_VERSION0_MALFORMED_SRE_HDR);
	return gre_payload(c, rd16(h + 2), flags, off + hlen, len - hlen);
}

/* One fault of a PPTP (v1) header, or 0. */
static unsigned gre_v1_fault(uint16_t flags, uint16_t proto)
{
	if (flags & GRE_C)
		return KN_DEV_GRE_VERSION1_CHKSUM;
	if (flags & GRE_R)
		return KN_DEV_GRE_VERSION1_ROUTE;
	if (flags & GRE_SSR)
		return KN_DEV_GRE_VERSION1_SSR;
	if (flags & GRE_RECUR)
		return KN_DEV_GRE_VERSION1_RECUR;
	if (flags & GRE_FLAGS1)
		return KN_DEV_GRE_VERSION1_FLAGS;
	if (!(flags & GRE_K))
		return KN_DEV_GRE_VERSION1_NO_KEY;
	if (proto != 0x880b)
		return KN_DEV_GRE_VERSION1_WRONG_PROTOCOL;
	return 0;
}

/* PPTP: the key holds payload length and call id (which differs per
 * direction). */
static int decode_gre_v1(struct decode_ctx *c, const uint8_t *h, uint32_t off, uint32_t len,
			 uint32_t avail)
{
	uint16_t flags = rd16(h);
	unsigned fault = gre_v1_fault(flags, rd16(h + 2));

	if (fault)
		return decode_fail(c, fault);
	uint32_t hlen = 8 + ((flags & GRE_S) ? 4 : 0) + ((flags & GRE_A) ? 4 : 0);
	if (hlen > avail)
		return decode_fail(c, KN_DEV_GRE_VERSION1_HDR_TOO_BIG);
	uint32_t plen = rd16(h + 4);
	if (plen > len - hlen)
		plen = len - hlen;
	c->p->payload_off = off + hlen;
	c->p->payload_len = decode_avail(c, off + hlen, plen);
	if (plen == 0) /* acknowledgment only */
		return KN_DECODE_IP;
	return tunnel_enter(c, INNER_PPP, 0, off + hlen, plen);
}

int decode_gre(struct decode_ctx *c, uint32_t off, uint32_t len)
{
	c->d->stats.gre++;
	const uint8_t *h = c->data + off;
	uint32_t avail = decode_avail(c, off, len);

	if (avail < 4)
		return decode_fail(c, KN_DEV_GRE_PKT_TOO_SMALL);
	switch (h[1] & 0x07) {
	case 0: return decode_gre_v0(c, h, off, len, avail);
	case 1: return decode_gre_v1(c, h, off, len, avail);
	default: return decode_fail(c, KN_DEV_GRE_WRONG_VERSION);
	}
}

/* GRE-in-UDP (RFC 8086, port 4754): a GRE header as over IP, verified
 * first - version 0, no routing or reserved bits, the whole header
 * captured, a payload RFC 8086 names (IPv4, IPv6, Ethernet, MPLS). A
 * packet that falls back to the outer one keeps the UDP payload. */
int decode_gre_udp(struct decode_ctx *c, uint32_t off, uint32_t len)
{
	struct kn_packet *p = c->p;
	const uint8_t *h = c->data + off;
	uint32_t avail = decode_avail(c, off, len);

	if (avail < 4)
		return KN_DECODE_IP;
	uint16_t flags = rd16(h);
	uint32_t hlen = 4 + ((flags & GRE_C) ? 4 : 0) + ((flags & GRE_K) ? 4 : 0) +
			((flags & GRE_S) ? 4 : 0);
	if ((flags & (GRE_R | GRE_SSR | GRE_RECUR | GRE_FLAGS0 | GRE_VERSION)) || hlen > avail)
		return KN_DECODE_IP;
	switch (rd16(h + 2)) {
	case 0x0800:
	case 0x86dd:
	case 0x6558:
	case 0x8847:
	case 0x8848: break;
	default: return KN_DECODE_IP;
	}
	uint32_t payload_off = p->payload_off, payload_len = p->payload_len;
	uint8_t depth = p->tunnel_depth;
	int r = decode_gre(c, off, len);
	if (r == KN_DECODE_IP && p->tunnel_depth == depth) {
		p->payload_off = payload_off;
		p->payload_len = payload_len;
	}
	return r;
}

int decode_vxlan(struct decode_ctx *c, uint32_t off, uint32_t len)
{
	const uint8_t *h = c->data + off;

	/* Without the I flag (valid VNI) it is not VXLAN: plain UDP. */
	if (decode_avail(c, off, len) < 8 || !(h[0] & 0x08))
		return KN_DECODE_IP;
	c->d->stats.vxlan++;
	return tunnel_enter(c, INNER_ETHERNET, rd32(h + 4) >> 8, off + 8, len - 8);
}

int decode_geneve(struct decode_ctx *c, uint32_t off, uint32_t len)
{
	const uint8_t *h = c->data + off;
	uint32_t avail = decode_avail(c, off, len);

	if (avail < 8)
		return KN_DECODE_IP;
	uint32_t hlen = 8 + (h[0] & 0x3fu) * 4;
	if (h[0] >> 6 != 0 || hlen > avail)
		return KN_DECODE_IP; /* not Geneve version 0: plain UDP */
	c->d->stats.geneve++;
	uint32_t vni = rd32(h + 4) >> 8;
	switch (rd16(h + 2)) {
	case 0x6558: return tunnel_enter(c, INNER_ETHERNET, vni, off + hlen, len - hlen);
	case 0x0800: return tunnel_enter(c, INNER_IPV4, vni, off + hlen, len - hlen);
	case 0x86dd: return tunnel_enter(c, INNER_IPV6, vni, off + hlen, len - hlen);
	default:
		decode_event(c, KN_DEV_GENEVE_UNKNOWN_PAYLOAD_TYPE);
		return KN_DECODE_IP;
	}
}

/* Teredo: optional authentication and origin indication headers, then an
 * IPv6 packet that fills the UDP payload exactly; anything else on port
 * 3544 stays plain UDP. */
int decode_teredo(struct decode_ctx *c, uint32_t off, uint32_t len)
{
	uint32_t avail = decode_avail(c, off, len);
	const uint8_t *h = c->data + off;

	if (avail >= 4 && h[0] == 0 && h[1] == 1) { /* authentication */
		uint32_t alen = 4u + h[2] + h[3] + 9u;
		if (alen > avail)
			return KN_DECODE_IP;
		off += alen, len -= alen, avail -= alen, h += alen;
	}
	if (avail >= 8 && h[0] == 0 && h[1] == 0) { /* origin indication */
		off += 8, len -= 8, avail -= 8, h += 8;
	}
	if (avail < 40 || h[0] >> 4 != 6 || 40u + rd16(h + 4) != len)
		return KN_DECODE_IP;
	c->d->stats.teredo++;
	return tunnel_enter(c, INNER_IPV6, 0, off, len);
}

int decode_ipip(struct decode_ctx *c, unsigned inner_version, uint32_t off, uint32_t len)
{
	struct kn_decode_stats *st = &c->d->stats;
	uint32_t avail = decode_avail(c, off, len);

	if (c->p->ip_version == 6) {
		int v4 = inner_version == 4;
		if (avail < (v4 ? 20u : 40u)) {
			decode_event(c, v4 ? KN_DEV_IPV4_IN_IPV6_PKT_TOO_SMALL
					   : KN_DEV_IPV6_IN_IPV6_PKT_TOO_SMALL);
			return KN_DECODE_IP;
		}
		if (c->data[off] >> 4 != inner_version) {
			decode_event(c, v4 ? KN_DEV_IPV4_IN_IPV6_WRONG_IP_VER
					   : KN_DEV_IPV6_IN_IPV6_WRONG_IP_VER);
			return KN_DECODE_IP;
		}
		*(v4 ? &st->ipv4_in_ipv6 : &st->ipv6_in_ipv6) += 1;
	} else {
		*(inner_version == 4 ? &st->ipv4_in_ipv4 : &st->ipv6_in_ipv4) += 1;
	}
	return tunnel_enter(c, inner_version == 4 ? INNER_IPV4 : INNER_IPV6, 0, off, len);
}

/* GTP-U flags (first byte): version 1 and protocol type GTP (not GTP'),
 * then E (extension header), S (sequence number), PN (N-PDU number). */
#define GTPU_V1_PT 0x30
#define GTPU_E 0x04
#define GTPU_ANY_OPT 0x07
#define GTPU_HLEN 8     /* flags, type, length, TEID */
#define GTPU_OPT_LEN 4  /* sequence number, N-PDU number, next extension type */
#define GTPU_MAX_EXT 16 /* extension headers walked before giving up */
#define GTPU_GPDU 255

/* Measures the header of a G-PDU whose first `limit` bytes are both in
 * the message and captured: mandatory part, optional fields, then the
 * extension header chain (each: length in 4-byte units, never 0, ...
 * next type). Returns 0 with *hlen set, or the event of a broken header. */
static unsigned gtpu_hlen(const uint8_t *h, uint32_t limit, uint32_t *hlen)
{
	*hlen = GTPU_HLEN;
	if (!(h[0] & GTPU_ANY_OPT))
		return 0;
	*hlen += GTPU_OPT_LEN;
	if (*hlen > limit)
		return KN_DEV_GTPU_PKT_TOO_SMALL;
	uint8_t next = (h[0] & GTPU_E) ? h[*hlen - 1] : 0;
	for (unsigned n = 0; next != 0; n++) {
		if (n == GTPU_MAX_EXT)
			return KN_DEV_GTPU_BAD_EXT_HEADER;
		if (*hlen >= limit)
			return KN_DEV_GTPU_PKT_TOO_SMALL;
		uint32_t elen = h[*hlen] * 4u;
		if (elen == 0)
			return KN_DEV_GTPU_BAD_EXT_HEADER;
		if (elen > limit - *hlen)
			return KN_DEV_GTPU_PKT_TOO_SMALL;
		*hlen += elen;
		next = h[*hlen - 1];
	}
	return 0;
}

/* GTP-U: G-PDUs carry the user's IPv4 or IPv6 packet. Other messages
 * (echo, error indication, end marker), other GTP versions and other
 * payloads (Ethernet or unstructured PDU sessions) stay plain UDP; a
 * broken G-PDU header raises its event and stays UDP too. */
int decode_gtpu(struct decode_ctx *c, uint32_t off, uint32_t len)
{
	const uint8_t *h = c->data + off;
	uint32_t avail = decode_avail(c, off, len);

	if (avail < GTPU_HLEN || (h[0] & 0xf0) != GTPU_V1_PT || h[1] != GTPU_GPDU)
		return KN_DECODE_IP;
	c->d->stats.gtpu++;
	uint32_t end = GTPU_HLEN + rd16(h + 2), hlen = 0;
	unsigned fault = end > len ? KN_DEV_GTPU_PKT_TOO_SMALL
				   : gtpu_hlen(h, end < avail ? end : avail, &hlen);
	if (fault) {
		decode_event(c, fault);
		return KN_DECODE_IP;
	}
	if (hlen >= end || hlen >= avail)
		return KN_DECODE_IP; /* empty, or the payload not captured */
	switch (h[hlen] >> 4) {
	case 4: return tunnel_enter(c, INNER_IPV4, 0, off + hlen, end - hlen);
	case 6: return tunnel_enter(c, INNER_IPV6, 0, off + hlen, end - hlen);
	default: return KN_DECODE_IP;
	}
}

#define AYIYA_HLEN 8 /* lengths, methods, opcode, next header, epoch */
#define AYIYA_OP_FORWARD 1

/* AYIYA: identity (2^IDLen bytes) and signature (SigLen 4-byte words)
 * follow the fixed header, then the packet named by the next header (41
 * IPv6, 4 IPv4) when the opcode is "forward". Heartbeats, other payloads,
 * and a packet whose version disagrees with the next header stay UDP. */
int decode_ayiya(struct decode_ctx *c, uint32_t off, uint32_t len)
{
	const uint8_t *h = c->data + off;
	uint32_t avail = decode_avail(c, off, len);

	if (avail < AYIYA_HLEN || (h[2] & 0x0f) != AYIYA_OP_FORWARD || (h[3] != 41 && h[3] != 4))
		return KN_DECODE_IP;
	uint32_t hlen = AYIYA_HLEN + (1u << (h[0] >> 4)) + (h[1] >> 4) * 4u;
	unsigned version = h[3] == 41 ? 6 : 4;
	if (hlen >= avail || h[hlen] >> 4 != version)
		return KN_DECODE_IP;
	c->d->stats.ayiya++;
	return tunnel_enter(c, version == 6 ? INNER_IPV6 : INNER_IPV4, 0, off + hlen, len - hlen);
}
