/*
 * test_detect.c - detection by content under pressure: bytes of an
 * undecided direction that cannot be kept (memcap) or are lost (a stream
 * gap) while the other direction decides. The parser must never be shown
 * an empty probe nor two pieces of a stream joined across a hole, and the
 * memcap must be back to zero when the flow ends.
 */
#include "../../kt.h"
#include "app_test.h"
#include "app/app_int.h"

/* DNS over TCP: a query for example.com (id 0x1234) and one for
 * example.org (id 0x5678), each behind its 2-byte length (RFC 1035 4.2.2),
 * and the answer to the second (93.184.216.34). */
static const uint8_t q1[] = {
	0x00, 0x1d, 0x12, 0x34, 0x01, 0x00, 0x00, 0x01, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
	0x07, 'e', 'x', 'a', 'm', 'p', 'l', 'e', 0x03, 'c', 'o', 'm', 0x00, 0x00, 0x01, 0x00, 0x01,
};
static const uint8_t q2[] = {
	0x00, 0x1d, 0x56, 0x78, 0x01, 0x00, 0x00, 0x01, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
	0x07, 'e', 'x', 'a', 'm', 'p', 'l', 'e', 0x03, 'o', 'r', 'g', 0x00, 0x00, 0x01, 0x00, 0x01,
};
static const uint8_t a2[] = {
	0x00, 0x2d, 0x56, 0x78, 0x81, 0x80, 0x00, 0x01, 0x00, 0x01, 0x00, 0x00, 0x00, 0x00,
	0x07, 'e', 'x', 'a', 'm', 'p', 'l', 'e', 0x03, 'o', 'r', 'g', 0x00, 0x00, 0x01, 0x00, 0x01,
	0xc0, 0x0c, 0x00, 0x01, 0x00, 0x01, 0x00, 0x00, 0x0e, 0x10, 0x00, 0x04, 93, 184, 216, 34,
};

/* A first chunk longer than probe_max while the memcap refuses the probe
 * buffer: nothing is kept, so no probe may run (the probes would be given
 * no bytes at all); the direction fails and nothing leaks. */
static void test_memcap_first_chunk(void)
{
	struct at t;
	struct kn_app_config cfg;

	kn_app_config_default(&cfg);
	cfg.probe_max = 16;
	cfg.memcap = sizeof(struct app_flow) + 8;   /* the flow record, no probe buffer */
	KT_REQUIRE(at_init_cfg(&t, NULL, 6, 40000, 22, &cfg) == 0);
	at_feed_str(&t, 0, "SSH-2.0-OpenSSH_7.4p1 Debian-10+deb9u7\r\n");
	at_feed_str(&t, 1, "220 mx.example.org ESMTP Postfix (Debian/GNU)\r\n");
	at_end(&t);
	KT_EQ_STR(t.app_proto, "failed");
	KT_CHECK(kn_app_ctx_stats(t.ctx)->memcap_refusals >= 2);
	KT_EQ(kn_app_ctx_stats(t.ctx)->mem_in_use, 0);
	KT_EQ(t.n, 0);
	at_fini(&t);
}

/* The client's first query is cut by a gap before detection decided; the
 * server's answer decides. The bytes kept before the gap must not be glued
 * to what the client sent after it (which framed a bogus query out of the
 * halves, id 0x1234 with a name read from the second query's header). */
static void test_gap_while_undecided(void)
{
	struct at t;

	KT_REQUIRE(at_init(&t, NULL, 6, 40000, 53) == 0);
	at_feed(&t, 0, q1, 10);                       /* length + 8 header bytes: MORE */
	at_gap(&t, 0, (uint32_t)sizeof q1 - 10);
	at_feed(&t, 0, q2, sizeof q2);
	at_feed(&t, 1, a2, sizeof a2);                /* decides: dns */
	at_end(&t);
	KT_EQ_STR(t.app_proto, "dns");
	KT_EQ(at_count(&t, "\"type\":\"query\""), 0);
	KT_EQ(at_count(&t, "\"id\":4660"), 0);
	KT_EQ(at_count(&t, "\"event_type\":\"anomaly\""), 0);
	KT_CHECK(at_find(&t, "\"type\":\"answer\"", "\"id\":22136", "\"rrname\":\"example.org\"",
			 "\"rdata\":\"93.184.216.34\"") >= 0);
	KT_EQ(kn_app_ctx_stats(t.ctx)->mem_in_use, 0);
	if (kt_st.failed)
		at_dump(&t);
	at_fini(&t);
}

/* A gap before anything was kept: the bytes after it are kept and handed
 * over behind the gap, so a parser that resynchronises (DNS over TCP
 * waits for a chunk that starts a message) still reads them. */
static void test_gap_before_kept_bytes(void)
{
	struct at t;

	KT_REQUIRE(at_init(&t, NULL, 6, 40000, 53) == 0);
	at_gap(&t, 0, 100);
	at_feed(&t, 0, q2, sizeof q2);
	at_feed(&t, 1, a2, sizeof a2);
	at_end(&t);
	KT_EQ_STR(t.app_proto, "dns");
	KT_CHECK(at_find(&t, "\"type\":\"query\"", "\"id\":22136", "\"rrname\":\"example.org\"") >= 0);
	KT_CHECK(at_find(&t, "\"type\":\"answer\"", "\"id\":22136") >= 0);
	KT_EQ(at_count(&t, "\"event_type\":\"anomaly\""), 0);
	KT_EQ(kn_app_ctx_stats(t.ctx)->mem_in_use, 0);
	if (kt_st.failed)
		at_dump(&t);
	at_fini(&t);
}

/* An undecided direction past probe_max: its kept prefix, then a gap for
 * what could not be kept. The client's first message announces 200 bytes
 * and is still undecided (its first label is not complete) when probe_max
 * is reached; the server's answer decides. The query the client sends
 * next must be read on its own (after the gap the DNS parser waits for a
 * message start), not appended to the 62 kept bytes of the first one. */
static void test_overflow_while_undecided(void)
{
	struct at t;
	struct kn_app_config cfg;
	uint8_t big[202];

	memset(big, 'a', sizeof big);
	memcpy(big, "\x00\xc8\x11\x11\x01\x00\x00\x01\x00\x00\x00\x00\x00\x00\x3f", 15);
	kn_app_config_default(&cfg);
	cfg.probe_max = 64;
	KT_REQUIRE(at_init_cfg(&t, NULL, 6, 40000, 53, &cfg) == 0);
	at_feed(&t, 0, big, 55);                   /* MORE: kept */
	at_feed(&t, 0, big + 55, sizeof big - 55); /* probe_max: 9 kept, 138 lost */
	at_feed(&t, 1, a2, sizeof a2);             /* decides: dns */
	at_feed(&t, 0, q2, sizeof q2);
	at_end(&t);
	KT_EQ_STR(t.app_proto, "dns");
	KT_CHECK(at_find(&t, "\"type\":\"query\"", "\"id\":22136", "\"rrname\":\"example.org\"") >= 0);
	KT_CHECK(at_find(&t, "\"type\":\"answer\"", "\"id\":22136") >= 0);
	/* not "MALFORMED_DATA" for a first message that never completes */
	KT_EQ(at_count(&t, "\"event_type\":\"anomaly\""), 0);
	KT_EQ(kn_app_ctx_stats(t.ctx)->mem_in_use, 0);
	if (kt_st.failed)
		at_dump(&t);
	at_fini(&t);
}

static const struct kt_case cases[] = {
	KT_CASE(test_memcap_first_chunk),
	KT_CASE(test_gap_while_undecided),
	KT_CASE(test_gap_before_kept_bytes),
	KT_CASE(test_overflow_while_undecided),
};
KT_MAIN("app_detect", cases)
