/*
 * decode.c - the decode stage's public entry points: configuration,
 * decoder lifetime, kn_decode() itself (packet reset, link dispatch, flow
 * hash) and the statistics accessor.
 *
 * Pipeline position: capture hands each packet to kn_decode(); packets it
 * returns as KN_DECODE_IP go on to the flow table. The layer walk itself
 * lives in link.c and the files it calls (see decode_int.h).
 */
#include <stddef.h>
#include <stdio.h>
#include <string.h>

#include "decode_int.h"
#include "util/alloc.h"
#include "util/hash.h"

/* The decode-owned fields run from ip_version to hash (packet.h). */
_Static_assert(offsetof(struct kn_packet, ip_version) < offsetof(struct kn_packet, hash),
	       "decode-owned fields must run from ip_version to hash");
_Static_assert(offsetof(struct kn_packet, flow) > offsetof(struct kn_packet, hash),
	       "flow-owned fields must follow the decode-owned block");

void kn_decode_config_default(struct kn_decode_config *cfg)
{
	cfg->defrag_memcap = 32ull << 20;
	cfg->defrag_timeout_ns = 60ull * 1000000000ull;
	cfg->defrag_max_trackers = 65536;
	cfg->max_layers = 16;
	cfg->ignore_vlan = 0;
}

struct kn_decoder *kn_decoder_new(const struct kn_decode_config *cfg, char *errbuf)
{
	struct kn_decode_config def;
	if (!cfg) {
		kn_decode_config_default(&def);
		cfg = &def;
	}
	if (cfg->max_layers == 0 || cfg->max_layers > DECODE_MAX_LAYERS) {
		snprintf(errbuf, KN_ERRBUF_SIZE, "decode: max_layers must be 1..%d (got %u)",
			 DECODE_MAX_LAYERS, cfg->max_layers);
		return NULL;
	}
	struct kn_decoder *d = kn_calloc(1, sizeof *d);
	if (!d)
		goto fail;
	d->cfg = *cfg;
	d->defrag_due_ns = UINT64_MAX;
	if (cfg->defrag_max_trackers > 0) {
		d->defrag = defrag_new(cfg);
		if (!d->defrag)
			goto fail;
	}
	return d;
fail:
	kn_free(d);
	snprintf(errbuf, KN_ERRBUF_SIZE, "decode: out of memory");
	return NULL;
}

void kn_decoder_free(struct kn_decoder *d)
{
	if (!d)
		return;
	defrag_free(d->defrag);
	kn_free(d);
}

const struct kn_decode_stats *kn_decoder_stats(const struct kn_decoder *d)
{
	return &d->stats;
}

void kn_decoder_expire(struct kn_decoder *d, uint64_t now_ns)
{
	if (d->defrag)
		defrag_expire(d, now_ns);
}

static inline uint64_t hash_extra(const struct kn_packet *p)
{
	/* vlan ids are 12 bits: proto | vlan0 | vlan1 fit below bit 32. */
	return (uint64_t)p->proto | (uint64_t)(p->vlan[0] & 0xfff) << 8 |
	       (uint64_t)(p->vlan[1] & 0xfff) << 20 | (uint64_t)p->tunnel_id << 32;
}

uint32_t kn_packet_hash(const struct kn_packet *p)
{
	if (p->ip_version == 4) {
		/* Same value, but the compiler sees the 12 zero bytes of an IPv4
		 * kn_addr and folds half of the address mixing. */
		uint8_t a[16] = {0}, b[16] = {0};
		memcpy(a, p->src.b, 4);
		memcpy(b, p->dst.b, 4);
		return kn_hash_tuple(a, p->sport, b, p->dport, hash_extra(p));
	}
	return kn_hash_tuple(p->src.b, p->sport, p->dst.b, p->dport, hash_extra(p));
}

/* Every decode-owned field gets a defined value before the walk starts.
 * Field by field (not one memset): the compiler emits a few vector stores
 * instead of a slow string instruction. */
static inline void packet_reset(struct kn_packet *p)
{
	static const struct kn_addr zero_addr;
	p->ip_version = 0;
	p->proto = 0;
	p->ttl = 0;
	p->tunnel_depth = 0;
	p->vlan[0] = 0;
	p->vlan[1] = 0;
	p->tunnel_id = 0;
	p->src = zero_addr;
	p->dst = zero_addr;
	p->sport = 0;
	p->dport = 0;
	p->icmp_type = 0;
	p->icmp_code = 0;
	p->icmp_id = 0;
	p->l3_off = 0;
	p->l4_off = 0;
	p->payload_off = 0;
	p->payload_len = 0;
	p->ip_len = 0;
	p->tcp = (struct kn_tcp_hdr){ .wscale = 0xff };
	p->quote = (struct kn_icmp_quote){ .proto = 0 };
	p->flags &= KN_PKT_STABLE;
	if (p->caplen < p->wirelen)
		p->flags |= KN_PKT_TRUNCATED;
	p->frag_count = 1;
	p->frag_bytes = p->caplen;
	p->n_events = 0;
	memset(p->events, 0, sizeof p->events);
	memset(p->eth_src, 0, sizeof p->eth_src);
	memset(p->eth_dst, 0, sizeof p->eth_dst);
	p->arp = (struct kn_arp){ .op = 0 };
	p->hash = 0;
}

int kn_decode(struct kn_decoder *d, struct kn_packet *pkt)
{
	struct decode_ctx c = {
		.d = d, .p = pkt, .data = pkt->data, .cap = pkt->data ? pkt->caplen : 0,
	};

	packet_reset(pkt);
	d->stats.pkts++;
	d->stats.bytes += pkt->caplen;
	if (KN_UNLIKELY(pkt->ts_ns >= d->defrag_due_ns))
		defrag_expire(d, pkt->ts_ns);

	int r = decode_link(&c);
	if (KN_LIKELY(r == KN_DECODE_IP)) {
		if (KN_UNLIKELY(d->cfg.ignore_vlan)) {
			uint16_t v0 = pkt->vlan[0], v1 = pkt->vlan[1];
			pkt->vlan[0] = pkt->vlan[1] = 0;
			pkt->hash = kn_packet_hash(pkt);
			pkt->vlan[0] = v0;
			pkt->vlan[1] = v1;
		} else {
			pkt->hash = kn_packet_hash(pkt);
		}
	} else if (r == KN_DECODE_OTHER && c.n_events) {
		d->stats.invalid++;
	}
	return r;
}
