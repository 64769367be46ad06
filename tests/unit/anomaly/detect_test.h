/*
 * detect_test.h - the rig shared by the behaviour detector tests: a
 * detector context whose reports are captured (key, detector, event,
 * score, explanation, evidence as JSON text, packet number) for the test
 * to assert on, and one fake flow. Include after kt.h.
 */
#ifndef KN_TESTS_DETECT_TEST_H
#define KN_TESTS_DETECT_TEST_H

#include <stdio.h>
#include <string.h>

#include "kenchi/detector.h"
#include "util/json.h"

struct seen {
	unsigned n;
	char key[128], detector[32], event[32], expl[400], evidence[1024];
	double score;
	uint64_t pcap_cnt;
};

struct rig {
	struct kn_detect_ctx *ctx;
	struct seen seen;
	struct kn_flow flow;
	uint64_t n;   /* packets or transactions fed */
};

static void rig_on_report(void *user, const struct kn_detection *d)
{
	struct seen *s = user;
	struct kn_json j;
	size_t len;

	s->n++;
	snprintf(s->key, sizeof s->key, "%s", d->key);
	snprintf(s->detector, sizeof s->detector, "%s", d->detector);
	snprintf(s->event, sizeof s->event, "%s", d->event);
	snprintf(s->expl, sizeof s->expl, "%s", d->explanation);
	s->score = d->score;
	s->pcap_cnt = d->pcap_cnt;
	if (kn_json_init(&j, 1024, 1 << 16) != 0)
		return;
	kn_json_reset(&j);
	kn_json_open(&j, "evidence");
	d->evidence(d->arg, &j);
	kn_json_close(&j);
	kn_json_close(&j);
	const char *t = kn_json_text(&j, &len);
	snprintf(s->evidence, sizeof s->evidence, "%s", t ? t : "");
	kn_json_fini(&j);
}

/* A context with the default config (memcap when not 0). */
static void rig_init(struct rig *r, uint64_t memcap)
{
	struct kn_detect_config cfg;
	struct kn_detect_callbacks cb = { .report = rig_on_report, .user = &r->seen };
	char err[KN_ERRBUF_SIZE];

	memset(r, 0, sizeof *r);
	kn_detect_config_default(&cfg);
	if (memcap)
		cfg.memcap = memcap;
	r->ctx = kn_detect_ctx_new(&cfg, &cb, err);
	KT_REQUIRE(r->ctx != NULL);
}

#endif
