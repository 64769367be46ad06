/*
 * dhcp.h - private interface of the DHCP parser (src/app/dhcp), shared by
 * dhcp.c (BOOTP header, options, transactions, assets) and dhcp_log.c (EVE
 * body and named buffers).
 *
 * Each datagram is one message and one transaction, parsed in place: a
 * struct dhcp_msg points into the datagram and lives for the parse call.
 */
#ifndef KN_APP_DHCP_H
#define KN_APP_DHCP_H

#include <stdint.h>

#include "kenchi/app.h"

#define DHCP_FIXED_LEN 236       /* BOOTP header up to the options (RFC 2131 2) */
#define DHCP_OPTIONS_OFF 240     /* after the magic cookie 99.130.83.99 */
#define DHCP_CHADDR_OFF 28

/* RFC 2132 option codes the parser reads. */
enum {
	DHCP_OPT_PAD = 0,
	DHCP_OPT_SUBNET_MASK = 1,
	DHCP_OPT_ROUTERS = 3,
	DHCP_OPT_DNS_SERVERS = 6,
	DHCP_OPT_HOSTNAME = 12,
	DHCP_OPT_REQUESTED_IP = 50,
	DHCP_OPT_LEASE_TIME = 51,
	DHCP_OPT_MESSAGE_TYPE = 53,
	DHCP_OPT_SERVER_ID = 54,
	DHCP_OPT_PARAMS = 55,
	DHCP_OPT_RENEWAL_TIME = 58,
	DHCP_OPT_REBINDING_TIME = 59,
	DHCP_OPT_VENDOR_CLASS = 60,
	DHCP_OPT_CLIENT_ID = 61,
	DHCP_OPT_END = 255,
};

#define DHCP_TYPE_ACK 5

/* One option as found on the wire. */
struct dhcp_opt {
	uint8_t code;
	uint8_t len;
	const uint8_t *data;
};

/* A parsed message; pointers into the datagram. The options area is
 * [DHCP_OPTIONS_OFF, opts_end): every option in it is complete. */
struct dhcp_msg {
	const uint8_t *pkt;
	uint32_t len;
	uint32_t opts_end;
	uint8_t op;               /* 1 BOOTREQUEST, 2 BOOTREPLY */
	uint8_t hlen;             /* chaddr bytes used (at most 16) */
	int type;                 /* option 53, or -1 */
	uint32_t xid;
	struct dhcp_opt hostname, vendor_class;   /* first occurrence; len 0 if absent */
};

/* Parses a datagram into m (no copy). Returns -1 when it is not a DHCP
 * message, else a mask of DHCP_TRUNCATED (an option runs past the end: the
 * options before it are kept) and DHCP_MALFORMED (a known option has an
 * impossible length: it is ignored). */
#define DHCP_TRUNCATED 1
#define DHCP_MALFORMED 2
int dhcp_msg_parse(struct dhcp_msg *m, const uint8_t *p, uint32_t len);

/* Steps through the options of m from *off (start at DHCP_OPTIONS_OFF):
 * returns 1 with *o set (pads skipped), 0 at the end. */
int dhcp_next_option(const struct dhcp_msg *m, uint32_t *off, struct dhcp_opt *o);

/* dhcp_log.c: the "dhcp" object of Suricata 7's EVE record; extended = 0 is
 * its default format (what the reference configuration logs), 1 the
 * extended one (client/relay/next-server addresses and every option). */
void dhcp_log_json(const struct dhcp_msg *m, struct kn_json *j, int extended);
void dhcp_log_tx(struct kn_app_call *c, const struct dhcp_msg *m, uint64_t id, int dir);

#endif
