/*
 * gen_evalset.c - writes a labelled synthetic evaluation set for
 * `kenchi eval`: benign office traffic with injected attacks
 * (tests/builder/scenario.h) and its ground truth at packet, host and flow
 * grain (tests/builder/evalset.h). Deterministic: the same options give
 * the same bytes.
 *
 *   gen_evalset OUTDIR [--seed N] [--attacks LIST] [--duration S] [--hosts N]
 *
 * LIST: comma-separated scan, c2, dns_tunnel, dga, exfil, or "all" /
 * "none"; default scan,c2,dns_tunnel. Prints one line per attack.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "evalset.h"
#include "scenario.h"

static const char *const attack_names[KN_SCN_KINDS] = { "scan", "c2", "dns_tunnel", "dga",
							 "exfil" };

static int usage(int rc)
{
	fprintf(rc ? stderr : stdout,
		"usage: gen_evalset OUTDIR [--seed N] [--attacks LIST] [--duration S] [--hosts N]\n\n"
		"Writes OUTDIR/evalset.pcap and its ground truth OUTDIR/evalset-{packet,host,flow}.json\n"
		"(kenchi eval manifests). LIST: comma-separated scan, c2, dns_tunnel, dga, exfil,\n"
		"or all / none (default scan,c2,dns_tunnel); duration 10-86400 s (default 600),\n"
		"hosts 1-%d (default 8), seed default 1.\n", KN_SCN_MAX_HOSTS);
	return rc;
}

static int parse_u64(const char *s, uint64_t max, uint64_t *out)
{
	char *end;
	if (!s || *s < '0' || *s > '9')
		return -1;
	errno = 0;
	unsigned long long v = strtoull(s, &end, 10);
	if (errno || *end || v > max)
		return -1;
	*out = v;
	return 0;
}

static int parse_attacks(const char *s, unsigned *out)
{
	if (!strcmp(s, "all") || !strcmp(s, "none")) {
		*out = s[0] == 'a' ? KN_SCN_BIT(KN_SCN_KINDS) - 1 : 0;
		return 0;
	}
	*out = 0;
	while (*s) {
		size_t len = strcspn(s, ",");
		unsigned k = 0;
		while (k < KN_SCN_KINDS && (strlen(attack_names[k]) != len ||
					    strncmp(s, attack_names[k], len) != 0))
			k++;
		if (k == KN_SCN_KINDS)
			return -1;
		*out |= KN_SCN_BIT(k);
		s += len + (s[len] == ',');
	}
	return 0;
}

static int parse_args(int argc, char **argv, struct kn_scn_opts *o, const char **dir)
{
	*dir = NULL;
	for (int i = 1; i < argc; i++) {
		const char *a = argv[i], *v = i + 1 < argc ? argv[i + 1] : NULL;
		uint64_t n;
		int bad = 0;
		if (!strcmp(a, "--seed"))
			bad = parse_u64(v, UINT64_MAX, &o->seed);
		else if (!strcmp(a, "--duration"))
			bad = parse_u64(v, 86400, &n) || (o->duration_s = (uint32_t)n, 0);
		else if (!strcmp(a, "--hosts"))
			bad = parse_u64(v, KN_SCN_MAX_HOSTS, &n) || (o->hosts = (uint32_t)n, 0);
		else if (!strcmp(a, "--attacks"))
			bad = !v || parse_attacks(v, &o->attacks);
		else if (a[0] != '-' && !*dir) {
			*dir = a;
			continue;
		} else {
			fprintf(stderr, "gen_evalset: unknown argument %s\n", a);
			return -1;
		}
		if (bad) {
			fprintf(stderr, "gen_evalset: bad value for %s: %s\n", a, v ? v : "(none)");
			return -1;
		}
		i++;
	}
	return *dir ? 0 : -1;
}

static void report(const char *dir, const struct kn_scn *s, uint64_t start_ns)
{
	printf("%s/%s: %" PRIu64 " packets\n", dir, "evalset.pcap", s->packets);
	for (unsigned k = 0; k < KN_SCN_KINDS; k++) {
		const struct kn_scn_truth *t = &s->truth[k];
		if (t->on)
			printf("  %-13s %5" PRIu64 " packets in %4zu ranges, %s -> %s, "
			       "%.3f .. %.3f s after the start\n", t->cls, t->packets, t->n_ranges, t->attacker,
			       t->victim, (double)(t->first_ns - start_ns) / 1e9,
			       (double)(t->last_ns - start_ns) / 1e9);
	}
}

int main(int argc, char **argv)
{
	struct kn_scn_opts o;
	struct kn_scn s;
	const char *dir;
	char err[KN_ERRBUF_SIZE];
	if (argc == 2 && !strcmp(argv[1], "--help"))
		return usage(0);
	kn_scn_opts_default(&o);
	if (parse_args(argc, argv, &o, &dir) != 0)
		return usage(2);
	if (mkdir(dir, 0777) != 0 && errno != EEXIST) {
		fprintf(stderr, "gen_evalset: %s: cannot create: %s\n", dir, strerror(errno));
		return 1;
	}
	if (kn_scn_build(&o, &s, err) != 0) {
		fprintf(stderr, "gen_evalset: %s\n", err);
		return 1;
	}
	int rc = kn_evalset_write(dir, &s, &o, err);
	if (rc)
		fprintf(stderr, "gen_evalset: %s\n", err);
	else
		report(dir, &s, o.start_ns);
	kn_scn_fini(&s);
	return rc ? 1 : 0;
}
