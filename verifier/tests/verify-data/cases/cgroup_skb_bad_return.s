; cgroup/skb programs must return 0 or 1.
; expect: reject return_value
.section cgroup/skb
    r0 = 5
    exit
