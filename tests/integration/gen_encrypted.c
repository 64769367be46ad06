/*
 * gen_encrypted.c - writes the capture of test_sig.py's encryption case
 * with the traffic builder: the same marker, "KENCHI-MARK", in clear and in
 * the encrypted part of three TCP sessions. Same bytes on every run.
 *
 *   gen_encrypted OUT.pcap
 *
 * Sessions (client 10.9.0.2, each request segment ACKed, then each
 * response segment ACKed, 200-byte segments):
 *   1. TLS to 10.9.0.10:443: ClientHello + a 0-RTT application data record
 *      (before the ServerHello: still inspected), then the server flight
 *      and a 1,000-byte application data record, a marker every 100 bytes
 *      (5 segments after the one with the record header).
 *   2. SSH to 10.9.0.11:22: banner, KEXINIT, NEWKEYS, 400 bytes of
 *      "ciphertext" with markers from each side; the client's comes before
 *      the server's NEWKEYS (inspected), the server's after both.
 *   3. A plain TCP session to 10.9.0.12:9000 with the same markers in
 *      clear (inspected whatever the mode).
 */
#include <stdio.h>
#include <string.h>

#include "appmsg.h"
#include "craft.h"
#include "pcapw.h"

#define T0 1793527200000000000ULL /* 2026-11-01T10:00:00Z */
#define MS 1000000ULL
#define MARK "KENCHI-MARK"

struct buf {
	uint8_t b[4096];
	size_t n;
};

static void put(struct buf *b, const void *p, size_t n)
{
	if (b->n + n <= sizeof b->b) {
		memcpy(b->b + b->n, p, n);
		b->n += n;
	}
}

static void put32(struct buf *b, uint32_t v)
{
	uint8_t x[4] = { (uint8_t)(v >> 24), (uint8_t)(v >> 16), (uint8_t)(v >> 8), (uint8_t)v };
	put(b, x, 4);
}

/* n bytes of filler with a marker every 100 bytes. */
static void marked(struct buf *b, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		uint8_t c = (uint8_t)(0x80 + (i * 37) % 97);
		if (i % 100 == 10 && i + sizeof MARK - 1 <= n) {
			put(b, MARK, sizeof MARK - 1);
			i += sizeof MARK - 2;
			continue;
		}
		put(b, &c, 1);
	}
}

/* One SSH binary packet (RFC 4253 6) with 4 bytes of zero padding. */
static void ssh_packet(struct buf *b, const uint8_t *payload, size_t n)
{
	static const uint8_t pad[4];
	put32(b, (uint32_t)(n + 5));
	put(b, "\x04", 1);
	put(b, payload, n);
	put(b, pad, sizeof pad);
}

static void ssh_side(struct buf *b, const char *banner)
{
	static const char *lists[10] = { "curve25519-sha256", "ssh-ed25519", "aes128-ctr",
					 "aes128-ctr", "hmac-sha2-256", "hmac-sha2-256", "none",
					 "none", "", "" };
	struct buf k = { .n = 0 };
	static const uint8_t newkeys = 21, ecdh[] = { 30, 0, 0, 0, 2, 'k', 'k' };

	put(b, banner, strlen(banner));
	put(&k, "\x14" "0123456789abcdef", 17);   /* KEXINIT, cookie */
	for (int i = 0; i < 10; i++) {
		put32(&k, (uint32_t)strlen(lists[i]));
		put(&k, lists[i], strlen(lists[i]));
	}
	put(&k, "\0\0\0\0\0", 5);   /* first_kex_packet_follows, reserved */
	ssh_packet(b, k.b, k.n);
	ssh_packet(b, ecdh, sizeof ecdh);
	ssh_packet(b, &newkeys, 1);
	marked(b, 400);
}

int main(int argc, char **argv)
{
	static struct buf req, resp;
	char err[KN_ERRBUF_SIZE];
	uint8_t rec[5] = { 0x17, 0x03, 0x03, 0, 0 };

	if (argc != 2 || argv[1][0] == '-') {
		fprintf(stderr, "usage: gen_encrypted OUT.pcap\n\nWrites test_sig.py's capture of "
				"sessions with a marker in clear and encrypted (see the comment at "
				"the top of tests/integration/gen_encrypted.c).\n");
		return argc == 2 && !strcmp(argv[1], "--help") ? 0 : 2;
	}
	struct kn_pcapw *w = kn_pcapw_open(argv[1], KN_PCAPW_PCAP_US, 1, 65535, err);
	if (!w) {
		fprintf(stderr, "gen_encrypted: %s\n", err);
		return 1;
	}
	static const uint16_t ciphers[] = { 0xc02f, 0xc030 };
	struct kn_craft_session s = {
		.client = "10.9.0.2", .server = "10.9.0.10", .client_port = 41000,
		.server_port = 443, .client_isn = 1000, .server_isn = 5000, .mss = 200,
		.start_ns = T0,
	};

	/* 1. TLS */
	req.n = kn_tls_client_hello(req.b, sizeof req.b, "mark.example", ciphers, 2, 0);
	rec[3] = 0, rec[4] = 100;
	put(&req, rec, 5);
	marked(&req, 100);
	resp.n = kn_tls_server_flight(resp.b, sizeof resp.b, 0x0303, 0xc02f, NULL, 0);
	rec[3] = 1000 >> 8, rec[4] = 1000 & 0xff;
	put(&resp, rec, 5);
	marked(&resp, 1000);
	s.request = req.b, s.request_len = req.n, s.response = resp.b, s.response_len = resp.n;
	kn_craft_tcp_session(&s, kn_craft_emit_pcapw, w);

	/* 2. SSH */
	req.n = resp.n = 0;
	ssh_side(&req, "SSH-2.0-OpenSSH_9.6\r\n");
	ssh_side(&resp, "SSH-2.0-OpenSSH_9.6\r\n");
	s.server = "10.9.0.11", s.client_port = 41001, s.server_port = 22;
	s.start_ns = T0 + 1000 * MS;
	s.request = req.b, s.request_len = req.n, s.response = resp.b, s.response_len = resp.n;
	kn_craft_tcp_session(&s, kn_craft_emit_pcapw, w);

	/* 3. clear */
	req.n = resp.n = 0;
	marked(&req, 400);
	marked(&resp, 1000);
	s.server = "10.9.0.12", s.client_port = 41002, s.server_port = 9000;
	s.start_ns = T0 + 2000 * MS;
	s.request = req.b, s.request_len = req.n, s.response = resp.b, s.response_len = resp.n;
	kn_craft_tcp_session(&s, kn_craft_emit_pcapw, w);

	if (kn_pcapw_close(w) != 0) {
		fprintf(stderr, "gen_encrypted: cannot write %s\n", argv[1]);
		return 1;
	}
	return 0;
}
