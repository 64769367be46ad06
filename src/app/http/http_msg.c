/*
 * http_msg.c - the text parts of an HTTP/1.x message: line assembly across
 * stream chunks, the request line, the status line and header lines
 * (folding, repeats merged, limits), and the cooked header block that
 * detection reads as http.header.
 *
 * App stage, called by http.c's state machine. Parsing follows what
 * Suricata's HTTP library (libhtp, IDS personality) does with odd input, so
 * that the EVE fields agree with Suricata's: the method is the first token,
 * the URI ends at the next space, the protocol is the rest of the line; a
 * header without a colon has an empty name; repeated headers are joined
 * with ", " (Content-Length keeps its first value).
 */
#include <string.h>

#include "app/http/http_int.h"
#include "util/alloc.h"

/* ------------------------------------------------------- char classes */

static int is_space(uint8_t c)
{
	return c == ' ' || c == '\t' || c == '\r' || c == '\n' || c == '\v' || c == '\f';
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

/* A token character (RFC 9110 5.6.2): visible ASCII but the separators. */
static int is_token(uint8_t c)
{
	switch (c) {
	case '(': case ')': case '<': case '>': case '@': case ',': case ';': case ':':
	case '\\': case '"': case '/': case '[': case ']': case '?': case '=': case '{':
	case '}':
		return 0;
	}
	return c > 32 && c < 127;
}

static uint8_t lower(uint8_t c)
{
	return c >= 'A' && c <= 'Z' ? (uint8_t)(c + 32) : c;
}

/* ---------------------------------------------------------- lines */

/* Index just past the first line terminator in data, or 0 when the line
 * goes on (or its end depends on a byte not there yet). `first`: data[0]
 * starts the line. Modes (libhtp's, measured on evasion captures):
 * - LF: only LF ends a line;
 * - STATUS: a CR not followed by LF ends the line too;
 * - HEADER: an LF followed by CR takes that CR into the line end; a CR
 *   followed by CR, or a CR that starts the line, is part of the line; any
 *   other CR not followed by LF ends the line. */
static uint32_t line_end(const uint8_t *data, uint32_t len, int mode, int first)
{
	const uint8_t *lf;

	if (mode == HTTP_EOL_LF) {
		lf = memchr(data, '\n', len);
		return lf ? (uint32_t)(lf - data) + 1 : 0;
	}
	for (uint32_t i = 0; i < len; i++) {
		if (data[i] == '\n') {
			if (mode == HTTP_EOL_HEADER && i + 1 < len && data[i + 1] == '\r')
				return i + 2;
			return i + 1;
		}
		if (data[i] != '\r')
			continue;
		if (i + 1 == len)
			return 0;
		if (data[i + 1] == '\n')
			return i + 2;
		if (mode == HTTP_EOL_HEADER && (data[i + 1] == '\r' || (first && i == 0)))
			continue;
		return i + 1;
	}
	return 0;
}

/* The previous chunk left a line ending in CR: does data[0] end it? */
static int cr_ends_line(const struct http_dir *d, const uint8_t *data, uint32_t len, int mode)
{
	if (mode == HTTP_EOL_LF || !d->cur.len || d->cur_over || !len ||
	    d->cur.p[d->cur.len - 1] != '\r' || data[0] == '\n')
		return 0;
	return !(mode == HTTP_EOL_HEADER && (data[0] == '\r' || d->cur.len == 1));
}

int http_take_line(struct http_state *st, struct http_dir *d, const uint8_t *data, uint32_t len,
		   uint32_t max, int mode, uint32_t *used, const uint8_t **line, uint32_t *line_len,
		   uint32_t *raw_len)
{
	uint32_t end, n;
	const uint8_t *p;
	uint32_t plen;

	if (d->cur_done) {
		d->cur.len = 0;
		d->cur_over = 0;
		d->cur_done = 0;
	}
	if (cr_ends_line(d, data, len, mode)) {
		*used = 0;
		p = d->cur.p;
		plen = d->cur.len;
		goto done;
	}
	end = line_end(data, len, mode, d->cur.len == 0);
	n = end ? end : len;
	*used = n;
	if (!end || d->cur.len || d->cur_over) {
		/* The line spans chunks: keep what fits, skip the rest. */
		uint32_t room = max > d->cur.len ? max - d->cur.len : 0;
		uint32_t take = n < room ? n : room;
		if (!d->cur_over && http_buf_add(st, &d->cur, data, take, max) < n)
			d->cur_over = 1;
		if (!end)
			return 0;
		p = d->cur.p;
		plen = d->cur.len;
	} else {
		p = data;
		plen = n;
	}
done:
	*raw_len = plen;
	while (plen && (p[plen - 1] == '\n' || p[plen - 1] == '\r'))
		plen--;
	*line = p;
	*line_len = plen;
	d->cur_done = 1;
	return 1;
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
	const uint8_t *p = tx->req.line.p;
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
	bad = 0;
	while (pos < n && p[pos] != ' ')
		bad |= is_space(p[pos++]);
	if (bad)
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

int64_t http_parse_content_length(const uint8_t *v, size_t n, int *junk)
{
	size_t i = 0, digits = 0;
	int64_t r = 0;

	*junk = 0;
	/* libhtp skips anything before the digits (with a warning). */
	while (i < n && (v[i] < '0' || v[i] > '9')) {
		*junk |= !is_space(v[i]) && v[i] != '+';
		i++;
	}
	for (; i < n && v[i] >= '0' && v[i] <= '9'; i++, digits++) {
		if (r > (INT64_MAX - 9) / 10)
			return -1;
		r = r * 10 + (v[i] - '0');
	}
	if (!digits)
		return -1;
	while (i < n && is_space(v[i]))
		i++;
	*junk |= i < n;
	return r;
}

static int name_eq(const struct http_msg *m, const struct http_hdr *h, const uint8_t *name,
		   size_t n)
{
	const uint8_t *a = http_hdr_name(m, h);

	if (h->name_len != n)
		return 0;
	for (size_t i = 0; i < n; i++)
		if (lower(a[i]) != lower(name[i]))
			return 0;
	return 1;
}

const struct http_hdr *http_hdr_find(const struct http_msg *m, const char *lname)
{
	size_t n = strlen(lname);

	for (uint16_t i = 0; i < m->n_hdr; i++)
		if (name_eq(m, &m->hdr[i], (const uint8_t *)lname, n))
			return &m->hdr[i];
	return NULL;
}

/* Headers kept even past the limits: they decide framing and decoding. */
static int essential(const uint8_t *name, size_t n)
{
	static const char *const names[] = { "content-length", "transfer-encoding",
					     "content-encoding", "content-type", "host" };
	for (size_t k = 0; k < sizeof names / sizeof names[0]; k++) {
		size_t len = strlen(names[k]), i = 0;
		if (len != n)
			continue;
		while (i < n && lower(name[i]) == (uint8_t)names[k][i])
			i++;
		if (i == n)
			return 1;
	}
	return 0;
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

	h->repeated = 1;
	if (name_eq(m, h, (const uint8_t *)"content-length", 14)) {
		int j1, j2;
		int64_t a = http_parse_content_length(http_hdr_value(m, h), h->value_len, &j1);
		int64_t b = http_parse_content_length(v, vn, &j2);
		if (a < 0 || b < 0 || a != b)
			http_event(st, dir, dir ? "DUPLICATE_CONTENT_LENGTH_FIELD_IN_RESPONSE"
						: "DUPLICATE_CONTENT_LENGTH_FIELD_IN_REQUEST");
		return;
	}
	if (m->arena.len + (uint64_t)old + 2 + vn > HTTP_ARENA_MAX) {
		limit_event(st, m, dir, 0);
		return;
	}
	/* The old value is copied first: the arena may move while growing. */
	if (http_buf_add(st, &m->arena, NULL, old + 2 + vn, HTTP_ARENA_MAX) != old + 2 + vn) {
		m->arena.len = start;
		return;
	}
	memmove(m->arena.p + start, m->arena.p + h->value_off, old);
	memcpy(m->arena.p + start + old, ", ", 2);
	if (vn)
		memcpy(m->arena.p + start + old + 2, v, vn);
	h->value_off = start;
	h->value_len = old + 2 + vn;
}

static void add_header(struct http_state *st, struct http_msg *m, int dir, const uint8_t *name,
		       uint32_t nn, const uint8_t *v, uint32_t vn)
{
	struct http_hdr *h;

	for (uint16_t i = 0; i < m->n_hdr; i++) {
		if (name_eq(m, &m->hdr[i], name, nn)) {
			merge(st, m, dir, &m->hdr[i], v, vn);
			return;
		}
	}
	if (m->n_hdr >= HTTP_HDR_COUNT_MAX) {
		limit_event(st, m, dir, 1);
		return;
	}
	if (nn > UINT16_MAX || m->arena.len + (uint64_t)nn + vn > HTTP_ARENA_MAX) {
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
	h->name_off = m->arena.len;
	h->name_len = (uint16_t)nn;
	if (http_buf_add(st, &m->arena, name, nn, HTTP_ARENA_MAX) != nn)
		return;
	h->value_off = m->arena.len;
	h->value_len = vn;
	if (http_buf_add(st, &m->arena, v, vn, HTTP_ARENA_MAX) != vn)
		return;
	m->n_hdr++;
}

/* Splits a complete (unfolded) header line into name and value. */
static void header_field(struct http_state *st, struct http_msg *m, int dir, const uint8_t *p,
			 uint32_t n)
{
	uint32_t colon = 0, ne, vs, ve;
	int invalid = 0;

	while (colon < n && p[colon] != ':' && p[colon] != 0)
		colon++;
	if (colon == n || p[colon] == 0) {
		http_event(st, dir, dir ? "RESPONSE_FIELD_MISSING_COLON"
					: "REQUEST_FIELD_MISSING_COLON");
		add_header(st, m, dir, p, 0, p, n);
		return;
	}
	ne = colon;
	invalid = colon == 0;
	while (ne > 0 && is_lws(p[ne - 1])) {
		ne--;
		invalid = 1;
	}
	for (uint32_t i = 0; i < ne && !invalid; i++)
		invalid = !is_token(p[i]);
	if (invalid)
		http_event(st, dir, dir ? "RESPONSE_HEADER_INVALID" : "REQUEST_HEADER_INVALID");
	vs = colon + 1;
	while (vs < n && is_lws(p[vs]))
		vs++;
	ve = n;
	while (ve > vs && is_lws(p[ve - 1]))
		ve--;
	if (m->overflow && !essential(p, ne))
		return;
	add_header(st, m, dir, p, ne, p + vs, ve - vs);
}

static void fold_event(struct http_state *st, struct http_dir *d, struct http_msg *m)
{
	if (m->bad_fold)
		return;
	m->bad_fold = 1;
	http_event(st, d->dir, d->dir ? "INVALID_RESPONSE_FIELD_FOLDING"
				      : "INVALID_REQUEST_FIELD_FOLDING");
}

static void flush_fold(struct http_state *st, struct http_dir *d, struct http_msg *m)
{
	if (d->fold_set)
		header_field(st, m, d->dir, d->fold.p, d->fold.len);
	d->fold_set = 0;
	d->fold.len = 0;
}

/* libhtp's end of headers: an empty line ("\n", "\r\n", "\r"), or a line
 * of one blank and LF when no LF follows it. */
static int headers_end(const uint8_t *raw, uint32_t raw_len, int next_is_lf)
{
	if (raw_len == 1)
		return raw[0] == '\n' || raw[0] == '\r';
	if (raw_len == 2 && raw[0] == '\r' && raw[1] == '\n')
		return 1;
	return raw_len == 2 && is_lws(raw[0]) && raw[1] == '\n' && !next_is_lf;
}

/* A continuation line of a response that looks like a header of its own
 * ("Name: value" after a blank, in HTTP/1.1) starts a new header without
 * its first byte, as libhtp does against folding evasions. */
static int fold_is_header(const struct http_dir *d, const uint8_t *line, uint32_t len)
{
	return d->dir == 1 && d->tx && d->tx->res_proto == HTTP_P_11 &&
	       memchr(line, ':', len) && d->fold.len && memchr(d->fold.p, ':', d->fold.len);
}

int http_header_line(struct http_state *st, struct http_dir *d, struct http_msg *m,
		     const uint8_t *line, uint32_t len, uint32_t raw_len, const uint8_t *raw,
		     int next_is_lf)
{
	d->hdr_bytes += raw_len;
	if (d->hdr_bytes > HTTP_HDR_BYTES_MAX || ++d->n_lines > HTTP_HDR_COUNT_MAX * 4)
		limit_event(st, m, d->dir, d->hdr_bytes <= HTTP_HDR_BYTES_MAX);
	else if (!d->trailers)
		http_buf_add(st, &m->raw, raw, raw_len, HTTP_HDR_BYTES_MAX);
	if (headers_end(raw, raw_len, next_is_lf)) {
		flush_fold(st, d, m);
		return 1;
	}
	if (len && is_fold(line[0]) && d->fold_set) {
		if (!fold_is_header(d, line, len)) {
			http_buf_add(st, &d->fold, line, len, HTTP_HDR_BYTES_MAX);
			return 0;
		}
		fold_event(st, d, m);
		line++, len--;
	} else if (len && is_fold(line[0])) {
		fold_event(st, d, m);
	}
	flush_fold(st, d, m);
	d->fold.len = 0;
	http_buf_add(st, &d->fold, line, len, HTTP_HDR_BYTES_MAX);
	d->fold_set = 1;
	return 0;
}

/* The cooked block: "Name: value\r\n" per header, without Cookie (request)
 * or Set-Cookie (response), which have their own buffer. */
void http_msg_finish(struct http_state *st, struct http_msg *m, int dir)
{
	const char *skip = dir ? "set-cookie" : "cookie";
	size_t skip_len = strlen(skip);

	m->cooked.len = 0;
	for (uint16_t i = 0; i < m->n_hdr; i++) {
		const struct http_hdr *h = &m->hdr[i];
		if (name_eq(m, h, (const uint8_t *)skip, skip_len))
			continue;
		http_buf_add(st, &m->cooked, http_hdr_name(m, h), h->name_len, HTTP_ARENA_MAX);
		http_buf_add(st, &m->cooked, ": ", 2, HTTP_ARENA_MAX);
		http_buf_add(st, &m->cooked, http_hdr_value(m, h), h->value_len, HTTP_ARENA_MAX);
		http_buf_add(st, &m->cooked, "\r\n", 2, HTTP_ARENA_MAX);
	}
}

void http_msg_free(struct http_state *st, struct http_msg *m)
{
	http_buf_free(st, &m->line);
	http_buf_free(st, &m->raw);
	http_buf_free(st, &m->arena);
	http_buf_free(st, &m->cooked);
	if (m->hdr) {
		http_mem_credit(st, (size_t)m->cap_hdr * sizeof *m->hdr);
		http_block_free(st, m->hdr, (size_t)m->cap_hdr * sizeof *m->hdr);
	}
	memset(m, 0, sizeof *m);
}

/* ------------------------------------------------------ value matching */

int http_value_has(const uint8_t *v, size_t n, const char *needle)
{
	for (size_t s = 0; s < n; s++) {
		size_t i = s, k = 0;
		while (needle[k] && i < n) {
			if (v[i] == 0) {
				i++;
				continue;
			}
			if (lower(v[i]) != (uint8_t)needle[k])
				break;
			i++, k++;
		}
		if (!needle[k])
			return 1;
	}
	return 0;
}

int http_value_is(const uint8_t *v, size_t n, const char *s)
{
	size_t k = 0;

	for (size_t i = 0; i < n; i++) {
		if (v[i] == 0)
			continue;
		if (!s[k] || lower(v[i]) != (uint8_t)s[k])
			return 0;
		k++;
	}
	return !s[k];
}

/* ------------------------------------------------ message boundaries */

int http_line_is_request(const uint8_t *line, uint32_t len)
{
	uint32_t pos = 0, start;

	while (pos < len && is_space(line[pos]))
		pos++;
	start = pos;
	while (pos < len && !is_space(line[pos]))
		pos++;
	return http_method_lookup(line + start, pos - start) != HTTP_M_UNKNOWN;
}

int http_line_is_response(const uint8_t *line, uint32_t len)
{
	uint32_t pos = 0;

	while (pos < len && (is_space(line[pos]) || line[pos] == 0))
		pos++;
	if (len - pos < 4)
		return 0;
	return lower(line[pos]) == 'h' && lower(line[pos + 1]) == 't' &&
	       lower(line[pos + 2]) == 't' && lower(line[pos + 3]) == 'p';
}
