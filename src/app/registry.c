/*
 * registry.c - the table of application-layer parsers and of named buffers.
 *
 * App stage. A parser's id is its position in `parsers` plus one; the
 * order is also the probing order when several parsers accept the same
 * bytes and no port hint decides. Adding a protocol is one line here.
 */
#include "kenchi/app.h"

#include <string.h>

extern const struct kn_app_parser kn_app_parser_dns;
extern const struct kn_app_parser kn_app_parser_http;
extern const struct kn_app_parser kn_app_parser_tls;
extern const struct kn_app_parser kn_app_parser_ssh;
extern const struct kn_app_parser kn_app_parser_smtp;
extern const struct kn_app_parser kn_app_parser_dhcp;

static const struct kn_app_parser *const parsers[] = {
	&kn_app_parser_dns,
	&kn_app_parser_http,
	&kn_app_parser_tls,
	&kn_app_parser_ssh,
	&kn_app_parser_smtp,
	&kn_app_parser_dhcp,
};

#define N_PARSERS (sizeof parsers / sizeof parsers[0])

unsigned kn_app_parser_count(void)
{
	return N_PARSERS;
}

const struct kn_app_parser *kn_app_parser_get(unsigned id)
{
	return id >= 1 && id <= N_PARSERS ? parsers[id - 1] : NULL;
}

unsigned kn_app_parser_id(const char *name)
{
	for (unsigned i = 0; name && i < N_PARSERS; i++)
		if (strcmp(parsers[i]->name, name) == 0)
			return i + 1;
	return 0;
}

static const char *const buffer_names[KN_BUF_COUNT] = {
#define KN_APP_BUF_NAME(id, name) [KN_BUF_##id] = name,
	KN_APP_BUFFERS(KN_APP_BUF_NAME)
#undef KN_APP_BUF_NAME
};

const char *kn_app_buffer_name(unsigned buf)
{
	return buf < KN_BUF_COUNT ? buffer_names[buf] : NULL;
}

int kn_app_buffer_by_name(const char *name)
{
	for (unsigned i = 0; name && i < KN_BUF_COUNT; i++)
		if (strcmp(buffer_names[i], name) == 0)
			return (int)i;
	return -1;
}
