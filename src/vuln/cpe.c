/*
 * cpe.c - CPE 2.3 formatted strings ("cpe:2.3:a:openbsd:openssh:7.4:p1:*:
 * *:*:*:*:*") and the table that maps the product names parsers report
 * ("openssh", "apache httpd", "nginx") to CPE vendor:product names.
 *
 * Vuln stage, used by the feed loader (feed.c) to index match rules and by
 * the matcher (match.c) to find an asset's rules. The mapping is data: to
 * teach kenchi a product, add a row to `products`.
 */
#include "vuln/vuln_int.h"

#include <ctype.h>
#include <string.h>

/* Copies one component (backslash escapes removed) into out (lower case
 * for vendor/product; NVD names are lower case already). Returns the
 * characters consumed from s, or 0 on a component that is too long. */
static size_t cpe_component(const char *s, char *out, size_t cap, int *pattern)
{
	size_t i = 0, n = 0;

	while (s[i] && s[i] != ':') {
		char ch = s[i];
		if (ch == '\\' && s[i + 1]) {
			ch = s[++i];
		} else if ((ch == '*' || ch == '?') && !(i == 0 && ch == '*' &&
							 (s[1] == ':' || !s[1]))) {
			*pattern = 1;  /* an embedded wildcard: not supported */
		}
		if (n + 1 >= cap)
			return 0;
		out[n++] = ch;
		i++;
	}
	out[n] = '\0';
	return i ? i : (size_t)-1;
}

int vuln_cpe_parse(const char *s, struct vuln_cpe *out)
{
	char *fields[] = { NULL, out->vendor, out->product, out->version, out->update };
	size_t caps[] = { 0, sizeof out->vendor, sizeof out->product, sizeof out->version,
			  sizeof out->update };
	char part[8];
	int pattern = 0;

	memset(out, 0, sizeof *out);
	if (strncmp(s, "cpe:2.3:", 8) != 0)
		return -1;
	s += 8;
	fields[0] = part;
	caps[0] = sizeof part;
	for (unsigned f = 0; f < 5; f++) {
		size_t used = cpe_component(s, fields[f], caps[f], &pattern);
		if (used == 0 || used == (size_t)-1)
			return -1;   /* too long, or empty */
		s += used;
		if (*s != ':')
			return -1;   /* the remaining six components must follow */
		s++;
	}
	if (pattern)
		return -1;
	out->part = part[1] ? 0 : part[0];
	for (char *p = out->vendor; *p; p++)
		*p = (char)tolower((unsigned char)*p);
	for (char *p = out->product; *p; p++)
		*p = (char)tolower((unsigned char)*p);
	if (!strcmp(out->vendor, "*") || !strcmp(out->product, "*") || !out->part)
		return -1;
	return 0;
}

/* Product names as parsers report them, normalised (lower case, one space
 * between words), and their CPE names. */
struct product_row {
	const char *name;
	const char *cpe[2];
	unsigned flags;
};

static const struct product_row products[] = {
	{ "openssh", { "openbsd:openssh" }, VULN_P_UPDATE_SUFFIX },
	{ "dropbear", { "dropbear_ssh_project:dropbear_ssh" }, 0 },
	{ "dropbear ssh", { "dropbear_ssh_project:dropbear_ssh" }, 0 },
	{ "libssh", { "libssh:libssh" }, 0 },
	{ "apache", { "apache:http_server" }, 0 },
	{ "apache httpd", { "apache:http_server" }, 0 },
	{ "apache http server", { "apache:http_server" }, 0 },
	{ "httpd", { "apache:http_server" }, 0 },
	{ "apache tomcat", { "apache:tomcat" }, 0 },
	{ "tomcat", { "apache:tomcat" }, 0 },
	{ "nginx", { "f5:nginx", "nginx:nginx" }, 0 },
	{ "microsoft iis", { "microsoft:internet_information_services" }, 0 },
	{ "iis", { "microsoft:internet_information_services" }, 0 },
	{ "lighttpd", { "lighttpd:lighttpd" }, 0 },
	{ "openresty", { "openresty:openresty" }, 0 },
	{ "squid", { "squid-cache:squid" }, 0 },
	{ "php", { "php:php" }, 0 },
	{ "exim", { "exim:exim" }, 0 },
	{ "postfix", { "postfix:postfix" }, 0 },
	{ "sendmail", { "sendmail:sendmail" }, 0 },
	{ "openssl", { "openssl:openssl" }, 0 },
	{ "vsftpd", { "beasts:vsftpd" }, 0 },
	{ "proftpd", { "proftpd:proftpd" }, 0 },
	{ "bind", { "isc:bind" }, 0 },
	{ "dnsmasq", { "thekelleys:dnsmasq" }, 0 },
	{ "putty", { "putty:putty" }, 0 },
	{ "paramiko", { "paramiko:paramiko" }, 0 },
	{ "curl", { "haxx:curl" }, 0 },
	{ "wget", { "gnu:wget" }, 0 },
};

/* Lower case, '-' '_' and runs of blanks as one space, trimmed. Returns the
 * length, or 0 when empty or longer than cap - 1. */
static size_t normalise(const char *s, char *out, size_t cap)
{
	size_t n = 0;
	int space = 0;

	for (; *s; s++) {
		unsigned char ch = (unsigned char)*s;
		if (ch == '-' || ch == '_' || ch == ' ' || ch == '\t') {
			space = n > 0;
			continue;
		}
		if (n + 1 + (size_t)space >= cap)
			return 0;
		if (space)
			out[n++] = ' ';
		space = 0;
		out[n++] = (char)tolower(ch);
	}
	out[n] = '\0';
	return n;
}

unsigned vuln_product_lookup(const char *product, const char **out, unsigned max,
			     char buf[KN_VULN_CPE_BUF], unsigned *flags)
{
	char norm[KN_VULN_MAX_VERSION + 1];
	size_t n;

	*flags = 0;
	if (!product || !max || !(n = normalise(product, norm, sizeof norm)))
		return 0;
	for (size_t i = 0; i < sizeof products / sizeof products[0]; i++) {
		if (strcmp(products[i].name, norm) != 0)
			continue;
		unsigned k = 0;
		for (; k < 2 && k < max && products[i].cpe[k]; k++)
			out[k] = products[i].cpe[k];
		*flags = products[i].flags;
		return k;
	}
	/* Unknown: the CPE convention for projects named after themselves. */
	for (size_t i = 0; i < n; i++)
		if (norm[i] == ' ')
			norm[i] = '_';
	memcpy(buf, norm, n);
	buf[n] = ':';
	memcpy(buf + n + 1, norm, n + 1);
	out[0] = buf;
	*flags = VULN_P_FALLBACK;
	return 1;
}

unsigned kn_vuln_product_cpes(const char *product, const char **out, unsigned max,
			      char buf[KN_VULN_CPE_BUF])
{
	unsigned flags;
	return vuln_product_lookup(product, out, max, buf, &flags);
}
