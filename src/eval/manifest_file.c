/*
 * manifest_file.c - the files behind a dataset manifest: reading the
 * manifest itself, resolving each capture's path against the base
 * directory, and checking that the capture exists and has the sha256 the
 * manifest records (hashed as stored: a .pcap.gz is hashed compressed).
 *
 * Part of the manifest loader (manifest.c). Files are read with plain
 * POSIX calls in 64 KiB blocks; nothing is mapped or kept.
 */
#include "eval/eval_int.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <openssl/evp.h>

#include "util/alloc.h"
#include "util/digest.h"

char *eval_dirname(const char *path)
{
	const char *slash = strrchr(path, '/');
	size_t n;
	char *s;

	if (!slash)
		return kn_strdup(".");
	n = slash == path ? 1 : (size_t)(slash - path);
	if (!(s = kn_malloc(n + 1)))
		return NULL;
	memcpy(s, path, n);
	s[n] = '\0';
	return s;
}

/* read() all of it, retrying on EINTR; -errno or 0 at a short file. */
static ssize_t read_full(int fd, char *buf, size_t len)
{
	size_t got = 0;
	while (got < len) {
		ssize_t n = read(fd, buf + got, len - got);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return -errno;
		if (n == 0)
			break;
		got += (size_t)n;
	}
	return (ssize_t)got;
}

int eval_read_file(const char *path, size_t max, char **out, size_t *len, char *errbuf)
{
	struct stat st;
	char *buf = NULL;
	ssize_t got;
	int fd = open(path, O_RDONLY | O_CLOEXEC);

	*out = NULL;
	*len = 0;
	if (fd < 0)
		return eval_fail(errbuf, -KN_EIO, "cannot open %s: %s", path, strerror(errno));
	if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) {
		close(fd);
		return eval_fail(errbuf, -KN_EIO, "%s: not a regular file", path);
	}
	if ((uint64_t)st.st_size > max) {
		close(fd);
		return eval_fail(errbuf, -KN_EINVAL, "%s: %lld bytes, more than the %zu allowed",
				 path, (long long)st.st_size, max);
	}
	if (st.st_size && !(buf = kn_malloc((size_t)st.st_size))) {
		close(fd);
		return eval_fail(errbuf, -KN_ENOMEM, "%s: out of memory", path);
	}
	got = st.st_size ? read_full(fd, buf, (size_t)st.st_size) : 0;
	close(fd);
	if (got != (ssize_t)st.st_size) {
		kn_free(buf);
		return eval_fail(errbuf, -KN_EIO, "cannot read %s: %s", path,
				 got < 0 ? strerror((int)-got) : "file changed while reading");
	}
	*out = buf;
	*len = (size_t)got;
	return 0;
}

/* SHA-256 of an open file as lower-case hex. 0, or -errno / -EIO. */
static int hash_fd(int fd, char hex[65])
{
	EVP_MD_CTX *ctx = EVP_MD_CTX_new();
	unsigned char md[32], buf[65536];
	unsigned int mdlen = 0;
	ssize_t n;
	int rc = -EIO;

	if (!ctx || EVP_DigestInit_ex(ctx, kn_md(KN_SHA256), NULL) != 1)
		goto out;
	while ((n = read_full(fd, (char *)buf, sizeof buf)) > 0)
		if (EVP_DigestUpdate(ctx, buf, (size_t)n) != 1)
			goto out;
	if (n < 0) {
		rc = (int)n;
		goto out;
	}
	if (EVP_DigestFinal_ex(ctx, md, &mdlen) != 1 || mdlen != 32)
		goto out;
	for (unsigned i = 0; i < 32; i++)
		snprintf(hex + 2 * i, 3, "%02x", md[i]);
	rc = 0;
out:
	EVP_MD_CTX_free(ctx);
	return rc;
}

static char *join_path(const char *base, const char *path)
{
	size_t nb = strlen(base), np = strlen(path);
	char *s;

	if (path[0] == '/' || !nb)
		return kn_strdup(path);
	if (!(s = kn_malloc(nb + np + 2)))
		return NULL;
	memcpy(s, base, nb);
	s[nb] = '/';
	memcpy(s + nb + 1, path, np + 1);
	return s;
}

int kn_eval_sha256_file(const char *path, char hex[65])
{
	int fd = open(path, O_RDONLY | O_CLOEXEC);

	if (fd < 0)
		return -errno;
	int rc = hash_fd(fd, hex);
	close(fd);
	return rc;
}

/* Opens and checks c->file; the path points at the capture. */
static int check_file(struct eval_load *l, struct kn_eval_capture *c)
{
	struct stat st;
	char hex[65];
	int fd = open(c->file, O_RDONLY | O_CLOEXEC), rc;

	if (fd < 0 || fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) {
		int e = fd < 0 ? errno : 0;
		if (fd >= 0)
			close(fd);
		size_t was = eval_jpath_key(&l->path, "path");
		rc = eval_load_err(l, -KN_EIO, "capture file %s: %s; fix the path (relative to "
				   "%s) or give the base directory", c->file,
				   e ? strerror(e) : "not a regular file", l->ds->base_dir);
		eval_jpath_pop(&l->path, was);
		return rc;
	}
	if (!c->sha256[0] || l->opts->skip_files == 2) {
		close(fd);
		return 0;
	}
	rc = hash_fd(fd, hex);
	close(fd);
	if (rc)
		return eval_load_err(l, -KN_EIO, "cannot read capture file %s: %s", c->file,
				     strerror(-rc));
	if (!strcmp(hex, c->sha256))
		return 0;
	size_t was = eval_jpath_key(&l->path, "sha256");
	rc = eval_load_err(l, -KN_EFORMAT, "capture file %s has sha256 %s, the manifest says "
			   "%s; restore the file or update the hash", c->file, hex, c->sha256);
	eval_jpath_pop(&l->path, was);
	return rc;
}

int eval_capture_file(struct eval_load *l, struct kn_eval_capture *c)
{
	if (!(c->file = join_path(l->ds->base_dir, c->path)))
		return eval_load_err(l, -KN_ENOMEM, "out of memory");
	if (l->opts->skip_files == 1)
		return 0;
	return check_file(l, c);
}
