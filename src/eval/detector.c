/*
 * detector.c - detector configs for `kenchi eval` (eval_detector.h,
 * docs/eval-detectors.md): reading and checking the JSON file, the
 * built-in "kenchi" detector, and placeholder expansion in command and path
 * templates.
 */
#include <string.h>

#include <jansson.h>

#include "eval_int.h"
#include "kenchi/eval_detector.h"
#include "util/alloc.h"

#define MAX_CONFIG (1u << 20)
#define MAX_ARGS 64
#define DOC "docs/eval-detectors.md"

static const char *const kind_names[] = { "kenchi", "command", "files" };
static const char *const format_names[] = { "eve", "zeek", "snort", "csv" };
/* Where a command's findings are unless "output" says otherwise. */
static const char *const default_output[] = { "{outdir}/eve.json", "{outdir}",
					      "{outdir}/alert_json.txt", "{outdir}/scores.csv" };

const char *kn_eval_det_kind_name(unsigned kind)
{
	return kind < 3 ? kind_names[kind] : NULL;
}

const char *kn_eval_format_name(unsigned fmt)
{
	return fmt < 4 ? format_names[fmt] : NULL;
}

void kn_eval_detector_free(struct kn_eval_detector *d)
{
	if (!d)
		return;
	for (size_t i = 0; i < d->n_args; i++)
		kn_free(d->args[i]);
	kn_free(d->args);
	for (size_t i = 0; i < d->n_parts; i++)
		kn_free(d->parts[i]);
	kn_free(d->parts);
	kn_free(d->name);
	kn_free(d->description);
	kn_free(d->version);
	kn_free(d->version_command);
	kn_free(d->command);
	kn_free(d->output);
	kn_free(d->config);
	kn_free(d->base_dir);
	kn_free(d);
}

/* ------------------------------------------------------------ loading */

static int oom(struct eval_load *l)
{
	return eval_load_err(l, -KN_ENOMEM, "out of memory");
}

/* A copy of an optional string member into *dst (NULL when absent). */
static int dup_str(struct eval_load *l, json_t *o, const char *key, int required, char **dst)
{
	const char *v;
	int rc = eval_get_str(l, o, key, required, &v);

	if (rc || !v)
		return rc;
	return (*dst = kn_strdup(v)) ? 0 : oom(l);
}

/* The index of member `key`'s value in names[0..n), or *out untouched when absent. */
static int get_enum(struct eval_load *l, json_t *o, const char *key,
		    const char *const *names, size_t n, uint8_t *out)
{
	const char *v;
	int rc = eval_get_str(l, o, key, 0, &v);

	if (rc || !v)
		return rc;
	for (size_t i = 0; i < n; i++)
		if (!strcmp(v, names[i])) {
			*out = (uint8_t)i;
			return 0;
		}
	size_t was = eval_jpath_key(&l->path, key);
	rc = eval_load_err(l, -KN_EFORMAT, "\"%.40s\" is not a %s; use %s", v, key,
			   n == 3 ? "kenchi, command or files" : "eve, zeek, snort or csv");
	eval_jpath_pop(&l->path, was);
	return rc;
}

static int check_name(struct eval_load *l, const char *s)
{
	size_t n = strlen(s);
	int ok = n >= 1 && n <= 64;

	for (size_t i = 0; ok && i < n; i++)
		ok = (s[i] >= 'a' && s[i] <= 'z') || (s[i] >= 'A' && s[i] <= 'Z') ||
		     (s[i] >= '0' && s[i] <= '9') || strchr("._+-", s[i]);
	if (ok)
		return 0;
	size_t was = eval_jpath_key(&l->path, "name");
	int rc = eval_load_err(l, -KN_EFORMAT, "\"%.64s\" is not a detector name; use 1 to 64 "
			       "letters, digits, '.', '_', '+' or '-'", s);
	eval_jpath_pop(&l->path, was);
	return rc;
}

/* "events": ["alert", "anomaly", "protocol_anomaly"] -> eve_types. */
static int get_events(struct eval_load *l, json_t *o, struct kn_eval_detector *d)
{
	static const char *const names[] = { "alert", "anomaly", "protocol_anomaly" };
	json_t *a = json_object_get(o, "events"), *v;
	size_t i, was = eval_jpath_key(&l->path, "events");
	int rc = 0;

	d->eve_types = KN_EVAL_EVE_ALERT | KN_EVAL_EVE_ANOMALY;
	if (!a)
		goto out;
	if (!json_is_array(a) || json_array_size(a) == 0) {
		rc = eval_load_err(l, -KN_EFORMAT, "expected a non-empty list of \"alert\", "
				   "\"anomaly\", \"protocol_anomaly\"");
		goto out;
	}
	d->eve_types = 0;
	json_array_foreach(a, i, v) {
		size_t k = 0;
		while (k < 3 && !(json_is_string(v) && !strcmp(json_string_value(v), names[k])))
			k++;
		if (k == 3) {
			eval_jpath_idx(&l->path, i);
			rc = eval_load_err(l, -KN_EFORMAT, "not an event kind; use \"alert\", "
					   "\"anomaly\" or \"protocol_anomaly\"");
			goto out;
		}
		d->eve_types |= 1u << k;
	}
out:
	eval_jpath_pop(&l->path, was);
	return rc;
}

/* A part name: 1..KN_EVAL_PART_MAX of [A-Za-z0-9._+-], not listed before. */
static const char *part_problem(const struct kn_eval_detector *d, const char *s)
{
	size_t n = strlen(s);

	if (n == 0 || n > KN_EVAL_PART_MAX || strspn(s, "abcdefghijklmnopqrstuvwxyz"
		"ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789._+-") != n)
		return "is not a part name; use 1 to 48 letters, digits, '.', '_', '+' or '-'";
	for (size_t i = 0; i < d->n_parts; i++)
		if (!strcmp(d->parts[i], s))
			return "is listed twice";
	return NULL;
}

/* "parts": ["dns_tunnel", "port_scan"]: EVE anomaly.detector values scored
 * apart as well. */
static int get_parts(struct eval_load *l, json_t *o, struct kn_eval_detector *d)
{
	json_t *a = json_object_get(o, "parts"), *v;
	size_t i, was = eval_jpath_key(&l->path, "parts");
	const char *bad;
	int rc = 0;

	if (!a)
		goto out;
	if (d->format != KN_EVAL_FMT_EVE || !json_is_array(a) || json_array_size(a) == 0 ||
	    json_array_size(a) > KN_EVAL_PARTS_MAX) {
		rc = eval_load_err(l, -KN_EFORMAT, d->format != KN_EVAL_FMT_EVE ?
				   "applies to format eve only (parts are anomaly.detector names)" :
				   "expected a list of 1 to %u detector names", KN_EVAL_PARTS_MAX);
		goto out;
	}
	if (!(d->parts = kn_calloc(json_array_size(a), sizeof *d->parts))) {
		rc = oom(l);
		goto out;
	}
	json_array_foreach(a, i, v) {
		const char *s = json_is_string(v) && strlen(json_string_value(v)) ==
				json_string_length(v) ? json_string_value(v) : NULL;
		if (!s || (bad = part_problem(d, s)) != NULL) {
			eval_jpath_idx(&l->path, i);
			rc = s ? eval_load_err(l, -KN_EFORMAT, "\"%.60s\" %s", s, bad)
			       : eval_load_err(l, -KN_EFORMAT, "expected a detector name (a string)");
			goto out;
		}
		if (!(d->parts[d->n_parts] = kn_strdup(s))) {
			rc = oom(l);
			goto out;
		}
		d->n_parts++;
	}
out:
	eval_jpath_pop(&l->path, was);
	return rc;
}

static int get_args(struct eval_load *l, json_t *o, struct kn_eval_detector *d)
{
	json_t *a = json_object_get(o, "args"), *v;
	size_t i, was = eval_jpath_key(&l->path, "args");
	int rc = 0;

	if (!a)
		goto out;
	if (!json_is_array(a) || json_array_size(a) > MAX_ARGS) {
		rc = eval_load_err(l, -KN_EFORMAT, "expected a list of at most %u strings "
				   "(kenchi run options)", MAX_ARGS);
		goto out;
	}
	if (json_array_size(a) && !(d->args = kn_calloc(json_array_size(a), sizeof *d->args))) {
		rc = oom(l);
		goto out;
	}
	json_array_foreach(a, i, v) {
		if (!json_is_string(v) || strlen(json_string_value(v)) != json_string_length(v)) {
			eval_jpath_idx(&l->path, i);
			rc = eval_load_err(l, -KN_EFORMAT, "expected a string without NUL bytes");
			goto out;
		}
		if (!(d->args[d->n_args] = kn_strdup(json_string_value(v)))) {
			rc = oom(l);
			goto out;
		}
		d->n_args++;
	}
out:
	eval_jpath_pop(&l->path, was);
	return rc;
}

static int get_zone(struct eval_load *l, json_t *o, struct kn_eval_detector *d)
{
	json_t *v = json_object_get(o, "tz_offset_min");

	if (!v)
		return 0;
	if (d->format == KN_EVAL_FMT_SNORT && json_is_integer(v) &&
	    json_integer_value(v) >= -1440 && json_integer_value(v) <= 1440) {
		d->tz_offset_min = (int)json_integer_value(v);
		return 0;
	}
	size_t was = eval_jpath_key(&l->path, "tz_offset_min");
	int rc = eval_load_err(l, -KN_EFORMAT, d->format == KN_EVAL_FMT_SNORT ?
			       "expected minutes east of UTC, -1440 to 1440" :
			       "applies to format snort only (its local-time stamps)");
	eval_jpath_pop(&l->path, was);
	return rc;
}

static int get_timeout(struct eval_load *l, json_t *o, struct kn_eval_detector *d)
{
	json_t *v = json_object_get(o, "timeout_s");

	if (!v)
		return 0;
	if (json_is_number(v) && json_number_value(v) >= 0 && json_number_value(v) <= 1e6) {
		d->timeout_s = json_number_value(v);
		return 0;
	}
	size_t was = eval_jpath_key(&l->path, "timeout_s");
	int rc = eval_load_err(l, -KN_EFORMAT, "expected seconds from 0 (none) to 1e6");
	eval_jpath_pop(&l->path, was);
	return rc;
}

/* What each kind needs and allows. */
static int check_kind(struct eval_load *l, json_t *o, struct kn_eval_detector *d)
{
	static const char *const needs[] = { NULL, "command", "files" };
	static const char *const foreign[3][3] = {
		{ "command", "files", NULL }, { "files", "args", NULL }, { "command", "args", NULL } };

	if (needs[d->kind] && !json_object_get(o, needs[d->kind]))
		return eval_load_err(l, -KN_EFORMAT, "kind %s needs \"%s\"; add it (see %s)",
				     kind_names[d->kind], needs[d->kind], DOC);
	for (size_t i = 0; foreign[d->kind][i]; i++)
		if (json_object_get(o, foreign[d->kind][i]))
			return eval_load_err(l, -KN_EFORMAT, "\"%s\" does not apply to kind %s; "
					     "remove it", foreign[d->kind][i], kind_names[d->kind]);
	if (d->kind != KN_EVAL_DET_COMMAND && json_object_get(o, "output"))
		return eval_load_err(l, -KN_EFORMAT, "\"output\" applies to kind command only");
	if (d->kind == KN_EVAL_DET_KENCHI && d->format != KN_EVAL_FMT_EVE &&
	    d->format != KN_EVAL_FMT_CSV)
		return eval_load_err(l, -KN_EFORMAT, "kind kenchi writes EVE (or, with format csv, "
				     "its anomaly model's per-packet scores); remove \"format\"");
	if (d->kind == KN_EVAL_DET_FILES && json_object_get(o, "timeout_s"))
		return eval_load_err(l, -KN_EFORMAT, "\"timeout_s\" does not apply to kind files");
	if (d->format != KN_EVAL_FMT_EVE && json_object_get(o, "events"))
		return eval_load_err(l, -KN_EFORMAT, "\"events\" applies to format eve only");
	return 0;
}

static int load_doc(struct eval_load *l, json_t *o, struct kn_eval_detector *d)
{
	static const char *const keys[] = { "kenchi_detector", "name", "description", "comment",
		"kind", "format", "events", "command", "output", "files", "args", "version",
		"version_command", "timeout_s", "tz_offset_min", "parts", NULL };
	uint64_t ver;
	const char *name;
	int rc, present;

	if (!json_is_object(o))
		return eval_load_err(l, -KN_EFORMAT, "expected a JSON object (see %s)", DOC);
	if ((rc = eval_check_keys(l, o, keys)) ||
	    (rc = eval_get_uint(l, o, "kenchi_detector", 0, UINT64_MAX, &ver, &present)))
		return rc;
	if (!present || ver != KN_EVAL_DETECTOR_VERSION)
		return eval_load_err(l, -KN_EFORMAT, "\"kenchi_detector\": %d is required (the "
				     "config format version; see %s)", KN_EVAL_DETECTOR_VERSION, DOC);
	if ((rc = eval_get_str(l, o, "name", 1, &name)) || (rc = check_name(l, name)))
		return rc;
	d->kind = KN_EVAL_DET_COMMAND;
	if (!(d->name = kn_strdup(name)) ||
	    (rc = get_enum(l, o, "kind", kind_names, 3, &d->kind)) ||
	    (rc = get_enum(l, o, "format", format_names, 4, &d->format)) ||
	    (rc = check_kind(l, o, d)) || (rc = get_events(l, o, d)) ||
	    (rc = dup_str(l, o, "description", 0, &d->description)) ||
	    (rc = dup_str(l, o, "version", 0, &d->version)) ||
	    (rc = dup_str(l, o, "version_command", 0, &d->version_command)) ||
	    (rc = dup_str(l, o, "command", 0, &d->command)) ||
	    (rc = dup_str(l, o, "output", 0, &d->output)) ||
	    (rc = dup_str(l, o, "files", 0, &d->output)) ||
	    (rc = get_args(l, o, d)) || (rc = get_parts(l, o, d)) ||
	    (rc = get_timeout(l, o, d)) ||
	    (rc = get_zone(l, o, d)))
		return rc ? rc : oom(l);
	if (d->kind == KN_EVAL_DET_COMMAND && !d->output &&
	    !(d->output = kn_strdup(default_output[d->format])))
		return oom(l);
	if ((!d->description && !(d->description = kn_strdup(""))) ||
	    (!d->version && !(d->version = kn_strdup(""))))
		return oom(l);
	return 0;
}

struct kn_eval_detector *kn_eval_detector_load_mem(const char *name, const void *data,
						   size_t len, const char *base_dir,
						   char *errbuf)
{
	struct kn_eval_detector *d = kn_calloc(1, sizeof *d);
	struct eval_load l = { .name = name, .errbuf = errbuf, .doc = DOC };
	json_error_t jerr;
	json_t *root;
	int rc;

	if (!d || !(d->config = kn_strdup(name)) ||
	    !(d->base_dir = kn_strdup(base_dir ? base_dir : "."))) {
		kn_eval_detector_free(d);
		eval_fail(errbuf, -KN_ENOMEM, "%s: out of memory", name);
		return NULL;
	}
	root = json_loadb(data ? data : "", len, JSON_REJECT_DUPLICATES, &jerr);
	if (!root) {
		kn_eval_detector_free(d);
		eval_fail(errbuf, -KN_EFORMAT, "%s:%d:%d: invalid JSON: %s; fix the detector "
			  "config (%s)", name, jerr.line, jerr.column, jerr.text, DOC);
		return NULL;
	}
	rc = load_doc(&l, root, d);
	json_decref(root);
	if (rc) {
		kn_eval_detector_free(d);
		return NULL;
	}
	return d;
}

struct kn_eval_detector *kn_eval_detector_load_file(const char *path, char *errbuf)
{
	char *buf = NULL, *dir = eval_dirname(path);
	size_t len = 0;
	struct kn_eval_detector *d = NULL;

	if (!dir) {
		eval_fail(errbuf, -KN_ENOMEM, "%s: out of memory", path);
		return NULL;
	}
	if (eval_read_file(path, MAX_CONFIG, &buf, &len, errbuf) == 0)
		d = kn_eval_detector_load_mem(path, buf, len, dir, errbuf);
	kn_free(buf);
	kn_free(dir);
	return d;
}

struct kn_eval_detector *kn_eval_detector_builtin(void)
{
	static const char doc[] = "{\"kenchi_detector\": 1, \"name\": \"kenchi\", \"kind\": "
				  "\"kenchi\", \"description\": \"kenchi run, in-process\"}";
	struct kn_eval_detector *d = kn_eval_detector_load_mem("", doc, sizeof doc - 1, ".",
							       NULL);

	if (d) {
		kn_free(d->version);
		if (!(d->version = kn_strdup(kn_version()))) {
			kn_eval_detector_free(d);
			return NULL;
		}
	}
	return d;
}

/* ---------------------------------------------------------- templates */

struct buf {
	char *s;
	size_t n, cap;
};

static int put(struct buf *b, const char *s, size_t n)
{
	if (b->n + n + 1 > b->cap) {
		size_t cap = b->cap ? b->cap : 128;
		while (cap < b->n + n + 1)
			cap *= 2;
		char *t = kn_realloc_array(b->s, cap, 1);
		if (!t)
			return -KN_ENOMEM;
		b->s = t;
		b->cap = cap;
	}
	memcpy(b->s + b->n, s, n);
	b->n += n;
	b->s[b->n] = '\0';
	return 0;
}

/* v, single-quoted for sh when q: ' becomes '\'' */
static int put_value(struct buf *b, const char *v, int q)
{
	int rc = q ? put(b, "'", 1) : 0;

	for (const char *p = v; !rc && *p; p++)
		rc = *p == '\'' && q ? put(b, "'\\''", 4) : put(b, p, 1);
	return rc || !q ? rc : put(b, "'", 1);
}

static const char *lookup(const struct kn_eval_subst *s, const char *key, size_t n)
{
	static const char *const keys[] = { "pcap", "outdir", "name", "path", "stem" };
	const char *vals[] = { s->pcap, s->outdir, s->name, s->path, s->stem };

	for (size_t i = 0; i < 5; i++)
		if (strlen(keys[i]) == n && !memcmp(keys[i], key, n))
			return vals[i] ? vals[i] : "";
	return NULL;
}

int kn_eval_expand(const char *tmpl, const struct kn_eval_subst *s, int shell_quote,
		   char **out, char *errbuf)
{
	struct buf b = { 0 };
	const char *p = tmpl;
	int rc = put(&b, "", 0);

	*out = NULL;
	while (!rc && *p) {
		const char *close = p[0] == '{' && p[1] != '{' ? strchr(p, '}') : NULL;
		if ((p[0] == '{' && p[1] == '{') || (p[0] == '}' && p[1] == '}')) {
			rc = put(&b, p, 1);
			p += 2;
		} else if (p[0] == '{') {
			size_t n = close ? (size_t)(close - p - 1) : 0;
			const char *v = close ? lookup(s, p + 1, n) : NULL;
			if (!v || !*v) {
				rc = eval_fail(errbuf, -KN_EINVAL, "template \"%s\": %s{%.*s}; the "
					       "placeholders are {pcap}, {outdir}, {name}, {path}, "
					       "{stem} (write {{ and }} for braces)", tmpl,
					       v ? "no value for " : "unknown placeholder ",
					       (int)(close ? n : strlen(p + 1)), p + 1);
				break;
			}
			rc = put_value(&b, v, shell_quote);
			p = close + 1;
		} else {
			rc = put(&b, p++, 1);
		}
	}
	if (rc) {
		kn_free(b.s);
		return rc == -KN_ENOMEM ? eval_fail(errbuf, rc, "out of memory") : rc;
	}
	*out = b.s;
	return 0;
}
