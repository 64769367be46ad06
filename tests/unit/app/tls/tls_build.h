/*
 * tls_build.h - builds TLS records for the parser tests (header only):
 * ClientHello / ServerHello / Certificate messages from plain lists, laid
 * out as RFC 5246 / RFC 8446 say, so a test states the values it expects
 * to see fingerprinted.
 */
#ifndef KN_TESTS_TLS_BUILD_H
#define KN_TESTS_TLS_BUILD_H

#include <stddef.h>
#include <stdint.h>
#include <string.h>

/* A byte buffer with big-endian writers; length prefixes are written as
 * placeholders and patched when the vector ends. */
struct tb {
	uint8_t b[256 * 1024];
	size_t n;
};

static inline void tb_u8(struct tb *t, unsigned v)
{
	t->b[t->n++] = (uint8_t)v;
}

static inline void tb_u16(struct tb *t, unsigned v)
{
	tb_u8(t, v >> 8);
	tb_u8(t, v);
}

static inline void tb_u24(struct tb *t, unsigned v)
{
	tb_u8(t, v >> 16);
	tb_u16(t, v);
}

static inline void tb_bytes(struct tb *t, const void *p, size_t n)
{
	if (n)
		memcpy(t->b + t->n, p, n);
	t->n += n;
}

/* Opens a vector with a `width`-byte length; returns its position. */
static inline size_t tb_open(struct tb *t, int width)
{
	size_t at = t->n;
	for (int i = 0; i < width; i++)
		tb_u8(t, 0);
	return at;
}

static inline void tb_close(struct tb *t, size_t at, int width)
{
	size_t len = t->n - at - (size_t)width;
	for (int i = width - 1; i >= 0; i--, len >>= 8)
		t->b[at + (size_t)i] = (uint8_t)len;
}

/* One extension: type and raw data. */
struct tb_ext {
	uint16_t type;
	const uint8_t *data;
	size_t len;
};

struct tb_hello {
	uint16_t version;
	const uint16_t *ciphers;
	size_t n_ciphers;
	const struct tb_ext *exts;
	size_t n_exts;
	int no_ext_block;          /* no extensions length at all */
	uint8_t session_id_len;
};

/* A handshake record (content type 22) around one message. */
static inline size_t tb_record_open(struct tb *t, unsigned hs_type)
{
	size_t rec;
	tb_u8(t, 22);
	tb_u16(t, 0x0301);
	rec = tb_open(t, 2);
	tb_u8(t, hs_type);
	tb_open(t, 3);
	return rec;
}

static inline void tb_record_close(struct tb *t, size_t rec)
{
	tb_close(t, rec + 3, 3);   /* handshake length */
	tb_close(t, rec, 2);       /* record length */
}

static inline void tb_client_hello(struct tb *t, const struct tb_hello *h)
{
	size_t rec = tb_record_open(t, 1), v;

	tb_u16(t, h->version);
	for (int i = 0; i < 32; i++)
		tb_u8(t, (unsigned)i);
	tb_u8(t, h->session_id_len);
	for (unsigned i = 0; i < h->session_id_len; i++)
		tb_u8(t, 0xee);
	v = tb_open(t, 2);
	for (size_t i = 0; i < h->n_ciphers; i++)
		tb_u16(t, h->ciphers[i]);
	tb_close(t, v, 2);
	tb_u8(t, 1);
	tb_u8(t, 0);
	if (!h->no_ext_block) {
		v = tb_open(t, 2);
		for (size_t i = 0; i < h->n_exts; i++) {
			tb_u16(t, h->exts[i].type);
			tb_u16(t, (unsigned)h->exts[i].len);
			tb_bytes(t, h->exts[i].data, h->exts[i].len);
		}
		tb_close(t, v, 2);
	}
	tb_record_close(t, rec);
}

static inline void tb_server_hello(struct tb *t, uint16_t version, uint16_t cipher,
				   const struct tb_ext *exts, size_t n_exts)
{
	size_t rec = tb_record_open(t, 2), v;

	tb_u16(t, version);
	for (int i = 0; i < 32; i++)
		tb_u8(t, (unsigned)(100 + i));
	tb_u8(t, 0);
	tb_u16(t, cipher);
	tb_u8(t, 0);
	v = tb_open(t, 2);
	for (size_t i = 0; i < n_exts; i++) {
		tb_u16(t, exts[i].type);
		tb_u16(t, (unsigned)exts[i].len);
		tb_bytes(t, exts[i].data, exts[i].len);
	}
	tb_close(t, v, 2);
	tb_record_close(t, rec);
}

/* A handshake message of any length, fragmented into records of at most
 * `frag` payload bytes (0: 16384). */
static inline void tb_handshake(struct tb *t, unsigned type, const uint8_t *body, size_t len,
				size_t frag)
{
	uint8_t hdr[4] = { (uint8_t)type, (uint8_t)(len >> 16), (uint8_t)(len >> 8),
			   (uint8_t)len };
	size_t done = 0, total = len + 4;

	if (!frag)
		frag = 16384;
	while (done < total) {
		size_t n = total - done < frag ? total - done : frag;
		tb_u8(t, 22);
		tb_u16(t, 0x0303);
		tb_u16(t, (unsigned)n);
		for (size_t i = 0; i < n; i++, done++)
			tb_u8(t, done < 4 ? hdr[done] : body[done - 4]);
	}
}

/* A ChangeCipherSpec record. */
static inline void tb_ccs(struct tb *t)
{
	static const uint8_t ccs[] = { 20, 3, 3, 0, 1, 1 };
	tb_bytes(t, ccs, sizeof ccs);
}

#endif
