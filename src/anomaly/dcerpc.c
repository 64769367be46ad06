/*
 * dcerpc.c - the "dcerpc" behaviour detector: DCE/RPC operations that
 * intrusions into Windows networks perform and ordinary clients do not.
 *
 * - An endpoint mapper dump (impacket's rpcdump, Windows' rpcdump/portqry
 *   -e 135), the discovery of which RPC services a host runs: ept_lookup
 *   (opnum 2) of the endpoint mapper (EPM, e1af8308-5d1f-11c9-91a4-
 *   08002b14a0fa) with inquiry type RPC_C_EP_ALL_ELTS (0). An ordinary
 *   client asks for the one interface it needs with ept_map (opnum 3).
 *   RPC_ENDPOINT_DUMP, score 0.5.
 * - A service created remotely through the service control manager
 *   (svcctl, MS-SCMR, 367abb81-9844-35f1-ad32-98f038001003:
 *   RCreateServiceW 12, RCreateServiceA 24, RCreateServiceWOW64A/W 44/45):
 *   how PsExec, impacket's psexec/smbexec and `sc \\host create` run a
 *   program on another host (lateral movement, unless an administrator
 *   meant it). RPC_REMOTE_SERVICE, score 0.6.
 * - A task scheduled remotely: ITaskSchedulerService::SchRpcRegisterTask
 *   (MS-TSCH, 86d35949-83c9-4044-b424-db363231fd0c, opnum 1) or the older
 *   ATSvc NetrJobAdd (1ff70682-0a51-30e8-076d-740be8cee98b, opnum 0), as
 *   impacket's atexec and `schtasks /s` do. RPC_REMOTE_TASK, score 0.6.
 *
 * The connection-oriented PDUs (DCE 1.1 RPC, C706 chapter 12; both byte
 * orders of the data representation) are read from TCP segments that
 * start with one, on any port (the endpoint mapper listens on 135, the
 * others on the dynamic ports it hands out): bind and alter_context name
 * the interface of each presentation context; a request carries its
 * context and opnum in clear even when its stub is sealed. Per connection,
 * in a fixed table (det_net.h), which contexts (ids 0..31) are bound to
 * which of the interfaces above, so an opnum of another interface (DCOM's
 * IObjectExporter::ComplexPing is opnum 2 on port 135 too) is not taken
 * for one. Over SMB2 (port 445) the PDUs written to a named pipe
 * (\pipe\svcctl, \pipe\atsvc... as impacket's psexec and atexec use)
 * are read the same way, each pipe its own association. A connection
 * whose bind was not seen is not judged. The client is the finding's subject
 * and key: the context's rate limit keeps one report per client and event
 * per repeat_s unless the score grows by half.
 */
#include <stdio.h>
#include <string.h>

#include "det_net.h"
#include "kenchi/detector.h"
#include "util/hash.h"
#include "util/json.h"

#define PTYPE_REQUEST 0
#define PTYPE_BIND 11
#define PTYPE_ALTER_CONTEXT 14
#define PFC_OBJECT_UUID 0x80
#define RPC_C_EP_ALL_ELTS 0

enum iface { IF_EPM, IF_SCM, IF_TSCH, IF_ATSVC, N_IF };

/* Interface UUIDs in their canonical (string) byte order. */
static const struct {
	uint8_t uuid[16];
	const char *name;
} ifaces[N_IF] = {
	[IF_EPM] = { { 0xe1, 0xaf, 0x83, 0x08, 0x5d, 0x1f, 0x11, 0xc9, 0x91, 0xa4, 0x08, 0x00,
		       0x2b, 0x14, 0xa0, 0xfa }, "epm" },
	[IF_SCM] = { { 0x36, 0x7a, 0xbb, 0x81, 0x98, 0x44, 0x35, 0xf1, 0xad, 0x32, 0x98, 0xf0,
		       0x38, 0x00, 0x10, 0x03 }, "svcctl" },
	[IF_TSCH] = { { 0x86, 0xd3, 0x59, 0x49, 0x83, 0xc9, 0x40, 0x44, 0xb4, 0x24, 0xdb, 0x36,
			0x32, 0x31, 0xfd, 0x0c }, "ITaskSchedulerService" },
	[IF_ATSVC] = { { 0x1f, 0xf7, 0x06, 0x82, 0x0a, 0x51, 0x30, 0xe8, 0x07, 0x6d, 0x74, 0x0b,
			 0xe8, 0xce, 0xe9, 0x8b }, "atsvc" },
};

struct conn {
	struct det_slot slot;
	uint32_t ctx[N_IF];   /* bit i: presentation context i is bound to the interface */
	uint32_t lookups;     /* endpoint dump requests on this connection */
};

struct dcerpc {
	struct det_table conns;
};

static int dcerpc_init(void *state, const struct kn_detect_config *cfg, uint64_t budget,
		       char *errbuf)
{
	struct dcerpc *s = state;

	(void)cfg;
	if (det_table_init(&s->conns, budget, sizeof(struct conn)) != 0) {
		snprintf(errbuf, KN_ERRBUF_SIZE, "dcerpc: out of memory (connection table)");
		return -KN_ENOMEM;
	}
	return 0;
}

static void dcerpc_fini(void *state)
{
	det_table_fini(&((struct dcerpc *)state)->conns);
}

static uint64_t dcerpc_memuse(const void *state)
{
	return det_table_memuse(&((const struct dcerpc *)state)->conns);
}

/* A PDU's integers in its data representation (drep[0] bit 4: little
 * endian). */
static uint32_t rd16(const uint8_t *d, int le)
{
	return le ? (uint32_t)(d[0] | d[1] << 8) : (uint32_t)(d[0] << 8 | d[1]);
}

static uint32_t rd32(const uint8_t *d, int le)
{
	return le ? (uint32_t)d[0] | (uint32_t)d[1] << 8 | (uint32_t)d[2] << 16 |
			    (uint32_t)d[3] << 24
		  : (uint32_t)d[0] << 24 | (uint32_t)d[1] << 16 | (uint32_t)d[2] << 8 | d[3];
}

/* Which interface of the table the UUID at w is (the first three fields
 * are integers in the PDU's byte order), N_IF for none. */
static enum iface iface_of(const uint8_t *w, int le)
{
	uint8_t u[16];

	memcpy(u, w, 16);
	if (le) {
		static const uint8_t swap[8] = { 3, 2, 1, 0, 5, 4, 7, 6 };
		for (int i = 0; i < 8; i++)
			u[i] = w[swap[i]];
	}
	for (int i = 0; i < N_IF; i++)
		if (!memcmp(u, ifaces[i].uuid, 16))
			return (enum iface)i;
	return N_IF;
}

/* bind / alter_context: the interfaces of the contexts it defines (a
 * context redefined to another interface is cleared). The entry is made
 * only when one of ours is bound. */
static void bind_pdu(struct det_table *t, uint64_t h, uint64_t now, const uint8_t *d,
		     uint32_t n, int le)
{
	if (n < 28)
		return;
	struct conn *e = det_table_find(t, h, now, 0, NULL);
	unsigned count = d[24];
	uint32_t at = 28;
	for (unsigned i = 0; i < count && at + 24 <= n; i++) {
		unsigned id = rd16(d + at, le);
		unsigned ntransfer = d[at + 2];
		enum iface f = iface_of(d + at + 4, le);
		if (id < 32) {
			if (f != N_IF && !e)
				e = det_table_find(t, h, now, 1, NULL);
			for (int k = 0; e && k < N_IF; k++)
				e->ctx[k] = k == (int)f ? e->ctx[k] | 1u << id : e->ctx[k] & ~(1u << id);
		}
		at += 24 + 20 * ntransfer;
	}
}

/* The ept_lookup stub (NDR): inquiry_type, object (unique pointer to a
 * UUID), interface id (unique pointer to UUID + 2 versions), vers_option,
 * entry_handle (20 bytes), max_ents. 1 with *max_ents (0 when cut off)
 * when it asks for all elements. */
static int lookup_all(const uint8_t *s, uint32_t n, int le, uint32_t *max_ents)
{
	if (n < 8 || rd32(s, le) != RPC_C_EP_ALL_ELTS)
		return 0;
	uint32_t at = 4;
	if (rd32(s + at, le))   /* object: referent, UUID */
		at += 16;
	at += 4;
	if (at + 4 > n)
		return 0;
	if (rd32(s + at, le))   /* interface id: referent, UUID, versions */
		at += 20;
	at += 4 + 4 + 20;       /* ... vers_option, entry_handle */
	*max_ents = at + 4 <= n ? rd32(s + at, le) : 0;
	return 1;
}

struct finding {
	char client[48], server[48];
	enum iface f;
	const char *operation;
	unsigned opnum;
	uint32_t max_ents, lookups;
};

static void evidence(const void *arg, struct kn_json *j)
{
	const struct finding *f = arg;

	kn_json_str(j, "client", f->client);
	kn_json_str(j, "server", f->server);
	kn_json_str(j, "interface", ifaces[f->f].name);
	kn_json_str(j, "operation", f->operation);
	kn_json_u64(j, "opnum", f->opnum);
	if (f->f == IF_EPM) {
		kn_json_str(j, "inquiry", "all");
		kn_json_u64(j, "max_entries", f->max_ents);
		kn_json_u64(j, "lookups", f->lookups);
	}
}

/* The operation a request on interface f with opnum performs that we
 * report, or NULL. */
static const char *operation(enum iface f, unsigned opnum)
{
	switch (f) {
	case IF_EPM:
		return opnum == 2 ? "ept_lookup" : NULL;
	case IF_SCM:
		return opnum == 12 ? "RCreateServiceW" : opnum == 24 ? "RCreateServiceA"
		       : opnum == 44 ? "RCreateServiceWOW64A" : opnum == 45 ? "RCreateServiceWOW64W"
		       : NULL;
	case IF_TSCH:
		return opnum == 1 ? "SchRpcRegisterTask" : NULL;
	case IF_ATSVC:
		return opnum == 0 ? "NetrJobAdd" : NULL;
	default:
		return NULL;
	}
}

static void request_pdu(struct kn_detect_call *c, const struct kn_packet *p, struct conn *e,
			const uint8_t *d, uint32_t n, int le)
{
	if (n < 24)
		return;
	unsigned ctx = rd16(d + 20, le);
	struct finding f = { .opnum = rd16(d + 22, le), .f = N_IF };
	for (int k = 0; k < N_IF && ctx < 32; k++)
		if (e->ctx[k] & 1u << ctx)
			f.f = (enum iface)k;
	if (f.f == N_IF || !(f.operation = operation(f.f, f.opnum)))
		return;
	uint32_t stub = 24 + ((d[3] & PFC_OBJECT_UUID) ? 16 : 0);
	if (f.f == IF_EPM && (stub > n || !lookup_all(d + stub, n - stub, le, &f.max_ents)))
		return;
	int v6 = p->ip_version == 6;
	kn_detect_addr_text(&p->src, v6, f.client, sizeof f.client);
	kn_detect_addr_text(&p->dst, v6, f.server, sizeof f.server);
	char why[400];
	const char *event;
	double score;
	if (f.f == IF_EPM) {
		f.lookups = ++e->lookups;
		event = "RPC_ENDPOINT_DUMP", score = 0.5;
		snprintf(why, sizeof why, "%s asked the endpoint mapper of %s for every registered "
			 "RPC endpoint (ept_lookup, all elements): an RPC endpoint dump, the "
			 "discovery of which services a Windows host runs", f.client, f.server);
	} else if (f.f == IF_SCM) {
		event = "RPC_REMOTE_SERVICE", score = 0.6;
		snprintf(why, sizeof why, "%s created a service on %s through its service control "
			 "manager (svcctl %s): running a program there as PsExec, impacket and "
			 "'sc \\\\host create' do; lateral movement unless an administrator meant "
			 "it", f.client, f.server, f.operation);
	} else {
		event = "RPC_REMOTE_TASK", score = 0.6;
		snprintf(why, sizeof why, "%s scheduled a task on %s through its task scheduler "
			 "(%s %s): running a program there as impacket's atexec and 'schtasks /s' "
			 "do; lateral movement unless an administrator meant it", f.client, f.server,
			 ifaces[f.f].name, f.operation);
	}
	struct kn_detection r = {
		.event = event, .score = score, .key = f.client, .explanation = why,
		.flow = p->flow, .dir = p->dir, .subject = p->src, .subject_set = 1,
		.subject_v6 = (uint8_t)v6, .evidence = evidence, .arg = &f };
	kn_detect_report(c, &r);
}

/* One PDU at d[0..n) of the association (connection, or SMB pipe) whose
 * key hash is h. */
static void pdu(struct dcerpc *s, struct kn_detect_call *c, const struct kn_packet *p,
		uint64_t h, const uint8_t *d, uint32_t n)
{
	if (n < 16 || d[0] != 5 || d[1] > 1 ||
	    (d[2] != PTYPE_BIND && d[2] != PTYPE_ALTER_CONTEXT && d[2] != PTYPE_REQUEST))
		return;
	int le = (d[4] & 0x10) != 0;
	uint32_t frag = rd16(d + 8, le);
	if (frag < 16)
		return;
	if (n > frag)
		n = frag;
	if (d[2] != PTYPE_REQUEST) {
		bind_pdu(&s->conns, h, p->ts_ns, d, n, le);
		return;
	}
	struct conn *e = det_table_find(&s->conns, h, p->ts_ns, 0, NULL);
	if (e)
		request_pdu(c, p, e, d, n, le);
}

static uint32_t le16(const uint8_t *d)
{
	return rd16(d, 1);
}

static uint32_t le32(const uint8_t *d)
{
	return rd32(d, 1);
}

/* SMB2 (MS-SMB2) requests to port 445 after the NetBIOS session header:
 * the PDUs written to a named pipe (WRITE, 2.2.21) or sent through it
 * (IOCTL FSCTL_PIPE_TRANSCEIVE, 2.2.31), each pipe (FileId) its own
 * association; compounded requests followed through NextCommand. Only
 * requests that start in this segment are read; SMB1 and encrypted SMB3
 * (transform header) are not. */
static void smb2(struct dcerpc *s, struct kn_detect_call *c, const struct kn_packet *p,
		 uint64_t conn, const uint8_t *d, uint32_t n)
{
	if (n < 4 || d[0] != 0)
		return;
	uint32_t msg = (uint32_t)d[1] << 16 | (uint32_t)d[2] << 8 | d[3];
	d += 4, n -= 4;
	if (n > msg)
		n = msg;
	for (unsigned k = 0, at = 0; k < 16 && at + 64 <= n; k++) {
		const uint8_t *h = d + at;
		if (memcmp(h, "\xfeSMB", 4) || le16(h + 4) != 64 || (le32(h + 16) & 1))
			return;   /* not SMB2, or a response */
		uint32_t cmd = le16(h + 12), next = le32(h + 20);
		uint32_t end = next && next <= n - at ? at + next : n;
		const uint8_t *b = h + 64;
		uint32_t off = 0, len = 0;
		const uint8_t *fid = NULL;
		if (cmd == 9 && at + 64 + 32 <= end) {   /* WRITE */
			off = le16(b + 2), len = le32(b + 4), fid = b + 16;
		} else if (cmd == 11 && at + 64 + 32 <= end && le32(b + 4) == 0x0011c017) {
			off = le32(b + 24), len = le32(b + 28), fid = b + 8;
		}
		if (fid && off >= 64 && off < end - at) {
			uint32_t avail = end - at - off;
			uint64_t key = kn_hash64(fid, 16, conn) | 1;
			pdu(s, c, p, key, h + off, len < avail ? len : avail);
		}
		if (!next || next < 64 || next > n - at)
			return;
		at += next;
	}
}

/* The key hash of p's TCP connection, as its client sends. */
static uint64_t conn_key(const struct kn_packet *p)
{
	return kn_hash64(p->src.b, 16, kn_hash64(p->dst.b, 16, 0x72706300u + p->sport) +
			 p->dport) | 1;
}

static void dcerpc_packet(void *state, struct kn_detect_call *c, const struct kn_packet *p)
{
	struct dcerpc *s = state;

	uint32_t n;
	const uint8_t *d = det_payload(p, &n);

	if ((p->ip_version != 4 && p->ip_version != 6) || p->proto != 6 || n < 16)
		return;
	/* the connection's key is hashed only for segments that look like
	 * ours: most TCP payload is neither DCE/RPC nor SMB2 */
	if (p->dport == 445) {
		if (d[0] == 0 && !memcmp(d + 4, "\xfeSMB", 4))
			smb2(s, c, p, conn_key(p), d, n);
	} else if (d[0] == 5 && d[1] <= 1) {
		pdu(s, c, p, conn_key(p), d, n);
	}
}

const struct kn_detector kn_detector_dcerpc = {
	.name = "dcerpc",
	.ctx_size = sizeof(struct dcerpc),
	.init = dcerpc_init,
	.fini = dcerpc_fini,
	.packet = dcerpc_packet,
	.memuse = dcerpc_memuse,
};
