/*
 * vuln.h - asset inventory and passive vulnerability detection: software
 * seen on the wire (struct kn_asset from the app layer) becomes `asset`
 * events, and `vuln` events when it matches a CVE feed (NVD CVE API 2.0
 * JSON) or shows weak TLS (deprecated protocol, weak cipher, expired or
 * self-signed certificate).
 *
 * Pipeline position: a detector after the app layer, before output. API
 * style: PUSH. The engine loads one struct kn_vuln_feed (immutable once
 * loaded, shared read-only by every worker without locks); each worker owns
 * one struct kn_vuln_ctx (its deduplication table and counters) and hands
 * it every asset the app layer reports; the context calls its hooks, before
 * returning, with each new asset and each new finding. Nothing here formats
 * EVE: src/output/vuln_event.c does (kn_eve_asset, kn_eve_vuln).
 *
 * Feed semantics (see README "Vulnerability feed"): each cpeMatch with
 * "vulnerable": true and a CPE of part 'a' is one match rule for its
 * vendor:product. A configuration's AND/OR structure is flattened: passive
 * detection sees one product at a time, so every vulnerable member matches
 * on its own (this errs on the side of reporting). Platform members
 * ("vulnerable": false) are ignored; negated nodes are skipped and counted.
 */
#ifndef KENCHI_VULN_H
#define KENCHI_VULN_H

#include <stddef.h>
#include <stdint.h>

#include "kenchi/app.h"
#include "kenchi/flow.h"
#include "kenchi/kenchi.h"

/* ---------------------------------------------------------------- feed */

/* Limits that keep a hostile or oversized feed bounded. */
#define KN_VULN_FEED_MAX_FILE (512ull << 20)  /* bytes of one feed file */
#define KN_VULN_MAX_MATCHES (8u << 20)        /* match rules in one feed (more: skipped, counted) */
#define KN_VULN_MAX_VERSION 64                /* bytes of a version or bound (longer: skipped) */
#define KN_VULN_MAX_CPE 1024                  /* bytes of a CPE criteria string (longer: skipped) */

struct kn_vuln_feed;

struct kn_vuln_feed_stats {
	uint64_t files;             /* files loaded */
	uint64_t entries;           /* vulnerabilities[] elements read */
	uint64_t cves;              /* entries with at least one match rule kept */
	uint64_t entries_skipped;   /* unusable entries: no/bad id, no rule kept */
	uint64_t matches;           /* match rules indexed */
	uint64_t matches_skipped;   /* cpeMatch rules not indexed (bad CPE, wildcard
	                               patterns, negated node, over a limit) */
	uint64_t matches_context;   /* "vulnerable": false or non-application CPEs */
	uint64_t bytes;             /* memory held by the index */
	char first_skip[256];       /* "FILE: vulnerabilities[N]: why" of the first entry or
	                               rule skipped, "" if none */
};

/* An empty feed (matches nothing). NULL on allocation failure. */
KN_WARN_UNUSED struct kn_vuln_feed *kn_vuln_feed_new(void);

/* Adds the CVEs of one NVD CVE API 2.0 response file ({"vulnerabilities":
 * [{"cve": {...}}, ...]}) to the feed; several files may be added (pages of
 * the API). Returns 0; -KN_EIO (cannot read: errbuf names the file and the
 * system error); -KN_EFORMAT (not JSON: errbuf is "FILE:LINE:COLUMN: reason
 * ...", or not the NVD 2.0 schema: "FILE: reason ..."); -KN_EINVAL (larger
 * than KN_VULN_FEED_MAX_FILE); -KN_ENOMEM. On failure the feed keeps what
 * earlier calls added and nothing of this file. Entries and rules that are
 * valid JSON but unusable are skipped and counted (kn_vuln_feed_stats), not
 * errors. Not thread-safe: load before sharing the feed. */
KN_WARN_UNUSED int kn_vuln_feed_load_file(struct kn_vuln_feed *f, const char *path,
					  char *errbuf);
/* The same for a document in memory; `name` stands for the file name in
 * messages. */
KN_WARN_UNUSED int kn_vuln_feed_load_mem(struct kn_vuln_feed *f, const char *name,
					 const void *data, size_t len, char *errbuf);

void kn_vuln_feed_stats(const struct kn_vuln_feed *f, struct kn_vuln_feed_stats *out);

/* NULL is a no-op. No context may still use the feed. */
void kn_vuln_feed_free(struct kn_vuln_feed *f);

/* One CVE of a match, as the vuln event lists it. Strings are owned by the
 * feed (valid while it lives). */
struct kn_vuln_cve {
	const char *id;          /* "CVE-2018-15473" */
	const char *severity;    /* "LOW" .. "CRITICAL", or NULL when the feed had no score */
	uint8_t score10;         /* CVSS base score times ten (0..100) */
	uint8_t has_score;
};

/* The CVEs whose rules match `product` (an asset's product name, mapped to
 * CPE vendor:product names, see kn_vuln_product_cpes; kn_vuln_asset uses
 * the NAME:NAME guess for servers only) at `version`, sorted
 * by score (highest first, unscored last), then id. Writes at most max into
 * out and returns the number of distinct matching CVEs (may exceed max).
 * 0 when the product is unknown or the version does not start with a
 * digit. The version is its first token ("1.18.0 (Ubuntu)" -> "1.18.0").
 * For OpenSSH, "7.4p1" is CPE version 7.4 with update p1: a bound without
 * an update ("through 7.7") compares the release only, one with an update
 * ("before 9.3p2") the whole version. A version less precise than a bound
 * and equal to it as far as it goes ("2.4" against "2.4.51") is on neither
 * side, so that rule does not match. Thread-safe (the feed is read-only). */
unsigned kn_vuln_feed_match(const struct kn_vuln_feed *f, const char *product,
			    const char *version, struct kn_vuln_cve *out, unsigned max);

/* ------------------------------------------------------------ helpers */

/* Compares two version strings; <0, 0, >0. Rules (README "Version
 * comparison"): a version is a list of components, numbers and letter runs
 * ("7.4p1" = 7 4 p 1; '.', '-', '_', '+', '~' and other punctuation only
 * separate). Numbers compare by value (any length, leading zeros ignored);
 * letter runs case-insensitively; a number is newer than a letter run
 * ("1.0.1" > "1.0a"). Pre-release words (dev, snapshot, alpha, beta, pre,
 * rc, in that order) are older than anything else. When one version runs
 * out, zeros are ignored ("1.0" == "1.0.0"), a pre-release makes the longer
 * one older ("1.0rc1" < "1.0"), anything else newer ("7.4" < "7.4p1",
 * "1.0.2" < "1.0.2k"). NULL sorts before every string. */
int kn_vuln_version_cmp(const char *a, const char *b);

/* The CPE "vendor:product" names of an asset product name (case, '-', '_'
 * and spaces do not matter: "Apache httpd", "apache-httpd"), e.g. "nginx"
 * -> "f5:nginx", "nginx:nginx". Unknown products map to "NAME:NAME" (NAME
 * in lower case with spaces as '_'). Writes at most max pointers to static
 * or buf strings and returns their number (0 for an empty or over-long
 * name). buf (at least 2 * KN_VULN_MAX_VERSION + 2 bytes) holds the
 * fallback. */
#define KN_VULN_CPE_BUF (2 * KN_VULN_MAX_VERSION + 2)
unsigned kn_vuln_product_cpes(const char *product, const char **out, unsigned max,
			      char buf[KN_VULN_CPE_BUF]);

/* ---------------------------------------------------------- weak TLS */

enum kn_vuln_finding_type {
	KN_VULN_PROTOCOL_DEPRECATED = 0,  /* SSLv2/SSLv3/TLS 1.0/TLS 1.1 negotiated */
	KN_VULN_WEAK_CIPHER,              /* RC4, NULL, EXPORT, anonymous, DES/3DES suite */
	KN_VULN_CERT_EXPIRED,             /* not_after before the packet time */
	KN_VULN_CERT_NOT_YET_VALID,       /* not_before after the packet time */
	KN_VULN_CERT_SELF_SIGNED,
};

struct kn_vuln_finding {
	uint8_t type;            /* enum kn_vuln_finding_type */
	const char *name;        /* protocol ("TLSv1") or IANA cipher name; static */
	const char *weakness;    /* weak cipher: "rc4", "null", "export", "anon", "des", "3des" */
	int64_t when;            /* certificate times: not_after / not_before (epoch seconds) */
};

#define KN_VULN_MAX_FINDINGS 5

/* Judges the TLS facts of an asset at packet time now_s (epoch seconds).
 * Writes up to KN_VULN_MAX_FINDINGS findings, in the order of enum
 * kn_vuln_finding_type, and returns their number. */
unsigned kn_vuln_tls_findings(const struct kn_asset_tls *tls, int64_t now_s,
			      struct kn_vuln_finding out[KN_VULN_MAX_FINDINGS]);

/* "kenchi" names of findings ("protocol_deprecated", ...); NULL out of range. */
const char *kn_vuln_finding_name(unsigned type);
/* Suricata's name of a TLS version wire value ("TLSv1", "TLS 1.2"), or NULL. */
const char *kn_vuln_tls_version_name(uint16_t version);
/* The IANA name of a weak cipher suite and its weakness, or NULL when the
 * suite is not in kenchi's table of weak suites. */
const char *kn_vuln_weak_cipher(uint16_t cipher, const char **weakness);

/* ------------------------------------------------ per-worker context */

enum kn_vuln_kind { KN_VULN_SOFTWARE = 0, KN_VULN_WEAK_TLS = 1 };

/* A finding handed to the vuln hook; borrowed for the call. */
struct kn_vuln_report {
	uint8_t kind;                 /* enum kn_vuln_kind */
	const struct kn_asset *asset; /* role, service, product, version */
	const struct kn_vuln_cve *cves;  /* software: sorted, at most max_cves */
	unsigned n_cves, cves_total;
	const struct kn_vuln_finding *findings;  /* weak_tls */
	unsigned n_findings;
};

struct kn_vuln_hooks {
	/* An asset not seen before (see kn_vuln_asset). */
	void (*asset)(void *user, const struct kn_flow *flow, const struct kn_asset *a,
		      uint64_t ts_ns);
	/* A vulnerability finding not reported before. */
	void (*vuln)(void *user, const struct kn_flow *flow, const struct kn_vuln_report *r,
		     uint64_t ts_ns);
	void *user;
};

struct kn_vuln_config {
	uint32_t max_entries;    /* deduplication entries (assets and findings) per context:
	                            beyond it the least recently seen is forgotten (and may be
	                            reported again), counted in evictions */
	uint32_t max_cves;       /* CVEs listed in one vuln event ("cves_total" has all) */
};

/* max_entries 65536, max_cves 50. */
void kn_vuln_config_default(struct kn_vuln_config *cfg);

struct kn_vuln_stats {
	uint64_t assets;          /* assets judged */
	uint64_t asset_events;    /* new assets reported */
	uint64_t vuln_software;   /* software vuln events */
	uint64_t vuln_weak_tls;   /* weak-TLS vuln events */
	uint64_t evictions;       /* entries forgotten at max_entries */
	uint64_t entries, mem_in_use;
};

struct kn_vuln_ctx;

/* A context judging assets against `feed` (borrowed, may be NULL: no CVE
 * matching; must outlive the context). NULL with errbuf set on a bad
 * config (max_entries 0 or > 2^26, max_cves 0 or > 10000) or no memory. */
KN_WARN_UNUSED struct kn_vuln_ctx *kn_vuln_ctx_new(const struct kn_vuln_config *cfg,
	const struct kn_vuln_feed *feed, const struct kn_vuln_hooks *hooks, char *errbuf);
void kn_vuln_ctx_free(struct kn_vuln_ctx *ctx);

/* Judges one asset of `flow` seen at ts_ns. The asset is new the first time
 * a given (host and its VLANs, role, service, port, product, version, hostname, and for
 * TLS: version and certificate subject, issuer and validity) is seen: the
 * asset hook runs. Then, for a new asset only: weak TLS findings (each
 * distinct set once per host and port) and CVE matches (once per host, role,
 * port, product and version) run the vuln hook. The host is the flow's
 * server (role server) or client; the port is always the server's. */
void kn_vuln_asset(struct kn_vuln_ctx *ctx, const struct kn_flow *flow,
		   const struct kn_asset *a, uint64_t ts_ns);

const struct kn_vuln_stats *kn_vuln_ctx_stats(const struct kn_vuln_ctx *ctx);

#endif
