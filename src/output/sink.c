/*
 * sink.c - EVE sinks: the one destination (file, stdout, unix stream or
 * datagram socket) that every worker's batches of event lines go to.
 *
 * Output stage, after the formatters and the per-thread writers (writer.c).
 * A sink serialises writers with one mutex per batch; everything below runs
 * under it. Failures never stop the sensor: they are counted, the first one
 * is kept as text, and the next write tries again (files keep their
 * descriptor, sockets reconnect with an exponential backoff). SIGPIPE is
 * never raised: sockets send with MSG_NOSIGNAL, and descriptors that are not
 * regular files (stdout pipes, FIFOs) block SIGPIPE in the writing thread
 * around the write and consume a signal the write generated.
 */
#include "kenchi/eve.h"

#include <errno.h>
#include <poll.h>
#include <fcntl.h>
#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/uio.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

#include "output/output.h"
#include "util/alloc.h"

#define BACKOFF_MIN_NS 100000000ull     /* first reconnect delay: 100 ms */
#define BACKOFF_MAX_NS 5000000000ull    /* longest: 5 s */
#define SEND_TIMEOUT_S 5                /* a stream reader stalled this long is dropped */
#define DGRAM_WAIT_MS 2000              /* longest wait for room in a datagram receiver */
#define MAX_IOV 3                       /* pending newline + up to two pieces (a line and its '\n') */

struct kn_eve_sink {
	pthread_mutex_t lock;
	int kind;                  /* enum kn_eve_kind */
	int fd;                    /* -1 while a socket is not connected */
	int may_sigpipe;           /* fd is a pipe, FIFO, socket or device */
	int mid_line;              /* a failed write left a partial line in the file */
	char *path;                /* owned; NULL for stdout */
	struct sockaddr_un addr;   /* sockets */
	uint64_t retry_at_ns;      /* sockets: no connect attempt before (monotonic) */
	uint64_t backoff_ns;
	struct kn_eve_sink_stats st;
	atomic_int has_error;      /* error[] is set (written once, then read-only) */
	char error[KN_ERRBUF_SIZE];
};

static uint64_t mono_ns(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

static const char *sink_name(const struct kn_eve_sink *s)
{
	return s->path ? s->path : "stdout";
}

/* Remembers the first error as "<what> <path>: <strerror>". Under the lock
 * (or before the sink is shared). */
static void note_error(struct kn_eve_sink *s, const char *what, int err)
{
	if (atomic_load_explicit(&s->has_error, memory_order_relaxed))
		return;
	char msg[128];
	snprintf(s->error, sizeof s->error, "%s %s: %s", what, sink_name(s),
		 strerror_r(err, msg, sizeof msg));
	atomic_store_explicit(&s->has_error, 1, memory_order_release);
}

static size_t iov_total(const struct iovec *iov, int n)
{
	size_t t = 0;
	for (int i = 0; i < n; i++)
		t += iov[i].iov_len;
	return t;
}

static uint64_t count_lines(const struct iovec *iov, int n)
{
	uint64_t lines = 0;
	for (int i = 0; i < n; i++) {
		const char *p = iov[i].iov_base, *end = p + iov[i].iov_len;
		while ((p = memchr(p, '\n', (size_t)(end - p))) != NULL) {
			lines++;
			p++;
		}
	}
	return lines;
}

/* Drops the first k bytes of the iovec array (in place). */
static void iov_advance(struct iovec **iov, int *n, size_t k)
{
	while (*n > 0 && k >= (*iov)->iov_len) {
		k -= (*iov)->iov_len;
		(*iov)++;
		(*n)--;
	}
	if (*n > 0) {
		(*iov)->iov_base = (char *)(*iov)->iov_base + k;
		(*iov)->iov_len -= k;
	}
}

/* One write of the descriptor kind: sendmsg for stream sockets (never
 * SIGPIPE), writev otherwise. */
static ssize_t put_some(struct kn_eve_sink *s, struct iovec *iov, int n)
{
	if (s->kind == KN_EVE_UNIX_STREAM) {
		struct msghdr msg = { .msg_iov = iov, .msg_iovlen = (size_t)n };
		return sendmsg(s->fd, &msg, MSG_NOSIGNAL);
	}
	return writev(s->fd, iov, n);
}

/* The byte at offset off of the data described by iov[0..n). */
static char iov_byte_at(const struct iovec *iov, int n, size_t off)
{
	for (int i = 0; i < n; i++) {
		if (off < iov[i].iov_len)
			return ((const char *)iov[i].iov_base)[off];
		off -= iov[i].iov_len;
	}
	return '\n';
}

/* Writes everything or fails: retries short writes and EINTR. Returns 0,
 * or the errno of the failure with the iovec array advanced to the
 * unwritten rest.
 * *last gets the last byte written, or stays -1 when nothing was. */
static int put_all(struct kn_eve_sink *s, struct iovec **iov, int *n, int *last)
{
	while (*n > 0) {
		ssize_t k = put_some(s, *iov, *n);
		if (k < 0) {
			if (errno == EINTR)
				continue;
			return errno;
		}
		if (k == 0)
			return EIO;
		*last = (unsigned char)iov_byte_at(*iov, *n, (size_t)k - 1);
		iov_advance(iov, n, (size_t)k);
	}
	return 0;
}

/* put_all() with SIGPIPE blocked in this thread; a SIGPIPE the write raised
 * (and that was not already pending) is consumed before unblocking. */
static int put_all_nosigpipe(struct kn_eve_sink *s, struct iovec **iov, int *n, int *last)
{
	sigset_t pipe_set, old, pending;
	sigemptyset(&pipe_set);
	sigaddset(&pipe_set, SIGPIPE);
	sigemptyset(&pending);
	sigpending(&pending);
	int was_pending = sigismember(&pending, SIGPIPE);
	pthread_sigmask(SIG_BLOCK, &pipe_set, &old);
	int err = put_all(s, iov, n, last);
	if (err == EPIPE && !was_pending) {
		const struct timespec zero = { 0, 0 };
		while (sigtimedwait(&pipe_set, NULL, &zero) < 0 && errno == EINTR)
			;
	}
	pthread_sigmask(SIG_SETMASK, &old, NULL);
	return err;
}

/* Counts a failed delivery: the remaining lines are dropped. */
static int fail_rest(struct kn_eve_sink *s, const char *what, int err,
		     const struct iovec *rest, int n)
{
	note_error(s, what, err);
	s->st.write_errors++;
	s->st.dropped_lines += count_lines(rest, n);
	return -KN_EIO;
}

/* FILE / STDOUT / connected UNIX_STREAM. `lines`: the lines in[] holds. */
static int write_stream(struct kn_eve_sink *s, const struct iovec *in, int n, uint64_t lines)
{
	struct iovec v[MAX_IOV], *iov = v;
	int k = 0, last = -1;
	if (s->mid_line)  /* end the partial line a failed write left behind */
		v[k++] = (struct iovec){ .iov_base = "\n", .iov_len = 1 };
	memcpy(v + k, in, (size_t)n * sizeof *in);
	size_t bytes = iov_total(in, n);
	n += k;
	int err = s->may_sigpipe ? put_all_nosigpipe(s, &iov, &n, &last)
				 : put_all(s, &iov, &n, &last);
	if (!err) {
		s->mid_line = 0;
		s->st.lines += lines;
		s->st.bytes += bytes;
		return 0;
	}
	uint64_t dropped = count_lines(iov, n);
	size_t unwritten = iov_total(iov, n);
	s->st.lines += lines - dropped;
	s->st.bytes += unwritten < bytes ? bytes - unwritten : 0;
	if (s->kind == KN_EVE_UNIX_STREAM) {  /* the peer sees EOF; start clean */
		close(s->fd);
		s->fd = -1;
		s->retry_at_ns = mono_ns() + s->backoff_ns;
		return fail_rest(s, "cannot send to", err, iov, n);
	}
	if (last >= 0)  /* a partial line is in the file unless we stopped at a line end */
		s->mid_line = last != '\n';
	return fail_rest(s, "cannot write to", err, iov, n);
}

/* Sockets: connects unless a backoff is running. Returns 0 when connected. */
static int sock_connect(struct kn_eve_sink *s)
{
	uint64_t now = mono_ns();
	int fd = -1, err;
	if (now < s->retry_at_ns)
		return -1;
	int type = s->kind == KN_EVE_UNIX_STREAM ? SOCK_STREAM : SOCK_DGRAM;
	fd = socket(AF_UNIX, type | SOCK_CLOEXEC, 0);
	if (fd < 0 || connect(fd, (const struct sockaddr *)&s->addr, sizeof s->addr) != 0)
		goto fail;
	if (s->kind == KN_EVE_UNIX_STREAM) {
		struct timeval tv = { .tv_sec = SEND_TIMEOUT_S };
		(void)setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof tv);
	}
	s->fd = fd;
	s->retry_at_ns = 0;
	s->backoff_ns = BACKOFF_MIN_NS;
	return 0;
fail:
	err = errno;
	if (fd >= 0)
		close(fd);
	note_error(s, "cannot connect to", err);
	s->st.write_errors++;
	s->retry_at_ns = now + s->backoff_ns;
	s->backoff_ns = s->backoff_ns >= BACKOFF_MAX_NS / 2 ? BACKOFF_MAX_NS : s->backoff_ns * 2;
	return -1;
}

/* UNIX_DGRAM: one datagram. A full receiver queue is waited on for up to
 * DGRAM_WAIT_MS (the reader is alive, just behind); if it stays full, or the
 * line is too big for a datagram, that line is dropped and counted
 * (dropped_lines; not an error of the run). Other errors mean the receiver
 * is gone: close and reconnect after the backoff. */
static int send_datagram(struct kn_eve_sink *s, struct iovec *iov, int n, size_t len)
{
	if (s->fd < 0 && sock_connect(s) != 0) {
		s->st.dropped_lines++;
		return -KN_EIO;
	}
	struct msghdr msg = { .msg_iov = iov, .msg_iovlen = (size_t)n };
	ssize_t r;
	uint64_t give_up = mono_ns() + DGRAM_WAIT_MS * 1000000ULL;
	for (;;) {
		r = sendmsg(s->fd, &msg, MSG_NOSIGNAL | MSG_DONTWAIT);
		if (r >= 0)
			break;
		if (errno == EINTR)
			continue;
		if ((errno != EAGAIN && errno != EWOULDBLOCK && errno != ENOBUFS) ||
		    mono_ns() >= give_up)
			break;
		struct pollfd pfd = { .fd = s->fd, .events = POLLOUT };
		poll(&pfd, 1, 10);
	}
	if (r >= 0) {
		s->st.lines++;
		s->st.bytes += len;
		return 0;
	}
	int err = errno;
	if (err == EAGAIN || err == EWOULDBLOCK || err == ENOBUFS || err == EMSGSIZE) {
		s->st.dropped_lines++;
		return 0;
	}
	close(s->fd);
	s->fd = -1;
	s->retry_at_ns = mono_ns() + s->backoff_ns;
	note_error(s, "cannot send to", err);
	s->st.write_errors++;
	s->st.dropped_lines++;
	return -KN_EIO;
}

/* UNIX_DGRAM: splits the data into lines (a line may span pieces). */
static int write_dgram(struct kn_eve_sink *s, const struct iovec *in, int n)
{
	int rc = 0, i = 0;
	size_t off = 0;
	while (i < n) {
		struct iovec line[MAX_IOV];
		int k = 0;
		size_t len = 0;
		const char *nl = NULL;
		while (i < n && !nl) {
			const char *base = (const char *)in[i].iov_base + off;
			size_t avail = in[i].iov_len - off;
			nl = memchr(base, '\n', avail);
			size_t take = nl ? (size_t)(nl - base) + 1 : avail;
			if (take)
				line[k++] = (struct iovec){ .iov_base = (void *)base, .iov_len = take };
			len += take;
			off += take;
			if (off == in[i].iov_len) {
				i++;
				off = 0;
			}
		}
		if (k > 0 && send_datagram(s, line, k, len) != 0)
			rc = -KN_EIO;
	}
	return rc;
}

static int write_locked(struct kn_eve_sink *s, const struct iovec *iov, int n, uint64_t lines)
{
	switch (s->kind) {
	case KN_EVE_UNIX_DGRAM:
		return write_dgram(s, iov, n);
	case KN_EVE_UNIX_STREAM:
		if (s->fd < 0 && sock_connect(s) != 0) {
			s->st.dropped_lines += lines;
			return -KN_EIO;
		}
		return write_stream(s, iov, n, lines);
	default:
		return write_stream(s, iov, n, lines);
	}
}

int output_sink_write_lines(struct kn_eve_sink *s, const char *buf, size_t len,
			    uint64_t lines)
{
	if (!s)
		return -KN_EINVAL;
	if (len == 0)
		return 0;
	struct iovec iov = { .iov_base = (void *)buf, .iov_len = len };
	pthread_mutex_lock(&s->lock);
	int rc = write_locked(s, &iov, 1, lines);
	pthread_mutex_unlock(&s->lock);
	return rc;
}

int kn_eve_sink_write(struct kn_eve_sink *s, const char *buf, size_t len)
{
	struct iovec iov = { .iov_base = (void *)buf, .iov_len = len };
	return output_sink_write_lines(s, buf, len, s && len ? count_lines(&iov, 1) : 0);
}

int output_sink_write_line(struct kn_eve_sink *s, const char *line, size_t len)
{
	if (!s)
		return -KN_EINVAL;
	struct iovec iov[2] = {
		{ .iov_base = (void *)line, .iov_len = len },
		{ .iov_base = "\n", .iov_len = 1 },
	};
	pthread_mutex_lock(&s->lock);
	int rc = write_locked(s, iov, 2, count_lines(iov, 2));
	pthread_mutex_unlock(&s->lock);
	return rc;
}

static int open_file(const char *path)
{
	int fd;
	do
		fd = open(path, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0640);
	while (fd < 0 && errno == EINTR);
	return fd;
}

/* Writes to anything but a regular file can raise SIGPIPE. */
static int fd_may_sigpipe(int fd)
{
	struct stat st;
	return fstat(fd, &st) != 0 || !S_ISREG(st.st_mode);
}

/* Kind-specific part of kn_eve_sink_open(). */
static int sink_setup(struct kn_eve_sink *s, const char *path, char *errbuf)
{
	char msg[128];
	switch (s->kind) {
	case KN_EVE_STDOUT:
		s->fd = STDOUT_FILENO;
		break;
	case KN_EVE_FILE:
		s->fd = open_file(path);
		if (s->fd < 0) {
			snprintf(errbuf, KN_ERRBUF_SIZE, "cannot open %s: %s", path,
				 strerror_r(errno, msg, sizeof msg));
			return -KN_EIO;
		}
		break;
	default:
		if (strlen(path) >= sizeof s->addr.sun_path) {
			snprintf(errbuf, KN_ERRBUF_SIZE,
				 "unix socket path longer than %zu bytes: %s",
				 sizeof s->addr.sun_path - 1, path);
			return -KN_EINVAL;
		}
		s->addr.sun_family = AF_UNIX;
		memcpy(s->addr.sun_path, path, strlen(path) + 1);
		return 0;
	}
	s->may_sigpipe = fd_may_sigpipe(s->fd);
	return 0;
}

struct kn_eve_sink *kn_eve_sink_open(int kind, const char *path, char *errbuf)
{
	if (kind < KN_EVE_FILE || kind > KN_EVE_UNIX_DGRAM) {
		snprintf(errbuf, KN_ERRBUF_SIZE, "unknown EVE output kind %d", kind);
		return NULL;
	}
	if (kind != KN_EVE_STDOUT && (!path || !path[0])) {
		snprintf(errbuf, KN_ERRBUF_SIZE, "EVE output needs a path");
		return NULL;
	}
	struct kn_eve_sink *s = kn_calloc(1, sizeof *s);
	if (s && kind != KN_EVE_STDOUT)
		s->path = kn_strdup(path);
	if (!s || (kind != KN_EVE_STDOUT && !s->path)) {
		snprintf(errbuf, KN_ERRBUF_SIZE, "EVE output %s: out of memory",
			 kind == KN_EVE_STDOUT ? "stdout" : path);
		goto fail;
	}
	s->kind = kind;
	s->fd = -1;
	s->backoff_ns = BACKOFF_MIN_NS;
	if (sink_setup(s, path, errbuf) != 0)
		goto fail;
	pthread_mutex_init(&s->lock, NULL);
	return s;
fail:
	if (s)
		kn_free(s->path);
	kn_free(s);
	return NULL;
}

int kn_eve_sink_reopen(struct kn_eve_sink *s)
{
	if (!s)
		return -KN_EINVAL;
	int rc = 0;
	pthread_mutex_lock(&s->lock);
	if (s->kind == KN_EVE_FILE) {
		int fd = open_file(s->path);
		if (fd < 0) {
			note_error(s, "cannot reopen", errno);
			s->st.write_errors++;
			rc = -KN_EIO;
		} else {
			close(s->fd);
			s->fd = fd;
			s->may_sigpipe = fd_may_sigpipe(fd);
			s->mid_line = 0;
			s->st.reopens++;
		}
	} else if (s->kind != KN_EVE_STDOUT) {
		if (s->fd >= 0)
			close(s->fd);
		s->fd = -1;
		s->retry_at_ns = 0;
		s->backoff_ns = BACKOFF_MIN_NS;
		s->st.reopens++;
	}
	pthread_mutex_unlock(&s->lock);
	return rc;
}

const char *kn_eve_sink_error(struct kn_eve_sink *s)
{
	if (!s || !atomic_load_explicit(&s->has_error, memory_order_acquire))
		return NULL;
	return s->error;
}

void kn_eve_sink_stats(struct kn_eve_sink *s, struct kn_eve_sink_stats *out)
{
	memset(out, 0, sizeof *out);
	if (!s)
		return;
	pthread_mutex_lock(&s->lock);
	*out = s->st;
	pthread_mutex_unlock(&s->lock);
}

void kn_eve_sink_close(struct kn_eve_sink *s)
{
	if (!s)
		return;
	if (s->kind != KN_EVE_STDOUT && s->fd >= 0)
		close(s->fd);
	pthread_mutex_destroy(&s->lock);
	kn_free(s->path);
	kn_free(s);
}
