/*
 * digest.h - message digests (MD5, SHA-1, SHA-256) through OpenSSL with
 * the algorithms fetched once per process.
 *
 * Leaf utility. OpenSSL 3 looks an algorithm up by name (locks, string
 * compares) on every EVP_md5()/SHA1() use; on the per-event paths
 * (Community ID, JA3, file hashes) that lookup cost more than the hashing.
 * The fetched algorithm objects are immutable and shared by all threads.
 */
#ifndef KN_UTIL_DIGEST_H
#define KN_UTIL_DIGEST_H

#include <stddef.h>
#include <stdint.h>

#include <openssl/evp.h>

enum kn_digest { KN_MD5 = 0, KN_SHA1, KN_SHA256 };

/* The fetched algorithm (never NULL unless OpenSSL itself is broken; then
 * the legacy EVP_md5()/EVP_sha1()/EVP_sha256() object is returned). */
const EVP_MD *kn_md(enum kn_digest which);

/* Hashes data[0..len) into out (16, 20 or 32 bytes). Returns 0 or -1. */
int kn_digest(enum kn_digest which, const void *data, size_t len, uint8_t *out);

/* Many short hashes on one thread: a context made once for an algorithm
 * and reused by kn_digest_with() skips what each kn_digest() pays again
 * (allocating, setting up and freeing a context: about a third of a SHA-1
 * of 40 bytes). The caller owns it (EVP_MD_CTX_free()); one thread at a
 * time. NULL when out of memory. */
EVP_MD_CTX *kn_digest_ctx_new(enum kn_digest which);
/* kn_digest() with ctx's algorithm. Returns 0 or -1. */
int kn_digest_with(EVP_MD_CTX *ctx, const void *data, size_t len, uint8_t *out);

#endif
