/*
 * tls_fp.c - TLS fingerprints: JA3 and JA3S (salesforce/ja3) and JA4, the
 * TLS client fingerprint of FoxIO's JA4 technical details. No other JA4+
 * method is implemented here.
 *
 * App stage, called by tls_hello.c with views into a decoded hello.
 *   JA3  = MD5("Version,Ciphers,Extensions,Groups,PointFormats"), decimal
 *          values joined by '-', GREASE (RFC 8701) values left out.
 *   JA3S = MD5("Version,Cipher,Extensions") of the ServerHello.
 *   JA4  = a_b_c: a = "t" + version + d/i (SNI) + 2-digit cipher and
 *          extension counts + first/last character of the first ALPN
 *          value; b = SHA-256 of the sorted cipher list (4-hex, comma),
 *          truncated to 12 hex; c = the same of the sorted extensions
 *          without SNI and ALPN, then "_" and the signature algorithms in
 *          wire order. GREASE is ignored everywhere; an empty list hashes
 *          to "000000000000".
 * Digests use OpenSSL's EVP interface, with the worker's reused contexts;
 * the digests of the texts (JA3/JA3S strings, JA4 lists) come from the
 * worker's memo when the same text was hashed before (clients repeat
 * their hellos), each text compared whole.
 */
#include "util/digest.h"
#include "app/tls/tls.h"

#include <openssl/evp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "util/json.h"

static const char hex_digits[] = "0123456789abcdef";

static void to_hex(const unsigned char *d, size_t n, char *out)
{
	for (size_t i = 0; i < n; i++) {
		out[2 * i] = hex_digits[d[i] >> 4];
		out[2 * i + 1] = hex_digits[d[i] & 15];
	}
	out[2 * n] = '\0';
}

static void digest_hex(const EVP_MD *md, const void *data, size_t len, char *out)
{
	unsigned char d[EVP_MAX_MD_SIZE];
	unsigned int n = 0;

	if (EVP_Digest(data, len, d, &n, md, NULL) != 1)
		n = 0;
	to_hex(d, n, out);
}

void tls_md5_hex(const void *data, size_t len, char out[33])
{
	digest_hex(kn_md(KN_MD5), data, len, out);
}

void tls_sha256_hex(const void *data, size_t len, char out[65])
{
	digest_hex(kn_md(KN_SHA256), data, len, out);
}

static uint16_t be16(const uint8_t *p)
{
	return (uint16_t)(p[0] << 8 | p[1]);
}

/* ------------------------------------------------------------- memo */

static struct tls_cache *cache_of(const struct tls_state *st)
{
	return st->call ? kn_app_parser_ctx(st->call) : NULL;
}

/* The worker's reused digest context (see struct tls_cache), or NULL. */
static EVP_MD_CTX *reused_ctx(const struct tls_state *st, enum kn_digest which)
{
	const struct tls_cache *tc = cache_of(st);

	if (!tc)
		return NULL;
	return which == KN_MD5 ? tc->md5 : tc->sha256;
}

/* The digest of data into d (MD5 or SHA-256); its length in bytes, 0 on
 * failure. */
static unsigned digest(const struct tls_state *st, enum kn_digest which, const void *data,
		       size_t len, uint8_t d[EVP_MAX_MD_SIZE])
{
	EVP_MD_CTX *ctx = reused_ctx(st, which);
	unsigned n = 0;

	if (ctx) {
		/* (a NULL type restarts the algorithm the context holds) */
		if (EVP_DigestInit_ex2(ctx, NULL, NULL) != 1 ||
		    EVP_DigestUpdate(ctx, data, len) != 1 || EVP_DigestFinal_ex(ctx, d, &n) != 1)
			return 0;
		return n;
	}
	return EVP_Digest(data, len, d, &n, kn_md(which), NULL) == 1 ? n : 0;
}

/* A slot of the memo for a text (the hash only spreads texts over slots:
 * a slot's text is compared whole before its digest is used). Eight bytes
 * at a time, multiplied and folded. */
static uint32_t memo_slot(const char *s, size_t n, enum kn_digest which)
{
	uint64_t h = 0x9e3779b97f4a7c15ull ^ n ^ (uint64_t)which << 48;
	size_t i = 0;

	for (; i + 8 <= n; i += 8) {
		uint64_t w;
		memcpy(&w, s + i, 8);
		h = (h ^ w) * 0xff51afd7ed558ccdull;
		h ^= h >> 32;
	}
	for (; i < n; i++)
		h = (h ^ (uint8_t)s[i]) * 0x100000001b3ull;
	h ^= h >> 29;
	return (uint32_t)(h % TLS_MEMO_SLOTS);
}

/* The memo's slot holding this very text, or NULL. */
static const struct tls_memo_slot *memo_find(const struct tls_memo *mo, uint32_t i,
					     enum kn_digest which, const char *text, size_t n,
					     unsigned digits)
{
	const struct tls_memo_slot *e = &mo->slot[i];

	if (e->len != n || e->which != which || e->digits != digits ||
	    mo->head - e->pos > TLS_MEMO_ARENA)   /* (overwritten since) */
		return NULL;
	return memcmp(mo->arena + e->pos % TLS_MEMO_ARENA, text, n) == 0 ? e : NULL;
}

/* Keeps a text and its digest in slot i: the text is appended to the ring
 * (at its start again when it would not fit before the end). */
static void memo_keep(struct tls_memo *mo, uint32_t i, enum kn_digest which, const char *text,
		      size_t n, const char *hex, unsigned digits)
{
	struct tls_memo_slot *e = &mo->slot[i];
	uint64_t at = mo->head % TLS_MEMO_ARENA;

	if (at + n > TLS_MEMO_ARENA)
		mo->head += TLS_MEMO_ARENA - at;
	e->pos = mo->head;
	e->len = (uint16_t)n;
	e->which = (uint8_t)which;
	e->digits = (uint8_t)digits;
	memcpy(e->hex, hex, digits + 1);
	memcpy(mo->arena + mo->head % TLS_MEMO_ARENA, text, n);
	mo->head += n;
}

/* The first `digits` hex digits (even, at most 32 and the digest's) of the
 * digest of text[0..n) into out, NUL-terminated: from the worker's memo
 * when the same text was hashed there before, else computed (and kept).
 * Returns 0 when the digest failed (out untouched). */
static int digest_hex_memo(const struct tls_state *st, enum kn_digest which, const char *text,
			   size_t n, char *out, unsigned digits)
{
	struct tls_cache *tc = cache_of(st);
	const struct tls_memo_slot *e;
	uint8_t d[EVP_MAX_MD_SIZE];
	uint32_t i = 0;
	int memo = tc && n > 0 && n <= TLS_MEMO_TEXT_MAX;

	if (memo) {
		i = memo_slot(text, n, which);
		if ((e = memo_find(&tc->memo, i, which, text, n, digits)) != NULL) {
			memcpy(out, e->hex, digits + 1);
			return 1;
		}
	}
	if (digest(st, which, text, n, d) * 2 < digits)
		return 0;
	to_hex(d, digits / 2, out);
	if (memo)
		memo_keep(&tc->memo, i, which, text, n, out, digits);
	return 1;
}

/* tls_md5_hex() through the memo ("" when the digest failed). */
static void md5_hex(const struct tls_state *st, const void *data, size_t len, char out[33])
{
	if (!digest_hex_memo(st, KN_MD5, data, len, out, 32))
		out[0] = '\0';
}

/* ------------------------------------------------------------ JA3/JA3S */

/* Appends the non-GREASE 16-bit values of a list, '-' joined. */
static size_t put_list16(char *out, const uint8_t *b, uint32_t n)
{
	size_t len = 0;

	for (uint32_t i = 0; i + 1 < n; i += 2) {
		uint16_t v = be16(b + i);
		if (tls_grease(v))
			continue;
		if (len)
			out[len++] = '-';
		len += kn_u64_to_dec(v, out + len);
	}
	return len;
}

/* Appends the non-GREASE extension types of a well-formed block. */
static size_t put_ext_types(char *out, const uint8_t *b, uint32_t n)
{
	size_t len = 0;

	for (uint32_t off = 0; off + 4 <= n; off += 4u + be16(b + off + 2)) {
		uint16_t t = be16(b + off);
		if (tls_grease(t))
			continue;
		if (len)
			out[len++] = '-';
		len += kn_u64_to_dec(t, out + len);
	}
	return len;
}

/* Stores str (len bytes, in a charged buffer of cap bytes) and its MD5. */
static int keep_string(struct tls_state *st, char *buf, size_t cap, size_t len,
		       struct tls_str *out, char hash[33])
{
	int rc;

	md5_hex(st, buf, len, hash);
	rc = tls_str_set(st, out, buf, len);
	tls_mem_free(st, buf, cap);
	return rc;
}

int tls_ja3(struct tls_state *st, const struct tls_hello_view *h, struct tls_str *out,
	    char hash[33])
{
	/* At most 5 digits and a separator per value. */
	size_t cap = 6u * (h->ciphers_len / 2u + h->exts_len / 4u + h->groups_len / 2u) +
		     4u * h->formats_len + 16u;
	char *buf = tls_mem_alloc(st, cap);
	size_t len;

	if (!buf)
		return -KN_ENOMEM;
	len = kn_u64_to_dec(h->version, buf);
	buf[len++] = ',';
	len += put_list16(buf + len, h->ciphers, h->ciphers_len);
	buf[len++] = ',';
	len += put_ext_types(buf + len, h->exts, h->exts_len);
	buf[len++] = ',';
	len += put_list16(buf + len, h->groups, h->groups_len);
	buf[len++] = ',';
	for (uint32_t i = 0; i < h->formats_len; i++) {
		if (i)
			buf[len++] = '-';
		len += kn_u64_to_dec(h->formats[i], buf + len);
	}
	return keep_string(st, buf, cap, len, out, hash);
}

int tls_ja3s(struct tls_state *st, uint16_t version, uint16_t cipher, const uint8_t *exts,
	     uint32_t exts_len, struct tls_str *out, char hash[33])
{
	size_t cap = 6u * (exts_len / 4u) + 16u;
	char *buf = tls_mem_alloc(st, cap);
	size_t len;

	if (!buf)
		return -KN_ENOMEM;
	len = kn_u64_to_dec(version, buf);
	buf[len++] = ',';
	len += kn_u64_to_dec(cipher, buf + len);
	buf[len++] = ',';
	len += put_ext_types(buf + len, exts, exts_len);
	return keep_string(st, buf, cap, len, out, hash);
}

/* ------------------------------------------------------------------ JA4 */

static const char *ja4_version(const struct tls_hello_view *h)
{
	uint16_t v = h->version, best = 0;

	for (uint32_t i = 0; h->has_versions && i + 1 < h->versions_len; i += 2) {
		uint16_t x = be16(h->versions + i);
		if (!tls_grease(x) && x > best)
			best = x;
	}
	if (best)
		v = best;
	switch (v) {
	case 0x0304: return "13";
	case 0x0303: return "12";
	case 0x0302: return "11";
	case 0x0301: return "10";
	case 0x0300: return "s3";
	case 0x0002:
	case 0x0200: return "s2";
	case 0x0100: return "s1";
	case 0xfeff: return "d1";
	case 0xfefd: return "d2";
	case 0xfefc: return "d3";
	}
	return "00";
}

static int alnum(uint8_t c)
{
	return (c >= '0' && c <= '9') || (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z');
}

/* First and last character of the first ALPN value; when either byte is
 * not alphanumeric, the first and last hex digit of the value instead. */
static void ja4_alpn(const struct tls_hello_view *h, char out[2])
{
	const uint8_t *a = h->alpn;
	uint32_t n = h->alpn_len;

	out[0] = out[1] = '0';
	if (!a || n == 0)
		return;
	if (alnum(a[0]) && alnum(a[n - 1])) {
		out[0] = (char)a[0];
		out[1] = (char)a[n - 1];
	} else {
		out[0] = hex_digits[a[0] >> 4];
		out[1] = hex_digits[a[n - 1] & 15];
	}
}

static int cmp_u16(const void *a, const void *b)
{
	return (int)*(const uint16_t *)a - (int)*(const uint16_t *)b;
}

/* Sorts the values ascending: a Shell sort, insertion sorts over gaps
 * that shrink to 1 (Ciura's sequence), well below quadratic. The lists of
 * real hellos are a few dozen to a hundred values, sorted here without
 * qsort's call per comparison; hostile lists longer than 4096 values (up
 * to 32767) go to qsort. */
static void sort_u16(uint16_t *v, uint32_t n)
{
	static const uint32_t gaps[] = { 1750, 701, 301, 132, 57, 23, 10, 4, 1 };

	if (n > 4096) {
		qsort(v, n, sizeof *v, cmp_u16);
		return;
	}
	for (size_t g = 0; g < sizeof gaps / sizeof gaps[0]; g++) {
		uint32_t gap = gaps[g];
		for (uint32_t i = gap; i < n; i++) {
			uint16_t x = v[i];
			uint32_t j = i;
			for (; j >= gap && v[j - gap] > x; j -= gap)
				v[j] = v[j - gap];
			v[j] = x;
		}
	}
}

/* The text hashed by ja4_hash12, gathered so the digest is fed in a few
 * large pieces rather than five bytes at a time (each EVP_DigestUpdate
 * call costs far more than hashing five bytes). */
struct ja4_text {
	EVP_MD_CTX *ctx;
	size_t len;
	char buf[640];
};

/* Appends sep (when not NUL) and the value as four hex digits. */
static void ja4_item(struct ja4_text *t, char sep, uint16_t v)
{
	if (t->len + 5 > sizeof t->buf) {
		EVP_DigestUpdate(t->ctx, t->buf, t->len);
		t->len = 0;
	}
	if (sep)
		t->buf[t->len++] = sep;
	t->buf[t->len++] = hex_digits[v >> 12];
	t->buf[t->len++] = hex_digits[(v >> 8) & 15];
	t->buf[t->len++] = hex_digits[(v >> 4) & 15];
	t->buf[t->len++] = hex_digits[v & 15];
}

/* Appends "xxxx,xxxx,..." of v[0..n) (and "_" + the non-GREASE sigalgs
 * when given) to t. */
static void ja4_items(struct ja4_text *t, const uint16_t *v, uint32_t n, const uint8_t *sig,
		      uint32_t sig_len)
{
	int first = 1;

	for (uint32_t i = 0; i < n; i++)
		ja4_item(t, i ? ',' : '\0', v[i]);
	for (uint32_t i = 0; sig && i + 1 < sig_len; i += 2) {
		if (tls_grease(be16(sig + i)))
			continue;
		ja4_item(t, first ? '_' : ',', be16(sig + i));
		first = 0;
	}
}

/* Hashes the text of ja4_items() into 12 hex digits; "000000000000" for
 * an empty list. A text that fits the buffer (any real hello's) is hashed
 * through the memo; a longer one is streamed to the digest. */
static void ja4_hash12(const struct tls_state *st, const uint16_t *v, uint32_t n,
		       const uint8_t *sig, uint32_t sig_len, char out[13])
{
	EVP_MD_CTX *reused = reused_ctx(st, KN_SHA256);
	struct ja4_text t;
	unsigned char d[EVP_MAX_MD_SIZE];
	unsigned int dn = 0;

	memcpy(out, "000000000000", 13);
	if (n == 0)
		return;
	t.len = 0;
	if ((size_t)n * 5 + (size_t)sig_len / 2 * 5 <= sizeof t.buf) {
		t.ctx = NULL;   /* (never flushed: it fits) */
		ja4_items(&t, v, n, sig, sig_len);
		digest_hex_memo(st, KN_SHA256, t.buf, t.len, out, 12);
		return;
	}
	t.ctx = reused;
	if (t.ctx) {
		EVP_DigestInit_ex2(t.ctx, NULL, NULL);   /* the algorithm it holds */
	} else {
		if (!(t.ctx = EVP_MD_CTX_new()))
			return;
		EVP_DigestInit_ex(t.ctx, kn_md(KN_SHA256), NULL);
	}
	ja4_items(&t, v, n, sig, sig_len);
	EVP_DigestUpdate(t.ctx, t.buf, t.len);
	if (EVP_DigestFinal_ex(t.ctx, d, &dn) == 1 && dn >= 6)
		to_hex(d, 6, out);
	if (t.ctx != reused)
		EVP_MD_CTX_free(t.ctx);
}

/* Non-GREASE values of a 16-bit list into v (skipping 0 and 16 when
 * `exts`, which walks an extension block instead). Returns the count. */
static uint32_t collect(const uint8_t *b, uint32_t n, int exts, uint16_t *v, uint32_t *all)
{
	uint32_t k = 0;

	*all = 0;
	if (!exts) {
		for (uint32_t i = 0; i + 1 < n; i += 2) {
			uint16_t x = be16(b + i);
			if (!tls_grease(x))
				v[k++] = x, (*all)++;
		}
		return k;
	}
	for (uint32_t off = 0; off + 4 <= n; off += 4u + be16(b + off + 2)) {
		uint16_t t = be16(b + off);
		if (tls_grease(t))
			continue;
		(*all)++;
		if (t != 0x0000 && t != 0x0010)
			v[k++] = t;
	}
	return k;
}

/* A count as two decimal digits, 99 at most. */
static void put_2digits(char *out, uint32_t n)
{
	if (n > 99)
		n = 99;
	out[0] = (char)('0' + n / 10);
	out[1] = (char)('0' + n % 10);
}

int tls_ja4(struct tls_state *st, const struct tls_hello_view *h, char out[40])
{
	uint32_t max = h->ciphers_len / 2u > h->exts_len / 4u ? h->ciphers_len / 2u
							      : h->exts_len / 4u;
	size_t bytes = ((size_t)max + 1) * sizeof(uint16_t);
	uint16_t *v = tls_mem_alloc(st, bytes);
	uint32_t n, n_ciphers, n_exts;
	char alpn[2], b[13], c[13];

	if (!v)
		return -KN_ENOMEM;
	n = collect(h->ciphers, h->ciphers_len, 0, v, &n_ciphers);
	sort_u16(v, n);
	ja4_hash12(st, v, n, NULL, 0, b);
	n = collect(h->exts, h->exts_len, 1, v, &n_exts);
	sort_u16(v, n);
	ja4_hash12(st, v, n, h->sigalgs, h->sigalgs_len, c);
	tls_mem_free(st, v, bytes);
	ja4_alpn(h, alpn);
	/* "t13d1516h2_8daaf6152771_e5627efa2ab1" (36 characters) */
	memcpy(out, "t", 1);
	memcpy(out + 1, ja4_version(h), 2);
	out[3] = h->has_sni ? 'd' : 'i';
	put_2digits(out + 4, n_ciphers);
	put_2digits(out + 6, n_exts);
	out[8] = alpn[0];
	out[9] = alpn[1];
	out[10] = '_';
	memcpy(out + 11, b, 12);
	out[23] = '_';
	memcpy(out + 24, c, 13);   /* with its NUL */
	return 0;
}
