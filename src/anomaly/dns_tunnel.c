/*
 * dns_tunnel.c - the "dns_tunnel" behaviour detector: data carried in DNS
 * query names (iodine, dnscat2, dns2tcp over plain DNS, exfiltration by
 * lookups).
 *
 * A tunnel encodes its bytes in the labels below one domain it controls, so
 * every query asks for a NEW, long, random-looking name under the same base
 * domain, something ordinary lookups almost never do (a CDN or load
 * balancer name may be long and random, but it is the same name again and
 * again). Per query name (the app layer's dns.query buffer of each query;
 * on a flow that carried no query, the question an answer repeats, so a
 * sensor that sees only the resolver's answers finds tunnels too):
 * the base domain is its last two labels (three under a two-letter country
 * code with a short second level: example.co.uk), the subdomain is the
 * rest. A subdomain label is "long random" when it has at least
 * dns_min_label bytes, a character entropy of at least 3.3 bits and
 * something words lack (two digits, a byte outside [a-z0-9-], or six
 * consonants in a row). Per base domain, in a fixed table (least recently
 * used entry evicted): queries, distinct long-random subdomains (the last
 * 16 remembered by hash), distinct subdomains of any kind (a 1024-bit
 * linear-counting sketch). A tunnel is reported when dns_alert_queries
 * distinct long-random subdomains were asked under one base domain, or
 * when 64 (then 128, 256, ...) distinct subdomains averaging 12 bytes or
 * more were (short-label tunnels and bulk lookups of generated names). A
 * question for a NULL record (type 10: raw data, iodine's default; no
 * ordinary software asks for it) is reported at once. Reverse lookups
 * (.arpa) and mDNS names (.local) are left out.
 */
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "kenchi/detector.h"
#include "util/alloc.h"
#include "util/hash.h"
#include "util/json.h"

#define BASE_MAX 96            /* bytes of a base domain kept */
#define EXAMPLE_MAX 120        /* bytes of an example name kept */
#define RECENT_LONG 16         /* long-random subdomain hashes remembered */
#define SKETCH_BITS 1024
#define PROBES 8
#define NAME_MAX_LEN 255
#define UNIQUE_ALERT 64        /* distinct subdomains for the volume test */
#define UNIQUE_MEAN_LEN 12
#define RRTYPE_NULL 10

enum { BY_LONG = 0, BY_VOLUME, BY_NULL };

struct base {
	uint64_t hash;             /* 0 = free */
	uint64_t last_ns;
	uint32_t queries, long_distinct, sub_bytes, subs, null_queries;
	uint16_t longest;
	uint8_t n_recent, next_recent;
	uint64_t recent[RECENT_LONG];
	uint64_t sketch[SKETCH_BITS / 64];
	char name[BASE_MAX + 1];
	char example[EXAMPLE_MAX + 1];
};

struct tunnel {
	struct base *slots;
	size_t n_slots;
	unsigned min_label, alert_queries;
	uint64_t evicted;
};

static int tunnel_init(void *state, const struct kn_detect_config *cfg, uint64_t budget,
		       char *errbuf)
{
	struct tunnel *t = state;
	size_t n = (size_t)(budget / sizeof(struct base));

	if (n < 64)
		n = 64;
	if (!(t->slots = kn_calloc(n, sizeof *t->slots))) {
		snprintf(errbuf, KN_ERRBUF_SIZE, "dns_tunnel: out of memory (%zu domains)", n);
		return -KN_ENOMEM;
	}
	t->n_slots = n;
	t->min_label = cfg->dns_min_label;
	t->alert_queries = cfg->dns_alert_queries;
	return 0;
}

static void tunnel_fini(void *state)
{
	struct tunnel *t = state;
	kn_free(t->slots);
}

static uint64_t tunnel_memuse(const void *state)
{
	const struct tunnel *t = state;
	return (uint64_t)t->n_slots * sizeof *t->slots;
}

/* ------------------------------------------------------------ names */

/* Label boundaries of name[0..n): starts[i], lens[i]; returns the count. */
static unsigned split_labels(const char *name, size_t n, uint16_t *starts, uint16_t *lens,
			     unsigned max)
{
	unsigned k = 0;
	size_t s = 0;

	for (size_t i = 0; i <= n && k < max; i++)
		if (i == n || name[i] == '.') {
			if (i > s) {
				starts[k] = (uint16_t)s;
				lens[k++] = (uint16_t)(i - s);
			}
			s = i + 1;
		}
	return k;
}

/* Labels that make the base domain (2, or 3 for example.co.uk). */
static unsigned base_labels(const char *name, const uint16_t *starts, const uint16_t *lens,
			    unsigned k)
{
	(void)name;
	(void)starts;
	if (k >= 3 && lens[k - 1] == 2 && lens[k - 2] <= 3)
		return 3;
	return k >= 2 ? 2 : k;
}

static int vowel(unsigned char c)
{
	return c == 'a' || c == 'e' || c == 'i' || c == 'o' || c == 'u' || c == 'y';
}

/* Whether label s[0..n) looks like encoded data; *bits gets its entropy. */
static int random_label(const unsigned char *s, size_t n, unsigned min_len, double *bits)
{
	unsigned count[256] = { 0 }, digits = 0, odd = 0, run = 0, max_run = 0;
	double h = 0;

	for (size_t i = 0; i < n; i++) {
		unsigned char c = s[i] | (s[i] >= 'A' && s[i] <= 'Z' ? 0x20 : 0);
		count[c]++;
		digits += c >= '0' && c <= '9';
		odd += !((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-');
		run = c >= 'a' && c <= 'z' && !vowel(c) ? run + 1 : 0;
		max_run = run > max_run ? run : max_run;
	}
	for (unsigned c = 0; c < 256; c++)
		if (count[c]) {
			double p = (double)count[c] / (double)n;
			h -= p * log2(p);
		}
	*bits = h;
	return n >= min_len && h >= 3.3 && (digits >= 2 || odd >= 1 || max_run >= 6);
}

/* ------------------------------------------------------------ table */

static struct base *find_base(struct tunnel *t, const char *name, size_t n, uint64_t now)
{
	uint64_t h = kn_hash64(name, n, 0x646e73) | 1;
	size_t i0 = (size_t)(h % t->n_slots), victim = i0;

	for (size_t k = 0; k < PROBES; k++) {
		struct base *b = &t->slots[(i0 + k) % t->n_slots];
		if (b->hash == h && !strncmp(b->name, name, BASE_MAX) && strlen(b->name) ==
		    (n < BASE_MAX ? n : BASE_MAX))
			return b;
		if (!b->hash)
			victim = (i0 + k) % t->n_slots, k = PROBES;
		else if (b->last_ns < t->slots[victim].last_ns)
			victim = (i0 + k) % t->n_slots;
	}
	struct base *b = &t->slots[victim];
	if (b->hash)
		t->evicted++;
	memset(b, 0, sizeof *b);
	b->hash = h;
	b->last_ns = now;
	memcpy(b->name, name, n < BASE_MAX ? n : BASE_MAX);
	return b;
}

/* Remembers a long-random subdomain; 1 when it was not among the recent. */
static int note_long(struct base *b, uint64_t h)
{
	for (unsigned i = 0; i < b->n_recent; i++)
		if (b->recent[i] == h)
			return 0;
	b->recent[b->next_recent] = h;
	b->next_recent = (uint8_t)((b->next_recent + 1) % RECENT_LONG);
	if (b->n_recent < RECENT_LONG)
		b->n_recent++;
	return 1;
}

/* Distinct subdomains estimated from the sketch (linear counting). */
static double unique_subs(const struct base *b)
{
	unsigned zero = 0;

	for (unsigned i = 0; i < SKETCH_BITS / 64; i++)
		zero += (unsigned)__builtin_popcountll(~b->sketch[i]);
	if (zero == 0)
		zero = 1;
	return -(double)SKETCH_BITS * log((double)zero / SKETCH_BITS);
}

/* ----------------------------------------------------------- report */

static void evidence(const void *arg, struct kn_json *j)
{
	const struct base *b = arg;

	kn_json_str(j, "base_domain", b->name);
	kn_json_u64(j, "queries", b->queries);
	kn_json_u64(j, "long_random_subdomains", b->long_distinct);
	kn_json_u64(j, "unique_subdomains", (uint64_t)(unique_subs(b) + 0.5));
	kn_json_u64(j, "longest_label", b->longest);
	if (b->null_queries)
		kn_json_u64(j, "null_queries", b->null_queries);
	kn_json_str(j, "example", b->example);
}

static void report(struct kn_detect_call *c, const struct kn_flow *f, int dir,
		   const struct base *b, int by)
{
	char why[400];
	double u = unique_subs(b);
	double score = by == BY_VOLUME ? 0.7 : by == BY_NULL ? 0.6
		       : 1.0 - 0.5 * exp2(-(double)b->long_distinct / 3.0);

	if (by == BY_NULL)
		snprintf(why, sizeof why, "%u queries for NULL records (type 10, raw data: what "
			 "iodine asks for; ordinary software never does) under %s, e.g. %.80s: "
			 "a DNS tunnel", b->null_queries, b->name, b->example);
	else if (by == BY_VOLUME)
		snprintf(why, sizeof why, "%.0f distinct subdomains (mean %u bytes) asked under "
			 "%s in %u queries: more names than any ordinary service uses", u,
			 b->subs ? b->sub_bytes / b->subs : 0, b->name, b->queries);
	else
		snprintf(why, sizeof why, "%u distinct long random-looking subdomains (longest "
			 "label %u bytes) asked under %s in %u queries, e.g. %.80s: data encoded "
			 "in DNS names", b->long_distinct, b->longest, b->name, b->queries,
			 b->example);
	struct kn_detection d = { .event = "DNS_TUNNEL", .score = score, .key = b->name,
				  .explanation = why, .flow = f, .dir = dir,
				  .evidence = evidence, .arg = b };
	kn_detect_report(c, &d);
}

/* One query name (lower or mixed case, no trailing dot needed). */
static void on_name(struct tunnel *t, struct kn_detect_call *c, const struct kn_flow *f,
		    int dir, const uint8_t *name, uint32_t len, uint64_t rrtype)
{
	uint16_t starts[128], lens[128];
	char lower[NAME_MAX_LEN + 1];
	size_t n = len > NAME_MAX_LEN ? NAME_MAX_LEN : len;

	for (size_t i = 0; i < n; i++)
		lower[i] = (char)(name[i] >= 'A' && name[i] <= 'Z' ? name[i] | 0x20 : name[i]);
	while (n && lower[n - 1] == '.')
		n--;
	lower[n] = '\0';
	unsigned k = split_labels(lower, n, starts, lens, 128);
	if (k < 2 || (lens[k - 1] == 4 && !memcmp(lower + starts[k - 1], "arpa", 4)) ||
	    (lens[k - 1] == 5 && !memcmp(lower + starts[k - 1], "local", 5)))
		return;
	unsigned nb = base_labels(lower, starts, lens, k);
	uint16_t bstart = starts[k - nb];
	struct base *b = find_base(t, lower + bstart, n - bstart, kn_detect_time_ns(c));
	b->queries++;
	b->last_ns = kn_detect_time_ns(c);
	if (rrtype == RRTYPE_NULL) {
		b->null_queries++;
		snprintf(b->example, sizeof b->example, "%.120s", lower);
		report(c, f, dir, b, BY_NULL);
		return;
	}
	if (nb == k)
		return;
	size_t sub_len = bstart - 1;
	uint64_t sh = kn_hash64(lower, sub_len, 0x737562);
	uint64_t bit = sh % SKETCH_BITS;
	int new_sub = !(b->sketch[bit / 64] & (1ull << (bit % 64)));
	if (new_sub) {
		b->sketch[bit / 64] |= 1ull << (bit % 64);
		b->subs++;
		b->sub_bytes += (uint32_t)sub_len;
	}
	int is_long = 0;
	for (unsigned i = 0; i + nb < k; i++) {
		double bits;
		if (lens[i] > b->longest)
			b->longest = lens[i];
		if (lens[i] >= t->min_label && !is_long)   /* short labels cannot qualify */
			is_long = random_label((const unsigned char *)lower + starts[i], lens[i],
					       t->min_label, &bits);
	}
	if (is_long && note_long(b, sh)) {
		b->long_distinct++;
		if (!b->example[0])
			snprintf(b->example, sizeof b->example, "%.120s", lower);
		if (b->long_distinct >= t->alert_queries)
			report(c, f, dir, b, BY_LONG);
	} else if (new_sub && b->subs >= UNIQUE_ALERT && !(b->subs & (b->subs - 1)) &&
		   b->sub_bytes / b->subs >= UNIQUE_MEAN_LEN) {
		/* at 64, 128, 256, ... distinct subdomains (sketch bits) */
		if (!b->example[0])
			snprintf(b->example, sizeof b->example, "%.120s", lower);
		report(c, f, dir, b, BY_VOLUME);
	}
}

static void tunnel_tx(void *state, struct kn_detect_call *c, const struct kn_flow *f,
		      const char *app_proto, const struct kn_tx *tx)
{
	const uint8_t *name;
	uint32_t len;

	if (!tx->buffer || !app_proto || strcmp(app_proto, "dns") != 0)
		return;
	unsigned which = KN_BUF_DNS_QUERY;
	if (!tx->buffer(tx, which, 0, &name, &len)) {
		/* an answer: its question is read only when the flow carried
		 * no query (a sensor seeing the resolver's answers alone),
		 * else each name would count twice */
		if (kn_tx_client_pkts(f, tx) != 0)
			return;
		which = KN_BUF_DNS_RESPONSE_QUERY;
	}
	for (unsigned i = 0; i < 16 && tx->buffer(tx, which, i, &name, &len); i++) {
		uint64_t rrtype = 0;
		if (tx->number && !tx->number(tx, KN_TXN_DNS_RRTYPE, i, &rrtype))
			rrtype = 0;
		on_name(state, c, f, tx->dir, name, len, rrtype);
	}
}

const struct kn_detector kn_detector_dns_tunnel = {
	.name = "dns_tunnel",
	.ctx_size = sizeof(struct tunnel),
	.init = tunnel_init,
	.fini = tunnel_fini,
	.tx = tunnel_tx,
	.memuse = tunnel_memuse,
};
