/*
 * test_flow_tcp.c - the TCP state machine as seen through kn_flow_lookup:
 * handshake and the three ways to close, RST, midstream pickup, SYN/ACK
 * first, reuse of a closed tuple by a new SYN, and the count of TCP flows
 * seen from one side only.
 */
#include "flow_test.h"
#include "../../kt.h"

#define C "10.0.0.1"
#define S "10.0.0.2"
#define CP 40000
#define SP 80

#define SYN KN_TCP_SYN
#define ACK KN_TCP_ACK
#define FIN KN_TCP_FIN
#define RST KN_TCP_RST
#define PSH KN_TCP_PSH

/* One packet client->server (to_server != 0) or server->client. */
static struct kn_flow *seg(struct kn_flow_table *t, int to_server, uint8_t flags, uint32_t seq,
			   uint32_t ack, uint32_t len, uint64_t ts)
{
	struct kn_packet p;

	if (to_server)
		ft_tcp(&p, C, CP, S, SP, flags, seq, ack, len, ts);
	else
		ft_tcp(&p, S, SP, C, CP, flags, seq, ack, len, ts);
	return kn_flow_lookup(t, &p);
}

/* SYN, SYN/ACK, ACK, a request and a response; client next seq 111,
 * server next seq 521. */
static struct kn_flow *handshake(struct kn_flow_table *t, uint64_t ts)
{
	struct kn_flow *f = seg(t, 1, SYN, 100, 0, 0, ts);

	seg(t, 0, SYN | ACK, 500, 101, 0, ts + 1);
	seg(t, 1, ACK, 101, 501, 0, ts + 2);
	seg(t, 1, PSH | ACK, 101, 501, 10, ts + 3);
	seg(t, 0, PSH | ACK, 501, 111, 20, ts + 4);
	return f;
}

static void test_handshake_and_client_close(void)
{
	struct ft_rec rec;
	struct kn_flow_table *t = ft_table(&rec, 0, 0);
	struct kn_flow *f;

	KT_REQUIRE(t);
	f = seg(t, 1, SYN, 100, 0, 0, FT_S);
	KT_REQUIRE(f);
	KT_EQ(f->tcp_state, KN_TCP_SYN_SENT);
	KT_EQ(f->state, KN_FLOW_NEW);
	KT_CHECK(seg(t, 0, SYN | ACK, 500, 101, 0, FT_S + 1) == f);
	KT_EQ(f->tcp_state, KN_TCP_SYN_RECV);
	KT_EQ(f->state, KN_FLOW_NEW);
	KT_CHECK(seg(t, 1, ACK, 101, 501, 0, FT_S + 2) == f);
	KT_EQ(f->tcp_state, KN_TCP_ESTABLISHED);
	KT_EQ(f->state, KN_FLOW_ESTABLISHED);
	seg(t, 1, PSH | ACK, 101, 501, 10, FT_S + 3);
	seg(t, 0, PSH | ACK, 501, 111, 20, FT_S + 4);
	KT_EQ(f->tcp_state, KN_TCP_ESTABLISHED);
	seg(t, 1, FIN | ACK, 111, 521, 0, FT_S + 5);
	KT_EQ(f->tcp_state, KN_TCP_FIN_WAIT1);
	seg(t, 0, ACK, 521, 111, 0, FT_S + 6);     /* does not cover the FIN */
	KT_EQ(f->tcp_state, KN_TCP_FIN_WAIT1);
	seg(t, 0, ACK, 521, 112, 0, FT_S + 7);
	KT_EQ(f->tcp_state, KN_TCP_FIN_WAIT2);
	seg(t, 0, FIN | ACK, 521, 112, 0, FT_S + 8);
	KT_EQ(f->tcp_state, KN_TCP_TIME_WAIT);
	KT_EQ(f->state, KN_FLOW_ESTABLISHED);
	seg(t, 0, FIN | ACK, 521, 112, 0, FT_S + 9);  /* retransmitted FIN */
	KT_EQ(f->tcp_state, KN_TCP_TIME_WAIT);
	KT_CHECK(seg(t, 1, ACK, 112, 522, 0, FT_S + 10) == f);
	KT_EQ(f->tcp_state, KN_TCP_CLOSED);
	KT_EQ(f->state, KN_FLOW_CLOSED);
	KT_EQ(f->tcp_flags[0], SYN | ACK | PSH | FIN);
	KT_EQ(f->tcp_flags[1], SYN | ACK | PSH | FIN);
	KT_EQ(f->pkts[0], 5);
	KT_EQ(f->pkts[1], 6);
	KT_EQ(f->flags, 0);
	KT_EQ(rec.n, 0);
	KT_EQ(kn_flow_table_stats(t)->created, 1);
	kn_flow_table_free(t);
}

static void test_server_close_first(void)
{
	struct ft_rec rec;
	struct kn_flow_table *t = ft_table(&rec, 0, 0);
	struct kn_flow *f;

	KT_REQUIRE(t);
	f = handshake(t, FT_S);
	KT_REQUIRE(f);
	seg(t, 0, FIN | ACK, 521, 111, 0, FT_S + 10);
	KT_EQ(f->tcp_state, KN_TCP_CLOSE_WAIT);
	seg(t, 1, ACK, 111, 522, 0, FT_S + 11);
	KT_EQ(f->tcp_state, KN_TCP_CLOSE_WAIT);
	seg(t, 1, FIN | ACK, 111, 522, 0, FT_S + 12);
	KT_EQ(f->tcp_state, KN_TCP_LAST_ACK);
	KT_EQ(f->state, KN_FLOW_ESTABLISHED);
	seg(t, 0, ACK, 522, 112, 0, FT_S + 13);
	KT_EQ(f->tcp_state, KN_TCP_CLOSED);
	KT_EQ(f->state, KN_FLOW_CLOSED);
	kn_flow_table_free(t);
}

static void test_simultaneous_close(void)
{
	struct ft_rec rec;
	struct kn_flow_table *t = ft_table(&rec, 0, 0);
	struct kn_flow *f;

	KT_REQUIRE(t);
	f = handshake(t, FT_S);
	KT_REQUIRE(f);
	seg(t, 1, FIN | ACK, 111, 521, 0, FT_S + 10);
	seg(t, 0, FIN | ACK, 521, 111, 0, FT_S + 10);  /* crosses the client FIN */
	KT_EQ(f->tcp_state, KN_TCP_CLOSING);
	seg(t, 0, ACK, 522, 112, 0, FT_S + 11);
	KT_EQ(f->tcp_state, KN_TCP_TIME_WAIT);
	seg(t, 1, ACK, 112, 522, 0, FT_S + 12);
	KT_EQ(f->tcp_state, KN_TCP_CLOSED);
	/* the other order of the last two ACKs closes as well; the closed
	 * flow (timeout 0) has expired by then: a new flow, not a reuse */
	f = handshake(t, 2 * FT_S);
	KT_REQUIRE(f);
	KT_EQ(rec.n, 1);
	KT_EQ(rec.e[0].now_ns, FT_S + 12);
	KT_EQ(f->flags, 0);
	seg(t, 1, FIN | ACK, 111, 521, 0, 2 * FT_S + 10);
	seg(t, 0, FIN | ACK, 521, 111, 0, 2 * FT_S + 10);
	seg(t, 1, ACK, 112, 522, 0, 2 * FT_S + 11);
	KT_EQ(f->tcp_state, KN_TCP_CLOSING);
	seg(t, 0, ACK, 522, 112, 0, 2 * FT_S + 12);
	KT_EQ(f->tcp_state, KN_TCP_CLOSED);
	kn_flow_table_free(t);
}

static void test_rst(void)
{
	struct ft_rec rec;
	struct kn_flow_table *t = ft_table(&rec, 0, 0);
	struct kn_flow *f;

	KT_REQUIRE(t);
	f = handshake(t, FT_S);
	KT_REQUIRE(f);
	KT_CHECK(seg(t, 0, RST | ACK, 521, 111, 0, FT_S + 10) == f);
	KT_EQ(f->tcp_state, KN_TCP_CLOSED);
	KT_EQ(f->state, KN_FLOW_CLOSED);
	KT_EQ(f->tcp_flags[1] & RST, RST);
	/* a SYN answered by RST (closed port) */
	f = seg(t, 1, SYN, 7, 0, 0, FT_S + 20);
	KT_REQUIRE(f);
	KT_EQ(f->tcp_state, KN_TCP_SYN_SENT);
	KT_CHECK(seg(t, 0, RST | ACK, 0, 8, 0, FT_S + 20) == f);
	KT_EQ(f->tcp_state, KN_TCP_CLOSED);
	kn_flow_table_free(t);
}

static void test_midstream(void)
{
	struct ft_rec rec;
	struct kn_flow_table *t = ft_table(&rec, 0, 0);
	struct kn_packet p;
	struct kn_flow *f;

	KT_REQUIRE(t);
	/* client data first */
	f = seg(t, 1, PSH | ACK, 1000, 2000, 50, FT_S);
	KT_REQUIRE(f);
	KT_EQ(f->tcp_state, KN_TCP_ESTABLISHED);
	KT_EQ(f->state, KN_FLOW_ESTABLISHED);
	KT_EQ(f->flags, KN_FLOW_F_MIDSTREAM);
	KT_EQ(f->key.sport, CP);
	/* server data first: from a well-known port to an ephemeral one */
	ft_tcp(&p, "10.5.5.5", 443, "10.6.6.6", 51000, PSH | ACK, 1, 1, 100, FT_S);
	f = kn_flow_lookup(t, &p);
	KT_REQUIRE(f);
	KT_EQ(p.dir, 1);
	KT_EQ(f->flags, KN_FLOW_F_MIDSTREAM | KN_FLOW_F_SWAPPED);
	KT_EQ(f->key.sport, 51000);
	KT_EQ(f->key.dport, 443);
	KT_EQ(f->pkts[1], 1);
	KT_EQ(f->tcp_flags[1], PSH | ACK);
	ft_tcp(&p, "10.6.6.6", 51000, "10.5.5.5", 443, ACK, 1, 101, 0, FT_S + 1);
	KT_CHECK(kn_flow_lookup(t, &p) == f);
	KT_EQ(p.dir, 0);
	/* two ephemeral ports: the first sender stays the client */
	ft_tcp(&p, "10.7.7.7", 6000, "10.8.8.8", 5000, ACK, 1, 1, 0, FT_S);
	f = kn_flow_lookup(t, &p);
	KT_REQUIRE(f);
	KT_EQ(f->flags, KN_FLOW_F_MIDSTREAM);
	KT_EQ(f->key.sport, 6000);
	/* a midstream FIN starts in the closing states */
	ft_tcp(&p, "10.7.7.8", 6000, "10.8.8.8", 5000, FIN | ACK, 1, 1, 0, FT_S);
	f = kn_flow_lookup(t, &p);
	KT_REQUIRE(f);
	KT_EQ(f->tcp_state, KN_TCP_FIN_WAIT1);
	/* a lone RST */
	ft_tcp(&p, "10.7.7.9", 6000, "10.8.8.8", 5000, RST, 1, 0, 0, FT_S);
	f = kn_flow_lookup(t, &p);
	KT_REQUIRE(f);
	KT_EQ(f->tcp_state, KN_TCP_CLOSED);
	KT_EQ(f->state, KN_FLOW_CLOSED);
	KT_EQ(f->flags, KN_FLOW_F_MIDSTREAM);
	kn_flow_table_free(t);
}

/* Ended TCP flows of 2+ packets with an ACK are counted, and those seen
 * from one side only: a client whose server never shows (a one-way span)
 * and a server's answers alone. Not counted: a lone SYN and its
 * retransmission (no ACK), a single ACK, a flow picked up midstream (no
 * handshake: nothing said of the view). */
static void test_one_way_count(void)
{
	struct ft_rec rec;
	struct kn_flow_table *t = ft_table(&rec, 0, 0);
	struct kn_packet p;

	KT_REQUIRE(t);
	handshake(t, FT_S);                                    /* both ways */
	ft_tcp(&p, "10.1.0.1", 40001, "10.2.0.1", 443, SYN, 1, 0, 0, FT_S);
	kn_flow_lookup(t, &p);
	ft_tcp(&p, "10.1.0.1", 40001, "10.2.0.1", 443, ACK, 2, 1, 0, FT_S + 1);
	kn_flow_lookup(t, &p);
	ft_tcp(&p, "10.1.0.1", 40001, "10.2.0.1", 443, PSH | ACK, 2, 1, 30, FT_S + 2);
	kn_flow_lookup(t, &p);                                 /* the client alone */
	ft_tcp(&p, "10.2.0.2", 443, "10.1.0.2", 40002, SYN | ACK, 0, 1, 0, FT_S);
	kn_flow_lookup(t, &p);
	ft_tcp(&p, "10.2.0.2", 443, "10.1.0.2", 40002, PSH | ACK, 1, 1, 90, FT_S + 1);
	kn_flow_lookup(t, &p);                                 /* the server alone */
	ft_tcp(&p, "10.2.0.5", 443, "10.1.0.5", 40005, PSH | ACK, 1, 1, 90, FT_S);
	kn_flow_lookup(t, &p);
	ft_tcp(&p, "10.2.0.5", 443, "10.1.0.5", 40005, PSH | ACK, 91, 1, 90, FT_S + 1);
	kn_flow_lookup(t, &p);                                 /* midstream: no handshake */
	ft_tcp(&p, "10.1.0.3", 40003, "10.2.0.3", 443, SYN, 1, 0, 0, FT_S);
	kn_flow_lookup(t, &p);
	ft_tcp(&p, "10.1.0.3", 40003, "10.2.0.3", 443, SYN, 1, 0, 0, FT_S + 3);
	kn_flow_lookup(t, &p);                                 /* unanswered */
	ft_tcp(&p, "10.1.0.4", 40004, "10.2.0.4", 443, ACK, 1, 1, 0, FT_S);
	kn_flow_lookup(t, &p);                                 /* one packet */
	KT_EQ(kn_flow_table_stats(t)->tcp_acked, 0);           /* counted as they end */
	kn_flow_table_flush(t, 10 * FT_S);
	KT_EQ(kn_flow_table_stats(t)->tcp_acked, 3);
	KT_EQ(kn_flow_table_stats(t)->tcp_one_way, 2);
	kn_flow_table_free(t);
}

static void test_synack_first(void)
{
	struct ft_rec rec;
	struct kn_flow_table *t = ft_table(&rec, 0, 0);
	struct kn_flow *f;
	struct kn_packet p;

	KT_REQUIRE(t);
	/* even from an ephemeral port: the SYN/ACK sender is the server */
	ft_tcp(&p, "10.3.3.3", 8080, "10.4.4.4", 60000, SYN | ACK, 500, 101, 0, FT_S);
	f = kn_flow_lookup(t, &p);
	KT_REQUIRE(f);
	KT_EQ(p.dir, 1);
	KT_EQ(f->flags, KN_FLOW_F_SWAPPED);
	KT_EQ(f->tcp_state, KN_TCP_SYN_RECV);
	KT_EQ(f->key.sport, 60000);
	KT_EQ(f->key.src.b[3], 4);
	KT_EQ(f->pkts[0], 0);
	KT_EQ(f->pkts[1], 1);
	KT_EQ(f->tcp_flags[1], SYN | ACK);
	ft_tcp(&p, "10.4.4.4", 60000, "10.3.3.3", 8080, ACK, 101, 501, 0, FT_S + 1);
	KT_CHECK(kn_flow_lookup(t, &p) == f);
	KT_EQ(p.dir, 0);
	KT_EQ(f->tcp_state, KN_TCP_ESTABLISHED);
	KT_EQ(f->state, KN_FLOW_ESTABLISHED);
	kn_flow_table_free(t);
}

static void test_tuple_reuse(void)
{
	struct kn_flow_config cfg;
	char err[KN_ERRBUF_SIZE];
	struct ft_rec rec;
	struct kn_flow_table *t;
	struct kn_flow *f;
	uint64_t old_id;

	memset(&rec, 0, sizeof rec);
	kn_flow_config_default(&cfg);
	cfg.timeout_closed = 60 * FT_S;
	t = kn_flow_table_new(&cfg, ft_on_end, &rec, 0, err);
	KT_REQUIRE(t);
	f = handshake(t, FT_S);
	KT_REQUIRE(f);
	seg(t, 1, RST, 111, 0, 0, FT_S + 10);
	KT_EQ(f->tcp_state, KN_TCP_CLOSED);
	old_id = f->flow_id;
	/* a SYN/ACK-less retransmission does not reuse */
	seg(t, 0, ACK, 521, 111, 0, FT_S + 11);
	KT_EQ(rec.n, 0);
	f = seg(t, 1, SYN, 9000, 0, 0, 2 * FT_S);
	KT_REQUIRE(f);
	KT_EQ(rec.n, 1);
	KT_EQ(rec.e[0].reason, KN_FLOW_END_TIMEOUT);
	KT_EQ(rec.e[0].now_ns, 2 * FT_S);          /* min(expiry, clock) */
	KT_EQ(rec.e[0].flow.pkts[0], 4);
	KT_EQ(rec.e[0].flow.pkts[1], 3);
	KT_EQ(rec.e[0].flow.flow_id, old_id);
	KT_EQ(f->flags, KN_FLOW_F_TCP_REUSE);
	KT_EQ(f->tcp_state, KN_TCP_SYN_SENT);
	KT_EQ(f->pkts[0], 1);
	KT_EQ(f->start_ns, 2 * FT_S);
	KT_CHECK(f->flow_id != old_id);
	KT_EQ(kn_flow_table_stats(t)->tcp_reuse, 1);
	KT_EQ(kn_flow_table_stats(t)->created, 2);
	/* time_wait is reused too; established is not */
	seg(t, 0, SYN | ACK, 700, 9001, 0, 2 * FT_S + 1);
	seg(t, 1, ACK, 9001, 701, 0, 2 * FT_S + 2);
	seg(t, 1, SYN, 9000, 0, 0, 2 * FT_S + 3);   /* retransmitted SYN */
	KT_EQ(rec.n, 1);
	seg(t, 1, FIN | ACK, 9001, 701, 0, 2 * FT_S + 4);
	seg(t, 0, FIN | ACK, 701, 9002, 0, 2 * FT_S + 5);
	KT_EQ(f->tcp_state, KN_TCP_TIME_WAIT);
	KT_CHECK(seg(t, 0, SYN, 1, 0, 0, 3 * FT_S) != NULL);  /* from the old server */
	KT_EQ(rec.n, 2);
	KT_EQ(rec.e[1].now_ns, 3 * FT_S);
	KT_EQ(rec.e[1].flow.tcp_state, KN_TCP_TIME_WAIT);
	f = seg(t, 0, ACK, 2, 0, 0, 3 * FT_S + 1);
	KT_REQUIRE(f);
	KT_EQ(f->key.sport, SP);                   /* the new flow's client */
	KT_EQ(f->flags, KN_FLOW_F_TCP_REUSE);
	KT_EQ(kn_flow_table_stats(t)->tcp_reuse, 2);
	KT_EQ(kn_flow_table_stats(t)->ended_timeout, 2);
	kn_flow_table_free(t);
}

/* With a closed timeout of 0 s (ft_table), a SYN at the very instant of the
 * RST reuses the tuple; one nanosecond later the old flow has expired. */
static void test_reuse_closed_timeout_zero(void)
{
	struct ft_rec rec;
	struct kn_flow_table *t = ft_table(&rec, 0, 0);
	struct kn_flow *f;

	KT_REQUIRE(t);
	f = handshake(t, FT_S);
	seg(t, 1, RST, 111, 0, 0, FT_S + 10);
	KT_REQUIRE(f);
	f = seg(t, 1, SYN, 5, 0, 0, FT_S + 10);
	KT_REQUIRE(f);
	KT_EQ(rec.n, 1);
	KT_EQ(rec.e[0].now_ns, FT_S + 10);
	KT_EQ(f->flags, KN_FLOW_F_TCP_REUSE);
	seg(t, 0, RST | ACK, 0, 6, 0, FT_S + 10);
	f = seg(t, 1, SYN, 5, 0, 0, FT_S + 11);
	KT_REQUIRE(f);
	KT_EQ(rec.n, 2);
	KT_EQ(rec.e[1].reason, KN_FLOW_END_TIMEOUT);
	KT_EQ(rec.e[1].now_ns, FT_S + 10);          /* last_ns + 0 */
	KT_EQ(f->flags, 0);                          /* expired, not reused */
	KT_EQ(kn_flow_table_stats(t)->tcp_reuse, 1);
	kn_flow_table_free(t);
}

static const struct kt_case cases[] = {
	KT_CASE(test_handshake_and_client_close),
	KT_CASE(test_server_close_first),
	KT_CASE(test_simultaneous_close),
	KT_CASE(test_rst),
	KT_CASE(test_midstream),
	KT_CASE(test_synack_first),
	KT_CASE(test_one_way_count),
	KT_CASE(test_tuple_reuse),
	KT_CASE(test_reuse_closed_timeout_zero),
};

KT_MAIN("flow_tcp", cases)
