/*
 * ssh.c - the SSH parser: identification strings and the unencrypted
 * binary packets up to each side's first KEXINIT.
 *
 * App stage (TCP). Each direction starts with lines: the server may send
 * other lines before its "SSH-protoversion-softwareversion SP comments CR LF"
 * (RFC 4253 4.2), the client should not (INVALID_BANNER, tolerated within
 * SSH_PREBANNER_MAX bytes). A line is kept up to SSH_BANNER_MAX bytes; a
 * longer banner is truncated there (LONG_BANNER) and the rest of the line
 * skipped without buffering. For SSH 2.0 (and 1.99 unless the peer chose
 * 1.x, RFC 4253 5.1) the binary packets that follow are framed (RFC 4253
 * 6): packets other than KEXINIT are skipped, the first KEXINIT (at most
 * SSH_PACKET_MAX bytes, charged to the app memcap) gives the direction's
 * HASSH; after it the direction's packets are only framed until its
 * NEWKEYS, where parsing of that direction stops, as it does on a gap or a
 * malformed packet. Once both sides sent NEWKEYS the flow is encrypted
 * (kn_app_opaque: byte-matching rules stop inspecting its payload, as
 * Suricata stops inspecting an SSH session there).
 *
 * The transaction (both identification strings) is logged once: when both
 * banners are known and both directions are done (first KEXINIT parsed,
 * NEWKEYS before it, malformed, gap or end of the direction), so that
 * detection sees
 * the HASSH buffers too; otherwise at flow end. Suricata 7 logs at the second
 * banner; the EVE body is the same, only the packet it is stamped with may
 * come a few packets later.
 */
#include <string.h>

#include "app/ssh/ssh.h"
#include "util/alloc.h"

#define MSG_KEXINIT 20
#define MSG_NEWKEYS 21

/* ------------------------------------------------------------ probe */

static int ssh_probe(const uint8_t *data, uint32_t len, int dir, unsigned ipproto)
{
	static const char magic[4] = { 'S', 'S', 'H', '-' };
	uint32_t n = len < 4 ? len : 4;

	(void)dir, (void)ipproto;
	if (memcmp(data, magic, n) != 0)
		return KN_PROBE_NO;
	return len < 4 ? KN_PROBE_MORE : KN_PROBE_YES;
}

/* ---------------------------------------------------------- banners */

static void free_body(struct kn_app_call *c, struct ssh_dir *d)
{
	if (d->body) {
		kn_free(d->body);
		kn_app_mem_credit(c, d->body_len);
		d->body = NULL;
	}
}

static void stop_dir(struct kn_app_call *c, struct ssh_dir *d)
{
	free_body(c, d);
	d->phase = SSH_DONE;
}

static int proto_is(const struct ssh_dir *d, const char *v)
{
	size_t n = strlen(v);
	return d->have_banner && d->proto_len == n && memcmp(d->banner + d->proto_off, v, n) == 0;
}

/* The identification line is complete (possibly truncated): splits it into
 * protoversion and softwareversion, reports the asset and picks the next
 * phase. */
static void banner_done(struct kn_app_call *c, struct ssh_dir *d, int dir)
{
	const char *b = d->banner, *dash, *end;
	size_t n = d->line_len;

	memcpy(d->banner, d->line, n);
	d->banner[n] = '\0';
	d->banner_len = (uint16_t)n;
	d->have_banner = 1;
	end = memchr(b + 4, ' ', n - 4);
	if (!end)
		end = b + n;
	dash = memchr(b + 4, '-', (size_t)(end - (b + 4)));
	d->proto_off = 4;
	if (!dash) {
		kn_app_event(c, dir, "INVALID_BANNER");
		d->proto_len = (uint16_t)(end - (b + 4));
		d->soft_off = d->soft_len = 0;
	} else {
		d->proto_len = (uint16_t)(dash - (b + 4));
		d->soft_off = (uint16_t)(dash + 1 - b);
		d->soft_len = (uint16_t)(end - (dash + 1));
	}
	ssh_report_asset(c, d, dir);
	if (proto_is(d, "2.0") || proto_is(d, "1.99"))
		d->phase = SSH_PKT_HEAD;
	else
		d->phase = SSH_DONE;   /* SSH 1 or unknown: no packets we can frame */
}

static int is_banner_line(const struct ssh_dir *d)
{
	return d->line_len >= 4 && memcmp(d->line, "SSH-", 4) == 0;
}

/* A line other than the banner, of `bytes` bytes with its LF. */
static void other_line(struct kn_app_call *c, struct ssh_dir *d, int dir, uint32_t bytes)
{
	if (dir == 0 && !d->warned_prebanner) {
		kn_app_event(c, dir, "INVALID_BANNER");
		d->warned_prebanner = 1;
	}
	d->prebanner += bytes;
	if (d->prebanner > SSH_PREBANNER_MAX) {
		if (dir == 1 || !d->warned_prebanner)
			kn_app_event(c, dir, "INVALID_BANNER");
		stop_dir(c, d);
	}
}

/* A LF ended the current line (line holds it without LF). */
static void line_end(struct kn_app_call *c, struct ssh_dir *d, int dir)
{
	uint32_t bytes = (uint32_t)d->line_len + 1;

	if (d->discard_line) {
		/* The overflowing line ends here; a truncated banner was already
		 * handled when it overflowed. */
		d->discard_line = 0;
		d->line_len = 0;
		if (!d->have_banner)
			other_line(c, d, dir, 1);
		return;
	}
	if (d->line_len && d->line[d->line_len - 1] == '\r')
		d->line_len--;
	if (is_banner_line(d))
		banner_done(c, d, dir);
	else
		other_line(c, d, dir, bytes);
	d->line_len = 0;
}

/* The current line does not fit: a banner is truncated, anything else
 * counted and skipped. */
static void line_overflow(struct kn_app_call *c, struct ssh_dir *d, int dir)
{
	d->discard_line = 1;
	if (is_banner_line(d)) {
		kn_app_event(c, dir, "LONG_BANNER");
		banner_done(c, d, dir);
		if (d->phase == SSH_PKT_HEAD)
			d->phase = SSH_BANNER;   /* still inside the line: packets after its LF */
	} else {
		other_line(c, d, dir, d->line_len);
	}
	d->line_len = 0;
}

/* Consumes line bytes; returns how many were used (all, or up to the LF
 * that completed the banner). */
static uint32_t feed_lines(struct kn_app_call *c, struct ssh_dir *d, int dir,
			   const uint8_t *p, uint32_t n)
{
	uint32_t used = 0;

	while (used < n && d->phase == SSH_BANNER) {
		const uint8_t *lf = memchr(p + used, '\n', n - used);
		uint32_t take = lf ? (uint32_t)(lf - (p + used)) : n - used;
		if (d->discard_line) {
			if (!d->have_banner)
				other_line(c, d, dir, take);
		} else {
			uint32_t room = SSH_BANNER_MAX - d->line_len;
			uint32_t k = take < room ? take : room;
			memcpy(d->line + d->line_len, p + used, k);
			d->line_len = (uint16_t)(d->line_len + k);
			if (take > room) {
				line_overflow(c, d, dir);
				if (!d->have_banner && d->phase == SSH_BANNER)
					other_line(c, d, dir, take - room);
			}
		}
		used += take;
		if (!lf || d->phase != SSH_BANNER)
			break;
		used++;
		line_end(c, d, dir);
		if (d->have_banner && d->phase == SSH_BANNER)
			d->phase = SSH_PKT_HEAD;   /* a truncated banner's line ended */
	}
	return used;
}

/* ---------------------------------------------------------- packets */

/* The 6-byte head is complete: validates it and chooses what to do with
 * the rest of the packet. */
static void packet_head(struct kn_app_call *c, struct ssh_dir *d, const struct ssh_dir *peer,
			int dir)
{
	uint32_t pkt_len = (uint32_t)d->head[0] << 24 | (uint32_t)d->head[1] << 16 |
			   (uint32_t)d->head[2] << 8 | d->head[3];
	uint8_t pad = d->head[4], msg = d->head[5];

	d->head_len = 0;
	if (d->kex_seen && (pkt_len > SSH_PACKET_MAX || pkt_len < (uint32_t)pad + 2)) {
		stop_dir(c, d);   /* after KEXINIT only NEWKEYS is looked for: no event */
		return;
	}
	if (pkt_len > SSH_PACKET_MAX) {
		kn_app_event(c, dir, "LONG_KEX_RECORD");
		stop_dir(c, d);
		return;
	}
	if (pkt_len < (uint32_t)pad + 2) {
		kn_app_event(c, dir, "INVALID_RECORD");
		stop_dir(c, d);
		return;
	}
	if (msg == MSG_NEWKEYS) {
		d->newkeys = 1;
		stop_dir(c, d);   /* encrypted from here on */
		if (peer->newkeys)
			kn_app_opaque(c);
		return;
	}
	if (msg != MSG_KEXINIT || d->kex_seen) {
		if (++d->packets > SSH_SKIP_PACKETS_MAX) {
			stop_dir(c, d);
			return;
		}
		d->pkt_left = pkt_len - 2;
		d->phase = d->pkt_left ? SSH_PKT_SKIP : SSH_PKT_HEAD;
		return;
	}
	d->body_len = pkt_len - pad - 2;
	d->body_got = 0;
	if (d->body_len == 0 || kn_app_mem_charge(c, d->body_len) != 0) {
		if (d->body_len == 0)
			kn_app_event(c, dir, "INVALID_RECORD");
		stop_dir(c, d);
		return;
	}
	d->body = kn_malloc(d->body_len);
	if (!d->body) {
		kn_app_mem_credit(c, d->body_len);
		stop_dir(c, d);
		return;
	}
	d->phase = SSH_PKT_KEXINIT;
}

static void kexinit_done(struct kn_app_call *c, struct ssh_dir *d, int dir)
{
	if (ssh_kexinit_hassh(d->body, d->body_len, dir, d->hassh) == 0)
		d->have_hassh = 1;
	else
		kn_app_event(c, dir, "INVALID_RECORD");
	free_body(c, d);
	d->kex_seen = 1;   /* on to its NEWKEYS, after this packet's padding */
	d->pkt_left = d->head[4];
	d->phase = d->pkt_left ? SSH_PKT_SKIP : SSH_PKT_HEAD;
}

/* Consumes packet bytes; returns how many were used. */
static uint32_t feed_packets(struct kn_app_call *c, struct ssh_dir *d, const struct ssh_dir *peer,
			     int dir, const uint8_t *p, uint32_t n)
{
	uint32_t used = 0;

	while (used < n && d->phase != SSH_DONE) {
		uint32_t avail = n - used, k;
		if (d->phase == SSH_PKT_HEAD) {
			k = (uint32_t)sizeof d->head - d->head_len;
			k = k < avail ? k : avail;
			memcpy(d->head + d->head_len, p + used, k);
			d->head_len = (uint8_t)(d->head_len + k);
			if (d->head_len == sizeof d->head)
				packet_head(c, d, peer, dir);
		} else if (d->phase == SSH_PKT_SKIP) {
			k = d->pkt_left < avail ? d->pkt_left : avail;
			d->pkt_left -= k;
			if (d->pkt_left == 0)
				d->phase = SSH_PKT_HEAD;
		} else {
			k = d->body_len - d->body_got;
			k = k < avail ? k : avail;
			memcpy(d->body + d->body_got, p + used, k);
			d->body_got += k;
			if (d->body_got == d->body_len)
				kexinit_done(c, d, dir);
		}
		used += k;
	}
	return used;
}

/* ------------------------------------------------------- callbacks */

/* A side that announced "1.99" speaks SSH 1 when its peer announced 1.x:
 * checked when its first packet bytes arrive (by then it has heard the
 * peer, and normally so have we). Returns 1 when the side must stop. */
static int speaks_ssh1(const struct ssh_state *st, int dir)
{
	const struct ssh_dir *d = &st->dir[dir], *peer = &st->dir[!dir];

	if (d->phase != SSH_PKT_HEAD || d->packets || d->head_len || !proto_is(d, "1.99"))
		return 0;
	return peer->have_banner && !proto_is(peer, "2.0") && !proto_is(peer, "1.99");
}

/* The side's banner is known and nothing more will be learnt from it. */
static int side_done(const struct ssh_dir *d)
{
	return d->have_banner && (d->phase == SSH_DONE || d->kex_seen);
}

static void ssh_parse(void *state, struct kn_app_call *c, int dir, const uint8_t *data,
		      uint32_t len, unsigned flags)
{
	struct ssh_state *st = state;
	struct ssh_dir *d = &st->dir[dir];

	if (flags & KN_APP_GAP) {
		stop_dir(c, d);   /* no resynchronisation inside a handshake */
	} else if (data && len) {
		uint32_t used = 0;
		if (d->phase == SSH_BANNER)
			used = feed_lines(c, d, dir, data, len);
		if (used < len && speaks_ssh1(st, dir))
			stop_dir(c, d);
		if (used < len && d->phase != SSH_BANNER && d->phase != SSH_DONE)
			feed_packets(c, d, &st->dir[!dir], dir, data + used, len - used);
	}
	if (flags & KN_APP_EOF)
		stop_dir(c, d);
	if (!st->logged && side_done(&st->dir[0]) && side_done(&st->dir[1]))
		ssh_log_tx(c, st);
}

static void ssh_flow_end(void *state, struct kn_app_call *c)
{
	struct ssh_state *st = state;

	if (!st->logged && (st->dir[0].have_banner || st->dir[1].have_banner))
		ssh_log_tx(c, st);
}

static void ssh_state_free(void *state, struct kn_app_call *c)
{
	struct ssh_state *st = state;

	free_body(c, &st->dir[0]);
	free_body(c, &st->dir[1]);
}

const struct kn_app_parser kn_app_parser_ssh = {
	.name = "ssh",
	.ipprotos = KN_APP_TCP,
	.ports = { 22 },
	.probe = ssh_probe,
	.state_size = sizeof(struct ssh_state),
	.parse = ssh_parse,
	.flow_end = ssh_flow_end,
	.state_free = ssh_state_free,
};
