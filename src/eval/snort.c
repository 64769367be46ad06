/*
 * snort.c - reads Snort 3's alert_json output (one JSON object per alert,
 * any selection of the logger's fields) into struct kn_eval_alert.
 *
 * Time is the delicate part: Snort's "timestamp" is its own text form,
 * "MM/DD-HH:MM:SS.uuuuuu" (a "YY/" prefix when told to show the year) in
 * the sensor's local time unless it runs with UTC output, while "seconds"
 * is exact epoch seconds without the fraction. The rules (eval.h): prefer
 * "seconds" and take the microseconds from "timestamp"; otherwise read the
 * timestamp in the zone and year the caller gives, the year defaulting to
 * the current one (the year before when that lies in the future).
 */
#include "eval/eval_int.h"

#include <math.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#define MAX_EPOCH_S 8589934592LL   /* 2^33 s, the range of kn_eval_time_parse */

struct snort_ctx {
	struct eval_lines r;
	struct kn_eval_alerts *l;
	size_t max_alerts;
	int year;                  /* 0: infer from now_s */
	int tz_offset_min;
	int64_t now_s;             /* the time of the load, for the year rule */
};

/* A timestamp taken apart. */
struct stamp {
	int year;                  /* -1 when the text has none */
	int mon, day, hh, mm, ss;
	char frac[11];             /* ".uuuuuu" as written, "" when none */
	int64_t frac_ns;
};

static int num(const char *s, unsigned n)
{
	int v = 0;
	for (unsigned i = 0; i < n; i++) {
		if (s[i] < '0' || s[i] > '9')
			return -1;
		v = v * 10 + (s[i] - '0');
	}
	return v;
}

/* "HH:MM:SS[.f{1,9}]" then only spaces, into t. 0 or -1. */
static int stamp_clock(const char *s, struct stamp *t)
{
	size_t n = strlen(s), f = 0;
	int64_t scale = 100000000;

	if (n < 8 || s[2] != ':' || s[5] != ':')
		return -1;
	t->hh = num(s, 2);
	t->mm = num(s + 3, 2);
	t->ss = num(s + 6, 2);
	if (t->hh < 0 || t->mm < 0 || t->ss < 0)
		return -1;
	s += 8;
	t->frac_ns = 0;
	if (*s == '.') {
		for (f = 1; s[f] >= '0' && s[f] <= '9'; f++) {
			if (f > 9)
				return -1;
			t->frac_ns += (s[f] - '0') * scale;
			scale /= 10;
		}
		if (f == 1)
			return -1;
	}
	memcpy(t->frac, s, f);
	t->frac[f] = '\0';
	for (s += f; *s == ' '; s++)
		;
	return *s ? -1 : 0;
}

/* Snort's three forms (snort.c's header comment) into t. 0 or -1. */
static int stamp_parse(const char *s, struct stamp *t)
{
	size_t n = s ? strlen(s) : 0;

	t->year = -1;
	if (n >= 14 && s[2] == '/' && s[5] == '-') {                  /* MM/DD- */
		t->mon = num(s, 2);
		t->day = num(s + 3, 2);
		s += 6;
	} else if (n >= 17 && s[2] == '/' && s[5] == '/' && s[8] == '-') {   /* YY/MM/DD- */
		t->year = num(s, 2);
		t->year = t->year < 0 ? -2 : 2000 + t->year;
		t->mon = num(s + 3, 2);
		t->day = num(s + 6, 2);
		s += 9;
	} else if (n >= 19 && s[4] == '-' && s[7] == '-' && (s[10] == ' ' || s[10] == 'T')) {
		t->year = num(s, 4);                                  /* YYYY-MM-DD */
		t->mon = num(s + 5, 2);
		t->day = num(s + 8, 2);
		s += 11;
	} else {
		return -1;
	}
	if (t->year == -2 || t->mon < 0 || t->day < 0)
		return -1;
	return stamp_clock(s, t);
}

/* The time of t in year y and the given zone. 0 or -1 (no such date). */
static int stamp_time(const struct stamp *t, int y, int tz_min, int64_t *ns)
{
	char iso[64];
	int off = tz_min < 0 ? -tz_min : tz_min;

	snprintf(iso, sizeof iso, "%04d-%02d-%02dT%02d:%02d:%02d%s%c%02d:%02d", y, t->mon, t->day,
		 t->hh, t->mm, t->ss, t->frac, tz_min < 0 ? '-' : '+', off / 60, off % 60);
	return kn_eval_time_parse(iso, ns) == 0 ? 0 : -1;
}

/* The year rule for a timestamp without one (eval.h). */
static int stamp_guess(const struct snort_ctx *x, const struct stamp *t, int64_t *ns)
{
	time_t now = (time_t)x->now_s;
	struct tm tm;
	int y;

	if (x->year)
		return stamp_time(t, x->year, x->tz_offset_min, ns);
	if (!gmtime_r(&now, &tm))
		return -1;
	y = tm.tm_year + 1900;
	if (stamp_time(t, y, x->tz_offset_min, ns) == 0 &&
	    *ns / 1000000000 <= x->now_s + 86400)
		return 0;
	return stamp_time(t, y - 1, x->tz_offset_min, ns);
}

/* ts_ns of an event. NULL or the reason it is bad. */
static const char *event_time(const struct snort_ctx *x, json_t *ev, int64_t *ns)
{
	json_t *sec = json_object_get(ev, "seconds");
	json_t *ts = json_object_get(ev, "timestamp");
	struct stamp t = { 0 };

	if (!sec && !ts)
		return "no \"seconds\" or \"timestamp\"";
	if (ts && stamp_parse(eval_json_str(ts), &t) != 0)
		return "bad timestamp (Snort's MM/DD-HH:MM:SS.uuuuuu, with or without a YY/ "
		       "prefix)";
	if (!sec) {
		int rc = t.year >= 0 ? stamp_time(&t, t.year, x->tz_offset_min, ns) :
				      stamp_guess(x, &t, ns);
		return rc ? "bad timestamp (no such date or time)" : NULL;
	}
	if (!json_is_integer(sec) || json_integer_value(sec) < 0 ||
	    json_integer_value(sec) >= MAX_EPOCH_S)
		return "bad seconds";
	json_int_t s = json_integer_value(sec);
	if (ts && t.ss != s % 60)
		return "seconds and timestamp disagree";
	*ns = (int64_t)s * 1000000000 + (ts ? t.frac_ns : 0);
	return NULL;
}

/* ------------------------------------------------------------ fields */

/* "ADDR:PORT" (Snort's *_ap; ADDR may be IPv6 or empty). 0 or -1. */
static int get_ap(json_t *v, struct kn_eval_addr *addr, int *port)
{
	const char *s = eval_json_str(v);
	const char *colon = s ? strrchr(s, ':') : NULL;
	char buf[64];
	size_t n;

	if (!colon || (n = (size_t)(colon - s)) >= sizeof buf || !colon[1] || strlen(colon) > 6)
		return -1;
	memcpy(buf, s, n);
	buf[n] = '\0';
	if (n && kn_eval_addr_parse(buf, addr) != 0)
		return -1;
	*port = num(colon + 1, (unsigned)strlen(colon + 1));
	return *port < 0 || *port > 65535 ? -1 : 0;
}

/* One end: "<side>_addr", "<side>_port", else "<side>_ap". */
static int get_end(json_t *ev, const char *side, struct kn_eval_addr *addr, uint16_t *port)
{
	char key[16];
	json_t *v;
	int ap_port = 0;

	snprintf(key, sizeof key, "%s_ap", side);
	if ((v = json_object_get(ev, key)) && get_ap(v, addr, &ap_port) != 0)
		return -1;
	*port = (uint16_t)ap_port;
	snprintf(key, sizeof key, "%s_addr", side);
	if ((v = json_object_get(ev, key)) &&
	    (!eval_json_str(v) || kn_eval_addr_parse(eval_json_str(v), addr) != 0))
		return -1;
	snprintf(key, sizeof key, "%s_port", side);
	if ((v = json_object_get(ev, key))) {
		json_int_t p = json_is_integer(v) ? json_integer_value(v) : -1;
		if (p < 0 || p > 65535)
			return -1;
		*port = (uint16_t)p;
	}
	return 0;
}

/* A non-negative JSON integer at key (absent: *out untouched). 0 or -1. */
static int get_count(json_t *ev, const char *key, json_int_t *out)
{
	json_t *v = json_object_get(ev, key);
	if (!v)
		return 0;
	if (!json_is_integer(v) || json_integer_value(v) < 0)
		return -1;
	*out = json_integer_value(v);
	return 0;
}

/* msg, else rule, else "GID:SID:REV" of the numeric fields. */
static void get_signature(json_t *ev, char *sig, char **out)
{
	json_t *v = json_object_get(ev, "msg");
	json_int_t gid = 1, sid = -1, rev = 0;

	if (!json_is_string(v))
		v = json_object_get(ev, "rule");
	if (json_is_string(v)) {
		*out = eval_sig_copy(sig, json_string_value(v), json_string_length(v));
		return;
	}
	if (get_count(ev, "sid", &sid) || sid < 0 || get_count(ev, "gid", &gid) ||
	    get_count(ev, "rev", &rev))
		return;
	snprintf(sig, EVAL_MAX_SIGNATURE + 1, "%lld:%lld:%lld", (long long)gid, (long long)sid,
		 (long long)rev);
	*out = sig;
}

/* Fills *a from one alert. NULL or the reason it is bad. */
static const char *event_alert(const struct snort_ctx *x, json_t *ev, struct kn_eval_alert *a,
			       char *sig)
{
	json_int_t pkt = 0, prio = 0;
	const char *bad;

	memset(a, 0, sizeof *a);
	a->proto = -1;
	a->score = NAN;
	a->kind = KN_EVAL_KIND_ALERT;
	if ((bad = event_time(x, ev, &a->ts_ns)) != NULL)
		return bad;
	if (get_end(ev, "src", &a->src, &a->sport))
		return "bad src_addr, src_port or src_ap";
	if (get_end(ev, "dst", &a->dst, &a->dport))
		return "bad dst_addr, dst_port or dst_ap";
	if (eval_json_proto(ev, &a->proto))
		return "bad proto";
	eval_fix_icmp6(a);
	if (get_count(ev, "pkt_num", &pkt))
		return "bad pkt_num";
	a->pcap_cnt = (uint64_t)pkt;
	if (get_count(ev, "priority", &prio))
		return "bad priority (a whole number >= 1)";
	if (prio > 0)
		a->score = 1.0 / (double)prio;
	get_signature(ev, sig, &a->signature);
	return NULL;
}

/* ------------------------------------------------------------- lines */

static int snort_line(void *arg, const char *s, size_t len)
{
	struct snort_ctx *x = arg;
	char sig[EVAL_MAX_SIGNATURE + 1];
	struct kn_eval_alert a;
	const char *bad;
	int rc = 0;

	while (len && (s[len - 1] == ' ' || s[len - 1] == '\t'))
		len--;
	if (len == 0)
		return 0;
	json_t *ev = eval_lines_json(&x->r, s, len);
	if (!ev)
		return 0;
	if ((bad = event_alert(x, ev, &a, sig)) != NULL)
		eval_lines_bad(&x->r, "%s", bad);
	else
		rc = eval_lines_push(&x->r, x->l, x->max_alerts, &a);
	json_decref(ev);
	return rc;
}

static int ctx_init(struct snort_ctx *x, struct kn_eval_alerts *l, const char *name,
		    const struct kn_eval_snort_opts *o, struct kn_eval_eve_stats *st, char *errbuf)
{
	memset(x, 0, sizeof *x);
	memset(st, 0, sizeof *st);
	if (o && (o->tz_offset_min < -1440 || o->tz_offset_min > 1440 ||
		  (o->year && (o->year < 1970 || o->year > 2200))))
		return eval_fail(errbuf, -KN_EINVAL, "Snort loader: tz_offset_min must be "
				 "-1440..1440 and year 0 or 1970..2200");
	x->l = l;
	x->max_alerts = o && o->max_alerts ? o->max_alerts : EVAL_DEFAULT_MAX_ALERTS;
	x->year = o ? o->year : 0;
	x->tz_offset_min = o ? o->tz_offset_min : 0;
	x->now_s = (int64_t)time(NULL);
	x->r = (struct eval_lines){ .name = name, .st = st, .errbuf = errbuf, .fn = snort_line,
				    .arg = x,
				    .max_line = o && o->max_line ? o->max_line :
							     EVAL_DEFAULT_MAX_LINE };
	return 0;
}

int kn_eval_snort_load_mem(struct kn_eval_alerts *l, const void *data, size_t len,
			   const struct kn_eval_snort_opts *opts, struct kn_eval_eve_stats *st,
			   char *errbuf)
{
	struct kn_eval_eve_stats local;
	struct snort_ctx x;
	int rc;

	if (!l || (!data && len))
		return eval_fail(errbuf, -KN_EINVAL, "Snort loader: bad arguments");
	if ((rc = ctx_init(&x, l, "(memory)", opts, st ? st : &local, errbuf)) != 0)
		return rc;
	return eval_lines_mem(&x.r, data, len);
}

int kn_eval_snort_load_file(struct kn_eval_alerts *l, const char *path,
			    const struct kn_eval_snort_opts *opts, struct kn_eval_eve_stats *st,
			    char *errbuf)
{
	struct kn_eval_eve_stats local;
	struct snort_ctx x;
	int rc;

	if (!l || !path)
		return eval_fail(errbuf, -KN_EINVAL, "Snort loader: bad arguments");
	if ((rc = ctx_init(&x, l, path, opts, st ? st : &local, errbuf)) != 0)
		return rc;
	return eval_lines_file(&x.r, path);
}
