/*
 * scenario.c - the labelled synthetic capture (see scenario.h): the frame
 * store and the helpers the attacks share (random source, IPv4/UDP/TCP
 * frames, DNS messages, TLS streams, whole sessions), the background
 * traffic, and the last step that orders the frames by time, numbers
 * them, writes the pcap and turns each attack's frames into packet ranges.
 *
 * Frames are generated attack by attack and session by session, so they
 * overlap in time; they are kept (bytes in one arena) and sorted by time,
 * ties in generation order, before anything is written. The background is
 * generated first, so it is the same whichever attacks are switched on.
 */
#include "scenario_int.h"

#include <arpa/inet.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "appmsg.h"
#include "pcapw.h"
#include "util/alloc.h"

#define T_DEFAULT 1793610000000000000ULL /* 2026-11-02T09:00:00Z */
#define START_MAX 7258118400000000000ULL /* 2200-01-01: manifests take times up to 2242 */

static const char *const classes[KN_SCN_KINDS] = {
	"scan/tcp_syn", "c2_beacon", "dns_tunnel", "dga", "exfiltration",
};

const char *kn_scn_class(unsigned kind)
{
	return kind < KN_SCN_KINDS ? classes[kind] : NULL;
}

void kn_scn_opts_default(struct kn_scn_opts *o)
{
	static const uint32_t at[KN_SCN_KINDS] = { 120, 15, 300, 420, 480 };
	memset(o, 0, sizeof *o);
	o->seed = 1;
	o->start_ns = T_DEFAULT;
	o->duration_s = 600;
	o->hosts = 8;
	o->attacks = KN_SCN_DEFAULT_ATTACKS;
	memcpy(o->at_s, at, sizeof at);
}

/* ------------------------------------------------------------ randomness */

uint64_t scn_rand(struct scn_gen *g)
{
	uint64_t z = (g->rng += 0x9e3779b97f4a7c15ULL);
	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
	return z ^ (z >> 31);
}

uint64_t scn_between(struct scn_gen *g, uint64_t lo, uint64_t hi)
{
	return hi <= lo ? lo : lo + scn_rand(g) % (hi - lo + 1);
}

void scn_fill(struct scn_gen *g, uint8_t *out, size_t n, const char *alphabet)
{
	size_t k = alphabet ? strlen(alphabet) : 0;
	for (size_t i = 0; i < n; i++)
		out[i] = k ? (uint8_t)alphabet[scn_rand(g) % k] : (uint8_t)scn_rand(g);
}

/* ---------------------------------------------------------------- frames */

static int grow(void **p, size_t *cap, size_t need, size_t size)
{
	if (need <= *cap)
		return 0;
	size_t n = *cap ? *cap : 1024;
	while (n < need)
		n *= 2;
	void *q = kn_realloc_array(*p, n, size);
	if (!q)
		return -KN_ENOMEM;
	*p = q;
	*cap = n;
	return 0;
}

void scn_add(struct scn_gen *g, uint64_t ts, const uint8_t *frame, size_t len)
{
	if (g->err)
		return;
	if (grow((void **)&g->f, &g->cap, g->n + 1, sizeof *g->f) ||
	    grow((void **)&g->bytes, &g->bcap, g->blen + len, 1)) {
		g->err = -KN_ENOMEM;
		return;
	}
	memcpy(g->bytes + g->blen, frame, len);
	g->f[g->n] = (struct scn_frame){ .ts = ts / 1000 * 1000, .off = g->blen,
					 .len = (uint32_t)len, .seq = (uint32_t)g->n, .tag = g->tag };
	g->n++;
	g->blen += len;
}

void scn_emit(struct scn_gen *g, uint64_t ts)
{
	size_t n = kn_craft_finish(&g->c);
	if (!n) {
		if (!g->err)
			g->err = -KN_EINVAL;
		return;
	}
	scn_add(g, ts, g->c.buf, n);
}

/* x of 10.1.0.x, else -1. */
static int office_octet(const char *ip)
{
	uint8_t a[4];
	if (inet_pton(AF_INET, ip, a) != 1 || a[0] != 10 || a[1] != 1 || a[2] != 0)
		return -1;
	return a[3];
}

/* MACs: the side that opened the conversation (the higher port) is
 * 02:00:00:00:00:01 and the other 02:00:00:00:00:02, as in
 * kn_craft_tcp_session. */
static void start_frame(struct scn_gen *g, const char *src, const char *dst, uint8_t proto,
			int reply)
{
	static const uint8_t a[6] = { 2, 0, 0, 0, 0, 1 }, b[6] = { 2, 0, 0, 0, 0, 2 };
	int x = office_octet(src);
	kn_craft_init(&g->c);
	kn_craft_eth(&g->c, reply ? b : a, reply ? a : b);
	g->c.ipv4_id = x >= 0 ? g->ip_id[x]++ : (uint16_t)scn_rand(g);
	kn_craft_ipv4(&g->c, src, dst, proto);
}

void scn_udp(struct scn_gen *g, uint64_t ts, const char *src, const char *dst, uint16_t sport,
	     uint16_t dport, const uint8_t *data, size_t len)
{
	start_frame(g, src, dst, 17, sport < dport);
	kn_craft_udp(&g->c, sport, dport);
	kn_craft_payload(&g->c, data, len);
	scn_emit(g, ts);
}

void scn_tcp_flags(struct scn_gen *g, uint64_t ts, const char *src, const char *dst,
		   uint16_t sport, uint16_t dport, uint32_t seq, uint32_t ack, uint8_t flags)
{
	start_frame(g, src, dst, 6, sport < dport);
	kn_craft_tcp(&g->c, sport, dport, seq, ack, flags, (flags & 0x02) ? 1024 : 0);
	if (flags & 0x02)
		kn_craft_tcp_mss(&g->c, 1460);
	scn_emit(g, ts);
}

static void session_frame(void *user, uint64_t ts, const uint8_t *frame, size_t len)
{
	scn_add(user, ts, frame, len);
}

void scn_session(struct scn_gen *g, const struct kn_craft_session *s)
{
	if (!kn_craft_tcp_session(s, session_frame, g) && !g->err)
		g->err = -KN_EINVAL;
}

uint16_t scn_port(struct scn_gen *g, const char *ip)
{
	int x = office_octet(ip);
	if (x < 0)
		return (uint16_t)scn_between(g, 32768, 60999);
	if (!g->port[x] || g->port[x] > 60990)
		g->port[x] = (uint16_t)scn_between(g, 32768, 52767);
	g->port[x] = (uint16_t)(g->port[x] + scn_between(g, 1, 3));
	return g->port[x];
}

/* ------------------------------------------------------------------- DNS */

static size_t dns_head(uint8_t *out, size_t cap, uint16_t id, unsigned flags, unsigned ancount,
		       const char *name, uint16_t qtype)
{
	size_t n = 12, total = 0;
	if (cap < 12 + 256 + 4)
		return 0;
	memset(out, 0, 12);
	out[0] = (uint8_t)(id >> 8), out[1] = (uint8_t)id;
	out[2] = (uint8_t)(flags >> 8), out[3] = (uint8_t)flags;
	out[5] = 1;
	out[7] = (uint8_t)ancount;
	for (const char *p = name; *p;) {
		const char *dot = strchr(p, '.');
		size_t len = dot ? (size_t)(dot - p) : strlen(p);
		total += len + 1;
		if (len == 0 || len > 63 || total > 254)
			return 0;
		out[n++] = (uint8_t)len;
		memcpy(out + n, p, len);
		n += len;
		p += len + (dot != NULL);
	}
	out[n++] = 0;
	out[n++] = (uint8_t)(qtype >> 8), out[n++] = (uint8_t)qtype;
	out[n++] = 0, out[n++] = 1;
	return n;
}

size_t scn_dns_query(uint8_t *out, size_t cap, uint16_t id, const char *name, uint16_t qtype)
{
	return dns_head(out, cap, id, 0x0100, 0, name, qtype); /* RD */
}

size_t scn_dns_reply(uint8_t *out, size_t cap, uint16_t id, const char *name, uint16_t qtype,
		     unsigned rcode, const uint8_t *rdata, size_t rdlen, uint32_t ttl)
{
	size_t n = dns_head(out, cap, id, 0x8180 | (rcode & 15), rdlen > 0, name, qtype);
	if (!n || !rdlen)
		return n;
	if (rdlen > 65535 || cap - n < 12 + rdlen)
		return 0;
	const uint8_t rr[12] = { 0xc0, 0x0c, (uint8_t)(qtype >> 8), (uint8_t)qtype, 0, 1,
				 (uint8_t)(ttl >> 24), (uint8_t)(ttl >> 16), (uint8_t)(ttl >> 8),
				 (uint8_t)ttl, (uint8_t)(rdlen >> 8), (uint8_t)rdlen };
	memcpy(out + n, rr, sizeof rr);
	memcpy(out + n + sizeof rr, rdata, rdlen);
	return n + sizeof rr + rdlen;
}

void scn_lookup(struct scn_gen *g, uint64_t ts, uint64_t gap_ns, const char *client,
		uint16_t sport, const char *name, uint16_t qtype, unsigned rcode,
		const uint8_t *rdata, size_t rdlen)
{
	uint8_t msg[1024];
	uint16_t id = (uint16_t)scn_rand(g);
	size_t n = scn_dns_query(msg, sizeof msg, id, name, qtype);
	if (n)
		scn_udp(g, ts, client, SCN_RESOLVER, sport, 53, msg, n);
	size_t m = scn_dns_reply(msg, sizeof msg, id, name, qtype, rcode, rdata, rdlen,
				 (uint32_t)scn_between(g, 60, 3600));
	if (m)
		scn_udp(g, ts + gap_ns, SCN_RESOLVER, client, 53, sport, msg, m);
	if ((!n || !m) && !g->err)
		g->err = -KN_EINVAL;
}

/* ------------------------------------------------------------------- TLS */

/* A record of `type` with len random bytes (the encrypted part), in
 * records of at most 16 KiB. 0 on overflow. */
static size_t records(struct scn_gen *g, uint8_t *out, size_t cap, uint8_t type, size_t len)
{
	size_t n = 0;
	do {
		size_t k = len > 16384 ? 16384 : len;
		if (cap - n < 5 + k)
			return 0;
		const uint8_t h[5] = { type, 3, 3, (uint8_t)(k >> 8), (uint8_t)k };
		memcpy(out + n, h, 5);
		scn_fill(g, out + n + 5, k, NULL);
		n += 5 + k;
		len -= k;
	} while (len);
	return n;
}

/* ChangeCipherSpec, an encrypted Finished and app_len bytes of data after
 * the n bytes of out; 0 on overflow. */
static size_t tls_tail(struct scn_gen *g, uint8_t *out, size_t n, size_t app_len)
{
	static const uint8_t ccs[6] = { 20, 3, 3, 0, 1, 1 };
	if (!n || SCN_BUF - n < sizeof ccs)
		return 0;
	memcpy(out + n, ccs, sizeof ccs);
	n += sizeof ccs;
	size_t fin = records(g, out + n, SCN_BUF - n, 22, 40);
	size_t app = fin ? records(g, out + n + fin, SCN_BUF - n - fin, 23, app_len) : 0;
	return app ? n + fin + app : 0;
}

size_t scn_tls_client(struct scn_gen *g, const char *sni, size_t app_len)
{
	static const uint16_t ciphers[] = { 0x1301, 0x1302, 0x1303, 0xc02b, 0xc02f,
					    0xc02c, 0xc030, 0xcca9, 0xcca8 };
	size_t n = kn_tls_client_hello(g->req, SCN_BUF, sni, ciphers,
				       sizeof ciphers / sizeof ciphers[0], 1);
	return tls_tail(g, g->req, n, app_len);
}

size_t scn_tls_server(struct scn_gen *g, size_t app_len)
{
	size_t n = kn_tls_server_flight(g->resp, SCN_BUF, 0x0303, 0xc02f, NULL, 0);
	return tls_tail(g, g->resp, n, app_len);
}

/* ------------------------------------------------------------ background */

struct server {
	const char *name, *ip;
	int tls;
};

static const struct server servers[] = {
	{ "www.example.com", "192.0.2.10", 0 },        { "mail.example.com", "192.0.2.11", 1 },
	{ "login.example.org", "198.51.100.12", 1 },   { "cdn.example.net", "203.0.113.13", 1 },
	{ "docs.example.com", "203.0.113.14", 1 },     { "calendar.example.org", "198.51.100.15", 1 },
	{ "news.example.org", "192.0.2.20", 0 },       { "downloads.example.net", "198.51.100.30", 0 },
	{ "wiki.example.org", "192.0.2.40", 0 },       { "weather.example.com", "198.51.100.41", 0 },
	{ "api.example.net", "203.0.113.16", 1 },      { "intranet.example.com", "192.0.2.50", 0 },
};
#define N_SERVERS (sizeof servers / sizeof servers[0])

static const char *const paths[] = {
	"/", "/index.html", "/news/today.html", "/static/app.js", "/static/site.css",
	"/images/logo.png", "/api/v1/items?page=2", "/forecast/tokyo", "/files/report.pdf",
};
#define UA "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like " \
	   "Gecko) Chrome/131.0.0.0 Safari/537.36"
#define TEXT "abcdefghijklmnopqrstuvwxyz      ABCDEFG0123456789<>/=\"\n"

static void http_session(struct scn_gen *g, uint64_t ts, const char *client,
			 const struct server *s)
{
	const char *path = paths[scn_rand(g) % (sizeof paths / sizeof paths[0])];
	size_t body = scn_between(g, 500, 30000);
	int q = snprintf((char *)g->req, SCN_BUF, "GET %s HTTP/1.1\r\nHost: %s\r\nUser-Agent: %s\r\n"
			 "Accept: */*\r\nAccept-Encoding: identity\r\nConnection: close\r\n\r\n",
			 path, s->name, UA);
	int r = snprintf((char *)g->resp, SCN_BUF, "HTTP/1.1 200 OK\r\nServer: nginx/1.24.0\r\n"
			 "Content-Type: text/html; charset=utf-8\r\nContent-Length: %zu\r\n\r\n",
			 body);
	scn_fill(g, g->resp + r, body, TEXT);
	struct kn_craft_session ss = {
		.client = client, .server = s->ip, .client_port = scn_port(g, client),
		.server_port = 80, .client_isn = (uint32_t)scn_rand(g),
		.server_isn = (uint32_t)scn_rand(g), .start_ns = ts,
		.step_ns = scn_between(g, 5, 40) * SCN_MS, .request = g->req,
		.request_len = (size_t)q, .response = g->resp, .response_len = (size_t)r + body,
	};
	scn_session(g, &ss);
}

static void tls_session(struct scn_gen *g, uint64_t ts, const char *client,
			const struct server *s)
{
	size_t q = scn_tls_client(g, s->name, scn_between(g, 200, 900));
	size_t r = scn_tls_server(g, scn_between(g, 1000, 20000));
	if (!q || !r) {
		g->err = g->err ? g->err : -KN_EINVAL;
		return;
	}
	struct kn_craft_session ss = {
		.client = client, .server = s->ip, .client_port = scn_port(g, client),
		.server_port = 443, .client_isn = (uint32_t)scn_rand(g),
		.server_isn = (uint32_t)scn_rand(g), .start_ns = ts,
		.step_ns = scn_between(g, 5, 40) * SCN_MS, .request = g->req,
		.request_len = q, .response = g->resp, .response_len = r,
	};
	scn_session(g, &ss);
}

/* A lookup of a server's name, then (nine times in ten) a session to it. */
static void activity(struct scn_gen *g, uint64_t ts, const char *client)
{
	const struct server *s = &servers[scn_rand(g) % N_SERVERS];
	unsigned roll = (unsigned)(scn_rand(g) % 10);
	uint8_t a[4];
	if (inet_pton(AF_INET, s->ip, a) != 1)
		return;
	uint64_t gap = scn_between(g, 2, 40) * SCN_MS;
	scn_lookup(g, ts, gap, client, scn_port(g, client), s->name, 1, 0, a, 4);
	ts += gap + scn_between(g, 1, 10) * SCN_MS;
	if (roll == 0)
		return;
	if (s->tls)
		tls_session(g, ts, client, s);
	else
		http_session(g, ts, client, s);
}

static void background(struct scn_gen *g)
{
	for (uint32_t h = 0; h < g->o->hosts && !g->err; h++) {
		char ip[16];
		snprintf(ip, sizeof ip, "10.1.0.%u", (unsigned)(10 + h));
		uint64_t t = g->o->start_ns + scn_between(g, 0, 20 * SCN_S);
		while (t + 5 * SCN_S < g->end_ns && !g->err) {
			activity(g, t, ip);
			t += scn_between(g, 5 * SCN_S, 85 * SCN_S);
		}
	}
}

/* ---------------------------------------------------------------- truth */

static int cmp_frame(const void *pa, const void *pb)
{
	const struct scn_frame *a = pa, *b = pb;
	if (a->ts != b->ts)
		return a->ts < b->ts ? -1 : 1;
	return a->seq < b->seq ? -1 : a->seq > b->seq;
}

/* Packet number k belongs to truth t: extends its last range or opens one. */
static int add_packet(struct kn_scn_truth *t, uint64_t k, uint64_t ts, size_t *cap)
{
	if (t->n_ranges && t->ranges[t->n_ranges - 1].last + 1 == k) {
		t->ranges[t->n_ranges - 1].last = k;
	} else {
		if (grow((void **)&t->ranges, cap, t->n_ranges + 1, sizeof *t->ranges))
			return -KN_ENOMEM;
		t->ranges[t->n_ranges++] = (struct kn_scn_range){ k, k };
	}
	if (!t->packets)
		t->first_ns = ts;
	t->last_ns = ts;
	t->packets++;
	return 0;
}

/* Sorts, numbers and writes the frames into out. */
static int finish(struct scn_gen *g, struct kn_scn *out)
{
	size_t cap[KN_SCN_KINDS] = { 0 };
	qsort(g->f, g->n, sizeof *g->f, cmp_frame);
	struct kn_pcapw *w = kn_pcapw_open_mem(KN_PCAPW_PCAP_US, 1, 65535);
	if (!w)
		return -KN_ENOMEM;
	int rc = 0;
	for (size_t i = 0; i < g->n && !rc; i++) {
		const struct scn_frame *f = &g->f[i];
		rc = kn_pcapw_write(w, f->ts, g->bytes + f->off, f->len, f->len);
		if (!rc && f->tag)
			rc = add_packet(&out->truth[f->tag - 1], i + 1, f->ts, &cap[f->tag - 1]);
	}
	size_t len = 0;
	const uint8_t *mem = kn_pcapw_mem(w, &len);
	if (!rc && !(out->pcap = kn_malloc(len)))
		rc = -KN_ENOMEM;
	if (!rc) {
		memcpy(out->pcap, mem, len);
		out->pcap_len = len;
		out->packets = g->n;
		out->first_ns = g->n ? g->f[0].ts : 0;
		out->last_ns = g->n ? g->f[g->n - 1].ts : 0;
	}
	int crc = kn_pcapw_close(w);
	return rc ? rc : crc;
}

static int check_opts(const struct kn_scn_opts *o, char *errbuf)
{
	if (o->duration_s < 10 || o->duration_s > 86400 || o->hosts < 1 ||
	    o->hosts > KN_SCN_MAX_HOSTS || o->attacks >> KN_SCN_KINDS || !o->start_ns ||
	    o->start_ns > START_MAX) {
		snprintf(errbuf, KN_ERRBUF_SIZE, "scenario: duration 10..86400 s, 1..%d hosts, "
			 "a start time from 1970 to 2200 and known attacks only", KN_SCN_MAX_HOSTS);
		return -KN_EINVAL;
	}
	for (unsigned k = 0; k < KN_SCN_KINDS; k++)
		if ((o->attacks & KN_SCN_BIT(k)) && o->at_s[k] + 5 > o->duration_s) {
			snprintf(errbuf, KN_ERRBUF_SIZE, "scenario: %s starts at %u s, after the "
				 "capture's %u s (less 5)", classes[k], (unsigned)o->at_s[k],
				 (unsigned)o->duration_s);
			return -KN_EINVAL;
		}
	return 0;
}

static int generate(struct scn_gen *g, struct kn_scn *out, char *errbuf)
{
	background(g);
	for (unsigned k = 0; k < KN_SCN_KINDS && !g->err; k++) {
		if (!(g->o->attacks & KN_SCN_BIT(k)))
			continue;
		g->tag = (uint8_t)(k + 1);
		scn_attack(g, k, &out->truth[k]);
		out->truth[k].on = 1;
		out->truth[k].cls = classes[k];
	}
	g->tag = 0;
	if (g->err) {
		snprintf(errbuf, KN_ERRBUF_SIZE, "scenario: %s while generating frames",
			 kn_strerror(g->err));
		return g->err;
	}
	int rc = finish(g, out);
	if (rc)
		snprintf(errbuf, KN_ERRBUF_SIZE, "scenario: %s while writing the capture",
			 kn_strerror(rc));
	return rc;
}

int kn_scn_build(const struct kn_scn_opts *o, struct kn_scn *out, char *errbuf)
{
	memset(out, 0, sizeof *out);
	int rc = check_opts(o, errbuf);
	if (rc)
		return rc;
	struct scn_gen *g = kn_calloc(1, sizeof *g);
	if (g) {
		g->req = kn_malloc(SCN_BUF);
		g->resp = kn_malloc(SCN_BUF);
	}
	if (!g || !g->req || !g->resp) {
		snprintf(errbuf, KN_ERRBUF_SIZE, "scenario: out of memory");
		rc = -KN_ENOMEM;
	} else {
		g->o = o;
		g->rng = o->seed;
		g->end_ns = o->start_ns + (uint64_t)o->duration_s * SCN_S;
		rc = generate(g, out, errbuf);
	}
	if (g) {
		kn_free(g->req);
		kn_free(g->resp);
		kn_free(g->f);
		kn_free(g->bytes);
	}
	kn_free(g);
	if (rc)
		kn_scn_fini(out);
	return rc;
}

void kn_scn_fini(struct kn_scn *s)
{
	if (!s)
		return;
	kn_free(s->pcap);
	for (unsigned k = 0; k < KN_SCN_KINDS; k++)
		kn_free(s->truth[k].ranges);
	memset(s, 0, sizeof *s);
}
