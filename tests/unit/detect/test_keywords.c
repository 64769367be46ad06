/*
 * test_keywords.c - the parsed value of each keyword: content bytes and
 * modifiers, fast_pattern forms, pcre flags and buffers, byte_test /
 * byte_jump / byte_extract / byte_math, isdataat, flow, flowbits, xbits,
 * threshold, detection_filter, size comparisons, header keywords, sticky
 * buffers and their legacy modifier forms, transforms.
 */
#include "../../kt.h"

#include <stdio.h>

#include "detect_test.h"

/* Loads "alert PROTO any any -> any any (OPTS sid:1;)"; NULL if it failed. */
static const struct kn_rule *rule(struct kn_ruleset **rs, const char *proto, const char *opts)
{
	char text[2048];
	snprintf(text, sizeof text, "alert %s any any -> any any (%s sid:1;)\n", proto, opts);
	*rs = dt_load(text, NULL);
	const struct kn_rule *r = *rs ? kn_ruleset_rule(*rs, 0) : NULL;
	if (!r && *rs && kn_ruleset_error(*rs, 0))
		printf("  (unexpected error: %s)\n", kn_ruleset_error(*rs, 0)->message);
	return r;
}

static void test_content(void)
{
	struct kn_ruleset *rs;
	const struct kn_rule *r = rule(&rs, "tcp",
		"content:!\"a|0D 0a|b\\\"c\\;d\\\\e\\:\"; nocase; offset:2; depth:20; "
		"content:\"xyz\"; distance:-3; within:10; rawbytes; content:\"GET \"; startswith; "
		"content:\"|41|\"; fast_pattern:only;");
	KT_REQUIRE(r);
	const struct kn_rule_content *c = dt_opt(r, "content", 0)->u.content;
	KT_EQ(c->len, 11);
	KT_CHECK(memcmp(c->bytes, "a\r\nb\"c;d\\e:", 11) == 0);
	KT_EQ(c->flags, KN_CONTENT_NEGATED | KN_CONTENT_NOCASE | KN_CONTENT_OFFSET |
			KN_CONTENT_DEPTH);
	KT_EQ(c->offset.value, 2);
	KT_EQ(c->depth.value, 20);
	KT_EQ(c->depth.var, -1);
	c = dt_opt(r, "content", 1)->u.content;
	KT_EQ(c->flags, KN_CONTENT_DISTANCE | KN_CONTENT_WITHIN | KN_CONTENT_RAWBYTES);
	KT_EQ(c->distance.value, -3);
	KT_EQ(c->within.value, 10);
	KT_EQ(dt_opt(r, "content", 2)->u.content->flags, KN_CONTENT_STARTSWITH);
	c = dt_opt(r, "content", 3)->u.content;
	KT_EQ(c->len, 1);
	KT_EQ(c->bytes[0], 'A');
	KT_EQ(c->flags, KN_CONTENT_FAST_PATTERN | KN_CONTENT_FP_ONLY);
	kn_ruleset_free(rs);
	/* fast_pattern:offset,length on its own rule (one per rule) */
	r = rule(&rs, "tcp", "content:\"abcdef\"; fast_pattern:1,3;");
	KT_REQUIRE(r);
	c = dt_opt(r, "content", 0)->u.content;
	KT_EQ(c->flags, KN_CONTENT_FAST_PATTERN | KN_CONTENT_FP_CHOP);
	KT_EQ(c->fp_offset, 1);
	KT_EQ(c->fp_len, 3);
	kn_ruleset_free(rs);
}

static void test_replace_uricontent(void)
{
	struct kn_ruleset *rs;
	const struct kn_rule *r = rule(&rs, "tcp", "content:\"abc\"; replace:\"x|59|z\"; "
				       "uricontent:\"/a.php\";");
	KT_REQUIRE(r);
	const struct kn_rule_content *c = dt_opt(r, "content", 0)->u.content;
	KT_EQ(c->replace_len, 3);
	KT_CHECK(memcmp(c->replace, "xYz", 3) == 0);
	KT_EQ(dt_opt(r, "uricontent", 0)->buffer, KN_BUF_HTTP_URI);
	kn_ruleset_free(rs);
}

static void test_pcre(void)
{
	struct kn_ruleset *rs;
	const struct kn_rule *r = rule(&rs, "http",
		"pcre:\"/^\\/[a-z]{3}\\x3b\\;x\\/\\\"q/smiUR\"; pcre:!\"/b(c)d/iV\"; "
		"file.data; pcre:\"/x/Q\"; pcre:\"/y/AEGBOx\", pkt:var;");
	KT_REQUIRE(r);
	const struct kn_rule_opt *o = dt_opt(r, "pcre", 0);
	KT_EQ_STR(o->u.pcre->regex, "^\\/[a-z]{3}\\x3b\\;x\\/\\\"q");
	KT_EQ(o->u.pcre->flags, KN_PCRE_DOTALL | KN_PCRE_MULTILINE | KN_PCRE_CASELESS |
				KN_PCRE_RELATIVE);
	KT_EQ(o->buffer, KN_BUF_HTTP_URI);
	o = dt_opt(r, "pcre", 1);
	KT_EQ(o->u.pcre->flags, KN_PCRE_CASELESS | KN_PCRE_NEGATED);
	KT_EQ(o->buffer, KN_BUF_HTTP_USER_AGENT);
	KT_EQ(dt_opt(r, "pcre", 2)->buffer, KN_BUF_FILE_DATA);   /* Q is the body: file.data */
	o = dt_opt(r, "pcre", 3);
	KT_EQ(o->u.pcre->flags, KN_PCRE_ANCHORED | KN_PCRE_DOLLAR_ENDONLY | KN_PCRE_UNGREEDY |
				KN_PCRE_RAWBYTES | KN_PCRE_MATCH_LIMIT | KN_PCRE_EXTENDED);
	KT_EQ_STR(o->u.pcre->capture, "pkt:var");
	KT_EQ(o->buffer, KN_BUF_FILE_DATA);
	kn_ruleset_free(rs);
}

static void test_byte_keywords(void)
{
	struct kn_ruleset *rs;
	const struct kn_rule *r = rule(&rs, "tcp",
		"content:\"|00 01|\"; byte_test:2,!=,0x1F,3,relative,little; "
		"byte_test:4,>=,1337,1,relative,string,dec,bitmask 0xff00; "
		"byte_jump:2,0,relative,multiplier 2,align,post_offset -4,little; "
		"byte_extract:1,0,len,relative,string,hex; content:\"x\"; distance:0; within:len; "
		"byte_math:bytes 2,offset 1,oper <<,rvalue len,result sh,relative,endian little; "
		"byte_test:1,&,sh,0; isdataat:!len,relative; byte_test:1,!,0x41,0;");
	KT_REQUIRE(r);
	const struct kn_rule_byte *b = dt_opt(r, "byte_test", 0)->u.byte;
	KT_EQ(b->nbytes.value, 2);
	KT_EQ_STR(b->op, "=");
	KT_EQ(b->flags, KN_BYTE_NEGATED | KN_BYTE_RELATIVE | KN_BYTE_LITTLE);
	KT_EQ(b->value.value, 31);
	KT_EQ(b->offset.value, 3);
	/* a bare "!" is Suricata's "not equal" too */
	b = dt_opt(r, "byte_test", 3)->u.byte;
	KT_EQ_STR(b->op, "=");
	KT_EQ(b->flags, KN_BYTE_NEGATED);
	KT_EQ(b->value.value, 0x41);
	b = dt_opt(r, "byte_test", 1)->u.byte;
	KT_EQ_STR(b->op, ">=");
	KT_EQ(b->flags, KN_BYTE_RELATIVE | KN_BYTE_STRING | KN_BYTE_BITMASK);
	KT_EQ(b->base, 10);
	KT_EQ(b->bitmask, 0xff00);
	b = dt_opt(r, "byte_jump", 0)->u.byte;
	KT_EQ(b->multiplier, 2);
	KT_EQ(b->post_offset, -4);
	KT_EQ(b->flags, KN_BYTE_RELATIVE | KN_BYTE_ALIGN | KN_BYTE_LITTLE);
	b = dt_opt(r, "byte_extract", 0)->u.byte;
	KT_EQ(b->result, 0);
	KT_EQ(b->base, 16);
	KT_EQ(r->n_byte_vars, 2);
	KT_EQ_STR(r->byte_vars[0], "len");
	KT_EQ_STR(r->byte_vars[1], "sh");
	const struct kn_rule_content *c = dt_opt(r, "content", 1)->u.content;
	KT_EQ(c->within.var, 0);
	b = dt_opt(r, "byte_math", 0)->u.byte;
	KT_EQ_STR(b->op, "<<");
	KT_EQ(b->value.var, 0);
	KT_EQ(b->result, 1);
	KT_EQ(b->flags, KN_BYTE_RELATIVE | KN_BYTE_LITTLE);
	KT_EQ(dt_opt(r, "byte_test", 2)->u.byte->value.var, 1);
	const struct kn_rule_isdataat *d = dt_opt(r, "isdataat", 0)->u.isdataat;
	KT_EQ(d->negated, 1);
	KT_EQ(d->relative, 1);
	KT_EQ(d->pos.var, 0);
	kn_ruleset_free(rs);
}

static void test_flow_bits_thresholds(void)
{
	struct kn_ruleset *rs;
	const struct kn_rule *r = rule(&rs, "tcp",
		"flow:to_client,established,only_stream; flowbits:isset,ET.a|ET.b; "
		"flowbits:set,c; flowbits:noalert; xbits:set,x,track ip_pair,expire 60; "
		"threshold: type both, track by_dst, count 5, seconds 60; "
		"detection_filter:track by_src, count 30, seconds 10;");
	KT_REQUIRE(r);
	KT_EQ(dt_opt(r, "flow", 0)->u.flags,
	      KN_RULE_FLOW_TO_CLIENT | KN_RULE_FLOW_ESTABLISHED | KN_RULE_FLOW_ONLY_STREAM);
	const struct kn_rule_bits *b = dt_opt(r, "flowbits", 0)->u.bits;
	KT_EQ(b->cmd, KN_BITS_ISSET);
	KT_EQ(b->n_names, 2);
	KT_EQ(b->any_of, 1);
	KT_EQ_STR(b->names[1], "ET.b");
	KT_EQ(dt_opt(r, "flowbits", 1)->u.bits->cmd, KN_BITS_SET);
	KT_EQ(dt_opt(r, "flowbits", 2)->u.bits->cmd, KN_BITS_NOALERT);
	b = dt_opt(r, "xbits", 0)->u.bits;
	KT_EQ(b->track, 2);
	KT_EQ(b->expire, 60);
	const struct kn_rule_threshold *t = dt_opt(r, "threshold", 0)->u.threshold;
	KT_EQ(t->type, KN_THR_BOTH);
	KT_EQ(t->track, KN_TRACK_DST);
	KT_EQ(t->count, 5);
	KT_EQ(t->seconds, 60);
	t = dt_opt(r, "detection_filter", 0)->u.threshold;
	KT_EQ(t->track, KN_TRACK_SRC);
	KT_EQ(t->count, 30);
	KT_EQ(t->seconds, 10);
	kn_ruleset_free(rs);
}

static void test_sizes_headers(void)
{
	struct kn_ruleset *rs;
	const struct kn_rule *r = rule(&rs, "tcp",
		"dsize:>100; ttl:<=64; id:31337; window:!1024; seq:0; ack:4294967295; "
		"flags:S+,12; fragbits:!MD; ipopts:lsrr; itype:3<>9; icode:0; icmp_id:5; "
		"icmp_seq:7; stream_size:client,>=,500; dsize:10-20;");
	KT_REQUIRE(r);
	struct kn_rule_num n = dt_opt(r, "dsize", 0)->u.num;
	KT_EQ(n.op, KN_CMP_GT);
	KT_EQ(n.a, 100);
	n = dt_opt(r, "dsize", 1)->u.num;
	KT_EQ(n.op, KN_CMP_RANGE);
	KT_EQ(n.a, 10);
	KT_EQ(n.b, 20);
	KT_EQ(dt_opt(r, "ttl", 0)->u.num.op, KN_CMP_LE);
	KT_EQ(dt_opt(r, "id", 0)->u.num.a, 31337);
	KT_EQ(dt_opt(r, "window", 0)->u.num.op, KN_CMP_NE);
	KT_EQ(dt_opt(r, "ack", 0)->u.num.a, 4294967295u);
	struct kn_rule_bitmask m = dt_opt(r, "flags", 0)->u.mask;
	KT_EQ(m.bits, 0x02);
	KT_EQ(m.ignore, 0xc0);
	KT_EQ(m.mod, '+');
	m = dt_opt(r, "fragbits", 0)->u.mask;
	KT_EQ(m.bits, 0x60);
	KT_EQ(m.mod, '!');
	KT_EQ_STR(dt_opt(r, "ipopts", 0)->u.str, "lsrr");
	n = dt_opt(r, "itype", 0)->u.num;
	KT_EQ(n.op, KN_CMP_RANGE);
	KT_EQ(n.a, 3);
	KT_EQ(n.b, 9);
	KT_EQ(dt_opt(r, "icmp_seq", 0)->u.num.a, 7);
	n = dt_opt(r, "stream_size", 0)->u.num;
	KT_EQ(n.side, 1);
	KT_EQ(n.op, KN_CMP_GE);
	KT_EQ(n.a, 500);
	kn_ruleset_free(rs);
	r = rule(&rs, "http", "urilen:>5,raw; http.uri; bsize:<=64; content:\"a\";");
	KT_REQUIRE(r);
	KT_EQ(dt_opt(r, "urilen", 0)->u.num.side, 1);
	KT_EQ(dt_opt(r, "urilen", 0)->u.num.a, 5);
	KT_EQ(dt_opt(r, "bsize", 0)->u.num.op, KN_CMP_LE);
	KT_EQ(dt_opt(r, "bsize", 0)->buffer, KN_BUF_HTTP_URI);
	kn_ruleset_free(rs);
}

/* Every sticky buffer of the brief and its legacy form reach the same id. */
static void test_buffers(void)
{
	static const struct { const char *sticky, *legacy; int buf; const char *proto; } b[] = {
		{ "http.uri", "http_uri", KN_BUF_HTTP_URI, "http" },
		{ "http.uri.raw", "http_raw_uri", KN_BUF_HTTP_RAW_URI, "http" },
		{ "http.method", "http_method", KN_BUF_HTTP_METHOD, "http" },
		{ "http.host", "http_host", KN_BUF_HTTP_HOST, "http" },
		{ "http.user_agent", "http_user_agent", KN_BUF_HTTP_USER_AGENT, "http" },
		{ "http.header", "http_header", KN_BUF_HTTP_HEADER, "http" },
		{ "http.cookie", "http_cookie", KN_BUF_HTTP_COOKIE, "http" },
		{ "http.request_body", "http_client_body", KN_BUF_HTTP_REQUEST_BODY, "http" },
		{ "http.stat_code", "http_stat_code", KN_BUF_HTTP_STAT_CODE, "http" },
		{ "http.response_body", "http_server_body", KN_BUF_HTTP_RESPONSE_BODY, "http" },
		{ "file.data", NULL, KN_BUF_FILE_DATA, "http" },
		{ "dns.query", NULL, KN_BUF_DNS_QUERY, "dns" },
		{ "tls.sni", NULL, KN_BUF_TLS_SNI, "tls" },
		{ "tls.cert_subject", NULL, KN_BUF_TLS_CERT_SUBJECT, "tls" },
		{ "tls.cert_issuer", NULL, KN_BUF_TLS_CERT_ISSUER, "tls" },
		{ "ja3.hash", NULL, KN_BUF_JA3_HASH, "tls" },
		{ "ja3s.hash", NULL, KN_BUF_JA3S_HASH, "tls" },
		{ "ja4.hash", NULL, KN_BUF_JA4_HASH, "tls" },
		{ "ssh.software", NULL, KN_BUF_SSH_SOFTWARE, "ssh" },
		{ "ssh.proto", NULL, KN_BUF_SSH_PROTO, "ssh" },
		{ "http.raw_uri", NULL, KN_BUF_HTTP_RAW_URI, "http" },
	};
	for (size_t i = 0; i < sizeof b / sizeof b[0]; i++) {
		char opts[256];
		struct kn_ruleset *rs;
		snprintf(opts, sizeof opts, "%s; content:\"a\"; pcre:\"/b/\"; bsize:>0;",
			 b[i].sticky);
		const struct kn_rule *r = rule(&rs, b[i].proto, opts);
		KT_REQUIRE(r);
		KT_EQ(dt_opt(r, "content", 0)->buffer, b[i].buf);
		KT_EQ(dt_opt(r, "pcre", 0)->buffer, b[i].buf);
		int kw = kn_rule_keyword_by_name(b[i].sticky);
		KT_CHECK(kw >= 0 && kn_rule_keyword_supported((unsigned)kw));
		kn_ruleset_free(rs);
		if (!b[i].legacy)
			continue;
		snprintf(opts, sizeof opts, "content:\"a\"; %s; content:\"b\";", b[i].legacy);
		r = rule(&rs, "tcp", opts);
		KT_REQUIRE(r);
		KT_EQ(dt_opt(r, "content", 0)->buffer, b[i].buf);
		KT_EQ(dt_opt(r, "content", 1)->buffer, KN_RULE_BUF_PAYLOAD);
		kn_ruleset_free(rs);
	}
	/* app.h names: the keyword's buffer has the same spelling */
	KT_EQ(kn_app_buffer_by_name("http.header_names"), KN_BUF_HTTP_HEADER_NAMES);
	KT_EQ_STR(kn_app_buffer_name(KN_BUF_TLS_CERTS), "tls.certs");
}

static void test_meta_misc(void)
{
	struct kn_ruleset *rs;
	const struct kn_rule *r = rule(&rs, "ip",
		"msg:\"m\"; target:dest_ip; noalert; app-layer-event:http.request_too_long; "
		"tag:session,10,packets; base64_decode:bytes 10,offset 2,relative; base64_data; "
		"content:\"z\";");
	KT_REQUIRE(r);
	KT_EQ(dt_opt(r, "target", 0)->u.flags, 1);
	KT_EQ_STR(dt_opt(r, "app-layer-event", 0)->u.str, "http.request_too_long");
	KT_EQ_STR(dt_opt(r, "tag", 0)->text, "session,10,packets");
	KT_EQ(dt_opt(r, "content", 0)->buffer, KN_RULE_BUF_BASE64);
	KT_EQ(r->unsupported, 3);   /* tag, base64_decode, base64_data */
	kn_ruleset_free(rs);
}

static const struct kt_case cases[] = {
	KT_CASE(test_content), KT_CASE(test_replace_uricontent), KT_CASE(test_pcre),
	KT_CASE(test_byte_keywords), KT_CASE(test_flow_bits_thresholds),
	KT_CASE(test_sizes_headers), KT_CASE(test_buffers), KT_CASE(test_meta_misc),
};

KT_MAIN("detect_keywords", cases)
