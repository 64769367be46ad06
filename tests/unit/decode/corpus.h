/*
 * corpus.h - a set of crafted frames covering every layer the decoder
 * knows, used by the robustness test (truncation and mutation of each
 * frame) and to write the fuzzer's seed corpus (fuzz/corpus/decode/).
 */
#ifndef KN_TEST_DECODE_CORPUS_H
#define KN_TEST_DECODE_CORPUS_H

#include "craft.h"
#include "kenchi/packet.h"

#define CORPUS_FRAMES 49

static void corpus_tcp(struct kn_craft *c, int v6)
{
	if (v6)
		kn_craft_ipv6(c, "2001:db8::1", "2001:db8::2", 6);
	else
		kn_craft_ipv4(c, "10.0.0.1", "10.0.0.2", 6);
	kn_craft_tcp(c, 40000, 443, 1, 0, KN_TCP_SYN, 64240);
	kn_craft_tcp_mss(c, 1460);
	kn_craft_tcp_sackok(c);
	kn_craft_tcp_ts(c, 1, 0);
	kn_craft_tcp_wscale(c, 7);
}

static void corpus_udp(struct kn_craft *c, int v6, uint16_t dport)
{
	if (v6)
		kn_craft_ipv6(c, "2001:db8::1", "2001:db8::2", 17);
	else
		kn_craft_ipv4(c, "10.0.0.1", "10.0.0.2", 17);
	kn_craft_udp(c, 5353, dport);
}

/* Link layer by index: Ethernet, SLL, SLL2, raw, null, loop. */
static void corpus_link(struct kn_craft *c, unsigned link)
{
	switch (link % 6) {
	case 0: kn_craft_eth(c, NULL, NULL); break;
	case 1: kn_craft_sll(c); break;
	case 2: kn_craft_sll2(c); break;
	case 3: break;
	case 4: kn_craft_null(c, 0); break;
	default: kn_craft_null(c, 1); break;
	}
}

static int corpus_ip_tunnels(struct kn_craft *c, unsigned i)
{
	static const uint8_t ra[6] = { 5, 2, 0, 0, 0, 0 };
	static const uint32_t sack[2][2] = { { 10, 20 }, { 30, 40 } };
	switch (i) {
	case 0: corpus_tcp(c, 0); kn_craft_payload(c, "hello", 5); break;
	case 1: corpus_tcp(c, 1); break;
	case 2: corpus_udp(c, 0, 53); kn_craft_payload(c, NULL, 30); break;
	case 3:
		kn_craft_ipv4(c, "10.0.0.1", "10.0.0.2", 6);
		kn_craft_ipv4_opts(c, "\x94\x04\x00\x00\x44\x08\x05\x00\x00\x00\x00\x00", 12);
		kn_craft_tcp(c, 1, 2, 3, 4, KN_TCP_ACK, 5);
		kn_craft_tcp_sack(c, sack, 2);
		break;
	case 4:
		kn_craft_ipv6(c, "2001:db8::1", "2001:db8::2", 0);
		kn_craft_ipv6_ext(c, 0, 43, ra, 6);
		kn_craft_ipv6_ext(c, 43, 60, "\x02\x01\0\0\0\0\x20\x01\x0d\xb8\0\0\0\0\0\0\0\0\0\0\0\x01", 22);
		kn_craft_ipv6_ext(c, 60, 51, ra, 6);
		kn_craft_ipv6_ext(c, 51, 17, "\0\0\0\0\0\0\0\1\0\0\0\2", 12);
		kn_craft_udp(c, 500, 4500);
		break;
	case 5: kn_craft_ipv4(c, "10.0.0.1", "10.0.0.2", 1); kn_craft_icmp(c, 8, 0, 7, 1); break;
	case 6:
		kn_craft_ipv4(c, "192.0.2.1", "10.0.0.1", 1);
		kn_craft_icmp(c, 3, 3, 0, 0);
		corpus_udp(c, 0, 53);
		break;
	case 7:
		kn_craft_ipv6(c, "2001:db8::fe", "2001:db8::1", 58);
		kn_craft_icmp6(c, 1, 4, 0, 0);
		corpus_tcp(c, 1);
		break;
	case 8: kn_craft_ipv6(c, "fe80::1", "ff02::1", 58); kn_craft_icmp6(c, 135, 0, 0, 0); break;
	case 9: kn_craft_ipv4(c, "10.0.0.1", "10.0.0.2", 132); kn_craft_sctp(c, 1, 2, 3); break;
	case 10: kn_craft_ipv4(c, "10.0.0.1", "10.0.0.2", 50); kn_craft_payload(c, NULL, 24); break;
	case 11:
		kn_craft_ipv4(c, "1.1.1.1", "2.2.2.2", 47);
		kn_craft_gre(c, KN_CRAFT_GRE_CSUM | KN_CRAFT_GRE_KEY | KN_CRAFT_GRE_SEQ, 9, 1);
		corpus_tcp(c, 0);
		break;
	case 12:
		kn_craft_ipv4(c, "1.1.1.1", "2.2.2.2", 47);
		kn_craft_gre(c, 0, 0, 0);
		kn_craft_eth(c, NULL, NULL);
		corpus_udp(c, 1, 53);
		break;
	case 13:
		kn_craft_ipv4(c, "1.1.1.1", "2.2.2.2", 47);
		kn_craft_gre(c, KN_CRAFT_GRE_SEQ, 0, 1);
		kn_craft_erspan(c, 2, 5);
		kn_craft_eth(c, NULL, NULL);
		corpus_tcp(c, 0);
		break;
	case 14:
		kn_craft_ipv4(c, "1.1.1.1", "2.2.2.2", 47);
		kn_craft_gre_pptp(c, 7, 1);
		kn_craft_ppp(c);
		corpus_udp(c, 0, 53);
		break;
	case 15:
		corpus_udp(c, 0, 4789);
		kn_craft_vxlan(c, 100);
		kn_craft_eth(c, NULL, NULL);
		kn_craft_vlan(c, 0x8100, 5);
		corpus_tcp(c, 0);
		break;
	case 16:
		corpus_udp(c, 1, 6081);
		kn_craft_geneve(c, 7);
		kn_craft_geneve_opts(c, "\x01\x02\x80\x01\xaa\xbb\xcc\xdd", 8);
		kn_craft_eth(c, NULL, NULL);
		corpus_udp(c, 0, 123);
		break;
	case 17:
		corpus_udp(c, 0, 3544);
		kn_craft_ipv6(c, "2001:0:4136:e378::1", "2001:db8::2", 59);
		break;
	case 18: kn_craft_ipv4(c, "1.1.1.1", "2.2.2.2", 41); corpus_tcp(c, 1); break;
	case 19: kn_craft_ipv6(c, "::1", "::2", 4); corpus_udp(c, 0, 1); break;
	default: return 0;
	}
	return 1;
}

static int corpus_l2(struct kn_craft *c, unsigned i)
{
	switch (i) {
	case 0: kn_craft_vlan(c, 0x88a8, 10); kn_craft_vlan(c, 0x8100, 20); corpus_tcp(c, 0); break;
	case 1: kn_craft_mpls(c, 100, 0); kn_craft_mpls(c, 200, 1); corpus_udp(c, 1, 53); break;
	case 2:
		kn_craft_mpls(c, 300, 1);
		kn_craft_raw(c, "\0\0\0\0", 4);
		kn_craft_eth(c, NULL, NULL);
		corpus_tcp(c, 0);
		break;
	case 3: kn_craft_pppoe(c, 1); corpus_tcp(c, 0); break;
	case 4: kn_craft_arp(c, 1, "10.0.0.1", "10.0.0.2"); break;
	default: return 0;
	}
	return 1;
}

/* Tunnels added after the first corpus (numbered after it, so the
 * existing seed files keep their names): 802.11 in Aruba GRE, GTP-U,
 * GRE-in-UDP, AYIYA. */
static int corpus_tunnels2(struct kn_craft *c, unsigned i)
{
	switch (i) {
	case 0:
		kn_craft_ipv4(c, "10.3.34.171", "10.33.10.23", 47);
		kn_craft_gre(c, 0, 0, 0);
		kn_craft_wlan(c, KN_CRAFT_WLAN_QOS | KN_CRAFT_WLAN_TODS);
		corpus_tcp(c, 0);
		break;
	case 1:
		corpus_udp(c, 0, 2152);
		kn_craft_gtpu(c, 0x9e40ba4f, KN_CRAFT_GTPU_SEQ);
		kn_craft_gtpu_ext(c, 0x85, "\x10\x09", 2);
		corpus_tcp(c, 0);
		break;
	case 2:
		corpus_udp(c, 0, 4754);
		kn_craft_gre(c, KN_CRAFT_GRE_KEY, 1, 0);
		corpus_udp(c, 0, 53);
		break;
	case 3:
		corpus_udp(c, 0, 5072);
		kn_craft_ayiya(c, 41);
		corpus_tcp(c, 1);
		break;
	default: return 0;
	}
	return 1;
}

/* Frame i of the corpus into c (finished); 0 past the end. */
static size_t corpus_frame(struct kn_craft *c, unsigned i)
{
	kn_craft_init(c);
	if (i < 20 * 2) {
		/* Every IP/tunnel frame over Ethernet, and over a rotating link. */
		corpus_link(c, i < 20 ? 0 : i);
		corpus_ip_tunnels(c, i % 20);
	} else if (i < 45) {
		kn_craft_eth(c, NULL, NULL);
		corpus_l2(c, i - 40);
	} else if (i < CORPUS_FRAMES) {
		kn_craft_eth(c, NULL, NULL);
		corpus_tunnels2(c, i - 45);
	} else {
		return 0;
	}
	return kn_craft_finish(c);
}

/* Fuzz input selector byte for a link type (see fuzz/fuzz_decode.c). */
static uint8_t corpus_selector(uint16_t linktype)
{
	switch (linktype) {
	case 113: return 1;
	case 276: return 2;
	case 101: return 3;
	case 0: return 4;
	case 108: return 5;
	default: return 0;
	}
}

#endif
