/*
 * dns_wire.c - the DNS wire format (RFC 1035 4.1): header, names with
 * compression, questions, resource records and the data of the RR types
 * the EVE log shows.
 *
 * App stage, used by dns.c (parsing, probing) and dns_log.c (writing). The
 * reader accepts and rejects exactly what Suricata 7 does, so the same
 * messages are logged: a query is its header and questions; a response adds
 * the answer and authority sections (the additional section is not read);
 * any error in what is read makes the whole message malformed. Suricata's
 * reading of RR data is kept too: a TXT RR is one value per
 * character-string (at least one, a cut-short last string ends the list),
 * every other type is read once and must consume at least one byte, and a
 * name may end at the end of its RR data without a root label. Everything
 * is bounded: each step of a name is checked against its limit, a name is
 * at most 255 octets and DNS_NAME_STEPS_MAX labels or pointers (so pointer
 * loops end), and every count loop consumes bytes.
 */
#include <string.h>

#include "app/dns/dns.h"

/* Suricata reads at most this many strings of one TXT RR. */
#define DNS_TXT_STRINGS_MAX 32767

static uint16_t be16(const uint8_t *p)
{
	return (uint16_t)(p[0] << 8 | p[1]);
}

static uint32_t be32(const uint8_t *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

int dns_header_read(const uint8_t *p, uint32_t len, struct dns_header *h)
{
	if (len < DNS_HEADER_LEN)
		return -1;
	h->id = be16(p);
	h->flags = be16(p + 2);
	h->qdcount = be16(p + 4);
	h->ancount = be16(p + 6);
	h->nscount = be16(p + 8);
	h->arcount = be16(p + 10);
	return 0;
}

static void name_append(struct dns_name *out, const uint8_t *label, unsigned n)
{
	if (out->len)
		out->text[out->len++] = '.';
	memcpy(out->text + out->len, label, n);
	out->len = (uint16_t)(out->len + n);
}

int dns_name_read(const uint8_t *msg, uint32_t msg_len, uint32_t pos, uint32_t limit,
		  struct dns_name *out, uint32_t *end)
{
	uint32_t wire = 0, after = 0;
	unsigned steps = 0;
	int jumped = 0;

	if (out)
		out->len = 0;
	if (limit > msg_len)
		limit = msg_len;
	while (pos < limit) {
		uint8_t b = msg[pos];
		if (b == 0) {
			pos++;
			break;
		}
		if ((b & 0xc0) == 0) {
			if (b > limit - pos - 1)
				return -1;
			/* Octets of the labels so far plus the root label. */
			wire += 1u + b;
			if (wire + 1 > DNS_NAME_WIRE_MAX)
				return -1;
			if (out)
				name_append(out, msg + pos + 1, b);
			pos += 1u + b;
		} else if ((b & 0xc0) == 0xc0) {
			uint32_t off;
			if (limit - pos < 2)
				return -1;
			off = (uint32_t)(b & 0x3f) << 8 | msg[pos + 1];
			if (off > msg_len)
				return -1;
			if (!jumped) {
				after = pos + 2;
				jumped = 1;
			}
			pos = off;
			limit = msg_len;
		} else {
			return -1;   /* 0x40 / 0x80: extended label types, unsupported */
		}
		if (++steps > DNS_NAME_STEPS_MAX)
			return -1;
	}
	if (end)
		*end = jumped ? after : pos;
	return 0;
}

/* The end of the name at pos. In a validated message the name is known to
 * read, so its end is found in place (labels up to a root label or the
 * first pointer) without following pointers: re-reading stays linear. */
static int name_end(const struct dns_msg *m, uint32_t pos, uint32_t *end)
{
	if (!m->validated)
		return dns_name_read(m->data, m->len, pos, m->len, NULL, end);
	while (pos < m->len) {
		uint8_t b = m->data[pos];
		if (b == 0 || (b & 0xc0) == 0xc0) {
			pos += b ? 2 : 1;
			break;
		}
		pos += 1u + b;
	}
	*end = pos;
	return 0;
}

/* The fields of the question whose name is at *pos and ends at p. */
static int question_fields(const struct dns_msg *m, uint32_t *pos, uint32_t p,
			   struct dns_question *q)
{
	if (m->len - p < 4)
		return -1;
	q->name_off = *pos;
	q->type = be16(m->data + p);
	q->cls = be16(m->data + p + 2);
	*pos = p + 4;
	return 0;
}

int dns_question_read(const struct dns_msg *m, uint32_t *pos, struct dns_question *q)
{
	uint32_t p;

	if (name_end(m, *pos, &p) != 0)
		return -1;
	return question_fields(m, pos, p, q);
}

int dns_rr_read(const struct dns_msg *m, uint32_t *pos, struct dns_rr *rr)
{
	uint32_t p;

	if (name_end(m, *pos, &p) != 0 || m->len - p < 10)
		return -1;
	rr->name_off = *pos;
	rr->type = be16(m->data + p);
	rr->cls = be16(m->data + p + 2);
	rr->ttl = be32(m->data + p + 4);
	rr->rdlen = be16(m->data + p + 8);
	rr->rdata_off = p + 10;
	if (m->len - rr->rdata_off < rr->rdlen)
		return -1;
	*pos = rr->rdata_off + rr->rdlen;
	return 0;
}

void dns_rdata_begin(struct dns_rdata_iter *it, const struct dns_msg *m,
		     const struct dns_rr *rr)
{
	it->m = m;
	it->rr = rr;
	it->pos = rr->rdata_off;
	it->n = 0;
}

/* A name inside RR data at pos (limited by the data's end); its end. */
static int rdata_name(const struct dns_msg *m, uint32_t pos, uint32_t end, uint32_t *after)
{
	return dns_name_read(m->data, m->len, pos, end, NULL, after);
}

/* The value of a non-TXT RR: fills v, returns the bytes consumed or -1. */
static int64_t rdata_value(const struct dns_msg *m, const struct dns_rr *rr,
			   struct dns_rdata *v)
{
	uint32_t start = rr->rdata_off, end = start + rr->rdlen, e = 0, e2 = 0;
	const uint8_t *d = m->data;

	v->name_end = end;
	switch (rr->type) {
	case DNS_T_A:
	case DNS_T_AAAA:
	case DNS_T_NULL:
		v->kind = rr->type == DNS_T_NULL ? DNS_RD_BYTES : DNS_RD_ADDR;
		v->bytes = d + start;
		v->len = rr->rdlen;
		return rr->rdlen;
	case DNS_T_CNAME:
	case DNS_T_NS:
	case DNS_T_PTR:
		v->kind = DNS_RD_NAME;
		v->name_off = start;
		return rdata_name(m, start, end, &e) != 0 ? -1 : (int64_t)e - start;
	case DNS_T_MX:
		v->kind = DNS_RD_NAME;
		v->name_off = start + 2;
		if (rr->rdlen < 2 || rdata_name(m, start + 2, end, &e) != 0)
			return -1;
		return (int64_t)e - start;
	case DNS_T_SOA:
		v->kind = DNS_RD_SOA;
		v->name_off = start;
		if (rdata_name(m, start, end, &e) != 0 || rdata_name(m, e, end, &e2) != 0 ||
		    end - e2 < 20)
			return -1;
		v->name2_off = e;
		for (int i = 0; i < 5; i++)
			v->soa[i] = be32(d + e2 + 4 * i);
		return (int64_t)e2 + 20 - start;
	case DNS_T_SRV:
		v->kind = DNS_RD_SRV;
		if (rr->rdlen < 6 || rdata_name(m, start + 6, end, &e) != 0)
			return -1;
		v->priority = be16(d + start);
		v->weight = be16(d + start + 2);
		v->port = be16(d + start + 4);
		v->name_off = start + 6;
		return (int64_t)e - start;
	case DNS_T_SSHFP:
		v->kind = DNS_RD_SSHFP;
		if (rr->rdlen < 2)
			return -1;
		v->algo = d[start];
		v->fp_type = d[start + 1];
		v->bytes = d + start + 2;
		v->len = rr->rdlen - 2u;
		return rr->rdlen;
	default:
		v->kind = DNS_RD_NONE;   /* HTTPS, SVCB and the rest: not logged */
		return rr->rdlen;
	}
}

/* The next character-string of a TXT RR. */
static int txt_next(struct dns_rdata_iter *it, struct dns_rdata *v)
{
	uint32_t end = it->rr->rdata_off + it->rr->rdlen;
	uint8_t n;

	if (it->n >= DNS_TXT_STRINGS_MAX)
		return 0;
	if (it->pos >= end || (n = it->m->data[it->pos]) > end - it->pos - 1) {
		/* Nothing (more) readable: an error only for the first string. */
		it->pos = end;
		return it->n ? 0 : -1;
	}
	v->kind = DNS_RD_BYTES;
	v->bytes = it->m->data + it->pos + 1;
	v->len = n;
	it->pos += 1u + n;
	it->n++;
	return 1;
}

int dns_rdata_next(struct dns_rdata_iter *it, struct dns_rdata *v)
{
	int64_t used;

	memset(v, 0, sizeof *v);
	if (it->rr->type == DNS_T_TXT)
		return txt_next(it, v);
	if (it->n)
		return 0;
	used = rdata_value(it->m, it->rr, v);
	/* Read once; reading nothing is an error (Suricata's parser loop). */
	if (used <= 0)
		return -1;
	it->pos = it->rr->rdata_off + it->rr->rdlen;
	it->n = 1;
	return 1;
}

/* Reads `count` RRs from *pos, each with its data. */
static int rr_section_check(struct dns_msg *m, uint32_t *pos, unsigned count)
{
	for (unsigned i = 0; i < count; i++) {
		struct dns_rr rr;
		struct dns_rdata_iter it;
		struct dns_rdata v;
		int r;

		if (dns_rr_read(m, pos, &rr) != 0)
			return -1;
		if (rr.type == 0)
			m->bad_rrtype = 1;
		dns_rdata_begin(&it, m, &rr);
		while ((r = dns_rdata_next(&it, &v)) == 1)
			;
		if (r < 0)
			return -1;
	}
	return 0;
}

int dns_msg_parse(struct dns_msg *m, const uint8_t *data, uint32_t len, int response,
		  struct dns_qnames *qnames)
{
	uint32_t pos = DNS_HEADER_LEN;

	memset(m, 0, sizeof *m);
	m->data = data;
	m->len = len;
	m->response = (uint8_t)(response != 0);
	if (qnames)
		qnames->n = 0;
	if (dns_header_read(data, len, &m->h) != 0)
		return -1;
	for (unsigned i = 0; i < m->h.qdcount; i++) {
		struct dns_name *out = qnames && i < DNS_QNAMES_MAX ? &qnames->name[i] : NULL;
		struct dns_question q;
		uint32_t end;
		/* (what dns_question_read() checks, with the name decoded) */
		if (dns_name_read(data, len, pos, len, out, &end) != 0 ||
		    question_fields(m, &pos, end, &q) != 0)
			return -1;
		if (out) {
			qnames->q[i] = q;
			qnames->n = i + 1;
			qnames->after = pos;
		}
		if (q.type == 0)
			m->bad_rrtype = 1;
	}
	if (!response) {
		m->validated = 1;
		return 0;
	}
	m->an_off = pos;
	if (rr_section_check(m, &pos, m->h.ancount) != 0)
		return -1;
	m->ns_off = pos;
	if (rr_section_check(m, &pos, m->h.nscount) != 0)
		return -1;
	m->validated = 1;
	return 0;
}
