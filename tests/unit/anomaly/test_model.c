/*
 * test_model.c - the online anomaly model (kenchi/model.h) on a generated
 * capture: the traffic builder's office network (20 clients browsing and
 * resolving names for 30 minutes), then a TCP SYN scan of 300 ports of the
 * file server by 10.1.0.14 (tests/builder/scenario.h). The model trains on
 * every packet before the scan, then scores the rest: the scan's packets
 * must score above the threshold, most benign ones below; a saved and
 * loaded model must score the same packets bit for bit; explanations must
 * name the scanner; hostile model files must be refused with the file, the
 * offset and the fix.
 */
#include "../../kt.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "anomaly/model_int.h"
#include "kenchi/capture.h"
#include "kenchi/decode.h"
#include "kenchi/model.h"
#include "scenario.h"
#include "util/alloc.h"

#define SCAN_AT_S 1500

struct capture_run {
	struct kn_scn scn;
	struct kn_ai_packet *pk;  /* every packet, decoded */
	size_t n;
	uint8_t *is_scan;         /* per packet (0-based) */
	uint64_t scan_first;      /* 1-based number of the first scan packet */
};

static int build(struct capture_run *r)
{
	struct kn_scn_opts o;
	char err[KN_ERRBUF_SIZE];
	struct kn_packet p;

	memset(r, 0, sizeof *r);
	kn_scn_opts_default(&o);
	o.duration_s = 1800;
	o.hosts = 20;
	o.attacks = KN_SCN_BIT(KN_SCN_SCAN);
	o.at_s[KN_SCN_SCAN] = SCAN_AT_S;
	if (kn_scn_build(&o, &r->scn, err) != 0)
		return 0;
	r->pk = kn_calloc(r->scn.packets, sizeof *r->pk);
	r->is_scan = kn_calloc(r->scn.packets, 1);
	struct kn_capture *c = kn_capture_open_mem(r->scn.pcap, r->scn.pcap_len, "scn", err);
	struct kn_decoder *d = kn_decoder_new(NULL, err);
	if (!r->pk || !r->is_scan || !c || !d)
		return 0;
	while (r->n < r->scn.packets && kn_capture_next(c, &p, err) == 1)
		kn_ai_packet_from(&p, kn_decode(d, &p), &r->pk[r->n++]);
	kn_decoder_free(d);
	kn_capture_close(c);
	const struct kn_scn_truth *t = &r->scn.truth[KN_SCN_SCAN];
	for (size_t i = 0; i < t->n_ranges; i++)
		for (uint64_t k = t->ranges[i].first; k <= t->ranges[i].last && k <= r->n; k++)
			r->is_scan[k - 1] = 1;
	r->scan_first = t->n_ranges ? t->ranges[0].first : 0;
	return r->n == r->scn.packets && r->scan_first > 1000;
}

static void fini(struct capture_run *r)
{
	kn_free(r->pk);
	kn_free(r->is_scan);
	kn_scn_fini(&r->scn);
}

static struct kn_model *train_model(const struct capture_run *r, double *scores)
{
	struct kn_model_config cfg;
	char err[KN_ERRBUF_SIZE];

	kn_model_config_default(&cfg);
	cfg.train_packets = r->scan_first - 1;
	struct kn_model *m = kn_model_new(&cfg, err);
	for (size_t i = 0; m && i < r->n; i++)
		scores[i] = kn_model_process(m, &r->pk[i]);
	return m;
}

static void test_detects_scan(void)
{
	struct capture_run r;
	KT_REQUIRE(build(&r));
	double *s = kn_calloc(r.n, sizeof *s);
	struct kn_model *m = s ? train_model(&r, s) : NULL;
	KT_REQUIRE(m && kn_model_trained(m));
	size_t scan = 0, scan_hi = 0, benign = 0, benign_hi = 0;
	for (size_t i = r.scan_first - 1; i < r.n; i++) {
		KT_CHECK(isfinite(s[i]) && s[i] >= 0);
		if (r.is_scan[i]) {
			scan++;
			scan_hi += s[i] > 1.0;
		} else {
			benign++;
			benign_hi += s[i] > 1.0;
		}
	}
	for (size_t i = 0; i + 1 < r.scan_first; i++)
		KT_CHECK(s[i] == 0.0);  /* training packets are not scored */
	printf("# %zu packets, trained on %llu; scan %zu/%zu above, benign %zu/%zu above\n", r.n,
	       (unsigned long long)(r.scan_first - 1), scan_hi, scan, benign_hi, benign);
	KT_CHECK(scan >= 300);
	/* measured: 546 of 604 scan packets (90 %) and 98 of 3757 benign ones
	 * (2.6 %) above the threshold; the floors leave a little room for
	 * changes to the builder's background */
	KT_CHECK(scan_hi * 100 >= scan * 85);
	KT_CHECK(benign_hi * 100 <= benign * 5);
	kn_model_free(m);
	kn_free(s);
	fini(&r);
}

/* Save, load, feed the loaded model the whole capture: from the first
 * scored packet on its scores equal the trained model's bit for bit
 * (AfterImage is deterministic from the first packet, the ensembles are
 * frozen once scoring). */
static void test_save_load_round_trip(void)
{
	struct capture_run r;
	char path[] = "/tmp/kenchi_model_XXXXXX", err[KN_ERRBUF_SIZE];
	KT_REQUIRE(build(&r));
	double *s = kn_calloc(r.n, sizeof *s);
	struct kn_model *m = s ? train_model(&r, s) : NULL;
	int fd = mkstemp(path);
	KT_REQUIRE(m && fd >= 0);
	close(fd);
	KT_REQUIRE(kn_model_save(m, path, err) == 0);
	struct kn_model *l = kn_model_load(path, 0, err);
	KT_REQUIRE(l != NULL);
	KT_CHECK(kn_model_trained(l));
	size_t same = 0, scored = 0;
	for (size_t i = 0; i < r.n; i++) {
		double v = kn_model_process(l, &r.pk[i]);
		if (i + 1 >= r.scan_first) {
			scored++;
			same += v == s[i];
		}
	}
	KT_EQ(same, scored);
	struct kn_model_info a, b;
	kn_model_get_info(m, &a);
	kn_model_get_info(l, &b);
	KT_EQ(a.n_ae[0], b.n_ae[0]);
	KT_EQ(a.n_ae[1], b.n_ae[1]);
	KT_CHECK(a.threshold[0] == b.threshold[0] && a.threshold[1] == b.threshold[1]);
	KT_CHECK(memcmp(m->fmax, l->fmax, sizeof m->fmax) == 0);
	kn_model_free(l);
	kn_model_free(m);
	remove(path);
	kn_free(s);
	fini(&r);
}

/* The highest-scoring scan packet is explained with the scanner's address
 * and a feature outside its training range. */
static void test_explanation(void)
{
	struct capture_run r;
	char text[512];
	KT_REQUIRE(build(&r));
	double *s = kn_calloc(r.n, sizeof *s);
	struct kn_model *m = s ? train_model(&r, s) : NULL;
	KT_REQUIRE(m);
	size_t best = 0;
	for (size_t i = 0; i < r.n; i++)
		if (r.is_scan[i] && r.pk[i].src_ip.b[3] == 14 && s[i] > s[best])
			best = i;
	KT_REQUIRE(s[best] > 1.0);
	kn_model_free(m);
	/* again up to that packet, so the model's last features are its own */
	struct kn_model_config cfg;
	kn_model_config_default(&cfg);
	cfg.train_packets = r.scan_first - 1;
	KT_REQUIRE((m = kn_model_new(&cfg, text)) != NULL);
	for (size_t i = 0; i <= best; i++)
		(void)kn_model_process(m, &r.pk[i]);
	struct kn_model_reason why[3];
	unsigned n = kn_model_reasons(m, why, 3);
	KT_REQUIRE(n >= 1);
	KT_CHECK(why[0].excess > 0 && why[0].value > why[0].train_max);
	for (unsigned i = 1; i < n; i++)
		KT_CHECK(why[i].excess <= why[i - 1].excess);
	kn_model_reason_text(&why[0], &r.pk[best], text, sizeof text);
	printf("# %s\n", text);
	KT_CHECK(strstr(text, "10.1.0.14") != NULL);
	KT_CHECK(strstr(text, " over ") != NULL);
	KT_CHECK(strstr(text, "training") != NULL);
	kn_model_free(m);
	kn_free(s);
	fini(&r);
}

/* A small trained model in memory (file bytes in *buf). */
static struct kn_model *small_model(uint8_t **buf, size_t *len, const char *path)
{
	struct kn_model_config cfg;
	char err[KN_ERRBUF_SIZE];
	struct kn_ai_packet p;

	kn_model_config_default(&cfg);
	cfg.train_packets = 200;
	cfg.feature_memcap = 1u << 20;
	struct kn_model *m = kn_model_new(&cfg, err);
	memset(&p, 0, sizeof p);
	p.kind = KN_AI_IP;
	p.ip_version = 4;
	p.port_kind = KN_AI_PORTS_L4;
	for (unsigned i = 0; m && i < 200; i++) {
		p.ts_ns = 1700000000000000000ull + i * 10000000ull;
		p.frame_len = 60 + (i % 7) * 100;
		p.src_ip.b[3] = (uint8_t)(1 + i % 3);
		p.dst_ip.b[3] = 9;
		p.sport = (uint16_t)(40000 + i % 5);
		p.dport = 80;
		(void)kn_model_process(m, &p);
	}
	if (!m || kn_model_save(m, path, err) != 0) {
		kn_model_free(m);
		return NULL;
	}
	FILE *f = fopen(path, "rb");
	*buf = kn_malloc(1u << 20);
	*len = f && *buf ? fread(*buf, 1, 1u << 20, f) : 0;
	if (f)
		fclose(f);
	return m;
}

static uint64_t fnv(const uint8_t *p, size_t n)
{
	uint64_t h = 0xcbf29ce484222325ull;
	for (size_t i = 0; i < n; i++)
		h = (h ^ p[i]) * 0x100000001b3ull;
	return h;
}

/* Rewrites the trailing checksum so only the edited field is wrong. */
static void reseal(uint8_t *b, size_t len)
{
	uint64_t h = fnv(b, len - 8);
	for (int i = 0; i < 8; i++)
		b[len - 8 + i] = (uint8_t)(h >> (8 * i));
}

static void expect_refused(const uint8_t *b, size_t len, const char *want)
{
	char err[KN_ERRBUF_SIZE] = "";
	struct kn_model *m = kn_model_load_mem(b, len, "hostile.knm", 0, err);
	KT_CHECK(m == NULL);
	kn_model_free(m);
	if (!strstr(err, "hostile.knm") || !strstr(err, want))
		kt_fail(__FILE__, __LINE__, "message '%s' lacks the file or '%s'", err, want);
}

static void test_hostile_files(void)
{
	char path[] = "/tmp/kenchi_model_XXXXXX", err[KN_ERRBUF_SIZE];
	uint8_t *b = NULL, *c;
	size_t len = 0;
	int fd = mkstemp(path);
	KT_REQUIRE(fd >= 0);
	close(fd);
	struct kn_model *m = small_model(&b, &len, path);
	KT_REQUIRE(m && len > 2448 && (c = kn_malloc(len)) != NULL);
	struct kn_model *ok = kn_model_load_mem(b, len, "good.knm", 2u << 20, err);
	KT_CHECK(ok != NULL);
	if (ok) { /* the operator's memcap, not the file's (1 MiB) */
		struct kn_model_info in;
		kn_model_get_info(ok, &in);
		KT_CHECK(in.memory > (1u << 20) && in.memory < (3u << 20));
	}
	kn_model_free(ok);
	/* every truncation */
	for (size_t cut = 0; cut < len; cut += (cut < 64 ? 1 : 97))
		expect_refused(b, cut, cut < 8 ? "magic" : "byte");
	/* a flipped byte anywhere: the checksum */
	memcpy(c, b, len);
	c[len / 2] ^= 0x40;
	expect_refused(c, len, "checksum");
	/* consistent checksums with wrong contents */
	memcpy(c, b, len);
	c[8] = 2;
	reseal(c, len);
	expect_refused(c, len, "version 2");
	memcpy(c, b, len);
	c[16] = 3;
	reseal(c, len);
	expect_refused(c, len, "ensembles");
	memcpy(c, b, len);
	c[2440 + 7] = 0x7f; /* the first ensemble's length */
	reseal(c, len);
	expect_refused(c, len, "more than the file holds");
	memcpy(c, b, len);
	memset(c + 40 + 8, 0xff, 8); /* feature 0's max: a NaN */
	reseal(c, len);
	expect_refused(c, len, "feature 0");
	memcpy(c, b, len);
	c[2440 + 8 + 20] = 0x55; /* inside the first KNKITNET: its own checksum */
	reseal(c, len);
	expect_refused(c, len, "ensemble 0");
	memcpy(c, b, len);
	memcpy(c, "KNKITNET", 8);
	expect_refused(c, len, "KNMODEL");
	/* a missing file names it and the fix */
	KT_CHECK(kn_model_load("/nonexistent/m.knm", 0, err) == NULL);
	KT_CHECK(strstr(err, "/nonexistent/m.knm") && strstr(err, "kenchi train"));
	kn_free(c);
	kn_free(b);
	kn_model_free(m);
	remove(path);
}

static void test_config_and_training_save(void)
{
	struct kn_model_config cfg;
	char err[KN_ERRBUF_SIZE];

	kn_model_config_default(&cfg);
	KT_EQ(cfg.train_packets, 25001);
	cfg.train_packets = 9;
	KT_CHECK(kn_model_new(&cfg, err) == NULL && strstr(err, "train_packets"));
	kn_model_config_default(&cfg);
	cfg.ensembles = 3;
	KT_CHECK(kn_model_new(&cfg, err) == NULL && strstr(err, "ensembles"));
	/* Kitsune's split of 25001: FMgrace 5000, ADgrace 20000 */
	struct kn_kitnet_config kc;
	kn_model_config_default(&cfg);
	model_kitnet_config(&cfg, 1, &kc);
	KT_EQ(kc.fm_grace, 5000);
	KT_EQ(kc.ad_grace, 20000);
	KT_EQ(kc.log_inputs, 1);
	/* saving before training ends is refused and says why */
	cfg.train_packets = 100;
	cfg.feature_memcap = 1u << 20;
	struct kn_model *m = kn_model_new(&cfg, err);
	KT_REQUIRE(m);
	KT_EQ(kn_model_save(m, "/tmp/never.knm", err), -KN_EINVAL);
	KT_CHECK(strstr(err, "still training") != NULL);
	kn_model_free(m);
}

/* Every allocation of kn_model_new(), kn_model_load() and kn_model_save()
 * failing in turn (builds with KN_ALLOC_FAULTS; elsewhere each call
 * succeeds): NULL or an error with a message, no leak (ASan), and success
 * once the injected failure is past the last allocation. */
static void test_allocation_failures(void)
{
	char path[] = "/tmp/kenchi_model_XXXXXX", out[] = "/tmp/kenchi_model_XXXXXX";
	char err[KN_ERRBUF_SIZE];
	uint8_t *b = NULL;
	size_t len = 0;
	int fd = mkstemp(path), fd2 = mkstemp(out), refused = 0, loaded = 0;
	KT_REQUIRE(fd >= 0 && fd2 >= 0);
	close(fd);
	close(fd2);
	struct kn_model *m = small_model(&b, &len, path);
	KT_REQUIRE(m);
	struct kn_model_config cfg;
	kn_model_config_default(&cfg);
	cfg.feature_memcap = 1u << 20;
	for (unsigned long n = 1; n <= 100; n++) {
		kn_alloc_fail_at(n);
		struct kn_model *a = kn_model_new(&cfg, err);
		kn_alloc_fail_at(n);
		err[0] = '\0';
		struct kn_model *l = kn_model_load(path, 1u << 20, err);
		if (!l)
			KT_CHECK(strstr(err, "out of memory") != NULL);
		kn_alloc_fail_at(n);
		int rc = kn_model_save(m, out, err);
		kn_alloc_fail_at(0);
		KT_CHECK(rc == 0 || rc == -KN_ENOMEM);
		refused += !a + !l + (rc != 0);
		loaded += l != NULL;
		kn_model_free(a);
		kn_model_free(l);
	}
	KT_CHECK(loaded > 0);
	printf("# %d constructions/loads/saves refused under injected allocation failures\n",
	       refused);
	kn_model_free(m);
	kn_free(b);
	remove(path);
	remove(out);
}

static const struct kt_case cases[] = {
	KT_CASE(test_config_and_training_save),
	KT_CASE(test_detects_scan),
	KT_CASE(test_save_load_round_trip),
	KT_CASE(test_explanation),
	KT_CASE(test_hostile_files),
	KT_CASE(test_allocation_failures),
};

KT_MAIN("anomaly_model", cases)
