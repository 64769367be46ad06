/*
 * test_dga.c - the DGA name scorer (anomaly.h "DGA names") on crafted
 * input: which label of a name is scored, the ordering of scores for
 * English-looking against random labels (unsupervised and with DGA
 * examples), trainer errors, the save/load round trip, and hostile model
 * files (every check of the loader made to fire once).
 */
#include "../../kt.h"

#include <math.h>
#include <unistd.h>

#include "anomaly/dga_int.h"
#include "kenchi/anomaly.h"
#include "util/alloc.h"

static const char *const words[] = {
	"the", "and", "for", "with", "about", "search", "engine", "google", "world", "wide",
	"web", "news", "book", "face", "mail", "post", "office", "shop", "store", "online",
	"market", "money", "bank", "travel", "hotel", "music", "video", "photo", "game", "games",
	"sport", "sports", "weather", "health", "house", "home", "garden", "kitchen", "school",
	"student", "encyclopedia", "wiki", "media", "free", "people", "open", "source", "code",
	"cloud", "storage", "secure", "login", "account", "service", "services", "amazon", "apple",
	"micro", "soft", "windows", "update", "android", "mobile", "phone", "city", "state",
	"paper", "daily", "times", "herald", "tribune", "journal", "review", "science", "nature",
	"learning", "teacher", "library", "museum", "gallery", "design", "studio", "digital",
	"network", "system", "systems", "solution", "solutions", "global", "group", "center",
	"central", "national", "international", "market", "trade", "energy", "power", "green",
	"water", "river", "mountain", "valley", "forest", "island", "ocean", "coffee", "pizza",
	"restaurant", "recipe", "food", "fashion", "style", "beauty", "dress", "shoes", "watch",
	"movie", "cinema", "theater", "ticket", "flight", "airline", "train", "ride", "drive",
	"motor", "auto", "cars", "truck", "bike", "pedia", "tube", "book", "linked", "insta",
	"gram", "twitter", "search", "yahoo", "answers", "question", "forum", "blog", "press",
};

static const char *const benign[] = {
	"google.com", "facebook.com", "youtube.com", "amazon.com", "wikipedia.org",
	"twitter.com", "instagram.com", "linkedin.com", "yahoo.com", "bbc.co.uk",
	"dailymail.co.uk", "weather.com", "booking.com", "apple.com", "microsoft.com",
	"windowsupdate.com", "netflix.com", "cloudflare.com", "github.com", "stackoverflow.com",
	"nytimes.com", "theguardian.com", "sciencedirect.com", "nature.com", "espn.com",
	"imdb.com", "tripadvisor.com", "homedepot.com", "bestbuy.com", "walmart.com",
	"paypal.com", "chase.com", "bankofamerica.com", "wellsfargo.com", "foodnetwork.com",
	"allrecipes.com", "travelocity.com", "expedia.com", "airbnb.com", "spotify.com",
	"soundcloud.com", "photobucket.com", "wordpress.com", "blogger.com", "medium.com",
	"healthline.com", "webmd.com", "mountainproject.com", "gardenweb.com", "kitchenaid.com",
};

/* Random labels of 10-16 letters and digits from a fixed seed, under one
 * of four common top-level labels. */
static void random_label(uint64_t *st, char *out, size_t cap)
{
	static const char al[] = "abcdefghijklmnopqrstuvwxyz0123456789";
	*st = *st * 6364136223846793005ULL + 1442695040888963407ULL;
	size_t n = 10 + (size_t)((*st >> 33) % 7);
	for (size_t i = 0; i < n && i + 5 < cap; i++) {
		*st = *st * 6364136223846793005ULL + 1442695040888963407ULL;
		out[i] = al[(*st >> 33) % 36];
		out[i + 1] = '\0';
	}
	static const char *const tlds[] = {".com", ".net", ".org", ".info"};
	strcat(out, tlds[(*st >> 20) % 4]);
}

/* A model from the lists above (+ n_dga random DGA names when > 0). */
static struct kn_dga_model *train(int n_dga)
{
	char err[KN_ERRBUF_SIZE];
	struct kn_dga_trainer *tr = kn_dga_trainer_new(err);
	if (!tr)
		return NULL;
	int bad = 0;
	for (size_t i = 0; i < sizeof words / sizeof words[0]; i++)
		bad |= kn_dga_trainer_add(tr, words[i], strlen(words[i]), KN_DGA_WORD) != 1;
	for (size_t i = 0; i < sizeof benign / sizeof benign[0]; i++)
		bad |= kn_dga_trainer_add(tr, benign[i], strlen(benign[i]), KN_DGA_BENIGN) != 1;
	uint64_t st = 7;
	for (int i = 0; i < n_dga; i++) {
		char name[40];
		random_label(&st, name, 30);
		bad |= kn_dga_trainer_add(tr, name, strlen(name), KN_DGA_DGA) != 1;
	}
	struct kn_dga_model *m = bad ? NULL : kn_dga_trainer_finish(tr, 0.05, err);
	if (!m)
		printf("# %s\n", bad ? "a training line was refused" : err);
	kn_dga_trainer_free(tr);
	return m;
}

static double score(const struct kn_dga_model *m, const char *name)
{
	struct kn_dga_result r;
	return kn_dga_score_name(m, name, strlen(name), &r) ? r.score : -1.0;
}

/* The label scored: longest left of the suffix, rightmost on ties. */
static void test_label_choice(void)
{
	struct { const char *name; int ok; size_t off, len; } cases[] = {
		{"www.google.com", 1, 4, 6},       {"x3fq9k2.ddns.net", 1, 0, 7},
		{"example.com.br", 1, 0, 7},       {"news.bbc.co.uk", 1, 0, 4},
		{"localhost", 1, 0, 9},            {"google.com.", 1, 0, 6},
		{"ab.cd.com", 1, 3, 2},            {"a..b.com", 0, 0, 0},
		{"", 0, 0, 0},                     {".", 0, 0, 0},
		{"com.", 1, 0, 3},                 {"_ldap._tcp.example.org", 1, 11, 7},
	};
	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		size_t off = 99, len = 99;
		int ok = dga_pick_label(cases[i].name, strlen(cases[i].name), &off, &len);
		KT_EQ(ok, cases[i].ok);
		if (ok && cases[i].ok) {
			KT_EQ(off, cases[i].off);
			KT_EQ(len, cases[i].len);
		}
	}
}

/* Unsupervised: English-looking labels cost fewer bits and score lower. */
static void test_order_unsupervised(void)
{
	struct kn_dga_model *m = train(0);
	KT_REQUIRE(m);
	double thr = kn_dga_model_threshold(m);
	double g = score(m, "www.google.com"), w = score(m, "en.wikipedia.org");
	double x = score(m, "xjw9qk3zpv.com"), y = score(m, "qzxv8kd2jh.net");
	printf("# unsupervised: google %.3f wikipedia %.3f xjw9qk3zpv %.3f threshold %.3f\n", g,
	       w, x, thr);
	KT_CHECK(g >= 0 && w >= 0 && x >= 0 && y >= 0);
	KT_CHECK(g < x && g < y && w < x && w < y);
	KT_CHECK(g < thr && w < thr);
	KT_CHECK(x >= thr && y >= thr);
	KT_CHECK(score(m, "bad!label.com") == -1.0);
	struct kn_dga_result r;
	KT_EQ(kn_dga_score_name(m, "google.com", 10, &r), 1);
	KT_CHECK(r.bits_per_char > 0 && r.bits_per_char < 6);
	KT_EQ(r.features[1], 6);          /* length */
	KT_EQ(r.features[2] * 100, 0);    /* digit ratio */
	KT_CHECK(fabs(r.features[4] - 0.5) < 1e-12); /* o, o, e of six letters */
	KT_EQ(r.features[8], 1);          /* "google" is a dictionary word */
	KT_EQ(r.features[9], 1);
	KT_CHECK(fabs(r.features[18] - 7 * r.features[0]) < 1e-9); /* 7 transitions */
	KT_CHECK(r.features[19] >= r.features[0] && r.features[19] <= r.features[12]);
	KT_CHECK(r.features[16] >= r.features[7] && r.features[16] <= 1);
	KT_CHECK(r.features[17] >= 0);
	KT_EQ(r.features[20], 2);         /* "oo" */
	KT_CHECK(fabs(r.features[21] - 4.0 / 6) < 1e-12); /* g, o, l, e */
	KT_CHECK(fabs(r.features[22] - 2.0 / 6) < 1e-12); /* "go", "og", "le" */
	KT_EQ(r.features[23], 1);
	KT_EQ(r.features[24], 6);
	/* three-letter words count in the second segmentation only */
	KT_EQ(kn_dga_score_name(m, "theweb.com", 10, &r), 1);
	KT_EQ(r.features[8], 0);
	KT_EQ(r.features[23], 1);
	KT_CHECK(fabs(r.features[24] - 3) < 1e-12);
	kn_dga_model_free(m);
}

/* With DGA examples: unseen random labels still score above English ones. */
static void test_order_supervised(void)
{
	struct kn_dga_model *m = train(200);
	KT_REQUIRE(m);
	double thr = kn_dga_model_threshold(m);
	KT_CHECK(thr > 0 && thr <= 1);
	KT_CHECK(score(m, "google.com") < thr);
	KT_CHECK(score(m, "mail.yahoo.com") < thr);
	KT_CHECK(score(m, "xjw9qk3zpv.com") >= thr);
	KT_CHECK(score(m, "k2v9q0x7rtzm.org") >= thr);
	kn_dga_model_free(m);
}

/* Groups of DGA names: one group for all is no grouping at all; two groups
 * of unequal size weigh the same, which changes the model. */
static void test_groups(void)
{
	char err[KN_ERRBUF_SIZE];
	double s[3][2];
	for (int v = 0; v < 3; v++) {
		struct kn_dga_trainer *tr = kn_dga_trainer_new(err);
		KT_REQUIRE(tr);
		int bad = 0;
		for (size_t i = 0; i < sizeof words / sizeof words[0]; i++)
			bad |= kn_dga_trainer_add(tr, words[i], strlen(words[i]), KN_DGA_WORD) != 1;
		for (size_t i = 0; i < sizeof benign / sizeof benign[0]; i++)
			bad |= kn_dga_trainer_add(tr, benign[i], strlen(benign[i]),
						  KN_DGA_BENIGN) != 1;
		uint64_t st = 7;
		for (int i = 0; i < 120; i++) {
			char name[40];
			random_label(&st, name, 30);
			if (v == 1 && i == 0)
				bad |= kn_dga_trainer_group(tr, 5) != 0;
			if (v == 2)
				bad |= kn_dga_trainer_group(tr, i < 100 ? 0 : 1) != 0;
			bad |= kn_dga_trainer_add(tr, name, strlen(name), KN_DGA_DGA) != 1;
		}
		KT_REQUIRE(!bad);
		struct kn_dga_model *m = kn_dga_trainer_finish(tr, 0.05, err);
		kn_dga_trainer_free(tr);
		KT_REQUIRE(m);
		s[v][0] = score(m, "xjw9qk3zpv.com");
		s[v][1] = score(m, "google.com");
		kn_dga_model_free(m);
	}
	KT_CHECK(s[0][0] == s[1][0] && s[0][1] == s[1][1]);
	KT_CHECK(s[0][0] != s[2][0] || s[0][1] != s[2][1]);
}

static void test_trainer_errors(void)
{
	char err[KN_ERRBUF_SIZE] = "";
	struct kn_dga_trainer *tr = kn_dga_trainer_new(err);
	KT_REQUIRE(tr);
	KT_EQ(kn_dga_trainer_add(tr, "it's", 4, KN_DGA_WORD), 0);
	KT_EQ(kn_dga_trainer_add(tr, "  Hello \r", 9, KN_DGA_WORD), 1);
	KT_EQ(kn_dga_trainer_add(tr, "x.com", 5, (enum kn_dga_kind)7), -KN_EINVAL);
	KT_EQ(kn_dga_trainer_add(tr, "a..com", 6, KN_DGA_BENIGN), 0);
	KT_EQ(kn_dga_trainer_group(tr, KN_DGA_MAX_GROUPS), -KN_EINVAL);
	KT_EQ(kn_dga_trainer_group(tr, KN_DGA_MAX_GROUPS - 1), 0);
	size_t skipped = 99;
	const char lines[] = "google.com\r\nbad name.com\n\nyahoo.com\nx..y";
	KT_EQ(kn_dga_trainer_add_lines(tr, lines, sizeof lines - 1, KN_DGA_BENIGN, &skipped), 2);
	KT_EQ(skipped, 2);
	KT_CHECK(kn_dga_trainer_finish(tr, 0.01, err) == NULL);
	KT_CHECK(strstr(err, "2 benign names (need 20)") != NULL);
	for (int i = 0; i < 20; i++)
		KT_EQ(kn_dga_trainer_add(tr, benign[i], strlen(benign[i]), KN_DGA_BENIGN), 1);
	KT_CHECK(kn_dga_trainer_finish(tr, 0.0, err) == NULL);
	KT_CHECK(kn_dga_trainer_finish(tr, 0.6, err) == NULL);
	struct kn_dga_model *m = kn_dga_trainer_finish(tr, 0.1, err);
	KT_CHECK(m != NULL);
	kn_dga_model_free(m);
	kn_dga_trainer_free(tr);
	kn_dga_trainer_free(NULL);
	kn_dga_model_free(NULL);
}

static const char *const probe[] = {"google.com", "xjw9qk3zpv.com", "mail.yahoo.com",
				    "a1b2c3d4e5f6.net", "theguardian.com", "www.bbc.co.uk"};

static void test_roundtrip(void)
{
	char err[KN_ERRBUF_SIZE];
	struct kn_dga_model *m = train(100);
	KT_REQUIRE(m);
	uint8_t *buf;
	size_t len;
	KT_REQUIRE(kn_dga_model_save(m, &buf, &len) == 0);
	KT_EQ(len, 32 + 4 * DGA_TRI + 8 * m->nwords + 8 * (2 * KN_DGA_FEATURES + DGA_NWEIGHTS + 1));
	struct kn_dga_model *m2 = kn_dga_model_load(buf, len, err);
	KT_REQUIRE(m2);
	for (size_t i = 0; i < sizeof probe / sizeof probe[0]; i++)
		KT_CHECK(score(m, probe[i]) == score(m2, probe[i]));
	KT_CHECK(kn_dga_model_threshold(m) == kn_dga_model_threshold(m2));
	char path[] = "/tmp/kn_dga_test_XXXXXX";
	int fd = mkstemp(path);
	KT_REQUIRE(fd >= 0);
	close(fd);
	KT_CHECK(kn_dga_model_save_file(m, path, err) == 0);
	struct kn_dga_model *m3 = kn_dga_model_load_file(path, err);
	KT_CHECK(m3 != NULL);
	if (m3)
		KT_CHECK(score(m3, "xjw9qk3zpv.com") == score(m, "xjw9qk3zpv.com"));
	unlink(path);
	KT_CHECK(kn_dga_model_load_file(path, err) == NULL);
	KT_CHECK(strstr(err, path) != NULL && strstr(err, "cannot open") != NULL);
	kn_dga_model_free(m3);
	kn_dga_model_free(m2);
	kn_dga_model_free(m);
	kn_free(buf);
}

static void put_u32(uint8_t *p, uint32_t v)
{
	memcpy(p, &v, 4); /* the format is little-endian, as is every build host */
}

static void put_f64(uint8_t *p, double v)
{
	memcpy(p, &v, 8);
}

/* Loads a modified copy; expects NULL and `want` in the reason. */
static int refused(const uint8_t *buf, size_t len, const char *want)
{
	char err[KN_ERRBUF_SIZE] = "";
	struct kn_dga_model *m = kn_dga_model_load(buf, len, err);
	kn_dga_model_free(m);
	if (m || !strstr(err, want))
		printf("# expected refusal with \"%s\", got %s: %s\n", want, m ? "a model" : "NULL",
		       err);
	return !m && strstr(err, want) != NULL;
}

static void test_hostile(void)
{
	struct kn_dga_model *m = train(50);
	KT_REQUIRE(m);
	uint8_t *buf, *c;
	size_t len, words_at = 32 + 4 * DGA_TRI, slots_at = words_at + 8 * m->nwords;
	KT_REQUIRE(kn_dga_model_save(m, &buf, &len) == 0);
	KT_REQUIRE(m->nwords >= 2);
	c = kn_malloc(len);
	KT_REQUIRE(c);
#define RESET() memcpy(c, buf, len)
	RESET();
	KT_CHECK(refused(c, 0, "bad magic"));
	KT_CHECK(refused(c, 31, "bad magic"));
	c[0] = 'X';
	KT_CHECK(refused(c, len, "bad magic"));
	RESET();
	put_u32(c + 8, 3);
	KT_CHECK(refused(c, len, "version 3"));
	RESET();
	put_u32(c + 8, 1); /* an older kenchi's model: a clear refusal */
	KT_CHECK(refused(c, len, "version 1 is the format of an older kenchi"));
	RESET();
	put_u32(c + 16, 13);
	KT_CHECK(refused(c, len, "13 features"));
	RESET();
	put_u32(c + 20, 1);
	KT_CHECK(refused(c, len, "not supported"));
	KT_CHECK(refused(buf, len - 1, "truncated"));
	KT_CHECK(refused(buf, len / 2, "truncated"));
	RESET();
	put_u32(c + 28, 1); /* nwords + 2^32 */
	KT_CHECK(refused(c, len, "truncated"));
	RESET();
	put_u32(c + 32 + 4 * 100, 0x7fc00000u); /* NaN log-probability */
	KT_CHECK(refused(c, len, "trigram entry 100"));
	RESET();
	put_u32(c + 32 + 4 * 38, 0x3f800000u); /* +1.0: not a log-probability */
	KT_CHECK(refused(c, len, "trigram entry 38"));
	RESET();
	put_u32(c + 32 + 4 * 5, 0xc1200000u); /* -10: context 0 no longer sums to 1 */
	KT_CHECK(refused(c, len, "context 0 sums"));
	RESET();
	memcpy(c + words_at + 8, c + words_at, 8); /* duplicate hash */
	KT_CHECK(refused(c, len, "dictionary hash 1"));
	RESET();
	put_f64(c + slots_at + 8, 0.0); /* scale of feature 0 */
	KT_CHECK(refused(c, len, "out of range"));
	RESET();
	put_f64(c + slots_at + 8 * (2 * KN_DGA_FEATURES + 3), NAN);
	KT_CHECK(refused(c, len, "out of range"));
	RESET();
	put_f64(c + len - 8, 1.5); /* threshold */
	KT_CHECK(refused(c, len, "out of range"));
	RESET();
	char err[KN_ERRBUF_SIZE];
	struct kn_dga_model *ok = kn_dga_model_load(c, len, err);
	KT_CHECK(ok != NULL); /* the untouched copy loads */
	kn_dga_model_free(ok);
#undef RESET
	kn_free(c);
	kn_free(buf);
	kn_dga_model_free(m);
}

static const struct kt_case cases[] = {
	KT_CASE(test_label_choice),     KT_CASE(test_order_unsupervised),
	KT_CASE(test_order_supervised), KT_CASE(test_trainer_errors),
	KT_CASE(test_groups),
	KT_CASE(test_roundtrip),        KT_CASE(test_hostile),
};

KT_MAIN("anomaly_dga", cases)
