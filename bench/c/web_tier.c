// SPDX-License-Identifier: GPL-2.0
/*
 * bench/policies/web-tier.pol by hand: tc program for the pod's ingress.
 *
 *   deny from blocked count log
 *   allow tcp to port web_ports
 *   allow tcp from nodes to port 8081
 *   allow icmp type echo-request from nodes
 *   allow icmpv6 type echo-request from nodes
 *   allow icmpv6 type neighbor-solicitation
 *   allow icmpv6 type neighbor-advertisement
 *   default deny
 *
 * Counter slots: rule index, then 7 = default, 8 = malformed.
 */
#include "common.h"

ADDR_SET(nodes_v4, struct lpm_key4);
ADDR_SET(nodes_v6, struct lpm_key6);
ADDR_SET(blocked_v4, struct lpm_key4);
ADDR_SET(blocked_v6, struct lpm_key6);
PORT_SET(web_ports_ports);
COUNTERS(web_cnt, 9);
EVENTS(events);

#define SLOT_MALFORMED 8

SEC("tc")
int web(struct __sk_buff *skb)
{
	void *data = (void *)(long)skb->data;
	void *end = (void *)(long)skb->data_end;
	struct packet p = {}; /* the verifier refuses spills of unset fields */

	switch (parse_packet(data, end, &p)) {
	case PARSE_NOT_IP:
		return TC_ACT_OK;
	case PARSE_MALFORMED:
		count(&web_cnt, SLOT_MALFORMED, skb->len);
		return TC_ACT_SHOT;
	}
	if (in_addr_set(&blocked_v4, &blocked_v6, &p, 0)) {
		count(&web_cnt, 0, skb->len);
		log_event(&events, 0, 0, 1, &p);
		return TC_ACT_SHOT;
	}
	if (p.protocol == IPPROTO_TCP) {
		if (!p.has_ports)
			return TC_ACT_SHOT;
		if (in_port_set(&web_ports_ports, p.dport))
			return TC_ACT_OK;
		if (p.dport == 8081 && in_addr_set(&nodes_v4, &nodes_v6, &p, 0))
			return TC_ACT_OK;
		return TC_ACT_SHOT;
	}
	if (!p.has_icmp)
		return TC_ACT_SHOT;
	if (p.family == 4) {
		/* has_icmp: protocol is ICMP */
		if (p.icmp_type == 8 && in_addr_set(&nodes_v4, &nodes_v6, &p, 0))
			return TC_ACT_OK;
		return TC_ACT_SHOT;
	}
	/* ICMPv6 */
	if (p.icmp_type == 128 && in_addr_set(&nodes_v4, &nodes_v6, &p, 0))
		return TC_ACT_OK;
	if (p.icmp_type == 135 || p.icmp_type == 136)
		return TC_ACT_OK;
	return TC_ACT_SHOT;
}

char LICENSE[] SEC("license") = "GPL";
