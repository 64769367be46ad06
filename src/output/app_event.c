/*
 * app_event.c - EVE events of the application layer: one per transaction
 * (dns, http, tls, ssh, smtp, dhcp, fileinfo, ...) and the "applayer"
 * anomaly events.
 *
 * Output stage. The head (ids, addresses, pkt_src, community_id, tx_id) is
 * written here, in Suricata 7's order; the body is written by the parser
 * that owns the transaction (src/app/<proto>/), so each protocol's field
 * names live in one place.
 */
#include "kenchi/detector.h"
#include "kenchi/eve.h"

#include "output/output.h"

/* The head up to community_id, left in the run r (the caller flushes). */
static void head(struct output_run *r, struct kn_json *j, const struct kn_flow *f, int dir,
		 const char *event_type, uint64_t ts_ns, uint64_t pcap_cnt,
		 const char *community_id)
{
	struct output_tuple t;

	output_flow_tuple(f, dir, &t);
	kn_json_reset(j);
	output_eve_begin(r, j, ts_ns, f->flow_id, pcap_cnt, event_type,
			 event_type ? strlen(event_type) : 0, f->key.vlan);
	output_eve_tuple(r, &t);
	output_run_lit(r, "pkt_src", "wire/pcap");
	if (community_id)
		output_run_str(r, "community_id", community_id);
}

void kn_eve_app_tx(struct kn_json *j, const struct kn_flow *f, const char *app_proto,
		   const struct kn_tx *tx, uint64_t ts_ns, uint64_t pcap_cnt,
		   const char *community_id)
{
	struct output_run r;

	head(&r, j, f, tx->dir, tx->event_type ? tx->event_type : app_proto, ts_ns, pcap_cnt,
	     community_id);
	if (tx->log_tx_id)
		output_run_u64(&r, "tx_id", tx->id);
	output_run_flush(&r);
	if (tx->log)
		tx->log(tx, j);
	if (tx->app_proto_member) {
		kn_json_str(j, "app_proto", app_proto);
		if (tx->log2)
			tx->log2(tx, j);
	}
	kn_json_close(j);
}

void kn_eve_app_anomaly(struct kn_json *j, const struct kn_flow *f, const char *app_proto,
			int dir, const char *layer, const char *event, uint64_t ts_ns,
			uint64_t pcap_cnt, const char *community_id)
{
	struct output_run r;

	head(&r, j, f, dir, "anomaly", ts_ns, pcap_cnt, community_id);
	output_run_flush(&r);
	kn_json_open(j, "anomaly");
	output_run_init(&r, j);
	if (app_proto)
		output_run_str(&r, "app_proto", app_proto);
	output_run_lit(&r, "type", "applayer");
	output_run_str(&r, "event", event ? event : "UNKNOWN");
	output_run_str(&r, "layer", layer ? layer : "proto_parser");
	output_run_flush(&r);
	kn_json_close(j);
	kn_json_close(j);
}

void kn_eve_detection(struct kn_json *j, const struct kn_detection *d, const char *community_id)
{
	struct output_run r;

	head(&r, j, d->flow, d->dir, "anomaly", d->ts_ns, d->pcap_cnt, community_id);
	output_run_flush(&r);
	output_detection_body(j, d);
	kn_json_close(j);
}

void output_detection_body(struct kn_json *j, const struct kn_detection *d)
{
	kn_json_open(j, "anomaly");
	kn_json_str(j, "type", "detector");
	kn_json_str(j, "detector", d->detector);
	kn_json_str(j, "event", d->event ? d->event : d->detector);
	kn_json_double(j, "score", d->score, 3);
	if (d->key)
		kn_json_str(j, "key", d->key);
	if (d->explanation)
		kn_json_str(j, "explanation", d->explanation);
	if (d->evidence) {
		kn_json_open(j, "evidence");
		d->evidence(d->arg, j);
		kn_json_close(j);
	}
	kn_json_close(j);
}
