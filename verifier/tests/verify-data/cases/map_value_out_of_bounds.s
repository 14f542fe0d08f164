; An 8-byte value read at offset 4.
; expect: reject out_of_bounds
.map counters type=array key_size=4 value_size=8 max_entries=4
.section classifier
    *(u32 *)(r10 - 4) = 0
    r2 = r10
    r2 += -4
    r1 = counters ll
    call 1
    if r0 == 0 goto out
    r0 = *(u64 *)(r0 + 4)
out:
    r0 = 0
    exit
