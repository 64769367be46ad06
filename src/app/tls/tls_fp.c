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
 * Digests use OpenSSL's EVP interface.
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

	tls_md5_hex(buf, len, hash);
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

/* Sorts the values ascending. The lists of real hellos are short (a few
 * dozen values): an insertion sort does them in a fraction of qsort's
 * cost (no call per comparison); long (hostile) lists still go to qsort. */
static void sort_u16(uint16_t *v, uint32_t n)
{
	if (n > 64) {
		qsort(v, n, sizeof *v, cmp_u16);
		return;
	}
	for (uint32_t i = 1; i < n; i++) {
		uint16_t x = v[i];
		uint32_t j = i;
		for (; j > 0 && v[j - 1] > x; j--)
			v[j] = v[j - 1];
		v[j] = x;
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

/* Hashes "xxxx,xxxx,..." of v[0..n) (and "_" + the sigalgs when given)
 * into 12 hex digits; "000000000000" for an empty list. */
static void ja4_hash12(const uint16_t *v, uint32_t n, const uint8_t *sig, uint32_t sig_len,
		       char out[13])
{
	struct ja4_text t;
	unsigned char d[EVP_MAX_MD_SIZE];
	unsigned int dn = 0;
	int first = 1;

	memcpy(out, "000000000000", 13);
	if (n == 0 || !(t.ctx = EVP_MD_CTX_new()))
		return;
	t.len = 0;
	EVP_DigestInit_ex(t.ctx, kn_md(KN_SHA256), NULL);
	for (uint32_t i = 0; i < n; i++)
		ja4_item(&t, i ? ',' : '\0', v[i]);
	for (uint32_t i = 0; sig && i + 1 < sig_len; i += 2) {
		if (tls_grease(be16(sig + i)))
			continue;
		ja4_item(&t, first ? '_' : ',', be16(sig + i));
		first = 0;
	}
	EVP_DigestUpdate(t.ctx, t.buf, t.len);
	if (EVP_DigestFinal_ex(t.ctx, d, &dn) == 1 && dn >= 6)
		to_hex(d, 6, out);
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
	ja4_hash12(v, n, NULL, 0, b);
	n = collect(h->exts, h->exts_len, 1, v, &n_exts);
	sort_u16(v, n);
	ja4_hash12(v, n, h->sigalgs, h->sigalgs_len, c);
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
