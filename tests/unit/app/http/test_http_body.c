/*
 * test_http_body.c - HTTP bodies: gzip, zlib and raw deflate decoding (made
 * here with zlib), a gzip bomb, truncated and corrupt streams, a gap inside
 * a body, multipart/form-data uploads, the tracked file size, sha256 (made
 * at close, also past the kept bytes and under a small memcap) and the
 * magic table.
 */
#include <openssl/evp.h>
#include <zlib.h>

#include "../../../kt.h"
#include "app/http/http_int.h"
#include "http_test.h"

static void sha256_hex(const void *p, size_t n, char hex[65])
{
	unsigned char d[32];
	unsigned int len = 0;

	EVP_Digest(p, n, d, &len, EVP_sha256(), NULL);
	for (int i = 0; i < 32; i++)
		snprintf(hex + 2 * i, 3, "%02x", d[i]);
}

/* A response whose body is `body` (len bytes) with the given encoding. */
static void respond(struct at *t, const char *encoding, const void *body, size_t len,
		    size_t chunk)
{
	char head[256];

	snprintf(head, sizeof head,
		 "HTTP/1.1 200 OK\r\nContent-Encoding: %s\r\nContent-Length: %zu\r\n\r\n", encoding,
		 len);
	at_feed_str(t, 1, head);
	ht_feed(t, 1, body, len, chunk);
}

static void test_codings(void)
{
	static const char text[] =
		"<!DOCTYPE html><html><body>kenchi decodes gzip, zlib and raw deflate</body></html>";
	static const struct { const char *name; int bits; } kinds[] = {
		{ "gzip", 31 }, { "deflate", 15 }, { "deflate", -15 }, { "x-gzip", 31 },
	};
	char want[65], line[128];

	sha256_hex(text, strlen(text), want);
	for (size_t k = 0; k < sizeof kinds / sizeof kinds[0]; k++) {
		size_t zn, chunks[] = { 1, 5, 0 };
		uint8_t *z = zpack(text, strlen(text), kinds[k].bits, &zn);
		for (size_t c = 0; z && c < 3; c++) {
			struct at t;
			HT_INIT_OR(&t, break);
			txb_attach(&t);
			at_feed_str(&t, 0, "GET /page HTTP/1.1\r\nHost: h\r\n\r\n");
			respond(&t, kinds[k].name, z, zn, chunks[c]);
			KT_CHECK(txb_is(0, KN_BUF_FILE_DATA, 0, text));
			snprintf(line, sizeof line, "\"length\":%zu}", zn);
			KT_CHECK(at_find(&t, "\"event_type\":\"http\"", line) >= 0);
			snprintf(line, sizeof line, "\"size\":%zu,", strlen(text));
			KT_CHECK(at_find(&t, "\"event_type\":\"fileinfo\"", line, want,
					 "\"magic\":\"HTML document\"") >= 0);
			KT_EQ(at_count(&t, "\"event_type\":\"anomaly\""), 0);
			at_fini(&t);
			txb_reset();
		}
		free(z);
	}
}

/* Two layers (listed in either order) are undone. */
static void test_two_layers(void)
{
	static const char text[] = "two layers of compression around this text";
	size_t n1, n2;
	uint8_t *inner = zpack(text, strlen(text), 31, &n1);
	uint8_t *outer = inner ? zpack(inner, n1, -15, &n2) : NULL;
	struct at t;

	if (!outer)
		goto out;
	HT_INIT_OR(&t, goto out);
	txb_attach(&t);
	at_feed_str(&t, 0, "GET / HTTP/1.1\r\nHost: h\r\n\r\n");
	respond(&t, "gzip, deflate", outer, n2, 3);
	KT_CHECK(txb_is(0, KN_BUF_FILE_DATA, 0, text));
	at_fini(&t);
	txb_reset();
out:
	free(inner);
	free(outer);
}

/* 10 MB of zeros in ~10 KB: decoding stops early, memory stays small. */
static void test_gzip_bomb(void)
{
	size_t n = 10u << 20, zn;
	uint8_t *zeros = calloc(1, n), *z = zeros ? zpack(zeros, n, 31, &zn) : NULL;
	struct at t;

	if (!z)
		goto out;
	HT_INIT_OR(&t, goto out);
	at_feed_str(&t, 0, "GET /bomb HTTP/1.1\r\nHost: h\r\n\r\nGET /after HTTP/1.1\r\nHost: h\r\n\r\n");
	respond(&t, "gzip", z, zn, 1460);
	at_feed_str(&t, 1, "HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok");
	KT_CHECK(at_find(&t, "COMPRESSION_BOMB") >= 0);
	KT_CHECK(at_find(&t, "\"event_type\":\"fileinfo\"", "\"state\":\"TRUNCATED\"") >= 0);
	KT_CHECK(at_find(&t, "\"url\":\"/after\"", "\"status\":200,\"length\":2}") >= 0);
	KT_CHECK(kn_app_ctx_stats(t.ctx)->mem_peak < (2u << 20));
	for (unsigned i = 0; i < t.n; i++) {
		const char *s = strstr(t.ev[i], "\"size\":");
		if (s && strstr(t.ev[i], "/bomb"))
			KT_CHECK(strtoull(s + 7, NULL, 10) <= HTTP_DECODE_MAX);
	}
	at_fini(&t);
out:
	free(zeros);
	free(z);
}

/* A big ordinary compressed body (2 MiB, ratio ~4): no bomb event, the
 * file is tracked to its limit, "length" counts every wire byte. */
static void test_big_ordinary(void)
{
	size_t n = 2u << 20, zn;
	char *text = malloc(n), line[64];
	uint8_t *z;
	uint32_t seed = 7;
	struct at t;

	KT_REQUIRE(text);
	for (size_t i = 0; i < n; i++) {
		seed = seed * 1103515245u + 12345u;
		text[i] = "abcdefghij klmnopqrstuvwxyz\n"[(seed >> 16) % 28];
	}
	z = zpack(text, n, 31, &zn);
	if (!z)
		goto out;
	HT_INIT_OR(&t, goto out);
	at_feed_str(&t, 0, "GET /big.txt HTTP/1.1\r\nHost: h\r\n\r\n");
	respond(&t, "gzip", z, zn, 4096);
	KT_EQ(at_count(&t, "COMPRESSION_BOMB"), 0);
	KT_CHECK(at_find(&t, "\"event_type\":\"fileinfo\"", "\"size\":102400,",
			 "\"state\":\"TRUNCATED\"", "\"magic\":\"ASCII text\"") >= 0);
	snprintf(line, sizeof line, "\"length\":%zu}", zn);
	KT_CHECK(at_find(&t, "\"event_type\":\"http\"", line) >= 0);
	at_fini(&t);
out:
	free(text);
	free(z);
}

/* A cut stream gives what it decodes; garbage passes through, flagged. */
static void test_truncated_and_corrupt(void)
{
	static const char text[] = "The quick brown fox jumps over the lazy dog, twice over: "
				   "the quick brown fox jumps over the lazy dog.";
	size_t zn;
	uint8_t *z = zpack(text, strlen(text), 31, &zn);
	struct at t;

	if (!z)
		return;
	HT_INIT_OR(&t, goto out);
	txb_attach(&t);
	at_feed_str(&t, 0, "GET / HTTP/1.1\r\nHost: h\r\n\r\n");
	respond(&t, "gzip", z, zn / 2, 0);
	at_end(&t);
	KT_EQ(at_count(&t, "GZIP_DECOMPRESSION_FAILED"), 0);
	{
		const struct txb_entry *b = txb_get(0, KN_BUF_FILE_DATA, 0);
		KT_CHECK(!b || (b->len < strlen(text) && memcmp(b->data, text, b->len) == 0));
	}
	at_fini(&t);
	txb_reset();

	HT_INIT_OR(&t, goto out);
	txb_attach(&t);
	at_feed_str(&t, 0, "GET / HTTP/1.1\r\nHost: h\r\n\r\n");
	respond(&t, "gzip", "\x1f\x8b\x08\x00\x00\x00\x00\x00\x00\x03not deflate at all!", 29, 0);
	KT_CHECK(at_find(&t, "GZIP_DECOMPRESSION_FAILED") >= 0);
	KT_CHECK(at_find(&t, "\"event_type\":\"http\"", "\"length\":29}") >= 0);
	at_fini(&t);
out:
	txb_reset();
	free(z);
}

/* A gap inside a body: the file has gaps, no hash; parsing goes on. */
static void test_gap_in_body(void)
{
	struct at t;

	KT_REQUIRE(ht_init(&t) == 0);
	at_feed_str(&t, 0, "GET /1 HTTP/1.1\r\nHost: h\r\n\r\nGET /2 HTTP/1.1\r\nHost: h\r\n\r\n");
	at_feed_str(&t, 1, "HTTP/1.1 200 OK\r\nContent-Length: 100\r\n\r\n");
	ht_feed(&t, 1, "0123456789012345678901234567890123456789", 40, 0);
	at_gap(&t, 1, 20);
	ht_feed(&t, 1, "0123456789012345678901234567890123456789", 40, 0);
	at_feed_str(&t, 1, "HTTP/1.1 404 Not Found\r\nContent-Length: 0\r\n\r\n");
	KT_CHECK(at_find(&t, "\"event_type\":\"fileinfo\"", "\"gaps\":true,\"state\":\"TRUNCATED\"",
			 "\"size\":100,") >= 0);
	KT_EQ(at_count(&t, "\"sha256\""), 0);
	KT_CHECK(at_find(&t, "\"url\":\"/2\"", "\"status\":404") >= 0);
	at_fini(&t);

	/* A gap that swallows the end of a body and more. */
	KT_REQUIRE(ht_init(&t) == 0);
	at_feed_str(&t, 0, "GET /1 HTTP/1.1\r\nHost: h\r\n\r\nGET /2 HTTP/1.1\r\nHost: h\r\n\r\n");
	at_feed_str(&t, 1, "HTTP/1.1 200 OK\r\nContent-Length: 10\r\n\r\nabc");
	at_gap(&t, 1, 500);
	at_feed_str(&t, 1, "HTTP/1.1 204 No Content\r\n\r\n");
	KT_CHECK(at_find(&t, "\"url\":\"/1\"", "\"status\":200") >= 0);
	KT_CHECK(at_find(&t, "\"url\":\"/2\"", "\"status\":204") >= 0);
	at_fini(&t);
}

/* Two uploads in one form (bytes from a shared capture, boundary kept). */
static void test_multipart(void)
{
	static const char body[] =
		"--------------------------DGoa8IkJzGtIQpK8j2fLTv\r\n"
		"Content-Disposition: form-data; name=\"upload1\"; filename=\"toto.txt\"\r\n"
		"Content-Type: text/plain\r\n\r\n"
		"toto est dans un bateau\n\r\n"
		"--------------------------DGoa8IkJzGtIQpK8j2fLTv\r\n"
		"Content-Disposition: form-data; name=\"field\"\r\n\r\n"
		"not a file\r\n"
		"--------------------------DGoa8IkJzGtIQpK8j2fLTv\r\n"
		"Content-Disposition: form-data; name=\"upload2\"; filename=\"titi.txt\"\r\n"
		"Content-Type: text/plain\r\n\r\n"
		"Titi a vu un gros minet.\n\r\n"
		"--------------------------DGoa8IkJzGtIQpK8j2fLTv--\r\n";
	static const size_t chunks[] = { 1, 17, 0 };
	char head[512], h1[65], h2[65];

	sha256_hex("toto est dans un bateau\n", 24, h1);
	sha256_hex("Titi a vu un gros minet.\n", 25, h2);
	snprintf(head, sizeof head,
		 "POST / HTTP/1.1\r\nHost: home.regit.org\r\nUser-Agent: curl/8.11.1\r\n"
		 "Content-Length: %zu\r\nContent-Type: multipart/form-data; "
		 "boundary=------------------------DGoa8IkJzGtIQpK8j2fLTv\r\n\r\n", strlen(body));
	for (size_t c = 0; c < 3; c++) {
		struct at t;
		KT_REQUIRE(ht_init(&t) == 0);
		at_feed_str(&t, 0, head);
		ht_feed_str(&t, 0, body, chunks[c]);
		at_feed_str(&t, 1, "HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n");
		KT_EQ(at_count(&t, "\"event_type\":\"fileinfo\""), 2);
		KT_CHECK(at_find(&t, "\"filename\":\"toto.txt\"", "\"size\":24,", h1,
				 "\"src_port\":40000", "\"state\":\"CLOSED\"") >= 0);
		KT_CHECK(at_find(&t, "\"filename\":\"titi.txt\"", "\"size\":25,", h2) >= 0);
		at_fini(&t);
	}
}

/* Past 100 KiB a file is truncated, and its event written right away. */
static void test_file_limit(void)
{
	size_t n = 200000;
	char *body = malloc(n), head[128];
	struct at t;
	int fi, hi;

	KT_REQUIRE(body);
	memset(body, 'A', n);
	HT_INIT_OR(&t, goto out);
	at_feed_str(&t, 0, "GET /big HTTP/1.1\r\nHost: h\r\n\r\n");
	snprintf(head, sizeof head, "HTTP/1.1 200 OK\r\nContent-Length: %zu\r\n\r\n", n);
	at_feed_str(&t, 1, head);
	ht_feed(&t, 1, body, n, 1448);
	fi = at_find(&t, "\"event_type\":\"fileinfo\"", "\"state\":\"TRUNCATED\"",
		     "\"size\":102400,");
	hi = at_find(&t, "\"event_type\":\"http\"", "\"length\":200000}");
	KT_CHECK(fi >= 0 && hi > fi);
	KT_EQ(at_count(&t, "\"event_type\":\"fileinfo\""), 1);
	at_fini(&t);
out:
	free(body);
}

/* One response of len bytes of body[] in chunks of `chunk` (identity, or
 * gzip when z is set), checked for the fileinfo state, size and sha256 of
 * body[0..hashed). memcap 0: the default. */
static void hashed_file(const uint8_t *body, size_t len, size_t hashed, const uint8_t *z,
			size_t zn, size_t chunk, uint64_t memcap)
{
	struct kn_app_config cfg;
	char want[65], sha[96], size[48];
	struct at t;

	kn_app_config_default(&cfg);
	if (memcap)
		cfg.memcap = memcap;
	if (at_init_cfg(&t, "http", 6, 40000, 80, &cfg) != 0) {
		at_fini(&t);
		KT_CHECK(!"at_init_cfg");
		return;
	}
	at_feed_str(&t, 0, "GET /f.bin HTTP/1.1\r\nHost: h\r\n\r\n");
	if (z)
		respond(&t, "gzip", z, zn, chunk);
	else
		respond(&t, "identity", body, len, chunk);
	sha256_hex(body, hashed, want);
	snprintf(sha, sizeof sha, "\"sha256\":\"%s\"", want);
	snprintf(size, sizeof size, "\"size\":%zu,", hashed);
	KT_CHECK(at_find(&t, "\"event_type\":\"fileinfo\"", "\"state\":\"CLOSED\"", size,
			 sha) >= 0);
	at_fini(&t);
}

/* Files are hashed at close from the bytes kept for detection and a tail
 * past them: sizes around the kept and the tracked limits, any chunking,
 * decoded bodies, and a memcap that stops the kept copy short (the hash is
 * then made as bytes come). */
static void test_hash_at_close(void)
{
	size_t n = HTTP_FILE_TRACK_MAX + 1, zn = 0;
	uint8_t *body = malloc(n), *z = NULL;
	uint32_t seed = 11;
	static const size_t sizes[] = { HTTP_BODY_KEEP - 1, HTTP_BODY_KEEP, HTTP_BODY_KEEP + 1,
					90000, HTTP_FILE_TRACK_MAX };
	static const size_t chunks[] = { 1448, 65536, 0 };

	KT_REQUIRE(body);
	for (size_t i = 0; i < n; i++) {
		seed = seed * 1103515245u + 12345u;
		body[i] = (uint8_t)(seed >> 16);
	}
	for (size_t s = 0; s < sizeof sizes / sizeof sizes[0]; s++)
		for (size_t c = 0; c < sizeof chunks / sizeof chunks[0]; c++)
			hashed_file(body, sizes[s], sizes[s], NULL, 0, chunks[c], 0);
	/* One byte past the tracked size, in the body's last chunk: the file
	 * is the first HTTP_FILE_TRACK_MAX bytes, closed whole. */
	hashed_file(body, n, HTTP_FILE_TRACK_MAX, NULL, 0, 0, 0);
	z = zpack(body, 90000, 31, &zn);
	if (z)
		hashed_file(body, 90000, 90000, z, zn, 1448, 0);
	hashed_file(body, 40000, 40000, NULL, 0, 1448, 48 * 1024);
	free(z);
	free(body);
}

static void test_sha256_and_magic(void)
{
	static const uint8_t pe[0x100] = { 'M', 'Z', [0x3c] = 0x80, [0x80] = 'P', [0x81] = 'E',
					   [0x98] = 0x0b, [0x99] = 0x01 };
	static const uint8_t elf[] = { 0x7f, 'E', 'L', 'F', 2, 1, 1, 0 };
	struct at t;

	KT_REQUIRE(ht_init(&t) == 0);
	at_feed_str(&t, 0, "GET /abc HTTP/1.1\r\nHost: h\r\n\r\n");
	at_feed_str(&t, 1, "HTTP/1.1 200 OK\r\nContent-Length: 3\r\n\r\nabc");
	KT_CHECK(at_find(&t, "\"sha256\":\"ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad\"") >= 0);
	at_fini(&t);

	KT_EQ_STR(http_magic(pe, sizeof pe), "PE32 executable");
	KT_EQ_STR(http_magic((const uint8_t *)"MZ\x90", 3), "MS-DOS executable");
	KT_EQ_STR(http_magic(elf, sizeof elf), "ELF 64-bit LSB");
	KT_EQ_STR(http_magic((const uint8_t *)"%PDF-1.7\n", 9), "PDF document");
	KT_EQ_STR(http_magic((const uint8_t *)"PK\3\4\24\0\6\0\10\0\0\0!\0\0\0\0\0\0\0\0\0\0\0"
				  "\0\0\0\0\23\0[Content_Types].xml", 49), "Microsoft OOXML");
	KT_EQ_STR(http_magic((const uint8_t *)"PK\3\4\24\0", 6), "Zip archive data");
	KT_EQ_STR(http_magic((const uint8_t *)"\x1f\x8b\x08", 3), "gzip compressed data");
	KT_EQ_STR(http_magic((const uint8_t *)"\x89PNG\r\n\x1a\n", 8), "PNG image data");
	KT_EQ_STR(http_magic((const uint8_t *)"\xff\xd8\xff\xe0", 4), "JPEG image data");
	KT_EQ_STR(http_magic((const uint8_t *)"GIF89a", 6), "GIF image data");
	KT_EQ_STR(http_magic((const uint8_t *)"  <!DOCTYPE html>", 17), "HTML document");
	KT_EQ_STR(http_magic((const uint8_t *)"{\"a\": 1}", 8), "JSON data");
	KT_EQ_STR(http_magic((const uint8_t *)"plain words\n", 12), "ASCII text");
	KT_EQ_STR(http_magic((const uint8_t *)"caf\xc3\xa9\n", 6), "UTF-8 Unicode text");
	KT_EQ_STR(http_magic((const uint8_t *)"\x00\x01\x02\x03", 4), "data");
	KT_CHECK(http_magic(NULL, 0) == NULL);
}

static const struct kt_case cases[] = {
	KT_CASE(test_codings),
	KT_CASE(test_two_layers),
	KT_CASE(test_gzip_bomb),
	KT_CASE(test_big_ordinary),
	KT_CASE(test_truncated_and_corrupt),
	KT_CASE(test_gap_in_body),
	KT_CASE(test_multipart),
	KT_CASE(test_file_limit),
	KT_CASE(test_hash_at_close),
	KT_CASE(test_sha256_and_magic),
};

KT_MAIN("app_http_body", cases)
