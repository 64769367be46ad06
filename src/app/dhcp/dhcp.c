/* dhcp.c - placeholder parser (recognises nothing) until the real one lands. */
#include "kenchi/app.h"

const struct kn_app_parser kn_app_parser_dhcp = {
	.name = "dhcp",
	.ipprotos = KN_APP_TCP | KN_APP_UDP,
};
