; The same lookup with the NULL check: accepted.
; expect: accept
.map counters type=array key_size=4 value_size=8 max_entries=4
.section classifier
    *(u32 *)(r10 - 4) = 0
    r2 = r10
    r2 += -4
    r1 = counters ll
    call 1
    if r0 == 0 goto out
    r1 = 1
    lock *(u64 *)(r0 + 0) += r1
out:
    r0 = 0
    exit
