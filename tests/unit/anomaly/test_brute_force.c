/*
 * test_brute_force.c - the brute_force behaviour detector: an ssh guesser
 * opening a connection every half second is reported at its 8th (and
 * 16th) handshake, an FTP guesser at its third connection after two 530
 * replies, an SMTP AUTH guesser at its third 535, an HTTP one at its 6th
 * 401 with credentials (challenges are not failures), a Kerberos password
 * sprayer at its third KRB-ERROR of a failed login (UDP, and TCP with its
 * record marker), each with the client as subject; not reported: an administrator's seven ssh logins in a minute,
 * one FTP typo then success, two failures in one FTP session, a busy SMTP
 * relay, "530" from a web server, a retransmitted SYN, a closed ssh port
 * retried 20 times, twenty Kerberos "pre-authentication required" answers
 * and two wrong passwords, KRB-ERRORs cut short or from another port; a
 * bad setting is refused.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../../kt.h"

#include "detect_test.h"
#include "det_packets.h"
#include "det_focus.h"

/* One connection client:sport -> server:port at t: SYN, SYN-ACK, ACK. */
static void connect_to(struct focus *f, struct kn_addr client, struct kn_addr server,
		       uint16_t sport, uint16_t port, double t)
{
	fpkt(f, client, server, 6, sport, port, KN_TCP_SYN, 0, 0, 1, 0, NULL, 0, t);
	fpkt(f, server, client, 6, port, sport, KN_TCP_SYN | KN_TCP_ACK, 0, 1, 1, 1, NULL, 0,
	     t + 0.001);
	fpkt(f, client, server, 6, sport, port, KN_TCP_ACK, 0, 0, 2, 1, NULL, 0, t + 0.002);
}

/* A server reply line on the current connection. */
static void reply(struct focus *f, struct kn_addr client, struct kn_addr server, uint16_t sport,
		  uint16_t port, const char *line, double t)
{
	fpkt(f, server, client, 6, port, sport, KN_TCP_ACK | KN_TCP_PSH, 0, 1, 3, 3, line,
	     (uint32_t)strlen(line), t);
}

static void test_ssh(void)
{
	struct focus f;
	struct kn_addr a = v4(192, 168, 2, 40), v = v4(192, 168, 2, 37);

	focus_init(&f, "brute_force", 0, NULL);
	for (unsigned i = 0; i < 20; i++) {
		connect_to(&f, a, v, (uint16_t)(50000 + i), 22, i * 0.5);
		fpkt(&f, a, v, 6, (uint16_t)(50000 + i), 22, KN_TCP_FIN | KN_TCP_ACK, 0, 0, 9, 9,
		     NULL, 0, i * 0.5 + 0.3);
	}
	/* 4 packets a connection: the 8th SYN-ACK is packet 30, the 16th 62 */
	KT_EQ(f.r.seen.n, 2);
	KT_EQ(f.first_cnt, 30);
	KT_EQ(f.r.seen.pcap_cnt, 62);
	KT_EQ_STR(f.r.seen.event, "BRUTE_FORCE");
	KT_EQ_STR(f.r.seen.key, "192.168.2.40");
	KT_EQ_STR(f.subject, "192.168.2.40");
	KT_CHECK(f.r.seen.score > 0.749 && f.r.seen.score < 0.751);
	KT_EQ_STR(f.r.seen.expl, "192.168.2.40 opened 16 connections to 192.168.2.37 on ssh "
		  "(port 22) in 7.5 s and failed to log in 0 times: password guessing");
	KT_CHECK(strstr(f.r.seen.evidence, "\"service\":\"ssh\",\"port\":22,\"connections\":16,"
			"\"failures\":0") != NULL);
	kn_detect_ctx_free(f.r.ctx);
}

/* FTP attempts, one connection each: banner, USER, 331, PASS, 530. */
static void ftp_try(struct focus *f, struct kn_addr c, struct kn_addr s, uint16_t sport,
		    const char *answer, double t)
{
	connect_to(f, c, s, sport, 21, t);
	reply(f, c, s, sport, 21, "220 (vsFTPd 2.3.4)\r\n", t + 0.01);
	fpkt(f, c, s, 6, sport, 21, KN_TCP_ACK | KN_TCP_PSH, 0, 0, 4, 4, "USER bro\r\n", 10,
	     t + 0.02);
	reply(f, c, s, sport, 21, "331 Please specify the password.\r\n", t + 0.03);
	fpkt(f, c, s, 6, sport, 21, KN_TCP_ACK | KN_TCP_PSH, 0, 0, 5, 5, "PASS 1\r\n", 8,
	     t + 0.04);
	reply(f, c, s, sport, 21, answer, t + 0.5);
}

static void test_ftp(void)
{
	struct focus f;
	struct kn_addr a = v4(192, 168, 56, 1), v = v4(192, 168, 56, 101);

	focus_init(&f, "brute_force", 0, NULL);
	for (unsigned i = 0; i < 4; i++)   /* 8 packets an attempt */
		ftp_try(&f, a, v, (uint16_t)(54017 + i), "530 Login incorrect.\r\n", i * 2.0);
	/* two 530s, then the third connection (its SYN-ACK: packet 18); again at the
	 * 4th failure (packet 32: score 1 - 2^(-4/3) = 0.60, half again 0.37) */
	KT_EQ(f.r.seen.n, 2);
	KT_EQ(f.first_cnt, 18);
	KT_EQ(f.r.seen.pcap_cnt, 32);
	KT_EQ_STR(f.subject, "192.168.56.1");
	KT_EQ_STR(f.r.seen.expl, "192.168.56.1 opened 4 connections to 192.168.56.101 on ftp "
		  "(port 21) in 6.5 s and failed to log in 4 times: password guessing");
	kn_detect_ctx_free(f.r.ctx);
}

static void test_smtp_auth(void)
{
	struct focus f;
	struct kn_addr a = v4(198, 51, 100, 7), v = v4(10, 0, 0, 25);

	focus_init(&f, "brute_force", 0, NULL);
	connect_to(&f, a, v, 40000, 587, 0);
	for (unsigned i = 0; i < 3; i++)   /* three AUTH failures on one connection */
		reply(&f, a, v, 40000, 587, "535 5.7.8 Authentication credentials invalid\r\n",
		      1 + i);
	KT_EQ(f.r.seen.n, 1);
	KT_EQ(f.first_cnt, 6);
	KT_EQ_STR(f.subject, "198.51.100.7");
	KT_EQ_STR(f.r.seen.expl, "198.51.100.7 failed to log in 3 times to 10.0.0.25 on smtp "
		  "(port 587) in 2.0 s: password guessing");
	kn_detect_ctx_free(f.r.ctx);
}

/* A KDC's KRB-ERROR (RFC 4120 5.9.1) with error-code code (an INTEGER of
 * ilen bytes), behind a TCP record marker when tcp, at out; its length.
 * pad bytes of e-data push the outer lengths into DER's long form. */
static uint32_t krb_error(uint8_t *out, int32_t code, unsigned ilen, int tcp, unsigned pad)
{
	uint8_t body[255];
	uint32_t n = 0;

	if (pad > 180)   /* the body and its one-byte long-form length */
		abort();
	static const uint8_t head[] = {
		0xa0, 0x03, 0x02, 0x01, 0x05,                     /* pvno 5 */
		0xa1, 0x03, 0x02, 0x01, 0x1e,                     /* msg-type 30 */
		0xa4, 0x11, 0x18, 0x0f, '2', '0', '2', '6', '1', '2', '0', '2',
		'1', '2', '0', '0', '0', '0', 'Z',                /* stime */
		0xa5, 0x05, 0x02, 0x03, 0x0a, 0x1b, 0x2c,         /* susec */
	};
	memcpy(body, head, sizeof head);
	n = sizeof head;
	body[n++] = 0xa6;
	body[n++] = (uint8_t)(2 + ilen);
	body[n++] = 0x02;
	body[n++] = (uint8_t)ilen;
	for (unsigned i = ilen; i-- > 0;)
		body[n++] = (uint8_t)((uint32_t)code >> (8 * i));
	static const uint8_t realm[] = { 0xa9, 0x0d, 0x1b, 0x0b, 'C', 'O', 'R', 'P', '.',
					 'E', 'X', 'A', 'M', 'P', 'L' };
	memcpy(body + n, realm, sizeof realm);
	n += sizeof realm;
	if (pad) {   /* e-data [12] OCTET STRING */
		body[n++] = 0xac;
		body[n++] = 0x81;
		body[n++] = (uint8_t)(pad + 3);
		body[n++] = 0x04;
		body[n++] = 0x81;
		body[n++] = (uint8_t)pad;
		memset(body + n, 0x30, pad);
		n += pad;
	}
	uint32_t o = tcp ? 4 : 0;
	uint8_t seq[4] = { 0x30 }, app[4] = { 0x7e };
	unsigned sl = 1, al = 1;
	if (n < 128) {
		seq[sl++] = (uint8_t)n;
	} else {
		seq[sl++] = 0x81;
		seq[sl++] = (uint8_t)n;
	}
	uint32_t inner = sl + n;
	if (inner < 128) {
		app[al++] = (uint8_t)inner;
	} else {
		app[al++] = 0x82;
		app[al++] = (uint8_t)(inner >> 8);
		app[al++] = (uint8_t)inner;
	}
	memcpy(out + o, app, al);
	memcpy(out + o + al, seq, sl);
	memcpy(out + o + al + sl, body, n);
	uint32_t total = al + sl + n;
	if (tcp) {
		out[0] = 0, out[1] = 0, out[2] = (uint8_t)(total >> 8), out[3] = (uint8_t)total;
		total += 4;
	}
	return total;
}

/* One Kerberos exchange over UDP from client:sport: an AS-REQ, then the
 * KDC's (server:port) answer msg[0..len). */
static void krb_udp(struct focus *f, struct kn_addr client, struct kn_addr server,
		    uint16_t sport, uint16_t port, const uint8_t *msg, uint32_t len, double t)
{
	static const uint8_t as_req[] = { 0x6a, 0x81, 0xb0, 0x30, 0x81, 0xad };
	fpkt(f, client, server, 17, sport, port, 0, 0, 0, 1, 0, as_req, sizeof as_req, t);
	fpkt(f, server, client, 17, port, sport, 0, 0, 1, 1, 1, msg, len, t + 0.001);
}

static void test_kerberos(void)
{
	struct focus f;
	struct kn_addr a = v4(192, 168, 2, 2), kdc = v4(192, 168, 2, 36);
	uint8_t m[512];
	uint32_t n;

	focus_init(&f, "brute_force", 0, NULL);
	n = krb_error(m, 6, 1, 0, 0);   /* unknown user */
	krb_udp(&f, a, kdc, 50440, 88, m, n, 1.0);
	krb_udp(&f, a, kdc, 50441, 88, m, n, 1.1);
	KT_EQ(f.r.seen.n, 0);
	n = krb_error(m, 24, 2, 0, 100);   /* wrong password: 2-byte INTEGER, long forms */
	krb_udp(&f, a, kdc, 50442, 88, m, n, 1.2);
	KT_EQ(f.r.seen.n, 1);
	KT_EQ(f.first_cnt, 6);
	KT_EQ_STR(f.subject, "192.168.2.2");
	KT_EQ_STR(f.r.seen.key, "192.168.2.2");
	KT_EQ_STR(f.r.seen.expl, "192.168.2.2 failed 3 Kerberos logins at 192.168.2.36 in 0.2 s "
		  "(1 wrong passwords, 2 unknown user names, 0 locked accounts): password "
		  "guessing, spraying or user enumeration");
	KT_CHECK(strstr(f.r.seen.evidence, "\"service\":\"kerberos\",\"port\":88") != NULL);
	KT_CHECK(strstr(f.r.seen.evidence, "\"preauth_failed\":1,\"unknown_principal\":2,"
				       "\"client_revoked\":0") != NULL);
	kn_detect_ctx_free(f.r.ctx);

	/* over TCP: the record marker, then the message; a locked account too */
	focus_init(&f, "brute_force", 0, NULL);
	for (unsigned i = 0; i < 3; i++) {
		connect_to(&f, a, kdc, (uint16_t)(51000 + i), 88, 10.0 + i);
		n = krb_error(m, i == 2 ? 18 : 24, 1, 1, 0);
		fpkt(&f, kdc, a, 6, 88, (uint16_t)(51000 + i), KN_TCP_ACK | KN_TCP_PSH, 0, 1, 3, 3,
		     m, n, 10.5 + i);
	}
	KT_EQ(f.r.seen.n, 1);
	KT_CHECK(strstr(f.r.seen.expl, "(2 wrong passwords, 0 unknown user names, 1 locked "
				       "accounts)") != NULL);
	kn_detect_ctx_free(f.r.ctx);
}

static void test_kerberos_quiet(void)
{
	struct focus f;
	struct kn_addr a = v4(10, 1, 0, 20), kdc = v4(10, 1, 0, 2);
	uint8_t m[512];
	uint32_t n;

	focus_init(&f, "brute_force", 0, NULL);
	n = krb_error(m, 25, 1, 0, 0);   /* pre-authentication required: every logon */
	for (unsigned i = 0; i < 20; i++)
		krb_udp(&f, a, kdc, (uint16_t)(50000 + i), 88, m, n, i * 0.5);
	n = krb_error(m, 24, 1, 0, 0);   /* a user mistypes twice */
	krb_udp(&f, a, kdc, 50100, 88, m, n, 20);
	krb_udp(&f, a, kdc, 50101, 88, m, n, 25);
	krb_udp(&f, v4(10, 1, 0, 21), kdc, 50102, 8888, m, n, 26);   /* not a KDC's port */
	krb_udp(&f, v4(10, 1, 0, 21), kdc, 50103, 8888, m, n, 26.1);
	krb_udp(&f, v4(10, 1, 0, 21), kdc, 50104, 8888, m, n, 26.2);
	for (uint32_t cut = 1; cut < n; cut += 7)   /* cut short: never a failure */
		krb_udp(&f, v4(10, 1, 0, 22), kdc, (uint16_t)(50200 + cut), 88, m, cut, 27);
	n = krb_error(m, 24 - 256, 2, 0, 0);   /* -232 (0xff18): no error number */
	for (unsigned i = 0; i < 5; i++)
		krb_udp(&f, v4(10, 1, 0, 23), kdc, (uint16_t)(50300 + i), 88, m, n, 28);
	KT_EQ(f.r.seen.n, 0);
	kn_detect_ctx_free(f.r.ctx);
}

/* An HTTP transaction whose status and request headers are the test's. */
static const char *http_status, *http_headers;

static int http_buffer(const struct kn_tx *tx, unsigned buf, unsigned index,
		       const uint8_t **data, uint32_t *len)
{
	const char *v = buf == KN_BUF_HTTP_STAT_CODE ? http_status :
			buf == KN_BUF_HTTP_HEADER ? http_headers : NULL;

	(void)tx;
	if (!v || index)
		return 0;
	*data = (const uint8_t *)v;
	*len = (uint32_t)strlen(v);
	return 1;
}

static void http_tx(struct focus *f, struct kn_addr client, const char *status,
		    const char *headers, double t)
{
	struct kn_tx tx = { .buffer = http_buffer };

	memset(&f->r.flow.key, 0, sizeof f->r.flow.key);
	f->r.flow.key.src = client;
	f->r.flow.key.dst = v4(10, 0, 0, 80);
	f->r.flow.key.sport = 51000;
	f->r.flow.key.dport = 8080;
	f->r.flow.key.proto = 6;
	f->r.flow.key.ip_version = 4;
	http_status = status;
	http_headers = headers;
	kn_detect_tx(f->r.ctx, &f->r.flow, "http", &tx, (uint64_t)(t * 1e9), ++f->r.n);
}

static void test_http(void)
{
	struct focus f;
	const char *creds = "Host: nas.lan\r\nUser-Agent: hydra\r\n"
			    "authorization: Basic YWRtaW46MTIzNDU2\r\n";

	focus_init(&f, "brute_force", 0, NULL);
	for (unsigned i = 0; i < 20; i++) {   /* challenges, then a good login */
		http_tx(&f, v4(10, 0, 0, 5), "401", "Host: nas.lan\r\n", i);
		http_tx(&f, v4(10, 0, 0, 5), "200", creds, i + 0.5);
	}
	for (unsigned i = 0; i < 5; i++)   /* five wrong passwords: not yet */
		http_tx(&f, v4(10, 0, 0, 6), "401", creds, 100 + i);
	KT_EQ(f.r.seen.n, 0);
	http_tx(&f, v4(10, 0, 0, 6), "401", creds, 105);
	KT_EQ(f.r.seen.n, 1);
	KT_EQ(f.first_cnt, 46);
	KT_EQ_STR(f.subject, "10.0.0.6");
	KT_EQ_STR(f.r.seen.expl, "10.0.0.6 failed to log in 6 times to 10.0.0.80 on http (port "
		  "8080) in 5.0 s: password guessing");
	kn_detect_ctx_free(f.r.ctx);
}

static void test_quiet(void)
{
	struct focus f;
	struct kn_addr admin = v4(192, 168, 2, 1), srv = v4(192, 168, 2, 158);

	focus_init(&f, "brute_force", 0, NULL);
	for (unsigned i = 0; i < 7; i++)   /* seven logins in 60 s */
		connect_to(&f, admin, srv, (uint16_t)(56000 + i), 22, i * 8.0);
	for (unsigned i = 0; i < 7; i++)   /* seven more in the next window */
		connect_to(&f, admin, srv, (uint16_t)(57000 + i), 22, 61 + i * 8.0);
	KT_EQ(f.r.seen.n, 0);
	/* a typo, then the right password on a new connection */
	ftp_try(&f, admin, srv, 60000, "530 Login incorrect.\r\n", 200);
	ftp_try(&f, admin, srv, 60001, "230 Login successful.\r\n", 205);
	/* another user: two typos in one session, no new connection */
	ftp_try(&f, v4(192, 168, 2, 2), srv, 60100, "530 Login incorrect.\r\n", 210);
	reply(&f, v4(192, 168, 2, 2), srv, 60100, 21, "530 Login incorrect.\r\n", 212);
	KT_EQ(f.r.seen.n, 0);
	for (unsigned i = 0; i < 50; i++)   /* an SMTP relay delivering 50 messages */
		connect_to(&f, v4(10, 0, 0, 25), v4(203, 0, 113, 25), (uint16_t)(41000 + i), 25,
			   300 + i * 0.2);
	for (unsigned i = 0; i < 5; i++)   /* a web page starting "530 " */
		reply(&f, v4(10, 0, 0, 8), v4(203, 0, 113, 80), (uint16_t)(42000 + i), 80,
		      "530 reasons to visit\r\n", 400 + i);
	for (unsigned i = 0; i < 12; i++)   /* one SYN retransmitted */
		fpkt(&f, v4(10, 0, 0, 9), srv, 6, 43000, 22, KN_TCP_SYN, 0, 0, 1 + i, 0, NULL, 0,
		     500 + i);
	for (unsigned i = 0; i < 20; i++) {   /* a script retrying a closed ssh port */
		fpkt(&f, v4(10, 0, 0, 10), srv, 6, (uint16_t)(44000 + i), 22, KN_TCP_SYN, 0, 0, 1, 0,
		     NULL, 0, 600 + i);
		fpkt(&f, srv, v4(10, 0, 0, 10), 6, 22, (uint16_t)(44000 + i),
		     KN_TCP_RST | KN_TCP_ACK, 0, 1, 1, 1, NULL, 0, 600 + i + 0.001);
	}
	KT_EQ(f.r.seen.n, 0);
	kn_detect_ctx_free(f.r.ctx);
}

static void test_config(void)
{
	struct kn_detect_config cfg;
	struct kn_detect_callbacks cb = { 0 };
	char err[KN_ERRBUF_SIZE] = "";

	kn_detect_config_default(&cfg);
	KT_EQ(cfg.brute_min_conns, 8);
	KT_EQ(cfg.brute_min_failures, 3);
	cfg.brute_min_conns = 1;
	KT_CHECK(kn_detect_ctx_new(&cfg, &cb, err) == NULL);
	KT_CHECK(strstr(err, "brute_force: brute_min_conns 1 must be at least 2") != NULL);
}

static const struct kt_case cases[] = {
	KT_CASE(test_ssh),
	KT_CASE(test_ftp),
	KT_CASE(test_smtp_auth),
	KT_CASE(test_http),
	KT_CASE(test_kerberos),
	KT_CASE(test_kerberos_quiet),
	KT_CASE(test_quiet),
	KT_CASE(test_config),
};

KT_MAIN("anomaly_brute_force", cases)
