/*
 * test_parse.c - rule structure: header fields, options in order with
 * their columns, meta keywords (msg unescaping, sid/rev/gid, classtype and
 * the priority it gives, references), multi-line rules joined at '\',
 * comments, CRLF, per-file counts, classification.config.
 */
#include "../../kt.h"

#include <stdio.h>
#include <fcntl.h>
#include <unistd.h>

#include "detect_test.h"

static const char et_rule[] =
	"alert http $HOME_NET any -> $EXTERNAL_NET any (msg:\"ET MALWARE Win32/Foo CnC "
	"Checkin\"; flow:established,to_server; http.method; content:\"POST\"; http.uri; "
	"content:\"/gate.php\"; endswith; fast_pattern; reference:url,example.com/a; "
	"reference:md5,0123; classtype:trojan-activity; sid:2030001; rev:3; "
	"metadata:created_at 2020_01_01;)\n";

static void test_et_rule(void)
{
	struct kn_rules_file_stats st;
	struct kn_ruleset *rs = dt_load(et_rule, &st);
	KT_REQUIRE(rs);
	KT_EQ(st.lines, 1);
	KT_EQ(st.rules, 1);
	KT_EQ(st.loaded, 1);
	KT_EQ(st.failed, 0);
	const struct kn_rule *r = kn_ruleset_rule(rs, 0);
	KT_REQUIRE(r);
	KT_EQ(r->action, KN_RULE_ALERT);
	KT_EQ_STR(r->proto, "http");
	KT_EQ(r->app, 1);
	KT_EQ(r->ipproto, 6);
	KT_EQ(r->bidir, 0);
	KT_EQ_STR(r->msg, "ET MALWARE Win32/Foo CnC Checkin");
	KT_EQ(r->sid, 2030001);
	KT_EQ(r->rev, 3);
	KT_EQ(r->gid, 1);
	KT_EQ_STR(r->classtype, "trojan-activity");
	KT_EQ(r->priority, 3);           /* no classification loaded: default */
	KT_EQ(r->n_refs, 2);
	KT_EQ_STR(r->refs[0].type, "url");
	KT_EQ_STR(r->refs[0].value, "example.com/a");
	KT_EQ_STR(r->refs[1].type, "md5");
	KT_EQ(r->n_opts, 14);
	KT_EQ_STR(kn_rule_keyword_name(r->opts[0].kw), "msg");
	KT_EQ_STR(kn_rule_keyword_name(r->opts[2].kw), "http.method");
	KT_EQ_STR(kn_rule_keyword_name(r->opts[13].kw), "metadata");
	KT_EQ_STR(r->opts[13].text, "created_at 2020_01_01");
	/* columns: msg starts right after the "(" at column 47 */
	KT_EQ(r->opts[0].column, 48);
	const struct kn_rule_opt *c0 = dt_opt(r, "content", 0), *c1 = dt_opt(r, "content", 1);
	KT_REQUIRE(c0 && c1);
	KT_EQ(c0->buffer, KN_BUF_HTTP_METHOD);
	KT_EQ(c1->buffer, KN_BUF_HTTP_URI);
	KT_EQ(c1->u.content->len, 9);
	KT_CHECK(memcmp(c1->u.content->bytes, "/gate.php", 9) == 0);
	KT_EQ(c1->u.content->flags, KN_CONTENT_ENDSWITH | KN_CONTENT_FAST_PATTERN);
	KT_EQ(dt_opt(r, "flow", 0)->u.flags, KN_RULE_FLOW_ESTABLISHED | KN_RULE_FLOW_TO_SERVER);
	KT_EQ_STR(r->file, "t.rules");
	KT_EQ(r->line, 1);
	KT_EQ(r->unsupported, 0);
	kn_ruleset_free(rs);
}

static void test_multiline_comments(void)
{
	const char *text =
		"# a comment line\n"
		"\n"
		"   # indented comment\r\n"
		"alert tcp any any -> any 80 (msg:\"two \\\n"
		"  lines\"; content:\"abc\"; \\\n"
		"  sid:7;)\r\n"
		"#alert tcp any any -> any any (sid:8;)\n"
		"drop udp any any <> any 53 (msg:\"x\\\"y\\;z\"; sid:9; gid:3; priority:2;)";
	struct kn_rules_file_stats st;
	struct kn_ruleset *rs = dt_load(text, &st);
	KT_REQUIRE(rs);
	KT_EQ(st.lines, 8);
	KT_EQ(st.rules, 2);
	KT_EQ(st.loaded, 2);
	const struct kn_rule *r = kn_ruleset_rule(rs, 0);
	KT_REQUIRE(r);
	KT_EQ(r->line, 4);
	KT_EQ_STR(r->msg, "two   lines");
	KT_EQ(r->sid, 7);
	/* content is on the 2nd physical line, column 11 */
	const struct kn_rule_opt *c = dt_opt(r, "content", 0);
	KT_REQUIRE(c);
	KT_EQ(c->column, 11);
	KT_EQ(r->dport.n, 1);
	KT_EQ(r->dport.v[0].lo, 80);
	r = kn_ruleset_rule(rs, 1);
	KT_REQUIRE(r);
	KT_EQ(r->action, KN_RULE_DROP);
	KT_EQ(r->bidir, 1);
	KT_EQ(r->ipproto, 17);
	KT_EQ_STR(r->msg, "x\"y;z");
	KT_EQ(r->gid, 3);
	KT_EQ(r->priority, 2);
	KT_EQ(r->line, 8);
	kn_ruleset_free(rs);
}

static void test_classification(void)
{
	char err[KN_ERRBUF_SIZE], path[] = "/tmp/kn_class_XXXXXX";
	int fd = mkstemp(path);
	KT_REQUIRE(fd >= 0);
	const char *cfg = "#\n# config classification:shortname,short description,priority\n"
			  "config classification: trojan-activity,A Network Trojan was "
			  "detected, 1\nconfig classification: bad-unknown,Potentially Bad "
			  "Traffic, 2\n";
	KT_EQ(write(fd, cfg, strlen(cfg)), (long)strlen(cfg));
	close(fd);
	struct kn_ruleset *rs = kn_ruleset_new(NULL, err);
	KT_REQUIRE(rs);
	KT_EQ(kn_ruleset_load_classification(rs, path, err), 0);
	const char *t = "alert ip any any -> any any (classtype:trojan-activity; sid:1;)\n"
			"alert ip any any -> any any (classtype:bad-unknown; priority:4; sid:2;)\n"
			"alert ip any any -> any any (classtype:no-such-class; sid:3;)\n";
	struct kn_rules_file_stats st;
	KT_EQ(kn_ruleset_load_mem(rs, "c.rules", t, strlen(t), &st, err), 0);
	KT_EQ(st.loaded, 2);
	KT_EQ(st.failed, 1);
	KT_EQ(kn_ruleset_rule(rs, 0)->priority, 1);
	KT_EQ(kn_ruleset_rule(rs, 1)->priority, 4);
	const struct kn_rule_error *e = kn_ruleset_error(rs, 0);
	KT_REQUIRE(e);
	KT_EQ(e->line, 3);
	KT_EQ(e->column, 30);
	KT_EQ(e->sid, 3);
	KT_EQ_STR(e->keyword, "classtype");
	KT_CHECK(strstr(e->message, "unknown classtype 'no-such-class'") != NULL);
	/* a malformed line names its line */
	fd = open(path, O_WRONLY | O_TRUNC);
	KT_REQUIRE(fd >= 0);
	KT_EQ(write(fd, "config classification: x,y\n", 27), 27);
	close(fd);
	KT_EQ(kn_ruleset_load_classification(rs, path, err), -KN_EFORMAT);
	KT_CHECK(strstr(err, ":1:") != NULL);
	unlink(path);
	kn_ruleset_free(rs);
}

static void test_actions_protocols(void)
{
	const char *t = "pass ip any any -> any any (sid:1;)\n"
			"reject tcp any any -> any any (sid:2;)\n"
			"rejectboth tcp any any -> any any (sid:3;)\n"
			"alert tcp-pkt any any -> any any (sid:4;)\n"
			"alert ICMP any any -> any any (sid:5;)\n"
			"alert dns any any -> any any (sid:6;)\n"
			"alert smb any any -> any any (sid:7;)\n";
	struct kn_rules_file_stats st;
	struct kn_ruleset *rs = dt_load(t, &st);
	KT_REQUIRE(rs);
	KT_EQ(st.loaded, 7);
	KT_EQ(kn_ruleset_rule(rs, 0)->action, KN_RULE_PASS);
	KT_EQ(kn_ruleset_rule(rs, 1)->action, KN_RULE_REJECT);
	KT_EQ(kn_ruleset_rule(rs, 2)->action, KN_RULE_REJECTBOTH);
	KT_EQ_STR(kn_ruleset_rule(rs, 3)->proto, "tcp-pkt");
	KT_EQ(kn_ruleset_rule(rs, 3)->app, 0);
	KT_EQ_STR(kn_ruleset_rule(rs, 4)->proto, "icmp");
	KT_EQ(kn_ruleset_rule(rs, 4)->ipproto, 1);
	KT_EQ(kn_ruleset_rule(rs, 5)->app, 1);
	KT_EQ(kn_ruleset_rule(rs, 5)->ipproto, 0);
	KT_EQ_STR(kn_ruleset_rule(rs, 6)->proto, "smb");
	kn_ruleset_free(rs);
}

/* Parsed-only keywords load and are counted; the keyword table says which. */
static void test_support_counts(void)
{
	const char *t =
		"alert http any any -> any any (http.host.raw; content:\"|0d 0a|Host\"; "
		"sid:1;)\n"
		"alert dns any any -> any any (dns.query; to_md5; content:\"|00|\"; sid:2;)\n"
		"alert tcp any any -> any any (content:\"x\"; sid:3;)\n"
		"alert dns any any -> any any (dns.query; dotprefix; content:\".evil.com\"; "
		"endswith; sid:4;)\n";
	struct kn_rules_file_stats st;
	struct kn_ruleset *rs = dt_load(t, &st);
	KT_REQUIRE(rs);
	KT_EQ(st.loaded, 4);
	KT_EQ(st.unsupported, 2);
	KT_EQ(kn_ruleset_rule(rs, 1)->unsupported, 1);
	KT_EQ(kn_ruleset_rule(rs, 3)->unsupported, 0);   /* dotprefix is matched */
	KT_EQ(kn_ruleset_rule(rs, 0)->unsupported, 1);
	KT_EQ(kn_ruleset_rule(rs, 2)->unsupported, 0);
	int hn = kn_rule_keyword_by_name("http.host.raw");
	int ct = kn_rule_keyword_by_name("content");
	KT_REQUIRE(hn >= 0 && ct >= 0);
	KT_EQ(kn_rule_keyword_supported((unsigned)hn), 0);
	KT_EQ(kn_rule_keyword_supported((unsigned)ct), 1);
	KT_EQ(kn_ruleset_keyword_rules(rs, (unsigned)ct), 4);
	KT_EQ(kn_ruleset_keyword_rules(rs, (unsigned)hn), 1);
	const struct kn_rule_opt *c = dt_opt(kn_ruleset_rule(rs, 0), "content", 0);
	KT_REQUIRE(c);
	KT_EQ(c->buffer, KN_BUF_HTTP_RAW_HOST);
	KT_EQ(c->u.content->len, 6);
	KT_EQ(c->u.content->bytes[0], 0x0d);
	/* every table name is unique and found again by name */
	for (unsigned k = 0; k < kn_rule_keyword_count(); k++)
		KT_EQ(kn_rule_keyword_by_name(kn_rule_keyword_name(k)), (int)k);
	kn_ruleset_free(rs);
}

static void test_file_load(void)
{
	char err[KN_ERRBUF_SIZE], path[] = "/tmp/kn_rules_XXXXXX";
	int fd = mkstemp(path);
	KT_REQUIRE(fd >= 0);
	KT_EQ(write(fd, et_rule, strlen(et_rule)), (long)strlen(et_rule));
	close(fd);
	struct kn_ruleset *rs = kn_ruleset_new(NULL, err);
	KT_REQUIRE(rs);
	struct kn_rules_file_stats st;
	KT_EQ(kn_ruleset_load_file(rs, path, &st, err), 0);
	KT_EQ(st.loaded, 1);
	KT_EQ_STR(kn_ruleset_rule(rs, 0)->file, path);
	KT_EQ(kn_ruleset_load_file(rs, "/nonexistent.rules", &st, err), -KN_EIO);
	KT_CHECK(strstr(err, "/nonexistent.rules") != NULL);
	/* the same sid again in a second file is refused */
	KT_EQ(kn_ruleset_load_file(rs, path, &st, err), 0);
	KT_EQ(st.failed, 1);
	KT_EQ(kn_ruleset_count(rs), 1);
	KT_CHECK(strstr(kn_ruleset_error(rs, 0)->message, "rev 3") != NULL);
	/* a higher rev replaces it in place, as in Suricata */
	const char *t = "alert tcp any any -> any any (msg:\"new\"; sid:2030001; rev:4;)\n";
	KT_EQ(kn_ruleset_load_mem(rs, "m", t, strlen(t), &st, err), 0);
	KT_EQ(st.loaded, 1);
	KT_EQ(st.replaced, 1);
	KT_EQ(kn_ruleset_count(rs), 1);
	KT_EQ_STR(kn_ruleset_rule(rs, 0)->msg, "new");
	KT_EQ(kn_ruleset_rule(rs, 0)->rev, 4);
	unlink(path);
	kn_ruleset_free(rs);
}

static const struct kt_case cases[] = {
	KT_CASE(test_et_rule), KT_CASE(test_multiline_comments), KT_CASE(test_classification),
	KT_CASE(test_actions_protocols), KT_CASE(test_support_counts), KT_CASE(test_file_load),
};

KT_MAIN("detect_parse", cases)
