/*
 * manifest.c - loads a dataset manifest (docs/eval-manifest.md; JSON read
 * with jansson) into a struct kn_eval_dataset: the document and its
 * captures, with the typed getters and the JSON-path cursor that every
 * message uses. Labels are parsed in manifest_label.c, capture files
 * checked in manifest_file.c.
 *
 * A manifest is the operator's file: it is loaded whole or not at all, and
 * the first problem is reported as "FILE: JSON.PATH: what is wrong; the
 * fix" (syntax errors as "FILE:LINE:COLUMN: ..."). Unknown keys are errors,
 * so a typo never silently drops ground truth.
 */
#include "eval/eval_int.h"

#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "util/alloc.h"

#define MAX_CAPTURES 1000000u
#define MAX_NAME 255u
#define MAX_PATH 4096u
#define MAX_TEXT 65536u

/* ------------------------------------------------------- JSON path */

size_t eval_jpath_key(struct eval_jpath *p, const char *key)
{
	size_t was = p->len;
	int n = snprintf(p->s + p->len, sizeof p->s - p->len, "%s%s", p->len ? "." : "", key);
	if (n > 0)
		p->len += (size_t)n < sizeof p->s - p->len ? (size_t)n : sizeof p->s - 1 - p->len;
	return was;
}

size_t eval_jpath_idx(struct eval_jpath *p, size_t i)
{
	size_t was = p->len;
	int n = snprintf(p->s + p->len, sizeof p->s - p->len, "[%zu]", i);
	if (n > 0)
		p->len += (size_t)n < sizeof p->s - p->len ? (size_t)n : sizeof p->s - 1 - p->len;
	return was;
}

void eval_jpath_pop(struct eval_jpath *p, size_t len)
{
	p->len = len;
	p->s[len] = '\0';
}

int eval_load_err(struct eval_load *l, int rc, const char *fmt, ...)
{
	char msg[KN_ERRBUF_SIZE];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof msg, fmt, ap);
	va_end(ap);
	return eval_fail(l->errbuf, rc, "%s: %s: %s", l->name, l->path.len ? l->path.s : "(top)",
			 msg);
}

/* eval_load_err with the path pointing at member `key`. */
static int KN_PRINTF(4, 5) key_err(struct eval_load *l, const char *key, int rc,
				   const char *fmt, ...)
{
	char msg[KN_ERRBUF_SIZE];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof msg, fmt, ap);
	va_end(ap);
	size_t was = eval_jpath_key(&l->path, key);
	rc = eval_load_err(l, rc, "%s", msg);
	eval_jpath_pop(&l->path, was);
	return rc;
}

/* The documentation to name in a message. */
static const char *eval_doc(const struct eval_load *l)
{
	return l->doc ? l->doc : "docs/eval-manifest.md";
}

/* ---------------------------------------------------------- getters */

/* A short rendering of a JSON value for messages. */
static const char *show(json_t *v, char buf[64])
{
	if (json_is_string(v))
		snprintf(buf, 64, "\"%.40s\"", json_string_value(v));
	else if (json_is_integer(v))
		snprintf(buf, 64, "%lld", (long long)json_integer_value(v));
	else if (json_is_real(v))
		snprintf(buf, 64, "%g", json_real_value(v));
	else
		snprintf(buf, 64, "%s", json_is_object(v) ? "an object" : json_is_array(v) ?
			 "an array" : json_is_boolean(v) ? "a boolean" : "null");
	return buf;
}

int eval_check_keys(struct eval_load *l, json_t *obj, const char *const *known)
{
	const char *key;
	json_t *v;
	char b[64];

	json_object_foreach(obj, key, v) {
		size_t i = 0;
		while (known[i] && strcmp(known[i], key) != 0)
			i++;
		if (known[i] && (strcmp(key, "comment") != 0 || json_is_string(v)))
			continue;
		if (known[i])   /* a "comment" that is not a string */
			return key_err(l, key, -KN_EFORMAT, "expected a string, got %s",
				       show(v, b));
		char list[256] = "";
		for (size_t k = 0; known[k]; k++) {
			size_t n = strlen(list);
			snprintf(list + n, sizeof list - n, "%s%s", k ? ", " : "", known[k]);
		}
		size_t was = eval_jpath_key(&l->path, key);
		int rc = eval_load_err(l, -KN_EFORMAT, "unknown key \"%.64s\"; the keys allowed "
				       "here are: %s (see %s)", key, list, eval_doc(l));
		eval_jpath_pop(&l->path, was);
		return rc;
	}
	return 0;
}

int eval_get_str(struct eval_load *l, json_t *obj, const char *key, int required,
		 const char **out)
{
	json_t *v = json_object_get(obj, key);
	char b[64];

	*out = NULL;
	if (!v) {
		if (required)
			return eval_load_err(l, -KN_EFORMAT, "\"%s\" is missing; add it (see %s)", key,
					     eval_doc(l));
		return 0;
	}
	size_t was = eval_jpath_key(&l->path, key);
	int rc = 0;
	if (!json_is_string(v))
		rc = eval_load_err(l, -KN_EFORMAT, "expected a string, got %s", show(v, b));
	else if (json_string_length(v) > MAX_TEXT || strlen(json_string_value(v)) !=
		 json_string_length(v))
		rc = eval_load_err(l, -KN_EFORMAT, "a string with a NUL byte or longer than "
				   "%u bytes; shorten it", MAX_TEXT);
	else
		*out = json_string_value(v);
	eval_jpath_pop(&l->path, was);
	return rc;
}

int eval_get_uint(struct eval_load *l, json_t *obj, const char *key, uint64_t min,
		  uint64_t max, uint64_t *out, int *present)
{
	json_t *v = json_object_get(obj, key);
	char b[64];

	*present = v != NULL;
	if (!v)
		return 0;
	if (!json_is_integer(v) || json_integer_value(v) < 0 ||
	    (uint64_t)json_integer_value(v) < min || (uint64_t)json_integer_value(v) > max)
		return key_err(l, key, -KN_EFORMAT, "expected a whole number from %llu to %llu, "
			       "got %s", (unsigned long long)min, (unsigned long long)max,
			       show(v, b));
	*out = (uint64_t)json_integer_value(v);
	return 0;
}

/* Epoch seconds given as a JSON number, rounded to the microsecond (the
 * resolution of pcap and EVE; a double cannot hold nanoseconds of today). */
static int number_time(double x, int64_t *ns)
{
	if (!isfinite(x) || x < 0 || x >= 8589934592.0)
		return -1;
	double secs = floor(x);
	int64_t us = (int64_t)llround((x - secs) * 1e6);
	*ns = (int64_t)secs * 1000000000 + us * 1000;
	return 0;
}

int eval_get_time(struct eval_load *l, json_t *obj, const char *key, int64_t *out,
		  int *present)
{
	json_t *v = json_object_get(obj, key);
	int bad;
	char b[64];

	*present = v != NULL;
	if (!v)
		return 0;
	if (json_is_string(v))
		bad = kn_eval_time_parse(json_string_value(v), out) != 0;
	else if (json_is_number(v))
		bad = number_time(json_number_value(v), out) != 0;
	else
		bad = 1;
	if (!bad)
		return 0;
	size_t was = eval_jpath_key(&l->path, key);
	int rc = eval_load_err(l, -KN_EFORMAT, "bad time %s; write epoch seconds (1540447477.847001, "
			       "as a string for nanoseconds) or \"2018-10-25T05:44:37.847001Z\" "
			       "(zone required), between 1970 and 2242", show(v, b));
	eval_jpath_pop(&l->path, was);
	return rc;
}

static int class_ok(const char *s)
{
	size_t n = strlen(s);
	if (n == 0 || n > KN_EVAL_CLASS_MAX)
		return 0;
	for (; *s; s++)
		if ((unsigned char)*s < 0x20 || *s == 0x7f)
			return 0;
	return 1;
}

/* Index of class name s in ds->classes, added when new. -1: no memory. */
static long class_intern(struct kn_eval_dataset *ds, const char *s)
{
	char **grown;
	for (size_t i = 0; i < ds->n_classes; i++)
		if (!strcmp(ds->classes[i], s))
			return (long)i;
	grown = kn_realloc_array(ds->classes, ds->n_classes + 1, sizeof *grown);
	if (!grown)
		return -1;
	ds->classes = grown;
	if (!(ds->classes[ds->n_classes] = kn_strdup(s)))
		return -1;
	return (long)ds->n_classes++;
}

int eval_get_class(struct eval_load *l, json_t *obj, const char *key, uint32_t *out)
{
	const char *s;
	int rc = eval_get_str(l, obj, key, 1, &s);
	long idx;

	if (rc)
		return rc;
	size_t was = eval_jpath_key(&l->path, key);
	if (!class_ok(s))
		rc = eval_load_err(l, -KN_EFORMAT, "attack class \"%.40s\" must be 1 to %d "
				   "printable bytes, e.g. \"scan/tcp_syn\"", s, KN_EVAL_CLASS_MAX);
	else if ((idx = class_intern(l->ds, s)) < 0)
		rc = eval_load_err(l, -KN_ENOMEM, "out of memory");
	else
		*out = (uint32_t)idx;
	eval_jpath_pop(&l->path, was);
	return rc;
}

/* ---------------------------------------------------------- grains */

static int get_grain(struct eval_load *l, json_t *obj, int required, uint8_t *out)
{
	const char *s;
	int rc = eval_get_str(l, obj, "grain", required, &s);

	if (rc || !s)
		return rc;
	for (unsigned g = 0; g < KN_EVAL_GRAIN_MIXED; g++) {
		if (!strcmp(s, kn_eval_grain_name(g))) {
			*out = (uint8_t)g;
			return 0;
		}
	}
	size_t was = eval_jpath_key(&l->path, "grain");
	rc = eval_load_err(l, -KN_EFORMAT, "unknown grain \"%.40s\"; use \"packet\", \"flow\" "
			   "or \"host\"", s);
	eval_jpath_pop(&l->path, was);
	return rc;
}

/* ---------------------------------------------------------- captures */

static int name_ok(const char *s)
{
	size_t n = strlen(s);
	if (n == 0 || n > MAX_NAME)
		return 0;
	for (; *s; s++)
		if ((unsigned char)*s < 0x20 || *s == 0x7f)
			return 0;
	return 1;
}

/* The default capture name: the path with '/' as "__", the naming of the
 * reference outputs ("pcaps/scan/x.pcap" -> "pcaps__scan__x.pcap"). */
static char *default_name(const char *path)
{
	size_t n = 0;
	for (const char *p = path; *p; p++)
		n += *p == '/' ? 2 : 1;
	char *s = kn_malloc(n + 1), *o = s;
	if (!s)
		return NULL;
	for (const char *p = path; *p; p++) {
		if (*p == '/') {
			*o++ = '_';
			*o++ = '_';
		} else {
			*o++ = *p;
		}
	}
	*o = '\0';
	return s;
}

static int capture_names(struct eval_load *l, json_t *obj, struct kn_eval_capture *c)
{
	const char *path, *name, *sha;
	int rc;

	if ((rc = eval_get_str(l, obj, "path", 1, &path)) ||
	    (rc = eval_get_str(l, obj, "name", 0, &name)) ||
	    (rc = eval_get_str(l, obj, "sha256", 0, &sha)))
		return rc;
	if (!*path || strlen(path) > MAX_PATH)
		return key_err(l, "path", -KN_EFORMAT, "a path must be 1 to %u bytes", MAX_PATH);
	if (name && !name_ok(name))
		return key_err(l, "name", -KN_EFORMAT, "a name must be 1 to %u printable bytes",
			       MAX_NAME);
	if (sha) {
		size_t n = strspn(sha, "0123456789abcdefABCDEF");
		if (n != 64 || sha[n])
			return key_err(l, "sha256", -KN_EFORMAT, "expected 64 hex digits (the "
				       "output of sha256sum FILE), got \"%.70s\"", sha);
		for (size_t i = 0; i < 64; i++)
			c->sha256[i] = (char)(sha[i] | 0x20);  /* lower case */
	}
	c->path = kn_strdup(path);
	c->name = name ? kn_strdup(name) : default_name(path);
	if (!c->path || !c->name)
		return eval_load_err(l, -KN_ENOMEM, "out of memory");
	if (!name && !name_ok(c->name))
		return eval_load_err(l, -KN_EFORMAT, "the path makes a bad capture name; give "
				     "\"name\" (1 to %u printable bytes)", MAX_NAME);
	return 0;
}

/* A whole-capture attack: one label covering every packet. */
static int capture_whole(struct eval_load *l, json_t *obj, struct kn_eval_capture *c)
{
	struct kn_eval_label *lab = kn_calloc(1, sizeof *lab);
	int rc;

	if (!lab)
		return eval_load_err(l, -KN_ENOMEM, "out of memory");
	c->labels = lab;
	c->n_labels = 1;
	lab->whole = 1;
	lab->proto = -1;
	lab->sport = lab->dport = -1;
	lab->win.start_ns = INT64_MIN;
	lab->win.end_ns = INT64_MAX;
	lab->n_packets = c->packets;
	if ((rc = eval_get_class(l, obj, "attack", &lab->cls)) != 0)
		return rc;
	return 0;
}

/* Exactly one of benign, attack, labels. */
static int capture_truth(struct eval_load *l, json_t *obj, struct kn_eval_capture *c)
{
	json_t *b = json_object_get(obj, "benign"), *labels = json_object_get(obj, "labels");
	int has_attack = json_object_get(obj, "attack") != NULL;
	char s[64];

	if (b && !json_is_boolean(b))
		return key_err(l, "benign", -KN_EFORMAT, "expected true or false, got %s",
			       show(b, s));
	c->benign = json_is_true(b);
	if (c->benign + has_attack + (labels != NULL) > 1)
		return eval_load_err(l, -KN_EFORMAT, "a capture is benign, a whole-capture "
				     "\"attack\", or has \"labels\": keep only one of them");
	if (c->benign)
		return 0;
	if (has_attack)
		return capture_whole(l, obj, c);
	if (!labels)
		return eval_load_err(l, -KN_EFORMAT, "no ground truth; add \"benign\": true, "
				     "\"attack\": \"CLASS\" (the whole capture is that attack) "
				     "or \"labels\": [...]");
	size_t was = eval_jpath_key(&l->path, "labels");
	int rc;
	if (!json_is_array(labels) || json_array_size(labels) == 0)
		rc = eval_load_err(l, -KN_EFORMAT, "expected a non-empty list of labels, got %s; "
				   "write \"benign\": true for a capture without attack",
				   json_is_array(labels) ? "[]" : show(labels, s));
	else
		rc = eval_labels_load(l, c, labels);
	eval_jpath_pop(&l->path, was);
	return rc;
}

/* "train_packets": packet grain only, within "packets", before every label. */
static int train_prefix(struct eval_load *l, json_t *obj, struct kn_eval_capture *c)
{
	int rc, present;

	if ((rc = eval_get_uint(l, obj, "train_packets", 1, UINT32_MAX, &c->train_packets,
				&present)) || !present)
		return rc;
	size_t was = eval_jpath_key(&l->path, "train_packets");
	if (c->grain != KN_EVAL_GRAIN_PACKET)
		rc = eval_load_err(l, -KN_EFORMAT, "applies to packet grain only (the capture "
				   "has %s grain)", kn_eval_grain_name(c->grain));
	else if (c->packets && c->train_packets >= c->packets)
		rc = eval_load_err(l, -KN_EFORMAT, "%llu is not below the capture's %llu packets",
				   (unsigned long long)c->train_packets,
				   (unsigned long long)c->packets);
	for (size_t i = 0; !rc && i < c->n_labels; i++)
		if (c->labels[i].whole || (c->labels[i].n_ranges &&
					   c->labels[i].ranges[0].first <= c->train_packets))
			rc = eval_load_err(l, -KN_EFORMAT, "labels[%zu] starts inside the training "
					   "period (packets 1..%llu); training traffic must be "
					   "benign", i, (unsigned long long)c->train_packets);
	eval_jpath_pop(&l->path, was);
	return rc;
}

static int load_capture(struct eval_load *l, json_t *obj, struct kn_eval_capture *c)
{
	static const char *const keys[] = { "name", "path", "sha256", "packets", "grain", "benign",
					     "attack", "labels", "train_packets", "comment", NULL };
	int rc, present;

	if (!json_is_object(obj))
		return eval_load_err(l, -KN_EFORMAT, "a capture must be an object "
				     "{\"path\": ..., ...}");
	c->grain = l->ds->grain;
	if ((rc = eval_check_keys(l, obj, keys)) || (rc = capture_names(l, obj, c)) ||
	    (rc = eval_get_uint(l, obj, "packets", 1, UINT32_MAX, &c->packets, &present)) ||
	    (rc = get_grain(l, obj, 0, &c->grain)))
		return rc;
	if ((rc = capture_truth(l, obj, c)) || (rc = train_prefix(l, obj, c)))
		return rc;
	return eval_capture_file(l, c);
}

static int cmp_name(const void *a, const void *b)
{
	const struct kn_eval_capture *const *x = a, *const *y = b;
	return strcmp((*x)->name, (*y)->name);
}

/* Fails on two captures with one name (detector outputs are found by it). */
static int unique_names(struct eval_load *l)
{
	struct kn_eval_dataset *ds = l->ds;
	const struct kn_eval_capture **v = kn_calloc(ds->n_captures, sizeof *v);
	int rc = 0;

	if (!v)
		return eval_load_err(l, -KN_ENOMEM, "out of memory");
	for (size_t i = 0; i < ds->n_captures; i++)
		v[i] = &ds->captures[i];
	qsort(v, ds->n_captures, sizeof *v, cmp_name);
	for (size_t i = 1; i < ds->n_captures && !rc; i++) {
		if (strcmp(v[i - 1]->name, v[i]->name) != 0)
			continue;
		size_t a = (size_t)(v[i - 1] - ds->captures), b = (size_t)(v[i] - ds->captures);
		size_t was = eval_jpath_idx(&l->path, a > b ? a : b);
		rc = eval_load_err(l, -KN_EFORMAT, "capture name \"%.60s\" is also used by "
				   "captures[%zu]; give one of them another \"name\"", v[i]->name,
				   a < b ? a : b);
		eval_jpath_pop(&l->path, was);
	}
	kn_free(v);
	return rc;
}

static int load_captures(struct eval_load *l, json_t *arr)
{
	struct kn_eval_dataset *ds = l->ds;
	size_t n = json_array_size(arr);
	int rc = 0;

	if (!json_is_array(arr) || n == 0 || n > MAX_CAPTURES)
		return eval_load_err(l, -KN_EFORMAT, "expected a list of 1 to %u captures",
				     MAX_CAPTURES);
	if (!(ds->captures = kn_calloc(n, sizeof *ds->captures)))
		return eval_load_err(l, -KN_ENOMEM, "out of memory");
	for (size_t i = 0; i < n && !rc; i++) {
		size_t was = eval_jpath_idx(&l->path, i);
		ds->n_captures = i + 1;
		rc = load_capture(l, json_array_get(arr, i), &ds->captures[i]);
		eval_jpath_pop(&l->path, was);
	}
	return rc ? rc : unique_names(l);
}

/* ---------------------------------------------------------- document */

static int check_version(struct eval_load *l, json_t *root)
{
	json_t *v = json_object_get(root, "kenchi_dataset");
	char s[64];

	if (!v)
		return eval_load_err(l, -KN_EFORMAT, "not a kenchi dataset manifest: "
				     "\"kenchi_dataset\" is missing; start the file with "
				     "{\"kenchi_dataset\": %d, ...}", KN_EVAL_DATASET_VERSION);
	if (json_is_integer(v) && json_integer_value(v) == KN_EVAL_DATASET_VERSION)
		return 0;
	size_t was = eval_jpath_key(&l->path, "kenchi_dataset");
	int rc = eval_load_err(l, json_is_integer(v) ? -KN_ENOTSUP : -KN_EFORMAT,
			       "manifest version %s is not supported; this kenchi reads version %d",
			       show(v, s), KN_EVAL_DATASET_VERSION);
	eval_jpath_pop(&l->path, was);
	return rc;
}

/* The file name without directory and ".json". */
static char *default_ds_name(const char *source)
{
	const char *base = strrchr(source, '/');
	base = base ? base + 1 : source;
	size_t n = strlen(base);
	if (n > 5 && !strcmp(base + n - 5, ".json"))
		n -= 5;
	char *s = kn_malloc(n + 1);
	if (s) {
		memcpy(s, base, n);
		s[n] = '\0';
	}
	return s;
}

static int load_doc(struct eval_load *l, json_t *root)
{
	static const char *const keys[] = { "kenchi_dataset", "name", "description", "grain",
					    "captures", "comment", NULL };
	struct kn_eval_dataset *ds = l->ds;
	const char *name, *desc;
	int rc;

	if (!json_is_object(root))
		return eval_load_err(l, -KN_EFORMAT, "the manifest must be a JSON object "
				     "{\"kenchi_dataset\": %d, ...}", KN_EVAL_DATASET_VERSION);
	if ((rc = check_version(l, root)) || (rc = eval_check_keys(l, root, keys)) ||
	    (rc = eval_get_str(l, root, "name", 0, &name)) ||
	    (rc = eval_get_str(l, root, "description", 0, &desc)) ||
	    (rc = get_grain(l, root, 1, &ds->grain)))
		return rc;
	if (name && !name_ok(name))
		return key_err(l, "name", -KN_EFORMAT, "a name must be 1 to %u printable bytes",
			       MAX_NAME);
	ds->name = name ? kn_strdup(name) : default_ds_name(l->name);
	ds->description = kn_strdup(desc ? desc : "");
	if (!ds->name || !ds->description)
		return eval_load_err(l, -KN_ENOMEM, "out of memory");
	if (!json_object_get(root, "captures"))
		return eval_load_err(l, -KN_EFORMAT, "\"captures\" is missing; list the capture "
				     "files: \"captures\": [{\"path\": ...}, ...]");
	size_t was = eval_jpath_key(&l->path, "captures");
	rc = load_captures(l, json_object_get(root, "captures"));
	eval_jpath_pop(&l->path, was);
	return rc;
}

/* --------------------------------------------------------------- API */

void kn_eval_dataset_free(struct kn_eval_dataset *ds)
{
	if (!ds)
		return;
	for (size_t i = 0; i < ds->n_captures; i++) {
		struct kn_eval_capture *c = &ds->captures[i];
		eval_labels_free(c);
		kn_free(c->name);
		kn_free(c->path);
		kn_free(c->file);
	}
	for (size_t i = 0; i < ds->n_classes; i++)
		kn_free(ds->classes[i]);
	kn_free(ds->classes);
	kn_free(ds->captures);
	kn_free(ds->source);
	kn_free(ds->name);
	kn_free(ds->description);
	kn_free(ds->base_dir);
	kn_free(ds);
}

/* Parses the document with base directory `base` (owned by the caller). */
static struct kn_eval_dataset *load_json(const char *name, const void *data, size_t len,
					 const char *base, const struct kn_eval_load_opts *opts,
					 char *errbuf)
{
	static const struct kn_eval_load_opts none;
	struct kn_eval_dataset *ds = kn_calloc(1, sizeof *ds);
	struct eval_load l = { .ds = ds, .name = name, .opts = opts ? opts : &none,
			       .errbuf = errbuf };
	json_error_t jerr;
	json_t *root;

	if (!ds || !(ds->source = kn_strdup(name)) || !(ds->base_dir = kn_strdup(base))) {
		kn_eval_dataset_free(ds);
		eval_fail(errbuf, -KN_ENOMEM, "%s: out of memory", name);
		return NULL;
	}
	root = json_loadb(data ? data : "", len, JSON_REJECT_DUPLICATES, &jerr);
	if (!root) {
		kn_eval_dataset_free(ds);
		eval_fail(errbuf, -KN_EFORMAT, "%s:%d:%d: invalid JSON: %s; fix the manifest "
			  "(docs/eval-manifest.md)", name, jerr.line, jerr.column, jerr.text);
		return NULL;
	}
	int rc = load_doc(&l, root);
	json_decref(root);
	if (rc) {
		kn_eval_dataset_free(ds);
		return NULL;
	}
	return ds;
}

struct kn_eval_dataset *kn_eval_dataset_load_mem(const char *name, const void *data, size_t len,
						 const struct kn_eval_load_opts *opts,
						 char *errbuf)
{
	if (!name || (!data && len)) {
		eval_fail(errbuf, -KN_EINVAL, "dataset manifest: bad arguments");
		return NULL;
	}
	if (len > KN_EVAL_MANIFEST_MAX) {
		eval_fail(errbuf, -KN_EINVAL, "%s: %zu bytes, more than the %u MiB a manifest may "
			  "have; split the dataset", name, len, KN_EVAL_MANIFEST_MAX >> 20);
		return NULL;
	}
	return load_json(name, data, len, opts && opts->base_dir ? opts->base_dir : ".", opts,
			 errbuf);
}

struct kn_eval_dataset *kn_eval_dataset_load_file(const char *path,
						  const struct kn_eval_load_opts *opts,
						  char *errbuf)
{
	struct kn_eval_dataset *ds = NULL;
	char *buf = NULL, *dir = NULL;
	size_t len = 0;

	if (!path) {
		eval_fail(errbuf, -KN_EINVAL, "dataset manifest: no path");
		return NULL;
	}
	if (eval_read_file(path, KN_EVAL_MANIFEST_MAX, &buf, &len, errbuf) != 0)
		return NULL;
	if (!(opts && opts->base_dir) && !(dir = eval_dirname(path)))
		eval_fail(errbuf, -KN_ENOMEM, "%s: out of memory", path);
	else
		ds = load_json(path, buf, len, dir ? dir : opts->base_dir, opts, errbuf);
	kn_free(dir);
	kn_free(buf);
	return ds;
}

long kn_eval_dataset_find(const struct kn_eval_dataset *ds, const char *name)
{
	for (size_t i = 0; ds && name && i < ds->n_captures; i++)
		if (!strcmp(ds->captures[i].name, name))
			return (long)i;
	return -1;
}

int kn_eval_dataset_set_packets(struct kn_eval_dataset *ds, size_t idx, uint64_t n,
				char *errbuf)
{
	struct kn_eval_capture *c;
	int rc;

	if (!ds || idx >= ds->n_captures || n == 0 || n > UINT32_MAX)
		return eval_fail(errbuf, -KN_EINVAL, "dataset: bad capture index or packet count");
	c = &ds->captures[idx];
	if (c->packets && c->packets != n)
		return eval_fail(errbuf, -KN_EINVAL, "%s: capture %s: the manifest says %llu "
				 "packets, the file has %llu; fix \"packets\" or the file",
				 ds->source, c->name, (unsigned long long)c->packets,
				 (unsigned long long)n);
	if ((rc = eval_labels_check_packets(c, n, ds->source, errbuf)) != 0)
		return rc;
	if (c->train_packets >= n)
		return eval_fail(errbuf, -KN_EINVAL, "%s: capture %s: train_packets %llu is not "
				 "below the file's %llu packets", ds->source, c->name,
				 (unsigned long long)c->train_packets, (unsigned long long)n);
	c->packets = n;
	for (size_t i = 0; i < c->n_labels; i++)
		if (c->labels[i].whole)
			c->labels[i].n_packets = n;
	return 0;
}
