; The check proves 14 bytes, the load reads bytes 12..16.
; expect: reject out_of_bounds
.section xdp
    r2 = *(u32 *)(r1 + 0)
    r3 = *(u32 *)(r1 + 4)
    r4 = r2
    r4 += 14
    if r4 > r3 goto out
    r0 = *(u32 *)(r2 + 12)
out:
    r0 = 2
    exit
