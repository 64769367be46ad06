/*
 * defrag.c - IPv4 and IPv6 fragment reassembly.
 *
 * Part of the decode stage: ipv4.c and ipv6.c hand every real fragment
 * here once its IP header is described. The fragment's data is copied into
 * its datagram's tracker (see defrag.h) and the packet is HELD; the
 * fragment that completes a datagram gets the reassembled datagram (IP
 * header + whole payload in the decoder's buffer), decoded from its IP
 * header on, in its place.
 *
 * Policies:
 * - overlaps: the data that arrived first wins; an overlapping fragment is
 *   kept (its new bytes used) and flagged ipvN.frag_overlap;
 * - a datagram over 65535 bytes, a fragment of invalid length (empty, a
 *   non-last one not a multiple of 8, or one that contradicts the known
 *   end), more than DEFRAG_MAX_FRAGS fragments, the memcap or the tracker
 *   limit: the fragment and its tracker are dropped with an event;
 * - a fragment cut by the capture (snaplen) cannot be reassembled: it is
 *   dropped with ipvN.frag_ignored;
 * - a datagram whose first fragment is older than the timeout is dropped
 *   (defrag.timeout, counted once per fragment).
 * Every dropped fragment is counted in defrag_frags_dropped and once in
 * the events[] counter of its reason (see decode.h).
 */
#include <string.h>

#include "defrag.h"
#include "util/hash.h"

/* One fragment as the IP decoders see it. */
struct frag {
	struct defrag_key key;
	uint32_t off, len;       /* payload bytes [off, off+len) */
	int more;                /* more fragments follow */
	const uint8_t *payload;
	const uint8_t *hdr;      /* header to rebuild the datagram (offset 0) */
	uint32_t hdr_len, nh_pos;
	uint8_t next_proto;
	uint8_t v6;
};

static uint32_t key_hash(const struct defrag_key *k)
{
	uint64_t extra = (uint64_t)k->tunnel_id << 32 | (uint64_t)k->vlan[0] << 16 | k->vlan[1];
	extra ^= kn_mix64((uint64_t)k->id << 16 | (uint64_t)k->proto << 8 | k->version);
	return kn_hash_tuple(k->src.b, 0, k->dst.b, 0, extra);
}

static void key_fill(struct defrag_key *k, const struct kn_packet *p, uint8_t proto, uint32_t id)
{
	memset(k, 0, sizeof *k);
	k->src = p->src;
	k->dst = p->dst;
	k->id = id;
	k->tunnel_id = p->tunnel_id;
	k->vlan[0] = p->vlan[0];
	k->vlan[1] = p->vlan[1];
	k->version = p->ip_version;
	k->proto = proto;
}

/* Charges ev to the n captured packets being dropped, the current one
 * included, and records it on the current packet. */
static int drop_account(struct decode_ctx *c, unsigned ev, uint32_t n)
{
	struct kn_decode_stats *st = &c->d->stats;

	if (ev == KN_DEV_DEFRAG_MEMCAP)
		st->defrag_memcap_drops++;
	st->defrag_frags_dropped += n;
	st->events[ev] += n - 1; /* decode_event counts one */
	decode_event(c, ev);
	c->p->flags |= KN_PKT_FRAGMENT; /* a fragment, and not for flows */
	return KN_DECODE_OTHER;
}

/* Drops the current fragment and tracker t (if any) with event ev. */
static int drop(struct decode_ctx *c, struct defrag_tracker *t, unsigned ev)
{
	uint32_t n = c->p->frag_count;

	if (t) {
		n += t->frag_count;
		c->d->stats.defrag_frags_held -= t->frag_count;
		defrag_tracker_release(c->d, t);
	}
	return drop_account(c, ev, n);
}

/* Copies the fragment's bytes into the gaps of t's piece list (first data
 * wins). 1 if some bytes were already there, 0 if not, -1 when the pool
 * ran dry (memcap). */
static int insert_data(struct kn_decoder *d, struct defrag_tracker *t, const struct frag *f)
{
	uint32_t pos = f->off, end = f->off + f->len;
	struct defrag_piece **link = &t->head;
	int overlap = 0;

	if (t->tail && t->tail->off + t->tail->len <= pos)
		link = &t->tail->next; /* in-order arrival: append */
	while (pos < end) {
		struct defrag_piece *cur = *link;
		if (cur && cur->off + cur->len <= pos) {
			link = &cur->next;
			continue;
		}
		if (cur && cur->off <= pos) { /* already covered */
			overlap = 1;
			pos = cur->off + cur->len < end ? cur->off + cur->len : end;
			continue;
		}
		uint32_t gap_end = cur && cur->off < end ? cur->off : end;
		while (pos < gap_end) {
			struct defrag_piece *pc = defrag_piece_get(d);
			if (!pc)
				return -1;
			uint32_t n = gap_end - pos < DEFRAG_PIECE_DATA ? gap_end - pos : DEFRAG_PIECE_DATA;
			pc->off = pos;
			pc->len = n;
			memcpy(pc->data, f->payload + (pos - f->off), n);
			pc->next = *link;
			*link = pc;
			link = &pc->next;
			if (!pc->next)
				t->tail = pc;
			t->covered += n;
			pos += n;
		}
	}
	return overlap;
}

/* The header of the offset-0 fragment rebuilds the datagram. An IPv6
 * unfragmentable part too long to keep is cut to the fixed header. */
static void save_header(struct defrag_tracker *t, const struct frag *f)
{
	uint32_t n = f->hdr_len, nh_pos = f->nh_pos;
	if (n > DEFRAG_HDR_MAX) {
		n = 40;
		nh_pos = 6;
	}
	memcpy(t->hdr, f->hdr, n);
	t->hdr_len = (uint16_t)n;
	t->nh_pos = (uint16_t)nh_pos;
	t->next_proto = f->next_proto;
}

static uint16_t ipv4_header_csum(const uint8_t *h, uint32_t hlen)
{
	uint32_t sum = 0;
	for (uint32_t i = 0; i < hlen; i += 2)
		sum += rd16(h + i);
	while (sum >> 16)
		sum = (sum & 0xffff) + (sum >> 16);
	return (uint16_t)~sum;
}

/* Builds the datagram in the decoder's buffer, points the packet at it
 * and decodes it from the IP header. */
static int reassemble(struct decode_ctx *c, struct defrag_tracker *t)
{
	struct kn_packet *p = c->p;
	uint8_t *buf = c->d->defrag->buf;
	uint32_t hl = t->hdr_len, total = hl + t->total;
	int v6 = t->key.version == 6;

	/* Fragments may disagree on the header length: check the result. */
	if (total > (v6 ? DEFRAG_DATAGRAM_MAX + 40u : DEFRAG_DATAGRAM_MAX)) {
		uint32_t n = t->frag_count; /* includes the current packet */
		c->d->stats.defrag_frags_held -= n;
		defrag_tracker_release(c->d, t);
		return drop_account(c, v6 ? KN_DEV_IPV6_FRAG_PKT_TOO_LARGE
					  : KN_DEV_IPV4_FRAG_PKT_TOO_LARGE, n);
	}
	memcpy(buf, t->hdr, hl);
	for (const struct defrag_piece *pc = t->head; pc; pc = pc->next)
		memcpy(buf + hl + pc->off, pc->data, pc->len);
	if (v6) {
		wr16(buf + 4, (uint16_t)(total - 40));
		buf[t->nh_pos] = t->next_proto;
	} else {
		wr16(buf + 2, (uint16_t)total);
		buf[6] &= 0x40; /* keep DF, clear MF and the offset */
		buf[7] = 0;
		wr16(buf + 10, 0);
		wr16(buf + 10, ipv4_header_csum(buf, hl));
	}
	p->data = buf;
	p->caplen = p->wirelen = total;
	p->linktype = v6 ? KN_LINK_IPV6 : KN_LINK_IPV4;
	p->flags = (uint16_t)((p->flags & ~(KN_PKT_STABLE | KN_PKT_FRAGMENT | KN_PKT_TRUNCATED)) |
			      KN_PKT_REASSEMBLED);
	p->frag_count = t->frag_count;
	p->frag_bytes = t->frag_bytes;
	c->d->stats.defrag_reassembled++;
	c->d->stats.defrag_frags_held -= t->frag_count;
	defrag_tracker_release(c->d, t);
	c->data = buf;
	c->cap = total;
	return v6 ? decode_ipv6(c, 0, total) : decode_ipv4(c, 0, total);
}

/* A fragment contradicting what the tracker knows of the datagram's end. */
static int bad_end(const struct defrag_tracker *t, const struct frag *f)
{
	uint32_t end = f->off + f->len;
	if (t->seen_last && (end > t->total || (!f->more && end != t->total)))
		return 1;
	return !f->more && end < t->max_end;
}

static int insert(struct decode_ctx *c, const struct frag *f)
{
	struct kn_decoder *d = c->d;
	struct kn_packet *p = c->p;
	uint32_t hash = key_hash(&f->key);
	struct defrag_tracker *t = defrag_lookup(d->defrag, &f->key, hash);
	unsigned ev_invalid = f->v6 ? KN_DEV_IPV6_FRAG_INVALID_LENGTH : KN_DEV_IPV4_FRAG_INVALID_LENGTH;
	uint32_t limit = DEFRAG_DATAGRAM_MAX - (f->v6 ? 0 : f->hdr_len);

	if (f->off + f->len > limit)
		return drop(c, t, f->v6 ? KN_DEV_IPV6_FRAG_PKT_TOO_LARGE : KN_DEV_IPV4_FRAG_PKT_TOO_LARGE);
	if (f->len == 0 || (f->more && f->len % 8) || (t && bad_end(t, f)))
		return drop(c, t, ev_invalid);
	if (!t && !(t = defrag_tracker_get(d, &f->key, hash, p->ts_ns)))
		return drop(c, NULL, KN_DEV_DEFRAG_MEMCAP);
	if (++t->nfrags > DEFRAG_MAX_FRAGS)
		return drop(c, t, KN_DEV_DEFRAG_MAX_FRAGS);
	int r = insert_data(d, t, f);
	if (r < 0)
		return drop(c, t, KN_DEV_DEFRAG_MEMCAP);
	if (r > 0)
		decode_event(c, f->v6 ? KN_DEV_IPV6_FRAG_OVERLAP : KN_DEV_IPV4_FRAG_OVERLAP);
	if (f->off == 0 && t->hdr_len == 0)
		save_header(t, f);
	if (!f->more) {
		t->seen_last = 1;
		t->total = f->off + f->len;
	}
	if (f->off + f->len > t->max_end)
		t->max_end = f->off + f->len;
	t->frag_count += p->frag_count;
	t->frag_bytes += p->frag_bytes;
	d->stats.defrag_frags_held += p->frag_count;
	if (t->seen_last && t->covered == t->total && t->hdr_len)
		return reassemble(c, t);
	p->flags |= KN_PKT_FRAGMENT;
	return KN_DECODE_HELD;
}

/* Checks shared by both families before a fragment is stored. */
static int defrag_frag(struct decode_ctx *c, const struct frag *f, uint32_t l3, uint32_t iplen)
{
	struct defrag *df = c->d->defrag;

	c->defrag_done = 1; /* whatever happens, defrag accounts for the packet */
	if (!df || defrag_ready(df) < 0)
		return drop(c, NULL, KN_DEV_DEFRAG_MEMCAP);
	if (decode_avail(c, l3, iplen) < iplen)
		return drop(c, NULL, f->v6 ? KN_DEV_IPV6_FRAG_IGNORED : KN_DEV_IPV4_FRAG_IGNORED);
	return insert(c, f);
}

int defrag_ipv4(struct decode_ctx *c, uint32_t l3, uint32_t hlen, uint32_t iplen)
{
	const uint8_t *h = c->data + l3;
	uint16_t fo = rd16(h + 6);
	struct frag f = {
		.off = (fo & 0x1fffu) * 8, .len = iplen - hlen, .more = !!(fo & 0x2000),
		.payload = h + hlen, .hdr = h, .hdr_len = hlen, .next_proto = h[9],
	};

	key_fill(&f.key, c->p, h[9], rd16(h + 4));
	return defrag_frag(c, &f, l3, iplen);
}

int defrag_ipv6(struct decode_ctx *c, uint32_t l3, uint32_t fh, uint32_t nh_pos, uint32_t iplen)
{
	const uint8_t *h = c->data + fh;
	uint16_t fo = rd16(h + 2);
	uint32_t end = l3 + iplen;
	struct frag f = {
		.off = fo & 0xfff8u, .len = end > fh + 8 ? end - (fh + 8) : 0, .more = fo & 1,
		.payload = h + 8, .hdr = c->data + l3, .hdr_len = fh - l3, .nh_pos = nh_pos,
		.next_proto = h[0], .v6 = 1,
	};

	key_fill(&f.key, c->p, 0, rd32(h + 4));
	return defrag_frag(c, &f, l3, iplen);
}

void defrag_expire(struct kn_decoder *d, uint64_t now_ns)
{
	struct defrag *f = d->defrag;
	struct kn_decode_stats *st = &d->stats;
	struct defrag_tracker *t;

	/* The age list is in arrival order; with capture times going back and
	 * forth a younger tracker may shield an older one for a while. */
	while ((t = f->oldest) != NULL) {
		if (now_ns != UINT64_MAX &&
		    (now_ns < t->created_ns || now_ns - t->created_ns < f->timeout_ns))
			break;
		st->events[KN_DEV_DEFRAG_TIMEOUT] += t->frag_count;
		st->defrag_frags_dropped += t->frag_count;
		st->defrag_frags_held -= t->frag_count;
		st->defrag_timeouts++;
		defrag_tracker_release(d, t);
	}
}
