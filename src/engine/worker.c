/*
 * worker.c - one pipeline worker: flow table -> stream reassembly -> EVE
 * flow events, for the packets of the flows it owns; worker 0 also gives
 * the ARP packets (no flow) to its behaviour detectors.
 *
 * A worker is driven either directly by the reader (one thread) or by its
 * ring in threaded mode (dispatch.c). Everything here is single-threaded:
 * the only shared object touched is the EVE sink, through the worker's own
 * batch writer (one sink lock per full batch).
 */
#include <stdio.h>
#include <string.h>

#include "engine_int.h"

/* Stream data goes on to the application layer. */
static void on_stream_data(void *user, struct kn_flow *flow, int dir, const uint8_t *data,
			   uint32_t len, uint64_t offset, unsigned flags)
{
	struct worker *w = user;
	(void)offset;
	if (flags & KN_STREAM_GAP)
		w->stream_gaps++;
	else
		w->stream_bytes += len;
	kn_app_stream_data(w->app, flow, dir, data, len, flags);
}

static void put_json(struct worker *w)
{
	size_t len;
	const char *text = kn_json_text(&w->json, &len);
	if (text)
		kn_eve_writer_put(&w->eve, text, len);
	else
		w->json_overflows++;
}

/* Community ID of a flow, or NULL (into buf). It depends on the key alone
 * and costs a SHA-1 (~2.2k instructions with the worker's own context).
 * A flow's app-layer events come in runs, its flow event much later, after
 * many other flows' events: the ID of a flow with app-layer events is kept
 * in the cache until its flow event (`last`, always the flow's last
 * event), which takes it out, so the cache holds live flows only. When a
 * set is full, a slot chosen by flow id is reused (the flow that had it
 * is hashed again later). */
static const char *flow_cid(struct worker *w, const struct kn_flow *f, char *buf, int last)
{
	unsigned set = (unsigned)(f->flow_id % WORKER_CID_SETS);
	uint64_t *ids = w->cid_cache->flow_id[set];
	struct worker_cid *slots = w->cid_cache->slot[set];
	unsigned way;

	for (way = 0; way < WORKER_CID_WAYS; way++) {
		if (ids[way] != f->flow_id || memcmp(&slots[way].key, &f->key, sizeof f->key) != 0)
			continue;
		memcpy(buf, slots[way].cid, sizeof slots[way].cid);
		if (last)
			ids[way] = 0;
		return buf;
	}
	if (kn_community_id_with(w->cid_ctx, &f->key, w->cid_seed, buf) != 0)
		return NULL;
	if (last)
		return buf;
	for (way = 0; way < WORKER_CID_WAYS && ids[way]; way++)
		;
	if (way == WORKER_CID_WAYS)
		way = (unsigned)(f->flow_id / WORKER_CID_SETS % WORKER_CID_WAYS);
	ids[way] = f->flow_id;
	slots[way].key = f->key;
	memcpy(slots[way].cid, buf, sizeof slots[way].cid);
	return buf;
}

/* The flow's midstream policy (stream.h) when it was picked up mid-stream:
 * KN_MIDSTREAM_PASS_FLOW and _BYPASS keep it from the signatures. */
static int flow_policy(const struct worker *w, const struct kn_flow *f)
{
	int policy = w->eng->cfg.stream.midstream_policy;
	return policy != KN_MIDSTREAM_IGNORE && kn_flow_tcp_pickup(f) ? policy
								       : KN_MIDSTREAM_IGNORE;
}

static void on_app_tx(void *user, const struct kn_flow *flow, const char *app_proto,
		      const struct kn_tx *tx, uint64_t ts_ns, uint64_t pcap_cnt)
{
	struct worker *w = user;
	char cid[KN_COMMUNITY_ID_LEN];

	kn_eve_app_tx(&w->json, flow, app_proto, tx, ts_ns, pcap_cnt, flow_cid(w, flow, cid, 0));
	put_json(w);
	kn_detect_tx(w->det, flow, app_proto, tx, ts_ns, pcap_cnt);
	if (w->sig && !flow_policy(w, flow))
		kn_sig_tx(w->sig, flow, app_proto, tx, ts_ns, pcap_cnt);
}

/* A signature matched. */
static void on_alert(void *user, const struct kn_sig_alert *a)
{
	struct worker *w = user;
	char cid[KN_COMMUNITY_ID_LEN];

	kn_eve_alert(&w->json, a, a->flow ? flow_cid(w, a->flow, cid, 0) : NULL);
	put_json(w);
}

/* A behaviour detector's finding. */
static void on_detection(void *user, const struct kn_detection *d)
{
	struct worker *w = user;
	char cid[KN_COMMUNITY_ID_LEN];

	if (d->flow)
		kn_eve_detection(&w->json, d, flow_cid(w, d->flow, cid, 0));
	else if (w->cur_pkt)   /* a link-layer finding (ARP): about the packet */
		kn_eve_packet_detection(&w->json, w->cur_pkt, d, NULL);
	else
		return;
	put_json(w);
}

static void on_verdict(void *user, const struct kn_detection *d)
{
	struct worker *w = user;

	engine_verdict_note(w->eng, d);
}

static void on_app_event(void *user, const struct kn_flow *flow, const char *app_proto, int dir,
			 const char *layer, const char *event, uint64_t ts_ns, uint64_t pcap_cnt)
{
	struct worker *w = user;
	char cid[KN_COMMUNITY_ID_LEN];

	kn_eve_app_anomaly(&w->json, flow, app_proto, dir, layer, event, ts_ns, pcap_cnt,
			   flow_cid(w, flow, cid, 0));
	put_json(w);
	if (w->sig && !flow_policy(w, flow))
		kn_sig_app_event(w->sig, flow, app_proto, dir, event, ts_ns, pcap_cnt);
}

/* Software seen by a parser: judged by the vulnerability context, which
 * calls back below with what is new. */
static void on_app_asset(void *user, const struct kn_flow *flow, const char *app_proto,
			 const struct kn_asset *a, uint64_t ts_ns)
{
	struct worker *w = user;
	(void)app_proto;
	kn_vuln_asset(w->vuln, flow, a, ts_ns);
}

static void on_vuln_asset(void *user, const struct kn_flow *flow, const struct kn_asset *a,
			  uint64_t ts_ns)
{
	struct worker *w = user;
	char cid[KN_COMMUNITY_ID_LEN];

	kn_eve_asset(&w->json, flow, a, ts_ns, flow_cid(w, flow, cid, 0));
	put_json(w);
}

static void on_vuln_report(void *user, const struct kn_flow *flow,
			   const struct kn_vuln_report *r, uint64_t ts_ns)
{
	struct worker *w = user;
	char cid[KN_COMMUNITY_ID_LEN];

	kn_eve_vuln(&w->json, flow, r, ts_ns, flow_cid(w, flow, cid, 0));
	put_json(w);
}

static void on_flow_end(void *user, struct kn_flow *f, int reason, uint64_t now_ns)
{
	struct worker *w = user;
	char cid[KN_COMMUNITY_ID_LEN];
	const char *app_proto = NULL, *app_orig = NULL;

	kn_app_set_packet(w->app, now_ns, 0);
	if (f->stream)
		kn_stream_flow_end(w->streams, f);
	if (f->app)
		app_proto = kn_app_flow_end(w->app, f, now_ns, &app_orig);
	kn_eve_flow_app(&w->json, f, reason, now_ns, flow_cid(w, f, cid, 1), app_proto, app_orig);
	put_json(w);
	if (w->sig)
		kn_sig_flow_end(w->sig, f);
	w->flow_events++;
	w->flow_pkts += f->pkts[0] + f->pkts[1];
	w->flow_bytes += f->bytes[0] + f->bytes[1];
}

int worker_init(struct worker *w, struct kn_engine *e, unsigned id, char *errbuf)
{
	memset(w, 0, sizeof *w);
	w->id = id;
	w->eng = e;
	w->cid_seed = e->cfg.community_id_seed;
	pthread_mutex_init(&w->pub_lock, NULL);
	w->flows = kn_flow_table_new(&e->cfg.flow, on_flow_end, w, id, errbuf);
	if (!w->flows)
		return -KN_ENOMEM;
	w->streams = kn_stream_ctx_new(&e->cfg.stream, on_stream_data, w, errbuf);
	if (!w->streams)
		return -KN_ENOMEM;
	const struct kn_app_hooks hooks = {
		.tx = on_app_tx, .event = on_app_event, .asset = on_app_asset, .user = w,
	};
	w->app = kn_app_ctx_new(&e->cfg.app, &hooks, errbuf);
	if (!w->app)
		return -KN_ENOMEM;
	const struct kn_vuln_hooks vhooks = {
		.asset = on_vuln_asset, .vuln = on_vuln_report, .user = w,
	};
	w->vuln = kn_vuln_ctx_new(&e->cfg.vuln, e->vuln_feed, &vhooks, errbuf);
	if (!w->vuln)
		return -KN_ENOMEM;
	const struct kn_detect_callbacks dhooks = {
		.report = on_detection, .verdict = e->verdict ? on_verdict : NULL, .user = w,
	};
	w->det = kn_detect_ctx_new(&e->cfg.detect, &dhooks, errbuf);
	if (!w->det)
		return -KN_ENOMEM;
	if (e->cfg.sig) {
		const struct kn_sig_hooks shooks = { .alert = on_alert, .user = w };
		w->sig = kn_sig_ctx_new(e->cfg.sig, &e->cfg.sig_cfg, &shooks, errbuf);
		if (!w->sig)
			return -KN_ENOMEM;
		w->sig_gen = 1;
		atomic_store(&w->sig_engine, e->cfg.sig);
	}
	w->cid_ctx = kn_community_id_ctx_new();
	w->cid_cache = kn_calloc(1, sizeof *w->cid_cache);
	if (!w->cid_ctx || !w->cid_cache || kn_json_init(&w->json, 4096, 1 << 20) != 0 ||
	    kn_eve_writer_init(&w->eve, e->sink, WORKER_EVE_BATCH) != 0) {
		snprintf(errbuf, KN_ERRBUF_SIZE, "worker %u: out of memory", id);
		return -KN_ENOMEM;
	}
	return 0;
}

void worker_fini(struct worker *w)
{
	kn_eve_writer_fini(&w->eve);
	kn_json_fini(&w->json);
	kn_flow_table_free(w->flows);
	kn_stream_ctx_free(w->streams);
	kn_app_ctx_free(w->app);
	kn_vuln_ctx_free(w->vuln);
	kn_detect_ctx_free(w->det);
	kn_sig_ctx_free(w->sig);
	kn_community_id_ctx_free(w->cid_ctx);
	kn_free(w->cid_cache);
	for (uint64_t i = 0; w->ring.slots && i < w->ring.size; i++)
		kn_free(w->ring.slots[i].big);
	kn_free(w->ring.slots);
	pthread_mutex_destroy(&w->pub_lock);
}

/* Rules were reloaded: a context on the new engine replaces the old one
 * (whose counters are kept in sig_base). If it cannot be made, the worker
 * keeps the old rules (the engine stays in use, so it is not freed). */
void worker_sig_switch(struct worker *w)
{
	char err[KN_ERRBUF_SIZE];
	uint64_t gen;
	const struct kn_sig_engine *next = engine_sig_current(w->eng, &gen);
	const struct kn_sig_hooks hooks = { .alert = on_alert, .user = w };
	struct kn_sig_ctx *c = kn_sig_ctx_new(next, &w->eng->cfg.sig_cfg, &hooks, err);

	w->sig_gen = gen;
	if (!c)
		return;
	stats_add_sig(&w->sig_base, kn_sig_ctx_stats(w->sig));
	kn_sig_ctx_free(w->sig);
	w->sig = c;
	atomic_store(&w->sig_engine, next);
}

/* The per-packet path of a worker. now_ns is the global packet clock, so
 * timeouts fire identically whatever the number of workers. */
void worker_packet(struct worker *w, struct kn_packet *pkt, uint64_t now_ns)
{
	if (w->sig && KN_UNLIKELY(atomic_load_explicit(&w->eng->sig_next_gen,
						       memory_order_relaxed) != w->sig_gen))
		worker_sig_switch(w);
	if (KN_UNLIKELY(pkt->flags & KN_PKT_ARP)) {
		worker_link(w, pkt, now_ns);   /* threaded mode: ARP came by the ring */
		return;
	}
	kn_flow_table_timeout(w->flows, now_ns);
	if (!kn_flow_lookup(w->flows, pkt))
		return;
	kn_app_set_packet(w->app, pkt->ts_ns, pkt->index);
	kn_detect_packet(w->det, pkt);
	int policy = pkt->proto == 6 ? flow_policy(w, pkt->flow) : KN_MIDSTREAM_IGNORE;
	if (pkt->proto == 6 && policy != KN_MIDSTREAM_BYPASS)
		kn_stream_packet(w->streams, pkt);
	else if (pkt->proto == 17)
		kn_app_udp(w->app, pkt);
	/* after the app layer saw the packet: its flow's protocol is known */
	if (w->sig && policy == KN_MIDSTREAM_IGNORE) {
		kn_sig_packet(w->sig, pkt);
		if (KN_UNLIKELY(pkt->n_events))
			kn_sig_decoder(w->sig, pkt);
	}
	if (++w->since_publish >= 4096) {
		w->since_publish = 0;
		worker_publish(w);
	}
}

void worker_link(struct worker *w, const struct kn_packet *pkt, uint64_t now_ns)
{
	kn_flow_table_timeout(w->flows, now_ns);
	w->cur_pkt = pkt;
	kn_detect_packet(w->det, pkt);
	w->cur_pkt = NULL;
}

/* End of input: expire what timed out by the final clock, flush the rest. */
void worker_finish(struct worker *w, uint64_t now_ns)
{
	kn_flow_table_timeout(w->flows, now_ns);
	kn_flow_table_flush(w->flows, now_ns);
	kn_eve_writer_flush(&w->eve);
	worker_publish(w);
}

static void snapshot_now(struct worker *w, struct worker_stats *s)
{
	s->flow = *kn_flow_table_stats(w->flows);
	s->stream = *kn_stream_ctx_stats(w->streams);
	s->app = *kn_app_ctx_stats(w->app);
	s->vuln = *kn_vuln_ctx_stats(w->vuln);
	if (w->sig) {
		s->sig = w->sig_base;
		stats_add_sig(&s->sig, kn_sig_ctx_stats(w->sig));
	}
	s->flow_events = w->flow_events;
	s->flow_pkts = w->flow_pkts;
	s->flow_bytes = w->flow_bytes;
	s->json_overflows = w->json_overflows;
	s->stream_bytes = w->stream_bytes;
	s->stream_gaps = w->stream_gaps;
}

/* Copies the live counters to the published snapshot (threaded mode). */
void worker_publish(struct worker *w)
{
	struct worker_stats s;
	snapshot_now(w, &s);
	pthread_mutex_lock(&w->pub_lock);
	w->pub = s;
	pthread_mutex_unlock(&w->pub_lock);
}

void worker_snapshot(struct worker *w, struct worker_stats *out)
{
	if (w->eng->n_workers == 1) {
		snapshot_now(w, out);
		return;
	}
	pthread_mutex_lock(&w->pub_lock);
	*out = w->pub;
	pthread_mutex_unlock(&w->pub_lock);
}
