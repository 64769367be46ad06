/*
 * detect_int.h - what the files of src/detect share: the rule set object,
 * its arena, the per-rule parse context, the keyword table entry
 * (struct kn_keyword) and the helpers keyword callbacks use to read their
 * arguments and to fail with a message that names the fix.
 *
 * Flow of a parse: rule_parse.c joins a rule's lines, reads the header
 * (addresses and ports through rule_vars.c), splits the options and hands
 * each to its keyword's callback (table in keywords.c; callbacks there and
 * in kw_payload.c, kw_byte.c, kw_header.c), which fills a struct
 * kn_rule_opt. All rule memory comes from the set's
 * arena and is freed with the set.
 */
#ifndef KN_DETECT_INT_H
#define KN_DETECT_INT_H

#include <stddef.h>
#include <stdint.h>

#include "kenchi/app.h"
#include "kenchi/rules.h"

/* ------------------------------------------------------------- arena */

struct detect_chunk;

struct detect_arena {
	struct detect_chunk *head;
	size_t used, cap;        /* of head */
	size_t total;            /* bytes allocated in chunks */
};

/* n bytes, 8-aligned, zeroed; NULL on no memory. Freed with the arena. */
void *detect_alloc(struct detect_arena *a, size_t n);
char *detect_strndup(struct detect_arena *a, const char *s, size_t n);
void detect_arena_free(struct detect_arena *a);

/* ---------------------------------------------------------- header sets */

/* Resolves an address or port set as written in a rule header ("any",
 * "$HOME_NET", "[1.2.3.0/24,!1.2.3.4]", "![80,443]", "1024:") into the
 * arena. 0, or -KN_EINVAL with a one-line reason in err (and *errpos the
 * offset in text where it went wrong), -KN_ENOMEM. */
int detect_parse_addrs(const struct kn_rule_vars *vars, struct detect_arena *a,
		       const char *text, size_t len, struct kn_rule_addrs *out, char *err,
		       size_t errsz, size_t *errpos);
int detect_parse_ports(const struct kn_rule_vars *vars, struct detect_arena *a,
		       const char *text, size_t len, struct kn_rule_ports *out, char *err,
		       size_t errsz, size_t *errpos);

/* ------------------------------------------------------------ rule sets */

struct detect_class {
	const char *name, *text;
	int priority;
};

struct kn_ruleset {
	const struct kn_rule_vars *vars;
	struct kn_rule_vars *own_vars;   /* defaults when none was given */
	struct detect_arena arena;
	struct kn_rule *rules;
	size_t n_rules, cap_rules;
	struct kn_rule_error *errs;
	size_t n_errs, cap_errs;
	uint64_t n_errs_total;
	uint64_t *kw_rules;              /* per keyword id */
	struct detect_class *classes;
	size_t n_classes, cap_classes;
	struct detect_sid {
		uint64_t key;            /* (gid << 32 | sid) + 1; 0 = free slot */
		uint32_t idx;            /* index in rules */
	} *sids;                         /* open addressing */
	size_t sid_cap, n_sids;
	uint16_t *kw_index;              /* name hash -> keyword id + 1 */
	size_t kw_index_cap;
	/* reuse (ruleset_reuse.c): the pool that will own `arena` when the set
	 * is freed, the pool of each rule (its own or a replaced set's), the
	 * pools this set holds references on, each rule's text hash, and while
	 * loading beside the set being replaced, that set and its index */
	struct detect_pool *pool;
	struct detect_pool **rule_pool;
	struct detect_pool **held;
	size_t n_held, cap_held;
	uint64_t (*text_hash)[2];
	const struct kn_ruleset *base;
	uint32_t *reuse_index;
	size_t reuse_cap, n_reused;
	struct kn_rule_opt *tmp_opts;    /* options of the rule being parsed */
	size_t cap_opts;
	uint8_t *kw_seen;                /* per keyword id, for the rule being parsed */
};

/* ruleset_reuse.c: pools of rule memory shared between a set and the one
 * that replaces it; a rule's text hash; taking an unchanged rule from the
 * base set (0 taken, 1 not there: parse it, -KN_ENOMEM). */
struct detect_pool;
struct detect_pool *detect_pool_new(void);
void detect_pool_put(struct detect_pool *p);
void detect_text_hash(const char *text, size_t len, const size_t *seg_starts, unsigned n_segs,
		      uint64_t out[2]);
int detect_reuse_rule(struct kn_ruleset *rs, const uint64_t h[2], const char *file,
		      uint32_t line);
/* The pool's arena takes over the set's arena (called when freeing). */
void detect_pool_adopt(struct detect_pool *p, struct detect_arena *a);

/* Keyword id of a name (not NUL-terminated), or -1. */
int detect_keyword_lookup(const struct kn_ruleset *rs, const char *s, size_t n);
/* Registers gid:sid for rule idx: 0 added, 1 already there (*found = the
 * index of that rule), -KN_ENOMEM. */
int detect_sid_add(struct kn_ruleset *rs, uint32_t gid, uint32_t sid, uint32_t idx,
		   uint32_t *found);

/* ----------------------------------------------------- per-rule context */

struct rule_ctx {
	struct kn_ruleset *rs;
	struct kn_rule *rule;
	size_t n_opts;
	int cur_buffer;                  /* sticky buffer: app id or KN_RULE_BUF_* */
	int last_content;                /* index in rs->tmp_opts, -1 */
	int last_payload;                /* last content / pcre / byte_* / isdataat, -1 */
	const char *byte_vars[KN_RULE_MAX_BYTE_VARS];
	unsigned n_byte_vars;
	struct kn_rule_reference *refs;
	unsigned n_refs, cap_refs;
	long replaces;                   /* index of the rule this one replaces, -1 */
	const char *kw;                  /* keyword being parsed */
	char msg[384];                   /* reason of a failure */
};

/* Flags of a keyword (struct kn_keyword.flags). */
#define KW_SUPPORTED (1u << 0)   /* the engine matches it; else parsed only */
#define KW_NOARG (1u << 1)       /* takes no argument */
#define KW_ARG (1u << 2)         /* needs an argument */
#define KW_STICKY (1u << 3)      /* selects `buffer` for the payload options after it */
#define KW_MODIFIER (1u << 4)    /* legacy content modifier: moves the last content to `buffer` */
#define KW_PAYLOAD (1u << 5)     /* inspects the current buffer */
#define KW_TRANSFORM (1u << 6)   /* transforms the current sticky buffer */

/* One keyword of the rule language: its name, how its argument is parsed
 * into the option, and what it means to the engine. Aliases are separate
 * entries with the same callback. */
struct kn_keyword {
	const char *name;
	int (*parse)(struct rule_ctx *c, struct kn_rule_opt *o, const char *arg, size_t len);
	uint16_t flags;          /* KW_* */
	int16_t buffer;          /* KW_STICKY / KW_MODIFIER: the buffer */
	const char *usage;       /* argument form shown in errors ("depth:<bytes>") */
};

const struct kn_keyword *detect_keyword(unsigned kw);

/* Name of a buffer id for messages. */
static inline const char *detect_buffer_name(int buf)
{
	return buf >= 0 ? kn_app_buffer_name((unsigned)buf)
	       : buf == KN_RULE_BUF_BASE64 ? "base64_data"
	       : buf == KN_RULE_BUF_OTHER ? "a protocol buffer" : "the payload";
}

/* Buffers Suricata treats as one: an HTTP response body is file.data. */
static inline int detect_same_buffer(int a, int b)
{
	int body_a = a == KN_BUF_FILE_DATA || a == KN_BUF_HTTP_RESPONSE_BODY;
	int body_b = b == KN_BUF_FILE_DATA || b == KN_BUF_HTTP_RESPONSE_BODY;
	return a == b || (body_a && body_b);
}

/* Records a failure of the current keyword: always returns -KN_EINVAL. */
int kw_fail(struct rule_ctx *c, const char *fmt, ...) KN_PRINTF(2, 3);

/* Argument helpers: trim, unquote, numbers, comma lists. */
void kw_trim(const char **s, size_t *len);
/* Strips one pair of double quotes if present; sets *quoted. */
void kw_unquote(const char **s, size_t *len, int *quoted);
/* Decimal or 0x hex integer in [min, max] (whole string). 0 or -KN_EINVAL. */
int kw_int(const char *s, size_t len, int64_t min, int64_t max, int64_t *out);
/* Splits at the next comma: *item and *ilen get the part before (trimmed), s/len
 * advanced past the comma. 0 when nothing is left. */
int kw_next_item(const char **s, size_t *len, const char **item, size_t *ilen);
/* Matches a word exactly (case-sensitive). */
int kw_is(const char *s, size_t len, const char *word);
/* A number or the name of an earlier byte_extract/byte_math result. */
int kw_val(struct rule_ctx *c, const char *s, size_t len, int64_t min, int64_t max,
	   struct kn_rule_val *out);
/* Stores a byte_extract/byte_math result name; its index or -KN_EINVAL. */
int kw_add_byte_var(struct rule_ctx *c, const char *s, size_t len);
/* Comparison forms "N", "<N", ">N", "<=N", ">=N", "!N", "N<>M", "N-M". */
int kw_num_cmp(struct rule_ctx *c, const char *s, size_t len, uint64_t max,
	       struct kn_rule_num *out);

/* Payload keywords (kw_payload.c, kw_byte.c). */
int kw_content(struct rule_ctx *c, struct kn_rule_opt *o, const char *arg, size_t len);
int kw_uricontent(struct rule_ctx *c, struct kn_rule_opt *o, const char *arg, size_t len);
int kw_content_mod(struct rule_ctx *c, struct kn_rule_opt *o, const char *arg, size_t len);
int kw_fast_pattern(struct rule_ctx *c, struct kn_rule_opt *o, const char *arg, size_t len);
int kw_replace(struct rule_ctx *c, struct kn_rule_opt *o, const char *arg, size_t len);
int kw_legacy_modifier(struct rule_ctx *c, struct kn_rule_opt *o, const char *arg, size_t len);
int kw_pcre(struct rule_ctx *c, struct kn_rule_opt *o, const char *arg, size_t len);
int kw_isdataat(struct rule_ctx *c, struct kn_rule_opt *o, const char *arg, size_t len);
int kw_byte_test(struct rule_ctx *c, struct kn_rule_opt *o, const char *arg, size_t len);
int kw_byte_jump(struct rule_ctx *c, struct kn_rule_opt *o, const char *arg, size_t len);
int kw_byte_extract(struct rule_ctx *c, struct kn_rule_opt *o, const char *arg, size_t len);
int kw_byte_math(struct rule_ctx *c, struct kn_rule_opt *o, const char *arg, size_t len);
/* Threshold and header keywords (kw_header.c). */
int kw_threshold(struct rule_ctx *c, struct kn_rule_opt *o, const char *arg, size_t len);
int kw_detection_filter(struct rule_ctx *c, struct kn_rule_opt *o, const char *arg,
			size_t len);
int kw_u8_cmp(struct rule_ctx *c, struct kn_rule_opt *o, const char *arg, size_t len);
int kw_u16_cmp(struct rule_ctx *c, struct kn_rule_opt *o, const char *arg, size_t len);
int kw_u32_cmp(struct rule_ctx *c, struct kn_rule_opt *o, const char *arg, size_t len);
int kw_stream_size(struct rule_ctx *c, struct kn_rule_opt *o, const char *arg, size_t len);
int kw_ipopts(struct rule_ctx *c, struct kn_rule_opt *o, const char *arg, size_t len);
int kw_flags(struct rule_ctx *c, struct kn_rule_opt *o, const char *arg, size_t len);
int kw_fragbits(struct rule_ctx *c, struct kn_rule_opt *o, const char *arg, size_t len);
int kw_ip_proto(struct rule_ctx *c, struct kn_rule_opt *o, const char *arg, size_t len);
/* Decodes a content string (quotes already removed): |hex|, \" \; \\ \:. */
int detect_content_bytes(struct rule_ctx *c, const char *s, size_t len, uint8_t **out,
			 uint32_t *outlen);

/* Classification lookup (classification.c); NULL when unknown. */
const struct detect_class *detect_class_find(const struct kn_ruleset *rs, const char *name,
					     size_t len);

#endif
