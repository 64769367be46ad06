/*
 * bench_stream.c - throughput of the stream stage alone (not a unit test;
 * run with `meson test --benchmark stream` or directly).
 *
 * Feeds crafted 1460-byte segments of FLOWS concurrent flows, interleaved
 * round-robin, through one context whose callback only sums the bytes:
 *   in-order   every segment is the next expected one (zero-copy path);
 *   reordered  within every block of 16 segments of a flow the order is a
 *              random permutation (copy, buffer, drain path).
 * Prints MB/s delivered and million segments/s for each.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "kenchi/stream.h"
#include "util/alloc.h"

#define SEG 1460u
#define FLOWS 64u
#define SEGS_PER_FLOW 8192u   /* ~12 MB per flow */
#define BLOCK 16u

struct sink {
	uint64_t bytes;
	uint64_t calls;
	unsigned checksum;
};

static void on_data(void *user, struct kn_flow *flow, int dir, const uint8_t *data,
	uint32_t len, uint64_t offset, unsigned flags)
{
	struct sink *s = user;

	(void)flow;
	(void)dir;
	(void)offset;
	(void)flags;
	s->calls++;
	if (data && len) {
		s->bytes += len;
		s->checksum += data[0];
	}
}

static double now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

static uint64_t rnd(uint64_t *s)
{
	*s ^= *s >> 12;
	*s ^= *s << 25;
	*s ^= *s >> 27;
	return *s * 0x2545F4914F6CDD1Dull;
}

/* order[i] = index of the segment sent i-th within a flow. */
static void make_order(uint32_t *order, int reorder)
{
	uint64_t rs = 7;

	for (uint32_t i = 0; i < SEGS_PER_FLOW; i++)
		order[i] = i;
	if (!reorder)
		return;
	for (uint32_t b = 0; b < SEGS_PER_FLOW; b += BLOCK) {
		for (uint32_t i = BLOCK - 1; i > 0; i--) {
			uint32_t j = (uint32_t)(rnd(&rs) % (i + 1));
			uint32_t t = order[b + i];
			order[b + i] = order[b + j];
			order[b + j] = t;
		}
	}
}

static void run(const char *name, int reorder, const uint8_t *payload, struct kn_flow *flows,
	uint32_t *order)
{
	struct kn_stream_config cfg;
	struct sink sink = { 0 };
	char errbuf[KN_ERRBUF_SIZE];
	struct kn_packet pkt;

	kn_stream_config_default(&cfg);
	cfg.depth = 0;
	struct kn_stream_ctx *ctx = kn_stream_ctx_new(&cfg, on_data, &sink, errbuf);
	if (!ctx) {
		fprintf(stderr, "bench: %s\n", errbuf);
		exit(1);
	}
	make_order(order, reorder);
	memset(flows, 0, FLOWS * sizeof(*flows));
	memset(&pkt, 0, sizeof(pkt));
	pkt.proto = 6;
	pkt.data = payload;
	pkt.caplen = SEG + 54;
	pkt.payload_off = 54;
	for (uint32_t f = 0; f < FLOWS; f++) {
		pkt.flow = &flows[f];
		pkt.tcp.seq = 1000 * f;
		pkt.tcp.flags = KN_TCP_SYN;
		kn_stream_packet(ctx, &pkt);
	}
	pkt.payload_len = SEG;
	pkt.tcp.flags = KN_TCP_ACK | KN_TCP_PSH;
	double t0 = now_s();
	for (uint32_t i = 0; i < SEGS_PER_FLOW; i++) {
		for (uint32_t f = 0; f < FLOWS; f++) {
			pkt.flow = &flows[f];
			pkt.tcp.seq = 1000 * f + 1 + order[i] * SEG;
			kn_stream_packet(ctx, &pkt);
		}
	}
	double dt = now_s() - t0;
	for (uint32_t f = 0; f < FLOWS; f++)
		kn_stream_flow_end(ctx, &flows[f]);
	const struct kn_stream_stats *st = kn_stream_ctx_stats(ctx);
	uint64_t segs = (uint64_t)SEGS_PER_FLOW * FLOWS;
	printf("%-10s %8.0f MB/s  %6.2f Mseg/s  (%llu bytes, %llu ooo segments, mem peak %llu KiB, checksum %u)\n",
	       name, (double)sink.bytes / dt / 1e6, (double)segs / dt / 1e6,
	       (unsigned long long)sink.bytes, (unsigned long long)st->ooo_segments,
	       (unsigned long long)(st->mem_peak / 1024), sink.checksum);
	if (sink.bytes != segs * SEG)
		exit(1);
	kn_stream_ctx_free(ctx);
}

int main(void)
{
	uint8_t *payload = kn_calloc(SEG + 54, 1);
	struct kn_flow *flows = kn_calloc(FLOWS, sizeof(*flows));
	uint32_t *order = kn_calloc(SEGS_PER_FLOW, sizeof(*order));

	if (!payload || !flows || !order)
		return 1;
	for (uint32_t i = 0; i < SEG + 54; i++)
		payload[i] = (uint8_t)i;
	run("in-order", 0, payload, flows, order);
	run("reordered", 1, payload, flows, order);
	kn_free(payload);
	kn_free(flows);
	kn_free(order);
	return 0;
}
