/*
 * verdict_feed.c - `kenchi run --detect-scores FILE` in the pipeline: the
 * worker's detector context hands every finding of a behaviour detector
 * (not the informational ones, KN_DETECTOR_INFO) to the verdict table
 * (verdict.h), and after each packet has been through the whole pipeline
 * the reader writes its line "packet,score" (the same shape as the model's
 * --model-scores, read by `kenchi eval` as kind kenchi, format csv).
 *
 * Every packet gets a line, in packet order (pcap_cnt), whether decode
 * took it to a worker or not. That order needs the findings of a packet to
 * be made before its line is written: the option needs one worker (the
 * worker runs on the reader's thread), checked by engine_verdict_init.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "engine_int.h"

#define CSV_BUF (1u << 20)

int engine_verdict_init(struct kn_engine *e, char *errbuf)
{
	const struct kn_engine_config *cfg = &e->cfg;

	if (!cfg->detect_scores)
		return 0;
	if (cfg->workers != 1) {
		snprintf(errbuf, KN_ERRBUF_SIZE, "--detect-scores writes one line per packet in "
			 "packet order and needs one worker: drop --workers %u (or give -w 1)",
			 cfg->workers);
		return -KN_EINVAL;
	}
	if (!(e->verdict = verdict_new(cfg->verdict_memcap, cfg->verdict_latch_s, errbuf)))
		return -KN_EINVAL;
	if (!(e->verdict_csv = fopen(cfg->detect_scores, "w"))) {
		snprintf(errbuf, KN_ERRBUF_SIZE, "--detect-scores %s: cannot create it: %s "
			 "(check the directory exists and is writable)", cfg->detect_scores,
			 strerror(errno));
		return -KN_EIO;
	}
	if ((e->verdict_csv_buf = kn_malloc(CSV_BUF)))
		setvbuf(e->verdict_csv, e->verdict_csv_buf, _IOFBF, CSV_BUF);
	fputs("packet,score\n", e->verdict_csv);
	return 0;
}

void engine_verdict_fini(struct kn_engine *e)
{
	if (e->verdict_csv)
		fclose(e->verdict_csv);
	e->verdict_csv = NULL;
	kn_free(e->verdict_csv_buf);
	e->verdict_csv_buf = NULL;
	verdict_free(e->verdict);
	e->verdict = NULL;
}

/* A finding of one of the worker's detectors (kn_detect_callbacks.verdict). */
void engine_verdict_note(struct kn_engine *e, const struct kn_detection *d)
{
	if (e->verdict)
		verdict_note(e->verdict, d);
}

/* The line of a packet that has been through the whole pipeline. */
void engine_verdict_packet(struct kn_engine *e, const struct kn_packet *pkt)
{
	double s = verdict_score(e->verdict, pkt);

	if (s > 0)
		fprintf(e->verdict_csv, "%llu,%.6g\n", (unsigned long long)pkt->index, s);
	else
		fprintf(e->verdict_csv, "%llu,0\n", (unsigned long long)pkt->index);
}

/* Flushes the CSV: 0, or -KN_EIO with errbuf on a write error. */
int engine_verdict_finish(struct kn_engine *e, char *errbuf)
{
	if (!e->verdict_csv)
		return 0;
	if (fflush(e->verdict_csv) == 0 && !ferror(e->verdict_csv))
		return 0;
	snprintf(errbuf, KN_ERRBUF_SIZE, "--detect-scores %s: write error: %s (check the disk "
		 "has room)", e->cfg.detect_scores, strerror(errno));
	return -KN_EIO;
}
