/*
 * scenario_int.h - what scenario.c (frame store, background, ground
 * truth) shares with scenario_attack.c (the attacks): the generator state,
 * a deterministic random source and the frame, DNS, TLS and session
 * helpers. Internal to the traffic builder.
 */
#ifndef KN_TESTS_SCENARIO_INT_H
#define KN_TESTS_SCENARIO_INT_H

#include "craft.h"
#include "scenario.h"

#define SCN_MS 1000000ULL
#define SCN_S 1000000000ULL
/* Request and response buffers of one session. */
#define SCN_BUF (512u << 10)
#define SCN_RESOLVER "10.1.0.2"

/* One generated frame: bytes at scn_gen.bytes[off..off+len). */
struct scn_frame {
	uint64_t ts;       /* ns, rounded down to the microsecond */
	uint64_t off;
	uint32_t len;
	uint32_t seq;      /* generation order: breaks ties of ts */
	uint8_t tag;       /* 0 background, 1 + enum kn_scn_kind */
};

struct scn_gen {
	const struct kn_scn_opts *o;
	uint64_t rng;
	uint64_t end_ns;                /* start + duration */
	struct scn_frame *f;
	size_t n, cap;
	uint8_t *bytes;
	size_t blen, bcap;
	uint8_t tag;                    /* tag of the frames added now */
	int err;                        /* first failure, -KN_E* */
	uint16_t port[256];             /* next ephemeral port per 10.1.0.x */
	uint16_t ip_id[256];            /* next IPv4 id per 10.1.0.x */
	uint8_t *req, *resp;            /* SCN_BUF bytes each */
	struct kn_craft c;
};

/* Random numbers (splitmix64): the same sequence on every host. */
uint64_t scn_rand(struct scn_gen *g);
/* Uniform in [lo, hi]. */
uint64_t scn_between(struct scn_gen *g, uint64_t lo, uint64_t hi);
/* n random bytes from `alphabet` (NULL: any byte). */
void scn_fill(struct scn_gen *g, uint8_t *out, size_t n, const char *alphabet);

/* Appends a frame (copied) with the current tag. */
void scn_add(struct scn_gen *g, uint64_t ts, const uint8_t *frame, size_t len);
/* Finishes g->c and appends it. */
void scn_emit(struct scn_gen *g, uint64_t ts);
/* One UDP datagram. */
void scn_udp(struct scn_gen *g, uint64_t ts, const char *src, const char *dst, uint16_t sport,
	     uint16_t dport, const uint8_t *data, size_t len);
/* A bare TCP segment (flags, no payload, window 1024 for SYNs + MSS). */
void scn_tcp_flags(struct scn_gen *g, uint64_t ts, const char *src, const char *dst,
		   uint16_t sport, uint16_t dport, uint32_t seq, uint32_t ack, uint8_t flags);
/* A whole TCP session (kn_craft_tcp_session) added frame by frame. */
void scn_session(struct scn_gen *g, const struct kn_craft_session *s);
/* The next ephemeral source port of client `ip` (10.1.0.x). */
uint16_t scn_port(struct scn_gen *g, const char *ip);

/* DNS messages (RFC 1035): a query for name/qtype; a reply to it with
 * rcode and, when rdlen > 0, one answer record of qtype. 0 when the name
 * is malformed or out does not hold the message. */
size_t scn_dns_query(uint8_t *out, size_t cap, uint16_t id, const char *name, uint16_t qtype);
size_t scn_dns_reply(uint8_t *out, size_t cap, uint16_t id, const char *name, uint16_t qtype,
		     unsigned rcode, const uint8_t *rdata, size_t rdlen, uint32_t ttl);
/* A lookup from client:sport to the resolver at ts, answered gap_ns later. */
void scn_lookup(struct scn_gen *g, uint64_t ts, uint64_t gap_ns, const char *client,
		uint16_t sport, const char *name, uint16_t qtype, unsigned rcode,
		const uint8_t *rdata, size_t rdlen);

/* TLS streams of one session: the client's (ClientHello with sni,
 * ChangeCipherSpec, an encrypted Finished, app_len bytes of application
 * data) into g->req, the server's (ServerHello flight, ChangeCipherSpec,
 * encrypted Finished, app_len bytes) into g->resp. Return their lengths
 * (0 on overflow). */
size_t scn_tls_client(struct scn_gen *g, const char *sni, size_t app_len);
size_t scn_tls_server(struct scn_gen *g, size_t app_len);

/* The attacks (scenario_attack.c): each adds its frames with its tag and
 * fills the attacker, victim, host and flow parts of its truth. */
void scn_attack(struct scn_gen *g, unsigned kind, struct kn_scn_truth *t);

#endif
