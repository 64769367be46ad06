/*
 * fuzz_eval_eve.c - libFuzzer target for the EVE alert loader (src/eval):
 * the input is read as EVE JSON lines (a short line limit so long lines
 * are exercised too). The statistics must add up, every alert must be well
 * formed, and the alerts are then scored against a fixed dataset at each
 * grain (flow, host, packet with and without packet times), with summaries
 * in range. Seeds: fuzz/corpus/eval_eve/.
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "fuzz_eval.h"
#include "kenchi/eval.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static const char manifest[] =
	"{\"kenchi_dataset\":1,\"grain\":\"flow\",\"captures\":["
	"{\"path\":\"f\",\"labels\":[{\"class\":\"a\",\"flow\":{\"src\":\"147.32.80.0/24\","
	"\"dst\":\"0.0.0.0/0\",\"proto\":\"tcp\"},\"start\":\"2026-03-22T22:47:00Z\","
	"\"end\":\"2026-03-22T22:48:00Z\"},{\"class\":\"b\",\"flow\":{\"src\":\"::/0\","
	"\"dst\":\"2001:db8::1\",\"dport\":53}}]},"
	"{\"path\":\"h\",\"grain\":\"host\",\"labels\":[{\"class\":\"a\",\"host\":"
	"\"127.0.0.1\",\"role\":\"dst\",\"start\":0,\"end\":100}]},"
	"{\"path\":\"p\",\"grain\":\"packet\",\"packets\":64,\"labels\":[{\"class\":\"b\","
	"\"packets\":[[1,8],20,[40,64]]}]},"
	"{\"path\":\"w\",\"grain\":\"packet\",\"attack\":\"c\"},"
	"{\"path\":\"n\",\"benign\":true}]}";

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct kn_eval_dataset *ds;
	struct kn_eval_eve_opts o = { .max_line = 4096, .max_alerts = 256 };
	struct kn_eval_eve_stats st;
	struct kn_eval_alerts l;
	char err[KN_ERRBUF_SIZE] = "";

	if (!ds) {
		struct kn_eval_load_opts lo = { .skip_files = 1 };
		ds = kn_eval_dataset_load_mem("m.json", manifest, strlen(manifest), &lo, err);
		if (!ds)
			abort();
	}
	kn_eval_alerts_init(&l);
	int rc = kn_eval_eve_load_mem(&l, data, size, &o, &st, err);
	if (rc && rc != -KN_EFULL && rc != -KN_ENOMEM)
		abort();
	fuzz_eval_stats(data, size, rc, &st, &l);
	for (size_t i = 0; i < l.n; i++) {
		const struct kn_eval_alert *a = &l.v[i];
		if (a->kind > KN_EVAL_KIND_OTHER || a->proto > 255 || a->ts_ns < 0 ||
		    isinf(a->score) || (a->src.family != 0 && a->src.family != 4 &&
					a->src.family != 6))
			abort();
	}
	fuzz_eval_score(ds, &l, 1774219642000000000LL, 2);
	kn_eval_alerts_fini(&l);
	return 0;
}
