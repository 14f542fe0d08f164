// SPDX-License-Identifier: GPL-2.0
/*
 * bench/policies/xdp-guard.pol by hand: an XDP program.
 *
 *   drop from blocklist count
 *   pass udp from resolvers port 53
 *   drop udp from port amplifiers count
 *   drop udp to port 11211 count
 *   default pass
 *
 * Counter slots: rule index, then 4 = default, 5 = malformed.
 */
#include "common.h"

ADDR_SET(blocklist_v4, struct lpm_key4);
ADDR_SET(blocklist_v6, struct lpm_key6);
ADDR_SET(resolvers_v4, struct lpm_key4);
ADDR_SET(resolvers_v6, struct lpm_key6);
/* Palisade names maps after the set, cut to 15 bytes. */
PORT_SET(amplifier_ports);
COUNTERS(edge_cnt, 6);

#define SLOT_MALFORMED 5

SEC("xdp")
int edge(struct xdp_md *ctx)
{
	void *data = (void *)(long)ctx->data;
	void *end = (void *)(long)ctx->data_end;
	struct packet p = {}; /* the verifier refuses spills of unset fields */

	switch (parse_packet(data, end, &p)) {
	case PARSE_NOT_IP:
		return XDP_PASS;
	case PARSE_MALFORMED:
		count(&edge_cnt, SLOT_MALFORMED, end - data);
		return XDP_DROP;
	}
	if (in_addr_set(&blocklist_v4, &blocklist_v6, &p, 0)) {
		count(&edge_cnt, 0, end - data);
		return XDP_DROP;
	}
	if (p.protocol != IPPROTO_UDP || !p.has_ports)
		return XDP_PASS;
	if (p.sport == 53 && in_addr_set(&resolvers_v4, &resolvers_v6, &p, 0))
		return XDP_PASS;
	if (in_port_set(&amplifier_ports, p.sport)) {
		count(&edge_cnt, 2, end - data);
		return XDP_DROP;
	}
	if (p.dport == 11211) {
		count(&edge_cnt, 3, end - data);
		return XDP_DROP;
	}
	return XDP_PASS;
}

char LICENSE[] SEC("license") = "GPL";
