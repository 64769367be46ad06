/*
 * verdict.h - per-packet verdicts of the behaviour detectors (internal to
 * src/engine, used by `kenchi run --detect-scores`): a bounded table of
 * the hosts findings were about, each latched with the finding's score for
 * latch_s of packet time, and the score of a packet: the highest latched
 * score of its source or destination (IP, or Ethernet address for
 * link-layer findings).
 *
 * A host keeps two scores: the highest report within the latch and the
 * highest report made after it. When the first expires the second takes
 * over (with the time of the latest report it holds), so a packet's score
 * is the largest report about its hosts made within latch_s before it,
 * except that the runner-up's expiry follows its latest report.
 *
 * Memory: one table of verdict slots, 8-way sets, sized once from the
 * memcap; a full set gives up the host whose last report is oldest
 * (counted in evicted). Not thread-safe: one owner.
 */
#ifndef KN_ENGINE_VERDICT_H
#define KN_ENGINE_VERDICT_H

#include <stdint.h>

#include "kenchi/detector.h"
#include "kenchi/kenchi.h"
#include "kenchi/packet.h"

struct verdict_table;

struct verdict_stats {
	uint64_t notes;      /* subjects latched (a finding may latch an IP and a MAC) */
	uint64_t evicted;    /* hosts given up to make room */
	uint64_t slots;      /* capacity */
};

/* NULL with the reason in errbuf: memcap below one set (8 slots), or
 * latch_s not in 0..1e7, or no memory. */
KN_WARN_UNUSED struct verdict_table *verdict_new(uint64_t memcap, double latch_s, char *errbuf);
void verdict_free(struct verdict_table *v);

/* Latches the subject(s) of a finding at d->ts_ns: subject when
 * subject_set, else the side of d->flow named by dir; and subject_mac when
 * subject_mac_set. A finding naming no host is ignored. */
void verdict_note(struct verdict_table *v, const struct kn_detection *d);

/* The score of a decoded packet (0 when none of its hosts is latched). */
double verdict_score(const struct verdict_table *v, const struct kn_packet *p);

void verdict_stats(const struct verdict_table *v, struct verdict_stats *out);
/* Bytes of one slot (the table holds stats.slots of them). */
size_t verdict_slot_bytes(void);

#endif
