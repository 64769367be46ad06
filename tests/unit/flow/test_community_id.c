/*
 * test_community_id.c - Community ID v1: the spec's published baseline
 * vectors (corelight/community-id-spec baseline/, seeds 0 and 1), the IDs
 * of flow keys made by the table, the same IDs from a reused per-thread
 * context (kn_community_id_with()), and a cross-check against tshark's
 * `communityid` column for every usable packet of the shared reference
 * captures (KN_SHARED=<path of shared/>; skipped when absent). ICMP types
 * and SCTP ports are not in tshark's field dump, so for those rows the
 * capture itself is read (pcap, optionally gzip'd) to get them.
 */
#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <zlib.h>

#include "flow_test.h"
#include "../../kt.h"
#include "util/alloc.h"

struct vector {
	uint8_t proto;
	const char *saddr, *daddr;
	uint16_t sport, dport;
	const char *seed0, *seed1;
};

/* baseline_deflt.json and baseline_seed1.json of the spec repository. */
static const struct vector vectors[] = {
	{ 58, "fe80::200:86ff:fe05:80da", "fe80::260:97ff:fe07:69ea", 135, 136,
	  "1:dGHyGvjMfljg6Bppwm3bg0LO8TY=", "1:kHa1FhMYIT6Ym2Vm2AOtoOARDzY=" },
	{ 58, "fe80::260:97ff:fe07:69ea", "fe80::200:86ff:fe05:80da", 136, 135,
	  "1:dGHyGvjMfljg6Bppwm3bg0LO8TY=", "1:kHa1FhMYIT6Ym2Vm2AOtoOARDzY=" },
	{ 58, "fe80::260:97ff:fe07:69ea", "fe80::200:86ff:fe05:80da", 135, 136,
	  "1:zavyT/cezQr1fmImYCwYnMXbgck=", "1:2hSqmsDZ2kdcY9kbiUzOEBic0iM=" },
	{ 58, "fe80::200:86ff:fe05:80da", "fe80::260:97ff:fe07:69ea", 136, 135,
	  "1:zavyT/cezQr1fmImYCwYnMXbgck=", "1:2hSqmsDZ2kdcY9kbiUzOEBic0iM=" },
	{ 58, "3ffe:501:1800:2345::2", "3ffe:507:0:1:200:86ff:fe05:80da", 3, 0,
	  "1:2ObVBgIn28oZvibYZhZMBgh7WdQ=", "1:lVEtCZpYu84Xqaa++3lXFyuu2n4=" },
	{ 58, "3ffe:501:410:0:2c0:dfff:fe47:33e", "3ffe:507:0:1:200:86ff:fe05:80da", 1, 4,
	  "1:hLZd0XGWojozrvxqE0dWB1iM6R0=", "1:W8MHwXpWzpoSTD+cGcaJr4u0ys8=" },
	{ 58, "3ffe:507:0:1:200:86ff:fe05:80da", "3ffe:501:0:1001::2", 128, 129,
	  "1:+TW+HtLHvV1xnGhV1lv7XoJrqQg=", "1:GfZxjAkDk2MkegpBYHV6tadtFXQ=" },
	{ 58, "3ffe:501:0:1001::2", "3ffe:507:0:1:200:86ff:fe05:80da", 129, 128,
	  "1:+TW+HtLHvV1xnGhV1lv7XoJrqQg=", "1:GfZxjAkDk2MkegpBYHV6tadtFXQ=" },
	{ 58, "fe80::200:86ff:fe05:80da", "ff02::2", 133, 134,
	  "1:hO+sN4H+MG5MY/8hIrXPqc4ZQz0=", "1:L7Ka0ZMYu+J3bL4ulW2PrqyXNo8=" },
	{ 58, "fe80::260:97ff:fe07:69ea", "ff02::1", 134, 133,
	  "1:pkvHqCL88/tg1k4cPigmZXUtL00=", "1:K/ee5UCqAMAQXDorP5nSa2CGLjc=" },
	{ 1, "192.168.0.89", "192.168.0.1", 8, 0,
	  "1:X0snYXpgwiv9TZtqg64sgzUn6Dk=", "1:03g6IloqVBdcZlPyX8r0hgoE7kA=" },
	{ 1, "192.168.0.1", "192.168.0.89", 0, 8,
	  "1:X0snYXpgwiv9TZtqg64sgzUn6Dk=", "1:03g6IloqVBdcZlPyX8r0hgoE7kA=" },
	{ 1, "10.0.0.1", "10.0.0.2", 11, 0,
	  "1:YHxtAirCG//0OzkcVAukqKQN9xM=", "1:XjUibYHaafLQ3pxQeiMI8g25q20=" },
	{ 6, "2001:470:e5bf:dead:4957:2174:e82c:4887", "2607:f8b0:400c:c03::1a", 63943, 25,
	  "1:/qFaeAR+gFe1KYjMzVDsMv+wgU4=", "1:eJYTW6AOzFLlSUoESovMjnu7rMw=" },
	{ 6, "2607:f8b0:400c:c03::1a", "2001:470:e5bf:dead:4957:2174:e82c:4887", 25, 63943,
	  "1:/qFaeAR+gFe1KYjMzVDsMv+wgU4=", "1:eJYTW6AOzFLlSUoESovMjnu7rMw=" },
	{ 132, "192.168.170.8", "192.168.170.56", 7, 7,
	  "1:MP2EtRCAUIZvTw6MxJHLV7N7JDs=", "1:5w3ZRjeKBzqT3zsaEECDGjUbYeg=" },
	{ 132, "192.168.170.56", "192.168.170.8", 7, 7,
	  "1:MP2EtRCAUIZvTw6MxJHLV7N7JDs=", "1:5w3ZRjeKBzqT3zsaEECDGjUbYeg=" },
	{ 6, "128.232.110.120", "66.35.250.204", 34855, 80,
	  "1:LQU9qZlK+B5F3KDmev6m5PMibrg=", "1:3V71V58M3Ksw/yuFALMcW0LAHvc=" },
	{ 6, "66.35.250.204", "128.232.110.120", 80, 34855,
	  "1:LQU9qZlK+B5F3KDmev6m5PMibrg=", "1:3V71V58M3Ksw/yuFALMcW0LAHvc=" },
	{ 17, "192.168.1.52", "8.8.8.8", 54585, 53,
	  "1:d/FP5EW3wiY1vCndhwleRRKHowQ=", "1:Q9We8WO3piVF8yEQBNJF4uiSVrI=" },
	{ 17, "8.8.8.8", "192.168.1.52", 53, 54585,
	  "1:d/FP5EW3wiY1vCndhwleRRKHowQ=", "1:Q9We8WO3piVF8yEQBNJF4uiSVrI=" },
	{ 46, "10.1.12.1", "10.1.12.2", 0, 0,
	  "1:KHlLkgoJW7ifUTyTSgyVfkFHzKw=", "1:rYir8gphR31noO9iDRQmF/BteEI=" },
	{ 46, "10.1.12.2", "10.1.12.1", 0, 0,
	  "1:KHlLkgoJW7ifUTyTSgyVfkFHzKw=", "1:rYir8gphR31noO9iDRQmF/BteEI=" },
};

static void vector_key(const struct vector *v, struct kn_flow_key *k)
{
	memset(k, 0, sizeof *k);
	k->ip_version = (uint8_t)ft_addr(&k->src, v->saddr);
	ft_addr(&k->dst, v->daddr);
	k->proto = v->proto;
	k->sport = v->sport;
	k->dport = v->dport;
}

static void test_spec_vectors(void)
{
	char out[KN_COMMUNITY_ID_LEN];

	for (size_t i = 0; i < sizeof vectors / sizeof vectors[0]; i++) {
		struct kn_flow_key k;

		vector_key(&vectors[i], &k);
		KT_EQ(kn_community_id(&k, 0, out), 0);
		KT_EQ_STR(out, vectors[i].seed0);
		KT_EQ(kn_community_id(&k, 1, out), 0);
		KT_EQ_STR(out, vectors[i].seed1);
		KT_EQ(strlen(out), 30);
	}
}

/* A worker's context gives the same IDs, reused for many keys of both
 * address families and seeds in turn (its SHA-1 state restarts each time). */
static void test_reused_context(void)
{
	struct kn_community_id_ctx *c = kn_community_id_ctx_new();
	char out[KN_COMMUNITY_ID_LEN];

	KT_REQUIRE(c != NULL);
	for (int round = 0; round < 3; round++) {
		for (size_t i = 0; i < sizeof vectors / sizeof vectors[0]; i++) {
			struct kn_flow_key k;

			vector_key(&vectors[i], &k);
			KT_EQ(kn_community_id_with(c, &k, 0, out), 0);
			KT_EQ_STR(out, vectors[i].seed0);
			KT_EQ(kn_community_id_with(c, &k, 1, out), 0);
			KT_EQ_STR(out, vectors[i].seed1);
		}
	}
	struct kn_flow_key bad;
	memset(&bad, 0, sizeof bad);
	KT_EQ(kn_community_id_with(c, &bad, 0, out), -KN_EINVAL);
	vector_key(&vectors[0], &bad);
	KT_EQ(kn_community_id_with(NULL, &bad, 0, out), 0);  /* NULL: one-shot hash */
	KT_EQ_STR(out, vectors[0].seed0);
	kn_community_id_ctx_free(c);
	kn_community_id_ctx_free(NULL);
}

/* The keys the table builds (client-oriented, ICMP port equivalents) give
 * the spec's IDs whichever direction the first packet took. */
static void test_flow_keys(void)
{
	struct ft_rec rec;
	struct kn_flow_table *t = ft_table(&rec, 0, 0);
	char out[KN_COMMUNITY_ID_LEN];
	struct kn_packet p;

	KT_REQUIRE(t);
	ft_tcp(&p, "66.35.250.204", 80, "128.232.110.120", 34855, KN_TCP_SYN | KN_TCP_ACK, 1, 1, 0, FT_S);
	KT_REQUIRE(kn_flow_lookup(t, &p));
	KT_EQ(kn_community_id(&p.flow->key, 0, out), 0);
	KT_EQ_STR(out, "1:LQU9qZlK+B5F3KDmev6m5PMibrg=");
	ft_icmp(&p, "192.168.0.1", "192.168.0.89", 0, 0, FT_S);    /* echo reply first */
	KT_REQUIRE(kn_flow_lookup(t, &p));
	KT_EQ(kn_community_id(&p.flow->key, 0, out), 0);
	KT_EQ_STR(out, "1:X0snYXpgwiv9TZtqg64sgzUn6Dk=");
	ft_icmp(&p, "fe80::260:97ff:fe07:69ea", "fe80::200:86ff:fe05:80da", 135, 0, FT_S);
	KT_REQUIRE(kn_flow_lookup(t, &p));
	KT_EQ(kn_community_id(&p.flow->key, 0, out), 0);
	KT_EQ_STR(out, "1:zavyT/cezQr1fmImYCwYnMXbgck=");
	ft_icmp(&p, "3ffe:501:1800:2345::2", "3ffe:507:0:1:200:86ff:fe05:80da", 3, 0, FT_S);
	KT_REQUIRE(kn_flow_lookup(t, &p));
	KT_EQ(kn_community_id(&p.flow->key, 1, out), 0);
	KT_EQ_STR(out, "1:lVEtCZpYu84Xqaa++3lXFyuu2n4=");
	/* one-way type from the larger address keeps its order (tshark, mix
	 * frame 35366: ICMPv6 redirect) */
	ft_icmp(&p, "fe80::dead", "fe80::beef", 137, 0, FT_S);
	KT_REQUIRE(kn_flow_lookup(t, &p));
	KT_EQ(kn_community_id(&p.flow->key, 0, out), 0);
	KT_EQ_STR(out, "1:+o+xmthNKm7ox8DCG+8aOdWm8uM=");
	/* Suricata's EVE and tshark agree on this echo (slips_icmp-portscan) */
	ft_icmp(&p, "192.168.1.1", "192.168.1.109", 0, 0, FT_S);
	KT_REQUIRE(kn_flow_lookup(t, &p));
	KT_EQ(kn_community_id(&p.flow->key, 0, out), 0);
	KT_EQ_STR(out, "1:4hC28ZXiLNVQR1HXIONZN8Os4Y8=");
	ft_pkt(&p, 132, "192.168.170.56", 7, "192.168.170.8", 7, FT_S);
	KT_REQUIRE(kn_flow_lookup(t, &p));
	KT_EQ(kn_community_id(&p.flow->key, 0, out), 0);
	KT_EQ_STR(out, "1:MP2EtRCAUIZvTw6MxJHLV7N7JDs=");
	ft_pkt(&p, 46, "10.1.12.2", 0, "10.1.12.1", 0, FT_S);
	KT_REQUIRE(kn_flow_lookup(t, &p));
	KT_EQ(kn_community_id(&p.flow->key, 0, out), 0);
	KT_EQ_STR(out, "1:KHlLkgoJW7ifUTyTSgyVfkFHzKw=");
	kn_flow_table_free(t);
}

static void test_invalid(void)
{
	struct kn_flow_key k;
	char out[KN_COMMUNITY_ID_LEN];

	memset(&k, 0, sizeof k);
	KT_EQ(kn_community_id(&k, 0, out), -KN_EINVAL);
	k.ip_version = 5;
	KT_EQ(kn_community_id(&k, 0, out), -KN_EINVAL);
	KT_EQ(kn_community_id(NULL, 0, out), -KN_EINVAL);
	k.ip_version = 4;
	KT_EQ(kn_community_id(&k, 0, NULL), -KN_EINVAL);
}

/* ---- the tshark cross-check ---- */

/* A pcap reader over zlib (reads plain and gzip'd files alike). */
struct pcap_rd {
	gzFile f;
	int swap;
	uint32_t linktype;
	uint64_t frame;        /* 1-based number of the record in buf */
	uint32_t caplen;
	uint8_t buf[262144];
};

static uint32_t rd32(const uint8_t *p, int swap)
{
	uint32_t v;

	memcpy(&v, p, 4);
	return swap ? __builtin_bswap32(v) : v;
}

static int pcap_open(struct pcap_rd *r, const char *path)
{
	uint8_t h[24];
	uint32_t magic;

	r->f = gzopen(path, "rb");
	if (!r->f)
		return -1;
	if (gzread(r->f, h, sizeof h) != (int)sizeof h)
		goto fail;
	memcpy(&magic, h, 4);
	if (magic == 0xa1b2c3d4 || magic == 0xa1b23c4d)
		r->swap = 0;
	else if (magic == 0xd4c3b2a1 || magic == 0x4d3cb2a1)
		r->swap = 1;
	else
		goto fail;        /* pcapng: not needed for the ICMP rows */
	r->linktype = rd32(h + 20, r->swap) & 0xffff;
	r->frame = 0;
	return 0;
fail:
	gzclose(r->f);
	r->f = NULL;
	return -1;
}

/* Advances to record `frame`; 0 on success. */
static int pcap_seek_frame(struct pcap_rd *r, uint64_t frame)
{
	uint8_t h[16];

	while (r->f && r->frame < frame) {
		uint32_t len;

		if (gzread(r->f, h, sizeof h) != (int)sizeof h)
			return -1;
		len = rd32(h + 8, r->swap);
		if (len > sizeof r->buf)
			return -1;
		if (gzread(r->f, r->buf, len) != (int)len)
			return -1;
		r->caplen = len;
		r->frame++;
	}
	return r->f && r->frame == frame ? 0 : -1;
}

/* Transport facts of the frame in r->buf that tshark's fields lack:
 * proto after IPv6 extension headers, ICMP type/code, SCTP ports. */
struct l4_facts {
	uint8_t proto, type, code;
	uint16_t sport, dport;
};

static int l3_offset(const struct pcap_rd *r, uint16_t *ethertype)
{
	uint32_t off;

	if (r->linktype == 1) {
		off = 12;
		while (off + 2 <= r->caplen) {
			*ethertype = (uint16_t)(r->buf[off] << 8 | r->buf[off + 1]);
			if (*ethertype != 0x8100 && *ethertype != 0x88a8)
				return (int)(off + 2);
			off += 4;
		}
		return -1;
	}
	if (r->linktype == 101 && r->caplen > 0) {
		*ethertype = (r->buf[0] >> 4) == 6 ? 0x86dd : 0x0800;
		return 0;
	}
	return -1;
}

static int l4_parse(const struct pcap_rd *r, struct l4_facts *l4)
{
	uint16_t et = 0;
	int o = l3_offset(r, &et);
	uint32_t off;
	const uint8_t *b = r->buf;

	if (o < 0)
		return -1;
	off = (uint32_t)o;
	if (et == 0x0800) {
		/* any fragment: tshark hashes fragments without ports, flows see
		 * the reassembled datagram */
		if (off + 20 > r->caplen || ((b[off + 6] << 8 | b[off + 7]) & 0x3fff) != 0)
			return -1;
		l4->proto = b[off + 9];
		off += (uint32_t)(b[off] & 0x0f) * 4;
	} else if (et == 0x86dd) {
		uint8_t nh;

		if (off + 40 > r->caplen)
			return -1;
		nh = b[off + 6];
		off += 40;
		while ((nh == 0 || nh == 43 || nh == 60 || nh == 51) && off + 8 <= r->caplen) {
			uint8_t next = b[off];
			uint32_t len = nh == 51 ? ((uint32_t)b[off + 1] + 2) * 4
						: ((uint32_t)b[off + 1] + 1) * 8;

			nh = next;
			off += len;
		}
		if (nh == 44)
			return -1;    /* a fragment, see above */
		l4->proto = nh;
	} else {
		return -1;
	}
	/* tshark hashes a truncated ICMP header without ports */
	if (off + ((l4->proto == 1 || l4->proto == 58) ? 8 : 4) > r->caplen)
		return -1;
	l4->type = b[off];
	l4->code = b[off + 1];
	l4->sport = (uint16_t)(b[off] << 8 | b[off + 1]);
	l4->dport = (uint16_t)(b[off + 2] << 8 | b[off + 3]);
	return 0;
}

/* Rows where tshark hashed a malformed UDP header without its ports
 * (length field < 8, truncated header, or under an 0x8903 ethertype). */
static int tshark_quirk(const char *file, unsigned long frame)
{
	static const unsigned long mix[] = { 89291, 89293, 89295, 89297, 89299,
					      89301, 89303, 89305, 217427, 222049 };

	if (strcmp(file, "bench__mix.pcap.fields.tsv.gz") != 0)
		return 0;
	for (size_t i = 0; i < sizeof mix / sizeof mix[0]; i++)
		if (mix[i] == frame)
			return 1;
	return 0;
}

enum col { C_FRAME, C_SRC4, C_DST4, C_SRC6, C_DST6, C_PROTO, C_TSP, C_TDP, C_USP, C_UDP, C_CID, C_N };

static const char *const col_names[C_N] = {
	"frame.number", "ip.src", "ip.dst", "ipv6.src", "ipv6.dst", "ip.proto",
	"tcp.srcport", "tcp.dstport", "udp.srcport", "udp.dstport", "communityid",
};

struct xcheck {
	unsigned long rows, checked, icmp, other, mismatches, quirks;
	char first_bad[256];
};

/* Splits a TSV line in place; fills the wanted columns (by header index). */
static void split_row(char *line, const int idx[C_N], const char *cols[C_N])
{
	int n = 0;
	char *p = line;

	for (int c = 0; c < C_N; c++)
		cols[c] = "";
	while (p) {
		char *tab = strchr(p, '\t');

		if (tab)
			*tab = '\0';
		for (int c = 0; c < C_N; c++)
			if (idx[c] == n)
				cols[c] = p;
		p = tab ? tab + 1 : NULL;
		n++;
	}
}

static int parse_header(char *line, int idx[C_N])
{
	int ok = 1;

	for (int c = 0; c < C_N; c++)
		idx[c] = -1;
	for (int n = 0; line; n++) {
		char *tab = strchr(line, '\t');

		if (tab)
			*tab = '\0';
		for (int c = 0; c < C_N; c++)
			if (strcmp(line, col_names[c]) == 0)
				idx[c] = n;
		line = tab ? tab + 1 : NULL;
	}
	for (int c = 0; c < C_N; c++)
		ok &= idx[c] >= 0;
	return ok;
}

/* Builds the packet of one row; returns 0 when the row is usable. */
static int row_packet(const char *cols[C_N], struct pcap_rd *pr, struct kn_packet *p, uint64_t ts,
		      struct xcheck *x)
{
	int v6 = cols[C_SRC6][0] != '\0';
	const char *src = v6 ? cols[C_SRC6] : cols[C_SRC4], *dst = v6 ? cols[C_DST6] : cols[C_DST4];
	struct l4_facts l4;
	unsigned long frame = strtoul(cols[C_FRAME], NULL, 10);

	if (!cols[C_CID][0] || (cols[C_SRC4][0] != '\0') == v6)
		return -1;
	for (int c = C_SRC4; c < C_CID; c++)
		if (strchr(cols[c], ','))
			return -1;    /* tunnelled: several layers */
	if (cols[C_TSP][0] || cols[C_USP][0]) {
		int tcp = cols[C_TSP][0] != '\0';

		ft_pkt(p, tcp ? 6 : 17, src, (uint16_t)strtoul(cols[tcp ? C_TSP : C_USP], NULL, 10), dst,
		       (uint16_t)strtoul(cols[tcp ? C_TDP : C_UDP], NULL, 10), ts);
		if (tcp)
			p->tcp.flags = KN_TCP_ACK;
		return !v6 && strtoul(cols[C_PROTO], NULL, 10) != p->proto ? -1 : 0;
	}
	if (pcap_seek_frame(pr, frame) < 0 || l4_parse(pr, &l4) < 0)
		return -1;
	if (l4.proto == 6 || l4.proto == 17 || (!v6 && strtoul(cols[C_PROTO], NULL, 10) != l4.proto))
		return -1;    /* ports unknown to tshark: a fragment or a truncated header */
	ft_pkt(p, l4.proto, src, l4.sport, dst, l4.dport, ts);
	if (l4.proto == 1 || l4.proto == 58) {
		p->icmp_type = l4.type;
		p->icmp_code = l4.code;
		x->icmp++;
	} else {
		x->other++;
	}
	return p->ip_version ? 0 : -1;
}

static void check_file(const char *dir, const char *name, struct xcheck *x)
{
	char path[1024], pcap[1024], line[8192];
	const char *cols[C_N];
	int idx[C_N];
	struct ft_rec rec;
	struct kn_flow_table *t = ft_table(&rec, 0, 0);
	struct pcap_rd *pr = kn_calloc(1, sizeof *pr);
	gzFile f = NULL;
	size_t base;

	snprintf(path, sizeof path, "%s/data/ref/tshark/%s", dir, name);
	/* the capture: name with "__" -> "/", minus ".fields.tsv.gz", under data/ */
	snprintf(pcap, sizeof pcap, "%s/data/", dir);
	base = strlen(pcap);
	for (const char *s = name; *s && base + 1 < sizeof pcap && strncmp(s, ".fields.tsv.gz", 14); s++)
		pcap[base++] = (s[0] == '_' && s[1] == '_') ? (s++, '/') : *s;
	pcap[base] = '\0';
	if (!pr || !t)
		goto out;
	if (pcap_open(pr, pcap) < 0 && base + 4 < sizeof pcap) {
		memcpy(pcap + base, ".gz", 4);
		pcap_open(pr, pcap);
	}
	f = gzopen(path, "rb");
	if (!f || !gzgets(f, line, sizeof line) || !parse_header(line, idx))
		goto out;
	for (uint64_t ts = FT_S; gzgets(f, line, sizeof line); ts++) {
		struct kn_packet p;
		char cid[KN_COMMUNITY_ID_LEN];

		line[strcspn(line, "\r\n")] = '\0';
		split_row(line, idx, cols);
		x->rows++;
		if (row_packet(cols, pr, &p, ts, x) < 0 || !kn_flow_lookup(t, &p))
			continue;
		x->checked++;
		if (kn_community_id(&p.flow->key, 0, cid) == 0 && strcmp(cid, cols[C_CID]) == 0)
			continue;
		if (tshark_quirk(name, strtoul(cols[C_FRAME], NULL, 10))) {
			x->quirks++;
			continue;
		}
		if (!x->mismatches++)
			snprintf(x->first_bad, sizeof x->first_bad, "%s frame %s: %s != %s", name,
				 cols[C_FRAME], cid, cols[C_CID]);
	}
out:
	if (f)
		gzclose(f);
	if (pr && pr->f)
		gzclose(pr->f);
	kn_free(pr);
	kn_flow_table_flush(t, 0);
	kn_flow_table_free(t);
}

static void test_tshark_crosscheck(void)
{
	const char *shared = getenv("KN_SHARED");
	char dir[1024];
	struct dirent *de;
	struct xcheck x;
	DIR *d;
	unsigned files = 0;

	if (!shared)
		KT_SKIP("KN_SHARED not set");
	snprintf(dir, sizeof dir, "%s/data/ref/tshark", shared);
	d = opendir(dir);
	if (!d)
		KT_SKIP("%.400s absent", dir);
	memset(&x, 0, sizeof x);
	while ((de = readdir(d)) != NULL) {
		size_t n = strlen(de->d_name);

		if (n > 14 && strcmp(de->d_name + n - 14, ".fields.tsv.gz") == 0) {
			check_file(shared, de->d_name, &x);
			files++;
		}
	}
	closedir(d);
	fprintf(stderr, "flow_community_id: %u files, %lu rows, %lu checked (%lu ICMP, %lu other "
		"protocols), %lu tshark quirks, %lu mismatches\n",
		files, x.rows, x.checked, x.icmp, x.other, x.quirks, x.mismatches);
	if (x.mismatches)
		kt_fail(__FILE__, __LINE__, "%lu mismatches, first: %s", x.mismatches, x.first_bad);
	KT_CHECK(x.quirks <= 10);
	if (files >= 26) {
		KT_CHECK(x.checked > 240000);
		KT_CHECK(x.icmp > 1000);
	}
}

static const struct kt_case cases[] = {
	KT_CASE(test_spec_vectors),
	KT_CASE(test_reused_context),
	KT_CASE(test_flow_keys),
	KT_CASE(test_invalid),
	KT_CASE(test_tshark_crosscheck),
};

KT_MAIN("flow_community_id", cases)
