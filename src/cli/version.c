/*
 * version.c - `kenchi version`: the version and the libraries it runs on.
 */
#include <getopt.h>
#include <openssl/crypto.h>
#include <pcap/pcap.h>
#include <stdio.h>

#include "cli.h"
#include "kenchi/kenchi.h"

int cmd_version(int argc, char **argv)
{
	if (argc > 1) {
		int help = argv[1][0] == '-' && (argv[1][1] == 'h' || argv[1][1] == '-');
		FILE *out = help ? stdout : stderr;
		fprintf(out, "usage: kenchi version\n\nPrints the kenchi version and the "
			     "versions of the libraries it was built with.\n");
		return help ? 0 : 2;
	}
	printf("kenchi %s\n", kn_version());
	printf("  %s\n", pcap_lib_version());
	printf("  %s\n", OpenSSL_version(OPENSSL_VERSION));
	return 0;
}
