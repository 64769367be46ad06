/*
 * capture.h - the first stage of the pipeline: where packets come from.
 *
 * A capture hands out frames one at a time (kn_capture_next) from a pcap or
 * pcapng file, a pipe, a caller buffer or a live interface (libpcap). It
 * fills only the frame fields of struct kn_packet; decode takes it from
 * there. The handle is owned by one thread; only kn_capture_breakloop may be
 * called from elsewhere (another thread or a signal handler).
 *
 * Error messages are one line, "<name>: byte offset <N>: <what>; <hint>",
 * where N is the offset of the start of the faulty header, record or block
 * (live captures: "<iface>: <what>; <hint>"). Error codes:
 *   -KN_EIO      the file or device cannot be opened or read (strerror text)
 *   -KN_EFORMAT  not a capture file, or a corrupt header, record or block
 *   -KN_ETRUNC   the input ends in the middle of a header, record or block
 *   -KN_ENOTSUP  a valid file this reader does not handle (format version,
 *                timestamp resolution, modified pcap variant)
 *   -KN_ENOMEM   allocation failed
 *   -KN_EINVAL   bad argument (NULL path, bad interface or BPF filter)
 *   -KN_EAGAIN   (kn_capture_next, live only) no packet within the timeout
 */
#ifndef KENCHI_CAPTURE_H
#define KENCHI_CAPTURE_H

#include <stddef.h>
#include <stdint.h>

#include "kenchi/kenchi.h"
#include "kenchi/packet.h"

struct kn_capture; /* opaque */

struct kn_capture_stats {
	uint64_t packets;   /* packets returned by kn_capture_next */
	uint64_t bytes;     /* sum of their caplen */
	uint64_t dropped;   /* live only (pcap_stats ps_drop): dropped by the kernel buffer */
	uint64_t ifdropped; /* live only (pcap_stats ps_ifdrop): dropped by the interface */
};

/* Offline file: pcap (usec and nsec magic, both byte orders) and pcapng
 * (SHB of both byte orders, several sections, IDB with if_tsresol (power of
 * 10 and power of 2) and if_tsoffset, EPB, SPB, obsolete PB; other blocks
 * skipped; each interface may have its own link type). Regular files are
 * mmap'd (packets then carry KN_PKT_STABLE: data valid until
 * kn_capture_close); pipes/stdin ("-") are read with a bounded buffer (data
 * valid until the next kn_capture_next call). The file header is read and
 * checked here, so a wrong format fails at open.
 *
 * Record lengths: a captured length above 256 MiB, or above the file's
 * snaplen when that snaplen is non-zero and at least 262144, is an error
 * (-KN_EFORMAT); records up to 262144 bytes are accepted whatever the
 * snaplen says (many writers record a smaller snaplen than they used).
 * A wire length below the captured length is raised to the captured length.
 * An SPB carries no time: it gets the time of the section's previous packet
 * (0 when none). Returns NULL with the reason in errbuf. */
KN_WARN_UNUSED struct kn_capture *kn_capture_open_file(const char *path, char *errbuf);

/* Same parser on a caller buffer (borrowed, must outlive the capture);
 * `name` is used in messages (NULL = "memory"). Used by the fuzzer and
 * tests. Packets carry KN_PKT_STABLE. */
KN_WARN_UNUSED struct kn_capture *kn_capture_open_mem(const uint8_t *buf, size_t len,
						      const char *name, char *errbuf);

/* Live capture through libpcap (create -> snaplen (<= 0 or > 262144: 262144) / promisc /
 * timeout 100 ms / immediate mode / 32 MiB buffer / nanosecond time stamps
 * when available -> activate), optional BPF filter (NULL or "" = none).
 * Packet data is volatile: valid until the next kn_capture_next call. */
KN_WARN_UNUSED struct kn_capture *kn_capture_open_live(const char *iface, const char *bpf,
						       int snaplen, int promisc, char *errbuf);

/* Next packet: sets ONLY pkt->data, caplen, wirelen, ts_ns (ns since
 * epoch), linktype, flags (KN_PKT_STABLE when applicable; KN_PKT_TRUNCATED
 * when caplen < wirelen). Returns 1 = packet, 0 = end of input (or
 * kn_capture_breakloop was called; every later call returns 0 too),
 * -KN_EAGAIN = live timeout with no packet, other negative = error with the
 * message in errbuf (may be NULL). After an error every later call returns
 * the same error and message. Packets before the fault were returned. */
KN_WARN_UNUSED int kn_capture_next(struct kn_capture *c, struct kn_packet *pkt, char *errbuf);

/* Counters so far; 0, or -KN_EIO when pcap_stats fails (live). */
KN_WARN_UNUSED int kn_capture_stats(struct kn_capture *c, struct kn_capture_stats *st);

/* Bytes consumed so far (files, pipes, memory): the offset of the next
 * record. 0 for live captures. */
uint64_t kn_capture_position(const struct kn_capture *c);

/* File (or buffer) size, 0 when unknown (pipes, live). */
uint64_t kn_capture_size(const struct kn_capture *c);

/* 1 for a live capture, 0 otherwise. */
int kn_capture_is_live(const struct kn_capture *c);

/* Async-signal-safe and thread-safe: the next kn_capture_next call (and
 * every later one) returns 0; a live capture blocked in libpcap wakes up. */
void kn_capture_breakloop(struct kn_capture *c);

/* Unmaps / closes everything; packet data from this capture becomes
 * invalid. NULL ok. */
void kn_capture_close(struct kn_capture *c);

#endif
