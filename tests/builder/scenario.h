/*
 * scenario.h - a labelled synthetic capture for `kenchi eval`: benign
 * background traffic of a small office network with attacks injected,
 * and the ground truth of every attack, all deterministic from a seed.
 *
 * Test tooling built on the traffic builder (craft.h, pcapw.h, appmsg.h);
 * gen_evalset writes the capture and its manifests (evalset.h).
 *
 * The network (IPv4, Ethernet, one capture point inside the office):
 * - clients 10.1.0.10 .. 10.1.0.(9 + hosts), the resolver 10.1.0.2, a file
 *   server 10.1.0.5;
 * - background: every client, at random intervals (mean 45 s), looks up an
 *   ordinary name at the resolver (A answer) and opens an HTTP session
 *   (GET, response 0.5-30 KB) or a TLS session (ClientHello with SNI,
 *   server flight, 1-20 KB of application data) to that server; now and
 *   then only the lookup. Servers sit in 192.0.2.0/24, 198.51.100.0/24 and
 *   203.0.113.0/24 (documentation ranges), names under .example.
 * - attacks, each switched on by its bit in kn_scn_opts.attacks and
 *   starting at its own offset:
 *     SCAN        TCP SYN scan of 300 ports (1-1024, random order, 22, 80,
 *                 139 and 445 open) of the file server by client 10.1.0.14
 *                 from one source port: RST/ACK from closed ports, SYN/ACK
 *                 from open ones answered by the scanner's RST;
 *     C2          client 10.1.0.12 POSTs 64 bytes over HTTP to
 *                 203.0.113.50:80 every 30 s +- 1 s, a new connection each
 *                 time, from its start to the end of the capture;
 *     DNS_TUNNEL  client 10.1.0.15 sends 200 TXT queries of long base32
 *                 labels under dl.cloudsync.example from one socket to the
 *                 resolver, TXT answers;
 *     DGA         client 10.1.0.16 looks up 40 random .com names from one
 *                 socket, NXDOMAIN answers;
 *     EXFIL       client 10.1.0.13 uploads 400 KB in one TLS-looking
 *                 connection to 198.51.100.77:443.
 *   The attacking clients keep their background traffic when they are
 *   among the clients (all are with the default 8; the DGA's 10.1.0.16 is
 *   not with 6 or fewer, and then only attacks).
 *
 * Ground truth per attack (struct kn_scn_truth): the 1-based numbers of
 * its packets in the capture (sorted ranges), attacker and victim, the
 * address the host-grain label names and its role, its flow (one exact
 * 5-tuple, or the set of its flows with wildcard ports) and its window
 * (times of its first and last packet).
 */
#ifndef KN_TESTS_SCENARIO_H
#define KN_TESTS_SCENARIO_H

#include <stddef.h>
#include <stdint.h>

#include "kenchi/kenchi.h"

enum kn_scn_kind {
	KN_SCN_SCAN = 0,
	KN_SCN_C2 = 1,
	KN_SCN_DNS_TUNNEL = 2,
	KN_SCN_DGA = 3,
	KN_SCN_EXFIL = 4,
	KN_SCN_KINDS = 5,
};

#define KN_SCN_BIT(k) (1u << (k))
/* The attacks of the default evaluation set. */
#define KN_SCN_DEFAULT_ATTACKS                                                   \
	(KN_SCN_BIT(KN_SCN_SCAN) | KN_SCN_BIT(KN_SCN_C2) | KN_SCN_BIT(KN_SCN_DNS_TUNNEL))

#define KN_SCN_MAX_HOSTS 40

struct kn_scn_opts {
	uint64_t seed;
	uint64_t start_ns;              /* capture start, ns since the epoch */
	uint32_t duration_s;            /* background length (10 .. 86400) */
	uint32_t hosts;                 /* clients, 1 .. KN_SCN_MAX_HOSTS */
	unsigned attacks;               /* KN_SCN_BIT()s */
	uint32_t at_s[KN_SCN_KINDS];    /* each attack's start, s after start_ns */
};

/* Defaults: seed 1, 2026-11-02T09:00:00Z, 600 s, 8 clients, the default
 * attacks; scan at 120 s, C2 at 15 s, DNS tunnel at 300 s, DGA at 420 s,
 * exfiltration at 480 s. */
void kn_scn_opts_default(struct kn_scn_opts *o);

/* The attack class of a kind ("scan/tcp_syn", "c2_beacon", "dns_tunnel",
 * "dga", "exfiltration"); NULL out of range. */
const char *kn_scn_class(unsigned kind);

/* A flow: IPv4 addresses as text; port 0 = any port. */
struct kn_scn_flow {
	char src[16], dst[16];
	uint16_t sport, dport;
	uint8_t proto;                  /* 6 TCP, 17 UDP */
};

struct kn_scn_range {
	uint64_t first, last;           /* packet numbers, 1-based, inclusive */
};

/* Roles of the host label (the values of enum kn_eval_role). */
enum { KN_SCN_ROLE_ANY = 0, KN_SCN_ROLE_SRC = 1, KN_SCN_ROLE_DST = 2 };

struct kn_scn_truth {
	uint8_t on;                     /* the attack is in the capture */
	uint8_t one_flow;               /* flow is its only flow (exact 5-tuple) */
	uint8_t host_role;              /* KN_SCN_ROLE_* */
	const char *cls;                /* kn_scn_class(kind) */
	/* attacker: scanner, C2 server, tunnel/DGA/exfiltrating client;
	 * victim: scanned server, beaconing client, resolver (tunnel and
	 * DGA), receiving server (exfiltration). */
	char attacker[16], victim[16];
	char host[16];                  /* the host label's address */
	struct kn_scn_flow flow;
	uint64_t first_ns, last_ns;     /* its first and last packet */
	uint64_t packets;               /* packets in ranges */
	struct kn_scn_range *ranges;    /* owned; sorted, disjoint */
	size_t n_ranges;
};

struct kn_scn {
	uint8_t *pcap;                  /* the capture (pcap, microseconds, Ethernet); owned */
	size_t pcap_len;
	uint64_t packets;
	uint64_t first_ns, last_ns;     /* first and last packet (microsecond times) */
	struct kn_scn_truth truth[KN_SCN_KINDS];
};

/* Builds the capture and its ground truth into *out (free with
 * kn_scn_fini; out is zeroed first). Returns 0, -KN_EINVAL (options out of
 * range or an attack starting after the end: errbuf says which) or
 * -KN_ENOMEM. The same options give the same bytes on every host. */
KN_WARN_UNUSED int kn_scn_build(const struct kn_scn_opts *o, struct kn_scn *out, char *errbuf);

/* Frees what kn_scn_build allocated; NULL and a zeroed struct are fine. */
void kn_scn_fini(struct kn_scn *s);

#endif
