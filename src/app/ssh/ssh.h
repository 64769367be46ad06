/*
 * ssh.h - private structures of the SSH parser (src/app/ssh), shared by
 * ssh.c (identification lines and the binary packet framing), ssh_kex.c
 * (KEXINIT name-lists and HASSH) and ssh_log.c (EVE body, named buffers,
 * software assets).
 *
 * One transaction per connection: the two identification strings (RFC 4253
 * 4.2) and the HASSH of each side's first KEXINIT (buffers only: Suricata
 * 7's default EVE record has no hassh member), logged once when both sides
 * are done or at flow end.
 */
#ifndef KN_APP_SSH_H
#define KN_APP_SSH_H

#include <stdint.h>

#include "kenchi/app.h"

#define SSH_BANNER_MAX 255       /* bytes of an identification line kept (CR LF excluded) */
#define SSH_PREBANNER_MAX 8192   /* bytes of other lines tolerated before the banner */
#define SSH_PACKET_MAX 35000     /* largest binary packet accepted (RFC 4253 6.1) */
#define SSH_SKIP_PACKETS_MAX 8   /* packets other than KEXINIT skipped before giving up */
#define SSH_HASSH_HEX 32

enum ssh_phase {
	SSH_BANNER = 0,   /* reading lines until "SSH-..." */
	SSH_PKT_HEAD,     /* packet_length, padding_length and message code */
	SSH_PKT_KEXINIT,  /* collecting the KEXINIT payload */
	SSH_PKT_SKIP,     /* skipping the rest of another packet */
	SSH_DONE,         /* nothing more to learn in this direction */
};

/* One direction (0: from the client, 1: from the server). */
struct ssh_dir {
	uint8_t phase;            /* enum ssh_phase */
	uint8_t discard_line;     /* the current line overflowed: skipping to LF */
	uint8_t have_banner;
	uint8_t have_hassh;
	uint8_t kex_seen;         /* its KEXINIT went by: framing on, looking for NEWKEYS */
	uint8_t newkeys;          /* NEWKEYS seen: encrypted from here on */
	uint8_t warned_prebanner; /* INVALID_BANNER reported for stray client lines */
	uint8_t head_len;
	uint8_t head[6];          /* uint32 packet_length, padding_length, message code */
	uint16_t line_len;
	uint16_t banner_len;
	uint16_t proto_off, proto_len;  /* within banner */
	uint16_t soft_off, soft_len;
	uint32_t prebanner;       /* bytes of lines before the banner */
	uint32_t pkt_left;        /* bytes of the current packet still to skip or collect */
	uint32_t body_len;        /* KEXINIT: payload bytes after the message code */
	uint32_t body_got;
	uint8_t *body;            /* KEXINIT payload (charged to the app memcap) */
	unsigned packets;         /* packets skipped (other than KEXINIT, NEWKEYS) */
	uint8_t line[SSH_BANNER_MAX];
	char banner[SSH_BANNER_MAX + 1];  /* the identification line, NUL-terminated */
	char hassh[SSH_HASSH_HEX + 1];
};

struct ssh_state {
	struct ssh_dir dir[2];
	uint8_t logged;
};

/* ssh_kex.c: the KEXINIT payload after the message code (cookie and
 * name-lists). Writes the HASSH of direction dir (0: client lists
 * "c2s", 1: server lists "s2c") as 32 lower-case hex digits and a NUL.
 * Returns 0, or -1 when a name-list runs past the payload. */
int ssh_kexinit_hassh(const uint8_t *p, uint32_t len, int dir, char out[SSH_HASSH_HEX + 1]);

/* ssh_log.c */
void ssh_log_tx(struct kn_app_call *c, struct ssh_state *st);
void ssh_report_asset(struct kn_app_call *c, const struct ssh_dir *d, int dir);
/* Product and version from a software_version such as "OpenSSH_7.4p1"
 * ("openssh", "7.4p1"); writes NUL-terminated strings (version may be
 * empty). Exposed for the tests. */
void ssh_software_product(const char *soft, size_t len, char *product, size_t product_size,
			  char *version, size_t version_size);

#endif
