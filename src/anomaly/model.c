/*
 * model.c - the online anomaly model (kenchi/model.h): AfterImage features
 * into one or two KitNET ensembles, trained on the first train_packets
 * packets, then every packet scored in threshold units; and the
 * explanation of a score, the features furthest outside the ranges they
 * had in training, in words.
 *
 * Per packet: one AfterImage update (features into m->x, no copy) and one
 * KitNET pass per ensemble. During training the per-feature minimum,
 * maximum and sum are kept too (100 compares and adds); explanations are
 * only computed when the caller reports a packet.
 */
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "anomaly/model_int.h"
#include "kenchi/detector.h"
#include "util/alloc.h"

void kn_model_config_default(struct kn_model_config *cfg)
{
	memset(cfg, 0, sizeof *cfg);
	cfg->train_packets = 25001;
	cfg->max_ae = 10;
	cfg->lr = 0.1;
	cfg->hidden_ratio = 0.75;
	cfg->seed = 1;
	cfg->threshold_quantile = 1.0;
	cfg->kitsune_exact = 0;  /* same AUCs on the splices, ~7x faster: DETECTION.md */
	cfg->feature_memcap = 64u << 20;
	cfg->ensembles = 2;
}

/* Kitsune's split: FMgrace = train / 5, then the map's own vector, then
 * ADgrace vectors (25001 = 5000 + 1 + 20000). */
void model_kitnet_config(const struct kn_model_config *cfg, unsigned e,
			 struct kn_kitnet_config *kc)
{
	kn_kitnet_config_default(kc, KN_AI_FEATURES);
	kc->max_ae = cfg->max_ae;
	kc->fm_grace = cfg->train_packets / 5;
	kc->ad_grace = cfg->train_packets - kc->fm_grace - 1;
	kc->lr = cfg->lr;
	kc->hidden_ratio = cfg->hidden_ratio;
	kc->seed = cfg->seed;
	kc->threshold_quantile = cfg->threshold_quantile;
	kc->log_inputs = e == 1;
}

const char *model_config_error(const struct kn_model_config *cfg)
{
	if (cfg->train_packets < KN_MODEL_MIN_TRAIN || cfg->train_packets > KN_MODEL_MAX_TRAIN)
		return "train_packets must be 10..2^40";
	if (cfg->ensembles < 1 || cfg->ensembles > MODEL_MAX_ENSEMBLES)
		return "ensembles must be 1 (raw inputs) or 2 (raw and log inputs)";
	if (cfg->max_ae < 1 || cfg->max_ae > KN_AI_FEATURES)
		return "max_ae must be 1..100";
	if (cfg->feature_memcap < (1u << 20))
		return "the feature memcap must be at least 1 MiB";
	return NULL;
}

struct kn_model *model_alloc(const struct kn_model_config *cfg, char *errbuf)
{
	const char *why = model_config_error(cfg);
	struct kn_afterimage_config acfg;
	struct kn_model *m;

	if (why) {
		snprintf(errbuf, KN_ERRBUF_SIZE, "model: bad configuration: %s", why);
		return NULL;
	}
	if (!(m = kn_calloc(1, sizeof *m))) {
		snprintf(errbuf, KN_ERRBUF_SIZE, "model: out of memory");
		return NULL;
	}
	m->cfg = *cfg;
	kn_afterimage_config_default(&acfg);
	acfg.memcap = cfg->feature_memcap;
	acfg.kitsune_exact = cfg->kitsune_exact;
	if (!(m->ai = kn_afterimage_new(&acfg, errbuf))) {
		kn_free(m);
		return NULL;
	}
	for (unsigned i = 0; i < KN_AI_FEATURES; i++) {
		m->fmin[i] = INFINITY;
		m->fmax[i] = -INFINITY;
	}
	return m;
}

struct kn_model *kn_model_new(const struct kn_model_config *cfg, char *errbuf)
{
	struct kn_model *m = model_alloc(cfg, errbuf);

	for (unsigned e = 0; m && e < cfg->ensembles; e++) {
		struct kn_kitnet_config kc;
		model_kitnet_config(cfg, e, &kc);
		if (!(m->k[e] = kn_kitnet_new(&kc, errbuf))) {
			kn_model_free(m);
			return NULL;
		}
	}
	return m;
}

void kn_model_free(struct kn_model *m)
{
	if (!m)
		return;
	kn_afterimage_free(m->ai);
	for (unsigned e = 0; e < MODEL_MAX_ENSEMBLES; e++)
		kn_kitnet_free(m->k[e]);
	kn_free(m);
}

/* The end of training: thresholds and feature means. */
static void finish_training(struct kn_model *m)
{
	for (unsigned e = 0; e < m->cfg.ensembles; e++) {
		double t = kn_kitnet_threshold(m->k[e]);
		/* a threshold of 0 (a constant training set) still divides */
		m->thr[e] = isfinite(t) && t > 1e-300 ? t : 1e-300;
	}
	for (unsigned i = 0; i < KN_AI_FEATURES; i++)
		m->fmean[i] /= (double)m->cfg.train_packets;
	m->trained = 1;
}

static void learn(struct kn_model *m)
{
	for (unsigned i = 0; i < KN_AI_FEATURES; i++) {
		double v = isfinite(m->x[i]) ? m->x[i] : 0.0;
		m->fmin[i] = v < m->fmin[i] ? v : m->fmin[i];
		m->fmax[i] = v > m->fmax[i] ? v : m->fmax[i];
		m->fmean[i] += v;  /* a sum until finish_training */
	}
	for (unsigned e = 0; e < m->cfg.ensembles; e++)
		(void)kn_kitnet_process(m->k[e], m->x);
	if (m->packets == m->cfg.train_packets)
		finish_training(m);
}

double model_score(struct kn_model *m, const double *x)
{
	double s;
	if (m->cfg.ensembles == 2) {
		double r[2];
		kn_kitnet_process2(m->k[0], m->k[1], x, r);
		s = r[0] / m->thr[0];
		double s2 = r[1] / m->thr[1];
		s = s2 > s ? s2 : s;
	} else {
		s = kn_kitnet_process(m->k[0], x) / m->thr[0];
	}
	return isfinite(s) ? s : 1e300;
}

double kn_model_process(struct kn_model *m, const struct kn_ai_packet *p)
{
	kn_afterimage_update(m->ai, p, m->x);
	m->packets++;
	if (!m->trained) {
		learn(m);
		return 0.0;
	}
	return model_score(m, m->x);
}

int kn_model_trained(const struct kn_model *m)
{
	return m->trained;
}

void kn_model_get_info(const struct kn_model *m, struct kn_model_info *info)
{
	struct kn_afterimage_stats st;

	memset(info, 0, sizeof *info);
	info->trained = m->trained;
	info->packets = m->packets;
	info->train_packets = m->cfg.train_packets;
	info->ensembles = m->cfg.ensembles;
	info->kitsune_exact = m->cfg.kitsune_exact;
	kn_afterimage_get_stats(m->ai, &st);
	info->memory = st.memory + sizeof *m;
	for (unsigned e = 0; e < m->cfg.ensembles; e++) {
		struct kn_kitnet_info ki;
		kn_kitnet_get_info(m->k[e], &ki);
		info->n_ae[e] = ki.n_ae;
		info->threshold[e] = m->trained ? m->thr[e] : NAN;
		info->memory += ki.memory;
	}
}

/* ---- explanations -------------------------------------------------------- */

/* Feature groups in output order (anomaly.h). */
static const struct group {
	unsigned first, per;
} groups[4] = { { 0, 3 }, { 15, 7 }, { 50, 3 }, { 65, 7 } };

static void feature_parts(unsigned f, unsigned *g, unsigned *lam, unsigned *stat)
{
	unsigned i = 3;
	while (f < groups[i].first)
		i--;
	*g = i;
	*lam = (f - groups[i].first) / groups[i].per;
	*stat = (f - groups[i].first) % groups[i].per;
}

/* Distance of feature i's current value outside its training range, in
 * training ranges (a feature constant in training: in units of 1e-9 of its
 * magnitude), capped at 1e9. */
static double excess(const struct kn_model *m, unsigned i)
{
	double v = isfinite(m->x[i]) ? m->x[i] : 0.0, lo = m->fmin[i], hi = m->fmax[i];
	double range = hi - lo, floor = 1e-9 * (fabs(hi) > 1 ? fabs(hi) : 1.0);
	double d = v > hi ? v - hi : v < lo ? lo - v : 0.0;

	range = range > floor ? range : floor;
	d /= range;
	return d < 1e9 ? d : 1e9;
}

unsigned kn_model_reasons(const struct kn_model *m, struct kn_model_reason *out, unsigned max)
{
	double ex[KN_AI_FEATURES];
	unsigned n = 0;

	if (!m->trained)
		return 0;
	for (unsigned i = 0; i < KN_AI_FEATURES; i++)
		ex[i] = excess(m, i);
	while (n < max) {
		unsigned best = KN_AI_FEATURES, g, lam, st;
		for (unsigned i = 0; i < KN_AI_FEATURES; i++)
			if (ex[i] > 0 && (best == KN_AI_FEATURES || ex[i] > ex[best]))
				best = i;
		if (best == KN_AI_FEATURES)
			break;
		out[n] = (struct kn_model_reason){ best, isfinite(m->x[best]) ? m->x[best] : 0.0,
			m->fmean[best], m->fmin[best], m->fmax[best], ex[best] };
		n++;
		/* the same statistic over the other windows is not repeated */
		feature_parts(best, &g, &lam, &st);
		for (unsigned l = 0; l < KN_AI_LAMBDAS; l++)
			ex[groups[g].first + l * groups[g].per + st] = 0;
	}
	return n;
}

static const char *const windows[KN_AI_LAMBDAS] = { "100 ms", "500 ms", "1.5 s", "10 s",
						     "1 min" };

/* What statistic `stat` of group g measures. */
static const char *stat_words(unsigned g, unsigned stat)
{
	static const char *const one_d[3] = { "packet count", "mean frame size",
					      "frame size variance" };
	static const char *const jitter[3] = { "packet count", "mean gap between packets (s)",
					       "variance of the gap between packets" };
	static const char *const two_d[4] = { "size spread of both directions",
		"mean size of both directions", "size covariance of the two directions",
		"size correlation of the two directions" };
	if (g == 2)
		return jitter[stat];
	return stat < 3 ? one_d[stat] : two_d[stat - 3];
}

/* One end of the packet as text: the address (or MAC), with the port when
 * with_port and the packet has one. */
static void end_text(const struct kn_ai_packet *p, int dst, int with_port, char *out, size_t n)
{
	if (p->ip_version == 4 || p->ip_version == 6) {
		char a[48];
		kn_detect_addr_text(dst ? &p->dst_ip : &p->src_ip, p->ip_version == 6, a, sizeof a);
		if (with_port && p->kind == KN_AI_IP && p->port_kind == KN_AI_PORTS_L4)
			snprintf(out, n, "%s port %u", a, (unsigned)(dst ? p->dport : p->sport));
		else
			snprintf(out, n, "%s", a);
	} else if (p->has_mac) {
		kn_detect_mac_text(dst ? p->dst_mac : p->src_mac, out, n);
	} else {
		snprintf(out, n, "an unaddressed host");
	}
}

/* How the value compares with training. */
static void compare_text(const struct kn_model_reason *r, char *out, size_t n)
{
	double ratio = r->train_mean > 0 && r->value > 0 ? r->value / r->train_mean : 0;

	if (r->value > r->train_max && ratio >= 1.5)
		snprintf(out, n, "%.3gx its usual", ratio);
	else if (r->value > r->train_max)
		snprintf(out, n, "above anything seen in training");
	else
		snprintf(out, n, "below anything seen in training");
}

char *kn_model_reason_text(const struct kn_model_reason *r, const struct kn_ai_packet *p,
			   char *buf, size_t n)
{
	unsigned g, lam, stat;
	char src[64], dst[64], cmp[64];

	if (!n)
		return buf;
	feature_parts(r->feature < KN_AI_FEATURES ? r->feature : 0, &g, &lam, &stat);
	end_text(p, 0, g == 3, src, sizeof src);
	end_text(p, 1, g == 3, dst, sizeof dst);
	compare_text(r, cmp, sizeof cmp);
	const char *who = g == 0 ? "sent by" : "from";
	if (g == 1 && stat < 3) /* the source host's own stream, towards anyone */
		snprintf(dst, sizeof dst, "anyone");
	snprintf(buf, n, "%s %s %s%s%s over %s is %s (%.4g; training mean %.4g, range %.4g to %.4g)",
		 stat_words(g, stat), who, src, g == 0 ? "" : " to ", g == 0 ? "" : dst,
		 windows[lam], cmp, r->value, r->train_mean, r->train_min, r->train_max);
	return buf;
}
