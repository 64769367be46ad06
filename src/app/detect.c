/*
 * detect.c - protocol detection by content (see app.c's header for the
 * policy): the first bytes of each direction are shown to every parser's
 * probe; ports only break ties between parsers that all accept the bytes.
 * A flow whose detection failed is still watched for a TLS ClientHello or
 * an HTTP request line at the start of its next chunks: TLS begun inside a
 * protocol kenchi does not parse (STARTTLS of IMAP, POP3, XMPP, LDAP, FTP;
 * the SSL requests of PostgreSQL and MySQL) and HTTP after a proxy
 * handshake (SOCKS) are parsed from there.
 *
 * App stage, called by app.c while a flow has no protocol.
 */
#include <string.h>

#include "app/app_int.h"

static int port_hint(const struct kn_app_parser *p, const struct kn_flow *flow)
{
	for (unsigned i = 0; i < 4 && p->ports[i]; i++)
		if (p->ports[i] == flow->key.dport || p->ports[i] == flow->key.sport)
			return 1;
	return 0;
}

/* Runs every probe of `ipproto` on data. Returns the chosen parser id
 * (YES), 0 with *more set when some parser wants more bytes, or 0. */
static unsigned probe_all(const struct kn_app_ctx *ctx, const struct kn_flow *flow, int dir,
			  const uint8_t *data, uint32_t len, unsigned ipproto, int *more)
{
	unsigned chosen = 0, chosen_hint = 0;

	*more = 0;
	for (const struct app_prober *pr = ctx->probers[ipproto == 6 ? 0 : 1]; pr->p; pr++) {
		int r = pr->p->probe(data, len, dir, ipproto);
		if (r == KN_PROBE_MORE) {
			*more = 1;
		} else if (r == KN_PROBE_YES) {
			unsigned hint = (unsigned)port_hint(pr->p, flow);
			if (!chosen || (hint && !chosen_hint)) {
				chosen = pr->id;
				chosen_hint = hint;
			}
		}
	}
	return chosen;
}

/* Counts n bytes of direction dir that the parser will not get: a hole
 * before the kept bytes while none are kept, after them otherwise. */
static void lose(struct app_flow *af, int dir, uint64_t n)
{
	uint32_t *c = af->pend_len[dir] || af->lost_after[dir] ? &af->lost_after[dir]
							      : &af->lost_before[dir];
	uint64_t t = (uint64_t)*c + n;

	*c = t > UINT32_MAX ? UINT32_MAX : (uint32_t)t;
}

/* Appends to the direction's probe buffer; returns the bytes taken (none
 * once bytes after the kept ones were lost: a stream has one hole at most
 * here). */
static uint32_t keep(struct kn_app_ctx *ctx, struct app_flow *af, int dir,
		     const uint8_t *data, uint32_t len)
{
	uint32_t room, n;

	if (af->lost_after[dir])
		return 0;
	if (!af->pend[dir]) {
		if (app_mem_charge(ctx, ctx->cfg.probe_max) != 0)
			return 0;
		af->pend[dir] = app_probe_buf_get(ctx);
		if (!af->pend[dir]) {
			app_mem_credit(ctx, ctx->cfg.probe_max);
			return 0;
		}
	}
	room = ctx->cfg.probe_max - af->pend_len[dir];
	n = len < room ? len : room;
	if (n) {
		memcpy(af->pend[dir] + af->pend_len[dir], data, n);
		af->pend_len[dir] += n;
	}
	return n;
}

static void check_failed(struct kn_app_ctx *ctx, struct app_flow *af)
{
	if (af->dir_failed[0] && af->dir_failed[1]) {
		af->failed = 1;
		ctx->stats.flows_failed++;
		app_pending_free(ctx, af);
	}
}

/* The flow has its protocol: hands the kept bytes of both directions
 * (the first speaker's first) with the gaps around them, then the rest of
 * the current data. */
static void start(struct kn_app_ctx *ctx, struct kn_flow *flow, struct app_flow *af,
		  unsigned id, int dir, const uint8_t *rest, uint32_t rest_len, unsigned flags)
{
	int first = af->first_dir == 1 ? 1 : 0;
	uint8_t *pend[2] = { af->pend[0], af->pend[1] };
	uint32_t plen[2] = { af->pend_len[0], af->pend_len[1] };
	uint32_t before[2] = { af->lost_before[0], af->lost_before[1] };
	uint32_t after[2] = { af->lost_after[0], af->lost_after[1] };

	app_flow_start_parser(ctx, flow, af, id);
	/* Detach the buffers first: a parser call may not see them twice. */
	af->pend[0] = af->pend[1] = NULL;
	af->pend_len[0] = af->pend_len[1] = 0;
	memset(af->lost_before, 0, sizeof af->lost_before);
	memset(af->lost_after, 0, sizeof af->lost_after);
	for (int k = 0; k < 2; k++) {
		int d = k == 0 ? first : !first;
		if (before[d])
			app_flow_parse(ctx, flow, af, d, NULL, before[d], KN_APP_GAP);
		if (plen[d])
			app_flow_parse(ctx, flow, af, d, pend[d], plen[d], 0);
		if (after[d])
			app_flow_parse(ctx, flow, af, d, NULL, after[d], KN_APP_GAP);
		if (d == dir && (rest_len || (flags & KN_APP_EOF)))
			app_flow_parse(ctx, flow, af, d, rest, rest_len, flags);
	}
	for (int d = 0; d < 2; d++) {
		if (pend[d]) {
			app_probe_buf_put(ctx, pend[d]);
			app_mem_credit(ctx, ctx->cfg.probe_max);
		}
	}
}

/* A TLS record (versions 3.0-3.4) holding a handshake that starts with a
 * ClientHello. */
static int client_hello_at(const uint8_t *d, uint32_t len)
{
	return len >= 6 && d[0] == 0x16 && d[1] == 3 && d[2] <= 4 &&
	       ((unsigned)d[3] << 8 | d[4]) >= 4 && d[5] == 1;
}

/* A whole HTTP/1.x request line from the client (e.g. after a SOCKS
 * handshake): the line ends with the protocol version and the HTTP probe
 * accepts its method. Returns the HTTP parser's id, or 0. */
static unsigned request_line_at(const uint8_t *d, uint32_t len)
{
	const uint8_t *lf = memchr(d, '\n', len < 4096 ? len : 4096);
	const uint8_t *end;
	unsigned id;

	if (!lf)
		return 0;
	end = lf > d && lf[-1] == '\r' ? lf - 1 : lf;
	if (end - d < 14 || memcmp(end - 8, "HTTP/1.", 7) != 0 || end[-9] != ' ')
		return 0;
	id = kn_app_parser_id("http");
	return id && kn_app_parser_get(id)->probe(d, len, 0, 6) == KN_PROBE_YES ? id : 0;
}

/* A protocol begun after a start no parser takes: a TLS ClientHello or an
 * HTTP request line at the start of a chunk. Starts its parser there,
 * dropping what detection kept of the bytes before (the unparsed
 * protocol's). Returns 1 when a parser took the chunk. */
int app_detect_late(struct kn_app_ctx *ctx, struct kn_flow *flow, struct app_flow *af, int dir,
		    const uint8_t *data, uint32_t len, unsigned flags)
{
	unsigned id = 0;

	if (af->late_chunks >= APP_LATE_CHUNKS)
		return 0;
	af->late_chunks++;
	if (!app_late_candidate(data, dir))
		return 0;
	if (client_hello_at(data, len))
		id = kn_app_parser_id("tls");
	else if (dir == 0)
		id = request_line_at(data, len);
	if (!id)
		return 0;
	if (af->failed && ctx->stats.flows_failed)
		ctx->stats.flows_failed--;
	af->failed = 0;
	af->dir_failed[0] = af->dir_failed[1] = 0;
	app_pending_free(ctx, af);
	app_flow_start_parser(ctx, flow, af, id);
	app_flow_parse(ctx, flow, af, dir, data, len, flags);
	return 1;
}

void app_detect_tcp(struct kn_app_ctx *ctx, struct kn_flow *flow, struct app_flow *af,
		    int dir, const uint8_t *data, uint32_t len, unsigned flags)
{
	const uint8_t *view;
	uint32_t view_len, taken = 0;
	unsigned id;
	int more;

	if (flags & KN_APP_GAP) {
		lose(af, dir, len);
		af->dir_failed[dir] = 1;
		check_failed(ctx, af);
		return;
	}
	if (len) {
		af->seen_data = 1;
		if (af->first_dir == 0xff)
			af->first_dir = (uint8_t)dir;
	}
	/* Not the direction's first bytes: a ClientHello or request line
	 * there begins a protocol after a start no probe decided on yet.
	 * (app_detect_late() counts the chunk and checks its first byte;
	 * both are done here for the chunks it would not look at.) */
	if (len && (af->pend_len[dir] || af->dir_failed[dir] || af->lost_before[dir]) &&
	    af->late_chunks < APP_LATE_CHUNKS) {
		if (!app_late_candidate(data, dir))
			af->late_chunks++;
		else if (app_detect_late(ctx, flow, af, dir, data, len, flags))
			return;
	}
	if (af->dir_failed[dir]) {
		/* Kept in case the other direction decides, up to probe_max;
		 * once bytes after the kept ones were lost, only counted. */
		if (len && af->lost_after[dir])
			lose(af, dir, len);
		else if (len)
			lose(af, dir, len - keep(ctx, af, dir, data, len));
		return;
	}
	if (!len) {
		/* EOF while still undecided: this direction is done. */
		if (af->pend_len[dir] || (flags & KN_APP_EOF))
			af->dir_failed[dir] = 1;
		check_failed(ctx, af);
		return;
	}
	if (af->pend_len[dir] == 0 && len <= ctx->cfg.probe_max) {
		view = data;      /* first bytes: probe in place, copy only if needed */
		view_len = len;
	} else {
		taken = keep(ctx, af, dir, data, len);
		if (!af->pend_len[dir]) {
			/* Nothing could be kept (memcap): nothing to probe. */
			lose(af, dir, len);
			af->dir_failed[dir] = 1;
			check_failed(ctx, af);
			return;
		}
		view = af->pend[dir];
		view_len = af->pend_len[dir];
	}
	id = probe_all(ctx, flow, dir, view, view_len, 6, &more);
	if (id) {
		if (view == data)
			start(ctx, flow, af, id, dir, data, len, flags);
		else
			start(ctx, flow, af, id, dir, data + taken, len - taken, flags);
		return;
	}
	if (view == data)
		taken = keep(ctx, af, dir, data, len);
	if (!more || af->pend_len[dir] >= ctx->cfg.probe_max || taken < len ||
	    (flags & KN_APP_EOF))
		af->dir_failed[dir] = 1;
	if (taken < len)
		lose(af, dir, len - taken);
	check_failed(ctx, af);
}

void app_detect_udp(struct kn_app_ctx *ctx, struct kn_flow *flow, struct app_flow *af,
		    int dir, const uint8_t *data, uint32_t len)
{
	unsigned id;
	int more;

	af->seen_data = 1;
	if (af->first_dir == 0xff)
		af->first_dir = (uint8_t)dir;
	if (af->dir_failed[dir])
		return;
	id = probe_all(ctx, flow, dir, data, len, 17, &more);
	if (id) {
		app_flow_start_parser(ctx, flow, af, id);
		return;
	}
	af->dir_failed[dir] = 1;
	check_failed(ctx, af);
}

void app_detect_finish(struct kn_app_ctx *ctx, struct kn_flow *flow, struct app_flow *af)
{
	(void)flow;
	if (af->seen_data)
		ctx->stats.flows_failed++;
	app_pending_free(ctx, af);
}
