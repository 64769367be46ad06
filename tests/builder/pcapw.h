/*
 * pcapw.h - the traffic builder's capture writer: pcap (micro- or
 * nanosecond) and pcapng files, or the same bytes in memory.
 *
 * Used by the unit and integration tests, fuzz seed generation and the demo
 * capture generator; it is test tooling, not part of libkenchi. Files are
 * always written little-endian, so the same calls give the same bytes on
 * every host. The writer records exactly what it is given (a caplen larger
 * than the snaplen or the wire length is written as is), so tests can make
 * odd but well-formed files.
 */
#ifndef KN_TESTS_PCAPW_H
#define KN_TESTS_PCAPW_H

#include <stddef.h>
#include <stdint.h>

#include "kenchi/kenchi.h"

struct kn_pcapw; /* opaque writer */

enum {
	KN_PCAPW_PCAP_US, /* pcap, magic a1b2c3d4, microsecond time stamps */
	KN_PCAPW_PCAP_NS, /* pcap, magic a1b23c4d, nanosecond time stamps */
	KN_PCAPW_PCAPNG,  /* pcapng: SHB + one IDB (if_tsresol 9) + one EPB per packet */
};

/* Creates (truncates) `path` and writes the file header. NULL with the
 * reason in errbuf (bad format, cannot create the file, out of memory). */
KN_WARN_UNUSED struct kn_pcapw *kn_pcapw_open(const char *path, int format, int linktype,
					      uint32_t snaplen, char *errbuf);

/* Same, into a growing memory buffer (see kn_pcapw_mem). NULL on a bad
 * format or out of memory. */
KN_WARN_UNUSED struct kn_pcapw *kn_pcapw_open_mem(int format, int linktype, uint32_t snaplen);

/* Appends one packet: time in ns since the epoch (pcap US rounds down to
 * the microsecond), caplen bytes of frame, original length wirelen.
 * Returns 0, -KN_EINVAL (NULL writer, or NULL frame with caplen > 0), or
 * the first write error (-KN_EIO, -KN_ENOMEM), which sticks. */
KN_WARN_UNUSED int kn_pcapw_write(struct kn_pcapw *w, uint64_t ts_ns, const uint8_t *frame,
				  uint32_t caplen, uint32_t wirelen);

/* Bytes written so far by a memory writer (NULL and *len 0 for a file
 * writer). Owned by the writer: valid until the next write or close. */
const uint8_t *kn_pcapw_mem(const struct kn_pcapw *w, size_t *len);

/* Flushes and closes the file (or frees the memory) and the writer.
 * Returns 0, or -KN_EIO when any write, the flush or the close failed
 * (-KN_ENOMEM when a memory writer ran out of memory). NULL ok (0). */
int kn_pcapw_close(struct kn_pcapw *w);

#endif
