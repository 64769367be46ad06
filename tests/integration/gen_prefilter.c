/*
 * gen_prefilter.c - writes the capture of test_sig.py's prefilter case
 * with the traffic builder: payloads on chosen ports for the port classes,
 * an HTTP and a plain session for the app-protocol classes, a content whose
 * fast pattern is cut (sig_build.c fp_cut) whole and only as the cut part,
 * and numbered markers for a padded database. Same bytes on every run.
 *
 *   gen_prefilter OUT.pcap
 *
 * UDP datagrams from 10.9.2.2 to 10.9.2.10 (client port 40000 unless
 * said), each alone in its flow:
 *   :5093 and :53  "z" + 11 zero bytes + "tail"      (the whole content)
 *   40010 -> 5093  "z" + 7 zero bytes + "tail"       (only the cut prefix)
 *   5093 -> 40001, 5094 -> 40002   "SRC-PORT-MARK"
 *   :1005, :2000, :1011            "RANGE-MARK"
 *   7000 -> 40003                  "BIDIR-MARK"
 *   :54, :53 (client 40004)        "NEG-MARK"
 * TCP sessions from 10.9.2.2 to 10.9.2.20:
 *   41000 -> 445, 41001 -> 8445    "SMB-MARK" request
 *   41002 -> 8080                  HTTP GET /APP-MARK, 200 response
 *   41003 -> 9001                  "APP-MARK plain" (not HTTP)
 *   41004 -> 9002                  "FILL-123"
 */
#include <stdio.h>
#include <string.h>

#include "craft.h"
#include "pcapw.h"

#define T0 1793527200000000000ULL /* 2026-11-01T10:00:00Z */
#define MS 1000000ULL

static const uint8_t mac_a[6] = { 2, 0, 0, 0, 0, 2 };
static const uint8_t mac_b[6] = { 2, 0, 0, 0, 0, 10 };

static uint64_t now = T0;

static void udp(struct kn_pcapw *w, uint16_t sport, uint16_t dport, const void *p, size_t n)
{
	struct kn_craft c;
	kn_craft_init(&c);
	kn_craft_eth(&c, mac_a, mac_b);
	kn_craft_ipv4(&c, "10.9.2.2", "10.9.2.10", 17);
	kn_craft_udp(&c, sport, dport);
	kn_craft_payload(&c, p, n);
	size_t len = kn_craft_finish(&c);
	if (len)
		kn_craft_emit_pcapw(w, now, c.buf, len);
	now += 10 * MS;
}

static void tcp(struct kn_pcapw *w, uint16_t cport, uint16_t sport, const char *req,
		const char *resp)
{
	struct kn_craft_session s = {
		.client = "10.9.2.2", .server = "10.9.2.20", .client_port = cport,
		.server_port = sport, .client_isn = 1000, .server_isn = 5000, .start_ns = now,
		.request = req, .request_len = strlen(req), .response = resp,
		.response_len = strlen(resp),
	};
	kn_craft_tcp_session(&s, kn_craft_emit_pcapw, w);
	now += 1000 * MS;
}

int main(int argc, char **argv)
{
	char err[KN_ERRBUF_SIZE];
	static const uint8_t whole[] = "z\0\0\0\0\0\0\0\0\0\0\0tail";
	static const uint8_t prefix[] = "z\0\0\0\0\0\0\0tail";

	if (argc != 2 || argv[1][0] == '-') {
		fprintf(stderr, "usage: gen_prefilter OUT.pcap\n\nWrites test_sig.py's capture of "
				"the prefilter case (see the comment at the top of "
				"tests/integration/gen_prefilter.c).\n");
		return argc == 2 && !strcmp(argv[1], "--help") ? 0 : 2;
	}
	struct kn_pcapw *w = kn_pcapw_open(argv[1], KN_PCAPW_PCAP_US, 1, 65535, err);
	if (!w) {
		fprintf(stderr, "gen_prefilter: %s\n", err);
		return 1;
	}
	udp(w, 40000, 5093, whole, sizeof whole - 1);
	udp(w, 40000, 53, whole, sizeof whole - 1);
	udp(w, 40010, 5093, prefix, sizeof prefix - 1);
	udp(w, 5093, 40001, "SRC-PORT-MARK", 13);
	udp(w, 5094, 40002, "SRC-PORT-MARK", 13);
	udp(w, 40000, 1005, "RANGE-MARK", 10);
	udp(w, 40000, 2000, "RANGE-MARK", 10);
	udp(w, 40000, 1011, "RANGE-MARK", 10);
	udp(w, 7000, 40003, "BIDIR-MARK", 10);
	udp(w, 40000, 54, "NEG-MARK", 8);
	udp(w, 40004, 53, "NEG-MARK", 8);

	tcp(w, 41000, 445, "....SMB-MARK....", "ok");
	tcp(w, 41001, 8445, "....SMB-MARK....", "ok");
	tcp(w, 41002, 8080, "GET /APP-MARK HTTP/1.1\r\nHost: app.example\r\n\r\n",
	    "HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok");
	tcp(w, 41003, 9001, "APP-MARK plain\r\n", "ok\r\n");
	tcp(w, 41004, 9002, "xx FILL-123 xx", "ok");

	if (kn_pcapw_close(w) != 0) {
		fprintf(stderr, "gen_prefilter: cannot write %s\n", argv[1]);
		return 1;
	}
	return 0;
}
