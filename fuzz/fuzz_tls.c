/*
 * fuzz_tls.c - libFuzzer target for the tls parser (src/app/tls): records, handshakes, certificates.
 * Input format and checks: see fuzz_app.h. Seeds: fuzz/corpus/tls/.
 */
#include "fuzz_app.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	return fuzz_app_one("tls", 6, 443, data, size);
}
