//! A scripted stand-in for the kernel, for unit tests of loader logic.
//!
//! Every call is recorded; program loads are answered by a closure (accept
//! everything by default). Descriptors are small increasing integers and
//! their closing is recorded too, so tests can check that nothing leaks.

use super::{
    Bpf, Fd, MapCreate, ProgInfo, ProgLoad, ProgLoadOutcome, SysError, TestRun, TestRunOutcome,
};
use std::sync::{Arc, Mutex};

/// One recorded call.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Call {
    MapCreate(MapCreate),
    MapUpdate {
        fd: i32,
        key: Vec<u8>,
        value: Vec<u8>,
    },
    MapFreeze(i32),
    ProgLoad(ProgLoad),
    MapLookup {
        fd: i32,
        key: Vec<u8>,
    },
    TestRun {
        fd: i32,
        data: Vec<u8>,
    },
    Attach {
        fd: i32,
        target: i32,
        attach_type: u32,
    },
    Detach {
        fd: i32,
        target: i32,
        attach_type: u32,
    },
    Close(i32),
    ProgInfo(i32),
}

type Answer = dyn Fn(&ProgLoad) -> Result<(), (i32, String)> + Send + Sync;

/// The fake kernel.
pub struct FakeBpf {
    calls: Arc<Mutex<Vec<Call>>>,
    next_fd: Mutex<i32>,
    answer: Box<Answer>,
}

impl Default for FakeBpf {
    fn default() -> Self {
        FakeBpf::new(|_| Ok(()))
    }
}

impl FakeBpf {
    /// A fake whose program loads are decided by `answer`: `Ok` accepts,
    /// `Err((errno, log))` rejects.
    pub fn new(
        answer: impl Fn(&ProgLoad) -> Result<(), (i32, String)> + Send + Sync + 'static,
    ) -> FakeBpf {
        FakeBpf {
            calls: Arc::new(Mutex::new(Vec::new())),
            next_fd: Mutex::new(100),
            answer: Box::new(answer),
        }
    }

    /// Every call so far, in order.
    pub fn calls(&self) -> Vec<Call> {
        self.calls.lock().map(|c| c.clone()).unwrap_or_default()
    }

    fn record(&self, call: Call) {
        if let Ok(mut c) = self.calls.lock() {
            c.push(call);
        }
    }

    fn new_fd(&self) -> Fd {
        let raw = match self.next_fd.lock() {
            Ok(mut n) => {
                *n += 1;
                *n
            }
            Err(_) => -1,
        };
        let calls = Arc::clone(&self.calls);
        Fd::new(
            raw,
            Arc::new(move |fd| {
                if let Ok(mut c) = calls.lock() {
                    c.push(Call::Close(fd));
                }
            }),
        )
    }
}

impl Bpf for FakeBpf {
    fn map_create(&self, req: &MapCreate) -> Result<Fd, SysError> {
        self.record(Call::MapCreate(req.clone()));
        if req.key_size > 512 || req.max_entries == 0 && req.map_type != 27 {
            return Err(SysError {
                command: "BPF_MAP_CREATE",
                errno: libc::EINVAL,
            });
        }
        Ok(self.new_fd())
    }

    fn map_update(&self, map: &Fd, key: &[u8], value: &[u8]) -> Result<(), SysError> {
        self.record(Call::MapUpdate {
            fd: map.raw(),
            key: key.to_vec(),
            value: value.to_vec(),
        });
        Ok(())
    }

    fn map_freeze(&self, map: &Fd) -> Result<(), SysError> {
        self.record(Call::MapFreeze(map.raw()));
        Ok(())
    }

    /// The fake keeps no map contents: every key is absent.
    fn map_lookup(
        &self,
        map: &Fd,
        key: &[u8],
        _value_len: usize,
    ) -> Result<Option<Vec<u8>>, SysError> {
        self.record(Call::MapLookup {
            fd: map.raw(),
            key: key.to_vec(),
        });
        Ok(None)
    }

    /// The fake cannot run programs.
    fn prog_test_run(&self, prog: &Fd, req: &TestRun) -> Result<TestRunOutcome, SysError> {
        self.record(Call::TestRun {
            fd: prog.raw(),
            data: req.data.clone(),
        });
        Err(SysError {
            command: "BPF_PROG_TEST_RUN",
            errno: libc::ENOTSUP,
        })
    }

    fn prog_attach(&self, prog: &Fd, target: i32, attach_type: u32) -> Result<(), SysError> {
        self.record(Call::Attach {
            fd: prog.raw(),
            target,
            attach_type,
        });
        Ok(())
    }

    fn prog_detach(&self, prog: &Fd, target: i32, attach_type: u32) -> Result<(), SysError> {
        self.record(Call::Detach {
            fd: prog.raw(),
            target,
            attach_type,
        });
        Ok(())
    }

    /// The fake verifies and runs nothing: every count is 0.
    fn prog_info(&self, prog: &Fd) -> Result<ProgInfo, SysError> {
        self.record(Call::ProgInfo(prog.raw()));
        Ok(ProgInfo::default())
    }

    fn prog_load(&self, req: &ProgLoad) -> ProgLoadOutcome {
        self.record(Call::ProgLoad(req.clone()));
        match (self.answer)(req) {
            Ok(()) => ProgLoadOutcome {
                result: Ok(self.new_fd()),
                log: String::new(),
            },
            Err((errno, log)) => ProgLoadOutcome {
                result: Err(errno),
                log,
            },
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn records_calls_and_closes_descriptors() {
        let fake = FakeBpf::new(|req| {
            if req.insns.is_empty() {
                Err((libc::EINVAL, "empty program".into()))
            } else {
                Ok(())
            }
        });
        let map = fake
            .map_create(&MapCreate {
                map_type: 2,
                key_size: 4,
                value_size: 8,
                max_entries: 1,
                ..MapCreate::default()
            })
            .unwrap();
        let raw = map.raw();
        let bad = fake.prog_load(&ProgLoad::default());
        assert_eq!(bad.result.unwrap_err(), libc::EINVAL);
        assert_eq!(bad.log, "empty program");
        let good = fake.prog_load(&ProgLoad {
            insns: vec![[0x95, 0, 0, 0, 0, 0, 0, 0]],
            ..ProgLoad::default()
        });
        let prog = good.result.unwrap();
        let prog_fd = prog.raw();
        drop(map);
        let calls = fake.calls();
        assert!(matches!(calls[0], Call::MapCreate(_)));
        assert!(calls.contains(&Call::Close(raw)));
        assert!(!calls.contains(&Call::Close(prog_fd)));
        drop(prog);
        assert!(fake.calls().contains(&Call::Close(prog_fd)));
    }
}
