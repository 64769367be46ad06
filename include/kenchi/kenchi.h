/*
 * kenchi.h - common definitions of libkenchi: version, error codes, the
 * caller-supplied error buffer convention and function attributes.
 *
 * Conventions (see STYLE.md): functions that can fail return 0 on success
 * or a negative -KN_E* code; constructors return a pointer or NULL and
 * write a one-line reason into the caller's `char errbuf[KN_ERRBUF_SIZE]`.
 */
#ifndef KENCHI_KENCHI_H
#define KENCHI_KENCHI_H

#include <stddef.h>
#include <stdint.h>

#define KN_VERSION_MAJOR 0
#define KN_VERSION_MINOR 1
#define KN_VERSION_PATCH 0
#define KN_VERSION_STRING "0.1.0"

/* Size of every caller-supplied error buffer. */
#define KN_ERRBUF_SIZE 512

#if defined(__GNUC__) || defined(__clang__)
#define KN_WARN_UNUSED __attribute__((warn_unused_result))
#define KN_PRINTF(f, a) __attribute__((format(printf, f, a)))
#define KN_LIKELY(x) __builtin_expect(!!(x), 1)
#define KN_UNLIKELY(x) __builtin_expect(!!(x), 0)
#else
#define KN_WARN_UNUSED
#define KN_PRINTF(f, a)
#define KN_LIKELY(x) (x)
#define KN_UNLIKELY(x) (x)
#endif

/* Error codes, always returned negated (-KN_EIO). */
enum kn_error {
	KN_OK = 0,
	KN_ENOMEM = 1,   /* allocation failed or a memcap refused it */
	KN_EINVAL = 2,   /* bad argument or configuration */
	KN_EIO = 3,      /* read/write error on a file, socket or device */
	KN_EFORMAT = 4,  /* input is not in the expected format (bad magic, corrupt block) */
	KN_ETRUNC = 5,   /* input ended in the middle of a record */
	KN_ENOTSUP = 6,  /* valid input that this build does not support (link type, version) */
	KN_EAGAIN = 7,   /* nothing available now (live capture timeout); try again */
	KN_EFULL = 8,    /* a bounded queue or buffer is full */
};

/* Static English description of a KN_E* code (positive or negative). */
const char *kn_strerror(int err);

/* Library version string, e.g. "0.1.0". */
const char *kn_version(void);

#endif
