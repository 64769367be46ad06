/*
 * inspect.c - the inspection of one buffer by one rule's options (see
 * inspect.h for the Suricata 7 behaviour reproduced): the per-worker
 * scratch, pcre compilation, the list walk with its backtracking, content
 * search and pcre matching. byte_* and the length keywords are in
 * inspect_byte.c.
 *
 * The walk is iterative: every matched content pushes a frame (where it
 * started, where to search next); a pcre that something relative follows
 * pushes one too. When an option fails, the most recent frame decides:
 * retry its option at the next occurrence, or give up (a content whose
 * next content has no `within`). The stack holds at most one frame per
 * option, so memory is fixed (KN_RULE_MAX_OPTIONS) and time is bounded by
 * s->budget steps, each one search of at most the buffer.
 */
#include <pthread.h>
#include <stdio.h>
#include <string.h>

#include "detect/inspect.h"
#include "util/alloc.h"

/* ------------------------------------------------------------- scratch */

static void *pcre_alloc(PCRE2_SIZE n, void *data)
{
	(void)data;
	return kn_malloc(n);
}

static void pcre_free(void *p, void *data)
{
	(void)data;
	kn_free(p);
}

int sig_inspect_init(struct sig_inspect *s)
{
	static const char *const names[SIG_KIND_COUNT] = {
		"content", "uricontent", "pcre", "byte_test", "byte_jump", "byte_extract",
		"byte_math", "isdataat", "bsize", "urilen",
	};
	memset(s, 0, sizeof *s);
	s->budget = SIG_INSPECT_BUDGET;
	for (unsigned i = 0; i < SIG_KIND_COUNT; i++)
		s->kw[i] = kn_rule_keyword_by_name(names[i]);
	pcre2_general_context *g = pcre2_general_context_create(pcre_alloc, pcre_free, NULL);
	if (g) {
		s->mctx = pcre2_match_context_create(g);
		s->md = pcre2_match_data_create(SIG_PCRE_MAX_CAPTURES, g);
		s->jit_stack = pcre2_jit_stack_create(SIG_PCRE_JIT_STACK_MIN,
						      SIG_PCRE_JIT_STACK_MAX, g);
		pcre2_general_context_free(g);
	}
	if (s->mctx && s->jit_stack)   /* without it: PCRE2's 32 KiB on the machine stack */
		pcre2_jit_stack_assign(s->mctx, NULL, s->jit_stack);
	if (!s->mctx || !s->md) {
		sig_inspect_fini(s);
		return -KN_ENOMEM;
	}
	return 0;
}

void sig_inspect_fini(struct sig_inspect *s)
{
	pcre2_match_data_free(s->md);
	pcre2_match_context_free(s->mctx);
	pcre2_jit_stack_free(s->jit_stack);
	s->md = NULL;
	s->mctx = NULL;
	s->jit_stack = NULL;
}

/* ---------------------------------------------------------------- pcre */

static uint32_t pcre_options(uint32_t flags)
{
	static const struct { uint32_t kn, pcre; } map[] = {
		{ KN_PCRE_CASELESS, PCRE2_CASELESS }, { KN_PCRE_DOTALL, PCRE2_DOTALL },
		{ KN_PCRE_MULTILINE, PCRE2_MULTILINE }, { KN_PCRE_EXTENDED, PCRE2_EXTENDED },
		{ KN_PCRE_ANCHORED, PCRE2_ANCHORED }, { KN_PCRE_DOLLAR_ENDONLY, PCRE2_DOLLAR_ENDONLY },
		{ KN_PCRE_UNGREEDY, PCRE2_UNGREEDY },
	};
	uint32_t o = 0;
	for (size_t i = 0; i < sizeof map / sizeof map[0]; i++)
		if (flags & map[i].kn)
			o |= map[i].pcre;
	return o;
}

pcre2_code *sig_pcre_compile(const struct kn_rule_pcre *p, char *err, size_t errsz)
{
	pcre2_general_context *g = pcre2_general_context_create(pcre_alloc, pcre_free, NULL);
	pcre2_compile_context *cc = g ? pcre2_compile_context_create(g) : NULL;
	pcre2_code *code = NULL;
	int ec = 0;
	PCRE2_SIZE eo = 0;
	if (!cc) {
		snprintf(err, errsz, "no memory to compile the pcre");
		goto done;
	}
	code = pcre2_compile((PCRE2_SPTR)p->regex, PCRE2_ZERO_TERMINATED, pcre_options(p->flags),
			     &ec, &eo, cc);
	if (code) {
		/* JIT: 5-8 times faster on patterns that scan (measured on HTTP
		 * header-like buffers); when it cannot compile, the interpreter
		 * runs the same pattern */
		(void)pcre2_jit_compile(code, PCRE2_JIT_COMPLETE);
	} else {
		PCRE2_UCHAR msg[160];
		if (pcre2_get_error_message(ec, msg, sizeof msg) < 0)
			snprintf((char *)msg, sizeof msg, "error %d", ec);
		snprintf(err, errsz, "%s at offset %zu of /%s/", (const char *)msg, (size_t)eo,
			 p->regex);
	}
done:
	pcre2_compile_context_free(cc);
	pcre2_general_context_free(g);
	return code;
}

/* -------------------------------------------------------------- search */

static inline uint8_t fold(uint8_t c)
{
	return c >= 'A' && c <= 'Z' ? (uint8_t)(c + 32) : c;
}

static int has_letter(const uint8_t *p, uint32_t m)
{
	for (uint32_t i = 0; i < m; i++)
		if (fold(p[i]) >= 'a' && fold(p[i]) <= 'z')
			return 1;
	return 0;
}

/* Case-insensitive Knuth-Morris-Pratt: linear in n + m whatever the
 * input. f holds m entries. */
static int64_t find_kmp_nocase(const uint8_t *h, uint32_t n, const uint8_t *p, uint32_t m,
			       uint32_t *f)
{
	f[0] = 0;
	for (uint32_t i = 1, k = 0; i < m; i++) {
		while (k && fold(p[i]) != fold(p[k]))
			k = f[k - 1];
		if (fold(p[i]) == fold(p[k]))
			k++;
		f[i] = k;
	}
	for (uint32_t i = 0, k = 0; i < n; i++) {
		while (k && fold(h[i]) != fold(p[k]))
			k = f[k - 1];
		if (fold(h[i]) == fold(p[k]) && ++k == m)
			return (int64_t)i + 1 - m;
	}
	return -1;
}

/* Plain case-insensitive scan: the fallback when no table fits. */
static int64_t find_naive_nocase(const uint8_t *h, uint32_t n, const uint8_t *p, uint32_t m)
{
	for (uint32_t i = 0; i + m <= n; i++) {
		uint32_t j = 0;
		while (j < m && fold(h[i + j]) == fold(p[j]))
			j++;
		if (j == m)
			return i;
	}
	return -1;
}

/* First occurrence of p[0..m) in h[0..n), -1 when none. */
static int64_t find(const uint8_t *h, uint32_t n, const uint8_t *p, uint32_t m, int nocase)
{
	if (m == 0 || m > n)
		return m == 0 ? 0 : -1;
	if (!nocase || !has_letter(p, m)) {
		const uint8_t *at = memmem(h, n, p, m);
		return at ? at - h : -1;
	}
	uint32_t small[256];
	if (m <= 256)
		return find_kmp_nocase(h, n, p, m, small);
	uint32_t *f = kn_calloc(m, sizeof *f);
	if (!f)
		return find_naive_nocase(h, n, p, m);
	int64_t r = find_kmp_nocase(h, n, p, m, f);
	kn_free(f);
	return r;
}

static int equal_at(const uint8_t *h, const uint8_t *p, uint32_t m, int nocase)
{
	if (!nocase)
		return memcmp(h, p, m) == 0;
	for (uint32_t i = 0; i < m; i++)
		if (fold(h[i]) != fold(p[i]))
			return 0;
	return 1;
}

/* ----------------------------------------------------------- list walk */

/* plan[] bits: what Suricata derives from the list at load time. */
#define PLAN_SKIP 1u         /* isdataat:!1,relative folded into the content before it */
#define PLAN_ENDS_WITH 2u    /* content: endswith, from such an isdataat */
#define PLAN_RETRY 4u        /* content: WITHIN_NEXT; pcre: RELATIVE_NEXT */

struct frame {
	uint16_t idx;            /* option that pushed it */
	uint32_t cursor_in;      /* cursor when the option was entered */
	uint32_t from;           /* where its next occurrence may start */
};

struct walk {
	struct sig_inspect *s;
	const struct kn_rule_opt *const *opts;
	pcre2_code *const *re;
	unsigned n, top;
	struct sig_buf b;
	uint8_t kind[KN_RULE_MAX_OPTIONS];
	uint8_t plan[KN_RULE_MAX_OPTIONS];
	struct frame stack[KN_RULE_MAX_OPTIONS];
};

static int list_kw_ids[10];
static pthread_once_t list_kw_once = PTHREAD_ONCE_INIT;

static void list_kw_init(void)
{
	static const char *const names[10] = { "content", "uricontent", "pcre", "byte_test",
					       "byte_jump", "byte_extract", "byte_math",
					       "isdataat", "bsize", "urilen" };
	for (size_t i = 0; i < 10; i++)
		list_kw_ids[i] = kn_rule_keyword_by_name(names[i]);
}

int sig_inspect_keyword(unsigned kw)
{
	pthread_once(&list_kw_once, list_kw_init);
	for (size_t i = 0; i < 10; i++)
		if (list_kw_ids[i] == (int)kw)
			return 1;
	return 0;
}

static int kind_of(const struct sig_inspect *s, unsigned kw)
{
	for (int k = 0; k < SIG_KIND_COUNT; k++)
		if (s->kw[k] >= 0 && (unsigned)s->kw[k] == kw)
			return k;
	return -1;
}

static int is_content(const struct walk *w, unsigned i)
{
	return w->kind[i] == SIG_KIND_CONTENT || w->kind[i] == SIG_KIND_URICONTENT;
}

/* The option moves from the cursor (Suricata's "relative" options). */
static int is_relative(const struct walk *w, unsigned i)
{
	const struct kn_rule_opt *o = w->opts[i];
	if (is_content(w, i))
		return (o->u.content->flags & (KN_CONTENT_DISTANCE | KN_CONTENT_WITHIN)) != 0;
	switch (w->kind[i]) {
	case SIG_KIND_PCRE: return (o->u.pcre->flags & KN_PCRE_RELATIVE) != 0;
	case SIG_KIND_ISDATAAT: return o->u.isdataat->relative;
	case SIG_KIND_BYTE_TEST: case SIG_KIND_BYTE_JUMP: case SIG_KIND_BYTE_EXTRACT:
	case SIG_KIND_BYTE_MATH:
		return (o->u.byte->flags & KN_BYTE_RELATIVE) != 0;
	default: return 0;
	}
}

/* isdataat:!1,relative whose nearest content/pcre before it is a content
 * becomes that content's endswith (Suricata's DetectIsdataatSetup). */
static void plan_ends_with(struct walk *w)
{
	int prev = -1;
	for (unsigned i = 0; i < w->n; i++) {
		if (is_content(w, i) || w->kind[i] == SIG_KIND_PCRE) {
			prev = (int)i;
			continue;
		}
		const struct kn_rule_isdataat *d = w->opts[i]->u.isdataat;
		if (w->kind[i] == SIG_KIND_ISDATAAT && d->negated && d->relative && d->pos.var < 0 &&
		    d->pos.value == 1 && prev >= 0 && is_content(w, (unsigned)prev)) {
			w->plan[i] |= PLAN_SKIP;
			w->plan[prev] |= PLAN_ENDS_WITH;
		}
	}
}

/* Suricata's WITHIN_NEXT (content) and RELATIVE_NEXT (pcre): set on the
 * nearest content/pcre before a content with within / a relative option.
 * A content directly followed by a relative isdataat retries too (ET's
 * `content:...; isdataat:!5,relative;` finds the occurrence near the end:
 * Suricata 7.0.4 alerts so on the Zerologon requests of mix.pcap). */
static void plan_retry(struct walk *w)
{
	int next = -1, rel_ahead = 0, isdataat_next = 0;
	for (unsigned i = w->n; i-- > 0;) {
		if (w->plan[i] & PLAN_SKIP)
			continue;
		int cp = is_content(w, i) || w->kind[i] == SIG_KIND_PCRE;
		if (is_content(w, i) && next >= 0 && is_content(w, (unsigned)next) &&
		    (w->opts[next]->u.content->flags & KN_CONTENT_WITHIN))
			w->plan[i] |= PLAN_RETRY;
		if (is_content(w, i) && isdataat_next)
			w->plan[i] |= PLAN_RETRY;
		isdataat_next = w->kind[i] == SIG_KIND_ISDATAAT && w->opts[i]->u.isdataat->relative;
		if (w->kind[i] == SIG_KIND_PCRE && rel_ahead)
			w->plan[i] |= PLAN_RETRY;
		if (cp) {
			next = (int)i;
			rel_ahead = is_relative(w, i);
		} else {
			rel_ahead |= is_relative(w, i);
		}
	}
}

/* Kinds and plan of the list; 0 when an option is not an inspection keyword. */
static int plan_list(struct walk *w)
{
	for (unsigned i = 0; i < w->n; i++) {
		int k = w->opts[i] ? kind_of(w->s, w->opts[i]->kw) : -1;
		if (k < 0 || (k != SIG_KIND_BSIZE && k != SIG_KIND_URILEN && !w->opts[i]->u.content))
			return 0;       /* u.content, u.pcre, u.byte, u.isdataat share the slot */
		w->kind[i] = (uint8_t)k;
		w->plan[i] = 0;
	}
	plan_ends_with(w);
	plan_retry(w);
	return 1;
}

static void push(struct walk *w, unsigned i, uint32_t cursor_in, uint32_t from)
{
	if (w->top < KN_RULE_MAX_OPTIONS)
		w->stack[w->top++] = (struct frame){ (uint16_t)i, cursor_in, from };
}

/* A position from a content modifier: the literal, or a variable read as
 * Suricata's unsigned 64-bit value; clamped far beyond any buffer. */
static int64_t content_pos(const struct sig_inspect *s, const struct kn_rule_val *v, int is_signed)
{
	const int64_t lim = (int64_t)1 << 40;
	int64_t x = sig_val(s, v);
	if (!is_signed && v->var >= 0 && x < 0)
		return lim;
	return x > lim ? lim : x < -lim ? -lim : x;
}

/* The window [*start, *end) a content may occupy, before clamping. */
static void content_window(const struct walk *w, const struct kn_rule_content *c,
			   uint32_t cursor_in, int64_t *start, int64_t *end)
{
	const struct sig_inspect *s = w->s;
	*end = w->b.len;
	if (c->flags & KN_CONTENT_STARTSWITH) {
		*start = 0;
		*end = c->len;
	} else if (c->flags & (KN_CONTENT_DISTANCE | KN_CONTENT_WITHIN)) {
		int64_t d = c->flags & KN_CONTENT_DISTANCE ? content_pos(s, &c->distance, 1) : 0;
		*start = (int64_t)cursor_in + d;
		if (c->flags & KN_CONTENT_WITHIN) {
			int64_t e = (int64_t)cursor_in + d + content_pos(s, &c->within, 0);
			if (e < *end)
				*end = e < 0 ? 0 : e;
		}
		if (*start < 0)
			*start = 0;
	} else {
		*start = c->flags & KN_CONTENT_OFFSET ? content_pos(s, &c->offset, 0) : 0;
		if (c->flags & KN_CONTENT_DEPTH)
			*end = *start + content_pos(s, &c->depth, 0);
	}
	if (*end > (int64_t)w->b.len)
		*end = w->b.len;
}

/* Finds content c in [start, end): its offset or -1. With endswith only
 * an occurrence ending at the buffer end counts. */
static int64_t content_find(const struct walk *w, const struct kn_rule_content *c,
			    int ends_with, int64_t start, int64_t end)
{
	int nocase = (c->flags & KN_CONTENT_NOCASE) != 0;
	if (end - start < (int64_t)c->len)
		return -1;
	if (ends_with) {
		int64_t at = (int64_t)w->b.len - c->len;
		if (end < (int64_t)w->b.len || at < start)
			return -1;
		return equal_at(w->b.p + at, c->bytes, c->len, nocase) ? at : -1;
	}
	int64_t at = find(w->b.p + start, (uint32_t)(end - start), c->bytes, c->len, nocase);
	return at < 0 ? -1 : start + at;
}

/* One content (first try, or a retry from `from`). */
static enum sig_step step_content(struct walk *w, unsigned i, int retry, uint32_t from)
{
	const struct kn_rule_content *c = w->opts[i]->u.content;
	uint32_t rel = KN_CONTENT_DISTANCE | KN_CONTENT_WITHIN;
	int neg = (c->flags & KN_CONTENT_NEGATED) != 0;
	uint32_t cursor_in = w->b.cursor;
	int64_t start, end;
	content_window(w, c, cursor_in, &start, &end);
	if (retry)
		start = from;
	if (start > end || end == 0)
		return neg ? SIG_STEP_MATCH : SIG_STEP_NOMATCH;
	int64_t at = content_find(w, c, (c->flags & KN_CONTENT_ENDSWITH) ||
				  (w->plan[i] & PLAN_ENDS_WITH), start, end);
	if (at < 0) {
		if (neg)
			return SIG_STEP_MATCH;
		return c->flags & rel ? SIG_STEP_NOMATCH : SIG_STEP_ABORT;
	}
	if (neg) {
		uint32_t placed = rel | KN_CONTENT_DEPTH | KN_CONTENT_OFFSET | KN_CONTENT_STARTSWITH;
		return c->flags & placed ? SIG_STEP_NOMATCH : SIG_STEP_ABORT;
	}
	push(w, i, cursor_in, (uint32_t)at + 1);
	w->b.cursor = (uint32_t)at + c->len;
	return SIG_STEP_MATCH;
}

/* One pcre (first try, or a retry from `from`). */
static enum sig_step step_pcre(struct walk *w, unsigned i, int retry, uint32_t from)
{
	const struct kn_rule_pcre *p = w->opts[i]->u.pcre;
	struct sig_inspect *s = w->s;
	uint32_t cursor_in = w->b.cursor;
	uint32_t base = p->flags & KN_PCRE_RELATIVE ? cursor_in : 0;
	uint32_t start = retry ? from - base : 0;
	int neg = (p->flags & KN_PCRE_NEGATED) != 0;
	if (!w->re || !w->re[i] || (retry && from < base))
		return SIG_STEP_NOMATCH;
	if (start > w->b.len - base)
		return SIG_STEP_NOMATCH;
	uint32_t mult = p->flags & KN_PCRE_MATCH_LIMIT ? 10 : 1;
	pcre2_set_match_limit(s->mctx, SIG_PCRE_MATCH_LIMIT * mult);
	pcre2_set_depth_limit(s->mctx, SIG_PCRE_DEPTH_LIMIT * mult);
	int rc = pcre2_match(w->re[i], w->b.p + base, w->b.len - base, start, 0, s->md, s->mctx);
	if (rc == PCRE2_ERROR_NOMATCH)
		return neg ? SIG_STEP_MATCH : SIG_STEP_NOMATCH;
	if (rc < 0) {            /* a limit, or bad input: no match either way (Suricata) */
		if (rc == PCRE2_ERROR_MATCHLIMIT || rc == PCRE2_ERROR_DEPTHLIMIT ||
		    rc == PCRE2_ERROR_HEAPLIMIT || rc == PCRE2_ERROR_JIT_STACKLIMIT)
			s->pcre_limit_hits++;
		return SIG_STEP_NOMATCH;
	}
	if (neg)
		return SIG_STEP_NOMATCH;
	const PCRE2_SIZE *ov = pcre2_get_ovector_pointer(s->md);
	PCRE2_SIZE slen = w->b.len - base;
	PCRE2_SIZE mstart = ov[0] <= slen ? ov[0] : slen, mend = ov[1] <= slen ? ov[1] : slen;
	if (w->plan[i] & PLAN_RETRY)
		push(w, i, cursor_in, base + (uint32_t)mstart + 1);
	w->b.cursor = base + (uint32_t)mend;
	return SIG_STEP_MATCH;
}

static enum sig_step step(struct walk *w, unsigned i, int retry, uint32_t from)
{
	const struct kn_rule_opt *o = w->opts[i];
	struct sig_inspect *s = w->s;
	switch (w->kind[i]) {
	case SIG_KIND_CONTENT: case SIG_KIND_URICONTENT: return step_content(w, i, retry, from);
	case SIG_KIND_PCRE: return step_pcre(w, i, retry, from);
	case SIG_KIND_BYTE_TEST: return sig_byte_test(s, o->u.byte, &w->b);
	case SIG_KIND_BYTE_JUMP: return sig_byte_jump(s, o->u.byte, &w->b);
	case SIG_KIND_BYTE_EXTRACT: return sig_byte_extract(s, o->u.byte, &w->b);
	case SIG_KIND_BYTE_MATH: return sig_byte_math(s, o->u.byte, &w->b);
	case SIG_KIND_ISDATAAT: return sig_isdataat(s, o->u.isdataat, &w->b);
	case SIG_KIND_BSIZE: return sig_length(&o->u.num, w->b.len);
	case SIG_KIND_URILEN: return sig_length(&o->u.num, w->b.len > 65535 ? 65535 : w->b.len);
	default: return SIG_STEP_ABORT;
	}
}

/* After a failure: the most recent frame that can retry. 1 with *i, *from
 * and the cursor set for the retry; 0 when the list has failed. */
static int backtrack(struct walk *w, unsigned *i, uint32_t *from)
{
	while (w->top) {
		const struct frame *f = &w->stack[--w->top];
		if (!(w->plan[f->idx] & PLAN_RETRY))
			return 0;    /* a content nothing depends on: Suricata gives up */
		*i = f->idx;
		*from = f->from;
		w->b.cursor = f->cursor_in;
		return 1;
	}
	return 0;
}

static unsigned next_option(const struct walk *w, unsigned i)
{
	while (i < w->n && (w->plan[i] & PLAN_SKIP))
		i++;
	return i;
}

static int walk_list(struct walk *w)
{
	unsigned i = next_option(w, 0);
	uint32_t from = 0;
	int retry = 0;
	for (;;) {
		if (i >= w->n)
			return 1;
		if (!retry) {    /* Suricata counts entries into an option, not retries */
			if (w->s->budget == 0) {
				w->s->budget_hits++;
				return 0;
			}
			w->s->budget--;
		}
		enum sig_step r = step(w, i, retry, from);
		retry = 0;
		if (r == SIG_STEP_MATCH)
			i = next_option(w, i + 1);
		else if (r == SIG_STEP_ABORT || !backtrack(w, &i, &from))
			return 0;
		else
			retry = 1;
	}
}

int sig_inspect_buffer(struct sig_inspect *s, const struct kn_rule_opt *const *opts,
		       pcre2_code *const *re, unsigned n, const uint8_t *buf, uint32_t len)
{
	static const uint8_t empty[1];
	struct walk w;
	if (!s || !s->md || !s->mctx || n > KN_RULE_MAX_OPTIONS || (n && !opts) ||
	    (!buf && len))
		return 0;
	w.s = s;
	w.opts = opts;
	w.re = re;
	w.n = n;
	w.top = 0;
	w.b = (struct sig_buf){ buf ? buf : empty, len, 0 };
	if (!plan_list(&w))
		return 0;
	return walk_list(&w);
}
