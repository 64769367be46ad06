/*
 * test_core.c - the application-layer core: registry, buffer names,
 * detection outcomes (no data, unknown data, a known protocol on an unusual
 * port, port hints), memcap behaviour and flow-end bookkeeping.
 */
#include "../../kt.h"
#include "app_test.h"
#include "appmsg.h"

static void test_registry(void)
{
	KT_CHECK(kn_app_parser_count() >= 6);
	KT_CHECK(kn_app_parser_get(0) == NULL);
	KT_CHECK(kn_app_parser_get(kn_app_parser_count() + 1) == NULL);
	for (unsigned id = 1; id <= kn_app_parser_count(); id++) {
		const struct kn_app_parser *p = kn_app_parser_get(id);
		KT_CHECK(p && p->name);
		KT_CHECK(kn_app_parser_id(p->name) == id);
	}
	KT_CHECK(kn_app_parser_id("dns") != 0);
	KT_CHECK(kn_app_parser_id("gopher") == 0);
	KT_CHECK(kn_app_parser_id(NULL) == 0);
}

static void test_buffer_names(void)
{
	KT_CHECK(strcmp(kn_app_buffer_name(KN_BUF_HTTP_URI), "http.uri") == 0);
	KT_CHECK(kn_app_buffer_by_name("tls.sni") == KN_BUF_TLS_SNI);
	KT_CHECK(kn_app_buffer_by_name("nope") == -1);
	KT_CHECK(kn_app_buffer_name(KN_BUF_COUNT) == NULL);
	for (unsigned i = 0; i < KN_BUF_COUNT; i++)
		KT_CHECK(kn_app_buffer_by_name(kn_app_buffer_name(i)) == (int)i);
}

/* A flow without payload has no app_proto; one whose bytes nobody
 * recognises is "failed". */
static void test_no_data_and_failed(void)
{
	struct at t;
	KT_CHECK(at_init(&t, NULL, 6, 40000, 5555) == 0);
	at_eof(&t, 0);
	at_end(&t);
	KT_CHECK(t.app_proto == NULL);
	at_fini(&t);

	KT_CHECK(at_init(&t, NULL, 6, 40000, 5555) == 0);
	static const uint8_t junk[] = { 0x00, 0xff, 0x13, 0x37, 0x00, 0x01, 0x02, 0x03, 0xfe };
	for (int i = 0; i < 300; i++) {
		at_feed(&t, 0, junk, sizeof junk);
		at_feed(&t, 1, junk, sizeof junk);
	}
	KT_CHECK(strcmp(kn_app_proto_of(&t.flow), "failed") == 0);
	at_end(&t);
	KT_CHECK(strcmp(t.app_proto, "failed") == 0);
	KT_CHECK(t.flow.app == NULL);
	KT_CHECK(kn_app_ctx_stats(t.ctx)->mem_in_use == 0);
	at_fini(&t);
}

static void test_set_proto_errors(void)
{
	struct at t;
	KT_CHECK(at_init(&t, NULL, 6, 40000, 80) == 0);
	KT_CHECK(kn_app_flow_set_proto(t.ctx, &t.flow, 0) == -KN_EINVAL);
	KT_CHECK(kn_app_flow_set_proto(t.ctx, &t.flow, 999) == -KN_EINVAL);
	KT_CHECK(kn_app_flow_set_proto(t.ctx, &t.flow, kn_app_parser_id("http")) == 0);
	KT_CHECK(kn_app_flow_set_proto(t.ctx, &t.flow, kn_app_parser_id("dns")) == -KN_EINVAL);
	KT_CHECK(strcmp(kn_app_proto_of(&t.flow), "http") == 0);
	at_end(&t);
	KT_CHECK(strcmp(t.app_proto, "http") == 0);
	KT_CHECK(kn_app_ctx_stats(t.ctx)->mem_in_use == 0);
	at_fini(&t);
}

/* A memcap too small for the per-flow record: nothing is kept, nothing
 * crashes, the refusal is counted. */
static void test_memcap(void)
{
	struct at t;
	struct kn_app_config cfg;
	kn_app_config_default(&cfg);
	cfg.memcap = 8;
	KT_CHECK(at_init_cfg(&t, NULL, 6, 40000, 80, &cfg) == 0);
	at_feed_str(&t, 0, "GET / HTTP/1.1\r\nHost: a\r\n\r\n");
	KT_CHECK(t.flow.app == NULL);
	KT_CHECK(kn_app_ctx_stats(t.ctx)->memcap_refusals >= 1);
	at_end(&t);
	KT_CHECK(t.app_proto == NULL);
	at_fini(&t);
}

static void test_bad_config(void)
{
	char err[KN_ERRBUF_SIZE];
	struct kn_app_config cfg;
	kn_app_config_default(&cfg);
	cfg.probe_max = 1;
	KT_CHECK(kn_app_ctx_new(&cfg, NULL, err) == NULL);
	KT_CHECK(strstr(err, "probe_max") != NULL);
}

/* Content decides, whatever the port: HTTP on 5555, TLS on 80, SSH whose
 * server speaks first on 2222, DNS over UDP on 5300. */
static void test_detect_by_content(void)
{
	struct at t;
	uint8_t hello[512];
	static const uint16_t ciphers[] = { 0xc02f, 0x002f };
	size_t n = kn_tls_client_hello(hello, sizeof hello, "a.example", ciphers, 2, 0);

	KT_REQUIRE(at_init(&t, NULL, 6, 40000, 5555) == 0);
	at_feed_str(&t, 0, "GET /x HTTP/1.1\r\nHost: a.example\r\n\r\n");
	at_feed_str(&t, 1, "HTTP/1.1 204 No Content\r\n\r\n");
	KT_EQ_STR(kn_app_proto_of(&t.flow), "http");
	at_end(&t);
	KT_CHECK(at_find(&t, "\"event_type\":\"http\"", "\"url\":\"/x\"") >= 0);
	at_fini(&t);

	KT_REQUIRE(n > 0);
	KT_REQUIRE(at_init(&t, NULL, 6, 40000, 80) == 0);
	at_feed(&t, 0, hello, n);
	KT_EQ_STR(kn_app_proto_of(&t.flow), "tls");
	at_fini(&t);

	KT_REQUIRE(at_init(&t, NULL, 6, 40000, 2222) == 0);
	at_feed_str(&t, 1, "SSH-2.0-OpenSSH_8.9\r\n");
	at_feed_str(&t, 0, "SSH-2.0-PuTTY_Release_0.78\r\n");
	KT_EQ_STR(kn_app_proto_of(&t.flow), "ssh");
	at_end(&t);
	KT_CHECK(at_find(&t, "\"software_version\":\"OpenSSH_8.9\"") >= 0);
	at_fini(&t);

	static const uint8_t query[] = {
		0x12, 0x34, 0x01, 0x00, 0x00, 0x01, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
		7, 'e', 'x', 'a', 'm', 'p', 'l', 'e', 3, 'c', 'o', 'm', 0, 0x00, 0x01, 0x00, 0x01,
	};
	KT_REQUIRE(at_init(&t, NULL, 17, 40000, 5300) == 0);
	at_feed(&t, 0, query, sizeof query);
	KT_EQ_STR(kn_app_proto_of(&t.flow), "dns");
	KT_CHECK(at_find(&t, "\"rrname\":\"example.com\"") >= 0);
	at_fini(&t);
}

/* Bytes that arrive a few at a time are kept until a probe can decide. */
static void test_detect_split(void)
{
	struct at t;
	const char *req = "POST /upload HTTP/1.1\r\nHost: b\r\nContent-Length: 0\r\n\r\n";
	KT_REQUIRE(at_init(&t, NULL, 6, 40000, 8000) == 0);
	for (const char *p = req; *p; p++)
		at_feed(&t, 0, p, 1);
	at_feed_str(&t, 1, "HTTP/1.0 200 OK\r\nContent-Length: 0\r\n\r\n");
	at_end(&t);
	KT_EQ_STR(t.app_proto, "http");
	KT_CHECK(at_find(&t, "\"http_method\":\"POST\"", "\"url\":\"/upload\"", "\"status\":200") >= 0);
	KT_CHECK(kn_app_ctx_stats(t.ctx)->mem_in_use == 0);
	at_fini(&t);
}

/* STARTTLS: SMTP until the 220, then TLS is detected on the same flow,
 * logged with from_proto, and the flow reports both protocols. */
static void test_switch_starttls(void)
{
	struct at t;
	uint8_t hello[512], flight[1024];
	static const uint16_t ciphers[] = { 0xc02f, 0x002f };
	size_t n = kn_tls_client_hello(hello, sizeof hello, "mx.example", ciphers, 2, 0);
	size_t m = kn_tls_server_flight(flight, sizeof flight, 0x0303, 0xc02f, kn_demo_cert_der,
					kn_demo_cert_der_len);

	KT_REQUIRE(n && m);
	KT_REQUIRE(at_init(&t, NULL, 6, 40000, 25) == 0);
	at_feed_str(&t, 1, "220 mx.example ESMTP Postfix\r\n");
	at_feed_str(&t, 0, "EHLO client.example\r\n");
	at_feed_str(&t, 1, "250-mx.example\r\n250 STARTTLS\r\n");
	at_feed_str(&t, 0, "STARTTLS\r\n");
	at_feed_str(&t, 1, "220 2.0.0 Ready to start TLS\r\n");
	at_feed(&t, 0, hello, n);
	at_feed(&t, 1, flight, m);
	at_end(&t);
	KT_EQ_STR(t.app_proto, "tls");
	KT_EQ_STR(t.app_proto_orig, "smtp");
	KT_CHECK(at_find(&t, "\"event_type\":\"smtp\"", "\"helo\":\"client.example\"") >= 0);
	KT_CHECK(at_find(&t, "\"event_type\":\"tls\"", "\"sni\":\"mx.example\"",
			 "\"from_proto\":\"smtp\"") >= 0);
	KT_CHECK(kn_app_ctx_stats(t.ctx)->mem_in_use == 0);
	if (kt_st.failed)
		at_dump(&t);
	at_fini(&t);
}

/* IMAP (not parsed: detection fails on the greeting) upgraded with
 * STARTTLS: the ClientHello that starts a later chunk is found and the TLS
 * handshake is logged; the flow reports tls. A flow whose first 64 chunks
 * after the failure held no ClientHello is not looked at any more. */
static void test_late_tls_after_unparsed_start(void)
{
	struct at t;
	uint8_t hello[512], flight[1024];
	static const uint16_t ciphers[] = { 0xc02f, 0x002f };
	size_t n = kn_tls_client_hello(hello, sizeof hello, "imap.example", ciphers, 2, 0);
	size_t m = kn_tls_server_flight(flight, sizeof flight, 0x0303, 0xc02f, kn_demo_cert_der,
					kn_demo_cert_der_len);

	KT_REQUIRE(n && m);
	KT_REQUIRE(at_init(&t, NULL, 6, 40000, 143) == 0);
	at_feed_str(&t, 1, "* OK [CAPABILITY IMAP4rev1 STARTTLS] Dovecot ready.\r\n");
	at_feed_str(&t, 0, "a1 STARTTLS\r\n");
	at_feed_str(&t, 1, "a1 OK Begin TLS negotiation now.\r\n");
	at_feed(&t, 0, hello, n);
	at_feed(&t, 1, flight, m);
	at_end(&t);
	KT_EQ_STR(t.app_proto, "tls");
	KT_CHECK(at_find(&t, "\"event_type\":\"tls\"", "\"sni\":\"imap.example\"") >= 0);
	KT_EQ(kn_app_ctx_stats(t.ctx)->flows_failed, 0);
	KT_EQ(kn_app_ctx_stats(t.ctx)->mem_in_use, 0);
	at_fini(&t);

	KT_REQUIRE(at_init(&t, NULL, 6, 40000, 143) == 0);
	at_feed_str(&t, 1, "* OK IMAP4rev1 ready\r\n");
	at_feed_str(&t, 0, "a1 NOOP\r\n");
	for (int i = 0; i < 70; i++)
		at_feed_str(&t, i & 1, "a2 OK NOOP completed\r\n");
	at_feed(&t, 0, hello, n);
	at_end(&t);
	KT_EQ_STR(t.app_proto, "failed");
	KT_EQ(at_count(&t, "\"event_type\":\"tls\""), 0);
	KT_EQ(kn_app_ctx_stats(t.ctx)->mem_in_use, 0);
	at_fini(&t);
}

/* HTTP through a SOCKS5 proxy (RFC 1928): the binary handshake fails
 * detection; the client's first request line at the start of a later chunk
 * starts HTTP. A line that only begins like a request ("GET" without the
 * protocol version) does not. */
static void test_late_http_after_socks(void)
{
	struct at t;
	static const uint8_t hello[] = { 0x05, 0x01, 0x00 }, choice[] = { 0x05, 0x00 };
	static const uint8_t req[] = { 0x05, 0x01, 0x00, 0x03, 11, 'e', 'x', 'a', 'm', 'p', 'l', 'e',
				       '.', 'o', 'r', 'g', 0x00, 0x50 };
	static const uint8_t rep[] = { 0x05, 0x00, 0x00, 0x01, 10, 0, 0, 1, 0x1f, 0x90 };

	KT_REQUIRE(at_init(&t, NULL, 6, 40000, 1080) == 0);
	at_feed(&t, 0, hello, sizeof hello);
	at_feed(&t, 1, choice, sizeof choice);
	at_feed(&t, 0, req, sizeof req);
	at_feed(&t, 1, rep, sizeof rep);
	at_feed_str(&t, 0, "GET /index.html HTTP/1.1\r\nHost: example.org\r\n\r\n");
	at_feed_str(&t, 1, "HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok");
	at_end(&t);
	KT_EQ_STR(t.app_proto, "http");
	KT_CHECK(at_find(&t, "\"event_type\":\"http\"", "\"hostname\":\"example.org\"",
			 "\"url\":\"/index.html\"", "\"status\":200") >= 0);
	KT_EQ(kn_app_ctx_stats(t.ctx)->mem_in_use, 0);
	at_fini(&t);

	KT_REQUIRE(at_init(&t, NULL, 6, 40000, 1080) == 0);
	at_feed(&t, 0, hello, sizeof hello);
	at_feed(&t, 1, choice, sizeof choice);
	at_feed_str(&t, 0, "GET the rest of the message\r\n");
	at_end(&t);
	KT_EQ_STR(t.app_proto, "failed");
	KT_EQ(at_count(&t, "\"event_type\":\"http\""), 0);
	at_fini(&t);
}

/* HTTP CONNECT answered 200: TLS inside the tunnel is detected and logged
 * with from_proto, and the flow reports tls with app_proto_orig http. */
static void test_switch_connect(void)
{
	struct at t;
	uint8_t hello[512];
	static const uint16_t ciphers[] = { 0xc02f, 0x002f };
	size_t n = kn_tls_client_hello(hello, sizeof hello, "mail.example.com", ciphers, 2, 0);

	KT_REQUIRE(n > 0);
	KT_REQUIRE(at_init(&t, NULL, 6, 40000, 3128) == 0);
	at_feed_str(&t, 0, "CONNECT mail.example.com:443 HTTP/1.1\r\nHost: mail.example.com:443\r\n\r\n");
	at_feed_str(&t, 1, "HTTP/1.1 200 Connection established\r\n\r\n");
	at_feed(&t, 0, hello, n);
	at_end(&t);
	KT_EQ_STR(t.app_proto, "tls");
	KT_EQ_STR(t.app_proto_orig, "http");
	KT_CHECK(at_find(&t, "\"event_type\":\"http\"", "\"http_method\":\"CONNECT\"") >= 0);
	KT_CHECK(at_find(&t, "\"event_type\":\"tls\"", "\"sni\":\"mail.example.com\"",
			 "\"from_proto\":\"http\"") >= 0);
	KT_CHECK(kn_app_ctx_stats(t.ctx)->mem_in_use == 0);
	if (kt_st.failed)
		at_dump(&t);
	at_fini(&t);
}

static const struct kt_case cases[] = {
	KT_CASE(test_registry),
	KT_CASE(test_buffer_names),
	KT_CASE(test_no_data_and_failed),
	KT_CASE(test_set_proto_errors),
	KT_CASE(test_memcap),
	KT_CASE(test_bad_config),
	KT_CASE(test_detect_by_content),
	KT_CASE(test_detect_split),
	KT_CASE(test_switch_starttls),
	KT_CASE(test_switch_connect),
	KT_CASE(test_late_tls_after_unparsed_start),
	KT_CASE(test_late_http_after_socks),
};
KT_MAIN("app_core", cases)
