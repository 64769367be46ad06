/*
 * error.c - descriptions of the KN_E* codes and the library version.
 */
#include "kenchi/kenchi.h"

const char *kn_strerror(int err)
{
	if (err < 0)
		err = -err;
	switch (err) {
	case KN_OK: return "success";
	case KN_ENOMEM: return "out of memory or memcap reached";
	case KN_EINVAL: return "invalid argument";
	case KN_EIO: return "input/output error";
	case KN_EFORMAT: return "malformed input";
	case KN_ETRUNC: return "input truncated";
	case KN_ENOTSUP: return "not supported";
	case KN_EAGAIN: return "no data available yet";
	case KN_EFULL: return "queue or buffer full";
	default: return "unknown error";
	}
}

const char *kn_version(void)
{
	return KN_VERSION_STRING;
}
