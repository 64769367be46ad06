/*
 * fuzz_app.h - the shared body of the application-layer fuzz targets
 * (fuzz_<proto>.c): one parser, forced on a fake flow (or, with proto NULL,
 * the protocol detected by content as in the worker), fed a sequence of
 * chunks decoded from the fuzzer's input.
 *
 * Input format: records of [op][len_hi][len_lo][len bytes]; op bit 0 is the
 * direction, bits 1-2 the kind (0/3 data, 1 gap of len bytes, 2 end of the
 * direction). Whatever is left when a record does not fit is one last data
 * chunk. For UDP parsers each data chunk is a datagram. The flow always
 * ends, so pending-transaction and free paths run too. Every event line is
 * formatted exactly as the worker would; what is checked: memory safety
 * (ASan/UBSan), termination, and that the app memcap is back to zero once
 * the flow has ended (no charge without its credit).
 */
#ifndef KN_FUZZ_APP_H
#define KN_FUZZ_APP_H

#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "kenchi/app.h"
#include "kenchi/eve.h"
#include "kenchi/stream.h"
#include "util/json.h"

static struct kn_json fuzz_json;

static void fuzz_on_tx(void *user, const struct kn_flow *flow, const char *app_proto,
		       const struct kn_tx *tx, uint64_t ts_ns, uint64_t pcap_cnt)
{
	(void)user;
	kn_eve_app_tx(&fuzz_json, flow, app_proto, tx, ts_ns, pcap_cnt, NULL);
	/* Every named buffer is read too, as detection would. */
	for (unsigned b = 0; tx->buffer && b < KN_BUF_COUNT; b++) {
		for (unsigned i = 0; i < 64; i++) {
			const uint8_t *d;
			uint32_t n;
			volatile uint8_t sink = 0;
			if (!tx->buffer(tx, b, i, &d, &n))
				break;
			for (uint32_t k = 0; k < n; k++)
				sink ^= d[k];
			(void)sink;
		}
	}
}

static void fuzz_on_event(void *user, const struct kn_flow *flow, const char *app_proto, int dir,
			  const char *layer, const char *event, uint64_t ts_ns, uint64_t pcap_cnt)
{
	(void)user;
	kn_eve_app_anomaly(&fuzz_json, flow, app_proto, dir, layer, event, ts_ns, pcap_cnt, NULL);
}

static void fuzz_on_asset(void *user, const struct kn_flow *flow, const char *app_proto,
			  const struct kn_asset *a, uint64_t ts_ns)
{
	(void)user, (void)flow, (void)app_proto, (void)ts_ns;
	volatile size_t n = 0;
	if (a->product)
		n += strlen(a->product);
	if (a->version)
		n += strlen(a->version);
	if (a->banner)
		n += strlen(a->banner);
	(void)n;
}

static inline int fuzz_app_one(const char *proto, uint8_t ipproto, uint16_t dport,
			       const uint8_t *data, size_t size)
{
	static struct kn_app_ctx *ctx;
	struct kn_flow flow;
	uint64_t ts = 1700000000ull * 1000000000ull;

	if (!ctx) {
		char err[KN_ERRBUF_SIZE];
		struct kn_app_config cfg;
		struct kn_app_hooks h = { .tx = fuzz_on_tx, .event = fuzz_on_event,
					  .asset = fuzz_on_asset };
		kn_app_config_default(&cfg);
		cfg.memcap = 16u << 20;
		cfg.http_lzma = 1;   /* HTTP's lzma decoder is fuzzed too */
		ctx = kn_app_ctx_new(&cfg, &h, err);
		if (!ctx || kn_json_init(&fuzz_json, 4096, 1 << 20) != 0)
			return 0;
	}
	memset(&flow, 0, sizeof flow);
	flow.key.ip_version = 4;
	flow.key.proto = ipproto;
	flow.key.src.b[0] = 10, flow.key.src.b[3] = 1;
	flow.key.dst.b[0] = 10, flow.key.dst.b[3] = 2;
	flow.key.sport = 40000;
	flow.key.dport = dport;
	flow.flow_id = 1;
	if (proto && kn_app_flow_set_proto(ctx, &flow, kn_app_parser_id(proto)) != 0) {
		kn_app_flow_end(ctx, &flow, ts, NULL);
		return 0;
	}
	while (size) {
		unsigned op = data[0], kind = (op >> 1) & 3, dir = op & 1;
		size_t len;
		ts += 1000;
		kn_app_set_packet(ctx, ts, 1);
		if (size < 3) {
			len = size - 1, data += 1, size -= 1;
			kind = 0;
		} else {
			len = (size_t)data[1] << 8 | data[2];
			data += 3, size -= 3;
			if (kind != 1 && kind != 2 && len > size)
				len = size;
		}
		if (kind == 1) {
			if (ipproto == 6)
				kn_app_stream_data(ctx, &flow, (int)dir, NULL, (uint32_t)len + 1,
						   KN_STREAM_GAP);
			continue;
		}
		if (kind == 2) {
			if (ipproto == 6)
				kn_app_stream_data(ctx, &flow, (int)dir, NULL, 0, KN_STREAM_FIN);
			continue;
		}
		if (ipproto == 6) {
			kn_app_stream_data(ctx, &flow, (int)dir, data, (uint32_t)len, 0);
		} else if (len) {
			struct kn_packet p;
			memset(&p, 0, sizeof p);
			p.data = data;
			p.payload_len = (uint32_t)len;
			p.proto = 17;
			p.flow = &flow;
			p.dir = (uint8_t)dir;
			kn_app_udp(ctx, &p);
		}
		data += len, size -= len;
	}
	kn_app_flow_end(ctx, &flow, ts, NULL);
	/* Every byte a parser charged to the memcap is credited back by the
	 * time its flow has ended. */
	if (kn_app_ctx_stats(ctx)->mem_in_use != 0)
		abort();
	return 0;
}

#endif
