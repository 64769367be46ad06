/*
 * ssh_kex.c - SSH_MSG_KEXINIT (RFC 4253 7.1) name-lists and the HASSH
 * fingerprint of each side (salesforce/hassh): the MD5 of
 * "kex_algorithms;encryption;mac;compression", where the client uses its
 * client_to_server lists and the server its server_to_client lists.
 *
 * App stage, called by ssh.c with the complete KEXINIT payload (bounded by
 * SSH_PACKET_MAX). Every length is checked against the payload.
 */
#include <openssl/evp.h>
#include <string.h>

#include "util/digest.h"
#include "app/ssh/ssh.h"

#define KEXINIT_COOKIE 16
#define KEXINIT_LISTS 10

/* Name-list indexes in KEXINIT order. */
enum {
	LIST_KEX = 0,
	LIST_HOSTKEY = 1,
	LIST_ENC_C2S = 2,
	LIST_ENC_S2C = 3,
	LIST_MAC_C2S = 4,
	LIST_MAC_S2C = 5,
	LIST_COMP_C2S = 6,
	LIST_COMP_S2C = 7,
};

struct name_list {
	const uint8_t *p;
	uint32_t len;
};

/* Splits the payload into its name-lists; -1 when one runs past the end. */
static int split_lists(const uint8_t *p, uint32_t len, struct name_list lists[KEXINIT_LISTS])
{
	uint32_t off = KEXINIT_COOKIE;

	if (len < KEXINIT_COOKIE)
		return -1;
	for (unsigned i = 0; i < KEXINIT_LISTS; i++) {
		uint32_t n;
		if (len - off < 4)
			return -1;
		n = (uint32_t)p[off] << 24 | (uint32_t)p[off + 1] << 16 |
		    (uint32_t)p[off + 2] << 8 | p[off + 3];
		off += 4;
		if (n > len - off)
			return -1;
		lists[i].p = p + off;
		lists[i].len = n;
		off += n;
	}
	return 0;
}

static void hex32(const unsigned char md[16], char out[SSH_HASSH_HEX + 1])
{
	static const char digits[] = "0123456789abcdef";

	for (unsigned i = 0; i < 16; i++) {
		out[2 * i] = digits[md[i] >> 4];
		out[2 * i + 1] = digits[md[i] & 15];
	}
	out[SSH_HASSH_HEX] = '\0';
}

int ssh_kexinit_hassh(const uint8_t *p, uint32_t len, int dir, char out[SSH_HASSH_HEX + 1])
{
	struct name_list lists[KEXINIT_LISTS];
	const int pick_c2s[4] = { LIST_KEX, LIST_ENC_C2S, LIST_MAC_C2S, LIST_COMP_C2S };
	const int pick_s2c[4] = { LIST_KEX, LIST_ENC_S2C, LIST_MAC_S2C, LIST_COMP_S2C };
	const int *pick = dir ? pick_s2c : pick_c2s;
	unsigned char md[EVP_MAX_MD_SIZE];
	unsigned md_len = 0;
	EVP_MD_CTX *ctx;
	int ok;

	if (split_lists(p, len, lists) != 0)
		return -1;
	ctx = EVP_MD_CTX_new();
	if (!ctx)
		return -1;
	ok = EVP_DigestInit_ex(ctx, kn_md(KN_MD5), NULL) == 1;
	for (unsigned i = 0; ok && i < 4; i++) {
		if (i)
			ok = EVP_DigestUpdate(ctx, ";", 1) == 1;
		if (ok && lists[pick[i]].len)
			ok = EVP_DigestUpdate(ctx, lists[pick[i]].p, lists[pick[i]].len) == 1;
	}
	ok = ok && EVP_DigestFinal_ex(ctx, md, &md_len) == 1 && md_len == 16;
	EVP_MD_CTX_free(ctx);
	if (!ok)
		return -1;
	hex32(md, out);
	return 0;
}
