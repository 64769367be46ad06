/*
 * test_real.c - the capture stage on real captures from ../shared (located
 * through KN_SHARED, set by meson): packet counts, first and last time
 * stamps (as tshark 4.0 reports them), byte totals, link type; both through
 * the mmap path and through a pipe. Skips when the shared data is absent.
 */
#include "../../kt.h"
#include "capt_test.h"

struct expect {
	const char *rel;          /* path below $KN_SHARED */
	uint64_t packets, caplen_sum, wirelen_sum;
	uint64_t first_ns, last_ns;
};

static const struct expect portscan = {
	"data/pcaps/scan/sgr_portScan_1_to_10000.pcapng", 10009, 580528, 580528,
	1592551774886931000ull, 1592551780329593000ull,
};

static const struct expect mirai = {
	"data/kitsune/mirai2000.pcap", 2000, 163587, 165471,
	1540446382933899000ull, 1540446454134753000ull,
};

/* Opens rel below KN_SHARED; 1 when it exists, 0 when absent. */
static int shared_path(const char *rel, char *out, size_t size)
{
	const char *base = getenv("KN_SHARED");
	if (!base || !*base)
		return 0;
	snprintf(out, size, "%s/%s", base, rel);
	return access(out, R_OK) == 0;
}

static void check(struct kn_capture *c, const struct expect *e, uint16_t flags_must)
{
	struct kn_packet p;
	char eb[KN_ERRBUF_SIZE];
	uint64_t n = 0, cap = 0, wire = 0, first = 0, last = 0;
	int r, all_ether = 1, flags_ok = 1;
	while ((r = kn_capture_next(c, &p, eb)) == 1) {
		if (n++ == 0)
			first = p.ts_ns;
		last = p.ts_ns;
		cap += p.caplen;
		wire += p.wirelen;
		all_ether &= p.linktype == KN_LINK_ETHERNET;
		flags_ok &= (p.flags & flags_must) == flags_must;
	}
	KT_EQ(r, 0);
	KT_EQ(n, e->packets);
	KT_EQ(cap, e->caplen_sum);
	KT_EQ(wire, e->wirelen_sum);
	KT_EQ(first, e->first_ns);
	KT_EQ(last, e->last_ns);
	KT_CHECK(all_ether);
	KT_CHECK(flags_ok);
}

static void run_file(const struct expect *e)
{
	char path[1024], eb[KN_ERRBUF_SIZE];
	if (!shared_path(e->rel, path, sizeof path))
		KT_SKIP("%s not found (KN_SHARED unset or ../shared absent)", e->rel);
	struct kn_capture *c = kn_capture_open_file(path, eb);
	KT_REQUIRE(c);
	check(c, e, KN_PKT_STABLE);
	KT_EQ(kn_capture_position(c), kn_capture_size(c));
	kn_capture_close(c);
}

/* The same file through a pipe: a child copies it in 1000-byte writes. */
static void run_pipe(const struct expect *e)
{
	char path[1024], eb[KN_ERRBUF_SIZE];
	if (!shared_path(e->rel, path, sizeof path))
		KT_SKIP("%s not found (KN_SHARED unset or ../shared absent)", e->rel);
	int fds[2];
	KT_REQUIRE(pipe(fds) == 0);
	pid_t pid = fork();
	KT_REQUIRE(pid >= 0);
	if (pid == 0) {
		static uint8_t buf[1000];
		close(fds[0]);
		int fd = open(path, O_RDONLY);
		ssize_t n;
		while (fd >= 0 && (n = read(fd, buf, sizeof buf)) > 0)
			if (write_chunks(fds[1], buf, (size_t)n, (size_t)n) < 0)
				_exit(1);
		_exit(fd >= 0 ? 0 : 1);
	}
	close(fds[1]);
	char name[64];
	snprintf(name, sizeof name, "/dev/fd/%d", fds[0]);
	struct kn_capture *c = kn_capture_open_file(name, eb);
	KT_REQUIRE(c);
	check(c, e, 0);
	kn_capture_close(c);
	close(fds[0]);
	KT_CHECK(child_ok(pid));
}

static void test_portscan_pcapng(void)
{
	run_file(&portscan);
}

static void test_mirai_pcap(void)
{
	run_file(&mirai);
}

static void test_portscan_pipe(void)
{
	run_pipe(&portscan);
}

static void test_mirai_pipe(void)
{
	run_pipe(&mirai);
}

static const struct kt_case cases[] = {
	KT_CASE(test_portscan_pcapng),
	KT_CASE(test_mirai_pcap),
	KT_CASE(test_portscan_pipe),
	KT_CASE(test_mirai_pipe),
};

KT_MAIN("capture_real", cases)
