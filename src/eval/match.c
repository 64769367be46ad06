/*
 * match.c - matches one capture's alerts to its ground truth at the
 * capture's grain (rules in include/kenchi/eval.h): which items each alert
 * detects, which alerts are false and how they group into false units, and
 * the scored samples behind the curves. The scorer (scorer.c) commits the
 * result.
 *
 * Cost: packet grain sorts the alerts by packet (n log n) and finds labels
 * by binary search; flow and host grain compare every alert with every
 * label of the capture (alerts x labels), fine for the tens of labels a
 * capture has.
 */
#include "eval/eval_int.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "util/alloc.h"

#define NO_LABEL UINT32_MAX

int eval_cap_init(struct eval_cap *ec, const struct kn_eval_dataset *ds, size_t capture)
{
	memset(ec, 0, sizeof *ec);
	ec->ds = ds;
	ec->cap = &ds->captures[capture];
	if (ec->cap->n_labels && !(ec->lab = kn_calloc(ec->cap->n_labels, sizeof *ec->lab)))
		return -KN_ENOMEM;
	if (ds->n_classes && (!(ec->cls_alerts = kn_calloc(ds->n_classes, sizeof(uint64_t))) ||
			      !(ec->cls_seen = kn_calloc(ds->n_classes, sizeof(uint32_t))))) {
		eval_cap_fini(ec);
		return -KN_ENOMEM;
	}
	for (size_t i = 0; i < ec->cap->n_labels; i++)
		ec->lab[i].first_ns = ec->lab[i].start_ns = INT64_MIN;
	return 0;
}

void eval_cap_fini(struct eval_cap *ec)
{
	kn_free(ec->lab);
	kn_free(ec->cls_alerts);
	kn_free(ec->cls_seen);
	kn_free(ec->samples);
	memset(ec, 0, sizeof *ec);
}

static int push_sample(struct eval_cap *ec, double score, int32_t cls)
{
	if (ec->n_samples == ec->cap_samples) {
		size_t cap = ec->cap_samples ? ec->cap_samples * 2 : 64;
		struct kn_eval_sample *v = kn_realloc_array(ec->samples, cap, sizeof *v);
		if (!v)
			return -KN_ENOMEM;
		ec->samples = v;
		ec->cap_samples = cap;
	}
	ec->samples[ec->n_samples++] = (struct kn_eval_sample){ score, cls };
	return 0;
}

/* An alert matched label i (the alert's index is ai). */
static void label_hit(struct eval_cap *ec, size_t i, const struct kn_eval_alert *a, size_t ai)
{
	struct eval_lab *lab = &ec->lab[i];
	uint32_t cls = ec->cap->labels[i].cls;

	lab->alerts++;
	if (lab->first_ns == INT64_MIN || a->ts_ns < lab->first_ns)
		lab->first_ns = a->ts_ns;
	if (ec->cls_seen[cls] != ai + 1) {   /* count an alert once per class */
		ec->cls_seen[cls] = (uint32_t)(ai + 1);
		ec->cls_alerts[cls]++;
	}
}

static uint64_t absdiff(int64_t a, int64_t b)
{
	return a >= b ? (uint64_t)a - (uint64_t)b : (uint64_t)b - (uint64_t)a;
}

/* --------------------------------------------------------- label starts */

/* Earliest time of packets first..last (1-based), INT64_MIN without times. */
static int64_t min_time(const struct kn_eval_packets *pk, uint64_t first, uint64_t last)
{
	int64_t t = INT64_MIN;
	if (!pk || !pk->ts_ns)
		return INT64_MIN;
	for (uint64_t p = first; p <= last && p <= pk->n; p++)
		if (t == INT64_MIN || pk->ts_ns[p - 1] < t)
			t = pk->ts_ns[p - 1];
	return t;
}

static void label_starts(struct eval_cap *ec)
{
	const struct kn_eval_capture *c = ec->cap;
	int64_t capture_start = ec->pk ? min_time(ec->pk, 1, ec->pk->n) : INT64_MIN;

	for (size_t i = 0; i < c->n_labels; i++) {
		const struct kn_eval_label *lab = &c->labels[i];
		int64_t t = INT64_MIN;
		if (c->grain == KN_EVAL_GRAIN_PACKET && !lab->whole) {
			for (size_t j = 0; j < lab->n_ranges; j++) {
				int64_t r = min_time(ec->pk, lab->ranges[j].first, lab->ranges[j].last);
				if (r != INT64_MIN && (t == INT64_MIN || r < t))
					t = r;
			}
		} else {
			t = lab->whole ? INT64_MIN : lab->win.start_ns;
		}
		ec->lab[i].start_ns = t != INT64_MIN ? t : capture_start;
	}
}

/* --------------------------------------------------------- packet grain */

/* A packet range and its label, sorted by first packet. */
struct prange {
	uint64_t first, last;
	uint32_t label;
};

/* A (time, packet) pair of a time index. */
struct tpkt {
	int64_t ts;
	uint64_t pkt;
};

/* Packets sorted by (time, number). v NULL: the times are already in
 * order, entry i is packet i + 1 at ts[i]. */
struct tindex {
	struct tpkt *v;
	const int64_t *ts;
	uint64_t n;
};

struct hit {
	uint64_t pkt;
	double score;
	int64_t ts;
	uint32_t label;       /* NO_LABEL: a benign packet */
	uint32_t alert;
};

static int cmp_prange(const void *a, const void *b)
{
	const struct prange *x = a, *y = b;
	return (x->first > y->first) - (x->first < y->first);
}

static int cmp_tpkt(const void *a, const void *b)
{
	const struct tpkt *x = a, *y = b;
	if (x->ts != y->ts)
		return (x->ts > y->ts) - (x->ts < y->ts);
	return (x->pkt > y->pkt) - (x->pkt < y->pkt);
}

static int cmp_hit(const void *a, const void *b)
{
	const struct hit *x = a, *y = b;
	return (x->pkt > y->pkt) - (x->pkt < y->pkt);
}

static int64_t ti_ts(const struct tindex *ti, uint64_t i)
{
	return ti->v ? ti->v[i].ts : ti->ts[i];
}

static uint64_t ti_pkt(const struct tindex *ti, uint64_t i)
{
	return ti->v ? ti->v[i].pkt : i + 1;
}

/* First index whose time is >= t. */
static uint64_t ti_lower(const struct tindex *ti, int64_t t)
{
	uint64_t lo = 0, hi = ti->n;
	while (lo < hi) {
		uint64_t mid = lo + (hi - lo) / 2;
		if (ti_ts(ti, mid) < t)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo;
}

/* The packet nearest in time to t within tol (the earlier one on a tie,
 * the lowest number among equal times), or 0. */
static uint64_t ti_nearest(const struct tindex *ti, int64_t t, uint64_t tol)
{
	uint64_t after = ti_lower(ti, t), pick = UINT64_MAX;

	if (after > 0) {
		uint64_t before = ti_lower(ti, ti_ts(ti, after - 1));
		if (absdiff(t, ti_ts(ti, before)) <= tol)
			pick = before;
	}
	if (after < ti->n && absdiff(ti_ts(ti, after), t) <= tol &&
	    (pick == UINT64_MAX || absdiff(ti_ts(ti, after), t) < absdiff(t, ti_ts(ti, pick))))
		pick = after;
	return pick == UINT64_MAX ? 0 : ti_pkt(ti, pick);
}

/* Sorted ranges of every label; a whole label covers 1..n_packets. */
static int build_ranges(struct eval_cap *ec, struct prange **out, size_t *n_out)
{
	const struct kn_eval_capture *c = ec->cap;
	size_t n = 0, k = 0;
	struct prange *v;

	*out = NULL;
	*n_out = 0;
	for (size_t i = 0; i < c->n_labels; i++)
		n += c->labels[i].whole ? 1 : c->labels[i].n_ranges;
	if (n == 0)
		return 0;
	if (!(v = kn_calloc(n, sizeof *v)))
		return -KN_ENOMEM;
	for (size_t i = 0; i < c->n_labels; i++) {
		const struct kn_eval_label *lab = &c->labels[i];
		if (lab->whole)
			v[k++] = (struct prange){ 1, ec->n_packets, (uint32_t)i };
		for (size_t j = 0; !lab->whole && j < lab->n_ranges; j++)
			v[k++] = (struct prange){ lab->ranges[j].first, lab->ranges[j].last,
						  (uint32_t)i };
	}
	qsort(v, n, sizeof *v, cmp_prange);
	*out = v;
	*n_out = n;
	return 0;
}

static uint32_t range_label(const struct prange *r, size_t n, uint64_t pkt)
{
	size_t lo = 0, hi = n;
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		if (r[mid].last < pkt)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo < n && r[lo].first <= pkt ? r[lo].label : NO_LABEL;
}

/* The time index of the labelled packets (lab) and of all packets (all). */
static int build_tindex(struct eval_cap *ec, const struct prange *r, size_t nr,
			struct tindex *lab, struct tindex *all)
{
	const struct kn_eval_packets *pk = ec->pk;
	uint64_t n = 0, k = 0, sorted = 1;

	for (size_t i = 0; i < nr; i++)
		n += r[i].last - r[i].first + 1;
	for (uint64_t i = 1; i < pk->n && sorted; i++)
		sorted = pk->ts_ns[i - 1] <= pk->ts_ns[i];
	*all = (struct tindex){ NULL, pk->ts_ns, pk->n };
	*lab = (struct tindex){ NULL, NULL, n };
	if (!sorted) {
		if (!(all->v = kn_calloc(pk->n, sizeof *all->v)))
			return -KN_ENOMEM;
		for (uint64_t i = 0; i < pk->n; i++)
			all->v[i] = (struct tpkt){ pk->ts_ns[i], i + 1 };
		qsort(all->v, pk->n, sizeof *all->v, cmp_tpkt);
	}
	if (n == 0)
		return 0;
	if (!(lab->v = kn_calloc(n, sizeof *lab->v)))
		return -KN_ENOMEM;
	for (size_t i = 0; i < nr; i++)
		for (uint64_t p = r[i].first; p <= r[i].last; p++)
			lab->v[k++] = (struct tpkt){ pk->ts_ns[p - 1], p };
	qsort(lab->v, n, sizeof *lab->v, cmp_tpkt);
	return 0;
}

/* The packet an alert points at, 0 when none (rules in eval.h). */
static uint64_t resolve(const struct eval_cap *ec, const struct kn_eval_alert *a,
			const struct tindex *lab, const struct tindex *all)
{
	uint64_t p;

	if (a->pcap_cnt)
		return !ec->n_packets || a->pcap_cnt <= ec->n_packets ? a->pcap_cnt : 0;
	if (!all->ts)
		return 0;
	p = ti_nearest(lab, a->ts_ns, (uint64_t)ec->tol);
	return p ? p : ti_nearest(all, a->ts_ns, (uint64_t)ec->tol);
}

/* Turns the hits, sorted by packet, into items detected, false units and
 * samples. */
static int packet_groups(struct eval_cap *ec, const struct kn_eval_alert *alerts,
			 const struct hit *h, size_t n)
{
	for (size_t i = 0, j; i < n; i = j) {
		double best = -INFINITY;
		for (j = i; j < n && h[j].pkt == h[i].pkt; j++)
			best = fmax(best, h[j].score);
		uint32_t L = h[i].label;
		int32_t cls = L == NO_LABEL ? -1 : (int32_t)ec->cap->labels[L].cls;
		if (push_sample(ec, best, cls) != 0)
			return -KN_ENOMEM;
		if (L == NO_LABEL) {
			ec->c.fp++;
			ec->c.alerts_false += j - i;
			continue;
		}
		ec->lab[L].detected++;
		ec->c.alerts_true += j - i;
		for (size_t k = i; k < j; k++)
			label_hit(ec, L, &alerts[h[k].alert], h[k].alert);
	}
	return 0;
}

/* The benign packets no alert pointed at: negatives tied at -inf. */
static void packet_negatives(struct eval_cap *ec, uint64_t false_packets)
{
	uint64_t pos = 0;

	for (size_t i = 0; i < ec->cap->n_labels; i++) {
		const struct kn_eval_label *lab = &ec->cap->labels[i];
		ec->lab[i].items = lab->whole ? ec->n_packets : lab->n_packets;
		pos += ec->lab[i].items;
	}
	ec->neg_known = ec->n_packets > 0;
	if (ec->neg_known)   /* the training prefix holds no negative */
		ec->neg_unranked = ec->n_packets - ec->cap->train_packets - pos - false_packets;
}

static int match_packets(struct eval_cap *ec, const struct kn_eval_alert *alerts, size_t n)
{
	struct tindex lab = { 0 }, all = { 0 };
	struct prange *r = NULL;
	struct hit *h = NULL;
	size_t nr, nh = 0, need_time = 0;
	uint64_t false_packets = 0;
	int rc;

	for (size_t i = 0; i < n; i++)
		need_time |= alerts[i].pcap_cnt == 0;
	if ((rc = build_ranges(ec, &r, &nr)) != 0 ||
	    (need_time && ec->pk && ec->pk->ts_ns && (rc = build_tindex(ec, r, nr, &lab, &all))))
		goto out;
	if (n && !(h = kn_calloc(n, sizeof *h))) {
		rc = -KN_ENOMEM;
		goto out;
	}
	for (size_t i = 0; i < n && !rc; i++) {
		uint64_t p = resolve(ec, &alerts[i], &lab, &all);
		double s = eval_alert_score(&alerts[i]);
		if (p && p <= ec->cap->train_packets)
			continue;   /* the detectors' training period: not scored */
		if (p) {
			h[nh++] = (struct hit){ p, s, alerts[i].ts_ns, range_label(r, nr, p),
						(uint32_t)i };
			continue;
		}
		ec->c.fp++;
		ec->c.alerts_false++;
		ec->c.alerts_unplaced++;
		rc = push_sample(ec, s, -1);
	}
	if (rc)
		goto out;
	if (nh > 1)
		qsort(h, nh, sizeof *h, cmp_hit);
	for (size_t i = 0; i < nh; i++)
		false_packets += h[i].label == NO_LABEL && (i == 0 || h[i].pkt != h[i - 1].pkt);
	rc = packet_groups(ec, alerts, h, nh);
	packet_negatives(ec, false_packets);
out:
	kn_free(h);
	kn_free(r);
	kn_free(lab.v);
	kn_free(all.v);
	return rc;
}

/* ---------------------------------------------------- flow and host */

/* a - b and a + b clamped to the int64 range (b >= 0). */
static int64_t sat_sub(int64_t a, int64_t b)
{
	return a < INT64_MIN + b ? INT64_MIN : a - b;
}

static int64_t sat_add(int64_t a, int64_t b)
{
	return a > INT64_MAX - b ? INT64_MAX : a + b;
}

static int port_ok(int32_t want, uint16_t got)
{
	return want < 0 || want == got;
}

static int flow_match(const struct kn_eval_label *l, const struct kn_eval_alert *a)
{
	if (l->proto >= 0 && l->proto != a->proto)
		return 0;
	if (kn_eval_net_contains(&l->src, &a->src) && kn_eval_net_contains(&l->dst, &a->dst) &&
	    port_ok(l->sport, a->sport) && port_ok(l->dport, a->dport))
		return 1;
	return kn_eval_net_contains(&l->src, &a->dst) && kn_eval_net_contains(&l->dst, &a->src) &&
	       port_ok(l->sport, a->dport) && port_ok(l->dport, a->sport);
}

static int host_match(const struct kn_eval_label *l, const struct kn_eval_alert *a)
{
	int src = kn_eval_net_contains(&l->src, &a->src);
	int dst = kn_eval_net_contains(&l->src, &a->dst);
	return l->role == KN_EVAL_ROLE_SRC ? src : l->role == KN_EVAL_ROLE_DST ? dst : src || dst;
}

static int label_match(const struct eval_cap *ec, const struct kn_eval_label *l,
		       const struct kn_eval_alert *a)
{
	if (l->whole)
		return 1;
	if (a->ts_ns < sat_sub(l->win.start_ns, ec->tol) || a->ts_ns > sat_add(l->win.end_ns, ec->tol))
		return 0;
	return ec->cap->grain == KN_EVAL_GRAIN_FLOW ? flow_match(l, a) : host_match(l, a);
}

/* The false unit of an alert: its flow (protocol and both ends, in a
 * canonical order) or its address pair; compared with memcmp. */
struct fkey {
	uint8_t k[40];
	double score;
};

static void endpoint(uint8_t out[19], const struct kn_eval_addr *a, uint16_t port)
{
	out[0] = a->family;
	memcpy(out + 1, a->bytes, 16);
	out[17] = (uint8_t)(port >> 8);
	out[18] = (uint8_t)port;
}

static void false_key(const struct eval_cap *ec, const struct kn_eval_alert *a, struct fkey *f)
{
	int flow = ec->cap->grain == KN_EVAL_GRAIN_FLOW;
	uint8_t x[19], y[19];

	memset(f, 0, sizeof *f);
	endpoint(x, &a->src, flow ? a->sport : 0);
	endpoint(y, &a->dst, flow ? a->dport : 0);
	f->k[0] = flow ? (uint8_t)(a->proto + 1) : 0;
	int swap = memcmp(x, y, sizeof x) > 0;
	memcpy(f->k + 1, swap ? y : x, 19);
	memcpy(f->k + 20, swap ? x : y, 19);
	f->score = eval_alert_score(a);
}

static int cmp_fkey(const void *a, const void *b)
{
	return memcmp(((const struct fkey *)a)->k, ((const struct fkey *)b)->k, 40);
}

/* Distinct false units become fp and negative samples. */
static int false_units(struct eval_cap *ec, struct fkey *f, size_t n)
{
	if (n > 1)
		qsort(f, n, sizeof *f, cmp_fkey);
	for (size_t i = 0, j; i < n; i = j) {
		double best = -INFINITY;
		for (j = i; j < n && !memcmp(f[j].k, f[i].k, 40); j++)
			best = fmax(best, f[j].score);
		ec->c.fp++;
		if (push_sample(ec, best, -1) != 0)
			return -KN_ENOMEM;
	}
	return 0;
}

static int match_labels(struct eval_cap *ec, const struct kn_eval_alert *alerts, size_t n)
{
	const struct kn_eval_capture *c = ec->cap;
	double *best = c->n_labels ? kn_calloc(c->n_labels, sizeof *best) : NULL;
	struct fkey *f = n ? kn_calloc(n, sizeof *f) : NULL;
	size_t nf = 0;
	int rc = -KN_ENOMEM;

	if ((c->n_labels && !best) || (n && !f))
		goto out;
	for (size_t i = 0; i < c->n_labels; i++)
		best[i] = -INFINITY;
	for (size_t ai = 0; ai < n; ai++) {
		int matched = 0;
		for (size_t i = 0; i < c->n_labels; i++) {
			if (!label_match(ec, &c->labels[i], &alerts[ai]))
				continue;
			matched = 1;
			label_hit(ec, i, &alerts[ai], ai);
			best[i] = fmax(best[i], eval_alert_score(&alerts[ai]));
		}
		if (matched)
			ec->c.alerts_true++;
		else
			false_key(ec, &alerts[ai], &f[nf++]);
	}
	ec->c.alerts_false = nf;
	if (false_units(ec, f, nf) != 0)
		goto out;
	for (size_t i = 0; i < c->n_labels; i++) {
		ec->lab[i].items = 1;
		ec->lab[i].detected = ec->lab[i].alerts > 0;
		if (ec->lab[i].detected && push_sample(ec, best[i], (int32_t)c->labels[i].cls))
			goto out;
	}
	rc = 0;
out:
	kn_free(best);
	kn_free(f);
	return rc;
}

/* ------------------------------------------------------------- entry */

int eval_match(struct eval_cap *ec, const struct kn_eval_alert *alerts, size_t n, char *errbuf)
{
	const struct kn_eval_capture *c = ec->cap;
	int rc;

	if (n >= UINT32_MAX)
		return eval_fail(errbuf, -KN_EINVAL, "capture %s: too many alerts", c->name);
	for (size_t i = 0; i < c->n_labels; i++)
		if (c->labels[i].whole && c->grain == KN_EVAL_GRAIN_PACKET && !ec->n_packets)
			return eval_fail(errbuf, -KN_EINVAL, "capture %s: a whole-capture attack at "
					 "packet grain needs the packet count; give \"packets\" "
					 "in the manifest or the packet times", c->name);
	ec->c.alerts = n;
	for (size_t i = 0; i < n && !ec->scored; i++)
		ec->scored = !isnan(alerts[i].score);
	label_starts(ec);
	if (c->grain == KN_EVAL_GRAIN_PACKET)
		rc = match_packets(ec, alerts, n);
	else
		rc = match_labels(ec, alerts, n);
	if (rc == -KN_ENOMEM)
		eval_fail(errbuf, rc, "capture %s: out of memory while matching", c->name);
	return rc;
}
