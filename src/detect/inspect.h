/*
 * inspect.h - payload inspection: the options of ONE rule that act on ONE
 * buffer (content, pcre, byte_test, byte_jump, byte_extract, byte_math,
 * isdataat, bsize, urilen) evaluated in rule order with Suricata 7's
 * semantics, including its backtracking and its limits.
 *
 * Pipeline position: detect stage, called by the signature engine
 * (sig_match.c) for every candidate rule and buffer. inspect.c holds the
 * list walk, content and pcre; inspect_byte.c the byte_* keywords and the
 * length checks.
 *
 * What is reproduced (Suricata 7, detect-engine-content-inspection.c):
 * - a "cursor" (end of the previous match in this list) set by content,
 *   pcre, byte_jump, byte_extract and byte_math; relative options start there;
 * - backtracking: a content is retried at its next occurrence only when the
 *   next content/pcre after it in the list is a content with `within`
 *   (Suricata's WITHIN_NEXT); a pcre is retried when a relative option
 *   follows it (RELATIVE_NEXT). When the options after a content that has
 *   no such successor fail, the whole list fails at once (Suricata's
 *   "discontinue"), and so does an absolute content that is not found;
 * - `isdataat:!1,relative` right after a content is that content's
 *   `endswith` (Suricata folds it at load time);
 * - a work budget per rule, like Suricata's inspection-recursion-limit.
 * Where Suricata's arithmetic wraps or truncates (32-bit casts of byte
 * variables, a negative within window), this code uses the plain meaning:
 * 64-bit arithmetic, an empty window, no match.
 *
 * Ownership: struct sig_inspect is per worker thread (not shared). Compiled
 * pcres belong to the caller (pcre2_code_free). PCRE2's allocations go
 * through kn_malloc / kn_free, except the JIT's executable memory (its
 * own allocator; a pattern the JIT cannot take runs interpreted).
 */
#ifndef KN_DETECT_INSPECT_H
#define KN_DETECT_INSPECT_H

#include <stddef.h>
#include <stdint.h>

#define PCRE2_CODE_UNIT_WIDTH 8
#include <pcre2.h>

#include "kenchi/kenchi.h"
#include "kenchi/rules.h"

/* Option kinds a list may hold (index of sig_inspect.kw). */
enum sig_inspect_kind {
	SIG_KIND_CONTENT = 0, SIG_KIND_URICONTENT, SIG_KIND_PCRE, SIG_KIND_BYTE_TEST,
	SIG_KIND_BYTE_JUMP, SIG_KIND_BYTE_EXTRACT, SIG_KIND_BYTE_MATH, SIG_KIND_ISDATAAT,
	SIG_KIND_BSIZE, SIG_KIND_URILEN,
	SIG_KIND_COUNT,
};

/* Per-worker scratch for inspecting rules (one per thread). */
struct sig_inspect {
	pcre2_match_data *md;          /* sized for the largest capture count you support */
	pcre2_match_context *mctx;     /* match limit / depth limit (bounded work) */
	int64_t vars[KN_RULE_MAX_BYTE_VARS]; /* byte_extract / byte_math results of the rule
					      * being evaluated (the caller zeroes before a rule) */
	uint32_t budget;               /* content-retry steps left for the current rule; the caller
					* sets it (e.g. SIG_INSPECT_BUDGET) before each rule */
	uint64_t pcre_limit_hits;      /* pcre matches stopped by a limit (counted, no match) */
	uint64_t budget_hits;          /* inspections stopped by the budget (no match) */
	/* private to inspect*.c, set by sig_inspect_init */
	int kw[SIG_KIND_COUNT];        /* keyword ids per kind */
	pcre2_jit_stack *jit_stack;    /* SIG_PCRE_JIT_STACK_MAX for JIT matches, or NULL */
};

/* Suricata's detect.inspection-recursion-limit default (suricata.yaml:
 * 3000), counted the same way: each entry into an option costs one step
 * (a content or pcre moving to its next occurrence is paid for by the
 * options tried after it), so one rule does at most ~3000 keyword
 * evaluations, each a search bounded by the buffer length, however its
 * contents repeat. Running out is no match (s->budget_hits). */
#define SIG_INSPECT_BUDGET 3000

/* Captures the match data holds (pairs, the whole match included). */
#define SIG_PCRE_MAX_CAPTURES 16
/* Suricata 7's defaults (pcre.match-limit, pcre.match-limit-recursion);
 * the O flag multiplies both by 10 as Suricata does. */
#define SIG_PCRE_MATCH_LIMIT 3500
#define SIG_PCRE_DEPTH_LIMIT 1500
/* JIT stack per worker, Suricata's sizes (32 KiB growing to 512 KiB). */
#define SIG_PCRE_JIT_STACK_MIN (32 * 1024)
#define SIG_PCRE_JIT_STACK_MAX (512 * 1024)

/* 0 or -KN_ENOMEM (s is then safe to pass to sig_inspect_fini). */
KN_WARN_UNUSED int sig_inspect_init(struct sig_inspect *s);
void sig_inspect_fini(struct sig_inspect *s);

/* Compiles a pcre option (Suricata's flags mapped to PCRE2 options: i s m x
 * A E G; O raises the limits at match time; R is handled at match time; the
 * buffer flags are already resolved by the parser), JIT-compiled when
 * possible as Suricata does. NULL + one-line reason in err (PCRE2's message
 * and offset) when it does not compile. Free with pcre2_code_free(). */
pcre2_code *sig_pcre_compile(const struct kn_rule_pcre *p, char *err, size_t errsz);

/* Inspects buf[0..len) with the options of ONE rule that act on this
 * buffer, in rule order (opts[i]: content, uricontent, pcre, byte_test,
 * byte_jump, byte_extract, byte_math, isdataat, bsize, urilen; any other
 * keyword id in the list is a caller bug: return 0). re[i] is the compiled
 * pcre of opts[i] (NULL for other keywords; a pcre without one is no
 * match). Returns 1 when the buffer satisfies every option as Suricata 7
 * would, 0 otherwise. Reads s->vars and writes the byte_extract/byte_math
 * results there; decrements s->budget. Never reads outside buf; bounded
 * work. An empty buffer (len 0, buf maybe NULL) is valid input. The dce
 * flag of byte_* reads little endian (DCE/RPC's usual data representation;
 * kenchi does not parse DCE/RPC headers). */
/* 1 when keyword id kw is one sig_inspect_buffer() takes (content,
 * uricontent, pcre, byte_test, byte_jump, byte_extract, byte_math,
 * isdataat, bsize, urilen). */
int sig_inspect_keyword(unsigned kw);

int sig_inspect_buffer(struct sig_inspect *s, const struct kn_rule_opt *const *opts,
		       pcre2_code *const *re, unsigned n, const uint8_t *buf, uint32_t len);

/* ------------------------------------------ between inspect.c and inspect_byte.c */

/* Result of one option. */
enum sig_step {
	SIG_STEP_NOMATCH = 0,    /* no match: earlier options may retry */
	SIG_STEP_MATCH = 1,      /* go on with the next option */
	SIG_STEP_ABORT = 2,      /* no match and no retry can help (Suricata's discontinue) */
};

/* One buffer being inspected: the bytes and the cursor. */
struct sig_buf {
	const uint8_t *p;
	uint32_t len;
	uint32_t cursor;         /* end of the previous match, 0..len */
};

/* byte_test / byte_jump / byte_extract / byte_math / isdataat on b
 * (byte_jump, byte_extract, byte_math move b->cursor; byte_extract and
 * byte_math write s->vars). */
enum sig_step sig_byte_test(struct sig_inspect *s, const struct kn_rule_byte *k,
			    struct sig_buf *b);
enum sig_step sig_byte_jump(struct sig_inspect *s, const struct kn_rule_byte *k,
			    struct sig_buf *b);
enum sig_step sig_byte_extract(struct sig_inspect *s, const struct kn_rule_byte *k,
			       struct sig_buf *b);
enum sig_step sig_byte_math(struct sig_inspect *s, const struct kn_rule_byte *k,
			    struct sig_buf *b);
enum sig_step sig_isdataat(const struct sig_inspect *s, const struct kn_rule_isdataat *d,
			   const struct sig_buf *b);
/* bsize (the buffer length) and urilen (the same, counted up to 65535). */
enum sig_step sig_length(const struct kn_rule_num *num, uint64_t len);

/* The value of a rule number: the literal, or the byte variable it names
 * (the stored 64-bit pattern; an index out of range reads 0). */
int64_t sig_val(const struct sig_inspect *s, const struct kn_rule_val *v);

#endif
