// SPDX-License-Identifier: GPL-2.0
/*
 * Empty programs: what BPF_PROG_TEST_RUN costs per run around a program
 * that does nothing (the benchmark reports it beside the timings).
 */
#include <linux/bpf.h>
#include <linux/pkt_cls.h>
#include <bpf/bpf_helpers.h>

SEC("tc")
int empty_tc(struct __sk_buff *skb)
{
	return TC_ACT_OK;
}

SEC("xdp")
int empty_xdp(struct xdp_md *ctx)
{
	return XDP_PASS;
}

char LICENSE[] SEC("license") = "GPL";
