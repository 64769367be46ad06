/*
 * smtp.c - the SMTP parser (RFC 5321): client commands and server replies
 * matched in order (pipelining, RFC 2920), transactions, DATA and BDAT
 * (RFC 3030) bodies, STARTTLS.
 *
 * App stage (TCP). Both directions are split into lines (LF, optional CR).
 * A command or reply line longer than SMTP_LINE_MAX is dropped with
 * TRUNCATED_LINE; message lines after DATA are never kept whole: their
 * first SMTP_LINE_MAX bytes go to smtp_mime.c and the rest is skipped, so a
 * body costs no memory whatever its size, and DATA that never ends is just
 * skipped to the end of the flow. BDAT chunks are skipped by their length
 * (the LAST one ends the mail). Lines that would change nothing (body lines
 * that are no boundary, end or over-long line; in a one-sided capture,
 * client lines that are no command once the command queue is full) are
 * stepped over from line end to line end.
 * Each command is queued (at most SMTP_CMDQ_MAX) for its reply: 354 opens a
 * DATA body (at once when the server announced PIPELINING), 250 to RSET
 * ends the transaction, 220 to STARTTLS ends it and parsing (the rest is
 * TLS). A reply that is not three digits from 2xx to 5xx is INVALID_REPLY
 * and ends parsing of the server side.
 */
#include <ctype.h>
#include <string.h>

#include "app/smtp/smtp.h"
#include "util/alloc.h"

/* ------------------------------------------------------------ probe */

/* 1 when the first n bytes of p equal word's, ignoring case (word is
 * lower case and at least n long). */
static int same_ci(const uint8_t *p, const char *word, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		uint8_t c = p[i];
		if (c >= 'A' && c <= 'Z')
			c = (uint8_t)(c + ('a' - 'A')); /* ASCII: no locale lookup per byte */
		if (c != (uint8_t)word[i])
			return 0;
	}
	return 1;
}

/* Case-insensitive: p (len bytes) starts with word, a lower-case string
 * literal (its length is then known at compile time: no strlen per line;
 * the "" concatenation rejects anything but a literal). */
#define prefix_ci(p, len, word) \
	((len) >= sizeof("" word) - 1 && same_ci((p), (word), sizeof("" word) - 1))

/* Server: "220 " or "220-" whose first line mentions SMTP (an FTP greeting
 * looks the same otherwise). */
static int probe_greeting(const uint8_t *data, uint32_t len)
{
	const uint8_t *lf;
	uint32_t end;

	if (memcmp(data, "220", len < 3 ? len : 3) != 0)
		return KN_PROBE_NO;
	if (len < 4)
		return KN_PROBE_MORE;
	if (data[3] != ' ' && data[3] != '-')
		return KN_PROBE_NO;
	lf = memchr(data, '\n', len);
	end = lf ? (uint32_t)(lf - data) : len;
	for (uint32_t i = 4; i + 4 <= end; i++)
		if (same_ci(data + i, "smtp", 4))
			return KN_PROBE_YES;
	return lf ? KN_PROBE_NO : KN_PROBE_MORE;
}

/* Client: HELO or EHLO and a separator. */
static int smtp_probe(const uint8_t *data, uint32_t len, int dir, unsigned ipproto)
{
	(void)ipproto;
	if (dir == 1)
		return probe_greeting(data, len);
	for (int k = 0; k < 2; k++) {
		const char *w = k ? "ehlo" : "helo";
		if (!same_ci(data, w, len < 4 ? len : 4))
			continue;
		if (len < 5)
			return KN_PROBE_MORE;
		if (data[4] == ' ' || data[4] == '\r' || data[4] == '\n')
			return KN_PROBE_YES;
	}
	return KN_PROBE_NO;
}

/* ----------------------------------------------------- transactions */

int smtp_tx_store(struct kn_app_call *c, struct smtp_tx *tx, const char *p, size_t n,
		  struct smtp_str *out)
{
	if (n > SMTP_TX_ARENA_MAX - tx->arena_len)
		return -1;
	if (!tx->arena || tx->arena_len + n > tx->arena_cap) {   /* exists even for "" */
		uint32_t cap = tx->arena_cap ? tx->arena_cap : 256;
		char *a;
		while (cap < tx->arena_len + n)
			cap *= 2;
		if (cap > SMTP_TX_ARENA_MAX)
			cap = SMTP_TX_ARENA_MAX;
		if (kn_app_mem_charge(c, cap - tx->arena_cap) != 0)
			return -1;
		a = kn_realloc_array(tx->arena, cap, 1);
		if (!a) {
			kn_app_mem_credit(c, cap - tx->arena_cap);
			return -1;
		}
		tx->arena = a;
		tx->arena_cap = cap;
	}
	if (n)
		memcpy(tx->arena + tx->arena_len, p, n);
	out->off = tx->arena_len;
	out->len = (uint32_t)n;
	tx->arena_len += (uint32_t)n;
	return 0;
}

static void tx_release(struct kn_app_call *c, struct smtp_tx *tx)
{
	kn_free(tx->arena);
	kn_app_mem_credit(c, tx->arena_cap);
	memset(tx, 0, sizeof *tx);
}

/* Logs the current transaction if it has not been. */
static void tx_log(struct kn_app_call *c, struct smtp_state *st)
{
	if (st->has_tx && !st->tx.logged) {
		st->tx.logged = 1;
		smtp_log_tx(c, st);
	}
}

static void tx_complete(struct kn_app_call *c, struct smtp_state *st)
{
	if (!st->has_tx)
		return;
	st->tx.done = 1;
	tx_log(c, st);
}

/* A command arrives: it belongs to the current transaction unless that one
 * is complete, then a new one starts. */
static void tx_for_command(struct kn_app_call *c, struct smtp_state *st)
{
	if (st->has_tx && !st->tx.done)
		return;
	if (st->has_tx)
		tx_release(c, &st->tx);
	st->tx.id = st->tx_count++;
	st->has_tx = 1;
}

/* ------------------------------------------------------ command queue */

static void cmd_push(struct smtp_state *st, uint8_t cmd)
{
	if (st->cmdq_len == SMTP_CMDQ_MAX)
		return;   /* a one-sided capture: replies will never come */
	st->cmdq[(st->cmdq_head + st->cmdq_len) % SMTP_CMDQ_MAX] = cmd;
	st->cmdq_len++;
}

static int cmd_front(const struct smtp_state *st)
{
	return st->cmdq_len ? st->cmdq[st->cmdq_head] : -1;
}

static void cmd_pop(struct smtp_state *st)
{
	if (!st->cmdq_len)
		return;
	st->cmdq_head = (uint8_t)((st->cmdq_head + 1) % SMTP_CMDQ_MAX);
	st->cmdq_len--;
}

/* ---------------------------------------------------------- commands */

/* The parameter of a command: after `skip` bytes and spaces, up to the
 * next space ("MAIL FROM:<a@b> SIZE=10" -> "<a@b>"). */
static void command_param(const uint8_t *line, uint32_t len, uint32_t skip, const char **p,
			  size_t *n)
{
	uint32_t i = skip < len ? skip : len, e;

	while (i < len && line[i] == ' ')
		i++;
	e = i;
	while (e < len && line[e] != ' ')
		e++;
	*p = (const char *)line + i;
	*n = e - i;
}

static void cmd_helo(struct kn_app_call *c, struct smtp_state *st, const uint8_t *line,
		     uint32_t len)
{
	const char *p;
	size_t n;

	if (st->has_helo) {
		kn_app_event(c, 0, "DUPLICATE_FIELDS");
		return;
	}
	command_param(line, len, 5, &p, &n);
	if (kn_app_mem_charge(c, n + 1) != 0)
		return;
	st->helo = kn_malloc(n + 1);
	if (!st->helo) {
		kn_app_mem_credit(c, n + 1);
		return;
	}
	memcpy(st->helo, p, n);
	st->helo_len = (uint32_t)n;
	st->has_helo = 1;
}

static void cmd_mail(struct kn_app_call *c, struct smtp_state *st, const uint8_t *line,
		     uint32_t len)
{
	const char *p;
	size_t n;

	if (st->tx.has_mail_from) {
		kn_app_event(c, 0, "DUPLICATE_FIELDS");
		return;
	}
	command_param(line, len, 10, &p, &n);
	if (smtp_tx_store(c, &st->tx, p, n, &st->tx.mail_from) == 0)
		st->tx.has_mail_from = 1;
}

static void cmd_rcpt(struct kn_app_call *c, struct smtp_state *st, const uint8_t *line,
		     uint32_t len)
{
	const char *p;
	size_t n;

	if (st->tx.n_rcpt >= SMTP_RCPT_MAX)
		return;
	command_param(line, len, 8, &p, &n);
	if (smtp_tx_store(c, &st->tx, p, n, &st->tx.rcpt[st->tx.n_rcpt]) == 0)
		st->tx.n_rcpt++;
}

/* DATA: a message starts; a second DATA before the end of the first is a
 * new transaction (the first one's message is unusable). */
static void cmd_data(struct kn_app_call *c, struct smtp_state *st)
{
	if (st->tx.has_msg && !st->tx.msg_rejected) {
		kn_app_event(c, 0, "UNPARSABLE_CONTENT");
		smtp_mime_end(c, st, 0);
		st->tx.status = MAIL_PARSE_ERROR;
		tx_complete(c, st);
		tx_for_command(c, st);
	}
	st->tx.has_msg = 1;
	st->tx.msg_rejected = 0;
	st->tx.status = MAIL_HEADER_READY;
	if (smtp_mime_begin(c, st) != 0)
		st->tx.status = MAIL_PARSE_ERROR;
	if (st->pipelining)
		st->data_mode = 1;
}

/* The last byte of a BDAT chunk: the LAST one ends the mail. */
static void bdat_chunk_end(struct kn_app_call *c, struct smtp_state *st)
{
	if (st->bdat_last) {
		st->bdat_last = 0;
		tx_complete(c, st);
	}
}

/* "BDAT <size> [LAST]" (RFC 3030 2): the next size bytes are message data.
 * Any other syntax is refused by the server, which then reads what follows
 * as commands: so do we (a chunk skipped here would hide them). */
static void cmd_bdat(struct kn_app_call *c, struct smtp_state *st, const uint8_t *line,
		     uint32_t len)
{
	uint32_t i = 4;
	uint64_t size = 0;
	int digits = 0, last = 0;

	while (i < len && line[i] == ' ')
		i++;
	while (i < len && isdigit(line[i]) && digits < 19) {
		size = size * 10 + (uint64_t)(line[i++] - '0');
		digits++;
	}
	while (i < len && line[i] == ' ')
		i++;
	if (prefix_ci(line + i, len - i, "last")) {
		last = 1;
		i += 4;
	}
	while (i < len && line[i] == ' ')
		i++;
	if (!digits || i < len || line[4] != ' ')
		return;
	st->bdat_left = size;
	st->bdat_last = (uint8_t)last;
	if (!size && last)
		bdat_chunk_end(c, st);
}

static void command_line(struct kn_app_call *c, struct smtp_state *st, const uint8_t *line,
			 uint32_t len)
{
	uint8_t cmd = CMD_OTHER;
	/* The first letter in lower case picks the one or two commands to
	 * compare (only 'S' and 's' give 's', and so on: the full prefix
	 * comparison still decides). Lines that are no command (a message
	 * read as commands when the DATA was not seen) cost one test. */
	uint8_t first = len ? (uint8_t)(line[0] | 0x20) : 0;

	tx_for_command(c, st);
	if (!st->first_reply && !st->warned_welcome) {
		kn_app_event(c, 0, "NO_SERVER_WELCOME_MESSAGE");
		st->warned_welcome = 1;
	}
	if (first == 's' && prefix_ci(line, len, "starttls")) {
		cmd = CMD_STARTTLS;
	} else if (first == 'd' && prefix_ci(line, len, "data")) {
		cmd = CMD_DATA;
		cmd_data(c, st);
	} else if (first == 'b' && prefix_ci(line, len, "bdat")) {
		cmd = CMD_BDAT;
		cmd_bdat(c, st, line, len);
	} else if ((first == 'h' && prefix_ci(line, len, "helo")) ||
		   (first == 'e' && prefix_ci(line, len, "ehlo"))) {
		cmd = CMD_HELO;
		cmd_helo(c, st, line, len);
	} else if (first == 'm' && prefix_ci(line, len, "mail from")) {
		cmd_mail(c, st, line, len);
	} else if (first == 'r' && prefix_ci(line, len, "rcpt to")) {
		cmd_rcpt(c, st, line, len);
	} else if (first == 'r' && prefix_ci(line, len, "rset")) {
		cmd = CMD_RSET;
	}
	cmd_push(st, cmd);
}

/* A line of the message; "." ends it. */
static void data_line(struct kn_app_call *c, struct smtp_state *st, const uint8_t *line,
		      uint32_t len, uint32_t total)
{
	if (total == 1 && line[0] == '.') {
		st->data_mode = 0;
		smtp_mime_end(c, st, 1);
		cmd_push(st, CMD_DATA_END);
		tx_complete(c, st);
		return;
	}
	if (len && line[0] == '.') {   /* dot-stuffing (RFC 5321 4.5.2) */
		line++, len--, total--;
	}
	smtp_mime_line(c, st, line, len, total);
}

/* ----------------------------------------------------------- replies */

static int reply_code_ok(const uint8_t *line, uint32_t len)
{
	return len >= 3 && line[0] >= '2' && line[0] <= '5' && isdigit(line[1]) &&
	       isdigit(line[2]) && (len == 3 || line[3] == ' ' || line[3] == '-');
}

static void greeting_line(struct kn_app_call *c, struct smtp_state *st, const uint8_t *line,
			  uint32_t len, int last)
{
	if (!st->banner_len && len > 4) {
		uint32_t n = len - 4 < SMTP_BANNER_MAX ? len - 4 : SMTP_BANNER_MAX;
		memcpy(st->banner, line + 4, n);
		st->banner[n] = '\0';
		st->banner_len = (uint16_t)n;
	}
	if (!last)
		return;
	if (memcmp(line, "220", 3) != 0)
		kn_app_event(c, 1, "INVALID_REPLY");
	else
		smtp_report_server(c, st);
}

/* The final line of a reply to `cmd`. */
static void reply_to(struct kn_app_call *c, struct smtp_state *st, int cmd,
		     const uint8_t *line)
{
	int code = (line[0] - '0') * 100 + (line[1] - '0') * 10 + (line[2] - '0');

	if (cmd == CMD_STARTTLS) {
		if (code == 220) {
			tx_complete(c, st);
			st->tls = 1;   /* the rest of both directions is TLS */
			/* Detection starts again (the client's ClientHello comes
			 * next; a server does not speak before it). */
			kn_app_switch(c, 1, NULL, 0);
		} else {
			kn_app_event(c, 1, "TLS_REJECTED");
		}
	} else if (cmd == CMD_DATA) {
		if (code == 354) {
			st->data_mode = 1;
		} else {
			kn_app_event(c, 1, "DATA_COMMAND_REJECTED");
			/* Pipelining opened the body early: no message will come,
			 * the next client lines are commands again. */
			if (st->tx.has_msg && st->tx.status == MAIL_HEADER_READY) {
				st->data_mode = 0;
				st->tx.msg_rejected = 1;   /* a later DATA is not a second mail */
			}
		}
	} else if (cmd == CMD_RSET && code == 250) {
		tx_complete(c, st);
	}
}

static void reply_line(struct kn_app_call *c, struct smtp_state *st, const uint8_t *line,
		       uint32_t len)
{
	int last;

	if (len == 0)
		return;
	if (!reply_code_ok(line, len)) {
		kn_app_event(c, 1, "INVALID_REPLY");
		st->stopped[1] = 1;
		return;
	}
	last = len == 3 || line[3] == ' ';
	if (!st->first_reply && !st->cmdq_len) {
		greeting_line(c, st, line, len, last);
		st->first_reply = (uint8_t)last;
		return;
	}
	if (cmd_front(st) == CMD_HELO && len >= 14 && prefix_ci(line + 4, len - 4, "pipelining") &&
	    (len == 14 || line[14] == ' '))
		st->pipelining = 1;
	if (!last)
		return;
	st->first_reply = 1;
	if (st->cmdq_len) {
		int cmd = cmd_front(st);
		cmd_pop(st);
		reply_to(c, st, cmd, line);
	}
}

/* ------------------------------------------------------------- lines */

/* A complete line: `len` bytes kept of `total` (CR LF removed). */
static void line_done(struct kn_app_call *c, struct smtp_state *st, int dir, const uint8_t *line,
		      uint32_t len, uint32_t total)
{
	if (dir == 0 && st->data_mode) {
		data_line(c, st, line, len, total);
		return;
	}
	if (total > SMTP_LINE_MAX) {
		kn_app_event(c, dir, "TRUNCATED_LINE");
		return;
	}
	if (dir == 0)
		command_line(c, st, line, len);
	else
		reply_line(c, st, line, len);
}

static int keep_bytes(struct kn_app_call *c, struct smtp_linebuf *lb, const uint8_t *p,
		      uint32_t n)
{
	uint32_t room, k;

	if (n && !lb->buf) {
		if (kn_app_mem_charge(c, SMTP_LINE_MAX) != 0)
			return -1;
		lb->buf = kn_malloc(SMTP_LINE_MAX);
		if (!lb->buf) {
			kn_app_mem_credit(c, SMTP_LINE_MAX);
			return -1;
		}
	}
	room = SMTP_LINE_MAX - lb->len;
	k = n < room ? n : room;
	if (k)
		memcpy(lb->buf + lb->len, p, k);
	lb->len += k;
	lb->total = lb->total + n < lb->total ? UINT32_MAX : lb->total + n;
	if (n)
		lb->last = p[n - 1];
	return 0;
}

/* Whether the line of raw bytes at q (its LF excluded) is longer than max
 * once a final CR is not counted. */
static inline int line_over(const uint8_t *q, uint32_t raw, uint32_t max)
{
	return raw > max && (raw > max + 1 || q[raw - 1] != '\r');
}

/* Message lines that nothing looks at: in a body (not a header block),
 * neither "." (the end, or dot-stuffing) nor starting with '-' (maybe a
 * boundary), and not long enough for MIME_LONG_LINE or, in a base64 or
 * quoted-printable part, MIME_LONG_ENC_LINE. smtp_mime_line() would do
 * nothing with them, so they are stepped over line end to line end (most
 * of a mail is such lines: attachments). Returns the bytes of the whole
 * lines skipped at p; the first other line is left for line_done(). */
static uint32_t skip_plain_body(const struct smtp_state *st, const uint8_t *p, uint32_t n)
{
	const struct smtp_mime *m = st->mime;
	const uint8_t *q = p, *end = p + n;
	uint32_t max;

	if (m && m->in_header)
		return 0;
	max = m && !m->failed && m->part_encoded ? MIME_ENC_LINE_MAX : MIME_LINE_MAX;
	while (q < end) {
		const uint8_t *lf = memchr(q, '\n', (size_t)(end - q));
		uint32_t raw;
		if (!lf)
			break;
		/* An empty line starts with CR or LF, so the first byte is
		 * tested alone: '-' and '.' are 0x2d and 0x2e, one range. */
		raw = (uint32_t)(lf - q);
		if (line_over(q, raw, max) ||
		    (uint8_t)(q[0] - '-') <= 1)
			break;
		q = lf + 1;
	}
	return (uint32_t)(q - p);
}

/* Client lines that change nothing while command_line() would read them:
 * the transaction is open, the missing greeting was reported (or one was
 * seen), the queue of commands awaiting a reply is full (a one-sided
 * capture: no reply comes to empty it), and the line is short enough not
 * to be TRUNCATED_LINE and starts with no letter a command starts with.
 * This is what a message looks like when its DATA was not seen (the flow
 * was picked up in the middle). Returns the bytes of the whole lines
 * skipped at p, 0 when the state is not that. */
static uint32_t skip_idle_commands(const struct smtp_state *st, const uint8_t *p, uint32_t n)
{
	const uint8_t *q = p, *end = p + n;

	if (!st->has_tx || st->tx.done || (!st->first_reply && !st->warned_welcome) ||
	    st->cmdq_len != SMTP_CMDQ_MAX)
		return 0;
	while (q < end) {
		const uint8_t *lf = memchr(q, '\n', (size_t)(end - q));
		uint32_t raw;
		if (!lf)
			break;
		raw = (uint32_t)(lf - q);
		if (line_over(q, raw, SMTP_LINE_MAX))
			break;
		if (raw) {
			switch (q[0] | 0x20) {   /* as command_line() picks them */
			case 's': case 'd': case 'b': case 'h': case 'e': case 'm': case 'r':
				return (uint32_t)(q - p);
			}
		}
		q = lf + 1;
	}
	return (uint32_t)(q - p);
}

/* Splits a direction's bytes into lines; returns when the direction stops
 * being parsed or a BDAT chunk starts. Returns the bytes consumed. */
static uint32_t feed_lines(struct kn_app_call *c, struct smtp_state *st, int dir,
			   const uint8_t *p, uint32_t n)
{
	struct smtp_linebuf *lb = &st->lines[dir];
	uint32_t used = 0;

	while (used < n && !st->tls && !st->stopped[dir] && !(dir == 0 && st->bdat_left)) {
		if (dir == 0 && !lb->total) {
			if (st->data_mode)
				used += skip_plain_body(st, p + used, n - used);
			else
				used += skip_idle_commands(st, p + used, n - used);
			if (used == n)
				break;
		}
		const uint8_t *q = p + used, *lf = memchr(q, '\n', n - used);
		uint32_t take = lf ? (uint32_t)(lf - q) : n - used;
		const uint8_t *line = q;
		uint32_t len = take, total = take;
		int cr;

		if (!lf || lb->total) {
			if (keep_bytes(c, lb, q, take) != 0) {
				st->stopped[dir] = 1;   /* memcap: stop rather than misparse */
				break;
			}
			if (!lf)
				return n;
			line = lb->buf, len = lb->len, total = lb->total;
			cr = lb->last == '\r';
		} else {
			cr = take && q[take - 1] == '\r';
		}
		used += take + 1;
		if (cr) {
			total--;
			if (len > total)
				len = total;
		}
		line_done(c, st, dir, line, len, total);
		lb->len = lb->total = 0;
		lb->last = 0;
	}
	return used;
}

/* ------------------------------------------------------- callbacks */

static void smtp_parse(void *state, struct kn_app_call *c, int dir, const uint8_t *data,
		       uint32_t len, unsigned flags)
{
	struct smtp_state *st = state;
	uint32_t used = 0;

	if (flags & KN_APP_GAP) {
		st->stopped[dir] = 1;   /* lines and replies cannot be realigned */
		return;
	}
	while (data && used < len && !st->tls && !st->stopped[dir]) {
		if (dir == 0 && st->bdat_left) {
			uint64_t k = st->bdat_left < len - used ? st->bdat_left : len - used;
			st->bdat_left -= k;
			used += (uint32_t)k;
			if (!st->bdat_left)
				bdat_chunk_end(c, st);
			continue;
		}
		used += feed_lines(c, st, dir, data + used, len - used);
	}
}

static void smtp_flow_end(void *state, struct kn_app_call *c)
{
	tx_log(c, state);
}

static void smtp_state_free(void *state, struct kn_app_call *c)
{
	struct smtp_state *st = state;

	smtp_mime_free(c, st);   /* flow_end logged the transaction: no more events */
	tx_release(c, &st->tx);
	for (int d = 0; d < 2; d++) {
		if (st->lines[d].buf) {
			kn_free(st->lines[d].buf);
			kn_app_mem_credit(c, SMTP_LINE_MAX);
		}
	}
	if (st->helo) {
		kn_free(st->helo);
		kn_app_mem_credit(c, (size_t)st->helo_len + 1);
	}
}

const struct kn_app_parser kn_app_parser_smtp = {
	.name = "smtp",
	.ipprotos = KN_APP_TCP,
	.ports = { 25, 587 },
	.probe = smtp_probe,
	.state_size = sizeof(struct smtp_state),
	.parse = smtp_parse,
	.flow_end = smtp_flow_end,
	.state_free = smtp_state_free,
};
