/*
 * model_io.c - the online anomaly model's file (kn_model_save / load in
 * kenchi/model.h): the feature configuration the ensembles were trained
 * with, each feature's training statistics (for explanations) and the
 * KNKITNET ensembles themselves (kitnet_io.c), so a model file is all
 * `kenchi run --model` needs.
 *
 * Format "KNMODEL" version 1, little-endian, doubles as IEEE 754 bit
 * patterns:
 *
 *   offset  size  field
 *        0     8  magic "KNMODEL\0"
 *        8     4  version = 1
 *       12     4  flags: bit 0 = kitsune_exact features, others 0
 *       16     4  ensembles (1 or 2; the second has log inputs)
 *       20     4  n_features = 100
 *       24     8  train_packets (10..2^40)
 *       32     8  feature_memcap (1 MiB..1 TiB)
 *       40  2400  per feature: training min, max, mean (finite, min <= max)
 *     2440     .  per ensemble: u64 length (< 512 MiB), then a KNKITNET file
 *                 of that length (its own checks and checksum; 100 features,
 *                 log_inputs as above, finite threshold >= 0)
 *      end     8  FNV-1a 64-bit hash of every preceding byte
 *
 * The loader checks everything in this order and names the file, the byte
 * offset and the fix on the first violation.
 */
#include <errno.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "anomaly/model_int.h"
#include "util/alloc.h"
#include "util/hash.h"

#define MAGIC "KNMODEL"   /* 7 letters and the NUL: 8 bytes */
#define VERSION 1u
#define HEADER 40u
#define STATS_BYTES (3u * 8u * KN_AI_FEATURES)
#define MAX_PART (512ull << 20)
#define MAX_FILE (1100ull << 20)

static void put_u64(uint8_t *p, uint64_t v)
{
	for (int i = 0; i < 8; i++)
		p[i] = (uint8_t)(v >> (8 * i));
}

static void put_u32(uint8_t *p, uint32_t v)
{
	for (int i = 0; i < 4; i++)
		p[i] = (uint8_t)(v >> (8 * i));
}

static void put_f64(uint8_t *p, double d)
{
	uint64_t v;
	memcpy(&v, &d, sizeof v);
	put_u64(p, v);
}

static void put_header(const struct kn_model *m, uint8_t *p)
{
	memcpy(p, MAGIC, 8);
	put_u32(p + 8, VERSION);
	put_u32(p + 12, m->cfg.kitsune_exact ? 1u : 0u);
	put_u32(p + 16, m->cfg.ensembles);
	put_u32(p + 20, KN_AI_FEATURES);
	put_u64(p + 24, m->cfg.train_packets);
	put_u64(p + 32, m->cfg.feature_memcap);
	for (unsigned i = 0; i < KN_AI_FEATURES; i++) {
		put_f64(p + HEADER + 24 * i, m->fmin[i]);
		put_f64(p + HEADER + 24 * i + 8, m->fmax[i]);
		put_f64(p + HEADER + 24 * i + 16, m->fmean[i]);
	}
}

static int write_file(const char *path, const uint8_t *p, size_t n, char *errbuf)
{
	FILE *f = fopen(path, "wb");
	int ok = f && fwrite(p, 1, n, f) == n;
	int err = errno;

	if (f && fclose(f) != 0 && ok) {
		ok = 0;
		err = errno;
	}
	if (!ok) {
		snprintf(errbuf, KN_ERRBUF_SIZE, "model: %s: cannot write the model: %s (check the "
			 "directory exists and is writable)", path, strerror(err));
		return -KN_EIO;
	}
	return 0;
}

int kn_model_save(const struct kn_model *m, const char *path, char *errbuf)
{
	uint8_t *part[MODEL_MAX_ENSEMBLES] = { NULL, NULL }, *buf = NULL;
	size_t plen[MODEL_MAX_ENSEMBLES] = { 0, 0 }, total = HEADER + STATS_BYTES + 8, off;
	char why[KN_ERRBUF_SIZE];
	int rc = 0;

	if (!m->trained) {
		snprintf(errbuf, KN_ERRBUF_SIZE, "model: %s: the model is still training (%llu of "
			 "%llu packets seen); give it more packets before saving", path,
			 (unsigned long long)m->packets, (unsigned long long)m->cfg.train_packets);
		return -KN_EINVAL;
	}
	for (unsigned e = 0; e < m->cfg.ensembles && rc == 0; e++) {
		if ((rc = kn_kitnet_save_mem(m->k[e], &part[e], &plen[e], why)) != 0)
			snprintf(errbuf, KN_ERRBUF_SIZE, "model: %.200s: %.300s", path, why);
		total += 8 + plen[e];
	}
	if (rc == 0 && !(buf = kn_malloc(total))) {
		snprintf(errbuf, KN_ERRBUF_SIZE, "model: %s: out of memory", path);
		rc = -KN_ENOMEM;
	}
	if (rc == 0) {
		put_header(m, buf);
		off = HEADER + STATS_BYTES;
		for (unsigned e = 0; e < m->cfg.ensembles; e++) {
			put_u64(buf + off, plen[e]);
			memcpy(buf + off + 8, part[e], plen[e]);
			off += 8 + plen[e];
		}
		put_u64(buf + off, kn_fnv1a64(KN_FNV1A64_INIT, buf, off));
		rc = write_file(path, buf, total, errbuf);
	}
	for (unsigned e = 0; e < MODEL_MAX_ENSEMBLES; e++)
		kn_free(part[e]);
	kn_free(buf);
	return rc;
}

/* ---- reading ------------------------------------------------------------ */

struct reader {
	const uint8_t *p;
	size_t len, off;   /* len excludes the checksum */
	const char *name;
	char *err;
};

KN_PRINTF(2, 3) static int fail(struct reader *r, const char *fmt, ...)
{
	int n = snprintf(r->err, KN_ERRBUF_SIZE, "model: %s: byte %zu: ", r->name, r->off);
	va_list ap;

	va_start(ap, fmt);
	if (n > 0 && n < KN_ERRBUF_SIZE)
		vsnprintf(r->err + n, KN_ERRBUF_SIZE - (size_t)n, fmt, ap);
	va_end(ap);
	return 0;
}

static uint64_t get_u(const struct reader *r, size_t at, unsigned bytes)
{
	uint64_t v = 0;
	for (unsigned i = 0; i < bytes; i++)
		v |= (uint64_t)r->p[at + i] << (8 * i);
	return v;
}

static double get_f64(const struct reader *r, size_t at)
{
	uint64_t v = get_u(r, at, 8);
	double d;
	memcpy(&d, &v, sizeof d);
	return d;
}

static int check_frame(struct reader *r, size_t total)
{
	if (total < 8 || memcmp(r->p, MAGIC, total < 8 ? total : 8) != 0)
		return fail(r, "not a kenchi model file (no \"KNMODEL\" magic); train one with "
			    "'kenchi train -r CAPTURE -o MODEL'");
	if (total < HEADER + STATS_BYTES + 8) {
		r->off = total;
		return fail(r, "the file is cut short (%zu bytes, a model has at least %u); "
			    "train or copy it again", total, HEADER + STATS_BYTES + 8);
	}
	if (get_u(r, 8, 4) != VERSION)
		return r->off = 8, fail(r, "model file version %llu; this kenchi reads version "
					"%u: train the model again with this kenchi",
					(unsigned long long)get_u(r, 8, 4), VERSION);
	if (kn_fnv1a64(KN_FNV1A64_INIT, r->p, total - 8) != get_u(r, total - 8, 8))
		return r->off = total - 8, fail(r, "checksum mismatch: the file is damaged or was "
						"edited; train or copy it again");
	return 1;
}

/* The header's configuration into cfg (the KitNET fields come later). */
static int get_config(struct reader *r, struct kn_model_config *cfg)
{
	uint64_t flags = get_u(r, 12, 4), ens = get_u(r, 16, 4), nf = get_u(r, 20, 4);

	kn_model_config_default(cfg);
	if (flags > 1)
		return r->off = 12, fail(r, "unknown flags 0x%llx", (unsigned long long)flags);
	if (ens < 1 || ens > MODEL_MAX_ENSEMBLES)
		return r->off = 16, fail(r, "%llu ensembles (1 or 2)", (unsigned long long)ens);
	if (nf != KN_AI_FEATURES)
		return r->off = 20, fail(r, "%llu features (this kenchi's model has %u)",
					 (unsigned long long)nf, KN_AI_FEATURES);
	cfg->kitsune_exact = (int)flags;
	cfg->ensembles = (unsigned)ens;
	cfg->train_packets = get_u(r, 24, 8);
	cfg->feature_memcap = get_u(r, 32, 8);
	if (cfg->train_packets < KN_MODEL_MIN_TRAIN || cfg->train_packets > KN_MODEL_MAX_TRAIN)
		return r->off = 24, fail(r, "train_packets %llu outside 10..2^40",
					 (unsigned long long)cfg->train_packets);
	if (cfg->feature_memcap < (1u << 20) || cfg->feature_memcap > (1ull << 40))
		return r->off = 32, fail(r, "feature memcap %llu outside 1 MiB..1 TiB",
					 (unsigned long long)cfg->feature_memcap);
	return 1;
}

static int get_stats(struct reader *r, struct kn_model *m)
{
	for (unsigned i = 0; i < KN_AI_FEATURES; i++) {
		size_t at = HEADER + 24 * (size_t)i;
		double lo = get_f64(r, at), hi = get_f64(r, at + 8), mean = get_f64(r, at + 16);
		if (!isfinite(lo) || !isfinite(hi) || !isfinite(mean) || lo > hi)
			return r->off = at, fail(r, "feature %u's training statistics are not finite "
						 "with min <= max", i);
		m->fmin[i] = lo;
		m->fmax[i] = hi;
		m->fmean[i] = mean;
	}
	r->off = HEADER + STATS_BYTES;
	return 1;
}

/* Ensemble e: its length, then the KNKITNET loader over its bytes. */
static int get_ensemble(struct reader *r, struct kn_model *m, unsigned e)
{
	char name[256], why[KN_ERRBUF_SIZE];
	struct kn_kitnet_info ki;

	if (r->len - r->off < 8)
		return fail(r, "the file ends before ensemble %u; train or copy it again", e);
	uint64_t n = get_u(r, r->off, 8);
	if (n > MAX_PART || n > r->len - r->off - 8)
		return fail(r, "ensemble %u claims %llu bytes, more than the file holds", e,
			    (unsigned long long)n);
	snprintf(name, sizeof name, "%s ensemble %u at byte %zu", r->name, e, r->off + 8);
	m->k[e] = kn_kitnet_load_mem(r->p + r->off + 8, (size_t)n, name, why);
	if (!m->k[e])
		return snprintf(r->err, KN_ERRBUF_SIZE, "model: %.500s", why), 0;
	kn_kitnet_get_info(m->k[e], &ki);
	if (ki.n_features != KN_AI_FEATURES || !isfinite(ki.threshold) || ki.threshold < 0)
		return fail(r, "ensemble %u has %u features and threshold %g (expected 100 and a "
			    "finite threshold >= 0)", e, ki.n_features, ki.threshold);
	m->thr[e] = ki.threshold > 1e-300 ? ki.threshold : 1e-300;
	r->off += 8 + (size_t)n;
	return 1;
}

struct kn_model *kn_model_load_mem(const void *buf, size_t len, const char *name,
				   uint64_t feature_memcap, char *errbuf)
{
	struct reader r = { buf, len, 0, name ? name : "(memory)", errbuf };
	struct kn_model_config cfg;
	struct kn_model *m = NULL;

	if (!check_frame(&r, len) || !get_config(&r, &cfg))
		return NULL;
	r.len = len - 8;
	if (feature_memcap)
		cfg.feature_memcap = feature_memcap;
	if (!(m = model_alloc(&cfg, errbuf)) || !get_stats(&r, m))
		goto fail;
	for (unsigned e = 0; e < cfg.ensembles; e++)
		if (!get_ensemble(&r, m, e))
			goto fail;
	if (r.off != r.len) {
		fail(&r, "%zu unexpected bytes after the last ensemble", r.len - r.off);
		goto fail;
	}
	m->trained = 1;
	m->packets = 0;
	return m;
fail:
	kn_model_free(m);
	return NULL;
}

struct kn_model *kn_model_load(const char *path, uint64_t feature_memcap, char *errbuf)
{
	FILE *f = fopen(path, "rb");
	struct kn_model *m = NULL;
	uint8_t *buf = NULL;
	long size = -1;

	if (!f) {
		snprintf(errbuf, KN_ERRBUF_SIZE, "model: %s: cannot open the model: %s (train one "
			 "with 'kenchi train -r CAPTURE -o %s')", path, strerror(errno), path);
		return NULL;
	}
	if (fseek(f, 0, SEEK_END) == 0 && (size = ftell(f)) >= 0 && fseek(f, 0, SEEK_SET) != 0)
		size = -1;
	if (size < 0 || (unsigned long long)size > MAX_FILE)
		snprintf(errbuf, KN_ERRBUF_SIZE, "model: %s: %s", path,
			 size < 0 ? "not a regular file" : "larger than 1.1 GiB: not a model");
	else if (!(buf = kn_malloc((size_t)size + 1)))
		snprintf(errbuf, KN_ERRBUF_SIZE, "model: %s: out of memory", path);
	else if (fread(buf, 1, (size_t)size + 1, f) != (size_t)size || ferror(f))
		snprintf(errbuf, KN_ERRBUF_SIZE, "model: %s: read error or the file changed "
			 "while it was read", path);
	else
		m = kn_model_load_mem(buf, (size_t)size, path, feature_memcap, errbuf);
	fclose(f);
	kn_free(buf);
	return m;
}
