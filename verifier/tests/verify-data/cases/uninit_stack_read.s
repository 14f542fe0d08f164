; Reads a stack slot that was never written.
; expect: reject uninit_stack
.section socket
    r0 = *(u64 *)(r10 - 8)
    r0 = 0
    exit
