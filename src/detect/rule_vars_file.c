/*
 * rule_vars_file.c - reads rule variables from a file: the `vars:` part of
 * a suricata.yaml (its `address-groups:` and `port-groups:` maps), or a
 * plain list of `NAME VALUE` / `NAME: VALUE` lines where a name ending in
 * _PORT or _PORTS is a port group. Quotes around values are removed.
 * Lines are bounded; a malformed line fails the load with file and line.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "detect/detect_int.h"
#include "util/alloc.h"

#define VARS_MAX_FILE (16u << 20)
#define VARS_MAX_LINE 8192

static int read_all(const char *path, char **out, size_t *len, char *err)
{
	FILE *f = fopen(path, "rb");
	if (!f) {
		snprintf(err, KN_ERRBUF_SIZE, "%s: cannot open: %s", path, strerror(errno));
		return -KN_EIO;
	}
	char *buf = kn_malloc(VARS_MAX_FILE + 1);
	size_t n = buf ? fread(buf, 1, VARS_MAX_FILE + 1, f) : 0;
	int bad = ferror(f);
	fclose(f);
	if (!buf)
		return -KN_ENOMEM;
	if (bad || n > VARS_MAX_FILE) {
		kn_free(buf);
		snprintf(err, KN_ERRBUF_SIZE, "%s: %s", path,
			 bad ? "read error" : "larger than 16 MiB: not a variables file");
		return bad ? -KN_EIO : -KN_EFORMAT;
	}
	buf[n] = '\0';
	*out = buf;
	*len = n;
	return 0;
}

static int name_is_port(const char *s, size_t n)
{
	return (n >= 5 && memcmp(s + n - 5, "_PORT", 5) == 0) ||
	       (n >= 6 && memcmp(s + n - 6, "_PORTS", 6) == 0);
}

/* One "NAME: value" or "NAME value" line (already trimmed, no comment). */
static int set_line(struct kn_rule_vars *v, int kind, const char *s, size_t n,
		    const char *path, unsigned line, char *err)
{
	size_t k = 0;
	while (k < n && s[k] != ':' && s[k] != ' ' && s[k] != '\t')
		k++;
	char name[80], value[4200];
	const char *val = s + k + (k < n);
	size_t vl = n - (size_t)(val - s);
	kw_trim(&val, &vl);
	if (vl >= 2 && (val[0] == '"' || val[0] == '\'') && val[vl - 1] == val[0])
		val++, vl -= 2;
	if (k == 0 || k >= sizeof name || vl == 0 || vl >= sizeof value) {
		snprintf(err, KN_ERRBUF_SIZE, "%s:%u: expected 'NAME: value' (a variable "
			 "name and its address or port group)", path, line);
		return -KN_EFORMAT;
	}
	memcpy(name, s, k);
	name[k] = '\0';
	memcpy(value, val, vl);
	value[vl] = '\0';
	if (kind < 0)
		kind = name_is_port(name, k) ? KN_VAR_PORT : KN_VAR_ADDRESS;
	int rc = kn_rule_vars_set(v, kind, name, value, err);
	if (rc == -KN_EINVAL)
		snprintf(err, KN_ERRBUF_SIZE, "%s:%u: bad variable '%s': names are letters, "
			 "digits and '_', values at most 4096 bytes", path, line, name);
	return rc;
}

int kn_rule_vars_load_file(struct kn_rule_vars *v, const char *path, char *err)
{
	char *buf;
	size_t len;
	int rc = read_all(path, &buf, &len, err);
	if (rc)
		return rc;
	/* a YAML document (suricata.yaml) even when it sets no groups: the
	 * stock defaults stay */
	int yaml = strstr(buf, "address-groups:") || strstr(buf, "port-groups:") ||
		   !strncmp(buf, "%YAML", 5) || !strncmp(buf, "---", 3);
	int kind = -1;           /* yaml: the section we are in, -1 none */
	size_t sect_indent = 0;
	unsigned line = 0;
	for (const char *p = buf; rc == 0 && p < buf + len;) {
		const char *e = memchr(p, '\n', (size_t)(buf + len - p));
		size_t n = e ? (size_t)(e - p) : (size_t)(buf + len - p);
		const char *s = p;
		p += n + 1;
		line++;
		if (n > VARS_MAX_LINE) {
			snprintf(err, KN_ERRBUF_SIZE, "%s:%u: line longer than %d bytes", path,
				 line, VARS_MAX_LINE);
			rc = -KN_EFORMAT;
			break;
		}
		size_t indent = 0;
		while (indent < n && (s[indent] == ' ' || s[indent] == '\t'))
			indent++;
		const char *t = s;
		size_t tl = n;
		kw_trim(&t, &tl);
		if (tl == 0 || t[0] == '#')
			continue;
		if (yaml) {
			if (kw_is(t, tl, "address-groups:") || kw_is(t, tl, "port-groups:")) {
				kind = t[0] == 'a' ? KN_VAR_ADDRESS : KN_VAR_PORT;
				sect_indent = indent;
				continue;
			}
			if (kind < 0)
				continue;
			if (indent <= sect_indent) {
				kind = -1;
				continue;
			}
		}
		rc = set_line(v, yaml ? kind : -1, t, tl, path, line, err);
	}
	kn_free(buf);
	return rc;
}
