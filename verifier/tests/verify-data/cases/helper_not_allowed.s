; Socket filters cannot change packet bytes.
; expect: reject helper_not_allowed
.section socket
    *(u32 *)(r10 - 4) = 0
    r2 = 0
    r3 = r10
    r3 += -4
    r4 = 4
    r5 = 0
    call 9                          ; bpf_skb_store_bytes
    r0 = 0
    exit
