/*
 * test_shared_dataset.c - datasets/shared.json, the ground truth of the
 * captures in ../shared/data (written by scripts/mk-shared-dataset.py),
 * against the READMEs it was transcribed from: the number and kinds of
 * captures, classes and host labels, and each splice's labelled packets
 * against the attack-packet column of anomaly/README.md. Then the full
 * load with every file checked and hashed, when the shared data is here
 * (KN_SHARED_DATA, else <source>/../shared/data; skipped when absent).
 */
#include "../../kt.h"

#include <sys/stat.h>

#include "kenchi/eval.h"

#ifndef KN_SOURCE_ROOT
#define KN_SOURCE_ROOT "."
#endif
#define MANIFEST KN_SOURCE_ROOT "/datasets/shared.json"

/* anomaly/README.md, "Splices": file and attack packets. */
static const struct {
	const char *name;
	uint64_t attack, packets;
} splices[] = {
	{ "anomaly__scan_tcp_vertical.pcap.gz", 10009, 48372 },
	{ "anomaly__scan_tcp_syn.pcap.gz", 2011, 40374 },
	{ "anomaly__scan_udp_sweep.pcap.gz", 512, 38875 },
	{ "anomaly__scan_arp_sweep.pcap.gz", 509, 38872 },
	{ "anomaly__scan_icmp.pcap.gz", 37, 38400 },
	{ "anomaly__bruteforce_ssh.pcap.gz", 1178, 39541 },
	{ "anomaly__bruteforce_ftp.pcap.gz", 606, 38969 },
	{ "anomaly__dnstunnel_iodine_ndpi.pcap.gz", 438, 38801 },
	{ "anomaly__dnstunnel_dns2tcp.pcap.gz", 50, 38413 },
	{ "anomaly__dnstunnel_dnscat2.pcap.gz", 24, 38387 },
	{ "anomaly__dnstunnel_iodine_dm.pcap.gz", 24, 38387 },
	{ "anomaly__icmptunnel.pcap.gz", 961, 39324 },
	{ "anomaly__c2_beacon.pcap.gz", 7931, 46294 },
	{ "anomaly__dos_synflood.pcap.gz", 37841, 76204 },
	{ "anomaly__ddos_snmp_reflection.pcap.gz", 4373, 42736 },
	{ "anomaly__mitm_arp_spoof.pcap.gz", 36, 38399 },
	{ "anomaly__malware_emotet.pcap.gz", 169, 38532 },
	{ "anomaly__malware_slips_test7.pcap.gz", 1838, 40201 },
	{ "anomaly__ad_rpcdump.pcap.gz", 11, 38374 },
	{ "anomaly__ad_kerbrute_spray.pcap.gz", 33, 38396 },
	{ "anomaly__ad_psexec.pcap.gz", 264, 38627 },
};

static struct kn_eval_dataset *load(int skip, const char *base, char *err)
{
	struct kn_eval_load_opts o = { .base_dir = base, .skip_files = skip };
	err[0] = '\0';
	return kn_eval_dataset_load_file(MANIFEST, &o, err);
}

static const struct kn_eval_capture *cap(const struct kn_eval_dataset *ds, const char *name)
{
	long i = kn_eval_dataset_find(ds, name);
	return i < 0 ? NULL : &ds->captures[i];
}

static const char *cls(const struct kn_eval_dataset *ds, const struct kn_eval_capture *c)
{
	return c && c->n_labels ? ds->classes[c->labels[0].cls] : "(none)";
}

/* 50 captures: 25 of the README's table (4 benign, 16 whole-capture, 5 host
 * labels), 21 splices, 3 controls and the splices' background. */
static void test_kinds(void)
{
	char err[KN_ERRBUF_SIZE];
	struct kn_eval_dataset *ds = load(1, "/nowhere", err);
	KT_REQUIRE(ds);
	KT_EQ_STR(ds->name, "shared");
	KT_EQ(ds->grain, KN_EVAL_GRAIN_HOST);
	KT_EQ(ds->n_captures, 50);
	KT_EQ(ds->n_classes, 20);
	size_t benign = 0, whole = 0, host = 0, packet = 0;
	for (size_t i = 0; i < ds->n_captures; i++) {
		const struct kn_eval_capture *c = &ds->captures[i];
		KT_CHECK(c->packets > 0);
		KT_CHECK(c->sha256[0] != '\0');
		if (c->benign)
			benign++;
		else if (c->labels[0].whole)
			whole++;
		else if (c->grain == KN_EVAL_GRAIN_HOST)
			host++;
		else if (c->grain == KN_EVAL_GRAIN_PACKET)
			packet++;
	}
	KT_EQ(benign, 8);
	KT_EQ(whole, 16);
	KT_EQ(host, 5);
	KT_EQ(packet, 21);
	kn_eval_dataset_free(ds);
}

static void test_classes_and_hosts(void)
{
	char err[KN_ERRBUF_SIZE];
	struct kn_eval_dataset *ds = load(1, "/nowhere", err);
	KT_REQUIRE(ds);
	const struct kn_eval_capture *c = cap(ds, "pcaps__dns_tunnel__ndpi_dns-tunnel-iodine.pcap");
	KT_REQUIRE(c);
	KT_EQ_STR(cls(ds, c), "dns_tunnel/iodine");
	KT_EQ(c->labels[0].whole, 1);
	KT_EQ(c->packets, 438);
	KT_EQ_STR(c->file, "/nowhere/pcaps/dns_tunnel/ndpi_dns-tunnel-iodine.pcap");
	c = cap(ds, "pcaps__malware__ndpi_emotet.pcap");
	KT_EQ_STR(cls(ds, c), "malware/emotet");
	c = cap(ds, "pcaps__scan__sgr_portScan_1_to_10000.pcapng");
	KT_REQUIRE(c);
	KT_EQ_STR(cls(ds, c), "scan/tcp_vertical");
	KT_EQ(c->packets, 10009);   /* counted in pcapng blocks */

	/* Host labels: the infected host / scanner / beaconing host, either side. */
	static const struct {
		const char *name, *cls;
		uint8_t ip[4];
	} hosts[] = {
		{ "pcaps__malware__slips_test7-malicious.pcap", "malware", { 192, 168, 2, 16 } },
		{ "pcaps__scan__ndpi_synscan.pcap", "scan/tcp_syn", { 172, 16, 0, 8 } },
		{ "pcaps__scan__slips_icmp-portscan.pcap", "scan/icmp", { 192, 168, 1, 109 } },
		{ "pcaps__c2__slips_test-cc-capture-1.pcap", "c2_beacon", { 147, 32, 80, 37 } },
		{ "pcaps__bruteforce__zeek_ftp-bruteforce.pcap", "bruteforce/ftp", { 192, 168, 56, 1 } },
	};
	for (size_t i = 0; i < sizeof hosts / sizeof hosts[0]; i++) {
		c = cap(ds, hosts[i].name);
		KT_REQUIRE(c && c->n_labels == 1);
		KT_EQ(c->grain, KN_EVAL_GRAIN_HOST);
		KT_EQ_STR(cls(ds, c), hosts[i].cls);
		const struct kn_eval_label *l = &c->labels[0];
		KT_EQ(l->whole, 0);
		KT_EQ(l->role, KN_EVAL_ROLE_ANY);
		KT_EQ(l->src.prefix, 32);
		KT_CHECK(memcmp(l->src.addr.bytes, hosts[i].ip, 4) == 0);
	}
	c = cap(ds, "kitsune__mirai2000.pcap");
	KT_REQUIRE(c);
	KT_EQ(c->benign, 1);
	KT_EQ(c->packets, 2000);
	c = cap(ds, "anomaly__controls__control_ssh.pcap.gz");
	KT_REQUIRE(c);
	KT_EQ(c->benign, 1);     /* inserted benign traffic: not an attack */
	KT_EQ(c->grain, KN_EVAL_GRAIN_PACKET);
	KT_EQ(c->packets, 40160);
	KT_CHECK(cap(ds, "bench__mix.pcap") == NULL && cap(ds, "bench__mix.pcap.gz") == NULL);
	kn_eval_dataset_free(ds);
}

/* Each splice: one label of its source capture's class, whose ranges add up
 * to the README's attack packets and start at packet 30,001. */
static void test_splices(void)
{
	char err[KN_ERRBUF_SIZE];
	struct kn_eval_dataset *ds = load(1, "/nowhere", err);
	KT_REQUIRE(ds);
	for (size_t i = 0; i < sizeof splices / sizeof splices[0]; i++) {
		const struct kn_eval_capture *c = cap(ds, splices[i].name);
		if (!c) {
			kt_fail(__FILE__, __LINE__, "%s missing", splices[i].name);
			continue;
		}
		KT_EQ(c->grain, KN_EVAL_GRAIN_PACKET);
		KT_EQ(c->packets, splices[i].packets);
		KT_REQUIRE(c->n_labels == 1 && c->labels[0].n_ranges > 0);
		const struct kn_eval_label *l = &c->labels[0];
		uint64_t sum = 0;
		for (size_t r = 0; r < l->n_ranges; r++)
			sum += l->ranges[r].last - l->ranges[r].first + 1;
		if (sum != splices[i].attack || l->n_packets != splices[i].attack)
			kt_fail(__FILE__, __LINE__, "%s: %llu labelled packets, README says %llu",
				splices[i].name, (unsigned long long)sum,
				(unsigned long long)splices[i].attack);
		KT_EQ(l->ranges[0].first, 30001);
	}
	KT_EQ_STR(cls(ds, cap(ds, "anomaly__scan_tcp_syn.pcap.gz")), "scan/tcp_syn");
	KT_EQ_STR(cls(ds, cap(ds, "anomaly__c2_beacon.pcap.gz")), "c2_beacon");
	KT_EQ_STR(cls(ds, cap(ds, "anomaly__dnstunnel_dnscat2.pcap.gz")), "dns_tunnel/dnscat2");
	KT_EQ_STR(cls(ds, cap(ds, "anomaly__ad_psexec.pcap.gz")), "lateral_movement/psexec");
	/* ad_rpcdump: one run, "attack packets 11" = packets 30001..30011. */
	const struct kn_eval_capture *c = cap(ds, "anomaly__ad_rpcdump.pcap.gz");
	KT_REQUIRE(c && c->labels[0].n_ranges == 1);
	KT_EQ(c->labels[0].ranges[0].last, 30011);
	kn_eval_dataset_free(ds);
}

/* Every file present, a regular file, and its sha256 as recorded. */
static void test_files_hashed(void)
{
	char base[4096], err[KN_ERRBUF_SIZE];
	const char *env = getenv("KN_SHARED_DATA");
	snprintf(base, sizeof base, "%s", env && *env ? env : KN_SOURCE_ROOT "/../shared/data");
	struct stat st;
	if (stat(base, &st) != 0 || !S_ISDIR(st.st_mode))
		KT_SKIP("%.200s absent: the shared captures are not available here "
			"(set KN_SHARED_DATA)", base);
	struct kn_eval_dataset *ds = load(0, base, err);
	if (!ds)
		kt_fail(__FILE__, __LINE__, "%s", err);
	KT_REQUIRE(ds);
	KT_EQ(ds->n_captures, 50);
	kn_eval_dataset_free(ds);
}

static const struct kt_case cases[] = {
	KT_CASE(test_kinds),
	KT_CASE(test_classes_and_hosts),
	KT_CASE(test_splices),
	KT_CASE(test_files_hashed),
};

KT_MAIN("eval_shared_dataset", cases)
