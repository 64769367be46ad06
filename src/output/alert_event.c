/*
 * alert_event.c - the EVE "alert" event of a signature match, in Suricata
 * 7's shape: the head (oriented as the packet, or as the transaction's
 * side the rule read), "tx_id" for transaction alerts, the "alert" object
 * {action, gid, signature_id, rev, signature, category, severity}, the
 * transaction's own object ("http", "dns", "tls"...) as Suricata adds it,
 * "app_proto", and the flow's counters so far.
 */
#include <stdio.h>
#include <string.h>

#include "kenchi/eve.h"
#include "kenchi/sig.h"

#include "output/output.h"

static void tuple_of(const struct kn_sig_alert *a, struct output_tuple *t)
{
	if (!a->pkt) {
		output_flow_tuple(a->flow, a->dir, t);
		return;
	}
	output_packet_tuple(a->pkt, t);
	/* an IPv6 fragment the decoder holds for reassembly: Suricata's alert
	 * names the fragment header (44, "IPv6-Frag") as its protocol */
	if ((a->pkt->flags & KN_PKT_FRAGMENT) && a->pkt->ip_version == 6)
		t->proto = 44;
}

/* One "key value" item of a metadata option. */
struct meta_item {
	const char *key, *val;
	size_t klen, vlen;
};

#define META_MAX 64

static void trim(const char **s, size_t *n)
{
	while (*n && (**s == ' ' || **s == '\t'))
		(*s)++, (*n)--;
	while (*n && ((*s)[*n - 1] == ' ' || (*s)[*n - 1] == '\t'))
		(*n)--;
}

/* Items of the rule's metadata options, in rule order. */
static unsigned meta_items(const struct kn_rule *r, struct meta_item *v)
{
	static int kw = -2;
	unsigned n = 0;
	if (kw == -2)
		kw = kn_rule_keyword_by_name("metadata");
	for (uint32_t i = 0; i < r->n_opts; i++) {
		const char *t = r->opts[i].text;
		if ((int)r->opts[i].kw != kw || !t)
			continue;
		while (*t && n < META_MAX) {
			const char *end = strchr(t, ',');
			size_t len = end ? (size_t)(end - t) : strlen(t);
			const char *item = t;
			trim(&item, &len);
			const char *sp = memchr(item, ' ', len);
			if (sp && len) {
				v[n] = (struct meta_item){ item, sp + 1, (size_t)(sp - item),
							   len - (size_t)(sp - item) - 1 };
				trim(&v[n].val, &v[n].vlen);
				n++;
			}
			t = end ? end + 1 : t + strlen(t);
		}
	}
	return n;
}

static int key_cmp(const struct meta_item *a, const struct meta_item *b)
{
	size_t n = a->klen < b->klen ? a->klen : b->klen;
	int c = memcmp(a->key, b->key, n);
	return c ? c : (a->klen > b->klen) - (a->klen < b->klen);
}

/* "metadata": {key: [values]}, keys sorted, values in rule order (as
 * Suricata 7 logs a rule's metadata). */
static void metadata_object(struct kn_json *j, const struct kn_rule *r)
{
	struct meta_item v[META_MAX];
	unsigned n = meta_items(r, v);
	if (!n)
		return;
	for (unsigned i = 1; i < n; i++)   /* stable insertion sort by key */
		for (unsigned k = i; k > 0 && key_cmp(&v[k - 1], &v[k]) > 0; k--) {
			struct meta_item t = v[k];
			v[k] = v[k - 1];
			v[k - 1] = t;
		}
	kn_json_open(j, "metadata");
	for (unsigned i = 0; i < n;) {
		char key[128];
		snprintf(key, sizeof key, "%.*s", (int)v[i].klen, v[i].key);
		kn_json_open_array(j, key);
		unsigned k = i;
		for (; k < n && key_cmp(&v[i], &v[k]) == 0; k++)
			kn_json_strn(j, NULL, v[k].val, v[k].vlen);
		kn_json_close_array(j);
		i = k;
	}
	kn_json_close(j);
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
	metadata_object(j, r);
	kn_json_close(j);
}

static void flow_object(struct kn_json *j, const struct kn_flow *f)
{
	struct output_run run;
	const struct kn_flow_key *k = &f->key;
	int ports = output_proto_has_ports(k->proto);

	kn_json_open(j, "flow");
	output_run_init(&run, j);
	output_run_u64(&run, "pkts_toserver", f->pkts[0]);
	output_run_u64(&run, "pkts_toclient", f->pkts[1]);
	output_run_u64(&run, "bytes_toserver", f->bytes[0]);
	output_run_u64(&run, "bytes_toclient", f->bytes[1]);
	output_run_time(&run, "start", f->start_ns);
	output_run_addr(&run, "src_ip", &k->src, k->ip_version);
	output_run_addr(&run, "dest_ip", &k->dst, k->ip_version);
	if (ports) {
		output_run_u64(&run, "src_port", k->sport);
		output_run_u64(&run, "dest_port", k->dport);
	}
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
	if (a->verdict) {
		kn_json_open(j, "verdict");
		kn_json_str(j, "action", a->verdict);
		kn_json_close(j);
	}
	if (a->tx && a->tx->log && !a->tx->event_type)
		a->tx->log(a->tx, j);
	if (a->app_proto && strcmp(a->app_proto, "failed") != 0)
		kn_json_str(j, "app_proto", a->app_proto);
	if (f) {
		kn_json_str(j, "direction", a->dir ? "to_client" : "to_server");
		flow_object(j, f);
	}
	kn_json_close(j);
}
