/*
 * tls.h - private declarations shared by the files of the TLS parser
 * (src/app/tls): the per-flow state, the facts a handshake yields, and the
 * functions each file offers the others.
 *
 * App stage. Files, in reading order:
 *   tls.c        parser table, probe, record layer, handshake reassembly,
 *                when the handshake is logged, the server asset
 *   tls_hello.c  ClientHello / ServerHello / SSLv2 CLIENT-HELLO decoding
 *   tls_fp.c     JA3, JA3S and JA4 (client) fingerprints
 *   tls_cert.c   the leaf certificate (OpenSSL) in Suricata's text formats
 *   tls_cache.c  the per-worker cache of decoded certificates
 *   tls_log.c    the EVE "tls" body and the named buffers
 */
#ifndef KN_APP_TLS_H
#define KN_APP_TLS_H

#include <openssl/types.h>
#include <stddef.h>
#include <stdint.h>

#include "kenchi/app.h"

struct kn_json;

/* Largest record payload allowed on the wire (RFC 5246 6.2.3: 2^14 + 2048). */
#define TLS_RECORD_MAX (16384u + 2048u)
/* Bytes of one handshake message kept for decoding; the rest of a longer
 * message is skipped (RECORD_OVERFLOW). Certificate messages are decoded
 * from their kept prefix, so the leaf certificate survives a long chain. */
#define TLS_HS_KEEP_MAX (64u * 1024u)
#define TLS_CERTS_KEEP 10u         /* certificates of a chain kept for tls.certs */

/* Record content types (RFC 8446 5.1, RFC 6520). */
enum {
	TLS_CT_CCS = 20,
	TLS_CT_ALERT = 21,
	TLS_CT_HANDSHAKE = 22,
	TLS_CT_APP_DATA = 23,
	TLS_CT_HEARTBEAT = 24,
};

/* Handshake message types used here; TLS_HS_SSLV2 marks an SSLv2 record
 * handed to the message layer whole. */
enum {
	TLS_HS_CLIENT_HELLO = 1,
	TLS_HS_SERVER_HELLO = 2,
	TLS_HS_CERTIFICATE = 11,
	TLS_HS_CERTIFICATE_REQUEST = 13,
	TLS_HS_SSLV2 = 0x100,
};

/* A string the flow owns (charged to the app memcap, NUL-terminated). */
struct tls_str {
	char *p;
	uint32_t len;
};

/* One certificate's facts, already in the EVE text formats. */
struct tls_cert {
	uint8_t seen;              /* a Certificate message was decoded */
	uint8_t parsed;            /* d2i_X509 accepted the leaf */
	uint8_t has_dates;
	uint8_t self_signed;
	uint32_t chain_len;        /* certificates in the message */
	struct tls_str subject, issuer, serial;
	char fingerprint[60];      /* "aa:bb:...": 20 bytes */
	char not_before[32], not_after[32];  /* "YYYY-MM-DDTHH:MM:SS" */
	int64_t not_before_s, not_after_s;   /* seconds since the epoch */
	/* The server's chain as sent (DER, the first TLS_CERTS_KEEP), for the
	 * tls.certs buffer: kept until the handshake is logged. */
	uint8_t *chain;
	uint32_t chain_bytes;
	uint32_t n_keep;
	uint32_t keep_off[TLS_CERTS_KEEP + 1];
};

/* What the ClientHello said (fingerprints computed when it was decoded). */
struct tls_client_facts {
	uint8_t seen;              /* a ClientHello (TLS or SSLv2) was decoded */
	uint8_t sslv2;             /* it was an SSLv2 CLIENT-HELLO (no JA3/JA4) */
	uint8_t has_ja3, has_ja4, has_sni;
	uint16_t version;          /* legacy_version */
	struct tls_str sni;
	struct tls_str ja3;
	char ja3_hash[33];
	char ja4[40];              /* t13d1516h2_8daaf6152771_e5627efa2ab1 */
};

/* What the ServerHello said. */
struct tls_server_facts {
	uint8_t seen;
	uint8_t has_ja3s;
	uint8_t resumed;           /* <= 1.2, CCS without a certificate (set at log time) */
	uint8_t has_selected;      /* supported_versions chose selected_version */
	uint16_t legacy_version;
	uint16_t selected_version;
	uint16_t cipher;
	struct tls_str ja3s;
	char ja3s_hash[33];
};

/* Per-direction record and handshake reassembly. */
struct tls_dir {
	uint8_t hdr[5];            /* record header being read */
	uint8_t hdr_len, hdr_need;
	uint8_t rec_type;          /* content type of the current record */
	uint8_t rec_sslv2;         /* the current record is SSLv2 */
	uint8_t stopped;           /* nothing more is read in this direction */
	uint8_t encrypted;         /* handshake content is opaque from here on */
	uint8_t hs_broken;         /* handshake framing lost (gap, bad message) */
	uint8_t ccs, app_data;     /* ChangeCipherSpec / application data seen */
	uint8_t sslv2_ok;          /* SSLv2 records may follow (first was one) */
	uint8_t ev_version, ev_heartbeat;  /* events already raised once */
	uint16_t rec_version;      /* first plausible record-layer version */
	uint32_t records;
	uint32_t rec_left;         /* payload bytes left in the current record */
	/* handshake message being reassembled */
	uint8_t hs_hdr[4];
	uint8_t hs_hdr_len;
	uint32_t hs_type;
	uint32_t hs_len, hs_have;  /* body length, body bytes seen */
	uint32_t hs_cap;           /* bytes of this message kept: min(hs_len, max) */
	uint8_t *hs_buf;           /* hs_size bytes (charged), reused per message */
	uint32_t hs_size;
	uint8_t in_record;         /* header read, rec_left payload bytes to come */
	uint8_t hs_active;         /* a message's header was read */
};

struct tls_state {
	struct tls_dir dir[2];
	struct tls_client_facts client;
	struct tls_server_facts server;
	struct tls_cert cert[2];   /* by sender: [server_dir] leaf, other: client */
	uint8_t server_dir;        /* direction that sent the ServerHello (1 default) */
	uint8_t cert_requested;    /* CertificateRequest seen */
	uint8_t client_cert_seen;  /* the client answered it (Certificate) */
	uint8_t tls13;             /* the server chose TLS 1.3 (or a draft) */
	uint8_t sslv2_server;      /* the server answered in SSLv2 */
	uint8_t logged;
	const char *from_proto;    /* protocol before an upgrade (STARTTLS, CONNECT), static */
	struct kn_app_call *call;  /* set for the duration of each parser callback */
};

/* tls.c */
/* A copy of n bytes as an owned NUL-terminated string; 0 or -KN_ENOMEM. */
int tls_str_set(struct tls_state *st, struct tls_str *s, const void *data, size_t n);
void tls_str_free(struct tls_state *st, struct tls_str *s);
/* Owned, charged scratch memory (kn_malloc); NULL when refused. */
void *tls_mem_alloc(struct tls_state *st, size_t n);
void tls_mem_free(struct tls_state *st, void *p, size_t n);
/* Frees the copy of a certificate chain (tls.certs). */
void tls_cert_chain_free(struct tls_state *st, struct tls_cert *c);
void tls_event(struct tls_state *st, int dir, const char *event);
/* The string Suricata logs for a version ("TLS 1.2", "TLS 1.3 draft-23",
 * "0x7e01"); 0 is "UNDETERMINED". buf: at least 24 bytes. */
const char *tls_version_name(uint16_t v, char *buf);
/* The server's version as negotiated (selected, legacy or record layer). */
uint16_t tls_server_version(const struct tls_state *st);
int tls_grease(uint16_t v);

/* tls_hello.c: decode one message body; events through tls_event. */
void tls_client_hello(struct tls_state *st, int dir, const uint8_t *m, uint32_t len);
void tls_server_hello(struct tls_state *st, int dir, const uint8_t *m, uint32_t len);
/* An SSLv2 record (msg type first). */
void tls_sslv2_message(struct tls_state *st, int dir, const uint8_t *m, uint32_t len);

/* tls_fp.c: the sections of a ClientHello that fingerprints read (views
 * into the message, lengths in bytes, each already bounds-checked). */
struct tls_hello_view {
	uint16_t version;
	const uint8_t *ciphers;
	uint32_t ciphers_len;
	uint8_t has_ext_block;     /* the extensions length field was present */
	const uint8_t *exts;       /* the well-formed prefix of the extension block */
	uint32_t exts_len;
	const uint8_t *groups, *formats, *sigalgs, *versions, *alpn;
	uint32_t groups_len, formats_len, sigalgs_len, versions_len, alpn_len;
	uint8_t has_sni, has_alpn, has_versions;
};

/* JA3 string into *out (owned, charged) and its MD5 into hash. 0 or
 * -KN_ENOMEM. */
int tls_ja3(struct tls_state *st, const struct tls_hello_view *h, struct tls_str *out,
	    char hash[33]);
/* JA3S from the ServerHello's version, cipher and extension block. */
int tls_ja3s(struct tls_state *st, uint16_t version, uint16_t cipher, const uint8_t *exts,
	     uint32_t exts_len, struct tls_str *out, char hash[33]);
/* JA4 ("t13d1516h2_8daaf6152771_e5627efa2ab1") into out (40 bytes).
 * 0 or -KN_ENOMEM (sorting needs scratch memory). */
int tls_ja4(struct tls_state *st, const struct tls_hello_view *h, char out[40]);
/* MD5 / SHA-256 of data as lower-case hex (out: 33 / 65 bytes). */
void tls_md5_hex(const void *data, size_t len, char out[33]);
void tls_sha256_hex(const void *data, size_t len, char out[65]);

/* tls_cert.c: the Certificate message body (TLS <= 1.2). */
void tls_certificate(struct tls_state *st, int dir, const uint8_t *m, uint32_t len,
		     int truncated);
void tls_cert_free(struct tls_state *st, struct tls_cert *c);
/* One DER certificate (the leaf) into c: subject, issuer, serial,
 * fingerprint, dates, self-signature. INVALID_CERTIFICATE when OpenSSL
 * rejects it. */
void tls_cert_leaf(struct tls_state *st, int dir, struct tls_cert *c, const uint8_t *der,
		   uint32_t len);

/* tls_cache.c: decoded leaf certificates by the SHA-256 of their DER, per
 * context (worker). Bounds: TLS_CACHE_ENTRIES entries and TLS_CACHE_BYTES
 * bytes (at most 1/16 of the app memcap), entries charged to the memcap as
 * per-context memory; the fixed part is struct tls_cache (~84 KiB with the
 * fingerprint memo). */
#define TLS_CACHE_ENTRIES 1024u
#define TLS_CACHE_BUCKETS 2048u          /* power of two */
#define TLS_CACHE_BYTES (1u << 20)
#define TLS_CACHE_ENTRY_MAX (16u * 1024u) /* larger entries are not kept */

/* What decoding one certificate gave (tls_cache.c owns the layout). */
struct tls_cached_cert;

/* tls_fp.c's memo of the digests of recent fingerprint texts (JA3, JA3S,
 * JA4 lists): a slot per hash of a text (its digest, and where the text is
 * in the arena, a ring the texts are appended to); a text is matched whole
 * before its digest is used, and a slot whose text the ring has since
 * overwritten matches nothing. Texts longer than TLS_MEMO_TEXT_MAX are
 * hashed every time. */
#define TLS_MEMO_SLOTS 512u
#define TLS_MEMO_ARENA (48u * 1024u)
#define TLS_MEMO_TEXT_MAX 640u
struct tls_memo_slot {
	uint64_t pos;               /* of the text: an offset in the ring's history */
	uint16_t len;               /* text bytes; 0: an empty slot */
	uint8_t which;              /* enum kn_digest */
	uint8_t digits;             /* hex digits kept (a JA4 part keeps 12) */
	char hex[33];
};
struct tls_memo {
	uint64_t head;              /* bytes appended to the ring so far */
	struct tls_memo_slot slot[TLS_MEMO_SLOTS];
	char arena[TLS_MEMO_ARENA];
};

struct tls_cache {
	struct tls_cached_cert *slot[TLS_CACHE_ENTRIES];  /* NULL = free */
	uint16_t bucket[TLS_CACHE_BUCKETS]; /* slot + 1 of the chain's first entry, 0 = none */
	uint32_t count, hand;      /* entries; the clock hand (a slot) */
	size_t bytes, budget;      /* bytes of the entries (charged); their maximum */
	uint64_t hits, misses, evictions, refused;
	/* A library context with only OpenSSL's "null" provider, in which
	 * d2i_X509 skips its public-key decoding (see tls_cert.c); NULL when
	 * it could not be made (certificates are then decoded as usual). */
	OSSL_LIB_CTX *keyless;
	OSSL_PROVIDER *keyless_null;
	/* Digest contexts reused by the fingerprints of every flow (MD5: JA3
	 * and JA3S, SHA-256: JA4): making, setting up and freeing a context
	 * per hash cost about as much as hashing a hello's lists. NULL when
	 * one could not be made (a context per hash then). */
	EVP_MD_CTX *md5, *sha256;
	/* Clients send the same hellos again and again: most fingerprint
	 * texts were hashed before on this worker (~72 KiB, fixed). */
	struct tls_memo memo;
};

/* kn_app_parser.ctx_init / ctx_free of the TLS parser. */
int tls_cache_init(void *pctx, const struct kn_app_config *cfg);
void tls_cache_free(void *pctx);
/* The entry of the certificate whose DER hashes to key, or NULL (counted as
 * a miss). A hit marks the entry recently used. */
const struct tls_cached_cert *tls_cache_get(struct tls_cache *tc, const uint8_t key[32]);
/* Keeps the facts of c (decoded from the DER hashing to key; c->parsed = 0:
 * OpenSSL rejected it), evicting as needed. Charged to call's context (not
 * charged when call is NULL); silently not kept when too large or refused. */
void tls_cache_put(struct tls_cache *tc, struct kn_app_call *call, const uint8_t key[32],
		   const struct tls_cert *c);
/* Fills c from an entry as decoding would have (strings copied, charged to
 * the flow). Returns c->parsed. */
int tls_cache_apply(struct tls_state *st, struct tls_cert *c, const struct tls_cached_cert *e);

/* tls_log.c */
void tls_log_body(const struct kn_tx *tx, struct kn_json *j);
int tls_buffer(const struct kn_tx *tx, unsigned buf, unsigned index, const uint8_t **data,
	       uint32_t *len);

#endif
