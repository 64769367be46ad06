/*
 * test_flow_timeout.c - idle timeouts per protocol and state with exact end
 * timestamps, expiry found by lookup, a clock that never goes backwards on
 * unordered captures, memcap eviction and drops, flush of expired flows.
 */
#include "flow_test.h"
#include "../../kt.h"

#define T0 (1000 * FT_S)

static struct kn_flow_table *table_short(struct ft_rec *rec, uint64_t memcap, uint32_t buckets)
{
	struct kn_flow_config cfg;
	char err[KN_ERRBUF_SIZE];

	kn_flow_config_default(&cfg);
	cfg.timeout_new = 10 * FT_S;
	cfg.timeout_established = 100 * FT_S;
	cfg.timeout_closed = 1 * FT_S;
	cfg.timeout_tcp_established = 1000 * FT_S;
	cfg.timeout_udp_established = 50 * FT_S;
	cfg.timeout_icmp = 5 * FT_S;
	cfg.timeout_tcp_new = 10 * FT_S;
	if (memcap)
		cfg.memcap = memcap;
	if (buckets)
		cfg.hash_size = buckets;
	memset(rec, 0, sizeof *rec);
	return kn_flow_table_new(&cfg, ft_on_end, rec, 0, err);
}

static struct kn_flow *udp(struct kn_flow_table *t, int host, int reply, uint64_t ts)
{
	struct kn_packet p;
	char a[32];

	snprintf(a, sizeof a, "10.0.0.%d", host);
	if (reply)
		ft_pkt(&p, 17, "10.9.9.9", 53, a, 3000, ts);
	else
		ft_pkt(&p, 17, a, 3000, "10.9.9.9", 53, ts);
	return kn_flow_lookup(t, &p);
}

static void tcp(struct kn_flow_table *t, const char *c, uint8_t flags, int reply, uint64_t ts)
{
	struct kn_packet p;

	if (reply)
		ft_tcp(&p, "10.9.9.9", 80, c, 4000, flags, 1, 1, 0, ts);
	else
		ft_tcp(&p, c, 4000, "10.9.9.9", 80, flags, 1, 1, 0, ts);
	kn_flow_lookup(t, &p);
}

static void other(struct kn_flow_table *t, uint8_t proto, const char *a, const char *b, uint64_t ts)
{
	struct kn_packet p;

	ft_pkt(&p, proto, a, 0, b, 0, ts);
	kn_flow_lookup(t, &p);
}

static void echo(struct kn_flow_table *t, const char *a, const char *b, uint8_t type, uint64_t ts)
{
	struct kn_packet p;

	ft_icmp(&p, a, b, type, 0, ts);
	kn_flow_lookup(t, &p);
}

/* Ends seen since *seen: checks there is exactly one per expected host
 * (last octet of the client address), all timeouts at `when`. */
static void expect_ends(const struct ft_rec *rec, unsigned *seen, const int *hosts, unsigned n,
			uint64_t when)
{
	KT_EQ(rec->n, *seen + n);
	for (unsigned i = 0; i < n && *seen + i < rec->n; i++) {
		const struct ft_end *e = &rec->e[*seen + i];
		int found = 0;

		for (unsigned j = 0; j < n; j++)
			found |= e->flow.key.src.b[3] == hosts[j];
		KT_CHECK(found);
		KT_EQ(e->reason, KN_FLOW_END_TIMEOUT);
		KT_EQ(e->now_ns, when);
	}
	*seen = rec->n;
}

static void test_timeouts_per_state(void)
{
	struct ft_rec rec;
	struct kn_flow_table *t = table_short(&rec, 0, 0);
	unsigned seen = 0;

	KT_REQUIRE(t);
	udp(t, 1, 0, T0);                                   /* .1 udp new: 10 s */
	udp(t, 2, 0, T0);
	udp(t, 2, 1, T0);                                   /* .2 udp est: 50 s */
	tcp(t, "10.0.0.3", KN_TCP_SYN, 0, T0);
	tcp(t, "10.0.0.3", KN_TCP_SYN | KN_TCP_ACK, 1, T0);
	tcp(t, "10.0.0.3", KN_TCP_ACK, 0, T0);             /* .3 tcp est: 1000 s */
	tcp(t, "10.0.0.4", KN_TCP_SYN, 0, T0);
	tcp(t, "10.0.0.4", KN_TCP_RST | KN_TCP_ACK, 1, T0); /* .4 closed: 1 s */
	echo(t, "10.0.0.5", "10.9.9.9", 8, T0);            /* .5 icmp new: 5 s */
	KT_REQUIRE(t->lists[FLOW_TC_ICMP].head);
	other(t, 47, "10.0.0.6", "10.9.9.9", T0);
	other(t, 47, "10.9.9.9", "10.0.0.6", T0);          /* .6 gre est: 100 s */
	other(t, 47, "10.0.0.7", "10.9.9.9", T0);          /* .7 gre new: 10 s */
	tcp(t, "10.0.0.8", KN_TCP_SYN, 0, T0);             /* .8 tcp new: 10 s */
	KT_EQ(kn_flow_table_stats(t)->active, 8);
	KT_EQ(t->next_expire, T0 + 1 * FT_S);

	kn_flow_table_timeout(t, T0 + 1 * FT_S);            /* not past it yet */
	KT_EQ(rec.n, 0);
	kn_flow_table_timeout(t, T0 + 1 * FT_S + 1);
	expect_ends(&rec, &seen, (const int[]){ 4 }, 1, T0 + 1 * FT_S);
	KT_EQ(rec.e[0].flow.state, KN_FLOW_CLOSED);
	kn_flow_table_timeout(t, T0 + 5 * FT_S + 1);        /* .5 icmp: 5 s */
	expect_ends(&rec, &seen, (const int[]){ 5 }, 1, T0 + 5 * FT_S);
	kn_flow_table_timeout(t, T0 + 10 * FT_S + 1);
	expect_ends(&rec, &seen, (const int[]){ 1, 7, 8 }, 3, T0 + 10 * FT_S);
	kn_flow_table_timeout(t, T0 + 50 * FT_S + 1);
	expect_ends(&rec, &seen, (const int[]){ 2 }, 1, T0 + 50 * FT_S);
	kn_flow_table_timeout(t, T0 + 100 * FT_S + 1);
	expect_ends(&rec, &seen, (const int[]){ 6 }, 1, T0 + 100 * FT_S);
	kn_flow_table_timeout(t, T0 + 999 * FT_S);
	KT_EQ(rec.n, seen);
	kn_flow_table_timeout(t, T0 + 1000 * FT_S + 1);
	expect_ends(&rec, &seen, (const int[]){ 3 }, 1, T0 + 1000 * FT_S);
	KT_EQ(rec.e[seen - 1].flow.tcp_state, KN_TCP_ESTABLISHED);
	KT_EQ(kn_flow_table_stats(t)->active, 0);
	KT_EQ(kn_flow_table_stats(t)->ended_timeout, 8);
	KT_EQ(t->next_expire, UINT64_MAX);
	kn_flow_table_free(t);
}

static void test_activity_extends_and_lookup_expires(void)
{
	struct ft_rec rec;
	struct kn_flow_table *t = table_short(&rec, 0, 0);
	struct kn_flow *f;
	uint64_t id;

	KT_REQUIRE(t);
	udp(t, 1, 0, T0);
	udp(t, 2, 0, T0);
	udp(t, 1, 0, T0 + 6 * FT_S);                        /* .1 now ends at +16 s */
	kn_flow_table_timeout(t, T0 + 10 * FT_S + 1);
	KT_EQ(rec.n, 1);
	KT_EQ(rec.e[0].flow.key.src.b[3], 2);
	kn_flow_table_timeout(t, T0 + 16 * FT_S);
	KT_EQ(rec.n, 1);
	/* no sweep between: the lookup itself notices the expiry */
	f = udp(t, 3, 0, 2 * T0);
	KT_REQUIRE(f);
	id = f->flow_id;
	KT_EQ(rec.n, 2);
	KT_EQ(rec.e[1].now_ns, T0 + 16 * FT_S);
	f = udp(t, 3, 1, 2 * T0 + 10 * FT_S + 1);
	KT_REQUIRE(f);
	KT_EQ(rec.n, 3);
	KT_EQ(rec.e[2].flow.flow_id, id);
	KT_EQ(rec.e[2].now_ns, 2 * T0 + 10 * FT_S);
	KT_CHECK(f->flow_id != id);
	KT_EQ(f->start_ns, 2 * T0 + 10 * FT_S + 1);
	kn_flow_table_free(t);
}

/* The clock follows the packets, backwards too; last_ns never decreases. */
static void test_unordered_clock(void)
{
	struct ft_rec rec;
	struct kn_flow_table *t = table_short(&rec, 0, 0);
	struct kn_flow *x, *y, *z;

	KT_REQUIRE(t);
	x = udp(t, 1, 0, T0 + 100 * FT_S);
	y = udp(t, 2, 0, T0 + 90 * FT_S);                   /* older than x */
	KT_REQUIRE(x && y);
	KT_EQ(t->clock, T0 + 90 * FT_S);
	KT_EQ(y->start_ns, T0 + 90 * FT_S);
	KT_CHECK(udp(t, 1, 0, T0 + 95 * FT_S) == x);
	KT_EQ(x->last_ns, T0 + 100 * FT_S);                 /* never backwards */
	KT_EQ(x->pkts[0], 2);
	kn_flow_table_timeout(t, T0);
	KT_EQ(t->clock, T0);
	KT_EQ(rec.n, 0);
	kn_flow_table_timeout(t, T0 + 100 * FT_S + 1);      /* y first, though created later */
	KT_EQ(rec.n, 1);
	KT_EQ(rec.e[0].flow.key.src.b[3], 2);
	KT_EQ(rec.e[0].now_ns, T0 + 100 * FT_S);
	kn_flow_table_timeout(t, T0 + 110 * FT_S + 1);
	KT_EQ(rec.n, 2);
	KT_EQ(rec.e[1].now_ns, T0 + 110 * FT_S);
	/* The capture's time restarts (a second file from the same period):
	 * its flows live their normal life instead of expiring at once. */
	z = udp(t, 3, 0, T0);
	KT_REQUIRE(z);
	KT_CHECK(udp(t, 3, 0, T0 + 5 * FT_S) == z);
	kn_flow_table_timeout(t, T0 + 12 * FT_S);
	KT_EQ(rec.n, 2);
	kn_flow_table_timeout(t, T0 + 15 * FT_S + 1);
	KT_EQ(rec.n, 3);
	KT_EQ(rec.e[2].now_ns, T0 + 15 * FT_S);
	KT_EQ(rec.e[2].flow.pkts[0], 2);
	kn_flow_table_free(t);
}

/* More disorder than the ordered insert searches for: the late flow is not
 * at its list head, but lookup and flush still end it at its exact expiry. */
static void test_gross_disorder(void)
{
	struct ft_rec rec;
	struct kn_flow_table *t = table_short(&rec, 0, 0);

	KT_REQUIRE(t);
	for (int i = 0; i < 40; i++)
		udp(t, 100 + i, 0, T0 + 100 * FT_S + (uint64_t)i);
	udp(t, 1, 0, T0);                                   /* expired at T0 + 10 s */
	udp(t, 2, 0, T0);
	kn_flow_table_timeout(t, T0 + 100 * FT_S + 40);
	KT_EQ(rec.n, 0);                                    /* not at a list head */
	udp(t, 1, 0, T0 + 100 * FT_S + 41);                 /* lookup: exact */
	KT_REQUIRE(rec.n == 1);
	KT_EQ(rec.e[0].now_ns, T0 + 10 * FT_S);
	KT_EQ(rec.e[0].reason, KN_FLOW_END_TIMEOUT);
	kn_flow_table_flush(t, T0 + 105 * FT_S);
	KT_EQ(rec.n, 43);                                   /* 40 + .1 twice + .2 */
	for (unsigned i = 0; i < rec.n && i < FT_MAX_ENDS; i++) {
		const struct ft_end *e = &rec.e[i];

		if (e->flow.key.src.b[3] == 2 || (e->flow.key.src.b[3] == 1 && e->flow.start_ns == T0)) {
			KT_EQ(e->reason, KN_FLOW_END_TIMEOUT);
			KT_EQ(e->now_ns, T0 + 10 * FT_S);
		} else {
			KT_EQ(e->reason, KN_FLOW_END_SHUTDOWN);
			KT_EQ(e->now_ns, T0 + 105 * FT_S);
		}
	}
	KT_EQ(kn_flow_table_stats(t)->ended_timeout, 2);
	KT_EQ(kn_flow_table_stats(t)->ended_shutdown, 41);
	kn_flow_table_free(t);
}

static void test_memcap_evicts_least_recent(void)
{
	struct ft_rec rec;
	uint64_t buckets = 1024 * sizeof(void *);
	struct kn_flow_table *t = table_short(&rec, buckets + 3 * FLOW_REC_SIZE, 1024);
	const struct kn_flow_stats *s;

	KT_REQUIRE(t);
	s = kn_flow_table_stats(t);
	udp(t, 1, 0, T0 + 1 * FT_S);
	udp(t, 2, 0, T0 + 2 * FT_S);
	udp(t, 3, 0, T0 + 3 * FT_S);
	KT_EQ(s->memcap_hits, 0);
	KT_REQUIRE(udp(t, 4, 0, T0 + 4 * FT_S));
	KT_EQ(rec.n, 1);
	KT_EQ(rec.e[0].reason, KN_FLOW_END_FORCED);
	KT_EQ(rec.e[0].now_ns, T0 + 4 * FT_S);
	KT_EQ(rec.e[0].flow.key.src.b[3], 1);
	KT_EQ(s->memcap_hits, 1);
	KT_EQ(s->ended_forced, 1);
	KT_EQ(s->active, 3);
	KT_EQ(s->mem_in_use, buckets + 3 * FLOW_REC_SIZE);
	KT_EQ(s->mem_peak, buckets + 3 * FLOW_REC_SIZE);
	udp(t, 2, 1, T0 + 5 * FT_S);                        /* .2 active again */
	KT_REQUIRE(udp(t, 5, 0, T0 + 6 * FT_S));
	KT_EQ(rec.n, 2);
	KT_EQ(rec.e[1].flow.key.src.b[3], 3);
	/* across timeout classes: the least recently active, whatever its class */
	tcp(t, "10.0.0.6", KN_TCP_ACK, 0, T0 + 7 * FT_S);
	KT_EQ(rec.e[2].flow.key.src.b[3], 4);
	udp(t, 6, 0, T0 + 8 * FT_S);
	KT_EQ(rec.e[3].flow.key.src.b[3], 2);
	KT_EQ(s->ended_forced, 4);
	KT_EQ(s->memcap_drops, 0);
	KT_CHECK(t->pool.bytes <= 2 * (512 * FLOW_REC_SIZE + 128));
	kn_flow_table_free(t);
}

static void test_memcap_drop_when_nothing_idle(void)
{
	struct ft_rec rec;
	uint64_t buckets = 16 * sizeof(void *);
	struct kn_flow_table *t = table_short(&rec, buckets + FLOW_REC_SIZE, 16);
	struct kn_packet p;
	const struct kn_flow_stats *s;

	KT_REQUIRE(t);
	s = kn_flow_table_stats(t);
	KT_REQUIRE(udp(t, 1, 0, T0));
	ft_pkt(&p, 17, "10.0.0.2", 3000, "10.9.9.9", 53, T0);
	KT_CHECK(kn_flow_lookup(t, &p) == NULL);            /* .1 is active right now */
	KT_CHECK(p.flow == NULL);
	KT_EQ(s->memcap_drops, 1);
	KT_EQ(s->memcap_hits, 1);
	KT_EQ(s->active, 1);
	KT_EQ(rec.n, 0);
	KT_REQUIRE(udp(t, 1, 1, T0));                       /* existing flows go on */
	KT_EQ(s->memcap_drops, 1);
	KT_REQUIRE(udp(t, 2, 0, T0 + 1));                   /* one ns later .1 is idle */
	KT_EQ(rec.n, 1);
	KT_EQ(rec.e[0].reason, KN_FLOW_END_FORCED);
	KT_EQ(rec.e[0].flow.pkts[1], 1);
	KT_EQ(s->memcap_drops, 1);
	KT_EQ(s->memcap_hits, 2);
	kn_flow_table_free(t);
}

static const struct kt_case cases[] = {
	KT_CASE(test_timeouts_per_state),
	KT_CASE(test_activity_extends_and_lookup_expires),
	KT_CASE(test_unordered_clock),
	KT_CASE(test_gross_disorder),
	KT_CASE(test_memcap_evicts_least_recent),
	KT_CASE(test_memcap_drop_when_nothing_idle),
};

KT_MAIN("flow_timeout", cases)
