//! Parsing `.BTF` into a type table.
//!
//! Every kind of Linux 6.x is decoded far enough to skip it correctly; the
//! kinds map definitions need (INT, PTR, ARRAY, STRUCT/UNION, TYPEDEF and
//! modifiers, VAR, DATASEC, ENUM) keep their fields. Bounds are checked on
//! every read, and type chains are followed at most [`MAX_DEPTH`] steps, so
//! hostile input yields a [`BtfError`], never a panic or a hang.

use super::{kind, MAGIC};
use crate::object::error::BtfError;

/// How many modifier/typedef/array links [`Btf::size_of`] and
/// [`Btf::skip_mods`] follow before giving up (libbpf uses 32 as well).
pub const MAX_DEPTH: usize = 32;

/// A struct or union member.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Member {
    pub name: String,
    pub type_id: u32,
    /// Bit offset (and, with the kind flag, bitfield size in the top byte).
    pub offset: u32,
}

/// One BTF type, with the fields this crate uses.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum BtfType {
    /// The `void` type (id 0).
    Void,
    Int {
        name: String,
        size: u32,
        encoding: u32,
    },
    Ptr {
        target: u32,
    },
    Array {
        elem: u32,
        index: u32,
        nelems: u32,
    },
    Struct {
        name: String,
        size: u32,
        members: Vec<Member>,
    },
    Union {
        name: String,
        size: u32,
        members: Vec<Member>,
    },
    /// ENUM and ENUM64, with their `(name, value)` pairs.
    Enum {
        name: String,
        size: u32,
        values: Vec<(String, i64)>,
    },
    Fwd {
        name: String,
    },
    Typedef {
        name: String,
        target: u32,
    },
    /// `volatile`, `const`, `restrict` and type tags: they do not change
    /// the size or the shape.
    Modifier {
        kind: u32,
        target: u32,
    },
    Func {
        name: String,
        proto: u32,
        linkage: u16,
    },
    FuncProto {
        ret: u32,
        params: Vec<(String, u32)>,
    },
    Var {
        name: String,
        target: u32,
        linkage: u32,
    },
    /// `(type id, offset, size)` per variable.
    DataSec {
        name: String,
        size: u32,
        vars: Vec<(u32, u32, u32)>,
    },
    Float {
        name: String,
        size: u32,
    },
    DeclTag {
        name: String,
        target: u32,
        component: i32,
    },
}

/// A parsed `.BTF` section.
#[derive(Clone, Debug, Default)]
pub struct Btf {
    /// Index = type id; `types[0]` is [`BtfType::Void`].
    types: Vec<BtfType>,
    strings: Vec<u8>,
}

struct Cursor<'a> {
    data: &'a [u8],
    pos: usize,
}

impl Cursor<'_> {
    fn u32(&mut self, what: &'static str) -> Result<u32, BtfError> {
        let bytes = self
            .data
            .get(self.pos..self.pos + 4)
            .ok_or(BtfError::Truncated(what))?;
        self.pos += 4;
        Ok(u32::from_le_bytes(bytes.try_into().expect("4 bytes")))
    }
}

fn u32_at(data: &[u8], pos: usize) -> Option<u32> {
    Some(u32::from_le_bytes(data.get(pos..pos + 4)?.try_into().ok()?))
}

impl Btf {
    /// Parses a `.BTF` section (little endian).
    pub fn parse(data: &[u8]) -> Result<Btf, BtfError> {
        if data.len() < 8 {
            return Err(BtfError::Truncated("header"));
        }
        let magic = u16::from_le_bytes([data[0], data[1]]);
        if magic != MAGIC {
            return Err(BtfError::BadMagic(magic));
        }
        if data[2] != 1 {
            return Err(BtfError::BadVersion(data[2]));
        }
        let hdr_len = u32_at(data, 4).ok_or(BtfError::Truncated("header"))? as usize;
        if hdr_len < 24 {
            return Err(BtfError::BadHeader("header shorter than 24 bytes"));
        }
        if data.len() < hdr_len {
            return Err(BtfError::Truncated("header"));
        }
        let field = |i: usize| u32_at(data, 8 + 4 * i).map(|v| v as usize);
        let (type_off, type_len, str_off, str_len) = match (field(0), field(1), field(2), field(3))
        {
            (Some(a), Some(b), Some(c), Some(d)) => (a, b, c, d),
            _ => return Err(BtfError::Truncated("header")),
        };
        let section = |off: usize, len: usize, what| {
            let start = hdr_len.checked_add(off).ok_or(BtfError::BadHeader(what))?;
            let end = start.checked_add(len).ok_or(BtfError::BadHeader(what))?;
            data.get(start..end).ok_or(BtfError::Truncated(what))
        };
        let type_data = section(type_off, type_len, "type section")?;
        let strings = section(str_off, str_len, "string section")?.to_vec();
        if !strings.is_empty() && strings[0] != 0 {
            return Err(BtfError::BadHeader(
                "string section does not start with NUL",
            ));
        }
        let mut btf = Btf {
            types: vec![BtfType::Void],
            strings,
        };
        let mut cur = Cursor {
            data: type_data,
            pos: 0,
        };
        while cur.pos < type_data.len() {
            let id = btf.types.len() as u32;
            let ty = btf.parse_type(&mut cur, id)?;
            btf.types.push(ty);
        }
        Ok(btf)
    }

    fn parse_type(&self, cur: &mut Cursor<'_>, id: u32) -> Result<BtfType, BtfError> {
        let name_off = cur.u32("type record")?;
        let info = cur.u32("type record")?;
        let size_or_type = cur.u32("type record")?;
        let vlen = info & 0xffff;
        let k = (info >> 24) & 0x1f;
        let name = || self.string(name_off);
        Ok(match k {
            kind::INT => {
                let encoding = cur.u32("int encoding")?;
                BtfType::Int {
                    name: name()?,
                    size: size_or_type,
                    encoding,
                }
            }
            kind::PTR => BtfType::Ptr {
                target: size_or_type,
            },
            kind::ARRAY => BtfType::Array {
                elem: cur.u32("array")?,
                index: cur.u32("array")?,
                nelems: cur.u32("array")?,
            },
            kind::STRUCT | kind::UNION => {
                let mut members = Vec::with_capacity(vlen.min(1024) as usize);
                for _ in 0..vlen {
                    let m_name = cur.u32("member")?;
                    let type_id = cur.u32("member")?;
                    let offset = cur.u32("member")?;
                    members.push(Member {
                        name: self.string(m_name)?,
                        type_id,
                        offset,
                    });
                }
                if k == kind::STRUCT {
                    BtfType::Struct {
                        name: name()?,
                        size: size_or_type,
                        members,
                    }
                } else {
                    BtfType::Union {
                        name: name()?,
                        size: size_or_type,
                        members,
                    }
                }
            }
            kind::ENUM | kind::ENUM64 => {
                let signed = info >> 31 != 0;
                let mut values = Vec::with_capacity(vlen.min(1024) as usize);
                for _ in 0..vlen {
                    let v_name = self.string(cur.u32("enum value")?)?;
                    let lo = cur.u32("enum value")?;
                    let value = if k == kind::ENUM {
                        if signed {
                            i64::from(lo as i32)
                        } else {
                            i64::from(lo)
                        }
                    } else {
                        let hi = cur.u32("enum64 value")?;
                        ((u64::from(hi) << 32) | u64::from(lo)) as i64
                    };
                    values.push((v_name, value));
                }
                BtfType::Enum {
                    name: name()?,
                    size: size_or_type,
                    values,
                }
            }
            kind::FWD => BtfType::Fwd { name: name()? },
            kind::TYPEDEF => BtfType::Typedef {
                name: name()?,
                target: size_or_type,
            },
            kind::VOLATILE | kind::CONST | kind::RESTRICT | kind::TYPE_TAG => BtfType::Modifier {
                kind: k,
                target: size_or_type,
            },
            kind::FUNC => BtfType::Func {
                name: name()?,
                proto: size_or_type,
                linkage: vlen as u16,
            },
            kind::FUNC_PROTO => {
                let mut params = Vec::with_capacity(vlen.min(1024) as usize);
                for _ in 0..vlen {
                    let p_name = cur.u32("param")?;
                    let p_type = cur.u32("param")?;
                    params.push((self.string(p_name)?, p_type));
                }
                BtfType::FuncProto {
                    ret: size_or_type,
                    params,
                }
            }
            kind::VAR => BtfType::Var {
                name: name()?,
                target: size_or_type,
                linkage: cur.u32("var")?,
            },
            kind::DATASEC => {
                let mut vars = Vec::with_capacity(vlen.min(1024) as usize);
                for _ in 0..vlen {
                    vars.push((
                        cur.u32("datasec var")?,
                        cur.u32("datasec var")?,
                        cur.u32("datasec var")?,
                    ));
                }
                BtfType::DataSec {
                    name: name()?,
                    size: size_or_type,
                    vars,
                }
            }
            kind::FLOAT => BtfType::Float {
                name: name()?,
                size: size_or_type,
            },
            kind::DECL_TAG => BtfType::DeclTag {
                name: name()?,
                target: size_or_type,
                component: cur.u32("decl tag")? as i32,
            },
            _ => return Err(BtfError::UnknownKind { id, kind: k }),
        })
    }

    /// The string at `offset` in the string section.
    pub fn string(&self, offset: u32) -> Result<String, BtfError> {
        let start = offset as usize;
        if start == 0 && self.strings.is_empty() {
            return Ok(String::new());
        }
        let rest = self
            .strings
            .get(start..)
            .ok_or(BtfError::BadString(offset))?;
        let end = rest
            .iter()
            .position(|&b| b == 0)
            .ok_or(BtfError::BadString(offset))?;
        Ok(String::from_utf8_lossy(&rest[..end]).into_owned())
    }

    /// The number of types, `void` included.
    pub fn len(&self) -> usize {
        self.types.len()
    }

    /// Whether there are no types besides `void`.
    pub fn is_empty(&self) -> bool {
        self.types.len() <= 1
    }

    /// The type with this id.
    pub fn get(&self, id: u32) -> Result<&BtfType, BtfError> {
        self.types.get(id as usize).ok_or(BtfError::BadTypeId(id))
    }

    /// All types with their ids, `void` excluded.
    pub fn types(&self) -> impl Iterator<Item = (u32, &BtfType)> {
        self.types
            .iter()
            .enumerate()
            .skip(1)
            .map(|(i, t)| (i as u32, t))
    }

    /// Follows typedefs and modifiers to the underlying type id.
    pub fn skip_mods(&self, mut id: u32) -> Result<u32, BtfError> {
        for _ in 0..MAX_DEPTH {
            match self.get(id)? {
                BtfType::Typedef { target, .. } | BtfType::Modifier { target, .. } => id = *target,
                _ => return Ok(id),
            }
        }
        Err(BtfError::TooDeep(id))
    }

    /// The size in bytes of a type, as `sizeof` in C.
    pub fn size_of(&self, id: u32) -> Result<u32, BtfError> {
        let mut id = id;
        let mut scale: u64 = 1;
        for _ in 0..MAX_DEPTH {
            let size = match self.get(id)? {
                BtfType::Int { size, .. }
                | BtfType::Struct { size, .. }
                | BtfType::Union { size, .. }
                | BtfType::Enum { size, .. }
                | BtfType::DataSec { size, .. }
                | BtfType::Float { size, .. } => *size,
                BtfType::Ptr { .. } => 8,
                BtfType::Typedef { target, .. }
                | BtfType::Modifier { target, .. }
                | BtfType::Var { target, .. } => {
                    id = *target;
                    continue;
                }
                BtfType::Array { elem, nelems, .. } => {
                    scale = scale.saturating_mul(u64::from(*nelems));
                    id = *elem;
                    continue;
                }
                _ => return Err(BtfError::Unsized(id)),
            };
            let total = scale.saturating_mul(u64::from(size));
            return u32::try_from(total).map_err(|_| BtfError::Unsized(id));
        }
        Err(BtfError::TooDeep(id))
    }

    /// The id of the first type named `name` whose kind satisfies `pred`.
    pub fn find(&self, name: &str, pred: impl Fn(&BtfType) -> bool) -> Option<u32> {
        self.types()
            .find(|(_, t)| t.name() == Some(name) && pred(t))
            .map(|(id, _)| id)
    }
}

impl BtfType {
    /// The type's name, if its kind has one (empty for anonymous types).
    pub fn name(&self) -> Option<&str> {
        match self {
            BtfType::Int { name, .. }
            | BtfType::Struct { name, .. }
            | BtfType::Union { name, .. }
            | BtfType::Enum { name, .. }
            | BtfType::Fwd { name }
            | BtfType::Typedef { name, .. }
            | BtfType::Func { name, .. }
            | BtfType::Var { name, .. }
            | BtfType::DataSec { name, .. }
            | BtfType::Float { name, .. }
            | BtfType::DeclTag { name, .. } => Some(name),
            _ => None,
        }
    }
}
