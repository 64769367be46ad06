/*
 * dns_log.c - the body of the EVE "dns" events, in Suricata 7's DNS log
 * version 2 format: one "query" event per question of a query, one
 * "answer" event per response, with the detailed "answers" list, the
 * "grouped" values and the "authorities".
 *
 * App stage (the writer half of src/app/dns): called from the transaction
 * log callbacks of dns.c with a message dns_wire.c has validated, so every
 * read here succeeds. Field names, their order and value spellings follow
 * Suricata's (flags in unpadded hex, AAAA as eight 4-digit groups, MX as
 * its exchange only, a TXT RR as one entry per string, names and data
 * written as raw text when valid UTF-8 and with \xNN for bytes >= 0x80
 * otherwise). Suricata writes "grouped" from a hash map, in no stable
 * order; here its keys come in order of first appearance.
 *
 * Speed: objects whose values are all plain text (the usual ASCII names,
 * addresses, numbers) are formatted here into a run of text (app_run.h)
 * handed to the writer in one call; any other object goes through the
 * writer's calls one member at a time, with the same result. An owner name
 * shared by the RRs of a response (a pointer to the question) is decoded
 * once.
 */
#include <stdio.h>
#include <string.h>

#include "app/app_run.h"
#include "app/dns/dns.h"
#include "util/alloc.h"
#include "util/json.h"

/* ------------------------------------------------------------ names */

/* Suricata 7's names of RR types, spelling mistakes ("ND", "NSAPPT",
 * "CDSNKEY") included: they are what its users match on. SVCB (64) is
 * named although Suricata 7 writes it as a number. */
static const char *const rrtype_low[] = {
	[1] = "A", [2] = "NS", [3] = "ND", [4] = "MF", [5] = "CNAME", [6] = "SOA",
	[7] = "MB", [8] = "MG", [9] = "MR", [10] = "NULL", [11] = "WKS", [12] = "PTR",
	[13] = "HINFO", [14] = "MINFO", [15] = "MX", [16] = "TXT", [17] = "RP",
	[18] = "AFSDB", [19] = "X25", [20] = "ISDN", [21] = "RT", [22] = "NSAP",
	[23] = "NSAPPT", [24] = "SIG", [25] = "KEY", [26] = "PX", [27] = "GPOS",
	[28] = "AAAA", [29] = "LOC", [30] = "NXT", [33] = "SRV", [34] = "ATMA",
	[35] = "NAPTR", [36] = "KX", [37] = "CERT", [38] = "A6", [39] = "DNAME",
	[41] = "OPT", [42] = "APL", [43] = "DS", [44] = "SSHFP", [45] = "IPSECKEY",
	[46] = "RRSIG", [47] = "NSEC", [48] = "DNSKEY", [49] = "DHCID", [50] = "NSEC3",
	[51] = "NSEC3PARAM", [52] = "TLSA", [55] = "HIP", [59] = "CDS", [60] = "CDSNKEY",
	[64] = "SVCB", [65] = "HTTPS",
};

const char *dns_rrtype_name(uint16_t type)
{
	if (type < sizeof rrtype_low / sizeof rrtype_low[0])
		return rrtype_low[type];
	switch (type) {
	case 99: return "SPF";
	case 249: return "TKEY";
	case 250: return "TSIG";
	case 254: return "MAILA";
	case 255: return "ANY";
	case 256: return "URI";
	default: return NULL;
	}
}

static const char *const rcode_names[] = {
	"NOERROR", "FORMERR", "SERVFAIL", "NXDOMAIN", "NOTIMP", "REFUSED",
	"YXDOMAIN", "YXRRSET", "NXRRSET", "NOTAUTH", "NOTZONE",
};

static void json_rrtype(struct kn_json *j, const char *key, uint16_t type)
{
	const char *name = dns_rrtype_name(type);
	char num[KN_U64_DIGITS];

	if (name)
		kn_json_str(j, key, name);
	else
		kn_json_strn(j, key, num, kn_u64_to_dec(type, num));
}

static void json_rcode(struct kn_json *j, uint16_t flags)
{
	unsigned rcode = flags & 0xfu;
	char num[4];

	if (rcode < sizeof rcode_names / sizeof rcode_names[0]) {
		kn_json_str(j, "rcode", rcode_names[rcode]);
		return;
	}
	snprintf(num, sizeof num, "%u", rcode);
	kn_json_str(j, "rcode", num);
}

/* ---------------------------------------------------------- strings */

/* Whole-buffer UTF-8 check with the rules of Rust's str::from_utf8 (no
 * overlong forms, no surrogates, nothing past U+10FFFF). */
static int utf8_valid(const uint8_t *s, uint32_t n)
{
	uint32_t i = 0;

	while (i < n) {
		uint8_t c = s[i];
		unsigned need;
		uint8_t lo = 0x80, hi = 0xbf;
		if (n - i >= 8) {
			/* Names and strings are nearly always ASCII: eight
			 * bytes are checked at once while no high bit is set. */
			uint64_t w;
			memcpy(&w, s + i, 8);
			if (!(w & 0x8080808080808080ull)) {
				i += 8;
				continue;
			}
		}
		if (c < 0x80) {
			i++;
			continue;
		}
		if (c >= 0xc2 && c <= 0xdf)
			need = 1;
		else if (c >= 0xe0 && c <= 0xef)
			need = 2, lo = c == 0xe0 ? 0xa0 : 0x80, hi = c == 0xed ? 0x9f : 0xbf;
		else if (c >= 0xf0 && c <= 0xf4)
			need = 3, lo = c == 0xf0 ? 0x90 : 0x80, hi = c == 0xf4 ? 0x8f : 0xbf;
		else
			return 0;
		if (n - i - 1 < need || s[i + 1] < lo || s[i + 1] > hi)
			return 0;
		for (unsigned k = 2; k <= need; k++)
			if ((s[i + k] & 0xc0) != 0x80)
				return 0;
		i += 1 + need;
	}
	return 1;
}

/* A text buffer on the stack, or on the heap when bigger. */
struct scratch {
	char stack[1024];
	char *heap;
};

static char *scratch_get(struct scratch *sc, size_t n)
{
	sc->heap = NULL;
	if (n <= sizeof sc->stack)
		return sc->stack;
	sc->heap = kn_malloc(n);
	return sc->heap;
}

static void scratch_put(struct scratch *sc)
{
	kn_free(sc->heap);
}

static const char hex_digits[] = "0123456789abcdef";

void dns_json_bytes(struct kn_json *j, const char *key, const uint8_t *s, uint32_t n)
{
	struct scratch sc;
	char *out;
	size_t k = 0;

	if (utf8_valid(s, n)) {
		kn_json_strn(j, key, (const char *)s, n);
		return;
	}
	out = scratch_get(&sc, (size_t)n * 4);
	if (!out) {
		kn_json_str(j, key, "");   /* out of memory: the value is lost, not the event */
		return;
	}
	for (uint32_t i = 0; i < n; i++) {
		if (s[i] < 0x80) {
			out[k++] = (char)s[i];
			continue;
		}
		out[k++] = '\\';
		out[k++] = 'x';
		out[k++] = hex_digits[s[i] >> 4];
		out[k++] = hex_digits[s[i] & 15];
	}
	kn_json_strn(j, key, out, k);
	scratch_put(&sc);
}

static void json_name(struct kn_json *j, const char *key, const struct dns_msg *m,
		      uint32_t pos, uint32_t limit)
{
	struct dns_name name;

	if (dns_name_read(m->data, m->len, pos, limit, &name, NULL) != 0)
		name.len = 0;
	dns_json_bytes(j, key, name.text, name.len);
}

/* ----------------------------------------------------------- values */

/* "00" "01" ... "99": the two digits of v are digit_pairs[2v], [2v+1]. */
static const char digit_pairs[201] =
	"00010203040506070809101112131415161718192021222324252627282930313233343536373839"
	"40414243444546474849505152535455565758596061626364656667686970717273747576777879"
	"8081828384858687888990919293949596979899";

/* Appends a byte in decimal ("%u", without snprintf's cost: one A record
 * is four of these). Returns the digits written. */
static size_t put_dec8(char *out, uint8_t v)
{
	if (v >= 100) {
		out[0] = (char)('0' + v / 100);
		memcpy(out + 1, digit_pairs + 2 * (v % 100), 2);
		return 3;
	}
	if (v >= 10) {
		memcpy(out, digit_pairs + 2 * v, 2);
		return 2;
	}
	out[0] = (char)('0' + v);
	return 1;
}

/* An address as text (at most 39 bytes): dotted IPv4, IPv6 as eight
 * 4-digit groups, nothing for other lengths. Returns its length. */
static size_t format_addr(char *out, const uint8_t *a, uint32_t n)
{
	size_t k = 0;

	if (n == 4) {
		for (unsigned i = 0; i < 4; i++) {
			if (i)
				out[k++] = '.';
			k += put_dec8(out + k, a[i]);
		}
	} else if (n == 16) {
		for (unsigned i = 0; i < 16; i++) {
			if (i && !(i & 1))
				out[k++] = ':';
			out[k++] = hex_digits[a[i] >> 4];
			out[k++] = hex_digits[a[i] & 15];
		}
	}
	return k;
}

static void json_addr(struct kn_json *j, const char *key, const uint8_t *a, uint32_t n)
{
	char buf[48];

	kn_json_strn(j, key, buf, format_addr(buf, a, n));
}

static void json_fingerprint(struct kn_json *j, const uint8_t *fp, uint32_t n)
{
	struct scratch sc;
	char *out = scratch_get(&sc, (size_t)n * 3 + 1);
	size_t k = 0;

	if (!out) {
		kn_json_str(j, "fingerprint", "");
		return;
	}
	for (uint32_t i = 0; i < n; i++) {
		if (i)
			out[k++] = ':';
		out[k++] = hex_digits[fp[i] >> 4];
		out[k++] = hex_digits[fp[i] & 15];
	}
	kn_json_strn(j, "fingerprint", out, k);
	scratch_put(&sc);
}

/* Writes a value as it appears in "answers" (key given: "rdata", "soa",
 * "sshfp", "srv") or in "grouped" (key NULL: the bare value). */
static void json_rdata(struct kn_json *j, const struct dns_msg *m, const struct dns_rdata *v,
		       int grouped)
{
	switch (v->kind) {
	case DNS_RD_ADDR:
		json_addr(j, grouped ? NULL : "rdata", v->bytes, v->len);
		break;
	case DNS_RD_BYTES:
		dns_json_bytes(j, grouped ? NULL : "rdata", v->bytes, v->len);
		break;
	case DNS_RD_NAME:
		json_name(j, grouped ? NULL : "rdata", m, v->name_off, v->name_end);
		break;
	case DNS_RD_SOA:
		kn_json_open(j, grouped ? NULL : "soa");
		json_name(j, "mname", m, v->name_off, v->name_end);
		json_name(j, "rname", m, v->name2_off, v->name_end);
		kn_json_u64(j, "serial", v->soa[0]);
		kn_json_u64(j, "refresh", v->soa[1]);
		kn_json_u64(j, "retry", v->soa[2]);
		kn_json_u64(j, "expire", v->soa[3]);
		kn_json_u64(j, "minimum", v->soa[4]);
		kn_json_close(j);
		break;
	case DNS_RD_SSHFP:
		kn_json_open(j, grouped ? NULL : "sshfp");
		json_fingerprint(j, v->bytes, v->len);
		kn_json_u64(j, "algo", v->algo);
		kn_json_u64(j, "type", v->fp_type);
		kn_json_close(j);
		break;
	case DNS_RD_SRV:
		kn_json_open(j, grouped ? NULL : "srv");
		kn_json_u64(j, "priority", v->priority);
		kn_json_u64(j, "weight", v->weight);
		kn_json_u64(j, "port", v->port);
		json_name(j, "name", m, v->name_off, v->name_end);
		kn_json_close(j);
		break;
	default:
		break;
	}
}

/* ------------------------------------------------------------- runs */

/* (members written through runs: see app_run.h) */

/* The name at pos (read up to limit) as a string value. */
static int run_name(struct app_run *r, const struct dns_msg *m, uint32_t pos, uint32_t limit)
{
	struct dns_name name;

	if (dns_name_read(m->data, m->len, pos, limit, &name, NULL) != 0)
		name.len = 0;
	return app_run_str(r, name.text, name.len);
}

/* An RR type's name (always plain) or its number, in quotes. */
static void run_rrtype(struct app_run *r, uint16_t type)
{
	const char *name = dns_rrtype_name(type);

	app_run_char(r, '"');
	if (name) {
		while (*name)   /* (a few letters: cheaper than strlen + memcpy) */
			app_run_char(r, *name++);
	} else {
		app_run_u64(r, type);
	}
	app_run_char(r, '"');
}

/* A value of json_rdata() (bare in "grouped", else its member after a
 * comma); 0 for values that are not plain or of the rare kinds (SSHFP,
 * SRV), which json_rdata() writes. */
static int run_rdata(struct app_run *r, const struct dns_msg *m, const struct dns_rdata *v,
		     int grouped)
{
	switch (v->kind) {
	case DNS_RD_ADDR:
		if (!grouped)
			app_run_lit(r, ",\"rdata\":");
		app_run_char(r, '"');
		r->len += format_addr(r->buf + r->len, v->bytes, v->len);
		app_run_char(r, '"');
		return 1;
	case DNS_RD_BYTES:
		if (!grouped)
			app_run_lit(r, ",\"rdata\":");
		return app_run_str(r, v->bytes, v->len);
	case DNS_RD_NAME:
		if (!grouped)
			app_run_lit(r, ",\"rdata\":");
		return run_name(r, m, v->name_off, v->name_end);
	case DNS_RD_SOA:
		if (grouped)
			app_run_lit(r, "{\"mname\":");
		else
			app_run_lit(r, ",\"soa\":{\"mname\":");
		if (!run_name(r, m, v->name_off, v->name_end))
			return 0;
		app_run_lit(r, ",\"rname\":");
		if (!run_name(r, m, v->name2_off, v->name_end))
			return 0;
		app_run_lit(r, ",\"serial\":");
		app_run_u64(r, v->soa[0]);
		app_run_lit(r, ",\"refresh\":");
		app_run_u64(r, v->soa[1]);
		app_run_lit(r, ",\"retry\":");
		app_run_u64(r, v->soa[2]);
		app_run_lit(r, ",\"expire\":");
		app_run_u64(r, v->soa[3]);
		app_run_lit(r, ",\"minimum\":");
		app_run_u64(r, v->soa[4]);
		app_run_char(r, '}');
		return 1;
	case DNS_RD_NONE:
		return !grouped;   /* nothing logged (never grouped) */
	default:
		return 0;
	}
}

/* ------------------------------------------------------ owner names */

/* The last owner (or question) name decoded for one response event. */
struct name_cache {
	uint8_t valid;
	uint32_t key;
	struct dns_name name;
};

/* The name at pos read to the message's end, as json_name() reads it.
 * In a validated message every question and RR name read without error,
 * and a name that starts with pointers reads as the name they lead to:
 * names with the same first non-pointer position (the key) have the same
 * text, so the RRs answering one question (c0 0c) decode it once. */
static const struct dns_name *owner_name(struct name_cache *nc, const struct dns_msg *m,
					 uint32_t pos)
{
	uint32_t key = pos;

	for (unsigned steps = 0; steps < DNS_NAME_STEPS_MAX && key + 1 < m->len &&
				 (m->data[key] & 0xc0) == 0xc0; steps++)
		key = (uint32_t)(m->data[key] & 0x3f) << 8 | m->data[key + 1];
	if (nc->valid && nc->key == key && m->validated)
		return &nc->name;
	if (dns_name_read(m->data, m->len, pos, m->len, &nc->name, NULL) != 0)
		nc->name.len = 0;
	nc->key = key;
	nc->valid = 1;
	return &nc->name;
}

/* ----------------------------------------------------------- events */

/* One value of an RR in "answers" or "authorities". */
static void rr_object_slow(struct kn_json *j, const struct dns_msg *m, const struct dns_rr *rr,
			   const struct dns_name *name, const struct dns_rdata *v)
{
	kn_json_open(j, NULL);
	dns_json_bytes(j, "rrname", name->text, name->len);
	json_rrtype(j, "rrtype", rr->type);
	kn_json_u64(j, "ttl", rr->ttl);
	json_rdata(j, m, v, 0);
	kn_json_close(j);
}

static int rr_object_run(struct app_run *r, const struct dns_msg *m, const struct dns_rr *rr,
			 const struct dns_name *name, const struct dns_rdata *v)
{
	if (r->len)
		app_run_char(r, ',');
	app_run_lit(r, "{\"rrname\":");
	if (!app_run_str(r, name->text, name->len))
		return 0;
	app_run_lit(r, ",\"rrtype\":");
	run_rrtype(r, rr->type);
	app_run_lit(r, ",\"ttl\":");
	app_run_u64(r, rr->ttl);
	if (!run_rdata(r, m, v, 0))
		return 0;
	app_run_char(r, '}');
	return 1;
}

/* "answers" or "authorities": one object per value of each RR. */
static void json_section(struct kn_json *j, struct app_run *r, struct name_cache *nc,
			 const char *key, const struct dns_msg *m, uint32_t off, unsigned count)
{
	uint32_t pos = off;

	kn_json_open_array(j, key);
	for (unsigned i = 0; i < count; i++) {
		struct dns_rr rr;
		const struct dns_name *name;
		struct dns_rdata_iter it;
		struct dns_rdata v;
		if (dns_rr_read(m, &pos, &rr) != 0)
			break;
		name = owner_name(nc, m, rr.name_off);
		dns_rdata_begin(&it, m, &rr);
		while (dns_rdata_next(&it, &v) == 1) {
			size_t mark;
			app_run_room(j, r);
			mark = r->len;
			if (!rr_object_run(r, m, &rr, name, &v)) {
				r->len = mark;
				app_run_flush(j, r);
				rr_object_slow(j, m, &rr, name, &v);
			}
		}
	}
	app_run_flush(j, r);
	kn_json_close_array(j);
}

static int type_has_value(uint16_t t)
{
	return t == DNS_T_A || t == DNS_T_AAAA || t == DNS_T_NULL || t == DNS_T_CNAME ||
	       t == DNS_T_NS || t == DNS_T_PTR || t == DNS_T_MX || t == DNS_T_TXT ||
	       t == DNS_T_SOA || t == DNS_T_SRV || t == DNS_T_SSHFP;
}

/* The values of the answers of one type, as array elements. */
static void grouped_values(struct kn_json *j, struct app_run *r, const struct dns_msg *m,
			   uint16_t type)
{
	uint32_t pos = m->an_off;
	struct dns_rr rr;

	for (unsigned i = 0; i < m->h.ancount && dns_rr_read(m, &pos, &rr) == 0; i++) {
		struct dns_rdata_iter it;
		struct dns_rdata v;
		if (rr.type != type)
			continue;
		dns_rdata_begin(&it, m, &rr);
		while (dns_rdata_next(&it, &v) == 1) {
			size_t mark;
			app_run_room(j, r);
			mark = r->len;
			if (r->len)
				app_run_char(r, ',');
			if (!run_rdata(r, m, &v, 1)) {
				r->len = mark;
				app_run_flush(j, r);
				json_rdata(j, m, &v, 1);
			}
		}
	}
	app_run_flush(j, r);
}

/* "grouped": {"A": [...], "CNAME": [...]}: the answer values by type. */
static void json_grouped(struct kn_json *j, struct app_run *r, const struct dns_msg *m)
{
	uint16_t types[16];
	unsigned nt = 0;
	uint32_t pos = m->an_off;
	struct dns_rr rr;

	for (unsigned i = 0; i < m->h.ancount && dns_rr_read(m, &pos, &rr) == 0; i++) {
		unsigned k = 0;
		if (!type_has_value(rr.type))
			continue;
		while (k < nt && types[k] != rr.type)
			k++;
		if (k == nt && nt < sizeof types / sizeof types[0])
			types[nt++] = rr.type;
	}
	kn_json_open(j, "grouped");
	for (unsigned k = 0; k < nt; k++) {
		kn_json_open_array(j, dns_rrtype_name(types[k]));
		grouped_values(j, r, m, types[k]);
		kn_json_close_array(j);
	}
	kn_json_close(j);
}

/* The members of a query event; 0 when the name is not plain. */
static int query_run(struct app_run *r, const struct dns_msg *m, uint16_t qtype,
		     const struct dns_name *qname, uint64_t tx_id)
{
	app_run_lit(r, "\"type\":\"query\",\"id\":");
	app_run_u64(r, m->h.id);
	app_run_lit(r, ",\"rrname\":");
	if (!app_run_str(r, qname->text, qname->len))
		return 0;
	app_run_lit(r, ",\"rrtype\":");
	run_rrtype(r, qtype);
	app_run_lit(r, ",\"tx_id\":");
	app_run_u64(r, tx_id);
	if (m->h.flags & DNS_FLAG_Z)
		app_run_lit(r, ",\"z\":true");
	app_run_lit(r, ",\"opcode\":");
	app_run_u64(r, DNS_OPCODE(m->h.flags));
	return 1;
}

void dns_log_query(struct kn_json *j, const struct dns_msg *m, const struct dns_question *q,
		   uint64_t tx_id, const struct dns_name *qname)
{
	struct app_run r;

	kn_json_open(j, "dns");
	r.len = 0;
	if (qname && query_run(&r, m, q->type, qname, tx_id)) {
		app_run_flush(j, &r);
		kn_json_close(j);
		return;
	}
	kn_json_str(j, "type", "query");
	kn_json_u64(j, "id", m->h.id);
	if (qname)
		dns_json_bytes(j, "rrname", qname->text, qname->len);
	else
		json_name(j, "rrname", m, q->name_off, m->len);
	json_rrtype(j, "rrtype", q->type);
	kn_json_u64(j, "tx_id", tx_id);
	if (m->h.flags & DNS_FLAG_Z)
		kn_json_bool(j, "z", 1);
	kn_json_u64(j, "opcode", DNS_OPCODE(m->h.flags));
	kn_json_close(j);
}

static const struct {
	uint16_t bit;
	const char *name;
} flag_bits[] = {
	{ DNS_FLAG_QR, "qr" }, { DNS_FLAG_AA, "aa" }, { DNS_FLAG_TC, "tc" },
	{ DNS_FLAG_RD, "rd" }, { DNS_FLAG_RA, "ra" }, { DNS_FLAG_Z, "z" },
};

/* The members from "version" to "rcode" of an answer event, always plain
 * but for the question's name (qname NULL: no question). */
static int answer_head_run(struct app_run *r, const struct dns_msg *m, const struct dns_name *qname,
			   uint16_t qtype)
{
	uint16_t flags = m->h.flags;
	unsigned rcode = flags & 0xfu;

	app_run_lit(r, "\"version\":2,\"type\":\"answer\",\"id\":");
	app_run_u64(r, m->h.id);
	app_run_lit(r, ",\"flags\":\"");
	/* "%x": lower-case hex without leading zeros */
	for (int shift = 12; shift >= 0; shift -= 4)
		if ((flags >> shift) || shift == 0)
			app_run_char(r, hex_digits[(flags >> shift) & 15]);
	app_run_char(r, '"');
	for (unsigned i = 0; i < sizeof flag_bits / sizeof flag_bits[0]; i++) {
		if (!(flags & flag_bits[i].bit))
			continue;
		app_run_lit(r, ",\"");
		app_run_bytes(r, flag_bits[i].name, flag_bits[i].name[1] ? 2 : 1);
		app_run_lit(r, "\":true");
	}
	app_run_lit(r, ",\"opcode\":");
	app_run_u64(r, DNS_OPCODE(flags));
	if (qname) {
		app_run_lit(r, ",\"rrname\":");
		if (!app_run_str(r, qname->text, qname->len))
			return 0;
		app_run_lit(r, ",\"rrtype\":");
		run_rrtype(r, qtype);
	}
	app_run_lit(r, ",\"rcode\":\"");
	if (rcode < sizeof rcode_names / sizeof rcode_names[0])
		app_run_bytes(r, rcode_names[rcode], strlen(rcode_names[rcode]));
	else
		app_run_u64(r, rcode);
	app_run_char(r, '"');
	return 1;
}

static void json_flags(struct kn_json *j, uint16_t flags)
{
	char hex[4];
	size_t k = 0;

	/* "%x": lower-case hex without leading zeros */
	for (int shift = 12; shift >= 0; shift -= 4)
		if (k || (flags >> shift) & 15 || shift == 0)
			hex[k++] = hex_digits[(flags >> shift) & 15];
	kn_json_strn(j, "flags", hex, k);
	for (unsigned i = 0; i < sizeof flag_bits / sizeof flag_bits[0]; i++)
		if (flags & flag_bits[i].bit)
			kn_json_bool(j, flag_bits[i].name, 1);
	kn_json_u64(j, "opcode", DNS_OPCODE(flags));
}

static void answer_head_slow(struct kn_json *j, const struct dns_msg *m,
			     const struct dns_name *qname, uint16_t qtype)
{
	kn_json_u64(j, "version", 2);
	kn_json_str(j, "type", "answer");
	kn_json_u64(j, "id", m->h.id);
	json_flags(j, m->h.flags);
	if (qname) {
		dns_json_bytes(j, "rrname", qname->text, qname->len);
		json_rrtype(j, "rrtype", qtype);
	}
	json_rcode(j, m->h.flags);
}

void dns_log_answer(struct kn_json *j, const struct dns_msg *m)
{
	struct name_cache nc = { .valid = 0 };
	const struct dns_name *qname = NULL;
	uint16_t qtype = 0;
	struct app_run r;

	if (m->h.qdcount) {
		struct dns_question q;
		uint32_t pos = DNS_HEADER_LEN;
		if (dns_question_read(m, &pos, &q) == 0) {
			qname = owner_name(&nc, m, q.name_off);
			qtype = q.type;
		}
	}
	kn_json_open(j, "dns");
	r.len = 0;
	if (!answer_head_run(&r, m, qname, qtype)) {
		r.len = 0;
		answer_head_slow(j, m, qname, qtype);
	}
	app_run_flush(j, &r);
	if (m->h.ancount) {
		json_section(j, &r, &nc, "answers", m, m->an_off, m->h.ancount);
		json_grouped(j, &r, m);
	}
	if (m->h.nscount)
		json_section(j, &r, &nc, "authorities", m, m->ns_off, m->h.nscount);
	kn_json_close(j);
}
