/*
 * json.h - a fast, allocation-free-per-document JSON writer.
 *
 * Leaf utility (imports nothing of ours but alloc.h). The output stage
 * formats every EVE event with it: one struct kn_json per worker thread,
 * reset before each event, so the buffer is allocated once and only grows
 * (doubling) when a document is bigger than every one before it, never past
 * max_cap. A document that would exceed max_cap sets `overflow`: further
 * calls are no-ops until the next reset, and kn_json_text() returns NULL so
 * the caller drops (and counts) that one event.
 *
 * Calls are made in document order; commas are inserted automatically.
 * `key` is the member name inside an object and must be NULL at top level
 * and inside arrays. Keys are trusted literals but are escaped all the same.
 * Strings are bytes: control characters, '"' and '\\' are escaped
 * (\b \f \n \r \t, other controls as \u00XX) and every byte that is not part
 * of a valid UTF-8 sequence is written as \u00XX of the byte, so the output
 * is always valid JSON in valid UTF-8 whatever the input.
 */
#ifndef KN_UTIL_JSON_H
#define KN_UTIL_JSON_H

#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "kenchi/kenchi.h"

struct kn_json {
	char *buf;          /* owned; NUL-terminated after every call */
	size_t len;         /* bytes of the current document */
	size_t cap;         /* allocated bytes (one kept for the NUL) */
	size_t max;         /* cap never grows past this */
	unsigned depth;     /* open objects/arrays */
	int need_comma;     /* a value was written at the current level */
	int overflow;       /* the document hit max (or an allocation failed) */
};

/* Allocates the buffer once (initial_cap bytes, at least 64, at most
 * max_cap). Returns 0, -KN_EINVAL (max_cap < 64) or -KN_ENOMEM. */
KN_WARN_UNUSED int kn_json_init(struct kn_json *j, size_t initial_cap, size_t max_cap);
/* Frees the buffer; the struct may be re-initialised. */
void kn_json_fini(struct kn_json *j);
/* Starts a new document, keeping the buffer. */
void kn_json_reset(struct kn_json *j);

/* Every call taking a member name has a _klen twin given the name's length;
 * the short names below are inline so that strlen() of a literal key (all
 * of ours) is folded at compile time and the writer never scans keys for
 * their end. Keys are copied eight bytes at a time when none of their
 * bytes needs escaping (checked as they are copied). */
static inline size_t kn_json_klen(const char *key)
{
	return key ? strlen(key) : 0;
}

void kn_json_open_klen(struct kn_json *j, const char *key, size_t klen);
void kn_json_open_array_klen(struct kn_json *j, const char *key, size_t klen);
void kn_json_close(struct kn_json *j);                        /* '}' */
void kn_json_close_array(struct kn_json *j);                  /* ']' */
void kn_json_strn_klen(struct kn_json *j, const char *key, size_t klen, const char *s,
		       size_t n);
void kn_json_u64_klen(struct kn_json *j, const char *key, size_t klen, uint64_t v);
void kn_json_i64_klen(struct kn_json *j, const char *key, size_t klen, int64_t v);
void kn_json_bool_klen(struct kn_json *j, const char *key, size_t klen, int v);
void kn_json_double_klen(struct kn_json *j, const char *key, size_t klen, double v,
			 int decimals);
void kn_json_null_klen(struct kn_json *j, const char *key, size_t klen);
void kn_json_raw_klen(struct kn_json *j, const char *key, size_t klen, const char *json_text,
		      size_t n);

/* '{' */
static inline void kn_json_open(struct kn_json *j, const char *key)
{
	kn_json_open_klen(j, key, kn_json_klen(key));
}

/* '[' */
static inline void kn_json_open_array(struct kn_json *j, const char *key)
{
	kn_json_open_array_klen(j, key, kn_json_klen(key));
}

/* n bytes of s (may contain NULs and invalid UTF-8, see file comment). */
static inline void kn_json_strn(struct kn_json *j, const char *key, const char *s, size_t n)
{
	kn_json_strn_klen(j, key, kn_json_klen(key), s, n);
}

static inline void kn_json_null(struct kn_json *j, const char *key)
{
	kn_json_null_klen(j, key, kn_json_klen(key));
}

/* NUL-terminated string; NULL s writes null. */
static inline void kn_json_str(struct kn_json *j, const char *key, const char *s)
{
	if (s)
		kn_json_strn_klen(j, key, kn_json_klen(key), s, strlen(s));
	else
		kn_json_null_klen(j, key, kn_json_klen(key));
}

static inline void kn_json_u64(struct kn_json *j, const char *key, uint64_t v)
{
	kn_json_u64_klen(j, key, kn_json_klen(key), v);
}

static inline void kn_json_i64(struct kn_json *j, const char *key, int64_t v)
{
	kn_json_i64_klen(j, key, kn_json_klen(key), v);
}

static inline void kn_json_bool(struct kn_json *j, const char *key, int v)
{
	kn_json_bool_klen(j, key, kn_json_klen(key), v);
}

/* Fixed-point with `decimals` digits after the point (clamped to 0..17);
 * NaN and infinities are written as null. */
static inline void kn_json_double(struct kn_json *j, const char *key, double v, int decimals)
{
	kn_json_double_klen(j, key, kn_json_klen(key), v, decimals);
}

/* A pre-formatted JSON value, copied verbatim (the caller guarantees it is
 * valid JSON). */
static inline void kn_json_raw(struct kn_json *j, const char *key, const char *json_text)
{
	kn_json_raw_klen(j, key, kn_json_klen(key), json_text, strlen(json_text));
}

/* Appends text[0..n), one or more complete members of the current object
 * (or elements of the current array) separated by commas, preceded by the
 * comma the position needs. For formatters whose text is valid JSON by
 * construction (their own literal keys, numbers, addresses): they build
 * many members in one go without a call per member. */
void kn_json_members(struct kn_json *j, const char *text, size_t n);

/* Copies s[0..n) to out and returns 1 when every byte is in 0x20..0x7f and
 * none is '"' or '\\' (so the string is written verbatim between
 * quotes); returns 0 otherwise (even for valid UTF-8, which kn_json_strn()
 * copies after checking it), with out[0..n) undefined. For formatters that
 * build members themselves (kn_json_members()). */
int kn_json_copy_plain(char *out, const char *s, size_t n);

/* The document so far, NUL-terminated (borrowed: valid until the next call
 * on j); *len (if not NULL) gets its length. NULL after an overflow. */
const char *kn_json_text(const struct kn_json *j, size_t *len);

/* Writes v in decimal to out (at least KN_U64_DIGITS bytes, no NUL) and
 * returns the number of digits. Exposed for other fast formatters. */
#define KN_U64_DIGITS 20
size_t kn_u64_to_dec(uint64_t v, char *out);

#endif
