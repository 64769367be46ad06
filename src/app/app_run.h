/*
 * app_run.h - runs of JSON members for the parsers' event writers (header
 * only): member (or array element) text built in a buffer on the stack and
 * handed to the writer in one kn_json_members() call, instead of one
 * writer call per member.
 *
 * App stage, used by the log callbacks of parsers whose events have many
 * small members (dns_log.c, tls_log.c). Only values that need no escaping
 * go into a run: a string whose bytes are all printable ASCII but '"' and
 * '\\' (kn_json_copy_plain()) is written unchanged by the writer, so the
 * text is the one the writer's calls would give. A run holds whole members
 * only: containers are opened and closed by the writer, which tracks them.
 * A value that is not plain (or does not fit) makes app_run_str() return
 * 0; the caller then writes that object with the writer's calls instead.
 *
 * Room: app_run_room() before an object guarantees APP_RUN_SIZE / 2 >
 * APP_RUN_SLACK bytes, and app_run_str() succeeds only when APP_RUN_SLACK bytes remain after
 * the string; so fixed text (keys, numbers, literals) of at most
 * APP_RUN_SLACK bytes may be written unchecked between the start of an
 * object and its first string, and between one string and the next.
 */
#ifndef KN_APP_RUN_H
#define KN_APP_RUN_H

#include <stdint.h>
#include <string.h>

#include "util/json.h"

#define APP_RUN_SIZE 4096
#define APP_RUN_SLACK 512

struct app_run {
	size_t len;
	char buf[APP_RUN_SIZE];
};

static inline void app_run_bytes(struct app_run *r, const char *s, size_t n)
{
	memcpy(r->buf + r->len, s, n);
	r->len += n;
}

/* A string literal (its length known at compile time; the "" concatenation
 * rejects anything but a literal). */
#define app_run_lit(r, lit) app_run_bytes((r), (lit), sizeof("" lit) - 1)

static inline void app_run_char(struct app_run *r, char c)
{
	r->buf[r->len++] = c;
}

static inline void app_run_u64(struct app_run *r, uint64_t v)
{
	r->len += kn_u64_to_dec(v, r->buf + r->len);
}

/* A string value in quotes when it is plain and fits; 0 (nothing written)
 * otherwise. */
static inline int app_run_str(struct app_run *r, const void *s, size_t n)
{
	if (n + 2 + APP_RUN_SLACK > APP_RUN_SIZE - r->len ||
	    !kn_json_copy_plain(r->buf + r->len + 1, s, n))
		return 0;
	r->buf[r->len] = '"';
	r->buf[r->len + 1 + n] = '"';
	r->len += n + 2;
	return 1;
}

/* Writes what the run holds (nothing when empty) and empties it. */
static inline void app_run_flush(struct kn_json *j, struct app_run *r)
{
	kn_json_members(j, r->buf, r->len);
	r->len = 0;
}

/* Makes room for one more object (see the file comment): flushed when
 * half full, so that objects with strings of a few hundred bytes fit. */
static inline void app_run_room(struct kn_json *j, struct app_run *r)
{
	if (r->len > APP_RUN_SIZE / 2)
		app_run_flush(j, r);
}

#endif
