//! Context emulation: the structs the kernel passes in `r1`, laid out at the
//! kernel's UAPI offsets (64-bit little endian), and the inputs they are
//! built from.
//!
//! * [`Frame`] + [`PacketHook`]: `struct __sk_buff` (tc, socket filter,
//!   cgroup skb, lwt) or `struct xdp_md` (XDP), with `data`/`data_end`/
//!   `data_meta` as packet pointers.
//!
//! The context is built as `BPF_PROG_TEST_RUN` builds it from the same
//! frame, so both engines agree: tc and XDP programs see the frame from
//! its Ethernet header; socket filters, cgroup skb and lwt programs see it
//! from the network header (`eth_type_trans` pulled 14 bytes), and
//! `skb->len` counts from there. `skb->protocol` and `skb->pkt_type` are
//! what `eth_type_trans` derives on the loopback device; the default
//! device is loopback (`ifindex` 1).
//! * [`SockAddr`]: `struct bpf_sock_addr` for cgroup connect/sendmsg/bind
//!   hooks; writes to `user_ip4`/`user_ip6`/`user_port` come back to the
//!   caller, and `ctx->sk` points at a read-only `struct bpf_sock`.
//!
//! Invariants (checked by the memory layer, `super::memory`):
//! * Loads may read any byte inside the struct; unused fields read as 0.
//!   A pointer field must be loaded whole (4 bytes for packet pointers, 8
//!   for `sk`), and yields a VM address, not the bytes of the struct.
//! * Stores are allowed only inside the writable fields of the hook (the
//!   kernel's `is_valid_access` write rules); anything else is `ReadOnly`.
//! * `data_meta == data`: the VM has no metadata area (no
//!   `bpf_xdp_adjust_meta`).

use std::net::{IpAddr, Ipv4Addr, Ipv6Addr, SocketAddr};

/// The largest context struct (`__sk_buff`).
pub const CTX_MAX: usize = 192;
/// `sizeof(struct bpf_sock)`.
pub const SOCK_SIZE: usize = 80;

/// What a pointer field of the context points at.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum PtrField {
    Data,
    DataEnd,
    DataMeta,
    Sock,
}

/// A pointer field at `offset`, `size` bytes wide in the struct.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct PointerField {
    pub offset: u32,
    pub size: u32,
    pub field: PtrField,
}

/// The shape of a context struct: its size, pointer fields and writable
/// byte ranges `(start, len)`.
#[derive(Debug, PartialEq, Eq)]
pub struct CtxLayout {
    pub name: &'static str,
    pub size: u32,
    pub pointers: &'static [PointerField],
    pub writable: &'static [(u32, u32)],
}

impl CtxLayout {
    /// The pointer field that `offset..offset + size` overlaps, if any.
    pub fn pointer_overlapping(&self, offset: u32, size: u32) -> Option<PointerField> {
        let end = offset as u64 + size as u64;
        self.pointers
            .iter()
            .find(|p| (offset as u64) < p.offset as u64 + p.size as u64 && end > p.offset as u64)
            .copied()
    }

    /// Whether `offset..offset + size` lies inside one writable field.
    pub fn writable(&self, offset: u32, size: u32) -> bool {
        let end = offset as u64 + size as u64;
        self.writable
            .iter()
            .any(|&(s, l)| offset >= s && end <= s as u64 + l as u64)
    }
}

/// No context (raw memory runs).
pub(crate) static NO_CTX: CtxLayout = CtxLayout {
    name: "none",
    size: 0,
    pointers: &[],
    writable: &[],
};

/// `struct __sk_buff` field offsets.
pub mod skb {
    pub const LEN: u32 = 0;
    pub const PKT_TYPE: u32 = 4;
    pub const MARK: u32 = 8;
    pub const QUEUE_MAPPING: u32 = 12;
    pub const PROTOCOL: u32 = 16;
    pub const VLAN_PRESENT: u32 = 20;
    pub const VLAN_TCI: u32 = 24;
    pub const VLAN_PROTO: u32 = 28;
    pub const PRIORITY: u32 = 32;
    pub const INGRESS_IFINDEX: u32 = 36;
    pub const IFINDEX: u32 = 40;
    pub const TC_INDEX: u32 = 44;
    pub const CB: u32 = 48;
    pub const HASH: u32 = 68;
    pub const TC_CLASSID: u32 = 72;
    pub const DATA: u32 = 76;
    pub const DATA_END: u32 = 80;
    pub const NAPI_ID: u32 = 84;
    pub const DATA_META: u32 = 140;
    pub const TSTAMP: u32 = 152;
    pub const WIRE_LEN: u32 = 160;
    pub const GSO_SEGS: u32 = 164;
    pub const SK: u32 = 168;
    pub const GSO_SIZE: u32 = 176;
}

/// `struct xdp_md` field offsets.
pub mod xdp {
    pub const DATA: u32 = 0;
    pub const DATA_END: u32 = 4;
    pub const DATA_META: u32 = 8;
    pub const INGRESS_IFINDEX: u32 = 12;
    pub const RX_QUEUE_INDEX: u32 = 16;
    pub const EGRESS_IFINDEX: u32 = 20;
}

/// `struct bpf_sock_addr` field offsets.
pub mod sock_addr {
    pub const USER_FAMILY: u32 = 0;
    pub const USER_IP4: u32 = 4;
    pub const USER_IP6: u32 = 8;
    pub const USER_PORT: u32 = 24;
    pub const FAMILY: u32 = 28;
    pub const TYPE: u32 = 32;
    pub const PROTOCOL: u32 = 36;
    pub const SK: u32 = 64;
}

const SKB_POINTERS: &[PointerField] = &[
    PointerField {
        offset: skb::DATA,
        size: 4,
        field: PtrField::Data,
    },
    PointerField {
        offset: skb::DATA_END,
        size: 4,
        field: PtrField::DataEnd,
    },
    PointerField {
        offset: skb::DATA_META,
        size: 4,
        field: PtrField::DataMeta,
    },
];

static SKB_TC: CtxLayout = CtxLayout {
    name: "__sk_buff",
    size: 192,
    pointers: SKB_POINTERS,
    writable: &[
        (skb::MARK, 4),
        (skb::QUEUE_MAPPING, 4),
        (skb::PRIORITY, 4),
        (skb::TC_INDEX, 4),
        (skb::CB, 20),
        (skb::TC_CLASSID, 4),
        (skb::TSTAMP, 8),
    ],
};

static SKB_CGROUP: CtxLayout = CtxLayout {
    name: "__sk_buff",
    size: 192,
    pointers: SKB_POINTERS,
    writable: &[
        (skb::MARK, 4),
        (skb::PRIORITY, 4),
        (skb::CB, 20),
        (skb::TSTAMP, 8),
    ],
};

static SKB_LWT: CtxLayout = CtxLayout {
    name: "__sk_buff",
    size: 192,
    pointers: SKB_POINTERS,
    writable: &[(skb::MARK, 4), (skb::PRIORITY, 4), (skb::CB, 20)],
};

static SKB_SOCKET_FILTER: CtxLayout = CtxLayout {
    name: "__sk_buff",
    size: 192,
    pointers: SKB_POINTERS,
    writable: &[(skb::CB, 20)],
};

static XDP_MD: CtxLayout = CtxLayout {
    name: "xdp_md",
    size: 24,
    pointers: &[
        PointerField {
            offset: xdp::DATA,
            size: 4,
            field: PtrField::Data,
        },
        PointerField {
            offset: xdp::DATA_END,
            size: 4,
            field: PtrField::DataEnd,
        },
        PointerField {
            offset: xdp::DATA_META,
            size: 4,
            field: PtrField::DataMeta,
        },
    ],
    writable: &[],
};

const SOCK_ADDR_POINTERS: &[PointerField] = &[PointerField {
    offset: sock_addr::SK,
    size: 8,
    field: PtrField::Sock,
}];

static SOCK_ADDR4: CtxLayout = CtxLayout {
    name: "bpf_sock_addr",
    size: 72,
    pointers: SOCK_ADDR_POINTERS,
    writable: &[(sock_addr::USER_IP4, 4), (sock_addr::USER_PORT, 4)],
};

static SOCK_ADDR6: CtxLayout = CtxLayout {
    name: "bpf_sock_addr",
    size: 72,
    pointers: SOCK_ADDR_POINTERS,
    writable: &[(sock_addr::USER_IP6, 16), (sock_addr::USER_PORT, 4)],
};

/// The packet hooks: which context struct the program sees.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum PacketHook {
    /// tc (`classifier`, `sched_cls`/`sched_act`): `__sk_buff`.
    Tc,
    /// `socket` filters: `__sk_buff`, only `cb` writable.
    SocketFilter,
    /// `cgroup_skb/ingress|egress`: `__sk_buff`.
    CgroupSkb,
    /// `xdp`: `xdp_md`.
    Xdp,
    /// `lwt_in`, `lwt_out`, `lwt_xmit`, `lwt_seg6local`: `__sk_buff`.
    Lwt,
}

impl PacketHook {
    pub(crate) fn layout(self) -> &'static CtxLayout {
        match self {
            PacketHook::Tc => &SKB_TC,
            PacketHook::SocketFilter => &SKB_SOCKET_FILTER,
            PacketHook::CgroupSkb => &SKB_CGROUP,
            PacketHook::Xdp => &XDP_MD,
            PacketHook::Lwt => &SKB_LWT,
        }
    }

    /// Where the program's packet starts in a frame of `len` bytes: after
    /// the Ethernet header for hooks that run at layer 3.
    pub fn data_offset(self, len: usize) -> usize {
        match self {
            PacketHook::SocketFilter | PacketHook::CgroupSkb | PacketHook::Lwt
                if len >= ETH_HLEN =>
            {
                ETH_HLEN
            }
            _ => 0,
        }
    }

    /// Whether the context is a `__sk_buff` (legacy `ld_abs` loads work).
    pub fn is_skb(self) -> bool {
        self != PacketHook::Xdp
    }

    /// The name of the verdict `r0` stands for in this hook
    /// (`XDP_PASS`, `TC_ACT_SHOT`), if it has one.
    pub fn verdict_name(self, r0: u64) -> Option<&'static str> {
        match self {
            PacketHook::Xdp => [
                "XDP_ABORTED",
                "XDP_DROP",
                "XDP_PASS",
                "XDP_TX",
                "XDP_REDIRECT",
            ]
            .get(usize::try_from(r0 as u32).ok()?)
            .copied(),
            PacketHook::Tc => {
                if r0 as i32 == -1 {
                    return Some("TC_ACT_UNSPEC");
                }
                [
                    "TC_ACT_OK",
                    "TC_ACT_RECLASSIFY",
                    "TC_ACT_SHOT",
                    "TC_ACT_PIPE",
                    "TC_ACT_STOLEN",
                    "TC_ACT_QUEUED",
                    "TC_ACT_REPEAT",
                    "TC_ACT_REDIRECT",
                ]
                .get(usize::try_from(r0 as u32).ok()?)
                .copied()
            }
            PacketHook::CgroupSkb => match r0 as u32 {
                0 => Some("drop"),
                1 => Some("allow"),
                _ => None,
            },
            PacketHook::SocketFilter => (r0 as u32 == 0).then_some("drop"),
            PacketHook::Lwt => ["BPF_OK", "BPF_DROP", "BPF_REDIRECT"]
                .get(usize::try_from(r0 as u32).ok()?)
                .copied(),
        }
    }
}

/// `ETH_HLEN`.
const ETH_HLEN: usize = 14;

/// A packet and the metadata the kernel would put beside it.
///
/// The same value drives the VM ([`super::Vm::run_packet`]) and, through
/// [`Frame::kernel_ctx_in`], `BPF_PROG_TEST_RUN` (`data_in` = `data`,
/// `ctx_in` = that struct), so both engines see the same input.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Frame {
    /// The packet bytes, starting with the Ethernet header. Programs may
    /// rewrite them; the changes are visible here after the run.
    pub data: Vec<u8>,
    pub mark: u32,
    pub priority: u32,
    /// The device (`skb->ifindex`; for XDP, the receiving device when
    /// `ingress_ifindex` is 0). [`Frame::new`] sets loopback, 1.
    pub ifindex: u32,
    pub ingress_ifindex: u32,
    pub rx_queue_index: u32,
    pub queue_mapping: u32,
    pub tc_index: u32,
    pub tc_classid: u32,
    pub cb: [u32; 5],
    pub hash: u32,
    pub tstamp: u64,
}

impl Frame {
    /// A frame with these bytes on the loopback device (`ifindex` 1) and
    /// zero metadata, as `BPF_PROG_TEST_RUN` sees it without `ctx_in`.
    pub fn new(data: impl Into<Vec<u8>>) -> Frame {
        Frame {
            data: data.into(),
            ifindex: 1,
            ..Frame::default()
        }
    }

    /// `skb->protocol` as `eth_type_trans` sets it, in network byte order
    /// in a `u32`: the EtherType when it is one (>= 0x600), else
    /// `ETH_P_802_3` for raw IPX frames (payload `ff ff`) or
    /// `ETH_P_802_2`; 0 for frames shorter than an Ethernet header.
    pub fn protocol(&self) -> u32 {
        let Some(t) = self.data.get(12..14) else {
            return 0;
        };
        let ethertype = u16::from_be_bytes([t[0], t[1]]);
        let proto = if ethertype >= 0x600 {
            ethertype
        } else if self.data.get(14..16) == Some(&[0xff, 0xff]) {
            0x0001
        } else {
            0x0004
        };
        u32::from(u16::from_le_bytes(proto.to_be_bytes()))
    }

    /// `skb->pkt_type` as `eth_type_trans` sets it on the loopback device
    /// (address 00:00:00:00:00:00): host, broadcast, multicast or other.
    pub fn pkt_type(&self) -> u32 {
        match self.data.get(..6) {
            Some([0, 0, 0, 0, 0, 0]) | None => 0,
            Some([0xff, 0xff, 0xff, 0xff, 0xff, 0xff]) => 1,
            Some(d) if d[0] & 1 == 1 => 2,
            Some(_) => 3,
        }
    }

    /// The receiving device an XDP program sees.
    fn xdp_ingress(&self) -> u32 {
        if self.ingress_ifindex != 0 {
            self.ingress_ifindex
        } else {
            self.ifindex
        }
    }

    /// Fills the context struct of `hook` (pointer fields are left 0: the
    /// VM synthesises them on load).
    pub(crate) fn write_ctx(&self, hook: PacketHook, ctx: &mut [u8]) {
        ctx.fill(0);
        if hook == PacketHook::Xdp {
            put32(ctx, xdp::INGRESS_IFINDEX, self.xdp_ingress());
            put32(ctx, xdp::RX_QUEUE_INDEX, self.rx_queue_index);
            return;
        }
        let seen = self.data.len() - hook.data_offset(self.data.len());
        let len = u32::try_from(seen).unwrap_or(u32::MAX);
        put32(ctx, skb::LEN, len);
        put32(ctx, skb::PKT_TYPE, self.pkt_type());
        put32(ctx, skb::MARK, self.mark);
        put32(ctx, skb::QUEUE_MAPPING, self.queue_mapping);
        put32(ctx, skb::PROTOCOL, self.protocol());
        put32(ctx, skb::PRIORITY, self.priority);
        put32(ctx, skb::INGRESS_IFINDEX, self.ingress_ifindex);
        put32(ctx, skb::IFINDEX, self.ifindex);
        put32(ctx, skb::TC_INDEX, self.tc_index);
        for (i, cb) in self.cb.iter().enumerate() {
            put32(ctx, skb::CB + 4 * i as u32, *cb);
        }
        put32(ctx, skb::HASH, self.hash);
        put32(ctx, skb::TC_CLASSID, self.tc_classid);
        put64(ctx, skb::TSTAMP, self.tstamp);
        put32(ctx, skb::WIRE_LEN, len);
        put32(ctx, skb::GSO_SEGS, 1);
    }

    /// Copies the fields a program of `hook` may write back into `self`.
    pub(crate) fn read_back(&mut self, hook: PacketHook, ctx: &[u8]) {
        if hook == PacketHook::Xdp {
            return;
        }
        self.mark = get32(ctx, skb::MARK);
        self.priority = get32(ctx, skb::PRIORITY);
        self.queue_mapping = get32(ctx, skb::QUEUE_MAPPING);
        self.tc_index = get32(ctx, skb::TC_INDEX);
        self.tc_classid = get32(ctx, skb::TC_CLASSID);
        for (i, cb) in self.cb.iter_mut().enumerate() {
            *cb = get32(ctx, skb::CB + 4 * i as u32);
        }
        self.tstamp = get64(ctx, skb::TSTAMP);
    }

    /// The `ctx_in` of `BPF_PROG_TEST_RUN` for this frame: the struct of
    /// `hook` with only the fields the kernel accepts from user space set
    /// (`mark`, `priority`, `ifindex`, `cb`, `tstamp`, ... for `__sk_buff`;
    /// `ingress_ifindex`, `rx_queue_index` for `xdp_md`).
    pub fn kernel_ctx_in(&self, hook: PacketHook) -> Vec<u8> {
        let mut ctx = vec![0u8; hook.layout().size as usize];
        if hook == PacketHook::Xdp {
            put32(&mut ctx, xdp::INGRESS_IFINDEX, self.xdp_ingress());
            put32(&mut ctx, xdp::RX_QUEUE_INDEX, self.rx_queue_index);
            return ctx;
        }
        put32(&mut ctx, skb::MARK, self.mark);
        put32(&mut ctx, skb::PRIORITY, self.priority);
        put32(&mut ctx, skb::INGRESS_IFINDEX, self.ingress_ifindex);
        put32(&mut ctx, skb::IFINDEX, self.ifindex);
        for (i, cb) in self.cb.iter().enumerate() {
            put32(&mut ctx, skb::CB + 4 * i as u32, *cb);
        }
        put64(&mut ctx, skb::TSTAMP, self.tstamp);
        ctx
    }
}

/// The input of a cgroup socket-address hook (`connect4`, `connect6`, ...):
/// the address the application passed, and the socket's type and protocol.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct SockAddr {
    /// The address (and port) of the `connect()`; after a run, the address
    /// the program rewrote it to.
    pub addr: SocketAddr,
    /// `SOCK_STREAM` (1) or `SOCK_DGRAM` (2).
    pub sock_type: u32,
    /// `IPPROTO_TCP` (6) or `IPPROTO_UDP` (17).
    pub protocol: u32,
}

/// `AF_INET`.
pub const AF_INET: u32 = 2;
/// `AF_INET6`.
pub const AF_INET6: u32 = 10;

impl SockAddr {
    /// A TCP stream socket connecting to `addr`.
    pub fn tcp(addr: SocketAddr) -> SockAddr {
        SockAddr {
            addr,
            sock_type: 1,
            protocol: 6,
        }
    }

    /// A UDP datagram socket connecting to `addr`.
    pub fn udp(addr: SocketAddr) -> SockAddr {
        SockAddr {
            addr,
            sock_type: 2,
            protocol: 17,
        }
    }

    fn family(&self) -> u32 {
        if self.addr.is_ipv4() {
            AF_INET
        } else {
            AF_INET6
        }
    }

    pub(crate) fn layout(&self) -> &'static CtxLayout {
        if self.addr.is_ipv4() {
            &SOCK_ADDR4
        } else {
            &SOCK_ADDR6
        }
    }

    /// Fills `struct bpf_sock_addr` and the `struct bpf_sock` behind `sk`.
    pub(crate) fn write_ctx(&self, ctx: &mut [u8], sock: &mut [u8]) {
        ctx.fill(0);
        sock.fill(0);
        let family = self.family();
        put32(ctx, sock_addr::USER_FAMILY, family);
        match self.addr.ip() {
            IpAddr::V4(ip) => put_bytes(ctx, sock_addr::USER_IP4, &ip.octets()),
            IpAddr::V6(ip) => put_bytes(ctx, sock_addr::USER_IP6, &ip.octets()),
        }
        put_bytes(ctx, sock_addr::USER_PORT, &self.addr.port().to_be_bytes());
        put32(ctx, sock_addr::FAMILY, family);
        put32(ctx, sock_addr::TYPE, self.sock_type);
        put32(ctx, sock_addr::PROTOCOL, self.protocol);
        // struct bpf_sock: family 4, type 8, protocol 12.
        put32(sock, 4, family);
        put32(sock, 8, self.sock_type);
        put32(sock, 12, self.protocol);
    }

    /// Reads the (possibly rewritten) user address back.
    pub(crate) fn read_back(&mut self, ctx: &[u8]) {
        let port_bytes = get_bytes::<2>(ctx, sock_addr::USER_PORT);
        let port = u16::from_be_bytes(port_bytes);
        self.addr = if self.addr.is_ipv4() {
            SocketAddr::new(
                IpAddr::V4(Ipv4Addr::from(get_bytes::<4>(ctx, sock_addr::USER_IP4))),
                port,
            )
        } else {
            SocketAddr::new(
                IpAddr::V6(Ipv6Addr::from(get_bytes::<16>(ctx, sock_addr::USER_IP6))),
                port,
            )
        };
    }
}

fn put_bytes(buf: &mut [u8], offset: u32, bytes: &[u8]) {
    let start = offset as usize;
    if let Some(dst) = buf.get_mut(start..start + bytes.len()) {
        dst.copy_from_slice(bytes);
    }
}

fn put32(buf: &mut [u8], offset: u32, v: u32) {
    put_bytes(buf, offset, &v.to_le_bytes());
}

fn put64(buf: &mut [u8], offset: u32, v: u64) {
    put_bytes(buf, offset, &v.to_le_bytes());
}

fn get_bytes<const N: usize>(buf: &[u8], offset: u32) -> [u8; N] {
    let start = offset as usize;
    let mut out = [0u8; N];
    if let Some(src) = buf.get(start..start + N) {
        out.copy_from_slice(src);
    }
    out
}

fn get32(buf: &[u8], offset: u32) -> u32 {
    u32::from_le_bytes(get_bytes(buf, offset))
}

fn get64(buf: &[u8], offset: u32) -> u64 {
    u64::from_le_bytes(get_bytes(buf, offset))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn layouts_find_pointer_fields_and_writable_ranges() {
        let l = PacketHook::Tc.layout();
        assert_eq!(
            l.pointer_overlapping(76, 4).map(|p| p.field),
            Some(PtrField::Data)
        );
        assert_eq!(
            l.pointer_overlapping(78, 1).map(|p| p.field),
            Some(PtrField::Data)
        );
        assert_eq!(l.pointer_overlapping(72, 4), None);
        assert!(l.writable(skb::MARK, 4));
        assert!(l.writable(skb::CB + 16, 4));
        assert!(!l.writable(skb::CB + 16, 8), "cb ends at 68");
        assert!(!l.writable(skb::LEN, 4));
        assert!(!PacketHook::Xdp.layout().writable(0, 4));
    }

    #[test]
    fn sock_addr_round_trips_through_the_struct() {
        let mut sa = SockAddr::tcp("10.96.0.10:80".parse().unwrap());
        let mut ctx = [0u8; 72];
        let mut sock = [0u8; SOCK_SIZE];
        sa.write_ctx(&mut ctx, &mut sock);
        assert_eq!(&ctx[4..8], &[10, 96, 0, 10]);
        assert_eq!(&ctx[24..28], &[0, 80, 0, 0], "port in network order");
        ctx[4..8].copy_from_slice(&[10, 1, 0, 5]);
        ctx[24..26].copy_from_slice(&8080u16.to_be_bytes());
        sa.read_back(&ctx);
        assert_eq!(sa.addr, "10.1.0.5:8080".parse().unwrap());
    }

    #[test]
    fn frame_protocol_is_the_ethertype_in_network_order() {
        let mut data = vec![0u8; 16];
        data[12] = 0x08;
        assert_eq!(Frame::new(data.clone()).protocol(), 0x0008);
        data[12] = 0;
        assert_eq!(Frame::new(data.clone()).protocol(), 0x0400, "802.2");
        data[14..16].copy_from_slice(&[0xff, 0xff]);
        assert_eq!(Frame::new(data).protocol(), 0x0100, "raw 802.3");
        assert_eq!(Frame::new(vec![1, 2]).protocol(), 0);
    }
}
