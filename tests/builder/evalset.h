/*
 * evalset.h - writes a labelled synthetic capture (scenario.h) as a
 * `kenchi eval` dataset: DIR/evalset.pcap and one manifest per grain
 * (docs/eval-manifest.md), all with paths relative to DIR:
 *
 *   evalset-packet.json  packet grain: each attack's packet ranges;
 *   evalset-host.json    host grain: each attack's host label (address,
 *                        role) and window;
 *   evalset-flow.json    flow grain: each attack's flow (one 5-tuple, or
 *                        its flows with wildcard ports) and window.
 *
 * Every manifest gives the capture's sha256 and packet count; a scenario
 * without attacks gives a benign capture. Windows are the times of an
 * attack's first and last packet, written as exact epoch seconds.
 */
#ifndef KN_TESTS_EVALSET_H
#define KN_TESTS_EVALSET_H

#include "scenario.h"

#define KN_EVALSET_PCAP "evalset.pcap"

/* The grains, in the order of kn_evalset_manifest(). */
enum { KN_EVALSET_PACKET = 0, KN_EVALSET_HOST = 1, KN_EVALSET_FLOW = 2, KN_EVALSET_GRAINS = 3 };

/* "evalset-packet.json", ...; NULL out of range. */
const char *kn_evalset_manifest(unsigned grain);

/* Writes the capture and the three manifests of s (built with o) into dir,
 * which must exist. 0, or -KN_EIO / -KN_EINVAL (path too long) / -KN_ENOMEM
 * with errbuf naming the file. */
KN_WARN_UNUSED int kn_evalset_write(const char *dir, const struct kn_scn *s,
				    const struct kn_scn_opts *o, char *errbuf);

#endif
