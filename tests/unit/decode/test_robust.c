/*
 * test_robust.c - malformed input is never a crash: every frame of the
 * corpus (corpus.h) is decoded whole, cut at every length, read under
 * every link type, and mutated a few thousand times, each copy exactly
 * sized on the heap so ASan catches any read past the end; the contract
 * invariants are checked on every result.
 *
 * With KN_DECODE_WRITE_SEEDS=<dir> in the environment it also writes the
 * corpus as fuzzer seeds (selector byte + frame, see fuzz/fuzz_decode.c).
 */
#include <stdio.h>
#include <stdlib.h>

#include "corpus.h"
#include "decode_test.h"

static void test_corpus_decodes(void)
{
	struct kn_decoder *d = dt_decoder();
	struct kn_craft *c = dt_craft();
	struct kn_packet p;
	KT_REQUIRE(d && c);
	unsigned n = 0;
	for (unsigned i = 0; corpus_frame(c, i); i++, n++) {
		dt_packet(&p, c->buf, (uint32_t)c->len, (uint32_t)c->len, c->linktype, 1);
		int r = kn_decode(d, &p);
		dt_check_invariants(&p, r);
		if (i == 44) { /* ARP */
			KT_EQ(r, KN_DECODE_OTHER);
			continue;
		}
		if (r != KN_DECODE_IP || p.n_events)
			printf("# corpus frame %u: r=%d events=%u\n", i, r, p.n_events);
		KT_EQ(r, KN_DECODE_IP);
		if (i >= 45) /* the later tunnels are opened */
			KT_EQ(p.tunnel_depth, 1);
	}
	KT_EQ(n, CORPUS_FRAMES);
	KT_EQ(kn_decoder_stats(d)->invalid, 0);
	kn_free(c);
	kn_decoder_free(d);
}

static void test_corpus_truncated(void)
{
	struct kn_decoder *d = dt_decoder();
	struct kn_craft *c = dt_craft();
	KT_REQUIRE(d && c);
	static const uint16_t links[] = { 1, 113, 276, 101, 0, 108, 147 };
	unsigned decodes = 0;
	for (unsigned i = 0; corpus_frame(c, i); i++) {
		decodes += dt_truncate_all(d, c->buf, c->len, c->linktype);
		for (unsigned l = 0; l < sizeof links / sizeof links[0]; l++) {
			struct kn_packet p;
			uint8_t *copy = kn_malloc(c->len);
			KT_REQUIRE(copy);
			memcpy(copy, c->buf, c->len);
			dt_packet(&p, copy, (uint32_t)c->len, (uint32_t)c->len, links[l], 2);
			dt_check_invariants(&p, kn_decode(d, &p));
			kn_free(copy);
		}
	}
	KT_CHECK(decodes > CORPUS_FRAMES * 100);
	kn_decoder_expire(d, UINT64_MAX);
	KT_EQ(kn_decoder_stats(d)->defrag_frags_held, 0);
	kn_free(c);
	kn_decoder_free(d);
}

static uint64_t rng_next(uint64_t *s)
{
	*s = *s * 6364136223846793005ull + 1442695040888963407ull;
	return *s >> 33;
}

/* Random byte changes, biased to the headers (the first 80 bytes). */
static void test_corpus_mutated(void)
{
	char err[KN_ERRBUF_SIZE];
	struct kn_decode_config cfg;
	kn_decode_config_default(&cfg);
	cfg.defrag_memcap = 64 * 1024; /* exercise the memcap path too */
	struct kn_decoder *d = kn_decoder_new(&cfg, err);
	struct kn_craft *c = dt_craft();
	KT_REQUIRE(d && c);
	uint64_t seed = 42;
	unsigned ip = 0, other = 0, held = 0;
	for (unsigned round = 0; round < 60; round++) {
		for (unsigned i = 0; corpus_frame(c, i); i++) {
			uint8_t *m = kn_malloc(c->len);
			KT_REQUIRE(m);
			memcpy(m, c->buf, c->len);
			unsigned edits = 1 + (unsigned)(rng_next(&seed) % 4);
			for (unsigned e = 0; e < edits; e++) {
				size_t span = c->len < 80 || rng_next(&seed) % 4 == 0 ? c->len : 80;
				m[rng_next(&seed) % span] = (uint8_t)rng_next(&seed);
			}
			size_t len = rng_next(&seed) % 8 == 0 ? rng_next(&seed) % (c->len + 1) : c->len;
			struct kn_packet p;
			dt_packet(&p, m, (uint32_t)len, (uint32_t)c->len, c->linktype,
				  1000000000ull * round + i);
			int r = kn_decode(d, &p);
			dt_check_invariants(&p, r);
			ip += r == KN_DECODE_IP;
			other += r == KN_DECODE_OTHER;
			held += r == KN_DECODE_HELD;
			kn_free(m);
		}
	}
	printf("# mutated: %u ip, %u other, %u held\n", ip, other, held);
	KT_CHECK(ip > 0 && other > 0);
	kn_decoder_expire(d, UINT64_MAX);
	const struct kn_decode_stats *st = kn_decoder_stats(d);
	KT_EQ(st->defrag_frags_held, 0);
	KT_EQ(st->defrag_mem_in_use, 0);
	kn_free(c);
	kn_decoder_free(d);
}

static void test_write_seeds(void)
{
	const char *dir = getenv("KN_DECODE_WRITE_SEEDS");
	if (!dir)
		KT_SKIP("set KN_DECODE_WRITE_SEEDS=<dir> to write fuzz seeds");
	struct kn_craft *c = dt_craft();
	KT_REQUIRE(c);
	unsigned n = 0;
	for (unsigned i = 0; corpus_frame(c, i); i++) {
		char path[512];
		snprintf(path, sizeof path, "%s/seed-%02u", dir, i);
		FILE *f = fopen(path, "wb");
		KT_REQUIRE(f);
		uint8_t sel = corpus_selector(c->linktype);
		n += fwrite(&sel, 1, 1, f) == 1 && fwrite(c->buf, 1, c->len, f) == c->len;
		fclose(f);
	}
	KT_EQ(n, CORPUS_FRAMES);
	/* Two fragments of a UDP datagram per family, for the defrag paths. */
	struct kn_craft *f = dt_craft();
	KT_REQUIRE(f);
	for (unsigned v6 = 0; v6 < 2; v6++) {
		kn_craft_init(c);
		kn_craft_eth(c, NULL, NULL);
		corpus_udp(c, (int)v6, 53);
		kn_craft_payload(c, NULL, 40); /* 48 bytes of IP payload */
		kn_craft_finish(c);
		for (unsigned k = 0; k < 2; k++) {
			size_t len = kn_craft_fragment_at(c, k * 24, 24, !k, f);
			KT_REQUIRE(len > 0);
			char path[512];
			snprintf(path, sizeof path, "%s/seed-frag%u%u", dir, v6, k);
			FILE *fp = fopen(path, "wb");
			KT_REQUIRE(fp);
			uint8_t sel = corpus_selector(f->linktype);
			KT_CHECK(fwrite(&sel, 1, 1, fp) == 1 && fwrite(f->buf, 1, len, fp) == len);
			fclose(fp);
		}
	}
	kn_free(f);
	kn_free(c);
}

static const struct kt_case cases[] = {
	KT_CASE(test_corpus_decodes),
	KT_CASE(test_corpus_truncated),
	KT_CASE(test_corpus_mutated),
	KT_CASE(test_write_seeds),
};

KT_MAIN("decode_robust", cases)
