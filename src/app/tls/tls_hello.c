/*
 * tls_hello.c - decoding of the hello messages: TLS ClientHello and
 * ServerHello (RFC 5246 7.4.1, RFC 8446 4.1) with the extensions that
 * fingerprints and logs use (server_name, supported_groups,
 * ec_point_formats, signature_algorithms, ALPN, supported_versions), and
 * the SSLv2 CLIENT-HELLO / SERVER-HELLO records.
 *
 * App stage, called by tls.c with one complete message body. Every length
 * is checked against what remains; a malformed message raises an event and
 * yields what its well-formed prefix holds (JA3 over a truncated extension
 * block lists the extensions read before the fault).
 */
#include "app/tls/tls.h"

#include <string.h>

/* A bounds-checked reader over a message. */
struct rd {
	const uint8_t *p;
	uint32_t n;
};

static int rd_bytes(struct rd *r, uint32_t n, const uint8_t **out)
{
	if (r->n < n)
		return 0;
	if (out)
		*out = r->p;
	r->p += n;
	r->n -= n;
	return 1;
}

static int rd_u8(struct rd *r, uint8_t *v)
{
	const uint8_t *b;

	if (!rd_bytes(r, 1, &b))
		return 0;
	*v = b[0];
	return 1;
}

static int rd_u16(struct rd *r, uint16_t *v)
{
	const uint8_t *b;

	if (!rd_bytes(r, 2, &b))
		return 0;
	*v = (uint16_t)(b[0] << 8 | b[1]);
	return 1;
}

/* A vector with a 1- or 2-byte length prefix. */
static int rd_vec(struct rd *r, int prefix, const uint8_t **out, uint32_t *len)
{
	uint8_t l8;
	uint16_t l16;

	if (prefix == 1) {
		if (!rd_u8(r, &l8))
			return 0;
		*len = l8;
	} else {
		if (!rd_u16(r, &l16))
			return 0;
		*len = l16;
	}
	return rd_bytes(r, *len, out);
}

/* The extension block after the fixed part: its well-formed bytes. A
 * length running past the message is an event; what is there is used. */
static void ext_block(struct tls_state *st, int dir, struct rd *r, const uint8_t **b,
		      uint32_t *n, uint8_t *present)
{
	uint16_t len;

	*b = NULL;
	*n = 0;
	*present = 0;
	if (r->n == 0)
		return;
	if (!rd_u16(r, &len)) {
		tls_event(st, dir, "HANDSHAKE_INVALID_LENGTH");
		return;
	}
	*present = 1;
	if (len > r->n) {
		tls_event(st, dir, "HANDSHAKE_INVALID_LENGTH");
		len = (uint16_t)r->n;
	}
	*b = r->p;
	*n = len;
	/* Keep only whole extensions. */
	for (uint32_t off = 0; off < len;) {
		uint32_t elen;
		if (len - off < 4 || (elen = (uint32_t)(*b)[off + 2] << 8 | (*b)[off + 3]) >
					     len - off - 4) {
			tls_event(st, dir, "HANDSHAKE_INVALID_LENGTH");
			*n = off;
			break;
		}
		off += 4 + elen;
	}
}

/* ------------------------------------------------------- ClientHello */

static void decode_sni(struct tls_state *st, int dir, const uint8_t *e, uint32_t n)
{
	struct rd r = { e, n }, l;
	const uint8_t *list, *name;
	uint32_t list_len, name_len;
	uint8_t type;

	if (!rd_vec(&r, 2, &list, &list_len)) {
		tls_event(st, dir, "INVALID_SNI_LENGTH");
		return;
	}
	l.p = list;
	l.n = list_len;
	while (l.n) {
		if (!rd_u8(&l, &type) || !rd_vec(&l, 2, &name, &name_len)) {
			tls_event(st, dir, "INVALID_SNI_LENGTH");
			return;
		}
		if (type != 0) {
			tls_event(st, dir, "INVALID_SNI_TYPE");
			continue;
		}
		if (tls_str_set(st, &st->client.sni, name, name_len) == 0)
			st->client.has_sni = 1;
		return;
	}
}

/* An inner list of an extension: `prefix`-byte length, then items of
 * `item` bytes. A length past the extension is cut to what is there. */
static void inner_list(const uint8_t *e, uint32_t n, int prefix, uint32_t item,
		       const uint8_t **out, uint32_t *len)
{
	uint32_t l;

	*out = NULL;
	*len = 0;
	if (n < (uint32_t)prefix)
		return;
	l = prefix == 1 ? e[0] : (uint32_t)e[0] << 8 | e[1];
	if (l > n - (uint32_t)prefix)
		l = n - (uint32_t)prefix;
	*out = e + prefix;
	*len = l - l % item;
}

static void first_alpn(struct tls_hello_view *h, const uint8_t *e, uint32_t n)
{
	const uint8_t *list;
	uint32_t list_len;

	h->has_alpn = 1;
	inner_list(e, n, 2, 1, &list, &list_len);
	if (list_len >= 1 && list[0] <= list_len - 1) {
		h->alpn = list + 1;
		h->alpn_len = list[0];
	}
}

static void client_ext(struct tls_state *st, int dir, struct tls_hello_view *h, uint16_t type,
		       const uint8_t *e, uint32_t n, unsigned *sni_count)
{
	switch (type) {
	case 0:
		h->has_sni = 1;
		if ((*sni_count)++) {
			tls_event(st, dir, "MULTIPLE_SNI_EXTENSIONS");
			break;
		}
		decode_sni(st, dir, e, n);
		break;
	case 10:
		inner_list(e, n, 2, 2, &h->groups, &h->groups_len);
		break;
	case 11:
		inner_list(e, n, 1, 1, &h->formats, &h->formats_len);
		break;
	case 13:
		inner_list(e, n, 2, 2, &h->sigalgs, &h->sigalgs_len);
		break;
	case 16:
		first_alpn(h, e, n);
		break;
	case 43:
		h->has_versions = 1;
		inner_list(e, n, 1, 2, &h->versions, &h->versions_len);
		break;
	}
}

void tls_client_hello(struct tls_state *st, int dir, const uint8_t *m, uint32_t len)
{
	struct tls_client_facts *cf = &st->client;
	struct tls_hello_view h;
	struct rd r = { m, len };
	uint32_t sid_len, comp_len;
	unsigned sni_count = 0;

	memset(&h, 0, sizeof h);
	if (!rd_u16(&r, &h.version) || !rd_bytes(&r, 32, NULL) || !rd_vec(&r, 1, NULL, &sid_len) ||
	    sid_len > 32 || !rd_vec(&r, 2, &h.ciphers, &h.ciphers_len) ||
	    !rd_vec(&r, 1, NULL, &comp_len)) {
		tls_event(st, dir, "HANDSHAKE_INVALID_LENGTH");
		return;
	}
	h.ciphers_len &= ~1u;
	ext_block(st, dir, &r, &h.exts, &h.exts_len, &h.has_ext_block);
	for (uint32_t off = 0; off < h.exts_len;) {
		uint16_t type = (uint16_t)(h.exts[off] << 8 | h.exts[off + 1]);
		uint32_t elen = (uint32_t)h.exts[off + 2] << 8 | h.exts[off + 3];
		client_ext(st, dir, &h, type, h.exts + off + 4, elen, &sni_count);
		off += 4 + elen;
	}
	cf->seen = 1;
	cf->version = h.version;
	cf->has_ja3 = tls_ja3(st, &h, &cf->ja3, cf->ja3_hash) == 0;
	cf->has_ja4 = tls_ja4(st, &h, cf->ja4) == 0;
}

/* ------------------------------------------------------- ServerHello */

static int is_tls13(uint16_t v)
{
	uint8_t hi = (uint8_t)(v >> 8);

	return v == 0x0304 || hi == 0x7f || hi == 0x7e || hi == 0xfb;
}

/* TLS 1.3 drafts before 22 put the draft in the ServerHello's version
 * (the earliest ones 0x0304 itself) and had no session id or compression
 * method in it. */
static int draft_layout(uint16_t v)
{
	return v == 0x0304 || (v >= 0x7f01 && v <= 0x7f15);
}

static void server_versions(struct tls_server_facts *sf, const uint8_t *exts, uint32_t n)
{
	for (uint32_t off = 0; off < n;) {
		uint16_t type = (uint16_t)(exts[off] << 8 | exts[off + 1]);
		uint32_t elen = (uint32_t)exts[off + 2] << 8 | exts[off + 3];
		if (type == 43 && elen >= 2) {
			sf->has_selected = 1;
			sf->selected_version = (uint16_t)(exts[off + 4] << 8 | exts[off + 5]);
		}
		off += 4 + elen;
	}
}

void tls_server_hello(struct tls_state *st, int dir, const uint8_t *m, uint32_t len)
{
	struct tls_server_facts *sf = &st->server;
	struct rd r = { m, len };
	const uint8_t *sid, *exts;
	uint32_t sid_len, exts_len;
	uint16_t ver, cipher;
	uint8_t comp, has_block;

	sid = NULL;
	sid_len = 0;
	comp = 0;
	if (!rd_u16(&r, &ver) || !rd_bytes(&r, 32, NULL) ||
	    (!draft_layout(ver) && (!rd_vec(&r, 1, &sid, &sid_len) || sid_len > 32)) ||
	    !rd_u16(&r, &cipher) || (!draft_layout(ver) && !rd_u8(&r, &comp))) {
		tls_event(st, dir, "HANDSHAKE_INVALID_LENGTH");
		return;
	}
	ext_block(st, dir, &r, &exts, &exts_len, &has_block);
	sf->seen = 1;
	sf->legacy_version = ver;
	sf->cipher = cipher;
	server_versions(sf, exts, exts_len);
	st->tls13 = (uint8_t)is_tls13(sf->has_selected ? sf->selected_version : ver);
	(void)comp;
	sf->has_ja3s = tls_ja3s(st, ver, cipher, exts, exts_len, &sf->ja3s, sf->ja3s_hash) == 0;
}

/* ------------------------------------------------------------ SSLv2 */

/* CLIENT-HELLO: type(1) version(2) cipher_specs_len(2) session_id_len(2)
 * challenge_len(2), then the three vectors. SERVER-HELLO: type(1)
 * session_id_hit(1) certificate_type(1) version(2) certificate_len(2)
 * cipher_specs_len(2) connection_id_len(2), then the certificate. */
void tls_sslv2_message(struct tls_state *st, int dir, const uint8_t *m, uint32_t len)
{
	if (len >= 9 && m[0] == 1 && !st->client.seen) {
		st->client.seen = 1;
		st->client.sslv2 = 1;
		st->client.version = (uint16_t)(m[1] << 8 | m[2]);
		return;
	}
	if (len >= 11 && m[0] == 4 && !st->sslv2_server) {
		uint32_t cert_len = (uint32_t)m[5] << 8 | m[6];
		st->sslv2_server = 1;
		st->server_dir = (uint8_t)dir;
		if (m[2] == 1 && cert_len && cert_len <= len - 11) {
			st->cert[dir].seen = 1;
			st->cert[dir].chain_len = 1;
			tls_cert_leaf(st, dir, &st->cert[dir], m + 11, cert_len);
		}
		return;
	}
	if (len < 9)
		tls_event(st, dir, "INVALID_SSLV2_HEADER");
}
