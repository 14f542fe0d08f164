// SPDX-License-Identifier: GPL-2.0
/*
 * bench/policies/dns-egress.pol by hand: tc program for the pod's egress.
 *
 *   allow udp to cluster_dns port 53
 *   allow tcp to cluster_dns port 53
 *   default deny log
 *
 * Outcome numbers in events: rule index, 2 = default.
 */
#include "common.h"

ADDR_SET(cluster_dns_v4, struct lpm_key4);
ADDR_SET(cluster_dns_v6, struct lpm_key6);
EVENTS(events);

#define OUTCOME_DEFAULT 2

SEC("tc")
int dns_only(struct __sk_buff *skb)
{
	void *data = (void *)(long)skb->data;
	void *end = (void *)(long)skb->data_end;
	struct packet p = {}; /* the verifier refuses spills of unset fields */

	switch (parse_packet(data, end, &p)) {
	case PARSE_NOT_IP:
		return TC_ACT_OK;
	case PARSE_MALFORMED:
		return TC_ACT_SHOT;
	}
	if ((p.protocol == IPPROTO_UDP || p.protocol == IPPROTO_TCP) && p.has_ports &&
	    p.dport == 53 && in_addr_set(&cluster_dns_v4, &cluster_dns_v6, &p, 1))
		return TC_ACT_OK;
	log_event(&events, 0, OUTCOME_DEFAULT, 1, &p);
	return TC_ACT_SHOT;
}

char LICENSE[] SEC("license") = "GPL";
