/*
 * evalset.c - a labelled synthetic capture as a `kenchi eval` dataset (see
 * evalset.h): the pcap bytes as built, and three manifests written by hand
 * in the layout of docs/eval-manifest.md, one capture per manifest, one
 * label per attack. Every string written is ours (addresses, class names,
 * fixed words), so none needs JSON escaping.
 */
#include "evalset.h"

#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include "util/digest.h"

static const char *const manifests[KN_EVALSET_GRAINS] = {
	"evalset-packet.json", "evalset-host.json", "evalset-flow.json",
};
static const char *const grain_names[KN_EVALSET_GRAINS] = { "packet", "host", "flow" };

const char *kn_evalset_manifest(unsigned grain)
{
	return grain < KN_EVALSET_GRAINS ? manifests[grain] : NULL;
}

static void put_time(FILE *f, const char *key, uint64_t ns)
{
	fprintf(f, ", \"%s\": \"%" PRIu64 ".%09" PRIu64 "\"", key, ns / 1000000000u,
		ns % 1000000000u);
}

static void put_ranges(FILE *f, const struct kn_scn_truth *t)
{
	for (size_t i = 0; i < t->n_ranges; i++) {
		const char *sep = i == 0 ? "\n       " : i % 6 == 0 ? ",\n       " : ", ";
		fprintf(f, "%s[%" PRIu64 ", %" PRIu64 "]", sep, t->ranges[i].first,
			t->ranges[i].last);
	}
	fputs("]", f);
}

static void put_flow(FILE *f, const struct kn_scn_flow *fl)
{
	fprintf(f, ",\n       \"flow\": {\"src\": \"%s\", \"dst\": \"%s\"", fl->src, fl->dst);
	if (fl->sport)
		fprintf(f, ", \"sport\": %u", (unsigned)fl->sport);
	if (fl->dport)
		fprintf(f, ", \"dport\": %u", (unsigned)fl->dport);
	fprintf(f, ", \"proto\": \"%s\"}", fl->proto == 6 ? "tcp" : "udp");
}

static void put_label(FILE *f, unsigned grain, const struct kn_scn_truth *t)
{
	static const char *const roles[] = { "any", "src", "dst" };
	fprintf(f, "      {\"class\": \"%s\", \"comment\": \"attacker %s, victim %s, %" PRIu64
		" packets\"", t->cls, t->attacker, t->victim, t->packets);
	if (grain == KN_EVALSET_PACKET) {
		fputs(", \"packets\": [", f);
		put_ranges(f, t);
	} else {
		if (grain == KN_EVALSET_HOST)
			fprintf(f, ",\n       \"host\": \"%s\", \"role\": \"%s\"", t->host,
				roles[t->host_role % 3]);
		else
			put_flow(f, &t->flow);
		put_time(f, "start", t->first_ns);
		put_time(f, "end", t->last_ns);
	}
	fputs("}", f);
}

static void put_manifest(FILE *f, unsigned grain, const struct kn_scn *s,
			 const struct kn_scn_opts *o, const char *hex)
{
	fprintf(f, "{\n  \"kenchi_dataset\": 1,\n  \"name\": \"evalset-%s\",\n", grain_names[grain]);
	fprintf(f, "  \"description\": \"synthetic office traffic with injected attacks "
		"(tests/builder/scenario.c: seed %" PRIu64 ", %u s, %u clients), %s grain; written "
		"by gen_evalset\",\n", o->seed, (unsigned)o->duration_s, (unsigned)o->hosts,
		grain_names[grain]);
	fprintf(f, "  \"grain\": \"%s\",\n  \"captures\": [\n    {\"path\": \"%s\", \"packets\": "
		"%" PRIu64 ",\n     \"sha256\": \"%s\"", grain_names[grain], KN_EVALSET_PCAP,
		s->packets, hex);
	int first = 1;
	for (unsigned k = 0; k < KN_SCN_KINDS; k++) {
		if (!s->truth[k].on)
			continue;
		fputs(first ? ",\n     \"labels\": [\n" : ",\n", f);
		put_label(f, grain, &s->truth[k]);
		first = 0;
	}
	fputs(first ? ",\n     \"benign\": true}\n  ]\n}\n" : "]}\n  ]\n}\n", f);
}

static int path_in(char *out, size_t cap, const char *dir, const char *name, char *errbuf)
{
	int n = snprintf(out, cap, "%s/%s", dir, name);
	if (n < 0 || (size_t)n >= cap) {
		snprintf(errbuf, KN_ERRBUF_SIZE, "%.200s: directory name too long", dir);
		return -KN_EINVAL;
	}
	return 0;
}

/* Writes the capture (grain < 0) or the manifest of a grain to path;
 * reports any I/O error. */
static int write_file(const char *path, char *errbuf, const struct kn_scn *s,
		      const struct kn_scn_opts *o, const char *hex, int grain)
{
	FILE *f = fopen(path, "wb");
	if (!f) {
		snprintf(errbuf, KN_ERRBUF_SIZE, "%.300s: cannot create: %s", path, strerror(errno));
		return -KN_EIO;
	}
	if (grain < 0)
		fwrite(s->pcap, 1, s->pcap_len, f);
	else
		put_manifest(f, (unsigned)grain, s, o, hex);
	int bad = ferror(f);
	if (fclose(f) != 0 || bad) {
		snprintf(errbuf, KN_ERRBUF_SIZE, "%.300s: write failed", path);
		return -KN_EIO;
	}
	return 0;
}

int kn_evalset_write(const char *dir, const struct kn_scn *s, const struct kn_scn_opts *o,
		     char *errbuf)
{
	uint8_t digest[32];
	char hex[65], path[4096];
	if (kn_digest(KN_SHA256, s->pcap, s->pcap_len, digest) != 0) {
		snprintf(errbuf, KN_ERRBUF_SIZE, "evalset: cannot hash the capture");
		return -KN_ENOMEM;
	}
	for (int i = 0; i < 32; i++)
		snprintf(hex + 2 * i, 3, "%02x", digest[i]);
	int rc = path_in(path, sizeof path, dir, KN_EVALSET_PCAP, errbuf);
	if (!rc)
		rc = write_file(path, errbuf, s, o, hex, -1);
	for (int g = 0; g < KN_EVALSET_GRAINS && !rc; g++) {
		rc = path_in(path, sizeof path, dir, manifests[g], errbuf);
		if (!rc)
			rc = write_file(path, errbuf, s, o, hex, g);
	}
	return rc;
}
