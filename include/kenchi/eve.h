/*
 * eve.h - EVE output: where event lines go (sinks), per-thread batching
 * writers, and the formatters of the flow and decode-anomaly events.
 *
 * Pipeline position: the last stage. Workers format events with the JSON
 * writer (src/util/json.h) into their own struct kn_json, append the line to
 * their own struct kn_eve_writer, and the writer hands whole batches of lines
 * to the one sink shared by all threads. Only the sink takes a lock, once per
 * batch. Field names and order follow Suricata 7's EVE, so existing EVE
 * consumers read kenchi's events unchanged.
 */
#ifndef KENCHI_EVE_H
#define KENCHI_EVE_H

#include <stddef.h>
#include <stdint.h>

#include "kenchi/app.h"
#include "kenchi/flow.h"
#include "kenchi/kenchi.h"
#include "kenchi/packet.h"

struct kn_json;

/* ---------------------------------------------------------------- sinks */

enum kn_eve_kind {
	KN_EVE_FILE = 0,         /* append to a regular file (or a device/FIFO) */
	KN_EVE_STDOUT,           /* file descriptor 1 (not closed by the sink) */
	KN_EVE_UNIX_STREAM,      /* connect to a listening AF_UNIX SOCK_STREAM socket */
	KN_EVE_UNIX_DGRAM,       /* send to a bound AF_UNIX SOCK_DGRAM socket */
};

/* A sink is shared by every thread of a run (opaque; thread-safe). */
struct kn_eve_sink;

/* Opens a sink. FILE: opened for append, created with mode 0640. STDOUT:
 * path is ignored. UNIX_*: path is the socket; connecting is lazy (at the
 * first write), so a missing listener is not an error here. Returns NULL
 * with a reason in errbuf (KN_ERRBUF_SIZE), e.g.
 * "cannot open /x/eve.json: Permission denied". */
KN_WARN_UNUSED struct kn_eve_sink *kn_eve_sink_open(int kind, const char *path, char *errbuf);

/* Writes buf[0..len), which holds whole lines ('\n'-terminated). Thread-safe:
 * one mutex per call, so callers should write big batches. Short writes and
 * EINTR are retried; no call ever raises SIGPIPE.
 * FILE/STDOUT: one write(2) loop. UNIX_STREAM: connects if needed (after a
 * failure, retries with an exponential backoff of 100 ms .. 5 s); while
 * disconnected, lines are dropped and counted; a send error closes the
 * connection. UNIX_DGRAM: each line (with its '\n') is one datagram, sent
 * without blocking; a line the receiver cannot take now is dropped.
 * Returns 0, or -KN_EIO when any line was not delivered: the failure is
 * counted (write_errors, dropped_lines), the first error's text is kept
 * for kn_eve_sink_error(), and the sink stays usable (the next write tries
 * again). -KN_EINVAL for a NULL sink. */
int kn_eve_sink_write(struct kn_eve_sink *s, const char *buf, size_t len);

/* Log rotation (SIGHUP, from any thread, safe while others write): FILE
 * closes and reopens the same path (if opening fails, the old descriptor is
 * kept and -KN_EIO returned); UNIX_* drop the connection and reconnect at
 * the next write without waiting for a backoff; STDOUT does nothing.
 * Returns 0 or -KN_EIO. */
int kn_eve_sink_reopen(struct kn_eve_sink *s);

/* Text of the first write/open/connect error of this sink, or NULL. The
 * string is owned by the sink and lives until kn_eve_sink_close(). */
const char *kn_eve_sink_error(struct kn_eve_sink *s);

struct kn_eve_sink_stats {
	uint64_t bytes;          /* bytes delivered */
	uint64_t lines;          /* lines delivered */
	uint64_t write_errors;   /* failed write/send/connect calls */
	uint64_t dropped_lines;  /* lines not delivered */
	uint64_t reopens;        /* successful kn_eve_sink_reopen() calls */
};
void kn_eve_sink_stats(struct kn_eve_sink *s, struct kn_eve_sink_stats *out);

/* Closes the sink (stdout is left open). No other thread may use it any
 * more. NULL is a no-op. */
void kn_eve_sink_close(struct kn_eve_sink *s);

/* -------------------------------------------------------------- writers */

/* A per-thread batching writer: lines accumulate in a private buffer and go
 * to the sink when the buffer is full or on flush. No lock except the one
 * inside the sink write. Embedded in the owner's struct (init/fini). */
struct kn_eve_writer {
	struct kn_eve_sink *sink;  /* borrowed; must outlive the writer */
	char *buf;                 /* owned, cap bytes */
	size_t len, cap;
	uint64_t events;           /* lines put */
	uint64_t buf_lines;        /* lines in buf (so the sink need not count them) */
};

/* Allocates a buffer of cap bytes (a line longer than cap bypasses it).
 * Returns 0, -KN_EINVAL (NULL sink, cap 0) or -KN_ENOMEM. */
KN_WARN_UNUSED int kn_eve_writer_init(struct kn_eve_writer *w, struct kn_eve_sink *sink,
				      size_t cap);
/* Appends json[0..len) and a '\n' (flushing first if it would not fit):
 * one line, so json holds no '\n' (kn_json text never does). A NULL json
 * (an overflowed kn_json_text()) is ignored. Sink failures are
 * counted by the sink. */
void kn_eve_writer_put(struct kn_eve_writer *w, const char *json, size_t len);
/* Writes the buffered lines to the sink. Returns 0 or the sink's error. */
int kn_eve_writer_flush(struct kn_eve_writer *w);
/* Flushes and frees the buffer. */
void kn_eve_writer_fini(struct kn_eve_writer *w);

/* ----------------------------------------------------------- formatters */

/* Each formatter resets j and writes ONE complete EVE object into it (check
 * kn_json_text() for NULL: the event overflowed the writer's max). Common
 * head, in Suricata's order: "timestamp", "flow_id", "pcap_cnt",
 * "event_type", "vlan", "src_ip", "src_port", "dest_ip", "dest_port",
 * "proto" (IANA keyword as Suricata prints it, else the number as a string),
 * "icmp_type", "icmp_code"; ports only for TCP/UDP/SCTP, ICMP fields only for
 * ICMP/ICMPv6. IPv4 dotted quad, IPv6 uncompressed as Suricata writes it. */

/* The "flow" event of a flow that ended for `reason` (enum
 * kn_flow_end_reason) at ts_ns. community_id (from kn_community_id) may be
 * NULL: the field is omitted. Adds "flow" {pkts/bytes to server/client,
 * start, end, age (whole seconds, end minus start), state, reason, alerted}
 * and for TCP a "tcp" object {tcp_flags, tcp_flags_ts, tcp_flags_tc (two hex
 * digits), a true member per flag seen, state (omitted while "none")}. */
void kn_eve_flow(struct kn_json *j, const struct kn_flow *f, int reason, uint64_t ts_ns,
		 const char *community_id);

/* The same with "app_proto" (after "proto") when app_proto is not NULL:
 * the protocol the application layer detected, or "failed"; then
 * "app_proto_orig" when not NULL: the protocol before an upgrade (HTTP
 * CONNECT, STARTTLS). */
void kn_eve_flow_app(struct kn_json *j, const struct kn_flow *f, int reason, uint64_t ts_ns,
		     const char *community_id, const char *app_proto, const char *app_proto_orig);

/* An application-layer transaction event (struct kn_tx, see app.h): head
 * oriented by tx->dir, "pkt_src", "community_id" (when not NULL), "tx_id"
 * (when tx->log_tx_id), the parser's body (tx->log), then "app_proto" and
 * tx->log2 when tx->app_proto_member. event_type is tx->event_type or
 * app_proto. pcap_cnt 0 is omitted (facts logged at flow end). */
void kn_eve_app_tx(struct kn_json *j, const struct kn_flow *f, const char *app_proto,
		   const struct kn_tx *tx, uint64_t ts_ns, uint64_t pcap_cnt,
		   const char *community_id);

/* An "anomaly" event of type "applayer": head in the direction dir of the
 * flow, "anomaly": {"app_proto", "type": "applayer", "event", "layer"}. */
void kn_eve_app_anomaly(struct kn_json *j, const struct kn_flow *f, const char *app_proto,
			int dir, const char *layer, const char *event, uint64_t ts_ns,
			uint64_t pcap_cnt, const char *community_id);

/* A decode "anomaly" event for a packet: "pcap_cnt" (pkt->index, when
 * non-zero), "flow_id" when the packet has a flow, addresses and proto when
 * the packet was decoded that far (ip_version != 0), "pkt_src", then
 * "anomaly": {"type": "decode", "event": "decoder.<event_name>"}. */
void kn_eve_decode_anomaly(struct kn_json *j, const struct kn_packet *pkt,
			   const char *event_name);

/* A behaviour detector's finding (detector.h) as an "anomaly" event: the
 * head of its flow (oriented so src is the actor), then "anomaly": {"type":
 * "detector", "detector", "event", "score", "key", "explanation",
 * "evidence": {...}}. d->flow must not be NULL. */
struct kn_detection;
void kn_eve_detection(struct kn_json *j, const struct kn_detection *d, const char *community_id);
/* The same with the head of packet pkt instead of a flow (ids, addresses
 * and ports of the packet as decoded, src = the packet's sender): for the
 * online anomaly model, which runs before flows are looked up, and
 * link-layer findings. community_id (kn_community_id_of_packet) may be
 * NULL. */
void kn_eve_packet_detection(struct kn_json *j, const struct kn_packet *pkt,
			     const struct kn_detection *d, const char *community_id);

/* ------------------------------------------------ assets and vulns */

struct kn_vuln_report;

/* An "asset" event (kenchi's own type, src/output/vuln_event.c): head of
 * the flow from client to server ("timestamp", "flow_id", "event_type",
 * addresses, "proto", "community_id" when not NULL), then "asset": {"host"
 * (the server's address for role server, the client's for role client),
 * "role" ("server"|"client"), "service", "port" (the server port),
 * "product", "version", "banner", "hostname" (each omitted when NULL),
 * "tls": {"version" ("TLS 1.2", "TLS 1.3 draft-28"... or
 * "0xfb1a"), "cipher" (IANA name, or
 * "0xc02f" when kenchi has no name for it), "sni", and with a certificate
 * "subject", "issuer", "not_before", "not_after" ("2003-03-29T00:57:44",
 * UTC), "self_signed"}}. */
void kn_eve_asset(struct kn_json *j, const struct kn_flow *f, const struct kn_asset *a,
		  uint64_t ts_ns, const char *community_id);

/* A "vuln" event: the same head, then "vuln": {"host", "port", "role",
 * "service", "product", "version", "kind", "source", then for kind
 * "software" (source "nvd") "cves": [{"id", "score" (one decimal; omitted
 * when the feed had none), "severity"}...] (highest score first) and
 * "cves_total"; for kind "weak_tls" (source "kenchi") "findings": [{"type",
 * and "protocol" | "cipher" + "weakness" | "not_after" | "not_before" |
 * "subject"}...]}. */
void kn_eve_vuln(struct kn_json *j, const struct kn_flow *f, const struct kn_vuln_report *r,
		 uint64_t ts_ns, const char *community_id);

/* A signature alert (struct kn_sig_alert, sig.h): head oriented as the
 * packet (packet alerts) or as the side of the transaction the rule read,
 * "pkt_src", "community_id" (when not NULL), "tx_id" (transaction alerts),
 * "alert" {action "allowed", gid, signature_id, rev, signature, category,
 * severity}, the transaction's own object ("http": {...}) for transaction
 * alerts, "app_proto" when the flow has one, "flow" {pkts/bytes to
 * server/client, start}. */
struct kn_sig_alert;
void kn_eve_alert(struct kn_json *j, const struct kn_sig_alert *a, const char *community_id);

#endif
