/*
 * det_focus.h - for the tests of one behaviour detector among many (include
 * after detect_test.h and det_packets.h): a rig whose callback keeps only
 * the reports of the detector under test (others, such as dark_addr on a
 * flood's victim, are counted apart) with the finding's subject as text,
 * a configuration hook, and a packet builder that carries payload bytes
 * behind a real transport header (ICMP echo sequence numbers, server
 * replies) and sets the flow's packet counters and TCP flags.
 */
#ifndef KN_TESTS_DET_FOCUS_H
#define KN_TESTS_DET_FOCUS_H

struct focus {
	struct rig r;
	const char *only;          /* the detector under test */
	unsigned others;           /* reports of the other detectors */
	char subject[48];          /* the last report's subject */
	uint64_t first_cnt;        /* the packet of the first report */
	uint8_t frame[2048];
};

static void focus_on_report(void *user, const struct kn_detection *d)
{
	struct focus *f = user;

	if (strcmp(d->detector, f->only)) {
		f->others++;
		return;
	}
	if (!f->r.seen.n)
		f->first_cnt = d->pcap_cnt;
	rig_on_report(&f->r.seen, d);
	if (d->subject_set)
		kn_detect_addr_text(&d->subject, d->subject_v6, f->subject, sizeof f->subject);
	else
		snprintf(f->subject, sizeof f->subject, "(unset)");
}

/* The default configuration changed by tune (when not NULL). */
static void focus_init(struct focus *f, const char *only, uint64_t memcap,
		       void (*tune)(struct kn_detect_config *cfg))
{
	struct kn_detect_config cfg;
	struct kn_detect_callbacks cb = { .report = focus_on_report, .user = f };
	char err[KN_ERRBUF_SIZE];

	(void)rig_init;   /* detect_test.h's plain rig: unused here */
	memset(f, 0, sizeof *f);
	f->only = only;
	kn_detect_config_default(&cfg);
	if (memcap)
		cfg.memcap = memcap;
	if (tune)
		tune(&cfg);
	f->r.ctx = kn_detect_ctx_new(&cfg, &cb, err);
	KT_REQUIRE(f->r.ctx != NULL);
}

/* A packet src -> dst at time t (s), in direction dir of the rig's flow
 * whose counter for dir becomes nth (1: the flow's first packet that way);
 * the other direction's counter is other. proto 6 (flags), 17, or 1 (ICMP
 * type; seq is the echo sequence number); payload[0..len) follows the
 * transport header in the frame. */
static void fpkt(struct focus *f, struct kn_addr src, struct kn_addr dst, uint8_t proto,
		 uint16_t sport, uint16_t dport, uint8_t flags_or_type, uint16_t seq, int dir,
		 unsigned nth, unsigned other, const void *payload, uint32_t len, double t)
{
	struct kn_packet p;
	uint32_t hlen = proto == 6 ? 20 : 8;

	KT_REQUIRE(len + hlen <= sizeof f->frame);
	pkt_head(&f->r, &p, src, dst, proto, sport, dport, flags_or_type, dir, t);
	memset(f->frame, 0, hlen);
	if (proto == 1) {
		f->frame[0] = flags_or_type;
		f->frame[6] = (uint8_t)(seq >> 8);
		f->frame[7] = (uint8_t)seq;
	}
	if (len)
		memcpy(f->frame + hlen, payload, len);
	p.data = f->frame;
	p.caplen = hlen + len;
	p.l4_off = 0;
	p.payload_off = hlen;
	p.payload_len = len;
	f->r.flow.pkts[dir] = nth;
	f->r.flow.pkts[!dir] = other;
	if (proto == 6 && nth == 1 && !other)   /* a new TCP flow */
		f->r.flow.tcp_flags[0] = f->r.flow.tcp_flags[1] = 0;
	if (proto == 6)
		f->r.flow.tcp_flags[dir] |= flags_or_type;
	kn_detect_packet(f->r.ctx, &p);
}

#endif
