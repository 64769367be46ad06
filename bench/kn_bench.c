/*
 * kn_bench.c - stage-by-stage throughput of the sensor on one capture,
 * used by bench/run.py (see BENCHMARKS.md):
 *   kn_bench read FILE     our capture reader only (touches every byte)
 *   kn_bench decode FILE   capture + decode (+ defrag)
 *   kn_bench flows FILE    capture + decode + flow table + TCP reassembly,
 *                          no output
 *   kn_bench flowmem N     memory per idle tracked flow: N synthetic flows
 * Prints one JSON object: packets, bytes, seconds, packets/s, Gbit/s.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "kenchi/capture.h"
#include "kenchi/decode.h"
#include "kenchi/flow.h"
#include "kenchi/stream.h"
#include "util/hash.h"

static double now_s(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

struct sinkhole {
	uint64_t flows, bytes;
};

static void on_end(void *user, struct kn_flow *f, int reason, uint64_t now)
{
	struct sinkhole *s = ((void **)user)[0];
	struct kn_stream_ctx *sc = ((void **)user)[1];
	(void)reason, (void)now;
	if (f->stream)
		kn_stream_flow_end(sc, f);
	s->flows++;
}

static void on_data(void *user, struct kn_flow *f, int dir, const uint8_t *d, uint32_t len,
		    uint64_t off, unsigned flags)
{
	struct sinkhole *s = user;
	(void)f, (void)dir, (void)d, (void)off, (void)flags;
	s->bytes += len;
}

static int run_file(const char *mode, const char *path)
{
	char err[KN_ERRBUF_SIZE];
	struct kn_decode_config dc;
	struct kn_flow_config fc;
	struct kn_stream_config sc;
	struct sinkhole hole = { 0, 0 };
	struct kn_packet pkt;
	uint64_t n = 0, bytes = 0, sum = 0, now = 0;
	int level = !strcmp(mode, "read") ? 0 : !strcmp(mode, "decode") ? 1 : 2;

	kn_decode_config_default(&dc);
	kn_flow_config_default(&fc);
	kn_stream_config_default(&sc);
	struct kn_capture *c = kn_capture_open_file(path, err);
	struct kn_decoder *d = kn_decoder_new(&dc, err);
	struct kn_stream_ctx *st = kn_stream_ctx_new(&sc, on_data, &hole, err);
	void *ud[2] = { &hole, st };
	struct kn_flow_table *ft = kn_flow_table_new(&fc, on_end, ud, 0, err);
	if (!c || !d || !st || !ft) {
		fprintf(stderr, "kn_bench: %s\n", err);
		return 1;
	}
	memset(&pkt, 0, sizeof pkt);
	double t0 = now_s();
	int rc;
	while ((rc = kn_capture_next(c, &pkt, err)) == 1) {
		n++;
		bytes += pkt.caplen;
		if (level == 0) {
			for (uint32_t i = 0; i < pkt.caplen; i += 64)
				sum += pkt.data[i];
			continue;
		}
		pkt.index = n;
		now = pkt.ts_ns;  /* the packet clock, as the engine keeps it */
		if (kn_decode(d, &pkt) != KN_DECODE_IP || level < 2)
			continue;
		kn_flow_table_timeout(ft, now);
		if (kn_flow_lookup(ft, &pkt) && pkt.proto == 6)
			kn_stream_packet(st, &pkt);
	}
	if (rc < 0)
		fprintf(stderr, "kn_bench: %s\n", err);
	kn_flow_table_flush(ft, now);
	double el = now_s() - t0;
	printf("{\"mode\":\"%s\",\"packets\":%llu,\"bytes\":%llu,\"seconds\":%.4f,"
	       "\"pkts_per_s\":%.0f,\"gbit_per_s\":%.3f,\"flows\":%llu,\"stream_bytes\":%llu,"
	       "\"check\":%llu}\n",
	       mode, (unsigned long long)n, (unsigned long long)bytes, el, (double)n / el,
	       (double)bytes * 8 / el / 1e9, (unsigned long long)hole.flows,
	       (unsigned long long)hole.bytes, (unsigned long long)(sum & 0xff));
	kn_flow_table_free(ft);
	kn_stream_ctx_free(st);
	kn_decoder_free(d);
	kn_capture_close(c);
	return 0;
}

static void no_end(void *user, struct kn_flow *f, int reason, uint64_t now)
{
	(void)user, (void)f, (void)reason, (void)now;
}

/* N distinct idle UDP flows; memory per flow from the table's own account. */
static int run_flowmem(unsigned long n)
{
	char err[KN_ERRBUF_SIZE];
	struct kn_flow_config fc;
	struct kn_packet p;

	kn_flow_config_default(&fc);
	fc.memcap = 4ULL << 30;
	fc.hash_size = 1u << 20;
	struct kn_flow_table *ft = kn_flow_table_new(&fc, no_end, NULL, 0, err);
	if (!ft) {
		fprintf(stderr, "kn_bench: %s\n", err);
		return 1;
	}
	memset(&p, 0, sizeof p);
	p.ip_version = 4;
	p.proto = 17;
	p.flags = KN_PKT_HAS_PORTS;
	p.frag_count = 1;
	p.frag_bytes = 100;
	p.caplen = p.wirelen = 100;
	for (unsigned long i = 0; i < n; i++) {
		p.src.b[0] = 10;
		p.src.b[1] = (uint8_t)(i >> 16);
		p.src.b[2] = (uint8_t)(i >> 8);
		p.src.b[3] = (uint8_t)i;
		p.dst.b[0] = 192;
		p.dst.b[3] = 1;
		p.sport = (uint16_t)(1024 + (i & 0x7fff));
		p.dport = 53;
		p.ts_ns = 1000000000ULL + i;
		p.hash = kn_hash_tuple(p.src.b, p.sport, p.dst.b, p.dport, p.proto);
		kn_flow_table_timeout(ft, p.ts_ns);
		(void)kn_flow_lookup(ft, &p);
	}
	const struct kn_flow_stats *s = kn_flow_table_stats(ft);
	printf("{\"mode\":\"flowmem\",\"flows\":%llu,\"mem_in_use\":%llu,\"bytes_per_flow\":%.1f,"
	       "\"sizeof_flow\":%zu}\n",
	       (unsigned long long)s->active, (unsigned long long)s->mem_in_use,
	       s->active ? (double)s->mem_in_use / (double)s->active : 0.0, sizeof(struct kn_flow));
	kn_flow_table_free(ft);
	return 0;
}

int main(int argc, char **argv)
{
	if (argc == 3 && !strcmp(argv[1], "flowmem"))
		return run_flowmem(strtoul(argv[2], NULL, 10));
	if (argc == 3 && (!strcmp(argv[1], "read") || !strcmp(argv[1], "decode") ||
			  !strcmp(argv[1], "flows")))
		return run_file(argv[1], argv[2]);
	fprintf(stderr, "usage: kn_bench read|decode|flows FILE | kn_bench flowmem N\n");
	return 2;
}
