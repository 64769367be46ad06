/*
 * test_tls_cert_cost.c - the server certificate's self-signature is only
 * checked with keys whose check costs what an ordinary certificate's does.
 * A peer chooses its key: an RSA public exponent of thousands of bits
 * makes one check cost milliseconds, once per connection. Such a key is
 * not checked and the names decide, as for key types OpenSSL cannot check.
 * Also: the self-signature by key and signature algorithm, RSA (checked
 * without decoding the certificate twice) and others.
 */
#include <openssl/bn.h>
#include <openssl/evp.h>
#include <openssl/rsa.h>
#include <openssl/x509.h>

#include "../../../kt.h"
#include "../app_test.h"
#include "tls_build.h"

static struct tb tb, body;

/* An RSA key of `bits` with public exponent 2^(e_bits - 1) + 1. */
static EVP_PKEY *rsa_key(unsigned bits, unsigned e_bits)
{
	EVP_PKEY_CTX *ctx = EVP_PKEY_CTX_new_from_name(NULL, "RSA", NULL);
	BIGNUM *e = BN_new();
	EVP_PKEY *key = NULL;

	if (ctx && e && BN_set_bit(e, (int)e_bits - 1) && BN_set_bit(e, 0) &&
	    EVP_PKEY_keygen_init(ctx) > 0 && EVP_PKEY_CTX_set_rsa_keygen_bits(ctx, (int)bits) > 0 &&
	    EVP_PKEY_CTX_set1_rsa_keygen_pubexp(ctx, e) > 0)
		EVP_PKEY_generate(ctx, &key);
	BN_free(e);
	EVP_PKEY_CTX_free(ctx);
	return key;
}

/* "CN=leaf" issued by "CN=leaf" for `key`, signed by `signer`. DER in *der
 * (OPENSSL_free); its length, 0 on failure. */
static int make_cert(EVP_PKEY *key, EVP_PKEY *signer, unsigned char **der)
{
	X509 *x = X509_new();
	X509_NAME *n = X509_NAME_new();
	int len = 0;

	*der = NULL;
	if (x && n &&
	    X509_NAME_add_entry_by_txt(n, "CN", MBSTRING_ASC, (const unsigned char *)"leaf", -1,
				       -1, 0) &&
	    X509_set_version(x, 2) && ASN1_INTEGER_set(X509_get_serialNumber(x), 7) &&
	    X509_set_subject_name(x, n) && X509_set_issuer_name(x, n) &&
	    ASN1_TIME_set_string(X509_getm_notBefore(x), "20240102030405Z") &&
	    ASN1_TIME_set_string(X509_getm_notAfter(x), "20991231235959Z") &&
	    X509_set_pubkey(x, key) && X509_sign(x, signer, EVP_sha256()) > 0)
		len = i2d_X509(x, der);
	X509_NAME_free(n);
	X509_free(x);
	return len > 0 ? len : 0;
}

/* ClientHello, ServerHello and a Certificate message holding der: returns
 * the self_signed of the server asset, -1 when none was reported. */
static int self_signed_of(const unsigned char *der, int len)
{
	static const uint16_t cipher[] = { 0xc02f };
	struct tb_hello h = { .version = 0x0303, .ciphers = cipher, .n_ciphers = 1 };
	struct at t;
	size_t list;
	int r = -1;

	if (at_init(&t, "tls", 6, 40000, 443) != 0)
		return -1;
	tb.n = body.n = 0;
	tb_client_hello(&tb, &h);
	at_feed(&t, 0, tb.b, tb.n);
	tb.n = 0;
	tb_server_hello(&tb, 0x0303, 0xc02f, NULL, 0);
	list = tb_open(&body, 3);
	tb_u24(&body, (unsigned)len);
	tb_bytes(&body, der, (size_t)len);
	tb_close(&body, list, 3);
	tb_handshake(&tb, 11, body.b, body.n, 0);
	at_feed(&t, 1, tb.b, tb.n);
	at_end(&t);
	if (t.n_assets == 1 && t.assets[0].has_tls && t.assets[0].tls.has_cert)
		r = t.assets[0].tls.self_signed;
	KT_CHECK(at_find(&t, "\"event_type\":\"tls\"", "\"subject\":\"CN=leaf\"") >= 0);
	KT_EQ(kn_app_ctx_stats(t.ctx)->mem_in_use, 0);
	at_fini(&t);
	return r;
}

/* Names equal, signed by another key: an ordinary RSA key is checked (not
 * self-signed); one with a 1000-bit public exponent is not checked (the
 * names say self-signed). */
static void test_costly_key_not_checked(void)
{
	EVP_PKEY *plain = rsa_key(1024, 17), *costly = rsa_key(1024, 1000);
	EVP_PKEY *signer = rsa_key(1024, 17);   /* same algorithm: the check runs */
	unsigned char *der = NULL;
	int len;

	KT_REQUIRE(plain && costly && signer);
	len = make_cert(plain, signer, &der);
	KT_CHECK(len > 0);
	if (len > 0)
		KT_EQ(self_signed_of(der, len), 0);
	OPENSSL_free(der);
	len = make_cert(costly, signer, &der);
	KT_CHECK(len > 0);
	if (len > 0)
		KT_EQ(self_signed_of(der, len), 1);
	OPENSSL_free(der);
	/* signed by itself: self-signed either way */
	len = make_cert(costly, costly, &der);
	KT_CHECK(len > 0);
	if (len > 0)
		KT_EQ(self_signed_of(der, len), 1);
	OPENSSL_free(der);
	EVP_PKEY_free(plain);
	EVP_PKEY_free(costly);
	EVP_PKEY_free(signer);
}

/* A P-256 key. */
static EVP_PKEY *ec_key(void)
{
	return EVP_PKEY_Q_keygen(NULL, NULL, "EC", "P-256");
}

/* The self-signature as the certificate's key and signature algorithms
 * lead to it: an RSA signature over the TBS bytes is checked without a
 * second decoding of the certificate (tls_cert.c self_signed_rsa), every
 * other case by X509_verify on the fully decoded certificate; both give
 * the same answers. */
static void test_signature_paths(void)
{
	EVP_PKEY *rsa = rsa_key(1024, 17), *ec = ec_key();
	unsigned char *der = NULL;
	int len;

	KT_REQUIRE(rsa && ec);
	/* RSA, signed by itself, then one signature byte changed */
	len = make_cert(rsa, rsa, &der);
	KT_REQUIRE(len > 0);
	KT_EQ(self_signed_of(der, len), 1);
	der[len - 1] ^= 0x01;
	KT_EQ(self_signed_of(der, len), 0);
	OPENSSL_free(der);
	/* EC, signed by itself: checked the full way */
	len = make_cert(ec, ec, &der);
	KT_REQUIRE(len > 0);
	KT_EQ(self_signed_of(der, len), 1);
	OPENSSL_free(der);
	/* EC key signed by an RSA key, RSA key signed by an EC key: the key
	 * does not fit the signature algorithm, X509_verify cannot tell
	 * (-1), and the names decide */
	len = make_cert(ec, rsa, &der);
	KT_REQUIRE(len > 0);
	KT_EQ(self_signed_of(der, len), 1);
	OPENSSL_free(der);
	len = make_cert(rsa, ec, &der);
	KT_REQUIRE(len > 0);
	KT_EQ(self_signed_of(der, len), 1);
	OPENSSL_free(der);
	EVP_PKEY_free(rsa);
	EVP_PKEY_free(ec);
}

static const struct kt_case cases[] = {
	KT_CASE(test_costly_key_not_checked),
	KT_CASE(test_signature_paths),
};
KT_MAIN("app_tls_cert_cost", cases)
