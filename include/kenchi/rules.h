/*
 * rules.h - the Suricata 7 rule language as kenchi parses it: rule
 * variables (address and port groups), the classification table, and the
 * parsed rule (header sets, options in rule order with their values parsed
 * into structs).
 *
 * Pipeline position: configuration of the detect stage. Nothing here
 * matches traffic; the signature engine compiles these rules. A rule set
 * is loaded from files or memory; a rule that fails to parse is recorded
 * with file, line, column, keyword and a fix, and the others still load.
 * Keywords come from one table (src/detect/keywords.c); each is either
 * supported by the engine or parsed only (the rule loads, the engine cannot
 * match it yet), see kn_rule_keyword_supported().
 *
 * Ownership: a struct kn_ruleset owns every rule, string and error it
 * holds; pointers returned by the accessors live as long as the set.
 * Errors: 0 or a negative -KN_E* code (kenchi.h); constructors return NULL
 * with the reason in the caller's char err[KN_ERRBUF_SIZE].
 */
#ifndef KENCHI_RULES_H
#define KENCHI_RULES_H

#include <stddef.h>
#include <stdint.h>

#include "kenchi/kenchi.h"

/* ------------------------------------------------------------ limits */

#define KN_RULE_MAX_LEN (64u * 1024)     /* one rule, continuation lines joined */
#define KN_RULE_MAX_FILE (512u << 20)    /* bytes of one rules file */
#define KN_RULE_MAX_SET_ITEMS 4096       /* ranges of one address or port set */
#define KN_RULE_MAX_NESTING 16           /* [ ] groups and ! inside one set */
#define KN_RULE_MAX_VAR_DEPTH 16         /* $VAR naming $VAR ... */
#define KN_RULE_MAX_OPTIONS 1024         /* options of one rule */
#define KN_RULE_MAX_BYTE_VARS 32         /* byte_extract / byte_math names of one rule */
#define KN_RULE_MAX_CONTENT_POS (1 << 20) /* |depth|, offset, distance, within (Suricata's) */

/* ------------------------------------------------------------- variables */

struct kn_rule_vars;

enum kn_rule_var_kind { KN_VAR_ADDRESS = 0, KN_VAR_PORT = 1 };

/* A variable table holding the defaults of Suricata 7's stock
 * suricata.yaml (HOME_NET [192.168.0.0/16,10.0.0.0/8,172.16.0.0/12],
 * EXTERNAL_NET !$HOME_NET, HTTP_SERVERS $HOME_NET, ..., HTTP_PORTS 80,
 * SHELLCODE_PORTS !80, ORACLE_PORTS 1521, ...). NULL + err on no memory. */
KN_WARN_UNUSED struct kn_rule_vars *kn_rule_vars_new(char *err);
void kn_rule_vars_free(struct kn_rule_vars *v);
/* A hash of every variable (kind, name, value), for telling whether two
 * variable sets parse rules alike. */
uint64_t kn_rule_vars_fingerprint(const struct kn_rule_vars *v);
/* Sets (adds or replaces) NAME (without '$') to a value as written in
 * suricata.yaml. The value is checked when a rule uses it. 0, -KN_EINVAL
 * (bad name or value too long), -KN_ENOMEM. */
KN_WARN_UNUSED int kn_rule_vars_set(struct kn_rule_vars *v, enum kn_rule_var_kind kind,
				    const char *name, const char *value, char *err);
/* The value of a variable, or NULL. */
const char *kn_rule_vars_get(const struct kn_rule_vars *v, enum kn_rule_var_kind kind,
			     const char *name);
/* Reads variables from a file: either suricata.yaml (the `address-groups:`
 * and `port-groups:` sections of `vars:`), or lines `NAME VALUE` /
 * `NAME: VALUE` where names ending in _PORT or _PORTS are port groups.
 * 0, -KN_EIO, -KN_EFORMAT (err names file and line), -KN_ENOMEM. */
KN_WARN_UNUSED int kn_rule_vars_load_file(struct kn_rule_vars *v, const char *path, char *err);

/* ------------------------------------------------------------ header sets */

/* One inclusive address range of one family; v4 uses the first 4 bytes,
 * network byte order. */
struct kn_rule_iprange {
	uint8_t family;          /* 4 or 6 */
	uint8_t lo[16], hi[16];
};

/* A resolved address set: sorted, disjoint, merged ranges (negation and
 * groups already applied). any = every v4 and v6 address. */
struct kn_rule_addrs {
	uint8_t any;
	uint32_t n;
	const struct kn_rule_iprange *v;
};

struct kn_rule_portrange {
	uint16_t lo, hi;         /* inclusive */
};

/* A resolved port set: sorted, disjoint, merged ranges. */
struct kn_rule_ports {
	uint8_t any;
	uint32_t n;
	const struct kn_rule_portrange *v;
};

/* ---------------------------------------------------------- option values */

enum kn_rule_action {
	KN_RULE_ALERT = 0, KN_RULE_PASS, KN_RULE_DROP, KN_RULE_REJECT,
	KN_RULE_REJECTSRC, KN_RULE_REJECTDST, KN_RULE_REJECTBOTH,
	KN_RULE_CONFIG,          /* Suricata 7 "config" rules (logging settings) */
};

/* Buffer of a payload option: an app.h buffer id (enum kn_app_buffer),
 * or one of these. */
#define KN_RULE_BUF_PAYLOAD (-1)   /* packet payload / reassembled stream */
#define KN_RULE_BUF_BASE64 (-2)    /* the data base64_decode produced (base64_data) */
#define KN_RULE_BUF_OTHER (-3)     /* a sticky buffer no app parser names yet
				    * (dcerpc.stub_data, sip.uri, frame...) */

/* A number that may name a byte_extract / byte_math result instead. */
struct kn_rule_val {
	int64_t value;
	int16_t var;             /* index into kn_rule.byte_vars, -1 = use value */
};

enum kn_rule_cmp {
	KN_CMP_EQ = 0, KN_CMP_NE, KN_CMP_LT, KN_CMP_GT, KN_CMP_LE, KN_CMP_GE,
	KN_CMP_RANGE,            /* a < x < b (Suricata's a<>b) */
};

/* dsize, bsize, urilen, ttl, id, window, itype, icode, icmp_id, icmp_seq,
 * seq, ack, stream_size... */
struct kn_rule_num {
	uint8_t op;              /* enum kn_rule_cmp */
	uint64_t a, b;
	uint8_t side;            /* stream_size: 0 server, 1 client, 2 both, 3 either; urilen: 1 raw */
};

#define KN_CONTENT_NEGATED (1u << 0)
#define KN_CONTENT_NOCASE (1u << 1)
#define KN_CONTENT_RAWBYTES (1u << 2)
#define KN_CONTENT_STARTSWITH (1u << 3)
#define KN_CONTENT_ENDSWITH (1u << 4)
#define KN_CONTENT_FAST_PATTERN (1u << 5)
#define KN_CONTENT_FP_ONLY (1u << 6)
#define KN_CONTENT_FP_CHOP (1u << 7)   /* fast_pattern:offset,length */
#define KN_CONTENT_DEPTH (1u << 8)
#define KN_CONTENT_OFFSET (1u << 9)
#define KN_CONTENT_DISTANCE (1u << 10)
#define KN_CONTENT_WITHIN (1u << 11)
#define KN_CONTENT_REPLACE (1u << 12)

struct kn_rule_content {
	const uint8_t *bytes;    /* |hex| and escapes decoded */
	uint32_t len;
	uint32_t flags;          /* KN_CONTENT_* */
	struct kn_rule_val depth, offset, distance, within;
	uint16_t fp_offset, fp_len;
	const uint8_t *replace;
	uint32_t replace_len;
};

/* pcre flags: PCRE options, then Suricata's. */
#define KN_PCRE_CASELESS (1u << 0)     /* i */
#define KN_PCRE_DOTALL (1u << 1)       /* s */
#define KN_PCRE_MULTILINE (1u << 2)    /* m */
#define KN_PCRE_EXTENDED (1u << 3)     /* x */
#define KN_PCRE_ANCHORED (1u << 4)     /* A */
#define KN_PCRE_DOLLAR_ENDONLY (1u << 5) /* E */
#define KN_PCRE_UNGREEDY (1u << 6)     /* G */
#define KN_PCRE_RELATIVE (1u << 7)     /* R */
#define KN_PCRE_RAWBYTES (1u << 8)     /* B (accepted, no effect) */
#define KN_PCRE_MATCH_LIMIT (1u << 9)  /* O */
#define KN_PCRE_NEGATED (1u << 10)

struct kn_rule_pcre {
	const char *regex;       /* between the slashes, as written (NUL-terminated) */
	uint32_t flags;          /* KN_PCRE_*; a buffer flag (U I P Q H D M C S Y V W Z)
				  * sets the option's buffer instead */
	const char *capture;     /* text after the pattern ("pkt:name"), or NULL */
};

#define KN_BYTE_RELATIVE (1u << 0)
#define KN_BYTE_LITTLE (1u << 1)       /* default big endian */
#define KN_BYTE_STRING (1u << 2)       /* ASCII number; base below */
#define KN_BYTE_DCE (1u << 3)
#define KN_BYTE_ALIGN (1u << 4)        /* byte_jump: align to 4 */
#define KN_BYTE_FROM_BEGINNING (1u << 5)
#define KN_BYTE_FROM_END (1u << 6)
#define KN_BYTE_NEGATED (1u << 7)      /* byte_test: !op */
#define KN_BYTE_BITMASK (1u << 8)

/* byte_test, byte_jump, byte_extract, byte_math in one shape. */
struct kn_rule_byte {
	struct kn_rule_val nbytes;   /* byte_math: bytes may name a variable */
	struct kn_rule_val offset;
	struct kn_rule_val value;    /* byte_test value, byte_math rvalue */
	uint32_t flags;              /* KN_BYTE_* */
	uint8_t base;                /* 8, 10, 16 with KN_BYTE_STRING */
	char op[3];                  /* byte_test: < > = <= >= & ^ ; byte_math: + - * / << >> */
	uint32_t bitmask;
	uint32_t multiplier;         /* 1 when absent */
	int64_t post_offset;         /* byte_jump */
	uint8_t align;               /* byte_extract: 0, 2 or 4 */
	int16_t result;              /* byte_extract / byte_math: index in kn_rule.byte_vars */
};

struct kn_rule_isdataat {
	struct kn_rule_val pos;
	uint8_t negated, relative, rawbytes;
};

#define KN_RULE_FLOW_ESTABLISHED (1u << 0)
#define KN_RULE_FLOW_NOT_ESTABLISHED (1u << 1)
#define KN_RULE_FLOW_STATELESS (1u << 2)
#define KN_RULE_FLOW_TO_SERVER (1u << 3)    /* = from_client */
#define KN_RULE_FLOW_TO_CLIENT (1u << 4)    /* = from_server */
#define KN_RULE_FLOW_ONLY_STREAM (1u << 5)
#define KN_RULE_FLOW_NO_STREAM (1u << 6)
#define KN_RULE_FLOW_ONLY_FRAG (1u << 7)
#define KN_RULE_FLOW_NO_FRAG (1u << 8)

enum kn_rule_bits_cmd {
	KN_BITS_SET = 0, KN_BITS_UNSET, KN_BITS_TOGGLE, KN_BITS_ISSET, KN_BITS_ISNOTSET,
	KN_BITS_NOALERT,
};

/* flowbits / xbits: one name, or several joined by '|' (isset: any) or
 * '&' (all). */
struct kn_rule_bits {
	uint8_t cmd;             /* enum kn_rule_bits_cmd */
	uint8_t any_of;          /* names were joined by '|' */
	uint32_t n_names;
	const char *const *names;
	uint8_t track;           /* xbits: 0 ip_src, 1 ip_dst, 2 ip_pair, 3 tx */
	uint32_t expire;         /* xbits expire seconds, 0 none */
};

enum kn_rule_thr_type { KN_THR_LIMIT = 0, KN_THR_THRESHOLD, KN_THR_BOTH, KN_THR_BACKOFF };
enum kn_rule_track { KN_TRACK_SRC = 0, KN_TRACK_DST, KN_TRACK_RULE, KN_TRACK_BOTH, KN_TRACK_FLOW };

/* threshold and detection_filter (type is KN_THR_THRESHOLD for the latter). */
struct kn_rule_threshold {
	uint8_t type, track;
	uint32_t count, seconds;
	uint32_t multiplier;     /* backoff */
};

/* tcp flags / fragbits: bits that must be set, bits ignored, and how. */
struct kn_rule_bitmask {
	uint8_t bits, ignore;
	char mod;                /* 0 exact, '+' all of and any others, '*' any of, '!' none of */
};

struct kn_rule_reference {
	const char *type, *value;
};

/* Every option in rule order. `text` is the argument as written (quotes
 * kept, NULL when the keyword took none); the union member used depends on
 * the keyword (see keywords.c). */
struct kn_rule_opt {
	uint16_t kw;             /* keyword id: kn_rule_keyword_name(kw) */
	int16_t buffer;          /* payload options: app buffer id or KN_RULE_BUF_* */
	uint32_t column;         /* 1-based column of the keyword in its line */
	const char *text;
	union {
		const struct kn_rule_content *content;
		const struct kn_rule_pcre *pcre;
		const struct kn_rule_byte *byte;
		const struct kn_rule_isdataat *isdataat;
		const struct kn_rule_bits *bits;
		const struct kn_rule_threshold *threshold;
		struct kn_rule_num num;
		struct kn_rule_bitmask mask;
		uint32_t flags;      /* flow: KN_FLOW_*; target: 0 src 1 dest */
		const char *str;     /* msg, classtype, metadata, app-layer-event, ipopts... */
	} u;
};

/* A parsed rule. */
struct kn_rule {
	uint8_t action;          /* enum kn_rule_action */
	const char *proto;       /* "tcp", "http", "dns", "tcp-pkt"... as written, lower case */
	uint8_t ipproto;         /* 6, 17, 1, 58, 132, or 0 for "ip"/any */
	uint8_t app;             /* 1: proto names an application protocol */
	uint8_t bidir;           /* <> */
	struct kn_rule_addrs src, dst;
	struct kn_rule_ports sport, dport;
	uint32_t gid, sid, rev;  /* gid defaults to 1 */
	int32_t priority;        /* priority keyword, else classtype's, else 3 */
	const char *msg;         /* unescaped, "" when absent */
	const char *classtype;   /* NULL when absent */
	uint32_t n_refs;
	const struct kn_rule_reference *refs;
	uint32_t n_opts;
	const struct kn_rule_opt *opts;
	uint32_t n_byte_vars;
	const char *const *byte_vars;
	uint32_t unsupported;    /* options whose keyword the engine cannot match yet */
	const char *file;        /* where it came from */
	uint32_t line;
};

/* ------------------------------------------------------------ rule sets */

struct kn_ruleset;

/* A failed rule. */
struct kn_rule_error {
	const char *file;
	uint32_t line, column;   /* column 0: the whole rule */
	const char *keyword;     /* keyword or header part ("header", "sid"), may be "" */
	const char *message;     /* what is wrong and how to fix it */
	uint32_t sid;            /* 0 when unknown */
};

/* Per-file counts of one load. */
struct kn_rules_file_stats {
	uint64_t lines;          /* physical lines */
	uint64_t rules;          /* rules seen (loaded + failed) */
	uint64_t loaded;
	uint64_t failed;
	uint64_t unsupported;    /* loaded rules with parsed-only keywords */
	uint64_t replaced;       /* loaded rules that replaced an earlier rule of the
				  * same gid:sid with a lower rev (as Suricata does) */
};

/* A new empty rule set using the variables `vars` (borrowed: must outlive
 * the set; NULL = the stock defaults). NULL + err on no memory. */
KN_WARN_UNUSED struct kn_ruleset *kn_ruleset_new(const struct kn_rule_vars *vars, char *err);
void kn_ruleset_free(struct kn_ruleset *rs);
/* Loads a classification.config (`config classification: name,text,prio`):
 * classtype is then checked against it and gives the default priority.
 * 0, -KN_EIO, -KN_EFORMAT (err names file and line), -KN_ENOMEM. */
KN_WARN_UNUSED int kn_ruleset_load_classification(struct kn_ruleset *rs, const char *path,
						  char *err);
/* Parses a rules file: every rule either loads or is recorded as an error.
 * Returns 0 (whatever the number of failed rules; see st), -KN_EIO (cannot
 * read), -KN_EFORMAT (larger than KN_RULE_MAX_FILE), -KN_ENOMEM. */
KN_WARN_UNUSED int kn_ruleset_load_file(struct kn_ruleset *rs, const char *path,
					struct kn_rules_file_stats *st, char *err);
/* The same on bytes in memory; `name` is used in errors. */
KN_WARN_UNUSED int kn_ruleset_load_mem(struct kn_ruleset *rs, const char *name,
				       const char *data, size_t len,
				       struct kn_rules_file_stats *st, char *err);

/* Live reload: rules loaded into rs from now on whose text equals a rule
 * of `base` (the set rs replaces) are taken from it instead of parsed
 * again, when rs's variables and classification equal base's (load those
 * first). The memory they use stays alive while either set does. base must
 * stay alive until kn_ruleset_reuse_end(rs), called after the last file.
 * 1 reuse on, 0 off (different context, empty base), -KN_ENOMEM. */
KN_WARN_UNUSED int kn_ruleset_reuse_from(struct kn_ruleset *rs, const struct kn_ruleset *base);
void kn_ruleset_reuse_end(struct kn_ruleset *rs);
/* Rules taken unchanged from a base set. */
size_t kn_ruleset_reused(const struct kn_ruleset *rs);

size_t kn_ruleset_count(const struct kn_ruleset *rs);
const struct kn_rule *kn_ruleset_rule(const struct kn_ruleset *rs, size_t i);
size_t kn_ruleset_error_count(const struct kn_ruleset *rs);
/* Errors are kept up to 100,000; the count goes on past that. */
const struct kn_rule_error *kn_ruleset_error(const struct kn_ruleset *rs, size_t i);
/* Rules (loaded or not) that used keyword id `kw`. */
uint64_t kn_ruleset_keyword_rules(const struct kn_ruleset *rs, unsigned kw);

/* ------------------------------------------------------------- keywords */

/* Number of keywords in the table; ids are 0 .. count-1. */
unsigned kn_rule_keyword_count(void);
const char *kn_rule_keyword_name(unsigned kw);
/* 1: the engine matches it; 0: parsed only. */
int kn_rule_keyword_supported(unsigned kw);
/* The keyword id of a name (aliases included), or -1. */
int kn_rule_keyword_by_name(const char *name);

#endif
