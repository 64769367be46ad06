/*
 * test_smtp.c - the SMTP parser (src/app/smtp): sessions as Postfix and
 * real clients write them (greeting, EHLO with PIPELINING, envelope, DATA
 * with a MIME message, QUIT), Suricata 7's transaction boundaries (RSET
 * reply, end of DATA, STARTTLS, the trailing QUIT transaction), BDAT,
 * attachments (RFC 2231 names, message/rfc822), named buffers, the server
 * asset, detection, and hostile input (1 MiB lines, DATA that never ends,
 * pipelined commands, unusable boundaries, 1-byte chunks, memcap).
 */
#include "../../../kt.h"
#include "app/smtp/smtp.h"
#include "tx_buffers.h"

struct step {
	int dir;
	const char *text;
};

/* A Postfix session sending one multipart mail with an attachment. */
static const struct step postfix_session[] = {
	{ 1, "220 mail.example.com ESMTP Postfix (Debian/GNU)\r\n" },
	{ 0, "EHLO client.example.org\r\n" },
	{ 1, "250-mail.example.com\r\n250-PIPELINING\r\n250-SIZE 10240000\r\n250-8BITMIME\r\n"
	     "250 CHUNKING\r\n" },
	{ 0, "MAIL FROM:<alice@example.org> SIZE=1024\r\n" },
	{ 1, "250 2.1.0 Ok\r\n" },
	{ 0, "RCPT TO:<bob@example.com>\r\n" },
	{ 1, "250 2.1.5 Ok\r\n" },
	{ 0, "RCPT TO:<carol@example.com>\r\n" },
	{ 1, "250 2.1.5 Ok\r\n" },
	{ 0, "DATA\r\n" },
	{ 1, "354 End data with <CR><LF>.<CR><LF>\r\n" },
	{ 0, "Received: from client.example.org (client [192.0.2.7])\r\n"
	     "\tby mail.example.com; Tue, 8 Dec 2015 22:30:00 +0100\r\n"
	     "From: \"Alice A.\" <alice@example.org>\r\n"
	     "To: Bob <bob@example.com>,\r\n   carol@example.com\r\n"
	     "Cc: dave@example.net\r\n"
	     "Subject: report\r\n"
	     "MIME-Version: 1.0\r\n"
	     "Content-Type: multipart/mixed; boundary=\"=_b1\"\r\n"
	     "\r\n"
	     "This is a multi-part message in MIME format.\r\n"
	     "--=_b1\r\n"
	     "Content-Type: text/plain; charset=us-ascii\r\n"
	     "\r\n"
	     "Please find the report attached.\r\n"
	     "..leading dot line\r\n"
	     "--=_b1\r\n"
	     "Content-Type: application/pdf; name=\"report.pdf\"\r\n"
	     "Content-Transfer-Encoding: base64\r\n"
	     "Content-Disposition: attachment;\r\n filename=\"report-2015.pdf\"\r\n"
	     "\r\n"
	     "JVBERi0xLjQKJcfsj6IKNSAwIG9iago8PC9MZW5ndGggNiAwIFIvRmlsdGVyIC9GbGF0ZURl\r\n"
	     "--=_b1--\r\n"
	     "\r\n.\r\n" },
	{ 1, "250 2.0.0 Ok: queued as 4B2C31E0A1\r\n" },
	{ 0, "QUIT\r\n" },
	{ 1, "221 2.0.0 Bye\r\n" },
};

#define POSTFIX_TX0                                                                          \
	"\"tx_id\":0,\"smtp\":{\"helo\":\"client.example.org\",\"mail_from\":"              \
	"\"<alice@example.org>\",\"rcpt_to\":[\"<bob@example.com>\",\"<carol@example.com>\"]}," \
	"\"email\":{\"status\":\"PARSE_DONE\",\"from\":\"\\\"Alice A.\\\" <alice@example.org>\"," \
	"\"to\":[\"Bob <bob@example.com>\",\"carol@example.com\"],\"cc\":[\"dave@example.net\"]," \
	"\"attachment\":[\"report-2015.pdf\"]}}"

static void feed_steps(struct at *t, const struct step *s, size_t n, size_t chunk)
{
	for (size_t i = 0; i < n; i++) {
		size_t len = strlen(s[i].text);
		for (size_t off = 0; off < len; off += chunk)
			at_feed(t, s[i].dir, s[i].text + off, len - off < chunk ? len - off : chunk);
	}
}

static unsigned count_events(const struct at *t, const char *name)
{
	char pat[96];
	snprintf(pat, sizeof pat, "\"event\":\"%s\"", name);
	return at_count(t, pat);
}

static void check_postfix(struct at *t)
{
	KT_CHECK(at_count(t, "\"event_type\":\"smtp\"") == 1);   /* before the end */
	KT_CHECK(at_find(t, POSTFIX_TX0) >= 0);
	KT_CHECK(at_find(t, "\"src_ip\":\"10.0.0.1\"", POSTFIX_TX0) >= 0);
	at_end(t);
	/* The QUIT after the mail is a transaction of its own (Suricata 7). */
	KT_CHECK(at_count(t, "\"event_type\":\"smtp\"") == 2);
	KT_CHECK(at_find(t, "\"tx_id\":1,\"smtp\":{\"helo\":\"client.example.org\"}}") >= 0);
	KT_CHECK(at_count(t, "\"event_type\":\"anomaly\"") == 0);
	KT_EQ_STR(t->app_proto, "smtp");
	KT_CHECK(!t->bad_json);
	KT_CHECK(kn_app_ctx_stats(t->ctx)->mem_in_use == 0);
}

static void test_postfix_session(void)
{
	struct at t;

	KT_REQUIRE(at_init(&t, "smtp", 6, 40000, 25) == 0);
	txb_attach(&t);
	feed_steps(&t, postfix_session, sizeof postfix_session / sizeof postfix_session[0],
		   1 << 20);
	KT_CHECK(txb_has(KN_BUF_SMTP_HELO, 0, "client.example.org"));
	KT_CHECK(txb_has(KN_BUF_SMTP_MAIL_FROM, 0, "<alice@example.org>"));
	KT_CHECK(txb_has(KN_BUF_SMTP_RCPT_TO, 0, "<bob@example.com>"));
	KT_CHECK(txb_has(KN_BUF_SMTP_RCPT_TO, 1, "<carol@example.com>"));
	KT_CHECK(t.n_assets == 1);
	KT_CHECK(t.assets[0].role == KN_ASSET_SERVER);
	KT_EQ_STR(t.assets[0].service, "smtp");
	KT_EQ_STR(t.assets[0].product, "postfix");
	KT_EQ_STR(t.assets[0].banner, "mail.example.com ESMTP Postfix (Debian/GNU)");
	check_postfix(&t);
	at_fini(&t);
	txb_reset();
}

static void test_one_byte_chunks(void)
{
	struct at t;

	KT_REQUIRE(at_init(&t, "smtp", 6, 40000, 25) == 0);
	feed_steps(&t, postfix_session, sizeof postfix_session / sizeof postfix_session[0], 1);
	check_postfix(&t);
	at_fini(&t);
}

static void test_detection(void)
{
	const struct kn_app_parser *p = kn_app_parser_get(kn_app_parser_id("smtp"));
	struct at t;

	KT_REQUIRE(p && p->probe);
#define PROBE(dir, s) p->probe((const uint8_t *)(s), (uint32_t)strlen(s), dir, 6)
	KT_CHECK(PROBE(1, "220 mx.example.com ESMTP ready\r\n") == KN_PROBE_YES);
	KT_CHECK(PROBE(1, "220-mx.example.com Smtp") == KN_PROBE_YES);
	KT_CHECK(PROBE(1, "220 ProFTPD Server ready.\r\n") == KN_PROBE_NO);   /* FTP */
	KT_CHECK(PROBE(1, "220 mx.exa") == KN_PROBE_MORE);
	KT_CHECK(PROBE(1, "22") == KN_PROBE_MORE);
	KT_CHECK(PROBE(1, "250 ok\r\n") == KN_PROBE_NO);
	KT_CHECK(PROBE(0, "EHL") == KN_PROBE_MORE);
	KT_CHECK(PROBE(0, "ehlo") == KN_PROBE_MORE);
	KT_CHECK(PROBE(0, "helo x\r\n") == KN_PROBE_YES);
	KT_CHECK(PROBE(0, "EHLO\r\n") == KN_PROBE_YES);
	KT_CHECK(PROBE(0, "HELP\r\n") == KN_PROBE_NO);
	KT_CHECK(PROBE(0, "USER anonymous\r\n") == KN_PROBE_NO);
#undef PROBE

	/* Submission on an unusual port, detected from the client's EHLO. */
	KT_REQUIRE(at_init(&t, NULL, 6, 40000, 2525) == 0);
	at_feed_str(&t, 1, "220 mx.example.com Service ready\r\n");
	at_feed_str(&t, 0, "EHLO laptop\r\n");
	at_feed_str(&t, 1, "250 mx.example.com\r\n");
	at_end(&t);
	KT_EQ_STR(t.app_proto, "smtp");
	KT_CHECK(at_find(&t, "\"smtp\":{\"helo\":\"laptop\"}") >= 0);
	at_fini(&t);
}

/* A real pipelined exchange (suricata-verify smtp RSET tests, 172.18.0.1
 * -> 172.18.0.3:25): RSET and MAIL FROM in one segment. The transaction
 * ends at the RSET's reply, so MAIL FROM stays with it and the recipient
 * opens the next one, as Suricata 7 logs it. */
static void test_pipelined_rset(void)
{
	static const struct step s[] = {
		{ 1, "220 mail.example.com ESMTP Postfix\r\n" },
		{ 0, "ehlo client.example.com\r\n" },
		{ 1, "250-mail.example.com\r\n250-PIPELINING\r\n250-SIZE 10240000\r\n250-VRFY\r\n"
		     "250-ETRN\r\n250-ENHANCEDSTATUSCODES\r\n250-8BITMIME\r\n250-DSN\r\n"
		     "250-SMTPUTF8\r\n250 CHUNKING\r\n" },
		{ 0, "mail from:<alice@example.com>\r\n" },
		{ 1, "250 2.1.0 Ok\r\n" },
		{ 0, "rcpt to:<bob@example.com>\r\n" },
		{ 1, "250 2.1.5 Ok\r\n" },
		{ 0, "data\r\n" },
		{ 1, "354 End data with <CR><LF>.<CR><LF>\r\n" },
		{ 0, "From: alice@example.com\r\nTo: bob@example.com\r\nSubject: first complete\r\n"
		     "\r\nFirst message, fully completed before the reset.\r\n.\r\n" },
		{ 1, "250 2.0.0 Ok: queued as B5F0B5AABF55\r\n" },
		{ 0, "RSET\r\nmail from:<bob@example.com>\r\n" },
		{ 1, "250 2.0.0 Ok\r\n250 2.1.0 Ok\r\n" },
		{ 0, "rcpt to:<alice@example.com>\r\n" },
		{ 1, "250 2.1.5 Ok\r\n" },
		{ 0, "data\r\n" },
		{ 1, "354 End data with <CR><LF>.<CR><LF>\r\n" },
		{ 0, "From: bob@example.com\r\nTo: alice@example.com\r\nSubject: second after rset\r\n"
		     "\r\nSecond message following the pipelined reset.\r\n.\r\n" },
		{ 1, "250 2.0.0 Ok: queued as B71115AABF56\r\n" },
		{ 0, "QUIT\r\n" },
		{ 1, "221 2.0.0 Bye\r\n" },
	};
	struct at t;

	KT_REQUIRE(at_init(&t, "smtp", 6, 54844, 25) == 0);
	feed_steps(&t, s, sizeof s / sizeof s[0], 1 << 20);
	at_end(&t);
	KT_CHECK(at_count(&t, "\"event_type\":\"smtp\"") == 4);
	KT_CHECK(at_find(&t, "\"tx_id\":0,", "\"email\":{\"status\":\"PARSE_DONE\",\"from\":"
			 "\"alice@example.com\",\"to\":[\"bob@example.com\"]}") >= 0);
	KT_CHECK(at_find(&t, "\"tx_id\":1,\"smtp\":{\"helo\":\"client.example.com\","
			 "\"mail_from\":\"<bob@example.com>\"}}") >= 0);
	KT_CHECK(at_find(&t, "\"tx_id\":2,\"smtp\":{\"helo\":\"client.example.com\","
			 "\"rcpt_to\":[\"<alice@example.com>\"]},\"email\":{\"status\":"
			 "\"PARSE_DONE\",\"from\":\"bob@example.com\"") >= 0);
	KT_CHECK(at_find(&t, "\"tx_id\":3,\"smtp\":{\"helo\":\"client.example.com\"}}") >= 0);
	at_fini(&t);
}

/* After 220 to STARTTLS the rest is TLS: nothing more is parsed. */
static void test_starttls(void)
{
	static const uint8_t hello[] = { 0x16, 0x03, 0x01, 0x02, 0x00, 0x01, 0x00, 0x01, 0xfc,
					 0x03, 0x03, 0x0a, 0x0d, 0x0a, 0x0d, 0x2e, 0x0d, 0x0a };
	struct at t;

	KT_REQUIRE(at_init(&t, "smtp", 6, 34634, 25) == 0);
	at_feed_str(&t, 1, "220 firewall.unx.ca ESMTP Postfix\r\n");
	at_feed_str(&t, 0, "EHLO desktop.unx.ca\r\n");
	at_feed_str(&t, 1, "250-firewall.unx.ca\r\n250-PIPELINING\r\n250-STARTTLS\r\n250 SMTPUTF8\r\n");
	at_feed_str(&t, 0, "STARTTLS\r\n");
	at_feed_str(&t, 1, "220 2.0.0 Ready to start TLS\r\n");
	KT_CHECK(at_count(&t, "\"event_type\":\"smtp\"") == 1);
	at_feed(&t, 0, hello, sizeof hello);
	at_feed(&t, 1, hello, sizeof hello);
	at_feed_str(&t, 0, "MAIL FROM:<x@y>\r\n");
	at_end(&t);
	KT_CHECK(t.n == 1);
	KT_CHECK(at_find(&t, "\"tx_id\":0,\"smtp\":{\"helo\":\"desktop.unx.ca\"}}") >= 0);
	at_fini(&t);

	KT_REQUIRE(at_init(&t, "smtp", 6, 34634, 25) == 0);
	at_feed_str(&t, 1, "220 mx ESMTP\r\n");
	at_feed_str(&t, 0, "STARTTLS\r\n");
	at_feed_str(&t, 1, "454 4.7.0 TLS not available\r\n");
	at_feed_str(&t, 0, "QUIT\r\n");
	KT_CHECK(count_events(&t, "TLS_REJECTED") == 1);
	at_fini(&t);
}

/* DATA that never ends: 4 MiB of body lines (some longer than any
 * buffer) cost no memory and the mail is logged at the end. */
static void test_data_never_ends(void)
{
	static char block[8192];
	struct at t;
	uint64_t peak;

	for (size_t i = 0; i < sizeof block; i++)
		block[i] = (i % 100 == 98) ? '\r' : (i % 100 == 99) ? '\n' : 'x';
	memset(block + 1000, 'z', 1500);   /* one line longer than 998 bytes per block */
	KT_REQUIRE(at_init(&t, "smtp", 6, 40000, 25) == 0);
	at_feed_str(&t, 1, "220 mx ESMTP Exim 4.92 Mon, 29 Jul 2019\r\n");
	at_feed_str(&t, 0, "HELO a\r\nMAIL FROM:<a@b>\r\nRCPT TO:<c@d>\r\nDATA\r\n");
	at_feed_str(&t, 1, "250 ok\r\n250 ok\r\n250 ok\r\n354 go\r\n");
	at_feed_str(&t, 0, "Subject: x\r\n\r\n");
	at_feed(&t, 0, block, sizeof block);   /* the line buffer exists from here */
	peak = kn_app_ctx_stats(t.ctx)->mem_peak;
	for (int i = 0; i < 512; i++)
		at_feed(&t, 0, block, sizeof block);
	KT_CHECK(kn_app_ctx_stats(t.ctx)->mem_peak == peak);
	KT_CHECK(at_count(&t, "\"event_type\":\"smtp\"") == 0);
	KT_CHECK(count_events(&t, "MIME_LONG_LINE") == 1);
	at_end(&t);
	KT_CHECK(at_find(&t, "\"smtp\":{\"helo\":\"a\",\"mail_from\":\"<a@b>\",\"rcpt_to\":"
			 "[\"<c@d>\"]},\"email\":{\"status\":\"BODY_STARTED\"}") >= 0);
	KT_EQ_STR(t.assets[0].product, "exim");
	KT_EQ_STR(t.assets[0].version, "4.92");
	at_fini(&t);
}

/* A 1 MiB command line is dropped (TRUNCATED_LINE) without growing any
 * buffer; the next command is parsed. Same for a server line. */
static void test_long_lines(void)
{
	static char junk[65536];
	struct at t;
	uint64_t peak;

	memset(junk, 'A', sizeof junk);
	KT_REQUIRE(at_init(&t, "smtp", 6, 40000, 25) == 0);
	at_feed_str(&t, 1, "220 mx ESMTP\r\n");
	at_feed_str(&t, 0, "HELO ");
	at_feed(&t, 0, junk, 100);
	peak = kn_app_ctx_stats(t.ctx)->mem_peak;
	for (int i = 0; i < 16; i++)
		at_feed(&t, 0, junk, sizeof junk);
	at_feed_str(&t, 0, "\r\nHELO short\r\n");
	for (int i = 0; i < 16; i++)
		at_feed(&t, 1, junk, sizeof junk);
	at_feed_str(&t, 1, "\r\n250 ok\r\n");
	KT_CHECK(kn_app_ctx_stats(t.ctx)->mem_peak <= peak + SMTP_LINE_MAX + SMTP_LINE_MAX + 1);
	KT_CHECK(count_events(&t, "TRUNCATED_LINE") == 2);
	at_end(&t);
	KT_CHECK(at_find(&t, "\"smtp\":{\"helo\":\"short\"}") >= 0);
	at_fini(&t);
}

/* BDAT chunks are skipped by length, whatever bytes they hold; the LAST
 * one ends the mail, so the next MAIL FROM opens a new transaction. */
static void test_bdat(void)
{
	static const struct step s[] = {
		{ 1, "220 mx ESMTP Postfix\r\n" },
		{ 0, "EHLO c\r\n" },
		{ 1, "250-mx\r\n250-CHUNKING\r\n250 PIPELINING\r\n" },
		{ 0, "MAIL FROM:<a@b>\r\nRCPT TO:<c@d>\r\nBDAT 15\r\nMAIL FROM:\r\n.\r\nBDAT 8 LAST\r\n"
		     "x\r\n.\r\nyz" },
		{ 1, "250 ok\r\n250 ok\r\n250 15 octets\r\n250 queued\r\n" },
		{ 0, "MAIL FROM:<e@f>\r\nRCPT TO:<g@h>\r\nBDAT 0 LAST\r\nQUIT\r\n" },
		{ 1, "250 ok\r\n250 ok\r\n250 queued\r\n221 bye\r\n" },
	};
	struct at t;

	KT_REQUIRE(at_init(&t, "smtp", 6, 40000, 25) == 0);
	feed_steps(&t, s, sizeof s / sizeof s[0], 3);
	at_end(&t);
	KT_CHECK(at_find(&t, "\"tx_id\":0,\"smtp\":{\"helo\":\"c\",\"mail_from\":\"<a@b>\","
			 "\"rcpt_to\":[\"<c@d>\"]}}") >= 0);
	KT_CHECK(at_find(&t, "\"tx_id\":1,\"smtp\":{\"helo\":\"c\",\"mail_from\":\"<e@f>\","
			 "\"rcpt_to\":[\"<g@h>\"]}}") >= 0);
	KT_CHECK(at_find(&t, "\"tx_id\":2,\"smtp\":{\"helo\":\"c\"}}") >= 0);
	KT_CHECK(count_events(&t, "DUPLICATE_FIELDS") == 0);
	at_fini(&t);

	/* A BDAT the server refuses (bad syntax) has no chunk: the envelope
	 * that follows is still read (suricata-verify evasion capture,
	 * 192.0.2.1 -> 192.0.2.2:25). */
	KT_REQUIRE(at_init(&t, "smtp", 6, 41414, 25) == 0);
	at_feed_str(&t, 1, "220 mail.example.com ESMTP\r\n");
	at_feed_str(&t, 0, "EHLO client.example.com\r\n");
	at_feed_str(&t, 1, "250-mail.example.com\r\n250-8BITMIME\r\n250 CHUNKING\r\n");
	at_feed_str(&t, 0, "BDAT 5 X\r\nMAIL FROM:<alice@example.com>\r\nRCPT TO:<bob@example.com>\r\n"
			   "DATA\r\n");
	at_feed_str(&t, 1, "501 5.5.4 Syntax: BDAT count [LAST]\r\n250 2.1.0 Ok\r\n250 2.1.5 Ok\r\n"
			   "354 End data with <CR><LF>.<CR><LF>\r\n");
	at_feed_str(&t, 0, "From: alice@example.com\r\nTo: bob@example.com\r\n"
			   "Subject: after the rejected chunk\r\n\r\nStill inspected.\r\n.\r\n");
	KT_CHECK(at_find(&t, "\"tx_id\":0,\"smtp\":{\"helo\":\"client.example.com\",\"mail_from\":"
			 "\"<alice@example.com>\",\"rcpt_to\":[\"<bob@example.com>\"]},\"email\":"
			 "{\"status\":\"PARSE_DONE\",\"from\":\"alice@example.com\"") >= 0);
	at_fini(&t);
}

/* Attachment names: RFC 2231 continuations (as in the suricata-verify
 * smtptest capture) and encoded names, a message/rfc822 part whose inner
 * attachment counts, the message's own name does not, a part cut by the
 * end of the flow does not. */
static void test_attachment_names(void)
{
	struct at t;

	KT_REQUIRE(at_init(&t, "smtp", 6, 40000, 25) == 0);
	at_feed_str(&t, 1, "220 mx ESMTP\r\n");
	at_feed_str(&t, 0, "HELO c\r\nMAIL FROM:<a@b>\r\nRCPT TO:<c@d>\r\nDATA\r\n");
	at_feed_str(&t, 1, "250 ok\r\n250 ok\r\n250 ok\r\n354 go\r\n");
	at_feed_str(&t, 0,
		    "Content-Type: multipart/mixed; boundary=KkK170891tpbkKk__FV_KKKkkkjjwq\r\n"
		    "Content-Disposition: attachment; filename=\"outer.eml\"\r\n\r\n"
		    "--KkK170891tpbkKk__FV_KKKkkkjjwq\r\n"
		    "Content-Type: application/zip;\r\n"
		    "Content-Transfer-Encoding: base64\r\n"
		    "Content-Disposition: attachment;\r\n"
		    " filename*0=smtptest-2021-02-25T13-54-22Z-aefb2fc1308d62f4b6c74769f69b13;\r\n"
		    " filename*1=ddf80e995fd98ae442f3be499ea928c67f..zip\r\n\r\n"
		    "UEsDBBQAAAAIAMGLWFIeAcE7CsgAAADIAAAdABwAc2Fpbi0yMDIxLTAyLTI0VDE3LTMwLTAxWi50\r\n"
		    "--KkK170891tpbkKk__FV_KKKkkkjjwq\r\n"
		    "Content-Type: text/plain\r\n"
		    "Content-Disposition: attachment; filename*=UTF-8''na%C3%AFve%20plan.txt\r\n\r\n"
		    "hello\r\n"
		    "--KkK170891tpbkKk__FV_KKKkkkjjwq\r\n"
		    "Content-Type: message/rfc822\r\n\r\n"
		    "From: inner@example.com\r\n"
		    "Content-Type: application/octet-stream\r\n"
		    "Content-Disposition: attachment; filename=\"malware.exe\"\r\n\r\n"
		    "EICAR\r\n"
		    "--KkK170891tpbkKk__FV_KKKkkkjjwq--\r\n.\r\n");
	at_feed_str(&t, 1, "250 queued\r\n");
	KT_CHECK(at_find(&t, "\"attachment\":[\"smtptest-2021-02-25T13-54-22Z-"
			 "aefb2fc1308d62f4b6c74769f69b13ddf80e995fd98ae442f3be499ea928c67f..zip\","
			 "\"na\xc3\xafve plan.txt\",\"malware.exe\"]}") >= 0);
	/* A second mail cut inside its attachment. */
	at_feed_str(&t, 0, "MAIL FROM:<a@b>\r\nRCPT TO:<c@d>\r\nDATA\r\n");
	at_feed_str(&t, 1, "250 ok\r\n250 ok\r\n354 go\r\n");
	at_feed_str(&t, 0, "From: a@b\r\nContent-Type: multipart/mixed; boundary=\"x\"\r\n\r\n"
			   "--x\r\nContent-Disposition: attachment; filename=cut.doc\r\n\r\nQUJD\r\n");
	at_end(&t);
	KT_CHECK(at_find(&t, "\"tx_id\":1,", "\"email\":{\"status\":\"BODY_STARTED\","
			 "\"from\":\"a@b\"}}") >= 0);
	KT_CHECK(at_count(&t, "cut.doc") == 0);
	KT_CHECK(at_count(&t, "outer.eml") == 0);
	at_fini(&t);
}

/* Boundaries too long, header names and values too long, encoded lines
 * too long, nesting deeper than followed, more attachments than kept. */
static void test_mime_hostile(void)
{
	static char line[3000];
	char buf[512];
	struct at t;

	KT_REQUIRE(at_init(&t, "smtp", 6, 40000, 25) == 0);
	at_feed_str(&t, 1, "220 mx ESMTP\r\n");
	at_feed_str(&t, 0, "HELO c\r\nMAIL FROM:<a@b>\r\nRCPT TO:<c@d>\r\nDATA\r\n");
	at_feed_str(&t, 1, "250 ok\r\n250 ok\r\n250 ok\r\n354 go\r\n");
	memset(line, 'B', 400);
	line[400] = '\0';
	at_feed_str(&t, 0, "Content-Type: multipart/mixed; boundary=\"");
	at_feed_str(&t, 0, line);
	at_feed_str(&t, 0, "\"\r\n\r\n--");
	at_feed_str(&t, 0, line);
	at_feed_str(&t, 0, "\r\nContent-Disposition: attachment; filename=a.txt\r\n\r\nx\r\n.\r\n");
	at_feed_str(&t, 1, "250 ok\r\n");
	KT_CHECK(count_events(&t, "MIME_LONG_BOUNDARY") == 1);
	KT_CHECK(count_events(&t, "MIME_PARSE_FAILED") == 1);
	KT_CHECK(at_find(&t, "\"email\":{\"status\":\"PARSE_ERROR\"}") >= 0);

	/* Second mail: long header name, long folded value, long base64 line,
	 * 12 nested multiparts, 80 attachments. */
	at_feed_str(&t, 0, "MAIL FROM:<a@b>\r\nRCPT TO:<c@d>\r\nDATA\r\n");
	at_feed_str(&t, 1, "250 ok\r\n250 ok\r\n354 go\r\n");
	memset(line, 'N', 100);
	memcpy(line + 100, ": v\r\n", 6);
	at_feed_str(&t, 0, line);
	at_feed_str(&t, 0, "To: first@example.com");
	for (int i = 0; i < 60; i++)
		at_feed_str(&t, 0, ",\r\n  someone.with.a.rather.long.address@example.com");
	at_feed_str(&t, 0, "\r\nContent-Type: multipart/mixed; boundary=L0\r\n\r\n");
	for (int d = 1; d < 12; d++) {
		snprintf(buf, sizeof buf, "--L%d\r\nContent-Type: multipart/related; boundary=L%d\r\n\r\n",
			 d - 1, d);
		at_feed_str(&t, 0, buf);
	}
	for (int i = 0; i < 80; i++) {
		snprintf(buf, sizeof buf, "--L7\r\nContent-Transfer-Encoding: base64\r\n"
			 "Content-Disposition: attachment; filename=\"f%d.bin\"\r\n\r\nQUJD\r\n", i);
		at_feed_str(&t, 0, buf);
	}
	memset(line, 'Q', 200);
	memcpy(line + 200, "\r\n--L7--\r\n.\r\n", 14);
	at_feed_str(&t, 0, line);
	at_feed_str(&t, 1, "250 ok\r\n");
	KT_CHECK(count_events(&t, "MIME_LONG_HEADER_NAME") == 1);
	KT_CHECK(count_events(&t, "MIME_LONG_HEADER_VALUE") == 1);
	KT_CHECK(count_events(&t, "MIME_LONG_ENC_LINE") == 1);
	KT_CHECK(at_find(&t, "\"tx_id\":1,", "\"to\":[\"first@example.com\",",
			 "\"f0.bin\",\"f1.bin\"", "\"f63.bin\"]") >= 0);
	KT_CHECK(at_count(&t, "f64.bin") == 0);
	KT_CHECK(!t.bad_json);
	at_end(&t);
	KT_CHECK(kn_app_ctx_stats(t.ctx)->mem_in_use == 0);
	at_fini(&t);
}

/* Replies: a garbage line stops the server side; a rejected pipelined
 * DATA returns the client to commands; unmatched replies are ignored. */
static void test_replies(void)
{
	struct at t;

	KT_REQUIRE(at_init(&t, "smtp", 6, 40000, 25) == 0);
	at_feed_str(&t, 1, "220 mx ESMTP\r\n");
	at_feed_str(&t, 0, "EHLO c\r\n");
	at_feed_str(&t, 1, "250-mx\r\n250 PIPELINING\r\n");
	at_feed_str(&t, 0, "MAIL FROM:<a@b>\r\nRCPT TO:<c@d>\r\nDATA\r\n");
	at_feed_str(&t, 1, "250 ok\r\n550 no such user\r\n554 no valid recipients\r\n");
	at_feed_str(&t, 0, "RSET\r\n");
	at_feed_str(&t, 1, "250 reset\r\n");
	KT_CHECK(count_events(&t, "DATA_COMMAND_REJECTED") == 1);
	KT_CHECK(at_find(&t, "\"tx_id\":0,", "\"email\":{\"status\":\"HEADER_READY\"}") >= 0);
	at_feed_str(&t, 0, "MAIL FROM:<x@y>\r\n");
	at_feed_str(&t, 1, "250 ok\r\n250 surplus\r\n");
	at_feed_str(&t, 1, "hello there\r\n");
	at_feed_str(&t, 0, "RSET\r\n");
	at_feed_str(&t, 1, "250 reset\r\n");     /* ignored: the server side stopped */
	KT_CHECK(count_events(&t, "INVALID_REPLY") == 1);
	at_end(&t);
	KT_CHECK(at_find(&t, "\"tx_id\":1,\"smtp\":{\"helo\":\"c\",\"mail_from\":\"<x@y>\"}}") >= 0);
	at_fini(&t);
}

/* A client-only capture: no reply opens the DATA body, so the second DATA
 * finds the first message unfinished (UNPARSABLE_CONTENT, PARSE_ERROR),
 * and commands before any greeting are flagged once. */
static void test_one_sided(void)
{
	struct at t;

	KT_REQUIRE(at_init(&t, "smtp", 6, 40000, 25) == 0);
	at_feed_str(&t, 0, "ehlo enzo.icir.org\r\nmail FROM:<robin@icir.org> size=9030\r\n"
			   "rcpt TO:<robin@icir.org>\r\ndata\r\nFrom: robin@icir.org\r\n"
			   "Subject: Hello1!\r\n\r\nXXXX\r\n.\r\n");
	at_feed_str(&t, 0, "mail FROM:<robin@icir.org>\r\ndata\r\n");
	at_end(&t);
	KT_CHECK(count_events(&t, "NO_SERVER_WELCOME_MESSAGE") == 1);
	KT_CHECK(count_events(&t, "UNPARSABLE_CONTENT") == 1);
	KT_CHECK(count_events(&t, "DUPLICATE_FIELDS") == 1);
	KT_CHECK(at_find(&t, "\"tx_id\":0,", "\"email\":{\"status\":\"PARSE_ERROR\"}") >= 0);
	KT_CHECK(at_find(&t, "\"tx_id\":1,", "\"email\":{\"status\":\"HEADER_READY\"}") >= 0);
	at_fini(&t);
}

static void test_greeting_product(void)
{
	static const struct {
		const char *text, *product, *version;
	} v[] = {
		{ "mx.example.com ESMTP Postfix (Debian/GNU)", "postfix", "" },
		{ "mail.example.org ESMTP Exim 4.94.2 Thu, 04 Mar 2021 09:42:07 +0000", "exim",
		  "4.94.2" },
		{ "tux319.loginserver.ch ESMTP Sendmail 8.14.9/8.12.11; Mon, 29 Jul 2019", "sendmail",
		  "8.14.9" },
		{ "cernmxlb4.cern.ch Microsoft ESMTP MAIL Service ready at Tue, 8 Dec 2015",
		  "microsoft esmtp", "" },
		{ "host Microsoft ESMTP MAIL Service, Version: 6.0.3790.4675 ready at", "microsoft esmtp",
		  "6.0.3790.4675" },
	};
	char product[32], version[64];

	for (size_t i = 0; i < sizeof v / sizeof v[0]; i++) {
		KT_CHECK(smtp_greeting_product(v[i].text, strlen(v[i].text), product, sizeof product,
					       version, sizeof version) == 1);
		KT_EQ_STR(product, v[i].product);
		KT_EQ_STR(version, v[i].version);
	}
	KT_CHECK(smtp_greeting_product("mx01 ESMTP CommuniGate Pro 6.1.16", 33, product,
				       sizeof product, version, sizeof version) == 0);
}

/* Gaps stop a direction; a memcap too small for the line buffer stops
 * parsing without leaks. */
static void test_gap_and_memcap(void)
{
	struct at t;
	struct kn_app_config cfg;

	KT_REQUIRE(at_init(&t, "smtp", 6, 40000, 25) == 0);
	at_feed_str(&t, 1, "220 mx ESMTP\r\n");
	at_feed_str(&t, 0, "HELO c\r\nMAIL FR");
	at_gap(&t, 0, 50);
	at_feed_str(&t, 0, "OM:<a@b>\r\n");
	at_end(&t);
	KT_CHECK(at_find(&t, "\"smtp\":{\"helo\":\"c\"}}") >= 0);
	at_fini(&t);

	kn_app_config_default(&cfg);
	cfg.memcap = sizeof(struct smtp_state) + 1024;
	KT_REQUIRE(at_init_cfg(&t, "smtp", 6, 40000, 25, &cfg) == 0);
	feed_steps(&t, postfix_session, sizeof postfix_session / sizeof postfix_session[0], 7);
	at_end(&t);
	KT_CHECK(kn_app_ctx_stats(t.ctx)->memcap_refusals >= 1);
	KT_CHECK(kn_app_ctx_stats(t.ctx)->mem_in_use == 0);
	KT_CHECK(!t.bad_json);
	at_fini(&t);
}

static const struct kt_case cases[] = {
	KT_CASE(test_postfix_session),
	KT_CASE(test_one_byte_chunks),
	KT_CASE(test_detection),
	KT_CASE(test_pipelined_rset),
	KT_CASE(test_starttls),
	KT_CASE(test_data_never_ends),
	KT_CASE(test_long_lines),
	KT_CASE(test_bdat),
	KT_CASE(test_attachment_names),
	KT_CASE(test_mime_hostile),
	KT_CASE(test_replies),
	KT_CASE(test_one_sided),
	KT_CASE(test_greeting_product),
	KT_CASE(test_gap_and_memcap),
};
KT_MAIN("app_smtp", cases)
