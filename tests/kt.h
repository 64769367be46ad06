/*
 * kt.h - kenchi's minimal unit-test harness (header only, one per test
 * binary).
 *
 * A test binary defines `static void test_x(void)` functions, lists them in
 * a `struct kt_case` array and returns kt_run(). Every case prints one line:
 *   PASS <binary>.<case>
 *   FAIL <binary>.<case>: file:line: expression
 *   SKIP <binary>.<case>: reason
 * scripts/test.sh counts these lines over every test binary and both builds
 * and prints the closing "N passed, N failed" line. The process exits 1 when
 * any case failed, 0 otherwise.
 */
#ifndef KENCHI_TESTS_KT_H
#define KENCHI_TESTS_KT_H

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct kt_case {
	const char *name;
	void (*fn)(void);
};

struct kt_state {
	int failed;      /* current case has failed */
	int skipped;     /* current case called KT_SKIP */
	char why[512];
};

static struct kt_state kt_st;

static inline int kt_fail(const char *file, int line, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

#include <stdarg.h>
static inline int kt_fail(const char *file, int line, const char *fmt, ...)
{
	if (!kt_st.failed) {
		int n = snprintf(kt_st.why, sizeof kt_st.why, "%s:%d: ", file, line);
		va_list ap;
		va_start(ap, fmt);
		if (n > 0 && (size_t)n < sizeof kt_st.why)
			vsnprintf(kt_st.why + n, sizeof kt_st.why - (size_t)n, fmt, ap);
		va_end(ap);
	}
	kt_st.failed = 1;
	return 0;
}

/* Non-fatal checks: record the first failure and go on. */
#define KT_CHECK(c) ((c) ? 1 : kt_fail(__FILE__, __LINE__, "%s", #c))
#define KT_EQ(a, b)                                                              \
	do {                                                                     \
		long long kt_a_ = (long long)(a), kt_b_ = (long long)(b);        \
		if (kt_a_ != kt_b_)                                              \
			kt_fail(__FILE__, __LINE__, "%s == %s (%lld != %lld)", #a, #b, \
				kt_a_, kt_b_);                                   \
	} while (0)
#define KT_EQ_STR(a, b)                                                          \
	do {                                                                     \
		const char *kt_a_ = (a), *kt_b_ = (b);                           \
		if (!kt_a_ || !kt_b_ || strcmp(kt_a_, kt_b_) != 0)               \
			kt_fail(__FILE__, __LINE__, "%s == %s (\"%s\" != \"%s\")", #a, \
				#b, kt_a_ ? kt_a_ : "(null)", kt_b_ ? kt_b_ : "(null)"); \
	} while (0)
/* Fatal check: end the case now. */
#define KT_REQUIRE(c)                                                            \
	do {                                                                     \
		if (!(c)) {                                                      \
			kt_fail(__FILE__, __LINE__, "required: %s", #c);         \
			return;                                                  \
		}                                                                \
	} while (0)
/* Skip the current case with a reason (e.g. ../shared absent). */
#define KT_SKIP(...)                                                             \
	do {                                                                     \
		kt_st.skipped = 1;                                               \
		snprintf(kt_st.why, sizeof kt_st.why, __VA_ARGS__);              \
		return;                                                          \
	} while (0)

#define KT_CASE(f) { #f, f }

/* Runs the cases (all, or only those named on the command line). */
static inline int kt_run(const char *suite, const struct kt_case *cases, size_t n,
			 int argc, char **argv)
{
	int fails = 0;
	for (size_t i = 0; i < n; i++) {
		if (argc > 1) {
			int want = 0;
			for (int a = 1; a < argc; a++)
				want |= strcmp(argv[a], cases[i].name) == 0;
			if (!want)
				continue;
		}
		memset(&kt_st, 0, sizeof kt_st);
		cases[i].fn();
		if (kt_st.failed) {
			printf("FAIL %s.%s: %s\n", suite, cases[i].name, kt_st.why);
			fails++;
		} else if (kt_st.skipped) {
			printf("SKIP %s.%s: %s\n", suite, cases[i].name, kt_st.why);
		} else {
			printf("PASS %s.%s\n", suite, cases[i].name);
		}
		fflush(stdout);
	}
	return fails ? 1 : 0;
}

#define KT_MAIN(suite, cases)                                                    \
	int main(int argc, char **argv)                                          \
	{                                                                        \
		return kt_run(suite, cases, sizeof(cases) / sizeof(cases[0]), argc, argv); \
	}

#endif
