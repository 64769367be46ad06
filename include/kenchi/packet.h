/*
 * packet.h - the packet as it travels the pipeline.
 *
 * capture fills the frame fields (data, lengths, time, index, link type);
 * decode fills the layer fields (addresses, ports, TCP header facts, layer
 * offsets, tunnel identity, decoder events) of the INNERMOST decoded IP
 * packet; flow sets `flow` and `dir`. A packet never owns its bytes: `data`
 * is borrowed from the capture buffer (or from the decoder's reassembly
 * buffer after IP defragmentation) and is valid until the producer is asked
 * for the next packet, unless KN_PKT_STABLE says it lives for the whole run.
 * When decode completes an IP datagram from fragments it rewrites data,
 * caplen, wirelen and linktype to describe the reassembled datagram, clears
 * KN_PKT_STABLE and sets KN_PKT_REASSEMBLED.
 */
#ifndef KENCHI_PACKET_H
#define KENCHI_PACKET_H

#include <stdint.h>

/* An IP address. IPv4 occupies b[0..3] (network order) and b[4..15] are 0. */
struct kn_addr {
	uint8_t b[16];
};

/* Link types we decode (values are the pcap LINKTYPE_* numbers). */
enum kn_linktype {
	KN_LINK_NULL = 0,       /* BSD loopback: 4-byte host-order AF_ value */
	KN_LINK_ETHERNET = 1,
	KN_LINK_RAW = 101,      /* raw IPv4 or IPv6, version nibble decides */
	KN_LINK_CHDLC = 104,    /* Cisco HDLC: address, control, 2-byte ethertype */
	KN_LINK_LOOP = 108,     /* OpenBSD loopback: 4-byte network-order AF_ */
	KN_LINK_SLL = 113,      /* Linux cooked v1 */
	KN_LINK_IPV4 = 228,
	KN_LINK_IPV6 = 229,
	KN_LINK_SLL2 = 276,     /* Linux cooked v2 */
};

/* kn_packet.flags */
enum kn_packet_flag {
	KN_PKT_STABLE = 1u << 0,       /* data lives until the end of the run (mmap'd file) */
	KN_PKT_REASSEMBLED = 1u << 1,  /* data is a defragmented IP datagram (l3_off == 0) */
	KN_PKT_TRUNCATED = 1u << 2,    /* caplen < wire length or an inner length ran past caplen */
	KN_PKT_TUNNELED = 1u << 3,     /* the IP layer described is inside a tunnel */
	KN_PKT_HAS_PORTS = 1u << 4,    /* sport/dport are meaningful (TCP, UDP, SCTP) */
	KN_PKT_ICMP_ERROR = 1u << 5,   /* ICMP/ICMPv6 error carrying a quoted inner header */
	KN_PKT_FRAGMENT = 1u << 6,     /* an IP fragment (held by defrag, not for flows) */
	KN_PKT_ETH = 1u << 7,          /* eth_src/eth_dst hold the outermost Ethernet addresses */
	KN_PKT_ARP = 1u << 8,          /* an Ethernet/IPv4 ARP packet, fields in arp */
};

/* An Ethernet/IPv4 ARP packet (hardware type 1, protocol 0x0800, lengths
 * 6 and 4), outside any tunnel. Valid with KN_PKT_ARP. */
struct kn_arp {
	uint16_t op;           /* 1 request, 2 reply (others kept as read) */
	uint8_t sha[6], tha[6];/* sender and target hardware addresses */
	uint8_t spa[4], tpa[4];/* sender and target IPv4 addresses, network order */
};

/* TCP header facts, host byte order. Valid when proto == 6 and l4 decoded. */
struct kn_tcp_hdr {
	uint32_t seq, ack;
	uint16_t window;      /* raw window field (not scaled) */
	uint8_t flags;        /* FIN 0x01 SYN 0x02 RST 0x04 PSH 0x08 ACK 0x10 URG 0x20 ECE 0x40 CWR 0x80 */
	uint8_t hlen;         /* header length in bytes (20..60) */
	uint16_t mss;         /* 0 when absent */
	uint8_t wscale;       /* 0xff when absent */
	uint8_t sack_permitted;
	uint8_t has_ts;
	uint8_t sack_count;   /* SACK blocks present (0..4), in sack[] */
	uint32_t ts_val, ts_ecr;
	uint32_t sack[4][2];  /* left, right edges */
};

#define KN_TCP_FIN 0x01
#define KN_TCP_SYN 0x02
#define KN_TCP_RST 0x04
#define KN_TCP_PSH 0x08
#define KN_TCP_ACK 0x10
#define KN_TCP_URG 0x20
#define KN_TCP_ECE 0x40
#define KN_TCP_CWR 0x80

/* The header quoted inside an ICMP/ICMPv6 error message. */
struct kn_icmp_quote {
	struct kn_addr src, dst;
	uint16_t sport, dport;  /* 0 when the quote is too short or has no ports */
	uint8_t proto;
	uint8_t ip_version;     /* 0 when no inner header could be decoded */
};

/* Decoder events recorded on one packet; the full list of names is in
 * decode.h (kn_decode_event_name). At most this many are kept per packet;
 * further events are still counted in the decoder statistics. */
#define KN_PKT_MAX_EVENTS 4

struct kn_flow;

struct kn_packet {
	/* --- set by capture --- */
	const uint8_t *data;   /* frame bytes (borrowed, see file comment) */
	uint32_t caplen;       /* bytes present at data */
	uint32_t wirelen;      /* original length on the wire */
	uint64_t ts_ns;        /* capture time, nanoseconds since the Unix epoch */
	uint64_t index;        /* 1-based position in the run, over all inputs (EVE pcap_cnt) */
	uint16_t linktype;     /* enum kn_linktype value */
	uint16_t flags;        /* enum kn_packet_flag */

	/* --- set by decode (innermost IP layer) --- */
	uint8_t ip_version;    /* 4 or 6; 0 when the frame holds no decodable IP */
	uint8_t proto;         /* IP protocol number (after IPv6 extension headers) */
	uint8_t ttl;           /* TTL / hop limit */
	uint8_t tunnel_depth;  /* 0 = not tunneled */
	uint16_t vlan[2];      /* outermost two 802.1Q/ad VLAN ids, 0 when absent */
	uint32_t tunnel_id;    /* identity of the innermost tunnel (VXLAN VNI, Geneve VNI,
	                          GRE key, or a hash of the outer addresses); 0 when none */
	struct kn_addr src, dst;
	uint16_t sport, dport; /* TCP/UDP/SCTP ports; for ICMP: 0 */
	uint8_t icmp_type, icmp_code;
	uint16_t icmp_id;      /* echo identifier for ICMP echo request/reply, else 0 */
	uint32_t l3_off;       /* offset of the innermost IP header in data */
	uint32_t l4_off;       /* offset of the transport header in data */
	uint32_t payload_off;  /* offset of the transport payload in data */
	uint32_t payload_len;  /* transport payload bytes present (bounded by IP length and caplen) */
	uint32_t ip_len;       /* innermost IP datagram length from its header */
	struct kn_tcp_hdr tcp;
	struct kn_icmp_quote quote;  /* valid with KN_PKT_ICMP_ERROR */

	/* Defragmentation accounting: a reassembled datagram stands for
	 * frag_count captured fragments whose frames totalled frag_bytes. For an
	 * ordinary packet frag_count is 1 and frag_bytes is caplen. Flows count
	 * frag_count packets and frag_bytes bytes, so every captured IP packet is
	 * counted in exactly one flow. */
	uint32_t frag_count;
	uint64_t frag_bytes;

	uint8_t n_events;                    /* events kept (<= KN_PKT_MAX_EVENTS) */
	uint16_t events[KN_PKT_MAX_EVENTS];  /* enum kn_decode_event values */

	/* Link layer: the outermost Ethernet header's addresses (KN_PKT_ETH)
	 * and an ARP packet's fields (KN_PKT_ARP); zero otherwise. */
	uint8_t eth_src[6], eth_dst[6];
	struct kn_arp arp;

	/* Symmetric hash of (addresses, ports, proto, vlan, tunnel): equal for both
	 * directions of a flow. Set by decode; used to pick a worker and a bucket. */
	uint32_t hash;

	/* --- set by flow --- */
	struct kn_flow *flow;  /* NULL for packets that are not tracked */
	uint8_t dir;           /* 0 = to server (same direction as the flow's first packet), 1 = to client */
};

#endif
