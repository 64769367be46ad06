/*
 * fuzz_dns.c - libFuzzer target for the dns parser (src/app/dns): messages over UDP and TCP.
 * Input format and checks: see fuzz_app.h. Seeds: fuzz/corpus/dns/.
 */
#include "fuzz_app.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	/* The first byte picks the transport: DNS over UDP or over TCP. */
	if (size < 1)
		return 0;
	if (data[0] & 0x80)
		return fuzz_app_one("dns", 6, 53, data + 1, size - 1);
	return fuzz_app_one("dns", 17, 53, data + 1, size - 1);
}
