; A loop whose bound is a random number: its exploration never ends.
; expect: reject unbounded_loop
.section socket
    call 7                          ; bpf_get_prandom_u32
    r1 = 0
loop:
    r1 += 1
    if r1 < r0 goto loop
    r0 = 0
    exit
