/*
 * http_msg.c - the text parts of an HTTP/1.x message (lines assembled by
 * http_line.c): the request line, the status line and header lines
 * (folding, repeats merged, limits), and the cooked header block that
 * detection reads as http.header.
 *
 * App stage, called by http.c's state machine. Parsing follows what
 * Suricata's HTTP library (libhtp, IDS personality) does with odd input, so
 * that the EVE fields agree with Suricata's: the method is the first token,
 * the URI ends at the next space, the protocol is the rest of the line; a
 * header without a colon has an empty name; repeated headers are joined
 * with ", " (Content-Length keeps its first value).
 *
 * Header lines are not copied on their way: a name and value point into
 * the raw block kept for http.header.raw when they can, the headers the
 * parser reads are given an id when added (lookups index, not scan), and
 * the cooked block is only made when detection reads it.
 */
#include <string.h>

#include "app/http/http_int.h"
#include "util/alloc.h"

/* ------------------------------------------------------- char classes */

static int is_space(uint8_t c)
{
	return c == ' ' || c == '\t' || c == '\r' || c == '\n' || c == '\v' || c == '\f';
}

/* Whether p[0..n) holds one of is_space()'s bytes but ' ' (TAB, LF, VT,
 * FF, CR: 0x09..0x0d). URIs are scanned for them, eight bytes at a time:
 * (w - 0x0e * ones) & ~w & tops is non-zero exactly when some byte of w is
 * below 0x0e (a borrow starts only at such a byte), and only those words,
 * rare in a URI, are looked at byte by byte. */
static int ctl_space(const uint8_t *p, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (p[i] >= '\t' && p[i] <= '\r')
			return 1;
	return 0;
}

static int has_ctl_space(const uint8_t *p, size_t n)
{
	const uint64_t ones = 0x0101010101010101ull, tops = 0x8080808080808080ull;
	size_t i = 0;

	for (; i + 8 <= n; i += 8) {
		uint64_t w;
		memcpy(&w, p + i, 8);
		if (((w - 0x0e * ones) & ~w & tops) && ctl_space(p + i, 8))
			return 1;
	}
	return ctl_space(p + i, n - i);
}

static int is_lws(uint8_t c)
{
	return c == ' ' || c == '\t';
}

/* A header line starting with one of these continues the previous one. */
static int is_fold(uint8_t c)
{
	return c == ' ' || c == '\t' || c == 0;
}

/* A token character (RFC 9110 5.6.2): visible ASCII but the separators
 * ( ) < > @ , ; : \ " / [ ] ? = { }. Tested for every byte of every header
 * name, so it is one load from a table rather than a chain of compares;
 * bytes from 0x80 up (left out, so zero) are not token characters. */
static const uint8_t token_tab[256] = {
	/* 00 */ 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
	/* 10 */ 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
	/* 20 */ 0, 1, 0, 1, 1, 1, 1, 1, 0, 0, 1, 1, 0, 1, 1, 0,
	/* 30 */ 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 0, 0, 0, 0, 0, 0,
	/* 40 */ 0, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1,
	/* 50 */ 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 0, 0, 0, 1, 1,
	/* 60 */ 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1,
	/* 70 */ 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 0, 1, 0, 1, 0,
};

static int is_token(uint8_t c)
{
	return token_tab[c];
}

static uint8_t lower(uint8_t c)
{
	return c >= 'A' && c <= 'Z' ? (uint8_t)(c + 32) : c;
}

/* ------------------------------------------------------- request line */

static int16_t parse_protocol(const uint8_t *p, uint32_t n)
{
	if (n != 8 || memcmp(p, "HTTP/", 5) != 0 || p[6] != '.')
		return HTTP_P_INVALID;
	if (p[5] == '0' && p[7] == '9')
		return HTTP_P_09;
	if (p[5] == '1' && p[7] == '0')
		return HTTP_P_10;
	if (p[5] == '1' && p[7] == '1')
		return HTTP_P_11;
	return HTTP_P_INVALID;
}

static void span(struct http_span *s, uint32_t off, uint32_t len)
{
	s->off = off;
	s->len = len;
	s->set = 1;
}

static int method_token(const uint8_t *m, uint32_t n)
{
	for (uint32_t i = 0; i < n; i++)
		if (!is_token(m[i]))
			return 0;
	return n > 0;
}

/* Copies a line into m->line (already bounded by HTTP_LINE_MAX). */
static uint32_t keep_line(struct http_state *st, struct http_msg *m, const uint8_t *line,
			  uint32_t len)
{
	m->line.len = 0;
	return http_buf_add(st, &m->line, line, len, HTTP_LINE_MAX);
}

void http_parse_request_line(struct http_state *st, struct http_tx *tx, const uint8_t *line,
			     uint32_t len)
{
	uint32_t n = keep_line(st, &tx->req, line, len), pos = 0, start;
	const uint8_t *p = tx->req.line.p, *sp;
	int bad = 0;

	if (!n)
		return;   /* not kept (memcap): nothing to point into */
	while (pos < n && is_space(p[pos]))
		pos++;
	if (pos)
		http_event(st, 0, "REQUEST_LINE_LEADING_WHITESPACE");
	start = pos;
	while (pos < n && !is_space(p[pos]))
		pos++;
	span(&tx->method, start, pos - start);
	tx->method_id = http_method_lookup(p + start, pos - start);
	while (pos < n && is_space(p[pos]))
		bad |= p[pos++] != ' ';
	if (bad)
		http_event(st, 0, "METHOD_DELIM_NON_COMPLIANT");
	tx->req_proto = HTTP_P_09;
	if (pos == n)
		goto check;
	start = pos;
	sp = memchr(p + pos, ' ', n - pos);
	pos = sp ? (uint32_t)(sp - p) : n;
	if (has_ctl_space(p + start, pos - start))
		http_event(st, 0, "URI_DELIM_NON_COMPLIANT");
	span(&tx->uri, start, pos - start);
	while (pos < n && is_space(p[pos]))
		pos++;
	if (pos == n)
		goto check;
	span(&tx->proto, pos, n - pos);
	tx->req_proto = parse_protocol(p + pos, n - pos);
check:
	/* Not a method at all (empty, or bytes no method has): a request
	 * line made of garbage. Unknown but well-formed methods are fine. */
	if (tx->method_id == HTTP_M_UNKNOWN && !method_token(p + tx->method.off, tx->method.len))
		http_event(st, 0, "REQUEST_LINE_INVALID");
}

/* -------------------------------------------------------- status line */

static int32_t parse_status(const uint8_t *p, uint32_t n)
{
	int32_t v = 0;
	uint32_t i = 0, digits = 0;

	while (i < n && is_space(p[i]))
		i++;
	for (; i < n && p[i] >= '0' && p[i] <= '9'; i++, digits++) {
		if (v > 100000)
			return -1;
		v = v * 10 + (p[i] - '0');
	}
	while (i < n && is_space(p[i]))
		i++;
	if (!digits || i != n || v < 100 || v > 999)
		return -1;
	return v;
}

void http_parse_status_line(struct http_state *st, struct http_tx *tx, const uint8_t *line,
			    uint32_t len)
{
	uint32_t n = keep_line(st, &tx->res, line, len), pos = 0, start;
	const uint8_t *p = tx->res.line.p;

	tx->status.set = tx->smsg.set = 0;
	tx->status_num = -1;
	if (!n)
		return;
	while (pos < n && is_space(p[pos]))
		pos++;
	start = pos;
	while (pos < n && !is_space(p[pos]))
		pos++;
	span(&tx->rproto, start, pos - start);
	tx->res_proto = parse_protocol(p + start, pos - start);
	if (tx->res_proto == HTTP_P_INVALID)
		http_event(st, 1, "RESPONSE_INVALID_PROTOCOL");
	while (pos < n && is_space(p[pos]))
		pos++;
	if (pos == n)
		goto done;
	start = pos;
	while (pos < n && !is_space(p[pos]))
		pos++;
	span(&tx->status, start, pos - start);
	tx->status_num = parse_status(p + start, pos - start);
	while (pos < n && is_space(p[pos]))
		pos++;
	if (pos < n)
		span(&tx->smsg, pos, n - pos);
done:
	if (tx->status_num < 0)
		http_event(st, 1, "RESPONSE_INVALID_STATUS");
}

/* ------------------------------------------------------------ headers */

/* Whether the 8 bytes at a equal those at l (lower-case letters and '-'),
 * letters in any case: OR-ing 0x20 into a byte where l has a letter (the
 * bytes with bit 0x40 set) makes 'A'..'Z' lower case and leaves no other
 * byte equal to a letter. */
static int ci_eq8(const uint8_t *a, const char *l)
{
	uint64_t x, y;

	memcpy(&x, a, 8);
	memcpy(&y, l, 8);
	return (x | (y & 0x4040404040404040ull) >> 1) == y;
}

static int ci_eq4(const uint8_t *a, const char *l)
{
	uint32_t x, y;

	memcpy(&x, a, 4);
	memcpy(&y, l, 4);
	return (x | (y & 0x40404040u) >> 1) == y;
}

/* Case-insensitive equality of n >= 4 bytes with a name of hdr_names, a
 * word at a time (the last word overlapping the one before). */
static int name_eq(const uint8_t *a, const char *l, size_t n)
{
	size_t i = 0;

	if (n < 8)
		return ci_eq4(a, l) && ci_eq4(a + n - 4, l + n - 4);
	for (; i + 8 < n; i += 8)
		if (!ci_eq8(a + i, l + i))
			return 0;
	return ci_eq8(a + n - 8, l + n - 8);
}

/* Lower-case names by id (hdr_id() dispatches on their lengths). */
static const char *const hdr_names[HTTP_H_COUNT] = {
	[HTTP_H_CONTENT_LENGTH] = "content-length",
	[HTTP_H_TRANSFER_ENCODING] = "transfer-encoding",
	[HTTP_H_CONTENT_ENCODING] = "content-encoding",
	[HTTP_H_CONTENT_TYPE] = "content-type",
	[HTTP_H_HOST] = "host",
	[HTTP_H_USER_AGENT] = "user-agent",
	[HTTP_H_SERVER] = "server",
	[HTTP_H_X_FORWARDED_FOR] = "x-forwarded-for",
	[HTTP_H_CONTENT_RANGE] = "content-range",
	[HTTP_H_REFERER] = "referer",
	[HTTP_H_LOCATION] = "location",
	[HTTP_H_CONTENT_DISPOSITION] = "content-disposition",
	[HTTP_H_COOKIE] = "cookie",
	[HTTP_H_SET_COOKIE] = "set-cookie",
};

/* The id of a header name. Its length (4 or more) leaves one or two
 * candidates. */
static uint8_t hdr_id(const uint8_t *name, size_t n)
{
	uint8_t a = HTTP_H_OTHER, b = HTTP_H_OTHER;

	switch (n) {
	case 4: a = HTTP_H_HOST; break;
	case 6: a = HTTP_H_SERVER, b = HTTP_H_COOKIE; break;
	case 7: a = HTTP_H_REFERER; break;
	case 8: a = HTTP_H_LOCATION; break;
	case 10: a = HTTP_H_USER_AGENT, b = HTTP_H_SET_COOKIE; break;
	case 12: a = HTTP_H_CONTENT_TYPE; break;
	case 13: a = HTTP_H_CONTENT_RANGE; break;
	case 14: a = HTTP_H_CONTENT_LENGTH; break;
	case 15: a = HTTP_H_X_FORWARDED_FOR; break;
	case 16: a = HTTP_H_CONTENT_ENCODING; break;
	case 17: a = HTTP_H_TRANSFER_ENCODING; break;
	case 19: a = HTTP_H_CONTENT_DISPOSITION; break;
	default: return HTTP_H_OTHER;
	}
	if (name_eq(name, hdr_names[a], n))
		return a;
	return b && name_eq(name, hdr_names[b], n) ? b : HTTP_H_OTHER;
}

/* The id of a header name that holds NUL bytes: they are skipped, as
 * libhtp compares names (its table lookups ignore NULs), so that
 * "Transfer\0-Encoding" frames the body as browsers do (http-evader 291,
 * 316). Names longer than any known one are HTTP_H_OTHER. */
static uint8_t hdr_id_nul(const uint8_t *name, size_t n)
{
	uint8_t tmp[32];
	size_t k = 0;

	for (size_t i = 0; i < n; i++) {
		if (!name[i])
			continue;
		if (k == sizeof tmp)
			return HTTP_H_OTHER;
		tmp[k++] = name[i];
	}
	return hdr_id(tmp, k);
}

/* The header of a kind the parser does not name (HTTP_H_OTHER) called
 * name[0..n), case aside, or NULL. */
static struct http_hdr *find_other(struct http_msg *m, const uint8_t *name, size_t n)
{
	for (uint16_t i = 0; i < m->n_hdr; i++) {
		struct http_hdr *h = &m->hdr[i];
		const uint8_t *a = http_hdr_name(m, h);
		size_t k = 0;
		if (h->id != HTTP_H_OTHER || h->name_len != n)
			continue;
		while (k < n && lower(a[k]) == lower(name[k]))
			k++;
		if (k == n)
			return h;
	}
	return NULL;
}

/* Headers kept even past the limits: they decide framing and decoding. */
static int essential(uint8_t id)
{
	return id >= HTTP_H_CONTENT_LENGTH && id <= HTTP_H_HOST;
}

/* Arena bytes as if every name and value had been copied there (the
 * limit on them predates reading headers in place). */
static uint64_t arena_used(const struct http_msg *m)
{
	return (uint64_t)m->arena.len + m->arena_virt;
}

static void limit_event(struct http_state *st, struct http_msg *m, int dir, int count)
{
	if (m->overflow)
		return;
	m->overflow = 1;
	if (count)
		http_event(st, dir, dir ? "RESPONSE_TOO_MANY_HEADERS" : "REQUEST_TOO_MANY_HEADERS");
	else
		http_event(st, dir, dir ? "RESPONSE_FIELD_TOO_LONG" : "REQUEST_FIELD_TOO_LONG");
}

/* Repeats: Content-Length keeps the first value (event when they differ),
 * any other header gets ", value" appended. */
static void merge(struct http_state *st, struct http_msg *m, int dir, struct http_hdr *h,
		  const uint8_t *v, uint32_t vn)
{
	uint32_t start = m->arena.len, old = h->value_len;

	h->flags |= HTTP_HDR_REPEATED;
	if (h->id == HTTP_H_CONTENT_LENGTH) {
		int j1, j2;
		int64_t a = http_parse_content_length(http_hdr_value(m, h), h->value_len, &j1);
		int64_t b = http_parse_content_length(v, vn, &j2);
		if (a < 0 || b < 0 || a != b)
			http_event(st, dir, dir ? "DUPLICATE_CONTENT_LENGTH_FIELD_IN_RESPONSE"
						: "DUPLICATE_CONTENT_LENGTH_FIELD_IN_REQUEST");
		return;
	}
	if (arena_used(m) + (uint64_t)old + 2 + vn > HTTP_ARENA_MAX) {
		limit_event(st, m, dir, 0);
		return;
	}
	/* Room first, then the old value is copied in: the arena may move
	 * while growing (the raw block does not). */
	if (http_buf_add(st, &m->arena, NULL, old + 2 + vn, HTTP_ARENA_MAX - m->arena_virt) !=
	    old + 2 + vn) {
		m->arena.len = start;
		return;
	}
	memmove(m->arena.p + start, http_hdr_value(m, h), old);
	memcpy(m->arena.p + start + old, ", ", 2);
	if (vn)
		memcpy(m->arena.p + start + old + 2, v, vn);
	h->flags &= (uint8_t)~HTTP_HDR_VALUE_RAW;
	h->value_off = start;
	h->value_len = old + 2 + vn;
}

static void make_cooked(struct http_state *st, struct http_msg *m);

/* Stores name and value of a new header h: where they lie when in_raw (both
 * inside m->raw), else copied to the arena. Returns 0, or -1 when they
 * could not be kept. */
static int store(struct http_state *st, struct http_msg *m, struct http_hdr *h, int in_raw,
		 const uint8_t *name, uint32_t nn, const uint8_t *v, uint32_t vn)
{
	uint32_t max = HTTP_ARENA_MAX - m->arena_virt;

	if (in_raw) {
		h->flags = HTTP_HDR_NAME_RAW | HTTP_HDR_VALUE_RAW;
		h->name_off = (uint32_t)(name - m->raw.p);
		h->value_off = (uint32_t)(v - m->raw.p);
		m->arena_virt += nn + vn;
		return 0;
	}
	h->name_off = m->arena.len;
	if (http_buf_add(st, &m->arena, name, nn, max) != nn)
		return -1;
	h->value_off = m->arena.len;
	return http_buf_add(st, &m->arena, v, vn, max) == vn ? 0 : -1;
}

static void add_header(struct http_state *st, struct http_msg *m, int dir, uint8_t id,
		       int in_raw, const uint8_t *name, uint32_t nn, const uint8_t *v,
		       uint32_t vn)
{
	struct http_hdr *h;

	if (m->cook)
		make_cooked(st, m);   /* the block is what the headers were at finish */
	if (id)
		h = m->by_id[id] ? &m->hdr[m->by_id[id] - 1] : NULL;
	else
		h = m->other_lens >> (nn & 63) & 1 ? find_other(m, name, nn) : NULL;
	if (h) {
		merge(st, m, dir, h, v, vn);
		return;
	}
	if (m->n_hdr >= HTTP_HDR_COUNT_MAX) {
		limit_event(st, m, dir, 1);
		return;
	}
	if (nn > UINT16_MAX || arena_used(m) + nn + vn > HTTP_ARENA_MAX) {
		limit_event(st, m, dir, 0);
		return;
	}
	if (m->n_hdr == m->cap_hdr) {
		uint16_t cap = m->cap_hdr ? (uint16_t)(m->cap_hdr * 2) : 16;
		struct http_hdr *nh;
		if (http_mem_charge(st, (size_t)(cap - m->cap_hdr) * sizeof *nh) != 0)
			return;
		nh = http_block_alloc(st, (size_t)cap * sizeof *nh);
		if (!nh) {
			http_mem_credit(st, (size_t)(cap - m->cap_hdr) * sizeof *nh);
			return;
		}
		if (m->n_hdr)
			memcpy(nh, m->hdr, (size_t)m->n_hdr * sizeof *nh);
		http_block_free(st, m->hdr, (size_t)m->cap_hdr * sizeof *nh);
		m->hdr = nh;
		m->cap_hdr = cap;
	}
	h = &m->hdr[m->n_hdr];
	memset(h, 0, sizeof *h);
	h->name_len = (uint16_t)nn;
	h->value_len = vn;
	h->id = id;
	if (store(st, m, h, in_raw, name, nn, v, vn) != 0)
		return;
	m->n_hdr++;
	if (id)
		m->by_id[id] = m->n_hdr;
	else
		m->other_lens |= 1ull << (nn & 63);
}

/* Splits a complete (unfolded) header line into name and value; in_raw:
 * p[0..n) lies in m->raw. */
static void header_field(struct http_state *st, struct http_msg *m, int dir, const uint8_t *p,
			 uint32_t n, int in_raw)
{
	uint32_t colon = 0, ne, vs, ve;
	int invalid = 0;
	uint8_t id;

	/* The name ends at the first colon; any byte before it that is not a
	 * token character (trailing blanks, NUL included) makes it invalid.
	 * ':' is no token character, so a valid name is one run of token
	 * bytes. */
	while (colon < n && is_token(p[colon]))
		colon++;
	for (; colon < n && p[colon] != ':'; colon++)
		invalid |= !is_token(p[colon]);
	if (colon == n) {
		http_event(st, dir, dir ? "RESPONSE_FIELD_MISSING_COLON"
					: "REQUEST_FIELD_MISSING_COLON");
		add_header(st, m, dir, HTTP_H_OTHER, in_raw, p, 0, p, n);
		return;
	}
	ne = colon;
	invalid |= colon == 0;
	/* Not only blanks but any control byte before the colon (NUL, VT,
	 * FF...) is left out of the name, as libhtp does and browsers
	 * honour: "Transfer-Encoding\v:chunked" is chunked (http-evader 294,
	 * 320, 339). */
	while (ne > 0 && p[ne - 1] <= 0x20)
		ne--;
	if (invalid)
		http_event(st, dir, dir ? "RESPONSE_HEADER_INVALID" : "REQUEST_HEADER_INVALID");
	vs = colon + 1;
	while (vs < n && is_lws(p[vs]))
		vs++;
	ve = n;
	while (ve > vs && is_lws(p[ve - 1]))
		ve--;
	id = memchr(p, 0, ne) ? hdr_id_nul(p, ne) : hdr_id(p, ne);
	if (m->overflow && !essential(id))
		return;
	add_header(st, m, dir, id, in_raw, p, ne, p + vs, ve - vs);
}

static void fold_event(struct http_state *st, struct http_dir *d, struct http_msg *m)
{
	if (m->bad_fold)
		return;
	m->bad_fold = 1;
	http_event(st, d->dir, d->dir ? "INVALID_RESPONSE_FIELD_FOLDING"
				      : "INVALID_REQUEST_FIELD_FOLDING");
}

/* The header line pending (it may go on in continuation lines). */
static const uint8_t *pending(const struct http_dir *d, const struct http_msg *m, uint32_t *n)
{
	if (d->fold_raw) {
		*n = d->fold_len;
		return m->raw.p + d->fold_off;
	}
	*n = d->fold.len;
	return d->fold.p;
}

static void flush_fold(struct http_state *st, struct http_dir *d, struct http_msg *m)
{
	const uint8_t *p;
	uint32_t n;

	if (d->fold_set) {
		p = pending(d, m, &n);
		header_field(st, m, d->dir, p, n, d->fold_raw);
	}
	d->fold_set = 0;
	d->fold_raw = 0;
	d->fold.len = 0;
}

void http_headers_flush(struct http_state *st, struct http_dir *d, struct http_msg *m)
{
	flush_fold(st, d, m);
}

/* A continuation line: the pending line moves to the fold buffer (if it
 * was read in place) and gets line appended. */
static void fold_append(struct http_state *st, struct http_dir *d, struct http_msg *m,
			const uint8_t *line, uint32_t len)
{
	if (d->fold_raw) {
		d->fold.len = 0;
		http_buf_add(st, &d->fold, m->raw.p + d->fold_off, d->fold_len,
			     HTTP_HDR_BYTES_MAX);
		d->fold_raw = 0;
	}
	http_buf_add(st, &d->fold, line, len, HTTP_HDR_BYTES_MAX);
}

/* libhtp's end of headers: an empty line ("\n", "\r\n", "\r", and the
 * "\r\n\r\n" line_end() makes one after LF CR), or a line of one blank
 * and LF when no LF follows it. */
static int headers_end(const uint8_t *raw, uint32_t raw_len, int next_is_lf)
{
	if (raw_len == 1)
		return raw[0] == '\n' || raw[0] == '\r';
	if (raw_len == 2 && raw[0] == '\r' && raw[1] == '\n')
		return 1;
	if (raw_len == 4 && memcmp(raw, "\r\n\r\n", 4) == 0)
		return 1;
	return raw_len == 2 && is_lws(raw[0]) && raw[1] == '\n' && !next_is_lf;
}

/* A continuation line of a response that looks like a header of its own
 * ("Name: value" after a blank, in HTTP/1.1) starts a new header without
 * its first byte, as libhtp does against folding evasions. */
static int fold_is_header(const struct http_dir *d, const struct http_msg *m,
			  const uint8_t *line, uint32_t len)
{
	const uint8_t *p;
	uint32_t n;

	if (d->dir != 1 || !d->tx || d->tx->res_proto != HTTP_P_11 || !memchr(line, ':', len))
		return 0;
	p = pending(d, m, &n);
	return n && memchr(p, ':', n);
}

int http_header_line(struct http_state *st, struct http_dir *d, struct http_msg *m,
		     const uint8_t *line, uint32_t len, uint32_t raw_len, const uint8_t *raw,
		     int next_is_lf)
{
	/* Where line (a prefix of raw) lands in m->raw, or -1 when it is not
	 * kept there whole. */
	int64_t at = -1;

	d->hdr_bytes += raw_len;
	if (d->hdr_bytes > HTTP_HDR_BYTES_MAX || ++d->n_lines > HTTP_HDR_COUNT_MAX * 4) {
		limit_event(st, m, d->dir, d->hdr_bytes <= HTTP_HDR_BYTES_MAX);
	} else if (!d->trailers) {
		uint32_t off = m->raw.len;
		/* Most header blocks are 100-500 bytes: the block starts at
		 * HTTP_RAW_FIRST rather than doubling (and copying) from 128. */
		if (!m->raw.cap)
			http_buf_reserve(st, &m->raw, HTTP_RAW_FIRST, HTTP_HDR_BYTES_MAX);
		if (http_buf_add(st, &m->raw, raw, raw_len, HTTP_HDR_BYTES_MAX) == raw_len)
			at = off;
	}
	if (headers_end(raw, raw_len, next_is_lf)) {
		flush_fold(st, d, m);
		return 1;
	}
	if (len && is_fold(line[0]) && d->fold_set) {
		if (!fold_is_header(d, m, line, len)) {
			fold_append(st, d, m, line, len);
			return 0;
		}
		fold_event(st, d, m);
		line++, len--, at += at >= 0;
	} else if (len && is_fold(line[0])) {
		fold_event(st, d, m);
	}
	flush_fold(st, d, m);
	d->fold_set = 1;
	if (at >= 0) {
		/* Read in place when it is flushed: no copy. */
		d->fold_raw = 1;
		d->fold_off = (uint32_t)at;
		d->fold_len = len;
		return 0;
	}
	http_buf_add(st, &d->fold, line, len, HTTP_HDR_BYTES_MAX);
	return 0;
}

/* The cooked block: "Name: value\r\n" per header, without Cookie (request)
 * or Set-Cookie (response), which have their own buffer. Only detection
 * reads it, so it is made on demand (see http_msg_finish). */
/* Appends "Name: value\r\n" to b for each header of m but those whose id
 * is skip (HTTP_H_COUNT: none skipped). */
static void add_fields(struct http_state *st, struct http_buf *b, const struct http_msg *m,
		       unsigned skip)
{
	for (uint16_t i = 0; i < m->n_hdr; i++) {
		const struct http_hdr *h = &m->hdr[i];
		if (h->id == skip)
			continue;
		http_buf_add(st, b, http_hdr_name(m, h), h->name_len, HTTP_ARENA_MAX);
		http_buf_add(st, b, ": ", 2, HTTP_ARENA_MAX);
		http_buf_add(st, b, http_hdr_value(m, h), h->value_len, HTTP_ARENA_MAX);
		http_buf_add(st, b, "\r\n", 2, HTTP_ARENA_MAX);
	}
}

static void make_cooked(struct http_state *st, struct http_msg *m)
{
	uint8_t skip = m->cook == 2 ? HTTP_H_SET_COOKIE : HTTP_H_COOKIE;

	m->cook = 0;
	m->cooked.len = 0;
	add_fields(st, &m->cooked, m, skip);
}

void http_msg_finish(struct http_msg *m, int dir)
{
	m->cook = (uint8_t)(1 + (dir != 0));
}

const struct http_buf *http_msg_cooked(struct http_state *st, struct http_msg *m)
{
	if (m->cook)
		make_cooked(st, m);
	return &m->cooked;
}

const struct http_buf *http_msg_names(struct http_state *st, struct http_msg *m)
{
	if (m->names_hdrs == (uint16_t)(m->n_hdr + 1))
		return &m->names;
	m->names.len = 0;
	http_buf_add(st, &m->names, "\r\n", 2, HTTP_ARENA_MAX);
	for (uint16_t i = 0; i < m->n_hdr; i++) {
		const struct http_hdr *h = &m->hdr[i];
		http_buf_add(st, &m->names, http_hdr_name(m, h), h->name_len, HTTP_ARENA_MAX);
		http_buf_add(st, &m->names, "\r\n", 2, HTTP_ARENA_MAX);
	}
	http_buf_add(st, &m->names, "\r\n", 2, HTTP_ARENA_MAX);
	m->names_hdrs = (uint16_t)(m->n_hdr + 1);
	return &m->names;
}

const struct http_buf *http_msg_start(struct http_state *st, struct http_msg *m)
{
	if (m->start_hdrs == (uint16_t)(m->n_hdr + 1))
		return &m->start;
	m->start.len = 0;
	if (m->line.len)
		http_buf_add(st, &m->start, m->line.p, m->line.len, HTTP_ARENA_MAX);
	http_buf_add(st, &m->start, "\r\n", 2, HTTP_ARENA_MAX);
	add_fields(st, &m->start, m, HTTP_H_COUNT);
	http_buf_add(st, &m->start, "\r\n", 2, HTTP_ARENA_MAX);
	m->start_hdrs = (uint16_t)(m->n_hdr + 1);
	return &m->start;
}

const struct http_hdr *http_hdr_find_name(const struct http_msg *m, const char *name)
{
	size_t n = strlen(name);

	for (uint16_t i = 0; i < m->n_hdr; i++) {
		const struct http_hdr *h = &m->hdr[i];
		if (h->id != HTTP_H_OTHER || h->name_len != n)
			continue;
		const uint8_t *p = http_hdr_name(m, h);
		size_t k = 0;
		while (k < n && (p[k] | 0x20) == (uint8_t)name[k])
			k++;
		if (k == n)
			return h;
	}
	return NULL;
}

void http_msg_free(struct http_state *st, struct http_msg *m)
{
	http_buf_free(st, &m->line);
	http_buf_free(st, &m->raw);
	http_buf_free(st, &m->arena);
	http_buf_free(st, &m->cooked);
	http_buf_free(st, &m->names);
	http_buf_free(st, &m->start);
	if (m->hdr) {
		http_mem_credit(st, (size_t)m->cap_hdr * sizeof *m->hdr);
		http_block_free(st, m->hdr, (size_t)m->cap_hdr * sizeof *m->hdr);
	}
	memset(m, 0, sizeof *m);
}
