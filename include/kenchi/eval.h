/*
 * eval.h - the core of `kenchi eval`: labelled datasets, detector alerts,
 * matching alerts to ground truth, and detection metrics.
 *
 * Not a pipeline stage: the evaluation harness sits outside the sensor and
 * knows nothing of kenchi's internals beyond what any detector writes (EVE
 * JSON today; Zeek logs, scored CSV and the rest are adapters that fill the
 * same struct kn_eval_alert). The flow of a run:
 *
 *   dataset  = kn_eval_dataset_load_file(manifest)          ground truth
 *   alerts   = kn_eval_eve_load_file(detector output)       one capture's alerts
 *   scorer   = kn_eval_scorer_new(dataset, tolerance)
 *   kn_eval_scorer_add(scorer, capture, alerts, packet times)   for each capture
 *   kn_eval_scorer_summary(scorer, class or KN_EVAL_ALL)    counts and metrics
 *
 * The manifest format is documented in docs/eval-manifest.md.
 *
 * ---------------------------------------------------------------- scoring
 * Each capture has a grain (packet, flow or host) that says what one
 * ground-truth ITEM is and how an alert matches it:
 *
 * - flow grain: an item is one flow label (5-tuple with optional wildcard
 *   ports and protocol, optional time window). An alert matches it when its
 *   protocol matches (or the label's is a wildcard), its addresses and
 *   ports match the label's in either direction (src->dst or dst->src),
 *   and its timestamp lies in [start - tolerance, end + tolerance].
 * - host grain: an item is one host label (address or CIDR, role, window).
 *   An alert matches when the label's network holds the alert's source
 *   (role src), destination (role dst) or either (role any), within the
 *   window widened by the tolerance.
 * - packet grain: an item is one labelled PACKET (labels are 1-based packet
 *   ranges, the numbering of EVE's pcap_cnt). An alert points at a packet:
 *   its pcap_cnt when it has one (1..packet count); otherwise, when the
 *   caller gives the capture's packet times, the labelled packet nearest in
 *   time within the tolerance, else the packet of any kind nearest in time
 *   within the tolerance (earliest wins a tie); otherwise none ("unplaced").
 *   An alert matches the item of the packet it points at.
 * - A whole-capture label ("attack": CLASS) is one item at flow and host
 *   grain, matched by every alert of the capture whatever its time; at
 *   packet grain it labels packets 1..N (N must be known).
 *
 * Counts:
 *   tp  items matched by at least one alert ("detected")
 *   fn  items matched by none
 *   fp  FALSE UNITS: alerts matching no item, counted once per unit of the
 *       grain so tp and fp count the same kind of thing: per distinct packet
 *       (packet grain; each unplaced alert is its own unit), per distinct
 *       flow regardless of direction (flow grain: protocol, address and
 *       port pairs), per distinct unordered address pair (host grain).
 *   alerts, alerts_true (matching at least one item), alerts_false.
 * precision = tp / (tp + fp), recall = tp / (tp + fn), F1 = their harmonic
 * mean (0 when both are 0). NaN when the denominator is 0 (no alerts at
 * all, no items).
 *
 * Per attack class: the class's items against the benign background. The
 * items of other classes, and alerts that match only those, are left out;
 * fp is the same as overall (a false alert is false for every class).
 *
 * Scores and curves: every positive item and every false unit is a SAMPLE
 * whose score is the highest score of the alerts that match it (an alert
 * without a score, NaN, counts as +inf when the detector scores others;
 * when no alert of the scorer has a score, curve metrics are NaN with
 * KN_EVAL_U_UNSCORED). Items no alert matched are positives ranked below
 * every score (tied at -inf). At packet grain with the packet count known,
 * benign packets no alert points at are negatives tied at -inf too, which
 * makes the ROC complete; at flow and host grain the benign population is
 * unknown, so ROC AUC, EER and TPR at FPR are NaN (KN_EVAL_U_NO_NEGATIVES)
 * while PR AUC is defined.
 *
 * Pooling: a scorer sums counts and pools samples over every capture added
 * (one curve for the dataset, benign captures contributing negatives); the
 * ROC side is defined only when every capture added has packet grain and a
 * known packet count. Score captures of one grain per scorer to keep the
 * units comparable (a summary's grain says MIXED otherwise).
 *
 * Detection delay of a label (an attack): time of its first matching alert
 * minus the attack start, clamped at 0 (an alert can match up to the
 * tolerance before the start). The start is the window's start; for a
 * packet label, the earliest time of its packets; for a whole-capture label
 * or a label without a start, the capture's earliest packet. Packet times come
 * from the caller (struct kn_eval_packets); without them, and without a
 * window start, the delay is unknown and left out of mean and median.
 *
 * Ownership: a dataset owns all its strings and arrays and is immutable
 * after loading (except kn_eval_dataset_set_packets); an alert list owns
 * its signature strings; the scorer borrows its dataset (which must outlive
 * it) and copies what it needs from the alerts it is given.
 * Nothing here is thread-safe on one object; distinct objects are
 * independent (no global state).
 */
#ifndef KENCHI_EVAL_H
#define KENCHI_EVAL_H

#include <stddef.h>
#include <stdint.h>

#include "kenchi/kenchi.h"

/* ------------------------------------------------------------- basics */

/* The manifest format version this library reads ("kenchi_dataset": 1). */
#define KN_EVAL_DATASET_VERSION 1
/* Bytes of a manifest file accepted. */
#define KN_EVAL_MANIFEST_MAX (64u << 20)
/* Bytes of an attack class name. */
#define KN_EVAL_CLASS_MAX 128

enum kn_eval_grain {
	KN_EVAL_GRAIN_PACKET = 0,
	KN_EVAL_GRAIN_FLOW = 1,
	KN_EVAL_GRAIN_HOST = 2,
	KN_EVAL_GRAIN_MIXED = 3,  /* only in a summary: captures of several grains */
};

/* "packet", "flow", "host", "mixed"; NULL out of range. */
const char *kn_eval_grain_name(unsigned grain);

/* An IPv4 or IPv6 address; family 0 = none (an alert without addresses). */
struct kn_eval_addr {
	uint8_t family;       /* 0, 4 or 6 */
	uint8_t bytes[16];    /* IPv4 in the first 4 bytes, the rest 0 */
};

/* An address or a network: the first `prefix` bits of addr. */
struct kn_eval_net {
	struct kn_eval_addr addr;
	uint8_t prefix;       /* 0..32 (IPv4) or 0..128 (IPv6) */
};

/* Parses "192.0.2.1" or "2001:db8::1". 0, or -KN_EINVAL. */
KN_WARN_UNUSED int kn_eval_addr_parse(const char *s, struct kn_eval_addr *out);
/* Parses an address or "ADDR/PREFIX" (host bits must be zero). 0 or -KN_EINVAL. */
KN_WARN_UNUSED int kn_eval_net_parse(const char *s, struct kn_eval_net *out);
/* 1 when a is in the network n (same family), else 0. */
int kn_eval_net_contains(const struct kn_eval_net *n, const struct kn_eval_addr *a);

/* Parses a time: "2024-01-02T03:04:05.123456+0000" (ISO 8601 / EVE: the
 * zone is required, "Z", "+HHMM" or "+HH:MM"; up to 9 fraction digits) or
 * decimal epoch seconds "1540447477.847001" (up to 9 fraction digits).
 * Times from 1970 to 2242. Writes nanoseconds since the epoch; 0 or
 * -KN_EINVAL. */
KN_WARN_UNUSED int kn_eval_time_parse(const char *s, int64_t *ns);

/* IP protocol number of an EVE/IANA name ("TCP", "udp", "ICMP",
 * "IPv6-ICMP", "icmpv6", "SCTP", "GRE", ...) or of a decimal number
 * "0".."255". -1 when unknown. */
int kn_eval_proto_parse(const char *s);

/* ------------------------------------------------------------ dataset */

enum kn_eval_role {
	KN_EVAL_ROLE_ANY = 0,  /* the host is the alert's source or destination */
	KN_EVAL_ROLE_SRC = 1,
	KN_EVAL_ROLE_DST = 2,
};

/* A time window, both ends inclusive; INT64_MIN / INT64_MAX when open. */
struct kn_eval_window {
	int64_t start_ns, end_ns;
};

/* Packets first..last, 1-based, inclusive. */
struct kn_eval_range {
	uint64_t first, last;
};

/* One ground-truth label (one attack) of a capture. Which fields mean
 * something depends on `whole` and the capture's grain. */
struct kn_eval_label {
	uint32_t cls;             /* index into kn_eval_dataset.classes */
	uint8_t whole;            /* the whole capture is this attack */
	uint8_t role;             /* host grain: enum kn_eval_role */
	int16_t proto;            /* flow grain: IP protocol, -1 = any */
	int32_t sport, dport;     /* flow grain: ports, -1 = any */
	struct kn_eval_net src;   /* flow grain: one end; host grain: the host */
	struct kn_eval_net dst;   /* flow grain: the other end */
	struct kn_eval_window win;/* flow and host grain (open ends when absent) */
	struct kn_eval_range *ranges;  /* packet grain: sorted, disjoint */
	size_t n_ranges;
	uint64_t n_packets;       /* packet grain: packets in the ranges */
};

struct kn_eval_capture {
	char *name;               /* unique in the dataset */
	char *path;               /* as written in the manifest */
	char *file;               /* resolved: base directory + path */
	char sha256[65];          /* lower-case hex as given, "" when absent */
	uint64_t packets;         /* packet count, 0 when unknown */
	uint64_t train_packets;   /* packet grain: packets 1..train_packets are the
	                             detectors' training period, left out of scoring
	                             (alerts there ignored, no negatives); 0 = none */
	uint8_t grain;            /* enum kn_eval_grain */
	uint8_t benign;           /* no attack in the capture */
	struct kn_eval_label *labels;
	size_t n_labels;
};

struct kn_eval_dataset {
	char *source;             /* the manifest's file name (or the name given) */
	char *name;               /* "name", default: file name without ".json" */
	char *description;        /* "" when absent */
	char *base_dir;           /* directory capture paths are relative to */
	uint8_t grain;            /* the manifest's default grain */
	struct kn_eval_capture *captures;
	size_t n_captures;
	char **classes;           /* distinct attack classes, in order of first use */
	size_t n_classes;
};

struct kn_eval_load_opts {
	/* Directory capture paths are relative to; NULL: the manifest file's
	 * directory (the current directory for kn_eval_dataset_load_mem). */
	const char *base_dir;
	/* 0 (default): each capture must be a readable regular file and its
	 * sha256, when given, must match the file's bytes as stored. 1: do not
	 * touch the files (tests, dry runs). 2: check existence, skip hashing. */
	int skip_files;
};

/* Loads and checks a manifest. Returns the dataset (free it with
 * kn_eval_dataset_free), or NULL with errbuf holding one line that names
 * the file, the JSON path of the bad element and the fix, e.g.
 *   "d.json: captures[2].labels[0].end: end 10.5 is before start 12; ..."
 *   "d.json:3:17: invalid JSON: ..." (syntax errors: line and column)
 * Failures: the file cannot be read or exceeds KN_EVAL_MANIFEST_MAX; bad
 * JSON; a wrong or missing "kenchi_dataset" version; a missing, mistyped
 * or unknown key; a bad address, port, protocol, time or class; a window
 * whose end is before its start; packet ranges that are reversed, overlap,
 * or go beyond the capture's "packets"; duplicate capture names; a capture
 * that is not exactly one of benign, whole-capture attack or labelled; a
 * capture file that is missing or whose sha256 differs; out of memory.
 * opts may be NULL (defaults). */
KN_WARN_UNUSED struct kn_eval_dataset *kn_eval_dataset_load_file(
	const char *path, const struct kn_eval_load_opts *opts, char *errbuf);
/* The same for a manifest in memory; `name` stands for its file name. */
KN_WARN_UNUSED struct kn_eval_dataset *kn_eval_dataset_load_mem(
	const char *name, const void *data, size_t len, const struct kn_eval_load_opts *opts,
	char *errbuf);
/* NULL is a no-op. */
void kn_eval_dataset_free(struct kn_eval_dataset *ds);

/* SHA-256 of a file's bytes as stored, lower-case hex (as sha256sum
 * prints it, and as manifests give it). 0, or -errno. */
KN_WARN_UNUSED int kn_eval_sha256_file(const char *path, char hex[65]);

/* Index of the capture named `name`, or -1. */
long kn_eval_dataset_find(const struct kn_eval_dataset *ds, const char *name);

/* Tells the dataset how many packets capture `idx` has (the caller counted
 * them while reading it). 0 when accepted; -KN_EINVAL when the manifest's
 * "packets" says otherwise or a packet range goes beyond n (errbuf says
 * which), or idx/n is bad. */
KN_WARN_UNUSED int kn_eval_dataset_set_packets(struct kn_eval_dataset *ds, size_t idx,
					       uint64_t n, char *errbuf);

/* ------------------------------------------------------------- alerts */

enum kn_eval_alert_kind {
	KN_EVAL_KIND_ALERT = 0,    /* a signature alert (EVE "alert") */
	KN_EVAL_KIND_ANOMALY = 1,  /* EVE "anomaly" */
	KN_EVAL_KIND_OTHER = 2,    /* any other adapter's finding */
};

#define KN_EVAL_PART_MAX 48        /* bytes of a detector part's name ("port_scan") */

/* One finding of a detector, normalised. */
struct kn_eval_alert {
	int64_t ts_ns;             /* time of the packet, ns since the epoch */
	struct kn_eval_addr src, dst;   /* family 0 when absent */
	uint16_t sport, dport;     /* 0 when absent */
	int16_t proto;             /* IP protocol number, -1 when absent or unknown */
	uint8_t kind;              /* enum kn_eval_alert_kind */
	uint64_t pcap_cnt;         /* 1-based packet number, 0 when unknown */
	double score;              /* higher = more confident; NaN when none */
	char *signature;           /* class or signature text, NULL when none;
	                              owned by the list */
	char *detector;            /* the part of the tool that found it (EVE
	                              anomaly.detector), NULL when none; owned by
	                              the list */
};

/* A growable list of alerts (embed it, then init/fini). */
struct kn_eval_alerts {
	struct kn_eval_alert *v;
	size_t n, cap;
};

void kn_eval_alerts_init(struct kn_eval_alerts *l);
/* Frees the array and every signature; the list is empty afterwards. */
void kn_eval_alerts_fini(struct kn_eval_alerts *l);
/* Appends a copy of *a (its signature and detector strings are copied too). 0 or -KN_ENOMEM
 * (the list is unchanged). */
KN_WARN_UNUSED int kn_eval_alerts_push(struct kn_eval_alerts *l, const struct kn_eval_alert *a);

/* Which EVE event types become alerts. */
#define KN_EVAL_EVE_ALERT    1u
#define KN_EVAL_EVE_ANOMALY  2u   /* anomaly events that are detections (any
                                     anomaly.type but the three below) */
#define KN_EVAL_EVE_PROTOCOL 4u   /* protocol anomalies: anomaly.type "decode",
                                     "stream" or "applayer" (malformed traffic
                                     as Suricata and kenchi's parsers report it,
                                     not a threat finding) */

struct kn_eval_eve_opts {
	unsigned types;            /* KN_EVAL_EVE_* mask; 0 = all three */
	size_t max_line;           /* longest line read (longer: malformed); 0 = 16 MiB */
	size_t max_alerts;         /* alerts kept at most (more: -KN_EFULL); 0 = 2^26 */
};

/* Malformed lines remembered (with the reason) for the operator. */
#define KN_EVAL_EVE_BAD_KEPT 8

struct kn_eval_eve_stats {
	uint64_t lines;            /* lines read, blank ones included */
	uint64_t alerts;           /* alerts added to the list */
	uint64_t other;            /* well-formed events of other types (flow, dns, ...) */
	uint64_t malformed;        /* lines skipped as malformed */
	struct {
		uint64_t line;     /* 1-based line number */
		char why[120];
	} bad[KN_EVAL_EVE_BAD_KEPT];  /* the first malformed lines */
};

/* Reads EVE JSON lines (plain or gzip, detected by content) and appends
 * one struct kn_eval_alert per "alert" and "anomaly" event (per opts):
 * timestamp -> ts_ns; src_ip, dest_ip, src_port, dest_port, proto,
 * pcap_cnt; alert: alert.signature, score = 1 / alert.severity (severity 1
 * is the most severe: score 1; 2 -> 0.5; 3 -> 0.333...; NaN when absent);
 * anomaly: anomaly.event (else anomaly.type), score = anomaly.score, else
 * the event's top-level "score", else NaN.
 * A line that is not a JSON object, lacks event_type, or (for a kept type)
 * has a missing or bad timestamp or a bad address, port, proto, pcap_cnt,
 * severity or score, is skipped and counted in st->malformed with its line
 * number; blank lines are ignored. Never fails on content.
 * Returns 0; -KN_EIO (cannot open or read, or a gzip stream cut short:
 * errbuf names the file),
 * -KN_EFULL (more than max_alerts), -KN_ENOMEM. On failure the list keeps
 * what was added before the failing line. opts and st may be NULL. */
KN_WARN_UNUSED int kn_eval_eve_load_file(struct kn_eval_alerts *l, const char *path,
					 const struct kn_eval_eve_opts *opts,
					 struct kn_eval_eve_stats *st, char *errbuf);
/* The same for a document in memory (plain text, not gzip). */
KN_WARN_UNUSED int kn_eval_eve_load_mem(struct kn_eval_alerts *l, const void *data, size_t len,
					const struct kn_eval_eve_opts *opts,
					struct kn_eval_eve_stats *st, char *errbuf);

/* ---- other detectors' formats */

/* The readers below follow kn_eval_eve_load_file's conventions: they
 * APPEND to the list; read plain or gzip files (detected by content); take
 * the line and alert limits from struct kn_eval_eve_opts (its `types` is
 * ignored) unless said otherwise; count lines, alerts and malformed lines
 * (with the first KN_EVAL_EVE_BAD_KEPT reasons) in st, which is reset
 * first; skip blank lines; never fail on a bad line. Returns 0; -KN_EIO
 * (cannot open or read, or a gzip stream cut short: errbuf names the
 * file), -KN_EFULL (more than max_alerts), -KN_ENOMEM; on failure the list
 * keeps what was added before the failing line. opts and st may be NULL.
 * The _mem variants read a document in memory (plain text, not gzip), named
 * "(memory)" in messages. Signatures longer than 1023 bytes are cut. */

/* ts_ns of an alert whose detector gave no time (a scored CSV with a
 * packet column and no timestamp column). Such alerts match by pcap_cnt at
 * packet grain; at flow and host grain they can match only whole-capture
 * labels and windows without a start (the value lies before every start
 * and tolerance), and they give no detection delay (first_alert_ns stays
 * unknown). A list from one CSV file never mixes timed and untimed alerts. */
#define KN_EVAL_TS_UNKNOWN INT64_MIN

/* Zeek's notice.log and weird.log, in Zeek's default tab-separated format
 * (the "#separator", "#unset_field", "#empty_field", "#path" and "#fields"
 * header lines; unset and empty fields are absent values; \xHH escapes are
 * decoded) or as JSON lines (LogAscii::use_json), told apart line by line:
 * after a #fields header, lines are TSV records of it; before one, a line
 * must be a JSON object. A record is a notice when the #path (JSON:
 * "_path") is "notice" or "notice_alarm", or without a path when it has a
 * "note" field; a weird when the path is "weird" or, without a path, it has
 * a "name" field; records of other logs count in st->other.
 * Fields: ts (epoch seconds, exact in TSV and in JSON strings; a JSON number
 * is rounded to the microsecond, Zeek's precision; or an ISO 8601 string as
 * kn_eval_time_parse reads) -> ts_ns; id.orig_h (else notice's src) ->
 * src; id.resp_h (else dst) -> dst; id.orig_p -> sport; id.resp_p (else
 * notice's p) -> dport; proto ("tcp", "udp", "icmp"; "icmp" with an IPv6
 * address is 58; ICMP "ports" are Zeek's type and code and are dropped);
 * signature = note (else msg) for a notice, name for a weird. kind is
 * KN_EVAL_KIND_OTHER, score NaN, pcap_cnt 0. Malformed: a missing or bad
 * ts, a bad address or port, a TSV record whose field count differs from
 * #fields, invalid JSON.
 * `path` may be a directory: then notice.log, notice.log.gz, weird.log and
 * weird.log.gz in it are read, whichever exist (-KN_EIO when none does);
 * st adds up the files, and a reason kept in st->bad starts with the
 * file's name ("weird.log: ...") and its line number is that file's. */
KN_WARN_UNUSED int kn_eval_zeek_load_file(struct kn_eval_alerts *l, const char *path,
					  const struct kn_eval_eve_opts *opts,
					  struct kn_eval_eve_stats *st, char *errbuf);
KN_WARN_UNUSED int kn_eval_zeek_load_mem(struct kn_eval_alerts *l, const void *data, size_t len,
					 const struct kn_eval_eve_opts *opts,
					 struct kn_eval_eve_stats *st, char *errbuf);

struct kn_eval_snort_opts {
	size_t max_line;           /* as in kn_eval_eve_opts; 0 = 16 MiB */
	size_t max_alerts;         /* 0 = 2^26 */
	/* The year of timestamps written without one ("MM/DD-HH:MM:SS"). 0:
	 * the current year (UTC), or the year before when that puts the alert
	 * more than a day in the future (a log of late December read in
	 * January). Give it for reproducible results on such logs. */
	int year;
	/* The sensor's time zone in minutes east of UTC (-1440..1440): Snort
	 * writes "timestamp" in local time unless it runs with UTC output.
	 * Not used when the line has "seconds". */
	int tz_offset_min;
};

/* Snort 3's alert_json lines (one JSON object per alert; any selection of
 * its fields) as KN_EVAL_KIND_ALERT alerts:
 * time: "seconds" (epoch seconds, preferred) plus the microseconds of
 *   "timestamp" when both are given (their seconds must agree, else the
 *   line is malformed); else "timestamp" alone, in Snort's forms
 *   "MM/DD-HH:MM:SS.uuuuuu", "YY/MM/DD-HH:MM:SS.uuuuuu" (year 20YY) or
 *   "YYYY-MM-DD HH:MM:SS.uuuuuu", read in opts' zone and year;
 * src_addr, dst_addr (else the address of src_ap / dst_ap "ADDR:PORT",
 *   split at the last ':'), src_port, dst_port (else the ports of the
 *   _ap fields; 0 = none); proto ("TCP", "UDP", "ICMP" (58 with IPv6
 *   addresses), "IP" and other names: -1); pkt_num -> pcap_cnt;
 *   signature = msg, else rule ("GID:SID:REV"), else "GID:SID:REV" made
 *   of gid (default 1), sid and rev (default 0); score = 1 / priority
 *   (priority 1: 1, 2: 0.5; absent or 0: NaN).
 * Malformed: not a JSON object, no "seconds" or "timestamp", a bad time,
 * address, port, proto, pkt_num, priority, or seconds and timestamp that
 * disagree. -KN_EINVAL for a bad opts->tz_offset_min or year. opts may be
 * NULL. */
KN_WARN_UNUSED int kn_eval_snort_load_file(struct kn_eval_alerts *l, const char *path,
					   const struct kn_eval_snort_opts *opts,
					   struct kn_eval_eve_stats *st, char *errbuf);
KN_WARN_UNUSED int kn_eval_snort_load_mem(struct kn_eval_alerts *l, const void *data, size_t len,
					  const struct kn_eval_snort_opts *opts,
					  struct kn_eval_eve_stats *st, char *errbuf);

/* The generic scored CSV (docs/eval-detectors.md, "Scored CSV"): a header
 * row naming the columns in any order - timestamp, score (required), src,
 * dst, sport, dport, proto, packet, signature or label (signature wins);
 * others ignored; names case-insensitive - then one row per finding, RFC 4180 quoting
 * (no line breaks inside quotes), LF or CRLF, '#' comment lines and blank
 * lines skipped. The timestamp column may be left out when there is a
 * packet column: ts_ns is then KN_EVAL_TS_UNKNOWN for every row (packet
 * grain matches by pcap_cnt). kind KN_EVAL_KIND_OTHER.
 * Malformed rows: a field count that differs from the header's, a quote
 * error, a missing or bad timestamp or score (NaN is bad; inf and -inf are
 * scores), a bad address, port or packet number (1-based), a NUL byte.
 * Besides the codes above: -KN_EFORMAT when the header lacks score, or
 * both timestamp and packet, or names a column twice (errbuf says which). */
KN_WARN_UNUSED int kn_eval_csv_load_file(struct kn_eval_alerts *l, const char *path,
					 const struct kn_eval_eve_opts *opts,
					 struct kn_eval_eve_stats *st, char *errbuf);
KN_WARN_UNUSED int kn_eval_csv_load_mem(struct kn_eval_alerts *l, const void *data, size_t len,
					const struct kn_eval_eve_opts *opts,
					struct kn_eval_eve_stats *st, char *errbuf);

/* ------------------------------------------------------------ metrics */

/* One scored sample: higher score = more likely an attack. Scores may be
 * +inf or -inf, never NaN. */
struct kn_eval_sample {
	double score;
	int32_t cls;               /* attack class >= 0 (a positive), -1 = negative */
};

/* One point of the curves: the counts of positives and negatives with
 * score >= threshold. Points go by decreasing threshold. */
struct kn_eval_point {
	double threshold;
	uint64_t tp, fp;
};

/* ROC and PR curves of a ranked set, one point per distinct score. */
struct kn_eval_curve {
	struct kn_eval_point *pts;  /* owned; NULL when n == 0 */
	size_t n;
	uint64_t pos, neg;          /* totals, unranked included */
	uint8_t neg_known;          /* 0: the number of negatives is unknown */
};

/* Builds the curve of samples s[0..n) (SORTED IN PLACE by decreasing
 * score) plus pos_unranked positives and neg_unranked negatives tied below
 * every score (at -inf, merged with samples whose score is -inf). Samples
 * with cls >= 0 are positives, -1 negatives. neg_known 0 says the number
 * of negatives is unknown (neg_unranked is then ignored: ROC-side metrics
 * are NaN). Allocates c->pts (free with kn_eval_curve_fini). Returns 0,
 * -KN_EINVAL (a NaN score), -KN_ENOMEM. */
KN_WARN_UNUSED int kn_eval_curve_build(struct kn_eval_curve *c, struct kn_eval_sample *s,
				       size_t n, uint64_t pos_unranked, uint64_t neg_unranked,
				       int neg_known);
void kn_eval_curve_fini(struct kn_eval_curve *c);

/* Area under the ROC curve: the trapezoid rule over the points from (0, 0)
 * to (1, 1), which equals the Mann-Whitney U statistic / (pos * neg) with
 * ties counted 1/2 (P(score of a positive > score of a negative) +
 * P(equal) / 2). NaN when pos or neg is 0 or negatives are unknown. */
double kn_eval_roc_auc(const struct kn_eval_curve *c);

/* Area under the precision-recall curve as AVERAGE PRECISION, step-wise:
 * sum over thresholds t of (recall(t) - recall(previous t)) * precision(t),
 * a tie group being one step (no interpolation between points, which
 * would overstate the area). The group tied at -inf is excluded: flagging
 * everything is not an operating point of the detector, and at flow and
 * host grain its precision is unknown. So a detector that misses a share
 * of the items loses that share of the area. NaN when pos is 0. */
double kn_eval_pr_auc(const struct kn_eval_curve *c);

/* Equal error rate: where FPR = FNR (= 1 - TPR) on the ROC polyline from
 * (0, 0) to (1, 1), linearly interpolated between the two points around
 * the crossing. NaN like kn_eval_roc_auc. */
double kn_eval_eer(const struct kn_eval_curve *c);

/* TPR at FPR <= max_fpr: the largest TPR of a threshold whose FPR is at
 * most max_fpr (not interpolated; with N negatives the FPR grain is 1/N,
 * so a target below 1/N gives the TPR of the thresholds with no false
 * positive, possibly 0). NaN like kn_eval_roc_auc. */
double kn_eval_tpr_at_fpr(const struct kn_eval_curve *c, double max_fpr);

/* precision, recall, F1 from counts (NaN when a denominator is 0). */
double kn_eval_precision(uint64_t tp, uint64_t fp);
double kn_eval_recall(uint64_t tp, uint64_t fn);
double kn_eval_f1(double precision, double recall);

/* ------------------------------------------------------------- scorer */

/* Class index of the overall summary. */
#define KN_EVAL_ALL (-1)

struct kn_eval_match_opts {
	int64_t tolerance_ns;      /* widens windows and time matching; >= 0 */
};

/* Per-packet times of a capture: packet k (1-based) at ts_ns[k - 1]. */
struct kn_eval_packets {
	const int64_t *ts_ns;
	uint64_t n;
};

/* Why metrics of a summary are NaN (bits of kn_eval_summary.undefined). */
#define KN_EVAL_U_NO_ITEMS     1u   /* no ground-truth item: recall, PR AUC, ROC */
#define KN_EVAL_U_NO_ALERTS    2u   /* no alert matched or false: precision */
#define KN_EVAL_U_NO_NEGATIVES 4u   /* benign population unknown or empty: ROC AUC, EER, TPR@FPR */
#define KN_EVAL_U_UNSCORED     8u   /* no alert had a score: every curve metric */
#define KN_EVAL_U_NO_DELAY    16u   /* no detected label with a known start: delays */

/* Counts of a summary. In a per-class summary, items, tp, fn, labels,
 * labels_detected and alerts_true are the class's; fp and the other alert
 * counts are the dataset's (a false alert belongs to no class). */
struct kn_eval_counts {
	uint64_t items;            /* ground-truth items (tp + fn) */
	uint64_t tp, fn;           /* items detected / missed */
	uint64_t fp;               /* false units (see the top of this file) */
	uint64_t alerts;           /* alerts given to the scorer */
	uint64_t alerts_true;      /* alerts matching at least one item */
	uint64_t alerts_false;     /* alerts matching none */
	uint64_t alerts_unplaced;  /* packet grain: false alerts pointing at no packet
	                              (no pcap_cnt and no packet times, or out of range) */
	uint64_t labels, labels_detected;   /* labels (attacks) and those with a true alert */
};

struct kn_eval_summary {
	uint8_t grain;             /* enum kn_eval_grain of the captures added (MIXED when
	                              they differ; the dataset's when none was added) */
	struct kn_eval_counts c;
	double precision, recall, f1;
	double roc_auc, pr_auc, eer;
	double tpr_at_fpr_0001;    /* TPR at FPR <= 0.1 % */
	double tpr_at_fpr_001;     /* TPR at FPR <= 1 % */
	uint64_t delay_n;          /* detected labels with a known start */
	double delay_mean_s, delay_median_s, delay_max_s;
	unsigned undefined;        /* KN_EVAL_U_* */
};

/* What became of one label, in the order they were scored. */
struct kn_eval_label_result {
	size_t capture, label;     /* indexes into the dataset */
	uint64_t items, items_detected;
	uint64_t alerts;           /* alerts that matched it */
	int64_t first_alert_ns;    /* INT64_MIN when not detected */
	int64_t start_ns;          /* attack start, INT64_MIN when unknown */
	int64_t delay_ns;          /* INT64_MIN when not detected or start unknown */
};

struct kn_eval_scorer;

/* A scorer for `ds` (borrowed; must outlive the scorer). NULL with errbuf
 * set on a negative tolerance, a NULL dataset or no memory. */
KN_WARN_UNUSED struct kn_eval_scorer *kn_eval_scorer_new(const struct kn_eval_dataset *ds,
	const struct kn_eval_match_opts *opts, char *errbuf);
void kn_eval_scorer_free(struct kn_eval_scorer *s);

/* Scores the alerts of capture `capture` (a detector's whole output for
 * it) and adds the result. pk may be NULL (no packet times); when given,
 * pk->n must equal the capture's packet count if that is known (and then
 * supplies it if not). Returns 0; -KN_EINVAL (bad index, capture already
 * added, packet count mismatch, a packet-grain capture with a whole-capture
 * label and no known packet count: errbuf says which), -KN_ENOMEM (the
 * scorer is unchanged). The alerts are not kept. */
KN_WARN_UNUSED int kn_eval_scorer_add(struct kn_eval_scorer *s, size_t capture,
				      const struct kn_eval_alert *alerts, size_t n_alerts,
				      const struct kn_eval_packets *pk, char *errbuf);

/* Counts and metrics over every capture added so far, for class `cls`
 * (0..ds->n_classes-1) or KN_EVAL_ALL. 0, -KN_EINVAL (bad class),
 * -KN_ENOMEM. */
KN_WARN_UNUSED int kn_eval_scorer_summary(const struct kn_eval_scorer *s, int cls,
					  struct kn_eval_summary *out);

/* The curve behind a summary's ROC and PR metrics (for plots). Free with
 * kn_eval_curve_fini. 0, -KN_EINVAL, -KN_ENOMEM. */
KN_WARN_UNUSED int kn_eval_scorer_curve(const struct kn_eval_scorer *s, int cls,
					struct kn_eval_curve *out);

/* The per-label results so far; *n receives their number. Borrowed: valid
 * until the next kn_eval_scorer_add or kn_eval_scorer_free. */
const struct kn_eval_label_result *kn_eval_scorer_labels(const struct kn_eval_scorer *s,
							 size_t *n);

#endif
