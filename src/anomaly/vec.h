/*
 * vec.h - the GCC vector-extension types (clang has them too) of the
 * anomaly model's hot loops (features.c, kitnet_exec.c), their unaligned
 * loads and stores, and the one diagnostic they need silenced: GCC and
 * clang warn (-Wpsabi) that a 32-byte (64-byte) vector passed or returned
 * without AVX (AVX-512) changes the ABI. Every function of those files
 * that takes or returns such a vector is static and always inlined, so no
 * vector crosses a call and the warning does not apply. Include it only
 * in files that keep to that rule.
 */
#ifndef KN_ANOMALY_VEC_H
#define KN_ANOMALY_VEC_H

#include <stdint.h>

#if defined(__clang__)
#pragma clang diagnostic ignored "-Wunknown-warning-option"
#pragma clang diagnostic ignored "-Wpsabi"
#elif defined(__GNUC__)
#pragma GCC diagnostic ignored "-Wpsabi"
#endif

typedef float v8f __attribute__((vector_size(32)));
typedef int32_t v8i __attribute__((vector_size(32)));
typedef double v4d __attribute__((vector_size(32)));
typedef int64_t v4l __attribute__((vector_size(32)));
typedef uint64_t v4u __attribute__((vector_size(32)));
typedef float v4f __attribute__((vector_size(16)));
/* 64-byte vectors: only in functions compiled for AVX-512 (kitnet_exec.c) */
typedef float v16f __attribute__((vector_size(64)));
typedef int32_t v16i __attribute__((vector_size(64)));
typedef double v8d __attribute__((vector_size(64)));
typedef uint64_t v8u __attribute__((vector_size(64)));

/* Unaligned loads and stores of 8 floats / 4 doubles (16 floats) at p;
 * macros, so no vector crosses a call whatever the target of the function
 * using them. */
typedef float v8f_u __attribute__((vector_size(32), aligned(4), may_alias));
typedef double v4d_u __attribute__((vector_size(32), aligned(8), may_alias));
typedef float v16f_u __attribute__((vector_size(64), aligned(4), may_alias));
#define ld8(p) (*(const v8f_u *)(p))
#define ld4d(p) (*(const v4d_u *)(p))
#define store8(p, v) (*(v8f_u *)(p) = (v))
#define store4d(p, v) (*(v4d_u *)(p) = (v))
#define ld16(p) (*(const v16f_u *)(p))
#define store16(p, v) (*(v16f_u *)(p) = (v))

#endif
