/*
 * tls_cache.c - the per-worker cache of decoded certificates. A server
 * presents the same certificate on every connection, and decoding one with
 * OpenSSL 3 costs ~200 us (d2i_X509 builds a public-key decoder each time,
 * X509_verify for a self-signed one), far more than the rest of a
 * handshake. So what tls_cert.c draws from a leaf (the text of subject,
 * issuer and serial, the fingerprint, the dates, the self-signature, or
 * that OpenSSL rejected it) is kept under the SHA-256 of its DER and copied
 * out the next time the same bytes are seen.
 *
 * The key is SHA-256, not the SHA-1 the fingerprint already needs: SHA-1
 * collisions can be made, and a certificate colliding with one seen before
 * would be logged with the other's subject.
 *
 * Bounds and policy: at most TLS_CACHE_ENTRIES entries and `budget` bytes
 * (TLS_CACHE_BYTES, or 1/16 of the app memcap when smaller); each entry is
 * one allocation (facts and strings) charged to the app memcap as
 * per-context memory and credited when evicted. An entry larger than
 * TLS_CACHE_ENTRY_MAX, or one the memcap refuses, is not kept (the
 * certificate is decoded every time, as without a cache). Eviction is a
 * clock (second chance): a hit sets the entry's reference bit; the hand
 * skips and clears set bits and evicts the first entry without one.
 *
 * The same per-context state holds the OpenSSL library context in which
 * tls_cert.c decodes certificates without their public key (a "null"
 * provider only; see decode_der() there), made with the cache.
 *
 * App stage: the TLS parser's per-context state (kn_app_parser.ctx_size),
 * used by tls_cert.c; one per worker, so no locking.
 */
#include "app/tls/tls.h"

#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/provider.h>
#include <string.h>

#include "util/alloc.h"
#include "util/digest.h"

struct tls_cached_cert {
	uint8_t key[32];           /* SHA-256 of the DER */
	uint16_t next;             /* slot + 1 of the next entry of the bucket, 0 = end */
	uint8_t referenced;        /* hit since the hand last passed */
	uint8_t parsed, has_dates, self_signed;
	uint8_t has_subject, has_issuer, has_serial;
	uint32_t size;             /* bytes charged: this struct and text */
	uint32_t subject_len, issuer_len, serial_len;
	int64_t not_before_s, not_after_s;
	char fingerprint[60];
	char not_before[32], not_after[32];
	char text[];               /* subject, issuer, serial; each NUL-terminated */
};

/* A digest context set up for `which`, reused by tls_fp.c; NULL when out
 * of memory. */
static EVP_MD_CTX *digest_ctx(enum kn_digest which)
{
	EVP_MD_CTX *ctx = EVP_MD_CTX_new();

	if (ctx && EVP_DigestInit_ex2(ctx, kn_md(which), NULL) != 1) {
		EVP_MD_CTX_free(ctx);
		return NULL;
	}
	return ctx;
}

int tls_cache_init(void *pctx, const struct kn_app_config *cfg)
{
	struct tls_cache *tc = pctx;

	tc->budget = TLS_CACHE_BYTES;
	if (cfg && cfg->memcap / 16 < tc->budget)
		tc->budget = (size_t)(cfg->memcap / 16);
	/* Loading a provider explicitly keeps OpenSSL from loading the
	 * default one into this context on first use. */
	tc->keyless = OSSL_LIB_CTX_new();
	tc->keyless_null = tc->keyless ? OSSL_PROVIDER_load(tc->keyless, "null") : NULL;
	if (!tc->keyless_null) {
		OSSL_LIB_CTX_free(tc->keyless);
		tc->keyless = NULL;
	}
	tc->md5 = digest_ctx(KN_MD5);
	tc->sha256 = digest_ctx(KN_SHA256);
	return 0;
}

void tls_cache_free(void *pctx)
{
	struct tls_cache *tc = pctx;

	if (tc->keyless_null)
		OSSL_PROVIDER_unload(tc->keyless_null);
	OSSL_LIB_CTX_free(tc->keyless);
	tc->keyless = NULL;
	tc->keyless_null = NULL;
	EVP_MD_CTX_free(tc->md5);
	EVP_MD_CTX_free(tc->sha256);
	tc->md5 = tc->sha256 = NULL;

	for (uint32_t i = 0; i < TLS_CACHE_ENTRIES; i++) {
		kn_free(tc->slot[i]);
		tc->slot[i] = NULL;
	}
	tc->count = 0;
	tc->bytes = 0;
}

static uint32_t bucket_of(const uint8_t key[32])
{
	/* The key is a cryptographic hash: its first bytes are uniform. */
	return ((uint32_t)key[0] << 8 | key[1]) & (TLS_CACHE_BUCKETS - 1);
}

const struct tls_cached_cert *tls_cache_get(struct tls_cache *tc, const uint8_t key[32])
{
	for (uint16_t s = tc->bucket[bucket_of(key)]; s; s = tc->slot[s - 1]->next) {
		struct tls_cached_cert *e = tc->slot[s - 1];
		if (memcmp(e->key, key, sizeof e->key) == 0) {
			e->referenced = 1;
			tc->hits++;
			return e;
		}
	}
	tc->misses++;
	return NULL;
}

/* Unlinks and frees the entry in slot i. */
static void evict(struct tls_cache *tc, struct kn_app_call *call, uint32_t i)
{
	struct tls_cached_cert *e = tc->slot[i];
	uint16_t *link = &tc->bucket[bucket_of(e->key)];

	while (*link != i + 1)
		link = &tc->slot[*link - 1]->next;
	*link = e->next;
	tc->slot[i] = NULL;
	tc->count--;
	tc->bytes -= e->size;
	tc->evictions++;
	if (call)
		kn_app_ctx_mem_credit(call, e->size);
	kn_free(e);
}

/* The clock: the first entry from the hand on without its reference bit
 * (bits on the way are cleared; two turns at most). Needs count > 0. */
static uint32_t victim(struct tls_cache *tc)
{
	for (;;) {
		uint32_t i = tc->hand;
		struct tls_cached_cert *e = tc->slot[i];
		tc->hand = (i + 1) % TLS_CACHE_ENTRIES;
		if (!e)
			continue;
		if (!e->referenced)
			return i;
		e->referenced = 0;
	}
}

/* Room for `size` more bytes and one more entry; returns a free slot. */
static uint32_t make_room(struct tls_cache *tc, struct kn_app_call *call, size_t size)
{
	uint32_t i = TLS_CACHE_ENTRIES;

	while (tc->count && (tc->count == TLS_CACHE_ENTRIES || tc->bytes + size > tc->budget)) {
		i = victim(tc);
		evict(tc, call, i);
	}
	if (i < TLS_CACHE_ENTRIES)
		return i;
	for (i = tc->hand; tc->slot[i]; i = (i + 1) % TLS_CACHE_ENTRIES)
		;
	return i;
}

static char *put_text(char *dst, const struct tls_str *s, uint8_t *has, uint32_t *len)
{
	*has = s->p != NULL;
	*len = s->p ? s->len : 0;
	if (s->p)
		memcpy(dst, s->p, s->len);
	dst[*len] = '\0';
	return dst + *len + 1;
}

void tls_cache_put(struct tls_cache *tc, struct kn_app_call *call, const uint8_t key[32],
		   const struct tls_cert *c)
{
	size_t text = (size_t)c->subject.len + c->issuer.len + c->serial.len + 3;
	size_t size = sizeof(struct tls_cached_cert) + text;
	struct tls_cached_cert *e;
	uint32_t i;
	char *t;

	if (size > TLS_CACHE_ENTRY_MAX || size > tc->budget) {
		tc->refused++;
		return;
	}
	for (uint16_t s = tc->bucket[bucket_of(key)]; s; s = tc->slot[s - 1]->next)
		if (memcmp(tc->slot[s - 1]->key, key, 32) == 0)
			return;
	i = make_room(tc, call, size);
	if (call && kn_app_ctx_mem_charge(call, size) != 0) {
		tc->refused++;
		return;
	}
	e = kn_malloc(size);
	if (!e) {
		if (call)
			kn_app_ctx_mem_credit(call, size);
		tc->refused++;
		return;
	}
	memset(e, 0, sizeof *e);
	memcpy(e->key, key, sizeof e->key);
	e->size = (uint32_t)size;
	e->parsed = c->parsed;
	e->has_dates = c->has_dates;
	e->self_signed = c->self_signed;
	e->not_before_s = c->not_before_s;
	e->not_after_s = c->not_after_s;
	memcpy(e->fingerprint, c->fingerprint, sizeof e->fingerprint);
	memcpy(e->not_before, c->not_before, sizeof e->not_before);
	memcpy(e->not_after, c->not_after, sizeof e->not_after);
	t = put_text(e->text, &c->subject, &e->has_subject, &e->subject_len);
	t = put_text(t, &c->issuer, &e->has_issuer, &e->issuer_len);
	put_text(t, &c->serial, &e->has_serial, &e->serial_len);
	e->next = tc->bucket[bucket_of(key)];
	tc->bucket[bucket_of(key)] = (uint16_t)(i + 1);
	tc->slot[i] = e;
	tc->count++;
	tc->bytes += size;
}

int tls_cache_apply(struct tls_state *st, struct tls_cert *c, const struct tls_cached_cert *e)
{
	const char *issuer = e->text + e->subject_len + 1;
	const char *serial = issuer + e->issuer_len + 1;

	c->parsed = e->parsed;
	if (!e->parsed)
		return 0;
	if (e->has_subject)
		tls_str_set(st, &c->subject, e->text, e->subject_len);
	if (e->has_issuer)
		tls_str_set(st, &c->issuer, issuer, e->issuer_len);
	if (e->has_serial)
		tls_str_set(st, &c->serial, serial, e->serial_len);
	memcpy(c->fingerprint, e->fingerprint, sizeof c->fingerprint);
	memcpy(c->not_before, e->not_before, sizeof c->not_before);
	memcpy(c->not_after, e->not_after, sizeof c->not_after);
	c->has_dates = e->has_dates;
	c->not_before_s = e->not_before_s;
	c->not_after_s = e->not_after_s;
	c->self_signed = e->self_signed;
	return 1;
}
