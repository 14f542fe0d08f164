// A program stores into the bpf_spin_lock inside a map value.
// expect: reject invalid_access
#include <linux/bpf.h>
#define SEC(n) __attribute__((section(n), used))
struct val {
	int x;
	struct bpf_spin_lock lock;
};
struct {
	int (*type)[BPF_MAP_TYPE_ARRAY];
	int (*max_entries)[1];
	int *key;
	struct val *value;
} m SEC(".maps");
static void *(*lookup)(void *, const void *) = (void *)1;

SEC("tc") int touch_lock(struct __sk_buff *skb)
{
	int k = 0;
	struct val *v = lookup(&m, &k);

	if (!v)
		return 0;
	*(volatile unsigned int *)&v->lock = 5;
	return 0;
}
char _license[] SEC("license") = "GPL";
