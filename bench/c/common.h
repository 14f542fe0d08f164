/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Shared code of the hand-written baselines in bench/c: the packet parser
 * and the map helpers, written the way a careful engineer writes them in
 * C, compiled with clang-16 -O2 -target bpf -mcpu=v3.
 *
 * Semantics follow Palisade's reference (compiler/src/codegen/wire.rs), so
 * the baselines decide every frame as the generated programs do:
 *   - not IP (too short for Ethernet, a VLAN tag cut short, more than two
 *     tags, another EtherType): let through, never counted;
 *   - malformed (IPv4 header short, version != 4, IHL < 5 or past the
 *     frame; IPv6 header short or version != 6; an extension header cut
 *     short or past the frame; a ninth extension header; ports or ICMP
 *     type/code cut short in a packet that is not a non-first fragment):
 *     blocked, counted in the last counter slot when the filter counts;
 *   - non-first fragments have no ports and no ICMP header.
 *
 * Maps use the same layouts as Palisade's (LPM tries keyed
 * {u32 prefixlen; u8 addr[4|16]}, port sets as one 8192-byte bitmap in a
 * one-entry array, per-CPU {packets, bytes} counters, the 48-byte event in
 * a ring buffer), so the benchmark fills both with the same entries and
 * only the code differs.
 */
#ifndef PALISADE_BENCH_COMMON_H
#define PALISADE_BENCH_COMMON_H

#include <linux/bpf.h>
#include <linux/if_ether.h>
#include <linux/in.h>
#include <linux/in6.h>
#include <linux/ip.h>
#include <linux/ipv6.h>
#include <linux/pkt_cls.h>
#include <bpf/bpf_endian.h>
#include <bpf/bpf_helpers.h>

#define MAX_IPV6_EXT_HEADERS 8
#define NEXTHDR_HOP 0
#define NEXTHDR_ROUTING 43
#define NEXTHDR_FRAGMENT 44
#define NEXTHDR_AUTH 51
#define NEXTHDR_DEST 60

/*
 * linux/if_ether.h's struct ethhdr is packed, so clang reads h_proto a byte
 * at a time; a careful engineer declares the header with its natural
 * 2-byte alignment instead.
 */
struct eth_hdr {
	__u8 dst[6];
	__u8 src[6];
	__be16 proto;
};

struct vlan_hdr {
	__be16 tci;
	__be16 encapsulated_proto;
};

struct frag_hdr {
	__u8 nexthdr;
	__u8 reserved;
	__be16 frag_off;
	__be32 identification;
};

struct lpm_key4 {
	__u32 prefixlen;
	__be32 addr;
};

struct lpm_key6 {
	__u32 prefixlen;
	struct in6_addr addr;
};

struct counter {
	__u64 packets;
	__u64 bytes;
};

struct port_bitmap {
	__u8 bits[8192];
};

/* The `log` event (Palisade's layout, 48 bytes). */
struct event {
	__u32 program;
	__u32 outcome;
	__u8 verdict;
	__u8 flags;
	__u8 family;
	__u8 protocol;
	__u16 sport;
	__u16 dport;
	__u8 src[16];
	__u8 dst[16];
};

#define ADDR_SET(name, keytype)                                                \
	struct {                                                               \
		__uint(type, BPF_MAP_TYPE_LPM_TRIE);                           \
		__type(key, keytype);                                          \
		__type(value, __u8);                                           \
		__uint(max_entries, 65536);                                    \
		__uint(map_flags, BPF_F_NO_PREALLOC);                          \
	} name SEC(".maps")

#define PORT_SET(name)                                                         \
	struct {                                                               \
		__uint(type, BPF_MAP_TYPE_ARRAY);                              \
		__type(key, __u32);                                            \
		__type(value, struct port_bitmap);                             \
		__uint(max_entries, 1);                                        \
	} name SEC(".maps")

#define COUNTERS(name, slots)                                                  \
	struct {                                                               \
		__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);                       \
		__type(key, __u32);                                            \
		__type(value, struct counter);                                 \
		__uint(max_entries, slots);                                    \
	} name SEC(".maps")

#define EVENTS(name)                                                           \
	struct {                                                               \
		__uint(type, BPF_MAP_TYPE_RINGBUF);                            \
		__uint(max_entries, 256 * 1024);                               \
	} name SEC(".maps")

enum parse_result {
	PARSE_IP,
	PARSE_NOT_IP,
	PARSE_MALFORMED,
};

struct packet {
	__u8 family; /* 4 or 6 */
	__u8 protocol;
	__u8 has_ports;
	__u8 has_icmp;
	__u16 sport; /* host order, when has_ports */
	__u16 dport;
	__u8 icmp_type; /* when has_icmp */
	__u8 icmp_code;
	/* The IP header, for the addresses (family says which). */
	union {
		const struct iphdr *ip4;
		const struct ipv6hdr *ip6;
	};
};

static __always_inline int parse_transport(void *l4, void *end, struct packet *p,
					   int fragment, __u8 icmp_protocol)
{
	if (fragment)
		return PARSE_IP;
	switch (p->protocol) {
	case IPPROTO_TCP:
	case IPPROTO_UDP:
	case IPPROTO_SCTP: {
		__be16 *ports = l4;
		if ((void *)(ports + 2) > end)
			return PARSE_MALFORMED;
		p->sport = bpf_ntohs(ports[0]);
		p->dport = bpf_ntohs(ports[1]);
		p->has_ports = 1;
		return PARSE_IP;
	}
	default:
		if (p->protocol != icmp_protocol)
			return PARSE_IP;
		__u8 *icmp = l4;
		if ((void *)(icmp + 2) > end)
			return PARSE_MALFORMED;
		p->icmp_type = icmp[0];
		p->icmp_code = icmp[1];
		p->has_icmp = 1;
		return PARSE_IP;
	}
}

static __always_inline int parse_ipv4(void *l3, void *end, struct packet *p)
{
	struct iphdr *ip = l3;
	if ((void *)(ip + 1) > end)
		return PARSE_MALFORMED;
	if (ip->version != 4 || ip->ihl < 5)
		return PARSE_MALFORMED;
	void *l4 = l3 + ip->ihl * 4;
	if (l4 > end)
		return PARSE_MALFORMED;
	p->family = 4;
	p->protocol = ip->protocol;
	p->ip4 = ip;
	int fragment = (ip->frag_off & bpf_htons(0x1fff)) != 0;
	return parse_transport(l4, end, p, fragment, IPPROTO_ICMP);
}

static __always_inline int parse_ipv6(void *l3, void *end, struct packet *p)
{
	struct ipv6hdr *ip6 = l3;
	if ((void *)(ip6 + 1) > end)
		return PARSE_MALFORMED;
	if (ip6->version != 6)
		return PARSE_MALFORMED;
	p->family = 6;
	p->ip6 = ip6;
	__u8 next = ip6->nexthdr;
	void *cur = ip6 + 1;
	int fragment = 0;
	for (int i = 0; i <= MAX_IPV6_EXT_HEADERS; i++) {
		if (next == NEXTHDR_FRAGMENT) {
			struct frag_hdr *fh = cur;
			if (i == MAX_IPV6_EXT_HEADERS || (void *)(fh + 1) > end)
				return PARSE_MALFORMED;
			next = fh->nexthdr;
			cur = fh + 1;
			if (fh->frag_off & bpf_htons(0xfff8)) {
				fragment = 1;
				break;
			}
			continue;
		}
		int auth = next == NEXTHDR_AUTH;
		if (!auth && next != NEXTHDR_HOP && next != NEXTHDR_ROUTING && next != NEXTHDR_DEST)
			break;
		struct ipv6_opt_hdr *h = cur;
		if ((void *)(h + 1) > end)
			return PARSE_MALFORMED;
		/* AH counts 4-byte units minus 2, the others 8-byte units minus 1. */
		__u32 len = auth ? (h->hdrlen + 2) * 4 : (h->hdrlen + 1) * 8;
		if (i == MAX_IPV6_EXT_HEADERS || cur + len > end)
			return PARSE_MALFORMED;
		next = h->nexthdr;
		cur += len;
	}
	p->protocol = next;
	return parse_transport(cur, end, p, fragment, IPPROTO_ICMPV6);
}

/*
 * Ethernet and up to two VLAN tags (802.1Q or 802.1ad, in any order), then
 * IPv4/IPv6 and the transport fields into `p`, which the caller zeroes.
 */
static __always_inline int parse_packet(void *data, void *end, struct packet *p)
{
	struct eth_hdr *eth = data;
	if ((void *)(eth + 1) > end)
		return PARSE_NOT_IP;
	__be16 proto = eth->proto;
	void *cur = eth + 1;
#pragma unroll
	for (int i = 0; i < 2; i++) {
		if (proto != bpf_htons(ETH_P_8021Q) && proto != bpf_htons(ETH_P_8021AD))
			break;
		struct vlan_hdr *vh = cur;
		if ((void *)(vh + 1) > end)
			return PARSE_NOT_IP;
		proto = vh->encapsulated_proto;
		cur = vh + 1;
	}
	if (proto == bpf_htons(ETH_P_IP))
		return parse_ipv4(cur, end, p);
	if (proto == bpf_htons(ETH_P_IPV6))
		return parse_ipv6(cur, end, p);
	return PARSE_NOT_IP;
}

/* Whether the source (or destination) address is in a named address set. */
static __always_inline int in_addr_set(void *set4, void *set6, const struct packet *p,
				       int dst)
{
	if (p->family == 4) {
		struct lpm_key4 key = {
			.prefixlen = 32,
			.addr = dst ? p->ip4->daddr : p->ip4->saddr,
		};
		return bpf_map_lookup_elem(set4, &key) != 0;
	}
	struct lpm_key6 key = {
		.prefixlen = 128,
		.addr = dst ? p->ip6->daddr : p->ip6->saddr,
	};
	return bpf_map_lookup_elem(set6, &key) != 0;
}

/* Whether `port` is in a named port set (a 65536-bit bitmap). */
static __always_inline int in_port_set(void *set, __u16 port)
{
	__u32 zero = 0;
	struct port_bitmap *bm = bpf_map_lookup_elem(set, &zero);
	if (!bm)
		return 0;
	return (bm->bits[port >> 3] >> (port & 7)) & 1;
}

static __always_inline void count(void *counters, __u32 slot, __u64 bytes)
{
	struct counter *c = bpf_map_lookup_elem(counters, &slot);
	if (c) {
		c->packets += 1;
		c->bytes += bytes;
	}
}

static __always_inline void log_event(void *events, __u32 program, __u32 outcome, int blocks,
				      const struct packet *p)
{
	struct event ev = {
		.program = program,
		.outcome = outcome,
		.verdict = blocks,
		.family = p->family,
		.protocol = p->protocol,
		.sport = p->has_ports ? p->sport : p->has_icmp ? p->icmp_type : 0,
		.dport = p->has_ports ? p->dport : p->has_icmp ? p->icmp_code : 0,
	};
	if (p->family == 4) {
		__builtin_memcpy(ev.src, &p->ip4->saddr, 4);
		__builtin_memcpy(ev.dst, &p->ip4->daddr, 4);
	} else {
		__builtin_memcpy(ev.src, &p->ip6->saddr, 16);
		__builtin_memcpy(ev.dst, &p->ip6->daddr, 16);
	}
	bpf_ringbuf_output(events, &ev, sizeof(ev), 0);
}

#endif
