/*
 * zeek.c - reads Zeek's notice.log and weird.log into struct kn_eval_alert,
 * in either of Zeek's log formats: the default tab-separated one (header
 * lines "#separator \x09", "#fields ...", "#path notice", unset "-", empty
 * "(empty)") or JSON lines (LogAscii::use_json). A file may even mix them
 * (logs concatenated): a '#' line is a header, a line after a #fields
 * header is a TSV record of it, and a line before one must be a JSON
 * object. Given a directory, notice.log and weird.log (or their .gz) in it
 * are read.
 *
 * Both formats go through one record view (struct zrec) so that the field
 * rules (eval.h) are written once. Every value is parsed strictly; a bad
 * record is counted with its line and reason, and reading goes on.
 */
#include "eval/eval_int.h"

#include <math.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>

/* The fields read, by position in `keys`. */
enum { K_TS, K_ORIG_H, K_ORIG_P, K_RESP_H, K_RESP_P, K_PROTO, K_NOTE, K_MSG, K_SRC, K_DST,
       K_P, K_NAME, K_COUNT };
static const char *const keys[K_COUNT] = {
	"ts", "id.orig_h", "id.orig_p", "id.resp_h", "id.resp_p", "proto", "note", "msg",
	"src", "dst", "p", "name",
};

enum { LOG_UNKNOWN, LOG_OTHER, LOG_NOTICE, LOG_WEIRD };

#define MARK_MAX 32   /* bytes of the unset and empty markers */

struct zeek_ctx {
	struct eval_lines r;
	struct kn_eval_alerts *l;
	size_t max_alerts;
	/* the TSV header in force */
	char sep;
	char unset[MARK_MAX], empty[MARK_MAX];
	int path_log;              /* from #path; LOG_UNKNOWN without one */
	int fields_log;            /* guessed from the #fields names */
	size_t n_fields;           /* 0: no #fields header yet */
	long col[K_COUNT];         /* column of each key, -1 when absent */
};

/* One record of either format. */
struct zrec {
	json_t *obj;               /* a JSON record, or NULL for TSV */
	const char *cell[K_COUNT]; /* TSV: the raw text of each key; NULL when absent */
	size_t len[K_COUNT];
};

static void tsv_reset(struct zeek_ctx *x)
{
	x->sep = '\t';
	snprintf(x->unset, sizeof x->unset, "-");
	snprintf(x->empty, sizeof x->empty, "(empty)");
	x->path_log = LOG_UNKNOWN;
	x->fields_log = LOG_OTHER;
	x->n_fields = 0;
	for (int k = 0; k < K_COUNT; k++)
		x->col[k] = -1;
}

static int log_of_path(const char *s, size_t n)
{
	if ((n == 6 && !memcmp(s, "notice", 6)) || (n == 12 && !memcmp(s, "notice_alarm", 12)))
		return LOG_NOTICE;
	return n == 5 && !memcmp(s, "weird", 5) ? LOG_WEIRD : LOG_OTHER;
}

static int hexval(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	return c >= 'A' && c <= 'F' ? c - 'A' + 10 : -1;
}

/* Decodes Zeek's \xHH escapes of s[0..n) into out (cap bytes with its NUL).
 * The decoded length, or -1 when it does not fit. */
static long unescape(const char *s, size_t n, char *out, size_t cap)
{
	size_t o = 0;

	for (size_t i = 0; i < n; i++) {
		char c = s[i];
		if (c == '\\' && i + 3 < n && s[i + 1] == 'x' && hexval(s[i + 2]) >= 0 &&
		    hexval(s[i + 3]) >= 0) {
			c = (char)(hexval(s[i + 2]) * 16 + hexval(s[i + 3]));
			i += 3;
		}
		if (o + 1 >= cap)
			return -1;
		out[o++] = c;
	}
	out[o] = '\0';
	return (long)o;
}

/* ------------------------------------------------------------ values */

/* The text of key k into buf (cap bytes): 1, 0 when absent (JSON null or
 * missing, TSV unset or empty), -1 when not a string or too long (cut
 * instead when `cut`). A NUL byte makes a value bad unless cut. */
static int rec_text(const struct zrec *r, int k, char *buf, size_t cap, int cut)
{
	const char *s;
	size_t n;

	if (r->obj) {
		json_t *v = json_object_get(r->obj, keys[k]);
		if (!v || json_is_null(v))
			return 0;
		if (!json_is_string(v))
			return -1;
		s = json_string_value(v);
		n = json_string_length(v);
		if (!cut && memchr(s, '\0', n))
			return -1;
		if (n >= cap && !cut)
			return -1;
		n = n < cap ? n : cap - 1;
		memcpy(buf, s, n);
		buf[n] = '\0';
		return 1;
	}
	if (!r->cell[k])
		return 0;
	long got = unescape(r->cell[k], cut && r->len[k] >= cap ? cap - 1 : r->len[k], buf, cap);
	if (got < 0 || (!cut && memchr(buf, '\0', (size_t)got)))
		return -1;
	return 1;
}

/* A port: a JSON integer or TSV digits, 0..65535. 1 / 0 absent / -1 bad. */
static int rec_port(const struct zrec *r, int k, uint16_t *out)
{
	char buf[8];
	unsigned long n = 0;
	int rc;

	if (r->obj) {
		json_t *j = json_object_get(r->obj, keys[k]);
		if (!j || json_is_null(j))
			return 0;
		json_int_t v = json_is_integer(j) ? json_integer_value(j) : -1;
		if (v < 0 || v > 65535)
			return -1;
		*out = (uint16_t)v;
		return 1;
	}
	if ((rc = rec_text(r, k, buf, sizeof buf, 0)) <= 0)
		return rc;
	for (const char *p = buf; *p; p++) {
		if (*p < '0' || *p > '9')
			return -1;
		n = n * 10 + (unsigned long)(*p - '0');
	}
	if (!buf[0] || n > 65535)
		return -1;
	*out = (uint16_t)n;
	return 1;
}

static int rec_addr(const struct zrec *r, int k, struct kn_eval_addr *out)
{
	char buf[64];
	int rc = rec_text(r, k, buf, sizeof buf, 0);
	if (rc <= 0)
		return rc;
	return kn_eval_addr_parse(buf, out) == 0 ? 1 : -1;
}

/* ts: epoch seconds or ISO 8601 text; a JSON number (a double) is rounded
 * to the microsecond. 1 / 0 absent / -1 bad. */
static int rec_ts(const struct zrec *r, int64_t *ns)
{
	char buf[48];
	int rc;

	if (r->obj) {
		json_t *v = json_object_get(r->obj, keys[K_TS]);
		if (json_is_integer(v)) {
			json_int_t s = json_integer_value(v);
			if (s < 0 || s >= 8589934592LL)   /* 2^33 s, as kn_eval_time_parse */
				return -1;
			*ns = (int64_t)s * 1000000000;
			return 1;
		}
		if (json_is_real(v)) {
			double d = json_real_value(v);
			if (!(d >= 0 && d < 8589934592.0))
				return -1;
			*ns = (int64_t)llround(d * 1e6) * 1000;
			return 1;
		}
	}
	if ((rc = rec_text(r, K_TS, buf, sizeof buf, 0)) <= 0)
		return rc;
	return kn_eval_time_parse(buf, ns) == 0 ? 1 : -1;
}

/* --------------------------------------------------------- records */

/* The address and port keys: the id.* ones, else notice's own. */
static const char *rec_endpoints(const struct zrec *r, struct kn_eval_alert *a)
{
	static const struct {
		int addr, alt;
	} ends[2] = { { K_ORIG_H, K_SRC }, { K_RESP_H, K_DST } };
	int rc;

	for (int i = 0; i < 2; i++) {
		struct kn_eval_addr *to = i ? &a->dst : &a->src;
		if ((rc = rec_addr(r, ends[i].addr, to)) < 0)
			return i ? "bad id.resp_h" : "bad id.orig_h";
		if (rc == 0 && rec_addr(r, ends[i].alt, to) < 0)
			return i ? "bad dst" : "bad src";
	}
	if (rec_port(r, K_ORIG_P, &a->sport) < 0)
		return "bad id.orig_p";
	if ((rc = rec_port(r, K_RESP_P, &a->dport)) < 0)
		return "bad id.resp_p";
	if (rc == 0 && rec_port(r, K_P, &a->dport) < 0)
		return "bad p";
	return NULL;
}

/* Fills *a from a notice or weird record. NULL or the reason it is bad. */
static const char *rec_alert(const struct zrec *r, int log, struct kn_eval_alert *a, char *sig)
{
	char proto[32];
	const char *bad;
	int rc;

	memset(a, 0, sizeof *a);
	a->proto = -1;
	a->score = NAN;
	a->kind = KN_EVAL_KIND_OTHER;
	if ((rc = rec_ts(r, &a->ts_ns)) <= 0)
		return rc ? "bad ts" : "missing ts";
	if ((bad = rec_endpoints(r, a)) != NULL)
		return bad;
	if ((rc = rec_text(r, K_PROTO, proto, sizeof proto, 0)) < 0)
		return "bad proto";
	if (rc > 0)
		a->proto = (int16_t)kn_eval_proto_parse(proto);   /* unknown_transport: -1 */
	eval_fix_icmp6(a);
	if (a->proto == 1 || a->proto == 58)
		a->sport = a->dport = 0;    /* Zeek's ICMP "ports" are type and code */
	if (log == LOG_WEIRD)
		rc = rec_text(r, K_NAME, sig, EVAL_MAX_SIGNATURE + 1, 1);
	else if ((rc = rec_text(r, K_NOTE, sig, EVAL_MAX_SIGNATURE + 1, 1)) == 0)
		rc = rec_text(r, K_MSG, sig, EVAL_MAX_SIGNATURE + 1, 1);
	if (rc > 0)
		a->signature = eval_sig_copy(sig, sig, strlen(sig));
	return NULL;
}

static int add_record(struct zeek_ctx *x, const struct zrec *r, int log)
{
	char sig[EVAL_MAX_SIGNATURE + 1];
	struct kn_eval_alert a;
	const char *bad;

	if (log != LOG_NOTICE && log != LOG_WEIRD) {
		x->r.st->other++;
		return 0;
	}
	if ((bad = rec_alert(r, log, &a, sig)) != NULL) {
		eval_lines_bad(&x->r, "%s", bad);
		return 0;
	}
	return eval_lines_push(&x->r, x->l, x->max_alerts, &a);
}

/* ------------------------------------------------------------ lines */

static int json_line(struct zeek_ctx *x, const char *s, size_t len)
{
	struct zrec r = { 0 };
	int log;

	if (!(r.obj = eval_lines_json(&x->r, s, len)))
		return 0;
	json_t *path = json_object_get(r.obj, "_path");
	if (json_is_string(path))
		log = log_of_path(json_string_value(path), json_string_length(path));
	else if (json_object_get(r.obj, "note"))
		log = LOG_NOTICE;
	else
		log = json_object_get(r.obj, "name") ? LOG_WEIRD : LOG_OTHER;
	int rc = add_record(x, &r, log);
	json_decref(r.obj);
	return rc;
}

/* A TSV record of the #fields in force. */
static int tsv_line(struct zeek_ctx *x, const char *s, size_t len)
{
	struct zrec r = { 0 };
	size_t n = 0, start = 0;
	size_t ul = strlen(x->unset), el = strlen(x->empty);

	for (size_t i = 0; i <= len; i++) {
		if (i < len && s[i] != x->sep)
			continue;
		size_t cl = i - start;
		int unset = (cl == ul && !memcmp(s + start, x->unset, ul)) ||
			    (cl == el && !memcmp(s + start, x->empty, el)) || cl == 0;
		for (int k = 0; k < K_COUNT && !unset; k++) {
			if (x->col[k] == (long)n) {
				r.cell[k] = s + start;
				r.len[k] = cl;
			}
		}
		n++;
		start = i + 1;
	}
	if (n != x->n_fields) {
		eval_lines_bad(&x->r, "%zu fields where #fields names %zu", n, x->n_fields);
		return 0;
	}
	return add_record(x, &r, x->path_log != LOG_UNKNOWN ? x->path_log : x->fields_log);
}

/* "#fields" names: the column of each key and the log they look like. */
static void tsv_fields(struct zeek_ctx *x, const char *s, size_t len)
{
	size_t n = 0, start = 0;

	for (int k = 0; k < K_COUNT; k++)
		x->col[k] = -1;
	for (size_t i = 0; i <= len; i++) {
		if (i < len && s[i] != x->sep)
			continue;
		for (int k = 0; k < K_COUNT; k++)
			if (x->col[k] < 0 && strlen(keys[k]) == i - start &&
			    !memcmp(s + start, keys[k], i - start))
				x->col[k] = (long)n;
		n++;
		start = i + 1;
	}
	x->n_fields = n;
	x->fields_log = x->col[K_NOTE] >= 0 ? LOG_NOTICE :
			x->col[K_NAME] >= 0 ? LOG_WEIRD : LOG_OTHER;
}

/* The value of a header "#key<sep>value" into out (cap bytes), decoded. */
static int header_value(const char *v, size_t n, char *out, size_t cap)
{
	return unescape(v, n, out, cap) < 0 ? -1 : 0;
}

static void header_line(struct zeek_ctx *x, const char *s, size_t len)
{
	char val[MARK_MAX];
	const char *sep = memchr(s, x->sep, len);
	size_t kl = sep ? (size_t)(sep - s) : len;
	const char *v = sep ? sep + 1 : s + len;
	size_t vl = len - kl - (sep != NULL);

	if (len > 11 && !memcmp(s, "#separator ", 11)) {   /* starts a new header */
		tsv_reset(x);
		if (header_value(s + 11, len - 11, val, sizeof val) || strlen(val) != 1)
			eval_lines_bad(&x->r, "bad #separator (one character, as \\x09)");
		else
			x->sep = val[0];
	} else if (kl == 7 && !memcmp(s, "#fields", 7)) {
		if (vl == 0)
			eval_lines_bad(&x->r, "#fields names no field");
		else
			tsv_fields(x, v, vl);
	} else if (kl == 5 && !memcmp(s, "#path", 5)) {
		x->path_log = log_of_path(v, vl);
	} else if (kl == 12 && (!memcmp(s, "#unset_field", 12) || !memcmp(s, "#empty_field", 12))) {
		if (header_value(v, vl, val, sizeof val) || !val[0])
			eval_lines_bad(&x->r, "bad %.12s", s);
		else
			snprintf(s[1] == 'u' ? x->unset : x->empty, MARK_MAX, "%s", val);
	}   /* #open, #close, #types, #set_separator: not needed */
}

static int zeek_line(void *arg, const char *s, size_t len)
{
	struct zeek_ctx *x = arg;
	size_t i = 0;

	while (i < len && (s[i] == ' ' || s[i] == '\t'))
		i++;
	if (i == len)
		return 0;   /* blank */
	if (s[0] == '#') {
		header_line(x, s, len);
		return 0;
	}
	if (x->n_fields)
		return tsv_line(x, s, len);
	if (s[i] == '{' || s[i] == '[')
		return json_line(x, s, len);
	eval_lines_bad(&x->r, "neither a JSON object nor a TSV record (no #fields header "
		       "before it)");
	return 0;
}

/* ------------------------------------------------------------- entry */

static void ctx_init(struct zeek_ctx *x, struct kn_eval_alerts *l, const char *name,
		     const struct kn_eval_eve_opts *o, struct kn_eval_eve_stats *st, char *errbuf)
{
	memset(x, 0, sizeof *x);
	memset(st, 0, sizeof *st);
	x->l = l;
	x->max_alerts = o && o->max_alerts ? o->max_alerts : EVAL_DEFAULT_MAX_ALERTS;
	x->r = (struct eval_lines){ .name = name, .st = st, .errbuf = errbuf, .fn = zeek_line,
				    .arg = x,
				    .max_line = o && o->max_line ? o->max_line :
							     EVAL_DEFAULT_MAX_LINE };
	tsv_reset(x);
}

int kn_eval_zeek_load_mem(struct kn_eval_alerts *l, const void *data, size_t len,
			  const struct kn_eval_eve_opts *opts, struct kn_eval_eve_stats *st,
			  char *errbuf)
{
	struct kn_eval_eve_stats local;
	struct zeek_ctx x;

	if (!l || (!data && len))
		return eval_fail(errbuf, -KN_EINVAL, "Zeek loader: bad arguments");
	ctx_init(&x, l, "(memory)", opts, st ? st : &local, errbuf);
	return eval_lines_mem(&x.r, data, len);
}

/* notice.log, weird.log and their .gz in directory dir, whichever exist. */
static int load_dir(struct zeek_ctx *x, const char *dir)
{
	static const char *const names[] = { "notice.log", "notice.log.gz", "weird.log",
					     "weird.log.gz" };
	char path[4096], tag[20];
	struct stat sb;
	int found = 0;

	for (size_t i = 0; i < sizeof names / sizeof names[0]; i++) {
		int n = snprintf(path, sizeof path, "%s/%s", dir, names[i]);
		if (n < 0 || (size_t)n >= sizeof path)
			return eval_fail(x->r.errbuf, -KN_EIO, "%s: the path is too long", dir);
		if (stat(path, &sb) != 0 || !S_ISREG(sb.st_mode))
			continue;
		found++;
		tsv_reset(x);
		snprintf(tag, sizeof tag, "%s: ", names[i]);
		x->r.name = path;
		x->r.tag = tag;
		x->r.line = 0;
		int rc = eval_lines_file(&x->r, path);
		x->r.name = dir;
		x->r.tag = NULL;
		if (rc)
			return rc;
	}
	if (!found)
		return eval_fail(x->r.errbuf, -KN_EIO, "%s: no notice.log or weird.log (nor "
				 ".gz) in this directory; give Zeek's log directory or a log file",
				 dir);
	return 0;
}

int kn_eval_zeek_load_file(struct kn_eval_alerts *l, const char *path,
			   const struct kn_eval_eve_opts *opts, struct kn_eval_eve_stats *st,
			   char *errbuf)
{
	struct kn_eval_eve_stats local;
	struct zeek_ctx x;
	struct stat sb;

	if (!l || !path)
		return eval_fail(errbuf, -KN_EINVAL, "Zeek loader: bad arguments");
	ctx_init(&x, l, path, opts, st ? st : &local, errbuf);
	if (stat(path, &sb) == 0 && S_ISDIR(sb.st_mode))
		return load_dir(&x, path);
	return eval_lines_file(&x.r, path);
}
