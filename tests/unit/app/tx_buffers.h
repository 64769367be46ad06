/*
 * tx_buffers.h - records the named buffers of every logged transaction, as
 * detection would read them, on top of app_test.h (header only; used by the
 * http, ssh, smtp and dhcp parser tests).
 *
 *   at_init(&t, "ssh", 6, 40000, 22);
 *   txb_attach(&t);              // after at_init: wraps the tx hook
 *   ...
 *   KT_CHECK(txb_has(KN_BUF_SSH_SOFTWARE, 1, "OpenSSH_7.4"));
 */
#ifndef KN_TESTS_TX_BUFFERS_H
#define KN_TESTS_TX_BUFFERS_H

#include "app/app_int.h"
#include "app_test.h"

#define TXB_MAX 1024

struct txb_entry {
	uint64_t tx_id;
	unsigned buf, index;
	uint32_t len;
	char *data;   /* len bytes and a NUL */
};

static struct txb_entry txb_v[TXB_MAX];
static unsigned txb_n;

static inline void txb_reset(void)
{
	for (unsigned i = 0; i < txb_n; i++)
		free(txb_v[i].data);
	txb_n = 0;
}

static inline void txb_hook(void *user, const struct kn_flow *flow, const char *app_proto,
			    const struct kn_tx *tx, uint64_t ts_ns, uint64_t pcap_cnt)
{
	at_on_tx(user, flow, app_proto, tx, ts_ns, pcap_cnt);
	for (unsigned b = 0; tx->buffer && b < KN_BUF_COUNT; b++) {
		for (unsigned i = 0; i < 64 && txb_n < TXB_MAX; i++) {
			const uint8_t *d;
			uint32_t n;
			if (!tx->buffer(tx, b, i, &d, &n)) {
				if (i == 0)
					continue;   /* two-sided: the request's may lack */
				break;
			}
			struct txb_entry *e = &txb_v[txb_n++];
			e->tx_id = tx->id;
			e->buf = b;
			e->index = i;
			e->len = n;
			e->data = malloc((size_t)n + 1);
			if (e->data) {
				memcpy(e->data, d, n);
				e->data[n] = '\0';
			}
		}
	}
}

static inline void txb_attach(struct at *t)
{
	txb_reset();
	t->ctx->hooks.tx = txb_hook;
}

/* Number of recorded values of a buffer (all transactions). */
static inline unsigned txb_count(unsigned buf)
{
	unsigned c = 0;
	for (unsigned i = 0; i < txb_n; i++)
		c += txb_v[i].buf == buf;
	return c;
}

/* The recorded value of buffer[index] of transaction tx_id, or NULL. */
static inline const struct txb_entry *txb_get(uint64_t tx_id, unsigned buf, unsigned index)
{
	for (unsigned i = 0; i < txb_n; i++)
		if (txb_v[i].tx_id == tx_id && txb_v[i].buf == buf && txb_v[i].index == index)
			return &txb_v[i];
	return NULL;
}

/* 1 when buffer[index] of transaction tx_id holds exactly s. */
static inline int txb_is(uint64_t tx_id, unsigned buf, unsigned index, const char *s)
{
	const struct txb_entry *b = txb_get(tx_id, buf, index);
	return b && b->data && b->len == strlen(s) && memcmp(b->data, s, b->len) == 0;
}

/* 1 when some transaction had buffer[index] equal to s (exact bytes). */
static inline int txb_has(unsigned buf, unsigned index, const char *s)
{
	for (unsigned i = 0; i < txb_n; i++)
		if (txb_v[i].buf == buf && txb_v[i].index == index && txb_v[i].data &&
		    txb_v[i].len == strlen(s) && memcmp(txb_v[i].data, s, txb_v[i].len) == 0)
			return 1;
	return 0;
}

#endif
