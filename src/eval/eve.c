/*
 * eve.c - reads a detector's EVE JSON output (one event per line, plain or
 * gzip) into struct kn_eval_alert: "alert" events (signature, severity as
 * the score) and "anomaly" events (event name, "score" when the detector
 * gives one).
 *
 * The input is another program's output, possibly cut short or mangled:
 * every line is parsed on its own, a bad line is counted and remembered
 * with its number and the reason, and reading goes on. Lines are bounded
 * (opts->max_line), and so is the number of alerts kept.
 */
#include "eval/eval_int.h"

#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <string.h>

#include <zlib.h>

#include "util/alloc.h"

#define DEFAULT_MAX_LINE (16u << 20)
#define DEFAULT_MAX_ALERTS (1u << 26)
#define MAX_SIGNATURE 1023

struct eve_ctx {
	struct kn_eval_alerts *l;
	const char *name;              /* file name in messages */
	unsigned types;
	size_t max_line, max_alerts;
	struct kn_eval_eve_stats *st;
	char *errbuf;
};

static void bad_line(struct eve_ctx *x, const char *why)
{
	struct kn_eval_eve_stats *st = x->st;
	if (st->malformed < KN_EVAL_EVE_BAD_KEPT) {
		st->bad[st->malformed].line = st->lines;
		snprintf(st->bad[st->malformed].why, sizeof st->bad[0].why, "%s", why);
	}
	st->malformed++;
}

/* ------------------------------------------------------------ fields */

/* The text of a JSON string without embedded NUL (EVE may hold "\u0000"
 * in payload-derived fields; a value we parse must not), else NULL. */
static const char *str_exact(json_t *v)
{
	if (!json_is_string(v) || strlen(json_string_value(v)) != json_string_length(v))
		return NULL;
	return json_string_value(v);
}

static int get_addr(json_t *ev, const char *key, struct kn_eval_addr *out)
{
	json_t *v = json_object_get(ev, key);
	if (!v)
		return 0;
	return str_exact(v) ? kn_eval_addr_parse(str_exact(v), out) : -1;
}

static int get_port(json_t *ev, const char *key, uint16_t *out)
{
	json_t *v = json_object_get(ev, key);
	if (!v)
		return 0;
	if (!json_is_integer(v) || json_integer_value(v) < 0 || json_integer_value(v) > 65535)
		return -1;
	*out = (uint16_t)json_integer_value(v);
	return 0;
}

static int get_proto(json_t *ev, int16_t *out)
{
	json_t *v = json_object_get(ev, "proto");
	if (!v)
		return 0;
	if (json_is_string(v)) {
		*out = (int16_t)kn_eval_proto_parse(str_exact(v));  /* unknown: -1 */
		return 0;
	}
	if (!json_is_integer(v) || json_integer_value(v) < 0 || json_integer_value(v) > 255)
		return -1;
	*out = (int16_t)json_integer_value(v);
	return 0;
}

static int get_pcap_cnt(json_t *ev, uint64_t *out)
{
	json_t *v = json_object_get(ev, "pcap_cnt");
	if (!v)
		return 0;
	if (!json_is_integer(v) || json_integer_value(v) < 0)
		return -1;
	*out = (uint64_t)json_integer_value(v);
	return 0;
}

/* A finite number at key of obj into *out; absent leaves it. */
static int get_score(json_t *obj, const char *key, double *out)
{
	json_t *v = json_object_get(obj, key);
	if (!v)
		return 0;
	if (!json_is_number(v) || !isfinite(json_number_value(v)))
		return -1;
	*out = json_number_value(v);
	return 0;
}

/* The first string of obj among two keys, cut to MAX_SIGNATURE bytes. */
static void get_text(json_t *obj, const char *k1, const char *k2, char *buf, char **out)
{
	json_t *v = json_object_get(obj, k1);
	if (!json_is_string(v) && k2)
		v = json_object_get(obj, k2);
	if (!json_is_string(v))
		return;
	size_t n = json_string_length(v);
	n = n < MAX_SIGNATURE ? n : MAX_SIGNATURE;
	memcpy(buf, json_string_value(v), n);
	buf[n] = '\0';
	*out = buf;
}

/* The alert- or anomaly-specific part. NULL or the reason it is bad. */
static const char *event_body(json_t *ev, int is_alert, struct kn_eval_alert *a, char *sig)
{
	json_t *body = json_object_get(ev, is_alert ? "alert" : "anomaly");

	if (!json_is_object(body))
		return is_alert ? "alert event without an \"alert\" object" :
				  "anomaly event without an \"anomaly\" object";
	if (is_alert) {
		json_t *sev = json_object_get(body, "severity");
		if (sev && (!json_is_integer(sev) || json_integer_value(sev) < 1))
			return "alert.severity is not a whole number >= 1";
		if (sev)
			a->score = 1.0 / (double)json_integer_value(sev);
		get_text(body, "signature", NULL, sig, &a->signature);
		return NULL;
	}
	if (get_score(ev, "score", &a->score) != 0 || get_score(body, "score", &a->score) != 0)
		return "score is not a finite number";
	get_text(body, "event", "type", sig, &a->signature);
	return NULL;
}

/* Fills *a from an alert or anomaly event. NULL or the reason it is bad. */
static const char *event_alert(json_t *ev, int is_alert, struct kn_eval_alert *a, char *sig)
{
	json_t *ts = json_object_get(ev, "timestamp");

	memset(a, 0, sizeof *a);
	a->proto = -1;
	a->score = NAN;
	a->kind = is_alert ? KN_EVAL_KIND_ALERT : KN_EVAL_KIND_ANOMALY;
	if (kn_eval_time_parse(str_exact(ts), &a->ts_ns) != 0)
		return "missing or bad timestamp";
	if (get_addr(ev, "src_ip", &a->src) || get_addr(ev, "dest_ip", &a->dst))
		return "bad src_ip or dest_ip";
	if (get_port(ev, "src_port", &a->sport) || get_port(ev, "dest_port", &a->dport))
		return "bad src_port or dest_port";
	if (get_proto(ev, &a->proto))
		return "bad proto";
	if (get_pcap_cnt(ev, &a->pcap_cnt))
		return "bad pcap_cnt";
	return event_body(ev, is_alert, a, sig);
}

/* ------------------------------------------------------------- lines */

/* One line (without its '\n'). 0, or -KN_EFULL / -KN_ENOMEM. */
static int eve_line(struct eve_ctx *x, const char *s, size_t len)
{
	char why[120], sig[MAX_SIGNATURE + 1];
	struct kn_eval_alert a;
	json_error_t jerr;
	const char *bad, *type;
	int rc = 0;

	while (len && (s[len - 1] == '\r' || s[len - 1] == ' ' || s[len - 1] == '\t'))
		len--;
	if (len == 0)
		return 0;
	json_t *ev = json_loadb(s, len, JSON_ALLOW_NUL, &jerr);
	if (!ev) {
		snprintf(why, sizeof why, "invalid JSON at column %d: %.80s", jerr.column, jerr.text);
		bad_line(x, why);
		return 0;
	}
	type = str_exact(json_object_get(ev, "event_type"));
	int is_alert = type && !strcmp(type, "alert");
	int is_anomaly = type && !strcmp(type, "anomaly");
	if (!json_is_object(ev) || !type) {
		bad_line(x, json_is_object(ev) ? "no \"event_type\" string" : "not a JSON object");
	} else if ((is_alert && (x->types & KN_EVAL_EVE_ALERT)) ||
		   (is_anomaly && (x->types & KN_EVAL_EVE_ANOMALY))) {
		if ((bad = event_alert(ev, is_alert, &a, sig)) != NULL)
			bad_line(x, bad);
		else if (x->l->n >= x->max_alerts)
			rc = eval_fail(x->errbuf, -KN_EFULL, "%s:%llu: more than %zu alerts; raise "
				       "the limit or filter the detector's output", x->name,
				       (unsigned long long)x->st->lines, x->max_alerts);
		else if (kn_eval_alerts_push(x->l, &a) != 0)
			rc = eval_fail(x->errbuf, -KN_ENOMEM, "%s: out of memory", x->name);
		else
			x->st->alerts++;
	} else {
		x->st->other++;
	}
	json_decref(ev);
	return rc;
}

static void ctx_init(struct eve_ctx *x, struct kn_eval_alerts *l, const char *name,
		     const struct kn_eval_eve_opts *o, struct kn_eval_eve_stats *st, char *errbuf)
{
	memset(st, 0, sizeof *st);
	x->l = l;
	x->name = name;
	x->types = o && o->types ? o->types : KN_EVAL_EVE_ALERT | KN_EVAL_EVE_ANOMALY;
	x->max_line = o && o->max_line ? o->max_line : DEFAULT_MAX_LINE;
	x->max_alerts = o && o->max_alerts ? o->max_alerts : DEFAULT_MAX_ALERTS;
	x->st = st;
	x->errbuf = errbuf;
}

/* Every line of buf[0..len); the last may lack its '\n'. */
static int eve_lines(struct eve_ctx *x, const char *buf, size_t len)
{
	while (len) {
		const char *nl = memchr(buf, '\n', len);
		size_t n = nl ? (size_t)(nl - buf) : len;
		int rc = 0;
		x->st->lines++;
		if (n > x->max_line)
			bad_line(x, "line too long");
		else
			rc = eve_line(x, buf, n);
		if (rc)
			return rc;
		n += nl != NULL;
		buf += n;
		len -= n;
	}
	return 0;
}

int kn_eval_eve_load_mem(struct kn_eval_alerts *l, const void *data, size_t len,
			 const struct kn_eval_eve_opts *opts, struct kn_eval_eve_stats *st,
			 char *errbuf)
{
	struct kn_eval_eve_stats local;
	struct eve_ctx x;

	if (!l || (!data && len))
		return eval_fail(errbuf, -KN_EINVAL, "EVE loader: bad arguments");
	ctx_init(&x, l, "(memory)", opts, st ? st : &local, errbuf);
	return eve_lines(&x, data, len);
}

/* ------------------------------------------------------------- files */

/* A line reader over a gzip or plain stream with a buffer of at most
 * max_line + 1 bytes: a longer line is counted malformed and skipped. */
struct reader {
	gzFile gz;
	char *buf;
	size_t cap, fill;
	int skipping;                  /* inside a line already found too long */
};

/* Handles the complete lines in r->buf, keeps the partial last one. */
static int drain(struct eve_ctx *x, struct reader *r)
{
	size_t pos = 0;
	char *nl;

	while ((nl = memchr(r->buf + pos, '\n', r->fill - pos)) != NULL) {
		size_t n = (size_t)(nl - (r->buf + pos));
		int rc = 0;
		if (!r->skipping) {
			x->st->lines++;
			rc = eve_line(x, r->buf + pos, n);
		}
		r->skipping = 0;
		pos += n + 1;
		if (rc)
			return rc;
	}
	memmove(r->buf, r->buf + pos, r->fill - pos);
	r->fill -= pos;
	return 0;
}

/* Makes room after a drain: grows the buffer, or gives up on the line. */
static int make_room(struct eve_ctx *x, struct reader *r)
{
	if (r->fill < r->cap)
		return 0;
	if (r->cap <= x->max_line) {
		size_t cap = r->cap * 2 > x->max_line + 1 ? x->max_line + 1 : r->cap * 2;
		char *b = kn_realloc_array(r->buf, cap, 1);
		if (!b)
			return eval_fail(x->errbuf, -KN_ENOMEM, "%s: out of memory", x->name);
		r->buf = b;
		r->cap = cap;
		return 0;
	}
	if (!r->skipping) {
		x->st->lines++;
		bad_line(x, "line too long");
	}
	r->skipping = 1;
	r->fill = 0;
	return 0;
}

static int read_all(struct eve_ctx *x, struct reader *r)
{
	for (;;) {
		int rc, n;
		if ((rc = make_room(x, r)) != 0)
			return rc;
		size_t want = r->cap - r->fill;
		n = gzread(r->gz, r->buf + r->fill, want > (1u << 30) ? 1u << 30 : (unsigned)want);
		if (n < 0) {
			int zerr;
			const char *msg = gzerror(r->gz, &zerr);
			return eval_fail(x->errbuf, -KN_EIO, "cannot read %s (line %llu): %s",
					 x->name, (unsigned long long)x->st->lines + 1,
					 zerr == Z_ERRNO ? strerror(errno) : msg);
		}
		if (n == 0)
			break;
		r->fill += (size_t)n;
		if ((rc = drain(x, r)) != 0)
			return rc;
	}
	if (r->fill && !r->skipping) {
		x->st->lines++;
		int rc = eve_line(x, r->buf, r->fill);
		if (rc)
			return rc;
	}
	int zerr;
	gzerror(r->gz, &zerr);   /* a cut gzip stream ends reading softly */
	if (zerr == Z_BUF_ERROR)
		return eval_fail(x->errbuf, -KN_EIO, "cannot read %s: the gzip stream ends early "
				 "(after line %llu); the file is truncated", x->name,
				 (unsigned long long)x->st->lines);
	return 0;
}

int kn_eval_eve_load_file(struct kn_eval_alerts *l, const char *path,
			  const struct kn_eval_eve_opts *opts, struct kn_eval_eve_stats *st,
			  char *errbuf)
{
	struct kn_eval_eve_stats local;
	struct reader r = { 0 };
	struct eve_ctx x;
	int rc;

	if (!l || !path)
		return eval_fail(errbuf, -KN_EINVAL, "EVE loader: bad arguments");
	ctx_init(&x, l, path, opts, st ? st : &local, errbuf);
	r.cap = x.max_line + 1 < 65536 ? x.max_line + 1 : 65536;
	if (!(r.buf = kn_malloc(r.cap)))
		return eval_fail(errbuf, -KN_ENOMEM, "%s: out of memory", path);
	errno = 0;
	if (!(r.gz = gzopen(path, "rb"))) {
		kn_free(r.buf);
		return eval_fail(errbuf, -KN_EIO, "cannot open %s: %s", path,
				 errno ? strerror(errno) : "out of memory");
	}
	gzbuffer(r.gz, 1u << 17);
	rc = read_all(&x, &r);
	gzclose(r.gz);
	kn_free(r.buf);
	return rc;
}
