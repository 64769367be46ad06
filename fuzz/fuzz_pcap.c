/*
 * fuzz_pcap.c - libFuzzer target for the capture stage's file parsers
 * (src/capture: pcap and pcapng), the first code to see untrusted bytes.
 *
 * Each input is opened with kn_capture_open_mem and read to the end,
 * touching every byte of every packet (ASan catches any read outside the
 * input). Inputs that fit in a pipe are read a second time through one (the
 * bounded-buffer path, with its refills and compaction) and both runs must
 * agree: same packets, same result, same error text after the name.
 */
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "kenchi/capture.h"

struct run {
	int rc;             /* open failure (negative) or the last next() result */
	uint64_t packets, sum, meta;
	char err[KN_ERRBUF_SIZE];
};

/* Error text without the leading "<name>: " (names differ between runs). */
static const char *after_name(const char *msg, const char *name)
{
	size_t n = strlen(name);
	if (strncmp(msg, name, n) == 0 && msg[n] == ':')
		return msg + n + 1;
	return msg;
}

static void drain(struct kn_capture *c, struct run *r)
{
	struct kn_packet p;
	while ((r->rc = kn_capture_next(c, &p, r->err)) == 1) {
		r->packets++;
		for (uint32_t i = 0; i < p.caplen; i++)
			r->sum += p.data[i];
		r->meta += p.ts_ns ^ p.wirelen ^ ((uint64_t)p.linktype << 32) ^
			   (p.flags & ~KN_PKT_STABLE);  /* only the mmap'd/memory run is stable */
	}
	if (r->rc < 0) {
		/* Sticky: the same error again. */
		char again[KN_ERRBUF_SIZE];
		if (kn_capture_next(c, &p, again) != r->rc || strcmp(again, r->err) != 0)
			abort();
	}
	if (kn_capture_position(c) > kn_capture_size(c) && kn_capture_size(c))
		abort();
}

static void run_mem(const uint8_t *data, size_t size, struct run *r)
{
	struct kn_capture *c = kn_capture_open_mem(data, size, "fuzz", r->err);
	if (!c) {
		r->rc = -1;
		return;
	}
	drain(c, r);
	kn_capture_close(c);
}

/* Through a pipe; 0 when the input does not fit in one (not run). */
static int run_pipe(const uint8_t *data, size_t size, struct run *r, char *name)
{
	int fds[2];
	if (size > 65536 || pipe(fds) < 0)
		return 0;
	if (size && write(fds[1], data, size) != (ssize_t)size) {
		close(fds[0]);
		close(fds[1]);
		return 0;
	}
	close(fds[1]);
	snprintf(name, 32, "/dev/fd/%d", fds[0]);
	struct kn_capture *c = kn_capture_open_file(name, r->err);
	if (c) {
		drain(c, r);
		kn_capture_close(c);
	} else {
		r->rc = -1;
	}
	close(fds[0]);
	return 1;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct run m = { 0 }, p = { 0 };
	char name[32];
	run_mem(data, size, &m);
	if (!run_pipe(data, size, &p, name))
		return 0;
	if (m.rc != p.rc || m.packets != p.packets || m.sum != p.sum || m.meta != p.meta ||
	    strcmp(after_name(m.err, "fuzz"), after_name(p.err, name)) != 0) {
		fprintf(stderr, "mem and pipe differ: %d/%d %llu/%llu\n  %s\n  %s\n", m.rc, p.rc,
			(unsigned long long)m.packets, (unsigned long long)p.packets, m.err, p.err);
		abort();
	}
	return 0;
}
