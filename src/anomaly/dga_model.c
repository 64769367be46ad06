/*
 * dga_model.c - the DGA name scorer's model (anomaly.h, "DGA names"): the
 * label alphabet, which label of a name is scored, the 16 label features
 * over a character trigram language model and a word dictionary, the
 * Witten-Bell trigram tables, scoring, and the versioned save/load format
 * with its checks on hostile files. Training is in dga.c.
 */
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "anomaly/dga_int.h"
#include "util/alloc.h"
#include "util/hash.h"

#define MAGIC "KNDGA\0\0\0"
#define HEADER_LEN 32
#define RARE_BITS 8.0         /* a transition costing more is "rare" */
#define MID_BITS 5.0          /* dearer than a uniform pick of a letter (4.7 bits) */
#define COST_WINDOW 4         /* transitions in the sliding window of f[19] */
#define FILE_MAX (64u << 20)  /* model files larger than this are refused */
#define NSLOTS (2 * KN_DGA_FEATURES + DGA_NWEIGHTS + 1)

int dga_symbol(unsigned char c)
{
	if (c >= 'a' && c <= 'z')
		return 1 + (c - 'a');
	if (c >= 'A' && c <= 'Z')
		return 1 + (c - 'A');
	if (c >= '0' && c <= '9')
		return 27 + (c - '0');
	if (c == '-' || c == '_')
		return 37;
	return -1;
}

size_t dga_label_symbols(const char *label, size_t n, uint8_t *sym)
{
	if (n > KN_DGA_LABEL_MAX)
		n = KN_DGA_LABEL_MAX;
	for (size_t i = 0; i < n; i++) {
		int s = dga_symbol((unsigned char)label[i]);
		if (s < 0)
			return 0;
		sym[i] = (uint8_t)s;
	}
	return n;
}

/* Second-level labels under which country codes register names
 * ("example.com.br", "example.co.uk"). */
static int generic_sld(const char *s, size_t n)
{
	static const char *const slds[] = {"com", "net", "org", "edu", "gov", "gob", "mil",
					   "ac",  "co",  "or",  "ne",  "go",  "nic", "ltd",
					   "plc", "sch", "nom", "info", "biz", "in", "web"};
	for (size_t i = 0; i < sizeof slds / sizeof slds[0]; i++)
		if (strlen(slds[i]) == n && strncmp(slds[i], s, n) == 0)
			return 1;
	return 0;
}

int dga_pick_label(const char *name, size_t len, size_t *off, size_t *n)
{
	size_t start[128], size[128], nl = 0, b = 0;

	if (len > 0 && name[len - 1] == '.')
		len--;
	if (len == 0 || len > DGA_NAME_MAX)
		return 0;
	for (size_t i = 0; i <= len; i++) {
		if (i < len && name[i] != '.')
			continue;
		if (i == b || nl == 128)
			return 0; /* empty label */
		start[nl] = b;
		size[nl++] = i - b;
		b = i + 1;
	}
	size_t suffix = nl > 1 ? 1 : 0;
	if (nl >= 3 && size[nl - 1] == 2 && generic_sld(name + start[nl - 2], size[nl - 2]))
		suffix = 2;
	size_t best = 0, found = 0;
	for (size_t i = 0; i + suffix < nl; i++) {
		if (!found || size[i] >= size[best])
			best = i;
		found = 1;
	}
	*off = start[best];
	*n = size[best];
	return 1;
}

uint64_t dga_word_hash(const uint8_t *sym, size_t n)
{
	return kn_hash64(sym, n, 0x6467612d776f7264ULL);
}

int dga_dict_index(struct kn_dga_model *m)
{
	size_t cap = 16;
	while (cap < 2 * m->nwords)
		cap *= 2; /* at most half full: few probes per lookup */
	kn_free(m->slots);
	m->slots = kn_calloc(cap, sizeof *m->slots);
	if (!m->slots)
		return -KN_ENOMEM;
	m->slot_mask = cap - 1;
	m->word_zero = 0;
	for (size_t i = 0; i < m->nwords; i++) {
		uint64_t h = m->words[i];
		size_t s = (size_t)(h ^ h >> 32) & m->slot_mask;
		if (h == 0) {
			m->word_zero = 1;
			continue;
		}
		while (m->slots[s] != 0)
			s = (s + 1) & m->slot_mask;
		m->slots[s] = h;
	}
	return 0;
}

static int dict_has(const struct kn_dga_model *m, uint64_t h)
{
	if (h == 0)
		return m->word_zero;
	for (size_t s = (size_t)(h ^ h >> 32) & m->slot_mask; m->slots[s] != 0;
	     s = (s + 1) & m->slot_mask)
		if (m->slots[s] == h)
			return 1;
	return 0;
}

/* Word segmentation: the most characters covered by non-overlapping
 * dictionary words (fewest words on ties), once with words of at least
 * DGA_WORD_MIN letters - f[8] coverage ratio, f[9] words, f[10] longest
 * word / n, f[13] uncovered characters - and once also with the stored
 * shorter words ("the", "and": DGA_WORD_SHORT letters) - f[23] coverage
 * ratio, f[24] mean length of the words used. One hash per candidate word
 * serves both. */
static void dict_features(const struct kn_dga_model *m, const uint8_t *sym, size_t n, double *f)
{
	int cover[KN_DGA_LABEL_MAX + 1], nw[KN_DGA_LABEL_MAX + 1];
	int cover3[KN_DGA_LABEL_MAX + 1], nw3[KN_DGA_LABEL_MAX + 1];
	size_t longest = 0;

	cover[0] = nw[0] = cover3[0] = nw3[0] = 0;
	for (size_t i = 1; i <= n; i++) {
		cover[i] = cover[i - 1];
		nw[i] = nw[i - 1];
		cover3[i] = cover3[i - 1];
		nw3[i] = nw3[i - 1];
		for (size_t l = DGA_WORD_SHORT; l <= DGA_WORD_MAX && l <= i; l++) {
			if (!dict_has(m, dga_word_hash(sym + i - l, l)))
				continue;
			int c = cover3[i - l] + (int)l, w = nw3[i - l] + 1;
			if (c > cover3[i] || (c == cover3[i] && w < nw3[i])) {
				cover3[i] = c;
				nw3[i] = w;
			}
			if (l < DGA_WORD_MIN)
				continue;
			if (l > longest)
				longest = l;
			c = cover[i - l] + (int)l, w = nw[i - l] + 1;
			if (c > cover[i] || (c == cover[i] && w < nw[i])) {
				cover[i] = c;
				nw[i] = w;
			}
		}
	}
	f[8] = (double)cover[n] / (double)n;
	f[9] = nw[n];
	f[10] = (double)longest / (double)n;
	f[13] = (double)n - cover[n];
	f[23] = (double)cover3[n] / (double)n;
	f[24] = nw3[n] ? (double)cover3[n] / nw3[n] : 0.0;
}

/* Character statistics: f[1]-f[6], f[11], f[14] (share of adjacent letter
 * pairs that alternate vowel and consonant: high for the "pronounceable"
 * generators), f[15] (share of the letters j, k, q, v, w, x, z: rare in
 * words, common in uniformly drawn labels), f[20] (longest vowel run),
 * f[21] (distinct symbols / n), f[22] (longest strictly alternating
 * vowel/consonant run / n). */
static void char_features(const uint8_t *sym, size_t n, double *f)
{
	unsigned hist[DGA_A] = {0};
	size_t digits = 0, hyphens = 0, letters = 0, vowels = 0, run = 0, maxrun = 0, switches = 0;
	size_t pairs = 0, alternations = 0, rare = 0, vrun = 0, maxvrun = 0, alt = 0, maxalt = 0;
	size_t distinct = 0;
	int prev_vowel = -1; /* of the previous symbol when a letter */

	for (size_t i = 0; i < n; i++) {
		uint8_t s = sym[i];
		hist[s]++;
		int letter = s >= 1 && s <= 26, digit = s >= 27 && s <= 36;
		digits += digit;
		hyphens += s == 37;
		letters += letter;
		int vowel = s == 1 || s == 5 || s == 9 || s == 15 || s == 21;
		vowels += vowel;
		run = letter && !vowel ? run + 1 : 0;
		rare += s == 10 || s == 11 || s == 17 || s == 22 || s == 23 || s == 24 || s == 26;
		vrun = vowel ? vrun + 1 : 0;
		if (vrun > maxvrun)
			maxvrun = vrun;
		alt = !letter ? 0 : prev_vowel >= 0 && prev_vowel != vowel ? alt + 1 : 1;
		if (alt > maxalt)
			maxalt = alt;
		if (letter && prev_vowel >= 0) {
			pairs++;
			alternations += prev_vowel != vowel;
		}
		prev_vowel = letter ? vowel : -1;
		if (run > maxrun)
			maxrun = run;
		if (i > 0 && (sym[i - 1] >= 27 && sym[i - 1] <= 36) != digit && sym[i - 1] != 37 &&
		    s != 37)
			switches++;
	}
	double h = 0;
	for (int s = 0; s < DGA_A; s++)
		if (hist[s]) {
			double p = (double)hist[s] / (double)n;
			distinct++;
			h -= p * log2(p);
		}
	f[1] = (double)n;
	f[2] = (double)digits / (double)n;
	f[3] = (double)hyphens;
	f[4] = letters ? (double)vowels / (double)letters : 0.0;
	f[5] = (double)maxrun;
	f[6] = h;
	f[11] = (double)switches;
	f[14] = pairs ? (double)alternations / (double)pairs : 0.0;
	f[15] = letters ? (double)rare / (double)letters : 0.0;
	f[20] = (double)maxvrun;
	f[21] = (double)distinct / (double)n;
	f[22] = (double)maxalt / (double)n;
}

/* Language model features: f[0] bits per transition, f[7] share of rare
 * transitions, f[12] the dearest one, f[16] share of transitions dearer
 * than MID_BITS, f[17] the standard deviation of the transitions' costs,
 * f[18] the label's bits, f[19] the dearest mean over COST_WINDOW
 * consecutive transitions (the label's cost when shorter). */
static void lm_features(const float *logp, const uint8_t *sym, size_t n, double *f)
{
	double bits = 0, sq = 0, worst = 0, cost[KN_DGA_LABEL_MAX + 1], win = 0, worst_win = 0;
	size_t rare = 0, mid = 0, nt = n + 1;
	unsigned a = 0, b = 0;

	for (size_t i = 0; i < nt; i++) {
		unsigned c = i < n ? sym[i] : 0;
		cost[i] = -(double)logp[((size_t)a * DGA_A + b) * DGA_A + c];
		bits += cost[i];
		sq += cost[i] * cost[i];
		rare += cost[i] > RARE_BITS;
		mid += cost[i] > MID_BITS;
		if (cost[i] > worst)
			worst = cost[i];
		win += cost[i] - (i >= COST_WINDOW ? cost[i - COST_WINDOW] : 0.0);
		if (i + 1 >= COST_WINDOW)
			worst_win = fmax(worst_win, win / COST_WINDOW);
		else if (i + 1 == nt)
			worst_win = win / (double)nt;
		a = b;
		b = c;
	}
	double mean = bits / (double)nt;
	f[0] = mean;
	f[7] = (double)rare / (double)nt;
	f[12] = worst;
	f[16] = (double)mid / (double)nt;
	f[17] = sqrt(fmax(0.0, sq / (double)nt - mean * mean));
	f[18] = bits;
	f[19] = worst_win;
}

void dga_features(const float *logp, const struct kn_dga_model *m, const uint8_t *sym, size_t n,
		  double f[KN_DGA_FEATURES])
{
	lm_features(logp, sym, n, f);
	char_features(sym, n, f);
	dict_features(m, sym, n, f);
}

void dga_lm_count(uint32_t *c3, const uint8_t *sym, size_t n, uint32_t w)
{
	unsigned a = 0, b = 0;
	for (size_t i = 0; i <= n; i++) {
		unsigned c = i < n ? sym[i] : 0;
		uint32_t *slot = &c3[((size_t)a * DGA_A + b) * DGA_A + c];
		*slot = *slot > UINT32_MAX - w ? UINT32_MAX : *slot + w;
		a = b;
		b = c;
	}
}

/* One Witten-Bell step: p(c | ctx) from counts of ctx's continuations and
 * the lower-order distribution. */
static void witten_bell(const double *count, const double *lower, double *out)
{
	double total = 0, types = 0;
	for (int c = 0; c < DGA_A; c++) {
		total += count[c];
		types += count[c] > 0;
	}
	for (int c = 0; c < DGA_A; c++)
		out[c] = total > 0 ? (count[c] + types * lower[c]) / (total + types) : lower[c];
}

void dga_lm_from_counts(const uint32_t *c3, float *logp)
{
	double c1[DGA_A] = {0}, c2[DGA_A][DGA_A] = {{0}}, p1[DGA_A], p2[DGA_A][DGA_A];
	double n1 = 0, p3[DGA_A];

	for (size_t i = 0; i < DGA_TRI; i++) {
		c2[(i / DGA_A) % DGA_A][i % DGA_A] += c3[i];
		c1[i % DGA_A] += c3[i];
		n1 += c3[i];
	}
	for (int c = 0; c < DGA_A; c++)
		p1[c] = (c1[c] + 1.0) / (n1 + DGA_A);
	for (int b = 0; b < DGA_A; b++)
		witten_bell(c2[b], p1, p2[b]);
	for (size_t ab = 0; ab < (size_t)DGA_A * DGA_A; ab++) {
		double cnt[DGA_A];
		for (int c = 0; c < DGA_A; c++)
			cnt[c] = c3[ab * DGA_A + (size_t)c];
		witten_bell(cnt, p2[ab % DGA_A], p3);
		for (int c = 0; c < DGA_A; c++)
			logp[ab * DGA_A + (size_t)c] = (float)log2(p3[c]);
	}
}

double dga_net(const double *net, const double z[KN_DGA_FEATURES], double *t)
{
	double out = net[DGA_B2];
	for (int h = 0; h < DGA_HIDDEN; h++) {
		double a = net[DGA_B1 + h];
		const double *w = net + DGA_W1 + h * KN_DGA_FEATURES;
		for (int j = 0; j < KN_DGA_FEATURES; j++)
			a += w[j] * z[j];
		/* tanh from one exp, cheaper than libm's tanh (which goes
		 * through expm1): a name costs 80 of them with 5 nets */
		double th = 1.0 - 2.0 / (1.0 + exp(2.0 * a));
		if (t)
			t[h] = th;
		out += net[DGA_W2 + h] * th;
	}
	return 1.0 / (1.0 + exp(-out));
}

double dga_logistic(const struct kn_dga_model *m, const double f[KN_DGA_FEATURES])
{
	double z[KN_DGA_FEATURES];
	for (int i = 0; i < KN_DGA_FEATURES; i++)
		z[i] = (f[i] - m->mean[i]) / m->scale[i];
	double sum = 0;
	for (int k = 0; k < DGA_NETS; k++)
		sum += dga_net(m->net + k * DGA_NPARAM, z, NULL);
	return sum / DGA_NETS;
}

double kn_dga_model_threshold(const struct kn_dga_model *m)
{
	return m->threshold;
}

int kn_dga_score_name(const struct kn_dga_model *m, const char *name, size_t len,
		      struct kn_dga_result *out)
{
	uint8_t sym[KN_DGA_LABEL_MAX];
	size_t off, n;

	memset(out, 0, sizeof *out);
	if (!dga_pick_label(name, len, &off, &n))
		return 0;
	size_t ns = dga_label_symbols(name + off, n, sym);
	if (ns == 0)
		return 0;
	dga_features(m->logp, m, sym, ns, out->features);
	out->score = dga_logistic(m, out->features);
	out->bits_per_char = out->features[0];
	out->label_off = off;
	out->label_len = n;
	return 1;
}

void kn_dga_model_free(struct kn_dga_model *m)
{
	if (!m)
		return;
	kn_free(m->words);
	kn_free(m->slots);
	kn_free(m);
}

/* ---- saved form ---- */

static void put32(uint8_t *p, uint32_t v)
{
	for (int i = 0; i < 4; i++)
		p[i] = (uint8_t)(v >> (8 * i));
}

static void put64(uint8_t *p, uint64_t v)
{
	for (int i = 0; i < 8; i++)
		p[i] = (uint8_t)(v >> (8 * i));
}

static uint32_t get32(const uint8_t *p)
{
	return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

static uint64_t get64(const uint8_t *p)
{
	return (uint64_t)get32(p) | (uint64_t)get32(p + 4) << 32;
}

static size_t saved_size(size_t nwords)
{
	return HEADER_LEN + 4 * DGA_TRI + 8 * nwords + 8 * NSLOTS;
}

/* The doubles after the tables, in file order. */
static void double_slots(struct kn_dga_model *m, double **slots)
{
	size_t k = 0;
	for (int i = 0; i < KN_DGA_FEATURES; i++) {
		slots[k++] = &m->mean[i];
		slots[k++] = &m->scale[i];
	}
	for (int i = 0; i < DGA_NWEIGHTS; i++)
		slots[k++] = &m->net[i];
	slots[k] = &m->threshold;
}

int kn_dga_model_save(const struct kn_dga_model *m, uint8_t **out, size_t *out_len)
{
	size_t len = saved_size(m->nwords);
	uint8_t *buf = kn_malloc(len), *p = buf;
	double *slots[NSLOTS];

	if (!buf)
		return -KN_ENOMEM;
	memcpy(p, MAGIC, 8);
	put32(p + 8, DGA_FORMAT_VERSION);
	put32(p + 12, DGA_A);
	put32(p + 16, KN_DGA_FEATURES);
	put32(p + 20, 0);
	put64(p + 24, m->nwords);
	p += HEADER_LEN;
	for (size_t i = 0; i < DGA_TRI; i++, p += 4) {
		uint32_t bits;
		memcpy(&bits, &m->logp[i], 4);
		put32(p, bits);
	}
	for (size_t i = 0; i < m->nwords; i++, p += 8)
		put64(p, m->words[i]);
	double_slots((struct kn_dga_model *)m, slots);
	for (size_t i = 0; i < NSLOTS; i++, p += 8) {
		uint64_t bits;
		memcpy(&bits, slots[i], 8);
		put64(p, bits);
	}
	*out = buf;
	*out_len = len;
	return 0;
}

/* Header fields; 0 or -KN_E* with the reason in errbuf. */
static int check_header(const uint8_t *buf, size_t len, size_t *nwords, char *errbuf)
{
	if (len < HEADER_LEN || memcmp(buf, MAGIC, 8) != 0) {
		snprintf(errbuf, KN_ERRBUF_SIZE,
			 "dga model: not a kenchi DGA model (bad magic or shorter than %d bytes); "
			 "save one with kn_dga_model_save",
			 HEADER_LEN);
		return -KN_EFORMAT;
	}
	uint32_t version = get32(buf + 8), alphabet = get32(buf + 12), nfeat = get32(buf + 16);
	uint64_t n = get64(buf + 24);
	if (version >= 1 && version < DGA_FORMAT_VERSION) {
		snprintf(errbuf, KN_ERRBUF_SIZE,
			 "dga model: version %u is the format of an older kenchi (fewer features, "
			 "one classifier net); this build reads version %u only: retrain the model "
			 "from its word list and name lists",
			 version, DGA_FORMAT_VERSION);
		return -KN_ENOTSUP;
	}
	if (version != DGA_FORMAT_VERSION || alphabet != DGA_A || nfeat != KN_DGA_FEATURES ||
	    get32(buf + 20) != 0) {
		snprintf(errbuf, KN_ERRBUF_SIZE,
			 "dga model: version %u, alphabet %u, %u features not supported (this build "
			 "reads version %u, %u, %u); retrain the model",
			 version, alphabet, nfeat, DGA_FORMAT_VERSION, DGA_A, KN_DGA_FEATURES);
		return -KN_ENOTSUP;
	}
	if (n > KN_DGA_MAX_WORDS || len != saved_size((size_t)n)) {
		snprintf(errbuf, KN_ERRBUF_SIZE,
			 "dga model: %zu bytes do not match a dictionary of %llu words (max %u); "
			 "the file is truncated or corrupt",
			 len, (unsigned long long)n, KN_DGA_MAX_WORDS);
		return -KN_EFORMAT;
	}
	*nwords = (size_t)n;
	return 0;
}

/* Every log-probability finite and <= 0, every context a distribution. */
static int check_lm(const float *logp, char *errbuf)
{
	for (size_t ab = 0; ab < (size_t)DGA_A * DGA_A; ab++) {
		double sum = 0;
		for (size_t c = 0; c < DGA_A; c++) {
			float v = logp[ab * DGA_A + c];
			if (!isfinite(v) || v > 1e-6f || v < -200.0f) {
				snprintf(errbuf, KN_ERRBUF_SIZE,
					 "dga model: trigram entry %zu is not a log-probability; "
					 "the file is corrupt, retrain the model",
					 ab * DGA_A + c);
				return -KN_EFORMAT;
			}
			sum += exp2((double)v);
		}
		if (fabs(sum - 1.0) > 1e-3) {
			snprintf(errbuf, KN_ERRBUF_SIZE,
				 "dga model: trigram context %zu sums to %.6f, not 1; the file is "
				 "corrupt, retrain the model",
				 ab, sum);
			return -KN_EFORMAT;
		}
	}
	return 0;
}

static int check_scalars(const struct kn_dga_model *m, char *errbuf)
{
	int ok = isfinite(m->threshold) && m->threshold >= 0 && m->threshold <= 1;
	for (int i = 0; ok && i < KN_DGA_FEATURES; i++)
		ok = isfinite(m->mean[i]) && isfinite(m->scale[i]) && m->scale[i] > 1e-12 &&
		     fabs(m->mean[i]) < 1e6 && m->scale[i] < 1e6;
	for (int i = 0; ok && i < DGA_NWEIGHTS; i++)
		ok = isfinite(m->net[i]) && fabs(m->net[i]) < 1e6;
	if (!ok)
		snprintf(errbuf, KN_ERRBUF_SIZE,
			 "dga model: scaling, weights or threshold out of range (non-finite, "
			 "scale <= 0 or threshold outside [0, 1]); retrain the model");
	return ok ? 0 : -KN_EFORMAT;
}

static int read_tables(struct kn_dga_model *m, const uint8_t *p, char *errbuf)
{
	double *slots[NSLOTS];

	for (size_t i = 0; i < DGA_TRI; i++, p += 4) {
		uint32_t bits = get32(p);
		memcpy(&m->logp[i], &bits, 4);
	}
	for (size_t i = 0; i < m->nwords; i++, p += 8) {
		m->words[i] = get64(p);
		if (i > 0 && m->words[i] <= m->words[i - 1]) {
			snprintf(errbuf, KN_ERRBUF_SIZE,
				 "dga model: dictionary hash %zu is not above the previous one; "
				 "the file is corrupt, retrain the model",
				 i);
			return -KN_EFORMAT;
		}
	}
	double_slots(m, slots);
	for (size_t i = 0; i < NSLOTS; i++, p += 8) {
		uint64_t bits = get64(p);
		memcpy(slots[i], &bits, 8);
	}
	int rc = check_lm(m->logp, errbuf);
	return rc ? rc : check_scalars(m, errbuf);
}

struct kn_dga_model *kn_dga_model_load(const uint8_t *buf, size_t len, char *errbuf)
{
	size_t nwords;
	struct kn_dga_model *m = NULL;

	if (check_header(buf, len, &nwords, errbuf) != 0)
		return NULL;
	m = kn_calloc(1, sizeof *m);
	if (!m)
		goto nomem;
	m->nwords = nwords;
	if (nwords > 0 && !(m->words = kn_calloc(nwords, sizeof *m->words)))
		goto nomem;
	if (read_tables(m, buf + HEADER_LEN, errbuf) != 0)
		goto fail;
	if (dga_dict_index(m) != 0)
		goto nomem;
	return m;
nomem:
	snprintf(errbuf, KN_ERRBUF_SIZE, "dga model: out of memory loading %zu bytes", len);
fail:
	kn_dga_model_free(m);
	return NULL;
}

/* Whole file into a new buffer; 0 or -KN_E* with the reason in errbuf. */
static int read_file(const char *path, uint8_t **out, size_t *out_len, char *errbuf)
{
	FILE *f = fopen(path, "rb");
	uint8_t *buf = NULL;
	size_t len = 0, cap = 0;

	if (!f) {
		snprintf(errbuf, KN_ERRBUF_SIZE, "%s: cannot open: %s", path, strerror(errno));
		return -KN_EIO;
	}
	for (;;) {
		if (len == cap) {
			size_t ncap = cap ? cap * 2 : 1u << 20;
			uint8_t *nb = cap >= FILE_MAX ? NULL : kn_realloc_array(buf, ncap, 1);
			if (!nb) {
				snprintf(errbuf, KN_ERRBUF_SIZE,
					 cap >= FILE_MAX ? "%s: larger than %u bytes, not a DGA model"
							 : "%s: out of memory reading (%u)",
					 path, FILE_MAX);
				goto fail;
			}
			buf = nb;
			cap = ncap;
		}
		size_t got = fread(buf + len, 1, cap - len, f);
		len += got;
		if (got == 0)
			break;
	}
	if (ferror(f)) {
		snprintf(errbuf, KN_ERRBUF_SIZE, "%s: read error", path);
		goto fail;
	}
	fclose(f);
	*out = buf;
	*out_len = len;
	return 0;
fail:
	fclose(f);
	kn_free(buf);
	return -KN_EIO;
}

struct kn_dga_model *kn_dga_model_load_file(const char *path, char *errbuf)
{
	uint8_t *buf;
	size_t len;
	char why[KN_ERRBUF_SIZE];

	if (read_file(path, &buf, &len, errbuf) != 0)
		return NULL;
	struct kn_dga_model *m = kn_dga_model_load(buf, len, why);
	kn_free(buf);
	if (!m)
		snprintf(errbuf, KN_ERRBUF_SIZE, "%.200s: %.300s", path, why);
	return m;
}

int kn_dga_model_save_file(const struct kn_dga_model *m, const char *path, char *errbuf)
{
	uint8_t *buf;
	size_t len;

	if (kn_dga_model_save(m, &buf, &len) != 0) {
		snprintf(errbuf, KN_ERRBUF_SIZE, "%s: out of memory serialising the DGA model", path);
		return -KN_ENOMEM;
	}
	FILE *f = fopen(path, "wb");
	int ok = f && fwrite(buf, 1, len, f) == len;
	if (f && fclose(f) != 0)
		ok = 0;
	kn_free(buf);
	if (!ok) {
		snprintf(errbuf, KN_ERRBUF_SIZE, "%s: cannot write the DGA model: %s", path,
			 strerror(errno));
		return -KN_EIO;
	}
	return 0;
}
