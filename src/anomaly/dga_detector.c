/*
 * dga_detector.c - the "dga" behaviour detector: a host looking up many
 * names that a domain generation algorithm made (malware hunting for its
 * command server among hundreds of generated names, most of which do not
 * exist).
 *
 * One DGA-looking name proves little (CDN hashes, random test names,
 * typos); many in a short time from one host is the tell. Every DNS query
 * name is scored with the DGA model (anomaly.h "DGA names"; the model file
 * is cfg->dga_model, loaded at start: without one this detector does not
 * run; `kenchi train-dga` makes one). Per querying host, in
 * a fixed table (det_net.h) and a 600 s tumbling window: the distinct
 * names asked (a 1024-bit sketch: a name in both the query and the answer
 * transaction counts once), how many of them look generated (the label
 * scored must be the registered name, right before the public suffix: a
 * DGA makes new domains, a tunnel random subdomains of one), and the last
 * four of those. A host is reported when 8 or more distinct DGA-looking
 * names were asked in the window and they are at least a quarter of its
 * distinct names (a resolver forwarding the whole network's queries has
 * many of both); again (subject to the context's rate limit) when their
 * number doubles. Score 1 - 2^(-names / 8): 0.5 at 8. NXDOMAIN answers
 * would strengthen it but the DNS transaction does not expose its rcode to
 * detectors yet.
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
#define MIN_NAMES 8
#define KEEP 4
#define NAME_MAX_KEPT 64

struct host {
	struct det_slot slot;
	struct kn_addr addr;
	uint8_t v6, n_kept;
	uint32_t names, dga, reported;
	uint64_t start_ns;
	uint64_t bits[NAME_BITS / 64];
	char kept[KEEP][NAME_MAX_KEPT];   /* a ring of the last DGA-looking names */
	float kept_score[KEEP];
};

struct dga_det {
	struct kn_dga_model *model;
	struct det_table hosts;
};

static int dga_init(void *state, const struct kn_detect_config *cfg, uint64_t budget,
		    char *errbuf)
{
	struct dga_det *g = state;

	if (!cfg->dga_model)
		return 0;   /* no model: the detector stays idle */
	g->model = kn_dga_model_load_file(cfg->dga_model, errbuf);
	if (!g->model) {
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
	char host[48];
};

static void evidence(const void *arg, struct kn_json *j)
{
	const struct finding *f = arg;
	const struct host *h = f->h;

	kn_json_str(j, "host", f->host);
	kn_json_u64(j, "dga_names", h->dga);
	kn_json_u64(j, "distinct_names", h->names);
	kn_json_double(j, "window_s", (double)(h->slot.last_ns - h->start_ns) / 1e9, 3);
	kn_json_open_array(j, "examples");
	for (unsigned i = 0; i < h->n_kept; i++) {
		kn_json_open(j, NULL);
		kn_json_str(j, "name", h->kept[i]);
		kn_json_double(j, "score", h->kept_score[i], 3);
		kn_json_close(j);
	}
	kn_json_close_array(j);
}

static void report(struct kn_detect_call *c, const struct kn_flow *flow, int dir,
		   const struct host *h)
{
	struct finding f = { .h = h };
	char why[800], list[4 * NAME_MAX_KEPT + 8] = "";
	size_t o = 0;

	kn_detect_addr_text(&h->addr, h->v6, f.host, sizeof f.host);
	for (unsigned i = 0; i < h->n_kept && o + 1 < sizeof list; i++)
		o += (size_t)snprintf(list + o, sizeof list - o, "%s%s", i ? ", " : "", h->kept[i]);
	snprintf(why, sizeof why, "%s looked up %u names that look machine-generated (of %u "
		 "distinct names) in %.0f s, e.g. %s: a domain generation algorithm searching "
		 "for its server", f.host, h->dga, h->names,
		 (double)(h->slot.last_ns - h->start_ns) / 1e9, list);
	struct kn_detection d = {
		.event = "DGA_QUERIES", .score = 1.0 - exp2(-(double)h->dga / MIN_NAMES),
		.key = f.host, .explanation = why, .flow = flow, .dir = dir,
		.evidence = evidence, .arg = &f };
	kn_detect_report(c, &d);
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
		    int dir, const uint8_t *name, uint32_t len)
{
	const struct kn_addr *client = dir ? &flow->key.dst : &flow->key.src;
	int v6 = flow->key.ip_version == 6;
	struct host *h = host_of(g, client, v6, kn_detect_time_ns(c));
	struct kn_dga_result r;

	if (!det_sketch_add(h->bits, NAME_BITS, kn_hash64(name, len, 0x6e616d65)))
		return;   /* asked already in this window (or a sketch collision) */
	h->names++;
	if (!kn_dga_score_name(g->model, (const char *)name, len, &r) ||
	    r.score < kn_dga_model_threshold(g->model) || !registered(name, len, &r))
		return;
	h->dga++;
	unsigned k = h->n_kept < KEEP ? h->n_kept++ : (h->dga - 1) % KEEP;
	snprintf(h->kept[k], NAME_MAX_KEPT, "%.*s", (int)(len < NAME_MAX_KEPT ? len :
							    NAME_MAX_KEPT - 1), (const char *)name);
	for (char *s = h->kept[k]; *s; s++)   /* keep the text printable */
		if (*s < 0x21 || *s > 0x7e || *s == '"' || *s == '\\')
			*s = '.';
	h->kept_score[k] = (float)r.score;
	if (h->dga >= MIN_NAMES && 4ull * h->dga >= h->names && h->dga >= 2ull * h->reported) {
		h->reported = h->dga;
		report(c, flow, dir, h);
	}
}

static void dga_tx(void *state, struct kn_detect_call *c, const struct kn_flow *f,
		   const char *app_proto, const struct kn_tx *tx)
{
	struct dga_det *g = state;
	const uint8_t *name;
	uint32_t len;

	if (!g->model || !tx->buffer || !app_proto || strcmp(app_proto, "dns") != 0)
		return;
	for (unsigned i = 0; i < 16 && tx->buffer(tx, KN_BUF_DNS_QUERY, i, &name, &len); i++)
		if (len)
			on_name(g, c, f, tx->dir, name, len);
}

const struct kn_detector kn_detector_dga = {
	.name = "dga",
	.ctx_size = sizeof(struct dga_det),
	.init = dga_init,
	.fini = dga_fini,
	.tx = dga_tx,
	.memuse = dga_memuse,
};
