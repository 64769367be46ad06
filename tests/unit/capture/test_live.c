/*
 * test_live.c - live capture (src/capture/live.c) on the loopback
 * interface: a UDP datagram sent to ourselves comes back through libpcap
 * with the right lengths, link type and time; an idle filter gives
 * -KN_EAGAIN within the timeout; kn_capture_breakloop from another thread
 * ends the capture; bad interface and filter names give clear errors.
 * Skips when the process may not capture (no root / CAP_NET_RAW) or has no
 * "lo" interface.
 */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <pthread.h>
#include <sys/socket.h>
#include <time.h>

#include "../../kt.h"
#include "capt_test.h"

static uint64_t now_ns(int clock)
{
	struct timespec ts;
	clock_gettime(clock, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

/* Opens lo with a filter; NULL and *skip set when capturing is impossible. */
static struct kn_capture *open_lo(const char *bpf, int *skip)
{
	char eb[KN_ERRBUF_SIZE];
	struct kn_capture *c = kn_capture_open_live("lo", bpf, 0, 0, eb);
	*skip = !c;
	if (!c)
		fprintf(stderr, "live capture unavailable: %s\n", eb);
	return c;
}

/* A UDP socket bound to 127.0.0.1 on a free port; returns fd, *port set. */
static int udp_socket(uint16_t *port)
{
	int fd = socket(AF_INET, SOCK_DGRAM, 0);
	struct sockaddr_in a = { .sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
	socklen_t alen = sizeof a;
	if (fd < 0 || bind(fd, (struct sockaddr *)&a, sizeof a) < 0 ||
	    getsockname(fd, (struct sockaddr *)&a, &alen) < 0)
		return -1;
	*port = ntohs(a.sin_port);
	return fd;
}

static void test_loopback_packet(void)
{
	uint16_t port;
	int fd = udp_socket(&port);
	KT_REQUIRE(fd >= 0);
	char bpf[64];
	snprintf(bpf, sizeof bpf, "udp and dst port %u", port);
	int skip;
	struct kn_capture *c = open_lo(bpf, &skip);
	if (skip) {
		close(fd);
		KT_SKIP("cannot capture on lo (needs root or CAP_NET_RAW)");
	}
	KT_EQ(kn_capture_is_live(c), 1);
	static const char msg[] = "kenchi-capture-live-test";
	struct sockaddr_in to = { .sin_family = AF_INET, .sin_port = htons(port),
				  .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
	uint64_t sent = now_ns(CLOCK_REALTIME);
	KT_CHECK(sendto(fd, msg, sizeof msg, 0, (struct sockaddr *)&to, sizeof to) == sizeof msg);
	struct kn_packet p;
	char eb[KN_ERRBUF_SIZE];
	int r = -KN_EAGAIN;
	for (int i = 0; i < 50 && r == -KN_EAGAIN; i++)
		r = kn_capture_next(c, &p, eb);
	KT_EQ(r, 1);
	if (r == 1) {
		KT_EQ(p.linktype, KN_LINK_ETHERNET);
		KT_EQ(p.caplen, 14 + 20 + 8 + sizeof msg);
		KT_EQ(p.wirelen, p.caplen);
		KT_EQ(p.flags, 0);
		KT_CHECK(memcmp(p.data + p.caplen - sizeof msg, msg, sizeof msg) == 0);
		KT_CHECK(p.ts_ns + 5000000000ull > sent && p.ts_ns < sent + 5000000000ull);
	}
	struct kn_capture_stats st;
	KT_EQ(kn_capture_stats(c, &st), 0);
	KT_EQ(st.packets, 1);
	KT_EQ(kn_capture_position(c), 0);
	KT_EQ(kn_capture_size(c), 0);
	kn_capture_close(c);
	close(fd);
}

static void *break_later(void *arg)
{
	struct timespec d = { 0, 250 * 1000000L };
	nanosleep(&d, NULL);
	kn_capture_breakloop(arg);
	return NULL;
}

/* Nothing matches (a local experimental ethertype): -KN_EAGAIN about
 * every 100 ms until breakloop. */
static void test_timeout_and_breakloop(void)
{
	int skip;
	struct kn_capture *c = open_lo("ether proto 0x88b5", &skip);
	if (skip)
		KT_SKIP("cannot capture on lo (needs root or CAP_NET_RAW)");
	struct kn_packet p;
	char eb[KN_ERRBUF_SIZE];
	uint64_t t0 = now_ns(CLOCK_MONOTONIC);
	KT_EQ(kn_capture_next(c, &p, eb), -KN_EAGAIN);
	KT_CHECK(now_ns(CLOCK_MONOTONIC) - t0 < 1000000000ull);
	pthread_t th;
	KT_REQUIRE(pthread_create(&th, NULL, break_later, c) == 0);
	int r, eagains = 0;
	t0 = now_ns(CLOCK_MONOTONIC);
	while ((r = kn_capture_next(c, &p, eb)) == -KN_EAGAIN && eagains < 100)
		eagains++;
	uint64_t took = now_ns(CLOCK_MONOTONIC) - t0;
	pthread_join(th, NULL);
	KT_EQ(r, 0);
	KT_CHECK(took >= 200000000ull && took < 2000000000ull);
	KT_EQ(kn_capture_next(c, &p, eb), 0);
	kn_capture_close(c);
}

static void test_errors(void)
{
	int skip;
	struct kn_capture *c = open_lo(NULL, &skip);
	if (skip)
		KT_SKIP("cannot capture on lo (needs root or CAP_NET_RAW)");
	kn_capture_close(c);
	char eb[KN_ERRBUF_SIZE];
	KT_CHECK(kn_capture_open_live("kn-nosuch0", NULL, 0, 1, eb) == NULL);
	KT_CHECK(strncmp(eb, "kn-nosuch0: cannot start the capture: ", 38) == 0);
	KT_CHECK(strstr(eb, "; check the interface name") != NULL);
	KT_CHECK(kn_capture_open_live("lo", "udp and and", 0, 0, eb) == NULL);
	KT_CHECK(strncmp(eb, "lo: bad BPF filter \"udp and and\": ", 34) == 0);
	KT_CHECK(kn_capture_open_live(NULL, NULL, 0, 0, eb) == NULL);
	KT_EQ_STR(eb, "capture: no interface name given");
}

static const struct kt_case cases[] = {
	KT_CASE(test_loopback_packet),
	KT_CASE(test_timeout_and_breakloop),
	KT_CASE(test_errors),
};

KT_MAIN("capture_live", cases)
