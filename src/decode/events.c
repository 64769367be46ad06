/*
 * events.c - decoder event names and recording.
 *
 * Part of the decode stage: every layer reports a malformed, truncated or
 * odd header through decode_event(), which counts it in the decoder
 * statistics (once per packet, like Suricata's per-packet event counters)
 * and keeps the first KN_PKT_MAX_EVENTS on the packet for the anomaly log. The name table
 * is generated from the single list in decode.h, so ids and names cannot
 * drift apart.
 */
#include "decode_int.h"

static const char *const event_names[KN_DEV_COUNT] = {
#define KN_DEV_NAME_(id, name) [KN_DEV_##id] = name,
	KN_DECODE_EVENTS(KN_DEV_NAME_)
#undef KN_DEV_NAME_
};

const char *kn_decode_event_name(unsigned ev)
{
	return ev < KN_DEV_COUNT ? event_names[ev] : NULL;
}

void decode_event(struct decode_ctx *c, unsigned ev)
{
	struct kn_packet *p = c->p;
	uint64_t bit = 1ull << (ev % 64);

	if (c->seen[ev / 64] & bit)
		return;
	c->seen[ev / 64] |= bit;
	c->d->stats.events[ev]++;
	c->n_events++;
	if (p->n_events < KN_PKT_MAX_EVENTS)
		p->events[p->n_events++] = (uint16_t)ev;
}
