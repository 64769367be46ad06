/*
 * anomaly_event.c - the EVE "anomaly" events about one packet: type
 * "decode", one per decoder event recorded on a packet (truncated header,
 * bad length, ...), and the online model's findings (detector "kitnet").
 *
 * Output stage, fed by the engine for each packet with decoder events.
 * Malformed traffic is a fact worth logging, never an error: whatever the
 * decoder managed to read (addresses, ports, protocol) is included, and a
 * packet that never reached the IP layer gets the head without them.
 */
#include "kenchi/eve.h"

#include <string.h>

#include "output/output.h"

/* Where the packet came from, in Suricata's words. */
static const char *packet_source(const struct kn_packet *pkt)
{
	return (pkt->flags & KN_PKT_REASSEMBLED) ? "defrag" : "wire/pcap";
}

/* The head of an anomaly event about one packet (no flow needed). */
static void packet_head(struct kn_json *j, const struct kn_packet *pkt)
{
	struct output_tuple t;
	struct output_run r;

	output_packet_tuple(pkt, &t);
	kn_json_reset(j);
	output_eve_begin(&r, j, pkt->ts_ns, pkt->flow ? pkt->flow->flow_id : 0, pkt->index,
			 "anomaly", strlen("anomaly"), pkt->vlan);
	output_eve_tuple(&r, &t);
	output_run_lit(&r, "pkt_src", packet_source(pkt));
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
	packet_head(j, pkt);
	kn_json_open(j, "anomaly");
	kn_json_str(j, "type", "decode");
	kn_json_strn(j, "event", event, prefix + n);
	kn_json_close(j);
	kn_json_close(j);
}

void kn_eve_packet_detection(struct kn_json *j, const struct kn_packet *pkt,
			     const struct kn_detection *d)
{
	packet_head(j, pkt);
	output_detection_body(j, d);
	kn_json_close(j);
}
