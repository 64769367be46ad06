/*
 * test_dcerpc.c - the dcerpc behaviour detector on DCE/RPC PDUs built to
 * C706 chapter 12 (bind, request) as impacket's rpcdump and PsExec send
 * them: an endpoint mapper dump (ept_lookup for all elements) is reported
 * at its request with the client as subject, in little- and big-endian
 * data representation and with an object UUID in the request; a service
 * created through svcctl and a task through the task scheduler (on a
 * dynamic port, the second context of a bind) are reported, after a dump
 * by the same client too, and over SMB2 named pipes (WRITE and IOCTL
 * transceive, compounded, each pipe its own association); not reported: ept_map (what every RPC client does), ept_lookup for one
 * interface, opnum 2 of DCOM's IObjectExporter on the same port, a context
 * rebound by alter_context, a request whose bind was not seen, another
 * port, PDUs cut short; a tiny table stays bounded.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../../kt.h"

#include "detect_test.h"
#include "det_packets.h"
#include "det_focus.h"

static const uint8_t epm_uuid[16] = { 0xe1, 0xaf, 0x83, 0x08, 0x5d, 0x1f, 0x11, 0xc9,
				      0x91, 0xa4, 0x08, 0x00, 0x2b, 0x14, 0xa0, 0xfa };
/* IObjectExporter (DCOM's OXID resolver), also on port 135 */
static const uint8_t oxid_uuid[16] = { 0x99, 0xfc, 0xfe, 0xc4, 0x52, 0x60, 0x10, 0x1b,
				       0xbb, 0xcb, 0x00, 0xaa, 0x00, 0x21, 0x34, 0x7a };
static const uint8_t scm_uuid[16] = { 0x36, 0x7a, 0xbb, 0x81, 0x98, 0x44, 0x35, 0xf1,
				      0xad, 0x32, 0x98, 0xf0, 0x38, 0x00, 0x10, 0x03 };
static const uint8_t tsch_uuid[16] = { 0x86, 0xd3, 0x59, 0x49, 0x83, 0xc9, 0x40, 0x44,
				       0xb4, 0x24, 0xdb, 0x36, 0x32, 0x31, 0xfd, 0x0c };
/* NDR transfer syntax 8a885d04-1ceb-11c9-9fe8-08002b104860 */
static const uint8_t ndr_uuid[16] = { 0x8a, 0x88, 0x5d, 0x04, 0x1c, 0xeb, 0x11, 0xc9,
				      0x9f, 0xe8, 0x08, 0x00, 0x2b, 0x10, 0x48, 0x60 };

struct pdu {
	uint8_t b[256];
	uint32_t n;
	int le;
};

static void put16(struct pdu *p, uint32_t v)
{
	p->b[p->n++] = (uint8_t)(p->le ? v : v >> 8);
	p->b[p->n++] = (uint8_t)(p->le ? v >> 8 : v);
}

static void put32(struct pdu *p, uint32_t v)
{
	for (int i = 0; i < 4; i++)
		p->b[p->n++] = (uint8_t)(v >> (p->le ? 8 * i : 24 - 8 * i));
}

/* A UUID in the PDU's byte order: its first three fields are integers. */
static void put_uuid(struct pdu *p, const uint8_t *u)
{
	put32(p, (uint32_t)u[0] << 24 | (uint32_t)u[1] << 16 | (uint32_t)u[2] << 8 | u[3]);
	put16(p, (uint32_t)(u[4] << 8 | u[5]));
	put16(p, (uint32_t)(u[6] << 8 | u[7]));
	memcpy(p->b + p->n, u + 8, 8);
	p->n += 8;
}

/* The common header of a PDU of type ptype; its frag_length is set by done(). */
static void header(struct pdu *p, int le, uint8_t ptype, uint8_t flags)
{
	memset(p, 0, sizeof *p);
	p->le = le;
	p->b[0] = 5;
	p->b[1] = 0;
	p->b[2] = ptype;
	p->b[3] = flags | 0x03;   /* first and last fragment */
	p->b[4] = le ? 0x10 : 0x00;
	p->n = 8;
	put16(p, 0);   /* frag_length */
	put16(p, 0);   /* auth_length */
	put32(p, 1);   /* call_id */
}

static void done(struct pdu *p)
{
	uint32_t n = p->n;
	p->n = 8;
	put16(p, n);
	p->n = n;
}

/* bind (11) or alter_context (14) of context ctx to the interface uuid. */
static void bind(struct pdu *p, int le, uint8_t ptype, unsigned ctx, const uint8_t *uuid)
{
	header(p, le, ptype, 0);
	put16(p, 4280);
	put16(p, 4280);
	put32(p, 0);
	p->b[p->n++] = 1;   /* n_context_elem */
	p->n += 3;
	put16(p, ctx);
	p->b[p->n++] = 1;   /* n_transfer_syn */
	p->n++;
	put_uuid(p, uuid);
	put32(p, 3);
	put_uuid(p, ndr_uuid);
	put32(p, 2);
	done(p);
}

/* A bind of two contexts: ctx0 to uuid0 and ctx1 to uuid1. */
static void bind2(struct pdu *p, int le, unsigned ctx0, const uint8_t *uuid0, unsigned ctx1,
		  const uint8_t *uuid1)
{
	header(p, le, 11, 0);
	put16(p, 4280);
	put16(p, 4280);
	put32(p, 0);
	p->b[p->n++] = 2;
	p->n += 3;
	for (int i = 0; i < 2; i++) {
		put16(p, i ? ctx1 : ctx0);
		p->b[p->n++] = 1;
		p->n++;
		put_uuid(p, i ? uuid1 : uuid0);
		put32(p, 2);
		put_uuid(p, ndr_uuid);
		put32(p, 2);
	}
	done(p);
}

/* A request on context ctx for opnum: ept_lookup's or ept_map's stub with
 * the inquiry type, null object and interface pointers; an object UUID in
 * the header when object. */
static void request(struct pdu *p, int le, unsigned ctx, unsigned opnum, uint32_t inquiry,
		    int object)
{
	header(p, le, 0, object ? 0x80 : 0);
	put32(p, 40);   /* alloc_hint */
	put16(p, ctx);
	put16(p, opnum);
	if (object)
		put_uuid(p, oxid_uuid);
	put32(p, inquiry);
	put32(p, 0);   /* object: null */
	put32(p, 0);   /* interface id: null */
	put32(p, 1);   /* vers_option */
	p->n += 20;    /* entry_handle: zero */
	put32(p, 499); /* max_ents */
	done(p);
}

/* A client segment to server:port on the rig's connection. */
static void send_pdu(struct focus *f, struct kn_addr client, struct kn_addr server,
		     uint16_t sport, uint16_t port, const struct pdu *p, uint32_t len, double t)
{
	fpkt(f, client, server, 6, sport, port, KN_TCP_ACK | KN_TCP_PSH, 0, 0, 3, 2, p->b, len,
	     t);
}

static void test_dump(void)
{
	struct focus f;
	struct pdu b, r;
	struct kn_addr a = v4(10, 0, 2, 15), dc = v4(10, 0, 2, 16);

	for (int le = 1; le >= 0; le--) {
		focus_init(&f, "dcerpc", 0, NULL);
		bind(&b, le, 11, 0, epm_uuid);
		send_pdu(&f, a, dc, 37680, 135, &b, b.n, 1.0);
		KT_EQ(f.r.seen.n, 0);
		request(&r, le, 0, 2, 0, 0);
		send_pdu(&f, a, dc, 37680, 135, &r, r.n, 1.1);
		KT_EQ(f.r.seen.n, 1);
		KT_EQ(f.first_cnt, 2);
		KT_EQ_STR(f.r.seen.event, "RPC_ENDPOINT_DUMP");
		KT_EQ_STR(f.subject, "10.0.2.15");
		KT_EQ_STR(f.r.seen.key, "10.0.2.15");
		KT_CHECK(f.r.seen.score > 0.49 && f.r.seen.score < 0.51);
		KT_EQ_STR(f.r.seen.expl, "10.0.2.15 asked the endpoint mapper of 10.0.2.16 for "
			  "every registered RPC endpoint (ept_lookup, all elements): an RPC "
			  "endpoint dump, the discovery of which services a Windows host runs");
		KT_CHECK(strstr(f.r.seen.evidence, "\"server\":\"10.0.2.16\",\"interface\":\"epm\","
					"\"operation\":\"ept_lookup\",\"opnum\":2,\"inquiry\":\"all\","
					"\"max_entries\":499,\"lookups\":1") != NULL);
		kn_detect_ctx_free(f.r.ctx);
	}
	/* an object UUID in the request header moves the stub */
	focus_init(&f, "dcerpc", 0, NULL);
	bind(&b, 1, 11, 3, epm_uuid);
	send_pdu(&f, a, dc, 37681, 135, &b, b.n, 1.0);
	request(&r, 1, 3, 2, 0, 1);
	send_pdu(&f, a, dc, 37681, 135, &r, r.n, 1.1);
	KT_EQ(f.r.seen.n, 1);
	kn_detect_ctx_free(f.r.ctx);
}

static void test_remote_exec(void)
{
	struct focus f;
	struct pdu b, r;
	struct kn_addr a = v4(172, 16, 66, 1), srv = v4(172, 16, 66, 36);

	focus_init(&f, "dcerpc", 0, NULL);
	bind(&b, 1, 11, 0, epm_uuid);   /* a dump first, then service creation */
	send_pdu(&f, a, srv, 52446, 135, &b, b.n, 1.0);
	request(&r, 1, 0, 2, 0, 0);
	send_pdu(&f, a, srv, 52446, 135, &r, r.n, 1.1);
	KT_EQ(f.r.seen.n, 1);
	bind2(&b, 1, 0, tsch_uuid, 1, scm_uuid);   /* dynamic port, second context */
	send_pdu(&f, a, srv, 52447, 49688, &b, b.n, 2.0);
	request(&r, 1, 1, 15, 0, 0);   /* ROpenSCManagerW */
	send_pdu(&f, a, srv, 52447, 49688, &r, r.n, 2.1);
	KT_EQ(f.r.seen.n, 1);
	request(&r, 1, 1, 45, 0, 0);   /* RCreateServiceWOW64W */
	send_pdu(&f, a, srv, 52447, 49688, &r, r.n, 2.2);
	KT_EQ(f.r.seen.n, 2);
	KT_EQ_STR(f.r.seen.event, "RPC_REMOTE_SERVICE");
	KT_EQ_STR(f.subject, "172.16.66.1");
	KT_CHECK(f.r.seen.score > 0.59 && f.r.seen.score < 0.61);
	KT_EQ_STR(f.r.seen.expl, "172.16.66.1 created a service on 172.16.66.36 through its "
		  "service control manager (svcctl RCreateServiceWOW64W): running a program there "
		  "as PsExec, impacket and 'sc \\\\host create' do; lateral movement unless an "
		  "administrator meant it");
	KT_CHECK(strstr(f.r.seen.evidence, "\"interface\":\"svcctl\",\"operation\":"
				       "\"RCreateServiceWOW64W\",\"opnum\":45") != NULL);
	request(&r, 1, 0, 1, 0, 0);   /* context 0: SchRpcRegisterTask */
	send_pdu(&f, a, srv, 52447, 49688, &r, r.n, 2.3);
	KT_EQ(f.r.seen.n, 3);
	KT_EQ_STR(f.r.seen.event, "RPC_REMOTE_TASK");
	KT_CHECK(strstr(f.r.seen.expl, "(ITaskSchedulerService SchRpcRegisterTask)") != NULL);
	request(&r, 1, 1, 12, 0, 0);   /* another service soon after: rate-limited */
	send_pdu(&f, a, srv, 52447, 49688, &r, r.n, 2.4);
	KT_EQ(f.r.seen.n, 3);
	kn_detect_ctx_free(f.r.ctx);
}

/* An SMB2 request (NetBIOS session header, 64-byte SMB2 header of command
 * cmd with NextCommand next, body) carrying pdu as a WRITE (cmd 9) or an
 * IOCTL FSCTL_PIPE_TRANSCEIVE (cmd 11) on pipe fid, appended at out+*n. */
static void smb2_req(uint8_t *out, uint32_t *n, int nbss, uint16_t cmd, uint32_t next,
		     uint8_t fid, const struct pdu *pdu, int response)
{
	uint8_t *h = out + *n + (nbss ? 4 : 0);
	uint32_t body = cmd == 9 ? 48 : 56, len = 64 + body + pdu->n;
	memset(h, 0, 64 + body);
	memcpy(h, "\xfeSMB", 4);
	h[4] = 64;
	h[12] = (uint8_t)cmd;
	h[16] = response ? 1 : 0;
	h[20] = (uint8_t)next, h[21] = (uint8_t)(next >> 8);
	uint8_t *b = h + 64;
	uint32_t off = 64 + body;
	if (cmd == 9) {
		b[0] = 49;
		b[2] = (uint8_t)off, b[3] = (uint8_t)(off >> 8);
		b[4] = (uint8_t)pdu->n, b[5] = (uint8_t)(pdu->n >> 8);
		memset(b + 16, fid, 16);
	} else {
		b[0] = 57;
		b[4] = 0x17, b[5] = 0xc0, b[6] = 0x11, b[7] = 0x00;   /* FSCTL_PIPE_TRANSCEIVE */
		memset(b + 8, fid, 16);
		b[24] = (uint8_t)off, b[25] = (uint8_t)(off >> 8);
		b[28] = (uint8_t)pdu->n, b[29] = (uint8_t)(pdu->n >> 8);
	}
	memcpy(h + off, pdu->b, pdu->n);
	if (nbss) {
		uint8_t *ns = out + *n;
		ns[0] = 0, ns[1] = 0, ns[2] = (uint8_t)(len >> 8), ns[3] = (uint8_t)len;
		*n += 4;
	}
	*n += len;
}

static void test_smb_pipes(void)
{
	struct focus f;
	struct pdu b, r;
	uint8_t seg[1024];
	uint32_t n;
	struct kn_addr a = v4(192, 168, 56, 104), srv = v4(192, 168, 56, 102);

	focus_init(&f, "dcerpc", 0, NULL);
	bind(&b, 1, 11, 0, scm_uuid);   /* \pipe\svcctl on FileId 0x11.. */
	n = 0;
	smb2_req(seg, &n, 1, 9, 0, 0x11, &b, 0);
	fpkt(&f, a, srv, 6, 62618, 445, KN_TCP_ACK | KN_TCP_PSH, 0, 0, 9, 8, seg, n, 1.0);
	bind(&b, 1, 11, 0, oxid_uuid);   /* another pipe, another interface, context 0 */
	n = 0;
	smb2_req(seg, &n, 1, 9, 0, 0x22, &b, 0);
	fpkt(&f, a, srv, 6, 62618, 445, KN_TCP_ACK | KN_TCP_PSH, 0, 0, 10, 9, seg, n, 1.1);
	request(&r, 1, 0, 12, 0, 0);   /* RCreateServiceW on pipe 0x22: not svcctl */
	n = 0;
	smb2_req(seg, &n, 1, 11, 0, 0x22, &r, 0);
	fpkt(&f, a, srv, 6, 62618, 445, KN_TCP_ACK | KN_TCP_PSH, 0, 0, 11, 10, seg, n, 1.2);
	n = 0;   /* a response carrying it: not a client's request */
	smb2_req(seg, &n, 1, 11, 0, 0x11, &r, 1);
	fpkt(&f, srv, a, 6, 445, 62618, KN_TCP_ACK | KN_TCP_PSH, 0, 1, 10, 11, seg, n, 1.3);
	KT_EQ(f.r.seen.n, 0);
	n = 0;   /* on pipe 0x11, second of a compound (NextCommand) */
	struct pdu empty = { .n = 0 };
	smb2_req(seg, &n, 1, 16, 64 + 56, 0x11, &empty, 0);
	smb2_req(seg, &n, 0, 11, 0, 0x11, &r, 0);
	uint32_t msg = n - 4;
	seg[1] = (uint8_t)(msg >> 16), seg[2] = (uint8_t)(msg >> 8), seg[3] = (uint8_t)msg;
	fpkt(&f, a, srv, 6, 62618, 445, KN_TCP_ACK | KN_TCP_PSH, 0, 0, 12, 11, seg, n, 1.4);
	KT_EQ(f.r.seen.n, 1);
	KT_EQ_STR(f.r.seen.event, "RPC_REMOTE_SERVICE");
	KT_EQ_STR(f.subject, "192.168.56.104");
	KT_CHECK(strstr(f.r.seen.expl, "(svcctl RCreateServiceW)") != NULL);
	kn_detect_ctx_free(f.r.ctx);

	/* the same bytes cut anywhere: never a finding without the bind */
	focus_init(&f, "dcerpc", 0, NULL);
	for (uint32_t cut = 0; cut < n; cut++)
		fpkt(&f, a, srv, 6, (uint16_t)(30000 + cut), 445, KN_TCP_ACK | KN_TCP_PSH, 0, 0, 12,
		     11, seg, cut, 2.0);
	KT_EQ(f.r.seen.n, 0);
	kn_detect_ctx_free(f.r.ctx);
}

static void test_quiet(void)
{
	struct focus f;
	struct pdu b, r;
	struct kn_addr a = v4(10, 0, 2, 20), dc = v4(10, 0, 2, 16);

	focus_init(&f, "dcerpc", 0, NULL);
	bind(&b, 1, 11, 0, epm_uuid);
	send_pdu(&f, a, dc, 40000, 135, &b, b.n, 1.0);
	request(&r, 1, 0, 3, 0, 0);   /* ept_map: an ordinary client */
	send_pdu(&f, a, dc, 40000, 135, &r, r.n, 1.1);
	request(&r, 1, 0, 2, 1, 0);   /* ept_lookup for one interface */
	send_pdu(&f, a, dc, 40000, 135, &r, r.n, 1.2);
	request(&r, 1, 1, 2, 0, 0);   /* a context never bound */
	send_pdu(&f, a, dc, 40000, 135, &r, r.n, 1.3);

	bind(&b, 1, 11, 0, oxid_uuid);   /* DCOM: IObjectExporter::ComplexPing is opnum 2 */
	send_pdu(&f, a, dc, 40001, 135, &b, b.n, 2.0);
	request(&r, 1, 0, 2, 0, 0);
	send_pdu(&f, a, dc, 40001, 135, &r, r.n, 2.1);

	bind(&b, 1, 11, 0, epm_uuid);   /* rebound to another interface */
	send_pdu(&f, a, dc, 40002, 135, &b, b.n, 3.0);
	bind(&b, 1, 14, 0, oxid_uuid);
	send_pdu(&f, a, dc, 40002, 135, &b, b.n, 3.1);
	send_pdu(&f, a, dc, 40002, 135, &r, r.n, 3.2);

	send_pdu(&f, a, dc, 40003, 135, &r, r.n, 4.0);   /* its bind not seen */

	bind(&b, 1, 11, 0, scm_uuid);   /* a service manager queried, started, stopped */
	send_pdu(&f, a, dc, 40005, 49670, &b, b.n, 4.5);
	for (unsigned op = 0; op < 60; op++)
		if (op != 12 && op != 24 && op != 44 && op != 45) {
			request(&r, 1, 0, op, 0, 0);
			send_pdu(&f, a, dc, 40005, 49670, &r, r.n, 4.6);
		}

	bind(&b, 1, 11, 0, epm_uuid);   /* another port */
	send_pdu(&f, a, dc, 40004, 136, &b, b.n, 5.0);
	send_pdu(&f, a, dc, 40004, 136, &r, r.n, 5.1);

	/* cut short: a request before its interface pointer, a bind anywhere
	 * (then a request without its stub) */
	for (uint32_t cut = 0; cut < 36; cut++) {
		send_pdu(&f, a, dc, (uint16_t)(41000 + cut), 135, &b, b.n, 6.0 + cut);
		send_pdu(&f, a, dc, (uint16_t)(41000 + cut), 135, &r, cut, 6.1 + cut);
	}
	for (uint32_t cut = 0; cut < b.n; cut++) {
		send_pdu(&f, a, dc, (uint16_t)(42000 + cut), 135, &b, cut, 200.0 + cut);
		send_pdu(&f, a, dc, (uint16_t)(42000 + cut), 135, &r, 24, 200.1 + cut);
	}
	KT_EQ(f.r.seen.n, 0);
	kn_detect_ctx_free(f.r.ctx);
}

static void test_memcap(void)
{
	struct focus f;
	struct kn_detect_stats st;
	struct pdu b;

	focus_init(&f, "dcerpc", 1u << 20, NULL);
	bind(&b, 1, 11, 0, epm_uuid);
	for (unsigned i = 0; i < 20000; i++)
		send_pdu(&f, v4(10, 9, i >> 8 & 255, i & 255), v4(10, 0, 0, 1), (uint16_t)(1024 + i),
			 135, &b, b.n, i * 0.001);
	kn_detect_stats(f.r.ctx, &st);
	KT_CHECK(st.memuse < 1u << 20);
	KT_EQ(f.r.seen.n, 0);
	kn_detect_ctx_free(f.r.ctx);
}

static const struct kt_case cases[] = {
	KT_CASE(test_dump),
	KT_CASE(test_remote_exec),
	KT_CASE(test_smb_pipes),
	KT_CASE(test_quiet),
	KT_CASE(test_memcap),
};

KT_MAIN("anomaly_dcerpc", cases)
