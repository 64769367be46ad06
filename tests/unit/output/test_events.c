/*
 * test_events.c - unit tests of the EVE event formatters (src/output:
 * flow_event.c, anomaly_event.c, app_event.c, eve_common.c): handmade TCP,
 * UDP, ICMP and IPv6 flows, decode and app-layer anomalies and app-layer
 * event heads compared with the exact expected line (Suricata 7.0.4's field
 * order), Suricata's IPv6 address text, protocol names, strings that need
 * escaping in the head, and the max_cap limit.
 */
#include <arpa/inet.h>
#include <stdlib.h>
#include <string.h>

#include "kenchi/eve.h"
#include "kt.h"
#include "json_check.h"
#include "output/output.h"
#include "util/json.h"

#define NS 1000000000ull

static struct kn_json jw;

static void set_v4(struct kn_addr *a, const char *text)
{
	memset(a, 0, sizeof *a);
	inet_pton(AF_INET, text, a->b);
}

static void set_v6(struct kn_addr *a, const char *text)
{
	memset(a, 0, sizeof *a);
	inet_pton(AF_INET6, text, a->b);
}

/* The formatted event, required to be valid JSON. */
static const char *text(void)
{
	size_t len;
	const char *t = kn_json_text(&jw, &len);
	if (t && !json_valid(t, len))
		return "(invalid JSON)";
	return t;
}

/* The flow of the Suricata reference line in the brief (zeek_http). */
static void tcp_flow(struct kn_flow *f)
{
	memset(f, 0, sizeof *f);
	set_v4(&f->key.src, "10.0.2.15");
	set_v4(&f->key.dst, "192.150.187.43");
	f->key.sport = 55129;
	f->key.dport = 80;
	f->key.proto = 6;
	f->key.ip_version = 4;
	f->flow_id = 1640272996998654ull;
	f->state = KN_FLOW_CLOSED;
	f->tcp_state = KN_TCP_CLOSED;
	f->tcp_flags[0] = KN_TCP_SYN | KN_TCP_FIN | KN_TCP_ACK;
	f->tcp_flags[1] = KN_TCP_SYN | KN_TCP_FIN | KN_TCP_ACK;
	f->pkts[0] = 4;
	f->pkts[1] = 3;
	f->bytes[0] = 236;
	f->bytes[1] = 180;
	f->start_ns = 1389719053185297000ull;
	f->last_ns = 1389719059311698000ull;
}

static void test_tcp_flow_matches_suricata(void)
{
	struct kn_flow f;
	tcp_flow(&f);
	kn_eve_flow(&jw, &f, KN_FLOW_END_SHUTDOWN, 1389719041819644000ull,
		    "1:67+5w1QDz04juy/jENeZGSQ/M1M=");
	/* Suricata 7.0.4's line minus the stream-engine-only
	 * ts_max_regions/tc_max_regions. */
	KT_EQ_STR(text(),
		  "{\"timestamp\":\"2014-01-14T17:04:01.819644+0000\",\"flow_id\":1640272996998654,"
		  "\"event_type\":\"flow\",\"src_ip\":\"10.0.2.15\",\"src_port\":55129,"
		  "\"dest_ip\":\"192.150.187.43\",\"dest_port\":80,\"proto\":\"TCP\","
		  "\"flow\":{\"pkts_toserver\":4,\"pkts_toclient\":3,\"bytes_toserver\":236,"
		  "\"bytes_toclient\":180,\"start\":\"2014-01-14T17:04:13.185297+0000\","
		  "\"end\":\"2014-01-14T17:04:19.311698+0000\",\"age\":6,\"state\":\"closed\","
		  "\"reason\":\"shutdown\",\"alerted\":false},"
		  "\"community_id\":\"1:67+5w1QDz04juy/jENeZGSQ/M1M=\","
		  "\"tcp\":{\"tcp_flags\":\"13\",\"tcp_flags_ts\":\"13\",\"tcp_flags_tc\":\"13\","
		  "\"syn\":true,\"fin\":true,\"ack\":true,\"state\":\"closed\"}}");
}

static void test_tcp_all_flags_and_states(void)
{
	struct kn_flow f;
	tcp_flow(&f);
	f.tcp_flags[0] = 0xdb;  /* as in a Suricata ssh flow: syn fin psh ack ecn cwr */
	f.tcp_flags[1] = 0x24;  /* rst urg */
	f.tcp_state = KN_TCP_FIN_WAIT2;
	f.state = KN_FLOW_ESTABLISHED;
	/* age counts second boundaries crossed, as Suricata does: 0.2 s -> 1 */
	f.start_ns = 100 * NS + 900000000ull;
	f.last_ns = 101 * NS + 100000000ull;
	kn_eve_flow(&jw, &f, KN_FLOW_END_TIMEOUT, 200 * NS, NULL);
	const char *t = text();
	KT_REQUIRE(t);
	KT_CHECK(strstr(t, "\"age\":1,\"state\":\"established\",\"reason\":\"timeout\"") != NULL);
	KT_CHECK(strstr(t, "community_id") == NULL);
	KT_CHECK(strstr(t, "\"tcp\":{\"tcp_flags\":\"ff\",\"tcp_flags_ts\":\"db\","
			   "\"tcp_flags_tc\":\"24\",\"syn\":true,\"fin\":true,\"rst\":true,"
			   "\"psh\":true,\"ack\":true,\"urg\":true,\"ecn\":true,\"cwr\":true,"
			   "\"state\":\"fin_wait2\"}}") != NULL);
	/* Every TCP state has its name; out-of-range values are "unknown". */
	static const char *names[] = { NULL, "syn_sent", "syn_recv", "established",
		"fin_wait1", "fin_wait2", "time_wait", "last_ack", "close_wait", "closing",
		"closed" };
	for (int s = 1; s <= KN_TCP_CLOSED; s++) {
		char want[64];
		f.tcp_state = (uint8_t)s;
		kn_eve_flow(&jw, &f, KN_FLOW_END_FORCED, 200 * NS, NULL);
		snprintf(want, sizeof want, "\"state\":\"%s\"}}", names[s]);
		KT_CHECK(strstr(text(), want) != NULL);
		KT_CHECK(strstr(text(), "\"reason\":\"forced\"") != NULL);
	}
	f.tcp_state = 77;
	f.state = 9;
	kn_eve_flow(&jw, &f, 42, 200 * NS, NULL);
	KT_CHECK(strstr(text(), "\"state\":\"unknown\",\"reason\":\"unknown\"") != NULL);
	KT_CHECK(strstr(text(), "\"state\":\"unknown\"}}") != NULL);
}

static void test_udp_flow_with_vlans(void)
{
	struct kn_flow f;
	memset(&f, 0, sizeof f);
	set_v4(&f.key.src, "192.0.2.21");
	set_v4(&f.key.dst, "8.8.8.8");
	f.key.sport = 53001;
	f.key.dport = 53;
	f.key.proto = 17;
	f.key.ip_version = 4;
	f.key.vlan[0] = 10;
	f.key.vlan[1] = 20;
	f.flow_id = 562951094620677ull;
	f.state = KN_FLOW_NEW;
	f.pkts[0] = 1;
	f.bytes[0] = 60;
	f.start_ns = f.last_ns = 2 * NS;
	kn_eve_flow(&jw, &f, KN_FLOW_END_TIMEOUT, 700000000 * NS + 284281000ull,
		    "1:xWV9H+nEQia+pQt2iTbxWjdxjAM=");
	KT_EQ_STR(text(),
		  "{\"timestamp\":\"1992-03-07T20:26:40.284281+0000\",\"flow_id\":562951094620677,"
		  "\"event_type\":\"flow\",\"vlan\":[10,20],\"src_ip\":\"192.0.2.21\","
		  "\"src_port\":53001,\"dest_ip\":\"8.8.8.8\",\"dest_port\":53,\"proto\":\"UDP\","
		  "\"flow\":{\"pkts_toserver\":1,\"pkts_toclient\":0,\"bytes_toserver\":60,"
		  "\"bytes_toclient\":0,\"start\":\"1970-01-01T00:00:02.000000+0000\","
		  "\"end\":\"1970-01-01T00:00:02.000000+0000\",\"age\":0,\"state\":\"new\","
		  "\"reason\":\"timeout\",\"alerted\":false},"
		  "\"community_id\":\"1:xWV9H+nEQia+pQt2iTbxWjdxjAM=\"}");
	/* A single VLAN. */
	f.key.vlan[1] = 0;
	kn_eve_flow(&jw, &f, KN_FLOW_END_TIMEOUT, 0, NULL);
	KT_CHECK(strstr(text(), "\"event_type\":\"flow\",\"vlan\":[10],\"src_ip\"") != NULL);
}

static void test_icmp_flow_has_no_ports(void)
{
	struct kn_flow f;
	memset(&f, 0, sizeof f);
	set_v4(&f.key.src, "66.59.111.190");
	set_v4(&f.key.dst, "172.28.2.3");
	f.key.sport = 8;  /* community-id port equivalents: never logged */
	f.key.dport = 0;
	f.key.proto = 1;
	f.key.ip_version = 4;
	f.icmp_type = 8;
	f.icmp_code = 0;
	f.flow_id = 28402334166561ull;
	f.state = KN_FLOW_ESTABLISHED;
	f.pkts[0] = f.pkts[1] = 8;
	f.bytes[0] = f.bytes[1] = 672;
	f.start_ns = 1055289968 * NS + 793044000ull;
	f.last_ns = 1055289971 * NS + 854342000ull;
	kn_eve_flow(&jw, &f, KN_FLOW_END_TIMEOUT, 1056991898 * NS + 893023000ull,
		    "1:4qiuUiapfKrMDVDHhw0iOgvogqI=");
	/* Suricata's line minus response_icmp_type/code and with alerted false. */
	KT_EQ_STR(text(),
		  "{\"timestamp\":\"2003-06-30T16:51:38.893023+0000\",\"flow_id\":28402334166561,"
		  "\"event_type\":\"flow\",\"src_ip\":\"66.59.111.190\",\"dest_ip\":\"172.28.2.3\","
		  "\"proto\":\"ICMP\",\"icmp_type\":8,\"icmp_code\":0,"
		  "\"flow\":{\"pkts_toserver\":8,\"pkts_toclient\":8,\"bytes_toserver\":672,"
		  "\"bytes_toclient\":672,\"start\":\"2003-06-11T00:06:08.793044+0000\","
		  "\"end\":\"2003-06-11T00:06:11.854342+0000\",\"age\":3,"
		  "\"state\":\"established\",\"reason\":\"timeout\",\"alerted\":false},"
		  "\"community_id\":\"1:4qiuUiapfKrMDVDHhw0iOgvogqI=\"}");
}

static void test_ipv6_flows(void)
{
	struct kn_flow f;
	memset(&f, 0, sizeof f);
	set_v6(&f.key.src, "fe80:0000:0000:0000:020c:29ff:fef3:cf38");
	set_v6(&f.key.dst, "fe80:0000:0000:0000:020c:29ff:faf2:ab42");
	f.key.sport = 58307;
	f.key.dport = 80;
	f.key.proto = 6;
	f.key.ip_version = 6;
	f.key.vlan[0] = 1111;
	f.flow_id = 278618939856979ull;
	f.state = KN_FLOW_NEW;
	f.tcp_state = KN_TCP_NONE;  /* no TCP session: no "state" in "tcp" */
	f.pkts[0] = 1;
	f.bytes[0] = 72;
	f.start_ns = f.last_ns = 1391789728 * NS + 392551000ull;
	kn_eve_flow(&jw, &f, KN_FLOW_END_TIMEOUT, 1393406401 * NS + 485027000ull, NULL);
	KT_EQ_STR(text(),
		  "{\"timestamp\":\"2014-02-26T09:20:01.485027+0000\",\"flow_id\":278618939856979,"
		  "\"event_type\":\"flow\",\"vlan\":[1111],\"src_ip\":\"fe80:0000:0000:0000:020c:29ff:fef3:cf38\","
		  "\"src_port\":58307,\"dest_ip\":\"fe80:0000:0000:0000:020c:29ff:faf2:ab42\",\"dest_port\":80,"
		  "\"proto\":\"TCP\",\"flow\":{\"pkts_toserver\":1,\"pkts_toclient\":0,"
		  "\"bytes_toserver\":72,\"bytes_toclient\":0,"
		  "\"start\":\"2014-02-07T16:15:28.392551+0000\","
		  "\"end\":\"2014-02-07T16:15:28.392551+0000\",\"age\":0,\"state\":\"new\","
		  "\"reason\":\"timeout\",\"alerted\":false},"
		  "\"tcp\":{\"tcp_flags\":\"00\",\"tcp_flags_ts\":\"00\",\"tcp_flags_tc\":\"00\"}}");

	/* ICMPv6 echo, and an IPv6-in-IPv4 (proto 41) flow. */
	memset(&f, 0, sizeof f);
	set_v6(&f.key.src, "3ffe:507:0:1:200:86ff:fe05:80da");
	set_v6(&f.key.dst, "3ffe:507:0:1:260:97ff:fe07:69ea");
	f.key.proto = 58;
	f.key.ip_version = 6;
	f.icmp_type = 128;
	f.flow_id = 826754552728080ull;
	f.start_ns = 921159962 * NS + 651245000ull;
	f.last_ns = 921159965 * NS + 778882000ull;
	kn_eve_flow(&jw, &f, KN_FLOW_END_TIMEOUT, 944207397 * NS + 470000000ull, NULL);
	KT_CHECK(strstr(text(), "\"src_ip\":\"3ffe:0507:0000:0001:0200:86ff:fe05:80da\","
				"\"dest_ip\":\"3ffe:0507:0000:0001:0260:97ff:fe07:69ea\","
				"\"proto\":\"IPv6-ICMP\",\"icmp_type\":128,\"icmp_code\":0,"
				"\"flow\":{") != NULL);
	KT_CHECK(strstr(text(), "\"age\":3,") != NULL);
	set_v4(&f.key.src, "10.1.0.1");
	set_v4(&f.key.dst, "10.1.0.2");
	f.key.ip_version = 4;
	f.key.proto = 41;
	f.key.sport = 1234;  /* no ports for protocols without them */
	kn_eve_flow(&jw, &f, KN_FLOW_END_TIMEOUT, 0, NULL);
	KT_CHECK(strstr(text(), "\"src_ip\":\"10.1.0.1\",\"dest_ip\":\"10.1.0.2\","
				"\"proto\":\"IPv6\",\"flow\":{") != NULL);
	KT_CHECK(strstr(text(), "\"tcp\"") == NULL);
}

static void test_flow_overflow_is_reported(void)
{
	struct kn_json small;
	struct kn_flow f;
	tcp_flow(&f);
	KT_REQUIRE(kn_json_init(&small, 64, 200) == 0);
	kn_eve_flow(&small, &f, KN_FLOW_END_SHUTDOWN, 0, NULL);
	KT_CHECK(kn_json_text(&small, NULL) == NULL);
	/* The next (smaller) document starts clean. */
	kn_json_reset(&small);
	kn_json_open(&small, NULL);
	kn_json_close(&small);
	KT_EQ_STR(kn_json_text(&small, NULL), "{}");
	kn_json_fini(&small);
}

static void test_decode_anomaly(void)
{
	struct kn_packet p;
	struct kn_flow f;
	memset(&p, 0, sizeof p);
	tcp_flow(&f);
	p.ts_ns = 1389719041819644000ull;
	p.index = 42;
	p.ip_version = 4;
	p.proto = 6;
	p.flags = KN_PKT_HAS_PORTS;
	set_v4(&p.src, "192.150.187.43");
	set_v4(&p.dst, "10.0.2.15");
	p.sport = 80;
	p.dport = 55129;
	p.flow = &f;
	kn_eve_decode_anomaly(&jw, &p, "tcp.opt_invalid_len");
	KT_EQ_STR(text(),
		  "{\"timestamp\":\"2014-01-14T17:04:01.819644+0000\",\"flow_id\":1640272996998654,"
		  "\"pcap_cnt\":42,\"event_type\":\"anomaly\",\"src_ip\":\"192.150.187.43\","
		  "\"src_port\":80,\"dest_ip\":\"10.0.2.15\",\"dest_port\":55129,\"proto\":\"TCP\","
		  "\"pkt_src\":\"wire/pcap\",\"anomaly\":{\"type\":\"decode\","
		  "\"event\":\"decoder.tcp.opt_invalid_len\"}}");

	/* Stopped before IP: no addresses, no flow; VLANs are still known. */
	memset(&p, 0, sizeof p);
	p.ts_ns = 5 * NS;
	p.index = 7;
	p.vlan[0] = 4093;
	kn_eve_decode_anomaly(&jw, &p, "ethernet.pkt_too_small");
	KT_EQ_STR(text(),
		  "{\"timestamp\":\"1970-01-01T00:00:05.000000+0000\",\"pcap_cnt\":7,"
		  "\"event_type\":\"anomaly\",\"vlan\":[4093],\"pkt_src\":\"wire/pcap\","
		  "\"anomaly\":{\"type\":\"decode\",\"event\":\"decoder.ethernet.pkt_too_small\"}}");

	/* Reassembled IPv6 ICMP: type/code, "defrag"; NULL name is "unknown". */
	memset(&p, 0, sizeof p);
	p.index = 9;
	p.ip_version = 6;
	p.proto = 58;
	p.flags = KN_PKT_REASSEMBLED;
	set_v6(&p.src, "2001:db8::1");
	set_v6(&p.dst, "ff02::1");
	p.icmp_type = 135;
	kn_eve_decode_anomaly(&jw, &p, NULL);
	KT_EQ_STR(text(),
		  "{\"timestamp\":\"1970-01-01T00:00:00.000000+0000\",\"pcap_cnt\":9,"
		  "\"event_type\":\"anomaly\",\"src_ip\":\"2001:0db8:0000:0000:0000:0000:0000:0001\",\"dest_ip\":\"ff02:0000:0000:0000:0000:0000:0000:0001\","
		  "\"proto\":\"IPv6-ICMP\",\"icmp_type\":135,\"icmp_code\":0,"
		  "\"pkt_src\":\"defrag\",\"anomaly\":{\"type\":\"decode\","
		  "\"event\":\"decoder.unknown\"}}");
}

static void test_ipv6_text_suricata(void)
{
	/* Suricata 7 logs IPv6 uncompressed, lower case, four digits a group. */
	static const struct {
		const char *in, *out;
	} v[] = {
		{ "2001:db8::1", "2001:0db8:0000:0000:0000:0000:0000:0001" },
		{ "::", "0000:0000:0000:0000:0000:0000:0000:0000" },
		{ "fe80::20c:29ff:fef3:cf38", "fe80:0000:0000:0000:020c:29ff:fef3:cf38" },
		{ "ABCD:EF01:2345:6789:ABCD:EF01:2345:6789", "abcd:ef01:2345:6789:abcd:ef01:2345:6789" },
		{ "::ffff:192.0.2.1", "0000:0000:0000:0000:0000:ffff:c000:0201" },
	};
	char out[OUTPUT_ADDR_LEN];
	for (size_t i = 0; i < sizeof v / sizeof v[0]; i++) {
		struct kn_addr a;
		set_v6(&a, v[i].in);
		KT_EQ(output_addr_format(&a, 6, out), strlen(v[i].out));
		KT_EQ_STR(out, v[i].out);
	}
}

static void test_proto_names(void)
{
	char tmp[4];
	KT_EQ_STR(output_proto_name(6, tmp), "TCP");
	KT_EQ_STR(output_proto_name(17, tmp), "UDP");
	KT_EQ_STR(output_proto_name(1, tmp), "ICMP");
	KT_EQ_STR(output_proto_name(58, tmp), "IPv6-ICMP");
	KT_EQ_STR(output_proto_name(132, tmp), "SCTP");
	KT_EQ_STR(output_proto_name(47, tmp), "GRE");
	KT_EQ_STR(output_proto_name(50, tmp), "ESP");
	KT_EQ_STR(output_proto_name(51, tmp), "AH");
	KT_EQ_STR(output_proto_name(41, tmp), "IPv6");
	KT_EQ_STR(output_proto_name(4, tmp), "IP-in-IP");  /* as Suricata 7 prints it */
	KT_EQ_STR(output_proto_name(44, tmp), "IPv6-Frag");
	KT_EQ_STR(output_proto_name(116, tmp), "DDX");
	KT_EQ_STR(output_proto_name(61, tmp), "61");
	KT_EQ_STR(output_proto_name(200, tmp), "200");
	KT_EQ_STR(output_proto_name(255, tmp), "255");
	KT_CHECK(output_proto_has_ports(6) && output_proto_has_ports(17) &&
		 output_proto_has_ports(132) && !output_proto_has_ports(1));
	KT_CHECK(output_proto_is_icmp(1) && output_proto_is_icmp(58) && !output_proto_is_icmp(6));
}

static void log_http_body(const struct kn_tx *tx, struct kn_json *j)
{
	(void)tx;
	kn_json_open(j, "http");
	kn_json_str(j, "hostname", "a");
	kn_json_close(j);
}

static void log_after_app_proto(const struct kn_tx *tx, struct kn_json *j)
{
	(void)tx;
	kn_json_u64(j, "x", 1);
}

static void test_app_event_head(void)
{
	struct kn_flow f;
	struct kn_tx tx = { .id = 7, .dir = 1, .log_tx_id = 1, .app_proto_member = 1,
			    .log = log_http_body, .log2 = log_after_app_proto };
	tcp_flow(&f);
	f.key.vlan[0] = 100;
	kn_eve_app_tx(&jw, &f, "http", &tx, 1389719041819644000ull, 42,
		      "1:67+5w1QDz04juy/jENeZGSQ/M1M=");
	KT_EQ_STR(text(),
		  "{\"timestamp\":\"2014-01-14T17:04:01.819644+0000\",\"flow_id\":1640272996998654,"
		  "\"pcap_cnt\":42,\"event_type\":\"http\",\"vlan\":[100],"
		  "\"src_ip\":\"192.150.187.43\",\"src_port\":80,\"dest_ip\":\"10.0.2.15\","
		  "\"dest_port\":55129,\"proto\":\"TCP\",\"pkt_src\":\"wire/pcap\","
		  "\"community_id\":\"1:67+5w1QDz04juy/jENeZGSQ/M1M=\",\"tx_id\":7,"
		  "\"http\":{\"hostname\":\"a\"},\"app_proto\":\"http\",\"x\":1}");
	/* Strings from elsewhere that need escaping, or are long, go through
	 * the JSON writer: same text as if every member had. */
	static const char long_type[] =
		"a-very-long-event-type-name-from-some-parser-0123456789-abcdefghij";
	struct kn_tx odd = { .event_type = "we\"ird\x01", .log_tx_id = 0 };
	f.key.vlan[0] = 0;
	f.key.vlan[1] = 7;
	kn_eve_app_tx(&jw, &f, "dns", &odd, 0, 0, "1:\\");
	KT_EQ_STR(text(),
		  "{\"timestamp\":\"1970-01-01T00:00:00.000000+0000\",\"flow_id\":1640272996998654,"
		  "\"event_type\":\"we\\\"ird\\u0001\",\"vlan\":[7],"
		  "\"src_ip\":\"10.0.2.15\",\"src_port\":55129,\"dest_ip\":\"192.150.187.43\","
		  "\"dest_port\":80,\"proto\":\"TCP\",\"pkt_src\":\"wire/pcap\","
		  "\"community_id\":\"1:\\\\\"}");
	odd.event_type = long_type;
	f.key.vlan[0] = 1;
	kn_eve_app_tx(&jw, &f, "dns", &odd, 0, 0, NULL);
	KT_CHECK(strstr(text(), "\"flow_id\":1640272996998654,\"event_type\":\"a-very-long-"
				"event-type-name-from-some-parser-0123456789-abcdefghij\","
				"\"vlan\":[1,7],\"src_ip\"") != NULL);
	KT_CHECK(strstr(text(), "\"pkt_src\":\"wire/pcap\"}") != NULL);
	/* Anomalies: defaults for a missing layer and event. */
	f.key.vlan[0] = f.key.vlan[1] = 0;
	kn_eve_app_anomaly(&jw, &f, NULL, 0, NULL, NULL, 5 * NS, 3, NULL);
	KT_CHECK(strstr(text(), "\"pcap_cnt\":3,\"event_type\":\"anomaly\",") != NULL);
	KT_CHECK(strstr(text(), "\"pkt_src\":\"wire/pcap\",\"anomaly\":{\"type\":\"applayer\","
				"\"event\":\"UNKNOWN\",\"layer\":\"proto_parser\"}}") != NULL);
	kn_eve_app_anomaly(&jw, &f, "tls", 1, "x\ny", "BAD\"EVENT", 5 * NS, 3, NULL);
	KT_CHECK(strstr(text(), "\"src_ip\":\"192.150.187.43\",\"src_port\":80,") != NULL);
	KT_CHECK(strstr(text(), "\"anomaly\":{\"app_proto\":\"tls\",\"type\":\"applayer\","
				"\"event\":\"BAD\\\"EVENT\",\"layer\":\"x\\ny\"}}") != NULL);
}

/* An event fits max_cap exactly when its text and the NUL do: the head's
 * member runs reserve what they write, not a worst case. */
static void test_events_fit_max_exactly(void)
{
	struct kn_flow f;
	struct kn_tx tx = { .id = 1, .log_tx_id = 1, .log = log_http_body };
	tcp_flow(&f);
	for (int kind = 0; kind < 2; kind++) {
		if (kind == 0)
			kn_eve_flow_app(&jw, &f, KN_FLOW_END_TIMEOUT, 5 * NS,
					"1:67+5w1QDz04juy/jENeZGSQ/M1M=", "http", NULL);
		else
			kn_eve_app_tx(&jw, &f, "http", &tx, 5 * NS, 9, "1:67+5w1QDz04juy/jENeZGSQ/M1M=");
		size_t len;
		KT_REQUIRE(kn_json_text(&jw, &len) != NULL);
		for (size_t max = len; max <= len + 1; max++) {
			struct kn_json small;
			KT_REQUIRE(kn_json_init(&small, 64, max) == 0);
			if (kind == 0)
				kn_eve_flow_app(&small, &f, KN_FLOW_END_TIMEOUT, 5 * NS,
						"1:67+5w1QDz04juy/jENeZGSQ/M1M=", "http", NULL);
			else
				kn_eve_app_tx(&small, &f, "http", &tx, 5 * NS, 9,
					      "1:67+5w1QDz04juy/jENeZGSQ/M1M=");
			const char *t = kn_json_text(&small, NULL);
			if (max == len)
				KT_CHECK(t == NULL);
			else
				KT_CHECK(t && strcmp(t, kn_json_text(&jw, NULL)) == 0);
			kn_json_fini(&small);
		}
	}
}

static const struct kt_case cases[] = {
	KT_CASE(test_tcp_flow_matches_suricata),
	KT_CASE(test_tcp_all_flags_and_states),
	KT_CASE(test_udp_flow_with_vlans),
	KT_CASE(test_icmp_flow_has_no_ports),
	KT_CASE(test_ipv6_flows),
	KT_CASE(test_flow_overflow_is_reported),
	KT_CASE(test_decode_anomaly),
	KT_CASE(test_ipv6_text_suricata),
	KT_CASE(test_proto_names),
	KT_CASE(test_app_event_head),
	KT_CASE(test_events_fit_max_exactly),
};

int main(int argc, char **argv)
{
	if (kn_json_init(&jw, 256, 1 << 16) != 0)
		return 1;
	int rc = kt_run("output_events", cases, sizeof cases / sizeof cases[0], argc, argv);
	kn_json_fini(&jw);
	return rc;
}
