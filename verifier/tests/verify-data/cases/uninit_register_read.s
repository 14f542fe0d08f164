; r2 is never written.
; expect: reject uninit_register
.section socket
    r0 = r2
    exit
