; The lookup result may be NULL and is dereferenced unchecked.
; expect: reject maybe_null
.map counters type=array key_size=4 value_size=8 max_entries=4
.section classifier
    *(u32 *)(r10 - 4) = 0
    r2 = r10
    r2 += -4
    r1 = counters ll
    call 1                          ; bpf_map_lookup_elem
    r1 = *(u64 *)(r0 + 0)
    r0 = 0
    exit
