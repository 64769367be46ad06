/*
 * test_detect_config.c - kn_detect_config_set, the detector settings
 * operators change by name (`kenchi run --detect-set NAME=VALUE`): each
 * type lands in its field (whole numbers, decimals, sizes as every size
 * option takes them: util/size.h);
 * out of range, fractional counts, junk and unknown names are refused
 * with the setting, the range or every name in the message, leaving the
 * configuration as it was; the printed list carries every setting and its
 * current value.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../../kt.h"

#include "kenchi/detector.h"

static void test_set(void)
{
	struct kn_detect_config c;
	char err[KN_ERRBUF_SIZE];

	kn_detect_config_default(&c);
	KT_EQ(kn_detect_config_set(&c, "brute_min_failures", "5", err), 0);
	KT_EQ(c.brute_min_failures, 5);
	KT_EQ(kn_detect_config_set(&c, "repeat_s", "12.5", err), 0);
	KT_CHECK(c.repeat_s == 12.5);
	KT_EQ(kn_detect_config_set(&c, "exfil_min_bytes", "2M", err), 0);
	KT_EQ(c.exfil_min_bytes, 2u << 20);
	KT_EQ(kn_detect_config_set(&c, "exfil_min_bytes", "4096", err), 0);
	KT_EQ(c.exfil_min_bytes, 4096);
	KT_EQ(kn_detect_config_set(&c, "exfil_min_bytes", "64KiB", err), 0);   /* as --*-memcap */
	KT_EQ(c.exfil_min_bytes, 64u << 10);
	KT_EQ(kn_detect_config_set(&c, "arp_scan_window_s", "1e-2", err), 0);
	KT_CHECK(c.arp_scan_window_s == 0.01);
	KT_EQ(kn_detect_config_set(&c, "doh_score", "1", err), 0);
	KT_CHECK(c.doh_score == 1.0);
}

static void test_refused(void)
{
	struct kn_detect_config c, before;
	char err[KN_ERRBUF_SIZE];
	static const char *const bad[][2] = {
		{ "brute_min_failures", "0" },  { "brute_min_failures", "2.5" },
		{ "brute_min_failures", "-3" }, { "brute_min_failures", "" },
		{ "brute_min_failures", "3x" }, { "doh_score", "1.5" },
		{ "doh_score", "nan" },         { "repeat_s", "inf" },
		{ "exfil_min_bytes", "2T" },    { "exfil_min_bytes", "1.5" },
		{ "exfil_min_bytes", "1.5K" },  { "exfil_min_bytes", "0" },
		{ "dns_min_label", "64" },
	};

	kn_detect_config_default(&c);
	before = c;
	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		err[0] = 0;
		KT_EQ(kn_detect_config_set(&c, bad[i][0], bad[i][1], err), -KN_EINVAL);
		KT_CHECK(strstr(err, bad[i][0]) != NULL);
		KT_CHECK(memcmp(&c, &before, sizeof c) == 0);
	}
	KT_EQ(kn_detect_config_set(&c, "brute_min_failures", "0", err), -KN_EINVAL);
	KT_EQ_STR(err, "detector setting brute_min_failures: '0' is not a whole number 1..1e+06 "
		  "(brute_force: failed logins in 60 s)");
	KT_EQ(kn_detect_config_set(&c, "brute_min_failure", "4", err), -KN_EINVAL);
	KT_CHECK(strncmp(err, "no detector setting 'brute_min_failure'; the settings: repeat_s, ",
			 64) == 0);
	KT_CHECK(strstr(err, ", brute_min_failures, ") != NULL);
	KT_CHECK(strstr(err, ", doh_score") != NULL);
}

static void test_print(void)
{
	struct kn_detect_config c;
	char err[KN_ERRBUF_SIZE], *buf = NULL;
	size_t len = 0;

	kn_detect_config_default(&c);
	KT_EQ(kn_detect_config_set(&c, "flood_min_syns", "1000", err), 0);
	FILE *f = open_memstream(&buf, &len);
	KT_REQUIRE(f != NULL);
	kn_detect_config_print(&c, f);
	fclose(f);
	unsigned lines = 0;
	for (size_t i = 0; i < len; i++)
		lines += buf[i] == '\n';
	KT_EQ(lines, 17);
	KT_CHECK(strstr(buf, "  flood_min_syns           1000 ") != NULL);
	KT_CHECK(strstr(buf, "  brute_min_failures       3 ") != NULL);
	free(buf);
}

static const struct kt_case cases[] = {
	KT_CASE(test_set),
	KT_CASE(test_refused),
	KT_CASE(test_print),
};

KT_MAIN("anomaly_detect_config", cases)
