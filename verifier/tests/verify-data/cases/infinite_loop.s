; A loop that comes back to the same state.
; expect: reject infinite_loop
.section socket
    r0 = 0
loop:
    r1 = 1
    if r0 == 0 goto loop
    exit
