// ISA v4 instructions: signed division, movsx, sign-extending loads, bswap,
// and (with -mcpu=v4) gotol for a jump over more than 32767 slots.
#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>

SEC("xdp")
int v4_alu(struct xdp_md *ctx)
{
	void *data = (void *)(long)ctx->data;
	void *end = (void *)(long)ctx->data_end;
	long a, b;

	if (data + 16 > end)
		return XDP_PASS;
	a = *(signed char *)data;            /* ldsx b */
	b = *(short *)(data + 2);            /* ldsx h */
	a += *(int *)(data + 4);             /* ldsx w */
	a -= *(volatile short *)(data + 14); /* ldsx h */
	if (b == 0)
		b = 1;
	a = a / b + a % b;                   /* sdiv, smod */
	int w = (int)a;
	w = w / (int)(b | 1) + w % 7;        /* sdiv32, smod32 */
	long c = (signed char)w + (short)a;  /* movsx */
	c += (int)b;
	__u64 x = *(__u64 *)(data + 8);
	*(__u64 *)(data + 8) = __builtin_bswap64(x + c);       /* bswap64 */
	*(__u32 *)(data + 4) = __builtin_bswap32((__u32)c * 3); /* bswap32 */
	*(__u16 *)(data + 2) = __builtin_bswap16((__u16)w * 5); /* bswap16 */
	return (int)(x & 3);
}

#define R8(x) x x x x x x x x
#define R64(x) R8(R8(x))
#define R4096(x) R64(R64(x))

SEC("socket")
int v4_long_jump(struct __sk_buff *skb)
{
	volatile __u32 acc = skb->len;

	if (skb->len > 1000)
		goto out;
	/* about 3 slots per step: the jump above spans more than 32767 slots */
	R4096(acc = acc * 3 + 1;)
	R4096(acc = acc * 5 + 7;)
	R4096(acc = acc ^ (acc >> 3);)
out:
	return acc & 1;
}

char LICENSE[] SEC("license") = "GPL";
