/*
 * test_pcap.c - classic pcap reading (src/capture/pcap.c) on images made by
 * pcapw or by hand: both time units, both byte orders, exact timestamps,
 * lengths and flags, snaplen edge cases, and every error with its message
 * and byte offset after the packets that precede the fault.
 */
#include "capt_test.h"
#include "../../kt.h"
#include "pcapw.h"
#include "util/alloc.h"

#define TS1 1700000000123456789ull

static struct kn_capture *open_tb(const struct tb *t, char *eb)
{
	return kn_capture_open_mem(t->b, t->len, "x.pcap", eb);
}

/* pcapw microsecond file: three packets, one empty, one truncated. */
static void test_usec_roundtrip(void)
{
	struct kn_pcapw *w = kn_pcapw_open_mem(KN_PCAPW_PCAP_US, KN_LINK_ETHERNET, 65535);
	KT_REQUIRE(w);
	uint8_t f[200];
	fill_frame(f, sizeof f, 1);
	KT_EQ(kn_pcapw_write(w, TS1, f, 60, 60), 0);
	KT_EQ(kn_pcapw_write(w, TS1 + 1000, NULL, 0, 0), 0);
	KT_EQ(kn_pcapw_write(w, TS1 + 2500000000ull, f, 200, 1514), 0);
	size_t len;
	const uint8_t *img = kn_pcapw_mem(w, &len);
	KT_EQ(len, 24 + 16 + 60 + 16 + 16 + 200);

	char eb[KN_ERRBUF_SIZE];
	struct kn_capture *c = kn_capture_open_mem(img, len, "us.pcap", eb);
	KT_REQUIRE(c);
	struct kn_packet p[4];
	int rc, n = read_all(c, p, 4, &rc, eb);
	KT_REQUIRE(n == 3);
	KT_EQ(rc, 0);
	KT_EQ(p[0].ts_ns, 1700000000123456000ull);  /* rounded down to the us */
	KT_EQ(p[0].caplen, 60);
	KT_EQ(p[0].wirelen, 60);
	KT_EQ(p[0].linktype, KN_LINK_ETHERNET);
	KT_EQ(p[0].flags, KN_PKT_STABLE);
	KT_CHECK(p[0].data == img + 40 && frame_ok(p[0].data, 60, 1));
	KT_EQ(p[1].caplen, 0);
	KT_EQ(p[1].ts_ns, 1700000000123457000ull);
	KT_EQ(p[2].caplen, 200);
	KT_EQ(p[2].wirelen, 1514);
	KT_EQ(p[2].flags, KN_PKT_STABLE | KN_PKT_TRUNCATED);
	KT_EQ(p[2].ts_ns, 1700000002623456000ull);
	KT_CHECK(frame_ok(p[2].data, 200, 1));
	KT_EQ(kn_capture_position(c), len);
	KT_EQ(kn_capture_size(c), len);
	KT_EQ(kn_capture_is_live(c), 0);
	struct kn_capture_stats st;
	KT_EQ(kn_capture_stats(c, &st), 0);
	KT_EQ(st.packets, 3);
	KT_EQ(st.bytes, 260);
	KT_EQ(st.dropped, 0);
	struct kn_packet q;
	KT_EQ(kn_capture_next(c, &q, eb), 0);  /* end stays the end */
	kn_capture_close(c);
	KT_EQ(kn_pcapw_close(w), 0);
}

static void test_nsec_exact(void)
{
	struct kn_pcapw *w = kn_pcapw_open_mem(KN_PCAPW_PCAP_NS, KN_LINK_RAW, 262144);
	KT_REQUIRE(w);
	uint8_t f[40];
	fill_frame(f, sizeof f, 2);
	KT_EQ(kn_pcapw_write(w, TS1, f, 40, 40), 0);
	KT_EQ(kn_pcapw_write(w, TS1 + 1, f, 40, 40), 0);
	KT_EQ(kn_pcapw_write(w, 999999999ull, f, 20, 40), 0);
	size_t len;
	const uint8_t *img = kn_pcapw_mem(w, &len);
	char eb[KN_ERRBUF_SIZE];
	struct kn_capture *c = kn_capture_open_mem(img, len, NULL, eb);
	KT_REQUIRE(c);
	struct kn_packet p[4];
	int rc, n = read_all(c, p, 4, &rc, eb);
	KT_REQUIRE(n == 3);
	KT_EQ(rc, 0);
	KT_EQ(p[0].ts_ns, TS1);
	KT_EQ(p[1].ts_ns, TS1 + 1);
	KT_EQ(p[2].ts_ns, 999999999ull);
	KT_EQ(p[2].linktype, KN_LINK_RAW);
	KT_CHECK(frame_ok(p[2].data, 20, 2));
	kn_capture_close(c);
	KT_EQ(kn_pcapw_close(w), 0);
}

/* Files written on a big-endian host, both time units. */
static void test_swapped_byte_order(void)
{
	static const uint32_t magics[2] = { 0xa1b2c3d4, 0xa1b23c4d };
	for (int i = 0; i < 2; i++) {
		struct tb t = { 0 };
		uint8_t f[64];
		fill_frame(f, sizeof f, 3);
		pcap_hdr(&t, 1, magics[i], 2, 65535, KN_LINK_SLL2);
		pcap_rec(&t, 1700000000, 654321, f, 64, 70);
		pcap_rec(&t, 1700000001, 7, f, 10, 10);
		KT_CHECK(t.b[0] == 0xa1 && t.b[1] == 0xb2);
		char eb[KN_ERRBUF_SIZE];
		struct kn_capture *c = open_tb(&t, eb);
		KT_REQUIRE(c);
		struct kn_packet p[3];
		int rc, n = read_all(c, p, 3, &rc, eb);
		KT_REQUIRE(n == 2);
		KT_EQ(rc, 0);
		uint64_t mul = i == 0 ? 1000 : 1;
		KT_EQ(p[0].ts_ns, 1700000000ull * 1000000000ull + 654321 * mul);
		KT_EQ(p[1].ts_ns, 1700000001ull * 1000000000ull + 7 * mul);
		KT_EQ(p[0].caplen, 64);
		KT_EQ(p[0].wirelen, 70);
		KT_EQ(p[0].linktype, KN_LINK_SLL2);
		KT_CHECK(frame_ok(p[0].data, 64, 3));
		KT_EQ(p[1].caplen, 10);
		kn_capture_close(c);
	}
}

/* FCS bits in the link type field; a wire length below caplen. */
static void test_linktype_and_wirelen(void)
{
	struct tb t = { 0 };
	uint8_t f[30];
	fill_frame(f, sizeof f, 4);
	pcap_hdr(&t, 0, 0xa1b2c3d4, 2, 65535, 0x14000000u | KN_LINK_ETHERNET);
	pcap_rec(&t, 1, 2, f, 30, 4);
	char eb[KN_ERRBUF_SIZE];
	struct kn_capture *c = open_tb(&t, eb);
	KT_REQUIRE(c);
	struct kn_packet p;
	KT_REQUIRE(kn_capture_next(c, &p, eb) == 1);
	KT_EQ(p.linktype, KN_LINK_ETHERNET);
	KT_EQ(p.caplen, 30);
	KT_EQ(p.wirelen, 30);
	KT_EQ(p.flags, KN_PKT_STABLE);
	kn_capture_close(c);
}

/* A pcap header and one record of n recognisable bytes, on the heap. */
static uint8_t *one_record_image(uint32_t snaplen, uint32_t n, size_t *len)
{
	struct tb h = { 0 };
	pcap_hdr(&h, 0, 0xa1b2c3d4, 2, snaplen, 1);
	tb_u32(&h, 5);
	tb_u32(&h, 0);
	tb_u32(&h, n);
	tb_u32(&h, n);
	*len = h.len + n;
	uint8_t *img = kn_malloc(*len);
	if (img) {
		memcpy(img, h.b, h.len);
		fill_frame(img + h.len, n, 5);
	}
	return img;
}

/* Records above a small snaplen are tolerated up to 262144 bytes; a zero
 * or absurd snaplen means no stated limit (256 MiB). */
static void test_snaplen_edges(void)
{
	static const uint32_t snaplens[4] = { 64, 64, 0, 0x7fffffff };
	static const uint32_t sizes[4] = { 1500, 262144, 300000, 300000 };
	for (int i = 0; i < 4; i++) {
		size_t len;
		uint8_t *img = one_record_image(snaplens[i], sizes[i], &len);
		KT_REQUIRE(img);
		char eb[KN_ERRBUF_SIZE];
		struct kn_capture *c = kn_capture_open_mem(img, len, "s.pcap", eb);
		KT_REQUIRE(c);
		struct kn_packet p;
		KT_REQUIRE(kn_capture_next(c, &p, eb) == 1);
		KT_EQ(p.caplen, sizes[i]);
		KT_CHECK(frame_ok(p.data, sizes[i], 5));
		KT_EQ(kn_capture_next(c, &p, eb), 0);
		kn_capture_close(c);
		kn_free(img);
	}
	/* One byte over the tolerance with a small snaplen is corrupt. */
	size_t len;
	uint8_t *img = one_record_image(1514, 262145, &len);
	KT_REQUIRE(img);
	char eb[KN_ERRBUF_SIZE];
	struct kn_capture *c = kn_capture_open_mem(img, len, "s.pcap", eb);
	KT_REQUIRE(c);
	struct kn_packet p;
	KT_EQ(kn_capture_next(c, &p, eb), -KN_EFORMAT);
	KT_EQ_STR(eb, "s.pcap: byte offset 24: record length 262145 exceeds snaplen 1514; "
		      "the file is corrupt");
	kn_capture_close(c);
	kn_free(img);
}

static void test_caplen_exceeds_snaplen(void)
{
	struct tb t = { 0 };
	uint8_t f[60];
	fill_frame(f, sizeof f, 6);
	pcap_hdr(&t, 0, 0xa1b2c3d4, 2, 65535, 1);
	pcap_rec(&t, 1, 0, f, 60, 60);
	tb_u32(&t, 2);
	tb_u32(&t, 0);
	tb_u32(&t, 4000000);
	tb_u32(&t, 4000000);
	tb_bytes(&t, f, 60);
	char eb[KN_ERRBUF_SIZE];
	struct kn_capture *c = open_tb(&t, eb);
	KT_REQUIRE(c);
	struct kn_packet p;
	KT_REQUIRE(kn_capture_next(c, &p, eb) == 1);
	KT_EQ(kn_capture_next(c, &p, eb), -KN_EFORMAT);
	KT_EQ_STR(eb, "x.pcap: byte offset 100: record length 4000000 exceeds snaplen 65535; "
		      "the file is corrupt");
	eb[0] = '\0';
	KT_EQ(kn_capture_next(c, &p, eb), -KN_EFORMAT);  /* sticky, same message */
	KT_EQ_STR(eb, "x.pcap: byte offset 100: record length 4000000 exceeds snaplen 65535; "
		      "the file is corrupt");
	KT_EQ(kn_capture_position(c), 100);
	kn_capture_close(c);
}

static void test_caplen_absurd(void)
{
	struct tb t = { 0 };
	pcap_hdr(&t, 0, 0xa1b2c3d4, 2, 0, 1);
	tb_u32(&t, 2);
	tb_u32(&t, 0);
	tb_u32(&t, 0x90000000u);
	tb_u32(&t, 60);
	char eb[KN_ERRBUF_SIZE];
	struct kn_capture *c = open_tb(&t, eb);
	KT_REQUIRE(c);
	struct kn_packet p;
	KT_EQ(kn_capture_next(c, &p, eb), -KN_EFORMAT);
	KT_EQ_STR(eb, "x.pcap: byte offset 24: record length 2415919104 exceeds the "
		      "268435456-byte maximum; the file is corrupt");
	kn_capture_close(c);
}

static void test_wrong_magic(void)
{
	static const uint8_t text[] = "GET / HTTP/1.1\r\nHost: x\r\n\r\n";
	static const uint8_t gz[] = { 0x1f, 0x8b, 0x08, 0x00, 1, 2, 3, 4, 5, 6, 7, 8 };
	char eb[KN_ERRBUF_SIZE];
	KT_CHECK(kn_capture_open_mem(text, sizeof text - 1, "a.txt", eb) == NULL);
	KT_EQ_STR(eb, "a.txt: byte offset 0: not a pcap or pcapng file (magic 0x47455420); "
		      "expected a pcap or pcapng capture");
	KT_CHECK(kn_capture_open_mem(gz, sizeof gz, "b.pcap.gz", eb) == NULL);
	KT_EQ_STR(eb, "b.pcap.gz: byte offset 0: not a pcap or pcapng file (magic 0x1f8b0800); "
		      "the file is gzip-compressed: unpack it first (gunzip)");
	KT_CHECK(kn_capture_open_mem(gz, 3, "c", eb) == NULL);
	KT_EQ_STR(eb, "c: byte offset 0: file too short to be a capture (3 bytes); "
		      "expected a pcap or pcapng capture");
	KT_CHECK(kn_capture_open_mem(NULL, 0, "d", eb) == NULL);
	KT_EQ_STR(eb, "d: byte offset 0: empty input (0 bytes); expected a pcap or pcapng capture");
}

static void test_truncated_global_header(void)
{
	struct tb t = { 0 };
	pcap_hdr(&t, 0, 0xa1b23c4d, 2, 65535, 1);
	char eb[KN_ERRBUF_SIZE];
	KT_CHECK(kn_capture_open_mem(t.b, 10, "x.pcap", eb) == NULL);
	KT_EQ_STR(eb, "x.pcap: byte offset 0: truncated pcap file header (10 of 24 bytes); "
		      "the file is cut short");
	KT_CHECK(kn_capture_open_mem(t.b, 23, "x.pcap", eb) == NULL);
	KT_EQ_STR(eb, "x.pcap: byte offset 0: truncated pcap file header (23 of 24 bytes); "
		      "the file is cut short");
	/* The header alone is a valid, empty capture. */
	struct kn_capture *c = kn_capture_open_mem(t.b, 24, "x.pcap", eb);
	KT_REQUIRE(c);
	struct kn_packet p;
	KT_EQ(kn_capture_next(c, &p, eb), 0);
	kn_capture_close(c);
}

static void test_truncated_record_header(void)
{
	struct tb t = { 0 };
	uint8_t f[50];
	fill_frame(f, sizeof f, 7);
	pcap_hdr(&t, 0, 0xa1b2c3d4, 2, 65535, 1);
	pcap_rec(&t, 1, 0, f, 50, 50);
	pcap_rec(&t, 2, 0, f, 50, 50);
	tb_u32(&t, 3);
	tb_u16(&t, 0);
	tb_u8(&t, 0);  /* 7 bytes of a third header */
	char eb[KN_ERRBUF_SIZE];
	struct kn_capture *c = open_tb(&t, eb);
	KT_REQUIRE(c);
	struct kn_packet p[3];
	int rc, n = read_all(c, p, 3, &rc, eb);
	KT_REQUIRE(n == 2);
	KT_EQ(rc, -KN_ETRUNC);
	KT_EQ_STR(eb, "x.pcap: byte offset 156: truncated record header (7 of 16 bytes) at end "
		      "of file; the capture was cut short");
	KT_EQ(p[1].ts_ns, 2000000000ull);
	kn_capture_close(c);
}

static void test_record_cut_short(void)
{
	struct tb t = { 0 };
	uint8_t f[1500];
	fill_frame(f, sizeof f, 8);
	pcap_hdr(&t, 0, 0xa1b2c3d4, 2, 65535, 1);
	pcap_rec(&t, 1, 0, f, 1500, 1500);
	size_t off = pcap_rec(&t, 2, 0, f, 1500, 1500);
	char eb[KN_ERRBUF_SIZE];
	struct kn_capture *c = kn_capture_open_mem(t.b, t.len - 700, "x.pcap", eb);
	KT_REQUIRE(c);
	struct kn_packet p[3];
	int rc, n = read_all(c, p, 3, &rc, eb);
	KT_REQUIRE(n == 1);
	KT_EQ(off, 1540);
	KT_EQ(rc, -KN_ETRUNC);
	KT_EQ_STR(eb, "x.pcap: byte offset 1540: record of 1500 bytes cut short by the end of "
		      "file (800 bytes present); the capture was cut short");
	KT_CHECK(frame_ok(p[0].data, 1500, 8));
	kn_capture_close(c);
}

static void test_unsupported_formats(void)
{
	struct tb t = { 0 };
	pcap_hdr(&t, 0, 0xa1b2c3d4, 3, 65535, 1);
	char eb[KN_ERRBUF_SIZE];
	KT_CHECK(open_tb(&t, eb) == NULL);
	KT_EQ_STR(eb, "x.pcap: byte offset 0: unsupported pcap version 3.4; only version 2.x is "
		      "read");
	struct tb k = { 0 };
	pcap_hdr(&k, 1, 0xa1b2cd34, 2, 65535, 1);
	KT_CHECK(open_tb(&k, eb) == NULL);
	KT_EQ_STR(eb, "x.pcap: byte offset 0: modified (Kuznetzov) pcap format is not "
		      "supported; convert it with 'editcap -F pcap'");
}

static void test_breakloop(void)
{
	struct kn_pcapw *w = kn_pcapw_open_mem(KN_PCAPW_PCAP_US, 1, 65535);
	KT_REQUIRE(w);
	uint8_t f[20] = { 0 };
	for (int i = 0; i < 5; i++)
		KT_EQ(kn_pcapw_write(w, (uint64_t)i * 1000, f, 20, 20), 0);
	size_t len;
	const uint8_t *img = kn_pcapw_mem(w, &len);
	char eb[KN_ERRBUF_SIZE];
	struct kn_capture *c = kn_capture_open_mem(img, len, "b", eb);
	KT_REQUIRE(c);
	struct kn_packet p;
	KT_REQUIRE(kn_capture_next(c, &p, eb) == 1);
	kn_capture_breakloop(c);
	KT_EQ(kn_capture_next(c, &p, eb), 0);
	KT_EQ(kn_capture_next(c, &p, eb), 0);
	struct kn_capture_stats st;
	KT_EQ(kn_capture_stats(c, &st), 0);
	KT_EQ(st.packets, 1);
	kn_capture_close(c);
	KT_EQ(kn_pcapw_close(w), 0);
}

/* Two captures in one process keep separate state. */
static void test_two_instances(void)
{
	struct kn_pcapw *a = kn_pcapw_open_mem(KN_PCAPW_PCAP_US, 1, 65535);
	struct kn_pcapw *b = kn_pcapw_open_mem(KN_PCAPW_PCAPNG, 101, 65535);
	KT_REQUIRE(a && b);
	uint8_t f[32];
	for (unsigned i = 0; i < 4; i++) {
		fill_frame(f, sizeof f, i);
		KT_EQ(kn_pcapw_write(a, i * 1000000ull, f, 32, 32), 0);
		fill_frame(f, sizeof f, i + 100);
		KT_EQ(kn_pcapw_write(b, i * 7ull, f, 16, 32), 0);
	}
	size_t la, lb;
	const uint8_t *ia = kn_pcapw_mem(a, &la), *ib = kn_pcapw_mem(b, &lb);
	char eb[KN_ERRBUF_SIZE];
	struct kn_capture *ca = kn_capture_open_mem(ia, la, "a", eb);
	struct kn_capture *cb = kn_capture_open_mem(ib, lb, "b", eb);
	KT_REQUIRE(ca && cb);
	for (unsigned i = 0; i < 4; i++) {
		struct kn_packet pa, pb;
		KT_REQUIRE(kn_capture_next(ca, &pa, eb) == 1);
		KT_REQUIRE(kn_capture_next(cb, &pb, eb) == 1);
		KT_CHECK(frame_ok(pa.data, 32, i) && pa.linktype == 1);
		KT_CHECK(frame_ok(pb.data, 16, i + 100) && pb.linktype == 101);
		KT_EQ(pb.ts_ns, i * 7ull);
	}
	kn_capture_close(ca);
	kn_capture_close(cb);
	KT_EQ(kn_pcapw_close(a), 0);
	KT_EQ(kn_pcapw_close(b), 0);
}

/* Failing each allocation in turn (KN_ALLOC_FAULTS builds) gives NULL and a
 * message, never a crash; without fault injection every open succeeds. */
static void test_alloc_failures(void)
{
	struct kn_pcapw *w = kn_pcapw_open_mem(KN_PCAPW_PCAPNG, 1, 0);
	KT_REQUIRE(w);
	uint8_t f[20] = { 0 };
	KT_EQ(kn_pcapw_write(w, 5, f, 20, 20), 0);
	size_t len;
	const uint8_t *img = kn_pcapw_mem(w, &len);
	int opened = 0;
	for (unsigned long n = 1; n <= 6; n++) {
		char eb[KN_ERRBUF_SIZE] = "";
		kn_alloc_fail_at(n);
		struct kn_capture *c = kn_capture_open_mem(img, len, "m", eb);
		struct kn_packet p;
		int r = c ? kn_capture_next(c, &p, eb) : -KN_ENOMEM;
		kn_alloc_fail_at(0);
		if (c && r == 1)
			opened++;
		else
			KT_CHECK(eb[0] != '\0' && strstr(eb, "out of memory"));
		kn_capture_close(c);
	}
	KT_CHECK(opened >= 1);
	KT_EQ(kn_pcapw_close(w), 0);
}

static const struct kt_case cases[] = {
	KT_CASE(test_usec_roundtrip),
	KT_CASE(test_nsec_exact),
	KT_CASE(test_swapped_byte_order),
	KT_CASE(test_linktype_and_wirelen),
	KT_CASE(test_snaplen_edges),
	KT_CASE(test_caplen_exceeds_snaplen),
	KT_CASE(test_caplen_absurd),
	KT_CASE(test_wrong_magic),
	KT_CASE(test_truncated_global_header),
	KT_CASE(test_truncated_record_header),
	KT_CASE(test_record_cut_short),
	KT_CASE(test_unsupported_formats),
	KT_CASE(test_breakloop),
	KT_CASE(test_two_instances),
	KT_CASE(test_alloc_failures),
};

KT_MAIN("capture_pcap", cases)
