/*
 * csv.c - reads the generic scored CSV (docs/eval-detectors.md, "Scored
 * CSV") into struct kn_eval_alert: the way any detector that is neither
 * Suricata-, Zeek- nor Snort-shaped (an anomaly scorer such as Kitsune, a
 * model's per-flow output) hands its findings to `kenchi eval`.
 *
 * The first row that is not blank or a '#' comment is the header; it names
 * the columns, in any order. A header that cannot describe findings (no
 * score column, neither timestamp nor packet, a column named twice) fails
 * the load with -KN_EFORMAT: every row would be unreadable. After it, each
 * row is one finding; a bad row is counted with its line and reason and
 * reading goes on. Quoting follows RFC 4180 within one line.
 */
#include "eval/eval_int.h"

#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

enum { C_TIMESTAMP, C_SCORE, C_SRC, C_DST, C_SPORT, C_DPORT, C_PROTO, C_PACKET, C_SIGNATURE,
       C_LABEL, C_COUNT };
static const char *const columns[C_COUNT] = {
	"timestamp", "score", "src", "dst", "sport", "dport", "proto", "packet", "signature",
	"label",
};

#define DOC "see docs/eval-detectors.md, \"Scored CSV\""

struct csv_ctx {
	struct eval_lines r;
	struct kn_eval_alerts *l;
	size_t max_alerts;
	size_t n_cols;             /* 0 until the header is read */
	long col[C_COUNT];         /* column index of each known name, -1 when absent */
	long dup;                  /* header: a known name seen twice (its index), else -1 */
};

/* One field of a row: its text as written (without the quotes). */
struct span {
	const char *s;
	size_t n;
	int quoted;                /* "" inside stands for one quote */
};

/* ---------------------------------------------------------- splitting */

typedef void (*field_fn)(struct csv_ctx *x, size_t idx, const struct span *sp, void *out);

static int blank(char c)
{
	return c == ' ' || c == '\t';
}

/* A quoted field from s[*i] (the opening quote) on. 0 or -1 (unterminated,
 * or text after the closing quote). */
static int quoted_field(const char *s, size_t len, size_t *i, struct span *sp)
{
	size_t start = ++*i;

	for (;; ++*i) {
		if (*i >= len)
			return -1;
		if (s[*i] != '"')
			continue;
		if (*i + 1 < len && s[*i + 1] == '"') {
			++*i;
			continue;
		}
		break;
	}
	*sp = (struct span){ s + start, *i - start, 1 };
	for (++*i; *i < len && blank(s[*i]); ++*i)
		;
	return *i < len && s[*i] != ',' ? -2 : 0;
}

/* Splits a row into fields, calling fn for each. The field count, or 0
 * with the reason in why. Spaces and tabs around fields are dropped. */
static size_t split(struct csv_ctx *x, const char *s, size_t len, field_fn fn, void *out,
		    char *why, size_t cap)
{
	size_t i = 0, f = 0;

	for (;;) {
		struct span sp;
		while (i < len && blank(s[i]))
			i++;
		if (i < len && s[i] == '"') {
			int rc = quoted_field(s, len, &i, &sp);
			if (rc) {
				snprintf(why, cap, rc == -1 ? "unterminated quote in field %zu "
					 "(line breaks inside quotes are not supported)" :
					 "text after the closing quote of field %zu", f + 1);
				return 0;
			}
		} else {
			size_t start = i;
			for (; i < len && s[i] != ','; i++) {
				if (s[i] == '"') {
					snprintf(why, cap, "quote inside unquoted field %zu "
						 "(quote the field and double the quote)", f + 1);
					return 0;
				}
			}
			size_t end = i;
			while (end > start && blank(s[end - 1]))
				end--;
			sp = (struct span){ s + start, end - start, 0 };
		}
		fn(x, f++, &sp, out);
		if (i >= len)
			return f;
		i++;   /* the comma */
	}
}

/* The text of a field into buf (cap bytes with its NUL): its length, or -1
 * when it does not fit (cut to cap - 1 instead when `cut`). */
static long field_text(const struct span *sp, char *buf, size_t cap, int cut)
{
	size_t o = 0;

	for (size_t i = 0; i < sp->n; i++) {
		if (o + 1 >= cap) {
			if (!cut)
				return -1;
			break;
		}
		buf[o++] = sp->s[i];
		i += sp->quoted && sp->s[i] == '"';   /* "" -> " */
	}
	buf[o] = '\0';
	return (long)o;
}

/* -------------------------------------------------------------- header */

static void header_field(struct csv_ctx *x, size_t idx, const struct span *sp, void *out)
{
	char name[32];

	(void)out;
	if (field_text(sp, name, sizeof name, 0) < 0)
		return;   /* longer than any known name */
	for (int k = 0; k < C_COUNT; k++) {
		if (strcasecmp(name, columns[k]) != 0)
			continue;
		if (x->col[k] >= 0 && x->dup < 0)
			x->dup = k;
		x->col[k] = (long)idx;
	}
}

static int header(struct csv_ctx *x, const char *s, size_t len)
{
	char why[120];
	const char *missing = NULL;

	x->dup = -1;
	x->n_cols = split(x, s, len, header_field, NULL, why, sizeof why);
	if (!x->n_cols)
		return eval_fail(x->r.errbuf, -KN_EFORMAT, "%s:%llu: bad header row: %s", x->r.name,
				 (unsigned long long)x->r.line, why);
	if (x->dup >= 0)
		return eval_fail(x->r.errbuf, -KN_EFORMAT, "%s:%llu: the header names column "
				 "\"%s\" twice; " DOC, x->r.name, (unsigned long long)x->r.line,
				 columns[x->dup]);
	if (x->col[C_SCORE] < 0)
		missing = "\"score\" column";
	else if (x->col[C_TIMESTAMP] < 0 && x->col[C_PACKET] < 0)
		missing = "\"timestamp\" or \"packet\" column";
	if (missing)
		return eval_fail(x->r.errbuf, -KN_EFORMAT, "%s:%llu: the header row has no %s; the "
				 "first row must name the columns (timestamp or packet, score, "
				 "...); " DOC, x->r.name, (unsigned long long)x->r.line, missing);
	return 0;
}

/* --------------------------------------------------------------- rows */

struct row {
	struct span f[C_COUNT];
	uint8_t has[C_COUNT];
};

static void row_field(struct csv_ctx *x, size_t idx, const struct span *sp, void *out)
{
	struct row *r = out;
	for (int k = 0; k < C_COUNT; k++) {
		if (x->col[k] == (long)idx) {
			r->f[k] = *sp;
			r->has[k] = sp->n > 0;   /* an empty field is an absent value */
		}
	}
}

/* Decimal digits of at most 19 into *v. 0 or -1. */
static int parse_uint(const char *s, uint64_t *v)
{
	size_t n = strlen(s);
	*v = 0;
	if (n == 0 || n > 19)
		return -1;
	for (; *s; s++) {
		if (*s < '0' || *s > '9')
			return -1;
		*v = *v * 10 + (uint64_t)(*s - '0');
	}
	return 0;
}

/* A decimal number, "inf" or "infinity" (signed or not; any case); NaN and
 * overflow are bad. The syntax is checked here so strtod sees only numbers. */
static int parse_score(const char *s, double *out)
{
	const char *p = s + (*s == '+' || *s == '-');
	size_t digits = 0;

	if (!strcasecmp(p, "inf") || !strcasecmp(p, "infinity")) {
		*out = *s == '-' ? -INFINITY : INFINITY;
		return 0;
	}
	for (; *p >= '0' && *p <= '9'; p++)
		digits++;
	if (*p == '.')
		for (p++; *p >= '0' && *p <= '9'; p++)
			digits++;
	if (!digits)
		return -1;
	if (*p == 'e' || *p == 'E') {
		p += 1 + (p[1] == '+' || p[1] == '-');
		if (*p < '0' || *p > '9')
			return -1;
		while (*p >= '0' && *p <= '9')
			p++;
	}
	if (*p)
		return -1;
	char *end;
	errno = 0;
	double v = strtod(s, &end);
	if (*end || (errno == ERANGE && isinf(v)))
		return -1;   /* *end: a locale whose decimal point is not '.' */
	*out = v;
	return 0;
}

/* The text of column k into buf; 1 present, 0 absent, -1 too long. */
static int text(const struct row *r, int k, char *buf, size_t cap)
{
	if (!r->has[k])
		return 0;
	return field_text(&r->f[k], buf, cap, 0) < 0 ? -1 : 1;
}

static const char *row_ends(const struct row *r, struct kn_eval_alert *a)
{
	char buf[64];
	uint64_t v;
	int rc;

	if ((rc = text(r, C_SRC, buf, sizeof buf)) < 0 || (rc && kn_eval_addr_parse(buf, &a->src)))
		return "bad src address";
	if ((rc = text(r, C_DST, buf, sizeof buf)) < 0 || (rc && kn_eval_addr_parse(buf, &a->dst)))
		return "bad dst address";
	for (int k = C_SPORT; k <= C_DPORT; k++) {
		if ((rc = text(r, k, buf, sizeof buf)) < 0 ||
		    (rc && (parse_uint(buf, &v) || v > 65535)))
			return k == C_SPORT ? "bad sport (0-65535)" : "bad dport (0-65535)";
		if (rc)
			*(k == C_SPORT ? &a->sport : &a->dport) = (uint16_t)v;
	}
	if ((rc = text(r, C_PROTO, buf, sizeof buf)) < 0)
		return "bad proto";
	if (rc)
		a->proto = (int16_t)kn_eval_proto_parse(buf);   /* unknown name: -1 */
	return NULL;
}

/* Fills *a from a row. NULL or the reason it is bad. */
static const char *row_alert(const struct csv_ctx *x, const struct row *r,
			     struct kn_eval_alert *a, char *sig)
{
	char buf[64];
	const char *bad;
	int rc = 0;

	memset(a, 0, sizeof *a);
	a->proto = -1;
	a->kind = KN_EVAL_KIND_OTHER;
	a->ts_ns = KN_EVAL_TS_UNKNOWN;
	if (x->col[C_TIMESTAMP] >= 0 && ((rc = text(r, C_TIMESTAMP, buf, sizeof buf)) <= 0 ||
					 kn_eval_time_parse(buf, &a->ts_ns)))
		return rc ? "bad timestamp (epoch seconds or ISO 8601 with a zone)" :
			    "missing timestamp";
	if ((rc = text(r, C_SCORE, buf, sizeof buf)) <= 0 || parse_score(buf, &a->score))
		return rc ? "bad score (a number, inf or -inf)" : "missing score";
	if ((rc = text(r, C_PACKET, buf, sizeof buf)) < 0 ||
	    (rc && (parse_uint(buf, &a->pcap_cnt) || a->pcap_cnt == 0)))
		return "bad packet (a packet number, from 1)";
	if (!rc && x->col[C_TIMESTAMP] < 0)
		return "missing packet (the file has no timestamp column)";
	if ((bad = row_ends(r, a)) != NULL)
		return bad;
	int k = x->col[C_SIGNATURE] >= 0 ? C_SIGNATURE : C_LABEL;   /* signature wins */
	if (r->has[k]) {
		field_text(&r->f[k], sig, EVAL_MAX_SIGNATURE + 1, 1);
		a->signature = sig;
	}
	return NULL;
}

static int row(struct csv_ctx *x, const char *s, size_t len)
{
	char sig[EVAL_MAX_SIGNATURE + 1], why[120];
	struct kn_eval_alert a;
	struct row r;
	const char *bad;

	memset(&r, 0, sizeof r);
	if (memchr(s, '\0', len)) {
		eval_lines_bad(&x->r, "NUL byte in the row");
		return 0;
	}
	size_t n = split(x, s, len, row_field, &r, why, sizeof why);
	if (!n) {
		eval_lines_bad(&x->r, "%s", why);
		return 0;
	}
	if (n != x->n_cols) {
		eval_lines_bad(&x->r, "%zu fields where the header has %zu", n, x->n_cols);
		return 0;
	}
	if ((bad = row_alert(x, &r, &a, sig)) != NULL) {
		eval_lines_bad(&x->r, "%s", bad);
		return 0;
	}
	return eval_lines_push(&x->r, x->l, x->max_alerts, &a);
}

static int csv_line(void *arg, const char *s, size_t len)
{
	struct csv_ctx *x = arg;
	size_t i = 0;

	if (x->r.line == 1 && len >= 3 && !memcmp(s, "\xef\xbb\xbf", 3)) {   /* UTF-8 BOM */
		s += 3;
		len -= 3;
	}
	while (i < len && blank(s[i]))
		i++;
	if (i == len || s[i] == '#')
		return 0;   /* blank or a comment */
	return x->n_cols ? row(x, s, len) : header(x, s, len);
}

/* -------------------------------------------------------------- entry */

static void ctx_init(struct csv_ctx *x, struct kn_eval_alerts *l, const char *name,
		     const struct kn_eval_eve_opts *o, struct kn_eval_eve_stats *st, char *errbuf)
{
	memset(x, 0, sizeof *x);
	memset(st, 0, sizeof *st);
	x->l = l;
	x->max_alerts = o && o->max_alerts ? o->max_alerts : EVAL_DEFAULT_MAX_ALERTS;
	for (int k = 0; k < C_COUNT; k++)
		x->col[k] = -1;
	x->r = (struct eval_lines){ .name = name, .st = st, .errbuf = errbuf, .fn = csv_line,
				    .arg = x,
				    .max_line = o && o->max_line ? o->max_line :
							     EVAL_DEFAULT_MAX_LINE };
}

int kn_eval_csv_load_mem(struct kn_eval_alerts *l, const void *data, size_t len,
			 const struct kn_eval_eve_opts *opts, struct kn_eval_eve_stats *st,
			 char *errbuf)
{
	struct kn_eval_eve_stats local;
	struct csv_ctx x;

	if (!l || (!data && len))
		return eval_fail(errbuf, -KN_EINVAL, "CSV loader: bad arguments");
	ctx_init(&x, l, "(memory)", opts, st ? st : &local, errbuf);
	return eval_lines_mem(&x.r, data, len);
}

int kn_eval_csv_load_file(struct kn_eval_alerts *l, const char *path,
			  const struct kn_eval_eve_opts *opts, struct kn_eval_eve_stats *st,
			  char *errbuf)
{
	struct kn_eval_eve_stats local;
	struct csv_ctx x;

	if (!l || !path)
		return eval_fail(errbuf, -KN_EINVAL, "CSV loader: bad arguments");
	ctx_init(&x, l, path, opts, st ? st : &local, errbuf);
	return eval_lines_file(&x.r, path);
}
