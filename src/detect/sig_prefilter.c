/*
 * sig_prefilter.c - the fast-pattern prefilter: one Hyperscan literal
 * database per group of rules (payload per transport and direction, each
 * app buffer), built from each rule's fast pattern.
 *
 * Identical patterns (same bytes, same case mode) are one Hyperscan
 * literal; pattern ids index a CSR table listing the rules the pattern
 * enters. Literals are compiled with HS_FLAG_SINGLEMATCH: a rule needs to
 * know only that its pattern occurs, the full evaluation finds where.
 * Databases are shared between engines with the same pattern list (below).
 */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "detect/sig_int.h"
#include "util/alloc.h"
#include "util/hash.h"

/* Databases shared by every engine of the process, by their pattern list:
 * a reload builds its engine while the old one serves, and each group whose
 * fast patterns did not change takes the old database (no second copy, no
 * Hyperscan compile: most of a reload's time and transient memory). A
 * database is read-only at scan time; each worker has its own scratch. */
struct db_entry {
	struct db_entry *next;
	hs_database_t *db;
	uint64_t key[2];                     /* hash of the pattern list */
	uint32_t n_pat, refs;
};

static struct {
	pthread_mutex_t lock;
	struct db_entry *head;
} dbs = { .lock = PTHREAD_MUTEX_INITIALIZER };

/* Two independent 64-bit hashes of the group's distinct patterns, in id
 * order (the ids the database reports). */
static void pattern_key(const struct sig_group *g, const struct sig_fp *fps, uint64_t key[2])
{
	uint64_t a = KN_FNV1A64_INIT, b = 0x243f6a8885a308d3ULL;
	for (uint32_t p = 0; p < g->n_pat; p++) {
		const struct sig_fp *f = &fps[g->pat_first[p]];
		uint64_t head = (uint64_t)f->len << 1 | f->nocase;
		a = kn_fnv1a64(kn_fnv1a64(a, &head, sizeof head), f->bytes, f->len);
		b = kn_hash64(f->bytes, f->len, b ^ head);
	}
	key[0] = a;
	key[1] = b;
}

/* A database already built for this pattern list (one more reference). */
static hs_database_t *db_find(const uint64_t key[2], uint32_t n_pat)
{
	hs_database_t *db = NULL;
	pthread_mutex_lock(&dbs.lock);
	for (struct db_entry *e = dbs.head; e; e = e->next)
		if (e->key[0] == key[0] && e->key[1] == key[1] && e->n_pat == n_pat) {
			e->refs++;
			db = e->db;
			break;
		}
	pthread_mutex_unlock(&dbs.lock);
	return db;
}

/* Registers a new database; 0 or -KN_ENOMEM (the database is then freed). */
static int db_add(hs_database_t *db, const uint64_t key[2], uint32_t n_pat)
{
	struct db_entry *e = kn_calloc(1, sizeof *e);
	if (!e) {
		hs_free_database(db);
		return -KN_ENOMEM;
	}
	*e = (struct db_entry){ .db = db, .key = { key[0], key[1] }, .n_pat = n_pat, .refs = 1 };
	pthread_mutex_lock(&dbs.lock);
	e->next = dbs.head;
	dbs.head = e;
	pthread_mutex_unlock(&dbs.lock);
	return 0;
}

static void db_put(hs_database_t *db)
{
	pthread_mutex_lock(&dbs.lock);
	for (struct db_entry **pp = &dbs.head; *pp; pp = &(*pp)->next) {
		struct db_entry *e = *pp;
		if (e->db != db)
			continue;
		if (--e->refs == 0) {
			*pp = e->next;
			hs_free_database(e->db);
			kn_free(e);
		}
		break;
	}
	pthread_mutex_unlock(&dbs.lock);
}

static int fp_cmp(const void *a, const void *b)
{
	const struct sig_fp *x = a, *y = b;
	if (x->nocase != y->nocase)
		return x->nocase < y->nocase ? -1 : 1;
	if (x->len != y->len)
		return x->len < y->len ? -1 : 1;
	int c = memcmp(x->bytes, y->bytes, x->len);
	if (c)
		return c;
	return x->rule < y->rule ? -1 : x->rule > y->rule;
}

static int same_pattern(const struct sig_fp *x, const struct sig_fp *y)
{
	return x->nocase == y->nocase && x->len == y->len && !memcmp(x->bytes, y->bytes, x->len);
}

/* Fills the CSR tables; returns the number of distinct patterns. */
static uint32_t fill_csr(struct sig_group *g, const struct sig_fp *fps, size_t n)
{
	uint32_t p = 0;
	for (size_t i = 0; i < n; i++) {
		if (i == 0 || !same_pattern(&fps[i - 1], &fps[i]))
			g->pat_first[p++] = (uint32_t)i;
		g->pat_rules[i] = fps[i].rule;
	}
	g->pat_first[p] = (uint32_t)n;
	return p;
}

/* Filler literals. Hyperscan 5.4 (Debian 12) compiles a literal set of a
 * few hundred to ~1,300 patterns the slow way: ET Open's TCP to_server
 * literals broad in their ports (741) took 0.5 s and 136 MiB while
 * compiling, the whole set of 1,479 41 ms and 9 MiB. Measured on the
 * payload sets of ET Open, 95 to 871 patterns padded to 1,500 with
 * 16-byte pseudo-random literals compile in ~43 ms and ~12 MiB each,
 * and scan mix.pcap's payloads as fast (within the noise, +-5%). The
 * fillers' ids are past the group's patterns: a match on one (16 bytes
 * of noise) enters no rule (on_hs_match). */
#define SIG_PAD_MIN 128
#define SIG_PAD_TO 1500
#define SIG_PAD_LEN 16

static uint8_t fill_bytes[SIG_PAD_TO][SIG_PAD_LEN];
static pthread_once_t fill_once = PTHREAD_ONCE_INIT;

static void fill_init(void)
{
	uint64_t x = 0x9e3779b97f4a7c15ULL;   /* xorshift64: the same fillers in every run */
	for (size_t i = 0; i < sizeof fill_bytes; i++) {
		x ^= x << 13;
		x ^= x >> 7;
		x ^= x << 17;
		fill_bytes[i / SIG_PAD_LEN][i % SIG_PAD_LEN] = (uint8_t)(x >> 32);
	}
}

static const uint8_t *filler(uint32_t i)
{
	pthread_once(&fill_once, fill_init);
	return fill_bytes[i];
}

static int compile_db(struct sig_group *g, const struct sig_fp *fps, char *err)
{
	uint32_t n = g->n_pat >= SIG_PAD_MIN && g->n_pat < SIG_PAD_TO ? SIG_PAD_TO : g->n_pat;
	const char **expr = kn_calloc(n, sizeof *expr);
	unsigned *flags = kn_calloc(n, sizeof *flags);
	unsigned *ids = kn_calloc(n, sizeof *ids);
	size_t *lens = kn_calloc(n, sizeof *lens);
	hs_compile_error_t *cerr = NULL;
	int rc = -KN_ENOMEM;

	if (!expr || !flags || !ids || !lens)
		goto out;
	for (uint32_t p = 0; p < g->n_pat; p++) {
		const struct sig_fp *f = &fps[g->pat_first[p]];
		expr[p] = (const char *)f->bytes;
		lens[p] = f->len;
		flags[p] = HS_FLAG_SINGLEMATCH | (f->nocase ? HS_FLAG_CASELESS : 0);
		ids[p] = p;
	}
	for (uint32_t p = g->n_pat; p < n; p++) {
		expr[p] = (const char *)filler(p - g->n_pat);
		lens[p] = SIG_PAD_LEN;
		flags[p] = HS_FLAG_SINGLEMATCH;
		ids[p] = p;
	}
	rc = 0;
	if (hs_compile_lit_multi(expr, flags, ids, lens, n, HS_MODE_BLOCK, NULL, &g->db,
				 &cerr) != HS_SUCCESS) {
		snprintf(err, KN_ERRBUF_SIZE, "Hyperscan cannot compile %u fast patterns: %s",
			 g->n_pat, cerr && cerr->message ? cerr->message : "unknown error");
		hs_free_compile_error(cerr);
		g->db = NULL;
		rc = -KN_EINVAL;
	}
out:
	kn_free(expr);
	kn_free(flags);
	kn_free(ids);
	kn_free(lens);
	return rc;
}

int sig_group_build(struct sig_group *g, struct sig_fp *fps, size_t n, char *err)
{
	if (n == 0)
		return 0;
	qsort(fps, n, sizeof *fps, fp_cmp);
	g->pat_first = kn_calloc(n + 1, sizeof *g->pat_first);
	g->pat_rules = kn_calloc(n, sizeof *g->pat_rules);
	if (!g->pat_first || !g->pat_rules) {
		snprintf(err, KN_ERRBUF_SIZE, "out of memory building the prefilter");
		return -KN_ENOMEM;
	}
	g->n_pat = fill_csr(g, fps, n);
	g->min_len = UINT32_MAX;
	for (size_t i = 0; i < n; i++)
		if (fps[i].len < g->min_len)
			g->min_len = fps[i].len;
	uint64_t key[2];
	pattern_key(g, fps, key);
	if ((g->db = db_find(key, g->n_pat)) != NULL)
		return 0;
	int rc = compile_db(g, fps, err);
	if (rc == 0 && (rc = db_add(g->db, key, g->n_pat)) != 0)
		g->db = NULL;
	if (rc == -KN_ENOMEM)
		snprintf(err, KN_ERRBUF_SIZE, "out of memory building the prefilter");
	return rc;
}

void sig_group_free(struct sig_group *g)
{
	if (g->db)
		db_put(g->db);
	kn_free(g->pat_first);
	kn_free(g->pat_rules);
	kn_free(g->always);
	sig_aidx_free(g->by_src);
	sig_aidx_free(g->by_dst);
	sig_aidx_free(g->by_dport);
	sig_aidx_free(g->by_sport);
	sig_ports_free(g);
	memset(g, 0, sizeof *g);
}
