/*
 * test_vars.c - address and port sets of rule headers and the variables
 * behind them: Suricata's stock HOME_NET / EXTERNAL_NET, groups with
 * negation (nested and double), CIDR, netmasks, ranges, IPv6, port ranges
 * and groups; variables set in code and read from suricata.yaml or NAME
 * lines; each set error.
 */
#include "../../kt.h"

#include <arpa/inet.h>
#include <stdio.h>
#include <unistd.h>

#include "detect_test.h"

/* Range i of a v4 set is lo-hi (dotted quads). */
static int v4(const struct kn_rule_addrs *a, uint32_t i, const char *lo, const char *hi)
{
	uint8_t l[4], h[4];
	if (i >= a->n || a->v[i].family != 4 || inet_pton(AF_INET, lo, l) != 1 ||
	    inet_pton(AF_INET, hi, h) != 1)
		return 0;
	return memcmp(a->v[i].lo, l, 4) == 0 && memcmp(a->v[i].hi, h, 4) == 0;
}

static const struct kn_rule *one(struct kn_ruleset **rs, const char *hdr)
{
	char text[1024];
	snprintf(text, sizeof text, "%s (msg:\"x\"; sid:1;)\n", hdr);
	*rs = dt_load(text, NULL);
	return *rs ? kn_ruleset_rule(*rs, 0) : NULL;
}

static void test_home_external(void)
{
	struct kn_ruleset *rs;
	const struct kn_rule *r = one(&rs, "alert ip $HOME_NET any -> $EXTERNAL_NET any");
	KT_REQUIRE(r);
	KT_EQ(r->src.any, 0);
	KT_EQ(r->src.n, 3);
	KT_CHECK(v4(&r->src, 0, "10.0.0.0", "10.255.255.255"));
	KT_CHECK(v4(&r->src, 1, "172.16.0.0", "172.31.255.255"));
	KT_CHECK(v4(&r->src, 2, "192.168.0.0", "192.168.255.255"));
	/* !$HOME_NET: the v4 gaps around the three blocks, and all of v6 */
	KT_EQ(r->dst.n, 5);
	KT_CHECK(v4(&r->dst, 0, "0.0.0.0", "9.255.255.255"));
	KT_CHECK(v4(&r->dst, 1, "11.0.0.0", "172.15.255.255"));
	KT_CHECK(v4(&r->dst, 2, "172.32.0.0", "192.167.255.255"));
	KT_CHECK(v4(&r->dst, 3, "192.169.0.0", "255.255.255.255"));
	KT_EQ(r->dst.v[4].family, 6);
	KT_EQ(r->dst.v[4].lo[0], 0);
	KT_EQ(r->dst.v[4].hi[15], 0xff);
	KT_EQ(r->sport.any, 1);
	KT_EQ(r->dport.any, 1);
	kn_ruleset_free(rs);
}

static void test_groups_negation(void)
{
	struct kn_ruleset *rs;
	const struct kn_rule *r =
		one(&rs, "alert tcp [10.0.0.0/8,!10.1.0.0/16] any -> !!1.2.3.4 any");
	KT_REQUIRE(r);
	KT_EQ(r->src.n, 2);
	KT_CHECK(v4(&r->src, 0, "10.0.0.0", "10.0.255.255"));
	KT_CHECK(v4(&r->src, 1, "10.2.0.0", "10.255.255.255"));
	KT_EQ(r->dst.n, 1);
	KT_CHECK(v4(&r->dst, 0, "1.2.3.4", "1.2.3.4"));
	kn_ruleset_free(rs);
	/* inner = the /24 but .1; negated: all v4 around it, .1, and all of v6 */
	r = one(&rs, "alert ip ![1.1.1.0/24,!1.1.1.1] any -> any any");
	KT_REQUIRE(r);
	KT_EQ(r->src.n, 4);
	KT_CHECK(v4(&r->src, 0, "0.0.0.0", "1.1.0.255"));
	KT_CHECK(v4(&r->src, 1, "1.1.1.1", "1.1.1.1"));
	KT_CHECK(v4(&r->src, 2, "1.1.2.0", "255.255.255.255"));
	KT_EQ(r->src.v[3].family, 6);
	kn_ruleset_free(rs);
	/* a group that negates all it names is empty, even nested */
	r = one(&rs, "alert ip ![1.1.1.1,![1.1.1.1,2.2.2.2]] any -> any any");
	KT_CHECK(r == NULL);
	kn_ruleset_free(rs);
}

static void test_forms(void)
{
	struct kn_ruleset *rs;
	const struct kn_rule *r = one(&rs, "alert ip [192.168.1.0/255.255.255.0,10.0.0.1-10.0.0.5,"
				      "10.0.0.3] any -> [2001:db8::/32, ::1] any");
	KT_REQUIRE(r);
	KT_EQ(r->src.n, 2);
	KT_CHECK(v4(&r->src, 0, "10.0.0.1", "10.0.0.5"));
	KT_CHECK(v4(&r->src, 1, "192.168.1.0", "192.168.1.255"));
	KT_EQ(r->dst.n, 2);
	KT_EQ(r->dst.v[0].family, 6);    /* ::1 sorts first */
	KT_EQ(r->dst.v[0].lo[15], 1);
	KT_EQ(r->dst.v[1].lo[0], 0x20);
	KT_EQ(r->dst.v[1].lo[3], 0xb8);
	KT_EQ(r->dst.v[1].lo[4], 0);
	KT_EQ(r->dst.v[1].hi[3], 0xb8);
	KT_EQ(r->dst.v[1].hi[4], 0xff);
	KT_EQ(r->dst.v[1].hi[15], 0xff);
	kn_ruleset_free(rs);
}

/* Suricata also takes a bare comma list as a group. */
static void test_bare_lists(void)
{
	struct kn_ruleset *rs;
	const struct kn_rule *r = one(&rs, "alert tcp 2.2.2.2,1.1.1.1 any -> [3.3.3.3],[4.4.4.4] "
				      "80,443");
	KT_REQUIRE(r);
	KT_EQ(r->src.n, 2);
	KT_CHECK(v4(&r->src, 0, "1.1.1.1", "1.1.1.1"));
	KT_CHECK(v4(&r->src, 1, "2.2.2.2", "2.2.2.2"));
	KT_EQ(r->dst.n, 2);
	KT_CHECK(v4(&r->dst, 1, "4.4.4.4", "4.4.4.4"));
	KT_EQ(r->dport.n, 2);
	KT_EQ(r->dport.v[1].lo, 443);
	kn_ruleset_free(rs);
}

static void test_ports(void)
{
	struct kn_ruleset *rs;
	const struct kn_rule *r =
		one(&rs, "alert tcp any [80,443,8000:8100,!8080] -> any !$HTTP_PORTS");
	KT_REQUIRE(r);
	KT_EQ(r->sport.n, 4);
	KT_EQ(r->sport.v[0].lo, 80);
	KT_EQ(r->sport.v[1].lo, 443);
	KT_EQ(r->sport.v[2].lo, 8000);
	KT_EQ(r->sport.v[2].hi, 8079);
	KT_EQ(r->sport.v[3].lo, 8081);
	KT_EQ(r->sport.v[3].hi, 8100);
	KT_EQ(r->dport.n, 2);
	KT_EQ(r->dport.v[0].hi, 79);
	KT_EQ(r->dport.v[1].lo, 81);
	KT_EQ(r->dport.v[1].hi, 65535);
	kn_ruleset_free(rs);
	r = one(&rs, "alert tcp any 1024: <> any :1023");
	KT_REQUIRE(r);
	KT_EQ(r->bidir, 1);
	KT_EQ(r->sport.v[0].lo, 1024);
	KT_EQ(r->sport.v[0].hi, 65535);
	KT_EQ(r->dport.v[0].lo, 0);
	KT_EQ(r->dport.v[0].hi, 1023);
	kn_ruleset_free(rs);
	/* FILE_DATA_PORTS = [$HTTP_PORTS,110,143] */
	r = one(&rs, "alert tcp any $FILE_DATA_PORTS -> any $SHELLCODE_PORTS");
	KT_REQUIRE(r);
	KT_EQ(r->sport.n, 3);
	KT_EQ(r->sport.v[2].lo, 143);
	KT_EQ(r->dport.n, 2);
	kn_ruleset_free(rs);
}

static void test_vars_api(void)
{
	char err[KN_ERRBUF_SIZE];
	struct kn_rule_vars *v = kn_rule_vars_new(err);
	KT_REQUIRE(v);
	KT_EQ_STR(kn_rule_vars_get(v, KN_VAR_ADDRESS, "EXTERNAL_NET"), "!$HOME_NET");
	KT_EQ_STR(kn_rule_vars_get(v, KN_VAR_PORT, "ORACLE_PORTS"), "1521");
	KT_CHECK(kn_rule_vars_get(v, KN_VAR_PORT, "HOME_NET") == NULL);
	KT_EQ(kn_rule_vars_set(v, KN_VAR_ADDRESS, "HOME_NET", "192.0.2.0/24", err), 0);
	KT_EQ(kn_rule_vars_set(v, KN_VAR_ADDRESS, "bad name", "1.2.3.4", err), -KN_EINVAL);
	struct kn_ruleset *rs = kn_ruleset_new(v, err);
	KT_REQUIRE(rs);
	const char *t = "alert ip $HOME_NET any -> any any (sid:1;)\n";
	KT_EQ(kn_ruleset_load_mem(rs, "m", t, strlen(t), NULL, err), 0);
	const struct kn_rule *r = kn_ruleset_rule(rs, 0);
	KT_REQUIRE(r);
	KT_CHECK(v4(&r->src, 0, "192.0.2.0", "192.0.2.255"));
	kn_ruleset_free(rs);
	kn_rule_vars_free(v);
}

static void write_file(const char *path, const char *text)
{
	FILE *f = fopen(path, "w");
	if (f) {
		fputs(text, f);
		fclose(f);
	}
}

static void test_vars_files(void)
{
	char err[KN_ERRBUF_SIZE], path[] = "/tmp/kn_vars_XXXXXX";
	int fd = mkstemp(path);
	KT_REQUIRE(fd >= 0);
	close(fd);
	struct kn_rule_vars *v = kn_rule_vars_new(err);
	KT_REQUIRE(v);
	write_file(path, "%YAML 1.1\nvars:\n  address-groups:\n    HOME_NET: \"[10.9.0.0/16]\"\n"
			 "    #HOME_NET: \"any\"\n\n  port-groups:\n    HTTP_PORTS: \"[80,8080]\"\n"
			 "    ORACLE_PORTS: 1522\noutputs:\n  - eve-log:\n      enabled: yes\n");
	KT_EQ(kn_rule_vars_load_file(v, path, err), 0);
	KT_EQ_STR(kn_rule_vars_get(v, KN_VAR_ADDRESS, "HOME_NET"), "[10.9.0.0/16]");
	KT_EQ_STR(kn_rule_vars_get(v, KN_VAR_PORT, "HTTP_PORTS"), "[80,8080]");
	KT_EQ_STR(kn_rule_vars_get(v, KN_VAR_PORT, "ORACLE_PORTS"), "1522");
	KT_CHECK(kn_rule_vars_get(v, KN_VAR_ADDRESS, "enabled") == NULL);
	write_file(path, "# plain list\nDMZ_NET 203.0.113.0/24\nWEB_PORTS: [80,443]\n");
	KT_EQ(kn_rule_vars_load_file(v, path, err), 0);
	KT_EQ_STR(kn_rule_vars_get(v, KN_VAR_ADDRESS, "DMZ_NET"), "203.0.113.0/24");
	KT_EQ_STR(kn_rule_vars_get(v, KN_VAR_PORT, "WEB_PORTS"), "[80,443]");
	write_file(path, "GOOD 1.2.3.4\nNOVALUE\n");
	KT_EQ(kn_rule_vars_load_file(v, path, err), -KN_EFORMAT);
	KT_CHECK(strstr(err, ":2:") != NULL);
	KT_EQ(kn_rule_vars_load_file(v, "/nonexistent/vars", err), -KN_EIO);
	unlink(path);
	kn_rule_vars_free(v);
}

/* Each bad set fails its rule with a reason naming the part. */
static void test_set_errors(void)
{
	static const struct {
		const char *hdr, *want;
	} cases[] = {
		{ "alert ip $NOPE any -> any any", "variable '$NOPE' is not defined" },
		{ "alert ip $HTTP_PORTS any -> any any", "is a port variable" },
		{ "alert tcp any $HOME_NET -> any any", "is an address variable" },
		{ "alert ip [1.2.3.4,!1.2.3.4] any -> any any", "empty after its negations" },
		{ "alert ip !any any -> any any", "'!any' matches nothing" },
		{ "alert tcp any 70000 -> any any", "'70000' is not a port" },
		{ "alert tcp any 100:10 -> any any", "ends before it starts" },
		{ "alert ip 1.2.3.0/33 any -> any any", "bad prefix length" },
		{ "alert ip [1.2.3.4,5.6.7.8 any -> any any", "'[' is not closed by ']'" },
		{ "alert ip 1.2.3 any -> any any", "is not an IP address" },
		{ "alert ip 1.2.3.0/255.0.255.0 any -> any any", "not contiguous" },
		{ "alert ip [1.2.3.4,] any -> any any", "ends with a comma" },
		{ "alert ip [] any -> any any", "empty group" },
		/* found by fuzz_rules: an item was leaked on this path */
		{ "alert ip 1.1.1.1,[2.2.2.2]] any -> any any", "unbalanced brackets" },
	};
	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		struct kn_ruleset *rs;
		const struct kn_rule *r = one(&rs, cases[i].hdr);
		const struct kn_rule_error *e = rs ? kn_ruleset_error(rs, 0) : NULL;
		KT_CHECK(r == NULL);
		KT_CHECK(e != NULL);
		if (e && !strstr(e->message, cases[i].want))
			kt_fail(__FILE__, __LINE__, "case %zu: '%s' lacks '%s'", i, e->message,
				cases[i].want);
		if (e)
			KT_EQ_STR(e->keyword, "header");
		kn_ruleset_free(rs);
	}
}

static void test_var_loop(void)
{
	char err[KN_ERRBUF_SIZE];
	struct kn_rule_vars *v = kn_rule_vars_new(err);
	KT_REQUIRE(v);
	KT_EQ(kn_rule_vars_set(v, KN_VAR_ADDRESS, "A", "[$B,1.1.1.1]", err), 0);
	KT_EQ(kn_rule_vars_set(v, KN_VAR_ADDRESS, "B", "$A", err), 0);
	struct kn_ruleset *rs = kn_ruleset_new(v, err);
	KT_REQUIRE(rs);
	const char *t = "alert ip $A any -> any any (sid:1;)\n";
	KT_EQ(kn_ruleset_load_mem(rs, "m", t, strlen(t), NULL, err), 0);
	KT_EQ(kn_ruleset_count(rs), 0);
	const struct kn_rule_error *e = kn_ruleset_error(rs, 0);
	KT_REQUIRE(e);
	KT_CHECK(strstr(e->message, "nests too deep") != NULL);
	KT_EQ(e->column, 10);    /* points at $A in the rule */
	kn_ruleset_free(rs);
	kn_rule_vars_free(v);
}

static const struct kt_case cases[] = {
	KT_CASE(test_home_external), KT_CASE(test_groups_negation), KT_CASE(test_forms),
	KT_CASE(test_ports), KT_CASE(test_bare_lists), KT_CASE(test_vars_api), KT_CASE(test_vars_files),
	KT_CASE(test_set_errors), KT_CASE(test_var_loop),
};

KT_MAIN("detect_vars", cases)
