/*
 * dhcp.c - the DHCP parser: BOOTP header (RFC 2131) and options (RFC 2132)
 * of each datagram, one transaction per message.
 *
 * App stage (UDP). A datagram is checked (length, op, htype/hlen, magic
 * cookie), then its options are walked once within the datagram: pads
 * skipped, END stops, an option whose length runs past the end stops the
 * walk (TRUNCATED_OPTIONS), a known option with an impossible length is
 * ignored (MALFORMED_OPTIONS). Option overload (52) is not followed: sname
 * and file are never read as options.
 *
 * Output follows Suricata 7's default dhcp logger, which the reference
 * configuration uses: only DHCPACK messages become EVE records (the
 * IP/MAC binding); the other messages are parsed for anomalies and assets
 * but not logged. A client message naming itself (option 12) or its vendor
 * class (option 60) is a CLIENT asset of service "dhcp", reported when it
 * differs from the last one reported on the flow.
 */
#include <string.h>

#include "app/dhcp/dhcp.h"

static const uint8_t magic_cookie[4] = { 99, 130, 83, 99 };

struct dhcp_state {
	uint64_t messages;
	uint64_t last_asset;   /* hash of the last asset reported (0: none) */
};

/* ------------------------------------------------------------ probe */

/* 1 when the fixed header is plausible BOOTP with the DHCP cookie. */
static int header_ok(const uint8_t *p, uint32_t len)
{
	if (len < DHCP_OPTIONS_OFF)
		return 0;
	if (p[0] != 1 && p[0] != 2)
		return 0;
	if (p[1] == 0 || p[1] > 40 || p[2] == 0 || p[2] > 16)   /* htype (IANA), hlen */
		return 0;
	return memcmp(p + DHCP_FIXED_LEN, magic_cookie, 4) == 0;
}

static int dhcp_probe(const uint8_t *data, uint32_t len, int dir, unsigned ipproto)
{
	(void)dir;
	if (ipproto != 17)
		return KN_PROBE_NO;
	return header_ok(data, len) ? KN_PROBE_YES : KN_PROBE_NO;
}

/* ---------------------------------------------------------- options */

int dhcp_next_option(const struct dhcp_msg *m, uint32_t *off, struct dhcp_opt *o)
{
	uint32_t i = *off;

	while (i < m->opts_end && m->pkt[i] == DHCP_OPT_PAD)
		i++;
	if (i >= m->opts_end || m->pkt[i] == DHCP_OPT_END || m->opts_end - i < 2 ||
	    (uint32_t)m->pkt[i + 1] > m->opts_end - i - 2) {
		*off = m->opts_end;
		return 0;
	}
	o->code = m->pkt[i];
	o->len = m->pkt[i + 1];
	o->data = m->pkt + i + 2;
	*off = i + 2 + o->len;
	return 1;
}

/* 1 when a known option's length is impossible (RFC 2132 sizes). */
static int option_malformed(const struct dhcp_opt *o)
{
	switch (o->code) {
	case DHCP_OPT_MESSAGE_TYPE:
		return o->len != 1;
	case DHCP_OPT_SUBNET_MASK:
	case DHCP_OPT_REQUESTED_IP:
	case DHCP_OPT_SERVER_ID:
	case DHCP_OPT_LEASE_TIME:
	case DHCP_OPT_RENEWAL_TIME:
	case DHCP_OPT_REBINDING_TIME:
		return o->len != 4;
	case DHCP_OPT_ROUTERS:
	case DHCP_OPT_DNS_SERVERS:
		return o->len == 0 || o->len % 4 != 0;
	case DHCP_OPT_CLIENT_ID:
		return o->len < 2;
	default:
		return 0;
	}
}

/* Keeps the facts of one option read by dhcp_msg_parse(); 1 if malformed. */
static int take_option(struct dhcp_msg *m, const struct dhcp_opt *o)
{
	if (option_malformed(o))
		return 1;
	if (o->code == DHCP_OPT_MESSAGE_TYPE && m->type < 0)
		m->type = o->data[0];
	else if (o->code == DHCP_OPT_HOSTNAME && !m->hostname.len)
		m->hostname = *o;
	else if (o->code == DHCP_OPT_VENDOR_CLASS && !m->vendor_class.len)
		m->vendor_class = *o;
	return 0;
}

int dhcp_msg_parse(struct dhcp_msg *m, const uint8_t *p, uint32_t len)
{
	uint32_t i = DHCP_OPTIONS_OFF;
	int problems = 0;

	memset(m, 0, sizeof *m);
	m->pkt = p;
	m->len = len;
	m->type = -1;
	if (!header_ok(p, len))
		return -1;
	m->op = p[0];
	m->hlen = p[2];
	m->xid = (uint32_t)p[4] << 24 | (uint32_t)p[5] << 16 | (uint32_t)p[6] << 8 | p[7];
	/* One walk finds where the complete options end (END, an option
	 * running past the datagram, or its end) and reads them on the way:
	 * dhcp_next_option() then steps through the same options. */
	while (i < len) {
		struct dhcp_opt o;
		if (p[i] == DHCP_OPT_PAD) {
			i++;
			continue;
		}
		if (p[i] == DHCP_OPT_END)
			break;
		if (len - i < 2 || (uint32_t)p[i + 1] > len - i - 2) {
			problems |= DHCP_TRUNCATED;
			break;
		}
		o.code = p[i];
		o.len = p[i + 1];
		o.data = p + i + 2;
		i += 2u + o.len;
		if (take_option(m, &o))
			problems |= DHCP_MALFORMED;
	}
	m->opts_end = i;
	return problems;
}

/* ----------------------------------------------------------- assets */

/* Option text up to its first NUL, as a C string. */
static void option_text(const struct dhcp_opt *o, char *out, size_t size)
{
	size_t n = 0;

	while (n < o->len && n < size - 1 && o->data[n])
		n++;
	if (n)
		memcpy(out, o->data, n);
	out[n] = '\0';
}

static uint64_t fnv1a(uint64_t h, const uint8_t *p, size_t n)
{
	for (size_t i = 0; i < n; i++)
		h = (h ^ p[i]) * 0x100000001b3ull;
	return h;
}

/* The address the client has (ciaddr) or asks for (option 50), so the
 * asset names the host rather than the 0.0.0.0 it sends from. */
static int client_address(const struct dhcp_msg *m, struct kn_addr *out)
{
	static const uint8_t zero[4];
	struct dhcp_opt o;
	uint32_t off = DHCP_OPTIONS_OFF;

	memset(out, 0, sizeof *out);
	if (m->len >= 16 && memcmp(m->pkt + 12, zero, 4) != 0) {
		memcpy(out->b, m->pkt + 12, 4);
		return 1;
	}
	while (dhcp_next_option(m, &off, &o)) {
		if (o.code == 50 && o.len == 4) {
			memcpy(out->b, o.data, 4);
			return 1;
		}
	}
	return 0;
}

static void report_asset(struct kn_app_call *c, struct dhcp_state *st, const struct dhcp_msg *m)
{
	char hostname[256], vendor[256];
	struct kn_asset a;
	struct kn_addr host;
	uint64_t h = 0xcbf29ce484222325ull;

	if (m->op != 1 || (!m->hostname.len && !m->vendor_class.len))
		return;
	h = fnv1a(h, m->pkt + DHCP_CHADDR_OFF, 16);
	h = fnv1a(h, m->hostname.data, m->hostname.len);
	h = fnv1a(h, (const uint8_t *)"\0", 1);
	h = fnv1a(h, m->vendor_class.data, m->vendor_class.len);
	h |= 1;
	if (h == st->last_asset)
		return;
	st->last_asset = h;
	option_text(&m->hostname, hostname, sizeof hostname);
	option_text(&m->vendor_class, vendor, sizeof vendor);
	memset(&a, 0, sizeof a);
	a.role = KN_ASSET_CLIENT;
	a.service = "dhcp";
	a.hostname = hostname[0] ? hostname : NULL;
	a.product = vendor[0] ? vendor : NULL;
	if (client_address(m, &host)) {
		a.host = &host;
		a.host_ip_version = 4;
	}
	kn_app_asset(c, &a);
}

/* ------------------------------------------------------- callbacks */

static void dhcp_parse(void *state, struct kn_app_call *c, int dir, const uint8_t *data,
		       uint32_t len, unsigned flags)
{
	struct dhcp_state *st = state;
	struct dhcp_msg m;
	int problems;

	if (!data || !len || (flags & KN_APP_GAP))
		return;
	problems = dhcp_msg_parse(&m, data, len);
	if (problems < 0) {
		kn_app_event(c, dir, "MALFORMED_DATA");
		return;
	}
	if (problems & DHCP_TRUNCATED)
		kn_app_event(c, dir, "TRUNCATED_OPTIONS");
	if (problems & DHCP_MALFORMED)
		kn_app_event(c, dir, "MALFORMED_OPTIONS");
	report_asset(c, st, &m);
	if (m.type == DHCP_TYPE_ACK)
		dhcp_log_tx(c, &m, st->messages, dir);
	st->messages++;
}

const struct kn_app_parser kn_app_parser_dhcp = {
	.name = "dhcp",
	.ipprotos = KN_APP_UDP,
	.ports = { 67, 68 },
	.probe = dhcp_probe,
	.state_size = sizeof(struct dhcp_state),
	.parse = dhcp_parse,
};
