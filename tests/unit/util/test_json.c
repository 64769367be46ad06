/*
 * test_json.c - unit tests of the JSON writer (src/util/json.c): structure
 * and commas, every escape, invalid UTF-8, integer and double formatting,
 * the word-at-a-time plain-text checks at their edges, buffer growth and
 * the max_cap overflow contract. Every document written
 * is also checked by the strict validator in json_check.h.
 */
#include <inttypes.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "kt.h"
#include "json_check.h"
#include "util/json.h"

/* The current document, required to be valid JSON. */
static const char *doc(struct kn_json *j)
{
	size_t len = 0;
	const char *t = kn_json_text(j, &len);
	if (!t)
		return NULL;
	if (strlen(t) != len || !json_valid(t, len))
		return "(invalid)";
	return t;
}

/* A one-member document {"s": <bytes>}: the escaped string value. */
static const char *escaped(struct kn_json *j, const char *s, size_t n)
{
	kn_json_reset(j);
	kn_json_open(j, NULL);
	kn_json_strn(j, "s", s, n);
	kn_json_close(j);
	return doc(j);
}

static void test_nesting_and_commas(void)
{
	struct kn_json j;
	KT_REQUIRE(kn_json_init(&j, 64, 4096) == 0);
	kn_json_open(&j, NULL);
	kn_json_u64(&j, "a", 1);
	kn_json_open_array(&j, "b");
	kn_json_u64(&j, NULL, 1);
	kn_json_i64(&j, NULL, -2);
	kn_json_open(&j, NULL);
	kn_json_str(&j, "c", "x");
	kn_json_close(&j);
	kn_json_open_array(&j, NULL);
	kn_json_close_array(&j);
	kn_json_close_array(&j);
	kn_json_open(&j, "d");
	kn_json_close(&j);
	kn_json_bool(&j, "t", 1);
	kn_json_bool(&j, "f", 0);
	kn_json_null(&j, "n");
	kn_json_str(&j, "nul", NULL);
	kn_json_raw(&j, "r", "{\"k\":[1,2]}");
	kn_json_close(&j);
	KT_EQ_STR(doc(&j), "{\"a\":1,\"b\":[1,-2,{\"c\":\"x\"},[]],\"d\":{},\"t\":true,"
			   "\"f\":false,\"n\":null,\"nul\":null,\"r\":{\"k\":[1,2]}}");
	KT_EQ(j.depth, 0);
	/* An unbalanced close is ignored rather than corrupting the text. */
	kn_json_close(&j);
	KT_EQ(j.len, strlen(j.buf));
	KT_CHECK(j.buf[j.len - 1] == '}' && j.buf[j.len - 2] == '}');
	/* Reset starts a fresh document. */
	kn_json_reset(&j);
	kn_json_open_array(&j, NULL);
	kn_json_str(&j, NULL, "a");
	kn_json_str(&j, NULL, "b");
	kn_json_close_array(&j);
	KT_EQ_STR(doc(&j), "[\"a\",\"b\"]");
	kn_json_fini(&j);
}

static void test_escapes(void)
{
	struct kn_json j;
	KT_REQUIRE(kn_json_init(&j, 64, 4096) == 0);
	static const char in[] = "a\"b\\c/\b\f\n\r\t\x01\x1f\x7f~";
	KT_EQ_STR(escaped(&j, in, sizeof in - 1),
		  "{\"s\":\"a\\\"b\\\\c/\\b\\f\\n\\r\\t\\u0001\\u001f\x7f~\"}");
	/* Embedded NUL bytes are data, not terminators. */
	KT_EQ_STR(escaped(&j, "x\0y", 3), "{\"s\":\"x\\u0000y\"}");
	/* Keys are escaped too. */
	kn_json_reset(&j);
	kn_json_open(&j, NULL);
	kn_json_u64(&j, "we\"ird\n", 7);
	kn_json_close(&j);
	KT_EQ_STR(doc(&j), "{\"we\\\"ird\\n\":7}");
	/* Every single byte gives valid JSON, and each control char is escaped. */
	for (int b = 0; b < 256; b++) {
		char c = (char)b;
		const char *t = escaped(&j, &c, 1);
		KT_REQUIRE(t && strcmp(t, "(invalid)") != 0);
		if (b < 0x20)
			KT_CHECK(strchr(t + 6, '\\') != NULL);
	}
	kn_json_fini(&j);
}

static void test_invalid_utf8(void)
{
	static const struct {
		const char *in, *out;
	} v[] = {
		{ "caf\xc3\xa9", "caf\xc3\xa9" },                      /* valid 2-byte */
		{ "\xe2\x82\xac", "\xe2\x82\xac" },                    /* valid euro sign */
		{ "\xf0\x9f\x98\x80", "\xf0\x9f\x98\x80" },            /* valid 4-byte */
		{ "\xf4\x8f\xbf\xbf", "\xf4\x8f\xbf\xbf" },            /* U+10FFFF */
		{ "\xff", "\\u00ff" },                                 /* never valid */
		{ "\xc3", "\\u00c3" },                                 /* truncated at end */
		{ "\xc3(", "\\u00c3(" },                               /* bad continuation */
		{ "\xc0\xaf", "\\u00c0\\u00af" },                      /* overlong '/' */
		{ "\xe0\x80\xaf", "\\u00e0\\u0080\\u00af" },           /* overlong 3-byte */
		{ "\xed\xa0\x80", "\\u00ed\\u00a0\\u0080" },           /* surrogate D800 */
		{ "\xf4\x90\x80\x80", "\\u00f4\\u0090\\u0080\\u0080" }, /* past U+10FFFF */
		{ "\xf0\x8f\xbf\xbf", "\\u00f0\\u008f\\u00bf\\u00bf" }, /* overlong 4-byte */
		{ "\xe2\x82", "\\u00e2\\u0082" },                      /* truncated 3-byte */
		{ "\x80z\xbf", "\\u0080z\\u00bf" },                    /* lone continuations */
		{ "a\xe2\x82\xac\xe2", "a\xe2\x82\xac\\u00e2" },       /* valid then broken */
	};
	struct kn_json j;
	KT_REQUIRE(kn_json_init(&j, 64, 4096) == 0);
	for (size_t i = 0; i < sizeof v / sizeof v[0]; i++) {
		char want[128];
		snprintf(want, sizeof want, "{\"s\":\"%s\"}", v[i].out);
		KT_EQ_STR(escaped(&j, v[i].in, strlen(v[i].in)), want);
	}
	/* Random bytes always produce valid JSON in valid UTF-8. */
	srand(1234);
	for (int round = 0; round < 20000; round++) {
		char buf[48];
		size_t n = (size_t)(rand() % (int)sizeof buf);
		for (size_t k = 0; k < n; k++)
			buf[k] = (char)(rand() % 3 ? 0x80 + rand() % 0x80 : rand() % 0x100);
		const char *t = escaped(&j, buf, n);
		KT_REQUIRE(t && strcmp(t, "(invalid)") != 0);
	}
	kn_json_fini(&j);
}

static void test_integers(void)
{
	struct kn_json j;
	KT_REQUIRE(kn_json_init(&j, 64, 4096) == 0);
	kn_json_open_array(&j, NULL);
	kn_json_u64(&j, NULL, 0);
	kn_json_u64(&j, NULL, 9);
	kn_json_u64(&j, NULL, 10);
	kn_json_u64(&j, NULL, 99);
	kn_json_u64(&j, NULL, 100);
	kn_json_u64(&j, NULL, UINT64_C(1) << 63);
	kn_json_u64(&j, NULL, UINT64_MAX);
	kn_json_i64(&j, NULL, 0);
	kn_json_i64(&j, NULL, -1);
	kn_json_i64(&j, NULL, INT64_MAX);
	kn_json_i64(&j, NULL, INT64_MIN);
	kn_json_close_array(&j);
	KT_EQ_STR(doc(&j), "[0,9,10,99,100,9223372036854775808,18446744073709551615,0,-1,"
			   "9223372036854775807,-9223372036854775808]");
	/* Random values against printf, across every magnitude. */
	srand(99);
	for (int i = 0; i < 20000; i++) {
		uint64_t v = ((uint64_t)rand() << 42) ^ ((uint64_t)rand() << 21) ^ (uint64_t)rand();
		v >>= rand() % 64;
		char want[64];
		kn_json_reset(&j);
		if (i & 1) {
			kn_json_u64(&j, NULL, v);
			snprintf(want, sizeof want, "%" PRIu64, v);
		} else {
			int64_t s = (i & 2) ? -(int64_t)(v >> 1) : (int64_t)(v >> 1);
			kn_json_i64(&j, NULL, s);
			snprintf(want, sizeof want, "%" PRId64, s);
		}
		KT_REQUIRE(strcmp(kn_json_text(&j, NULL), want) == 0);
	}
	kn_json_fini(&j);
}

static void test_doubles(void)
{
	struct kn_json j;
	KT_REQUIRE(kn_json_init(&j, 64, 4096) == 0);
	kn_json_open_array(&j, NULL);
	kn_json_double(&j, NULL, 0.0, 2);
	kn_json_double(&j, NULL, 1.5, 2);
	kn_json_double(&j, NULL, -2.25, 1);   /* tie: away from zero */
	kn_json_double(&j, NULL, 3.7, 0);
	kn_json_double(&j, NULL, -0.001, 2);  /* rounds to zero: no sign */
	kn_json_double(&j, NULL, 0.000123, 6);
	kn_json_double(&j, NULL, 123456.789, -3);  /* decimals clamped to 0 */
	kn_json_double(&j, NULL, NAN, 3);
	kn_json_double(&j, NULL, INFINITY, 3);
	kn_json_double(&j, NULL, -INFINITY, 3);
	kn_json_double(&j, NULL, 1e20, 1);    /* fallback path */
	kn_json_close_array(&j);
	KT_EQ_STR(doc(&j), "[0.00,1.50,-2.3,4,0.00,0.000123,123457,null,null,null,"
			   "100000000000000000000.0]");
	/* Random values: within half a unit of the last digit, like printf. */
	srand(7);
	for (int i = 0; i < 20000; i++) {
		double v = ((double)rand() / RAND_MAX - 0.5) * pow(10, rand() % 24 - 8);
		int d = rand() % 10;
		kn_json_reset(&j);
		kn_json_double(&j, NULL, v, d);
		const char *t = kn_json_text(&j, NULL);
		KT_REQUIRE(t && json_valid(t, strlen(t)));
		double back = strtod(t, NULL);
		double tol = 0.5 * pow(10, -d) + fabs(v) * 1e-15;
		KT_REQUIRE(fabs(back - v) <= tol * 1.000001);
		const char *dot = strchr(t, '.');
		KT_REQUIRE(d == 0 ? dot == NULL : (dot && strlen(dot + 1) == (size_t)d));
	}
	kn_json_fini(&j);
}

static void test_growth(void)
{
	struct kn_json j;
	KT_REQUIRE(kn_json_init(&j, 64, 1 << 20) == 0);
	KT_EQ(j.cap, 64);
	static char big[10000];
	memset(big, 'x', sizeof big);
	kn_json_open(&j, NULL);
	kn_json_strn(&j, "big", big, sizeof big);
	kn_json_u64(&j, "n", 42);
	kn_json_close(&j);
	const char *t = doc(&j);
	KT_REQUIRE(t && strlen(t) == sizeof big + 17);
	KT_CHECK(strncmp(t, "{\"big\":\"xxxx", 12) == 0);
	KT_CHECK(strcmp(t + strlen(t) - 10, "x\",\"n\":42}") == 0);
	size_t grown = j.cap;
	KT_CHECK(grown > sizeof big && grown <= (1 << 20));
	KT_CHECK((grown & (grown - 1)) == 0);  /* doubled from 64 */
	/* Smaller documents reuse the buffer: no shrink, no regrowth. */
	char *before = j.buf;
	for (int i = 0; i < 100; i++) {
		kn_json_reset(&j);
		kn_json_open(&j, NULL);
		kn_json_strn(&j, "s", big, 5000);
		kn_json_close(&j);
	}
	KT_CHECK(j.buf == before && j.cap == grown);
	KT_REQUIRE(doc(&j) != NULL);
	kn_json_fini(&j);
	KT_CHECK(j.buf == NULL);
}

static void test_overflow_at_max(void)
{
	struct kn_json j;
	KT_EQ(kn_json_init(&j, 64, 32), -KN_EINVAL);
	KT_REQUIRE(kn_json_init(&j, 64, 128) == 0);
	char xs[200];
	memset(xs, 'a', sizeof xs);
	/* {"s":"<n x a>"} is 8 + n bytes and needs one more for the NUL:
	 * n = 119 fits max 128 exactly, n = 120 does not. */
	const char *t = escaped(&j, xs, 119);
	KT_REQUIRE(t != NULL);
	KT_EQ(strlen(t), 127);
	KT_CHECK(escaped(&j, xs, 120) == NULL);
	KT_CHECK(j.overflow);
	/* After an overflow every call is a no-op until reset. */
	kn_json_u64(&j, "n", 1);
	KT_CHECK(kn_json_text(&j, NULL) == NULL);
	KT_CHECK(j.cap <= 128);
	/* Escapes count: 20 control bytes take 6 each (120 + 8 > 127). */
	char ctl[20];
	memset(ctl, 1, sizeof ctl);
	KT_CHECK(escaped(&j, ctl, 19) != NULL);
	KT_CHECK(escaped(&j, ctl, 20) == NULL);
	/* The next document works again. */
	KT_EQ_STR(escaped(&j, "ok", 2), "{\"s\":\"ok\"}");
	/* Many small members overflow the same way. */
	kn_json_reset(&j);
	kn_json_open_array(&j, NULL);
	for (int i = 0; i < 100; i++)
		kn_json_u64(&j, NULL, 1000000);
	kn_json_close_array(&j);
	KT_CHECK(kn_json_text(&j, NULL) == NULL);
	kn_json_fini(&j);
}

static void test_u64_to_dec(void)
{
	char out[KN_U64_DIGITS];
	KT_EQ(kn_u64_to_dec(0, out), 1);
	KT_CHECK(out[0] == '0');
	KT_EQ(kn_u64_to_dec(UINT64_MAX, out), 20);
	KT_CHECK(memcmp(out, "18446744073709551615", 20) == 0);
	KT_EQ(kn_u64_to_dec(1000, out), 4);
	KT_CHECK(memcmp(out, "1000", 4) == 0);
}

/* Reference escaper, written independently of json.c's word-at-a-time
 * code: decodes UTF-8 by code point and escapes byte by byte. */
static size_t ref_utf8_len(const uint8_t *s, size_t n)
{
	size_t len;
	uint32_t cp, min;
	if (s[0] >= 0xc0 && s[0] < 0xe0)
		len = 2, cp = s[0] & 0x1f, min = 0x80;
	else if (s[0] >= 0xe0 && s[0] < 0xf0)
		len = 3, cp = s[0] & 0x0f, min = 0x800;
	else if (s[0] >= 0xf0 && s[0] < 0xf8)
		len = 4, cp = s[0] & 0x07, min = 0x10000;
	else
		return 0;
	if (n < len)
		return 0;
	for (size_t k = 1; k < len; k++) {
		if ((s[k] & 0xc0) != 0x80)
			return 0;
		cp = cp << 6 | (s[k] & 0x3f);
	}
	if (cp < min || cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff))
		return 0;
	return len;
}

static size_t ref_escape(char *out, const uint8_t *s, size_t n)
{
	size_t o = 0;
	for (size_t i = 0; i < n;) {
		uint8_t b = s[i];
		size_t seq = b >= 0x80 ? ref_utf8_len(s + i, n - i) : 0;
		if (seq) {
			memcpy(out + o, s + i, seq);
			o += seq;
			i += seq;
			continue;
		}
		const char *e = b == '"' ? "\\\"" : b == '\\' ? "\\\\" : b == '\b' ? "\\b" :
				b == '\f' ? "\\f" : b == '\n' ? "\\n" : b == '\r' ? "\\r" :
				b == '\t' ? "\\t" : NULL;
		if (e) {
			memcpy(out + o, e, 2);
			o += 2;
		} else if (b < 0x20 || b >= 0x80) {
			o += (size_t)snprintf(out + o, 7, "\\u%04x", b);
		} else {
			out[o++] = (char)b;
		}
		i++;
	}
	out[o] = '\0';
	return o;
}

/* Bytes that exercise every path: plain text, escapes, valid and broken
 * UTF-8, at every offset and length around the 4- and 8-byte words. */
static size_t random_bytes(uint8_t *buf, size_t max)
{
	static const char *const pieces[] = { "a", "Z", "0", "/", " ", "\"", "\\", "\n", "\x01",
		"\x7f", "\xc3\xa9", "\xe2\x82\xac", "\xf0\x9f\x98\x80", "\xc3", "\xff",
		"\xed\xa0\x80", "\x80" };
	size_t n = 0, want = (size_t)(rand() % (int)max);
	int plain = rand() % 2;  /* half the strings are mostly plain text */
	while (n < want) {
		const char *p = pieces[plain && rand() % 16 ? rand() % 5 : rand() % 17];
		size_t k = strlen(p);
		if (p[0] == '\0' || n + k > want)
			break;
		memcpy(buf + n, p, k);
		n += k;
	}
	return n;
}

static void test_escape_against_reference(void)
{
	struct kn_json j;
	KT_REQUIRE(kn_json_init(&j, 64, 1 << 16) == 0);
	srand(4321);
	for (int round = 0; round < 50000; round++) {
		uint8_t s[64], key[40];
		char want[1024], ek[40 * 6 + 1], ev[64 * 6 + 1];
		size_t n = random_bytes(s, sizeof s);
		size_t kn = random_bytes(key, sizeof key - 1);
		key[kn] = '\0';
		ref_escape(ek, key, kn);
		ref_escape(ev, s, n);
		kn_json_reset(&j);
		kn_json_open(&j, NULL);
		kn_json_u64(&j, "n", (uint64_t)round);
		kn_json_strn(&j, (const char *)key, (const char *)s, n);
		kn_json_close(&j);
		snprintf(want, sizeof want, "{\"n\":%d,\"%s\":\"%s\"}", round, ek, ev);
		KT_REQUIRE(strcmp(kn_json_text(&j, NULL), want) == 0);
		/* kn_json_copy_plain(): plain exactly when all is ASCII without
		 * controls, the quote and the backslash. */
		char out[64];
		int ascii = 1;
		for (size_t k = 0; k < n; k++)
			ascii &= s[k] >= 0x20 && s[k] < 0x80 && s[k] != '"' && s[k] != '\\';
		int plain = kn_json_copy_plain(out, (const char *)s, n);
		KT_REQUIRE(plain == ascii);
		if (plain)
			KT_REQUIRE(memcmp(out, s, n) == 0);
	}
	kn_json_fini(&j);
}

/* The word-at-a-time checks at their edges: each byte value at each place
 * of plain strings 1..24 long (every word and tail shape), and every
 * string of up to 3 bytes over the values next to the thresholds (0x20,
 * '"', '\\', 0x80), as values and as keys. */
static void test_plain_boundaries(void)
{
	static const uint8_t edge[] = { 0x00, 0x01, 0x1f, 0x20, 0x21, 0x22, 0x23, 0x5b,
					0x5c, 0x5d, 0x7e, 0x7f, 0x80, 0x81, 0xc3, 0xff };
	struct kn_json j;
	KT_REQUIRE(kn_json_init(&j, 64, 1 << 16) == 0);
	for (size_t n = 1; n <= 24; n++) {
		for (size_t pos = 0; pos < n; pos++) {
			for (unsigned b = 0; b < 256; b++) {
				uint8_t s[24];
				char out[24], want[24 * 6 + 1], full[24 * 6 + 16];
				memset(s, 'a' + (int)(n % 26), n);
				s[pos] = (uint8_t)b;
				int plain = b >= 0x20 && b < 0x80 && b != '"' && b != '\\';
				KT_REQUIRE(kn_json_copy_plain(out, (const char *)s, n) == plain);
				if (plain)
					KT_REQUIRE(memcmp(out, s, n) == 0);
				ref_escape(want, s, n);
				snprintf(full, sizeof full, "{\"s\":\"%s\"}", want);
				const char *t = escaped(&j, (const char *)s, n);
				KT_REQUIRE(t && strcmp(t, full) == 0);
			}
		}
	}
	size_t ne = sizeof edge;
	for (size_t n = 1; n <= 3; n++) {
		size_t combos = n == 1 ? ne : n == 2 ? ne * ne : ne * ne * ne;
		for (size_t c = 0; c < combos; c++) {
			uint8_t s[4] = { 0 };
			char out[3], want[3 * 6 + 1], key[3 * 6 + 1], text[64];
			int plain = 1;
			for (size_t k = 0, v = c; k < n; k++, v /= ne) {
				s[k] = edge[v % ne];
				plain &= s[k] >= 0x20 && s[k] < 0x80 && s[k] != '"' && s[k] != '\\';
			}
			KT_REQUIRE(kn_json_copy_plain(out, (const char *)s, n) == plain);
			ref_escape(want, s, n);
			ref_escape(key, s, n);
			kn_json_reset(&j);
			kn_json_open(&j, NULL);
			if (memchr(s, 0, n) == NULL)  /* a key is NUL-terminated */
				kn_json_strn(&j, (const char *)s, (const char *)s, n);
			else
				kn_json_strn(&j, "k", (const char *)s, n);
			kn_json_close(&j);
			snprintf(text, sizeof text, "{\"%s\":\"%s\"}",
				 memchr(s, 0, n) == NULL ? key : "k", want);
			KT_REQUIRE(strcmp(doc(&j), text) == 0);
		}
	}
	kn_json_fini(&j);
}

static void test_members(void)
{
	struct kn_json j;
	KT_REQUIRE(kn_json_init(&j, 64, 4096) == 0);
	kn_json_open(&j, NULL);
	kn_json_members(&j, "\"a\":1,\"b\":\"x\"", 13);
	kn_json_u64(&j, "c", 2);
	kn_json_members(&j, "", 0);  /* nothing, not even a comma */
	kn_json_members(&j, "\"d\":[1]", 7);
	kn_json_open_array(&j, "e");
	kn_json_members(&j, "1,2", 3);
	kn_json_members(&j, "3", 1);
	kn_json_close_array(&j);
	kn_json_close(&j);
	KT_EQ_STR(doc(&j), "{\"a\":1,\"b\":\"x\",\"c\":2,\"d\":[1],\"e\":[1,2,3]}");
	/* Members count against max like any other value. */
	struct kn_json small;
	KT_REQUIRE(kn_json_init(&small, 64, 64) == 0);
	char text[80];
	memset(text, '1', sizeof text);
	kn_json_open_array(&small, NULL);
	kn_json_members(&small, text, 62);  /* "[" + 62 digits + NUL = 64 */
	KT_CHECK(kn_json_text(&small, NULL) != NULL);
	kn_json_reset(&small);
	kn_json_open_array(&small, NULL);
	kn_json_members(&small, text, 63);
	KT_CHECK(kn_json_text(&small, NULL) == NULL);
	kn_json_fini(&small);
	kn_json_fini(&j);
}

static const struct kt_case cases[] = {
	KT_CASE(test_nesting_and_commas),
	KT_CASE(test_escapes),
	KT_CASE(test_invalid_utf8),
	KT_CASE(test_integers),
	KT_CASE(test_doubles),
	KT_CASE(test_growth),
	KT_CASE(test_overflow_at_max),
	KT_CASE(test_u64_to_dec),
	KT_CASE(test_escape_against_reference),
	KT_CASE(test_plain_boundaries),
	KT_CASE(test_members),
};

KT_MAIN("util_json", cases)
