/*
 * version.c - software version comparison for CVE matching: dotted
 * versions with letter suffixes ("7.4p1", "1.0.2k", "2019.78",
 * "1.0.0-rc1"), and the split of a banner's version token into the CPE
 * version and update fields ("7.4p1" -> "7.4" + "p1" for OpenSSH).
 *
 * Vuln stage, used by the feed's matcher (match.c). The rules are stated in
 * include/kenchi/vuln.h (kn_vuln_version_cmp); nothing here allocates, and
 * numbers of any length compare correctly (no integer conversion).
 */
#include "vuln/vuln_int.h"

#include <ctype.h>
#include <string.h>
#include <strings.h>

enum tok_kind { TOK_END = 0, TOK_NUM, TOK_WORD };

struct tok {
	int kind;
	const char *s;   /* numbers: leading zeros skipped */
	size_t n;
};

/* Pre-release words, oldest first; rank 0 = not a pre-release. */
static int prerelease_rank(const struct tok *t)
{
	static const char *const words[] = { "dev", "snapshot", "alpha", "beta", "pre", "rc" };
	for (size_t i = 0; i < sizeof words / sizeof words[0]; i++)
		if (strlen(words[i]) == t->n && strncasecmp(words[i], t->s, t->n) == 0)
			return (int)i + 1;
	return 0;
}

/* Next component of *p (a number or a run of letters); separators skipped. */
static struct tok next_tok(const char **p)
{
	struct tok t = { TOK_END, NULL, 0 };
	const char *s = *p;

	while (*s && !isalnum((unsigned char)*s))
		s++;
	if (!*s) {
		*p = s;
		return t;
	}
	t.s = s;
	if (isdigit((unsigned char)*s)) {
		t.kind = TOK_NUM;
		while (isdigit((unsigned char)*s))
			s++;
		while (t.s < s - 1 && *t.s == '0')
			t.s++;
	} else {
		t.kind = TOK_WORD;
		while (isalpha((unsigned char)*s))
			s++;
	}
	t.n = (size_t)(s - t.s);
	*p = s;
	return t;
}

static int sign(int v)
{
	return (v > 0) - (v < 0);
}

static int cmp_num(const struct tok *a, const struct tok *b)
{
	if (a->n != b->n)
		return a->n < b->n ? -1 : 1;
	return sign(memcmp(a->s, b->s, a->n));
}

static int cmp_word(const struct tok *a, const struct tok *b)
{
	int ra = prerelease_rank(a), rb = prerelease_rank(b);
	if (ra || rb) {
		if (!ra || !rb)
			return ra ? -1 : 1;
		return sign(ra - rb);
	}
	size_t n = a->n < b->n ? a->n : b->n;
	int c = strncasecmp(a->s, b->s, n);
	if (c)
		return sign(c);
	return a->n == b->n ? 0 : (a->n < b->n ? -1 : 1);
}

/* A component against the end of the other version: zeros are neutral,
 * pre-releases older, anything else newer. */
static int cmp_end(const struct tok *t)
{
	if (t->kind == TOK_NUM)
		return !(t->n == 1 && t->s[0] == '0');
	return prerelease_rank(t) ? -1 : 1;
}

static int cmp_tok(const struct tok *a, const struct tok *b)
{
	if (a->kind == TOK_END)
		return -cmp_end(b);
	if (b->kind == TOK_END)
		return cmp_end(a);
	if (a->kind == TOK_NUM && b->kind == TOK_NUM)
		return cmp_num(a, b);
	if (a->kind == TOK_WORD && b->kind == TOK_WORD)
		return cmp_word(a, b);
	/* A number against a letter run: the number is newer, unless the
	 * letters are a pre-release (still older). */
	if (a->kind == TOK_NUM)
		return 1;
	return -1;
}

int kn_vuln_version_cmp(const char *a, const char *b)
{
	if (!a || !b)
		return a == b ? 0 : (a ? 1 : -1);
	for (;;) {
		struct tok ta = next_tok(&a), tb = next_tok(&b);
		if (ta.kind == TOK_END && tb.kind == TOK_END)
			return 0;
		int c = cmp_tok(&ta, &tb);
		if (c)
			return c;
	}
}

int vuln_version_imprecise(const char *v, const char *bound)
{
	for (;;) {
		struct tok tv = next_tok(&v), tb = next_tok(&bound);
		if (tb.kind != TOK_NUM)
			return 0;  /* the bound has no more numbers: v is as precise */
		if (tv.kind == TOK_WORD)
			return 0;  /* "9.3p1" against "9.3.1": a different release */
		if (tv.kind == TOK_END) {
			/* v stops where the bound goes on: any non-zero number
			 * left makes v a range of versions around the bound. */
			for (; tb.kind == TOK_NUM; tb = next_tok(&bound))
				if (!(tb.n == 1 && tb.s[0] == '0'))
					return 1;
			return 0;
		}
		if (cmp_num(&tv, &tb) != 0)
			return 0;
	}
}

size_t vuln_version_token(const char *v, char out[KN_VULN_MAX_VERSION + 1])
{
	size_t n = 0;

	if (!v)
		goto none;
	while (*v == ' ' || *v == '\t' || *v == 'v' || *v == 'V')
		v++;
	if (!isdigit((unsigned char)*v))
		goto none;
	while (v[n] && v[n] != ' ' && v[n] != '\t' && v[n] != '(' && v[n] != '/' &&
	       v[n] != ',' && v[n] != ';')
		n++;
	if (n > KN_VULN_MAX_VERSION)
		goto none;
	memcpy(out, v, n);
	out[n] = '\0';
	return n;
none:
	out[0] = '\0';
	return 0;
}

void vuln_version_split(const char *v, char rel[KN_VULN_MAX_VERSION + 1],
			char upd[KN_VULN_MAX_VERSION + 1])
{
	size_t n = 0, u = 0;

	while (v[n] && (isdigit((unsigned char)v[n]) || v[n] == '.'))
		n++;
	while (n && v[n - 1] == '.')
		n--;
	memcpy(rel, v, n);
	rel[n] = '\0';
	/* The update: letters then digits right after the release ("p1");
	 * whatever follows ("-hpn14v4", "+deb9u7") is a distribution's. */
	const char *s = v + n;
	while (s[u] && isalpha((unsigned char)s[u]))
		u++;
	while (u && s[u] && isdigit((unsigned char)s[u]))
		u++;
	memcpy(upd, s, u);
	upd[u] = '\0';
}

int vuln_version_has_update(const char *v)
{
	char rel[KN_VULN_MAX_VERSION + 1], upd[KN_VULN_MAX_VERSION + 1];
	if (strlen(v) > KN_VULN_MAX_VERSION)
		return 0;
	vuln_version_split(v, rel, upd);
	return upd[0] != '\0';
}
