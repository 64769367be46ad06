/*
 * detectors.c - the behaviour detectors' registry and the context a worker
 * owns (detector.h): one state per registered detector, the memcap split
 * between them, the hooks fanned out to each, and report rate limiting
 * (one report per detector and key per repeat_s of packet time, unless the
 * score grew by half) in a fixed table of recent reports.
 */
#include <math.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "kenchi/detector.h"
#include "util/alloc.h"
#include "util/hash.h"
#include "util/size.h"

extern const struct kn_detector kn_detector_dns_tunnel;
extern const struct kn_detector kn_detector_port_scan;
extern const struct kn_detector kn_detector_beacon;
extern const struct kn_detector kn_detector_exfil;
extern const struct kn_detector kn_detector_rarity;
extern const struct kn_detector kn_detector_dark_addr;
extern const struct kn_detector kn_detector_icmp_sweep;
extern const struct kn_detector kn_detector_dga;
extern const struct kn_detector kn_detector_flood;
extern const struct kn_detector kn_detector_reflection;
extern const struct kn_detector kn_detector_brute_force;
extern const struct kn_detector kn_detector_icmp_tunnel;
extern const struct kn_detector kn_detector_doh;
extern const struct kn_detector kn_detector_arp;
extern const struct kn_detector kn_detector_dcerpc;

/* The registry: one line per detector. */
static const struct kn_detector *const registry[] = {
	&kn_detector_dns_tunnel,
	&kn_detector_port_scan,
	&kn_detector_beacon,
	&kn_detector_exfil,
	&kn_detector_rarity,
	&kn_detector_dark_addr,
	&kn_detector_icmp_sweep,
	&kn_detector_dga,
	&kn_detector_flood,
	&kn_detector_reflection,
	&kn_detector_brute_force,
	&kn_detector_icmp_tunnel,
	&kn_detector_doh,
	&kn_detector_arp,
	&kn_detector_dcerpc,
};
#define N_DETECTORS (sizeof registry / sizeof registry[0])

/* Recent reports remembered for rate limiting (a slot per key hash). */
#define RECENT_SLOTS 4096

struct recent {
	uint64_t key;          /* hash of detector + key; 0 = free */
	uint64_t ts_ns;
	double score;
};

struct kn_detect_call {
	struct kn_detect_ctx *ctx;
	unsigned det;
	uint64_t ts_ns, pcap_cnt;
};

struct kn_detect_ctx {
	struct kn_detect_config cfg;
	struct kn_detect_callbacks cb;
	void *state[N_DETECTORS];
	struct recent *recent;
	struct kn_detect_stats st;
};

void kn_detect_config_default(struct kn_detect_config *cfg)
{
	memset(cfg, 0, sizeof *cfg);
	cfg->enabled = 1;
	cfg->memcap = 16u << 20;
	cfg->repeat_s = 300;
	cfg->dns_min_label = 20;
	cfg->dns_alert_queries = 2;
	cfg->beacon_learn_s = 300;
	cfg->learn_s = 300;
	cfg->exfil_min_bytes = 256u << 10;
	cfg->exfil_ratio = 10;
	cfg->arp_scan_targets = 16;
	cfg->arp_scan_window_s = 10;
	cfg->arp_alive_s = 600;
	cfg->flood_min_syns = 200;
	cfg->reflect_min_packets = 50;
	cfg->reflect_min_sources = 16;
	cfg->brute_min_conns = 8;
	cfg->brute_min_failures = 3;
	cfg->icmp_tunnel_min_echoes = 3;
	cfg->doh_score = 0.3;
}

/* The numeric settings operators may change (kn_detect_config_set). */
enum set_type { SET_UINT, SET_DOUBLE, SET_SIZE };

static const struct setting {
	const char *name;
	size_t off;
	enum set_type type;
	double min, max;
	const char *what;
} settings[] = {
#define SETTING(f, t, lo, hi, w) { #f, offsetof(struct kn_detect_config, f), t, lo, hi, w }
	SETTING(repeat_s, SET_DOUBLE, 0, 1e7, "seconds between reports of one finding about one key"),
	SETTING(learn_s, SET_DOUBLE, 0, 1e7, "exfil/rarity/dark_addr learning period, s"),
	SETTING(dns_min_label, SET_UINT, 4, 63, "dns_tunnel: bytes of a long label"),
	SETTING(dns_alert_queries, SET_UINT, 1, 100000, "dns_tunnel: long random names per domain"),
	SETTING(beacon_learn_s, SET_DOUBLE, 0, 1e7, "beacon: heartbeats learned in this time, s"),
	SETTING(exfil_min_bytes, SET_SIZE, 1, 1e15, "exfil: upload in 60 s, bytes (K/M/G)"),
	SETTING(exfil_ratio, SET_DOUBLE, 1, 1e9, "exfil: times the host's own baseline"),
	SETTING(arp_scan_targets, SET_UINT, 2, 65536, "arp: addresses asked for in the window"),
	SETTING(arp_scan_window_s, SET_DOUBLE, 0.001, 86400, "arp: sweep window, s"),
	SETTING(arp_alive_s, SET_DOUBLE, 1, 1e7, "arp: a binding is held this long, s"),
	SETTING(flood_min_syns, SET_UINT, 2, 100000000, "flood: SYNs to one host in 10 s"),
	SETTING(reflect_min_packets, SET_UINT, 2, 100000000, "reflection: unasked datagrams in 10 s"),
	SETTING(reflect_min_sources, SET_UINT, 1, 1000000, "reflection: amplifiers in 10 s"),
	SETTING(brute_min_conns, SET_UINT, 2, 1000000, "brute_force: logins accepted in 60 s"),
	SETTING(brute_min_failures, SET_UINT, 1, 1000000, "brute_force: failed logins in 60 s"),
	SETTING(icmp_tunnel_min_echoes, SET_UINT, 1, 1000000, "icmp_tunnel: data echoes of a pair"),
	SETTING(doh_score, SET_DOUBLE, 0, 1, "doh: score of an encrypted-DNS finding"),
#undef SETTING
};

/* value as a number of the setting's type (sizes as every size option
 * takes them: util/size.h), or -1. */
static int setting_parse(const struct setting *st, const char *value, double *out)
{
	double v;
	if (st->type == SET_SIZE) {
		unsigned long long b;
		if (kn_parse_size(value, &b) != 0)
			return -1;
		v = (double)b;
	} else {
		char *end;
		v = strtod(value, &end);
		if (end == value || *end)
			return -1;
	}
	if (!(v >= st->min && v <= st->max) || (st->type != SET_DOUBLE && v != floor(v)))
		return -1;
	*out = v;
	return 0;
}

int kn_detect_config_set(struct kn_detect_config *cfg, const char *name, const char *value,
			 char *errbuf)
{
	const size_t n = sizeof settings / sizeof settings[0];
	for (size_t i = 0; i < n; i++) {
		const struct setting *st = &settings[i];
		double v;
		if (strcmp(st->name, name))
			continue;
		if (setting_parse(st, value, &v) != 0) {
			snprintf(errbuf, KN_ERRBUF_SIZE, "detector setting %s: '%s' is not %s %g..%g "
				 "(%s)", name, value, st->type == SET_DOUBLE ? "a number"
				 : st->type == SET_SIZE ? "a size (bytes, or with K, M, G)"
				 : "a whole number", st->min, st->max, st->what);
			return -KN_EINVAL;
		}
		char *f = (char *)cfg + st->off;
		if (st->type == SET_UINT)
			*(unsigned *)(void *)f = (unsigned)v;
		else if (st->type == SET_SIZE)
			*(uint64_t *)(void *)f = (uint64_t)v;
		else
			*(double *)(void *)f = v;
		return 0;
	}
	int k = snprintf(errbuf, KN_ERRBUF_SIZE, "no detector setting '%s'; the settings:", name);
	for (size_t i = 0; i < n && k > 0 && k < KN_ERRBUF_SIZE; i++)
		k += snprintf(errbuf + k, KN_ERRBUF_SIZE - (size_t)k, "%s %s", i ? "," : "",
			      settings[i].name);
	return -KN_EINVAL;
}

void kn_detect_config_print(const struct kn_detect_config *cfg, FILE *f)
{
	for (size_t i = 0; i < sizeof settings / sizeof settings[0]; i++) {
		const struct setting *st = &settings[i];
		const char *p = (const char *)cfg + st->off;
		double v = st->type == SET_UINT ? *(const unsigned *)(const void *)p
			   : st->type == SET_SIZE ? (double)*(const uint64_t *)(const void *)p
			   : *(const double *)(const void *)p;
		fprintf(f, "  %-24s %-12g %s (%g..%g)\n", st->name, v, st->what, st->min, st->max);
	}
}

void kn_detect_ctx_free(struct kn_detect_ctx *c)
{
	if (!c)
		return;
	for (size_t i = 0; i < N_DETECTORS; i++) {
		if (c->state[i] && registry[i]->fini)
			registry[i]->fini(c->state[i]);
		kn_free(c->state[i]);
	}
	kn_free(c->recent);
	kn_free(c);
}

struct kn_detect_ctx *kn_detect_ctx_new(const struct kn_detect_config *cfg,
					const struct kn_detect_callbacks *cb, char *errbuf)
{
	struct kn_detect_ctx *c = kn_calloc(1, sizeof *c);

	if (!c || !(c->recent = kn_calloc(RECENT_SLOTS, sizeof *c->recent))) {
		kn_free(c);
		snprintf(errbuf, KN_ERRBUF_SIZE, "detectors: out of memory");
		return NULL;
	}
	c->cfg = *cfg;
	c->cb = *cb;
	if (!(cfg->repeat_s >= 0) || cfg->dns_min_label < 4 || cfg->dns_alert_queries < 1 ||
	    !(cfg->beacon_learn_s >= 0 && cfg->beacon_learn_s <= 1e7) ||
	    !(cfg->learn_s >= 0 && cfg->learn_s <= 1e7) || !(cfg->exfil_ratio >= 1) ||
	    cfg->n_home_nets > KN_DETECT_PREFIXES || cfg->n_dark_nets > KN_DETECT_PREFIXES) {
		snprintf(errbuf, KN_ERRBUF_SIZE, "detectors: bad configuration (repeat_s >= 0, "
			 "dns_min_label >= 4, dns_alert_queries >= 1, beacon_learn_s and learn_s "
			 "0..1e7, exfil_ratio >= 1, at most %d home and dark prefixes)",
			 KN_DETECT_PREFIXES);
		kn_detect_ctx_free(c);
		return NULL;
	}
	/* the memcap, less the rate limiter's table, shared evenly */
	uint64_t fixed = (uint64_t)RECENT_SLOTS * sizeof *c->recent;
	uint64_t share = cfg->memcap > fixed ? (cfg->memcap - fixed) / N_DETECTORS : 0;
	for (size_t i = 0; i < N_DETECTORS && cfg->enabled; i++) {
		if (!(c->state[i] = kn_calloc(1, registry[i]->ctx_size))) {
			snprintf(errbuf, KN_ERRBUF_SIZE, "detectors: out of memory");
			kn_detect_ctx_free(c);
			return NULL;
		}
		if (registry[i]->init(c->state[i], cfg, share, errbuf) != 0) {
			kn_free(c->state[i]);
			c->state[i] = NULL;
			kn_detect_ctx_free(c);
			return NULL;
		}
	}
	return c;
}

void kn_detect_tx(struct kn_detect_ctx *c, const struct kn_flow *f, const char *app_proto,
		  const struct kn_tx *tx, uint64_t ts_ns, uint64_t pcap_cnt)
{
	struct kn_detect_call call = { c, 0, ts_ns, pcap_cnt };

	c->st.tx_seen++;
	for (unsigned i = 0; i < N_DETECTORS; i++)
		if (c->state[i] && registry[i]->tx) {
			call.det = i;
			registry[i]->tx(c->state[i], &call, f, app_proto, tx);
		}
}

void kn_detect_packet(struct kn_detect_ctx *c, const struct kn_packet *p)
{
	struct kn_detect_call call = { c, 0, p->ts_ns, p->index };

	for (unsigned i = 0; i < N_DETECTORS; i++)
		if (c->state[i] && registry[i]->packet &&
		    (p->flow || (registry[i]->flags & KN_DETECTOR_LINK))) {
			call.det = i;
			registry[i]->packet(c->state[i], &call, p);
		}
}

void kn_detect_stats(const struct kn_detect_ctx *c, struct kn_detect_stats *out)
{
	*out = c->st;
	out->memuse = (uint64_t)RECENT_SLOTS * sizeof *c->recent;
	for (size_t i = 0; i < N_DETECTORS; i++)
		if (c->state[i] && registry[i]->memuse)
			out->memuse += registry[i]->memuse(c->state[i]);
}

uint64_t kn_detect_time_ns(const struct kn_detect_call *c)
{
	return c->ts_ns;
}

uint64_t kn_detect_pcap_cnt(const struct kn_detect_call *c)
{
	return c->pcap_cnt;
}

/* 1 when a report of (detector, event, key) with this score is due: one
 * kind of finding about a key does not hold back another kind. */
static int due(struct kn_detect_ctx *c, unsigned det, const char *event, const char *key,
	       double score, uint64_t ts_ns)
{
	uint64_t h = kn_hash64(key, strlen(key),
			       kn_hash64(event, strlen(event), 0x6b656e6368690000ull + det)) | 1;
	struct recent *r = &c->recent[h % RECENT_SLOTS];
	uint64_t repeat_ns = (uint64_t)(c->cfg.repeat_s * 1e9);

	if (r->key == h && ts_ns >= r->ts_ns && ts_ns - r->ts_ns < repeat_ns &&
	    score < r->score * 1.5)
		return 0;
	r->key = h;
	r->ts_ns = ts_ns;
	r->score = score;
	return 1;
}

int kn_detect_report(struct kn_detect_call *c, struct kn_detection *d)
{
	struct kn_detect_ctx *x = c->ctx;

	if (!d->detector)
		d->detector = registry[c->det]->name;
	if (!d->ts_ns)
		d->ts_ns = c->ts_ns;
	if (!d->pcap_cnt)
		d->pcap_cnt = c->pcap_cnt;
	if (!(d->score >= 0))
		d->score = 0;
	if (x->cb.verdict && !(registry[c->det]->flags & KN_DETECTOR_INFO))
		x->cb.verdict(x->cb.user, d);
	if (!due(x, c->det, d->event ? d->event : "", d->key ? d->key : "", d->score, d->ts_ns)) {
		x->st.suppressed++;
		return 0;
	}
	x->st.reports++;
	if (x->cb.report)
		x->cb.report(x->cb.user, d);
	return 1;
}

void kn_detect_addr_text(const struct kn_addr *a, int v6, char *out, size_t n)
{
	if (!v6) {
		snprintf(out, n, "%u.%u.%u.%u", a->b[0], a->b[1], a->b[2], a->b[3]);
		return;
	}
	size_t o = 0;
	for (unsigned i = 0; i < 16 && o + 6 < n; i += 2)
		o += (size_t)snprintf(out + o, n - o, "%s%x", i ? ":" : "",
				      (unsigned)(a->b[i] << 8 | a->b[i + 1]));
}

void kn_detect_mac_text(const uint8_t mac[6], char *out, size_t n)
{
	snprintf(out, n, "%02x:%02x:%02x:%02x:%02x:%02x", mac[0], mac[1], mac[2], mac[3],
		 mac[4], mac[5]);
}

size_t kn_detect_names(const char **out, size_t max)
{
	for (size_t i = 0; i < N_DETECTORS && i < max; i++)
		out[i] = registry[i]->name;
	return N_DETECTORS;
}
