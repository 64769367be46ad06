/*
 * community_id.c - Community ID v1 (corelight/community-id-spec) of a flow
 * key: "1:" + base64(SHA-1(seed, addresses, proto, 0, ports)).
 *
 * Flow stage helper used by output for the EVE `community_id` field. The
 * hashed tuple is ordered so the smaller (address, port) endpoint comes
 * first; ICMP/ICMPv6 keys already hold the port equivalents (flow_key.c)
 * and one-way ICMP types keep their order, as the spec requires. Protocols
 * other than TCP, UDP, SCTP and the ICMPs hash no ports. Not on the
 * per-packet path: computed once per logged flow, by a worker through its
 * own context (kn_community_id_with()), whose SHA-1 state is set up once.
 */
#include <string.h>

#include "flow/flow_int.h"
#include "util/alloc.h"
#include "util/digest.h"

#define PROTO_ICMP 1
#define PROTO_TCP 6
#define PROTO_UDP 17
#define PROTO_ICMPV6 58
#define PROTO_SCTP 132

static const char b64_alphabet[] =
	"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

/* Standard base64 with '=' padding; out holds 4 * ceil(n / 3) + 1 bytes. */
static void base64(const uint8_t *in, size_t n, char *out)
{
	size_t i = 0;

	for (; i + 3 <= n; i += 3) {
		uint32_t v = (uint32_t)in[i] << 16 | (uint32_t)in[i + 1] << 8 | in[i + 2];
		*out++ = b64_alphabet[v >> 18];
		*out++ = b64_alphabet[(v >> 12) & 63];
		*out++ = b64_alphabet[(v >> 6) & 63];
		*out++ = b64_alphabet[v & 63];
	}
	if (n - i == 1) {
		uint32_t v = (uint32_t)in[i] << 16;
		*out++ = b64_alphabet[v >> 18];
		*out++ = b64_alphabet[(v >> 12) & 63];
		*out++ = '=';
		*out++ = '=';
	} else if (n - i == 2) {
		uint32_t v = (uint32_t)in[i] << 16 | (uint32_t)in[i + 1] << 8;
		*out++ = b64_alphabet[v >> 18];
		*out++ = b64_alphabet[(v >> 12) & 63];
		*out++ = b64_alphabet[(v >> 6) & 63];
		*out++ = '=';
	}
	*out = '\0';
}

static int has_ports(uint8_t proto)
{
	return proto == PROTO_TCP || proto == PROTO_UDP || proto == PROTO_SCTP ||
	       proto == PROTO_ICMP || proto == PROTO_ICMPV6;
}

/* One-way ICMP keys (sport is not one half of a request/reply pair) are
 * hashed in their own order. */
static int keeps_order(const struct kn_flow_key *key)
{
	uint16_t s, d;

	if (key->proto != PROTO_ICMP && key->proto != PROTO_ICMPV6)
		return 0;
	return key->sport > 0xff || !flow_icmp_ports(key->proto, (uint8_t)key->sport, 0, &s, &d);
}

static size_t put_u16(uint8_t *p, uint16_t v)
{
	p[0] = (uint8_t)(v >> 8);
	p[1] = (uint8_t)v;
	return 2;
}

struct kn_community_id_ctx {
	EVP_MD_CTX *sha1;
};

struct kn_community_id_ctx *kn_community_id_ctx_new(void)
{
	struct kn_community_id_ctx *c = kn_malloc(sizeof *c);

	if (!c)
		return NULL;
	c->sha1 = kn_digest_ctx_new(KN_SHA1);
	if (!c->sha1) {
		kn_free(c);
		return NULL;
	}
	return c;
}

void kn_community_id_ctx_free(struct kn_community_id_ctx *c)
{
	if (!c)
		return;
	EVP_MD_CTX_free(c->sha1);
	kn_free(c);
}

int kn_community_id(const struct kn_flow_key *key, uint16_t seed, char *out)
{
	return kn_community_id_with(NULL, key, seed, out);
}

int kn_community_id_of_packet(const struct kn_packet *pkt, uint16_t seed, char *out)
{
	struct kn_flow_key fwd, rev;

	if (!pkt || (pkt->ip_version != 4 && pkt->ip_version != 6))
		return -KN_EINVAL;
	flow_key_build(pkt, &fwd, &rev);
	return kn_community_id(&fwd, seed, out);
}

int kn_community_id_with(struct kn_community_id_ctx *c, const struct kn_flow_key *key,
			 uint16_t seed, char *out)
{
	uint8_t buf[2 + 16 + 16 + 2 + 4], md[20];
	const uint8_t *a, *b;
	uint16_t pa, pb;
	size_t alen, n = 0;
	int ports;

	if (!key || !out || (key->ip_version != 4 && key->ip_version != 6))
		return -KN_EINVAL;
	alen = key->ip_version == 4 ? 4 : 16;
	ports = has_ports(key->proto);
	a = key->src.b;
	b = key->dst.b;
	pa = ports ? key->sport : 0;
	pb = ports ? key->dport : 0;
	if (!keeps_order(key)) {
		int c = memcmp(a, b, alen);
		if (c > 0 || (c == 0 && pa > pb)) {
			const uint8_t *ta = a;
			uint16_t tp = pa;
			a = b, b = ta, pa = pb, pb = tp;
		}
	}
	n += put_u16(buf + n, seed);
	memcpy(buf + n, a, alen), n += alen;
	memcpy(buf + n, b, alen), n += alen;
	buf[n++] = key->proto;
	buf[n++] = 0;
	if (ports) {
		n += put_u16(buf + n, pa);
		n += put_u16(buf + n, pb);
	}
	if ((c ? kn_digest_with(c->sha1, buf, n, md) : kn_digest(KN_SHA1, buf, n, md)) != 0)
		return -KN_EINVAL;
	out[0] = '1';
	out[1] = ':';
	base64(md, sizeof md, out + 2);
	return 0;
}
