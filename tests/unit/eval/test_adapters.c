/*
 * test_adapters.c - the readers of Zeek's and Snort's output (zeek.c,
 * snort.c over lines.c): realistic lines of each format normalised field by
 * field against hand-computed values (times to the nanosecond); every kind
 * of malformed line counted with its line number and reason while the good
 * lines around it load; Zeek's TSV with unset and empty fields, escapes and
 * several logs in one file; a Zeek log directory with a gzip log; Snort's
 * time forms, zones and the year rule; limits shared by the three readers
 * and allocation failures. The scored CSV: test_adapters_csv.c.
 */
#include "../../kt.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>
#include <unistd.h>

#include <zlib.h>

#include "kenchi/eval.h"
#include "util/alloc.h"

#include "adapters_test.h"

/* ----------------------------------------------------------------- Zeek */

#define ZEEK_HEAD(path)                                                                 \
	"#separator \\x09\n#set_separator" T ",\n#empty_field" T "(empty)\n"           \
	"#unset_field" T "-\n#path" T path "\n#open" T "2025-11-01-12-00-00\n"
#define NOTICE_FIELDS                                                                   \
	"#fields" T "ts" T "uid" T "id.orig_h" T "id.orig_p" T "id.resp_h" T "id.resp_p" T \
	"fuid" T "file_mime_type" T "file_desc" T "proto" T "note" T "msg" T "sub" T "src" T \
	"dst" T "p" T "n" T "peer_descr" T "actions" T "email_dest" T "suppress_for" T       \
	"remote_location.country_code" T "remote_location.region" T                         \
	"remote_location.city" T "remote_location.latitude" T "remote_location.longitude\n" \
	"#types" T "time" T "string" T "addr" T "port" T "addr" T "port" T "string" T        \
	"string" T "string" T "enum" T "enum" T "string" T "string" T "addr" T "addr" T      \
	"port" T "count" T "string" T "set[enum]" T "set[string]" T "interval" T "string" T  \
	"string" T "string" T "double" T "double\n"
/* the 15 fields after msg of a notice: sub src dst p n peer actions ... */
#define NOTICE_TAIL(sub, src, dst, p)                                                   \
	T sub T src T dst T p T "-" T "-" T "Notice::ACTION_LOG" T "(empty)" T "3600.000000" \
	T "-" T "-" T "-" T "-" T "-\n"

static const char zeek_tsv[] =
	ZEEK_HEAD("notice") NOTICE_FIELDS                                   /* lines 1-8 */
	/* 9: a notice of a connection */
	"1762000496.123456" T "CHhAvVGS1DHFjwGM9" T "10.0.0.5" T "51515" T "192.0.2.80" T
	"443" T "-" T "-" T "-" T "tcp" T "SSL::Invalid_Server_Cert" T "SSL certificate "
	"validation failed with (unable to get local issuer certificate)"
	NOTICE_TAIL("CN=example.org", "10.0.0.5", "192.0.2.80", "443")
	/* 10: a scan notice without a connection: src, dst and p */
	"1762000500.000001" T "-" T "-" T "-" T "-" T "-" T "-" T "-" T "-" T "-" T
	"Scan::Port_Scan" T "10.0.0.66 scanned at least 15 unique ports of host 192.0.2.80 "
	"in 0m2s" NOTICE_TAIL("remote", "10.0.0.66", "192.0.2.80", "22")
	/* 11: ICMP: Zeek's "ports" are type 8 and code 0 */
	"1762000501.5" T "Cicmp1" T "10.0.0.5" T "8" T "192.0.2.1" T "0" T "-" T "-" T "-" T
	"icmp" T "Custom::Ping\\x20Flood" T "ping flood" NOTICE_TAIL("-", "-", "-", "-")
	"1762000502.0" T "C1" T "10.0.0.5\n"                                /* 12 */
	"yesterday" T "C2" T "10.0.0.5" T "1" T "10.0.0.6" T "2" T "-" T "-" T "-" T "tcp" T
	"N::X" T "m" NOTICE_TAIL("-", "-", "-", "-")                          /* 13 */
	"-" T "C3" T "10.0.0.5" T "1" T "10.0.0.6" T "2" T "-" T "-" T "-" T "tcp" T
	"N::X" T "m" NOTICE_TAIL("-", "-", "-", "-")                          /* 14 */
	"1762000503" T "C4" T "10.0.0.5" T "70000" T "10.0.0.6" T "2" T "-" T "-" T "-" T
	"tcp" T "N::X" T "m" NOTICE_TAIL("-", "-", "-", "-")                  /* 15 */
	"#close" T "2025-11-01-13-00-00\n"                                  /* 16 */
	ZEEK_HEAD("weird")                                                  /* 17-22 */
	"#fields" T "ts" T "uid" T "id.orig_h" T "id.orig_p" T "id.resp_h" T "id.resp_p" T
	"name" T "addl" T "notice" T "peer" T "source\n"                    /* 23 */
	"#types" T "time" T "string" T "addr" T "port" T "addr" T "port" T "string" T
	"string" T "bool" T "string" T "string\n"                           /* 24 */
	"1762000502.000000" T "Cw1" T "2001:db8::5" T "33000" T "2001:db8::53" T "53" T
	"dns_unmatched_reply" T "-" T "F" T "zeek" T "DNS\n"                /* 25 */
	"1762000503.25" T "-" T "-" T "-" T "-" T "-" T "truncated_header" T "(empty)" T
	"F" T "zeek" T "-\n"                                                /* 26 */
	"1762000504" T "-" T "1.2.3" T "-" T "-" T "-" T "w" T "-" T "F" T "zeek" T "-\n"  /* 27 */
	ZEEK_HEAD("conn")                                                   /* 28-33 */
	"#fields" T "ts" T "uid" T "id.orig_h\n"                            /* 34 */
	"1762000505.0" T "Cc1" T "10.0.0.1\n";                              /* 35 other */

static void test_zeek_tsv(void)
{
	struct kn_eval_alerts l;
	struct kn_eval_eve_stats st;
	char err[KN_ERRBUF_SIZE];
	kn_eval_alerts_init(&l);
	KT_EQ(kn_eval_zeek_load_mem(&l, zeek_tsv, strlen(zeek_tsv), NULL, &st, err), 0);
	KT_EQ(st.lines, 35);
	KT_EQ(st.alerts, 5);
	KT_EQ(st.other, 1);
	KT_EQ(st.malformed, 5);
	KT_REQUIRE(l.n == 5);

	const struct kn_eval_alert *a = &l.v[0];
	KT_EQ(a->ts_ns, NOV1 * 1000000000 + 123456000);
	check_v4(&a->src, 10, 0, 0, 5);
	check_v4(&a->dst, 192, 0, 2, 80);
	KT_EQ(a->sport, 51515);
	KT_EQ(a->dport, 443);
	KT_EQ(a->proto, 6);
	KT_EQ(a->kind, KN_EVAL_KIND_OTHER);
	KT_EQ(a->pcap_cnt, 0);
	KT_CHECK(isnan(a->score));
	KT_EQ_STR(a->signature, "SSL::Invalid_Server_Cert");

	a = &l.v[1];   /* src, dst and p stand in for id.* */
	KT_EQ(a->ts_ns, (NOV1 + 4) * 1000000000 + 1000);
	check_v4(&a->src, 10, 0, 0, 66);
	check_v4(&a->dst, 192, 0, 2, 80);
	KT_EQ(a->sport, 0);
	KT_EQ(a->dport, 22);
	KT_EQ(a->proto, -1);
	KT_EQ_STR(a->signature, "Scan::Port_Scan");

	a = &l.v[2];   /* ICMP, an escaped space */
	KT_EQ(a->ts_ns, (NOV1 + 5) * 1000000000 + 500000000);
	KT_EQ(a->proto, 1);
	KT_EQ(a->sport, 0);
	KT_EQ(a->dport, 0);
	KT_EQ_STR(a->signature, "Custom::Ping Flood");

	a = &l.v[3];   /* weird over IPv6 */
	KT_EQ(a->ts_ns, (NOV1 + 6) * 1000000000);
	check_v6(&a->src, "2001:db8::5");
	check_v6(&a->dst, "2001:db8::53");
	KT_EQ(a->sport, 33000);
	KT_EQ(a->dport, 53);
	KT_EQ(a->proto, -1);
	KT_EQ_STR(a->signature, "dns_unmatched_reply");

	a = &l.v[4];   /* weird without a connection */
	KT_EQ(a->ts_ns, (NOV1 + 7) * 1000000000 + 250000000);
	KT_EQ(a->src.family, 0);
	KT_EQ(a->dst.family, 0);
	KT_EQ_STR(a->signature, "truncated_header");

	static const struct bad want[] = {
		{ 12, "3 fields where #fields names 26" }, { 13, "bad ts" }, { 14, "missing ts" },
		{ 15, "bad id.orig_p" }, { 27, "bad id.orig_h" },
	};
	check_bad(&st, want, 5);
	kn_eval_alerts_fini(&l);

	/* another separator, unset and empty marker */
	static const char semi[] =
		"#separator \\x3b\n#unset_field;NA\n#empty_field;EMPTY\n#path;weird\n"
		"#fields;ts;id.orig_h;id.orig_p;name\n"
		"1.5;NA;EMPTY;odd\\x3bname\n";
	KT_EQ(kn_eval_zeek_load_mem(&l, semi, strlen(semi), NULL, &st, err), 0);
	KT_EQ(st.malformed, 0);
	KT_REQUIRE(l.n == 1);
	KT_EQ(l.v[0].ts_ns, 1500000000);
	KT_EQ(l.v[0].src.family, 0);
	KT_EQ_STR(l.v[0].signature, "odd;name");
	kn_eval_alerts_fini(&l);

	static const char bad_head[] = "#separator \\x0909\n#separator\n#fields\n";
	KT_EQ(kn_eval_zeek_load_mem(&l, bad_head, strlen(bad_head), NULL, &st, err), 0);
	KT_EQ(st.malformed, 2);
	KT_EQ_STR(st.bad[0].why, "bad #separator (one character, as \\x09)");
	KT_EQ_STR(st.bad[1].why, "#fields names no field");
}

#define NOTICE_JSON                                                                     \
	"{\"ts\":1762000496.123456,\"uid\":\"CHhAvVGS1DHFjwGM9\",\"id.orig_h\":\"10.0.0.5\"," \
	"\"id.orig_p\":51515,\"id.resp_h\":\"192.0.2.80\",\"id.resp_p\":443,\"proto\":"     \
	"\"tcp\",\"note\":\"SSL::Invalid_Server_Cert\",\"msg\":\"SSL certificate validation " \
	"failed\",\"sub\":\"CN=example.org\",\"src\":\"10.0.0.5\",\"dst\":\"192.0.2.80\","   \
	"\"p\":443,\"peer_descr\":\"zeek\",\"actions\":[\"Notice::ACTION_LOG\"],"           \
	"\"email_dest\":[],\"suppress_for\":3600.0}"

static void test_zeek_json(void)
{
	static const char doc[] =
		NOTICE_JSON "\n"                                                          /* 1 */
		"{\"ts\":\"2025-11-01T12:35:02.000000Z\",\"uid\":\"Cw1\",\"id.orig_h\":"
		"\"2001:db8::5\",\"id.orig_p\":0,\"id.resp_h\":\"2001:db8::6\",\"id.resp_p\":0,"
		"\"proto\":\"icmp\",\"name\":\"bad_ICMP_checksum\",\"notice\":false,\"peer\":"
		"\"zeek\",\"source\":\"ICMP\"}\n"                                           /* 2 */
		"{\"_path\":\"conn\",\"ts\":1762000504.0,\"uid\":\"C1\",\"id.orig_h\":\"10.0.0.1\"}\n"
		"{\"ts\":1762000505,\"note\":\"Custom::Thing\",\"msg\":\"m\"}\r\n"         /* 4 */
		"{\"ts\":\"1762000506.000000007\",\"note\":null,\"msg\":\"only msg\"}\n"   /* 5 */
		"{\"_path\":\"notice_alarm\",\"ts\":1.5,\"msg\":\"alarm\"}\n"              /* 6 */
		"  \n"                                                                    /* 7 */
		"not json\n"                                                              /* 8 */
		"[1]\n"                                                                   /* 9 */
		"{\"note\":\"X\"}\n"                                                      /* 10 */
		"{\"ts\":\"x\",\"note\":\"X\"}\n"                                         /* 11 */
		"{\"ts\":-1,\"note\":\"X\"}\n"                                            /* 12 */
		"{\"ts\":1,\"note\":\"X\",\"id.orig_p\":\"80\"}\n"                        /* 13 */
		"{\"ts\":1,\"note\":\"X\",\"id.orig_h\":\"1.2.3.4\\u0000\"}\n"            /* 14 */
		"{\"ts\":1,\"name\":\"w\",\"proto\":5}\n"                                 /* 15 */
		"{\"ts\":1,\"note\":\"X\",\"dst\":\"nope\"}\n"                            /* 16 */
		"{\"ts\":1,\"note\":\"X\"\n";                                            /* 17 */
	struct kn_eval_alerts l;
	struct kn_eval_eve_stats st;
	char err[KN_ERRBUF_SIZE];
	kn_eval_alerts_init(&l);
	KT_EQ(kn_eval_zeek_load_mem(&l, doc, strlen(doc), NULL, &st, err), 0);
	KT_EQ(st.lines, 17);
	KT_EQ(st.other, 1);
	KT_EQ(st.malformed, 10);
	KT_REQUIRE(l.n == 5);
	/* a JSON number is a double: rounded to the microsecond, exact here */
	KT_EQ(l.v[0].ts_ns, NOV1 * 1000000000 + 123456000);
	check_v4(&l.v[0].src, 10, 0, 0, 5);
	KT_EQ(l.v[0].sport, 51515);
	KT_EQ(l.v[0].dport, 443);
	KT_EQ(l.v[0].proto, 6);
	KT_EQ_STR(l.v[0].signature, "SSL::Invalid_Server_Cert");
	KT_EQ(l.v[1].ts_ns, (NOV1 + 6) * 1000000000);
	KT_EQ(l.v[1].proto, 58);   /* "icmp" between IPv6 hosts */
	check_v6(&l.v[1].dst, "2001:db8::6");
	KT_EQ_STR(l.v[1].signature, "bad_ICMP_checksum");
	KT_EQ(l.v[2].ts_ns, (NOV1 + 9) * 1000000000);
	KT_EQ_STR(l.v[2].signature, "Custom::Thing");
	KT_EQ(l.v[3].ts_ns, (NOV1 + 10) * 1000000000 + 7);   /* a string: to the ns */
	KT_EQ_STR(l.v[3].signature, "only msg");
	KT_EQ(l.v[4].ts_ns, 1500000000);
	KT_EQ_STR(l.v[4].signature, "alarm");
	static const struct bad want[] = {
		{ 8, "neither a JSON object nor a TSV record (no #fields header before it)" },
		{ 9, "not a JSON object" },
		{ 10, "missing ts" },
		{ 11, "bad ts" },
		{ 12, "bad ts" },
		{ 13, "bad id.orig_p" },
		{ 14, "bad id.orig_h" },
		{ 15, "bad proto" },
	};
	check_bad(&st, want, 8);
	kn_eval_alerts_fini(&l);

	static const struct {
		const char *doc, *why;
	} more[] = {
		{ "{\"ts\":1,\"note\":\"X\",\"dst\":\"nope\"}", "bad dst" },
		{ "{\"ts\":1,\"note\":\"X\"", "invalid JSON at column 18: '}' expected near end of "
		  "file" },
		{ "{\"ts\":1,\"note\":\"X\",\"id.resp_p\":65536}", "bad id.resp_p" },
		{ "{\"ts\":1,\"note\":\"X\",\"p\":-1}", "bad p" },
		{ "{\"ts\":1e10,\"note\":\"X\"}", "bad ts" },
		{ "{\"ts\":1,\"note\":\"X\",\"src\":7}", "bad src" },
	};
	for (size_t i = 0; i < sizeof more / sizeof more[0]; i++) {
		KT_EQ(kn_eval_zeek_load_mem(&l, more[i].doc, strlen(more[i].doc), NULL, &st, err), 0);
		KT_EQ(st.malformed, 1);
		KT_EQ_STR(st.bad[0].why, more[i].why);
		KT_EQ(l.n, 0);
	}
}

static void test_zeek_dir(void)
{
	char dir[] = "/tmp/kn-eval-zeek-XXXXXX", notice[64], weird[64], err[KN_ERRBUF_SIZE];
	struct kn_eval_alerts l;
	struct kn_eval_eve_stats st;
	kn_eval_alerts_init(&l);
	KT_REQUIRE(mkdtemp(dir) != NULL);
	snprintf(notice, sizeof notice, "%s/notice.log", dir);
	snprintf(weird, sizeof weird, "%s/weird.log.gz", dir);

	/* no log yet */
	KT_EQ(kn_eval_zeek_load_file(&l, dir, NULL, &st, err), -KN_EIO);
	char want[KN_ERRBUF_SIZE];
	snprintf(want, sizeof want, "%s: no notice.log or weird.log (nor .gz) in this directory; "
		 "give Zeek's log directory or a log file", dir);
	KT_EQ_STR(err, want);

	KT_REQUIRE(write_plain(notice, ZEEK_HEAD("notice") NOTICE_FIELDS
			       "1762000496.123456" T "C1" T "10.0.0.5" T "51515" T "192.0.2.80" T
			       "443" T "-" T "-" T "-" T "tcp" T "SSL::Invalid_Server_Cert" T "m"
			       NOTICE_TAIL("-", "-", "-", "-")
			       "x" T "y\n") == 0);
	KT_REQUIRE(write_gz(weird, "{\"ts\":1762000502.25,\"id.orig_h\":\"10.0.0.7\","
			    "\"name\":\"above_hole_data_without_any_acks\"}\n{\"ts\":\n") == 0);
	KT_EQ(kn_eval_zeek_load_file(&l, dir, NULL, &st, err), 0);
	KT_EQ(st.lines, 12);
	KT_EQ(st.alerts, 2);
	KT_EQ(st.malformed, 2);
	static const struct bad bad[] = {
		{ 10, "notice.log: 2 fields where #fields names 26" },
		{ 2, "weird.log.gz: invalid JSON at column 6: unexpected token near end of file" },
	};
	check_bad(&st, bad, 2);
	KT_REQUIRE(l.n == 2);
	KT_EQ_STR(l.v[0].signature, "SSL::Invalid_Server_Cert");
	KT_EQ(l.v[1].ts_ns, (NOV1 + 6) * 1000000000 + 250000000);
	check_v4(&l.v[1].src, 10, 0, 0, 7);
	kn_eval_alerts_fini(&l);

	/* one file of the directory, gzip read by content */
	KT_EQ(kn_eval_zeek_load_file(&l, weird, NULL, &st, err), 0);
	KT_EQ(l.n, 1);
	KT_EQ(st.bad[0].line, 2);
	KT_CHECK(strncmp(st.bad[0].why, "invalid JSON", 12) == 0);   /* no file tag */
	kn_eval_alerts_fini(&l);

	/* a cut gzip stream fails the load, naming the file */
	KT_REQUIRE(truncate(weird, 20) == 0);
	KT_EQ(kn_eval_zeek_load_file(&l, dir, NULL, &st, err), -KN_EIO);
	KT_CHECK(strstr(err, "weird.log.gz") != NULL);
	KT_EQ(l.n, 1);   /* notice.log was read */
	kn_eval_alerts_fini(&l);
	unlink(notice);
	unlink(weird);
	rmdir(dir);
}

/* ---------------------------------------------------------------- Snort */

static void test_snort(void)
{
	static const char doc[] =
		/* 1: alert_json's default fields, no year */
		"{ \"timestamp\" : \"11/01-12:34:56.123456\", \"pkt_num\" : 42, \"proto\" : "
		"\"TCP\", \"pkt_gen\" : \"raw\", \"pkt_len\" : 60, \"dir\" : \"C2S\", \"src_ap\" : "
		"\"10.0.0.1:51515\", \"dst_ap\" : \"192.0.2.7:80\", \"rule\" : \"1:1000001:2\", "
		"\"action\" : \"allow\" }\n"
		/* 2: seconds win; the timestamp (local time, UTC+1) gives the fraction */
		"{\"seconds\":1762000496,\"timestamp\":\"25/11/01-13:34:56.654321\",\"msg\":"
		"\"ET SCAN Suspicious inbound to MSSQL port 1433\",\"priority\":2,\"gid\":1,"
		"\"sid\":2010935,\"rev\":3,\"src_addr\":\"203.0.113.9\",\"src_port\":40000,"
		"\"dst_addr\":\"10.0.0.3\",\"dst_port\":1433,\"proto\":\"TCP\",\"pkt_num\":7,"
		"\"class\":\"Potentially Bad Traffic\"}\n"
		/* 3: year prefix, IPv6 *_ap, ICMP, the signature made of gid:sid:rev */
		"{\"timestamp\":\"25/11/01-12:34:57.000001\",\"proto\":\"ICMP\",\"src_ap\":"
		"\"2001:db8::1:0\",\"dst_ap\":\"2001:db8::2:0\",\"gid\":1,\"sid\":408,\"rev\":8,"
		"\"priority\":3}\n"
		/* 4: the YYYY-MM-DD form, priority 0 (none) */
		"{\"timestamp\":\"2025-11-01 12:34:58.5\",\"proto\":\"UDP\",\"src_addr\":\"10.0.0.1\","
		"\"dst_addr\":\"10.0.0.2\",\"src_port\":53,\"dst_port\":5353,\"priority\":0,"
		"\"msg\":\"x\"}\n"
		/* 5: no addresses (empty *_ap), proto IP, sid alone */
		"{\"timestamp\":\"11/01-12:34:59.000000\",\"proto\":\"IP\",\"src_ap\":\":0\","
		"\"dst_ap\":\":0\",\"sid\":1}\n"
		"\n"                                                                 /* 6 */
		"{\"pkt_num\":1}\n"                                                  /* 7 */
		"{\"timestamp\":\"yesterday\"}\n"                                    /* 8 */
		"{\"timestamp\":\"02/29-00:00:00.000000\"}\n"                        /* 9 */
		"{\"seconds\":1762000496,\"timestamp\":\"11/01-12:34:50.000000\"}\n"  /* 10 */
		"{\"seconds\":\"1762000496\"}\n"                                     /* 11 */
		"{\"seconds\":1,\"src_ap\":\"10.0.0.1\"}\n"                          /* 12 */
		"{\"seconds\":1,\"dst_port\":70000}\n"                               /* 13 */
		"{\"seconds\":1,\"priority\":-2}\n"                                  /* 14 */
		"{\"seconds\":1,\"pkt_num\":1.5}\n";                                 /* 15 */
	struct kn_eval_snort_opts o = { .year = 2025 };
	struct kn_eval_alerts l;
	struct kn_eval_eve_stats st;
	char err[KN_ERRBUF_SIZE];
	kn_eval_alerts_init(&l);
	KT_EQ(kn_eval_snort_load_mem(&l, doc, strlen(doc), &o, &st, err), 0);
	KT_EQ(st.lines, 15);
	KT_EQ(st.alerts, 5);
	KT_EQ(st.malformed, 9);
	KT_REQUIRE(l.n == 5);

	const struct kn_eval_alert *a = &l.v[0];
	KT_EQ(a->ts_ns, NOV1 * 1000000000 + 123456000);
	KT_EQ(a->pcap_cnt, 42);
	KT_EQ(a->proto, 6);
	check_v4(&a->src, 10, 0, 0, 1);
	check_v4(&a->dst, 192, 0, 2, 7);
	KT_EQ(a->sport, 51515);
	KT_EQ(a->dport, 80);
	KT_EQ(a->kind, KN_EVAL_KIND_ALERT);
	KT_CHECK(isnan(a->score));
	KT_EQ_STR(a->signature, "1:1000001:2");

	a = &l.v[1];
	KT_EQ(a->ts_ns, NOV1 * 1000000000 + 654321000);
	check_v4(&a->src, 203, 0, 113, 9);
	KT_EQ(a->sport, 40000);
	KT_EQ(a->dport, 1433);
	KT_EQ(a->pcap_cnt, 7);
	KT_CHECK(a->score == 0.5);
	KT_EQ_STR(a->signature, "ET SCAN Suspicious inbound to MSSQL port 1433");

	a = &l.v[2];
	KT_EQ(a->ts_ns, (NOV1 + 1) * 1000000000 + 1000);
	KT_EQ(a->proto, 58);
	check_v6(&a->src, "2001:db8::1");
	check_v6(&a->dst, "2001:db8::2");
	KT_EQ(a->sport, 0);
	KT_CHECK(fabs(a->score - 1.0 / 3) < 1e-15);
	KT_EQ_STR(a->signature, "1:408:8");

	a = &l.v[3];
	KT_EQ(a->ts_ns, (NOV1 + 2) * 1000000000 + 500000000);
	KT_EQ(a->proto, 17);
	KT_EQ(a->sport, 53);
	KT_EQ(a->dport, 5353);
	KT_CHECK(isnan(a->score));
	KT_EQ_STR(a->signature, "x");

	a = &l.v[4];
	KT_EQ(a->ts_ns, (NOV1 + 3) * 1000000000);
	KT_EQ(a->proto, -1);
	KT_EQ(a->src.family, 0);
	KT_EQ(a->dst.family, 0);
	KT_EQ_STR(a->signature, "1:1:0");

	static const struct bad want[] = {
		{ 7, "no \"seconds\" or \"timestamp\"" },
		{ 8, "bad timestamp (Snort's MM/DD-HH:MM:SS.uuuuuu, with or without a YY/ prefix)" },
		{ 9, "bad timestamp (no such date or time)" },
		{ 10, "seconds and timestamp disagree" },
		{ 11, "bad seconds" },
		{ 12, "bad src_addr, src_port or src_ap" },
		{ 13, "bad dst_addr, dst_port or dst_ap" },
		{ 14, "bad priority (a whole number >= 1)" },
	};
	check_bad(&st, want, 8);
	kn_eval_alerts_fini(&l);

	static const struct {
		const char *doc, *why;
	} more[] = {
		{ "{\"seconds\":1,\"pkt_num\":1.5}", "bad pkt_num" },
		{ "{\"seconds\":1,\"proto\":300}", "bad proto" },
		{ "{\"seconds\":1,\"src_addr\":\"10.0.0.1\",\"src_ap\":\"10.0.0.9:99999\"}",
		  "bad src_addr, src_port or src_ap" },
		{ "{\"seconds\":8589934592}", "bad seconds" },
		{ "{\"timestamp\":\"11/01-24:00:00.000000\"}", "bad timestamp (no such date or time)" },
		{ "{\"timestamp\":\"0000-11-01 12:34:56.000000\"}",
		  "bad timestamp (no such date or time)" },   /* its own year, not opts' */
		{ "{\"timestamp\":\"11/01-12:00:00.1234567890\"}",
		  "bad timestamp (Snort's MM/DD-HH:MM:SS.uuuuuu, with or without a YY/ prefix)" },
		{ "{\"timestamp\":\"11/01-12:00:00.000000\\u0000\"}",
		  "bad timestamp (Snort's MM/DD-HH:MM:SS.uuuuuu, with or without a YY/ prefix)" },
		{ "{ \"timestamp\" : \"11/12-12:20:52.763616\", \"eth_len\" : 0x62 }",
		  "invalid JSON at column 55: '}' expected near 'x'" },
	};
	for (size_t i = 0; i < sizeof more / sizeof more[0]; i++) {
		KT_EQ(kn_eval_snort_load_mem(&l, more[i].doc, strlen(more[i].doc), &o, &st, err), 0);
		KT_EQ(st.malformed, 1);
		KT_EQ_STR(st.bad[0].why, more[i].why);
		KT_EQ(l.n, 0);
	}
}

/* Zones, and the year of a timestamp written without one. */
static void test_snort_time(void)
{
	struct kn_eval_snort_opts o = { .year = 2025, .tz_offset_min = 120 };
	struct kn_eval_alerts l;
	struct kn_eval_eve_stats st;
	char err[KN_ERRBUF_SIZE], iso[40];
	const char *line = "{\"timestamp\":\"11/01-12:34:56.000000\"}";
	kn_eval_alerts_init(&l);

	KT_EQ(kn_eval_snort_load_mem(&l, line, strlen(line), &o, &st, err), 0);
	o.tz_offset_min = -330;   /* UTC-05:30 */
	KT_EQ(kn_eval_snort_load_mem(&l, line, strlen(line), &o, &st, err), 0);
	KT_REQUIRE(l.n == 2);
	KT_EQ(l.v[0].ts_ns, (NOV1 - 7200) * 1000000000);
	KT_EQ(l.v[1].ts_ns, (NOV1 + 19800) * 1000000000);
	kn_eval_alerts_fini(&l);

	/* year 0: this year, or the year before when that is in the future */
	time_t now = time(NULL);
	struct tm tm;
	int64_t jan1, dec31;
	KT_REQUIRE(gmtime_r(&now, &tm) != NULL);
	int y = tm.tm_year + 1900;
	snprintf(iso, sizeof iso, "%d-01-01T00:00:00Z", y);
	KT_REQUIRE(kn_eval_time_parse(iso, &jan1) == 0);
	snprintf(iso, sizeof iso, "%d-12-31T23:59:59Z", y);
	KT_REQUIRE(kn_eval_time_parse(iso, &dec31) == 0);
	if (dec31 / 1000000000 > (int64_t)now + 86400) {
		snprintf(iso, sizeof iso, "%d-12-31T23:59:59Z", y - 1);
		KT_REQUIRE(kn_eval_time_parse(iso, &dec31) == 0);
	}
	static const char two[] = "{\"timestamp\":\"01/01-00:00:00.000000\"}\n"
				  "{\"timestamp\":\"12/31-23:59:59.000000\"}\n";
	KT_EQ(kn_eval_snort_load_mem(&l, two, strlen(two), NULL, &st, err), 0);
	KT_REQUIRE(l.n == 2);
	KT_EQ(l.v[0].ts_ns, jan1);
	KT_EQ(l.v[1].ts_ns, dec31);
	kn_eval_alerts_fini(&l);

	o = (struct kn_eval_snort_opts){ .tz_offset_min = 1441 };
	KT_EQ(kn_eval_snort_load_mem(&l, line, strlen(line), &o, &st, err), -KN_EINVAL);
	o = (struct kn_eval_snort_opts){ .year = 1969 };
	KT_EQ(kn_eval_snort_load_mem(&l, line, strlen(line), &o, &st, err), -KN_EINVAL);
	KT_EQ_STR(err, "Snort loader: tz_offset_min must be -1440..1440 and year 0 or 1970..2200");
}

/* ----------------------------------------------------- limits and files */

static void test_limits(void)
{
	struct kn_eval_eve_opts o = { .max_line = 64 };
	struct kn_eval_snort_opts so = { .max_line = 64, .year = 2025 };
	struct kn_eval_alerts l;
	struct kn_eval_eve_stats st;
	char err[KN_ERRBUF_SIZE], big[512];
	kn_eval_alerts_init(&l);

	/* a line over max_line is malformed; the lines around it load */
	snprintf(big, sizeof big, "{\"ts\":1,\"note\":\"A\"}\n{\"ts\":2,\"note\":\"%0100d\"}\n"
		 "{\"ts\":3,\"note\":\"C\"}", 0);
	KT_EQ(kn_eval_zeek_load_mem(&l, big, strlen(big), &o, &st, err), 0);
	KT_EQ(l.n, 2);
	KT_EQ(st.bad[0].line, 2);
	KT_EQ_STR(st.bad[0].why, "line too long");
	kn_eval_alerts_fini(&l);
	snprintf(big, sizeof big, "{\"seconds\":1,\"msg\":\"%0100d\"}\n{\"seconds\":2}\n", 0);
	KT_EQ(kn_eval_snort_load_mem(&l, big, strlen(big), &so, &st, err), 0);
	KT_EQ(l.n, 1);
	KT_EQ_STR(st.bad[0].why, "line too long");
	kn_eval_alerts_fini(&l);
	snprintf(big, sizeof big, "packet,score,signature\n1,1,%0100d\n2,1,x\n", 0);
	KT_EQ(kn_eval_csv_load_mem(&l, big, strlen(big), &o, &st, err), 0);
	KT_EQ(l.n, 1);
	KT_EQ(st.bad[0].line, 2);
	kn_eval_alerts_fini(&l);

	/* max_alerts */
	o = (struct kn_eval_eve_opts){ .max_alerts = 2 };
	static const char three[] = "packet,score\n1,1\n2,1\n3,1\n";
	KT_EQ(kn_eval_csv_load_mem(&l, three, strlen(three), &o, &st, err), -KN_EFULL);
	KT_EQ(l.n, 2);
	KT_EQ_STR(err, "(memory):4: more than 2 alerts; raise the limit or filter the "
		  "detector's output");
	kn_eval_alerts_fini(&l);

	/* a signature is cut at 1023 bytes */
	static char longsig[1200];
	int n = snprintf(longsig, sizeof longsig, "{\"seconds\":1,\"msg\":\"");
	memset(longsig + n, 'm', 1100);
	memcpy(longsig + n + 1100, "\"}", 3);
	KT_EQ(kn_eval_snort_load_mem(&l, longsig, strlen(longsig), NULL, &st, err), 0);
	KT_REQUIRE(l.n == 1);
	KT_EQ(strlen(l.v[0].signature), 1023);
	kn_eval_alerts_fini(&l);

	KT_EQ(kn_eval_zeek_load_mem(&l, NULL, 1, NULL, NULL, err), -KN_EINVAL);
	KT_EQ(kn_eval_snort_load_mem(NULL, "", 0, NULL, NULL, err), -KN_EINVAL);
	KT_EQ(kn_eval_csv_load_file(&l, NULL, NULL, NULL, err), -KN_EINVAL);
	KT_EQ(kn_eval_csv_load_file(&l, "/nonexistent/x.csv", NULL, NULL, err), -KN_EIO);
	KT_EQ_STR(err, "cannot open /nonexistent/x.csv: No such file or directory");
	KT_EQ(kn_eval_snort_load_file(&l, "/nonexistent/alert_json.txt", NULL, NULL, err),
	      -KN_EIO);
}

/* Files: Snort plain, the CSV gzip-compressed and across the reader's
 * 64 KiB buffer. */
static void test_alloc_faults(void)
{
	static const char zeek[] = NOTICE_JSON "\n" NOTICE_JSON "\nbad\n";
	static const char snort[] = "{\"seconds\":1,\"msg\":\"a\"}\n{\"seconds\":2,\"msg\":\"b\"}\n";
	static const char csvdoc[] = "packet,score,label\n1,1,a\n2,1,b\nx\n";
	char err[KN_ERRBUF_SIZE];
	struct kn_eval_alerts l;
	kn_eval_alerts_init(&l);
	for (int fmt = 0; fmt < 3; fmt++) {
		unsigned long n;
		for (n = 1; n < 200; n++) {
			kn_alloc_fail_at(n);
			int rc;
			if (fmt == 0)
				rc = kn_eval_zeek_load_mem(&l, zeek, strlen(zeek), NULL, NULL, err);
			else if (fmt == 1)
				rc = kn_eval_snort_load_mem(&l, snort, strlen(snort), NULL, NULL, err);
			else
				rc = kn_eval_csv_load_mem(&l, csvdoc, strlen(csvdoc), NULL, NULL, err);
			kn_alloc_fail_at(0);
			size_t got = l.n;
			kn_eval_alerts_fini(&l);
			if (rc == 0) {
				KT_EQ(got, 2);
				break;
			}
			KT_EQ(rc, -KN_ENOMEM);
		}
		KT_CHECK(n < 200);
#ifdef KN_ALLOC_FAULTS
		KT_CHECK(n > 1);   /* the failures were really injected */
#endif
	}
}

static const struct kt_case cases[] = {
	KT_CASE(test_zeek_tsv),
	KT_CASE(test_zeek_json),
	KT_CASE(test_zeek_dir),
	KT_CASE(test_snort),
	KT_CASE(test_snort_time),
	KT_CASE(test_limits),
	KT_CASE(test_alloc_faults),
};

KT_MAIN("eval_adapters", cases)
