; Division by the constant 0.
; expect: reject div_by_zero
.section socket
    r0 = 10
    r0 /= 0
    exit
