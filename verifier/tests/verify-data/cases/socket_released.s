; The same lookup with the socket released: accepted.
; expect: accept
.section classifier
    r2 = r10
    r2 += -16
    *(u64 *)(r10 - 16) = 0
    *(u64 *)(r10 - 8) = 0
    r3 = 12
    r4 = 0
    r5 = 0
    call 84
    if r0 == 0 goto out
    r1 = r0
    call 86                         ; bpf_sk_release
out:
    r0 = 0
    exit
