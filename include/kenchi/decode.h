/*
 * decode.h - the decode stage: turns a captured frame into the layer facts
 * of struct kn_packet (see packet.h, fields "set by decode").
 *
 * Pipeline position: capture -> DECODE -> flow. kn_decode() reads the link
 * layer named by pkt->linktype, walks VLAN/MPLS/PPPoE, IPv4/IPv6 (options and
 * extension headers), tunnels (GRE, ERSPAN, VXLAN, Geneve, Teredo, IP-in-IP,
 * GTP-U, GRE-in-UDP, AYIYA, 802.11 in Aruba GRE) down to the innermost IP
 * layer and its transport header (TCP, UDP, SCTP, ICMP, ICMPv6), and
 * reassembles IP fragments. Malformed or truncated headers never fail the
 * call: they become decoder events, recorded on the packet (pkt->events)
 * and counted in the decoder statistics.
 *
 * A decoder is owned by one thread (no locks inside); use one per worker.
 * Two decoders in one process are independent.
 */
#ifndef KENCHI_DECODE_H
#define KENCHI_DECODE_H

#include <stdint.h>

#include "kenchi/kenchi.h"
#include "kenchi/packet.h"

/*
 * Decoder events: X(ID, "name"). Names follow Suricata's decoder event
 * names without the "decoder." prefix wherever Suricata has one, so users
 * recognise them; kenchi-only events are marked (k). Events marked (i)
 * are informational: the packet is still decoded and returned as
 * KN_DECODE_IP. Unmarked events on a non-tunnelled layer make the packet
 * KN_DECODE_OTHER (inside a tunnel, see kn_decode()).
 */
#define KN_DECODE_EVENTS(X)                                                        \
	X(ETHERNET_PKT_TOO_SMALL, "ethernet.pkt_too_small")                        \
	X(SLL_PKT_TOO_SMALL, "sll.pkt_too_small")                                  \
	X(SLL2_PKT_TOO_SMALL, "sll2.pkt_too_small")                  /* (k) */     \
	X(LTNULL_PKT_TOO_SMALL, "ltnull.pkt_too_small")                            \
	X(LTNULL_UNSUPPORTED_TYPE, "ltnull.unsupported_type")                      \
	X(CHDLC_PKT_TOO_SMALL, "chdlc.pkt_too_small")                              \
	X(IPRAW_INVALID_IPV, "ipraw.invalid_ip_version")                           \
	X(VLAN_HEADER_TOO_SMALL, "vlan.header_too_small")                          \
	X(VLAN_TOO_MANY_LAYERS, "vlan.too_many_layers")       /* > 3 tags */      \
	X(IEEE8021AH_HEADER_TOO_SMALL, "ieee8021ah.header_too_small")              \
	X(VNTAG_HEADER_TOO_SMALL, "vntag.header_too_small")                        \
	X(DCE_PKT_TOO_SMALL, "dce.pkt_too_small")                                  \
	X(ETAG_HEADER_TOO_SMALL, "etag.header_too_small")                          \
	X(NSH_HEADER_TOO_SMALL, "nsh.header_too_small")                            \
	X(NSH_UNSUPPORTED_VERSION, "nsh.unsupported_version")                      \
	X(NSH_BAD_HEADER_LENGTH, "nsh.bad_header_length")                          \
	X(NSH_UNKNOWN_PAYLOAD, "nsh.unknown_payload")                              \
	X(MPLS_HEADER_TOO_SMALL, "mpls.header_too_small")                          \
	X(MPLS_PKT_TOO_SMALL, "mpls.pkt_too_small")                                \
	X(MPLS_BAD_LABEL_ROUTER_ALERT, "mpls.bad_label_router_alert")              \
	X(MPLS_BAD_LABEL_IMPLICIT_NULL, "mpls.bad_label_implicit_null")            \
	X(MPLS_BAD_LABEL_RESERVED, "mpls.bad_label_reserved")                      \
	X(MPLS_UNKNOWN_PAYLOAD_TYPE, "mpls.unknown_payload_type")                  \
	X(PPPOE_PKT_TOO_SMALL, "pppoe.pkt_too_small")                              \
	X(PPPOE_WRONG_CODE, "pppoe.wrong_code")                                    \
	X(PPP_PKT_TOO_SMALL, "ppp.pkt_too_small")                                  \
	X(PPP_WRONG_TYPE, "ppp.wrong_type")           /* unknown PPP protocol */   \
	X(PPP_UNSUP_PROTO, "ppp.unsup_proto")         /* known, not decoded */     \
	X(TOO_MANY_LAYERS, "generic.too_many_layers") /* > max_layers */           \
	X(IPV4_PKT_TOO_SMALL, "ipv4.pkt_too_small")                                \
	X(IPV4_HLEN_TOO_SMALL, "ipv4.hlen_too_small")                              \
	X(IPV4_IPLEN_SMALLER_THAN_HLEN, "ipv4.iplen_smaller_than_hlen")            \
	X(IPV4_TRUNC_PKT, "ipv4.trunc_pkt")                                        \
	X(IPV4_OPT_INVALID_LEN, "ipv4.opt_invalid_len")                            \
	X(IPV4_OPT_MALFORMED, "ipv4.opt_malformed")                                \
	X(IPV4_OPT_EOL_REQUIRED, "ipv4.opt_eol_required")            /* (i) */     \
	X(IPV4_OPT_DUPLICATE, "ipv4.opt_duplicate")                  /* (i) */     \
	X(IPV4_OPT_UNKNOWN, "ipv4.opt_unknown")                      /* (i) */     \
	X(IPV4_WRONG_IP_VERSION, "ipv4.wrong_ip_version")                          \
	X(IPV4_WITH_ICMPV6, "ipv4.icmpv6")                           /* (i) */     \
	X(IPV4_FRAG_PKT_TOO_LARGE, "ipv4.frag_pkt_too_large")                      \
	X(IPV4_FRAG_OVERLAP, "ipv4.frag_overlap")                    /* (i) */     \
	X(IPV4_FRAG_IGNORED, "ipv4.frag_ignored")   /* truncated capture */        \
	X(IPV4_FRAG_INVALID_LENGTH, "ipv4.frag_invalid_length")      /* (k) */     \
	X(IPV6_PKT_TOO_SMALL, "ipv6.pkt_too_small")                                \
	X(IPV6_TRUNC_PKT, "ipv6.trunc_pkt")                                        \
	X(IPV6_TRUNC_EXTHDR, "ipv6.trunc_exthdr")                                  \
	X(IPV6_EXTHDR_DUPL_FH, "ipv6.exthdr_dupl_fh")                /* (i) */     \
	X(IPV6_EXTHDR_USELESS_FH, "ipv6.exthdr_useless_fh")          /* (i) */     \
	X(IPV6_EXTHDR_DUPL_RH, "ipv6.exthdr_dupl_rh")                /* (i) */     \
	X(IPV6_EXTHDR_DUPL_HH, "ipv6.exthdr_dupl_hh")                /* (i) */     \
	X(IPV6_EXTHDR_DUPL_DH, "ipv6.exthdr_dupl_dh")                /* (i) */     \
	X(IPV6_EXTHDR_DUPL_AH, "ipv6.exthdr_dupl_ah")                /* (i) */     \
	X(IPV6_EXTHDR_INVALID_OPTLEN, "ipv6.exthdr_invalid_optlen")  /* (i) */     \
	X(IPV6_WRONG_IP_VERSION, "ipv6.wrong_ip_version")                          \
	X(IPV6_EXTHDR_AH_RES_NOT_NULL, "ipv6.exthdr_ah_res_not_null") /* (i) */    \
	X(IPV6_HOPOPTS_UNKNOWN_OPT, "ipv6.hopopts_unknown_opt")      /* (i) */     \
	X(IPV6_HOPOPTS_ONLY_PADDING, "ipv6.hopopts_only_padding")    /* (i) */     \
	X(IPV6_DSTOPTS_UNKNOWN_OPT, "ipv6.dstopts_unknown_opt")      /* (i) */     \
	X(IPV6_DSTOPTS_ONLY_PADDING, "ipv6.dstopts_only_padding")    /* (i) */     \
	X(IPV6_RH_TYPE_0, "ipv6.rh_type_0")                          /* (i) */     \
	X(IPV6_ZERO_LEN_PADN, "ipv6.zero_len_padn")                  /* (i) */     \
	X(IPV6_FH_NON_ZERO_RES_FIELD, "ipv6.fh_non_zero_reserved_field") /* (i) */ \
	X(IPV6_DATA_AFTER_NONE_HEADER, "ipv6.data_after_none_header") /* (i) */    \
	X(IPV6_UNKNOWN_NEXT_HEADER, "ipv6.unknown_next_header")      /* (i) */     \
	X(IPV6_WITH_ICMPV4, "ipv6.icmpv4")                           /* (i) */     \
	X(IPV6_FRAG_PKT_TOO_LARGE, "ipv6.frag_pkt_too_large")                      \
	X(IPV6_FRAG_OVERLAP, "ipv6.frag_overlap")                    /* (i) */     \
	X(IPV6_FRAG_INVALID_LENGTH, "ipv6.frag_invalid_length")                    \
	X(IPV6_FRAG_IGNORED, "ipv6.frag_ignored")   /* truncated capture */        \
	X(IPV4_IN_IPV6_PKT_TOO_SMALL, "ipv6.ipv4_in_ipv6_too_small")               \
	X(IPV4_IN_IPV6_WRONG_IP_VER, "ipv6.ipv4_in_ipv6_wrong_version")            \
	X(IPV6_IN_IPV6_PKT_TOO_SMALL, "ipv6.ipv6_in_ipv6_too_small")               \
	X(IPV6_IN_IPV6_WRONG_IP_VER, "ipv6.ipv6_in_ipv6_wrong_version")            \
	X(TCP_PKT_TOO_SMALL, "tcp.pkt_too_small")                                  \
	X(TCP_HLEN_TOO_SMALL, "tcp.hlen_too_small")                                \
	X(TCP_INVALID_OPTLEN, "tcp.invalid_optlen")  /* (i) option list cut */     \
	X(TCP_OPT_INVALID_LEN, "tcp.opt_invalid_len") /* (i) e.g. MSS len != 4 */ \
	X(TCP_OPT_DUPLICATE, "tcp.opt_duplicate")                    /* (i) */     \
	X(UDP_PKT_TOO_SMALL, "udp.pkt_too_small")                                  \
	X(UDP_HLEN_TOO_SMALL, "udp.hlen_too_small")                                \
	X(UDP_LEN_INVALID, "udp.len_invalid")                                      \
	X(SCTP_PKT_TOO_SMALL, "sctp.pkt_too_small")                                \
	X(ESP_PKT_TOO_SMALL, "esp.pkt_too_small")                                  \
	X(ICMPV4_PKT_TOO_SMALL, "icmpv4.pkt_too_small")                            \
	X(ICMPV4_UNKNOWN_TYPE, "icmpv4.unknown_type")                /* (i) */     \
	X(ICMPV4_UNKNOWN_CODE, "icmpv4.unknown_code")                /* (i) */     \
	X(ICMPV4_IPV4_TRUNC_PKT, "icmpv4.ipv4_trunc_pkt")            /* (i) */     \
	X(ICMPV4_IPV4_UNKNOWN_VER, "icmpv4.ipv4_unknown_ver")        /* (i) */     \
	X(ICMPV6_UNKNOWN_TYPE, "icmpv6.unknown_type")                /* (i) */     \
	X(ICMPV6_UNKNOWN_CODE, "icmpv6.unknown_code")                /* (i) */     \
	X(ICMPV6_PKT_TOO_SMALL, "icmpv6.pkt_too_small")                            \
	X(ICMPV6_IPV6_UNKNOWN_VER, "icmpv6.ipv6_unknown_version")    /* (i) */     \
	X(ICMPV6_IPV6_TRUNC_PKT, "icmpv6.ipv6_trunc_pkt")            /* (i) */     \
	X(ICMPV6_MLD_INVALID_HL, "icmpv6.mld_message_with_invalid_hl") /* (i) */   \
	X(ICMPV6_UNASSIGNED_TYPE, "icmpv6.unassigned_type")          /* (i) */     \
	X(ICMPV6_EXPERIMENTATION_TYPE, "icmpv6.experimentation_type") /* (i) */    \
	X(GRE_PKT_TOO_SMALL, "gre.pkt_too_small")                                  \
	X(GRE_WRONG_VERSION, "gre.wrong_version")                                  \
	X(GRE_VERSION0_RECUR, "gre.version0_recur")                                \
	X(GRE_VERSION0_FLAGS, "gre.version0_flags")                                \
	X(GRE_VERSION0_HDR_TOO_BIG, "gre.version0_hdr_too_big")                    \
	X(GRE_VERSION0_MALFORMED_SRE_HDR, "gre.version0_malformed_sre_hdr")        \
	X(GRE_VERSION1_CHKSUM, "gre.version1_chksum")                              \
	X(GRE_VERSION1_ROUTE, "gre.version1_route")                                \
	X(GRE_VERSION1_SSR, "gre.version1_ssr")                                    \
	X(GRE_VERSION1_RECUR, "gre.version1_recur")                                \
	X(GRE_VERSION1_FLAGS, "gre.version1_flags")                                \
	X(GRE_VERSION1_NO_KEY, "gre.version1_no_key")                              \
	X(GRE_VERSION1_WRONG_PROTOCOL, "gre.version1_wrong_protocol")              \
	X(GRE_VERSION1_HDR_TOO_BIG, "gre.version1_hdr_too_big")                    \
	X(ERSPAN_HEADER_TOO_SMALL, "erspan.header_too_small")                      \
	X(ERSPAN_UNSUPPORTED_VERSION, "erspan.unsupported_version")                \
	X(GENEVE_UNKNOWN_PAYLOAD_TYPE, "geneve.unknown_payload_type")              \
	X(GTPU_PKT_TOO_SMALL, "gtpu.pkt_too_small")          /* (k) (i) */         \
	X(GTPU_BAD_EXT_HEADER, "gtpu.bad_extension_header")  /* (k) (i) */         \
	X(WLAN_PKT_TOO_SMALL, "wlan.pkt_too_small")          /* (k) */             \
	X(DEFRAG_MEMCAP, "defrag.memcap")          /* (k) memcap or tracker cap */ \
	X(DEFRAG_TIMEOUT, "defrag.timeout")        /* (k) per fragment, no packet */ \
	X(DEFRAG_MAX_FRAGS, "defrag.max_frags")    /* (k) > 1024 fragments */

enum kn_decode_event {
#define KN_DEV_ENUM_(id, name) KN_DEV_##id,
	KN_DECODE_EVENTS(KN_DEV_ENUM_)
#undef KN_DEV_ENUM_
	KN_DEV_COUNT
};

/* Static name of a decoder event ("ipv4.trunc_pkt"); NULL when out of range. */
const char *kn_decode_event_name(unsigned ev);

struct kn_decode_config {
	uint64_t defrag_memcap;        /* bytes of fragment data + trackers held */
	uint64_t defrag_timeout_ns;    /* a reassembly older than this is dropped */
	uint32_t defrag_max_trackers;  /* datagrams in reassembly at once; 0 = no defrag */
	unsigned max_layers;           /* encapsulation depth limit, 1..64 */
	int ignore_vlan;               /* 1: VLAN ids are left out of kn_packet.hash (the
	                                  flow table's ignore_vlan too), pkt->vlan stays */
};

/* Defaults: 32 MiB, 60 s, 65536 trackers, 16 layers. */
void kn_decode_config_default(struct kn_decode_config *cfg);

/*
 * Counters. Layer counters count the headers the decoder reached, broken
 * ones included (as Suricata's do), inner headers of tunnels and the IP
 * header of a reassembled datagram too (so ipv4 can exceed pkts); tunnel
 * counters (vxlan, geneve, teredo, gtpu, ayiya, wlan) count recognised
 * tunnels (GRE-in-UDP counts as gre). "invalid" counts packets returned
 * KN_DECODE_OTHER because of an event.
 *
 * The vlan counter counts frames with at least one tag, vlan_qinq those
 * with two or more; "bytes" sums caplen.
 *
 * Fragment accounting: every fragment handed to defrag (frag_ipv4 +
 * frag_ipv6, weighted by the packets it stands for, normally 1) ends up
 * either in the frag_count of exactly one reassembled datagram, or in
 * defrag_frags_dropped and, once per fragment, in the events[] counter of
 * the event that dropped it (defrag.timeout, defrag.memcap,
 * defrag.max_frags, ipvN.frag_pkt_too_large, ipvN.frag_invalid_length,
 * ipvN.frag_ignored),
 * or is still held (defrag_frags_held). defrag.timeout is thus counted per
 * fragment, with no packet carrying it.
 */
struct kn_decode_stats {
	uint64_t pkts, bytes, invalid;
	uint64_t ethernet, sll, null, raw, arp, unknown_ethertype;
	uint64_t vlan, vlan_qinq, ieee8021ah, vntag, dce, etag, nsh, llc, mpls, pppoe, ppp;
	uint64_t ipv4, ipv6, tcp, udp, sctp, icmpv4, icmpv6, esp;
	uint64_t gre, erspan, vxlan, geneve, teredo;
	uint64_t gtpu, ayiya;            /* GTP-U G-PDUs, AYIYA forwarded packets */
	uint64_t wlan, wlan_skipped;     /* 802.11 frames in Aruba GRE; those not decoded
	                                    (management, control, null, protected, fragments) */
	uint64_t ipv4_in_ipv4, ipv6_in_ipv4, ipv4_in_ipv6, ipv6_in_ipv6;
	uint64_t other_ip;               /* IP packets of other protocols (OSPF, IGMP, PIM...) */
	uint64_t frag_ipv4, frag_ipv6;   /* fragments handed to defrag */
	uint64_t defrag_reassembled;     /* datagrams completed */
	uint64_t defrag_frags_dropped;   /* fragments (packets) dropped by defrag */
	uint64_t defrag_frags_held;      /* fragments (packets) currently held */
	uint64_t defrag_timeouts;        /* trackers expired */
	uint64_t defrag_memcap_drops;    /* times the memcap or tracker limit refused a fragment */
	uint64_t defrag_mem_in_use, defrag_mem_peak; /* bytes, against defrag_memcap */
	uint64_t events[KN_DEV_COUNT];   /* packets that raised each event (once per packet;
	                                    defrag drops: once per fragment dropped) */
};

struct kn_decoder;

/* New decoder (cfg NULL = defaults). NULL with the reason in errbuf on a
 * bad configuration (max_layers 0 or > 64) or out of memory. */
KN_WARN_UNUSED struct kn_decoder *kn_decoder_new(const struct kn_decode_config *cfg,
						 char *errbuf);
/* Frees the decoder and every held fragment. NULL is a no-op. */
void kn_decoder_free(struct kn_decoder *d);

enum {
	KN_DECODE_OTHER = 0, /* nothing for the flow table (ARP, unknown, broken) */
	KN_DECODE_IP = 1,    /* an IP packet, innermost layer described */
	KN_DECODE_HELD = 2,  /* an IP fragment kept for reassembly (KN_PKT_FRAGMENT) */
};

/*
 * Decodes pkt (capture fields set: data, caplen, wirelen, ts_ns, linktype,
 * flags) and initialises every decode-owned field. Returns KN_DECODE_*:
 * - IP: ready for flow tracking; may carry informational events. For an
 *   ordinary packet frag_count = 1 and frag_bytes = caplen.
 * - OTHER: ARP, unknown ethertype or link type, or broken (then n_events > 0
 *   and stats.invalid counted). A fragment that defrag dropped is OTHER
 *   with KN_PKT_FRAGMENT and its event (see defrag_frags_dropped). Inside
 *   a tunnel, when the inner packet is broken or not IP (e.g. ARP in
 *   VXLAN), the outer tunnel packet is described instead and IP is
 *   returned, with the inner events kept. pkt->hash is 0 unless IP.
 * - HELD: a fragment stored for reassembly. When a fragment completes a
 *   datagram, IP (or OTHER if its transport header is broken) is returned
 *   for it with pkt->data pointing to a decoder-owned buffer holding the IP
 *   header + whole payload (KN_PKT_REASSEMBLED, l3_off 0, caplen = wirelen
 *   = datagram length, linktype KN_LINK_IPV4/IPV6, KN_PKT_STABLE cleared),
 *   valid until the next kn_decode()/kn_decoder_free(). frag_count and
 *   frag_bytes then sum the captured fragments. Overlaps: first data wins.
 */
int kn_decode(struct kn_decoder *d, struct kn_packet *pkt);

/* Drops reassemblies whose first fragment is older than the timeout at
 * now_ns (also done lazily by kn_decode with the packet time). At the end of
 * the input call it with UINT64_MAX so every held fragment is accounted. */
void kn_decoder_expire(struct kn_decoder *d, uint64_t now_ns);

/* Counters, owned by the decoder, updated by every call. */
const struct kn_decode_stats *kn_decoder_stats(const struct kn_decoder *d);

/* The symmetric flow hash kn_decode() stores in pkt->hash: addresses,
 * ports, protocol, both VLAN ids and the tunnel id. Exposed so tests can
 * build packets by hand. */
uint32_t kn_packet_hash(const struct kn_packet *p);

#endif
