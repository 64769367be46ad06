/*
 * test_adapters_csv.c - the scored CSV reader (csv.c): rows normalised
 * field by field against hand-computed values; RFC 4180 quoting, spaces,
 * CRLF, comments; every kind of bad row counted with its line and reason;
 * header errors; Kitsune-style packet-only rows and how the scorer treats
 * alerts without a time (KN_EVAL_TS_UNKNOWN); gzip and plain files.
 */
#include "../../kt.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#include <zlib.h>

#include "kenchi/eval.h"

#include "adapters_test.h"

/* ------------------------------------------------------------------ CSV */

static int csv(struct kn_eval_alerts *l, const char *doc, struct kn_eval_eve_stats *st,
	       char *err)
{
	return kn_eval_csv_load_mem(l, doc, strlen(doc), NULL, st, err);
}

static void test_csv(void)
{
	static const char doc[] =
		"# findings of detector X, one per row\n"                                 /* 1 */
		"timestamp,src,dst,sport,dport,proto,score,signature\n"                    /* 2 */
		"2025-11-01T12:34:56.123456Z,10.0.0.1,192.0.2.7,51515,80,tcp,0.75,"
		"\"beacon, periodic\"\n"                                                   /* 3 */
		"1762000497.5,2001:db8::1,2001:db8::2,,,17,inf,\"say \"\"hi\"\"\"\r\n"     /* 4 */
		"\r\n"                                                                     /* 5 */
		" 1762000498 , 10.0.0.1 , 10.0.0.2 , 1 , 2 , ICMP , -Infinity , plain  \n" /* 6 */
		"1762000499,,,,,,1e-3,\n"                                                  /* 7 */
		"1762000500,10.0.0.1,10.0.0.2,1,2,tcp,0.5\n"                               /* 8 */
		"1762000500,,,,,,0.5,\"abc\n"                                              /* 9 */
		"1762000500,,,,,,0.5,\"abc\"x\n"                                           /* 10 */
		"1762000500,,,,,,0.5,ab\"c\n"                                              /* 11 */
		"1762000500,,,,,,abc,\n"                                                   /* 12 */
		"1762000500,,,,,,nan,\n"                                                   /* 13 */
		"1762000500,,,,,,,\n"                                                      /* 14 */
		"yesterday,,,,,,0.5,\n"                                                    /* 15 */
		"  # a comment between rows\n";                                          /* 16 */
	struct kn_eval_alerts l;
	struct kn_eval_eve_stats st;
	char err[KN_ERRBUF_SIZE];
	kn_eval_alerts_init(&l);
	KT_EQ(csv(&l, doc, &st, err), 0);
	KT_EQ(st.lines, 16);
	KT_EQ(st.alerts, 4);
	KT_EQ(st.malformed, 8);
	KT_REQUIRE(l.n == 4);

	const struct kn_eval_alert *a = &l.v[0];
	KT_EQ(a->ts_ns, NOV1 * 1000000000 + 123456000);
	check_v4(&a->src, 10, 0, 0, 1);
	check_v4(&a->dst, 192, 0, 2, 7);
	KT_EQ(a->sport, 51515);
	KT_EQ(a->dport, 80);
	KT_EQ(a->proto, 6);
	KT_EQ(a->pcap_cnt, 0);
	KT_EQ(a->kind, KN_EVAL_KIND_OTHER);
	KT_CHECK(a->score == 0.75);
	KT_EQ_STR(a->signature, "beacon, periodic");

	a = &l.v[1];
	KT_EQ(a->ts_ns, (NOV1 + 1) * 1000000000 + 500000000);
	check_v6(&a->src, "2001:db8::1");
	KT_EQ(a->sport, 0);
	KT_EQ(a->proto, 17);
	KT_CHECK(isinf(a->score) && a->score > 0);
	KT_EQ_STR(a->signature, "say \"hi\"");

	a = &l.v[2];   /* spaces around fields */
	KT_EQ(a->ts_ns, (NOV1 + 2) * 1000000000);
	check_v4(&a->dst, 10, 0, 0, 2);
	KT_EQ(a->sport, 1);
	KT_EQ(a->dport, 2);
	KT_EQ(a->proto, 1);
	KT_CHECK(isinf(a->score) && a->score < 0);
	KT_EQ_STR(a->signature, "plain");

	a = &l.v[3];   /* empty fields are absent */
	KT_EQ(a->ts_ns, (NOV1 + 3) * 1000000000);
	KT_EQ(a->src.family, 0);
	KT_EQ(a->proto, -1);
	KT_CHECK(a->score == 1e-3);
	KT_CHECK(a->signature == NULL);

	static const struct bad want[] = {
		{ 8, "7 fields where the header has 8" },
		{ 9, "unterminated quote in field 8 (line breaks inside quotes are not supported)" },
		{ 10, "text after the closing quote of field 8" },
		{ 11, "quote inside unquoted field 8 (quote the field and double the quote)" },
		{ 12, "bad score (a number, inf or -inf)" },
		{ 13, "bad score (a number, inf or -inf)" },
		{ 14, "missing score" },
		{ 15, "bad timestamp (epoch seconds or ISO 8601 with a zone)" },
	};
	check_bad(&st, want, 8);
	kn_eval_alerts_fini(&l);

	static const struct {
		const char *row, *why;
	} more[] = {
		{ ",,,,,,0.5,", "missing timestamp" },
		{ "1762000500,10.0.0.256,,,,,0.5,", "bad src address" },
		{ "1762000500,,::g,,,,0.5,", "bad dst address" },
		{ "1762000500,,,70000,,,0.5,", "bad sport (0-65535)" },
		{ "1762000500,,,,-1,,0.5,", "bad dport (0-65535)" },
		{ "1762000500,,,,,,1e999,", "bad score (a number, inf or -inf)" },
		{ "1762000500,,,,,,0x10,", "bad score (a number, inf or -inf)" },
		{ "1762000500,,,,,,.,", "bad score (a number, inf or -inf)" },
		{ "1762000500,,,,,,1e,", "bad score (a number, inf or -inf)" },
		{ "1762000500,,,,,,0.5,a,b", "9 fields where the header has 8" },
	};
	char buf[256];
	for (size_t i = 0; i < sizeof more / sizeof more[0]; i++) {
		snprintf(buf, sizeof buf, "timestamp,src,dst,sport,dport,proto,score,signature\n%s\n",
			 more[i].row);
		KT_EQ(csv(&l, buf, &st, err), 0);
		KT_EQ(st.malformed, 1);
		KT_EQ(st.bad[0].line, 2);
		KT_EQ_STR(st.bad[0].why, more[i].why);
		KT_EQ(l.n, 0);
	}
	/* a NUL byte */
	static const char nul[] = "timestamp,score,signature\n1,0.5,a\0b\n1,0.5,c\n";
	KT_EQ(kn_eval_csv_load_mem(&l, nul, sizeof nul - 1, NULL, &st, err), 0);
	KT_EQ(st.malformed, 1);
	KT_EQ_STR(st.bad[0].why, "NUL byte in the row");
	KT_EQ(l.n, 1);
	kn_eval_alerts_fini(&l);
}

/* Kitsune-style output: one row per packet, no time. */
static void test_csv_packets(void)
{
	static const char doc[] = "packet,score\n1,0.01\n2,0.5\n3,12.25\n0,1\n,1\nx,1\n";
	struct kn_eval_alerts l;
	struct kn_eval_eve_stats st;
	char err[KN_ERRBUF_SIZE];
	kn_eval_alerts_init(&l);
	KT_EQ(csv(&l, doc, &st, err), 0);
	KT_REQUIRE(l.n == 3);
	for (size_t i = 0; i < 3; i++) {
		KT_EQ(l.v[i].ts_ns, KN_EVAL_TS_UNKNOWN);
		KT_EQ(l.v[i].pcap_cnt, i + 1);
	}
	KT_CHECK(l.v[2].score == 12.25);
	static const struct bad want[] = {
		{ 5, "bad packet (a packet number, from 1)" },
		{ 6, "missing packet (the file has no timestamp column)" },
		{ 7, "bad packet (a packet number, from 1)" },
	};
	KT_EQ(st.malformed, 3);
	check_bad(&st, want, 3);
	kn_eval_alerts_fini(&l);

	/* BOM, any case and order, unknown columns ignored, label as the
	 * signature; both timestamp and packet */
	static const char odd[] = "\xef\xbb\xbfScore, PACKET ,Label,feature_1\n0.5,10,attack,3.2\n";
	KT_EQ(csv(&l, odd, &st, err), 0);
	KT_REQUIRE(l.n == 1);
	KT_EQ(l.v[0].pcap_cnt, 10);
	KT_EQ_STR(l.v[0].signature, "attack");
	kn_eval_alerts_fini(&l);
	static const char both[] = "label,timestamp,packet,score,signature\nx,1762000496,5,0.9,y\n";
	KT_EQ(csv(&l, both, &st, err), 0);
	KT_REQUIRE(l.n == 1);
	KT_EQ(l.v[0].ts_ns, NOV1 * 1000000000);
	KT_EQ(l.v[0].pcap_cnt, 5);
	KT_EQ_STR(l.v[0].signature, "y");   /* signature wins over label */
	kn_eval_alerts_fini(&l);
}

static void test_csv_header(void)
{
	static const struct {
		const char *doc, *err;
	} cases[] = {
		{ "timestamp,src\n1,1.2.3.4\n", "(memory):1: the header row has no \"score\" "
		  "column; the first row must name the columns (timestamp or packet, score, ...); "
		  "see docs/eval-detectors.md, \"Scored CSV\"" },
		{ "# c\n\nsrc,score\n", "(memory):3: the header row has no \"timestamp\" or "
		  "\"packet\" column; the first row must name the columns (timestamp or packet, "
		  "score, ...); see docs/eval-detectors.md, \"Scored CSV\"" },
		{ "timestamp,score,Score\n", "(memory):1: the header names column \"score\" twice; "
		  "see docs/eval-detectors.md, \"Scored CSV\"" },
		{ "1762000496,0.5\n", "(memory):1: the header row has no \"score\" column; the first "
		  "row must name the columns (timestamp or packet, score, ...); see "
		  "docs/eval-detectors.md, \"Scored CSV\"" },
		{ "timestamp,\"score\n", "(memory):1: bad header row: unterminated quote in field 2 "
		  "(line breaks inside quotes are not supported)" },
	};
	struct kn_eval_alerts l;
	struct kn_eval_eve_stats st;
	char err[KN_ERRBUF_SIZE];
	kn_eval_alerts_init(&l);
	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		KT_EQ(csv(&l, cases[i].doc, &st, err), -KN_EFORMAT);
		KT_EQ_STR(err, cases[i].err);
		KT_EQ(l.n, 0);
	}
	/* a header alone, or nothing: no alerts, no error */
	KT_EQ(csv(&l, "\"timestamp\",\"score\"\n", &st, err), 0);
	KT_EQ(csv(&l, "", &st, err), 0);
	KT_EQ(l.n, 0);
}

/* Alerts without a time (KN_EVAL_TS_UNKNOWN) in the scorer: matched by
 * packet number at packet grain, only by untimed labels at flow grain, and
 * never a detection delay. */
static void test_untimed_scoring(void)
{
	static const char manifest[] =
		"{\"kenchi_dataset\":1,\"grain\":\"flow\",\"captures\":["
		"{\"path\":\"p\",\"grain\":\"packet\",\"packets\":10,\"labels\":[{\"class\":\"a\","
		"\"packets\":[[3,4]]}]},"
		"{\"path\":\"w\",\"labels\":[{\"class\":\"a\",\"flow\":{\"src\":\"10.0.0.1\","
		"\"dst\":\"10.0.0.2\"},\"start\":1762000000,\"end\":1762000900}]},"
		"{\"path\":\"o\",\"labels\":[{\"class\":\"a\",\"flow\":{\"src\":\"10.0.0.1\","
		"\"dst\":\"10.0.0.2\"}}]}]}";
	static const char pk_csv[] = "packet,score\n3,0.9\n7,0.2\n";
	static const char flow_csv[] = "packet,src,dst,score\n1,10.0.0.2,10.0.0.1,0.9\n";
	struct kn_eval_load_opts lo = { .skip_files = 1 };
	struct kn_eval_match_opts mo = { .tolerance_ns = 1000000000 };
	struct kn_eval_alerts pk, fl;
	struct kn_eval_summary m;
	char err[KN_ERRBUF_SIZE];
	int64_t times[10];
	kn_eval_alerts_init(&pk);
	kn_eval_alerts_init(&fl);
	for (int i = 0; i < 10; i++)
		times[i] = (NOV1 + i) * 1000000000;
	struct kn_eval_packets pt = { times, 10 };

	struct kn_eval_dataset *ds = kn_eval_dataset_load_mem("m.json", manifest,
							      strlen(manifest), &lo, err);
	KT_REQUIRE(ds != NULL);
	KT_REQUIRE(csv(&pk, pk_csv, NULL, err) == 0 && csv(&fl, flow_csv, NULL, err) == 0);

	struct kn_eval_scorer *s = kn_eval_scorer_new(ds, &mo, err);
	KT_REQUIRE(s != NULL);
	KT_EQ(kn_eval_scorer_add(s, 0, pk.v, pk.n, &pt, err), 0);
	KT_EQ(kn_eval_scorer_summary(s, KN_EVAL_ALL, &m), 0);
	KT_EQ(m.c.tp, 1);   /* packet 3 */
	KT_EQ(m.c.fn, 1);   /* packet 4 */
	KT_EQ(m.c.fp, 1);   /* packet 7 */
	KT_EQ(m.c.labels_detected, 1);
	KT_EQ(m.delay_n, 0);   /* the alert's time is unknown */
	size_t n;
	const struct kn_eval_label_result *r = kn_eval_scorer_labels(s, &n);
	KT_REQUIRE(n == 1);
	KT_EQ(r[0].items_detected, 1);
	KT_EQ(r[0].delay_ns, INT64_MIN);
	kn_eval_scorer_free(s);

	/* flow grain: the windowed label is not matched, the open one is */
	s = kn_eval_scorer_new(ds, &mo, err);
	KT_REQUIRE(s != NULL);
	KT_EQ(kn_eval_scorer_add(s, 1, fl.v, fl.n, NULL, err), 0);
	KT_EQ(kn_eval_scorer_summary(s, KN_EVAL_ALL, &m), 0);
	KT_EQ(m.c.tp, 0);
	KT_EQ(m.c.fp, 1);
	KT_EQ(kn_eval_scorer_add(s, 2, fl.v, fl.n, NULL, err), 0);
	KT_EQ(kn_eval_scorer_summary(s, KN_EVAL_ALL, &m), 0);
	KT_EQ(m.c.tp, 1);
	KT_EQ(m.c.fp, 1);
	kn_eval_scorer_free(s);
	kn_eval_dataset_free(ds);
	kn_eval_alerts_fini(&pk);
	kn_eval_alerts_fini(&fl);
}

static void test_files(void)
{
	char path[64], err[KN_ERRBUF_SIZE];
	struct kn_eval_alerts l;
	struct kn_eval_eve_stats st;
	struct kn_eval_snort_opts so = { .year = 2025 };
	kn_eval_alerts_init(&l);
	snprintf(path, sizeof path, "/tmp/kn-eval-adapters-%d", (int)getpid());

	KT_REQUIRE(write_plain(path, "{\"timestamp\":\"11/01-12:34:56.000001\",\"msg\":\"a\"}\n"
			       "oops\n") == 0);
	KT_EQ(kn_eval_snort_load_file(&l, path, &so, &st, err), 0);
	KT_REQUIRE(l.n == 1);
	KT_EQ(l.v[0].ts_ns, NOV1 * 1000000000 + 1000);
	KT_EQ(st.malformed, 1);
	kn_eval_alerts_fini(&l);

	gzFile z = gzopen(path, "wb");
	KT_REQUIRE(z != NULL);
	gzputs(z, "timestamp,score,signature\r\n");
	for (int i = 1; i <= 5000; i++)
		gzprintf(z, "%d.%06d,%d.5,\"row %d, \"\"quoted\"\"\"\r\n", 1762000000 + i, i, i, i);
	KT_REQUIRE(gzclose(z) == Z_OK);
	KT_EQ(kn_eval_csv_load_file(&l, path, NULL, &st, err), 0);
	KT_EQ(st.lines, 5001);
	KT_EQ(st.malformed, 0);
	KT_REQUIRE(l.n == 5000);
	KT_EQ(l.v[4999].ts_ns, 1762005000LL * 1000000000 + 5000000);
	KT_CHECK(l.v[4999].score == 5000.5);
	KT_EQ_STR(l.v[4999].signature, "row 5000, \"quoted\"");
	kn_eval_alerts_fini(&l);
	unlink(path);
}


static const struct kt_case cases[] = {
	KT_CASE(test_csv),
	KT_CASE(test_csv_packets),
	KT_CASE(test_csv_header),
	KT_CASE(test_untimed_scoring),
	KT_CASE(test_files),
};

KT_MAIN("eval_adapters_csv", cases)
