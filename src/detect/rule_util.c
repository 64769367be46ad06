/*
 * rule_util.c - small pieces every keyword parser uses: the rule set's
 * arena (all rule memory, freed at once with the set), failure messages,
 * and readers of argument text (trim, quotes, integers, comma lists,
 * comparisons like "<10" or "5<>20", byte_extract variable names).
 * Every reader takes an explicit length: arguments are not NUL-terminated.
 */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "detect/detect_int.h"
#include "util/alloc.h"

#define CHUNK_SIZE (64u * 1024)

struct detect_chunk {
	struct detect_chunk *next;
	size_t size;
	/* data follows, 16-aligned */
	_Alignas(16) unsigned char data[];
};

void *detect_alloc(struct detect_arena *a, size_t n)
{
	n = (n + 15) & ~(size_t)15;
	if (n == 0)
		n = 16;
	if (!a->head || a->cap - a->used < n) {
		size_t size = n > CHUNK_SIZE / 4 ? n : CHUNK_SIZE;
		struct detect_chunk *c = kn_malloc(sizeof *c + size);
		if (!c)
			return NULL;
		c->size = size;
		a->total += size;
		if (size != CHUNK_SIZE && a->head) {
			/* big block: keep it behind the current chunk */
			c->next = a->head->next;
			a->head->next = c;
			memset(c->data, 0, size);
			return c->data;
		}
		c->next = a->head;
		a->head = c;
		a->used = 0;
		a->cap = size;
	}
	void *p = a->head->data + a->used;
	a->used += n;
	memset(p, 0, n);
	return p;
}

char *detect_strndup(struct detect_arena *a, const char *s, size_t n)
{
	char *p = detect_alloc(a, n + 1);
	if (p) {
		memcpy(p, s, n);
		p[n] = '\0';
	}
	return p;
}

void detect_arena_free(struct detect_arena *a)
{
	struct detect_chunk *c = a->head;
	while (c) {
		struct detect_chunk *next = c->next;
		kn_free(c);
		c = next;
	}
	memset(a, 0, sizeof *a);
}

int kw_fail(struct rule_ctx *c, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(c->msg, sizeof c->msg, fmt, ap);
	va_end(ap);
	return -KN_EINVAL;
}

static int is_space(char ch)
{
	return ch == ' ' || ch == '\t' || ch == '\r' || ch == '\n';
}

void kw_trim(const char **s, size_t *len)
{
	while (*len && is_space(**s))
		(*s)++, (*len)--;
	while (*len && is_space((*s)[*len - 1]))
		(*len)--;
}

void kw_unquote(const char **s, size_t *len, int *quoted)
{
	kw_trim(s, len);
	*quoted = *len >= 2 && (*s)[0] == '"' && (*s)[*len - 1] == '"';
	if (*quoted)
		(*s)++, *len -= 2;
}

int kw_is(const char *s, size_t len, const char *word)
{
	return strlen(word) == len && memcmp(s, word, len) == 0;
}

int kw_int(const char *s, size_t len, int64_t min, int64_t max, int64_t *out)
{
	kw_trim(&s, &len);
	int neg = len && s[0] == '-';
	if (neg || (len && s[0] == '+'))
		s++, len--;
	int hex = len > 2 && s[0] == '0' && (s[1] == 'x' || s[1] == 'X');
	if (hex)
		s += 2, len -= 2;
	if (len == 0 || len > 20)
		return -KN_EINVAL;
	uint64_t v = 0;
	for (size_t i = 0; i < len; i++) {
		unsigned d;
		char ch = s[i];
		if (ch >= '0' && ch <= '9')
			d = (unsigned)(ch - '0');
		else if (hex && ch >= 'a' && ch <= 'f')
			d = (unsigned)(ch - 'a' + 10);
		else if (hex && ch >= 'A' && ch <= 'F')
			d = (unsigned)(ch - 'A' + 10);
		else
			return -KN_EINVAL;
		uint64_t base = hex ? 16 : 10;
		if (v > (UINT64_MAX - d) / base)
			return -KN_EINVAL;
		v = v * base + d;
	}
	if (v > (uint64_t)INT64_MAX)
		return -KN_EINVAL;
	int64_t r = neg ? -(int64_t)v : (int64_t)v;
	if (r < min || r > max)
		return -KN_EINVAL;
	*out = r;
	return 0;
}

int kw_next_item(const char **s, size_t *len, const char **item, size_t *ilen)
{
	if (*len == 0)
		return 0;
	const char *comma = memchr(*s, ',', *len);
	size_t n = comma ? (size_t)(comma - *s) : *len;
	*item = *s;
	*ilen = n;
	kw_trim(item, ilen);
	*s += n + (comma ? 1 : 0);
	*len -= n + (comma ? 1 : 0);
	return 1;
}

static int var_index(const struct rule_ctx *c, const char *s, size_t len)
{
	for (unsigned i = 0; i < c->n_byte_vars; i++)
		if (kw_is(s, len, c->byte_vars[i]))
			return (int)i;
	return -1;
}

static int is_name(const char *s, size_t len)
{
	if (len == 0 || len > 64 || (s[0] >= '0' && s[0] <= '9') || s[0] == '-')
		return 0;
	for (size_t i = 0; i < len; i++)
		if (!((s[i] >= 'a' && s[i] <= 'z') || (s[i] >= 'A' && s[i] <= 'Z') ||
		      (s[i] >= '0' && s[i] <= '9') || s[i] == '_' || s[i] == '.' || s[i] == '-'))
			return 0;
	return 1;
}

int kw_val(struct rule_ctx *c, const char *s, size_t len, int64_t min, int64_t max,
	   struct kn_rule_val *out)
{
	kw_trim(&s, &len);
	out->var = -1;
	out->value = 0;
	if (kw_int(s, len, min, max, &out->value) == 0)
		return 0;
	if (is_name(s, len)) {
		int i = var_index(c, s, len);
		if (i >= 0) {
			out->var = (int16_t)i;
			return 0;
		}
		return kw_fail(c, "'%.*s' is neither a number nor a variable set by an "
			       "earlier byte_extract or byte_math", (int)(len > 64 ? 64 : len), s);
	}
	return kw_fail(c, "'%.*s' is not a number in %lld..%lld", (int)(len > 64 ? 64 : len),
		       s, (long long)min, (long long)max);
}

int kw_add_byte_var(struct rule_ctx *c, const char *s, size_t len)
{
	kw_trim(&s, &len);
	if (!is_name(s, len))
		return kw_fail(c, "'%.*s' is not a variable name (letters, digits, '_')",
			       (int)(len > 64 ? 64 : len), s);
	int i = var_index(c, s, len);
	if (i >= 0)
		return i;
	if (c->n_byte_vars >= KN_RULE_MAX_BYTE_VARS)
		return kw_fail(c, "more than %d byte_extract/byte_math variables in one rule",
			       KN_RULE_MAX_BYTE_VARS);
	const char *name = detect_strndup(&c->rs->arena, s, len);
	if (!name)
		return -KN_ENOMEM;
	c->byte_vars[c->n_byte_vars] = name;
	return (int)c->n_byte_vars++;
}

static int cmp_fail(struct rule_ctx *c, const char *s, size_t len, uint64_t max)
{
	return kw_fail(c, "'%.*s' is not a comparison: use N, <N, >N, <=N, >=N, !N or "
		       "N<>M with numbers up to %llu", (int)(len > 64 ? 64 : len), s,
		       (unsigned long long)max);
}

int kw_num_cmp(struct rule_ctx *c, const char *s, size_t len, uint64_t max,
	       struct kn_rule_num *out)
{
	int64_t a, b;
	kw_trim(&s, &len);
	memset(out, 0, sizeof *out);
	const char *mid = NULL;
	for (size_t i = 1; i + 1 < len; i++)
		if (s[i] == '<' && s[i + 1] == '>')
			mid = s + i;
	if (mid) {
		size_t l1 = (size_t)(mid - s);
		if (kw_int(s, l1, 0, (int64_t)max, &a) ||
		    kw_int(mid + 2, len - l1 - 2, 0, (int64_t)max, &b) || b <= a)
			return cmp_fail(c, s, len, max);
		*out = (struct kn_rule_num){ KN_CMP_RANGE, (uint64_t)a, (uint64_t)b, 0 };
		return 0;
	}
	uint8_t op = KN_CMP_EQ;
	if (len >= 2 && s[0] == '<' && s[1] == '=')
		op = KN_CMP_LE, s += 2, len -= 2;
	else if (len >= 2 && s[0] == '>' && s[1] == '=')
		op = KN_CMP_GE, s += 2, len -= 2;
	else if (len && s[0] == '<')
		op = KN_CMP_LT, s++, len--;
	else if (len && s[0] == '>')
		op = KN_CMP_GT, s++, len--;
	else if (len && s[0] == '!')
		op = KN_CMP_NE, s++, len--;
	else if (len && s[0] == '=')
		s++, len--;
	const char *dash = len > 1 ? memchr(s + 1, '-', len - 1) : NULL;
	if (op == KN_CMP_EQ && dash) {    /* "N-M": Suricata reads it as N<>M */
		size_t l1 = (size_t)(dash - s);
		if (kw_int(s, l1, 0, (int64_t)max, &a) ||
		    kw_int(dash + 1, len - l1 - 1, 0, (int64_t)max, &b) || b <= a)
			return cmp_fail(c, s, len, max);
		*out = (struct kn_rule_num){ KN_CMP_RANGE, (uint64_t)a, (uint64_t)b, 0 };
		return 0;
	}
	if (kw_int(s, len, 0, (int64_t)max, &a))
		return cmp_fail(c, s, len, max);
	out->op = op;
	out->a = (uint64_t)a;
	return 0;
}
