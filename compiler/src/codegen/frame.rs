//! Packet parsing in generated code: Ethernet, up to two 802.1Q/802.1ad
//! tags, IPv4 (with options), IPv6 (with up to eight extension headers, in
//! a bounded loop), then TCP/UDP/SCTP ports or the ICMP type and code.
//!
//! The meaning of every byte pattern is defined by [`super::wire`], the
//! reference parser; this module must agree with it on every frame.
//!
//! # Register and stack contract (after parsing)
//!
//! | where | IPv4 | IPv6 |
//! |---|---|---|
//! | `r5` | protocol | protocol (after extension headers) |
//! | `r6` | source port, host order, or [`NO_VALUE`]; ICMP: type | same |
//! | `r7` | destination port; ICMP: code | same |
//! | `r8`, `r9` | source, destination address (as loaded: network byte order in memory) | unused |
//! | stack | `KEY4_*` LPM keys when requested | `KEY6_*` LPM keys when requested |
//!
//! `r6`..`r9` survive helper calls, so rule tests can call map lookups.
//! Non-first fragments and protocols without ports leave `r6`/`r7` at
//! [`NO_VALUE`], which no port or ICMP comparison accepts.

use super::emit::{Emitter, Label};
use super::wire::{ETH_P_8021AD, ETH_P_8021Q, ETH_P_IP, ETH_P_IPV6, MAX_IPV6_EXT_HEADERS};
use palisade_verifier::isa::{AluOp, EndianOp, Insn, JmpCond, Operand, Reg, Size};

/// Marks a missing port or ICMP field: above every `u16`.
pub const NO_VALUE: i32 = 0x10000;

/// Stack slots (offsets from r10).
pub mod slot {
    /// `u64` packet length, for byte counters.
    pub const LEN: i16 = -8;
    /// IPv4 LPM key `{u32 prefixlen = 32; u32 addr}` of the source.
    pub const KEY4_SRC: i16 = -16;
    pub const KEY4_DST: i16 = -24;
    /// IPv6 LPM key `{u32 prefixlen = 128; u8 addr[16]}` of the source.
    pub const KEY6_SRC: i16 = -48;
    pub const KEY6_DST: i16 = -72;
    /// `u32` key for counter lookups.
    pub const COUNTER_KEY: i16 = -76;
    /// `u32` zero key for single-entry arrays (port bitmaps).
    pub const ZERO_KEY: i16 = -80;
    /// The 48-byte `log` event.
    pub const EVENT: i16 = -128;
    /// A rule-table key (up to 40 bytes, see `super::super::table`).
    pub const TABLE_KEY: i16 = -176;
    /// `u32` smallest outcome a rule table found (`u32::MAX`: none).
    pub const TABLE_BEST: i16 = -180;
    /// `u32` action word of that outcome.
    pub const TABLE_ACTION: i16 = -184;
}

/// Offsets inside the `log` event.
pub mod event {
    pub const PROGRAM: i16 = 0;
    pub const OUTCOME: i16 = 4;
    pub const VERDICT: i16 = 8;
    pub const FLAGS: i16 = 9;
    pub const FAMILY: i16 = 10;
    pub const PROTOCOL: i16 = 11;
    pub const SPORT: i16 = 12;
    pub const DPORT: i16 = 14;
    pub const SRC: i16 = 16;
    pub const DST: i16 = 32;
}

/// The context layout of the program type.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Ctx {
    /// `struct __sk_buff` (tc).
    Skb,
    /// `struct xdp_md`.
    Xdp,
}

/// What the rest of the program needs from the parser.
#[derive(Clone, Copy, Debug, Default)]
pub struct Needs {
    /// Store the packet length at [`slot::LEN`].
    pub len: bool,
    /// Store IPv4 LPM keys for source/destination set lookups.
    pub key4_src: bool,
    pub key4_dst: bool,
    /// Copy the IPv6 source/destination into their LPM keys (also where
    /// inline IPv6 tests and `log` events read them).
    pub key6_src: bool,
    pub key6_dst: bool,
    /// Store the protocol into the `log` event (the rest is filled when
    /// an event is sent).
    pub event: bool,
    /// Store a zero at [`slot::ZERO_KEY`].
    pub zero_key: bool,
}

/// Where parsing continues.
pub struct Exits {
    /// Not an IP packet: let it through.
    pub not_ip: Label,
    /// A malformed IP packet.
    pub malformed: Label,
    /// Where parsed IPv4 packets go, by protocol (registers as in the
    /// module doc).
    pub v4: Dispatch,
    /// Where parsed IPv6 packets go.
    pub v6: Dispatch,
}

/// The chains of one family: `(protocol, label)` for protocols with a
/// chain of their own, and the chain for every other protocol.
#[derive(Clone, Debug)]
pub struct Dispatch {
    pub chains: Vec<(u8, Label)>,
    pub other: Label,
}

const R0: Reg = Reg::R0;
const R1: Reg = Reg::R1;
const R2: Reg = Reg::R2;
const R3: Reg = Reg::R3;
const R4: Reg = Reg::R4;
const R5: Reg = Reg::R5;
const R6: Reg = Reg::R6;
const R7: Reg = Reg::R7;
const R8: Reg = Reg::R8;
const R9: Reg = Reg::R9;
const FP: Reg = Reg::R10;

fn imm(v: i32) -> Operand {
    Operand::Imm(v)
}

fn reg(r: Reg) -> Operand {
    Operand::Reg(r)
}

/// A 16-bit constant as it reads when loaded from network byte order.
fn net16(v: u16) -> i32 {
    i32::from(u16::from_le_bytes(v.to_be_bytes()))
}

/// Emits the parser. `r1` holds the context on entry.
pub fn emit_parser(e: &mut Emitter, ctx: Ctx, needs: Needs, exits: &Exits) {
    // r2 = data, r3 = data_end.
    match ctx {
        Ctx::Skb => {
            if needs.len {
                e.load(Size::W, R4, R1, 0); // skb->len
                e.store(Size::DW, FP, slot::LEN, R4);
            }
            e.load(Size::W, R2, R1, 76);
            e.load(Size::W, R3, R1, 80);
        }
        Ctx::Xdp => {
            e.load(Size::W, R2, R1, 0);
            e.load(Size::W, R3, R1, 4);
            if needs.len {
                e.emit(alu(AluOp::Mov, R4, reg(R3)));
                e.emit(alu(AluOp::Sub, R4, reg(R2)));
                e.store(Size::DW, FP, slot::LEN, R4);
            }
        }
    }
    if needs.zero_key {
        e.store_imm(Size::W, FP, slot::ZERO_KEY, 0);
    }
    // Ethernet, then up to two VLAN tags (802.1ad outer, 802.1Q inner, in
    // any order). IP EtherTypes are tested first: untagged is the common
    // case.
    ensure(e, R2, 14, exits.not_ip);
    e.load(Size::H, R5, R2, 12);
    e.alu(AluOp::Add, R2, imm(14));
    let ipv4 = e.label();
    let ipv6 = e.label();
    for _ in 0..2 {
        let tag = e.label();
        e.jump_if(JmpCond::Eq, R5, imm(net16(ETH_P_IP)), ipv4);
        e.jump_if(JmpCond::Eq, R5, imm(net16(ETH_P_IPV6)), ipv6);
        e.jump_if(JmpCond::Eq, R5, imm(net16(ETH_P_8021Q)), tag);
        e.jump_if(JmpCond::Ne, R5, imm(net16(ETH_P_8021AD)), exits.not_ip);
        e.bind(tag);
        ensure(e, R2, 4, exits.not_ip);
        e.load(Size::H, R5, R2, 2);
        e.alu(AluOp::Add, R2, imm(4));
    }
    e.jump_if(JmpCond::Eq, R5, imm(net16(ETH_P_IPV6)), ipv6);
    e.jump_if(JmpCond::Ne, R5, imm(net16(ETH_P_IP)), exits.not_ip);
    e.bind(ipv4);
    emit_ipv4(e, needs, exits);
    e.bind(ipv6);
    emit_ipv6(e, needs, exits);
}

fn alu(op: AluOp, dst: Reg, src: Operand) -> Insn {
    super::emit::alu64(op, dst, src)
}

/// `if cursor + n > data_end goto fail` (uses r4).
fn ensure(e: &mut Emitter, cursor: Reg, n: i32, fail: Label) {
    e.emit(alu(AluOp::Mov, R4, reg(cursor)));
    e.alu(AluOp::Add, R4, imm(n));
    e.jump_if(JmpCond::Gt, R4, reg(R3), fail);
}

/// IPv4 header at r2. Leaves protocol in r5, addresses in r8/r9, and
/// continues with the transport header.
fn emit_ipv4(e: &mut Emitter, needs: Needs, exits: &Exits) {
    ensure(e, R2, 20, exits.malformed);
    // Version 4 and a header length of at least 5 words: the first byte
    // is 0x45..=0x4f.
    e.load(Size::B, R4, R2, 0);
    e.jump_if(JmpCond::Lt, R4, imm(0x45), exits.malformed);
    e.jump_if(JmpCond::Gt, R4, imm(0x4f), exits.malformed);
    e.alu(AluOp::And, R4, imm(0x0f));
    e.alu(AluOp::Lsh, R4, imm(2));
    e.load(Size::B, R5, R2, 9);
    e.load(Size::W, R8, R2, 12);
    e.load(Size::W, R9, R2, 16);
    // Fragment offset (13 bits) != 0: a non-first fragment. The mask is
    // 0x1fff in network byte order, as the halfword reads in memory order.
    e.load(Size::H, R0, R2, 6);
    e.alu(AluOp::And, R0, imm(net16(0x1fff)));
    // r2 = start of the transport header; it must lie inside the packet.
    e.alu(AluOp::Add, R2, reg(R4));
    e.jump_if(JmpCond::Gt, R2, reg(R3), exits.malformed);
    if needs.key4_src {
        e.store_imm(Size::W, FP, slot::KEY4_SRC, 32);
        e.store(Size::W, FP, slot::KEY4_SRC + 4, R8);
    }
    if needs.key4_dst {
        e.store_imm(Size::W, FP, slot::KEY4_DST, 32);
        e.store(Size::W, FP, slot::KEY4_DST + 4, R9);
    }
    if needs.event {
        e.store(Size::B, FP, slot::EVENT + event::PROTOCOL, R5);
    }
    emit_transport(e, 1, exits.malformed, &exits.v4);
}

/// IPv6 header at r2, then the extension-header loop.
fn emit_ipv6(e: &mut Emitter, needs: Needs, exits: &Exits) {
    ensure(e, R2, 40, exits.malformed);
    e.load(Size::B, R4, R2, 0);
    e.alu(AluOp::And, R4, imm(0xf0));
    e.jump_if(JmpCond::Ne, R4, imm(0x60), exits.malformed);
    e.load(Size::B, R5, R2, 6);
    // Addresses into the LPM keys (prefix length first), for the sides
    // that rules look at.
    for (key, from, needed) in [
        (slot::KEY6_SRC, 8, needs.key6_src),
        (slot::KEY6_DST, 24, needs.key6_dst),
    ] {
        if !needed {
            continue;
        }
        e.store_imm(Size::W, FP, key, 128);
        for word in 0..4 {
            e.load(Size::W, R4, R2, from + 4 * word);
            e.store(Size::W, FP, key + 4 + 4 * word, R4);
        }
    }
    e.alu(AluOp::Add, R2, imm(40));
    // r0 = non-first fragment flag, r1 = extension headers still allowed.
    e.mov_imm(R0, 0);
    e.mov_imm(R1, MAX_IPV6_EXT_HEADERS as i64);
    let head = e.label();
    let options = e.label();
    let fragment = e.label();
    let auth = e.label();
    let done = e.label();
    let advance = e.label();
    e.bind(head);
    e.jump_if(JmpCond::Eq, R5, imm(0), options);
    e.jump_if(JmpCond::Eq, R5, imm(43), options);
    e.jump_if(JmpCond::Eq, R5, imm(60), options);
    e.jump_if(JmpCond::Eq, R5, imm(44), fragment);
    e.jump_if(JmpCond::Ne, R5, imm(51), done);
    // Authentication header: length in 4-byte units, minus 2.
    e.bind(auth);
    emit_ext_length(e, exits.malformed, 2, 2, advance);
    // Hop-by-hop, routing, destination options: 8-byte units, minus 1.
    e.bind(options);
    emit_ext_length(e, exits.malformed, 3, 1, advance);
    // Fragment header: 8 bytes; a non-zero offset ends parsing (r2 is not
    // read again: a non-first fragment has no transport fields).
    e.bind(fragment);
    take_ext_header(e, exits.malformed, 8);
    e.load(Size::H, R4, R2, 2);
    e.emit(Insn::Endian {
        op: EndianOp::ToBe,
        bits: 16,
        dst: R4,
    });
    e.alu(AluOp::And, R4, imm(0xfff8));
    let first = e.label();
    e.jump_if(JmpCond::Eq, R4, imm(0), first);
    e.mov_imm(R0, 1);
    e.goto(done);
    e.bind(first);
    e.mov_imm(R4, 8);
    // Every header kind advances here, by r4 bytes (8..=2048).
    //
    // Invariant: `r4 /= 1` is an identity the kernel verifier cannot see
    // through (Linux 6.18 forgets a scalar divided by anything), and the
    // bound after it is never taken. Together they give r4 the same
    // abstract value, [0, 2048], whatever header was read, so the
    // verifier's states at `head` after k headers are one state instead of
    // one per sequence of header kinds and lengths, and it explores the
    // rest of the program once per loop exit instead of once per sequence
    // (that was 99% of the kernel's work on a small policy: about 230,000
    // processed instructions, against 3,000 now).
    e.bind(advance);
    e.alu(AluOp::Div, R4, imm(1));
    e.jump_if(JmpCond::Gt, R4, imm(MAX_EXT_HEADER_LEN), exits.malformed);
    e.alu(AluOp::Add, R2, reg(R4));
    e.jump_if(JmpCond::Gt, R2, reg(R3), exits.malformed);
    e.goto(head);
    e.bind(done);
    if needs.event {
        e.store(Size::B, FP, slot::EVENT + event::PROTOCOL, R5);
    }
    emit_transport(e, 58, exits.malformed, &exits.v6);
}

/// The longest extension header: hop-by-hop, routing or destination
/// options with a length byte of 255.
const MAX_EXT_HEADER_LEN: i32 = 8 * 256;

/// Counts one more extension header (too many: `malformed`), checks that
/// its first `n` bytes are in the packet, and reads its next-header byte
/// into r5.
fn take_ext_header(e: &mut Emitter, malformed: Label, n: i32) {
    e.jump_if(JmpCond::Eq, R1, imm(0), malformed);
    e.alu(AluOp::Sub, R1, imm(1));
    ensure(e, R2, n, malformed);
    e.load(Size::B, R5, R2, 0);
}

/// A length-prefixed extension header at r2: `r4 = (hdr[1] + add) <<
/// shift`, next header from `hdr[0]`, then to `advance`.
fn emit_ext_length(e: &mut Emitter, malformed: Label, shift: i32, add: i32, advance: Label) {
    take_ext_header(e, malformed, 2);
    e.load(Size::B, R4, R2, 1);
    e.alu(AluOp::Add, R4, imm(add));
    e.alu(AluOp::Lsh, R4, imm(shift));
    e.goto(advance);
}

/// Transport fields from the header at r2 (r0 = non-first fragment flag,
/// r5 = protocol), dispatched once on the protocol:
///
/// * TCP, UDP, SCTP and the family's ICMP check their header's length
///   (else `malformed`), load ports or type and code into r6/r7 (or
///   [`NO_VALUE`] for a non-first fragment) and go to their chain, or to the
///   other-protocols chain when they have none;
/// * other protocols with a chain go there, everything else to
///   `dispatch.other`, with r6/r7 at [`NO_VALUE`].
fn emit_transport(e: &mut Emitter, icmp_protocol: u8, malformed: Label, dispatch: &Dispatch) {
    let chain_of = |p: u8| {
        dispatch
            .chains
            .iter()
            .find(|(q, _)| *q == p)
            .map_or(dispatch.other, |(_, l)| *l)
    };
    let with_fields: Vec<(u8, Label)> = [6u8, 17, 132, icmp_protocol]
        .into_iter()
        .map(|p| (p, e.label()))
        .collect();
    let plain: Vec<(u8, Label, Label)> = dispatch
        .chains
        .iter()
        .filter(|(p, _)| !with_fields.iter().any(|(q, _)| q == p))
        .map(|&(p, chain)| (p, e.label(), chain))
        .collect();
    for &(p, entry) in &with_fields {
        e.jump_if(JmpCond::Eq, R5, imm(i32::from(p)), entry);
    }
    for &(p, entry, _) in &plain {
        e.jump_if(JmpCond::Eq, R5, imm(i32::from(p)), entry);
    }
    no_fields(e);
    e.goto(dispatch.other);
    for &(_, entry, chain) in &plain {
        e.bind(entry);
        no_fields(e);
        e.goto(chain);
    }
    for (p, entry) in with_fields {
        e.bind(entry);
        let chain = chain_of(p);
        let fragment = e.label();
        e.jump_if(JmpCond::Ne, R0, imm(0), fragment);
        if p == icmp_protocol {
            ensure(e, R2, 2, malformed);
            e.load(Size::B, R6, R2, 0);
            e.load(Size::B, R7, R2, 1);
        } else {
            ensure(e, R2, 4, malformed);
            e.load(Size::H, R6, R2, 0);
            e.load(Size::H, R7, R2, 2);
            for r in [R6, R7] {
                e.emit(Insn::Endian {
                    op: EndianOp::ToBe,
                    bits: 16,
                    dst: r,
                });
            }
        }
        e.goto(chain);
        e.bind(fragment);
        no_fields(e);
        e.goto(chain);
    }
}

/// r6 = r7 = [`NO_VALUE`]: the packet has no ports or ICMP fields.
fn no_fields(e: &mut Emitter) {
    e.mov_imm(R6, NO_VALUE as i64);
    e.mov_imm(R7, NO_VALUE as i64);
}
