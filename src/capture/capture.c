/*
 * capture.c - public entry points of the capture stage, the first stage of
 * the pipeline (capture -> decode -> ...).
 *
 * Opens the input (a regular file is mmap'd whole; a pipe or stdin is read
 * into a bounded buffer that grows only to the largest legal record; a
 * caller buffer is used in place), recognises the format from its magic and
 * hands over to pcap.c or pcapng.c; live interfaces go to live.c. Also owns
 * the sticky error and the breakloop flag checked on every call.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include "capture/capture_int.h"
#include "util/alloc.h"

/* First size of the pipe buffer (a pipe delivers at most 64 KiB per read;
 * a buffer that stays in L2 measured faster than 1 MiB); it grows only for
 * records that do not fit. */
#define PIPE_BUF_INITIAL (256u << 10)

/* A mapped file's pages are released from the process (MADV_DONTNEED) once
 * the reader is this far past them, in steps of RELEASE_STEP, so resident
 * memory does not grow with the file. A released page that is touched again
 * (a worker still holding an old packet) is simply read back from the file:
 * the mapping is private and read-only, so nothing is lost. */
#define RELEASE_LAG (16u << 20)
#define RELEASE_STEP (16u << 20)

#define MAGIC_PCAP_US 0xa1b2c3d4u
#define MAGIC_PCAP_NS 0xa1b23c4du
#define MAGIC_PCAP_KUZNETZOV 0xa1b2cd34u
#define MAGIC_PCAPNG 0x0a0d0d0au
/* The same magics written on a host of the other byte order. */
#define MAGIC_PCAP_US_SWAPPED 0xd4c3b2a1u
#define MAGIC_PCAP_NS_SWAPPED 0x4d3cb2a1u
#define MAGIC_PCAP_KUZNETZOV_SWAPPED 0x34cdb2a1u

/* Bounded copy of a NUL-terminated message into a caller error buffer. */
static void put_err(char *errbuf, const char *msg)
{
	if (!errbuf)
		return;
	size_t n = strnlen(msg, KN_ERRBUF_SIZE - 1);
	memcpy(errbuf, msg, n);
	errbuf[n] = '\0';
}

/* Writes "<prefix><message>" into c->errmsg and makes err sticky. */
static int fail_with(struct kn_capture *c, int err, int n, const char *fmt, va_list ap)
{
	if (n > 0 && (size_t)n < sizeof c->errmsg)
		vsnprintf(c->errmsg + n, sizeof c->errmsg - (size_t)n, fmt, ap);
	c->err = err;
	return err;
}

int capture_fail(struct kn_capture *c, uint64_t off, int err, const char *fmt, ...)
{
	int n = snprintf(c->errmsg, sizeof c->errmsg, "%s: byte offset %llu: ", c->name,
			 (unsigned long long)off);
	va_list ap;
	va_start(ap, fmt);
	fail_with(c, err, n, fmt, ap);
	va_end(ap);
	return err;
}

int capture_fail_noff(struct kn_capture *c, int err, const char *fmt, ...)
{
	int n = snprintf(c->errmsg, sizeof c->errmsg, "%s: ", c->name);
	va_list ap;
	va_start(ap, fmt);
	fail_with(c, err, n, fmt, ap);
	va_end(ap);
	return err;
}

uint32_t capture_caplen_limit(uint32_t snaplen)
{
	if (snaplen == 0 || snaplen > CAPTURE_MAX_RECORD)
		return CAPTURE_MAX_RECORD;
	return snaplen < CAPTURE_SNAPLEN_SLACK ? CAPTURE_SNAPLEN_SLACK : snaplen;
}

/* Grows the pipe buffer to hold at least n bytes (n is bounded by the
 * callers' length checks, so the buffer is too). */
static int grow_pipe_buffer(struct kn_capture *c, size_t n)
{
	size_t cap = c->own_cap ? c->own_cap * 2 : PIPE_BUF_INITIAL;
	if (cap < n)
		cap = n;
	uint8_t *p = kn_realloc_array(c->own, cap, 1);
	if (!p)
		return capture_fail(c, capture_off(c, c->pos), -KN_ENOMEM,
				    "cannot allocate a %zu-byte read buffer; out of memory", cap);
	c->own = p;
	c->own_cap = cap;
	c->buf = p;
	return 0;
}

int capture_need(struct kn_capture *c, size_t n)
{
	if (c->end - c->pos >= n)
		return 1;
	if (c->eof)
		return 0;
	/* Slide the unread tail to the front: it is smaller than one record. */
	if (c->pos > 0) {
		memmove(c->own, c->own + c->pos, c->end - c->pos);
		c->base += c->pos;
		c->end -= c->pos;
		c->pos = 0;
	}
	if (c->own_cap < n) {
		int r = grow_pipe_buffer(c, n);
		if (r < 0)
			return r;
	}
	while (c->end < n) {
		ssize_t got = read(c->fd, c->own + c->end, c->own_cap - c->end);
		if (got > 0) {
			c->end += (size_t)got;
		} else if (got == 0) {
			c->eof = 1;
			return 0;
		} else if (errno != EINTR) {
			char eb[128];
			return capture_fail(c, capture_off(c, c->end), -KN_EIO,
					    "read error: %s; the input is unreadable",
					    strerror_r(errno, eb, sizeof eb));
		}
	}
	return 1;
}

static struct kn_capture *capture_alloc(const char *name, char *errbuf)
{
	struct kn_capture *c = kn_calloc(1, sizeof *c);
	char *dup = kn_strdup(name);
	if (!c || !dup) {
		kn_free(c);
		kn_free(dup);
		if (errbuf)
			snprintf(errbuf, KN_ERRBUF_SIZE, "%s: out of memory", name);
		return NULL;
	}
	c->name = dup;
	c->fd = -1;
	atomic_init(&c->stop, 0);
	return c;
}

/* Magic of the first four bytes (in file order) that is neither pcap nor
 * pcapng: say what it probably is. */
static int bad_magic(struct kn_capture *c, const uint8_t *p)
{
	uint32_t be = (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
	const char *hint = "expected a pcap or pcapng capture";
	if (p[0] == 0x1f && p[1] == 0x8b)
		hint = "the file is gzip-compressed: unpack it first (gunzip)";
	else if (be == 0x28b52ffd)
		hint = "the file is zstd-compressed: unpack it first (unzstd)";
	else if (be == 0xfd377a58)
		hint = "the file is xz-compressed: unpack it first (unxz)";
	return capture_fail(c, 0, -KN_EFORMAT, "not a pcap or pcapng file (magic 0x%08x); %s",
			    be, hint);
}

/* Reads the magic at the start of the window and starts the right parser. */
static int open_format(struct kn_capture *c)
{
	int r = capture_need(c, 4);
	if (r < 0)
		return r;
	if (r == 0)
		return capture_fail(c, 0, -KN_EFORMAT,
				    "%s (%zu bytes); expected a pcap or pcapng capture",
				    c->end ? "file too short to be a capture" : "empty input", c->end);
	uint32_t magic = capture_rd32(c->buf, 0);
	switch (magic) {
	case MAGIC_PCAP_US:
	case MAGIC_PCAP_NS:
	case MAGIC_PCAP_US_SWAPPED:
	case MAGIC_PCAP_NS_SWAPPED:
		return capture_pcap_open(c);
	case MAGIC_PCAPNG:
		return capture_pcapng_open(c);
	case MAGIC_PCAP_KUZNETZOV:
	case MAGIC_PCAP_KUZNETZOV_SWAPPED:
		return capture_fail(c, 0, -KN_ENOTSUP,
				    "modified (Kuznetzov) pcap format is not supported; convert it with 'editcap -F pcap'");
	default:
		return bad_magic(c, c->buf);
	}
}

/* Ends a failed constructor: message to errbuf, everything released. */
static struct kn_capture *open_failed(struct kn_capture *c, char *errbuf)
{
	put_err(errbuf, c->errmsg);
	kn_capture_close(c);
	return NULL;
}

/* Maps a regular file whole; pipes and devices get the read buffer. */
static int attach_fd(struct kn_capture *c, int fd, int owned)
{
	struct stat st;
	char eb[128];
	if (fstat(fd, &st) < 0)
		return capture_fail(c, 0, -KN_EIO, "cannot stat: %s; check the path",
				    strerror_r(errno, eb, sizeof eb));
	if (S_ISDIR(st.st_mode))
		return capture_fail(c, 0, -KN_EIO, "is a directory; give a capture file");
	if (!S_ISREG(st.st_mode) || st.st_size == 0 || !owned) {
		c->fd = fd;
		return 0;  /* read incrementally; an empty file fails on its magic */
	}
	if ((uint64_t)st.st_size > SIZE_MAX)
		return capture_fail(c, 0, -KN_ENOTSUP, "file too large to map; split it");
	void *m = mmap(NULL, (size_t)st.st_size, PROT_READ, MAP_PRIVATE, fd, 0);
	if (m == MAP_FAILED)
		return capture_fail(c, 0, -KN_EIO, "cannot map the file: %s; is it readable?",
				    strerror_r(errno, eb, sizeof eb));
	madvise(m, (size_t)st.st_size, MADV_SEQUENTIAL);
	c->map = m;
	c->map_len = (size_t)st.st_size;
	c->buf = m;
	c->end = c->map_len;
	c->size = (uint64_t)st.st_size;
	c->eof = 1;
	c->pkt_flags = KN_PKT_STABLE;
	close(fd);
	return 0;
}

struct kn_capture *kn_capture_open_file(const char *path, char *errbuf)
{
	if (!path) {
		put_err(errbuf, "capture: no file name given");
		return NULL;
	}
	int is_stdin = strcmp(path, "-") == 0;
	struct kn_capture *c = capture_alloc(is_stdin ? "stdin" : path, errbuf);
	if (!c)
		return NULL;
	int fd = is_stdin ? STDIN_FILENO : open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0) {
		char eb[128];
		capture_fail(c, 0, -KN_EIO, "cannot open: %s; check the path and permissions",
			     strerror_r(errno, eb, sizeof eb));
		return open_failed(c, errbuf);
	}
	c->fd_borrowed = is_stdin;
	if (attach_fd(c, fd, !is_stdin) < 0) {
		if (!is_stdin && c->fd != fd)
			close(fd);
		return open_failed(c, errbuf);
	}
	if (open_format(c) < 0)
		return open_failed(c, errbuf);
	return c;
}

struct kn_capture *kn_capture_open_mem(const uint8_t *buf, size_t len, const char *name,
				       char *errbuf)
{
	struct kn_capture *c = capture_alloc(name ? name : "memory", errbuf);
	if (!c)
		return NULL;
	if (!buf && len) {
		capture_fail(c, 0, -KN_EINVAL, "no buffer given; pass the capture bytes");
		return open_failed(c, errbuf);
	}
	static const uint8_t empty[1];
	c->buf = buf ? buf : empty;
	c->end = len;
	c->size = len;
	c->eof = 1;
	c->pkt_flags = KN_PKT_STABLE;
	if (open_format(c) < 0)
		return open_failed(c, errbuf);
	return c;
}

struct kn_capture *kn_capture_open_live(const char *iface, const char *bpf, int snaplen,
					int promisc, char *errbuf)
{
	if (!iface || !*iface) {
		put_err(errbuf, "capture: no interface name given");
		return NULL;
	}
	struct kn_capture *c = capture_alloc(iface, errbuf);
	if (!c)
		return NULL;
	c->live = 1;
	if (capture_live_open(c, iface, bpf, snaplen, promisc) < 0)
		return open_failed(c, errbuf);
	return c;
}

static void release_behind(struct kn_capture *c)
{
	size_t page = (size_t)sysconf(_SC_PAGESIZE);
	size_t upto = (c->pos - RELEASE_LAG) / page * page;
	if (upto > c->released) {
		madvise((uint8_t *)c->map + c->released, upto - c->released, MADV_DONTNEED);
		c->released = upto;
	}
}

int kn_capture_next(struct kn_capture *c, struct kn_packet *pkt, char *errbuf)
{
	if (KN_UNLIKELY(c->err)) {
		put_err(errbuf, c->errmsg);
		return c->err;
	}
	if (KN_UNLIKELY(atomic_load_explicit(&c->stop, memory_order_relaxed)))
		return 0;
	int r = c->next(c, pkt);
	if (KN_LIKELY(r == 1)) {
		c->packets++;
		c->bytes += pkt->caplen;
		if (KN_UNLIKELY(c->map && c->pos >= c->released + RELEASE_LAG + RELEASE_STEP))
			release_behind(c);
		return 1;
	}
	if (r < 0 && r != -KN_EAGAIN)
		put_err(errbuf, c->errmsg);
	return r;
}

int kn_capture_stats(struct kn_capture *c, struct kn_capture_stats *st)
{
	memset(st, 0, sizeof *st);
	st->packets = c->packets;
	st->bytes = c->bytes;
	return c->live ? capture_live_stats(c, st) : 0;
}

uint64_t kn_capture_position(const struct kn_capture *c)
{
	return c->live ? 0 : c->base + c->pos;
}

uint64_t kn_capture_size(const struct kn_capture *c)
{
	return c->size;
}

int kn_capture_is_live(const struct kn_capture *c)
{
	return c->live;
}

void kn_capture_breakloop(struct kn_capture *c)
{
	atomic_store(&c->stop, 1);
	if (c->live)
		capture_live_breakloop(c);
}

void kn_capture_close(struct kn_capture *c)
{
	if (!c)
		return;
	if (c->live)
		capture_live_close(c);
	if (c->map)
		munmap(c->map, c->map_len);
	if (c->fd >= 0 && !c->fd_borrowed)
		close(c->fd);
	capture_pcapng_free(c);
	kn_free(c->own);
	kn_free(c->name);
	kn_free(c);
}
