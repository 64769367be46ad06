/*
 * doh.c - the "doh" behaviour detector: a host resolving names over
 * encrypted DNS with a public resolver (DNS over HTTPS on 443, DNS over
 * TLS or QUIC on 853), around the local resolver and whatever watches it
 * (DNS logs, the dns_tunnel and dga detectors; tunnels such as dns2tcp
 * ride it too). A policy finding: modest score (doh_score, default 0.3).
 *
 * Two signs, from published lists (tables below): the first packet of a
 * connection (a TCP SYN, or a flow's first UDP datagram) from a host to
 * port 443 or 853 of a well-known public resolver's address; or a TLS
 * client hello naming a DoH service (server name equal to one of the
 * names or under it), to any address. The client is the finding's
 * subject, its text the key: the context's rate limit writes one report
 * per client per repeat_s, while the per-packet verdicts see each
 * connection.
 */
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "kenchi/detector.h"
#include "util/json.h"

/* Public resolvers' service addresses (Cloudflare, Google, Quad9, Cisco
 * OpenDNS, AdGuard, CleanBrowsing), IPv4 then IPv6. */
static const uint8_t resolvers_v4[][4] = {
	{ 1, 1, 1, 1 }, { 1, 0, 0, 1 }, { 1, 1, 1, 2 }, { 1, 0, 0, 2 }, { 1, 1, 1, 3 },
	{ 1, 0, 0, 3 }, { 8, 8, 8, 8 }, { 8, 8, 4, 4 }, { 9, 9, 9, 9 }, { 149, 112, 112, 112 },
	{ 9, 9, 9, 10 }, { 149, 112, 112, 10 }, { 9, 9, 9, 11 }, { 149, 112, 112, 11 },
	{ 208, 67, 222, 222 }, { 208, 67, 220, 220 }, { 94, 140, 14, 14 }, { 94, 140, 15, 15 },
	{ 185, 228, 168, 9 }, { 185, 228, 169, 9 },
};

static const uint8_t resolvers_v6[][16] = {
	{ 0x26, 0x06, 0x47, 0x00, 0x47, 0x00, [14] = 0x11, [15] = 0x11 },  /* 2606:4700:4700::1111 */
	{ 0x26, 0x06, 0x47, 0x00, 0x47, 0x00, [14] = 0x10, [15] = 0x01 },  /* 2606:4700:4700::1001 */
	{ 0x20, 0x01, 0x48, 0x60, 0x48, 0x60, [14] = 0x88, [15] = 0x88 },  /* 2001:4860:4860::8888 */
	{ 0x20, 0x01, 0x48, 0x60, 0x48, 0x60, [14] = 0x88, [15] = 0x44 },  /* 2001:4860:4860::8844 */
	{ 0x26, 0x20, 0x00, 0xfe, [15] = 0xfe },                          /* 2620:fe::fe */
	{ 0x26, 0x20, 0x00, 0xfe, [15] = 0x09 },                          /* 2620:fe::9 */
	{ 0x26, 0x20, 0x01, 0x19, 0x00, 0x35, [15] = 0x35 },              /* 2620:119:35::35 */
	{ 0x26, 0x20, 0x01, 0x19, 0x00, 0x53, [15] = 0x53 },              /* 2620:119:53::53 */
	{ 0x2a, 0x10, 0x50, 0xc0, [12] = 0x0a, [13] = 0xd1, [15] = 0xff }, /* 2a10:50c0::ad1:ff */
	{ 0x2a, 0x10, 0x50, 0xc0, [12] = 0x0a, [13] = 0xd2, [15] = 0xff }, /* 2a10:50c0::ad2:ff */
};

/* DoH service names (a server name equal to one or under it). */
static const char *const doh_names[] = {
	"cloudflare-dns.com", "one.one.one.one", "dns.google", "dns.google.com",
	"dns.quad9.net", "dns9.quad9.net", "dns10.quad9.net", "dns11.quad9.net",
	"doh.opendns.com", "dns.opendns.com", "dns.adguard.com", "dns.adguard-dns.com",
	"dns.nextdns.io", "doh.cleanbrowsing.org", "dns.controld.com", "doh.dns.sb",
	"dns.alidns.com", "doh.pub", "dns.mullvad.net", "doh.mullvad.net",
};

struct doh {
	double score;
};

static int doh_init(void *state, const struct kn_detect_config *cfg, uint64_t budget,
		    char *errbuf)
{
	struct doh *s = state;

	(void)budget;
	if (!(cfg->doh_score >= 0 && cfg->doh_score <= 1)) {
		snprintf(errbuf, KN_ERRBUF_SIZE, "doh: doh_score must be within 0..1 (default 0.3)");
		return -KN_EINVAL;
	}
	s->score = cfg->doh_score;
	return 0;
}

static int known_resolver(const struct kn_addr *a, int v6)
{
	if (!v6) {
		for (size_t i = 0; i < sizeof resolvers_v4 / sizeof resolvers_v4[0]; i++)
			if (!memcmp(a->b, resolvers_v4[i], 4))
				return 1;
		return 0;
	}
	for (size_t i = 0; i < sizeof resolvers_v6 / sizeof resolvers_v6[0]; i++)
		if (!memcmp(a->b, resolvers_v6[i], 16))
			return 1;
	return 0;
}

/* The DoH name that sni[0..len) is or is under, or NULL. */
static const char *doh_name(const uint8_t *sni, uint32_t len)
{
	for (size_t i = 0; i < sizeof doh_names / sizeof doh_names[0]; i++) {
		size_t n = strlen(doh_names[i]);
		if (len < n || (len > n && sni[len - n - 1] != '.'))
			continue;
		if (!strncasecmp((const char *)sni + (len - n), doh_names[i], n))
			return doh_names[i];
	}
	return NULL;
}

/* ----------------------------------------------------------- report */

struct finding {
	char client[48], server[48];
	const char *name;     /* the DoH name of the server name, or NULL */
	const char *transport;
	uint16_t port;
};

static void evidence(const void *arg, struct kn_json *j)
{
	const struct finding *f = arg;

	kn_json_str(j, "client", f->client);
	kn_json_str(j, "resolver", f->server);
	kn_json_u64(j, "port", f->port);
	kn_json_str(j, "transport", f->transport);
	if (f->name)
		kn_json_str(j, "sni", f->name);
}

static void report(struct doh *s, struct kn_detect_call *c, const struct kn_flow *flow, int dir,
		   const struct kn_addr *client, const struct kn_addr *server, int v6,
		   struct finding *f)
{
	char why[300];

	kn_detect_addr_text(client, v6, f->client, sizeof f->client);
	kn_detect_addr_text(server, v6, f->server, sizeof f->server);
	f->transport = f->port == 853 ? "dns-over-tls/quic" : "dns-over-https";
	snprintf(why, sizeof why, "%s connected to %s port %u%s%s, a public %s resolver: name "
		 "lookups bypassing the local resolver", f->client, f->server, f->port,
		 f->name ? " naming " : "", f->name ? f->name : "", f->transport);
	struct kn_detection d = {
		.event = "ENCRYPTED_DNS", .score = s->score, .key = f->client,
		.explanation = why, .flow = flow, .dir = dir,
		.subject = *client, .subject_set = 1, .subject_v6 = (uint8_t)v6,
		.evidence = evidence, .arg = f };
	kn_detect_report(c, &d);
}

/* ----------------------------------------------------------- hooks */

static void doh_packet(void *state, struct kn_detect_call *c, const struct kn_packet *p)
{
	int v6 = p->ip_version == 6;
	int first = p->proto == 6 ? (p->tcp.flags & (KN_TCP_SYN | KN_TCP_ACK)) == KN_TCP_SYN :
		    p->proto == 17 && p->flow && p->flow->pkts[0] == 1;

	if ((p->ip_version != 4 && !v6) || !p->flow || p->dir != 0 || !first ||
	    (p->dport != 443 && p->dport != 853) || !known_resolver(&p->dst, v6))
		return;
	struct finding f = { .port = p->dport };
	report(state, c, p->flow, p->dir, &p->src, &p->dst, v6, &f);
}

static void doh_tx(void *state, struct kn_detect_call *c, const struct kn_flow *flow,
		   const char *app_proto, const struct kn_tx *tx)
{
	const uint8_t *sni;
	uint32_t len;
	int v6 = flow->key.ip_version == 6;
	const struct kn_addr *client = tx->dir ? &flow->key.dst : &flow->key.src;
	const struct kn_addr *server = tx->dir ? &flow->key.src : &flow->key.dst;

	if (!app_proto || strcmp(app_proto, "tls") || !tx->buffer ||
	    !tx->buffer(tx, KN_BUF_TLS_SNI, 0, &sni, &len) || !len)
		return;
	struct finding f = { .name = doh_name(sni, len),
			     .port = tx->dir ? flow->key.sport : flow->key.dport };
	if (!f.name || known_resolver(server, v6))
		return;   /* the address alone was reported at the SYN */
	report(state, c, flow, tx->dir, client, server, v6, &f);
}

const struct kn_detector kn_detector_doh = {
	.name = "doh",
	.ctx_size = sizeof(struct doh),
	.init = doh_init,
	.fini = NULL,
	.packet = doh_packet,
	.tx = doh_tx,
};
