//! The VM's address space: typed regions behind tagged 64-bit addresses.
//!
//! A VM address is `tag << 32 | offset`. The tag names a region, the
//! offset is a byte offset into it:
//!
//! | tag | region |
//! |---|---|
//! | `0` | nothing: scalars and NULL are never valid pointers |
//! | `2, 4, ..., 16` | the 512-byte stack of call frame 0..7 (`r10` = tag:512) |
//! | `0x20` | the context (`__sk_buff`, `xdp_md`, `bpf_sock_addr`) |
//! | `0x22` | the packet (`data` = tag:0, `data_end` = tag:len) |
//! | `0x24` | the input memory of a raw run (`-- mem`) |
//! | `0x26` | the socket behind `ctx->sk` (read only) |
//! | `0x1000 + 2i` | values of map `i` (and ring buffer reservations) |
//! | `0x2000 + i` | handle of map `i` (what `r1 = map ll` loads; not memory) |
//! | `0x3000` | a function address (`ld_imm64` of a subprogram; not memory) |
//!
//! Memory tags are even and odd tags are never mapped, so a pointer moved
//! just below its region (or 4 GiB past it) lands in an odd tag and faults
//! as unmapped instead of reaching a neighbour.
//!
//! Invariants:
//! * Every load, store, atomic and helper access goes through
//!   `Memory::locate` or the context accessors; they check the region
//!   and the whole byte range, so no access can leave VM-owned memory and
//!   every bad one is a [`VmErrorKind`], never a panic.
//! * Pointer arithmetic is plain 64-bit arithmetic: moving a pointer out of
//!   its region changes the tag or the offset, and the next access fails.
//!   Pointers to the same region compare like the kernel's (`data + n >
//!   data_end` works).
//! * Addresses are the same on every run and every machine, so a run is
//!   deterministic even when a program prints or stores a pointer.

use palisade_verifier::isa::Size;
use std::fmt;

use super::ctx::{CtxLayout, PtrField};
use super::error::VmErrorKind;
use super::maps::Maps;

/// Bytes of stack per call frame.
pub const STACK_SIZE: usize = 512;
/// Maximum call depth (frames), as in Linux.
pub const MAX_FRAMES: usize = 8;

pub(crate) const STACK_TAG: u32 = 2;
pub(crate) const CTX_TAG: u32 = 0x20;
pub(crate) const PACKET_TAG: u32 = 0x22;
pub(crate) const INPUT_TAG: u32 = 0x24;
pub(crate) const SOCK_TAG: u32 = 0x26;
const MAP_VALUE_TAG: u32 = 0x1000;
pub(crate) const MAP_HANDLE_TAG: u32 = 0x2000;
pub(crate) const FUNC_TAG: u32 = 0x3000;
/// Maps are numbered below this (value tags `0x1000..0x2000`).
pub const MAX_MAPS: usize = 0x800;

/// Joins a tag and an offset into a VM address.
pub(crate) const fn addr(tag: u32, offset: u32) -> u64 {
    ((tag as u64) << 32) | offset as u64
}

/// The address of the top of frame `frame`'s stack (what `r10` holds).
pub(crate) const fn frame_pointer(frame: usize) -> u64 {
    addr(STACK_TAG + 2 * frame as u32, STACK_SIZE as u32)
}

/// The frame whose stack tag `tag` is.
fn frame_of_tag(tag: u32) -> Option<usize> {
    let frame = (tag.wrapping_sub(STACK_TAG) / 2) as usize;
    (tag & 1 == 0 && frame < MAX_FRAMES).then_some(frame)
}

/// The address of byte `offset` of map `index`'s memory.
pub(crate) const fn map_value(index: usize, offset: u32) -> u64 {
    addr(MAP_VALUE_TAG + 2 * index as u32, offset)
}

/// The map whose memory `tag` is.
pub(crate) fn map_of_value_tag(tag: u32) -> Option<usize> {
    let index = (tag.wrapping_sub(MAP_VALUE_TAG) / 2) as usize;
    (tag & 1 == 0 && index < MAX_MAPS).then_some(index)
}

/// The handle value of map `index`.
pub(crate) const fn map_handle(index: usize) -> u64 {
    addr(MAP_HANDLE_TAG + index as u32, 0)
}

/// The map index a handle value names, if it is one.
pub(crate) fn map_of_handle(value: u64) -> Option<usize> {
    let tag = (value >> 32) as u32;
    let index = tag.checked_sub(MAP_HANDLE_TAG)? as usize;
    (index < MAX_MAPS && value as u32 == 0).then_some(index)
}

/// A region of the VM's address space, as errors name it.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Region {
    Stack { frame: u8 },
    Ctx,
    Packet,
    Input,
    Sock,
    MapValue { map: u32 },
    RingbufRecord { map: u32 },
}

impl fmt::Display for Region {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Region::Stack { frame } => write!(f, "the stack of frame {frame}"),
            Region::Ctx => f.write_str("the context"),
            Region::Packet => f.write_str("the packet"),
            Region::Input => f.write_str("the input memory"),
            Region::Sock => f.write_str("the socket"),
            Region::MapValue { map } => write!(f, "a value of map{map}"),
            Region::RingbufRecord { map } => write!(f, "a ring buffer record of map{map}"),
        }
    }
}

/// Where a checked access lands.
#[derive(Clone, Copy, Debug)]
enum Area {
    Stack,
    Packet,
    Input,
    Sock,
    Map(usize),
}

/// Checks `offset..offset + size` against a region of `len` bytes.
pub(crate) fn check_range(
    region: Region,
    offset: u32,
    size: u32,
    len: usize,
    write: bool,
) -> Result<usize, VmErrorKind> {
    let end = offset as u64 + size as u64;
    if end > len as u64 {
        return Err(VmErrorKind::OutOfBounds {
            region,
            offset: offset as u64,
            size,
            len: len as u64,
            write,
        });
    }
    Ok(offset as usize)
}

/// The memory a run can touch, borrowed from the VM and the caller.
pub(crate) struct Memory<'a> {
    /// `MAX_FRAMES * STACK_SIZE` bytes; frame `f` owns
    /// `f * STACK_SIZE..(f + 1) * STACK_SIZE`.
    pub stack: &'a mut [u8],
    pub ctx: &'a mut [u8],
    pub layout: &'static CtxLayout,
    pub sock: &'a [u8],
    /// The whole frame; the packet the program sees (`data`..`data_end`)
    /// is `frame[data_off..]`.
    pub frame: &'a mut [u8],
    pub data_off: usize,
    pub input: &'a mut [u8],
    pub maps: &'a mut Maps,
}

fn read_le(bytes: &[u8]) -> u64 {
    let mut buf = [0u8; 8];
    let n = bytes.len().min(8);
    buf[..n].copy_from_slice(&bytes[..n]);
    u64::from_le_bytes(buf)
}

fn write_le(bytes: &mut [u8], value: u64) {
    let n = bytes.len().min(8);
    bytes[..n].copy_from_slice(&value.to_le_bytes()[..n]);
}

impl Memory<'_> {
    /// The packet as the program sees it (`data`..`data_end`).
    pub fn packet(&self) -> &[u8] {
        self.frame.get(self.data_off..).unwrap_or(&[])
    }

    /// The packet, writable.
    pub fn packet_mut(&mut self) -> &mut [u8] {
        self.frame.get_mut(self.data_off..).unwrap_or(&mut [])
    }

    /// Checks an access of `size` bytes at `addr` to plain memory (not the
    /// context) and returns where it lands.
    fn locate(&self, addr: u64, size: u32, write: bool) -> Result<(Area, usize), VmErrorKind> {
        let tag = (addr >> 32) as u32;
        let offset = addr as u32;
        if let Some(frame) = frame_of_tag(tag) {
            let region = Region::Stack { frame: frame as u8 };
            let start = check_range(region, offset, size, STACK_SIZE, write)?;
            return Ok((Area::Stack, frame * STACK_SIZE + start));
        }
        match tag {
            PACKET_TAG => {
                let start = check_range(Region::Packet, offset, size, self.packet().len(), write)?;
                Ok((Area::Packet, self.data_off + start))
            }
            t if (MAP_HANDLE_TAG..FUNC_TAG).contains(&t) => Err(VmErrorKind::Unsupported(
                "reading struct bpf_map through a map pointer",
            )),
            INPUT_TAG => Ok((
                Area::Input,
                check_range(Region::Input, offset, size, self.input.len(), write)?,
            )),
            SOCK_TAG => {
                let start = check_range(Region::Sock, offset, size, self.sock.len(), write)?;
                if write {
                    return Err(VmErrorKind::ReadOnly {
                        region: Region::Sock,
                        offset: offset as u64,
                        size,
                    });
                }
                Ok((Area::Sock, start))
            }
            CTX_TAG => Err(VmErrorKind::CtxAccess {
                offset: offset as u64,
                size,
                write,
                reason: "the context is not plain memory here",
            }),
            _ => match map_of_value_tag(tag).and_then(|i| Some((i, self.maps.get_index(i)?))) {
                Some((i, m)) => Ok((Area::Map(i), m.locate(i as u32, offset, size, write)?)),
                None => Err(VmErrorKind::Unmapped { addr, size, write }),
            },
        }
    }

    fn area(&self, area: Area) -> &[u8] {
        match area {
            Area::Stack => self.stack,
            Area::Packet => self.frame,
            Area::Input => self.input,
            Area::Sock => self.sock,
            Area::Map(i) => self.maps.get_index(i).map_or(&[], |m| m.memory()),
        }
    }

    fn area_mut(&mut self, area: Area) -> &mut [u8] {
        match area {
            Area::Stack => self.stack,
            Area::Packet => self.frame,
            Area::Input => self.input,
            Area::Sock => &mut [],
            Area::Map(i) => match self.maps.get_index_mut(i) {
                Some(m) => m.memory_mut(),
                None => &mut [],
            },
        }
    }

    /// `len` readable bytes at `addr` (for helpers).
    pub fn bytes(&self, addr: u64, len: u32) -> Result<&[u8], VmErrorKind> {
        let (area, start) = self.locate(addr, len, false)?;
        self.area(area)
            .get(start..start + len as usize)
            .ok_or(VmErrorKind::Unmapped {
                addr,
                size: len,
                write: false,
            })
    }

    /// `len` writable bytes at `addr` (for helpers and atomics).
    pub fn bytes_mut(&mut self, addr: u64, len: u32) -> Result<&mut [u8], VmErrorKind> {
        let (area, start) = self.locate(addr, len, true)?;
        self.area_mut(area)
            .get_mut(start..start + len as usize)
            .ok_or(VmErrorKind::Unmapped {
                addr,
                size: len,
                write: true,
            })
    }

    /// A zero-extending load.
    #[inline]
    pub fn load(&self, addr: u64, size: Size) -> Result<u64, VmErrorKind> {
        if (addr >> 32) as u32 == CTX_TAG {
            return self.ctx_load(addr as u32, size.bytes());
        }
        self.bytes(addr, size.bytes()).map(read_le)
    }

    /// A store of the low `size` bytes of `value`.
    #[inline]
    pub fn store(&mut self, addr: u64, size: Size, value: u64) -> Result<(), VmErrorKind> {
        if (addr >> 32) as u32 == CTX_TAG {
            return self.ctx_store(addr as u32, size.bytes(), value);
        }
        self.bytes_mut(addr, size.bytes())
            .map(|b| write_le(b, value))
    }

    /// Read-modify-write: `f(old) -> (new, result)`; returns `result`.
    pub fn atomic(
        &mut self,
        addr: u64,
        size: Size,
        f: impl FnOnce(u64) -> (u64, u64),
    ) -> Result<u64, VmErrorKind> {
        let bytes = self.bytes_mut(addr, size.bytes())?;
        let (new, result) = f(read_le(bytes));
        write_le(bytes, new);
        Ok(result)
    }

    /// The value of a pointer field of the context.
    fn ctx_pointer(&self, field: PtrField) -> u64 {
        match field {
            PtrField::Data | PtrField::DataMeta => addr(PACKET_TAG, 0),
            PtrField::DataEnd => addr(PACKET_TAG, self.packet().len() as u32),
            PtrField::Sock => addr(SOCK_TAG, 0),
        }
    }

    fn ctx_load(&self, offset: u32, size: u32) -> Result<u64, VmErrorKind> {
        let start = check_range(Region::Ctx, offset, size, self.ctx.len(), false)?;
        if let Some(field) = self.layout.pointer_overlapping(offset, size) {
            if field.offset == offset && field.size == size {
                return Ok(self.ctx_pointer(field.field));
            }
            return Err(VmErrorKind::CtxAccess {
                offset: offset as u64,
                size,
                write: false,
                reason: "a pointer field must be loaded whole",
            });
        }
        Ok(read_le(&self.ctx[start..start + size as usize]))
    }

    fn ctx_store(&mut self, offset: u32, size: u32, value: u64) -> Result<(), VmErrorKind> {
        let start = check_range(Region::Ctx, offset, size, self.ctx.len(), true)?;
        if !self.layout.writable(offset, size) {
            return Err(VmErrorKind::ReadOnly {
                region: Region::Ctx,
                offset: offset as u64,
                size,
            });
        }
        write_le(&mut self.ctx[start..start + size as usize], value);
        Ok(())
    }
}
