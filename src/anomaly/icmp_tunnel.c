/*
 * icmp_tunnel.c - the "icmp_tunnel" behaviour detector: ICMP echo
 * requests and replies that carry data rather than a ping (icmptunnel,
 * ptunnel, hans: IP packets or a TCP stream inside echo payloads).
 *
 * Ping programs fill the echo payload with a pattern: after an optional 8
 * or 16-byte timestamp, one repeated byte (zeros: nmap, Windows tracert,
 * generated captures), a short repeated pattern (`ping -p`), bytes
 * counting up (Linux, BSD, macOS) or Windows' "abcd...w" cycle. Per echo
 * pair (the requesting client and the answering server), in a fixed table
 * (det_net.h) and a 600 s tumbling window: the echoes, those whose payload
 * is none of these patterns ("data"), the data echoes that hold an IPv4 or
 * IPv6 header at offset 0, the payload sizes (smallest, largest), the
 * requests repeating the previous request's sequence number with another
 * payload (a ping counts up; tunnels often keep it fixed) and the payload
 * bytes. The client is reported, as the finding's subject, after
 * icmp_tunnel_min_echoes data echoes (default 3) that are at least a
 * quarter of the pair's echoes when, besides, a payload held an IP header,
 * the sizes varied, a sequence number repeated or the pair moved 64 KiB:
 * one odd pinger with its own constant payload stays quiet. Score 0.6, 0.8 with an IP header inside.
 * Considered again when the data echoes doubled.
 */
#include <stdio.h>
#include <string.h>

#include "det_net.h"
#include "kenchi/detector.h"
#include "util/hash.h"
#include "util/json.h"

#define WINDOW_NS (600ull * 1000000000ull)
#define SCAN_MAX 512        /* payload bytes a pattern check reads at most */
#define MAX_PERIOD 16       /* `ping -p` repeats up to 16 bytes */
#define VOLUME (64u << 10)

struct pair {
	struct det_slot slot;
	struct kn_addr client, server;
	uint8_t v6, seq_valid;
	uint16_t last_seq;
	uint64_t last_hash;        /* of the last request's payload */
	uint32_t echoes, data, ip_inside, seq_repeats, reported;
	uint32_t size_min, size_max;
	uint64_t bytes, start_ns;
};

struct tunnel {
	struct det_table pairs;
	unsigned min_echoes;
};

static int tun_init(void *state, const struct kn_detect_config *cfg, uint64_t budget,
		    char *errbuf)
{
	struct tunnel *s = state;

	if (cfg->icmp_tunnel_min_echoes < 1) {
		snprintf(errbuf, KN_ERRBUF_SIZE, "icmp_tunnel: icmp_tunnel_min_echoes must be at "
			 "least 1 (default 3)");
		return -KN_EINVAL;
	}
	s->min_echoes = cfg->icmp_tunnel_min_echoes;
	if (det_table_init(&s->pairs, budget, sizeof(struct pair)) != 0) {
		snprintf(errbuf, KN_ERRBUF_SIZE, "icmp_tunnel: out of memory (pair table)");
		return -KN_ENOMEM;
	}
	return 0;
}

static void tun_fini(void *state)
{
	det_table_fini(&((struct tunnel *)state)->pairs);
}

static uint64_t tun_memuse(const void *state)
{
	return det_table_memuse(&((const struct tunnel *)state)->pairs);
}

/* ------------------------------------------------------ payload checks */

/* 1 when d[0..n) repeats with a period of at most MAX_PERIOD bytes. */
static int periodic(const uint8_t *d, uint32_t n)
{
	for (uint32_t per = 1; per <= MAX_PERIOD && per < n; per++) {
		uint32_t i = per;
		while (i < n && d[i] == d[i - per])
			i++;
		if (i == n)
			return 1;
	}
	return 0;
}

/* 1 when each byte of d[0..n) is the previous plus one (mod 256), or the
 * next letter of Windows' a..w cycle. */
static int counting(const uint8_t *d, uint32_t n)
{
	for (uint32_t i = 1; i < n; i++)
		if (d[i] != (uint8_t)(d[i - 1] + 1) && !(d[i - 1] == 'w' && d[i] == 'a'))
			return 0;
	return 1;
}

/* 1 when the payload is a ping fill pattern (or too short to tell). */
static int fill_pattern(const uint8_t *d, uint32_t n)
{
	static const uint32_t skip[] = { 0, 8, 16 };

	if (n > SCAN_MAX)
		n = SCAN_MAX;
	if (n <= 16)
		return 1;
	for (size_t k = 0; k < sizeof skip / sizeof skip[0]; k++)
		if (periodic(d + skip[k], n - skip[k]) || counting(d + skip[k], n - skip[k]))
			return 1;
	return 0;
}

/* 1 when d[0..n) starts with an IPv4 or IPv6 header whose length fits n. */
static int ip_header(const uint8_t *d, uint32_t n)
{
	if (n >= 20 && d[0] >> 4 == 4 && (d[0] & 15) >= 5) {
		uint32_t tot = (uint32_t)d[2] << 8 | d[3];
		return tot >= (uint32_t)(d[0] & 15) * 4 && tot <= n;
	}
	if (n >= 40 && d[0] >> 4 == 6)
		return 40u + ((uint32_t)d[4] << 8 | d[5]) <= n;
	return 0;
}

/* ----------------------------------------------------------- report */

struct finding {
	const struct pair *e;
	char client[48], server[48];
};

static void evidence(const void *arg, struct kn_json *j)
{
	const struct finding *f = arg;
	const struct pair *e = f->e;

	kn_json_str(j, "client", f->client);
	kn_json_str(j, "server", f->server);
	kn_json_u64(j, "echoes", e->echoes);
	kn_json_u64(j, "data_echoes", e->data);
	kn_json_u64(j, "ip_inside", e->ip_inside);
	kn_json_u64(j, "seq_repeats", e->seq_repeats);
	kn_json_u64(j, "size_min", e->size_min);
	kn_json_u64(j, "size_max", e->size_max);
	kn_json_u64(j, "bytes", e->bytes);
}

static void report(struct kn_detect_call *c, const struct kn_packet *p, const struct pair *e)
{
	struct finding f = { .e = e };
	char why[400];

	kn_detect_addr_text(&e->client, e->v6, f.client, sizeof f.client);
	kn_detect_addr_text(&e->server, e->v6, f.server, sizeof f.server);
	snprintf(why, sizeof why, "%s and %s exchanged %u ICMP echoes, %u of them carrying "
		 "data no ping sends (%u with an IP header inside, sizes %u-%u, %u repeated "
		 "sequence numbers, %llu bytes): a tunnel over ICMP", f.client, f.server,
		 e->echoes, e->data, e->ip_inside, e->size_min, e->size_max, e->seq_repeats,
		 (unsigned long long)e->bytes);
	struct kn_detection d = {
		.event = "ICMP_TUNNEL", .score = e->ip_inside ? 0.8 : 0.6, .key = f.client,
		.explanation = why, .flow = p->flow, .dir = p->dir,
		.subject = e->client, .subject_set = 1, .subject_v6 = e->v6,
		.evidence = evidence, .arg = &f };
	kn_detect_report(c, &d);
}

/* ----------------------------------------------------------- packets */

static struct pair *entry(struct tunnel *s, const struct kn_addr *client,
			  const struct kn_addr *server, int v6, uint64_t now)
{
	uint64_t h = kn_hash64(client->b, 16, kn_hash64(server->b, 16, 0x69636d70u + v6)) | 1;
	struct pair *e = det_table_find(&s->pairs, h, now, 1, NULL);

	if (!e->start_ns || now >= e->start_ns + WINDOW_NS) {
		memset((char *)e + sizeof e->slot, 0, sizeof *e - sizeof e->slot);
		e->client = *client;
		e->server = *server;
		e->v6 = (uint8_t)v6;
		e->start_ns = now;
		e->size_min = UINT32_MAX;
	}
	return e;
}

static void echo(struct tunnel *s, struct kn_detect_call *c, const struct kn_packet *p, int v6,
		 int request)
{
	static const uint8_t none[1];
	const uint8_t *d = p->data ? p->data + p->payload_off : none;
	uint32_t n = p->data ? p->payload_len : 0;
	struct pair *e = request ? entry(s, &p->src, &p->dst, v6, p->ts_ns) :
				   entry(s, &p->dst, &p->src, v6, p->ts_ns);

	e->echoes++;
	e->bytes += n;
	e->size_min = n < e->size_min ? n : e->size_min;
	e->size_max = n > e->size_max ? n : e->size_max;
	if (request && p->data && p->l4_off <= p->caplen && p->caplen - p->l4_off >= 8) {
		/* the same sequence number with another payload: not a resend */
		uint16_t seq = (uint16_t)(p->data[p->l4_off + 6] << 8 | p->data[p->l4_off + 7]);
		uint64_t h = kn_hash64(d, n < SCAN_MAX ? n : SCAN_MAX, n);
		e->seq_repeats += e->seq_valid && seq == e->last_seq && h != e->last_hash;
		e->last_seq = seq;
		e->last_hash = h;
		e->seq_valid = 1;
	}
	if (fill_pattern(d, n))
		return;
	e->data++;
	e->ip_inside += (uint32_t)ip_header(d, n);
	if (e->data >= s->min_echoes && e->data >= 2ull * e->reported &&
	    4ull * e->data >= e->echoes &&
	    (e->ip_inside || e->size_min != e->size_max || e->seq_repeats || e->bytes >= VOLUME)) {
		e->reported = e->data;
		report(c, p, e);
	}
}

static void tun_packet(void *state, struct kn_detect_call *c, const struct kn_packet *p)
{
	int v6 = p->ip_version == 6;

	if ((p->ip_version != 4 && !v6) || p->proto != (v6 ? 58 : 1) ||
	    (p->flags & KN_PKT_ICMP_ERROR) || p->payload_off > p->caplen ||
	    p->caplen - p->payload_off < p->payload_len)
		return;
	if (p->icmp_type == (v6 ? 128 : 8))
		echo(state, c, p, v6, 1);
	else if (p->icmp_type == (v6 ? 129 : 0))
		echo(state, c, p, v6, 0);
}

const struct kn_detector kn_detector_icmp_tunnel = {
	.name = "icmp_tunnel",
	.ctx_size = sizeof(struct tunnel),
	.init = tun_init,
	.fini = tun_fini,
	.packet = tun_packet,
	.memuse = tun_memuse,
};
