/*
 * fuzz_http.c - libFuzzer target for the http parser (src/app/http): requests, responses, bodies.
 * Input format and checks: see fuzz_app.h. Seeds: fuzz/corpus/http/.
 */
#include "fuzz_app.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	return fuzz_app_one("http", 6, 80, data, size);
}
