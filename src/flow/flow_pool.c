/*
 * flow_pool.c - slab allocator of flow records.
 *
 * Flow stage, under flow_table.c. Records are carved from slabs of
 * FLOW_SLAB_RECS records aligned on 64 bytes, and an ended flow's record
 * goes back on a free list, so in the steady state creating a flow costs no
 * allocation. Slabs are only returned to the system when the table is
 * freed: their number is bounded by the peak number of live flows, which
 * the memcap bounds.
 */
#include <stdint.h>
#include <string.h>

#include "flow/flow_int.h"
#include "util/alloc.h"

#define FLOW_SLAB_RECS 512

struct flow_slab {
	struct flow_slab *next;
};

void flow_pool_init(struct flow_pool *p)
{
	memset(p, 0, sizeof *p);
}

void flow_pool_put(struct flow_pool *p, struct flow_rec *r)
{
	r->f.hnext = p->free ? &p->free->f : NULL;
	p->free = r;
}

static int pool_grow(struct flow_pool *p)
{
	size_t bytes = sizeof(struct flow_slab) + FLOW_REC_ALIGN +
		       (size_t)FLOW_SLAB_RECS * sizeof(struct flow_rec);
	struct flow_slab *s = kn_malloc(bytes);
	uintptr_t first;
	struct flow_rec *recs;

	if (!s)
		return -KN_ENOMEM;
	s->next = p->slabs;
	p->slabs = s;
	p->bytes += bytes;
	first = ((uintptr_t)(s + 1) + FLOW_REC_ALIGN - 1) & ~(uintptr_t)(FLOW_REC_ALIGN - 1);
	recs = (struct flow_rec *)first;
	for (size_t i = FLOW_SLAB_RECS; i-- > 0;) {
		flow_pool_put(p, &recs[i]);
	}
	return 0;
}

struct flow_rec *flow_pool_get(struct flow_pool *p)
{
	struct flow_rec *r;

	if (!p->free && pool_grow(p) < 0)
		return NULL;
	r = p->free;
	p->free = flow_rec_of(r->f.hnext);
	memset(r, 0, sizeof *r);
	return r;
}

void flow_pool_fini(struct flow_pool *p)
{
	struct flow_slab *s = p->slabs;

	while (s) {
		struct flow_slab *next = s->next;
		kn_free(s);
		s = next;
	}
	memset(p, 0, sizeof *p);
}
