/*
 * http_text.c - byte-level tests the files of the HTTP parser share:
 * header values read the lenient way Suricata's libhtp reads them
 * (Content-Length, tokens searched case-insensitively with NUL bytes
 * ignored), and whether a line starts a new request or response.
 *
 * App stage, leaf code of src/app/http: called by http_msg.c (repeated
 * Content-Length), http_conn.c (framing, message boundaries), http_body.c
 * (Content-Encoding) and http_multipart.c (boundaries).
 */
#include "app/http/http_int.h"

static int is_space(uint8_t c)
{
	return c == ' ' || c == '\t' || c == '\r' || c == '\n' || c == '\v' || c == '\f';
}

static uint8_t lower(uint8_t c)
{
	return c >= 'A' && c <= 'Z' ? (uint8_t)(c + 32) : c;
}

/* ------------------------------------------------------ Content-Length */

int64_t http_parse_content_length(const uint8_t *v, size_t n, int *junk)
{
	size_t i = 0, digits = 0;
	int64_t r = 0;

	*junk = 0;
	/* libhtp skips anything before the digits (with a warning). */
	while (i < n && (v[i] < '0' || v[i] > '9')) {
		*junk |= !is_space(v[i]) && v[i] != '+';
		i++;
	}
	for (; i < n && v[i] >= '0' && v[i] <= '9'; i++, digits++) {
		if (r > (INT64_MAX - 9) / 10)
			return -1;
		r = r * 10 + (v[i] - '0');
	}
	if (!digits)
		return -1;
	while (i < n && is_space(v[i]))
		i++;
	*junk |= i < n;
	return r;
}

/* ------------------------------------------------------ value matching */

int http_value_has(const uint8_t *v, size_t n, const char *needle)
{
	for (size_t s = 0; s < n; s++) {
		size_t i = s, k = 0;
		while (needle[k] && i < n) {
			if (v[i] == 0) {
				i++;
				continue;
			}
			if (lower(v[i]) != (uint8_t)needle[k])
				break;
			i++, k++;
		}
		if (!needle[k])
			return 1;
	}
	return 0;
}

int http_value_is(const uint8_t *v, size_t n, const char *s)
{
	size_t k = 0;

	for (size_t i = 0; i < n; i++) {
		if (v[i] == 0)
			continue;
		if (!s[k] || lower(v[i]) != (uint8_t)s[k])
			return 0;
		k++;
	}
	return !s[k];
}

/* ------------------------------------------------ message boundaries */

int http_line_is_request(const uint8_t *line, uint32_t len)
{
	uint32_t pos = 0, start;

	while (pos < len && is_space(line[pos]))
		pos++;
	start = pos;
	while (pos < len && !is_space(line[pos]))
		pos++;
	return http_method_lookup(line + start, pos - start) != HTTP_M_UNKNOWN;
}

int http_line_is_response(const uint8_t *line, uint32_t len)
{
	uint32_t pos = 0;

	while (pos < len && (is_space(line[pos]) || line[pos] == 0))
		pos++;
	if (len - pos < 4)
		return 0;
	return lower(line[pos]) == 'h' && lower(line[pos + 1]) == 't' &&
	       lower(line[pos + 2]) == 't' && lower(line[pos + 3]) == 'p';
}
