/*
 * test_http_evasion.c - responses bent the way the HTTP evader suite bends
 * them (header names with NUL or control bytes before the colon, a header
 * block ended by LF CR CR LF CR LF, a server closing inside its headers,
 * Content-Encoding lzma) and a payload deep in a long body: the parser
 * must frame and decode them as a browser and Suricata's libhtp do, so
 * that file.data, http.header and http.server hold what the client gets.
 */
#include <openssl/evp.h>
#include <stdio.h>
#include <zlib.h>
#ifdef KN_HAVE_LZMA
#include <lzma.h>
#endif

#include "../../../kt.h"
#include "app/http/http_int.h"
#include "http_test.h"

static const char get_req[] = "GET /eicar.txt HTTP/1.1\r\nHost: evader.example.com\r\n\r\n";

/* The response head[0..head_n) (may hold NULs) then body[0..body_n),
 * in one chunk or in chunks of `chunk` bytes, then the server closes. */
static void serve(struct at *t, const char *head, size_t head_n, const void *body,
		  size_t body_n, size_t chunk)
{
	at_feed_str(t, 0, get_req);
	ht_feed(t, 1, head, head_n, chunk);
	ht_feed(t, 1, body, body_n, chunk);
	at_eof(t, 1);
	at_end(t);
}

/* A Transfer-Encoding name with a NUL inside or a NUL, VT or FF before
 * its colon is still Transfer-Encoding (http-evader 291-295): the chunks
 * are undone. */
static void test_te_name_bytes(void)
{
	static const char body[] = "4\r\nX5O!\r\n4\r\nP%@A\r\n0\r\n\r\n";
	static const char *const names[] = {
		"Transfer\0-Encoding", "Transfer-Encoding\0", "Transfer-Encoding\v",
		"Transfer-Encoding\f", "Transfer-Encoding \t",
	};
	static const size_t name_n[] = { 18, 18, 18, 18, 19 };

	for (size_t i = 0; i < sizeof names / sizeof names[0]; i++) {
		char head[256];
		size_t n = 0;
		struct at t;
		n += (size_t)snprintf(head, sizeof head, "HTTP/1.1 200 ok\r\nConnection: close\r\n");
		memcpy(head + n, names[i], name_n[i]);
		n += name_n[i];
		memcpy(head + n, ":chunked\r\n\r\n", 12);
		n += 12;
		HT_INIT_OR(&t, break);
		txb_attach(&t);
		serve(&t, head, n, body, strlen(body), 0);
		KT_CHECK(txb_is(0, KN_BUF_FILE_DATA, 0, "X5O!P%@A"));
		at_fini(&t);
		txb_reset();
	}
}

/* A control byte inside a name (not trailing, not NUL) makes another
 * name: the body is not de-chunked (it lasts until the close). */
static void test_te_name_other(void)
{
	static const char head[] =
		"HTTP/1.1 200 ok\r\nConnection: close\r\nTransfer-Enc\x01oding: chunked\r\n\r\n";
	static const char body[] = "4\r\nX5O!\r\n0\r\n\r\n";
	struct at t;

	HT_INIT_OR(&t, return);
	txb_attach(&t);
	serve(&t, head, strlen(head), body, strlen(body), 0);
	KT_CHECK(txb_is(0, KN_BUF_FILE_DATA, 0, body));
	at_fini(&t);
	txb_reset();
}

/* "Content\0-Encoding: gzip" and "Content-Encoding\v: gzip" are decoded
 * (http-evader 316, 320), in one chunk or byte by byte. */
static void test_ce_name_bytes(void)
{
	static const char text[] = "X5O!P%@AP[4\\PZX54(P^)7CC)7}$EICAR-STANDARD-ANTIVIRUS-TEST-FILE!";
	static const char *const names[] = { "Content\0-Encoding", "Content-Encoding\v" };
	size_t zn;
	uint8_t *z = zpack(text, strlen(text), 31, &zn);

	KT_REQUIRE(z != NULL);
	for (size_t i = 0; i < 2; i++) {
		for (size_t chunk = 0; chunk < 2; chunk++) {
			char head[256];
			size_t n = (size_t)snprintf(head, sizeof head, "HTTP/1.1 200 ok\r\n");
			struct at t;
			memcpy(head + n, names[i], 17);
			n += 17;
			n += (size_t)snprintf(head + n, sizeof head - n,
					      ":gzip\r\nContent-Length: %zu\r\n\r\n", zn);
			HT_INIT_OR(&t, break);
			txb_attach(&t);
			serve(&t, head, n, z, zn, chunk);
			KT_CHECK(txb_is(0, KN_BUF_FILE_DATA, 0, text));
			at_fini(&t);
			txb_reset();
		}
	}
	free(z);
}

/* LF CR, then CR LF CR LF: the header block ends after those six bytes
 * and the body starts after them, so the gzip body of exactly
 * Content-Length bytes decodes (http-evader 415). LF CR CR LF (412) ends
 * it one CR LF earlier. */
static void test_lfcr_header_end(void)
{
	static const char text[] = "EICAR-STANDARD-ANTIVIRUS-TEST-FILE behind odd line ends";
	static const char *const ends[] = { "\n\r\r\n\r\n", "\n\r\r\n", "\n\r\n" };
	size_t zn;
	uint8_t *z = zpack(text, strlen(text), 31, &zn);

	KT_REQUIRE(z != NULL);
	for (size_t i = 0; i < 3; i++) {
		char head[256];
		struct at t;
		int n = snprintf(head, sizeof head,
				 "HTTP/1.1 200 ok\r\nContent-Encoding: gzip\r\n"
				 "Content-Length: %zu%s", zn, ends[i]);
		HT_INIT_OR(&t, break);
		txb_attach(&t);
		serve(&t, head, (size_t)n, z, zn, 0);
		KT_CHECK(txb_is(0, KN_BUF_FILE_DATA, 0, text));
		KT_EQ(at_count(&t, "GZIP_DECOMPRESSION_FAILED"), 0);
		at_fini(&t);
		txb_reset();
	}
	free(z);
}

/* The server closes right after a header line, before the empty line
 * (http-close-headers): the headers it sent are the response's, for
 * http.header (read both ways: request first) and http.server. */
static void test_close_in_headers(void)
{
	static const char res[] = "HTTP/1.0 200 OK\nServer:ng1nx\r\n";
	size_t chunks[] = { 0, 1 };

	for (size_t c = 0; c < 2; c++) {
		struct at t;
		HT_INIT_OR(&t, break);
		txb_attach(&t);
		serve(&t, res, strlen(res), "", 0, chunks[c]);
		KT_CHECK(txb_is(0, KN_BUF_HTTP_SERVER, 0, "ng1nx"));
		KT_CHECK(txb_is(0, KN_BUF_HTTP_RESPONSE_HEADER, 0, "Server: ng1nx\r\n"));
		KT_CHECK(txb_is(0, KN_BUF_HTTP_HEADER, 0, "Host: evader.example.com\r\n"));
		KT_CHECK(txb_is(0, KN_BUF_HTTP_HEADER, 1, "Server: ng1nx\r\n"));
		KT_CHECK(at_find(&t, "\"event_type\":\"http\"", "\"status\":200") >= 0);
		at_fini(&t);
		txb_reset();
	}
}

/* A line cut short by the close (no line end) is not a header. */
static void test_close_mid_line(void)
{
	static const char res[] = "HTTP/1.1 200 OK\r\nServer: a\r\nX-Cut: b";
	struct at t;

	HT_INIT_OR(&t, return);
	txb_attach(&t);
	serve(&t, res, strlen(res), "", 0, 0);
	KT_CHECK(txb_is(0, KN_BUF_HTTP_RESPONSE_HEADER, 0, "Server: a\r\n"));
	at_fini(&t);
	txb_reset();
}

/* The run's body limit (libhtp's response-body-limit): a marker 190 KiB
 * into a 200 KiB body is inspected with a 256 KiB limit (http-body-inspect:
 * 1mb), not with the default 64 KiB; the file is tracked to the limit and
 * hashed whole; a limit under 64 KiB cuts both. */
static void test_body_limit(void)
{
	static const struct { uint64_t limit; uint32_t kept; const char *file; } runs[] = {
		{ 0, 64u << 10, "\"state\":\"TRUNCATED\",\"stored\":false,\"size\":102400," },
		{ 256u << 10, 200u << 10, "\"state\":\"CLOSED\",\"stored\":false,\"size\":204800," },
		{ 32u << 10, 32u << 10, "\"state\":\"TRUNCATED\",\"stored\":false,\"size\":32768," },
	};
	const size_t n = 200u << 10;
	char *body = malloc(n), head[128];

	KT_REQUIRE(body != NULL);
	for (size_t i = 0; i < n; i++)
		body[i] = (char)('a' + i % 23);
	memcpy(body + (190u << 10), "MARKER-AT-190K", 14);
	snprintf(head, sizeof head, "HTTP/1.1 200 OK\r\nContent-Length: %zu\r\n\r\n", n);
	for (size_t r = 0; r < 3; r++) {
		struct kn_app_config cfg;
		struct at t;
		kn_app_config_default(&cfg);
		cfg.http_body_limit = runs[r].limit;
		if (at_init_cfg(&t, "http", 6, 40000, 80, &cfg) != 0) {
			at_fini(&t);
			KT_CHECK(!"at_init_cfg");
			break;
		}
		txb_attach(&t);
		serve(&t, head, strlen(head), body, n, 1460);
		const struct txb_entry *e = txb_get(0, KN_BUF_FILE_DATA, 0);
		KT_REQUIRE(e != NULL);
		KT_EQ(e->len, runs[r].kept);
		KT_EQ(e->len > (190u << 10) && memcmp(e->data + (190u << 10), "MARKER", 6) == 0,
		      runs[r].limit == (256u << 10));
		KT_CHECK(at_find(&t, "\"event_type\":\"fileinfo\"", runs[r].file) >= 0);
		if (runs[r].limit == (256u << 10)) {
			unsigned char d[32];
			unsigned int dn = 0;
			char hex[80] = "\"sha256\":\"";
			EVP_Digest(body, n, d, &dn, EVP_sha256(), NULL);
			for (int k = 0; k < 32; k++)
				snprintf(hex + 10 + 2 * k, 3, "%02x", d[k]);
			KT_CHECK(at_find(&t, "\"event_type\":\"fileinfo\"", hex) >= 0);
		}
		at_fini(&t);
		txb_reset();
	}
	free(body);
}

#ifdef KN_HAVE_LZMA
/* text packed as .lzma ("alone": 13-byte header, preset 6: 8 MiB dictionary). */
static uint8_t *lzma_pack(const char *text, size_t *out_n)
{
	lzma_stream z = LZMA_STREAM_INIT;
	lzma_options_lzma opt;
	size_t cap = strlen(text) + 1024;
	uint8_t *out = malloc(cap);

	if (!out || lzma_lzma_preset(&opt, 6) || lzma_alone_encoder(&z, &opt) != LZMA_OK) {
		free(out);
		return NULL;
	}
	z.next_in = (const uint8_t *)text;
	z.avail_in = strlen(text);
	z.next_out = out;
	z.avail_out = cap;
	while (lzma_code(&z, LZMA_FINISH) == LZMA_OK)
		;
	*out_n = cap - z.avail_out;
	lzma_end(&z);
	return out;
}

/* Content-Encoding lzma (http-evader 116-lzma): decoded when the run asks
 * (libhtp's lzma-enabled), in one chunk or byte by byte, the 8 MiB
 * dictionary of the header notwithstanding; left as it is otherwise. */
static void test_lzma(void)
{
	static const char text[] = "X5O!P%@AP[4\\PZX54(P^)7CC)7}$EICAR-STANDARD-ANTIVIRUS-TEST-FILE!"
				   " and more text so that the stream has matches to follow";
	size_t zn;
	uint8_t *z = lzma_pack(text, &zn);

	KT_REQUIRE(z != NULL);
	KT_EQ(z[1] | z[2] << 8 | z[3] << 16 | (unsigned)z[4] << 24, 8u << 20);
	for (int on = 0; on < 2; on++) {
		for (size_t chunk = 0; chunk < 2; chunk++) {
			struct kn_app_config cfg;
			char head[128];
			struct at t;
			int n = snprintf(head, sizeof head, "HTTP/1.1 200 ok\r\nContent-Length: %zu\r\n"
				     "Content-Encoding: lzma\r\n\r\n", zn);
			kn_app_config_default(&cfg);
			cfg.http_lzma = on;
			if (at_init_cfg(&t, "http", 6, 40000, 80, &cfg) != 0) {
				at_fini(&t);
				KT_CHECK(!"at_init_cfg");
				break;
			}
			txb_attach(&t);
			serve(&t, head, (size_t)n, z, zn, chunk);
			const struct txb_entry *e = txb_get(0, KN_BUF_FILE_DATA, 0);
			KT_REQUIRE(e != NULL);
			if (on)
				KT_CHECK(txb_is(0, KN_BUF_FILE_DATA, 0, text));
			else
				KT_CHECK(e->len == zn && memcmp(e->data, z, zn) == 0);
			at_fini(&t);
			txb_reset();
		}
	}
	free(z);
}

/* A body that is no lzma stream passes through, with an event. */
static void test_lzma_garbage(void)
{
	static const char head[] = "HTTP/1.1 200 ok\r\nContent-Length: 20\r\n"
				   "Content-Encoding: lzma\r\n\r\n";
	static const char body[] = "\xff not an lzma header";
	struct kn_app_config cfg;
	struct at t;

	kn_app_config_default(&cfg);
	cfg.http_lzma = 1;
	if (at_init_cfg(&t, "http", 6, 40000, 80, &cfg) != 0) {
		at_fini(&t);
		return;
	}
	txb_attach(&t);
	serve(&t, head, strlen(head), body, 20, 0);
	KT_CHECK(txb_is(0, KN_BUF_FILE_DATA, 0, body));
	KT_EQ(at_count(&t, "GZIP_DECOMPRESSION_FAILED"), 1);
	at_fini(&t);
	txb_reset();
}
#endif

static const struct kt_case cases[] = {
	KT_CASE(test_te_name_bytes),
	KT_CASE(test_te_name_other),
	KT_CASE(test_ce_name_bytes),
	KT_CASE(test_lfcr_header_end),
	KT_CASE(test_close_in_headers),
	KT_CASE(test_close_mid_line),
	KT_CASE(test_body_limit),
#ifdef KN_HAVE_LZMA
	KT_CASE(test_lzma),
	KT_CASE(test_lzma_garbage),
#endif
};

KT_MAIN("app_http_evasion", cases)
