//! Helper functions (`call N`), with Linux's numbers and semantics.
//!
//! | id | helper | notes |
//! |---|---|---|
//! | 1, 2, 3 | `map_lookup_elem`, `map_update_elem`, `map_delete_elem` | errors as `-errno` |
//! | 5, 125, 160 | `ktime_get_ns`, `_boot_ns`, `_coarse_ns` | the fake clock of [`Env`] |
//! | 6 | `trace_printk` | captured in [`Env::trace`] |
//! | 7 | `get_prandom_u32` | seeded, deterministic |
//! | 8 | `get_smp_processor_id` | always CPU 0 |
//! | 9, 26 | `skb_store_bytes`, `skb_load_bytes` | `__sk_buff` programs |
//! | 10, 11 | `l3_csum_replace`, `l4_csum_replace` | `__sk_buff` programs |
//! | 14, 15 | `get_current_pid_tgid`, `get_current_uid_gid` | from [`super::VmConfig`] |
//! | 23 | `redirect` | the verdict only (`TC_ACT_REDIRECT`, `XDP_REDIRECT`); nothing is sent |
//! | 25 | `perf_event_output` | records collected |
//! | 28 | `csum_diff` | |
//! | 40 | `csum_update` | `-ENOTSUPP`: skbs are `CHECKSUM_NONE`, as in `BPF_PROG_TEST_RUN` |
//! | 42 | `get_numa_node_id` | node 0 |
//! | 93, 94 | `spin_lock`, `spin_unlock` | one CPU: no contention |
//! | 130..=133 | `ringbuf_output`, `_reserve`, `_submit`, `_discard` | records collected |
//!
//! Any other number is [`VmErrorKind::UnknownHelper`]. Memory arguments are
//! checked like loads and stores; an argument of the wrong kind (not a map,
//! not a ring buffer record) is [`VmErrorKind::HelperArg`]. Where Linux
//! returns an error number at run time, so does the VM.

use super::csum;
use super::ctx::PacketHook;
use super::env::Env;
use super::error::VmErrorKind;
use super::maps::{copy_value, MapError, MapKind, EAGAIN};
use super::memory::{self, map_of_handle, map_of_value_tag, Memory, CTX_TAG};
use super::printk;

const EINVAL: i64 = 22;
const EFAULT: i64 = 14;
const E2BIG: i64 = 7;
const ENOTSUPP: i64 = 524;

fn neg(errno: i64) -> u64 {
    (-errno) as u64
}

/// One helper call's view of the machine.
pub(crate) struct HelperCall<'b, 'a> {
    pub mem: &'b mut Memory<'a>,
    pub env: &'b mut Env,
    pub scratch: &'b mut Vec<u8>,
    pub hook: Option<PacketHook>,
}

impl printk::ReadMem for Memory<'_> {
    fn read(&self, addr: u64, len: u32) -> Option<Vec<u8>> {
        self.bytes(addr, len).ok().map(<[u8]>::to_vec)
    }
}

impl HelperCall<'_, '_> {
    /// Calls helper `id` with `r1`..`r5`; returns `r0`.
    pub fn call(&mut self, id: i32, a: [u64; 5]) -> Result<u64, VmErrorKind> {
        match id {
            1 => self.map_lookup(id, a),
            2 => self.map_update(id, a),
            3 => self.map_delete(id, a),
            5 | 125 | 160 => Ok(self.env.ktime_ns()),
            6 => self.trace_printk(a),
            7 => Ok(u64::from(self.env.random_u32())),
            8 => Ok(0),
            9 => self.skb_store_bytes(id, a),
            10 => self.csum_replace(id, a, false),
            11 => self.csum_replace(id, a, true),
            14 => Ok(self.env.pid_tgid),
            15 => Ok(self.env.uid_gid),
            23 => self.redirect(a),
            25 => self.perf_event_output(id, a),
            40 => {
                // bpf_csum_update: the VM's skbs are CHECKSUM_NONE, as in
                // BPF_PROG_TEST_RUN, so Linux answers -ENOTSUPP.
                self.need_skb(id, a[0])?;
                Ok(neg(ENOTSUPP))
            }
            42 => Ok(0),
            93 | 94 => {
                // bpf_spin_lock/unlock: one CPU, no contention; the lock
                // must still be memory the program may write.
                self.mem.bytes_mut(a[0], 4)?;
                Ok(0)
            }
            26 => self.skb_load_bytes(id, a),
            28 => self.csum_diff(a),
            130 => self.ringbuf_output(id, a),
            131 => self.ringbuf_reserve(id, a),
            132 => self.ringbuf_release(id, a, true),
            133 => self.ringbuf_release(id, a, false),
            _ => Err(VmErrorKind::UnknownHelper(id)),
        }
    }

    fn arg_err(helper: i32, arg: u8, reason: &'static str) -> VmErrorKind {
        VmErrorKind::HelperArg {
            helper,
            arg,
            reason,
        }
    }

    /// The map a handle argument names. A map the VM only has a
    /// placeholder for is `Unsupported`, not a bad argument.
    fn map_arg(&self, helper: i32, arg: u8, value: u64) -> Result<usize, VmErrorKind> {
        let m = map_of_handle(value)
            .filter(|&m| m < self.mem.maps.len())
            .ok_or(Self::arg_err(helper, arg, "not a map"))?;
        if self.map_kind(m) == MapKind::Unsupported {
            return Err(VmErrorKind::Unsupported(
                "a map type the VM does not emulate",
            ));
        }
        Ok(m)
    }

    fn map_kind(&self, m: usize) -> MapKind {
        self.mem
            .maps
            .get_index(m)
            .map_or(MapKind::Unsupported, |x| x.kind())
    }

    /// Copies `len` bytes at `addr` into the scratch buffer (after what
    /// it already holds).
    fn copy_in(&mut self, addr: u64, len: u32) -> Result<(), VmErrorKind> {
        let bytes = self.mem.bytes(addr, len)?;
        self.scratch.extend_from_slice(bytes);
        Ok(())
    }

    fn map_lookup(&mut self, id: i32, a: [u64; 5]) -> Result<u64, VmErrorKind> {
        let m = self.map_arg(id, 1, a[0])?;
        let key_size = self.mem.maps.get_index(m).map_or(0, |x| x.def().key_size);
        self.scratch.clear();
        self.copy_in(a[1], key_size)?;
        let Some(map) = self.mem.maps.get_index_mut(m) else {
            return Err(Self::arg_err(id, 1, "not a map"));
        };
        match map.lookup_offset(self.scratch) {
            Ok(Some(off)) => Ok(memory::map_value(m, off)),
            Ok(None) => Ok(0),
            Err(_) => Err(Self::arg_err(id, 1, "map type has no lookup")),
        }
    }

    fn map_update(&mut self, id: i32, a: [u64; 5]) -> Result<u64, VmErrorKind> {
        let m = self.map_arg(id, 1, a[0])?;
        let (key_size, value_size, read_only) =
            self.mem.maps.get_index(m).map_or((0, 0, true), |x| {
                (x.def().key_size, x.def().value_size, x.read_only())
            });
        if read_only {
            return Err(Self::arg_err(id, 1, "map is read-only for programs"));
        }
        self.scratch.clear();
        self.copy_in(a[1], key_size)?;
        self.copy_in(a[2], value_size)?;
        let Some(map) = self.mem.maps.get_index_mut(m) else {
            return Err(Self::arg_err(id, 1, "not a map"));
        };
        let (key, value) = self.scratch.split_at(key_size as usize);
        match map.update(key, value, a[3]) {
            Ok(()) => Ok(0),
            Err(MapError::NotSupported(_)) => Err(Self::arg_err(id, 1, "map type has no update")),
            Err(e) => Ok(neg(e.errno().into())),
        }
    }

    fn map_delete(&mut self, id: i32, a: [u64; 5]) -> Result<u64, VmErrorKind> {
        let m = self.map_arg(id, 1, a[0])?;
        let (key_size, read_only) = self
            .mem
            .maps
            .get_index(m)
            .map_or((0, true), |x| (x.def().key_size, x.read_only()));
        if read_only {
            return Err(Self::arg_err(id, 1, "map is read-only for programs"));
        }
        self.scratch.clear();
        self.copy_in(a[1], key_size)?;
        let Some(map) = self.mem.maps.get_index_mut(m) else {
            return Err(Self::arg_err(id, 1, "not a map"));
        };
        match map.delete(self.scratch) {
            Ok(()) => Ok(0),
            Err(MapError::NotSupported(_)) => Err(Self::arg_err(id, 1, "map type has no delete")),
            Err(e) => Ok(neg(e.errno().into())),
        }
    }

    fn trace_printk(&mut self, a: [u64; 5]) -> Result<u64, VmErrorKind> {
        let size = u32::try_from(a[1]).unwrap_or(u32::MAX);
        if size == 0 {
            return Ok(neg(EINVAL));
        }
        let fmt = self.mem.bytes(a[0], size)?.to_vec();
        match printk::format(&fmt, [a[2], a[3], a[4]], &*self.mem) {
            Some(text) => {
                let len = text.len() as u64;
                let line = text.strip_suffix('\n').unwrap_or(&text).to_string();
                self.env.push_trace(line);
                Ok(len)
            }
            None => Ok(neg(EINVAL)),
        }
    }

    fn is_skb(&self) -> bool {
        self.hook.is_some_and(PacketHook::is_skb)
    }

    fn need_skb(&self, id: i32, ctx: u64) -> Result<(), VmErrorKind> {
        if !self.is_skb() {
            return Err(VmErrorKind::Unsupported(
                "this helper needs a __sk_buff context",
            ));
        }
        if ctx != memory::addr(CTX_TAG, 0) {
            return Err(Self::arg_err(id, 1, "not the context"));
        }
        Ok(())
    }

    /// The packet range `offset..offset + len`, if inside the packet.
    fn packet_range(&self, offset: u64, len: u64) -> Option<std::ops::Range<usize>> {
        let start = usize::try_from(offset).ok()?;
        let end = start.checked_add(usize::try_from(len).ok()?)?;
        (end <= self.mem.packet().len()).then_some(start..end)
    }

    fn skb_load_bytes(&mut self, id: i32, a: [u64; 5]) -> Result<u64, VmErrorKind> {
        self.need_skb(id, a[0])?;
        let len = u32::try_from(a[3]).unwrap_or(u32::MAX);
        // The destination must be writable whatever happens.
        self.mem.bytes_mut(a[2], len)?;
        self.scratch.clear();
        let result = match self.packet_range(a[1] as u32 as u64, a[3]) {
            Some(range) => {
                self.scratch.extend_from_slice(&self.mem.packet()[range]);
                0
            }
            None => {
                self.scratch.resize(len as usize, 0);
                neg(EFAULT)
            }
        };
        copy_value(self.mem.bytes_mut(a[2], len)?, self.scratch);
        Ok(result)
    }

    fn skb_store_bytes(&mut self, id: i32, a: [u64; 5]) -> Result<u64, VmErrorKind> {
        self.need_skb(id, a[0])?;
        if a[4] & !3 != 0 {
            return Ok(neg(EINVAL));
        }
        let len = u32::try_from(a[3]).unwrap_or(u32::MAX);
        self.scratch.clear();
        self.copy_in(a[2], len)?;
        match self.packet_range(a[1] as u32 as u64, a[3]) {
            Some(range) => {
                copy_value(&mut self.mem.packet_mut()[range], self.scratch);
                Ok(0)
            }
            None => Ok(neg(EFAULT)),
        }
    }

    /// `bpf_l3_csum_replace` / `bpf_l4_csum_replace`.
    fn csum_replace(&mut self, id: i32, a: [u64; 5], l4: bool) -> Result<u64, VmErrorKind> {
        const PSEUDO_HDR: u64 = 0x10;
        const MARK_MANGLED_0: u64 = 0x20;
        const MARK_ENFORCE: u64 = 0x40;
        self.need_skb(id, a[0])?;
        let flags = a[4];
        let allowed = if l4 {
            0xf | PSEUDO_HDR | MARK_MANGLED_0 | MARK_ENFORCE
        } else {
            0xf
        };
        if flags & !allowed != 0 {
            return Ok(neg(EINVAL));
        }
        let Some(range) = self.packet_range(a[1] as u32 as u64, 2) else {
            return Ok(neg(EFAULT));
        };
        let field = &mut self.mem.packet_mut()[range];
        let sum = u16::from_le_bytes([field[0], field[1]]);
        let mangled_zero = l4 && flags & MARK_MANGLED_0 != 0;
        if mangled_zero && sum == 0 {
            return Ok(0);
        }
        let new = match flags & 0xf {
            0 => csum::replace_by_diff(sum, a[3] as u32),
            2 => csum::replace(sum, u32::from(a[2] as u16), u32::from(a[3] as u16)),
            4 => csum::replace(sum, a[2] as u32, a[3] as u32),
            _ => return Ok(neg(EINVAL)),
        };
        let new = if mangled_zero && new == 0 {
            0xffff
        } else {
            new
        };
        field.copy_from_slice(&new.to_le_bytes());
        Ok(0)
    }

    fn csum_diff(&mut self, a: [u64; 5]) -> Result<u64, VmErrorKind> {
        let (from_size, to_size) = (a[1], a[3]);
        if from_size % 4 != 0 || to_size % 4 != 0 || from_size.saturating_add(to_size) > 512 {
            return Ok(neg(EINVAL));
        }
        self.scratch.clear();
        if from_size > 0 {
            self.copy_in(a[0], from_size as u32)?;
            for b in self.scratch.iter_mut() {
                *b = !*b;
            }
        }
        if to_size > 0 {
            self.copy_in(a[2], to_size as u32)?;
        }
        Ok(u64::from(csum::partial(self.scratch, a[4] as u32)))
    }

    /// `bpf_redirect(ifindex, flags)`: the program's verdict, as Linux
    /// computes it; the VM does not model devices, so nothing is sent.
    fn redirect(&mut self, a: [u64; 5]) -> Result<u64, VmErrorKind> {
        const BPF_F_INGRESS: u64 = 1;
        match self.hook {
            Some(PacketHook::Xdp) if a[1] == 0 => Ok(4),
            Some(PacketHook::Xdp) => Ok(0),
            Some(PacketHook::Tc) if a[1] & !BPF_F_INGRESS == 0 => Ok(7),
            Some(PacketHook::Tc) => Ok(2),
            _ => Err(VmErrorKind::Unsupported(
                "bpf_redirect outside tc and XDP programs",
            )),
        }
    }

    fn perf_event_output(&mut self, id: i32, a: [u64; 5]) -> Result<u64, VmErrorKind> {
        const CURRENT_CPU: u64 = 0xffff_ffff;
        if (a[0] >> 32) as u32 != CTX_TAG {
            return Err(Self::arg_err(id, 1, "not the context"));
        }
        let m = self.map_arg(id, 2, a[1])?;
        if self.map_kind(m) != MapKind::PerfEventArray {
            return Err(Self::arg_err(id, 2, "not a perf event array"));
        }
        let flags = a[2];
        let index = flags & 0xffff_ffff;
        let max = self
            .mem
            .maps
            .get_index(m)
            .map_or(0, |x| x.def().max_entries);
        if flags >> 52 != 0 || (index != CURRENT_CPU && index >= u64::from(max)) {
            return Ok(neg(if index >= u64::from(max) {
                E2BIG
            } else {
                EINVAL
            }));
        }
        self.scratch.clear();
        self.copy_in(a[3], u32::try_from(a[4]).unwrap_or(u32::MAX))?;
        // BPF_F_CTXLEN_MASK: that many packet bytes follow the sample.
        let ctx_len = (flags >> 32) & 0xf_ffff;
        if ctx_len > 0 {
            match self.packet_range(0, ctx_len).filter(|_| self.is_skb()) {
                Some(range) => self.scratch.extend_from_slice(&self.mem.packet()[range]),
                None => return Ok(neg(EFAULT)),
            }
        }
        let record = self.scratch.clone();
        if let Some(p) = self.mem.maps.get_index_mut(m).and_then(|x| x.perf_mut()) {
            p.records.push(record);
        }
        Ok(0)
    }

    fn ringbuf_output(&mut self, id: i32, a: [u64; 5]) -> Result<u64, VmErrorKind> {
        let m = self.map_arg(id, 1, a[0])?;
        if self.map_kind(m) != MapKind::RingBuf {
            return Err(Self::arg_err(id, 1, "not a ring buffer"));
        }
        self.scratch.clear();
        let size = u32::try_from(a[2]).unwrap_or(u32::MAX);
        if size > 0 {
            self.copy_in(a[1], size)?;
        }
        let rb = self.mem.maps.get_index_mut(m).and_then(|x| x.ringbuf_mut());
        Ok(rb.map_or(neg(EAGAIN.into()), |r| r.output(self.scratch) as u64))
    }

    fn ringbuf_reserve(&mut self, id: i32, a: [u64; 5]) -> Result<u64, VmErrorKind> {
        let m = self.map_arg(id, 1, a[0])?;
        if self.map_kind(m) != MapKind::RingBuf {
            return Err(Self::arg_err(id, 1, "not a ring buffer"));
        }
        if a[2] != 0 {
            return Ok(0);
        }
        let rb = self.mem.maps.get_index_mut(m).and_then(|x| x.ringbuf_mut());
        Ok(rb
            .and_then(|r| r.reserve(a[1]))
            .map_or(0, |off| memory::map_value(m, off)))
    }

    fn ringbuf_release(&mut self, id: i32, a: [u64; 5], submit: bool) -> Result<u64, VmErrorKind> {
        let not_record = Self::arg_err(id, 1, "not a ring buffer reservation");
        let tag = (a[0] >> 32) as u32;
        let m = map_of_value_tag(tag).ok_or(not_record.clone())?;
        let rb = self.mem.maps.get_index_mut(m).and_then(|x| x.ringbuf_mut());
        if rb.is_some_and(|r| r.release(a[0] as u32, submit)) {
            Ok(0)
        } else {
            Err(not_record)
        }
    }
}
