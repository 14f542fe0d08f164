; Instructions after the exit are never reached.
; expect: reject unreachable
.section socket
    r0 = 0
    exit
    r0 = 1
    exit
