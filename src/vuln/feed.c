/*
 * feed.c - loads vulnerability feeds in the NVD CVE API 2.0 format (parsed
 * with jansson) into an index of match rules: for each CPE vendor:product,
 * the CVEs and the versions or version ranges they affect.
 *
 * Vuln stage, run once by the engine before any packet; the index is then
 * read by every worker without locks (match.c). A file is either loaded
 * whole or not at all: JSON syntax errors (with line and column), schema
 * errors and size limits reject the file; entries and rules that are valid
 * JSON but unusable (no id, a CPE pattern kenchi cannot match, a negated
 * node...) are skipped and counted, the first reason kept for the operator.
 */
#include "vuln/vuln_int.h"

#include <errno.h>
#include <fcntl.h>
#include <jansson.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "util/alloc.h"

const char *const vuln_severity_names[5] = { "NONE", "LOW", "MEDIUM", "HIGH", "CRITICAL" };

/* ------------------------------------------------------------ storage */

static uint32_t str_hash(const char *s)
{
	uint32_t h = 2166136261u;  /* FNV-1a: the feed is the operator's file, not traffic */
	for (; *s; s++)
		h = (h ^ (uint8_t)*s) * 16777619u;
	return h;
}

static const char *key_str(const struct kn_vuln_feed *f, uint32_t v)
{
	return f->arena + f->keys[v];
}

static const char *cve_str(const struct kn_vuln_feed *f, uint32_t v)
{
	return f->cves[v].id;
}

typedef const char *(*map_str_fn)(const struct kn_vuln_feed *f, uint32_t v);

static uint32_t map_find(const struct kn_vuln_feed *f, const struct vuln_map *m,
			 map_str_fn str, const char *s)
{
	if (!m->cap)
		return VULN_NONE;
	for (uint32_t i = str_hash(s) & (m->cap - 1);; i = (i + 1) & (m->cap - 1)) {
		uint32_t v = m->slot[i];
		if (!v)
			return VULN_NONE;
		if (!strcmp(str(f, v - 1), s))
			return v - 1;
	}
}

/* Inserts value v (whose string is not in the map). Never allocates. */
static void map_put(const struct kn_vuln_feed *f, struct vuln_map *m, map_str_fn str,
		    uint32_t v)
{
	uint32_t i = str_hash(str(f, v)) & (m->cap - 1);
	while (m->slot[i])
		i = (i + 1) & (m->cap - 1);
	m->slot[i] = v + 1;
	m->n++;
}

/* Room for one more value (load factor <= 1/2). */
static int map_reserve(const struct kn_vuln_feed *f, struct vuln_map *m, map_str_fn str)
{
	if ((uint64_t)(m->n + 1) * 2 <= m->cap)
		return 0;
	uint32_t cap = m->cap ? m->cap * 2 : 256;
	uint32_t *old = m->slot, old_cap = m->cap;
	if (cap > (1u << 30) || !(m->slot = kn_calloc(cap, sizeof *m->slot))) {
		m->slot = old;
		return -KN_ENOMEM;
	}
	m->cap = cap;
	m->n = 0;
	for (uint32_t i = 0; i < old_cap; i++)
		if (old[i])
			map_put(f, m, str, old[i] - 1);
	kn_free(old);
	return 0;
}

/* Grows *arr (of *cap elements of size sz) to hold one more. */
static int grow(void **arr, size_t *cap, size_t n, size_t sz)
{
	if (n < *cap)
		return 0;
	size_t c = *cap ? *cap * 2 : 64;
	void *p = kn_realloc_array(*arr, c, sz);
	if (!p)
		return -KN_ENOMEM;
	*arr = p;
	*cap = c;
	return 0;
}

/* Copies s into the arena; its offset, or VULN_NONE without memory. */
static uint32_t arena_put(struct kn_vuln_feed *f, const char *s)
{
	size_t n = strlen(s) + 1;
	if (f->arena_len + n > UINT32_MAX - 1)
		return VULN_NONE;
	if (f->arena_len + n > f->arena_cap) {
		size_t c = f->arena_cap ? f->arena_cap : 4096;
		while (c < f->arena_len + n)
			c *= 2;
		char *p = kn_realloc_array(f->arena, c, 1);
		if (!p)
			return VULN_NONE;
		f->arena = p;
		f->arena_cap = c;
	}
	memcpy(f->arena + f->arena_len, s, n);
	f->arena_len += n;
	return (uint32_t)(f->arena_len - n);
}

uint32_t vuln_feed_key_find(const struct kn_vuln_feed *f, const char *key)
{
	return map_find(f, &f->key_map, key_str, key);
}

static uint32_t key_intern(struct kn_vuln_feed *f, const char *key)
{
	uint32_t k = map_find(f, &f->key_map, key_str, key);
	if (k != VULN_NONE)
		return k;
	if (map_reserve(f, &f->key_map, key_str) ||
	    grow((void **)&f->keys, &f->cap_keys, f->n_keys, sizeof *f->keys))
		return VULN_NONE;
	uint32_t off = arena_put(f, key);
	if (off == VULN_NONE)
		return VULN_NONE;
	f->keys[f->n_keys] = off;
	map_put(f, &f->key_map, key_str, (uint32_t)f->n_keys);
	return (uint32_t)f->n_keys++;
}

/* ---------------------------------------------------------- the feed */

struct kn_vuln_feed *kn_vuln_feed_new(void)
{
	return kn_calloc(1, sizeof(struct kn_vuln_feed));
}

void kn_vuln_feed_free(struct kn_vuln_feed *f)
{
	if (!f)
		return;
	kn_free(f->arena);
	kn_free(f->keys);
	kn_free(f->cves);
	kn_free(f->rules);
	kn_free(f->key_map.slot);
	kn_free(f->cve_map.slot);
	kn_free(f);
}

static size_t feed_bytes(const struct kn_vuln_feed *f)
{
	return sizeof *f + f->arena_cap + f->cap_keys * sizeof *f->keys +
	       f->cap_cves * sizeof *f->cves + f->cap_rules * sizeof *f->rules +
	       ((size_t)f->key_map.cap + f->cve_map.cap) * sizeof(uint32_t);
}

void kn_vuln_feed_stats(const struct kn_vuln_feed *f, struct kn_vuln_feed_stats *out)
{
	*out = f->st;
	out->bytes = feed_bytes(f);
}

/* ------------------------------------------------------ one load */

/* State of one file's load. */
struct load {
	struct kn_vuln_feed *f;
	const char *name;
	size_t entry;             /* index in vulnerabilities[] */
	unsigned kept;            /* rules kept for the current entry */
	uint32_t cve;             /* cves[] index of the current entry */
};

static void KN_PRINTF(2, 3) skip_note(struct load *l, const char *fmt, ...)
{
	char *buf = l->f->st.first_skip;
	size_t cap = sizeof l->f->st.first_skip;
	if (buf[0])
		return;
	int n = snprintf(buf, cap, "%s: vulnerabilities[%zu]: ", l->name, l->entry);
	if (n < 0 || (size_t)n >= cap)
		return;
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(buf + n, cap - (size_t)n, fmt, ap);
	va_end(ap);
}

static void skip_rule(struct load *l, const char *why, const char *criteria)
{
	l->f->st.matches_skipped++;
	skip_note(l, "%s (%.60s)", why, criteria ? criteria : "");
}

/* A version bound or exact version: a string of at most KN_VULN_MAX_VERSION
 * bytes that starts with a letter or digit. */
static int version_ok(const char *s)
{
	size_t n = strlen(s);
	return n && n <= KN_VULN_MAX_VERSION &&
	       ((s[0] >= '0' && s[0] <= '9') || (s[0] >= 'a' && s[0] <= 'z') ||
		(s[0] >= 'A' && s[0] <= 'Z'));
}

/* Reads an optional bound member: 0 absent, 1 present (*out set), -1 bad. */
static int bound(json_t *m, const char *name, const char **out)
{
	json_t *v = json_object_get(m, name);
	if (!v)
		return 0;
	if (!json_is_string(v) || !version_ok(json_string_value(v)))
		return -1;
	*out = json_string_value(v);
	return 1;
}

static uint32_t put_opt(struct kn_vuln_feed *f, const char *s, int *nomem)
{
	if (!s)
		return VULN_NONE;
	uint32_t off = arena_put(f, s);
	if (off == VULN_NONE)
		*nomem = 1;
	return off;
}

/* Fills the range or exact part of rule r from a cpeMatch object.
 * Returns 0, 1 (unsupported: skipped with a note) or -KN_ENOMEM. */
static int rule_versions(struct load *l, json_t *m, const struct vuln_cpe *cpe,
			 const char *criteria, struct vuln_rule *r)
{
	const char *si = NULL, *se = NULL, *ei = NULL, *ee = NULL;
	int a = bound(m, "versionStartIncluding", &si), b = bound(m, "versionStartExcluding", &se);
	int c = bound(m, "versionEndIncluding", &ei), d = bound(m, "versionEndExcluding", &ee);
	int nomem = 0, any = !strcmp(cpe->version, "*");

	if (a < 0 || b < 0 || c < 0 || d < 0 || (a && b) || (c && d)) {
		skip_rule(l, "bad version bounds", criteria);
		return 1;
	}
	if (!any && (a || b || c || d)) {
		skip_rule(l, "version bounds on a CPE with a version", criteria);
		return 1;
	}
	if (!any && (!strcmp(cpe->version, "-") || !version_ok(cpe->version))) {
		skip_rule(l, "CPE version not comparable", criteria);
		return 1;
	}
	if (!any) {
		r->flags |= RULE_EXACT;
		r->version = put_opt(l->f, cpe->version, &nomem);
		if (vuln_version_has_update(cpe->version))
			r->flags |= RULE_VERSION_UPD;
		if (!strcmp(cpe->update, "*"))
			r->flags |= RULE_UPDATE_ANY;
		else if (!strcmp(cpe->update, "-"))
			r->flags |= RULE_UPDATE_NA;
		else
			r->update = put_opt(l->f, cpe->update, &nomem);
		return nomem ? -KN_ENOMEM : 0;
	}
	r->start = put_opt(l->f, si ? si : se, &nomem);
	r->end = put_opt(l->f, ei ? ei : ee, &nomem);
	r->flags |= (si ? RULE_START_INCL : 0) | (ei ? RULE_END_INCL : 0);
	if ((si || se) && vuln_version_has_update(si ? si : se))
		r->flags |= RULE_START_UPD;
	if ((ei || ee) && vuln_version_has_update(ei ? ei : ee))
		r->flags |= RULE_END_UPD;
	return nomem ? -KN_ENOMEM : 0;
}

/* One cpeMatch object. 0 or -KN_ENOMEM. */
static int load_rule(struct load *l, json_t *m)
{
	struct kn_vuln_feed *f = l->f;
	json_t *vul = json_object_get(m, "vulnerable"), *crit = json_object_get(m, "criteria");
	struct vuln_rule r = { .update = VULN_NONE, .start = VULN_NONE, .end = VULN_NONE,
			       .version = VULN_NONE, .cve = l->cve };
	struct vuln_cpe cpe;
	char key[2 * KN_VULN_MAX_VERSION + 2];

	if (!json_is_object(m) || !json_is_boolean(vul) || !json_is_string(crit)) {
		skip_rule(l, "cpeMatch without \"vulnerable\" or \"criteria\"", NULL);
		return 0;
	}
	const char *criteria = json_string_value(crit);
	if (!json_is_true(vul)) {
		f->st.matches_context++;
		return 0;
	}
	if (strlen(criteria) > KN_VULN_MAX_CPE || vuln_cpe_parse(criteria, &cpe) != 0) {
		skip_rule(l, "criteria is not a CPE 2.3 name kenchi can match", criteria);
		return 0;
	}
	if (cpe.part != 'a') {
		f->st.matches_context++;  /* operating systems and hardware: never an asset */
		return 0;
	}
	if (f->n_rules >= KN_VULN_MAX_MATCHES) {
		skip_rule(l, "too many match rules in the feed", criteria);
		return 0;
	}
	snprintf(key, sizeof key, "%s:%s", cpe.vendor, cpe.product);
	int rc = rule_versions(l, m, &cpe, criteria, &r);
	if (rc)
		return rc < 0 ? rc : 0;
	if ((r.key = key_intern(f, key)) == VULN_NONE ||
	    grow((void **)&f->rules, &f->cap_rules, f->n_rules, sizeof *f->rules))
		return -KN_ENOMEM;
	f->rules[f->n_rules++] = r;
	f->st.matches++;
	l->kept++;
	return 0;
}

/* The configurations of one CVE. 0 or -KN_ENOMEM. */
static int load_configs(struct load *l, json_t *configs)
{
	size_t i, j, k;
	json_t *cfg, *node, *m;

	json_array_foreach(configs, i, cfg) {
		json_t *nodes = json_object_get(cfg, "nodes");
		int neg_cfg = json_is_true(json_object_get(cfg, "negate"));
		if (!json_is_array(nodes))
			continue;
		json_array_foreach(nodes, j, node) {
			json_t *ms = json_object_get(node, "cpeMatch");
			if (!json_is_array(ms))
				continue;
			if (neg_cfg || json_is_true(json_object_get(node, "negate"))) {
				l->f->st.matches_skipped += json_array_size(ms);
				skip_note(l, "negated configuration node");
				continue;
			}
			json_array_foreach(ms, k, m) {
				int rc = load_rule(l, m);
				if (rc)
					return rc;
			}
		}
	}
	return 0;
}

/* ----------------------------------------------------------- scores */

static int severity_index(const char *s)
{
	for (int i = 0; s && i < 5; i++)
		if (!strcmp(s, vuln_severity_names[i]))
			return i;
	return -1;
}

/* CVSS v3 qualitative bands, for feeds that give a score only. */
static int severity_of_score(unsigned score10)
{
	if (score10 == 0)
		return 0;
	return score10 < 40 ? 1 : score10 < 70 ? 2 : score10 < 90 ? 3 : 4;
}

/* The score of one cvssMetricVxx array: its "Primary" element, else the
 * first. 1 when a valid score was found. */
static int metric_score(json_t *arr, struct vuln_cve_rec *c)
{
	json_t *pick = NULL, *el;
	size_t i;

	if (!json_is_array(arr))
		return 0;
	json_array_foreach(arr, i, el) {
		if (!json_is_object(el))
			continue;
		if (!pick)
			pick = el;
		const char *type = json_string_value(json_object_get(el, "type"));
		if (type && !strcmp(type, "Primary")) {
			pick = el;
			break;
		}
	}
	json_t *data = json_object_get(pick, "cvssData");
	json_t *score = json_object_get(data, "baseScore");
	if (!json_is_number(score))
		return 0;
	double v = json_number_value(score);
	if (!(v >= 0.0 && v <= 10.0))
		return 0;
	c->score10 = (uint8_t)lround(v * 10.0);
	c->has_score = 1;
	/* v3.x and v4.0 keep the severity in cvssData, v2 next to it. */
	int sev = severity_index(json_string_value(json_object_get(data, "baseSeverity")));
	if (sev < 0)
		sev = severity_index(json_string_value(json_object_get(pick, "baseSeverity")));
	c->severity = (uint8_t)(sev >= 0 ? sev : severity_of_score(c->score10));
	return 1;
}

static void cve_score(json_t *metrics, struct vuln_cve_rec *c)
{
	static const char *const order[] = { "cvssMetricV31", "cvssMetricV30", "cvssMetricV40",
					     "cvssMetricV2" };
	for (size_t i = 0; i < sizeof order / sizeof order[0]; i++)
		if (metric_score(json_object_get(metrics, order[i]), c))
			return;
}

/* ---------------------------------------------------------- entries */

/* "CVE-YYYY-NNNN..." (4 to 19 digits after the year). */
static int cve_id_ok(const char *s)
{
	size_t n = strlen(s), i;
	if (n < 13 || n > 28 || strncmp(s, "CVE-", 4) != 0 || s[8] != '-')
		return 0;
	for (i = 4; i < n; i++)
		if (i != 8 && (s[i] < '0' || s[i] > '9'))
			return 0;
	return 1;
}

/* The cves[] index of id (added when new), or VULN_NONE without memory. */
static uint32_t cve_get(struct kn_vuln_feed *f, const char *id, json_t *metrics)
{
	uint32_t c = map_find(f, &f->cve_map, cve_str, id);
	if (c != VULN_NONE)
		return c;  /* listed before (overlapping pages): the first score stays */
	if (map_reserve(f, &f->cve_map, cve_str) ||
	    grow((void **)&f->cves, &f->cap_cves, f->n_cves, sizeof *f->cves))
		return VULN_NONE;
	struct vuln_cve_rec *r = &f->cves[f->n_cves];
	memset(r, 0, sizeof *r);
	memcpy(r->id, id, strlen(id) + 1);
	cve_score(metrics, r);
	map_put(f, &f->cve_map, cve_str, (uint32_t)f->n_cves);
	return (uint32_t)f->n_cves++;
}

/* One element of vulnerabilities[]. 0 or -KN_ENOMEM. */
static int load_entry(struct load *l, json_t *el)
{
	struct kn_vuln_feed *f = l->f;
	json_t *cve = json_object_get(el, "cve");
	const char *id = json_string_value(json_object_get(cve, "id"));
	const char *status = json_string_value(json_object_get(cve, "vulnStatus"));
	json_t *configs = json_object_get(cve, "configurations");

	f->st.entries++;
	if (!json_is_object(cve) || !id || !cve_id_ok(id)) {
		f->st.entries_skipped++;
		skip_note(l, "no \"cve\" object with an \"id\" like CVE-2018-15473");
		return 0;
	}
	if (status && !strcmp(status, "Rejected")) {
		f->st.entries_skipped++;
		skip_note(l, "%s is rejected", id);
		return 0;
	}
	l->kept = 0;
	if ((l->cve = cve_get(f, id, json_object_get(cve, "metrics"))) == VULN_NONE)
		return -KN_ENOMEM;
	if (json_is_array(configs)) {
		int rc = load_configs(l, configs);
		if (rc)
			return rc;
	}
	if (l->kept)
		f->st.cves++;
	else {
		f->st.entries_skipped++;
		skip_note(l, "%s has no application CPE rule kenchi can match", id);
	}
	return 0;
}

static int cmp_rule(const void *a, const void *b)
{
	const struct vuln_rule *x = a, *y = b;
	if (x->key != y->key)
		return x->key < y->key ? -1 : 1;
	if (x->cve != y->cve)
		return x->cve < y->cve ? -1 : 1;
	return 0;
}

/* --------------------------------------------------------- documents */

static int KN_PRINTF(3, 4) fail(char *errbuf, int rc, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(errbuf, KN_ERRBUF_SIZE, fmt, ap);
	va_end(ap);
	return rc;
}

/* The vulnerabilities[] array of a document, or NULL with errbuf set. */
static json_t *doc_vulns(json_t *root, const char *name, char *errbuf)
{
	static const char hint[] = "expected an NVD CVE API 2.0 response "
				   "({\"vulnerabilities\": [{\"cve\": {...}}, ...]})";
	if (!json_is_object(root)) {
		fail(errbuf, 0, "%s: the top level is %s, not an object; %s", name,
		     json_is_array(root) ? "an array" : "a scalar", hint);
		return NULL;
	}
	json_t *v = json_object_get(root, "vulnerabilities");
	const char *fmt = json_string_value(json_object_get(root, "format"));
	if (!v && json_object_get(root, "CVE_Items")) {
		fail(errbuf, 0, "%s: this is an NVD 1.1 data feed (\"CVE_Items\"), which NVD "
			     "retired; %s", name, hint);
		return NULL;
	}
	if (fmt && strcmp(fmt, "NVD_CVE") != 0) {
		fail(errbuf, 0, "%s: \"format\" is \"%.40s\", not \"NVD_CVE\"; %s", name, fmt, hint);
		return NULL;
	}
	if (!json_is_array(v)) {
		fail(errbuf, 0, "%s: no \"vulnerabilities\" array at the top level; %s", name, hint);
		return NULL;
	}
	return v;
}

/* Puts the feed back as it was before a failed load (no allocation). */
static void rollback(struct kn_vuln_feed *f, const struct kn_vuln_feed *was)
{
	f->n_rules = was->n_rules;
	f->n_cves = was->n_cves;
	f->n_keys = was->n_keys;
	f->arena_len = was->arena_len;
	f->st = was->st;
	if (f->key_map.slot)
		memset(f->key_map.slot, 0, (size_t)f->key_map.cap * sizeof(uint32_t));
	if (f->cve_map.slot)
		memset(f->cve_map.slot, 0, (size_t)f->cve_map.cap * sizeof(uint32_t));
	f->key_map.n = f->cve_map.n = 0;
	for (uint32_t i = 0; i < f->n_keys; i++)
		map_put(f, &f->key_map, key_str, i);
	for (uint32_t i = 0; i < f->n_cves; i++)
		map_put(f, &f->cve_map, cve_str, i);
}

static int load_doc(struct kn_vuln_feed *f, const char *name, json_t *root, char *errbuf)
{
	json_t *vulns = doc_vulns(root, name, errbuf), *el;
	struct kn_vuln_feed was = *f;
	struct load l = { .f = f, .name = name };

	if (!vulns)
		return -KN_EFORMAT;
	json_array_foreach(vulns, l.entry, el) {
		if (load_entry(&l, el) != 0) {
			rollback(f, &was);
			return fail(errbuf, -KN_ENOMEM, "%s: out of memory after %zu CVE entries",
				    name, l.entry);
		}
	}
	f->st.files++;
	if (f->n_rules > 1)
		qsort(f->rules, f->n_rules, sizeof *f->rules, cmp_rule);
	return 0;
}

int kn_vuln_feed_load_mem(struct kn_vuln_feed *f, const char *name, const void *data,
			  size_t len, char *errbuf)
{
	json_error_t err;
	json_t *root;
	int rc;

	if (!f || !name || (!data && len))
		return fail(errbuf, -KN_EINVAL, "vulnerability feed: bad arguments");
	if (len > KN_VULN_FEED_MAX_FILE)
		return fail(errbuf, -KN_EINVAL, "%s: %zu bytes, more than the %llu MiB a feed "
			    "file may have; split it (the NVD API pages by 2000 CVEs)",
			    name, len, KN_VULN_FEED_MAX_FILE >> 20);
	root = json_loadb(data ? data : "", len, JSON_REJECT_DUPLICATES, &err);
	if (!root)
		return fail(errbuf, -KN_EFORMAT, "%s:%d:%d: invalid JSON: %s; fix or re-download "
			    "the file (an NVD CVE API 2.0 response)", name, err.line,
			    err.column, err.text);
	rc = load_doc(f, name, root, errbuf);
	json_decref(root);
	return rc;
}

/* Reads a whole regular file into a new buffer. */
static int read_file(const char *path, char **out, size_t *len, char *errbuf)
{
	struct stat st;
	char *buf = NULL;
	size_t got = 0;
	int fd = open(path, O_RDONLY | O_CLOEXEC);

	if (fd < 0)
		return fail(errbuf, -KN_EIO, "cannot open vulnerability feed %s: %s", path,
			    strerror(errno));
	if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) {
		close(fd);
		return fail(errbuf, -KN_EIO, "vulnerability feed %s: not a regular file", path);
	}
	if ((uint64_t)st.st_size > KN_VULN_FEED_MAX_FILE) {
		close(fd);
		return fail(errbuf, -KN_EINVAL, "%s: %lld bytes, more than the %llu MiB a feed "
			    "file may have; split it (the NVD API pages by 2000 CVEs)", path,
			    (long long)st.st_size, KN_VULN_FEED_MAX_FILE >> 20);
	}
	if (st.st_size && !(buf = kn_malloc((size_t)st.st_size))) {
		close(fd);
		return fail(errbuf, -KN_ENOMEM, "%s: out of memory", path);
	}
	while (got < (size_t)st.st_size) {
		ssize_t n = read(fd, buf + got, (size_t)st.st_size - got);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0) {
			int e = n < 0 ? errno : 0;
			kn_free(buf);
			close(fd);
			return fail(errbuf, -KN_EIO, "cannot read vulnerability feed %s: %s", path,
				    e ? strerror(e) : "file shrank while reading");
		}
		got += (size_t)n;
	}
	close(fd);
	*out = buf;
	*len = got;
	return 0;
}

int kn_vuln_feed_load_file(struct kn_vuln_feed *f, const char *path, char *errbuf)
{
	char *buf = NULL;
	size_t len = 0;
	int rc;

	if (!f || !path)
		return fail(errbuf, -KN_EINVAL, "vulnerability feed: bad arguments");
	if ((rc = read_file(path, &buf, &len, errbuf)) != 0)
		return rc;
	rc = kn_vuln_feed_load_mem(f, path, buf, len, errbuf);
	kn_free(buf);
	return rc;
}
