/*
 * test_dns_log.c - the DNS event bodies written in runs (members formatted
 * as text and handed to the writer in one call, see src/app/app_run.h)
 * next to values the writer's calls write (escaped names, long data,
 * SSHFP/SRV): the same text whichever way, across the runs' flushes; owner
 * names decoded once per response (a name shared by pointers); queries of
 * more questions than the dns.query buffer keeps.
 */
#include "../../../kt.h"
#include "dns_test.h"

/* The text of one answer object as the writer writes it (plain values). */
static void want_a(char *out, size_t cap, const char *owner, uint32_t ttl, unsigned last)
{
	snprintf(out, cap,
		 "{\"rrname\":\"%s\",\"rrtype\":\"A\",\"ttl\":%u,\"rdata\":\"10.0.%u.%u\"}", owner,
		 ttl, last / 256, last % 256);
}

/* 300 A records: the run is flushed many times; every object, the
 * grouped list and its order are as one writer call per member gives. */
static void test_many_answers(void)
{
	static struct dt_msg m;
	static char grouped[300 * 20 + 64];
	struct at t;
	char want[256];
	size_t g = 0;

	KT_REQUIRE(at_init(&t, "dns", 17, 40000, 53) == 0);
	dt_header(&m, 77, 0x8180, 1, 300, 0, 0);
	dt_question(&m, "many.example.org", 1);
	g += (size_t)snprintf(grouped + g, sizeof grouped - g, "\"grouped\":{\"A\":[");
	for (unsigned i = 0; i < 300; i++) {
		dt_u16(&m, 0xc00c);
		dt_rr_head(&m, 1, 60 + i, 4);
		dt_u8(&m, 10), dt_u8(&m, 0), dt_u8(&m, i / 256), dt_u8(&m, i % 256);
		g += (size_t)snprintf(grouped + g, sizeof grouped - g, "%s\"10.0.%u.%u\"",
				      i ? "," : "", i / 256, i % 256);
	}
	snprintf(grouped + g, sizeof grouped - g, "]}");
	at_feed(&t, 1, m.b, m.n);
	KT_REQUIRE(t.n == 1);
	KT_CHECK(strstr(t.ev[0], "\"dns\":{\"version\":2,\"type\":\"answer\",\"id\":77,"
				 "\"flags\":\"8180\",\"qr\":true,\"rd\":true,\"ra\":true,"
				 "\"opcode\":0,\"rrname\":\"many.example.org\",\"rrtype\":\"A\","
				 "\"rcode\":\"NOERROR\",\"answers\":[{") != NULL);
	for (unsigned i = 0; i < 300; i++) {
		want_a(want, sizeof want, "many.example.org", 60 + i, i);
		KT_CHECK(strstr(t.ev[0], want) != NULL);
	}
	want_a(want, sizeof want, "many.example.org", 60 + 298, 298);
	KT_CHECK(strstr(t.ev[0], want) != NULL);
	KT_CHECK(strstr(t.ev[0], grouped) != NULL);
	KT_CHECK(at_count(&t, "},{\"rrname\"") == 1);   /* one line holds them all */
	KT_CHECK(!t.bad_json);
	at_fini(&t);
}

/* Plain and escaped owner names and data in one response: each object is
 * written whole one way or the other, in order, with the commas right. */
static void test_plain_and_escaped(void)
{
	struct at t;
	struct dt_msg m;
	size_t p_quote, p_high;

	KT_REQUIRE(at_init(&t, "dns", 17, 40000, 53) == 0);
	dt_header(&m, 5, 0x8180, 1, 5, 1, 0);
	dt_question(&m, "q.example", 16);
	/* 1: plain owner (the question), TXT with a quote: escaped */
	dt_u16(&m, 0xc00c);
	dt_rr_head(&m, 16, 1, 4);
	dt_u8(&m, 3), dt_bytes(&m, "a\"b", 3);
	/* 2: an owner with a quote (the writer escapes it) */
	p_quote = m.n;
	dt_u8(&m, 3), dt_bytes(&m, "x\"y", 3), dt_u16(&m, 0xc00c);
	dt_rr_head(&m, 1, 2, 4);
	dt_u8(&m, 1), dt_u8(&m, 2), dt_u8(&m, 3), dt_u8(&m, 4);
	/* 3: plain again, a pointer to the question */
	dt_u16(&m, 0xc00c);
	dt_rr_head(&m, 1, 3, 4);
	dt_u8(&m, 5), dt_u8(&m, 6), dt_u8(&m, 7), dt_u8(&m, 8);
	/* 4: an owner byte >= 0x80, not UTF-8: \xNN */
	p_high = m.n;
	dt_u8(&m, 2), dt_bytes(&m, "\xfe" "z", 2), dt_u16(&m, 0xc00c);
	dt_rr_head(&m, 5, 4, 2);
	dt_u16(&m, 0xc000 | (unsigned)p_quote);   /* CNAME to record 2's owner */
	/* 5: owner is record 2's (pointer), plain TXT */
	dt_u16(&m, 0xc000 | (unsigned)p_quote);
	dt_rr_head(&m, 16, 5, 3);
	dt_u8(&m, 2), dt_bytes(&m, "ok", 2);
	/* authority: SOA whose names are plain */
	dt_u16(&m, 0xc000 | (unsigned)(p_high + 3));   /* "q.example" via record 4 */
	dt_rr_head(&m, 6, 6, 2 + 2 + 20);
	dt_u16(&m, 0xc00c), dt_u16(&m, 0xc00c);
	for (unsigned i = 1; i <= 5; i++)
		dt_u32(&m, i);
	at_feed(&t, 1, m.b, m.n);
	KT_REQUIRE(t.n == 1);
	KT_CHECK(DT_FIND(&t, "'rrname':'q.example','rrtype':'TXT','rcode':'NOERROR',"
			 "'answers':[{'rrname':'q.example','rrtype':'TXT','ttl':1,"
			 "'rdata':'a\\\"b'},{'rrname':'x\\\"y.q.example','rrtype':'A','ttl':2,"
			 "'rdata':'1.2.3.4'},{'rrname':'q.example','rrtype':'A','ttl':3,"
			 "'rdata':'5.6.7.8'},{'rrname':'\\\\xfez.q.example','rrtype':'CNAME',"
			 "'ttl':4,'rdata':'x\\\"y.q.example'},{'rrname':'x\\\"y.q.example',"
			 "'rrtype':'TXT','ttl':5,'rdata':'ok'}],'grouped':{'TXT':['a\\\"b','ok'],"
			 "'A':['1.2.3.4','5.6.7.8'],'CNAME':['x\\\"y.q.example']},"
			 "'authorities':[{'rrname':'q.example','rrtype':'SOA','ttl':6,'soa':"
			 "{'mname':'q.example','rname':'q.example','serial':1,'refresh':2,"
			 "'retry':3,'expire':4,'minimum':5}}]}}") >= 0);
	KT_CHECK(!t.bad_json);
	at_fini(&t);
}

/* Long values: a 255-byte TXT string and 600 bytes of NULL data (longer
 * than a run takes: written by the writer's call), then a plain record. */
static void test_long_values(void)
{
	static struct dt_msg m;
	static char want[2048];
	char txt[256], nul[601];
	struct at t;

	memset(txt, 't', 255), txt[255] = 0;
	memset(nul, 'n', 600), nul[600] = 0;
	KT_REQUIRE(at_init(&t, "dns", 17, 40000, 53) == 0);
	dt_header(&m, 6, 0x8180, 1, 3, 0, 0);
	dt_question(&m, "long.example", 255);
	dt_u16(&m, 0xc00c);
	dt_rr_head(&m, 16, 1, 256);
	dt_u8(&m, 255), dt_bytes(&m, txt, 255);
	dt_u16(&m, 0xc00c);
	dt_rr_head(&m, 10, 2, 600);
	dt_bytes(&m, nul, 600);
	dt_u16(&m, 0xc00c);
	dt_rr_head(&m, 1, 3, 4);
	dt_u8(&m, 9), dt_u8(&m, 9), dt_u8(&m, 9), dt_u8(&m, 9);
	at_feed(&t, 1, m.b, m.n);
	KT_REQUIRE(t.n == 1);
	snprintf(want, sizeof want,
		 "\"answers\":[{\"rrname\":\"long.example\",\"rrtype\":\"TXT\",\"ttl\":1,"
		 "\"rdata\":\"%s\"},{\"rrname\":\"long.example\",\"rrtype\":\"NULL\",\"ttl\":2,"
		 "\"rdata\":\"%s\"},{\"rrname\":\"long.example\",\"rrtype\":\"A\",\"ttl\":3,"
		 "\"rdata\":\"9.9.9.9\"}],\"grouped\":{\"TXT\":[\"%s\"],\"NULL\":[\"%s\"],"
		 "\"A\":[\"9.9.9.9\"]}}",
		 txt, nul, txt, nul);
	KT_CHECK(strstr(t.ev[0], want) != NULL);
	KT_CHECK(strstr(t.ev[0], "\"rrname\":\"long.example\",\"rrtype\":\"ANY\"") != NULL);
	KT_CHECK(!t.bad_json);
	at_fini(&t);
}

/* A query of 20 questions: 20 events with their names and types (the
 * first 16 decoded while the query was parsed, the rest when logged). */
static void test_many_questions(void)
{
	struct at t;
	struct dt_msg m;
	char name[32], want[128];

	KT_REQUIRE(at_init(&t, "dns", 17, 40000, 53) == 0);
	dt_header(&m, 88, 0x0100, 20, 0, 0, 0);
	for (unsigned i = 0; i < 20; i++) {
		snprintf(name, sizeof name, "h%u.example", i);
		dt_question(&m, name, i % 2 ? 28 : 1);
	}
	at_feed(&t, 0, m.b, m.n);
	KT_REQUIRE(t.n == 20);
	for (unsigned i = 0; i < 20; i++) {
		snprintf(want, sizeof want,
			 "\"dns\":{\"type\":\"query\",\"id\":88,\"rrname\":\"h%u.example\","
			 "\"rrtype\":\"%s\",\"tx_id\":0,\"opcode\":0}}",
			 i, i % 2 ? "AAAA" : "A");
		KT_CHECK(strstr(t.ev[i], want) != NULL);
	}
	KT_CHECK(!t.bad_json);
	at_fini(&t);
}

/* Many responses on one flow, each with a new question: the owner name of
 * one response is never taken for the next one's. */
static void test_owner_names_per_response(void)
{
	struct at t;
	struct dt_msg m;
	char name[32], want[160];

	KT_REQUIRE(at_init(&t, "dns", 17, 40000, 53) == 0);
	for (unsigned i = 0; i < 5; i++) {
		snprintf(name, sizeof name, "n%u.example", i);
		dt_header(&m, 100 + i, 0x0100, 1, 0, 0, 0);
		dt_question(&m, name, 1);
		at_feed(&t, 0, m.b, m.n);
		m.b[2] = 0x81, m.b[3] = 0x80, m.b[7] = 1;   /* the response, one answer */
		dt_u16(&m, 0xc00c);
		dt_rr_head(&m, 1, 7, 4);
		dt_u8(&m, 192), dt_u8(&m, 0), dt_u8(&m, 2), dt_u8(&m, i);
		at_feed(&t, 1, m.b, m.n);
		snprintf(want, sizeof want,
			 "\"answers\":[{\"rrname\":\"%s\",\"rrtype\":\"A\",\"ttl\":7,"
			 "\"rdata\":\"192.0.2.%u\"}]",
			 name, i);
		KT_CHECK(at_find(&t, want) >= 0);
	}
	KT_CHECK(at_count(&t, "\"type\":\"answer\"") == 5);
	KT_CHECK(!t.bad_json);
	at_fini(&t);
}

static const struct kt_case cases[] = {
	KT_CASE(test_many_answers),
	KT_CASE(test_plain_and_escaped),
	KT_CASE(test_long_values),
	KT_CASE(test_many_questions),
	KT_CASE(test_owner_names_per_response),
};

KT_MAIN("app_dns_log", cases)
