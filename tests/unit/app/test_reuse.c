/*
 * test_reuse.c - one context over many flows, as a worker runs: the flow
 * records, probe buffers and parser states a context keeps for reuse come
 * back clean (a flow never sees what the previous one left: transaction
 * ids from 0, no HELO of another session, detection from scratch), the
 * memcap is back to zero after every flow, and a context freed with blocks
 * kept frees them (the ASan build checks the leaks).
 */
#include "../../kt.h"
#include "app_test.h"

/* A DNS query for example.com (id 0x1234) and its answer. */
static const uint8_t query[] = {
	0x12, 0x34, 0x01, 0x00, 0x00, 0x01, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x07, 'e', 'x', 'a',
	'm', 'p', 'l', 'e', 0x03, 'c', 'o', 'm', 0x00, 0x00, 0x01, 0x00, 0x01,
};
static const uint8_t answer[] = {
	0x12, 0x34, 0x81, 0x80, 0x00, 0x01, 0x00, 0x01, 0x00, 0x00, 0x00, 0x00, 0x07, 'e', 'x', 'a',
	'm', 'p', 'l', 'e', 0x03, 'c', 'o', 'm', 0x00, 0x00, 0x01, 0x00, 0x01, 0xc0, 0x0c, 0x00,
	0x01, 0x00, 0x01, 0x00, 0x00, 0x0e, 0x10, 0x00, 0x04, 93, 184, 216, 34,
};

/* A new flow on t's context (the previous one has ended), detected by
 * content. */
static void new_flow(struct at *t, uint8_t ipproto, uint16_t dport)
{
	memset(&t->flow, 0, sizeof t->flow);
	t->flow.key.ip_version = 4;
	t->flow.key.proto = ipproto;
	inet_pton(AF_INET, "10.0.0.1", t->flow.key.src.b);
	inet_pton(AF_INET, "10.0.0.2", t->flow.key.dst.b);
	t->flow.key.sport = 40000;
	t->flow.key.dport = dport;
	t->flow.flow_id = 7;
	for (unsigned i = 0; i < t->n; i++)
		free(t->ev[i]);
	t->n = 0;
}

static void dns_flow(struct at *t)
{
	new_flow(t, 17, 53);
	at_feed(t, 0, query, sizeof query);
	at_feed(t, 1, answer, sizeof answer);
	at_end(t);
	KT_EQ_STR(t->app_proto, "dns");
	KT_EQ(t->n, 2);
	KT_CHECK(at_find(t, "\"type\":\"query\"", "\"tx_id\":0,") >= 0);
	KT_CHECK(at_find(t, "\"type\":\"answer\"", "\"rdata\":\"93.184.216.34\"") >= 0);
}

static void smtp_flow(struct at *t, int k)
{
	char helo[64];

	new_flow(t, 6, 25);
	at_feed_str(t, 1, "220 mx.example.com ESMTP Postfix\r\n");
	if (k % 2) {
		snprintf(helo, sizeof helo, "HELO c%d.example.org\r\n", k);
		at_feed_str(t, 0, helo);
		at_feed_str(t, 1, "250 mx\r\n");
	}
	at_feed_str(t, 0, "MAIL FROM:<a@example.org>\r\n");
	at_feed_str(t, 1, "250 ok\r\n");
	at_end(t);
	KT_EQ_STR(t->app_proto, "smtp");
	snprintf(helo, sizeof helo, "\"helo\":\"c%d.example.org\"", k);
	KT_CHECK(at_find(t, "\"tx_id\":0,\"smtp\":{", k % 2 ? helo : "\"smtp\":{\"mail_from\"") >= 0);
	KT_EQ(at_count(t, "\"helo\""), k % 2 ? 1u : 0u);
}

/* Bytes no parser takes, both ways, some after a gap: failed. */
static void failed_flow(struct at *t, int k)
{
	static const uint8_t junk[] = { 0x00, 0xff, 0x13, 0x37, 0x42, 0x99, 0x01, 0x02 };

	new_flow(t, 6, (uint16_t)(5000 + k));
	at_feed(t, 0, junk, sizeof junk);
	if (k % 3 == 0)
		at_gap(t, 1, 100);
	at_feed(t, 1, junk + 1, sizeof junk - 1);
	for (int i = 0; i < 5; i++)
		at_feed(t, i & 1, junk, sizeof junk);
	at_end(t);
	KT_EQ_STR(t->app_proto, "failed");
	KT_EQ(t->n, 0);
}

/* A direction undecided when the flow ends (MORE, kept bytes). */
static void undecided_flow(struct at *t)
{
	new_flow(t, 6, 25);
	at_feed_str(t, 1, "220-");
	at_end(t);
	KT_EQ_STR(t->app_proto, "failed");
}

static void test_many_flows(void)
{
	struct at t;

	KT_REQUIRE(at_init(&t, NULL, 17, 40000, 53) == 0);
	at_end(&t);   /* (the harness's own flow: nothing seen) */
	for (int k = 0; k < 120; k++) {
		switch (k % 4) {
		case 0: dns_flow(&t); break;
		case 1: smtp_flow(&t, k); break;
		case 2: failed_flow(&t, k); break;
		default: undecided_flow(&t); break;
		}
		KT_EQ(kn_app_ctx_stats(t.ctx)->mem_in_use, 0);
	}
	KT_CHECK(!t.bad_json);
	at_fini(&t);   /* freed with the blocks kept for reuse */
}

static const struct kt_case cases[] = {
	KT_CASE(test_many_flows),
};
KT_MAIN("app_reuse", cases)
