/*
 * test_values.c - the value parsers of src/eval: addresses and networks
 * (prefix bounds, host bits), times (EVE/ISO 8601 with zones, epoch
 * seconds, calendar edges, the 1970..2242 range) and protocol names.
 */
#include "../../kt.h"

#include "kenchi/eval.h"

static int64_t t(const char *s)
{
	int64_t ns = -1;
	return kn_eval_time_parse(s, &ns) == 0 ? ns : -1;
}

static void test_addr(void)
{
	struct kn_eval_addr a;
	KT_EQ(kn_eval_addr_parse("192.0.2.1", &a), 0);
	KT_EQ(a.family, 4);
	KT_EQ(a.bytes[0], 192);
	KT_EQ(a.bytes[3], 1);
	KT_EQ(a.bytes[4], 0);
	KT_EQ(kn_eval_addr_parse("2001:db8::1", &a), 0);
	KT_EQ(a.family, 6);
	KT_EQ(a.bytes[15], 1);
	KT_EQ(kn_eval_addr_parse("192.0.2.256", &a), -KN_EINVAL);
	KT_EQ(a.family, 0);
	KT_EQ(kn_eval_addr_parse("", &a), -KN_EINVAL);
	KT_EQ(kn_eval_addr_parse(" 192.0.2.1", &a), -KN_EINVAL);
	KT_EQ(kn_eval_addr_parse(NULL, &a), -KN_EINVAL);
}

static void test_net(void)
{
	struct kn_eval_net n;
	struct kn_eval_addr in, out, v6;
	KT_EQ(kn_eval_addr_parse("10.1.255.7", &in), 0);
	KT_EQ(kn_eval_addr_parse("10.2.0.1", &out), 0);
	KT_EQ(kn_eval_addr_parse("::ffff:10.1.0.1", &v6), 0);

	KT_EQ(kn_eval_net_parse("10.1.0.0/16", &n), 0);
	KT_EQ(n.prefix, 16);
	KT_EQ(kn_eval_net_contains(&n, &in), 1);
	KT_EQ(kn_eval_net_contains(&n, &out), 0);
	KT_EQ(kn_eval_net_contains(&n, &v6), 0);   /* other family never matches */

	/* a /12 cuts inside the second byte: 10.0.0.0-10.15.255.255 */
	KT_EQ(kn_eval_net_parse("10.0.0.0/12", &n), 0);
	KT_EQ(kn_eval_net_contains(&n, &in), 1);    /* 10.1 */
	KT_EQ(kn_eval_addr_parse("10.16.0.0", &out), 0);
	KT_EQ(kn_eval_net_contains(&n, &out), 0);

	KT_EQ(kn_eval_net_parse("10.1.2.3", &n), 0);   /* an address is a /32 */
	KT_EQ(n.prefix, 32);
	KT_EQ(kn_eval_net_parse("0.0.0.0/0", &n), 0);  /* everything IPv4 */
	KT_EQ(kn_eval_net_contains(&n, &in), 1);
	KT_EQ(kn_eval_net_parse("2001:db8::/32", &n), 0);
	KT_EQ(n.prefix, 32);

	KT_EQ(kn_eval_net_parse("10.1.0.1/16", &n), -KN_EINVAL);  /* host bits set */
	KT_EQ(kn_eval_net_parse("10.1.0.0/33", &n), -KN_EINVAL);
	KT_EQ(kn_eval_net_parse("2001:db8::/129", &n), -KN_EINVAL);
	KT_EQ(kn_eval_net_parse("10.1.0.0/", &n), -KN_EINVAL);
	KT_EQ(kn_eval_net_parse("10.1.0.0/1x", &n), -KN_EINVAL);
	KT_EQ(kn_eval_net_parse("/8", &n), -KN_EINVAL);

	struct kn_eval_addr none = { 0 };
	KT_EQ(kn_eval_net_parse("0.0.0.0/0", &n), 0);
	KT_EQ(kn_eval_net_contains(&n, &none), 0);  /* an alert without address */
}

static void test_time(void)
{
	/* 2018-10-25T05:44:37Z = 1540446277 s (calendar.timegm) */
	KT_EQ(t("2018-10-25T05:44:37.847001+0000"), 1540446277847001000LL);
	KT_EQ(t("2018-10-25T05:44:37.847001Z"), 1540446277847001000LL);
	KT_EQ(t("2018-10-25T05:44:37Z"), 1540446277000000000LL);
	/* +02:00 is two hours ahead of UTC: the same instant is 07:44:37+02:00 */
	KT_EQ(t("2018-10-25T07:44:37.5+02:00"), 1540446277500000000LL);
	KT_EQ(t("2018-10-25T03:44:37.000000001-0200"), 1540446277000000001LL);
	KT_EQ(t("2000-02-29T00:00:00Z"), 951782400000000000LL);   /* leap day */
	KT_EQ(t("1970-01-01T00:00:00Z"), 0);
	KT_EQ(t("1540447477.847001"), 1540447477847001000LL);
	KT_EQ(t("1540447477.123456789"), 1540447477123456789LL);
	KT_EQ(t("0"), 0);
	KT_EQ(t("8589934591"), 8589934591000000000LL);            /* 2^33 - 1: last second */

	KT_EQ(t("8589934592"), -1);                 /* 2^33 s = year 2242 */
	KT_EQ(t("2018-10-25T05:44:37.847001"), -1); /* zone required */
	KT_EQ(t("2019-02-29T00:00:00Z"), -1);       /* 2019 is not a leap year */
	KT_EQ(t("2018-13-01T00:00:00Z"), -1);
	KT_EQ(t("2018-10-25T24:00:00Z"), -1);
	KT_EQ(t("2018-10-25T05:44:37.1234567891Z"), -1);  /* 10 fraction digits */
	KT_EQ(t("2018-10-25T05:44:37.Z"), -1);
	KT_EQ(t("2018-10-25T05:44:37+2"), -1);
	KT_EQ(t("2018-10-25T05:44:37+02:0"), -1);
	KT_EQ(t("1969-12-31T23:59:59Z"), -1);
	KT_EQ(t("1.5e9"), -1);
	KT_EQ(t("-1"), -1);
	KT_EQ(t("12."), -1);
	KT_EQ(t(""), -1);
	KT_EQ(t("2018-10-25T05:44:37Z "), -1);
}

static void test_proto(void)
{
	KT_EQ(kn_eval_proto_parse("TCP"), 6);
	KT_EQ(kn_eval_proto_parse("udp"), 17);
	KT_EQ(kn_eval_proto_parse("ICMP"), 1);
	KT_EQ(kn_eval_proto_parse("IPv6-ICMP"), 58);
	KT_EQ(kn_eval_proto_parse("icmpv6"), 58);
	KT_EQ(kn_eval_proto_parse("47"), 47);
	KT_EQ(kn_eval_proto_parse("0"), 0);
	KT_EQ(kn_eval_proto_parse("256"), -1);
	KT_EQ(kn_eval_proto_parse("tcpp"), -1);
	KT_EQ(kn_eval_proto_parse(""), -1);
	KT_EQ_STR(kn_eval_grain_name(KN_EVAL_GRAIN_HOST), "host");
	KT_CHECK(kn_eval_grain_name(4) == NULL);
}

static const struct kt_case cases[] = {
	KT_CASE(test_addr),
	KT_CASE(test_net),
	KT_CASE(test_time),
	KT_CASE(test_proto),
};

KT_MAIN("eval_values", cases)
