/*
 * test_smtp_end.c - the end of an SMTP flow while a message is being
 * received: the transaction is logged once by flow_end, and freeing the
 * parser state afterwards reports nothing more (no anomaly raised after
 * the transaction was written, from a header the message was cut after).
 */
#include "../../../kt.h"
#include "app_test.h"

static const char *const session[][2] = {
	{ "1", "220 mail.example.com ESMTP Postfix (Debian/GNU)\r\n" },
	{ "0", "EHLO client.example.org\r\n" },
	{ "1", "250-mail.example.com\r\n250 8BITMIME\r\n" },
	{ "0", "MAIL FROM:<alice@example.org>\r\n" },
	{ "1", "250 2.1.0 Ok\r\n" },
	{ "0", "RCPT TO:<bob@example.com>\r\n" },
	{ "1", "250 2.1.5 Ok\r\n" },
	{ "0", "DATA\r\n" },
	{ "1", "354 End data with <CR><LF>.<CR><LF>\r\n" },
	{ "0", "From: alice@example.org\r\n" },
};

/* The flow ends right after a Content-Type header whose boundary is too
 * long: the header is still pending (a folded line could follow), and it
 * stays unread, as Suricata leaves it; the transaction is logged with what
 * was complete, and it is the last line. */
static void test_flow_end_mid_header(void)
{
	struct at t;
	char ctype[512];

	snprintf(ctype, sizeof ctype, "Content-Type: multipart/mixed; boundary=\"%0300d\"\r\n", 7);
	KT_REQUIRE(at_init(&t, "smtp", 6, 40000, 25) == 0);
	for (size_t i = 0; i < sizeof session / sizeof session[0]; i++)
		at_feed_str(&t, session[i][0][0] - '0', session[i][1]);
	at_feed_str(&t, 0, ctype);
	at_end(&t);
	KT_EQ(at_count(&t, "\"event_type\":\"smtp\""), 1);
	KT_EQ(at_count(&t, "\"event_type\":\"anomaly\""), 0);
	KT_REQUIRE(t.n >= 1);
	KT_CHECK(strstr(t.ev[t.n - 1], "\"event_type\":\"smtp\"") != NULL);
	KT_CHECK(at_find(&t, "\"mail_from\":\"<alice@example.org>\"", "\"status\":\"HEADER_STARTED\"",
			 "\"from\":\"alice@example.org\"") >= 0);
	KT_EQ(kn_app_ctx_stats(t.ctx)->mem_in_use, 0);
	if (kt_st.failed)
		at_dump(&t);
	at_fini(&t);
}

static const struct kt_case cases[] = {
	KT_CASE(test_flow_end_mid_header),
};
KT_MAIN("app_smtp_end", cases)
