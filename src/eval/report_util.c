/*
 * report_util.c - what the report writers of `kenchi eval` share: the
 * output file replaced atomically (PATH.tmp renamed over PATH, every write,
 * flush and close checked so a full disk is an error, not a short report),
 * the fixed number formats of the text and HTML tables, JSON numbers that
 * read back as the same double, and the ROC and PR points of a curve.
 */
#include "eval/report_int.h"

#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "eval/eval_int.h"
#include "util/alloc.h"

/* Okabe & Ito's colour-blind-safe set; yellow (#f0e442) is left out, it
 * does not show on white. */
const char *const report_palette[REPORT_PALETTE_N] = {
	"#0072b2", "#d55e00", "#009e73", "#cc79a7", "#e69f00", "#56b4e9", "#000000",
};

/* ------------------------------------------------------ output file */

int report_file_open(struct report_file *rf, const char *path, char *errbuf)
{
	struct stat st;
	size_t len;

	memset(rf, 0, sizeof *rf);
	rf->path = path;
	if (!path || !*path)
		return eval_fail(errbuf, -KN_EIO, "report: no output file name given");
	if (stat(path, &st) != 0)
		st.st_mode = S_IFREG;   /* a new file */
	if (S_ISDIR(st.st_mode))
		return eval_fail(errbuf, -KN_EIO, "%s: is a directory; give a file name", path);
	if (!S_ISREG(st.st_mode)) {
		/* A device or FIFO: renaming over it would replace it. */
		if ((rf->f = fopen(path, "w")) != NULL)
			return 0;
		return eval_fail(errbuf, -KN_EIO, "%s: cannot open for writing: %s", path,
				 strerror(errno));
	}
	len = strlen(path);
	if (!(rf->tmp = kn_malloc(len + sizeof ".tmp")))
		return eval_fail(errbuf, -KN_ENOMEM, "%s: out of memory", path);
	memcpy(rf->tmp, path, len);
	memcpy(rf->tmp + len, ".tmp", sizeof ".tmp");
	if (!(rf->f = fopen(rf->tmp, "w"))) {
		int e = errno;
		kn_free(rf->tmp);
		rf->tmp = NULL;
		return eval_fail(errbuf, -KN_EIO,
				 "%s: cannot create %s.tmp: %s (does the directory exist and is "
				 "it writable?)", path, path, strerror(e));
	}
	return 0;
}

/* Flushes, syncs and closes rf->f; 0 or the errno of the first failure. */
static int close_checked(struct report_file *rf)
{
	int e = 0;

	errno = 0;
	if (fflush(rf->f) != 0)
		e = errno ? errno : EIO;
	else if (ferror(rf->f))
		e = EIO;   /* an earlier write failed; its errno is gone */
	if (!e && rf->tmp && fsync(fileno(rf->f)) != 0 && errno != EINVAL)
		e = errno;
	if (fclose(rf->f) != 0 && !e)
		e = errno ? errno : EIO;
	rf->f = NULL;
	return e;
}

int report_file_commit(struct report_file *rf, char *errbuf)
{
	int e, rc = 0;

	if (!rf->f)
		return eval_fail(errbuf, -KN_EIO, "%s: not open", rf->path);
	if ((e = close_checked(rf)) != 0) {
		rc = eval_fail(errbuf, -KN_EIO, "%s: write failed: %s (disk full?)", rf->path,
			       strerror(e));
	} else if (rf->tmp && rename(rf->tmp, rf->path) != 0) {
		rc = eval_fail(errbuf, -KN_EIO, "%s: cannot rename %s.tmp into place: %s",
			       rf->path, rf->path, strerror(errno));
	}
	if (rc && rf->tmp)
		unlink(rf->tmp);
	kn_free(rf->tmp);
	rf->tmp = NULL;
	return rc;
}

void report_file_abort(struct report_file *rf)
{
	if (rf->f)
		fclose(rf->f);
	rf->f = NULL;
	if (rf->tmp)
		unlink(rf->tmp);
	kn_free(rf->tmp);
	rf->tmp = NULL;
}

/* ----------------------------------------------------- number formats */

const char *report_fmt_rate(char *buf, double v)
{
	if (isnan(v))
		return "-";
	snprintf(buf, REPORT_NUM_MAX, "%.3f", v);
	return buf;
}

const char *report_fmt_sig(char *buf, double v)
{
	if (!isfinite(v) || v < 0)
		return "-";
	/* 999.5 and up would round to "1e+03" with %.3g */
	snprintf(buf, REPORT_NUM_MAX, v >= 999.5 ? "%.0f" : "%.3g", v);
	return buf;
}

const char *report_fmt_u64(char *buf, uint64_t v)
{
	snprintf(buf, REPORT_NUM_MAX, "%llu", (unsigned long long)v);
	return buf;
}

const char *report_fmt_delay(char *buf, const struct kn_eval_summary *s)
{
	if (s->delay_n == 0)
		return "-";
	return report_fmt_sig(buf, s->delay_mean_s);
}

const char *report_fmt_json(char *buf, double v)
{
	if (!isfinite(v))
		return NULL;
	for (int prec = 15; prec <= 17; prec++) {
		snprintf(buf, REPORT_NUM_MAX, "%.*g", prec, v);
		if (strtod(buf, NULL) == v)
			break;
	}
	if (!strpbrk(buf, ".e"))
		strcat(buf, ".0");   /* a real stays a real for typed readers */
	return buf;
}

/* ------------------------------------------------------------ curves */

int report_roc_points(const struct kn_eval_curve *c, struct report_xy **out, size_t *n)
{
	struct report_xy *p;
	size_t k = 0;

	*out = NULL;
	*n = 0;
	if (!c || !c->neg_known || c->neg == 0 || c->pos == 0)
		return 0;
	if (!(p = kn_calloc(c->n + 2, sizeof *p)))
		return -KN_ENOMEM;
	p[k++] = (struct report_xy){ 0, 0 };
	for (size_t i = 0; i < c->n; i++)
		p[k++] = (struct report_xy){ (double)c->pts[i].fp / (double)c->neg,
					     (double)c->pts[i].tp / (double)c->pos };
	if (p[k - 1].x != 1 || p[k - 1].y != 1)
		p[k++] = (struct report_xy){ 1, 1 };
	*out = p;
	*n = k;
	return 0;
}

int report_pr_points(const struct kn_eval_curve *c, struct report_xy **out, size_t *n)
{
	struct report_xy *p;
	size_t k = 0;

	*out = NULL;
	*n = 0;
	if (!c || c->pos == 0 || c->n == 0)
		return 0;
	if (!(p = kn_calloc(c->n, sizeof *p)))
		return -KN_ENOMEM;
	for (size_t i = 0; i < c->n; i++) {
		const struct kn_eval_point *q = &c->pts[i];
		if (q->threshold == -INFINITY || q->tp + q->fp == 0)
			continue;
		p[k++] = (struct report_xy){ (double)q->tp / (double)c->pos,
					     (double)q->tp / (double)(q->tp + q->fp) };
	}
	if (k == 0) {
		kn_free(p);
		p = NULL;
	}
	*out = p;
	*n = k;
	return 0;
}
