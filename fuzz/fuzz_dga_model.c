/*
 * fuzz_dga_model.c - libFuzzer target for the DGA scorer's model loader
 * (kn_dga_model_load) and name scorer (kn_dga_score_name).
 *
 * Input: one selector byte, then the payload.
 *   selector % 3 == 0: the payload is a model file, loaded as is.
 *   selector % 3 == 1: the payload patches a valid model (trained once at
 *     start-up from a small built-in list, dictionary included): records of
 *     a 3-byte little-endian offset (taken modulo the model's size), a
 *     length byte and that many bytes written there; with selector bit 7
 *     the patched model is also cut to (size - last offset). This reaches
 *     the table and scalar checks that a random file never passes.
 *   selector % 3 == 2: the payload is a DNS name scored by the base model.
 * A loaded model must score names in [0, 1] with finite features and
 * serialise back to the very bytes it was loaded from. A violation traps.
 *
 * The base model is process state by necessity: libFuzzer calls a plain
 * function with no context argument.
 */
#include <math.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "kenchi/anomaly.h"
#include "util/alloc.h"

static struct kn_dga_model *base;
static uint8_t *base_buf;
static size_t base_len;

static const char *const words[] = {"search", "engine", "google", "world", "news", "mail",
				    "office", "market", "travel", "music", "video", "weather"};
static const char *const names[] = {"google.com",  "news.bbc.co.uk", "weather.com",
				    "xk2j9q.net",  "mail.yahoo.com", "musicvideo.org"};

static void check(int ok)
{
	if (!ok)
		__builtin_trap();
}

static int setup(void)
{
	char err[KN_ERRBUF_SIZE];
	if (base)
		return 1;
	struct kn_dga_trainer *tr = kn_dga_trainer_new(err);
	if (!tr)
		return 0;
	int rc = 0;
	for (size_t i = 0; i < sizeof words / sizeof words[0]; i++)
		rc |= kn_dga_trainer_add(tr, words[i], strlen(words[i]), KN_DGA_WORD) < 0;
	for (int r = 0; r < 4; r++)
		for (size_t i = 0; i < sizeof names / sizeof names[0]; i++)
			rc |= kn_dga_trainer_add(tr, names[i], strlen(names[i]), KN_DGA_BENIGN) < 0;
	rc |= kn_dga_trainer_add(tr, "qz8x7kw3v.com", 13, KN_DGA_DGA) < 0;
	base = rc ? NULL : kn_dga_trainer_finish(tr, 0.1, err);
	kn_dga_trainer_free(tr);
	if (base && kn_dga_model_save(base, &base_buf, &base_len) != 0) {
		kn_dga_model_free(base);
		base = NULL;
	}
	return base != NULL;
}

static void score_checked(const struct kn_dga_model *m, const char *name, size_t len)
{
	struct kn_dga_result r;
	int ok = kn_dga_score_name(m, name, len, &r);
	check(r.score >= 0 && r.score <= 1);
	if (!ok)
		return;
	check(r.label_len > 0 && r.label_off + r.label_len <= len);
	for (int i = 0; i < KN_DGA_FEATURES; i++)
		check(isfinite(r.features[i]));
}

static void load_checked(const uint8_t *buf, size_t len)
{
	char err[KN_ERRBUF_SIZE];
	struct kn_dga_model *m = kn_dga_model_load(buf, len, err);
	if (!m) {
		check(err[0] != '\0');
		return;
	}
	for (size_t i = 0; i < sizeof names / sizeof names[0]; i++)
		score_checked(m, names[i], strlen(names[i]));
	uint8_t *out;
	size_t out_len;
	if (kn_dga_model_save(m, &out, &out_len) == 0) {
		check(out_len == len && memcmp(out, buf, len) == 0);
		kn_free(out);
	}
	kn_dga_model_free(m);
}

static void patched(const uint8_t *p, size_t n, int cut)
{
	uint8_t *copy = kn_malloc(base_len);
	size_t len = base_len, off = 0;
	if (!copy)
		return;
	memcpy(copy, base_buf, base_len);
	while (n >= 4) {
		off = ((size_t)p[0] | (size_t)p[1] << 8 | (size_t)p[2] << 16) % base_len;
		size_t k = p[3];
		p += 4, n -= 4;
		if (k > n)
			k = n;
		if (k > base_len - off)
			k = base_len - off;
		memcpy(copy + off, p, k);
		p += k, n -= k;
	}
	if (cut)
		len = base_len - off;
	load_checked(copy, len);
	kn_free(copy);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (size < 1 || !setup())
		return 0;
	switch (data[0] % 3) {
	case 0:
		load_checked(data + 1, size - 1);
		break;
	case 1:
		patched(data + 1, size - 1, data[0] & 0x80);
		break;
	default:
		score_checked(base, (const char *)data + 1, size - 1);
		break;
	}
	return 0;
}
