/*
 * writer.c - the per-thread batching EVE writer (struct kn_eve_writer).
 *
 * Output stage: each worker formats an event, puts the line here, and the
 * lines reach the shared sink (sink.c) in big batches, so the sink's mutex
 * and the write system call are paid once per buffer, not once per event.
 * Nothing here locks or allocates after init.
 */
#include "kenchi/eve.h"

#include <string.h>

#include "output/output.h"
#include "util/alloc.h"

int kn_eve_writer_init(struct kn_eve_writer *w, struct kn_eve_sink *sink, size_t cap)
{
	memset(w, 0, sizeof *w);
	if (!sink || cap == 0)
		return -KN_EINVAL;
	w->buf = kn_malloc(cap);
	if (!w->buf)
		return -KN_ENOMEM;
	w->sink = sink;
	w->cap = cap;
	return 0;
}

int kn_eve_writer_flush(struct kn_eve_writer *w)
{
	if (w->len == 0)
		return 0;
	int rc = output_sink_write_lines(w->sink, w->buf, w->len, w->buf_lines);
	w->len = 0;
	w->buf_lines = 0;
	return rc;
}

void kn_eve_writer_put(struct kn_eve_writer *w, const char *json, size_t len)
{
	if (!w->buf || !json)  /* not initialised, or an overflowed document */
		return;
	w->events++;
	if (len >= w->cap - w->len) {
		(void)kn_eve_writer_flush(w);
		if (len >= w->cap) {  /* bigger than the whole buffer: write it directly */
			(void)output_sink_write_line(w->sink, json, len);
			return;
		}
	}
	memcpy(w->buf + w->len, json, len);
	w->buf[w->len + len] = '\n';
	w->len += len + 1;
	w->buf_lines++;
}

void kn_eve_writer_fini(struct kn_eve_writer *w)
{
	if (w->buf)
		(void)kn_eve_writer_flush(w);
	kn_free(w->buf);
	memset(w, 0, sizeof *w);
}
