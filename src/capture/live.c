/*
 * live.c - live capture through libpcap (capture stage, live input).
 *
 * create -> snaplen / promisc / 100 ms timeout / immediate mode / buffer /
 * nanosecond time stamps when the platform has them -> activate -> BPF
 * filter. Packets come from pcap_next_ex; their data is libpcap's and is
 * volatile. The handle is put in non-blocking mode and waited on with
 * poll(): libpcap's own blocking read on Linux never returns on an idle
 * link, and the caller needs the -KN_EAGAIN tick to expire flows and to
 * notice kn_capture_breakloop within the timeout. libpcap's DLT_* values
 * are mapped to the pcap LINKTYPE_* values kenchi uses (they differ for
 * raw IP and across platforms).
 */
#include <pcap/pcap.h>
#include <poll.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "capture/capture_int.h"

#define NS_PER_S 1000000000ull

/* Live errors have no byte offset: "<iface>: <what>; <hint>". */
/* DLT (what libpcap reports) -> LINKTYPE (what kenchi decodes). Raw IP is
 * DLT 12 on most systems and 14 on OpenBSD; both are LINKTYPE_RAW 101.
 * Unknown values pass through: decode counts them as unsupported. */
static uint16_t dlt_to_linktype(int dlt)
{
	if (dlt == DLT_RAW || dlt == 12 || dlt == 14 || dlt == 101)
		return KN_LINK_RAW;
	switch (dlt) {
	case DLT_NULL: return KN_LINK_NULL;
	case DLT_EN10MB: return KN_LINK_ETHERNET;
	case DLT_LOOP: return KN_LINK_LOOP;
	case DLT_LINUX_SLL: return KN_LINK_SLL;
	case DLT_LINUX_SLL2: return KN_LINK_SLL2;
	case DLT_IPV4: return KN_LINK_IPV4;
	case DLT_IPV6: return KN_LINK_IPV6;
	default: return (uint16_t)dlt;
	}
}

/* A packet without blocking; when none, waits up to the timeout once. */
static int next_or_wait(struct kn_capture *c, struct pcap_pkthdr **h, const u_char **data)
{
	int r = pcap_next_ex(c->pcap, h, data);
	if (r != 0 || c->live_fd < 0)
		return r;
	struct pollfd pfd = { .fd = c->live_fd, .events = POLLIN };
	if (poll(&pfd, 1, CAPTURE_LIVE_TIMEOUT_MS) <= 0)
		return 0;
	return pcap_next_ex(c->pcap, h, data);
}

static int live_next(struct kn_capture *c, struct kn_packet *pkt)
{
	struct pcap_pkthdr *h;
	const u_char *data;
	int r = next_or_wait(c, &h, &data);
	if (KN_LIKELY(r == 1)) {
		uint64_t frac = (uint64_t)h->ts.tv_usec * (c->ts_nano ? 1 : 1000);
		uint64_t ts = (uint64_t)h->ts.tv_sec * NS_PER_S + frac;
		capture_fill(c, pkt, data, h->caplen, h->len, ts, c->linktype);
		return 1;
	}
	if (r == 0)
		return -KN_EAGAIN;
	if (r == PCAP_ERROR_BREAK)
		return 0;
	return capture_fail_noff(c, -KN_EIO, "capture failed: %s; is the interface still up?",
			 pcap_geterr(c->pcap));
}

/* Applies the settings before activation; libpcap reports errors through
 * pcap_statustostr / pcap_geterr. */
static int configure(struct kn_capture *c, int snaplen, int promisc)
{
	pcap_t *p = c->pcap;
	if (pcap_set_snaplen(p, snaplen) || pcap_set_promisc(p, promisc ? 1 : 0) ||
	    pcap_set_timeout(p, CAPTURE_LIVE_TIMEOUT_MS) || pcap_set_immediate_mode(p, 1) ||
	    pcap_set_buffer_size(p, CAPTURE_LIVE_BUFFER))
		return capture_fail_noff(c, -KN_EINVAL, "cannot configure the capture: %s; check the settings",
				 pcap_geterr(p));
	/* Optional: not every platform stamps in ns. */
	(void)pcap_set_tstamp_precision(p, PCAP_TSTAMP_PRECISION_NANO);
	int r = pcap_activate(p);
	if (r < 0) {
		const char *hint = r == PCAP_ERROR_PERM_DENIED ? "run as root or grant CAP_NET_RAW"
				   : r == PCAP_ERROR_NO_SUCH_DEVICE ? "check the interface name (ip link)"
								    : "check the interface";
		const char *why = (r == PCAP_ERROR || r == PCAP_ERROR_PERM_DENIED ||
				   r == PCAP_ERROR_NO_SUCH_DEVICE) ? pcap_geterr(p) : pcap_statustostr(r);
		return capture_fail_noff(c, r == PCAP_ERROR_NO_SUCH_DEVICE ? -KN_EINVAL : -KN_EIO,
				 "cannot start the capture: %s; %s", why, hint);
	}
	c->ts_nano = pcap_get_tstamp_precision(p) == PCAP_TSTAMP_PRECISION_NANO;
	return 0;
}

static int set_filter(struct kn_capture *c, const char *bpf)
{
	struct bpf_program prog;
	if (pcap_compile(c->pcap, &prog, bpf, 1, PCAP_NETMASK_UNKNOWN) < 0)
		return capture_fail_noff(c, -KN_EINVAL, "bad BPF filter \"%s\": %s; see pcap-filter(7)", bpf,
				 pcap_geterr(c->pcap));
	int r = pcap_setfilter(c->pcap, &prog);
	pcap_freecode(&prog);
	if (r < 0)
		return capture_fail_noff(c, -KN_EIO, "cannot install the BPF filter: %s; try a simpler filter",
				 pcap_geterr(c->pcap));
	return 0;
}

int capture_live_open(struct kn_capture *c, const char *iface, const char *bpf,
		      int snaplen, int promisc)
{
	char eb[PCAP_ERRBUF_SIZE] = "";
	c->pcap = pcap_create(iface, eb);
	if (!c->pcap)
		return capture_fail_noff(c, -KN_EIO, "cannot open the interface: %s; check its name", eb);
	if (snaplen <= 0 || snaplen > CAPTURE_LIVE_SNAPLEN)
		snaplen = CAPTURE_LIVE_SNAPLEN;
	int r = configure(c, snaplen, promisc);
	if (r < 0)
		return r;
	if (bpf && *bpf && (r = set_filter(c, bpf)) < 0)
		return r;
	/* Without a pollable descriptor, stay in blocking mode. */
	c->live_fd = pcap_get_selectable_fd(c->pcap);
	if (c->live_fd >= 0 && pcap_setnonblock(c->pcap, 1, eb) < 0)
		c->live_fd = -1;
	c->linktype = dlt_to_linktype(pcap_datalink(c->pcap));
	c->snaplen = (uint32_t)pcap_snapshot(c->pcap);
	c->next = live_next;
	return 0;
}

int capture_live_stats(struct kn_capture *c, struct kn_capture_stats *st)
{
	struct pcap_stat ps;
	if (pcap_stats(c->pcap, &ps) < 0)
		return -KN_EIO;
	st->dropped = ps.ps_drop;
	st->ifdropped = ps.ps_ifdrop;
	return 0;
}

void capture_live_breakloop(struct kn_capture *c)
{
	if (c->pcap)
		pcap_breakloop(c->pcap);
}

void capture_live_close(struct kn_capture *c)
{
	if (c->pcap)
		pcap_close(c->pcap);
	c->pcap = NULL;
}
