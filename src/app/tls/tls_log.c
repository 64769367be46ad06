/*
 * tls_log.c - the body of the EVE "tls" event, in Suricata 7's member
 * order, and the named buffers of a TLS handshake (tls.sni, tls.cert_*,
 * ja3.*, ja3s.*, ja4.hash).
 *
 *   "tls": {"session_resumed", "subject", "issuerdn", "serial",
 *           "fingerprint", "sni", "version", "notbefore", "notafter",
 *           "ja3": {"hash", "string"}, "ja3s": {"hash", "string"},
 *           "client": {"subject", "issuerdn", "fingerprint", "serial",
 *                      "notbefore", "notafter"},
 *           "ja4"}
 * Members are present only when known. "ja4" (which Suricata 7 does not
 * log) comes after every member Suricata writes.
 *
 * Output side of the app stage: called through struct kn_tx while the
 * handshake's transaction is being reported.
 */
#include "app/tls/tls.h"

#include <string.h>

#include "app/app_run.h"
#include "util/json.h"

/* The version Suricata logs: the server's choice (supported_versions, else
 * the ServerHello, whose 0x0304 without the extension is an early draft),
 * else the version of the server's records, else UNDETERMINED. */
static const char *version_text(const struct tls_state *st, char buf[24])
{
	const struct tls_server_facts *sf = &st->server;

	if (st->sslv2_server)
		return "SSLv2";
	if (sf->has_selected)
		return tls_version_name(sf->selected_version, buf);
	if (sf->seen)
		return sf->legacy_version == 0x0304 ? "TLS 1.3 draft-<16"
						    : tls_version_name(sf->legacy_version, buf);
	return tls_version_name(st->dir[st->server_dir].rec_version, buf);
}

static void put_str(struct kn_json *j, const char *key, const struct tls_str *s)
{
	if (s->p)
		kn_json_strn(j, key, s->p, s->len);
}

static void put_fp(struct kn_json *j, const char *key, const char *hash,
		   const struct tls_str *s)
{
	kn_json_open(j, key);
	kn_json_str(j, "hash", hash);
	put_str(j, "string", s);
	kn_json_close(j);
}

static void put_client_cert(struct kn_json *j, const struct tls_cert *c)
{
	kn_json_open(j, "client");
	put_str(j, "subject", &c->subject);
	put_str(j, "issuerdn", &c->issuer);
	if (c->fingerprint[0])
		kn_json_str(j, "fingerprint", c->fingerprint);
	put_str(j, "serial", &c->serial);
	if (c->has_dates) {
		kn_json_str(j, "notbefore", c->not_before);
		kn_json_str(j, "notafter", c->not_after);
	}
	kn_json_close(j);
}

/* ---------------------------------------------------------- runs */

/* The members of the "tls" object as one run of text (see app_run.h), in
 * the order of tls_log_slow(); 0 when a string is not plain (or too long),
 * and the object is then written by tls_log_slow(). `count` is the number
 * of members so far in the object being written (a comma before all but
 * the first). */

static void run_key(struct app_run *r, int *count, const char *quoted_key)
{
	if ((*count)++)
		app_run_char(r, ',');
	app_run_bytes(r, quoted_key, strlen(quoted_key));
}

static int run_tstr(struct app_run *r, int *count, const char *quoted_key,
		    const struct tls_str *s)
{
	if (!s->p)
		return 1;
	run_key(r, count, quoted_key);
	return app_run_str(r, s->p, s->len);
}

static int run_text(struct app_run *r, int *count, const char *quoted_key, const char *text)
{
	run_key(r, count, quoted_key);
	return app_run_str(r, text, strlen(text));
}

static int run_fp(struct app_run *r, int *count, const char *quoted_key, const char *hash,
		  const struct tls_str *s)
{
	int inner = 0;

	run_key(r, count, quoted_key);
	app_run_char(r, '{');
	if (!run_text(r, &inner, "\"hash\":", hash) || !run_tstr(r, &inner, "\"string\":", s))
		return 0;
	app_run_char(r, '}');
	return 1;
}

static int run_client_cert(struct app_run *r, int *count, const struct tls_cert *c)
{
	int inner = 0;

	run_key(r, count, "\"client\":");
	app_run_char(r, '{');
	if (!run_tstr(r, &inner, "\"subject\":", &c->subject) ||
	    !run_tstr(r, &inner, "\"issuerdn\":", &c->issuer) ||
	    (c->fingerprint[0] && !run_text(r, &inner, "\"fingerprint\":", c->fingerprint)) ||
	    !run_tstr(r, &inner, "\"serial\":", &c->serial))
		return 0;
	if (c->has_dates && (!run_text(r, &inner, "\"notbefore\":", c->not_before) ||
			     !run_text(r, &inner, "\"notafter\":", c->not_after)))
		return 0;
	app_run_char(r, '}');
	return 1;
}

static int tls_log_run(struct app_run *r, const struct tls_state *st)
{
	const struct tls_cert *sc = &st->cert[st->server_dir];
	const struct tls_cert *cc = &st->cert[!st->server_dir];
	char vbuf[24];
	int n = 0;

	if (st->server.resumed) {
		run_key(r, &n, "\"session_resumed\":");
		app_run_lit(r, "true");
	}
	if (sc->parsed && (!run_tstr(r, &n, "\"subject\":", &sc->subject) ||
			   !run_tstr(r, &n, "\"issuerdn\":", &sc->issuer) ||
			   !run_tstr(r, &n, "\"serial\":", &sc->serial) ||
			   (sc->fingerprint[0] &&
			    !run_text(r, &n, "\"fingerprint\":", sc->fingerprint))))
		return 0;
	if (st->client.has_sni && !run_tstr(r, &n, "\"sni\":", &st->client.sni))
		return 0;
	if (!run_text(r, &n, "\"version\":", version_text(st, vbuf)))
		return 0;
	if (sc->parsed && sc->has_dates &&
	    (!run_text(r, &n, "\"notbefore\":", sc->not_before) ||
	     !run_text(r, &n, "\"notafter\":", sc->not_after)))
		return 0;
	if (st->client.has_ja3 &&
	    !run_fp(r, &n, "\"ja3\":", st->client.ja3_hash, &st->client.ja3))
		return 0;
	if (st->server.has_ja3s &&
	    !run_fp(r, &n, "\"ja3s\":", st->server.ja3s_hash, &st->server.ja3s))
		return 0;
	if (st->from_proto && !run_text(r, &n, "\"from_proto\":", st->from_proto))
		return 0;
	if (cc->parsed && !run_client_cert(r, &n, cc))
		return 0;
	if (st->client.has_ja4 && !run_text(r, &n, "\"ja4\":", st->client.ja4))
		return 0;
	return 1;
}

/* ------------------------------------------------------------ event */

/* The members written one writer call at a time (any string). */
static void tls_log_slow(const struct tls_state *st, struct kn_json *j)
{
	const struct tls_cert *sc = &st->cert[st->server_dir];
	const struct tls_cert *cc = &st->cert[!st->server_dir];
	char vbuf[24];

	if (st->server.resumed)
		kn_json_bool(j, "session_resumed", 1);
	if (sc->parsed) {
		put_str(j, "subject", &sc->subject);
		put_str(j, "issuerdn", &sc->issuer);
		put_str(j, "serial", &sc->serial);
		if (sc->fingerprint[0])
			kn_json_str(j, "fingerprint", sc->fingerprint);
	}
	if (st->client.has_sni)
		put_str(j, "sni", &st->client.sni);
	kn_json_str(j, "version", version_text(st, vbuf));
	if (sc->parsed && sc->has_dates) {
		kn_json_str(j, "notbefore", sc->not_before);
		kn_json_str(j, "notafter", sc->not_after);
	}
	if (st->client.has_ja3)
		put_fp(j, "ja3", st->client.ja3_hash, &st->client.ja3);
	if (st->server.has_ja3s)
		put_fp(j, "ja3s", st->server.ja3s_hash, &st->server.ja3s);
	if (st->from_proto)
		kn_json_str(j, "from_proto", st->from_proto);
	if (cc->parsed)
		put_client_cert(j, cc);
	if (st->client.has_ja4)
		kn_json_str(j, "ja4", st->client.ja4);
}

void tls_log_body(const struct kn_tx *tx, struct kn_json *j)
{
	const struct tls_state *st = tx->priv;
	struct app_run r;

	kn_json_open(j, "tls");
	r.len = 0;
	if (tls_log_run(&r, st))
		app_run_flush(j, &r);
	else
		tls_log_slow(st, j);
	kn_json_close(j);
}

static int str_buffer(const struct tls_str *s, const uint8_t **data, uint32_t *len)
{
	if (!s->p)
		return 0;
	*data = (const uint8_t *)s->p;
	*len = s->len;
	return 1;
}

static int text_buffer(int present, const char *s, const uint8_t **data, uint32_t *len)
{
	if (!present || !s[0])
		return 0;
	*data = (const uint8_t *)s;
	*len = (uint32_t)strlen(s);
	return 1;
}

int tls_buffer(const struct kn_tx *tx, unsigned buf, unsigned index, const uint8_t **data,
	       uint32_t *len)
{
	const struct tls_state *st = tx->priv;
	const struct tls_cert *sc = &st->cert[st->server_dir];

	if (buf == KN_BUF_TLS_CERTS) {   /* one value per certificate of the chain */
		if (index >= sc->n_keep)
			return 0;
		*data = sc->chain + sc->keep_off[index];
		*len = sc->keep_off[index + 1] - sc->keep_off[index];
		return 1;
	}
	if (index != 0)
		return 0;
	switch (buf) {
	case KN_BUF_TLS_SNI:
		return st->client.has_sni && str_buffer(&st->client.sni, data, len);
	case KN_BUF_TLS_CERT_SUBJECT:
		return sc->parsed && str_buffer(&sc->subject, data, len);
	case KN_BUF_TLS_CERT_ISSUER:
		return sc->parsed && str_buffer(&sc->issuer, data, len);
	case KN_BUF_TLS_CERT_SERIAL:
		return sc->parsed && str_buffer(&sc->serial, data, len);
	case KN_BUF_TLS_CERT_FINGERPRINT:
		return text_buffer(sc->parsed, sc->fingerprint, data, len);
	case KN_BUF_JA3_HASH:
		return text_buffer(st->client.has_ja3, st->client.ja3_hash, data, len);
	case KN_BUF_JA3_STRING:
		return st->client.has_ja3 && str_buffer(&st->client.ja3, data, len);
	case KN_BUF_JA3S_HASH:
		return text_buffer(st->server.has_ja3s, st->server.ja3s_hash, data, len);
	case KN_BUF_JA3S_STRING:
		return st->server.has_ja3s && str_buffer(&st->server.ja3s, data, len);
	case KN_BUF_JA4_HASH:
		return text_buffer(st->client.has_ja4, st->client.ja4, data, len);
	}
	return 0;
}
