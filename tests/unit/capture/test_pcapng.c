/*
 * test_pcapng.c - pcapng reading (src/capture/pcapng.c): pcapw output,
 * hand-built files with several interfaces (link types, if_tsresol as
 * powers of 10 and 2, if_tsoffset), SPB and obsolete PB, skipped blocks,
 * several sections of both byte orders, and every corrupt-block error with
 * its message and byte offset.
 */
#include "../../kt.h"
#include "capt_test.h"
#include "pcapw.h"

#define NS 1000000000ull

static struct kn_capture *open_tb(const struct tb *t, char *eb)
{
	return kn_capture_open_mem(t->b, t->len, "x.pcapng", eb);
}

static void test_pcapw_roundtrip(void)
{
	struct kn_pcapw *w = kn_pcapw_open_mem(KN_PCAPW_PCAPNG, KN_LINK_ETHERNET, 262144);
	KT_REQUIRE(w);
	uint8_t f[64];
	fill_frame(f, sizeof f, 9);
	/* Lengths 0..5 cover every padding case. */
	for (uint32_t n = 0; n <= 5; n++)
		KT_EQ(kn_pcapw_write(w, 1700000000123456789ull + n, f, n, n + 10), 0);
	size_t len;
	const uint8_t *img = kn_pcapw_mem(w, &len);
	KT_EQ(len, 28 + 32 + 6 * 32 + 4 + 4 + 4 + 4 + 8);
	char eb[KN_ERRBUF_SIZE];
	struct kn_capture *c = kn_capture_open_mem(img, len, "w.pcapng", eb);
	KT_REQUIRE(c);
	struct kn_packet p[8];
	int rc, n = read_all(c, p, 8, &rc, eb);
	KT_REQUIRE(n == 6);
	KT_EQ(rc, 0);
	for (int i = 0; i < n; i++) {
		KT_EQ(p[i].ts_ns, 1700000000123456789ull + (uint64_t)i);
		KT_EQ(p[i].caplen, i);
		KT_EQ(p[i].wirelen, i + 10);
		KT_EQ(p[i].linktype, KN_LINK_ETHERNET);
		KT_EQ(p[i].flags, KN_PKT_STABLE | KN_PKT_TRUNCATED);
		KT_CHECK(frame_ok(p[i].data, (size_t)i, 9));
	}
	KT_EQ(kn_capture_position(c), len);
	kn_capture_close(c);
	KT_EQ(kn_pcapw_close(w), 0);
}

/* Interface 0: Ethernet, default microseconds. Interface 1: raw IP, 2^-10 s
 * ticks and a +1000 s offset. Interface 2: Linux cooked, picoseconds (finer
 * than 1 ns: rounded down). Interface 3: IPv4, 2^-32 s, offset -10 s. */
static void test_interfaces_and_tsresol(void)
{
	struct tb t = { 0 };
	uint8_t f[16];
	fill_frame(f, sizeof f, 10);
	ng_shb(&t, 0);
	ng_idb(&t, KN_LINK_ETHERNET, 65535, -1, 0);
	ng_idb(&t, KN_LINK_RAW, 65535, 0x80 | 10, 1000);
	ng_idb(&t, KN_LINK_SLL, 0, 12, 0);
	ng_idb(&t, KN_LINK_IPV4, 0, 0x80 | 32, -10);
	ng_epb(&t, 0, 1700000000ull * 1000000 + 123456, f, 16, 16);
	ng_epb(&t, 1, 1700000000ull * 1024 + 512, f, 8, 16);
	ng_epb(&t, 2, 1000000ull * 1000000000000ull + 987654321999ull, f, 4, 4);
	ng_epb(&t, 3, (1700000000ull << 32) | 0xc0000000u, f, 2, 2);
	ng_epb(&t, 0, 5, f, 1, 1);
	char eb[KN_ERRBUF_SIZE];
	struct kn_capture *c = open_tb(&t, eb);
	KT_REQUIRE(c);
	struct kn_packet p[6];
	int rc, n = read_all(c, p, 6, &rc, eb);
	KT_REQUIRE(n == 5);
	KT_EQ(rc, 0);
	KT_EQ(p[0].ts_ns, 1700000000123456000ull);
	KT_EQ(p[0].linktype, KN_LINK_ETHERNET);
	KT_EQ(p[1].ts_ns, 1700001000500000000ull);
	KT_EQ(p[1].linktype, KN_LINK_RAW);
	KT_EQ(p[1].flags, KN_PKT_STABLE | KN_PKT_TRUNCATED);
	KT_EQ(p[2].ts_ns, 1000000987654321ull);
	KT_EQ(p[2].linktype, KN_LINK_SLL);
	KT_EQ(p[3].ts_ns, 1699999990750000000ull);
	KT_EQ(p[3].linktype, KN_LINK_IPV4);
	KT_EQ(p[4].ts_ns, 5000);
	KT_CHECK(frame_ok(p[1].data, 8, 10) && frame_ok(p[2].data, 4, 10));
	kn_capture_close(c);
}

/* SPB (interface 0, previous packet's time, length bounded by snaplen),
 * obsolete PB, and blocks to skip: NRB, ISB, DSB, custom, unknown. */
static void test_spb_pb_and_skipped_blocks(void)
{
	struct tb t = { 0 };
	uint8_t f[100];
	fill_frame(f, sizeof f, 11);
	ng_shb(&t, 0);
	ng_idb(&t, KN_LINK_ETHERNET, 64, 9, 0);
	ng_begin(&t, 4);  /* name resolution block */
	tb_u32(&t, 0);
	ng_end(&t);
	ng_epb(&t, 0, 42 * NS + 7, f, 20, 20);
	ng_begin(&t, 3);  /* SPB: 100-byte packet, 64 captured */
	tb_u32(&t, 100);
	tb_bytes(&t, f, 64);
	ng_end(&t);
	ng_begin(&t, 3);  /* SPB: 3-byte packet, padded */
	tb_u32(&t, 3);
	tb_bytes(&t, f, 3);
	ng_end(&t);
	ng_begin(&t, 5);  /* interface statistics */
	tb_u32(&t, 0);
	tb_u64(&t, 0);
	ng_end(&t);
	ng_begin(&t, 0x0000000a);  /* decryption secrets */
	ng_end(&t);
	ng_begin(&t, 0x00000bad);  /* custom */
	tb_u32(&t, 32473);
	ng_end(&t);
	ng_begin(&t, 0x77777777);  /* unknown */
	tb_bytes(&t, f, 37);
	ng_end(&t);
	ng_begin(&t, 2);  /* obsolete packet block */
	tb_u16(&t, 0);
	tb_u16(&t, 0);  /* drops */
	tb_u32(&t, 0);
	tb_u32(&t, 99);
	tb_u32(&t, 30);
	tb_u32(&t, 40);
	tb_bytes(&t, f, 30);
	ng_end(&t);
	char eb[KN_ERRBUF_SIZE];
	struct kn_capture *c = open_tb(&t, eb);
	KT_REQUIRE(c);
	struct kn_packet p[6];
	int rc, n = read_all(c, p, 6, &rc, eb);
	KT_EQ(rc, 0);
	KT_REQUIRE(n == 4);
	KT_EQ(p[0].ts_ns, 42 * NS + 7);
	KT_EQ(p[1].caplen, 64);
	KT_EQ(p[1].wirelen, 100);
	KT_EQ(p[1].ts_ns, 42 * NS + 7);
	KT_EQ(p[1].flags, KN_PKT_STABLE | KN_PKT_TRUNCATED);
	KT_CHECK(frame_ok(p[1].data, 64, 11));
	KT_EQ(p[2].caplen, 3);
	KT_EQ(p[2].wirelen, 3);
	KT_EQ(p[3].caplen, 30);
	KT_EQ(p[3].wirelen, 40);
	KT_EQ(p[3].ts_ns, 99);
	KT_CHECK(frame_ok(p[3].data, 30, 11));
	KT_EQ(kn_capture_position(c), t.len);
	kn_capture_close(c);
}

/* Section 1 little-endian with two interfaces; section 2 big-endian with
 * one interface of another link type: interface ids restart per section. */
static void test_sections_and_byte_orders(void)
{
	struct tb t = { 0 };
	uint8_t f[40];
	fill_frame(f, sizeof f, 12);
	ng_shb(&t, 0);
	ng_idb(&t, KN_LINK_ETHERNET, 0, 6, 0);
	ng_idb(&t, KN_LINK_RAW, 0, 9, 0);
	ng_epb(&t, 1, 1 * NS + 1, f, 40, 40);
	ng_shb(&t, 1);
	KT_CHECK(t.b[t.len - 20] == 0x1a);  /* the BOM really is big-endian */
	ng_idb(&t, KN_LINK_SLL2, 0, 9, 0);
	ng_epb(&t, 0, 2 * NS + 2, f, 33, 40);
	ng_shb(&t, 0);
	ng_idb(&t, KN_LINK_IPV6, 0, 3, 0);
	ng_epb(&t, 0, 3003, f, 1, 1);
	size_t bad = ng_epb(&t, 1, 4, f, 1, 1);  /* interface 1 is gone */
	char eb[KN_ERRBUF_SIZE];
	struct kn_capture *c = open_tb(&t, eb);
	KT_REQUIRE(c);
	struct kn_packet p[4];
	int rc, n = read_all(c, p, 4, &rc, eb);
	KT_REQUIRE(n == 3);
	KT_EQ(p[0].linktype, KN_LINK_RAW);
	KT_EQ(p[0].ts_ns, 1 * NS + 1);
	KT_EQ(p[1].linktype, KN_LINK_SLL2);
	KT_EQ(p[1].ts_ns, 2 * NS + 2);
	KT_EQ(p[1].caplen, 33);
	KT_CHECK(frame_ok(p[1].data, 33, 12));
	KT_EQ(p[2].linktype, KN_LINK_IPV6);
	KT_EQ(p[2].ts_ns, 3003000000ull);
	KT_EQ(rc, -KN_EFORMAT);
	char want[KN_ERRBUF_SIZE];
	snprintf(want, sizeof want, "x.pcapng: byte offset %zu: packet names interface 1 but its "
		 "section defines 1; the file is corrupt", bad);
	KT_EQ_STR(eb, want);
	kn_capture_close(c);
}

/* A big-endian file from the first byte. */
static void test_big_endian_file(void)
{
	struct tb t = { 0 };
	uint8_t f[10];
	fill_frame(f, sizeof f, 13);
	ng_shb(&t, 1);
	ng_idb(&t, KN_LINK_NULL, 128, 0x80 | 20, 0);
	ng_epb(&t, 0, ((uint64_t)1700000000 << 20) | (1u << 19), f, 10, 10);
	char eb[KN_ERRBUF_SIZE];
	struct kn_capture *c = open_tb(&t, eb);
	KT_REQUIRE(c);
	struct kn_packet p;
	KT_REQUIRE(kn_capture_next(c, &p, eb) == 1);
	KT_EQ(p.ts_ns, 1700000000500000000ull);
	KT_EQ(p.linktype, KN_LINK_NULL);
	KT_CHECK(frame_ok(p.data, 10, 13));
	KT_EQ(kn_capture_next(c, &p, eb), 0);
	kn_capture_close(c);
}

/* A valid start: SHB (28 bytes), IDB (24), EPB (40); errors follow at 92. */
static void start(struct tb *t)
{
	uint8_t f[8] = { 0 };
	ng_shb(t, 0);
	ng_idb(t, KN_LINK_ETHERNET, 0, -1, 0);
	ng_epb(t, 0, 1, f, 8, 8);
}

/* Reads t: expects one packet then error `err` with message `msg`. */
static void expect_error(const struct tb *t, int err, const char *msg)
{
	char eb[KN_ERRBUF_SIZE];
	struct kn_capture *c = open_tb(t, eb);
	KT_REQUIRE(c);
	struct kn_packet p[3];
	int rc, n = read_all(c, p, 3, &rc, eb);
	KT_REQUIRE(n == 1);
	KT_EQ(rc, err);
	KT_EQ_STR(eb, msg);
	KT_EQ(kn_capture_next(c, &p[2], eb), err);
	KT_EQ_STR(eb, msg);
	kn_capture_close(c);
}

static void test_bad_block_lengths(void)
{
	struct tb t = { 0 };
	start(&t);
	KT_EQ(t.len, 92);
	tb_u32(&t, 6);
	tb_u32(&t, 30);
	tb_bytes(&t, t.b, 30);
	expect_error(&t, -KN_EFORMAT, "x.pcapng: byte offset 92: block type 0x00000006: block "
				      "length 30 is not a multiple of 4; the file is corrupt");
	t.len = 92;
	tb_u32(&t, 6);
	tb_u32(&t, 8);
	tb_u32(&t, 8);
	expect_error(&t, -KN_EFORMAT, "x.pcapng: byte offset 92: block type 0x00000006: block "
				      "length 8 is below the 12-byte minimum; the file is corrupt");
	t.len = 92;
	tb_u32(&t, 6);
	tb_u32(&t, 0x40000000);
	tb_u32(&t, 0);
	expect_error(&t, -KN_EFORMAT, "x.pcapng: byte offset 92: block type 0x00000006: block "
				      "length 1073741824 exceeds the 256 MiB maximum; the file is "
				      "corrupt");
	t.len = 92;
	ng_begin(&t, 0x99);
	tb_u32(&t, 0);
	ng_end(&t);
	tb_set32(&t, t.len - 4, 20);
	expect_error(&t, -KN_EFORMAT, "x.pcapng: byte offset 92: block type 0x00000099: trailing "
				      "length 20 differs from leading length 16; the file is corrupt");
}

static void test_truncated_blocks(void)
{
	struct tb t = { 0 };
	uint8_t f[100] = { 0 };
	start(&t);
	ng_epb(&t, 0, 2, f, 100, 100);
	t.len -= 50;
	expect_error(&t, -KN_ETRUNC, "x.pcapng: byte offset 92: block type 0x00000006 of 132 "
				     "bytes cut short by the end of file (82 bytes present); the "
				     "capture was cut short");
	t.len = 92;
	tb_u32(&t, 6);
	tb_u32(&t, 32);
	expect_error(&t, -KN_ETRUNC, "x.pcapng: byte offset 92: truncated block header (8 of 12 "
				     "bytes) at end of file; the capture was cut short");
	/* Header of the file cut short: fails at open. */
	char eb[KN_ERRBUF_SIZE];
	KT_CHECK(kn_capture_open_mem(t.b, 20, "y.pcapng", eb) == NULL);
	KT_EQ_STR(eb, "y.pcapng: byte offset 0: block type 0x0a0d0d0a of 28 bytes cut short by "
		      "the end of file (20 bytes present); the capture was cut short");
	KT_CHECK(kn_capture_open_mem(t.b, 8, "y.pcapng", eb) == NULL);
	KT_EQ_STR(eb, "y.pcapng: byte offset 0: truncated pcapng section header (8 of 12 bytes); "
		      "the file is cut short");
}

static void test_bad_packet_fields(void)
{
	struct tb t = { 0 };
	uint8_t f[40] = { 0 };
	start(&t);
	ng_epb(&t, 0, 2, f, 40, 40);
	tb_set32(&t, 92 + 20, 41);  /* caplen beyond the block */
	expect_error(&t, -KN_EFORMAT, "x.pcapng: byte offset 92: captured length 41 overruns its "
				      "block (40 bytes of room); the file is corrupt");
	t.len = 92;
	ng_epb(&t, 7, 2, f, 4, 4);
	expect_error(&t, -KN_EFORMAT, "x.pcapng: byte offset 92: packet names interface 7 but its "
				      "section defines 1; the file is corrupt");
	t.len = 92;
	ng_begin(&t, 6);
	tb_u32(&t, 0);
	ng_end(&t);
	expect_error(&t, -KN_EFORMAT, "x.pcapng: byte offset 92: enhanced packet block of 16 bytes "
				      "is shorter than its 32-byte minimum; the file is corrupt");
	t.len = 92;
	ng_idb(&t, 1, 0, 20, 0);
	expect_error(&t, -KN_ENOTSUP, "x.pcapng: byte offset 92: interface time resolution 0x14 "
				      "(10^-20 s) is not supported; convert the file with editcap");
}

/* A packet before any interface, a bad byte-order magic, a newer version. */
static void test_bad_headers(void)
{
	struct tb t = { 0 };
	uint8_t f[4] = { 0 };
	ng_shb(&t, 0);
	ng_epb(&t, 0, 1, f, 4, 4);
	char eb[KN_ERRBUF_SIZE];
	struct kn_capture *c = open_tb(&t, eb);
	KT_REQUIRE(c);
	struct kn_packet p;
	KT_EQ(kn_capture_next(c, &p, eb), -KN_EFORMAT);
	KT_EQ_STR(eb, "x.pcapng: byte offset 28: packet names interface 0 but its section "
		      "defines 0; the file is corrupt");
	kn_capture_close(c);
	tb_set32(&t, 8, 0x11223344);
	KT_CHECK(open_tb(&t, eb) == NULL);
	KT_EQ_STR(eb, "x.pcapng: byte offset 0: section header byte-order magic 0x11223344 is not "
		      "0x1a2b3c4d in either byte order; the file is corrupt");
	tb_set32(&t, 8, 0x1a2b3c4d);
	t.b[12] = 2;
	KT_CHECK(open_tb(&t, eb) == NULL);
	KT_EQ_STR(eb, "x.pcapng: byte offset 0: unsupported pcapng version 2.0; only version 1.x is "
		      "read");
}

static const struct kt_case cases[] = {
	KT_CASE(test_pcapw_roundtrip),
	KT_CASE(test_interfaces_and_tsresol),
	KT_CASE(test_spb_pb_and_skipped_blocks),
	KT_CASE(test_sections_and_byte_orders),
	KT_CASE(test_big_endian_file),
	KT_CASE(test_bad_block_lengths),
	KT_CASE(test_truncated_blocks),
	KT_CASE(test_bad_packet_fields),
	KT_CASE(test_bad_headers),
};

KT_MAIN("capture_pcapng", cases)
