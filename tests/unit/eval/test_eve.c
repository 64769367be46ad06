/*
 * test_eve.c - the EVE loader: Suricata alert lines (copied from the
 * reference output) and anomaly events normalised field by field; every
 * kind of malformed line counted with its line number and reason while the
 * good lines around it load; CRLF, blank and unterminated lines; lines
 * longer than the limit (in memory and across the file reader's buffer);
 * gzip files; the alert limit; allocation failures.
 */
#include "../../kt.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#include <zlib.h>

#include "kenchi/eval.h"
#include "util/alloc.h"

/* From ref/suricata/pcaps__bruteforce__slips_ssh-bruteforce.pcap.eve.json.gz */
#define SURI_ALERT                                                                         \
	"{\"timestamp\":\"2026-03-22T22:47:22.440074+0000\",\"flow_id\":705074442046523,"  \
	"\"pcap_cnt\":470,\"event_type\":\"alert\",\"src_ip\":\"147.32.80.37\",\"src_port\":902," \
	"\"dest_ip\":\"147.32.80.40\",\"dest_port\":59770,\"proto\":\"TCP\",\"pkt_src\":"   \
	"\"wire/pcap\",\"alert\":{\"action\":\"allowed\",\"gid\":1,\"signature_id\":2228000," \
	"\"rev\":1,\"signature\":\"SURICATA SSH invalid banner\",\"category\":\"Generic "    \
	"Protocol Command Decode\",\"severity\":3},\"app_proto\":\"ssh\"}"

static int load(struct kn_eval_alerts *l, const char *doc, const struct kn_eval_eve_opts *o,
		struct kn_eval_eve_stats *st)
{
	char err[KN_ERRBUF_SIZE];
	return kn_eval_eve_load_mem(l, doc, strlen(doc), o, st, err);
}

static void test_suricata_alert(void)
{
	struct kn_eval_alerts l;
	struct kn_eval_eve_stats st;
	kn_eval_alerts_init(&l);
	KT_EQ(load(&l, SURI_ALERT "\n", NULL, &st), 0);
	KT_REQUIRE(l.n == 1);
	const struct kn_eval_alert *a = &l.v[0];
	/* 2026-03-22T22:47:22Z = 1774219642 s */
	KT_EQ(a->ts_ns, 1774219642440074000LL);
	KT_EQ(a->kind, KN_EVAL_KIND_ALERT);
	KT_EQ(a->src.family, 4);
	KT_EQ(a->src.bytes[0], 147);
	KT_EQ(a->src.bytes[3], 37);
	KT_EQ(a->dst.bytes[3], 40);
	KT_EQ(a->sport, 902);
	KT_EQ(a->dport, 59770);
	KT_EQ(a->proto, 6);
	KT_EQ(a->pcap_cnt, 470);
	KT_CHECK(fabs(a->score - 1.0 / 3) < 1e-15);   /* severity 3 -> 1/3 */
	KT_EQ_STR(a->signature, "SURICATA SSH invalid banner");
	KT_EQ(st.lines, 1);
	KT_EQ(st.alerts, 1);
	KT_EQ(st.malformed, 0);
	kn_eval_alerts_fini(&l);
	KT_EQ(l.n, 0);
}

static void test_anomaly(void)
{
	static const char doc[] =
		/* Suricata's applayer anomaly: no score */
		"{\"timestamp\":\"1970-01-01T00:00:00.000000+0000\",\"pcap_cnt\":8,\"event_type\":"
		"\"anomaly\",\"src_ip\":\"127.0.0.1\",\"src_port\":25,\"dest_ip\":\"127.0.0.1\","
		"\"dest_port\":25000,\"proto\":\"TCP\",\"anomaly\":{\"app_proto\":\"smtp\",\"type\":"
		"\"applayer\",\"event\":\"APPLAYER_DETECT_PROTOCOL_ONLY_ONE_DIRECTION\",\"layer\":"
		"\"proto_detect\"}}\n"
		/* a decode anomaly without ports or event: type is the text */
		"{\"timestamp\":\"1970-01-01T00:00:01Z\",\"event_type\":\"anomaly\",\"anomaly\":"
		"{\"type\":\"decode\"}}\n"
		/* a scored anomaly (anomaly.score) and a top-level score */
		"{\"timestamp\":\"1970-01-01T00:00:02Z\",\"event_type\":\"anomaly\",\"score\":7,"
		"\"anomaly\":{\"type\":\"model\",\"event\":\"new_host\",\"score\":0.93,"
		"\"detector\":\"port_scan\"}}\n"
		"{\"timestamp\":\"1970-01-01T00:00:03Z\",\"event_type\":\"anomaly\",\"score\":2.5,"
		"\"proto\":\"IPv6-ICMP\",\"src_ip\":\"2001:db8::1\",\"anomaly\":{\"type\":\"model\"}}\n"
		/* an alert without severity and a protocol Suricata names by number */
		"{\"timestamp\":\"1970-01-01T00:00:04Z\",\"event_type\":\"alert\",\"proto\":\"047\","
		"\"alert\":{\"signature\":\"x\"}}\n"
		"{\"timestamp\":\"1970-01-01T00:00:05Z\",\"event_type\":\"alert\",\"proto\":\"MPTCP\","
		"\"alert\":{}}\n";
	struct kn_eval_alerts l;
	struct kn_eval_eve_stats st;
	kn_eval_alerts_init(&l);
	KT_EQ(load(&l, doc, NULL, &st), 0);
	KT_REQUIRE(l.n == 6);
	KT_EQ(l.v[0].kind, KN_EVAL_KIND_ANOMALY);
	KT_EQ_STR(l.v[0].signature, "APPLAYER_DETECT_PROTOCOL_ONLY_ONE_DIRECTION");
	KT_CHECK(isnan(l.v[0].score));
	KT_EQ(l.v[0].ts_ns, 0);
	KT_EQ_STR(l.v[1].signature, "decode");
	KT_EQ(l.v[1].src.family, 0);
	KT_EQ(l.v[1].sport, 0);
	KT_EQ(l.v[1].proto, -1);
	KT_EQ(l.v[1].pcap_cnt, 0);
	KT_CHECK(l.v[2].score == 0.93);             /* anomaly.score wins */
	KT_EQ_STR(l.v[2].signature, "new_host");
	KT_EQ_STR(l.v[2].detector, "port_scan");    /* the part that found it */
	KT_CHECK(l.v[0].detector == NULL && l.v[4].detector == NULL);
	KT_CHECK(l.v[3].score == 2.5);              /* the event's own score */
	KT_EQ(l.v[3].proto, 58);
	KT_EQ(l.v[3].src.family, 6);
	KT_EQ(l.v[4].proto, 47);
	KT_CHECK(isnan(l.v[4].score));
	KT_EQ(l.v[5].proto, -1);                    /* unknown name: not malformed */
	KT_CHECK(l.v[5].signature == NULL);
	KT_EQ(st.malformed, 0);
	kn_eval_alerts_fini(&l);

	/* only alerts */
	struct kn_eval_eve_opts o = { .types = KN_EVAL_EVE_ALERT };
	KT_EQ(load(&l, doc, &o, &st), 0);
	KT_EQ(l.n, 2);
	KT_EQ(st.other, 4);
	kn_eval_alerts_fini(&l);

	/* detections without protocol anomalies: the applayer and decode
	 * events are "other", the two model anomalies and the alerts stay */
	o.types = KN_EVAL_EVE_ALERT | KN_EVAL_EVE_ANOMALY;
	KT_EQ(load(&l, doc, &o, &st), 0);
	KT_REQUIRE(l.n == 4);
	KT_EQ_STR(l.v[0].signature, "new_host");
	KT_EQ(l.v[1].kind, KN_EVAL_KIND_ANOMALY);
	KT_EQ(l.v[2].kind, KN_EVAL_KIND_ALERT);
	KT_EQ(st.other, 2);
	kn_eval_alerts_fini(&l);

	/* protocol anomalies alone */
	o.types = KN_EVAL_EVE_PROTOCOL;
	KT_EQ(load(&l, doc, &o, &st), 0);
	KT_REQUIRE(l.n == 2);
	KT_EQ_STR(l.v[1].signature, "decode");
	kn_eval_alerts_fini(&l);
}

#define TS "\"timestamp\":\"1970-01-01T00:00:09Z\""
static void test_malformed(void)
{
	static const char doc[] =
		SURI_ALERT "\n"                                                     /*  1 ok */
		"\n"                                                                /*  2 blank */
		"not json\n"                                                        /*  3 */
		"[1,2]\n"                                                           /*  4 */
		"{" TS "}\n"                                                        /*  5 */
		"{\"timestamp\":\"yesterday\",\"event_type\":\"alert\",\"alert\":{}}\n"  /* 6 */
		"{" TS ",\"event_type\":\"alert\",\"src_ip\":\"1.2.3\",\"alert\":{}}\n"  /* 7 */
		"{" TS ",\"event_type\":\"alert\",\"src_port\":70000,\"alert\":{}}\n"    /* 8 */
		"{" TS ",\"event_type\":\"alert\",\"alert\":{\"severity\":0}}\n"          /* 9 */
		"{" TS ",\"event_type\":\"flow\",\"flow\":{}}\n"                    /* 10 other */
		"{" TS ",\"event_type\":\"anomaly\",\"anomaly\":{\"score\":\"high\"}}\n"  /* 11 */
		"{" TS ",\"event_type\":\"alert\",\"pcap_cnt\":-1,\"alert\":{}}\n"        /* 12 */
		"{" TS ",\"event_type\":\"alert\"}\n"                               /* 13 */
		"{" TS ",\"event_type\":\"alert\",\"proto\":300,\"alert\":{}}\n"    /* 14 */
		"   \t\r\n"                                                         /* 15 blank */
		SURI_ALERT "\r\n"                                                   /* 16 ok, CRLF */
		"{" TS ",\"event_type\":\"alert\",\"alert\":{\"severity\":2}}  \n"  /* 17 ok */
		"{\"event_type\":\"alert\"";                                        /* 18 cut */
	struct kn_eval_alerts l;
	struct kn_eval_eve_stats st;
	kn_eval_alerts_init(&l);
	KT_EQ(load(&l, doc, NULL, &st), 0);
	KT_EQ(st.lines, 18);
	KT_EQ(st.alerts, 3);
	KT_EQ(l.n, 3);
	KT_CHECK(l.v[2].score == 0.5);
	KT_EQ(st.other, 1);
	KT_EQ(st.malformed, 12);    /* 3-9, 11-14, 18 */
	static const struct {
		uint64_t line;
		const char *why;
	} want[KN_EVAL_EVE_BAD_KEPT] = {
		{ 3, "invalid JSON at column 3: '[' or '{' expected near 'not'" },
		{ 4, "not a JSON object" },
		{ 5, "no \"event_type\" string" },
		{ 6, "missing or bad timestamp" },
		{ 7, "bad src_ip or dest_ip" },
		{ 8, "bad src_port or dest_port" },
		{ 9, "alert.severity is not a whole number >= 1" },
		{ 11, "score is not a finite number" },
	};
	for (int i = 0; i < KN_EVAL_EVE_BAD_KEPT; i++) {
		KT_EQ(st.bad[i].line, want[i].line);
		KT_EQ_STR(st.bad[i].why, want[i].why);
	}
	kn_eval_alerts_fini(&l);

	/* The reasons beyond the eighth: one at a time. */
	static const struct {
		const char *doc, *why;
	} more[] = {
		{ "{" TS ",\"event_type\":\"alert\",\"pcap_cnt\":-1,\"alert\":{}}", "bad pcap_cnt" },
		{ "{" TS ",\"event_type\":\"alert\"}", "alert event without an \"alert\" object" },
		{ "{" TS ",\"event_type\":\"anomaly\"}",
		  "anomaly event without an \"anomaly\" object" },
		{ "{" TS ",\"event_type\":\"alert\",\"proto\":300,\"alert\":{}}", "bad proto" },
		{ "{\"event_type\":\"alert\"", "invalid JSON at column 21: '}' expected near end of "
		  "file" },
		{ "{" TS ",\"event_type\":\"anomaly\",\"score\":1e999,\"anomaly\":{}}",
		  "invalid JSON at column 72: real number overflow near '1e999'" },
		{ "{\"timestamp\":\"1970-01-01T00:00:09Z\\u0000x\",\"event_type\":\"alert\","
		  "\"alert\":{}}", "missing or bad timestamp" },
		{ "{" TS ",\"event_type\":\"alert\",\"src_ip\":\"1.2.3.4\\u0000\",\"alert\":{}}",
		  "bad src_ip or dest_ip" },
	};
	for (size_t i = 0; i < sizeof more / sizeof more[0]; i++) {
		KT_EQ(load(&l, more[i].doc, NULL, &st), 0);
		KT_EQ(st.malformed, 1);
		KT_EQ(st.bad[0].line, 1);
		KT_EQ_STR(st.bad[0].why, more[i].why);
		kn_eval_alerts_fini(&l);
	}
}

/* Suricata writes payload bytes as \u0000 (dns rdata of a tunnel): such
 * lines are well-formed events; a signature keeps its text up to the NUL. */
static void test_nul(void)
{
	static const char doc[] =
		"{" TS ",\"event_type\":\"dns\",\"dns\":{\"rdata\":\"\\u0000\\u0000\\\\xff\"}}\n"
		"{" TS ",\"event_type\":\"alert\",\"alert\":{\"signature\":\"ab\\u0000cd\"}}\n";
	struct kn_eval_alerts l;
	struct kn_eval_eve_stats st;
	kn_eval_alerts_init(&l);
	KT_EQ(load(&l, doc, NULL, &st), 0);
	KT_EQ(st.malformed, 0);
	KT_EQ(st.other, 1);
	KT_REQUIRE(l.n == 1);
	KT_EQ_STR(l.v[0].signature, "ab");
	kn_eval_alerts_fini(&l);
}

static void test_limits(void)
{
	struct kn_eval_alerts l;
	struct kn_eval_eve_stats st;
	char err[KN_ERRBUF_SIZE];
	kn_eval_alerts_init(&l);

	/* a line longer than max_line is malformed; the next one loads */
	struct kn_eval_eve_opts o = { .max_line = 100 };
	KT_EQ(load(&l, SURI_ALERT "\n{" TS ",\"event_type\":\"alert\",\"alert\":{}}\n", &o, &st),
	      0);
	KT_EQ(st.malformed, 1);
	KT_EQ_STR(st.bad[0].why, "line too long");
	KT_EQ(l.n, 1);
	kn_eval_alerts_fini(&l);

	/* max_alerts */
	o = (struct kn_eval_eve_opts){ .max_alerts = 2 };
	const char *three = SURI_ALERT "\n" SURI_ALERT "\n" SURI_ALERT "\n";
	KT_EQ(kn_eval_eve_load_mem(&l, three, strlen(three), &o, &st, err), -KN_EFULL);
	KT_EQ(l.n, 2);
	KT_EQ_STR(err, "(memory):3: more than 2 alerts; raise the limit or filter the "
		  "detector's output");
	kn_eval_alerts_fini(&l);

	KT_EQ(kn_eval_eve_load_mem(&l, NULL, 3, NULL, NULL, err), -KN_EINVAL);
	KT_EQ(kn_eval_eve_load_mem(&l, "", 0, NULL, NULL, err), 0);
}

/* Writes n_lines alert lines with a 200,000-byte line at line `long_at`
 * (0: none), plain or gzip. */
static int write_file(const char *path, int gz, int n_lines, int long_at)
{
	gzFile z = gzopen(path, gz ? "wb" : "wbT");   /* T: no compression */
	if (!z)
		return -1;
	for (int i = 1; i <= n_lines; i++) {
		if (i == long_at) {
			gzputs(z, "{\"pad\":\"");
			for (int k = 0; k < 20000; k++)
				gzputs(z, "xxxxxxxxxx");
			gzputs(z, "\"}\n");
			continue;
		}
		gzprintf(z, "{\"timestamp\":\"1970-01-01T00:00:%02dZ\",\"event_type\":\"alert\","
			 "\"pcap_cnt\":%d,\"alert\":{\"signature\":\"line %d\",\"severity\":1}}\n",
			 i % 60, i, i);
	}
	return gzclose(z) == Z_OK ? 0 : -1;
}

static void test_files(void)
{
	char path[64], err[KN_ERRBUF_SIZE];
	struct kn_eval_alerts l;
	struct kn_eval_eve_stats st;
	struct kn_eval_eve_opts o = { .max_line = 100000 };
	kn_eval_alerts_init(&l);
	snprintf(path, sizeof path, "/tmp/kn-eval-eve-%d.json", (int)getpid());

	for (int gz = 0; gz < 2; gz++) {
		/* 3000 lines of ~110 bytes cross the reader's 64 KiB buffer several
		 * times; line 1500 is too long and skipped whole. */
		KT_REQUIRE(write_file(path, gz, 3000, 1500) == 0);
		KT_EQ(kn_eval_eve_load_file(&l, path, &o, &st, err), 0);
		KT_EQ(st.lines, 3000);
		KT_EQ(st.alerts, 2999);
		KT_EQ(st.malformed, 1);
		KT_EQ(st.bad[0].line, 1500);
		KT_EQ_STR(st.bad[0].why, "line too long");
		KT_REQUIRE(l.n == 2999);
		KT_EQ(l.v[1498].pcap_cnt, 1499);
		KT_EQ(l.v[1499].pcap_cnt, 1501);
		KT_EQ_STR(l.v[2998].signature, "line 3000");
		kn_eval_alerts_fini(&l);
	}
	/* the long line last, without its newline: counted once */
	FILE *f = fopen(path, "w");
	KT_REQUIRE(f);
	fputs("{}\n{\"x\":\"", f);
	for (int k = 0; k < 20000; k++)
		fputs("yyyyyyyyyy", f);
	fclose(f);
	KT_EQ(kn_eval_eve_load_file(&l, path, &o, &st, err), 0);
	KT_EQ(st.lines, 2);
	KT_EQ(st.malformed, 2);   /* {} has no event_type; line 2 too long */
	KT_EQ(st.bad[1].line, 2);
	unlink(path);

	KT_EQ(kn_eval_eve_load_file(&l, path, NULL, &st, err), -KN_EIO);
	char want[KN_ERRBUF_SIZE];
	snprintf(want, sizeof want, "cannot open %s: No such file or directory", path);
	KT_EQ_STR(err, want);

	/* a truncated gzip stream is an I/O error; what was read stays */
	KT_REQUIRE(write_file(path, 1, 3000, 0) == 0);
	KT_REQUIRE(truncate(path, 4000) == 0);
	KT_EQ(kn_eval_eve_load_file(&l, path, &o, &st, err), -KN_EIO);
	KT_CHECK(strstr(err, "cannot read") != NULL);
	KT_CHECK(l.n > 0 && l.n < 3000);
	kn_eval_alerts_fini(&l);
	unlink(path);
}

static void test_alloc_faults(void)
{
	static const char doc[] = SURI_ALERT "\n" SURI_ALERT "\nbad\n";
	char err[KN_ERRBUF_SIZE];
	struct kn_eval_alerts l;
	unsigned long n;
	kn_eval_alerts_init(&l);
	for (n = 1; n < 100; n++) {
		kn_alloc_fail_at(n);
		int rc = kn_eval_eve_load_mem(&l, doc, strlen(doc), NULL, NULL, err);
		kn_alloc_fail_at(0);
		size_t got = l.n;
		kn_eval_alerts_fini(&l);
		if (rc == 0) {
			KT_EQ(got, 2);
			break;
		}
		KT_EQ(rc, -KN_ENOMEM);
	}
	KT_CHECK(n < 100);
#ifdef KN_ALLOC_FAULTS
	KT_CHECK(n > 3);   /* the failures were really injected */
#endif
}

static const struct kt_case cases[] = {
	KT_CASE(test_suricata_alert),
	KT_CASE(test_anomaly),
	KT_CASE(test_malformed),
	KT_CASE(test_nul),
	KT_CASE(test_limits),
	KT_CASE(test_files),
	KT_CASE(test_alloc_faults),
};

KT_MAIN("eval_eve", cases)
