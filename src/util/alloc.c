/*
 * alloc.c - overflow-checked allocation wrappers with optional fault
 * injection for tests. See alloc.h.
 */
#include "alloc.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#ifdef KN_ALLOC_FAULTS
#include <stdatomic.h>
/* Test-build only: the countdown is process-wide by nature (it models the
 * allocator failing), so it is the one mutable global we allow. */
static atomic_ulong fail_countdown;
static atomic_int fail_env_read;

static int should_fail(void)
{
	if (!atomic_exchange(&fail_env_read, 1)) {
		const char *s = getenv("KN_ALLOC_FAIL_AT");
		if (s)
			atomic_store(&fail_countdown, strtoul(s, NULL, 10));
	}
	unsigned long c = atomic_load(&fail_countdown);
	while (c > 0) {
		if (atomic_compare_exchange_weak(&fail_countdown, &c, c - 1))
			return c == 1;
	}
	return 0;
}

void kn_alloc_fail_at(unsigned long n)
{
	atomic_store(&fail_env_read, 1);
	atomic_store(&fail_countdown, n);
}
#else
static inline int should_fail(void) { return 0; }
void kn_alloc_fail_at(unsigned long n) { (void)n; }
#endif

void *kn_malloc(size_t size)
{
	if (size == 0 || should_fail())
		return NULL;
	return malloc(size);
}

void *kn_calloc(size_t n, size_t size)
{
	if (n == 0 || size == 0 || n > SIZE_MAX / size || should_fail())
		return NULL;
	return calloc(n, size);
}

void *kn_realloc_array(void *p, size_t n, size_t size)
{
	if (n == 0 || size == 0 || n > SIZE_MAX / size || should_fail())
		return NULL;
	return realloc(p, n * size);
}

char *kn_strdup(const char *s)
{
	size_t len = strlen(s) + 1;
	char *d = kn_malloc(len);
	if (d)
		memcpy(d, s, len);
	return d;
}

void kn_free(void *p)
{
	free(p);
}
