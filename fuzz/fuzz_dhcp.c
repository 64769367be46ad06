/*
 * fuzz_dhcp.c - libFuzzer target for the dhcp parser (src/app/dhcp): BOOTP/DHCP datagrams.
 * Input format and checks: see fuzz_app.h. Seeds: fuzz/corpus/dhcp/.
 */
#include "fuzz_app.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	return fuzz_app_one("dhcp", 17, 67, data, size);
}
