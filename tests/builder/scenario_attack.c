/*
 * scenario_attack.c - the attacks of the labelled synthetic capture (see
 * scenario.h for what each one does): each adds its frames through the
 * helpers of scenario.c, with the generator's current tag, and fills the
 * parts of its ground truth that are not packet numbers (attacker, victim,
 * host label, flow). Times are offsets from the capture start plus the
 * attack's own start (kn_scn_opts.at_s).
 */
#include <stdio.h>
#include <string.h>

#include "scenario_int.h"

#define BASE32 "abcdefghijklmnopqrstuvwxyz234567"
#define TUNNEL_DOMAIN "dl.cloudsync.example"

static void set_truth(struct kn_scn_truth *t, const char *attacker, const char *victim,
		      const char *host, uint8_t role)
{
	snprintf(t->attacker, sizeof t->attacker, "%s", attacker);
	snprintf(t->victim, sizeof t->victim, "%s", victim);
	snprintf(t->host, sizeof t->host, "%s", host);
	t->host_role = role;
}

static void set_flow(struct kn_scn_truth *t, const char *src, const char *dst, uint16_t sport,
		     uint16_t dport, uint8_t proto)
{
	snprintf(t->flow.src, sizeof t->flow.src, "%s", src);
	snprintf(t->flow.dst, sizeof t->flow.dst, "%s", dst);
	t->flow.sport = sport;
	t->flow.dport = dport;
	t->flow.proto = proto;
	t->one_flow = sport && dport;
}

static uint64_t start_of(const struct scn_gen *g, unsigned kind)
{
	return g->o->start_ns + (uint64_t)g->o->at_s[kind] * SCN_S;
}

static int is_open(uint16_t port)
{
	return port == 22 || port == 80 || port == 139 || port == 445;
}

/* 300 ports of 1..1024 in random order (ports[0..300)), the open ones
 * among them. */
static void scan_ports(struct scn_gen *g, uint16_t *ports)
{
	for (unsigned i = 0; i < 1024; i++)
		ports[i] = (uint16_t)(i + 1);
	for (unsigned i = 1023; i > 0; i--) {
		unsigned j = (unsigned)scn_between(g, 0, i);
		uint16_t x = ports[i];
		ports[i] = ports[j], ports[j] = x;
	}
	for (unsigned at = 300; at < 1024; at++) {
		if (!is_open(ports[at]))
			continue;
		unsigned slot;
		do
			slot = (unsigned)scn_between(g, 0, 299);
		while (is_open(ports[slot]));
		uint16_t x = ports[at];
		ports[at] = ports[slot], ports[slot] = x;
	}
}

static void scan(struct scn_gen *g, struct kn_scn_truth *t)
{
	const char *a = "10.1.0.14", *v = "10.1.0.5";
	uint16_t ports[1024];
	scan_ports(g, ports);
	uint16_t sport = (uint16_t)scn_between(g, 40000, 65000);
	uint64_t ts = start_of(g, KN_SCN_SCAN);
	for (unsigned i = 0; i < 300; i++) {
		uint16_t p = ports[i];
		uint32_t seq = (uint32_t)scn_rand(g);
		uint64_t rtt = scn_between(g, 150, 900) * 1000;
		scn_tcp_flags(g, ts, a, v, sport, p, seq, 0, 0x02);
		if (is_open(p)) {
			scn_tcp_flags(g, ts + rtt, v, a, p, sport, (uint32_t)scn_rand(g), seq + 1, 0x12);
			scn_tcp_flags(g, ts + rtt + 60000, a, v, sport, p, seq + 1, 0, 0x04);
		} else {
			scn_tcp_flags(g, ts + rtt, v, a, p, sport, 0, seq + 1, 0x14);
		}
		ts += scn_between(g, 10, 40) * SCN_MS;
	}
	set_truth(t, a, v, a, KN_SCN_ROLE_SRC);
	set_flow(t, a, v, 0, 0, 6);
}

static void c2_beacon(struct scn_gen *g, struct kn_scn_truth *t)
{
	const char *a = "203.0.113.50", *v = "10.1.0.12";
	uint64_t base = start_of(g, KN_SCN_C2) + SCN_S;
	for (uint64_t k = 0;; k++) {
		uint64_t ts = base + k * 30 * SCN_S + scn_between(g, 0, 2000) * SCN_MS - SCN_S;
		if (ts + 2 * SCN_S > g->end_ns)
			break;
		uint8_t body[64], reply[16];
		scn_fill(g, body, sizeof body, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"
						"0123456789+/");
		scn_fill(g, reply, sizeof reply, NULL);
		int q = snprintf((char *)g->req, SCN_BUF, "POST /api/v2/sync HTTP/1.1\r\nHost: %s\r\n"
				 "User-Agent: Mozilla/5.0 (Windows NT 10.0; Win64; x64)\r\n"
				 "Content-Type: application/octet-stream\r\nContent-Length: %zu\r\n"
				 "\r\n", a, sizeof body);
		memcpy(g->req + q, body, sizeof body);
		int r = snprintf((char *)g->resp, SCN_BUF, "HTTP/1.1 200 OK\r\nContent-Type: "
				 "application/octet-stream\r\nContent-Length: %zu\r\n\r\n",
				 sizeof reply);
		memcpy(g->resp + r, reply, sizeof reply);
		struct kn_craft_session s = {
			.client = v, .server = a, .client_port = scn_port(g, v), .server_port = 80,
			.client_isn = (uint32_t)scn_rand(g), .server_isn = (uint32_t)scn_rand(g),
			.start_ns = ts, .step_ns = scn_between(g, 20, 60) * SCN_MS,
			.request = g->req, .request_len = (size_t)q + sizeof body,
			.response = g->resp, .response_len = (size_t)r + sizeof reply,
		};
		scn_session(g, &s);
	}
	set_truth(t, a, v, a, KN_SCN_ROLE_ANY);
	set_flow(t, v, a, 0, 80, 6);
}

/* A name of 60..110 base32 characters in labels of at most 55, under
 * the tunnel's domain. */
static void tunnel_name(struct scn_gen *g, char *name, size_t cap)
{
	uint8_t b32[110];
	size_t n = (size_t)scn_between(g, 60, sizeof b32), at = 0;
	scn_fill(g, b32, n, BASE32);
	for (size_t i = 0; i < n; i += 55) {
		size_t k = n - i < 55 ? n - i : 55;
		at += (size_t)snprintf(name + at, cap - at, "%.*s.", (int)k, (const char *)b32 + i);
	}
	snprintf(name + at, cap - at, "%s", TUNNEL_DOMAIN);
}

static void dns_tunnel(struct scn_gen *g, struct kn_scn_truth *t)
{
	const char *a = "10.1.0.15";
	uint16_t sport = scn_port(g, a);
	uint64_t ts = start_of(g, KN_SCN_DNS_TUNNEL);
	for (unsigned i = 0; i < 200; i++) {
		char name[200];
		uint8_t txt[2 + 2 * 110];
		size_t n1 = (size_t)scn_between(g, 40, 110), n2 = (size_t)scn_between(g, 0, 110);
		tunnel_name(g, name, sizeof name);
		txt[0] = (uint8_t)n1;
		scn_fill(g, txt + 1, n1, BASE32);
		size_t len = 1 + n1;
		if (n2) {
			txt[len] = (uint8_t)n2;
			scn_fill(g, txt + len + 1, n2, BASE32);
			len += 1 + n2;
		}
		scn_lookup(g, ts, scn_between(g, 15, 60) * SCN_MS, a, sport, name, 16, 0, txt, len);
		ts += scn_between(g, 300, 1200) * SCN_MS;
	}
	set_truth(t, a, SCN_RESOLVER, a, KN_SCN_ROLE_ANY);
	set_flow(t, a, SCN_RESOLVER, sport, 53, 17);
}

static void dga(struct scn_gen *g, struct kn_scn_truth *t)
{
	const char *a = "10.1.0.16";
	uint16_t sport = scn_port(g, a);
	uint64_t ts = start_of(g, KN_SCN_DGA);
	for (unsigned i = 0; i < 40; i++) {
		char name[32];
		size_t n = (size_t)scn_between(g, 8, 16);
		scn_fill(g, (uint8_t *)name, n, "abcdefghijklmnopqrstuvwxyz");
		memcpy(name + n, ".com", 5);
		scn_lookup(g, ts, scn_between(g, 20, 120) * SCN_MS, a, sport, name, 1, 3, NULL, 0);
		ts += scn_between(g, 200, 2000) * SCN_MS;
	}
	set_truth(t, a, SCN_RESOLVER, a, KN_SCN_ROLE_ANY);
	set_flow(t, a, SCN_RESOLVER, sport, 53, 17);
}

static void exfil(struct scn_gen *g, struct kn_scn_truth *t)
{
	const char *a = "10.1.0.13", *v = "198.51.100.77";
	size_t q = scn_tls_client(g, "files.cloudsync.example", 400u << 10);
	size_t r = scn_tls_server(g, 2000);
	uint16_t sport = scn_port(g, a);
	struct kn_craft_session s = {
		.client = a, .server = v, .client_port = sport, .server_port = 443,
		.client_isn = (uint32_t)scn_rand(g), .server_isn = (uint32_t)scn_rand(g),
		.start_ns = start_of(g, KN_SCN_EXFIL), .step_ns = 2 * SCN_MS,
		.request = g->req, .request_len = q, .response = g->resp, .response_len = r,
	};
	if (q && r)
		scn_session(g, &s);
	else if (!g->err)
		g->err = -KN_EINVAL;
	set_truth(t, a, v, a, KN_SCN_ROLE_ANY);
	set_flow(t, a, v, sport, 443, 6);
}

void scn_attack(struct scn_gen *g, unsigned kind, struct kn_scn_truth *t)
{
	static void (*const fns[KN_SCN_KINDS])(struct scn_gen *, struct kn_scn_truth *) = {
		scan, c2_beacon, dns_tunnel, dga, exfil,
	};
	if (kind < KN_SCN_KINDS)
		fns[kind](g, t);
}
