/*
 * sig_thresh.c - Suricata's threshold.config for the signature engine:
 *   suppress gen_id G, sig_id S[, track by_src|by_dst|by_either, ip SPEC]
 *   threshold|event_filter gen_id G, sig_id S, type limit|threshold|both,
 *       track by_src|by_dst|by_rule|by_both, count N, seconds T
 *   rate_filter ... (an IPS action change: read, counted, not applied)
 * sig_id 0 means every rule of gen_id (gen_id 0: every rule). SPEC is an
 * address, a CIDR, a $VARIABLE or a [list], as in rule headers.
 *
 * A suppress drops the matching rules' alerts (for the given addresses
 * only, when it has an ip); a threshold or event_filter replaces the
 * rule's own threshold / detection_filter. The file is applied to a built
 * engine (its rules are not shared with another engine while loading).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "detect/sig_int.h"
#include "util/alloc.h"

#define THRESH_MAX_LINE 8192

struct kv {
	char key[32];
	const char *val;
	size_t len;
};

static int fail(char *err, const char *path, unsigned line, const char *what)
{
	snprintf(err, KN_ERRBUF_SIZE, "%s:%u: %s", path, line, what);
	return -KN_EFORMAT;
}

/* Splits "k v, k v, ..." into kv pairs (values keep inner spaces). */
static unsigned split_kv(const char *s, size_t n, struct kv *out, unsigned max)
{
	unsigned k = 0;
	size_t i = 0;
	while (i < n && k < max) {
		while (i < n && (s[i] == ' ' || s[i] == ','))
			i++;
		size_t ks = i;
		while (i < n && s[i] != ' ' && s[i] != ',')
			i++;
		if (i == ks)
			break;
		snprintf(out[k].key, sizeof out[k].key, "%.*s", (int)(i - ks), s + ks);
		while (i < n && s[i] == ' ')
			i++;
		size_t vs = i;
		int depth = 0;
		while (i < n && (depth || s[i] != ',')) {
			depth += s[i] == '[' ? 1 : s[i] == ']' ? -1 : 0;
			i++;
		}
		size_t ve = i;
		while (ve > vs && s[ve - 1] == ' ')
			ve--;
		out[k].val = s + vs;
		out[k].len = ve - vs;
		k++;
	}
	return k;
}

static const struct kv *find(const struct kv *v, unsigned n, const char *key)
{
	for (unsigned i = 0; i < n; i++)
		if (!strcmp(v[i].key, key))
			return &v[i];
	return NULL;
}

static int num(const struct kv *v, unsigned n, const char *key, uint32_t *out)
{
	const struct kv *k = find(v, n, key);
	char buf[24], *end;
	if (!k || k->len == 0 || k->len >= sizeof buf)
		return -1;
	memcpy(buf, k->val, k->len);
	buf[k->len] = 0;
	unsigned long x = strtoul(buf, &end, 10);
	if (*end || x > 0xffffffffu)
		return -1;
	*out = (uint32_t)x;
	return 0;
}

static int is(const struct kv *k, const char *s)
{
	return k && k->len == strlen(s) && !memcmp(k->val, s, k->len);
}

/* The rules an entry names. */
static int entry_applies(const struct sig_rule *s, uint32_t gid, uint32_t sid)
{
	return (gid == 0 || s->r->gid == gid) && (sid == 0 || s->r->sid == sid);
}

static int add_suppress(struct kn_sig_engine *e, const struct kv *v, unsigned n, uint32_t gid,
			uint32_t sid, const char *path, unsigned line, char *err)
{
	const struct kv *track = find(v, n, "track"), *ip = find(v, n, "ip");
	struct sig_suppress *sp = detect_alloc(&e->arena, sizeof *sp);
	if (!sp)
		return -KN_ENOMEM;
	if (ip) {
		char why[160];
		size_t at = 0;
		if (!track)
			return fail(err, path, line, "suppress with an ip needs track by_src, "
				    "by_dst or by_either");
		sp->track = is(track, "by_src") ? 0 : is(track, "by_dst") ? 1
			    : is(track, "by_either") ? 2 : 3;
		if (sp->track == 3)
			return fail(err, path, line, "suppress track is by_src, by_dst or by_either");
		if (detect_parse_addrs(e->rs->vars, &e->arena, ip->val, ip->len, &sp->addrs, why,
				       sizeof why, &at) != 0) {
			snprintf(err, KN_ERRBUF_SIZE, "%s:%u: suppress ip '%.*s': %s", path, line,
				 (int)(ip->len > 200 ? 200 : ip->len), ip->val, why);
			return -KN_EFORMAT;
		}
		sp->has_addrs = 1;
	}
	for (uint32_t i = 0; i < e->n_rules; i++) {
		if (!entry_applies(&e->rules[i], gid, sid))
			continue;
		struct sig_suppress *c = detect_alloc(&e->arena, sizeof *c);
		if (!c)
			return -KN_ENOMEM;
		*c = *sp;
		c->next = e->rules[i].suppress;
		e->rules[i].suppress = c;
	}
	return 0;
}

static int add_threshold(struct kn_sig_engine *e, const struct kv *v, unsigned n, uint32_t gid,
			 uint32_t sid, const char *path, unsigned line, char *err)
{
	const struct kv *type = find(v, n, "type"), *track = find(v, n, "track");
	struct kn_rule_threshold *t = detect_alloc(&e->arena, sizeof *t);
	if (!t)
		return -KN_ENOMEM;
	t->type = is(type, "limit") ? KN_THR_LIMIT : is(type, "threshold") ? KN_THR_THRESHOLD
		  : is(type, "both") ? KN_THR_BOTH : 0xff;
	t->track = is(track, "by_src") ? KN_TRACK_SRC : is(track, "by_dst") ? KN_TRACK_DST
		   : is(track, "by_rule") ? KN_TRACK_RULE : is(track, "by_both") ? KN_TRACK_BOTH
		   : 0xff;
	if (t->type == 0xff || t->track == 0xff || num(v, n, "count", &t->count) ||
	    num(v, n, "seconds", &t->seconds))
		return fail(err, path, line, "threshold needs type limit|threshold|both, track "
			    "by_src|by_dst|by_rule|by_both, count N and seconds N");
	for (uint32_t i = 0; i < e->n_rules; i++)
		if (entry_applies(&e->rules[i], gid, sid)) {
			e->rules[i].threshold = t;
			e->rules[i].is_filter = 0;
		}
	return 0;
}

static int add_rate(struct kn_sig_engine *e, const struct kv *v, unsigned n, uint32_t gid,
		    uint32_t sid, const char *path, unsigned line, struct kn_sig_thresh_stats *st,
		    char *err)
{
	const struct kv *track = find(v, n, "track"), *act = find(v, n, "new_action");
	struct sig_rate *r = detect_alloc(&e->arena, sizeof *r);
	if (!r)
		return -KN_ENOMEM;
	r->track = is(track, "by_src") ? KN_TRACK_SRC : is(track, "by_dst") ? KN_TRACK_DST
		   : is(track, "by_rule") ? KN_TRACK_RULE : is(track, "by_both") ? KN_TRACK_BOTH
		   : 0xff;
	if (r->track == 0xff || !act || num(v, n, "count", &r->count) ||
	    num(v, n, "seconds", &r->seconds) || num(v, n, "timeout", &r->timeout))
		return fail(err, path, line, "rate_filter needs track by_src|by_dst|by_rule|"
			    "by_both, count N, seconds N, new_action ACTION and timeout N");
	if (is(act, "drop") || is(act, "reject") || is(act, "rejectsrc") ||
	    is(act, "rejectdst") || is(act, "rejectboth")) {
		st->rate_filter_ignored++;   /* an IPS verdict; kenchi only watches */
		return 0;
	}
	if (!is(act, "pass") && !is(act, "alert"))
		return fail(err, path, line, "rate_filter new_action is alert, pass, drop or reject");
	r->silence = is(act, "pass");
	st->rate_filter++;
	for (uint32_t i = 0; i < e->n_rules; i++)
		if (entry_applies(&e->rules[i], gid, sid))
			e->rules[i].rate = r;
	return 0;
}

static int one_line(struct kn_sig_engine *e, const char *s, size_t n, const char *path,
		    unsigned line, struct kn_sig_thresh_stats *st, char *err)
{
	struct kv v[16];
	size_t w = 0;
	while (w < n && s[w] != ' ')
		w++;
	unsigned k = split_kv(s + w, n - w, v, 16);
	uint32_t gid, sid;
	if (num(v, k, "gen_id", &gid) || num(v, k, "sig_id", &sid))
		return fail(err, path, line, "needs 'gen_id N, sig_id N' (sig_id 0: every rule)");
	if (w == 8 && !memcmp(s, "suppress", 8)) {
		st->suppress++;
		return add_suppress(e, v, k, gid, sid, path, line, err);
	}
	if ((w == 9 && !memcmp(s, "threshold", 9)) || (w == 12 && !memcmp(s, "event_filter", 12))) {
		st->threshold++;
		return add_threshold(e, v, k, gid, sid, path, line, err);
	}
	if (w == 11 && !memcmp(s, "rate_filter", 11))
		return add_rate(e, v, k, gid, sid, path, line, st, err);
	return fail(err, path, line, "unknown entry: use suppress, threshold, event_filter "
		    "or rate_filter");
}

int kn_sig_engine_load_thresholds(struct kn_sig_engine *e, const char *path,
				  struct kn_sig_thresh_stats *st, char *err)
{
	FILE *f = fopen(path, "r");
	char buf[THRESH_MAX_LINE];
	unsigned line = 0;
	int rc = 0;

	memset(st, 0, sizeof *st);
	if (!f) {
		snprintf(err, KN_ERRBUF_SIZE, "cannot open threshold file %s", path);
		return -KN_EIO;
	}
	while (rc == 0 && fgets(buf, sizeof buf, f)) {
		line++;
		size_t n = strlen(buf);
		if (n == sizeof buf - 1 && buf[n - 1] != '\n') {
			rc = fail(err, path, line, "line longer than 8 KiB");
			break;
		}
		while (n && (buf[n - 1] == '\n' || buf[n - 1] == '\r' || buf[n - 1] == ' ' ||
			     buf[n - 1] == '\t'))
			n--;
		const char *s = buf;
		while (n && (*s == ' ' || *s == '\t'))
			s++, n--;
		if (n == 0 || *s == '#')
			continue;
		rc = one_line(e, s, n, path, line, st, err);
	}
	fclose(f);
	return rc;
}

/* 1 when a suppress of s covers this alert's addresses. */
int sig_suppressed(const struct sig_rule *s, const struct kn_addr *src, const struct kn_addr *dst,
		   unsigned ipv)
{
	for (const struct sig_suppress *p = s->suppress; p; p = p->next) {
		if (!p->has_addrs)
			return 1;
		int in_src = sig_addr_in(&p->addrs, src, ipv), in_dst = sig_addr_in(&p->addrs, dst, ipv);
		if ((p->track == 0 && in_src) || (p->track == 1 && in_dst) ||
		    (p->track == 2 && (in_src || in_dst)))
			return 1;
	}
	return 0;
}
