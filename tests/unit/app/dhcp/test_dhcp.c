/*
 * test_dhcp.c - the DHCP parser (src/app/dhcp): Suricata 7's default
 * record (DHCPACK only) and extended format on real messages, detection,
 * buffers, client assets, and hostile options (running off the end, length
 * 255 at the end, pads only, no END, impossible lengths, short datagrams).
 */
#include "../../../kt.h"
#include "app/dhcp/dhcp.h"
#include "dhcp_data.h"
#include "tx_buffers.h"

static unsigned count_events(const struct at *t, const char *name)
{
	char pat[96];
	snprintf(pat, sizeof pat, "\"event\":\"%s\"", name);
	return at_count(t, pat);
}

/* A DHCP message: the real request's fixed header and cookie, then the
 * given option bytes (copied as they are). */
static size_t build(uint8_t *out, size_t cap, uint8_t op, const uint8_t *opts, size_t n)
{
	if (DHCP_OPTIONS_OFF + n > cap)
		return 0;
	memcpy(out, dhcp_request, DHCP_OPTIONS_OFF);
	out[0] = op;
	memcpy(out + DHCP_OPTIONS_OFF, opts, n);
	return DHCP_OPTIONS_OFF + n;
}

/* Request then ACK: only the ACK is logged, exactly as Suricata's
 * reference configuration logs it, from the server's side. */
static void test_request_ack(void)
{
	struct at t;

	KT_REQUIRE(at_init(&t, "dhcp", 17, 68, 67) == 0);
	txb_attach(&t);
	at_feed(&t, 0, dhcp_request, sizeof dhcp_request);
	KT_CHECK(t.n == 0);
	at_feed(&t, 1, dhcp_ack, sizeof dhcp_ack);
	KT_CHECK(at_count(&t, "\"event_type\":\"dhcp\"") == 1);
	KT_CHECK(at_find(&t, "\"src_ip\":\"10.0.0.2\",\"src_port\":67,\"dest_ip\":\"10.0.0.1\","
			 "\"dest_port\":68,\"proto\":\"UDP\"",
			 "\"dhcp\":{\"type\":\"reply\",\"id\":4016330564,\"client_mac\":"
			 "\"00:11:32:17:49:f0\",\"assigned_ip\":\"10.16.1.4\",\"dhcp_type\":\"ack\","
			 "\"renewal_time\":1681,\"hostname\":\"nas1\\u0000\"}}") >= 0);
	KT_CHECK(at_count(&t, "tx_id") == 0);
	KT_CHECK(txb_count(KN_BUF_DHCP_HOSTNAME) == 1);
	KT_CHECK(txb_v[0].len == 5 && memcmp(txb_v[0].data, "nas1", 5) == 0);
	KT_CHECK(txb_count(KN_BUF_DHCP_VENDOR_CLASS) == 0);
	/* The request named its host. */
	KT_CHECK(t.n_assets == 1);
	KT_CHECK(t.assets[0].role == KN_ASSET_CLIENT);
	KT_EQ_STR(t.assets[0].service, "dhcp");
	KT_EQ_STR(t.assets[0].hostname, "nas1");
	KT_EQ_STR(t.assets[0].product, "");
	at_end(&t);
	KT_EQ_STR(t.app_proto, "dhcp");
	KT_CHECK(!t.bad_json);
	at_fini(&t);
	txb_reset();
}

static void expect_extended(const uint8_t *p, size_t n, const char *want)
{
	struct dhcp_msg m;
	struct kn_json j;
	const char *s;

	KT_REQUIRE(kn_json_init(&j, 1024, 1 << 16) == 0);
	KT_CHECK(dhcp_msg_parse(&m, p, (uint32_t)n) == 0);
	kn_json_reset(&j);
	kn_json_open(&j, NULL);
	dhcp_log_json(&m, &j, 1);
	kn_json_close(&j);
	s = kn_json_text(&j, NULL);
	KT_REQUIRE(s != NULL);
	if (strcmp(s, want) != 0)
		fprintf(stderr, "  got  %s\n  want %s\n", s, want);
	KT_EQ_STR(s, want);
	kn_json_fini(&j);
}

/* The extended format carries every field of the suricata-verify test
 * dhcp-eve-extended (values from its expectations). */
static void test_extended_format(void)
{
	expect_extended(dhcp_request, sizeof dhcp_request,
			"{\"dhcp\":{\"type\":\"request\",\"id\":4016330564,\"client_mac\":"
			"\"00:11:32:17:49:f0\",\"client_ip\":\"10.16.1.4\",\"assigned_ip\":"
			"\"0.0.0.0\",\"dhcp_type\":\"request\",\"hostname\":\"nas1\\u0000\","
			"\"params\":[\"subnet_mask\",\"router\",\"domain\",\"dns_server\"],"
			"\"client_id\":\"00:11:32:17:49:f0\"}}");
	expect_extended(dhcp_ack, sizeof dhcp_ack,
			"{\"dhcp\":{\"type\":\"reply\",\"id\":4016330564,\"client_mac\":"
			"\"00:11:32:17:49:f0\",\"client_ip\":\"10.16.1.4\",\"relay_ip\":\"0.0.0.0\","
			"\"next_server_ip\":\"10.16.1.1\",\"assigned_ip\":\"10.16.1.4\","
			"\"dhcp_type\":\"ack\",\"lease_time\":3600,\"renewal_time\":1681,"
			"\"rebinding_time\":3031,\"subnet_mask\":\"255.255.0.0\",\"dns_servers\":"
			"[\"10.16.1.1\"],\"hostname\":\"nas1\\u0000\",\"routers\":[\"10.16.1.1\"]}}");
}

static void test_detection(void)
{
	const struct kn_app_parser *p = kn_app_parser_get(kn_app_parser_id("dhcp"));
	uint8_t bad[sizeof dhcp_request];
	struct at t;

	KT_REQUIRE(p && p->probe);
	KT_CHECK(p->probe(dhcp_request, sizeof dhcp_request, 0, 17) == KN_PROBE_YES);
	KT_CHECK(p->probe(dhcp_request, sizeof dhcp_request, 0, 6) == KN_PROBE_NO);
	KT_CHECK(p->probe(dhcp_request, 239, 0, 17) == KN_PROBE_NO);
	memcpy(bad, dhcp_request, sizeof bad);
	bad[DHCP_FIXED_LEN] = 0;              /* no magic cookie: plain BOOTP */
	KT_CHECK(p->probe(bad, sizeof bad, 0, 17) == KN_PROBE_NO);
	memcpy(bad, dhcp_request, sizeof bad);
	bad[2] = 17;                          /* hlen */
	KT_CHECK(p->probe(bad, sizeof bad, 0, 17) == KN_PROBE_NO);

	/* Content decides on any port. */
	KT_REQUIRE(at_init(&t, NULL, 17, 40000, 6767) == 0);
	at_feed(&t, 1, dhcp_ack, sizeof dhcp_ack);
	KT_CHECK(at_count(&t, "\"dhcp_type\":\"ack\"") == 1);
	at_end(&t);
	KT_EQ_STR(t.app_proto, "dhcp");
	at_fini(&t);
}

/* Vendor class becomes the product; the same client message twice is one
 * asset; an ACK (server message) is none. */
static void test_assets(void)
{
	static const uint8_t opts[] = { 53, 1, 1, 12, 6, 'l', 'a', 'p', 't', 'o', 'p',
					60, 8, 'M', 'S', 'F', 'T', ' ', '5', '.', '0', 255 };
	uint8_t msg[512];
	size_t n = build(msg, sizeof msg, 1, opts, sizeof opts);
	struct at t;

	KT_REQUIRE(at_init(&t, "dhcp", 17, 68, 67) == 0);
	txb_attach(&t);
	at_feed(&t, 0, msg, n);
	at_feed(&t, 0, msg, n);
	at_feed(&t, 1, dhcp_ack, sizeof dhcp_ack);
	KT_CHECK(t.n_assets == 1);
	KT_EQ_STR(t.assets[0].hostname, "laptop");
	KT_EQ_STR(t.assets[0].product, "MSFT 5.0");
	KT_CHECK(t.n == 1);   /* the ACK */
	at_fini(&t);
	txb_reset();
}

/* An ACK with vendor class: both buffers answer, index 0 only. */
static void test_buffers(void)
{
	static const uint8_t opts[] = { 53, 1, 5, 60, 4, 'a', 'c', 'm', 'e', 12, 2, 'h', 'x', 255 };
	uint8_t msg[512];
	size_t n = build(msg, sizeof msg, 2, opts, sizeof opts);
	struct at t;

	KT_REQUIRE(at_init(&t, "dhcp", 17, 68, 67) == 0);
	txb_attach(&t);
	at_feed(&t, 1, msg, n);
	KT_CHECK(txb_has(KN_BUF_DHCP_VENDOR_CLASS, 0, "acme"));
	KT_CHECK(txb_has(KN_BUF_DHCP_HOSTNAME, 0, "hx"));
	KT_CHECK(txb_count(KN_BUF_DHCP_HOSTNAME) == 1);
	KT_CHECK(at_find(&t, "\"dhcp_type\":\"ack\",\"hostname\":\"hx\"}") >= 0);
	at_fini(&t);
	txb_reset();
}

/* Options running off the end, a 255 length in the last bytes, pads
 * only, no END option, bad fixed lengths, short and non-DHCP datagrams. */
static void test_hostile_options(void)
{
	static const uint8_t off_end[] = { 53, 1, 5, 12, 200, 'a', 'b' };
	static const uint8_t len255[] = { 53, 1, 5, 58, 4, 0, 0, 1, 0, 12, 255 };
	static const uint8_t no_end[] = { 53, 1, 5, 58, 4, 0, 0, 0, 9 };
	static const uint8_t bad_len[] = { 53, 2, 5, 5, 51, 3, 1, 2, 3, 3, 5, 1, 2, 3, 4, 5, 255 };
	static const uint8_t lone_code[] = { 53, 1, 5, 12 };
	uint8_t pads[300], msg[600];
	struct at t;
	size_t n;

	KT_REQUIRE(at_init(&t, "dhcp", 17, 68, 67) == 0);
	n = build(msg, sizeof msg, 2, off_end, sizeof off_end);
	at_feed(&t, 1, msg, n);
	KT_CHECK(count_events(&t, "TRUNCATED_OPTIONS") == 1);
	KT_CHECK(at_find(&t, "\"dhcp_type\":\"ack\"}") >= 0);   /* options before it kept */
	n = build(msg, sizeof msg, 2, len255, sizeof len255);
	at_feed(&t, 1, msg, n);
	KT_CHECK(count_events(&t, "TRUNCATED_OPTIONS") == 2);
	KT_CHECK(at_find(&t, "\"dhcp_type\":\"ack\",\"renewal_time\":256}") >= 0);
	n = build(msg, sizeof msg, 2, no_end, sizeof no_end);
	at_feed(&t, 1, msg, n);
	KT_CHECK(at_find(&t, "\"renewal_time\":9}") >= 0);
	n = build(msg, sizeof msg, 2, lone_code, sizeof lone_code);
	at_feed(&t, 1, msg, n);
	KT_CHECK(count_events(&t, "TRUNCATED_OPTIONS") == 3);
	memset(pads, 0, sizeof pads);
	n = build(msg, sizeof msg, 2, pads, sizeof pads);
	at_feed(&t, 1, msg, n);
	n = build(msg, sizeof msg, 2, bad_len, sizeof bad_len);
	at_feed(&t, 1, msg, n);
	KT_CHECK(count_events(&t, "MALFORMED_OPTIONS") == 1);
	at_feed(&t, 1, dhcp_ack, 100);   /* cut short */
	msg[DHCP_FIXED_LEN] = 1;         /* bad cookie */
	at_feed(&t, 1, msg, n);
	KT_CHECK(count_events(&t, "MALFORMED_DATA") == 2);
	/* Logged: off_end, len255, no_end, lone_code (4 ACKs); not the pads-only
	 * or bad-length (no valid type) messages. */
	KT_CHECK(at_count(&t, "\"event_type\":\"dhcp\"") == 4);
	KT_CHECK(!t.bad_json);
	at_fini(&t);
}

/* A maximal datagram of tiny options is walked in one linear pass. */
static void test_many_options(void)
{
	static uint8_t msg[65000];
	struct dhcp_msg m;
	size_t n = DHCP_OPTIONS_OFF;

	memcpy(msg, dhcp_ack, DHCP_OPTIONS_OFF);
	msg[n++] = 53, msg[n++] = 1, msg[n++] = 5;
	while (n + 3 < sizeof msg) {
		msg[n++] = 12;                /* hostname, repeated */
		msg[n++] = 1;
		msg[n++] = 'h';
	}
	KT_CHECK(dhcp_msg_parse(&m, msg, (uint32_t)n) == 0);
	KT_CHECK(m.type == DHCP_TYPE_ACK);
	KT_CHECK(m.hostname.len == 1);

	struct at t;
	KT_REQUIRE(at_init(&t, "dhcp", 17, 68, 67) == 0);
	at_feed(&t, 1, msg, n);
	KT_CHECK(at_count(&t, "\"hostname\":\"h\"}") == 1);   /* first occurrence only */
	at_fini(&t);
}

static const struct kt_case cases[] = {
	KT_CASE(test_request_ack),
	KT_CASE(test_extended_format),
	KT_CASE(test_detection),
	KT_CASE(test_assets),
	KT_CASE(test_buffers),
	KT_CASE(test_hostile_options),
	KT_CASE(test_many_options),
};
KT_MAIN("app_dhcp", cases)
