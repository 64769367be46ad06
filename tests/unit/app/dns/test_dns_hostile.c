/*
 * test_dns_hostile.c - the DNS parser on hostile and broken input:
 * compression loops (a pointer to itself, A -> B -> A), pointers forward
 * and past the end, reserved label types, names over 255 octets, counts
 * far larger than the message, truncated RRs and RR data, a TCP length
 * larger than the data before the flow ends, 1-byte TCP chunks, a
 * 65535-byte message, gaps, the memcap, a flood of unanswered queries, and
 * every allocation failing in turn. Each case checks the events
 * (MALFORMED_DATA, no dns event) and that the memory charged comes back to
 * zero.
 */
#include "../../../kt.h"
#include "dns_test.h"
#include "util/alloc.h"

static struct dt_msg m;
static uint8_t seg[140000];

static unsigned dns_events(const struct at *t)
{
	return dt_count(t, "'event_type':'dns'");
}

static unsigned malformed(const struct at *t)
{
	return dt_count(t, "'event':'MALFORMED_DATA'");
}

/* Feeds m as a response (dir 1) on a fresh UDP flow whose client spoke
 * first; returns the dns events it produced. */
static unsigned response_events(struct at *t)
{
	struct dt_msg q;

	KT_CHECK(at_init(t, "dns", 17, 40000, 53) == 0);
	dt_header(&q, 1, 0x0100, 1, 0, 0, 0);
	dt_question(&q, "a.example", 1);
	at_feed(t, 0, q.b, q.n);
	at_feed(t, 1, m.b, m.n);
	return dns_events(t) - 1;
}

static void end_clean(struct at *t)
{
	at_end(t);
	KT_CHECK(!t->bad_json);
	KT_CHECK(kn_app_ctx_stats(t->ctx)->mem_in_use == 0);
	at_fini(t);
}

/* A question name that is a pointer to itself, and A -> B -> A. */
static void test_pointer_loops(void)
{
	struct at t;

	dt_header(&m, 1, 0x8180, 1, 0, 0, 0);
	dt_u16(&m, 0xc00c);                  /* offset 12: points at itself */
	dt_u16(&m, 1), dt_u16(&m, 1);
	KT_CHECK(response_events(&t) == 0);
	KT_CHECK(malformed(&t) == 1);
	end_clean(&t);

	dt_header(&m, 1, 0x8180, 1, 1, 0, 0);
	dt_question(&m, "a.example", 1);      /* offsets 12..26 */
	dt_u8(&m, 1), dt_u8(&m, 'x'), dt_u16(&m, 0xc000 | 31);   /* 27: x -> 31 */
	dt_u8(&m, 1), dt_u8(&m, 'y'), dt_u16(&m, 0xc000 | 27);   /* 31: y -> 27 */
	dt_rr_head(&m, 1, 1, 4);
	dt_u32(&m, 0x01020304);
	/* The answer's name at 27 loops between 27 and 31 (x.y.x.y...): it
	 * ends at the 255-octet limit. */
	KT_CHECK(response_events(&t) == 0);
	KT_CHECK(malformed(&t) == 1);
	end_clean(&t);

	dt_header(&m, 1, 0x8180, 1, 1, 0, 0);
	dt_question(&m, "a.example", 1);
	dt_u16(&m, 0xc000 | 29);              /* 27: -> 29 */
	dt_u16(&m, 0xc000 | 27);              /* 29: -> 27, pointers only */
	dt_rr_head(&m, 1, 1, 4);
	dt_u32(&m, 0x01020304);
	KT_CHECK(response_events(&t) == 0);
	KT_CHECK(malformed(&t) == 1);
	end_clean(&t);
}

/* A forward pointer to a valid name is read (as Suricata does); pointers
 * past the end, and cut short, are malformed. */
static void test_pointers_forward_and_out(void)
{
	struct at t;

	dt_header(&m, 1, 0x8180, 1, 1, 0, 0);
	dt_u16(&m, 0xc000 | 18);              /* 12: question name -> 18 */
	dt_u16(&m, 1), dt_u16(&m, 1);         /* 14 */
	dt_name(&m, "fwd.example");           /* 18 */
	dt_rr_head(&m, 1, 1, 4);
	dt_u32(&m, 0x0a000001);
	KT_CHECK(response_events(&t) == 1);
	KT_CHECK(DT_FIND(&t, "'type':'answer'", "'rrname':'fwd.example','rrtype':'A',"
			 "'rcode'", "{'rrname':'fwd.example','rrtype':'A','ttl':1,"
			 "'rdata':'10.0.0.1'}") >= 0);
	end_clean(&t);

	dt_header(&m, 1, 0x8180, 1, 0, 0, 0);
	dt_u16(&m, 0xc000 | 0x3fff);          /* far past the end */
	dt_u16(&m, 1), dt_u16(&m, 1);
	KT_CHECK(response_events(&t) == 0 && malformed(&t) == 1);
	end_clean(&t);

	dt_header(&m, 1, 0x8180, 1, 0, 0, 0);
	dt_u8(&m, 0xc0);                      /* a pointer's first byte, then the end */
	KT_CHECK(response_events(&t) == 0 && malformed(&t) == 1);
	end_clean(&t);
}

/* Label types 01 and 10 (0x40, 0x80 prefixes) are not names. */
static void test_reserved_label_types(void)
{
	for (unsigned prefix = 0x40; prefix <= 0x80; prefix += 0x40) {
		struct at t;
		dt_header(&m, 1, 0x8180, 1, 0, 0, 0);
		dt_u8(&m, prefix | 1), dt_u8(&m, 'a'), dt_u8(&m, 0);
		dt_u16(&m, 1), dt_u16(&m, 1);
		KT_CHECK(response_events(&t) == 0 && malformed(&t) == 1);
		end_clean(&t);
	}
}

/* 255 octets is the most a name may have: 4 labels of 62 plus 5 = 253
 * octets pass, one more 63-octet label does not. */
static void test_long_names(void)
{
	char label[64];
	struct at t;

	memset(label, 'a', 63);
	for (int extra = 0; extra < 2; extra++) {
		dt_header(&m, 1, 0x8180, 1, 0, 0, 0);
		for (int i = 0; i < 4; i++)
			dt_u8(&m, 62), dt_bytes(&m, label, 62);
		if (extra)
			dt_u8(&m, 63), dt_bytes(&m, label, 63);
		dt_u8(&m, 0), dt_u16(&m, 1), dt_u16(&m, 1);
		KT_CHECK(response_events(&t) == (extra ? 0u : 1u));
		KT_CHECK(malformed(&t) == (extra ? 1u : 0u));
		end_clean(&t);
	}
}

/* Counts far larger than the message, and RRs cut short. */
static void test_counts_and_truncation(void)
{
	struct at t;

	dt_header(&m, 1, 0x8180, 65535, 65535, 65535, 65535);
	dt_question(&m, "a.example", 1);
	KT_CHECK(response_events(&t) == 0 && malformed(&t) == 1);
	end_clean(&t);

	dt_header(&m, 1, 0x8180, 1, 1, 0, 0);
	dt_question(&m, "a.example", 1);
	dt_u16(&m, 0xc00c);
	dt_rr_head(&m, 1, 1, 4);
	dt_u16(&m, 0x0102);                   /* rdlength 4, 2 bytes left */
	KT_CHECK(response_events(&t) == 0 && malformed(&t) == 1);
	end_clean(&t);

	dt_header(&m, 1, 0x8180, 1, 1, 0, 0);
	dt_question(&m, "a.example", 1);
	dt_u16(&m, 0xc00c);
	dt_u16(&m, 1), dt_u16(&m, 1);         /* the fixed part cut short */
	KT_CHECK(response_events(&t) == 0 && malformed(&t) == 1);
	end_clean(&t);

	/* RR data too short for its type: SOA, MX, SRV, SSHFP, empty A. */
	static const unsigned types[] = { 6, 15, 33, 44, 1, 5 };
	for (unsigned k = 0; k < sizeof types / sizeof types[0]; k++) {
		dt_header(&m, 1, 0x8180, 1, 1, 0, 0);
		dt_question(&m, "a.example", 1);
		dt_u16(&m, 0xc00c);
		dt_rr_head(&m, types[k], 1, types[k] == 1 || types[k] == 5 ? 0 : 1);
		if (types[k] != 1 && types[k] != 5)
			dt_u8(&m, 0);
		KT_CHECK(response_events(&t) == 0 && malformed(&t) == 1);
		end_clean(&t);
	}

	/* A CNAME whose name runs to the end of its RR data without a root
	 * label is read up to there (Suricata's reading). */
	dt_header(&m, 1, 0x8180, 1, 1, 0, 0);
	dt_question(&m, "a.example", 1);
	dt_u16(&m, 0xc00c);
	dt_rr_head(&m, 5, 1, 4);
	dt_u8(&m, 3), dt_bytes(&m, "abc", 3);
	KT_CHECK(response_events(&t) == 1);
	KT_CHECK(DT_FIND(&t, "'rrtype':'CNAME','ttl':1,'rdata':'abc'") >= 0);
	end_clean(&t);

	/* Messages shorter than a header, and empty questions. */
	KT_CHECK(at_init(&t, "dns", 17, 40000, 53) == 0);
	at_feed(&t, 0, "\x01\x02\x03", 3);
	dt_header(&m, 1, 0x0100, 1, 0, 0, 0);
	at_feed(&t, 0, m.b, m.n);
	KT_CHECK(dns_events(&t) == 0 && malformed(&t) == 2);
	end_clean(&t);
}

/* TCP: a length larger than the data, then the flow ends. */
static void test_tcp_cut_short(void)
{
	struct at t;
	size_t n;

	KT_CHECK(at_init(&t, "dns", 6, 40000, 53) == 0);
	dt_header(&m, 1, 0x0100, 1, 0, 0, 0);
	dt_question(&m, "a.example", 1);
	n = dt_tcp(&m, seg);
	seg[0] = 0x40;                        /* announces 16k bytes */
	at_feed(&t, 0, seg, n);
	KT_CHECK(dns_events(&t) == 0);
	KT_CHECK(kn_app_ctx_stats(t.ctx)->mem_in_use > 0x4000);
	at_end(&t);
	KT_CHECK(malformed(&t) == 1);
	end_clean(&t);

	/* The same ended by a FIN, and a lone length byte. */
	KT_CHECK(at_init(&t, "dns", 6, 40000, 53) == 0);
	at_feed(&t, 0, seg, n);
	at_eof(&t, 0);
	at_feed(&t, 1, seg, 1);
	at_eof(&t, 1);
	KT_CHECK(malformed(&t) == 2);
	end_clean(&t);
}

/* Two messages fed one byte at a time, with the split everywhere. */
static void test_tcp_bytewise(void)
{
	struct at t;
	size_t n = 0;

	KT_CHECK(at_init(&t, "dns", 6, 40000, 53) == 0);
	dt_header(&m, 5, 0x0100, 1, 0, 0, 0);
	dt_question(&m, "one.example", 1);
	n += dt_tcp(&m, seg + n);
	dt_header(&m, 6, 0x0100, 1, 0, 0, 0);
	dt_question(&m, "two.example", 28);
	n += dt_tcp(&m, seg + n);
	dt_feed_bytewise(&t, 0, seg, n);
	KT_CHECK(DT_FIND(&t, "'rrname':'one.example'", "'tx_id':0") >= 0);
	KT_CHECK(DT_FIND(&t, "'rrname':'two.example','rrtype':'AAAA','tx_id':1") >= 0);
	KT_CHECK(dns_events(&t) == 2 && dt_count(&t, "anomaly") == 0);
	end_clean(&t);
}

/* A 65535-byte response: 4094 A records (16 bytes each) after the
 * question, then padding, over TCP, in one chunk and in 1000-byte chunks. */
static void test_tcp_max_message(void)
{
	for (int chunked = 0; chunked < 2; chunked++) {
		struct at t;
		size_t n;
		unsigned an;

		dt_header(&m, 9, 0x8180, 1, 0, 0, 0);
		dt_question(&m, "big.example", 1);   /* 12 + 17 = 29 bytes */
		an = (unsigned)((65535 - m.n) / 16);
		for (unsigned i = 0; i < an; i++) {
			dt_u16(&m, 0xc00c);
			dt_rr_head(&m, 1, 60, 4);
			dt_u32(&m, 0x0a000000u + i);
		}
		while (m.n < 65535)
			dt_u8(&m, 0);                    /* trailing bytes are ignored */
		m.b[6] = (uint8_t)(an >> 8), m.b[7] = (uint8_t)an;
		n = dt_tcp(&m, seg);
		KT_CHECK(n == 65537);
		KT_CHECK(at_init(&t, "dns", 6, 40000, 53) == 0);
		if (chunked)
			for (size_t off = 0; off < n; off += 1000)
				at_feed(&t, 1, seg + off, n - off < 1000 ? n - off : 1000);
		else
			at_feed(&t, 1, seg, n);
		KT_CHECK(kn_app_ctx_stats(t.ctx)->txs == 1);
		KT_CHECK(dt_count(&t, "'type':'answer','id':9,") == 1);
		KT_CHECK(dt_count(&t, "'rdata':'10.0.15.253'") == 1);
		KT_CHECK(malformed(&t) == 0);
		end_clean(&t);
	}
}

/* A gap: the message in progress is dropped, data is skipped until what
 * looks like a message start, then parsing resumes. */
static void test_tcp_gap(void)
{
	struct at t;
	size_t n;

	KT_CHECK(at_init(&t, "dns", 6, 40000, 53) == 0);
	dt_header(&m, 5, 0x0100, 1, 0, 0, 0);
	dt_question(&m, "one.example", 1);
	n = dt_tcp(&m, seg);
	at_feed(&t, 0, seg, 10);
	at_gap(&t, 0, 100);
	at_feed(&t, 0, "garbage bytes", 13);
	at_feed(&t, 0, seg, n);
	KT_CHECK(dns_events(&t) == 1);
	KT_CHECK(DT_FIND(&t, "'rrname':'one.example'", "'tx_id':0") >= 0);
	end_clean(&t);
}

/* A memcap too small for a TCP message buffer: reported, the message is
 * skipped, the next one (whole in its chunk) is parsed. */
static void test_memcap(void)
{
	struct kn_app_config cfg;
	struct at t;
	size_t n;

	kn_app_config_default(&cfg);
	cfg.memcap = 4096;
	KT_CHECK(at_init_cfg(&t, "dns", 6, 40000, 53, &cfg) == 0);
	dt_header(&m, 5, 0x0100, 1, 0, 0, 0);
	dt_question(&m, "one.example", 1);
	n = dt_tcp(&m, seg);
	seg[0] = 0x20, seg[1] = 0;            /* 8192 bytes announced */
	at_feed(&t, 0, seg, n);
	KT_CHECK(dt_count(&t, "'event':'STATE_MEMCAP_REACHED'") == 1);
	memset(seg, 0, 8192);
	at_feed(&t, 0, seg, 8192 - (n - 2));
	n = dt_tcp(&m, seg);
	at_feed(&t, 0, seg, n);
	KT_CHECK(dns_events(&t) == 1);
	end_clean(&t);
}

/* Unanswered queries: remembered up to 256, one FLOODED event; answers
 * for forgotten queries are still logged. */
static void test_flood(void)
{
	struct at t;

	KT_CHECK(at_init(&t, "dns", 17, 40000, 53) == 0);
	for (unsigned i = 0; i < 600; i++) {
		dt_header(&m, i, 0x0100, 1, 0, 0, 0);
		dt_question(&m, "flood.example", 1);
		at_feed(&t, 0, m.b, m.n);
	}
	KT_CHECK(dt_count(&t, "'event':'FLOODED'") == 1);
	dt_header(&m, 3, 0x8180, 1, 0, 0, 0);
	dt_question(&m, "flood.example", 1);
	at_feed(&t, 1, m.b, m.n);
	KT_CHECK(DT_FIND(&t, "'type':'answer','id':3,") >= 0);
	KT_CHECK(DT_FIND(&t, "'tx_id':599,") >= 0);
	end_clean(&t);
}

/* Every prefix of a response, as UDP datagrams: each cut one is
 * MALFORMED_DATA, only the whole one is logged. */
static void test_every_prefix(void)
{
	struct at t;
	size_t full;

	dt_header(&m, 1, 0x8180, 1, 2, 1, 0);
	dt_question(&m, "www.example.com", 1);
	dt_u16(&m, 0xc00c), dt_rr_head(&m, 5, 60, 2), dt_u16(&m, 0xc010);
	dt_u16(&m, 0xc010), dt_rr_head(&m, 1, 60, 4), dt_u32(&m, 0x5db8d822);
	dt_u16(&m, 0xc010), dt_rr_head(&m, 6, 60, 2 + 2 + 20);
	dt_u16(&m, 0xc010), dt_u16(&m, 0xc010);
	for (int i = 0; i < 5; i++)
		dt_u32(&m, 1000u + (uint32_t)i);
	full = m.n;
	KT_CHECK(at_init(&t, "dns", 17, 40000, 53) == 0);
	for (size_t len = 1; len <= full; len++)
		at_feed(&t, 1, m.b, len);
	KT_CHECK(dns_events(&t) == 1);
	KT_CHECK(malformed(&t) == full - 1);
	KT_CHECK(DT_FIND(&t, "'soa':{'mname':'example.com','rname':'example.com',"
			 "'serial':1000,'refresh':1001,'retry':1002,'expire':1003,"
			 "'minimum':1004}") >= 0);
	end_clean(&t);
}

/* The exchanges of one allocation-failure round: a TCP message split
 * across chunks (its buffer), queries growing the pending list, a long
 * non-UTF-8 NULL record (the writer's heap scratch). */
static void alloc_round(struct at *t)
{
	size_t n;
	uint8_t big[600];

	dt_header(&m, 1, 0x0100, 1, 0, 0, 0);
	dt_question(&m, "split.example", 1);
	n = dt_tcp(&m, seg);
	for (unsigned i = 0; i < 6; i++) {
		seg[3] = (uint8_t)i;                  /* message id */
		at_feed(t, 0, seg, 9);
		at_feed(t, 0, seg + 9, n - 9);
	}
	memset(big, 0xfe, sizeof big);
	dt_header(&m, 1, 0x8180, 1, 1, 0, 0);
	dt_question(&m, "split.example", 10);
	dt_u16(&m, 0xc00c), dt_rr_head(&m, 10, 1, sizeof big), dt_bytes(&m, big, sizeof big);
	n = dt_tcp(&m, seg);
	at_feed(t, 1, seg, n);
}

/* Fails the Nth allocation in turn (test builds with -Dalloc_faults):
 * nothing crashes or leaks, and every byte charged is credited back. */
static void test_alloc_failures(void)
{
	for (unsigned long n = 1; n <= 40; n++) {
		struct at t;
		kn_alloc_fail_at(n);
		if (at_init(&t, "dns", 6, 40000, 53) == 0)
			alloc_round(&t);
		if (t.ctx) {
			if (t.flow.app)
				at_end(&t);
			KT_CHECK(kn_app_ctx_stats(t.ctx)->mem_in_use == 0);
		}
		at_fini(&t);
	}
	kn_alloc_fail_at(0);
}

static const struct kt_case cases[] = {
	KT_CASE(test_pointer_loops),
	KT_CASE(test_pointers_forward_and_out),
	KT_CASE(test_reserved_label_types),
	KT_CASE(test_long_names),
	KT_CASE(test_counts_and_truncation),
	KT_CASE(test_tcp_cut_short),
	KT_CASE(test_tcp_bytewise),
	KT_CASE(test_tcp_max_message),
	KT_CASE(test_tcp_gap),
	KT_CASE(test_memcap),
	KT_CASE(test_flood),
	KT_CASE(test_every_prefix),
	KT_CASE(test_alloc_failures),
};
KT_MAIN("app_dns_hostile", cases)
