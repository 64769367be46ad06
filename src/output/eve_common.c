/*
 * eve_common.c - the head shared by every EVE event: timestamp, ids, event
 * type, VLANs, addresses, ports and protocol name, in Suricata's order;
 * and the string members of member runs that need the JSON writer
 * (output.h has the rest of the run helpers, inline).
 *
 * Output stage, used by every formatter (flow, anomaly, app-layer, asset
 * and vuln events). The head is written as one member run: keys are our
 * literals and values are formatted in place. Addresses are formatted here
 * by hand (no inet_ntop, no locale, no stdio): IPv4 as a dotted quad, IPv6
 * uncompressed as Suricata writes it.
 */
#include "output/output.h"

#include <string.h>

#include "util/timefmt.h"

/* IANA protocol keywords as Suricata 7 prints them ("IP-in-IP" for 4 rather
 * than IANA's "IPv4"); numbers without a keyword are printed as numbers. */
static const char *const proto_names[256] = {
	[0] = "HOPOPT", [1] = "ICMP", [2] = "IGMP", [3] = "GGP", [4] = "IP-in-IP",
	[5] = "ST", [6] = "TCP", [7] = "CBT", [8] = "EGP", [9] = "IGP",
	[10] = "BBN-RCC-MON", [11] = "NVP-II", [12] = "PUP", [13] = "ARGUS",
	[14] = "EMCON", [15] = "XNET", [16] = "CHAOS", [17] = "UDP", [18] = "MUX",
	[19] = "DCN-MEAS", [20] = "HMP", [21] = "PRM", [22] = "XNS-IDP",
	[23] = "TRUNK-1", [24] = "TRUNK-2", [25] = "LEAF-1", [26] = "LEAF-2",
	[27] = "RDP", [28] = "IRTP", [29] = "ISO-TP4", [30] = "NETBLT",
	[31] = "MFE-NSP", [32] = "MERIT-INP", [33] = "DCCP", [34] = "3PC",
	[35] = "IDPR", [36] = "XTP", [37] = "DDP", [38] = "IDPR-CMTP", [39] = "TP++",
	[40] = "IL", [41] = "IPv6", [42] = "SDRP", [43] = "IPv6-Route",
	[44] = "IPv6-Frag", [45] = "IDRP", [46] = "RSVP", [47] = "GRE", [48] = "DSR",
	[49] = "BNA", [50] = "ESP", [51] = "AH", [52] = "I-NLSP", [53] = "SWIPE",
	[54] = "NARP", [55] = "MOBILE", [56] = "TLSP", [57] = "SKIP",
	[58] = "IPv6-ICMP", [59] = "IPv6-NoNxt", [60] = "IPv6-Opts", [62] = "CFTP",
	[64] = "SAT-EXPAK", [65] = "KRYPTOLAN", [66] = "RVD", [67] = "IPPC",
	[69] = "SAT-MON", [70] = "VISA", [71] = "IPCV", [72] = "CPNX", [73] = "CPHB",
	[74] = "WSN", [75] = "PVP", [76] = "BR-SAT-MON", [77] = "SUN-ND",
	[78] = "WB-MON", [79] = "WB-EXPAK", [80] = "ISO-IP", [81] = "VMTP",
	[82] = "SECURE-VMTP", [83] = "VINES", [84] = "TTP", [85] = "NSFNET-IGP",
	[86] = "DGP", [87] = "TCF", [88] = "EIGRP", [89] = "OSPFIGP",
	[90] = "Sprite-RPC", [91] = "LARP", [92] = "MTP", [93] = "AX.25",
	[94] = "IPIP", [95] = "MICP", [96] = "SCC-SP", [97] = "ETHERIP",
	[98] = "ENCAP", [100] = "GMTP", [101] = "IFMP", [102] = "PNNI", [103] = "PIM",
	[104] = "ARIS", [105] = "SCPS", [106] = "QNX", [107] = "A/N", [108] = "IPComp",
	[109] = "SNP", [110] = "Compaq-Peer", [111] = "IPX-in-IP", [112] = "VRRP",
	[113] = "PGM", [115] = "L2TP", [116] = "DDX", [117] = "IATP", [118] = "STP",
	[119] = "SRP", [120] = "UTI", [121] = "SMP", [122] = "SM", [123] = "PTP",
	[124] = "ISIS over IPv4", [125] = "FIRE", [126] = "CRTP", [127] = "CRUDP",
	[128] = "SSCOPMCE", [129] = "IPLT", [130] = "SPS", [131] = "PIPE",
	[132] = "SCTP", [133] = "FC", [134] = "RSVP-E2E-IGNORE",
	[135] = "Mobility Header", [136] = "UDPLite", [137] = "MPLS-in-IP",
	[138] = "manet", [139] = "HIP", [140] = "Shim6", [141] = "WESP", [142] = "ROHC",
	[143] = "Ethernet",
};

const char *output_proto_name(uint8_t proto, char tmp[4])
{
	if (proto_names[proto])
		return proto_names[proto];
	tmp[kn_u64_to_dec(proto, tmp)] = '\0';
	return tmp;
}

int output_proto_has_ports(uint8_t proto)
{
	return proto == 6 || proto == 17 || proto == 132;
}

int output_proto_is_icmp(uint8_t proto)
{
	return proto == 1 || proto == 58;
}

/* The decimal text of each octet value, NUL-padded to four bytes. */
static const char octet_text[256][4] = {
	"0", "1", "2", "3", "4", "5", "6", "7", "8", "9", "10", "11",
	"12", "13", "14", "15", "16", "17", "18", "19", "20", "21", "22", "23",
	"24", "25", "26", "27", "28", "29", "30", "31", "32", "33", "34", "35",
	"36", "37", "38", "39", "40", "41", "42", "43", "44", "45", "46", "47",
	"48", "49", "50", "51", "52", "53", "54", "55", "56", "57", "58", "59",
	"60", "61", "62", "63", "64", "65", "66", "67", "68", "69", "70", "71",
	"72", "73", "74", "75", "76", "77", "78", "79", "80", "81", "82", "83",
	"84", "85", "86", "87", "88", "89", "90", "91", "92", "93", "94", "95",
	"96", "97", "98", "99", "100", "101", "102", "103", "104", "105", "106", "107",
	"108", "109", "110", "111", "112", "113", "114", "115", "116", "117", "118", "119",
	"120", "121", "122", "123", "124", "125", "126", "127", "128", "129", "130", "131",
	"132", "133", "134", "135", "136", "137", "138", "139", "140", "141", "142", "143",
	"144", "145", "146", "147", "148", "149", "150", "151", "152", "153", "154", "155",
	"156", "157", "158", "159", "160", "161", "162", "163", "164", "165", "166", "167",
	"168", "169", "170", "171", "172", "173", "174", "175", "176", "177", "178", "179",
	"180", "181", "182", "183", "184", "185", "186", "187", "188", "189", "190", "191",
	"192", "193", "194", "195", "196", "197", "198", "199", "200", "201", "202", "203",
	"204", "205", "206", "207", "208", "209", "210", "211", "212", "213", "214", "215",
	"216", "217", "218", "219", "220", "221", "222", "223", "224", "225", "226", "227",
	"228", "229", "230", "231", "232", "233", "234", "235", "236", "237", "238", "239",
	"240", "241", "242", "243", "244", "245", "246", "247", "248", "249", "250", "251",
	"252", "253", "254", "255",
};

/* One octet in decimal: its four table bytes are stored at once and p moves
 * past the digits (the padding is overwritten by what follows, and the
 * callers' buffers have room for it). No division, no data-dependent
 * branch: an address's octets are as unpredictable as branches get. */
static inline char *put_octet(char *p, unsigned v)
{
	memcpy(p, octet_text[v], 4);
	return p + 1 + (v >= 10) + (v >= 100);
}

static char *put_ipv4(char *p, const uint8_t b[4])
{
	p = put_octet(p, b[0]);
	for (int i = 1; i < 4; i++) {
		*p++ = '.';
		p = put_octet(p, b[i]);
	}
	return p;
}

/* IPv6 as Suricata logs it: eight groups of four hex digits, no
 * compression ("2001:0db8:0000:...:0001"), so tools that match addresses
 * as strings against Suricata's output keep working. */
static char *put_ipv6(char *p, const uint8_t b[16])
{
	static const char hex[] = "0123456789abcdef";
	for (int i = 0; i < 16; i += 2) {
		if (i)
			*p++ = ':';
		*p++ = hex[b[i] >> 4];
		*p++ = hex[b[i] & 15];
		*p++ = hex[b[i + 1] >> 4];
		*p++ = hex[b[i + 1] & 15];
	}
	return p;
}

size_t output_addr_format(const struct kn_addr *a, unsigned ip_version,
			  char out[OUTPUT_ADDR_LEN])
{
	char *end = ip_version == 6 ? put_ipv6(out, a->b) : put_ipv4(out, a->b);
	*end = '\0';
	return (size_t)(end - out);
}

void output_run_strn_slow(struct output_run *r, const char *key, const char *s, size_t n)
{
	if (!s) {
		char *p = output_run_key(r, key, 4);
		memcpy(p, "null", 4);
		r->p = p + 4;
		return;
	}
	output_run_flush(r);
	kn_json_strn(r->j, key, s, n);
}

void output_eve_begin(struct output_run *r, struct kn_json *j, uint64_t ts_ns,
		      uint64_t flow_id, uint64_t pcap_cnt, const char *event_type,
		      size_t type_len, const uint16_t vlan[2])
{
	kn_json_open(j, NULL);
	output_run_init(r, j);
	output_run_time(r, "timestamp", ts_ns);
	if (flow_id)
		output_run_u64(r, "flow_id", flow_id);
	if (pcap_cnt)
		output_run_u64(r, "pcap_cnt", pcap_cnt);
	output_run_strn(r, "event_type", event_type, type_len);
	if (vlan[0] || vlan[1]) {
		char *p = output_run_key(r, "vlan", 2 * 6 + 2);
		*p++ = '[';
		for (int i = 0; i < 2; i++) {
			if (!vlan[i])
				continue;
			if (p[-1] != '[')
				*p++ = ',';
			p += kn_u64_to_dec(vlan[i], p);
		}
		*p++ = ']';
		r->p = p;
	}
}

void output_eve_tuple(struct output_run *r, const struct output_tuple *t)
{
	if (t->ip_version != 4 && t->ip_version != 6)
		return;
	int ports = output_proto_has_ports(t->proto);
	output_run_addr(r, "src_ip", t->src, t->ip_version);
	if (ports)
		output_run_u64(r, "src_port", t->sport);
	output_run_addr(r, "dest_ip", t->dst, t->ip_version);
	if (ports)
		output_run_u64(r, "dest_port", t->dport);
	/* The common protocols as literals: no strlen() of a table name. */
	char num[4];
	if (t->proto == 6)
		output_run_lit(r, "proto", "TCP");
	else if (t->proto == 17)
		output_run_lit(r, "proto", "UDP");
	else
		output_run_lit(r, "proto", output_proto_name(t->proto, num));
	if (output_proto_is_icmp(t->proto)) {
		output_run_u64(r, "icmp_type", t->icmp_type);
		output_run_u64(r, "icmp_code", t->icmp_code);
	}
}

void output_flow_tuple(const struct kn_flow *f, int dir, struct output_tuple *t)
{
	const struct kn_flow_key *k = &f->key;

	*t = (struct output_tuple){
		.src = dir ? &k->dst : &k->src, .dst = dir ? &k->src : &k->dst,
		.sport = dir ? k->dport : k->sport, .dport = dir ? k->sport : k->dport,
		.proto = k->proto, .ip_version = k->ip_version,
		.icmp_type = f->icmp_type, .icmp_code = f->icmp_code,
	};
}

void output_packet_tuple(const struct kn_packet *p, struct output_tuple *t)
{
	*t = (struct output_tuple){
		.src = &p->src, .dst = &p->dst, .sport = p->sport, .dport = p->dport,
		.proto = p->proto, .ip_version = p->ip_version,
		.icmp_type = p->icmp_type, .icmp_code = p->icmp_code,
	};
}
