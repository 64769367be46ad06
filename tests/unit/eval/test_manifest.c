/*
 * test_manifest.c - dataset manifests: a valid manifest with every form of
 * ground truth (benign, whole capture, flow, host, packet labels) read back
 * field by field; every kind of mistake with the exact message (file, JSON
 * path, fix); capture files that are missing or have another sha256; the
 * packet count given later; allocation failures at every step.
 */
#include "../../kt.h"

#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#include "kenchi/eval.h"
#include "util/alloc.h"

static const char valid_doc[] =
	"{\"kenchi_dataset\": 1, \"name\": \"unit\", \"description\": \"every form\",\n"
	" \"grain\": \"flow\", \"comment\": \"top\",\n"
	" \"captures\": [\n"
	"  {\"path\": \"benign/a.pcap\", \"benign\": true, \"comment\": \"c\",\n"
	"   \"sha256\": \"5891B5B522D5DF086D0FF0B110FBD9D21BB4FC7163AF34D08286A2E846F6BE03\"},\n"
	"  {\"path\": \"whole.pcap\", \"name\": \"whole\", \"attack\": \"dos/syn_flood\", "
	"\"packets\": 40},\n"
	"  {\"path\": \"flows.pcap\", \"labels\": [\n"
	"    {\"class\": \"c2\", \"flow\": {\"src\": \"10.0.0.1\", \"dst\": \"192.0.2.0/24\", "
	"\"dport\": 443, \"proto\": \"tcp\"}, \"start\": 1540447477.847001, \"end\": "
	"\"1540447480.5\"},\n"
	"    {\"class\": \"dns_tunnel\", \"flow\": {\"src\": \"2001:db8::1\", \"dst\": "
	"\"2001:db8::53\", \"sport\": 5353, \"proto\": 17}}]},\n"
	"  {\"path\": \"hosts.pcap\", \"grain\": \"host\", \"labels\": [\n"
	"    {\"class\": \"scan/tcp_syn\", \"host\": \"172.16.0.8\", \"role\": \"src\", "
	"\"start\": \"2018-10-25T05:44:37.847001Z\"},\n"
	"    {\"class\": \"c2\", \"host\": \"10.0.0.0/8\", \"comment\": \"any role\"}]},\n"
	"  {\"path\": \"/abs/pkts.pcap\", \"grain\": \"packet\", \"packets\": 100, \"labels\": [\n"
	"    {\"class\": \"scan/tcp_syn\", \"packets\": [[50, 60], 10, [12, 12]]},\n"
	"    {\"class\": \"dns_tunnel\", \"packets\": [100]}]}\n"
	" ]}\n";

static struct kn_eval_dataset *load(const char *doc, int skip, const char *base, char *err)
{
	struct kn_eval_load_opts o = { .base_dir = base, .skip_files = skip };
	err[0] = '\0';
	return kn_eval_dataset_load_mem("t.json", doc, strlen(doc), &o, err);
}

static void test_valid(void)
{
	char err[KN_ERRBUF_SIZE];
	struct kn_eval_dataset *ds = load(valid_doc, 1, "/base", err);
	KT_REQUIRE(ds);
	KT_EQ_STR(ds->name, "unit");
	KT_EQ_STR(ds->description, "every form");
	KT_EQ_STR(ds->source, "t.json");
	KT_EQ(ds->grain, KN_EVAL_GRAIN_FLOW);
	KT_REQUIRE(ds->n_captures == 5);
	KT_REQUIRE(ds->n_classes == 4);   /* in order of first use */
	KT_EQ_STR(ds->classes[0], "dos/syn_flood");
	KT_EQ_STR(ds->classes[1], "c2");
	KT_EQ_STR(ds->classes[2], "dns_tunnel");
	KT_EQ_STR(ds->classes[3], "scan/tcp_syn");

	const struct kn_eval_capture *c = &ds->captures[0];
	KT_EQ_STR(c->name, "benign__a.pcap");    /* '/' -> "__" as in ref/ names */
	KT_EQ_STR(c->path, "benign/a.pcap");
	KT_EQ_STR(c->file, "/base/benign/a.pcap");
	KT_EQ_STR(c->sha256, "5891b5b522d5df086d0ff0b110fbd9d21bb4fc7163af34d08286a2e846f6be03");
	KT_EQ(c->benign, 1);
	KT_EQ(c->n_labels, 0);
	KT_EQ(c->grain, KN_EVAL_GRAIN_FLOW);

	c = &ds->captures[1];
	KT_EQ_STR(c->name, "whole");
	KT_EQ(c->packets, 40);
	KT_REQUIRE(c->n_labels == 1);
	KT_EQ(c->labels[0].whole, 1);
	KT_EQ(c->labels[0].cls, 0);
	KT_EQ(c->labels[0].n_packets, 40);

	c = &ds->captures[2];
	KT_REQUIRE(c->n_labels == 2);
	const struct kn_eval_label *l = &c->labels[0];
	KT_EQ(l->cls, 1);
	KT_EQ(l->src.prefix, 32);
	KT_EQ(l->dst.prefix, 24);
	KT_EQ(l->sport, -1);
	KT_EQ(l->dport, 443);
	KT_EQ(l->proto, 6);
	KT_EQ(l->win.start_ns, 1540447477847001000LL);  /* a number: rounded to the us */
	KT_EQ(l->win.end_ns, 1540447480500000000LL);
	l = &c->labels[1];
	KT_EQ(l->src.addr.family, 6);
	KT_EQ(l->proto, 17);
	KT_EQ(l->sport, 5353);
	KT_EQ(l->dport, -1);
	KT_CHECK(l->win.start_ns == INT64_MIN && l->win.end_ns == INT64_MAX);

	c = &ds->captures[3];
	KT_EQ(c->grain, KN_EVAL_GRAIN_HOST);
	KT_EQ(c->labels[0].role, KN_EVAL_ROLE_SRC);
	KT_EQ(c->labels[0].win.start_ns, 1540446277847001000LL);
	KT_CHECK(c->labels[0].win.end_ns == INT64_MAX);
	KT_EQ(c->labels[1].role, KN_EVAL_ROLE_ANY);
	KT_EQ(c->labels[1].src.prefix, 8);

	c = &ds->captures[4];
	KT_EQ_STR(c->file, "/abs/pkts.pcap");    /* absolute: not joined */
	KT_EQ(c->grain, KN_EVAL_GRAIN_PACKET);
	l = &c->labels[0];
	KT_REQUIRE(l->n_ranges == 3);            /* sorted */
	KT_EQ(l->ranges[0].first, 10);
	KT_EQ(l->ranges[1].first, 12);
	KT_EQ(l->ranges[1].last, 12);
	KT_EQ(l->ranges[2].first, 50);
	KT_EQ(l->ranges[2].last, 60);
	KT_EQ(l->n_packets, 13);                 /* 1 + 1 + 11 */
	KT_EQ(c->labels[1].ranges[0].first, 100);

	KT_EQ(kn_eval_dataset_find(ds, "whole"), 1);
	KT_EQ(kn_eval_dataset_find(ds, "nope"), -1);
	kn_eval_dataset_free(ds);
	kn_eval_dataset_free(NULL);
}

/* Manifests with one mistake each and the message that must explain it. */
#define HEAD "{\"kenchi_dataset\":1,\"grain\":\"flow\",\"captures\":"
#define HOST "{\"kenchi_dataset\":1,\"grain\":\"host\",\"captures\":"
#define PKT "{\"kenchi_dataset\":1,\"grain\":\"packet\",\"captures\":"
static const struct {
	const char *doc, *err;
} bad[] = {
	{ "{\"kenchi_dataset\":1",
	  "t.json:1:19: invalid JSON: '}' expected near end of file; fix the manifest "
	  "(docs/eval-manifest.md)" },
	{ "{\"kenchi_dataset\":1,\"grain\":\"flow\",\"grain\":\"host\",\"captures\":[]}",
	  "t.json:1:42: invalid JSON: duplicate object key near '\"grain\"'; fix the manifest "
	  "(docs/eval-manifest.md)" },
	{ "[]", "t.json: (top): the manifest must be a JSON object {\"kenchi_dataset\": 1, ...}" },
	{ "{\"grain\":\"flow\"}",
	  "t.json: (top): not a kenchi dataset manifest: \"kenchi_dataset\" is missing; start the "
	  "file with {\"kenchi_dataset\": 1, ...}" },
	{ "{\"kenchi_dataset\":2,\"grain\":\"flow\",\"captures\":[]}",
	  "t.json: kenchi_dataset: manifest version 2 is not supported; this kenchi reads "
	  "version 1" },
	{ HEAD "[],\"captures_\":1}",
	  "t.json: captures_: unknown key \"captures_\"; the keys allowed here are: "
	  "kenchi_dataset, name, description, grain, captures, comment (see "
	  "docs/eval-manifest.md)" },
	{ "{\"kenchi_dataset\":1,\"captures\":[]}",
	  "t.json: (top): \"grain\" is missing; add it (see docs/eval-manifest.md)" },
	{ "{\"kenchi_dataset\":1,\"grain\":\"flows\",\"captures\":[]}",
	  "t.json: grain: unknown grain \"flows\"; use \"packet\", \"flow\" or \"host\"" },
	{ "{\"kenchi_dataset\":1,\"grain\":\"flow\"}",
	  "t.json: (top): \"captures\" is missing; list the capture files: \"captures\": "
	  "[{\"path\": ...}, ...]" },
	{ HEAD "[]}", "t.json: captures: expected a list of 1 to 1000000 captures" },
	{ HEAD "[1]}", "t.json: captures[0]: a capture must be an object {\"path\": ..., ...}" },
	{ HEAD "[{\"benign\":true}]}",
	  "t.json: captures[0]: \"path\" is missing; add it (see docs/eval-manifest.md)" },
	{ HEAD "[{\"path\":\"a.pcap\",\"lables\":[]}]}",
	  "t.json: captures[0].lables: unknown key \"lables\"; the keys allowed here are: name, "
	  "path, sha256, packets, grain, benign, attack, labels, train_packets, comment (see "
	  "docs/eval-manifest.md)" },
	{ HEAD "[{\"path\":\"a.pcap\"}]}",
	  "t.json: captures[0]: no ground truth; add \"benign\": true, \"attack\": \"CLASS\" "
	  "(the whole capture is that attack) or \"labels\": [...]" },
	{ HEAD "[{\"path\":\"a.pcap\",\"benign\":true,\"attack\":\"x\"}]}",
	  "t.json: captures[0]: a capture is benign, a whole-capture \"attack\", or has "
	  "\"labels\": keep only one of them" },
	{ HEAD "[{\"path\":\"a.pcap\",\"benign\":\"yes\"}]}",
	  "t.json: captures[0].benign: expected true or false, got \"yes\"" },
	{ HEAD "[{\"path\":\"a.pcap\",\"labels\":[]}]}",
	  "t.json: captures[0].labels: expected a non-empty list of labels, got []; write "
	  "\"benign\": true for a capture without attack" },
	{ HEAD "[{\"path\":\"\",\"benign\":true}]}",
	  "t.json: captures[0].path: a path must be 1 to 4096 bytes" },
	{ HEAD "[{\"path\":7,\"benign\":true}]}",
	  "t.json: captures[0].path: expected a string, got 7" },
	{ HEAD "[{\"path\":\"a.pcap\",\"benign\":true,\"sha256\":\"abc\"}]}",
	  "t.json: captures[0].sha256: expected 64 hex digits (the output of sha256sum FILE), "
	  "got \"abc\"" },
	{ HEAD "[{\"path\":\"a.pcap\",\"benign\":true,\"packets\":0}]}",
	  "t.json: captures[0].packets: expected a whole number from 1 to 4294967295, got 0" },
	{ HEAD "[{\"path\":\"a/b.pcap\",\"benign\":true},{\"path\":\"c.pcap\",\"name\":"
	  "\"a__b.pcap\",\"benign\":true}]}",
	  "t.json: captures[1]: capture name \"a__b.pcap\" is also used by captures[0]; give one "
	  "of them another \"name\"" },
	{ HOST "[{\"path\":\"a.pcap\",\"labels\":[{\"class\":\"x\",\"flow\":{}}]}]}",
	  "t.json: captures[0].labels[0]: a flow label in a capture of grain \"host\"; write "
	  "\"host\" or set the capture's \"grain\": \"flow\"" },
	{ HOST "[{\"path\":\"a.pcap\",\"labels\":[{\"class\":\"x\"}]}]}",
	  "t.json: captures[0].labels[0]: \"host\" is missing: a label of grain host names a "
	  "host" },
	{ HOST "[{\"path\":\"a.pcap\",\"labels\":[{\"host\":\"1.2.3.4\"}]}]}",
	  "t.json: captures[0].labels[0]: \"class\" is missing; add it (see "
	  "docs/eval-manifest.md)" },
	{ HOST "[{\"path\":\"a.pcap\",\"labels\":[{\"class\":\"\",\"host\":\"1.2.3.4\"}]}]}",
	  "t.json: captures[0].labels[0].class: attack class \"\" must be 1 to 128 printable "
	  "bytes, e.g. \"scan/tcp_syn\"" },
	{ HOST "[{\"path\":\"a.pcap\",\"labels\":[{\"class\":\"x\",\"host\":\"1.2.3.4\","
	  "\"window\":1}]}]}",
	  "t.json: captures[0].labels[0].window: unknown key \"window\"; the keys allowed here "
	  "are: class, host, role, start, end, comment (see docs/eval-manifest.md)" },
	{ PKT "[{\"path\":\"a.pcap\",\"labels\":[{\"class\":\"x\",\"packets\":[[5,3]]}]}]}",
	  "t.json: captures[0].labels[0].packets[0]: range [5, 3] ends before it starts; write "
	  "[3, 5]" },
	{ PKT "[{\"path\":\"a.pcap\",\"packets\":100,\"labels\":[{\"class\":\"x\",\"packets\":"
	  "[[5,30],101]}]}]}",
	  "t.json: captures[0].labels[0].packets[1]: packet 101 is beyond the capture's 100 "
	  "packets (its \"packets\"); fix the range or the count" },
	{ PKT "[{\"path\":\"a.pcap\",\"labels\":[{\"class\":\"x\",\"packets\":[[5,30]]},"
	  "{\"class\":\"y\",\"packets\":[1,[30,31]]}]}]}",
	  "t.json: captures[0].labels[1].packets[1]: packets 30-31 overlap labels[0].packets[0] "
	  "(5-30); a packet belongs to one label: merge or split the ranges" },
	{ PKT "[{\"path\":\"a.pcap\",\"labels\":[{\"class\":\"x\",\"packets\":[3,[1,9]]}]}]}",
	  "t.json: captures[0].labels[0].packets[1]: packets 1-9 overlap labels[0].packets[0] "
	  "(3-3); a packet belongs to one label: merge or split the ranges" },
	{ PKT "[{\"path\":\"a.pcap\",\"labels\":[{\"class\":\"x\",\"packets\":[0]}]}]}",
	  "t.json: captures[0].labels[0].packets[0]: expected a packet number N or a range "
	  "[FIRST, LAST] of packet numbers counted from 1 (as EVE's pcap_cnt and Wireshark's "
	  "frame.number)" },
	{ PKT "[{\"path\":\"a.pcap\",\"labels\":[{\"class\":\"x\",\"packets\":[[1,2,3]]}]}]}",
	  "t.json: captures[0].labels[0].packets[0]: a range is [FIRST, LAST] (two packet "
	  "numbers)" },
	{ PKT "[{\"path\":\"a.pcap\",\"labels\":[{\"class\":\"x\",\"packets\":[]}]}]}",
	  "t.json: captures[0].labels[0].packets: expected a non-empty list of packet numbers and "
	  "[FIRST, LAST] ranges" },
	{ HEAD "[{\"path\":\"a.pcap\",\"labels\":[{\"class\":\"x\",\"flow\":{\"src\":"
	  "\"10.0.0.300\",\"dst\":\"10.0.0.2\"}}]}]}",
	  "t.json: captures[0].labels[0].flow.src: bad address \"10.0.0.300\"; write an IPv4 or "
	  "IPv6 address or a network ADDR/PREFIX with zero host bits" },
	{ HEAD "[{\"path\":\"a.pcap\",\"labels\":[{\"class\":\"x\",\"flow\":{\"src\":"
	  "\"10.0.0.1/8\",\"dst\":\"10.0.0.2\"}}]}]}",
	  "t.json: captures[0].labels[0].flow.src: bad address \"10.0.0.1/8\"; write an IPv4 or "
	  "IPv6 address or a network ADDR/PREFIX with zero host bits" },
	{ HEAD "[{\"path\":\"a.pcap\",\"labels\":[{\"class\":\"x\",\"flow\":{\"src\":"
	  "\"10.0.0.1\",\"dst\":\"10.0.0.2\",\"dport\":70000}}]}]}",
	  "t.json: captures[0].labels[0].flow.dport: expected a whole number from 0 to 65535, "
	  "got 70000" },
	{ HEAD "[{\"path\":\"a.pcap\",\"labels\":[{\"class\":\"x\",\"flow\":{\"src\":"
	  "\"10.0.0.1\",\"dst\":\"10.0.0.2\",\"proto\":\"tcpp\"}}]}]}",
	  "t.json: captures[0].labels[0].flow.proto: unknown protocol; write \"tcp\", \"udp\", "
	  "\"icmp\", \"icmpv6\", \"sctp\", \"gre\" or a number 0-255, or leave it out for any" },
	{ HEAD "[{\"path\":\"a.pcap\",\"labels\":[{\"class\":\"x\",\"flow\":{\"src\":"
	  "\"10.0.0.1\"}}]}]}",
	  "t.json: captures[0].labels[0].flow: \"dst\" is missing; add it (see "
	  "docs/eval-manifest.md)" },
	{ HEAD "[{\"path\":\"a.pcap\",\"labels\":[{\"class\":\"x\",\"flow\":{\"src\":"
	  "\"10.0.0.1\",\"dst\":\"10.0.0.2\",\"port\":1}}]}]}",
	  "t.json: captures[0].labels[0].flow.port: unknown key \"port\"; the keys allowed here "
	  "are: src, dst, sport, dport, proto (see docs/eval-manifest.md)" },
	{ HOST "[{\"path\":\"a.pcap\",\"labels\":[{\"class\":\"x\",\"host\":\"10.0.0.1\","
	  "\"role\":\"attacker\"}]}]}",
	  "t.json: captures[0].labels[0].role: unknown role \"attacker\"; use \"src\" (the host "
	  "sends the attack), \"dst\" (receives it) or \"any\"" },
	{ HOST "[{\"path\":\"a.pcap\",\"labels\":[{\"class\":\"x\",\"host\":\"10.0.0.1\","
	  "\"start\":200,\"end\":\"100.5\"}]}]}",
	  "t.json: captures[0].labels[0].end: the window ends (100.500000000) before it starts "
	  "(200.000000000); swap or fix \"start\" and \"end\"" },
	{ HOST "[{\"path\":\"a.pcap\",\"labels\":[{\"class\":\"x\",\"host\":\"10.0.0.1\","
	  "\"start\":\"2018-10-25T05:44:37\"}]}]}",
	  "t.json: captures[0].labels[0].start: bad time \"2018-10-25T05:44:37\"; write epoch "
	  "seconds (1540447477.847001, as a string for nanoseconds) or "
	  "\"2018-10-25T05:44:37.847001Z\" (zone required), between 1970 and 2242" },
	{ HOST "[{\"path\":\"a.pcap\",\"labels\":[{\"class\":\"x\",\"host\":\"10.0.0.1\","
	  "\"end\":-1}]}]}",
	  "t.json: captures[0].labels[0].end: bad time -1; write epoch seconds "
	  "(1540447477.847001, as a string for nanoseconds) or \"2018-10-25T05:44:37.847001Z\" "
	  "(zone required), between 1970 and 2242" },
	{ HEAD "[{\"path\":\"a.pcap\",\"benign\":true},{\"path\":\"b.pcap\",\"grain\":"
	  "\"packet\",\"attack\":\"x\",\"comment\":[1]}]}",
	  "t.json: captures[1].comment: expected a string, got an array" },
};

static void test_errors(void)
{
	char err[KN_ERRBUF_SIZE];
	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		struct kn_eval_dataset *ds = load(bad[i].doc, 1, NULL, err);
		KT_CHECK(ds == NULL);
		kn_eval_dataset_free(ds);
		if (strcmp(err, bad[i].err) != 0) {
			kt_fail(__FILE__, __LINE__, "case %zu: got \"%s\"", i, err);
			return;
		}
	}
}

/* A temporary directory with a.pcap ("hello\n") inside. */
static int make_dir(char dir[64])
{
	snprintf(dir, 64, "/tmp/kn-eval-test-XXXXXX");
	if (!mkdtemp(dir))
		return -1;
	char path[128];
	snprintf(path, sizeof path, "%s/a.pcap", dir);
	FILE *f = fopen(path, "w");
	if (!f)
		return -1;
	fputs("hello\n", f);
	fclose(f);
	return 0;
}

static void remove_dir(const char *dir)
{
	char path[128];
	snprintf(path, sizeof path, "%s/a.pcap", dir);
	unlink(path);
	snprintf(path, sizeof path, "%s/m.json", dir);
	unlink(path);
	rmdir(dir);
}

#define SHA_HELLO "5891b5b522d5df086d0ff0b110fbd9d21bb4fc7163af34d08286a2e846f6be03"
#define SHA_OTHER "0000000000000000000000000000000000000000000000000000000000000000"

static void test_files(void)
{
	char dir[64], err[KN_ERRBUF_SIZE], want[KN_ERRBUF_SIZE];
	struct kn_eval_dataset *ds;
	KT_REQUIRE(make_dir(dir) == 0);

	/* exists, right hash */
	ds = load(HEAD "[{\"path\":\"a.pcap\",\"benign\":true,\"sha256\":\"" SHA_HELLO "\"}]}", 0,
		  dir, err);
	KT_CHECK(ds != NULL);
	kn_eval_dataset_free(ds);

	/* wrong hash */
	ds = load(HEAD "[{\"path\":\"a.pcap\",\"benign\":true,\"sha256\":\"" SHA_OTHER "\"}]}", 0,
		  dir, err);
	KT_CHECK(ds == NULL);
	snprintf(want, sizeof want, "t.json: captures[0].sha256: capture file %s/a.pcap has sha256 "
		 SHA_HELLO ", the manifest says " SHA_OTHER "; restore the file or update the hash",
		 dir);
	KT_EQ_STR(err, want);

	/* wrong hash, hashing skipped (skip_files 2) */
	ds = load(HEAD "[{\"path\":\"a.pcap\",\"benign\":true,\"sha256\":\"" SHA_OTHER "\"}]}", 2,
		  dir, err);
	KT_CHECK(ds != NULL);
	kn_eval_dataset_free(ds);

	/* missing file */
	ds = load(HEAD "[{\"path\":\"a.pcap\",\"benign\":true},{\"path\":\"no/b.pcap\","
		  "\"benign\":true}]}", 0, dir, err);
	KT_CHECK(ds == NULL);
	snprintf(want, sizeof want, "t.json: captures[1].path: capture file %s/no/b.pcap: No such "
		 "file or directory; fix the path (relative to %s) or give the base directory",
		 dir, dir);
	KT_EQ_STR(err, want);

	/* a directory is not a capture */
	ds = load(HEAD "[{\"path\":\".\",\"benign\":true}]}", 0, dir, err);
	KT_CHECK(ds == NULL);
	snprintf(want, sizeof want, "t.json: captures[0].path: capture file %s/.: not a regular "
		 "file; fix the path (relative to %s) or give the base directory", dir, dir);
	KT_EQ_STR(err, want);

	/* from a file: paths are relative to the manifest's directory */
	char mpath[128];
	snprintf(mpath, sizeof mpath, "%s/m.json", dir);
	FILE *f = fopen(mpath, "w");
	KT_REQUIRE(f);
	fputs(HEAD "[{\"path\":\"a.pcap\",\"benign\":true,\"sha256\":\"" SHA_HELLO "\"}]}", f);
	fclose(f);
	ds = kn_eval_dataset_load_file(mpath, NULL, err);
	KT_REQUIRE(ds);
	KT_EQ_STR(ds->name, "m");
	KT_EQ_STR(ds->base_dir, dir);
	kn_eval_dataset_free(ds);
	remove_dir(dir);

	ds = kn_eval_dataset_load_file(mpath, NULL, err);
	KT_CHECK(ds == NULL);
	snprintf(want, sizeof want, "cannot open %s: No such file or directory", mpath);
	KT_EQ_STR(err, want);
}

static void test_set_packets(void)
{
	char err[KN_ERRBUF_SIZE];
	struct kn_eval_dataset *ds = load(PKT "[{\"path\":\"a.pcap\",\"labels\":[{\"class\":\"x\","
					  "\"packets\":[[5,30]]}]},{\"path\":\"b.pcap\",\"packets\":9,"
					  "\"attack\":\"y\"}]}", 1, NULL, err);
	KT_REQUIRE(ds);
	KT_EQ(ds->captures[0].packets, 0);
	KT_EQ(kn_eval_dataset_set_packets(ds, 0, 29, err), -KN_EINVAL);
	KT_EQ_STR(err, "t.json: capture a.pcap: labels[0] names packet 30 but the capture has 29 "
		  "packets; fix the label's ranges");
	KT_EQ(kn_eval_dataset_set_packets(ds, 0, 30, err), 0);
	KT_EQ(ds->captures[0].packets, 30);
	KT_EQ(kn_eval_dataset_set_packets(ds, 1, 10, err), -KN_EINVAL);
	KT_EQ_STR(err, "t.json: capture b.pcap: the manifest says 9 packets, the file has 10; "
		  "fix \"packets\" or the file");
	KT_EQ(kn_eval_dataset_set_packets(ds, 1, 9, err), 0);
	KT_EQ(kn_eval_dataset_set_packets(ds, 2, 9, err), -KN_EINVAL);
	kn_eval_dataset_free(ds);
}

/* Every allocation of a load fails in turn: NULL with a message each
 * time, never a crash or a leak (ASan), then success. */
static void test_alloc_faults(void)
{
	char err[KN_ERRBUF_SIZE];
	unsigned long n;
	for (n = 1; n < 500; n++) {
		kn_alloc_fail_at(n);
		struct kn_eval_dataset *ds = load(valid_doc, 1, "/base", err);
		kn_alloc_fail_at(0);
		if (ds) {
			kn_eval_dataset_free(ds);
			break;
		}
		KT_CHECK(strstr(err, "out of memory") != NULL);
	}
	KT_CHECK(n < 500);
#ifdef KN_ALLOC_FAULTS
	KT_CHECK(n > 3);   /* the failures were really injected */
#endif
}

static const struct kt_case cases[] = {
	KT_CASE(test_valid),
	KT_CASE(test_errors),
	KT_CASE(test_files),
	KT_CASE(test_set_packets),
	KT_CASE(test_alloc_faults),
};

KT_MAIN("eval_manifest", cases)
