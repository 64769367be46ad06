/*
 * http_file.c - file metadata of HTTP bodies for the EVE fileinfo event:
 * size, sha256 (OpenSSL EVP), gaps, completion state, and a type guess
 * from the first bytes (a small table of magic numbers, not libmagic).
 *
 * App stage, fed by http_body.c with decoded body bytes. A response body
 * is a file when it has at least one byte; a request body when the method
 * is POST or PUT (uploads), as in Suricata. The hash is kept only for a
 * body seen whole: a gap or a truncation drops it. A body's file is
 * hashed at close from its kept bytes, only when the digest is logged (see
 * struct http_file); a multipart part as its bytes come.
 */
#include <openssl/evp.h>
#include <string.h>
#include <strings.h>

#include "util/digest.h"
#include "app/http/http_int.h"

/* What an EVP_MD_CTX costs, roughly, for the memcap. */
#define MD_CTX_COST 512u
/* File bytes kept past the body's detection copy (none when the run's
 * body limit makes the copy as long as the file may be). */
static uint32_t tail_max(const struct http_state *st)
{
	uint32_t k = http_keep_max(st), t = http_track_max(st);
	return t > k ? t - k : 0;
}

int http_req_body_is_file(const struct http_tx *tx)
{
	return tx->method_id == HTTP_M_POST || tx->method_id == HTTP_M_PUT;
}

static void md_drop(struct http_state *st, struct http_file *f)
{
	if (f->md) {
		EVP_MD_CTX_free(f->md);
		http_mem_credit(st, MD_CTX_COST);
		f->md = NULL;
	}
}

static void md_start(struct http_state *st, struct http_file *f)
{
	EVP_MD_CTX *md;

	if (http_mem_charge(st, MD_CTX_COST) != 0)
		return;
	md = EVP_MD_CTX_new();
	if (!md || EVP_DigestInit_ex(md, kn_md(KN_SHA256), NULL) != 1) {
		EVP_MD_CTX_free(md);
		http_mem_credit(st, MD_CTX_COST);
		return;
	}
	f->md = md;
}

static void md_feed(struct http_state *st, struct http_file *f, const void *p, size_t n)
{
	if (f->md && n && EVP_DigestUpdate(f->md, p, n) != 1)
		md_drop(st, f);
}

/* Nothing of the file is kept for its hash any more. */
static void unkeep(struct http_state *st, struct http_file *f)
{
	f->head = NULL;
	http_buf_free(st, &f->tail);
}

/* Bytes of the file in its head (the rest are in its tail). */
static uint64_t head_len(const struct http_file *f)
{
	return f->size - f->tail.len;
}

void http_file_open(struct http_state *st, struct http_file *f)
{
	if (f->open || f->closed)
		return;
	f->open = 1;
	md_start(st, f);
}

void http_file_data(struct http_state *st, struct http_file *f, const uint8_t *data,
		    uint32_t len)
{
	if (f->closed || !len)
		return;
	http_file_open(st, f);
	f->size += len;
	md_feed(st, f, data, len);
}

/* The bytes so far could not all be kept: they are hashed now, and the
 * rest as they come. */
static void hash_now(struct http_state *st, struct http_file *f)
{
	const struct http_buf *head = f->head;

	md_start(st, f);
	md_feed(st, f, head->p, (size_t)head_len(f));
	md_feed(st, f, f->tail.p, f->tail.len);
	unkeep(st, f);
}

/* Whether data[0..len) is kept after the file's bytes so far: the caller
 * appended its first `kept` bytes to keep right after them, and the rest
 * goes to the tail, which only follows a full keep. */
static int keep_more(struct http_state *st, struct http_file *f, const struct http_buf *keep,
		     const uint8_t *data, uint32_t len, uint32_t kept)
{
	uint32_t rest = len > kept ? len - kept : 0, had = f->tail.len;

	if (f->tail.len == 0 && head_len(f) != keep->len - kept)
		return 0;   /* keep holds other bytes before these */
	if (!rest)
		return 1;
	if (keep->len < http_keep_max(st) || !tail_max(st))
		return 0;   /* keep refused bytes (memcap) */
	/* A file this long is mostly longer still: the tail is made whole at
	 * once (36 KiB, freed at close) rather than grown by copies. */
	if (!f->tail.cap)
		http_buf_reserve(st, &f->tail, tail_max(st), tail_max(st));
	if (http_buf_add(st, &f->tail, data + kept, rest, tail_max(st)) == rest)
		return 1;
	f->tail.len = had;   /* these bytes are hashed from data instead */
	return 0;
}

void http_file_body_data(struct http_state *st, struct http_file *f,
			 const struct http_buf *keep, const uint8_t *data, uint32_t len,
			 uint32_t kept)
{
	if (f->closed || !len)
		return;
	if (!f->open) {
		f->open = 1;
		f->head = keep;
	}
	if (f->head && keep_more(st, f, keep, data, len, kept)) {
		f->size += len;
		return;
	}
	if (f->head)
		hash_now(st, f);
	f->size += len;
	md_feed(st, f, data, len);
}

void http_file_gap(struct http_state *st, struct http_file *f, uint64_t len)
{
	if (f->closed)
		return;
	f->open = 1;
	f->gaps = 1;
	f->size += len;
	md_drop(st, f);
	unkeep(st, f);
}

/* The digest of the kept bytes, with the pool's context (or one made for
 * the call). */
static int hash_kept(struct http_state *st, struct http_file *f)
{
	EVP_MD_CTX *md = http_pool_md(st), *own = NULL;
	unsigned int n = 0;
	int ok;

	if (!md)
		md = own = EVP_MD_CTX_new();
	ok = md && EVP_DigestInit_ex(md, kn_md(KN_SHA256), NULL) == 1 &&
	     (!head_len(f) || EVP_DigestUpdate(md, f->head->p, (size_t)head_len(f)) == 1) &&
	     (!f->tail.len || EVP_DigestUpdate(md, f->tail.p, f->tail.len) == 1) &&
	     EVP_DigestFinal_ex(md, f->digest, &n) == 1 && n == 32;
	EVP_MD_CTX_free(own);
	return ok;
}

void http_file_close(struct http_state *st, struct http_file *f, int complete)
{
	unsigned int n = 0;

	if (f->closed)
		return;
	f->closed = 1;
	if (!f->open)
		return;
	f->truncated = !complete || f->gaps;
	if (!f->truncated && f->head)
		f->hash_ok = (uint8_t)hash_kept(st, f);
	else if (f->md && !f->truncated && EVP_DigestFinal_ex(f->md, f->digest, &n) == 1 &&
		 n == 32)
		f->hash_ok = 1;
	md_drop(st, f);
	unkeep(st, f);
}

void http_file_free(struct http_state *st, struct http_file *f)
{
	md_drop(st, f);
	unkeep(st, f);
}

/* ------------------------------------------------------------- magic */

static uint32_t le16(const uint8_t *p)
{
	return (uint32_t)p[0] | (uint32_t)p[1] << 8;
}

static uint32_t le32(const uint8_t *p)
{
	return le16(p) | le16(p + 2) << 16;
}

static const char *magic_pe(const uint8_t *p, size_t n)
{
	uint32_t off;
	int dll, plus;

	if (n < 0x40)
		return "MS-DOS executable";
	off = le32(p + 0x3c);
	if (off > n || n - off < 26 || memcmp(p + off, "PE\0\0", 4) != 0)
		return "MS-DOS executable";
	dll = (le16(p + off + 22) & 0x2000) != 0;
	plus = le16(p + off + 24) == 0x20b;
	if (plus)
		return dll ? "PE32+ executable (DLL)" : "PE32+ executable";
	return dll ? "PE32 executable (DLL)" : "PE32 executable";
}

static const char *magic_elf(const uint8_t *p, size_t n)
{
	if (n < 6)
		return "ELF";
	if (p[4] == 2)
		return p[5] == 2 ? "ELF 64-bit MSB" : "ELF 64-bit LSB";
	return p[5] == 2 ? "ELF 32-bit MSB" : "ELF 32-bit LSB";
}

static const char *magic_zip(const uint8_t *p, size_t n)
{
	if (memmem(p, n, "[Content_Types].xml", 19))
		return "Microsoft OOXML";
	if (memmem(p, n, "AndroidManifest.xml", 19))
		return "Android package (APK)";
	if (memmem(p, n, "META-INF/", 9))
		return "Java archive data (JAR)";
	return "Zip archive data";
}

struct magic_row {
	const char *sig;
	uint8_t len;
	const char *name;
};

static const struct magic_row rows[] = {
	{ "%PDF-", 5, "PDF document" },
	{ "\x1f\x8b", 2, "gzip compressed data" },
	{ "BZh", 3, "bzip2 compressed data" },
	{ "\xfd" "7zXZ\0", 6, "XZ compressed data" },
	{ "7z\xbc\xaf\x27\x1c", 6, "7-zip archive data" },
	{ "Rar!\x1a\x07", 6, "RAR archive data" },
	{ "MSCF\0\0\0\0", 8, "Microsoft Cabinet archive data" },
	{ "\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1", 8, "Composite Document File V2 Document" },
	{ "\x89PNG\r\n\x1a\n", 8, "PNG image data" },
	{ "\xff\xd8\xff", 3, "JPEG image data" },
	{ "GIF87a", 6, "GIF image data" },
	{ "GIF89a", 6, "GIF image data" },
	{ "\0\0\1\0", 4, "MS Windows icon resource" },
	{ "FWS", 3, "Macromedia Flash data" },
	{ "CWS", 3, "Macromedia Flash data (compressed)" },
	{ "{\\rtf", 5, "Rich Text Format data" },
	{ "\xfe\xed\xfa\xce", 4, "Mach-O executable" },
	{ "\xfe\xed\xfa\xcf", 4, "Mach-O 64-bit executable" },
	{ "\xce\xfa\xed\xfe", 4, "Mach-O executable" },
	{ "\xcf\xfa\xed\xfe", 4, "Mach-O 64-bit executable" },
	{ "\xca\xfe\xba\xbe", 4, "compiled Java class data" },
	{ "OggS", 4, "Ogg data" },
	{ "ID3", 3, "Audio file with ID3" },
	{ "#!", 2, "script text executable" },
};

static int ci_prefix(const uint8_t *p, size_t n, const char *s)
{
	size_t k = strlen(s);
	return n >= k && strncasecmp((const char *)p, s, k) == 0;
}

/* A control byte that text does not hold (tab, LF, FF, CR and ESC it
 * may). */
static int binary_ctl(uint8_t c)
{
	return c < 0x20 && c != '\t' && c != '\n' && c != '\r' && c != '\f' && c != 0x1b;
}

/* 0x80 in each byte of w equal to c, 0 in the others (exact: no carry
 * crosses bytes, the top bits are kept apart). */
static uint64_t bytes_eq(uint64_t w, uint8_t c)
{
	const uint64_t lows = 0x7f7f7f7f7f7f7f7full;
	uint64_t z = w ^ (0x0101010101010101ull * c);

	return ~(((z & lows) + lows) | z) & ~lows;
}

/* Whether p[0..n) holds a byte binary_ctl() refuses; else *high says
 * whether some byte is >= 0x80. Every file's first 4 KiB go through here,
 * so eight bytes are tested at a time: (w - 0x20 * ones) & ~w & tops is
 * non-zero exactly when some byte of w is below 0x20 (a borrow starts only
 * at such a byte). Text has such words often (line ends, tabs): for them,
 * the control bytes are marked exactly, ((w | tops) - 0x20 * ones) borrowing
 * inside no byte, and the ones text may hold are taken out. */
static int has_binary(const uint8_t *p, size_t n, int *high)
{
	const uint64_t ones = 0x0101010101010101ull, tops = 0x8080808080808080ull;
	uint64_t any = 0;
	size_t k = 0;

	for (; k + 8 <= n; k += 8) {
		uint64_t w, ctl;
		memcpy(&w, p + k, 8);
		any |= w;
		if (!((w - 0x20 * ones) & ~w & tops))
			continue;
		ctl = ~((w | tops) - 0x20 * ones) & ~w & tops;
		ctl &= ~(bytes_eq(w, '\t') | bytes_eq(w, '\n') | bytes_eq(w, '\r') |
			 bytes_eq(w, '\f') | bytes_eq(w, 0x1b));
		if (ctl)
			return 1;
	}
	for (; k < n; k++) {
		any |= p[k];
		if (binary_ctl(p[k]))
			return 1;
	}
	*high = (any & tops) != 0;
	return 0;
}

/* Text kinds: HTML, XML, JSON, or plain ASCII / UTF-8 text. */
static const char *magic_text(const uint8_t *p, size_t n)
{
	size_t i = 0, scan = n < 4096 ? n : 4096;
	int high = 0;

	if (n >= 3 && !memcmp(p, "\xef\xbb\xbf", 3))
		i = 3;
	if (i < scan && has_binary(p + i, scan - i, &high))
		return NULL;
	while (i < n && (p[i] == ' ' || p[i] == '\t' || p[i] == '\r' || p[i] == '\n'))
		i++;
	if (i < n && p[i] == '<') {
		if (ci_prefix(p + i, n - i, "<!doctype html") || ci_prefix(p + i, n - i, "<html") ||
		    ci_prefix(p + i, n - i, "<head") || ci_prefix(p + i, n - i, "<body") ||
		    ci_prefix(p + i, n - i, "<script") || ci_prefix(p + i, n - i, "<!--"))
			return "HTML document";
		if (ci_prefix(p + i, n - i, "<?xml"))
			return memmem(p, scan, "<svg", 4) ? "SVG Scalable Vector Graphics image"
							   : "XML document";
	}
	if (i < n && (p[i] == '{' || p[i] == '['))
		return "JSON data";
	return high ? "UTF-8 Unicode text" : "ASCII text";
}

const char *http_magic(const uint8_t *p, size_t n)
{
	const char *t;

	if (!p || !n)
		return NULL;
	if (n >= 2 && p[0] == 'M' && p[1] == 'Z')
		return magic_pe(p, n);
	if (n >= 4 && !memcmp(p, "\x7f" "ELF", 4))
		return magic_elf(p, n);
	if (n >= 4 && (!memcmp(p, "PK\3\4", 4) || !memcmp(p, "PK\5\6", 4)))
		return magic_zip(p, n);
	if (n >= 12 && !memcmp(p, "RIFF", 4) && !memcmp(p + 8, "WEBP", 4))
		return "RIFF (little-endian) data, Web/P image";
	/* The first byte rules out all rows but one or two. */
	for (size_t i = 0; i < sizeof rows / sizeof rows[0]; i++)
		if ((uint8_t)rows[i].sig[0] == p[0] && n >= rows[i].len &&
		    !memcmp(p, rows[i].sig, rows[i].len))
			return rows[i].name;
	t = magic_text(p, n);
	return t ? t : "data";
}
