/*
 * engine.c - the sensor's main loop: open each input in turn, decode every
 * packet, hand IP packets to the worker that owns their flow (and ARP
 * packets to worker 0's behaviour detectors), write each packet's verdict
 * line when asked (--detect-scores, verdict_feed.c), and on the way out
 * flush every flow and write the final statistics.
 *
 * The reader side (this file) owns capture, decode and the decoder-anomaly
 * events; workers (worker.c) own flows and streams. With one worker the
 * worker is called directly; otherwise through dispatch.c.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <unistd.h>

#include "engine_int.h"

#define HOUSEKEEP_EVERY 8192       /* packets between wall-clock checks */
#define EXPIRE_EVERY_NS 1000000000ULL

void kn_engine_config_default(struct kn_engine_config *cfg)
{
	memset(cfg, 0, sizeof *cfg);
	cfg->snaplen = 262144;
	cfg->promisc = 1;
	cfg->workers = 1;
	cfg->eve_kind = KN_EVE_FILE;
	cfg->eve_path = "eve.json";
	cfg->log_decode_anomalies = 1;
	cfg->stats_interval_ms = 8000;
	kn_decode_config_default(&cfg->decode);
	kn_flow_config_default(&cfg->flow);
	kn_stream_config_default(&cfg->stream);
	kn_app_config_default(&cfg->app);
	kn_vuln_config_default(&cfg->vuln);
	kn_detect_config_default(&cfg->detect);
	cfg->verdict_latch_s = 600;
	cfg->verdict_memcap = 4u << 20;
	kn_model_config_default(&cfg->model);
	kn_sig_config_default(&cfg->sig_cfg);
}

/* Loads the vulnerability feed files (before the workers, which share it). */
static int load_vuln_feeds(struct kn_engine *e, char *errbuf)
{
	if (!(e->vuln_feed = kn_vuln_feed_new())) {
		snprintf(errbuf, KN_ERRBUF_SIZE, "out of memory while starting the engine");
		return -KN_ENOMEM;
	}
	for (unsigned i = 0; i < e->cfg.n_vuln_feeds; i++) {
		int rc = kn_vuln_feed_load_file(e->vuln_feed, e->cfg.vuln_feeds[i], errbuf);
		if (rc != 0)
			return rc;
	}
	return 0;
}

const struct kn_vuln_feed *kn_engine_vuln_feed(const struct kn_engine *e)
{
	return e->vuln_feed;
}

/* An alert of a decoder-event rule on a packet no worker sees (the
 * decoder could not take it to the transport layer): no flow. */
static void on_reader_alert(void *user, const struct kn_sig_alert *a)
{
	struct kn_engine *e = user;
	size_t len;

	kn_eve_alert(&e->json, a, NULL);
	const char *text = kn_json_text(&e->json, &len);
	if (text)
		kn_eve_writer_put(&e->eve, text, len);
}

const struct kn_sig_engine *engine_sig_current(struct kn_engine *e, uint64_t *gen)
{
	pthread_mutex_lock(&e->sig_lock);
	const struct kn_sig_engine *s = atomic_load(&e->sig_next);
	*gen = atomic_load(&e->sig_next_gen);
	pthread_mutex_unlock(&e->sig_lock);
	return s;
}

/* The reader's context for decoder-event rules follows a reload too. */
static void reader_sig_switch(struct kn_engine *e)
{
	char err[KN_ERRBUF_SIZE];
	uint64_t gen;
	const struct kn_sig_engine *next = engine_sig_current(e, &gen);
	const struct kn_sig_hooks h = { .alert = on_reader_alert, .user = e };
	struct kn_sig_ctx *c = kn_sig_ctx_new(next, &e->cfg.sig_cfg, &h, err);

	e->sig_gen = gen;
	if (!c)
		return;
	kn_sig_ctx_free(e->sig);
	e->sig = c;
	atomic_store(&e->sig_engine, next);
}

void kn_engine_set_sig(struct kn_engine *e, const struct kn_sig_engine *sig)
{
	if (!e->sig || !sig)
		return;
	pthread_mutex_lock(&e->sig_lock);
	atomic_store(&e->sig_next, sig);
	atomic_fetch_add(&e->sig_next_gen, 1);
	pthread_mutex_unlock(&e->sig_lock);
}

int kn_engine_sig_in_use(struct kn_engine *e, const struct kn_sig_engine *sig)
{
	if (atomic_load(&e->sig_next) == sig || atomic_load(&e->sig_engine) == sig)
		return 1;
	for (unsigned i = 0; i < e->n_workers; i++)
		if (atomic_load(&e->workers[i].sig_engine) == sig)
			return 1;
	return 0;
}

struct kn_engine *kn_engine_new(const struct kn_engine_config *cfg, char *errbuf)
{
	struct kn_engine *e;

	if (cfg->workers < 1 || cfg->workers > KN_MAX_WORKERS) {
		snprintf(errbuf, KN_ERRBUF_SIZE, "--workers must be 1..%d, not %u", KN_MAX_WORKERS,
			 cfg->workers);
		return NULL;
	}
	if (!cfg->iface && cfg->n_files == 0) {
		snprintf(errbuf, KN_ERRBUF_SIZE, "no input: give -r FILE or -i INTERFACE");
		return NULL;
	}
	e = kn_calloc(1, sizeof *e);
	if (!e)
		goto nomem;
	e->cfg = *cfg;
	e->n_workers = cfg->workers;
	e->sink = kn_eve_sink_open(cfg->eve_kind, cfg->eve_path, errbuf);
	if (!e->sink)
		goto fail;
	e->dec = kn_decoder_new(&cfg->decode, errbuf);
	if (!e->dec)
		goto fail;
	if (load_vuln_feeds(e, errbuf) != 0)
		goto fail;
	if (kn_json_init(&e->json, 4096, 1 << 20) != 0 ||
	    kn_eve_writer_init(&e->eve, e->sink, 1 << 16) != 0)
		goto nomem;
	pthread_mutex_init(&e->sig_lock, NULL);
	e->sig_lock_init = 1;
	if (cfg->sig) {
		const struct kn_sig_hooks h = { .alert = on_reader_alert, .user = e };
		e->sig = kn_sig_ctx_new(cfg->sig, &cfg->sig_cfg, &h, errbuf);
		if (!e->sig)
			goto fail;
		e->sig_gen = 1;
		atomic_store(&e->sig_engine, cfg->sig);
		atomic_store(&e->sig_next, cfg->sig);
		atomic_store(&e->sig_next_gen, 1);
	}
	if (engine_model_init(e, errbuf) != 0 || engine_verdict_init(e, errbuf) != 0)
		goto fail;
	e->workers = kn_calloc(e->n_workers, sizeof *e->workers);
	if (!e->workers)
		goto nomem;
	for (unsigned i = 0; i < e->n_workers; i++) {
		if (worker_init(&e->workers[i], e, i, errbuf) != 0) {
			e->n_workers = i + 1;
			goto fail;
		}
	}
	return e;
nomem:
	snprintf(errbuf, KN_ERRBUF_SIZE, "out of memory while starting the engine");
fail:
	kn_engine_free(e);
	return NULL;
}

void kn_engine_free(struct kn_engine *e)
{
	if (!e)
		return;
	for (unsigned i = 0; e->workers && i < e->n_workers; i++)
		worker_fini(&e->workers[i]);
	kn_free(e->workers);
	engine_model_fini(e);
	engine_verdict_fini(e);
	kn_sig_ctx_free(e->sig);
	if (e->sig_lock_init)
		pthread_mutex_destroy(&e->sig_lock);
	kn_eve_writer_fini(&e->eve);
	kn_json_fini(&e->json);
	kn_decoder_free(e->dec);
	kn_vuln_feed_free(e->vuln_feed);
	kn_eve_sink_close(e->sink);
	kn_free(e);
}

void kn_engine_stop(struct kn_engine *e)
{
	/* Only the flag: the reader checks it after every packet and on every
	 * live-capture timeout (<= 100 ms), so no capture object is touched from
	 * a signal handler. */
	atomic_store(&e->stop, 1);
}

void kn_engine_rotate(struct kn_engine *e)
{
	atomic_store(&e->rotate, 1);
}

/* Per-kind rate limit in packet time: a flood of one malformed header
 * cannot turn into a flood of events. Returns 1 when the event may go out. */
static int anomaly_allowed(struct kn_engine *e, unsigned ev, uint64_t ts_ns)
{
	uint64_t sec = ts_ns / 1000000000ULL;
	if (!e->cfg.decode_events_rate || ev >= KN_DEV_COUNT)
		return 1;
	if (e->rate_sec[ev] != sec) {
		e->rate_sec[ev] = sec;
		e->rate_n[ev] = 0;
	}
	if (e->rate_n[ev] >= e->cfg.decode_events_rate) {
		e->anomaly_suppressed++;
		return 0;
	}
	e->rate_n[ev]++;
	return 1;
}

static void emit_anomalies(struct kn_engine *e, const struct kn_packet *pkt)
{
	for (unsigned i = 0; i < pkt->n_events; i++) {
		size_t len;
		if (!anomaly_allowed(e, pkt->events[i], pkt->ts_ns))
			continue;
		const char *name = kn_decode_event_name(pkt->events[i]);
		kn_json_reset(&e->json);
		kn_eve_decode_anomaly(&e->json, pkt, name ? name : "unknown");
		const char *text = kn_json_text(&e->json, &len);
		if (text) {
			kn_eve_writer_put(&e->eve, text, len);
			e->anomaly_events++;
		}
	}
}

static void show_progress(struct kn_engine *e, uint64_t mono, int final)
{
	double el = (double)(mono - e->start_mono_ns) / 1e9;
	uint64_t pos = e->input_pos_done + (e->cap ? kn_capture_position(e->cap) : 0);
	double pct = e->input_size ? 100.0 * (double)pos / (double)e->input_size : 0.0;
	fprintf(stderr, "\r\033[Kkenchi: %5.1f%%  %llu packets  %.2f Mpkt/s  %.1f s%s", pct,
		(unsigned long long)e->pkt_index, el > 0 ? (double)e->pkt_index / el / 1e6 : 0.0,
		el, final ? "\n" : "");
	e->progress_shown = !final;
}

/* Wall-clock chores, run every HOUSEKEEP_EVERY packets and on live idle. */
static void housekeep(struct kn_engine *e)
{
	uint64_t mono = stats_mono_ns();

	if (atomic_exchange(&e->rotate, 0)) {
		if (e->n_workers == 1)
			kn_eve_writer_flush(&e->workers[0].eve);
		kn_eve_writer_flush(&e->eve);
		kn_eve_sink_reopen(e->sink);
	}
	if (e->cfg.stats_interval_ms &&
	    mono - e->last_stats_mono_ns >= e->cfg.stats_interval_ms * 1000000ULL) {
		e->last_stats_mono_ns = mono;
		stats_emit(e, 0);
	}
	if (e->cfg.progress && !e->cfg.iface && mono - e->last_progress_mono_ns >= 250000000ULL) {
		e->last_progress_mono_ns = mono;
		show_progress(e, mono, 0);
	}
}

/* A packet decode left outside IP: ARP goes to worker 0's detectors (in
 * order with the rest: the ring of worker 0 carries it in threaded mode). */
static void link_packet(struct kn_engine *e, struct kn_packet *pkt)
{
	if (!(pkt->flags & KN_PKT_ARP) || !e->cfg.detect.enabled)
		return;
	pkt->hash = 0;
	if (e->n_workers == 1)
		worker_link(&e->workers[0], pkt, e->now_ns);
	else
		dispatch_packet(e, pkt);
}

static void process_packet(struct kn_engine *e, struct kn_packet *pkt)
{
	pkt->index = ++e->pkt_index;
	e->bytes += pkt->caplen;
	e->now_ns = pkt->ts_ns;  /* the packet clock follows the capture (see flow.h) */
	pkt->flow = NULL;  /* decode does not own it; anomalies must not see a stale flow */
	if (e->sig && KN_UNLIKELY(atomic_load_explicit(&e->sig_next_gen, memory_order_relaxed) !=
				  e->sig_gen))
		reader_sig_switch(e);   /* rules were reloaded */
	int kind = kn_decode(e->dec, pkt);
	if (KN_UNLIKELY(pkt->n_events) && e->cfg.log_decode_anomalies)
		emit_anomalies(e, pkt);
	if (e->model)
		engine_model_packet(e, pkt, kind);
	if (e->now_ns - e->last_expire_ns >= EXPIRE_EVERY_NS) {
		e->last_expire_ns = e->now_ns;
		kn_decoder_expire(e->dec, e->now_ns);
	}
	if (kind != KN_DECODE_IP) {
		if (KN_UNLIKELY(pkt->n_events) && e->sig)
			kn_sig_decoder(e->sig, pkt);
		if (kind == KN_DECODE_OTHER)
			link_packet(e, pkt);
		return;
	}
	e->ip_packets++;
	if (e->n_workers == 1)
		worker_packet(&e->workers[0], pkt, e->now_ns);
	else
		dispatch_packet(e, pkt);
}

static void handle_packet(struct kn_engine *e, struct kn_packet *pkt)
{
	process_packet(e, pkt);
	if (KN_UNLIKELY(e->verdict != NULL))
		engine_verdict_packet(e, pkt);
}

static void close_input(struct kn_engine *e)
{
	struct kn_capture_stats st;
	struct kn_capture *c = e->cap;
	if (!c)
		return;
	if (e->n_workers > 1)
		dispatch_drain(e);  /* workers may still hold pointers into c */
	if (kn_capture_stats(c, &st) == 0) {
		e->cap_total.packets += st.packets;
		e->cap_total.bytes += st.bytes;
		e->cap_total.dropped += st.dropped;
		e->cap_total.ifdropped += st.ifdropped;
	}
	e->input_pos_done += kn_capture_position(c);
	e->cap = NULL;
	kn_capture_close(c);
}

/* Reads one input to its end. Returns 0 or a negative error (errbuf set). */
static int read_input(struct kn_engine *e, struct kn_capture *c, char *errbuf)
{
	struct kn_packet pkt;
	unsigned n = 0;
	int rc;

	memset(&pkt, 0, sizeof pkt);
	e->cap = c;
	while ((rc = kn_capture_next(c, &pkt, errbuf)) != 0) {
		if (rc == 1) {
			handle_packet(e, &pkt);
			/* Signals are noticed at once; wall-clock chores every
			 * HOUSEKEEP_EVERY packets. */
			if (++n < HOUSEKEEP_EVERY &&
			    !atomic_load_explicit(&e->rotate, memory_order_relaxed) &&
			    !atomic_load_explicit(&e->stop, memory_order_relaxed))
				continue;
		} else if (rc == -KN_EAGAIN) {
			/* Live and idle: let the wall clock age flows out. */
			uint64_t wall = stats_wall_ns();
			if (wall > e->now_ns)
				e->now_ns = wall;
			if (e->n_workers == 1)
				kn_flow_table_timeout(e->workers[0].flows, e->now_ns);
			else
				dispatch_tick(e);
		} else {
			return rc;
		}
		n = 0;
		housekeep(e);
		if (atomic_load(&e->stop))
			break;
	}
	return 0;
}

static int open_and_read(struct kn_engine *e, const char *file, char *errbuf)
{
	struct kn_capture *c;
	if (file)
		c = kn_capture_open_file(file, errbuf);
	else
		c = kn_capture_open_live(e->cfg.iface, e->cfg.bpf, e->cfg.snaplen, e->cfg.promisc,
					 errbuf);
	if (!c)
		return -KN_EIO;
	int rc = read_input(e, c, errbuf);
	close_input(e);
	return rc;
}

/* Total size of the input files, for the progress line. */
static void input_sizes(struct kn_engine *e)
{
	for (unsigned i = 0; i < e->cfg.n_files; i++) {
		struct stat st;
		if (stat(e->cfg.files[i], &st) == 0 && S_ISREG(st.st_mode))
			e->input_size += (uint64_t)st.st_size;
	}
}

int kn_engine_run(struct kn_engine *e, char *errbuf)
{
	int rc = 0;
	struct rusage ru;

	e->start_mono_ns = e->last_stats_mono_ns = stats_mono_ns();
	if (e->cfg.progress)
		input_sizes(e);
	if (e->n_workers > 1 && (rc = dispatch_start(e, errbuf)) != 0)
		goto out;
	if (e->cfg.iface) {
		rc = open_and_read(e, NULL, errbuf);
	} else {
		for (unsigned i = 0; i < e->cfg.n_files && !atomic_load(&e->stop); i++) {
			rc = open_and_read(e, e->cfg.files[i], errbuf);
			if (rc != 0)
				break;
		}
	}
out:
	/* Whatever happened, everything decoded so far is flushed. */
	if (e->n_workers > 1)
		dispatch_finish(e);
	else
		worker_finish(&e->workers[0], e->now_ns);
	/* Fragments still held will never complete: count them (defrag.timeout). */
	kn_decoder_expire(e->dec, UINT64_MAX);
	if (e->progress_shown)
		show_progress(e, stats_mono_ns(), 1);
	e->wall_s = (double)(stats_mono_ns() - e->start_mono_ns) / 1e9;
	if (getrusage(RUSAGE_SELF, &ru) == 0)
		e->cpu_s = (double)ru.ru_utime.tv_sec + (double)ru.ru_utime.tv_usec / 1e6 +
			   (double)ru.ru_stime.tv_sec + (double)ru.ru_stime.tv_usec / 1e6;
	char merr[KN_ERRBUF_SIZE];
	if ((engine_model_finish(e, merr) != 0 || engine_verdict_finish(e, merr) != 0) &&
	    rc == 0) {
		snprintf(errbuf, KN_ERRBUF_SIZE, "%s", merr);
		rc = -KN_EIO;
	}
	stats_emit(e, 1);
	kn_eve_writer_flush(&e->eve);
	const char *werr = kn_eve_sink_error(e->sink);
	if (rc == 0 && werr) {
		snprintf(errbuf, KN_ERRBUF_SIZE, "%s", werr);
		rc = -KN_EIO;
	}
	return rc;
}
