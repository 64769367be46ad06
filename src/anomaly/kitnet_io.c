/*
 * kitnet_io.c - saving and loading a trained KitNET model
 * (kn_kitnet_save / kn_kitnet_load in kenchi/anomaly.h).
 *
 * File format "KNKITNET" version 1, every integer and double little-endian
 * (doubles as IEEE 754 binary64 bit patterns, so scores survive bit for bit):
 *
 *   offset  size  field
 *        0     8  magic "KNKITNET"
 *        8     4  version = 1
 *       12     4  n_features (1..4096)
 *       16     4  max_ae (1..n_features)
 *       20     4  n_ae, the number of clusters (1..n_features)
 *       24     4  flags: bit 0 = log_inputs, others 0
 *       28     4  reserved, 0
 *       32     8  fm_grace      40  8  ad_grace (>= 1)     48  8  seed
 *       56     8  lr (> 0)      64  8  hidden_ratio ((0, 1])
 *       72     8  threshold_quantile ((0, 1])              80  8  threshold
 *       88  4*n_ae      cluster sizes (each 1..max_ae, summing to n_features)
 *        .  4*n_features the map: feature indices cluster by cluster (a
 *                       permutation of 0..n_features-1)
 *        .  n_ae + 1 autoencoders (the ensemble in map order, then the output
 *           layer), each: u32 n_vis, u32 n_hid, then doubles min[n_vis],
 *           max[n_vis], w[n_vis * n_hid] (row-major), hbias[n_hid],
 *           vbias[n_vis]. n_vis = the cluster size (output layer: n_ae),
 *           n_hid = ceil(hidden_ratio * n_vis); every double finite and
 *           min <= max.
 *      end     8  FNV-1a 64-bit hash of every preceding byte
 *
 * The loader checks all of it, in this order, and refuses the file with a
 * one-line message naming the file and byte offset on the first violation;
 * hostile input cannot make it read out of bounds or allocate more than the
 * declared n_features allow (a few MiB at most).
 */
#include <errno.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "anomaly/kitnet_int.h"
#include "util/alloc.h"
#include "util/hash.h"

#define MAGIC "KNKITNET"
#define VERSION 1u
#define HEADER 88u
#define MAX_FILE (512u << 20) /* above the largest valid model (4096 features) */

/* ---- writing ------------------------------------------------------------ */

struct writer {
	uint8_t *p;
	size_t off;
};

static void put_u32(struct writer *w, uint32_t v)
{
	for (int i = 0; i < 4; i++)
		w->p[w->off++] = (uint8_t)(v >> (8 * i));
}

static void put_u64(struct writer *w, uint64_t v)
{
	for (int i = 0; i < 8; i++)
		w->p[w->off++] = (uint8_t)(v >> (8 * i));
}

static void put_f64(struct writer *w, double d)
{
	uint64_t v;
	memcpy(&v, &d, sizeof v);
	put_u64(w, v);
}

static void put_doubles(struct writer *w, const double *d, size_t n)
{
	for (size_t i = 0; i < n; i++)
		put_f64(w, d[i]);
}

static size_t ae_bytes(const struct kitnet_ae *ae)
{
	return 8 + 8 * (3 * (size_t)ae->n_vis + (size_t)ae->n_vis * ae->n_hid + ae->n_hid);
}

static void put_ae(struct writer *w, const struct kitnet_ae *ae)
{
	put_u32(w, ae->n_vis);
	put_u32(w, ae->n_hid);
	put_doubles(w, ae->min, ae->n_vis);
	put_doubles(w, ae->max, ae->n_vis);
	put_doubles(w, ae->w, (size_t)ae->n_vis * ae->n_hid);
	put_doubles(w, ae->hbias, ae->n_hid);
	put_doubles(w, ae->vbias, ae->n_vis);
}

static size_t model_bytes(const struct kn_kitnet *k)
{
	size_t n = HEADER + 4 * (size_t)k->n_ae + 4 * (size_t)k->cfg.n_features + 8;
	for (unsigned c = 0; c < k->n_ae; c++)
		n += ae_bytes(&k->ae[c]);
	return n + ae_bytes(&k->out);
}

static void put_model(struct writer *w, const struct kn_kitnet *k)
{
	memcpy(w->p, MAGIC, 8);
	w->off = 8;
	put_u32(w, VERSION);
	put_u32(w, k->cfg.n_features);
	put_u32(w, k->cfg.max_ae);
	put_u32(w, k->n_ae);
	put_u32(w, k->cfg.log_inputs ? 1u : 0u);
	put_u32(w, 0);
	put_u64(w, k->cfg.fm_grace);
	put_u64(w, k->cfg.ad_grace);
	put_u64(w, k->cfg.seed);
	put_f64(w, k->cfg.lr);
	put_f64(w, k->cfg.hidden_ratio);
	put_f64(w, k->cfg.threshold_quantile);
	put_f64(w, k->threshold);
	for (unsigned c = 0; c < k->n_ae; c++)
		put_u32(w, k->sizes[c]);
	for (unsigned i = 0; i < k->cfg.n_features; i++)
		put_u32(w, k->order[i]);
	for (unsigned c = 0; c < k->n_ae; c++)
		put_ae(w, &k->ae[c]);
	put_ae(w, &k->out);
	put_u64(w, kn_fnv1a64(KN_FNV1A64_INIT, w->p, w->off));
}

int kn_kitnet_save_mem(const struct kn_kitnet *k, uint8_t **out, size_t *out_len, char *errbuf)
{
	if (k->phase != KN_KITNET_SCORE) {
		snprintf(errbuf, KN_ERRBUF_SIZE,
			 "kitnet: the model is still training (%llu vectors seen); save it "
			 "after fm_grace + ad_grace + 1 vectors", (unsigned long long)k->processed);
		return -KN_EINVAL;
	}
	struct writer w = { kn_malloc(model_bytes(k)), 0 };
	if (!w.p) {
		snprintf(errbuf, KN_ERRBUF_SIZE, "kitnet: out of memory");
		return -KN_ENOMEM;
	}
	put_model(&w, k);
	*out = w.p;
	*out_len = w.off;
	return 0;
}

int kn_kitnet_save(const struct kn_kitnet *k, const char *path, char *errbuf)
{
	uint8_t *buf;
	size_t len;
	char why[KN_ERRBUF_SIZE];
	int rc = kn_kitnet_save_mem(k, &buf, &len, why);
	if (rc != 0) {
		snprintf(errbuf, KN_ERRBUF_SIZE, "%.200s: %.300s", path, why);
		return rc;
	}
	FILE *f = fopen(path, "wb");
	int ok = f && fwrite(buf, 1, len, f) == len;
	int err = errno;
	if (f && fclose(f) != 0 && ok) {
		ok = 0;
		err = errno;
	}
	kn_free(buf);
	if (!ok) {
		snprintf(errbuf, KN_ERRBUF_SIZE, "kitnet: %s: cannot write the model: %s", path,
			 strerror(err));
		return -KN_EIO;
	}
	return 0;
}

/* ---- reading ------------------------------------------------------------ */

struct reader {
	const uint8_t *p;
	size_t len, off; /* len excludes the checksum */
	const char *name;
	char *err;
	int failed;
};

#define FAIL(r, ...) fail_at(r, __VA_ARGS__)

KN_PRINTF(2, 3) static int fail_at(struct reader *r, const char *fmt, ...)
{
	if (r->failed)
		return 0;
	r->failed = 1;
	int n = snprintf(r->err, KN_ERRBUF_SIZE, "kitnet: %s: byte %zu: ", r->name, r->off);
	va_list ap;
	va_start(ap, fmt);
	if (n > 0 && n < KN_ERRBUF_SIZE)
		vsnprintf(r->err + n, KN_ERRBUF_SIZE - (size_t)n, fmt, ap);
	va_end(ap);
	return 0;
}

static int need(struct reader *r, size_t n)
{
	if (r->failed)
		return 0;
	if (r->len - r->off < n)
		return FAIL(r, "the file ends inside the model (truncated); save it again");
	return 1;
}

static uint64_t get_u64(struct reader *r, unsigned bytes)
{
	uint64_t v = 0;
	if (!need(r, bytes))
		return 0;
	for (unsigned i = 0; i < bytes; i++)
		v |= (uint64_t)r->p[r->off + i] << (8 * i);
	r->off += bytes;
	return v;
}

static uint32_t get_u32(struct reader *r)
{
	return (uint32_t)get_u64(r, 4);
}

static double get_f64(struct reader *r)
{
	uint64_t v = get_u64(r, 8);
	double d;
	memcpy(&d, &v, sizeof d);
	return d;
}

/* n finite doubles into d. */
static int get_doubles(struct reader *r, double *d, size_t n, const char *what)
{
	if (!need(r, 8 * n))
		return 0;
	for (size_t i = 0; i < n; i++) {
		d[i] = get_f64(r);
		if (!isfinite(d[i])) {
			r->off -= 8;
			return FAIL(r, "%s[%zu] is not a finite number; the model is corrupt",
				    what, i);
		}
	}
	return 1;
}

/* The fixed header into cfg and *n_ae. */
static int get_header(struct reader *r, struct kn_kitnet_config *cfg, unsigned *n_ae,
		      double *threshold)
{
	if (!need(r, HEADER) || memcmp(r->p, MAGIC, 8) != 0)
		return FAIL(r, "not a kenchi KitNET model (no \"KNKITNET\" magic)");
	r->off = 8;
	uint32_t version = get_u32(r);
	if (version != VERSION) {
		r->off -= 4;
		return FAIL(r, "model format version %u; this build reads version %u only "
			       "(re-train and save with this build)", version, VERSION);
	}
	cfg->n_features = get_u32(r);
	cfg->max_ae = get_u32(r);
	*n_ae = get_u32(r);
	uint32_t flags = get_u32(r), reserved = get_u32(r);
	cfg->log_inputs = (int)(flags & 1);
	cfg->fm_grace = get_u64(r, 8);
	cfg->ad_grace = get_u64(r, 8);
	cfg->seed = get_u64(r, 8);
	cfg->lr = get_f64(r);
	cfg->hidden_ratio = get_f64(r);
	cfg->threshold_quantile = get_f64(r);
	*threshold = get_f64(r);
	const char *why = kitnet_config_error(cfg);
	r->off = 12;
	if (why)
		return FAIL(r, "invalid settings in the header: %s", why);
	if (*n_ae < 1 || *n_ae > cfg->n_features)
		return FAIL(r, "%u clusters for %u features (must be 1..n_features)", *n_ae,
			    cfg->n_features);
	r->off = 24;
	if (flags > 1 || reserved != 0)
		return FAIL(r, "unknown flags %#x / reserved word %#x (a newer format?)", flags,
			    reserved);
	r->off = 80;
	if (!isfinite(*threshold))
		return FAIL(r, "the threshold is not a finite number; the model is corrupt");
	r->off = HEADER;
	return 1;
}

/* Cluster sizes into sizes[n_ae]: each 1..max_ae, summing to n_features. */
static int get_sizes(struct reader *r, const struct kn_kitnet_config *cfg, unsigned *sizes,
		     unsigned n_ae)
{
	uint64_t sum = 0;
	for (unsigned c = 0; c < n_ae && !r->failed; c++) {
		sizes[c] = get_u32(r);
		if (!r->failed && (sizes[c] < 1 || sizes[c] > cfg->max_ae)) {
			r->off -= 4;
			return FAIL(r, "cluster %u has %u features (must be 1..%u)", c, sizes[c],
				    cfg->max_ae);
		}
		sum += sizes[c];
	}
	if (!r->failed && sum != cfg->n_features)
		return FAIL(r, "the clusters hold %llu features, the header says %u",
			    (unsigned long long)sum, cfg->n_features);
	return !r->failed;
}

/* The map into k->order: a permutation (k->rmse is scratch for "seen"). */
static int get_order(struct reader *r, struct kn_kitnet *k)
{
	unsigned n = k->cfg.n_features;
	memset(k->rmse, 0, n * sizeof *k->rmse);
	for (unsigned i = 0; i < n && !r->failed; i++) {
		uint32_t f = get_u32(r);
		if (r->failed)
			break;
		if (f >= n || k->rmse[f] != 0) {
			r->off -= 4;
			return FAIL(r, "map entry %u is feature %u: %s", i, f,
				    f >= n ? "out of range" : "listed twice");
		}
		k->rmse[f] = 1;
		k->order[i] = f;
	}
	return !r->failed;
}

static int get_ae(struct reader *r, struct kitnet_ae *ae, unsigned n_vis, double ratio,
		  const char *what)
{
	size_t at = r->off;
	uint32_t nv = get_u32(r), nh = get_u32(r);
	if (r->failed)
		return 0;
	if (nv != n_vis || nh != kitnet_hidden(n_vis, ratio)) {
		r->off = at;
		return FAIL(r, "%s has %u inputs and %u hidden units; the map and hidden_ratio "
			       "give %u and %u", what, nv, nh, n_vis, kitnet_hidden(n_vis, ratio));
	}
	int ok = get_doubles(r, ae->min, nv, "min") && get_doubles(r, ae->max, nv, "max") &&
		 get_doubles(r, ae->w, (size_t)nv * nh, "weight") &&
		 get_doubles(r, ae->hbias, nh, "hidden bias") &&
		 get_doubles(r, ae->vbias, nv, "visible bias");
	for (unsigned i = 0; ok && i < nv; i++)
		if (ae->min[i] > ae->max[i]) {
			r->off = at + 8 + 8 * (size_t)i;
			return FAIL(r, "%s: input %u has min above max; the model is corrupt", what,
				    i);
		}
	return ok;
}

/* The autoencoders into the model's arena (allocated for this map). */
static int get_layers(struct reader *r, struct kn_kitnet *k)
{
	double ratio = k->cfg.hidden_ratio, *mem = k->arena;
	char what[64];
	for (unsigned c = 0; c < k->n_ae && !r->failed; c++) {
		mem = kitnet_ae_carve(&k->ae[c], k->sizes[c], kitnet_hidden(k->sizes[c], ratio),
				      mem);
		snprintf(what, sizeof what, "autoencoder %u", c);
		get_ae(r, &k->ae[c], k->sizes[c], ratio, what);
	}
	if (r->failed)
		return 0;
	mem = kitnet_ae_carve(&k->out, k->n_ae, kitnet_hidden(k->n_ae, ratio), mem);
	k->arena_free = mem;
	return get_ae(r, &k->out, k->n_ae, ratio, "the output autoencoder");
}

static int check_sum(struct reader *r, size_t total)
{
	if (total < HEADER + 8) {
		r->off = total;
		return FAIL(r, "the file is too short for a model (%zu bytes; at least %u)", total,
			    HEADER + 8);
	}
	uint64_t want = 0;
	for (unsigned i = 0; i < 8; i++)
		want |= (uint64_t)r->p[total - 8 + i] << (8 * i);
	if (memcmp(r->p, MAGIC, 8) != 0)
		return FAIL(r, "not a kenchi KitNET model (no \"KNKITNET\" magic)");
	if (kn_fnv1a64(KN_FNV1A64_INIT, r->p, total - 8) != want) {
		r->off = total - 8;
		return FAIL(r, "checksum mismatch: the file is damaged or was edited; save it "
			       "again");
	}
	return 1;
}

struct kn_kitnet *kn_kitnet_load_mem(const void *buf, size_t len, const char *name,
				     char *errbuf)
{
	struct reader r = { buf, len, 0, name ? name : "(memory)", errbuf, 0 };
	struct kn_kitnet_config cfg;
	struct kn_kitnet *k = NULL;
	unsigned n_ae = 0, *sizes = NULL;
	double threshold = 0;
	if (!check_sum(&r, len))
		return NULL;
	r.len = len - 8;
	memset(&cfg, 0, sizeof cfg);
	if (!get_header(&r, &cfg, &n_ae, &threshold))
		return NULL;
	sizes = kn_calloc(n_ae, sizeof *sizes);
	if (!sizes) {
		snprintf(errbuf, KN_ERRBUF_SIZE, "kitnet: %s: out of memory", r.name);
		return NULL;
	}
	if (!get_sizes(&r, &cfg, sizes, n_ae))
		goto fail;
	k = kitnet_alloc(&cfg, sizes, n_ae, errbuf);
	if (!k) /* errbuf already says why */
		goto fail;
	k->n_ae = n_ae;
	memcpy(k->sizes, sizes, n_ae * sizeof *sizes);
	if (!get_order(&r, k) || !get_layers(&r, k))
		goto fail;
	if (r.off != r.len) {
		FAIL(&r, "%zu unexpected bytes after the last autoencoder", r.len - r.off);
		goto fail;
	}
	k->threshold = threshold;
	k->phase = KN_KITNET_SCORE;
	kitnet_exec_build(k);
	kn_free(sizes);
	return k;
fail:
	kn_kitnet_free(k);
	kn_free(sizes);
	return NULL;
}

/* The file's size, or -1 when it cannot be told (not a regular file). */
static long file_size(FILE *f)
{
	if (fseek(f, 0, SEEK_END) != 0)
		return -1;
	long n = ftell(f);
	if (fseek(f, 0, SEEK_SET) != 0)
		return -1;
	return n;
}

struct kn_kitnet *kn_kitnet_load(const char *path, char *errbuf)
{
	FILE *f = fopen(path, "rb");
	if (!f) {
		snprintf(errbuf, KN_ERRBUF_SIZE, "kitnet: %s: cannot open the model: %s", path,
			 strerror(errno));
		return NULL;
	}
	long size = file_size(f);
	uint8_t *buf = NULL;
	struct kn_kitnet *k = NULL;
	if (size < 0 || (unsigned long)size > MAX_FILE)
		snprintf(errbuf, KN_ERRBUF_SIZE, "kitnet: %s: %s", path,
			 size < 0 ? "not a regular file" : "larger than 512 MiB: not a model");
	else if (!(buf = kn_malloc((size_t)size + 1)))
		snprintf(errbuf, KN_ERRBUF_SIZE, "kitnet: %s: out of memory", path);
	else if (fread(buf, 1, (size_t)size + 1, f) != (size_t)size || ferror(f))
		snprintf(errbuf, KN_ERRBUF_SIZE, "kitnet: %s: read error or the file changed "
			 "while it was read", path);
	else
		k = kn_kitnet_load_mem(buf, (size_t)size, path, errbuf);
	fclose(f);
	kn_free(buf);
	return k;
}
