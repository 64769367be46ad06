/*
 * test_smtp_lines.c - the lines the SMTP parser steps over without reading
 * them one by one (src/app/smtp/smtp.c): message body lines (long base64
 * parts; the end, dot-stuffed lines, boundaries and over-long lines among
 * them are still seen) and, in a one-sided capture whose command queue is
 * full, client lines that are no command (the commands among them are
 * still read). Every session is also fed in 1-byte and 7-byte chunks: the
 * events must not depend on where the chunks end.
 */
#include "../../../kt.h"
#include "app/smtp/smtp.h"
#include "app_test.h"

static char body[200 * 1024];

/* A multipart mail whose attachment is `lines` base64 lines of 76
 * characters, then (when long_at >= 0) one line of 77 at that position;
 * a dot-stuffed line and a '-' line that is no boundary in the text part. */
static size_t build_mail(char *out, size_t cap, unsigned lines, int long_at)
{
	size_t n = 0;

	n += (size_t)snprintf(out + n, cap - n,
			      "From: a@example.org\r\nTo: b@example.com\r\n"
			      "Content-Type: multipart/mixed; boundary=\"XB\"\r\n\r\n"
			      "--XB\r\nContent-Type: text/plain\r\n\r\nhello\r\n"
			      "..a dot-stuffed line\r\n-- a signature dash line\r\n"
			      "--XBnot the boundary\r\n"
			      "--XB\r\nContent-Type: application/zip; name=\"z.zip\"\r\n"
			      "Content-Transfer-Encoding: base64\r\n\r\n");
	for (unsigned i = 0; i < lines && n + 100 < cap; i++) {
		if ((int)i == long_at) {
			memset(out + n, 'L', 77);
			n += 77;
			memcpy(out + n, "\r\n", 2);
			n += 2;
		}
		memset(out + n, 'A' + (char)(i % 26), 76);
		n += 76;
		memcpy(out + n, i % 3 ? "\r\n" : "\n", i % 3 ? 2 : 1);   /* LF alone too */
		n += i % 3 ? 2 : 1;
	}
	n += (size_t)snprintf(out + n, cap - n, "--XB--\r\n\r\n.\r\n");
	return n;
}

static void feed_chunked(struct at *t, int dir, const char *s, size_t len, size_t chunk)
{
	for (size_t off = 0; off < len; off += chunk)
		at_feed(t, dir, s + off, len - off < chunk ? len - off : chunk);
}

static unsigned count_event(const struct at *t, const char *name)
{
	char pat[96];

	snprintf(pat, sizeof pat, "\"event\":\"%s\"", name);
	return at_count(t, pat);
}

/* One mail per chunk size; the same transaction and events each time. */
static void run_mail(int long_at, size_t chunk)
{
	struct at t;
	size_t n = build_mail(body, sizeof body, 400, long_at);

	KT_REQUIRE(at_init(&t, "smtp", 6, 40000, 25) == 0);
	at_feed_str(&t, 1, "220 mx.example.com ESMTP\r\n");
	at_feed_str(&t, 0, "EHLO c.example.org\r\nMAIL FROM:<a@example.org>\r\n"
			   "RCPT TO:<b@example.com>\r\nDATA\r\n");
	at_feed_str(&t, 1, "250 mx\r\n250 ok\r\n250 ok\r\n354 go\r\n");
	feed_chunked(&t, 0, body, n, chunk);
	at_feed_str(&t, 1, "250 queued\r\n");
	KT_CHECK(at_find(&t, "\"tx_id\":0,", "\"email\":{\"status\":\"PARSE_DONE\","
			 "\"from\":\"a@example.org\",\"to\":[\"b@example.com\"],"
			 "\"attachment\":[\"z.zip\"]}") >= 0);
	KT_CHECK(count_event(&t, "MIME_LONG_ENC_LINE") == (long_at >= 0 ? 1u : 0u));
	KT_CHECK(count_event(&t, "MIME_LONG_LINE") == 0);
	/* after the end of the message, commands again */
	at_feed_str(&t, 0, "MAIL FROM:<second@example.org>\r\n");
	at_end(&t);
	KT_CHECK(at_find(&t, "\"tx_id\":1,", "\"mail_from\":\"<second@example.org>\"") >= 0);
	KT_CHECK(!t.bad_json);
	KT_CHECK(kn_app_ctx_stats(t.ctx)->mem_in_use == 0);
	at_fini(&t);
}

static void test_body_lines(void)
{
	static const size_t chunks[] = { 1, 7, 1460, sizeof body };

	for (size_t i = 0; i < sizeof chunks / sizeof chunks[0]; i++) {
		run_mail(-1, chunks[i]);
		run_mail(0, chunks[i]);     /* the first base64 line is too long */
		run_mail(399, chunks[i]);   /* the last one */
	}
}

/* A 1200-byte line in a body (not encoded): MIME_LONG_LINE; in a header
 * block every line is read (a From after many lines is still seen). */
static void test_long_body_line(void)
{
	static char line[1300];
	struct at t;

	memset(line, 'x', 1200);
	memcpy(line + 1200, "\r\n", 3);
	KT_REQUIRE(at_init(&t, "smtp", 6, 40000, 25) == 0);
	at_feed_str(&t, 1, "220 mx ESMTP\r\n");
	at_feed_str(&t, 0, "HELO c\r\nMAIL FROM:<a@b>\r\nRCPT TO:<c@d>\r\nDATA\r\n");
	at_feed_str(&t, 1, "250 ok\r\n250 ok\r\n250 ok\r\n354 go\r\n");
	at_feed_str(&t, 0, "Subject: s\r\nX-1: 1\r\nX-2: 2\r\nFrom: late@example.org\r\n\r\n");
	for (int i = 0; i < 50; i++)
		at_feed_str(&t, 0, "plain body line\r\n");
	at_feed_str(&t, 0, line);
	at_feed_str(&t, 0, "after\r\n.\r\n");
	at_feed_str(&t, 1, "250 ok\r\n");
	KT_CHECK(count_event(&t, "MIME_LONG_LINE") == 1);
	KT_CHECK(at_find(&t, "\"email\":{\"status\":\"PARSE_DONE\",\"from\":\"late@example.org\"") >=
		 0);
	at_fini(&t);
}

/* A client-only capture where the DATA went unseen: the message is read
 * as commands. Once 64 commands wait for replies that never come, lines
 * that are no command change nothing; commands among them still count
 * (RCPT TO is kept, a second MAIL FROM is DUPLICATE_FIELDS), and so does
 * an over-long line (TRUNCATED_LINE). */
static void run_one_sided(size_t chunk)
{
	static char text[64 * 1024];
	static char line[5000];
	struct at t;
	size_t n = 0;

	n += (size_t)snprintf(text + n, sizeof text - n,
			      "MAIL FROM:<a@example.org>\r\nRCPT TO:<b@example.com>\r\n");
	for (int i = 0; i < 150; i++)
		n += (size_t)snprintf(text + n, sizeof text - n, "%s body line %d\r\n",
				      i % 2 ? "Another" : "quoted >", i);
	n += (size_t)snprintf(text + n, sizeof text - n,
			      "rcpt to:<late@example.com>\r\nMail From:<again@example.org>\r\n"
			      "\r\n\n-- \r\nzzz\r\n");
	memset(line, 'q', 4200);
	memcpy(line + 4200, "\r\n", 3);
	KT_REQUIRE(at_init(&t, "smtp", 6, 40000, 25) == 0);
	feed_chunked(&t, 0, text, n, chunk);
	at_feed_str(&t, 0, line);
	at_feed_str(&t, 0, "RCPT TO:<last@example.com>\r\n");
	at_end(&t);
	KT_CHECK(count_event(&t, "NO_SERVER_WELCOME_MESSAGE") == 1);
	KT_CHECK(count_event(&t, "DUPLICATE_FIELDS") == 1);
	KT_CHECK(count_event(&t, "TRUNCATED_LINE") == 1);
	KT_CHECK(at_find(&t, "\"tx_id\":0,\"smtp\":{\"mail_from\":\"<a@example.org>\","
			 "\"rcpt_to\":[\"<b@example.com>\",\"<late@example.com>\","
			 "\"<last@example.com>\"]}}") >= 0);
	KT_CHECK(at_count(&t, "\"event_type\":\"smtp\"") == 1);
	KT_CHECK(kn_app_ctx_stats(t.ctx)->mem_in_use == 0);
	at_fini(&t);
}

static void test_one_sided_lines(void)
{
	run_one_sided(1);
	run_one_sided(7);
	run_one_sided(100000);
}

static const struct kt_case cases[] = {
	KT_CASE(test_body_lines),
	KT_CASE(test_long_body_line),
	KT_CASE(test_one_sided_lines),
};
KT_MAIN("app_smtp_lines", cases)
