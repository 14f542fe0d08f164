//! The maps of a compiled object, and their layouts.
//!
//! One object holds every program of a `.pol` file, so maps that stand for
//! file-level things are shared:
//!
//! * every address set has two LPM tries, `<set>_v4` and `<set>_v6`
//!   (key `{u32 prefixlen; u8 addr[4|16]}`, value `u8` = 1);
//! * every port set has a bitmap, `<set>_ports`: an array with one
//!   8192-byte value, bit `p` set when port `p` is in the set;
//! * each filter that counts has `<prog>_counters`, a per-CPU array of
//!   `{u64 packets; u64 bytes}` indexed by outcome (rule index, then the
//!   default, then malformed packets);
//! * one ring buffer `palisade_events` carries `log` events of every
//!   program (layout [`EVENT_SIZE`]);
//! * each service has `<svc>_vips` (hash: [`ServiceKey`] -> `{u32 count;
//!   u32 first}`) and `<svc>_backends` (array of `{u8 addr[16]; u16 port;
//!   u16 family; u32 pad}`).
//!
//! Kernel map names are at most 15 bytes, so [`kernel_name`] shortens long
//! names deterministically; the object's metadata maps set names to map
//! names for `palisade set`.

use crate::model::{Checked, Family, ProgramKind, SetContents, SetId};

/// Kernel map types used by Palisade objects.
pub mod map_type {
    pub const HASH: u32 = 1;
    pub const ARRAY: u32 = 2;
    pub const PERCPU_ARRAY: u32 = 6;
    pub const LPM_TRIE: u32 = 11;
    pub const RINGBUF: u32 = 27;
}

/// `BPF_F_NO_PREALLOC`, required for LPM tries.
pub const NO_PREALLOC: u32 = 1;

/// Bytes in a port-set bitmap (65536 bits).
pub const PORT_BITMAP_BYTES: u32 = 8192;

/// Bytes of one `log` event (see [`super::filter`] for the field layout).
pub const EVENT_SIZE: u32 = 48;

/// Size of the events ring buffer.
pub const EVENTS_BYTES: u32 = 256 * 1024;

/// Capacity of an address set's LPM trie: room to grow live.
pub const ADDR_SET_CAPACITY: u32 = 65536;

/// What a map is for.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum MapRole {
    AddrSet {
        set: SetId,
        family: Family,
    },
    PortSet {
        set: SetId,
    },
    Counters {
        program: String,
    },
    Events,
    ServiceVips {
        program: String,
    },
    ServiceBackends {
        program: String,
    },
    /// A chain's rule table (see `super::table`), with its entries.
    RuleTable {
        program: String,
        chain: usize,
        entries: Vec<(Vec<u8>, Vec<u8>)>,
    },
}

/// One map of the object.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct MapDecl {
    /// The symbol and kernel name (at most 15 bytes).
    pub name: String,
    pub role: MapRole,
    pub map_type: u32,
    pub key_size: u32,
    pub value_size: u32,
    pub max_entries: u32,
    pub flags: u32,
}

/// Every map of an object, in a fixed order: sets in file order, then per
/// program maps in program order, then the event ring buffer.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct MapPlan {
    pub maps: Vec<MapDecl>,
    /// Kernel names in use.
    names: Names,
}

impl MapPlan {
    /// Plans the maps of `checked`. `counting`/`logging` say which filters
    /// need counters, and whether any program logs.
    pub fn new(checked: &Checked, counting: &[String], logging: bool) -> MapPlan {
        let mut plan = MapPlan::default();
        let mut names = Names::default();
        for set in &checked.sets {
            match set.contents {
                SetContents::Addrs(_) => {
                    for (family, suffix, bytes) in [(Family::V4, "_v4", 4), (Family::V6, "_v6", 16)]
                    {
                        plan.maps.push(MapDecl {
                            name: names.unique(&set.name, suffix),
                            role: MapRole::AddrSet {
                                set: set.id,
                                family,
                            },
                            map_type: map_type::LPM_TRIE,
                            key_size: 4 + bytes,
                            value_size: 1,
                            max_entries: ADDR_SET_CAPACITY,
                            flags: NO_PREALLOC,
                        });
                    }
                }
                SetContents::Ports(_) => plan.maps.push(MapDecl {
                    name: names.unique(&set.name, "_ports"),
                    role: MapRole::PortSet { set: set.id },
                    map_type: map_type::ARRAY,
                    key_size: 4,
                    value_size: PORT_BITMAP_BYTES,
                    max_entries: 1,
                    flags: 0,
                }),
            }
        }
        for program in &checked.programs {
            match &program.kind {
                ProgramKind::Policy(_) | ProgramKind::Guard(_) => {
                    if counting.contains(&program.name) {
                        let rules = program.filter().map_or(0, |f| f.rules.len() as u32);
                        plan.maps.push(MapDecl {
                            name: names.unique(&program.name, "_cnt"),
                            role: MapRole::Counters {
                                program: program.name.clone(),
                            },
                            map_type: map_type::PERCPU_ARRAY,
                            key_size: 4,
                            value_size: 16,
                            max_entries: rules + 2,
                            flags: 0,
                        });
                    }
                }
                ProgramKind::Service(service) => {
                    let backends: usize = service.mappings.iter().map(|m| m.backends.len()).sum();
                    let entries = service.mappings.len().max(1) as u32 * 2;
                    plan.maps.push(MapDecl {
                        name: names.unique(&program.name, "_vips"),
                        role: MapRole::ServiceVips {
                            program: program.name.clone(),
                        },
                        map_type: map_type::HASH,
                        key_size: SERVICE_KEY_SIZE,
                        value_size: 8,
                        max_entries: entries.max(16),
                        flags: 0,
                    });
                    plan.maps.push(MapDecl {
                        name: names.unique(&program.name, "_bk"),
                        role: MapRole::ServiceBackends {
                            program: program.name.clone(),
                        },
                        map_type: map_type::ARRAY,
                        key_size: 4,
                        value_size: BACKEND_SIZE,
                        max_entries: (backends as u32).max(16),
                        flags: 0,
                    });
                }
            }
        }
        if logging {
            plan.maps.push(MapDecl {
                name: names.unique("palisade_events", ""),
                role: MapRole::Events,
                map_type: map_type::RINGBUF,
                key_size: 0,
                value_size: 0,
                max_entries: EVENTS_BYTES,
                flags: 0,
            });
        }
        plan.names = names;
        plan
    }

    /// Adds a map named `base` + `suffix` (made unique and short enough)
    /// and returns its index.
    pub fn push(&mut self, base: &str, suffix: &str, mut decl: MapDecl) -> usize {
        decl.name = self.names.unique(base, suffix);
        self.maps.push(decl);
        self.maps.len() - 1
    }

    fn find(&self, role: &MapRole) -> Option<usize> {
        self.maps.iter().position(|m| &m.role == role)
    }

    /// The LPM trie of an address set for one family.
    pub fn addr_set(&self, set: SetId, family: Family) -> Option<usize> {
        self.find(&MapRole::AddrSet { set, family })
    }

    /// The bitmap of a port set.
    pub fn port_set(&self, set: SetId) -> Option<usize> {
        self.find(&MapRole::PortSet { set })
    }

    /// The counters of a filter.
    pub fn counters(&self, program: &str) -> Option<usize> {
        self.find(&MapRole::Counters {
            program: program.to_string(),
        })
    }

    /// The event ring buffer.
    pub fn events(&self) -> Option<usize> {
        self.find(&MapRole::Events)
    }

    /// A service's VIP table.
    pub fn service_vips(&self, program: &str) -> Option<usize> {
        self.find(&MapRole::ServiceVips {
            program: program.to_string(),
        })
    }

    /// A service's backend array.
    pub fn service_backends(&self, program: &str) -> Option<usize> {
        self.find(&MapRole::ServiceBackends {
            program: program.to_string(),
        })
    }
}

/// Bytes of a service key: `{u8 addr[16]; u16 port (network order);
/// u8 protocol; u8 family}`.
pub const SERVICE_KEY_SIZE: u32 = 20;

/// Bytes of a backend entry: `{u8 addr[16]; u16 port (network order);
/// u16 pad}`.
pub const BACKEND_SIZE: u32 = 20;

/// Longest kernel object name (BPF_OBJ_NAME_LEN - 1).
pub const MAX_NAME: usize = 15;

/// Chooses unique kernel names.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
struct Names {
    used: Vec<String>,
}

impl Names {
    fn unique(&mut self, base: &str, suffix: &str) -> String {
        let name = kernel_name(base, suffix);
        let mut candidate = name.clone();
        let mut n = 1;
        while self.used.contains(&candidate) {
            let tag = format!("{n}");
            let keep = MAX_NAME - suffix.len() - tag.len();
            candidate = format!(
                "{}{tag}{suffix}",
                &sanitize(base)[..keep.min(sanitize(base).len())]
            );
            n += 1;
        }
        self.used.push(candidate.clone());
        candidate
    }
}

fn sanitize(name: &str) -> String {
    name.chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || c == '_' {
                c
            } else {
                '_'
            }
        })
        .collect()
}

/// `base` + `suffix`, with `base` cut so the result fits 15 bytes and only
/// holds characters kernel names accept.
pub fn kernel_name(base: &str, suffix: &str) -> String {
    let base = sanitize(base);
    let keep = MAX_NAME.saturating_sub(suffix.len()).min(base.len());
    format!("{}{suffix}", &base[..keep])
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn kernel_names_fit_and_are_unique() {
        assert_eq!(kernel_name("trusted", "_v4"), "trusted_v4");
        assert_eq!(
            kernel_name("a-very-long-set-name", "_v6"),
            "a_very_long__v6"
        );
        let mut names = Names::default();
        let a = names.unique("a-very-long-set-name", "_v6");
        let b = names.unique("a-very-long-set-nameX", "_v6");
        assert_ne!(a, b);
        assert!(b.len() <= MAX_NAME, "{b}");
    }
}
