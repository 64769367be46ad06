/*
 * lines.c - the line reader the alert loaders share (EVE, Zeek logs,
 * Snort's alert_json, the scored CSV): a detector's output, in memory or in
 * a file (plain or gzip, detected by content), cut into lines of at most
 * max_line bytes that are handed one at a time to the format's parser; and
 * the few helpers every adapter needs: malformed-line bookkeeping, the
 * alert limit, JSON lines and strings.
 *
 * A line longer than the limit is counted malformed and skipped whole
 * without ever being held in memory: the file reader's buffer never grows
 * beyond max_line + 1 bytes.
 */
#include "eval/eval_int.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include <zlib.h>

#include "util/alloc.h"

void eval_lines_bad(struct eval_lines *r, const char *fmt, ...)
{
	struct kn_eval_eve_stats *st = r->st;
	va_list ap;

	if (st->malformed < KN_EVAL_EVE_BAD_KEPT) {
		char *why = st->bad[st->malformed].why;
		size_t cap = sizeof st->bad[0].why;
		int n = snprintf(why, cap, "%s", r->tag ? r->tag : "");
		st->bad[st->malformed].line = r->line;
		va_start(ap, fmt);
		if (n >= 0 && (size_t)n < cap)
			vsnprintf(why + n, cap - (size_t)n, fmt, ap);
		va_end(ap);
	}
	st->malformed++;
}

int eval_lines_push(struct eval_lines *r, struct kn_eval_alerts *l, size_t max_alerts,
		    const struct kn_eval_alert *a)
{
	if (l->n >= max_alerts)
		return eval_fail(r->errbuf, -KN_EFULL, "%s:%llu: more than %zu alerts; raise the "
				 "limit or filter the detector's output", r->name,
				 (unsigned long long)r->line, max_alerts);
	if (kn_eval_alerts_push(l, a) != 0)
		return eval_fail(r->errbuf, -KN_ENOMEM, "%s: out of memory", r->name);
	r->st->alerts++;
	return 0;
}

json_t *eval_lines_json(struct eval_lines *r, const char *s, size_t len)
{
	json_error_t jerr;
	json_t *v = json_loadb(s, len, JSON_ALLOW_NUL, &jerr);

	if (!v) {
		eval_lines_bad(r, "invalid JSON at column %d: %.80s", jerr.column, jerr.text);
		return NULL;
	}
	if (!json_is_object(v)) {
		eval_lines_bad(r, "not a JSON object");
		json_decref(v);
		return NULL;
	}
	return v;
}

const char *eval_json_str(json_t *v)
{
	if (!json_is_string(v) || strlen(json_string_value(v)) != json_string_length(v))
		return NULL;
	return json_string_value(v);
}

char *eval_sig_copy(char *buf, const char *s, size_t n)
{
	const char *nul = memchr(s, '\0', n);

	if (nul)
		n = (size_t)(nul - s);
	n = n < EVAL_MAX_SIGNATURE ? n : EVAL_MAX_SIGNATURE;
	memcpy(buf, s, n);
	buf[n] = '\0';
	return buf;
}

void eval_fix_icmp6(struct kn_eval_alert *a)
{
	if (a->proto == 1 && (a->src.family == 6 || a->dst.family == 6))
		a->proto = 58;
}

/* ------------------------------------------------------------- memory */

/* One line of n bytes (its '\n' excluded): counted, then checked and
 * handed on. */
static int one_line(struct eval_lines *r, const char *s, size_t n)
{
	r->line++;
	r->st->lines++;
	if (n > r->max_line) {
		eval_lines_bad(r, "line too long");
		return 0;
	}
	if (n && s[n - 1] == '\r')
		n--;
	return r->fn(r->arg, s, n);
}

int eval_lines_mem(struct eval_lines *r, const char *buf, size_t len)
{
	while (len) {
		const char *nl = memchr(buf, '\n', len);
		size_t n = nl ? (size_t)(nl - buf) : len;
		int rc = one_line(r, buf, n);
		if (rc)
			return rc;
		n += nl != NULL;
		buf += n;
		len -= n;
	}
	return 0;
}

/* -------------------------------------------------------------- files */

struct reader {
	gzFile gz;
	char *buf;
	size_t cap, fill;
	int skipping;                  /* inside a line already found too long */
};

/* Handles the complete lines in rd->buf and keeps the partial last one. */
static int drain(struct eval_lines *r, struct reader *rd)
{
	size_t pos = 0;
	char *nl;

	while ((nl = memchr(rd->buf + pos, '\n', rd->fill - pos)) != NULL) {
		size_t n = (size_t)(nl - (rd->buf + pos));
		int rc = rd->skipping ? 0 : one_line(r, rd->buf + pos, n);
		rd->skipping = 0;
		pos += n + 1;
		if (rc)
			return rc;
	}
	memmove(rd->buf, rd->buf + pos, rd->fill - pos);
	rd->fill -= pos;
	return 0;
}

/* Makes room after a drain: grows the buffer up to max_line + 1 bytes, or
 * gives up on a line that does not fit. */
static int make_room(struct eval_lines *r, struct reader *rd)
{
	if (rd->fill < rd->cap)
		return 0;
	if (rd->cap <= r->max_line) {
		size_t cap = rd->cap > (r->max_line + 1) / 2 ? r->max_line + 1 : rd->cap * 2;
		char *b = kn_realloc_array(rd->buf, cap, 1);
		if (!b)
			return eval_fail(r->errbuf, -KN_ENOMEM, "%s: out of memory", r->name);
		rd->buf = b;
		rd->cap = cap;
		return 0;
	}
	if (!rd->skipping) {
		r->line++;
		r->st->lines++;
		eval_lines_bad(r, "line too long");
	}
	rd->skipping = 1;
	rd->fill = 0;
	return 0;
}

static int read_error(struct eval_lines *r, struct reader *rd)
{
	int zerr;
	const char *msg = gzerror(rd->gz, &zerr);

	return eval_fail(r->errbuf, -KN_EIO, "cannot read %s (line %llu): %s", r->name,
			 (unsigned long long)r->line + 1, zerr == Z_ERRNO ? strerror(errno) : msg);
}

static int read_all(struct eval_lines *r, struct reader *rd)
{
	int rc, zerr;

	for (;;) {
		if ((rc = make_room(r, rd)) != 0)
			return rc;
		size_t want = rd->cap - rd->fill;
		int n = gzread(rd->gz, rd->buf + rd->fill,
			       want > (1u << 30) ? 1u << 30 : (unsigned)want);
		if (n < 0)
			return read_error(r, rd);
		if (n == 0)
			break;
		rd->fill += (size_t)n;
		if ((rc = drain(r, rd)) != 0)
			return rc;
	}
	if (rd->fill && !rd->skipping && (rc = one_line(r, rd->buf, rd->fill)) != 0)
		return rc;
	gzerror(rd->gz, &zerr);   /* a cut gzip stream ends reading softly */
	if (zerr == Z_BUF_ERROR)
		return eval_fail(r->errbuf, -KN_EIO, "cannot read %s: the gzip stream ends early "
				 "(after line %llu); the file is truncated", r->name,
				 (unsigned long long)r->line);
	return 0;
}

int eval_lines_file(struct eval_lines *r, const char *path)
{
	struct reader rd = { 0 };
	int rc;

	rd.cap = r->max_line + 1 < 65536 ? r->max_line + 1 : 65536;
	if (!(rd.buf = kn_malloc(rd.cap)))
		return eval_fail(r->errbuf, -KN_ENOMEM, "%s: out of memory", path);
	errno = 0;
	if (!(rd.gz = gzopen(path, "rb"))) {
		kn_free(rd.buf);
		return eval_fail(r->errbuf, -KN_EIO, "cannot open %s: %s", path,
				 errno ? strerror(errno) : "out of memory");
	}
	gzbuffer(rd.gz, 1u << 17);
	rc = read_all(r, &rd);
	gzclose(rd.gz);
	kn_free(rd.buf);
	return rc;
}

int eval_json_proto(json_t *ev, int16_t *out)
{
	json_t *v = json_object_get(ev, "proto");

	if (!v)
		return 0;
	if (json_is_string(v)) {
		*out = (int16_t)kn_eval_proto_parse(eval_json_str(v));   /* "IP" and the like: -1 */
		return 0;
	}
	if (!json_is_integer(v) || json_integer_value(v) < 0 || json_integer_value(v) > 255)
		return -1;
	*out = (int16_t)json_integer_value(v);
	return 0;
}
