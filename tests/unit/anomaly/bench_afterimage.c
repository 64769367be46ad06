/*
 * bench_afterimage.c - run by hand, never by the test suite: packets per
 * second of kn_afterimage_update() over ../shared/data/kitsune/mirai2000.pcap
 * repeated (each pass shifted in time past the previous one), in Kitsune's
 * exact mode and in the pair-only mode. The capture is decoded once up
 * front, so only feature extraction is timed.
 *
 *   bench_afterimage [passes (default 200)] [pcap] [kitsune|pair-only] [memcap MiB]
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "kenchi/anomaly.h"
#include "kenchi/capture.h"
#include "kenchi/decode.h"
#include "util/alloc.h"

#ifndef KN_SOURCE_ROOT
#define KN_SOURCE_ROOT "."
#endif

#define MAX_PKTS 1000000

static double now(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts); /* CPU time: the machine is shared */
	return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

/* Decodes the capture into pk (at most MAX_PKTS); returns the count. */
static size_t load(const char *path, struct kn_ai_packet *pk)
{
	char err[KN_ERRBUF_SIZE];
	struct kn_capture *c = kn_capture_open_file(path, err);
	struct kn_decoder *d = kn_decoder_new(NULL, err);
	struct kn_packet p;
	size_t n = 0;
	if (!c || !d)
		fprintf(stderr, "bench_afterimage: %s\n", err);
	while (c && d && n < MAX_PKTS && kn_capture_next(c, &p, err) == 1)
		kn_ai_packet_from(&p, kn_decode(d, &p), &pk[n++]);
	kn_decoder_free(d);
	kn_capture_close(c);
	return n;
}

static void run(const struct kn_ai_packet *pk, size_t n, long passes, int exact, uint64_t memcap)
{
	struct kn_afterimage_config cfg;
	char err[KN_ERRBUF_SIZE];
	double out[KN_AI_FEATURES], sink = 0;
	kn_afterimage_config_default(&cfg);
	cfg.kitsune_exact = exact;
	if (memcap)
		cfg.memcap = memcap;
	struct kn_afterimage *ai = kn_afterimage_new(&cfg, err);
	if (!ai) {
		fprintf(stderr, "bench_afterimage: %s\n", err);
		return;
	}
	uint64_t span = pk[n - 1].ts_ns - pk[0].ts_ns + 1000000000ull;
	double t0 = now();
	for (long r = 0; r < passes; r++) {
		for (size_t i = 0; i < n; i++) {
			struct kn_ai_packet p = pk[i];
			p.ts_ns += (uint64_t)r * span;
			kn_afterimage_update(ai, &p, out);
			sink += out[99];
		}
	}
	double dt = now() - t0;
	printf("%-12s %10.0f packets/s  (%ld x %zu packets in %.3f s; checksum %g)\n",
	       exact ? "kitsune" : "pair-only", (double)passes * (double)n / dt, passes, n, dt,
	       sink);
	kn_afterimage_free(ai);
}

int main(int argc, char **argv)
{
	long passes = argc > 1 ? strtol(argv[1], NULL, 10) : 200;
	const char *path = argc > 2 ? argv[2] : KN_SOURCE_ROOT "/../shared/data/kitsune/mirai2000.pcap";
	struct kn_ai_packet *pk = kn_calloc(MAX_PKTS, sizeof *pk);
	if (!pk || passes < 1)
		return 2;
	size_t n = load(path, pk);
	if (n == 0) {
		fprintf(stderr, "bench_afterimage: no packets in %s\n", path);
		kn_free(pk);
		return 1;
	}
	const char *mode = argc > 3 ? argv[3] : "";
	uint64_t memcap = argc > 4 ? strtoull(argv[4], NULL, 10) << 20 : 0;
	if (strcmp(mode, "pair-only") != 0)
		run(pk, n, passes, 1, memcap);
	if (strcmp(mode, "kitsune") != 0)
		run(pk, n, passes, 0, memcap);
	kn_free(pk);
	return 0;
}
