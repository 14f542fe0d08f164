//! Map types and the maps a program refers to.
//!
//! The helper/map compatibility rules (which helpers accept which map
//! types, in both directions) follow `check_map_func_compatibility` of
//! Linux and are data here: [`map_only_with`] and [`helper_needs`].

use super::prog_type::ProgType;
use std::fmt;

/// `enum bpf_map_type`, as a number with named constants.
#[derive(Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, serde::Serialize)]
pub struct MapType(pub u32);

#[allow(missing_docs)]
impl MapType {
    pub const HASH: MapType = MapType(1);
    pub const ARRAY: MapType = MapType(2);
    pub const PROG_ARRAY: MapType = MapType(3);
    pub const PERF_EVENT_ARRAY: MapType = MapType(4);
    pub const PERCPU_HASH: MapType = MapType(5);
    pub const PERCPU_ARRAY: MapType = MapType(6);
    pub const STACK_TRACE: MapType = MapType(7);
    pub const CGROUP_ARRAY: MapType = MapType(8);
    pub const LRU_HASH: MapType = MapType(9);
    pub const LRU_PERCPU_HASH: MapType = MapType(10);
    pub const LPM_TRIE: MapType = MapType(11);
    pub const ARRAY_OF_MAPS: MapType = MapType(12);
    pub const HASH_OF_MAPS: MapType = MapType(13);
    pub const DEVMAP: MapType = MapType(14);
    pub const SOCKMAP: MapType = MapType(15);
    pub const CPUMAP: MapType = MapType(16);
    pub const XSKMAP: MapType = MapType(17);
    pub const SOCKHASH: MapType = MapType(18);
    pub const CGROUP_STORAGE: MapType = MapType(19);
    pub const REUSEPORT_SOCKARRAY: MapType = MapType(20);
    pub const PERCPU_CGROUP_STORAGE: MapType = MapType(21);
    pub const QUEUE: MapType = MapType(22);
    pub const STACK: MapType = MapType(23);
    pub const SK_STORAGE: MapType = MapType(24);
    pub const DEVMAP_HASH: MapType = MapType(25);
    pub const STRUCT_OPS: MapType = MapType(26);
    pub const RINGBUF: MapType = MapType(27);
    pub const INODE_STORAGE: MapType = MapType(28);
    pub const TASK_STORAGE: MapType = MapType(29);
    pub const BLOOM_FILTER: MapType = MapType(30);
    pub const USER_RINGBUF: MapType = MapType(31);
    pub const CGRP_STORAGE: MapType = MapType(32);
    pub const ARENA: MapType = MapType(33);

    /// Whether `lookup` returns a pointer into the value (as opposed to
    /// map types whose lookup is refused or returns something else).
    pub fn is_array_like(self) -> bool {
        matches!(self, MapType::ARRAY | MapType::PERCPU_ARRAY)
    }

    /// Map-in-map types: lookup yields an inner map pointer.
    pub fn is_map_of_maps(self) -> bool {
        matches!(self, MapType::ARRAY_OF_MAPS | MapType::HASH_OF_MAPS)
    }
}

impl fmt::Debug for MapType {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "map_type {}", self.0)
    }
}

/// `BPF_F_RDONLY_PROG`: the program may only read the map.
pub const F_RDONLY_PROG: u32 = 1 << 7;
/// `BPF_F_WRONLY_PROG`: the program may only write the map.
pub const F_WRONLY_PROG: u32 = 1 << 8;

/// A map as the verifier needs to know it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct MapDef {
    pub name: String,
    pub map_type: MapType,
    pub key_size: u32,
    pub value_size: u32,
    pub max_entries: u32,
    pub flags: u32,
    /// For map-in-map types: the index (in the program's map list) of the
    /// inner map template.
    pub inner: Option<usize>,
    /// The initial contents of a frozen read-only map (`.rodata`, `.kconfig`):
    /// loads at constant offsets read these bytes as known constants.
    pub frozen_data: Option<Vec<u8>>,
    /// Value regions the program may not access with ordinary loads and
    /// stores (`bpf_spin_lock`, `bpf_timer`, kptrs), as `(offset, size)`.
    pub special_fields: Vec<(u32, u32)>,
}

impl MapDef {
    /// A map with no special fields and no frozen contents.
    pub fn new(
        name: impl Into<String>,
        map_type: MapType,
        key_size: u32,
        value_size: u32,
        max_entries: u32,
    ) -> MapDef {
        MapDef {
            name: name.into(),
            map_type,
            key_size,
            value_size,
            max_entries,
            flags: 0,
            inner: None,
            frozen_data: None,
            special_fields: Vec::new(),
        }
    }

    /// Whether programs may write the map's values.
    pub fn prog_can_write(&self) -> bool {
        self.flags & F_RDONLY_PROG == 0
    }

    /// Whether programs may read the map's values.
    pub fn prog_can_read(&self) -> bool {
        self.flags & F_WRONLY_PROG == 0
    }
}

/// Helper ids used in the compatibility rules.
mod h {
    pub const MAP_LOOKUP_ELEM: i32 = 1;
    pub const TAIL_CALL: i32 = 12;
    pub const PERF_EVENT_READ: i32 = 22;
    pub const PERF_EVENT_OUTPUT: i32 = 25;
    pub const GET_STACKID: i32 = 27;
    pub const SKB_UNDER_CGROUP: i32 = 33;
    pub const CURRENT_TASK_UNDER_CGROUP: i32 = 37;
    pub const PERF_EVENT_READ_VALUE: i32 = 55;
    pub const SOCK_MAP_UPDATE: i32 = 53;
    pub const REDIRECT_MAP: i32 = 51;
    pub const SK_REDIRECT_MAP: i32 = 52;
    pub const MSG_REDIRECT_MAP: i32 = 60;
    pub const SOCK_HASH_UPDATE: i32 = 70;
    pub const MSG_REDIRECT_HASH: i32 = 71;
    pub const SK_REDIRECT_HASH: i32 = 72;
    pub const GET_LOCAL_STORAGE: i32 = 81;
    pub const SK_SELECT_REUSEPORT: i32 = 82;
    pub const MAP_PUSH_ELEM: i32 = 87;
    pub const MAP_POP_ELEM: i32 = 88;
    pub const MAP_PEEK_ELEM: i32 = 89;
    pub const SK_STORAGE_GET: i32 = 107;
    pub const SK_STORAGE_DELETE: i32 = 108;
    pub const SKB_OUTPUT: i32 = 111;
    pub const XDP_OUTPUT: i32 = 121;
    pub const RINGBUF_OUTPUT: i32 = 130;
    pub const RINGBUF_RESERVE: i32 = 131;
    pub const RINGBUF_QUERY: i32 = 134;
    pub const INODE_STORAGE_GET: i32 = 145;
    pub const INODE_STORAGE_DELETE: i32 = 146;
    pub const TASK_STORAGE_GET: i32 = 156;
    pub const TASK_STORAGE_DELETE: i32 = 157;
    pub const KPTR_XCHG: i32 = 194;
    pub const MAP_LOOKUP_PERCPU_ELEM: i32 = 195;
    pub const RINGBUF_RESERVE_DYNPTR: i32 = 198;
    pub const RINGBUF_SUBMIT_DYNPTR: i32 = 199;
    pub const RINGBUF_DISCARD_DYNPTR: i32 = 200;
    pub const USER_RINGBUF_DRAIN: i32 = 209;
    pub const CGRP_STORAGE_GET: i32 = 210;
    pub const CGRP_STORAGE_DELETE: i32 = 211;
}

/// Map types that only some helpers accept: the helpers allowed to take
/// such a map. `None` when any helper with a map argument may take it.
pub fn map_only_with(map: MapType) -> Option<&'static [i32]> {
    use h::*;
    Some(match map {
        MapType::PROG_ARRAY => &[TAIL_CALL],
        MapType::PERF_EVENT_ARRAY => &[
            PERF_EVENT_READ,
            PERF_EVENT_OUTPUT,
            SKB_OUTPUT,
            PERF_EVENT_READ_VALUE,
            XDP_OUTPUT,
        ],
        MapType::RINGBUF => &[
            RINGBUF_OUTPUT,
            RINGBUF_RESERVE,
            RINGBUF_QUERY,
            RINGBUF_RESERVE_DYNPTR,
            RINGBUF_SUBMIT_DYNPTR,
            RINGBUF_DISCARD_DYNPTR,
        ],
        MapType::USER_RINGBUF => &[USER_RINGBUF_DRAIN],
        MapType::STACK_TRACE => &[GET_STACKID],
        MapType::CGROUP_ARRAY => &[SKB_UNDER_CGROUP, CURRENT_TASK_UNDER_CGROUP],
        MapType::CGROUP_STORAGE | MapType::PERCPU_CGROUP_STORAGE => &[GET_LOCAL_STORAGE],
        MapType::DEVMAP | MapType::DEVMAP_HASH | MapType::XSKMAP => {
            &[REDIRECT_MAP, MAP_LOOKUP_ELEM]
        }
        MapType::CPUMAP => &[REDIRECT_MAP],
        MapType::ARRAY_OF_MAPS | MapType::HASH_OF_MAPS => &[MAP_LOOKUP_ELEM],
        MapType::SOCKMAP => &[
            SK_REDIRECT_MAP,
            SOCK_MAP_UPDATE,
            MSG_REDIRECT_MAP,
            SK_SELECT_REUSEPORT,
            MAP_LOOKUP_ELEM,
        ],
        MapType::SOCKHASH => &[
            SK_REDIRECT_HASH,
            SOCK_HASH_UPDATE,
            MSG_REDIRECT_HASH,
            SK_SELECT_REUSEPORT,
            MAP_LOOKUP_ELEM,
        ],
        MapType::REUSEPORT_SOCKARRAY => &[SK_SELECT_REUSEPORT],
        MapType::QUEUE | MapType::STACK => &[MAP_PEEK_ELEM, MAP_POP_ELEM, MAP_PUSH_ELEM],
        MapType::SK_STORAGE => &[SK_STORAGE_GET, SK_STORAGE_DELETE, KPTR_XCHG],
        MapType::INODE_STORAGE => &[INODE_STORAGE_GET, INODE_STORAGE_DELETE, KPTR_XCHG],
        MapType::TASK_STORAGE => &[TASK_STORAGE_GET, TASK_STORAGE_DELETE, KPTR_XCHG],
        MapType::CGRP_STORAGE => &[CGRP_STORAGE_GET, CGRP_STORAGE_DELETE, KPTR_XCHG],
        MapType::BLOOM_FILTER => &[MAP_PEEK_ELEM, MAP_PUSH_ELEM],
        _ => return None,
    })
}

/// Helpers that only take some map types: the map types they accept.
/// `None` when the helper takes any map its map-argument rules allow.
pub fn helper_needs(helper: i32) -> Option<&'static [MapType]> {
    use h::*;
    Some(match helper {
        TAIL_CALL => &[MapType::PROG_ARRAY],
        PERF_EVENT_READ | PERF_EVENT_OUTPUT | PERF_EVENT_READ_VALUE | SKB_OUTPUT | XDP_OUTPUT => {
            &[MapType::PERF_EVENT_ARRAY]
        }
        RINGBUF_OUTPUT
        | RINGBUF_RESERVE
        | RINGBUF_QUERY
        | RINGBUF_RESERVE_DYNPTR
        | RINGBUF_SUBMIT_DYNPTR
        | RINGBUF_DISCARD_DYNPTR => &[MapType::RINGBUF],
        USER_RINGBUF_DRAIN => &[MapType::USER_RINGBUF],
        GET_STACKID => &[MapType::STACK_TRACE],
        CURRENT_TASK_UNDER_CGROUP | SKB_UNDER_CGROUP => &[MapType::CGROUP_ARRAY],
        REDIRECT_MAP => &[
            MapType::DEVMAP,
            MapType::DEVMAP_HASH,
            MapType::CPUMAP,
            MapType::XSKMAP,
        ],
        SK_REDIRECT_MAP | MSG_REDIRECT_MAP | SOCK_MAP_UPDATE => &[MapType::SOCKMAP],
        SK_REDIRECT_HASH | MSG_REDIRECT_HASH | SOCK_HASH_UPDATE => &[MapType::SOCKHASH],
        GET_LOCAL_STORAGE => &[MapType::CGROUP_STORAGE, MapType::PERCPU_CGROUP_STORAGE],
        SK_SELECT_REUSEPORT => &[
            MapType::REUSEPORT_SOCKARRAY,
            MapType::SOCKMAP,
            MapType::SOCKHASH,
        ],
        MAP_POP_ELEM => &[MapType::QUEUE, MapType::STACK],
        MAP_PEEK_ELEM | MAP_PUSH_ELEM => &[MapType::QUEUE, MapType::STACK, MapType::BLOOM_FILTER],
        MAP_LOOKUP_PERCPU_ELEM => &[
            MapType::PERCPU_ARRAY,
            MapType::PERCPU_HASH,
            MapType::LRU_PERCPU_HASH,
        ],
        SK_STORAGE_GET | SK_STORAGE_DELETE => &[MapType::SK_STORAGE],
        INODE_STORAGE_GET | INODE_STORAGE_DELETE => &[MapType::INODE_STORAGE],
        TASK_STORAGE_GET | TASK_STORAGE_DELETE => &[MapType::TASK_STORAGE],
        CGRP_STORAGE_GET | CGRP_STORAGE_DELETE => &[MapType::CGRP_STORAGE],
        _ => return None,
    })
}

/// Whether `helper` may be called with a map of type `map` in a program
/// of type `prog` (sockmaps may be updated or cleared only where no socket
/// can be locked, Linux `may_update_sockmap`).
pub fn compatible(map: MapType, helper: i32, prog: ProgType) -> bool {
    let sockmap_update = matches!(map, MapType::SOCKMAP | MapType::SOCKHASH)
        && match helper {
            2 => matches!(
                prog,
                ProgType::SocketFilter
                    | ProgType::SchedCls
                    | ProgType::SchedAct
                    | ProgType::Xdp
                    | ProgType::SkReuseport
                    | ProgType::FlowDissector
                    | ProgType::SkLookup
            ),
            3 => matches!(
                prog,
                ProgType::SocketFilter
                    | ProgType::SchedCls
                    | ProgType::SchedAct
                    | ProgType::Xdp
                    | ProgType::SkReuseport
                    | ProgType::FlowDissector
                    | ProgType::SkLookup
                    | ProgType::SockOps
            ),
            _ => false,
        };
    (sockmap_update || map_only_with(map).is_none_or(|hs| hs.contains(&helper)))
        && helper_needs(helper).is_none_or(|ms| ms.contains(&map))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn compatibility_is_two_way() {
        let tc = ProgType::SchedCls;
        assert!(compatible(MapType::HASH, 1, tc));
        assert!(
            !compatible(MapType::PROG_ARRAY, 1, tc),
            "lookup in a prog array"
        );
        assert!(compatible(MapType::PROG_ARRAY, 12, tc));
        assert!(
            !compatible(MapType::HASH, 12, tc),
            "tail call needs a prog array"
        );
        assert!(!compatible(MapType::STACK_TRACE, 1, tc));
        assert!(compatible(MapType::RINGBUF, 131, tc));
        assert!(compatible(MapType::SOCKMAP, 3, tc));
        assert!(!compatible(MapType::SOCKMAP, 3, ProgType::Kprobe));
    }
}
