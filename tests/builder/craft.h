/*
 * craft.h - the traffic builder's frame crafter: builds test frames layer
 * by layer into a caller-owned buffer and fixes every length, type field
 * and checksum when finished.
 *
 * Test tooling (not part of libkenchi), used by unit and integration
 * tests, fuzz seed generation and the demo capture generator.
 *
 * Usage: init, then one call per layer from the outside in, then finish:
 *
 *   struct kn_craft *c = ...;            (about 66 KiB: heap or static)
 *   kn_craft_init(c);
 *   kn_craft_eth(c, NULL, NULL);         (NULL MACs: fixed test addresses)
 *   kn_craft_ipv4(c, "10.0.0.1", "10.0.0.2", 6);
 *   kn_craft_tcp(c, 40000, 80, 1000, 0, KN_TCP_SYN, 64240);
 *   kn_craft_tcp_mss(c, 1460);           (options follow their TCP header)
 *   kn_craft_payload(c, "GET /", 5);
 *   size_t n = kn_craft_finish(c);       (frame: c->buf[0..n), c->linktype)
 *
 * Rules:
 * - Every layer extends to the end of the frame, minus the trailer (see
 *   kn_craft_trailer): lengths are computed that way at finish. So ICMP
 *   errors quote by simply adding the quoted IP + transport layers after
 *   kn_craft_icmp, and tunnels nest naturally.
 * - Type fields that name the next layer (ethertype, SLL/GRE/Geneve
 *   protocol, PPP protocol, null-link AF, SNAP type) are filled at finish
 *   from the next layer unless set with kn_craft_set_type(). The IP
 *   protocol / next header is always the caller's argument (so malformed
 *   chains are easy).
 * - Option calls (kn_craft_tcp_*, kn_craft_ipv4_opts, kn_craft_geneve_opts)
 *   must directly follow their header; options are padded to the header's
 *   alignment with zero (end-of-list) bytes at finish.
 * - The link type is set by the first layer: Ethernet 1, SLL 113, SLL2
 *   276, null 0 / loop 108, and raw IP (101) when the frame starts with IP.
 * - Misuse (overflow, bad address string, option without its header, too
 *   many layers) sets c->error; kn_craft_finish() then returns 0.
 * - After finish, the frame may be edited in c->buf to make it malformed;
 *   kn_craft_layer_off() finds a header. Calling finish again refixes it.
 */
#ifndef KN_TESTS_CRAFT_H
#define KN_TESTS_CRAFT_H

#include <stddef.h>
#include <stdint.h>

#define KN_CRAFT_MAX 65600
#define KN_CRAFT_MAX_LAYERS 32

enum kn_craft_kind {
	KN_CRAFT_ETH, KN_CRAFT_SLL, KN_CRAFT_SLL2, KN_CRAFT_NULL, KN_CRAFT_VLAN, KN_CRAFT_MPLS,
	KN_CRAFT_PPPOE, KN_CRAFT_PPP, KN_CRAFT_ARP, KN_CRAFT_IPV4, KN_CRAFT_IPV6,
	KN_CRAFT_IPV6_EXT, KN_CRAFT_TCP, KN_CRAFT_UDP, KN_CRAFT_SCTP, KN_CRAFT_ICMP,
	KN_CRAFT_ICMP6, KN_CRAFT_GRE, KN_CRAFT_ERSPAN, KN_CRAFT_VXLAN, KN_CRAFT_GENEVE,
	KN_CRAFT_RAW, KN_CRAFT_PAYLOAD, KN_CRAFT_WLAN, KN_CRAFT_GTPU, KN_CRAFT_AYIYA,
};

struct kn_craft_layer {
	uint8_t kind;      /* enum kn_craft_kind */
	uint8_t forced;    /* type field set by kn_craft_set_type */
	uint16_t hlen;     /* header bytes, options included */
	uint16_t type;     /* VLAN TPID, IPv6 ext type, or the forced type */
	uint16_t aux;      /* null: network order; GRE: version; ERSPAN: type; WLAN: options */
	uint32_t off;      /* header start in buf */
};

struct kn_craft {
	uint8_t buf[KN_CRAFT_MAX];
	size_t len;        /* bytes written */
	size_t trailer;    /* bytes at the end outside every length */
	unsigned n;        /* layers */
	struct kn_craft_layer layer[KN_CRAFT_MAX_LAYERS];
	uint16_t linktype; /* pcap LINKTYPE_* of the frame */
	uint16_t ipv4_id;  /* id of the next IPv4 header (then incremented) */
	uint32_t frag_id;  /* IPv6 fragment identification used by kn_craft_fragment */
	int error;         /* misuse: finish returns 0 */
};

/* Empty frame: no layers, ipv4_id 1, frag_id 0x0a0b0c0d. */
void kn_craft_init(struct kn_craft *c);

/* --- link layers ------------------------------------------------------ */
/* NULL MACs default to 02:00:00:00:00:01 (src) / 02:00:00:00:00:02 (dst). */
void kn_craft_eth(struct kn_craft *c, const uint8_t src[6], const uint8_t dst[6]);
void kn_craft_sll(struct kn_craft *c);   /* Linux cooked v1, outgoing Ethernet */
void kn_craft_sll2(struct kn_craft *c);  /* Linux cooked v2 */
/* BSD null (network_order 0, host = little-endian AF) or loop (1, LINKTYPE
 * 108) header; AF 2 for IPv4, 24 for IPv6 unless set with set_type. */
void kn_craft_null(struct kn_craft *c, int network_order);
/* tpid 0x8100, 0x88a8 or 0x9100; priority 0. */
void kn_craft_vlan(struct kn_craft *c, uint16_t tpid, uint16_t vid);
/* One label stack entry, TTL 64; bottom sets the S bit. */
void kn_craft_mpls(struct kn_craft *c, uint32_t label, int bottom);
/* PPPoE session header + PPP protocol (0x0021 / 0x0057 from the next layer). */
void kn_craft_pppoe(struct kn_craft *c, uint16_t session);
/* PPP in HDLC-like framing: ff 03 + protocol (for PPTP GRE). */
void kn_craft_ppp(struct kn_craft *c);
/* ARP request (op 1) or reply (2) between two IPv4 addresses. */
void kn_craft_arp(struct kn_craft *c, uint16_t op, const char *sender, const char *target);
/* Forces the type field of the last layer (ethertype, protocol, AF...). */
void kn_craft_set_type(struct kn_craft *c, uint16_t type);

/* --- IP ----------------------------------------------------------------- */
/* Addresses are dotted / colon strings. TTL/hop limit 64, no DF. */
void kn_craft_ipv4(struct kn_craft *c, const char *src, const char *dst, uint8_t proto);
void kn_craft_ipv4_opts(struct kn_craft *c, const void *opts, size_t len); /* <= 40 bytes */
void kn_craft_ipv4_df(struct kn_craft *c, int df);       /* last IPv4 header */
void kn_craft_ip_ttl(struct kn_craft *c, uint8_t ttl);   /* last IPv4/IPv6 header */
void kn_craft_ipv6(struct kn_craft *c, const char *src, const char *dst, uint8_t next);
/* Extension header `type` (0, 43, 60, 51...) whose next header is `next`;
 * body = the bytes after the two first (zero-padded to 8-byte units). */
void kn_craft_ipv6_ext(struct kn_craft *c, uint8_t type, uint8_t next, const void *body,
		       size_t len);
/* Fragment header: offset in bytes (multiple of 8). */
void kn_craft_ipv6_frag(struct kn_craft *c, uint8_t next, uint16_t offset, int more,
			uint32_t id);

/* --- transports ----------------------------------------------------------- */
void kn_craft_tcp(struct kn_craft *c, uint16_t sport, uint16_t dport, uint32_t seq, uint32_t ack,
		  uint8_t flags, uint16_t win);
void kn_craft_tcp_mss(struct kn_craft *c, uint16_t mss);
void kn_craft_tcp_wscale(struct kn_craft *c, uint8_t shift);
void kn_craft_tcp_sackok(struct kn_craft *c);
void kn_craft_tcp_ts(struct kn_craft *c, uint32_t val, uint32_t ecr);
void kn_craft_tcp_sack(struct kn_craft *c, const uint32_t (*blocks)[2], unsigned n);
void kn_craft_tcp_opt_raw(struct kn_craft *c, const void *bytes, size_t len);
void kn_craft_udp(struct kn_craft *c, uint16_t sport, uint16_t dport);
void kn_craft_sctp(struct kn_craft *c, uint16_t sport, uint16_t dport, uint32_t vtag);
/* ICMP (after IPv4) / ICMPv6 (after IPv6): bytes 4-7 are id and seq. */
void kn_craft_icmp(struct kn_craft *c, uint8_t type, uint8_t code, uint16_t id, uint16_t seq);
void kn_craft_icmp6(struct kn_craft *c, uint8_t type, uint8_t code, uint16_t id, uint16_t seq);

/* --- tunnels -------------------------------------------------------------- */
#define KN_CRAFT_GRE_CSUM 0x8000
#define KN_CRAFT_GRE_KEY 0x2000
#define KN_CRAFT_GRE_SEQ 0x1000
/* GRE version 0 with the given optional fields; protocol from the next
 * layer (IPv4, IPv6, Ethernet 0x6558, MPLS, ERSPAN). */
void kn_craft_gre(struct kn_craft *c, uint16_t flags, uint32_t key, uint32_t seq);
/* PPTP enhanced GRE (version 1, key = payload length + call id, with a
 * sequence number); follow with kn_craft_ppp. */
void kn_craft_gre_pptp(struct kn_craft *c, uint16_t call_id, uint32_t seq);
/* ERSPAN type 2 (needs GRE_SEQ on the GRE header) or 3, then Ethernet. */
void kn_craft_erspan(struct kn_craft *c, int type, uint16_t session);
void kn_craft_vxlan(struct kn_craft *c, uint32_t vni);
void kn_craft_geneve(struct kn_craft *c, uint32_t vni);
void kn_craft_geneve_opts(struct kn_craft *c, const void *opts, size_t len); /* 4-byte units */

/* An IEEE 802.11 data frame as Aruba controllers tunnel it in GRE (GRE
 * protocol 0x8200 when it follows a GRE header), ending with an LLC/SNAP
 * header whose type comes from the next layer. opts: frame-control flags
 * (To DS and From DS both set: the 4-address form; protected; order) and
 * the layout: QoS data (QoS control; + HT control with ORDER), A-MSDU (with
 * QOS: one subframe header, its length fixed at finish, before the LLC).
 * Sequence number 1, fragment 0. */
#define KN_CRAFT_WLAN_TODS 0x01
#define KN_CRAFT_WLAN_FROMDS 0x02
#define KN_CRAFT_WLAN_PROTECTED 0x40
#define KN_CRAFT_WLAN_ORDER 0x80
#define KN_CRAFT_WLAN_QOS 0x100
#define KN_CRAFT_WLAN_AMSDU 0x200
void kn_craft_wlan(struct kn_craft *c, unsigned opts);

/* GTP-U (3GPP TS 29.281) G-PDU header: version 1, message type 255, the
 * TEID; flags KN_CRAFT_GTPU_SEQ / _NPDU add the 4-byte optional fields
 * (sequence number 1, N-PDU number 0). The length is fixed at finish. */
#define KN_CRAFT_GTPU_SEQ 0x02
#define KN_CRAFT_GTPU_NPDU 0x01
void kn_craft_gtpu(struct kn_craft *c, uint32_t teid, uint8_t flags);
/* Appends an extension header of `type` to the GTP-U header just written
 * (optional fields added if absent, E flag set): length byte, body, zero
 * padding to a 4-byte multiple, next type 0. body <= 1000 bytes. */
void kn_craft_gtpu_ext(struct kn_craft *c, uint8_t type, const void *body, size_t len);
/* AYIYA "forward" header: 16-byte IPv6 identity, 20-byte SHA-1
 * signature; the next header (41 IPv6, 4 IPv4) is the caller's. */
void kn_craft_ayiya(struct kn_craft *c, uint8_t next);

/* --- data ----------------------------------------------------------------- */
/* Payload bytes; data NULL writes the pattern (i * 7 + 1) & 0xff. */
void kn_craft_payload(struct kn_craft *c, const void *data, size_t len);
/* Arbitrary header bytes as an opaque layer (a pseudowire control word...). */
void kn_craft_raw(struct kn_craft *c, const void *data, size_t len);
/* Bytes after every layer, outside all lengths (Ethernet padding, FCS);
 * data NULL writes zeros. */
void kn_craft_trailer(struct kn_craft *c, const void *data, size_t len);

/* Fixes lengths, type fields and checksums; returns the frame length (0
 * after misuse). */
size_t kn_craft_finish(struct kn_craft *c);

/* Offset of the nth (0-based) layer of `kind`, or -1. */
long kn_craft_layer_off(const struct kn_craft *c, enum kn_craft_kind kind, unsigned nth);

/* --- fragmentation of a finished frame ---------------------------------- */
/* One fragment of the OUTERMOST IP layer: payload bytes [off, off+len)
 * (off a multiple of 8) with MF = more; link layers are kept, IPv6 gets a
 * fragment header after its hop-by-hop/routing headers. Returns the frame
 * length in out (finished), 0 on bad arguments. */
size_t kn_craft_fragment_at(const struct kn_craft *c, size_t off, size_t len, int more,
			    struct kn_craft *out);
/* Splits into fragments of frag_payload bytes (rounded down to a multiple
 * of 8, at least 8), in order, into out[0..max_out). Returns the number of
 * fragments, 0 if they do not fit in max_out or on bad arguments. */
size_t kn_craft_fragment(const struct kn_craft *c, size_t frag_payload, struct kn_craft *out,
			 size_t max_out);

/* --- a whole TCP session ------------------------------------------------ */
/* Receives each frame (Ethernet linktype) with its time stamp. */
typedef void (*kn_craft_emit_fn)(void *user, uint64_t ts_ns, const uint8_t *frame, size_t len);

struct kn_craft_session {
	const char *client, *server;  /* IPv4 or IPv6 (same family) */
	uint16_t client_port, server_port;
	uint16_t vlan;                /* 0: untagged */
	uint32_t client_isn, server_isn;
	size_t mss;                   /* payload per segment; 0 = 1400 */
	uint64_t start_ns, step_ns;   /* first frame time; gap (0 = 1 ms) */
	const void *request;          /* client -> server bytes (NULL: pattern) */
	size_t request_len;
	const void *response;         /* server -> client bytes (NULL: pattern) */
	size_t response_len;
};

/* Emits a 3-way handshake (SYN with MSS/SACK-permitted/wscale/timestamps),
 * the request in segments each ACKed by the server, the response likewise,
 * then FIN/ACK from the client, FIN/ACK from the server and the last ACK.
 * Returns the number of frames, 0 on bad arguments. */
size_t kn_craft_tcp_session(const struct kn_craft_session *s, kn_craft_emit_fn emit, void *user);

/* An emit function writing to a struct kn_pcapw (tests/builder/pcapw.h),
 * user = the writer; write errors stick in the writer (see its close). */
void kn_craft_emit_pcapw(void *pcapw, uint64_t ts_ns, const uint8_t *frame, size_t len);

#endif
