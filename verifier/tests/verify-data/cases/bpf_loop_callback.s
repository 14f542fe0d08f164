; bpf_loop runs a callback that counts into the caller's stack.
; expect: accept
.section socket
    *(u64 *)(r10 - 8) = 0
    r1 = 16                         ; iterations
    r2 = count ll                   ; the callback
    r3 = r10
    r3 += -8                        ; its context: a counter on our stack
    r4 = 0
    call 181                        ; bpf_loop
    r0 = 0
    exit
count:
    r0 = *(u64 *)(r2 + 0)
    r0 += 1
    *(u64 *)(r2 + 0) = r0
    r0 = 0
    exit
