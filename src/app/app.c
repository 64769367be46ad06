/*
 * app.c - the application-layer context: per-flow protocol detection by
 * content, parser state, and the calls parsers make back (transactions,
 * anomalies, assets, memory accounting).
 *
 * App stage, fed by the worker with reassembled TCP bytes and UDP payloads.
 * Detection: while a flow has no protocol, the first bytes of each
 * direction are kept (at most probe_max per direction) and shown to every
 * parser's probe. A YES decides; among several YES, one whose well-known
 * ports match the flow wins (ports are only a tie-breaker). MORE waits for
 * more bytes; when every parser says NO, or probe_max is reached, or a gap
 * hits a direction, that direction has failed; the flow has failed when
 * both have (or at the end, when data was seen and nothing matched). Once
 * decided, the kept bytes of both directions are handed to the parser, the
 * direction that spoke first first; bytes of a direction that were lost or
 * could not be kept reach the parser as a gap (never as joined data).
 * Parsers that ask for it also get a per-context state (caches shared by
 * the flows of one worker), created and freed with the context. Flow
 * records, probe buffers and parser states of ended flows are kept on the
 * context's free lists (a few dozen each) for the next flows.
 */
#include "kenchi/app.h"

#include <stdio.h>
#include <string.h>

#include "app/app_int.h"
#include "kenchi/stream.h"
#include "util/alloc.h"

#if defined(__SANITIZE_ADDRESS__)
#define APP_ASAN 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define APP_ASAN 1
#endif
#endif
#ifdef APP_ASAN
#include <sanitizer/asan_interface.h>
#endif

void kn_app_config_default(struct kn_app_config *cfg)
{
	memset(cfg, 0, sizeof *cfg);
	cfg->memcap = 64ull << 20;
	cfg->probe_max = 2048;
	cfg->enabled = 1;
	cfg->http_decompress_layers = 2;
}

/* ------------------------------------------------------ free lists */

/* Takes a block of a list (or allocates one of `size` bytes), zeroed when
 * `zero` (as kn_calloc() would give it). Under ASan a kept block is
 * poisoned, so a use after its release is still reported. */
static void *block_get(struct app_free_list *fl, size_t size, int zero)
{
	void *b;

	if (!fl->n)
		return zero ? kn_calloc(1, size) : kn_malloc(size);
	b = fl->block[--fl->n];
#ifdef APP_ASAN
	ASAN_UNPOISON_MEMORY_REGION(b, size);
#endif
	if (zero)
		memset(b, 0, size);
	return b;
}

static void block_put(struct app_free_list *fl, void *b, size_t size)
{
	if (!b)
		return;
	if (fl->n >= APP_FREE_MAX) {
		kn_free(b);
		return;
	}
	fl->block[fl->n++] = b;
#ifdef APP_ASAN
	ASAN_POISON_MEMORY_REGION(b, size);
#endif
	(void)size;
}

static void free_list_drain(struct app_free_list *fl, size_t size)
{
	while (fl->n)
		kn_free(block_get(fl, size, 0));
}

uint8_t *app_probe_buf_get(struct kn_app_ctx *ctx)
{
	return block_get(&ctx->free_probes, ctx->cfg.probe_max, 0);
}

void app_probe_buf_put(struct kn_app_ctx *ctx, uint8_t *buf)
{
	block_put(&ctx->free_probes, buf, ctx->cfg.probe_max);
}

/* ------------------------------------------------------- context */

/* The probe lists of TCP and UDP (see struct kn_app_ctx). */
static int probers_new(struct kn_app_ctx *ctx)
{
	static const unsigned bits[2] = { KN_APP_TCP, KN_APP_UDP };
	unsigned n = kn_app_parser_count();

	for (int t = 0; t < 2; t++) {
		unsigned k = 0;
		ctx->probers[t] = kn_calloc((size_t)n + 1, sizeof *ctx->probers[t]);
		if (!ctx->probers[t])
			return -KN_ENOMEM;
		for (unsigned id = 1; id <= n; id++) {
			const struct kn_app_parser *p = kn_app_parser_get(id);
			if ((p->ipprotos & bits[t]) && p->probe)
				ctx->probers[t][k++] = (struct app_prober){ .p = p, .id = id };
		}
	}
	return 0;
}

/* The per-context state of each parser that asks for one. A parser whose
 * ctx_init fails runs without (NULL); only the pointer array is required. */
static int parser_ctx_new(struct kn_app_ctx *ctx)
{
	unsigned n = kn_app_parser_count();

	ctx->parser_ctx = kn_calloc((size_t)n + 1, sizeof *ctx->parser_ctx);
	ctx->free_states = kn_calloc((size_t)n + 1, sizeof *ctx->free_states);
	if (!ctx->parser_ctx || !ctx->free_states)
		return -KN_ENOMEM;
	for (unsigned id = 1; id <= n; id++) {
		const struct kn_app_parser *p = kn_app_parser_get(id);
		void *pctx;
		if (!p->ctx_size)
			continue;
		pctx = kn_calloc(1, p->ctx_size);
		if (pctx && p->ctx_init && p->ctx_init(pctx, &ctx->cfg) != 0) {
			kn_free(pctx);
			pctx = NULL;
		}
		ctx->parser_ctx[id] = pctx;
	}
	return 0;
}

void *app_parser_ctx(struct kn_app_ctx *ctx, unsigned id)
{
	return ctx->parser_ctx && id >= 1 && id <= kn_app_parser_count() ? ctx->parser_ctx[id]
									   : NULL;
}

void *kn_app_parser_ctx(struct kn_app_call *c)
{
	return c->pctx;
}

struct kn_app_ctx *kn_app_ctx_new(const struct kn_app_config *cfg,
				  const struct kn_app_hooks *hooks, char *errbuf)
{
	struct kn_app_ctx *ctx;

	if (!cfg || cfg->probe_max < 16 || cfg->probe_max > (1u << 20)) {
		snprintf(errbuf, KN_ERRBUF_SIZE,
			 "app layer: probe_max must be 16..1048576 bytes");
		return NULL;
	}
	ctx = kn_calloc(1, sizeof *ctx);
	if (!ctx) {
		snprintf(errbuf, KN_ERRBUF_SIZE, "app layer: out of memory");
		return NULL;
	}
	ctx->cfg = *cfg;
	if (hooks)
		ctx->hooks = *hooks;
	if (parser_ctx_new(ctx) != 0 || probers_new(ctx) != 0) {
		kn_app_ctx_free(ctx);
		snprintf(errbuf, KN_ERRBUF_SIZE, "app layer: out of memory");
		return NULL;
	}
	return ctx;
}

void kn_app_ctx_free(struct kn_app_ctx *ctx)
{
	if (!ctx)
		return;
	for (unsigned id = 1; ctx->parser_ctx && id <= kn_app_parser_count(); id++) {
		const struct kn_app_parser *p = kn_app_parser_get(id);
		if (!ctx->parser_ctx[id])
			continue;
		if (p->ctx_free)
			p->ctx_free(ctx->parser_ctx[id]);
		kn_free(ctx->parser_ctx[id]);
	}
	for (unsigned id = 1; ctx->free_states && id <= kn_app_parser_count(); id++)
		free_list_drain(&ctx->free_states[id], kn_app_parser_get(id)->state_size);
	free_list_drain(&ctx->free_flows, sizeof(struct app_flow));
	free_list_drain(&ctx->free_probes, ctx->cfg.probe_max);
	kn_free(ctx->free_states);
	kn_free(ctx->probers[0]);
	kn_free(ctx->probers[1]);
	kn_free(ctx->parser_ctx);
	kn_free(ctx);
}

void kn_app_set_packet(struct kn_app_ctx *ctx, uint64_t ts_ns, uint64_t pcap_cnt)
{
	ctx->ts_ns = ts_ns;
	ctx->pcap_cnt = pcap_cnt;
}

const struct kn_app_stats *kn_app_ctx_stats(const struct kn_app_ctx *ctx)
{
	return &ctx->stats;
}

/* ------------------------------------------------------- memory */

/* The memcap bounds flow memory (mem_in_use) and per-context memory
 * (mem_ctx) together; `account` is the one charged. */
static int charge(struct kn_app_ctx *ctx, uint64_t *account, size_t bytes)
{
	uint64_t used = ctx->stats.mem_in_use + ctx->stats.mem_ctx;

	if (bytes > ctx->cfg.memcap || used > ctx->cfg.memcap - bytes) {
		ctx->stats.memcap_refusals++;
		return -KN_ENOMEM;
	}
	*account += bytes;
	if (used + bytes > ctx->stats.mem_peak)
		ctx->stats.mem_peak = used + bytes;
	return 0;
}

static void credit(uint64_t *account, size_t bytes)
{
	*account -= bytes < *account ? bytes : *account;
}

int kn_app_mem_charge(struct kn_app_call *c, size_t bytes)
{
	return app_mem_charge(c->ctx, bytes);
}

void kn_app_mem_credit(struct kn_app_call *c, size_t bytes)
{
	app_mem_credit(c->ctx, bytes);
}

int kn_app_ctx_mem_charge(struct kn_app_call *c, size_t bytes)
{
	return charge(c->ctx, &c->ctx->stats.mem_ctx, bytes);
}

void kn_app_ctx_mem_credit(struct kn_app_call *c, size_t bytes)
{
	credit(&c->ctx->stats.mem_ctx, bytes);
}

int app_mem_charge(struct kn_app_ctx *ctx, size_t bytes)
{
	return charge(ctx, &ctx->stats.mem_in_use, bytes);
}

void app_mem_credit(struct kn_app_ctx *ctx, size_t bytes)
{
	credit(&ctx->stats.mem_in_use, bytes);
}

/* ------------------------------------------------ calls from parsers */

void kn_app_log(struct kn_app_call *c, const struct kn_tx *tx)
{
	c->ctx->stats.txs++;
	if (c->ctx->hooks.tx)
		c->ctx->hooks.tx(c->ctx->hooks.user, c->flow, c->parser->name, tx,
				 c->ctx->ts_ns, c->ctx->pcap_cnt);
}

const struct kn_app_config *kn_app_call_config(const struct kn_app_call *c)
{
	return &c->ctx->cfg;
}

void kn_app_event(struct kn_app_call *c, int dir, const char *event)
{
	app_event(c->ctx, c->flow, c->parser ? c->parser->name : NULL, dir, "proto_parser",
		  event);
}

void app_event(struct kn_app_ctx *ctx, const struct kn_flow *flow, const char *proto, int dir,
	       const char *layer, const char *event)
{
	ctx->stats.events++;
	if (ctx->hooks.event)
		ctx->hooks.event(ctx->hooks.user, flow, proto, dir, layer, event, ctx->ts_ns,
				 ctx->pcap_cnt);
}

void kn_app_asset(struct kn_app_call *c, const struct kn_asset *a)
{
	c->ctx->stats.assets++;
	if (c->ctx->hooks.asset)
		c->ctx->hooks.asset(c->ctx->hooks.user, c->flow, c->parser->name, a,
				    c->ctx->ts_ns);
}

const char *kn_app_flow_orig(const struct kn_app_call *c)
{
	const struct app_flow *af = c->flow->app;
	return af && af->orig_proto ? kn_app_parser_get(af->orig_proto)->name : NULL;
}

void kn_app_opaque(struct kn_app_call *c)
{
	struct app_flow *af = c->flow->app;

	if (af)
		af->opaque = 1;
}

int kn_app_flow_opaque(const struct kn_flow *flow)
{
	const struct app_flow *af = flow->app;

	return af && af->opaque;
}

const struct kn_flow *kn_app_flow(const struct kn_app_call *c)
{
	return c->flow;
}

uint64_t kn_app_time_ns(const struct kn_app_call *c)
{
	return c->ctx->ts_ns;
}

/* ------------------------------------------------------ per flow */

static struct app_flow *flow_state(struct kn_app_ctx *ctx, struct kn_flow *flow)
{
	struct app_flow *af = flow->app;

	if (af)
		return af;
	if (app_mem_charge(ctx, sizeof *af) != 0)
		return NULL;
	af = block_get(&ctx->free_flows, sizeof *af, 1);
	if (!af) {
		app_mem_credit(ctx, sizeof *af);
		ctx->stats.memcap_refusals++;
		return NULL;
	}
	af->first_dir = 0xff;
	flow->app = af;
	return af;
}

static void drop_pending(struct kn_app_ctx *ctx, struct app_flow *af)
{
	for (int d = 0; d < 2; d++) {
		if (af->pend[d]) {
			app_probe_buf_put(ctx, af->pend[d]);
			app_mem_credit(ctx, ctx->cfg.probe_max);
			af->pend[d] = NULL;
		}
		af->pend_len[d] = 0;
		af->lost_before[d] = af->lost_after[d] = 0;
	}
}

/* Gives the flow parser `id` and a fresh state. On memcap refusal the
 * protocol is still known (logged) but nothing is parsed. */
int app_flow_start_parser(struct kn_app_ctx *ctx, struct kn_flow *flow,
			  struct app_flow *af, unsigned id)
{
	const struct kn_app_parser *p = kn_app_parser_get(id);
	struct kn_app_call call = { .ctx = ctx, .flow = flow, .parser = p,
				     .pctx = app_parser_ctx(ctx, id) };

	af->proto = (uint8_t)id;
	af->parser = p;
	af->pctx = call.pctx;
	af->failed = 0;
	if (id < 32)
		ctx->stats.flows_detected[id]++;
	else
		ctx->stats.flows_detected[0]++;
	if (!p->state_size)
		return 0;
	if (app_mem_charge(ctx, p->state_size) != 0)
		goto nomem;
	af->state = block_get(&ctx->free_states[id], p->state_size, 1);
	if (!af->state) {
		app_mem_credit(ctx, p->state_size);
		goto nomem;
	}
	if (p->state_init && p->state_init(af->state, &call) != 0) {
		block_put(&ctx->free_states[id], af->state, p->state_size);
		af->state = NULL;
		app_mem_credit(ctx, p->state_size);
		goto nomem;
	}
	return 0;
nomem:
	af->nomem = 1;
	app_event(ctx, flow, p->name, 0, "proto_parser", "MEMCAP_REACHED");
	return -KN_ENOMEM;
}

void kn_app_switch(struct kn_app_call *c, int dir, const uint8_t *rest, uint32_t rest_len)
{
	struct app_flow *af = c->flow->app;

	if (!af || af->orig_proto || af->switch_pending || dir < 0 || dir > 1)
		return;
	af->switch_pending = 1;
	af->switch_dir = (uint8_t)dir;
	af->switch_rest = rest;
	af->switch_len = rest ? rest_len : 0;
}

/* Ends the current parser (its pending transactions are logged) and frees
 * its state. */
static void stop_parser(struct kn_app_ctx *ctx, struct kn_flow *flow, struct app_flow *af)
{
	const struct kn_app_parser *p = af->parser;
	struct kn_app_call call = { .ctx = ctx, .flow = flow, .parser = p, .pctx = af->pctx };

	if (!p || !af->state)
		return;
	if (p->flow_end)
		p->flow_end(af->state, &call);
	if (p->state_free)
		p->state_free(af->state, &call);
	block_put(&ctx->free_states[af->proto], af->state, p->state_size);
	af->state = NULL;
	app_mem_credit(ctx, p->state_size);
}

/* The parser asked for a protocol change: detection starts again. */
static void do_switch(struct kn_app_ctx *ctx, struct kn_flow *flow, struct app_flow *af)
{
	const uint8_t *rest = af->switch_rest;
	uint32_t len = af->switch_len;
	int dir = af->switch_dir;

	stop_parser(ctx, flow, af);
	af->orig_proto = af->proto;
	af->proto = 0;
	af->parser = NULL;
	af->pctx = NULL;
	af->nomem = 0;
	af->failed = 0;
	af->dir_failed[0] = af->dir_failed[1] = 0;
	af->first_dir = 0xff;
	af->seen_data = 0;
	af->switch_pending = 0;
	af->switch_rest = NULL;
	af->switch_len = 0;
	if (len && flow->key.proto == 6)
		app_detect_tcp(ctx, flow, af, dir, rest, len, 0);
}

/* (static inline: the per-chunk calls below skip a call; detect.c calls
 * app_flow_parse) */
static inline void flow_parse(struct kn_app_ctx *ctx, struct kn_flow *flow, struct app_flow *af,
			      int dir, const uint8_t *data, uint32_t len, unsigned flags)
{
	const struct kn_app_parser *p = af->parser;
	struct kn_app_call call = { .ctx = ctx, .flow = flow, .parser = p, .pctx = af->pctx };

	if (!p || !p->parse || af->nomem || (!af->state && p->state_size))
		return;
	p->parse(af->state, &call, dir, data, len, flags);
	if (af->switch_pending)
		do_switch(ctx, flow, af);
}

void app_flow_parse(struct kn_app_ctx *ctx, struct kn_flow *flow, struct app_flow *af,
		    int dir, const uint8_t *data, uint32_t len, unsigned flags)
{
	flow_parse(ctx, flow, af, dir, data, len, flags);
}

int kn_app_flow_set_proto(struct kn_app_ctx *ctx, struct kn_flow *flow, unsigned id)
{
	struct app_flow *af;

	if (!kn_app_parser_get(id))
		return -KN_EINVAL;
	af = flow_state(ctx, flow);
	if (!af)
		return -KN_ENOMEM;
	if (af->proto)
		return -KN_EINVAL;
	drop_pending(ctx, af);
	return app_flow_start_parser(ctx, flow, af, id) == 0 ? 0 : -KN_ENOMEM;
}

const char *kn_app_proto_of(const struct kn_flow *flow)
{
	const struct app_flow *af = flow->app;

	if (!af)
		return NULL;
	if (af->proto)
		return kn_app_parser_get(af->proto)->name;
	if (af->orig_proto && !af->failed && !af->dir_failed[0] && !af->dir_failed[1] &&
	    !af->pend_len[0] && !af->pend_len[1] && !af->seen_data)
		return kn_app_parser_get(af->orig_proto)->name;  /* nothing after the switch */
	if (af->failed || af->dir_failed[0] || af->dir_failed[1] || af->pend_len[0] ||
	    af->pend_len[1] || af->seen_data)
		return "failed";
	return NULL;
}

const char *kn_app_flow_end(struct kn_app_ctx *ctx, struct kn_flow *flow, uint64_t now_ns,
			    const char **orig)
{
	struct app_flow *af = flow->app;
	const char *name;

	(void)now_ns;
	if (orig)
		*orig = NULL;
	if (!af)
		return NULL;
	if (!af->proto && !af->failed)
		app_detect_finish(ctx, flow, af);
	name = kn_app_proto_of(flow);
	if (orig && af->orig_proto && name != kn_app_parser_get(af->orig_proto)->name)
		*orig = kn_app_parser_get(af->orig_proto)->name;
	if (af->proto) {
		ctx->pcap_cnt = 0;
		af->switch_pending = 1;  /* no switch from a flow_end */
		stop_parser(ctx, flow, af);
	}
	drop_pending(ctx, af);
	block_put(&ctx->free_flows, af, sizeof *af);
	app_mem_credit(ctx, sizeof *af);
	flow->app = NULL;
	return name;
}

/* ------------------------------------------------------- feeding */

void kn_app_stream_data(struct kn_app_ctx *ctx, struct kn_flow *flow, int dir,
			const uint8_t *data, uint32_t len, unsigned stream_flags)
{
	struct app_flow *af;
	unsigned flags = 0;

	if (!ctx->cfg.enabled || dir < 0 || dir > 1)
		return;
	if (stream_flags & KN_STREAM_GAP)
		flags |= KN_APP_GAP;
	if (stream_flags & (KN_STREAM_FIN | KN_STREAM_RST | KN_STREAM_DEPTH | KN_STREAM_END))
		flags |= KN_APP_EOF;
	if (!len && !flow->app)
		return;   /* an end or gap before any byte: nothing to detect */
	af = flow_state(ctx, flow);
	if (!af)
		return;
	if (af->proto) {
		if (len || (flags & KN_APP_EOF))
			flow_parse(ctx, flow, af, dir, (flags & KN_APP_GAP) ? NULL : data, len,
				   flags);
		return;
	}
	if (af->failed) {
		/* (the count and the first byte are checked here: most chunks
		 * of failed flows need no call) */
		if (len && !(flags & KN_APP_GAP) && af->late_chunks < APP_LATE_CHUNKS) {
			if (app_late_candidate(data, dir))
				app_detect_late(ctx, flow, af, dir, data, len, flags);
			else
				af->late_chunks++;
		}
		return;
	}
	app_detect_tcp(ctx, flow, af, dir, data, len, flags);
}

void kn_app_udp(struct kn_app_ctx *ctx, struct kn_packet *pkt)
{
	struct kn_flow *flow = pkt->flow;
	struct app_flow *af;
	const uint8_t *payload = pkt->data + pkt->payload_off;

	if (!ctx->cfg.enabled || !flow || pkt->proto != 17 || pkt->payload_len == 0)
		return;
	af = flow_state(ctx, flow);
	if (!af)
		return;
	if (!af->proto && !af->failed)
		app_detect_udp(ctx, flow, af, pkt->dir, payload, pkt->payload_len);
	if (af->proto)
		flow_parse(ctx, flow, af, pkt->dir, payload, pkt->payload_len, 0);
}

void app_pending_free(struct kn_app_ctx *ctx, struct app_flow *af)
{
	drop_pending(ctx, af);
}
