/*
 * fuzz_detectors.c - libFuzzer target for the behaviour detectors
 * (src/anomaly/detectors.c and every registered detector but dga, which
 * needs a model: its scorer has fuzz_dga_model). Input starting
 * with 'P': 16-byte packet records (source and destination IPv4, protocol,
 * TCP flags or ICMP type, destination port, direction, first packet of its
 * direction, ICMP-error flag, payload length, time step) fed to the packet
 * hook; with 'T': NUL-separated values given as every buffer (JA3, JA4,
 * SNI, user agent) of alternating TLS and HTTP transactions; otherwise a
 * list of DNS query names separated by NUL bytes, each asked one second
 * after the previous through the dns.query buffer; with 'A': 9-byte ARP
 * records (op, sender MAC and IP, target IP and MAC, Ethernet broadcast,
 * time step) as decode leaves them, without a flow, for the arp detector
 * (and every other detector's flow check). A small memcap makes
 * the tables evict; 128.0.0.0/1 is a darknet, 0.0.0.0/1 home. Reports
 * must be well formed.
 * Seeds: fuzz/corpus/detectors/.
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "kenchi/detector.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static const uint8_t *cur;
static uint32_t cur_len;

static int name_buffer(const struct kn_tx *tx, unsigned buf, unsigned index,
		       const uint8_t **d, uint32_t *len)
{
	if ((tx->id == 0 && buf != KN_BUF_DNS_QUERY) || index)
		return 0;   /* id 0: a DNS transaction; others answer every buffer */
	*d = cur;
	*len = cur_len;
	return 1;
}

static void on_report(void *user, const struct kn_detection *d)
{
	(void)user;
	if (!d->detector || !d->key || !d->explanation || !(d->score >= 0 && d->score <= 1) ||
	    strlen(d->key) > 255 || (!strcmp(d->detector, "arp") && !d->subject_mac_set))
		abort();
}

static void packets(struct kn_detect_ctx *c, struct kn_flow *flow, const uint8_t *d, size_t n)
{
	uint64_t t = 1000000000ull;

	for (; n >= 16; d += 16, n -= 16) {
		struct kn_packet p;
		memset(&p, 0, sizeof p);
		p.ip_version = 4;
		memcpy(p.src.b, d, 4);
		memcpy(p.dst.b, d + 4, 4);
		p.proto = d[8];
		p.tcp.flags = d[9];
		p.icmp_type = d[9];
		p.dport = (uint16_t)(d[10] << 8 | d[11]);
		p.dir = d[12] & 1;
		flow->pkts[0] = flow->pkts[1] = 5;
		flow->pkts[p.dir] = d[12] & 2 ? 1 : 5;
		p.payload_len = (uint32_t)(d[13] >> 1) << (d[12] >> 4);
		if (d[13] & 1) {
			p.flags = KN_PKT_ICMP_ERROR;
			memcpy(p.quote.src.b, d + 4, 4);
		}
		t += (uint64_t)d[14] << (d[15] & 31);
		p.ts_ns = t;
		p.index = t;
		p.flow = flow;
		kn_detect_packet(c, &p);
	}
}

/* Few distinct hosts, so bindings change and senders repeat. */
static void arp_mac(uint8_t mac[6], uint8_t id)
{
	static const uint8_t base[6] = { 2, 0, 0, 0, 0, 0 };
	memcpy(mac, base, 6);
	mac[5] = id;
	if (id == 0xff)
		memset(mac, 0xff, 6);    /* broadcast */
	else if (id == 0xfe)
		memset(mac, 0, 6);       /* unknown (requests) */
}

static void arp_packets(struct kn_detect_ctx *c, const uint8_t *d, size_t n)
{
	uint64_t t = 1000000000ull;

	for (; n >= 9; d += 9, n -= 9) {
		struct kn_packet p;
		memset(&p, 0, sizeof p);
		p.flags = KN_PKT_ARP | KN_PKT_ETH;
		p.arp.op = d[0] & 3;
		arp_mac(p.arp.sha, d[1]);
		p.arp.spa[0] = 10;
		p.arp.spa[3] = d[2];
		p.arp.tpa[0] = 10;
		p.arp.tpa[3] = d[3];
		arp_mac(p.arp.tha, d[4]);
		memcpy(p.eth_src, p.arp.sha, 6);
		arp_mac(p.eth_dst, d[5] & 1 ? 0xff : d[4]);
		t += (uint64_t)(d[6] | d[7] << 8) << (d[8] & 31);
		p.ts_ns = t;
		p.index = t;
		kn_detect_packet(c, &p);
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct kn_detect_config cfg;
	struct kn_detect_callbacks cb = { .report = on_report };
	char err[KN_ERRBUF_SIZE];
	struct kn_flow flow;
	uint64_t t = 1;

	kn_detect_config_default(&cfg);
	cfg.memcap = 1;   /* the smallest table */
	cfg.learn_s = 1;
	cfg.exfil_min_bytes = 4096;
	if (kn_detect_parse_prefixes("128.0.0.0/1", cfg.dark_nets, 8, err) != 1 ||
	    kn_detect_parse_prefixes("0.0.0.0/1", cfg.home_nets, 8, err) != 1)
		abort();
	cfg.n_dark_nets = cfg.n_home_nets = 1;
	struct kn_detect_ctx *c = kn_detect_ctx_new(&cfg, &cb, err);
	if (!c)
		return 0;
	memset(&flow, 0, sizeof flow);
	if (size && data[0] == 'P') {
		packets(c, &flow, data + 1, size - 1);
		kn_detect_ctx_free(c);
		return 0;
	}
	if (size && data[0] == 'A') {
		arp_packets(c, data + 1, size - 1);
		kn_detect_ctx_free(c);
		return 0;
	}
	int app = size && data[0] == 'T';
	if (app)
		data++, size--;
	while (size) {
		const uint8_t *end = memchr(data, 0, size);
		size_t n = end ? (size_t)(end - data) : size;
		struct kn_tx tx = { .id = app ? t : 0, .buffer = name_buffer };
		cur = data;
		cur_len = (uint32_t)n;
		flow.key.src.b[0] = (uint8_t)(t & 0x7f);   /* a few clients, home */
		flow.key.ip_version = 4;
		kn_detect_tx(c, &flow, app ? (t & 1 ? "tls" : "http") : "dns", &tx,
			     t * 1000000000ull, t);
		t++;
		data += n + (end != NULL);
		size -= n + (end != NULL);
	}
	kn_detect_ctx_free(c);
	return 0;
}
