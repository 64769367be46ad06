/*
 * flow_names.c - the names flow states and end reasons are logged under in
 * EVE (flow.state, tcp.state, flow.reason), as Suricata spells them.
 *
 * Flow stage, used by output. Unknown values give "unknown", never NULL.
 */
#include "kenchi/flow.h"

static const char *const flow_state_names[] = {
	[KN_FLOW_NEW] = "new",
	[KN_FLOW_ESTABLISHED] = "established",
	[KN_FLOW_CLOSED] = "closed",
};

static const char *const tcp_state_names[] = {
	[KN_TCP_NONE] = "none",
	[KN_TCP_SYN_SENT] = "syn_sent",
	[KN_TCP_SYN_RECV] = "syn_recv",
	[KN_TCP_ESTABLISHED] = "established",
	[KN_TCP_FIN_WAIT1] = "fin_wait1",
	[KN_TCP_FIN_WAIT2] = "fin_wait2",
	[KN_TCP_TIME_WAIT] = "time_wait",
	[KN_TCP_LAST_ACK] = "last_ack",
	[KN_TCP_CLOSE_WAIT] = "close_wait",
	[KN_TCP_CLOSING] = "closing",
	[KN_TCP_CLOSED] = "closed",
};

static const char *const end_reason_names[] = {
	[KN_FLOW_END_TIMEOUT] = "timeout",
	[KN_FLOW_END_FORCED] = "forced",
	[KN_FLOW_END_SHUTDOWN] = "shutdown",
};

#define NAME_OF(tab, i) ((i) < sizeof(tab) / sizeof((tab)[0]) && (tab)[i] ? (tab)[i] : "unknown")

const char *kn_flow_state_name(unsigned state)
{
	return NAME_OF(flow_state_names, state);
}

const char *kn_tcp_state_name(unsigned tcp_state)
{
	return NAME_OF(tcp_state_names, tcp_state);
}

const char *kn_flow_end_reason_name(unsigned reason)
{
	return NAME_OF(end_reason_names, reason);
}
