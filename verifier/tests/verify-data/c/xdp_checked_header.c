// The same program with the IPv4 header checked.
// expect: accept
#include <linux/bpf.h>
#define SEC(n) __attribute__((section(n), used))

SEC("xdp") int parse(struct xdp_md *ctx)
{
	unsigned char *data = (unsigned char *)(long)ctx->data;
	unsigned char *end = (unsigned char *)(long)ctx->data_end;

	if (data + 34 > end)
		return XDP_PASS;
	if (data[14 + 9] == 17)
		return XDP_DROP;
	return XDP_PASS;
}
char _license[] SEC("license") = "GPL";
