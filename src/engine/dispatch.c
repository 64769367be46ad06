/*
 * dispatch.c - threaded mode: the reader thread hands decoded packets to N
 * worker threads by symmetric flow hash, through one single-producer
 * single-consumer ring per worker.
 *
 * The ring is the only thing the two sides share. The producer copies the
 * packet record into a slot; the frame bytes are copied too unless they are
 * KN_PKT_STABLE (a mapped capture file outlives the run). head and tail are
 * the only atomics; no locks on the packet path. A full ring makes the
 * reader wait (back-pressure: a file is never read faster than it is
 * processed, and on live capture the kernel buffer absorbs the burst and
 * counts its drops).
 */
#include <sched.h>
#include <signal.h>
#include <string.h>
#include <time.h>

#include "engine_int.h"

#define RING_SLOTS 2048
#define RING_BIG_MAX (64u << 20)  /* large-frame copies in flight, per ring */
#define RING_BIG_KEEP (64u << 10)

static void backoff(unsigned *spins)
{
	if (++*spins < 64)
		return;
	if (*spins < 256) {
		sched_yield();
		return;
	}
	struct timespec ts = { 0, 20000 };
	nanosleep(&ts, NULL);
}

static struct ring_slot *ring_claim(struct ring *r)
{
	uint64_t head = atomic_load_explicit(&r->head, memory_order_relaxed);
	unsigned spins = 0;
	while (head - atomic_load_explicit(&r->tail, memory_order_acquire) >= r->size)
		backoff(&spins);
	return &r->slots[head & r->mask];
}

static void ring_publish(struct ring *r)
{
	uint64_t head = atomic_load_explicit(&r->head, memory_order_relaxed);
	atomic_store_explicit(&r->head, head + 1, memory_order_release);
}

/* Copies the frame into the slot when it would not outlive the call.
 * Frames larger than the inline area use a per-slot buffer; all of a ring's
 * buffers together are capped at RING_BIG_MAX (a frame that would pass it is
 * dropped and counted), and a buffer over RING_BIG_KEEP is released as soon
 * as its slot carries a small frame again. */
static int slot_fill(struct worker *w, struct ring_slot *s, const struct kn_packet *pkt)
{
	s->pkt = *pkt;
	if (pkt->flags & KN_PKT_STABLE)
		return 0;
	uint8_t *dst = s->data;
	if (pkt->caplen > SLOT_INLINE) {
		if (pkt->caplen > s->big_cap) {
			if (w->ring_big_bytes - s->big_cap + pkt->caplen > RING_BIG_MAX)
				return -KN_ENOMEM;
			uint8_t *nb = kn_realloc_array(s->big, pkt->caplen, 1);
			if (!nb)
				return -KN_ENOMEM;
			w->ring_big_bytes += pkt->caplen - s->big_cap;
			s->big = nb;
			s->big_cap = pkt->caplen;
		}
		dst = s->big;
	} else if (s->big_cap > RING_BIG_KEEP) {
		w->ring_big_bytes -= s->big_cap;
		kn_free(s->big);
		s->big = NULL;
		s->big_cap = 0;
	}
	memcpy(dst, pkt->data, pkt->caplen);
	s->pkt.data = dst;
	return 0;
}

/* Every worker must see the highest clock reached since its previous slot:
 * the clock can go back (unordered captures), and a flow that would have
 * expired meanwhile with one worker must expire with N too. */
static void raise_peaks(struct kn_engine *e)
{
	for (unsigned i = 0; i < e->n_workers; i++)
		if (e->now_ns > e->workers[i].peak_ns)
			e->workers[i].peak_ns = e->now_ns;
}

static void slot_send(struct worker *w, struct ring_slot *s, uint32_t kind, uint64_t now_ns)
{
	s->kind = kind;
	s->now_ns = now_ns;
	s->peak_ns = w->peak_ns;
	w->peak_ns = 0;
	ring_publish(&w->ring);
}

void dispatch_packet(struct kn_engine *e, const struct kn_packet *pkt)
{
	struct worker *w = &e->workers[pkt->hash % e->n_workers];
	raise_peaks(e);
	struct ring_slot *s = ring_claim(&w->ring);
	if (slot_fill(w, s, pkt) != 0) {
		e->dispatch_drops++;
		return;
	}
	slot_send(w, s, SLOT_PACKET, e->now_ns);
}

static void broadcast(struct kn_engine *e, uint32_t kind)
{
	raise_peaks(e);
	for (unsigned i = 0; i < e->n_workers; i++) {
		struct worker *w = &e->workers[i];
		slot_send(w, ring_claim(&w->ring), kind, e->now_ns);
	}
}

/* Advances every worker's clock (live capture while idle). */
void dispatch_tick(struct kn_engine *e)
{
	broadcast(e, SLOT_TICK);
}

static void *worker_main(void *arg)
{
	struct worker *w = arg;
	struct ring *r = &w->ring;
	uint64_t tail = 0;
	for (;;) {
		unsigned spins = 0;
		while (atomic_load_explicit(&r->head, memory_order_acquire) == tail)
			backoff(&spins);
		struct ring_slot *s = &r->slots[tail & r->mask];
		if (s->peak_ns > s->now_ns)
			kn_flow_table_timeout(w->flows, s->peak_ns);
		if (s->kind == SLOT_PACKET) {
			worker_packet(w, &s->pkt, s->now_ns);
		} else if (s->kind == SLOT_TICK) {
			kn_flow_table_timeout(w->flows, s->now_ns);
			kn_eve_writer_flush(&w->eve);
			worker_publish(w);
		} else {
			worker_finish(w, s->now_ns);
			atomic_store_explicit(&r->tail, ++tail, memory_order_release);
			return NULL;
		}
		atomic_store_explicit(&r->tail, ++tail, memory_order_release);
	}
}

int dispatch_start(struct kn_engine *e, char *errbuf)
{
	for (unsigned i = 0; i < e->n_workers; i++) {
		struct worker *w = &e->workers[i];
		w->ring.size = RING_SLOTS;
		w->ring.mask = RING_SLOTS - 1;
		w->ring.slots = kn_calloc(RING_SLOTS, sizeof(struct ring_slot));
		if (!w->ring.slots) {
			snprintf(errbuf, KN_ERRBUF_SIZE, "worker %u: cannot allocate its ring", i);
			return -KN_ENOMEM;
		}
	}
	/* Workers inherit a mask without the process signals, so INT/TERM/HUP
	 * are always handled by the reader thread. */
	sigset_t block, old;
	sigemptyset(&block);
	sigaddset(&block, SIGINT);
	sigaddset(&block, SIGTERM);
	sigaddset(&block, SIGHUP);
	pthread_sigmask(SIG_BLOCK, &block, &old);
	int rc = 0;
	for (unsigned i = 0; i < e->n_workers && rc == 0; i++) {
		rc = pthread_create(&e->workers[i].thread, NULL, worker_main, &e->workers[i]);
		if (rc != 0)
			snprintf(errbuf, KN_ERRBUF_SIZE, "cannot start worker thread %u: %s", i,
				 strerror(rc));
		else
			e->workers[i].started = 1;
	}
	pthread_sigmask(SIG_SETMASK, &old, NULL);
	return rc ? -KN_ENOMEM : 0;
}

/* Waits until every worker has processed everything queued so far: the
 * frames of a mapped capture file are passed by pointer (KN_PKT_STABLE), so
 * the file must not be unmapped before its packets are done. */
void dispatch_drain(struct kn_engine *e)
{
	for (unsigned i = 0; i < e->n_workers; i++) {
		struct ring *r = &e->workers[i].ring;
		uint64_t head = atomic_load_explicit(&r->head, memory_order_relaxed);
		unsigned spins = 0;
		while (e->workers[i].started &&
		       atomic_load_explicit(&r->tail, memory_order_acquire) != head)
			backoff(&spins);
	}
}

/* Sends the end marker to every worker and waits for them. */
void dispatch_finish(struct kn_engine *e)
{
	raise_peaks(e);
	for (unsigned i = 0; i < e->n_workers; i++) {
		struct worker *w = &e->workers[i];
		if (w->started)
			slot_send(w, ring_claim(&w->ring), SLOT_END, e->now_ns);
	}
	for (unsigned i = 0; i < e->n_workers; i++) {
		if (e->workers[i].started)
			pthread_join(e->workers[i].thread, NULL);
		e->workers[i].started = 0;
	}
}
