/*
 * http.c - the HTTP/1.x parser's entry points: registration (name "http",
 * TCP, ports 80 and 8080 as tie-breakers), the content probe, per-flow
 * state, the transaction list, and the memory helpers every file of the
 * folder uses (all charged to the app-layer memcap).
 *
 * App stage (src/app): the app core calls http_parse with reassembled bytes
 * of one direction in any chunking, gaps and ends of direction, and
 * http_flow_end at the end. The message state machine is http_conn.c. A
 * transaction is logged exactly once: when both its messages are complete,
 * or at flow end with what was seen.
 */
#include <string.h>

#include "app/http/http_int.h"

/* ------------------------------------------------------------ memory */

int http_mem_charge(struct http_state *st, size_t n)
{
	if (kn_app_mem_charge(st->c, n) == 0)
		return 0;
	if (!st->nomem_reported) {
		st->nomem_reported = 1;
		http_event(st, 0, "MEMCAP_REACHED");
	}
	return -KN_ENOMEM;
}

void http_mem_credit(struct http_state *st, size_t n)
{
	kn_app_mem_credit(st->c, n);
}

/* The capacity b grows to for `need` bytes: doubling from 128, at most
 * max (the doubling keeps block sizes the pool takes). */
static uint32_t grown_cap(const struct http_buf *b, uint32_t need, uint32_t max)
{
	uint32_t cap = b->cap ? b->cap : 128;

	while (cap < need)
		cap = cap > max / 2 ? max : cap * 2;
	return cap;
}

/* Moves b to a block of cap bytes, already charged. */
static int move_to(struct http_state *st, struct http_buf *b, uint32_t cap)
{
	uint8_t *p = http_block_alloc(st, cap);

	if (!p)
		return -KN_ENOMEM;
	if (b->len)
		memcpy(p, b->p, b->len);
	http_block_free(st, b->p, b->cap);
	b->p = p;
	b->cap = cap;
	return 0;
}

uint32_t http_buf_add_grow(struct http_state *st, struct http_buf *b, const void *d,
			   uint32_t n, uint32_t max)
{
	uint32_t room = max > b->len ? max - b->len : 0;

	if (n > room)
		n = room;
	if (!n)
		return 0;
	if (b->len + n > b->cap) {
		uint32_t cap = grown_cap(b, b->len + n, max);
		if (http_mem_charge(st, cap - b->cap) != 0)
			return 0;
		if (move_to(st, b, cap) != 0) {
			http_mem_credit(st, cap - b->cap);
			return 0;
		}
	}
	if (d)
		memcpy(b->p + b->len, d, n);
	b->len += n;
	return n;
}

void http_buf_reserve(struct http_state *st, struct http_buf *b, uint32_t n, uint32_t max)
{
	uint32_t room = max > b->len ? max - b->len : 0, cap;

	if (n > room)
		n = room;
	if (!n || b->len + n <= b->cap)
		return;
	cap = grown_cap(b, b->len + n, max);
	if (kn_app_mem_charge(st->c, cap - b->cap) != 0)
		return;
	if (move_to(st, b, cap) != 0)
		kn_app_mem_credit(st->c, cap - b->cap);
}

void http_buf_free(struct http_state *st, struct http_buf *b)
{
	if (b->p) {
		http_mem_credit(st, b->cap);
		http_block_free(st, b->p, b->cap);
	}
	b->p = NULL;
	b->len = b->cap = 0;
}

void http_event(struct http_state *st, int dir, const char *event)
{
	kn_app_event(st->c, dir, event);
}

/* ------------------------------------------------------------ methods */

struct method {
	const char *name;
	uint8_t id;
	uint8_t len;               /* strlen(name), filled in by M() */
};

#define M(name, id) { name, id, sizeof name - 1 }

/* libhtp's known methods (they decide pipelining), then methods that only
 * make the probe say yes. */
static const struct method methods[] = {
	M("GET", HTTP_M_GET), M("POST", HTTP_M_POST), M("HEAD", HTTP_M_HEAD),
	M("PUT", HTTP_M_PUT), M("CONNECT", HTTP_M_CONNECT),
	M("DELETE", HTTP_M_OTHER_KNOWN), M("OPTIONS", HTTP_M_OTHER_KNOWN),
	M("TRACE", HTTP_M_OTHER_KNOWN), M("PATCH", HTTP_M_OTHER_KNOWN),
	M("PROPFIND", HTTP_M_OTHER_KNOWN), M("PROPPATCH", HTTP_M_OTHER_KNOWN),
	M("MKCOL", HTTP_M_OTHER_KNOWN), M("COPY", HTTP_M_OTHER_KNOWN),
	M("MOVE", HTTP_M_OTHER_KNOWN), M("LOCK", HTTP_M_OTHER_KNOWN),
	M("UNLOCK", HTTP_M_OTHER_KNOWN), M("VERSION-CONTROL", HTTP_M_OTHER_KNOWN),
	M("CHECKOUT", HTTP_M_OTHER_KNOWN), M("UNCHECKOUT", HTTP_M_OTHER_KNOWN),
	M("CHECKIN", HTTP_M_OTHER_KNOWN), M("UPDATE", HTTP_M_OTHER_KNOWN),
	M("LABEL", HTTP_M_OTHER_KNOWN), M("REPORT", HTTP_M_OTHER_KNOWN),
	M("MKWORKSPACE", HTTP_M_OTHER_KNOWN), M("MKACTIVITY", HTTP_M_OTHER_KNOWN),
	M("BASELINE-CONTROL", HTTP_M_OTHER_KNOWN), M("MERGE", HTTP_M_OTHER_KNOWN),
	M("NOTIFY", HTTP_M_UNKNOWN), M("SUBSCRIBE", HTTP_M_UNKNOWN),
	M("UNSUBSCRIBE", HTTP_M_UNKNOWN), M("SEARCH", HTTP_M_UNKNOWN),
	M("PURGE", HTTP_M_UNKNOWN),
};

#define N_METHODS (sizeof methods / sizeof methods[0])

uint8_t http_method_lookup(const uint8_t *m, size_t n)
{
	for (size_t i = 0; i < N_METHODS; i++)
		if (methods[i].len == n && memcmp(methods[i].name, m, n) == 0)
			return methods[i].id;
	return HTTP_M_UNKNOWN;
}

/* ------------------------------------------------------------- probe */

/* Another text protocol that borrows HTTP's request syntax (RTSP, SIP). */
static int other_protocol(const uint8_t *data, uint32_t len)
{
	const uint8_t *lf = memchr(data, '\n', len);
	uint32_t n;

	if (!lf)
		return 0;
	n = (uint32_t)(lf - data);
	while (n && (data[n - 1] == '\r' || data[n - 1] == ' '))
		n--;
	for (uint32_t i = n; i > 0; i--) {
		if (data[i - 1] == ' ') {
			const uint8_t *t = data + i;
			uint32_t tl = n - i;
			return (tl >= 5 && memcmp(t, "RTSP/", 5) == 0) ||
			       (tl >= 4 && memcmp(t, "SIP/", 4) == 0);
		}
	}
	return 0;
}

static int http_probe(const uint8_t *data, uint32_t len, int dir, unsigned ipproto)
{
	static const char resp[] = "HTTP/1.";
	int more = 0;

	(void)dir, (void)ipproto;
	if (!len)
		return KN_PROBE_MORE;
	if (data[0] < 'A' || data[0] > 'Z')
		return KN_PROBE_NO;   /* every method and "HTTP/1." start so */
	if (memcmp(data, resp, len < 7 ? len : 7) == 0)
		return len < 7 ? KN_PROBE_MORE : KN_PROBE_YES;
	for (size_t i = 0; i < N_METHODS; i++) {
		size_t n = methods[i].len;
		if (methods[i].name[0] != data[0])
			continue;
		if (len > n && memcmp(data, methods[i].name, n) == 0 && data[n] == ' ')
			return other_protocol(data, len) ? KN_PROBE_NO : KN_PROBE_YES;
		if (len <= n && memcmp(data, methods[i].name, len) == 0)
			more = 1;
	}
	return more ? KN_PROBE_MORE : KN_PROBE_NO;
}

/* ------------------------------------------------------- transactions */

/* Transactions live in pool blocks (one per request, made and freed by
 * the thousand): the smallest block size that holds one. The flow is
 * charged sizeof(struct http_tx) for it. */
#define TX_BLOCK 1024u
_Static_assert(sizeof(struct http_tx) <= TX_BLOCK, "a transaction fits its block");

static void tx_free(struct http_state *st, struct http_tx *tx)
{
	http_msg_free(st, &tx->req);
	http_msg_free(st, &tx->res);
	http_buf_free(st, &tx->host);
	http_buf_free(st, &tx->uri_norm);
	http_body_free(st, &tx->body[0]);
	http_body_free(st, &tx->body[1]);
	http_mp_free(st, tx);
	http_block_free(st, tx, TX_BLOCK);
	http_mem_credit(st, sizeof *tx);
}

struct http_tx *http_tx_new(struct http_state *st)
{
	struct http_tx *tx;

	if (st->n_tx >= HTTP_TX_MAX) {
		http_event(st, 0, "TOO_MANY_TRANSACTIONS");
		return NULL;
	}
	if (http_mem_charge(st, sizeof *tx) != 0)
		return NULL;
	tx = http_block_alloc(st, TX_BLOCK);
	if (!tx) {
		http_mem_credit(st, sizeof *tx);
		return NULL;
	}
	memset(tx, 0, sizeof *tx);
	tx->id = st->next_id++;
	tx->status_num = -1;
	tx->req_proto = HTTP_P_09;
	if (st->tail)
		st->tail->next = tx;
	else
		st->head = tx;
	st->tail = tx;
	st->n_tx++;
	if (!st->res_next)
		st->res_next = tx;
	return tx;
}

void http_try_log(struct http_state *st, int all)
{
	struct http_tx *prev = NULL, *tx = st->head, *next;

	for (; tx; tx = next) {
		next = tx->next;
		if (!all && !(tx->req_done && tx->res_done)) {
			prev = tx;
			continue;
		}
		/* At flow end an unfinished body is a truncated file. */
		if (!tx->req_done)
			http_body_end(st, tx, 0, 0);
		if (!tx->res_done)
			http_body_end(st, tx, 1, 0);
		http_log_tx(st, tx);
		if (prev)
			prev->next = next;
		else
			st->head = next;
		if (st->tail == tx)
			st->tail = prev;
		if (st->res_next == tx)
			st->res_next = next;
		for (int d = 0; d < 2; d++)
			if (st->d[d].tx == tx)
				st->d[d].tx = NULL;
		st->n_tx--;
		tx_free(st, tx);
	}
}

/* ------------------------------------------------------ parser calls */

/* The parser call c starts (NULL: it ended). The pool is the worker's,
 * the same for every call on the flow: it is looked up once. */
static void enter(struct http_state *st, struct kn_app_call *c)
{
	st->c = c;
	if (c && !st->pool)
		st->pool = kn_app_parser_ctx(c);
}

static int http_state_init(void *state, struct kn_app_call *c)
{
	struct http_state *st = state;

	(void)c;
	st->d[0].dir = 0;
	st->d[1].dir = 1;
	return 0;
}

static void http_parse(void *state, struct kn_app_call *c, int dir, const uint8_t *data,
		       uint32_t len, unsigned flags)
{
	struct http_state *st = state;

	enter(st, c);
	if (flags & KN_APP_GAP)
		http_conn_gap(st, dir, len);
	else if (len)
		http_conn_data(st, dir, data, len);
	if (flags & KN_APP_EOF)
		http_conn_eof(st, dir);
	enter(st, NULL);
}

static void http_flow_end(void *state, struct kn_app_call *c)
{
	struct http_state *st = state;

	enter(st, c);
	http_conn_eof(st, 0);
	http_conn_eof(st, 1);
	http_try_log(st, 1);
	enter(st, NULL);
}

static void http_state_free(void *state, struct kn_app_call *c)
{
	struct http_state *st = state;
	struct http_tx *tx, *next;

	enter(st, c);
	for (tx = st->head; tx; tx = next) {
		next = tx->next;
		tx_free(st, tx);
	}
	st->head = st->tail = st->res_next = NULL;
	for (int d = 0; d < 2; d++) {
		http_buf_free(st, &st->d[d].cur);
		http_buf_free(st, &st->d[d].fold);
	}
	enter(st, NULL);
}

const struct kn_app_parser kn_app_parser_http = {
	.name = "http",
	.ipprotos = KN_APP_TCP,
	.ports = { 80, 8080 },
	.probe = http_probe,
	.state_size = sizeof(struct http_state),
	.state_init = http_state_init,
	.parse = http_parse,
	.flow_end = http_flow_end,
	.state_free = http_state_free,
	.ctx_size = sizeof(struct http_pool),
	.ctx_init = http_pool_init,
	.ctx_free = http_pool_free,
};

/* ------------------------------------------------------ body limits */

static uint32_t body_limit(const struct http_state *st)
{
	uint64_t v = st->c ? kn_app_call_config(st->c)->http_body_limit : 0;
	return v > HTTP_BODY_LIMIT_MAX ? HTTP_BODY_LIMIT_MAX : (uint32_t)v;
}

uint32_t http_keep_max(const struct http_state *st)
{
	uint32_t v = body_limit(st);
	return v ? v : HTTP_BODY_KEEP;
}

uint32_t http_track_max(const struct http_state *st)
{
	uint32_t v = body_limit(st);
	return v ? v : HTTP_FILE_TRACK_MAX;
}
