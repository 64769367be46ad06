/*
 * stats.c - run statistics: merges the counters of capture, decode and every
 * worker into periodic and final EVE `stats` events (Suricata's layout where
 * one exists: stats.decoder.*, stats.flow.*, stats.tcp.*, stats.defrag.*)
 * and into the human summary printed on stderr at the end of a run.
 */
#include <string.h>
#include <sys/resource.h>
#include <time.h>

#include "engine_int.h"
#include "util/timefmt.h"

static uint64_t clock_ns(clockid_t id)
{
	struct timespec ts;
	clock_gettime(id, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ULL + (uint64_t)ts.tv_nsec;
}

uint64_t stats_mono_ns(void)
{
	return clock_ns(CLOCK_MONOTONIC);
}

uint64_t stats_wall_ns(void)
{
	return clock_ns(CLOCK_REALTIME);
}

static void add_flow(struct kn_flow_stats *a, const struct kn_flow_stats *b)
{
	a->created += b->created;
	a->active += b->active;
	a->peak_active += b->peak_active;
	a->tcp += b->tcp;
	a->udp += b->udp;
	a->icmp += b->icmp;
	a->other += b->other;
	a->ended_timeout += b->ended_timeout;
	a->ended_forced += b->ended_forced;
	a->ended_shutdown += b->ended_shutdown;
	a->tcp_reuse += b->tcp_reuse;
	a->tcp_acked += b->tcp_acked;
	a->tcp_one_way += b->tcp_one_way;
	a->memcap_hits += b->memcap_hits;
	a->memcap_drops += b->memcap_drops;
	a->mem_in_use += b->mem_in_use;
	a->mem_peak += b->mem_peak;
}

static void add_stream(struct kn_stream_stats *a, const struct kn_stream_stats *b)
{
	a->segments += b->segments;
	a->bytes += b->bytes;
	a->retransmits += b->retransmits;
	a->overlaps += b->overlaps;
	a->overlaps_diff += b->overlaps_diff;
	a->ooo_segments += b->ooo_segments;
	a->gaps += b->gaps;
	a->gap_bytes += b->gap_bytes;
	a->memcap_drops += b->memcap_drops;
	a->depth_reached += b->depth_reached;
	a->bad_seq += b->bad_seq;
	a->malformed += b->malformed;
	a->mem_in_use += b->mem_in_use;
	a->mem_peak += b->mem_peak;
}

static void add_app(struct kn_app_stats *a, const struct kn_app_stats *b)
{
	for (unsigned i = 0; i < 32; i++)
		a->flows_detected[i] += b->flows_detected[i];
	a->flows_failed += b->flows_failed;
	a->txs += b->txs;
	a->events += b->events;
	a->assets += b->assets;
	a->memcap_refusals += b->memcap_refusals;
	a->mem_in_use += b->mem_in_use;
	a->mem_peak += b->mem_peak;
}

void stats_add_sig(struct kn_sig_stats *a, const struct kn_sig_stats *b)
{
	a->packets += b->packets;
	a->txs += b->txs;
	a->candidates += b->candidates;
	a->alerts += b->alerts;
	a->suppressed += b->suppressed;
	a->memcap_refusals += b->memcap_refusals;
	a->pcre_limit_hits += b->pcre_limit_hits;
	a->budget_hits += b->budget_hits;
	a->alert_overflow += b->alert_overflow;
	a->encrypted += b->encrypted;
	a->mem_in_use += b->mem_in_use;
	a->mem_peak += b->mem_peak;
}

static void add_vuln(struct kn_vuln_stats *a, const struct kn_vuln_stats *b)
{
	a->assets += b->assets;
	a->asset_events += b->asset_events;
	a->vuln_software += b->vuln_software;
	a->vuln_weak_tls += b->vuln_weak_tls;
	a->evictions += b->evictions;
	a->entries += b->entries;
	a->mem_in_use += b->mem_in_use;
}

/* Sums the workers' published counters and the capture counters (closed
 * inputs plus the one being read). Peaks are summed over workers: an upper
 * bound of the true simultaneous peak. */
void stats_collect(const struct kn_engine *e, struct worker_stats *sum, struct kn_capture_stats *cap)
{
	memset(sum, 0, sizeof *sum);
	for (unsigned i = 0; i < e->n_workers; i++) {
		struct worker_stats s;
		worker_snapshot(&e->workers[i], &s);
		add_flow(&sum->flow, &s.flow);
		add_stream(&sum->stream, &s.stream);
		sum->flow_events += s.flow_events;
		sum->flow_pkts += s.flow_pkts;
		sum->flow_bytes += s.flow_bytes;
		sum->json_overflows += s.json_overflows;
		sum->stream_bytes += s.stream_bytes;
		sum->stream_gaps += s.stream_gaps;
		add_app(&sum->app, &s.app);
		add_vuln(&sum->vuln, &s.vuln);
		stats_add_sig(&sum->sig, &s.sig);
	}
	*cap = e->cap_total;
	struct kn_capture_stats cur;
	if (e->cap && kn_capture_stats(e->cap, &cur) == 0) {
		cap->packets += cur.packets;
		cap->bytes += cur.bytes;
		cap->dropped += cur.dropped;
		cap->ifdropped += cur.ifdropped;
	}
}

/* "ipv4.trunc_pkt" -> group "ipv4", key "trunc_pkt", nested per group. */
static void json_decoder_events(struct kn_json *j, const struct kn_decode_stats *d)
{
	kn_json_open(j, "event");
	for (unsigned g = 0; g < KN_DEV_COUNT; g++) {
		const char *gname = kn_decode_event_name(g);
		const char *dot = gname ? strchr(gname, '.') : NULL;
		size_t glen = dot ? (size_t)(dot - gname) : 0;
		int first = 1;
		/* Emit each group once, at its first event. */
		for (unsigned p = 0; p < g && first; p++) {
			const char *pn = kn_decode_event_name(p);
			first = !(pn && strncmp(pn, gname, glen) == 0 && pn[glen] == '.');
		}
		if (!dot || !first)
			continue;
		char group[64];
		snprintf(group, sizeof group, "%.*s", (int)glen, gname);
		kn_json_open(j, group);
		for (unsigned ev = g; ev < KN_DEV_COUNT; ev++) {
			const char *n = kn_decode_event_name(ev);
			if (n && strncmp(n, gname, glen) == 0 && n[glen] == '.')
				kn_json_u64(j, n + glen + 1, d->events[ev]);
		}
		kn_json_close(j);
	}
	kn_json_close(j);
}

static void json_decoder(struct kn_json *j, const struct kn_decode_stats *d, const struct kn_engine *e)
{
	kn_json_open(j, "decoder");
#define U(f) kn_json_u64(j, #f, d->f)
	U(pkts); U(bytes); U(invalid); U(ethernet); U(sll); U(null); U(raw); U(arp);
	U(unknown_ethertype); U(vlan); U(vlan_qinq); U(ieee8021ah); U(vntag); U(dce);
	U(etag); U(nsh); U(llc);
	U(mpls); U(pppoe); U(ppp); U(ipv4); U(ipv6); U(tcp); U(udp); U(sctp); U(icmpv4);
	U(icmpv6); U(esp); U(gre); U(erspan); U(vxlan); U(geneve); U(teredo); U(gtpu); U(ayiya);
	U(wlan); U(wlan_skipped);
	U(ipv4_in_ipv4); U(ipv6_in_ipv4); U(ipv4_in_ipv6); U(ipv6_in_ipv6); U(other_ip);
#undef U
	kn_json_u64(j, "anomaly_events", e->anomaly_events);
	kn_json_u64(j, "anomaly_suppressed", e->anomaly_suppressed);
	json_decoder_events(j, d);
	kn_json_close(j);
	kn_json_open(j, "defrag");
	kn_json_u64(j, "ipv4_fragments", d->frag_ipv4);
	kn_json_u64(j, "ipv6_fragments", d->frag_ipv6);
	kn_json_u64(j, "reassembled", d->defrag_reassembled);
	kn_json_u64(j, "fragments_dropped", d->defrag_frags_dropped);
	kn_json_u64(j, "fragments_held", d->defrag_frags_held);
	kn_json_u64(j, "timeouts", d->defrag_timeouts);
	kn_json_u64(j, "memcap_drops", d->defrag_memcap_drops);
	kn_json_u64(j, "memuse", d->defrag_mem_in_use);
	kn_json_u64(j, "memuse_peak", d->defrag_mem_peak);
	kn_json_close(j);
}

static void json_flow_stream(struct kn_json *j, const struct worker_stats *s,
			     const struct kn_engine *e)
{
	kn_json_open(j, "flow");
	kn_json_u64(j, "total", s->flow.created);
	kn_json_u64(j, "tcp", s->flow.tcp);
	kn_json_u64(j, "udp", s->flow.udp);
	kn_json_u64(j, "icmp", s->flow.icmp);
	kn_json_u64(j, "other", s->flow.other);
	kn_json_u64(j, "active", s->flow.active);
	kn_json_u64(j, "tcp_reuse", s->flow.tcp_reuse);
	kn_json_u64(j, "tcp_acked", s->flow.tcp_acked);
	kn_json_u64(j, "tcp_one_way", s->flow.tcp_one_way);
	kn_json_u64(j, "memcap", s->flow.memcap_hits);
	kn_json_u64(j, "memcap_drops", s->flow.memcap_drops);
	kn_json_u64(j, "dispatch_drops", e->dispatch_drops);
	kn_json_u64(j, "memuse", s->flow.mem_in_use);
	kn_json_u64(j, "memuse_peak", s->flow.mem_peak);
	kn_json_open(j, "end");
	kn_json_u64(j, "timeout", s->flow.ended_timeout);
	kn_json_u64(j, "forced", s->flow.ended_forced);
	kn_json_u64(j, "shutdown", s->flow.ended_shutdown);
	kn_json_close(j);
	kn_json_u64(j, "events", s->flow_events);
	kn_json_close(j);
	kn_json_open(j, "tcp");
	kn_json_u64(j, "segments", s->stream.segments);
	kn_json_u64(j, "reassembled_bytes", s->stream.bytes);
	kn_json_u64(j, "retransmits", s->stream.retransmits);
	kn_json_u64(j, "overlap", s->stream.overlaps);
	kn_json_u64(j, "overlap_diff_data", s->stream.overlaps_diff);
	kn_json_u64(j, "out_of_order", s->stream.ooo_segments);
	kn_json_u64(j, "reassembly_gap", s->stream.gaps);
	kn_json_u64(j, "reassembly_gap_bytes", s->stream.gap_bytes);
	kn_json_u64(j, "segment_memcap_drop", s->stream.memcap_drops);
	kn_json_u64(j, "reassembly_depth_reached", s->stream.depth_reached);
	kn_json_u64(j, "bad_seq", s->stream.bad_seq);
	kn_json_u64(j, "malformed", s->stream.malformed);
	kn_json_u64(j, "reassembly_memuse", s->stream.mem_in_use);
	kn_json_u64(j, "reassembly_memuse_peak", s->stream.mem_peak);
	kn_json_close(j);
}

/* "app_layer": flows per detected protocol (Suricata's names), flows whose
 * detection failed, transactions, app-layer anomalies, assets, memory. */
static void json_app(struct kn_json *j, const struct kn_app_stats *a)
{
	kn_json_open(j, "app_layer");
	kn_json_open(j, "flow");
	for (unsigned id = 1; id <= kn_app_parser_count() && id < 32; id++)
		kn_json_u64(j, kn_app_parser_get(id)->name, a->flows_detected[id]);
	kn_json_u64(j, "failed", a->flows_failed);
	kn_json_close(j);
	kn_json_u64(j, "tx", a->txs);
	kn_json_u64(j, "anomalies", a->events);
	kn_json_u64(j, "assets", a->assets);
	kn_json_u64(j, "memcap", a->memcap_refusals);
	kn_json_u64(j, "memuse", a->mem_in_use);
	kn_json_u64(j, "memuse_peak", a->mem_peak);
	kn_json_close(j);
}

/* "detect": Suricata's "alert" counter, then the engine's own work. */
static void json_detect(struct kn_json *j, const struct kn_sig_stats *s)
{
	kn_json_open(j, "detect");
	kn_json_u64(j, "alert", s->alerts);
	kn_json_u64(j, "alerts_suppressed", s->suppressed);
	kn_json_u64(j, "packets", s->packets);
	kn_json_u64(j, "txs", s->txs);
	kn_json_u64(j, "candidates", s->candidates);
	kn_json_u64(j, "encrypted_skipped", s->encrypted);
	kn_json_u64(j, "pcre_limit_hits", s->pcre_limit_hits);
	kn_json_u64(j, "budget_hits", s->budget_hits);
	kn_json_u64(j, "memcap_refusals", s->memcap_refusals);
	kn_json_u64(j, "mem_peak", s->mem_peak);
	kn_json_close(j);
}

/* "vuln": assets judged and reported, vuln events by kind, the dedup
 * tables (entries, forgotten at their cap, memory) and the feed's size. */
static void json_vuln(struct kn_json *j, const struct kn_vuln_stats *v,
		      const struct kn_vuln_feed *feed)
{
	struct kn_vuln_feed_stats fs;

	kn_vuln_feed_stats(feed, &fs);
	kn_json_open(j, "vuln");
	kn_json_u64(j, "assets", v->assets);
	kn_json_u64(j, "asset_events", v->asset_events);
	kn_json_u64(j, "software", v->vuln_software);
	kn_json_u64(j, "weak_tls", v->vuln_weak_tls);
	kn_json_u64(j, "entries", v->entries);
	kn_json_u64(j, "evictions", v->evictions);
	kn_json_u64(j, "memuse", v->mem_in_use);
	kn_json_u64(j, "feed_cves", fs.cves);
	kn_json_u64(j, "feed_rules", fs.matches);
	kn_json_close(j);
}

void stats_emit(struct kn_engine *e, int final)
{
	struct worker_stats s;
	struct kn_capture_stats cap;
	struct kn_eve_sink_stats es;
	char ts[KN_TIME_LEN];
	size_t len;

	/* Lines still in this thread's batches count as written. */
	kn_eve_writer_flush(&e->eve);
	if (e->n_workers == 1)
		kn_eve_writer_flush(&e->workers[0].eve);
	stats_collect(e, &s, &cap);
	kn_eve_sink_stats(e->sink, &es);
	kn_time_format(stats_wall_ns(), ts);
	struct kn_json *j = &e->json;
	kn_json_reset(j);
	kn_json_open(j, NULL);
	kn_json_str(j, "timestamp", ts);
	kn_json_str(j, "event_type", "stats");
	kn_json_open(j, "stats");
	kn_json_u64(j, "uptime", (stats_mono_ns() - e->start_mono_ns) / 1000000000ULL);
	kn_json_bool(j, "final", final);
	if (e->cfg.iface) {
		kn_json_open(j, "capture");
		kn_json_u64(j, "kernel_packets", cap.packets);
		kn_json_u64(j, "kernel_drops", cap.dropped);
		kn_json_u64(j, "kernel_ifdrops", cap.ifdropped);
		kn_json_close(j);
	}
	json_decoder(j, kn_decoder_stats(e->dec), e);
	json_flow_stream(j, &s, e);
	json_app(j, &s.app);
	json_vuln(j, &s.vuln, e->vuln_feed);
	if (e->cfg.sig)
		json_detect(j, &s.sig);
	kn_json_open(j, "eve");
	kn_json_u64(j, "lines", es.lines);
	kn_json_u64(j, "bytes", es.bytes);
	kn_json_u64(j, "write_errors", es.write_errors);
	kn_json_u64(j, "dropped_lines", es.dropped_lines);
	kn_json_u64(j, "json_overflows", s.json_overflows);
	kn_json_close(j);
	kn_json_close(j);
	kn_json_close(j);
	const char *text = kn_json_text(j, &len);
	if (text)
		kn_eve_writer_put(&e->eve, text, len);
	kn_eve_writer_flush(&e->eve);
}

void kn_engine_totals(const struct kn_engine *e, struct kn_engine_totals *t)
{
	struct worker_stats s;
	struct kn_capture_stats cap;
	struct kn_eve_sink_stats es;
	const struct kn_decode_stats *d = kn_decoder_stats(e->dec);

	stats_collect(e, &s, &cap);
	kn_eve_sink_stats(e->sink, &es);
	memset(t, 0, sizeof *t);
	t->packets = e->pkt_index;
	t->bytes = e->bytes;
	t->ip_packets = e->ip_packets;
	for (unsigned i = 0; i < KN_DEV_COUNT; i++)
		t->decoder_events += d->events[i];
	t->invalid = d->invalid;
	t->flows = s.flow.created;
	t->flow_events = s.flow_events;
	t->flow_pkts = s.flow_pkts;
	t->flow_bytes = s.flow_bytes;
	t->ended_timeout = s.flow.ended_timeout;
	t->ended_forced = s.flow.ended_forced;
	t->ended_shutdown = s.flow.ended_shutdown;
	t->tcp_acked = s.flow.tcp_acked;
	t->tcp_one_way = s.flow.tcp_one_way;
	t->flow_memcap_drops = s.flow.memcap_drops + e->dispatch_drops;
	t->stream_bytes = s.stream_bytes;
	t->stream_gaps = s.stream_gaps;
	t->app_txs = s.app.txs;
	t->app_events = s.app.events;
	t->app_failed = s.app.flows_failed;
	t->alerts = s.sig.alerts;
	t->model_scored = e->model ? e->model->scored : 0;
	t->model_reports = e->model ? e->model->reports : 0;
	for (unsigned i = 0; i < 32; i++)
		t->app_flows += s.app.flows_detected[i];
	t->mem_peak_app = s.app.mem_peak;
	t->capture_drops = cap.dropped;
	t->capture_ifdrops = cap.ifdropped;
	t->eve_events = es.lines;
	t->eve_dropped = es.dropped_lines;
	t->eve_write_errors = es.write_errors;
	t->mem_peak_flow = s.flow.mem_peak;
	t->mem_peak_stream = s.stream.mem_peak;
	t->mem_peak_defrag = d->defrag_mem_peak;
	t->mem_peak_sig = s.sig.mem_peak;
	for (unsigned i = 0; i < e->n_workers; i++) {
		struct kn_detect_stats ds;
		if (e->workers[i].det) {
			kn_detect_stats(e->workers[i].det, &ds);
			t->mem_detect = ds.memuse > t->mem_detect ? ds.memuse : t->mem_detect;
		}
	}
	t->wall_s = e->wall_s;
	t->cpu_s = e->cpu_s;
}

/* "812 B", "7.9 KiB", "37.7 MiB", "1.2 GiB" into buf. */
static const char *human(uint64_t b, char buf[32])
{
	static const char *const unit[] = { "B", "KiB", "MiB", "GiB", "TiB" };
	double v = (double)b;
	unsigned u = 0;
	while (v >= 1024.0 && u + 1 < sizeof unit / sizeof unit[0]) {
		v /= 1024.0;
		u++;
	}
	snprintf(buf, 32, u ? "%.1f %s" : "%.0f %s", v, unit[u]);
	return buf;
}

/* "peak / cap" of one memcap'd part. */
static void mem_part(FILE *out, const char *name, uint64_t used, uint64_t cap, int first)
{
	char b1[32], b2[32];

	fprintf(out, "%s%s %s / %s", first ? "" : ", ", name, human(used, b1), human(cap, b2));
}

/* Every memcap'd part beside its cap (per worker where each worker has
 * its own: flows, streams, app, detectors, signatures), then the model's
 * tables (sized from its memcap) and the process's peak RSS. */
static void summary_memory(const struct kn_engine *e, const struct kn_engine_totals *t, FILE *out)
{
	const struct kn_engine_config *c = &e->cfg;
	uint64_t n = e->n_workers ? e->n_workers : 1;
	struct rusage ru;
	char b1[32];

	fputs("  memory: ", out);
	mem_part(out, "flows", t->mem_peak_flow, c->flow.memcap * n, 1);
	mem_part(out, "streams", t->mem_peak_stream, c->stream.memcap * n, 0);
	mem_part(out, "defrag", t->mem_peak_defrag, c->decode.defrag_memcap, 0);
	mem_part(out, "app", t->mem_peak_app, c->app.memcap * n, 0);
	if (c->detect.enabled)
		mem_part(out, "detectors", t->mem_detect, c->detect.memcap, 0);
	if (e->sig)
		mem_part(out, "signatures", t->mem_peak_sig, c->sig_cfg.memcap * n, 0);
	if (e->verdict) {
		struct verdict_stats vs;
		verdict_stats(e->verdict, &vs);
		mem_part(out, "verdicts", vs.slots * verdict_slot_bytes(), c->verdict_memcap, 0);
	}
	fputs(" (peaks / caps", out);
	if (e->model) {
		struct kn_model_info mi;
		kn_model_get_info(e->model->m, &mi);
		fprintf(out, "; model %s", human(mi.memory, b1));
	}
	if (getrusage(RUSAGE_SELF, &ru) == 0)
		fprintf(out, "; peak RSS %s", human((uint64_t)ru.ru_maxrss * 1024, b1));
	fputs(")\n", out);
}

void kn_engine_summary(const struct kn_engine *e, FILE *out)
{
	struct kn_engine_totals t;
	kn_engine_totals(e, &t);
	double rate = t.wall_s > 0 ? (double)t.packets / t.wall_s : 0;
	fprintf(out, "kenchi: %llu packets, %.1f MB in %.2f s (%.0f packets/s, %.2f Gbit/s, CPU %.2f s)\n",
		(unsigned long long)t.packets, (double)t.bytes / 1e6, t.wall_s, rate,
		t.wall_s > 0 ? (double)t.bytes * 8 / t.wall_s / 1e9 : 0.0, t.cpu_s);
	fprintf(out, "  decode: %llu IP packets, %llu decoder events, %llu invalid\n",
		(unsigned long long)t.ip_packets, (unsigned long long)t.decoder_events,
		(unsigned long long)t.invalid);
	fprintf(out, "  flows:  %llu (ended: %llu timeout, %llu forced, %llu shutdown; %llu packets not tracked)\n",
		(unsigned long long)t.flows, (unsigned long long)t.ended_timeout,
		(unsigned long long)t.ended_forced, (unsigned long long)t.ended_shutdown,
		(unsigned long long)t.flow_memcap_drops);
	char b1[32];
	fprintf(out, "  tcp:    %s reassembled, %llu gaps; %llu of %llu connections seen one way only\n",
		human(t.stream_bytes, b1), (unsigned long long)t.stream_gaps,
		(unsigned long long)t.tcp_one_way, (unsigned long long)t.tcp_acked);
	if (t.tcp_acked >= 10 && 2 * t.tcp_one_way > t.tcp_acked)
		fprintf(out, "  warning: most TCP connections were seen from one side only: the "
			"sensor sees one direction of the traffic (a one-way span or asymmetric "
			"routing); streams, the app layer and the detectors that wait for answers "
			"see half of each conversation. Mirror both directions to the sensor.\n");
	fprintf(out, "  app:    %llu flows with a protocol, %llu transactions, %llu app-layer anomalies\n",
		(unsigned long long)t.app_flows, (unsigned long long)t.app_txs,
		(unsigned long long)t.app_events);
	summary_memory(e, &t, out);
	if (e->model)
		fprintf(out, "  model:  %llu packets scored, %llu anomaly events (%llu rate-limited)\n",
			(unsigned long long)t.model_scored, (unsigned long long)t.model_reports,
			(unsigned long long)e->model->suppressed);
	if (e->verdict) {
		struct verdict_stats vs;
		verdict_stats(e->verdict, &vs);
		fprintf(out, "  verdicts: %llu hosts latched by findings, %llu evicted (room for %llu)\n",
			(unsigned long long)vs.notes, (unsigned long long)vs.evicted,
			(unsigned long long)vs.slots);
	}
	if (e->cfg.iface)
		fprintf(out, "  capture: %llu dropped by the kernel, %llu by the interface\n",
			(unsigned long long)t.capture_drops, (unsigned long long)t.capture_ifdrops);
	fprintf(out, "  eve:    %llu events to %s%s\n", (unsigned long long)t.eve_events,
		e->cfg.eve_kind == KN_EVE_STDOUT ? "stdout" : e->cfg.eve_path,
		t.eve_write_errors ? " (WRITE ERRORS: see above)" : "");
}
