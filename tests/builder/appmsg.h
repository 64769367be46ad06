/*
 * appmsg.h - application-layer messages for the traffic builder: TLS
 * handshake records (ClientHello with the usual extensions, a server
 * flight with ServerHello, Certificate and ServerHelloDone) and the demo
 * certificate, so tests and the demo capture can carry real handshakes.
 *
 * Every builder writes into out[0..cap) and returns the bytes written, or
 * 0 when cap is too small.
 */
#ifndef KN_TESTS_APPMSG_H
#define KN_TESTS_APPMSG_H

#include <stddef.h>
#include <stdint.h>

/* A TLS record (type 22) holding a ClientHello: legacy version 0x0303,
 * a fixed random, cipher suites ciphers[0..n_ciphers), null compression,
 * extensions server_name (when sni), supported_groups (x25519, P-256,
 * P-384), ec_point_formats (uncompressed), signature_algorithms, ALPN
 * ("h2", "http/1.1") and, when tls13, supported_versions (1.3, 1.2). */
size_t kn_tls_client_hello(uint8_t *out, size_t cap, const char *sni, const uint16_t *ciphers,
			   size_t n_ciphers, int tls13);

/* A server flight for TLS <= 1.2: ServerHello (version, cipher, null
 * compression, extension renegotiation_info), Certificate (cert[0..len)
 * as the only certificate, when cert), ServerHelloDone, each in its own
 * handshake record of record version `version`. */
size_t kn_tls_server_flight(uint8_t *out, size_t cap, uint16_t version, uint16_t cipher,
			    const uint8_t *cert, size_t cert_len);

/* The demo certificate (DER): self-signed, EC P-256, subject and issuer
 * "C=JP, O=Kenchi Demo, CN=intranet.demo.example", serial 0x1234, valid
 * 2020-01-01T00:00:00Z .. 2021-01-01T00:00:00Z (expired). */
extern const uint8_t kn_demo_cert_der[];
extern const size_t kn_demo_cert_der_len;

#endif
