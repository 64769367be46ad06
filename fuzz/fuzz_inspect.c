/*
 * fuzz_inspect.c - libFuzzer target for payload inspection
 * (src/detect/inspect.c, inspect_byte.c). A fixed rule set that uses every
 * inspection keyword and modifier (contents with every position form,
 * negations, backtracking chains, pcre flags and R, all byte_* forms with
 * variables, isdataat, bsize, urilen, a 300-byte nocase content, a
 * 300-content chain that runs into the budget) is loaded once; the input
 * is the buffer every rule's list inspects. Each result must be 0 or 1,
 * the same on a second run, and the budget must only go down.
 * Then a differential check: a content built from the input's first bytes
 * (nocase or not) must be found exactly where a plain scan finds it.
 * Seeds: fuzz/corpus/inspect/.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "detect/inspect.h"
#include "kenchi/rules.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define MAX_RULES 48
#define MAX_LIST 1024

static const char *const rules_text[] = {
	"content:\"GET \"; startswith; content:\"HTTP/1.\"; distance:0; content:!\"admin\"; nocase;",
	"content:\"a\"; content:\"b\"; distance:0; within:1;",
	"content:\"x\"; content:\"y\"; distance:0; within:2; content:\"z\"; distance:0; within:2;",
	"content:\"|00 01|\"; offset:2; depth:8; content:\"AB\"; within:10; isdataat:2,relative;",
	"content:\".exe\"; nocase; endswith;",
	"content:!\".dll\"; endswith;",
	"content:\"k=\"; isdataat:!1,relative;",
	"content:\"d\"; content:\"c\"; distance:-4; within:3; content:!\"q\"; distance:-2;",
	"pcre:\"/^[A-Z]{2,}\\d+/\"; pcre:\"/(a|b)+c/iR\";",
	"pcre:!\"/(a+)+$/\";",
	"pcre:\"/x.{0,4}y/s\"; content:\"z\"; within:3;",
	"pcre:\"/\\x00\\x01/O\"; byte_test:2,>,1000,0,relative;",
	"pcre:\"/^a/mAEG\"; pcre:\"/b\\s*c/xR\"; isdataat:!3,relative;",
	"byte_test:2,=,0x0102,0; byte_test:4,&,0x80,2,little; byte_test:3,!<,100,1,string,dec;",
	"byte_test:1,>,3,0,bitmask 0xf0; content:\"L\"; byte_test:2,<=,500,0,relative,string,hex;",
	"byte_test:8,^,0x1122334455667788,0,dce; byte_test:23,>=,5,1,string,oct;",
	"byte_jump:1,0; content:\"Q\"; within:1;",
	"byte_jump:2,1,relative,little,multiplier 3,align,post_offset -5; isdataat:1,relative;",
	"byte_jump:1,0,from_beginning; byte_jump:1,-2,relative,from_end; content:\"E\"; "
	"distance:0;",
	"byte_jump:4,0,string,dec; byte_jump:0,0,relative; byte_jump:8,0,relative,bitmask 0xff;",
	"byte_extract:1,0,len; content:\"P\"; depth:len; byte_extract:2,0,off,relative,little; "
	"content:\"Q\"; offset:off;",
	"content:\"S\"; byte_extract:1,0,skip,relative,multiplier 2; content:\"T\"; "
	"distance:skip; within:skip; isdataat:skip,relative;",
	"byte_extract:3,0,n,string,hex,align 4; byte_test:1,=,n,1; byte_jump:1,n;",
	"byte_extract:8,0,big; content:\"x\"; depth:big; content:\"y\"; distance:big; "
	"isdataat:!big;",
	"byte_math:bytes 2,offset 0,oper *,rvalue 3,result r; byte_test:1,<,r,2;",
	"byte_extract:1,0,z; byte_math:bytes 1,offset 1,oper /,rvalue z,result q,relative; "
	"byte_math:bytes 1,offset 0,oper <<,rvalue z,result s,bitmask 0xff00,endian little; "
	"content:\"M\"; distance:q;",
	"byte_math:bytes 3,offset 0,oper -,rvalue 100,result w,string dec; "
	"byte_math:bytes 1,offset -1,oper >>,rvalue w,result v,relative,dce; isdataat:v;",
	"isdataat:10; isdataat:!20; content:\"i\"; isdataat:5,relative;",
	"content:\"a\"; content:!\"b\"; distance:1; within:3; content:\"c\"; within:5;",
	"content:\"a\"; content:\"b\"; distance:0; byte_test:1,=,0x31,0,relative;",
};

static const char *const http_rules_text[] = {
	"http.uri; content:\"/\"; bsize:3<>100;",
	"urilen:<50; uricontent:\"/a\"; nocase;",
	"http.uri; bsize:!7; content:\"?\"; pcre:\"/=\\d+$/R\";",
};

struct list {
	const struct kn_rule_opt *opts[MAX_LIST];
	pcre2_code *re[MAX_LIST];
	unsigned n;
};

static struct {
	struct kn_ruleset *rs;
	struct list lists[MAX_RULES];
	unsigned n;
	struct sig_inspect s;
	int kw_content;
} F;

/* The rule file: every rule of both tables, a 300-byte nocase content,
 * and a chain of 300 contents each within 1 of the one before. */
static char *rules_file(void)
{
	size_t cap = 64 * 1024, w = 0;
	char *t = malloc(cap);
	if (!t)
		abort();
	unsigned sid = 1;
	for (size_t i = 0; i < sizeof rules_text / sizeof rules_text[0]; i++)
		w += (size_t)snprintf(t + w, cap - w, "alert tcp any any -> any any (%s sid:%u;)\n",
				      rules_text[i], sid++);
	for (size_t i = 0; i < sizeof http_rules_text / sizeof http_rules_text[0]; i++)
		w += (size_t)snprintf(t + w, cap - w, "alert http any any -> any any (%s sid:%u;)\n",
				      http_rules_text[i], sid++);
	w += (size_t)snprintf(t + w, cap - w, "alert tcp any any -> any any (content:\"");
	memset(t + w, 'A', 299);
	w += 299;
	w += (size_t)snprintf(t + w, cap - w, "b\"; nocase; sid:%u;)\n", sid++);
	w += (size_t)snprintf(t + w, cap - w, "alert tcp any any -> any any (content:\"a\";");
	for (int i = 0; i < 299; i++)
		w += (size_t)snprintf(t + w, cap - w, " content:\"a\"; within:1;");
	snprintf(t + w, cap - w, " sid:%u;)\n", sid);
	return t;
}

static void load_once(void)
{
	char err[KN_ERRBUF_SIZE];
	struct kn_rules_file_stats st;
	char *text = rules_file();
	F.rs = kn_ruleset_new(NULL, err);
	if (!F.rs || kn_ruleset_load_mem(F.rs, "fuzz_inspect.rules", text, strlen(text), &st,
					 err) != 0 || st.failed) {
		fprintf(stderr, "fuzz_inspect: rule set does not load: %s\n",
			F.rs && kn_ruleset_error(F.rs, 0) ? kn_ruleset_error(F.rs, 0)->message : err);
		abort();
	}
	free(text);
	F.n = (unsigned)kn_ruleset_count(F.rs);
	if (F.n > MAX_RULES || sig_inspect_init(&F.s) != 0)
		abort();
	for (unsigned r = 0; r < F.n; r++) {
		const struct kn_rule *rule = kn_ruleset_rule(F.rs, r);
		struct list *l = &F.lists[r];
		for (uint32_t i = 0; i < rule->n_opts && l->n < MAX_LIST; i++) {
			const struct kn_rule_opt *o = &rule->opts[i];
			if (!sig_inspect_keyword(o->kw))
				continue;
			l->opts[l->n] = o;
			if ((int)o->kw == kn_rule_keyword_by_name("pcre")) {
				l->re[l->n] = sig_pcre_compile(o->u.pcre, err, sizeof err);
				if (!l->re[l->n])
					abort();
			}
			l->n++;
		}
	}
	F.kw_content = kn_rule_keyword_by_name("content");
}

static int run(const struct list *l, const uint8_t *buf, uint32_t len)
{
	memset(F.s.vars, 0, sizeof F.s.vars);
	F.s.budget = SIG_INSPECT_BUDGET;
	int r = sig_inspect_buffer(&F.s, l->opts, l->re, l->n, buf, len);
	if ((r != 0 && r != 1) || F.s.budget > SIG_INSPECT_BUDGET)
		abort();
	return r;
}

static uint8_t fold(uint8_t c)
{
	return c >= 'A' && c <= 'Z' ? (uint8_t)(c + 32) : c;
}

static int plain_find(const uint8_t *h, size_t n, const uint8_t *p, size_t m, int nocase)
{
	for (size_t i = 0; i + m <= n; i++) {
		size_t j = 0;
		while (j < m && (nocase ? fold(h[i + j]) == fold(p[j]) : h[i + j] == p[j]))
			j++;
		if (j == m)
			return 1;
	}
	return 0;
}

/* data[0..1]: pattern length (0..511) and nocase; pattern follows, the
 * rest is the buffer. */
static void differential(const uint8_t *data, size_t size)
{
	if (size < 3)
		return;
	size_t m = (size_t)data[0] | (size_t)(data[1] & 1) << 8;
	int nocase = (data[1] & 2) != 0;
	if (m == 0 || m > size - 2)
		return;
	const uint8_t *pat = data + 2, *h = data + 2 + m;
	size_t n = size - 2 - m;
	struct kn_rule_content c = { .bytes = pat, .len = (uint32_t)m,
				     .flags = nocase ? KN_CONTENT_NOCASE : 0 };
	c.depth.var = c.offset.var = c.distance.var = c.within.var = -1;
	struct kn_rule_opt o = { .kw = (uint16_t)F.kw_content, .buffer = KN_RULE_BUF_PAYLOAD };
	o.u.content = &c;
	struct list *l = &F.lists[MAX_RULES - 1];
	l->opts[0] = &o;
	l->re[0] = NULL;
	l->n = 1;
	if (run(l, h, (uint32_t)n) != plain_find(h, n, pat, m, nocase))
		abort();
	l->n = 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (!F.rs)
		load_once();
	if (size > (1u << 20))
		return 0;
	for (unsigned r = 0; r < F.n; r++) {
		const struct list *l = &F.lists[r];
		int a = run(l, data, (uint32_t)size);
		if (run(l, data, (uint32_t)size) != a)
			abort();
		if (size > 1)
			(void)run(l, data + 1, (uint32_t)size - 1);
	}
	differential(data, size);
	return 0;
}
