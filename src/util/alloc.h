/*
 * alloc.h - the only allocation functions kenchi code uses.
 *
 * Leaf utility (imports nothing of ours). Every size computation that can
 * overflow is checked here, so callers pass counts and element sizes rather
 * than products. A test build (-DKN_ALLOC_FAULTS) can make the Nth
 * allocation fail: set KN_ALLOC_FAIL_AT=N in the environment, or call
 * kn_alloc_fail_at(), to prove that every caller survives a NULL.
 */
#ifndef KN_UTIL_ALLOC_H
#define KN_UTIL_ALLOC_H

#include <stddef.h>
#include "kenchi/kenchi.h"

/* malloc(size); NULL on failure or size == 0. */
KN_WARN_UNUSED void *kn_malloc(size_t size);
/* calloc(n, size) with overflow check; NULL on failure or zero size. */
KN_WARN_UNUSED void *kn_calloc(size_t n, size_t size);
/* realloc(p, n * size) with overflow check. On failure returns NULL and p is
 * untouched (still owned by the caller). */
KN_WARN_UNUSED void *kn_realloc_array(void *p, size_t n, size_t size);
/* strdup; NULL on failure. */
KN_WARN_UNUSED char *kn_strdup(const char *s);
/* free(p); kn_free(NULL) is a no-op. */
void kn_free(void *p);

/* Fault injection (only effective in builds with KN_ALLOC_FAULTS): the
 * n-th allocation from now fails (1 = the next one); 0 disables. */
void kn_alloc_fail_at(unsigned long n);

#endif
