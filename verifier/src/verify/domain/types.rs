//! Register values: a scalar, or a pointer of a known type whose offset is
//! a fixed part plus a scalar variable part.
//!
//! Invariants:
//! * `Uninit` and `Scalar` values have `nullable == false` and `ref_id == 0`.
//! * For pointers, the address is `base(kind, aux) + off + var`; `var` is a
//!   scalar (often the constant 0).
//! * For scalars, `var` is the value; `id != 0` links the register to
//!   others with the same id: all of them equal `base + off` for one
//!   unknown `base`, so a bound learnt for one is learnt for all.
//! * `id` of a nullable pointer names the NULL check: every copy of the
//!   pointer has the same id, so one check resolves all of them. `id` of a
//!   packet pointer names its variable part: pointers with the same id
//!   share `var`, so `range` (bytes known to be before `data_end`, counted
//!   from the fixed offset 0 of that base) applies to all of them.

use super::scalar::Scalar;
use super::Lattice;
use std::fmt;

/// The type of a register.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Kind {
    /// Never written, or clobbered by a call: reading it is an error.
    Uninit,
    Scalar,
    /// The program's context argument.
    Ctx,
    /// Into a stack frame (`aux` = frame number, 0 = main).
    Stack,
    /// Into packet data (`aux` = verified range).
    Packet,
    /// Into packet metadata (`aux` = verified range).
    PacketMeta,
    /// One past the packet data.
    PacketEnd,
    /// A map (`aux` = map index).
    MapPtr,
    /// Into a map value (`aux` = map index).
    MapValue,
    /// A full socket (`struct bpf_sock`).
    Socket,
    /// A `struct bpf_sock_common`.
    SockCommon,
    /// A `struct bpf_tcp_sock`.
    TcpSock,
    /// Into helper-allocated memory, e.g. a ring buffer sample (`aux` =
    /// size in bytes).
    Mem,
    /// A subprogram (`aux` = function number), for callbacks.
    Func,
}

impl Kind {
    pub fn is_pointer(self) -> bool {
        !matches!(self, Kind::Uninit | Kind::Scalar)
    }

    pub fn is_packet(self) -> bool {
        matches!(self, Kind::Packet | Kind::PacketMeta)
    }

    pub fn is_socket(self) -> bool {
        matches!(self, Kind::Socket | Kind::SockCommon | Kind::TcpSock)
    }
}

/// The abstract value of a register (or of a spilled stack slot).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct Value {
    pub kind: Kind,
    pub nullable: bool,
    pub off: i32,
    pub var: Scalar,
    pub id: u32,
    pub ref_id: u32,
    pub aux: u32,
}

impl Value {
    pub const UNINIT: Value = Value {
        kind: Kind::Uninit,
        nullable: false,
        off: 0,
        var: Scalar::unknown(),
        id: 0,
        ref_id: 0,
        aux: 0,
    };

    /// A scalar.
    pub const fn scalar(s: Scalar) -> Value {
        Value {
            kind: Kind::Scalar,
            var: s,
            ..Value::UNINIT
        }
    }

    /// An unknown 64-bit scalar.
    pub const fn unknown() -> Value {
        Value::scalar(Scalar::unknown())
    }

    /// A known constant.
    pub const fn constant(v: u64) -> Value {
        Value::scalar(Scalar::constant(v))
    }

    /// A pointer of `kind` at offset 0.
    pub const fn pointer(kind: Kind, aux: u32) -> Value {
        Value {
            kind,
            var: Scalar::constant(0),
            aux,
            ..Value::UNINIT
        }
    }

    pub fn is_scalar(&self) -> bool {
        self.kind == Kind::Scalar
    }

    pub fn is_init(&self) -> bool {
        self.kind != Kind::Uninit
    }

    /// The constant value of a scalar.
    pub fn as_const(&self) -> Option<u64> {
        if self.is_scalar() {
            self.var.as_const()
        } else {
            None
        }
    }

    /// Whether this is the scalar 0 (a NULL pointer).
    pub fn is_null(&self) -> bool {
        self.as_const() == Some(0)
    }

    /// The constant offset of a pointer (`off + var`), if `var` is known.
    pub fn const_offset(&self) -> Option<i64> {
        self.var
            .as_const()
            .map(|v| (self.off as i64).wrapping_add(v as i64))
    }

    /// The packet range of a packet pointer.
    pub fn range(&self) -> u32 {
        if self.kind.is_packet() {
            self.aux
        } else {
            0
        }
    }

    /// Compares everything but ids, which pruning maps separately.
    pub fn same_shape(&self, o: &Value) -> bool {
        self.kind == o.kind && self.nullable == o.nullable && self.off == o.off && self.aux == o.aux
    }
}

impl Lattice for Value {
    /// `Uninit` is top: a register whose value may be anything cannot be
    /// used, exactly like one never written.
    fn top() -> Self {
        Value::UNINIT
    }

    fn join(&self, o: &Self) -> Self {
        if self.kind == Kind::Scalar && o.kind == Kind::Scalar {
            return Value::scalar(self.var.join(&o.var));
        }
        if self.same_shape(o) && self.id == o.id && self.ref_id == o.ref_id {
            let mut v = *self;
            v.var = self.var.join(&o.var);
            return v;
        }
        Value::UNINIT
    }

    fn meet(&self, o: &Self) -> Option<Self> {
        if self.kind == Kind::Uninit {
            return Some(*o);
        }
        if o.kind == Kind::Uninit {
            return Some(*self);
        }
        if !self.same_shape(o) {
            return None;
        }
        let mut v = *self;
        v.var = self.var.meet(&o.var)?;
        Some(v)
    }

    fn widen(&self, o: &Self) -> Self {
        if self.kind == Kind::Scalar && o.kind == Kind::Scalar {
            return Value::scalar(self.var.widen(&o.var));
        }
        if self.same_shape(o) && self.id == o.id && self.ref_id == o.ref_id {
            let mut v = *self;
            v.var = self.var.widen(&o.var);
            return v;
        }
        Value::UNINIT
    }

    /// `self ⊑ o`, ignoring ids.
    fn le(&self, o: &Self) -> bool {
        if o.kind == Kind::Uninit {
            return true;
        }
        if self.kind == Kind::Scalar && o.kind == Kind::Scalar {
            return self.var.le(&o.var);
        }
        if self.kind != o.kind || self.off != o.off || !self.var.le(&o.var) {
            return false;
        }
        if self.nullable && !o.nullable {
            return false;
        }
        if self.kind.is_packet() {
            // More verified bytes is more precise.
            return self.aux >= o.aux;
        }
        self.aux == o.aux
    }
}

impl fmt::Display for Value {
    /// Kernel-log style: `ctx()`, `fp-8`, `pkt(off=14,r=34)`, `scalar(...)`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let var = if self.var.is_const_eq(0) {
            String::new()
        } else {
            format!(",var_off={}", self.var)
        };
        let null = if self.nullable { "_or_null" } else { "" };
        match self.kind {
            Kind::Uninit => f.write_str("uninit"),
            Kind::Scalar => write!(f, "{}", self.var),
            Kind::Ctx => write!(f, "ctx(off={}{var})", self.off),
            Kind::Stack => match self.const_offset() {
                Some(o) if self.aux == 0 => write!(f, "fp{o}"),
                Some(o) => write!(f, "fp[{}]{o}", self.aux),
                None => write!(f, "fp[{}](off={}{var})", self.aux, self.off),
            },
            Kind::Packet => write!(f, "pkt(off={},r={}{var})", self.off, self.aux),
            Kind::PacketMeta => write!(f, "pkt_meta(off={},r={}{var})", self.off, self.aux),
            Kind::PacketEnd => write!(f, "pkt_end(off={})", self.off),
            Kind::MapPtr => write!(f, "map_ptr(map{})", self.aux),
            Kind::MapValue => write!(f, "map_value{null}(map{},off={}{var})", self.aux, self.off),
            Kind::Socket => write!(f, "sock{null}(off={}{var})", self.off),
            Kind::SockCommon => write!(f, "sock_common{null}(off={}{var})", self.off),
            Kind::TcpSock => write!(f, "tcp_sock{null}(off={}{var})", self.off),
            Kind::Mem => write!(f, "mem{null}(sz={},off={}{var})", self.aux, self.off),
            Kind::Func => write!(f, "func(#{})", self.aux),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn order() {
        let a = Value::constant(3);
        let b = Value::scalar(Scalar::urange(0, 10).unwrap());
        assert!(a.le(&b) && !b.le(&a));
        assert!(b.le(&Value::top()));
        let p = Value::pointer(Kind::Ctx, 0);
        assert!(!p.le(&b) && !b.le(&p));
        assert_eq!(p.join(&b), Value::UNINIT);
        assert_eq!(format!("{}", Value::pointer(Kind::Stack, 0)), "fp0");
    }
}
