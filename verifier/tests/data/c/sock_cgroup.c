// Socket filter, cgroup connect4 and cgroup skb programs.
#include <linux/bpf.h>
#include <linux/in.h>
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_endian.h>

unsigned long long load_byte(void *skb, unsigned long long off) asm("llvm.bpf.load.byte");
unsigned long long load_half(void *skb, unsigned long long off) asm("llvm.bpf.load.half");

SEC("socket")
int sock_filter(struct __sk_buff *skb)
{
	if (load_half(skb, 12) != 0x0800)
		return 0;
	if (load_byte(skb, 23) != IPPROTO_TCP)
		return 0;
	return -1;
}

SEC("cgroup/connect4")
int connect4_rewrite(struct bpf_sock_addr *ctx)
{
	__u16 port = bpf_ntohs(ctx->user_port);

	if (ctx->user_ip4 == bpf_htonl(0x0a60000a) && port < 1024) {
		ctx->user_ip4 = bpf_htonl(0x0a010005);
		ctx->user_port = bpf_htons(port + 8000);
	}
	return 1;
}

SEC("cgroup/skb")
int cgroup_skb_allow(struct __sk_buff *skb)
{
	int i, acc = 0;

	for (i = 0; i < 8; i++)
		acc ^= (skb->len >> i) & 1;
	return acc || skb->protocol != 0;
}

char LICENSE[] SEC("license") = "GPL";
