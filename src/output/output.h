/*
 * output.h - names shared between the files of the output stage
 * (src/output): the sink's line-writing entry points used by the batching
 * writer, the member runs the formatters write most members with, and the
 * common EVE head (timestamp, ids, addresses, protocol) every event has.
 */
#ifndef KN_OUTPUT_OUTPUT_H
#define KN_OUTPUT_OUTPUT_H

#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "kenchi/eve.h"
#include "kenchi/packet.h"
#include "util/json.h"
#include "util/timefmt.h"

/* sink.c: writes line[0..len) followed by '\n' as one line, without copying
 * (for lines longer than a writer's buffer). Same contract as
 * kn_eve_sink_write(). */
int output_sink_write_line(struct kn_eve_sink *s, const char *line, size_t len);
/* kn_eve_sink_write() of buf[0..len) holding exactly `lines` lines (a
 * writer's batch: it knows how many it put, so the sink does not scan the
 * batch for newlines to count them). */
int output_sink_write_lines(struct kn_eve_sink *s, const char *buf, size_t len,
			    uint64_t lines);

/* eve_common.c ------------------------------------------------------- */

/* Longest address text: "ffff:ffff:ffff:ffff:ffff:ffff:255.255.255.255". */
#define OUTPUT_ADDR_LEN 46

/* Writes the text form of a (IPv4 dotted quad, or IPv6 uncompressed as
 * Suricata logs it: eight groups of four lowercase hex digits)
 * NUL-terminated into out; returns its length. */
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

/* The tuple of a flow in direction dir (0: its client is the source), and
 * of a decoded packet as captured. */
void output_flow_tuple(const struct kn_flow *f, int dir, struct output_tuple *t);
void output_packet_tuple(const struct kn_packet *p, struct output_tuple *t);
/* The "anomaly" object of a detector's finding (type "detector", detector,
 * event, score, key, explanation, evidence), closed; app_event.c. */
struct kn_detection;
void output_detection_body(struct kn_json *j, const struct kn_detection *d);

/* Member runs ---------------------------------------------------------
 * A run of members formatted on the stack and appended to the document
 * with one kn_json_members() call. The formatters' keys are their own
 * literals (nothing to escape; the key helpers are inline so strlen() of a
 * literal folds) and most values are valid JSON by construction (numbers,
 * addresses, timestamps, our names); strings are copied with
 * kn_json_copy_plain(), and those that need escaping or are long go to
 * the JSON writer after a flush. A run is flat: flush it before any
 * kn_json_* call on the same document (opening a nested object, say).
 * An event's head costs a few stores per member instead of a writer call
 * each, which matters because every event has one. */

#define OUTPUT_RUN_LEN 512
/* Longest string copied into a run (longer ones go to the JSON writer). */
#define OUTPUT_RUN_VALUE_MAX 48

struct output_run {
	struct kn_json *j;
	char *p;                     /* end of the text so far */
	char text[OUTPUT_RUN_LEN];   /* members, each after a comma */
};

static inline void output_run_init(struct output_run *r, struct kn_json *j)
{
	r->j = j;
	r->p = r->text;
}

/* Appends the members so far to the document (without the first comma:
 * kn_json_members() adds the one the position needs). */
static inline void output_run_flush(struct output_run *r)
{
	if (r->p > r->text)
		kn_json_members(r->j, r->text + 1, (size_t)(r->p - r->text - 1));
	r->p = r->text;
}

/* Writes ,"key": (key: one of our literals) with room for value_max more
 * bytes after it, flushing first when the text is too full. Returns where
 * the value goes. */
static inline char *output_run_key(struct output_run *r, const char *key, size_t value_max)
{
	size_t klen = strlen(key);
	if ((size_t)(r->text + OUTPUT_RUN_LEN - r->p) < klen + 4 + value_max)
		output_run_flush(r);
	char *p = r->p;
	p[0] = ',';
	p[1] = '"';
	memcpy(p + 2, key, klen);
	p += klen + 2;
	p[0] = '"';
	p[1] = ':';
	return p + 2;
}

static inline void output_run_u64(struct output_run *r, const char *key, uint64_t v)
{
	char *p = output_run_key(r, key, KN_U64_DIGITS);
	r->p = p + kn_u64_to_dec(v, p);
}

static inline void output_run_bool(struct output_run *r, const char *key, int v)
{
	char *p = output_run_key(r, key, 5);
	memcpy(p, v ? "true" : "false", v ? 4 : 5);
	r->p = p + (v ? 4 : 5);
}

/* output_run_strn() of a string that needs escaping or is long (or NULL):
 * written by the JSON writer after a flush. */
void output_run_strn_slow(struct output_run *r, const char *key, const char *s, size_t n);

/* A string member: copied when it needs no escaping and is short, else
 * written by the JSON writer after a flush. NULL writes null. Inline so
 * that the key, a literal, is written without strlen() and memcpy() calls
 * (every event has several such members). */
static inline void output_run_strn(struct output_run *r, const char *key, const char *s,
				   size_t n)
{
	if (s && n <= OUTPUT_RUN_VALUE_MAX) {
		char *p = output_run_key(r, key, n + 2);
		/* Nothing counts until r->p moves: a string that needs escaping
		 * leaves the key written above as scratch. */
		if (kn_json_copy_plain(p + 1, s, n)) {
			p[0] = '"';
			p[n + 1] = '"';
			r->p = p + n + 2;
			return;
		}
	}
	output_run_strn_slow(r, key, s, n);
}

static inline void output_run_str(struct output_run *r, const char *key, const char *s)
{
	output_run_strn(r, key, s, s ? strlen(s) : 0);
}

/* A string member whose value is one of this stage's own names (literals,
 * the protocol and state tables): written without a check, the caller
 * guarantees it needs no escaping and is at most OUTPUT_RUN_VALUE_MAX
 * bytes. */
static inline void output_run_lit(struct output_run *r, const char *key, const char *name)
{
	size_t n = strlen(name);
	char *p = output_run_key(r, key, n + 2);
	p[0] = '"';
	memcpy(p + 1, name, n);
	p[n + 1] = '"';
	r->p = p + n + 2;
}

/* A name of one of this stage's tables, with its length (OUTPUT_NAME of a
 * literal), so that writing it needs no strlen(). */
struct output_name {
	const char *s;
	size_t n;
};

#define OUTPUT_NAME(lit) { lit, sizeof(lit) - 1 }

/* output_run_lit() of a table name. */
static inline void output_run_name(struct output_run *r, const char *key,
				   const struct output_name *name)
{
	char *p = output_run_key(r, key, name->n + 2);
	p[0] = '"';
	memcpy(p + 1, name->s, name->n);
	p[name->n + 1] = '"';
	r->p = p + name->n + 2;
}

/* A timestamp member ("2014-01-14T17:04:01.819644+0000"). Inline: every
 * event has one (flow events three), and the key is a literal. */
static inline void output_run_time(struct output_run *r, const char *key, uint64_t ts_ns)
{
	char *p = output_run_key(r, key, KN_TIME_LEN + 2);
	*p++ = '"';
	p += kn_time_format(ts_ns, p);
	*p++ = '"';
	r->p = p;
}

/* An address member (text as output_addr_format() writes it). */
static inline void output_run_addr(struct output_run *r, const char *key,
				   const struct kn_addr *a, unsigned ip_version)
{
	char *p = output_run_key(r, key, OUTPUT_ADDR_LEN + 2);
	*p++ = '"';
	p += output_addr_format(a, ip_version, p);
	*p++ = '"';
	r->p = p;
}

/* Starts the event object and a run holding "timestamp", "flow_id" (when
 * non-zero), "pcap_cnt" (when non-zero), "event_type" (type_len bytes),
 * "vlan" (ids that are non-zero, omitted when none). The caller goes on
 * with the run (its end is output_run_flush()) and closes the object. */
void output_eve_begin(struct output_run *r, struct kn_json *j, uint64_t ts_ns,
		      uint64_t flow_id, uint64_t pcap_cnt, const char *event_type,
		      size_t type_len, const uint16_t vlan[2]);

/* "src_ip", "src_port", "dest_ip", "dest_port", "proto", "icmp_type",
 * "icmp_code" as applicable to t->proto. */
void output_eve_tuple(struct output_run *r, const struct output_tuple *t);

#endif
