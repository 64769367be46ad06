/*
 * pcap.c - reader of classic pcap files (capture stage, offline input).
 *
 * A 24-byte file header (magic, version 2.x, snaplen, link type) then
 * records of a 16-byte header (seconds, micro- or nanoseconds, captured
 * length, wire length) followed by the captured bytes. The magic says both
 * the time unit and the byte order; the record reader is compiled twice
 * (native and swapped order) so the per-packet path has no byte-order test:
 * two length checks, four loads and a multiply-add.
 */
#include "capture/capture_int.h"

#define PCAP_FILE_HDR 24u
#define PCAP_REC_HDR 16u
#define NS_PER_S 1000000000ull

/* The input ended before a full record header: a clean end when nothing at
 * all is left. */
static int end_of_records(struct kn_capture *c)
{
	size_t left = c->end - c->pos;
	if (left == 0)
		return 0;
	return capture_fail(c, capture_off(c, c->pos), -KN_ETRUNC,
			    "truncated record header (%zu of %u bytes) at end of file; the capture was cut short",
			    left, PCAP_REC_HDR);
}

static int cut_short(struct kn_capture *c, uint32_t caplen)
{
	return capture_fail(c, capture_off(c, c->pos), -KN_ETRUNC,
			    "record of %u bytes cut short by the end of file (%zu bytes present); the capture was cut short",
			    caplen, c->end - c->pos - PCAP_REC_HDR);
}

static int bad_caplen(struct kn_capture *c, uint32_t caplen)
{
	if (caplen > CAPTURE_MAX_RECORD)
		return capture_fail(c, capture_off(c, c->pos), -KN_EFORMAT,
				    "record length %u exceeds the %u-byte maximum; the file is corrupt",
				    caplen, CAPTURE_MAX_RECORD);
	return capture_fail(c, capture_off(c, c->pos), -KN_EFORMAT,
			    "record length %u exceeds snaplen %u; the file is corrupt", caplen,
			    c->snaplen);
}

/* One record; `swap` is a compile-time constant in each instance. */
static inline __attribute__((always_inline)) int read_record(struct kn_capture *c,
							     struct kn_packet *pkt, int swap)
{
	if (KN_UNLIKELY(c->end - c->pos < PCAP_REC_HDR)) {
		int r = capture_need(c, PCAP_REC_HDR);
		if (r <= 0)
			return r < 0 ? r : end_of_records(c);
	}
	const uint8_t *h = c->buf + c->pos;
	uint32_t caplen = capture_rd32(h + 8, swap);
	if (KN_UNLIKELY(caplen > c->caplen_limit))
		return bad_caplen(c, caplen);
	uint64_t ts = (uint64_t)capture_rd32(h, swap) * NS_PER_S +
		      (uint64_t)capture_rd32(h + 4, swap) * c->frac_ns;
	uint32_t wirelen = capture_rd32(h + 12, swap);
	if (KN_UNLIKELY(c->end - c->pos - PCAP_REC_HDR < caplen)) {
		int r = capture_need(c, PCAP_REC_HDR + (size_t)caplen);
		if (r <= 0)
			return r < 0 ? r : cut_short(c, caplen);
		h = c->buf + c->pos;
	}
	capture_fill(c, pkt, h + PCAP_REC_HDR, caplen, wirelen, ts, c->linktype);
	c->pos += PCAP_REC_HDR + caplen;
	return 1;
}

static int next_native(struct kn_capture *c, struct kn_packet *pkt)
{
	return read_record(c, pkt, 0);
}

static int next_swapped(struct kn_capture *c, struct kn_packet *pkt)
{
	return read_record(c, pkt, 1);
}

int capture_pcap_open(struct kn_capture *c)
{
	uint32_t magic = capture_rd32(c->buf + c->pos, 0);
	int swap = magic == 0xd4c3b2a1u || magic == 0x4d3cb2a1u;
	int r = capture_need(c, PCAP_FILE_HDR);
	if (r < 0)
		return r;
	if (r == 0)
		return capture_fail(c, 0, -KN_ETRUNC,
				    "truncated pcap file header (%zu of %u bytes); the file is cut short",
				    c->end - c->pos, PCAP_FILE_HDR);
	const uint8_t *h = c->buf + c->pos;
	uint16_t major = capture_rd16(h + 4, swap), minor = capture_rd16(h + 6, swap);
	if (major != 2)
		return capture_fail(c, 0, -KN_ENOTSUP,
				    "unsupported pcap version %u.%u; only version 2.x is read",
				    major, minor);
	c->frac_ns = (magic == 0xa1b23c4du || magic == 0x4d3cb2a1u) ? 1 : 1000;
	c->snaplen = capture_rd32(h + 16, swap);
	c->caplen_limit = capture_caplen_limit(c->snaplen);
	/* The upper bits of the link type field carry FCS information. */
	c->linktype = (uint16_t)(capture_rd32(h + 20, swap) & 0xffffu);
	c->pos += PCAP_FILE_HDR;
	c->next = swap ? next_swapped : next_native;
	return 0;
}
