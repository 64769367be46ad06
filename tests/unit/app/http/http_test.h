/*
 * http_test.h - shared pieces of the HTTP parser tests (header only): a
 * real request/response pair from the bro.org browsing capture (Zeek test
 * trace in shared/data, frames 56 and 101), feeding helpers that cut a
 * conversation into chunks of a given size; the named buffers are recorded
 * with tx_buffers.h.
 */
#ifndef KN_TESTS_HTTP_TEST_H
#define KN_TESTS_HTTP_TEST_H

#include <stdlib.h>
#include <string.h>
#include <zlib.h>

#include "app/app_int.h"
#include "app_test.h"
#include "tx_buffers.h"

/* bro.org, frame 56: Firefox asks for a style sheet. */
static const char bro_req[] =
	"GET /css/print.css HTTP/1.1\r\n"
	"Host: bro.org\r\n"
	"User-Agent: Mozilla/5.0 (X11; Linux i686; rv:24.0) Gecko/20100101 Firefox/24.0\r\n"
	"Accept: text/css,*/*;q=0.1\r\n"
	"Accept-Language: en-US,en;q=0.5\r\n"
	"Accept-Encoding: gzip, deflate\r\n"
	"Referer: http://bro.org/\r\n"
	"Connection: keep-alive\r\n\r\n";

/* bro.org, frame 101: Apache answers with 334 bytes of CSS. */
static const char bro_res[] =
	"HTTP/1.1 200 OK\r\n"
	"Date: Tue, 14 Jan 2014 17:09:01 GMT\r\n"
	"Server: Apache/2.4.6 (Fedora)\r\n"
	"Last-Modified: Tue, 14 Jan 2014 16:08:09 GMT\r\n"
	"ETag: \"14e-4eff065fb4c40\"\r\n"
	"Accept-Ranges: bytes\r\n"
	"Content-Length: 334\r\n"
	"Keep-Alive: timeout=5, max=100\r\n"
	"Connection: Keep-Alive\r\n"
	"Content-Type: text/css\r\n\r\n"
	"/*\n\n*\tBasic print styles are defined in this page\n\n*\tTo hide an element "
	"from printing, use display:none or add the class .noprint\n\n*/\n\n\n\nhtml,\n\n"
	"body {\n\n\tfont-family:Arial, Helvetica, sans-serif;\n\n\tfont-size:16px;\n\n"
	"\tcolor:#000;\n\n}\n\n\n\na img, a {\n\n\tborder:0;\n\n}\n\n.noprint,\n\n#footer,"
	"\n\n#topbar,\n\n.scroll-top,\n\n.sf-menu {\n\n\tdisplay:none;\n\n}";

/* What Suricata 7 logs for that pair (the reference EVE of the capture). */
static const char bro_http[] =
	"\"http\":{\"hostname\":\"bro.org\",\"url\":\"/css/print.css\","
	"\"http_user_agent\":\"Mozilla/5.0 (X11; Linux i686; rv:24.0) Gecko/20100101 "
	"Firefox/24.0\",\"http_content_type\":\"text/css\",\"http_refer\":\"http://bro.org/\","
	"\"http_method\":\"GET\",\"protocol\":\"HTTP/1.1\",\"status\":200,\"length\":334}";

/* Feeds len bytes of direction dir in chunks of `chunk` bytes (0: all). */
static inline void ht_feed(struct at *t, int dir, const void *data, size_t len, size_t chunk)
{
	const uint8_t *p = data;

	if (!chunk)
		chunk = len ? len : 1;
	while (len) {
		size_t n = len < chunk ? len : chunk;
		at_feed(t, dir, p, n);
		p += n;
		len -= n;
	}
}

static inline void ht_feed_str(struct at *t, int dir, const char *s, size_t chunk)
{
	ht_feed(t, dir, s, strlen(s), chunk);
}

/* An HTTP flow 10.0.0.1:40000 -> 10.0.0.2:80 with the parser forced. */
static inline int ht_init(struct at *t)
{
	if (at_init(t, "http", 6, 40000, 80) == 0)
		return 0;
	at_fini(t);   /* an allocation failed (fault injection): clean up */
	return -1;
}

/* ht_init for tests that own memory: on failure (fault injection) the
 * case fails and runs `action` (a goto to its cleanup, or a break out of
 * the enclosing loop: hence no do-while wrapper). */
#define HT_INIT_OR(t, action)                                   \
	if (ht_init(t) != 0) {                                  \
		KT_CHECK(!"ht_init");                           \
		action;                                         \
	} else                                                  \
		(void)0

/* Compresses in[0..n) with windowBits `bits` (31 gzip, 15 zlib, -15 raw)
 * into a malloc'd buffer; *out_n gets its size. */
static inline uint8_t *zpack(const void *in, size_t n, int bits, size_t *out_n)
{
	z_stream zs;
	size_t cap = n + n / 100 + 1024;
	uint8_t *out = malloc(cap);

	memset(&zs, 0, sizeof zs);
	if (!out || deflateInit2(&zs, 9, Z_DEFLATED, bits, 9, Z_DEFAULT_STRATEGY) != Z_OK) {
		free(out);
		return NULL;
	}
	zs.next_in = (Bytef *)(uintptr_t)in;
	zs.avail_in = (uInt)n;
	zs.next_out = out;
	zs.avail_out = (uInt)cap;
	deflate(&zs, Z_FINISH);
	*out_n = cap - zs.avail_out;
	deflateEnd(&zs);
	return out;
}

#endif
