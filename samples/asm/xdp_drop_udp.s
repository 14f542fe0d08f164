; Drop IPv4 UDP packets, pass everything else (an XDP program).
.license "GPL"
.section xdp
.globl drop_udp
drop_udp:
    r2 = *(u32 *)(r1 + 0x0)        ; data
    r3 = *(u32 *)(r1 + 0x4)        ; data_end
    r4 = r2
    r4 += 34                       ; Ethernet (14) + IPv4 header (20)
    if r4 > r3 goto pass
    r5 = *(u16 *)(r2 + 12)         ; EtherType
    if r5 != 0x8 goto pass         ; 0x0800 in network order
    r5 = *(u8 *)(r2 + 23)          ; IPv4 protocol
    if r5 != 17 goto pass
    r0 = 1                         ; XDP_DROP
    exit
pass:
    r0 = 2                         ; XDP_PASS
    exit
