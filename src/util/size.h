/*
 * size.h - sizes as operators type them: "123", "64k", "128M", "2G",
 * optionally followed by "i", "B" or "iB" ("64KiB", "2GB"), in binary
 * multiples. One grammar for every size of the command line and of the
 * library's text settings (kn_detect_config_set).
 */
#ifndef KN_UTIL_SIZE_H
#define KN_UTIL_SIZE_H

/* Parses s into *out: 0, or -1 when s is not a size (no leading digit,
 * trailing junk, or more than 2^64 - 1 bytes). */
int kn_parse_size(const char *s, unsigned long long *out);

#endif
