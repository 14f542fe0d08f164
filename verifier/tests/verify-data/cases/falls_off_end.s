; The last instruction is not an exit.
; expect: reject falls_off_end
.section socket
    r0 = 0
