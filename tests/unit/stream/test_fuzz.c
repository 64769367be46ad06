/*
 * test_fuzz.c - stream stage: randomised reassembly. A 64 KiB random
 * stream is cut into random segments (some spanning several buffer nodes),
 * extra segments re-send random ranges with the same bytes (duplicates and
 * partial overlaps), the whole is shuffled within a window and fed, with a
 * FIN at the end. For each of 1000 seeds the delivered stream must equal
 * the original, with no gap and the FIN on the last delivery.
 */
#include "../../kt.h"
#include "stream_rec.h"
#include "stream/stream_int.h"

#define STREAM_LEN 65536u
#define MAX_PIECES 4096u
#define SHUFFLE_WINDOW 16384u

struct piece {
	uint32_t off, len;
	uint64_t key;   /* feeding order */
};

static uint64_t rnd(uint64_t *s)
{
	/* xorshift64* */
	*s ^= *s >> 12;
	*s ^= *s << 25;
	*s ^= *s >> 27;
	return *s * 0x2545F4914F6CDD1Dull;
}

static int by_key(const void *a, const void *b)
{
	const struct piece *x = a, *y = b;
	return x->key < y->key ? -1 : x->key > y->key;
}

/* Cuts the stream, adds re-sent ranges, shuffles; returns the count. */
static size_t make_pieces(uint64_t *rs, struct piece *pc)
{
	size_t n = 0;

	for (uint32_t off = 0; off < STREAM_LEN && n < MAX_PIECES;) {
		uint32_t len = 1 + (uint32_t)(rnd(rs) % (rnd(rs) % 16 ? 1460 : 5000));
		if (len > STREAM_LEN - off)
			len = STREAM_LEN - off;
		pc[n++] = (struct piece){ off, len, 0 };
		off += len;
	}
	size_t extra = n / 3;
	for (size_t i = 0; i < extra && n < MAX_PIECES; i++) {
		uint32_t off = (uint32_t)(rnd(rs) % STREAM_LEN);
		uint32_t len = 1 + (uint32_t)(rnd(rs) % 3000);
		if (len > STREAM_LEN - off)
			len = STREAM_LEN - off;
		pc[n++] = (struct piece){ off, len, 0 };
	}
	for (size_t i = 0; i < n; i++)
		pc[i].key = pc[i].off + rnd(rs) % SHUFFLE_WINDOW;
	qsort(pc, n, sizeof(*pc), by_key);
	return n;
}

/* What the seeds exercised, summed: proves the input was hard. */
struct fuzz_sums {
	uint64_t ooo_segments, overlaps, retransmits, multi_node, wrapped;
};

/* Runs one seed; returns 1 when the delivered stream is exact. */
static int run_seed(uint64_t seed, uint8_t *orig, struct piece *pc, struct fuzz_sums *sum)
{
	struct fx fx;
	uint64_t rs = seed * 0x9E3779B97F4A7C15ull + 1;
	int ok;

	for (uint32_t i = 0; i < STREAM_LEN; i++)
		orig[i] = (uint8_t)rnd(&rs);
	size_t n = make_pieces(&rs, pc);
	if (!fx_init(&fx, NULL))
		return 0;
	/* every 4th seed starts just below 2^32 so the stream wraps */
	uint32_t isn = seed % 4 ? (uint32_t)rnd(&rs) : 0xFFFFFFFFu - (uint32_t)(rnd(&rs) % 60000);
	fx_handshake(&fx, isn, (uint32_t)rnd(&rs));
	sum->wrapped += isn + 1 + STREAM_LEN < isn;
	for (size_t i = 0; i < n; i++) {
		fx_data_n(&fx, 0, pc[i].off, orig + pc[i].off, pc[i].len);
		sum->multi_node += pc[i].len > STREAM_NODE_LARGE;
	}
	fx_pkt(&fx, 0, isn + 1 + STREAM_LEN, fx.ack[0], KN_TCP_ACK | KN_TCP_FIN, NULL, 0);
	const struct kn_stream_stats *st = kn_stream_ctx_stats(fx.ctx);
	ok = fx.rec.text_len[0] == STREAM_LEN &&
	     memcmp(fx.rec.text[0], orig, STREAM_LEN) == 0 && st->gaps == 0 &&
	     st->bytes == STREAM_LEN && st->overlaps_diff == 0 && fx.rec.violations == 0 &&
	     fx.rec.n > 0 && (fx.rec.ev[fx.rec.n - 1].flags & KN_STREAM_FIN) &&
	     st->mem_in_use <= st->mem_peak && st->memcap_drops == 0;
	sum->ooo_segments += st->ooo_segments;
	sum->overlaps += st->overlaps;
	sum->retransmits += st->retransmits;
	if (!ok)
		fprintf(stderr, "seed %llu: delivered %zu bytes, gaps %llu, violations %d (%s)\n",
			(unsigned long long)seed, fx.rec.text_len[0],
			(unsigned long long)st->gaps, fx.rec.violations, fx.rec.why);
	fx_fini(&fx);
	return ok;
}

static void test_random_permutations(void)
{
	uint8_t *orig = kn_malloc(STREAM_LEN);
	struct piece *pc = kn_calloc(MAX_PIECES, sizeof(*pc));
	struct fuzz_sums sum = { 0 };
	int passed = 0;

	if (!orig || !pc)
		goto out;
	for (uint64_t seed = 1; seed <= 1000; seed++) {
		if (!run_seed(seed, orig, pc, &sum))
			break;
		passed++;
	}
	KT_EQ(passed, 1000);
	KT_CHECK(sum.ooo_segments > 10000 && sum.overlaps > 10000 && sum.retransmits > 1000);
	KT_CHECK(sum.multi_node > 1000 && sum.wrapped > 100);
out:
	KT_CHECK(orig && pc);
	kn_free(orig);
	kn_free(pc);
}

static struct kn_stream_config *cfg_small_ooo(struct kn_stream_config *cfg)
{
	kn_stream_config_default(cfg);
	cfg->max_ooo_bytes = 3000;
	return cfg;
}

/* The same input with a tiny out-of-order limit: gaps appear, but what is
 * delivered is still in order, exactly once, and true to the original. */
static void test_random_with_forced_gaps(void)
{
	uint8_t *orig = kn_malloc(STREAM_LEN);
	struct piece *pc = kn_calloc(MAX_PIECES, sizeof(*pc));
	struct kn_stream_config cfg;
	struct fx fx;
	uint64_t rs = 42;

	if (!orig || !pc || !fx_init(&fx, cfg_small_ooo(&cfg))) {
		KT_CHECK(0);
		kn_free(orig);
		kn_free(pc);
		return;
	}
	for (uint32_t i = 0; i < STREAM_LEN; i++)
		orig[i] = (uint8_t)('A' + rnd(&rs) % 26);
	size_t n = make_pieces(&rs, pc);
	fx_handshake(&fx, 1, 2);
	for (size_t i = 0; i < n; i++)
		fx_data_n(&fx, 0, pc[i].off, orig + pc[i].off, pc[i].len);
	kn_stream_flow_end(fx.ctx, &fx.flow);
	const struct kn_stream_stats *st = kn_stream_ctx_stats(fx.ctx);
	KT_CHECK(st->gaps > 0);
	KT_EQ(fx.rec.violations, 0);
	size_t same = 0;
	for (size_t i = 0; i < fx.rec.text_len[0]; i++)
		same += fx.rec.text[0][i] == '~' || fx.rec.text[0][i] == (char)orig[i];
	KT_EQ(same, fx.rec.text_len[0]);
	KT_EQ(st->bytes + st->gap_bytes, fx.rec.text_len[0]);
	fx_fini(&fx);
	kn_free(orig);
	kn_free(pc);
}

static const struct kt_case cases[] = {
	KT_CASE(test_random_permutations),
	KT_CASE(test_random_with_forced_gaps),
};

KT_MAIN("stream_fuzz", cases)
