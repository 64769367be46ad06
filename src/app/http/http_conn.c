/*
 * http_conn.c - the per-direction state machine of the HTTP/1.x parser:
 * cuts each direction's byte stream into messages (line, headers, body
 * framing) and pairs requests with responses into transactions.
 *
 * App stage, driven by http.c. Direction 0 carries requests, direction 1
 * responses. Requests may be pipelined; responses pair with them in order,
 * and a response with no request left gets a transaction of its own (as
 * Suricata's libhtp does: its URI is "/libhtp::request_uri_not_seen").
 * Interim 1xx responses do not complete a transaction; a successful
 * CONNECT, or a 101, makes the rest of the flow a tunnel that is ignored.
 *
 * Message boundaries follow libhtp where input is odd, so that the EVE
 * fields agree with Suricata's: after a complete message, the next line
 * starts a new message only if it looks like one (a known method, or
 * "HTTP" on the response side), otherwise it is more body of the message
 * before; and when a chunk of stream data ends right after a message, that
 * message is complete (http.c checks at the end of every chunk).
 */
#include <string.h>
#include <strings.h>

#include "app/http/http_int.h"

static void dir_reset(struct http_dir *d)
{
	d->trailers = 0;
	d->fold_set = 0;
	d->fold_raw = 0;
	d->fold.len = 0;
	d->left = 0;
	d->hdr_bytes = 0;
	d->n_lines = 0;
}

/* The message of direction d is complete: its body/file closes, the
 * transaction may be logged. */
static void complete_message(struct http_state *st, struct http_dir *d)
{
	struct http_tx *tx = d->tx;

	if (d->st != HTTP_ST_TUNNEL && d->st != HTTP_ST_DEAD)
		d->st = HTTP_ST_IDLE;
	dir_reset(d);
	if (!tx)
		return;
	http_body_end(st, tx, d->dir, tx->body[d->dir].done);
	if (d->dir == 0)
		tx->req_done = 1;
	else
		tx->res_done = 1;
	d->tx = NULL;
	http_try_log(st, 0);
}

static void body_done(struct http_dir *d)
{
	d->trailers = 0;
	if (d->tx)
		d->tx->body[d->dir].done = 1;
	d->st = HTTP_ST_FINALIZE;
}

/* ------------------------------------------------------- request side */

/* libhtp's check after a request line without protocol: does the rest of
 * this chunk start with something like "Name:"? Then it is HTTP/1.x with a
 * missing protocol and headers follow. */
static int looks_like_header(const uint8_t *p, uint32_t n)
{
	int after_space = 0;

	for (uint32_t i = 0; i < n; i++) {
		if (p[i] == ':')
			return 1;
		if (p[i] == ' ' || p[i] == '\t')
			after_space = 1;
		else if (after_space || p[i] == '\r' || p[i] == '\n' || p[i] == '\v' ||
			 p[i] == '\f')
			return 0;
	}
	return 0;
}

static void start_request(struct http_state *st, struct http_dir *d, const uint8_t *line,
			  uint32_t n, const uint8_t *rest, uint32_t rest_len)
{
	struct http_tx *tx = d->tx;

	http_parse_request_line(st, tx, line, n);
	if (tx->uri.set)
		http_uri_parse(st, tx, tx->req.line.p + tx->uri.off, tx->uri.len,
			       tx->method_id == HTTP_M_CONNECT);
	dir_reset(d);
	/* No protocol: HTTP/0.9, no headers, unless headers follow at once. */
	if (!tx->proto.set && !looks_like_header(rest, rest_len)) {
		d->st = HTTP_ST_FINALIZE;
		return;
	}
	d->st = HTTP_ST_HEADERS;
}

static int has_token(const uint8_t *v, uint32_t n, const char *tok)
{
	size_t tl = strlen(tok);
	uint32_t i = 0;

	while (i < n) {
		uint32_t s, e;
		while (i < n && (v[i] == ' ' || v[i] == '\t' || v[i] == ','))
			i++;
		s = i;
		while (i < n && v[i] != ',')
			i++;
		e = i;
		while (e > s && (v[e - 1] == ' ' || v[e - 1] == '\t'))
			e--;
		if (e - s == tl && strncasecmp((const char *)v + s, tok, tl) == 0)
			return 1;
	}
	return 0;
}

static void request_headers_done(struct http_state *st, struct http_dir *d)
{
	struct http_tx *tx = d->tx;
	const struct http_hdr *te = http_hdr_find(&tx->req, HTTP_H_TRANSFER_ENCODING);
	const struct http_hdr *cl = http_hdr_find(&tx->req, HTTP_H_CONTENT_LENGTH);
	int junk;

	tx->req_hdrs_done = 1;
	http_msg_finish(&tx->req, 0);
	http_host_derive(st, tx);
	http_assets(st, tx, 0);
	if (tx->method_id == HTTP_M_CONNECT) {
		d->st = HTTP_ST_WAIT;   /* the response decides: tunnel or not */
		return;
	}
	http_body_start(st, tx, 0);
	http_mp_start(st, tx);
	if (te) {
		if (has_token(http_hdr_value(&tx->req, te), te->value_len, "chunked")) {
			d->st = HTTP_ST_CHUNK_LEN;
			return;
		}
		http_event(st, 0, "INVALID_TRANSFER_ENCODING_VALUE_IN_REQUEST");
	} else if (cl) {
		int64_t v = http_parse_content_length(http_hdr_value(&tx->req, cl),
						      cl->value_len, &junk);
		if (v < 0) {
			http_event(st, 0, "INVALID_CONTENT_LENGTH_FIELD_IN_REQUEST");
		} else if (v > 0) {
			d->left = (uint64_t)v;
			tx->body[0].expect = (uint64_t)v;
			d->st = HTTP_ST_BODY_CL;
			return;
		}
	}
	body_done(d);
}

/* ------------------------------------------------------ response side */

static void tunnel(struct http_state *st)
{
	st->d[0].st = HTTP_ST_TUNNEL;
	st->d[1].st = HTTP_ST_TUNNEL;
}

/* The request side was waiting on a CONNECT: its message is complete. */
static void release_connect(struct http_state *st, struct http_tx *tx, int tunnelled)
{
	struct http_dir *q = &st->d[0];

	if (q->st == HTTP_ST_WAIT && q->tx == tx) {
		tx->body[0].done = 1;
		if (tunnelled)
			q->st = HTTP_ST_TUNNEL;
		complete_message(st, q);
	}
}

/* Interim 1xx response: its headers are forgotten (its status stays until
 * the real response's line replaces it). Returns 0 when one too many was
 * seen. */
static int interim(struct http_state *st, struct http_dir *d, struct http_tx *tx)
{
	struct http_buf line;

	if (tx->status_num == 100 && tx->seen_100)
		http_event(st, 1, "100_CONTINUE_ALREADY_SEEN");
	if (++tx->n_interim > 8)
		return 0;
	if (tx->status_num == 100)
		tx->seen_100 = 1;
	line = tx->res.line;
	memset(&tx->res.line, 0, sizeof tx->res.line);
	http_msg_free(st, &tx->res);
	tx->res.line = line;
	tx->res_hdrs_done = 0;
	dir_reset(d);
	d->st = HTTP_ST_LINE;
	return 1;
}

/* Framing of a response body (libhtp's order of rules). */
static void response_framing(struct http_state *st, struct http_dir *d, struct http_tx *tx,
			     const struct http_hdr *te, const struct http_hdr *cl)
{
	const struct http_hdr *ct = http_hdr_find(&tx->res, HTTP_H_CONTENT_TYPE);
	int junk;

	http_body_start(st, tx, 1);
	if (te && http_value_has(http_hdr_value(&tx->res, te), te->value_len, "chunked")) {
		if (te->value_len != 7 ||
		    strncasecmp((const char *)http_hdr_value(&tx->res, te), "chunked", 7) != 0)
			http_event(st, 1, "RESPONSE_ABNORMAL_TRANSFER_ENCODING");
		if (tx->res_proto < HTTP_P_11)
			http_event(st, 1, "RESPONSE_CHUNKED_OLD_PROTO");
		d->st = HTTP_ST_CHUNK_LEN;
	} else if (cl) {
		int64_t v = http_parse_content_length(http_hdr_value(&tx->res, cl),
						      cl->value_len, &junk);
		if (v < 0) {
			http_event(st, 1, "INVALID_CONTENT_LENGTH_FIELD_IN_RESPONSE");
			d->st = HTTP_ST_DEAD;
		} else if (v == 0) {
			body_done(d);
		} else {
			d->left = (uint64_t)v;
			tx->body[1].expect = (uint64_t)v;
			d->st = HTTP_ST_BODY_CL;
		}
	} else {
		/* Self-delimiting byteranges are not parsed (libhtp neither). */
		if (ct && http_value_has(http_hdr_value(&tx->res, ct), ct->value_len,
					 "multipart/byteranges"))
			http_event(st, 1, "RESPONSE_MULTIPART_BYTERANGES");
		d->st = HTTP_ST_BODY_CLOSE;
	}
}

static void response_headers_done(struct http_state *st, struct http_dir *d)
{
	struct http_tx *tx = d->tx;
	const struct http_hdr *te = http_hdr_find(&tx->res, HTTP_H_TRANSFER_ENCODING);
	const struct http_hdr *cl = http_hdr_find(&tx->res, HTTP_H_CONTENT_LENGTH);
	int32_t s = tx->status_num;
	int junk;

	tx->res_hdrs_done = 1;
	http_msg_finish(&tx->res, 1);
	if (tx->method_id == HTTP_M_CONNECT) {
		int ok = s >= 200 && s <= 299;
		release_connect(st, tx, ok);
		if (ok) {
			http_assets(st, tx, 1);
			body_done(d);
			tunnel(st);
			tx->body[1].done = 1;
			complete_message(st, d);
			tunnel(st);
			/* The tunnel's protocol (TLS, mostly) is detected anew; the
			 * flow then logs app_proto_orig "http", as Suricata. */
			if (st->c)
				kn_app_switch(st->c, 1, NULL, 0);
			return;
		}
	}
	if (s == 101 && !te && !cl) {
		http_assets(st, tx, 1);
		tx->body[1].done = 1;
		tunnel(st);
		complete_message(st, d);
		return;
	}
	if (s >= 100 && s <= 199 && !te &&
	    (!cl || http_parse_content_length(http_hdr_value(&tx->res, cl), cl->value_len,
					      &junk) <= 0)) {
		if (!interim(st, d, tx))
			body_done(d);   /* too many: this one is final */
		return;
	}
	http_assets(st, tx, 1);
	if (tx->method_id == HTTP_M_HEAD ||
	    ((s == 204 || s == 304 || (s >= 100 && s <= 199)) && !te && !cl)) {
		body_done(d);
		return;
	}
	response_framing(st, d, tx, te, cl);
}

/* --------------------------------------------------------- handlers */

static int line_pending(const struct http_dir *d)
{
	return !d->cur_done && (d->cur.len || d->cur_over);
}

/* Starts the next message of direction d: a new transaction for a
 * request, the oldest unanswered one for a response. */
static void next_message(struct http_state *st, struct http_dir *d)
{
	struct http_tx *tx;

	if (d->dir == 0) {
		tx = http_tx_new(st);
		if (!tx) {
			d->st = HTTP_ST_DEAD;
			return;
		}
		d->tx = tx;
		d->st = HTTP_ST_LINE;
		return;
	}
	tx = st->res_next;
	if (!tx) {
		http_event(st, 1, "UNABLE_TO_MATCH_RESPONSE_TO_REQUEST");
		tx = http_tx_new(st);
		if (!tx) {
			d->st = HTTP_ST_DEAD;
			return;
		}
		tx->uri_not_seen = 1;
		tx->req_done = 1;
		http_uri_parse(st, tx, (const uint8_t *)HTTP_URI_NOT_SEEN,
			       sizeof HTTP_URI_NOT_SEEN - 1, 0);
	}
	st->res_next = tx->next;
	d->tx = tx;
	dir_reset(d);
	d->st = HTTP_ST_LINE;
}

static void start_response(struct http_state *st, struct http_dir *d, const uint8_t *line,
			   uint32_t n)
{
	http_parse_status_line(st, d->tx, line, n);
	dir_reset(d);
	d->st = HTTP_ST_HEADERS;
}

static uint32_t on_req_line(struct http_state *st, struct http_dir *d, const uint8_t *data,
			    uint32_t len)
{
	const uint8_t *line;
	uint32_t n, raw, used;

	if (!http_take_line(st, d, data, len, HTTP_LINE_MAX, 0, &used, &line, &n, &raw) &&
	    !d->cur_over)
		return used;
	if (d->cur_over) {
		/* No request line is that long: this is not HTTP any more. */
		http_event(st, 0, "REQUEST_FIELD_TOO_LONG");
		d->st = HTTP_ST_DEAD;
		return used;
	}
	if (n)
		start_request(st, d, line, n, data + used, len - used);
	return used;
}

static uint32_t on_res_line(struct http_state *st, struct http_dir *d, const uint8_t *data,
			    uint32_t len)
{
	const uint8_t *line;
	uint32_t n, raw, used;

	if (!http_take_line(st, d, data, len, HTTP_LINE_MAX, HTTP_EOL_STATUS, &used, &line, &n,
			    &raw) && !d->cur_over)
		return used;
	if (d->cur_over) {
		http_event(st, 1, "RESPONSE_FIELD_TOO_LONG");
		d->st = HTTP_ST_DEAD;
		return used;
	}
	if (!n)
		return used;
	if (http_line_is_response(line, n)) {
		start_response(st, d, line, n);
		return used;
	}
	/* Not a status line: libhtp skips it when a status line seems to
	 * follow, else the response has no headers and its body starts with
	 * this line: it lasts until the connection closes, or, when this
	 * chunk of data ends with the line, it ends here. */
	if ((used + 1 < len && data[used] == 'H') || n <= 2)
		return used;
	http_body_data(st, d->tx, 1, line, raw);
	d->st = used == len ? HTTP_ST_FINALIZE : HTTP_ST_BODY_CLOSE;
	return used;
}

/* One header line of data[0..len): returns the bytes used. */
static uint32_t header_line(struct http_state *st, struct http_dir *d, struct http_msg *m,
			    const uint8_t *data, uint32_t len)
{
	const uint8_t *line;
	uint32_t n, raw, used;

	int done = http_take_line(st, d, data, len, HTTP_HDR_BYTES_MAX,
				  d->dir ? HTTP_EOL_HEADER : HTTP_EOL_LF, &used, &line, &n, &raw);

	if (d->cur_over) {
		/* An over-long header line is skipped to its end. */
		if (!m->overflow)
			http_event(st, d->dir, d->dir ? "RESPONSE_FIELD_TOO_LONG"
						      : "REQUEST_FIELD_TOO_LONG");
		m->overflow = 1;
		if (done)
			d->hdr_bytes += raw;
		return used;
	}
	if (!done)
		return used;
	if (!http_header_line(st, d, m, line, n, raw, line, used < len && data[used] == '\n'))
		return used;
	if (d->trailers) {
		http_msg_finish(m, d->dir);
		body_done(d);
	} else if (d->dir == 0) {
		request_headers_done(st, d);
	} else {
		response_headers_done(st, d);
	}
	return used;
}

/* Header lines, as many as data holds while the headers go on (one loop
 * here rather than one trip through step() per line). A line that used no
 * byte (one the chunk before ended with a CR) ends this loop; the caller's
 * loop goes on with the same bytes. */
static uint32_t on_headers(struct http_state *st, struct http_dir *d, const uint8_t *data,
			   uint32_t len)
{
	struct http_msg *m = d->dir ? &d->tx->res : &d->tx->req;
	uint32_t pos = 0, used;

	do {
		used = header_line(st, d, m, data + pos, len - pos);
		pos += used;
	} while (used && pos < len && d->st == HTTP_ST_HEADERS && d->tx);
	return pos;
}

/* A chunk-size line: hex digits after optional blanks, anything after the
 * digits ignored (";" marks an extension). -2: blank line, -1: invalid. */
static int64_t chunk_len(const uint8_t *p, uint32_t n, int *ext)
{
	uint32_t i = 0, start;
	int64_t v = 0;

	*ext = 0;
	while (i < n && (p[i] == '\r' || p[i] == '\n' || p[i] == ' ' || p[i] == '\t' ||
			 p[i] == '\v' || p[i] == '\f'))
		i++;
	if (i == n)
		return -2;
	start = i;
	for (; i < n; i++) {
		uint8_t c = p[i];
		int x = c >= '0' && c <= '9' ? c - '0'
		      : c >= 'a' && c <= 'f' ? c - 'a' + 10
		      : c >= 'A' && c <= 'F' ? c - 'A' + 10 : -1;
		if (x < 0)
			break;
		v = v * 16 + x;
		if (v > INT32_MAX)
			return -1;
	}
	if (i == start)
		return -1;
	*ext = memchr(p + i, ';', n - i) != NULL;
	return v;
}

static int chunk_ctl(uint8_t c)
{
	return c == '\r' || c == '\n' || c == ' ' || c == '\t' || c == '\v' || c == '\f';
}

/* libhtp decides that a chunk-size line is not one before its LF: once 8
 * bytes of it are in one chunk of data and they do not look like
 * [blanks] hex digits [';' or blank ...], the next non-blank byte ends the
 * "line" there. Returns that length, or 0 when the line ends normally. */
static uint32_t chunk_probe_cut(const uint8_t *p, uint32_t len)
{
	int phase = 0;   /* 0 leading blanks, 1 hex digits, 2 fine, 3 bad */

	for (uint32_t i = 0; i < len; i++) {
		uint8_t c = p[i];
		int hex = (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F');
		if (c == '\n')
			return 0;
		if (phase == 0 && !chunk_ctl(c))
			phase = hex ? 1 : 3;
		else if (phase == 1 && !hex)
			phase = (c == ';' || c == ' ' || c == '\t') ? 2 : 3;
		if (phase == 3 && i >= 7 && !chunk_ctl(c))
			return i + 1;
	}
	return 0;
}

static uint32_t on_chunk_len(struct http_state *st, struct http_dir *d, const uint8_t *data,
			     uint32_t len)
{
	struct http_body *b = &d->tx->body[d->dir];
	const uint8_t *line;
	uint32_t n, raw, used, cut = 0;
	int64_t v;
	int ext = 0;

	if (d->cur_done || !d->cur.len)
		cut = chunk_probe_cut(data, len);
	if (cut) {
		if (d->cur_done) {
			d->cur.len = 0;
			d->cur_over = 0;
			d->cur_done = 0;
		}
		line = data, n = raw = used = cut;
	} else if (!http_take_line(st, d, data, len, HTTP_CHUNK_LINE_MAX, 0, &used, &line, &n,
				   &raw)) {
		return used;
	}
	v = d->cur_over ? -1 : chunk_len(line, n, &ext);
	if (v == -2) {
		b->wire_len += raw;
		return used;
	}
	if (v >= 0 && ext)
		http_event(st, d->dir, "REQUEST_CHUNK_EXTENSION");
	if (v < 0) {
		http_event(st, d->dir, d->dir ? "INVALID_RESPONSE_CHUNK_LEN"
					      : "INVALID_REQUEST_CHUNK_LEN");
		if (d->dir == 0) {
			d->st = HTTP_ST_DEAD;
		} else {
			/* Not chunked after all: the rest is body, this line
			 * included (libhtp counts its bytes twice). */
			b->wire_len += raw;
			d->st = HTTP_ST_BODY_CLOSE;
			http_body_data(st, d->tx, 1, line, raw);
		}
		return used;
	}
	b->wire_len += raw;
	if (v == 0) {
		d->trailers = 1;
		d->st = HTTP_ST_HEADERS;
	} else {
		d->left = (uint64_t)v;
		d->st = HTTP_ST_CHUNK_DATA;
	}
	return used;
}

static uint32_t on_body(struct http_state *st, struct http_dir *d, const uint8_t *data,
			uint32_t len)
{
	uint32_t n = len;

	if (d->st != HTTP_ST_BODY_CLOSE && d->left < n)
		n = (uint32_t)d->left;
	http_body_data(st, d->tx, d->dir, data, n);
	if (d->st == HTTP_ST_BODY_CLOSE)
		return n;
	d->left -= n;
	if (!d->left) {
		if (d->st == HTTP_ST_CHUNK_DATA)
			d->st = HTTP_ST_CHUNK_END;
		else
			body_done(d);
	}
	return n;
}

static uint32_t on_chunk_end(struct http_dir *d, const uint8_t *data, uint32_t len)
{
	const uint8_t *lf = memchr(data, '\n', len);
	uint32_t n = lf ? (uint32_t)(lf - data) + 1 : len;

	d->tx->body[d->dir].wire_len += n;
	if (lf)
		d->st = HTTP_ST_CHUNK_LEN;
	return n;
}

static int blank(const uint8_t *p, uint32_t n)
{
	for (uint32_t i = 0; i < n; i++)
		if (!(p[i] == ' ' || p[i] == '\t' || p[i] == '\r' || p[i] == '\n' ||
		      p[i] == '\v' || p[i] == '\f'))
			return 0;
	return 1;
}

/* After a message: a line that starts a new message completes it,
 * anything else is more body. */
static uint32_t on_finalize(struct http_state *st, struct http_dir *d, const uint8_t *data,
			    uint32_t len)
{
	const uint8_t *line;
	uint32_t n, raw, used;
	int is_new;

	if (!http_take_line(st, d, data, len, HTTP_LINE_MAX, 0, &used, &line, &n, &raw))
		return used;
	is_new = !d->cur_over && (d->dir ? http_line_is_response(line, n)
					 : http_line_is_request(line, n));
	if (!is_new) {
		if (d->dir == 0 && !blank(line, n))
			http_event(st, 0, "REQUEST_BODY_UNEXPECTED");
		if (d->tx)
			http_body_data(st, d->tx, d->dir, line, raw);
		return used;
	}
	complete_message(st, d);
	next_message(st, d);
	if (d->st == HTTP_ST_LINE && d->dir == 0)
		start_request(st, d, line, n, data + used, len - used);
	else if (d->st == HTTP_ST_LINE)
		start_response(st, d, line, n);
	return used;
}

static uint32_t step(struct http_state *st, struct http_dir *d, const uint8_t *data,
		     uint32_t len)
{
	if (!d->tx && d->st != HTTP_ST_IDLE && d->st != HTTP_ST_FINALIZE &&
	    d->st != HTTP_ST_TUNNEL && d->st != HTTP_ST_WAIT)
		d->st = HTTP_ST_DEAD;
	switch (d->st) {
	case HTTP_ST_IDLE:
		next_message(st, d);
		return 0;
	case HTTP_ST_LINE:
		return d->dir ? on_res_line(st, d, data, len) : on_req_line(st, d, data, len);
	case HTTP_ST_HEADERS:
		return on_headers(st, d, data, len);
	case HTTP_ST_BODY_CL:
	case HTTP_ST_CHUNK_DATA:
	case HTTP_ST_BODY_CLOSE:
		return on_body(st, d, data, len);
	case HTTP_ST_CHUNK_LEN:
		return on_chunk_len(st, d, data, len);
	case HTTP_ST_CHUNK_END:
		return on_chunk_end(d, data, len);
	case HTTP_ST_FINALIZE:
		return on_finalize(st, d, data, len);
	default:   /* WAIT, TUNNEL, DEAD: not parsed */
		return len;
	}
}

void http_conn_data(struct http_state *st, int dir, const uint8_t *data, uint32_t len)
{
	struct http_dir *d = &st->d[dir];

	while (len) {
		uint8_t before = d->st;
		uint32_t lines = d->lines;
		uint32_t used = step(st, d, data, len);
		data += used;
		len -= used;
		/* A step that used no byte may still have made progress: the
		 * line the previous chunk left ending in a CR is complete
		 * (data[0] is not its LF). Only a step with neither a byte, a
		 * line nor a state change ends the loop. */
		if (!used && d->st == before && d->lines == lines)
			break;
	}
	/* The chunk ended right after a message: it is complete (libhtp). */
	if (d->st == HTTP_ST_FINALIZE && !line_pending(d))
		complete_message(st, d);
}

void http_conn_gap(struct http_state *st, int dir, uint64_t len)
{
	struct http_dir *d = &st->d[dir];
	uint64_t n;

	switch (d->st) {
	case HTTP_ST_BODY_CL:
	case HTTP_ST_CHUNK_DATA:
		n = len < d->left ? len : d->left;
		http_body_gap(st, d->tx, dir, n);
		d->left -= n;
		if (n < len) {
			/* The gap goes past the body: the message ends there
			 * and what follows the gap is the next one (libhtp). */
			body_done(d);
			complete_message(st, d);
		} else if (!d->left && d->st == HTTP_ST_CHUNK_DATA)
			d->st = HTTP_ST_CHUNK_END;
		else if (!d->left)
			body_done(d);
		return;
	case HTTP_ST_BODY_CLOSE:
		http_body_gap(st, d->tx, dir, len);
		return;
	case HTTP_ST_FINALIZE:
		if (line_pending(d)) {
			d->st = HTTP_ST_DEAD;
			return;
		}
		complete_message(st, d);
		return;
	case HTTP_ST_IDLE:
		/* Between messages: the next bytes start a new one (whole
		 * messages may be lost, later ones pair in order as usual). */
		return;
	case HTTP_ST_TUNNEL:
	case HTTP_ST_WAIT:
		return;
	default:
		/* Inside a line or header: where the next message starts is
		 * unknown. The transaction is logged at flow end as it is. */
		d->st = HTTP_ST_DEAD;
		return;
	}
}

/* The stream ended inside a message's headers: the headers seen are the
 * message's, the last complete line included, as if the empty line had
 * come (libhtp does so). Rules on them then see what the peer sent: a
 * server that closes right after "Server: x" (http-close-headers) still
 * shows its Server header. A line cut short without its end is dropped.
 * The message then ends as the stream's end ends it in the state its
 * headers lead to (a body: short, so ended). */
static void headers_at_eof(struct http_state *st, struct http_dir *d)
{
	struct http_msg *m = d->dir ? &d->tx->res : &d->tx->req;

	http_headers_flush(st, d, m);
	if (d->dir == 0)
		request_headers_done(st, d);
	else
		response_headers_done(st, d);
	if (d->st != HTTP_ST_HEADERS && d->st != HTTP_ST_DEAD) {
		d->eof = 0;
		http_conn_eof(st, d->dir);   /* once: the state is no longer HEADERS */
	}
}

void http_conn_eof(struct http_state *st, int dir)
{
	struct http_dir *d = &st->d[dir];

	if (d->eof)
		return;
	d->eof = 1;
	switch (d->st) {
	case HTTP_ST_BODY_CL:
	case HTTP_ST_BODY_CLOSE:
		/* The stream ended: so did the body, short or not (libhtp
		 * finishes the message; Suricata reports the file CLOSED). */
		body_done(d);
		complete_message(st, d);
		break;
	case HTTP_ST_LINE:
		/* The stream's end ends a partial first line (libhtp). */
		if (line_pending(d) && !d->cur_over && d->cur.len && d->tx) {
			uint32_t n = d->cur.len;
			while (n && (d->cur.p[n - 1] == '\r' || d->cur.p[n - 1] == '\n'))
				n--;
			d->cur_done = 1;
			if (n && d->dir == 0)
				start_request(st, d, d->cur.p, n, NULL, 0);
			else if (n)
				start_response(st, d, d->cur.p, n);
			if (d->st == HTTP_ST_FINALIZE)
				complete_message(st, d);
		}
		break;
	case HTTP_ST_HEADERS:
		if (d->trailers) {   /* the last chunk was seen */
			body_done(d);
			complete_message(st, d);
		} else if (d->tx) {
			headers_at_eof(st, d);
		}
		break;
	case HTTP_ST_FINALIZE:
		if (line_pending(d) && d->tx)
			http_body_data(st, d->tx, d->dir, d->cur.p, d->cur.len);
		d->cur_done = 1;
		complete_message(st, d);
		break;
	default:
		/* Inside a line or a chunk: left incomplete, logged at flow end
		 * with a truncated file. */
		break;
	}
}
