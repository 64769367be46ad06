/*
 * http_body.c - message bodies after framing: Content-Encoding decoding
 * (gzip, deflate with zlib, lzma with liblzma when the run asks; up to
 * HTTP_CODINGS_MAX layers), the bytes kept for detection (first
 * HTTP_BODY_KEEP decoded bytes per direction), and files (http_file.c).
 *
 * App stage, fed by http_conn.c with the message bytes of a body (chunk
 * framing removed). Decoding is bounded: at most HTTP_DECODE_MAX decoded
 * bytes per body, and no more than HTTP_RATIO_MAX decoded bytes per encoded
 * byte once HTTP_RATIO_FREE bytes came out; past either limit decoding
 * stops with a COMPRESSION_BOMB event and the file is truncated. Data that
 * fails to decode passes through as it is (GZIP_DECOMPRESSION_FAILED), as
 * Suricata's library does. zlib's and liblzma's memory comes from
 * kn_malloc and is charged to the app-layer memcap.
 *
 * A decoder (with its inflate states: ~40 KiB each, a 32 KiB window
 * mostly) is not freed when its body ends: the worker's pool keeps up to
 * HTTP_POOL_DECODERS of them, and the next compressed body resets a kept
 * state (inflateReset2) instead of allocating and initialising a new one.
 */
#include <string.h>
#include <strings.h>
#include <zlib.h>
#ifdef KN_HAVE_LZMA
#include <lzma.h>
#endif

#include "app/http/http_int.h"
#include "util/alloc.h"

enum { CODING_GZIP = 1, CODING_DEFLATE = 2, CODING_LZMA = 3 };

/* The .lzma ("LZMA alone") header: properties byte, dictionary size
 * (4 bytes, little-endian), uncompressed size (8 bytes). */
#define LZMA_HDR 13u

/* gzip member header (RFC 1952) parse states: the header is read here,
 * so that what zlib would refuse and libhtp accepts (reserved flag bits,
 * a wrong CRC or size in the trailer) decodes all the same. */
enum { GZ_FIXED = 0, GZ_XLEN, GZ_EXTRA, GZ_NAME, GZ_COMMENT, GZ_HCRC, GZ_DONE };

struct zlayer {
	z_stream zs;
	uint8_t alive;    /* zs holds an inflate state (kept across bodies) */
	/* the rest is the current body's (zeroed by decoder_reset) */
	uint8_t kind;
	uint8_t init;     /* zs set up for this body */
	uint8_t end;      /* stream ended: what follows is ignored */
	uint8_t pass;     /* decoding failed: input passes through */
	uint8_t produced; /* some output came out */
	uint8_t nhdr;     /* first bytes, kept to tell gzip, zlib and raw deflate apart */
	uint8_t hdr[2];
	uint8_t gz;       /* GZ_* while reading a gzip header, GZ_DONE otherwise */
	uint8_t gz_flags;
	uint16_t gz_need; /* bytes left in the current fixed-size header field */
	uint16_t gz_xlen; /* FEXTRA bytes left */
	void *lz;         /* CODING_LZMA: its lzma_stream (this body's only), or NULL */
	uint8_t nlz;      /* CODING_LZMA: header bytes collected in lzhdr */
	uint8_t lzhdr[LZMA_HDR];
};

struct http_decoder {
	struct http_state *st;     /* charged for zlib's memory; NULL: nobody */
	size_t zbytes;             /* what zlib holds (moves with the decoder) */
	uint8_t n;
	struct zlayer l[HTTP_CODINGS_MAX];   /* in decoding order */
#ifdef KN_HAVE_LZMA
	lzma_allocator lza;        /* liblzma's memory, charged as zlib's (opaque: dec) */
#endif
};

/* -------------------------------------------------------- zlib memory */

static voidpf z_alloc(voidpf opaque, uInt items, uInt size)
{
	struct http_decoder *dec = opaque;
	size_t n = (size_t)items * size;
	size_t *p;

	if (size && n / size != items)
		return Z_NULL;
	if (http_mem_charge(dec->st, n + sizeof(size_t)) != 0)
		return Z_NULL;
	p = kn_malloc(n + sizeof(size_t));
	if (!p) {
		http_mem_credit(dec->st, n + sizeof(size_t));
		return Z_NULL;
	}
	p[0] = n + sizeof(size_t);
	dec->zbytes += p[0];
	return p + 1;
}

static void z_free(voidpf opaque, voidpf ptr)
{
	struct http_decoder *dec = opaque;
	size_t *p = ptr;

	if (!p)
		return;
	dec->zbytes -= p[-1];
	if (dec->st)
		http_mem_credit(dec->st, p[-1]);
	kn_free(p - 1);
}

/* ---------------------------------------------------------- lzma */

#ifdef KN_HAVE_LZMA
/* liblzma's memory, charged like zlib's (freed by z_free). */
static void *lz_alloc(void *opaque, size_t nmemb, size_t size)
{
	if (nmemb > UINT32_MAX || size > UINT32_MAX)
		return NULL;
	return z_alloc(opaque, (uInt)nmemb, (uInt)size);   /* checks the product */
}
#endif

/* Ends and frees the lzma streams of dec's layers (they serve one body). */
static void lzma_layers_end(struct http_decoder *dec)
{
#ifdef KN_HAVE_LZMA
	for (unsigned i = 0; i < HTTP_CODINGS_MAX; i++) {
		lzma_stream *z = dec->l[i].lz;
		if (!z)
			continue;
		lzma_end(z);
		dec->l[i].lz = NULL;
		z_free(dec, z);
	}
#else
	(void)dec;
#endif
}

/* Ends the inflate states of dec and frees it (st: the account charged
 * for it, or NULL). */
static void decoder_destroy(struct http_state *st, struct http_decoder *dec)
{
	dec->st = st;
	lzma_layers_end(dec);
	for (unsigned i = 0; i < HTTP_CODINGS_MAX; i++)
		if (dec->l[i].alive)
			inflateEnd(&dec->l[i].zs);
	kn_free(dec);
	if (st)
		http_mem_credit(st, sizeof *dec);
}

/* The bytes a decoder stands for in the memcap. */
static size_t decoder_bytes(const struct http_decoder *dec)
{
	return sizeof *dec + dec->zbytes;
}

/* dec's body ended: to the pool when it takes it (its bytes move from the
 * flow's account to the per-context one), else freed. */
static void decoder_free(struct http_state *st, struct http_decoder *dec)
{
	struct http_pool *pool = st->c ? st->pool : NULL;
	size_t bytes;

	if (!dec)
		return;
	dec->st = st;
	lzma_layers_end(dec);
	bytes = decoder_bytes(dec);
	if (pool && pool->n_decoders < HTTP_POOL_DECODERS &&
	    pool->bytes + bytes <= pool->budget) {
		http_mem_credit(st, bytes);
		if (kn_app_ctx_mem_charge(st->c, bytes) == 0) {
			dec->st = NULL;
			pool->decoders[pool->n_decoders++] = dec;
			pool->bytes += bytes;
			return;
		}
		http_mem_charge(st, bytes);   /* cannot fail: the credit made room */
	}
	decoder_destroy(st, dec);
}

/* The per-body fields of dec zeroed, its inflate states kept. */
static void decoder_reset(struct http_decoder *dec)
{
	for (unsigned i = 0; i < HTTP_CODINGS_MAX; i++) {
		struct zlayer *L = &dec->l[i];
		z_stream zs = L->zs;
		uint8_t alive = L->alive;
		memset(L, 0, sizeof *L);
		L->zs = zs;
		L->alive = alive;
	}
}

/* A decoder for a new body of st: one the pool kept (its bytes move to
 * the flow's account: the memcap total does not change), else a new one;
 * NULL when the memcap refuses. */
static struct http_decoder *decoder_new(struct http_state *st)
{
	struct http_pool *pool = st->c ? st->pool : NULL;
	struct http_decoder *dec;

	if (pool && pool->n_decoders) {
		dec = pool->decoders[--pool->n_decoders];
		pool->bytes -= decoder_bytes(dec);
		kn_app_ctx_mem_credit(st->c, decoder_bytes(dec));
		if (http_mem_charge(st, decoder_bytes(dec)) == 0) {
			decoder_reset(dec);
			dec->st = st;
			return dec;
		}
		decoder_destroy(NULL, dec);
	}
	if (http_mem_charge(st, sizeof *dec) != 0)
		return NULL;
	dec = kn_calloc(1, sizeof *dec);
	if (!dec) {
		http_mem_credit(st, sizeof *dec);
		return NULL;
	}
	dec->st = st;
	return dec;
}

void http_decoders_free(struct http_pool *pool)
{
	while (pool->n_decoders)
		decoder_destroy(NULL, pool->decoders[--pool->n_decoders]);
}

/* --------------------------------------------------------- Content-Encoding */

/* One token of Content-Encoding: its coding, 0 for identity, -1 unknown. */
static int coding_of(struct http_state *st, int dir, const uint8_t *t, size_t n, int *abnormal)
{
	if (http_value_has(t, n, "gzip")) {
		*abnormal |= !http_value_is(t, n, "gzip") && !http_value_is(t, n, "x-gzip");
		return CODING_GZIP;
	}
	if (http_value_has(t, n, "deflate")) {
		*abnormal |= !http_value_is(t, n, "deflate") && !http_value_is(t, n, "x-deflate");
		return CODING_DEFLATE;
	}
	if (http_value_is(t, n, "lzma")) {
#ifdef KN_HAVE_LZMA
		/* Decoded only when the run asks (libhtp's lzma-enabled, off by
		 * default): else left as it is, as libhtp leaves it. */
		if (st->c && kn_app_call_config(st->c)->http_lzma)
			return CODING_LZMA;
#endif
		return 0;
	}
	if (http_value_is(t, n, "identity") || http_value_is(t, n, "none") ||
	    http_value_is(t, n, "inflate"))
		return 0;
	(void)st, (void)dir;
	*abnormal = 1;
	return -1;
}

/* Content-coding layers decoded: the run's setting, bounded by the decoder's room. */
static unsigned layer_limit(const struct http_state *st)
{
	unsigned n = st->c ? kn_app_call_config(st->c)->http_decompress_layers : 2;
	return n < 1 ? 2 : n > HTTP_CODINGS_MAX ? HTTP_CODINGS_MAX : n;   /* 0: libhtp's 2 */
}

/* The codings of Content-Encoding to undo, as libhtp chooses them: only
 * the first HTTP_CODINGS_MAX tokens count (identity included), in the
 * order listed. The order does not matter much: every layer recognises
 * gzip, zlib or raw deflate by its first bytes. Returns how many. */
static unsigned parse_codings(struct http_state *st, int dir, const uint8_t *v, size_t n,
			      uint8_t *out)
{
	unsigned count = 0, tokens = 0;
	int abnormal = 0;
	size_t i = 0;

	while (i < n) {
		size_t s;
		int c;
		while (i < n && (v[i] == ',' || v[i] == ' ' || v[i] == '\t'))
			i++;
		s = i;
		while (i < n && v[i] != ',' && v[i] != ' ' && v[i] != '\t')
			i++;
		if (i == s)
			break;
		if (++tokens > layer_limit(st)) {
			http_event(st, dir, "TOO_MANY_ENCODING_LAYERS");
			break;
		}
		c = coding_of(st, dir, v + s, i - s, &abnormal);
		if (c > 0)
			out[count++] = (uint8_t)c;
	}
	if (abnormal)
		http_event(st, dir, "ABNORMAL_CE_HEADER");
	return count;
}

void http_body_start(struct http_state *st, struct http_tx *tx, int dir)
{
	struct http_msg *m = dir ? &tx->res : &tx->req;
	const struct http_hdr *ce = http_hdr_find(m, HTTP_H_CONTENT_ENCODING);
	struct http_body *b = &tx->body[dir];
	uint8_t codings[HTTP_CODINGS_MAX];
	unsigned n;

	if (!ce || b->dec)
		return;
	n = parse_codings(st, dir, http_hdr_value(m, ce), ce->value_len, codings);
	if (!n || !(b->dec = decoder_new(st)))
		return;
	b->dec->n = (uint8_t)n;
	for (unsigned i = 0; i < n; i++)
		b->dec->l[i].kind = codings[i];
}

/* ------------------------------------------------------------- output */

/* A multipart request body, within the tracked size: past it, the files
 * are truncated and their events written now, as Suricata does. */
static void emit_multipart(struct http_state *st, struct http_tx *tx, const uint8_t *p,
			   uint32_t n)
{
	struct http_mp *mp = tx->mp;

	if (mp->at_limit) {
		if (mp->at_limit == 1) {
			mp->at_limit = 2;
			http_mp_end(st, tx, 0);
			http_log_file(st, tx, 0);
		}
		return;
	}
	if (mp->fed + n > http_track_max(st)) {
		n = (uint32_t)(http_track_max(st) - mp->fed);
		mp->at_limit = 1;
	}
	mp->fed += n;
	http_mp_data(st, tx, p, n);
}

/* Final decoded bytes: kept for detection, and given to the file. */
static void emit(struct http_state *st, struct http_tx *tx, int dir, const uint8_t *p,
		 uint32_t n)
{
	struct http_body *b = &tx->body[dir];
	uint32_t kept, keep_max = http_keep_max(st);

	if (!n)
		return;
	/* The body's size is known: keep is sized once instead of doubling
	 * (and copying) its way there. */
	if (!b->keep.cap && !b->dec && b->expect > n) {
		uint64_t want = b->expect < keep_max ? b->expect : keep_max;
		http_buf_reserve(st, &b->keep, (uint32_t)want, keep_max);
	}
	kept = b->keep.len < keep_max ? http_buf_add(st, &b->keep, p, n, keep_max) : 0;
	if (dir == 0 && tx->mp) {
		emit_multipart(st, tx, p, n);
		return;
	}
	if (dir == 0 && !http_req_body_is_file(tx))
		return;
	if (b->file.at_limit && !b->file.closed) {
		/* More than the tracked size: the file is truncated, and its
		 * event written now, as Suricata does. */
		http_file_close(st, &b->file, 0);
		http_log_file(st, tx, dir);
		return;
	}
	if (b->file.size + n > http_track_max(st)) {
		n = (uint32_t)(http_track_max(st) - b->file.size);
		b->file.at_limit = 1;
	}
	http_file_body_data(st, &b->file, &b->keep, p, n, kept);
}

/* Whether decoded bytes of body dir are still used: kept for detection,
 * tracked as a file (until it is closed at its limit), or parsed as
 * multipart parts (until their limit). */
static int output_used(const struct http_state *st, const struct http_tx *tx, int dir)
{
	const struct http_body *b = &tx->body[dir];

	if (b->keep.len < http_keep_max(st))
		return 1;
	if (dir == 0 && tx->mp)
		return tx->mp->at_limit != 2;
	if (dir == 0 && !http_req_body_is_file(tx))
		return 0;
	return !b->file.closed;
}

/* Decoded output: within the limits, emitted; past them, decoding stops.
 * HTTP_DECODE_MAX is a plain limit (more is not needed: detection keeps
 * HTTP_BODY_KEEP bytes, files HTTP_FILE_TRACK_MAX); output growing more
 * than HTTP_RATIO_MAX times the encoded bytes consumed is a compression
 * bomb. */
static void decoded(struct http_state *st, struct http_tx *tx, int dir, const uint8_t *p,
		    uint32_t n)
{
	struct http_body *b = &tx->body[dir];
	const struct zlayer *L0 = &b->dec->l[0];
	uint64_t room = HTTP_DECODE_MAX - b->dec_out, in = b->dec_in;
	int stop = 0, bomb = 0;

	if (L0->init && in > L0->zs.avail_in)
		in -= L0->zs.avail_in;   /* what layer 0 has consumed so far */
	if (n > room) {
		n = (uint32_t)room;
		stop = 1;
	}
	b->dec_out += n;
	if (b->dec_out > HTTP_RATIO_FREE && b->dec_out > (uint64_t)HTTP_RATIO_MAX * in)
		stop = bomb = 1;
	emit(st, tx, dir, p, n);
	/* Past every use of the output, decoding more only burns time (a
	 * highly compressible body would be inflated to HTTP_DECODE_MAX for
	 * nothing): it stops once the ratio check cannot fire any more either
	 * (HTTP_RATIO_MAX times the bytes consumed reaches HTTP_DECODE_MAX). */
	if ((uint64_t)HTTP_RATIO_MAX * in >= HTTP_DECODE_MAX && !output_used(st, tx, dir))
		stop = 1;
	if (stop)
		b->dec_stopped = 1;
	if (bomb)
		http_event(st, dir, "COMPRESSION_BOMB");
}

static void feed(struct http_state *st, struct http_tx *tx, int dir, unsigned layer,
		 const uint8_t *in, uint32_t n);

/* The format comes from the first two bytes, whatever the label says
 * (libhtp retries a failing layer with the other format): gzip (its header
 * read by gz_header, then raw deflate), zlib, or raw deflate. */
static int layer_init(struct http_decoder *dec, struct zlayer *L)
{
	int gzip = L->hdr[0] == 0x1f && L->hdr[1] == 0x8b;
	int zlib = (L->hdr[0] & 0x0f) == 8 && (L->hdr[0] >> 4) <= 7 &&
		   ((L->hdr[0] << 8) | L->hdr[1]) % 31 == 0;
	int bits = zlib && !gzip ? 15 : -15;

	/* A state kept from an earlier body is reset, not made anew. */
	if (L->alive) {
		if (inflateReset2(&L->zs, bits) != Z_OK)
			return -1;
	} else {
		memset(&L->zs, 0, sizeof L->zs);
		L->zs.zalloc = z_alloc;
		L->zs.zfree = z_free;
		L->zs.opaque = dec;
		if (inflateInit2(&L->zs, bits) != Z_OK)
			return -1;
		L->alive = 1;
	}
	L->init = 1;
	L->gz = gzip ? GZ_FIXED : GZ_DONE;
	L->gz_need = 8;   /* CM FLG MTIME(4) XFL OS after the magic */
	return 0;
}

/* Reads gzip header bytes; returns how many were used (the header is done
 * when L->gz == GZ_DONE), or -1 for a compression method other than
 * deflate. Reserved flag bits are ignored. */
static int64_t gzip_header(struct zlayer *L, const uint8_t *p, uint32_t n)
{
	uint32_t i = 0, k;

	while (i < n && L->gz != GZ_DONE) {
		switch (L->gz) {
		case GZ_FIXED:   /* CM FLG MTIME(4) XFL OS */
			if (L->gz_need == 8 && p[i] != 8)
				return -1;
			if (L->gz_need == 7)
				L->gz_flags = p[i];
			i++;
			if (--L->gz_need == 0) {
				L->gz = GZ_XLEN;
				L->gz_need = 2;
			}
			break;
		case GZ_XLEN:    /* FEXTRA: 2-byte length, little-endian */
			if (!(L->gz_flags & 4)) {
				L->gz = GZ_NAME;
				break;
			}
			L->gz_xlen = (uint16_t)(L->gz_xlen | p[i++] << (L->gz_need == 2 ? 0 : 8));
			if (--L->gz_need == 0)
				L->gz = GZ_EXTRA;
			break;
		case GZ_EXTRA:
			k = n - i < L->gz_xlen ? n - i : L->gz_xlen;
			i += k;
			L->gz_xlen = (uint16_t)(L->gz_xlen - k);
			if (!L->gz_xlen)
				L->gz = GZ_NAME;
			break;
		case GZ_NAME:    /* FNAME, zero-terminated */
			if (!(L->gz_flags & 8) || p[i++] == 0)
				L->gz = GZ_COMMENT;
			break;
		case GZ_COMMENT: /* FCOMMENT, zero-terminated */
			if (!(L->gz_flags & 16) || p[i++] == 0) {
				L->gz = GZ_HCRC;
				L->gz_need = 2;
			}
			break;
		case GZ_HCRC:    /* FHCRC: 2 bytes */
			if (!(L->gz_flags & 2) || (i++, --L->gz_need == 0))
				L->gz = GZ_DONE;
			break;
		}
	}
	return i;
}

/* Decoding failed: this layer passes its input through from now on,
 * starting with all of the current call's (as libhtp does). */
static void fail_layer(struct http_state *st, struct http_tx *tx, int dir, unsigned layer,
		       const uint8_t *pre, uint32_t pre_n, const uint8_t *in, uint32_t n)
{
	struct zlayer *L = &tx->body[dir].dec->l[layer];

	http_event(st, dir, "GZIP_DECOMPRESSION_FAILED");
	if (L->alive)
		inflateEnd(&L->zs);
	L->alive = 0;
	L->init = 0;
	L->pass = 1;
	feed(st, tx, dir, layer + 1, pre, pre_n);
	feed(st, tx, dir, layer + 1, in, n);
}

/* Inflates in[0..n); output to the next layer. Returns 0, or -1 when
 * decoding failed (nothing else done). */
static int inflate_some(struct http_state *st, struct http_tx *tx, int dir, unsigned layer,
			const uint8_t *in, uint32_t n)
{
	struct http_body *b = &tx->body[dir];
	struct zlayer *L = &b->dec->l[layer];
	uint8_t out[16384];
	int rc;

	L->zs.next_in = (Bytef *)(uintptr_t)in;
	L->zs.avail_in = n;
	do {
		uint32_t produced;
		L->zs.next_out = out;
		L->zs.avail_out = sizeof out;
		rc = inflate(&L->zs, Z_NO_FLUSH);
		produced = (uint32_t)(sizeof out - L->zs.avail_out);
		if (produced)
			feed(st, tx, dir, layer + 1, out, produced);
		L->produced |= produced > 0;
		if (rc == Z_STREAM_END) {
			L->end = 1;   /* the trailer and anything after are ignored */
			return 0;
		}
		if (rc == Z_BUF_ERROR)
			return 0;
		if (rc != Z_OK)
			return -1;
	} while (!b->dec_stopped && (L->zs.avail_in > 0 || L->zs.avail_out == 0));
	return 0;
}

#ifdef KN_HAVE_LZMA
/* The lzma stream of layer L, once its LZMA_HDR header bytes are in
 * L->lzhdr: 0, or -1 (not an lzma header, out of memory). The header's
 * dictionary size is lowered to HTTP_DECODE_MAX: no more than that many
 * bytes are ever decoded, so no match can reach further back, and a
 * sender naming a 4 GiB dictionary makes us allocate 1 MiB, not 4 GiB. */
static int lzma_start(struct http_decoder *dec, struct zlayer *L)
{
	uint32_t dict = (uint32_t)L->lzhdr[1] | (uint32_t)L->lzhdr[2] << 8 |
			(uint32_t)L->lzhdr[3] << 16 | (uint32_t)L->lzhdr[4] << 24;
	lzma_stream *z;

	if (L->lzhdr[0] >= 9 * 5 * 5)
		return -1;   /* lc/lp/pb out of range: not LZMA */
	for (unsigned i = 0; dict > HTTP_DECODE_MAX && i < 4; i++)
		L->lzhdr[1 + i] = (uint8_t)(HTTP_DECODE_MAX >> (8 * i));
	z = z_alloc(dec, 1, sizeof *z);
	if (!z)
		return -1;
	memset(z, 0, sizeof *z);
	dec->lza.alloc = lz_alloc;
	dec->lza.free = z_free;
	dec->lza.opaque = dec;
	z->allocator = &dec->lza;
	/* memlimit: the dictionary plus liblzma's own state (~30 KiB) */
	if (lzma_alone_decoder(z, HTTP_DECODE_MAX + (1u << 20)) != LZMA_OK) {
		lzma_end(z);
		z_free(dec, z);
		return -1;
	}
	L->lz = z;
	return 0;
}

/* Decodes in[0..n) with layer's lzma stream; output to the next layer.
 * Returns 0, or -1 when decoding failed. */
static int lzma_some(struct http_state *st, struct http_tx *tx, int dir, unsigned layer,
		     const uint8_t *in, uint32_t n)
{
	struct http_body *b = &tx->body[dir];
	struct zlayer *L = &b->dec->l[layer];
	lzma_stream *z = L->lz;
	uint8_t out[16384];

	z->next_in = in;
	z->avail_in = n;
	do {
		size_t produced;
		lzma_ret rc;
		z->next_out = out;
		z->avail_out = sizeof out;
		rc = lzma_code(z, LZMA_RUN);
		produced = sizeof out - z->avail_out;
		if (produced)
			feed(st, tx, dir, layer + 1, out, (uint32_t)produced);
		L->produced |= produced > 0;
		if (rc == LZMA_STREAM_END) {
			L->end = 1;
			return 0;
		}
		if (rc == LZMA_BUF_ERROR)
			return 0;
		if (rc != LZMA_OK)
			return -1;
	} while (!b->dec_stopped && (z->avail_in > 0 || z->avail_out == 0));
	return 0;
}
#endif

static void fail_layer(struct http_state *st, struct http_tx *tx, int dir, unsigned layer,
		       const uint8_t *pre, uint32_t pre_n, const uint8_t *in, uint32_t n);

/* An lzma layer (.lzma "alone" format, as libhtp decodes Content-Encoding:
 * lzma): its header is collected first, then decoded; a header or stream
 * that does not decode passes through as it is, as gzip's does. */
static void lzma_feed(struct http_state *st, struct http_tx *tx, int dir, unsigned layer,
		      const uint8_t *in, uint32_t n)
{
#ifdef KN_HAVE_LZMA
	struct zlayer *L = &tx->body[dir].dec->l[layer];

	if (!L->lz) {
		uint32_t take = LZMA_HDR - L->nlz < n ? LZMA_HDR - L->nlz : n;
		memcpy(L->lzhdr + L->nlz, in, take);
		L->nlz = (uint8_t)(L->nlz + take);
		in += take;
		n -= take;
		if (L->nlz < LZMA_HDR)
			return;
		if (lzma_start(tx->body[dir].dec, L) != 0 ||
		    lzma_some(st, tx, dir, layer, L->lzhdr, LZMA_HDR) != 0) {
			fail_layer(st, tx, dir, layer, L->lzhdr, LZMA_HDR, in, n);
			return;
		}
		if (L->end || tx->body[dir].dec_stopped || !n)
			return;
	}
	if (lzma_some(st, tx, dir, layer, in, n) != 0)
		fail_layer(st, tx, dir, layer, L->produced ? NULL : L->lzhdr,
			   L->produced ? 0 : LZMA_HDR, in, n);
#else
	feed(st, tx, dir, layer + 1, in, n);   /* never chosen without liblzma */
#endif
}

static void feed(struct http_state *st, struct http_tx *tx, int dir, unsigned layer,
		 const uint8_t *in, uint32_t n)
{
	struct http_body *b = &tx->body[dir];
	struct http_decoder *dec = b->dec;
	struct zlayer *L;

	if (b->dec_stopped || !n)
		return;
	if (layer >= dec->n) {
		decoded(st, tx, dir, in, n);
		return;
	}
	L = &dec->l[layer];
	if (L->end)
		return;
	if (L->pass) {
		feed(st, tx, dir, layer + 1, in, n);
		return;
	}
	if (L->kind == CODING_LZMA) {
		lzma_feed(st, tx, dir, layer, in, n);
		return;
	}
	if (!L->init) {
		while (L->nhdr < 2 && n) {
			L->hdr[L->nhdr++] = *in++;
			n--;
		}
		if (L->nhdr < 2)
			return;
		if (layer_init(dec, L) != 0 ||
		    (L->gz == GZ_DONE && inflate_some(st, tx, dir, layer, L->hdr, 2) != 0)) {
			fail_layer(st, tx, dir, layer, L->hdr, 2, in, n);
			return;
		}
		if (L->end || b->dec_stopped)
			return;
	}
	if (L->gz != GZ_DONE) {
		int64_t used = gzip_header(L, in, n);
		if (used < 0) {
			fail_layer(st, tx, dir, layer, L->hdr, 2, in, n);
			return;
		}
		in += used;
		n -= (uint32_t)used;
		if (!n)
			return;
	}
	if (inflate_some(st, tx, dir, layer, in, n) != 0) {
		/* Nothing came out yet: the first bytes pass through too. */
		fail_layer(st, tx, dir, layer, L->produced ? NULL : L->hdr,
			   L->produced ? 0 : 2, in, n);
	}
}

/* -------------------------------------------------------------- body */

void http_body_data(struct http_state *st, struct http_tx *tx, int dir, const uint8_t *data,
		    uint32_t len)
{
	struct http_body *b = &tx->body[dir];

	b->wire_len += len;
	if (b->ended || !len)
		return;
	if (!b->dec) {
		emit(st, tx, dir, data, len);
		return;
	}
	if (b->dec_stopped)
		return;
	b->dec_in += len;
	b->dec->st = st;
	feed(st, tx, dir, 0, data, len);
}

void http_body_gap(struct http_state *st, struct http_tx *tx, int dir, uint64_t len)
{
	struct http_body *b = &tx->body[dir];

	b->wire_len += len;
	if (b->ended)
		return;
	if (b->dec)
		b->dec_stopped = 1;   /* the compressed stream is broken */
	if (dir == 1 || http_req_body_is_file(tx))
		http_file_gap(st, &b->file, b->dec ? 0 : len);
}

void http_body_end(struct http_state *st, struct http_tx *tx, int dir, int complete)
{
	struct http_body *b = &tx->body[dir];

	if (b->ended)
		return;
	b->ended = 1;
	if (b->dec && !b->dec_stopped) {
		/* A layer still waiting for its first two bytes lets the one
		 * it has through. */
		for (unsigned i = 0; i < b->dec->n; i++) {
			struct zlayer *L = &b->dec->l[i];
			if (!L->init && !L->pass && L->nhdr) {
				L->pass = 1;
				feed(st, tx, dir, i + 1, L->hdr, L->nhdr);
			} else if (L->kind == CODING_LZMA && !L->lz && !L->pass && L->nlz) {
				L->pass = 1;   /* a body shorter than an lzma header */
				feed(st, tx, dir, i + 1, L->lzhdr, L->nlz);
			}
		}
	}
	if (dir == 0 && tx->mp)
		http_mp_end(st, tx, complete && !b->dec_stopped);
	http_file_close(st, &b->file, complete && !b->dec_stopped);
	decoder_free(st, b->dec);
	b->dec = NULL;
}

void http_body_free(struct http_state *st, struct http_body *b)
{
	http_buf_free(st, &b->keep);
	http_file_free(st, &b->file);
	decoder_free(st, b->dec);
	b->dec = NULL;
}
