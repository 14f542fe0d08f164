//! Socket-level load balancing: `cgroup/connect4` and `cgroup/connect6`
//! programs that rewrite a `connect()` to a service address into a connect
//! to one of its backends, chosen at random per connection. No packet is
//! translated (no DNAT): the socket itself connects to the backend.
//!
//! The program looks the destination up in the service's VIP table
//! ([`ServiceKey`] layout in [`super::maps`]), picks
//! `first + prandom % count` in the backend array, and writes the backend's
//! address and port into the `bpf_sock_addr` context. It always returns 1
//! (let the connect proceed).

use super::emit::{alu64, Emitter, Loc};
use super::maps::{BACKEND_SIZE, SERVICE_KEY_SIZE};
use crate::model::{Family, Protocol, Service};
use palisade_verifier::isa::{AluOp, CallTarget, Insn, JmpCond, Operand, Reg, Size, Width};
use std::net::{IpAddr, SocketAddr};

/// `struct bpf_sock_addr` offsets.
mod ctx {
    pub const USER_IP4: i16 = 4;
    pub const USER_IP6: i16 = 8;
    pub const USER_PORT: i16 = 24;
    pub const PROTOCOL: i16 = 36;
}

const HELPER_MAP_LOOKUP: i32 = 1;
const HELPER_GET_PRANDOM_U32: i32 = 7;

/// Stack offset of the service key.
const KEY: i16 = -24;
/// Stack offset of the backend index.
const INDEX: i16 = -28;

/// The VIP and backend table entries of a service, ready for the maps.
pub struct ServiceTables {
    pub vips: Vec<(Vec<u8>, Vec<u8>)>,
    pub backends: Vec<(Vec<u8>, Vec<u8>)>,
}

/// The 16 address bytes of a key or backend (IPv4 in the first four).
fn addr_bytes(addr: IpAddr) -> [u8; 16] {
    let mut out = [0u8; 16];
    match addr {
        IpAddr::V4(a) => out[..4].copy_from_slice(&a.octets()),
        IpAddr::V6(a) => out.copy_from_slice(&a.octets()),
    }
    out
}

/// A VIP table key: `{u8 addr[16]; u16 port (network order); u8
/// protocol; u8 family (4|6)}`.
pub fn service_key(vip: SocketAddr, protocol: Protocol) -> Vec<u8> {
    let mut key = Vec::with_capacity(SERVICE_KEY_SIZE as usize);
    key.extend_from_slice(&addr_bytes(vip.ip()));
    key.extend_from_slice(&vip.port().to_be_bytes());
    key.push(protocol.0);
    key.push(if vip.is_ipv4() { 4 } else { 6 });
    key
}

/// Builds the table entries of a service, in mapping order.
pub fn tables(service: &Service) -> ServiceTables {
    let mut vips = Vec::new();
    let mut backends = Vec::new();
    for mapping in &service.mappings {
        let first = backends.len() as u32;
        for b in &mapping.backends {
            let mut value = Vec::with_capacity(BACKEND_SIZE as usize);
            value.extend_from_slice(&addr_bytes(b.ip()));
            value.extend_from_slice(&b.port().to_be_bytes());
            value.extend_from_slice(&[0, 0]);
            backends.push(((backends.len() as u32).to_le_bytes().to_vec(), value));
        }
        let mut value = (mapping.backends.len() as u32).to_le_bytes().to_vec();
        value.extend_from_slice(&first.to_le_bytes());
        let protocols = match mapping.protocol {
            Some(p) => vec![p],
            None => vec![Protocol::TCP, Protocol::UDP],
        };
        for p in protocols {
            vips.push((service_key(mapping.vip, p), value.clone()));
        }
    }
    ServiceTables { vips, backends }
}

/// Emits the connect program of `family`. `loc` is the service's line.
pub fn emit_service(family: Family, vips: usize, backends: usize, loc: Loc) -> Emitter {
    let (r0, r1, r2, r6, r7, r8, fp) = (
        Reg::R0,
        Reg::R1,
        Reg::R2,
        Reg::R6,
        Reg::R7,
        Reg::R8,
        Reg::R10,
    );
    let mut e = Emitter::new();
    e.at(Some(loc));
    let out = e.label();
    e.emit(alu64(AluOp::Mov, r6, Operand::Reg(r1)));
    // Key: address, port, protocol, family.
    match family {
        Family::V4 => {
            e.load(Size::W, r2, r6, ctx::USER_IP4);
            e.store(Size::W, fp, KEY, r2);
            for off in [4, 8, 12] {
                e.store_imm(Size::W, fp, KEY + off, 0);
            }
        }
        Family::V6 => {
            for word in 0..4 {
                e.load(Size::W, r2, r6, ctx::USER_IP6 + 4 * word);
                e.store(Size::W, fp, KEY + 4 * word, r2);
            }
        }
    }
    e.load(Size::W, r2, r6, ctx::USER_PORT);
    e.store(Size::H, fp, KEY + 16, r2);
    e.load(Size::W, r2, r6, ctx::PROTOCOL);
    e.store(Size::B, fp, KEY + 18, r2);
    e.store_imm(
        Size::B,
        fp,
        KEY + 19,
        if family == Family::V4 { 4 } else { 6 },
    );
    lookup(&mut e, vips, KEY);
    e.jump_if(JmpCond::Eq, r0, Operand::Imm(0), out);
    e.load(Size::W, r7, r0, 0);
    e.load(Size::W, r8, r0, 4);
    e.jump_if(JmpCond::Eq, r7, Operand::Imm(0), out);
    e.emit(Insn::Call(CallTarget::Helper(HELPER_GET_PRANDOM_U32)));
    e.emit(Insn::Alu {
        width: Width::W32,
        op: AluOp::Mod,
        dst: r0,
        src: Operand::Reg(r7),
    });
    e.alu32(AluOp::Add, r0, Operand::Reg(r8));
    e.store(Size::W, fp, INDEX, r0);
    lookup(&mut e, backends, INDEX);
    e.jump_if(JmpCond::Eq, r0, Operand::Imm(0), out);
    match family {
        Family::V4 => {
            e.load(Size::W, r2, r0, 0);
            e.store(Size::W, r6, ctx::USER_IP4, r2);
        }
        Family::V6 => {
            for word in 0..4 {
                e.load(Size::W, r2, r0, 4 * word);
                e.store(Size::W, r6, ctx::USER_IP6 + 4 * word, r2);
            }
        }
    }
    e.load(Size::H, r2, r0, 16);
    e.store(Size::W, r6, ctx::USER_PORT, r2);
    e.bind(out);
    e.mov_imm(r0, 1);
    e.emit(Insn::Exit);
    e
}

fn lookup(e: &mut Emitter, map: usize, key: i16) {
    e.load_map(Reg::R1, map);
    e.emit(alu64(AluOp::Mov, Reg::R2, Operand::Reg(Reg::R10)));
    e.alu(AluOp::Add, Reg::R2, Operand::Imm(i32::from(key)));
    e.emit(Insn::Call(CallTarget::Helper(HELPER_MAP_LOOKUP)));
}
