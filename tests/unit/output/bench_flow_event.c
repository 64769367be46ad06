/*
 * bench_flow_event.c - speed of the output path: EVE flow events formatted
 * per second (JSON writer + timestamps + addresses), and the same with the
 * lines going through a batching writer into a file sink (/dev/null).
 *
 * Run with `meson test --benchmark output_flow_event_speed` or directly:
 * bench_flow_event [events]. Exits 1 if an event is not valid JSON.
 */
#include <arpa/inet.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "json_check.h"
#include "kenchi/eve.h"
#include "util/json.h"

static double now_s(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* Four flows of the kinds a sensor sees most: TCP/IPv4, UDP/IPv4 with a
 * VLAN, TCP/IPv6, ICMP. */
static void make_flows(struct kn_flow f[4])
{
	memset(f, 0, 4 * sizeof f[0]);
	for (int i = 0; i < 4; i++) {
		f[i].flow_id = 1640272996998654ull + (uint64_t)i * 7919;
		f[i].start_ns = 1389719053185297000ull;
		f[i].last_ns = 1389719059311698000ull;
		f[i].pkts[0] = 42;
		f[i].pkts[1] = 40;
		f[i].bytes[0] = 4711;
		f[i].bytes[1] = 88123;
		f[i].state = KN_FLOW_CLOSED;
		f[i].key.ip_version = 4;
		inet_pton(AF_INET, "10.0.2.15", f[i].key.src.b);
		inet_pton(AF_INET, "192.150.187.43", f[i].key.dst.b);
		f[i].key.sport = 55129;
		f[i].key.dport = 80;
		f[i].key.proto = 6;
	}
	f[0].tcp_state = KN_TCP_CLOSED;
	f[0].tcp_flags[0] = f[0].tcp_flags[1] = 0x1b;
	f[1].key.proto = 17;
	f[1].key.dport = 53;
	f[1].key.vlan[0] = 100;
	f[2].key.ip_version = 6;
	inet_pton(AF_INET6, "2001:470:1f05:17a6:d69a:20ff:fefd:6b88", f[2].key.src.b);
	inet_pton(AF_INET6, "2400:3000:20:100::46", f[2].key.dst.b);
	f[2].tcp_state = KN_TCP_ESTABLISHED;
	f[2].tcp_flags[0] = 0x1a;
	f[2].tcp_flags[1] = 0x12;
	f[3].key.proto = 1;
	f[3].icmp_type = 8;
}

int main(int argc, char **argv)
{
	long n = argc > 1 ? strtol(argv[1], NULL, 10) : 2000000;
	const char *cid = "1:67+5w1QDz04juy/jENeZGSQ/M1M=";
	struct kn_flow f[4];
	struct kn_json j;
	char errbuf[KN_ERRBUF_SIZE];
	make_flows(f);
	if (n < 4 || kn_json_init(&j, 4096, 1 << 20) != 0)
		return 1;

	size_t bytes = 0;
	double t0 = now_s();
	for (long i = 0; i < n; i++) {
		size_t len;
		kn_eve_flow(&j, &f[i & 3], KN_FLOW_END_TIMEOUT, 1389719061000000000ull + (uint64_t)i,
			    cid);
		if (!kn_json_text(&j, &len))
			return 1;
		bytes += len;
	}
	double t1 = now_s();
	for (int i = 0; i < 4; i++) {
		size_t len;
		kn_eve_flow(&j, &f[i], KN_FLOW_END_TIMEOUT, 0, cid);
		const char *t = kn_json_text(&j, &len);
		if (!t || !json_valid(t, len))
			return 1;
	}
	printf("format only : %.2f M flow events/s, %.0f MB/s of JSON (%ld events, avg %zu B)\n",
	       (double)n / (t1 - t0) / 1e6, (double)bytes / (t1 - t0) / 1e6, n, bytes / (size_t)n);

	struct kn_eve_sink *s = kn_eve_sink_open(KN_EVE_FILE, "/dev/null", errbuf);
	struct kn_eve_writer w;
	if (!s || kn_eve_writer_init(&w, s, 1 << 16) != 0)
		return 1;
	t0 = now_s();
	for (long i = 0; i < n; i++) {
		size_t len;
		kn_eve_flow(&j, &f[i & 3], KN_FLOW_END_TIMEOUT, 1389719061000000000ull, cid);
		const char *t = kn_json_text(&j, &len);
		kn_eve_writer_put(&w, t, len);
	}
	kn_eve_writer_fini(&w);
	t1 = now_s();
	struct kn_eve_sink_stats st;
	kn_eve_sink_stats(s, &st);
	kn_eve_sink_close(s);
	printf("to /dev/null: %.2f M flow events/s through writer + file sink (%llu lines)\n",
	       (double)n / (t1 - t0) / 1e6, (unsigned long long)st.lines);
	kn_json_fini(&j);
	return st.lines == (uint64_t)n ? 0 : 1;
}
