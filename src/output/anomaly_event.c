/*
 * anomaly_event.c - the EVE "anomaly" events about one packet: type
 * "decode", one per decoder event recorded on a packet (truncated header,
 * bad length, ...), the online model's findings (detector "kitnet") and
 * link-layer findings (detector "arp", with the packet's "ether" and "arp"
 * fields).
 *
 * Output stage, fed by the engine for each packet with decoder events.
 * Malformed traffic is a fact worth logging, never an error: whatever the
 * decoder managed to read (addresses, ports, protocol) is included, and a
 * packet that never reached the IP layer gets the head without them.
 */
#include "kenchi/eve.h"

#include <stdio.h>
#include <string.h>

#include "kenchi/detector.h"
#include "output/output.h"

/* Where the packet came from, in Suricata's words. */
static const char *packet_source(const struct kn_packet *pkt)
{
	return (pkt->flags & KN_PKT_REASSEMBLED) ? "defrag" : "wire/pcap";
}

/* The head of an anomaly event about one packet (no flow needed). */
static void packet_head(struct kn_json *j, const struct kn_packet *pkt, const char *community_id)
{
	struct output_tuple t;
	struct output_run r;

	output_packet_tuple(pkt, &t);
	kn_json_reset(j);
	output_eve_begin(&r, j, pkt->ts_ns, pkt->flow ? pkt->flow->flow_id : 0, pkt->index,
			 "anomaly", strlen("anomaly"), pkt->vlan);
	output_eve_tuple(&r, &t);
	output_run_lit(&r, "pkt_src", packet_source(pkt));
	if (community_id)
		output_run_str(&r, "community_id", community_id);
	output_run_flush(&r);
}

void kn_eve_decode_anomaly(struct kn_json *j, const struct kn_packet *pkt,
			   const char *event_name)
{
	/* "decoder.<name>"; names are short literals (truncated past 119). */
	const char *name = event_name ? event_name : "unknown";
	char event[128] = "decoder.";
	size_t prefix = strlen(event);
	size_t n = strnlen(name, sizeof event - prefix);

	memcpy(event + prefix, name, n);
	packet_head(j, pkt, NULL);
	kn_json_open(j, "anomaly");
	kn_json_str(j, "type", "decode");
	kn_json_strn(j, "event", event, prefix + n);
	kn_json_close(j);
	kn_json_close(j);
}

static void put_mac(struct kn_json *j, const char *key, const uint8_t m[6])
{
	char s[18];

	kn_detect_mac_text(m, s, sizeof s);
	kn_json_str(j, key, s);
}

static void put_ipv4(struct kn_json *j, const char *key, const uint8_t a[4])
{
	char s[16];

	snprintf(s, sizeof s, "%u.%u.%u.%u", a[0], a[1], a[2], a[3]);
	kn_json_str(j, key, s);
}

/* The link layer of a packet with no IP: its Ethernet addresses ("ether",
 * as Suricata's ethernet logging names them) and its ARP fields ("arp",
 * the names of Suricata's ARP events). */
static void link_members(struct kn_json *j, const struct kn_packet *pkt)
{
	if (pkt->flags & KN_PKT_ETH) {
		kn_json_open(j, "ether");
		put_mac(j, "src_mac", pkt->eth_src);
		put_mac(j, "dest_mac", pkt->eth_dst);
		kn_json_close(j);
	}
	if (pkt->flags & KN_PKT_ARP) {
		const struct kn_arp *a = &pkt->arp;
		kn_json_open(j, "arp");
		kn_json_str(j, "hw_type", "ethernet");
		kn_json_str(j, "proto_type", "ipv4");
		if (a->op == 1 || a->op == 2)
			kn_json_str(j, "opcode", a->op == 1 ? "request" : "reply");
		else
			kn_json_u64(j, "opcode", a->op);
		put_mac(j, "src_mac", a->sha);
		put_ipv4(j, "src_ip", a->spa);
		put_mac(j, "dest_mac", a->tha);
		put_ipv4(j, "dest_ip", a->tpa);
		kn_json_close(j);
	}
}

void kn_eve_packet_detection(struct kn_json *j, const struct kn_packet *pkt,
			     const struct kn_detection *d, const char *community_id)
{
	packet_head(j, pkt, community_id);
	if (!pkt->ip_version)
		link_members(j, pkt);
	output_detection_body(j, d);
	kn_json_close(j);
}
