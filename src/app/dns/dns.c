/*
 * dns.c - the DNS parser: content probe, DNS over UDP (one message per
 * datagram) and over TCP (messages behind a 2-byte length, any number per
 * chunk, split anywhere), transactions and their EVE events, anomalies and
 * the dns.query buffers.
 *
 * App stage: registered as kn_app_parser_dns (src/app/registry.c); the wire
 * format is read by dns_wire.c and the event bodies written by dns_log.c.
 *
 * Transactions follow Suricata 7 so that tx_id and events line up with its
 * logs: every message that parses is a transaction numbered from 0 per
 * flow, a query logs one "query" event per question when it is seen, a
 * response logs one "answer" event when it is seen (none when it carries no
 * question, as Suricata). A response is matched with its query by id: the
 * ids of unanswered queries are remembered (at most DNS_PENDING_MAX per
 * flow, the oldest forgotten beyond, with one FLOODED anomaly). Both events
 * are written from the client's side (src = client), as Suricata writes
 * them, anomalies from the side that sent the message. The client is the
 * sender of the first message when it is a query, its receiver when it is
 * a response; afterwards messages from the client must be queries
 * (else NOT_A_REQUEST) and the others responses (else NOT_A_RESPONSE),
 * except on flows between equal ports (see is_response()).
 *
 * Memory: a TCP message is assembled in a buffer of exactly its announced
 * length (at most 65535 bytes per direction, charged to the app memcap);
 * complete messages in a chunk are parsed in place. The pending-id list
 * grows to DNS_PENDING_MAX entries, charged too.
 */
#include <string.h>

#include "app/dns/dns.h"
#include "util/alloc.h"
#include "util/json.h"

#define DNS_PENDING_MAX 256      /* unanswered query ids remembered per flow */
#define DNS_PROBE_QUESTIONS_MAX 16

struct dns_tcp_dir {
	uint8_t *buf;             /* the message being assembled, `need` bytes */
	uint32_t need, have;
	uint32_t skip;            /* bytes of a message being dropped (memcap) */
	uint8_t prefix[2];        /* a length prefix split across chunks */
	uint8_t prefix_have;
	uint8_t resync;           /* after a gap: data is dropped until a message start */
};

struct dns_state {
	uint64_t tx_count;        /* messages parsed: the next tx_id */
	int8_t client_dir;        /* direction of queries; -1 before the first message */
	uint8_t flooded;          /* FLOODED was reported */
	uint16_t pend_n, pend_cap;
	uint16_t *pend;           /* ids of unanswered queries, oldest first */
	struct dns_tcp_dir tcp[2];
};

/* What one event's kn_tx points to (valid during kn_app_log()). */
struct dns_txv {
	const struct dns_msg *m;
	const struct dns_question *q;    /* query events: the question logged */
	uint64_t tx_id;
	const struct dns_qnames *names;  /* the question names: dns.query (a query's first event
					  * only) or dns.response.query (a response's) */
	const struct dns_name *qname;    /* query events: the question's name, if decoded */
};

/* ------------------------------------------------------------ probe */

enum { NAME_BAD = 0, NAME_OK = 1, NAME_MORE = 2 };

/* NetBIOS name service (RFC 1002) looks like DNS: its names are one label
 * of 32 letters 'A'..'P'. Those flows are not DNS. */
static int netbios_label(const uint8_t *label, unsigned n)
{
	if (n != 32)
		return 0;
	for (unsigned i = 0; i < n; i++)
		if (label[i] < 'A' || label[i] > 'P')
			return 0;
	return 1;
}

/* A question name at *pos of a message of `full` bytes whose first `avail`
 * are here. A compression pointer may point anywhere after the header (a
 * forward pointer too, as Suricata reads them) at a name that reads. */
static int probe_name(const uint8_t *m, uint32_t avail, uint32_t full, uint32_t *pos)
{
	uint32_t p = *pos, wire = 0;
	int more = avail < full ? NAME_MORE : NAME_BAD;

	for (;;) {
		uint8_t b;
		if (p >= avail)
			return more;
		b = m[p];
		if (b == 0) {
			*pos = p + 1;
			return NAME_OK;
		}
		if ((b & 0xc0) == 0xc0) {
			uint32_t off, end;
			if (avail - p < 2)
				return more;
			off = (uint32_t)(b & 0x3f) << 8 | m[p + 1];
			if (off < DNS_HEADER_LEN || off >= full)
				return NAME_BAD;
			if (off >= avail || dns_name_read(m, avail, off, avail, NULL, &end) != 0)
				return more;
			*pos = p + 2;
			return NAME_OK;
		}
		if (b & 0xc0)
			return NAME_BAD;
		wire += 1u + b;
		if (wire + 1 > DNS_NAME_WIRE_MAX)
			return NAME_BAD;
		if (p == DNS_HEADER_LEN && avail - p > b && netbios_label(m + p + 1, b))
			return NAME_BAD;
		p += 1u + b;
	}
}

static int class_plausible(uint16_t cls)
{
	cls &= 0x7fff;   /* mDNS "unicast response" bit */
	return cls == 1 || cls == 3 || cls == 4 || cls == 254 || cls == 255;
}

/* A message of `full` bytes, of which the first `avail` are here. */
static int probe_msg(const uint8_t *m, uint32_t avail, uint32_t full)
{
	struct dns_header h;
	uint32_t pos = DNS_HEADER_LEN;
	unsigned op;

	if (full < DNS_HEADER_LEN + 5)
		return KN_PROBE_NO;
	if (dns_header_read(m, avail, &h) != 0)
		return KN_PROBE_MORE;
	op = DNS_OPCODE(h.flags);
	if (op == 3 || op > 6 || h.qdcount == 0 || h.qdcount > DNS_PROBE_QUESTIONS_MAX)
		return KN_PROBE_NO;
	if (DNS_HEADER_LEN + 5ull * h.qdcount +
	    11ull * ((uint64_t)h.ancount + h.nscount + h.arcount) > full)
		return KN_PROBE_NO;
	for (unsigned i = 0; i < h.qdcount; i++) {
		int r = probe_name(m, avail, full, &pos);
		if (r != NAME_OK)
			return r == NAME_MORE ? KN_PROBE_MORE : KN_PROBE_NO;
		if (avail - pos < 4)
			return avail < full ? KN_PROBE_MORE : KN_PROBE_NO;
		/* qtype 0 is reserved; the class must be a known one */
		if ((m[pos] | m[pos + 1]) == 0 ||
		    !class_plausible((uint16_t)(m[pos + 2] << 8 | m[pos + 3])))
			return KN_PROBE_NO;
		pos += 4;
	}
	return KN_PROBE_YES;
}

/* UDP: a datagram is one whole message. TCP: a 2-byte length, then the
 * message, of which only the start may be here yet. */
static int dns_probe(const uint8_t *data, uint32_t len, int dir, unsigned ipproto)
{
	uint32_t full;

	(void)dir;
	if (ipproto != 6)
		return probe_msg(data, len, len);
	if (len < 2)
		return KN_PROBE_MORE;
	full = (uint32_t)data[0] << 8 | data[1];
	return probe_msg(data + 2, len - 2 < full ? len - 2 : full, full);
}

/* ----------------------------------------------------- transactions */

static void tx_log_query(const struct kn_tx *tx, struct kn_json *j)
{
	const struct dns_txv *v = tx->priv;
	dns_log_query(j, v->m, v->q, v->tx_id, v->qname);
}

static void tx_log_answer(const struct kn_tx *tx, struct kn_json *j)
{
	const struct dns_txv *v = tx->priv;
	dns_log_answer(j, v->m);
}

static int tx_buffer(const struct kn_tx *tx, unsigned buf, unsigned index,
		     const uint8_t **data, uint32_t *len)
{
	const struct dns_txv *v = tx->priv;

	if (buf != (v->m->response ? KN_BUF_DNS_RESPONSE_QUERY : KN_BUF_DNS_QUERY) || !v->names ||
	    index >= v->names->n)
		return 0;
	*data = v->names->name[index].text;
	*len = v->names->name[index].len;
	return 1;
}

static int tx_number(const struct kn_tx *tx, unsigned what, unsigned index, uint64_t *out)
{
	const struct dns_txv *v = tx->priv;

	if (what == KN_TXN_DNS_RRTYPE && v->names && index < v->names->n) {
		*out = v->names->q[index].type;
		return 1;
	}
	if (what == KN_TXN_DNS_RCODE && v->m->response && index == 0) {
		*out = v->m->h.flags & 0xfu;
		return 1;
	}
	return 0;
}

/* Remembers a query id; beyond DNS_PENDING_MAX the oldest is forgotten. */
static void pending_add(struct dns_state *s, struct kn_app_call *c, int dir, uint16_t id)
{
	if (s->pend_n == DNS_PENDING_MAX) {
		if (!s->flooded)
			kn_app_event(c, dir, "FLOODED");
		s->flooded = 1;
		memmove(s->pend, s->pend + 1, (DNS_PENDING_MAX - 1) * sizeof *s->pend);
		s->pend_n--;
	}
	if (s->pend_n == s->pend_cap) {
		uint16_t cap = s->pend_cap ? (uint16_t)(s->pend_cap * 2) : 4;
		uint16_t *p;
		if (kn_app_mem_charge(c, (size_t)(cap - s->pend_cap) * sizeof *p) != 0)
			return;
		p = kn_realloc_array(s->pend, cap, sizeof *p);
		if (!p) {
			kn_app_mem_credit(c, (size_t)(cap - s->pend_cap) * sizeof *p);
			return;
		}
		s->pend = p;
		s->pend_cap = cap;
	}
	s->pend[s->pend_n++] = id;
}

/* A response answers the oldest unanswered query with its id (if any). */
static void pending_take(struct dns_state *s, uint16_t id)
{
	for (unsigned i = 0; i < s->pend_n; i++) {
		if (s->pend[i] != id)
			continue;
		memmove(s->pend + i, s->pend + i + 1, (s->pend_n - i - 1u) * sizeof *s->pend);
		s->pend_n--;
		return;
	}
}

/* A query: one event per question. Its question names were decoded when
 * it was parsed (only the first DNS_QNAMES_MAX: the buffer's limit). */
static void on_query(struct dns_state *s, struct kn_app_call *c, int dir,
		     const struct dns_msg *m, const struct dns_qnames *names, uint64_t tx_id)
{
	struct dns_txv v = { .m = m, .tx_id = tx_id, .names = names };
	struct kn_tx tx = { .id = tx_id, .dir = (uint8_t)dir, .log = tx_log_query,
			    .buffer = tx_buffer, .number = tx_number, .priv = &v };
	uint32_t pos = names->n ? names->after : DNS_HEADER_LEN;

	pending_add(s, c, dir, m->h.id);
	for (unsigned i = 0; i < m->h.qdcount; i++) {
		struct dns_question q;
		if (i < names->n)
			q = names->q[i];
		else if (dns_question_read(m, &pos, &q) != 0)
			break;   /* (never: the message was parsed) */
		v.q = &q;
		v.qname = i < names->n ? &names->name[i] : NULL;
		kn_app_log(c, &tx);
		v.names = NULL;   /* the buffers go with the first event only */
	}
}

static void on_response(struct dns_state *s, struct kn_app_call *c, int dir,
			const struct dns_msg *m, const struct dns_qnames *names, uint64_t tx_id)
{
	struct dns_txv v = { .m = m, .tx_id = tx_id, .names = names };
	struct kn_tx tx = { .id = tx_id, .dir = (uint8_t)!dir, .log = tx_log_answer,
			    .buffer = tx_buffer, .number = tx_number, .priv = &v };

	pending_take(s, m->h.id);
	if (m->h.qdcount)
		kn_app_log(c, &tx);
}

/* Whether a message from dir is to be read as a response. The side that
 * sent the first message, or received it when it was a response, is the
 * client; its messages are queries. On flows between equal ports (53-53
 * between servers, mDNS 5353-5353 where one socket asks and answers) each
 * message is what its QR bit says. */
static int is_response(struct dns_state *s, struct kn_app_call *c, int dir, uint16_t flags)
{
	const struct kn_flow *f = kn_app_flow(c);

	if (f->key.sport == f->key.dport)
		return (flags & DNS_FLAG_QR) != 0;
	if (s->client_dir < 0)
		s->client_dir = (int8_t)((flags & DNS_FLAG_QR) ? !dir : dir);
	return dir != s->client_dir;
}

/* One whole message from direction dir. */
static void on_message(struct dns_state *s, struct kn_app_call *c, int dir,
		       const uint8_t *data, uint32_t len)
{
	struct dns_header h;
	struct dns_msg m;
	struct dns_qnames names;
	int response;
	uint64_t tx_id;

	if (dns_header_read(data, len, &h) != 0) {
		kn_app_event(c, dir, "MALFORMED_DATA");
		return;
	}
	response = is_response(s, c, dir, h.flags);
	if (dns_msg_parse(&m, data, len, response, &names) != 0) {
		kn_app_event(c, dir, "MALFORMED_DATA");
		return;
	}
	if (!!(h.flags & DNS_FLAG_QR) != response) {
		kn_app_event(c, dir, response ? "NOT_A_RESPONSE" : "NOT_A_REQUEST");
		return;
	}
	tx_id = s->tx_count++;
	if (response)
		on_response(s, c, dir, &m, &names, tx_id);
	else
		on_query(s, c, dir, &m, &names, tx_id);
	if (h.flags & DNS_FLAG_Z)
		kn_app_event(c, dir, "Z_FLAG_SET");
	if (DNS_OPCODE(h.flags) >= 7)
		kn_app_event(c, dir, "INVALID_OPCODE");
	if (m.bad_rrtype)
		kn_app_event(c, dir, "INVALID_RRTYPE");
}

/* -------------------------------------------------------------- TCP */

static void tcp_drop(struct kn_app_call *c, struct dns_tcp_dir *t)
{
	if (t->buf) {
		kn_free(t->buf);
		kn_app_mem_credit(c, t->need);
	}
	t->buf = NULL;
	t->need = t->have = t->skip = 0;
	t->prefix_have = 0;
}

/* A message of `need` bytes starts with data[0..len). Returns the bytes
 * used: the whole message parsed in place, or the start kept in a buffer,
 * or nothing with the message to be skipped (memcap). */
static uint32_t tcp_start(struct dns_state *s, struct kn_app_call *c, int dir, uint32_t need,
			  const uint8_t *data, uint32_t len)
{
	struct dns_tcp_dir *t = &s->tcp[dir];

	if (need == 0)
		return 0;   /* an empty message: nothing to do (Suricata skips it too) */
	if (len >= need) {
		on_message(s, c, dir, data, need);
		return need;
	}
	if (kn_app_mem_charge(c, need) != 0)
		goto nomem;
	t->buf = kn_malloc(need);
	if (!t->buf) {
		kn_app_mem_credit(c, need);
		goto nomem;
	}
	memcpy(t->buf, data, len);
	t->need = need;
	t->have = len;
	return len;
nomem:
	kn_app_event(c, dir, "STATE_MEMCAP_REACHED");
	t->skip = need;
	return 0;
}

static void tcp_consume(struct dns_state *s, struct kn_app_call *c, int dir,
			const uint8_t *data, uint32_t len)
{
	struct dns_tcp_dir *t = &s->tcp[dir];

	while (len) {
		uint32_t n, need;
		if (t->skip) {
			n = len < t->skip ? len : t->skip;
			t->skip -= n;
		} else if (t->buf) {
			n = t->need - t->have < len ? t->need - t->have : len;
			memcpy(t->buf + t->have, data, n);
			t->have += n;
			if (t->have == t->need) {
				on_message(s, c, dir, t->buf, t->need);
				tcp_drop(c, t);
			}
		} else if (t->prefix_have || len == 1) {
			if (!t->prefix_have) {
				t->prefix[0] = data[0];
				t->prefix_have = 1;
				n = 1;
			} else {
				need = (uint32_t)t->prefix[0] << 8 | data[0];
				t->prefix_have = 0;
				n = 1 + tcp_start(s, c, dir, need, data + 1, len - 1);
			}
		} else {
			need = (uint32_t)data[0] << 8 | data[1];
			n = 2 + tcp_start(s, c, dir, need, data + 2, len - 2);
		}
		data += n;
		len -= n;
	}
}

static void tcp_data(struct dns_state *s, struct kn_app_call *c, int dir,
		     const uint8_t *data, uint32_t len, unsigned flags)
{
	struct dns_tcp_dir *t = &s->tcp[dir];

	if (flags & KN_APP_GAP) {
		/* Lost bytes: the message in progress is gone, and so is the
		 * framing until a chunk that starts with a whole DNS header and
		 * question (a shorter one is dropped: taking a wrong length
		 * would swallow up to 64 KiB of what follows). */
		tcp_drop(c, t);
		t->resync = 1;
		return;
	}
	if (data && len) {
		if (t->resync && dns_probe(data, len, dir, 6) != KN_PROBE_YES)
			len = 0;
		else
			t->resync = 0;
		tcp_consume(s, c, dir, data, len);
	}
	if (flags & KN_APP_EOF) {
		if (t->buf || t->prefix_have)
			kn_app_event(c, dir, "MALFORMED_DATA");   /* message cut short */
		tcp_drop(c, t);
	}
}

/* ----------------------------------------------------------- parser */

static int dns_state_init(void *state, struct kn_app_call *c)
{
	struct dns_state *s = state;

	(void)c;
	s->client_dir = -1;
	return 0;
}

static void dns_parse(void *state, struct kn_app_call *c, int dir, const uint8_t *data,
		      uint32_t len, unsigned flags)
{
	struct dns_state *s = state;

	if (dir < 0 || dir > 1)
		return;
	if (kn_app_flow(c)->key.proto == 6) {
		tcp_data(s, c, dir, data, len, flags);
		return;
	}
	if (data && len)
		on_message(s, c, dir, data, len);
}

static void dns_flow_end(void *state, struct kn_app_call *c)
{
	struct dns_state *s = state;

	for (int d = 0; d < 2; d++) {
		if (s->tcp[d].buf || s->tcp[d].prefix_have)
			kn_app_event(c, d, "MALFORMED_DATA");   /* message cut short */
		tcp_drop(c, &s->tcp[d]);
	}
}

static void dns_state_free(void *state, struct kn_app_call *c)
{
	struct dns_state *s = state;

	for (int d = 0; d < 2; d++)
		tcp_drop(c, &s->tcp[d]);
	if (s->pend) {
		kn_free(s->pend);
		kn_app_mem_credit(c, (size_t)s->pend_cap * sizeof *s->pend);
	}
	s->pend = NULL;
	s->pend_n = s->pend_cap = 0;
}

const struct kn_app_parser kn_app_parser_dns = {
	.name = "dns",
	.ipprotos = KN_APP_TCP | KN_APP_UDP,
	.ports = { 53 },
	.probe = dns_probe,
	.state_size = sizeof(struct dns_state),
	.state_init = dns_state_init,
	.parse = dns_parse,
	.flow_end = dns_flow_end,
	.state_free = dns_state_free,
};
