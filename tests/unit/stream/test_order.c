/*
 * test_order.c - stream stage: placing segments in order. In-order and
 * zero-copy delivery, reversed and reordered segments, retransmissions,
 * overlaps under policy FIRST (same and different bytes, partial at both
 * ends), sequence wrap across 2^32, midstream pick-up, two contexts.
 */
#include "../../kt.h"
#include "stream_rec.h"
#include "stream/stream_int.h"

static const struct kn_stream_stats *stats(const struct fx *fx)
{
	return kn_stream_ctx_stats(fx->ctx);
}

static void test_in_order(void)
{
	struct fx fx;

	KT_REQUIRE(fx_init(&fx, NULL));
	fx_handshake(&fx, 1000, 5000);
	fx_data(&fx, 0, 0, "GET / HTTP/1.1\r\n");
	fx_data(&fx, 0, 16, "Host: x\r\n\r\n");
	fx_data(&fx, 1, 0, "HTTP/1.1 200 OK\r\n\r\n");
	KT_CHECK(rec_ev_is(&fx.rec, 0, 0, 0, 16, KN_STREAM_START));
	KT_CHECK(rec_ev_is(&fx.rec, 1, 0, 16, 11, 0));
	KT_CHECK(rec_ev_is(&fx.rec, 2, 1, 0, 19, KN_STREAM_START));
	kn_stream_flow_end(fx.ctx, &fx.flow);
	KT_CHECK(fx.flow.stream == NULL);
	KT_CHECK(rec_ev_is(&fx.rec, 3, 0, 27, 0, KN_STREAM_END));
	KT_CHECK(rec_ev_is(&fx.rec, 4, 1, 19, 0, KN_STREAM_END));
	KT_EQ(fx.rec.n, 5);
	KT_EQ_STR(fx_text(&fx, 0), "GET / HTTP/1.1\r\nHost: x\r\n\r\n");
	KT_EQ_STR(fx_text(&fx, 1), "HTTP/1.1 200 OK\r\n\r\n");
	KT_EQ(stats(&fx)->segments, 3);
	KT_EQ(stats(&fx)->bytes, 46);
	KT_EQ(stats(&fx)->retransmits + stats(&fx)->ooo_segments + stats(&fx)->gaps, 0);
	KT_EQ(stream_ctx_extra_stats(fx.ctx)->live_flows, 0);
	KT_EQ(fx.rec.violations, 0);
	fx_fini(&fx);
}

/* The in-order path passes the packet's own payload pointer; out-of-order
 * bytes are copied (the frame may be overwritten before the hole fills). */
static void test_zero_copy(void)
{
	struct fx fx;
	uint8_t frame[54 + 8], later[54 + 8];
	struct kn_packet pkt;

	KT_REQUIRE(fx_init(&fx, NULL));
	fx_handshake(&fx, 77, 88);
	memset(frame, 0xee, 54);
	memcpy(frame + 54, "ABCDEFGH", 8);
	memset(&pkt, 0, sizeof(pkt));
	pkt.data = frame;
	pkt.caplen = sizeof(frame);
	pkt.payload_off = 54;
	pkt.payload_len = 8;
	pkt.proto = 6;
	pkt.tcp.seq = 78 + 8;   /* offset 8: out of order */
	pkt.tcp.ack = 89;
	pkt.tcp.flags = KN_TCP_ACK;
	pkt.flow = &fx.flow;
	kn_stream_packet(fx.ctx, &pkt);
	KT_EQ(fx.rec.n, 0);
	memset(frame + 54, 'X', 8);   /* capture buffer reused */

	memcpy(later, frame, 54);
	memcpy(later + 54, "abcdefgh", 8);
	pkt.data = later;
	pkt.tcp.seq = 78;
	kn_stream_packet(fx.ctx, &pkt);
	KT_EQ(fx.rec.n, 2);
	KT_CHECK(fx.rec.n >= 1 && fx.rec.ev[0].data == later + 54);
	KT_CHECK(fx.rec.n >= 2 && fx.rec.ev[1].data != frame + 54);
	KT_EQ_STR(fx_text(&fx, 0), "abcdefghABCDEFGH");
	fx_fini(&fx);
}

static void test_reversed_ten(void)
{
	struct fx fx;
	char seg[10][11], want[101] = "";

	KT_REQUIRE(fx_init(&fx, NULL));
	fx_handshake(&fx, 0x12345678, 0x9abcdef0);
	for (int i = 0; i < 10; i++) {
		memset(seg[i], 'A' + i, 10);
		seg[i][9] = (char)('0' + i);
		seg[i][10] = '\0';
		strcat(want, seg[i]);
	}
	for (int i = 9; i > 0; i--)
		fx_data(&fx, 0, (uint64_t)i * 10, seg[i]);
	KT_EQ(fx.rec.n, 0);
	KT_EQ(stats(&fx)->ooo_segments, 9);
	fx_data(&fx, 0, 0, seg[0]);
	KT_EQ_STR(fx_text(&fx, 0), want);
	KT_CHECK(rec_ev_is(&fx.rec, 0, 0, 0, 10, KN_STREAM_START));
	KT_EQ(stats(&fx)->bytes, 100);
	KT_EQ(fx.rec.violations, 0);
	/* everything buffered was released back to the pools */
	const struct kn_stream_stats *st = stats(&fx);
	KT_EQ(st->mem_in_use, sizeof(struct stream_flow) + 9 * STREAM_NODE_SMALL);
	fx_fini(&fx);
}

static void test_retransmissions(void)
{
	struct fx fx;

	KT_REQUIRE(fx_init(&fx, NULL));
	fx_handshake(&fx, 1, 2);
	fx_data(&fx, 0, 0, "abcde");
	fx_data(&fx, 0, 5, "fghij");
	fx_data(&fx, 0, 0, "abcde");        /* exact retransmission of delivered data */
	KT_EQ(stats(&fx)->retransmits, 1);
	KT_EQ(fx.rec.n, 2);
	fx_data(&fx, 0, 3, "DEFGHIJkl");    /* partial: only "kl" is new */
	KT_CHECK(rec_ev_is(&fx.rec, 2, 0, 10, 2, 0));
	fx_data(&fx, 0, 20, "uvw");
	fx_data(&fx, 0, 20, "uvw");         /* duplicate of a buffered segment */
	KT_EQ(stats(&fx)->retransmits, 2);
	KT_EQ(stats(&fx)->overlaps, 1);
	fx_data(&fx, 0, 12, "mnopqrst");
	KT_EQ_STR(fx_text(&fx, 0), "abcdefghijklmnopqrstuvw");
	KT_EQ(stats(&fx)->overlaps_diff, 0);
	KT_EQ(rec_count(&fx.rec, 0, KN_STREAM_OVERLAP_DIFF), 0);
	KT_EQ(fx.rec.violations, 0);
	fx_fini(&fx);
}

static const char REF40[] = "0123456789abcdefghijKLMNOPQRSTklmnopqrst";

static void test_overlap_same_bytes(void)
{
	struct fx fx;

	KT_REQUIRE(fx_init(&fx, NULL));
	fx_handshake(&fx, 1000, 2000);
	fx_data_n(&fx, 0, 10, REF40 + 10, 20);
	fx_data_n(&fx, 0, 20, REF40 + 20, 20);
	KT_EQ(stats(&fx)->overlaps, 1);
	KT_EQ(stats(&fx)->ooo_segments, 2);
	fx_data_n(&fx, 0, 0, REF40, 10);
	KT_EQ_STR(fx_text(&fx, 0), REF40);
	KT_EQ(stats(&fx)->overlaps_diff, 0);
	KT_EQ(rec_count(&fx.rec, 0, KN_STREAM_OVERLAP_DIFF), 0);
	fx_fini(&fx);
}

static void test_overlap_diff_first_wins(void)
{
	struct fx fx;
	char evil[21];

	KT_REQUIRE(fx_init(&fx, NULL));
	fx_handshake(&fx, 1000, 2000);
	fx_data_n(&fx, 0, 10, REF40 + 10, 20);
	memcpy(evil, "XXXXXXXXXX", 10);
	memcpy(evil + 10, REF40 + 30, 10);
	fx_data_n(&fx, 0, 20, evil, 20);
	KT_EQ(stats(&fx)->overlaps_diff, 1);
	KT_EQ(fx.rec.n, 0);
	fx_data_n(&fx, 0, 0, REF40, 10);
	KT_EQ_STR(fx_text(&fx, 0), REF40);
	KT_CHECK(rec_ev_is(&fx.rec, 0, 0, 0, 10, KN_STREAM_START | KN_STREAM_OVERLAP_DIFF));
	KT_EQ(rec_count(&fx.rec, 0, KN_STREAM_OVERLAP_DIFF), 1);

	/* in-order segment over a buffered one: the buffered bytes win */
	fx_data(&fx, 0, 50, "BUFFERED");
	fx_data(&fx, 0, 40, "0123456789newbytes");
	KT_EQ(stats(&fx)->overlaps_diff, 2);
	KT_EQ(rec_count(&fx.rec, 0, KN_STREAM_OVERLAP_DIFF), 2);
	KT_CHECK(strcmp(fx_text(&fx, 0) + 40, "0123456789BUFFERED") == 0);
	KT_EQ(fx.rec.violations, 0);
	fx_fini(&fx);
}

/* A segment overlapping buffered data at its start and at its end, and
 * holes between: only the uncovered ranges are taken from it. */
static void test_partial_overlaps(void)
{
	struct fx fx;
	char x[41];
	const char *ref = "abcdefghijABCDEFGHIJklmnopqrstKLMNOPQRSTuvwxy";

	KT_REQUIRE(fx_init(&fx, NULL));
	fx_handshake(&fx, 4000, 9000);
	fx_data_n(&fx, 0, 10, ref + 10, 10);
	fx_data_n(&fx, 0, 30, ref + 30, 10);
	memset(x, 'x', 40);
	fx_data_n(&fx, 0, 5, x, 40);    /* [5,45) over [10,20) and [30,40) */
	KT_EQ(stats(&fx)->overlaps, 1);
	KT_EQ(stats(&fx)->overlaps_diff, 1);
	fx_data_n(&fx, 0, 15, x, 20);   /* [15,35): nothing new */
	KT_EQ(stats(&fx)->retransmits, 1);
	fx_data_n(&fx, 0, 0, ref, 5);
	KT_EQ_STR(fx_text(&fx, 0), "abcdexxxxxABCDEFGHIJxxxxxxxxxxKLMNOPQRSTxxxxx");
	KT_EQ(stats(&fx)->bytes, 45);
	fx_fini(&fx);
}

/* ISNs just below 2^32: offsets keep growing across the wrap. */
static void test_seq_wrap(void)
{
	struct fx fx;
	char seg[10][101], want[1001] = "";
	static const int order[10] = { 0, 1, 2, 5, 4, 3, 6, 9, 8, 7 };

	KT_REQUIRE(fx_init(&fx, NULL));
	fx_handshake(&fx, 0xFFFFFF00u, 0xFFFFFFF0u);
	for (int i = 0; i < 10; i++) {
		for (int j = 0; j < 100; j++)
			seg[i][j] = (char)('a' + (i * 7 + j) % 26);
		seg[i][100] = '\0';
		strcat(want, seg[i]);
	}
	for (int i = 0; i < 10; i++)
		fx_data(&fx, 0, (uint64_t)order[i] * 100, seg[order[i]]);
	KT_EQ_STR(fx_text(&fx, 0), want);
	KT_EQ(stats(&fx)->bytes, 1000);

	/* server: first 50 bytes lost (their seqs straddle 2^32), then the
	 * client acknowledges 100 */
	fx_data(&fx, 1, 50, "tail-of-the-first-hundred-bytes-of-server-data!!!!");
	fx_ack(&fx, 0, 100);
	KT_CHECK(rec_ev_is(&fx.rec, fx.rec.n - 2, 1, 0, 50, KN_STREAM_START | KN_STREAM_GAP));
	KT_CHECK(rec_ev_is(&fx.rec, fx.rec.n - 1, 1, 50, 50, 0));
	KT_EQ(fx.rec.violations, 0);
	fx_fini(&fx);
}

static void test_midstream(void)
{
	struct fx fx;
	struct kn_stream_config cfg;

	kn_stream_config_default(&cfg);
	cfg.midstream = 1;
	KT_REQUIRE(fx_init(&fx, &cfg));
	fx_pkt(&fx, 0, 123456, 777, KN_TCP_ACK, "hello", 5);
	fx_pkt(&fx, 0, 123461, 777, KN_TCP_ACK, "world", 5);
	fx_pkt(&fx, 1, 777, 123466, KN_TCP_ACK, "resp", 4);
	KT_CHECK(rec_ev_is(&fx.rec, 0, 0, 0, 5, KN_STREAM_START));
	KT_CHECK(rec_ev_is(&fx.rec, 1, 0, 5, 5, 0));
	KT_CHECK(rec_ev_is(&fx.rec, 2, 1, 0, 4, KN_STREAM_START));
	KT_EQ_STR(fx_text(&fx, 0), "helloworld");
	KT_EQ_STR(fx_text(&fx, 1), "resp");
	fx_fini(&fx);
}

/* Without midstream, a flow whose start was not captured costs nothing;
 * with a SYN but no SYN/ACK the server side is still picked up. */
static void test_midstream_off(void)
{
	struct fx fx;

	KT_REQUIRE(fx_init(&fx, NULL));
	fx_pkt(&fx, 0, 123456, 777, KN_TCP_ACK, "hello", 5);
	KT_CHECK(fx.flow.stream == NULL);
	KT_EQ(stats(&fx)->mem_in_use, 0);
	kn_stream_flow_end(fx.ctx, &fx.flow);
	KT_EQ(fx.rec.n, 0);

	fx_pkt(&fx, 0, 5000, 0, KN_TCP_SYN, NULL, 0);
	fx_pkt(&fx, 1, 9000, 5001, KN_TCP_ACK, "banner", 6);   /* SYN/ACK lost */
	fx_pkt(&fx, 0, 5001, 9006, KN_TCP_ACK, "hi", 2);
	KT_EQ_STR(fx_text(&fx, 1), "banner");
	KT_EQ_STR(fx_text(&fx, 0), "hi");
	fx_fini(&fx);
}

/* SYN/ACK lost: the client's handshake ACK places the server's stream, so
 * a lost first server segment is a gap, not a late start. */
static void test_synack_lost_ack_places(void)
{
	struct fx fx;

	KT_REQUIRE(fx_init(&fx, NULL));
	fx_pkt(&fx, 0, 5000, 0, KN_TCP_SYN, NULL, 0);
	fx_pkt(&fx, 0, 5001, 9001, KN_TCP_ACK, NULL, 0);
	fx_pkt(&fx, 1, 9001 + 100, 5001, KN_TCP_ACK, "second", 6);
	KT_EQ(fx.rec.n, 0);
	fx_pkt(&fx, 0, 5001, 9001 + 106, KN_TCP_ACK, NULL, 0);
	KT_CHECK(rec_ev_is(&fx.rec, 0, 1, 0, 100, KN_STREAM_START | KN_STREAM_GAP));
	KT_CHECK(rec_ev_is(&fx.rec, 1, 1, 100, 6, 0));
	fx_fini(&fx);
}

/* A SYN retransmitted with a new ISN before any data re-places the
 * stream; data carried by a SYN (TCP Fast Open) is offset 0. */
static void test_syn_variants(void)
{
	struct fx fx;

	KT_REQUIRE(fx_init(&fx, NULL));
	fx_pkt(&fx, 0, 100, 0, KN_TCP_SYN, NULL, 0);
	fx_pkt(&fx, 0, 500, 0, KN_TCP_SYN, NULL, 0);
	fx_pkt(&fx, 1, 900, 501, KN_TCP_SYN | KN_TCP_ACK, NULL, 0);
	fx_pkt(&fx, 0, 501, 901, KN_TCP_ACK, "after", 5);
	KT_CHECK(rec_ev_is(&fx.rec, 0, 0, 0, 5, KN_STREAM_START));
	fx_fini(&fx);

	KT_REQUIRE(fx_init(&fx, NULL));
	fx_pkt(&fx, 0, 7000, 0, KN_TCP_SYN, "fast", 4);
	fx_pkt(&fx, 0, 7005, 0, KN_TCP_ACK, "open", 4);
	KT_EQ_STR(fx_text(&fx, 0), "fastopen");
	fx_fini(&fx);
}

/* Two contexts in one process keep separate state and counters. */
static void test_two_contexts(void)
{
	struct fx a, b;

	KT_REQUIRE(fx_init(&a, NULL));
	if (!fx_init(&b, NULL)) {
		fx_fini(&a);
		KT_REQUIRE(0);
	}
	fx_handshake(&a, 10, 20);
	fx_handshake(&b, 10, 20);
	fx_data(&a, 0, 3, "DEF");
	fx_data(&b, 0, 0, "abc");
	fx_data(&a, 0, 0, "ABC");
	fx_data(&b, 0, 3, "def");
	KT_EQ_STR(fx_text(&a, 0), "ABCDEF");
	KT_EQ_STR(fx_text(&b, 0), "abcdef");
	KT_EQ(kn_stream_ctx_stats(a.ctx)->ooo_segments, 1);
	KT_EQ(kn_stream_ctx_stats(b.ctx)->ooo_segments, 0);
	fx_fini(&a);
	fx_fini(&b);
}

static const struct kt_case cases[] = {
	KT_CASE(test_in_order),
	KT_CASE(test_zero_copy),
	KT_CASE(test_reversed_ten),
	KT_CASE(test_retransmissions),
	KT_CASE(test_overlap_same_bytes),
	KT_CASE(test_overlap_diff_first_wins),
	KT_CASE(test_partial_overlaps),
	KT_CASE(test_seq_wrap),
	KT_CASE(test_midstream),
	KT_CASE(test_midstream_off),
	KT_CASE(test_synack_lost_ack_places),
	KT_CASE(test_syn_variants),
	KT_CASE(test_two_contexts),
};

KT_MAIN("stream_order", cases)
