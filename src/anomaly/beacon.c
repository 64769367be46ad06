/*
 * beacon.c - the "beacon" behaviour detector: command-and-control implants
 * call home at a fixed period (a sleep in a loop), so one host opens
 * connections to one destination and port at intervals that barely vary.
 *
 * A CHANNEL is (source, destination, destination port, protocol) with a
 * public destination; its events are the starts of its connections (a TCP
 * SYN, or a UDP flow's first datagram when it carries data). Per channel, in a fixed table (least recently
 * active evicted): the last 16 intervals between starts. A channel beacons
 * when it has at least 8 intervals, their median m is 1 s to 1 day, and
 * their median absolute deviation is at most 10 % of m (jitter a
 * scheduler adds stays well inside; human or request-driven traffic does
 * not). A destination many sources call periodically is a service (NTP,
 * update servers, a resolver): destinations keep a 64-bit sketch of their
 * sources, and one with 3 or more is not reported. Channels that already
 * existed during the learning period (beacon_learn_s of packet time from
 * the first packet the sensor saw, default 300 s) are the network's known
 * heartbeats (IoT clouds, update checks) and are never reported (unless
 * evicted and seen anew): a beacon that runs from before the sensor
 * started is missed, one that starts later is caught after 8 periods.
 * Score: 0.5 for a
 * regular channel, rising with the number of regular intervals and the
 * tightness of the period.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "kenchi/detector.h"
#include "util/alloc.h"
#include "util/hash.h"
#include "util/json.h"

#define RING 16
#define MIN_INTERVALS 8
#define PROBES 8
#define COMMON_SOURCES 3

struct channel {
	uint64_t hash;             /* 0 = free */
	struct kn_addr src, dst;
	uint16_t dport;
	uint8_t proto, v6;
	uint8_t n, next;           /* intervals kept, next slot */
	uint8_t baseline;          /* periodic already in the learning period */
	uint32_t starts;
	uint64_t last_ns;
	float iv[RING];            /* seconds */
};

struct dest {
	uint64_t hash;             /* 0 = free */
	uint64_t last_ns;
	uint64_t sources;          /* one bit per source hash */
};

struct beacon {
	uint64_t first_ns;         /* the sensor's first packet time seen here */
	uint64_t learn_ns;         /* the learning period */
	struct channel *ch;
	size_t n_ch;
	struct dest *dst;
	size_t n_dst;
};

static int beacon_init(void *state, const struct kn_detect_config *cfg, uint64_t budget,
		       char *errbuf)
{
	struct beacon *b = state;
	size_t n = (size_t)(budget * 3 / 4 / sizeof(struct channel));
	size_t m = (size_t)(budget / 4 / sizeof(struct dest));

	b->learn_ns = (uint64_t)(cfg->beacon_learn_s * 1e9);
	b->n_ch = n < 64 ? 64 : n;
	b->n_dst = m < 64 ? 64 : m;
	b->ch = kn_calloc(b->n_ch, sizeof *b->ch);
	b->dst = kn_calloc(b->n_dst, sizeof *b->dst);
	if (!b->ch || !b->dst) {
		kn_free(b->ch);
		kn_free(b->dst);
		snprintf(errbuf, KN_ERRBUF_SIZE, "beacon: out of memory (%zu channels)", b->n_ch);
		return -KN_ENOMEM;
	}
	return 0;
}

static void beacon_fini(void *state)
{
	struct beacon *b = state;
	kn_free(b->ch);
	kn_free(b->dst);
}

static uint64_t beacon_memuse(const void *state)
{
	const struct beacon *b = state;
	return (uint64_t)b->n_ch * sizeof *b->ch + (uint64_t)b->n_dst * sizeof *b->dst;
}

/* The channel of packet p (src, dst, dport, proto); a new one replaces the
 * least recently active of its PROBES slots. */
static struct channel *find_channel(struct beacon *b, const struct kn_packet *p)
{
	uint64_t h = kn_hash64(p->src.b, 16, kn_hash64(p->dst.b, 16, (uint64_t)p->dport << 8 |
						       p->proto)) | 1;
	size_t i0 = (size_t)(h % b->n_ch), v = i0;

	for (size_t k = 0; k < PROBES; k++) {
		struct channel *c = &b->ch[(i0 + k) % b->n_ch];
		if (c->hash == h && c->dport == p->dport && c->proto == p->proto &&
		    !memcmp(&c->src, &p->src, sizeof c->src) &&
		    !memcmp(&c->dst, &p->dst, sizeof c->dst))
			return c;
		if (!c->hash) {
			v = (i0 + k) % b->n_ch;
			break;
		}
		if (c->last_ns < b->ch[v].last_ns)
			v = (i0 + k) % b->n_ch;
	}
	struct channel *c = &b->ch[v];
	memset(c, 0, sizeof *c);
	c->hash = h;
	c->src = p->src, c->dst = p->dst, c->dport = p->dport, c->proto = p->proto;
	c->v6 = p->ip_version == 6;
	return c;
}

/* The destination (address, port, proto) of p, by its 64-bit hash alone:
 * a collision only merges two destinations' source sketches. */
static struct dest *find_dest(struct beacon *b, const struct kn_packet *p)
{
	uint64_t h = kn_hash64(p->dst.b, 16, (uint64_t)p->dport << 8 | p->proto) | 1;
	size_t i0 = (size_t)(h % b->n_dst), v = i0;

	for (size_t k = 0; k < PROBES; k++) {
		struct dest *d = &b->dst[(i0 + k) % b->n_dst];
		if (d->hash == h)
			return d;
		if (!d->hash) {
			v = (i0 + k) % b->n_dst;
			break;
		}
		if (d->last_ns < b->dst[v].last_ns)
			v = (i0 + k) % b->n_dst;
	}
	memset(&b->dst[v], 0, sizeof b->dst[v]);
	b->dst[v].hash = h;
	return &b->dst[v];
}

static int cmp_float(const void *a, const void *b)
{
	float x = *(const float *)a, y = *(const float *)b;
	return x < y ? -1 : x > y;
}

static float median(float *v, unsigned n)
{
	qsort(v, n, sizeof *v, cmp_float);
	return n % 2 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
}

/* ----------------------------------------------------------- report */

struct finding {
	const struct channel *c;
	char src[48], dst[48], key[120];
	float period, mad;
	unsigned sources;
};

static void evidence(const void *arg, struct kn_json *j)
{
	const struct finding *f = arg;

	kn_json_str(j, "source", f->src);
	kn_json_str(j, "destination", f->dst);
	kn_json_u64(j, "dest_port", f->c->dport);
	kn_json_double(j, "period_s", f->period, 3);
	kn_json_double(j, "jitter_s", f->mad, 3);
	kn_json_u64(j, "intervals", f->c->n);
	kn_json_u64(j, "connections", f->c->starts);
	kn_json_u64(j, "destination_sources", f->sources);
}

static void report(struct kn_detect_call *c, const struct kn_packet *p, const struct channel *ch,
		   float period, float mad, unsigned sources)
{
	struct finding f = { .c = ch, .period = period, .mad = mad, .sources = sources };
	char why[400];

	kn_detect_addr_text(&ch->src, ch->v6, f.src, sizeof f.src);
	kn_detect_addr_text(&ch->dst, ch->v6, f.dst, sizeof f.dst);
	snprintf(f.key, sizeof f.key, "%s->%s:%u", f.src, f.dst, ch->dport);
	snprintf(why, sizeof why, "%s connected to %s port %u every %.2f s (+-%.2f s) for %u "
		 "intervals in a row; %u source(s) call that destination: a periodic call home",
		 f.src, f.dst, ch->dport, period, mad, ch->n, sources);
	double tight = 1.0 - mad / (0.1 * period);
	struct kn_detection d = { .event = "BEACON",
		.score = 0.5 + 0.25 * (tight < 0 ? 0 : tight) + 0.24 * (ch->n - MIN_INTERVALS) /
			 (double)(RING - MIN_INTERVALS),
		.key = f.key, .explanation = why, .flow = p->flow, .dir = p->dir,
		.evidence = evidence, .arg = &f };
	kn_detect_report(c, &d);
}

/* ----------------------------------------------------------- packets */

static unsigned note_source(struct beacon *b, const struct kn_packet *p)
{
	struct dest *d = find_dest(b, p);

	d->last_ns = p->ts_ns;
	d->sources |= 1ull << (kn_hash64(p->src.b, 16, 0x62) % 64);
	return (unsigned)__builtin_popcountll(d->sources);
}

/* Destinations a call home goes to: public unicast addresses. Private,
 * shared, loopback, link-local, multicast and broadcast ones are left out
 * (internal services poll each other on timers all day). */
static int external(const struct kn_packet *p)
{
	const uint8_t *a = p->dst.b;

	if (p->ip_version == 4)
		return !(a[0] == 10 || a[0] == 127 || a[0] == 0 || a[0] >= 224 ||
			 (a[0] == 172 && (a[1] & 0xf0) == 16) || (a[0] == 192 && a[1] == 168) ||
			 (a[0] == 169 && a[1] == 254) || (a[0] == 100 && (a[1] & 0xc0) == 64));
	static const uint8_t loop6[16] = { [15] = 1 };
	return !((a[0] & 0xfe) == 0xfc || (a[0] == 0xfe && (a[1] & 0xc0) == 0x80) ||
		 a[0] == 0xff || !memcmp(a, loop6, 16));
}

/* The start of a connection: a TCP SYN (no ACK), or a UDP flow's first
 * datagram when it carries data, from the flow's client side. */
static int connection_start(const struct kn_packet *p)
{
	if (!p->flow || p->dir != 0 || p->flow->pkts[0] != 1 || p->flow->pkts[1] != 0)
		return 0;
	if (p->proto == 6)
		return (p->tcp.flags & (KN_TCP_SYN | KN_TCP_ACK)) == KN_TCP_SYN;
	return p->proto == 17 && p->payload_len > 0;
}

static void beacon_packet(void *state, struct kn_detect_call *c, const struct kn_packet *p)
{
	struct beacon *b = state;
	struct channel *ch;

	if (!b->first_ns)
		b->first_ns = p->ts_ns ? p->ts_ns : 1;
	if ((p->proto != 6 && p->proto != 17) || !connection_start(p) || !external(p))
		return;
	unsigned sources = note_source(b, p);
	ch = find_channel(b, p);
	/* a channel already there while the sensor was learning what is normal
	 * here is a known heartbeat (device clouds, update checks) */
	if (!ch->starts && p->ts_ns < b->first_ns + b->learn_ns)
		ch->baseline = 1;
	ch->starts++;
	if (ch->last_ns && p->ts_ns > ch->last_ns) {
		ch->iv[ch->next] = (float)((double)(p->ts_ns - ch->last_ns) / 1e9);
		ch->next = (uint8_t)((ch->next + 1) % RING);
		if (ch->n < RING)
			ch->n++;
	}
	ch->last_ns = p->ts_ns;
	if (ch->n < MIN_INTERVALS || sources >= COMMON_SOURCES)
		return;
	float v[RING], dev[RING];
	memcpy(v, ch->iv, ch->n * sizeof *v);
	float m = median(v, ch->n);
	for (unsigned i = 0; i < ch->n; i++)
		dev[i] = fabsf(ch->iv[i] - m);
	float mad = median(dev, ch->n);
	if (m >= 1.0f && m <= 86400.0f && mad <= 0.1f * m && !ch->baseline)
		report(c, p, ch, m, mad, sources);
}

const struct kn_detector kn_detector_beacon = {
	.name = "beacon",
	.ctx_size = sizeof(struct beacon),
	.init = beacon_init,
	.fini = beacon_fini,
	.packet = beacon_packet,
	.memuse = beacon_memuse,
};
