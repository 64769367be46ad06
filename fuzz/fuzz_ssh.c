/*
 * fuzz_ssh.c - libFuzzer target for the ssh parser (src/app/ssh): banners and KEXINIT.
 * Input format and checks: see fuzz_app.h. Seeds: fuzz/corpus/ssh/.
 */
#include "fuzz_app.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	return fuzz_app_one("ssh", 6, 22, data, size);
}
