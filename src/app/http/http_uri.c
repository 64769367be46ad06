/*
 * http_uri.c - what a request says about where it goes: the request URI
 * split into scheme, authority, path, query and fragment; the path
 * normalised the way Suricata's http.uri is (percent-decoding, %u
 * escapes, backslashes as slashes, repeated slashes compressed, UTF-8
 * folded to single bytes with '?' for what does not fit, dot segments
 * removed); the hostname and port from the URI or the Host header; and
 * two response header values used for files (Content-Range,
 * Content-Disposition's filename).
 *
 * App stage, called by http_conn.c when request headers complete. The
 * rules mirror libhtp's IDS personality, which Suricata uses by default,
 * so that "hostname", "http_port" and fileinfo "filename" agree.
 */
#include <arpa/inet.h>
#include <string.h>
#include <strings.h>

#include "app/http/http_int.h"

static int is_space(uint8_t c)
{
	return c == ' ' || c == '\t' || c == '\r' || c == '\n' || c == '\v' || c == '\f';
}

static int hexval(uint8_t c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

static void trim(const uint8_t **p, size_t *n)
{
	while (*n && is_space(**p))
		(*p)++, (*n)--;
	while (*n && is_space((*p)[*n - 1]))
		(*n)--;
}

/* ------------------------------------------------------ host and port */

/* A port: digits with optional blanks, 1..65535, else -1. */
static int32_t parse_port(const uint8_t *p, size_t n)
{
	int32_t v = 0;
	size_t digits = 0;

	trim(&p, &n);
	for (size_t i = 0; i < n; i++, digits++) {
		if (p[i] < '0' || p[i] > '9' || v > 65535)
			return -1;
		v = v * 10 + (p[i] - '0');
	}
	return digits && v >= 1 && v <= 65535 ? v : -1;
}

/* RFC 1123 labels (underscore tolerated), or a bracketed IPv6 address. */
static int valid_hostname(const uint8_t *p, size_t n)
{
	size_t label = 0;

	if (!n || n > 255)
		return 0;
	if (p[0] == '[') {
		char buf[INET6_ADDRSTRLEN];
		uint8_t addr[16];
		if (n < 3 || n - 2 >= sizeof buf || p[n - 1] != ']')
			return 0;
		memcpy(buf, p + 1, n - 2);
		buf[n - 2] = '\0';
		return inet_pton(AF_INET6, buf, addr) == 1;
	}
	for (size_t i = 0; i < n; i++) {
		uint8_t c = p[i];
		if (c == '.') {
			if (!label)
				return 0;
			label = 0;
			continue;
		}
		if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
		      c == '-' || c == '_') || ++label > 63)
			return 0;
	}
	return label > 0;
}

struct hostport {
	const uint8_t *host;
	size_t host_len;
	int32_t port;      /* -1 none or invalid */
	uint8_t has_host;
	uint8_t invalid;
};

/* "host", "host:port", "[v6]" or "[v6]:port". */
static void parse_hostport(const uint8_t *p, size_t n, struct hostport *hp)
{
	const uint8_t *colon;

	memset(hp, 0, sizeof *hp);
	hp->port = -1;
	trim(&p, &n);
	if (!n) {
		hp->invalid = 1;
		return;
	}
	if (p[0] == '[') {
		const uint8_t *end = memchr(p, ']', n);
		size_t hl;
		if (!end) {
			hp->invalid = 1;
			return;
		}
		hl = (size_t)(end - p) + 1;
		hp->host = p, hp->host_len = hl, hp->has_host = 1;
		if (hl == n)
			return;
		if (p[hl] != ':') {
			hp->invalid = 1;
			return;
		}
		colon = p + hl;
	} else {
		colon = memchr(p, ':', n);
		hp->host = p, hp->has_host = 1;
		hp->host_len = colon ? (size_t)(colon - p) : n;
		while (hp->host_len && is_space(p[hp->host_len - 1]))
			hp->host_len--;
		if (!colon)
			goto check;
	}
	hp->port = parse_port(colon + 1, n - (size_t)(colon + 1 - p));
	if (hp->port < 0)
		hp->invalid = 1;
check:
	if (!valid_hostname(hp->host, hp->host_len))
		hp->invalid = 1;
}

/* Lower case; trailing dots removed for a URI authority. */
static void set_host(struct http_state *st, struct http_tx *tx, const uint8_t *h, size_t n,
		     int strip_dots)
{
	while (strip_dots && n && h[n - 1] == '.')
		n--;
	tx->host.len = 0;
	http_buf_add(st, &tx->host, h, (uint32_t)n, HTTP_LINE_MAX);
	for (uint32_t i = 0; i < tx->host.len; i++)
		if (tx->host.p[i] >= 'A' && tx->host.p[i] <= 'Z')
			tx->host.p[i] = (uint8_t)(tx->host.p[i] + 32);
	tx->has_host = 1;
}

/* ----------------------------------------------------------- the URI */

struct uri_parts {
	const uint8_t *auth, *path, *query, *frag;
	size_t auth_len, path_len, query_len, frag_len;
	uint8_t has_auth, has_path, has_query, has_frag;
};

static void split_uri(const uint8_t *u, size_t n, struct uri_parts *up)
{
	const uint8_t *hash, *q;
	size_t pos = 0, s, end;
	int scheme = 0;

	memset(up, 0, sizeof *up);
	if (n && u[0] != '/') {
		const uint8_t *c = memchr(u, ':', n);
		if (c) {
			scheme = 1;
			pos = (size_t)(c - u) + 1;
		}
	}
	if (scheme && pos + 2 < n && u[pos] == '/' && u[pos + 1] == '/' && u[pos + 2] != '/') {
		s = pos += 2;
		while (pos < n && u[pos] != '?' && u[pos] != '/' && u[pos] != '#')
			pos++;
		up->auth = u + s, up->auth_len = pos - s, up->has_auth = 1;
	}
	/* The path ends at the first '?' or '#', the query at the '#': the
	 * '#' is found first, then the '?' before it (memchr, not a byte loop:
	 * URIs can be long). */
	s = pos;
	hash = pos < n ? memchr(u + pos, '#', n - pos) : NULL;
	end = hash ? (size_t)(hash - u) : n;
	q = pos < end ? memchr(u + pos, '?', end - pos) : NULL;
	pos = q ? (size_t)(q - u) : end;
	up->path = u + s, up->path_len = pos - s, up->has_path = 1;
	if (q) {
		s = pos + 1;
		up->query = u + s, up->query_len = end - s, up->has_query = 1;
	}
	if (hash)
		up->frag = u + end + 1, up->frag_len = n - end - 1, up->has_frag = 1;
}

/* Percent and %u decoding, backslash to slash, slashes compressed. */
static uint32_t decode_path(const uint8_t *p, size_t n, uint8_t *out)
{
	uint32_t o = 0;

	for (size_t i = 0; i < n; i++) {
		uint8_t c = p[i];
		if (c == '%' && i + 5 < n && (p[i + 1] == 'u' || p[i + 1] == 'U') &&
		    hexval(p[i + 2]) >= 0 && hexval(p[i + 3]) >= 0 && hexval(p[i + 4]) >= 0 &&
		    hexval(p[i + 5]) >= 0) {
			int hi = hexval(p[i + 2]) << 4 | hexval(p[i + 3]);
			int lo = hexval(p[i + 4]) << 4 | hexval(p[i + 5]);
			/* U+FF01..FF5E are full-width ASCII. */
			if (hi == 0)
				c = (uint8_t)lo;
			else if (hi == 0xff && lo >= 0x01 && lo <= 0x5e)
				c = (uint8_t)(lo + 0x20);
			else
				c = '?';
			i += 5;
		} else if (c == '%' && i + 2 < n && hexval(p[i + 1]) >= 0 &&
			   hexval(p[i + 2]) >= 0) {
			c = (uint8_t)(hexval(p[i + 1]) << 4 | hexval(p[i + 2]));
			i += 2;
		}
		if (c == '\\')
			c = '/';
		if (c == '/' && o && out[o - 1] == '/')
			continue;
		out[o++] = c;
	}
	return o;
}

/* Length of the UTF-8 sequence starting at p[0] (2..4) and its code
 * point, or 0 when it is not a valid one. */
static int utf8_seq(const uint8_t *p, size_t n, uint32_t *cp)
{
	int len;
	uint32_t v, min;

	if (p[0] >= 0xc2 && p[0] <= 0xdf)
		len = 2, v = p[0] & 0x1f, min = 0x80;
	else if (p[0] >= 0xe0 && p[0] <= 0xef)
		len = 3, v = p[0] & 0x0f, min = 0x800;
	else if (p[0] >= 0xf0 && p[0] <= 0xf4)
		len = 4, v = p[0] & 0x07, min = 0x10000;
	else
		return 0;
	if (n < (size_t)len)
		return 0;
	for (int k = 1; k < len; k++) {
		if ((p[k] & 0xc0) != 0x80)
			return 0;
		v = v << 6 | (p[k] & 0x3f);
	}
	if (v < min || v > 0x10ffff || (v >= 0xd800 && v <= 0xdfff))
		return 0;
	*cp = v;
	return len;
}

/* A lead byte whose sequence the end of the data cuts short. */
static int utf8_cut(const uint8_t *p, size_t n)
{
	size_t need = p[0] >= 0xf0 && p[0] <= 0xf4 ? 4 : p[0] >= 0xe0 && p[0] <= 0xef ? 3
		    : p[0] >= 0xc2 && p[0] <= 0xdf ? 2 : 0;

	if (!need || n >= need)
		return 0;
	for (size_t k = 1; k < n; k++)
		if ((p[k] & 0xc0) != 0x80)
			return 0;
	return 1;
}

/* UTF-8 to single bytes: code points below 256 as themselves, full-width
 * ASCII as ASCII, anything else and invalid bytes as '?'. */
static uint32_t bestfit(uint8_t *p, uint32_t n)
{
	uint32_t o = 0, i = 0;

	while (i < n) {
		uint32_t cp;
		int len;
		if (p[i] < 0x80) {
			p[o++] = p[i++];
			continue;
		}
		len = utf8_seq(p + i, n - i, &cp);
		if (!len && utf8_cut(p + i, n - i))
			break;   /* a sequence cut by the end: dropped, as libhtp does */
		if (!len) {
			p[o++] = '?';
			i++;
			continue;
		}
		if (cp < 0x100)
			p[o++] = (uint8_t)cp;
		else if (cp >= 0xff01 && cp <= 0xff5e)
			p[o++] = (uint8_t)(cp - 0xfee0);
		else
			p[o++] = '?';
		i += (uint32_t)len;
	}
	return o;
}

/* The last segment of out[0..o) is removed (RFC 3986 5.2.4). */
static uint32_t pop_segment(const uint8_t *out, uint32_t o)
{
	while (o && out[o - 1] != '/')
		o--;
	return o ? o - 1 : 0;
}

/* remove_dot_segments in place; returns the new length. The output
 * (p[0..o)) never overtakes the input cursor i, so rewriting the input at
 * i is safe. */
static uint32_t remove_dots(uint8_t *p, uint32_t n)
{
	uint32_t i = 0, o = 0;

	while (i < n) {
		uint32_t rest = n - i;
		const uint8_t *q = p + i;
		if (rest >= 3 && !memcmp(q, "../", 3)) {
			i += 3;
		} else if (rest >= 2 && !memcmp(q, "./", 2)) {
			i += 2;
		} else if (rest >= 3 && !memcmp(q, "/./", 3)) {
			i += 2;
		} else if (rest == 2 && !memcmp(q, "/.", 2)) {
			p[++i] = '/';
		} else if (rest >= 4 && !memcmp(q, "/../", 4)) {
			i += 3;
			o = pop_segment(p, o);
		} else if (rest == 3 && !memcmp(q, "/..", 3)) {
			i += 2;
			p[i] = '/';
			o = pop_segment(p, o);
		} else if ((rest == 1 && q[0] == '.') || (rest == 2 && !memcmp(q, "..", 2))) {
			break;
		} else {
			uint32_t s = i;
			if (p[i] == '/')
				i++;
			while (i < n && p[i] != '/')
				i++;
			memmove(p + o, p + s, i - s);
			o += i - s;
		}
	}
	return o;
}

/* Whether decoding and normalising leave path[0..n) as it is: no escape,
 * backslash, byte >= 0x80, doubled slash or dot segment ("/." anywhere, or
 * a leading '.'). Most paths are so, and are then copied in one go. */
static int plain_path(const uint8_t *p, size_t n)
{
	if (n && p[0] == '.')
		return 0;
	for (size_t i = 0; i < n; i++) {
		uint8_t c = p[i];
		if (c == '%' || c == '\\' || c >= 0x80)
			return 0;
		if (c == '/' && i + 1 < n && (p[i + 1] == '/' || p[i + 1] == '.'))
			return 0;
	}
	return 1;
}

static void normalise_uri(struct http_state *st, struct http_tx *tx, const struct uri_parts *up)
{
	struct http_buf *b = &tx->uri_norm;
	uint32_t n;

	b->len = 0;
	if (!up->has_path)
		return;
	if (http_buf_add(st, b, NULL, (uint32_t)up->path_len, HTTP_LINE_MAX) != up->path_len) {
		b->len = 0;
		return;
	}
	if (plain_path(up->path, up->path_len)) {
		n = (uint32_t)up->path_len;
		if (n)
			memcpy(b->p, up->path, n);
	} else {
		n = decode_path(up->path, up->path_len, b->p);
		n = bestfit(b->p, n);
		n = remove_dots(b->p, n);
	}
	b->len = n;
	tx->path_len = n;
	tx->has_path = 1;
	if (up->has_query) {
		http_buf_add(st, b, "?", 1, HTTP_LINE_MAX);
		http_buf_add(st, b, up->query, (uint32_t)up->query_len, HTTP_LINE_MAX);
	}
	if (up->has_frag) {
		http_buf_add(st, b, "#", 1, HTTP_LINE_MAX);
		http_buf_add(st, b, up->frag, (uint32_t)up->frag_len, HTTP_LINE_MAX);
	}
}

/* Host from the Host header when the URI has none; both compared when
 * both are there. */
static void host_header(struct http_state *st, struct http_tx *tx)
{
	const struct http_hdr *h = http_hdr_find(&tx->req, HTTP_H_HOST);
	struct hostport hp;

	if (!h) {
		if (tx->req_proto >= HTTP_P_11)
			http_event(st, 0, "MISSING_HOST_HEADER");
		return;
	}
	parse_hostport(http_hdr_value(&tx->req, h), h->value_len, &hp);
	if (tx->has_host) {
		if (hp.invalid || !hp.has_host || hp.host_len != tx->host.len ||
		    strncasecmp((const char *)hp.host, (const char *)tx->host.p, hp.host_len))
			http_event(st, 0, "HOST_HEADER_AMBIGUOUS");
		return;
	}
	if (hp.invalid)
		http_event(st, 0, "REQUEST_HEADER_HOST_INVALID");
	if (hp.has_host) {
		set_host(st, tx, hp.host, hp.host_len, 0);
		tx->port = hp.port;
	}
}

void http_uri_parse(struct http_state *st, struct http_tx *tx, const uint8_t *u, size_t n,
		    int connect)
{
	struct uri_parts up;
	struct hostport hp;
	const uint8_t *a, *at;
	size_t an;

	tx->uri_port = -1;
	if (connect) {
		memset(&up, 0, sizeof up);
		up.auth = u, up.auth_len = n, up.has_auth = 1;
	} else {
		split_uri(u, n, &up);
		normalise_uri(st, tx, &up);
	}
	if (!up.has_auth)
		return;
	a = up.auth;
	an = up.auth_len;
	at = memchr(a, '@', an);
	if (at) {
		an -= (size_t)(at + 1 - a);
		a = at + 1;
	}
	parse_hostport(a, an, &hp);
	if (hp.invalid)
		http_event(st, 0, "REQUEST_URI_HOST_INVALID");
	if (hp.has_host) {
		set_host(st, tx, hp.host, hp.host_len, 1);
		tx->uri_port = hp.port;
	}
}

void http_host_derive(struct http_state *st, struct http_tx *tx)
{
	tx->port = tx->has_host ? tx->uri_port : -1;
	host_header(st, tx);
}

/* ------------------------------------------------ response header values */

static int parse_i64(const uint8_t *p, size_t n, size_t *i, int64_t *v)
{
	size_t s = *i;

	*v = 0;
	while (*i < n && p[*i] >= '0' && p[*i] <= '9') {
		if (*v > (INT64_MAX - 9) / 10)
			return -1;
		*v = *v * 10 + (p[*i] - '0');
		(*i)++;
	}
	return *i > s ? 0 : -1;
}

int http_content_range(const uint8_t *v, size_t n, int64_t *start, int64_t *end,
		       int64_t *size)
{
	size_t i = 0;

	*start = *end = *size = -1;
	while (i < n && v[i] == ' ')
		i++;
	while (i < n && v[i] != ' ')
		i++;
	while (i < n && v[i] == ' ')
		i++;
	if (i + 1 < n && v[i] == '*' && v[i + 1] == '/') {
		i += 2;
		return parse_i64(v, n, &i, size);
	}
	if (parse_i64(v, n, &i, start) || i >= n || v[i++] != '-' || parse_i64(v, n, &i, end) ||
	    i >= n || v[i++] != '/')
		goto fail;
	if (i < n && v[i] == '*')
		return 0;
	if (parse_i64(v, n, &i, size) == 0)
		return 0;
fail:
	*start = *end = *size = -1;
	return -1;
}

int http_disposition_filename(const uint8_t *v, size_t n, const uint8_t **name,
			      size_t *name_len)
{
	size_t i = 0;

	while (i < n) {
		size_t s, e;
		while (i < n && (is_space(v[i]) || v[i] == ';'))
			i++;
		s = i;
		while (i < n && v[i] != ';')
			i++;
		e = i;
		if (e - s > 9 && strncasecmp((const char *)v + s, "filename=", 9) == 0) {
			s += 9;
			while (e > s && is_space(v[e - 1]))
				e--;
			if (e > s && v[s] == '"')
				s++;
			if (e > s && v[e - 1] == '"')
				e--;
			*name = v + s;
			*name_len = e - s;
			return e > s;
		}
	}
	return 0;
}
