/*
 * test_event.c - the "asset" and "vuln" EVE lines of one asset agree on
 * who runs the software: an asset that names its own host (a DHCP client's
 * assigned address, not the flow's endpoint) is that host in both events.
 */
#include "../../kt.h"

#include <arpa/inet.h>

#include "app_test.h"
#include "kenchi/vuln.h"

#ifndef KN_SOURCE_ROOT
#define KN_SOURCE_ROOT "."
#endif
#define SAMPLE KN_SOURCE_ROOT "/feeds/sample-nvd.json"
#define TS (1700000000ull * 1000000000ull)

struct lines {
	struct kn_json j;
	char *line[8];
	unsigned n;
};

static void keep(struct lines *l)
{
	size_t len;
	const char *s = kn_json_text(&l->j, &len);
	if (s && l->n < 8 && json_valid(s, len))
		l->line[l->n++] = strdup(s);
}

static void on_asset(void *user, const struct kn_flow *f, const struct kn_asset *a, uint64_t ts)
{
	struct lines *l = user;
	kn_eve_asset(&l->j, f, a, ts, NULL);
	keep(l);
}

static void on_vuln(void *user, const struct kn_flow *f, const struct kn_vuln_report *r,
		    uint64_t ts)
{
	struct lines *l = user;
	kn_eve_vuln(&l->j, f, r, ts, NULL);
	keep(l);
}

/* A client asset of host 192.0.2.50 seen on a flow from 0.0.0.0 (a DHCP
 * client before it has its address): both lines name 192.0.2.50. */
static void test_vuln_names_asset_host(void)
{
	char err[KN_ERRBUF_SIZE];
	struct lines l;
	struct kn_flow f;
	struct kn_addr host;
	struct kn_vuln_config cfg;
	struct kn_vuln_hooks h = { .asset = on_asset, .vuln = on_vuln, .user = &l };
	struct kn_vuln_feed *feed = kn_vuln_feed_new();
	struct kn_vuln_ctx *ctx = NULL;

	memset(&l, 0, sizeof l);
	KT_REQUIRE(feed && kn_vuln_feed_load_file(feed, SAMPLE, err) == 0);
	KT_REQUIRE(kn_json_init(&l.j, 1024, 1 << 20) == 0);
	kn_vuln_config_default(&cfg);
	ctx = kn_vuln_ctx_new(&cfg, feed, &h, err);
	KT_REQUIRE(ctx);
	memset(&f, 0, sizeof f);
	f.key.ip_version = 4;
	f.key.proto = 6;
	inet_pton(AF_INET, "0.0.0.0", f.key.src.b);
	inet_pton(AF_INET, "10.0.0.2", f.key.dst.b);
	f.key.sport = 40000;
	f.key.dport = 22;
	memset(&host, 0, sizeof host);
	inet_pton(AF_INET, "192.0.2.50", host.b);
	const struct kn_asset a = {
		.role = KN_ASSET_CLIENT, .service = "ssh", .product = "openssh", .version = "7.4",
		.host = &host, .host_ip_version = 4,
	};
	kn_vuln_asset(ctx, &f, &a, TS);
	KT_EQ(l.n, 2);
	KT_CHECK(l.n > 0 && strstr(l.line[0], "\"asset\":{\"host\":\"192.0.2.50\",\"port\":22,"
						"\"role\":\"client\"") != NULL);
	KT_CHECK(l.n > 1 && strstr(l.line[1], "\"vuln\":{\"host\":\"192.0.2.50\",\"port\":22,"
						"\"role\":\"client\"") != NULL);
	kn_vuln_ctx_free(ctx);
	kn_vuln_feed_free(feed);
	for (unsigned i = 0; i < l.n; i++)
		free(l.line[i]);
	kn_json_fini(&l.j);
}

static const struct kt_case cases[] = {
	KT_CASE(test_vuln_names_asset_host),
};
KT_MAIN("vuln_event", cases)
