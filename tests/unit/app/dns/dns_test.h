/*
 * dns_test.h - helpers of the DNS parser tests (header only): hex strings
 * copied from capture packets, a small DNS message builder for hand-made
 * (and hostile) messages, and TCP framing.
 */
#ifndef KN_TESTS_DNS_TEST_H
#define KN_TESTS_DNS_TEST_H

#include <stdint.h>
#include <string.h>

#include "app_test.h"

/* Hex text to bytes; returns the byte count. */
static inline size_t dt_unhex(const char *h, uint8_t *out, size_t cap)
{
	size_t n = 0;
	for (; h[0] && h[1] && n < cap; h += 2) {
		unsigned v;
		if (sscanf(h, "%2x", &v) != 1)
			break;
		out[n++] = (uint8_t)v;
	}
	return n;
}

/* A message under construction. */
struct dt_msg {
	uint8_t b[70000];
	size_t n;
};

static inline void dt_u8(struct dt_msg *m, unsigned v)
{
	m->b[m->n++] = (uint8_t)v;
}

static inline void dt_u16(struct dt_msg *m, unsigned v)
{
	dt_u8(m, v >> 8);
	dt_u8(m, v & 0xff);
}

static inline void dt_u32(struct dt_msg *m, uint32_t v)
{
	dt_u16(m, v >> 16);
	dt_u16(m, v & 0xffff);
}

static inline void dt_bytes(struct dt_msg *m, const void *p, size_t n)
{
	memcpy(m->b + m->n, p, n);
	m->n += n;
}

/* A header: id, flags, counts. */
static inline void dt_header(struct dt_msg *m, unsigned id, unsigned flags, unsigned qd,
			     unsigned an, unsigned ns, unsigned ar)
{
	m->n = 0;
	dt_u16(m, id);
	dt_u16(m, flags);
	dt_u16(m, qd);
	dt_u16(m, an);
	dt_u16(m, ns);
	dt_u16(m, ar);
}

/* A dotted name in wire form, uncompressed, with its root label ("" = root). */
static inline void dt_name(struct dt_msg *m, const char *dotted)
{
	while (*dotted) {
		const char *dot = strchr(dotted, '.');
		size_t len = dot ? (size_t)(dot - dotted) : strlen(dotted);
		dt_u8(m, (unsigned)len);
		dt_bytes(m, dotted, len);
		dotted += len + (dot ? 1 : 0);
	}
	dt_u8(m, 0);
}

static inline void dt_question(struct dt_msg *m, const char *name, unsigned type)
{
	dt_name(m, name);
	dt_u16(m, type);
	dt_u16(m, 1);
}

/* The fixed part of an RR after its name; rdlen follows. */
static inline void dt_rr_head(struct dt_msg *m, unsigned type, uint32_t ttl, unsigned rdlen)
{
	dt_u16(m, type);
	dt_u16(m, 1);
	dt_u32(m, ttl);
	dt_u16(m, rdlen);
}

/* The message as TCP payload: a 2-byte length, then the message. */
static inline size_t dt_tcp(const struct dt_msg *m, uint8_t *out)
{
	out[0] = (uint8_t)(m->n >> 8);
	out[1] = (uint8_t)(m->n & 0xff);
	memcpy(out + 2, m->b, m->n);
	return m->n + 2;
}

/* Feeds bytes one at a time (TCP). */
static inline void dt_feed_bytewise(struct at *t, int dir, const uint8_t *p, size_t n)
{
	for (size_t i = 0; i < n; i++)
		at_feed(t, dir, p + i, 1);
}

/* Expected event text is written with ' for " (JSON stays readable in C
 * strings); these convert it, then search the captured lines like
 * at_find() and at_count(). */
static inline void dt_unquote(const char *s, char *out, size_t cap)
{
	size_t n = 0;
	for (; *s && n + 1 < cap; s++)
		out[n++] = *s == '\'' ? '"' : *s;
	out[n] = 0;
}

static inline int dt_find_all(const struct at *t, const char *const *subs)
{
	static char buf[8][4096];
	const char *conv[9];
	unsigned n = 0;

	for (; subs[n] && n < 8; n++) {
		dt_unquote(subs[n], buf[n], sizeof buf[n]);
		conv[n] = buf[n];
	}
	conv[n] = NULL;
	return at_find_all(t, conv);
}

#define DT_FIND(t, ...) dt_find_all((t), (const char *const[]){ __VA_ARGS__, NULL })

static inline unsigned dt_count(const struct at *t, const char *sub)
{
	static char buf[4096];
	dt_unquote(sub, buf, sizeof buf);
	return at_count(t, buf);
}

#endif
