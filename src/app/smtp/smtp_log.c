/*
 * smtp_log.c - what the SMTP parser hands on: the EVE body of a
 * transaction as Suricata 7 writes it ("smtp": {"helo", "mail_from",
 * "rcpt_to": [...]} and, when a message was sent with DATA, "email":
 * {"status", "from", "to": [...], "cc": [...], "attachment": [...]}), the
 * named buffers (smtp.helo, smtp.mail_from: index 0; smtp.rcpt_to: one
 * index per recipient), and the server asset read from the greeting.
 *
 * App stage, called by smtp.c. "to" and "cc" are the header values split
 * at commas with surrounding white space removed, as Suricata splits them.
 */
#include <ctype.h>
#include <stdio.h>
#include <string.h>

#include "app/smtp/smtp.h"
#include "util/json.h"

static const char *const status_names[] = {
	[MAIL_HEADER_READY] = "HEADER_READY",
	[MAIL_HEADER_STARTED] = "HEADER_STARTED",
	[MAIL_BODY_STARTED] = "BODY_STARTED",
	[MAIL_PARSE_DONE] = "PARSE_DONE",
	[MAIL_PARSE_ERROR] = "PARSE_ERROR",
};

static void json_arena(struct kn_json *j, const char *key, const struct smtp_tx *tx,
		       const struct smtp_str *s)
{
	kn_json_strn(j, key, tx->arena + s->off, s->len);
}

/* An address list split at commas, each item trimmed, empty ones skipped. */
static void json_split(struct kn_json *j, const char *key, const struct smtp_tx *tx,
		       const struct smtp_str *s)
{
	const char *p = tx->arena + s->off, *end = p + s->len;

	kn_json_open_array(j, key);
	while (p < end) {
		const char *comma = memchr(p, ',', (size_t)(end - p));
		const char *e = comma ? comma : end;
		const char *b = p;
		while (b < e && isspace((unsigned char)*b))
			b++;
		while (e > b && isspace((unsigned char)e[-1]))
			e--;
		if (e > b)
			kn_json_strn(j, NULL, b, (size_t)(e - b));
		p = comma ? comma + 1 : end;
	}
	kn_json_close_array(j);
}

static void log_email(const struct smtp_tx *tx, struct kn_json *j)
{
	kn_json_open(j, "email");
	kn_json_str(j, "status", status_names[tx->status]);
	if (tx->has_from)
		json_arena(j, "from", tx, &tx->from);
	if (tx->has_to)
		json_split(j, "to", tx, &tx->to);
	if (tx->has_cc)
		json_split(j, "cc", tx, &tx->cc);
	if (tx->n_attach) {
		kn_json_open_array(j, "attachment");
		for (unsigned i = 0; i < tx->n_attach; i++)
			json_arena(j, NULL, tx, &tx->attach[i]);
		kn_json_close_array(j);
	}
	kn_json_close(j);
}

static void smtp_log_body(const struct kn_tx *ktx, struct kn_json *j)
{
	const struct smtp_state *st = ktx->priv;
	const struct smtp_tx *tx = &st->tx;

	kn_json_open(j, "smtp");
	if (st->has_helo)
		kn_json_strn(j, "helo", st->helo, st->helo_len);
	if (tx->has_mail_from)
		json_arena(j, "mail_from", tx, &tx->mail_from);
	if (tx->n_rcpt) {
		kn_json_open_array(j, "rcpt_to");
		for (unsigned i = 0; i < tx->n_rcpt; i++)
			json_arena(j, NULL, tx, &tx->rcpt[i]);
		kn_json_close_array(j);
	}
	kn_json_close(j);
	if (tx->has_msg)
		log_email(tx, j);
}

static int smtp_buffer(const struct kn_tx *ktx, unsigned buf, unsigned index,
		       const uint8_t **data, uint32_t *len)
{
	const struct smtp_state *st = ktx->priv;
	const struct smtp_tx *tx = &st->tx;
	const struct smtp_str *s;

	if (buf == KN_BUF_SMTP_HELO && index == 0 && st->has_helo) {
		*data = (const uint8_t *)st->helo;
		*len = st->helo_len;
		return 1;
	}
	if (buf == KN_BUF_SMTP_MAIL_FROM && index == 0 && tx->has_mail_from)
		s = &tx->mail_from;
	else if (buf == KN_BUF_SMTP_RCPT_TO && index < tx->n_rcpt)
		s = &tx->rcpt[index];
	else
		return 0;
	*data = (const uint8_t *)tx->arena + s->off;
	*len = s->len;
	return 1;
}

void smtp_log_tx(struct kn_app_call *c, struct smtp_state *st)
{
	struct kn_tx tx = {
		.id = st->tx.id,
		.dir = 0,
		.log_tx_id = 1,
		.log = smtp_log_body,
		.buffer = smtp_buffer,
		.priv = st,
	};

	kn_app_log(c, &tx);
}

/* ------------------------------------------------------------ assets */

/* Case-insensitive search of word in text[0..len). */
static const char *find_ci(const char *text, size_t len, const char *word)
{
	size_t n = strlen(word);

	for (size_t i = 0; i + n <= len; i++) {
		size_t k = 0;
		while (k < n && tolower((unsigned char)text[i + k]) == word[k])
			k++;
		if (k == n)
			return text + i;
	}
	return NULL;
}

/* The version after `at` (skipping "word" and separators) if it starts with
 * a digit: up to white space, '/', ';' or ','. */
static void version_after(const char *at, const char *end, char *version, size_t size)
{
	size_t n = 0;

	while (at < end && !isspace((unsigned char)*at))
		at++;
	while (at < end && (isspace((unsigned char)*at) || *at == ':' || *at == ','))
		at++;
	if (at < end && !isdigit((unsigned char)*at))
		return;
	while (at + n < end && n < size - 1 && !isspace((unsigned char)at[n]) && at[n] != '/' &&
	       at[n] != ';' && at[n] != ',')
		n++;
	memcpy(version, at, n);
	version[n] = '\0';
}

int smtp_greeting_product(const char *text, size_t len, char *product, size_t product_size,
			  char *version, size_t version_size)
{
	static const struct {
		const char *needle, *product;
		const char *version_word;   /* the version follows this word */
	} known[] = {
		{ "postfix", "postfix", NULL },
		{ "exim", "exim", "exim" },
		{ "sendmail", "sendmail", "sendmail" },
		{ "microsoft esmtp", "microsoft esmtp", "version" },
	};
	const char *end = text + len;

	product[0] = version[0] = '\0';
	for (size_t i = 0; i < sizeof known / sizeof known[0]; i++) {
		const char *at = find_ci(text, len, known[i].needle);
		if (!at)
			continue;
		snprintf(product, product_size, "%s", known[i].product);
		if (known[i].version_word) {
			const char *v = find_ci(at, (size_t)(end - at), known[i].version_word);
			if (v)
				version_after(v, end, version, version_size);
		}
		return 1;
	}
	return 0;
}

void smtp_report_server(struct kn_app_call *c, const struct smtp_state *st)
{
	char product[32], version[64];
	struct kn_asset a;

	memset(&a, 0, sizeof a);
	a.role = KN_ASSET_SERVER;
	a.service = "smtp";
	a.banner = st->banner;
	if (smtp_greeting_product(st->banner, st->banner_len, product, sizeof product, version,
				  sizeof version)) {
		a.product = product;
		a.version = version[0] ? version : NULL;
	}
	kn_app_asset(c, &a);
}
