/*
 * test_http_parse.c - the HTTP/1.x parser on well-formed conversations:
 * the EVE http and fileinfo bodies exactly as Suricata 7 writes them (a
 * real bro.org exchange), any chunking of the stream, pipelining, interim
 * and body-less responses, chunked and close-delimited bodies, CONNECT and
 * 101 tunnels, HTTP/0.9, responses without requests, Host/URI/port rules,
 * header folding and repeats, string escaping, assets and named buffers.
 */
#include "../../../kt.h"
#include "http_test.h"

static void test_bro_exchange(void)
{
	struct at t;
	int i, f;

	KT_REQUIRE(ht_init(&t) == 0);
	at_feed_str(&t, 0, bro_req);
	at_feed_str(&t, 1, bro_res);
	KT_EQ(at_count(&t, "\"event_type\":\"http\""), 1);
	i = at_find(&t, "\"event_type\":\"http\"");
	f = at_find(&t, "\"event_type\":\"fileinfo\"");
	KT_CHECK(i >= 0 && f >= 0);
	if (i >= 0) {
		KT_CHECK(strstr(t.ev[i], "\"tx_id\":0,") != NULL);
		KT_CHECK(strstr(t.ev[i], bro_http) != NULL);
	}
	/* fileinfo: response direction, http object, app_proto, the file. */
	if (f >= 0) {
		KT_CHECK(strstr(t.ev[f], "\"src_ip\":\"10.0.0.2\",\"src_port\":80") != NULL);
		KT_CHECK(strstr(t.ev[f], "\"tx_id\":0,\"http\"") == NULL);
		KT_CHECK(strstr(t.ev[f], "\"app_proto\":\"http\",\"fileinfo\":{\"filename\":"
					 "\"/css/print.css\",\"gaps\":false,\"state\":\"CLOSED\","
					 "\"stored\":false,\"size\":334,\"tx_id\":0,\"sha256\":\"") != NULL);
		KT_CHECK(strstr(t.ev[f], "\"magic\":\"ASCII text\"}") != NULL);
	}
	KT_CHECK(!t.bad_json);
	at_end(&t);
	KT_EQ_STR(t.app_proto, "http");
	KT_EQ(at_count(&t, "\"event_type\":\"http\""), 1);   /* logged once */
	KT_EQ(kn_app_ctx_stats(t.ctx)->mem_in_use, 0);
	at_fini(&t);
}

/* Every chunking of the same conversation gives the same events. */
static void test_any_chunking(void)
{
	static const size_t sizes[] = { 1, 2, 3, 7, 64, 0 };
	char *ref[8] = { 0 };
	unsigned nref = 0;

	for (size_t s = 0; s < sizeof sizes / sizeof sizes[0]; s++) {
		struct at t;
		HT_INIT_OR(&t, break);
		ht_feed_str(&t, 0, bro_req, sizes[s]);
		ht_feed_str(&t, 0, bro_req, sizes[s]);
		ht_feed_str(&t, 1, bro_res, sizes[s]);
		ht_feed_str(&t, 1, bro_res, sizes[s]);
		at_end(&t);
		KT_EQ(at_count(&t, bro_http), 4);   /* 2 http + 2 fileinfo */
		if (s == 0) {
			nref = t.n;
			for (unsigned k = 0; k < t.n && k < 8; k++) {
				/* Compare from event_type on: timestamps differ. */
				ref[k] = strdup(strstr(t.ev[k], "\"event_type\""));
			}
		} else {
			KT_EQ(t.n, nref);
			for (unsigned k = 0; k < t.n && k < 8; k++)
				KT_EQ_STR(strstr(t.ev[k], "\"event_type\""), ref[k]);
		}
		at_fini(&t);
	}
	for (unsigned k = 0; k < 8; k++)
		free(ref[k]);
}

/* A header line ended by a lone CR (as libhtp accepts) at the very end of
 * a chunk: the next chunk's first byte (not an LF) completes that line
 * without being used, and the rest of the chunk must still be parsed (its
 * Content-Length and body were lost before). */
static void test_lone_cr_at_chunk_end(void)
{
	static const char res[] =
		"HTTP/1.1 200 OK\r\n"
		"Server: lone-cr\r"
		"Content-Type: text/plain\r\n"
		"Content-Length: 5\r\n\r\n"
		"hello";
	const size_t cut = strlen("HTTP/1.1 200 OK\r\nServer: lone-cr\r");
	const char *want = "\"http_content_type\":\"text/plain\",\"http_method\":\"GET\","
			   "\"protocol\":\"HTTP/1.1\",\"status\":200,\"length\":5}";

	for (int split = 0; split < 2; split++) {
		struct at t;
		HT_INIT_OR(&t, return);
		at_feed_str(&t, 0, "GET /a HTTP/1.1\r\nHost: x\r\n\r\n");
		if (split) {
			at_feed(&t, 1, res, cut);
			at_feed(&t, 1, res + cut, strlen(res) - cut);
		} else {
			at_feed_str(&t, 1, res);
		}
		at_end(&t);
		KT_EQ(at_count(&t, "\"event_type\":\"http\""), 1);
		KT_EQ(at_count(&t, want), 2);   /* the http event and the fileinfo's http */
		KT_EQ(at_count(&t, "\"size\":5,"), 1);   /* the fileinfo of the body */
		at_fini(&t);
	}
}

/* Three requests before any response; responses split at odd places. */
static void test_pipelining(void)
{
	static const char reqs[] =
		"GET /a HTTP/1.1\r\nHost: x.test\r\n\r\n"
		"GET /b HTTP/1.1\r\nHost: x.test\r\n\r\n"
		"HEAD /c HTTP/1.1\r\nHost: x.test\r\n\r\n";
	static const char ress[] =
		"HTTP/1.1 200 OK\r\nContent-Length: 3\r\n\r\nabc"
		"HTTP/1.1 404 Not Found\r\nContent-Length: 0\r\n\r\n"
		"HTTP/1.1 200 OK\r\nContent-Length: 1000\r\n\r\n";
	struct at t;

	KT_REQUIRE(ht_init(&t) == 0);
	at_feed_str(&t, 0, reqs);
	ht_feed_str(&t, 1, ress, 5);
	KT_EQ(at_count(&t, "\"event_type\":\"http\""), 3);
	KT_CHECK(at_find(&t, "\"tx_id\":0,", "\"url\":\"/a\"", "\"status\":200,\"length\":3") >= 0);
	KT_CHECK(at_find(&t, "\"tx_id\":1,", "\"url\":\"/b\"", "\"status\":404") >= 0);
	/* HEAD: Content-Length says 1000, no body follows. */
	KT_CHECK(at_find(&t, "\"tx_id\":2,", "\"url\":\"/c\"", "\"http_method\":\"HEAD\"",
			 "\"status\":200,\"length\":0") >= 0);
	KT_EQ(at_count(&t, "\"event_type\":\"fileinfo\""), 1);
	KT_EQ(at_count(&t, "\"event_type\":\"anomaly\""), 0);
	at_fini(&t);
}

/* 100-continue: the interim response does not complete the transaction. */
static void test_100_continue(void)
{
	struct at t;

	KT_REQUIRE(ht_init(&t) == 0);
	at_feed_str(&t, 0, "POST /up HTTP/1.1\r\nHost: h\r\nContent-Length: 5\r\n"
			   "Expect: 100-continue\r\n\r\n");
	at_feed_str(&t, 1, "HTTP/1.1 100 Continue\r\n\r\n");
	KT_EQ(at_count(&t, "\"event_type\":\"http\""), 0);
	at_feed_str(&t, 0, "hello");
	at_feed_str(&t, 1, "HTTP/1.1 201 Created\r\nContent-Length: 2\r\n\r\nok");
	KT_EQ(at_count(&t, "\"event_type\":\"http\""), 1);
	KT_CHECK(at_find(&t, "\"event_type\":\"http\"", "\"status\":201,\"length\":2") >= 0);
	/* The POST body is a file of its own, logged from the client. */
	KT_CHECK(at_find(&t, "\"event_type\":\"fileinfo\"", "\"src_port\":40000",
			 "\"filename\":\"/up\"", "\"size\":5") >= 0);
	at_fini(&t);
}

static void test_no_body_statuses(void)
{
	struct at t;

	KT_REQUIRE(ht_init(&t) == 0);
	at_feed_str(&t, 0, "GET /1 HTTP/1.1\r\nHost: h\r\n\r\nGET /2 HTTP/1.1\r\nHost: h\r\n\r\n"
			   "GET /3 HTTP/1.1\r\nHost: h\r\n\r\n");
	at_feed_str(&t, 1, "HTTP/1.1 204 No Content\r\n\r\n"
			   "HTTP/1.1 304 Not Modified\r\nETag: \"x\"\r\n\r\n"
			   "HTTP/1.1 302 Found\r\nLocation: http://h/next\r\nContent-Length: 0\r\n\r\n");
	KT_EQ(at_count(&t, "\"event_type\":\"http\""), 3);
	KT_CHECK(at_find(&t, "\"url\":\"/1\"", "\"status\":204,\"length\":0") >= 0);
	KT_CHECK(at_find(&t, "\"url\":\"/2\"", "\"status\":304,\"length\":0") >= 0);
	KT_CHECK(at_find(&t, "\"url\":\"/3\"",
			 "\"status\":302,\"redirect\":\"http://h/next\",\"length\":0") >= 0);
	KT_EQ(at_count(&t, "\"event_type\":\"fileinfo\""), 0);
	at_fini(&t);
}

/* Chunked: extension, trailer; "length" counts the chunk-size lines and
 * line ends like libhtp (9 + 5 + 2 + 3 + 6 + 2 + 3), not the trailer. */
static void test_chunked(void)
{
	static const char res[] =
		"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\nContent-Type: text/plain\r\n\r\n"
		"5;ext=1\r\nhello\r\n"
		"6\r\n world\r\n"
		"0\r\nX-Trailer: yes\r\n\r\n";
	struct at t;

	KT_REQUIRE(ht_init(&t) == 0);
	txb_attach(&t);
	at_feed_str(&t, 0, "GET /c HTTP/1.1\r\nHost: h\r\n\r\n");
	at_feed_str(&t, 1, res);
	KT_CHECK(at_find(&t, "\"event_type\":\"http\"", "\"length\":30}") >= 0);
	KT_CHECK(at_find(&t, "\"event_type\":\"fileinfo\"", "\"size\":11,") >= 0);
	KT_CHECK(txb_is(0, KN_BUF_FILE_DATA, 0, "hello world"));
	KT_CHECK(at_find(&t, "REQUEST_CHUNK_EXTENSION") >= 0);
	at_fini(&t);
	txb_reset();
}

/* No length: the body lasts until the server closes. */
static void test_close_delimited(void)
{
	struct at t;

	KT_REQUIRE(ht_init(&t) == 0);
	at_feed_str(&t, 0, "GET /old HTTP/1.0\r\n\r\n");
	at_feed_str(&t, 1, "HTTP/1.0 200 OK\r\nContent-Type: text/html\r\n\r\n<html>");
	at_feed_str(&t, 1, "<body>x</body></html>");
	KT_EQ(at_count(&t, "\"event_type\":\"http\""), 0);
	at_eof(&t, 1);
	KT_CHECK(at_find(&t, "\"event_type\":\"http\"", "\"url\":\"/old\"",
			 "\"http_content_type\":\"text/html\"", "\"protocol\":\"HTTP/1.0\"",
			 "\"length\":27}") >= 0);
	KT_CHECK(at_find(&t, "\"event_type\":\"fileinfo\"", "\"state\":\"CLOSED\"",
			 "\"magic\":\"HTML document\"") >= 0);
	at_fini(&t);
}

/* CONNECT 200: the rest of the flow is a tunnel whose protocol is
 * detected anew (here plain HTTP through the proxy; TLS in test_core). */
static void test_connect_tunnel(void)
{
	struct at t;

	KT_REQUIRE(ht_init(&t) == 0);
	at_feed_str(&t, 0, "CONNECT mail.example.com:443 HTTP/1.1\r\n"
			   "Host: mail.example.com:443\r\nUser-Agent: curl/7.68.0\r\n\r\n");
	at_feed_str(&t, 1, "HTTP/1.1 200 Connection established\r\n\r\n");
	at_feed_str(&t, 0, "GET /inner HTTP/1.1\r\nHost: inner.example\r\n\r\n");
	at_feed_str(&t, 1, "HTTP/1.1 204 No Content\r\n\r\n");
	at_end(&t);
	KT_EQ(at_count(&t, "\"event_type\":\"http\""), 2);
	KT_CHECK(at_find(&t, "\"hostname\":\"mail.example.com\",\"http_port\":443,"
			 "\"url\":\"mail.example.com:443\"", "\"http_method\":\"CONNECT\"",
			 "\"status\":200,\"length\":0}") >= 0);
	KT_CHECK(at_find(&t, "\"hostname\":\"inner.example\"", "\"url\":\"/inner\"",
			 "\"status\":204") >= 0);
	KT_EQ_STR(t.app_proto, "http");
	KT_CHECK(t.app_proto_orig == NULL);
	at_fini(&t);
}

/* CONNECT refused: HTTP goes on. 101: tunnel. */
static void test_connect_refused_and_upgrade(void)
{
	struct at t;

	KT_REQUIRE(ht_init(&t) == 0);
	at_feed_str(&t, 0, "CONNECT a.test:443 HTTP/1.1\r\nHost: a.test:443\r\n\r\n");
	at_feed_str(&t, 1, "HTTP/1.1 407 Proxy Authentication Required\r\nContent-Length: 0\r\n\r\n");
	at_feed_str(&t, 0, "GET http://b.test/x HTTP/1.1\r\nHost: b.test\r\n\r\n");
	at_feed_str(&t, 1, "HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n");
	KT_EQ(at_count(&t, "\"event_type\":\"http\""), 2);
	KT_CHECK(at_find(&t, "\"status\":407") >= 0);
	KT_CHECK(at_find(&t, "\"hostname\":\"b.test\",\"url\":\"http://b.test/x\"") >= 0);
	at_fini(&t);

	KT_REQUIRE(ht_init(&t) == 0);
	at_feed_str(&t, 0, "GET /chat HTTP/1.1\r\nHost: ws\r\nUpgrade: websocket\r\n"
			   "Connection: Upgrade\r\n\r\n");
	at_feed_str(&t, 1, "HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\n\r\n"
			   "\x81\x05hello");
	at_feed_str(&t, 0, "\x81\x85garbage");
	at_end(&t);
	KT_EQ(at_count(&t, "\"event_type\":\"http\""), 1);
	KT_CHECK(at_find(&t, "\"status\":101,\"length\":0}") >= 0);
	KT_EQ(at_count(&t, "\"event_type\":\"anomaly\""), 0);
	at_fini(&t);
}

/* HTTP/0.9: no protocol, no headers (http_port 0 as libhtp leaves it). */
static void test_http09_and_unmatched(void)
{
	struct at t;

	KT_REQUIRE(ht_init(&t) == 0);
	at_feed_str(&t, 0, "GET /index.html\r\n");
	at_feed_str(&t, 1, "<html>old</html>\n");
	at_end(&t);
	KT_CHECK(at_find(&t, "\"http\":{\"http_port\":0,\"url\":\"/index.html\","
			 "\"http_method\":\"GET\",\"length\":17}") >= 0);
	at_fini(&t);

	/* A response nobody asked for. */
	KT_REQUIRE(ht_init(&t) == 0);
	at_feed_str(&t, 1, "HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nhi");
	KT_CHECK(at_find(&t, "UNABLE_TO_MATCH_RESPONSE_TO_REQUEST") >= 0);
	at_end(&t);
	KT_CHECK(at_find(&t, "\"http\":{\"http_port\":0,\"url\":\"/libhtp::request_uri_not_seen\","
			 "\"status\":200,\"length\":2}") >= 0);
	KT_CHECK(at_find(&t, "\"filename\":\"/libhtp::request_uri_not_seen\"") >= 0);
	at_fini(&t);
}

static void test_host_and_port(void)
{
	struct at t;

	KT_REQUIRE(ht_init(&t) == 0);
	at_feed_str(&t, 0, "GET /p HTTP/1.1\r\nHost: WWW.Example.COM:8080\r\n\r\n"
			   "GET HTTP://Other.Test:81/q?x=1 HTTP/1.1\r\nHost: decoy.test\r\n\r\n"
			   "GET /v6 HTTP/1.1\r\nHost: [fd00::2]:8443\r\n\r\n"
			   "GET /none HTTP/1.1\r\n\r\n");
	at_end(&t);
	KT_CHECK(at_find(&t, "\"hostname\":\"www.example.com\",\"http_port\":8080,\"url\":\"/p\"") >= 0);
	KT_CHECK(at_find(&t, "\"hostname\":\"other.test\",\"http_port\":81,"
			 "\"url\":\"HTTP://Other.Test:81/q?x=1\"") >= 0);
	KT_CHECK(at_find(&t, "HOST_HEADER_AMBIGUOUS") >= 0);
	KT_CHECK(at_find(&t, "\"hostname\":\"[fd00::2]\",\"http_port\":8443") >= 0);
	KT_CHECK(at_find(&t, "\"http\":{\"url\":\"/none\"") >= 0);
	KT_CHECK(at_find(&t, "MISSING_HOST_HEADER") >= 0);
	at_fini(&t);
}

/* Folded and repeated headers; the fields of the extended log. */
static void test_headers(void)
{
	struct at t;

	KT_REQUIRE(ht_init(&t) == 0);
	txb_attach(&t);
	at_feed_str(&t, 0, "GET /h HTTP/1.1\r\nHost: h\r\nUser-Agent: long\r\n  agent\r\n"
			   "X-Forwarded-For: 1.2.3.4\r\nAccept: a\r\nAccept: b\r\n"
			   "Cookie: sid=1\r\n\r\n");
	at_feed_str(&t, 1, "HTTP/1.1 206 Partial Content\r\nContent-Type: text/plain; charset=x\r\n"
			   "Content-Range: bytes 10-19/100\r\nSet-Cookie: a=1\r\n"
			   "Set-Cookie: b=2\r\nContent-Length: 10\r\n\r\n0123456789");
	KT_CHECK(at_find(&t, "\"event_type\":\"http\"",
			 "\"url\":\"/h\",\"http_user_agent\":\"long  agent\",\"xff\":\"1.2.3.4\","
			 "\"http_content_type\":\"text/plain\",\"content_range\":{\"raw\":"
			 "\"bytes 10-19/100\",\"start\":10,\"end\":19,\"size\":100},"
			 "\"http_method\":\"GET\"") >= 0);
	/* A part of a file: start and end in fileinfo. */
	KT_CHECK(at_find(&t, "\"event_type\":\"fileinfo\"", "\"size\":10,\"start\":10,\"end\":19,"
			 "\"tx_id\":0") >= 0);
	KT_CHECK(txb_is(0, KN_BUF_HTTP_HEADER, 0,
			   "Host: h\r\nUser-Agent: long  agent\r\nX-Forwarded-For: 1.2.3.4\r\n"
			   "Accept: a, b\r\n"));
	KT_CHECK(txb_is(0, KN_BUF_HTTP_COOKIE, 0, "sid=1"));
	KT_CHECK(txb_is(0, KN_BUF_HTTP_COOKIE, 1, "a=1, b=2"));
	KT_CHECK(txb_is(0, KN_BUF_HTTP_STAT_CODE, 0, "206"));
	KT_CHECK(txb_is(0, KN_BUF_HTTP_STAT_MSG, 0, "Partial Content"));
	at_fini(&t);
	txb_reset();
}

/* Bytes that are not UTF-8 are written as \xNN, like Suricata does. */
static void test_escaping(void)
{
	struct at t;

	KT_REQUIRE(ht_init(&t) == 0);
	at_feed_str(&t, 0, "GET /caf\xe9\x01 HTTP/1.1\r\nHost: h\r\nUser-Agent: \xc3\xa9t\xc3\xa9\r\n\r\n");
	at_feed_str(&t, 1, "HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n");
	KT_CHECK(at_find(&t, "\"url\":\"/caf\\\\xe9\\u0001\"") >= 0);
	KT_CHECK(at_find(&t, "\"http_user_agent\":\"\xc3\xa9t\xc3\xa9\"") >= 0);
	KT_CHECK(!t.bad_json);
	at_fini(&t);
}

static void test_assets(void)
{
	struct at t;

	KT_REQUIRE(ht_init(&t) == 0);
	for (int i = 0; i < 3; i++) {
		at_feed_str(&t, 0, "GET / HTTP/1.1\r\nHost: h\r\nUser-Agent: curl/7.68.0\r\n\r\n");
		at_feed_str(&t, 1, "HTTP/1.1 200 OK\r\nServer: Apache/2.4.29 (Ubuntu)\r\n"
				   "Content-Length: 0\r\n\r\n");
	}
	at_feed_str(&t, 1, "HTTP/1.1 200 OK\r\nServer: Microsoft-IIS/10.0\r\n\r\n");
	at_end(&t);
	KT_EQ(t.n_assets, 3);   /* one each per flow, not one per transaction */
	KT_EQ(t.assets[0].role, KN_ASSET_CLIENT);
	KT_EQ_STR(t.assets[0].product, "curl");
	KT_EQ_STR(t.assets[0].version, "7.68.0");
	KT_EQ_STR(t.assets[1].service, "http");
	KT_EQ(t.assets[1].role, KN_ASSET_SERVER);
	KT_EQ_STR(t.assets[1].product, "apache httpd");
	KT_EQ_STR(t.assets[1].version, "2.4.29");
	KT_EQ_STR(t.assets[1].banner, "Apache/2.4.29 (Ubuntu)");
	KT_EQ_STR(t.assets[2].product, "microsoft iis");
	KT_EQ_STR(t.assets[2].version, "10.0");
	at_fini(&t);
}

static void test_buffers(void)
{
	struct at t;

	KT_REQUIRE(ht_init(&t) == 0);
	txb_attach(&t);
	at_feed_str(&t, 0, "POST /a/./b/../c//d%2e%70hp?q=%41 HTTP/1.1\r\nHost: Ex.TEST:81\r\n"
			   "Content-Type: application/x-www-form-urlencoded\r\nContent-Length: 7\r\n"
			   "User-Agent: ua\r\n\r\nx=1&y=2");
	at_feed_str(&t, 1, "HTTP/1.1 200 OK\r\nServer: nginx/1.18.0\r\nContent-Length: 4\r\n\r\nbody");
	KT_CHECK(txb_is(0, KN_BUF_HTTP_URI, 0, "/a/c/d.php?q=%41"));
	KT_CHECK(txb_is(0, KN_BUF_HTTP_RAW_URI, 0, "/a/./b/../c//d%2e%70hp?q=%41"));
	KT_CHECK(txb_is(0, KN_BUF_HTTP_METHOD, 0, "POST"));
	KT_CHECK(txb_is(0, KN_BUF_HTTP_HOST, 0, "ex.test"));
	KT_CHECK(txb_is(0, KN_BUF_HTTP_USER_AGENT, 0, "ua"));
	KT_CHECK(txb_is(0, KN_BUF_HTTP_REQUEST_BODY, 0, "x=1&y=2"));
	KT_CHECK(txb_is(0, KN_BUF_HTTP_RESPONSE_BODY, 0, "body"));
	KT_CHECK(txb_is(0, KN_BUF_FILE_DATA, 0, "body"));
	KT_CHECK(txb_is(0, KN_BUF_HTTP_SERVER, 0, "nginx/1.18.0"));
	KT_CHECK(txb_is(0, KN_BUF_HTTP_PROTOCOL, 0, "HTTP/1.1"));
	KT_CHECK(txb_is(0, KN_BUF_HTTP_CONTENT_TYPE, 0, "application/x-www-form-urlencoded"));
	KT_CHECK(txb_is(0, KN_BUF_HTTP_RESPONSE_HEADER, 0,
			   "Server: nginx/1.18.0\r\nContent-Length: 4\r\n"));
	KT_CHECK(txb_get(0, KN_BUF_HTTP_RAW_HEADER, 0) != NULL);
	KT_CHECK(txb_get(0, KN_BUF_DNS_QUERY, 0) == NULL);
	/* The form POST is a file named after the path. */
	KT_CHECK(at_find(&t, "\"event_type\":\"fileinfo\"", "\"filename\":\"/a/c/d.php\"",
			 "\"size\":7") >= 0);
	at_fini(&t);
	txb_reset();
}

static void test_probe(void)
{
	const struct kn_app_parser *p = kn_app_parser_get(kn_app_parser_id("http"));
	KT_REQUIRE(p && p->probe);
	KT_EQ(p->probe((const uint8_t *)"GET / HTTP/1.1\r\n", 16, 0, 6), KN_PROBE_YES);
	KT_EQ(p->probe((const uint8_t *)"PROPFIND /x", 11, 0, 6), KN_PROBE_YES);
	KT_EQ(p->probe((const uint8_t *)"HTTP/1.1 200 OK", 15, 1, 6), KN_PROBE_YES);
	KT_EQ(p->probe((const uint8_t *)"GE", 2, 0, 6), KN_PROBE_MORE);
	KT_EQ(p->probe((const uint8_t *)"HTTP/", 5, 1, 6), KN_PROBE_MORE);
	KT_EQ(p->probe((const uint8_t *)"SSH-2.0-x", 9, 0, 6), KN_PROBE_NO);
	KT_EQ(p->probe((const uint8_t *)"GETX / HTTP/1.1", 15, 0, 6), KN_PROBE_NO);
	KT_EQ(p->probe((const uint8_t *)"OPTIONS rtsp://c/ RTSP/1.0\r\n", 28, 0, 6), KN_PROBE_NO);

	/* Detected by content on an unusual port. */
	struct at t;
	if (at_init(&t, NULL, 6, 40000, 5555) != 0) {
		at_fini(&t);
		KT_REQUIRE(0);
	}
	at_feed_str(&t, 0, bro_req);
	at_feed_str(&t, 1, bro_res);
	at_end(&t);
	KT_EQ_STR(t.app_proto, "http");
	KT_EQ(at_count(&t, bro_http), 2);
	at_fini(&t);
}

static const struct kt_case cases[] = {
	KT_CASE(test_bro_exchange),
	KT_CASE(test_any_chunking),
	KT_CASE(test_lone_cr_at_chunk_end),
	KT_CASE(test_pipelining),
	KT_CASE(test_100_continue),
	KT_CASE(test_no_body_statuses),
	KT_CASE(test_chunked),
	KT_CASE(test_close_delimited),
	KT_CASE(test_connect_tunnel),
	KT_CASE(test_connect_refused_and_upgrade),
	KT_CASE(test_http09_and_unmatched),
	KT_CASE(test_host_and_port),
	KT_CASE(test_headers),
	KT_CASE(test_escaping),
	KT_CASE(test_assets),
	KT_CASE(test_buffers),
	KT_CASE(test_probe),
};

KT_MAIN("app_http_parse", cases)
