/*
 * http_line.c - line assembly for the HTTP/1.x parser: one request line,
 * status line, header line or chunk-size line at a time out of a
 * direction's stream chunks, a line that spans chunks kept in the
 * direction's `cur` buffer (up to the caller's maximum, the rest skipped),
 * with the line ends libhtp accepts in each place (see line_end()).
 *
 * App stage, leaf of src/app/http: called by http_conn.c's handlers;
 * http_msg.c parses the lines it returns.
 */
#include <string.h>

#include "app/http/http_int.h"

/* ---------------------------------------------------------- lines */

/* Index just past the first line terminator in data, or 0 when the line
 * goes on (or its end depends on a byte not there yet). `first`: data[0]
 * starts the line. Modes (libhtp's, measured on evasion captures):
 * - LF: only LF ends a line;
 * - STATUS: a CR not followed by LF ends the line too;
 * - HEADER: an LF followed by CR takes that CR into the line end; a CR
 *   followed by CR, or a CR that starts the line, is part of the line; any
 *   other CR not followed by LF ends the line; and after a line that ended
 *   with LF CR, "\r\n\r\n" is one line (so one end of headers): the six
 *   bytes LF CR CR LF CR LF end only two lines (http-evader 415: the body
 *   starts after them). Only when those four bytes are in data: split
 *   over two chunks, they are two lines (the body then starts with CR LF).
 * `lfcr`: the line before ended with LF CR. */
static uint32_t line_end(const uint8_t *data, uint32_t len, int mode, int first, int lfcr)
{
	const uint8_t *lf = memchr(data, '\n', len), *cr;
	uint32_t stop = lf ? (uint32_t)(lf - data) : len, i = 0;

	if (mode == HTTP_EOL_LF)
		return lf ? stop + 1 : 0;
	if (mode == HTTP_EOL_HEADER && lfcr && first && len >= 4 &&
	    memcmp(data, "\r\n\r\n", 4) == 0)
		return 4;
	/* The CRs before the first LF, found with memchr() rather than a
	 * byte loop (response headers take this path). */
	while ((cr = memchr(data + i, '\r', stop - i)) != NULL) {
		i = (uint32_t)(cr - data);
		if (i + 1 == len)
			return 0;
		if (data[i + 1] == '\n')
			return i + 2;
		if (mode == HTTP_EOL_HEADER && (data[i + 1] == '\r' || (first && i == 0))) {
			i++;
			continue;
		}
		return i + 1;
	}
	if (!lf)
		return 0;
	if (mode == HTTP_EOL_HEADER && stop + 1 < len && data[stop + 1] == '\r')
		return stop + 2;
	return stop + 1;
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
	end = line_end(data, len, mode, d->cur.len == 0, d->lfcr);
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
	d->lfcr = mode == HTTP_EOL_HEADER && plen >= 2 && p[plen - 2] == '\n' && p[plen - 1] == '\r';
	while (plen && (p[plen - 1] == '\n' || p[plen - 1] == '\r'))
		plen--;
	*line = p;
	*line_len = plen;
	d->cur_done = 1;
	d->lines++;
	return 1;
}
