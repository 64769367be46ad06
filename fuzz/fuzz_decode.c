/*
 * fuzz_decode.c - libFuzzer target for the decode stage (untrusted frames).
 *
 * Input: one selector byte, then the frame. The selector's low bits pick
 * the link type (Ethernet, SLL, SLL2, raw IP, null, loop); its high bit
 * says the frame was cut by the snaplen (the wire length is then larger
 * than the bytes given). One decoder lives across inputs, with a small
 * defrag memcap and tracker limit and a clock that advances 10 ms per
 * input, so fragments from different inputs meet, reassemble, overflow
 * the memcap and time out. After each decode the packet contract is
 * checked and every payload byte the packet claims is read (ASan checks
 * the bounds); a violation traps.
 *
 * The decoder and the clock are process state by necessity: libFuzzer
 * calls a plain function with no context argument.
 *
 * Seeds: fuzz/corpus/decode/ (written by tests/unit/decode/test_robust.c
 * with KN_DECODE_WRITE_SEEDS=<dir>).
 */
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "kenchi/decode.h"

static struct kn_decoder *decoder;
static uint64_t now_ns = 1000000000ull;

static struct kn_decoder *get_decoder(void)
{
	if (!decoder) {
		struct kn_decode_config cfg;
		char err[KN_ERRBUF_SIZE];
		kn_decode_config_default(&cfg);
		cfg.defrag_memcap = 256 * 1024;
		cfg.defrag_max_trackers = 64;
		cfg.defrag_timeout_ns = 1000000000ull;
		cfg.max_layers = 12;
		decoder = kn_decoder_new(&cfg, err);
	}
	return decoder;
}

static void check(int ok)
{
	if (!ok)
		__builtin_trap();
}

/* Reads every byte the packet says it has, and checks the contract. */
static void check_packet(const struct kn_packet *p, int r)
{
	check(r == KN_DECODE_IP || r == KN_DECODE_OTHER || r == KN_DECODE_HELD);
	check(p->n_events <= KN_PKT_MAX_EVENTS);
	for (unsigned i = 0; i < p->n_events; i++)
		check(kn_decode_event_name(p->events[i]) != NULL);
	/* ARP fields only on a non-IP packet outside tunnels */
	check(!(p->flags & KN_PKT_ARP) || (r == KN_DECODE_OTHER && !p->tunnel_depth));
	if (r != KN_DECODE_IP)
		return;
	check(p->ip_version == 4 || p->ip_version == 6);
	check(p->payload_off + (uint64_t)p->payload_len <= p->caplen);
	check(p->l3_off <= p->l4_off && p->l4_off <= p->payload_off);
	check(p->frag_count >= 1);
	check(p->hash == kn_packet_hash(p));
	volatile uint8_t sink = 0;
	for (uint32_t i = 0; i < p->payload_len; i++)
		sink ^= p->data[p->payload_off + i];
	if (p->caplen > p->l3_off)
		sink ^= p->data[p->l3_off];
	(void)sink;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const uint16_t links[8] = { 1, 113, 276, 101, 0, 108, 228, 229 };
	struct kn_decoder *d = get_decoder();
	if (!d || size < 1)
		return 0;
	uint8_t sel = data[0];
	struct kn_packet p;
	memset(&p, 0xa5, sizeof p); /* the decoder must set its fields itself */
	p.data = size > 1 ? data + 1 : NULL;
	p.caplen = (uint32_t)(size - 1);
	p.wirelen = p.caplen + ((sel & 0x80) ? 1 + (sel & 0x70) * 16u : 0);
	p.linktype = links[sel & 7];
	p.flags = 0;
	p.index = 1;
	p.flow = NULL;
	now_ns += 10000000ull;
	p.ts_ns = now_ns;
	int r = kn_decode(d, &p);
	check_packet(&p, r);
	const struct kn_decode_stats *st = kn_decoder_stats(d);
	check(st->defrag_mem_in_use <= 256 * 1024);
	return 0;
}
