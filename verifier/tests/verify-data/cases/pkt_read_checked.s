; The safe version: 14 bytes proved, 2 bytes read at 12.
; expect: accept
.section xdp
    r2 = *(u32 *)(r1 + 0)
    r3 = *(u32 *)(r1 + 4)
    r4 = r2
    r4 += 14
    if r4 > r3 goto out
    r0 = *(u16 *)(r2 + 12)
out:
    r0 = 2
    exit
