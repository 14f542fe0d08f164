; A socket from bpf_sk_lookup_tcp is never released.
; expect: reject reference_leak
.section classifier
    r2 = r10
    r2 += -16
    *(u64 *)(r10 - 16) = 0
    *(u64 *)(r10 - 8) = 0
    r3 = 12
    r4 = 0
    r5 = 0
    call 84                         ; bpf_sk_lookup_tcp
    r0 = 0
    exit
