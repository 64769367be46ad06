/*
 * gen_demo.c - writes kenchi's demo capture (the README's embedded default)
 * with the traffic builder: ordinary traffic with attacks and oddities in
 * it, fully deterministic (same bytes on every run).
 *
 *   gen_demo OUT.pcap
 *
 * Contents (times from 2026-11-01 10:00:00 UTC):
 * - an HTTP session 192.168.10.20 -> 93.184.216.34:80 and DNS lookups,
 * - a TLS 1.0 handshake on VLAN 100 (RC4, expired self-signed certificate),
 *   an SSH session to an old OpenSSH 7.4 server, and an IPv6 session,
 * - a TCP SYN port scan 10.66.6.6 -> 192.168.10.5 ports 1-300 (RST replies,
 *   SYN/ACK from 22 and 80),
 * - ICMP echo, a UDP datagram in 3 IPv4 fragments sent out of order
 *   (-> 192.168.10.40:5300) and 2 IPv6 fragments,
 * - tunnels: a TCP session inside GRE and a UDP exchange inside VXLAN
 *   (inner hosts 172.31.1.10 -> 172.31.2.x),
 * - malformed frames: truncated IPv4, bad IHL, bad TCP data offset, UDP
 *   length past the packet,
 * - a last DNS query two minutes later, so that idle flows time out.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "appmsg.h"
#include "craft.h"
#include "pcapw.h"

#define T0 1793527200000000000ULL /* 2026-11-01T10:00:00Z */
#define MS 1000000ULL

struct demo {
	struct kn_pcapw *w;
	struct kn_craft c;
	uint64_t now;
	int err;
};

static void emit(struct demo *d, uint64_t ts)
{
	size_t n = kn_craft_finish(&d->c);
	if (!n || kn_pcapw_write(d->w, ts, d->c.buf, (uint32_t)n, (uint32_t)n) != 0)
		d->err = 1;
}

static void emit_raw(struct demo *d, uint64_t ts, const uint8_t *frame, size_t n)
{
	if (kn_pcapw_write(d->w, ts, frame, (uint32_t)n, (uint32_t)n) != 0)
		d->err = 1;
}

/* A DNS query or answer for name (A record 93.184.216.34 in answers). */
static size_t dns_msg(uint8_t *out, uint16_t id, const char *name, int answer)
{
	size_t n = 12;
	memset(out, 0, 12);
	out[0] = (uint8_t)(id >> 8);
	out[1] = (uint8_t)id;
	out[2] = answer ? 0x81 : 0x01;
	out[3] = answer ? 0x80 : 0x00;
	out[5] = 1;
	out[7] = answer ? 1 : 0;
	for (const char *p = name; *p;) {
		const char *dot = strchr(p, '.');
		size_t len = dot ? (size_t)(dot - p) : strlen(p);
		out[n++] = (uint8_t)len;
		memcpy(out + n, p, len);
		n += len;
		p += len + (dot != NULL);
	}
	out[n++] = 0;
	static const uint8_t qtail[4] = { 0, 1, 0, 1 };
	memcpy(out + n, qtail, 4);
	n += 4;
	if (answer) {
		static const uint8_t rr[16] = { 0xc0, 0x0c, 0, 1, 0, 1, 0, 0, 0x0e, 0x10, 0, 4,
						93, 184, 216, 34 };
		memcpy(out + n, rr, sizeof rr);
		n += sizeof rr;
	}
	return n;
}

static void dns(struct demo *d, uint64_t ts, uint16_t sport, uint16_t id, const char *name)
{
	uint8_t msg[300];
	size_t n = dns_msg(msg, id, name, 0);
	kn_craft_init(&d->c);
	kn_craft_eth(&d->c, NULL, NULL);
	kn_craft_ipv4(&d->c, "192.168.10.20", "192.168.10.1", 17);
	kn_craft_udp(&d->c, sport, 53);
	kn_craft_payload(&d->c, msg, n);
	emit(d, ts);
	n = dns_msg(msg, id, name, 1);
	kn_craft_init(&d->c);
	kn_craft_eth(&d->c, NULL, NULL);
	kn_craft_ipv4(&d->c, "192.168.10.1", "192.168.10.20", 17);
	kn_craft_udp(&d->c, 53, sport);
	kn_craft_payload(&d->c, msg, n);
	emit(d, ts + 2 * MS);
}

static void session_emit(void *user, uint64_t ts, const uint8_t *frame, size_t len)
{
	emit_raw(user, ts, frame, len);
}

static void sessions(struct demo *d)
{
	static const char req[] = "GET /index.html HTTP/1.1\r\nHost: example.com\r\n"
				  "User-Agent: kenchi-demo/1.0\r\nAccept: */*\r\n\r\n";
	static const char resp[] = "HTTP/1.1 200 OK\r\nServer: nginx/1.18.0\r\n"
				   "Content-Type: text/html\r\nContent-Length: 26\r\n\r\n"
				   "<html>hello, kenchi</html>";
	struct kn_craft_session s = {
		.client = "192.168.10.20", .server = "93.184.216.34",
		.client_port = 49200, .server_port = 80, .client_isn = 1000, .server_isn = 50000,
		.start_ns = T0 + 120 * MS, .step_ns = 3 * MS,
		.request = req, .request_len = sizeof req - 1,
		.response = resp, .response_len = sizeof resp - 1,
	};
	kn_craft_tcp_session(&s, session_emit, d);
	/* A TLS 1.0 server choosing RC4 with an expired self-signed
	 * certificate: weak-TLS findings for the vuln stage. */
	static const uint16_t ciphers[] = { 0xc02b, 0xc02f, 0xc013, 0x002f, 0x0005 };
	uint8_t hello[512], flight[1024];
	size_t hello_len = kn_tls_client_hello(hello, sizeof hello, "intranet.demo.example",
					       ciphers, 5, 0);
	size_t flight_len = kn_tls_server_flight(flight, sizeof flight, 0x0301, 0x0005,
						 kn_demo_cert_der, kn_demo_cert_der_len);
	struct kn_craft_session tls = {
		.client = "192.168.10.21", .server = "198.51.100.80", .client_port = 51000,
		.server_port = 443, .vlan = 100, .client_isn = 7, .server_isn = 9,
		.start_ns = T0 + 500 * MS, .request = hello, .request_len = hello_len,
		.response = flight, .response_len = flight_len,
	};
	if (!hello_len || !flight_len)
		d->err = 1;
	kn_craft_tcp_session(&tls, session_emit, d);
	/* An old OpenSSH server (known CVEs in the sample feed). */
	static const char ssh_c[] = "SSH-2.0-OpenSSH_9.6\r\n";
	static const char ssh_s[] = "SSH-2.0-OpenSSH_7.4\r\n";
	struct kn_craft_session ssh = {
		.client = "192.168.10.20", .server = "192.168.10.5", .client_port = 50022,
		.server_port = 22, .client_isn = 300, .server_isn = 400,
		.start_ns = T0 + 650 * MS, .request = ssh_c, .request_len = sizeof ssh_c - 1,
		.response = ssh_s, .response_len = sizeof ssh_s - 1,
	};
	kn_craft_tcp_session(&ssh, session_emit, d);
	struct kn_craft_session v6 = {
		.client = "2001:db8:10::20", .server = "2001:db8:99::80", .client_port = 52000,
		.server_port = 8080, .client_isn = 100, .server_isn = 200,
		.start_ns = T0 + 800 * MS, .request_len = 300, .response_len = 3000,
	};
	kn_craft_tcp_session(&v6, session_emit, d);
}

static void tcp_frame(struct demo *d, uint64_t ts, const char *src, const char *dst, uint16_t sp,
		      uint16_t dp, uint32_t seq, uint32_t ack, uint8_t flags)
{
	kn_craft_init(&d->c);
	kn_craft_eth(&d->c, NULL, NULL);
	kn_craft_ipv4(&d->c, src, dst, 6);
	kn_craft_tcp(&d->c, sp, dp, seq, ack, flags, 1024);
	emit(d, ts);
}

/* A SYN scan: every port gets a SYN; closed ports answer RST/ACK, open
 * ports SYN/ACK and the scanner resets. */
static void port_scan(struct demo *d)
{
	uint64_t ts = T0 + 2000 * MS;
	for (uint16_t port = 1; port <= 300; port++, ts += 2 * MS) {
		const char *a = "10.66.6.6", *b = "192.168.10.5";
		tcp_frame(d, ts, a, b, 61000, port, 0x1000 + port, 0, 0x02);
		if (port == 22 || port == 80) {
			tcp_frame(d, ts + MS / 2, b, a, port, 61000, 77, 0x1001 + port, 0x12);
			tcp_frame(d, ts + MS, a, b, 61000, port, 0x1001 + port, 0, 0x04);
		} else {
			tcp_frame(d, ts + MS / 2, b, a, port, 61000, 0, 0x1001 + port, 0x14);
		}
	}
}

static void icmp_and_fragments(struct demo *d)
{
	uint64_t ts = T0 + 3000 * MS;
	for (uint16_t i = 0; i < 3; i++, ts += 100 * MS) {
		kn_craft_init(&d->c);
		kn_craft_eth(&d->c, NULL, NULL);
		kn_craft_ipv4(&d->c, "192.168.10.20", "192.168.10.1", 1);
		kn_craft_icmp(&d->c, 8, 0, 0x4242, i);
		kn_craft_payload(&d->c, NULL, 56);
		emit(d, ts);
		kn_craft_init(&d->c);
		kn_craft_eth(&d->c, NULL, NULL);
		kn_craft_ipv4(&d->c, "192.168.10.1", "192.168.10.20", 1);
		kn_craft_icmp(&d->c, 0, 0, 0x4242, i);
		kn_craft_payload(&d->c, NULL, 56);
		emit(d, ts + MS);
	}
	/* 3000-byte UDP datagram in three fragments, last one first. */
	static struct kn_craft frags[4];
	kn_craft_init(&d->c);
	kn_craft_eth(&d->c, NULL, NULL);
	kn_craft_ipv4(&d->c, "192.168.10.30", "192.168.10.40", 17);
	kn_craft_udp(&d->c, 40000, 5300);
	kn_craft_payload(&d->c, NULL, 3000);
	kn_craft_finish(&d->c);
	size_t nf = kn_craft_fragment(&d->c, 1200, frags, 4);
	for (size_t i = nf; i-- > 0;)
		emit_raw(d, ts + (nf - i) * MS, frags[i].buf, frags[i].len);
	/* The same over IPv6, in order. */
	kn_craft_init(&d->c);
	kn_craft_eth(&d->c, NULL, NULL);
	kn_craft_ipv6(&d->c, "2001:db8:10::30", "2001:db8:10::40", 17);
	kn_craft_udp(&d->c, 40001, 5301);
	kn_craft_payload(&d->c, NULL, 2000);
	kn_craft_finish(&d->c);
	nf = kn_craft_fragment(&d->c, 1400, frags, 4);
	for (size_t i = 0; i < nf; i++)
		emit_raw(d, ts + (10 + i) * MS, frags[i].buf, frags[i].len);
}

static void gre_frame(struct demo *d, uint64_t ts, int reply, uint32_t seq, uint32_t ack, uint8_t fl,
		      size_t payload)
{
	kn_craft_init(&d->c);
	kn_craft_eth(&d->c, NULL, NULL);
	kn_craft_ipv4(&d->c, reply ? "198.51.100.2" : "198.51.100.1",
		      reply ? "198.51.100.1" : "198.51.100.2", 47);
	kn_craft_gre(&d->c, KN_CRAFT_GRE_KEY, 42, 0);
	kn_craft_ipv4(&d->c, reply ? "172.31.2.20" : "172.31.1.10",
		      reply ? "172.31.1.10" : "172.31.2.20", 6);
	kn_craft_tcp(&d->c, reply ? 22 : 45000, reply ? 45000 : 22, seq, ack, fl, 2048);
	if (payload)
		kn_craft_payload(&d->c, NULL, payload);
	emit(d, ts);
}

static void tunnels(struct demo *d)
{
	uint64_t ts = T0 + 4000 * MS;
	gre_frame(d, ts, 0, 100, 0, 0x02, 0);
	gre_frame(d, ts + 1 * MS, 1, 500, 101, 0x12, 0);
	gre_frame(d, ts + 2 * MS, 0, 101, 501, 0x10, 0);
	gre_frame(d, ts + 3 * MS, 0, 101, 501, 0x18, 21);
	gre_frame(d, ts + 4 * MS, 1, 501, 122, 0x18, 40);
	gre_frame(d, ts + 5 * MS, 0, 122, 541, 0x11, 0);
	gre_frame(d, ts + 6 * MS, 1, 541, 123, 0x11, 0);
	gre_frame(d, ts + 7 * MS, 0, 123, 542, 0x10, 0);
	for (int i = 0; i < 4; i++) {
		int reply = i & 1;
		kn_craft_init(&d->c);
		kn_craft_eth(&d->c, NULL, NULL);
		kn_craft_ipv4(&d->c, reply ? "198.51.100.3" : "198.51.100.1",
			      reply ? "198.51.100.1" : "198.51.100.3", 17);
		kn_craft_udp(&d->c, 33000 + (uint16_t)i, 4789);
		kn_craft_vxlan(&d->c, 5001);
		kn_craft_eth(&d->c, NULL, NULL);
		kn_craft_ipv4(&d->c, reply ? "172.31.2.30" : "172.31.1.10",
			      reply ? "172.31.1.10" : "172.31.2.30", 17);
		kn_craft_udp(&d->c, reply ? 161 : 50161, reply ? 50161 : 161);
		kn_craft_payload(&d->c, NULL, 40);
		emit(d, ts + (20 + (uint64_t)i) * MS);
	}
}

/* Malformed frames, each a decoder event. */
static void malformed(struct demo *d)
{
	uint64_t ts = T0 + 5000 * MS;
	size_t n;
	kn_craft_init(&d->c);
	kn_craft_eth(&d->c, NULL, NULL);
	kn_craft_ipv4(&d->c, "192.168.10.66", "192.168.10.1", 6);
	kn_craft_tcp(&d->c, 1234, 80, 1, 0, 0x02, 512);
	n = kn_craft_finish(&d->c);
	emit_raw(d, ts, d->c.buf, 14 + 12);             /* IPv4 header cut short */
	long ip = kn_craft_layer_off(&d->c, KN_CRAFT_IPV4, 0);
	long tcp = kn_craft_layer_off(&d->c, KN_CRAFT_TCP, 0);
	d->c.buf[ip] = 0x43;                             /* IHL 3: below the minimum */
	emit_raw(d, ts + MS, d->c.buf, n);
	d->c.buf[ip] = 0x45;
	kn_craft_finish(&d->c);
	d->c.buf[tcp + 12] = 0x20;                       /* data offset 8 bytes */
	emit_raw(d, ts + 2 * MS, d->c.buf, n);
	kn_craft_init(&d->c);
	kn_craft_eth(&d->c, NULL, NULL);
	kn_craft_ipv4(&d->c, "192.168.10.66", "192.168.10.1", 17);
	kn_craft_udp(&d->c, 999, 53);
	kn_craft_payload(&d->c, NULL, 20);
	n = kn_craft_finish(&d->c);
	long udp = kn_craft_layer_off(&d->c, KN_CRAFT_UDP, 0);
	d->c.buf[udp + 4] = 0x10;                        /* UDP length 4096 */
	emit_raw(d, ts + 3 * MS, d->c.buf, n);
}

int main(int argc, char **argv)
{
	static struct demo d;
	char err[KN_ERRBUF_SIZE];
	if (argc != 2 || argv[1][0] == '-') {
		fprintf(stderr, "usage: gen_demo OUT.pcap\n\nWrites kenchi's demo capture "
				"(see the comment at the top of tests/builder/gen_demo.c).\n");
		return argc == 2 && !strcmp(argv[1], "--help") ? 0 : 2;
	}
	d.w = kn_pcapw_open(argv[1], KN_PCAPW_PCAP_US, 1, 65535, err);
	if (!d.w) {
		fprintf(stderr, "gen_demo: %s\n", err);
		return 1;
	}
	dns(&d, T0, 53001, 0x1111, "example.com");
	sessions(&d);
	dns(&d, T0 + 1500 * MS, 53002, 0x2222, "www.kenchi.example");
	port_scan(&d);
	icmp_and_fragments(&d);
	tunnels(&d);
	malformed(&d);
	dns(&d, T0 + 125000 * MS, 53003, 0x3333, "late.example.org");
	if (kn_pcapw_close(d.w) != 0 || d.err) {
		fprintf(stderr, "gen_demo: cannot write %s\n", argv[1]);
		return 1;
	}
	return 0;
}
