/*
 * tls.c - weak TLS judged from what one handshake showed: a deprecated
 * protocol version (SSLv2, SSLv3, TLS 1.0, TLS 1.1), a weak cipher suite
 * (NULL, EXPORT, anonymous, RC4, DES, 3DES), a certificate outside its
 * validity at the time of the packet, or a self-signed certificate.
 *
 * Vuln stage, called for every new TLS asset. Needs no feed: the table of
 * weak suites below (IANA TLS Cipher Suites registry, wire values and
 * names) is the whole policy. Each suite is listed with its most serious
 * weakness (null > export > anon > rc4 > des > 3des).
 */
#include "vuln/vuln_int.h"

#include <stdlib.h>

struct weak_suite {
	uint16_t id;
	const char *name;
	const char *weakness;
};

/* Sorted by id (binary search). */
static const struct weak_suite weak_suites[] = {
	{ 0x0000, "TLS_NULL_WITH_NULL_NULL", "null" },
	{ 0x0001, "TLS_RSA_WITH_NULL_MD5", "null" },
	{ 0x0002, "TLS_RSA_WITH_NULL_SHA", "null" },
	{ 0x0003, "TLS_RSA_EXPORT_WITH_RC4_40_MD5", "export" },
	{ 0x0004, "TLS_RSA_WITH_RC4_128_MD5", "rc4" },
	{ 0x0005, "TLS_RSA_WITH_RC4_128_SHA", "rc4" },
	{ 0x0006, "TLS_RSA_EXPORT_WITH_RC2_CBC_40_MD5", "export" },
	{ 0x0008, "TLS_RSA_EXPORT_WITH_DES40_CBC_SHA", "export" },
	{ 0x0009, "TLS_RSA_WITH_DES_CBC_SHA", "des" },
	{ 0x000A, "TLS_RSA_WITH_3DES_EDE_CBC_SHA", "3des" },
	{ 0x000B, "TLS_DH_DSS_EXPORT_WITH_DES40_CBC_SHA", "export" },
	{ 0x000C, "TLS_DH_DSS_WITH_DES_CBC_SHA", "des" },
	{ 0x000D, "TLS_DH_DSS_WITH_3DES_EDE_CBC_SHA", "3des" },
	{ 0x000E, "TLS_DH_RSA_EXPORT_WITH_DES40_CBC_SHA", "export" },
	{ 0x000F, "TLS_DH_RSA_WITH_DES_CBC_SHA", "des" },
	{ 0x0010, "TLS_DH_RSA_WITH_3DES_EDE_CBC_SHA", "3des" },
	{ 0x0011, "TLS_DHE_DSS_EXPORT_WITH_DES40_CBC_SHA", "export" },
	{ 0x0012, "TLS_DHE_DSS_WITH_DES_CBC_SHA", "des" },
	{ 0x0013, "TLS_DHE_DSS_WITH_3DES_EDE_CBC_SHA", "3des" },
	{ 0x0014, "TLS_DHE_RSA_EXPORT_WITH_DES40_CBC_SHA", "export" },
	{ 0x0015, "TLS_DHE_RSA_WITH_DES_CBC_SHA", "des" },
	{ 0x0016, "TLS_DHE_RSA_WITH_3DES_EDE_CBC_SHA", "3des" },
	{ 0x0017, "TLS_DH_anon_EXPORT_WITH_RC4_40_MD5", "export" },
	{ 0x0018, "TLS_DH_anon_WITH_RC4_128_MD5", "anon" },
	{ 0x0019, "TLS_DH_anon_EXPORT_WITH_DES40_CBC_SHA", "export" },
	{ 0x001A, "TLS_DH_anon_WITH_DES_CBC_SHA", "anon" },
	{ 0x001B, "TLS_DH_anon_WITH_3DES_EDE_CBC_SHA", "anon" },
	{ 0x001E, "TLS_KRB5_WITH_DES_CBC_SHA", "des" },
	{ 0x001F, "TLS_KRB5_WITH_3DES_EDE_CBC_SHA", "3des" },
	{ 0x0020, "TLS_KRB5_WITH_RC4_128_SHA", "rc4" },
	{ 0x0022, "TLS_KRB5_WITH_DES_CBC_MD5", "des" },
	{ 0x0023, "TLS_KRB5_WITH_3DES_EDE_CBC_MD5", "3des" },
	{ 0x0024, "TLS_KRB5_WITH_RC4_128_MD5", "rc4" },
	{ 0x0026, "TLS_KRB5_EXPORT_WITH_DES_CBC_40_SHA", "export" },
	{ 0x0027, "TLS_KRB5_EXPORT_WITH_RC2_CBC_40_SHA", "export" },
	{ 0x0028, "TLS_KRB5_EXPORT_WITH_RC4_40_SHA", "export" },
	{ 0x0029, "TLS_KRB5_EXPORT_WITH_DES_CBC_40_MD5", "export" },
	{ 0x002A, "TLS_KRB5_EXPORT_WITH_RC2_CBC_40_MD5", "export" },
	{ 0x002B, "TLS_KRB5_EXPORT_WITH_RC4_40_MD5", "export" },
	{ 0x002C, "TLS_PSK_WITH_NULL_SHA", "null" },
	{ 0x002D, "TLS_DHE_PSK_WITH_NULL_SHA", "null" },
	{ 0x002E, "TLS_RSA_PSK_WITH_NULL_SHA", "null" },
	{ 0x0034, "TLS_DH_anon_WITH_AES_128_CBC_SHA", "anon" },
	{ 0x003A, "TLS_DH_anon_WITH_AES_256_CBC_SHA", "anon" },
	{ 0x003B, "TLS_RSA_WITH_NULL_SHA256", "null" },
	{ 0x0046, "TLS_DH_anon_WITH_CAMELLIA_128_CBC_SHA", "anon" },
	{ 0x006C, "TLS_DH_anon_WITH_AES_128_CBC_SHA256", "anon" },
	{ 0x006D, "TLS_DH_anon_WITH_AES_256_CBC_SHA256", "anon" },
	{ 0x0089, "TLS_DH_anon_WITH_CAMELLIA_256_CBC_SHA", "anon" },
	{ 0x008A, "TLS_PSK_WITH_RC4_128_SHA", "rc4" },
	{ 0x008B, "TLS_PSK_WITH_3DES_EDE_CBC_SHA", "3des" },
	{ 0x008E, "TLS_DHE_PSK_WITH_RC4_128_SHA", "rc4" },
	{ 0x008F, "TLS_DHE_PSK_WITH_3DES_EDE_CBC_SHA", "3des" },
	{ 0x0092, "TLS_RSA_PSK_WITH_RC4_128_SHA", "rc4" },
	{ 0x0093, "TLS_RSA_PSK_WITH_3DES_EDE_CBC_SHA", "3des" },
	{ 0x009B, "TLS_DH_anon_WITH_SEED_CBC_SHA", "anon" },
	{ 0x00A6, "TLS_DH_anon_WITH_AES_128_GCM_SHA256", "anon" },
	{ 0x00A7, "TLS_DH_anon_WITH_AES_256_GCM_SHA384", "anon" },
	{ 0x00B0, "TLS_PSK_WITH_NULL_SHA256", "null" },
	{ 0x00B1, "TLS_PSK_WITH_NULL_SHA384", "null" },
	{ 0x00B4, "TLS_DHE_PSK_WITH_NULL_SHA256", "null" },
	{ 0x00B5, "TLS_DHE_PSK_WITH_NULL_SHA384", "null" },
	{ 0x00B8, "TLS_RSA_PSK_WITH_NULL_SHA256", "null" },
	{ 0x00B9, "TLS_RSA_PSK_WITH_NULL_SHA384", "null" },
	{ 0xC001, "TLS_ECDH_ECDSA_WITH_NULL_SHA", "null" },
	{ 0xC002, "TLS_ECDH_ECDSA_WITH_RC4_128_SHA", "rc4" },
	{ 0xC003, "TLS_ECDH_ECDSA_WITH_3DES_EDE_CBC_SHA", "3des" },
	{ 0xC006, "TLS_ECDHE_ECDSA_WITH_NULL_SHA", "null" },
	{ 0xC007, "TLS_ECDHE_ECDSA_WITH_RC4_128_SHA", "rc4" },
	{ 0xC008, "TLS_ECDHE_ECDSA_WITH_3DES_EDE_CBC_SHA", "3des" },
	{ 0xC00B, "TLS_ECDH_RSA_WITH_NULL_SHA", "null" },
	{ 0xC00C, "TLS_ECDH_RSA_WITH_RC4_128_SHA", "rc4" },
	{ 0xC00D, "TLS_ECDH_RSA_WITH_3DES_EDE_CBC_SHA", "3des" },
	{ 0xC010, "TLS_ECDHE_RSA_WITH_NULL_SHA", "null" },
	{ 0xC011, "TLS_ECDHE_RSA_WITH_RC4_128_SHA", "rc4" },
	{ 0xC012, "TLS_ECDHE_RSA_WITH_3DES_EDE_CBC_SHA", "3des" },
	{ 0xC015, "TLS_ECDH_anon_WITH_NULL_SHA", "null" },
	{ 0xC016, "TLS_ECDH_anon_WITH_RC4_128_SHA", "anon" },
	{ 0xC017, "TLS_ECDH_anon_WITH_3DES_EDE_CBC_SHA", "anon" },
	{ 0xC018, "TLS_ECDH_anon_WITH_AES_128_CBC_SHA", "anon" },
	{ 0xC019, "TLS_ECDH_anon_WITH_AES_256_CBC_SHA", "anon" },
	{ 0xC01A, "TLS_SRP_SHA_WITH_3DES_EDE_CBC_SHA", "3des" },
	{ 0xC01B, "TLS_SRP_SHA_RSA_WITH_3DES_EDE_CBC_SHA", "3des" },
	{ 0xC01C, "TLS_SRP_SHA_DSS_WITH_3DES_EDE_CBC_SHA", "3des" },
	{ 0xC033, "TLS_ECDHE_PSK_WITH_RC4_128_SHA", "rc4" },
	{ 0xC034, "TLS_ECDHE_PSK_WITH_3DES_EDE_CBC_SHA", "3des" },
	{ 0xC039, "TLS_ECDHE_PSK_WITH_NULL_SHA", "null" },
	{ 0xC03A, "TLS_ECDHE_PSK_WITH_NULL_SHA256", "null" },
	{ 0xC03B, "TLS_ECDHE_PSK_WITH_NULL_SHA384", "null" },
};

static int cmp_suite(const void *key, const void *el)
{
	uint16_t id = *(const uint16_t *)key;
	const struct weak_suite *s = el;
	return (id > s->id) - (id < s->id);
}

const char *kn_vuln_weak_cipher(uint16_t cipher, const char **weakness)
{
	const struct weak_suite *s = bsearch(&cipher, weak_suites,
					     sizeof weak_suites / sizeof weak_suites[0],
					     sizeof weak_suites[0], cmp_suite);
	if (!s)
		return NULL;
	if (weakness)
		*weakness = s->weakness;
	return s->name;
}

const char *kn_vuln_tls_version_name(uint16_t version)
{
	switch (version) {
	case 0x0002: case 0x0200: return "SSLv2";
	case 0x0300: return "SSLv3";
	case 0x0301: return "TLSv1";
	case 0x0302: return "TLS 1.1";
	case 0x0303: return "TLS 1.2";
	case 0x0304: return "TLS 1.3";
	default: return NULL;
	}
}

const char *kn_vuln_finding_name(unsigned type)
{
	static const char *const names[] = {
		[KN_VULN_PROTOCOL_DEPRECATED] = "protocol_deprecated",
		[KN_VULN_WEAK_CIPHER] = "weak_cipher",
		[KN_VULN_CERT_EXPIRED] = "cert_expired",
		[KN_VULN_CERT_NOT_YET_VALID] = "cert_not_yet_valid",
		[KN_VULN_CERT_SELF_SIGNED] = "cert_self_signed",
	};
	return type < sizeof names / sizeof names[0] ? names[type] : NULL;
}

unsigned kn_vuln_tls_findings(const struct kn_asset_tls *tls, int64_t now_s,
			      struct kn_vuln_finding out[KN_VULN_MAX_FINDINGS])
{
	unsigned n = 0;
	const char *weak;

	if (!tls)
		return 0;
	if (tls->version && tls->version < 0x0303 && kn_vuln_tls_version_name(tls->version))
		out[n++] = (struct kn_vuln_finding){ .type = KN_VULN_PROTOCOL_DEPRECATED,
						     .name = kn_vuln_tls_version_name(tls->version) };
	if (tls->has_cipher) {
		const char *name = kn_vuln_weak_cipher(tls->cipher, &weak);
		if (name)
			out[n++] = (struct kn_vuln_finding){ .type = KN_VULN_WEAK_CIPHER,
							     .name = name, .weakness = weak };
	}
	if (!tls->has_cert || (!tls->not_before && !tls->not_after))
		return n;  /* no certificate, or its dates were not read */
	if (tls->not_after < now_s)
		out[n++] = (struct kn_vuln_finding){ .type = KN_VULN_CERT_EXPIRED,
						     .when = tls->not_after };
	else if (tls->not_before > now_s)
		out[n++] = (struct kn_vuln_finding){ .type = KN_VULN_CERT_NOT_YET_VALID,
						     .when = tls->not_before };
	if (tls->self_signed)
		out[n++] = (struct kn_vuln_finding){ .type = KN_VULN_CERT_SELF_SIGNED };
	return n;
}
