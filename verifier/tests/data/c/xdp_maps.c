// XDP program with several map types, a subprogram, a bounded loop and atomics.
#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>

struct lpm_key {
	__u32 prefixlen;
	__u32 addr;
};

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 16);
	__type(key, __u32);
	__type(value, __u64);
} counters SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 128);
	__type(key, __u32);
	__type(value, __u32);
} ports SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_LPM_TRIE);
	__uint(max_entries, 64);
	__uint(map_flags, BPF_F_NO_PREALLOC);
	__type(key, struct lpm_key);
	__type(value, __u32);
} blocklist SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 4);
	__type(key, __u32);
	__type(value, __u64);
} percpu SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_RINGBUF);
	__uint(max_entries, 4096);
} events SEC(".maps");

static __attribute__((noinline)) int bump(__u32 idx, __u64 by)
{
	__u64 *v = bpf_map_lookup_elem(&counters, &idx);
	if (!v)
		return 0;
	__sync_fetch_and_add(v, by);
	return 1;
}

SEC("xdp")
int xdp_filter(struct xdp_md *ctx)
{
	void *data = (void *)(long)ctx->data;
	void *end = (void *)(long)ctx->data_end;
	struct lpm_key key = { .prefixlen = 32 };
	__u64 sum = 0;

	if (data + 34 > end)
		return XDP_PASS;
	key.addr = *(__u32 *)(data + 26);
	if (bpf_map_lookup_elem(&blocklist, &key)) {
		bump(1, 1);
		return XDP_DROP;
	}
	for (int i = 0; i < 16; i++) {
		if (data + 34 + i + 1 > end)
			break;
		sum += *(__u8 *)(data + 34 + i);
	}
	__u32 zero = 0;
	__u64 *pc = bpf_map_lookup_elem(&percpu, &zero);
	if (pc) {
		__u64 old = __sync_fetch_and_add(pc, sum);
		__sync_lock_test_and_set(pc, old + 1);
		__sync_val_compare_and_swap(pc, old, sum);
		__sync_fetch_and_or(pc, 2);
		__sync_fetch_and_xor(pc, 4);
		__sync_fetch_and_and(pc, 0xff);
	}
	__u32 port = sum & 0xffff;
	__u32 *hit = bpf_map_lookup_elem(&ports, &port);
	if (hit) {
		__u32 *ev = bpf_ringbuf_reserve(&events, sizeof(*ev), 0);
		if (ev) {
			*ev = *hit;
			bpf_ringbuf_submit(ev, 0);
		}
	}
	return bump(0, sum) ? XDP_PASS : XDP_ABORTED;
}

char LICENSE[] SEC("license") = "GPL";
