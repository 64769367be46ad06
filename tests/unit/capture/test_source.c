/*
 * test_source.c - where capture bytes come from (src/capture/capture.c):
 * regular files written by pcapw into a temporary directory (mmap'd,
 * KN_PKT_STABLE), named pipes and stdin fed by a child process in small
 * chunks (bounded buffer, records larger than the first buffer, cut-short
 * input), unreadable paths, and pcapw's own file errors.
 */
#include "../../kt.h"
#include "capt_test.h"
#include "pcapw.h"
#include "util/alloc.h"

#define NPKT 300
#define TS0 (1600000000ull * 1000000000ull)

static char dir[256];
static const char *const names[] = { "a.pcap", "b.pcapng", "fifo", "empty.pcap" };

static void remove_dir(void)
{
	tmpdir_remove(dir, names, 4);
}

/* A path in the temporary directory, made on first use, removed at exit. */
static int path_of(char *out, size_t size, const char *name)
{
	if (!dir[0]) {
		if (tmpdir_make(dir, sizeof dir) < 0)
			return -1;
		atexit(remove_dir);
	}
	snprintf(out, size, "%s/%s", dir, name);
	return 0;
}

/* Packet i of the test captures: (i * 97) % 1500 bytes, wire length 4 more,
 * time TS0 + i us. */
static uint32_t pkt_len(unsigned i)
{
	return (i * 97) % 1500;
}

static int write_packets(struct kn_pcapw *w)
{
	static uint8_t f[1500];
	for (unsigned i = 0; i < NPKT; i++) {
		fill_frame(f, pkt_len(i), i);
		if (kn_pcapw_write(w, TS0 + i * 1000ull, f, pkt_len(i), pkt_len(i) + 4) < 0)
			return -1;
	}
	return 0;
}

static int make_file(int format, const char *path)
{
	char eb[KN_ERRBUF_SIZE];
	struct kn_pcapw *w = kn_pcapw_open(path, format, KN_LINK_ETHERNET, 65535, eb);
	if (!w)
		return -1;
	int r = write_packets(w);
	return kn_pcapw_close(w) == 0 ? r : -1;
}

/* The same packets as a heap image (caller frees). */
static uint8_t *make_image(int format, size_t *len)
{
	struct kn_pcapw *w = kn_pcapw_open_mem(format, KN_LINK_ETHERNET, 65535);
	if (!w)
		return NULL;
	uint8_t *copy = NULL;
	const uint8_t *img;
	if (write_packets(w) == 0 && (img = kn_pcapw_mem(w, len)) && (copy = kn_malloc(*len)))
		memcpy(copy, img, *len);
	(void)kn_pcapw_close(w);
	return copy;
}

/* Reads c to the end checking packets from index n on; returns the index
 * reached, -1 on a wrong packet, or the error. */
static int check_stream(struct kn_capture *c, unsigned n, uint16_t want_flags)
{
	struct kn_packet p;
	char eb[KN_ERRBUF_SIZE];
	int r;
	while ((r = kn_capture_next(c, &p, eb)) == 1) {
		uint32_t len = pkt_len(n);
		if (p.caplen != len || p.wirelen != len + 4 || !frame_ok(p.data, len, n) ||
		    p.ts_ns != TS0 + n * 1000ull || p.flags != (want_flags | KN_PKT_TRUNCATED) ||
		    p.linktype != KN_LINK_ETHERNET)
			return -1;
		n++;
	}
	return r == 0 ? (int)n : r;
}

static void test_regular_files(void)
{
	static const int formats[2] = { KN_PCAPW_PCAP_NS, KN_PCAPW_PCAPNG };
	for (int i = 0; i < 2; i++) {
		char path[300], eb[KN_ERRBUF_SIZE];
		KT_REQUIRE(path_of(path, sizeof path, names[i]) == 0);
		KT_REQUIRE(make_file(formats[i], path) == 0);
		struct stat st;
		KT_REQUIRE(stat(path, &st) == 0);
		struct kn_capture *c = kn_capture_open_file(path, eb);
		KT_REQUIRE(c);
		KT_EQ(kn_capture_size(c), st.st_size);
		KT_EQ(check_stream(c, 0, KN_PKT_STABLE), NPKT);
		KT_EQ(kn_capture_position(c), st.st_size);
		kn_capture_close(c);
		/* Stable data: early packets stay valid while reading on. */
		c = kn_capture_open_file(path, eb);
		KT_REQUIRE(c);
		struct kn_packet p0, p1;
		KT_REQUIRE(kn_capture_next(c, &p0, eb) == 1);
		KT_REQUIRE(kn_capture_next(c, &p1, eb) == 1);
		KT_EQ(check_stream(c, 2, KN_PKT_STABLE), NPKT);
		KT_EQ(p1.caplen, 97);
		KT_CHECK(frame_ok(p1.data, 97, 1));
		kn_capture_close(c);
	}
}

/* A named pipe written in 7-byte chunks: same packets, no KN_PKT_STABLE,
 * unknown size. */
static void test_named_pipe(void)
{
	static const int formats[2] = { KN_PCAPW_PCAP_US, KN_PCAPW_PCAPNG };
	char path[300], eb[KN_ERRBUF_SIZE];
	KT_REQUIRE(path_of(path, sizeof path, names[2]) == 0);
	KT_REQUIRE(mkfifo(path, 0600) == 0);
	for (int i = 0; i < 2; i++) {
		size_t len;
		uint8_t *img = make_image(formats[i], &len);
		KT_REQUIRE(img);
		pid_t pid = fork();
		KT_REQUIRE(pid >= 0);
		if (pid == 0) {
			int fd = open(path, O_WRONLY);
			int ok = fd >= 0 && write_chunks(fd, img, len, 7) == 0;
			kn_free(img);
			_exit(ok ? 0 : 1);
		}
		struct kn_capture *c = kn_capture_open_file(path, eb);
		KT_REQUIRE(c);
		KT_EQ(kn_capture_size(c), 0);
		KT_EQ(check_stream(c, 0, 0), NPKT);
		KT_EQ(kn_capture_position(c), len);
		kn_capture_close(c);
		KT_CHECK(child_ok(pid));
		kn_free(img);
	}
	unlink(path);
}

/* "-" reads stdin (not closed by the capture); stdin is restored after. */
static void test_stdin(void)
{
	size_t len;
	uint8_t *img = make_image(KN_PCAPW_PCAPNG, &len);
	KT_REQUIRE(img);
	int fds[2];
	KT_REQUIRE(pipe(fds) == 0);
	pid_t pid = feed_child(fds, img, len, 4096, img);
	int saved = dup(STDIN_FILENO);
	KT_REQUIRE(saved >= 0 && dup2(fds[0], STDIN_FILENO) == STDIN_FILENO);
	close(fds[0]);
	char eb[KN_ERRBUF_SIZE];
	struct kn_capture *c = kn_capture_open_file("-", eb);
	KT_CHECK(c != NULL);
	if (c) {
		KT_EQ(check_stream(c, 0, 0), NPKT);
		kn_capture_close(c);
		KT_CHECK(fcntl(STDIN_FILENO, F_GETFD) >= 0);
	}
	dup2(saved, STDIN_FILENO);
	close(saved);
	KT_CHECK(child_ok(pid));
	kn_free(img);
}

/* A 3 MiB record through a pipe (the buffer grows past its first 1 MiB),
 * then the input is cut short inside the second record. */
static void test_pipe_large_and_cut_short(void)
{
	const uint32_t big = 3u << 20;
	size_t len = 24 + 16 + big + 16 + 1000;
	uint8_t *img = kn_malloc(len);
	struct tb *h = kn_calloc(1, sizeof *h);
	KT_REQUIRE(img && h);
	pcap_hdr(h, 0, 0xa1b2c3d4, 2, 4u << 20, 1);
	pcap_rec_hdr(h, 1, 2, big, big);
	memcpy(img, h->b, h->len);
	fill_frame(img + 40, big, 14);
	h->len = 0;
	pcap_rec_hdr(h, 3, 4, 2000, 2000);
	memcpy(img + 40 + big, h->b, 16);
	fill_frame(img + 56 + big, 1000, 15);
	kn_free(h);
	int fds[2];
	KT_REQUIRE(pipe(fds) == 0);
	pid_t pid = feed_child(fds, img, len, 65536, img);
	char path[64], eb[KN_ERRBUF_SIZE];
	snprintf(path, sizeof path, "/dev/fd/%d", fds[0]);
	struct kn_capture *c = kn_capture_open_file(path, eb);
	KT_REQUIRE(c);
	struct kn_packet p;
	KT_REQUIRE(kn_capture_next(c, &p, eb) == 1);
	KT_EQ(p.caplen, big);
	KT_CHECK(frame_ok(p.data, big, 14));
	KT_EQ(p.flags, 0);
	KT_EQ(p.ts_ns, 1000002000ull);
	KT_EQ(kn_capture_next(c, &p, eb), -KN_ETRUNC);
	char want[KN_ERRBUF_SIZE];
	snprintf(want, sizeof want, "%s: byte offset %u: record of 2000 bytes cut short by the end "
		 "of file (1000 bytes present); the capture was cut short", path, 40 + big);
	KT_EQ_STR(eb, want);
	KT_EQ(kn_capture_position(c), 40 + big);
	kn_capture_close(c);
	close(fds[0]);
	KT_CHECK(child_ok(pid));
	kn_free(img);
}

static void test_unreadable(void)
{
	char path[300], eb[KN_ERRBUF_SIZE], want[KN_ERRBUF_SIZE];
	KT_REQUIRE(path_of(path, sizeof path, "missing.pcap") == 0);
	KT_CHECK(kn_capture_open_file(path, eb) == NULL);
	snprintf(want, sizeof want, "%s: byte offset 0: cannot open: No such file or directory; "
		 "check the path and permissions", path);
	KT_EQ_STR(eb, want);
	KT_CHECK(kn_capture_open_file(dir, eb) == NULL);
	snprintf(want, sizeof want, "%s: byte offset 0: is a directory; give a capture file", dir);
	KT_EQ_STR(eb, want);
	KT_CHECK(kn_capture_open_file(NULL, eb) == NULL);
	KT_EQ_STR(eb, "capture: no file name given");
	/* An empty regular file. */
	KT_REQUIRE(path_of(path, sizeof path, names[3]) == 0);
	FILE *f = fopen(path, "wb");
	KT_REQUIRE(f);
	fclose(f);
	KT_CHECK(kn_capture_open_file(path, eb) == NULL);
	snprintf(want, sizeof want, "%s: byte offset 0: empty input (0 bytes); expected a pcap or "
		 "pcapng capture", path);
	KT_EQ_STR(eb, want);
}

static void test_pcapw_errors(void)
{
	char path[300], eb[KN_ERRBUF_SIZE], want[KN_ERRBUF_SIZE];
	KT_REQUIRE(path_of(path, sizeof path, "no/such/dir.pcap") == 0);
	KT_CHECK(kn_pcapw_open(path, KN_PCAPW_PCAP_US, 1, 65535, eb) == NULL);
	snprintf(want, sizeof want, "%s: cannot create: No such file or directory", path);
	KT_EQ_STR(eb, want);
	KT_REQUIRE(path_of(path, sizeof path, names[3]) == 0);
	KT_CHECK(kn_pcapw_open(path, 42, 1, 65535, eb) == NULL);
	KT_CHECK(kn_pcapw_open_mem(-1, 1, 65535) == NULL);
	KT_EQ(kn_pcapw_write(NULL, 0, NULL, 0, 0), -KN_EINVAL);
	size_t len = 99;
	KT_CHECK(kn_pcapw_mem(NULL, &len) == NULL && len == 0);
	/* /dev/full accepts the open and fails when the data is flushed. */
	struct kn_pcapw *w = kn_pcapw_open("/dev/full", KN_PCAPW_PCAPNG, 1, 0, eb);
	if (!w)
		KT_SKIP("/dev/full unavailable");
	uint8_t frame[64] = { 0 };
	KT_EQ(kn_pcapw_write(w, 1, NULL, 10, 10), -KN_EINVAL);
	int r = 0;
	for (int i = 0; i < 200 && r == 0; i++)
		r = kn_pcapw_write(w, 1, frame, 64, 64);
	KT_EQ(r, -KN_EIO);  /* once stdio's buffer is flushed */
	KT_EQ(kn_pcapw_write(w, 1, frame, 64, 64), -KN_EIO);  /* sticky */
	KT_EQ(kn_pcapw_close(w), -KN_EIO);
}

/* Each allocation of a pipe capture failing in turn (KN_ALLOC_FAULTS
 * builds): a clean error naming the shortage, nothing leaked (ASan). */
static void test_pipe_alloc_failures(void)
{
	size_t len;
	uint8_t *img = make_image(KN_PCAPW_PCAPNG, &len);
	KT_REQUIRE(img);
	int complete = 0;
	for (unsigned long n = 1; n <= 5; n++) {
		int fds[2];
		KT_REQUIRE(pipe(fds) == 0);
		pid_t pid = feed_child(fds, img, len, 65536, img);
		char path[64], eb[KN_ERRBUF_SIZE] = "";
		snprintf(path, sizeof path, "/dev/fd/%d", fds[0]);
		kn_alloc_fail_at(n);
		struct kn_capture *c = kn_capture_open_file(path, eb);
		int r = c ? check_stream(c, 0, 0) : -KN_ENOMEM;
		kn_alloc_fail_at(0);
		if (r == NPKT)
			complete++;
		else
			KT_CHECK(strstr(eb, "out of memory") || (c && r == -KN_ENOMEM));
		kn_capture_close(c);
		close(fds[0]);
		waitpid(pid, NULL, 0);
	}
	KT_CHECK(complete >= 1);
	kn_free(img);
}

static const struct kt_case cases[] = {
	KT_CASE(test_regular_files),
	KT_CASE(test_named_pipe),
	KT_CASE(test_stdin),
	KT_CASE(test_pipe_large_and_cut_short),
	KT_CASE(test_unreadable),
	KT_CASE(test_pcapw_errors),
	KT_CASE(test_pipe_alloc_failures),
};

KT_MAIN("capture_source", cases)
