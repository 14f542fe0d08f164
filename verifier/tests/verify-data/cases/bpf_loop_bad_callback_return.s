; A bpf_loop callback must return 0 or 1.
; expect: reject return_value
.section socket
    r1 = 4
    r2 = cb ll
    r3 = 0
    r4 = 0
    call 181
    r0 = 0
    exit
cb:
    r0 = 7
    exit
