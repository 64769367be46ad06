/*
 * sig_events.c - rules on what the earlier stages report rather than on
 * bytes: decoder events (decode-event:ipv4.pkt_too_small), application
 * layer events (app-layer-event:http.response_header_invalid), and the
 * checksum keywords (ipv4-csum, tcpv4-csum, udpv6-csum... :valid|invalid),
 * which kenchi computes itself since it never drops a packet for a bad
 * checksum (captures with checksum offload are full of them).
 *
 * Decoder-event rules are indexed by event id and evaluated for each event
 * a packet carries; app-layer-event rules are few and matched by name when
 * a parser reports an event.
 */
#include <ctype.h>
#include <string.h>

#include "detect/sig_int.h"
#include "kenchi/decode.h"

/* ---------------------------------------------------------- checksums */

static uint32_t sum16(const uint8_t *p, size_t n, uint32_t acc)
{
	for (; n >= 2; p += 2, n -= 2)
		acc += (uint32_t)p[0] << 8 | p[1];
	if (n)
		acc += (uint32_t)p[0] << 8;
	return acc;
}

static int folds_to_ffff(uint32_t acc)
{
	while (acc >> 16)
		acc = (acc & 0xffff) + (acc >> 16);
	return acc == 0xffff;
}

/* 1 valid, 0 invalid, -1 cannot tell (truncated, other protocol). */
static int ipv4_header_ok(const struct kn_packet *p)
{
	if (p->ip_version != 4 || p->l3_off + 20 > p->caplen)
		return -1;
	const uint8_t *ip = p->data + p->l3_off;
	unsigned hl = (ip[0] & 15u) * 4u;
	if (hl < 20 || p->l3_off + hl > p->caplen)
		return -1;
	return folds_to_ffff(sum16(ip, hl, 0));
}

static int l4_ok(const struct kn_packet *p, uint8_t proto)
{
	if (p->proto != proto || !p->ip_version || p->l4_off < p->l3_off)
		return -1;
	uint64_t end = (uint64_t)p->l3_off + p->ip_len;
	if (end > p->caplen || end <= p->l4_off)
		return -1;
	const uint8_t *l4 = p->data + p->l4_off, *ip = p->data + p->l3_off;
	size_t n = (size_t)(end - p->l4_off);
	uint32_t acc = 0;
	if (proto == 17 && p->ip_version == 4 && n >= 8 && l4[6] == 0 && l4[7] == 0)
		return 1;   /* no checksum (IPv4 UDP) */
	if (proto != 1) {   /* pseudo header */
		if (p->ip_version == 4)
			acc = sum16(ip + 12, 8, 0);
		else
			acc = sum16(ip + 8, 32, 0);
		acc += proto + (uint32_t)(n & 0xffff) + (uint32_t)(n >> 16);
	}
	return folds_to_ffff(sum16(l4, n, acc));
}

int sig_csum_ok(const struct sig_hdr *h, const struct kn_packet *p)
{
	int v;
	switch (h->kind) {
	case SIG_H_IPV4_CSUM: v = ipv4_header_ok(p); break;
	case SIG_H_TCPV4_CSUM: v = p->ip_version == 4 ? l4_ok(p, 6) : -1; break;
	case SIG_H_TCPV6_CSUM: v = p->ip_version == 6 ? l4_ok(p, 6) : -1; break;
	case SIG_H_UDPV4_CSUM: v = p->ip_version == 4 ? l4_ok(p, 17) : -1; break;
	case SIG_H_UDPV6_CSUM: v = p->ip_version == 6 ? l4_ok(p, 17) : -1; break;
	case SIG_H_ICMPV4_CSUM: v = p->ip_version == 4 ? l4_ok(p, 1) : -1; break;
	case SIG_H_ICMPV6_CSUM: v = p->ip_version == 6 ? l4_ok(p, 58) : -1; break;
	default: return 0;
	}
	return v >= 0 && v == h->want;
}

/* ------------------------------------------------------ decoder events */

int sig_decode_event_id(const char *name)
{
	size_t n = strlen(name);
	if (n > 8 && !strncmp(name, "decoder.", 8))
		name += 8;
	for (unsigned i = 0; i < KN_DEV_COUNT; i++) {
		const char *e = kn_decode_event_name(i);
		if (e && !strcmp(e, name))
			return (int)i;
	}
	return -1;
}

void kn_sig_decoder(struct kn_sig_ctx *c, const struct kn_packet *p)
{
	const struct kn_sig_engine *e = c->e;
	const char *app_proto = p->flow ? kn_app_proto_of(p->flow) : NULL;
	sig_alerts_begin(c, p, 1);
	for (unsigned k = 0; k < p->n_events && k < KN_PKT_MAX_EVENTS; k++) {
		unsigned ev = p->events[k];
		if (ev >= KN_DEV_COUNT)
			continue;
		for (uint32_t i = e->dev_first[ev]; i < e->dev_first[ev + 1]; i++) {
			const struct sig_rule *s = &e->rules[e->dev_rules[i]];
			if (!sig_pkt_rule_ok(c, s, p, p->payload_len, app_proto))
				continue;
			struct kn_sig_alert a = {
				.flow = p->flow, .pkt = p, .dir = p->dir, .ts_ns = p->ts_ns,
				.pcap_cnt = p->index, .app_proto = app_proto,
			};
			sig_matched(c, s, &a, &p->src, &p->dst);
		}
	}
}

/* ------------------------------------------------- app-layer events */

/* "http.response_header_invalid" for proto http, event RESPONSE_HEADER_INVALID */
static int aev_name_is(const char *want, const char *proto, const char *event)
{
	size_t pl = proto ? strlen(proto) : 0;
	if (pl && !strncmp(want, proto, pl) && want[pl] == '.')
		want += pl + 1;
	for (; *want && *event; want++, event++)
		if (tolower((unsigned char)*want) != tolower((unsigned char)*event))
			return 0;
	return !*want && !*event;
}

void kn_sig_app_event(struct kn_sig_ctx *c, const struct kn_flow *f, const char *app_proto,
		      int dir, const char *event, uint64_t ts_ns, uint64_t pcap_cnt)
{
	const struct kn_sig_engine *e = c->e;
	if (!f || !event)
		return;
	c->n_alerts = 0;
	c->alert_pkt = NULL;
	for (uint32_t i = 0; i < e->n_aev; i++) {
		const struct sig_rule *s = &e->rules[e->aev[i]];
		if (!aev_name_is(s->aev, app_proto, event))
			continue;
		if (!sig_flow_rule_ok(c, s, f, app_proto, dir))
			continue;
		const struct kn_flow_key *k = &f->key;
		struct kn_sig_alert a = {
			.flow = f, .app_proto = app_proto, .dir = dir, .ts_ns = ts_ns,
			.pcap_cnt = pcap_cnt,
		};
		sig_matched(c, s, &a, dir ? &k->dst : &k->src, dir ? &k->src : &k->dst);
	}
}
