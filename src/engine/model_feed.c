/*
 * model_feed.c - the online anomaly model in the pipeline (model.h): the
 * reader thread gives it every decoded packet (IP or not: Kitsune's ARP
 * and MAC statistics need them too), writes the per-packet scores for
 * `kenchi eval` when asked, saves a model trained online, and turns
 * packets scoring above the threshold into "anomaly" events of detector
 * "kitnet" with the features that deviate most, in words.
 *
 * Why the reader thread: Kitsune's host and host-pair statistics need all
 * of a host's packets, and with several workers each sees only its flows.
 * The model's work is bounded per packet (fixed tables, no allocation), so
 * it costs the reader its per-packet time and nothing else.
 *
 * Events are rate-limited per source host (the detectors' rule: one per
 * detect.repeat_s of packet time unless the score grows by half). A loaded
 * model starts with empty feature tables, so its first minute of packet
 * time is a warm-up: scored and written to the CSV, not reported.
 */
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "engine_int.h"
#include "kenchi/anomaly.h"
#include "util/hash.h"

#define CSV_BUF (1u << 20)
#define WARMUP_NS (60ull * 1000000000ull)
#define MAX_REASONS 3

static int open_csv(struct engine_model *em, const char *path, char *errbuf)
{
	if (!(em->csv = fopen(path, "w"))) {
		snprintf(errbuf, KN_ERRBUF_SIZE, "--model-scores %s: cannot create it: %s "
			 "(check the directory exists and is writable)", path, strerror(errno));
		return -KN_EIO;
	}
	if ((em->csv_buf = kn_malloc(CSV_BUF)))
		setvbuf(em->csv, em->csv_buf, _IOFBF, CSV_BUF);
	fputs("packet,score\n", em->csv);
	return 0;
}

int engine_model_init(struct kn_engine *e, char *errbuf)
{
	const struct kn_engine_config *cfg = &e->cfg;
	struct engine_model *em;

	if (!cfg->model_path && !cfg->model_online)
		return 0;
	if (cfg->model_path && cfg->model_online) {
		snprintf(errbuf, KN_ERRBUF_SIZE, "give either --model (a trained model) or "
			 "--train-packets (train online), not both");
		return -KN_EINVAL;
	}
	if (!(em = e->model = kn_calloc(1, sizeof *em))) {
		snprintf(errbuf, KN_ERRBUF_SIZE, "out of memory while starting the engine");
		return -KN_ENOMEM;
	}
	em->m = cfg->model_path ? kn_model_load(cfg->model_path, cfg->model_memcap, errbuf)
				: kn_model_new(&cfg->model, errbuf);
	if (!em->m)
		return -KN_EINVAL;
	if (cfg->model_scores)
		return open_csv(em, cfg->model_scores, errbuf);
	return 0;
}

void engine_model_fini(struct kn_engine *e)
{
	struct engine_model *em = e->model;

	if (!em)
		return;
	if (em->csv)
		fclose(em->csv);
	kn_free(em->csv_buf);
	kn_model_free(em->m);
	kn_free(em);
	e->model = NULL;
}

/* 1 when a report about key (a source host) with this score is due. */
static int due(struct engine_model *em, const char *key, double score, uint64_t ts_ns,
	       double repeat_s)
{
	uint64_t h = kn_hash64(key, strlen(key), 0x6b69746e6574ull) | 1;
	struct engine_model_recent *r = &em->recent[h % ENGINE_MODEL_RECENT];
	double ns = repeat_s * 1e9;
	uint64_t repeat_ns = ns < 1.8e19 ? (uint64_t)ns : UINT64_MAX;

	if (r->key == h && ts_ns >= r->ts_ns && ts_ns - r->ts_ns < repeat_ns &&
	    score < r->score * 1.5)
		return 0;
	*r = (struct engine_model_recent){ h, ts_ns, score };
	return 1;
}

struct model_evidence {
	const struct kn_ai_packet *ap;
	double ratio;
	const struct kn_model_reason *why;
	unsigned n_why;
};

static void write_evidence(const void *arg, struct kn_json *j)
{
	const struct model_evidence *ev = arg;
	char name[64];

	kn_json_double(j, "threshold_ratio", ev->ratio, 3);
	kn_json_open_array(j, "features");
	for (unsigned i = 0; i < ev->n_why; i++) {
		const struct kn_model_reason *r = &ev->why[i];
		kn_json_open(j, NULL);
		if (kn_afterimage_feature_name(r->feature, name, sizeof name))
			kn_json_str(j, "name", name);
		kn_json_double(j, "value", r->value, 6);
		kn_json_double(j, "train_mean", r->train_mean, 6);
		kn_json_double(j, "train_max", r->train_max, 6);
		kn_json_close(j);
	}
	kn_json_close_array(j);
}

/* The event for a packet above the threshold. */
static void report(struct kn_engine *e, const struct kn_packet *pkt,
		   const struct kn_ai_packet *ap, double ratio)
{
	struct engine_model *em = e->model;
	struct kn_model_reason why[MAX_REASONS];
	char key[64], text[1024], one[400];
	size_t len, off = 0;

	if (ap->ip_version)
		kn_detect_addr_text(&ap->src_ip, ap->ip_version == 6, key, sizeof key);
	else
		kn_detect_mac_text(ap->src_mac, key, sizeof key);
	if (!due(em, key, ratio, pkt->ts_ns, e->cfg.detect.repeat_s)) {
		em->suppressed++;
		return;
	}
	unsigned n = kn_model_reasons(em->m, why, MAX_REASONS);
	off = (size_t)snprintf(text, sizeof text, "packet %.3gx the anomaly threshold", ratio);
	for (unsigned i = 0; i < n && off < sizeof text; i++)
		off += (size_t)snprintf(text + off, sizeof text - off, "%s%s", i ? "; " : ": ",
					kn_model_reason_text(&why[i], ap, one, sizeof one));
	struct model_evidence ev = { ap, ratio, why, n };
	struct kn_detection d = { .detector = "kitnet", .event = "KITNET_ANOMALY",
		.score = ratio / (1.0 + ratio), .key = key, .explanation = text,
		.ts_ns = pkt->ts_ns, .pcap_cnt = pkt->index, .evidence = write_evidence,
		.arg = &ev };
	char cid[KN_COMMUNITY_ID_LEN];
	int has_cid = kn_community_id_of_packet(pkt, e->cfg.community_id_seed, cid) == 0;
	kn_eve_packet_detection(&e->json, pkt, &d, has_cid ? cid : NULL);
	const char *out = kn_json_text(&e->json, &len);
	if (out)
		kn_eve_writer_put(&e->eve, out, len);
	em->reports++;
}

static void save_online(struct kn_engine *e)
{
	struct engine_model *em = e->model;

	em->saved = 1;
	if (kn_model_save(em->m, e->cfg.model_out, em->err) != 0)
		em->failed = 1;
}

void engine_model_packet(struct kn_engine *e, const struct kn_packet *pkt, int decode_rc)
{
	struct engine_model *em = e->model;
	struct kn_ai_packet ap;

	kn_ai_packet_from(pkt, decode_rc, &ap);
	if (!kn_model_trained(em->m)) {
		(void)kn_model_process(em->m, &ap);
		if (kn_model_trained(em->m) && e->cfg.model_out)
			save_online(e);
		return;
	}
	double s = kn_model_process(em->m, &ap);
	if (!em->scored++)
		em->first_ts_ns = pkt->ts_ns;
	if (em->csv)
		fprintf(em->csv, "%llu,%.9g\n", (unsigned long long)pkt->index, s);
	if (KN_UNLIKELY(s > 1.0) &&
	    (!e->cfg.model_path || pkt->ts_ns >= em->first_ts_ns + WARMUP_NS))
		report(e, pkt, &ap, s);
}

int engine_model_finish(struct kn_engine *e, char *errbuf)
{
	struct engine_model *em = e->model;

	if (!em)
		return 0;
	if (em->csv && (fflush(em->csv) != 0 || ferror(em->csv)) && !em->failed) {
		em->failed = 1;
		snprintf(em->err, sizeof em->err, "--model-scores %s: write error: %s",
			 e->cfg.model_scores, strerror(errno));
	}
	if (e->cfg.model_out && !em->saved && !em->failed) {
		em->failed = 1;
		snprintf(em->err, sizeof em->err, "--model-out %s: not saved: the input ended "
			 "after %llu packets, before the %llu training packets; give more "
			 "traffic or a smaller --train-packets", e->cfg.model_out,
			 (unsigned long long)e->pkt_index,
			 (unsigned long long)e->cfg.model.train_packets);
	}
	if (!em->failed)
		return 0;
	snprintf(errbuf, KN_ERRBUF_SIZE, "%s", em->err);
	return -KN_EIO;
}
