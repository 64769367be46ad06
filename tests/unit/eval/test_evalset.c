/*
 * test_evalset.c - the labelled synthetic capture of the traffic builder
 * (tests/builder/scenario.h) and its manifests (evalset.h): generated into
 * a temporary directory, all three manifests load with the capture file
 * checked and hashed, and their labels say what the builder reports; the
 * packet labels are checked against the capture's own bytes (a packet is
 * labelled exactly when it belongs to the attack's flows); same seed, same
 * bytes; the background does not depend on the attacks; bad options are
 * refused with a reason.
 */
#include "../../kt.h"

#include <arpa/inet.h>
#include <stdlib.h>
#include <unistd.h>

#include "evalset.h"
#include "kenchi/eval.h"
#include "scenario.h"

struct tmpdir {
	char path[64];
};

static int tmp_make(struct tmpdir *d)
{
	snprintf(d->path, sizeof d->path, "/tmp/kn-evalset-XXXXXX");
	return mkdtemp(d->path) ? 0 : -1;
}

static void tmp_remove(struct tmpdir *d)
{
	char p[128];
	snprintf(p, sizeof p, "%s/%s", d->path, KN_EVALSET_PCAP);
	unlink(p);
	for (unsigned g = 0; g < KN_EVALSET_GRAINS; g++) {
		snprintf(p, sizeof p, "%s/%s", d->path, kn_evalset_manifest(g));
		unlink(p);
	}
	rmdir(d->path);
}

static struct kn_eval_dataset *load(const struct tmpdir *d, unsigned grain, char *err)
{
	char p[128];
	struct kn_eval_load_opts o = { .skip_files = 0 };  /* file checked and hashed */
	snprintf(p, sizeof p, "%s/%s", d->path, kn_evalset_manifest(grain));
	err[0] = '\0';
	struct kn_eval_dataset *ds = kn_eval_dataset_load_file(p, &o, err);
	if (!ds)
		kt_fail(__FILE__, __LINE__, "%s", err);
	return ds;
}

static int64_t ns(uint64_t v)
{
	return (int64_t)v;
}

/* The three default attacks, each label as the builder reports it. */
static void test_manifests_load(void)
{
	struct kn_scn_opts o;
	struct kn_scn s;
	struct tmpdir d;
	char err[KN_ERRBUF_SIZE];
	kn_scn_opts_default(&o);
	KT_REQUIRE(kn_scn_build(&o, &s, err) == 0);
	KT_REQUIRE(tmp_make(&d) == 0);
	KT_REQUIRE(kn_evalset_write(d.path, &s, &o, err) == 0);
	static const char *const cls[3] = { "scan/tcp_syn", "c2_beacon", "dns_tunnel" };
	for (unsigned g = 0; g < KN_EVALSET_GRAINS; g++) {
		struct kn_eval_dataset *ds = load(&d, g, err);
		if (!ds)
			break;
		KT_EQ(ds->n_captures, 1);
		const struct kn_eval_capture *c = &ds->captures[0];
		KT_EQ_STR(c->name, "evalset.pcap");
		KT_EQ(c->packets, s.packets);
		KT_EQ(c->benign, 0);
		KT_REQUIRE(c->n_labels == 3 && ds->n_classes == 3);
		for (unsigned k = 0; k < 3; k++) {
			const struct kn_eval_label *l = &c->labels[k];
			const struct kn_scn_truth *t = &s.truth[k];
			KT_EQ_STR(ds->classes[l->cls], cls[k]);
			if (g == KN_EVALSET_PACKET) {
				KT_EQ(l->n_packets, t->packets);
				KT_EQ(l->n_ranges, t->n_ranges);
			} else {
				KT_EQ(l->win.start_ns, ns(t->first_ns));
				KT_EQ(l->win.end_ns, ns(t->last_ns));
			}
		}
		if (g == KN_EVALSET_HOST) {
			KT_EQ(c->labels[0].role, KN_EVAL_ROLE_SRC);    /* the scanner */
			KT_EQ(c->labels[1].role, KN_EVAL_ROLE_ANY);    /* the C2 server */
		}
		if (g == KN_EVALSET_FLOW) {
			KT_CHECK(c->labels[0].sport == -1 && c->labels[0].dport == -1);
			KT_CHECK(c->labels[1].sport == -1 && c->labels[1].dport == 80);
			KT_EQ(c->labels[2].sport, s.truth[2].flow.sport);
			KT_EQ(c->labels[2].proto, 17);
		}
		kn_eval_dataset_free(ds);
	}
	/* Hand-computed sizes: 300 SYNs, 296 RST/ACKs, 4 open ports x (SYN/ACK + RST);
	 * 10 frames per beacon; a query and an answer per tunnel lookup. */
	KT_EQ(s.truth[KN_SCN_SCAN].packets, 300 + 296 + 8);
	KT_EQ(s.truth[KN_SCN_C2].packets % 10, 0);
	KT_CHECK(s.truth[KN_SCN_C2].packets >= 180);   /* a beacon every 30 s +- 1 from 15 s */
	KT_EQ(s.truth[KN_SCN_DNS_TUNNEL].packets, 400);
	KT_CHECK(s.packets > 2000 && s.packets < 8000);
	tmp_remove(&d);
	kn_scn_fini(&s);
}

/* Addresses and ports of one captured IPv4 TCP/UDP frame. */
struct pkt {
	char src[16], dst[16];
	uint16_t sport, dport;
	uint8_t proto;
	uint64_t ts;
};

static int read_pkt(const uint8_t *p, size_t len, struct pkt *k)
{
	if (len < 14 + 20 + 8 || p[12] != 0x08 || p[13] != 0x00)
		return -1;
	const uint8_t *ip = p + 14;
	size_t ihl = (size_t)(ip[0] & 15) * 4;
	if (ihl < 20 || len < 14 + ihl + 4)
		return -1;
	inet_ntop(AF_INET, ip + 12, k->src, sizeof k->src);
	inet_ntop(AF_INET, ip + 16, k->dst, sizeof k->dst);
	k->proto = ip[9];
	k->sport = (uint16_t)(ip[ihl] << 8 | ip[ihl + 1]);
	k->dport = (uint16_t)(ip[ihl + 2] << 8 | ip[ihl + 3]);
	return 0;
}

static int side(const char *a, uint16_t ap, const char *b, uint16_t bp,
		const struct kn_scn_flow *f)
{
	return !strcmp(a, f->src) && !strcmp(b, f->dst) && (!f->sport || ap == f->sport) &&
	       (!f->dport || bp == f->dport);
}

/* The packet belongs to the attack's flows (either direction). */
static int in_flow(const struct pkt *k, const struct kn_scn_flow *f)
{
	return k->proto == f->proto && (side(k->src, k->sport, k->dst, k->dport, f) ||
					side(k->dst, k->dport, k->src, k->sport, f));
}

static int labelled(const struct kn_scn_truth *t, uint64_t n)
{
	for (size_t i = 0; i < t->n_ranges; i++)
		if (n >= t->ranges[i].first && n <= t->ranges[i].last)
			return 1;
	return 0;
}

/* Every packet: labelled for attack k exactly when it is in k's flows;
 * the windows are the times of the first and last labelled packet. */
static void check_against_bytes(const struct kn_scn *s)
{
	const uint8_t *p = s->pcap + 24, *end = s->pcap + s->pcap_len;
	uint64_t n = 0, first[KN_SCN_KINDS] = { 0 }, last[KN_SCN_KINDS] = { 0 };
	KT_REQUIRE(s->pcap_len > 24 && s->pcap[0] == 0xd4 && s->pcap[3] == 0xa1);
	while (p + 16 <= end) {
		uint32_t sec, usec, cap;
		memcpy(&sec, p, 4), memcpy(&usec, p + 4, 4), memcpy(&cap, p + 8, 4);
		KT_REQUIRE(cap <= (size_t)(end - p - 16));
		struct pkt k;
		n++;
		KT_REQUIRE(read_pkt(p + 16, cap, &k) == 0);
		uint64_t ts = (uint64_t)sec * 1000000000u + (uint64_t)usec * 1000u;
		for (unsigned a = 0; a < KN_SCN_KINDS; a++) {
			const struct kn_scn_truth *t = &s->truth[a];
			if (!t->on)
				continue;
			if (labelled(t, n) != in_flow(&k, &t->flow))
				kt_fail(__FILE__, __LINE__, "packet %llu: %s label %d, flow %d",
					(unsigned long long)n, t->cls, labelled(t, n),
					in_flow(&k, &t->flow));
			if (labelled(t, n)) {
				first[a] = first[a] ? first[a] : ts;
				last[a] = ts;
			}
		}
		p += 16 + cap;
	}
	KT_CHECK(p == end);
	KT_EQ(n, s->packets);
	for (unsigned a = 0; a < KN_SCN_KINDS; a++)
		if (s->truth[a].on) {
			KT_EQ(first[a], s->truth[a].first_ns);
			KT_EQ(last[a], s->truth[a].last_ns);
		}
}

static void test_labels_match_bytes(void)
{
	struct kn_scn_opts o;
	struct kn_scn s;
	char err[KN_ERRBUF_SIZE];
	kn_scn_opts_default(&o);
	o.attacks = KN_SCN_BIT(KN_SCN_KINDS) - 1;   /* all five */
	o.seed = 7;
	KT_REQUIRE(kn_scn_build(&o, &s, err) == 0);
	check_against_bytes(&s);
	KT_EQ(s.truth[KN_SCN_DGA].packets, 80);       /* 40 lookups, NXDOMAIN each */
	KT_CHECK(s.truth[KN_SCN_EXFIL].one_flow && s.truth[KN_SCN_EXFIL].flow.dport == 443);
	KT_CHECK(s.truth[KN_SCN_EXFIL].packets > 2 * (400u << 10) / 1400);  /* data + ACKs */
	KT_EQ_STR(s.truth[KN_SCN_EXFIL].cls, "exfiltration");
	kn_scn_fini(&s);
}

/* Same seed, same bytes; another seed, other bytes; the background is the
 * same without attacks. */
static void test_deterministic(void)
{
	struct kn_scn_opts o;
	struct kn_scn a, b, c;
	char err[KN_ERRBUF_SIZE];
	kn_scn_opts_default(&o);
	KT_REQUIRE(kn_scn_build(&o, &a, err) == 0);
	KT_REQUIRE(kn_scn_build(&o, &b, err) == 0);
	KT_CHECK(a.pcap_len == b.pcap_len && !memcmp(a.pcap, b.pcap, a.pcap_len));
	kn_scn_fini(&b);
	o.attacks = 0;
	KT_REQUIRE(kn_scn_build(&o, &c, err) == 0);
	uint64_t attack = 0;
	for (unsigned k = 0; k < KN_SCN_KINDS; k++)
		attack += a.truth[k].packets;
	KT_EQ(c.packets, a.packets - attack);
	KT_EQ(c.truth[0].on + c.truth[1].on + c.truth[2].on, 0);
	kn_scn_fini(&c);
	o.attacks = KN_SCN_DEFAULT_ATTACKS;
	o.seed = 2;
	KT_REQUIRE(kn_scn_build(&o, &b, err) == 0);
	KT_CHECK(b.pcap_len != a.pcap_len || memcmp(a.pcap, b.pcap, a.pcap_len) != 0);
	kn_scn_fini(&b);
	kn_scn_fini(&a);
}

/* No attack: a benign capture in every manifest. */
static void test_benign(void)
{
	struct kn_scn_opts o;
	struct kn_scn s;
	struct tmpdir d;
	char err[KN_ERRBUF_SIZE];
	kn_scn_opts_default(&o);
	o.attacks = 0;
	o.duration_s = 60;
	o.hosts = 2;
	KT_REQUIRE(kn_scn_build(&o, &s, err) == 0);
	KT_REQUIRE(tmp_make(&d) == 0);
	KT_REQUIRE(kn_evalset_write(d.path, &s, &o, err) == 0);
	struct kn_eval_dataset *ds = load(&d, KN_EVALSET_FLOW, err);
	if (ds) {
		KT_EQ(ds->captures[0].benign, 1);
		KT_EQ(ds->captures[0].packets, s.packets);
		KT_EQ(ds->n_classes, 0);
	}
	kn_eval_dataset_free(ds);
	tmp_remove(&d);
	kn_scn_fini(&s);
}

static void test_bad_options(void)
{
	struct kn_scn_opts o;
	struct kn_scn s;
	char err[KN_ERRBUF_SIZE];
	kn_scn_opts_default(&o);
	o.duration_s = 200;     /* the DNS tunnel starts at 300 s */
	KT_EQ(kn_scn_build(&o, &s, err), -KN_EINVAL);
	KT_EQ_STR(err, "scenario: dns_tunnel starts at 300 s, after the capture's 200 s (less 5)");
	KT_CHECK(s.pcap == NULL && s.packets == 0);
	kn_scn_opts_default(&o);
	o.hosts = KN_SCN_MAX_HOSTS + 1;
	KT_EQ(kn_scn_build(&o, &s, err), -KN_EINVAL);
	KT_CHECK(strstr(err, "hosts") != NULL);
	kn_scn_fini(&s);
}

static const struct kt_case cases[] = {
	KT_CASE(test_manifests_load),
	KT_CASE(test_labels_match_bytes),
	KT_CASE(test_deterministic),
	KT_CASE(test_benign),
	KT_CASE(test_bad_options),
};

KT_MAIN("eval_evalset", cases)
