/*
 * fuzz_anomaly.c - libFuzzer target for the anomaly stage's feature
 * extractor: untrusted frames decoded, reduced by kn_ai_packet_from() (which
 * parses ARP from the frame itself) and fed to two AfterImage instances
 * (Kitsune-exact and pair-only) with a 1 MiB memcap, so tables fill and
 * evict across inputs.
 *
 * Input: one selector byte, then the frame. Selector bits 0-2 pick the link
 * type (Ethernet, SLL, SLL2, raw IP, null, loop); bits 3-6 advance the
 * clock by that many 50 ms steps (0 = same instant, so equal times are
 * covered); bit 7 moves the clock one second BACK (out-of-order input).
 * Every feature must be a number, and all but the correlation coefficient
 * finite; weights are positive. A violation traps.
 *
 * The decoder, extractors and clock are process state by necessity:
 * libFuzzer calls a plain function with no context argument.
 */
#include <math.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "kenchi/anomaly.h"
#include "kenchi/decode.h"

static struct kn_decoder *decoder;
static struct kn_afterimage *ai[2];
static uint64_t now_ns = 1000000000000ull;

static int setup(void)
{
	char err[KN_ERRBUF_SIZE];
	if (!decoder)
		decoder = kn_decoder_new(NULL, err);
	for (int i = 0; i < 2; i++) {
		if (ai[i])
			continue;
		struct kn_afterimage_config cfg;
		kn_afterimage_config_default(&cfg);
		cfg.memcap = 1u << 20;
		cfg.kitsune_exact = i == 0;
		ai[i] = kn_afterimage_new(&cfg, err);
	}
	return decoder && ai[0] && ai[1];
}

static void check(int ok)
{
	if (!ok)
		__builtin_trap();
}

static void check_features(const double *f)
{
	for (int i = 0; i < KN_AI_FEATURES; i++) {
		char name[64];
		check(!isnan(f[i]));
		check(kn_afterimage_feature_name((unsigned)i, name, sizeof name) != NULL);
		if (!strstr(name, "pcc"))
			check(isfinite(f[i]));
		if (strstr(name, "weight"))
			check(f[i] > 0);
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const uint16_t links[8] = { 1, 113, 276, 101, 0, 108, 228, 229 };
	if (size < 1 || !setup())
		return 0;
	uint8_t sel = data[0];
	struct kn_packet p;
	memset(&p, 0xa5, sizeof p);
	p.data = size > 1 ? data + 1 : NULL;
	p.caplen = (uint32_t)(size - 1);
	p.wirelen = p.caplen;
	p.linktype = links[sel & 7];
	p.flags = 0;
	p.index = 1;
	p.flow = NULL;
	now_ns += ((sel >> 3) & 15) * 50000000ull;
	if (sel & 0x80)
		now_ns -= 1000000000ull;
	p.ts_ns = now_ns;
	struct kn_ai_packet ap;
	kn_ai_packet_from(&p, kn_decode(decoder, &p), &ap);
	check(ap.kind <= KN_AI_ARP && ap.port_kind <= KN_AI_PORTS_ICMP);
	double f[KN_AI_FEATURES];
	for (int i = 0; i < 2; i++) {
		kn_afterimage_update(ai[i], &ap, f);
		check_features(f);
		struct kn_afterimage_stats st;
		kn_afterimage_get_stats(ai[i], &st);
		check(st.memory <= 1u << 20);
		for (int t = 0; t < 6; t++)
			check(st.entries[t] <= st.capacity[t]);
	}
	return 0;
}
