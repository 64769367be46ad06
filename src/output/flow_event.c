/*
 * flow_event.c - the EVE "flow" event, written once for every flow that
 * ends (timeout, memcap eviction, end of input).
 *
 * Output stage: called from the flow table's end callback with the ended
 * flow. Field names and order are Suricata 7.0.4's, so existing flow
 * dashboards work unchanged. Only struct fields are read: the state names
 * are this file's own tables (the same strings flow.h documents), and the
 * community id arrives as a finished string.
 */
#include "kenchi/eve.h"
#include "kenchi/sig.h"

#include "output/output.h"

static const struct output_name flow_state_names[] = {
	OUTPUT_NAME("new"), OUTPUT_NAME("established"), OUTPUT_NAME("closed"),
};

static const struct output_name tcp_state_names[] = {
	OUTPUT_NAME("none"), OUTPUT_NAME("syn_sent"), OUTPUT_NAME("syn_recv"),
	OUTPUT_NAME("established"), OUTPUT_NAME("fin_wait1"), OUTPUT_NAME("fin_wait2"),
	OUTPUT_NAME("time_wait"), OUTPUT_NAME("last_ack"), OUTPUT_NAME("close_wait"),
	OUTPUT_NAME("closing"), OUTPUT_NAME("closed"),
};

static const struct output_name end_reason_names[] = {
	OUTPUT_NAME("timeout"), OUTPUT_NAME("forced"), OUTPUT_NAME("shutdown"),
};

static const struct output_name unknown_name = OUTPUT_NAME("unknown");

#define NAME_OF(table, i) \
	((unsigned)(i) < sizeof(table) / sizeof((table)[0]) ? &(table)[i] : &unknown_name)

/* TCP flag bits and their EVE member names, in Suricata's order. */
static const struct {
	uint8_t bit;
	const char *name;
} tcp_flag_names[] = {
	{ KN_TCP_SYN, "syn" }, { KN_TCP_FIN, "fin" }, { KN_TCP_RST, "rst" },
	{ KN_TCP_PSH, "psh" }, { KN_TCP_ACK, "ack" }, { KN_TCP_URG, "urg" },
	{ KN_TCP_ECE, "ecn" }, { KN_TCP_CWR, "cwr" },
};

/* Two lowercase hex digits, as Suricata logs TCP flags ("1b"). */
static inline void put_flags_hex(struct output_run *r, const char *key, uint8_t flags)
{
	static const char hex[] = "0123456789abcdef";
	char *p = output_run_key(r, key, 4);
	p[0] = '"';
	p[1] = hex[flags >> 4];
	p[2] = hex[flags & 15];
	p[3] = '"';
	r->p = p + 4;
}

static void put_flow_object(struct kn_json *j, const struct kn_flow *f, int reason)
{
	struct output_run r;

	kn_json_open(j, "flow");
	output_run_init(&r, j);
	output_run_u64(&r, "pkts_toserver", f->pkts[0]);
	output_run_u64(&r, "pkts_toclient", f->pkts[1]);
	output_run_u64(&r, "bytes_toserver", f->bytes[0]);
	output_run_u64(&r, "bytes_toclient", f->bytes[1]);
	output_run_time(&r, "start", f->start_ns);
	output_run_time(&r, "end", f->last_ns);
	/* Suricata's age: difference of the whole-second parts of end and
	 * start (so 0.9 s across a second boundary is 1). */
	uint64_t start_s = f->start_ns / 1000000000u, end_s = f->last_ns / 1000000000u;
	output_run_u64(&r, "age", end_s > start_s ? end_s - start_s : 0);
	output_run_name(&r, "state", NAME_OF(flow_state_names, f->state));
	output_run_name(&r, "reason", NAME_OF(end_reason_names, reason));
	output_run_bool(&r, "alerted", kn_sig_flow_alerted(f));
	output_run_flush(&r);
	kn_json_close(j);
}

static void put_tcp_object(struct kn_json *j, const struct kn_flow *f)
{
	struct output_run r;
	uint8_t all = f->tcp_flags[0] | f->tcp_flags[1];

	kn_json_open(j, "tcp");
	output_run_init(&r, j);
	put_flags_hex(&r, "tcp_flags", all);
	put_flags_hex(&r, "tcp_flags_ts", f->tcp_flags[0]);
	put_flags_hex(&r, "tcp_flags_tc", f->tcp_flags[1]);
	for (size_t i = 0; i < sizeof tcp_flag_names / sizeof tcp_flag_names[0]; i++)
		if (all & tcp_flag_names[i].bit)
			output_run_bool(&r, tcp_flag_names[i].name, 1);
	/* Suricata logs no state for a flow that never got a TCP session. */
	if (f->tcp_state != KN_TCP_NONE)
		output_run_name(&r, "state", NAME_OF(tcp_state_names, f->tcp_state));
	output_run_flush(&r);
	kn_json_close(j);
}

void kn_eve_flow(struct kn_json *j, const struct kn_flow *f, int reason, uint64_t ts_ns,
		 const char *community_id)
{
	kn_eve_flow_app(j, f, reason, ts_ns, community_id, NULL, NULL);
}

void kn_eve_flow_app(struct kn_json *j, const struct kn_flow *f, int reason, uint64_t ts_ns,
		     const char *community_id, const char *app_proto, const char *app_proto_orig)
{
	const struct kn_flow_key *k = &f->key;
	struct output_tuple t;
	struct output_run r;

	output_flow_tuple(f, 0, &t);
	kn_json_reset(j);
	output_eve_begin(&r, j, ts_ns, f->flow_id, 0, "flow", strlen("flow"), k->vlan);
	output_eve_tuple(&r, &t);
	if (app_proto)
		output_run_str(&r, "app_proto", app_proto);
	if (app_proto_orig)
		output_run_str(&r, "app_proto_orig", app_proto_orig);
	output_run_flush(&r);
	put_flow_object(j, f, reason);
	if (community_id)
		kn_json_str(j, "community_id", community_id);
	if (k->proto == 6)
		put_tcp_object(j, f);
	kn_json_close(j);
}
