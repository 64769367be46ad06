/*
 * run.c - `kenchi run`: the sensor. Parses options into a struct
 * kn_engine_config, installs signal handlers (INT/TERM stop, HUP reopens the
 * EVE file for log rotation), runs the engine and prints the summary.
 */
#include <ctype.h>
#include <errno.h>
#include <getopt.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cli.h"
#include "cli/run_rules.h"
#include "kenchi/engine.h"
#include "util/size.h"

#define MAX_FILES 4096

static const char run_usage[] =
	"usage: kenchi run [options] -r FILE [-r FILE ...]\n"
	"       kenchi run [options] -i INTERFACE [-f BPF]\n"
	"\n"
	"Decodes traffic, tracks flows and TCP streams and writes EVE JSON events\n"
	"(flow, anomaly, stats) as Suricata users know them.\n"
	"\n"
	"input:\n"
	"  -r, --read FILE          read a pcap or pcapng file (repeatable; files are\n"
	"                           read in the order given, as one run). '-' = stdin.\n"
	"                           Further non-option arguments are files too.\n"
	"  -i, --interface IFACE    capture live from IFACE (libpcap)\n"
	"  -f, --bpf EXPR           BPF filter for live capture, e.g. 'tcp port 80'\n"
	"      --snaplen N          live snapshot length (default 262144)\n"
	"      --no-promisc         do not put the interface in promiscuous mode\n"
	"output:\n"
	"  -l, --log-dir DIR        write events to DIR/eve.json (default: ./eve.json)\n"
	"  -o, --output SPEC        events to SPEC: '-' (stdout), file:PATH,\n"
	"                           unix:PATH (stream socket), unix-dgram:PATH\n"
	"      --stats-interval S   periodic stats event every S seconds (0: final only;\n"
	"                           default 8)\n"
	"      --no-decode-events   do not log decoder anomalies (still counted)\n"
	"      --decode-events-rate N  log at most N anomaly events per decoder event\n"
	"                           kind per second (0 = all, the default); the rest are\n"
	"                           counted in stats.decoder.anomaly_suppressed\n"
	"      --community-id-seed N  Community ID seed (default 0)\n"
	"  -q, --quiet              no summary on stderr\n"
	"      --progress / --no-progress  progress line (default: when stderr is a terminal)\n"
	"processing:\n"
	"  -w, --workers N          worker threads (default 1); packets are spread by flow\n"
	"      --flow-memcap SIZE   flow table memory (default 128M)\n"
	"      --flow-hash-size N   flow hash buckets (default 65536)\n"
	"      --stream-memcap SIZE TCP reassembly memory (default 256M)\n"
	"      --stream-depth SIZE  bytes reassembled per direction, 0 = all (default 1M)\n"
	"      --defrag-memcap SIZE IP reassembly memory (default 32M)\n"
	"      --midstream          reassemble TCP sessions whose SYN was not seen\n"
	"      --async-oneside      also reassemble TCP sessions whose first packet is the\n"
	"                           SYN/ACK (captures of one direction only)\n"
	"      --no-vlan-tracking   flows ignore VLAN ids (directions tagged differently)\n"
	"      --midstream-policy P what to do with a TCP session picked up mid-stream\n"
	"                           (no client SYN, or a SYN/ACK first): ignore (inspect\n"
	"                           it, the default), pass-flow (no signatures on it,\n"
	"                           transactions still logged) or bypass (only its flow\n"
	"                           event: no reassembly, parsing or signatures)\n"
	"      --no-app-layer       no protocol detection or parsing (flows only)\n"
	"      --app-memcap SIZE    application-layer parser memory (default 64M)\n"
	"      --http-decompress-layers N  content-coding layers of an HTTP body\n"
	"                           decoded, 1-8 (default 2, as libhtp)\n"
	"      --http-lzma          decode HTTP Content-Encoding lzma (libhtp's lzma-enabled)\n"
	"      --http-body-limit SIZE  HTTP body bytes inspected and tracked as a file per\n"
	"                           message (libhtp's request/response-body-limit; default\n"
	"                           64K inspected, 100K tracked; at most 64M)\n"
	"detection:\n"
	"      --no-detectors       no behaviour detectors (dns_tunnel: data in DNS\n"
	"                           query names; port_scan: vertical and horizontal\n"
	"                           scans; beacon: periodic calls home; exfil: upload\n"
	"                           far above a host's baseline; rarity: first-seen\n"
	"                           JA3/JA4, user agents, services; dark_addr: traffic\n"
	"                           to silent addresses; icmp_sweep: ping sweeps of\n"
	"                           live subnets; dga: hosts told NXDOMAIN for many\n"
	"                           domains, or asking many generated-looking names\n"
	"                           (with --dga-model); flood: SYN floods;\n"
	"                           reflection: amplified UDP answers nobody asked;\n"
	"                           brute_force: password guessing; icmp_tunnel:\n"
	"                           data in pings; doh:\n"
	"                           encrypted DNS to public resolvers; arp: ARP\n"
	"                           sweeps and spoofing; dcerpc: endpoint dumps,\n"
	"                           remote services and tasks over DCE/RPC); their\n"
	"                           findings are anomaly events with type detector,\n"
	"                           a score and an explanation\n"
	"      --detect-memcap SIZE behaviour detectors' memory per worker (default 16M)\n"
	"      --detect-set NAME=VALUE  a detector threshold (brute_min_failures=5,\n"
	"                           repeat_s=600, ...; repeatable); --detect-set help\n"
	"                           lists them with their defaults and ranges\n"
	"      --home-net LIST      internal prefixes for exfil, rarity, dark_addr\n"
	"                           (\"10.0.0.0/8,fd00::/8\", at most 8; default: HOME_NET\n"
	"                           of --vars when it is a plain list, else RFC 1918,\n"
	"                           100.64/10, 169.254/16, fc00::/7, fe80::/10)\n"
	"      --darknet LIST       unused prefixes the sensor watches: every source\n"
	"                           sending there is a scanner (dark_addr), port surges\n"
	"      --dga-model FILE     DGA name model (made by kenchi train-dga): the dga\n"
	"                           detector also judges the names themselves\n"
	"      --detect-scores FILE write a 'packet,score' CSV line for EVERY packet, in\n"
	"                           packet order, for kenchi eval: the highest score of\n"
	"                           a detector finding about the packet's source or\n"
	"                           destination (IP, or MAC for ARP findings) in the\n"
	"                           last --verdict-latch seconds, else 0 (rarity's\n"
	"                           first-seen items do not count). Needs one worker\n"
	"                           (-w 1, the default)\n"
	"      --verdict-latch S    seconds of packet time a finding marks its host's\n"
	"                           packets (default 600)\n"
	"      --verdict-memcap SIZE  hosts remembered for --detect-scores (default 4M:\n"
	"                           65,536 hosts; the least recently reported go)\n"
	"online anomaly model (AfterImage + KitNET, Kitsune's approach; fed every\n"
	"packet on the reading thread, so any --workers):\n"
	"      --model FILE         score every packet with a model from kenchi train;\n"
	"                           packets above its threshold are anomaly events of\n"
	"                           detector kitnet, explained (first 60 s: warm-up)\n"
	"      --train-packets N    train online on the first N packets (Kitsune-py's\n"
	"                           FMgrace 5000 + ADgrace 20000 = 25001), then score\n"
	"      --model-out FILE     with --train-packets: save the model once trained\n"
	"      --model-memcap SIZE  the model's feature tables (default 64M, or as the\n"
	"                           loaded model was trained)\n"
	"      --model-scores FILE  write 'packet,score' CSV of every scored packet\n"
	"                           (score in thresholds: > 1 is anomalous) for\n"
	"                           kenchi eval\n"
	"      --model-features pair-only|kitsune  with --train-packets: pair-only\n"
	"                           covariance (default: bounded work per packet) or\n"
	"                           Kitsune-py's exact statistics (several times slower)\n"
	"signatures (Suricata 7 rule language):\n"
	"  -S, --rules FILE         load a rules file (repeatable); matches are alert\n"
	"                           events. Without -S no signatures run.\n"
	"      --vars FILE          $HOME_NET and other address/port groups: a\n"
	"                           suricata.yaml (vars:) or NAME VALUE lines\n"
	"                           (default: Suricata's stock values)\n"
	"      --classification FILE  classification.config for categories and\n"
	"                           priorities (default: the one beside the first\n"
	"                           rules file, when there is one)\n"
	"      --threshold-file FILE  threshold.config: suppress, threshold and\n"
	"                           event_filter entries (rate_filter is read, not\n"
	"                           applied: it changes IPS verdicts)\n"
	"      --strict-rules       exit 1 when any rule fails to load (default: the\n"
	"                           failed rules are listed and the rest run)\n"
	"      --sig-memcap SIZE    flowbits and threshold memory per worker (default 16M,\n"
	"                           at least 4K)\n"
	"      --packet-alert-max N alerts reported per packet or transaction, the first N\n"
	"                           in rule order (default 15, as Suricata; 0 = all)\n"
	"      --alert-verdict      alert events carry verdict {action: alert}\n"
	"      --encryption-handling default|full  once a TLS session sends application\n"
	"                           data or an SSH session switched keys, payload rules\n"
	"                           skip its packets (default, as Suricata's default);\n"
	"                           full: they keep inspecting them (app-layer rules on\n"
	"                           tls.sni, ssh.software... run either way)\n"
	"  -k, --checksums all|none  whether tcpv4-csum/tcpv6-csum rules compute TCP\n"
	"                           checksums (all) or count every TCP packet valid\n"
	"                           (none, the default: offloaded captures are full of\n"
	"                           bad TCP checksums); IP, UDP and ICMP checksums are\n"
	"                           always computed. kenchi never drops a packet for one\n"
	"vulnerabilities:\n"
	"      --vuln-feed FILE     match the software seen on the wire (asset events)\n"
	"                           against FILE, an NVD CVE API 2.0 JSON response\n"
	"                           (repeatable: one file per API page; sample:\n"
	"                           feeds/sample-nvd.json); matches are vuln events.\n"
	"                           Weak TLS is reported with or without a feed.\n"
	"  -h, --help               this help\n"
	"\n"
	"SIGHUP reopens the EVE file (log rotation) and reloads the -S rule files\n"
	"(the running rules stay if the new ones fail); SIGINT/SIGTERM stop and flush.\n"
	"Exit status: 0 ok, 1 input/output error (events before it are written), 2 usage.\n";

/* The signal handlers need the engine; this is the one process-wide
 * pointer, owned by cmd_run for the duration of the run. */
static struct kn_engine *volatile running_engine;

static void on_stop(int sig)
{
	(void)sig;
	if (running_engine)
		kn_engine_stop(running_engine);
}

static void on_hup(int sig)
{
	(void)sig;
	if (running_engine)
		kn_engine_rotate(running_engine);
	run_reload_request();
}

enum {
	OPT_SNAPLEN = 256, OPT_NOPROMISC, OPT_STATS, OPT_NODECODE, OPT_SEED, OPT_PROGRESS,
	OPT_NOPROGRESS, OPT_FLOWMEM, OPT_FLOWHASH, OPT_STREAMMEM, OPT_STREAMDEPTH,
	OPT_DEFRAGMEM, OPT_MIDSTREAM, OPT_NOAPP, OPT_APPMEM, OPT_NODETECT, OPT_DETECTMEM,
	OPT_HOMENET, OPT_DARKNET, OPT_DGAMODEL,
	OPT_DECODERATE,
	OPT_MODEL, OPT_MODELMEM, OPT_TRAINPKTS, OPT_MODELOUT, OPT_MODELSCORES, OPT_MODELFEAT,
	OPT_VULNFEED, OPT_HTTPLAYERS, OPT_HTTPLZMA, OPT_HTTPBODY, OPT_THRESH, OPT_VARS, OPT_CLASSIFICATION, OPT_STRICT_RULES, OPT_SIGMEM,
	OPT_MIDPOLICY, OPT_ASYNC, OPT_NOVLAN, OPT_ALERTMAX, OPT_VERDICT, OPT_ENCRYPTION,
	OPT_DETECTSCORES, OPT_LATCH, OPT_VERDICTMEM, OPT_DETECTSET,
};

#define MAX_VULN_FEEDS 256

static const struct option long_opts[] = {
	{ "read", required_argument, NULL, 'r' },
	{ "interface", required_argument, NULL, 'i' },
	{ "bpf", required_argument, NULL, 'f' },
	{ "snaplen", required_argument, NULL, OPT_SNAPLEN },
	{ "no-promisc", no_argument, NULL, OPT_NOPROMISC },
	{ "log-dir", required_argument, NULL, 'l' },
	{ "output", required_argument, NULL, 'o' },
	{ "stats-interval", required_argument, NULL, OPT_STATS },
	{ "no-decode-events", no_argument, NULL, OPT_NODECODE },
	{ "decode-events-rate", required_argument, NULL, OPT_DECODERATE },
	{ "community-id-seed", required_argument, NULL, OPT_SEED },
	{ "quiet", no_argument, NULL, 'q' },
	{ "progress", no_argument, NULL, OPT_PROGRESS },
	{ "no-progress", no_argument, NULL, OPT_NOPROGRESS },
	{ "workers", required_argument, NULL, 'w' },
	{ "flow-memcap", required_argument, NULL, OPT_FLOWMEM },
	{ "flow-hash-size", required_argument, NULL, OPT_FLOWHASH },
	{ "stream-memcap", required_argument, NULL, OPT_STREAMMEM },
	{ "stream-depth", required_argument, NULL, OPT_STREAMDEPTH },
	{ "defrag-memcap", required_argument, NULL, OPT_DEFRAGMEM },
	{ "midstream", no_argument, NULL, OPT_MIDSTREAM },
	{ "midstream-policy", required_argument, NULL, OPT_MIDPOLICY },
	{ "async-oneside", no_argument, NULL, OPT_ASYNC },
	{ "no-vlan-tracking", no_argument, NULL, OPT_NOVLAN },
	{ "packet-alert-max", required_argument, NULL, OPT_ALERTMAX },
	{ "encryption-handling", required_argument, NULL, OPT_ENCRYPTION },
	{ "alert-verdict", no_argument, NULL, OPT_VERDICT },
	{ "vuln-feed", required_argument, NULL, OPT_VULNFEED },
	{ "no-app-layer", no_argument, NULL, OPT_NOAPP },
	{ "app-memcap", required_argument, NULL, OPT_APPMEM },
	{ "http-decompress-layers", required_argument, NULL, OPT_HTTPLAYERS },
	{ "http-lzma", no_argument, NULL, OPT_HTTPLZMA },
	{ "http-body-limit", required_argument, NULL, OPT_HTTPBODY },
	{ "no-detectors", no_argument, NULL, OPT_NODETECT },
	{ "home-net", required_argument, NULL, OPT_HOMENET },
	{ "darknet", required_argument, NULL, OPT_DARKNET },
	{ "dga-model", required_argument, NULL, OPT_DGAMODEL },
	{ "detect-memcap", required_argument, NULL, OPT_DETECTMEM },
	{ "detect-scores", required_argument, NULL, OPT_DETECTSCORES },
	{ "detect-set", required_argument, NULL, OPT_DETECTSET },
	{ "verdict-latch", required_argument, NULL, OPT_LATCH },
	{ "verdict-memcap", required_argument, NULL, OPT_VERDICTMEM },
	{ "model", required_argument, NULL, OPT_MODEL },
	{ "train-packets", required_argument, NULL, OPT_TRAINPKTS },
	{ "model-out", required_argument, NULL, OPT_MODELOUT },
	{ "model-memcap", required_argument, NULL, OPT_MODELMEM },
	{ "model-scores", required_argument, NULL, OPT_MODELSCORES },
	{ "model-features", required_argument, NULL, OPT_MODELFEAT },
	{ "rules", required_argument, NULL, 'S' },
	{ "vars", required_argument, NULL, OPT_VARS },
	{ "classification", required_argument, NULL, OPT_CLASSIFICATION },
	{ "strict-rules", no_argument, NULL, OPT_STRICT_RULES },
	{ "threshold-file", required_argument, NULL, OPT_THRESH },
	{ "checksums", required_argument, NULL, 'k' },
	{ "sig-memcap", required_argument, NULL, OPT_SIGMEM },
	{ "help", no_argument, NULL, 'h' },
	{ NULL, 0, NULL, 0 },
};

struct run_opts {
	struct kn_engine_config cfg;
	const char *files[MAX_FILES];
	const char *vuln_feeds[MAX_VULN_FEEDS];
	struct run_rules rules;
	char eve_path[4096];
	int quiet, progress;
};

static int bad(const char *opt, const char *val, const char *want)
{
	fprintf(stderr, "kenchi run: invalid %s '%s': expected %s (see kenchi run --help)\n", opt,
		val, want);
	return 2;
}

static int add_file(struct run_opts *o, const char *f)
{
	if (o->cfg.n_files >= MAX_FILES) {
		fprintf(stderr, "kenchi run: too many input files (at most %d)\n", MAX_FILES);
		return 2;
	}
	o->files[o->cfg.n_files++] = f;
	return 0;
}

static int add_vuln_feed(struct run_opts *o, const char *f)
{
	if (o->cfg.n_vuln_feeds >= MAX_VULN_FEEDS) {
		fprintf(stderr, "kenchi run: too many --vuln-feed files (at most %d)\n",
			MAX_VULN_FEEDS);
		return 2;
	}
	o->vuln_feeds[o->cfg.n_vuln_feeds++] = f;
	return 0;
}

static int set_output(struct run_opts *o, const char *spec)
{
	static const struct { const char *prefix; int kind; } kinds[] = {
		{ "file:", KN_EVE_FILE }, { "unix:", KN_EVE_UNIX_STREAM },
		{ "unix-dgram:", KN_EVE_UNIX_DGRAM },
	};
	if (!strcmp(spec, "-")) {
		o->cfg.eve_kind = KN_EVE_STDOUT;
		return 0;
	}
	for (size_t i = 0; i < sizeof kinds / sizeof kinds[0]; i++) {
		size_t n = strlen(kinds[i].prefix);
		if (!strncmp(spec, kinds[i].prefix, n) && spec[n]) {
			o->cfg.eve_kind = kinds[i].kind;
			snprintf(o->eve_path, sizeof o->eve_path, "%s", spec + n);
			return 0;
		}
	}
	return bad("--output", spec, "'-', file:PATH, unix:PATH or unix-dgram:PATH");
}

static int set_log_dir(struct run_opts *o, const char *dir)
{
	struct stat st;
	if (stat(dir, &st) != 0 || !S_ISDIR(st.st_mode)) {
		fprintf(stderr, "kenchi run: log directory %s: %s; create it first (mkdir -p %s)\n",
			dir, stat(dir, &st) != 0 ? strerror(errno) : "not a directory", dir);
		return 1;
	}
	if (access(dir, W_OK) != 0) {
		fprintf(stderr, "kenchi run: log directory %s is not writable: %s\n", dir,
			strerror(errno));
		return 1;
	}
	o->cfg.eve_kind = KN_EVE_FILE;
	snprintf(o->eve_path, sizeof o->eve_path, "%s/eve.json", dir);
	return 0;
}

static int parse_size_opt(const char *opt, const char *val, uint64_t *dst)
{
	unsigned long long v;
	if (kn_parse_size(val, &v) != 0)
		return bad(opt, val, "a size such as 65536, 64K, 128M or 2G");
	*dst = v;
	return 0;
}

static int parse_uint_opt(const char *opt, const char *val, unsigned long min, unsigned long max,
			  unsigned long *dst)
{
	char *end;
	errno = 0;
	unsigned long v = isdigit((unsigned char)*val) ? strtoul(val, &end, 10) : 0;
	if (!isdigit((unsigned char)*val) || errno || *end || v < min || v > max) {
		char want[64];
		snprintf(want, sizeof want, "a whole number %lu..%lu", min, max);
		return bad(opt, val, want);
	}
	*dst = v;
	return 0;
}

/* A detector prefix list (--home-net, --darknet). */
static int parse_prefix_opt(const char *opt, const char *val, struct kn_detect_prefix *out,
			    unsigned *n)
{
	char err[KN_ERRBUF_SIZE];
	int k = kn_detect_parse_prefixes(val, out, KN_DETECT_PREFIXES, err);
	if (k <= 0) {
		fprintf(stderr, "kenchi run: %s: %s\n", opt, k ? err : "empty list (give a.b.c.d/n)");
		return -1;
	}
	*n = (unsigned)k;
	return 0;
}

static int parse_midstream_policy(struct run_opts *o, const char *arg)
{
	static const char *const names[] = {
		[KN_MIDSTREAM_IGNORE] = "ignore", [KN_MIDSTREAM_PASS_FLOW] = "pass-flow",
		[KN_MIDSTREAM_BYPASS] = "bypass",
	};
	for (size_t i = 0; i < sizeof names / sizeof names[0]; i++) {
		if (!strcmp(arg, names[i])) {
			o->cfg.stream.midstream_policy = (int)i;
			return 0;
		}
	}
	return bad("--midstream-policy", arg, "ignore, pass-flow or bypass");
}

static int parse_one(struct run_opts *o, int c, const char *arg)
{
	unsigned long v;
	int rc = 0;
	switch (c) {
	case 'r': return add_file(o, arg);
	case 'i': o->cfg.iface = arg; return 0;
	case 'f': o->cfg.bpf = arg; return 0;
	case 'l': return set_log_dir(o, arg);
	case 'o': return set_output(o, arg);
	case 'q': o->quiet = 1; return 0;
	case OPT_NOPROMISC: o->cfg.promisc = 0; return 0;
	case OPT_NODECODE: o->cfg.log_decode_anomalies = 0; return 0;
	case OPT_PROGRESS: o->progress = 1; return 0;
	case OPT_NOPROGRESS: o->progress = 0; return 0;
	case OPT_MIDSTREAM: o->cfg.stream.midstream = o->cfg.sig_cfg.midstream = 1; return 0;
	case OPT_MIDPOLICY: return parse_midstream_policy(o, arg);
	case OPT_ASYNC: o->cfg.stream.async_oneside = o->cfg.sig_cfg.async_oneside = 1; return 0;
	case OPT_NOVLAN: o->cfg.decode.ignore_vlan = o->cfg.flow.ignore_vlan = 1; return 0;
	case OPT_VERDICT: o->cfg.sig_cfg.alert_verdict = 1; return 0;
	case OPT_ENCRYPTION:
		if (strcmp(arg, "default") && strcmp(arg, "full"))
			return bad("--encryption-handling", arg, "default or full");
		o->cfg.sig_cfg.encryption_full = !strcmp(arg, "full");
		return 0;
	case OPT_ALERTMAX:
		if (!(rc = parse_uint_opt("--packet-alert-max", arg, 0, 65535, &v)))
			o->cfg.sig_cfg.packet_alert_max = (uint32_t)v;
		return rc;
	case OPT_VULNFEED: return add_vuln_feed(o, arg);
	case 'S': return run_rules_add(&o->rules, arg);
	case OPT_VARS: o->rules.vars_path = arg; return 0;
	case OPT_CLASSIFICATION: o->rules.class_path = arg; return 0;
	case OPT_STRICT_RULES: o->rules.strict = 1; return 0;
	case OPT_THRESH: o->rules.thresh_path = arg; return 0;
	case 'k':
		if (strcmp(arg, "all") && strcmp(arg, "none"))
			return bad("-k/--checksums", arg, "all or none");
		o->cfg.sig_cfg.tcp_checksums = !strcmp(arg, "all");
		return 0;
	case OPT_SIGMEM: return parse_size_opt("--sig-memcap", arg, &o->cfg.sig_cfg.memcap);
	case OPT_NOAPP: o->cfg.app.enabled = 0; return 0;
	case OPT_HTTPLZMA: o->cfg.app.http_lzma = 1; return 0;
	case OPT_HTTPBODY: {
		int rc = parse_size_opt("--http-body-limit", arg, &o->cfg.app.http_body_limit);
		if (rc)
			return rc;
		if (o->cfg.app.http_body_limit > (64u << 20))
			return bad("--http-body-limit", arg, "a size up to 64M");
		return 0;
	}
	case OPT_HTTPLAYERS: {
		char *end;
		long n = strtol(arg, &end, 10);
		if (*end || n < 1 || n > 8)
			return bad("--http-decompress-layers", arg, "a number of layers, 1 to 8");
		o->cfg.app.http_decompress_layers = (unsigned)n;
		return 0;
	}
	case OPT_APPMEM: return parse_size_opt("--app-memcap", arg, &o->cfg.app.memcap);
	case OPT_NODETECT: o->cfg.detect.enabled = 0; return 0;
	case OPT_HOMENET: return parse_prefix_opt("--home-net", arg, o->cfg.detect.home_nets,
						  &o->cfg.detect.n_home_nets);
	case OPT_DARKNET: return parse_prefix_opt("--darknet", arg, o->cfg.detect.dark_nets,
						  &o->cfg.detect.n_dark_nets);
	case OPT_DGAMODEL: o->cfg.detect.dga_model = arg; return 0;
	case OPT_DETECTMEM: return parse_size_opt("--detect-memcap", arg, &o->cfg.detect.memcap);
	case OPT_DETECTSCORES: o->cfg.detect_scores = arg; return 0;
	case OPT_DETECTSET: {
		char name[64], err[KN_ERRBUF_SIZE];
		const char *eq = strchr(arg, '=');
		if (!strcmp(arg, "help") || !strcmp(arg, "list")) {
			struct kn_detect_config d;
			kn_detect_config_default(&d);
			printf("detector settings (--detect-set NAME=VALUE, repeatable; default, "
			       "what, range):\n");
			kn_detect_config_print(&d, stdout);
			return -1;
		}
		if (!eq || eq == arg || (size_t)(eq - arg) >= sizeof name)
			return bad("--detect-set", arg, "NAME=VALUE (--detect-set help lists them)");
		memcpy(name, arg, (size_t)(eq - arg));
		name[eq - arg] = 0;
		if (kn_detect_config_set(&o->cfg.detect, name, eq + 1, err) != 0) {
			fprintf(stderr, "kenchi run: --detect-set: %s\n", err);
			return 2;
		}
		return 0;
	}
	case OPT_LATCH:
		if (!(rc = parse_uint_opt("--verdict-latch", arg, 0, 10000000UL, &v)))
			o->cfg.verdict_latch_s = (double)v;
		return rc;
	case OPT_VERDICTMEM:
		return parse_size_opt("--verdict-memcap", arg, &o->cfg.verdict_memcap);
	case OPT_FLOWMEM: return parse_size_opt("--flow-memcap", arg, &o->cfg.flow.memcap);
	case OPT_STREAMMEM: return parse_size_opt("--stream-memcap", arg, &o->cfg.stream.memcap);
	case OPT_STREAMDEPTH: return parse_size_opt("--stream-depth", arg, &o->cfg.stream.depth);
	case OPT_DEFRAGMEM: return parse_size_opt("--defrag-memcap", arg, &o->cfg.decode.defrag_memcap);
	case 'w':
		if (!(rc = parse_uint_opt("--workers", arg, 1, KN_MAX_WORKERS, &v)))
			o->cfg.workers = (unsigned)v;
		return rc;
	case OPT_SNAPLEN:
		if (!(rc = parse_uint_opt("--snaplen", arg, 64, 262144, &v)))
			o->cfg.snaplen = (int)v;
		return rc;
	case OPT_STATS:
		if (!(rc = parse_uint_opt("--stats-interval", arg, 0, 86400, &v)))
			o->cfg.stats_interval_ms = v * 1000;
		return rc;
	case OPT_SEED:
		if (!(rc = parse_uint_opt("--community-id-seed", arg, 0, 65535, &v)))
			o->cfg.community_id_seed = (uint16_t)v;
		return rc;
	case OPT_DECODERATE:
		if (!(rc = parse_uint_opt("--decode-events-rate", arg, 0, 1000000000UL, &v)))
			o->cfg.decode_events_rate = (uint32_t)v;
		return rc;
	case OPT_MODEL: o->cfg.model_path = arg; return 0;
	case OPT_MODELOUT: o->cfg.model_out = arg; return 0;
	case OPT_MODELMEM:
		if ((rc = parse_size_opt("--model-memcap", arg, &o->cfg.model_memcap)) != 0)
			return rc;
		if (o->cfg.model_memcap < (1u << 20) || o->cfg.model_memcap > (1ull << 40))
			return bad("--model-memcap", arg, "a size from 1M to 1T");
		o->cfg.model.feature_memcap = o->cfg.model_memcap;
		return 0;
	case OPT_MODELSCORES: o->cfg.model_scores = arg; return 0;
	case OPT_MODELFEAT:
		if (strcmp(arg, "kitsune") && strcmp(arg, "pair-only"))
			return bad("--model-features", arg, "kitsune or pair-only");
		o->cfg.model.kitsune_exact = !strcmp(arg, "kitsune");
		return 0;
	case OPT_TRAINPKTS: {
		unsigned long long n;
		if (kn_parse_size(arg, &n) != 0 || n < KN_MODEL_MIN_TRAIN || n > KN_MODEL_MAX_TRAIN)
			return bad("--train-packets", arg, "a packet count, 10 to 2^40");
		o->cfg.model.train_packets = n;
		o->cfg.model_online = 1;
		return 0;
	}
	case OPT_FLOWHASH:
		if (!(rc = parse_uint_opt("--flow-hash-size", arg, 1, 1UL << 26, &v)))
			o->cfg.flow.hash_size = (uint32_t)v;
		return rc;
	default:
		fprintf(stderr, "see 'kenchi run --help'\n");
		return 2;
	}
}

static int parse_args(struct run_opts *o, int argc, char **argv)
{
	int c, rc;
	optind = 1;
	while ((c = getopt_long(argc, argv, "r:i:f:l:o:w:S:k:qh", long_opts, NULL)) != -1) {
		if (c == 'h') {
			fputs(run_usage, stdout);
			return -1;
		}
		if ((rc = parse_one(o, c, optarg)) != 0)
			return rc;
	}
	for (int i = optind; i < argc; i++)
		if ((rc = add_file(o, argv[i])) != 0)
			return rc;
	if (o->cfg.iface && o->cfg.n_files) {
		fprintf(stderr, "kenchi run: give either files (-r) or an interface (-i), not both\n");
		return 2;
	}
	if (!o->cfg.iface && !o->cfg.n_files) {
		fprintf(stderr, "kenchi run: no input; give -r FILE or -i INTERFACE (see --help)\n");
		return 2;
	}
	if (o->cfg.model_out && !o->cfg.model_online) {
		fprintf(stderr, "kenchi run: --model-out saves a model trained online; add "
			"--train-packets N (or train one with kenchi train)\n");
		return 2;
	}
	if (o->cfg.model_scores && !o->cfg.model_online && !o->cfg.model_path) {
		fprintf(stderr, "kenchi run: --model-scores needs a model: --model FILE or "
			"--train-packets N\n");
		return 2;
	}
	if (o->cfg.bpf && !o->cfg.iface) {
		fprintf(stderr, "kenchi run: --bpf applies to live capture (-i) only\n");
		return 2;
	}
	return 0;
}

/* One line about the loaded feed, with the first reason anything in it was
 * skipped (the operator may want a newer or cleaner feed). */
static void report_vuln_feed(const struct kn_engine *e, unsigned n_files)
{
	struct kn_vuln_feed_stats st;
	if (!n_files)
		return;
	kn_vuln_feed_stats(kn_engine_vuln_feed(e), &st);
	fprintf(stderr, "kenchi run: vulnerability feed: %llu CVEs, %llu match rules from %u file%s",
		(unsigned long long)st.cves, (unsigned long long)st.matches, n_files,
		n_files == 1 ? "" : "s");
	if (st.entries_skipped || st.matches_skipped)
		fprintf(stderr, " (skipped %llu entries and %llu rules kenchi cannot use; first: %s)",
			(unsigned long long)st.entries_skipped,
			(unsigned long long)st.matches_skipped, st.first_skip);
	fputc('\n', stderr);
}

static void install_signals(struct kn_engine *e)
{
	struct sigaction sa;
	memset(&sa, 0, sizeof sa);
	running_engine = e;
	sa.sa_handler = on_stop;
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	sa.sa_handler = on_hup;
	sigaction(SIGHUP, &sa, NULL);
	sa.sa_handler = SIG_IGN;
	sigaction(SIGPIPE, &sa, NULL);
}

int cmd_run(int argc, char **argv)
{
	static struct run_opts o;  /* large (file list): not on the stack */
	char errbuf[KN_ERRBUF_SIZE] = "";
	int rc;

	memset(&o, 0, sizeof o);
	kn_engine_config_default(&o.cfg);
	o.progress = isatty(STDERR_FILENO);
	snprintf(o.eve_path, sizeof o.eve_path, "eve.json");
	if ((rc = parse_args(&o, argc, argv)) != 0)
		return rc < 0 ? 0 : rc;
	o.cfg.files = o.files;
	o.cfg.vuln_feeds = o.vuln_feeds;
	o.cfg.eve_path = o.eve_path;
	o.cfg.progress = o.progress && !o.cfg.iface;
	if (run_home_from_vars(o.rules.vars_path, &o.cfg.detect, o.quiet) != 0)
		return 1;
	if (run_rules_load(&o.rules, o.quiet) != 0) {
		run_rules_free(&o.rules);
		return 1;
	}
	o.cfg.sig = o.rules.engine;

	struct kn_engine *e = kn_engine_new(&o.cfg, errbuf);
	if (!e) {
		fprintf(stderr, "kenchi run: %s\n", errbuf);
		run_rules_free(&o.rules);
		return 1;
	}
	if (!o.quiet)
		report_vuln_feed(e, o.cfg.n_vuln_feeds);
	struct run_reload *reload = o.rules.engine ? run_reload_start(&o.rules, e, o.quiet) : NULL;
	install_signals(e);
	rc = kn_engine_run(e, errbuf);
	running_engine = NULL;
	run_reload_stop(reload);
	if (!o.quiet)
		kn_engine_summary(e, stderr);
	if (rc != 0)
		fprintf(stderr, "kenchi run: error: %s\n", errbuf);
	kn_engine_free(e);
	if (reload)
		run_reload_free(reload);   /* frees the current rules, o.rules or a reload's */
	else
		run_rules_free(&o.rules);
	return rc != 0 ? 1 : 0;
}
