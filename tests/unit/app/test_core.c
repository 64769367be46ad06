/*
 * test_core.c - the application-layer core: registry, buffer names,
 * detection outcomes (no data, unknown data, a known protocol on an unusual
 * port, port hints), memcap behaviour and flow-end bookkeeping.
 */
#include "../../kt.h"
#include "app_test.h"

static void test_registry(void)
{
	KT_CHECK(kn_app_parser_count() >= 6);
	KT_CHECK(kn_app_parser_get(0) == NULL);
	KT_CHECK(kn_app_parser_get(kn_app_parser_count() + 1) == NULL);
	for (unsigned id = 1; id <= kn_app_parser_count(); id++) {
		const struct kn_app_parser *p = kn_app_parser_get(id);
		KT_CHECK(p && p->name);
		KT_CHECK(kn_app_parser_id(p->name) == id);
	}
	KT_CHECK(kn_app_parser_id("dns") != 0);
	KT_CHECK(kn_app_parser_id("gopher") == 0);
	KT_CHECK(kn_app_parser_id(NULL) == 0);
}

static void test_buffer_names(void)
{
	KT_CHECK(strcmp(kn_app_buffer_name(KN_BUF_HTTP_URI), "http.uri") == 0);
	KT_CHECK(kn_app_buffer_by_name("tls.sni") == KN_BUF_TLS_SNI);
	KT_CHECK(kn_app_buffer_by_name("nope") == -1);
	KT_CHECK(kn_app_buffer_name(KN_BUF_COUNT) == NULL);
	for (unsigned i = 0; i < KN_BUF_COUNT; i++)
		KT_CHECK(kn_app_buffer_by_name(kn_app_buffer_name(i)) == (int)i);
}

/* A flow without payload has no app_proto; one whose bytes nobody
 * recognises is "failed". */
static void test_no_data_and_failed(void)
{
	struct at t;
	KT_CHECK(at_init(&t, NULL, 6, 40000, 5555) == 0);
	at_eof(&t, 0);
	at_end(&t);
	KT_CHECK(t.app_proto == NULL);
	at_fini(&t);

	KT_CHECK(at_init(&t, NULL, 6, 40000, 5555) == 0);
	static const uint8_t junk[] = { 0x00, 0xff, 0x13, 0x37, 0x00, 0x01, 0x02, 0x03, 0xfe };
	for (int i = 0; i < 300; i++) {
		at_feed(&t, 0, junk, sizeof junk);
		at_feed(&t, 1, junk, sizeof junk);
	}
	KT_CHECK(strcmp(kn_app_proto_of(&t.flow), "failed") == 0);
	at_end(&t);
	KT_CHECK(strcmp(t.app_proto, "failed") == 0);
	KT_CHECK(t.flow.app == NULL);
	KT_CHECK(kn_app_ctx_stats(t.ctx)->mem_in_use == 0);
	at_fini(&t);
}

static void test_set_proto_errors(void)
{
	struct at t;
	KT_CHECK(at_init(&t, NULL, 6, 40000, 80) == 0);
	KT_CHECK(kn_app_flow_set_proto(t.ctx, &t.flow, 0) == -KN_EINVAL);
	KT_CHECK(kn_app_flow_set_proto(t.ctx, &t.flow, 999) == -KN_EINVAL);
	KT_CHECK(kn_app_flow_set_proto(t.ctx, &t.flow, kn_app_parser_id("http")) == 0);
	KT_CHECK(kn_app_flow_set_proto(t.ctx, &t.flow, kn_app_parser_id("dns")) == -KN_EINVAL);
	KT_CHECK(strcmp(kn_app_proto_of(&t.flow), "http") == 0);
	at_end(&t);
	KT_CHECK(strcmp(t.app_proto, "http") == 0);
	KT_CHECK(kn_app_ctx_stats(t.ctx)->mem_in_use == 0);
	at_fini(&t);
}

/* A memcap too small for the per-flow record: nothing is kept, nothing
 * crashes, the refusal is counted. */
static void test_memcap(void)
{
	struct at t;
	struct kn_app_config cfg;
	kn_app_config_default(&cfg);
	cfg.memcap = 8;
	KT_CHECK(at_init_cfg(&t, NULL, 6, 40000, 80, &cfg) == 0);
	at_feed_str(&t, 0, "GET / HTTP/1.1\r\nHost: a\r\n\r\n");
	KT_CHECK(t.flow.app == NULL);
	KT_CHECK(kn_app_ctx_stats(t.ctx)->memcap_refusals >= 1);
	at_end(&t);
	KT_CHECK(t.app_proto == NULL);
	at_fini(&t);
}

static void test_bad_config(void)
{
	char err[KN_ERRBUF_SIZE];
	struct kn_app_config cfg;
	kn_app_config_default(&cfg);
	cfg.probe_max = 1;
	KT_CHECK(kn_app_ctx_new(&cfg, NULL, err) == NULL);
	KT_CHECK(strstr(err, "probe_max") != NULL);
}

static const struct kt_case cases[] = {
	KT_CASE(test_registry),
	KT_CASE(test_buffer_names),
	KT_CASE(test_no_data_and_failed),
	KT_CASE(test_set_proto_errors),
	KT_CASE(test_memcap),
	KT_CASE(test_bad_config),
};
KT_MAIN("app_core", cases)
