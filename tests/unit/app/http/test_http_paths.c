/*
 * test_http_paths.c - the parser's shortcuts give what the long ways give:
 * content decoders kept by the worker's pool and reset for the next body
 * (one flow, several flows, more bodies at once than the pool keeps, a
 * failed layer in between); the type guess eight bytes at a time (every
 * control byte, word edges, the 4 KiB limit); URIs split with memchr
 * ('?' and '#' in either order); control bytes inside a URI; header names
 * matched a word at a time (any case, near misses); repeated headers the
 * parser does not name; the per-flow memo of reported software.
 */
#include <zlib.h>

#include "../../../kt.h"
#include "app/http/http_int.h"
#include "http_test.h"

/* A text of n bytes that differs with `seed` (so that every body is its
 * own). */
static char *text_of(size_t n, unsigned seed)
{
	char *s = malloc(n + 1);

	for (size_t i = 0; s && i < n; i++)
		s[i] = (char)('a' + (i * 7 + seed * 13 + i / 31) % 26);
	if (s)
		s[n] = '\0';
	return s;
}

/* The response head of a body of len bytes with Content-Encoding enc. */
static void head(char *out, size_t cap, const char *enc, size_t len)
{
	snprintf(out, cap, "HTTP/1.1 200 OK\r\nContent-Encoding: %s\r\nContent-Length: %zu\r\n\r\n",
		 enc, len);
}

/* ------------------------------------------------------------ decoders */

/* One keep-alive flow: bodies of every kind in turn, a corrupt one among
 * them (its layer fails and its state ends), then a second flow of the
 * same context: every body decodes as if its decoder were new. */
static void test_decoders_reused(void)
{
	static const struct { const char *enc; int bits; int corrupt; } seq[] = {
		{ "gzip", 31, 0 }, { "gzip", 31, 1 }, { "deflate", 15, 0 }, { "deflate", -15, 0 },
		{ "gzip", 31, 0 }, { "x-gzip", 31, 0 }, { "deflate", 15, 0 },
	};
	const size_t n_seq = sizeof seq / sizeof seq[0];
	char h[256], *texts[16] = { 0 };
	struct at t;

	HT_INIT_OR(&t, return);
	txb_attach(&t);
	for (size_t round = 0; round < 2; round++) {
		if (round == 1) {
			/* The next flow of the same worker (its tx ids start at 0). */
			KT_EQ(txb_count(KN_BUF_FILE_DATA), n_seq);
			txb_reset();
			at_end(&t);
			t.flow.flow_id++;
			t.flow.key.sport++;
			if (kn_app_flow_set_proto(t.ctx, &t.flow, kn_app_parser_id("http")) != 0) {
				KT_CHECK(!"kn_app_flow_set_proto");
				break;
			}
		}
		for (size_t i = 0; i < n_seq; i++) {
			size_t k = round * n_seq + i, zn;
			char *text = texts[k] = text_of(3000 + 500 * k, (unsigned)k);
			uint8_t *z = text ? zpack(text, strlen(text), seq[i].bits, &zn) : NULL;
			if (!z)
				continue;
			if (seq[i].corrupt)
				memset(z + 10, 0xff, 16);   /* no valid deflate block */
			at_feed_str(&t, 0, "GET /t HTTP/1.1\r\nHost: h\r\n\r\n");
			head(h, sizeof h, seq[i].enc, zn);
			at_feed_str(&t, 1, h);
			ht_feed(&t, 1, z, zn, 700);
			if (!seq[i].corrupt)
				KT_CHECK(txb_is(i, KN_BUF_FILE_DATA, 0, text));
			free(z);
		}
	}
	at_end(&t);
	KT_EQ(at_count(&t, "GZIP_DECOMPRESSION_FAILED"), 2);
	KT_EQ(at_count(&t, "\"event_type\":\"http\""), 2 * n_seq);
	/* What the pool keeps is the worker's, not the flows'. */
	KT_EQ(kn_app_ctx_stats(t.ctx)->mem_in_use, 0);
	at_fini(&t);
	txb_reset();
	for (size_t k = 0; k < 16; k++)
		free(texts[k]);
}

/* More compressed bodies open at once (one per flow, two layers each)
 * than the pool keeps: all decode, then the next flows take the kept
 * decoders. */
static void test_decoders_many_flows(void)
{
	enum { FLOWS = 2 * HTTP_POOL_DECODERS + 1 };
	static const char req[] = "GET / HTTP/1.1\r\nHost: h\r\n\r\n";
	struct kn_flow f[FLOWS];
	char h[256], *text = text_of(20000, 3);
	size_t n1 = 0, zn = 0;
	uint8_t *inner = text ? zpack(text, strlen(text), 31, &n1) : NULL;
	uint8_t *z = inner ? zpack(inner, n1, 15, &zn) : NULL;
	unsigned http_id = kn_app_parser_id("http");
	struct at t;

	if (!z)
		goto out;
	HT_INIT_OR(&t, goto out);
	txb_attach(&t);
	head(h, sizeof h, "gzip, deflate", zn);
	for (int round = 0; round < 2; round++) {
		for (int i = 0; i < FLOWS; i++) {
			f[i] = t.flow;
			f[i].app = NULL;
			f[i].flow_id = 100 + (uint64_t)(round * FLOWS + i);
			f[i].key.sport = (uint16_t)(41000 + round * FLOWS + i);
			if (kn_app_flow_set_proto(t.ctx, &f[i], http_id) != 0) {
				KT_CHECK(!"kn_app_flow_set_proto");
				for (int k = 0; k <= i; k++)   /* f[i] too: it may hold a record */
					kn_app_flow_end(t.ctx, &f[k], t.ts_ns, NULL);
				goto done;
			}
			at_tick(&t);
			kn_app_stream_data(t.ctx, &f[i], 0, (const uint8_t *)req,
					   (uint32_t)strlen(req), 0);
			kn_app_stream_data(t.ctx, &f[i], 1, (const uint8_t *)h, (uint32_t)strlen(h), 0);
			kn_app_stream_data(t.ctx, &f[i], 1, z, (uint32_t)(zn / 2), 0);
		}
		for (int i = 0; i < FLOWS; i++) {
			at_tick(&t);
			kn_app_stream_data(t.ctx, &f[i], 1, z + zn / 2, (uint32_t)(zn - zn / 2), 0);
			kn_app_flow_end(t.ctx, &f[i], t.ts_ns, NULL);
		}
	}
	KT_EQ(txb_count(KN_BUF_FILE_DATA), 2 * FLOWS);
done:
	for (unsigned i = 0; i < txb_n; i++)
		if (txb_v[i].buf == KN_BUF_FILE_DATA)
			KT_CHECK(txb_v[i].len == strlen(text) &&
				 memcmp(txb_v[i].data, text, txb_v[i].len) == 0);
	KT_EQ(at_count(&t, "\"event_type\":\"anomaly\""), 0);
	at_end(&t);
	KT_EQ(kn_app_ctx_stats(t.ctx)->mem_in_use, 0);
	at_fini(&t);
	txb_reset();
out:
	free(text);
	free(inner);
	free(z);
}

/* ---------------------------------------------------------------- magic */

static int text_ctl(uint8_t c)
{
	return c == '\t' || c == '\n' || c == '\r' || c == '\f' || c == 0x1b;
}

/* Every control byte at every place of a word and of the tail. */
static void test_magic_controls(void)
{
	char buf[64];

	for (unsigned c = 0; c < 0x20; c++) {
		for (size_t at = 0; at < 27; at++) {
			memcpy(buf, "x plain line of words here.", 27);   /* 27 bytes */
			buf[at] = (char)c;
			KT_EQ_STR(http_magic((const uint8_t *)buf, 27),
				  text_ctl((uint8_t)c) ? "ASCII text" : "data");
		}
	}
	/* 0x7f and bytes from 0x80 are no control bytes. */
	KT_EQ_STR(http_magic((const uint8_t *)"del \x7f is text here", 18), "ASCII text");
	KT_EQ_STR(http_magic((const uint8_t *)"caf\xc3\xa9 au lait, bien s\xc3\xbbr\n", 25),
		  "UTF-8 Unicode text");
	KT_EQ_STR(http_magic((const uint8_t *)"caf\xc3\xa9\x0b au lait, bien s\xc3\xbbr\n", 26),
		  "data");
}

/* Only the first 4 KiB are looked at. */
static void test_magic_scan_limit(void)
{
	char *s = text_of(5000, 1);

	if (!s)
		return;
	s[4095] = 0x01;
	KT_EQ_STR(http_magic((const uint8_t *)s, 5000), "data");
	s[4095] = 'a';
	s[4096] = 0x01;
	KT_EQ_STR(http_magic((const uint8_t *)s, 5000), "ASCII text");
	free(s);
}

/* ------------------------------------------------------------------ URIs */

struct uri_case {
	const char *uri, *norm, *filename;
};

static void test_uri_split(void)
{
	static const struct uri_case cases[] = {
		{ "/dir/file.txt?x=1&y=2#frag", "/dir/file.txt?x=1&y=2#frag", "/dir/file.txt" },
		{ "/a#b?c", "/a#b?c", "/a" },
		{ "/a?b?c#d#e", "/a?b?c#d#e", "/a" },
		{ "/p%41th/./x?q#f", "/pAth/x?q#f", "/pAth/x" },
		{ "/plain/path/without/query/or/fragment", "/plain/path/without/query/or/fragment",
		  "/plain/path/without/query/or/fragment" },
		{ "/q?", "/q?", "/q" },
		{ "/f#", "/f#", "/f" },
	};
	char req[256], want[300];

	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		struct at t;
		HT_INIT_OR(&t, break);
		txb_attach(&t);
		snprintf(req, sizeof req, "GET %s HTTP/1.1\r\nHost: h\r\n\r\n", cases[i].uri);
		at_feed_str(&t, 0, req);
		at_feed_str(&t, 1, "HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok");
		KT_CHECK(txb_is(0, KN_BUF_HTTP_URI, 0, cases[i].norm));
		KT_CHECK(txb_is(0, KN_BUF_HTTP_RAW_URI, 0, cases[i].uri));
		snprintf(want, sizeof want, "\"filename\":\"%s\"", cases[i].filename);
		KT_CHECK(at_find(&t, "\"event_type\":\"fileinfo\"", want) >= 0);
		at_fini(&t);
		txb_reset();
	}
	/* An absolute URI: its authority gives the host and port. */
	{
		struct at t;
		HT_INIT_OR(&t, return);
		txb_attach(&t);
		at_feed_str(&t, 0, "GET http://H.example:8080/x?y#z HTTP/1.1\r\nHost: h.example\r\n\r\n");
		at_end(&t);
		KT_CHECK(txb_is(0, KN_BUF_HTTP_URI, 0, "/x?y#z"));
		KT_CHECK(at_find(&t, "\"hostname\":\"h.example\",\"http_port\":8080") >= 0);
		at_fini(&t);
		txb_reset();
	}
}

/* A TAB, VT, FF or CR inside the URI (anywhere in an 8-byte word, or in
 * the tail) is a non-compliant delimiter; a long clean URI is not. */
static void test_uri_controls(void)
{
	static const char ctl[] = { '\t', '\v', '\f', '\r' };
	const char *clean = "/a/long/uri/that/spans/several/words/of/eight/bytes?and=a&query=too";
	char uri[128], req[256];

	for (size_t c = 0; c < sizeof ctl; c++) {
		for (size_t at = 1; at < 26; at += 3) {
			struct at t;
			snprintf(uri, sizeof uri, "%s", clean);
			uri[at] = ctl[c];
			snprintf(req, sizeof req, "GET %s HTTP/1.1\r\nHost: h\r\n\r\n", uri);
			KT_REQUIRE(ht_init(&t) == 0);
			at_feed_str(&t, 0, req);
			at_end(&t);
			KT_EQ(at_count(&t, "URI_DELIM_NON_COMPLIANT"), 1);
			at_fini(&t);
		}
	}
	{
		struct at t;
		snprintf(req, sizeof req, "GET %s HTTP/1.1\r\nHost: h\r\n\r\n", clean);
		KT_REQUIRE(ht_init(&t) == 0);
		at_feed_str(&t, 0, req);
		at_end(&t);
		KT_EQ(at_count(&t, "URI_DELIM_NON_COMPLIANT"), 0);
		at_fini(&t);
	}
}

/* -------------------------------------------------------------- headers */

/* Names the parser reads, in any case; names one byte off are other
 * headers. */
static void test_header_names(void)
{
	struct at t;

	KT_REQUIRE(ht_init(&t) == 0);
	txb_attach(&t);
	at_feed_str(&t, 0, "GET /h HTTP/1.1\r\nhOsT: Name.Example\r\nUSER-AGENT: curl/8.0\r\n"
			   "x-FORWARDED-for: 1.2.3.4\r\nReferer: http://r/\r\n"
			   "Content_Length: 5\r\nContent-Lengtx: 5\r\n\r\n");
	at_feed_str(&t, 1, "HTTP/1.1 200 OK\r\nSERVER: nginx/1.25.3\r\nSxrver: other/1\r\n"
			   "CONTENT-TYPE: text/plain\r\nset-COOKIE: a=1\r\n"
			   "Content-disposition: attachment; filename=\"r.txt\"\r\n"
			   "cOnTeNt-LeNgTh: 5\r\n\r\nhello");
	KT_CHECK(at_find(&t, "\"event_type\":\"http\"",
			 "\"hostname\":\"name.example\",\"url\":\"/h\",\"http_user_agent\":\"curl/8.0\","
			 "\"xff\":\"1.2.3.4\",\"http_content_type\":\"text/plain\","
			 "\"http_refer\":\"http://r/\"", "\"length\":5}") >= 0);
	KT_CHECK(at_find(&t, "\"event_type\":\"fileinfo\"", "\"filename\":\"r.txt\"",
			 "\"size\":5,") >= 0);
	/* two-sided: value 0 is the request's Cookie (none), 1 the response's */
	KT_CHECK(!txb_get(0, KN_BUF_HTTP_COOKIE, 0));
	KT_CHECK(txb_is(0, KN_BUF_HTTP_COOKIE, 1, "a=1"));
	KT_CHECK(txb_is(0, KN_BUF_HTTP_SERVER, 0, "nginx/1.25.3"));
	/* The request has no body: the misspelt lengths are other headers. */
	KT_CHECK(!txb_get(0, KN_BUF_HTTP_REQUEST_BODY, 0));
	KT_EQ(t.n_assets, 2);
	at_fini(&t);
	txb_reset();
}

/* Repeats of headers the parser does not name are merged, also among
 * names whose lengths are equal modulo 64. */
static void test_other_repeats(void)
{
	char longname[68], req[512], want[512];
	struct at t;

	memset(longname, 'L', 67);
	longname[0] = 'X', longname[1] = '-';
	longname[67] = '\0';
	snprintf(req, sizeof req,
		 "GET / HTTP/1.1\r\nX-A: 1\r\nX-Bb: 2\r\n%s: 3\r\nx-a: 4\r\nX-BB: 5\r\n%s: 6\r\n"
		 "Y-A: 7\r\n\r\n", longname, longname);
	snprintf(want, sizeof want, "X-A: 1, 4\r\nX-Bb: 2, 5\r\n%s: 3, 6\r\nY-A: 7\r\n", longname);
	KT_REQUIRE(ht_init(&t) == 0);
	txb_attach(&t);
	at_feed_str(&t, 0, req);
	at_end(&t);
	KT_CHECK(txb_is(0, KN_BUF_HTTP_HEADER, 0, want));
	at_fini(&t);
	txb_reset();
}

/* --------------------------------------------------------------- assets */

/* One report per flow and banner; a banner with a NUL is none; banners
 * are compared on their first 255 bytes. */
static void test_asset_memo(void)
{
	static const char nul_ua[] = "GET / HTTP/1.1\r\nUser-Agent: a\0b/1\r\n\r\n";
	char ua1[400], ua2[400], req[600];
	struct at t;

	KT_REQUIRE(ht_init(&t) == 0);
	for (int i = 0; i < 3; i++) {
		at_feed_str(&t, 0, "GET / HTTP/1.1\r\nUser-Agent: Wget/1.21\r\n\r\n");
		at_feed_str(&t, 0, "GET / HTTP/1.1\r\nUser-Agent: curl/7.88.1\r\n\r\n");
	}
	at_feed(&t, 0, nul_ua, sizeof nul_ua - 1);
	memset(ua1, 'u', sizeof ua1);
	memcpy(ua1, "Long/1.0 ", 9);
	memcpy(ua2, ua1, sizeof ua2);
	ua1[300] = ua2[300] = '\0';
	ua2[280] = 'v';   /* past the 255 bytes compared */
	snprintf(req, sizeof req, "GET / HTTP/1.1\r\nUser-Agent: %s\r\n\r\n", ua1);
	at_feed_str(&t, 0, req);
	snprintf(req, sizeof req, "GET / HTTP/1.1\r\nUser-Agent: %s\r\n\r\n", ua2);
	at_feed_str(&t, 0, req);
	at_end(&t);
	KT_EQ(t.n_assets, 3);
	KT_EQ_STR(t.assets[0].product, "wget");
	KT_EQ_STR(t.assets[1].product, "curl");
	KT_EQ_STR(t.assets[2].product, "long");
	KT_EQ(strlen(t.assets[2].banner), 255);
	at_fini(&t);
}

static const struct kt_case cases[] = {
	KT_CASE(test_decoders_reused),
	KT_CASE(test_decoders_many_flows),
	KT_CASE(test_magic_controls),
	KT_CASE(test_magic_scan_limit),
	KT_CASE(test_uri_split),
	KT_CASE(test_uri_controls),
	KT_CASE(test_header_names),
	KT_CASE(test_other_repeats),
	KT_CASE(test_asset_memo),
};

KT_MAIN("app_http_paths", cases)
