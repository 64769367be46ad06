/*
 * craft.c - the traffic builder's frame crafter (see craft.h for the
 * model): layer writers, the finishing pass that fixes lengths, type
 * fields and checksums from the innermost layer out, fragmentation of a
 * finished frame, and a whole-TCP-session generator.
 *
 * Test tooling, not part of libkenchi: it never allocates (the caller owns
 * every struct kn_craft) and reports misuse through c->error.
 */
#include "craft.h"

#include <arpa/inet.h>
#include <string.h>

#include "pcapw.h"

static const uint8_t mac_a[6] = { 2, 0, 0, 0, 0, 1 };
static const uint8_t mac_b[6] = { 2, 0, 0, 0, 0, 2 };

static void put16(uint8_t *b, uint16_t v)
{
	b[0] = (uint8_t)(v >> 8);
	b[1] = (uint8_t)v;
}

static void put32(uint8_t *b, uint32_t v)
{
	put16(b, (uint16_t)(v >> 16));
	put16(b + 2, (uint16_t)v);
}

static uint16_t get16(const uint8_t *b)
{
	return (uint16_t)(b[0] << 8 | b[1]);
}

void kn_craft_init(struct kn_craft *c)
{
	c->len = 0;
	c->trailer = 0;
	c->n = 0;
	c->linktype = 1;
	c->ipv4_id = 1;
	c->frag_id = 0x0a0b0c0d;
	c->error = 0;
}

static struct kn_craft_layer *last(struct kn_craft *c)
{
	return c->n ? &c->layer[c->n - 1] : NULL;
}

/* Pads the options of the last header to its alignment (TCP and IPv4: 4
 * bytes, Geneve: 4) once nothing more can be appended to it. */
static void seal(struct kn_craft *c)
{
	struct kn_craft_layer *l = last(c);
	if (!l || c->len != l->off + l->hlen)
		return;
	if (l->kind != KN_CRAFT_TCP && l->kind != KN_CRAFT_IPV4 && l->kind != KN_CRAFT_GENEVE)
		return;
	while (l->hlen % 4 && c->len < KN_CRAFT_MAX) {
		c->buf[c->len++] = 0;
		l->hlen++;
	}
}

/* Starts a layer of hlen zeroed bytes; NULL (and c->error) when it does
 * not fit or comes after the trailer. */
static uint8_t *push(struct kn_craft *c, enum kn_craft_kind kind, size_t hlen)
{
	seal(c);
	if (c->error || c->trailer || c->n >= KN_CRAFT_MAX_LAYERS || hlen > KN_CRAFT_MAX - c->len) {
		c->error = 1;
		return NULL;
	}
	if (c->n == 0) {
		if (kind == KN_CRAFT_ETH)
			c->linktype = 1;
		else if (kind == KN_CRAFT_SLL)
			c->linktype = 113;
		else if (kind == KN_CRAFT_SLL2)
			c->linktype = 276;
		else if (kind == KN_CRAFT_IPV4 || kind == KN_CRAFT_IPV6)
			c->linktype = 101;
	}
	struct kn_craft_layer *l = &c->layer[c->n++];
	memset(l, 0, sizeof *l);
	l->kind = (uint8_t)kind;
	l->hlen = (uint16_t)hlen;
	l->off = (uint32_t)c->len;
	uint8_t *h = c->buf + c->len;
	memset(h, 0, hlen);
	c->len += hlen;
	return h;
}

/* Appends n option bytes to the last header, which must be `kind` with
 * nothing after it, within max header bytes. */
static uint8_t *extend(struct kn_craft *c, enum kn_craft_kind kind, size_t n, size_t max)
{
	struct kn_craft_layer *l = last(c);
	if (c->error || !l || l->kind != kind || c->len != l->off + l->hlen ||
	    l->hlen + n > max || n > KN_CRAFT_MAX - c->len) {
		c->error = 1;
		return NULL;
	}
	uint8_t *o = c->buf + c->len;
	c->len += n;
	l->hlen = (uint16_t)(l->hlen + n);
	return o;
}

static int parse_addr(struct kn_craft *c, const char *s, int v6, uint8_t *out)
{
	if (!s || inet_pton(v6 ? AF_INET6 : AF_INET, s, out) != 1) {
		c->error = 1;
		return -1;
	}
	return 0;
}

void kn_craft_set_type(struct kn_craft *c, uint16_t type)
{
	struct kn_craft_layer *l = last(c);
	if (!l) {
		c->error = 1;
		return;
	}
	l->type = type;
	l->forced = 1;
}

/* ---- link layers ---- */

void kn_craft_eth(struct kn_craft *c, const uint8_t src[6], const uint8_t dst[6])
{
	uint8_t *h = push(c, KN_CRAFT_ETH, 14);
	if (!h)
		return;
	memcpy(h, dst ? dst : mac_b, 6);
	memcpy(h + 6, src ? src : mac_a, 6);
}

void kn_craft_sll(struct kn_craft *c)
{
	uint8_t *h = push(c, KN_CRAFT_SLL, 16);
	if (!h)
		return;
	put16(h, 4);      /* outgoing */
	put16(h + 2, 1);  /* ARPHRD_ETHER */
	put16(h + 4, 6);
	memcpy(h + 6, mac_a, 6);
}

void kn_craft_sll2(struct kn_craft *c)
{
	uint8_t *h = push(c, KN_CRAFT_SLL2, 20);
	if (!h)
		return;
	put32(h + 4, 1);  /* ifindex */
	put16(h + 8, 1);  /* ARPHRD_ETHER */
	h[10] = 4;        /* outgoing */
	h[11] = 6;
	memcpy(h + 12, mac_a, 6);
}

void kn_craft_null(struct kn_craft *c, int network_order)
{
	int first = c->n == 0;
	if (!push(c, KN_CRAFT_NULL, 4))
		return;
	last(c)->aux = network_order ? 1 : 0;
	if (first)
		c->linktype = network_order ? 108 : 0;
}

void kn_craft_vlan(struct kn_craft *c, uint16_t tpid, uint16_t vid)
{
	uint8_t *h = push(c, KN_CRAFT_VLAN, 4);
	if (!h)
		return;
	last(c)->type = tpid;
	put16(h, vid & 0x0fff);
}

void kn_craft_mpls(struct kn_craft *c, uint32_t label, int bottom)
{
	uint8_t *h = push(c, KN_CRAFT_MPLS, 4);
	if (h)
		put32(h, (label & 0xfffff) << 12 | (bottom ? 1u << 8 : 0) | 64);
}

void kn_craft_pppoe(struct kn_craft *c, uint16_t session)
{
	uint8_t *h = push(c, KN_CRAFT_PPPOE, 8);
	if (!h)
		return;
	h[0] = 0x11;
	put16(h + 2, session);
}

void kn_craft_ppp(struct kn_craft *c)
{
	uint8_t *h = push(c, KN_CRAFT_PPP, 4);
	if (!h)
		return;
	h[0] = 0xff;
	h[1] = 0x03;
}

void kn_craft_arp(struct kn_craft *c, uint16_t op, const char *sender, const char *target)
{
	uint8_t *h = push(c, KN_CRAFT_ARP, 28);
	if (!h)
		return;
	put16(h, 1);
	put16(h + 2, 0x0800);
	h[4] = 6;
	h[5] = 4;
	put16(h + 6, op);
	memcpy(h + 8, mac_a, 6);
	parse_addr(c, sender, 0, h + 14);
	parse_addr(c, target, 0, h + 24);
}

/* ---- IP ---- */

void kn_craft_ipv4(struct kn_craft *c, const char *src, const char *dst, uint8_t proto)
{
	uint8_t *h = push(c, KN_CRAFT_IPV4, 20);
	if (!h)
		return;
	h[0] = 0x45;
	put16(h + 4, c->ipv4_id++);
	h[8] = 64;
	h[9] = proto;
	parse_addr(c, src, 0, h + 12);
	parse_addr(c, dst, 0, h + 16);
}

void kn_craft_ipv4_opts(struct kn_craft *c, const void *opts, size_t len)
{
	uint8_t *o = extend(c, KN_CRAFT_IPV4, len, 60);
	if (o)
		memcpy(o, opts, len);
}

static struct kn_craft_layer *last_ip(struct kn_craft *c, int v6_too)
{
	for (unsigned i = c->n; i-- > 0;)
		if (c->layer[i].kind == KN_CRAFT_IPV4 || (v6_too && c->layer[i].kind == KN_CRAFT_IPV6))
			return &c->layer[i];
	c->error = 1;
	return NULL;
}

void kn_craft_ipv4_df(struct kn_craft *c, int df)
{
	struct kn_craft_layer *l = last_ip(c, 0);
	if (l)
		c->buf[l->off + 6] = (uint8_t)((c->buf[l->off + 6] & ~0x40) | (df ? 0x40 : 0));
}

void kn_craft_ip_ttl(struct kn_craft *c, uint8_t ttl)
{
	struct kn_craft_layer *l = last_ip(c, 1);
	if (l)
		c->buf[l->off + (l->kind == KN_CRAFT_IPV4 ? 8 : 7)] = ttl;
}

void kn_craft_ipv6(struct kn_craft *c, const char *src, const char *dst, uint8_t next)
{
	uint8_t *h = push(c, KN_CRAFT_IPV6, 40);
	if (!h)
		return;
	h[0] = 0x60;
	h[6] = next;
	h[7] = 64;
	parse_addr(c, src, 1, h + 8);
	parse_addr(c, dst, 1, h + 24);
}

void kn_craft_ipv6_ext(struct kn_craft *c, uint8_t type, uint8_t next, const void *body,
		       size_t len)
{
	size_t total = (2 + len + 7) / 8 * 8;
	if (total > 2048) {
		c->error = 1;
		return;
	}
	uint8_t *h = push(c, KN_CRAFT_IPV6_EXT, total);
	if (!h)
		return;
	last(c)->type = type;
	h[0] = next;
	if (type == 51)
		h[1] = (uint8_t)(total / 4 - 2);
	else if (type != 44)
		h[1] = (uint8_t)(total / 8 - 1);
	if (len)
		memcpy(h + 2, body, len);
}

void kn_craft_ipv6_frag(struct kn_craft *c, uint8_t next, uint16_t offset, int more, uint32_t id)
{
	uint8_t body[6];
	put16(body, (uint16_t)((offset & 0xfff8) | (more ? 1 : 0)));
	put32(body + 2, id);
	kn_craft_ipv6_ext(c, 44, next, body, sizeof body);
}

/* ---- transports ---- */

void kn_craft_tcp(struct kn_craft *c, uint16_t sport, uint16_t dport, uint32_t seq, uint32_t ack,
		  uint8_t flags, uint16_t win)
{
	uint8_t *h = push(c, KN_CRAFT_TCP, 20);
	if (!h)
		return;
	put16(h, sport);
	put16(h + 2, dport);
	put32(h + 4, seq);
	put32(h + 8, ack);
	h[13] = flags;
	put16(h + 14, win);
}

void kn_craft_tcp_opt_raw(struct kn_craft *c, const void *bytes, size_t len)
{
	uint8_t *o = extend(c, KN_CRAFT_TCP, len, 60);
	if (o)
		memcpy(o, bytes, len);
}

void kn_craft_tcp_mss(struct kn_craft *c, uint16_t mss)
{
	uint8_t o[4] = { 2, 4, (uint8_t)(mss >> 8), (uint8_t)mss };
	kn_craft_tcp_opt_raw(c, o, sizeof o);
}

void kn_craft_tcp_wscale(struct kn_craft *c, uint8_t shift)
{
	uint8_t o[4] = { 1, 3, 3, shift }; /* NOP first keeps later options aligned */
	kn_craft_tcp_opt_raw(c, o, sizeof o);
}

void kn_craft_tcp_sackok(struct kn_craft *c)
{
	uint8_t o[4] = { 1, 1, 4, 2 };
	kn_craft_tcp_opt_raw(c, o, sizeof o);
}

void kn_craft_tcp_ts(struct kn_craft *c, uint32_t val, uint32_t ecr)
{
	uint8_t o[12] = { 1, 1, 8, 10 };
	put32(o + 4, val);
	put32(o + 8, ecr);
	kn_craft_tcp_opt_raw(c, o, sizeof o);
}

void kn_craft_tcp_sack(struct kn_craft *c, const uint32_t (*blocks)[2], unsigned n)
{
	uint8_t o[36] = { 1, 1, 5, (uint8_t)(2 + 8 * n) };
	if (n == 0 || n > 4) {
		c->error = 1;
		return;
	}
	for (unsigned i = 0; i < n; i++) {
		put32(o + 4 + 8 * i, blocks[i][0]);
		put32(o + 8 + 8 * i, blocks[i][1]);
	}
	kn_craft_tcp_opt_raw(c, o, 4 + 8 * n);
}

void kn_craft_udp(struct kn_craft *c, uint16_t sport, uint16_t dport)
{
	uint8_t *h = push(c, KN_CRAFT_UDP, 8);
	if (!h)
		return;
	put16(h, sport);
	put16(h + 2, dport);
}

void kn_craft_sctp(struct kn_craft *c, uint16_t sport, uint16_t dport, uint32_t vtag)
{
	uint8_t *h = push(c, KN_CRAFT_SCTP, 12);
	if (!h)
		return;
	put16(h, sport);
	put16(h + 2, dport);
	put32(h + 4, vtag);
}

static void icmp_common(struct kn_craft *c, enum kn_craft_kind kind, uint8_t type, uint8_t code,
			uint16_t id, uint16_t seq)
{
	uint8_t *h = push(c, kind, 8);
	if (!h)
		return;
	h[0] = type;
	h[1] = code;
	put16(h + 4, id);
	put16(h + 6, seq);
}

void kn_craft_icmp(struct kn_craft *c, uint8_t type, uint8_t code, uint16_t id, uint16_t seq)
{
	icmp_common(c, KN_CRAFT_ICMP, type, code, id, seq);
}

void kn_craft_icmp6(struct kn_craft *c, uint8_t type, uint8_t code, uint16_t id, uint16_t seq)
{
	icmp_common(c, KN_CRAFT_ICMP6, type, code, id, seq);
}

/* ---- tunnels ---- */

void kn_craft_gre(struct kn_craft *c, uint16_t flags, uint32_t key, uint32_t seq)
{
	flags &= KN_CRAFT_GRE_CSUM | KN_CRAFT_GRE_KEY | KN_CRAFT_GRE_SEQ;
	size_t hlen = 4 + (flags & KN_CRAFT_GRE_CSUM ? 4 : 0) + (flags & KN_CRAFT_GRE_KEY ? 4 : 0) +
		      (flags & KN_CRAFT_GRE_SEQ ? 4 : 0);
	uint8_t *h = push(c, KN_CRAFT_GRE, hlen);
	if (!h)
		return;
	put16(h, flags);
	size_t o = flags & KN_CRAFT_GRE_CSUM ? 8 : 4;
	if (flags & KN_CRAFT_GRE_KEY) {
		put32(h + o, key);
		o += 4;
	}
	if (flags & KN_CRAFT_GRE_SEQ)
		put32(h + o, seq);
}

void kn_craft_gre_pptp(struct kn_craft *c, uint16_t call_id, uint32_t seq)
{
	uint8_t *h = push(c, KN_CRAFT_GRE, 12);
	if (!h)
		return;
	last(c)->aux = 1;
	put16(h, KN_CRAFT_GRE_KEY | KN_CRAFT_GRE_SEQ | 1);
	put16(h + 2, 0x880b);
	put16(h + 6, call_id);
	put32(h + 8, seq);
}

void kn_craft_erspan(struct kn_craft *c, int type, uint16_t session)
{
	if (type != 2 && type != 3) {
		c->error = 1;
		return;
	}
	uint8_t *h = push(c, KN_CRAFT_ERSPAN, type == 2 ? 8 : 12);
	if (!h)
		return;
	last(c)->aux = (uint16_t)type;
	put16(h, (uint16_t)((type == 2 ? 1 : 2) << 12));
	put16(h + 2, session & 0x3ff);
}

void kn_craft_vxlan(struct kn_craft *c, uint32_t vni)
{
	uint8_t *h = push(c, KN_CRAFT_VXLAN, 8);
	if (!h)
		return;
	h[0] = 0x08;
	put32(h + 4, vni << 8);
}

void kn_craft_geneve(struct kn_craft *c, uint32_t vni)
{
	uint8_t *h = push(c, KN_CRAFT_GENEVE, 8);
	if (h)
		put32(h + 4, vni << 8);
}

void kn_craft_geneve_opts(struct kn_craft *c, const void *opts, size_t len)
{
	uint8_t *o = extend(c, KN_CRAFT_GENEVE, len, 8 + 63 * 4);
	if (o)
		memcpy(o, opts, len);
}

void kn_craft_wlan(struct kn_craft *c, unsigned opts)
{
	int qos = (opts & KN_CRAFT_WLAN_QOS) != 0;
	int addr4 = (opts & 3) == 3, htc = qos && (opts & KN_CRAFT_WLAN_ORDER);
	int amsdu = qos && (opts & KN_CRAFT_WLAN_AMSDU);
	size_t mac = 24 + (addr4 ? 6 : 0) + (qos ? 2 : 0) + (htc ? 4 : 0);
	uint8_t *h = push(c, KN_CRAFT_WLAN, mac + (amsdu ? 14 : 0) + 8);
	if (!h)
		return;
	last(c)->aux = (uint16_t)opts;
	h[0] = qos ? 0x88 : 0x08; /* data or QoS data, version 0 */
	h[1] = (uint8_t)(opts & (3 | KN_CRAFT_WLAN_PROTECTED | KN_CRAFT_WLAN_ORDER));
	memcpy(h + 4, mac_b, 6);
	memcpy(h + 10, mac_a, 6);
	memcpy(h + 16, mac_b, 6);
	h[22] = 0x10; /* sequence control, little-endian: sequence 1, fragment 0 */
	if (addr4)
		memcpy(h + 24, mac_a, 6);
	if (qos)
		h[24 + (addr4 ? 6 : 0)] = amsdu ? 0x80 : 0;
	if (amsdu) {
		memcpy(h + mac, mac_b, 6);
		memcpy(h + mac + 6, mac_a, 6);
	}
	memcpy(h + mac + (amsdu ? 14 : 0), "\xaa\xaa\x03\x00\x00\x00", 6);
}

void kn_craft_gtpu(struct kn_craft *c, uint32_t teid, uint8_t flags)
{
	flags &= KN_CRAFT_GTPU_SEQ | KN_CRAFT_GTPU_NPDU;
	uint8_t *h = push(c, KN_CRAFT_GTPU, flags ? 12 : 8);
	if (!h)
		return;
	h[0] = (uint8_t)(0x30 | flags);
	h[1] = 255;
	put32(h + 4, teid);
	if (flags & KN_CRAFT_GTPU_SEQ)
		put16(h + 8, 1);
}

void kn_craft_gtpu_ext(struct kn_craft *c, uint8_t type, const void *body, size_t len)
{
	struct kn_craft_layer *l = last(c);
	if (!l || l->kind != KN_CRAFT_GTPU || len > 1000) {
		c->error = 1;
		return;
	}
	if (l->hlen == 8) { /* the optional fields come first */
		uint8_t *o = extend(c, KN_CRAFT_GTPU, 4, 1024);
		if (!o)
			return;
		memset(o, 0, 4);
	}
	size_t total = (len + 2 + 3) / 4 * 4;
	c->buf[l->off] |= 0x04;
	c->buf[c->len - 1] = type; /* the previous next-type byte */
	uint8_t *e = extend(c, KN_CRAFT_GTPU, total, 1024);
	if (!e)
		return;
	memset(e, 0, total);
	e[0] = (uint8_t)(total / 4);
	if (len)
		memcpy(e + 1, body, len);
}

void kn_craft_ayiya(struct kn_craft *c, uint8_t next)
{
	uint8_t *h = push(c, KN_CRAFT_AYIYA, 8 + 16 + 20);
	if (!h)
		return;
	h[0] = 0x41; /* identity 2^4 bytes, of type IPv6 address */
	h[1] = 0x52; /* signature 5 words, SHA-1 */
	h[2] = 0x11; /* shared-secret authentication, opcode forward */
	h[3] = next;
	put32(h + 4, 0x4af64c05);
	put16(h + 8, 0x2001);
	put16(h + 10, 0x0db8);
	h[23] = 2;
	for (int i = 0; i < 20; i++)
		h[24 + i] = (uint8_t)(i * 13 + 5);
}

/* ---- data ---- */

void kn_craft_payload(struct kn_craft *c, const void *data, size_t len)
{
	uint8_t *h = push(c, KN_CRAFT_PAYLOAD, len);
	if (!h)
		return;
	last(c)->hlen = 0; /* payload is not a header */
	for (size_t i = 0; i < len; i++)
		h[i] = data ? ((const uint8_t *)data)[i] : (uint8_t)(i * 7 + 1);
}

void kn_craft_raw(struct kn_craft *c, const void *data, size_t len)
{
	uint8_t *h = push(c, KN_CRAFT_RAW, len);
	if (h && len)
		memcpy(h, data, len);
}

void kn_craft_trailer(struct kn_craft *c, const void *data, size_t len)
{
	seal(c);
	if (c->error || len > KN_CRAFT_MAX - c->len) {
		c->error = 1;
		return;
	}
	for (size_t i = 0; i < len; i++)
		c->buf[c->len + i] = data ? ((const uint8_t *)data)[i] : 0;
	c->len += len;
	c->trailer += len;
}

/* ---- finish: checksums ---- */

static uint32_t sum16(const uint8_t *b, size_t n, uint32_t acc)
{
	for (size_t i = 0; i + 1 < n; i += 2)
		acc += get16(b + i);
	if (n & 1)
		acc += (uint32_t)b[n - 1] << 8;
	return acc;
}

static uint16_t fold(uint32_t acc)
{
	while (acc >> 16)
		acc = (acc & 0xffff) + (acc >> 16);
	return (uint16_t)~acc;
}

/* Pseudo-header sum of the nearest IP layer before layer i. */
static uint32_t pseudo_sum(const struct kn_craft *c, unsigned i, uint8_t proto, size_t len)
{
	while (i-- > 0) {
		const struct kn_craft_layer *l = &c->layer[i];
		const uint8_t *h = c->buf + l->off;
		if (l->kind == KN_CRAFT_IPV4)
			return sum16(h + 12, 8, 0) + proto + (uint32_t)len;
		if (l->kind == KN_CRAFT_IPV6)
			return sum16(h + 8, 32, 0) + proto + (uint32_t)(len >> 16) + (uint32_t)(len & 0xffff);
	}
	return 0;
}

/* CRC32c (Castagnoli), bitwise: SCTP's checksum. */
static uint32_t crc32c(const uint8_t *b, size_t n)
{
	uint32_t crc = 0xffffffff;
	for (size_t i = 0; i < n; i++) {
		crc ^= b[i];
		for (int k = 0; k < 8; k++)
			crc = (crc >> 1) ^ (0x82f63b78 & (0u - (crc & 1)));
	}
	return ~crc;
}

/* ---- finish: type fields ---- */

/* The ethertype-style value naming layer nx, or cur when it has none. */
static uint16_t type_of(const struct kn_craft_layer *nx, uint16_t cur)
{
	if (!nx)
		return cur;
	switch (nx->kind) {
	case KN_CRAFT_IPV4: return 0x0800;
	case KN_CRAFT_IPV6: return 0x86dd;
	case KN_CRAFT_VLAN: return nx->type;
	case KN_CRAFT_MPLS: return 0x8847;
	case KN_CRAFT_PPPOE: return 0x8864;
	case KN_CRAFT_ARP: return 0x0806;
	case KN_CRAFT_ETH: return 0x6558;
	case KN_CRAFT_PPP: return 0x880b;
	case KN_CRAFT_ERSPAN: return nx->aux == 3 ? 0x22eb : 0x88be;
	case KN_CRAFT_WLAN: return 0x8200;
	default: return cur;
	}
}

static uint16_t ppp_type_of(const struct kn_craft_layer *nx, uint16_t cur)
{
	if (nx && nx->kind == KN_CRAFT_IPV4)
		return 0x0021;
	if (nx && nx->kind == KN_CRAFT_IPV6)
		return 0x0057;
	return cur;
}

static void fix_type(struct kn_craft *c, const struct kn_craft_layer *l,
		     const struct kn_craft_layer *nx, size_t at)
{
	uint8_t *f = c->buf + l->off + at;
	put16(f, l->forced ? l->type : type_of(nx, get16(f)));
}

static void fix_null(struct kn_craft *c, const struct kn_craft_layer *l,
		     const struct kn_craft_layer *nx)
{
	uint32_t af = l->forced ? l->type : (nx && nx->kind == KN_CRAFT_IPV6) ? 24 : 2;
	uint8_t *h = c->buf + l->off;
	if (l->aux) {
		put32(h, af);
	} else {
		h[0] = (uint8_t)af;
		h[1] = (uint8_t)(af >> 8);
		h[2] = (uint8_t)(af >> 16);
		h[3] = (uint8_t)(af >> 24);
	}
}

/* ---- finish: per layer ---- */

static void fix_l4(struct kn_craft *c, unsigned i, size_t seg)
{
	const struct kn_craft_layer *l = &c->layer[i];
	uint8_t *h = c->buf + l->off;

	switch (l->kind) {
	case KN_CRAFT_TCP:
		h[12] = (uint8_t)((l->hlen / 4) << 4);
		put16(h + 16, 0);
		put16(h + 16, fold(sum16(h, seg, pseudo_sum(c, i, 6, seg))));
		break;
	case KN_CRAFT_UDP: {
		put16(h + 4, (uint16_t)seg);
		put16(h + 6, 0);
		uint16_t s = fold(sum16(h, seg, pseudo_sum(c, i, 17, seg)));
		put16(h + 6, s ? s : 0xffff);
		break;
	}
	case KN_CRAFT_ICMP:
		put16(h + 2, 0);
		put16(h + 2, fold(sum16(h, seg, 0)));
		break;
	case KN_CRAFT_ICMP6:
		put16(h + 2, 0);
		put16(h + 2, fold(sum16(h, seg, pseudo_sum(c, i, 58, seg))));
		break;
	case KN_CRAFT_SCTP: {
		memset(h + 8, 0, 4);
		uint32_t crc = crc32c(h, seg);
		h[8] = (uint8_t)crc, h[9] = (uint8_t)(crc >> 8);
		h[10] = (uint8_t)(crc >> 16), h[11] = (uint8_t)(crc >> 24);
		break;
	}
	default:
		break;
	}
}

static void fix_gre(struct kn_craft *c, const struct kn_craft_layer *l,
		    const struct kn_craft_layer *nx, size_t seg)
{
	uint8_t *h = c->buf + l->off;
	if (l->aux == 1) { /* PPTP: payload length in the key */
		put16(h + 4, (uint16_t)(seg - l->hlen));
		return;
	}
	fix_type(c, l, nx, 2);
	if (get16(h) & KN_CRAFT_GRE_CSUM) {
		put16(h + 4, 0);
		put16(h + 4, fold(sum16(h, seg, 0)));
	}
}

static void fix_layer(struct kn_craft *c, unsigned i, size_t end)
{
	const struct kn_craft_layer *l = &c->layer[i];
	const struct kn_craft_layer *nx = i + 1 < c->n ? &c->layer[i + 1] : NULL;
	uint8_t *h = c->buf + l->off;
	size_t seg = end - l->off;

	switch (l->kind) {
	case KN_CRAFT_ETH: fix_type(c, l, nx, 12); break;
	case KN_CRAFT_VLAN: fix_type(c, l, nx, 2); break;
	case KN_CRAFT_SLL: fix_type(c, l, nx, 14); break;
	case KN_CRAFT_SLL2: fix_type(c, l, nx, 0); break;
	case KN_CRAFT_NULL: fix_null(c, l, nx); break;
	case KN_CRAFT_GENEVE:
		h[0] = (uint8_t)((l->hlen - 8) / 4);
		fix_type(c, l, nx, 2);
		break;
	case KN_CRAFT_GRE: fix_gre(c, l, nx, seg); break;
	case KN_CRAFT_WLAN:
		fix_type(c, l, nx, l->hlen - 2u);
		if ((l->aux & KN_CRAFT_WLAN_QOS) && (l->aux & KN_CRAFT_WLAN_AMSDU))
			put16(h + l->hlen - 10, (uint16_t)(seg - (l->hlen - 8u)));
		break;
	case KN_CRAFT_GTPU: put16(h + 2, (uint16_t)(seg - 8)); break;
	case KN_CRAFT_PPPOE:
		put16(h + 4, (uint16_t)(seg - 6));
		put16(h + 6, l->forced ? l->type : ppp_type_of(nx, get16(h + 6)));
		break;
	case KN_CRAFT_PPP:
		put16(h + 2, l->forced ? l->type : ppp_type_of(nx, get16(h + 2)));
		break;
	case KN_CRAFT_IPV4:
		if (seg > 65535)
			c->error = 1;
		h[0] = (uint8_t)(0x40 | l->hlen / 4);
		put16(h + 2, (uint16_t)seg);
		put16(h + 10, 0);
		put16(h + 10, fold(sum16(h, l->hlen, 0)));
		break;
	case KN_CRAFT_IPV6:
		if (seg - 40 > 65535)
			c->error = 1;
		h[0] = (uint8_t)(0x60 | (h[0] & 0x0f));
		put16(h + 4, (uint16_t)(seg - 40));
		break;
	default:
		fix_l4(c, i, seg);
		break;
	}
}

size_t kn_craft_finish(struct kn_craft *c)
{
	seal(c);
	size_t end = c->len - c->trailer;
	for (unsigned i = c->n; i-- > 0;)
		fix_layer(c, i, end);
	return c->error ? 0 : c->len;
}

long kn_craft_layer_off(const struct kn_craft *c, enum kn_craft_kind kind, unsigned nth)
{
	for (unsigned i = 0; i < c->n; i++)
		if (c->layer[i].kind == kind && nth-- == 0)
			return (long)c->layer[i].off;
	return -1;
}

/* ---- fragmentation ---- */

/* The outermost IP layer and the last header of its unfragmentable part
 * (IPv6: hop-by-hop and routing headers); -1 without IP. */
static int frag_layers(const struct kn_craft *c, unsigned *ip, unsigned *unfrag)
{
	for (unsigned i = 0; i < c->n; i++) {
		uint8_t k = c->layer[i].kind;
		if (k != KN_CRAFT_IPV4 && k != KN_CRAFT_IPV6)
			continue;
		unsigned u = i;
		while (k == KN_CRAFT_IPV6 && u + 1 < c->n && c->layer[u + 1].kind == KN_CRAFT_IPV6_EXT &&
		       (c->layer[u + 1].type == 0 || c->layer[u + 1].type == 43))
			u++;
		*ip = i;
		*unfrag = u;
		return 0;
	}
	return -1;
}

size_t kn_craft_fragment_at(const struct kn_craft *c, size_t off, size_t len, int more,
			    struct kn_craft *out)
{
	unsigned ip, u;
	if (c->error || off % 8 || frag_layers(c, &ip, &u) < 0)
		return 0;
	const struct kn_craft_layer *l = &c->layer[ip];
	size_t pay = c->layer[u].off + c->layer[u].hlen, end = c->len - c->trailer;
	if (pay > end || off > end - pay || len > end - pay - off)
		return 0;
	kn_craft_init(out);
	memcpy(out->buf, c->buf, pay);
	memcpy(out->layer, c->layer, (u + 1) * sizeof c->layer[0]);
	out->n = u + 1;
	out->len = pay;
	out->linktype = c->linktype;
	if (l->kind == KN_CRAFT_IPV4) {
		uint8_t *fo = out->buf + l->off + 6;
		put16(fo, (uint16_t)((fo[0] & 0x40) << 8 | (more ? 0x2000 : 0) | off / 8));
	} else {
		uint8_t *nh = out->buf + (u == ip ? l->off + 6 : c->layer[u].off);
		uint8_t next = *nh;
		*nh = 44;
		kn_craft_ipv6_frag(out, next, (uint16_t)off, more, c->frag_id);
	}
	kn_craft_payload(out, c->buf + pay + off, len);
	return kn_craft_finish(out);
}

size_t kn_craft_fragment(const struct kn_craft *c, size_t frag_payload, struct kn_craft *out,
			 size_t max_out)
{
	unsigned ip, u;
	if (c->error || frag_layers(c, &ip, &u) < 0)
		return 0;
	size_t pay = c->layer[u].off + c->layer[u].hlen, end = c->len - c->trailer;
	size_t total = end > pay ? end - pay : 0, chunk = frag_payload / 8 * 8, n = 0;
	if (chunk == 0)
		chunk = 8;
	for (size_t off = 0; off < total || n == 0; off += chunk, n++) {
		size_t len = total - off < chunk ? total - off : chunk;
		if (n >= max_out || !kn_craft_fragment_at(c, off, len, off + len < total, &out[n]))
			return 0;
		if (total == 0)
			return 1;
	}
	return n;
}

/* ---- TCP session ---- */

struct session {
	const struct kn_craft_session *s;
	struct kn_craft *f;
	kn_craft_emit_fn emit;
	void *user;
	uint64_t ts;
	uint32_t seq[2];   /* next sequence number per side: 0 client, 1 server */
	uint64_t sent[2];  /* stream bytes sent per side, for the pattern */
	size_t frames;
	int v6, failed;
};

static void segment(struct session *ss, int side, uint8_t flags, const uint8_t *data, size_t len)
{
	const struct kn_craft_session *s = ss->s;
	struct kn_craft *f = ss->f;
	const char *src = side ? s->server : s->client, *dst = side ? s->client : s->server;

	kn_craft_init(f);
	kn_craft_eth(f, side ? mac_b : mac_a, side ? mac_a : mac_b);
	if (s->vlan)
		kn_craft_vlan(f, 0x8100, s->vlan);
	if (ss->v6)
		kn_craft_ipv6(f, src, dst, 6);
	else
		kn_craft_ipv4(f, src, dst, 6);
	uint32_t ack = (flags & 0x10) ? ss->seq[!side] : 0;
	kn_craft_tcp(f, side ? s->server_port : s->client_port, side ? s->client_port : s->server_port,
		     ss->seq[side], ack, flags, 64240);
	if (flags & 0x02) {
		kn_craft_tcp_mss(f, 1460);
		kn_craft_tcp_sackok(f);
		kn_craft_tcp_wscale(f, 7);
		kn_craft_tcp_ts(f, (uint32_t)(ss->ts / 1000000), side ? 1 : 0);
	}
	if (len) {
		size_t at = f->len;
		kn_craft_payload(f, data, len);
		for (size_t i = 0; !data && i < len && at + i < KN_CRAFT_MAX; i++)
			f->buf[at + i] = (uint8_t)((ss->sent[side] + i) * 7 + 1);
	}
	size_t n = kn_craft_finish(f);
	if (n) {
		ss->emit(ss->user, ss->ts, f->buf, n);
		ss->frames++;
	} else {
		ss->failed = 1;
	}
	ss->ts += s->step_ns ? s->step_ns : 1000000;
	ss->seq[side] += (uint32_t)len + ((flags & 0x03) ? 1 : 0); /* SYN and FIN count one */
	ss->sent[side] += len;
}

static void send_data(struct session *ss, int side, const void *data, size_t len)
{
	size_t mss = ss->s->mss ? ss->s->mss : 1400;
	for (size_t off = 0; off < len; off += mss) {
		size_t n = len - off < mss ? len - off : mss;
		segment(ss, side, 0x18, data ? (const uint8_t *)data + off : NULL, n);
		segment(ss, !side, 0x10, NULL, 0);
	}
}

size_t kn_craft_tcp_session(const struct kn_craft_session *s, kn_craft_emit_fn emit, void *user)
{
	struct kn_craft f;
	if (!s || !emit || !s->client || !s->server || (s->mss && s->mss > 65000))
		return 0;
	struct session ss = {
		.s = s, .f = &f, .emit = emit, .user = user, .ts = s->start_ns,
		.seq = { s->client_isn, s->server_isn }, .v6 = strchr(s->client, ':') != NULL,
	};
	segment(&ss, 0, 0x02, NULL, 0);        /* SYN */
	segment(&ss, 1, 0x12, NULL, 0);        /* SYN/ACK */
	segment(&ss, 0, 0x10, NULL, 0);        /* ACK */
	send_data(&ss, 0, s->request, s->request_len);
	send_data(&ss, 1, s->response, s->response_len);
	segment(&ss, 0, 0x11, NULL, 0);        /* FIN/ACK */
	segment(&ss, 1, 0x11, NULL, 0);        /* FIN/ACK */
	segment(&ss, 0, 0x10, NULL, 0);        /* last ACK */
	return ss.failed ? 0 : ss.frames;
}

void kn_craft_emit_pcapw(void *pcapw, uint64_t ts_ns, const uint8_t *frame, size_t len)
{
	/* Errors stick in the writer and come back from kn_pcapw_close. */
	int r = kn_pcapw_write(pcapw, ts_ns, frame, (uint32_t)len, (uint32_t)len);
	(void)r;
}
