; Masking a pointer is not allowed.
; expect: reject pointer_arithmetic
.section socket
    r2 = r10
    r2 &= 0xff
    r0 = 0
    exit
