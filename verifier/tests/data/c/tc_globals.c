// Traffic-control programs using global data and a global subprogram.
#include <linux/bpf.h>
#include <linux/pkt_cls.h>
#include <bpf/bpf_helpers.h>

const volatile __u32 mark_value = 0x1234;
__u64 packets = 1;
__u64 dropped;
static const char table[8] = { 1, 2, 3, 5, 8, 13, 21, 34 };

__attribute__((noinline)) int classify_len(__u32 len)
{
	if (len > 1500)
		return TC_ACT_SHOT;
	return TC_ACT_OK;
}

SEC("classifier")
int tc_mark(struct __sk_buff *skb)
{
	skb->mark = mark_value + table[skb->len & 7];
	__sync_fetch_and_add(&packets, 1);
	int verdict = classify_len(skb->len);
	if (verdict == TC_ACT_SHOT)
		dropped++;
	return verdict;
}

SEC("classifier")
int tc_count(struct __sk_buff *skb)
{
	packets += skb->len;
	return TC_ACT_OK;
}

SEC("tc")
int tc_plain(struct __sk_buff *skb)
{
	return skb->protocol == 8 ? TC_ACT_OK : TC_ACT_UNSPEC;
}

char LICENSE[] SEC("license") = "GPL";
