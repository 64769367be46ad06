/*
 * http_int.h - private structures of the HTTP/1.x parser (src/app/http):
 * the per-flow state, one direction's framing state, a transaction (one
 * request/response pair), its messages (line, headers) and bodies (framing,
 * content decoding, kept bytes, file metadata), and the functions the files
 * of this folder share.
 *
 * Files, in reading order: http.c (registration, probe, transactions,
 * memory), http_conn.c (the per-direction state machine: messages, body
 * framing, pairing, tunnels), http_line.c (lines out of stream chunks),
 * http_msg.c (request/status lines and headers), http_text.c
 * (the header value and line tests the files share), http_uri.c (URI and
 * Host parsing and normalisation), http_body.c (content decoding, kept
 * bytes), http_file.c (file metadata: size, sha256, magic),
 * http_multipart.c (uploads), http_log.c (EVE http/fileinfo bodies and
 * named buffers), http_asset.c (software seen in Server and User-Agent),
 * http_pool.c (the per-worker pool of buffer blocks, decoders).
 *
 * Every buffer has a maximum stated below and is charged to the app-layer
 * memcap through http_buf_*; a refused charge drops what would have been
 * kept, never the parse.
 */
#ifndef KN_APP_HTTP_INT_H
#define KN_APP_HTTP_INT_H

#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "kenchi/app.h"

/* ------------------------------------------------------------ limits */

#define HTTP_LINE_MAX (16u * 1024)        /* request/status line; longer: event, direction stops */
#define HTTP_HDR_BYTES_MAX (64u * 1024)   /* header bytes kept per message */
#define HTTP_RAW_FIRST 512u               /* first capacity of a message's header block */
#define HTTP_HDR_COUNT_MAX 256u           /* headers kept per message */
#define HTTP_ARENA_MAX (2u * HTTP_HDR_BYTES_MAX) /* names, values and merged values */
#define HTTP_CHUNK_LINE_MAX 1024u         /* a chunk-size line longer than this is invalid */
#define HTTP_BODY_KEEP (64u * 1024)       /* decoded body bytes kept per direction */
/* Decoded bytes of a body tracked as a file (size, sha256): Suricata's
 * default request/response-body-limit, so that fileinfo agrees. */
#define HTTP_FILE_TRACK_MAX (100u * 1024)
#define HTTP_DECODE_MAX (1u << 20)        /* decoded bytes produced per body */
#define HTTP_BODY_LIMIT_MAX (64u << 20)   /* largest http_body_limit honoured */
#define HTTP_RATIO_FREE (64u * 1024)      /* output allowed before the ratio cap applies */
#define HTTP_RATIO_MAX 1000u              /* decoded/encoded bytes past HTTP_RATIO_FREE */
#define HTTP_CODINGS_MAX 8u               /* content-coding layers decoded at most (the
					    * limit is the config's, 2 by default as libhtp's) */
#define HTTP_TX_MAX 64u                   /* transactions pending per flow */
#define HTTP_ASSETS_SEEN 16u              /* assets remembered per flow (dedup) */

/* --------------------------------------------------------- byte buffer */

/* A growable byte buffer with a caller-given maximum; capacity is charged
 * to the app-layer memcap. */
struct http_buf {
	uint8_t *p;
	uint32_t len, cap;
};

struct http_state;
struct http_decoder;
struct kn_json;

/* Per-worker pool of freed blocks (http_pool.c; the parser's per-context
 * state): buffers of 128 B .. 64 KiB (powers of two) come back to it when
 * freed and serve the next transaction, instead of malloc/realloc/free
 * each time (~25 blocks per transaction). Bounds: HTTP_POOL_PER_CLASS
 * blocks per size and HTTP_POOL_BYTES in all (at most 1/16 of the app
 * memcap), pooled bytes charged to the memcap as per-context memory. */
#define HTTP_POOL_MIN_SHIFT 7u          /* 128 bytes */
#define HTTP_POOL_CLASSES 10u           /* .. 64 KiB */
#define HTTP_POOL_PER_CLASS 64u
#define HTTP_POOL_BYTES (1u << 20)
#define HTTP_POOL_DECODERS 4u           /* content decoders with their inflate states */

struct http_pool {
	void *blocks[HTTP_POOL_CLASSES][HTTP_POOL_PER_CLASS];
	uint32_t n[HTTP_POOL_CLASSES];
	size_t bytes, budget;      /* pooled bytes (charged); their maximum */
	uint64_t reused, allocated;
	struct http_decoder *decoders[HTTP_POOL_DECODERS];   /* kept (http_body.c) */
	uint8_t n_decoders;
	void *md;                  /* EVP_MD_CTX reused for files hashed at close */
	struct kn_json *obj;       /* scratch document of http_log.c */
};

int http_pool_init(void *pctx, const struct kn_app_config *cfg);
void http_pool_free(void *pctx);
/* A block of `size` bytes (contents undefined), from the pool when it has
 * one, else kn_malloc; NULL when out of memory. Not charged here: the
 * caller charges the flow for it (http_mem_charge) as for any memory. */
void *http_block_alloc(struct http_state *st, size_t size);
/* Gives a block of `size` bytes back (to the pool when it takes it).
 * NULL is a no-op. */
void http_block_free(struct http_state *st, void *p, size_t size);
/* The per-worker EVP_MD_CTX for one-off digests (made on first use), or
 * NULL (no pool, out of memory): the caller then makes its own. */
void *http_pool_md(struct http_state *st);
/* The per-worker scratch JSON document (made on first use, at most
 * HTTP_POOL_JSON_MAX bytes), or NULL. */
#define HTTP_POOL_JSON_MAX (64u * 1024)
struct kn_json *http_pool_json(struct http_state *st);

uint32_t http_buf_add_grow(struct http_state *st, struct http_buf *b, const void *d,
			   uint32_t n, uint32_t max);

/* Appends up to n bytes (d NULL: leaves them undefined), never growing
 * past max bytes; returns the bytes appended (fewer when max or the memcap
 * is reached). Inline for the common case, bytes that fit the capacity;
 * http_buf_add_grow() does the rest. */
static inline uint32_t http_buf_add(struct http_state *st, struct http_buf *b, const void *d,
				    uint32_t n, uint32_t max)
{
	if (n && b->len <= max && n <= max - b->len && n <= b->cap - b->len) {
		if (d)
			memcpy(b->p + b->len, d, n);
		b->len += n;
		return n;
	}
	return http_buf_add_grow(st, b, d, n, max);
}
void http_buf_free(struct http_state *st, struct http_buf *b);
/* Grows b at once to the capacity that appending n bytes would reach
 * (never past max); when the memcap refuses, b is left as it is (quietly:
 * appending reports it). */
void http_buf_reserve(struct http_state *st, struct http_buf *b, uint32_t n, uint32_t max);
/* Charge/credit helpers for other owned memory (0 or -KN_ENOMEM). */
int http_mem_charge(struct http_state *st, size_t n);
void http_mem_credit(struct http_state *st, size_t n);

/* ------------------------------------------------------------ messages */

/* The headers the parser itself reads, named when they are added so that
 * finding one is an index, not a scan of the message's names. */
enum http_hdr_id {
	HTTP_H_OTHER = 0,
	/* kept even past the header limits: they decide framing and decoding */
	HTTP_H_CONTENT_LENGTH, HTTP_H_TRANSFER_ENCODING, HTTP_H_CONTENT_ENCODING,
	HTTP_H_CONTENT_TYPE, HTTP_H_HOST,
	HTTP_H_USER_AGENT, HTTP_H_SERVER, HTTP_H_X_FORWARDED_FOR, HTTP_H_CONTENT_RANGE,
	HTTP_H_REFERER, HTTP_H_LOCATION, HTTP_H_CONTENT_DISPOSITION, HTTP_H_COOKIE,
	HTTP_H_SET_COOKIE,
	HTTP_H_COUNT
};

/* http_hdr.flags */
#define HTTP_HDR_REPEATED 1u       /* a later header of the same name was merged in */
#define HTTP_HDR_NAME_RAW 2u       /* the name is in the message's raw block, not its arena */
#define HTTP_HDR_VALUE_RAW 4u      /* the value is in the raw block */

struct http_hdr {
	uint32_t name_off, value_off, value_len;
	uint16_t name_len;
	uint8_t flags;             /* HTTP_HDR_* */
	uint8_t id;                /* enum http_hdr_id of its name */
};

/* The line and headers of a request or a response. A header's name and
 * value are read where they lie in the raw block as received when they
 * can be (no copy), else they are copied to the arena (folded lines,
 * trailers, merged repeats, a raw block past its limit). */
struct http_msg {
	struct http_buf line;      /* request/status line, terminator removed */
	struct http_buf raw;       /* header block as received (http.header.raw) */
	struct http_buf arena;     /* header names and values not read from raw */
	struct http_buf cooked;    /* "Name: value\r\n" per header, cookies excluded */
	uint32_t arena_virt;       /* arena bytes the raw-read headers stand for (limits) */
	struct http_hdr *hdr;
	uint16_t n_hdr, cap_hdr;
	uint16_t by_id[HTTP_H_COUNT];   /* 1 + index in hdr of each named header, 0 none */
	uint64_t other_lens;       /* bit len % 64: some HTTP_H_OTHER header has a name that long
				    * (a repeat needs a scan of the names only then) */
	uint8_t overflow;          /* a limit dropped headers (event sent once) */
	uint8_t bad_fold;          /* invalid folding seen (event sent once) */
	uint8_t cook;              /* 1 + dir: `cooked` is to be made from the headers */
	/* made when detection first reads them (http_msg_names/_start), again
	 * when headers were added since (trailers) */
	struct http_buf names;     /* http.header_names: "\r\n" + each name + "\r\n", "\r\n" */
	struct http_buf start;     /* http.start: line "\r\n", "Name: value\r\n"..., "\r\n" */
	uint16_t names_hdrs, start_hdrs;   /* 1 + n_hdr they were made from, 0 not made */
};

/* A named header: the merged value (repeats joined with ", ",
 * Content-Length keeps the first), or NULL. */
static inline const struct http_hdr *http_hdr_find(const struct http_msg *m,
						   enum http_hdr_id id)
{
	return m->by_id[id] ? &m->hdr[m->by_id[id] - 1] : NULL;
}
static inline const uint8_t *http_hdr_value(const struct http_msg *m, const struct http_hdr *h)
{
	const uint8_t *base = h->flags & HTTP_HDR_VALUE_RAW ? m->raw.p : m->arena.p;

	return base ? base + h->value_off : (const uint8_t *)"";
}
static inline const uint8_t *http_hdr_name(const struct http_msg *m, const struct http_hdr *h)
{
	const uint8_t *base = h->flags & HTTP_HDR_NAME_RAW ? m->raw.p : m->arena.p;

	return base ? base + h->name_off : (const uint8_t *)"";
}

/* --------------------------------------------------------------- bodies */

struct http_decoder;

/* File metadata of a body (EVE fileinfo).
 *
 * The sha256 is logged only for a file that closes whole, and about half
 * of the bytes of files are in files that do not (cut at
 * HTTP_FILE_TRACK_MAX, gaps, unfinished bodies): a body's file is hashed
 * at close, from its kept copy, only when the digest will be logged. The
 * copy is the body's detection bytes (`head`: http_body.keep, whose first
 * bytes are the file's first bytes) and, past them, `tail`, freed at
 * close. When a byte cannot be kept (memcap), the file falls back to
 * hashing as bytes come (`md`), as a multipart part always does. */
struct http_file {
	void *md;                  /* EVP_MD_CTX hashing as bytes come, else NULL */
	const struct http_buf *head;   /* hashed at close: the kept first bytes; NULL: not */
	struct http_buf tail;      /* hashed at close: the file's bytes past head */
	uint64_t size;             /* decoded bytes, gaps included */
	uint8_t open;              /* some body byte (or gap) was seen */
	uint8_t gaps;              /* a stream gap hit the body */
	uint8_t truncated;         /* the body did not complete, or decoding stopped */
	uint8_t hash_ok;           /* digest is the sha256 of the whole body */
	uint8_t closed;
	uint8_t at_limit;          /* HTTP_FILE_TRACK_MAX reached: more data truncates */
	uint8_t logged;            /* its fileinfo event was written */
	uint8_t digest[32];
};

/* One direction's body of a transaction. */
struct http_body {
	struct http_buf keep;      /* first HTTP_BODY_KEEP decoded bytes */
	struct http_file file;
	struct http_decoder *dec;  /* content decoding, NULL = identity */
	uint64_t wire_len;         /* message bytes (chunk framing included), EVE "length" */
	uint64_t expect;           /* Content-Length, 0 when unknown (sizes `keep` at once) */
	uint64_t dec_in, dec_out;  /* encoded bytes in, decoded bytes out */
	uint8_t dec_stopped;       /* a decoding limit was hit: nothing more is decoded */
	uint8_t done;              /* framing complete */
	uint8_t ended;             /* closed: the file is final */
};

/* multipart/form-data uploads (http_multipart.c) */
#define HTTP_MP_FILES 8u
#define HTTP_MP_BOUNDARY_MAX 70u
#define HTTP_MP_LINE_MAX 1024u
#define HTTP_MP_NAME_MAX 256u
#define HTTP_MP_HEAD 1024u                 /* first bytes of a part kept for its magic */

struct http_mp_file {
	struct http_file file;
	uint16_t name_len, head_len;
	uint8_t name[HTTP_MP_NAME_MAX];
	uint8_t head[HTTP_MP_HEAD];
};

struct http_mp {
	uint8_t delim[4 + HTTP_MP_BOUNDARY_MAX];   /* "\r\n--" boundary */
	uint8_t carry[4 + HTTP_MP_BOUNDARY_MAX];   /* delimiter prefix ending the last chunk */
	uint8_t delim_len, carry_len;
	uint8_t st, has_name, full_reported, at_limit;
	int8_t cur;                                /* file of the current part, -1 none */
	uint8_t n_files;
	uint16_t name_len, line_len;
	uint64_t fed;                              /* body bytes given to the parser */
	uint8_t name[HTTP_MP_NAME_MAX];            /* filename of the part being read */
	uint8_t line[HTTP_MP_LINE_MAX];            /* part header line being read */
	struct http_mp_file f[HTTP_MP_FILES];
};

/* ------------------------------------------------------------ transactions */

/* The URI of a transaction made for a response without request (libhtp's
 * words, kept for EVE agreement). */
#define HTTP_URI_NOT_SEEN "/libhtp::request_uri_not_seen"

enum http_method_id {
	HTTP_M_UNKNOWN = 0, HTTP_M_GET, HTTP_M_HEAD, HTTP_M_POST, HTTP_M_PUT, HTTP_M_CONNECT,
	HTTP_M_OTHER_KNOWN,        /* a method libhtp knows (matters for pipelining) */
};

/* Protocol versions as numbers (libhtp-like): absent = 0.9. */
enum { HTTP_P_INVALID = -2, HTTP_P_09 = 9, HTTP_P_10 = 100, HTTP_P_11 = 101 };

struct http_span {
	uint32_t off, len;
	uint8_t set;
};

struct http_tx {
	struct http_tx *next;
	uint64_t id;
	struct http_msg req, res;
	/* request line (spans into req.line) */
	struct http_span method, uri, proto;
	int16_t req_proto, res_proto;
	uint8_t method_id;
	/* derived when the request headers complete */
	struct http_buf host;      /* lower-case hostname (from URI or Host) */
	struct http_buf uri_norm;  /* normalised path [?query][#fragment] */
	uint32_t path_len;         /* bytes of uri_norm that are the path */
	uint8_t has_host, has_path;
	int32_t port;              /* EVE http_port: -1 none; 0 while headers incomplete */
	int32_t uri_port;          /* port of the URI's authority, -1 none */
	/* response line (spans into res.line) */
	struct http_span rproto, status, smsg;
	int32_t status_num;        /* 100..999, -1 invalid */
	/* progress */
	uint8_t req_hdrs_done, req_done;
	uint8_t res_hdrs_done, res_done;
	uint8_t uri_not_seen;      /* made for a response without request */
	uint8_t seen_100, n_interim;
	uint8_t logged;
	struct http_body body[2];  /* [0] request, [1] response */
	struct http_mp *mp;        /* multipart request body, NULL otherwise */
};

/* -------------------------------------------------------- direction state */

enum http_st {
	HTTP_ST_IDLE = 0,   /* between messages: the next byte starts one */
	HTTP_ST_LINE,       /* request/status line */
	HTTP_ST_HEADERS,    /* header lines (also trailers, see `trailers`) */
	HTTP_ST_BODY_CL,    /* Content-Length body */
	HTTP_ST_CHUNK_LEN,  /* chunk-size line */
	HTTP_ST_CHUNK_DATA, /* chunk data */
	HTTP_ST_CHUNK_END,  /* the line end after chunk data */
	HTTP_ST_BODY_CLOSE, /* body until the direction closes */
	HTTP_ST_FINALIZE,   /* message done: decides whether what follows is a new message */
	HTTP_ST_WAIT,       /* request side after CONNECT: waits for the response */
	HTTP_ST_TUNNEL,     /* not HTTP any more (CONNECT 2xx, 101): ignored */
	HTTP_ST_DEAD,       /* unrecoverable: ignored */
};

struct http_dir {
	uint8_t st;
	uint8_t trailers;          /* HEADERS state is reading chunked trailers */
	uint8_t cur_over;          /* the line being assembled passed its limit */
	uint8_t cur_done;          /* cur holds a line already returned: cleared on next use */
	uint8_t eof;               /* the direction ended */
	uint8_t dir;               /* 0 = request side, 1 = response side */
	uint8_t lfcr;              /* the last line taken ended with LF CR (http_msg.c) */
	struct http_tx *tx;        /* message being parsed (NULL when idle) */
	struct http_buf cur;       /* partial line across chunks */
	struct http_buf fold;      /* current header line, continuations appended */
	uint32_t fold_off;         /* ... or, when fold_raw, its place in the raw block */
	uint32_t fold_len;
	uint8_t fold_set, fold_raw;
	uint64_t left;             /* bytes left in a CL body or a chunk */
	uint32_t hdr_bytes;        /* header bytes seen in this message */
	uint32_t lines;            /* lines http_take_line returned: progress of a step using no byte */
	uint32_t n_lines;          /* header lines seen in this message */
};

struct http_state {
	struct kn_app_call *c;     /* the current parser call (valid during one call only) */
	struct http_pool *pool;    /* the worker's pool (kn_app_parser_ctx), used during calls */
	struct http_tx *head, *tail;
	struct http_tx *res_next;  /* first tx whose response has not started */
	uint64_t next_id;
	uint32_t n_tx;
	struct http_dir d[2];
	uint32_t assets_seen[HTTP_ASSETS_SEEN];
	uint8_t n_assets;
	uint8_t nomem_reported;
};

/* ------------------------------------------------------------- http.c */

void http_event(struct http_state *st, int dir, const char *event);
/* A new transaction at the end of the list (NULL: limit or memcap). */
struct http_tx *http_tx_new(struct http_state *st);
/* Logs and frees every transaction whose both messages are complete, or
 * every transaction when `all` (flow end). */
void http_try_log(struct http_state *st, int all);

/* --------------------------------------------------------- http_conn.c */

/* Stream bytes, a gap, or the end of direction dir. */
void http_conn_data(struct http_state *st, int dir, const uint8_t *data, uint32_t len);
void http_conn_gap(struct http_state *st, int dir, uint64_t len);
void http_conn_eof(struct http_state *st, int dir);
/* Method id of a request method token. */
uint8_t http_method_lookup(const uint8_t *m, size_t n);

/* ------------------------------------------------ http_line.c, http_msg.c */

/* Collects one line from data[0..len): returns 1 with *line, *line_len (the
 * terminator and trailing CRs removed, borrowed until the next call) and
 * *used bytes consumed, or 0 when the line continues past len (all bytes
 * consumed and kept, up to `max`). *raw_len is the line's length with its
 * terminator. `mode` (HTTP_EOL_*): which bytes end a line, see http_line.c. */
enum { HTTP_EOL_LF = 0, HTTP_EOL_STATUS = 1, HTTP_EOL_HEADER = 2 };
int http_take_line(struct http_state *st, struct http_dir *d, const uint8_t *data, uint32_t len,
		   uint32_t max, int mode, uint32_t *used, const uint8_t **line, uint32_t *line_len,
		   uint32_t *raw_len);
void http_parse_request_line(struct http_state *st, struct http_tx *tx, const uint8_t *line,
			     uint32_t len);
void http_parse_status_line(struct http_state *st, struct http_tx *tx, const uint8_t *line,
			    uint32_t len);
/* One header line (terminator removed; raw: as received) of the current
 * message; returns 1 when it ends the headers. next_is_lf: the byte after
 * it is an LF. */
int http_header_line(struct http_state *st, struct http_dir *d, struct http_msg *m,
		     const uint8_t *line, uint32_t len, uint32_t raw_len, const uint8_t *raw,
		     int next_is_lf);
/* The header line still pending in d (it could have had continuation
 * lines) is added to m now: the stream ended in the headers. */
void http_headers_flush(struct http_state *st, struct http_dir *d, struct http_msg *m);
/* The headers of m are complete (dir: its direction): http.header, the
 * cooked block, is what they are now. It is made when first read
 * (http_msg_cooked), or before a later header (trailers) changes them. */
void http_msg_finish(struct http_msg *m, int dir);
/* The cooked block of m (made now if it is pending). */
const struct http_buf *http_msg_cooked(struct http_state *st, struct http_msg *m);
/* http.header_names and http.start of m, made on first use (a block cut
 * short by the memory limits stays short). */
const struct http_buf *http_msg_names(struct http_state *st, struct http_msg *m);
const struct http_buf *http_msg_start(struct http_state *st, struct http_msg *m);
/* The value of the first header named name (lower-case, any case in the
 * message) among those without an id (HTTP_H_OTHER), or NULL. */
const struct http_hdr *http_hdr_find_name(const struct http_msg *m, const char *name);
void http_msg_free(struct http_state *st, struct http_msg *m);

/* --------------------------------------------------------- http_text.c */

/* Lenient Content-Length (libhtp): the first run of digits, whatever
 * surrounds it (*junk set then); -1 when there is none or it overflows. */
int64_t http_parse_content_length(const uint8_t *v, size_t n, int *junk);
/* Header value tests as libhtp makes them: case-insensitive, NUL bytes of
 * the value ignored; needle/s in lower case. */
int http_value_has(const uint8_t *v, size_t n, const char *needle);
int http_value_is(const uint8_t *v, size_t n, const char *s);
/* Whether a line's first token is a method libhtp knows / looks like a
 * status line ("HTTP" after whitespace, any case). */
int http_line_is_request(const uint8_t *line, uint32_t len);
int http_line_is_response(const uint8_t *line, uint32_t len);

/* ---------------------------------------------------------- http_uri.c */

/* The request URI u[0..n) (authority form for CONNECT): the normalised
 * URI, and the host and port it names (after the request line). */
void http_uri_parse(struct http_state *st, struct http_tx *tx, const uint8_t *u, size_t n,
		    int connect);
/* Host and port once the request headers are complete: the URI's, else
 * the Host header's. */
void http_host_derive(struct http_state *st, struct http_tx *tx);
/* Content-Range "unit start-end/size": fields set to -1 when absent;
 * returns 0 when it parses. */
int http_content_range(const uint8_t *v, size_t n, int64_t *start, int64_t *end,
		       int64_t *size);
/* filename="..." of a Content-Disposition value; 1 when found. */
int http_disposition_filename(const uint8_t *v, size_t n, const uint8_t **name,
			      size_t *name_len);

/* --------------------------------------------------------- http_body.c */

/* (http.c) Decoded body bytes kept for detection / tracked as a file, per message:
 * HTTP_BODY_KEEP / HTTP_FILE_TRACK_MAX, or both the run's http_body_limit
 * when it sets one (the file is then hashed from the kept bytes alone). */
uint32_t http_keep_max(const struct http_state *st);
uint32_t http_track_max(const struct http_state *st);

/* Prepares tx->body[dir] from the message headers: content decoding. */
void http_body_start(struct http_state *st, struct http_tx *tx, int dir);
/* Message-body bytes (after framing): decoded and handed to the file. */
void http_body_data(struct http_state *st, struct http_tx *tx, int dir, const uint8_t *data,
		    uint32_t len);
/* A gap of len bytes inside the body. */
void http_body_gap(struct http_state *st, struct http_tx *tx, int dir, uint64_t len);
/* The body ended (complete = framing finished normally). */
void http_body_end(struct http_state *st, struct http_tx *tx, int dir, int complete);
void http_body_free(struct http_state *st, struct http_body *b);
/* Frees the decoders a pool keeps (worker end). */
void http_decoders_free(struct http_pool *pool);

/* --------------------------------------------------------- http_file.c */

/* The file exists (even with no byte yet) / decoded body bytes / a gap of
 * len decoded bytes (0 when unknown) / the body ended (complete: all of it
 * was seen). */
void http_file_open(struct http_state *st, struct http_file *f);
void http_file_data(struct http_state *st, struct http_file *f, const uint8_t *data,
		    uint32_t len);
/* A body's file bytes data[0..len), of which the caller has just appended
 * the first `kept` to `keep` (its detection copy, up to HTTP_BODY_KEEP):
 * hashed at close from keep and the file's own tail (see struct
 * http_file). */
void http_file_body_data(struct http_state *st, struct http_file *f,
			 const struct http_buf *keep, const uint8_t *data, uint32_t len,
			 uint32_t kept);
void http_file_gap(struct http_state *st, struct http_file *f, uint64_t len);
void http_file_close(struct http_state *st, struct http_file *f, int complete);
void http_file_free(struct http_state *st, struct http_file *f);
/* A short description of the file type from its first bytes, or NULL. */
const char *http_magic(const uint8_t *p, size_t n);
/* Whether a request body of this tx is a file (POST, PUT). */
int http_req_body_is_file(const struct http_tx *tx);

/* ----------------------------------------------------- http_multipart.c */

/* A request whose headers say multipart/form-data: tx->mp is set up. */
void http_mp_start(struct http_state *st, struct http_tx *tx);
/* Decoded request body bytes / the body ended / free. */
void http_mp_data(struct http_state *st, struct http_tx *tx, const uint8_t *p, uint32_t n);
void http_mp_end(struct http_state *st, struct http_tx *tx, int complete);
void http_mp_free(struct http_state *st, struct http_tx *tx);

/* ---------------------------------------------------------- http_log.c */

/* Logs tx: the http event, then the fileinfo events not written yet. */
void http_log_tx(struct http_state *st, struct http_tx *tx);
/* Writes the fileinfo event of body dir now (a file truncated early). */
void http_log_file(struct http_state *st, struct http_tx *tx, int dir);

/* -------------------------------------------------------- http_asset.c */

void http_assets(struct http_state *st, struct http_tx *tx, int dir);

#endif
