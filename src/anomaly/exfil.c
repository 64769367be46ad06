/*
 * exfil.c - the "exfil" behaviour detector: an internal host sending far
 * more to external addresses than it usually does (data theft, a backup
 * gone astray, a compromised host staging files out).
 *
 * Per internal host, in a fixed table (det_net.h; least recently active
 * replaced): 60 s tumbling windows of the transport payload bytes it sent
 * to external addresses (up) and received from them (down), the window's
 * top four destinations by bytes (a small space-saving list), and its own
 * baseline: an exponentially weighted mean and mean absolute deviation
 * (weight 0.2) of `up` over its past active windows. A window is reported
 * as soon as its upload reaches
 *     max(exfil_min_bytes, exfil_ratio x baseline, baseline + 8 x deviation)
 * while it is upload-dominated (up >= 2 x down: a download pulls in more
 * than it sends, an upload the reverse) and the learning period (learn_s of
 * packet time from the first packet seen) is over; at most once per
 * window. Score 1 - threshold / (2 x up): 0.5 at the threshold, nearing 1
 * far above it. Internal-to-internal traffic (backups to the file server)
 * is not counted.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "det_net.h"
#include "kenchi/detector.h"
#include "util/json.h"

#define WINDOW_NS (60ull * 1000000000ull)
#define TOP 4
#define ALPHA 0.2
#define DEV_K 8.0

struct dest_bytes {
	struct kn_addr addr;
	uint16_t port;
	uint64_t bytes;
};

struct host {
	struct det_slot slot;
	struct kn_addr addr;
	uint8_t v6, reported;      /* reported: this window already */
	uint32_t windows;          /* active windows in the baseline */
	uint64_t win_start;
	uint64_t up, down;         /* this window */
	double base, dev;          /* bytes per active window */
	struct dest_bytes top[TOP];
};

struct exfil {
	struct det_table hosts;
	struct det_home home;
	uint64_t first_ns, learn_ns, min_bytes;
	double ratio;
};

static int exfil_init(void *state, const struct kn_detect_config *cfg, uint64_t budget,
		      char *errbuf)
{
	struct exfil *x = state;

	det_home_init(&x->home, cfg);
	x->learn_ns = (uint64_t)(cfg->learn_s * 1e9);
	x->min_bytes = cfg->exfil_min_bytes;
	x->ratio = cfg->exfil_ratio;
	if (det_table_init(&x->hosts, budget, sizeof(struct host)) != 0) {
		snprintf(errbuf, KN_ERRBUF_SIZE, "exfil: out of memory (host table)");
		return -KN_ENOMEM;
	}
	return 0;
}

static void exfil_fini(void *state)
{
	det_table_fini(&((struct exfil *)state)->hosts);
}

static uint64_t exfil_memuse(const void *state)
{
	return det_table_memuse(&((const struct exfil *)state)->hosts);
}

/* Closes the window when 60 s have passed: an active window joins the
 * baseline. A packet older than the window (time going back) counts in it. */
static void roll(struct host *h, uint64_t now)
{
	if (now < h->win_start || now - h->win_start < WINDOW_NS)
		return;
	if (h->up || h->down) {
		double up = (double)h->up;
		if (!h->windows) {
			h->base = up;
			h->dev = up / 2;
		} else {
			h->dev = (1 - ALPHA) * h->dev + ALPHA * fabs(up - h->base);
			h->base = (1 - ALPHA) * h->base + ALPHA * up;
		}
		h->windows++;
	}
	h->win_start = now;
	h->up = h->down = 0;
	h->reported = 0;
	memset(h->top, 0, sizeof h->top);
}

/* Adds bytes to the destination's entry; a new destination replaces the
 * smallest entry when it has grown past it (space saving, roughly). */
static void add_top(struct host *h, const struct kn_addr *dst, uint16_t port, uint64_t bytes)
{
	unsigned small = 0;

	for (unsigned i = 0; i < TOP; i++) {
		if (h->top[i].bytes && h->top[i].port == port &&
		    !memcmp(&h->top[i].addr, dst, sizeof *dst)) {
			h->top[i].bytes += bytes;
			return;
		}
		if (h->top[i].bytes < h->top[small].bytes)
			small = i;
	}
	h->top[small].addr = *dst;
	h->top[small].port = port;
	h->top[small].bytes += bytes;   /* inherits the evicted count: an upper bound */
}

static double threshold(const struct exfil *x, const struct host *h)
{
	double t = (double)x->min_bytes;

	if (h->windows) {
		t = fmax(t, x->ratio * h->base);
		t = fmax(t, h->base + DEV_K * h->dev);
	}
	return t;
}

/* ----------------------------------------------------------- report */

struct finding {
	const struct host *h;
	char host[48];
	double thr;
};

static void evidence(const void *arg, struct kn_json *j)
{
	const struct finding *f = arg;
	const struct host *h = f->h;
	char ip[48];

	kn_json_str(j, "host", f->host);
	kn_json_u64(j, "bytes_out", h->up);
	kn_json_u64(j, "bytes_in", h->down);
	kn_json_double(j, "baseline_bytes", h->base, 0);
	kn_json_u64(j, "baseline_windows", h->windows);
	kn_json_double(j, "threshold_bytes", f->thr, 0);
	kn_json_u64(j, "window_s", WINDOW_NS / 1000000000ull);
	kn_json_open_array(j, "top_destinations");
	for (unsigned i = 0; i < TOP; i++) {
		if (!h->top[i].bytes)
			continue;
		kn_detect_addr_text(&h->top[i].addr, h->v6, ip, sizeof ip);
		kn_json_open(j, NULL);
		kn_json_str(j, "ip", ip);
		kn_json_u64(j, "port", h->top[i].port);
		kn_json_u64(j, "bytes", h->top[i].bytes);
		kn_json_close(j);
	}
	kn_json_close_array(j);
}

static int by_bytes(const void *a, const void *b)
{
	const struct dest_bytes *x = a, *y = b;
	return x->bytes < y->bytes ? 1 : x->bytes > y->bytes ? -1 : 0;
}

static void report(struct kn_detect_call *c, const struct kn_packet *p, struct host *h,
		   double thr)
{
	struct finding f = { .h = h, .thr = thr };
	char why[400], top[48];

	qsort(h->top, TOP, sizeof h->top[0], by_bytes);
	kn_detect_addr_text(&h->addr, h->v6, f.host, sizeof f.host);
	kn_detect_addr_text(&h->top[0].addr, h->v6, top, sizeof top);
	snprintf(why, sizeof why, "%s sent %.1f MB to external hosts within %u s (received "
		 "%.1f MB), %.0f times its usual %.1f kB per active minute (%u minutes seen); "
		 "most went to %s:%u (%.1f MB)", f.host, (double)h->up / 1e6,
		 (unsigned)(WINDOW_NS / 1000000000ull), (double)h->down / 1e6,
		 h->base > 0 ? (double)h->up / h->base : INFINITY, h->base / 1e3, h->windows,
		 top, h->top[0].port, (double)h->top[0].bytes / 1e6);
	struct kn_detection d = {
		.event = "EXFILTRATION", .score = 1.0 - thr / (2.0 * (double)h->up),
		.key = f.host, .explanation = why, .flow = p->flow, .dir = p->dir,
		.evidence = evidence, .arg = &f };
	kn_detect_report(c, &d);
}

/* ----------------------------------------------------------- packets */

static void exfil_packet(void *state, struct kn_detect_call *c, const struct kn_packet *p)
{
	struct exfil *x = state;
	int v6 = p->ip_version == 6;

	if ((p->ip_version != 4 && !v6) || !p->payload_len)
		return;
	if (!x->first_ns)
		x->first_ns = p->ts_ns | 1;
	int in_src = det_internal(&x->home, &p->src, v6), in_dst = det_internal(&x->home, &p->dst, v6);
	if (in_src == in_dst || !det_unicast(in_src ? &p->dst : &p->src, v6))
		return;
	const struct kn_addr *local = in_src ? &p->src : &p->dst;
	struct host *h = det_table_find(&x->hosts, det_addr_hash(local, v6, 0x657866), p->ts_ns,
					1, NULL);
	if (!h->win_start) {
		h->addr = *local;
		h->v6 = (uint8_t)v6;
		h->win_start = p->ts_ns;
	}
	roll(h, p->ts_ns);
	h->slot.last_ns = p->ts_ns;
	if (!in_src) {
		h->down += p->payload_len;
		return;
	}
	h->up += p->payload_len;
	add_top(h, &p->dst, p->dport, p->payload_len);
	if (h->reported || h->up < x->min_bytes || h->up < 2 * h->down ||
	    p->ts_ns < x->first_ns + x->learn_ns)
		return;
	double thr = threshold(x, h);
	if ((double)h->up >= thr) {
		h->reported = 1;
		report(c, p, h, thr);
	}
}

const struct kn_detector kn_detector_exfil = {
	.name = "exfil",
	.ctx_size = sizeof(struct exfil),
	.init = exfil_init,
	.fini = exfil_fini,
	.packet = exfil_packet,
	.memuse = exfil_memuse,
};
