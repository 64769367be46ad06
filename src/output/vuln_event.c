/*
 * vuln_event.c - kenchi's own EVE event types "asset" (software seen on
 * the wire, once per distinct asset) and "vuln" (CVEs matching an asset's
 * product and version, or weak TLS).
 *
 * Output stage, fed by the worker with what src/vuln reports. The head is
 * the one every flow-related event has, oriented from client to server; the
 * field names of the bodies are documented in include/kenchi/eve.h and the
 * README's events section.
 */
#include "kenchi/eve.h"

#include <stdio.h>

#include "kenchi/vuln.h"
#include "output/output.h"
#include "util/timefmt.h"

static void head(struct kn_json *j, const struct kn_flow *f, const char *event_type,
		 uint64_t ts_ns, const char *community_id)
{
	const struct kn_flow_key *k = &f->key;
	struct output_tuple t;
	struct output_run r;

	output_flow_tuple(f, 0, &t);
	kn_json_reset(j);
	output_eve_begin(&r, j, ts_ns, f->flow_id, 0, event_type, strlen(event_type), k->vlan);
	output_eve_tuple(&r, &t);
	if (community_id)
		output_run_str(&r, "community_id", community_id);
	output_run_flush(&r);
}

/* "host", "port", "role": who runs the software; then "service",
 * "product", "version" when known. Left in the run r (the caller flushes). */
static void who_and_what(struct output_run *r, const struct kn_flow *f, const struct kn_asset *a)
{
	const struct kn_addr *host = a->host ? a->host
				     : a->role == KN_ASSET_CLIENT ? &f->key.src : &f->key.dst;

	output_run_addr(r, "host", host, a->host ? a->host_ip_version : f->key.ip_version);
	output_run_u64(r, "port", f->key.dport);
	output_run_lit(r, "role", a->role == KN_ASSET_CLIENT ? "client" : "server");
	if (a->service)
		output_run_str(r, "service", a->service);
	if (a->product)
		output_run_str(r, "product", a->product);
	if (a->version)
		output_run_str(r, "version", a->version);
}

static void opt_str(struct kn_json *j, const char *key, const char *s)
{
	if (s)
		kn_json_str(j, key, s);
}

/* Two decimal digits of v (0..99). */
static char *put2(char *p, unsigned v)
{
	p[0] = (char)('0' + v / 10);
	p[1] = (char)('0' + v % 10);
	return p + 2;
}

/* A certificate time as Suricata writes notbefore/notafter (UTC),
 * "YYYY-MM-DDTHH:MM:SS"; years outside 0..9999 as printf's %04lld would. */
static void cert_time(struct kn_json *j, const char *key, int64_t t)
{
	char buf[48], *p = buf;
	int64_t days = t / 86400, secs = t % 86400, year;
	unsigned month, day;

	if (secs < 0) {
		secs += 86400;
		days--;
	}
	kn_civil_from_days(days, &year, &month, &day);
	if (year < 0 || year > 9999) {
		snprintf(buf, sizeof buf, "%04lld-%02u-%02uT%02u:%02u:%02u", (long long)year,
			 month, day, (unsigned)(secs / 3600), (unsigned)(secs / 60 % 60),
			 (unsigned)(secs % 60));
		kn_json_str(j, key, buf);
		return;
	}
	p = put2(p, (unsigned)(year / 100));
	p = put2(p, (unsigned)(year % 100));
	*p++ = '-';
	p = put2(p, month);
	*p++ = '-';
	p = put2(p, day);
	*p++ = 'T';
	p = put2(p, (unsigned)(secs / 3600));
	*p++ = ':';
	p = put2(p, (unsigned)(secs / 60 % 60));
	*p++ = ':';
	p = put2(p, (unsigned)(secs % 60));
	kn_json_strn(j, key, buf, (size_t)(p - buf));
}

/* "0x" and four lowercase hex digits. */
static void hex16(struct kn_json *j, const char *key, uint16_t v)
{
	static const char hex[] = "0123456789abcdef";
	char buf[6] = { '0', 'x', hex[v >> 12], hex[(v >> 8) & 15], hex[(v >> 4) & 15],
			hex[v & 15] };
	kn_json_strn(j, key, buf, sizeof buf);
}

static void asset_tls(struct kn_json *j, const struct kn_asset_tls *t)
{
	const char *ver = kn_vuln_tls_version_name(t->version);
	const char *cipher = kn_vuln_weak_cipher(t->cipher, NULL);

	kn_json_open(j, "tls");
	char draft[24];

	if (!ver && (t->version >> 8) == 0x7f) {  /* as Suricata names them */
		snprintf(draft, sizeof draft, "TLS 1.3 draft-%u", t->version & 0xffu);
		ver = draft;
	}
	if (ver)
		kn_json_str(j, "version", ver);
	else if (t->version)
		hex16(j, "version", t->version);
	if (t->has_cipher && cipher)
		kn_json_str(j, "cipher", cipher);
	else if (t->has_cipher)
		hex16(j, "cipher", t->cipher);
	opt_str(j, "sni", t->sni);
	if (t->has_cert) {
		opt_str(j, "subject", t->subject);
		opt_str(j, "issuer", t->issuer);
		cert_time(j, "not_before", t->not_before);
		cert_time(j, "not_after", t->not_after);
		kn_json_bool(j, "self_signed", t->self_signed);
	}
	kn_json_close(j);
}

void kn_eve_asset(struct kn_json *j, const struct kn_flow *f, const struct kn_asset *a,
		  uint64_t ts_ns, const char *community_id)
{
	struct output_run r;

	head(j, f, "asset", ts_ns, community_id);
	kn_json_open(j, "asset");
	output_run_init(&r, j);
	who_and_what(&r, f, a);
	if (a->banner)
		output_run_str(&r, "banner", a->banner);
	if (a->hostname)
		output_run_str(&r, "hostname", a->hostname);
	output_run_flush(&r);
	if (a->tls)
		asset_tls(j, a->tls);
	kn_json_close(j);
	kn_json_close(j);
}

static void cves(struct kn_json *j, const struct kn_vuln_report *r)
{
	kn_json_open_array(j, "cves");
	for (unsigned i = 0; i < r->n_cves; i++) {
		const struct kn_vuln_cve *c = &r->cves[i];
		kn_json_open(j, NULL);
		kn_json_str(j, "id", c->id);
		if (c->has_score) {
			kn_json_double(j, "score", c->score10 / 10.0, 1);
			opt_str(j, "severity", c->severity);
		}
		kn_json_close(j);
	}
	kn_json_close_array(j);
	kn_json_u64(j, "cves_total", r->cves_total);
}

static void findings(struct kn_json *j, const struct kn_vuln_report *r)
{
	const struct kn_asset_tls *tls = r->asset->tls;

	kn_json_open_array(j, "findings");
	for (unsigned i = 0; i < r->n_findings; i++) {
		const struct kn_vuln_finding *fd = &r->findings[i];
		kn_json_open(j, NULL);
		kn_json_str(j, "type", kn_vuln_finding_name(fd->type));
		switch (fd->type) {
		case KN_VULN_PROTOCOL_DEPRECATED: opt_str(j, "protocol", fd->name); break;
		case KN_VULN_WEAK_CIPHER:
			opt_str(j, "cipher", fd->name);
			opt_str(j, "weakness", fd->weakness);
			break;
		case KN_VULN_CERT_EXPIRED: cert_time(j, "not_after", fd->when); break;
		case KN_VULN_CERT_NOT_YET_VALID: cert_time(j, "not_before", fd->when); break;
		case KN_VULN_CERT_SELF_SIGNED: opt_str(j, "subject", tls ? tls->subject : NULL); break;
		default: break;
		}
		kn_json_close(j);
	}
	kn_json_close_array(j);
}

void kn_eve_vuln(struct kn_json *j, const struct kn_flow *f, const struct kn_vuln_report *r,
		 uint64_t ts_ns, const char *community_id)
{
	const struct kn_asset *a = r->asset;
	int sw = r->kind == KN_VULN_SOFTWARE;

	struct output_run run;

	head(j, f, "vuln", ts_ns, community_id);
	kn_json_open(j, "vuln");
	output_run_init(&run, j);
	who_and_what(&run, f, a);
	output_run_lit(&run, "kind", sw ? "software" : "weak_tls");
	output_run_lit(&run, "source", sw ? "nvd" : "kenchi");
	output_run_flush(&run);
	if (sw)
		cves(j, r);
	else
		findings(j, r);
	kn_json_close(j);
	kn_json_close(j);
}
