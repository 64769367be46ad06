/*
 * fuzz_model_file.c - libFuzzer target for the anomaly model file loader
 * (kn_model_load_mem, format in src/anomaly/model_io.c): a model file is
 * untrusted input. It ends in a checksum and holds KNKITNET ensembles with
 * checksums of their own, which would stop the fuzzer at the first
 * mutation, so input byte 0 chooses: odd = the bytes after it are loaded
 * as they are, even = every ensemble whose declared length fits gets its
 * right FNV-1a hash, then the file its own, so mutations reach the
 * structural checks. A model that loads (feature tables at the 1 MiB
 * minimum whatever the file says) must score packets, including a
 * zero-time and a MAC-only one, with finite non-negative scores and
 * explain them with reasons inside the feature range; a violation traps.
 *
 * Seeds: fuzz/corpus/model_file (models of 1 and 2 ensembles).
 */
#include <math.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "kenchi/model.h"
#include "util/alloc.h"
#include "util/hash.h"

#define ENSEMBLES_AT 2440u

static void put_hash(uint8_t *end8, uint64_t h)
{
	for (int i = 0; i < 8; i++)
		end8[i] = (uint8_t)(h >> (8 * i));
}

static void reseal(uint8_t *b, size_t len)
{
	size_t off = ENSEMBLES_AT;
	for (int e = 0; e < 2 && len >= 8 && off + 8 <= len - 8; e++) {
		uint64_t n = 0;
		for (int i = 0; i < 8; i++)
			n |= (uint64_t)b[off + i] << (8 * i);
		if (n < 8 || n > len - 8 - off - 8)
			break;
		put_hash(b + off + 8 + n - 8, kn_fnv1a64(KN_FNV1A64_INIT, b + off + 8, (size_t)n - 8));
		off += 8 + (size_t)n;
	}
	if (len >= 8)
		put_hash(b + len - 8, kn_fnv1a64(KN_FNV1A64_INIT, b, len - 8));
}

static void exercise(struct kn_model *m)
{
	struct kn_ai_packet p;
	struct kn_model_reason why[3];
	char text[512];

	if (!kn_model_trained(m))
		__builtin_trap();
	memset(&p, 0, sizeof p);
	for (int i = 0; i < 3; i++) {
		p.kind = i == 2 ? KN_AI_OTHER : KN_AI_IP;
		p.ip_version = i == 2 ? 0 : 4;
		p.has_mac = 1;
		p.port_kind = KN_AI_PORTS_L4;
		p.ts_ns = i ? 1700000000000000000ull + (uint64_t)i * 1000 : 0;
		p.frame_len = 60u + 1400u * (unsigned)i;
		p.src_ip.b[3] = (uint8_t)i;
		double v = kn_model_process(m, &p);
		if (!(v >= 0) || !isfinite(v))
			__builtin_trap();
		unsigned n = kn_model_reasons(m, why, 3);
		for (unsigned k = 0; k < n; k++) {
			if (why[k].feature >= KN_AI_FEATURES || !(why[k].excess > 0))
				__builtin_trap();
			kn_model_reason_text(&why[k], &p, text, sizeof text);
		}
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char err[KN_ERRBUF_SIZE];

	if (size < 1)
		return 0;
	uint8_t *buf = kn_malloc(size);
	if (!buf)
		return 0;
	size_t len = size - 1;
	memcpy(buf, data + 1, len);
	if (!(data[0] & 1))
		reseal(buf, len);
	struct kn_model *m = kn_model_load_mem(buf, len, "fuzz", 1u << 20, err);
	if (m)
		exercise(m);
	kn_model_free(m);
	kn_free(buf);
	return 0;
}
