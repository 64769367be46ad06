/*
 * worker.c - one pipeline worker: flow table -> stream reassembly -> EVE
 * flow events, for the packets of the flows it owns.
 *
 * A worker is driven either directly by the reader (one thread) or by its
 * ring in threaded mode (dispatch.c). Everything here is single-threaded:
 * the only shared object touched is the EVE sink, through the worker's own
 * batch writer (one sink lock per full batch).
 */
#include <stdio.h>
#include <string.h>

#include "engine_int.h"

/* Stream data arrives here; the application layer will plug in at this
 * point. Until then the worker accounts for what was reassembled. */
static void on_stream_data(void *user, struct kn_flow *flow, int dir, const uint8_t *data,
			   uint32_t len, uint64_t offset, unsigned flags)
{
	struct worker *w = user;
	(void)flow, (void)dir, (void)data, (void)offset;
	if (flags & KN_STREAM_GAP)
		w->stream_gaps++;
	else
		w->stream_bytes += len;
}

static void on_flow_end(void *user, struct kn_flow *f, int reason, uint64_t now_ns)
{
	struct worker *w = user;
	char cid[KN_COMMUNITY_ID_LEN];
	size_t len;
	const char *text;

	if (f->stream)
		kn_stream_flow_end(w->streams, f);
	if (kn_community_id(&f->key, w->cid_seed, cid) != 0)
		cid[0] = '\0';
	kn_json_reset(&w->json);
	kn_eve_flow(&w->json, f, reason, now_ns, cid[0] ? cid : NULL);
	text = kn_json_text(&w->json, &len);
	if (text)
		kn_eve_writer_put(&w->eve, text, len);
	else
		w->json_overflows++;
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
	if (kn_json_init(&w->json, 4096, 1 << 20) != 0 ||
	    kn_eve_writer_init(&w->eve, e->sink, 1 << 16) != 0) {
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
	for (uint64_t i = 0; w->ring.slots && i < w->ring.size; i++)
		kn_free(w->ring.slots[i].big);
	kn_free(w->ring.slots);
	pthread_mutex_destroy(&w->pub_lock);
}

/* The per-packet path of a worker. now_ns is the global packet clock, so
 * timeouts fire identically whatever the number of workers. */
void worker_packet(struct worker *w, struct kn_packet *pkt, uint64_t now_ns)
{
	kn_flow_table_timeout(w->flows, now_ns);
	if (!kn_flow_lookup(w->flows, pkt))
		return;
	if (pkt->proto == 6)
		kn_stream_packet(w->streams, pkt);
	if (++w->since_publish >= 4096) {
		w->since_publish = 0;
		worker_publish(w);
	}
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
