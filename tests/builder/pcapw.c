/*
 * pcapw.c - capture writer of the traffic builder (tests/builder): pcap and
 * pcapng files or memory images, little-endian. See pcapw.h.
 *
 * Each header is assembled in a small local array with explicit
 * little-endian stores and then emitted, to a stdio stream or to a buffer
 * that doubles as it fills. The first error sticks and is reported again by
 * every later write and by close.
 */
#include "pcapw.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "util/alloc.h"

#define NS_PER_S 1000000000ull
#define MEM_INITIAL 4096u

struct kn_pcapw {
	FILE *f;       /* file writer, NULL for a memory writer */
	uint8_t *mem;  /* memory writer's bytes */
	size_t len, cap;
	int format;
	int err;       /* first error, 0 = none */
};

static uint8_t *put16(uint8_t *p, uint16_t v)
{
	p[0] = (uint8_t)v;
	p[1] = (uint8_t)(v >> 8);
	return p + 2;
}

static uint8_t *put32(uint8_t *p, uint32_t v)
{
	for (int i = 0; i < 4; i++)
		p[i] = (uint8_t)(v >> (8 * i));
	return p + 4;
}

static int mem_reserve(struct kn_pcapw *w, size_t n)
{
	if (w->cap - w->len >= n)
		return 0;
	size_t cap = w->cap ? w->cap : MEM_INITIAL;
	while (cap - w->len < n)
		cap *= 2;
	uint8_t *p = kn_realloc_array(w->mem, cap, 1);
	if (!p)
		return -KN_ENOMEM;
	w->mem = p;
	w->cap = cap;
	return 0;
}

/* Appends n bytes (n may be 0); latches the first error. */
static int emit(struct kn_pcapw *w, const void *p, size_t n)
{
	if (w->err || n == 0)
		return w->err;
	if (w->f) {
		if (fwrite(p, 1, n, w->f) != n)
			w->err = -KN_EIO;
		return w->err;
	}
	if ((w->err = mem_reserve(w, n)) == 0) {
		memcpy(w->mem + w->len, p, n);
		w->len += n;
	}
	return w->err;
}

static int pcap_header(struct kn_pcapw *w, int linktype, uint32_t snaplen)
{
	uint8_t h[24], *p = h;
	p = put32(p, w->format == KN_PCAPW_PCAP_NS ? 0xa1b23c4du : 0xa1b2c3d4u);
	p = put16(p, 2);
	p = put16(p, 4);
	p = put32(p, 0);  /* thiszone */
	p = put32(p, 0);  /* sigfigs */
	p = put32(p, snaplen);
	put32(p, (uint32_t)linktype);
	return emit(w, h, sizeof h);
}

/* SHB (version 1.0, section length unknown) + IDB with if_tsresol = 9. */
static int pcapng_header(struct kn_pcapw *w, int linktype, uint32_t snaplen)
{
	uint8_t h[28 + 32], *p = h;
	p = put32(p, 0x0a0d0d0au);
	p = put32(p, 28);
	p = put32(p, 0x1a2b3c4du);
	p = put16(p, 1);
	p = put16(p, 0);
	p = put32(p, 0xffffffffu);
	p = put32(p, 0xffffffffu);
	p = put32(p, 28);
	p = put32(p, 1);
	p = put32(p, 32);
	p = put16(p, (uint16_t)linktype);
	p = put16(p, 0);
	p = put32(p, snaplen);
	p = put16(p, 9);  /* if_tsresol: 10^-9 s */
	p = put16(p, 1);
	p = put32(p, 9);  /* value byte 9 + 3 padding bytes */
	p = put32(p, 0);  /* opt_endofopt */
	put32(p, 32);
	return emit(w, h, sizeof h);
}

static struct kn_pcapw *writer_new(int format, FILE *f)
{
	if (format != KN_PCAPW_PCAP_US && format != KN_PCAPW_PCAP_NS && format != KN_PCAPW_PCAPNG)
		return NULL;
	struct kn_pcapw *w = kn_calloc(1, sizeof *w);
	if (w) {
		w->format = format;
		w->f = f;
	}
	return w;
}

static int write_header(struct kn_pcapw *w, int linktype, uint32_t snaplen)
{
	if (w->format == KN_PCAPW_PCAPNG)
		return pcapng_header(w, linktype, snaplen);
	return pcap_header(w, linktype, snaplen);
}

struct kn_pcapw *kn_pcapw_open(const char *path, int format, int linktype, uint32_t snaplen,
			       char *errbuf)
{
	char dummy[KN_ERRBUF_SIZE];
	if (!errbuf)
		errbuf = dummy;
	if (format != KN_PCAPW_PCAP_US && format != KN_PCAPW_PCAP_NS && format != KN_PCAPW_PCAPNG) {
		snprintf(errbuf, KN_ERRBUF_SIZE, "%s: unknown capture format %d", path, format);
		return NULL;
	}
	FILE *f = fopen(path, "wb");
	if (!f) {
		snprintf(errbuf, KN_ERRBUF_SIZE, "%s: cannot create: %s", path, strerror(errno));
		return NULL;
	}
	struct kn_pcapw *w = writer_new(format, f);
	if (!w) {
		fclose(f);
		snprintf(errbuf, KN_ERRBUF_SIZE, "%s: out of memory", path);
		return NULL;
	}
	if (write_header(w, linktype, snaplen) < 0) {
		(void)kn_pcapw_close(w);
		snprintf(errbuf, KN_ERRBUF_SIZE, "%s: cannot write the file header", path);
		return NULL;
	}
	return w;
}

struct kn_pcapw *kn_pcapw_open_mem(int format, int linktype, uint32_t snaplen)
{
	struct kn_pcapw *w = writer_new(format, NULL);
	if (w && write_header(w, linktype, snaplen) < 0) {
		(void)kn_pcapw_close(w);
		return NULL;
	}
	return w;
}

static int pcap_record(struct kn_pcapw *w, uint64_t ts_ns, uint32_t caplen, uint32_t wirelen)
{
	uint64_t frac = ts_ns % NS_PER_S;
	uint8_t h[16], *p = h;
	p = put32(p, (uint32_t)(ts_ns / NS_PER_S));
	p = put32(p, (uint32_t)(w->format == KN_PCAPW_PCAP_NS ? frac : frac / 1000));
	p = put32(p, caplen);
	put32(p, wirelen);
	return emit(w, h, sizeof h);
}

/* EPB header; the caller emits the frame, then epb_tail. */
static int epb_head(struct kn_pcapw *w, uint64_t ts_ns, uint32_t caplen, uint32_t wirelen)
{
	uint32_t block_len = 32 + ((caplen + 3) & ~3u);
	uint8_t h[28], *p = h;
	p = put32(p, 6);
	p = put32(p, block_len);
	p = put32(p, 0);  /* interface 0 */
	p = put32(p, (uint32_t)(ts_ns >> 32));
	p = put32(p, (uint32_t)ts_ns);
	p = put32(p, caplen);
	put32(p, wirelen);
	return emit(w, h, sizeof h);
}

static int epb_tail(struct kn_pcapw *w, uint32_t caplen)
{
	static const uint8_t zero[3];
	uint8_t t[4];
	put32(t, 32 + ((caplen + 3) & ~3u));
	emit(w, zero, (4 - (caplen & 3)) & 3);
	return emit(w, t, sizeof t);
}

int kn_pcapw_write(struct kn_pcapw *w, uint64_t ts_ns, const uint8_t *frame, uint32_t caplen,
		   uint32_t wirelen)
{
	if (!w || (!frame && caplen))
		return -KN_EINVAL;
	if (w->format == KN_PCAPW_PCAPNG) {
		if (caplen > UINT32_MAX - 35)
			return -KN_EINVAL;
		epb_head(w, ts_ns, caplen, wirelen);
		emit(w, frame, caplen);
		return epb_tail(w, caplen);
	}
	pcap_record(w, ts_ns, caplen, wirelen);
	return emit(w, frame, caplen);
}

const uint8_t *kn_pcapw_mem(const struct kn_pcapw *w, size_t *len)
{
	if (!w || w->f) {
		*len = 0;
		return NULL;
	}
	*len = w->len;
	return w->mem;
}

int kn_pcapw_close(struct kn_pcapw *w)
{
	if (!w)
		return 0;
	int err = w->err;
	if (w->f) {
		if (fflush(w->f) != 0 || ferror(w->f))
			err = -KN_EIO;
		if (fclose(w->f) != 0)
			err = -KN_EIO;
	}
	kn_free(w->mem);
	kn_free(w);
	return err;
}
