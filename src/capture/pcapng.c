/*
 * pcapng.c - reader of pcapng files (capture stage, offline input).
 *
 * A file is one or more sections; each starts with a Section Header Block
 * (SHB) whose byte-order magic sets the byte order of the section, and
 * defines its own interfaces (IDB: link type, snaplen, if_tsresol,
 * if_tsoffset). Packets come in Enhanced (EPB), Simple (SPB) and obsolete
 * Packet (PB) blocks; every other block is skipped. Each block is checked
 * before use: length a multiple of 4, at least 12, at most
 * CAPTURE_MAX_RECORD, trailer copy equal, fields inside the block, and the
 * interface a packet names defined in its section.
 */
#include "capture/capture_int.h"
#include "util/alloc.h"

#define BT_SHB 0x0a0d0d0au
#define BT_IDB 1u
#define BT_PB 2u
#define BT_SPB 3u
#define BT_EPB 6u
#define BOM 0x1a2b3c4du
#define NS_PER_S 1000000000ull

/* Smallest legal length of each block kind. */
#define MIN_BLOCK 12u
#define MIN_SHB 28u
#define MIN_IDB 20u
#define MIN_EPB 32u
#define MIN_PB 32u
#define MIN_SPB 16u

#define OPT_ENDOFOPT 0
#define OPT_IF_TSRESOL 9
#define OPT_IF_TSOFFSET 14

struct pcapng_iface {
	uint64_t ticks_per_s;  /* timestamp units per second (if_tsresol) */
	uint64_t offset_ns;    /* if_tsoffset in ns, two's complement */
	uint64_t ns_per_tick;  /* exact multiplier, 0 when ticks are finer than 1 ns or uneven */
	uint32_t snaplen, caplen_limit;
	uint16_t linktype;
};

/* A validated block in the window at c->pos. */
struct block {
	const uint8_t *p;
	uint32_t type, len;
};

static inline uint64_t iface_ns(const struct pcapng_iface *ifc, uint64_t ticks)
{
	if (KN_LIKELY(ifc->ns_per_tick))
		return ticks * ifc->ns_per_tick + ifc->offset_ns;
	uint64_t sec = ticks / ifc->ticks_per_s, rem = ticks % ifc->ticks_per_s;
	uint64_t frac = (uint64_t)(__extension__(unsigned __int128) rem * NS_PER_S /
				   ifc->ticks_per_s);
	return sec * NS_PER_S + frac + ifc->offset_ns;
}

static int end_of_blocks(struct kn_capture *c)
{
	size_t left = c->end - c->pos;
	if (left == 0)
		return 0;
	return capture_fail(c, capture_off(c, c->pos), -KN_ETRUNC,
			    "truncated block header (%zu of %u bytes) at end of file; the capture was cut short",
			    left, MIN_BLOCK);
}

static int bad_length(struct kn_capture *c, uint32_t type, uint32_t len)
{
	const char *why = len < MIN_BLOCK ? "is below the 12-byte minimum"
			  : (len & 3)     ? "is not a multiple of 4"
					  : "exceeds the 256 MiB maximum";
	return capture_fail(c, capture_off(c, c->pos), -KN_EFORMAT,
			    "block type 0x%08x: block length %u %s; the file is corrupt", type, len,
			    why);
}

/* SHB in the window: its byte-order magic sets the order of the section. */
static int section_order(struct kn_capture *c, const uint8_t *p)
{
	uint32_t bom = capture_rd32(p + 8, 0);
	if (bom == BOM) {
		c->ng_swap = 0;
		return 0;
	}
	if (bom == __builtin_bswap32(BOM)) {
		c->ng_swap = 1;
		return 0;
	}
	return capture_fail(c, capture_off(c, c->pos), -KN_EFORMAT,
			    "section header byte-order magic 0x%08x is not 0x1a2b3c4d in either byte order; the file is corrupt",
			    bom);
}

/* Validates the block at c->pos and makes all of it available. Returns 1,
 * 0 at a clean end of input, or an error. */
static inline int read_block(struct kn_capture *c, struct block *b)
{
	int r;
	if (KN_UNLIKELY(c->end - c->pos < MIN_BLOCK)) {
		r = capture_need(c, MIN_BLOCK);
		if (r <= 0)
			return r < 0 ? r : end_of_blocks(c);
	}
	const uint8_t *p = c->buf + c->pos;
	uint32_t type = capture_rd32(p, c->ng_swap);  /* BT_SHB reads the same in both orders */
	if (KN_UNLIKELY(type == BT_SHB) && (r = section_order(c, p)) < 0)
		return r;
	uint32_t len = capture_rd32(p + 4, c->ng_swap);
	if (KN_UNLIKELY(len < MIN_BLOCK || (len & 3) || len > CAPTURE_MAX_RECORD))
		return bad_length(c, type, len);
	if (KN_UNLIKELY(c->end - c->pos < len)) {
		r = capture_need(c, len);
		if (r < 0)
			return r;
		if (r == 0)
			return capture_fail(c, capture_off(c, c->pos), -KN_ETRUNC,
					    "block type 0x%08x of %u bytes cut short by the end of file (%zu bytes present); the capture was cut short",
					    type, len, c->end - c->pos);
		p = c->buf + c->pos;
	}
	uint32_t trailer = capture_rd32(p + len - 4, c->ng_swap);
	if (KN_UNLIKELY(trailer != len))
		return capture_fail(c, capture_off(c, c->pos), -KN_EFORMAT,
				    "block type 0x%08x: trailing length %u differs from leading length %u; the file is corrupt",
				    type, trailer, len);
	b->p = p;
	b->type = type;
	b->len = len;
	return 1;
}

static int too_short(struct kn_capture *c, const struct block *b, const char *what,
		     uint32_t min)
{
	return capture_fail(c, capture_off(c, c->pos), -KN_EFORMAT,
			    "%s of %u bytes is shorter than its %u-byte minimum; the file is corrupt",
			    what, b->len, min);
}

static int section_header(struct kn_capture *c, const struct block *b)
{
	if (b->len < MIN_SHB)
		return too_short(c, b, "section header block", MIN_SHB);
	uint16_t major = capture_rd16(b->p + 12, c->ng_swap);
	uint16_t minor = capture_rd16(b->p + 14, c->ng_swap);
	if (major != 1)
		return capture_fail(c, capture_off(c, c->pos), -KN_ENOTSUP,
				    "unsupported pcapng version %u.%u; only version 1.x is read", major,
				    minor);
	c->n_ifaces = 0;  /* interfaces are per section */
	c->ng_last_ts = 0;
	return 0;
}

/* if_tsresol: bit 7 clear = 10^-n s, set = 2^-n s per tick. */
static int set_tsresol(struct kn_capture *c, struct pcapng_iface *ifc, uint8_t v)
{
	unsigned n = v & 0x7fu;
	if ((v & 0x80u) ? n > 63 : n > 19)
		return capture_fail(c, capture_off(c, c->pos), -KN_ENOTSUP,
				    "interface time resolution 0x%02x (%s^-%u s) is not supported; convert the file with editcap",
				    v, (v & 0x80u) ? "2" : "10", n);
	uint64_t tps = 1;
	for (unsigned i = 0; i < n; i++)
		tps = (v & 0x80u) ? tps * 2 : tps * 10;
	ifc->ticks_per_s = tps;
	ifc->ns_per_tick = NS_PER_S % tps == 0 ? NS_PER_S / tps : 0;
	return 0;
}

/* IDB options; a malformed option list ends the list (the interface stays
 * usable with what was read). */
static int iface_options(struct kn_capture *c, struct pcapng_iface *ifc, const uint8_t *p,
			 size_t len)
{
	while (len >= 4) {
		uint16_t code = capture_rd16(p, c->ng_swap);
		uint16_t olen = capture_rd16(p + 2, c->ng_swap);
		size_t padded = ((size_t)olen + 3) & ~(size_t)3;
		if (code == OPT_ENDOFOPT || padded > len - 4)
			break;
		if (code == OPT_IF_TSRESOL && olen == 1) {
			int r = set_tsresol(c, ifc, p[4]);
			if (r < 0)
				return r;
		} else if (code == OPT_IF_TSOFFSET && olen == 8) {
			ifc->offset_ns = capture_rd64(p + 4, c->ng_swap) * NS_PER_S;
		}
		p += 4 + padded;
		len -= 4 + padded;
	}
	return 0;
}

static int add_interface(struct kn_capture *c, const struct block *b)
{
	if (b->len < MIN_IDB)
		return too_short(c, b, "interface description block", MIN_IDB);
	if (c->n_ifaces >= CAPTURE_MAX_IFACES)
		return capture_fail(c, capture_off(c, c->pos), -KN_ENOTSUP,
				    "more than %u interfaces in one section; the file is probably corrupt",
				    CAPTURE_MAX_IFACES);
	if (c->n_ifaces == c->ifaces_cap) {
		uint32_t cap = c->ifaces_cap ? c->ifaces_cap * 2 : 4;
		struct pcapng_iface *p = kn_realloc_array(c->ifaces, cap, sizeof *p);
		if (!p)
			return capture_fail(c, capture_off(c, c->pos), -KN_ENOMEM,
					    "cannot allocate %u interfaces; out of memory", cap);
		c->ifaces = p;
		c->ifaces_cap = cap;
	}
	struct pcapng_iface *ifc = &c->ifaces[c->n_ifaces];
	*ifc = (struct pcapng_iface){ .ticks_per_s = 1000000, .ns_per_tick = 1000 };
	ifc->linktype = capture_rd16(b->p + 8, c->ng_swap);
	ifc->snaplen = capture_rd32(b->p + 12, c->ng_swap);
	ifc->caplen_limit = capture_caplen_limit(ifc->snaplen);
	int r = iface_options(c, ifc, b->p + 16, b->len - MIN_IDB);
	if (r < 0)
		return r;
	c->n_ifaces++;
	return 0;
}

static int no_iface(struct kn_capture *c, uint32_t id)
{
	return capture_fail(c, capture_off(c, c->pos), -KN_EFORMAT,
			    "packet names interface %u but its section defines %u; the file is corrupt",
			    id, c->n_ifaces);
}

/* Checks the captured length of an EPB/PB against its block and snaplen. */
static int check_caplen(struct kn_capture *c, const struct pcapng_iface *ifc, uint32_t caplen,
			uint32_t room)
{
	if (caplen > room)
		return capture_fail(c, capture_off(c, c->pos), -KN_EFORMAT,
				    "captured length %u overruns its block (%u bytes of room); the file is corrupt",
				    caplen, room);
	if (caplen > ifc->caplen_limit)
		return capture_fail(c, capture_off(c, c->pos), -KN_EFORMAT,
				    "record length %u exceeds snaplen %u; the file is corrupt", caplen,
				    ifc->snaplen);
	return 0;
}

/* EPB: interface, 64-bit time, captured and wire length, data. PB (obsolete)
 * is the same with a 16-bit interface id and a drop counter. */
static inline int packet_block(struct kn_capture *c, const struct block *b,
			       struct kn_packet *pkt, int enhanced)
{
	const uint8_t *p = b->p;
	int swap = c->ng_swap;
	if (KN_UNLIKELY(b->len < MIN_EPB))
		return too_short(c, b, enhanced ? "enhanced packet block" : "packet block", MIN_EPB);
	uint32_t id = enhanced ? capture_rd32(p + 8, swap) : capture_rd16(p + 8, swap);
	uint32_t caplen = capture_rd32(p + 20, swap);
	if (KN_UNLIKELY(id >= c->n_ifaces))
		return no_iface(c, id);
	const struct pcapng_iface *ifc = &c->ifaces[id];
	int r;
	if (KN_UNLIKELY(caplen > ifc->caplen_limit || caplen > b->len - MIN_EPB) &&
	    (r = check_caplen(c, ifc, caplen, b->len - MIN_EPB)) < 0)
		return r;
	uint64_t ticks = (uint64_t)capture_rd32(p + 12, swap) << 32 | capture_rd32(p + 16, swap);
	uint64_t ts = iface_ns(ifc, ticks);
	c->ng_last_ts = ts;
	capture_fill(c, pkt, p + 28, caplen, capture_rd32(p + 24, swap), ts, ifc->linktype);
	return 1;
}

/* SPB: wire length then data, on interface 0, no time. The captured length
 * is the wire length bounded by the block and the snaplen. */
static int simple_block(struct kn_capture *c, const struct block *b, struct kn_packet *pkt)
{
	if (b->len < MIN_SPB)
		return too_short(c, b, "simple packet block", MIN_SPB);
	if (c->n_ifaces == 0)
		return no_iface(c, 0);
	const struct pcapng_iface *ifc = &c->ifaces[0];
	uint32_t wirelen = capture_rd32(b->p + 8, c->ng_swap);
	uint32_t caplen = b->len - MIN_SPB;
	if (wirelen < caplen)
		caplen = wirelen;
	if (ifc->snaplen && ifc->snaplen < caplen)
		caplen = ifc->snaplen;
	capture_fill(c, pkt, b->p + 12, caplen, wirelen, c->ng_last_ts, ifc->linktype);
	return 1;
}

/* Blocks other than EPB: 1 when a packet was produced, 0 to go on. */
static int other_block(struct kn_capture *c, const struct block *b, struct kn_packet *pkt)
{
	switch (b->type) {
	case BT_SHB:
		return section_header(c, b);
	case BT_IDB:
		return add_interface(c, b);
	case BT_SPB:
		return simple_block(c, b, pkt);
	case BT_PB:
		return packet_block(c, b, pkt, 0);
	default:
		return 0;  /* statistics, name resolution, custom, ...: not needed */
	}
}

static int pcapng_next(struct kn_capture *c, struct kn_packet *pkt)
{
	for (;;) {
		struct block b = {0};
		int r = read_block(c, &b);
		if (r <= 0)
			return r;
		if (KN_LIKELY(b.type == BT_EPB))
			r = packet_block(c, &b, pkt, 1);
		else
			r = other_block(c, &b, pkt);
		if (r < 0)
			return r;
		c->pos += b.len;
		if (r == 1)
			return 1;
	}
}

int capture_pcapng_open(struct kn_capture *c)
{
	struct block b = {0};
	int r = capture_need(c, MIN_BLOCK);
	if (r < 0)
		return r;
	if (r == 0)
		return capture_fail(c, 0, -KN_ETRUNC,
				    "truncated pcapng section header (%zu of %u bytes); the file is cut short",
				    c->end - c->pos, MIN_BLOCK);
	r = read_block(c, &b);
	if (r < 0)
		return r;
	r = section_header(c, &b);
	if (r < 0)
		return r;
	c->pos += b.len;
	c->next = pcapng_next;
	return 0;
}

void capture_pcapng_free(struct kn_capture *c)
{
	kn_free(c->ifaces);
	c->ifaces = NULL;
}
