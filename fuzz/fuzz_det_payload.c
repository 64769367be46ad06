/*
 * fuzz_det_payload.c - libFuzzer target for the behaviour detectors that
 * read packet payload bytes (icmp_tunnel's fill-pattern and inner IP
 * header checks, brute_force's FTP/SMTP failure replies and Kerberos
 * KRB-ERROR DER, dcerpc's bind and request PDUs, bare or in SMB2) and
 * the others that share their packets (flood, reflection, doh,
 * port_scan...).
 * fuzz_detectors feeds packets without bytes; here each record carries
 * its payload behind a real transport header:
 *   byte 0: bits 0-1 protocol (TCP, UDP, ICMP, ICMPv6), bit 2 direction,
 *           bit 3 first packet of its direction, bit 4 server SYN-ACK seen
 *   byte 1: TCP flags or ICMP type
 *   bytes 2-3, 4-5: source and destination port (ICMP: sequence number)
 *   byte 6, 7: source and destination host (index into a small table of
 *           internal, public and resolver addresses)
 *   byte 8: time step; bytes 9-10: payload length (cut to what is left)
 *   then the payload.
 * A small memcap makes the tables evict. Reports must be well formed.
 * Seeds: fuzz/corpus/det_payload/.
 */
#include <stdlib.h>
#include <string.h>

#include "kenchi/detector.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static const uint8_t hosts[8][4] = {
	{ 10, 0, 0, 1 }, { 10, 0, 0, 2 }, { 192, 168, 1, 9 }, { 198, 51, 100, 7 },
	{ 203, 0, 113, 5 }, { 1, 1, 1, 1 }, { 8, 8, 8, 8 }, { 224, 0, 0, 251 },
};

static void on_report(void *user, const struct kn_detection *d)
{
	(void)user;
	if (!d->detector || !d->key || !d->explanation || !(d->score >= 0 && d->score <= 1) ||
	    strlen(d->key) > 255 || strlen(d->explanation) > 1000)
		abort();
}

/* One record at d[0..n); returns the bytes it used, 0 at the end. */
static size_t record(struct kn_detect_ctx *c, struct kn_flow *flow, uint8_t *frame,
		     uint64_t *t, const uint8_t *d, size_t n)
{
	static const uint8_t protos[4] = { 6, 17, 1, 58 };
	struct kn_packet p;

	if (n < 11)
		return 0;
	uint32_t len = (uint32_t)(d[9] << 8 | d[10]);
	if (len > n - 11)
		len = (uint32_t)(n - 11);
	memset(&p, 0, sizeof p);
	p.proto = protos[d[0] & 3];
	p.ip_version = p.proto == 58 ? 6 : 4;
	uint32_t hlen = p.proto == 6 ? 20 : 8;
	memset(frame, 0, hlen);
	frame[0] = d[1];
	memcpy(frame + 6, d + 2, 2);   /* ICMP sequence number */
	memcpy(frame + hlen, d + 11, len);
	p.data = frame;
	p.caplen = hlen + len;
	p.payload_off = hlen;
	p.payload_len = len;
	memcpy(p.src.b, hosts[d[6] & 7], 4);
	memcpy(p.dst.b, hosts[d[7] & 7], 4);
	if (p.ip_version == 6)
		p.src.b[0] = 0xfd, p.dst.b[0] = d[7] & 8 ? 0x26 : 0xfd;
	p.sport = (uint16_t)(d[2] << 8 | d[3]);
	p.dport = (uint16_t)(d[4] << 8 | d[5]);
	p.tcp.flags = p.proto == 6 ? d[1] : 0;
	p.icmp_type = p.proto == 6 || p.proto == 17 ? 0 : d[1];
	p.dir = (uint8_t)(d[0] >> 2 & 1);
	flow->pkts[p.dir] = d[0] & 8 ? 1 : 2 + (d[8] & 3);
	flow->pkts[!p.dir] = d[0] & 8 ? 0 : 3;
	flow->tcp_flags[1] = d[0] & 16 ? 0x12 : 0;
	*t += (uint64_t)d[8] << (d[0] >> 5 << 3);
	p.ts_ns = *t;
	p.index = *t;
	p.flow = flow;
	kn_detect_packet(c, &p);
	return 11 + len;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static uint8_t frame[20 + 65536];
	struct kn_detect_config cfg;
	struct kn_detect_callbacks cb = { .report = on_report };
	char err[KN_ERRBUF_SIZE];
	struct kn_flow flow;
	uint64_t t = 1000000000ull;
	size_t used;

	kn_detect_config_default(&cfg);
	cfg.memcap = 1;   /* the smallest tables */
	cfg.flood_min_syns = 10;
	cfg.reflect_min_packets = 4;
	cfg.reflect_min_sources = 2;
	struct kn_detect_ctx *c = kn_detect_ctx_new(&cfg, &cb, err);
	if (!c)
		return 0;
	memset(&flow, 0, sizeof flow);
	while ((used = record(c, &flow, frame, &t, data, size)) != 0)
		data += used, size -= used;
	kn_detect_ctx_free(c);
	return 0;
}
