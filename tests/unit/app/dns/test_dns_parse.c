/*
 * test_dns_parse.c - the DNS parser on real messages: EVE bodies in
 * Suricata 7's version 2 format (queries, answers with CNAME chains, A,
 * AAAA, MX, TXT, SOA authorities, NXDOMAIN, SRV, SSHFP, PTR, NS, unlogged
 * types), over UDP and TCP, transaction numbering, event directions,
 * anomalies, name escaping, the dns.query buffers and the probe.
 *
 * Messages marked "capture" are packet payloads copied from the
 * suricata-verify captures in shared/data (cond-log-dns-dig,
 * dns-udp-nxdomain-soa, dns-udp-google.com-a-aaaa-mx, dns-udp-eve-txt,
 * dns-tcp-www-google-com); the expected bodies are what Suricata 7.0.4
 * logged for them.
 */
#include "../../../kt.h"
#include "dns_test.h"

/* capture: dig www.suricata-ids.org A, and its answer (CNAME then two A). */
static const char dig_q[] =
	"8d3201200001000000000001037777770c73757269636174612d696473036f726700000100010000291000"
	"000000000000";
static const char dig_r[] =
	"8d3281a00001000300000000037777770c73757269636174612d696473036f72670000010001c00c000500"
	"0100000dd800120c73757269636174612d696473036f726700c03200010001000000f40004c0004e18c032"
	"00010001000000f40004c0004e19";
/* capture: dne.oisf.net A -> NXDOMAIN with the zone's SOA. */
static const char nx_q[] =
	"82950120000100000000000103646e65046f697366036e65740000010001000029100000000000000c000a"
	"0008a4f5228c58c6180a";
static const char nx_r[] =
	"82958183000100000001000103646e65046f697366036e65740000010001c01000060001000003830045066e"
	"732d31313009617773646e732d313303636f6d0011617773646e732d686f73746d617374657206616d617a6f"
	"6ec03b0000000100001c200000038400127500000151800000290200000000000000";
/* capture: google.com AAAA, MX and TXT answers. */
static const char aaaa_r[] =
	"8d708180000100010000000106676f6f676c6503636f6d00001c0001c00c001c00010000012b00102607f8b0"
	"400f0801000000000000200e0000290200000000000000";
static const char mx_r[] =
	"56168180000100050000000106676f6f676c6503636f6d00000f0001c00c000f000100000257000c000a0561"
	"73706d78016cc00cc00c000f0001000002570009001404616c7431c02ac00c000f0001000002570009001e04"
	"616c7432c02ac00c000f0001000002570009002804616c7433c02ac00c000f0001000002570009003204616c"
	"7434c02a0000290200000000000000";
static const char txt_r[] =
	"6e538180000100010000000106676f6f676c6503636f6d0000100001c00c0010000100000c91002423763d73"
	"70663120696e636c7564653a5f7370662e676f6f676c652e636f6d207e616c6c0000291000000000000000";
/* capture: www.google.com A over TCP (length-prefixed), 12 A answers. */
static const char tcp_q[] =
	"00375f78012000010000000000010377777706676f6f676c6503636f6d0000010001000029100000000000"
	"000c000a00085a760730fb2b37d5";
static const char tcp_r[] =
	"00eb5f7881800001000c000000010377777706676f6f676c6503636f6d0000010001c00c00010001000000"
	"080004d8c5f2f4c00c00010001000000080004d8c5f2e0c00c00010001000000080004d8c5f2eec00c0001"
	"0001000000080004d8c5f2d2c00c00010001000000080004d8c5f2e6c00c00010001000000080004d8c5f2"
	"dfc00c00010001000000080004d8c5f2f5c00c00010001000000080004d8c5f2e7c00c0001000100000008"
	"0004d8c5f2fbc00c00010001000000080004d8c5f2edc00c00010001000000080004d8c5f2d9c00c000100"
	"01000000080004d8c5f2d80000290200000000000000";

static uint8_t buf[70000];

static void feed_hex(struct at *t, int dir, const char *hex)
{
	size_t n = dt_unhex(hex, buf, sizeof buf);
	at_feed(t, dir, buf, n);
}

/* Detected by content on port 53; query and answer bodies as Suricata's. */
static void test_udp_dig_cname(void)
{
	struct at t;
	KT_REQUIRE(at_init(&t, NULL, 17, 41805, 53) == 0);
	feed_hex(&t, 0, dig_q);
	feed_hex(&t, 1, dig_r);
	KT_CHECK(dt_count(&t, "'event_type':'dns'") == 2);
	KT_CHECK(DT_FIND(&t, "'src_ip':'10.0.0.1','src_port':41805,'dest_ip':'10.0.0.2',"
			     "'dest_port':53,'proto':'UDP'",
			 "'dns':{'type':'query','id':36146,'rrname':'www.suricata-ids.org',"
			 "'rrtype':'A','tx_id':0,'opcode':0}}") == 0);
	/* The answer is written from the client's side too, as Suricata 7 does. */
	KT_CHECK(DT_FIND(&t, "'src_ip':'10.0.0.1','src_port':41805",
			 "'dns':{'version':2,'type':'answer','id':36146,'flags':'81a0',"
			 "'qr':true,'rd':true,'ra':true,'opcode':0,"
			 "'rrname':'www.suricata-ids.org','rrtype':'A','rcode':'NOERROR',"
			 "'answers':[{'rrname':'www.suricata-ids.org',"
			 "'rrtype':'CNAME','ttl':3544,'rdata':'suricata-ids.org'},{'rrname':"
			 "'suricata-ids.org','rrtype':'A','ttl':244,'rdata':'192.0.78.24'},"
			 "{'rrname':'suricata-ids.org','rrtype':'A','ttl':244,'rdata':"
			 "'192.0.78.25'}],'grouped':{'CNAME':['suricata-ids.org'],'A':["
			 "'192.0.78.24','192.0.78.25']}}}") == 1);
	KT_CHECK(dt_count(&t, "'tx_id'") == 1);   /* only inside the query's dns object */
	KT_CHECK(!t.bad_json);
	at_end(&t);
	KT_CHECK(t.app_proto && strcmp(t.app_proto, "dns") == 0);
	KT_CHECK(kn_app_ctx_stats(t.ctx)->mem_in_use == 0);
	at_fini(&t);
}

/* capture: two questions, the first a pointer forward to the second. */
static void test_forward_pointer_query(void)
{
	struct at t;
	KT_REQUIRE(at_init(&t, NULL, 17, 51721, 53) == 0);
	feed_hex(&t, 0, "8e0401000002000000000000c012000100010a636f64656d6f6e6b6579036e657400"
		     "00010001");
	KT_CHECK(dt_count(&t, "'dns':{'type':'query','id':36356,'rrname':"
			  "'codemonkey.net','rrtype':'A','tx_id':0,'opcode':0}") == 2);
	at_fini(&t);
}

static void test_udp_nxdomain_soa(void)
{
	struct at t;
	KT_REQUIRE(at_init(&t, "dns", 17, 59465, 53) == 0);
	feed_hex(&t, 0, nx_q);
	feed_hex(&t, 1, nx_r);
	KT_CHECK(DT_FIND(&t, "'dns':{'version':2,'type':'answer','id':33429,'flags':'8183',"
			 "'qr':true,'rd':true,'ra':true,'opcode':0,'rrname':'dne.oisf.net',"
			 "'rrtype':'A','rcode':'NXDOMAIN','authorities':[{'rrname':'oisf.net',"
			 "'rrtype':'SOA','ttl':899,'soa':{'mname':'ns-110.awsdns-13.com',"
			 "'rname':'awsdns-hostmaster.amazon.com','serial':1,'refresh':7200,"
			 "'retry':900,'expire':1209600,'minimum':86400}}]}}") >= 0);
	at_fini(&t);
}

static void test_udp_aaaa_mx_txt(void)
{
	struct at t;
	KT_REQUIRE(at_init(&t, "dns", 17, 45421, 53) == 0);
	/* Responses without their queries are logged all the same. */
	feed_hex(&t, 1, aaaa_r);
	feed_hex(&t, 1, mx_r);
	feed_hex(&t, 1, txt_r);
	KT_CHECK(dt_count(&t, "'type':'answer'") == 3);
	KT_CHECK(DT_FIND(&t, "'answers':[{'rrname':'google.com','rrtype':'AAAA','ttl':299,"
			 "'rdata':'2607:f8b0:400f:0801:0000:0000:0000:200e'}],'grouped':{'AAAA':"
			 "['2607:f8b0:400f:0801:0000:0000:0000:200e']}}") >= 0);
	KT_CHECK(DT_FIND(&t, "'rrtype':'MX','rcode':'NOERROR','answers':[{'rrname':"
			 "'google.com','rrtype':'MX','ttl':599,'rdata':'aspmx.l.google.com'},",
			 "'grouped':{'MX':['aspmx.l.google.com','alt1.aspmx.l.google.com',"
			 "'alt2.aspmx.l.google.com','alt3.aspmx.l.google.com',"
			 "'alt4.aspmx.l.google.com']}") >= 0);
	KT_CHECK(DT_FIND(&t, "{'rrname':'google.com','rrtype':'TXT','ttl':3217,'rdata':"
			 "'v=spf1 include:_spf.google.com ~all'}],'grouped':{'TXT':"
			 "['v=spf1 include:_spf.google.com ~all']}") >= 0);
	at_fini(&t);
}

/* TCP: the whole exchange at once, then one byte at a time: same events. */
static void run_tcp(int bytewise, struct at *t)
{
	uint8_t q[256], r[512];
	size_t nq = dt_unhex(tcp_q, q, sizeof q), nr = dt_unhex(tcp_r, r, sizeof r);

	if (bytewise) {
		dt_feed_bytewise(t, 0, q, nq);
		dt_feed_bytewise(t, 1, r, nr);
	} else {
		at_feed(t, 0, q, nq);
		at_feed(t, 1, r, nr);
	}
}

static void test_tcp(void)
{
	for (int bytewise = 0; bytewise < 2; bytewise++) {
		struct at t;
		KT_REQUIRE(at_init(&t, NULL, 6, 38195, 53) == 0);
		run_tcp(bytewise, &t);
		KT_CHECK(dt_count(&t, "'event_type':'dns'") == 2);
		KT_CHECK(DT_FIND(&t, "'proto':'TCP'", "'type':'query','id':24440,"
				 "'rrname':'www.google.com','rrtype':'A','tx_id':0") >= 0);
		KT_CHECK(dt_count(&t, "'rrtype':'A','ttl':8,'rdata':'216.197.242.") == 1);
		KT_CHECK(DT_FIND(&t, "'grouped':{'A':['216.197.242.244','216.197.242.224',"
				 "'216.197.242.238','216.197.242.210','216.197.242.230',"
				 "'216.197.242.223','216.197.242.245','216.197.242.231',"
				 "'216.197.242.251','216.197.242.237','216.197.242.217',"
				 "'216.197.242.216']}") >= 0);
		at_eof(&t, 0);
		at_eof(&t, 1);
		at_end(&t);
		KT_CHECK(dt_count(&t, "anomaly") == 0);
		KT_CHECK(kn_app_ctx_stats(t.ctx)->mem_in_use == 0);
		at_fini(&t);
	}
}

/* Several messages in one TCP chunk, and one split across chunks. */
static void test_tcp_several_per_chunk(void)
{
	struct at t;
	struct dt_msg m;
	uint8_t seg[4096];
	size_t n = 0;

	KT_REQUIRE(at_init(&t, "dns", 6, 40000, 53) == 0);
	for (unsigned i = 0; i < 3; i++) {
		char name[32];
		snprintf(name, sizeof name, "host%u.example.org", i);
		dt_header(&m, 100 + i, 0x0100, 1, 0, 0, 0);
		dt_question(&m, name, 1);
		n += dt_tcp(&m, seg + n);
	}
	at_feed(&t, 0, seg, n - 5);
	KT_CHECK(dt_count(&t, "'type':'query'") == 2);
	at_feed(&t, 0, seg + n - 5, 5);
	KT_CHECK(DT_FIND(&t, "'id':102,'rrname':'host2.example.org','rrtype':'A',"
			 "'tx_id':2") >= 0);
	/* An empty message (length 0) is skipped. */
	seg[0] = seg[1] = 0;
	at_feed(&t, 0, seg, 2);
	KT_CHECK(dt_count(&t, "anomaly") == 0);
	at_fini(&t);
}

/* tx_id numbers every message of the flow, queries and responses alike. */
static void test_tx_ids(void)
{
	struct at t;
	struct dt_msg q1, q2, r1, r2;

	KT_REQUIRE(at_init(&t, "dns", 17, 36142, 53) == 0);
	dt_header(&q1, 2248, 0x0100, 1, 0, 0, 0);
	dt_question(&q1, "0.debian.pool.ntp.org", 1);
	dt_header(&q2, 39310, 0x0100, 1, 0, 0, 0);
	dt_question(&q2, "0.debian.pool.ntp.org", 28);
	r1 = q1;
	r1.b[2] = 0x81, r1.b[3] = 0x80;
	r2 = q2;
	r2.b[2] = 0x81, r2.b[3] = 0x80;
	at_feed(&t, 0, q1.b, q1.n);
	at_feed(&t, 0, q2.b, q2.n);
	at_feed(&t, 1, r1.b, r1.n);
	at_feed(&t, 1, r2.b, r2.n);
	at_feed(&t, 0, q1.b, q1.n);
	KT_CHECK(DT_FIND(&t, "'id':2248,'rrname':'0.debian.pool.ntp.org','rrtype':'A',"
			 "'tx_id':0") == 0);
	KT_CHECK(DT_FIND(&t, "'id':39310,'rrname':'0.debian.pool.ntp.org','rrtype':'AAAA',"
			 "'tx_id':1") == 1);
	KT_CHECK(DT_FIND(&t, "'type':'answer','id':2248,'flags':'8180'") == 2);
	KT_CHECK(DT_FIND(&t, "'type':'answer','id':39310") == 3);
	KT_CHECK(DT_FIND(&t, "'id':2248,", "'tx_id':4") == 4);
	/* No answers: neither "answers" nor "grouped". */
	KT_CHECK(dt_count(&t, "'answers'") == 0 && dt_count(&t, "'grouped'") == 0);
	at_fini(&t);
}

/* Z bit: logged as "z" before "opcode" and reported; opcode 9 too. */
static void test_z_flag_and_opcode(void)
{
	struct at t;
	struct dt_msg m;

	KT_REQUIRE(at_init(&t, "dns", 17, 42150, 53) == 0);
	dt_header(&m, 1, 0x0140, 1, 0, 0, 0);
	dt_question(&m, "www.google.com", 1);
	at_feed(&t, 0, m.b, m.n);
	KT_CHECK(DT_FIND(&t, "'tx_id':0,'z':true,'opcode':0}") >= 0);
	KT_CHECK(DT_FIND(&t, "'event':'Z_FLAG_SET'") >= 0);
	dt_header(&m, 2, 0x4800, 1, 0, 0, 0);
	dt_question(&m, "suricata.io", 1);
	at_feed(&t, 0, m.b, m.n);
	KT_CHECK(DT_FIND(&t, "'id':2,", "'opcode':9}") >= 0);
	KT_CHECK(DT_FIND(&t, "'event':'INVALID_OPCODE'") >= 0);
	dt_header(&m, 2, 0xc840, 1, 0, 0, 0);
	dt_question(&m, "suricata.io", 1);
	at_feed(&t, 1, m.b, m.n);
	KT_CHECK(DT_FIND(&t, "'flags':'c840','qr':true,'z':true,'opcode':9,") >= 0);
	at_fini(&t);
}

/* A flow whose first message is a response: the client is the other side,
 * and the answer is written from the client's side. */
static void test_reversed(void)
{
	struct at t;

	KT_REQUIRE(at_init(&t, NULL, 17, 53, 41805) == 0);
	feed_hex(&t, 0, dig_r);
	KT_CHECK(DT_FIND(&t, "'src_ip':'10.0.0.2','src_port':41805,'dest_ip':'10.0.0.1',"
			 "'dest_port':53", "'type':'answer'") == 0);
	feed_hex(&t, 1, dig_q);
	KT_CHECK(DT_FIND(&t, "'src_ip':'10.0.0.2'", "'type':'query'", "'tx_id':1") == 1);
	at_end(&t);
	KT_CHECK(t.app_proto && strcmp(t.app_proto, "dns") == 0);
	at_fini(&t);
}

/* A response from the client's side, a query from the server's side. */
static void test_wrong_direction(void)
{
	struct at t;
	uint8_t r[512];
	size_t n = dt_unhex(dig_r, r, sizeof r);

	KT_REQUIRE(at_init(&t, "dns", 17, 41805, 53) == 0);
	feed_hex(&t, 0, dig_q);
	at_feed(&t, 0, r, n);
	KT_CHECK(DT_FIND(&t, "'event':'NOT_A_REQUEST'", "'src_ip':'10.0.0.1'") >= 0);
	feed_hex(&t, 1, dig_q);
	KT_CHECK(DT_FIND(&t, "'event':'NOT_A_RESPONSE'", "'src_ip':'10.0.0.2'") >= 0);
	KT_CHECK(dt_count(&t, "'event_type':'dns'") == 1);
	/* Rejected messages are no transactions: the next one is tx 1. */
	feed_hex(&t, 0, dig_q);
	KT_CHECK(DT_FIND(&t, "'type':'query'", "'tx_id':1") >= 0);
	at_fini(&t);
}

/* Between equal ports (mDNS 5353-5353, servers on 53-53) one side asks
 * and answers: the QR bit decides, nothing is reported. */
static void test_equal_ports(void)
{
	struct at t;
	struct dt_msg m;

	KT_REQUIRE(at_init(&t, NULL, 17, 5353, 5353) == 0);
	dt_header(&m, 0, 0x0000, 1, 0, 0, 0);
	dt_question(&m, "printer.local", 1);
	at_feed(&t, 0, m.b, m.n);
	dt_header(&m, 0, 0x8400, 1, 1, 0, 0);
	dt_question(&m, "printer.local", 1);
	dt_u16(&m, 0xc00c), dt_rr_head(&m, 1, 120, 4), dt_u32(&m, 0xc0a80105);
	at_feed(&t, 0, m.b, m.n);
	KT_CHECK(dt_count(&t, "anomaly") == 0);
	KT_CHECK(DT_FIND(&t, "'src_ip':'10.0.0.1'", "'type':'query','id':0,"
			 "'rrname':'printer.local'") == 0);
	KT_CHECK(DT_FIND(&t, "'src_ip':'10.0.0.2'", "'type':'answer'",
			 "'rdata':'192.168.1.5'", "'tx_id'") == -1);
	KT_CHECK(DT_FIND(&t, "'src_ip':'10.0.0.2'", "'type':'answer'",
			 "'rdata':'192.168.1.5'") == 1);
	at_fini(&t);
}

/* A response without a question is a transaction that logs nothing. */
static void test_response_without_question(void)
{
	struct at t;
	struct dt_msg m;

	KT_REQUIRE(at_init(&t, "dns", 17, 40000, 53) == 0);
	dt_header(&m, 7, 0x0100, 1, 0, 0, 0);
	dt_question(&m, "a.example", 1);
	at_feed(&t, 0, m.b, m.n);
	dt_header(&m, 7, 0x8105, 0, 0, 0, 0);
	at_feed(&t, 1, m.b, m.n);
	KT_CHECK(dt_count(&t, "'type':'answer'") == 0);
	dt_header(&m, 8, 0x0100, 1, 0, 0, 0);
	dt_question(&m, "b.example", 1);
	at_feed(&t, 0, m.b, m.n);
	KT_CHECK(DT_FIND(&t, "'rrname':'b.example'", "'tx_id':2") >= 0);
	at_fini(&t);
}

/* A hand-made response: SRV, SSHFP, PTR, NS, NULL, an A of odd length, an
 * HTTPS RR (type named, data not logged) and type 257 (a number). */
static void test_other_types(void)
{
	struct at t;
	struct dt_msg m;
	static const uint8_t fp[] = { 0x19, 0x8c, 0x34, 0xa9 };

	KT_REQUIRE(at_init(&t, "dns", 17, 40000, 53) == 0);
	dt_header(&m, 0x1234, 0x8580, 1, 7, 1, 0);
	dt_question(&m, "_sip._tcp.example.com", 33);
	dt_u16(&m, 0xc00c);                       /* SRV 10 60 5060 sip.example.com */
	dt_rr_head(&m, 33, 300, 6 + 6);
	dt_u16(&m, 10), dt_u16(&m, 60), dt_u16(&m, 5060);
	dt_u8(&m, 3), dt_bytes(&m, "sip", 3), dt_u16(&m, 0xc000 | 22);
	dt_u16(&m, 0xc00c);                       /* SSHFP 1 1 198c34a9 */
	dt_rr_head(&m, 44, 60, 2 + sizeof fp);
	dt_u8(&m, 1), dt_u8(&m, 1), dt_bytes(&m, fp, sizeof fp);
	dt_u16(&m, 0xc00c);                       /* PTR host.example.com */
	dt_rr_head(&m, 12, 60, 7);
	dt_u8(&m, 4), dt_bytes(&m, "host", 4), dt_u16(&m, 0xc000 | 22);
	dt_u16(&m, 0xc00c);                       /* NULL: bytes 00 ff 41 */
	dt_rr_head(&m, 10, 0, 3);
	dt_u8(&m, 0), dt_u8(&m, 0xff), dt_u8(&m, 'A');
	dt_u16(&m, 0xc00c);                       /* A with 3 bytes: logged as "" */
	dt_rr_head(&m, 1, 5, 3);
	dt_u8(&m, 1), dt_u8(&m, 2), dt_u8(&m, 3);
	dt_u16(&m, 0xc00c);                       /* HTTPS: not logged */
	dt_rr_head(&m, 65, 129, 3);
	dt_u16(&m, 1), dt_u8(&m, 0);
	dt_u16(&m, 0xc00c);                       /* CAA (257) */
	dt_rr_head(&m, 257, 1, 2);
	dt_u16(&m, 0x0005);
	dt_u16(&m, 0xc000 | 22);                  /* authority: example.com NS ns1.example.com */
	dt_rr_head(&m, 2, 86400, 6);
	dt_u8(&m, 3), dt_bytes(&m, "ns1", 3), dt_u16(&m, 0xc000 | 22);
	at_feed(&t, 1, m.b, m.n);
	KT_CHECK(DT_FIND(&t, "'flags':'8580','qr':true,'aa':true,'rd':true,'ra':true,"
			 "'opcode':0,'rrname':'_sip._tcp.example.com','rrtype':'SRV'") >= 0);
	KT_CHECK(DT_FIND(&t, "{'rrname':'_sip._tcp.example.com','rrtype':'SRV','ttl':300,"
			 "'srv':{'priority':10,'weight':60,'port':5060,'name':"
			 "'sip.example.com'}}") >= 0);
	KT_CHECK(DT_FIND(&t, "'rrtype':'SSHFP','ttl':60,'sshfp':{'fingerprint':"
			 "'19:8c:34:a9','algo':1,'type':1}}") >= 0);
	KT_CHECK(DT_FIND(&t, "'rrtype':'PTR','ttl':60,'rdata':'host.example.com'}") >= 0);
	KT_CHECK(DT_FIND(&t, "'rrtype':'NULL','ttl':0,'rdata':'\\u0000\\\\xffA'}") >= 0);
	KT_CHECK(DT_FIND(&t, "'rrtype':'A','ttl':5,'rdata':''}") >= 0);
	KT_CHECK(DT_FIND(&t, "{'rrname':'_sip._tcp.example.com','rrtype':'HTTPS',"
			 "'ttl':129},{'rrname':'_sip._tcp.example.com','rrtype':'257',"
			 "'ttl':1}]") >= 0);
	KT_CHECK(DT_FIND(&t, "'grouped':{'SRV':[{'priority':10,'weight':60,'port':5060,"
			 "'name':'sip.example.com'}],'SSHFP':[{'fingerprint':'19:8c:34:a9',"
			 "'algo':1,'type':1}],'PTR':['host.example.com'],'NULL':"
			 "['\\u0000\\\\xffA'],'A':['']}") >= 0);
	KT_CHECK(DT_FIND(&t, "'authorities':[{'rrname':'example.com','rrtype':'NS',"
			 "'ttl':86400,'rdata':'ns1.example.com'}]}}") >= 0);
	KT_CHECK(!t.bad_json);
	at_fini(&t);
}

/* Names: valid UTF-8 as is, otherwise bytes >= 0x80 as \xNN; controls
 * JSON-escaped; a TXT RR of several strings is one entry per string. */
static void test_escaping_and_txt(void)
{
	struct at t;
	struct dt_msg m;

	KT_REQUIRE(at_init(&t, "dns", 17, 40000, 53) == 0);
	dt_header(&m, 9, 0x0100, 1, 0, 0, 0);
	dt_u8(&m, 4), dt_bytes(&m, "a\xff\x01z", 4);
	dt_u8(&m, 3), dt_bytes(&m, "caf", 3);
	dt_u8(&m, 0), dt_u16(&m, 16), dt_u16(&m, 1);
	at_feed(&t, 0, m.b, m.n);
	KT_CHECK(DT_FIND(&t, "'rrname':'a\\\\xff\\u0001z.caf'") >= 0);
	dt_header(&m, 10, 0x8180, 1, 1, 0, 0);
	dt_u8(&m, 5), dt_bytes(&m, "caf\xc3\xa9", 5), dt_u8(&m, 0), dt_u16(&m, 16), dt_u16(&m, 1);
	dt_u16(&m, 0xc00c);
	dt_rr_head(&m, 16, 3, 1 + 3 + 1 + 1 + 2);
	dt_u8(&m, 3), dt_bytes(&m, "one", 3), dt_u8(&m, 0);   /* "one", "", then a cut string */
	dt_u8(&m, 9), dt_bytes(&m, "xy", 2);
	at_feed(&t, 1, m.b, m.n);
	KT_CHECK(DT_FIND(&t, "'rrname':'caf\xc3\xa9','rrtype':'TXT','rcode':'NOERROR',"
			 "'answers':[{'rrname':'caf\xc3\xa9','rrtype':'TXT','ttl':3,'rdata':"
			 "'one'},{'rrname':'caf\xc3\xa9','rrtype':'TXT','ttl':3,'rdata':''}],"
			 "'grouped':{'TXT':['one','']}") >= 0);
	KT_CHECK(!t.bad_json);
	at_fini(&t);
}

/* ----------------------------------------------- dns.query buffers */

struct buf_seen {
	unsigned txs;
	char names[8][300], rnames[8][300];   /* dns.query, dns.response.query */
	unsigned n_names[8];
	uint64_t types[8][2], rcode[8];   /* numbers: question types, rcode (~0: none) */
};

static void buf_hook(void *user, const struct kn_flow *flow, const char *app_proto,
		     const struct kn_tx *tx, uint64_t ts_ns, uint64_t pcap_cnt)
{
	struct buf_seen *s = user;
	const uint8_t *d;
	uint32_t len;
	unsigned k = s->txs++;

	(void)flow, (void)app_proto, (void)ts_ns, (void)pcap_cnt;
	if (k >= 8 || !tx->buffer)
		return;
	s->names[k][0] = 0;
	for (unsigned i = 0; tx->buffer(tx, KN_BUF_DNS_QUERY, i, &d, &len); i++) {
		size_t at = strlen(s->names[k]);
		snprintf(s->names[k] + at, sizeof s->names[k] - at, "%s%.*s", i ? "|" : "",
			 (int)len, (const char *)d);
		s->n_names[k]++;
	}
	s->rnames[k][0] = 0;
	for (unsigned i = 0; tx->buffer(tx, KN_BUF_DNS_RESPONSE_QUERY, i, &d, &len); i++) {
		size_t at = strlen(s->rnames[k]);
		snprintf(s->rnames[k] + at, sizeof s->rnames[k] - at, "%s%.*s", i ? "|" : "",
			 (int)len, (const char *)d);
	}
	KT_CHECK(!tx->buffer(tx, KN_BUF_HTTP_URI, 0, &d, &len));
	for (unsigned i = 0; i < 2; i++)
		if (!tx->number || !tx->number(tx, KN_TXN_DNS_RRTYPE, i, &s->types[k][i]))
			s->types[k][i] = ~0ull;
	if (!tx->number || !tx->number(tx, KN_TXN_DNS_RCODE, 0, &s->rcode[k]))
		s->rcode[k] = ~0ull;
}

static void test_query_buffers(void)
{
	char err[KN_ERRBUF_SIZE];
	struct kn_app_config cfg;
	struct buf_seen seen;
	struct kn_app_hooks h = { .tx = buf_hook, .user = &seen };
	struct kn_app_ctx *ctx;
	struct kn_flow flow;
	struct kn_packet p;
	struct dt_msg m;

	memset(&seen, 0, sizeof seen);
	kn_app_config_default(&cfg);
	ctx = kn_app_ctx_new(&cfg, &h, err);
	KT_REQUIRE(ctx);
	memset(&flow, 0, sizeof flow);
	flow.key.ip_version = 4, flow.key.proto = 17, flow.key.sport = 40000, flow.key.dport = 53;
	dt_header(&m, 1, 0x0100, 2, 0, 0, 0);
	dt_question(&m, "www.example.com", 1);
	dt_u8(&m, 3), dt_bytes(&m, "ftp", 3), dt_u16(&m, 0xc000 | 16);   /* ftp + example.com */
	dt_u16(&m, 28), dt_u16(&m, 1);
	memset(&p, 0, sizeof p);
	p.data = m.b, p.payload_len = (uint32_t)m.n, p.proto = 17, p.flow = &flow, p.dir = 0;
	kn_app_udp(ctx, &p);
	KT_CHECK(seen.txs == 2);   /* one event per question */
	KT_EQ_STR(seen.names[0], "www.example.com|ftp.example.com");
	KT_CHECK(seen.n_names[1] == 0);   /* the buffers go with the first event only */
	KT_EQ(seen.types[0][0], 1);       /* A, then AAAA: numbered as the names */
	KT_EQ(seen.types[0][1], 28);
	KT_EQ(seen.rcode[0], ~0ull);      /* a query has no rcode */
	m.b[2] = 0x81, m.b[3] = 0x83;     /* a response, NXDOMAIN */
	p.dir = 1;
	kn_app_udp(ctx, &p);
	KT_CHECK(seen.txs == 3 && seen.n_names[2] == 0);   /* answers have no dns.query */
	KT_EQ_STR(seen.rnames[0], "");                    /* nor queries dns.response.query */
	KT_EQ_STR(seen.rnames[2], "www.example.com|ftp.example.com");   /* (for detectors) */
	KT_EQ(seen.rcode[2], 3);
	KT_EQ(seen.types[2][0], 1);       /* the questions' types, as the query's */
	KT_EQ(seen.types[2][1], 28);
	kn_app_flow_end(ctx, &flow, 0, NULL);
	kn_app_ctx_free(ctx);
}

/* ------------------------------------------------------------ probe */

static int probe(const void *d, size_t n, unsigned ipproto)
{
	const struct kn_app_parser *p = kn_app_parser_get(kn_app_parser_id("dns"));
	return p->probe(d, (uint32_t)n, 0, ipproto);
}

static void test_probe(void)
{
	uint8_t b[512];
	size_t n = dt_unhex(dig_q, b, sizeof b);
	struct dt_msg m;
	static const uint8_t tls[] = { 0x16, 0x03, 0x01, 0x02, 0x00, 0x01, 0x00, 0x01, 0xfc,
				       0x03, 0x03, 0x5e, 0x11, 0x22, 0x33, 0x44, 0x55, 0x66,
				       0x77, 0x88 };
	uint8_t rnd[64];
	uint32_t x = 12345;

	KT_CHECK(probe(b, n, 17) == KN_PROBE_YES);
	n = dt_unhex(dig_r, b, sizeof b);
	KT_CHECK(probe(b, n, 17) == KN_PROBE_YES);
	KT_CHECK(probe(b, 11, 17) == KN_PROBE_NO);
	n = dt_unhex(tcp_q, b, sizeof b);
	KT_CHECK(probe(b, n, 6) == KN_PROBE_YES);
	KT_CHECK(probe(b, 1, 6) == KN_PROBE_MORE);
	KT_CHECK(probe(b, 10, 6) == KN_PROBE_MORE);
	KT_CHECK(probe(b, 20, 6) == KN_PROBE_MORE);   /* inside the name */
	KT_CHECK(probe(b, 36, 6) == KN_PROBE_YES);    /* the question is complete */
	KT_CHECK(probe("GET / HTTP/1.1\r\nHost: a\r\n\r\n", 27, 6) == KN_PROBE_NO);
	KT_CHECK(probe("GET / HTTP/1.1\r\nHost: a\r\n\r\n", 27, 17) == KN_PROBE_NO);
	KT_CHECK(probe("SSH-2.0-OpenSSH_8.9p1 Ubuntu-3\r\n", 32, 6) == KN_PROBE_NO);
	KT_CHECK(probe("M-SEARCH * HTTP/1.1\r\nHOST: 239.255.255.250:1900\r\n", 49, 17) ==
		 KN_PROBE_NO);
	KT_CHECK(probe(tls, sizeof tls, 6) == KN_PROBE_NO);
	KT_CHECK(probe(tls, sizeof tls, 17) == KN_PROBE_NO);
	for (int k = 0; k < 1000; k++) {
		for (size_t i = 0; i < sizeof rnd; i++) {
			x = x * 1103515245u + 12345u;
			rnd[i] = (uint8_t)(x >> 16);
		}
		KT_CHECK(probe(rnd, sizeof rnd, 17) == KN_PROBE_NO);
		KT_CHECK(probe(rnd, sizeof rnd, 6) != KN_PROBE_YES);
	}
	/* capture: a query whose first question points forward at the
	 * second one; a pointer into the header or past the end is not DNS. */
	n = dt_unhex("8e0401000002000000000000c012000100010a636f64656d6f6e6b6579036e6574000001"
		     "0001", b, sizeof b);
	KT_CHECK(probe(b, n, 17) == KN_PROBE_YES);
	b[13] = 4;
	KT_CHECK(probe(b, n, 17) == KN_PROBE_NO);
	b[13] = 200;
	KT_CHECK(probe(b, n, 17) == KN_PROBE_NO);
	/* NetBIOS name service (same layout, encoded name): not DNS. */
	dt_header(&m, 0x8001, 0x0110, 1, 0, 0, 0);
	dt_question(&m, "FHEPFCELEHFCEPFFFACACACACACACAAA", 0x20);
	KT_CHECK(probe(m.b, m.n, 17) == KN_PROBE_NO);
	/* Zero questions, opcode 3, an unknown class: not DNS. */
	dt_header(&m, 1, 0x0100, 0, 0, 0, 0);
	dt_question(&m, "a.example", 1);
	KT_CHECK(probe(m.b, m.n, 17) == KN_PROBE_NO);
	dt_header(&m, 1, 0x1900, 1, 0, 0, 0);
	dt_question(&m, "a.example", 1);
	KT_CHECK(probe(m.b, m.n, 17) == KN_PROBE_NO);
	m.b[3] = 0;
	m.b[2] = 0x01;
	KT_CHECK(probe(m.b, m.n, 17) == KN_PROBE_YES);
	m.b[m.n - 1] = 9;
	KT_CHECK(probe(m.b, m.n, 17) == KN_PROBE_NO);
}

static const struct kt_case cases[] = {
	KT_CASE(test_udp_dig_cname),
	KT_CASE(test_forward_pointer_query),
	KT_CASE(test_udp_nxdomain_soa),
	KT_CASE(test_udp_aaaa_mx_txt),
	KT_CASE(test_tcp),
	KT_CASE(test_tcp_several_per_chunk),
	KT_CASE(test_tx_ids),
	KT_CASE(test_z_flag_and_opcode),
	KT_CASE(test_reversed),
	KT_CASE(test_wrong_direction),
	KT_CASE(test_equal_ports),
	KT_CASE(test_response_without_question),
	KT_CASE(test_other_types),
	KT_CASE(test_escaping_and_txt),
	KT_CASE(test_query_buffers),
	KT_CASE(test_probe),
};
KT_MAIN("app_dns_parse", cases)
