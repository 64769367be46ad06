/*
 * rule_vars.c - rule variables and the address / port sets of rule headers.
 *
 * A variable table starts with the address and port groups of Suricata 7's
 * stock suricata.yaml and can be changed or read from a file. A set as
 * written in a header ("any", "$HOME_NET", "[10.0.0.0/8,!10.1.0.0/16]",
 * "!$HTTP_PORTS", "1024:", "[80,443,8000:8100]") is resolved here into
 * sorted, disjoint ranges: a group is the union of its positive items (or
 * everything when it has none) minus the union of its negated items, so
 * nesting and double negation compose. Work is linear in the text plus a
 * sort; item counts, nesting and variable depth are bounded, and an empty
 * result is an error (as in Suricata).
 */
#include <arpa/inet.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "detect/detect_int.h"
#include "util/alloc.h"
#include "util/hash.h"

typedef unsigned __int128 u128;

struct kn_rule_vars {
	struct var {
		uint8_t kind;
		char *name, *value;
	} *v;
	size_t n, cap;
};

/* suricata.yaml of Suricata 7 (vars: address-groups / port-groups). */
static const struct {
	uint8_t kind;
	const char *name, *value;
} stock_vars[] = {
	{ KN_VAR_ADDRESS, "HOME_NET", "[192.168.0.0/16,10.0.0.0/8,172.16.0.0/12]" },
	{ KN_VAR_ADDRESS, "EXTERNAL_NET", "!$HOME_NET" },
	{ KN_VAR_ADDRESS, "HTTP_SERVERS", "$HOME_NET" },
	{ KN_VAR_ADDRESS, "SMTP_SERVERS", "$HOME_NET" },
	{ KN_VAR_ADDRESS, "SQL_SERVERS", "$HOME_NET" },
	{ KN_VAR_ADDRESS, "DNS_SERVERS", "$HOME_NET" },
	{ KN_VAR_ADDRESS, "TELNET_SERVERS", "$HOME_NET" },
	{ KN_VAR_ADDRESS, "AIM_SERVERS", "$EXTERNAL_NET" },
	{ KN_VAR_ADDRESS, "DC_SERVERS", "$HOME_NET" },
	{ KN_VAR_ADDRESS, "DNP3_SERVER", "$HOME_NET" },
	{ KN_VAR_ADDRESS, "DNP3_CLIENT", "$HOME_NET" },
	{ KN_VAR_ADDRESS, "MODBUS_CLIENT", "$HOME_NET" },
	{ KN_VAR_ADDRESS, "MODBUS_SERVER", "$HOME_NET" },
	{ KN_VAR_ADDRESS, "ENIP_CLIENT", "$HOME_NET" },
	{ KN_VAR_ADDRESS, "ENIP_SERVER", "$HOME_NET" },
	{ KN_VAR_PORT, "HTTP_PORTS", "80" },
	{ KN_VAR_PORT, "SHELLCODE_PORTS", "!80" },
	{ KN_VAR_PORT, "ORACLE_PORTS", "1521" },
	{ KN_VAR_PORT, "SSH_PORTS", "22" },
	{ KN_VAR_PORT, "DNP3_PORTS", "20000" },
	{ KN_VAR_PORT, "MODBUS_PORTS", "502" },
	{ KN_VAR_PORT, "FILE_DATA_PORTS", "[$HTTP_PORTS,110,143]" },
	{ KN_VAR_PORT, "FTP_PORTS", "21" },
	{ KN_VAR_PORT, "GENEVE_PORTS", "6081" },
	{ KN_VAR_PORT, "VXLAN_PORTS", "4789" },
	{ KN_VAR_PORT, "TEREDO_PORTS", "3544" },
};

#define VAR_MAX_VALUE 4096
#define VAR_MAX_COUNT 4096

struct kn_rule_vars *kn_rule_vars_new(char *err)
{
	struct kn_rule_vars *v = kn_calloc(1, sizeof *v);
	if (!v)
		goto fail;
	for (size_t i = 0; i < sizeof stock_vars / sizeof stock_vars[0]; i++)
		if (kn_rule_vars_set(v, stock_vars[i].kind, stock_vars[i].name,
				     stock_vars[i].value, err))
			goto fail;
	return v;
fail:
	kn_rule_vars_free(v);
	if (err)
		snprintf(err, KN_ERRBUF_SIZE, "rule variables: out of memory");
	return NULL;
}

void kn_rule_vars_free(struct kn_rule_vars *v)
{
	if (!v)
		return;
	for (size_t i = 0; i < v->n; i++) {
		kn_free(v->v[i].name);
		kn_free(v->v[i].value);
	}
	kn_free(v->v);
	kn_free(v);
}

uint64_t kn_rule_vars_fingerprint(const struct kn_rule_vars *v)
{
	uint64_t h = KN_FNV1A64_INIT;
	for (size_t i = 0; v && i < v->n; i++) {
		h = kn_fnv1a64(h, &v->v[i].kind, sizeof v->v[i].kind);
		h = kn_fnv1a64(h, v->v[i].name, strlen(v->v[i].name) + 1);
		h = kn_fnv1a64(h, v->v[i].value, strlen(v->v[i].value) + 1);
	}
	return h;
}

static struct var *find_var(const struct kn_rule_vars *v, unsigned kind, const char *name,
			    size_t len)
{
	for (size_t i = 0; v && i < v->n; i++)
		if (v->v[i].kind == kind && strlen(v->v[i].name) == len &&
		    memcmp(v->v[i].name, name, len) == 0)
			return &v->v[i];
	return NULL;
}

static int var_name_ok(const char *s)
{
	size_t n = strlen(s);
	if (n == 0 || n > 64)
		return 0;
	for (size_t i = 0; i < n; i++)
		if (!((s[i] >= 'A' && s[i] <= 'Z') || (s[i] >= 'a' && s[i] <= 'z') ||
		      (s[i] >= '0' && s[i] <= '9') || s[i] == '_' || s[i] == '-'))
			return 0;
	return 1;
}

int kn_rule_vars_set(struct kn_rule_vars *v, enum kn_rule_var_kind kind, const char *name,
		     const char *value, char *err)
{
	if (!v || !name || !value || !var_name_ok(name) || strlen(value) > VAR_MAX_VALUE) {
		if (err)
			snprintf(err, KN_ERRBUF_SIZE, "rule variable '%.64s': the name must be "
				 "1-64 letters, digits or '_' and the value at most %d bytes",
				 name ? name : "", VAR_MAX_VALUE);
		return -KN_EINVAL;
	}
	char *val = kn_strdup(value);
	if (!val)
		return -KN_ENOMEM;
	struct var *old = find_var(v, kind, name, strlen(name));
	if (old) {
		kn_free(old->value);
		old->value = val;
		return 0;
	}
	if (v->n == v->cap) {
		size_t cap = v->cap ? v->cap * 2 : 32;
		struct var *nv = cap > VAR_MAX_COUNT ? NULL : kn_realloc_array(v->v, cap, sizeof *nv);
		if (!nv) {
			kn_free(val);
			return -KN_ENOMEM;
		}
		v->v = nv;
		v->cap = cap;
	}
	char *nm = kn_strdup(name);
	if (!nm) {
		kn_free(val);
		return -KN_ENOMEM;
	}
	v->v[v->n++] = (struct var){ (uint8_t)kind, nm, val };
	return 0;
}

const char *kn_rule_vars_get(const struct kn_rule_vars *v, enum kn_rule_var_kind kind,
			     const char *name)
{
	const struct var *x = name ? find_var(v, kind, name, strlen(name)) : NULL;
	return x ? x->value : NULL;
}

/* ---------------------------------------------------------- span sets */

struct span {
	uint8_t fam;             /* 4, 6; 0 for ports */
	u128 lo, hi;
};

struct spanset {
	struct span *v;
	size_t n, cap;
};

struct setp {
	const struct kn_rule_vars *vars;
	int ports;               /* parsing ports */
	size_t items;            /* items so far, bounded */
	char *err;
	size_t errsz, errpos;
	const char *base;        /* text being parsed at depth 0, for errpos */
};

static u128 fam_max(uint8_t fam)
{
	return fam == 4 ? (u128)0xffffffffu : fam == 6 ? ~(u128)0 : (u128)65535;
}

static int set_push(struct spanset *s, uint8_t fam, u128 lo, u128 hi)
{
	if (s->n == s->cap) {
		size_t cap = s->cap ? s->cap * 2 : 8;
		struct span *nv = kn_realloc_array(s->v, cap, sizeof *nv);
		if (!nv)
			return -KN_ENOMEM;
		s->v = nv;
		s->cap = cap;
	}
	s->v[s->n++] = (struct span){ fam, lo, hi };
	return 0;
}

static int span_cmp(const void *a, const void *b)
{
	const struct span *x = a, *y = b;
	if (x->fam != y->fam)
		return x->fam < y->fam ? -1 : 1;
	return x->lo < y->lo ? -1 : x->lo > y->lo ? 1 : 0;
}

/* Sorts and merges overlapping or adjacent spans. */
static void set_normalize(struct spanset *s)
{
	if (s->n < 2)
		return;
	qsort(s->v, s->n, sizeof s->v[0], span_cmp);
	size_t w = 0;
	for (size_t i = 1; i < s->n; i++) {
		struct span *last = &s->v[w];
		if (s->v[i].fam == last->fam &&
		    (last->hi == fam_max(last->fam) || s->v[i].lo <= last->hi + 1)) {
			if (s->v[i].hi > last->hi)
				last->hi = s->v[i].hi;
		} else {
			s->v[++w] = s->v[i];
		}
	}
	s->n = w + 1;
}

static int set_all(struct spanset *s, int ports)
{
	if (ports)
		return set_push(s, 0, 0, 65535);
	int rc = set_push(s, 4, 0, fam_max(4));
	return rc ? rc : set_push(s, 6, 0, fam_max(6));
}

/* out = a minus b (both normalized); out is normalized. */
static int set_minus(const struct spanset *a, const struct spanset *b, struct spanset *out)
{
	size_t j = 0;
	for (size_t i = 0; i < a->n; i++) {
		struct span cur = a->v[i];
		int alive = 1;
		while (j < b->n && (b->v[j].fam < cur.fam ||
				    (b->v[j].fam == cur.fam && b->v[j].hi < cur.lo)))
			j++;
		for (size_t k = j; alive && k < b->n && b->v[k].fam == cur.fam &&
				   b->v[k].lo <= cur.hi; k++) {
			if (b->v[k].lo > cur.lo &&
			    set_push(out, cur.fam, cur.lo, b->v[k].lo - 1))
				return -KN_ENOMEM;
			if (b->v[k].hi >= cur.hi)
				alive = 0;
			else
				cur.lo = b->v[k].hi + 1;
		}
		if (alive && set_push(out, cur.fam, cur.lo, cur.hi))
			return -KN_ENOMEM;
	}
	return 0;
}

static int set_fail(struct setp *p, const char *at, const char *fmt, const char *arg,
		    size_t arglen)
{
	char what[96];
	snprintf(what, sizeof what, "%.*s", (int)(arglen > 80 ? 80 : arglen), arg);
	snprintf(p->err, p->errsz, fmt, what);
	p->errpos = p->base && at >= p->base ? (size_t)(at - p->base) : 0;
	return -KN_EINVAL;
}

static int parse_group(struct setp *p, const char *s, size_t len, int depth,
		       struct spanset *out);

/* Offset of the ']' closing the '[' at s[0], or len. */
static size_t closing_bracket(const char *s, size_t len)
{
	int d = 0;
	for (size_t i = 0; i < len; i++) {
		d += s[i] == '[' ? 1 : s[i] == ']' ? -1 : 0;
		if (d == 0)
			return i;
	}
	return len;
}

/* Suricata also reads "a,b,c" without brackets as a group. */
static int has_top_comma(const char *s, size_t len)
{
	int d = 0;
	for (size_t i = 0; i < len; i++) {
		d += s[i] == '[' ? 1 : s[i] == ']' ? -1 : 0;
		if (d == 0 && s[i] == ',')
			return 1;
	}
	return 0;
}

/* "1.2.3.4", "1.2.3.0/24", "1.2.3.0/255.255.255.0", "::1/128", "a-b". */
static int parse_ip_item(struct setp *p, const char *s, size_t len, struct spanset *out)
{
	char buf[128];
	if (len >= sizeof buf)
		return set_fail(p, s, "address '%s' is too long", s, len);
	memcpy(buf, s, len);
	buf[len] = '\0';
	char *slash = strchr(buf, '/'), *dash = strchr(buf, '-');
	if (slash)
		*slash++ = '\0';
	else if (dash)
		*dash++ = '\0';
	uint8_t a[16], b[16];
	int fam = strchr(buf, ':') ? 6 : 4;
	if (inet_pton(fam == 4 ? AF_INET : AF_INET6, buf, a) != 1)
		return set_fail(p, s, "'%s' is not an IP address, CIDR block, range, "
			       "variable or 'any'", s, len);
	unsigned nb = fam == 4 ? 4 : 16;
	u128 lo = 0, hi;
	for (unsigned i = 0; i < nb; i++)
		lo = (lo << 8) | a[i];
	hi = lo;
	if (slash) {
		int64_t bits;
		if (strchr(slash, '.') && fam == 4 && inet_pton(AF_INET, slash, b) == 1) {
			uint32_t m = (uint32_t)b[0] << 24 | (uint32_t)b[1] << 16 |
				     (uint32_t)b[2] << 8 | b[3];
			bits = 0;
			while (bits < 32 && (m & (0x80000000u >> bits)))
				bits++;
			if ((uint32_t)(bits ? ~0u << (32 - bits) : 0) != m)
				return set_fail(p, s, "netmask of '%s' is not contiguous", s, len);
		} else if (kw_int(slash, strlen(slash), 0, fam == 4 ? 32 : 128, &bits)) {
			return set_fail(p, s, "bad prefix length in '%s' (0-32 for IPv4, "
				       "0-128 for IPv6)", s, len);
		}
		unsigned width = fam == 4 ? 32 : 128;
		u128 hostmask = bits == 0 ? fam_max((uint8_t)fam)
					  : (((u128)1 << (width - bits)) - 1);
		if (bits == 128)
			hostmask = 0;
		lo &= ~hostmask;
		hi = lo | hostmask;
		if (fam == 4)
			lo &= fam_max(4), hi &= fam_max(4);
	} else if (dash) {
		if (inet_pton(fam == 4 ? AF_INET : AF_INET6, dash, b) != 1)
			return set_fail(p, s, "range '%s' needs two addresses of one family", s, len);
		hi = 0;
		for (unsigned i = 0; i < nb; i++)
			hi = (hi << 8) | b[i];
		if (hi < lo)
			return set_fail(p, s, "range '%s' ends before it starts", s, len);
	}
	return set_push(out, (uint8_t)fam, lo, hi);
}

/* "80", "1024:", ":1023", "1:100". */
static int parse_port_item(struct setp *p, const char *s, size_t len, struct spanset *out)
{
	const char *colon = memchr(s, ':', len);
	int64_t lo = 0, hi = 65535;
	if (!colon) {
		if (kw_int(s, len, 0, 65535, &lo))
			return set_fail(p, s, "'%s' is not a port (0-65535), range (a:b), "
				       "variable or 'any'", s, len);
		hi = lo;
	} else {
		size_t l1 = (size_t)(colon - s), l2 = len - l1 - 1;
		if ((l1 && kw_int(s, l1, 0, 65535, &lo)) ||
		    (l2 && kw_int(colon + 1, l2, 0, 65535, &hi)) || (!l1 && !l2))
			return set_fail(p, s, "port range '%s' must be lo:hi with ports 0-65535",
				       s, len);
		if (hi < lo)
			return set_fail(p, s, "port range '%s' ends before it starts", s, len);
	}
	return set_push(out, 0, (u128)lo, (u128)hi);
}

static int parse_var(struct setp *p, const char *s, size_t len, int depth,
		     struct spanset *out)
{
	unsigned kind = p->ports ? KN_VAR_PORT : KN_VAR_ADDRESS;
	const struct var *v = find_var(p->vars, kind, s + 1, len - 1);
	if (!v) {
		if (find_var(p->vars, !kind, s + 1, len - 1))
			return set_fail(p, s, p->ports ? "'%s' is an address variable, used "
						       "as ports" : "'%s' is a port variable, used "
						       "as addresses", s, len);
		return set_fail(p, s, "variable '%s' is not defined; define it in the "
			       "--vars file (vars: address-groups / port-groups)", s, len);
	}
	if (depth >= KN_RULE_MAX_VAR_DEPTH)
		return set_fail(p, s, "variable '%s' nests too deep (a loop of variables?)",
			       s, len);
	const char *keep = p->base;
	p->base = NULL;          /* positions inside a variable are not in the rule */
	int rc = parse_group(p, v->value, strlen(v->value), depth + 1, out);
	p->base = keep;
	if (rc == -KN_EINVAL)
		p->errpos = keep ? (size_t)(s - keep) : 0;
	return rc;
}

/* One item: '!' item, '[' list ']', $VAR, any, or a plain address/port.
 * Appends to pos or neg. */
static int parse_item(struct setp *p, const char *s, size_t len, int depth, int neg,
		      struct spanset *pos, struct spanset *negs)
{
	if (++p->items > KN_RULE_MAX_SET_ITEMS)
		return set_fail(p, s, "more than 4096 items in one set (at '%s')", s, len);
	if (depth > KN_RULE_MAX_NESTING)
		return set_fail(p, s, "groups and negations nest too deep at '%s'", s, len);
	while (len && s[0] == '!') {
		neg = !neg;
		s++, len--;
		kw_trim(&s, &len);
		if (++depth > KN_RULE_MAX_NESTING)
			return set_fail(p, s, "too many '!' in a row at '%s'", s, len);
	}
	if (len == 0)
		return set_fail(p, s, "empty item in a set%s", "", 0);
	struct spanset *dst = neg ? negs : pos;
	if (kw_is(s, len, "any")) {
		if (neg)
			return set_fail(p, s, "'!any' matches nothing%s", "", 0);
		return set_all(dst, p->ports);
	}
	if (s[0] == '[' || s[0] == '$') {
		struct spanset sub = { 0 };
		int rc = s[0] == '$' ? parse_var(p, s, len, depth, &sub)
				     : parse_group(p, s, len, depth + 1, &sub);
		for (size_t i = 0; rc == 0 && i < sub.n; i++)
			rc = set_push(dst, sub.v[i].fam, sub.v[i].lo, sub.v[i].hi);
		kn_free(sub.v);
		return rc;
	}
	return p->ports ? parse_port_item(p, s, len, dst) : parse_ip_item(p, s, len, dst);
}

/* A whole set ("[a,b,!c]" or a single item) into out, normalized. */
static int parse_group(struct setp *p, const char *s, size_t len, int depth,
		       struct spanset *out)
{
	struct spanset pos = { 0 }, neg = { 0 };
	int rc = 0;
	kw_trim(&s, &len);
	const char *s0 = s;
	size_t l0 = len;
	int bracketed = len && s[0] == '[';
	size_t cb = bracketed ? closing_bracket(s, len) : 0;
	if (bracketed && cb == len)
		return set_fail(p, s, "'[' of '%s' is not closed by ']'", s, len);
	if (bracketed && cb != len - 1)
		bracketed = 0;   /* "[a],[b]": a list of groups */
	if (bracketed)
		s++, len -= 2;
	if (bracketed || has_top_comma(s, len)) {
		while (rc == 0 && len) {
			/* split at the next comma at this bracket depth */
			size_t i = 0;
			int d = 0;
			for (; i < len && !(d == 0 && s[i] == ','); i++)
				d += s[i] == '[' ? 1 : s[i] == ']' ? -1 : 0;
			if (d != 0) {
				rc = set_fail(p, s, "unbalanced brackets in '%s'", s, len);
				break;
			}
			const char *it = s;
			size_t il = i;
			kw_trim(&it, &il);
			rc = parse_item(p, it, il, depth, 0, &pos, &neg);
			s += i, len -= i;
			if (len) {
				s++, len--;
				if (!len)
					rc = rc ? rc : set_fail(p, s, "set ends with a comma%s", "", 0);
			}
		}
		if (rc == 0 && pos.n == 0 && neg.n == 0)
			rc = set_fail(p, s, "empty group '[]'%s", "", 0);
	} else {
		rc = parse_item(p, s, len, depth, 0, &pos, &neg);
	}
	if (rc == 0 && pos.n == 0)
		rc = set_all(&pos, p->ports);
	if (rc == 0) {
		set_normalize(&pos);
		set_normalize(&neg);
		rc = neg.n ? set_minus(&pos, &neg, out) : 0;
		if (rc == 0 && !neg.n) {
			*out = pos;
			pos = (struct spanset){ 0 };
		}
		if (rc == 0 && out->n == 0)
			rc = set_fail(p, s0, "the set '%s' is empty after its negations", s0, l0);
	}
	kn_free(pos.v);
	kn_free(neg.v);
	return rc;
}

static int resolve(const struct kn_rule_vars *vars, int ports, const char *text, size_t len,
		   struct spanset *out, char *err, size_t errsz, size_t *errpos)
{
	struct setp p = { .vars = vars, .ports = ports, .err = err, .errsz = errsz,
			  .base = text };
	int rc = parse_group(&p, text, len, 0, out);
	if (rc == 0 && out->n == 0) {
		snprintf(err, errsz, "the set '%.*s' is empty after its negations",
			 (int)(len > 80 ? 80 : len), text);
		rc = -KN_EINVAL;
	}
	if (rc == -KN_ENOMEM)
		snprintf(err, errsz, "out of memory");
	*errpos = p.errpos;
	return rc;
}

int detect_parse_addrs(const struct kn_rule_vars *vars, struct detect_arena *a,
		       const char *text, size_t len, struct kn_rule_addrs *out, char *err,
		       size_t errsz, size_t *errpos)
{
	struct spanset s = { 0 };
	int rc = resolve(vars, 0, text, len, &s, err, errsz, errpos);
	if (rc)
		goto done;
	memset(out, 0, sizeof *out);
	out->any = s.n == 2 && s.v[0].lo == 0 && s.v[0].hi == fam_max(4) && s.v[1].lo == 0 &&
		   s.v[1].hi == fam_max(6);
	struct kn_rule_iprange *r = out->any ? NULL : detect_alloc(a, s.n * sizeof *r);
	if (!out->any && !r) {
		rc = -KN_ENOMEM;
		goto done;
	}
	for (size_t i = 0; r && i < s.n; i++) {
		unsigned nb = s.v[i].fam == 4 ? 4 : 16;
		r[i].family = s.v[i].fam;
		for (unsigned k = 0; k < nb; k++) {
			r[i].lo[k] = (uint8_t)(s.v[i].lo >> (8 * (nb - 1 - k)));
			r[i].hi[k] = (uint8_t)(s.v[i].hi >> (8 * (nb - 1 - k)));
		}
	}
	out->n = out->any ? 0 : (uint32_t)s.n;
	out->v = r;
done:
	kn_free(s.v);
	return rc;
}

int detect_parse_ports(const struct kn_rule_vars *vars, struct detect_arena *a,
		       const char *text, size_t len, struct kn_rule_ports *out, char *err,
		       size_t errsz, size_t *errpos)
{
	struct spanset s = { 0 };
	int rc = resolve(vars, 1, text, len, &s, err, errsz, errpos);
	if (rc)
		goto done;
	memset(out, 0, sizeof *out);
	out->any = s.n == 1 && s.v[0].lo == 0 && s.v[0].hi == 65535;
	struct kn_rule_portrange *r = out->any ? NULL : detect_alloc(a, s.n * sizeof *r);
	if (!out->any && !r) {
		rc = -KN_ENOMEM;
		goto done;
	}
	for (size_t i = 0; r && i < s.n; i++)
		r[i] = (struct kn_rule_portrange){ (uint16_t)s.v[i].lo, (uint16_t)s.v[i].hi };
	out->n = out->any ? 0 : (uint32_t)s.n;
	out->v = r;
done:
	kn_free(s.v);
	return rc;
}
