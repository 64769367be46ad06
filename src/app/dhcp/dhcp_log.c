/*
 * dhcp_log.c - the "dhcp" EVE body (Suricata 7 field names and order) and
 * the named buffers of a DHCP transaction.
 *
 * App stage, called by dhcp.c while the datagram is at hand. Default
 * format: type, id, client_mac, assigned_ip, then in wire order
 * renewal_time, hostname and dhcp_type. Extended format adds client_ip,
 * relay_ip and next_server_ip (replies), and client_id, lease_time,
 * rebinding_time, subnet_mask, requested_ip, params, routers, dns_servers
 * and vendor_class_identifier. A key appears once (its first occurrence).
 * Buffers: dhcp.hostname (option 12) and dhcp.vendor_class_identifier
 * (option 60), index 0.
 */
#include <string.h>

#include "app/dhcp/dhcp.h"
#include "util/json.h"

/* Keys already written (bit per option code of interest). */
enum {
	SEEN_CLIENT_ID = 1 << 0,
	SEEN_LEASE = 1 << 1,
	SEEN_REBIND = 1 << 2,
	SEEN_RENEW = 1 << 3,
	SEEN_MASK = 1 << 4,
	SEEN_HOSTNAME = 1 << 5,
	SEEN_TYPE = 1 << 6,
	SEEN_REQUESTED = 1 << 7,
	SEEN_PARAMS = 1 << 8,
	SEEN_DNS = 1 << 9,
	SEEN_ROUTERS = 1 << 10,
	SEEN_VENDOR = 1 << 11,
};

/* "192.168.0.1", formatted by hand (snprintf costs more than the rest of
 * the record's values together). */
static void json_ip4(struct kn_json *j, const char *key, const uint8_t *p)
{
	char s[16];
	size_t k = 0;

	for (unsigned i = 0; i < 4; i++) {
		uint8_t v = p[i];
		if (i)
			s[k++] = '.';
		if (v >= 100)
			s[k++] = (char)('0' + v / 100);
		if (v >= 10)
			s[k++] = (char)('0' + v / 10 % 10);
		s[k++] = (char)('0' + v % 10);
	}
	kn_json_strn(j, key, s, k);
}

/* "00:11:32:17:49:f0" */
static void json_hex(struct kn_json *j, const char *key, const uint8_t *p, size_t n)
{
	static const char digits[] = "0123456789abcdef";
	char s[3 * 255 + 1];
	size_t k = 0;

	for (size_t i = 0; i < n && i < 255; i++) {
		if (i)
			s[k++] = ':';
		s[k++] = digits[p[i] >> 4];
		s[k++] = digits[p[i] & 15];
	}
	s[k] = '\0';
	kn_json_str(j, key, s);
}

static uint32_t be32(const uint8_t *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

static const char *type_name(int type)
{
	static const char *const names[] = { "unknown", "discover", "offer", "request",
					     "decline", "ack", "nak", "release", "inform" };

	return type >= 1 && type <= 8 ? names[type] : "unknown";
}

static const char *param_name(uint8_t code)
{
	switch (code) {
	case 1: return "subnet_mask";
	case 3: return "router";
	case 6: return "dns_server";
	case 15: return "domain";
	case 35: return "arp_timeout";
	case 42: return "ntp_server";
	case 66: return "tftp_server_name";
	case 150: return "tftp_server_ip";
	default: return NULL;
	}
}

static void json_ip4_list(struct kn_json *j, const char *key, const struct dhcp_opt *o)
{
	kn_json_open_array(j, key);
	for (unsigned i = 0; i + 4 <= o->len; i += 4)
		json_ip4(j, NULL, o->data + i);
	kn_json_close_array(j);
}

static void json_params(struct kn_json *j, const struct dhcp_opt *o)
{
	kn_json_open_array(j, "params");
	for (unsigned i = 0; i < o->len; i++) {
		const char *name = param_name(o->data[i]);
		if (name)
			kn_json_str(j, NULL, name);
	}
	kn_json_close_array(j);
}

/* Options logged in both formats. Returns 1 if handled. */
static int log_common_option(struct kn_json *j, const struct dhcp_opt *o, unsigned *seen)
{
	if (o->code == DHCP_OPT_RENEWAL_TIME && o->len == 4 && !(*seen & SEEN_RENEW)) {
		*seen |= SEEN_RENEW;
		kn_json_u64(j, "renewal_time", be32(o->data));
	} else if (o->code == DHCP_OPT_HOSTNAME && o->len && !(*seen & SEEN_HOSTNAME)) {
		*seen |= SEEN_HOSTNAME;
		kn_json_strn(j, "hostname", (const char *)o->data, o->len);
	} else if (o->code == DHCP_OPT_MESSAGE_TYPE && o->len == 1 && !(*seen & SEEN_TYPE)) {
		*seen |= SEEN_TYPE;
		kn_json_str(j, "dhcp_type", type_name(o->data[0]));
	} else {
		return 0;
	}
	return 1;
}

/* Options logged in the extended format only. */
static void log_extended_option(struct kn_json *j, const struct dhcp_opt *o, unsigned *seen)
{
	unsigned bit = 0;

	switch (o->code) {
	case DHCP_OPT_CLIENT_ID: bit = o->len >= 2 ? SEEN_CLIENT_ID : 0; break;
	case DHCP_OPT_LEASE_TIME: bit = o->len == 4 ? SEEN_LEASE : 0; break;
	case DHCP_OPT_REBINDING_TIME: bit = o->len == 4 ? SEEN_REBIND : 0; break;
	case DHCP_OPT_SUBNET_MASK: bit = o->len == 4 ? SEEN_MASK : 0; break;
	case DHCP_OPT_REQUESTED_IP: bit = o->len == 4 ? SEEN_REQUESTED : 0; break;
	case DHCP_OPT_PARAMS: bit = SEEN_PARAMS; break;
	case DHCP_OPT_ROUTERS: bit = o->len && o->len % 4 == 0 ? SEEN_ROUTERS : 0; break;
	case DHCP_OPT_DNS_SERVERS: bit = o->len && o->len % 4 == 0 ? SEEN_DNS : 0; break;
	case DHCP_OPT_VENDOR_CLASS: bit = o->len ? SEEN_VENDOR : 0; break;
	default: break;
	}
	if (!bit || (*seen & bit))
		return;
	*seen |= bit;
	switch (bit) {
	case SEEN_CLIENT_ID: json_hex(j, "client_id", o->data + 1, o->len - 1u); break;
	case SEEN_LEASE: kn_json_u64(j, "lease_time", be32(o->data)); break;
	case SEEN_REBIND: kn_json_u64(j, "rebinding_time", be32(o->data)); break;
	case SEEN_MASK: json_ip4(j, "subnet_mask", o->data); break;
	case SEEN_REQUESTED: json_ip4(j, "requested_ip", o->data); break;
	case SEEN_PARAMS: json_params(j, o); break;
	case SEEN_ROUTERS: json_ip4_list(j, "routers", o); break;
	case SEEN_DNS: json_ip4_list(j, "dns_servers", o); break;
	default:
		kn_json_strn(j, "vendor_class_identifier", (const char *)o->data, o->len);
		break;
	}
}

void dhcp_log_json(const struct dhcp_msg *m, struct kn_json *j, int extended)
{
	const uint8_t *p = m->pkt;
	struct dhcp_opt o;
	uint32_t off = DHCP_OPTIONS_OFF;
	unsigned seen = 0;

	kn_json_open(j, "dhcp");
	kn_json_str(j, "type", m->op == 1 ? "request" : "reply");
	kn_json_u64(j, "id", m->xid);
	json_hex(j, "client_mac", p + DHCP_CHADDR_OFF, m->hlen);
	if (extended) {
		json_ip4(j, "client_ip", p + 12);
		if (m->op == 2) {
			json_ip4(j, "relay_ip", p + 24);
			json_ip4(j, "next_server_ip", p + 20);
		}
	}
	json_ip4(j, "assigned_ip", p + 16);
	while (dhcp_next_option(m, &off, &o)) {
		if (!log_common_option(j, &o, &seen) && extended)
			log_extended_option(j, &o, &seen);
	}
	kn_json_close(j);
}

/* ------------------------------------------------------ transaction */

static void dhcp_tx_log(const struct kn_tx *tx, struct kn_json *j)
{
	dhcp_log_json(tx->priv, j, 0);
}

static int dhcp_buffer(const struct kn_tx *tx, unsigned buf, unsigned index, const uint8_t **data,
		       uint32_t *len)
{
	const struct dhcp_msg *m = tx->priv;
	const struct dhcp_opt *o;

	if (index != 0)
		return 0;
	if (buf == KN_BUF_DHCP_HOSTNAME)
		o = &m->hostname;
	else if (buf == KN_BUF_DHCP_VENDOR_CLASS)
		o = &m->vendor_class;
	else
		return 0;
	if (!o->len)
		return 0;
	*data = o->data;
	*len = o->len;
	return 1;
}

void dhcp_log_tx(struct kn_app_call *c, const struct dhcp_msg *m, uint64_t id, int dir)
{
	struct kn_tx tx = {
		.id = id,
		.dir = (uint8_t)dir,
		.log = dhcp_tx_log,
		.buffer = dhcp_buffer,
		.priv = m,
	};

	kn_app_log(c, &tx);
}
