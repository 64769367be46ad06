/*
 * eval_run.c - the hands of `kenchi eval`: makes each capture ready
 * (unpacks gzip, reads packet times, hashes), runs a detector on it (kenchi
 * in a forked child, a shell command with a timeout, or a precomputed file)
 * measuring wall time, CPU time and peak memory with wait4, and reads the
 * findings in the detector's format.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <zlib.h>

#include "cli.h"
#include "eval_cli.h"
#include "kenchi/capture.h"
#include "util/alloc.h"

/* Packets a capture may have for eval to keep their times (8 bytes each). */
#define MAX_PACKETS (1ull << 28)

static char *fmt(const char *f, ...) KN_PRINTF(1, 2);
static char *fmt(const char *f, ...)
{
	char tmp[KN_ERRBUF_SIZE + 512];
	va_list ap;

	va_start(ap, f);
	vsnprintf(tmp, sizeof tmp, f, ap);
	va_end(ap);
	return kn_strdup(tmp);
}

static double now_s(void)
{
	struct timespec t;

	clock_gettime(CLOCK_MONOTONIC, &t);
	return (double)t.tv_sec + (double)t.tv_nsec / 1e9;
}

/* ----------------------------------------------------------- files */

int ev_mkdirs(const char *path, char *errbuf)
{
	char p[4096];
	size_t n = strlen(path);

	if (n == 0 || n >= sizeof p)
		return snprintf(errbuf, KN_ERRBUF_SIZE, "bad directory name '%.200s'", path), -1;
	memcpy(p, path, n + 1);
	for (char *s = p + 1; ; s++) {
		if (*s != '/' && *s)
			continue;
		char c = *s;
		*s = '\0';
		if (mkdir(p, 0777) != 0 && errno != EEXIST) {
			snprintf(errbuf, KN_ERRBUF_SIZE, "cannot create directory %.300s: %s", p,
				 strerror(errno));
			return -1;
		}
		if (!(*s = c))
			return 0;
	}
}

void ev_rmtree(const char *path)
{
	DIR *d = opendir(path);
	struct dirent *e;

	if (!d) {
		unlink(path);
		return;
	}
	while ((e = readdir(d)) != NULL) {
		if (!strcmp(e->d_name, ".") || !strcmp(e->d_name, ".."))
			continue;
		char *sub = fmt("%s/%s", path, e->d_name);
		struct stat st;
		if (sub && lstat(sub, &st) == 0)
			S_ISDIR(st.st_mode) ? ev_rmtree(sub) : (void)unlink(sub);
		kn_free(sub);
	}
	closedir(d);
	rmdir(path);
}

static int is_gzip(const char *path)
{
	unsigned char m[2] = { 0, 0 };
	int fd = open(path, O_RDONLY | O_CLOEXEC);

	if (fd < 0)
		return 0;
	ssize_t n = read(fd, m, 2);
	close(fd);
	return n == 2 && m[0] == 0x1f && m[1] == 0x8b;
}

/* gunzip src into dst. NULL or the reason. */
static char *gunzip(const char *src, const char *dst)
{
	char buf[1 << 16];
	gzFile in = gzopen(src, "rb");
	FILE *out = in ? fopen(dst, "wbe") : NULL;
	char *err = NULL;
	int n, zerr;

	if (!in || !out) {
		err = fmt("cannot %s: %s", in ? "create" : "open", in ? dst : src);
		goto done;
	}
	while ((n = gzread(in, buf, sizeof buf)) > 0)
		if (fwrite(buf, 1, (size_t)n, out) != (size_t)n) {
			err = fmt("cannot write %s: %s (disk full?)", dst, strerror(errno));
			goto done;
		}
	if (n < 0)
		err = fmt("%s: bad gzip data: %s", src, gzerror(in, &zerr));
done:
	if (out && fclose(out) != 0 && !err)
		err = fmt("cannot write %s: %s", dst, strerror(errno));
	if (in)
		gzclose(in);
	return err;
}

/* Reads every packet time of c->pcap. NULL or the reason. */
static char *read_times(struct ev_capture *c)
{
	char errbuf[KN_ERRBUF_SIZE] = "";
	struct kn_capture *cap = kn_capture_open_file(c->pcap, errbuf);
	struct kn_packet pkt;
	size_t cap_n = 0;
	int rc;

	if (!cap)
		return fmt("%s", errbuf);
	while ((rc = kn_capture_next(cap, &pkt, errbuf)) == 1) {
		if (c->n == cap_n) {
			size_t want = cap_n ? cap_n * 2 : 4096;
			int64_t *t = want <= MAX_PACKETS ?
				kn_realloc_array(c->ts_ns, want, sizeof *t) : NULL;
			if (!t) {
				kn_capture_close(cap);
				return fmt("%s: more packets than eval can hold", c->pcap);
			}
			c->ts_ns = t;
			cap_n = want;
		}
		c->ts_ns[c->n++] = (int64_t)pkt.ts_ns;
	}
	kn_capture_close(cap);
	return rc < 0 ? fmt("%s", errbuf) : NULL;
}

int ev_stage(const struct kn_eval_capture *mc, struct ev_capture *c, const char *workdir,
	     int hash)
{
	int rc = hash && !mc->sha256[0] ? kn_eval_sha256_file(mc->file, c->sha256) : 0;
	if (rc != 0)
		return c->error = fmt("cannot read %s: %s", mc->file, strerror(-rc)), -1;
	if (mc->sha256[0])
		memcpy(c->sha256, mc->sha256, sizeof c->sha256);
	if (is_gzip(mc->file)) {
		char dir[KN_ERRBUF_SIZE];
		snprintf(dir, sizeof dir, "%s/captures", workdir);
		if (ev_mkdirs(dir, dir) != 0)
			return c->error = kn_strdup(dir), -1;
		if (!(c->pcap = fmt("%s/captures/%s.pcap", workdir, mc->name)))
			return c->error = fmt("out of memory"), -1;
		if ((c->error = gunzip(mc->file, c->pcap)) != NULL)
			return -1;
	} else if (!(c->pcap = kn_strdup(mc->file))) {
		return c->error = fmt("out of memory"), -1;
	}
	return (c->error = read_times(c)) ? -1 : 0;
}

void ev_capture_fini(struct ev_capture *c)
{
	kn_free(c->pcap);
	kn_free(c->ts_ns);
	kn_free(c->error);
	memset(c, 0, sizeof *c);
}

void ev_outcome_fini(struct ev_outcome *o)
{
	kn_eval_alerts_fini(&o->alerts);
	kn_free(o->error);
	kn_free(o->note);
}

/* ---------------------------------------------------------- running */

/* Sends the child's stdout and stderr to files in outdir (the operator
 * reads them when a run fails). */
static void child_redirect(const char *outdir)
{
	char p[4096];
	int fd;

	snprintf(p, sizeof p, "%s/stdout.txt", outdir);
	if ((fd = open(p, O_WRONLY | O_CREAT | O_TRUNC, 0666)) >= 0) {
		dup2(fd, STDOUT_FILENO);
		close(fd);
	}
	snprintf(p, sizeof p, "%s/stderr.txt", outdir);
	if ((fd = open(p, O_WRONLY | O_CREAT | O_TRUNC, 0666)) >= 0) {
		dup2(fd, STDERR_FILENO);
		close(fd);
	}
	if ((fd = open("/dev/null", O_RDONLY)) >= 0) {
		dup2(fd, STDIN_FILENO);
		close(fd);
	}
}

/* The child of a kenchi detector: `kenchi run` on the capture, in this
 * process image (no exec), with the detector's extra options, their
 * placeholders ({outdir}, {pcap}, ...) expanded. A csv detector's scores
 * come from the model (--model-scores) unless its options name
 * --detect-scores (the behaviour detectors' per-packet verdicts). */
static void child_kenchi(const struct kn_eval_detector *d, const char *pcap, const char *outdir)
{
	char *argv[16 + 64 + 1];
	int argc = 0, own_scores = 0;

	for (size_t i = 0; i < d->n_args && i < 64; i++)
		own_scores |= !strcmp(d->args[i], "--detect-scores");

	argv[argc++] = "run";
	argv[argc++] = "-q";
	argv[argc++] = "--no-progress";
	argv[argc++] = "--stats-interval";
	argv[argc++] = "0";
	argv[argc++] = "-l";
	argv[argc++] = (char *)outdir;
	char scores[4096];
	if (d->format == KN_EVAL_FMT_CSV && !own_scores) {   /* the model's per-packet scores */
		snprintf(scores, sizeof scores, "%s/scores.csv", outdir);
		argv[argc++] = "--model-scores";
		argv[argc++] = scores;
	}
	struct kn_eval_subst s = { .pcap = pcap, .outdir = outdir };
	for (size_t i = 0; i < d->n_args && i < 64; i++) {
		char err[KN_ERRBUF_SIZE];
		if (kn_eval_expand(d->args[i], &s, 0, &argv[argc++], err) != 0) {
			fprintf(stderr, "kenchi eval: %s: args[%zu]: %s\n", d->config, i, err);
			_exit(2);
		}
	}
	argv[argc++] = "-r";
	argv[argc++] = (char *)pcap;
	argv[argc] = NULL;
	optind = 0;   /* getopt starts afresh in the child */
	_exit(cmd_run(argc, argv));
}

/* Waits for pid, killing its process group after timeout_s (0 = never).
 * Returns the wait status, -1 on a wait error; *timed_out says why. */
static int wait_child(pid_t pid, double timeout_s, struct rusage *ru, int *timed_out)
{
	double deadline = timeout_s > 0 ? now_s() + timeout_s : 0;
	struct timespec nap = { 0, 2000000 };
	int status = 0;

	*timed_out = 0;
	for (;;) {
		pid_t r = wait4(pid, &status, deadline ? WNOHANG : 0, ru);
		if (r == pid)
			return status;
		if (r < 0 && errno != EINTR)
			return -1;
		if (r == 0 && now_s() > deadline && !*timed_out) {
			*timed_out = 1;
			kill(-pid, SIGKILL);
			kill(pid, SIGKILL);
			deadline = 0;   /* now wait for it to go */
		} else if (r == 0) {
			nanosleep(&nap, NULL);
		}
	}
}

static char *describe_status(int status, int timed_out, double timeout_s)
{
	if (timed_out)
		return fmt("killed after the %g s timeout", timeout_s);
	if (status < 0)
		return fmt("lost the child process: %s", strerror(errno));
	if (WIFSIGNALED(status))
		return fmt("died of signal %d (%s)", WTERMSIG(status), strsignal(WTERMSIG(status)));
	if (WEXITSTATUS(status) != 0)
		return fmt("exited with status %d", WEXITSTATUS(status));
	return NULL;
}

/* Forks, runs the detector in the child and measures it. */
static void run_child(const struct kn_eval_detector *d, const char *pcap, const char *cmd,
		      const char *outdir, struct ev_outcome *o)
{
	struct rusage ru;
	int timed_out, status;
	double t0 = now_s();

	fflush(NULL);
	pid_t pid = fork();
	if (pid < 0) {
		o->error = fmt("cannot fork: %s", strerror(errno));
		return;
	}
	if (pid == 0) {
		setpgid(0, 0);
		child_redirect(outdir);
		if (d->kind == KN_EVAL_DET_KENCHI)
			child_kenchi(d, pcap, outdir);
		execl("/bin/sh", "sh", "-c", cmd, (char *)NULL);
		_exit(127);
	}
	setpgid(pid, pid);
	memset(&ru, 0, sizeof ru);
	status = wait_child(pid, d->timeout_s, &ru, &timed_out);
	o->cost.wall_s = now_s() - t0;
	o->cost.cpu_s = (double)ru.ru_utime.tv_sec + (double)ru.ru_utime.tv_usec / 1e6 +
			(double)ru.ru_stime.tv_sec + (double)ru.ru_stime.tv_usec / 1e6;
	o->cost.peak_rss_kb = (double)ru.ru_maxrss;
	if ((o->error = describe_status(status, timed_out, d->timeout_s)) != NULL) {
		char *e = fmt("%s (output in %s)", o->error, outdir);
		kn_free(o->error);
		o->error = e;
	}
}

/* The UTC year of the capture's first packet: Snort writes times without
 * one, and the capture's own clock is the reproducible guess. */
static int capture_year(const struct ev_capture *c)
{
	time_t t = c->n ? (time_t)(c->ts_ns[0] / 1000000000) : 0;
	struct tm tm;

	return c->n && gmtime_r(&t, &tm) ? tm.tm_year + 1900 : 0;
}

/* Reads the findings at path in the detector's format. */
static void read_findings(const struct kn_eval_detector *d, const struct ev_capture *c,
			  const char *path, struct ev_outcome *o)
{
	struct kn_eval_eve_opts opts = { .types = d->eve_types };
	struct kn_eval_snort_opts sopts = { .year = capture_year(c),
					    .tz_offset_min = d->tz_offset_min };
	struct kn_eval_eve_stats st;
	char errbuf[KN_ERRBUF_SIZE] = "";
	int rc;

	switch (d->format) {
	case KN_EVAL_FMT_EVE:
		rc = kn_eval_eve_load_file(&o->alerts, path, &opts, &st, errbuf);
		break;
	case KN_EVAL_FMT_ZEEK:
		rc = kn_eval_zeek_load_file(&o->alerts, path, NULL, &st, errbuf);
		break;
	case KN_EVAL_FMT_SNORT:
		rc = kn_eval_snort_load_file(&o->alerts, path, &sopts, &st, errbuf);
		break;
	default:
		rc = kn_eval_csv_load_file(&o->alerts, path, NULL, &st, errbuf);
		break;
	}
	if (rc != 0) {
		o->error = fmt("%s", errbuf);
		return;
	}
	if (st.malformed)
		o->note = fmt("%s: %llu malformed line(s) skipped; first: line %llu: %s", path,
			      (unsigned long long)st.malformed,
			      (unsigned long long)st.bad[0].line, st.bad[0].why);
}

/* {stem}: the capture file's name without directories and extensions. */
static void make_stem(const char *path, char *out, size_t size)
{
	static const char *const ext[] = { ".gz", ".pcapng", ".pcap", ".cap" };
	const char *b = strrchr(path, '/');

	snprintf(out, size, "%s", b ? b + 1 : path);
	for (size_t i = 0; i < sizeof ext / sizeof ext[0]; i++) {
		size_t n = strlen(out), e = strlen(ext[i]);
		if (n > e && !strcmp(out + n - e, ext[i]))
			out[n - e] = '\0';
	}
}

/* A relative path from a files template is relative to the config's directory. */
static char *resolve(const struct kn_eval_detector *d, char *p)
{
	if (!p || p[0] == '/' || !d->base_dir[0] || !strcmp(d->base_dir, "."))
		return p;
	char *r = fmt("%s/%s", d->base_dir, p);
	kn_free(p);
	return r;
}

void ev_run(const struct kn_eval_detector *d, const struct kn_eval_capture *mc,
	    const struct ev_capture *c, const char *outdir, struct ev_outcome *o)
{
	char errbuf[KN_ERRBUF_SIZE] = "", stem[256];
	struct kn_eval_subst s = { .pcap = c->pcap, .outdir = outdir, .name = mc->name,
				   .path = mc->path, .stem = stem };
	char *cmd = NULL, *out = NULL;
	struct stat st;

	memset(o, 0, sizeof *o);
	kn_eval_alerts_init(&o->alerts);
	o->cost = (struct kn_eval_cost){ -1, -1, -1, (double)c->n, -1 };
	make_stem(mc->path, stem, sizeof stem);
	if (d->kind == KN_EVAL_DET_COMMAND && kn_eval_expand(d->command, &s, 1, &cmd, errbuf)) {
		o->error = fmt("%s", errbuf);
		return;
	}
	if (d->kind != KN_EVAL_DET_KENCHI && kn_eval_expand(d->output, &s, 0, &out, errbuf)) {
		o->error = fmt("%s", errbuf);
		kn_free(cmd);
		return;
	}
	if (d->kind == KN_EVAL_DET_FILES)
		out = resolve(d, out);
	else if (d->kind == KN_EVAL_DET_KENCHI)
		out = fmt(d->format == KN_EVAL_FMT_CSV ? "%s/scores.csv" : "%s/eve.json", outdir);
	if (d->kind != KN_EVAL_DET_FILES) {
		run_child(d, c->pcap, cmd, outdir, o);
		if (o->cost.wall_s > 0)
			o->cost.pkts_per_s = (double)c->n / o->cost.wall_s;
	}
	if (!out)
		o->error = o->error ? o->error : fmt("out of memory");
	else if (!o->error && d->kind == KN_EVAL_DET_FILES && stat(out, &st) != 0)
		o->missing = 1, o->error = fmt("no output %s: %s", out, strerror(errno));
	else if (!o->error)
		read_findings(d, c, out, o);
	kn_free(cmd);
	kn_free(out);
}

char *ev_detector_version(const struct kn_eval_detector *d)
{
	char line[256] = "";

	if (d->version[0] || !d->version_command)
		return kn_strdup(d->version);
	FILE *p = popen(d->version_command, "r");
	if (p) {
		if (!fgets(line, sizeof line, p))
			line[0] = '\0';
		pclose(p);
	}
	line[strcspn(line, "\r\n")] = '\0';
	return kn_strdup(line);
}
