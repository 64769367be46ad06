/*
 * app_test.h - a harness for application-layer parser tests (header only).
 *
 * Builds a real struct kn_app_ctx around one fake flow, feeds it bytes the
 * way the worker does (TCP stream data per direction, UDP datagrams, gaps,
 * end of direction, end of flow) and captures every fact the context
 * reports: transactions and anomalies as the exact EVE lines the worker
 * would write (checked to be valid JSON), assets as copied strings. Tests
 * then assert on the lines, e.g. at_find(&t, "\"rrname\":\"example.com\"").
 *
 *   struct at t;
 *   at_init(&t, "dns", 17, 40000, 53);   // NULL proto: detect by content
 *   at_feed(&t, 0, query, sizeof query);
 *   at_end(&t);
 *   KT_CHECK(at_count(&t, "\"event_type\":\"dns\"") == 1);
 *   at_fini(&t);
 */
#ifndef KN_TESTS_APP_TEST_H
#define KN_TESTS_APP_TEST_H

#include <arpa/inet.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "kenchi/app.h"
#include "kenchi/eve.h"
#include "kenchi/stream.h"
#include "util/json.h"
#include "json_check.h"

#define AT_MAX_EVENTS 4096
#define AT_MAX_ASSETS 256

struct at_asset {
	int role;
	char service[32], product[128], version[128], banner[512], hostname[256];
	int has_tls;
	struct kn_asset_tls tls;  /* string pointers cleared */
};

struct at {
	struct kn_app_ctx *ctx;
	struct kn_flow flow;
	struct kn_json j;
	char *ev[AT_MAX_EVENTS];
	unsigned n;
	struct at_asset assets[AT_MAX_ASSETS];
	unsigned n_assets;
	int bad_json;              /* some line was not valid JSON */
	uint64_t ts_ns, pcap_cnt;
	const char *app_proto;     /* from at_end() */
	const char *app_proto_orig; /* from at_end(): the protocol before a switch */
};

static inline void at_keep(struct at *t)
{
	size_t len;
	const char *s = kn_json_text(&t->j, &len);
	if (!s || t->n >= AT_MAX_EVENTS)
		return;
	if (!json_valid(s, len))
		t->bad_json = 1;
	t->ev[t->n++] = strdup(s);
}

static inline void at_on_tx(void *user, const struct kn_flow *flow, const char *app_proto,
			    const struct kn_tx *tx, uint64_t ts_ns, uint64_t pcap_cnt)
{
	struct at *t = user;
	kn_eve_app_tx(&t->j, flow, app_proto, tx, ts_ns, pcap_cnt, NULL);
	at_keep(t);
}

static inline void at_on_event(void *user, const struct kn_flow *flow, const char *app_proto,
			       int dir, const char *layer, const char *event, uint64_t ts_ns,
			       uint64_t pcap_cnt)
{
	struct at *t = user;
	kn_eve_app_anomaly(&t->j, flow, app_proto, dir, layer, event, ts_ns, pcap_cnt, NULL);
	at_keep(t);
}

#define AT_COPY(dst, src) snprintf((dst), sizeof(dst), "%s", (src) ? (src) : "")

static inline void at_on_asset(void *user, const struct kn_flow *flow, const char *app_proto,
			       const struct kn_asset *a, uint64_t ts_ns)
{
	struct at *t = user;
	struct at_asset *x;
	(void)flow, (void)app_proto, (void)ts_ns;
	if (t->n_assets >= AT_MAX_ASSETS)
		return;
	x = &t->assets[t->n_assets++];
	memset(x, 0, sizeof *x);
	x->role = a->role;
	AT_COPY(x->service, a->service);
	AT_COPY(x->product, a->product);
	AT_COPY(x->version, a->version);
	AT_COPY(x->banner, a->banner);
	AT_COPY(x->hostname, a->hostname);
	if (a->tls) {
		x->has_tls = 1;
		x->tls = *a->tls;
		x->tls.subject = x->tls.issuer = x->tls.sni = NULL;
	}
}

/* A flow 10.0.0.1:sport -> 10.0.0.2:dport of ipproto (6 or 17). proto:
 * parser name to force, or NULL to let the context detect it. Returns 0. */
static inline int at_init_cfg(struct at *t, const char *proto, uint8_t ipproto, uint16_t sport,
			      uint16_t dport, const struct kn_app_config *cfg)
{
	char err[KN_ERRBUF_SIZE];
	struct kn_app_config def;
	struct kn_app_hooks h = { .tx = at_on_tx, .event = at_on_event, .asset = at_on_asset };

	memset(t, 0, sizeof *t);
	h.user = t;
	kn_app_config_default(&def);
	t->ctx = kn_app_ctx_new(cfg ? cfg : &def, &h, err);
	if (!t->ctx || kn_json_init(&t->j, 4096, 1 << 20) != 0)
		return -1;
	t->flow.key.ip_version = 4;
	t->flow.key.proto = ipproto;
	inet_pton(AF_INET, "10.0.0.1", t->flow.key.src.b);
	inet_pton(AF_INET, "10.0.0.2", t->flow.key.dst.b);
	t->flow.key.sport = sport;
	t->flow.key.dport = dport;
	t->flow.flow_id = 1234567;
	t->ts_ns = 1700000000ull * 1000000000ull;
	t->pcap_cnt = 1;
	if (proto && kn_app_flow_set_proto(t->ctx, &t->flow, kn_app_parser_id(proto)) != 0)
		return -1;
	return 0;
}

static inline int at_init(struct at *t, const char *proto, uint8_t ipproto, uint16_t sport,
			  uint16_t dport)
{
	return at_init_cfg(t, proto, ipproto, sport, dport, NULL);
}

/* Advances the packet clock by 1 ms and pcap_cnt by one. */
static inline void at_tick(struct at *t)
{
	t->ts_ns += 1000000;
	t->pcap_cnt++;
	kn_app_set_packet(t->ctx, t->ts_ns, t->pcap_cnt);
}

/* Bytes of direction dir (0 = from the client): stream data for TCP, one
 * datagram for UDP. */
static inline void at_feed(struct at *t, int dir, const void *data, size_t len)
{
	at_tick(t);
	if (t->flow.key.proto == 6) {
		kn_app_stream_data(t->ctx, &t->flow, dir, data, (uint32_t)len, 0);
	} else {
		struct kn_packet p;
		memset(&p, 0, sizeof p);
		p.data = data;
		p.payload_off = 0;
		p.payload_len = (uint32_t)len;
		p.proto = 17;
		p.flow = &t->flow;
		p.dir = (uint8_t)dir;
		p.ts_ns = t->ts_ns;
		p.index = t->pcap_cnt;
		kn_app_udp(t->ctx, &p);
	}
}

static inline void at_feed_str(struct at *t, int dir, const char *s)
{
	at_feed(t, dir, s, strlen(s));
}

/* TCP only: a gap of len bytes / the direction closes (FIN). */
static inline void at_gap(struct at *t, int dir, uint32_t len)
{
	at_tick(t);
	kn_app_stream_data(t->ctx, &t->flow, dir, NULL, len, KN_STREAM_GAP);
}

static inline void at_eof(struct at *t, int dir)
{
	at_tick(t);
	kn_app_stream_data(t->ctx, &t->flow, dir, NULL, 0, KN_STREAM_FIN);
}

/* Ends the flow (pending transactions are logged); sets t->app_proto. */
static inline void at_end(struct at *t)
{
	kn_app_set_packet(t->ctx, t->ts_ns, 0);
	t->app_proto = kn_app_flow_end(t->ctx, &t->flow, t->ts_ns, &t->app_proto_orig);
}

/* Index of the first event line containing every one of the NULL-terminated
 * substrings, or -1. */
static inline int at_find_all(const struct at *t, const char *const *subs)
{
	for (unsigned i = 0; i < t->n; i++) {
		int ok = 1;
		for (unsigned k = 0; subs[k] && ok; k++)
			ok = strstr(t->ev[i], subs[k]) != NULL;
		if (ok)
			return (int)i;
	}
	return -1;
}

#define at_find(t, ...) at_find_all((t), (const char *const[]){ __VA_ARGS__, NULL })

/* Number of event lines containing sub. */
static inline unsigned at_count(const struct at *t, const char *sub)
{
	unsigned c = 0;
	for (unsigned i = 0; i < t->n; i++)
		c += strstr(t->ev[i], sub) != NULL;
	return c;
}

/* Prints the captured lines (for debugging a failing test). */
static inline void at_dump(const struct at *t)
{
	for (unsigned i = 0; i < t->n; i++)
		fprintf(stderr, "  ev[%u] %s\n", i, t->ev[i]);
}

static inline void at_fini(struct at *t)
{
	if (t->flow.app)
		at_end(t);
	for (unsigned i = 0; i < t->n; i++)
		free(t->ev[i]);
	kn_json_fini(&t->j);
	kn_app_ctx_free(t->ctx);
	t->ctx = NULL;
}

#endif
