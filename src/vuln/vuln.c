/*
 * vuln.c - the per-worker vulnerability context: judges each asset the
 * app layer reports, once per distinct asset, and reports new assets, weak
 * TLS and CVE matches through its hooks.
 *
 * Vuln stage, called from the worker's app-layer asset hook on the flow's
 * thread; nothing here locks (the feed is read-only, the deduplication
 * table is the context's own). See include/kenchi/vuln.h for what makes an
 * asset or a finding new.
 */
#include "kenchi/vuln.h"

#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/random.h>
#include <time.h>

#include "util/alloc.h"
#include "vuln/vuln_int.h"

struct kn_vuln_ctx {
	struct kn_vuln_config cfg;
	const struct kn_vuln_feed *feed;   /* borrowed, may be NULL */
	struct kn_vuln_hooks hooks;
	struct vuln_seen seen;
	uint8_t key[16];                   /* SipHash key of the digests */
	struct kn_vuln_cve *cves;          /* cfg.max_cves, reused per match */
	struct kn_vuln_stats st;
};

void kn_vuln_config_default(struct kn_vuln_config *cfg)
{
	memset(cfg, 0, sizeof *cfg);
	cfg->max_entries = 65536;
	cfg->max_cves = 50;
}

/* A random hash key; falls back to the clock (collisions then become
 * guessable, which only matters against a crafted banner). */
static void random_key(uint8_t key[16])
{
	if (getrandom(key, 16, GRND_NONBLOCK) == 16)
		return;
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	uint64_t a = ((uint64_t)ts.tv_nsec * 0x9e3779b97f4a7c15ULL) ^ (uint64_t)ts.tv_sec;
	uint64_t b = ((uint64_t)(uintptr_t)key * 0xbf58476d1ce4e5b9ULL) ^ a;
	memcpy(key, &a, 8);
	memcpy(key + 8, &b, 8);
}

struct kn_vuln_ctx *kn_vuln_ctx_new(const struct kn_vuln_config *cfg,
				    const struct kn_vuln_feed *feed,
				    const struct kn_vuln_hooks *hooks, char *errbuf)
{
	struct kn_vuln_ctx *ctx;

	if (!cfg || cfg->max_entries < 1 || cfg->max_entries > (1u << 26) || cfg->max_cves < 1 ||
	    cfg->max_cves > 10000) {
		snprintf(errbuf, KN_ERRBUF_SIZE, "vuln: max_entries must be 1..67108864 and "
			 "max_cves 1..10000");
		return NULL;
	}
	ctx = kn_calloc(1, sizeof *ctx);
	if (!ctx || !(ctx->cves = kn_calloc(cfg->max_cves, sizeof *ctx->cves))) {
		kn_free(ctx);
		snprintf(errbuf, KN_ERRBUF_SIZE, "vuln: out of memory");
		return NULL;
	}
	ctx->cfg = *cfg;
	ctx->feed = feed;
	if (hooks)
		ctx->hooks = *hooks;
	random_key(ctx->key);
	if (vuln_seen_init(&ctx->seen, cfg->max_entries) != 0) {
		kn_vuln_ctx_free(ctx);
		snprintf(errbuf, KN_ERRBUF_SIZE, "vuln: out of memory");
		return NULL;
	}
	return ctx;
}

void kn_vuln_ctx_free(struct kn_vuln_ctx *ctx)
{
	if (!ctx)
		return;
	vuln_seen_fini(&ctx->seen);
	kn_free(ctx->cves);
	kn_free(ctx);
}

const struct kn_vuln_stats *kn_vuln_ctx_stats(const struct kn_vuln_ctx *ctx)
{
	return &ctx->st;
}

/* ---------------------------------------------------------- digests */

/* The serialised identity of an asset or finding, fed to SipHash. Each
 * field is length-prefixed, so no two field lists serialise alike. */
struct keybuf {
	uint8_t b[2048];   /* the longest key (all strings at 200 bytes) needs ~1300 */
	size_t n;
};

static void key_bytes(struct keybuf *k, const void *p, size_t n)
{
	if (k->n + 2 + n > sizeof k->b)
		return;  /* cannot happen: key_str digests strings over 200 bytes */
	k->b[k->n++] = (uint8_t)(n >> 8);
	k->b[k->n++] = (uint8_t)n;
	memcpy(k->b + k->n, p, n);
	k->n += n;
}

static void key_str(struct keybuf *k, const uint8_t hkey[16], const char *s)
{
	size_t n = s ? strlen(s) : 0;
	if (n > 200) {  /* long text (certificate names): its digest stands for it */
		uint64_t h[2];
		vuln_siphash128(hkey, s, n, h);
		key_bytes(k, h, sizeof h);
		return;
	}
	key_bytes(k, s ? s : "", n);
}

static void key_u64(struct keybuf *k, uint64_t v)
{
	key_bytes(k, &v, sizeof v);
}

/* Host address (with its VLANs: overlapping address spaces stay apart),
 * role and server port: the common start of every key. */
static void key_head(struct keybuf *k, char tag, const struct kn_flow *flow,
		     const struct kn_asset *a)
{
	int role = a->role;
	const struct kn_addr *host = a->host ? a->host
				     : role == KN_ASSET_CLIENT ? &flow->key.src : &flow->key.dst;
	k->n = 0;
	key_bytes(k, &tag, 1);
	key_bytes(k, host->b, sizeof host->b);
	key_u64(k, ((uint64_t)flow->key.ip_version << 40) | ((uint64_t)role << 32) |
		   ((uint64_t)flow->key.proto << 16) | flow->key.dport);
	key_u64(k, ((uint64_t)flow->key.vlan[0] << 16) | flow->key.vlan[1]);
}

/* 1 when the key was not seen before (it is recorded now). */
static int first_time(struct kn_vuln_ctx *ctx, struct keybuf *k)
{
	uint64_t h[2];
	vuln_siphash128(ctx->key, k->b, k->n, h);
	int rc = vuln_seen_add(&ctx->seen, h);
	/* Out of memory: report rather than stay silent (may repeat). */
	return rc != 0;
}

static int asset_is_new(struct kn_vuln_ctx *ctx, const struct kn_flow *flow,
			const struct kn_asset *a)
{
	struct keybuf k;

	key_head(&k, 'a', flow, a);
	key_str(&k, ctx->key, a->service);
	key_str(&k, ctx->key, a->product);
	key_str(&k, ctx->key, a->version);
	key_str(&k, ctx->key, a->hostname);
	if (a->tls) {
		key_u64(&k, a->tls->version);
		key_str(&k, ctx->key, a->tls->subject);
		key_str(&k, ctx->key, a->tls->issuer);
		key_u64(&k, (uint64_t)a->tls->not_before);
		key_u64(&k, (uint64_t)a->tls->not_after);
	}
	return first_time(ctx, &k);
}

/* --------------------------------------------------------- findings */

static void weak_tls(struct kn_vuln_ctx *ctx, const struct kn_flow *flow,
		     const struct kn_asset *a, uint64_t ts_ns)
{
	struct kn_vuln_finding fs[KN_VULN_MAX_FINDINGS];
	unsigned n = kn_vuln_tls_findings(a->tls, (int64_t)(ts_ns / 1000000000ull), fs);
	struct keybuf k;

	if (!n)
		return;
	key_head(&k, 't', flow, a);
	for (unsigned i = 0; i < n; i++) {
		key_u64(&k, fs[i].type);
		key_str(&k, ctx->key, fs[i].name);
		key_u64(&k, (uint64_t)fs[i].when);
	}
	if (!first_time(ctx, &k))
		return;
	const struct kn_vuln_report r = {
		.kind = KN_VULN_WEAK_TLS, .asset = a, .findings = fs, .n_findings = n,
	};
	ctx->st.vuln_weak_tls++;
	if (ctx->hooks.vuln)
		ctx->hooks.vuln(ctx->hooks.user, flow, &r, ts_ns);
}

static void software(struct kn_vuln_ctx *ctx, const struct kn_flow *flow,
		     const struct kn_asset *a, uint64_t ts_ns)
{
	struct keybuf k;

	if (!ctx->feed || !ctx->feed->n_rules || !a->product || !a->version)
		return;
	key_head(&k, 's', flow, a);
	key_str(&k, ctx->key, a->product);
	key_str(&k, ctx->key, a->version);
	if (!first_time(ctx, &k))
		return;
	/* Clients name themselves freely ("Mozilla/5.0"): only products of the
	 * table are matched for them, never the NAME:NAME guess. */
	unsigned total = vuln_feed_match(ctx->feed, a->product, a->version, ctx->cves,
					 ctx->cfg.max_cves, a->role == KN_ASSET_SERVER);
	if (!total)
		return;
	const struct kn_vuln_report r = {
		.kind = KN_VULN_SOFTWARE, .asset = a, .cves = ctx->cves,
		.n_cves = total < ctx->cfg.max_cves ? total : ctx->cfg.max_cves,
		.cves_total = total,
	};
	ctx->st.vuln_software++;
	if (ctx->hooks.vuln)
		ctx->hooks.vuln(ctx->hooks.user, flow, &r, ts_ns);
}

void kn_vuln_asset(struct kn_vuln_ctx *ctx, const struct kn_flow *flow,
		   const struct kn_asset *a, uint64_t ts_ns)
{
	if (!ctx || !flow || !a)
		return;
	ctx->st.assets++;
	if (asset_is_new(ctx, flow, a)) {
		ctx->st.asset_events++;
		if (ctx->hooks.asset)
			ctx->hooks.asset(ctx->hooks.user, flow, a, ts_ns);
		if (a->tls)
			weak_tls(ctx, flow, a, ts_ns);
		software(ctx, flow, a, ts_ns);
	}
	ctx->st.evictions = ctx->seen.evictions;
	ctx->st.entries = ctx->seen.n;
	ctx->st.mem_in_use = vuln_seen_bytes(&ctx->seen) + sizeof *ctx +
			     (size_t)ctx->cfg.max_cves * sizeof *ctx->cves;
}
