/*
 * fuzz_kitnet_model.c - libFuzzer target for the KitNET model loader
 * (kn_kitnet_load_mem, format in src/anomaly/kitnet_io.c): a saved model
 * is untrusted input. The checksum that ends a model file would stop the
 * fuzzer at the first mutation, so input byte 0 chooses: odd = the bytes
 * after it are loaded as they are (the checksum must refuse nearly all),
 * even = the trailing 8 bytes are first replaced by the right FNV-1a hash,
 * so mutations reach the structural checks. A model that loads must score
 * vectors (including non-finite ones) with finite, non-negative results
 * and report a finite threshold; a violation traps.
 *
 * Seeds: fuzz/corpus/kitnet_model (saved models of 1, 6 and 100 features).
 */
#include <math.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "kenchi/anomaly.h"
#include "util/alloc.h"
#include "util/hash.h"

static void exercise(struct kn_kitnet *k)
{
	struct kn_kitnet_info info;
	kn_kitnet_get_info(k, &info);
	if (info.phase != KN_KITNET_SCORE || !isfinite(info.threshold) || info.n_ae < 1)
		__builtin_trap();
	double x[KN_KITNET_MAX_FEATURES];
	for (unsigned i = 0; i < info.n_features; i++)
		x[i] = (i % 3 == 0) ? 1e300 : (i % 3 == 1) ? -0.5 : NAN;
	for (int r = 0; r < 2; r++) {
		double v = kn_kitnet_process(k, x);
		if (!(v >= 0) || !isfinite(v))
			__builtin_trap();
		memset(x, 0, info.n_features * sizeof *x);
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (size < 1)
		return 0;
	uint8_t *buf = kn_malloc(size);
	if (!buf)
		return 0;
	size_t len = size - 1;
	memcpy(buf, data + 1, len);
	if (!(data[0] & 1) && len >= 8) {
		uint64_t h = kn_fnv1a64(KN_FNV1A64_INIT, buf, len - 8);
		for (int i = 0; i < 8; i++)
			buf[len - 8 + i] = (uint8_t)(h >> (8 * i));
	}
	char err[KN_ERRBUF_SIZE];
	struct kn_kitnet *k = kn_kitnet_load_mem(buf, len, "fuzz", err);
	if (k)
		exercise(k);
	else if (err[0] == '\0' || strlen(err) >= KN_ERRBUF_SIZE)
		__builtin_trap();
	kn_kitnet_free(k);
	kn_free(buf);
	return 0;
}
