/*
 * gen_verdicts.c - writes the capture of test_verdicts.py with the traffic
 * builder: benign traffic, an ARP sweep, the sweeper's later IP packets
 * within and after the 600 s verdict latch, and a frame decode leaves
 * outside IP (LLDP). Same bytes on every run.
 *
 *   gen_verdicts OUT.pcap
 *
 * Packets (1-based, as pcap_cnt), times from T0 in seconds:
 *   1-4    t 0-3     10.0.0.5 <-> 10.0.0.20 UDP 53 (benign)
 *   5-24   t 10.00-  10.0.0.66 (02:00:00:00:00:66) asks who has 10.0.0.100
 *          +0.01 s   .. 10.0.0.119 (20 requests, none answered): ARP_SCAN
 *                    at packet 20 (the 16th target, score 0.5)
 *   25     t 12      LLDP from 02:00:00:00:00:66 (not IP: by its MAC)
 *   26-27  t 20      10.0.0.66 -> 10.0.0.20:22 SYN, RST back
 *   28-29  t 21-22   10.0.0.5 <-> 10.0.0.20 UDP 53 (benign)
 *   30     t 700     10.0.0.66 -> 10.0.0.20:22 SYN (latch over)
 * Expected scores: 0.5 for packets 20-27, 0 for the others.
 */
#include <stdio.h>
#include <string.h>

#include "craft.h"
#include "kenchi/packet.h"
#include "pcapw.h"

#define T0 1793527200000000000ULL /* 2026-11-01T10:00:00Z */
#define SEC 1000000000ULL

static const uint8_t mac_pc[6] = { 2, 0, 0, 0, 0, 5 };
static const uint8_t mac_srv[6] = { 2, 0, 0, 0, 0, 0x20 };
static const uint8_t mac_scan[6] = { 2, 0, 0, 0, 0, 0x66 };
static const uint8_t bcast[6] = { 0xff, 0xff, 0xff, 0xff, 0xff, 0xff };

static int emit(struct kn_pcapw *w, struct kn_craft *c, double t)
{
	size_t n = kn_craft_finish(c);
	if (!n)
		return -1;
	return kn_pcapw_write(w, T0 + (uint64_t)(t * SEC), c->buf, (uint32_t)n, (uint32_t)n);
}

static int udp(struct kn_pcapw *w, struct kn_craft *c, int reply, double t)
{
	kn_craft_init(c);
	kn_craft_eth(c, reply ? mac_srv : mac_pc, reply ? mac_pc : mac_srv);
	kn_craft_ipv4(c, reply ? "10.0.0.20" : "10.0.0.5", reply ? "10.0.0.5" : "10.0.0.20", 17);
	kn_craft_udp(c, reply ? 53 : 40000, reply ? 40000 : 53);
	kn_craft_payload(c, "\x12\x34\x01\x00\x00\x00", 6);
	return emit(w, c, t);
}

static int tcp(struct kn_pcapw *w, struct kn_craft *c, int reply, double t)
{
	kn_craft_init(c);
	kn_craft_eth(c, reply ? mac_srv : mac_scan, reply ? mac_scan : mac_srv);
	kn_craft_ipv4(c, reply ? "10.0.0.20" : "10.0.0.66", reply ? "10.0.0.66" : "10.0.0.20", 6);
	kn_craft_tcp(c, reply ? 22 : 41000, reply ? 41000 : 22, reply ? 0 : 1000, reply ? 1001 : 0,
		     reply ? (KN_TCP_RST | KN_TCP_ACK) : KN_TCP_SYN, reply ? 0 : 64240);
	return emit(w, c, t);
}

static int arp_request(struct kn_pcapw *w, struct kn_craft *c, unsigned host, double t)
{
	char target[32];
	snprintf(target, sizeof target, "10.0.0.%u", host);
	kn_craft_init(c);
	kn_craft_eth(c, mac_scan, bcast);
	kn_craft_arp(c, 1, "10.0.0.66", target);
	kn_craft_trailer(c, NULL, 18);
	size_t n = kn_craft_finish(c);
	if (!n)
		return -1;
	memcpy(c->buf + 14 + 8, mac_scan, 6);   /* the crafter's sender MAC is fixed */
	return kn_pcapw_write(w, T0 + (uint64_t)(t * SEC), c->buf, (uint32_t)n, (uint32_t)n);
}

static int lldp(struct kn_pcapw *w, struct kn_craft *c, double t)
{
	static const uint8_t lldp_dst[6] = { 0x01, 0x80, 0xc2, 0, 0, 0x0e };
	kn_craft_init(c);
	kn_craft_eth(c, mac_scan, lldp_dst);
	kn_craft_set_type(c, 0x88cc);
	kn_craft_trailer(c, "\x02\x07\x04\x02\x00\x00\x00\x00\x66\x00\x00", 11);
	return emit(w, c, t);
}

int main(int argc, char **argv)
{
	char err[KN_ERRBUF_SIZE];
	static struct kn_craft c;
	int rc = 0;

	if (argc != 2) {
		fprintf(stderr, "usage: gen_verdicts OUT.pcap\n");
		return 2;
	}
	struct kn_pcapw *w = kn_pcapw_open(argv[1], KN_PCAPW_PCAP_US, 1, 65535, err);
	if (!w) {
		fprintf(stderr, "gen_verdicts: %s\n", err);
		return 1;
	}
	for (unsigned i = 0; i < 4; i++)
		rc |= udp(w, &c, i % 2, i);
	for (unsigned h = 0; h < 20; h++)
		rc |= arp_request(w, &c, 100 + h, 10 + h * 0.01);
	rc |= lldp(w, &c, 12);
	rc |= tcp(w, &c, 0, 20);
	rc |= tcp(w, &c, 1, 20.001);
	rc |= udp(w, &c, 0, 21);
	rc |= udp(w, &c, 1, 22);
	rc |= tcp(w, &c, 0, 700);
	if (kn_pcapw_close(w) != 0 || rc != 0) {
		fprintf(stderr, "gen_verdicts: cannot write %s\n", argv[1]);
		return 1;
	}
	return 0;
}
