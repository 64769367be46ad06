/*
 * arp.c - the "arp" behaviour detector: ARP sweeps (a host asking who has
 * each address of a subnet, the discovery step before an attack on the
 * local network) and ARP spoofing (a host claiming an address another live
 * host holds, to put itself in the middle).
 *
 * It sees the Ethernet/IPv4 ARP packets decode describes (KN_PKT_ARP;
 * packets without a flow, KN_DETECTOR_LINK) and ignores everything else.
 * Three fixed tables (det_net.h):
 *  - senders (MAC + sender IP), half the budget: per tumbling window of
 *    arp_scan_window_s, the requests, the distinct target addresses (bits
 *    set in a 512-bit map: a slight undercount), the replies addressed
 *    back to the sender. At arp_scan_targets distinct targets with fewer
 *    than half of them answered: ARP_SCAN about the sender (its IP and
 *    MAC), again when the targets grew by half. Score 1 - 2^(-targets / arp_scan_targets).
 *  - bindings (IPv4 -> MAC), a quarter: the first MAC seen asserting an
 *    address (as an ARP sender) holds it; each assertion by that MAC
 *    renews it. A different MAC asserting the address while the holder
 *    renewed it within arp_alive_s is ARP_SPOOF about the claiming MAC
 *    (never the victim: the victims are busy real hosts such as the
 *    gateway). The binding stays with the holder, so the genuine host's
 *    next reply is not a "change"; once the holder has been silent for
 *    arp_alive_s the new MAC takes the address over quietly (a
 *    re-addressed network). Score 0.9.
 *  - claimers (MAC), a quarter: unicast replies that answer no request (no
 *    request from the reply's target for the claimed address in its sender
 *    entry within arp_scan_window_s) and are not gratuitous.
 *    UNSOLICITED_MIN of them within UNSOLICITED_WINDOW, claiming two or
 *    more addresses, is ARP_SPOOF about the replying MAC even when nobody
 *    held the addresses before (a capture that starts with the poisoning).
 *    One address is not enough: a sensor that sees one direction of a
 *    link misses the requests of ordinary replies. Score 0.7.
 * Gratuitous announcements (sender IP = target IP) count as assertions;
 * probes (sender IP 0.0.0.0) assert nothing.
 */
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "det_net.h"
#include "kenchi/detector.h"
#include "util/hash.h"
#include "util/json.h"

#define TARGET_BITS 512   /* a /23 swept fills about 63 % of it */
#define SPOOF_SCORE 0.9
#define UNSOLICITED_SCORE 0.7
#define UNSOLICITED_MIN 3
#define UNSOLICITED_WINDOW (60ull * 1000000000ull)
#define CLAIMED_IPS 4

struct sender {
	struct det_slot slot;
	uint8_t mac[6], ip[4];
	uint8_t first[4], last[4];     /* first and last target of the window */
	uint32_t requests, replies, targets, reported;
	uint64_t start_ns;
	uint64_t bits[TARGET_BITS / 64];
};

struct binding {
	struct det_slot slot;
	uint8_t mac[6], ip[4];
	uint64_t since_ns, renewed_ns; /* held since; last asserted by the holder */
	uint32_t claims;               /* other MACs' claims while held */
};

struct claimer {
	struct det_slot slot;
	uint8_t mac[6], n_ips;
	uint8_t ips[CLAIMED_IPS][4];   /* the first addresses claimed in the window */
	uint32_t unsolicited, reported;
	uint64_t start_ns;
};

struct arp {
	struct det_table senders, bindings, claimers;
	uint32_t scan_targets;
	uint64_t window_ns, alive_ns;
};

static void arp_fini(void *state);

static int arp_init(void *state, const struct kn_detect_config *cfg, uint64_t budget,
		    char *errbuf)
{
	struct arp *a = state;

	if (cfg->arp_scan_targets < 2 || !(cfg->arp_scan_window_s > 0) ||
	    !(cfg->arp_scan_window_s <= 1e6) || !(cfg->arp_alive_s >= 0) ||
	    !(cfg->arp_alive_s <= 1e7)) {
		snprintf(errbuf, KN_ERRBUF_SIZE, "arp: bad configuration (arp_scan_targets >= 2, "
			 "arp_scan_window_s 0..1e6 and above 0, arp_alive_s 0..1e7)");
		return -KN_EINVAL;
	}
	a->scan_targets = cfg->arp_scan_targets;
	a->window_ns = (uint64_t)(cfg->arp_scan_window_s * 1e9);
	a->alive_ns = (uint64_t)(cfg->arp_alive_s * 1e9);
	if (det_table_init(&a->senders, budget / 2, sizeof(struct sender)) != 0 ||
	    det_table_init(&a->bindings, budget / 4, sizeof(struct binding)) != 0 ||
	    det_table_init(&a->claimers, budget / 4, sizeof(struct claimer)) != 0) {
		arp_fini(a);
		snprintf(errbuf, KN_ERRBUF_SIZE, "arp: out of memory (sender, binding and "
			 "claimer tables)");
		return -KN_ENOMEM;
	}
	return 0;
}

static void arp_fini(void *state)
{
	struct arp *a = state;

	det_table_fini(&a->senders);
	det_table_fini(&a->bindings);
	det_table_fini(&a->claimers);
}

static uint64_t arp_memuse(const void *state)
{
	const struct arp *a = state;

	return det_table_memuse(&a->senders) + det_table_memuse(&a->bindings) +
	       det_table_memuse(&a->claimers);
}

static void ip_text(const uint8_t ip[4], char *out, size_t n)
{
	snprintf(out, n, "%u.%u.%u.%u", ip[0], ip[1], ip[2], ip[3]);
}

/* Seconds from earlier to later packet time; 0 when the clock went back. */
static double secs(uint64_t later, uint64_t earlier)
{
	return later > earlier ? (double)(later - earlier) / 1e9 : 0.0;
}

static uint64_t sender_hash(const uint8_t mac[6], const uint8_t ip[4])
{
	uint8_t k[10];

	memcpy(k, mac, 6);
	memcpy(k + 6, ip, 4);
	return kn_hash64(k, sizeof k, 0x6172707363616e00ull) | 1;
}

/* ---- sweeps ---- */

struct scan_finding {
	const struct sender *e;
	char mac[24], ip[20], first[20], last[20];
};

static void scan_evidence(const void *arg, struct kn_json *j)
{
	const struct scan_finding *f = arg;

	kn_json_str(j, "sender_mac", f->mac);
	kn_json_str(j, "sender_ip", f->ip);
	kn_json_u64(j, "targets", f->e->targets);
	kn_json_u64(j, "requests", f->e->requests);
	kn_json_u64(j, "replies", f->e->replies);
	kn_json_str(j, "first_target", f->first);
	kn_json_str(j, "last_target", f->last);
	kn_json_double(j, "window_s", secs(f->e->slot.last_ns, f->e->start_ns), 3);
}

static void scan_report(const struct arp *a, struct kn_detect_call *c, const struct sender *e)
{
	struct scan_finding f = { .e = e };
	char why[320];

	kn_detect_mac_text(e->mac, f.mac, sizeof f.mac);
	ip_text(e->ip, f.ip, sizeof f.ip);
	ip_text(e->first, f.first, sizeof f.first);
	ip_text(e->last, f.last, sizeof f.last);
	snprintf(why, sizeof why, "%s (%s) asked who has %u addresses (%s ... %s) in %.1f s "
		 "with %u requests and got %u replies: an ARP sweep mapping the local network",
		 f.ip, f.mac, e->targets, f.first, f.last,
		 secs(e->slot.last_ns, e->start_ns), e->requests, e->replies);
	struct kn_detection d = {
		.event = "ARP_SCAN", .score = 1.0 - exp2(-(double)e->targets / a->scan_targets),
		.key = f.mac, .explanation = why, .evidence = scan_evidence, .arg = &f,
		.subject_mac_set = 1 };
	memcpy(d.subject_mac, e->mac, 6);
	if (memcmp(e->ip, "\0\0\0\0", 4)) {
		memcpy(d.subject.b, e->ip, 4);
		d.subject_set = 1;
	}
	kn_detect_report(c, &d);
}

static void request(struct arp *a, struct kn_detect_call *c, const struct kn_arp *r,
		    uint64_t ts)
{
	struct sender *e = det_table_find(&a->senders, sender_hash(r->sha, r->spa), ts, 1, NULL);

	if (!e->requests || ts < e->start_ns || ts - e->start_ns >= a->window_ns) {
		memset((char *)e + sizeof e->slot, 0, sizeof *e - sizeof e->slot);
		memcpy(e->mac, r->sha, 6);
		memcpy(e->ip, r->spa, 4);
		memcpy(e->first, r->tpa, 4);
		e->start_ns = ts;
	}
	e->requests++;
	memcpy(e->last, r->tpa, 4);
	if (!det_sketch_add(e->bits, TARGET_BITS, kn_hash64(r->tpa, 4, 0x746172676574ull)))
		return;
	e->targets++;
	if (e->targets >= a->scan_targets && 2ull * e->replies < e->targets &&
	    2ull * e->targets >= 3ull * e->reported) {
		e->reported = e->targets;
		scan_report(a, c, e);
	}
}

/* A reply goes back to the asker: tha/tpa name the sender entry. Returns
 * 1 when that asker asked for the claimed address (spa) lately. */
static int reply(struct arp *a, const struct kn_arp *r, uint64_t ts)
{
	struct sender *e = det_table_find(&a->senders, sender_hash(r->tha, r->tpa), ts, 0, NULL);

	if (!e || memcmp(e->mac, r->tha, 6) || memcmp(e->ip, r->tpa, 4))
		return 0;
	e->replies++;
	uint64_t b = kn_hash64(r->spa, 4, 0x746172676574ull) % TARGET_BITS;
	return (e->bits[b / 64] & (1ull << (b % 64))) && ts >= e->slot.last_ns &&
	       ts - e->slot.last_ns <= a->window_ns;
}

/* ---- spoofing ---- */

struct spoof_finding {
	const struct binding *b;
	const struct kn_arp *r;
	char ip[20], holder[24], claimer[24];
	double held_s, renewed_s;
};

static void spoof_evidence(const void *arg, struct kn_json *j)
{
	const struct spoof_finding *f = arg;

	kn_json_str(j, "ip", f->ip);
	kn_json_str(j, "holder_mac", f->holder);
	kn_json_str(j, "claiming_mac", f->claimer);
	kn_json_str(j, "op", f->r->op == 2 ? "reply" : f->r->op == 1 ? "request" : "other");
	kn_json_bool(j, "gratuitous", !memcmp(f->r->spa, f->r->tpa, 4));
	kn_json_double(j, "held_s", f->held_s, 3);
	kn_json_double(j, "holder_last_seen_s", f->renewed_s, 3);
	kn_json_u64(j, "claims", f->b->claims);
}

static void spoof_report(struct kn_detect_call *c, const struct binding *b,
			 const struct kn_arp *r, uint64_t ts)
{
	struct spoof_finding f = { .b = b, .r = r };
	char why[360], key[48];

	ip_text(b->ip, f.ip, sizeof f.ip);
	kn_detect_mac_text(b->mac, f.holder, sizeof f.holder);
	kn_detect_mac_text(r->sha, f.claimer, sizeof f.claimer);
	f.held_s = secs(ts, b->since_ns);
	f.renewed_s = secs(ts, b->renewed_ns);
	snprintf(why, sizeof why, "%s claims %s in an ARP %s, but %s has held that address for "
		 "%.0f s and asserted it %.0f s ago: ARP spoofing, %s is putting itself in the "
		 "middle of %s's traffic", f.claimer, f.ip, r->op == 2 ? "reply" : "request",
		 f.holder, f.held_s, f.renewed_s, f.claimer, f.ip);
	snprintf(key, sizeof key, "%s %s", f.claimer, f.ip);
	struct kn_detection d = {
		.event = "ARP_SPOOF", .score = SPOOF_SCORE, .key = key, .explanation = why,
		.evidence = spoof_evidence, .arg = &f, .subject_mac_set = 1 };
	memcpy(d.subject_mac, r->sha, 6);
	kn_detect_report(c, &d);
}

static void assertion(struct arp *a, struct kn_detect_call *c, const struct kn_arp *r,
		      uint64_t ts)
{
	int fresh = 0;
	struct binding *b = det_table_find(&a->bindings, kn_hash64(r->spa, 4, 0x62696e64ull) | 1,
					   ts, 1, &fresh);

	if (fresh || memcmp(b->ip, r->spa, 4)) {
		memset((char *)b + sizeof b->slot, 0, sizeof *b - sizeof b->slot);
		memcpy(b->ip, r->spa, 4);
		memcpy(b->mac, r->sha, 6);
		b->since_ns = b->renewed_ns = ts;
		return;
	}
	if (!memcmp(b->mac, r->sha, 6)) {
		b->renewed_ns = ts;
		return;
	}
	if (ts >= b->renewed_ns && ts - b->renewed_ns > a->alive_ns) {
		memcpy(b->mac, r->sha, 6);   /* the holder went silent: taken over */
		b->since_ns = b->renewed_ns = ts;
		b->claims = 0;
		return;
	}
	b->claims++;
	spoof_report(c, b, r, ts);
}

struct unsolicited_finding {
	const struct claimer *e;
	char mac[24], ips[CLAIMED_IPS * 17];
};

static void unsolicited_evidence(const void *arg, struct kn_json *j)
{
	const struct unsolicited_finding *f = arg;
	char ip[20];

	kn_json_str(j, "claiming_mac", f->mac);
	kn_json_u64(j, "unsolicited_replies", f->e->unsolicited);
	kn_json_open_array(j, "claimed_ips");
	for (unsigned i = 0; i < f->e->n_ips; i++) {
		ip_text(f->e->ips[i], ip, sizeof ip);
		kn_json_str(j, NULL, ip);
	}
	kn_json_close_array(j);
}

static void unsolicited_report(struct kn_detect_call *c, const struct claimer *e, uint64_t ts)
{
	struct unsolicited_finding f = { .e = e };
	char why[360], ip[20];
	size_t off = 0;

	kn_detect_mac_text(e->mac, f.mac, sizeof f.mac);
	for (unsigned i = 0; i < e->n_ips; i++) {
		ip_text(e->ips[i], ip, sizeof ip);
		off += (size_t)snprintf(f.ips + off, sizeof f.ips - off, "%s%s", i ? ", " : "", ip);
	}
	snprintf(why, sizeof why, "%s sent %u ARP replies nobody asked for in %.0f s, claiming "
		 "%s: ARP spoofing (cache poisoning), %s is putting itself in the middle",
		 f.mac, e->unsolicited, secs(ts, e->start_ns), f.ips, f.mac);
	struct kn_detection d = {
		.event = "ARP_SPOOF", .score = UNSOLICITED_SCORE, .key = f.mac, .explanation = why,
		.evidence = unsolicited_evidence, .arg = &f, .subject_mac_set = 1 };
	memcpy(d.subject_mac, e->mac, 6);
	kn_detect_report(c, &d);
}

/* A unicast, non-gratuitous reply that answers no request. */
static void unsolicited(struct arp *a, struct kn_detect_call *c, const struct kn_arp *r,
			uint64_t ts)
{
	struct claimer *e = det_table_find(&a->claimers, kn_hash64(r->sha, 6, 0x636c61696dull) | 1,
					   ts, 1, NULL);

	if (!e->unsolicited || ts < e->start_ns || ts - e->start_ns >= UNSOLICITED_WINDOW) {
		memset((char *)e + sizeof e->slot, 0, sizeof *e - sizeof e->slot);
		memcpy(e->mac, r->sha, 6);
		e->start_ns = ts;
	}
	e->unsolicited++;
	unsigned i;
	for (i = 0; i < e->n_ips && memcmp(e->ips[i], r->spa, 4); i++)
		;
	if (i == e->n_ips && i < CLAIMED_IPS)
		memcpy(e->ips[e->n_ips++], r->spa, 4);
	if (e->unsolicited >= UNSOLICITED_MIN && e->n_ips >= 2 &&
	    2ull * e->unsolicited >= 3ull * e->reported) {
		e->reported = e->unsolicited;
		unsolicited_report(c, e, ts);
	}
}

static int unicast_mac(const uint8_t m[6])
{
	static const uint8_t zero[6];

	return !(m[0] & 1) && memcmp(m, zero, 6) != 0;
}

static void arp_packet(void *state, struct kn_detect_call *c, const struct kn_packet *p)
{
	struct arp *a = state;
	const struct kn_arp *r = &p->arp;

	if (!(p->flags & KN_PKT_ARP) || !unicast_mac(r->sha))
		return;
	if (memcmp(r->spa, "\0\0\0\0", 4))
		assertion(a, c, r, p->ts_ns);
	if (r->op == 1 && memcmp(r->spa, r->tpa, 4))
		request(a, c, r, p->ts_ns);
	else if (r->op == 2 && !reply(a, r, p->ts_ns) && memcmp(r->spa, r->tpa, 4) &&
		 unicast_mac(r->tha) && (!(p->flags & KN_PKT_ETH) || unicast_mac(p->eth_dst)))
		unsolicited(a, c, r, p->ts_ns);
}

const struct kn_detector kn_detector_arp = {
	.name = "arp",
	.ctx_size = sizeof(struct arp),
	.flags = KN_DETECTOR_LINK,
	.init = arp_init,
	.fini = arp_fini,
	.packet = arp_packet,
	.memuse = arp_memuse,
};
