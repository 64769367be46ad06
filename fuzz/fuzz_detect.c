/*
 * fuzz_detect.c - libFuzzer target for the application-layer core
 * (src/app/app.c, detect.c): no parser is forced, so every probe sees the
 * bytes, the probe buffers fill and fail, gaps hit undecided directions,
 * the chosen parser is handed the kept bytes, and STARTTLS-style switches
 * start detection again, exactly as on the worker's path.
 * The first input byte picks the transport (bit 7: TCP) and the server
 * port (low bits, from well-known ports and two others); the rest is the
 * record format of fuzz_app.h. Seeds: fuzz/corpus/detect/.
 */
#include "fuzz_app.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const uint16_t ports[8] = { 53, 80, 443, 22, 25, 67, 8080, 5555 };

	if (size < 1)
		return 0;
	return fuzz_app_one(NULL, (data[0] & 0x80) ? 6 : 17, ports[data[0] & 7], data + 1,
			    size - 1);
}
