/*
 * app.h - the application layer: protocol detection by content, the parser
 * registry, transactions with named buffers, and the facts parsers hand on
 * (transactions, app-layer anomalies, software assets).
 *
 * Pipeline position: after stream (TCP bytes in order) and flow (UDP
 * datagrams), before detect and output. API style: PUSH. A worker owns one
 * struct kn_app_ctx, created with a set of hooks; the worker feeds it
 * reassembled TCP data (kn_app_stream_data), UDP packets (kn_app_udp) and
 * flow ends (kn_app_flow_end); the context detects each flow's protocol,
 * runs its parser, and calls the hooks, before returning, with every
 * completed transaction, app-layer anomaly and software asset. Nothing here
 * formats EVE heads or decides what is a threat: parsers report neutral facts
 * and write the body of their own events (src/app/PROTO).
 *
 * Adding a protocol: a folder src/app/PROTO that defines one
 * `const struct kn_app_parser`, and one line in src/app/registry.c. Protocol
 * ids are positions in that table (0 = none), assigned there, not by an enum.
 */
#ifndef KENCHI_APP_H
#define KENCHI_APP_H

#include <stddef.h>
#include <stdint.h>

#include "kenchi/flow.h"
#include "kenchi/kenchi.h"
#include "kenchi/packet.h"

struct kn_json;
struct kn_app_call;
struct kn_app_config;

/* ------------------------------------------------------------ buffers */

/* Named buffers a transaction exposes to detection (sticky buffers of the
 * rule language) and whose names the JSON uses: one spelling for all. */
#define KN_APP_BUFFERS(X)                        \
	X(HTTP_URI, "http.uri")                  \
	X(HTTP_RAW_URI, "http.raw_uri")          \
	X(HTTP_METHOD, "http.method")            \
	X(HTTP_HOST, "http.host")                \
	X(HTTP_USER_AGENT, "http.user_agent")    \
	X(HTTP_HEADER, "http.header")            \
	X(HTTP_RAW_HEADER, "http.header.raw")    \
	X(HTTP_COOKIE, "http.cookie")            \
	X(HTTP_REQUEST_BODY, "http.request_body") \
	X(HTTP_STAT_CODE, "http.stat_code")      \
	X(HTTP_STAT_MSG, "http.stat_msg")        \
	X(HTTP_RESPONSE_HEADER, "http.response_header") \
	X(HTTP_RESPONSE_BODY, "http.response_body") \
	X(HTTP_SERVER, "http.server")            \
	X(HTTP_PROTOCOL, "http.protocol")        \
	X(HTTP_CONTENT_TYPE, "http.content_type") \
	X(FILE_DATA, "file.data")                \
	X(DNS_QUERY, "dns.query")                \
	X(TLS_SNI, "tls.sni")                    \
	X(TLS_CERT_SUBJECT, "tls.cert_subject")  \
	X(TLS_CERT_ISSUER, "tls.cert_issuer")    \
	X(TLS_CERT_SERIAL, "tls.cert_serial")    \
	X(TLS_CERT_FINGERPRINT, "tls.cert_fingerprint") \
	X(JA3_HASH, "ja3.hash")                  \
	X(JA3_STRING, "ja3.string")              \
	X(JA3S_HASH, "ja3s.hash")                \
	X(JA3S_STRING, "ja3s.string")            \
	X(JA4_HASH, "ja4.hash")                  \
	X(SSH_PROTO, "ssh.proto")                \
	X(SSH_SOFTWARE, "ssh.software")          \
	X(SSH_HASSH, "ssh.hassh")                \
	X(SSH_HASSH_SERVER, "ssh.hassh.server")  \
	X(SMTP_HELO, "smtp.helo")                \
	X(SMTP_MAIL_FROM, "smtp.mail_from")      \
	X(SMTP_RCPT_TO, "smtp.rcpt_to")          \
	X(DHCP_HOSTNAME, "dhcp.hostname")        \
	X(DHCP_VENDOR_CLASS, "dhcp.vendor_class_identifier") \
	/* named by the rule language; no parser fills them yet */ \
	X(HTTP_REQUEST_LINE, "http.request_line") \
	X(HTTP_RESPONSE_LINE, "http.response_line") \
	X(HTTP_HEADER_NAMES, "http.header_names") \
	X(HTTP_RAW_HOST, "http.host.raw")        \
	X(HTTP_REFERER, "http.referer")          \
	X(HTTP_ACCEPT, "http.accept")            \
	X(HTTP_ACCEPT_ENC, "http.accept_enc")    \
	X(HTTP_ACCEPT_LANG, "http.accept_lang")  \
	X(HTTP_CONNECTION, "http.connection")    \
	X(HTTP_CONTENT_LEN, "http.content_len")  \
	X(HTTP_START, "http.start")              \
	X(HTTP_LOCATION, "http.location")        \
	X(HTTP_REQUEST_HEADER, "http.request_header") \
	X(TLS_CERTS, "tls.certs")                \
	X(TLS_SUBJECT_ALT_NAME, "tls.subjectaltname") \
	X(FILE_NAME, "file.name")                \
	X(SMB_NAMED_PIPE, "smb.named_pipe")      \
	X(SMB_SHARE, "smb.share")                \
	/* for detectors only, no rule keyword names it: a DNS response's \
	 * question names (dns.query is the request's, as in Suricata 7) */ \
	X(DNS_RESPONSE_QUERY, "dns.response.query")

enum kn_app_buffer {
#define KN_APP_BUF_ENUM(id, name) KN_BUF_##id,
	KN_APP_BUFFERS(KN_APP_BUF_ENUM)
#undef KN_APP_BUF_ENUM
	KN_BUF_COUNT
};

/* "http.uri" for KN_BUF_HTTP_URI; NULL out of range. */
const char *kn_app_buffer_name(unsigned buf);
/* The buffer id of a name, or -1. */
int kn_app_buffer_by_name(const char *name);

/* ------------------------------------------------------- transactions */

/* Numbers a transaction may give detectors (kn_tx.number). */
enum kn_tx_number {
	KN_TXN_DNS_RRTYPE = 0,    /* a question's type (1 A, 10 NULL, 16 TXT...), of a query
	                             or of the question an answer repeats */
	KN_TXN_DNS_RCODE = 1,     /* a response's rcode (0 NOERROR, 3 NXDOMAIN...) */
};

/* A transaction handed to the hooks: a DNS query or answer, an HTTP
 * request/response pair, a TLS handshake, an SSH banner exchange... It is
 * BORROWED for the duration of the hook call: hooks copy what they keep. */
struct kn_tx {
	uint64_t id;              /* tx_id: the parser's per-flow transaction number */
	const char *event_type;   /* EVE event_type; NULL = the parser's name */
	uint8_t dir;              /* head orientation: 0 = src is the client, 1 = src is the server */
	uint8_t log_tx_id;        /* 1: "tx_id" goes in the event head (Suricata does, except for dns) */
	uint8_t app_proto_member; /* 1: "app_proto" after the body, before `log2` (fileinfo) */
	/* Writes the members of the event after the head, e.g. "dns": {...}.
	 * Called with the event object open; must leave it open. */
	void (*log)(const struct kn_tx *tx, struct kn_json *j);
	/* Optional second part written after "app_proto" (fileinfo's own object). */
	void (*log2)(const struct kn_tx *tx, struct kn_json *j);
	/* Optional: the bytes of a named buffer (enum kn_app_buffer) for
	 * detection; returns 1 and sets *data and *len (borrowed, valid while the
	 * tx is), 0 when the tx has no such buffer. Multi-valued buffers (DNS
	 * queries, RCPT TO) are numbered by `index` from 0; single ones only
	 * answer index 0. */
	int (*buffer)(const struct kn_tx *tx, unsigned buf, unsigned index,
		      const uint8_t **data, uint32_t *len);
	/* Optional: a number of the tx (enum kn_tx_number) for detectors,
	 * numbered by `index` as the buffers are (a DNS query's questions);
	 * returns 1 and sets *out, 0 when the tx has no such number. */
	int (*number)(const struct kn_tx *tx, unsigned what, unsigned index, uint64_t *out);
	const void *priv;         /* the parser's transaction object */
};

/* Packets the tx's client sent on flow f so far (its queries or requests):
 * 0 for a DNS answer on a flow that carried no query, as a sensor that
 * sees only one direction (the resolver's answers) has them. */
static inline uint64_t kn_tx_client_pkts(const struct kn_flow *f, const struct kn_tx *tx)
{
	return f->pkts[tx->dir & 1];
}

/* ------------------------------------------------------------- assets */

enum kn_asset_role { KN_ASSET_SERVER = 0, KN_ASSET_CLIENT = 1 };

/* TLS facts of a server (for weak-TLS judgement in src/vuln). */
struct kn_asset_tls {
	uint16_t version;          /* negotiated, wire value (0x0300 SSLv3 .. 0x0304 TLS 1.3), 0 unknown */
	uint16_t cipher;           /* negotiated cipher suite, wire value */
	uint8_t has_cipher;
	uint8_t has_cert;          /* the fields below are valid */
	uint8_t self_signed;       /* subject == issuer (and it verifies with its own key when checkable) */
	int64_t not_before, not_after;  /* seconds since the epoch */
	const char *subject, *issuer;   /* RFC 2253-ish one-line text, may be NULL */
	const char *sni;           /* server name the client asked for, may be NULL */
};

/* A piece of software seen on the wire: "host runs product/version as a
 * server of service on port", or "host used client product/version".
 * Strings are borrowed for the call. */
struct kn_asset {
	uint8_t role;              /* enum kn_asset_role */
	const char *service;       /* "http", "ssh", "tls", "smtp", "dhcp", "dns" */
	const char *product;       /* normalised product name ("openssh", "apache httpd"), may be NULL */
	const char *version;       /* "7.4p1", may be NULL */
	const char *banner;        /* the raw text it came from (Server header, SSH banner), may be NULL */
	const char *hostname;      /* a name the host gave itself (DHCP option 12), may be NULL */
	const struct kn_asset_tls *tls;  /* only for service "tls" */
	/* The host's address when it is not the flow's endpoint of this role
	 * (a DHCP client's assigned address); NULL = the flow's client or
	 * server. host_ip_version 4 or 6 goes with it. */
	const struct kn_addr *host;
	uint8_t host_ip_version;
};

/* -------------------------------------------------------------- parsers */

/* Probe results. */
enum kn_app_probe {
	KN_PROBE_NO = 0,     /* these bytes are not this protocol */
	KN_PROBE_MORE = 1,   /* could be: need more bytes of this direction */
	KN_PROBE_YES = 2,    /* it is this protocol */
};

/* kn_app_parser.ipprotos bits */
#define KN_APP_TCP 1u
#define KN_APP_UDP 2u

/* Data flags given to parse(). */
enum kn_app_flag {
	KN_APP_GAP = 1u << 0,   /* `len` bytes are missing before this point; data is NULL */
	KN_APP_EOF = 1u << 1,   /* this direction ended (FIN, RST, depth or flow end) after data */
};

/* A protocol parser. All callbacks run on the flow's worker thread. */
struct kn_app_parser {
	const char *name;       /* "dns": EVE app_proto and default event_type */
	unsigned ipprotos;      /* KN_APP_TCP | KN_APP_UDP */
	uint16_t ports[4];      /* well-known ports, 0-terminated: a tie-breaker for probing only */
	/* Looks at the first bytes of one direction (dir 0 = from the client)
	 * and says whether they are this protocol. For UDP, data is one
	 * datagram's payload. Must be cheap and side-effect free. */
	int (*probe)(const uint8_t *data, uint32_t len, int dir, unsigned ipproto);
	size_t state_size;      /* bytes of per-flow state, zeroed before init */
	/* Optional: prepares a zeroed state. 0 or -KN_ENOMEM. */
	int (*state_init)(void *state, struct kn_app_call *c);
	/* Feeds bytes of one direction. TCP: the stream in order, starting with
	 * the bytes that were probed; UDP: one datagram per call. GAP: data is
	 * NULL and len bytes are lost. Completed transactions go to
	 * kn_app_log(). A parser never fails the flow: malformed input is
	 * reported with kn_app_event() and the parser resynchronises or stops
	 * parsing the direction. */
	void (*parse)(void *state, struct kn_app_call *c, int dir, const uint8_t *data,
		      uint32_t len, unsigned flags);
	/* Optional: the flow ended; log transactions still pending. */
	void (*flow_end)(void *state, struct kn_app_call *c);
	/* Optional: frees what the state owns (not the state itself). */
	void (*state_free)(void *state, struct kn_app_call *c);
	/* Optional per-context state: one object of ctx_size bytes per struct
	 * kn_app_ctx (so per worker thread, no locking), shared by every flow
	 * the context parses: caches of facts that recur across flows (TLS
	 * certificates). Allocated zeroed with the context, then ctx_init (may
	 * be NULL) prepares it: 0, or -KN_ENOMEM and the parser runs without it
	 * (kn_app_parser_ctx() returns NULL). ctx_free (may be NULL) frees what
	 * it owns when the context is freed. ctx_size itself is not charged to
	 * the memcap (keep it small); memory it keeps beyond that is charged
	 * with kn_app_ctx_mem_charge(). cfg is the context's configuration. */
	size_t ctx_size;
	int (*ctx_init)(void *pctx, const struct kn_app_config *cfg);
	void (*ctx_free)(void *pctx);
};

/* The registry: number of parsers, and the parser of an id (1..count).
 * Id 0 is "no protocol". */
unsigned kn_app_parser_count(void);
const struct kn_app_parser *kn_app_parser_get(unsigned id);
/* Id of a parser by name ("dns"), or 0. */
unsigned kn_app_parser_id(const char *name);

/* ---------------------------------------------- calls from a parser */

/* The context of one parser call (opaque to parsers). */

/* A transaction is complete: runs the tx hook (detection and EVE). */
void kn_app_log(struct kn_app_call *c, const struct kn_tx *tx);
/* The run's application-layer settings (per-protocol limits). */
const struct kn_app_config *kn_app_call_config(const struct kn_app_call *c);

/* An app-layer anomaly (EVE anomaly type "applayer"), e.g.
 * "MALFORMED_DATA", "INVALID_RRTYPE": upper-case Suricata-style names. The
 * event's direction is dir (0 = from the client). */
void kn_app_event(struct kn_app_call *c, int dir, const char *event);
/* Software seen (asset inventory, vulnerability matching). */
void kn_app_asset(struct kn_app_call *c, const struct kn_asset *a);
/* The protocol changes (HTTP CONNECT answered 2xx, SMTP STARTTLS answered
 * 220): after the current parse() returns, this parser's pending
 * transactions are logged (flow_end) and its state freed, and detection
 * starts again; rest[0..rest_len) (bytes of direction dir after the switch
 * point, inside the chunk being parsed; may be empty) are the first bytes
 * probed. The flow event then logs the new protocol as app_proto and this
 * one as app_proto_orig. Once per flow; later calls are ignored. */
void kn_app_switch(struct kn_app_call *c, int dir, const uint8_t *rest, uint32_t rest_len);
/* The rest of the flow is encrypted (a TLS application-data record after
 * the handshake, SSH past both NEWKEYS): its packets' payload is opaque to
 * byte-matching rules, which stop inspecting it (kn_app_flow_opaque();
 * Suricata's default encryption handling). Its parser goes on (record
 * headers, events, app-layer buffers). Once set, it stays for the flow. */
void kn_app_opaque(struct kn_app_call *c);
/* The protocol the flow had before a kn_app_switch() ("http", "smtp"), or
 * NULL (static string: Suricata logs it as tls.from_proto). */
const char *kn_app_flow_orig(const struct kn_app_call *c);
/* The flow being parsed (read-only) and the time of the current packet. */
const struct kn_flow *kn_app_flow(const struct kn_app_call *c);
uint64_t kn_app_time_ns(const struct kn_app_call *c);
/* Memory accounting against the app-layer memcap: a parser charges the
 * bytes it is about to keep (buffers, transactions) and credits them back
 * when freed. Returns 0, or -KN_ENOMEM when the memcap would be exceeded
 * (nothing is charged: the parser drops what it wanted to keep and reports
 * it). */
KN_WARN_UNUSED int kn_app_mem_charge(struct kn_app_call *c, size_t bytes);
void kn_app_mem_credit(struct kn_app_call *c, size_t bytes);
/* The calling parser's per-context state (kn_app_parser.ctx_size bytes),
 * or NULL when it has none. It lives as long as the context; what a flow
 * takes from it is copied, never kept by pointer across calls. */
void *kn_app_parser_ctx(struct kn_app_call *c);
/* Memory kept in the per-context state: charged against the same memcap,
 * but counted in stats.mem_ctx, not mem_in_use (mem_in_use is the memory of
 * open flows: 0 whenever none is open). Same contract as kn_app_mem_charge;
 * credit what is freed before the context is freed. */
KN_WARN_UNUSED int kn_app_ctx_mem_charge(struct kn_app_call *c, size_t bytes);
void kn_app_ctx_mem_credit(struct kn_app_call *c, size_t bytes);

/* ------------------------------------------------------------ context */

/* What the owner of a context receives. Every hook is optional. `flow` and
 * the tx/asset are borrowed for the call. ts_ns/pcap_cnt: the packet that
 * completed the fact (pcap_cnt 0 at flow end). */
struct kn_app_hooks {
	void (*tx)(void *user, const struct kn_flow *flow, const char *app_proto,
		   const struct kn_tx *tx, uint64_t ts_ns, uint64_t pcap_cnt);
	void (*event)(void *user, const struct kn_flow *flow, const char *app_proto, int dir,
		      const char *layer, const char *event, uint64_t ts_ns, uint64_t pcap_cnt);
	void (*asset)(void *user, const struct kn_flow *flow, const char *app_proto,
		      const struct kn_asset *a, uint64_t ts_ns);
	void *user;
};

struct kn_app_config {
	uint64_t memcap;         /* bytes of parser state and buffers, all flows of a context */
	uint32_t probe_max;      /* bytes of a direction kept while probing (then: failed) */
	int enabled;             /* 0: no detection, no parsing */
	unsigned http_decompress_layers; /* HTTP content-coding layers decoded (libhtp's
	                                  * response-body-decompress-layer-limit), 1..8; 0 = 2 */
	int http_lzma;           /* 1: Content-Encoding lzma is decoded (libhtp's lzma-enabled;
	                          * needs a build with liblzma), 0: left as it is */
	uint64_t http_body_limit; /* HTTP body bytes (decoded) kept for detection and tracked
	                           * as a file, per message (libhtp's request/response-body-
	                           * limit), up to 64 MiB; 0: 64 KiB kept, 100 KiB tracked */
};

/* memcap 64 MiB, probe_max 2048, enabled, http_decompress_layers 2. */
void kn_app_config_default(struct kn_app_config *cfg);

struct kn_app_stats {
	uint64_t flows_detected[32];   /* by parser id (ids >= 32 counted in [0]) */
	uint64_t flows_failed;         /* probing gave up */
	uint64_t txs, events, assets;
	uint64_t memcap_refusals;
	/* Bytes charged to the memcap: by open flows (parser state, buffers,
	 * transactions), and by parsers' per-context state (caches, kept across
	 * flows); the memcap bounds their sum, mem_peak is the sum's peak. */
	uint64_t mem_in_use, mem_peak;
	uint64_t mem_ctx;
};

struct kn_app_ctx;

KN_WARN_UNUSED struct kn_app_ctx *kn_app_ctx_new(const struct kn_app_config *cfg,
	const struct kn_app_hooks *hooks, char *errbuf);
/* Frees the context; flows must have been ended first. NULL is a no-op. */
void kn_app_ctx_free(struct kn_app_ctx *ctx);

/* The current packet: time and pcap_cnt stamped on facts until the next
 * call. The worker calls it before feeding each packet. */
void kn_app_set_packet(struct kn_app_ctx *ctx, uint64_t ts_ns, uint64_t pcap_cnt);

/* TCP data in stream order, from the stream stage's callback (same
 * arguments; flags are enum kn_stream_flag). */
void kn_app_stream_data(struct kn_app_ctx *ctx, struct kn_flow *flow, int dir,
			const uint8_t *data, uint32_t len, unsigned stream_flags);
/* A UDP packet of a tracked flow (pkt->flow set). */
void kn_app_udp(struct kn_app_ctx *ctx, struct kn_packet *pkt);
/* The flow ends: pending transactions are logged and flow->app freed. Call
 * after the stream stage delivered its last bytes. Returns what
 * kn_app_proto_of() returned just before (static string or NULL), for the
 * flow event's app_proto; *orig (when orig is not NULL) gets the protocol
 * before a kn_app_switch(), or NULL. */
const char *kn_app_flow_end(struct kn_app_ctx *ctx, struct kn_flow *flow, uint64_t now_ns,
			    const char **orig);

/* Skips detection: the flow is parsed as parser `id` from now on (tests,
 * fuzzing, operator port mappings). 0, -KN_EINVAL (bad id, or the flow
 * already has a protocol) or -KN_ENOMEM. */
KN_WARN_UNUSED int kn_app_flow_set_proto(struct kn_app_ctx *ctx, struct kn_flow *flow,
					 unsigned id);

/* The detected protocol name of a flow ("http"), "failed" when detection
 * gave up on data, or NULL when no data was seen (no app_proto logged). */
const char *kn_app_proto_of(const struct kn_flow *flow);
/* 1 once a parser declared the rest of the flow encrypted (kn_app_opaque). */
int kn_app_flow_opaque(const struct kn_flow *flow);

const struct kn_app_stats *kn_app_ctx_stats(const struct kn_app_ctx *ctx);

#endif
