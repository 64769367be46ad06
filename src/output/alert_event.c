/*
 * alert_event.c - the EVE "alert" event of a signature match, in Suricata
 * 7's shape: the head (oriented as the packet, or as the transaction's
 * side the rule read), "tx_id" for transaction alerts, the "alert" object
 * {action, gid, signature_id, rev, signature, category, severity}, the
 * transaction's own object ("http", "dns", "tls"...) as Suricata adds it,
 * "app_proto", and the flow's counters so far.
 */
#include <string.h>

#include "kenchi/eve.h"
#include "kenchi/sig.h"

#include "output/output.h"

static void tuple_of(const struct kn_sig_alert *a, struct output_tuple *t)
{
	if (a->pkt) {
		const struct kn_packet *p = a->pkt;
		*t = (struct output_tuple){
			.src = &p->src, .dst = &p->dst, .sport = p->sport, .dport = p->dport,
			.proto = p->proto, .ip_version = p->ip_version,
			.icmp_type = p->icmp_type, .icmp_code = p->icmp_code,
		};
		/* an IPv6 fragment the decoder holds for reassembly: Suricata's
		 * alert names the fragment header (44, "IPv6-Frag") as its protocol */
		if ((p->flags & KN_PKT_FRAGMENT) && p->ip_version == 6)
			t->proto = 44;
		return;
	}
	const struct kn_flow_key *k = &a->flow->key;
	int d = a->dir;
	*t = (struct output_tuple){
		.src = d ? &k->dst : &k->src, .dst = d ? &k->src : &k->dst,
		.sport = d ? k->dport : k->sport, .dport = d ? k->sport : k->dport,
		.proto = k->proto, .ip_version = k->ip_version,
		.icmp_type = a->flow->icmp_type, .icmp_code = a->flow->icmp_code,
	};
}

static void alert_object(struct kn_json *j, const struct kn_sig_alert *a)
{
	const struct kn_rule *r = a->rule;
	struct output_run run;

	kn_json_open(j, "alert");
	output_run_init(&run, j);
	output_run_lit(&run, "action", "allowed");
	output_run_u64(&run, "gid", r->gid);
	output_run_u64(&run, "signature_id", r->sid);
	output_run_u64(&run, "rev", r->rev);
	output_run_flush(&run);
	kn_json_str(j, "signature", r->msg ? r->msg : "");
	kn_json_str(j, "category", a->category ? a->category : "");
	kn_json_u64(j, "severity", (uint64_t)(r->priority > 0 ? r->priority : 3));
	kn_json_close(j);
}

static void flow_object(struct kn_json *j, const struct kn_flow *f)
{
	struct output_run run;

	kn_json_open(j, "flow");
	output_run_init(&run, j);
	output_run_u64(&run, "pkts_toserver", f->pkts[0]);
	output_run_u64(&run, "pkts_toclient", f->pkts[1]);
	output_run_u64(&run, "bytes_toserver", f->bytes[0]);
	output_run_u64(&run, "bytes_toclient", f->bytes[1]);
	output_run_time(&run, "start", f->start_ns);
	output_run_flush(&run);
	kn_json_close(j);
}

void kn_eve_alert(struct kn_json *j, const struct kn_sig_alert *a, const char *community_id)
{
	struct output_tuple t;
	struct output_run r;
	const struct kn_flow *f = a->flow;
	const uint16_t *vlan = a->pkt ? a->pkt->vlan : f->key.vlan;

	tuple_of(a, &t);
	kn_json_reset(j);
	output_eve_begin(&r, j, a->ts_ns, f ? f->flow_id : 0, a->pcap_cnt, "alert", 5, vlan);
	output_eve_tuple(&r, &t);
	output_run_lit(&r, "pkt_src", a->pkt && (a->pkt->flags & KN_PKT_REASSEMBLED)
				      ? "defrag" : "wire/pcap");
	if (community_id)
		output_run_str(&r, "community_id", community_id);
	if (a->tx)
		output_run_u64(&r, "tx_id", a->tx->id);
	output_run_flush(&r);
	alert_object(j, a);
	if (a->tx && a->tx->log && !a->tx->event_type)
		a->tx->log(a->tx, j);
	if (a->app_proto && strcmp(a->app_proto, "failed") != 0)
		kn_json_str(j, "app_proto", a->app_proto);
	if (f)
		flow_object(j, f);
	kn_json_close(j);
}
