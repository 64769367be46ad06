/*
 * brute_force.c - the "brute_force" behaviour detector: one client trying
 * passwords on a login service of one host, one connection per guess or
 * a few (ssh, ftp, telnet, rdp, vnc, VMware's authd, HTTP authentication).
 *
 * Per client, server and service port, in a fixed table (det_net.h) and a
 * 60 s tumbling window: the connections the server accepted (counted at
 * its SYN-ACK) on a login port of the table below, and the failed logins
 * where the protocol shows them in clear: FTP reply 530 and SMTP reply 535
 * (the first three bytes of a server segment and a space or hyphen), HTTP
 * 401 answering a request that carried an Authorization header (from the
 * app layer's transactions), and Kerberos KRB-ERROR replies of a KDC (port
 * 88, UDP or TCP; RFC 4120 section 5.9.1) with error code 24
 * (KDC_ERR_PREAUTH_FAILED: a wrong password), 6 (KDC_ERR_C_PRINCIPAL_UNKNOWN:
 * a user name guessed wrong) or 18 (KDC_ERR_CLIENT_REVOKED: a locked
 * account), a password spray over many accounts counting as one client's
 * failures against its KDC; code 25 (pre-authentication required) answers
 * every ordinary first AS-REQ and is not a failure. A person logging in
 * opens a connection or two and fails a password once or twice; a
 * password-guessing tool opens a connection per guess (or a few guesses
 * each), several a second. The client is reported, as the finding's
 * subject, at brute_min_conns accepted connections (default 8) or
 * brute_min_failures failed logins (default 3; twice that for HTTP, whose
 * users retype in the browser) in the window, or one failure fewer and a
 * new connection after them (the guessing goes on); again when either
 * doubled and in every later window it goes on. Busy machine-to-machine
 * services (SMTP relays, databases, SMB) open many connections
 * legitimately: only their failures count. Score 1 - 2^(-r), r the larger
 * of connections / brute_min_conns and failures / brute_min_failures: 0.5
 * at a threshold, 0.37 at two failures of three.
 */
#include <math.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "det_net.h"
#include "kenchi/detector.h"
#include "util/hash.h"
#include "util/json.h"

#define WINDOW_NS (60ull * 1000000000ull)

/* Login services: `conns` when a burst of connections alone is telling
 * (interactive logins), else only failures shown in clear count. */
static const struct login_port {
	uint16_t port;
	uint8_t conns;
	const char *name;
} login_ports[] = {
	{ 21, 1, "ftp" }, { 22, 1, "ssh" }, { 23, 1, "telnet" }, { 25, 0, "smtp" },
	{ 88, 0, "kerberos" },
	{ 587, 0, "smtp" }, { 902, 1, "vmware-authd" }, { 2222, 1, "ssh" },
	{ 3389, 1, "rdp" }, { 5900, 1, "vnc" },
};

struct attempt {
	struct det_slot slot;
	struct kn_addr client, server;
	uint8_t v6;
	uint16_t port;
	uint32_t conns, failures, rep_conns, rep_failures;
	uint32_t krb[3];   /* Kerberos failures: wrong password, unknown user, locked */
	uint64_t start_ns;
};

struct brute {
	struct det_table pairs;
	unsigned min_conns, min_failures;
};

static int brute_init(void *state, const struct kn_detect_config *cfg, uint64_t budget,
		      char *errbuf)
{
	struct brute *s = state;

	if (cfg->brute_min_conns < 2 || cfg->brute_min_failures < 1) {
		snprintf(errbuf, KN_ERRBUF_SIZE, "brute_force: brute_min_conns %u must be at least "
			 "2 and brute_min_failures %u at least 1 (defaults 8 and 3)",
			 cfg->brute_min_conns, cfg->brute_min_failures);
		return -KN_EINVAL;
	}
	s->min_conns = cfg->brute_min_conns;
	s->min_failures = cfg->brute_min_failures;
	if (det_table_init(&s->pairs, budget, sizeof(struct attempt)) != 0) {
		snprintf(errbuf, KN_ERRBUF_SIZE, "brute_force: out of memory (client table)");
		return -KN_ENOMEM;
	}
	return 0;
}

static void brute_fini(void *state)
{
	det_table_fini(&((struct brute *)state)->pairs);
}

static uint64_t brute_memuse(const void *state)
{
	return det_table_memuse(&((const struct brute *)state)->pairs);
}

static const struct login_port *login_port(uint16_t port)
{
	for (size_t i = 0; i < sizeof login_ports / sizeof login_ports[0]; i++)
		if (login_ports[i].port == port)
			return &login_ports[i];
	return NULL;
}

/* The entry of (client, server, port), created for a new window when
 * absent or stale. */
static struct attempt *entry(struct brute *s, const struct kn_addr *client,
			     const struct kn_addr *server, uint16_t port, int v6, uint64_t now)
{
	uint64_t h = kn_hash64(client->b, 16, kn_hash64(server->b, 16, 0x62727574u + port)) | 1;
	struct attempt *e = det_table_find(&s->pairs, h, now, 1, NULL);

	if (!e->start_ns || now >= e->start_ns + WINDOW_NS) {
		memset((char *)e + sizeof e->slot, 0, sizeof *e - sizeof e->slot);
		e->client = *client;
		e->server = *server;
		e->v6 = (uint8_t)v6;
		e->port = port;
		e->start_ns = now;
	}
	return e;
}

/* ----------------------------------------------------------- report */

struct finding {
	const struct attempt *e;
	char client[48], server[48];
	const char *service;
};

static double window_s(const struct attempt *e)
{
	return det_span_s(e->start_ns, e->slot.last_ns);
}

static void evidence(const void *arg, struct kn_json *j)
{
	const struct finding *f = arg;

	kn_json_str(j, "client", f->client);
	kn_json_str(j, "server", f->server);
	kn_json_str(j, "service", f->service);
	kn_json_u64(j, "port", f->e->port);
	kn_json_u64(j, "connections", f->e->conns);
	kn_json_u64(j, "failures", f->e->failures);
	if (f->e->port == 88) {
		kn_json_u64(j, "preauth_failed", f->e->krb[0]);
		kn_json_u64(j, "unknown_principal", f->e->krb[1]);
		kn_json_u64(j, "client_revoked", f->e->krb[2]);
	}
	kn_json_double(j, "window_s", window_s(f->e), 3);
}

static void report(struct brute *s, struct kn_detect_call *c, const struct kn_flow *flow,
		   int dir, const struct attempt *e, const char *service)
{
	struct finding f = { .e = e, .service = service };
	char why[400];
	double r = fmax((double)e->conns / s->min_conns, (double)e->failures / s->min_failures);

	kn_detect_addr_text(&e->client, e->v6, f.client, sizeof f.client);
	kn_detect_addr_text(&e->server, e->v6, f.server, sizeof f.server);
	if (e->port == 88)
		snprintf(why, sizeof why, "%s failed %u Kerberos logins at %s in %.1f s (%u wrong "
			 "passwords, %u unknown user names, %u locked accounts): password guessing, "
			 "spraying or user enumeration", f.client, e->failures, f.server,
			 window_s(e), e->krb[0], e->krb[1], e->krb[2]);
	else if (e->conns)
		snprintf(why, sizeof why, "%s opened %u connections to %s on %s (port %u) in "
			 "%.1f s and failed to log in %u times: password guessing", f.client,
			 e->conns, f.server, service, e->port, window_s(e), e->failures);
	else
		snprintf(why, sizeof why, "%s failed to log in %u times to %s on %s (port %u) in "
			 "%.1f s: password guessing", f.client, e->failures, f.server, service,
			 e->port, window_s(e));
	struct kn_detection d = {
		.event = "BRUTE_FORCE", .score = 1.0 - exp2(-r), .key = f.client,
		.explanation = why, .flow = flow, .dir = dir,
		.subject = e->client, .subject_set = 1, .subject_v6 = e->v6,
		.evidence = evidence, .arg = &f };
	kn_detect_report(c, &d);
}

/* Reports e when a threshold is reached; min_failures is the failures'
 * threshold of its service. */
static void check(struct brute *s, struct kn_detect_call *c, const struct kn_flow *flow, int dir,
		  struct attempt *e, const char *service, unsigned min_failures)
{
	int conns = e->conns >= s->min_conns && e->conns >= 2ull * e->rep_conns;
	/* a new connection after all but one of the failures: the guessing
	 * goes on */
	int fails = (e->failures >= min_failures ||
		     (e->failures && e->failures + 1 >= min_failures && e->conns > e->failures)) &&
		    e->failures >= 2ull * e->rep_failures;

	if (!conns && !fails)
		return;
	e->rep_conns = e->conns;
	e->rep_failures = e->failures;
	report(s, c, flow, dir, e, service);
}

/* ----------------------------------------------------------- packets */

/* 1 when a server segment on port starts with a failed-login reply:
 * "530" (FTP) or "535" (SMTP AUTH) and a space or hyphen. */
static int failed_login(const struct kn_packet *p, uint16_t port)
{
	const char *code = port == 21 ? "530" : port == 25 || port == 587 ? "535" : NULL;
	uint32_t n;
	const uint8_t *d = det_payload(p, &n);

	return code && n >= 4 && !memcmp(d, code, 3) && (d[3] == ' ' || d[3] == '-');
}

/* DER (X.690): the length of the element at d[*at..n) whose identifier
 * octet is tag; *at moves to its contents. -1 when the element is not
 * there or runs past n (indefinite lengths are not DER). */
static int64_t der_enter(const uint8_t *d, uint32_t n, uint32_t *at, uint8_t tag)
{
	uint32_t i = *at;

	if (i + 2 > n || d[i] != tag)
		return -1;
	uint32_t len = d[i + 1];
	i += 2;
	if (len & 0x80) {
		unsigned k = len & 0x7f;
		if (k == 0 || k > 3 || i + k > n)
			return -1;
		len = 0;
		while (k--)
			len = len << 8 | d[i++];
	}
	if (len > n - i)
		return -1;
	*at = i;
	return len;
}

/* The error-code of a Kerberos KRB-ERROR message ([APPLICATION 30]
 * SEQUENCE { pvno [0], msg-type [1], ctime [2] OPTIONAL, cusec [3]
 * OPTIONAL, stime [4], susec [5], error-code [6] Int32, ... }) at d[0..n),
 * or -1 when d does not hold one. */
static int32_t krb_error_code(const uint8_t *d, uint32_t n)
{
	uint32_t at = 0;
	int64_t len = der_enter(d, n, &at, 0x7e);

	if (len < 0)
		return -1;
	n = at + (uint32_t)len;
	if ((len = der_enter(d, n, &at, 0x30)) < 0)
		return -1;
	n = at + (uint32_t)len;
	while (at < n) {
		uint8_t tag = d[at];
		if (tag < 0xa0 || tag > 0xa6)
			return -1;
		if ((len = der_enter(d, n, &at, tag)) < 0)
			return -1;
		if (tag == 0xa6) {
			uint32_t in = at;
			int64_t il = der_enter(d, at + (uint32_t)len, &in, 0x02);
			if (il < 1 || il > 4)
				return -1;
			int32_t v = (int8_t)d[in];   /* two's complement, sign first */
			for (int64_t k = 1; k < il; k++)
				v = (int32_t)((uint32_t)v << 8 | d[in + k]);
			return v;
		}
		at += (uint32_t)len;
	}
	return -1;
}

/* Which failed login a KDC's reply in p (from port 88) tells: 1 a wrong
 * password, 2 an unknown user, 3 a locked account, 0 none. Over TCP the
 * message follows a 4-byte record length (RFC 4120 7.2.2) at the start of
 * a segment. */
static int kerberos_failure(const struct kn_packet *p)
{
	uint32_t n;
	const uint8_t *d = det_payload(p, &n);

	if (!n)
		return 0;
	if (p->proto == 6) {
		if (n < 4)
			return 0;
		d += 4, n -= 4;
	}
	int32_t code = krb_error_code(d, n);
	return code == 24 ? 1 : code == 6 ? 2 : code == 18 ? 3 : 0;
}

static void brute_packet(void *state, struct kn_detect_call *c, const struct kn_packet *p)
{
	struct brute *s = state;
	int v6 = p->ip_version == 6;
	const struct login_port *lp;

	if ((p->ip_version != 4 && !v6) || !p->flow)
		return;
	int krb;
	if (p->sport == 88 && (p->proto == 17 || p->proto == 6) && (krb = kerberos_failure(p))) {
		struct attempt *e = entry(s, &p->dst, &p->src, 88, v6, p->ts_ns);
		e->failures++;
		e->krb[krb - 1]++;
		check(s, c, p->flow, p->flow->key.sport == 88 ? 1 : 0, e, "kerberos",
		      s->min_failures);
		return;
	}
	if (p->proto != 6)
		return;
	/* a connection counts once the server accepts it: its SYN-ACK (a
	 * closed port retried counts nothing) */
	if (p->dir == 1 && p->flow->pkts[1] == 1 &&
	    (p->tcp.flags & (KN_TCP_SYN | KN_TCP_ACK | KN_TCP_RST)) == (KN_TCP_SYN | KN_TCP_ACK) &&
	    (lp = login_port(p->sport)) && lp->conns) {
		struct attempt *e = entry(s, &p->dst, &p->src, p->sport, v6, p->ts_ns);
		e->conns++;
		check(s, c, p->flow, p->dir, e, lp->name, s->min_failures);
	} else if (p->dir == 1 && p->payload_len && (lp = login_port(p->sport)) &&
		   failed_login(p, p->sport)) {
		struct attempt *e = entry(s, &p->dst, &p->src, p->sport, v6, p->ts_ns);
		e->failures++;
		check(s, c, p->flow, p->dir, e, lp->name, s->min_failures);
	}
}

/* 1 when the buffer holds a header line "Authorization:" (any case). */
static int has_authorization(const uint8_t *h, uint32_t n)
{
	static const char name[] = "authorization:";
	const size_t len = sizeof name - 1;

	for (uint32_t i = 0; i + len <= n; i++)
		if ((i == 0 || h[i - 1] == '\n') && !strncasecmp((const char *)h + i, name, len))
			return 1;
	return 0;
}

/* HTTP basic/digest logins: a 401 answer to a request that carried
 * credentials (a first request without them gets its 401 challenge, not
 * counted) is a failed login; a browser user mistypes once or twice, so
 * twice brute_min_failures of them are needed. */
static void brute_tx(void *state, struct kn_detect_call *c, const struct kn_flow *flow,
		     const char *app_proto, const struct kn_tx *tx)
{
	struct brute *s = state;
	const uint8_t *v;
	uint32_t n;
	int creds = 0;

	if (!app_proto || strcmp(app_proto, "http") || !tx->buffer ||
	    !tx->buffer(tx, KN_BUF_HTTP_STAT_CODE, 0, &v, &n) || n != 3 || memcmp(v, "401", 3))
		return;
	for (unsigned i = 0; i < 2 && !creds; i++)
		creds = tx->buffer(tx, KN_BUF_HTTP_HEADER, i, &v, &n) && has_authorization(v, n);
	if (!creds)
		return;
	int v6 = flow->key.ip_version == 6;
	const struct kn_addr *client = tx->dir ? &flow->key.dst : &flow->key.src;
	const struct kn_addr *server = tx->dir ? &flow->key.src : &flow->key.dst;
	uint16_t port = tx->dir ? flow->key.sport : flow->key.dport;
	struct attempt *e = entry(s, client, server, port, v6, kn_detect_time_ns(c));
	e->failures++;
	check(s, c, flow, tx->dir, e, "http", 2 * s->min_failures);
}

const struct kn_detector kn_detector_brute_force = {
	.name = "brute_force",
	.ctx_size = sizeof(struct brute),
	.init = brute_init,
	.fini = brute_fini,
	.packet = brute_packet,
	.tx = brute_tx,
	.memuse = brute_memuse,
};
