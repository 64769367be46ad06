/*
 * sig_pcre.c - compiled pcre patterns shared by every engine of the
 * process: one pcre2_code (with its JIT code) per distinct pattern and
 * flags, reference counted.
 *
 * ET Open writes 2,653 pcre options with 1,356 distinct patterns, so a rule
 * set compiles each pattern once; and a reload builds its engine while the
 * old one still serves, so the patterns of unchanged rules are taken from
 * the old engine instead of being compiled (and held) twice. Compiled code
 * is read-only at match time: workers share it, each with its own match
 * data and JIT stack. Engines are built and freed by the main and reload
 * threads, so the table has a lock; matching never touches it.
 */
#include <pthread.h>
#include <stdio.h>
#include <string.h>

#include "detect/sig_int.h"
#include "util/alloc.h"
#include "util/hash.h"

struct pcre_entry {
	pcre2_code *code;            /* NULL: free slot */
	uint64_t hash;
	uint32_t flags, refs;
	char *regex;
};

static struct {
	pthread_mutex_t lock;
	struct pcre_entry *v;
	size_t cap, n;
} cache = { .lock = PTHREAD_MUTEX_INITIALIZER };

static uint64_t pcre_hash(const char *re, uint32_t flags)
{
	return kn_fnv1a64(KN_FNV1A64_INIT ^ flags, re, strlen(re));
}

/* The slot of (regex, flags), or the free slot where it goes. */
static struct pcre_entry *find_slot(struct pcre_entry *v, size_t cap, uint64_t h,
				    const char *re, uint32_t flags)
{
	for (size_t i = h & (cap - 1);; i = (i + 1) & (cap - 1)) {
		struct pcre_entry *e = &v[i];
		if (!e->code || (e->hash == h && e->flags == flags && !strcmp(e->regex, re)))
			return e;
	}
}

/* Keeps the table at most half full. 0 or -KN_ENOMEM. */
static int grow(void)
{
	if (cache.n * 2 < cache.cap)
		return 0;
	size_t cap = cache.cap ? cache.cap * 2 : 1024;
	struct pcre_entry *v = kn_calloc(cap, sizeof *v);
	if (!v)
		return -KN_ENOMEM;
	for (size_t i = 0; i < cache.cap; i++)
		if (cache.v[i].code)
			*find_slot(v, cap, cache.v[i].hash, cache.v[i].regex, cache.v[i].flags) =
				cache.v[i];
	kn_free(cache.v);
	cache.v = v;
	cache.cap = cap;
	return 0;
}

pcre2_code *sig_pcre_get(const struct kn_rule_pcre *p, char *err, size_t errsz)
{
	uint64_t h = pcre_hash(p->regex, p->flags);
	pcre2_code *code = NULL;
	pthread_mutex_lock(&cache.lock);
	if (grow() != 0) {
		snprintf(err, errsz, "no memory to compile the pcre");
		goto out;
	}
	struct pcre_entry *e = find_slot(cache.v, cache.cap, h, p->regex, p->flags);
	if (e->code) {
		e->refs++;
		code = e->code;
		goto out;
	}
	size_t len = strlen(p->regex);
	char *re = kn_malloc(len + 1);
	if (!re) {
		snprintf(err, errsz, "no memory to compile the pcre");
		goto out;
	}
	memcpy(re, p->regex, len + 1);
	if (!(code = sig_pcre_compile(p, err, errsz))) {
		kn_free(re);
		goto out;
	}
	*e = (struct pcre_entry){ .code = code, .hash = h, .flags = p->flags, .refs = 1,
				  .regex = re };
	cache.n++;
out:
	pthread_mutex_unlock(&cache.lock);
	return code;
}

/* Removes slot i and re-places the entries after it (linear probing). */
static void remove_slot(size_t i)
{
	cache.v[i].code = NULL;
	cache.n--;
	for (size_t j = (i + 1) & (cache.cap - 1); cache.v[j].code; j = (j + 1) & (cache.cap - 1)) {
		struct pcre_entry moved = cache.v[j];
		cache.v[j].code = NULL;
		*find_slot(cache.v, cache.cap, moved.hash, moved.regex, moved.flags) = moved;
	}
}

void sig_pcre_put(pcre2_code *code)
{
	if (!code)
		return;
	pthread_mutex_lock(&cache.lock);
	for (size_t i = 0; i < cache.cap; i++) {
		struct pcre_entry *e = &cache.v[i];
		if (e->code != code)
			continue;
		if (--e->refs == 0) {
			pcre2_code_free(e->code);
			kn_free(e->regex);
			remove_slot(i);
		}
		break;
	}
	if (cache.n == 0) {
		kn_free(cache.v);
		cache.v = NULL;
		cache.cap = 0;
	}
	pthread_mutex_unlock(&cache.lock);
}

size_t sig_pcre_cached(void)
{
	pthread_mutex_lock(&cache.lock);
	size_t n = cache.n;
	pthread_mutex_unlock(&cache.lock);
	return n;
}
