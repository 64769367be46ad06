/*
 * gen_pcap_seeds.c - writes the seed corpus of fuzz/fuzz_pcap.c (the
 * capture stage's file parsers): small pcap and pcapng files of crafted
 * frames, made with pcapw and, for what pcapw does not write (big-endian
 * files, several interfaces and sections, SPB/PB, skipped blocks), with the
 * byte builder of capt_test.h. Every file stays under 4 KiB.
 *
 *   gen_pcap_seeds fuzz/corpus/pcap
 */
#include "capt_test.h"
#include "craft.h"
#include "pcapw.h"

#define T0 1700000000000000000ull

static struct kn_craft cr;

/* Frame k of a small mixed set: TCP handshake pieces, HTTP, DNS, ICMP,
 * IPv6; `eth` selects Ethernet or raw IP. Returns its length. */
static size_t frame(unsigned k, int eth)
{
	static const char get[] = "GET / HTTP/1.1\r\nHost: example.com\r\n\r\n";
	static const uint8_t dns[] = { 0x12, 0x34, 1, 0, 0, 1, 0, 0, 0, 0, 0, 0, 7, 'e', 'x', 'a',
				       'm', 'p', 'l', 'e', 3, 'c', 'o', 'm', 0, 0, 1, 0, 1 };
	kn_craft_init(&cr);
	if (eth)
		kn_craft_eth(&cr, NULL, NULL);
	switch (k % 5) {
	case 0:
		kn_craft_ipv4(&cr, "10.0.0.1", "10.0.0.2", 6);
		kn_craft_tcp(&cr, 40000, 80, 1000, 0, KN_TCP_SYN, 64240);
		kn_craft_tcp_mss(&cr, 1460);
		break;
	case 1:
		kn_craft_ipv4(&cr, "10.0.0.1", "10.0.0.2", 6);
		kn_craft_tcp(&cr, 40000, 80, 1001, 5001, KN_TCP_ACK | KN_TCP_PSH, 502);
		kn_craft_payload(&cr, get, sizeof get - 1);
		break;
	case 2:
		kn_craft_ipv4(&cr, "10.0.0.1", "8.8.8.8", 17);
		kn_craft_udp(&cr, 53000, 53);
		kn_craft_payload(&cr, dns, sizeof dns);
		break;
	case 3:
		kn_craft_ipv4(&cr, "10.0.0.1", "10.0.0.9", 1);
		kn_craft_icmp(&cr, 8, 0, 7, (uint16_t)k);
		kn_craft_payload(&cr, "abcdefgh", 8);
		break;
	default:
		kn_craft_ipv6(&cr, "2001:db8::1", "2001:db8::2", 6);
		kn_craft_tcp(&cr, 40001, 443, 7, 0, KN_TCP_SYN, 65535);
		break;
	}
	return kn_craft_finish(&cr);
}

static int write_pcapw(const char *dir, const char *name, int format, int eth, unsigned n)
{
	char path[512], eb[KN_ERRBUF_SIZE];
	snprintf(path, sizeof path, "%s/%s", dir, name);
	struct kn_pcapw *w = kn_pcapw_open(path, format, eth ? KN_LINK_ETHERNET : KN_LINK_RAW,
					   262144, eb);
	if (!w) {
		fprintf(stderr, "%s\n", eb);
		return -1;
	}
	int r = 0;
	for (unsigned k = 0; k < n && r == 0; k++) {
		size_t len = frame(k, eth);
		uint32_t cap = k == n - 1 ? (uint32_t)len / 2 : (uint32_t)len;  /* last one truncated */
		r = kn_pcapw_write(w, T0 + k * 1234567ull, cr.buf, cap, (uint32_t)len);
	}
	return kn_pcapw_close(w) == 0 ? r : -1;
}

static int write_tb(const char *dir, const char *name, const struct tb *t)
{
	char path[512];
	snprintf(path, sizeof path, "%s/%s", dir, name);
	FILE *f = fopen(path, "wb");
	if (!f)
		return -1;
	size_t n = fwrite(t->b, 1, t->len, f);
	return fclose(f) == 0 && n == t->len ? 0 : -1;
}

/* Big-endian Linux-cooked pcap. */
static void big_endian_pcap(struct tb *t)
{
	pcap_hdr(t, 1, 0xa1b2c3d4, 2, 65535, KN_LINK_SLL);
	for (unsigned k = 0; k < 3; k++) {
		kn_craft_init(&cr);
		kn_craft_sll(&cr);
		kn_craft_ipv4(&cr, "192.168.1.2", "192.168.1.1", 17);
		kn_craft_udp(&cr, 5353, 5353);
		kn_craft_payload(&cr, "seed", 4);
		size_t len = kn_craft_finish(&cr);
		pcap_rec(t, 1700000000 + k, 250000 * k, cr.buf, (uint32_t)len, (uint32_t)len);
	}
}

/* Two sections: LE with two interfaces (Ethernet in us with a 1500-byte
 * snaplen, raw IP in 2^-10 s with a +3600 s offset), EPB, SPB, PB, NRB,
 * ISB and a custom block; then BE with one raw-IP interface in ns, -5 s. */
static void multi_pcapng(struct tb *t)
{
	ng_shb(t, 0);
	ng_idb(t, KN_LINK_ETHERNET, 1500, -1, 0);
	ng_idb(t, KN_LINK_RAW, 0, 0x80 | 10, 3600);
	size_t len = frame(0, 1);
	ng_epb(t, 0, 1700000000ull * 1000000, cr.buf, (uint32_t)len, (uint32_t)len);
	len = frame(2, 0);
	ng_epb(t, 1, 1700000000ull * 1024 + 100, cr.buf, (uint32_t)len, (uint32_t)len);
	len = frame(1, 1);
	ng_begin(t, 3);
	tb_u32(t, (uint32_t)len);
	tb_bytes(t, cr.buf, len);
	ng_end(t);
	ng_begin(t, 2);
	tb_u16(t, 0);
	tb_u16(t, 0);
	tb_u32(t, 0);
	tb_u32(t, 1);
	tb_u32(t, (uint32_t)len);
	tb_u32(t, (uint32_t)len);
	tb_bytes(t, cr.buf, len);
	ng_end(t);
	ng_begin(t, 4);
	tb_u32(t, 0);
	ng_end(t);
	ng_begin(t, 5);
	tb_u32(t, 0);
	tb_u64(t, 0);
	ng_end(t);
	ng_begin(t, 0x40000bad);
	tb_u32(t, 1);
	ng_end(t);
	ng_shb(t, 1);
	ng_idb(t, KN_LINK_RAW, 262144, 9, -5);
	len = frame(4, 0);
	ng_epb(t, 0, T0, cr.buf, (uint32_t)len, (uint32_t)len);
}

int main(int argc, char **argv)
{
	if (argc != 2) {
		fprintf(stderr, "usage: %s DIR\n", argv[0]);
		return 2;
	}
	static struct tb t;
	int r = write_pcapw(argv[1], "eth_us.pcap", KN_PCAPW_PCAP_US, 1, 6);
	r |= write_pcapw(argv[1], "raw_ns.pcap", KN_PCAPW_PCAP_NS, 0, 5);
	r |= write_pcapw(argv[1], "eth.pcapng", KN_PCAPW_PCAPNG, 1, 6);
	big_endian_pcap(&t);
	r |= write_tb(argv[1], "sll_be.pcap", &t);
	memset(&t, 0, sizeof t);
	multi_pcapng(&t);
	r |= write_tb(argv[1], "multi.pcapng", &t);
	return r ? 1 : 0;
}
