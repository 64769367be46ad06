/*
 * test_inspect.c - payload inspection (src/detect/inspect.c,
 * inspect_byte.c): real rule text is parsed, the options of its buffer are
 * collected in rule order, pcres compiled, and crafted buffers inspected.
 * Each expectation is worked out by hand in the comment next to it, from
 * Suricata 7's rules: windows of offset/depth/distance/within, the cursor,
 * which options are retried at their next occurrence, byte_* arithmetic,
 * and the limits (work budget, pcre match limit) on hostile input.
 */
#include "../../kt.h"

#include <stdio.h>
#include <stdlib.h>
#include <time.h>

#include "detect/inspect.h"
#include "detect_test.h"
#include "util/alloc.h"

#define MAX_LIST 1100

/* A loaded one-rule set, its inspection list and a scratch. */
struct tc {
	struct kn_ruleset *rs;
	const struct kn_rule_opt *opts[MAX_LIST];
	pcre2_code *re[MAX_LIST];
	unsigned n;
	struct sig_inspect s;
};

static void tc_free(struct tc *t)
{
	for (unsigned i = 0; i < t->n; i++)
		if (t->re[i])
			pcre2_code_free(t->re[i]);
	sig_inspect_fini(&t->s);
	kn_ruleset_free(t->rs);
	memset(t, 0, sizeof *t);
}

/* Loads "alert PROTO any any -> any any (OPTS sid:1;)" and prepares the
 * list; 0 (with the parser's message printed) when it does not load. */
static int tc_load(struct tc *t, const char *proto, const char *opts)
{
	size_t cap = strlen(opts) + 128;
	char *text = malloc(cap);
	memset(t, 0, sizeof *t);
	if (!text)
		return 0;
	snprintf(text, cap, "alert %s any any -> any any (%s sid:1;)\n", proto, opts);
	t->rs = dt_load(text, NULL);
	free(text);
	const struct kn_rule *r = t->rs ? kn_ruleset_rule(t->rs, 0) : NULL;
	if (!r) {
		if (t->rs && kn_ruleset_error(t->rs, 0))
			printf("  (rule error: %s)\n", kn_ruleset_error(t->rs, 0)->message);
		kn_ruleset_free(t->rs);
		t->rs = NULL;
		return 0;
	}
	for (uint32_t i = 0; i < r->n_opts && t->n < MAX_LIST; i++) {
		const struct kn_rule_opt *o = &r->opts[i];
		if (!sig_inspect_keyword(o->kw))
			continue;
		t->opts[t->n] = o;
		if (o->kw == (unsigned)kn_rule_keyword_by_name("pcre")) {
			char err[256];
			t->re[t->n] = sig_pcre_compile(o->u.pcre, err, sizeof err);
			if (!t->re[t->n])
				printf("  (pcre error: %s)\n", err);
		}
		t->n++;
	}
	return sig_inspect_init(&t->s) == 0;
}

static int tc_run(struct tc *t, const void *buf, size_t len)
{
	memset(t->s.vars, 0, sizeof t->s.vars);
	t->s.budget = SIG_INSPECT_BUDGET;
	return sig_inspect_buffer(&t->s, t->opts, t->re, t->n, buf, (uint32_t)len);
}

/* One rule of protocol proto on one buffer: 1, 0, or -1 if it did not load.
 * The buffer is copied to a heap block of exactly len bytes, so that the
 * sanitizer builds catch any read past its end. */
static int matchp(const char *proto, const char *opts, const void *buf, size_t len)
{
	struct tc t;
	uint8_t *copy = len ? malloc(len) : NULL;
	if ((len && !copy) || !tc_load(&t, proto, opts)) {
		free(copy);
		tc_free(&t);
		return -1;
	}
	if (len)
		memcpy(copy, buf, len);
	int r = tc_run(&t, copy, len);
	tc_free(&t);
	free(copy);
	return r;
}

static int matchn(const char *opts, const void *buf, size_t len)
{
	return matchp("tcp", opts, buf, len);
}

static int match(const char *opts, const char *buf)
{
	return matchn(opts, buf, strlen(buf));
}

/* ------------------------------------------------------------- content */

static void test_content_basic(void)
{
	KT_EQ(match("content:\"GET\";", "xGETy"), 1);
	KT_EQ(match("content:\"GET\";", "xGEty"), 0);            /* case differs */
	KT_EQ(match("content:\"get\"; nocase;", "xGeTy"), 1);
	KT_EQ(matchn("content:\"|00 ff|A\";", "\x01\x00\xff" "A", 4), 1);  /* hex bytes */
	KT_EQ(match("content:!\"evil\";", "good"), 1);
	KT_EQ(match("content:!\"evil\";", "so evil"), 0);
	KT_EQ(match("content:!\"EVIL\"; nocase;", "so evil"), 0);
	/* two absolute contents in any order */
	KT_EQ(match("content:\"b\"; content:\"a\";", "ab"), 1);
	/* uricontent is a content of the uri buffer */
	KT_EQ(matchp("http", "uricontent:\"/adm\";", "/admin", 6), 1);
}

static void test_offset_depth(void)
{
	/* offset 2, depth 3: the match must lie in [2, 5) */
	const char *r = "content:\"ab\"; offset:2; depth:3;";
	KT_EQ(match(r, "xxabx"), 1);      /* ab at 2..4 */
	KT_EQ(match(r, "xxxab"), 1);      /* ab at 3..5, ends at 5 */
	KT_EQ(match(r, "xxxxab"), 0);     /* ab at 4..6 passes 5 */
	KT_EQ(match(r, "abxxx"), 0);      /* before the offset */
	KT_EQ(match("content:\"ab\"; depth:2;", "abxx"), 1);
	KT_EQ(match("content:\"ab\"; depth:2;", "xabx"), 0);   /* window [0,2) holds "xa" */
	KT_EQ(match("content:\"ab\"; offset:3;", "abcab"), 1); /* second ab at 3 */
	KT_EQ(match("content:\"ab\"; offset:4;", "abcab"), 0);
	/* a negated content only looks in its window */
	KT_EQ(match("content:!\"ab\"; depth:3;", "xxxab"), 1);
	KT_EQ(match("content:!\"ab\"; depth:3;", "xabxx"), 0);
}

static void test_starts_ends_with(void)
{
	KT_EQ(match("content:\"GET \"; startswith;", "GET /"), 1);
	KT_EQ(match("content:\"GET \"; startswith;", " GET /"), 0);
	KT_EQ(match("content:\".exe\"; endswith;", "a.exe"), 1);
	KT_EQ(match("content:\".exe\"; endswith;", "a.exe.txt"), 0);
	KT_EQ(match("content:\".exe\"; endswith;", "a.exe.exe"), 1);   /* the later one ends it */
	KT_EQ(match("content:\".EXE\"; nocase; endswith;", "A.Exe"), 1);
	KT_EQ(match("content:!\".exe\"; endswith;", "a.exe.txt"), 1);
	KT_EQ(match("content:!\".exe\"; endswith;", "a.exe"), 0);
	/* "abab" ends with "ab" although its first "ab" does not: no match */
	KT_EQ(match("content:!\"ab\"; endswith;", "abab"), 0);
	KT_EQ(match("content:\"ab\"; startswith; endswith;", "ab"), 1);
	KT_EQ(match("content:\"ab\"; startswith; endswith;", "abab"), 0);
	/* isdataat:!1,relative right after a content is its endswith
	 * (Suricata folds it), so the last "a" is tried, not only the first */
	KT_EQ(match("content:\"a\"; isdataat:!1,relative;", "xaya"), 1);
	KT_EQ(match("content:\"a\"; isdataat:!1,relative;", "xay"), 0);
}

static void test_distance_within(void)
{
	/* a at 0, cursor 1: b must be in [1+2, 1+2+1) = [3, 4) */
	const char *r = "content:\"a\"; content:\"b\"; distance:2; within:1;";
	KT_EQ(match(r, "a..b"), 1);
	KT_EQ(match(r, "a.b"), 0);
	KT_EQ(match(r, "a...b"), 0);
	/* distance only: anywhere from cursor + 1 on */
	KT_EQ(match("content:\"a\"; content:\"b\"; distance:1;", "ab....b"), 1);
	KT_EQ(match("content:\"a\"; content:\"b\"; distance:1;", "ab"), 0);
	/* within only: b in [1, 1+3) */
	KT_EQ(match("content:\"a\"; content:\"b\"; within:3;", "a..b"), 1);
	KT_EQ(match("content:\"a\"; content:\"b\"; within:3;", "a...b"), 0);
	/* negative distance: def ends at 6, abc must be in [6-6, 6-6+3) = [0, 3) */
	KT_EQ(match("content:\"def\"; content:\"abc\"; distance:-6; within:3;", "abcdef"), 1);
	KT_EQ(match("content:\"def\"; content:\"abc\"; distance:-5; within:3;", "abcdef"), 0);
	/* start below 0 is clamped: [max(0, 3-10), 3) */
	KT_EQ(match("content:\"def\"; content:\"ab\"; distance:-10;", "abdef"), 1);
	/* window end at or below 0: nothing fits; a negated content holds */
	KT_EQ(match("content:\"d\"; content:\"a\"; distance:-10; within:5;", "abcd"), 0);
	KT_EQ(match("content:\"d\"; content:!\"a\"; distance:-10; within:5;", "abcd"), 1);
}

static void test_backtracking(void)
{
	/* a at 0: b not at 1; a at 3: not at 4; a at 6: b at 7 */
	const char *r = "content:\"a\"; content:\"b\"; distance:0; within:1;";
	KT_EQ(match(r, "a..a..ab"), 1);
	KT_EQ(match(r, "a..a..a.b"), 0);
	/* three levels: x, then y within 2, then z within 2 of y */
	r = "content:\"x\"; content:\"y\"; distance:0; within:2; "
	    "content:\"z\"; distance:0; within:2;";
	KT_EQ(match(r, "xy..xy.z"), 1);     /* first xy fails at z, second works */
	KT_EQ(match(r, "xy..xy..z"), 0);
	/* a byte_jump between: a at 0 reads 5, jumps past the end; a at 2
	 * reads 0, lands on 4 where b is */
	KT_EQ(matchn("content:\"a\"; byte_jump:1,0,relative; content:\"b\"; within:1;",
		     "a\x05" "a\x00" "b", 5), 1);
	/* Suricata retries a content only for a following `within` content:
	 * first a is followed by 0x01, the test fails, no second try */
	KT_EQ(matchn("content:\"a\"; byte_test:1,=,5,0,relative;", "a\x01" "a\x05", 4), 0);
	KT_EQ(match("content:\"k=\"; pcre:\"/^\\d/R\";", "k=x k=1"), 0);
	/* distance-only successor: no retry either ("xy1" is not found) */
	KT_EQ(match("content:\"x\"; content:\"y\"; distance:0; byte_test:1,=,0x31,0,relative;",
		    "xy0xy1"), 0);
	/* a pcre is retried for any relative option after it */
	KT_EQ(matchn("pcre:\"/a/\"; byte_test:1,=,5,0,relative;", "a\x01" "a\x05", 4), 1);
	/* an absolute content that is missing ends the list at once */
	KT_EQ(match("content:\"a\"; content:\"b\"; within:1; content:\"zzz\";", "abxab"), 0);
}

static void test_negated_window(void)
{
	/* after a: [1, 3) must not hold b */
	const char *r = "content:\"a\"; content:!\"b\"; distance:0; within:2;";
	KT_EQ(match(r, "axxb"), 1);         /* b is outside the window */
	KT_EQ(match(r, "axb"), 0);          /* b in the window, no other a */
	KT_EQ(match(r, "abaxx"), 1);        /* first a fails, a at 2 has "xx" after it */
	KT_EQ(match(r, "a"), 1);            /* empty window */
	/* negated relative without within: the rest of the buffer */
	KT_EQ(match("content:\"a\"; content:!\"b\"; distance:0;", "axxxxb"), 0);
	KT_EQ(match("content:\"a\"; content:!\"b\"; distance:0;", "bxxxxa"), 1);
}

/* ---------------------------------------------------------------- pcre */

static void test_pcre(void)
{
	KT_EQ(match("pcre:\"/fo+bar/\";", "xfoooobar"), 1);
	KT_EQ(match("pcre:\"/fo+bar/\";", "fobr"), 0);
	KT_EQ(match("pcre:\"/evil/i\";", "EVIL"), 1);
	KT_EQ(match("pcre:\"/evil/\";", "EVIL"), 0);
	KT_EQ(match("pcre:!\"/admin/\";", "user"), 1);
	KT_EQ(match("pcre:!\"/admin/\";", "xadminx"), 0);
	KT_EQ(match("pcre:\"/a.b/s\";", "a\nb"), 1);
	KT_EQ(match("pcre:\"/a.b/\";", "a\nb"), 0);
	KT_EQ(match("pcre:\"/^b/m\";", "a\nb"), 1);
	KT_EQ(match("pcre:\"/^b/\";", "a\nb"), 0);
	KT_EQ(match("pcre:\"/a b/x\";", "ab"), 1);
	KT_EQ(match("pcre:\"/b/A\";", "ab"), 0);       /* anchored at the start */
	KT_EQ(match("pcre:\"/b/A\";", "ba"), 1);
	KT_EQ(match("pcre:\"/a$/E\";", "a\n"), 0);     /* $ only at the very end */
	KT_EQ(match("pcre:\"/a$/\";", "a\n"), 1);
	/* greedy a.+b on "a1b2bX" ends at 5 where X is; ungreedy ends at 3
	 * ("2" follows), and no other "a" to retry from */
	KT_EQ(match("pcre:\"/a.+b/\"; content:\"X\"; distance:0; within:1;", "a1b2bX"), 1);
	KT_EQ(match("pcre:\"/a.+b/G\"; content:\"X\"; distance:0; within:1;", "a1b2bX"), 0);
}

static void test_pcre_relative(void)
{
	/* cursor after "user=": ^ anchors there */
	KT_EQ(match("content:\"user=\"; pcre:\"/^[a-z]+\\;/R\";", "user=bob;"), 1);
	KT_EQ(match("content:\"user=\"; pcre:\"/^[a-z]+\\;/R\";", "user= bob;"), 0);
	/* without R the pcre sees the whole buffer */
	KT_EQ(match("content:\"user=\"; pcre:\"/^user/\";", "user=bob;"), 1);
	/* the match end is the new cursor: "ab" at 0 (cursor 2, "x" there),
	 * the pcre is retried from 1, "ab" at 3, c at 5 */
	KT_EQ(match("pcre:\"/ab/\"; content:\"c\"; within:1;", "abxabc"), 1);
	KT_EQ(match("pcre:\"/ab/\"; content:\"c\"; within:1;", "abxabx"), 0);
	/* R after R: "k" at 0, digits from 1, then "z" right after */
	KT_EQ(match("content:\"k\"; pcre:\"/^\\d+/R\"; pcre:\"/^z/R\";", "k123z"), 1);
	KT_EQ(match("content:\"k\"; pcre:\"/^\\d+/R\"; pcre:\"/^z/R\";", "k123 z"), 0);
}

static void test_pcre_compile_and_limits(void)
{
	struct kn_rule_pcre p = { "(ab", 0, NULL };
	char err[256];
	KT_CHECK(sig_pcre_compile(&p, err, sizeof err) == NULL);
	KT_CHECK(strstr(err, "offset 3") != NULL);
	KT_CHECK(strstr(err, "(ab") != NULL);
	/* catastrophic backtracking: (a+)+$ on 28 a's and a b. The match limit
	 * (3500) stops it: no match, whether negated or not, and counted */
	char buf[64];
	memset(buf, 'a', 28);
	strcpy(buf + 28, "b");
	struct tc t;
	KT_REQUIRE(tc_load(&t, "tcp", "pcre:\"/(a+)+$/\";"));
	clock_t c0 = clock();
	KT_EQ(tc_run(&t, buf, 29), 0);
	KT_EQ(t.s.pcre_limit_hits, 1);
	KT_CHECK((double)(clock() - c0) / CLOCKS_PER_SEC < 0.5);
	tc_free(&t);
	KT_REQUIRE(tc_load(&t, "tcp", "pcre:!\"/(a+)+$/\";"));
	KT_EQ(tc_run(&t, buf, 29), 0);
	KT_EQ(t.s.pcre_limit_hits, 1);
	tc_free(&t);
	/* O raises the limits tenfold: a 12-a subject then completes (the
	 * pattern fails, so the negation holds) where the default stops */
	KT_EQ(match("pcre:!\"/(a+)+$/\";", "aaaaaaaaaaaab"), 0);
	KT_EQ(match("pcre:!\"/(a+)+$/O\";", "aaaaaaaaaaaab"), 1);
	/* a long repetition needs more than PCRE2's default 32 KiB JIT stack:
	 * the worker's 512 KiB stack (Suricata's size) takes 6000 a/b */
	size_t n = 6001;
	char *ab = malloc(n);
	KT_REQUIRE(ab);
	for (size_t i = 0; i < n - 1; i++)
		ab[i] = "ab"[i % 2];
	ab[n - 1] = 'c';
	KT_EQ(matchn("pcre:\"/^(a|b)*c/\";", ab, n), 1);
	free(ab);
	/* a pcre whose compiled code is missing is no match, not a crash */
	KT_REQUIRE(tc_load(&t, "tcp", "pcre:\"/x/\";"));
	pcre2_code_free(t.re[0]);
	t.re[0] = NULL;
	KT_EQ(tc_run(&t, "x", 1), 0);
	tc_free(&t);
}

/* ------------------------------------------------------------ isdataat */

static void test_isdataat(void)
{
	KT_EQ(match("isdataat:5;", "12345"), 0);    /* index 5 does not exist */
	KT_EQ(match("isdataat:5;", "123456"), 1);
	KT_EQ(match("isdataat:!5;", "12345"), 1);
	/* relative at the buffer end: cursor 7 = len; 7 + 1 > 7 */
	KT_EQ(match("content:\"end\"; isdataat:1,relative;", "the end"), 0);
	KT_EQ(match("content:\"end\"; isdataat:1,relative;", "the end."), 1);
	KT_EQ(match("content:\"end\"; isdataat:0,relative;", "the end"), 1);
	/* x at 0, cursor 1: 1 + 3 > 3 means no data, negated holds */
	KT_EQ(match("content:\"x\"; isdataat:!3,relative;", "x12"), 1);
	KT_EQ(match("content:\"x\"; isdataat:!3,relative;", "x123"), 0);
	/* a relative isdataat after a pcre: the pcre is retried */
	KT_EQ(match("pcre:\"/x/\"; isdataat:!2,relative;", "x...x"), 1);
	/* ... and after a content (Zerologon's `8 zeros; isdataat:!5,relative`):
	 * in "0000.0000" the "00" at 0, 1, 2 leave 7, 6, 5 bytes after it; the
	 * one at 5 leaves 2 (<= 3: no data at +3), found only by retrying */
	KT_EQ(match("content:\"00\"; isdataat:!3,relative;", "0000.0000"), 1);
	KT_EQ(match("content:\"00\"; isdataat:!3,relative;", "00......."), 0);
}

/* ---------------------------------------------------------- bsize, urilen */

static void test_bsize_urilen(void)
{
	KT_EQ(matchp("http", "http.uri; content:\"/\"; bsize:<10;", "/index", 6), 1);
	KT_EQ(matchp("http", "http.uri; content:\"/\"; bsize:<10;", "/index.html", 11), 0);
	/* 3<>6 is exclusive: 4 and 5 only */
	KT_EQ(matchp("http", "http.uri; bsize:3<>6;", "abc", 3), 0);
	KT_EQ(matchp("http", "http.uri; bsize:3<>6;", "abcd", 4), 1);
	KT_EQ(matchp("http", "http.uri; bsize:3<>6;", "abcde", 5), 1);
	KT_EQ(matchp("http", "http.uri; bsize:3<>6;", "abcdef", 6), 0);
	KT_EQ(matchp("http", "http.uri; bsize:>=6;", "abcdef", 6), 1);
	KT_EQ(matchp("http", "http.uri; bsize:!6;", "abcdef", 6), 0);
	KT_EQ(matchp("http", "http.uri; bsize:0;", NULL, 0), 1);
	KT_EQ(matchp("http", "urilen:5<>10;", "/abcdef", 7), 1);
	KT_EQ(matchp("http", "urilen:5<>10;", "/abcd", 5), 0);
	KT_EQ(matchp("http", "urilen:<3;", "/a", 2), 1);
	/* urilen counts up to 65535: a 70000-byte uri equals 65535 */
	size_t n = 70000;
	char *big = malloc(n);
	KT_REQUIRE(big);
	memset(big, 'u', n);
	KT_EQ(matchp("http", "urilen:65535;", big, n), 1);
	KT_EQ(matchp("http", "http.uri; bsize:70000;", big, n), 1);
	free(big);
}

/* ------------------------------------------------------------ byte_test */

static void test_byte_test(void)
{
	KT_EQ(matchn("byte_test:2,=,0x0102,0;", "\x01\x02", 2), 1);          /* big endian */
	KT_EQ(matchn("byte_test:2,=,0x0201,0,little;", "\x01\x02", 2), 1);
	KT_EQ(matchn("byte_test:2,=,0x0201,0,dce;", "\x01\x02", 2), 1);      /* dce: little */
	KT_EQ(matchn("byte_test:2,=,0x0201,0;", "\x01\x02", 2), 0);
	KT_EQ(matchn("byte_test:4,=,0x01020304,1;", "x\x01\x02\x03\x04", 5), 1);
	KT_EQ(matchn("byte_test:4,=,0x01020304,2;", "x\x01\x02\x03\x04", 5), 0);  /* 3 bytes left */
	KT_EQ(matchn("byte_test:8,=,0x0102030405060708,0;", "\x01\x02\x03\x04\x05\x06\x07\x08",
		     8), 1);
	KT_EQ(matchn("byte_test:1,!=,5,0;", "\x05", 1), 0);
	KT_EQ(matchn("byte_test:1,!=,5,0;", "\x06", 1), 1);
	KT_EQ(matchn("byte_test:1,<,5,0;", "\x04", 1), 1);
	KT_EQ(matchn("byte_test:1,<,5,0;", "\x05", 1), 0);
	KT_EQ(matchn("byte_test:1,<=,5,0;", "\x05", 1), 1);
	KT_EQ(matchn("byte_test:1,>=,5,0;", "\x04", 1), 0);
	KT_EQ(matchn("byte_test:1,!>,5,0;", "\x04", 1), 1);
	KT_EQ(matchn("byte_test:1,&,0x80,0;", "\x81", 1), 1);
	KT_EQ(matchn("byte_test:1,&,0x80,0;", "\x01", 1), 0);
	KT_EQ(matchn("byte_test:1,^,0x0f,0;", "\x0f", 1), 0);   /* 0x0f ^ 0x0f = 0 */
	KT_EQ(matchn("byte_test:1,^,0x0f,0;", "\x0e", 1), 1);
	/* bitmask 0x0f00 on 0x0300: 0x0300 >> 8 (trailing zeros) = 3 */
	KT_EQ(matchn("byte_test:2,=,3,0,bitmask 0x0f00;", "\x03\x00", 2), 1);
	KT_EQ(matchn("byte_test:2,=,3,0,bitmask 0x0f00;", "\x04\x00", 2), 0);
	KT_EQ(matchn("byte_test:1,=,1,0;", "", 0), 0);          /* empty buffer */
}

static void test_byte_test_string_relative(void)
{
	KT_EQ(match("byte_test:4,>,1000,0,string,dec;", "1234"), 1);
	KT_EQ(match("byte_test:4,>,1000,0,string,dec;", "0999"), 0);
	KT_EQ(match("byte_test:2,=,255,0,string,hex;", "ff"), 1);
	KT_EQ(match("byte_test:4,=,255,0,string,hex;", "0xff"), 1);   /* strtoull takes 0x */
	KT_EQ(match("byte_test:3,=,8,0,string,oct;", "010"), 1);
	KT_EQ(match("byte_test:4,=,12,0,string,dec;", "  12"), 1);    /* leading spaces */
	KT_EQ(match("byte_test:4,=,12,0,string,dec;", "12ab"), 1);    /* stops at 'a' */
	KT_EQ(match("byte_test:2,=,0,0,string,dec;", "ab"), 0);       /* no digit at all */
	/* relative: the byte after "len=" */
	KT_EQ(matchn("content:\"len=\"; byte_test:1,>,3,0,relative;", "len=\x05", 5), 1);
	KT_EQ(match("content:\"len=\"; byte_test:1,>,3,0,relative;", "len="), 0);
	/* X at 2, cursor 3: offset -2 reads "b", -3 reads "A" */
	KT_EQ(match("content:\"X\"; byte_test:1,=,0x41,-2,relative;", "AbX"), 0);
	KT_EQ(match("content:\"X\"; byte_test:1,=,0x41,-3,relative;", "AbX"), 1);
	KT_EQ(match("content:\"X\"; byte_test:1,=,0x41,-4,relative;", "AbX"), 0);
	KT_EQ(match("byte_test:1,=,0x41,-1;", "A"), 0);                /* before the start */
}

/* ------------------------------------------------------------ byte_jump */

static void test_byte_jump(void)
{
	/* L at 0, reads 2 at 1, lands on 1 + 1 + 2 = 4 */
	const char *r = "content:\"L\"; byte_jump:1,0,relative; content:\"Z\"; within:1;";
	KT_EQ(matchn(r, "L\x02xxZ", 5), 1);
	KT_EQ(matchn(r, "L\x03xxZ", 5), 0);     /* lands on 5 = len, nothing there */
	/* string: "03" is 3, from 0 + 2 + 3 = 5 */
	KT_EQ(match("byte_jump:2,0,string,dec; content:\"X\"; within:1;", "03abcX"), 1);
	KT_EQ(match("byte_jump:2,0,string,dec; content:\"X\"; within:1;", "03abX"), 0);
	/* multiplier 2: 0 + 1 + 2*2 = 5 */
	KT_EQ(matchn("byte_jump:1,0,multiplier 2; content:\"X\"; within:1;", "\x02....X", 6), 1);
	KT_EQ(matchn("byte_jump:1,0; content:\"X\"; within:1;", "\x02....X", 6), 0);
	/* align: 1 rounds up to 4, lands on 0 + 1 + 4 = 5 */
	KT_EQ(matchn("byte_jump:1,0,align; content:\"X\"; within:1;", "\x01...X", 5), 0);
	KT_EQ(matchn("byte_jump:1,0,align; content:\"X\"; within:1;", "\x01....X", 6), 1);
	/* from_beginning: 3 is position 3 */
	KT_EQ(matchn("byte_jump:1,0,from_beginning; content:\"Q\"; within:1;", "\x03xxQ", 4), 1);
	/* from_end with post_offset -2: len 6 + 0 - 2 = 4 */
	KT_EQ(matchn("byte_jump:1,0,from_end,post_offset -2; content:\"YZ\"; within:2;",
		     "\x00" "abcYZ", 6), 1);
	/* past the end fails, exactly the end is fine */
	KT_EQ(matchn("byte_jump:1,0;", "\x10" "ab", 3), 0);
	KT_EQ(matchn("byte_jump:1,0;", "\x02" "ab", 3), 1);
	KT_EQ(matchn("byte_jump:1,0; isdataat:0,relative; isdataat:!1,relative;", "\x02" "ab",
		     3), 1);
	/* before the start is the start (Suricata 7): 2 + 0 - 100 < 0 -> 0 */
	KT_EQ(matchn("byte_jump:1,1,post_offset -100; content:\"A\"; within:1;", "A\x00", 2), 1);
	/* relative jump of 0 bytes at the end is allowed */
	KT_EQ(match("content:\"ab\"; byte_jump:0,0,relative;", "ab"), 1);
	KT_EQ(match("content:\"ab\"; byte_jump:1,0,relative;", "ab"), 0);
}

/* --------------------------------------------------------- byte_extract */

static void test_byte_extract_vars(void)
{
	/* depth from a variable: window [0, 4) or [0, 3) */
	KT_EQ(matchn("byte_extract:1,0,dep; content:\"abc\"; depth:dep;", "\x04" "abc", 4), 1);
	KT_EQ(matchn("byte_extract:1,0,dep; content:\"abc\"; depth:dep;", "\x03" "abc", 4), 0);
	/* offset from a variable */
	KT_EQ(matchn("byte_extract:1,0,off; content:\"Z\"; offset:off;", "\x03" "abZ", 4), 1);
	KT_EQ(matchn("byte_extract:1,0,off; content:\"Z\"; offset:off;", "\x04" "abZ", 4), 0);
	/* distance from a variable: L at 0, extract at 1 moves the cursor to
	 * 2, Z in [2 + skip, 2 + skip + 1) */
	const char *r = "content:\"L\"; byte_extract:1,0,skip,relative; "
			"content:\"Z\"; distance:skip; within:1;";
	KT_EQ(matchn(r, "L\x02" "abZ", 5), 1);
	KT_EQ(matchn(r, "L\x01" "abZ", 5), 0);
	/* a variable as byte_test's value */
	KT_EQ(matchn("byte_extract:1,0,want; byte_test:1,=,want,1;", "\x07\x07", 2), 1);
	KT_EQ(matchn("byte_extract:1,0,want; byte_test:1,=,want,1;", "\x07\x08", 2), 0);
	/* a variable as isdataat's position: "20" * 2 = 40 needs index 40 */
	char buf[48];
	memset(buf, '.', sizeof buf);
	memcpy(buf, "20", 2);
	const char *iv = "byte_extract:2,0,n,string,dec,multiplier 2; isdataat:n;";
	KT_EQ(matchn(iv, buf, 41), 1);
	KT_EQ(matchn(iv, buf, 40), 0);
}

static void test_byte_extract_values(void)
{
	struct tc t;
	KT_REQUIRE(tc_load(&t, "tcp", "byte_extract:2,0,v,little; byte_extract:1,2,w,align 4; "
			   "byte_extract:3,3,x,string,hex; byte_extract:2,6,y,multiplier 3;"));
	/* 01 02 -> 0x0201; 05 -> aligned to 8; "1aZ" hex -> 0x1a; 00 07 * 3 */
	KT_EQ(tc_run(&t, "\x01\x02\x05" "1aZ" "\x00\x07", 8), 1);
	KT_EQ(t.s.vars[0], 0x0201);
	KT_EQ(t.s.vars[1], 8);
	KT_EQ(t.s.vars[2], 0x1a);
	KT_EQ(t.s.vars[3], 21);
	/* too short for the last one: no match */
	KT_EQ(tc_run(&t, "\x01\x02\x05" "1aZ" "\x00", 7), 0);
	tc_free(&t);
	/* string extraction moves the cursor by the digits read: "12" of
	 * "12;x" (nbytes 3), cursor 2, ";" must follow at once */
	KT_EQ(match("byte_extract:3,0,v,string,dec; content:\"\\;\"; within:1;", "12;x"), 1);
	KT_EQ(match("byte_extract:3,0,v,string,dec; content:\"x\"; within:1;", "12;x"), 0);
}

/* ------------------------------------------------------------ byte_math */

static void test_byte_math(void)
{
	/* 2 + 5 = 7, compared with the byte at 1 */
	KT_EQ(matchn("byte_math:bytes 1,offset 0,oper +,rvalue 5,result r; byte_test:1,=,r,1;",
		     "\x02\x07", 2), 1);
	KT_EQ(matchn("byte_math:bytes 1,offset 0,oper +,rvalue 5,result r; byte_test:1,=,r,1;",
		     "\x02\x08", 2), 0);
	struct tc t;
	KT_REQUIRE(tc_load(&t, "tcp",
			   "byte_math:bytes 2,offset 0,oper >>,rvalue 4,result a; "
			   "byte_math:bytes 1,offset 2,oper *,rvalue 3,result b; "
			   "byte_math:bytes 1,offset 2,oper -,rvalue 10,result c; "
			   "byte_math:bytes 1,offset 3,oper <<,rvalue 2,result d,endian little; "
			   "byte_math:bytes 1,offset 3,oper /,rvalue 2,result e; "
			   "byte_math:bytes 1,offset 4,oper +,rvalue 0,result f,bitmask 0xf0; "
			   "byte_math:bytes 2,offset 5,oper +,rvalue 1,result g,string dec;"));
	KT_EQ(tc_run(&t, "\x01\x00\x05\x09\xab" "41", 7), 1);
	KT_EQ(t.s.vars[0], 16);                     /* 0x0100 >> 4 */
	KT_EQ(t.s.vars[1], 15);                     /* 5 * 3 */
	KT_EQ((uint64_t)t.s.vars[2], (uint64_t)0 - 5);   /* 5 - 10 wraps as in Suricata */
	KT_EQ(t.s.vars[3], 36);                     /* 9 << 2 */
	KT_EQ(t.s.vars[4], 4);                      /* 9 / 2 */
	KT_EQ(t.s.vars[5], 0xa);                    /* 0xab & 0xf0 = 0xa0, >> 4 */
	KT_EQ(t.s.vars[6], 42);                     /* "41" + 1 */
	tc_free(&t);
	/* division by a zero variable: no match (not a crash) */
	KT_EQ(matchn("byte_extract:1,0,z; byte_math:bytes 1,offset 1,oper /,rvalue z,result r;",
		     "\x00\x09", 2), 0);
	/* byte_math moves the cursor past the bytes it read: A at 0, math
	 * reads 1, B must follow at 2 */
	KT_EQ(match("content:\"A\"; byte_math:bytes 1,offset 0,oper +,rvalue 1,result r,"
		    "relative; content:\"B\"; within:1;", "A5B"), 1);
	KT_EQ(match("content:\"A\"; byte_math:bytes 1,offset 0,oper +,rvalue 1,result r,"
		    "relative; content:\"B\"; within:1;", "A5xB"), 0);
	/* shift by 64 or more gives 0, no undefined behaviour */
	KT_REQUIRE(tc_load(&t, "tcp", "byte_extract:1,0,s; byte_math:bytes 1,offset 1,oper <<,"
			   "rvalue s,result r;"));
	KT_EQ(tc_run(&t, "\x50\x01", 2), 1);
	KT_EQ(t.s.vars[1], 0);
	tc_free(&t);
}

/* -------------------------------------------------------------- hostile */

static void test_empty_buffer(void)
{
	KT_EQ(matchn("content:\"a\";", NULL, 0), 0);
	KT_EQ(matchn("content:!\"a\";", NULL, 0), 1);
	KT_EQ(matchn("pcre:\"/^$/\";", NULL, 0), 1);
	KT_EQ(matchn("pcre:\"/a/\";", NULL, 0), 0);
	KT_EQ(matchn("isdataat:!0;", NULL, 0), 1);
	KT_EQ(matchn("isdataat:0;", NULL, 0), 0);
	KT_EQ(matchn("byte_jump:0,0;", NULL, 0), 0);       /* Suricata: empty never jumps */
	KT_EQ(matchn("byte_extract:1,0,v;", "", 0), 0);
	KT_EQ(matchn("byte_math:bytes 1,offset 0,oper +,rvalue 1,result r;", "", 0), 0);
	/* the empty list is satisfied */
	struct sig_inspect s;
	KT_REQUIRE(sig_inspect_init(&s) == 0);
	KT_EQ(sig_inspect_buffer(&s, NULL, NULL, 0, NULL, 0), 1);
	KT_EQ(sig_inspect_buffer(&s, NULL, NULL, 0, NULL, 5), 0);   /* NULL with a length */
	sig_inspect_fini(&s);
	sig_inspect_fini(&s);   /* twice is harmless */
}

static void test_huge_values(void)
{
	KT_EQ(match("content:\"a\"; offset:1048576;", "aaa"), 0);
	KT_EQ(match("content:\"a\"; content:\"a\"; distance:1048576;", "aaa"), 0);
	KT_EQ(match("content:\"a\"; content:\"a\"; distance:-1048576;", "aaa"), 1);
	KT_EQ(match("byte_test:1,=,0x61,65535;", "aaa"), 0);
	KT_EQ(match("content:\"a\"; byte_jump:1,-65535,relative;", "aaa"), 0);
	/* four 0xff: 4294967295 as a depth covers the buffer, as a distance
	 * passes it, as an isdataat position is never data */
	const uint8_t ff4[] = { 0xff, 0xff, 0xff, 0xff, 'x' };
	KT_EQ(matchn("byte_extract:4,0,v; content:\"x\"; depth:v;", ff4, 5), 1);
	KT_EQ(matchn("byte_extract:4,0,v; content:\"x\"; distance:v;", ff4, 5), 0);
	KT_EQ(matchn("byte_extract:4,0,v; isdataat:v;", ff4, 5), 0);
	KT_EQ(matchn("byte_extract:4,0,v; isdataat:!v;", ff4, 5), 1);
	/* eight 0xff: 2^64-1 (stored as -1) as depth, distance, jump */
	const uint8_t ff8[] = { 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 'x' };
	KT_EQ(matchn("byte_extract:8,0,v; content:\"x\"; depth:v;", ff8, 9), 1);
	KT_EQ(matchn("byte_extract:8,0,v; content:\"x\"; offset:v;", ff8, 9), 0);
	KT_EQ(matchn("byte_extract:8,0,v; byte_test:1,=,0x78,v;", ff8, 9), 0);
	KT_EQ(matchn("byte_jump:8,0; content:\"x\"; within:1;", ff8, 9), 0);   /* lands on 7 */
	KT_EQ(matchn("byte_jump:8,0,multiplier 65535; isdataat:0,relative;", ff8, 9), 1);
	/* 0xffffffff read as a jump, lengths near UINT32_MAX */
	KT_EQ(matchn("byte_jump:4,0; isdataat:0,relative;", ff4, 5), 0);
	KT_EQ(matchn("byte_jump:4,0,from_end,post_offset -65535; isdataat:0;", ff4, 5), 0);
	KT_EQ(matchn("byte_jump:4,0,from_beginning,post_offset 65535; content:\"x\";", ff4, 5),
	      0);
	KT_EQ(matchp("http", "http.uri; bsize:4294967295;", ff4, 5), 0);
	KT_EQ(matchp("http", "http.uri; bsize:<4294967295;", ff4, 5), 1);
	KT_EQ(matchn("byte_extract:4,0,v; byte_math:bytes 1,offset 4,oper *,rvalue v,result w; "
		     "byte_math:bytes 1,offset 4,oper +,rvalue w,result z; isdataat:!z;", ff4, 5), 1);
	/* string numbers up to 64 bits; one digit more overflows: no match */
	KT_EQ(match("byte_test:16,=,0x7fffffffffffffff,0,string,hex;", "7fffffffffffffff"), 1);
	KT_EQ(match("byte_test:17,>,0,0,string,hex;", "1ffffffffffffffff"), 0);
	KT_EQ(match("byte_test:20,>,0,0,string,dec;", "99999999999999999999"), 0);
	KT_EQ(match("byte_test:20,>,0,0,string,dec;", "18446744073709551615"), 1);
}

static void test_budget(void)
{
	/* every "a" is a try for "b"; 1000 tries fit in the budget, 5000
	 * do not (Suricata's inspection-recursion-limit gives up the same way) */
	const char *r = "content:\"a\"; content:\"b\"; distance:0; within:1;";
	size_t n = 5001;
	char *buf = malloc(n + 1);
	KT_REQUIRE(buf);
	memset(buf, 'a', n);
	buf[1000] = 'b';
	struct tc t;
	KT_REQUIRE(tc_load(&t, "tcp", r));
	KT_EQ(tc_run(&t, buf, 1001), 1);
	KT_EQ(t.s.budget_hits, 0);
	buf[1000] = 'a';
	buf[5000] = 'b';
	clock_t c0 = clock();
	KT_EQ(tc_run(&t, buf, n), 0);
	KT_EQ(t.s.budget_hits, 1);
	KT_CHECK((double)(clock() - c0) / CLOCKS_PER_SEC < 0.5);
	/* a budget the caller already spent: no match at once */
	memset(t.s.vars, 0, sizeof t.s.vars);
	t.s.budget = 0;
	KT_EQ(sig_inspect_buffer(&t.s, t.opts, t.re, t.n, (const uint8_t *)"ab", 2), 0);
	KT_EQ(t.s.budget_hits, 2);
	tc_free(&t);
	free(buf);
}

static void test_many_options(void)
{
	/* 400 contents "a", each within 1 of the one before, then "b", on
	 * 70000 bytes of "a" ending in "b": each start of the chain costs 400
	 * steps, so the budget ends it after a few starts, not 70000^400 */
	size_t cap = 400 * 32 + 64;
	char *opts = malloc(cap), *buf = malloc(70001);
	KT_REQUIRE(opts && buf);
	size_t w = (size_t)snprintf(opts, cap, "content:\"a\"; ");
	for (int i = 1; i < 400; i++)
		w += (size_t)snprintf(opts + w, cap - w, "content:\"a\"; within:1; ");
	snprintf(opts + w, cap - w, "content:\"b\"; within:1;");
	memset(buf, 'a', 70000);
	buf[70000] = 'b';
	struct tc t;
	KT_REQUIRE(tc_load(&t, "tcp", opts));
	KT_EQ(t.n, 401);
	clock_t c0 = clock();
	KT_EQ(tc_run(&t, buf, 70001), 0);
	KT_EQ(t.s.budget_hits, 1);
	KT_EQ(tc_run(&t, buf + 69600, 401), 1);   /* 400 a's then b: one straight pass */
	KT_EQ(tc_run(&t, buf + 69601, 400), 0);   /* 399 a's: every start fails late */
	KT_EQ(t.s.budget_hits, 2);
	KT_CHECK((double)(clock() - c0) / CLOCKS_PER_SEC < 1.0);
	tc_free(&t);
	free(opts);
	free(buf);
}

static void test_long_nocase(void)
{
	/* a 300-byte nocase content (longer than the stack table) in a
	 * buffer of 20000 near-misses: linear search, found at the end */
	char content[301 + 64], *buf = malloc(20400);
	KT_REQUIRE(buf);
	memset(content, 0, sizeof content);
	memcpy(content, "content:\"", 9);
	memset(content + 9, 'a', 299);
	memcpy(content + 9 + 299, "B\"; nocase;", 11);
	memset(buf, 'A', 20000);
	memset(buf + 20000, 'a', 299);
	buf[20299] = 'b';
	clock_t c0 = clock();
	KT_EQ(matchn(content, buf, 20300), 1);
	KT_EQ(matchn(content, buf, 20299), 0);
	KT_CHECK((double)(clock() - c0) / CLOCKS_PER_SEC < 1.0);
	free(buf);
}

static void test_caller_bugs(void)
{
	/* a flow option in the list is not an inspection keyword: 0 */
	struct kn_ruleset *rs = dt_load("alert tcp any any -> any any (flow:established; "
					"content:\"a\"; sid:1;)\n", NULL);
	KT_REQUIRE(rs);
	const struct kn_rule *r = kn_ruleset_rule(rs, 0);
	const struct kn_rule_opt *list[2] = { dt_opt(r, "content", 0), dt_opt(r, "flow", 0) };
	pcre2_code *re[2] = { NULL, NULL };
	struct sig_inspect s;
	KT_REQUIRE(sig_inspect_init(&s) == 0);
	KT_EQ(sig_inspect_buffer(&s, list, re, 1, (const uint8_t *)"a", 1), 1);
	KT_EQ(sig_inspect_buffer(&s, list, re, 2, (const uint8_t *)"a", 1), 0);
	KT_EQ(sig_inspect_buffer(&s, list, re, KN_RULE_MAX_OPTIONS + 1, (const uint8_t *)"a", 1),
	      0);
	sig_inspect_fini(&s);
	kn_ruleset_free(rs);
}

/* With -Dalloc_faults=true: every allocation of init and compile fails
 * in turn; both report it and leave nothing behind. */
static void test_alloc_faults(void)
{
	kn_alloc_fail_at(1);
	void *probe = kn_malloc(16);
	kn_alloc_fail_at(0);
	if (probe) {
		kn_free(probe);
		KT_SKIP("built without KN_ALLOC_FAULTS");
	}
	int failed = 0;
	for (unsigned long k = 1; k < 8; k++) {
		struct sig_inspect s;
		kn_alloc_fail_at(k);
		int rc = sig_inspect_init(&s);
		kn_alloc_fail_at(0);
		KT_CHECK(rc == 0 || rc == -KN_ENOMEM);
		failed += rc != 0;
		sig_inspect_fini(&s);
	}
	KT_CHECK(failed >= 2);
	struct kn_rule_pcre p = { "a(b|c)+d", 0, NULL };
	for (unsigned long k = 1; k < 6; k++) {
		char err[128] = "";
		kn_alloc_fail_at(k);
		pcre2_code *code = sig_pcre_compile(&p, err, sizeof err);
		kn_alloc_fail_at(0);
		KT_CHECK(code || err[0]);
		pcre2_code_free(code);
	}
	/* the nocase table of a long content failing: the plain scan finds it */
	char opts[400];
	memcpy(opts, "content:\"", 9);
	memset(opts + 9, 'q', 300);
	strcpy(opts + 309, "\"; nocase;");
	struct tc t;
	KT_REQUIRE(tc_load(&t, "tcp", opts));
	char buf[400];
	memset(buf, 'Q', sizeof buf);
	kn_alloc_fail_at(1);
	int r = tc_run(&t, buf, sizeof buf);
	kn_alloc_fail_at(0);
	KT_EQ(r, 1);
	tc_free(&t);
}

static const struct kt_case cases[] = {
	KT_CASE(test_content_basic),
	KT_CASE(test_offset_depth),
	KT_CASE(test_starts_ends_with),
	KT_CASE(test_distance_within),
	KT_CASE(test_backtracking),
	KT_CASE(test_negated_window),
	KT_CASE(test_pcre),
	KT_CASE(test_pcre_relative),
	KT_CASE(test_pcre_compile_and_limits),
	KT_CASE(test_isdataat),
	KT_CASE(test_bsize_urilen),
	KT_CASE(test_byte_test),
	KT_CASE(test_byte_test_string_relative),
	KT_CASE(test_byte_jump),
	KT_CASE(test_byte_extract_vars),
	KT_CASE(test_byte_extract_values),
	KT_CASE(test_byte_math),
	KT_CASE(test_empty_buffer),
	KT_CASE(test_huge_values),
	KT_CASE(test_budget),
	KT_CASE(test_many_options),
	KT_CASE(test_long_nocase),
	KT_CASE(test_caller_bugs),
	KT_CASE(test_alloc_faults),
};

KT_MAIN("detect_inspect", cases)
