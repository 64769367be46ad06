/*
 * ssh_log.c - what the SSH parser hands on: the "ssh" EVE body (Suricata 7:
 * "ssh": {"client": {"proto_version", "software_version"}, "server": {...}},
 * a side absent until its banner is seen), the named buffers, and the
 * software assets of both ends.
 *
 * App stage, called by ssh.c. Buffers: ssh.proto and ssh.software are
 * indexed by side (index 0 = the client's, 1 = the server's); ssh.hassh
 * (client) and ssh.hassh.server answer index 0 only, when that side's
 * KEXINIT was parsed.
 */
#include <ctype.h>
#include <string.h>

#include "app/ssh/ssh.h"
#include "util/json.h"

static void log_side(struct kn_json *j, const char *key, const struct ssh_dir *d)
{
	if (!d->have_banner)
		return;
	kn_json_open(j, key);
	kn_json_strn(j, "proto_version", d->banner + d->proto_off, d->proto_len);
	kn_json_strn(j, "software_version", d->banner + d->soft_off, d->soft_len);
	kn_json_close(j);
}

static void ssh_log_body(const struct kn_tx *tx, struct kn_json *j)
{
	const struct ssh_state *st = tx->priv;

	kn_json_open(j, "ssh");
	log_side(j, "client", &st->dir[0]);
	log_side(j, "server", &st->dir[1]);
	kn_json_close(j);
}

static int ssh_buffer(const struct kn_tx *tx, unsigned buf, unsigned index, const uint8_t **data,
		      uint32_t *len)
{
	const struct ssh_state *st = tx->priv;
	const struct ssh_dir *d;

	switch (buf) {
	case KN_BUF_SSH_PROTO:
	case KN_BUF_SSH_SOFTWARE:
		if (index > 1 || !st->dir[index].have_banner)
			return 0;
		d = &st->dir[index];
		*data = (const uint8_t *)d->banner +
			(buf == KN_BUF_SSH_PROTO ? d->proto_off : d->soft_off);
		*len = buf == KN_BUF_SSH_PROTO ? d->proto_len : d->soft_len;
		return 1;
	case KN_BUF_SSH_HASSH:
	case KN_BUF_SSH_HASSH_SERVER:
		d = &st->dir[buf == KN_BUF_SSH_HASSH ? 0 : 1];
		if (index != 0 || !d->have_hassh)
			return 0;
		*data = (const uint8_t *)d->hassh;
		*len = SSH_HASSH_HEX;
		return 1;
	default:
		return 0;
	}
}

void ssh_log_tx(struct kn_app_call *c, struct ssh_state *st)
{
	struct kn_tx tx = {
		.id = 0,
		.dir = 0,
		.log_tx_id = 1,
		.log = ssh_log_body,
		.buffer = ssh_buffer,
		.priv = st,
	};

	st->logged = 1;
	kn_app_log(c, &tx);
}

/* ------------------------------------------------------------ assets */

/* Copies n bytes of src as a NUL-terminated string, truncated to size,
 * lower-cased when `lower`. */
static void copy_text(char *dst, size_t size, const char *src, size_t n, int lower)
{
	size_t k = n < size - 1 ? n : size - 1;

	for (size_t i = 0; i < k; i++)
		dst[i] = lower ? (char)tolower((unsigned char)src[i]) : src[i];
	dst[k] = '\0';
}

void ssh_software_product(const char *soft, size_t len, char *product, size_t product_size,
			  char *version, size_t version_size)
{
	size_t cut = 0, v;

	while (cut < len && soft[cut] != '_' && soft[cut] != '-')
		cut++;
	copy_text(product, product_size, soft, cut, 1);
	if (cut == len) {
		version[0] = '\0';
		return;
	}
	/* The version starts at the first digit after the separator:
	 * "OpenSSH_for_Windows_7.7" -> "7.7", "PuTTY_Release_0.72" -> "0.72";
	 * without a digit it is everything after the separator. */
	v = cut + 1;
	while (v < len && !isdigit((unsigned char)soft[v]))
		v++;
	if (v == len)
		v = cut + 1;
	copy_text(version, version_size, soft + v, len - v, 0);
}

void ssh_report_asset(struct kn_app_call *c, const struct ssh_dir *d, int dir)
{
	char product[64], version[128];
	struct kn_asset a;

	if (!d->soft_len)
		return;
	ssh_software_product(d->banner + d->soft_off, d->soft_len, product, sizeof product,
			     version, sizeof version);
	memset(&a, 0, sizeof a);
	a.role = dir == 0 ? KN_ASSET_CLIENT : KN_ASSET_SERVER;
	a.service = "ssh";
	a.product = product[0] ? product : NULL;
	a.version = version[0] ? version : NULL;
	a.banner = d->banner;
	kn_app_asset(c, &a);
}
