/*
 * rpc_recon.c - the "rpc_recon" behaviour detector: reconnaissance over
 * DCE/RPC, the discovery step of an intrusion into a Windows network.
 *
 * An endpoint mapper dump (impacket's rpcdump, Windows' rpcdump/portqry
 * -e 135): a client asks the endpoint mapper of a host (TCP port 135, the
 * EPM interface e1af8308-5d1f-11c9-91a4-08002b14a0fa) for every
 * registered endpoint with ept_lookup (opnum 2) and inquiry type
 * RPC_C_EP_ALL_ELTS (0), learning which RPC services the host runs and
 * where. An ordinary client asks for the one interface it needs with
 * ept_map (opnum 3), or ept_lookup for one interface or object.
 *
 * The connection-oriented PDUs (DCE 1.1 RPC, C706 chapter 12; both byte
 * orders of the data representation) are read from TCP segments to port
 * 135 that start with one: bind and alter_context name the interface of
 * each presentation context; a request carries its context and opnum.
 * Per connection, in a fixed table (det_net.h), the contexts (ids 0..31)
 * bound to the endpoint mapper, so an opnum 2 of another interface on the
 * same port (DCOM's IObjectExporter::ComplexPing) is not taken for one.
 * A connection whose bind was not seen is not judged. The client is
 * reported, as the finding's subject, at its first such lookup
 * (RPC_ENDPOINT_DUMP, score 0.5); the context's rate limit keeps one
 * report per client per repeat_s while the dump pages on.
 */
#include <stdio.h>
#include <string.h>

#include "det_net.h"
#include "kenchi/detector.h"
#include "util/hash.h"
#include "util/json.h"

#define EPM_PORT 135
#define PTYPE_REQUEST 0
#define PTYPE_BIND 11
#define PTYPE_ALTER_CONTEXT 14
#define PFC_OBJECT_UUID 0x80
#define OPNUM_EPT_LOOKUP 2
#define RPC_C_EP_ALL_ELTS 0

/* The endpoint mapper's interface UUID as it appears on the wire in
 * little-endian data representation, and in big-endian. */
static const uint8_t epm_le[16] = { 0x08, 0x83, 0xaf, 0xe1, 0x1f, 0x5d, 0xc9, 0x11,
				    0x91, 0xa4, 0x08, 0x00, 0x2b, 0x14, 0xa0, 0xfa };
static const uint8_t epm_be[16] = { 0xe1, 0xaf, 0x83, 0x08, 0x5d, 0x1f, 0x11, 0xc9,
				    0x91, 0xa4, 0x08, 0x00, 0x2b, 0x14, 0xa0, 0xfa };

struct conn {
	struct det_slot slot;
	uint32_t epm_ctx;   /* bit i: presentation context i is the endpoint mapper */
	uint32_t lookups;   /* ept_lookup(all) requests on this connection */
};

struct recon {
	struct det_table conns;
};

static int recon_init(void *state, const struct kn_detect_config *cfg, uint64_t budget,
		      char *errbuf)
{
	struct recon *s = state;

	(void)cfg;
	if (det_table_init(&s->conns, budget, sizeof(struct conn)) != 0) {
		snprintf(errbuf, KN_ERRBUF_SIZE, "rpc_recon: out of memory (connection table)");
		return -KN_ENOMEM;
	}
	return 0;
}

static void recon_fini(void *state)
{
	det_table_fini(&((struct recon *)state)->conns);
}

static uint64_t recon_memuse(const void *state)
{
	return det_table_memuse(&((const struct recon *)state)->conns);
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

/* bind / alter_context: mark the contexts whose abstract syntax is the
 * endpoint mapper's (and clear the others it redefines). */
static void bind_pdu(struct conn *e, const uint8_t *d, uint32_t n, int le)
{
	if (n < 28)
		return;
	unsigned count = d[24];
	uint32_t at = 28;
	for (unsigned i = 0; i < count && at + 24 <= n; i++) {
		unsigned id = rd16(d + at, le);
		unsigned ntransfer = d[at + 2];
		if (id < 32) {
			int epm = !memcmp(d + at + 4, le ? epm_le : epm_be, 16);
			e->epm_ctx = epm ? e->epm_ctx | 1u << id : e->epm_ctx & ~(1u << id);
		}
		at += 24 + 20 * ntransfer;
	}
}

struct finding {
	char client[48], server[48];
	uint32_t max_ents, lookups;
};

static void evidence(const void *arg, struct kn_json *j)
{
	const struct finding *f = arg;

	kn_json_str(j, "client", f->client);
	kn_json_str(j, "server", f->server);
	kn_json_str(j, "interface", "epm");
	kn_json_str(j, "operation", "ept_lookup");
	kn_json_str(j, "inquiry", "all");
	kn_json_u64(j, "max_entries", f->max_ents);
	kn_json_u64(j, "lookups", f->lookups);
}

/* The ept_lookup stub (NDR): inquiry_type, object (unique pointer to a
 * UUID), interface id (unique pointer to UUID + 2 versions), vers_option,
 * entry_handle (20 bytes), max_ents. 1 with *max_ents when it asks for
 * all elements. */
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

static void recon_packet(void *state, struct kn_detect_call *c, const struct kn_packet *p)
{
	struct recon *s = state;
	int v6 = p->ip_version == 6;

	if ((p->ip_version != 4 && !v6) || p->proto != 6 || p->dport != EPM_PORT ||
	    p->payload_len < 16 || !p->data || p->payload_off > p->caplen)
		return;
	const uint8_t *d = p->data + p->payload_off;
	uint32_t n = p->caplen - p->payload_off;
	if (n > p->payload_len)
		n = p->payload_len;
	if (n < 16 || d[0] != 5 || d[1] > 1 ||
	    (d[2] != PTYPE_BIND && d[2] != PTYPE_ALTER_CONTEXT && d[2] != PTYPE_REQUEST))
		return;
	int le = (d[4] & 0x10) != 0;
	uint32_t frag = rd16(d + 8, le);
	if (frag < 16)
		return;
	if (n > frag)
		n = frag;
	uint64_t h = kn_hash64(p->src.b, 16, kn_hash64(p->dst.b, 16, 0x72706300u + p->sport)) | 1;
	if (d[2] != PTYPE_REQUEST) {
		bind_pdu(det_table_find(&s->conns, h, p->ts_ns, 1, NULL), d, n, le);
		return;
	}
	struct conn *e = det_table_find(&s->conns, h, p->ts_ns, 0, NULL);
	if (!e || n < 24 || rd16(d + 22, le) != OPNUM_EPT_LOOKUP)
		return;
	unsigned ctx = rd16(d + 20, le);
	uint32_t stub = 24 + ((d[3] & PFC_OBJECT_UUID) ? 16 : 0);
	struct finding f = { .max_ents = 0 };
	if (ctx >= 32 || !(e->epm_ctx & 1u << ctx) || stub > n ||
	    !lookup_all(d + stub, n - stub, le, &f.max_ents))
		return;
	f.lookups = ++e->lookups;
	kn_detect_addr_text(&p->src, v6, f.client, sizeof f.client);
	kn_detect_addr_text(&p->dst, v6, f.server, sizeof f.server);
	char why[300];
	snprintf(why, sizeof why, "%s asked the endpoint mapper of %s for every registered RPC "
		 "endpoint (ept_lookup, all elements): an RPC endpoint dump, the discovery of "
		 "which services a Windows host runs", f.client, f.server);
	struct kn_detection r = {
		.event = "RPC_ENDPOINT_DUMP", .score = 0.5, .key = f.client, .explanation = why,
		.flow = p->flow, .dir = p->dir, .subject = p->src, .subject_set = 1,
		.subject_v6 = (uint8_t)v6, .evidence = evidence, .arg = &f };
	kn_detect_report(c, &r);
}

const struct kn_detector kn_detector_rpc_recon = {
	.name = "rpc_recon",
	.ctx_size = sizeof(struct recon),
	.init = recon_init,
	.fini = recon_fini,
	.packet = recon_packet,
	.memuse = recon_memuse,
};
