/*
 * make_dga_model.c - by hand and for the integration test (never in the
 * unit suite): trains a DGA name model (anomaly.h "DGA names") from text
 * files and saves it for `kenchi run --dga-model`.
 *
 *   make_dga_model OUT WORDS [benign:FILE]... [dga:FILE]...
 *
 * WORDS: a word list, one a line (Debian's wamerican:
 * /usr/share/dict/american-english). benign:FILE: DNS names of ordinary
 * traffic, one a line (e.g. ../shared/data/domains/opendns-top-domains.txt);
 * dga:FILE: known DGA names (e.g. the andrewaeva_<family>_1000.txt lists),
 * each file a group of its own (kn_dga_trainer_group: one family a file).
 * Threshold at a 1 % false positive rate on the benign names.
 */
#include <stdio.h>
#include <string.h>

#include "kenchi/anomaly.h"
#include "util/alloc.h"

#define FILE_MAX (64u << 20)

/* Adds every line of path as kind; the count or -1 with a message. */
static long add_file(struct kn_dga_trainer *tr, const char *path, enum kn_dga_kind kind)
{
	FILE *f = fopen(path, "rb");
	char *buf = kn_malloc(FILE_MAX);
	size_t n = 0;
	long added = -1;

	if (f && buf) {
		n = fread(buf, 1, FILE_MAX, f);
		if (!ferror(f) && n < FILE_MAX)
			added = kn_dga_trainer_add_lines(tr, buf, n, kind, NULL);
	}
	if (added < 0)
		fprintf(stderr, "make_dga_model: %s: unreadable, larger than 64 MiB or out of "
			"memory\n", path);
	if (f)
		fclose(f);
	kn_free(buf);
	return added;
}

int main(int argc, char **argv)
{
	char err[KN_ERRBUF_SIZE];
	struct kn_dga_trainer *tr;
	struct kn_dga_model *m = NULL;
	int rc = 1;

	if (argc < 3) {
		fprintf(stderr, "usage: make_dga_model OUT WORDS [benign:FILE]... [dga:FILE]...\n");
		return 2;
	}
	if (!(tr = kn_dga_trainer_new(err))) {
		fprintf(stderr, "make_dga_model: %s\n", err);
		return 1;
	}
	if (add_file(tr, argv[2], KN_DGA_WORD) < 0)
		goto out;
	for (int i = 3; i < argc; i++) {
		int benign = !strncmp(argv[i], "benign:", 7), dga = !strncmp(argv[i], "dga:", 4);
		if (!benign && !dga) {
			fprintf(stderr, "make_dga_model: argument %d '%s': write benign:FILE or "
				"dga:FILE\n", i, argv[i]);
			goto out;
		}
		if (dga && kn_dga_trainer_group(tr, (unsigned)i % KN_DGA_MAX_GROUPS) != 0)
			goto out;
		if (add_file(tr, argv[i] + (benign ? 7 : 4), benign ? KN_DGA_BENIGN : KN_DGA_DGA) < 0)
			goto out;
	}
	if (!(m = kn_dga_trainer_finish(tr, 0.01, err)) ||
	    kn_dga_model_save_file(m, argv[1], err) != 0) {
		fprintf(stderr, "make_dga_model: %s\n", err);
		goto out;
	}
	printf("%s: threshold %.4f\n", argv[1], kn_dga_model_threshold(m));
	rc = 0;
out:
	kn_dga_model_free(m);
	kn_dga_trainer_free(tr);
	return rc;
}
