; Writes below the 512-byte frame.
; expect: reject out_of_bounds
.section socket
    *(u64 *)(r10 - 520) = 0
    r0 = 0
    exit
