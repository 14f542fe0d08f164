; A pointer spilled with a 4-byte store.
; expect: reject invalid_access
.section socket
    *(u32 *)(r10 - 8) = r1
    r0 = 0
    exit
