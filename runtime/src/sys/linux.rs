//! The real `bpf()` system call on Linux.
//!
//! The attribute structs mirror the prefixes of `union bpf_attr` that each
//! command reads (the kernel accepts a shorter struct and zero-fills the
//! rest). Field offsets are fixed by the UAPI and checked by a unit test.

use super::{
    Bpf, Fd, MapCreate, ProgInfo, ProgLoad, ProgLoadOutcome, SysError, TestRun, TestRunOutcome,
};
use std::sync::Arc;

const BPF_MAP_CREATE: i64 = 0;
const BPF_MAP_LOOKUP_ELEM: i64 = 1;
const BPF_MAP_UPDATE_ELEM: i64 = 2;
const BPF_PROG_LOAD: i64 = 5;
const BPF_PROG_ATTACH: i64 = 8;
const BPF_PROG_DETACH: i64 = 9;
const BPF_PROG_TEST_RUN: i64 = 10;
const BPF_OBJ_GET_INFO_BY_FD: i64 = 15;
const BPF_F_ALLOW_MULTI: u32 = 2;

#[repr(C)]
#[derive(Default)]
struct AttachAttr {
    target_fd: u32,
    attach_bpf_fd: u32,
    attach_type: u32,
    attach_flags: u32,
    replace_bpf_fd: u32,
}
const BPF_MAP_FREEZE: i64 = 22;

#[repr(C)]
#[derive(Default)]
struct TestRunAttr {
    prog_fd: u32,
    retval: u32,
    data_size_in: u32,
    data_size_out: u32,
    data_in: u64,
    data_out: u64,
    repeat: u32,
    duration: u32,
    ctx_size_in: u32,
    ctx_size_out: u32,
    ctx_in: u64,
    ctx_out: u64,
    flags: u32,
    cpu: u32,
    batch_size: u32,
    /// Explicit tail padding: the kernel rejects non-zero bytes past the
    /// fields it knows.
    _pad: u32,
}

/// `attr.info` of `BPF_OBJ_GET_INFO_BY_FD`.
#[repr(C)]
#[derive(Default)]
struct InfoAttr {
    bpf_fd: u32,
    info_len: u32,
    info: u64,
}

/// The prefix of `struct bpf_prog_info` up to `verified_insns` (the
/// kernel fills at most `info_len` bytes; the pointer fields stay 0, so
/// it copies no arrays).
#[repr(C)]
#[derive(Default)]
struct ProgInfoRaw {
    prog_type: u32,
    id: u32,
    tag: [u8; 8],
    jited_prog_len: u32,
    xlated_prog_len: u32,
    /// Pointer and count fields Palisade leaves at 0.
    _unused: [u64; 21],
    run_time_ns: u64,
    run_cnt: u64,
    recursion_misses: u64,
    verified_insns: u32,
    _pad: u32,
}

#[repr(C)]
#[derive(Default)]
struct MapCreateAttr {
    map_type: u32,
    key_size: u32,
    value_size: u32,
    max_entries: u32,
    map_flags: u32,
    inner_map_fd: u32,
    numa_node: u32,
    map_name: [u8; 16],
}

#[repr(C)]
#[derive(Default)]
struct MapElemAttr {
    map_fd: u32,
    _pad: u32,
    key: u64,
    value: u64,
    flags: u64,
}

#[repr(C)]
#[derive(Default)]
struct MapFdAttr {
    map_fd: u32,
}

#[repr(C)]
#[derive(Default)]
struct ProgLoadAttr {
    prog_type: u32,
    insn_cnt: u32,
    insns: u64,
    license: u64,
    log_level: u32,
    log_size: u32,
    log_buf: u64,
    kern_version: u32,
    prog_flags: u32,
    prog_name: [u8; 16],
    prog_ifindex: u32,
    expected_attach_type: u32,
}

fn name16(name: &str) -> [u8; 16] {
    let mut out = [0u8; 16];
    for (o, b) in out
        .iter_mut()
        .zip(
            name.bytes()
                .filter(|b| b.is_ascii_alphanumeric() || *b == b'_' || *b == b'.'),
        )
        .take(15)
    {
        *o = b;
    }
    out
}

/// The running kernel.
#[derive(Debug, Default, Clone, Copy)]
pub struct Kernel;

impl Kernel {
    fn call<T>(cmd: i64, attr: &mut T) -> Result<i64, i32> {
        // SAFETY: `attr` is a live, properly aligned `#[repr(C)]` struct
        // whose layout is a prefix of `union bpf_attr` for `cmd`; every
        // pointer inside it refers to memory that outlives the call. The
        // kernel reads at most `size_of::<T>()` bytes.
        let ret = unsafe {
            libc::syscall(
                libc::SYS_bpf,
                cmd,
                attr as *mut T as *mut libc::c_void,
                std::mem::size_of::<T>() as libc::c_uint,
            )
        };
        if ret < 0 {
            Err(std::io::Error::last_os_error()
                .raw_os_error()
                .unwrap_or(libc::EINVAL))
        } else {
            Ok(ret)
        }
    }

    fn own(raw: i64) -> Fd {
        Fd::new(
            raw as i32,
            Arc::new(|fd| {
                // SAFETY: `fd` was returned by bpf() and is closed once, by
                // the `Fd` that owns it.
                unsafe {
                    libc::close(fd);
                }
            }),
        )
    }
}

impl Bpf for Kernel {
    fn map_create(&self, req: &MapCreate) -> Result<Fd, SysError> {
        let mut attr = MapCreateAttr {
            map_type: req.map_type,
            key_size: req.key_size,
            value_size: req.value_size,
            max_entries: req.max_entries,
            map_flags: req.flags,
            inner_map_fd: req.inner_map_fd.unwrap_or(0) as u32,
            numa_node: 0,
            map_name: name16(&req.name),
        };
        Kernel::call(BPF_MAP_CREATE, &mut attr)
            .map(Kernel::own)
            .map_err(|errno| SysError {
                command: "BPF_MAP_CREATE",
                errno,
            })
    }

    fn map_update(&self, map: &Fd, key: &[u8], value: &[u8]) -> Result<(), SysError> {
        let mut attr = MapElemAttr {
            map_fd: map.raw() as u32,
            _pad: 0,
            key: key.as_ptr() as u64,
            value: value.as_ptr() as u64,
            flags: 0,
        };
        Kernel::call(BPF_MAP_UPDATE_ELEM, &mut attr)
            .map(|_| ())
            .map_err(|errno| SysError {
                command: "BPF_MAP_UPDATE_ELEM",
                errno,
            })
    }

    fn map_freeze(&self, map: &Fd) -> Result<(), SysError> {
        let mut attr = MapFdAttr {
            map_fd: map.raw() as u32,
        };
        Kernel::call(BPF_MAP_FREEZE, &mut attr)
            .map(|_| ())
            .map_err(|errno| SysError {
                command: "BPF_MAP_FREEZE",
                errno,
            })
    }

    fn map_lookup(
        &self,
        map: &Fd,
        key: &[u8],
        value_len: usize,
    ) -> Result<Option<Vec<u8>>, SysError> {
        let mut value = vec![0u8; value_len];
        let mut attr = MapElemAttr {
            map_fd: map.raw() as u32,
            _pad: 0,
            key: key.as_ptr() as u64,
            value: value.as_mut_ptr() as u64,
            flags: 0,
        };
        match Kernel::call(BPF_MAP_LOOKUP_ELEM, &mut attr) {
            Ok(_) => Ok(Some(value)),
            Err(libc::ENOENT) => Ok(None),
            Err(errno) => Err(SysError {
                command: "BPF_MAP_LOOKUP_ELEM",
                errno,
            }),
        }
    }

    fn prog_test_run(&self, prog: &Fd, req: &TestRun) -> Result<TestRunOutcome, SysError> {
        let mut data_out = vec![0u8; req.data_out_size as usize];
        let ctx = req.ctx.as_deref().unwrap_or(&[]);
        let mut attr = TestRunAttr {
            prog_fd: prog.raw() as u32,
            data_size_in: req.data.len() as u32,
            data_size_out: data_out.len() as u32,
            data_in: if req.data.is_empty() {
                0
            } else {
                req.data.as_ptr() as u64
            },
            data_out: if data_out.is_empty() {
                0
            } else {
                data_out.as_mut_ptr() as u64
            },
            repeat: req.repeat,
            ctx_size_in: ctx.len() as u32,
            ctx_in: if ctx.is_empty() {
                0
            } else {
                ctx.as_ptr() as u64
            },
            ..TestRunAttr::default()
        };
        Kernel::call(BPF_PROG_TEST_RUN, &mut attr).map_err(|errno| SysError {
            command: "BPF_PROG_TEST_RUN",
            errno,
        })?;
        data_out.truncate((attr.data_size_out as usize).min(data_out.len()));
        Ok(TestRunOutcome {
            retval: attr.retval,
            duration_ns: attr.duration,
            data_out,
        })
    }

    fn prog_attach(&self, prog: &Fd, target: i32, attach_type: u32) -> Result<(), SysError> {
        let mut attr = AttachAttr {
            target_fd: target as u32,
            attach_bpf_fd: prog.raw() as u32,
            attach_type,
            attach_flags: BPF_F_ALLOW_MULTI,
            replace_bpf_fd: 0,
        };
        Kernel::call(BPF_PROG_ATTACH, &mut attr)
            .map(|_| ())
            .map_err(|errno| SysError {
                command: "BPF_PROG_ATTACH",
                errno,
            })
    }

    fn prog_detach(&self, prog: &Fd, target: i32, attach_type: u32) -> Result<(), SysError> {
        let mut attr = AttachAttr {
            target_fd: target as u32,
            attach_bpf_fd: prog.raw() as u32,
            attach_type,
            ..AttachAttr::default()
        };
        Kernel::call(BPF_PROG_DETACH, &mut attr)
            .map(|_| ())
            .map_err(|errno| SysError {
                command: "BPF_PROG_DETACH",
                errno,
            })
    }

    fn prog_info(&self, prog: &Fd) -> Result<ProgInfo, SysError> {
        let mut info = ProgInfoRaw::default();
        let mut attr = InfoAttr {
            bpf_fd: prog.raw() as u32,
            info_len: std::mem::size_of::<ProgInfoRaw>() as u32,
            info: &mut info as *mut ProgInfoRaw as u64,
        };
        Kernel::call(BPF_OBJ_GET_INFO_BY_FD, &mut attr).map_err(|errno| SysError {
            command: "BPF_OBJ_GET_INFO_BY_FD",
            errno,
        })?;
        Ok(ProgInfo {
            xlated_len: info.xlated_prog_len,
            jited_len: info.jited_prog_len,
            verified_insns: info.verified_insns,
            run_time_ns: info.run_time_ns,
            run_cnt: info.run_cnt,
        })
    }

    fn prog_load(&self, req: &ProgLoad) -> ProgLoadOutcome {
        let mut license: Vec<u8> = req.license.bytes().filter(|b| *b != 0).collect();
        license.push(0);
        let mut log = vec![
            0u8;
            if req.log_level > 0 {
                req.log_size as usize
            } else {
                0
            }
        ];
        let mut attr = ProgLoadAttr {
            prog_type: req.prog_type,
            insn_cnt: req.insns.len() as u32,
            insns: req.insns.as_ptr() as u64,
            license: license.as_ptr() as u64,
            log_level: if log.is_empty() { 0 } else { req.log_level },
            log_size: log.len() as u32,
            log_buf: if log.is_empty() {
                0
            } else {
                log.as_mut_ptr() as u64
            },
            kern_version: 0,
            prog_flags: req.prog_flags,
            prog_name: name16(&req.name),
            prog_ifindex: 0,
            expected_attach_type: req.expected_attach_type,
        };
        let result = Kernel::call(BPF_PROG_LOAD, &mut attr).map(Kernel::own);
        let end = log.iter().position(|b| *b == 0).unwrap_or(log.len());
        ProgLoadOutcome {
            result,
            log: String::from_utf8_lossy(&log[..end]).into_owned(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::mem::{offset_of, size_of};

    #[test]
    fn attr_layouts_match_the_uapi() {
        assert_eq!(offset_of!(ProgLoadAttr, insns), 8);
        assert_eq!(offset_of!(ProgLoadAttr, log_buf), 32);
        assert_eq!(offset_of!(ProgLoadAttr, prog_flags), 44);
        assert_eq!(offset_of!(ProgLoadAttr, prog_name), 48);
        assert_eq!(offset_of!(ProgLoadAttr, expected_attach_type), 68);
        assert_eq!(size_of::<ProgLoadAttr>(), 72);
        assert_eq!(offset_of!(MapCreateAttr, map_name), 28);
        assert_eq!(offset_of!(MapElemAttr, key), 8);
        assert_eq!(offset_of!(MapElemAttr, flags), 24);
        assert_eq!(offset_of!(TestRunAttr, data_in), 16);
        assert_eq!(offset_of!(TestRunAttr, repeat), 32);
        assert_eq!(offset_of!(TestRunAttr, ctx_in), 48);
        assert_eq!(offset_of!(TestRunAttr, batch_size), 72);
        assert_eq!(size_of::<TestRunAttr>(), 80);
        // struct bpf_prog_info, as in linux/bpf.h.
        assert_eq!(offset_of!(ProgInfoRaw, jited_prog_len), 16);
        assert_eq!(offset_of!(ProgInfoRaw, xlated_prog_len), 20);
        assert_eq!(offset_of!(ProgInfoRaw, run_time_ns), 192);
        assert_eq!(offset_of!(ProgInfoRaw, run_cnt), 200);
        assert_eq!(offset_of!(ProgInfoRaw, verified_insns), 216);
        assert_eq!(offset_of!(InfoAttr, info), 8);
    }

    #[test]
    fn names_are_truncated_and_sanitised() {
        assert_eq!(&name16("a-b.c_d")[..6], b"ab.c_d");
        assert_eq!(name16("x".repeat(40).as_str())[15], 0);
    }
}
