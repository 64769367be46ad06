/*
 * test_sink.c - unit tests of the EVE sinks and batching writers
 * (src/output/sink.c, writer.c): file append and rotation, concurrent
 * writers, write errors (/dev/full, broken pipe without SIGPIPE), unix
 * stream sockets (lazy connect, drop while disconnected, reconnect) and unix
 * datagram sockets, all in a private temporary directory.
 */
#include <errno.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "kenchi/eve.h"
#include "kt.h"
#include "json_check.h"

/* ------------------------------------------------------------ helpers */

static char tmp_dir[256];

static const char *tmp_path(char *out, size_t n, const char *name)
{
	if (!tmp_dir[0]) {
		snprintf(tmp_dir, sizeof tmp_dir, "/tmp/kn_sink_XXXXXX");
		if (!mkdtemp(tmp_dir))
			tmp_dir[0] = '\0';
	}
	snprintf(out, n, "%s/%s", tmp_dir, name);
	return out;
}

/* Reads a whole file into buf (NUL-terminated); returns its length or -1. */
static long read_file(const char *path, char *buf, size_t cap)
{
	FILE *f = fopen(path, "rb");
	if (!f)
		return -1;
	size_t n = fread(buf, 1, cap - 1, f);
	fclose(f);
	buf[n] = '\0';
	return (long)n;
}

static void sleep_ms(long ms)
{
	struct timespec ts = { ms / 1000, (ms % 1000) * 1000000L };
	while (nanosleep(&ts, &ts) != 0 && errno == EINTR)
		;
}

static int unix_listen(const char *path, int type)
{
	struct sockaddr_un a = { .sun_family = AF_UNIX };
	size_t n = strlen(path);
	if (n >= sizeof a.sun_path)
		return -1;
	memcpy(a.sun_path, path, n + 1);
	unlink(path);
	int fd = socket(AF_UNIX, type, 0);
	if (fd < 0)
		return -1;
	if (bind(fd, (struct sockaddr *)&a, sizeof a) != 0 ||
	    (type == SOCK_STREAM && listen(fd, 4) != 0)) {
		close(fd);
		return -1;
	}
	return fd;
}

/* Reads from a stream socket until `lines` newlines arrived (2 s limit). */
static long read_lines(int fd, char *buf, size_t cap, int lines)
{
	struct timeval tv = { 2, 0 };
	setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
	size_t len = 0;
	int seen = 0;
	while (seen < lines && len < cap - 1) {
		ssize_t k = read(fd, buf + len, cap - 1 - len);
		if (k <= 0)
			break;
		for (ssize_t i = 0; i < k; i++)
			seen += buf[len + (size_t)i] == '\n';
		len += (size_t)k;
	}
	buf[len] = '\0';
	return (long)len;
}

/* -------------------------------------------------------------- files */

static void test_file_append_and_rotation(void)
{
	char path[300], rotated[300], buf[256], err[KN_ERRBUF_SIZE];
	tmp_path(path, sizeof path, "eve.json");
	tmp_path(rotated, sizeof rotated, "eve.json.1");
	unlink(path);
	unlink(rotated);
	/* Appends to what is already there. */
	FILE *f = fopen(path, "w");
	KT_REQUIRE(f);
	fputs("{\"old\":1}\n", f);
	fclose(f);

	struct kn_eve_sink *s = kn_eve_sink_open(KN_EVE_FILE, path, err);
	KT_REQUIRE(s);
	KT_EQ(kn_eve_sink_write(s, "{\"a\":1}\n{\"b\":2}\n", 16), 0);
	/* logrotate renames; writes keep going to the renamed file ... */
	KT_REQUIRE(rename(path, rotated) == 0);
	KT_EQ(kn_eve_sink_write(s, "{\"c\":3}\n", 8), 0);
	/* ... until the reopen (SIGHUP) creates a fresh file at the path. */
	KT_EQ(kn_eve_sink_reopen(s), 0);
	KT_EQ(kn_eve_sink_write(s, "{\"d\":4}\n", 8), 0);

	struct kn_eve_sink_stats st;
	kn_eve_sink_stats(s, &st);
	KT_EQ(st.lines, 4);
	KT_EQ(st.bytes, 32);
	KT_EQ(st.reopens, 1);
	KT_EQ(st.write_errors, 0);
	KT_CHECK(kn_eve_sink_error(s) == NULL);
	kn_eve_sink_close(s);

	KT_CHECK(read_file(rotated, buf, sizeof buf) > 0);
	KT_EQ_STR(buf, "{\"old\":1}\n{\"a\":1}\n{\"b\":2}\n{\"c\":3}\n");
	KT_CHECK(read_file(path, buf, sizeof buf) > 0);
	KT_EQ_STR(buf, "{\"d\":4}\n");
	struct stat sb;
	KT_REQUIRE(stat(path, &sb) == 0);
	KT_EQ(sb.st_mode & 0777, 0640 & ~022);  /* umask set in main */
}

static void test_open_errors(void)
{
	char err[KN_ERRBUF_SIZE];
	KT_CHECK(kn_eve_sink_open(KN_EVE_FILE, "/nonexistent-kn/x/eve.json", err) == NULL);
	KT_EQ_STR(err, "cannot open /nonexistent-kn/x/eve.json: No such file or directory");
	KT_CHECK(kn_eve_sink_open(KN_EVE_FILE, NULL, err) == NULL);
	KT_EQ_STR(err, "EVE output needs a path");
	KT_CHECK(kn_eve_sink_open(99, "x", err) == NULL);
	KT_EQ_STR(err, "unknown EVE output kind 99");
	char longp[200];
	memset(longp, 'p', sizeof longp - 1);
	longp[sizeof longp - 1] = '\0';
	KT_CHECK(kn_eve_sink_open(KN_EVE_UNIX_STREAM, longp, err) == NULL);
	KT_CHECK(strncmp(err, "unix socket path longer than 107 bytes: ppp", 43) == 0);
	/* NULL handles are harmless. */
	KT_EQ(kn_eve_sink_write(NULL, "x\n", 2), -KN_EINVAL);
	KT_EQ(kn_eve_sink_reopen(NULL), -KN_EINVAL);
	KT_CHECK(kn_eve_sink_error(NULL) == NULL);
	kn_eve_sink_close(NULL);
	struct kn_eve_writer w;
	KT_EQ(kn_eve_writer_init(&w, NULL, 100), -KN_EINVAL);
	kn_eve_writer_fini(&w);
}

static void test_reopen_failure_keeps_writing(void)
{
	char dir[300], path[320], err[KN_ERRBUF_SIZE];
	tmp_path(dir, sizeof dir, "gone");
	snprintf(path, sizeof path, "%s/eve.json", dir);
	KT_REQUIRE(mkdir(dir, 0700) == 0);
	struct kn_eve_sink *s = kn_eve_sink_open(KN_EVE_FILE, path, err);
	KT_REQUIRE(s);
	unlink(path);
	rmdir(dir);
	KT_EQ(kn_eve_sink_reopen(s), -KN_EIO);
	char want[400];
	snprintf(want, sizeof want, "cannot reopen %s: No such file or directory", path);
	KT_EQ_STR(kn_eve_sink_error(s), want);
	/* The old descriptor is kept, so writes still succeed. */
	KT_EQ(kn_eve_sink_write(s, "{}\n", 3), 0);
	struct kn_eve_sink_stats st;
	kn_eve_sink_stats(s, &st);
	KT_EQ(st.lines, 1);
	KT_EQ(st.reopens, 0);
	KT_EQ(st.write_errors, 1);
	kn_eve_sink_close(s);
}

static void test_dev_full_counts_errors(void)
{
	char err[KN_ERRBUF_SIZE];
	struct kn_eve_sink *s = kn_eve_sink_open(KN_EVE_FILE, "/dev/full", err);
	if (!s)
		KT_SKIP("/dev/full: %.200s", err);
	KT_EQ(kn_eve_sink_write(s, "{\"a\":1}\n{\"b\":2}\n{\"c\":3}\n", 24), -KN_EIO);
	KT_EQ_STR(kn_eve_sink_error(s), "cannot write to /dev/full: No space left on device");
	/* The sink keeps going: the next write tries again and fails again. */
	struct kn_eve_writer w;
	KT_REQUIRE(kn_eve_writer_init(&w, s, 1024) == 0);
	kn_eve_writer_put(&w, "{\"d\":4}", 7);
	KT_EQ(kn_eve_writer_flush(&w), -KN_EIO);
	KT_EQ(kn_eve_writer_flush(&w), 0);  /* nothing buffered any more */
	kn_eve_writer_fini(&w);
	struct kn_eve_sink_stats st;
	kn_eve_sink_stats(s, &st);
	KT_EQ(st.write_errors, 2);
	KT_EQ(st.dropped_lines, 4);
	KT_EQ(st.lines, 0);
	KT_EQ(st.bytes, 0);
	/* The first error is the one reported. */
	KT_EQ_STR(kn_eve_sink_error(s), "cannot write to /dev/full: No space left on device");
	kn_eve_sink_close(s);
}

/* Child process: stdout is a pipe nobody reads. Exit code 0 when the
 * write failed with -KN_EIO, EPIPE was reported and no SIGPIPE is left. */
static int broken_stdout_child(void)
{
	int p[2];
	char err[KN_ERRBUF_SIZE];
	if (pipe(p) != 0 || dup2(p[1], STDOUT_FILENO) < 0)
		return 10;
	close(p[0]);
	close(p[1]);
	struct kn_eve_sink *s = kn_eve_sink_open(KN_EVE_STDOUT, NULL, err);
	if (!s)
		return 11;
	if (kn_eve_sink_write(s, "{\"x\":1}\n", 8) != -KN_EIO)
		return 12;
	const char *e = kn_eve_sink_error(s);
	if (!e || strcmp(e, "cannot write to stdout: Broken pipe") != 0)
		return 13;
	sigset_t pending;
	sigpending(&pending);
	if (sigismember(&pending, SIGPIPE))
		return 14;
	kn_eve_sink_close(s);
	return 0;
}

static void test_stdout_broken_pipe_no_sigpipe(void)
{
	fflush(stdout);
	pid_t pid = fork();
	KT_REQUIRE(pid >= 0);
	if (pid == 0) {
		signal(SIGPIPE, SIG_DFL);  /* a SIGPIPE would kill the child */
		_exit(broken_stdout_child());
	}
	int status = 0;
	KT_REQUIRE(waitpid(pid, &status, 0) == pid);
	KT_CHECK(!WIFSIGNALED(status));
	KT_CHECK(WIFEXITED(status));
	KT_EQ(WEXITSTATUS(status), 0);
}

/* Child process: the file size limit cuts a batch in the middle of its
 * second line. Exit code 0 when the failure is counted and the next write
 * starts on a fresh line, so only the cut line is damaged. */
static int partial_write_child(const char *path)
{
	char err[KN_ERRBUF_SIZE];
	struct rlimit rl;
	signal(SIGXFSZ, SIG_IGN);  /* get EFBIG instead of the signal */
	if (getrlimit(RLIMIT_FSIZE, &rl) != 0)
		return 10;
	struct kn_eve_sink *s = kn_eve_sink_open(KN_EVE_FILE, path, err);
	if (!s)
		return 11;
	rlim_t saved = rl.rlim_cur;
	rl.rlim_cur = 20;
	if (setrlimit(RLIMIT_FSIZE, &rl) != 0)
		return 12;
	if (kn_eve_sink_write(s, "{\"a\":1}\n{\"bbbbbbbbbbbbbbbb\":2}\n", 31) != -KN_EIO)
		return 13;
	rl.rlim_cur = saved;
	if (setrlimit(RLIMIT_FSIZE, &rl) != 0)
		return 14;
	if (kn_eve_sink_write(s, "{\"c\":3}\n", 8) != 0)
		return 15;
	struct kn_eve_sink_stats st;
	kn_eve_sink_stats(s, &st);
	kn_eve_sink_close(s);
	if (st.lines != 2 || st.dropped_lines != 1 || st.write_errors != 1 || st.bytes != 28)
		return 16;
	return 0;
}

static void test_partial_write_ends_line(void)
{
	char path[300], buf[256];
	tmp_path(path, sizeof path, "partial.json");
	unlink(path);
	fflush(stdout);
	pid_t pid = fork();
	KT_REQUIRE(pid >= 0);
	if (pid == 0)
		_exit(partial_write_child(path));
	int status = 0;
	KT_REQUIRE(waitpid(pid, &status, 0) == pid);
	KT_CHECK(WIFEXITED(status));
	KT_EQ(WEXITSTATUS(status), 0);
	KT_EQ(read_file(path, buf, sizeof buf), 29);
	KT_EQ_STR(buf, "{\"a\":1}\n{\"bbbbbbbbbb\n{\"c\":3}\n");
}

/* --------------------------------------------------- concurrent writers */

#define THREADS 4
#define LINES_PER_THREAD 20000

struct writer_arg {
	struct kn_eve_sink *sink;
	int id;
};

static void *writer_thread(void *p)
{
	struct writer_arg *a = p;
	struct kn_eve_writer w;
	static const char pad[] = "yyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyy"
				  "yyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyy";
	if (kn_eve_writer_init(&w, a->sink, 4096) != 0)
		return NULL;
	for (int i = 0; i < LINES_PER_THREAD; i++) {
		char line[5000];
		/* Mostly short lines, sometimes one longer than the buffer. */
		int padlen = i % 997 == 0 ? 4500 : i % 128;
		int n = snprintf(line, sizeof line, "{\"t\":%d,\"i\":%d,\"p\":\"", a->id, i);
		for (int k = 0; k < padlen; k++)
			line[n++] = pad[k % (int)(sizeof pad - 1)];
		line[n++] = '"';
		line[n++] = '}';
		kn_eve_writer_put(&w, line, (size_t)n);
	}
	kn_eve_writer_fini(&w);
	return NULL;
}

static void test_concurrent_writers_whole_lines(void)
{
	char path[300], err[KN_ERRBUF_SIZE];
	tmp_path(path, sizeof path, "threads.json");
	unlink(path);
	struct kn_eve_sink *s = kn_eve_sink_open(KN_EVE_FILE, path, err);
	KT_REQUIRE(s);
	pthread_t th[THREADS];
	struct writer_arg args[THREADS];
	for (int t = 0; t < THREADS; t++) {
		args[t] = (struct writer_arg){ s, t };
		KT_REQUIRE(pthread_create(&th[t], NULL, writer_thread, &args[t]) == 0);
	}
	for (int t = 0; t < THREADS; t++)
		pthread_join(th[t], NULL);
	struct kn_eve_sink_stats st;
	kn_eve_sink_stats(s, &st);
	kn_eve_sink_close(s);
	KT_EQ(st.lines, THREADS * LINES_PER_THREAD);

	FILE *f = fopen(path, "r");
	KT_REQUIRE(f);
	int next[THREADS] = { 0 };
	long lines = 0, bad = 0;
	char *line = NULL;
	size_t cap = 0;
	ssize_t n;
	while ((n = getline(&line, &cap, f)) > 0) {
		int t = -1, i = -1;
		lines++;
		if (line[n - 1] != '\n' || !json_valid(line, (size_t)n - 1) ||
		    sscanf(line, "{\"t\":%d,\"i\":%d", &t, &i) != 2 || t < 0 || t >= THREADS ||
		    i != next[t]) {
			bad++;
			continue;
		}
		next[t]++;  /* each thread's lines arrive whole and in order */
	}
	free(line);
	fclose(f);
	KT_EQ(bad, 0);
	KT_EQ(lines, THREADS * LINES_PER_THREAD);
	for (int t = 0; t < THREADS; t++)
		KT_EQ(next[t], LINES_PER_THREAD);
}

static void test_writer_batches_until_flush(void)
{
	char path[300], buf[8192], err[KN_ERRBUF_SIZE];
	tmp_path(path, sizeof path, "batch.json");
	unlink(path);
	struct kn_eve_sink *s = kn_eve_sink_open(KN_EVE_FILE, path, err);
	KT_REQUIRE(s);
	struct kn_eve_writer w;
	KT_REQUIRE(kn_eve_writer_init(&w, s, 64) == 0);
	kn_eve_writer_put(&w, "{\"n\":1}", 7);
	kn_eve_writer_put(&w, "{\"n\":2}", 7);
	KT_EQ(read_file(path, buf, sizeof buf), 0);  /* still buffered */
	KT_EQ(kn_eve_writer_flush(&w), 0);
	KT_EQ(read_file(path, buf, sizeof buf), 16);
	/* Filling the buffer flushes it; a line bigger than the buffer goes
	 * straight to the sink after what was buffered, in order. */
	for (int i = 0; i < 10; i++)
		kn_eve_writer_put(&w, "{\"n\":3}", 7);
	KT_EQ(read_file(path, buf, sizeof buf), 16 + 64);  /* 8 lines flushed */
	char big[100];
	memset(big, 'z', sizeof big);
	big[0] = '"';
	big[sizeof big - 1] = '"';
	kn_eve_writer_put(&w, big, sizeof big);
	KT_EQ(read_file(path, buf, sizeof buf), 16 + 80 + 101);
	KT_CHECK(buf[16 + 80] == '"' && buf[16 + 80 + 100] == '\n');
	KT_EQ(w.events, 13);
	kn_eve_writer_fini(&w);
	KT_CHECK(w.buf == NULL);
	kn_eve_sink_close(s);
}

/* -------------------------------------------------------------- sockets */

static void test_unix_stream_connect_drop_reconnect(void)
{
	char path[300], buf[4096], err[KN_ERRBUF_SIZE];
	tmp_path(path, sizeof path, "eve.sock");
	unlink(path);
	/* Nobody listens yet: opening works, writes are dropped and counted. */
	struct kn_eve_sink *s = kn_eve_sink_open(KN_EVE_UNIX_STREAM, path, err);
	KT_REQUIRE(s);
	KT_EQ(kn_eve_sink_write(s, "{\"a\":1}\n{\"a\":2}\n", 16), -KN_EIO);
	char want[400];
	snprintf(want, sizeof want, "cannot connect to %s: No such file or directory", path);
	KT_EQ_STR(kn_eve_sink_error(s), want);
	/* Within the backoff no new attempt is made: still dropped. */
	KT_EQ(kn_eve_sink_write(s, "{\"a\":3}\n", 8), -KN_EIO);
	struct kn_eve_sink_stats st;
	kn_eve_sink_stats(s, &st);
	KT_EQ(st.dropped_lines, 3);
	KT_EQ(st.write_errors, 1);

	/* A listener appears; after the backoff the sink connects. */
	int lfd = unix_listen(path, SOCK_STREAM);
	KT_REQUIRE(lfd >= 0);
	sleep_ms(150);
	KT_EQ(kn_eve_sink_write(s, "{\"b\":1}\n{\"b\":2}\n", 16), 0);
	int cfd = accept(lfd, NULL, NULL);
	KT_REQUIRE(cfd >= 0);
	KT_EQ(read_lines(cfd, buf, sizeof buf, 2), 16);
	KT_EQ_STR(buf, "{\"b\":1}\n{\"b\":2}\n");

	/* The reader goes away: the send fails (no SIGPIPE), lines are dropped. */
	close(cfd);
	close(lfd);
	KT_EQ(kn_eve_sink_write(s, "{\"c\":1}\n", 8), -KN_EIO);
	kn_eve_sink_stats(s, &st);
	KT_EQ(st.dropped_lines, 4);
	KT_EQ(st.lines, 2);

	/* A new listener; rotation (reopen) reconnects without waiting. */
	lfd = unix_listen(path, SOCK_STREAM);
	KT_REQUIRE(lfd >= 0);
	KT_EQ(kn_eve_sink_reopen(s), 0);
	KT_EQ(kn_eve_sink_write(s, "{\"d\":1}\n", 8), 0);
	cfd = accept(lfd, NULL, NULL);
	KT_REQUIRE(cfd >= 0);
	KT_EQ(read_lines(cfd, buf, sizeof buf, 1), 8);
	KT_EQ_STR(buf, "{\"d\":1}\n");
	kn_eve_sink_stats(s, &st);
	KT_EQ(st.lines, 3);
	KT_EQ(st.bytes, 24);
	KT_EQ(st.reopens, 1);
	KT_EQ_STR(kn_eve_sink_error(s), want);  /* still the first error */
	kn_eve_sink_close(s);
	close(cfd);
	close(lfd);
	unlink(path);
}

static void test_unix_dgram_one_line_per_datagram(void)
{
	char path[300], buf[4096], err[KN_ERRBUF_SIZE];
	tmp_path(path, sizeof path, "eve.dgram");
	int rfd = unix_listen(path, SOCK_DGRAM);
	KT_REQUIRE(rfd >= 0);
	struct timeval tv = { 2, 0 };
	setsockopt(rfd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
	struct kn_eve_sink *s = kn_eve_sink_open(KN_EVE_UNIX_DGRAM, path, err);
	KT_REQUIRE(s);
	KT_EQ(kn_eve_sink_write(s, "{\"a\":1}\n{\"bb\":22}\n{}\n", 21), 0);
	static const char *want[] = { "{\"a\":1}\n", "{\"bb\":22}\n", "{}\n" };
	for (int i = 0; i < 3; i++) {
		ssize_t k = recv(rfd, buf, sizeof buf - 1, 0);
		KT_REQUIRE(k > 0);
		buf[k] = '\0';
		KT_EQ_STR(buf, want[i]);
	}
	/* A line longer than a writer's buffer is still one datagram. */
	struct kn_eve_writer w;
	KT_REQUIRE(kn_eve_writer_init(&w, s, 16) == 0);
	char big[300];
	memset(big, 'q', sizeof big);
	kn_eve_writer_put(&w, big, sizeof big);
	kn_eve_writer_fini(&w);
	ssize_t k = recv(rfd, buf, sizeof buf, 0);
	KT_EQ(k, 301);
	KT_CHECK(k == 301 && buf[0] == 'q' && buf[299] == 'q' && buf[300] == '\n');

	/* The receiver goes away: lines are dropped and the error kept. */
	close(rfd);
	unlink(path);
	KT_EQ(kn_eve_sink_write(s, "{\"z\":1}\n", 8), -KN_EIO);
	KT_CHECK(kn_eve_sink_error(s) != NULL &&
		 strncmp(kn_eve_sink_error(s), "cannot send to ", 15) == 0);
	struct kn_eve_sink_stats st;
	kn_eve_sink_stats(s, &st);
	KT_EQ(st.lines, 4);
	KT_EQ(st.dropped_lines, 1);
	KT_EQ(st.write_errors, 1);
	kn_eve_sink_close(s);
}

static const struct kt_case cases[] = {
	KT_CASE(test_file_append_and_rotation),
	KT_CASE(test_open_errors),
	KT_CASE(test_reopen_failure_keeps_writing),
	KT_CASE(test_dev_full_counts_errors),
	KT_CASE(test_stdout_broken_pipe_no_sigpipe),
	KT_CASE(test_partial_write_ends_line),
	KT_CASE(test_concurrent_writers_whole_lines),
	KT_CASE(test_writer_batches_until_flush),
	KT_CASE(test_unix_stream_connect_drop_reconnect),
	KT_CASE(test_unix_dgram_one_line_per_datagram),
};

static void remove_tmp_dir(void)
{
	const char *names[] = { "eve.json", "eve.json.1", "threads.json", "batch.json", "partial.json",
				"eve.sock", "eve.dgram" };
	char p[300];
	if (!tmp_dir[0])
		return;
	for (size_t i = 0; i < sizeof names / sizeof names[0]; i++)
		unlink(tmp_path(p, sizeof p, names[i]));
	rmdir(tmp_dir);
}

int main(int argc, char **argv)
{
	umask(022);
	int rc = kt_run("output_sink", cases, sizeof cases / sizeof cases[0], argc, argv);
	remove_tmp_dir();
	return rc;
}
