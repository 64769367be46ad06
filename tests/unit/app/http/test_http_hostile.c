/*
 * test_http_hostile.c - the HTTP parser against input meant to hurt it:
 * one-byte chunks of a complex conversation, huge and invalid lengths,
 * garbage chunk sizes, endless headers and lines, binary garbage after a
 * request, pipelined responses split at every offset, too many pending
 * requests, gaps inside headers, a tiny memcap, and random bytes. Nothing
 * may crash, leak or grow without bound; what can be parsed still is.
 */
#include "../../../kt.h"
#include "app/http/http_int.h"
#include "http_test.h"

#define HTTP_TX_MAX_TEST HTTP_TX_MAX

static const char conv_req[] =
	"GET /one HTTP/1.1\r\nHost: a.test\r\n\r\n"
	"POST /up HTTP/1.1\r\nHost: a.test\r\nTransfer-Encoding: chunked\r\n\r\n"
	"3\r\nabc\r\n0\r\n\r\n"
	"GET /three HTTP/1.1\r\nHost: a.test\r\n\r\n";
static const char conv_res[] =
	"HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\nhello"
	"HTTP/1.1 100 Continue\r\n\r\n"
	"HTTP/1.1 201 Created\r\nTransfer-Encoding: chunked\r\n\r\n2\r\nok\r\n0\r\n\r\n"
	"HTTP/1.1 200 OK\r\n\r\nuntil close";

/* The events of a conversation, from "event_type" on, one string. */
static char *events_of(size_t chunk)
{
	struct at t;
	size_t total = 0;
	char *out;

	if (ht_init(&t) != 0)
		return NULL;
	ht_feed_str(&t, 0, conv_req, chunk);
	ht_feed_str(&t, 1, conv_res, chunk);
	at_eof(&t, 1);
	at_end(&t);
	for (unsigned i = 0; i < t.n; i++)
		total += strlen(t.ev[i]) + 1;
	out = calloc(1, total + 1);
	for (unsigned i = 0; out && i < t.n; i++) {
		strcat(out, strstr(t.ev[i], "\"event_type\""));
		strcat(out, "\n");
	}
	at_fini(&t);
	return out;
}

static void test_one_byte_chunks(void)
{
	char *bulk = events_of(0), *bytes = events_of(1), *odd = events_of(13);

	if (bulk && bytes && odd) {
		KT_CHECK(strstr(bulk, "\"url\":\"/three\"") != NULL);
		KT_CHECK(strstr(bulk, "\"status\":201") != NULL);
		KT_EQ_STR(bytes, bulk);
		KT_EQ_STR(odd, bulk);
	} else {
		KT_CHECK(0);
	}
	free(bulk);
	free(bytes);
	free(odd);
}

static void test_lengths(void)
{
	struct at t;

	/* Huge but valid: the body is expected, the flow ends first. As in
	 * Suricata, the end of the stream ends a Content-Length body: the
	 * file is CLOSED (a chunked body cut short is TRUNCATED). */
	KT_REQUIRE(ht_init(&t) == 0);
	at_feed_str(&t, 0, "GET / HTTP/1.1\r\nHost: h\r\n\r\n");
	at_feed_str(&t, 1, "HTTP/1.1 200 OK\r\nContent-Length: 99999999999999999\r\n\r\npartial");
	at_end(&t);
	KT_CHECK(at_find(&t, "\"event_type\":\"http\"", "\"length\":7}") >= 0);
	KT_CHECK(at_find(&t, "\"event_type\":\"fileinfo\"", "\"state\":\"CLOSED\"",
			 "\"size\":7,") >= 0);
	at_fini(&t);

	KT_REQUIRE(ht_init(&t) == 0);
	at_feed_str(&t, 0, "GET / HTTP/1.1\r\nHost: h\r\n\r\n");
	at_feed_str(&t, 1, "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\nffff\r\npartial");
	at_end(&t);
	KT_CHECK(at_find(&t, "\"event_type\":\"fileinfo\"", "\"state\":\"TRUNCATED\"",
			 "\"size\":7,") >= 0);
	at_fini(&t);

	/* Overflowing: invalid, the response side stops (as libhtp). */
	KT_REQUIRE(ht_init(&t) == 0);
	at_feed_str(&t, 0, "POST / HTTP/1.1\r\nHost: h\r\nContent-Length: none\r\n\r\n"
			   "GET /2 HTTP/1.1\r\nHost: h\r\nContent-Length: 184467440737095516160\r\n\r\n");
	at_feed_str(&t, 1, "HTTP/1.1 200 OK\r\nContent-Length: 999999999999999999999999\r\n\r\nx");
	at_end(&t);
	KT_CHECK(at_find(&t, "INVALID_CONTENT_LENGTH_FIELD_IN_REQUEST") >= 0);
	KT_CHECK(at_find(&t, "INVALID_CONTENT_LENGTH_FIELD_IN_RESPONSE") >= 0);
	KT_EQ(at_count(&t, "\"event_type\":\"http\""), 2);
	at_fini(&t);
}

static void test_bad_chunk_sizes(void)
{
	static const char *bad[] = { "-5\r\n", "zz\r\n", "fffffffffff\r\n", "\xff\xfe\r\n",
				     "0x10\r\n" };
	for (size_t k = 0; k < sizeof bad / sizeof bad[0]; k++) {
		struct at t;
		KT_REQUIRE(ht_init(&t) == 0);
		at_feed_str(&t, 0, "GET / HTTP/1.1\r\nHost: h\r\n\r\n");
		at_feed_str(&t, 1, "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n");
		at_feed_str(&t, 1, bad[k]);
		at_feed_str(&t, 1, "rest of the data");
		at_end(&t);
		/* "0x10" is "0", then junk: a valid end of body for libhtp. */
		if (k < 4)
			KT_CHECK(at_find(&t, "INVALID_RESPONSE_CHUNK_LEN") >= 0);
		KT_EQ(at_count(&t, "\"event_type\":\"http\""), 1);
		at_fini(&t);
	}
	{
		struct at t;
		KT_REQUIRE(ht_init(&t) == 0);
		at_feed_str(&t, 0, "POST / HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: chunked\r\n\r\n"
				   "nope\r\nGET /x HTTP/1.1\r\n\r\n");
		at_feed_str(&t, 1, "HTTP/1.1 400 Bad\r\nContent-Length: 0\r\n\r\n");
		at_end(&t);
		KT_CHECK(at_find(&t, "INVALID_REQUEST_CHUNK_LEN") >= 0);
		KT_CHECK(at_find(&t, "\"http_method\":\"POST\"", "\"status\":400") >= 0);
		at_fini(&t);
	}
}

/* A megabyte of headers, or one header line that never ends. */
static void test_endless_headers(void)
{
	struct at t;

	KT_REQUIRE(ht_init(&t) == 0);
	at_feed_str(&t, 0, "GET /h HTTP/1.1\r\nHost: h\r\n");
	for (int i = 0; i < 100000; i++)
		at_feed_str(&t, 0, "X-Filler: some value\r\n");
	at_feed_str(&t, 0, "\r\n");
	at_feed_str(&t, 1, "HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n");
	KT_CHECK(at_find(&t, "REQUEST_FIELD_TOO_LONG") >= 0 ||
		 at_find(&t, "REQUEST_TOO_MANY_HEADERS") >= 0);
	KT_CHECK(at_find(&t, "\"event_type\":\"http\"", "\"url\":\"/h\"", "\"status\":200") >= 0);
	KT_CHECK(kn_app_ctx_stats(t.ctx)->mem_peak < (1u << 20));
	at_fini(&t);

	KT_REQUIRE(ht_init(&t) == 0);
	at_feed_str(&t, 0, "GET /h HTTP/1.1\r\nX-Long: ");
	for (int i = 0; i < 20000; i++)
		at_feed_str(&t, 0, "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa");
	at_feed_str(&t, 1, "HTTP/1.1 200 OK\r\n\r\n");
	KT_CHECK(kn_app_ctx_stats(t.ctx)->mem_peak < (1u << 20));
	at_end(&t);
	KT_EQ(at_count(&t, "\"event_type\":\"http\""), 1);
	at_fini(&t);

	/* A request line that never ends: the request side gives up. */
	KT_REQUIRE(ht_init(&t) == 0);
	at_feed_str(&t, 0, "GET /");
	for (int i = 0; i < 2000; i++)
		at_feed_str(&t, 0, "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa");
	KT_CHECK(at_find(&t, "REQUEST_FIELD_TOO_LONG") >= 0);
	KT_CHECK(kn_app_ctx_stats(t.ctx)->mem_peak < (1u << 20));
	at_fini(&t);
}

static void test_garbage_after_request(void)
{
	static const uint8_t junk[] = { 0x85, 0x00, 0x00, 0x00, '%', 'l', 'G', 0x81, 0x95, '>',
					0x03, 0xf4, '\n', 0xd9, 'b', 'l', 0xb8, 0x05, '\r', '\n' };
	struct at t;
	uint8_t both[512];
	size_t n = strlen(bro_req);

	/* In the same chunk: more body of the request (libhtp). */
	KT_REQUIRE(ht_init(&t) == 0);
	memcpy(both, bro_req, n);
	memcpy(both + n, junk, sizeof junk);
	at_feed(&t, 0, both, n + sizeof junk);
	at_feed_str(&t, 1, bro_res);
	KT_CHECK(at_find(&t, "REQUEST_BODY_UNEXPECTED") >= 0);
	KT_CHECK(at_find(&t, bro_http) >= 0);
	at_fini(&t);

	/* In a chunk of its own: a request of garbage, written safely. */
	KT_REQUIRE(ht_init(&t) == 0);
	at_feed_str(&t, 0, bro_req);
	at_feed(&t, 0, junk, sizeof junk);
	at_feed_str(&t, 1, bro_res);
	at_feed_str(&t, 1, "HTTP/1.1 400 Bad Request\r\nContent-Length: 0\r\n\r\n");
	at_end(&t);
	KT_CHECK(at_find(&t, bro_http) >= 0);
	KT_CHECK(at_find(&t, "\"http_method\":\"\\\\x85\\u0000\\u0000\\u0000%lG") >= 0);
	KT_CHECK(at_find(&t, "REQUEST_LINE_INVALID") >= 0);
	KT_CHECK(!t.bad_json);
	at_fini(&t);
}

/* Two pipelined responses, the stream cut at every offset. */
static void test_split_everywhere(void)
{
	static const char res[] =
		"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n4\r\nabcd\r\n0\r\n\r\n"
		"HTTP/1.1 404 Not Found\r\nContent-Length: 3\r\n\r\nnot";
	size_t len = strlen(res);

	for (size_t cut = 1; cut < len; cut++) {
		struct at t;
		KT_REQUIRE(ht_init(&t) == 0);
		at_feed_str(&t, 0, "GET /a HTTP/1.1\r\nHost: h\r\n\r\nGET /b HTTP/1.1\r\nHost: h\r\n\r\n");
		at_feed(&t, 1, res, cut);
		at_feed(&t, 1, res + cut, len - cut);
		KT_CHECK(at_find(&t, "\"url\":\"/a\"", "\"status\":200,\"length\":12}") >= 0);
		KT_CHECK(at_find(&t, "\"url\":\"/b\"", "\"status\":404,\"length\":3}") >= 0);
		KT_EQ(at_count(&t, "\"event_type\":\"http\""), 2);
		at_fini(&t);
	}
}

static void test_too_many_pending(void)
{
	struct at t;

	KT_REQUIRE(ht_init(&t) == 0);
	for (int i = 0; i < 200; i++)
		at_feed_str(&t, 0, "GET /p HTTP/1.1\r\nHost: h\r\n\r\n");
	KT_CHECK(at_find(&t, "TOO_MANY_TRANSACTIONS") >= 0);
	KT_CHECK(kn_app_ctx_stats(t.ctx)->mem_in_use < (1u << 20));
	at_end(&t);
	KT_CHECK(at_count(&t, "\"event_type\":\"http\"") <= HTTP_TX_MAX_TEST);
	KT_EQ(kn_app_ctx_stats(t.ctx)->mem_in_use, 0);
	at_fini(&t);
}

/* A gap inside headers: that direction stops, the rest is still logged. */
static void test_gap_in_headers(void)
{
	struct at t;

	KT_REQUIRE(ht_init(&t) == 0);
	at_feed_str(&t, 0, "GET /g HTTP/1.1\r\nHost: h\r\nUser-");
	at_gap(&t, 0, 100);
	at_feed_str(&t, 0, "more\r\n\r\nGET /h HTTP/1.1\r\n\r\n");
	at_feed_str(&t, 1, "HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n");
	at_end(&t);
	KT_CHECK(at_find(&t, "\"url\":\"/g\"", "\"status\":200") >= 0);
	KT_EQ(at_count(&t, "\"url\":\"/h\""), 0);
	at_fini(&t);
}

static void test_tiny_memcap(void)
{
	for (uint64_t cap = 1024; cap <= 64 * 1024; cap *= 4) {
		struct kn_app_config cfg;
		struct at t;
		kn_app_config_default(&cfg);
		cfg.memcap = cap;
		if (at_init_cfg(&t, NULL, 6, 40000, 80, &cfg) != 0) {
			at_fini(&t);
			KT_REQUIRE(0);
		}
		at_feed_str(&t, 0, conv_req);
		at_feed_str(&t, 1, conv_res);
		at_end(&t);
		KT_EQ(kn_app_ctx_stats(t.ctx)->mem_in_use, 0);
		KT_CHECK(kn_app_ctx_stats(t.ctx)->mem_peak <= cap);
		KT_CHECK(!t.bad_json);
		at_fini(&t);
	}
}

static void test_random_bytes(void)
{
	uint32_t seed = 12345;

	for (int round = 0; round < 200; round++) {
		struct at t;
		uint8_t buf[512];
		KT_REQUIRE(ht_init(&t) == 0);
		for (int k = 0; k < 8; k++) {
			size_t n = 1 + (seed >> 8) % sizeof buf;
			for (size_t i = 0; i < n; i++) {
				seed = seed * 1103515245u + 12345u;
				/* Mostly HTTP-ish bytes, so that the parser goes deep. */
				buf[i] = (seed >> 16) % 4 ? (uint8_t)"GET /HTP1.0\r\n: 0a-"[(seed >> 20) % 19]
							  : (uint8_t)(seed >> 24);
			}
			at_feed(&t, (int)((seed >> 3) & 1), buf, n);
			if ((seed >> 5) % 7 == 0)
				at_gap(&t, (int)((seed >> 4) & 1), (seed >> 10) % 300);
		}
		at_end(&t);
		KT_CHECK(!t.bad_json);
		KT_EQ(kn_app_ctx_stats(t.ctx)->mem_in_use, 0);
		at_fini(&t);
	}
}

static const struct kt_case cases[] = {
	KT_CASE(test_one_byte_chunks),
	KT_CASE(test_lengths),
	KT_CASE(test_bad_chunk_sizes),
	KT_CASE(test_endless_headers),
	KT_CASE(test_garbage_after_request),
	KT_CASE(test_split_everywhere),
	KT_CASE(test_too_many_pending),
	KT_CASE(test_gap_in_headers),
	KT_CASE(test_tiny_memcap),
	KT_CASE(test_random_bytes),
};

KT_MAIN("app_http_hostile", cases)
