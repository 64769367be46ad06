/*
 * fuzz_eval_adapters.c - libFuzzer target for the readers of other
 * detectors' output (src/eval: zeek.c, snort.c, csv.c over lines.c). The
 * first input byte picks the format (0 Zeek, 1 Snort, 2 scored CSV; taken
 * modulo 3) and, for Snort, whether the year is given; the rest is the
 * document, read with a short line limit so long lines are exercised too.
 * The statistics must add up, every alert must be well formed for its
 * format, and the alerts are then scored against a fixed dataset at each
 * grain (flow with and without a window, host, packet with packet times)
 * with summaries in range. Seeds: fuzz/corpus/eval_adapters/.
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "fuzz_eval.h"
#include "kenchi/eval.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static const char manifest[] =
	"{\"kenchi_dataset\":1,\"grain\":\"flow\",\"captures\":["
	"{\"path\":\"f\",\"labels\":[{\"class\":\"a\",\"flow\":{\"src\":\"10.0.0.0/8\","
	"\"dst\":\"0.0.0.0/0\",\"proto\":\"tcp\"},\"start\":\"2025-11-01T12:00:00Z\","
	"\"end\":\"2025-11-01T13:00:00Z\"},{\"class\":\"b\",\"flow\":{\"src\":\"::/0\","
	"\"dst\":\"2001:db8::1\"}}]},"
	"{\"path\":\"h\",\"grain\":\"host\",\"labels\":[{\"class\":\"a\",\"host\":"
	"\"192.0.2.0/24\",\"role\":\"dst\",\"end\":1762000500}]},"
	"{\"path\":\"p\",\"grain\":\"packet\",\"packets\":64,\"labels\":[{\"class\":\"b\","
	"\"packets\":[[1,8],20,[40,64]]}]},"
	"{\"path\":\"n\",\"benign\":true}]}";

/* What every alert of format fmt must look like. */
static void check_alert(const struct kn_eval_alert *a, int fmt)
{
	static const uint8_t kind[3] = { KN_EVAL_KIND_OTHER, KN_EVAL_KIND_ALERT,
					 KN_EVAL_KIND_OTHER };
	if (a->kind != kind[fmt] || a->proto < -1 || a->proto > 255 ||
	    (a->src.family != 0 && a->src.family != 4 && a->src.family != 6) ||
	    (a->dst.family != 0 && a->dst.family != 4 && a->dst.family != 6))
		abort();
	if (a->ts_ns < 0 && !(fmt == 2 && a->ts_ns == KN_EVAL_TS_UNKNOWN && a->pcap_cnt > 0))
		abort();
	if (a->signature && strlen(a->signature) > 1023)
		abort();
	if (fmt == 0 && (!isnan(a->score) || a->pcap_cnt != 0 ||
			 ((a->proto == 1 || a->proto == 58) && (a->sport || a->dport))))
		abort();
	if (fmt == 1 && !isnan(a->score) && !(a->score > 0 && a->score <= 1))
		abort();
	if (fmt == 2 && isnan(a->score))
		abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct kn_eval_dataset *ds;
	struct kn_eval_eve_opts o = { .max_line = 4096, .max_alerts = 256 };
	struct kn_eval_snort_opts so = { .max_line = 4096, .max_alerts = 256 };
	struct kn_eval_eve_stats st;
	struct kn_eval_alerts l;
	char err[KN_ERRBUF_SIZE] = "";
	int rc;

	if (!ds) {
		struct kn_eval_load_opts lo = { .skip_files = 1 };
		ds = kn_eval_dataset_load_mem("m.json", manifest, strlen(manifest), &lo, err);
		if (!ds)
			abort();
	}
	if (size == 0)
		return 0;
	int fmt = data[0] % 3;
	so.year = data[0] & 0x80 ? 2025 : 0;
	so.tz_offset_min = data[0] & 0x40 ? 60 : 0;
	data++;
	size--;
	kn_eval_alerts_init(&l);
	if (fmt == 0)
		rc = kn_eval_zeek_load_mem(&l, data, size, &o, &st, err);
	else if (fmt == 1)
		rc = kn_eval_snort_load_mem(&l, data, size, &so, &st, err);
	else
		rc = kn_eval_csv_load_mem(&l, data, size, &o, &st, err);
	if (rc && rc != -KN_EFULL && rc != -KN_ENOMEM && !(fmt == 2 && rc == -KN_EFORMAT))
		abort();
	if (rc && !err[0])
		abort();
	fuzz_eval_stats(data, size, rc, &st, &l);
	for (size_t i = 0; i < l.n; i++)
		check_alert(&l.v[i], fmt);
	fuzz_eval_score(ds, &l, 1762000496000000000LL, 2);
	kn_eval_alerts_fini(&l);
	return 0;
}
