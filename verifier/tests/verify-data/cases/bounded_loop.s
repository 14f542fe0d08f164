; A loop with a constant bound is explored to its end and accepted.
; expect: accept
.section socket
    r0 = 0
    r1 = 10
loop:
    r0 += r1
    r1 += -1
    if r1 != 0 goto loop
    r0 = 0
    exit
