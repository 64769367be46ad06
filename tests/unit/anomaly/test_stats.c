/*
 * test_stats.c - the AfterImage statistics (src/anomaly/features.c) on
 * hand-made packets against values computed by hand: the first packet,
 * one stream decayed over a one-second gap (all five windows), two streams'
 * 2-D statistics in both covariance modes, a stream's packet to a third
 * host moving its covariance with the second (Kitsune's semantics only),
 * eviction under a small memcap (an evicted stream's pairs are never
 * found again), a stream sending to itself, feature names and the time
 * conversion.
 */
#include "../../kt.h"

#include <arpa/inet.h>
#include <math.h>

#include "kenchi/anomaly.h"

#define KT_CLOSE(a, b)                                                           \
	do {                                                                     \
		double kt_x_ = (a), kt_y_ = (b);                                 \
		if (!(fabs(kt_x_ - kt_y_) <= 1e-9 * fmax(1, fabs(kt_y_))))      \
			kt_fail(__FILE__, __LINE__, "%s ~ %s (%.15g != %.15g)", #a, #b, \
				kt_x_, kt_y_);                                   \
	} while (0)

/* Feature offsets (anomaly.h): group start + per-lambda stride. */
#define MI(l, k) ((l) * 3 + (k))
#define HH(l, k) (15 + (l) * 7 + (k))
#define JIT(l, k) (50 + (l) * 3 + (k))
#define HP(l, k) (65 + (l) * 7 + (k))
enum { W = 0, MEAN, VAR, RADIUS, MAGNITUDE, COV, PCC };

#define SEC 1000000000ull

static struct kn_ai_packet udp(const char *src, uint16_t sport, const char *dst, uint16_t dport,
			       uint32_t len, uint64_t ts_ns)
{
	struct kn_ai_packet p;
	memset(&p, 0, sizeof p);
	p.ts_ns = ts_ns;
	p.frame_len = len;
	p.kind = KN_AI_IP;
	p.ip_version = 4;
	p.proto = 17;
	p.port_kind = KN_AI_PORTS_L4;
	p.has_mac = 1;
	p.src_mac[5] = 1;
	p.dst_mac[5] = 2;
	inet_pton(AF_INET, src, p.src_ip.b);
	inet_pton(AF_INET, dst, p.dst_ip.b);
	p.sport = sport;
	p.dport = dport;
	return p;
}

static struct kn_afterimage *new_ai(int exact, uint64_t memcap)
{
	struct kn_afterimage_config cfg;
	char err[KN_ERRBUF_SIZE];
	kn_afterimage_config_default(&cfg);
	cfg.kitsune_exact = exact;
	if (memcap)
		cfg.memcap = memcap;
	return kn_afterimage_new(&cfg, err);
}

static void feed(struct kn_afterimage *ai, struct kn_ai_packet p, double *out)
{
	kn_afterimage_update(ai, &p, out);
}

static void test_first_packet(void)
{
	struct kn_afterimage *ai = new_ai(1, 0);
	double f[KN_AI_FEATURES];
	KT_REQUIRE(ai);
	feed(ai, udp("10.0.0.1", 1000, "10.0.0.2", 53, 100, 1000 * SEC), f);
	for (int l = 0; l < KN_AI_LAMBDAS; l++) {
		KT_CLOSE(f[MI(l, W)], 1);
		KT_CLOSE(f[MI(l, MEAN)], 100);
		KT_CLOSE(f[MI(l, VAR)], 0);
		KT_CLOSE(f[JIT(l, W)], 1);
		KT_CLOSE(f[JIT(l, MEAN)], 0); /* no gap before a stream's first packet */
		for (int g = 0; g < 2; g++) {
			int o = g ? HP(l, 0) : HH(l, 0);
			KT_CLOSE(f[o + W], 1);
			KT_CLOSE(f[o + MEAN], 100);
			KT_CLOSE(f[o + VAR], 0);
			KT_CLOSE(f[o + RADIUS], 0);
			KT_CLOSE(f[o + MAGNITUDE], 100); /* the silent peer's mean is 0 */
			KT_CLOSE(f[o + COV], 0);
			KT_CLOSE(f[o + PCC], 0);
		}
	}
	kn_afterimage_free(ai);
}

/* 100 bytes at t = 1000 s, 200 at 1001 s: sums decayed by 2^-lambda.
 * lambda 1: w = 1.5, mean = 250 / 1.5, var = 45000 / 1.5 - mean^2. */
static void test_decay_over_gap(void)
{
	static const double w[5] = { 1.03125, 1.125, 1.5, 1.933032991536807416,
				     1.993092495437035902 };
	static const double mean[5] = { 196.969696969696970, 188.888888888888889,
					166.666666666666667, 151.732174483218525,
					150.173286101341961 };
	static const double var[5] = { 293.847566574839302, 987.654320987654321,
				       2222.22222222222222, 2496.99957155968664,
				       2499.96997192708170 };
	static const double jmean[5] = { 0.969696969696969697, 0.888888888888888889,
					 0.666666666666666667, 0.517321744832185252,
					 0.501732861013419614 };
	static const double jvar[5] = { 0.0293847566574839302, 0.0987654320987654321,
					0.222222222222222222, 0.249699957155968664,
					0.249996997192708170 };
	struct kn_afterimage *ai = new_ai(1, 0);
	double f[KN_AI_FEATURES];
	KT_REQUIRE(ai);
	feed(ai, udp("10.0.0.1", 1000, "10.0.0.2", 53, 100, 1000 * SEC), f);
	feed(ai, udp("10.0.0.1", 1000, "10.0.0.2", 53, 200, 1001 * SEC), f);
	for (int l = 0; l < KN_AI_LAMBDAS; l++) {
		KT_CLOSE(f[MI(l, W)], w[l]);
		KT_CLOSE(f[MI(l, MEAN)], mean[l]);
		KT_CLOSE(f[MI(l, VAR)], var[l]);
		KT_CLOSE(f[HH(l, W)], w[l]);
		KT_CLOSE(f[HP(l, MEAN)], mean[l]);
		KT_CLOSE(f[HH(l, RADIUS)], var[l]);     /* sqrt(var^2 + 0) */
		KT_CLOSE(f[HH(l, MAGNITUDE)], mean[l]);
		KT_CLOSE(f[HH(l, PCC)], 0);             /* the peer never sent */
		/* gaps 0 then 1 s */
		KT_CLOSE(f[JIT(l, W)], w[l]);
		KT_CLOSE(f[JIT(l, MEAN)], jmean[l]);
		KT_CLOSE(f[JIT(l, VAR)], jvar[l]);
	}
	kn_afterimage_free(ai);
}

/* A sends 100 and 300 to B, B answers 50 and 150, all at one instant.
 * A: mean 200, var 10000; B: mean 100, var 2500. Residual products: only
 * B's second packet (150 - 100 = 50) meets A's last residual (300 - 200 =
 * 100). Kitsune counts each update twice (once from the stream's pair list,
 * once for the pair itself): w = 7, sum = 2 * 5000; pair-only: w = 4,
 * sum = 5000. */
static void two_streams(int exact, double cov)
{
	struct kn_afterimage *ai = new_ai(exact, 0);
	double f[KN_AI_FEATURES];
	KT_REQUIRE(ai);
	feed(ai, udp("10.0.0.1", 1000, "10.0.0.2", 53, 100, 1000 * SEC), f);
	feed(ai, udp("10.0.0.1", 1000, "10.0.0.2", 53, 300, 1000 * SEC), f);
	feed(ai, udp("10.0.0.2", 53, "10.0.0.1", 1000, 50, 1000 * SEC), f);
	feed(ai, udp("10.0.0.2", 53, "10.0.0.1", 1000, 150, 1000 * SEC), f);
	for (int l = 0; l < KN_AI_LAMBDAS; l++) {
		for (int g = 0; g < 2; g++) {
			int o = g ? HP(l, 0) : HH(l, 0);
			KT_CLOSE(f[o + W], 2);
			KT_CLOSE(f[o + MEAN], 100);
			KT_CLOSE(f[o + VAR], 2500);
			KT_CLOSE(f[o + RADIUS], sqrt(2500.0 * 2500 + 10000.0 * 10000));
			KT_CLOSE(f[o + MAGNITUDE], sqrt(100.0 * 100 + 200 * 200));
			KT_CLOSE(f[o + COV], cov);
			KT_CLOSE(f[o + PCC], cov / (50 * 100));
		}
	}
	kn_afterimage_free(ai);
}

static void test_two_streams_kitsune(void)
{
	two_streams(1, 10000.0 / 7);
}

static void test_two_streams_pair_only(void)
{
	two_streams(0, 5000.0 / 4);
}

/* A -> B 100, A -> C 300, B -> A 50, B -> A 150. With Kitsune's semantics
 * A's packet to C updates the A-B covariance too (A's residual 100), so B's
 * second answer adds 50 * 100 twice over w = 6; pair-only, A's last residual
 * toward B is 0 and the covariance stays 0. */
static void test_third_host_moves_covariance(void)
{
	for (int exact = 0; exact < 2; exact++) {
		struct kn_afterimage *ai = new_ai(exact, 0);
		double f[KN_AI_FEATURES];
		KT_REQUIRE(ai);
		feed(ai, udp("10.0.0.1", 1000, "10.0.0.2", 53, 100, 1000 * SEC), f);
		feed(ai, udp("10.0.0.1", 1000, "10.0.0.3", 53, 300, 1000 * SEC), f);
		feed(ai, udp("10.0.0.2", 53, "10.0.0.1", 1000, 50, 1000 * SEC), f);
		feed(ai, udp("10.0.0.2", 53, "10.0.0.1", 1000, 150, 1000 * SEC), f);
		KT_CLOSE(f[HH(2, COV)], exact ? 10000.0 / 6 : 0);
		KT_CLOSE(f[HH(2, PCC)], exact ? 1.0 / 3 : 0);
		kn_afterimage_free(ai);
	}
}

/* 1 MiB: a few hundred entries per table. 20000 hosts evict the oldest;
 * the tables stay within their capacities and the memcap, a host seen
 * recently keeps its statistics and the first one starts afresh. */
static void test_eviction(void)
{
	struct kn_afterimage *ai = new_ai(1, 1u << 20);
	struct kn_afterimage_stats st;
	double f[KN_AI_FEATURES];
	char src[32];
	KT_REQUIRE(ai);
	for (int i = 0; i < 20000; i++) {
		snprintf(src, sizeof src, "10.%d.%d.%d", i >> 16, (i >> 8) & 255, i & 255);
		feed(ai, udp(src, 1000, "192.168.0.1", 53, 100, 1000 * SEC), f);
	}
	kn_afterimage_get_stats(ai, &st);
	KT_EQ(st.packets, 20000);
	KT_CHECK(st.memory <= 1u << 20);
	for (int i = 0; i < 6; i++) {
		KT_CHECK(st.capacity[i] >= 100 && st.capacity[i] < 20000);
		KT_CHECK(st.entries[i] <= st.capacity[i]);
	}
	KT_CHECK(st.evictions[0] == 20000 - st.capacity[0]);
	feed(ai, udp("10.0.78.31", 1000, "192.168.0.1", 53, 100, 1000 * SEC), f); /* host 19999 */
	KT_CLOSE(f[MI(0, W)], 2);
	feed(ai, udp("10.0.0.0", 1000, "192.168.0.1", 53, 100, 1000 * SEC), f); /* host 0 */
	KT_CLOSE(f[MI(0, W)], 1);
	/* the server's stream survived (recently used) and its pairs are consistent */
	feed(ai, udp("192.168.0.1", 53, "10.0.0.0", 1000, 100, 1000 * SEC), f);
	KT_CLOSE(f[HH(0, W)], 1);
	KT_CLOSE(f[HH(0, MAGNITUDE)], sqrt(2.0) * 100);
	kn_afterimage_free(ai);
}

/* Host i asks the server, the server answers (sizes vary, so the server's
 * residuals are not 0), for more hosts than the HH and HpHp stream tables
 * hold but fewer than their pair tables do: each new host's stream takes
 * the id of the least recently seen host, whose pair with the server is
 * still stored. A new host's pair with the server must start afresh (two
 * packets of its own, the server silent: covariance 0), not continue the
 * evicted host's; in both modes (pair-only keeps stale pairs until they
 * age out, keyed by the streams' generations; Kitsune-exact drops them with
 * the stream). */
static void test_evicted_stream_pairs(void)
{
	for (int exact = 1; exact >= 0; exact--) {
		struct kn_afterimage *ai = new_ai(exact, 1u << 20);
		struct kn_afterimage_stats st;
		double f[KN_AI_FEATURES];
		char src[32];
		KT_REQUIRE(ai);
		kn_afterimage_get_stats(ai, &st);
		/* precondition: pairs outlive their streams */
		KT_REQUIRE(st.capacity[2] > st.capacity[1] + 10 && st.capacity[5] > st.capacity[4] + 10);
		unsigned hosts = (unsigned)st.capacity[1] + (unsigned)st.capacity[4];
		for (unsigned i = 0; i < hosts; i++) {
			snprintf(src, sizeof src, "10.1.%u.%u", i >> 8, i & 255);
			feed(ai, udp(src, 1000, "192.168.0.1", 53, 100, 1000 * SEC), f);
			feed(ai, udp("192.168.0.1", 53, src, 1000, 200 + (i % 7) * 50, 1000 * SEC), f);
		}
		kn_afterimage_get_stats(ai, &st);
		KT_CHECK(st.evictions[1] > 0 && st.evictions[4] > 0);
		for (int h = 0; h < 20; h++) {
			snprintf(src, sizeof src, "10.2.0.%d", h);
			feed(ai, udp(src, 1000, "192.168.0.1", 53, 100, 1000 * SEC), f);
			feed(ai, udp(src, 1000, "192.168.0.1", 53, 300, 1000 * SEC), f);
			KT_CLOSE(f[HH(0, W)], 2);
			KT_CLOSE(f[HP(0, W)], 2);
			for (int l = 0; l < KN_AI_LAMBDAS; l++) {
				KT_CHECK(f[HH(l, COV)] == 0 && f[HH(l, PCC)] == 0);
				KT_CHECK(f[HP(l, COV)] == 0 && f[HP(l, PCC)] == 0);
			}
		}
		kn_afterimage_free(ai);
	}
}

/* A stream sending to itself shares its oldest pair (Kitsune-py's
 * semantics), in both modes: A -> B 100 then A -> A 300 updates the A-B
 * pair (B has sent nothing: magnitude sqrt(200^2 + 0)); a host with no
 * pair gets one with itself (magnitude sqrt(2) * 100). */
static void test_self_pair(void)
{
	for (int exact = 0; exact < 2; exact++) {
		struct kn_afterimage *ai = new_ai(exact, 0);
		double f[KN_AI_FEATURES];
		KT_REQUIRE(ai);
		feed(ai, udp("10.0.0.1", 1000, "10.0.0.2", 53, 100, 1000 * SEC), f);
		feed(ai, udp("10.0.0.1", 1000, "10.0.0.1", 1000, 300, 1000 * SEC), f);
		KT_CLOSE(f[HH(0, W)], 2);
		KT_CLOSE(f[HH(0, MAGNITUDE)], 200);
		KT_CLOSE(f[HP(0, MAGNITUDE)], 200);
		feed(ai, udp("10.0.0.3", 1000, "10.0.0.3", 1000, 100, 1000 * SEC), f);
		KT_CLOSE(f[HH(0, MAGNITUDE)], sqrt(2.0) * 100);
		feed(ai, udp("10.0.0.3", 1000, "10.0.0.4", 1000, 100, 1000 * SEC), f);
		feed(ai, udp("10.0.0.3", 1000, "10.0.0.3", 1000, 400, 1000 * SEC), f);
		KT_CLOSE(f[HH(0, MAGNITUDE)], sqrt(2.0) * 200); /* still the pair with itself */
		kn_afterimage_free(ai);
	}
}

static void test_names(void)
{
	char b[64];
	KT_EQ_STR(kn_afterimage_feature_name(0, b, sizeof b), "MI_dir_5_weight");
	KT_EQ_STR(kn_afterimage_feature_name(14, b, sizeof b), "MI_dir_0.01_std");
	KT_EQ_STR(kn_afterimage_feature_name(21, b, sizeof b), "HH_5_pcc_0_1");
	KT_EQ_STR(kn_afterimage_feature_name(25, b, sizeof b), "HH_3_radius_0_1");
	KT_EQ_STR(kn_afterimage_feature_name(50, b, sizeof b), "HH_jit_5_weight");
	KT_EQ_STR(kn_afterimage_feature_name(60, b, sizeof b), "HH_jit_0.1_mean");
	KT_EQ_STR(kn_afterimage_feature_name(99, b, sizeof b), "HpHp_0.01_pcc_0_1");
	KT_CHECK(kn_afterimage_feature_name(100, b, sizeof b) == NULL);
	KT_CHECK(kn_afterimage_feature_name(0, b, 8) == NULL);
}

/* The nearest double to ns / 1e9, as strtod gives for the decimal text. */
static void test_seconds(void)
{
	KT_CHECK(kn_afterimage_seconds(1540446382933899000ull) == strtod("1540446382.933899", NULL));
	KT_CHECK(kn_afterimage_seconds(0) == 0);
	KT_CHECK(kn_afterimage_seconds(1500000000ull) == 1.5);
	uint64_t x = 0x9e3779b97f4a7c15ull;
	char text[64];
	for (int i = 0; i < 20000; i++) {
		x ^= x << 13;
		x ^= x >> 7;
		x ^= x << 17;
		uint64_t ns = x % 4000000000000000000ull; /* up to the year 2096 */
		if (i % 4 == 0)
			ns = ns / 1000 * 1000; /* pcap's microsecond grid */
		snprintf(text, sizeof text, "%llu.%09llu", (unsigned long long)(ns / SEC),
			 (unsigned long long)(ns % SEC));
		if (kn_afterimage_seconds(ns) != strtod(text, NULL)) {
			kt_fail(__FILE__, __LINE__, "seconds(%s) is not strtod's %.17g", text,
				strtod(text, NULL));
			break;
		}
	}
}

static void test_bad_memcap(void)
{
	struct kn_afterimage_config cfg;
	char err[KN_ERRBUF_SIZE] = "";
	kn_afterimage_config_default(&cfg);
	cfg.memcap = 1000;
	KT_CHECK(kn_afterimage_new(&cfg, err) == NULL);
	KT_CHECK(strstr(err, "memcap 1000 bytes") != NULL);
	kn_afterimage_free(NULL);
}

static const struct kt_case cases[] = {
	KT_CASE(test_first_packet),
	KT_CASE(test_decay_over_gap),
	KT_CASE(test_two_streams_kitsune),
	KT_CASE(test_two_streams_pair_only),
	KT_CASE(test_third_host_moves_covariance),
	KT_CASE(test_eviction),
	KT_CASE(test_evicted_stream_pairs),
	KT_CASE(test_self_pair),
	KT_CASE(test_names),
	KT_CASE(test_seconds),
	KT_CASE(test_bad_memcap),
};

KT_MAIN("anomaly_stats", cases)
