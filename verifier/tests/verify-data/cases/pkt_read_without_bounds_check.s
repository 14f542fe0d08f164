; An XDP program reads the EtherType without checking data_end first.
; expect: reject out_of_bounds
.section xdp
    r2 = *(u32 *)(r1 + 0)          ; data
    r0 = *(u16 *)(r2 + 12)         ; no comparison with data_end
    r0 = 2
    exit
