/*
 * test_ssh.c - the SSH parser (src/app/ssh): identification strings, the
 * EVE "ssh" record, HASSH of real KEXINIT packets (values expected by
 * suricata-verify), named buffers, assets, detection, and hostile input
 * (endless banners, stray lines, bad packet lengths, name-lists past the
 * packet, gaps, 1-byte chunks, memcap).
 */
#include "../../../kt.h"
#include "app/ssh/ssh.h"
#include "ssh_data.h"
#include "tx_buffers.h"

#define CISCO_HASSH "3cc67862bceac0f334c62ad1b76895b4"
#define WIN_HASSH "2dd6531c7e89d3c925db9214711be76a"
#define OPENSSH74_HASSH_SERVER "6832f1ce43d4397c2c0a3e2f8c94334e"

/* Offset of the first byte after the identification line. */
static size_t after_banner(const uint8_t *p, size_t n)
{
	const uint8_t *lf = memchr(p, '\n', n);
	return lf ? (size_t)(lf - p) + 1 : n;
}

static void feed_chunks(struct at *t, int dir, const uint8_t *p, size_t n, size_t chunk)
{
	for (size_t off = 0; off < n; off += chunk)
		at_feed(t, dir, p + off, n - off < chunk ? n - off : chunk);
}

static unsigned count_events(const struct at *t, const char *name)
{
	char pat[96];
	snprintf(pat, sizeof pat, "\"event\":\"%s\"", name);
	return at_count(t, pat);
}

/* The captured order: server banner, client banner, client KEXINIT in
 * 64-byte segments, server KEXINIT. */
static void test_cisco_handshake(void)
{
	struct at t;
	size_t cb = after_banner(cisco_client, sizeof cisco_client);
	size_t sb = after_banner(cisco_server, sizeof cisco_server);

	KT_REQUIRE(at_init(&t, "ssh", 6, 59139, 22) == 0);
	txb_attach(&t);
	at_feed(&t, 1, cisco_server, sb);
	at_feed(&t, 0, cisco_client, cb);
	KT_CHECK(at_count(&t, "\"event_type\":\"ssh\"") == 0);   /* KEXINITs pending */
	feed_chunks(&t, 0, cisco_client + cb, sizeof cisco_client - cb, 64);
	at_feed(&t, 1, cisco_server + sb, sizeof cisco_server - sb);
	KT_CHECK(at_count(&t, "\"event_type\":\"ssh\"") == 1);
	KT_CHECK(at_find(&t, "\"tx_id\":0,\"ssh\":{\"client\":{\"proto_version\":\"1.99\","
			 "\"software_version\":\"Cisco-1.25\"},\"server\":{\"proto_version\":"
			 "\"2.0\",\"software_version\":\"Cisco-1.25\"}}}",
			 "\"src_ip\":\"10.0.0.1\"", "\"dest_port\":22") >= 0);
	KT_CHECK(txb_has(KN_BUF_SSH_HASSH, 0, CISCO_HASSH));
	KT_CHECK(txb_has(KN_BUF_SSH_HASSH_SERVER, 0, CISCO_HASSH));
	KT_CHECK(txb_has(KN_BUF_SSH_PROTO, 0, "1.99"));
	KT_CHECK(txb_has(KN_BUF_SSH_PROTO, 1, "2.0"));
	KT_CHECK(txb_has(KN_BUF_SSH_SOFTWARE, 1, "Cisco-1.25"));
	KT_CHECK(t.n_assets == 2);
	KT_CHECK(t.assets[0].role == KN_ASSET_SERVER);
	KT_EQ_STR(t.assets[0].product, "cisco");
	KT_EQ_STR(t.assets[0].version, "1.25");
	KT_EQ_STR(t.assets[0].banner, "SSH-2.0-Cisco-1.25");
	KT_CHECK(t.assets[1].role == KN_ASSET_CLIENT);
	at_end(&t);
	KT_CHECK(at_count(&t, "\"event_type\":\"ssh\"") == 1);   /* logged once */
	KT_CHECK(count_events(&t, "INVALID_RECORD") == 0);
	KT_EQ_STR(t.app_proto, "ssh");
	KT_CHECK(!t.bad_json);
	KT_CHECK(kn_app_ctx_stats(t.ctx)->mem_in_use == 0);
	at_fini(&t);
	txb_reset();
}

/* OpenSSH for Windows 7.7 -> OpenSSH 7.4, every byte in its own call,
 * directions interleaved. */
static void test_openssh_one_byte_chunks(void)
{
	struct at t;
	size_t n = sizeof openssh_client > sizeof openssh_server ? sizeof openssh_client
								   : sizeof openssh_server;

	KT_REQUIRE(at_init(&t, "ssh", 6, 54634, 22) == 0);
	txb_attach(&t);
	for (size_t i = 0; i < n; i++) {
		if (i < sizeof openssh_server)
			at_feed(&t, 1, openssh_server + i, 1);
		if (i < sizeof openssh_client)
			at_feed(&t, 0, openssh_client + i, 1);
	}
	KT_CHECK(at_count(&t, "\"event_type\":\"ssh\"") == 1);
	KT_CHECK(at_find(&t, "\"client\":{\"proto_version\":\"2.0\",\"software_version\":"
			 "\"OpenSSH_for_Windows_7.7\"}",
			 "\"server\":{\"proto_version\":\"2.0\",\"software_version\":"
			 "\"OpenSSH_7.4\"}") >= 0);
	KT_CHECK(txb_has(KN_BUF_SSH_HASSH, 0, WIN_HASSH));
	KT_CHECK(txb_has(KN_BUF_SSH_HASSH_SERVER, 0, OPENSSH74_HASSH_SERVER));
	KT_CHECK(txb_count(KN_BUF_SSH_HASSH) == 1);
	KT_CHECK(t.n_assets == 2);
	for (unsigned i = 0; i < t.n_assets; i++) {
		KT_EQ_STR(t.assets[i].product, "openssh");
		KT_EQ_STR(t.assets[i].service, "ssh");
		if (t.assets[i].role == KN_ASSET_SERVER)
			KT_EQ_STR(t.assets[i].version, "7.4");
		else
			KT_EQ_STR(t.assets[i].version, "7.7");
	}
	at_fini(&t);
	txb_reset();
}

static void test_detection(void)
{
	const struct kn_app_parser *p = kn_app_parser_get(kn_app_parser_id("ssh"));
	struct at t;

	KT_REQUIRE(p && p->probe);
	KT_CHECK(p->probe((const uint8_t *)"SS", 2, 0, 6) == KN_PROBE_MORE);
	KT_CHECK(p->probe((const uint8_t *)"SSH-2.0-x\r\n", 11, 1, 6) == KN_PROBE_YES);
	KT_CHECK(p->probe((const uint8_t *)"SSX-", 4, 0, 6) == KN_PROBE_NO);
	KT_CHECK(p->probe((const uint8_t *)"GET / HTTP/1.1\r\n", 16, 0, 6) == KN_PROBE_NO);

	/* An unusual port: content decides. */
	KT_REQUIRE(at_init(&t, NULL, 6, 40000, 2222) == 0);
	at_feed_str(&t, 1, "SSH-2.0-dropbear_2019.78\r\n");
	at_feed_str(&t, 0, "SSH-2.0-PuTTY_Release_0.72\r\n");
	at_eof(&t, 0);
	at_eof(&t, 1);
	KT_CHECK(at_count(&t, "\"event_type\":\"ssh\"") == 1);
	at_end(&t);
	KT_EQ_STR(t.app_proto, "ssh");
	KT_CHECK(t.n_assets == 2);
	KT_EQ_STR(t.assets[0].product, "dropbear");
	KT_EQ_STR(t.assets[0].version, "2019.78");
	KT_EQ_STR(t.assets[1].product, "putty");
	KT_EQ_STR(t.assets[1].version, "0.72");
	at_fini(&t);
}

static void test_software_product(void)
{
	static const struct {
		const char *soft, *product, *version;
	} v[] = {
		{ "OpenSSH_7.4p1", "openssh", "7.4p1" },
		{ "dropbear_2019.78", "dropbear", "2019.78" },
		{ "libssh2_1.11.0", "libssh2", "1.11.0" },
		{ "libssh-0.7.2", "libssh", "0.7.2" },
		{ "Cisco_server-1.24", "cisco", "1.24" },
		{ "OpenSSH_6.6p1-hpn14v4", "openssh", "6.6p1-hpn14v4" },
		{ "ROSSSH", "rosssh", "" },
		{ "AsyncSSH_2.8.1", "asyncssh", "2.8.1" },
		{ "Go", "go", "" },
		{ "x_", "x", "" },
	};
	char product[64], version[64];

	for (size_t i = 0; i < sizeof v / sizeof v[0]; i++) {
		ssh_software_product(v[i].soft, strlen(v[i].soft), product, sizeof product,
				     version, sizeof version);
		KT_EQ_STR(product, v[i].product);
		KT_EQ_STR(version, v[i].version);
	}
}

/* The server may talk before its banner (RFC 4253 4.2); the client may
 * not. Comments after the software version are not part of it. */
static void test_lines_before_banner(void)
{
	struct at t;

	KT_REQUIRE(at_init(&t, "ssh", 6, 40000, 22) == 0);
	at_feed_str(&t, 1, "Welcome to the machine\r\nAuthorised use only\r\n"
			   "SSH-2.0-OpenSSH_8.9p1 Ubuntu-3ubuntu0.1\r\n");
	at_feed_str(&t, 0, "hello?\r\nSSH-2.0-OpenSSH_9.6\r\n");
	at_eof(&t, 0);
	at_eof(&t, 1);
	KT_CHECK(at_find(&t, "\"server\":{\"proto_version\":\"2.0\",\"software_version\":"
			 "\"OpenSSH_8.9p1\"}") >= 0);
	KT_CHECK(count_events(&t, "INVALID_BANNER") == 1);
	KT_CHECK(at_find(&t, "\"event\":\"INVALID_BANNER\"", "\"src_ip\":\"10.0.0.1\"") >= 0);
	KT_EQ_STR(t.assets[0].banner, "SSH-2.0-OpenSSH_8.9p1 Ubuntu-3ubuntu0.1");
	at_fini(&t);
}

/* A banner longer than 255 bytes is truncated and flagged; the KEXINIT
 * after its line end is still parsed. */
static void test_long_banner(void)
{
	struct at t;
	char line[600];
	size_t cb = after_banner(cisco_client, sizeof cisco_client);

	memset(line, 'A', sizeof line);
	memcpy(line, "SSH-2.0-Long", 12);
	KT_REQUIRE(at_init(&t, "ssh", 6, 40000, 22) == 0);
	txb_attach(&t);
	at_feed(&t, 0, line, sizeof line);
	at_feed_str(&t, 0, "\r\n");
	at_feed(&t, 0, cisco_client + cb, sizeof cisco_client - cb);
	at_feed_str(&t, 1, "SSH-2.0-x\r\n");
	at_eof(&t, 1);
	KT_CHECK(count_events(&t, "LONG_BANNER") == 1);
	KT_CHECK(at_count(&t, "\"event_type\":\"ssh\"") == 1);
	KT_CHECK(txb_has(KN_BUF_SSH_HASSH, 0, CISCO_HASSH));
	for (unsigned i = 0; i < txb_n; i++)
		if (txb_v[i].buf == KN_BUF_SSH_SOFTWARE && txb_v[i].index == 0)
			KT_CHECK(txb_v[i].len == SSH_BANNER_MAX - 8);
	at_fini(&t);
	txb_reset();
}

/* 1 MiB of banner without a newline, then 1 MiB of junk before any banner
 * on the other side: bounded memory, one anomaly each, no hang. */
static void test_endless_banner(void)
{
	struct at t;
	static uint8_t junk[4096];
	uint64_t peak0;

	memset(junk, 'B', sizeof junk);
	KT_REQUIRE(at_init(&t, "ssh", 6, 40000, 22) == 0);
	peak0 = kn_app_ctx_stats(t.ctx)->mem_peak;
	at_feed_str(&t, 1, "SSH-2.0-");
	for (int i = 0; i < 256; i++)
		at_feed(&t, 1, junk, sizeof junk);
	for (int i = 0; i < 256; i++)
		at_feed(&t, 0, junk, sizeof junk);
	KT_CHECK(kn_app_ctx_stats(t.ctx)->mem_peak == peak0);
	KT_CHECK(count_events(&t, "LONG_BANNER") == 1);
	KT_CHECK(count_events(&t, "INVALID_BANNER") == 1);
	at_end(&t);
	KT_CHECK(at_count(&t, "\"event_type\":\"ssh\"") == 1);
	KT_CHECK(at_find(&t, "\"ssh\":{\"server\":{\"proto_version\":\"2.0\"") >= 0);
	KT_CHECK(at_count(&t, "\"client\":{") == 0);
	at_fini(&t);
}

/* Builds "SSH-2.0-t\r\n" + one binary packet with the given payload. */
static size_t build_packet(uint8_t *out, size_t cap, uint32_t pkt_len_override,
			   const uint8_t *payload, uint32_t payload_len)
{
	const char *banner = "SSH-2.0-t\r\n";
	size_t n = strlen(banner), pad = 4;
	uint32_t pkt_len = pkt_len_override ? pkt_len_override : payload_len + (uint32_t)pad + 1;

	if (n + 5 + payload_len + pad > cap)
		return 0;
	memcpy(out, banner, n);
	out[n++] = (uint8_t)(pkt_len >> 24);
	out[n++] = (uint8_t)(pkt_len >> 16);
	out[n++] = (uint8_t)(pkt_len >> 8);
	out[n++] = (uint8_t)pkt_len;
	out[n++] = (uint8_t)pad;
	memcpy(out + n, payload, payload_len);
	n += payload_len;
	memset(out + n, 0, pad);
	return n + pad;
}

/* A KEXINIT whose first name-list claims more bytes than the packet has. */
static void test_kexinit_list_past_packet(void)
{
	struct at t;
	uint8_t payload[64], buf[128];
	size_t n;

	memset(payload, 0, sizeof payload);
	payload[0] = 20;                      /* SSH_MSG_KEXINIT */
	payload[17] = 0xff, payload[18] = 0xff, payload[19] = 0xff, payload[20] = 0x00;
	memcpy(payload + 21, "curve25519-sha256", 17);
	n = build_packet(buf, sizeof buf, 0, payload, sizeof payload);
	KT_REQUIRE(n > 0);
	KT_REQUIRE(at_init(&t, "ssh", 6, 40000, 22) == 0);
	txb_attach(&t);
	at_feed(&t, 0, buf, n);
	at_feed(&t, 1, buf, n);
	KT_CHECK(count_events(&t, "INVALID_RECORD") == 2);
	KT_CHECK(at_count(&t, "\"event_type\":\"ssh\"") == 1);   /* both sides done */
	KT_CHECK(txb_count(KN_BUF_SSH_HASSH) == 0);
	KT_CHECK(txb_count(KN_BUF_SSH_HASSH_SERVER) == 0);
	at_fini(&t);
	txb_reset();
}

/* packet_length far beyond 35000 bytes: refused before anything is
 * allocated; a length shorter than its padding is invalid. */
static void test_bad_packet_lengths(void)
{
	struct at t;
	uint8_t payload[8] = { 20 }, buf[64];
	size_t n;
	uint64_t peak0;

	KT_REQUIRE(at_init(&t, "ssh", 6, 40000, 22) == 0);
	peak0 = kn_app_ctx_stats(t.ctx)->mem_peak;
	n = build_packet(buf, sizeof buf, 0x7fffffffu, payload, sizeof payload);
	at_feed(&t, 0, buf, n);
	n = build_packet(buf, sizeof buf, 3, payload, sizeof payload);
	at_feed(&t, 1, buf, n);
	KT_CHECK(count_events(&t, "LONG_KEX_RECORD") == 1);
	KT_CHECK(count_events(&t, "INVALID_RECORD") == 1);
	KT_CHECK(kn_app_ctx_stats(t.ctx)->mem_peak == peak0);
	KT_CHECK(at_count(&t, "\"event_type\":\"ssh\"") == 1);
	at_fini(&t);
}

/* SSH_MSG_IGNORE packets before KEXINIT are skipped; NEWKEYS ends a
 * direction without KEXINIT. */
static void test_ignore_then_kexinit(void)
{
	struct at t;
	static const uint8_t ignore[] = { 0, 0, 0, 12, 4, 2, 0, 0, 0, 2, 'h', 'i', 0, 0, 0, 0 };
	static const uint8_t newkeys[] = { 0, 0, 0, 12, 10, 21, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0 };
	size_t cb = after_banner(cisco_client, sizeof cisco_client);

	KT_REQUIRE(at_init(&t, "ssh", 6, 40000, 22) == 0);
	txb_attach(&t);
	at_feed(&t, 0, cisco_client, cb);
	at_feed(&t, 0, ignore, sizeof ignore);
	at_feed(&t, 0, ignore, sizeof ignore);
	at_feed(&t, 0, cisco_client + cb, sizeof cisco_client - cb);
	at_feed_str(&t, 1, "SSH-2.0-srv\r\n");
	at_feed(&t, 1, newkeys, sizeof newkeys);
	KT_CHECK(at_count(&t, "\"event_type\":\"ssh\"") == 1);
	KT_CHECK(txb_has(KN_BUF_SSH_HASSH, 0, CISCO_HASSH));
	KT_CHECK(txb_count(KN_BUF_SSH_HASSH_SERVER) == 0);
	KT_CHECK(t.n == 1);
	at_fini(&t);
	txb_reset();
}

/* A gap in the client's banner: only the server side is logged, at the
 * end; SSH 1.x sides are done at their banner. */
static void test_gap_and_ssh1(void)
{
	struct at t;

	KT_REQUIRE(at_init(&t, "ssh", 6, 40000, 22) == 0);
	at_feed_str(&t, 0, "SSH-2.");
	at_gap(&t, 0, 100);
	at_feed_str(&t, 0, "0-late\r\n");
	at_feed_str(&t, 1, "SSH-1.99-OpenSSH_3.1p1\r\n");
	KT_CHECK(at_count(&t, "\"event_type\":\"ssh\"") == 0);
	at_end(&t);
	KT_CHECK(at_count(&t, "\"event_type\":\"ssh\"") == 1);
	KT_CHECK(at_find(&t, "\"ssh\":{\"server\":{\"proto_version\":\"1.99\","
			 "\"software_version\":\"OpenSSH_3.1p1\"}}") >= 0);
	at_fini(&t);

	KT_REQUIRE(at_init(&t, "ssh", 6, 40000, 22) == 0);
	at_feed_str(&t, 0, "SSH-1.5-1.2.27\n");
	at_feed_str(&t, 1, "SSH-1.5-1.2.26\n");
	KT_CHECK(at_find(&t, "\"client\":{\"proto_version\":\"1.5\",\"software_version\":"
			 "\"1.2.27\"}") >= 0);
	at_end(&t);
	KT_CHECK(at_count(&t, "\"event_type\":\"ssh\"") == 1);
	at_fini(&t);

	/* No dash after the protocol version. */
	KT_REQUIRE(at_init(&t, "ssh", 6, 40000, 22) == 0);
	at_feed_str(&t, 0, "SSH-2.0\r\n");
	at_end(&t);
	KT_CHECK(count_events(&t, "INVALID_BANNER") == 1);
	KT_CHECK(at_find(&t, "\"client\":{\"proto_version\":\"2.0\",\"software_version\":\"\"}") >= 0);
	KT_CHECK(t.n_assets == 0);
	at_fini(&t);
}

/* A memcap that holds the state but not the KEXINIT: no HASSH, no leak. */
static void test_memcap_kexinit(void)
{
	struct at t;
	struct kn_app_config cfg;

	kn_app_config_default(&cfg);
	cfg.memcap = sizeof(struct ssh_state) + 600;
	KT_REQUIRE(at_init_cfg(&t, "ssh", 6, 40000, 22, &cfg) == 0);
	txb_attach(&t);
	at_feed(&t, 0, openssh_client, sizeof openssh_client);
	at_feed(&t, 1, openssh_server, sizeof openssh_server);
	KT_CHECK(at_count(&t, "\"event_type\":\"ssh\"") == 1);
	KT_CHECK(txb_count(KN_BUF_SSH_HASSH) == 0);
	KT_CHECK(kn_app_ctx_stats(t.ctx)->memcap_refusals >= 1);
	at_end(&t);
	KT_CHECK(kn_app_ctx_stats(t.ctx)->mem_in_use == 0);
	at_fini(&t);
	txb_reset();
}

/* The flow ends in the middle of a KEXINIT: the buffer is released. */
static void test_end_inside_kexinit(void)
{
	struct at t;

	KT_REQUIRE(at_init(&t, "ssh", 6, 40000, 22) == 0);
	at_feed(&t, 0, openssh_client, sizeof openssh_client - 100);
	KT_CHECK(kn_app_ctx_stats(t.ctx)->mem_in_use > 1000);
	at_end(&t);
	KT_CHECK(at_count(&t, "\"event_type\":\"ssh\"") == 1);
	KT_CHECK(kn_app_ctx_stats(t.ctx)->mem_in_use == 0);
	at_fini(&t);
}

/* After its KEXINIT a direction is framed until its NEWKEYS; the session is
 * encrypted (kn_app_flow_opaque) once both sides sent NEWKEYS, and the
 * transaction is still logged when both KEXINITs are in. Packets after
 * KEXINIT that cannot be framed end the direction without an event. */
static void test_newkeys_opaque(void)
{
	static const uint8_t ecdh[] = { 0, 0, 0, 12, 6, 30, 0, 0, 0, 1, 'k', 0, 0, 0, 0, 0 };
	static const uint8_t newkeys[] = { 0, 0, 0, 12, 10, 21, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0 };
	static const uint8_t cipher[] = { 0x9f, 0x11, 0x02, 0x7c, 0x55, 0xa0, 0x31, 0x08 };
	size_t cb = after_banner(cisco_client, sizeof cisco_client);
	size_t sb = after_banner(cisco_server, sizeof cisco_server);
	struct at t;

	KT_REQUIRE(at_init(&t, "ssh", 6, 59139, 22) == 0);
	at_feed(&t, 1, cisco_server, sizeof cisco_server);
	at_feed(&t, 0, cisco_client, sizeof cisco_client);
	KT_CHECK(at_count(&t, "\"event_type\":\"ssh\"") == 1);   /* at the KEXINITs */
	at_feed(&t, 0, ecdh, sizeof ecdh);
	at_feed(&t, 1, ecdh, sizeof ecdh);
	at_feed(&t, 1, newkeys, sizeof newkeys);
	at_feed(&t, 1, cipher, sizeof cipher);   /* the server's first encrypted bytes */
	KT_EQ(kn_app_flow_opaque(&t.flow), 0);   /* the client still speaks in clear */
	at_feed(&t, 0, newkeys, 10);
	KT_EQ(kn_app_flow_opaque(&t.flow), 1);
	at_feed(&t, 0, cipher, sizeof cipher);
	KT_EQ(t.n, 1);   /* no event from the ciphertext */
	at_fini(&t);

	/* a client packet after KEXINIT with an impossible length: that side
	 * stops quietly, so the session is never marked encrypted */
	static const uint8_t bad[] = { 0x7f, 0xff, 0xff, 0xff, 4, 30 };
	KT_REQUIRE(at_init(&t, "ssh", 6, 59139, 22) == 0);
	at_feed(&t, 1, cisco_server, sb);
	at_feed(&t, 0, cisco_client, cb);
	at_feed(&t, 0, cisco_client + cb, sizeof cisco_client - cb);
	at_feed(&t, 0, bad, sizeof bad);
	at_feed(&t, 0, newkeys, sizeof newkeys);
	at_feed(&t, 1, cisco_server + sb, sizeof cisco_server - sb);
	at_feed(&t, 1, newkeys, sizeof newkeys);
	KT_EQ(kn_app_flow_opaque(&t.flow), 0);
	KT_CHECK(count_events(&t, "LONG_KEX_RECORD") == 0);
	KT_CHECK(at_count(&t, "\"event_type\":\"ssh\"") == 1);
	at_fini(&t);
}

static const struct kt_case cases[] = {
	KT_CASE(test_cisco_handshake),
	KT_CASE(test_openssh_one_byte_chunks),
	KT_CASE(test_detection),
	KT_CASE(test_software_product),
	KT_CASE(test_lines_before_banner),
	KT_CASE(test_long_banner),
	KT_CASE(test_endless_banner),
	KT_CASE(test_kexinit_list_past_packet),
	KT_CASE(test_bad_packet_lengths),
	KT_CASE(test_ignore_then_kexinit),
	KT_CASE(test_gap_and_ssh1),
	KT_CASE(test_memcap_kexinit),
	KT_CASE(test_end_inside_kexinit),
	KT_CASE(test_newkeys_opaque),
};
KT_MAIN("app_ssh", cases)
