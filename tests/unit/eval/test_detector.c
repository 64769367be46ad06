/*
 * test_detector.c - detector configs of `kenchi eval`: the three kinds with
 * their defaults, every refusal with the key and fix named, the built-in
 * kenchi detector, and placeholder expansion (shell quoting, braces,
 * unknown and unset placeholders).
 */
#include <string.h>

#include "../../kt.h"

#include "kenchi/eval.h"
#include "kenchi/eval_detector.h"
#include "util/alloc.h"

static struct kn_eval_detector *load(const char *doc, char *errbuf)
{
	errbuf[0] = '\0';
	return kn_eval_detector_load_mem("d.json", doc, strlen(doc), "/etc/kenchi", errbuf);
}

static void test_kinds(void)
{
	char err[KN_ERRBUF_SIZE];
	struct kn_eval_detector *d = load(
		"{\"kenchi_detector\": 1, \"name\": \"suricata-7.0.4\", \"kind\": \"command\","
		" \"command\": \"suricata -r {pcap} -l {outdir}\", \"version\": \"7.0.4\","
		" \"timeout_s\": 600, \"events\": [\"alert\"], \"comment\": \"x\"}", err);
	KT_REQUIRE(d != NULL);
	KT_EQ(d->kind, KN_EVAL_DET_COMMAND);
	KT_EQ(d->format, KN_EVAL_FMT_EVE);
	KT_EQ_STR(d->output, "{outdir}/eve.json");     /* the default output */
	KT_EQ(d->eve_types, KN_EVAL_EVE_ALERT);
	KT_CHECK(d->timeout_s == 600);
	KT_EQ_STR(d->version, "7.0.4");
	KT_EQ_STR(d->description, "");
	KT_EQ_STR(d->base_dir, "/etc/kenchi");
	kn_eval_detector_free(d);

	d = load("{\"kenchi_detector\": 1, \"name\": \"zeek\", \"command\": \"zeek -r {pcap}\","
		 " \"format\": \"zeek\"}", err);
	KT_REQUIRE(d != NULL);
	KT_EQ(d->kind, KN_EVAL_DET_COMMAND);              /* kind defaults to command */
	KT_EQ_STR(d->output, "{outdir}");
	kn_eval_detector_free(d);

	d = load("{\"kenchi_detector\": 1, \"name\": \"ref\", \"kind\": \"files\","
		 " \"files\": \"ref/{name}.eve.json.gz\"}", err);
	KT_REQUIRE(d != NULL);
	KT_EQ(d->kind, KN_EVAL_DET_FILES);
	KT_EQ_STR(d->output, "ref/{name}.eve.json.gz");
	KT_EQ(d->eve_types, KN_EVAL_EVE_ALERT | KN_EVAL_EVE_ANOMALY);  /* no protocol anomalies */
	kn_eval_detector_free(d);

	d = load("{\"kenchi_detector\": 1, \"name\": \"kenchi-mid\", \"kind\": \"kenchi\","
		 " \"args\": [\"--midstream\", \"-w\", \"2\"]}", err);
	KT_REQUIRE(d != NULL);
	KT_EQ(d->n_args, 3);
	KT_EQ_STR(d->args[2], "2");
	kn_eval_detector_free(d);

	/* parts: the tool's own detectors, scored apart as well */
	d = load("{\"kenchi_detector\": 1, \"name\": \"k\", \"kind\": \"kenchi\","
		 " \"parts\": [\"port_scan\", \"dns_tunnel\"]}", err);
	KT_REQUIRE(d != NULL);
	KT_EQ(d->n_parts, 2);
	KT_EQ_STR(d->parts[0], "port_scan");
	KT_EQ_STR(d->parts[1], "dns_tunnel");
	kn_eval_detector_free(d);

	d = kn_eval_detector_builtin();
	KT_REQUIRE(d != NULL);
	KT_EQ_STR(d->name, "kenchi");
	KT_EQ(d->kind, KN_EVAL_DET_KENCHI);
	KT_EQ_STR(d->version, kn_version());
	KT_EQ_STR(d->config, "");
	kn_eval_detector_free(d);
}

static void test_refused(void)
{
	static const struct { const char *doc, *msg; } cases[] = {
		{ "{\"name\": \"a\", \"command\": \"x\"}", "\"kenchi_detector\": 1 is required" },
		{ "{\"kenchi_detector\": 2, \"name\": \"a\", \"command\": \"x\"}",
		  "\"kenchi_detector\": 1 is required" },
		{ "{\"kenchi_detector\": 1, \"command\": \"x\"}", "\"name\" is missing" },
		{ "{\"kenchi_detector\": 1, \"name\": \"a b\", \"command\": \"x\"}",
		  "d.json: name: \"a b\" is not a detector name" },
		{ "{\"kenchi_detector\": 1, \"name\": \"a\", \"comand\": \"x\"}",
		  "d.json: comand: unknown key \"comand\"" },
		{ "{\"kenchi_detector\": 1, \"name\": \"a\", \"kind\": \"sim\"}",
		  "d.json: kind: \"sim\" is not a kind; use kenchi, command or files" },
		{ "{\"kenchi_detector\": 1, \"name\": \"a\", \"kind\": \"command\"}",
		  "kind command needs \"command\"" },
		{ "{\"kenchi_detector\": 1, \"name\": \"a\", \"kind\": \"files\"}",
		  "kind files needs \"files\"" },
		{ "{\"kenchi_detector\": 1, \"name\": \"a\", \"kind\": \"files\", \"files\": \"x\","
		  " \"command\": \"y\"}", "\"command\" does not apply to kind files" },
		{ "{\"kenchi_detector\": 1, \"name\": \"a\", \"kind\": \"kenchi\", \"format\": "
		  "\"zeek\"}", "kind kenchi writes EVE" },
		{ "{\"kenchi_detector\": 1, \"name\": \"a\", \"command\": \"x\", \"format\": "
		  "\"csv\", \"events\": [\"alert\"]}", "\"events\" applies to format eve only" },
		{ "{\"kenchi_detector\": 1, \"name\": \"a\", \"command\": \"x\", \"events\": "
		  "[\"alert\", \"alarm\"]}", "d.json: events[1]: not an event kind" },
		{ "{\"kenchi_detector\": 1, \"name\": \"a\", \"command\": \"x\", \"timeout_s\": -1}",
		  "d.json: timeout_s: expected seconds" },
		{ "{\"kenchi_detector\": 1, \"name\": \"a\", \"kind\": \"kenchi\", \"args\": "
		  "[\"-w\", 2]}", "d.json: args[1]: expected a string" },
		{ "{\"kenchi_detector\": 1,\n \"name\": }", "d.json:2:10: invalid JSON" },
		{ "{\"kenchi_detector\": 1, \"name\": \"a\", \"name\": \"b\", \"command\": \"x\"}",
		  "invalid JSON" },
		{ "[]", "expected a JSON object" },
		{ "{\"kenchi_detector\": 1, \"name\": \"a\", \"command\": \"x\", "
		  "\"tz_offset_min\": 60}", "d.json: tz_offset_min: applies to format snort only" },
		{ "{\"kenchi_detector\": 1, \"name\": \"a\", \"command\": \"x\", \"format\": "
		  "\"snort\", \"tz_offset_min\": 1500}", "expected minutes east of UTC" },
		{ "{\"kenchi_detector\": 1, \"name\": \"a\", \"command\": \"x\", \"format\": "
		  "\"csv\", \"parts\": [\"p\"]}", "d.json: parts: applies to format eve only" },
		{ "{\"kenchi_detector\": 1, \"name\": \"a\", \"command\": \"x\", \"parts\": []}",
		  "d.json: parts: expected a list of 1 to 64 detector names" },
		{ "{\"kenchi_detector\": 1, \"name\": \"a\", \"command\": \"x\", \"parts\": "
		  "[\"p\", \"p\"]}", "d.json: parts[1]: \"p\" is listed twice" },
		{ "{\"kenchi_detector\": 1, \"name\": \"a\", \"command\": \"x\", \"parts\": "
		  "[\"p q\"]}", "d.json: parts[0]: \"p q\" is not a part name" },
		{ "{\"kenchi_detector\": 1, \"name\": \"a\", \"command\": \"x\", \"parts\": "
		  "[3]}", "d.json: parts[0]: expected a detector name (a string)" },
	};
	char err[KN_ERRBUF_SIZE];

	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		struct kn_eval_detector *d = load(cases[i].doc, err);
		KT_CHECK(d == NULL);
		if (!strstr(err, cases[i].msg))
			KT_EQ_STR(err, cases[i].msg);
		kn_eval_detector_free(d);
	}
}

static void test_expand(void)
{
	struct kn_eval_subst s = { .pcap = "/data/it's here.pcap", .outdir = "/tmp/o",
				   .name = "pcaps__a.pcap", .path = "pcaps/a.pcap", .stem = "a" };
	char err[KN_ERRBUF_SIZE], *out;

	KT_EQ(kn_eval_expand("tool -r {pcap} -l {outdir} > {outdir}/x", &s, 1, &out, err), 0);
	KT_EQ_STR(out, "tool -r '/data/it'\\''s here.pcap' -l '/tmp/o' > '/tmp/o'/x");
	kn_free(out);
	KT_EQ(kn_eval_expand("ref/{name}.eve.json.gz", &s, 0, &out, err), 0);
	KT_EQ_STR(out, "ref/pcaps__a.pcap.eve.json.gz");
	kn_free(out);
	KT_EQ(kn_eval_expand("{stem}-{path} {{x}} }", &s, 0, &out, err), 0);
	KT_EQ_STR(out, "a-pcaps/a.pcap {x} }");
	kn_free(out);
	KT_EQ(kn_eval_expand("x {pacp}", &s, 0, &out, err), -KN_EINVAL);
	KT_CHECK(out == NULL);
	KT_CHECK(strstr(err, "unknown placeholder {pacp}") != NULL);
	KT_EQ(kn_eval_expand("x {pcap", &s, 0, &out, err), -KN_EINVAL);
	s.outdir = NULL;
	KT_EQ(kn_eval_expand("-l {outdir}", &s, 0, &out, err), -KN_EINVAL);
	KT_CHECK(strstr(err, "no value for {outdir}") != NULL);
}

static void test_alloc_faults(void)
{
	static const char doc[] = "{\"kenchi_detector\": 1, \"name\": \"k\", \"kind\": "
		"\"kenchi\", \"args\": [\"--midstream\", \"-q\"], \"version\": \"1\"}";
	char err[KN_ERRBUF_SIZE];
	int ok = 0;

	for (unsigned long n = 1; n < 200 && !ok; n++) {
		kn_alloc_fail_at(n);
		struct kn_eval_detector *d = load(doc, err);
		kn_alloc_fail_at(0);
		ok = d != NULL;
		if (!d)
			KT_CHECK(strstr(err, "out of memory") != NULL || err[0] == '\0');
		kn_eval_detector_free(d);
	}
	KT_CHECK(ok);
}

static const struct kt_case cases[] = {
	KT_CASE(test_kinds),
	KT_CASE(test_refused),
	KT_CASE(test_expand),
	KT_CASE(test_alloc_faults),
};

KT_MAIN("eval_detector", cases)
