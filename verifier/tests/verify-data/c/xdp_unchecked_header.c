// An XDP program reads the IPv4 protocol after checking only the
// Ethernet header.
// expect: reject out_of_bounds
#include <linux/bpf.h>
#define SEC(n) __attribute__((section(n), used))

SEC("xdp") int parse(struct xdp_md *ctx)
{
	unsigned char *data = (unsigned char *)(long)ctx->data;
	unsigned char *end = (unsigned char *)(long)ctx->data_end;

	if (data + 14 > end)
		return XDP_PASS;
	if (data[14 + 9] == 17)
		return XDP_DROP;
	return XDP_PASS;
}
char _license[] SEC("license") = "GPL";
