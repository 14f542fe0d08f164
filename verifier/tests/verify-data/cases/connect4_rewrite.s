; A cgroup/connect4 program rewrites the destination port.
; expect: accept
.section cgroup/connect4
    r2 = *(u32 *)(r1 + 24)          ; user_port
    if r2 != 0x5000 goto out        ; port 80 in network order
    r2 = 0x401f                     ; port 8000
    *(u32 *)(r1 + 24) = r2
out:
    r0 = 1
    exit
