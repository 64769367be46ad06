/*
 * tls.c - the TLS parser: probe, record layer, handshake reassembly, and
 * the decision of when a handshake is logged (one "tls" event per flow).
 *
 * App stage (src/app/tls), fed the TCP stream of each direction. Records
 * are read incrementally (a header or a payload may arrive one byte at a
 * time); handshake messages are reassembled across records and kept up to
 * TLS_HS_KEEP_MAX bytes, then handed to tls_hello.c (hellos) and
 * tls_cert.c (Certificate). Once a direction is encrypted (after its
 * ChangeCipherSpec, or both after a TLS 1.3 ServerHello) only record
 * headers are walked. A gap inside a record keeps the framing (the record
 * length says where the next header is); any other gap, or a malformed
 * header, stops the direction.
 *
 * The handshake is logged when the server identified itself: right after a
 * TLS 1.3 ServerHello, after the server's Certificate for TLS <= 1.2 (after
 * the client's, when the server asked for one), when both sides sent
 * ChangeCipherSpec (resumption), or at flow end. The server asset goes out
 * with it.
 */
#include "app/tls/tls.h"

#include <stdio.h>
#include <string.h>

#include "util/alloc.h"

/* ------------------------------------------------------------ helpers */

void *tls_mem_alloc(struct tls_state *st, size_t n)
{
	void *p;

	if (!st->call || kn_app_mem_charge(st->call, n) != 0)
		return NULL;
	p = kn_malloc(n);
	if (!p) {
		kn_app_mem_credit(st->call, n);
		return NULL;
	}
	return p;
}

void tls_mem_free(struct tls_state *st, void *p, size_t n)
{
	if (!p)
		return;
	kn_free(p);
	if (st->call)
		kn_app_mem_credit(st->call, n);
}

int tls_str_set(struct tls_state *st, struct tls_str *s, const void *data, size_t n)
{
	char *p;

	if (n > UINT32_MAX - 1)
		return -KN_ENOMEM;
	tls_str_free(st, s);
	p = tls_mem_alloc(st, n + 1);
	if (!p)
		return -KN_ENOMEM;
	if (n)
		memcpy(p, data, n);
	p[n] = '\0';
	s->p = p;
	s->len = (uint32_t)n;
	return 0;
}

void tls_str_free(struct tls_state *st, struct tls_str *s)
{
	if (s->p)
		tls_mem_free(st, s->p, (size_t)s->len + 1);
	s->p = NULL;
	s->len = 0;
}

void tls_event(struct tls_state *st, int dir, const char *event)
{
	if (st->call)
		kn_app_event(st->call, dir, event);
}

/* GREASE (RFC 8701): 0x0a0a, 0x1a1a, ... 0xfafa. */
int tls_grease(uint16_t v)
{
	return (v & 0x0f0f) == 0x0a0a && (v >> 8) == (v & 0xff);
}

const char *tls_version_name(uint16_t v, char *buf)
{
	static const uint8_t fb_drafts[][2] = { { 0x14, 20 }, { 0x15, 21 }, { 0x16, 22 },
						{ 0x17, 23 }, { 0x1a, 26 } };

	switch (v) {
	case 0:
		return "UNDETERMINED";
	case 0x0002:
	case 0x0200:
		return "SSLv2";
	case 0x0300:
		return "SSLv3";
	case 0x0301:
		return "TLSv1";
	case 0x0302:
		return "TLS 1.1";
	case 0x0303:
		return "TLS 1.2";
	case 0x0304:
		return "TLS 1.3";
	}
	if (v >= 0x7f01 && v <= 0x7f0f)
		return "TLS 1.3 draft-<16";
	if (v >= 0x7f10 && v <= 0x7f1c) {
		snprintf(buf, 24, "TLS 1.3 draft-%u", v & 0xff);
		return buf;
	}
	for (size_t i = 0; i < sizeof fb_drafts / sizeof fb_drafts[0]; i++) {
		if (v == (0xfb00 | fb_drafts[i][0])) {
			snprintf(buf, 24, "TLS 1.3 draft-%u-fb", fb_drafts[i][1]);
			return buf;
		}
	}
	snprintf(buf, 24, "0x%04x", v);
	return buf;
}

uint16_t tls_server_version(const struct tls_state *st)
{
	if (st->sslv2_server)
		return 0x0002;
	if (st->server.has_selected)
		return st->server.selected_version;
	if (st->server.seen)
		return st->server.legacy_version;
	return st->dir[st->server_dir].rec_version;
}

/* ------------------------------------------------------ probing */

static int probe_tls(const uint8_t *d, uint32_t len)
{
	uint32_t rlen;

	if (len >= 2 && d[1] != 3)
		return KN_PROBE_NO;
	if (len >= 3 && d[2] > 4)
		return KN_PROBE_NO;
	if (len < 5)
		return KN_PROBE_MORE;
	rlen = (uint32_t)d[3] << 8 | d[4];
	if (rlen < 4 || rlen > TLS_RECORD_MAX)
		return KN_PROBE_NO;
	if (len < 6)
		return KN_PROBE_MORE;
	if (d[5] != TLS_HS_CLIENT_HELLO && d[5] != TLS_HS_SERVER_HELLO)
		return KN_PROBE_NO;
	/* The hello's own version: 3.x, or a TLS 1.3 draft in a ServerHello. */
	if (len >= 10 && d[9] != 3 &&
	    !(d[5] == TLS_HS_SERVER_HELLO && (d[9] == 0x7f || d[9] == 0x7e || d[9] == 0xfb)))
		return KN_PROBE_NO;
	return KN_PROBE_YES;
}

/* SSLv2 CLIENT-HELLO with a 2-byte header: every length must add up. */
static int probe_sslv2(const uint8_t *d, uint32_t len)
{
	uint32_t rlen, cs, sid, chal, ver;

	if (len >= 3 && d[2] != 1)
		return KN_PROBE_NO;
	if (len < 11)
		return KN_PROBE_MORE;
	rlen = (uint32_t)(d[0] & 0x7f) << 8 | d[1];
	ver = (uint32_t)d[3] << 8 | d[4];
	cs = (uint32_t)d[5] << 8 | d[6];
	sid = (uint32_t)d[7] << 8 | d[8];
	chal = (uint32_t)d[9] << 8 | d[10];
	if (ver != 0x0002 && (ver < 0x0300 || ver > 0x0304))
		return KN_PROBE_NO;
	if (cs == 0 || cs % 3 || (sid != 0 && sid != 16) || chal < 16 || chal > 32)
		return KN_PROBE_NO;
	return rlen == 9 + cs + sid + chal ? KN_PROBE_YES : KN_PROBE_NO;
}

static int tls_probe(const uint8_t *data, uint32_t len, int dir, unsigned ipproto)
{
	(void)dir, (void)ipproto;
	if (len == 0)
		return KN_PROBE_MORE;
	if (data[0] == TLS_CT_HANDSHAKE)
		return probe_tls(data, len);
	if (data[0] & 0x80)
		return probe_sslv2(data, len);
	return KN_PROBE_NO;
}

/* ------------------------------------------------ handshake messages */

static void release_hs_buffer(struct tls_state *st, struct tls_dir *d)
{
	tls_mem_free(st, d->hs_buf, d->hs_size);
	d->hs_buf = NULL;
	d->hs_size = 0;
	d->hs_active = 0;
	d->hs_hdr_len = 0;
}

/* From here on the direction's handshake records are opaque. */
static void set_encrypted(struct tls_state *st, int dir)
{
	st->dir[dir].encrypted = 1;
	release_hs_buffer(st, &st->dir[dir]);
}

static int valid_hs_type(uint32_t t)
{
	static const uint8_t ok[] = { 0, 1, 2, 3, 4, 5, 6, 8, 11, 12, 13, 14, 15, 16, 17, 20,
				      21, 22, 23, 24, 25, 67, 254 };
	for (size_t i = 0; i < sizeof ok; i++)
		if (ok[i] == t)
			return 1;
	return 0;
}

static void msg_done(struct tls_state *st, int dir)
{
	struct tls_dir *d = &st->dir[dir];
	uint32_t kept = d->hs_cap;
	int truncated = d->hs_len > kept;

	d->hs_active = 0;
	d->hs_hdr_len = 0;
	switch (d->hs_type) {
	case TLS_HS_CLIENT_HELLO:
		if (!truncated && !st->client.seen)
			tls_client_hello(st, dir, d->hs_buf, kept);
		break;
	case TLS_HS_SERVER_HELLO:
		if (!truncated && !st->server.seen) {
			st->server_dir = (uint8_t)dir;
			tls_server_hello(st, dir, d->hs_buf, kept);
			if (st->tls13) {
				set_encrypted(st, 0);
				set_encrypted(st, 1);
			}
		}
		break;
	case TLS_HS_CERTIFICATE:
		tls_certificate(st, dir, d->hs_buf, kept, truncated);
		break;
	case TLS_HS_CERTIFICATE_REQUEST:
		if (dir == st->server_dir)
			st->cert_requested = 1;
		break;
	case TLS_HS_SSLV2:
		if (!truncated)
			tls_sslv2_message(st, dir, d->hs_buf, kept);
		break;
	}
}

/* A message of `len` body bytes starts: keeps up to TLS_HS_KEEP_MAX. */
static void msg_begin(struct tls_state *st, int dir, uint32_t type, uint32_t len)
{
	struct tls_dir *d = &st->dir[dir];
	uint32_t cap = len < TLS_HS_KEEP_MAX ? len : TLS_HS_KEEP_MAX;

	if (len > TLS_HS_KEEP_MAX)
		tls_event(st, dir, "RECORD_OVERFLOW");
	if (cap > d->hs_size) {
		release_hs_buffer(st, d);
		d->hs_buf = tls_mem_alloc(st, cap);
		if (!d->hs_buf) {
			d->hs_broken = 1;
			return;
		}
		d->hs_size = cap;
	}
	d->hs_active = 1;
	d->hs_type = type;
	d->hs_len = len;
	d->hs_have = 0;
	d->hs_cap = cap;
	if (len == 0)
		msg_done(st, dir);
}

static int hs_stop(const struct tls_state *st, const struct tls_dir *d)
{
	return d->encrypted || d->hs_broken || d->stopped || st->logged;
}

/* Handshake-record payload bytes (or an SSLv2 record's body). */
static void hs_feed(struct tls_state *st, int dir, const uint8_t *p, uint32_t n)
{
	struct tls_dir *d = &st->dir[dir];

	while (n && !hs_stop(st, d)) {
		uint32_t take, keep;
		if (!d->hs_active) {
			if (d->rec_sslv2)
				return;   /* one SSLv2 message per record */
			d->hs_hdr[d->hs_hdr_len++] = *p++;
			n--;
			if (d->hs_hdr_len < 4)
				continue;
			if (!valid_hs_type(d->hs_hdr[0])) {
				tls_event(st, dir, "INVALID_HANDSHAKE_MESSAGE");
				d->hs_broken = 1;
				return;
			}
			msg_begin(st, dir, d->hs_hdr[0],
				  (uint32_t)d->hs_hdr[1] << 16 | (uint32_t)d->hs_hdr[2] << 8 |
					  d->hs_hdr[3]);
			continue;
		}
		take = d->hs_len - d->hs_have;
		take = take < n ? take : n;
		if (d->hs_have < d->hs_cap) {
			keep = d->hs_cap - d->hs_have;
			keep = keep < take ? keep : take;
			memcpy(d->hs_buf + d->hs_have, p, keep);
		}
		d->hs_have += take;
		p += take;
		n -= take;
		if (d->hs_have == d->hs_len)
			msg_done(st, dir);
	}
}

/* ------------------------------------------------------- records */

static void record_end(struct tls_state *st, int dir)
{
	struct tls_dir *d = &st->dir[dir];

	d->in_record = 0;
	if (d->rec_sslv2) {
		/* Only the first SSLv2 record is decoded; later ones are keys or
		 * ciphertext. A message cut by the record end is dropped. */
		d->hs_active = 0;
		return;
	}
	if (d->rec_type == TLS_CT_CCS) {
		d->ccs = 1;
		if (!d->encrypted)
			set_encrypted(st, dir);
	}
}

static void record_start_tls(struct tls_state *st, int dir)
{
	struct tls_dir *d = &st->dir[dir];
	uint16_t ver = (uint16_t)(d->hdr[1] << 8 | d->hdr[2]);
	uint32_t rlen = (uint32_t)d->hdr[3] << 8 | d->hdr[4];

	if (d->hdr[1] != 3) {
		if (!d->ev_version)
			tls_event(st, dir, "INVALID_RECORD_VERSION");
		d->ev_version = 1;
	} else if (!d->rec_version) {
		d->rec_version = ver;
	}
	if (rlen > TLS_RECORD_MAX) {
		tls_event(st, dir, "INVALID_RECORD_LENGTH");
		d->stopped = 1;
		return;
	}
	d->rec_type = d->hdr[0];
	d->rec_sslv2 = 0;
	d->rec_left = rlen;
	d->records++;
	d->in_record = 1;
	if (d->rec_type == TLS_CT_APP_DATA) {
		d->app_data = 1;
		/* The session is encrypted from here on (0-RTT data before the
		 * ServerHello does not count: the server may still refuse it). */
		if (st->call && (!st->client.seen || st->server.seen))
			kn_app_opaque(st->call);
	}
	if (d->rec_type == TLS_CT_HEARTBEAT && !d->ev_heartbeat) {
		tls_event(st, dir, "HEARTBEAT_MESSAGE");
		d->ev_heartbeat = 1;
	}
	if (rlen == 0)
		record_end(st, dir);
}

static void record_start_sslv2(struct tls_state *st, int dir)
{
	struct tls_dir *d = &st->dir[dir];
	/* The padding length (3-byte form) is part of the record length. */
	uint32_t rlen = (uint32_t)(d->hdr[0] & (d->hdr_need == 3 ? 0x3f : 0x7f)) << 8 | d->hdr[1];

	d->rec_sslv2 = 1;
	d->rec_left = rlen;
	d->in_record = 1;
	if (d->records++ == 0) {
		d->sslv2_ok = 1;
		msg_begin(st, dir, TLS_HS_SSLV2, rlen);
	}
	if (rlen == 0)
		record_end(st, dir);
}

/* Reads header bytes; returns how many were consumed. */
static uint32_t read_header(struct tls_state *st, int dir, const uint8_t *p, uint32_t len)
{
	struct tls_dir *d = &st->dir[dir];
	uint32_t n = 0;

	if (d->hdr_len == 0) {
		uint8_t b = p[n++];
		d->hdr[d->hdr_len++] = b;
		if (st->sslv2_server && d->records > 0) {
			/* SSLv2 session: 2-byte headers, 3 with padding. */
			d->hdr_need = (b & 0x80) ? 2 : 3;
		} else if (b >= TLS_CT_CCS && b <= TLS_CT_HEARTBEAT) {
			d->hdr_need = 5;
		} else if ((b & 0x80) && (d->records == 0 || d->sslv2_ok)) {
			d->hdr_need = 2;
		} else {
			tls_event(st, dir, "INVALID_RECORD_TYPE");
			d->stopped = 1;
			return n;
		}
	}
	while (n < len && d->hdr_len < d->hdr_need)
		d->hdr[d->hdr_len++] = p[n++];
	if (d->hdr_len < d->hdr_need)
		return n;
	d->hdr_len = 0;
	if (d->hdr_need == 5)
		record_start_tls(st, dir);
	else
		record_start_sslv2(st, dir);
	d->hdr_need = 0;
	return n;
}

static void record_data(struct tls_state *st, int dir, const uint8_t *p, uint32_t n)
{
	struct tls_dir *d = &st->dir[dir];

	if (d->rec_sslv2) {
		if (d->hs_active && !hs_stop(st, d))
			hs_feed(st, dir, p, n);
		return;
	}
	if (d->rec_type == TLS_CT_HANDSHAKE && !hs_stop(st, d))
		hs_feed(st, dir, p, n);
}

static void read_records(struct tls_state *st, int dir, const uint8_t *p, uint32_t len)
{
	struct tls_dir *d = &st->dir[dir];

	while (len && !d->stopped) {
		uint32_t n;
		if (!d->in_record) {
			n = read_header(st, dir, p, len);
		} else {
			n = d->rec_left < len ? d->rec_left : len;
			record_data(st, dir, p, n);
			d->rec_left -= n;
			if (d->rec_left == 0)
				record_end(st, dir);
		}
		p += n;
		len -= n;
	}
}

/* A gap inside the current record keeps the framing (a handshake message
 * it cuts is lost); any other gap ends the direction. */
static void on_gap(struct tls_state *st, int dir, uint32_t len)
{
	struct tls_dir *d = &st->dir[dir];

	if (d->stopped)
		return;
	if (d->in_record && d->rec_left >= len && len > 0) {
		if (d->rec_sslv2 || d->rec_type == TLS_CT_HANDSHAKE) {
			d->hs_broken = 1;
			d->hs_active = 0;
		}
		d->rec_left -= len;
		if (d->rec_left == 0)
			record_end(st, dir);
		return;
	}
	d->stopped = 1;
}

/* ------------------------------------------------------ logging */

static const char *asset_version(uint16_t v)
{
	switch (v) {
	case 0x0002:
	case 0x0200:
		return "SSLv2";
	case 0x0300:
		return "SSLv3";
	case 0x0301:
		return "TLSv1";
	case 0x0302:
		return "TLSv1.1";
	case 0x0303:
		return "TLSv1.2";
	case 0x0304:
		return "TLSv1.3";
	}
	return (v >> 8) == 0x7f || (v >> 8) == 0xfb || (v >> 8) == 0x7e ? "TLSv1.3" : NULL;
}

static void emit_asset(struct tls_state *st)
{
	const struct tls_cert *cert = &st->cert[st->server_dir];
	struct kn_asset_tls t;
	struct kn_asset a;

	if (!st->server.seen && !st->sslv2_server)
		return;
	memset(&t, 0, sizeof t);
	memset(&a, 0, sizeof a);
	t.version = tls_server_version(st);
	t.cipher = st->server.cipher;
	t.has_cipher = st->server.seen;
	if (cert->parsed) {
		t.has_cert = 1;
		t.self_signed = cert->self_signed;
		t.not_before = cert->not_before_s;
		t.not_after = cert->not_after_s;
		t.subject = cert->subject.p;
		t.issuer = cert->issuer.p;
	}
	t.sni = st->client.has_sni ? st->client.sni.p : NULL;
	a.role = KN_ASSET_SERVER;
	a.service = "tls";
	a.version = asset_version(t.version);
	a.tls = &t;
	kn_app_asset(st->call, &a);
}

static void log_handshake(struct tls_state *st)
{
	struct kn_tx tx;

	/* Resumed (session id or ticket): the server changed cipher spec
	 * without presenting a certificate. */
	st->server.resumed = st->server.seen && !st->tls13 && st->dir[st->server_dir].ccs &&
			     !st->cert[st->server_dir].seen;
	memset(&tx, 0, sizeof tx);
	tx.log = tls_log_body;
	tx.buffer = tls_buffer;
	tx.priv = st;
	st->logged = 1;
	kn_app_log(st->call, &tx);
	emit_asset(st);
	release_hs_buffer(st, &st->dir[0]);
	release_hs_buffer(st, &st->dir[1]);
	tls_cert_chain_free(st, &st->cert[st->server_dir]);   /* tls.certs was read */
}

static int handshake_done(const struct tls_state *st)
{
	if (st->tls13 || st->sslv2_server)
		return 1;
	if (st->cert[st->server_dir].seen)
		return !st->cert_requested || st->client_cert_seen;
	/* Resumption, or a certificate lost in a gap: both sides switched. */
	return (st->dir[0].ccs || st->dir[0].app_data) && (st->dir[1].ccs || st->dir[1].app_data);
}

/* ------------------------------------------------------ callbacks */

static void tls_parse(void *state, struct kn_app_call *c, int dir, const uint8_t *data,
		      uint32_t len, unsigned flags)
{
	struct tls_state *st = state;

	st->call = c;
	if (flags & KN_APP_GAP)
		on_gap(st, dir, len);
	else if (data && len)
		read_records(st, dir, data, len);
	if (!st->logged && handshake_done(st))
		log_handshake(st);
	st->call = NULL;
}

static int tls_state_init(void *state, struct kn_app_call *c)
{
	struct tls_state *st = state;

	st->server_dir = 1;
	st->from_proto = kn_app_flow_orig(c);
	return 0;
}

static void tls_flow_end(void *state, struct kn_app_call *c)
{
	struct tls_state *st = state;

	st->call = c;
	if (!st->logged && (st->client.seen || st->server.seen || st->sslv2_server))
		log_handshake(st);
	st->call = NULL;
}

static void tls_state_free(void *state, struct kn_app_call *c)
{
	struct tls_state *st = state;

	st->call = c;
	for (int d = 0; d < 2; d++) {
		release_hs_buffer(st, &st->dir[d]);
		tls_cert_free(st, &st->cert[d]);
	}
	tls_str_free(st, &st->client.sni);
	tls_str_free(st, &st->client.ja3);
	tls_str_free(st, &st->server.ja3s);
	st->call = NULL;
}

const struct kn_app_parser kn_app_parser_tls = {
	.name = "tls",
	.ipprotos = KN_APP_TCP,
	.ports = { 443, 993, 995, 465 },
	.probe = tls_probe,
	.state_size = sizeof(struct tls_state),
	.state_init = tls_state_init,
	.parse = tls_parse,
	.flow_end = tls_flow_end,
	.state_free = tls_state_free,
	.ctx_size = sizeof(struct tls_cache),
	.ctx_init = tls_cache_init,
	.ctx_free = tls_cache_free,
};
