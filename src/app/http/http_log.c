/*
 * http_log.c - what an HTTP transaction hands on: the body of its EVE
 * "http" event, the "fileinfo" events of its bodies, and the named buffers
 * detection reads (http.uri, http.header, file.data, ...).
 *
 * App stage, called by http.c when a transaction is complete or the flow
 * ends. Field names, order and presence rules are Suricata 7's (extended
 * http logging, as in its stock configuration): hostname, http_port, url,
 * http_user_agent, xff, http_content_type, content_range, http_refer,
 * http_method, protocol, status, redirect, length. Strings are written as
 * Suricata writes them: valid UTF-8 as is, otherwise every byte >= 0x80 as
 * the four characters \xNN. fileinfo carries Suricata's standard members,
 * then kenchi's extras (sha256, magic), which Suricata's reference
 * configuration does not enable. Each fileinfo event repeats the http
 * object of its transaction: when a transaction logs files, the object is
 * rendered once and copied into each of its events.
 */
#include <string.h>

#include "app/http/http_int.h"
#include "util/alloc.h"
#include "util/json.h"

/* ------------------------------------------------------------ strings */

/* Whether p[0..n) is all ASCII, a word at a time (the last word
 * overlapping the one before when n is not a multiple of 8). */
static int all_ascii(const uint8_t *p, size_t n)
{
	uint64_t any = 0, w;
	size_t i = 0;

	if (n < 8) {
		for (; i < n; i++)
			any |= p[i];
		return !(any & 0x80);
	}
	for (; i + 8 <= n; i += 8) {
		memcpy(&w, p + i, 8);
		any |= w;
	}
	memcpy(&w, p + n - 8, 8);
	return !((any | w) & 0x8080808080808080ull);
}

static int utf8_valid(const uint8_t *p, size_t n)
{
	size_t i = 0;

	if (all_ascii(p, n))
		return 1;   /* most strings */

	while (i < n) {
		uint32_t v;
		int len;
		uint64_t w;
		/* Eight ASCII bytes at a time: most strings are all ASCII. */
		if (n - i >= 8 && (memcpy(&w, p + i, 8), !(w & 0x8080808080808080ull))) {
			i += 8;
			continue;
		}
		if (p[i] < 0x80) {
			i++;
			continue;
		}
		if (p[i] >= 0xc2 && p[i] <= 0xdf)
			len = 2, v = p[i] & 0x1f;
		else if (p[i] >= 0xe0 && p[i] <= 0xef)
			len = 3, v = p[i] & 0x0f;
		else if (p[i] >= 0xf0 && p[i] <= 0xf4)
			len = 4, v = p[i] & 0x07;
		else
			return 0;
		if (n - i < (size_t)len)
			return 0;
		for (int k = 1; k < len; k++) {
			if ((p[i + k] & 0xc0) != 0x80)
				return 0;
			v = v << 6 | (p[i + k] & 0x3f);
		}
		if ((len == 3 && (v < 0x800 || (v >= 0xd800 && v <= 0xdfff))) ||
		    (len == 4 && (v < 0x10000 || v > 0x10ffff)))
			return 0;
		i += (size_t)len;
	}
	return 1;
}

/* Bytes as Suricata writes them (see the file comment). */
static void json_bytes(struct kn_json *j, const char *key, const uint8_t *p, size_t n)
{
	static const char hex[] = "0123456789abcdef";
	char *tmp;
	size_t o = 0;

	if (!p)
		p = (const uint8_t *)"", n = 0;
	if (utf8_valid(p, n) || !(tmp = kn_malloc(n * 4 + 1))) {
		kn_json_strn(j, key, (const char *)p, n);
		return;
	}
	for (size_t i = 0; i < n; i++) {
		if (p[i] < 0x80) {
			tmp[o++] = (char)p[i];
			continue;
		}
		tmp[o++] = '\\';
		tmp[o++] = 'x';
		tmp[o++] = hex[p[i] >> 4];
		tmp[o++] = hex[p[i] & 15];
	}
	kn_json_strn(j, key, tmp, o);
	kn_free(tmp);
}

static void json_span(struct kn_json *j, const char *key, const struct http_msg *m,
		      const struct http_span *s)
{
	if (s->set && m->line.p)
		json_bytes(j, key, m->line.p + s->off, s->len);
	else if (s->set)
		json_bytes(j, key, NULL, 0);
}

static void json_hdr(struct kn_json *j, const char *key, const struct http_msg *m,
		     enum http_hdr_id id)
{
	const struct http_hdr *h = http_hdr_find(m, id);

	if (h)
		json_bytes(j, key, http_hdr_value(m, h), h->value_len);
}

/* strtoul() of the status token, as Suricata does it. */
static uint32_t status_value(const uint8_t *p, uint32_t n)
{
	uint64_t v = 0;
	uint32_t i = 0;

	while (i < n && (p[i] == ' ' || p[i] == '\t'))
		i++;
	if (i < n && p[i] == '+')
		i++;
	for (; i < n && p[i] >= '0' && p[i] <= '9'; i++)
		v = v > UINT64_MAX / 16 ? UINT64_MAX : v * 10 + (uint64_t)(p[i] - '0');
	return (uint32_t)v;
}

/* ---------------------------------------------------------- http object */

static void log_content(struct kn_json *j, const struct http_tx *tx)
{
	const struct http_hdr *ct = http_hdr_find(&tx->res, HTTP_H_CONTENT_TYPE);
	const struct http_hdr *cr = http_hdr_find(&tx->res, HTTP_H_CONTENT_RANGE);
	int64_t start, end, size;

	if (ct) {
		const uint8_t *v = http_hdr_value(&tx->res, ct);
		const uint8_t *semi = memchr(v, ';', ct->value_len);
		const uint8_t *nul = memchr(v, '\0', ct->value_len);
		size_t n = semi ? (size_t)(semi - v) : ct->value_len;
		if (nul && (size_t)(nul - v) < n)
			n = (size_t)(nul - v);
		json_bytes(j, "http_content_type", v, n);
	}
	if (!cr)
		return;
	kn_json_open(j, "content_range");
	json_bytes(j, "raw", http_hdr_value(&tx->res, cr), cr->value_len);
	if (http_content_range(http_hdr_value(&tx->res, cr), cr->value_len, &start, &end,
			       &size) == 0) {
		if (start >= 0)
			kn_json_u64(j, "start", (uint64_t)start);
		if (end >= 0)
			kn_json_u64(j, "end", (uint64_t)end);
		if (size >= 0)
			kn_json_u64(j, "size", (uint64_t)size);
	}
	kn_json_close(j);
}

/* The members of the http object. */
static void http_members(const struct http_tx *tx, struct kn_json *j)
{
	if (tx->req_hdrs_done && tx->has_host)
		json_bytes(j, "hostname", tx->host.p, tx->host.len);
	if (!tx->req_hdrs_done)
		kn_json_u64(j, "http_port", 0);
	else if (tx->port >= 0)
		kn_json_u64(j, "http_port", (uint64_t)tx->port);
	if (tx->uri_not_seen)
		kn_json_str(j, "url", HTTP_URI_NOT_SEEN);
	else
		json_span(j, "url", &tx->req, &tx->uri);
	json_hdr(j, "http_user_agent", &tx->req, HTTP_H_USER_AGENT);
	json_hdr(j, "xff", &tx->req, HTTP_H_X_FORWARDED_FOR);
	log_content(j, tx);
	json_hdr(j, "http_refer", &tx->req, HTTP_H_REFERER);
	json_span(j, "http_method", &tx->req, &tx->method);
	json_span(j, "protocol", &tx->req, &tx->proto);
	if (tx->status.set) {
		kn_json_u64(j, "status", tx->res.line.p ? status_value(tx->res.line.p +
						tx->status.off, tx->status.len) : 0);
		json_hdr(j, "redirect", &tx->res, HTTP_H_LOCATION);
	}
	kn_json_u64(j, "length", tx->body[1].wire_len);
}

/* A transaction as its logged events see it: the parser state (buffers
 * made on demand charge memory) and the http object already rendered, or
 * NULL. */
struct tx_ref {
	struct http_state *st;
	struct http_tx *tx;
	const char *obj;
};

static void log_http_object(const struct tx_ref *t, struct kn_json *j)
{
	if (t->obj) {
		kn_json_raw(j, "http", t->obj);
		return;
	}
	kn_json_open(j, "http");
	http_members(t->tx, j);
	kn_json_close(j);
}

/* The http object, rendered once into the pool's scratch document for a
 * transaction that logs files; NULL when there is no scratch document or
 * the object does not fit it (then every event writes its own). */
static const char *render_object(struct http_state *st, const struct http_tx *tx)
{
	struct kn_json *j = http_pool_json(st);

	if (!j)
		return NULL;
	kn_json_reset(j);
	kn_json_open(j, NULL);
	http_members(tx, j);
	kn_json_close(j);
	return kn_json_text(j, NULL);
}

static void log_http(const struct kn_tx *k, struct kn_json *j)
{
	log_http_object(k->priv, j);
}

/* ------------------------------------------------------------ fileinfo */

/* One file of a transaction: a body, or a multipart upload part (then it
 * has its own name). */
struct file_ref {
	const struct tx_ref *t;
	const struct http_tx *tx;
	int dir;
	const struct http_file *file;
	const uint8_t *name, *head;
	size_t name_len, head_len;
};

static void log_http_of_file(const struct kn_tx *k, struct kn_json *j)
{
	const struct file_ref *r = k->priv;
	log_http_object(r->t, j);
}

/* The byte range of a 206 response that is part of a file. */
static int file_range(const struct http_tx *tx, int64_t *start, int64_t *end)
{
	const struct http_hdr *cr = http_hdr_find(&tx->res, HTTP_H_CONTENT_RANGE);
	int64_t size;

	if (tx->status_num != 206 || !cr ||
	    http_content_range(http_hdr_value(&tx->res, cr), cr->value_len, start, end,
			       &size) != 0)
		return 0;
	if (*start < 0 || *end <= 0 || *start > *end)
		return 0;
	return !(*start == 0 && size > 0 && *end == size - 1);
}

static void log_filename(struct kn_json *j, const struct file_ref *r)
{
	const struct http_tx *tx = r->tx;
	const struct http_hdr *cd = r->dir ? http_hdr_find(&tx->res, HTTP_H_CONTENT_DISPOSITION)
					   : NULL;
	const uint8_t *name;
	size_t n;

	if (r->name)
		json_bytes(j, "filename", r->name, r->name_len);
	else if (cd && http_disposition_filename(http_hdr_value(&tx->res, cd), cd->value_len, &name,
					    &n))
		json_bytes(j, "filename", name, n);
	else if (tx->has_path)
		json_bytes(j, "filename", tx->uri_norm.p, tx->path_len);
}

static void log_fileinfo(const struct kn_tx *k, struct kn_json *j)
{
	static const char hex[] = "0123456789abcdef";
	const struct file_ref *r = k->priv;
	const struct http_file *f = r->file;
	const char *magic = http_magic(r->head, r->head_len);
	int64_t start, end;

	kn_json_open(j, "fileinfo");
	log_filename(j, r);
	kn_json_bool(j, "gaps", f->gaps);
	kn_json_str(j, "state", f->truncated ? "TRUNCATED" : "CLOSED");
	kn_json_bool(j, "stored", 0);
	kn_json_u64(j, "size", f->size);
	if (r->dir == 1 && file_range(r->tx, &start, &end)) {
		kn_json_u64(j, "start", (uint64_t)start);
		kn_json_u64(j, "end", (uint64_t)end);
	}
	kn_json_u64(j, "tx_id", r->tx->id);
	if (f->hash_ok) {
		char h[65];
		for (int i = 0; i < 32; i++) {
			uint8_t v = f->digest[i];   /* read once: h's stores may alias it */
			h[2 * i] = hex[v >> 4];
			h[2 * i + 1] = hex[v & 15];
		}
		h[64] = '\0';
		kn_json_str(j, "sha256", h);
	}
	if (magic)
		kn_json_str(j, "magic", magic);
	kn_json_close(j);
}

/* ------------------------------------------------------------- buffers */

struct piece {
	const uint8_t *p;
	uint32_t n;
	uint8_t absent;          /* two-sided buffers: this side has no value */
};

/* A buffer both messages have (http.header, http.cookie...): value 0 is
 * the request's, value 1 the response's, either may be absent, so a rule
 * reads the side its direction names (sig_match.c buffer_both). */
static int two_sided(struct piece *v, int req_ok, int res_ok)
{
	v[0].absent = !req_ok;
	v[1].absent = !res_ok;
	return res_ok ? 2 : req_ok ? 1 : 0;
}

static int add_span(struct piece *v, int k, const struct http_msg *m, const struct http_span *s)
{
	if (!s->set)
		return k;
	v[k].p = m->line.p ? m->line.p + s->off : NULL;
	v[k].n = s->len;
	return k + 1;
}

/* Header h's value (none when h is NULL). */
static int add_value(struct piece *v, int k, const struct http_msg *m, const struct http_hdr *h)
{
	if (!h)
		return k;
	v[k].p = http_hdr_value(m, h);
	v[k].n = h->value_len;
	return k + 1;
}

static int add_hdr(struct piece *v, int k, const struct http_msg *m, enum http_hdr_id id)
{
	return add_value(v, k, m, http_hdr_find(m, id));
}

static int add_named(struct piece *v, int k, const struct http_msg *m, const char *name)
{
	return add_value(v, k, m, http_hdr_find_name(m, name));
}

static int add_buf(struct piece *v, int k, const struct http_buf *b, int present)
{
	if (!present)
		return k;
	v[k].p = b->p;
	v[k].n = b->len;
	return k + 1;
}

/* A block made from each message's headers (http.header, header_names,
 * start), once that message's headers are complete. */
static int both_made(struct piece *v, const struct tx_ref *t,
		     const struct http_buf *(*make)(struct http_state *, struct http_msg *))
{
	struct http_tx *tx = t->tx;

	return two_sided(v, tx->req_hdrs_done && add_buf(v, 0, make(t->st, &tx->req), 1),
			 tx->res_hdrs_done && add_buf(v, 1, make(t->st, &tx->res), 1));
}

/* The values of one named buffer, request side first. */
static int pieces(const struct tx_ref *t, unsigned buf, struct piece *v)
{
	struct http_tx *tx = t->tx;

	switch (buf) {
	case KN_BUF_HTTP_URI:
		return add_buf(v, 0, &tx->uri_norm, tx->has_path);
	case KN_BUF_HTTP_RAW_URI:
		return add_span(v, 0, &tx->req, &tx->uri);
	case KN_BUF_HTTP_METHOD:
		return add_span(v, 0, &tx->req, &tx->method);
	case KN_BUF_HTTP_HOST:
		return add_buf(v, 0, &tx->host, tx->has_host);
	case KN_BUF_HTTP_USER_AGENT:
		return add_hdr(v, 0, &tx->req, HTTP_H_USER_AGENT);
	case KN_BUF_HTTP_HEADER:
		/* Both messages' headers, as Suricata's http.header is read
		 * in either direction (a from_server rule sees the response's:
		 * http-close-headers) */
		return both_made(v, t, http_msg_cooked);
	case KN_BUF_HTTP_RAW_HEADER:
		return two_sided(v, add_buf(v, 0, &tx->req.raw, tx->req_hdrs_done),
				 add_buf(v, 1, &tx->res.raw, tx->res_hdrs_done));
	case KN_BUF_HTTP_COOKIE:
		return two_sided(v, add_hdr(v, 0, &tx->req, HTTP_H_COOKIE),
				 add_hdr(v, 1, &tx->res, HTTP_H_SET_COOKIE));
	case KN_BUF_HTTP_REQUEST_BODY:
		return add_buf(v, 0, &tx->body[0].keep, tx->body[0].keep.len > 0);
	case KN_BUF_HTTP_STAT_CODE:
		return add_span(v, 0, &tx->res, &tx->status);
	case KN_BUF_HTTP_STAT_MSG:
		return add_span(v, 0, &tx->res, &tx->smsg);
	case KN_BUF_HTTP_RESPONSE_HEADER:
		return tx->res_hdrs_done ? add_buf(v, 0, http_msg_cooked(t->st, &tx->res), 1) : 0;
	case KN_BUF_HTTP_RESPONSE_BODY:
	case KN_BUF_FILE_DATA:
		return add_buf(v, 0, &tx->body[1].keep, tx->body[1].keep.len > 0);
	case KN_BUF_HTTP_SERVER:
		return add_hdr(v, 0, &tx->res, HTTP_H_SERVER);
	case KN_BUF_HTTP_PROTOCOL:
		return two_sided(v, add_span(v, 0, &tx->req, &tx->proto),
				 add_span(v, 1, &tx->res, &tx->rproto));
	case KN_BUF_HTTP_CONTENT_TYPE:
		return two_sided(v, add_hdr(v, 0, &tx->req, HTTP_H_CONTENT_TYPE),
				 add_hdr(v, 1, &tx->res, HTTP_H_CONTENT_TYPE));
	case KN_BUF_HTTP_CONTENT_LEN:
		return two_sided(v, add_hdr(v, 0, &tx->req, HTTP_H_CONTENT_LENGTH),
				 add_hdr(v, 1, &tx->res, HTTP_H_CONTENT_LENGTH));
	case KN_BUF_HTTP_HEADER_NAMES:
		return both_made(v, t, http_msg_names);
	case KN_BUF_HTTP_START:
		return both_made(v, t, http_msg_start);
	case KN_BUF_HTTP_REQUEST_LINE:
		return add_buf(v, 0, &tx->req.line, tx->req.line.len > 0);
	case KN_BUF_HTTP_RESPONSE_LINE:
		return add_buf(v, 0, &tx->res.line, tx->res.line.len > 0);
	case KN_BUF_HTTP_REFERER:
		return add_hdr(v, 0, &tx->req, HTTP_H_REFERER);
	case KN_BUF_HTTP_LOCATION:
		return add_hdr(v, 0, &tx->res, HTTP_H_LOCATION);
	case KN_BUF_HTTP_ACCEPT:
		return add_named(v, 0, &tx->req, "accept");
	case KN_BUF_HTTP_ACCEPT_ENC:
		return add_named(v, 0, &tx->req, "accept-encoding");
	case KN_BUF_HTTP_ACCEPT_LANG:
		return add_named(v, 0, &tx->req, "accept-language");
	case KN_BUF_HTTP_CONNECTION:
		return add_named(v, 0, &tx->req, "connection");
	default:
		return 0;
	}
}

static int http_buffer(const struct kn_tx *k, unsigned buf, unsigned index, const uint8_t **data,
		       uint32_t *len)
{
	struct piece v[2] = { { NULL, 0, 0 }, { NULL, 0, 0 } };
	int n = pieces(k->priv, buf, v);

	if (index >= (unsigned)n || v[index].absent)
		return 0;
	*data = v[index].p ? v[index].p : (const uint8_t *)"";
	*len = v[index].n;
	return 1;
}

/* ------------------------------------------------------------- logging */

static void log_one(struct http_state *st, struct http_tx *tx, int dir, struct http_file *f,
		    const struct file_ref *r)
{
	struct kn_tx k = {
		.id = tx->id, .event_type = "fileinfo", .dir = (uint8_t)dir,
		.app_proto_member = 1, .log = log_http_of_file, .log2 = log_fileinfo,
		.priv = r,
	};

	if (!f->open || f->logged)
		return;
	f->logged = 1;
	kn_app_log(st->c, &k);
}

static void log_files(const struct tx_ref *t, int dir)
{
	struct http_tx *tx = t->tx;
	struct http_body *b = &tx->body[dir];
	struct file_ref r = { t, tx, dir, &b->file, NULL, b->keep.p, 0, b->keep.len };

	if (dir == 0 && tx->mp) {
		for (unsigned i = 0; i < tx->mp->n_files; i++) {
			struct http_mp_file *f = &tx->mp->f[i];
			struct file_ref m = { t, tx, 0, &f->file, f->name, f->head, f->name_len,
					      f->head_len };
			log_one(t->st, tx, 0, &f->file, &m);
		}
		return;
	}
	log_one(t->st, tx, dir, &b->file, &r);
}

void http_log_file(struct http_state *st, struct http_tx *tx, int dir)
{
	struct tx_ref t = { st, tx, NULL };

	log_files(&t, dir);
}

static int file_pending(const struct http_file *f)
{
	return f->open && !f->logged;
}

/* Whether logging tx writes fileinfo events too. */
static int has_files(const struct http_tx *tx)
{
	if (tx->mp) {
		for (unsigned i = 0; i < tx->mp->n_files; i++)
			if (file_pending(&tx->mp->f[i].file))
				return 1;
	} else if (file_pending(&tx->body[0].file)) {
		return 1;
	}
	return file_pending(&tx->body[1].file);
}

void http_log_tx(struct http_state *st, struct http_tx *tx)
{
	struct tx_ref t = { st, tx, NULL };
	struct kn_tx k = {
		.id = tx->id, .dir = 0, .log_tx_id = 1, .log = log_http,
		.buffer = http_buffer, .priv = &t,
	};

	if (tx->logged)
		return;
	tx->logged = 1;
	if (has_files(tx))
		t.obj = render_object(st, tx);
	kn_app_log(st->c, &k);
	log_files(&t, 0);
	log_files(&t, 1);
}
