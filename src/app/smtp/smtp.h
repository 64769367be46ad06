/*
 * smtp.h - private structures of the SMTP parser (src/app/smtp), shared by
 * smtp.c (lines, commands, replies, transactions), smtp_mime.c (the message
 * after DATA: headers, multipart structure, attachment names) and
 * smtp_log.c (EVE body, named buffers, server asset).
 *
 * A transaction is one mail: it starts with the first command after the
 * previous one completed and ends at the end of its DATA, at a 250 reply
 * to RSET or a 220 reply to STARTTLS (Suricata 7's rule; a QUIT after a
 * mail is a transaction of its own, logged at flow end), or at the end of
 * the LAST BDAT chunk (where Suricata 7 keeps the transaction open and
 * merges the next mail's envelope into it). HELO is a
 * property of the session, logged with every transaction. Strings kept by a
 * transaction live in one arena charged to the app memcap.
 */
#ifndef KN_APP_SMTP_H
#define KN_APP_SMTP_H

#include <stdint.h>

#include "kenchi/app.h"

#define SMTP_LINE_MAX 4096        /* command/reply line bytes (CR LF excluded) */
#define SMTP_TX_ARENA_MAX 65536   /* bytes of strings one transaction keeps */
#define SMTP_RCPT_MAX 128         /* RCPT TO values kept per transaction */
#define SMTP_ATTACH_MAX 64        /* attachment names kept per transaction */
#define SMTP_CMDQ_MAX 64          /* pipelined commands awaiting their reply */
#define SMTP_BANNER_MAX 256       /* greeting text kept for the asset */

#define MIME_HEADER_NAME_MAX 75   /* longer: MIME_LONG_HEADER_NAME */
#define MIME_HEADER_VALUE_MAX 2000 /* kept (Suricata's header-value-depth) */
#define MIME_BOUNDARY_MAX 254     /* longer: MIME_LONG_BOUNDARY, parsing stops */
#define MIME_FILENAME_MAX 255     /* longer: MIME_LONG_FILENAME, truncated */
#define MIME_DEPTH_MAX 8          /* nested multiparts followed */
#define MIME_LINE_MAX 998         /* RFC 5322: longer is MIME_LONG_LINE */
#define MIME_ENC_LINE_MAX 76      /* RFC 2045: longer encoded line is MIME_LONG_ENC_LINE */

/* Email parse status, as Suricata names it in "email.status". */
enum smtp_mail_status {
	MAIL_HEADER_READY = 0,   /* DATA accepted, nothing received yet */
	MAIL_HEADER_STARTED,     /* inside a header block */
	MAIL_BODY_STARTED,       /* inside a body */
	MAIL_PARSE_DONE,         /* the message ended with "." */
	MAIL_PARSE_ERROR,        /* a second DATA before the end, or an unusable boundary */
};

/* A string in a transaction's arena. */
struct smtp_str {
	uint32_t off, len;
};

struct smtp_tx {
	uint64_t id;
	uint8_t done;            /* complete: logged at once */
	uint8_t logged;
	uint8_t has_mail_from;
	uint8_t has_msg;         /* DATA was accepted (or pipelined): "email" is logged */
	uint8_t msg_rejected;    /* ... but refused before any line of it */
	uint8_t has_from, has_to, has_cc;
	uint8_t status;          /* enum smtp_mail_status */
	struct smtp_str mail_from, from, to, cc;
	uint16_t n_rcpt, n_attach;
	struct smtp_str rcpt[SMTP_RCPT_MAX];
	struct smtp_str attach[SMTP_ATTACH_MAX];
	char *arena;             /* charged: arena_cap bytes */
	uint32_t arena_len, arena_cap;
};

/* Per-entity facts gathered from a header block. */
struct mime_entity {
	uint8_t multipart;       /* Content-Type: multipart/... */
	uint8_t rfc822;          /* Content-Type: message/rfc822 */
	uint8_t encoded;         /* base64 or quoted-printable */
	uint8_t has_filename;    /* from Content-Disposition */
	uint8_t has_name;        /* from Content-Type */
	uint16_t boundary_len;
	char boundary[MIME_BOUNDARY_MAX + 1];
	char filename[MIME_FILENAME_MAX + 1];
	char name[MIME_FILENAME_MAX + 1];
	uint16_t filename_len, name_len;
};

/* The message being received (allocated at DATA, freed at its end). */
struct smtp_mime {
	uint8_t in_header;       /* reading a header block */
	uint8_t top;             /* that block is the message's own */
	uint8_t failed;          /* structure unusable: only the end is looked for */
	uint8_t depth;           /* boundaries on the stack */
	uint8_t part_encoded;    /* the current body is base64/quoted-printable */
	uint8_t hdr_keep;        /* the current header is one we read */
	uint8_t hdr_kind;        /* which one */
	uint16_t events;         /* MIME anomalies already reported (bit per kind) */
	uint8_t has_pend;        /* a part's file name waits for the part's end */
	uint16_t pend_len;
	uint32_t hval_len;
	char pend[MIME_FILENAME_MAX];
	struct mime_entity ent;
	char hval[MIME_HEADER_VALUE_MAX];
	struct {
		uint16_t len;
		char b[MIME_BOUNDARY_MAX];
	} stack[MIME_DEPTH_MAX];
};

/* Commands remembered until their reply. */
enum smtp_cmd {
	CMD_OTHER = 0,
	CMD_HELO,
	CMD_DATA,
	CMD_DATA_END,            /* the end of the message, answered like a command */
	CMD_BDAT,
	CMD_RSET,
	CMD_STARTTLS,
};

/* One direction's partial line. */
struct smtp_linebuf {
	uint8_t *buf;            /* SMTP_LINE_MAX bytes, allocated on first need */
	uint32_t len;            /* bytes kept */
	uint32_t total;          /* bytes of the line so far (kept or not) */
	uint8_t last;            /* last byte seen (CR detection past the kept part) */
};

struct smtp_state {
	struct smtp_tx tx;       /* the current (or last) transaction */
	uint8_t has_tx;
	uint64_t tx_count;
	struct smtp_linebuf lines[2];
	char *helo;              /* charged: helo_len + 1 bytes when set */
	uint32_t helo_len;
	uint8_t has_helo;
	uint8_t data_mode;       /* client lines are message lines */
	uint8_t pipelining;      /* the server announced PIPELINING */
	uint8_t first_reply;     /* a complete server reply (the greeting) was seen */
	uint8_t warned_welcome;  /* NO_SERVER_WELCOME_MESSAGE reported */
	uint8_t tls;             /* STARTTLS accepted: nothing more is parsed */
	uint8_t stopped[2];      /* a direction is no longer parsed */
	uint64_t bdat_left;      /* BDAT chunk bytes still to skip */
	uint8_t bdat_last;       /* the chunk is the LAST one */
	uint8_t cmdq[SMTP_CMDQ_MAX];
	uint8_t cmdq_head, cmdq_len;
	uint16_t banner_len;
	char banner[SMTP_BANNER_MAX + 1];
	struct smtp_mime *mime;  /* charged */
};

/* smtp.c */
/* Appends bytes to the transaction's arena; 0, or -1 when the arena is full
 * or the memcap refuses (the value is then dropped). */
int smtp_tx_store(struct kn_app_call *c, struct smtp_tx *tx, const char *p, size_t n,
		  struct smtp_str *out);

/* smtp_mime.c */
int smtp_mime_begin(struct kn_app_call *c, struct smtp_state *st);
/* One message line (CR LF removed, dot-stuffing undone): `len` bytes kept
 * of a line of `total` bytes. */
void smtp_mime_line(struct kn_app_call *c, struct smtp_state *st, const uint8_t *line,
		    uint32_t len, uint32_t total);
/* The message ended ("." line) or was abandoned; frees the MIME state. */
void smtp_mime_end(struct kn_app_call *c, struct smtp_state *st, int complete);
/* Frees the MIME state without reading anything more from it (no event,
 * nothing stored): for state_free, after the transaction was logged. */
void smtp_mime_free(struct kn_app_call *c, struct smtp_state *st);

/* smtp_log.c */
void smtp_log_tx(struct kn_app_call *c, struct smtp_state *st);
void smtp_report_server(struct kn_app_call *c, const struct smtp_state *st);
/* Product and version of a greeting ("220 mx ESMTP Exim 4.92 ..." ->
 * "exim", "4.92"); 0 when unknown. Exposed for the tests. */
int smtp_greeting_product(const char *text, size_t len, char *product, size_t product_size,
			  char *version, size_t version_size);

#endif
