/*
 * capt_test.h - helpers shared by the capture stage's unit tests: a byte
 * builder for hand-made pcap/pcapng images in either byte order (pcapw
 * writes only well-formed little-endian files), temporary directories, and
 * feeding bytes through a pipe from a child process.
 */
#ifndef KN_TESTS_CAPT_TEST_H
#define KN_TESTS_CAPT_TEST_H

#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "kenchi/capture.h"
#include "util/alloc.h"

#define TB_MAX 65536

/* A byte image; big = 1 writes multi-byte fields big-endian. */
struct tb {
	uint8_t b[TB_MAX];
	size_t len;
	int big;
	size_t block;  /* start of the pcapng block being built */
};

static inline void tb_bytes(struct tb *t, const void *p, size_t n)
{
	if (t->len + n > TB_MAX)
		abort();  /* test bug, not a capture bug */
	if (n)
		memcpy(t->b + t->len, p, n);
	t->len += n;
}

static inline void tb_u8(struct tb *t, uint8_t v)
{
	tb_bytes(t, &v, 1);
}

static inline void tb_u16(struct tb *t, uint16_t v)
{
	uint8_t b[2];
	for (int i = 0; i < 2; i++)
		b[t->big ? 1 - i : i] = (uint8_t)(v >> (8 * i));
	tb_bytes(t, b, 2);
}

static inline void tb_u32(struct tb *t, uint32_t v)
{
	uint8_t b[4];
	for (int i = 0; i < 4; i++)
		b[t->big ? 3 - i : i] = (uint8_t)(v >> (8 * i));
	tb_bytes(t, b, 4);
}

static inline void tb_u64(struct tb *t, uint64_t v)
{
	uint8_t b[8];
	for (int i = 0; i < 8; i++)
		b[t->big ? 7 - i : i] = (uint8_t)(v >> (8 * i));
	tb_bytes(t, b, 8);
}

static inline void tb_pad4(struct tb *t)
{
	while (t->len & 3)
		tb_u8(t, 0);
}

/* Field at offset off rewritten (for patching lengths). */
static inline void tb_set32(struct tb *t, size_t off, uint32_t v)
{
	size_t save = t->len;
	t->len = off;
	tb_u32(t, v);
	t->len = save;
}

/* pcapng block: begin writes type and a length placeholder; end pads,
 * writes the trailer and patches the leading length. */
static inline void ng_begin(struct tb *t, uint32_t type)
{
	t->block = t->len;
	tb_u32(t, type);
	tb_u32(t, 0);
}

static inline size_t ng_end(struct tb *t)
{
	tb_pad4(t);
	uint32_t len = (uint32_t)(t->len + 4 - t->block);
	tb_u32(t, len);
	tb_set32(t, t->block + 4, len);
	return t->block;
}

static inline void ng_shb(struct tb *t, int big)
{
	t->big = big;
	ng_begin(t, 0x0a0d0d0a);
	tb_u32(t, 0x1a2b3c4d);
	tb_u16(t, 1);
	tb_u16(t, 0);
	tb_u64(t, UINT64_MAX);
	ng_end(t);
}

/* IDB; tsresol < 0 omits if_tsresol, tsoffset 0 omits if_tsoffset. */
static inline void ng_idb(struct tb *t, uint16_t linktype, uint32_t snaplen, int tsresol,
			  int64_t tsoffset)
{
	ng_begin(t, 1);
	tb_u16(t, linktype);
	tb_u16(t, 0);
	tb_u32(t, snaplen);
	if (tsresol >= 0) {
		tb_u16(t, 9);
		tb_u16(t, 1);
		tb_u8(t, (uint8_t)tsresol);
		tb_pad4(t);
	}
	if (tsoffset) {
		tb_u16(t, 14);
		tb_u16(t, 8);
		tb_u64(t, (uint64_t)tsoffset);
	}
	tb_u16(t, 0);
	tb_u16(t, 0);
	ng_end(t);
}

/* EPB with caplen bytes of data; returns the block's offset. */
static inline size_t ng_epb(struct tb *t, uint32_t iface, uint64_t ticks, const void *data,
			    uint32_t caplen, uint32_t wirelen)
{
	ng_begin(t, 6);
	tb_u32(t, iface);
	tb_u32(t, (uint32_t)(ticks >> 32));
	tb_u32(t, (uint32_t)ticks);
	tb_u32(t, caplen);
	tb_u32(t, wirelen);
	tb_bytes(t, data, caplen);
	return ng_end(t);
}

/* Classic pcap file header. */
static inline void pcap_hdr(struct tb *t, int big, uint32_t magic, uint16_t major,
			    uint32_t snaplen, uint32_t linktype)
{
	t->big = big;
	tb_u32(t, magic);
	tb_u16(t, major);
	tb_u16(t, 4);
	tb_u32(t, 0);
	tb_u32(t, 0);
	tb_u32(t, snaplen);
	tb_u32(t, linktype);
}

/* Record header alone (for records whose bytes are added separately). */
static inline size_t pcap_rec_hdr(struct tb *t, uint32_t sec, uint32_t frac, uint32_t caplen,
				  uint32_t wirelen)
{
	size_t off = t->len;
	tb_u32(t, sec);
	tb_u32(t, frac);
	tb_u32(t, caplen);
	tb_u32(t, wirelen);
	return off;
}

static inline size_t pcap_rec(struct tb *t, uint32_t sec, uint32_t frac, const void *data,
			      uint32_t caplen, uint32_t wirelen)
{
	size_t off = pcap_rec_hdr(t, sec, frac, caplen, wirelen);
	tb_bytes(t, data, caplen);
	return off;
}

/* Recognisable frame bytes: byte i of frame `seed` is seed * 31 + i. */
static inline void fill_frame(uint8_t *p, size_t n, unsigned seed)
{
	for (size_t i = 0; i < n; i++)
		p[i] = (uint8_t)(seed * 31 + i);
}

static inline int frame_ok(const uint8_t *p, size_t n, unsigned seed)
{
	for (size_t i = 0; i < n; i++)
		if (p[i] != (uint8_t)(seed * 31 + i))
			return 0;
	return 1;
}

/* Opens an image with kn_capture_open_mem and reads every packet; returns
 * the packet count, *rc the last kn_capture_next result. */
static inline int read_all(struct kn_capture *c, struct kn_packet *pkts, int max, int *rc,
			   char *errbuf)
{
	int n = 0, r;
	struct kn_packet p;
	while ((r = kn_capture_next(c, &p, errbuf)) == 1)
		if (n < max)
			pkts[n++] = p;
	*rc = r;
	return n;
}

/* A fresh temporary directory (under $TMPDIR or /tmp) into dir. */
static inline int tmpdir_make(char *dir, size_t size)
{
	const char *base = getenv("TMPDIR");
	snprintf(dir, size, "%s/kn-capture-XXXXXX", base && *base ? base : "/tmp");
	return mkdtemp(dir) ? 0 : -1;
}

/* Removes the files named and then the directory. */
static inline void tmpdir_remove(const char *dir, const char *const *names, int n)
{
	char path[512];
	for (int i = 0; i < n; i++) {
		snprintf(path, sizeof path, "%s/%s", dir, names[i]);
		unlink(path);
	}
	rmdir(dir);
}

/* Writes buf to fd in chunks of `chunk` bytes; 0 or -1. */
static inline int write_chunks(int fd, const uint8_t *buf, size_t len, size_t chunk)
{
	for (size_t off = 0; off < len;) {
		size_t n = len - off < chunk ? len - off : chunk;
		ssize_t w = write(fd, buf + off, n);
		if (w <= 0)
			return -1;
		off += (size_t)w;
	}
	return 0;
}

/* Forks a child that writes buf into the pipe fds in chunks of `chunk`
 * bytes (small chunks exercise partial reads), then exits. The parent keeps
 * only the read end fds[0]; the child keeps only the write end, so it sees
 * EPIPE when the reader stops early. The child frees its copy of the heap
 * buffer `owned` (may be NULL) so valgrind finds no leak in it. Returns the
 * child's pid. */
static inline pid_t feed_child(const int fds[2], const uint8_t *buf, size_t len, size_t chunk,
			       void *owned)
{
	pid_t pid = fork();
	if (pid == 0) {
		close(fds[0]);
		int ok = write_chunks(fds[1], buf, len, chunk) == 0;
		kn_free(owned);
		_exit(ok ? 0 : 1);
	}
	close(fds[1]);
	return pid;
}

static inline int child_ok(pid_t pid)
{
	int st = 0;
	if (waitpid(pid, &st, 0) != pid)
		return 0;
	return WIFEXITED(st) && WEXITSTATUS(st) == 0;
}

#endif
