/*
 * test_ctx.c - the per-worker context end to end: assets in, EVE `asset`
 * and `vuln` lines out (formatted by src/output/vuln_event.c and checked to
 * be valid JSON). Deduplication (what makes an asset new), the table cap
 * and its LRU policy, CVE matching against the sample feed, weak TLS,
 * roles and IPv6 hosts, and the app layer's own asset reports when a parser
 * produces them.
 */
#include "../../kt.h"

#include <arpa/inet.h>

#include "app_test.h"
#include "kenchi/vuln.h"
#include "util/alloc.h"

#ifndef KN_SOURCE_ROOT
#define KN_SOURCE_ROOT "."
#endif
#define SAMPLE KN_SOURCE_ROOT "/feeds/sample-nvd.json"
#define TS (1700000000ull * 1000000000ull)  /* 2023-11-14T22:13:20Z */

/* Captured EVE lines of one context. */
struct cap {
	struct kn_json j;
	char *lines[256];
	unsigned n, assets, vulns;
	int bad_json;
};

static void keep(struct cap *c)
{
	size_t len;
	const char *s = kn_json_text(&c->j, &len);
	if (!s || c->n >= 256)
		return;
	if (!json_valid(s, len))
		c->bad_json = 1;
	c->lines[c->n++] = strdup(s);
}

static void on_asset(void *user, const struct kn_flow *f, const struct kn_asset *a, uint64_t ts)
{
	struct cap *c = user;
	kn_eve_asset(&c->j, f, a, ts, "1:test=");
	keep(c);
	c->assets++;
}

static void on_vuln(void *user, const struct kn_flow *f, const struct kn_vuln_report *r,
		    uint64_t ts)
{
	struct cap *c = user;
	kn_eve_vuln(&c->j, f, r, ts, NULL);
	keep(c);
	c->vulns++;
}

static struct kn_vuln_ctx *ctx_new(struct cap *c, const struct kn_vuln_feed *feed,
				   uint32_t max_entries, uint32_t max_cves)
{
	char err[KN_ERRBUF_SIZE];
	struct kn_vuln_config cfg;
	struct kn_vuln_hooks h = { .asset = on_asset, .vuln = on_vuln, .user = c };

	memset(c, 0, sizeof *c);
	if (kn_json_init(&c->j, 1024, 1 << 20) != 0)
		return NULL;
	kn_vuln_config_default(&cfg);
	if (max_entries)
		cfg.max_entries = max_entries;
	if (max_cves)
		cfg.max_cves = max_cves;
	return kn_vuln_ctx_new(&cfg, feed, &h, err);
}

static void cap_fini(struct cap *c)
{
	for (unsigned i = 0; i < c->n; i++)
		free(c->lines[i]);
	kn_json_fini(&c->j);
}

static int has(const struct cap *c, unsigned i, const char *sub)
{
	return i < c->n && strstr(c->lines[i], sub) != NULL;
}

static void flow4(struct kn_flow *f, const char *cli, uint16_t sport, const char *srv,
		  uint16_t dport)
{
	memset(f, 0, sizeof *f);
	f->key.ip_version = 4;
	f->key.proto = 6;
	inet_pton(AF_INET, cli, f->key.src.b);
	inet_pton(AF_INET, srv, f->key.dst.b);
	f->key.sport = sport;
	f->key.dport = dport;
	f->flow_id = 777;
}

static struct kn_vuln_feed *sample(void)
{
	char err[KN_ERRBUF_SIZE];
	struct kn_vuln_feed *f = kn_vuln_feed_new();
	if (f && kn_vuln_feed_load_file(f, SAMPLE, err) != 0) {
		kn_vuln_feed_free(f);
		return NULL;
	}
	return f;
}

static const struct kn_asset ssh74 = {
	.role = KN_ASSET_SERVER, .service = "ssh", .product = "openssh", .version = "7.4",
	.banner = "SSH-2.0-OpenSSH_7.4",
};

static void test_ssh_server_end_to_end(void)
{
	struct cap c;
	struct kn_flow f;
	struct kn_vuln_feed *feed = sample();
	KT_REQUIRE(feed);
	struct kn_vuln_ctx *ctx = ctx_new(&c, feed, 0, 0);
	KT_REQUIRE(ctx);
	flow4(&f, "10.0.0.1", 40000, "10.0.0.2", 22);
	kn_vuln_asset(ctx, &f, &ssh74, TS);
	KT_EQ(c.n, 2);
	KT_CHECK(!c.bad_json);
	KT_CHECK(has(&c, 0, "{\"timestamp\":\"2023-11-14T22:13:20.000000+0000\",\"flow_id\":777,"
			    "\"event_type\":\"asset\",\"src_ip\":\"10.0.0.1\",\"src_port\":40000,"
			    "\"dest_ip\":\"10.0.0.2\",\"dest_port\":22,\"proto\":\"TCP\","
			    "\"community_id\":\"1:test=\",\"asset\":{\"host\":\"10.0.0.2\","
			    "\"port\":22,\"role\":\"server\",\"service\":\"ssh\",\"product\":"
			    "\"openssh\",\"version\":\"7.4\",\"banner\":\"SSH-2.0-OpenSSH_7.4\"}}"));
	KT_CHECK(has(&c, 1, "\"event_type\":\"vuln\""));
	KT_CHECK(has(&c, 1, "\"vuln\":{\"host\":\"10.0.0.2\",\"port\":22,\"role\":\"server\","
			    "\"service\":\"ssh\",\"product\":\"openssh\",\"version\":\"7.4\","
			    "\"kind\":\"software\",\"source\":\"nvd\",\"cves\":["
			    "{\"id\":\"CVE-2023-38408\",\"score\":9.8,\"severity\":\"CRITICAL\"},"
			    "{\"id\":\"CVE-2023-48795\",\"score\":5.9,\"severity\":\"MEDIUM\"},"
			    "{\"id\":\"CVE-2018-15473\",\"score\":5.3,\"severity\":\"MEDIUM\"}],"
			    "\"cves_total\":3}}"));
	/* the same asset again, from another client: nothing new */
	flow4(&f, "10.0.0.9", 40001, "10.0.0.2", 22);
	kn_vuln_asset(ctx, &f, &ssh74, TS + 1);
	KT_EQ(c.n, 2);
	const struct kn_vuln_stats *st = kn_vuln_ctx_stats(ctx);
	KT_EQ(st->assets, 2);
	KT_EQ(st->asset_events, 1);
	KT_EQ(st->vuln_software, 1);
	KT_EQ(st->entries, 2);
	kn_vuln_ctx_free(ctx);
	cap_fini(&c);
	kn_vuln_feed_free(feed);
}

/* What makes an asset new: each field of the identity. */
static void test_dedup_identity(void)
{
	struct cap c;
	struct kn_flow f;
	struct kn_vuln_ctx *ctx = ctx_new(&c, NULL, 0, 0);
	KT_REQUIRE(ctx);
	flow4(&f, "10.0.0.1", 40000, "10.0.0.2", 22);
	struct kn_asset a = ssh74;
	kn_vuln_asset(ctx, &f, &a, TS);
	KT_EQ(c.assets, 1);
	KT_EQ(c.vulns, 0);  /* no feed: assets only */
	a.banner = "SSH-2.0-OpenSSH_7.4 other";  /* the banner is not identity */
	kn_vuln_asset(ctx, &f, &a, TS);
	KT_EQ(c.assets, 1);
	a.version = "7.5";
	kn_vuln_asset(ctx, &f, &a, TS);
	KT_EQ(c.assets, 2);
	a.product = "dropbear";
	kn_vuln_asset(ctx, &f, &a, TS);
	KT_EQ(c.assets, 3);
	a.service = "ssh2";
	kn_vuln_asset(ctx, &f, &a, TS);
	KT_EQ(c.assets, 4);
	a.hostname = "box";
	kn_vuln_asset(ctx, &f, &a, TS);
	KT_EQ(c.assets, 5);
	f.key.dport = 2222;  /* another port */
	kn_vuln_asset(ctx, &f, &a, TS);
	KT_EQ(c.assets, 6);
	inet_pton(AF_INET, "10.0.0.3", f.key.dst.b);  /* another server */
	kn_vuln_asset(ctx, &f, &a, TS);
	KT_EQ(c.assets, 7);
	inet_pton(AF_INET, "10.0.0.7", f.key.src.b);  /* another client: same server asset */
	f.key.sport = 1;
	kn_vuln_asset(ctx, &f, &a, TS);
	KT_EQ(c.assets, 7);
	a.role = KN_ASSET_CLIENT;  /* the client role: keyed on the client's address */
	kn_vuln_asset(ctx, &f, &a, TS);
	KT_EQ(c.assets, 8);
	KT_CHECK(has(&c, 7, "\"asset\":{\"host\":\"10.0.0.7\",\"port\":2222,\"role\":\"client\""));
	KT_CHECK(has(&c, 7, "\"hostname\":\"box\""));
	/* NULL fields: no member, and NULL differs from "" only in output */
	struct kn_asset bare = { .role = KN_ASSET_SERVER };
	kn_vuln_asset(ctx, &f, &bare, TS);
	KT_EQ(c.assets, 9);
	KT_CHECK(has(&c, 8, "\"asset\":{\"host\":\"10.0.0.3\",\"port\":2222,\"role\":\"server\"}"));
	kn_vuln_asset(ctx, NULL, &bare, TS);
	kn_vuln_asset(ctx, &f, NULL, TS);
	kn_vuln_asset(NULL, &f, &bare, TS);
	KT_EQ(c.n, 9);
	KT_CHECK(!c.bad_json);
	kn_vuln_ctx_free(ctx);
	cap_fini(&c);
}

/* A table of 4 entries: the least recently seen asset is forgotten. */
static void test_table_cap_lru(void)
{
	struct cap c;
	struct kn_flow f;
	char ver[8][8];
	struct kn_asset a[8];
	struct kn_vuln_ctx *ctx = ctx_new(&c, NULL, 4, 0);
	KT_REQUIRE(ctx);
	flow4(&f, "10.0.0.1", 40000, "10.0.0.2", 80);
	for (int i = 0; i < 8; i++) {
		snprintf(ver[i], sizeof ver[i], "1.%d", i);
		a[i] = (struct kn_asset){ .role = 0, .service = "http", .product = "nginx",
					  .version = ver[i] };
	}
	for (int i = 0; i < 4; i++)
		kn_vuln_asset(ctx, &f, &a[i], TS);
	KT_EQ(c.assets, 4);
	kn_vuln_asset(ctx, &f, &a[0], TS);  /* touch 0: now 1 is the oldest */
	kn_vuln_asset(ctx, &f, &a[4], TS);  /* evicts 1 */
	KT_EQ(c.assets, 5);
	KT_EQ(kn_vuln_ctx_stats(ctx)->evictions, 1);
	kn_vuln_asset(ctx, &f, &a[0], TS);  /* still known */
	kn_vuln_asset(ctx, &f, &a[4], TS);
	KT_EQ(c.assets, 5);
	kn_vuln_asset(ctx, &f, &a[1], TS);  /* forgotten: reported again, evicts 2 */
	KT_EQ(c.assets, 6);
	kn_vuln_asset(ctx, &f, &a[3], TS);
	KT_EQ(c.assets, 6);
	kn_vuln_asset(ctx, &f, &a[2], TS);
	KT_EQ(c.assets, 7);
	const struct kn_vuln_stats *st = kn_vuln_ctx_stats(ctx);
	KT_EQ(st->evictions, 3);
	KT_EQ(st->entries, 4);
	/* many more distinct assets: memory stays bounded by the cap */
	size_t mem = st->mem_in_use;
	char v[16];
	for (int i = 0; i < 5000; i++) {
		snprintf(v, sizeof v, "2.%d", i);
		struct kn_asset x = { .service = "http", .product = "nginx", .version = v };
		kn_vuln_asset(ctx, &f, &x, TS);
	}
	KT_EQ(st->entries, 4);
	KT_EQ(st->mem_in_use, mem);
	KT_EQ(st->asset_events, 5007);
	kn_vuln_ctx_free(ctx);
	cap_fini(&c);
}

/* A bigger table under churn: every distinct asset is reported exactly once
 * while it fits, and the table grows on demand. */
static void test_table_growth(void)
{
	struct cap c;
	struct kn_flow f;
	char v[16];
	struct kn_vuln_ctx *ctx = ctx_new(&c, NULL, 3000, 0);
	KT_REQUIRE(ctx);
	flow4(&f, "10.0.0.1", 40000, "10.0.0.2", 80);
	for (int round = 0; round < 3; round++) {
		for (int i = 0; i < 3000; i++) {
			snprintf(v, sizeof v, "3.%d", i);
			struct kn_asset x = { .service = "http", .product = "nginx", .version = v };
			kn_vuln_asset(ctx, &f, &x, TS);
		}
	}
	const struct kn_vuln_stats *st = kn_vuln_ctx_stats(ctx);
	KT_EQ(st->asset_events, 3000);
	KT_EQ(st->evictions, 0);
	KT_EQ(st->entries, 3000);
	kn_vuln_ctx_free(ctx);
	cap_fini(&c);
}

static void test_max_cves(void)
{
	struct cap c;
	struct kn_flow f;
	struct kn_vuln_feed *feed = sample();
	KT_REQUIRE(feed);
	struct kn_vuln_ctx *ctx = ctx_new(&c, feed, 0, 2);
	KT_REQUIRE(ctx);
	flow4(&f, "10.0.0.1", 40000, "10.0.0.2", 22);
	struct kn_asset a = ssh74;
	a.version = "3.9p1";
	kn_vuln_asset(ctx, &f, &a, TS);
	KT_EQ(c.vulns, 1);
	KT_CHECK(has(&c, 1, "\"cves\":[{\"id\":\"CVE-2023-38408\",\"score\":9.8,\"severity\":"
			    "\"CRITICAL\"},{\"id\":\"CVE-2024-6387\",\"score\":8.1,\"severity\":"
			    "\"HIGH\"}],\"cves_total\":5}}"));
	/* a client running the same vulnerable software: its own event */
	a.role = KN_ASSET_CLIENT;
	kn_vuln_asset(ctx, &f, &a, TS);
	KT_EQ(c.vulns, 2);
	KT_CHECK(has(&c, 3, "\"vuln\":{\"host\":\"10.0.0.1\",\"port\":22,\"role\":\"client\""));
	/* the same (host, port, product, version) under another service name:
	 * a new asset, but no second vuln event */
	a.service = "ssh-alt";
	kn_vuln_asset(ctx, &f, &a, TS);
	KT_EQ(c.assets, 3);
	KT_EQ(c.vulns, 2);
	/* not vulnerable, unknown products, no version: asset only */
	struct kn_asset ok = { .service = "ssh", .product = "openssh", .version = "9.9p1" };
	struct kn_asset unk = { .service = "ssh", .product = "Cisco", .version = "1.25" };
	struct kn_asset nov = { .service = "http", .product = "nginx" };
	kn_vuln_asset(ctx, &f, &ok, TS);
	kn_vuln_asset(ctx, &f, &unk, TS);
	kn_vuln_asset(ctx, &f, &nov, TS);
	KT_EQ(c.assets, 6);
	KT_EQ(c.vulns, 2);
	KT_CHECK(!c.bad_json);
	kn_vuln_ctx_free(ctx);
	cap_fini(&c);
	kn_vuln_feed_free(feed);
}

/* Products missing from the table are guessed as NAME:NAME for servers
 * only: a client's "Mozilla/5.0" is not the old Mozilla suite. */
static void test_guess_for_servers_only(void)
{
	struct cap c;
	struct kn_flow f;
	char err[KN_ERRBUF_SIZE];
	static const char doc[] =
		"{\"vulnerabilities\":[{\"cve\":{\"id\":\"CVE-2006-0001\",\"configurations\":["
		"{\"nodes\":[{\"cpeMatch\":[{\"vulnerable\":true,\"criteria\":"
		"\"cpe:2.3:a:mozilla:mozilla:*:*:*:*:*:*:*:*\"}]}]}]}}]}";
	struct kn_vuln_feed *feed = kn_vuln_feed_new();
	KT_REQUIRE(feed);
	KT_REQUIRE(kn_vuln_feed_load_mem(feed, "m.json", doc, sizeof doc - 1, err) == 0);
	struct kn_vuln_ctx *ctx = ctx_new(&c, feed, 0, 0);
	KT_REQUIRE(ctx);
	flow4(&f, "10.0.0.1", 40000, "10.0.0.2", 80);
	struct kn_asset a = { .role = KN_ASSET_CLIENT, .service = "http", .product = "Mozilla",
			      .version = "5.0" };
	kn_vuln_asset(ctx, &f, &a, TS);
	KT_EQ(c.assets, 1);
	KT_EQ(c.vulns, 0);
	a.role = KN_ASSET_SERVER;
	kn_vuln_asset(ctx, &f, &a, TS);
	KT_EQ(c.vulns, 1);
	KT_EQ(kn_vuln_feed_match(feed, "mozilla", "5.0", NULL, 0), 1);
	kn_vuln_ctx_free(ctx);
	cap_fini(&c);
	kn_vuln_feed_free(feed);
}

static void test_weak_tls_events(void)
{
	struct cap c;
	struct kn_flow f;
	struct kn_vuln_ctx *ctx = ctx_new(&c, NULL, 0, 0);
	KT_REQUIRE(ctx);
	flow4(&f, "192.168.1.5", 50000, "192.168.1.1", 443);
	struct kn_asset_tls t = {
		.version = 0x0301, .cipher = 0x0005, .has_cipher = 1, .has_cert = 1,
		.self_signed = 1, .not_before = 1262304000 /* 2010-01-01 */,
		.not_after = 1577836799 /* 2019-12-31T23:59:59 */,
		.subject = "CN=router.lan", .issuer = "CN=router.lan", .sni = "router.lan",
	};
	struct kn_asset a = { .role = KN_ASSET_SERVER, .service = "tls", .tls = &t };
	kn_vuln_asset(ctx, &f, &a, TS);
	KT_EQ(c.assets, 1);
	KT_EQ(c.vulns, 1);
	KT_CHECK(has(&c, 0, "\"asset\":{\"host\":\"192.168.1.1\",\"port\":443,\"role\":\"server\","
			    "\"service\":\"tls\",\"tls\":{\"version\":\"TLSv1\",\"cipher\":"
			    "\"TLS_RSA_WITH_RC4_128_SHA\",\"sni\":\"router.lan\",\"subject\":"
			    "\"CN=router.lan\",\"issuer\":\"CN=router.lan\",\"not_before\":"
			    "\"2010-01-01T00:00:00\",\"not_after\":\"2019-12-31T23:59:59\","
			    "\"self_signed\":true}}}"));
	KT_CHECK(has(&c, 1, "\"vuln\":{\"host\":\"192.168.1.1\",\"port\":443,\"role\":\"server\","
			    "\"service\":\"tls\",\"kind\":\"weak_tls\",\"source\":\"kenchi\","
			    "\"findings\":[{\"type\":\"protocol_deprecated\",\"protocol\":\"TLSv1\"},"
			    "{\"type\":\"weak_cipher\",\"cipher\":\"TLS_RSA_WITH_RC4_128_SHA\","
			    "\"weakness\":\"rc4\"},{\"type\":\"cert_expired\",\"not_after\":"
			    "\"2019-12-31T23:59:59\"},{\"type\":\"cert_self_signed\",\"subject\":"
			    "\"CN=router.lan\"}]}}"));
	/* same handshake again: nothing; another cipher: the asset is the same
	 * (cipher is not identity) */
	kn_vuln_asset(ctx, &f, &a, TS);
	t.cipher = 0xC02F;
	kn_vuln_asset(ctx, &f, &a, TS);
	KT_EQ(c.n, 2);
	/* TLS 1.2 with the same certificate: new asset, new finding set */
	t.version = 0x0303;
	kn_vuln_asset(ctx, &f, &a, TS);
	KT_EQ(c.assets, 2);
	KT_EQ(c.vulns, 2);
	KT_CHECK(has(&c, 2, "\"tls\":{\"version\":\"TLS 1.2\",\"cipher\":\"0xc02f\""));
	KT_CHECK(has(&c, 3, "\"findings\":[{\"type\":\"cert_expired\""));
	/* a clean TLS 1.3 server: an asset, no vuln */
	struct kn_asset_tls good = { .version = 0x0304, .cipher = 0x1301, .has_cipher = 1 };
	struct kn_asset g = { .role = KN_ASSET_SERVER, .service = "tls", .tls = &good };
	flow4(&f, "192.168.1.5", 50001, "192.168.1.2", 443);
	kn_vuln_asset(ctx, &f, &g, TS);
	KT_EQ(c.assets, 3);
	KT_EQ(c.vulns, 2);
	KT_EQ(kn_vuln_ctx_stats(ctx)->vuln_weak_tls, 2);
	/* TLS 1.3 drafts named as Suricata does; unknown values as hex */
	good.version = 0x7f1c;
	kn_vuln_asset(ctx, &f, &g, TS);
	KT_CHECK(has(&c, 5, "\"tls\":{\"version\":\"TLS 1.3 draft-28\",\"cipher\":\"0x1301\"}"));
	good.version = 0xfb1a;
	kn_vuln_asset(ctx, &f, &g, TS);
	KT_CHECK(has(&c, 6, "\"tls\":{\"version\":\"0xfb1a\",\"cipher\":\"0x1301\"}"));
	KT_CHECK(!c.bad_json);
	kn_vuln_ctx_free(ctx);
	cap_fini(&c);
}

static void test_ipv6_and_hostile_strings(void)
{
	struct cap c;
	struct kn_flow f;
	struct kn_vuln_ctx *ctx = ctx_new(&c, NULL, 0, 0);
	KT_REQUIRE(ctx);
	memset(&f, 0, sizeof f);
	f.key.ip_version = 6;
	f.key.proto = 6;
	inet_pton(AF_INET6, "2001:db8::1", f.key.src.b);
	inet_pton(AF_INET6, "2001:db8::80", f.key.dst.b);
	f.key.sport = 55555;
	f.key.dport = 80;
	static char longs[5000];
	memset(longs, 'A', sizeof longs - 1);
	struct kn_asset a = { .service = "http", .product = "x\"y\\z\n",
			      .version = "\xff\xfe", .banner = longs };
	kn_vuln_asset(ctx, &f, &a, TS);
	KT_EQ(c.assets, 1);
	KT_CHECK(has(&c, 0, "\"asset\":{\"host\":\"2001:0db8:0000:0000:0000:0000:0000:0080\","
			    "\"port\":80"));
	KT_CHECK(has(&c, 0, "\"product\":\"x\\\"y\\\\z\\n\""));
	KT_CHECK(!c.bad_json);
	/* long strings are identity too (through their digest) */
	longs[100] = 'B';
	kn_vuln_asset(ctx, &f, &a, TS);
	KT_EQ(c.assets, 1);  /* banner is not identity */
	static char longh[3000];
	memset(longh, 'h', sizeof longh - 1);
	a.hostname = longh;
	kn_vuln_asset(ctx, &f, &a, TS);
	longh[2000] = 'i';
	kn_vuln_asset(ctx, &f, &a, TS);
	kn_vuln_asset(ctx, &f, &a, TS);
	KT_EQ(c.assets, 3);
	kn_vuln_ctx_free(ctx);
	cap_fini(&c);
}

static void test_bad_config(void)
{
	char err[KN_ERRBUF_SIZE];
	struct kn_vuln_config cfg;
	kn_vuln_config_default(&cfg);
	KT_EQ(cfg.max_entries, 65536);
	KT_EQ(cfg.max_cves, 50);
	cfg.max_entries = 0;
	KT_CHECK(kn_vuln_ctx_new(&cfg, NULL, NULL, err) == NULL);
	KT_CHECK(strstr(err, "max_entries") != NULL);
	kn_vuln_config_default(&cfg);
	cfg.max_cves = 0;
	KT_CHECK(kn_vuln_ctx_new(&cfg, NULL, NULL, err) == NULL);
	KT_CHECK(kn_vuln_ctx_new(NULL, NULL, NULL, err) == NULL);
	kn_vuln_config_default(&cfg);
	struct kn_vuln_ctx *ctx = kn_vuln_ctx_new(&cfg, NULL, NULL, err);  /* no hooks: fine */
	KT_REQUIRE(ctx);
	struct kn_flow f;
	flow4(&f, "10.0.0.1", 1, "10.0.0.2", 2);
	kn_vuln_asset(ctx, &f, &ssh74, TS);
	KT_EQ(kn_vuln_ctx_stats(ctx)->asset_events, 1);
	kn_vuln_ctx_free(ctx);
	kn_vuln_ctx_free(NULL);
}

/* Through the app layer: an SSH server banner, parsed by the ssh parser,
 * reaches the context as an asset (skipped while that parser reports none). */
static void test_via_app_layer(void)
{
	struct at t;
	struct cap c;
	struct kn_vuln_feed *feed = sample();
	KT_REQUIRE(feed);
	KT_REQUIRE(at_init(&t, "ssh", 6, 40000, 22) == 0);
	at_feed_str(&t, 0, "SSH-2.0-OpenSSH_8.9p1 Ubuntu-3ubuntu0.1\r\n");
	at_feed_str(&t, 1, "SSH-2.0-OpenSSH_7.4\r\n");
	at_end(&t);
	int server = -1;
	for (unsigned i = 0; i < t.n_assets; i++)
		if (t.assets[i].role == KN_ASSET_SERVER)
			server = (int)i;
	if (server < 0) {
		at_fini(&t);
		kn_vuln_feed_free(feed);
		KT_SKIP("the ssh parser reports no server asset yet");
	}
	struct kn_vuln_ctx *ctx = ctx_new(&c, feed, 0, 0);
	KT_REQUIRE(ctx);
	for (unsigned i = 0; i < t.n_assets; i++) {
		const struct at_asset *x = &t.assets[i];
		struct kn_asset a = { .role = (uint8_t)x->role, .service = x->service,
				      .product = x->product[0] ? x->product : NULL,
				      .version = x->version[0] ? x->version : NULL,
				      .banner = x->banner[0] ? x->banner : NULL };
		kn_vuln_asset(ctx, &t.flow, &a, TS);
	}
	KT_EQ_STR(t.assets[server].product, "openssh");
	KT_EQ_STR(t.assets[server].version, "7.4");
	int found = 0;
	for (unsigned i = 0; i < c.n; i++)
		found |= strstr(c.lines[i], "\"event_type\":\"vuln\"") &&
			 strstr(c.lines[i], "\"host\":\"10.0.0.2\"") &&
			 strstr(c.lines[i], "CVE-2018-15473");
	KT_CHECK(found);
	kn_vuln_ctx_free(ctx);
	cap_fini(&c);
	at_fini(&t);
	kn_vuln_feed_free(feed);
}

/* Allocation failures (with -Dalloc_faults=true): creating a context and
 * growing its table fail cleanly; an asset that could not be remembered is
 * reported (perhaps again) rather than lost. */
static void test_alloc_failures(void)
{
#ifdef KN_ALLOC_FAULTS
	for (unsigned long n = 1; n < 40; n++) {
		struct cap c;
		struct kn_flow f;
		char v[16];
		kn_alloc_fail_at(n);
		struct kn_vuln_ctx *ctx = ctx_new(&c, NULL, 1000, 0);
		if (ctx) {
			flow4(&f, "10.0.0.1", 40000, "10.0.0.2", 80);
			for (int i = 0; i < 600; i++) {
				snprintf(v, sizeof v, "4.%d", i);
				struct kn_asset x = { .service = "http", .product = "nginx", .version = v };
				kn_vuln_asset(ctx, &f, &x, TS);
			}
			KT_CHECK(c.assets >= 600);
		}
		kn_alloc_fail_at(0);
		kn_vuln_ctx_free(ctx);
		cap_fini(&c);
	}
#else
	KT_SKIP("needs a build with -Dalloc_faults=true");
#endif
}

static const struct kt_case cases[] = {
	KT_CASE(test_ssh_server_end_to_end), KT_CASE(test_dedup_identity),
	KT_CASE(test_table_cap_lru), KT_CASE(test_table_growth), KT_CASE(test_max_cves),
	KT_CASE(test_guess_for_servers_only),
	KT_CASE(test_weak_tls_events), KT_CASE(test_ipv6_and_hostile_strings),
	KT_CASE(test_bad_config), KT_CASE(test_via_app_layer), KT_CASE(test_alloc_failures),
};

KT_MAIN("vuln_ctx", cases)
