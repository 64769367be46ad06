/*
 * decode_int.h - internals shared by the files of the decode stage.
 *
 * The decoder walks a frame layer by layer. Every layer function has the
 * shape `int decode_x(struct decode_ctx *c, uint32_t off, uint32_t len)`:
 * `off` is where its header starts in c->data and `len` is the length the
 * enclosing headers give it (the wire length at the link layer, the IP
 * payload length under IP...). `len` may exceed what was captured: every
 * read is bounded by decode_avail(), which also caps at c->cap. Functions
 * return KN_DECODE_IP / OTHER / HELD and describe their layer in c->p.
 *
 * Files: decode.c (API, packet reset, hash), events.c (names, recording),
 * link.c (link headers, ethertype switch), encap.c (VLAN, MPLS, PPPoE,
 * PPP), ip.c (version and protocol switches), ipv4.c, ipv6.c, tcp.c,
 * udp.c (UDP, SCTP, ESP), icmp.c, tunnel.c (GRE, ERSPAN, GRE-in-UDP,
 * VXLAN, Geneve, Teredo, GTP-U, AYIYA, IP-in-IP), wlan.c (802.11 frames of
 * Aruba GRE), defrag.c (trackers, reassembly), defrag_mem.c (pools).
 */
#ifndef KN_DECODE_INT_H
#define KN_DECODE_INT_H

#include <stdint.h>
#include <string.h>

#include "kenchi/decode.h"
#include "kenchi/packet.h"

#define DECODE_MAX_LAYERS 64 /* hard limit on cfg.max_layers (bounds recursion) */

struct defrag;

struct kn_decoder {
	struct kn_decode_config cfg;
	struct kn_decode_stats stats;
	struct defrag *defrag; /* NULL when defrag is disabled */
	uint64_t defrag_due_ns; /* when the oldest reassembly times out; UINT64_MAX if none */
};

/* State of one kn_decode() call, on the caller's stack. */
struct decode_ctx {
	struct kn_decoder *d;
	struct kn_packet *p;
	const uint8_t *data;  /* bytes being decoded (frame or reassembly buffer) */
	uint32_t cap;         /* bytes present at data */
	uint16_t layers;      /* encapsulation layers entered */
	uint8_t vlans;        /* VLAN ids stored in p->vlan (max 2) */
	uint8_t seg_vlans;    /* VLAN tags in the current Ethernet segment */
	uint8_t defrag_done;  /* defrag consumed the packet: tunnels must not fall back */
	uint32_t n_events;    /* distinct events raised in this call */
	uint64_t seen[(KN_DEV_COUNT + 63) / 64]; /* events raised, for counting once */
};

/* Big-endian readers; callers have checked the bounds. */
static inline uint16_t rd16(const uint8_t *b)
{
	return (uint16_t)((unsigned)b[0] << 8 | b[1]);
}

static inline uint32_t rd32(const uint8_t *b)
{
	return (uint32_t)b[0] << 24 | (uint32_t)b[1] << 16 | (uint32_t)b[2] << 8 | b[3];
}

static inline void wr16(uint8_t *b, uint16_t v)
{
	b[0] = (uint8_t)(v >> 8);
	b[1] = (uint8_t)v;
}

/* Bytes of a layer at `off` that are both inside `len` and captured. */
static inline uint32_t decode_avail(const struct decode_ctx *c, uint32_t off, uint32_t len)
{
	uint32_t have = off < c->cap ? c->cap - off : 0;
	return len < have ? len : have;
}

/* Entering a new IP layer (inside a tunnel): forget the outer transport. */
static inline void decode_l4_reset(struct kn_packet *p)
{
	p->sport = 0;
	p->dport = 0;
	p->flags &= (uint16_t)~KN_PKT_HAS_PORTS;
}

/* events.c: records ev on the packet (at most KN_PKT_MAX_EVENTS kept) and
 * counts it, once per packet however often the packet raises it. */
void decode_event(struct decode_ctx *c, unsigned ev);

/* Records ev and gives up on the packet. */
static inline int decode_fail(struct decode_ctx *c, unsigned ev)
{
	decode_event(c, ev);
	return KN_DECODE_OTHER;
}

/* Counts one more encapsulation layer; nonzero (with the event raised)
 * when cfg.max_layers is exceeded. */
static inline int decode_too_deep(struct decode_ctx *c)
{
	if (KN_LIKELY(++c->layers <= c->d->cfg.max_layers))
		return 0;
	decode_event(c, KN_DEV_TOO_MANY_LAYERS);
	return 1;
}

/* link.c */
int decode_link(struct decode_ctx *c);
int decode_ethernet(struct decode_ctx *c, uint32_t off, uint32_t len);
int decode_ethertype(struct decode_ctx *c, uint16_t type, uint32_t off, uint32_t len);

/* encap.c */
int decode_vlan(struct decode_ctx *c, uint32_t off, uint32_t len);
int decode_8021ah(struct decode_ctx *c, uint32_t off, uint32_t len);
int decode_vntag(struct decode_ctx *c, uint32_t off, uint32_t len);
int decode_dce(struct decode_ctx *c, uint32_t off, uint32_t len);
int decode_etag(struct decode_ctx *c, uint32_t off, uint32_t len);
int decode_llc(struct decode_ctx *c, uint32_t off, uint32_t len);
int decode_nsh(struct decode_ctx *c, uint32_t off, uint32_t len);
int decode_mpls(struct decode_ctx *c, uint32_t off, uint32_t len);
int decode_pppoe_session(struct decode_ctx *c, uint32_t off, uint32_t len);
int decode_ppp(struct decode_ctx *c, uint32_t off, uint32_t len);

/* ip.c */
int decode_ip_any(struct decode_ctx *c, uint32_t off, uint32_t len, unsigned bad_version_ev);
int decode_ip_payload(struct decode_ctx *c, uint8_t proto, uint32_t off, uint32_t len);
void decode_set_addr4(struct kn_addr *a, const uint8_t *b);

/* ipv4.c, ipv6.c */
int decode_ipv4(struct decode_ctx *c, uint32_t off, uint32_t len);
int decode_ipv6(struct decode_ctx *c, uint32_t off, uint32_t len);

/* tcp.c, udp.c, icmp.c */
int decode_tcp(struct decode_ctx *c, uint32_t off, uint32_t len);
int decode_udp(struct decode_ctx *c, uint32_t off, uint32_t len);
int decode_sctp(struct decode_ctx *c, uint32_t off, uint32_t len);
int decode_esp(struct decode_ctx *c, uint32_t off, uint32_t len);
int decode_icmpv4(struct decode_ctx *c, uint32_t off, uint32_t len);
int decode_icmpv6(struct decode_ctx *c, uint32_t off, uint32_t len);

/* tunnel.c */
int decode_gre(struct decode_ctx *c, uint32_t off, uint32_t len);
int decode_ipip(struct decode_ctx *c, unsigned inner_version, uint32_t off, uint32_t len);
int decode_vxlan(struct decode_ctx *c, uint32_t off, uint32_t len);
int decode_geneve(struct decode_ctx *c, uint32_t off, uint32_t len);
int decode_teredo(struct decode_ctx *c, uint32_t off, uint32_t len);
int decode_gre_udp(struct decode_ctx *c, uint32_t off, uint32_t len);
int decode_gtpu(struct decode_ctx *c, uint32_t off, uint32_t len);
int decode_ayiya(struct decode_ctx *c, uint32_t off, uint32_t len);

/* wlan.c: an 802.11 frame, inside a tunnel (see tunnel_enter) */
int decode_wlan(struct decode_ctx *c, uint32_t off, uint32_t len);

/* defrag.c: fragment entry points, called once the IP header is described
 * in c->p. Return HELD, or the result of decoding the completed datagram,
 * or OTHER with an event. */
struct defrag *defrag_new(const struct kn_decode_config *cfg);
void defrag_free(struct defrag *f);
int defrag_ipv4(struct decode_ctx *c, uint32_t l3, uint32_t hlen, uint32_t iplen);
/* fh: offset of the fragment header; nh_pos: offset (from l3) of the
 * next-header byte that announced it. */
int defrag_ipv6(struct decode_ctx *c, uint32_t l3, uint32_t fh, uint32_t nh_pos, uint32_t iplen);
void defrag_expire(struct kn_decoder *d, uint64_t now_ns);

#endif
