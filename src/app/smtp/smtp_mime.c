/*
 * smtp_mime.c - the message after DATA (RFC 5322 headers, RFC 2045/2046
 * MIME structure), read line by line without keeping the body: the From,
 * To and Cc of the message, the boundaries of nested multiparts, the file
 * names of attachments, the parse status Suricata logs as "email.status",
 * and the MIME anomalies (MIME_LONG_LINE, MIME_LONG_ENC_LINE,
 * MIME_LONG_HEADER_NAME, MIME_LONG_HEADER_VALUE, MIME_LONG_BOUNDARY,
 * MIME_LONG_FILENAME, MIME_PARSE_FAILED; each once per message).
 *
 * App stage, called by smtp.c with one line at a time (at most
 * SMTP_LINE_MAX bytes of it, and its real length). Header values are kept
 * up to MIME_HEADER_VALUE_MAX bytes (folded lines joined), only for the
 * headers read; boundaries are kept on a stack of MIME_DEPTH_MAX levels,
 * matched against lines that start with "--". A boundary longer than
 * MIME_BOUNDARY_MAX makes the structure unusable (PARSE_ERROR); the end of
 * the message is still found by smtp.c.
 */
#include <ctype.h>
#include <stddef.h>
#include <string.h>

#include "app/smtp/smtp.h"
#include "util/alloc.h"

enum hdr_kind { HDR_NONE = 0, HDR_FROM, HDR_TO, HDR_CC, HDR_CTYPE, HDR_CDISP, HDR_CTE };

enum mime_event {
	EV_LONG_LINE = 1 << 0,
	EV_LONG_ENC_LINE = 1 << 1,
	EV_LONG_HEADER_NAME = 1 << 2,
	EV_LONG_HEADER_VALUE = 1 << 3,
	EV_LONG_BOUNDARY = 1 << 4,
	EV_LONG_FILENAME = 1 << 5,
	EV_PARSE_FAILED = 1 << 6,
};

static void mime_event(struct kn_app_call *c, struct smtp_mime *m, unsigned bit,
		       const char *name)
{
	if (m->events & bit)
		return;
	m->events = (uint16_t)(m->events | bit);
	kn_app_event(c, 0, name);
}

static void set_status(struct smtp_tx *tx, uint8_t status)
{
	if (tx->status != MAIL_PARSE_ERROR)
		tx->status = status;
}

static int equal_ci(const char *p, size_t n, const char *word)
{
	if (strlen(word) != n)
		return 0;
	for (size_t i = 0; i < n; i++)
		if (tolower((unsigned char)p[i]) != word[i])
			return 0;
	return 1;
}

/* ------------------------------------------------------- parameters */

/* One "key=value" parameter of a header value. */
struct param {
	const char *key;
	size_t key_len;
	size_t value;        /* offset of the value in the header value */
};

/* Steps to the next parameter after *pos (parameters follow ';', quoted
 * strings are skipped whole). Returns 1 with *p set, 0 at the end. */
static int next_param(const char *v, size_t n, size_t *pos, struct param *p)
{
	size_t i = *pos;

	for (;;) {
		int quoted = 0;
		size_t k;
		while (i < n && (quoted || v[i] != ';')) {
			if (quoted && v[i] == '\\' && i + 1 < n)
				i++;
			else if (v[i] == '"')
				quoted = !quoted;
			i++;
		}
		if (i >= n)
			return 0;
		i++;
		while (i < n && (v[i] == ' ' || v[i] == '\t'))
			i++;
		k = i;
		while (i < n && v[i] != '=' && v[i] != ';' && v[i] != ' ' && v[i] != '\t')
			i++;
		p->key = v + k;
		p->key_len = i - k;
		while (i < n && (v[i] == ' ' || v[i] == '\t'))
			i++;
		if (i < n && v[i] == '=') {
			i++;
			while (i < n && (v[i] == ' ' || v[i] == '\t'))
				i++;
			p->value = i;
			*pos = i;
			return 1;
		}
	}
}

/* Output of a parameter value: cut at size - 1 bytes, full length counted. */
struct param_out {
	char *buf;
	size_t size, len;
};

static void out_byte(struct param_out *o, char ch)
{
	if (o->len < o->size - 1)
		o->buf[o->len] = ch;
	o->len++;
}

static int hexval(char ch)
{
	if (ch >= '0' && ch <= '9')
		return ch - '0';
	ch = (char)tolower((unsigned char)ch);
	return ch >= 'a' && ch <= 'f' ? ch - 'a' + 10 : -1;
}

/* Appends the value at v[i..n): a quoted-string (backslash escapes undone)
 * or a token up to ';' or white space. `encoded` (RFC 2231 "name*"):
 * %XX escapes are decoded, and `first` drops the charset'language' prefix. */
static void param_value(const char *v, size_t n, size_t i, int encoded, int first,
			struct param_out *o)
{
	int quoted = i < n && v[i] == '"';
	size_t e, quotes = 0;

	if (quoted)
		i++;
	for (e = i; e < n; e++) {
		if (quoted ? v[e] == '"' : (v[e] == ';' || v[e] == ' ' || v[e] == '\t'))
			break;
		if (quoted && v[e] == '\\' && e + 1 < n)
			e++;
	}
	if (encoded && first) {
		for (size_t k = i; k < e && quotes < 2; k++)
			if (v[k] == '\'' && ++quotes == 2)
				i = k + 1;
	}
	for (; i < e; i++) {
		if (quoted && v[i] == '\\' && i + 1 < e) {
			out_byte(o, v[++i]);
		} else if (encoded && v[i] == '%' && i + 2 < e &&
			   hexval(v[i + 1]) >= 0 && hexval(v[i + 2]) >= 0) {
			out_byte(o, (char)(hexval(v[i + 1]) << 4 | hexval(v[i + 2])));
			i += 2;
		} else {
			out_byte(o, v[i]);
		}
	}
}

/* Compares a key with name (lower case) followed by `suffix` ("" or a
 * continuation "*N", "*N*", "*"). */
static int key_is(const struct param *p, const char *name, const char *suffix)
{
	size_t a = strlen(name), b = strlen(suffix);

	return p->key_len == a + b && equal_ci(p->key, a, name) &&
	       memcmp(p->key + a, suffix, b) == 0;
}

/* Finds parameter `name` (lower case) in a header value such as
 * `attachment; filename="a.zip"`, also in RFC 2231 forms (name*=, and
 * name*0=, name*1=... continuations, encoded or not). Writes the value,
 * cut to size - 1 bytes and NUL-terminated; returns its full length, or
 * -1 when absent. */
static long header_param(const char *v, size_t n, const char *name, char *out, size_t size)
{
	struct param_out o = { out, size, 0 };
	struct param p;
	size_t pos = 0;
	int found = 0;

	while (!found && next_param(v, n, &pos, &p)) {
		if (key_is(&p, name, "")) {
			param_value(v, n, p.value, 0, 0, &o);
			found = 1;
		} else if (key_is(&p, name, "*")) {
			param_value(v, n, p.value, 1, 1, &o);
			found = 1;
		}
	}
	for (unsigned seg = 0; !found && seg < 64; seg++) {
		char plain[8], enc[8];
		size_t k = 0;
		int got = 0;
		/* "*<seg>" and "*<seg>*" (without snprintf: this runs for every
		 * header where the plain parameter is absent) */
		plain[k++] = '*';
		if (seg >= 10)
			plain[k++] = (char)('0' + seg / 10);
		plain[k++] = (char)('0' + seg % 10);
		plain[k] = '\0';
		memcpy(enc, plain, k);
		enc[k] = '*';
		enc[k + 1] = '\0';
		for (pos = 0; !got && next_param(v, n, &pos, &p);) {
			if (key_is(&p, name, plain) || key_is(&p, name, enc)) {
				param_value(v, n, p.value, key_is(&p, name, enc), seg == 0, &o);
				got = 1;
			}
		}
		if (!got) {
			if (seg == 0)
				return -1;
			break;
		}
	}
	out[o.len < size - 1 ? o.len : size - 1] = '\0';
	return (long)o.len;
}

/* ---------------------------------------------------------- headers */

static int header_kind(const uint8_t *name, size_t n, int top)
{
	const char *p = (const char *)name;

	if (equal_ci(p, n, "content-type"))
		return HDR_CTYPE;
	if (equal_ci(p, n, "content-disposition"))
		return HDR_CDISP;
	if (equal_ci(p, n, "content-transfer-encoding"))
		return HDR_CTE;
	if (!top)
		return HDR_NONE;
	if (equal_ci(p, n, "from"))
		return HDR_FROM;
	if (equal_ci(p, n, "to"))
		return HDR_TO;
	if (equal_ci(p, n, "cc"))
		return HDR_CC;
	return HDR_NONE;
}

/* The kept length of a file name of `full` bytes. */
static uint16_t name_length(struct kn_app_call *c, struct smtp_mime *m, long full)
{
	if (full > MIME_FILENAME_MAX) {
		mime_event(c, m, EV_LONG_FILENAME, "MIME_LONG_FILENAME");
		return MIME_FILENAME_MAX;
	}
	return (uint16_t)full;
}

static void content_type(struct kn_app_call *c, struct smtp_state *st, const char *v, size_t n)
{
	struct smtp_mime *m = st->mime;
	struct mime_entity *e = &m->ent;
	long full;

	e->multipart = n >= 10 && equal_ci(v, 10, "multipart/");
	e->rfc822 = n >= 14 && equal_ci(v, 14, "message/rfc822");
	full = header_param(v, n, "boundary", e->boundary, sizeof e->boundary);
	if (full > MIME_BOUNDARY_MAX) {
		mime_event(c, m, EV_LONG_BOUNDARY, "MIME_LONG_BOUNDARY");
		mime_event(c, m, EV_PARSE_FAILED, "MIME_PARSE_FAILED");
		st->tx.status = MAIL_PARSE_ERROR;
		m->failed = 1;
	} else {
		e->boundary_len = (uint16_t)(full > 0 ? full : 0);
	}
	full = header_param(v, n, "name", e->name, sizeof e->name);
	if (full >= 0) {
		e->has_name = 1;
		e->name_len = name_length(c, m, full);
	}
}

/* The header being read is complete: act on its value. */
static void finish_header(struct kn_app_call *c, struct smtp_state *st)
{
	struct smtp_mime *m = st->mime;
	struct smtp_tx *tx = &st->tx;
	const char *v = m->hval;
	size_t n = m->hval_len;
	long full;

	if (!m->hdr_keep)
		return;
	m->hdr_keep = 0;
	switch (m->hdr_kind) {
	case HDR_FROM:
		if (!tx->has_from && smtp_tx_store(c, tx, v, n, &tx->from) == 0)
			tx->has_from = 1;
		break;
	case HDR_TO:
		if (!tx->has_to && smtp_tx_store(c, tx, v, n, &tx->to) == 0)
			tx->has_to = 1;
		break;
	case HDR_CC:
		if (!tx->has_cc && smtp_tx_store(c, tx, v, n, &tx->cc) == 0)
			tx->has_cc = 1;
		break;
	case HDR_CTYPE:
		content_type(c, st, v, n);
		break;
	case HDR_CDISP:
		full = header_param(v, n, "filename", m->ent.filename, sizeof m->ent.filename);
		if (full >= 0) {
			m->ent.has_filename = 1;
			m->ent.filename_len = name_length(c, m, full);
		}
		break;
	case HDR_CTE:
		while (n && (v[n - 1] == ' ' || v[n - 1] == '\t'))
			n--;
		m->ent.encoded = equal_ci(v, n, "base64") || equal_ci(v, n, "quoted-printable");
		break;
	default:
		break;
	}
}

/* Adds header value bytes (the first line's value or a folded line). */
static void add_value(struct kn_app_call *c, struct smtp_mime *m, const uint8_t *p, uint32_t len,
		      uint32_t total)
{
	uint32_t room = MIME_HEADER_VALUE_MAX - m->hval_len;

	if (total > room)
		mime_event(c, m, EV_LONG_HEADER_VALUE, "MIME_LONG_HEADER_VALUE");
	if (!m->hdr_keep)
		return;
	if (len > room)
		len = room;
	memcpy(m->hval + m->hval_len, p, len);
	m->hval_len += len;
}

/* The part whose file name is pending is complete (a boundary or the end
 * of the message followed it): its name is an attachment. */
static void flush_attachment(struct kn_app_call *c, struct smtp_state *st)
{
	struct smtp_mime *m = st->mime;
	struct smtp_tx *tx = &st->tx;

	if (!m->has_pend)
		return;
	m->has_pend = 0;
	if (tx->n_attach < SMTP_ATTACH_MAX &&
	    smtp_tx_store(c, tx, m->pend, m->pend_len, &tx->attach[tx->n_attach]) == 0)
		tx->n_attach++;
}

/* The end of a header block: a part's file name waits for the part's end,
 * a multipart's boundary is pushed, and the body starts (for
 * message/rfc822, the header block of the message inside). The message's
 * own file name is not an attachment (Suricata lists parts only). */
static void end_headers(struct kn_app_call *c, struct smtp_state *st)
{
	struct smtp_mime *m = st->mime;
	struct mime_entity *e = &m->ent;

	finish_header(c, st);
	if (!m->top && (e->has_filename || e->has_name)) {
		flush_attachment(c, st);
		m->pend_len = e->has_filename ? e->filename_len : e->name_len;
		memcpy(m->pend, e->has_filename ? e->filename : e->name, m->pend_len);
		m->has_pend = 1;
	}
	if (e->multipart && e->boundary_len && m->depth < MIME_DEPTH_MAX && !m->failed) {
		memcpy(m->stack[m->depth].b, e->boundary, e->boundary_len);
		m->stack[m->depth].len = e->boundary_len;
		m->depth++;
	}
	m->part_encoded = e->encoded;
	m->top = 0;
	if (e->rfc822 && !e->multipart) {
		flush_attachment(c, st);   /* the container part, before what it holds */
		memset(e, 0, sizeof *e);
		set_status(&st->tx, MAIL_HEADER_STARTED);
		return;                    /* still in_header: the inner message's */
	}
	m->in_header = 0;
	memset(e, 0, sizeof *e);
	set_status(&st->tx, MAIL_BODY_STARTED);
}

static void header_line(struct kn_app_call *c, struct smtp_state *st, const uint8_t *line,
			uint32_t len, uint32_t total)
{
	struct smtp_mime *m = st->mime;
	const uint8_t *colon;
	uint32_t name_len, v;

	if (total == 0) {
		end_headers(c, st);
		return;
	}
	if (line[0] == ' ' || line[0] == '\t') {   /* folded */
		add_value(c, m, line, len, total);
		return;
	}
	colon = memchr(line, ':', len);
	if (!colon) {
		end_headers(c, st);   /* not a header: the body starts here */
		return;
	}
	finish_header(c, st);
	set_status(&st->tx, MAIL_HEADER_STARTED);
	name_len = (uint32_t)(colon - line);
	while (name_len && (line[name_len - 1] == ' ' || line[name_len - 1] == '\t'))
		name_len--;
	if (name_len > MIME_HEADER_NAME_MAX) {
		mime_event(c, m, EV_LONG_HEADER_NAME, "MIME_LONG_HEADER_NAME");
		return;
	}
	m->hdr_kind = (uint8_t)header_kind(line, name_len, m->top);
	m->hdr_keep = m->hdr_kind != HDR_NONE;
	m->hval_len = 0;
	v = (uint32_t)(colon - line) + 1;
	while (v < len && (line[v] == ' ' || line[v] == '\t'))
		v++;
	add_value(c, m, line + v, len - v, total - v);
}

/* --------------------------------------------------------- structure */

/* A line starting with "--": a boundary of an open multipart opens its
 * next part ("--b") or closes it ("--b--"). Returns 1 if it was one. */
static int boundary_line(struct kn_app_call *c, struct smtp_state *st, const uint8_t *line,
			 uint32_t len)
{
	struct smtp_mime *m = st->mime;

	for (int i = m->depth - 1; i >= 0; i--) {
		uint32_t blen = m->stack[i].len, r;
		int close = 0;
		if (len < 2 + blen || memcmp(line + 2, m->stack[i].b, blen) != 0)
			continue;
		r = 2 + blen;
		if (len - r >= 2 && line[r] == '-' && line[r + 1] == '-') {
			close = 1;
			r += 2;
		}
		while (r < len && (line[r] == ' ' || line[r] == '\t'))
			r++;
		if (r != len)
			continue;
		if (m->in_header)
			end_headers(c, st);   /* a part without body */
		flush_attachment(c, st);
		m->depth = (uint8_t)(close ? i : i + 1);
		m->in_header = !close;
		m->part_encoded = 0;
		memset(&m->ent, 0, sizeof m->ent);
		set_status(&st->tx, close ? MAIL_BODY_STARTED : MAIL_HEADER_STARTED);
		return 1;
	}
	return 0;
}

/* ------------------------------------------------------------- entry */

int smtp_mime_begin(struct kn_app_call *c, struct smtp_state *st)
{
	smtp_mime_end(c, st, 0);
	if (kn_app_mem_charge(c, sizeof *st->mime) != 0)
		return -1;
	st->mime = kn_malloc(sizeof *st->mime);
	if (!st->mime) {
		kn_app_mem_credit(c, sizeof *st->mime);
		return -1;
	}
	/* Zeroed up to the header value: the value and the boundary stack
	 * after it (most of the 5 KiB) are only read up to their lengths. */
	memset(st->mime, 0, offsetof(struct smtp_mime, hval));
	st->mime->in_header = 1;
	st->mime->top = 1;
	return 0;
}

void smtp_mime_line(struct kn_app_call *c, struct smtp_state *st, const uint8_t *line,
		    uint32_t len, uint32_t total)
{
	struct smtp_mime *m = st->mime;

	if (!m)
		return;
	if (total > MIME_LINE_MAX)
		mime_event(c, m, EV_LONG_LINE, "MIME_LONG_LINE");
	if (m->failed)
		return;
	if (m->depth && len >= 2 && line[0] == '-' && line[1] == '-' &&
	    boundary_line(c, st, line, len))
		return;
	if (m->in_header) {
		header_line(c, st, line, len, total);
		if (m->in_header || total == 0)
			return;
		/* A line that ended the headers without being one is body. */
	}
	if (m->part_encoded && total > MIME_ENC_LINE_MAX)
		mime_event(c, m, EV_LONG_ENC_LINE, "MIME_LONG_ENC_LINE");
}

void smtp_mime_end(struct kn_app_call *c, struct smtp_state *st, int complete)
{
	struct smtp_mime *m = st->mime;

	if (!m)
		return;
	if (!m->failed && complete) {
		if (m->in_header)
			end_headers(c, st);
		flush_attachment(c, st);
	} else if (!m->failed) {
		finish_header(c, st);   /* keep a header the message was cut after */
	}
	if (complete)
		set_status(&st->tx, MAIL_PARSE_DONE);
	smtp_mime_free(c, st);
}

void smtp_mime_free(struct kn_app_call *c, struct smtp_state *st)
{
	if (!st->mime)
		return;
	kn_free(st->mime);
	kn_app_mem_credit(c, sizeof *st->mime);
	st->mime = NULL;
}
