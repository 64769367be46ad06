/*
 * capture_int.h - private structure of the capture stage (src/capture),
 * shared by its files:
 *   capture.c  public entry points, byte window over file/pipe/memory, errors
 *   pcap.c     classic pcap records
 *   pcapng.c   pcapng blocks
 *   live.c     live interfaces through libpcap
 *
 * Offline readers parse a byte window buf[pos..end). For mmap'd files and
 * caller buffers the window is the whole input; for pipes it is a bounded
 * buffer refilled by capture_need(), which may move the window (pointers into
 * buf are stale after a call to it).
 */
#ifndef KN_CAPTURE_INT_H
#define KN_CAPTURE_INT_H

#include <stdatomic.h>
#include <stddef.h>
#include <stdint.h>

#include "kenchi/capture.h"
#include "kenchi/packet.h"

/* Largest captured length or pcapng block accepted (bounds the pipe buffer). */
#define CAPTURE_MAX_RECORD (256u << 20)
/* Records up to this size are accepted whatever a file's snaplen says. */
#define CAPTURE_SNAPLEN_SLACK 262144u
/* Defaults for live captures. */
#define CAPTURE_LIVE_SNAPLEN 262144
#define CAPTURE_LIVE_BUFFER (32 << 20)
#define CAPTURE_LIVE_TIMEOUT_MS 100
/* A pcapng section may define at most this many interfaces. */
#define CAPTURE_MAX_IFACES 65536u

struct pcapng_iface;
struct pcap;

struct kn_capture {
	/* Format reader: 1 packet, 0 end, negative error (c->errmsg set). */
	int (*next)(struct kn_capture *c, struct kn_packet *pkt);

	/* Byte window (offline inputs). */
	const uint8_t *buf;
	size_t pos, end;       /* next unread byte, end of valid bytes */
	uint64_t base;         /* file offset of buf[0] */
	uint64_t size;         /* input size, 0 when unknown */
	int eof;               /* nothing can arrive beyond end */
	int fd;                /* pipe being read, -1 otherwise */
	int fd_borrowed;       /* fd is stdin: not ours to close */
	uint8_t *own;          /* pipe buffer (owned) */
	size_t own_cap;
	void *map;             /* mmap'd file */
	size_t map_len;
	size_t released;       /* map bytes before this were dropped from memory */
	uint16_t pkt_flags;    /* KN_PKT_STABLE or 0 */

	/* Classic pcap. */
	uint16_t linktype;
	uint32_t snaplen, caplen_limit;
	uint32_t frac_ns;      /* ns per unit of the fraction field (1000 or 1) */

	/* pcapng: interfaces of the current section. */
	struct pcapng_iface *ifaces;
	uint32_t n_ifaces, ifaces_cap;
	int ng_swap;
	uint64_t ng_last_ts;   /* time given to SPBs */

	/* Live. */
	struct pcap *pcap;
	int live_fd;           /* pollable descriptor (non-blocking mode), -1 = none */
	int ts_nano;

	uint64_t packets, bytes;
	atomic_int stop;       /* set by kn_capture_breakloop */
	int err;               /* sticky error code, 0 = none */
	int live;
	char *name;
	char errmsg[KN_ERRBUF_SIZE];
};

/* Ensures end - pos >= n, reading a pipe when needed. Returns 1 when the
 * bytes are there, 0 when the input ends first (end - pos bytes remain),
 * negative on a read error (message set). May move buf. */
int capture_need(struct kn_capture *c, size_t n);

/* Records a sticky error "<name>: byte offset <off>: <fmt...>" and returns
 * err (negative). */
int capture_fail(struct kn_capture *c, uint64_t off, int err, const char *fmt, ...)
	KN_PRINTF(4, 5);
/* Same with the message prefixed by just the input's name (live errors,
 * which have no byte offset). */
int capture_fail_noff(struct kn_capture *c, int err, const char *fmt, ...) KN_PRINTF(3, 4);

/* Absolute offset of window index i. */
static inline uint64_t capture_off(const struct kn_capture *c, size_t i)
{
	return c->base + i;
}

/* Upper bound on a record's captured length given the snaplen a file
 * declares (see kn_capture_open_file). */
uint32_t capture_caplen_limit(uint32_t snaplen);

/* Fills the frame fields common to every reader. */
static inline void capture_fill(const struct kn_capture *c, struct kn_packet *pkt,
				const uint8_t *data, uint32_t caplen, uint32_t wirelen,
				uint64_t ts_ns, uint16_t linktype)
{
	pkt->data = data;
	pkt->caplen = caplen;
	pkt->wirelen = wirelen < caplen ? caplen : wirelen;
	pkt->ts_ns = ts_ns;
	pkt->linktype = linktype;
	pkt->flags = (uint16_t)(c->pkt_flags | (caplen < wirelen ? KN_PKT_TRUNCATED : 0));
}

/* Byte-order helpers: the value at unaligned p in host order, byte-swapped
 * when the file was written on a host of the other byte order. */
static inline uint32_t capture_rd32(const uint8_t *p, int swap)
{
	uint32_t v;
	__builtin_memcpy(&v, p, 4);
	return swap ? __builtin_bswap32(v) : v;
}

static inline uint64_t capture_rd64(const uint8_t *p, int swap)
{
	uint64_t v;
	__builtin_memcpy(&v, p, 8);
	return swap ? __builtin_bswap64(v) : v;
}

static inline uint16_t capture_rd16(const uint8_t *p, int swap)
{
	uint16_t v;
	__builtin_memcpy(&v, p, 2);
	return swap ? __builtin_bswap16(v) : v;
}

/* Format openers: called with at least 4 bytes in the window at pos 0.
 * They check the file header, set c->next and return 0 or an error. */
int capture_pcap_open(struct kn_capture *c);
int capture_pcapng_open(struct kn_capture *c);
void capture_pcapng_free(struct kn_capture *c);

/* live.c: capture_live_open fails with the message "<iface>: <what>; <hint>". */
int capture_live_open(struct kn_capture *c, const char *iface, const char *bpf,
		      int snaplen, int promisc);
int capture_live_stats(struct kn_capture *c, struct kn_capture_stats *st);
void capture_live_breakloop(struct kn_capture *c);
void capture_live_close(struct kn_capture *c);

#endif
