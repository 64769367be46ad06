/*
 * http_asset.c - software seen in HTTP headers: the server product from a
 * response's Server header ("Apache/2.4.29 (Ubuntu)" -> "apache httpd"
 * 2.4.29) and the client product from a request's User-Agent
 * ("curl/7.68.0" -> "curl" 7.68.0), reported as assets once per flow.
 *
 * App stage, called by http_conn.c when a message's headers complete.
 * Product names follow the normalised names src/vuln matches against
 * CPEs; a small table maps the common servers, anything else is the
 * lower-cased first token.
 */
#include <string.h>
#include <strings.h>

#include "app/http/http_int.h"

#define BANNER_MAX 256

struct product_map {
	const char *token;    /* lower case, as written before '/' */
	const char *product;
};

static const struct product_map servers[] = {
	{ "apache", "apache httpd" },
	{ "nginx", "nginx" },
	{ "microsoft-iis", "microsoft iis" },
	{ "lighttpd", "lighttpd" },
	{ "openresty", "openresty" },
	{ "jetty", "jetty" },
	{ "gunicorn", "gunicorn" },
	{ "apache-coyote", "apache coyote" },
	{ "microsoft-httpapi", "microsoft httpapi" },
	{ "litespeed", "litespeed" },
	{ "caddy", "caddy" },
	{ "tengine", "tengine" },
	{ "squid", "squid" },
	{ "werkzeug", "werkzeug" },
	{ "tornadoserver", "tornado" },
	{ "cherrypy", "cherrypy" },
	{ "mini_httpd", "mini_httpd" },
	{ "thttpd", "thttpd" },
	{ "boa", "boa" },
	{ "goahead-webs", "goahead" },
};

/* Browser tokens inside a "Mozilla/5.0 (...)" User-Agent, most specific
 * first. */
static const struct product_map browsers[] = {
	{ "Edg/", "microsoft edge" },
	{ "OPR/", "opera" },
	{ "Firefox/", "firefox" },
	{ "Chrome/", "chrome" },
	{ "MSIE ", "internet explorer" },
};

/* A hash of (role, banner bytes) for the per-flow memo, eight bytes at a
 * time (a banner is hashed for every message that carries one, reported
 * or not): multiply-xorshift rounds over the little-endian words, the last
 * one zero-padded, then the length. */
static uint32_t banner_hash(int role, const uint8_t *p, size_t n)
{
	const uint64_t k = 0x9e3779b97f4a7c15ull;
	uint64_t h = k ^ (uint64_t)role, w;
	size_t i = 0;

	for (; i + 8 <= n; i += 8) {
		memcpy(&w, p + i, 8);
		h = (h ^ w) * k;
		h ^= h >> 29;
	}
	if (i < n) {
		w = 0;
		memcpy(&w, p + i, n - i);
		h = (h ^ w) * k;
		h ^= h >> 29;
	}
	h = (h ^ n) * k;
	return (uint32_t)(h >> 32);
}

/* Remembers (role, banner); 1 when it was already reported. */
static int seen(struct http_state *st, int role, const uint8_t *banner, size_t n)
{
	uint32_t h = banner_hash(role, banner, n);

	for (unsigned i = 0; i < st->n_assets && i < HTTP_ASSETS_SEEN; i++)
		if (st->assets_seen[i] == h)
			return 1;
	st->assets_seen[st->n_assets++ % HTTP_ASSETS_SEEN] = h;
	if (st->n_assets >= 2 * HTTP_ASSETS_SEEN)
		st->n_assets = HTTP_ASSETS_SEEN;
	return 0;
}

/* A version: digits, letters, '.', '-', '_' up to the first other byte. */
static void copy_version(const char *s, char *out, size_t cap)
{
	size_t n = 0;

	while (*s && n + 1 < cap &&
	       ((*s >= '0' && *s <= '9') || (*s >= 'a' && *s <= 'z') || (*s >= 'A' && *s <= 'Z') ||
		*s == '.' || *s == '-' || *s == '_'))
		out[n++] = *s++;
	out[n] = '\0';
}

/* The first token, lower case, and the version after its '/' (or inside
 * parentheses right after it: "Jetty(9.4.z)"). */
static void first_token(const char *b, char *prod, size_t pcap, char *ver, size_t vcap)
{
	size_t n = 0;

	while (*b && *b != '/' && *b != ' ' && *b != '(' && n + 1 < pcap) {
		char c = *b++;
		prod[n++] = (char)(c >= 'A' && c <= 'Z' ? c + 32 : c);
	}
	prod[n] = '\0';
	ver[0] = '\0';
	if (*b == '/' || *b == '(')
		copy_version(b + 1, ver, vcap);
}

static const char *mapped(const struct product_map *t, size_t n, const char *token)
{
	for (size_t i = 0; i < n; i++)
		if (strcmp(t[i].token, token) == 0)
			return t[i].product;
	return NULL;
}

/* A browser inside a Mozilla-compatible User-Agent, or NULL. */
static const char *browser(const char *ua, char *ver, size_t vcap)
{
	for (size_t i = 0; i < sizeof browsers / sizeof browsers[0]; i++) {
		const char *p = strstr(ua, browsers[i].token);
		if (p) {
			copy_version(p + strlen(browsers[i].token), ver, vcap);
			return browsers[i].product;
		}
	}
	return NULL;
}

void http_assets(struct http_state *st, struct http_tx *tx, int dir)
{
	const struct http_msg *m = dir ? &tx->res : &tx->req;
	const struct http_hdr *h = http_hdr_find(m, dir ? HTTP_H_SERVER : HTTP_H_USER_AGENT);
	char banner[BANNER_MAX], prod[64], ver[64];
	const uint8_t *v;
	const char *product;
	struct kn_asset a;
	size_t n;

	if (!h || !h->value_len)
		return;
	n = h->value_len < BANNER_MAX - 1 ? h->value_len : BANNER_MAX - 1;
	v = http_hdr_value(m, h);
	/* A NUL inside: not a banner worth reporting. The memo is asked
	 * before the banner is copied: most messages repeat the flow's. */
	if (memchr(v, '\0', n) || seen(st, dir, v, n))
		return;
	memcpy(banner, v, n);
	banner[n] = '\0';
	first_token(banner, prod, sizeof prod, ver, sizeof ver);
	if (!prod[0])
		return;
	product = dir ? mapped(servers, sizeof servers / sizeof servers[0], prod) : NULL;
	if (!dir && strcmp(prod, "mozilla") == 0)
		product = browser(banner, ver, sizeof ver);
	if (!product)
		product = prod;
	memset(&a, 0, sizeof a);
	a.role = dir ? KN_ASSET_SERVER : KN_ASSET_CLIENT;
	a.service = "http";
	a.product = product;
	a.version = ver[0] ? ver : NULL;
	a.banner = banner;
	kn_app_asset(st->c, &a);
}
