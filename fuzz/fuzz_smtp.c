/*
 * fuzz_smtp.c - libFuzzer target for the smtp parser (src/app/smtp): commands and replies.
 * Input format and checks: see fuzz_app.h. Seeds: fuzz/corpus/smtp/.
 */
#include "fuzz_app.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	return fuzz_app_one("smtp", 6, 25, data, size);
}
