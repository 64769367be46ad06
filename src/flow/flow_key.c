/*
 * flow_key.c - turns a decoded packet into flow lookup keys.
 *
 * Flow stage, first step of kn_flow_lookup. TCP, UDP and SCTP keys carry the
 * ports; ICMP and ICMPv6 keys carry the Community ID "port equivalents"
 * (type, and the counterpart type of a request/reply pair or else the code),
 * so an echo request and its reply produce mirror-image keys and land in
 * one flow; other protocols carry no ports. The same mapping serves
 * kn_community_id, so flow keys and Community IDs cannot disagree.
 */
#include <string.h>

#include "flow/flow_int.h"

#define PROTO_ICMP 1
#define PROTO_TCP 6
#define PROTO_UDP 17
#define PROTO_ICMPV6 58
#define PROTO_SCTP 132

/* Request/reply pairs, after Zeek's ICMP counterpart tables (as used by the
 * Community ID spec). */
struct icmp_pair {
	uint8_t request, reply;
};

static const struct icmp_pair icmp4_pairs[] = {
	{ 8, 0 },     /* echo */
	{ 13, 14 },   /* timestamp */
	{ 15, 16 },   /* information */
	{ 17, 18 },   /* address mask */
	{ 10, 9 },    /* router solicitation / advertisement */
};

static const struct icmp_pair icmp6_pairs[] = {
	{ 128, 129 }, /* echo */
	{ 130, 131 }, /* multicast listener query / report */
	{ 133, 134 }, /* router solicitation / advertisement */
	{ 135, 136 }, /* neighbour solicitation / advertisement */
	{ 139, 140 }, /* node information query / reply */
	{ 144, 145 }, /* home agent address discovery request / reply */
};

/* Finds `type` in the pair table of `proto`: returns the counterpart and
 * sets *is_reply, or returns -1 for a one-way type. */
static int icmp_counterpart(uint8_t proto, uint8_t type, int *is_reply)
{
	const struct icmp_pair *tab = proto == PROTO_ICMPV6 ? icmp6_pairs : icmp4_pairs;
	size_t n = proto == PROTO_ICMPV6 ? sizeof icmp6_pairs / sizeof icmp6_pairs[0]
					 : sizeof icmp4_pairs / sizeof icmp4_pairs[0];

	for (size_t i = 0; i < n; i++) {
		if (tab[i].request == type) {
			*is_reply = 0;
			return tab[i].reply;
		}
		if (tab[i].reply == type) {
			*is_reply = 1;
			return tab[i].request;
		}
	}
	*is_reply = 0;
	return -1;
}

int flow_icmp_ports(uint8_t proto, uint8_t type, uint8_t code, uint16_t *sport, uint16_t *dport)
{
	int is_reply;
	int other = icmp_counterpart(proto, type, &is_reply);

	*sport = type;
	*dport = other >= 0 ? (uint16_t)other : code;
	return other >= 0;
}

int flow_icmp_is_reply(uint8_t proto, uint8_t type)
{
	int is_reply;

	return icmp_counterpart(proto, type, &is_reply) >= 0 && is_reply;
}

int flow_key_build(const struct kn_packet *pkt, struct kn_flow_key *fwd, struct kn_flow_key *rev)
{
	int two_way = 1;

	memset(fwd, 0, sizeof *fwd);
	fwd->src = pkt->src;
	fwd->dst = pkt->dst;
	switch (pkt->proto) {
	case PROTO_TCP:
	case PROTO_UDP:
	case PROTO_SCTP:
		fwd->sport = pkt->sport;
		fwd->dport = pkt->dport;
		break;
	case PROTO_ICMP:
	case PROTO_ICMPV6:
		two_way = flow_icmp_ports(pkt->proto, pkt->icmp_type, pkt->icmp_code,
					  &fwd->sport, &fwd->dport);
		break;
	default:
		break;
	}
	fwd->vlan[0] = pkt->vlan[0];
	fwd->vlan[1] = pkt->vlan[1];
	fwd->tunnel_id = pkt->tunnel_id;
	fwd->proto = pkt->proto;
	fwd->ip_version = pkt->ip_version;

	memcpy(rev, fwd, sizeof *rev);
	rev->src = fwd->dst;
	rev->dst = fwd->src;
	rev->sport = fwd->dport;
	rev->dport = fwd->sport;
	return two_way;
}
