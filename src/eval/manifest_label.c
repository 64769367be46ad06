/*
 * manifest_label.c - the "labels" of a capture in a dataset manifest: the
 * ground truth at the capture's grain (packet ranges, flows, hosts), each
 * with its attack class and, for flows and hosts, a time window.
 *
 * Part of the manifest loader (manifest.c). Checks what a reader of the
 * manifest would get wrong: the label's form must be the capture's grain,
 * ranges must be ordered and inside the capture, a packet belongs to at
 * most one label, windows must not end before they start.
 */
#include "eval/eval_int.h"

#include <stdlib.h>
#include <string.h>

#include "util/alloc.h"

static const char *const grain_key[3] = { "packets", "flow", "host" };

void eval_labels_free(struct kn_eval_capture *c)
{
	for (size_t i = 0; i < c->n_labels; i++)
		kn_free(c->labels[i].ranges);
	kn_free(c->labels);
	c->labels = NULL;
	c->n_labels = 0;
}

/* ------------------------------------------------------ packet ranges */

/* One element of "packets": N or [FIRST, LAST]. */
static int parse_range(struct eval_load *l, json_t *v, uint64_t packets,
		       struct kn_eval_range *r)
{
	json_t *a = v, *b = v;

	if (json_is_array(v)) {
		if (json_array_size(v) != 2)
			return eval_load_err(l, -KN_EFORMAT, "a range is [FIRST, LAST] (two "
					     "packet numbers)");
		a = json_array_get(v, 0);
		b = json_array_get(v, 1);
	}
	if (!json_is_integer(a) || !json_is_integer(b) || json_integer_value(a) < 1 ||
	    json_integer_value(b) < 1 || json_integer_value(a) > UINT32_MAX ||
	    json_integer_value(b) > UINT32_MAX)
		return eval_load_err(l, -KN_EFORMAT, "expected a packet number N or a range "
				     "[FIRST, LAST] of packet numbers counted from 1 (as EVE's "
				     "pcap_cnt and Wireshark's frame.number)");
	r->first = (uint64_t)json_integer_value(a);
	r->last = (uint64_t)json_integer_value(b);
	if (r->last < r->first)
		return eval_load_err(l, -KN_EFORMAT, "range [%llu, %llu] ends before it starts; "
				     "write [%llu, %llu]", (unsigned long long)r->first,
				     (unsigned long long)r->last, (unsigned long long)r->last,
				     (unsigned long long)r->first);
	if (packets && r->last > packets)
		return eval_load_err(l, -KN_EFORMAT, "packet %llu is beyond the capture's %llu "
				     "packets (its \"packets\"); fix the range or the count",
				     (unsigned long long)r->last, (unsigned long long)packets);
	return 0;
}

static int cmp_range(const void *a, const void *b)
{
	const struct kn_eval_range *x = a, *y = b;
	return (x->first > y->first) - (x->first < y->first);
}

static int parse_packets(struct eval_load *l, json_t *arr, uint64_t packets,
			 struct kn_eval_label *lab)
{
	size_t n = json_array_size(arr);
	int rc = 0;

	if (!json_is_array(arr) || n == 0)
		return eval_load_err(l, -KN_EFORMAT, "expected a non-empty list of packet "
				     "numbers and [FIRST, LAST] ranges");
	if (!(lab->ranges = kn_calloc(n, sizeof *lab->ranges)))
		return eval_load_err(l, -KN_ENOMEM, "out of memory");
	lab->n_ranges = n;
	for (size_t i = 0; i < n && !rc; i++) {
		size_t was = eval_jpath_idx(&l->path, i);
		rc = parse_range(l, json_array_get(arr, i), packets, &lab->ranges[i]);
		lab->n_packets += lab->ranges[i].last - lab->ranges[i].first + 1;
		eval_jpath_pop(&l->path, was);
	}
	return rc;
}

/* A range with where it was written, to name both sides of an overlap. */
struct where {
	struct kn_eval_range r;
	size_t label, elem;
};

static int cmp_where(const void *a, const void *b)
{
	const struct where *x = a, *y = b;
	return cmp_range(&x->r, &y->r);
}

/* Fails when two ranges of the capture share a packet; then sorts each
 * label's ranges. The path points at the capture's labels. */
static int check_overlaps(struct eval_load *l, struct kn_eval_capture *c)
{
	size_t total = 0, k = 0;
	struct where *w;
	int rc = 0;

	for (size_t i = 0; i < c->n_labels; i++)
		total += c->labels[i].n_ranges;
	if (total < 2)
		return 0;
	if (!(w = kn_calloc(total, sizeof *w)))
		return eval_load_err(l, -KN_ENOMEM, "out of memory");
	for (size_t i = 0; i < c->n_labels; i++)
		for (size_t j = 0; j < c->labels[i].n_ranges; j++)
			w[k++] = (struct where){ c->labels[i].ranges[j], i, j };
	qsort(w, total, sizeof *w, cmp_where);
	for (k = 1; k < total && !rc; k++) {
		if (w[k].r.first > w[k - 1].r.last)
			continue;
		const struct where *a = &w[k - 1], *b = &w[k];
		if (a->label > b->label || (a->label == b->label && a->elem > b->elem)) {
			a = &w[k];
			b = &w[k - 1];
		}
		size_t was = eval_jpath_idx(&l->path, b->label);
		eval_jpath_key(&l->path, "packets");
		eval_jpath_idx(&l->path, b->elem);
		rc = eval_load_err(l, -KN_EFORMAT, "packets %llu-%llu overlap labels[%zu].packets"
				   "[%zu] (%llu-%llu); a packet belongs to one label: merge or "
				   "split the ranges", (unsigned long long)b->r.first,
				   (unsigned long long)b->r.last, a->label, a->elem,
				   (unsigned long long)a->r.first, (unsigned long long)a->r.last);
		eval_jpath_pop(&l->path, was);
	}
	kn_free(w);
	for (size_t i = 0; i < c->n_labels && !rc; i++)
		qsort(c->labels[i].ranges, c->labels[i].n_ranges, sizeof(struct kn_eval_range),
		      cmp_range);
	return rc;
}

int eval_labels_check_packets(const struct kn_eval_capture *c, uint64_t n, const char *who,
			      char *errbuf)
{
	for (size_t i = 0; i < c->n_labels; i++) {
		const struct kn_eval_label *lab = &c->labels[i];
		for (size_t j = 0; j < lab->n_ranges; j++) {
			if (lab->ranges[j].last <= n)
				continue;
			return eval_fail(errbuf, -KN_EINVAL, "%s: capture %s: labels[%zu] names "
					 "packet %llu but the capture has %llu packets; fix the "
					 "label's ranges", who, c->name, i,
					 (unsigned long long)lab->ranges[j].last,
					 (unsigned long long)n);
		}
	}
	return 0;
}

/* ---------------------------------------------------- flows and hosts */

static int get_net(struct eval_load *l, json_t *obj, const char *key, struct kn_eval_net *out)
{
	const char *s;
	int rc = eval_get_str(l, obj, key, 1, &s);

	if (rc)
		return rc;
	if (kn_eval_net_parse(s, out) == 0)
		return 0;
	size_t was = eval_jpath_key(&l->path, key);
	rc = eval_load_err(l, -KN_EFORMAT, "bad address \"%.60s\"; write an IPv4 or IPv6 "
			   "address or a network ADDR/PREFIX with zero host bits", s);
	eval_jpath_pop(&l->path, was);
	return rc;
}

static int get_port(struct eval_load *l, json_t *obj, const char *key, int32_t *out)
{
	uint64_t v = 0;
	int present, rc = eval_get_uint(l, obj, key, 0, 65535, &v, &present);

	*out = present ? (int32_t)v : -1;
	return rc;
}

static int get_proto(struct eval_load *l, json_t *obj, int16_t *out)
{
	json_t *v = json_object_get(obj, "proto");
	int p = -1;

	*out = -1;
	if (!v)
		return 0;
	if (json_is_integer(v) && json_integer_value(v) >= 0 && json_integer_value(v) <= 255)
		p = (int)json_integer_value(v);
	else if (json_is_string(v))
		p = kn_eval_proto_parse(json_string_value(v));
	if (p >= 0) {
		*out = (int16_t)p;
		return 0;
	}
	size_t was = eval_jpath_key(&l->path, "proto");
	int rc = eval_load_err(l, -KN_EFORMAT, "unknown protocol; write \"tcp\", \"udp\", "
			       "\"icmp\", \"icmpv6\", \"sctp\", \"gre\" or a number 0-255, or "
			       "leave it out for any");
	eval_jpath_pop(&l->path, was);
	return rc;
}

static int parse_flow(struct eval_load *l, json_t *f, struct kn_eval_label *lab)
{
	static const char *const keys[] = { "src", "dst", "sport", "dport", "proto", NULL };
	int rc;

	if (!json_is_object(f))
		return eval_load_err(l, -KN_EFORMAT, "a flow is an object {\"src\": ADDR, "
				     "\"dst\": ADDR, \"sport\", \"dport\", \"proto\"}");
	if ((rc = eval_check_keys(l, f, keys)) || (rc = get_net(l, f, "src", &lab->src)) ||
	    (rc = get_net(l, f, "dst", &lab->dst)) || (rc = get_port(l, f, "sport", &lab->sport)) ||
	    (rc = get_port(l, f, "dport", &lab->dport)) || (rc = get_proto(l, f, &lab->proto)))
		return rc;
	return 0;
}

static int get_role(struct eval_load *l, json_t *obj, uint8_t *out)
{
	static const char *const roles[] = { "any", "src", "dst" };
	const char *s;
	int rc = eval_get_str(l, obj, "role", 0, &s);

	*out = KN_EVAL_ROLE_ANY;
	if (rc || !s)
		return rc;
	for (uint8_t i = 0; i < 3; i++) {
		if (!strcmp(s, roles[i])) {
			*out = i;
			return 0;
		}
	}
	size_t was = eval_jpath_key(&l->path, "role");
	rc = eval_load_err(l, -KN_EFORMAT, "unknown role \"%.40s\"; use \"src\" (the host "
			   "sends the attack), \"dst\" (receives it) or \"any\"", s);
	eval_jpath_pop(&l->path, was);
	return rc;
}

static int parse_window(struct eval_load *l, json_t *obj, struct kn_eval_window *w)
{
	int has_start, has_end, rc;

	w->start_ns = INT64_MIN;
	w->end_ns = INT64_MAX;
	if ((rc = eval_get_time(l, obj, "start", &w->start_ns, &has_start)) ||
	    (rc = eval_get_time(l, obj, "end", &w->end_ns, &has_end)))
		return rc;
	if (!has_start)
		w->start_ns = INT64_MIN;
	if (!has_end)
		w->end_ns = INT64_MAX;
	if (w->end_ns >= w->start_ns)
		return 0;
	size_t was = eval_jpath_key(&l->path, "end");
	rc = eval_load_err(l, -KN_EFORMAT, "the window ends (%lld.%09lld) before it starts "
			   "(%lld.%09lld); swap or fix \"start\" and \"end\"",
			   (long long)(w->end_ns / 1000000000), (long long)(w->end_ns % 1000000000),
			   (long long)(w->start_ns / 1000000000),
			   (long long)(w->start_ns % 1000000000));
	eval_jpath_pop(&l->path, was);
	return rc;
}

/* ------------------------------------------------------------ labels */

/* Fails unless the label is written in the form of the capture's grain. */
static int check_form(struct eval_load *l, json_t *obj, uint8_t grain)
{
	if (json_object_get(obj, grain_key[grain]))
		return 0;
	for (unsigned g = 0; g < 3; g++) {
		if (g == grain || !json_object_get(obj, grain_key[g]))
			continue;
		return eval_load_err(l, -KN_EFORMAT, "a %s label in a capture of grain \"%s\"; "
				     "write \"%s\" or set the capture's \"grain\": \"%s\"",
				     kn_eval_grain_name(g), kn_eval_grain_name(grain),
				     grain_key[grain], kn_eval_grain_name(g));
	}
	return eval_load_err(l, -KN_EFORMAT, "\"%s\" is missing: a label of grain %s names %s",
			     grain_key[grain], kn_eval_grain_name(grain),
			     grain == KN_EVAL_GRAIN_PACKET ? "packet ranges" :
			     grain == KN_EVAL_GRAIN_FLOW ? "a flow" : "a host");
}

static int parse_label(struct eval_load *l, json_t *obj, const struct kn_eval_capture *c,
		       struct kn_eval_label *lab)
{
	static const char *const keys[3][7] = {
		{ "class", "packets", "comment", NULL },
		{ "class", "flow", "start", "end", "comment", NULL },
		{ "class", "host", "role", "start", "end", "comment", NULL },
	};
	const char *key = grain_key[c->grain];
	int rc;

	lab->proto = -1;
	lab->sport = lab->dport = -1;
	lab->win.start_ns = INT64_MIN;
	lab->win.end_ns = INT64_MAX;
	if (!json_is_object(obj))
		return eval_load_err(l, -KN_EFORMAT, "a label is an object {\"class\": ..., "
				     "\"%s\": ...}", key);
	if ((rc = check_form(l, obj, c->grain)) || (rc = eval_check_keys(l, obj, keys[c->grain])) ||
	    (rc = eval_get_class(l, obj, "class", &lab->cls)))
		return rc;
	size_t was = eval_jpath_key(&l->path, key);
	if (c->grain == KN_EVAL_GRAIN_PACKET)
		rc = parse_packets(l, json_object_get(obj, key), c->packets, lab);
	else if (c->grain == KN_EVAL_GRAIN_FLOW)
		rc = parse_flow(l, json_object_get(obj, key), lab);
	eval_jpath_pop(&l->path, was);
	if (rc)
		return rc;
	if (c->grain == KN_EVAL_GRAIN_HOST &&
	    ((rc = get_net(l, obj, "host", &lab->src)) || (rc = get_role(l, obj, &lab->role))))
		return rc;
	if (c->grain != KN_EVAL_GRAIN_PACKET)
		return parse_window(l, obj, &lab->win);
	return 0;
}

int eval_labels_load(struct eval_load *l, struct kn_eval_capture *c, json_t *labels)
{
	size_t n = json_array_size(labels);
	int rc = 0;

	if (!(c->labels = kn_calloc(n, sizeof *c->labels)))
		return eval_load_err(l, -KN_ENOMEM, "out of memory");
	for (size_t i = 0; i < n && !rc; i++) {
		size_t was = eval_jpath_idx(&l->path, i);
		c->n_labels = i + 1;
		rc = parse_label(l, json_array_get(labels, i), c, &c->labels[i]);
		eval_jpath_pop(&l->path, was);
	}
	if (!rc && c->grain == KN_EVAL_GRAIN_PACKET)
		rc = check_overlaps(l, c);
	return rc;
}
