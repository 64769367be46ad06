/*
 * digest.c - message digests with algorithms fetched once (see digest.h).
 */
#include "util/digest.h"

#include <pthread.h>

static pthread_once_t fetch_once = PTHREAD_ONCE_INIT;
/* Written once under pthread_once, read-only afterwards. */
static EVP_MD *fetched[3];

static void fetch_all(void)
{
	fetched[KN_MD5] = EVP_MD_fetch(NULL, "MD5", NULL);
	fetched[KN_SHA1] = EVP_MD_fetch(NULL, "SHA1", NULL);
	fetched[KN_SHA256] = EVP_MD_fetch(NULL, "SHA256", NULL);
}

const EVP_MD *kn_md(enum kn_digest which)
{
	pthread_once(&fetch_once, fetch_all);
	if (which <= KN_SHA256 && fetched[which])
		return fetched[which];
	return which == KN_MD5 ? EVP_md5() : which == KN_SHA1 ? EVP_sha1() : EVP_sha256();
}

int kn_digest(enum kn_digest which, const void *data, size_t len, uint8_t *out)
{
	unsigned n = 0;
	return EVP_Digest(data, len, out, &n, kn_md(which), NULL) == 1 ? 0 : -1;
}

EVP_MD_CTX *kn_digest_ctx_new(enum kn_digest which)
{
	EVP_MD_CTX *ctx = EVP_MD_CTX_new();

	if (ctx && EVP_DigestInit_ex2(ctx, kn_md(which), NULL) != 1) {
		EVP_MD_CTX_free(ctx);
		return NULL;
	}
	return ctx;
}

/* A NULL type restarts the algorithm the context already holds: its
 * provider state is kept, only the hash state is reset. */
int kn_digest_with(EVP_MD_CTX *ctx, const void *data, size_t len, uint8_t *out)
{
	unsigned n = 0;

	if (EVP_DigestInit_ex2(ctx, NULL, NULL) != 1 || EVP_DigestUpdate(ctx, data, len) != 1 ||
	    EVP_DigestFinal_ex(ctx, out, &n) != 1)
		return -1;
	return 0;
}
