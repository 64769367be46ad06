/*
 * port_scan.c - the "port_scan" behaviour detector: one source probing many
 * ports of a host (vertical), one port on many hosts (horizontal sweep), or
 * both.
 *
 * A probe is a TCP SYN without ACK, the first UDP datagram of a flow (not
 * from a port below 1024 to one above: a reply whose request was not seen)
 * or an ICMP echo request from the source to a unicast destination. Per source, in a fixed table
 * (least recently active source evicted) and a 600 s tumbling window: the
 * probes, the distinct targets (destination and port: a 1024-bit
 * linear-counting sketch), distinct hosts and ports (sketches), and the
 * answers the probes got back: an "answer" is a SYN-ACK, a UDP datagram or
 * an echo reply to the source; a "refusal" an RST or an ICMP error quoting
 * the source's packet. Scanning hits targets that mostly do not exist or
 * do not listen, so a source is reported when it has probed at least 16
 * distinct ports or 16 distinct hosts (a scan explores one dimension
 * widely; a device trying a few ports of its few servers does not), at
 * most a fifth of its probes were answered (a browser
 * opens as many connections, but they succeed) and it sent at most three
 * probes per target (a device retrying a few unreachable servers sends many
 * probes to few targets). Score
 * 1 - 2^(-targets / 16): 0.5 at 16 targets, 0.75 at 32. A source is
 * considered again only when its targets grew by half since the last
 * report, so a scanner's later ordinary connections do not repeat it; the
 * context's rate limit keeps the reports to those whose score grew by half.
 */
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "det_net.h"
#include "kenchi/detector.h"
#include "util/alloc.h"
#include "util/hash.h"
#include "util/json.h"

#define WINDOW_NS (600ull * 1000000000ull)
#define TARGET_BITS 1024
#define HOST_BITS 1024
#define PORT_BITS 1024
#define PROBES 8
#define MIN_TARGETS 16

struct source {
	uint64_t hash;             /* 0 = free */
	struct kn_addr addr;
	uint8_t v6;
	uint64_t start_ns, last_ns;
	uint32_t probes, answered, refused;
	uint32_t targets, hosts, ports;   /* sketch bits set */
	uint32_t reported;         /* targets at the last report attempt */
	uint16_t port_min, port_max;
	struct kn_addr last_dst;
	uint64_t t_bits[TARGET_BITS / 64], h_bits[HOST_BITS / 64], p_bits[PORT_BITS / 64];
};

struct scan {
	struct source *slots;
	size_t n_slots;
	uint64_t evicted;
};

static int scan_init(void *state, const struct kn_detect_config *cfg, uint64_t budget,
		     char *errbuf)
{
	struct scan *s = state;
	size_t n = (size_t)(budget / sizeof(struct source));

	(void)cfg;
	if (n < 64)
		n = 64;
	if (!(s->slots = kn_calloc(n, sizeof *s->slots))) {
		snprintf(errbuf, KN_ERRBUF_SIZE, "port_scan: out of memory (%zu sources)", n);
		return -KN_ENOMEM;
	}
	s->n_slots = n;
	return 0;
}

static void scan_fini(void *state)
{
	struct scan *s = state;
	kn_free(s->slots);
}

static uint64_t scan_memuse(const void *state)
{
	const struct scan *s = state;
	return (uint64_t)s->n_slots * sizeof *s->slots;
}

/* The source's entry; created (evicting the least recently active of its
 * probe window) only when create is set. */
static struct source *find(struct scan *s, const struct kn_addr *a, uint64_t now, int create)
{
	uint64_t h = kn_hash64(a->b, sizeof a->b, 0x7363616e) | 1;
	size_t i0 = (size_t)(h % s->n_slots), victim = i0;

	for (size_t k = 0; k < PROBES; k++) {
		struct source *e = &s->slots[(i0 + k) % s->n_slots];
		if (e->hash == h && !memcmp(&e->addr, a, sizeof *a))
			return e;
		if (!e->hash) {
			victim = (i0 + k) % s->n_slots;
			break;
		}
		if (e->last_ns < s->slots[victim].last_ns)
			victim = (i0 + k) % s->n_slots;
	}
	if (!create)
		return NULL;
	struct source *e = &s->slots[victim];
	if (e->hash)
		s->evicted++;
	memset(e, 0, sizeof *e);
	e->hash = h;
	e->addr = *a;
	e->start_ns = e->last_ns = now;
	e->port_min = 65535;
	return e;
}

static int unicast(const struct kn_packet *p)
{
	if (p->ip_version == 4)   /* not multicast (224/4), not the broadcast address */
		return (p->dst.b[0] & 0xf0) != 0xe0 &&
		       !(p->dst.b[0] == 255 && p->dst.b[1] == 255 && p->dst.b[2] == 255 &&
			 p->dst.b[3] == 255);
	return p->dst.b[0] != 0xff;
}

/* ----------------------------------------------------------- report */

struct finding {
	const struct source *src;
	char scanner[48], target[48];
	const char *kind;
};

static void evidence(const void *arg, struct kn_json *j)
{
	const struct finding *f = arg;
	const struct source *e = f->src;

	kn_json_str(j, "scanner", f->scanner);
	kn_json_str(j, "kind", f->kind);
	kn_json_u64(j, "probes", e->probes);
	kn_json_u64(j, "answered", e->answered);
	kn_json_u64(j, "refused", e->refused);
	kn_json_u64(j, "targets", e->targets);
	kn_json_u64(j, "hosts", e->hosts);
	kn_json_u64(j, "ports", e->ports);
	kn_json_u64(j, "port_min", e->port_min);
	kn_json_u64(j, "port_max", e->port_max);
	kn_json_str(j, "last_target", f->target);
	kn_json_double(j, "window_s", (double)(e->last_ns - e->start_ns) / 1e9, 3);
}

static void report(struct kn_detect_call *c, const struct kn_packet *p, const struct source *e)
{
	struct finding f = { .src = e };
	char why[400];
	double secs = (double)(e->last_ns - e->start_ns) / 1e9;

	kn_detect_addr_text(&e->addr, e->v6, f.scanner, sizeof f.scanner);
	kn_detect_addr_text(&e->last_dst, e->v6, f.target, sizeof f.target);
	f.kind = e->hosts <= 2 ? "vertical" : e->ports <= 2 ? "horizontal" : "mixed";
	if (e->hosts <= 2)
		snprintf(why, sizeof why, "%s probed %u ports (%u-%u) of %s in %.1f s; %u of %u "
			 "probes answered, %u refused", f.scanner, e->ports, e->port_min,
			 e->port_max, f.target, secs, e->answered, e->probes, e->refused);
	else
		snprintf(why, sizeof why, "%s probed %u targets on %u hosts (%u ports) in %.1f s; "
			 "%u of %u probes answered, %u refused", f.scanner, e->targets, e->hosts,
			 e->ports, secs, e->answered, e->probes, e->refused);
	struct kn_detection d = {
		.event = e->hosts <= 2 ? "PORT_SCAN_VERTICAL" : e->ports <= 2 ?
			 "PORT_SCAN_HORIZONTAL" : "PORT_SCAN",
		.score = 1.0 - exp2(-(double)e->targets / MIN_TARGETS), .key = f.scanner,
		.explanation = why, .flow = p->flow, .dir = p->dir,
		.evidence = evidence, .arg = &f };
	kn_detect_report(c, &d);
}

/* ----------------------------------------------------------- packets */

/* 1 for a probe (SYN, UDP, echo request), 2 for an answer to the
 * destination (SYN-ACK, UDP, echo reply), 3 for a refusal (RST, ICMP
 * error), 0 otherwise. */
static int classify(const struct kn_packet *p)
{
	uint8_t fl = p->tcp.flags;

	if (p->flags & KN_PKT_ICMP_ERROR)
		return 3;
	if (p->proto == 6)
		return (fl & (KN_TCP_SYN | KN_TCP_ACK | KN_TCP_RST)) == KN_TCP_SYN ? 1 :
		       (fl & (KN_TCP_SYN | KN_TCP_ACK)) == (KN_TCP_SYN | KN_TCP_ACK) ? 2 :
		       fl & KN_TCP_RST ? 3 : 0;
	if (p->proto == 17) {
		/* only a flow's first datagram each way: later ones are the
		 * same target (and most UDP packets are not the first) */
		if (!p->flow || p->flow->pkts[p->dir] != 1)
			return 0;
		/* from a service port (< 1024) to a client's (>= 1024): a
		 * reply whose request was not seen (a one-way span: a DNS
		 * server's answers to many client ports are not a scan). A
		 * scan of ports >= 1024 from source port 53 is missed. */
		if (p->dir == 0 && p->sport < 1024 && p->dport >= 1024)
			return 0;
		return p->dir == 0 ? 1 : 2;
	}
	if (p->proto == 1 || p->proto == 58) {
		uint8_t req = p->proto == 1 ? 8 : 128, rep = p->proto == 1 ? 0 : 129;
		return p->icmp_type == req ? 1 : p->icmp_type == rep ? 2 : 0;
	}
	return 0;
}

static void probe(struct scan *s, struct kn_detect_call *c, const struct kn_packet *p)
{
	struct source *e = find(s, &p->src, p->ts_ns, 1);
	uint16_t port = p->proto == 6 || p->proto == 17 ? p->dport : 0;

	if (p->ts_ns - e->start_ns > WINDOW_NS && p->ts_ns > e->start_ns) {
		struct kn_addr a = e->addr;   /* a new window */
		memset(e, 0, sizeof *e);
		e->hash = kn_hash64(a.b, sizeof a.b, 0x7363616e) | 1;
		e->addr = a;
		e->start_ns = p->ts_ns;
		e->port_min = 65535;
	}
	e->v6 = p->ip_version == 6;
	e->last_ns = p->ts_ns;
	e->last_dst = p->dst;
	e->probes++;
	uint64_t hd = kn_hash64(p->dst.b, 16, 0x686f7374);
	e->hosts += (uint32_t)det_sketch_add(e->h_bits, HOST_BITS, hd);
	e->ports += (uint32_t)det_sketch_add(e->p_bits, PORT_BITS, kn_mix64(port + 0x100000u * p->proto));
	if (!det_sketch_add(e->t_bits, TARGET_BITS, kn_mix64(hd ^ ((uint64_t)port << 8 | p->proto))))
		return;
	e->targets++;
	e->port_min = port < e->port_min ? port : e->port_min;
	e->port_max = port > e->port_max ? port : e->port_max;
	/* many targets, mostly unanswered, each tried a few times at most (a
	 * device retrying its few cloud servers sends many probes, not many
	 * targets) */
	if ((e->hosts >= MIN_TARGETS || e->ports >= MIN_TARGETS) &&
	    (uint64_t)e->answered * 5 <= e->probes &&
	    e->probes <= 3ull * e->targets && 2ull * e->targets >= 3ull * e->reported) {
		e->reported = e->targets;   /* next attempt when half as many again */
		report(c, p, e);
	}
}

static void scan_packet(void *state, struct kn_detect_call *c, const struct kn_packet *p)
{
	struct scan *s = state;
	int k;

	if ((p->ip_version != 4 && p->ip_version != 6) || !(k = classify(p)))
		return;
	if (k == 1) {
		if (unicast(p))
			probe(s, c, p);
		return;
	}
	/* an answer or refusal goes to the prober: the packet's destination,
	 * or for an ICMP error the source of the quoted packet */
	const struct kn_addr *prober = k == 3 && (p->flags & KN_PKT_ICMP_ERROR) ?
				       &p->quote.src : &p->dst;
	struct source *e = find(s, prober, p->ts_ns, 0);
	if (!e)
		return;
	if (k == 2)
		e->answered++;
	else
		e->refused++;
}

const struct kn_detector kn_detector_port_scan = {
	.name = "port_scan",
	.ctx_size = sizeof(struct scan),
	.init = scan_init,
	.fini = scan_fini,
	.packet = scan_packet,
	.memuse = scan_memuse,
};
