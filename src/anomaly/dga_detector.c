/*
 * dga_detector.c - the "dga" behaviour detector: a host looking up many
 * names that a domain generation algorithm made (malware hunting for its
 * command server among hundreds of generated names, most of which do not
 * exist).
 *
 * One odd name proves little (CDN hashes, random test names, typos); many
 * in a short time from one host is the tell. Two findings, per querying
 * host in a fixed table (det_net.h) and a 600 s tumbling window that
 * counts its distinct query names (a 1024-bit sketch: a name asked again
 * counts once; read from queries, and from the question of answers on a
 * flow that carried no query, so a sensor that sees only the resolver's
 * answers counts them too):
 *   - DGA_NXDOMAIN (always on): the resolver answered "no such domain"
 *     (NXDOMAIN) for 20 or more distinct registered domains (the last two
 *     labels, three as in example.co.uk; a 1024-bit sketch), and they are
 *     half or more of the host's distinct names. A DGA tries the day's
 *     names until one answers, so nearly all of its lookups fail, whatever
 *     the names look like (dictionary-word DGAs included); search-domain
 *     junk and blocklist lookups fail under one registered domain, and a
 *     browser behind a filtering resolver has far more names that resolve.
 *     mDNS (.local) names and single labels are left out (reverse
 *     lookups are all under in-addr.arpa or ip6.arpa). Score
 *     1 - 2^(-domains / 20): 0.5 at 20.
 *   - DGA_QUERIES (only with a DGA model, cfg->dga_model loaded at start;
 *     `kenchi train-dga` makes one): every query name is scored with it
 *     (anomaly.h "DGA names"); the label scored must be the registered
 *     name, right before the public suffix (a DGA makes new domains, a
 *     tunnel random subdomains of one). Reported when 8 or more distinct
 *     DGA-looking names were asked and they are at least a quarter of the
 *     host's distinct names (a resolver forwarding the whole network's
 *     queries has many of both). Score 1 - 2^(-names / 8): 0.5 at 8.
 * Each again (subject to the context's rate limit) when its count doubles;
 * the last four names of each are kept as examples.
 */
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "det_net.h"
#include "kenchi/anomaly.h"
#include "kenchi/detector.h"
#include "util/hash.h"
#include "util/json.h"

#define WINDOW_NS (600ull * 1000000000ull)
#define NAME_BITS 1024
#define NX_BITS 1024
#define MIN_NAMES 8
#define MIN_NX 20
#define RCODE_NXDOMAIN 3
#define KEEP 4
#define NAME_MAX_KEPT 64

struct host {
	struct det_slot slot;
	struct kn_addr addr;
	uint8_t v6, n_kept, n_nx_kept;
	uint32_t names, dga, reported, nx, nx_reported;
	uint64_t start_ns;
	uint64_t bits[NAME_BITS / 64];
	uint64_t nx_bits[NX_BITS / 64];
	char kept[KEEP][NAME_MAX_KEPT];   /* a ring of the last DGA-looking names */
	float kept_score[KEEP];
	char nx_kept[KEEP][NAME_MAX_KEPT]; /* a ring of the last names without a domain */
};

struct dga_det {
	struct kn_dga_model *model;
	struct det_table hosts;
};

static int dga_init(void *state, const struct kn_detect_config *cfg, uint64_t budget,
		    char *errbuf)
{
	struct dga_det *g = state;

	if (cfg->dga_model && !(g->model = kn_dga_model_load_file(cfg->dga_model, errbuf))) {
		char why[KN_ERRBUF_SIZE];
		snprintf(why, sizeof why, "%s", errbuf);
		snprintf(errbuf, KN_ERRBUF_SIZE, "dga detector model (--dga-model): %.200s", why);
		return -KN_EINVAL;
	}
	if (det_table_init(&g->hosts, budget, sizeof(struct host)) != 0) {
		snprintf(errbuf, KN_ERRBUF_SIZE, "dga: out of memory (host table)");
		kn_dga_model_free(g->model);
		g->model = NULL;
		return -KN_ENOMEM;
	}
	return 0;
}

static void dga_fini(void *state)
{
	struct dga_det *g = state;
	kn_dga_model_free(g->model);
	det_table_fini(&g->hosts);
}

static uint64_t dga_memuse(const void *state)
{
	const struct dga_det *g = state;
	return g->hosts.slots ? det_table_memuse(&g->hosts) : 0;
}

/* ----------------------------------------------------------- report */

struct finding {
	const struct host *h;
	int nx;   /* DGA_NXDOMAIN, else DGA_QUERIES */
	char host[48];
};

static void evidence(const void *arg, struct kn_json *j)
{
	const struct finding *f = arg;
	const struct host *h = f->h;
	unsigned n = f->nx ? h->n_nx_kept : h->n_kept;

	kn_json_str(j, "host", f->host);
	kn_json_u64(j, f->nx ? "nxdomain_domains" : "dga_names", f->nx ? h->nx : h->dga);
	kn_json_u64(j, "distinct_names", h->names);
	kn_json_double(j, "window_s", (double)(h->slot.last_ns - h->start_ns) / 1e9, 3);
	kn_json_open_array(j, "examples");
	for (unsigned i = 0; i < n; i++) {
		kn_json_open(j, NULL);
		kn_json_str(j, "name", f->nx ? h->nx_kept[i] : h->kept[i]);
		if (!f->nx)
			kn_json_double(j, "score", h->kept_score[i], 3);
		kn_json_close(j);
	}
	kn_json_close_array(j);
}

static void report(struct kn_detect_call *c, const struct kn_flow *flow, int dir,
		   const struct host *h, int nx)
{
	struct finding f = { .h = h, .nx = nx };
	char why[800], list[4 * NAME_MAX_KEPT + 8] = "";
	size_t o = 0;
	unsigned n = nx ? h->n_nx_kept : h->n_kept;
	double secs = (double)(h->slot.last_ns - h->start_ns) / 1e9;

	kn_detect_addr_text(&h->addr, h->v6, f.host, sizeof f.host);
	for (unsigned i = 0; i < n && o + 1 < sizeof list; i++)
		o += (size_t)snprintf(list + o, sizeof list - o, "%s%s", i ? ", " : "",
				      nx ? h->nx_kept[i] : h->kept[i]);
	if (nx)
		snprintf(why, sizeof why, "%s was told 'no such domain' (NXDOMAIN) for %u distinct "
			 "domains (of %u distinct names it looked up) in %.0f s, e.g. %s: a domain "
			 "generation algorithm trying the day's names until one answers", f.host,
			 h->nx, h->names, secs, list);
	else
		snprintf(why, sizeof why, "%s looked up %u names that look machine-generated (of "
			 "%u distinct names) in %.0f s, e.g. %s: a domain generation algorithm "
			 "searching for its server", f.host, h->dga, h->names, secs, list);
	struct kn_detection d = {
		.event = nx ? "DGA_NXDOMAIN" : "DGA_QUERIES",
		.score = 1.0 - exp2(-(double)(nx ? h->nx : h->dga) / (nx ? MIN_NX : MIN_NAMES)),
		.key = f.host, .explanation = why, .flow = flow, .dir = dir,
		.evidence = evidence, .arg = &f };
	kn_detect_report(c, &d);
}

/* Name into a kept ring slot, printable. */
static void keep(char *dst, const uint8_t *name, uint32_t len)
{
	snprintf(dst, NAME_MAX_KEPT, "%.*s", (int)(len < NAME_MAX_KEPT ? len : NAME_MAX_KEPT - 1),
		 (const char *)name);
	for (char *s = dst; *s; s++)
		if (*s < 0x21 || *s > 0x7e || *s == '"' || *s == '\\')
			*s = '.';
}

/* ------------------------------------------------------------- names */

static struct host *host_of(struct dga_det *g, const struct kn_addr *a, int v6, uint64_t now)
{
	struct host *h = det_table_find(&g->hosts, det_addr_hash(a, v6, 0x646761), now, 1, NULL);

	if (!h->start_ns || now >= h->start_ns + WINDOW_NS) {   /* a new window */
		memset((char *)h + sizeof h->slot, 0, sizeof *h - sizeof h->slot);
		h->addr = *a;
		h->v6 = (uint8_t)v6;
		h->start_ns = now | 1;
	}
	return h;
}

/* 1 when the label scored is the registered name: only the public suffix
 * (at most two labels, 12 bytes, as "com", "co.uk", "ddns.net") follows it.
 * A DGA makes new domains; a random label deeper down under one domain is
 * a tunnel's (dns_tunnel) or a CDN's, not a DGA's. */
static int registered(const uint8_t *name, uint32_t len, const struct kn_dga_result *r)
{
	size_t at = r->label_off + r->label_len, dots = 0;

	while (len && name[len - 1] == '.')
		len--;   /* the root */
	if (at > len || len - at > 13)
		return 0;
	for (size_t i = at; i < len; i++)
		dots += name[i] == '.';
	return dots <= 2;
}

static void on_name(struct dga_det *g, struct kn_detect_call *c, const struct kn_flow *flow,
		    int dir, struct host *h, const uint8_t *name, uint32_t len)
{
	struct kn_dga_result r;

	if (!det_sketch_add(h->bits, NAME_BITS, kn_hash64(name, len, 0x6e616d65)))
		return;   /* asked already in this window (or a sketch collision) */
	h->names++;
	if (!g->model || !kn_dga_score_name(g->model, (const char *)name, len, &r) ||
	    r.score < kn_dga_model_threshold(g->model) || !registered(name, len, &r))
		return;
	h->dga++;
	unsigned k = h->n_kept < KEEP ? h->n_kept++ : (h->dga - 1) % KEEP;
	keep(h->kept[k], name, len);
	h->kept_score[k] = (float)r.score;
	if (h->dga >= MIN_NAMES && 4ull * h->dga >= h->names && h->dga >= 2ull * h->reported) {
		h->reported = h->dga;
		report(c, flow, dir, h, 0);
	}
}

static int same_ci(const uint8_t *a, const char *b, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if ((a[i] | 0x20) != b[i])
			return 0;
	return 1;
}

/* The hash of name's registered domain (case folded): its last two labels,
 * three when the last is two letters and the one before at most three (as
 * example.co.uk; reverse lookups are all in-addr.arpa or ip6.arpa); 0 for
 * a single label or an mDNS name (.local). */
static uint64_t registered_hash(const uint8_t *name, uint32_t len)
{
	uint8_t low[256];
	size_t dot[3] = { 0, 0, 0 }, ndots = 0, n = len < sizeof low ? len : sizeof low;

	while (n && name[n - 1] == '.')
		n--;
	for (size_t i = n; i-- > 0 && ndots < 3;)
		if (name[i] == '.')
			dot[ndots++] = i;
	if (!ndots || dot[0] + 1 >= n)
		return 0;
	size_t tld = n - dot[0] - 1;
	if (tld == 5 && same_ci(name + dot[0] + 1, "local", 5))
		return 0;
	size_t start = ndots >= 2 ? dot[1] + 1 : 0;
	if (tld == 2 && dot[0] - start <= 3)   /* example.co.uk */
		start = ndots >= 3 ? dot[2] + 1 : ndots == 2 ? 0 : start;
	for (size_t i = start; i < n; i++)
		low[i - start] = name[i] >= 'A' && name[i] <= 'Z' ? (uint8_t)(name[i] | 0x20) : name[i];
	return kn_hash64(low, n - start, 0x6e78646d) | 1;
}

/* The resolver answered NXDOMAIN for name, asked by h. */
static void on_nxdomain(struct kn_detect_call *c, const struct kn_flow *flow, int dir,
			struct host *h, const uint8_t *name, uint32_t len)
{
	uint64_t rh = registered_hash(name, len);
	if (!rh || !det_sketch_add(h->nx_bits, NX_BITS, rh))
		return;
	h->nx++;
	keep(h->nx_kept[h->n_nx_kept < KEEP ? h->n_nx_kept++ : (h->nx - 1) % KEEP], name, len);
	if (h->nx >= MIN_NX && 2ull * h->nx >= h->names && h->nx >= 2ull * h->nx_reported) {
		h->nx_reported = h->nx;
		report(c, flow, dir, h, 1);
	}
}

static void dga_tx(void *state, struct kn_detect_call *c, const struct kn_flow *f,
		   const char *app_proto, const struct kn_tx *tx)
{
	struct dga_det *g = state;
	const uint8_t *name, *first;
	uint32_t len, first_len;
	uint64_t rcode = 0;

	if (!tx->buffer || !app_proto || strcmp(app_proto, "dns") != 0)
		return;
	/* An answer's question names count too when its flow carried no
	 * query (kn_tx_client_pkts() 0: a sensor that sees only the resolver's
	 * answers): the host's names are known there as well, and a host
	 * with 20 failures is not taken for a DGA because it seemed to have
	 * asked nothing else. */
	int response = tx->number && tx->number(tx, KN_TXN_DNS_RCODE, 0, &rcode);
	int nx = response && rcode == RCODE_NXDOMAIN;
	int names = !response || kn_tx_client_pkts(f, tx) == 0;
	unsigned which = response ? KN_BUF_DNS_RESPONSE_QUERY : KN_BUF_DNS_QUERY;
	if (!(nx || names) || !tx->buffer(tx, which, 0, &first, &first_len))
		return;
	const struct kn_addr *client = tx->dir ? &f->key.dst : &f->key.src;
	struct host *h = host_of(g, client, f->key.ip_version == 6, kn_detect_time_ns(c));
	for (unsigned i = 0; names && i < 16 && tx->buffer(tx, which, i, &name, &len); i++)
		if (len)
			on_name(g, c, f, tx->dir, h, name, len);
	if (nx && first_len)
		on_nxdomain(c, f, tx->dir, h, first, first_len);
}

const struct kn_detector kn_detector_dga = {
	.name = "dga",
	.ctx_size = sizeof(struct dga_det),
	.init = dga_init,
	.fini = dga_fini,
	.tx = dga_tx,
	.memuse = dga_memuse,
};
