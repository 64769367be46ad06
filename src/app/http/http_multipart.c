/*
 * http_multipart.c - files uploaded in multipart/form-data request bodies
 * (RFC 7578): the body is cut at its boundary lines, each part's headers
 * are read for a Content-Disposition filename, and every part that has one
 * becomes a file of its own (name, size, sha256, magic), as Suricata
 * reports uploads.
 *
 * App stage, fed by http_body.c with the decoded request body of a
 * transaction whose Content-Type is multipart/form-data with a boundary.
 * Streaming: a boundary split across chunks is found through a carry of at
 * most one delimiter's length; a part header line is kept up to
 * HTTP_MP_LINE_MAX bytes; at most HTTP_MP_FILES files per request are
 * tracked (later parts are skipped, with MULTIPART_GENERIC_ERROR once).
 */
#include <string.h>

#include "app/http/http_int.h"
#include "util/alloc.h"

enum { MP_PREAMBLE = 0, MP_AFTER_DELIM, MP_DASH, MP_HEADERS, MP_DATA, MP_EPILOGUE };

/* --------------------------------------------------------------- setup */

/* The boundary parameter of a multipart/form-data Content-Type. */
static int find_boundary(const uint8_t *v, size_t n, const uint8_t **b, size_t *bn)
{
	size_t i = 0;

	if (!http_value_has(v, n, "multipart/form-data"))
		return 0;
	while (i + 9 <= n) {
		if (http_value_is(v + i, 9, "boundary=")) {
			size_t s = i + 9, e;
			if (s < n && v[s] == '"')
				s++;
			e = s;
			while (e < n && v[e] != '"' && v[e] != ';' && v[e] != ' ' && v[e] != '\t')
				e++;
			*b = v + s;
			*bn = e - s;
			for (size_t k = s; k < e; k++)
				if (v[k] < 0x20 || v[k] == 0x7f)
					return 0;   /* a delimiter never holds a CR */
			return e > s && e - s <= HTTP_MP_BOUNDARY_MAX;
		}
		i++;
	}
	return 0;
}

void http_mp_start(struct http_state *st, struct http_tx *tx)
{
	const struct http_hdr *ct = http_hdr_find(&tx->req, HTTP_H_CONTENT_TYPE);
	struct http_mp *mp;
	const uint8_t *b;
	size_t bn;

	if (!ct || tx->mp || !find_boundary(http_hdr_value(&tx->req, ct), ct->value_len, &b, &bn))
		return;
	if (http_mem_charge(st, sizeof *mp) != 0)
		return;
	mp = kn_calloc(1, sizeof *mp);
	if (!mp) {
		http_mem_credit(st, sizeof *mp);
		return;
	}
	memcpy(mp->delim, "\r\n--", 4);
	memcpy(mp->delim + 4, b, bn);
	mp->delim_len = (uint8_t)(bn + 4);
	/* The first boundary may open the body: as if a CRLF came before. */
	memcpy(mp->carry, "\r\n", 2);
	mp->carry_len = 2;
	mp->cur = -1;
	tx->mp = mp;
}

void http_mp_free(struct http_state *st, struct http_tx *tx)
{
	struct http_mp *mp = tx->mp;

	if (!mp)
		return;
	for (unsigned i = 0; i < mp->n_files; i++)
		http_file_free(st, &mp->f[i].file);
	kn_free(mp);
	http_mem_credit(st, sizeof *mp);
	tx->mp = NULL;
}

/* ---------------------------------------------------------------- parts */

static void part_data(struct http_state *st, struct http_mp *mp, const uint8_t *p, uint32_t n)
{
	struct http_mp_file *f;
	uint32_t room;

	if (mp->cur < 0 || !n)
		return;
	f = &mp->f[mp->cur];
	room = (uint32_t)sizeof f->head - f->head_len;
	if (room) {
		uint32_t k = n < room ? n : room;
		memcpy(f->head + f->head_len, p, k);
		f->head_len += k;
	}
	http_file_data(st, &f->file, p, n);
}

static void part_end(struct http_state *st, struct http_mp *mp, int complete)
{
	if (mp->cur >= 0)
		http_file_close(st, &mp->f[mp->cur].file, complete);
	mp->cur = -1;
}

/* A part's headers ended: a file if Content-Disposition names one. */
static void part_begin(struct http_state *st, struct http_mp *mp)
{
	struct http_mp_file *f;

	mp->cur = -1;
	if (!mp->has_name)
		return;
	if (mp->n_files == HTTP_MP_FILES) {
		if (!mp->full_reported)
			http_event(st, 0, "MULTIPART_GENERIC_ERROR");
		mp->full_reported = 1;
		return;
	}
	f = &mp->f[mp->n_files];
	memcpy(f->name, mp->name, mp->name_len);
	f->name_len = mp->name_len;
	http_file_open(st, &f->file);   /* an empty upload is still a file */
	mp->cur = mp->n_files++;
}

static void part_header(struct http_mp *mp)
{
	const uint8_t *p = mp->line, *name;
	size_t n = mp->line_len, name_len;

	if (n < 20 || !http_value_is(p, 20, "content-disposition:"))
		return;
	if (!http_disposition_filename(p + 20, n - 20, &name, &name_len))
		return;
	if (name_len > sizeof mp->name)
		name_len = sizeof mp->name;
	memcpy(mp->name, name, name_len);
	mp->name_len = (uint16_t)name_len;
	mp->has_name = 1;
}

/* Header lines of a part; returns the bytes used. */
static uint32_t headers(struct http_state *st, struct http_mp *mp, const uint8_t *p, uint32_t n)
{
	const uint8_t *lf = memchr(p, '\n', n);
	uint32_t used = lf ? (uint32_t)(lf - p) + 1 : n;
	uint32_t keep = lf ? used - 1 : used;

	if (keep > sizeof mp->line - mp->line_len)
		keep = (uint32_t)sizeof mp->line - mp->line_len;
	memcpy(mp->line + mp->line_len, p, keep);
	mp->line_len += (uint16_t)keep;
	if (!lf)
		return used;
	if (mp->line_len && mp->line[mp->line_len - 1] == '\r')
		mp->line_len--;
	if (mp->line_len == 0) {
		part_begin(st, mp);
		mp->st = MP_DATA;
	} else {
		part_header(mp);
	}
	mp->line_len = 0;
	return used;
}

/* After a delimiter: "--" ends the body, a line end starts a part. */
static uint32_t after_delim(struct http_mp *mp, const uint8_t *p, uint32_t n)
{
	uint32_t i = 0;

	for (; i < n; i++) {
		if (mp->st == MP_DASH) {
			mp->st = p[i] == '-' ? MP_EPILOGUE : MP_AFTER_DELIM;
			if (mp->st == MP_EPILOGUE)
				return i + 1;
		}
		if (p[i] == '-') {
			mp->st = MP_DASH;
		} else if (p[i] == '\n') {
			mp->st = MP_HEADERS;
			mp->has_name = 0;
			mp->line_len = 0;
			return i + 1;
		}
	}
	return n;
}

static void delim_found(struct http_state *st, struct http_mp *mp)
{
	part_end(st, mp, 1);
	mp->st = MP_AFTER_DELIM;
}

/* Data (or preamble) up to the next delimiter "\r\n--boundary"; returns
 * the bytes used. The carry holds a delimiter prefix that ended the last
 * chunk; a delimiter can only start at a CR (the boundary has none). */
static uint32_t scan_data(struct http_state *st, struct http_mp *mp, const uint8_t *p, uint32_t n)
{
	const uint8_t *d = mp->delim;
	uint32_t dl = mp->delim_len, i = 0;
	int data = mp->st == MP_DATA;

	if (mp->carry_len) {
		uint32_t k = 0, need = dl - mp->carry_len;
		while (k < n && k < need && p[k] == d[mp->carry_len + k])
			k++;
		if (k == need) {
			mp->carry_len = 0;
			delim_found(st, mp);
			return k;
		}
		if (k == n) {
			memcpy(mp->carry + mp->carry_len, p, n);
			mp->carry_len = (uint8_t)(mp->carry_len + n);
			return n;
		}
		if (data)
			part_data(st, mp, mp->carry, mp->carry_len);
		mp->carry_len = 0;
	}
	while (i < n) {
		const uint8_t *cr = memchr(p + i, '\r', n - i);
		uint32_t at, k = 0;
		if (!cr)
			break;
		at = (uint32_t)(cr - p);
		while (at + k < n && k < dl && p[at + k] == d[k])
			k++;
		if (k == dl || at + k == n) {
			if (data)
				part_data(st, mp, p + i, at - i);
			if (k == dl) {
				delim_found(st, mp);
				return at + k;
			}
			memcpy(mp->carry, p + at, k);
			mp->carry_len = (uint8_t)k;
			return n;
		}
		if (data)
			part_data(st, mp, p + i, at + 1 - i);
		i = at + 1;
	}
	if (data && i < n)
		part_data(st, mp, p + i, n - i);
	return n;
}

void http_mp_data(struct http_state *st, struct http_tx *tx, const uint8_t *p, uint32_t n)
{
	struct http_mp *mp = tx->mp;

	while (n && mp->st != MP_EPILOGUE) {
		uint32_t used;
		if (mp->st == MP_PREAMBLE || mp->st == MP_DATA)
			used = scan_data(st, mp, p, n);
		else if (mp->st == MP_HEADERS)
			used = headers(st, mp, p, n);
		else
			used = after_delim(mp, p, n);
		p += used;
		n -= used;
	}
}

void http_mp_end(struct http_state *st, struct http_tx *tx, int complete)
{
	struct http_mp *mp = tx->mp;

	if (mp->st == MP_DATA && mp->carry_len)
		part_data(st, mp, mp->carry, mp->carry_len);
	mp->carry_len = 0;
	part_end(st, mp, complete);
	/* Parts named after the end of what was seen never got data. */
	for (unsigned i = 0; i < mp->n_files; i++)
		http_file_close(st, &mp->f[i].file, complete);
}
