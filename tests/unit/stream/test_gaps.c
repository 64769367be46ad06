/*
 * test_gaps.c - stream stage: missing data and the end of a direction.
 * Gaps from the peer's ACK, at flow end, from the out-of-order limit and
 * the memcap; FIN ordering; RST; depth; malformed and far-away sequence
 * numbers; allocation failures (with -Dalloc_faults=true).
 */
#include "../../kt.h"
#include "stream_rec.h"
#include "stream/stream_int.h"

static const struct kn_stream_stats *stats(const struct fx *fx)
{
	return kn_stream_ctx_stats(fx->ctx);
}

static void test_ack_gap_then_continue(void)
{
	struct fx fx;

	KT_REQUIRE(fx_init(&fx, NULL));
	fx_handshake(&fx, 100, 200);
	fx_data(&fx, 0, 0, "aaaaaaaaaa");
	fx_data(&fx, 0, 20, "cccccccccc");   /* [10,20) never captured */
	KT_EQ(fx.rec.n, 1);
	fx_ack(&fx, 1, 30);
	KT_CHECK(rec_ev_is(&fx.rec, 1, 0, 10, 10, KN_STREAM_GAP));
	KT_CHECK(rec_ev_is(&fx.rec, 2, 0, 20, 10, 0));
	fx_data(&fx, 0, 30, "dddd");
	KT_CHECK(rec_ev_is(&fx.rec, 3, 0, 30, 4, 0));
	fx_ack(&fx, 1, 40);                  /* past all captured data: pending */
	KT_EQ(fx.rec.n, 4);
	fx_data(&fx, 0, 40, "eeee");         /* a later segment confirms the hole */
	KT_CHECK(rec_ev_is(&fx.rec, 4, 0, 34, 6, KN_STREAM_GAP));
	KT_CHECK(rec_ev_is(&fx.rec, 5, 0, 40, 4, 0));
	fx_data(&fx, 0, 10, "bbbbbbbbbb");   /* the lost segment, too late */
	KT_EQ(stats(&fx)->retransmits, 1);
	fx_ack(&fx, 1, 50);
	kn_stream_flow_end(fx.ctx, &fx.flow); /* the acknowledged tail is a gap */
	KT_CHECK(rec_ev_is(&fx.rec, 6, 0, 44, 6, KN_STREAM_GAP));
	KT_CHECK(rec_ev_is(&fx.rec, 7, 0, 50, 0, KN_STREAM_END));
	KT_EQ_STR(fx_text(&fx, 0), "aaaaaaaaaa~~~~~~~~~~ccccccccccdddd~~~~~~eeee~~~~~~");
	KT_EQ(stats(&fx)->gaps, 3);
	KT_EQ(stats(&fx)->gap_bytes, 22);
	KT_EQ(fx.rec.violations, 0);
	fx_fini(&fx);
}

/* The capture shows the server's ACK before the client segment it
 * acknowledges: the segment is still delivered, no gap. */
static void test_ack_before_data_no_gap(void)
{
	struct fx fx;

	KT_REQUIRE(fx_init(&fx, NULL));
	fx_handshake(&fx, 100, 200);
	fx_data(&fx, 0, 0, "GET / HTTP/1.0\r\n");
	fx_ack(&fx, 1, 18);
	fx_data(&fx, 1, 0, "HTTP/1.0 200 OK\r\n");
	fx_data(&fx, 0, 16, "\r\n");
	KT_EQ_STR(fx_text(&fx, 0), "GET / HTTP/1.0\r\n\r\n");
	KT_EQ(stats(&fx)->gaps, 0);
	fx_fini(&fx);
}

/* A request after a hole is held; the response packet acknowledging it
 * releases the request (gap first) before the response's own bytes reach
 * the callback, so a parser sees the request before its response. */
static void test_ack_releases_peer_before_own_data(void)
{
	struct fx fx;

	KT_REQUIRE(fx_init(&fx, NULL));
	fx_handshake(&fx, 100, 200);
	fx_data(&fx, 0, 0, "GET /a HTTP/1.1\r\n\r\n");          /* 19 bytes */
	fx_data(&fx, 0, 38, "GET /c HTTP/1.1\r\n\r\n");         /* [19,38) lost */
	KT_EQ(fx.rec.n, 1);
	fx.ack[1] = fx.isn[0] + 1 + 57;
	fx_data(&fx, 1, 0, "HTTP/1.1 200 OK\r\n");
	KT_EQ(fx.rec.n, 4);
	KT_CHECK(rec_ev_is(&fx.rec, 1, 0, 19, 19, KN_STREAM_GAP));
	KT_CHECK(rec_ev_is(&fx.rec, 2, 0, 38, 19, 0));
	KT_EQ(fx.rec.ev[3].dir, 1);
	KT_EQ(fx.rec.ev[3].len, 17);
	KT_EQ(fx.rec.violations, 0);
	fx_fini(&fx);
}

static void test_gap_at_flow_end(void)
{
	struct fx fx;

	KT_REQUIRE(fx_init(&fx, NULL));
	fx_handshake(&fx, 100, 200);
	fx_data(&fx, 0, 0, "aaaaaaaaaa");
	fx_data(&fx, 0, 20, "cccccccccc");
	kn_stream_flow_end(fx.ctx, &fx.flow);
	KT_CHECK(rec_ev_is(&fx.rec, 1, 0, 10, 10, KN_STREAM_GAP));
	KT_CHECK(rec_ev_is(&fx.rec, 2, 0, 20, 10, 0));
	KT_CHECK(rec_ev_is(&fx.rec, 3, 0, 30, 0, KN_STREAM_END));
	/* the server sent nothing but its SYN/ACK: START and END at once */
	KT_CHECK(rec_ev_is(&fx.rec, 4, 1, 0, 0, KN_STREAM_START | KN_STREAM_END));
	KT_EQ(fx.rec.n, 5);
	KT_EQ(stats(&fx)->gap_bytes, 10);
	fx_fini(&fx);
}

/* The FIN overtakes the last data segment: the data is still delivered,
 * then the FIN; data after the FIN is ignored. */
static void test_fin_before_last_data(void)
{
	struct fx fx;

	KT_REQUIRE(fx_init(&fx, NULL));
	fx_handshake(&fx, 3000, 6000);
	fx_data(&fx, 0, 0, "hello ");
	fx_pkt(&fx, 0, 3001 + 11, 6001, KN_TCP_ACK | KN_TCP_FIN, NULL, 0);
	KT_EQ(fx.rec.n, 1);
	fx_data(&fx, 0, 6, "world");
	KT_CHECK(rec_ev_is(&fx.rec, 1, 0, 6, 5, KN_STREAM_FIN));
	fx_data(&fx, 0, 11, "junk");
	fx_ack(&fx, 1, 12);                  /* the server acknowledges the FIN */
	/* the server answers and closes with its last data */
	fx_pkt(&fx, 1, 6001, 3013, KN_TCP_ACK | KN_TCP_FIN, "bye", 3);
	KT_CHECK(rec_ev_is(&fx.rec, 2, 1, 0, 3, KN_STREAM_START | KN_STREAM_FIN));
	kn_stream_flow_end(fx.ctx, &fx.flow);
	KT_CHECK(rec_ev_is(&fx.rec, 3, 0, 11, 0, KN_STREAM_END));
	KT_CHECK(rec_ev_is(&fx.rec, 4, 1, 3, 0, KN_STREAM_END));
	KT_EQ(fx.rec.n, 5);
	KT_EQ_STR(fx_text(&fx, 0), "hello world");
	KT_EQ(fx.rec.violations, 0);
	fx_fini(&fx);
}

/* Data before the FIN never captured: the peer's ACK of the FIN declares
 * the gap, which closes the direction. */
static void test_fin_gap_by_ack(void)
{
	struct fx fx;

	KT_REQUIRE(fx_init(&fx, NULL));
	fx_handshake(&fx, 3000, 6000);
	fx_data(&fx, 0, 0, "0123456789");
	fx_pkt(&fx, 0, 3001 + 20, 6001, KN_TCP_ACK | KN_TCP_FIN, NULL, 0);
	KT_EQ(fx.rec.n, 1);
	fx_ack(&fx, 1, 21);
	KT_CHECK(rec_ev_is(&fx.rec, 1, 0, 10, 10, KN_STREAM_GAP | KN_STREAM_FIN));
	KT_EQ(fx.rec.n, 2);
	fx_fini(&fx);
}

static void test_rst(void)
{
	struct fx fx;

	KT_REQUIRE(fx_init(&fx, NULL));
	fx_handshake(&fx, 100, 200);
	fx_data(&fx, 0, 0, "aaaaaaaaaa");
	fx_data(&fx, 1, 0, "xyz");
	fx_data(&fx, 0, 20, "cccccccccc");
	fx_pkt(&fx, 1, 201 + 3, 0, KN_TCP_RST, NULL, 0);
	KT_CHECK(rec_ev_is(&fx.rec, 2, 0, 10, 10, KN_STREAM_GAP));
	KT_CHECK(rec_ev_is(&fx.rec, 3, 0, 20, 10, 0));
	KT_CHECK(rec_ev_is(&fx.rec, 4, 0, 30, 0, KN_STREAM_RST));
	KT_CHECK(rec_ev_is(&fx.rec, 5, 1, 3, 0, KN_STREAM_RST));
	fx_data(&fx, 0, 30, "after");
	fx_data(&fx, 1, 3, "after");
	KT_EQ(fx.rec.n, 6);
	kn_stream_flow_end(fx.ctx, &fx.flow);
	KT_CHECK(rec_ev_is(&fx.rec, 6, 0, 30, 0, KN_STREAM_END));
	KT_CHECK(rec_ev_is(&fx.rec, 7, 1, 3, 0, KN_STREAM_END));
	KT_EQ(fx.rec.violations, 0);
	fx_fini(&fx);
}

static void test_depth(void)
{
	struct fx fx;
	struct kn_stream_config cfg;

	kn_stream_config_default(&cfg);
	cfg.depth = 25;
	KT_REQUIRE(fx_init(&fx, &cfg));
	fx_handshake(&fx, 100, 200);
	fx_data(&fx, 0, 0, "0123456789");
	fx_data(&fx, 0, 10, "abcdefghij");
	uint64_t mem = stats(&fx)->mem_in_use;
	fx_data(&fx, 0, 40, "beyond-the-depth");
	KT_EQ(stats(&fx)->mem_in_use, mem);          /* not buffered */
	fx_data(&fx, 0, 20, "ABCDEFGHIJ");
	KT_CHECK(rec_ev_is(&fx.rec, 2, 0, 20, 5, KN_STREAM_DEPTH));
	fx_data(&fx, 0, 30, "more");
	KT_EQ(fx.rec.n, 3);
	KT_EQ(stats(&fx)->depth_reached, 1);
	/* the server has its own depth */
	fx_data(&fx, 1, 0, "0123456789012345678901234567890");
	KT_CHECK(rec_ev_is(&fx.rec, 3, 1, 0, 25, KN_STREAM_START | KN_STREAM_DEPTH));
	kn_stream_flow_end(fx.ctx, &fx.flow);
	KT_CHECK(rec_ev_is(&fx.rec, 4, 0, 25, 0, KN_STREAM_END));
	KT_EQ_STR(fx_text(&fx, 0), "0123456789abcdefghijABCDE");
	KT_EQ(stats(&fx)->depth_reached, 2);
	fx_fini(&fx);
}

/* Room for the flow state and two small nodes: the third out-of-order
 * segment is refused, and the peer's ACK later reports its range as a gap. */
static void test_memcap_drop_then_gap(void)
{
	struct fx fx;
	struct kn_stream_config cfg;
	char seg[21];

	kn_stream_config_default(&cfg);
	cfg.memcap = sizeof(struct stream_flow) + 2 * STREAM_NODE_SMALL;
	KT_REQUIRE(fx_init(&fx, &cfg));
	fx_handshake(&fx, 100, 200);
	memset(seg, 'q', 20);
	seg[20] = '\0';
	fx_data(&fx, 0, 10, seg);
	fx_data(&fx, 0, 40, seg);
	fx_data(&fx, 0, 70, seg);
	KT_EQ(stats(&fx)->memcap_drops, 1);
	KT_EQ(stats(&fx)->ooo_segments, 2);
	KT_CHECK(stats(&fx)->mem_peak <= cfg.memcap);
	fx_data(&fx, 0, 0, "0123456789");
	KT_EQ(fx.rec.text_len[0], 30);
	fx_ack(&fx, 1, 90);
	KT_CHECK(rec_ev_is(&fx.rec, fx.rec.n - 2, 0, 30, 10, KN_STREAM_GAP));
	KT_CHECK(rec_ev_is(&fx.rec, fx.rec.n - 1, 0, 40, 20, 0));
	kn_stream_flow_end(fx.ctx, &fx.flow);
	KT_CHECK(rec_ev_is(&fx.rec, fx.rec.n - 3, 0, 60, 30, KN_STREAM_GAP));
	KT_EQ(stats(&fx)->gap_bytes, 40);

	fx_fini(&fx);
}

/* No room even for the per-flow state: the flow is counted, not tracked. */
static void test_memcap_no_state(void)
{
	struct fx fx;
	struct kn_stream_config cfg;

	kn_stream_config_default(&cfg);
	cfg.memcap = sizeof(struct stream_flow) - 1;
	KT_REQUIRE(fx_init(&fx, &cfg));
	fx_handshake(&fx, 100, 200);
	fx_data(&fx, 0, 0, "abc");
	KT_CHECK(fx.flow.stream == NULL);
	KT_EQ(stats(&fx)->memcap_drops, 2);   /* SYN and SYN/ACK */
	KT_EQ(stats(&fx)->mem_in_use, 0);
	kn_stream_flow_end(fx.ctx, &fx.flow);
	KT_EQ(fx.rec.n, 0);
	fx_fini(&fx);
}

static void test_max_ooo_bytes(void)
{
	struct fx fx;
	struct kn_stream_config cfg;
	char a[61], b[61];

	kn_stream_config_default(&cfg);
	cfg.max_ooo_bytes = 100;
	KT_REQUIRE(fx_init(&fx, &cfg));
	fx_handshake(&fx, 100, 200);
	memset(a, 'a', 60);
	memset(b, 'b', 60);
	a[60] = b[60] = '\0';
	fx_data(&fx, 0, 10, a);
	KT_EQ(fx.rec.n, 0);
	fx_data(&fx, 0, 80, b);          /* 120 bytes buffered > 100 */
	KT_CHECK(rec_ev_is(&fx.rec, 0, 0, 0, 10, KN_STREAM_START | KN_STREAM_GAP));
	KT_CHECK(rec_ev_is(&fx.rec, 1, 0, 10, 60, 0));
	KT_EQ(fx.rec.n, 2);
	fx_data(&fx, 0, 70, "0123456789");
	KT_CHECK(rec_ev_is(&fx.rec, 2, 0, 70, 10, 0));
	KT_CHECK(rec_ev_is(&fx.rec, 3, 0, 80, 60, 0));
	KT_EQ(fx.rec.text_len[0], 140);
	KT_EQ(stats(&fx)->gap_bytes, 10);
	fx_fini(&fx);
}

/* Sequence numbers far from the window and payload offsets outside the
 * frame are counted and ignored: no callback, no memory. */
static void test_bad_seq_and_malformed(void)
{
	struct fx fx;
	struct kn_packet pkt;
	uint8_t frame[60] = { 0 };

	KT_REQUIRE(fx_init(&fx, NULL));
	fx_handshake(&fx, 100, 200);
	uint64_t mem = stats(&fx)->mem_in_use;
	fx_data(&fx, 0, (1u << 30) + 10, "far ahead");
	fx_data(&fx, 0, 0x90000000u, "far behind");
	fx_pkt(&fx, 1, 201, 101 + (1u << 31) - 5, KN_TCP_ACK, NULL, 0);
	KT_EQ(kn_stream_ctx_stats(fx.ctx)->bad_seq, 3);
	KT_EQ(stats(&fx)->mem_in_use, mem);

	memset(&pkt, 0, sizeof(pkt));
	pkt.data = frame;
	pkt.caplen = sizeof(frame);
	pkt.payload_off = 54;
	pkt.payload_len = 100;       /* runs past the frame */
	pkt.proto = 6;
	pkt.tcp.seq = 101;
	pkt.tcp.flags = KN_TCP_ACK;
	pkt.flow = &fx.flow;
	kn_stream_packet(fx.ctx, &pkt);
	pkt.payload_off = 0xfffffff0u;
	pkt.payload_len = 0x20;
	kn_stream_packet(fx.ctx, &pkt);
	KT_EQ(kn_stream_ctx_stats(fx.ctx)->malformed, 2);
	pkt.flow = NULL;             /* untracked packet */
	kn_stream_packet(fx.ctx, &pkt);
	KT_EQ(fx.rec.n, 0);
	fx_data(&fx, 0, 0, "ok");
	KT_EQ_STR(fx_text(&fx, 0), "ok");
	fx_fini(&fx);
}

static void test_ctx_new_errors(void)
{
	char errbuf[KN_ERRBUF_SIZE] = "";
	struct kn_stream_config cfg;

	kn_stream_config_default(&cfg);
	KT_CHECK(kn_stream_ctx_new(&cfg, NULL, NULL, errbuf) == NULL);
	KT_CHECK(errbuf[0] != '\0');
	kn_stream_ctx_free(NULL);
	KT_EQ(cfg.midstream, 0);
	KT_CHECK(cfg.memcap > 0 && cfg.max_ooo_bytes > 0);
}

/* With -Dalloc_faults=true: every allocation of the stage may fail, and a
 * failure is a counted drop, never a crash. */
static void test_alloc_failures(void)
{
	struct fx fx;
	char errbuf[KN_ERRBUF_SIZE] = "";
	struct kn_stream_config cfg;

	kn_alloc_fail_at(1);
	void *probe = kn_malloc(8);
	kn_alloc_fail_at(0);
	if (probe) {
		kn_free(probe);
		KT_SKIP("build without -Dalloc_faults=true");
	}
	kn_stream_config_default(&cfg);
	kn_alloc_fail_at(1);
	KT_CHECK(kn_stream_ctx_new(&cfg, rec_on_data, NULL, errbuf) == NULL);
	KT_CHECK(errbuf[0] != '\0');
	KT_REQUIRE(fx_init(&fx, NULL));
	kn_alloc_fail_at(1);
	fx_handshake(&fx, 100, 200);          /* SYN's state refused, SYN/ACK's allocated */
	KT_EQ(stats(&fx)->memcap_drops, 1);
	fx_data(&fx, 0, 0, "abc");
	kn_alloc_fail_at(1);
	fx_data(&fx, 0, 10, "later");         /* node refused */
	KT_EQ(stats(&fx)->memcap_drops, 2);
	kn_stream_flow_end(fx.ctx, &fx.flow);
	KT_EQ_STR(fx_text(&fx, 0), "abc");
	fx_fini(&fx);
}

static const struct kt_case cases[] = {
	KT_CASE(test_ack_gap_then_continue),
	KT_CASE(test_ack_before_data_no_gap),
	KT_CASE(test_ack_releases_peer_before_own_data),
	KT_CASE(test_gap_at_flow_end),
	KT_CASE(test_fin_before_last_data),
	KT_CASE(test_fin_gap_by_ack),
	KT_CASE(test_rst),
	KT_CASE(test_depth),
	KT_CASE(test_memcap_drop_then_gap),
	KT_CASE(test_memcap_no_state),
	KT_CASE(test_max_ooo_bytes),
	KT_CASE(test_bad_seq_and_malformed),
	KT_CASE(test_ctx_new_errors),
	KT_CASE(test_alloc_failures),
};

KT_MAIN("stream_gaps", cases)
