/*
 * flow_tcp.c - the per-flow TCP state machine and the generic flow state.
 *
 * Flow stage, run by kn_flow_lookup for every packet. States follow RFC 793
 * as Suricata logs them, seen from the connection as a whole: the side that
 * closes first decides between fin_wait1 (client first) and close_wait
 * (server first). The machine follows flags and, for the closing handshake,
 * whether an ACK covers the peer's FIN; it does not validate sequence
 * windows (that is the stream stage's job), so it is deliberately lenient:
 * a missed packet never wedges a flow, it only skips a state.
 *
 *   none -> syn_sent (SYN) -> syn_recv (SYN/ACK) -> established (ACK)
 *   established -> fin_wait1 (client FIN) -> fin_wait2 (server ACKs it)
 *                  -> time_wait (server FIN) -> closed (client ACKs it)
 *   fin_wait1 -> closing (server FIN not acking) -> time_wait (server ACK)
 *   established -> close_wait (server FIN) -> last_ack (client FIN)
 *                  -> closed (server ACKs it)
 *   any -> closed once both FINs are acknowledged, and on RST. A first
 *   packet without SYN is a midstream pickup: established, flagged
 *   KN_FLOW_F_MIDSTREAM.
 *
 * Generic state: TCP is new before the handshake completes, closed only in
 * tcp state closed, established otherwise (fin_wait*, last_ack, time_wait
 * included, so that the final ACK of a close still finds its flow when the
 * closed timeout is 0); other protocols are new until both directions have
 * been seen.
 */
#include "flow/flow_int.h"

#define PROTO_TCP 6

static int seq_geq(uint32_t a, uint32_t b)
{
	return (int32_t)(a - b) >= 0;
}

int flow_tcp_first_is_server(const struct kn_packet *pkt)
{
	uint8_t fl = pkt->tcp.flags;

	if (fl & KN_TCP_SYN)
		return (fl & KN_TCP_ACK) != 0;
	return pkt->sport < 1024 && pkt->dport >= 1024;
}

void flow_tcp_start(struct flow_rec *r, uint8_t tcp_flags)
{
	if ((tcp_flags & (KN_TCP_SYN | KN_TCP_ACK)) == KN_TCP_SYN) {
		r->f.tcp_state = KN_TCP_SYN_SENT;
	} else if (tcp_flags & KN_TCP_SYN) {
		r->f.tcp_state = KN_TCP_SYN_RECV;
	} else {
		r->f.tcp_state = KN_TCP_ESTABLISHED;
		r->f.flags |= KN_FLOW_F_MIDSTREAM;
	}
}

int flow_tcp_is_reuse(const struct kn_flow *f, uint8_t tcp_flags)
{
	return (tcp_flags & (KN_TCP_SYN | KN_TCP_ACK | KN_TCP_RST)) == KN_TCP_SYN &&
	       (f->tcp_state == KN_TCP_CLOSED || f->tcp_state == KN_TCP_TIME_WAIT);
}

/* Handshake states: returns the state after the packet. */
static uint8_t handshake(uint8_t state, uint8_t fl, unsigned dir)
{
	int syn = (fl & KN_TCP_SYN) != 0, ack = (fl & KN_TCP_ACK) != 0;

	if (state == KN_TCP_SYN_SENT) {
		if (dir == 1 && syn)
			return KN_TCP_SYN_RECV;   /* SYN/ACK, or simultaneous open */
		if (dir == 0 && !syn && ack)
			return KN_TCP_ESTABLISHED; /* the SYN/ACK was not captured */
		return state;
	}
	/* syn_recv: the client's ACK (or any later non-SYN ACK) completes it */
	return !syn && ack ? KN_TCP_ESTABLISHED : state;
}

/* Closing states, from the FINs seen and acknowledged so far (bit d of
 * `seen`/`acked`: side d's FIN was sent / was acknowledged by its peer). */
static uint8_t closing(uint8_t state, unsigned dir, int fin, unsigned seen, unsigned acked)
{
	if (seen == 3u && acked == 3u)
		return KN_TCP_CLOSED;
	switch (state) {
	case KN_TCP_ESTABLISHED:
		if (fin)
			return dir == 0 ? KN_TCP_FIN_WAIT1 : KN_TCP_CLOSE_WAIT;
		return state;
	case KN_TCP_FIN_WAIT1:
		if (seen & 2u)
			return (acked & 1u) ? KN_TCP_TIME_WAIT : KN_TCP_CLOSING;
		return (acked & 1u) ? KN_TCP_FIN_WAIT2 : state;
	case KN_TCP_FIN_WAIT2:
		return (seen & 2u) ? KN_TCP_TIME_WAIT : state;
	case KN_TCP_CLOSING:
		return (acked & 1u) ? KN_TCP_TIME_WAIT : state;
	case KN_TCP_CLOSE_WAIT:
		return (seen & 1u) ? KN_TCP_LAST_ACK : state;
	case KN_TCP_LAST_ACK:
		return (acked & 1u) ? KN_TCP_CLOSED : state;
	default:
		return state;   /* time_wait waits for both FINs to be acknowledged */
	}
}

void flow_tcp_update(struct flow_rec *r, const struct kn_packet *pkt, unsigned dir)
{
	uint8_t fl = pkt->tcp.flags;
	unsigned peer = dir ^ 1u;
	uint8_t st = r->f.tcp_state;
	int fin = (fl & KN_TCP_FIN) != 0;

	if (fl & KN_TCP_RST) {
		r->f.tcp_state = KN_TCP_CLOSED;
		return;
	}
	/* A peer FIN is covered once an ACK reaches the byte after it. */
	if ((fl & KN_TCP_ACK) && (r->fin_seen & (1u << peer)) &&
	    seq_geq(pkt->tcp.ack, r->fin_next[peer]))
		r->fin_acked |= (uint8_t)(1u << peer);
	if (fin && !(r->fin_seen & (1u << dir))) {
		r->fin_next[dir] = pkt->tcp.seq + pkt->payload_len + 1u +
				   ((fl & KN_TCP_SYN) ? 1u : 0u);
		r->fin_seen |= (uint8_t)(1u << dir);
	}
	if (st == KN_TCP_SYN_SENT || st == KN_TCP_SYN_RECV)
		st = handshake(st, fl, dir);
	if (st != KN_TCP_SYN_SENT && st != KN_TCP_SYN_RECV)
		st = closing(st, dir, fin, r->fin_seen, r->fin_acked);
	r->f.tcp_state = st;
}

uint8_t flow_state_of(const struct kn_flow *f)
{
	if (f->key.proto == PROTO_TCP) {
		switch (f->tcp_state) {
		case KN_TCP_NONE:
		case KN_TCP_SYN_SENT:
		case KN_TCP_SYN_RECV:
			return KN_FLOW_NEW;
		case KN_TCP_CLOSED:
			return KN_FLOW_CLOSED;
		default:
			return KN_FLOW_ESTABLISHED;
		}
	}
	return f->pkts[0] && f->pkts[1] ? KN_FLOW_ESTABLISHED : KN_FLOW_NEW;
}
