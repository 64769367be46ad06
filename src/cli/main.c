/*
 * main.c - entry point of the kenchi command: dispatches to subcommands
 * (`kenchi run`, `kenchi version`, ...), each with its own --help.
 */
#include <stdio.h>
#include <string.h>

#include "cli.h"
#include "kenchi/kenchi.h"

struct command {
	const char *name;
	int (*fn)(int argc, char **argv);
	const char *summary;
};

static const struct command commands[] = {
	{ "run", cmd_run, "run the sensor on capture files or a live interface" },
	{ "train", cmd_train, "train the online anomaly model on captures (for run --model)" },
	{ "train-dga", cmd_train_dga, "train the DGA name model on name lists (for run --dga-model)" },
	{ "eval", cmd_eval, "score detectors (kenchi, Suricata, Zeek, ...) on labelled captures" },
	{ "rules", cmd_rules, "check Suricata rules files: what loads, what fails and why" },
	{ "version", cmd_version, "print the version and build details" },
};

static void usage(FILE *out)
{
	fprintf(out, "usage: kenchi <command> [options]\n\n"
		     "kenchi (検知) is an open network threat-detection sensor.\n\n"
		     "commands:\n");
	for (size_t i = 0; i < sizeof commands / sizeof commands[0]; i++)
		fprintf(out, "  %-10s %s\n", commands[i].name, commands[i].summary);
	fprintf(out, "\n'kenchi <command> --help' shows the options of a command.\n");
}

int main(int argc, char **argv)
{
	if (argc < 2) {
		usage(stderr);
		return 2;
	}
	const char *name = argv[1];
	if (!strcmp(name, "-h") || !strcmp(name, "--help") || !strcmp(name, "help")) {
		usage(stdout);
		return 0;
	}
	if (!strcmp(name, "--version") || !strcmp(name, "-V"))
		return cmd_version(1, argv + 1);
	for (size_t i = 0; i < sizeof commands / sizeof commands[0]; i++)
		if (!strcmp(name, commands[i].name))
			return commands[i].fn(argc - 1, argv + 1);
	fprintf(stderr, "kenchi: '%s' is not a command; see 'kenchi --help'\n", name);
	return 2;
}
