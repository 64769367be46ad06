/*
 * cli.h - the kenchi command: one function per subcommand (git style).
 * Each returns the process exit status: 0 success, 1 runtime failure,
 * 2 usage error.
 */
#ifndef KN_CLI_H
#define KN_CLI_H

int cmd_run(int argc, char **argv);
int cmd_eval(int argc, char **argv);
int cmd_rules(int argc, char **argv);
int cmd_train(int argc, char **argv);
int cmd_train_dga(int argc, char **argv);
int cmd_rules_profile(int argc, char **argv);
int cmd_version(int argc, char **argv);

#endif
