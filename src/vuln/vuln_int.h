/*
 * vuln_int.h - names shared between the files of the vuln stage
 * (src/vuln): the feed's index (feed.c builds it, match.c reads it), CPE
 * parsing and the product table (cpe.c), version helpers (version.c) and
 * the keyed hash of the deduplication table (dedup.c).
 */
#ifndef KN_VULN_VULN_INT_H
#define KN_VULN_VULN_INT_H

#include <stddef.h>
#include <stdint.h>

#include "kenchi/vuln.h"

/* ------------------------------------------------------------ cpe.c */

/* The fields of a CPE 2.3 formatted string that matching uses, with
 * backslash escapes removed; "*" is ANY and "-" NA as in the string. */
struct vuln_cpe {
	char part;               /* 'a', 'o' or 'h' */
	char vendor[KN_VULN_MAX_VERSION + 1];
	char product[KN_VULN_MAX_VERSION + 1];
	char version[KN_VULN_MAX_VERSION + 1];
	char update[KN_VULN_MAX_VERSION + 1];
};

/* Parses "cpe:2.3:PART:VENDOR:PRODUCT:VERSION:UPDATE:..." (the last six
 * components are not read). 0, or -1 when it is not a CPE 2.3 string, a
 * component is empty or longer than KN_VULN_MAX_VERSION, vendor or product
 * is ANY, or a component holds an embedded wildcard ("2.4.*"). */
int vuln_cpe_parse(const char *s, struct vuln_cpe *out);

/* Product flags. */
#define VULN_P_UPDATE_SUFFIX 1u  /* "7.4p1": "p1" is the CPE update field (OpenSSH) */
#define VULN_P_FALLBACK 2u       /* not in the table: the NAME:NAME guess */

/* kn_vuln_product_cpes() plus the product's flags. */
unsigned vuln_product_lookup(const char *product, const char **out, unsigned max,
			     char buf[KN_VULN_CPE_BUF], unsigned *flags);

/* -------------------------------------------------------- version.c */

/* The version token of an asset's version text: leading blanks and 'v'
 * dropped, cut at a blank, '(', '/', ',' or ';' ("1.18.0 (Ubuntu)" ->
 * "1.18.0"). Returns its length; 0 (out = "") when it does not start with
 * a digit or is longer than KN_VULN_MAX_VERSION. */
size_t vuln_version_token(const char *v, char out[KN_VULN_MAX_VERSION + 1]);

/* Splits a version token (at most KN_VULN_MAX_VERSION bytes) into release
 * (digits and dots: "7.4") and update (letters then digits right after:
 * "p1"); the rest ("-hpn14v4") is dropped. */
void vuln_version_split(const char *v, char rel[KN_VULN_MAX_VERSION + 1],
			char upd[KN_VULN_MAX_VERSION + 1]);

/* 1 when version v is less precise than bound and equal to it as far as
 * it goes ("2.4" or "2" against "2.4.51"; not "2.4" against "2.4.0", not
 * "2.2" against "2.4.51"): v stands for versions on both sides of the
 * bound, so it neither matches nor misses it. NULL is not accepted. */
int vuln_version_imprecise(const char *v, const char *bound);

/* 1 when the version has an update part ("9.3p2"). */
int vuln_version_has_update(const char *v);

/* ----------------------------------------------------------- feed.c */

#define VULN_NONE UINT32_MAX

/* vuln_rule.flags */
enum {
	RULE_EXACT = 1u << 0,       /* version (+ update) must be equal */
	RULE_START_INCL = 1u << 1,  /* start bound is inclusive */
	RULE_END_INCL = 1u << 2,
	RULE_UPDATE_ANY = 1u << 3,  /* exact: CPE update "*" */
	RULE_UPDATE_NA = 1u << 4,   /* exact: CPE update "-" */
	RULE_VERSION_UPD = 1u << 5, /* the exact version carries its own update ("7.4p1") */
	RULE_START_UPD = 1u << 6,   /* the start bound carries an update */
	RULE_END_UPD = 1u << 7,
};

/* One cpeMatch rule: strings are offsets into the feed's arena. */
struct vuln_rule {
	uint32_t key;        /* index into keys[]: the vendor:product */
	uint32_t cve;        /* index into cves[] */
	uint32_t version;    /* exact rules */
	uint32_t update;     /* exact rules with a specific update, else VULN_NONE */
	uint32_t start, end; /* range bounds, VULN_NONE when open */
	uint32_t flags;
};

struct vuln_cve_rec {
	char id[32];
	uint8_t score10, has_score, severity;  /* severity: index in vuln_severity_names */
};

/* An open-addressing string set (values are indices whose string the
 * owner knows); rebuilt in place after a failed load. */
struct vuln_map {
	uint32_t *slot;      /* value + 1, 0 = empty */
	uint32_t cap, n;     /* cap: power of two */
};

struct kn_vuln_feed {
	char *arena;
	size_t arena_len, arena_cap;
	uint32_t *keys;             /* arena offsets of "vendor:product" strings */
	size_t n_keys, cap_keys;
	struct vuln_cve_rec *cves;
	size_t n_cves, cap_cves;
	struct vuln_rule *rules;    /* sorted by (key, cve) after each load */
	size_t n_rules, cap_rules;
	struct vuln_map key_map, cve_map;
	struct kn_vuln_feed_stats st;
};

extern const char *const vuln_severity_names[5];  /* NONE LOW MEDIUM HIGH CRITICAL */

/* kn_vuln_feed_match(); with guess 0, a product missing from the table
 * matches nothing (no NAME:NAME guess). */
unsigned vuln_feed_match(const struct kn_vuln_feed *f, const char *product,
			 const char *version, struct kn_vuln_cve *out, unsigned max, int guess);

/* The key id of "vendor:product", or VULN_NONE. */
uint32_t vuln_feed_key_find(const struct kn_vuln_feed *f, const char *key);

/* --------------------------------------------------------- dedup.c */

/* SipHash-2-4 with a 128-bit output (the reference construction), over
 * len bytes of data with a 16-byte key. */
void vuln_siphash128(const uint8_t key[16], const void *data, size_t len, uint64_t out[2]);

/* The deduplication table: 128-bit keyed digests, LRU-ordered, at most
 * `max` entries, grown on demand. */
struct vuln_seen_entry {
	uint64_t h[2];
	uint32_t next;            /* bucket chain */
	uint32_t prev_lru, next_lru;
};

struct vuln_seen {
	struct vuln_seen_entry *e;
	uint32_t *bucket;         /* heads, VULN_NONE = empty */
	uint32_t n, cap, max, nbuckets;
	uint32_t lru_head, lru_tail;  /* head = most recently seen */
	uint64_t evictions;
};

/* 0 or -KN_ENOMEM. */
int vuln_seen_init(struct vuln_seen *s, uint32_t max);
void vuln_seen_fini(struct vuln_seen *s);
/* Records h. Returns 1 when it was not in the table (it is now, possibly
 * evicting the least recently seen entry), 0 when it was (it becomes the
 * most recent), -KN_ENOMEM when growing failed (nothing recorded). */
int vuln_seen_add(struct vuln_seen *s, const uint64_t h[2]);
size_t vuln_seen_bytes(const struct vuln_seen *s);

#endif
