; skb->len is read only for tc programs.
; expect: reject ctx_access
.section classifier
    r2 = 0
    *(u32 *)(r1 + 0) = r2
    r0 = 0
    exit
