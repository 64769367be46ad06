/*
 * eve.c - reads a detector's EVE JSON output (one event per line, plain or
 * gzip) into struct kn_eval_alert: "alert" events (signature, severity as
 * the score) and "anomaly" events (event name, "score" when the detector
 * gives one).
 *
 * The input is another program's output, possibly cut short or mangled:
 * every line is parsed on its own, a bad line is counted and remembered
 * with its number and the reason, and reading goes on. Lines are bounded
 * (opts->max_line), and so is the number of alerts kept. Reading and
 * splitting lines is the shared reader's (lines.c).
 */
#include "eval/eval_int.h"

#include <math.h>
#include <stdio.h>
#include <string.h>

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

/* anomaly.detector into det[KN_EVAL_PART_MAX + 1] when it is a short plain
 * name; anything else is left out (the finding still counts for the tool). */
static void get_detector(json_t *body, struct kn_eval_alert *a, char *det)
{
	const char *s = str_exact(json_object_get(body, "detector"));
	size_t n = s ? strlen(s) : 0;

	if (n == 0 || n > KN_EVAL_PART_MAX)
		return;
	memcpy(det, s, n + 1);
	a->detector = det;
}

/* The alert- or anomaly-specific part. NULL or the reason it is bad. */
static const char *event_body(json_t *ev, int is_alert, struct kn_eval_alert *a, char *sig,
			      char *det)
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
	get_detector(body, a, det);
	return NULL;
}

/* Fills *a from an alert or anomaly event. NULL or the reason it is bad. */
static const char *event_alert(json_t *ev, int is_alert, struct kn_eval_alert *a, char *sig,
			       char *det)
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
	if (eval_json_proto(ev, &a->proto))
		return "bad proto";
	if (get_pcap_cnt(ev, &a->pcap_cnt))
		return "bad pcap_cnt";
	return event_body(ev, is_alert, a, sig, det);
}

/* ------------------------------------------------------------- lines */

/* KN_EVAL_EVE_PROTOCOL for an anomaly event reporting malformed traffic,
 * KN_EVAL_EVE_ANOMALY for any other (a detection). */
static unsigned anomaly_class(json_t *ev)
{
	static const char *const protocol[] = { "decode", "stream", "applayer" };
	const char *t = str_exact(json_object_get(json_object_get(ev, "anomaly"), "type"));

	for (size_t i = 0; t && i < sizeof protocol / sizeof protocol[0]; i++)
		if (!strcmp(t, protocol[i]))
			return KN_EVAL_EVE_PROTOCOL;
	return KN_EVAL_EVE_ANOMALY;
}

/* One line (without its '\n'). 0, or -KN_EFULL / -KN_ENOMEM. */
static int eve_line(struct eve_ctx *x, const char *s, size_t len)
{
	char why[120], sig[MAX_SIGNATURE + 1], det[KN_EVAL_PART_MAX + 1];
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
		   (is_anomaly && (x->types & anomaly_class(ev)))) {
		if ((bad = event_alert(ev, is_alert, &a, sig, det)) != NULL)
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
	x->types = o && o->types ? o->types :
		   KN_EVAL_EVE_ALERT | KN_EVAL_EVE_ANOMALY | KN_EVAL_EVE_PROTOCOL;
	x->max_line = o && o->max_line ? o->max_line : DEFAULT_MAX_LINE;
	x->max_alerts = o && o->max_alerts ? o->max_alerts : DEFAULT_MAX_ALERTS;
	x->st = st;
	x->errbuf = errbuf;
}

/* The shared reader's callback (lines.c): one line without its '\n'. */
static int eve_line_fn(void *arg, const char *s, size_t len)
{
	return eve_line(arg, s, len);
}

static struct eval_lines eve_reader(struct eve_ctx *x)
{
	return (struct eval_lines){ .name = x->name, .max_line = x->max_line, .st = x->st,
				    .errbuf = x->errbuf, .fn = eve_line_fn, .arg = x };
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
	struct eval_lines r = eve_reader(&x);
	return eval_lines_mem(&r, data, len);
}

/* A file, plain or gzip, through the shared reader: a longer line than
 * max_line is counted malformed and skipped without being held whole. */
int kn_eval_eve_load_file(struct kn_eval_alerts *l, const char *path,
			  const struct kn_eval_eve_opts *opts, struct kn_eval_eve_stats *st,
			  char *errbuf)
{
	struct kn_eval_eve_stats local;
	struct eve_ctx x;

	if (!l || !path)
		return eval_fail(errbuf, -KN_EINVAL, "EVE loader: bad arguments");
	ctx_init(&x, l, path, opts, st ? st : &local, errbuf);
	struct eval_lines r = eve_reader(&x);
	return eval_lines_file(&r, path);
}
