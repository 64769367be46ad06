/*
 * tls_cert.c - the Certificate handshake message (TLS <= 1.2, RFC 5246
 * 7.4.2) and its first (leaf) certificate, decoded with OpenSSL into the
 * text Suricata logs:
 *   subject / issuerdn  "C=US, ST=California, O=Google Inc, CN=*.x.com":
 *                       RDNs in certificate order joined by ", ", values of
 *                       a multi-valued RDN by " + ", short attribute names
 *                       (unknown ones as the dotted OID), string values as
 *                       text, BMP/Universal strings as UTF-8, anything else
 *                       as upper-case hex;
 *   serial              the DER INTEGER's content bytes, "0A:1B:..." upper;
 *   fingerprint         SHA-1 of the DER, "aa:bb:..." lower;
 *   notbefore/notafter  "YYYY-MM-DDTHH:MM:SS" (UTC).
 * Only the leaf is decoded; the others are counted. The message body is
 * at most TLS_HS_KEEP_MAX bytes (tls.c), which bounds the work. A leaf
 * already decoded on this worker comes from the cache (tls_cache.c).
 *
 * App stage, called by tls.c (Certificate) and tls_hello.c (SSLv2).
 */
#include "util/digest.h"
#include "app/tls/tls.h"

#include <openssl/bn.h>
#include <openssl/core_names.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/objects.h>
#include <openssl/x509.h>
#include <string.h>
#include <time.h>

/* Keys checked for self-signature: at most this many bits (RSA modulus,
 * DSA prime), and for RSA a public exponent of at most this many bits
 * (65537 has 17). Others are not checked (see cheap_to_verify). */
#define TLS_VERIFY_KEY_BITS_MAX 4096
#define TLS_VERIFY_RSA_E_BITS_MAX 32

/* Short names of name attributes, by dotted OID and by the content bytes
 * of its DER encoding (compared first: no conversion to text for the
 * attributes certificates use). */
static const struct {
	const char *oid, *name;
	uint8_t der_len;
	uint8_t der[11];
} attr_names[] = {
	{ "2.5.4.3", "CN", 3, { 0x55, 0x04, 0x03 } },
	{ "2.5.4.6", "C", 3, { 0x55, 0x04, 0x06 } },
	{ "2.5.4.7", "L", 3, { 0x55, 0x04, 0x07 } },
	{ "2.5.4.8", "ST", 3, { 0x55, 0x04, 0x08 } },
	{ "2.5.4.10", "O", 3, { 0x55, 0x04, 0x0a } },
	{ "2.5.4.11", "OU", 3, { 0x55, 0x04, 0x0b } },
	{ "0.9.2342.19200300.100.1.25", "DC", 10,
	  { 0x09, 0x92, 0x26, 0x89, 0x93, 0xf2, 0x2c, 0x64, 0x01, 0x19 } },
	{ "1.2.840.113549.1.9.1", "Email", 9,
	  { 0x2a, 0x86, 0x48, 0x86, 0xf7, 0x0d, 0x01, 0x09, 0x01 } },
	{ "0.9.2342.19200300.100.1.1", "uid", 10,
	  { 0x09, 0x92, 0x26, 0x89, 0x93, 0xf2, 0x2c, 0x64, 0x01, 0x01 } },
	{ "1.3.6.1.4.1.311.60.2.1.1", "msJurisdictionLocality", 11,
	  { 0x2b, 0x06, 0x01, 0x04, 0x01, 0x82, 0x37, 0x3c, 0x02, 0x01, 0x01 } },
	{ "1.3.6.1.4.1.311.60.2.1.2", "msJurisdictionStateOrProvince", 11,
	  { 0x2b, 0x06, 0x01, 0x04, 0x01, 0x82, 0x37, 0x3c, 0x02, 0x01, 0x02 } },
	{ "1.3.6.1.4.1.311.60.2.1.3", "msJurisdictionCountry", 11,
	  { 0x2b, 0x06, 0x01, 0x04, 0x01, 0x82, 0x37, 0x3c, 0x02, 0x01, 0x03 } },
	{ "2.5.4.4", "surname", 3, { 0x55, 0x04, 0x04 } },
	{ "2.5.4.5", "serialNumber", 3, { 0x55, 0x04, 0x05 } },
	{ "2.5.4.9", "streetAddress", 3, { 0x55, 0x04, 0x09 } },
	{ "2.5.4.12", "title", 3, { 0x55, 0x04, 0x0c } },
	{ "2.5.4.13", "description", 3, { 0x55, 0x04, 0x0d } },
	{ "2.5.4.15", "businessCategory", 3, { 0x55, 0x04, 0x0f } },
	{ "2.5.4.16", "postalAddress", 3, { 0x55, 0x04, 0x10 } },
	{ "2.5.4.17", "postalCode", 3, { 0x55, 0x04, 0x11 } },
	{ "2.5.4.41", "name", 3, { 0x55, 0x04, 0x29 } },
	{ "2.5.4.42", "givenName", 3, { 0x55, 0x04, 0x2a } },
	{ "2.5.4.43", "initials", 3, { 0x55, 0x04, 0x2b } },
	{ "2.5.4.44", "generationQualifier", 3, { 0x55, 0x04, 0x2c } },
	{ "2.5.4.45", "uniqueIdentifier", 3, { 0x55, 0x04, 0x2d } },
	{ "2.5.4.46", "dnQualifier", 3, { 0x55, 0x04, 0x2e } },
	{ "2.5.4.65", "pseudonym", 3, { 0x55, 0x04, 0x41 } },
	{ "2.5.4.97", "organizationIdentifier", 3, { 0x55, 0x04, 0x61 } },
	{ "2.5.29.17", "subjectAltName", 3, { 0x55, 0x1d, 0x11 } },
	{ "1.2.840.113549.1.9.2", "unstructuredName", 9,
	  { 0x2a, 0x86, 0x48, 0x86, 0xf7, 0x0d, 0x01, 0x09, 0x02 } },
};

/* Output with a capacity: counts what would be written past it (so one
 * pass with cap 0 sizes the second). */
struct out {
	char *p;
	size_t len, cap;
};

static void put(struct out *o, const void *s, size_t n)
{
	if (o->len < o->cap)
		memcpy(o->p + o->len, s, n <= o->cap - o->len ? n : o->cap - o->len);
	o->len += n;
}

static void put_utf8(struct out *o, uint32_t cp)
{
	char b[4];
	size_t n;

	if (cp < 0x80) {
		b[0] = (char)cp, n = 1;
	} else if (cp < 0x800) {
		b[0] = (char)(0xc0 | cp >> 6), b[1] = (char)(0x80 | (cp & 0x3f)), n = 2;
	} else if (cp < 0x10000) {
		b[0] = (char)(0xe0 | cp >> 12), b[1] = (char)(0x80 | ((cp >> 6) & 0x3f));
		b[2] = (char)(0x80 | (cp & 0x3f)), n = 3;
	} else {
		if (cp > 0x10ffff)
			cp = 0xfffd;
		b[0] = (char)(0xf0 | cp >> 18), b[1] = (char)(0x80 | ((cp >> 12) & 0x3f));
		b[2] = (char)(0x80 | ((cp >> 6) & 0x3f)), b[3] = (char)(0x80 | (cp & 0x3f)), n = 4;
	}
	put(o, b, n);
}

static void put_hex(struct out *o, const uint8_t *d, size_t n, const char *digits,
		    const char *sep)
{
	for (size_t i = 0; i < n; i++) {
		char h[2] = { digits[d[i] >> 4], digits[d[i] & 15] };
		if (i && sep)
			put(o, sep, strlen(sep));
		put(o, h, 2);
	}
}

static void put_value(struct out *o, const ASN1_STRING *s)
{
	const uint8_t *d = ASN1_STRING_get0_data(s);
	size_t n = (size_t)ASN1_STRING_length(s);

	switch (ASN1_STRING_type(s)) {
	case V_ASN1_UTF8STRING:
	case V_ASN1_PRINTABLESTRING:
	case V_ASN1_IA5STRING:
	case V_ASN1_T61STRING:
	case V_ASN1_VIDEOTEXSTRING:
	case V_ASN1_NUMERICSTRING:
	case V_ASN1_VISIBLESTRING:
	case V_ASN1_GENERALSTRING:
	case V_ASN1_GRAPHICSTRING:
		put(o, d, n);
		break;
	case V_ASN1_BMPSTRING:
		for (size_t i = 0; i + 1 < n; i += 2)
			put_utf8(o, (uint32_t)d[i] << 8 | d[i + 1]);
		break;
	case V_ASN1_UNIVERSALSTRING:
		for (size_t i = 0; i + 3 < n; i += 4)
			put_utf8(o, (uint32_t)d[i] << 24 | (uint32_t)d[i + 1] << 16 |
					    (uint32_t)d[i + 2] << 8 | d[i + 3]);
		break;
	default:
		put_hex(o, d, n, "0123456789ABCDEF", NULL);
	}
}

static void put_attr_name(struct out *o, const ASN1_OBJECT *obj)
{
	const unsigned char *der = OBJ_get0_data(obj);
	size_t der_len = OBJ_length(obj);
	char oid[128];
	int n;

	for (size_t i = 0; der && i < sizeof attr_names / sizeof attr_names[0]; i++) {
		if (attr_names[i].der_len == der_len &&
		    memcmp(attr_names[i].der, der, der_len) == 0) {
			put(o, attr_names[i].name, strlen(attr_names[i].name));
			return;
		}
	}
	n = OBJ_obj2txt(oid, sizeof oid, obj, 1);
	if (n <= 0 || (size_t)n >= sizeof oid) {
		put(o, "UNKNOWN", 7);
		return;
	}
	for (size_t i = 0; i < sizeof attr_names / sizeof attr_names[0]; i++) {
		if (strcmp(attr_names[i].oid, oid) == 0) {
			put(o, attr_names[i].name, strlen(attr_names[i].name));
			return;
		}
	}
	put(o, oid, (size_t)n);
}

static void name_text(struct out *o, const X509_NAME *name)
{
	int count = X509_NAME_entry_count(name), prev_set = -1;

	for (int i = 0; i < count; i++) {
		const X509_NAME_ENTRY *e = X509_NAME_get_entry(name, i);
		int set = X509_NAME_ENTRY_set(e);
		if (i)
			put(o, set == prev_set ? " + " : ", ", set == prev_set ? 3 : 2);
		prev_set = set;
		put_attr_name(o, X509_NAME_ENTRY_get_object(e));
		put(o, "=", 1);
		put_value(o, X509_NAME_ENTRY_get_data(e));
	}
}

/* Formats a name into an owned string (two passes: size, then text).
 * -1 when memory was refused. */
static int keep_name(struct tls_state *st, struct tls_str *s, const X509_NAME *name)
{
	struct out o = { NULL, 0, 0 };
	char *buf;
	int rc;

	if (!name)
		return 0;
	name_text(&o, name);
	buf = tls_mem_alloc(st, o.len + 1);
	if (!buf)
		return -1;
	o.p = buf;
	o.cap = o.len;
	o.len = 0;
	name_text(&o, name);
	rc = tls_str_set(st, s, buf, o.len);
	tls_mem_free(st, buf, o.cap + 1);
	return rc == 0 ? 0 : -1;
}

/* ---------------------------------------------------------------- serial */

/* A DER header at p: returns the header length and sets *tag and *clen,
 * or 0 when it does not fit in n bytes. */
static uint32_t der_header(const uint8_t *p, uint32_t n, uint8_t *tag, uint32_t *clen)
{
	uint32_t hl = 2, len;

	if (n < 2 || (p[0] & 0x1f) == 0x1f)
		return 0;
	*tag = p[0];
	len = p[1];
	if (len & 0x80) {
		uint32_t k = len & 0x7f;
		if (k == 0 || k > 3 || n < 2 + k)
			return 0;
		len = 0;
		for (uint32_t i = 0; i < k; i++)
			len = len << 8 | p[2 + i];
		hl += k;
	}
	if (len > n - hl)
		return 0;
	*clen = len;
	return hl;
}

/* The serial's content bytes as they are on the wire: Certificate ::=
 * SEQUENCE { tbsCertificate SEQUENCE { [0] version OPTIONAL, serial
 * INTEGER, ... } ... }. */
static int keep_serial(struct tls_state *st, struct tls_str *s, const uint8_t *der,
		       uint32_t len)
{
	uint8_t tag;
	uint32_t cl, hl;
	struct out o = { NULL, 0, 0 };
	char *buf;
	int rc;

	if (!(hl = der_header(der, len, &tag, &cl)) || tag != 0x30)
		return 0;
	der += hl, len = cl;
	if (!(hl = der_header(der, len, &tag, &cl)) || tag != 0x30)
		return 0;
	der += hl, len = cl;
	if (!(hl = der_header(der, len, &tag, &cl)))
		return 0;
	if (tag == 0xa0) {
		der += hl + cl, len -= hl + cl;
		if (!(hl = der_header(der, len, &tag, &cl)))
			return 0;
	}
	if (tag != 0x02 || cl == 0)
		return 0;
	buf = tls_mem_alloc(st, (size_t)cl * 3);
	if (!buf)
		return -1;
	o.p = buf;
	o.cap = (size_t)cl * 3;
	put_hex(&o, der + hl, cl, "0123456789ABCDEF", ":");
	rc = tls_str_set(st, s, buf, o.len);
	tls_mem_free(st, buf, o.cap);
	return rc == 0 ? 0 : -1;
}

/* ------------------------------------------------------------ the leaf */

/* v (below 10^width) as `width` decimal digits, zero-padded. */
static char *put_digits(char *p, unsigned v, int width)
{
	for (int i = width - 1; i >= 0; i--, v /= 10)
		p[i] = (char)('0' + v % 10);
	return p + width;
}

static int keep_time(const ASN1_TIME *t, char out[32], int64_t *epoch)
{
	struct tm tm;
	char *p = out;

	if (!t || ASN1_TIME_to_tm(t, &tm) != 1)
		return 0;
	/* "YYYY-MM-DDTHH:MM:SS". ASN1_TIME_to_tm checked every field; the
	 * modulos keep the widths whatever it returned. */
	p = put_digits(p, (unsigned)(tm.tm_year + 1900) % 10000u, 4);
	*p++ = '-';
	p = put_digits(p, (unsigned)(tm.tm_mon + 1) % 100u, 2);
	*p++ = '-';
	p = put_digits(p, (unsigned)tm.tm_mday % 100u, 2);
	*p++ = 'T';
	p = put_digits(p, (unsigned)tm.tm_hour % 100u, 2);
	*p++ = ':';
	p = put_digits(p, (unsigned)tm.tm_min % 100u, 2);
	*p++ = ':';
	p = put_digits(p, (unsigned)tm.tm_sec % 100u, 2);
	*p = '\0';
	*epoch = (int64_t)timegm(&tm);
	return 1;
}

/* Whether checking a signature with this key costs what an ordinary
 * certificate's does. The sender chooses the key: an RSA key with a
 * 3000-bit public exponent in a 1.4 KB certificate makes one check take
 * about 13 ms (35 times an ordinary certificate's whole decoding), a
 * CPU cost any peer could impose once per connection. */
static int cheap_to_verify(const EVP_PKEY *key)
{
	BIGNUM *e = NULL;
	int id = EVP_PKEY_get_base_id(key), ok;

	if (EVP_PKEY_get_bits(key) > TLS_VERIFY_KEY_BITS_MAX)
		return 0;
	if (id != EVP_PKEY_RSA && id != EVP_PKEY_RSA_PSS)
		return 1;
	if (EVP_PKEY_get_bn_param(key, OSSL_PKEY_PARAM_RSA_E, &e) != 1)
		return 0;
	ok = BN_num_bits(e) <= TLS_VERIFY_RSA_E_BITS_MAX;
	BN_free(e);
	return ok;
}

static int names_equal(const X509 *x)
{
	const X509_NAME *s = X509_get_subject_name(x), *i = X509_get_issuer_name(x);

	return s && i && X509_NAME_cmp(s, i) == 0;
}

/* Names equal, and the signature verifies with the certificate's own key
 * (when that can be checked at all, and cheaply: unknown key or signature
 * algorithms, and keys too costly to check, leave the name comparison
 * alone). x must have been decoded with its key (d2i_X509). */
static int self_signed(X509 *x)
{
	EVP_PKEY *key;
	int v;

	if (!names_equal(x))
		return 0;
	key = X509_get0_pubkey(x);
	v = key && cheap_to_verify(key) ? X509_verify(x, key) : -1;
	return v != 0;
}

/* The TBSCertificate element of a certificate's DER (header included):
 * Certificate ::= SEQUENCE { tbsCertificate, ... }. 0 when not found. */
static uint32_t tbs_of(const uint8_t *der, uint32_t len, const uint8_t **tbs)
{
	uint8_t tag;
	uint32_t cl, hl, thl;

	if (!(hl = der_header(der, len, &tag, &cl)) || tag != 0x30)
		return 0;
	if (!(thl = der_header(der + hl, cl, &tag, &cl)) || tag != 0x30)
		return 0;
	*tbs = der + hl;
	return thl + cl;
}

/* Whether x (decoded without its key, names equal) is certainly
 * self-signed, found without decoding it again with its key: for an RSA
 * key whose PKCS#1 v1.5 signature over the TBS bytes verifies. Returns 1
 * then, 0 when this cannot tell (the caller does the full check).
 *
 * Only a "yes" is taken, so it needs no exact copy of X509_verify's error
 * paths: when the signature verifies here, self_signed() on the fully
 * decoded certificate says so too. Its key comes from the same bytes by
 * the same RSAPublicKey decoder (or fails to: "unknown", counted as
 * self-signed); the algorithms compared here are those it compares; the
 * bytes it verifies are the TBS encoding kept from the wire, the ones
 * verified here. A key too costly to check is left to the full path,
 * which does not check it either. */
static int self_signed_rsa(const X509 *x, const uint8_t *der, uint32_t len)
{
	const ASN1_BIT_STRING *sig;
	const X509_ALGOR *alg;
	const ASN1_OBJECT *sig_oid;
	ASN1_OBJECT *key_oid;
	const unsigned char *pk, *tbs = NULL;
	int pk_len, md_nid, pk_nid, ok = 0;
	uint32_t tbs_len = tbs_of(der, len, &tbs);
	EVP_PKEY *key = NULL;
	EVP_MD_CTX *md_ctx = NULL;
	const EVP_MD *md;

	X509_get0_signature(&sig, &alg, x);
	if (!tbs_len || !sig || !alg || (sig->flags & 7) ||
	    X509_ALGOR_cmp(alg, X509_get0_tbs_sigalg(x)) != 0)
		return 0;
	X509_ALGOR_get0(&sig_oid, NULL, NULL, alg);
	if (!OBJ_find_sigid_algs(OBJ_obj2nid(sig_oid), &md_nid, &pk_nid) ||
	    md_nid == NID_undef || pk_nid != NID_rsaEncryption)
		return 0;
	if (!X509_PUBKEY_get0_param(&key_oid, &pk, &pk_len, NULL, X509_get_X509_PUBKEY(x)) ||
	    OBJ_obj2nid(key_oid) != NID_rsaEncryption)
		return 0;
	md = EVP_get_digestbynid(md_nid);
	key = md ? d2i_PublicKey(EVP_PKEY_RSA, NULL, &pk, pk_len) : NULL;
	if (key && cheap_to_verify(key) && (md_ctx = EVP_MD_CTX_new()) != NULL &&
	    EVP_DigestVerifyInit(md_ctx, NULL, md, NULL, key) == 1)
		ok = EVP_DigestVerify(md_ctx, sig->data, (size_t)sig->length, tbs, tbs_len) == 1;
	EVP_MD_CTX_free(md_ctx);
	EVP_PKEY_free(key);
	return ok;
}

/* d2i_X509, which in OpenSSL 3.0 also decodes the public key, and that
 * costs ~80% of it (a key decoder is built from every provider's each
 * time). Only the self-signature check needs the key, and only when the
 * names are equal; so the certificate is first decoded in `keyless`, a
 * library context whose only provider ("null") decodes no key: the ASN.1
 * is read and checked exactly as by d2i_X509 (the key is decoded only
 * opportunistically, its failure is no error), the key is left undecoded.
 * A certificate whose names are equal is then shown self-signed by
 * self_signed_rsa() when it can (*self = 1), else decoded again, with its
 * key, for self_signed() (*self = -1: not known yet). keyless may be
 * NULL: one plain d2i_X509. */
static X509 *decode_der(const uint8_t *der, uint32_t len, OSSL_LIB_CTX *keyless, int *self)
{
	const unsigned char *p = der;
	X509 *x;

	*self = -1;
	if (!keyless)
		return d2i_X509(NULL, &p, (long)len);
	x = (X509 *)ASN1_item_d2i_ex(NULL, &p, (long)len, ASN1_ITEM_rptr(X509), keyless, NULL);
	if (!x)
		return NULL;
	if (!names_equal(x)) {
		*self = 0;
		return x;
	}
	if (self_signed_rsa(x, der, len)) {
		*self = 1;
		return x;
	}
	X509_free(x);
	p = der;
	return d2i_X509(NULL, &p, (long)len);
}

/* Decodes the leaf with OpenSSL. Returns 0 when c holds every fact there
 * is (a rejected certificate included), -1 when some could not be kept
 * (memory refused, digest failure): then c must not be cached. */
static int decode_leaf(struct tls_state *st, int dir, struct tls_cert *c, const uint8_t *der,
		       uint32_t len, OSSL_LIB_CTX *keyless)
{
	unsigned char md[EVP_MAX_MD_SIZE];
	unsigned int mdlen = 0;
	struct out o;
	int rc = 0, self;
	X509 *x = decode_der(der, len, keyless, &self);

	if (!x) {
		tls_event(st, dir, "INVALID_CERTIFICATE");
		ERR_clear_error();
		return 0;
	}
	c->parsed = 1;
	rc |= keep_name(st, &c->subject, X509_get_subject_name(x));
	rc |= keep_name(st, &c->issuer, X509_get_issuer_name(x));
	rc |= keep_serial(st, &c->serial, der, len);
	if (EVP_Digest(der, len, md, &mdlen, kn_md(KN_SHA1), NULL) == 1 && mdlen == 20) {
		o.p = c->fingerprint;
		o.len = 0;
		o.cap = sizeof c->fingerprint - 1;
		put_hex(&o, md, mdlen, "0123456789abcdef", ":");
		c->fingerprint[o.len < o.cap ? o.len : o.cap] = '\0';
	} else {
		rc = -1;
	}
	c->has_dates = keep_time(X509_get0_notBefore(x), c->not_before, &c->not_before_s) &&
		       keep_time(X509_get0_notAfter(x), c->not_after, &c->not_after_s);
	c->self_signed = (uint8_t)(self >= 0 ? self : self_signed(x));
	X509_free(x);
	ERR_clear_error();
	return rc;
}

/* Seen before on this worker (same DER): the cached facts; otherwise
 * decoded, then cached when complete. */
void tls_cert_leaf(struct tls_state *st, int dir, struct tls_cert *c, const uint8_t *der,
		   uint32_t len)
{
	struct tls_cache *tc = st->call ? kn_app_parser_ctx(st->call) : NULL;
	const struct tls_cached_cert *e;
	uint8_t key[32];

	if (tc && kn_digest(KN_SHA256, der, len, key) != 0)
		tc = NULL;
	if (tc && (e = tls_cache_get(tc, key)) != NULL) {
		if (!tls_cache_apply(st, c, e))
			tls_event(st, dir, "INVALID_CERTIFICATE");
		return;
	}
	if (decode_leaf(st, dir, c, der, len, tc ? tc->keyless : NULL) == 0 && tc)
		tls_cache_put(tc, st->call, key, c);
}

/* Copies the server's certificates m[3..end) (their DER, up to
 * TLS_CERTS_KEEP) for tls.certs; nothing without memory. */
static void keep_chain(struct tls_state *st, struct tls_cert *c, const uint8_t *m, uint32_t end)
{
	uint32_t off = 3, bytes = 0, n = 0, at[TLS_CERTS_KEEP], sz[TLS_CERTS_KEEP];

	while (off + 3 <= end && n < TLS_CERTS_KEEP) {
		uint32_t k = (uint32_t)m[off] << 16 | (uint32_t)m[off + 1] << 8 | m[off + 2];
		if (k > end - off - 3)
			break;
		at[n] = off + 3;
		sz[n++] = k;
		bytes += k;
		off += 3 + k;
	}
	if (!n || !bytes || !(c->chain = tls_mem_alloc(st, bytes)))
		return;
	c->chain_bytes = bytes;
	c->keep_off[0] = 0;
	for (uint32_t i = 0; i < n; i++) {
		memcpy(c->chain + c->keep_off[i], m + at[i], sz[i]);
		c->keep_off[i + 1] = c->keep_off[i] + sz[i];
	}
	c->n_keep = n;
}

void tls_cert_chain_free(struct tls_state *st, struct tls_cert *c)
{
	tls_mem_free(st, c->chain, c->chain_bytes);
	c->chain = NULL;
	c->chain_bytes = 0;
	c->n_keep = 0;
}

void tls_certificate(struct tls_state *st, int dir, const uint8_t *m, uint32_t len,
		     int truncated)
{
	struct tls_cert *c = &st->cert[dir];
	uint32_t total, end, off;

	if (c->seen)
		return;
	c->seen = 1;
	if (dir != st->server_dir)
		st->client_cert_seen = 1;
	if (len < 3) {
		tls_event(st, dir, "CERTIFICATE_INVALID_LENGTH");
		return;
	}
	total = (uint32_t)m[0] << 16 | (uint32_t)m[1] << 8 | m[2];
	if (total != len - 3 && !(truncated && total > len - 3))
		tls_event(st, dir, "CERTIFICATE_INVALID_LENGTH");
	end = total < len - 3 ? total + 3 : len;
	if (dir == st->server_dir && !st->logged)
		keep_chain(st, c, m, end);
	for (off = 3; off + 3 <= end;) {
		uint32_t n = (uint32_t)m[off] << 16 | (uint32_t)m[off + 1] << 8 | m[off + 2];
		if (n > end - off - 3) {
			if (!truncated)
				tls_event(st, dir, "CERTIFICATE_INVALID_LENGTH");
			break;
		}
		if (c->chain_len == 0)
			tls_cert_leaf(st, dir, c, m + off + 3, n);
		c->chain_len++;
		off += 3 + n;
	}
}

void tls_cert_free(struct tls_state *st, struct tls_cert *c)
{
	tls_str_free(st, &c->subject);
	tls_str_free(st, &c->issuer);
	tls_str_free(st, &c->serial);
	tls_cert_chain_free(st, c);
}
