/*
 * http_test.h - shared pieces of the HTTP parser tests (header only): a
 * real request/response pair from the bro.org browsing capture (Zeek test
 * trace in shared/data, frames 56 and 101), feeding helpers that cut a
 * conversation into chunks of a given size, and a tx hook that records the
 * named buffers of every logged transaction as detection would read them.
 */
#ifndef KN_TESTS_HTTP_TEST_H
#define KN_TESTS_HTTP_TEST_H

#include <stdlib.h>
#include <string.h>

#include "app/app_int.h"
#include "app_test.h"

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

/* ------------------------------------------------------------ buffers */

#define HT_BUF_MAX 512

struct ht_buf {
	uint64_t tx_id;
	unsigned buf, index;
	uint32_t len;
	char *data;
};

static struct ht_buf ht_bufs[HT_BUF_MAX];
static unsigned ht_nbufs;

static inline void ht_bufs_reset(void)
{
	for (unsigned i = 0; i < ht_nbufs; i++)
		free(ht_bufs[i].data);
	ht_nbufs = 0;
}

static inline void ht_tx_hook(void *user, const struct kn_flow *flow, const char *app_proto,
			      const struct kn_tx *tx, uint64_t ts_ns, uint64_t pcap_cnt)
{
	at_on_tx(user, flow, app_proto, tx, ts_ns, pcap_cnt);
	for (unsigned b = 0; tx->buffer && b < KN_BUF_COUNT; b++) {
		for (unsigned i = 0; i < 8 && ht_nbufs < HT_BUF_MAX; i++) {
			const uint8_t *d;
			uint32_t n;
			struct ht_buf *e;
			if (!tx->buffer(tx, b, i, &d, &n))
				break;
			e = &ht_bufs[ht_nbufs++];
			e->tx_id = tx->id;
			e->buf = b;
			e->index = i;
			e->len = n;
			e->data = malloc((size_t)n + 1);
			if (e->data) {
				memcpy(e->data, d, n);
				e->data[n] = '\0';
			}
		}
	}
}

/* Records buffers from now on (call after ht_init). */
static inline void ht_bufs_attach(struct at *t)
{
	ht_bufs_reset();
	t->ctx->hooks.tx = ht_tx_hook;
}

/* The recorded value of buffer[index] of transaction tx_id, or NULL. */
static inline const struct ht_buf *ht_buf_get(uint64_t tx_id, unsigned buf, unsigned index)
{
	for (unsigned i = 0; i < ht_nbufs; i++)
		if (ht_bufs[i].tx_id == tx_id && ht_bufs[i].buf == buf && ht_bufs[i].index == index)
			return &ht_bufs[i];
	return NULL;
}

/* 1 when buffer[index] of tx_id holds exactly s. */
static inline int ht_buf_is(uint64_t tx_id, unsigned buf, unsigned index, const char *s)
{
	const struct ht_buf *b = ht_buf_get(tx_id, buf, index);
	return b && b->data && b->len == strlen(s) && memcmp(b->data, s, b->len) == 0;
}

#endif
