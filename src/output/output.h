/*
 * output.h - names shared between the files of the output stage
 * (src/output): the sink's line-writing entry point used by the batching
 * writer, and the common EVE head (timestamp, ids, addresses, protocol)
 * used by every event formatter.
 */
#ifndef KN_OUTPUT_OUTPUT_H
#define KN_OUTPUT_OUTPUT_H

#include <stddef.h>
#include <stdint.h>

#include "kenchi/eve.h"
#include "kenchi/packet.h"
#include "util/json.h"

/* sink.c: writes line[0..len) followed by '\n' as one line, without copying
 * (for lines longer than a writer's buffer). Same contract as
 * kn_eve_sink_write(). */
int output_sink_write_line(struct kn_eve_sink *s, const char *line, size_t len);

/* eve_common.c ------------------------------------------------------- */

/* Longest address text: "ffff:ffff:ffff:ffff:ffff:ffff:255.255.255.255". */
#define OUTPUT_ADDR_LEN 46

/* Writes the text form of a (IPv4 dotted quad, or IPv6 in RFC 5952 form:
 * lowercase, no leading zeros, the longest run of two or more zero groups
 * (the first on a tie) as "::", and ::ffff:a.b.c.d for IPv4-mapped
 * addresses) NUL-terminated into out; returns its length. */
size_t output_addr_format(const struct kn_addr *a, unsigned ip_version,
			  char out[OUTPUT_ADDR_LEN]);

/* Suricata's name of an IP protocol ("TCP", "IPv6-ICMP", ...), or its
 * number written into tmp when it has none. */
const char *output_proto_name(uint8_t proto, char tmp[4]);

/* Whether EVE logs ports (TCP, UDP, SCTP) / ICMP type and code for proto. */
int output_proto_has_ports(uint8_t proto);
int output_proto_is_icmp(uint8_t proto);

/* The address part of an event head, in the event's direction. */
struct output_tuple {
	const struct kn_addr *src, *dst;
	uint16_t sport, dport;
	uint8_t proto;
	uint8_t ip_version;   /* 0: no addresses, ports or proto are written */
	uint8_t icmp_type, icmp_code;
};

/* Opens the event object: "timestamp", "flow_id" (when non-zero),
 * "pcap_cnt" (when non-zero), "event_type", "vlan" (ids that are
 * non-zero, omitted when none). */
void output_eve_begin(struct kn_json *j, uint64_t ts_ns, uint64_t flow_id,
		      uint64_t pcap_cnt, const char *event_type, const uint16_t vlan[2]);

/* "src_ip", "src_port", "dest_ip", "dest_port", "proto", "icmp_type",
 * "icmp_code" as applicable to t->proto. */
void output_eve_tuple(struct kn_json *j, const struct output_tuple *t);

/* A timestamp member ("2014-01-14T17:04:01.819644+0000"). */
void output_eve_time(struct kn_json *j, const char *key, uint64_t ts_ns);

#endif
