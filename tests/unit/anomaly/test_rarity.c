/*
 * test_rarity.c - the rarity behaviour detector on transactions and
 * packets built as the app layer and decoder leave them: after the
 * learning period, an established host's new JA3 (with a new JA4 and SNI),
 * a new HTTP user agent and a new internal listening service are reported
 * once each with the host; not reported: anything during learning, a new
 * SNI alone, a repeat, a new device during its own first 300 s, anything
 * right after a gap in packet time; a tiny memcap forgets old values (a
 * forgotten one is reported again) and stays bounded.
 */
#include <stdio.h>
#include <string.h>

#include "../../kt.h"

#include "detect_test.h"
#include "det_packets.h"

struct tls_vals {
	const char *ja3, *ja4, *sni, *ua;
};

static int vals_buffer(const struct kn_tx *tx, unsigned buf, unsigned index,
		       const uint8_t **data, uint32_t *len)
{
	const struct tls_vals *v = tx->priv;
	const char *s = buf == KN_BUF_JA3_HASH ? v->ja3 : buf == KN_BUF_JA4_HASH ? v->ja4 :
			buf == KN_BUF_TLS_SNI ? v->sni : buf == KN_BUF_HTTP_USER_AGENT ? v->ua : NULL;
	if (index || !s)
		return 0;
	*data = (const uint8_t *)s;
	*len = (uint32_t)strlen(s);
	return 1;
}

/* A transaction of app_proto from client to server:port at time t. */
static void tx(struct rig *r, const char *app_proto, struct kn_addr client,
	       struct kn_addr server, uint16_t port, struct tls_vals v, double t)
{
	struct kn_tx x = { .id = r->n, .buffer = vals_buffer, .priv = &v };
	memset(&r->flow.key, 0, sizeof r->flow.key);
	r->flow.key.src = client;
	r->flow.key.dst = server;
	r->flow.key.sport = 40000;
	r->flow.key.dport = port;
	r->flow.key.proto = 6;
	r->flow.key.ip_version = 4;
	kn_detect_tx(r->ctx, &r->flow, app_proto, &x, (uint64_t)(t * 1e9) + 1, ++r->n);
}

static void test_first_seen(void)
{
	struct rig r;
	struct kn_addr pc = v4(10, 0, 0, 5), srv = v4(10, 0, 0, 20), web = v4(93, 184, 216, 34),
		       newbie = v4(10, 0, 0, 77);
	rig_init(&r, 0);
	pkt(&r, pc, web, 6, 40000, 443, 0x02, 0, 1, 0);      /* the hosts appear */
	pkt(&r, srv, pc, 6, 22, 40001, 0x12, 1, 1, 1);        /* ssh answers: learning */
	tx(&r, "tls", pc, web, 443, (struct tls_vals){ "aaaa1111", "t13d1516h2_a", "example.com",
						      NULL }, 10);
	tx(&r, "http", pc, web, 80, (struct tls_vals){ .ua = "curl/8.0" }, 20);
	tx(&r, "tls", pc, web, 443, (struct tls_vals){ "aaaa1111", "t13d1516h2_a", "other.org",
						      NULL }, 400);   /* new SNI alone */
	pkt(&r, srv, pc, 6, 22, 40002, 0x12, 1, 1, 401);      /* a known service */
	KT_EQ(r.seen.n, 0);

	tx(&r, "tls", pc, web, 443, (struct tls_vals){ "bbbb2222", "t12d0909h1_b", "evil.example",
						      NULL }, 410);
	KT_EQ(r.seen.n, 1);
	KT_EQ_STR(r.seen.detector, "rarity");
	KT_EQ_STR(r.seen.event, "NEW_JA3");
	KT_EQ_STR(r.seen.key, "JA3 bbbb2222");
	KT_EQ_STR(r.seen.expl, "first time JA3 bbbb2222 seen on this network, from host 10.0.0.5 "
		  "to evil.example:443 (a server name also never seen); its JA4 is new too");
	KT_CHECK(strstr(r.seen.evidence, "\"new\":[\"ja3\",\"ja4\",\"sni\"],\"ja3\":\"bbbb2222\"")
		 != NULL);
	KT_CHECK(r.seen.score > 0.59 && r.seen.score < 0.61);
	tx(&r, "tls", pc, web, 443, (struct tls_vals){ "bbbb2222", "t12d0909h1_b", "evil.example",
						      NULL }, 420);
	KT_EQ(r.seen.n, 1);

	tx(&r, "http", pc, web, 80, (struct tls_vals){ .ua = "Mozilla/4.0 (compatible; MSIE 6.0)" },
	   430);
	KT_EQ(r.seen.n, 2);
	KT_EQ_STR(r.seen.event, "NEW_USER_AGENT");
	KT_EQ_STR(r.seen.key, "user agent Mozilla/4.0 (compatible; MSIE 6.0)");
	KT_CHECK(r.seen.score > 0.39 && r.seen.score < 0.41);

	pkt(&r, srv, pc, 6, 4444, 40003, 0x12, 1, 1, 600);    /* a new listener */
	KT_EQ(r.seen.n, 3);
	KT_EQ_STR(r.seen.event, "NEW_SERVICE");
	KT_EQ_STR(r.seen.key, "service 10.0.0.20:4444/tcp");
	KT_EQ_STR(r.seen.expl, "first time service 10.0.0.20:4444/tcp answered on this network "
		  "(to 10.0.0.5)");
	pkt(&r, srv, pc, 6, 4444, 40004, 0x12, 1, 1, 601);
	pkt(&r, srv, pc, 17, 5353, 5353, 0, 1, 1, 602);       /* a high UDP port */
	pkt(&r, web, pc, 6, 8443, 40005, 0x12, 1, 1, 603);     /* external servers */
	KT_EQ(r.seen.n, 3);
	pkt(&r, srv, pc, 17, 53, 40006, 0, 1, 1, 604);         /* a DNS server appears */
	KT_EQ(r.seen.n, 4);
	KT_EQ_STR(r.seen.key, "service 10.0.0.20:53/udp");

	/* a new device: its first 300 s are its own learning period */
	pkt(&r, newbie, web, 6, 40000, 443, 0x02, 0, 1, 700);
	tx(&r, "tls", newbie, web, 443, (struct tls_vals){ "cccc3333", NULL, NULL, NULL }, 701);
	KT_EQ(r.seen.n, 4);
	tx(&r, "tls", newbie, web, 443, (struct tls_vals){ "dddd4444", NULL, NULL, NULL }, 1001);
	KT_EQ(r.seen.n, 5);
	KT_EQ_STR(r.seen.key, "JA3 dddd4444");

	/* a day without packets: everything learns again */
	pkt(&r, pc, web, 6, 40000, 443, 0x02, 0, 1, 90000);
	tx(&r, "tls", pc, web, 443, (struct tls_vals){ "eeee5555", NULL, NULL, NULL }, 90001);
	KT_EQ(r.seen.n, 5);
	kn_detect_ctx_free(r.ctx);
}

static void test_memcap(void)
{
	struct rig r;
	struct kn_detect_stats st;
	struct kn_addr pc = v4(10, 0, 0, 5), web = v4(93, 184, 216, 34);
	char ja3[16];
	rig_init(&r, 1);   /* the smallest tables: 16 entries each */
	pkt(&r, pc, web, 6, 40000, 443, 0x02, 0, 1, 0);
	for (unsigned i = 0; i < 2000; i++) {
		snprintf(ja3, sizeof ja3, "ja3-%u", i);
		tx(&r, "tls", pc, web, 443, (struct tls_vals){ ja3, NULL, NULL, NULL },
		   400 + i * 0.01);
	}
	KT_EQ(r.seen.n, 2000);   /* every one new (after learning) */
	tx(&r, "tls", pc, web, 443, (struct tls_vals){ "ja3-1999", NULL, NULL, NULL }, 500);
	KT_EQ(r.seen.n, 2000);   /* the last one is remembered */
	tx(&r, "tls", pc, web, 443, (struct tls_vals){ "ja3-0", NULL, NULL, NULL }, 501);
	KT_EQ(r.seen.n, 2001);   /* the first was forgotten: reported again */
	kn_detect_stats(r.ctx, &st);
	KT_CHECK(st.memuse < 2u << 20);
	kn_detect_ctx_free(r.ctx);
}

static const struct kt_case cases[] = {
	KT_CASE(test_first_seen),
	KT_CASE(test_memcap),
};

KT_MAIN("anomaly_rarity", cases)
