/*
 * dns.h - private interface of the DNS parser (src/app/dns): the wire
 * reader (dns_wire.c), the EVE writer (dns_log.c) and the parser proper
 * (dns.c, flows, framing, transactions).
 *
 * App stage. The wire reader never copies a message: a parsed message is a
 * view (struct dns_msg) of bytes the caller keeps alive, validated once as
 * Suricata 7 does (header, questions, and for responses the answer and
 * authority sections, each RR's data read per type), so the writer can walk
 * it again later without error checks. Names are decoded on demand into a
 * caller's struct dns_name.
 */
#ifndef KN_APP_DNS_H
#define KN_APP_DNS_H

#include <stdint.h>

#include "kenchi/app.h"

struct kn_json;

#define DNS_HEADER_LEN 12
/* A name is at most 255 octets in wire form (RFC 1035 2.3.4), so at most
 * 253 characters dotted. */
#define DNS_NAME_WIRE_MAX 255
#define DNS_NAME_TEXT_MAX 253
/* Labels and compression pointers followed for one name; a pointer loop
 * ends here (Suricata's limit too). */
#define DNS_NAME_STEPS_MAX 255

/* Header flag bits. */
#define DNS_FLAG_QR 0x8000u
#define DNS_FLAG_AA 0x0400u
#define DNS_FLAG_TC 0x0200u
#define DNS_FLAG_RD 0x0100u
#define DNS_FLAG_RA 0x0080u
#define DNS_FLAG_Z 0x0040u
#define DNS_OPCODE(flags) (((flags) >> 11) & 0xfu)

/* RR types the reader or writer treats specially. */
enum {
	DNS_T_A = 1, DNS_T_NS = 2, DNS_T_CNAME = 5, DNS_T_SOA = 6, DNS_T_NULL = 10,
	DNS_T_PTR = 12, DNS_T_MX = 15, DNS_T_TXT = 16, DNS_T_AAAA = 28, DNS_T_SRV = 33,
	DNS_T_SSHFP = 44, DNS_T_SVCB = 64, DNS_T_HTTPS = 65,
};

struct dns_header {
	uint16_t id, flags;
	uint16_t qdcount, ancount, nscount, arcount;
};

/* A validated message: a view of `data`, which the caller keeps alive. */
struct dns_msg {
	const uint8_t *data;
	uint32_t len;
	struct dns_header h;
	uint8_t response;        /* parsed as a response (answer and authority sections) */
	uint8_t bad_rrtype;      /* some question or RR has type 0 */
	uint8_t validated;       /* dns_msg_parse() succeeded: re-reads skip checks */
	uint32_t an_off, ns_off; /* first answer / authority RR (responses) */
};

/* A decoded name: labels joined by '.', raw bytes (not escaped). */
struct dns_name {
	uint16_t len;
	uint8_t text[DNS_NAME_TEXT_MAX + 3];
};

struct dns_question {
	uint32_t name_off;
	uint16_t type, cls;
};

struct dns_rr {
	uint32_t name_off;
	uint16_t type, cls;
	uint32_t ttl;
	uint32_t rdata_off;
	uint16_t rdlen;
};

/* One value of an RR's data, as Suricata logs it. A TXT RR has one value
 * per character-string; other types have one. */
enum dns_rdata_kind {
	DNS_RD_NONE = 0,   /* a type whose data is not logged */
	DNS_RD_ADDR,       /* bytes: an address (A, AAAA; other lengths log "") */
	DNS_RD_NAME,       /* name_off: CNAME, NS, PTR, MX exchange */
	DNS_RD_BYTES,      /* bytes: TXT string, NULL data */
	DNS_RD_SOA,        /* name_off (mname), name2_off (rname), u32 fields */
	DNS_RD_SSHFP,      /* algo, fp_type, bytes = fingerprint */
	DNS_RD_SRV,        /* priority, weight, port, name_off (target) */
};

struct dns_rdata {
	uint8_t kind;
	const uint8_t *bytes;
	uint32_t len;
	uint32_t name_off, name2_off, name_end;  /* names end at name_end at the latest */
	uint32_t soa[5];                         /* serial refresh retry expire minimum */
	uint16_t priority, weight, port;
	uint8_t algo, fp_type;
};

/* ------------------------------------------------ dns_wire.c */

/* Reads the 12-byte header; 0, or -1 when len is too short. */
int dns_header_read(const uint8_t *p, uint32_t len, struct dns_header *h);

/* Decodes the name starting at pos, reading at most up to `limit` (the end
 * of the enclosing section or RR data) until a pointer is followed, then up
 * to the end of the message. A name that reaches its limit without a root
 * label ends there, as Suricata reads it. *end gets the position after the
 * name in its original place. out may be NULL (validation only). Returns 0,
 * or -1: reserved label type, label or pointer cut short, pointer past the
 * message, more than DNS_NAME_STEPS_MAX steps (a pointer loop), or a name
 * longer than DNS_NAME_WIRE_MAX octets. */
int dns_name_read(const uint8_t *msg, uint32_t msg_len, uint32_t pos, uint32_t limit,
		  struct dns_name *out, uint32_t *end);

/* A query's first questions with their names (the dns.query buffer, and
 * the query events), decoded as the message is parsed. */
#define DNS_QNAMES_MAX 16
struct dns_qnames {
	unsigned n;
	uint32_t after;          /* position after question n - 1 */
	struct dns_question q[DNS_QNAMES_MAX];
	struct dns_name name[DNS_QNAMES_MAX];
};

/* Parses and validates a whole message (data, len) as a query (response 0:
 * header and questions) or a response (also answers and authorities; the
 * additional section is not read, as in Suricata 7). Returns 0, or -1 when
 * it is malformed. Bytes after what is read are ignored. qnames (may be
 * NULL) gets the first DNS_QNAMES_MAX questions and their names, each as
 * dns_name_read() reads it from its start to the message's end (decoded
 * by the walk that validates it). */
int dns_msg_parse(struct dns_msg *m, const uint8_t *data, uint32_t len, int response,
		  struct dns_qnames *qnames);

/* Reading a parsed message again. A question or RR at *pos (questions
 * start at DNS_HEADER_LEN, RRs at m->an_off / m->ns_off); 0 with *pos moved
 * past it, or -1 (never for an item a successful dns_msg_parse() read). */
int dns_question_read(const struct dns_msg *m, uint32_t *pos, struct dns_question *q);
int dns_rr_read(const struct dns_msg *m, uint32_t *pos, struct dns_rr *rr);

/* The values of one RR's data, in order. */
struct dns_rdata_iter {
	const struct dns_msg *m;
	const struct dns_rr *rr;
	uint32_t pos;     /* next byte of the RR data */
	uint32_t n;       /* values returned so far */
};

void dns_rdata_begin(struct dns_rdata_iter *it, const struct dns_msg *m,
		     const struct dns_rr *rr);
/* 1 with the next value, 0 when there is none left, -1 when the data is
 * malformed (data of a type that cannot be read, or nothing readable): only
 * while validating, never for an RR of a parsed message. */
int dns_rdata_next(struct dns_rdata_iter *it, struct dns_rdata *v);

/* ------------------------------------------------ dns_log.c */

/* Suricata's spelling of an RR type ("A", "HTTPS") or NULL for a number. */
const char *dns_rrtype_name(uint16_t type);

/* Bodies of the EVE dns events: "dns": {...} for one question q of a
 * query, and for a response (Suricata 7, DNS log version 2). qname: the
 * question's name already decoded (dns_name_read() from its name_off to
 * the message's end), or NULL to decode it here. */
void dns_log_query(struct kn_json *j, const struct dns_msg *m, const struct dns_question *q,
		   uint64_t tx_id, const struct dns_name *qname);
void dns_log_answer(struct kn_json *j, const struct dns_msg *m);

/* Writes bytes as Suricata writes names and rdata: unchanged when they are
 * valid UTF-8, else every byte >= 0x80 as the four characters \xNN. */
void dns_json_bytes(struct kn_json *j, const char *key, const uint8_t *s, uint32_t n);

#endif
