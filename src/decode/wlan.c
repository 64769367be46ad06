/*
 * wlan.c - IEEE 802.11 data frames as wireless controllers tunnel them to
 * their switch (Aruba GRE, see tunnel.c): the MAC header (frame control,
 * 3 or 4 addresses, sequence control, QoS control, HT control), the first
 * subframe of an A-MSDU, then LLC/SNAP into the ethertype switch.
 *
 * Part of the decode stage, reached through tunnel_enter() (tunnel.c).
 * Frames without a payload we can read - management and control frames,
 * null data, protected (encrypted) frames, fragments - return
 * KN_DECODE_OTHER without an event, so the outer GRE packet is described
 * again; they are counted in stats.wlan_skipped. A MAC header cut short
 * raises wlan.pkt_too_small. Of an A-MSDU only the first subframe is
 * decoded: a packet describes one inner packet.
 */
#include "decode_int.h"

#define WLAN_FC_LEN 2
#define WLAN_HLEN 24      /* frame control .. sequence control, 3 addresses */
#define WLAN_ADDR4_LEN 6  /* To DS and From DS both set (wireless bridge) */
#define WLAN_QOS_LEN 2
#define WLAN_HTC_LEN 4
#define WLAN_SEQ_OFF 22   /* sequence control (LE): fragment number in bits 0-3 */
#define AMSDU_SUB_HLEN 14 /* destination, source, length (big-endian) */
#define LLC_SNAP_HLEN 8   /* AA AA 03, OUI, ethertype */

/* Frame control, first byte: protocol version (bits 0-1), type (2-3),
 * subtype (4-7). */
#define FC_TYPE_DATA 2
#define FC_SUBTYPE_QOS 0x8    /* QoS data subtypes: QoS control follows */
#define FC_SUBTYPE_NODATA 0x4 /* null, CF-Poll/Ack only, QoS null */
/* Frame control, second byte (flags). */
#define FC_TODS 0x01
#define FC_FROMDS 0x02
#define FC_MOREFRAG 0x04
#define FC_PROTECTED 0x40
#define FC_ORDER 0x80 /* QoS data: an HT control field follows */
/* QoS control, first byte. */
#define QOS_AMSDU 0x80

/* MAC header length of a version-0 data frame that carries an unencrypted,
 * unfragmented payload; 0 for every other frame. *qos: offset of the QoS
 * control field, 0 when the frame has none. */
static uint32_t data_hlen(const uint8_t *h, uint32_t *qos)
{
	unsigned version = h[0] & 0x03, type = (h[0] >> 2) & 0x03, subtype = h[0] >> 4;

	*qos = 0;
	if (version != 0 || type != FC_TYPE_DATA || (subtype & FC_SUBTYPE_NODATA))
		return 0;
	if (h[1] & (FC_PROTECTED | FC_MOREFRAG))
		return 0;
	uint32_t hlen = WLAN_HLEN;
	if ((h[1] & (FC_TODS | FC_FROMDS)) == (FC_TODS | FC_FROMDS))
		hlen += WLAN_ADDR4_LEN;
	if (subtype & FC_SUBTYPE_QOS) {
		*qos = hlen;
		hlen += WLAN_QOS_LEN + ((h[1] & FC_ORDER) ? WLAN_HTC_LEN : 0);
	}
	return hlen;
}

/* The MSDU: LLC/SNAP (decode_llc leaves other LLC frames undecoded). */
static int decode_msdu(struct decode_ctx *c, uint32_t off, uint32_t len)
{
	if (decode_avail(c, off, len) < LLC_SNAP_HLEN)
		return decode_fail(c, KN_DEV_WLAN_PKT_TOO_SMALL);
	return decode_llc(c, off, len);
}

/* The first A-MSDU subframe: its header, then an MSDU of the length it
 * gives (capped to the frame). */
static int decode_amsdu(struct decode_ctx *c, uint32_t off, uint32_t len)
{
	if (decode_avail(c, off, len) < AMSDU_SUB_HLEN)
		return decode_fail(c, KN_DEV_WLAN_PKT_TOO_SMALL);
	uint32_t msdu = rd16(c->data + off + 12);
	len -= AMSDU_SUB_HLEN;
	return decode_msdu(c, off + AMSDU_SUB_HLEN, msdu < len ? msdu : len);
}

int decode_wlan(struct decode_ctx *c, uint32_t off, uint32_t len)
{
	struct kn_decode_stats *st = &c->d->stats;
	const uint8_t *h = c->data + off;
	uint32_t avail = decode_avail(c, off, len);

	st->wlan++;
	if (avail < WLAN_FC_LEN)
		return decode_fail(c, KN_DEV_WLAN_PKT_TOO_SMALL);
	uint32_t qos, hlen = data_hlen(h, &qos);
	if (hlen == 0) {
		st->wlan_skipped++;
		return KN_DECODE_OTHER;
	}
	if (avail < hlen)
		return decode_fail(c, KN_DEV_WLAN_PKT_TOO_SMALL);
	if (h[WLAN_SEQ_OFF] & 0x0f) { /* a later fragment */
		st->wlan_skipped++;
		return KN_DECODE_OTHER;
	}
	if (decode_too_deep(c))
		return KN_DECODE_OTHER;
	c->seg_vlans = 0; /* a new link segment: its own VLAN tags */
	if (qos && (h[qos] & QOS_AMSDU))
		return decode_amsdu(c, off + hlen, len - hlen);
	return decode_msdu(c, off + hlen, len - hlen);
}
